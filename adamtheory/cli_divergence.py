"""Divergence subcommands (``adamtheory region``, ``adamtheory drift``) and the atlas and
R18 figure groups of ``adamtheory figures``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .cli import (
    DATA_SUFFIXES,
    FIGURE_SUFFIXES,
    STDOUT,
    _add_backend,
    _add_json,
    _check_json,
    _emit_json,
    _plan,
    _save,
)


def register(sub: Any) -> None:
    """Add ``region`` and ``drift`` to the ``adamtheory`` parser."""
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
    region.add_argument(
        "--classify",
        default="fixed",
        choices=("fixed", "sequential"),
        help="fixed: runs of --epochs epochs classified at the end; sequential: a sequential "
        "test on the run's per-epoch displacement decides both sides (docs/divergence.md)",
    )
    region.add_argument(
        "--semantics",
        default="torch",
        choices=("torch", "z22"),
        help="torch: m0 = v0 = 0 with bias correction; z22: Z22's Algorithm 1 (no bias "
        "correction, m0 and v0 from the gradients at x0; needs --classify sequential)",
    )
    region.add_argument("--eps", type=float, default=0.0, help="Adam's epsilon >= 0")
    region.add_argument(
        "--schedule",
        default="inv_sqrt_epoch",
        choices=("inv_sqrt_epoch", "constant"),
        help="step size eta/sqrt(k) per epoch (Z22) or constant eta",
    )
    region.add_argument("--lr", type=float, default=1.0, help="base step eta > 0")
    region.add_argument(
        "--x0", type=float, default=None, help="start (default 0 fixed, 5 sequential)"
    )
    region.add_argument(
        "--max-epochs",
        type=int,
        default=4096,
        help="sequential: the longest run in epochs (>= 32)",
    )
    _add_backend(region, "region")
    region.add_argument(
        "--out", type=Path, required=True, help=f"figure file ({', '.join(FIGURE_SUFFIXES)})"
    )
    region.add_argument("--data", type=Path, help="write the sweep as netCDF (.nc)")
    _add_json(region, "the boundary samples, area and backend")
    region.add_argument("--quiet", action="store_true", help="no progress bar")

    from .kernels.executors import add_scheduler_arguments

    add_scheduler_arguments(region)
    region.set_defaults(run_command=_cmd_region)

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
    drift.set_defaults(run_command=_cmd_drift)


def _cmd_region(args: argparse.Namespace) -> int:
    from .kernels.executors import executor_from_args
    from .report.preflight import check_output

    # every output is checked before the sweep (and none is touched)
    check_output(args.out, "--out", suffixes=FIGURE_SUFFIXES)
    if args.data is not None:
        check_output(args.data, "--data", suffixes=DATA_SUFFIXES)
    _check_json(args.json)
    _check_region_options(args)
    with executor_from_args(args) as executor:
        return _run_region(args, executor)


def _run_region(args: argparse.Namespace, executor: Any) -> int:
    from ._files import atomic_write_bytes
    from .analysis.regions import build_region
    from .plots.region import region_figure
    from .report.preflight import check_sweep_size

    scale = args.scale if args.scale != "auto" else ("log1m" if args.n >= 30 else "linear")
    if args.classify == "sequential":
        return _cmd_region_sequential(args, scale, executor)
    plan = _plan(args, n=args.n, arrays=False)
    # refused in one line before the beta axes are allocated
    check_sweep_size(args.grid, args.n, args.epochs, backend=plan.sweep)
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
        eps=args.eps,
        schedule=args.schedule,
        lr=args.lr,
        x0=0.0 if args.x0 is None else args.x0,
        executor=executor,
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


def _check_region_options(args: argparse.Namespace) -> None:
    """One-line usage errors for the semantics options of ``region`` (before any sweep)."""
    import math

    from .cli import UsageError

    if not (math.isfinite(args.eps) and args.eps >= 0):
        raise UsageError(f"--eps must be a finite number >= 0; got {args.eps}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a finite number > 0; got {args.lr}")
    if args.x0 is not None and not math.isfinite(args.x0):
        raise UsageError(f"--x0 must be a finite number; got {args.x0}")
    if args.max_epochs < 32:
        raise UsageError(f"--max-epochs must be an integer >= 32; got {args.max_epochs}")
    if args.semantics == "z22" and args.classify != "sequential":
        raise UsageError(
            "--semantics z22 needs --classify sequential (the fixed-length sweep kernels "
            "start from m0 = v0 = 0)"
        )


def _cmd_region_sequential(args: argparse.Namespace, scale: str, executor: Any = None) -> int:
    from ._files import atomic_write_bytes
    from .analysis.regions import atlas_dataset, build_atlas
    from .plots.region import sequential_atlas_figure
    from .report.preflight import check_sweep_size

    plan = _plan(args, n=args.n, arrays=False, gpu_sweep=False)
    check_sweep_size(args.grid, args.n, args.max_epochs, backend=plan.sweep)
    atlas, boundary, summary = build_atlas(
        args.n,
        args.a,
        args.sampling,
        grid=args.grid,
        scale=scale,
        semantics=args.semantics,
        eps=args.eps,
        schedule=args.schedule,
        lr=args.lr,
        x0=5.0 if args.x0 is None else args.x0,
        max_epochs=args.max_epochs,
        seed=args.seed,
        backend=plan.sweep,
        progress=not args.quiet and sys.stderr.isatty(),
        executor=executor,
    )
    summary["backend"] = plan.to_json()
    _save(sequential_atlas_figure([(atlas, boundary, summary)], scale=scale), args.out)
    if args.data:
        args.data.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.data, bytes(atlas_dataset(atlas).to_netcdf()))
    if args.json is not None:
        _emit_json({**summary, "boundary": boundary, "config": atlas["config"]}, args.json)
    c = summary["counts_in_scope"]
    print(
        f"n={args.n} a={args.a:g} {args.sampling} ({args.semantics}, sequential): in scope "
        f"{c['diverged']} diverged, {c['converged']} converged, {c['undecided']} undecided "
        f"({summary['undecided_fraction']:.1%}); {summary['seconds']} s -> {args.out}",
        file=sys.stderr if args.json == STDOUT else sys.stdout,
    )
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    from .analysis.regions import ratio
    from .kernels.counterexample import ChainConfig
    from .kernels.sweeps import drift_estimate
    from .report.preflight import check_sweep_size
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
        check_sweep_size(1, args.n, args.epochs, points=args.chains, backend=plan.sweep)
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


ATLAS_GRID = 100  # grid points per axis of the committed sequential atlas (at most)


def _write_atlas(args: argparse.Namespace) -> None:
    """The committed atlas: sequentially classified panels (both sides decided), each with
    the measured drift below it, and ``atlas_summary.json`` with the numbers the docs quote
    (undecided fraction in scope, agreement with the drift's sign, band widths, seconds)."""
    from ._files import atomic_write_bytes
    from .analysis.regions import build_atlas
    from .plots.region import sequential_atlas_figure

    small = [(n, 1.0 / (n - 1) ** 2) for n in (10, 50, 100)]
    # a = 1: the boundary approaches beta2 = 1 like 1 - 4/n², readable only as log(1 - beta2)
    jobs = {
        "atlas_shuffle_a1.png": ("log1m", "torch", [(n, 1.0, "shuffle") for n in (10, 50, 100)]),
        "atlas_shuffle_a_small.png": ("linear", "torch", [(n, a, "shuffle") for n, a in small]),
        "atlas_z22_semantics.png": (
            "log1m",
            "z22",
            [(n, 1.0, "shuffle") for n in (10, 50, 100)],
        ),
        "sampling_n10.png": (
            "linear",
            "torch",
            [(10, 1.0, s) for s in ("shuffle", "iid", "cyclic")],
        ),
    }
    # long sequential runs near the boundary: a 100 x 100 grid keeps the build near 3 min
    grid = min(args.grid, ATLAS_GRID)
    if grid != args.grid:
        print(f"atlas: grid {grid} (at most {ATLAS_GRID}; --grid {args.grid})", flush=True)
    report: dict[str, Any] = {"grid": grid, "panels": {}}
    boundaries: dict[tuple, dict] = {}  # the predicted boundary depends on (n, a, sampling)
    total = time.perf_counter()
    for name, (scale, semantics, panels) in jobs.items():
        # Z22's v0 must be forgotten before a "converged" verdict (3 / (1 - beta2) steps):
        # at large beta2 those runs go to the cap, so the z22 panel gets a shorter one
        cap = 2048 if semantics == "z22" else 4096
        t0 = time.perf_counter()
        built = []
        for n, a, sampling in panels:
            atlas, boundary, summary = build_atlas(
                n,
                a,
                sampling,
                grid=grid,
                scale=scale,
                semantics=semantics,
                max_epochs=cap,
                boundary=boundaries.get((n, a, sampling)),
            )
            boundaries[(n, a, sampling)] = boundary
            built.append((atlas, boundary, summary))
            report["panels"][f"{name}: n={n}, a={a:g}, {sampling}"] = summary
        _save(sequential_atlas_figure(built, scale=scale), args.out / name)
        print(f"{name}: {time.perf_counter() - t0:.1f} s", flush=True)
    report["seconds"] = round(time.perf_counter() - total, 1)
    atomic_write_bytes(
        args.out / "atlas_summary.json", (json.dumps(report, indent=1) + "\n").encode()
    )


def _write_r18(args: argparse.Namespace) -> None:
    from .claims import get_claim, run_claim
    from .plots.claim_figures import r_fig1_figure

    _save(_r18_figure(), args.out / "r18_theorem1.png")
    print("r18_theorem1.png", flush=True)
    # R18 Section 5 (claim R-FIG1, quick profile, seed 0): the claim's own figure
    result = run_claim(get_claim("R-FIG1"), profile="quick", seed=0)
    _save(r_fig1_figure(json.loads(json.dumps(result.values))), args.out / "r18_section5.png")
    print(f"r18_section5.png ({result.verdict})", flush=True)


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


#: Figure groups of ``adamtheory figures`` (see ``adamtheory.cli._figure_groups``).
FIGURE_GROUPS = {"atlas": _write_atlas, "r18": _write_r18}
