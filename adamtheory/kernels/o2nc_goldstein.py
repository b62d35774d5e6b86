r"""O2NC for Goldstein stationarity: the uniform conversion with windowed, restarted projected
OGD and window-average outputs (CMO23's method; theory/o2nc_goldstein.py, docs/theory §1.5).

Per window k of T steps (K windows, N = KT steps):

.. math::

    \Delta_{1} = 0,\quad x_n = x_{n-1} + \Delta_n,\quad w_n = x_{n-1} + s_n\Delta_n,\quad
    g_n = \nabla F(w_n) + \xi_n,\quad
    \Delta_{n+1} = \Pi_{\|\cdot\|\le D}(\Delta_n - \eta g_n),

with :math:`s_n \sim U[0,1]`; the output of window k is :math:`\bar x_k = \frac1T\sum_{n\in k}
w_n`. The kernel records :math:`\bar x_k`, the norm of the window's mean *exact* gradient
:math:`\|\bar g_k\|` (the proof's upper estimate of :math:`\|\nabla F(\bar x_k)\|_\delta`) and the
window's radius :math:`\max_{n\in k}\|w_n - \bar x_k\|` (≤ TD by the derivation).

Randomness is counter-based (:mod:`adamtheory.kernels.sampling`): trajectory i's key comes from
``(seed, trajectory id)`` and step n's draws from counters derived from n, so a trajectory's
numbers do not depend on the batch it runs in. This kernel never imports SymPy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import check_choice, check_int, check_positive
from .runner import environment
from .sampling import STREAM_NOISE, trajectory_keys, uniforms

__all__ = ["NOISE_KINDS", "STREAM_QUERY", "goldstein_o2nc_run"]

NOISE_KINDS = ("gaussian", "rademacher")
#: Stream of the query fractions s_n (streams keep a key's independent uses apart).
STREAM_QUERY = 5


def _noise(keys: np.ndarray, steps: np.ndarray, d: int, sigma: float, kind: str) -> np.ndarray:
    r"""Isotropic noise of total level σ (:math:`\mathbb E\|\xi\|^2 = \sigma^2`) for the given
    0-based global steps, shape (B, len(steps), d)."""
    B = keys.shape[0]
    if sigma == 0.0:
        return np.zeros((B, steps.size, d))
    pairs = (d + 1) // 2
    per = 2 * pairs
    counters = (steps[:, None].astype(np.uint64) * np.uint64(per)) + np.arange(per, dtype=np.uint64)
    u = uniforms(keys, counters.ravel(), STREAM_NOISE).reshape(B, steps.size, per)
    scale = sigma / math.sqrt(d)
    if kind == "rademacher":
        return scale * np.where(u[..., :d] < 0.5, -1.0, 1.0)
    # Box-Muller on (u1, u2) pairs; 1 - u1 in (0, 1] keeps the log finite
    r = np.sqrt(-2.0 * np.log1p(-u[..., 0::2]))
    ang = 2.0 * math.pi * u[..., 1::2]
    z = np.concatenate([r * np.cos(ang), r * np.sin(ang)], axis=-1)[..., :d]
    return scale * z


def goldstein_o2nc_run(
    problem: Any,
    *,
    D: float,
    eta: float,
    T: int,
    K: int,
    sigma: float = 0.0,
    noise: str = "gaussian",
    seed: int = 0,
    trajectories: int = 1,
    trajectory_ids: Any = None,
    x0: Any = None,
) -> dict[str, Any]:
    r"""Run the windowed O2NC method (module docstring) on ``problem``'s exact gradient oracle.

    Parameters
    ----------
    problem
        ``grad(x)`` on (B, d) arrays, ``dim``, ``x0``.
    D : float
        OGD's radius in (0, inf) (δ/T for the derived theorem).
    eta : float
        OGD's step in (0, inf).
    T, K : int
        Window length and number of windows, >= 1.
    sigma : float
        Total noise level in [0, inf): isotropic ``noise`` with :math:`\mathbb E\|\xi\|^2 =
        \sigma^2`.
    noise : {"gaussian", "rademacher"}
        Gaussian coordinates, or ±σ/√d per coordinate.
    seed : int
        Root seed (>= 0).
    trajectories : int
        B, used when ``trajectory_ids`` is None (ids 0..B-1).
    trajectory_ids : array of int, optional
        Global trajectory ids (a chunk of a larger run passes its slice).
    x0 : array, optional
        (d,) start; default ``problem.x0``.

    Returns
    -------
    dict
        ``xbar`` (B, K, d) window outputs; ``gbar_norm`` (B, K) norms of the windows' mean
        exact gradients; ``radius`` (B, K) window radii; ``x_final`` (B, d);
        ``max_query_grad`` (B,); ``params`` and ``environment``.
    """
    check_positive("D", D)
    check_positive("eta", eta)
    T = check_int("T", T, minimum=1)
    K = check_int("K", K, minimum=1)
    check_positive("sigma", sigma, allow_zero=True)
    check_choice("noise", noise, NOISE_KINDS)
    seed = check_int("seed", seed, minimum=0)
    if trajectory_ids is None:
        ids = np.arange(check_int("trajectories", trajectories, minimum=1))
    else:
        ids = np.asarray(trajectory_ids)
    keys = trajectory_keys(seed, ids)
    B, d = keys.shape[0], int(problem.dim)
    start = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    if start.shape != (d,) or not np.all(np.isfinite(start)):
        raise ValueError(f"x0 must be a finite vector of length dim = {d}")
    x = np.broadcast_to(start, (B, d)).copy()
    xbar = np.empty((B, K, d))
    gbar_norm = np.empty((B, K))
    radius = np.empty((B, K))
    max_query_grad = np.zeros(B)
    window = np.empty((T, B, d))
    for k in range(K):
        steps = np.arange(k * T, (k + 1) * T, dtype=np.int64)
        s_all = uniforms(keys, steps.astype(np.uint64), STREAM_QUERY)  # (B, T)
        xi_all = _noise(keys, steps, d, float(sigma), noise)  # (B, T, d)
        delta = np.zeros((B, d))  # the learner restarts in every window
        gsum = np.zeros((B, d))
        for t in range(T):
            w = x + s_all[:, t : t + 1] * delta
            x = x + delta
            window[t] = w
            grad = problem.grad(w)
            gsum += grad
            max_query_grad = np.maximum(max_query_grad, np.linalg.norm(grad, axis=1))
            step = delta - eta * (grad + xi_all[:, t])
            norm = np.linalg.norm(step, axis=1, keepdims=True)
            delta = step * np.minimum(1.0, D / np.where(norm > 0, norm, 1.0))
        mean = window.mean(axis=0)
        xbar[:, k] = mean
        gbar_norm[:, k] = np.linalg.norm(gsum / T, axis=1)
        radius[:, k] = np.max(np.linalg.norm(window - mean[None], axis=2), axis=0)
    return {
        "xbar": xbar,
        "gbar_norm": gbar_norm,
        "radius": radius,
        "x_final": x,
        "max_query_grad": max_query_grad,
        "params": {
            "D": float(D),
            "eta": float(eta),
            "T": T,
            "K": K,
            "sigma": float(sigma),
            "noise": noise,
            "seed": seed,
            "trajectories": B,
            "problem": getattr(problem, "name", type(problem).__name__),
        },
        "environment": environment(),
    }
