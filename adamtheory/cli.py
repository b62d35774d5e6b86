"""The ``adamtheory`` command.

``adamtheory verify`` runs registered claims and prints one row per claim: id, verdict, power
(``detected/declared`` perturbations, ``weak``), measured (the rule's summary first),
predicted. The table fits the terminal (``$COLUMNS``; long cells wrap inside their column);
``--format wide`` (no width limit), ``markdown`` (a GitHub table) and ``json`` (the payload on
stdout) print every cell unabridged. It exits 0 when no claim fails, 1 when one fails or
errors, 2 on a usage error, 130 when interrupted. A ``reported`` claim (measurements without
a pass/fail rule) counts like a pass for the exit status.
Results are cached on disk per claim (``--force`` recomputes, ``--no-cache`` bypasses the
cache); ``--out DIR`` writes results.json, report.md, report.html and figures/.
``adamtheory claims`` lists the registry.

Every output path (``--out``, ``--json FILE``, ``--data``) is checked before any computation;
every ``--json`` takes an optional FILE (omitted or ``-``: stdout). The backend names are the
same in every subcommand (:data:`BACKENDS`); a fallback is one line on stderr and recorded in
the results, or an error with ``--strict-backend``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["main"]

#: Modules (in this package) that add subcommands: each has ``register(subparsers)``, which adds
#: its parser and sets ``run_command`` (``args -> exit status``) as a default.
_EXTENSION_COMMANDS: tuple[str, ...] = ("cli_divergence", "cli_o2nc", "cli_realdata")


def _extensions() -> list[Any]:
    return [importlib.import_module(f".{name}", __package__) for name in _EXTENSION_COMMANDS]


def _figure_groups() -> dict[str, Any]:
    """The figure groups of ``adamtheory figures``: each extension module's ``FIGURE_GROUPS``
    maps a group name to ``write(args) -> None``, which writes that group's figures into
    ``args.out`` (using ``args.grid``, ``args.epochs``, ``args.quiet``)."""
    groups: dict[str, Any] = {}
    for module in _extensions():
        groups.update(getattr(module, "FIGURE_GROUPS", {}))
    return groups


class UsageError(Exception):
    """A user error: printed in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own errors: one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


#: Backend names of every subcommand (= adamtheory.report.preflight.BACKENDS).
BACKENDS = ("auto", "numpy", "numba", "cupy")
FORMATS = ("table", "wide", "markdown", "json")
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")
DATA_SUFFIXES = (".nc",)
STDOUT = "-"
_BACKEND_HELP = {
    "verify": "auto: CuPy when a GPU works, else NumPy (sweeps: Numba); numpy: NumPy "
    "everywhere (the sweeps' slower reference kernel); numba: sweeps on the Numba "
    "CPU kernel, array kernels on NumPy; cupy without CuPy or a GPU falls back to "
    "NumPy (sweeps: Numba), in one line on stderr, recorded in the results",
    "region": "auto: the CUDA kernel when a GPU works, else Numba; numpy: the reference "
    "kernel; cupy without a GPU falls back to Numba (one line on stderr)",
    "drift": "the drift has no CUDA kernel: auto and cupy run the Numba kernel (cupy says "
    "so in one line); numpy: the reference kernel",
}


def _add_backend(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--backend", default="auto", choices=BACKENDS, help=_BACKEND_HELP[command])
    parser.add_argument(
        "--strict-backend",
        action="store_true",
        help="exit 2 instead of falling back when the requested backend is unavailable",
    )


def _add_scheduler(parser: argparse.ArgumentParser, *, workers: bool = True) -> None:
    """``--scheduler``/``--dask-address`` (and ``--workers``) of the scale-out seam."""
    from .kernels.executors import add_scheduler_arguments

    add_scheduler_arguments(parser, workers=workers)


def _add_json(parser: Any, what: str) -> None:
    parser.add_argument(
        "--json",
        nargs="?",
        const=STDOUT,
        metavar="FILE",
        help=f"write {what} as JSON to FILE (omitted or -: stdout, instead of the usual output)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="adamtheory", description="Check theorems about Adam against numbers.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    verify = sub.add_parser("verify", help="run registered claims and print verdicts")
    verify.add_argument(
        "--profile",
        default="quick",
        choices=("quick", "full"),
        help="quick: seconds on a laptop; full: paper-scale settings",
    )
    verify.add_argument(
        "--claim",
        nargs="+",
        action="extend",
        metavar="ID",
        help="run only these claim ids (repeatable: --claim A --claim B)",
    )
    verify.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="also run the claims of MODULE (an importable module with a "
        "CLAIMS sequence); repeatable",
    )
    verify.add_argument(
        "--no-registry",
        action="store_true",
        help="run only plugin / entry-point claims, not the built-in registry",
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 also when a claim is weak (a declared perturbation of its "
        "theory was not detected)",
    )
    _add_backend(verify, "verify")
    verify.add_argument("--seed", default=0, type=int, help="root seed (non-negative)")
    verify.add_argument(
        "--format",
        choices=FORMATS,
        help="table (default): fits the terminal, long cells wrap; wide: no "
        "width limit; markdown: a GitHub table; json: the results on "
        "stdout (wide, markdown and json: cells unabridged)",
    )
    verify.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write results.json, report.md, report.html (self-contained) and figures/ into DIR",
    )
    _add_json(verify, "the results")
    verify.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="result cache (default: $ADAMTHEORY_CACHE_DIR, else "
        "$XDG_CACHE_HOME/adamtheory, else ~/.cache/adamtheory)",
    )
    verify.add_argument(
        "--force", action="store_true", help="recompute every claim (and refresh the cache)"
    )
    verify.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the result cache"
    )
    verify.add_argument("--quiet", action="store_true", help="no progress bars")
    verify.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="claims run at the same time (worker processes; Dask workers with --scheduler "
        "dask); results equal the sequential run",
    )
    _add_scheduler(verify, workers=False)
    claims = sub.add_parser("claims", help="list the registered claims")
    _add_json(claims, "the registry (rules and sensitivity entries)")
    claims.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="also list the claims of MODULE; repeatable",
    )

    groups = tuple(_figure_groups())
    figures = sub.add_parser("figures", help="regenerate the committed figure gallery")
    figures.add_argument("--out", type=Path, default=Path("figures"))
    figures.add_argument("--grid", type=int, default=200)
    figures.add_argument("--epochs", type=int, default=500)
    figures.add_argument("--quiet", action="store_true")
    _add_scheduler(figures)
    figures.add_argument(
        "--only",
        nargs="+",
        choices=groups,
        metavar="GROUP",
        help=f"regenerate only these groups: {', '.join(groups)}",
    )
    for module in _extensions():
        module.register(sub)
    return parser


def _emit_json(obj: Any, target: str) -> None:
    """``obj`` as JSON on stdout (``-``) or into the file ``target`` (atomically)."""
    from ._files import atomic_write_text

    text = json.dumps(obj, indent=2, ensure_ascii=False)
    if target == STDOUT:
        print(text)
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text + "\n")


def _check_json(target: str | None) -> None:
    from .report.preflight import check_output

    if target not in (None, STDOUT):
        check_output(target, "--json")


def _plan(args: argparse.Namespace, **kw: Any) -> Any:
    """The backend plan of a sweep command; a fallback is one line on stderr."""
    from .report.preflight import BackendUnavailable, plan_backend

    try:
        plan = plan_backend(args.backend, strict=args.strict_backend, **kw)
    except BackendUnavailable as exc:
        raise UsageError(_strict_message(exc.plan)) from None
    if plan.fallback is not None:
        print(plan.summary(), file=sys.stderr, flush=True)
    return plan


def _strict_message(plan: Any) -> str:
    return (
        f"--backend {plan.requested}: {plan.fallback}; --strict-backend forbids the "
        f"fallback to {plan.used}"
    )


def _cmd_claims(args: argparse.Namespace) -> int:
    from .report.table import Column, fit, render_row, terminal_width
    from .report.verify import select_claims

    _check_json(args.json)
    try:
        claims = select_claims(plugins=args.plugin)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--plugin: {exc}") from None
    if args.json is not None:
        _emit_json([c.describe() for c in claims], args.json)
        if args.json == STDOUT:
            return 0
    widths = fit(
        [
            Column("id", max(len(c.id) for c in claims)),
            Column("tag", 9),
            Column("perts", 5),
            Column("title", minimum=20),
        ],
        terminal_width(),
    )
    rows = [["id", "tag", "perts", "title"]] + [
        [c.id, c.provenance, str(len(c.sensitivity) or "-"), c.title] for c in claims
    ]
    for row in rows:
        print("\n".join(render_row(row, widths)))
    return 0


def _progress(quiet: bool) -> Any:
    """``iterable -> iterable`` with a tqdm bar on stderr, or plain iteration.

    Off with ``--quiet`` and whenever stderr is not a terminal (logs, pipes, CI).
    """
    if quiet or not sys.stderr.isatty():
        return lambda items, **kw: items
    from tqdm import tqdm

    return lambda items, **kw: tqdm(items, file=sys.stderr, leave=False, **kw)


def _write_line(text: str) -> None:
    """Print one table line above a running progress bar (and flush: results stream)."""
    from tqdm import tqdm

    tqdm.write(text, file=sys.stdout)
    sys.stdout.flush()


def _power_cell(data: dict[str, Any]) -> str:
    """``detected/declared`` perturbations, ``weak`` when a required one was missed."""
    entries = data.get("sensitivity") or []
    if not entries:
        return "-"
    cell = f"{sum(bool(e['detected']) for e in entries)}/{len(entries)}"
    return cell + (" weak" if data.get("weak") else "")


class _VerifyTable:
    """verify's rows as they finish: ``table`` streams rows that fit ``width`` (cells wrap),
    ``markdown`` streams a GitHub table, ``wide`` prints aligned unabridged rows at the end,
    ``json`` prints none (the payload follows)."""

    HEADER = ["id", "verdict", "power", "measured", "predicted"]
    EXTRA = ["tag", "note"]  # wide and markdown only: no width to save there

    def __init__(self, fmt: str, claims: list[Any], width: int) -> None:
        from .report.table import Column, fit

        self.fmt, self.width, self.rows, self.started = fmt, width, [], False
        counts = [len(c.sensitivity) for c in claims]
        power = max((len(f"{n}/{n} weak") for n in counts if n), default=1)
        self.widths = fit(
            [
                Column("id", max(len(c.id) for c in claims)),
                Column("verdict", len("inconclusive")),
                Column("power", power),
                Column("measured", weight=3),
                Column("predicted", weight=2),
            ],
            width,
        )

    def start(self) -> None:
        from .report.table import markdown_row, render_row

        self.started = True
        if self.fmt == "table":
            for line in render_row(self.HEADER, self.widths):
                _write_line(line)
        elif self.fmt == "markdown":
            _write_line(markdown_row(self.HEADER + self.EXTRA))
            _write_line("|" + "---|" * len(self.HEADER + self.EXTRA))

    def add(self, data: dict[str, Any]) -> None:
        from .report.table import markdown_row, render_row

        # "(ctl!)": the check passed but its negative control did not fail, so the claim failed
        flag = " (ctl!)" if data["message"].startswith("negative control did not fail") else ""
        cells = [
            data["id"],
            data["verdict"] + flag,
            _power_cell(data),
            data["measured"],
            data["predicted"],
        ]
        extra = [data["provenance"], data["message"]]
        if self.fmt == "table":
            for line in render_row(cells, self.widths):
                _write_line(line)
            if data["message"]:
                _write_line(
                    textwrap.fill(
                        data["message"], self.width, initial_indent="    ", subsequent_indent="    "
                    )
                )
        elif self.fmt == "markdown":
            _write_line(markdown_row(cells + extra))
        elif self.fmt == "wide":
            self.rows.append(cells + extra)

    def finish(self) -> None:
        """Print what is buffered (``wide``); also after an interrupt."""
        from .report.table import wide_rows

        if self.fmt == "wide" and self.started:
            for line in wide_rows(self.HEADER + self.EXTRA, self.rows):
                _write_line(line)
            self.rows, self.started = [], False


def _cmd_verify(args: argparse.Namespace) -> int:
    from .report import default_cache_dir
    from .report.preflight import BackendUnavailable, check_output
    from .report.table import terminal_width
    from .report.verify import select_claims, verify

    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer; got {args.seed}")
    if args.no_cache and (args.cache_dir is not None):
        raise UsageError("--cache-dir and --no-cache exclude each other")
    fmt = args.format or ("json" if args.json == STDOUT else "table")
    if args.json == STDOUT and fmt != "json":
        raise UsageError(
            f"--json without FILE prints the results on stdout, where --format "
            f"{fmt} prints its table; give --json FILE"
        )
    json_path = None if args.json in (None, STDOUT) else Path(args.json)
    _check_json(args.json)  # before any claim runs; no file is touched
    if args.out is not None:
        check_output(args.out, "--out", directory=True)
    try:
        selected = select_claims(args.claim, plugins=args.plugin, registry=not args.no_registry)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--claim/--plugin: {exc}") from None
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    width = terminal_width()
    table = _VerifyTable(fmt, selected, width)
    from .kernels.executors import executor_from_args

    try:
        workers = args.jobs if args.scheduler != "local" else None
        with executor_from_args(args, workers=workers) as executor:
            done = _run_verify(args, verify, selected, cache_dir, json_path, table, executor)
    except BackendUnavailable as exc:
        raise UsageError(_strict_message(exc.plan)) from None
    except KeyboardInterrupt:
        table.finish()
        print(
            "interrupted: "
            + (
                f"finished claims are cached in {cache_dir} and are reused by the next run"
                if cache_dir is not None
                else "nothing was cached (--no-cache)"
            ),
            file=sys.stderr,
        )
        return 130
    return _verify_summary(args, done, table, fmt, width, cache_dir)


def _run_verify(
    args: argparse.Namespace,
    verify: Any,
    selected: list[Any],
    cache_dir: Any,
    json_path: Path | None,
    table: Any,
    executor: Any,
) -> Any:
    def on_backend(plan: Any) -> None:
        if plan.fallback is not None:
            print(plan.summary(), file=sys.stderr, flush=True)
        table.start()

    return verify(
        selected,
        profile=args.profile,
        seed=args.seed,
        backend=args.backend,
        strict_backend=args.strict_backend,
        out=args.out,
        json_path=json_path,
        cache_dir=cache_dir,
        force=args.force,
        progress=_progress(args.quiet),
        on_result=table.add,
        on_backend=on_backend,
        jobs=args.jobs,
        executor=executor,
    )


def _verify_summary(
    args: argparse.Namespace, done: Any, table: Any, fmt: str, width: int, cache_dir: Any
) -> int:
    table.finish()
    payload = done.payload
    counts, hits = payload["summary"], payload["cache"]["hits"]
    lines = [
        f"{len(done.results)} claims in {payload['total_seconds']:.1f} s: "
        + ", ".join(f"{n} {v}" for v, n in counts.items())
    ]
    if hits:
        lines.append(f"{hits} from the cache in {cache_dir} (--force recomputes)")
    if done.weak:
        lines.append(
            f"{len(done.weak)} weak (a declared perturbation of the theory not "
            f"detected): {', '.join(done.weak)}"
            + ("" if args.strict else "; --strict fails on these")
        )
    if fmt == "table":
        lines = [
            textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
            for line in lines
        ]
    print("\n" + "\n".join(lines), file=sys.stderr if fmt == "json" else sys.stdout)
    if fmt == "json":
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    # "inconclusive" and "reported" are results, not failures
    return done.exit_status(strict=args.strict)


def _save(fig: Any, path: Path) -> list[Path]:
    """Save ``fig`` as a 300-dpi PNG with PDF and SVG copies next to it (each written
    atomically); a .pdf or .svg ``path`` is written first, under its own name."""
    from .plots import save_figure

    path.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, path)


def _cmd_figures(args: argparse.Namespace) -> int:
    from .report.preflight import check_output, check_sweep_size

    check_output(args.out, "--out", directory=True)
    check_sweep_size(args.grid, 10, args.epochs)  # the gallery's sweeps, before any of them
    start = time.perf_counter()
    groups = _figure_groups()
    for name in args.only or groups:
        groups[name](args)
    print(f"all figures in {time.perf_counter() - start:.1f} s -> {args.out}")
    return 0


def _one_line_warning(
    message: Any,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings as one line on stderr: no source file, no source line."""
    text = " ".join(str(message).split())
    print(f"warning: {text} ({category.__name__})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a claim failed, 2 usage error, 130
    interrupted)."""
    with warnings.catch_warnings():
        # a backend fallback is reported once, from the plan; each kernel call would repeat it
        warnings.filterwarnings("ignore", message="backend=", category=RuntimeWarning)
        warnings.showwarning = _one_line_warning
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
        commands = {
            "claims": _cmd_claims,
            "verify": _cmd_verify,
            "figures": _cmd_figures,
        }
        run = getattr(args, "run_command", None) or commands[args.command]
        return run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `adamtheory ... | head`: the reader left; no message, no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # cannot write an output file: a usage problem, not a claim failure
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except MemoryError:  # an allocation the cost estimate did not foresee: still one line
        print("error: out of memory; reduce the grid, epochs, n or replicates", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # verify prints its own line (what is cached) and returns 130
        # kernels run in slices of well under a second, so Ctrl-C lands here promptly
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
