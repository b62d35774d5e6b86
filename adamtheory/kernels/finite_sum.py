r"""(β1, β2) sweeps of Adam on a user-supplied finite sum, classified like the counterexample's.

:func:`finite_sum_sweep` runs full Adam trajectories on :math:`f = \frac1n\sum_{i<n} f_i`, whose
component gradients come from a Python callable (``problem.component_grad(x, idx)``, vectorised
NumPy; see :class:`adamtheory.problems.user.UserFiniteSum`), at every point of a (β1, β2) grid
and for several independent sampling streams (replicates). Update (docs/theory §1.1), with
:math:`m_0 = v_0 = 0` and :math:`g_t = \nabla f_{\tau_t}(x_t)`:

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
    v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
    x_{t+1} = x_t - \eta_t\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

(without bias correction :math:`x_{t+1} = x_t - \eta_t m_t/(\sqrt{v_t}+\epsilon)`;
:math:`m/\sqrt v := 0` where the denominator is 0). The arithmetic is that of
:func:`adamtheory.kernels.counterexample.sweep_reference` operation for operation (β^t by
repeated products), so a built-in counterexample wrapped as a user problem gives the built-in
sweep's numbers bit for bit; :class:`adamtheory.kernels.Adam` computes β^t with ``pow`` and
agrees to the last ulp per step.

Sampling (``shuffle``/``iid``/``cyclic``) uses the counter-based streams of
:mod:`adamtheory.kernels.sampling` with the trajectory ids of
:func:`adamtheory.kernels.sweeps.divergence_sweep`; each run is classified by the rule of
:mod:`adamtheory.kernels.counterexample` (:func:`~adamtheory.kernels.counterexample.inside_ball`,
:func:`~adamtheory.kernels.counterexample.classify_end`) with :math:`d_k = \|x_k - x^*\|_2`.
Without a known :math:`x^*` the distances are measured from x0 and "converged" is never
reported (a run can only be diverged or undecided). Overflow is a result: an iterate that stops
being finite or exceeds :math:`10^{100}` in a coordinate freezes the trajectory and is recorded
as diverged at that epoch; the outputs contain no NaN. A non-finite component gradient at a
live iterate is not a divergence: the trajectory is frozen at its last finite iterate (Adam's m
and v would be NaN from then on), classified
:data:`~adamtheory.kernels.nonfinite.NONFINITE_GRADIENT` (status 2) with the step in
``nonfinite_at``, and :func:`finite_sum_sweep` emits one
:class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning` for the whole sweep, so that a
bug in the gradient code is not mistaken for a blow-up of the dynamics (the built-in
counterexample never has one, so the numbers agree).

Cost: each step calls ``component_grad`` once on the chunk's B rows, and each epoch end on
B·n rows in calls of at most ``GRAD_ROWS`` rows (|∇f| for ``min_grad_norm``); memory is
O((chunk_size + GRAD_ROWS) · d).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_choice, check_int, check_positive
from . import adam_core as ac
from .counterexample import (
    CONVERGED,
    DIVERGED,
    UNDECIDED,
    _epoch_indices,
    check_grid,
    check_keys,
    classify_end,
    inside_ball,
    mark_step,
)
from .nonfinite import NONFINITE_GRADIENT, nonfinite_rows, warn_nonfinite
from .runner import environment
from .sampling import SAMPLING_CHOICES, trajectory_keys
from .sweeps import _axis

__all__ = [
    "STATUS_CODES",
    "FiniteSumSweepConfig",
    "finite_sum_sweep",
    "finite_sum_sweep_reference",
    "status_counts",
]

GRAD_ROWS = 1 << 18  # rows per full-gradient call: bounds its memory to GRAD_ROWS·d floats
SCHEDULE_CHOICES = ("inv_sqrt_epoch", "inv_sqrt_step", "constant")
STATUS_CODES = {
    "diverged": DIVERGED,
    "undecided": UNDECIDED,
    "converged": CONVERGED,
    "nonfinite_gradient": NONFINITE_GRADIENT,
}
OUTPUTS = (
    "status",
    "diverged_at",
    "x_final",
    "x_half",
    "dist_final",
    "max_abs_x",
    "min_grad_norm",
    "grad_norm_final",
    "nonfinite_at",
)


@dataclass(frozen=True)
class FiniteSumSweepConfig:
    """Everything but the problem and the grid for a sweep on a user finite sum.

    Attributes
    ----------
    epochs : K, the number of epochs of n steps (K >= 2).
    lr : base step η.
    schedule : ``"inv_sqrt_epoch"`` (η/√k per epoch, Z22), ``"inv_sqrt_step"`` (η/√t per step)
        or ``"constant"``.
    sampling : ``"shuffle"``, ``"iid"`` or ``"cyclic"`` (docs/theory §1.2).
    eps, bias_correction : Adam's ε and bias correction (Z22's Adam: ε = 0, bias-corrected).
    rho, conv_tol : classification constants (:mod:`adamtheory.kernels.counterexample`).
    seed : root seed of the sampling streams.
    """

    epochs: int
    lr: float = 1.0
    sampling: str = "shuffle"
    schedule: str = "inv_sqrt_epoch"
    eps: float = 0.0
    bias_correction: bool = True
    rho: float = 0.2
    conv_tol: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("epochs", self.epochs, minimum=2)
        check_positive("lr", self.lr)
        check_choice("sampling", self.sampling, SAMPLING_CHOICES)
        check_choice("schedule", self.schedule, SCHEDULE_CHOICES)
        check_positive("eps", self.eps, allow_zero=True)
        if not isinstance(self.bias_correction, bool):
            raise TypeError(f"bias_correction must be True or False; got {self.bias_correction!r}")
        check_positive("rho", self.rho)
        check_positive("conv_tol", self.conv_tol)
        check_int("seed", self.seed, minimum=0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_problem(problem: Any) -> None:
    for attr in ("component_grad", "n", "x0"):
        if not hasattr(problem, attr):
            raise TypeError(
                "problem must be a finite sum with component_grad(x, idx), n and x0 "
                f"(e.g. adamtheory.problems.user.user_finite_sum); it has no {attr}"
            )
    check_int("problem.n", problem.n, minimum=1)


def problem_name(problem: Any) -> str:
    return str(getattr(problem, "name", type(problem).__name__))


def anchor(problem: Any) -> tuple[np.ndarray, bool]:
    """The point distances are measured from: (x*, True) when the problem knows a minimiser,
    else (x0, False)."""
    x_star = getattr(problem, "x_star", None)
    if x_star is None:
        constants = getattr(problem, "constants", None)
        x_star = getattr(constants, "x_star", None) or None
    if x_star is None:
        return np.asarray(problem.x0, dtype=np.float64), False
    return np.asarray(x_star, dtype=np.float64), True


def _distance(x: np.ndarray, centre: np.ndarray) -> np.ndarray:
    diff = x - centre
    if diff.shape[1] == 1:  # |·| exactly as the scalar counterexample sweep
        return np.abs(diff[:, 0])
    scale = np.abs(diff).max(axis=1)  # guard the squares against overflow
    safe = np.where(scale > 0, scale, 1.0)
    return np.where(scale > 0, scale * np.sqrt(((diff / safe[:, None]) ** 2).sum(axis=1)), 0.0)


def _component_grads(problem: Any, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    checked = getattr(problem, "component_grad_checked", None)
    if checked is not None:
        return checked(x, idx)
    got = np.asarray(problem.component_grad(x, idx), dtype=np.float64)
    if got.shape != x.shape:
        raise ValueError(f"component_grad must return shape {x.shape}; got {got.shape}")
    return got


def _full_grad_norm(problem: Any, x: np.ndarray) -> np.ndarray:
    """|∇f(x)| per row, ∇f = mean of the n component gradients (calls of <= GRAD_ROWS rows)."""
    B, d = x.shape
    n = int(problem.n)
    per_call = max(1, GRAD_ROWS // n)
    out = np.empty(B)
    for start in range(0, B, per_call):
        part = x[start : start + per_call]
        rows = np.repeat(part, n, axis=0)
        idx = np.tile(np.arange(n, dtype=np.int64), part.shape[0])
        g = _component_grads(problem, rows, idx).reshape(part.shape[0], n, d).mean(axis=1)
        g = np.where(np.isfinite(g), g, np.inf)
        out[start : start + per_call] = _distance(g, np.zeros(d))
    return out


def status_counts(status: np.ndarray) -> dict[str, int]:
    """How many runs have each status (non-finite gradients counted apart from divergence)."""
    status = np.asarray(status)
    return {name: int(np.sum(status == code)) for name, code in STATUS_CODES.items()}


def finite_sum_sweep_reference(
    beta1: Any,
    beta2: Any,
    problem: Any,
    cfg: FiniteSumSweepConfig,
    keys: np.ndarray,
    *,
    on_epoch: Any = None,
    warn: bool = True,
) -> dict[str, np.ndarray]:
    """Vectorised NumPy sweep on a user finite sum: one trajectory per (β1, β2) pair.

    Parameters
    ----------
    beta1, beta2 : array_like
        Grid points (flattened to length B).
    problem : UserFiniteSum or FiniteSumProblem
        ``component_grad(x, idx)``, ``n``, ``x0`` (and ``x_star`` or ``constants.x_star``).
    cfg : FiniteSumSweepConfig
    keys : ndarray of uint64, shape (B,)
        Per-trajectory stream keys from :func:`adamtheory.kernels.trajectory_keys`.
    on_epoch : callable, optional
        Called with no argument after each epoch (progress bars).
    warn : bool
        Emit the :class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning` (once) when a
        gradient was non-finite; :func:`finite_sum_sweep` turns it off per chunk and warns once
        for the whole sweep.

    Returns
    -------
    dict of ndarray
        ``status`` (1 diverged, 0 undecided, -1 converged, 2 non-finite gradient),
        ``diverged_at`` (epoch, -1 if never), ``x_final`` and ``x_half`` (shape (B, d)),
        ``dist_final``, ``max_abs_x`` (max over epoch ends and coordinates), ``min_grad_norm``
        and ``grad_norm_final`` (|∇f| at epoch ends; ``inf`` where the gradient overflows or
        is NaN), ``nonfinite_at`` (the step t = epoch·n + position, 1-based, at which a live
        trajectory got a non-finite component gradient, -1 if never: such a run is frozen at
        its last finite iterate with status 2, not diverged, so that a bug in the gradient code
        is told from a genuine blow-up).
    """
    if not isinstance(cfg, FiniteSumSweepConfig):
        raise TypeError(f"cfg must be a FiniteSumSweepConfig; got {type(cfg).__name__}")
    _check_problem(problem)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    B, n, K = b1.size, int(problem.n), cfg.epochs
    centre, known = anchor(problem)
    x0 = np.asarray(problem.x0, dtype=np.float64)
    d = x0.size
    if centre.shape != (d,):
        raise ValueError(f"x_star must have length d = {d}; got shape {centre.shape}")
    b1c, b2c = b1[:, None], b2[:, None]
    x = np.broadcast_to(x0, (B, d)).copy()
    m = np.zeros((B, d))
    v = np.zeros((B, d))
    d0 = float(_distance(x0[None, :], centre)[0])
    alive = np.ones(B, dtype=bool)
    status = np.zeros(B, dtype=np.int64)
    diverged_at = np.full(B, -1, dtype=np.int64)
    nonfinite_at = np.full(B, -1, dtype=np.int64)
    x_half = x.copy()
    max_abs_x = np.abs(x).max(axis=1)
    min_grad = np.full(B, np.inf)
    grad_final = np.full(B, np.inf)
    last_inside = np.zeros(B, dtype=np.int64)
    half_mass = 0.0
    b1t = np.ones((B, 1))
    b2t = np.ones((B, 1))
    with np.errstate(all="ignore"):
        for epoch in range(K):
            idx = np.ascontiguousarray(_epoch_indices(cfg.sampling, keys, epoch, n))
            if cfg.schedule == "inv_sqrt_epoch":
                etas = np.full(n, cfg.lr / np.sqrt(epoch + 1.0))
            elif cfg.schedule == "inv_sqrt_step":
                etas = cfg.lr / np.sqrt(np.arange(epoch * n + 1.0, (epoch + 1) * n + 1.0))
            else:
                etas = np.full(n, cfg.lr)
            for p in range(n):
                b1t = ac.advance_power(b1t, b1c)
                b2t = ac.advance_power(b2t, b2c)
                g = _component_grads(problem, x, idx[:, p])
                bad_g = nonfinite_rows(g)
                x_new, m, v, _ = ac.adam_step(
                    x, m, v, 0.0, g, b1c, b2c, b1t, b2t, etas[p], cfg.eps, cfg.bias_correction, 0
                )
                bad = ~ac.finite_bounded(x_new).all(axis=1)
                alive = mark_step(
                    status,
                    diverged_at,
                    alive,
                    bad,
                    epoch + 1,
                    bad_g=bad_g,
                    nonfinite_at=nonfinite_at,
                    step=epoch * n + p + 1,
                )
                x = np.where(alive[:, None], x_new, x)
            # an epoch moves x by about -(mean step size of the epoch)·mu
            if epoch + 1 > K // 2:
                half_mass += float(etas.mean()) if cfg.schedule == "inv_sqrt_step" else etas[0]
            dist = _distance(x, centre)
            grad_final = _full_grad_norm(problem, x)
            min_grad = np.minimum(min_grad, grad_final)
            max_abs_x = np.maximum(max_abs_x, np.abs(x).max(axis=1))
            last_inside = np.where(
                inside_ball(dist, d0, cfg.rho, cfg.lr, epoch + 1.0), epoch + 1, last_inside
            )
            if epoch + 1 == K // 2:
                x_half = x.copy()
            if on_epoch is not None:
                on_epoch()
    final_dist = _distance(x, centre)
    # without x*, conv_tol = 0 and an impossible distance keep "converged" from being reported
    status, diverged_at = classify_end(
        status,
        diverged_at,
        alive,
        last_inside,
        final_dist,
        _distance(x_half, centre),
        half_mass,
        epochs=K,
        d0=d0,
        rho=cfg.rho,
        conv_tol=cfg.conv_tol if known else -1.0,
    )
    if warn:
        warn_nonfinite(f"finite-sum sweep on {problem_name(problem)}", nonfinite_at, never=-1)
    return {
        "status": status,
        "diverged_at": diverged_at,
        "x_final": x,
        "x_half": x_half,
        "dist_final": final_dist,
        "max_abs_x": max_abs_x,
        "min_grad_norm": min_grad,
        "grad_norm_final": grad_final,
        "nonfinite_at": nonfinite_at,
    }


def _finite_sum_chunk(
    flat1: np.ndarray,
    flat2: np.ndarray,
    problem: Any,
    config: FiniteSumSweepConfig,
    bounds: tuple,
    on_epoch: Any = None,
) -> dict[str, np.ndarray]:
    """One chunk: a pure function of the β slice, the config and the global trajectory ids."""
    start, stop = bounds
    keys = trajectory_keys(config.seed, np.arange(start, stop))
    return finite_sum_sweep_reference(
        flat1[start:stop], flat2[start:stop], problem, config, keys, on_epoch=on_epoch, warn=False
    )


def _local_chunks(
    flat1: np.ndarray,
    flat2: np.ndarray,
    problem: Any,
    config: FiniteSumSweepConfig,
    bounds: list,
    progress: bool,
) -> list[dict[str, np.ndarray]]:
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(bounds) * config.epochs, desc=f"sweep {problem_name(problem)}", unit="epoch"
        )
    try:
        return [
            _finite_sum_chunk(
                flat1, flat2, problem, config, b, on_epoch=None if bar is None else bar.update
            )
            for b in bounds
        ]
    finally:
        if bar is not None:
            bar.close()


def finite_sum_sweep(
    beta1: Any,
    beta2: Any,
    problem: Any,
    config: FiniteSumSweepConfig,
    *,
    replicates: int = 1,
    chunk_size: int = 1 << 14,
    progress: bool = False,
    executor: Any = None,
) -> xr.Dataset:
    """Run Adam on a user finite sum at every (β1, β2) grid point (NumPy backend).

    Parameters
    ----------
    beta1, beta2 : 1-D array_like
        Grid axes in [0, 1); the sweep covers their outer product.
    problem : UserFiniteSum or FiniteSumProblem
        From :func:`adamtheory.problems.user.user_finite_sum` (any object with
        ``component_grad(x, idx)``, ``n`` and ``x0`` works; ``x_star`` or ``constants.x_star``
        enables the "converged" class).
    config : FiniteSumSweepConfig
        Schedule, sampling, ε, bias correction, classification constants, seed.
    replicates : int
        Independent trajectories (sampling streams) per grid point.
    chunk_size : int
        Trajectories per chunk; memory is O((chunk_size + GRAD_ROWS) · d). Trajectory ids are global
        (those of :func:`adamtheory.kernels.sweeps.divergence_sweep`), so chunking changes no
        number.
    progress : bool
        tqdm bar over epochs of all chunks (off by default; per chunk with an ``executor``).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where the chunks run (:func:`adamtheory.kernels.executors.map_chunks`; the problem
        must then pickle). Chunks are pure functions of (β slice, config, global trajectory
        ids), so the numbers do not depend on it.

    Returns
    -------
    xarray.Dataset
        Dims ``beta1``, ``beta2``, ``replicate`` (and ``coordinate`` for ``x_final``,
        ``x_half``); variables as in :func:`finite_sum_sweep_reference`; ``status`` uses the
        codes of :func:`~adamtheory.kernels.sweeps.divergence_sweep` plus 2 (non-finite
        gradient, step in ``nonfinite_at``). ``attrs`` record the config, the problem's
        parameters, whether x* was known, backend, seed, versions, ``status_codes`` and
        ``status_counts`` (JSON: runs per status, non-finite gradients apart from divergence).

    Warns
    -----
    NonFiniteGradientWarning
        Once per call, when any trajectory got a non-finite gradient (how many, first step).
    """
    if not isinstance(config, FiniteSumSweepConfig):
        raise TypeError(f"config must be a FiniteSumSweepConfig; got {type(config).__name__}")
    _check_problem(problem)
    b1_axis, b2_axis = _axis("beta1", beta1), _axis("beta2", beta2)
    replicates = check_int("replicates", replicates, minimum=1)
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    g1, g2, _ = np.meshgrid(b1_axis, b2_axis, np.arange(replicates), indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    total = flat1.size
    bounds = [(s, min(s + chunk_size, total)) for s in range(0, total, chunk_size)]
    results: dict[str, list[np.ndarray]] = {}
    if executor is None:
        parts = _local_chunks(flat1, flat2, problem, config, bounds, progress)
    else:
        from .executors import map_chunks

        parts = map_chunks(
            partial(_finite_sum_chunk, flat1, flat2, problem, config),
            bounds,
            executor,
            progress=progress and f"sweep {problem_name(problem)}",
        )
    for out in parts:
        for name, arr in out.items():
            results.setdefault(name, []).append(arr)
    dims = ("beta1", "beta2", "replicate")
    data = {}
    for name, parts in results.items():
        arr = np.concatenate(parts)
        if arr.ndim == 2:
            data[name] = ((*dims, "coordinate"), arr.reshape(*g1.shape, arr.shape[1]))
        else:
            data[name] = (dims, arr.reshape(g1.shape))
    centre, known = anchor(problem)
    params = problem.params() if hasattr(problem, "params") else {}
    counts = status_counts(data["status"][1])
    warn_nonfinite(
        f"finite_sum_sweep on {problem_name(problem)}", data["nonfinite_at"][1], never=-1
    )
    return xr.Dataset(
        data,
        coords={
            "beta1": b1_axis,
            "beta2": b2_axis,
            "replicate": np.arange(replicates),
            "coordinate": np.arange(np.asarray(problem.x0).size),
        },
        attrs={
            "config": json.dumps(config.as_dict()),
            "problem": problem_name(problem),
            "problem_params": json.dumps(params, default=str),
            "n": int(problem.n),
            "x0": json.dumps(np.asarray(problem.x0, dtype=float).tolist()),
            "anchor": json.dumps(centre.tolist()),
            "x_star_known": int(known),
            "seed": config.seed,
            "backend": "numpy",
            "status_codes": json.dumps(STATUS_CODES),
            "status_counts": json.dumps(counts),
            "environment": json.dumps(environment("numpy")),
        },
    )
