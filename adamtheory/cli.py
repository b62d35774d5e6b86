"""The ``adamtheory`` command.

``adamtheory verify`` runs registered claims and prints (id, provenance, predicted, measured,
verdict); it exits 0 when no claim fails, 1 when one fails or errors, 2 on a usage error. A
``reported`` claim (measurements without a pass/fail rule) counts like a pass for the exit
status.
Results are cached on disk per claim (``--force`` recomputes, ``--no-cache`` bypasses the
cache); ``--out DIR`` writes results.json, report.md, report.html and figures/.
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
    verify.add_argument("--claim", nargs="+", action="extend", metavar="ID",
                        help="run only these claim ids (repeatable: --claim A --claim B)")
    verify.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="also run the claims of MODULE (an importable module with a "
                             "CLAIMS sequence); repeatable")
    verify.add_argument("--no-registry", action="store_true",
                        help="run only plugin / entry-point claims, not the built-in registry")
    verify.add_argument("--strict", action="store_true",
                        help="exit 1 also when a claim is weak (a declared perturbation of its "
                             "theory was not detected)")
    verify.add_argument("--backend", default="auto", choices=("auto", "numpy", "cupy"))
    verify.add_argument("--seed", default=0, type=int, help="root seed (non-negative)")
    verify.add_argument("--out", type=Path, metavar="DIR",
                        help="write results.json, report.md, report.html (self-contained) "
                             "and figures/ into DIR")
    verify.add_argument("--json", type=Path, metavar="FILE", help="write results as JSON")
    verify.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="result cache (default: $ADAMTHEORY_CACHE_DIR, else "
                             "$XDG_CACHE_HOME/adamtheory, else ~/.cache/adamtheory)")
    verify.add_argument("--force", action="store_true",
                        help="recompute every claim (and refresh the cache)")
    verify.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the result cache")
    verify.add_argument("--quiet", action="store_true", help="no progress bars")
    claims = sub.add_parser("claims", help="list the registered claims")
    claims.add_argument("--json", action="store_true",
                        help="print the registry as JSON (rules and sensitivity entries)")
    claims.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="also list the claims of MODULE; repeatable")

    region = sub.add_parser("region", help="measure and draw the (beta1, beta2) divergence "
                            "region of Adam on the one-big-gradient counterexample")
    region.add_argument("--n", type=int, required=True, help="number of components (>= 2)")
    region.add_argument("--a", type=float, default=1.0, help="small-gradient size a > 0")
    region.add_argument("--sampling", default="shuffle", choices=("shuffle", "iid", "cyclic"))
    region.add_argument("--grid", type=int, default=200, help="grid points per axis")
    region.add_argument("--epochs", type=int, default=500, help="epochs per trajectory")
    region.add_argument("--scale", default="auto", choices=("auto", "linear", "log1m"),
                        help="beta2 axis: linear, or 1-beta2 on a log scale (auto: log1m "
                             "for n >= 30)")
    region.add_argument("--seed", type=int, default=0)
    region.add_argument("--backend", default="auto", choices=("auto", "numpy", "numba", "cupy"))
    region.add_argument("--out", type=Path, required=True, help="figure file (.png/.pdf/.svg)")
    region.add_argument("--data", type=Path, help="write the sweep as netCDF")
    region.add_argument("--json", type=Path, help="write boundary samples and area as JSON")
    region.add_argument("--quiet", action="store_true", help="no progress bar")

    drift = sub.add_parser("drift", help="drift mu(beta1, beta2) of the counterexample")
    drift.add_argument("--beta1", type=float, required=True)
    drift.add_argument("--beta2", type=float, required=True)
    drift.add_argument("--n", type=int, required=True)
    drift.add_argument("--a", type=float, default=1.0)
    drift.add_argument("--sampling", default="shuffle", choices=("shuffle", "iid", "cyclic"))
    drift.add_argument("--chains", type=int, default=16)
    drift.add_argument("--epochs", type=int, default=2000)
    drift.add_argument("--seed", type=int, default=0)
    drift.add_argument("--json", action="store_true", help="print JSON")

    rates = sub.add_parser("rates", help="the O2NC rate table derived by the SymPy layer")
    rates_format = rates.add_mutually_exclusive_group()
    rates_format.add_argument("--json", action="store_true", help="print the table as JSON")
    rates_format.add_argument("--latex", action="store_true",
                              help="print the table as a LaTeX tabular (booktabs)")

    figures = sub.add_parser("figures", help="regenerate the committed figure gallery")
    figures.add_argument("--out", type=Path, default=Path("figures"))
    figures.add_argument("--grid", type=int, default=200)
    figures.add_argument("--epochs", type=int, default=500)
    figures.add_argument("--quiet", action="store_true")
    figures.add_argument("--only", nargs="+", choices=FIGURE_GROUPS, metavar="GROUP",
                         help=f"regenerate only these groups: {', '.join(FIGURE_GROUPS)}")
    return parser


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(_truncate(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _cmd_claims(args: argparse.Namespace) -> int:
    from .report.verify import select_claims

    try:
        claims = select_claims(plugins=args.plugin)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--plugin: {exc}") from None
    if args.json:
        print(json.dumps([c.describe() for c in claims], indent=2, ensure_ascii=False))
        return 0
    widths = [_id_widths([c.id for c in claims])[0], 9, 6, 60]
    print(_row(["id", "tag", "perts", "title"], widths))
    for claim in claims:
        print(_row([claim.id, claim.provenance, str(len(claim.sensitivity)) or "-",
                    claim.title], widths))
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


_WIDTHS = [10, 9, 44, 52, 12, 9]


def _power_cell(data: dict[str, Any]) -> str:
    """``detected/declared`` perturbations, ``weak`` when a required one was missed."""
    entries = data.get("sensitivity") or []
    if not entries:
        return "-"
    cell = f"{sum(bool(e['detected']) for e in entries)}/{len(entries)}"
    return cell + (" weak" if data.get("weak") else "")


def _print_row(data: dict[str, Any], widths: list[int]) -> None:
    # "(ctl!)": the check passed but its negative control did not fail, so the claim failed
    flag = " (ctl!)" if data["message"].startswith("negative control did not fail") else ""
    _write_line(_row([data["id"], data["provenance"], data["predicted"], data["measured"],
                      data["verdict"] + flag, _power_cell(data)], widths))
    if data["message"]:
        _write_line(f"{'':>12}{data['message']}")


def _id_widths(ids: list[str]) -> list[int]:
    """The table's column widths, the id column wide enough for the longest id."""
    return [max(_WIDTHS[0], 1 + max((len(i) for i in ids), default=0)), *_WIDTHS[1:]]


def _cmd_verify(args: argparse.Namespace) -> int:
    from .report import default_cache_dir
    from .report.verify import select_claims, verify

    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer; got {args.seed}")
    if args.no_cache and (args.cache_dir is not None):
        raise UsageError("--cache-dir and --no-cache exclude each other")
    try:
        selected = select_claims(args.claim, plugins=args.plugin,
                                 registry=not args.no_registry)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--claim/--plugin: {exc}") from None
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    widths = _id_widths([c.id for c in selected])
    print(_row(["id", "tag", "predicted", "measured", "verdict", "power"], widths), flush=True)
    try:
        done = verify(selected, profile=args.profile, seed=args.seed, backend=args.backend,
                      out=args.out, json_path=args.json, cache_dir=cache_dir,
                      force=args.force, progress=_progress(args.quiet),
                      on_result=lambda data: _print_row(data, widths))
    except KeyboardInterrupt:
        if cache_dir is not None:
            print(f"interrupted: finished claims are cached in {cache_dir} and are "
                  "reused by the next run", file=sys.stderr)
        raise
    payload = done.payload
    counts, hits = payload["summary"], payload["cache"]["hits"]
    print(f"\n{len(done.results)} claims in {payload['total_seconds']:.1f} s"
          + (f" ({hits} from the cache in {cache_dir}; --force recomputes)" if hits else "")
          + ": " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    if done.weak:
        print(f"{len(done.weak)} weak (a declared perturbation of the theory not detected): "
              f"{', '.join(done.weak)}" + ("" if args.strict else "; --strict fails on these"))
    # "inconclusive" and "reported" are results, not failures
    return done.exit_status(strict=args.strict)


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=200)


def _cmd_region(args: argparse.Namespace) -> int:
    from .claims.regions import build_region
    from .plots.region import region_figure

    scale = args.scale if args.scale != "auto" else ("log1m" if args.n >= 30 else "linear")
    for target in (args.out, args.data, args.json):
        if target is not None:  # fail before the sweep, not after
            target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    sweep, boundary, summary = build_region(
        args.n, args.a, args.sampling, grid=args.grid, epochs=args.epochs, scale=scale,
        seed=args.seed, backend=args.backend, progress=not args.quiet and sys.stderr.isatty())
    summary["seconds"] = round(time.perf_counter() - start, 2)
    title = f"Adam, Z22 counterexample: n={args.n}, a={args.a:g}, {args.sampling}"
    _save(region_figure(sweep, boundary, scale=scale, title=title), args.out)
    if args.data:
        args.data.parent.mkdir(parents=True, exist_ok=True)
        # netCDF3 (SciPy writer) has no int64
        out = sweep.copy()
        for name, var in sweep.data_vars.items():
            if var.dtype == "int64":
                out[name] = var.astype("int32")
        out.to_netcdf(args.data)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**summary, "boundary": boundary,
                                         "config": json.loads(sweep.attrs["config"])},
                                        indent=2))
    c = summary["counts"]
    print(f"n={args.n} a={args.a:g} {args.sampling}: diverged area "
          f"{summary['area_diverged']:.4f}; {c['diverged']} diverged, {c['converged']} "
          f"converged, {c['undecided']} undecided; {summary['seconds']} s -> {args.out}")
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    from .claims.regions import ratio
    from .kernels.counterexample import ChainConfig
    from .kernels.sweeps import drift_estimate
    from .theory.divergence import cyclic_drift

    r = ratio(args.n, args.a)
    exact = float(cyclic_drift(args.beta1, args.beta2, args.n, r))
    out = {"beta1": args.beta1, "beta2": args.beta2, "n": args.n, "a": args.a, "r": r,
           "sampling": args.sampling, "cyclic_closed_form": exact}
    if args.sampling == "cyclic":
        out.update(drift=exact, ci=[exact, exact])
    else:
        est = drift_estimate([args.beta1], [args.beta2], ChainConfig(
            args.n, r, sampling=args.sampling, burn_in=max(200, args.epochs // 4),
            epochs=args.epochs, chains=args.chains, seed=args.seed))
        out.update(drift=float(est.drift.values[0, 0]),
                   ci=[float(est.ci_low.values[0, 0]), float(est.ci_high.values[0, 0])])
    lo, hi = out["ci"]
    out["prediction"] = ("diverges (mu < 0)" if hi < 0 else "converges (mu > 0)" if lo > 0
                         else "undecided (CI contains 0)")
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"mu = {out['drift']:+.6g}  95% CI [{lo:+.6g}, {hi:+.6g}]  ({args.sampling}); "
              f"cyclic closed form {exact:+.6g}; {out['prediction']}")
    return 0


def _cmd_rates(args: argparse.Namespace) -> int:
    from .theory import o2nc_rates

    if args.json:
        rows = [{"setting": r["setting"], "threshold": str(r["threshold"]),
                 "derived": {k: str(v) for k, v in r["derived"].items()},
                 "lower_bound": {k: str(v) for k, v in r["lower_bound"].items()},
                 "lower_bound_source": r["lower_bound_source"], "optimal": r["optimal"]}
                for r in o2nc_rates.rate_table()]
        print(json.dumps({"rows": rows,
                          "threshold": [str(t) for t in o2nc_rates.threshold_terms()],
                          "bound_over_eps": str(o2nc_rates.total_share_limit())}, indent=2,
                         ensure_ascii=False))
    elif args.latex:
        print(o2nc_rates.render_latex())
    else:
        print(o2nc_rates.render_markdown())
    return 0


FIGURE_GROUPS = ("atlas", "r18", "o2nc")


def _cmd_figures(args: argparse.Namespace) -> int:
    from .claims.regions import build_region
    from .plots.region import atlas_figure

    start = time.perf_counter()
    # a = 1: the boundary approaches beta2 = 1 like 1 - 4/n², readable only as log(1 - beta2)
    jobs = {
        "atlas_shuffle_a1.png": ("log1m", [(n, 1.0, "shuffle") for n in (10, 50, 100)]),
        "atlas_shuffle_a_small.png": ("linear", [(n, 1.0 / (n - 1) ** 2, "shuffle")
                                                 for n in (10, 50, 100)]),
        "sampling_n10.png": ("linear", [(10, 1.0, s) for s in ("shuffle", "iid", "cyclic")]),
    }
    groups = set(args.only or FIGURE_GROUPS)
    for name, (scale, panels) in jobs.items():
        if "atlas" not in groups:
            break
        t0 = time.perf_counter()
        built = []
        for n, a, sampling in panels:
            sweep, boundary, summary = build_region(n, a, sampling, grid=args.grid,
                                                    epochs=args.epochs, scale=scale)
            title = f"n={n}, a={'1' if a == 1 else f'1/{n - 1}²'}, {sampling}"
            built.append((sweep, boundary, title))
        _save(atlas_figure(built, scale=scale), args.out / name)
        print(f"{name}: {time.perf_counter() - t0:.1f} s", flush=True)
    if "r18" in groups:
        _save(_r18_figure(), args.out / "r18_theorem1.png")
        print("r18_theorem1.png", flush=True)
    from .report.gallery import claim_gallery

    # the O2NC figures are the registered claims' own figures (quick profile, seed 0)
    for entry in claim_gallery(profile="quick", seed=0) if "o2nc" in groups else ():
        _save(entry.figure, args.out / entry.name)
        print(f"{entry.name}: {entry.claim_id} {entry.verdict}, {entry.seconds:.1f} s", flush=True)
    print(f"all figures in {time.perf_counter() - start:.1f} s -> {args.out}")
    return 0


def _r18_figure() -> Any:
    import numpy as np

    from .kernels import adam, amsgrad, run, sgd
    from .plots.region import regret_figure
    from .problems import reddi_cyclic
    from .theory import reddi

    C, steps = 4.0, 100_000
    beta2 = float(reddi.theorem1_beta2(C))
    limit = float(reddi.theorem1_average_regret_limit_numeric()(C))
    paths, regrets = {}, {}
    t = np.arange(steps)
    g = np.where(t % 3 == 0, C, -1.0)
    for name, opt in (("Adam", adam(0.5, 0.0, beta2, eps=0.0, bias_correction=False)),
                      ("AMSGrad", amsgrad(0.5, 0.0, beta2, eps=0.0, variant="paper")),
                      ("SGD", sgd(0.5))):
        ds = run(reddi_cyclic(C), opt, steps=steps, sampling="cyclic",
                 schedule="inv_sqrt_step", record=1, backend="numpy")
        x = ds.x.values[0, :, 0]
        paths[name] = x
        regrets[name] = np.cumsum(g * x[:-1] + g) / np.arange(1, steps + 1)
    return regret_figure(np.arange(steps + 1), paths, regrets, limit,
                         title=f"Reddi et al. 2018, Theorem 1: C = {C:g}, "
                               f"beta2 = 1/(1+C²), eta_t = 0.5/sqrt(t)")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a claim failed, 2 usage error)."""
    try:
        args = _parser().parse_args(argv)
        commands = {"claims": _cmd_claims, "verify": _cmd_verify, "region": _cmd_region,
                    "drift": _cmd_drift, "figures": _cmd_figures, "rates": _cmd_rates}
        return commands[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # cannot write an output file: a usage problem, not a claim failure
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
