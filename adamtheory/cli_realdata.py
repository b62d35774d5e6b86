"""Real-data subcommands (``adamtheory phase``, ``adamtheory advise``) and the ``phase`` figures.

``phase`` sweeps Adam's (β1, 1 - β2) grid on a bundled dataset for several batch sizes and
draws the heatmaps; ``advise`` estimates β2*(β1) from frozen minibatch gradients (a dataset +
model + batch size, the counterexample's pattern, or an ``.npy`` file of an (n, d) array).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FIGURE_GROUPS", "register"]


def register(sub: Any) -> None:
    """Add ``phase`` and ``advise`` to the ``adamtheory`` parser."""
    from .cli import _add_json
    from .kernels.executors import add_scheduler_arguments

    ph = sub.add_parser("phase", help="(beta1, beta2) phase diagram of Adam on a real dataset")
    ph.add_argument("--dataset", default="digits", help="bundled dataset (default digits)")
    ph.add_argument("--model", default="logistic", help="logistic or mlp (default logistic)")
    ph.add_argument("--batch", type=int, nargs="+", default=[2, 8, 32], help="batch sizes B")
    ph.add_argument("--size", type=int, default=12, help="grid points per axis (default 12)")
    ph.add_argument("--seeds", type=int, default=3, help="seeds per cell (default 3)")
    ph.add_argument("--epochs", type=int, default=40, help="epochs (default 40)")
    ph.add_argument("--eta", type=float, default=0.01, help="eta of eta/sqrt(k) (default 0.01)")
    ph.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    ph.add_argument(
        "--semantics",
        default="torch",
        help="torch (bias correction, m0 = v0 = 0; default) or z22 (Z22's Algorithm 1)",
    )
    ph.add_argument("--backend", default="numpy", help="numpy, cupy or auto (default numpy)")
    ph.add_argument("--out", type=Path, required=True, help="output folder")
    ph.add_argument("--name", default=None, help="figure file stem (default phase_<model>)")
    add_scheduler_arguments(ph)
    ph.set_defaults(run_command=_cmd_phase)

    ad = sub.add_parser("advise", help="critical beta2*(beta1) from frozen minibatch gradients")
    src = ad.add_mutually_exclusive_group()
    src.add_argument("--dataset", default=None, help="bundled dataset (with --batch)")
    src.add_argument(
        "--counterexample",
        type=int,
        metavar="N",
        default=None,
        help="the one-big-gradient pattern with n = N (a = 1)",
    )
    src.add_argument("--grads", type=Path, default=None, help=".npy file of an (n, d) array")
    ad.add_argument("--model", default="logistic", help="logistic or mlp (default logistic)")
    ad.add_argument("--batch", type=int, default=None, help="batch size B (with --dataset)")
    ad.add_argument("--beta1", type=float, nargs="+", default=[0.0, 0.5, 0.9])
    ad.add_argument("--target-beta1", type=float, default=0.9)
    ad.add_argument("--sampling", default="shuffle", help="shuffle, iid or cyclic")
    ad.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="measured epochs of each chain (default: about 4000 steps)",
    )
    ad.add_argument("--chains", type=int, default=8)
    ad.add_argument("--seed", type=int, default=0)
    ad.add_argument("--figure", type=Path, default=None, help="also draw the criterion curves")
    _add_json(ad, "the advice")
    ad.set_defaults(run_command=_cmd_advise)


def _cmd_phase(args: argparse.Namespace) -> int:
    from .analysis.phase import default_axes, phase_diagram, transition
    from .cli import _save
    from .kernels.executors import executor_from_args
    from .plots.phase import phase_figure

    b1, om = default_axes(args.size)
    with executor_from_args(args) as executor:
        ds = phase_diagram(
            args.dataset,
            args.model,
            args.batch,
            beta1=b1,
            one_minus_beta2=om,
            seeds=args.seeds,
            epochs=args.epochs,
            eta=args.eta,
            seed=args.seed,
            semantics=args.semantics,
            backend=args.backend,
            executor=executor,
            progress=True,
        )
    tr = transition(ds, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.name or f"phase_{args.model}"
    from .cli import _emit_json

    _emit_json(
        {
            "params": ds.attrs["params"],
            "environment": ds.attrs["environment"],
            "batch": tr.batch.values.tolist(),
            "beta1": tr.beta1.values.tolist(),
            "one_minus_beta2_star": tr.one_minus_beta2_star.values.tolist(),
            "low": tr.low.values.tolist(),
            "high": tr.high.values.tolist(),
        },
        str(args.out / f"{stem}.json"),
    )
    paths = _save(phase_figure(ds, tr), args.out / f"{stem}.png")
    for b in tr.batch.values:
        est = tr.one_minus_beta2_star.sel(batch=b).values
        # inf: no transition on the grid (the error stays near its floor at every beta2)
        cells = ", ".join("none on the grid" if x == float("inf") else f"{x:.3g}" for x in est)
        print(f"B = {b}: 1 - beta2*(beta1) = {cells}")
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _cmd_advise(args: argparse.Namespace) -> int:
    from .analysis.advisor import critical_beta2
    from .cli import STDOUT, _check_json, _emit_json, _save

    _check_json(args.json)
    if args.counterexample is not None:
        n = args.counterexample
        if n < 2:
            raise ValueError(f"--counterexample: n must be an integer >= 2; got {n}")
        source: Any = np.array([[float(n)]] + [[-1.0]] * (n - 1))
    elif args.grads is not None:
        try:
            source = np.load(args.grads)
        except (OSError, ValueError) as exc:
            raise ValueError(f"--grads: cannot read {args.grads} as .npy ({exc})") from None
    else:
        source = args.dataset or "digits"
        if args.batch is None:
            raise ValueError("--batch: give the minibatch size B (>= 1) with --dataset")
    advice = critical_beta2(
        source,
        batch=args.batch,
        model=args.model,
        beta1=args.beta1,
        target_beta1=args.target_beta1,
        sampling=args.sampling,
        epochs=args.epochs,
        chains=args.chains,
        seed=args.seed,
    )
    if args.json is not None:
        import json

        _emit_json(json.loads(advice.to_json()), args.json)
    if args.json != STDOUT:
        print(advice.table())
    if args.figure is not None:
        from .plots.phase import advice_figure

        _save(advice_figure(advice), args.figure)
    return 0


def _write_phase(args: argparse.Namespace) -> None:
    """The committed phase figures: logistic at B = 2, 8, 32 (12 x 12 grid, 3 seeds, 40
    epochs) and the MLP at B = 8, 32 (8 x 8 grid, 2 seeds, 20 epochs, eta = 0.05)."""
    from .analysis.phase import default_axes, phase_diagram, transition
    from .cli import _save
    from .plots.phase import phase_figure

    b1, om = default_axes(12)
    ds = phase_diagram(
        "digits",
        "logistic",
        (2, 8, 32),
        beta1=b1,
        one_minus_beta2=om,
        seeds=3,
        epochs=40,
        progress=True,
    )
    _save(phase_figure(ds, transition(ds)), args.out / "phase_logistic.png")
    b1, om = default_axes(8)
    # the MLP is ~100x the logistic model's cost per step: a smaller grid than the paper's
    # 16 x 16 x 3 seeds (see docs/real-data.md)
    ds = phase_diagram(
        "digits",
        "mlp",
        (8, 32),
        beta1=b1,
        one_minus_beta2=om,
        seeds=2,
        epochs=20,
        eta=0.05,
        progress=True,
    )
    _save(phase_figure(ds, transition(ds)), args.out / "phase_mlp.png")


FIGURE_GROUPS = {"phase": _write_phase}
