r"""Fused Numba kernel of the O2NC runs on the certified Huber wells (docs/theory §1.5, §2).

One compiled loop does the conversion (``uniform``, ``schedule-free`` or ``anchored``), the
β-OMD learner :math:`\delta_{t+1} = \frac{\beta}{1+\eta\mu}(\delta_t - \eta g_t)`, the model
EMA of the query points, the online upper estimate
:math:`U_t = \|\sum_s w_{ts}\nabla F(y_s)\| + \lambda\sum_s w_{ts}\|y_s-\bar y_t\|^2` (centred
spread recursion, no cancellation) and the certified lower estimate of
:meth:`~adamtheory.problems.o2nc_hard.HuberWell.stationarity_lower` at :math:`\bar y_t`, with the
output index τ integrated exactly under AMC25 Definition 4 (or uniformly).

Randomness is counter-based (:mod:`adamtheory.kernels.sampling`): trajectory ``i`` draws from its
key ``trajectory_keys(seed, [i])`` only, at counters fixed by the step, so a chunk of trajectory
ids gives exactly the numbers of the same ids in a larger batch. The draws are
``s_t = u(step, STREAM_SAMPLING)`` (uniform on [0, 1)), the anchored conversion's reservoir
draw ``u(T_total + step, STREAM_SAMPLING)``, and Gaussian noise by Box–Muller from
``u(2(step·d + j), STREAM_NOISE)`` and ``u(2(step·d + j) + 1, STREAM_NOISE)``;
:func:`draws` returns the same numbers in NumPy, so :func:`~adamtheory.kernels.conversion.o2nc_run`
fed with them (``s_draws``, ``noise_draws``) reproduces this kernel to rounding (tested).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from . import adam_core
from .sampling import STREAM_NOISE, STREAM_SAMPLING, trajectory_keys, uniforms

# K's single hash definition, registered for nopython mode (this module imports Numba anyway)
ac = adam_core.jitted()

__all__ = ["CONVERSIONS", "coordinate_scale_run", "draws", "huber_omd_run"]

CONVERSIONS = ("uniform", "schedule-free", "anchored", "exponential")
_CODES = {name: k for k, name in enumerate(CONVERSIONS)}
_TWO_PI = 2.0 * math.pi


def _counter(step: Any, stream: int) -> Any:
    return np.uint64(step) | (np.uint64(stream) << np.uint64(56))


@njit(cache=True)
def _normal(key: np.uint64, j: np.uint64) -> float:
    c1 = (np.uint64(2) * j) | (np.uint64(STREAM_NOISE) << np.uint64(56))
    c2 = (np.uint64(2) * j + np.uint64(1)) | (np.uint64(STREAM_NOISE) << np.uint64(56))
    u1 = ac.hash_uniform(key, c1)
    u2 = ac.hash_uniform(key, c2)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)


@njit(cache=True)
def _kernel(
    keys: np.ndarray,
    x0: np.ndarray,
    G: float,
    r: float,
    lam: float,
    eta: float,
    beta: float,
    mu: float,
    sigma_coord: float,
    conv: int,
    T: int,
    epochs: int,
    amc25: bool,
    trace: np.ndarray,
    target: float,
    adam: bool,
    beta2: float,
    gamma: float,
    nu: float,
    clip: float,
    shape: int,
    g1: float,
    foot: float,
    out: np.ndarray,
    out_trace: np.ndarray,
) -> None:
    # shape 0: Huber well (G, r); 1: cliff and ramp (slopes G, g1; foot b), one dimension
    B, d = x0.shape
    c = beta / (1.0 + eta * mu)
    zeta = c
    h = G / r
    total = T * epochs
    x = np.empty(d)
    anchor = np.empty(d)
    nxt = np.empty(d)
    delta = np.empty(d)
    y = np.empty(d)
    gy = np.empty(d)
    ybar = np.empty(d)
    gbar = np.empty(d)
    gvec = np.empty(d)
    mom = np.empty(d)
    for i in range(B):
        key = keys[i]
        for j in range(d):
            x[j] = x0[i, j]
            anchor[j] = x0[i, j]
        u_tau = 0.0
        low_tau = 0.0
        gn_tau = 0.0
        max_grad = 0.0
        step = 0
        ptr = 0
        u_sum = 0.0
        hit = -1.0
        for _epoch in range(epochs):
            if hit > 0:
                break
            vsec = 0.0
            for j in range(d):
                delta[j] = 0.0
                mom[j] = 0.0
                ybar[j] = 0.0
                gbar[j] = 0.0
                nxt[j] = anchor[j]
            spread = 0.0
            bpow = 1.0
            for t in range(1, T + 1):
                s = ac.hash_uniform(
                    key, np.uint64(step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56))
                )
                if conv == 2:  # anchored: reservoir sample of w_1..w_t
                    pick = ac.hash_uniform(
                        key,
                        np.uint64(total + step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56)),
                    )
                    take = pick * t < 1.0
                norm2 = 0.0
                for j in range(d):
                    if conv == 0:
                        y[j] = x[j] + s * delta[j]
                        x[j] = x[j] + delta[j]
                    elif conv == 1:  # Delta_t = delta_t / zeta
                        inc = delta[j] / zeta
                        x[j] = x[j] + inc
                        y[j] = x[j] + zeta * s * inc
                    elif conv == 2:
                        y[j] = anchor[j] + s * delta[j]
                        if take:
                            nxt[j] = anchor[j] + delta[j]
                    else:  # exponential: s ~ Exp(1), queried at the new iterate
                        x[j] = x[j] - math.log(1.0 - s) * delta[j]
                        y[j] = x[j]
                    norm2 += y[j] * y[j]
                if shape == 0:
                    scale = G / max(math.sqrt(norm2), r)
                else:
                    sn = math.sqrt(norm2)
                    scale = 0.0 if sn == 0.0 else (g1 if sn <= foot else G) / sn
                qn = 0.0
                for j in range(d):
                    gy[j] = scale * y[j]
                    qn += gy[j] * gy[j]
                max_grad = max(max_grad, math.sqrt(qn))
                g2 = 0.0
                for j in range(d):
                    noise = 0.0
                    if sigma_coord > 0.0:
                        noise = sigma_coord * _normal(key, np.uint64(step * d + j))
                    gvec[j] = gy[j] + noise
                    g2 += gvec[j] * gvec[j]
                if not adam:
                    for j in range(d):
                        delta[j] = c * (delta[j] - eta * gvec[j])
                else:  # clipped Adam, global clip (2602.08372 Theorem 5's update)
                    vsec = ac.ema(vsec, g2, beta2)
                    den = nu + math.sqrt(vsec)
                    un2 = 0.0
                    for j in range(d):
                        mom[j] = ac.ema(mom[j], gvec[j], beta)
                        delta[j] = ac.safe_divide(gamma * mom[j], den)
                        un2 += delta[j] * delta[j]
                    un = math.sqrt(un2)
                    shrink = min(1.0, clip / un) if un > 0.0 else 1.0
                    for j in range(d):
                        delta[j] = -delta[j] * shrink
                bpow *= beta
                a = (beta - bpow) / (1.0 - bpow)
                b = 1.0 - a
                diff2 = 0.0
                for j in range(d):
                    diff = y[j] - ybar[j]
                    diff2 += diff * diff
                spread = a * spread + a * b * diff2
                gb2 = 0.0
                yb2 = 0.0
                for j in range(d):
                    ybar[j] = ybar[j] + b * (y[j] - ybar[j])
                    gbar[j] = a * gbar[j] + b * gy[j]
                    gb2 += gbar[j] * gbar[j]
                    yb2 += ybar[j] * ybar[j]
                U = math.sqrt(gb2) + lam * spread
                if not amc25:
                    p = 1.0 / T
                elif t < T:
                    p = (1.0 - bpow) / T
                else:
                    p = (1.0 - bpow) / ((1.0 - beta) * T)
                sb = math.sqrt(yb2)
                if shape == 0:
                    gn = G * sb / max(sb, r)
                    loss = max(h * h / (4.0 * lam) - h * (r - sb), 0.0)
                    low = max(h * sb - loss, 0.0)
                elif sb == 0.0:
                    gn = 0.0
                    low = 0.0
                else:  # CliffRamp.stationarity_lower
                    gn = g1 if sb <= foot else G
                    m = sb - foot
                    a_c = (G + g1) / (sb * sb) + ((G - g1) / (m * m) if m > 0.0 else 0.0)
                    low = gn * min(1.0, lam / a_c)
                u_tau += p * U / epochs
                low_tau += p * low / epochs
                gn_tau += p * gn / epochs
                step += 1
                if ptr < trace.size and trace[ptr] == step:  # U_t at the trace's global steps
                    out_trace[i, ptr] = U
                    ptr += 1
                u_sum += U
                if target > 0.0 and u_sum <= target * step:  # running uniform mean <= target
                    hit = float(step)
                    break
            if conv == 2:
                for j in range(d):
                    anchor[j] = nxt[j]
        out[i, 0] = u_tau
        out[i, 1] = low_tau
        out[i, 2] = gn_tau
        out[i, 3] = max_grad
        out[i, 4 + d] = hit
        for j in range(d):
            out[i, 4 + j] = ybar[j]


def huber_omd_run(
    problem: Any,
    *,
    eta: float,
    beta: float,
    mu: float,
    sigma: float,
    lam: float,
    T: int,
    conversion: str = "uniform",
    epochs: int = 1,
    seed: int = 0,
    trajectories: Any = 8,
    tau_law: str = "amc25",
    stop_below: float | None = None,
    adam: dict[str, float] | None = None,
) -> dict[str, np.ndarray]:
    r"""Run β-OMD in an O2NC conversion on a :class:`~adamtheory.problems.o2nc_hard.HuberWell`
    or :class:`~adamtheory.problems.o2nc_hard.CliffRamp`.

    The EMA discount is the learner's β; noise is isotropic Gaussian of total level σ
    (:math:`\sigma/\sqrt d` per coordinate).

    Parameters
    ----------
    problem : HuberWell or CliffRamp
        The instance (its ``G``, ``r`` or ``g1``, ``b``, ``x0``, ``dim``).
    eta, beta, mu : float
        β-OMD's step η > 0, discount β in (0, 1) and regulariser μ ≥ 0.
    sigma : float
        Noise level ≥ 0.
    lam : float
        λ > 0 of the upper and lower estimates.
    T : int
        Steps (per epoch for ``"anchored"``), ≥ 1.
    conversion : {"uniform", "schedule-free", "anchored", "exponential"}
        AMC25 Options I, III, II, and ZC24's exponential conversion (docs/theory §1.5).
    epochs : int
        Epochs N (``"anchored"`` only), ≥ 1.
    seed : int
        Root seed of the trajectory keys.
    trajectories : int or sequence of int
        B (ids 0..B-1) or the global trajectory ids of this chunk.
    tau_law : {"amc25", "uniform"}
        The output index's law.
    adam : dict, optional
        ``{"D", "beta2", "gamma", "nu"}``: run clipped Adam with a global clip instead of
        β-OMD, :math:`m_t = \beta m_{t-1} + (1-\beta)g_t`,
        :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)\|g_t\|^2`,
        :math:`\Delta_{t+1} = -\mathrm{clip}_D(\gamma m_t/(\nu + \sqrt{v_t}))` (β is
        :math:`\beta_1`; η and μ are then ignored).
    stop_below : float, optional
        Stop each trajectory at the first step k where the running mean
        :math:`\frac1k\sum_{t\le k}U_t` is ≤ this target (``hit_step``; ``inf`` if never);
        the τ-averages are then partial and must not be used.

    Returns
    -------
    dict
        ``U_tau``, ``lower_tau``, ``gradnorm_tau`` (E_τ per trajectory), ``max_query_grad``,
        ``ybar_final`` (B, d), ``ids``, ``hit_step`` (see ``stop_below``), and ``U_t`` at
        60 log-spaced global steps (``trace_step``, ``trace_U`` of shape (B, 60 or fewer)).
    """
    from ..problems.o2nc_hard import CliffRamp, HuberWell

    if not isinstance(problem, (HuberWell, CliffRamp)):
        raise TypeError(f"problem must be a HuberWell or a CliffRamp; got {type(problem).__name__}")
    cliff = isinstance(problem, CliffRamp)
    if conversion not in _CODES:
        raise ValueError(f"conversion must be one of {CONVERSIONS}; got {conversion!r}")
    if tau_law not in ("amc25", "uniform"):
        raise ValueError(f"tau_law must be 'amc25' or 'uniform'; got {tau_law!r}")
    if not (0.0 < beta < 1.0):
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    for name, value, zero_ok in (("eta", eta, False), ("mu", mu, True), ("sigma", sigma, True)):
        if not (math.isfinite(value) and (value > 0 or (zero_ok and value == 0))):
            raise ValueError(f"{name} must be a finite number {'>=' if zero_ok else '>'} 0")
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0; got {lam!r}")
    if int(T) < 1 or int(epochs) < 1:
        raise ValueError(f"T and epochs must be integers >= 1; got {T!r}, {epochs!r}")
    if epochs > 1 and conversion != "anchored":
        raise ValueError("epochs must be 1 unless conversion='anchored'")
    if adam is not None:
        if set(adam) != {"D", "beta2", "gamma", "nu"}:
            raise ValueError(f"adam must have the keys D, beta2, gamma, nu; got {sorted(adam)}")
        if not (adam["D"] > 0 and 0 <= adam["beta2"] < 1 and adam["gamma"] > 0):
            raise ValueError("adam needs D > 0, beta2 in [0, 1), gamma > 0")
        if not adam["nu"] >= 0:
            raise ValueError(f"adam's nu must be >= 0; got {adam['nu']!r}")
    elif conversion == "schedule-free" and beta / (1 + eta * mu) <= 0:  # pragma: no cover
        raise ValueError("schedule-free needs zeta > 0")
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    d = problem.dim
    x0 = np.broadcast_to(np.asarray(problem.x0, dtype=np.float64), (ids.size, d)).copy()
    out = np.zeros((ids.size, 5 + d))
    total = int(T) * int(epochs)
    trace = np.unique(np.round(np.geomspace(1, total, 60)).astype(np.int64))
    out_trace = np.full((ids.size, trace.size), np.nan)
    _kernel(
        keys,
        x0,
        float(problem.G),
        1.0 if cliff else float(problem.r),
        float(lam),
        float(eta),
        float(beta),
        float(mu),
        float(sigma) / math.sqrt(d),
        _CODES[conversion],
        int(T),
        int(epochs),
        tau_law == "amc25",
        trace,
        -1.0 if stop_below is None else float(stop_below),
        adam is not None,
        0.0 if adam is None else float(adam["beta2"]),
        0.0 if adam is None else float(adam["gamma"]),
        0.0 if adam is None else float(adam["nu"]),
        0.0 if adam is None else float(adam["D"]),
        int(cliff),
        float(problem.g1) if cliff else 0.0,
        float(problem.b) if cliff else 0.0,
        out,
        out_trace,
    )
    return {
        "U_tau": out[:, 0].copy(),
        "lower_tau": out[:, 1].copy(),
        "gradnorm_tau": out[:, 2].copy(),
        "max_query_grad": out[:, 3].copy(),
        "ybar_final": out[:, 4 : 4 + d].copy(),
        "hit_step": np.where(out[:, 4 + d] > 0, out[:, 4 + d], np.inf),
        "ids": ids,
        "trace_step": trace,
        "trace_U": out_trace,
    }


def draws(
    seed: int, trajectories: Any, T: int, dim: int, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's s_t and noise draws in NumPy, shapes (T, B) and (T, B, d), for
    :func:`~adamtheory.kernels.conversion.o2nc_run`'s ``s_draws``/``noise_draws`` (one epoch)."""
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    steps = np.arange(T, dtype=np.uint64)
    s = uniforms(keys, steps, STREAM_SAMPLING).T
    j = (steps[:, None] * np.uint64(dim) + np.arange(dim, dtype=np.uint64)[None]).ravel()
    u1 = uniforms(keys, np.uint64(2) * j, STREAM_NOISE)
    u2 = uniforms(keys, np.uint64(2) * j + np.uint64(1), STREAM_NOISE)
    z = np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(_TWO_PI * u2)  # (B, T*d)
    noise = (sigma / math.sqrt(dim)) * z.reshape(ids.size, T, dim).transpose(1, 0, 2)
    return s, noise


@njit(cache=True)
def _coord_kernel(
    keys: np.ndarray,
    x0: np.ndarray,
    scales: np.ndarray,
    D: float,
    beta: float,
    coordinatewise: bool,
    T: int,
    out: np.ndarray,
) -> None:
    B, d = x0.shape
    beta2 = beta * beta
    gamma = D * math.sqrt((1.0 + beta) / (1.0 - beta))
    x = np.empty(d)
    y = np.empty(d)
    delta = np.empty(d)
    m = np.empty(d)
    v = np.empty(d)
    ybar = np.empty(d)
    for i in range(B):
        key = keys[i]
        vg = 0.0
        for j in range(d):
            x[j] = x0[i, j]
            delta[j] = 0.0
            m[j] = 0.0
            v[j] = 0.0
            ybar[j] = 0.0
        bpow = 1.0
        for step in range(T):
            s = ac.hash_uniform(
                key, np.uint64(step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56))
            )
            g2 = 0.0
            bpow *= beta
            b = 1.0 - (beta - bpow) / (1.0 - bpow)
            for j in range(d):
                y[j] = x[j] + s * delta[j]
                x[j] = x[j] + delta[j]
                g = scales[j] * math.sin(y[j])
                m[j], v[j] = ac.adam_moments(m[j], v[j], g, beta, beta2)
                g2 += g * g
                ybar[j] = ybar[j] + b * (y[j] - ybar[j])
            vg = ac.ema(vg, g2, beta2)
            if coordinatewise:
                for j in range(d):
                    delta[j] = ac.clipped_increment(m[j], v[j], gamma, D)
            else:
                den = math.sqrt(vg)
                un2 = 0.0
                for j in range(d):
                    delta[j] = ac.safe_divide(gamma * m[j], den)
                    un2 += delta[j] * delta[j]
                un = math.sqrt(un2)
                shrink = min(1.0, D / un) if un > 0.0 else 1.0
                for j in range(d):
                    delta[j] = -delta[j] * shrink
        l1 = 0.0
        for j in range(d):
            l1 += abs(scales[j] * math.sin(ybar[j]))
        out[i] = l1


def coordinate_scale_run(
    problem: Any,
    *,
    D: float,
    beta: float,
    coordinatewise: bool,
    T: int,
    seed: int = 0,
    trajectories: Any = 2,
) -> np.ndarray:
    r"""Clipped Adam (clipped β-FTRL: :math:`\beta_2 = \beta^2`, ν = 0,
    :math:`\gamma = D\sqrt{(1+\beta)/(1-\beta)}`; coordinate-wise or global clip) in the uniform
    conversion on a :class:`~adamtheory.problems.o2nc_coords.CoordinateScale` problem
    :math:`F = \sum_i a_i(1-\cos x_i)`, exact gradients; returns
    :math:`\|\nabla F(\bar y_T)\|_1` per trajectory (the output EMA with discount β).
    Counter-based draws as :func:`huber_omd_run` (``s_t`` only)."""
    from ..problems.o2nc_coords import CoordinateScale

    if not isinstance(problem, CoordinateScale):
        raise TypeError(f"problem must be a CoordinateScale; got {type(problem).__name__}")
    if not (0.0 < beta < 1.0) or not D > 0 or int(T) < 1:
        raise ValueError(f"need beta in (0, 1), D > 0, T >= 1; got {beta!r}, {D!r}, {T!r}")
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    d = problem.dim
    x0 = np.broadcast_to(np.asarray(problem.x0, dtype=np.float64), (ids.size, d)).copy()
    out = np.zeros(ids.size)
    _coord_kernel(
        keys,
        x0,
        np.asarray(problem.scales, dtype=np.float64),
        float(D),
        float(beta),
        bool(coordinatewise),
        int(T),
        out,
    )
    return out
