r"""Run an optimizer on a problem for a batch of trajectories; return an ``xarray.Dataset``.

The loop is the plain reference implementation (one vectorised NumPy/CuPy step per iteration
over the whole batch). Divergence is a result, never a NaN: a trajectory whose iterate leaves
``|x| <= diverge_threshold`` or stops being finite is frozen at its last good iterate and its
step is recorded in ``diverged_at``. A gradient oracle that returns NaN/inf at a live iterate is
not a divergence: the trajectory is frozen at that iterate, the step is recorded in
``nonfinite_at`` (``diverged`` stays False) and the call emits one
:class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning`
(:mod:`adamtheory.kernels.nonfinite`).
"""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from typing import Any

import numpy as np
import xarray as xr

from .._arrays import to_numpy
from .._validate import check_choice, check_int, check_positive
from .backend import resolve_backend
from .nonfinite import nonfinite_rows, warn_nonfinite
from .sampling import (
    SAMPLING_CHOICES,
    STREAM_NOISE,
    component_indices,
    epoch_permutations,
    trajectory_keys,
    uniforms,
)
from .schedules import Constant, make_schedule

__all__ = ["run", "environment"]

RECORD_CHOICES = ("final", "summary")


def environment(backend_name: str = "numpy", device: str = "cpu") -> dict[str, str]:
    """Versions and platform, recorded with every result."""
    out = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "backend": backend_name,
        "device": device,
    }
    for pkg in ("adamtheory", "numpy", "scipy", "sympy", "xarray", "numba", "cupy"):
        try:
            out[pkg] = metadata.version(pkg if pkg != "cupy" else "cupy-cuda12x")
        except metadata.PackageNotFoundError:
            if pkg == "cupy":
                continue
            out[pkg] = "not installed"
    return out


def _row_norm(xp: Any, a: Any) -> Any:
    """Euclidean norm of each row without overflow (|g| > 1e154 squares to inf otherwise)."""
    scale = xp.abs(a).max(axis=1)
    safe = xp.where(scale > 0, scale, 1.0)
    return xp.where(scale > 0, scale * xp.sqrt(((a / safe[:, None]) ** 2).sum(axis=1)), 0.0)


def _is_stochastic(problem: Any) -> bool:
    return hasattr(problem, "stochastic_grad")


def _batch_size(optimizer: Any, x0: Any, trajectories: int | None) -> int:
    """B from (in order) x0's leading axis, array hyperparameters, ``trajectories``, else 1."""
    sizes = set()
    if x0 is not None and np.ndim(x0) == 2:
        sizes.add(int(np.shape(x0)[0]))
    for name, value in optimizer.params().items():
        if hasattr(value, "shape") and len(value.shape) == 2:
            sizes.add(int(value.shape[0]))
            if len(sizes) > 1:
                raise ValueError(
                    f"optimizer hyperparameter {name} has batch size {value.shape[0]}, which "
                    f"disagrees with another batch size {sorted(sizes)}"
                )
    if trajectories is not None:
        trajectories = check_int("trajectories", trajectories, minimum=1)
        if sizes and trajectories not in sizes:
            raise ValueError(
                f"trajectories={trajectories} disagrees with the batch size {sizes.pop()} of "
                f"x0 or of the optimizer's hyperparameters"
            )
        return trajectories
    return sizes.pop() if sizes else 1


def run(
    problem: Any,
    optimizer: Any,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    sampling: str = "shuffle",
    schedule: Any = "constant",
    seed: int = 0,
    record: str | int = "summary",
    x0: Any = None,
    trajectories: int | None = None,
    trajectory_ids: Any = None,
    backend: str = "auto",
    diverge_threshold: float = 1e100,
    progress: bool = False,
) -> xr.Dataset:
    r"""Run ``optimizer`` on ``problem`` for a batch of independent trajectories.

    At step :math:`t = 1..T` each trajectory draws one component :math:`\tau_t` by
    ``sampling`` (or one stochastic gradient), computes :math:`g_t = \nabla f_{\tau_t}(x_t)`, and
    updates :math:`x_{t+1} = \mathrm{opt}(x_t, g_t)` with step size :math:`\eta\cdot
    \mathrm{schedule}(t)`; a problem with a domain is projected (clipped) after each step
    (docs/theory §1.1, R18's projection in 1-D).

    Parameters
    ----------
    problem : FiniteSumProblem or StochasticProblem
        Gradient oracle, e.g. :func:`adamtheory.problems.one_big_gradient`.
    optimizer : Adam, SGD, SGDMomentum or ClippedAdam
        From :mod:`adamtheory.kernels`; array hyperparameters of length ``B`` run ``B``
        configurations at once.
    steps, epochs : int
        Exactly one: the number of steps, or of epochs of ``problem.n`` steps.
    sampling : {"shuffle", "iid", "cyclic"}
        Component sampling (docs/theory §1.2). Stochastic problems need ``"iid"``.
    schedule : {"constant", "inv_sqrt_step", "inv_sqrt_epoch"} or schedule object
        Step-size factor; ``"inv_sqrt_epoch"`` uses epochs of ``problem.n`` steps.
    seed : int
        Root seed; trajectory ``i`` draws from ``SeedSequence(seed)`` and its id ``i`` only.
    record : {"final", "summary"} or int k
        ``"final"``: the final iterate, f, |∇f| and divergence status. ``"summary"``: also the
        running minimum of |∇f| (and its step) and max |x|. ``k``: also the iterate, f and
        |∇f| every k steps (memory ``B·(T/k)·d``).
    x0 : array_like, optional
        ``(d,)`` shared start or ``(B, d)`` per-trajectory starts; default ``problem.x0``.
    trajectories : int, optional
        Batch size B when neither x0 nor a hyperparameter fixes it.
    trajectory_ids : array_like of int, optional
        Global ids (default ``0..B-1``); a chunk of a larger grid passes its slice so its random
        streams equal those of the full run.
    backend : {"auto", "numpy", "cupy"}
        Array backend (see :func:`adamtheory.kernels.resolve_backend`).
    diverge_threshold : float
        A trajectory with ``max|x| > diverge_threshold`` or a non-finite iterate is declared
        diverged at that step and frozen. One whose gradient is NaN/inf is frozen at its
        iterate and recorded in ``nonfinite_at`` instead (not diverged).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    xarray.Dataset
        Dims ``trajectory``, ``coordinate`` (and ``step`` when recording every k steps).
        Variables ``x_final``, ``f_final``, ``grad_norm_final``, ``diverged``, ``diverged_at``
        (-1 if never), ``nonfinite_at`` (first step t whose gradient was NaN/inf, -1 if never),
        summaries, and the per-trajectory hyperparameters as coordinates. ``attrs`` record the
        problem, optimizer, sampling, schedule, seed, backend, versions and
        ``nonfinite_trajectories`` (how many have a ``nonfinite_at``).

    Warns
    -----
    NonFiniteGradientWarning
        Once per call, when any trajectory's gradient was NaN/inf (how many, first step).
    """
    stochastic = _is_stochastic(problem)
    if not stochastic and not hasattr(problem, "component_grad"):
        raise TypeError("problem must provide component_grad (finite sum) or stochastic_grad")
    if not all(hasattr(optimizer, a) for a in ("init", "step", "params")):
        raise TypeError("optimizer must be an adamtheory.kernels optimizer (init/step/params)")
    check_choice("sampling", sampling, SAMPLING_CHOICES)
    if stochastic and sampling != "iid":
        raise ValueError(
            f"sampling must be 'iid' for the stochastic problem {problem.name}; got {sampling!r}"
        )
    n = 1 if stochastic else int(problem.n)
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps (>= 1) or epochs (>= 1)")
    total = (
        check_int("steps", steps, minimum=1)
        if steps is not None
        else (check_int("epochs", epochs, minimum=1) * n)
    )
    if isinstance(record, str):
        check_choice("record", record, RECORD_CHOICES)
        every = None
    else:
        every = check_int("record", record, minimum=1)
    check_positive("diverge_threshold", diverge_threshold)
    sched = make_schedule(schedule, n)
    if getattr(optimizer, "name", "") == "clipped_adam" and not isinstance(sched, Constant):
        raise ValueError("schedule must be 'constant' for clipped_adam (its step size is D)")

    be = resolve_backend(backend)
    xp = be.xp
    batch = _batch_size(optimizer, x0, trajectories)
    start = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    if start.ndim == 1:
        start = np.broadcast_to(start, (batch, start.shape[0]))
    if start.ndim != 2 or start.shape != (batch, problem.dim):
        raise ValueError(
            f"x0 must have shape ({problem.dim},) or ({batch}, {problem.dim}); "
            f"got {np.shape(problem.x0 if x0 is None else x0)}"
        )
    if not np.all(np.isfinite(start)):
        raise ValueError("x0 must be finite")
    ids = np.arange(batch) if trajectory_ids is None else np.asarray(trajectory_ids)
    if ids.shape != (batch,):
        raise ValueError(f"trajectory_ids must have shape ({batch},); got {ids.shape}")
    keys = trajectory_keys(seed, ids)

    x = xp.asarray(start.copy())
    state = optimizer.init(x)
    lo_hi = problem.domain
    alive = xp.ones(batch, dtype=bool)
    diverged_at = xp.full(batch, -1, dtype=xp.int64)
    nonfinite_at = xp.full(batch, -1, dtype=xp.int64)
    want_summary = record != "final"
    if want_summary:
        with np.errstate(all="ignore"):
            grad_norm = _row_norm(xp, problem.grad(x))
        min_grad_norm, argmin_step = grad_norm, xp.zeros(batch, dtype=xp.int64)
        max_abs_x = xp.abs(x).max(axis=1)
    traj_x, traj_f, traj_g, traj_steps = [], [], [], []

    def snapshot(t: int) -> None:
        traj_steps.append(t)
        traj_x.append(to_numpy(x))
        traj_f.append(to_numpy(problem.value(x)))
        traj_g.append(to_numpy(_row_norm(xp, problem.grad(x))))

    if every is not None:
        snapshot(0)
    permutation = None
    iterator = range(1, total + 1)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, desc=f"{optimizer.name} on {problem.name}", unit="step")
    with np.errstate(all="ignore"):
        for t in iterator:
            if stochastic:
                g = problem.stochastic_grad(x, xp.asarray(uniforms(keys, t - 1, STREAM_NOISE)))
            else:
                if sampling == "shuffle" and (t - 1) % n == 0:
                    permutation = epoch_permutations(keys, (t - 1) // n, n)
                idx = component_indices(sampling, keys, t - 1, n, permutation)
                g = problem.component_grad(x, xp.asarray(idx))
            bad_g = alive & nonfinite_rows(g, xp)
            nonfinite_at = xp.where(bad_g, t, nonfinite_at)
            alive = alive & ~bad_g
            x_new, state = optimizer.step(x, g, state, lr_scale=sched.factor(t))
            if lo_hi is not None:
                x_new = xp.clip(x_new, lo_hi[0], lo_hi[1])
            bad = ~xp.isfinite(x_new).all(axis=1) | (xp.abs(x_new).max(axis=1) > diverge_threshold)
            diverged_at = xp.where(alive & bad, t, diverged_at)
            alive = alive & ~bad
            x = xp.where(alive[:, None], x_new, x)
            if want_summary:
                grad_norm = _row_norm(xp, problem.grad(x))
                better = grad_norm < min_grad_norm
                min_grad_norm = xp.where(better, grad_norm, min_grad_norm)
                argmin_step = xp.where(better, t, argmin_step)
                max_abs_x = xp.maximum(max_abs_x, xp.abs(x).max(axis=1))
            if every is not None and t % every == 0:
                snapshot(t)

    with np.errstate(all="ignore"):  # f may exceed float64 (inf) for |x| > 1e154: a value
        f_final = to_numpy(problem.value(x))
        grad_final = to_numpy(_row_norm(xp, problem.grad(x)))
    data: dict[str, Any] = {
        "x_final": (("trajectory", "coordinate"), to_numpy(x)),
        "f_final": (("trajectory",), f_final),
        "grad_norm_final": (("trajectory",), grad_final),
        "diverged": (("trajectory",), to_numpy(diverged_at >= 0)),
        "diverged_at": (("trajectory",), to_numpy(diverged_at)),
        "nonfinite_at": (("trajectory",), to_numpy(nonfinite_at)),
    }
    if want_summary:
        data["min_grad_norm"] = (("trajectory",), to_numpy(min_grad_norm))
        data["argmin_grad_norm_step"] = (("trajectory",), to_numpy(argmin_step))
        data["max_abs_x"] = (("trajectory",), to_numpy(max_abs_x))
    if every is not None:
        data["x"] = (("trajectory", "step", "coordinate"), np.stack(traj_x, axis=1))
        data["f"] = (("trajectory", "step"), np.stack(traj_f, axis=1))
        data["grad_norm"] = (("trajectory", "step"), np.stack(traj_g, axis=1))
    coords: dict[str, Any] = {"trajectory": ids, "coordinate": np.arange(problem.dim)}
    if every is not None:
        coords["step"] = np.asarray(traj_steps)
    scalar_params: dict[str, Any] = {}
    for name, value in optimizer.params().items():
        if hasattr(value, "shape"):
            arr = np.broadcast_to(to_numpy(value), (batch, to_numpy(value).shape[1]))
            if arr.shape[1] == 1:
                coords[name] = ("trajectory", arr[:, 0].copy())
            else:
                data[name] = (("trajectory", "coordinate"), arr.copy())
            scalar_params[name] = "per-trajectory"
        else:
            scalar_params[name] = value
    attrs = {
        "problem": problem.name,
        "problem_params": json.dumps(problem.params()),
        "optimizer": optimizer.name,
        "optimizer_params": json.dumps(scalar_params),
        "sampling": sampling if not stochastic else "iid (stochastic)",
        "schedule": sched.name,
        "seed": (
            int(seed)
            if not isinstance(seed, np.random.SeedSequence)
            else f"SeedSequence(entropy={seed.entropy}, spawn_key={seed.spawn_key})"
        ),
        "steps": total,
        "record": str(record),
        "diverge_threshold": float(diverge_threshold),
        "nonfinite_trajectories": warn_nonfinite(
            f"run of {optimizer.name} on {problem.name}", data["nonfinite_at"][1], never=-1
        ),
        "backend": be.name,
        "backend_requested": be.requested,
        "environment": json.dumps(environment(be.name, be.device)),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)
