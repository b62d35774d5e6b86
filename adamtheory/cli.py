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
_EXTENSION_COMMANDS: tuple[str, ...] = ("cli_realdata",)


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
    claims = sub.add_parser("claims", help="list the registered claims")
    _add_json(claims, "the registry (rules and sensitivity entries)")
    claims.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="also list the claims of MODULE; repeatable",
    )

    region = sub.add_parser(
        "region",
        help="measure and draw the (beta1, beta2) divergence "
        "region of Adam on the one-big-gradient counterexample",
    )
    region.add_argument("--n", type=int, required=True, help="number of components (>= 2)")
    region.add_argument("--a", type=float, default=1.0, help="small-gradient size a > 0")
    region.add_argument("--sampling", default="shuffle", choices=("shuffle", "iid", "cyclic"))
    region.add_argument("--grid", type=int, default=200, help="grid points per axis")
    region.add_argument("--epochs", type=int, default=500, help="epochs per trajectory")
    region.add_argument(
        "--scale",
        default="auto",
        choices=("auto", "linear", "log1m"),
        help="beta2 axis: linear, or 1-beta2 on a log scale (auto: log1m for n >= 30)",
    )
    region.add_argument("--seed", type=int, default=0)
    _add_backend(region, "region")
    region.add_argument(
        "--out", type=Path, required=True, help=f"figure file ({', '.join(FIGURE_SUFFIXES)})"
    )
    region.add_argument("--data", type=Path, help="write the sweep as netCDF (.nc)")
    _add_json(region, "the boundary samples, area and backend")
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
    _add_backend(drift, "drift")
    _add_json(drift, "the estimate")

    rates = sub.add_parser("rates", help="the O2NC rate table derived by the SymPy layer")
    rates_format = rates.add_mutually_exclusive_group()
    _add_json(rates_format, "the table")
    rates_format.add_argument(
        "--latex", action="store_true", help="print the table as a LaTeX tabular (booktabs)"
    )

    figures = sub.add_parser("figures", help="regenerate the committed figure gallery")
    figures.add_argument("--out", type=Path, default=Path("figures"))
    figures.add_argument("--grid", type=int, default=200)
    figures.add_argument("--epochs", type=int, default=500)
    figures.add_argument("--quiet", action="store_true")
    figures.add_argument(
        "--only",
        nargs="+",
        choices=FIGURE_GROUPS,
        metavar="GROUP",
        help=f"regenerate only these groups: {', '.join(FIGURE_GROUPS)}",
    )
    for name in _EXTENSION_COMMANDS:
        importlib.import_module(f".{name}", __package__).register(sub)
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

    def on_backend(plan: Any) -> None:
        if plan.fallback is not None:
            print(plan.summary(), file=sys.stderr, flush=True)
        table.start()

    try:
        done = verify(
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
        )
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


def _cmd_region(args: argparse.Namespace) -> int:
    from ._files import atomic_write_bytes
    from .analysis.regions import build_region
    from .plots.region import region_figure
    from .report.preflight import check_output

    # every output is checked before the sweep (and none is touched)
    check_output(args.out, "--out", suffixes=FIGURE_SUFFIXES)
    if args.data is not None:
        check_output(args.data, "--data", suffixes=DATA_SUFFIXES)
    _check_json(args.json)
    plan = _plan(args, n=args.n, arrays=False)
    scale = args.scale if args.scale != "auto" else ("log1m" if args.n >= 30 else "linear")
    start = time.perf_counter()
    sweep, boundary, summary = build_region(
        args.n,
        args.a,
        args.sampling,
        grid=args.grid,
        epochs=args.epochs,
        scale=scale,
        seed=args.seed,
        backend=plan.sweep,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    summary["seconds"] = round(time.perf_counter() - start, 2)
    summary["backend"] = plan.to_json()
    title = f"Adam, Z22 counterexample: n={args.n}, a={args.a:g}, {args.sampling}"
    _save(region_figure(sweep, boundary, scale=scale, title=title), args.out)
    if args.data:
        # netCDF3 (SciPy writer) has no int64
        out = sweep.copy()
        for name, var in sweep.data_vars.items():
            if var.dtype == "int64":
                out[name] = var.astype("int32")
        args.data.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.data, bytes(out.to_netcdf()))
    if args.json is not None:
        _emit_json(
            {**summary, "boundary": boundary, "config": json.loads(sweep.attrs["config"])},
            args.json,
        )
    c = summary["counts"]
    print(
        f"n={args.n} a={args.a:g} {args.sampling}: diverged area "
        f"{summary['area_diverged']:.4f}; {c['diverged']} diverged, {c['converged']} "
        f"converged, {c['undecided']} undecided; {summary['seconds']} s -> {args.out}",
        file=sys.stderr if args.json == STDOUT else sys.stdout,
    )
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    from .analysis.regions import ratio
    from .kernels.counterexample import ChainConfig
    from .kernels.sweeps import drift_estimate
    from .theory.divergence import cyclic_drift

    _check_json(args.json)
    r = ratio(args.n, args.a)
    exact = float(cyclic_drift(args.beta1, args.beta2, args.n, r))
    out = {
        "beta1": args.beta1,
        "beta2": args.beta2,
        "n": args.n,
        "a": args.a,
        "r": r,
        "sampling": args.sampling,
        "cyclic_closed_form": exact,
    }
    if args.sampling == "cyclic":  # closed form: no kernel runs, no backend is used
        out.update(drift=exact, ci=[exact, exact], backend=None)
    else:
        plan = _plan(args, arrays=False, gpu_sweep=False)
        est = drift_estimate(
            [args.beta1],
            [args.beta2],
            ChainConfig(
                args.n,
                r,
                sampling=args.sampling,
                burn_in=max(200, args.epochs // 4),
                epochs=args.epochs,
                chains=args.chains,
                seed=args.seed,
            ),
            backend=plan.sweep,
        )
        out["backend"] = plan.to_json()
        out.update(
            drift=float(est.drift.values[0, 0]),
            ci=[float(est.ci_low.values[0, 0]), float(est.ci_high.values[0, 0])],
        )
    lo, hi = out["ci"]
    out["prediction"] = (
        "diverges (mu < 0)"
        if hi < 0
        else "converges (mu > 0)"
        if lo > 0
        else "undecided (CI contains 0)"
    )
    if args.json is not None:
        _emit_json(out, args.json)
    if args.json != STDOUT:
        print(
            f"mu = {out['drift']:+.6g}  95% CI [{lo:+.6g}, {hi:+.6g}]  ({args.sampling}); "
            f"cyclic closed form {exact:+.6g}; {out['prediction']}"
        )
    return 0


def _cmd_rates(args: argparse.Namespace) -> int:
    from .theory import o2nc_rates

    _check_json(args.json)
    if args.json is not None:
        rows = [
            {
                "setting": r["setting"],
                "threshold": str(r["threshold"]),
                "derived": {k: str(v) for k, v in r["derived"].items()},
                "lower_bound": {k: str(v) for k, v in r["lower_bound"].items()},
                "lower_bound_source": r["lower_bound_source"],
                "optimal": r["optimal"],
            }
            for r in o2nc_rates.rate_table()
        ]
        _emit_json(
            {
                "rows": rows,
                "threshold": [str(t) for t in o2nc_rates.threshold_terms()],
                "bound_over_eps": str(o2nc_rates.total_share_limit()),
            },
            args.json,
        )
    if args.json == STDOUT:
        pass
    elif args.latex:
        print(o2nc_rates.render_latex())
    else:
        print(o2nc_rates.render_markdown())
    return 0


FIGURE_GROUPS = ("atlas", "r18", "o2nc")


def _cmd_figures(args: argparse.Namespace) -> int:
    from .analysis.regions import build_region
    from .plots.region import atlas_figure
    from .report.preflight import check_output

    check_output(args.out, "--out", directory=True)
    start = time.perf_counter()
    # a = 1: the boundary approaches beta2 = 1 like 1 - 4/n², readable only as log(1 - beta2)
    jobs = {
        "atlas_shuffle_a1.png": ("log1m", [(n, 1.0, "shuffle") for n in (10, 50, 100)]),
        "atlas_shuffle_a_small.png": (
            "linear",
            [(n, 1.0 / (n - 1) ** 2, "shuffle") for n in (10, 50, 100)],
        ),
        "sampling_n10.png": ("linear", [(10, 1.0, s) for s in ("shuffle", "iid", "cyclic")]),
    }
    groups = set(args.only or FIGURE_GROUPS)
    for name, (scale, panels) in jobs.items():
        if "atlas" not in groups:
            break
        t0 = time.perf_counter()
        built = []
        for n, a, sampling in panels:
            sweep, boundary, summary = build_region(
                n, a, sampling, grid=args.grid, epochs=args.epochs, scale=scale
            )
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
    for name, opt in (
        ("Adam", adam(0.5, 0.0, beta2, eps=0.0, bias_correction=False)),
        ("AMSGrad", amsgrad(0.5, 0.0, beta2, eps=0.0, variant="paper")),
        ("SGD", sgd(0.5)),
    ):
        ds = run(
            reddi_cyclic(C),
            opt,
            steps=steps,
            sampling="cyclic",
            schedule="inv_sqrt_step",
            record=1,
            backend="numpy",
        )
        x = ds.x.values[0, :, 0]
        paths[name] = x
        regrets[name] = np.cumsum(g * x[:-1] + g) / np.arange(1, steps + 1)
    return regret_figure(
        np.arange(steps + 1),
        paths,
        regrets,
        limit,
        title=f"Reddi et al. 2018, Theorem 1: C = {C:g}, beta2 = 1/(1+C²), eta_t = 0.5/sqrt(t)",
    )


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
            "region": _cmd_region,
            "drift": _cmd_drift,
            "figures": _cmd_figures,
            "rates": _cmd_rates,
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
    except KeyboardInterrupt:  # verify prints its own line (what is cached) and returns 130
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
