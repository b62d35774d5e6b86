r"""Coordinate-wise and global clipped Adam with per-coordinate noise: steps to an ℓ1 target
(docs/theory §1.3, §1.5, §4 "Coordinate-wise adaptivity").

One compiled loop (Numba) runs clipped β-FTRL (clipped Adam with :math:`\beta_1 = \beta`,
:math:`\beta_2 = \beta^2`, ε = 0, :math:`\alpha = D\sqrt{(1+\beta)/(1-\beta)}`) in the uniform
conversion on :math:`F(x) = \sum_i a_i(1-\cos x_i)` with gradients
:math:`g_{t,i} = a_i\sin y_{t,i} + \sigma_i z_{t,i}`, :math:`z \sim N(0, 1)`:

.. math::

   y_t = x_{t-1} + s_t\Delta_t,\quad x_t = x_{t-1} + \Delta_t,\quad
   \Delta_{t+1} = \begin{cases} -\mathrm{clip}_{[-D, D]}(\alpha\,m_t/\sqrt{v_t}) &
   \text{coordinate-wise}\\ -\mathrm{clip}_{D}(\alpha\,m_t/\sqrt{\textstyle\sum_i v_{t,i}}) &
   \text{global (ℓ2 ball)}\end{cases}

and, after every step, the measure :math:`\|\nabla F(\bar y_t)\|_1` at the normalised β-EMA of
the query points. The result per trajectory is the first step t with
:math:`\|\nabla F(\bar y_t)\|_1 \le` ``target`` (the trajectory stops there), or ``T_max + 1``
when it is not reached (censored).

Randomness is counter-based (:mod:`adamtheory.kernels.sampling`) and keyed by global
trajectory ids: :math:`s_t` = ``u(step, STREAM_SAMPLING)``, and :math:`z_{t,j}` by Box–Muller from
``u(2(step·d + j), STREAM_NOISE)`` and ``u(2(step·d + j) + 1, STREAM_NOISE)`` — the same
counters as :mod:`adamtheory.kernels.o2nc_fused`, so a chunk of ids gives exactly the numbers of
the same ids in a larger batch (tested). :func:`reference_run` is the same algorithm in NumPy,
step by step, for the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from . import adam_core
from .sampling import STREAM_NOISE, STREAM_SAMPLING, trajectory_keys, uniforms

# the single hash definition, registered for nopython mode
ac = adam_core.jitted()

__all__ = ["reference_run", "steps_to_target"]

_TWO_PI = 2.0 * math.pi


@njit(cache=True)
def _hit_kernel(
    keys: np.ndarray,
    x0: np.ndarray,
    scales: np.ndarray,
    sigma: np.ndarray,
    D: float,
    beta: float,
    coordinatewise: bool,
    T_max: int,
    target: float,
    hits: np.ndarray,
    final: np.ndarray,
) -> None:
    d = x0.shape[0]
    beta2 = beta * beta
    alpha = D * math.sqrt((1.0 + beta) / (1.0 - beta))
    top_s = np.uint64(STREAM_SAMPLING) << np.uint64(56)
    top_n = np.uint64(STREAM_NOISE) << np.uint64(56)
    x = np.empty(d)
    delta = np.empty(d)
    m = np.empty(d)
    v = np.empty(d)
    ybar = np.empty(d)
    for i in range(keys.shape[0]):
        key = keys[i]
        vg = 0.0
        for j in range(d):
            x[j] = x0[j]
            delta[j] = 0.0
            m[j] = 0.0
            v[j] = 0.0
            ybar[j] = 0.0
        bpow = 1.0
        hit = T_max + 1
        l1 = 0.0
        for step in range(T_max):
            s = ac.hash_uniform(key, np.uint64(step) | top_s)
            bpow *= beta
            # normalised EMA weight (1-beta)/(1-beta^t) of the newest query point
            b = 1.0 - (beta - bpow) / (1.0 - bpow)
            g2 = 0.0
            for j in range(d):
                y = x[j] + s * delta[j]
                x[j] = x[j] + delta[j]
                g = scales[j] * math.sin(y)
                if sigma[j] > 0.0:
                    c = np.uint64(2) * (np.uint64(step) * np.uint64(d) + np.uint64(j))
                    u1 = ac.hash_uniform(key, c | top_n)
                    u2 = ac.hash_uniform(key, (c + np.uint64(1)) | top_n)
                    z = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)
                    g += sigma[j] * z
                m[j], v[j] = ac.adam_moments(m[j], v[j], g, beta, beta2)
                g2 += g * g
                ybar[j] = ybar[j] + b * (y - ybar[j])
            vg = ac.ema(vg, g2, beta2)
            l1 = 0.0
            for j in range(d):
                l1 += abs(scales[j] * math.sin(ybar[j]))
            if l1 <= target:
                hit = step + 1
                break
            if coordinatewise:
                for j in range(d):
                    delta[j] = ac.clipped_increment(m[j], v[j], alpha, D)
            else:
                den = math.sqrt(vg)
                un2 = 0.0
                for j in range(d):
                    delta[j] = ac.safe_divide(alpha * m[j], den)
                    un2 += delta[j] * delta[j]
                un = math.sqrt(un2)
                shrink = min(1.0, D / un) if un > 0.0 else 1.0
                for j in range(d):
                    delta[j] = -delta[j] * shrink
        hits[i] = hit
        final[i] = l1


def _check(problem: Any, sigma: Any, D: float, beta: float, T_max: int, target: float) -> Any:
    from ..problems.o2nc_coords import CoordinateScale

    if not isinstance(problem, CoordinateScale):
        raise TypeError(f"problem must be a CoordinateScale; got {type(problem).__name__}")
    s = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if s.shape != (problem.dim,) or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(
            f"sigma must be {problem.dim} finite per-coordinate levels in [0, inf); got {sigma!r}"
        )
    if not 0.0 < beta < 1.0:
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    if not (math.isfinite(D) and D > 0):
        raise ValueError(f"D must be a finite number in (0, inf); got {D!r}")
    if int(T_max) != T_max or T_max < 1:
        raise ValueError(f"T_max must be an integer >= 1; got {T_max!r}")
    if not (math.isfinite(target) and target > 0):
        raise ValueError(f"target must be a finite number in (0, inf); got {target!r}")
    return s


def _ids(trajectories: Any) -> np.ndarray:
    return np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)


def steps_to_target(
    problem: Any,
    sigma: Any,
    *,
    D: float,
    beta: float,
    coordinatewise: bool,
    T_max: int,
    target: float,
    seed: int = 0,
    trajectories: Any = 8,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Steps until :math:`\|\nabla F(\bar y_t)\|_1 \le` ``target`` for clipped Adam
    (module docstring) on a :class:`~adamtheory.problems.o2nc_coords.CoordinateScale`.

    Parameters
    ----------
    problem : CoordinateScale
        :math:`F = \sum_i a_i(1-\cos x_i)` and its start.
    sigma : array_like
        Per-coordinate noise levels :math:`\sigma_i \ge 0` (length d).
    D : float
        Box half-width (``coordinatewise=True``) or ℓ2 ball radius (global), > 0.
    beta : float
        :math:`\beta \in (0, 1)` (:math:`\beta_1`, :math:`\sqrt{\beta_2}` and the EMA discount).
    coordinatewise : bool
        Clip each coordinate (AC24's coordinate-wise method) or the whole increment.
    T_max : int
        Step cap (>= 1); a trajectory that has not hit the target by then returns ``T_max + 1``.
    target : float
        The ℓ1 target (> 0).
    seed : int
        Root seed of the counter-based streams.
    trajectories : int or array_like of int
        A count (ids ``0..B-1``) or the global trajectory ids of this chunk.

    Returns
    -------
    (hits, final) : int64 array and float64 array of shape (B,)
        The hitting step (``T_max + 1`` if censored) and the ℓ1 measure when the run stopped.
    """
    s = _check(problem, sigma, D, beta, T_max, target)
    ids = _ids(trajectories)
    keys = trajectory_keys(seed, ids)
    hits = np.zeros(ids.size, dtype=np.int64)
    final = np.zeros(ids.size)
    _hit_kernel(
        keys,
        np.asarray(problem.x0, dtype=np.float64),
        np.asarray(problem.scales, dtype=np.float64),
        s,
        float(D),
        float(beta),
        bool(coordinatewise),
        int(T_max),
        float(target),
        hits,
        final,
    )
    return hits, final


def reference_run(
    problem: Any,
    sigma: Any,
    *,
    D: float,
    beta: float,
    coordinatewise: bool,
    T: int,
    seed: int = 0,
    trajectories: Any = 2,
) -> np.ndarray:
    r"""The same algorithm in NumPy, vectorised over trajectories, no early stop: the ℓ1
    measure :math:`\|\nabla F(\bar y_t)\|_1` after every step, shape (T, B). For tests."""
    s = _check(problem, sigma, D, beta, T, 1.0)
    ids = _ids(trajectories)
    keys = trajectory_keys(seed, ids)
    a = np.asarray(problem.scales, dtype=np.float64)
    d = a.size
    B = ids.size
    alpha = D * math.sqrt((1.0 + beta) / (1.0 - beta))
    x = np.broadcast_to(np.asarray(problem.x0, dtype=np.float64), (B, d)).copy()
    delta = np.zeros((B, d))
    m = np.zeros((B, d))
    v = np.zeros((B, d))
    vg = np.zeros(B)
    ybar = np.zeros((B, d))
    out = np.empty((T, B))
    for step in range(T):
        u = uniforms(keys, np.uint64(step), STREAM_SAMPLING)[:, None]
        j = np.uint64(step * d) + np.arange(d, dtype=np.uint64)
        u1 = uniforms(keys, np.uint64(2) * j, STREAM_NOISE)
        u2 = uniforms(keys, np.uint64(2) * j + np.uint64(1), STREAM_NOISE)
        z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(_TWO_PI * u2)
        b = (1.0 - beta) / (1.0 - beta ** (step + 1))
        y = x + u * delta
        x = x + delta
        g = a * np.sin(y) + np.where(s > 0, s, 0.0) * z
        m, v = adam_core.adam_moments(m, v, g, beta, beta * beta)
        vg = adam_core.ema(vg, (g * g).sum(axis=1), beta * beta)
        ybar = ybar + b * (y - ybar)
        out[step] = np.abs(a * np.sin(ybar)).sum(axis=1)
        if coordinatewise:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(v > 0, alpha * m / np.sqrt(v), 0.0)
            delta = -np.clip(r, -D, D)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(vg[:, None] > 0, alpha * m / np.sqrt(vg)[:, None], 0.0)
            n = np.linalg.norm(r, axis=1, keepdims=True)
            shrink = np.where(n > 0, np.minimum(1.0, D / np.where(n > 0, n, 1.0)), 1.0)
            delta = -r * shrink
    return out
