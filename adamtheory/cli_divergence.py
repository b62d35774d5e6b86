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
    _add_backend(region, "region")
    region.add_argument(
        "--out", type=Path, required=True, help=f"figure file ({', '.join(FIGURE_SUFFIXES)})"
    )
    region.add_argument("--data", type=Path, help="write the sweep as netCDF (.nc)")
    _add_json(region, "the boundary samples, area and backend")
    region.add_argument("--quiet", action="store_true", help="no progress bar")

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


def _write_atlas(args: argparse.Namespace) -> None:
    from .analysis.regions import build_region
    from .plots.region import atlas_figure

    # a = 1: the boundary approaches beta2 = 1 like 1 - 4/n², readable only as log(1 - beta2)
    jobs = {
        "atlas_shuffle_a1.png": ("log1m", [(n, 1.0, "shuffle") for n in (10, 50, 100)]),
        "atlas_shuffle_a_small.png": (
            "linear",
            [(n, 1.0 / (n - 1) ** 2, "shuffle") for n in (10, 50, 100)],
        ),
        "sampling_n10.png": ("linear", [(10, 1.0, s) for s in ("shuffle", "iid", "cyclic")]),
    }
    for name, (scale, panels) in jobs.items():
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


def _write_r18(args: argparse.Namespace) -> None:
    _save(_r18_figure(), args.out / "r18_theorem1.png")
    print("r18_theorem1.png", flush=True)


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
