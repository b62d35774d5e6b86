"""The ``adamtheory`` command.

``adamtheory verify`` runs registered claims and prints (id, provenance, predicted, measured,
verdict); it exits 0 when no claim fails, 1 when one fails or errors, 2 on a usage error.
``adamtheory claims`` lists the registry.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]


class UsageError(Exception):
    """A user error: printed in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="adamtheory", description="Check theorems about Adam against numbers.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    verify = sub.add_parser("verify", help="run registered claims and print verdicts")
    verify.add_argument("--profile", default="quick", choices=("quick", "full"),
                        help="quick: seconds on a laptop; full: paper-scale settings")
    verify.add_argument("--claim", nargs="+", metavar="ID", help="run only these claim ids")
    verify.add_argument("--backend", default="auto", choices=("auto", "numpy", "cupy"))
    verify.add_argument("--seed", default=0, type=int, help="root seed (non-negative)")
    verify.add_argument("--out", type=Path, metavar="DIR",
                        help="write results.json and report.md into DIR")
    verify.add_argument("--json", type=Path, metavar="FILE", help="write results as JSON")
    claims = sub.add_parser("claims", help="list the registered claims")
    claims.add_argument("--json", action="store_true", help="print the registry as JSON")
    return parser


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(_truncate(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _cmd_claims(args: argparse.Namespace) -> int:
    from .claims import REGISTRY

    if args.json:
        print(json.dumps([c.describe() for c in REGISTRY], indent=2, ensure_ascii=False))
        return 0
    widths = [10, 9, 60]
    print(_row(["id", "tag", "title"], widths))
    for claim in REGISTRY:
        print(_row([claim.id, claim.provenance, claim.title], widths))
    return 0


def _report_markdown(payload: dict[str, Any]) -> str:
    lines = ["# adamtheory verification report", "",
             f"profile `{payload['profile']}`, seed {payload['seed']}, backend "
             f"`{payload['environment']['backend']}`; summary: "
             + ", ".join(f"{k} {v}" for k, v in payload["summary"].items()), "",
             "| id | provenance | predicted | measured | verdict | control fired | s |",
             "|---|---|---|---|---|---|---|"]
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|")

    for r in payload["claims"]:
        lines.append(f"| {r['id']} | {r['provenance']} | {cell(r['predicted'])} | "
                     f"{cell(r['measured'])} | "
                     f"**{r['verdict']}** | {r['control']['fired']} | {r['seconds']:.2f} |")
    lines += ["", "## Environment", "", "```json",
              json.dumps(payload["environment"], indent=2), "```", ""]
    return "\n".join(lines)


def _cmd_verify(args: argparse.Namespace) -> int:
    from .claims import REGISTRY, get_claim, run_claim
    from .kernels import environment, resolve_backend

    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer; got {args.seed}")
    try:
        selected = [get_claim(c) for c in args.claim] if args.claim else list(REGISTRY)
    except ValueError as exc:
        raise UsageError(f"--claim: {exc}") from None
    backend = resolve_backend(args.backend)
    widths = [10, 9, 44, 52, 12]
    print(_row(["id", "tag", "predicted", "measured", "verdict"], widths), flush=True)
    results = []
    start = time.perf_counter()
    for claim in selected:
        result = run_claim(claim, profile=args.profile, seed=args.seed, backend=backend.name)
        results.append(result)
        verdict = result.verdict + ("" if result.control["fired"] else " (ctl!)")
        print(_row([result.id, result.provenance, result.predicted, result.measured, verdict],
                   widths), flush=True)
        if result.message:
            print(f"{'':>12}{result.message}", flush=True)
    counts = {v: sum(r.verdict == v for r in results)
              for v in ("pass", "fail", "inconclusive", "error")}
    print(f"\n{len(results)} claims in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{n} {v}" for v, n in counts.items()))
    payload = {
        "profile": args.profile,
        "seed": args.seed,
        "summary": counts,
        "claims": [r.to_json() for r in results],
        "environment": environment(backend.name, backend.device)
        | {"backend_requested": backend.requested},
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        (args.out / "report.md").write_text(_report_markdown(payload))
    return 1 if counts["fail"] or counts["error"] else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a claim failed, 2 usage error)."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "claims":
            return _cmd_claims(args)
        return _cmd_verify(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
