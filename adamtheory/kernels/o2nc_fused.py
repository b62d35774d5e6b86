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

__all__ = [
    "ABLATION_PROBLEMS",
    "CONVERSIONS",
    "ablation_run",
    "coordinate_scale_run",
    "draws",
    "exponential_draws",
    "huber_omd_run",
]

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
                        delta[j] = ac.omd_increment(delta[j], gvec[j], c, eta)
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


@njit(cache=True)
def _box_muller(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    out = np.empty(u1.shape)
    for i in range(u1.size):
        out.flat[i] = math.sqrt(-2.0 * math.log(1.0 - u1.flat[i])) * math.cos(_TWO_PI * u2.flat[i])
    return out


@njit(cache=True)
def exponential_draws(s: np.ndarray) -> np.ndarray:
    r""":math:`-\log(1-s)` elementwise with the kernels' scalar ``log`` (the Exp(1) times of the
    exponential conversion, as the kernels compute them from the uniforms ``s``)."""
    out = np.empty(s.shape)
    for i in range(s.size):
        out.flat[i] = -math.log(1.0 - s.flat[i])
    return out


def draws(
    seed: int, trajectories: Any, T: int, dim: int, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's s_t and noise draws, shapes (T, B) and (T, B, d), for
    :func:`~adamtheory.kernels.conversion.o2nc_run`'s ``s_draws``/``noise_draws`` (one epoch).

    The uniforms come from the NumPy streams; the transcendental functions are evaluated with
    the kernels' scalar ``log``/``cos``/``sqrt`` (compiled loops), not NumPy's ufuncs: on CPUs
    with AVX-512, NumPy dispatches ``log`` and ``cos`` to vectorised implementations that can
    differ from the scalar library in the last bit, and a 1-ulp difference in a draw grows to
    ~1e-12 over a few hundred steps of a run.
    """
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    steps = np.arange(T, dtype=np.uint64)
    s = uniforms(keys, steps, STREAM_SAMPLING).T
    j = (steps[:, None] * np.uint64(dim) + np.arange(dim, dtype=np.uint64)[None]).ravel()
    u1 = uniforms(keys, np.uint64(2) * j, STREAM_NOISE)
    u2 = uniforms(keys, np.uint64(2) * j + np.uint64(1), STREAM_NOISE)
    z = _box_muller(np.ascontiguousarray(u1), np.ascontiguousarray(u2))  # (B, T*d)
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


# ----------------------------------------------------------------------------- ablations
# Clipped Adam (global clip) in the exponential conversion with a per-trajectory output EMA on
# the smooth O2NC test problems: the runs of the ABLATE claim (claims/o2nc_ablate.py).

#: problems of :func:`ablation_run` by name, and their integer codes in the kernel
ABLATION_PROBLEMS = {
    "smoothed_cone": 0,
    "cosine_landscape": 1,
    "log_cosh_valley": 2,
    "double_well": 3,
}


@njit(cache=True)
def _smooth_grad(code, y, centre, rho, freq, Q, amp, width, u, out):
    r"""``out`` = ∇F(y) of problem ``code`` (``u`` scratch): the smoothed cone
    :math:`(y-c)/\sqrt{\|y-c\|^2+\rho^2}`, the cosine landscape :math:`-\sin(a_i y_i)`, the
    log-cosh valley :math:`Q^\top(a\odot\tanh(Q(y-c)/w))`, the double well
    :math:`\tanh(u_i)(1 - a\,\mathrm{sech}\,u_i)` with :math:`u = y/w` (bump a = ``rho``,
    width w = ``width[0]``) (the formulas of :mod:`adamtheory.problems.o2nc_suite` and
    :mod:`adamtheory.problems.smooth`)."""
    d = y.size
    if code == 0:
        s = 0.0
        for j in range(d):
            u[j] = y[j] - centre[j]
            s += u[j] * u[j]
        r = math.sqrt(s + rho * rho)
        for j in range(d):
            out[j] = u[j] / r
    elif code == 1:
        for j in range(d):
            out[j] = -math.sin(freq[j] * y[j])
    elif code == 3:
        for j in range(d):
            uj = y[j] / width[0]
            e = math.exp(-abs(uj))
            out[j] = math.tanh(uj) * (1.0 - rho * (2.0 * e / (1.0 + e * e)))
    else:
        for i in range(d):
            s = 0.0
            for j in range(d):
                s += (y[j] - centre[j]) * Q[i, j]
            u[i] = amp[i] * math.tanh(s / width[i])
        for j in range(d):
            s = 0.0
            for i in range(d):
                s += u[i] * Q[i, j]
            out[j] = s


@njit(cache=True)  # serial: ~3e6 steps per problem; a parallel kernel compiles ~3x slower
def _ablation_kernel(
    keys,
    x0,
    code,
    centre,
    rho,
    freq,
    Q,
    amp,
    width,
    beta1,
    beta2,
    gamma,
    ema,
    D,
    nu,
    lam,
    sigma_coord,
    T,
    out,
):
    B, d = x0.shape
    for i in range(B):
        key = keys[i]
        x = x0[i].copy()
        y = np.empty(d)
        gy = np.empty(d)
        g = np.empty(d)
        u = np.empty(d)
        delta = np.zeros(d)
        mom = np.zeros(d)
        ybar = np.zeros(d)
        gbar = np.zeros(d)
        scratch = np.empty(d)
        v = 0.0
        spread = 0.0
        bpow = 1.0
        u_tau = 0.0
        max_grad = 0.0
        valid = 1.0
        b1, b2, ga, e = beta1[i], beta2[i], gamma[i], ema[i]
        for t in range(1, T + 1):
            step = t - 1
            s_u = ac.hash_uniform(
                key, np.uint64(step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56))
            )
            s = -math.log(1.0 - s_u)  # Exp(1) by inversion
            for j in range(d):
                x[j] = x[j] + s * delta[j]
                y[j] = x[j]
            _smooth_grad(code, y, centre, rho, freq, Q, amp, width, scratch, gy)
            qn = 0.0
            finite = True
            for j in range(d):
                qn += gy[j] * gy[j]
                finite = finite and np.isfinite(y[j])
            qn = math.sqrt(qn)
            if not (finite and np.isfinite(qn)):
                valid = 0.0  # ABLATE reports such a run as an error; stop it here
                break
            max_grad = max(max_grad, qn)
            g2 = 0.0
            for j in range(d):
                noise = 0.0
                if sigma_coord > 0.0:
                    noise = sigma_coord * _normal(key, np.uint64(step * d + j))
                g[j] = gy[j] + noise
                g2 += g[j] * g[j]
            # ClippedAdamLearner.update, global clip (the moments by the one EMA of adam_core)
            v = ac.ema(v, g2, b2)
            den = nu + math.sqrt(v)
            un2 = 0.0
            for j in range(d):
                mom[j] = ac.ema(mom[j], g[j], b1)
                u[j] = ga * mom[j] / den if den > 0.0 else 0.0
                un2 += u[j] * u[j]
            un = math.sqrt(un2)
            shrink = min(1.0, D / (un if un > 0.0 else 1.0))
            for j in range(d):
                delta[j] = -u[j] * shrink
            # the output EMA of the query points and U_t (centred spread recursion)
            bpow = bpow * e
            a = (e - bpow) / (1.0 - bpow)
            b = 1.0 - a
            diff2 = 0.0
            for j in range(d):
                diff = y[j] - ybar[j]
                diff2 += diff * diff
                ybar[j] = ybar[j] + b * diff
                gbar[j] = a * gbar[j] + b * gy[j]
            spread = a * spread + (a * b) * diff2
            gb2 = 0.0
            for j in range(d):
                gb2 += gbar[j] * gbar[j]
            u_tau += (1.0 / T) * (math.sqrt(gb2) + lam * spread)
        _smooth_grad(code, ybar, centre, rho, freq, Q, amp, width, scratch, gy)
        gn = 0.0
        for j in range(d):
            gn += gy[j] * gy[j]
        out[i, 0] = u_tau
        out[i, 1] = math.sqrt(gn)
        out[i, 2] = max_grad
        out[i, 3] = valid


def ablation_run(
    problem: Any,
    *,
    beta1: Any,
    beta2: Any,
    gamma: Any,
    ema: Any,
    D: float,
    T: int,
    lam: float,
    sigma: float,
    x0: Any = None,
    seed: int = 0,
    trajectories: Any = 8,
    nu: float = 0.0,
) -> dict[str, np.ndarray]:
    r"""Clipped Adam (global clip) in the exponential conversion, with output EMA, fused.

    Per trajectory (parameters per trajectory: ``beta1``, ``beta2``, ``gamma``, ``ema``),

    .. math::

        x_t = x_{t-1} + s_t\Delta_t,\ y_t = x_t,\ g_t = \nabla F(y_t) + \xi_t,\quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\ v_t = \beta_2 v_{t-1} + (1-\beta_2)\|g_t\|^2,

        \Delta_{t+1} = -\operatorname{clip}_D\big(\gamma m_t/(\nu + \sqrt{v_t})\big),\qquad
        \bar y_t = \text{the normalised EMA (decay ``ema``) of } y_1..y_t,

    (2602.08372 Theorem 5's update; ZC24's exponential conversion, docs/theory §1.5) and
    :math:`U_t = \|\bar g_t\| + \lambda\,\mathrm{spread}_t` (docs/theory §2) averaged with
    τ uniform on 1..T: what :func:`~adamtheory.kernels.conversion.o2nc_run` computes for a
    :class:`~adamtheory.kernels.conversion.ClippedAdamLearner` with
    ``coordinatewise=False``, ``conversion="exponential"``, ``tau_law="uniform"`` and
    ``lower=False``, fed with this kernel's draws (equal to rounding, tested). Draws are
    counter-based: :math:`s_t = -\log(1-u_t)` with :math:`u_t` the uniform at counter
    ``t - 1`` of stream STREAM_SAMPLING, the noise as in :func:`draws` (isotropic, σ/√d per
    coordinate); trajectories with the same id get the same draws (common random numbers).

    Parameters
    ----------
    problem : SmoothedCone, CosineLandscape, LogCoshValley or DoubleWell
    beta1, beta2, gamma, ema : float or (B,) array
        β1 in [0, 1), β2 in [0, 1), γ > 0, output EMA decay in [0, 1) (0: the last iterate).
    D : float
        The clip radius > 0.
    T : int
        Steps >= 1.
    lam, sigma : float
        λ >= 0 of U_t and the total noise level σ >= 0.
    x0 : array_like, optional
        (d,) start; default ``problem.x0``.
    seed : int
        Root seed of the keys.
    trajectories : int or sequence of int
        B (ids 0..B-1) or the trajectory ids (repeat an id for common random numbers).
    nu : float
        ν >= 0 added to √v.

    Returns
    -------
    dict
        ``U_tau``, ``gradnorm_final`` (‖∇F(ȳ_T)‖), ``max_query_grad`` and ``valid`` (False: a
        non-finite query point or gradient; the run stopped there), each (B,).
    """
    name = getattr(problem, "name", None)
    if name not in ABLATION_PROBLEMS:
        raise TypeError(f"problem must be one of {sorted(ABLATION_PROBLEMS)}; got {name!r}")
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    B, d = ids.size, int(problem.dim)
    cols = {}
    for key, value in (("beta1", beta1), ("beta2", beta2), ("ema", ema)):
        arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (B,)).copy()
        if not np.all((arr >= 0.0) & (arr < 1.0)):
            raise ValueError(f"{key} must lie in [0, 1); got {value!r}")
        cols[key] = arr
    gam = np.broadcast_to(np.asarray(gamma, dtype=np.float64), (B,)).copy()
    if not np.all(np.isfinite(gam) & (gam > 0)):
        raise ValueError(f"gamma must be finite and > 0; got {gamma!r}")
    for key, value in (("D", D), ("lam", lam), ("sigma", sigma), ("nu", nu)):
        if not (math.isfinite(value) and (value > 0 or (key != "D" and value == 0))):
            raise ValueError(f"{key} must be a finite number {'>' if key == 'D' else '>='} 0")
    if int(T) < 1:
        raise ValueError(f"T must be an integer >= 1; got {T!r}")
    start = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    start = np.ascontiguousarray(np.broadcast_to(start, (B, d)))
    if not np.all(np.isfinite(start)):
        raise ValueError("x0 must be finite")
    zeros = np.zeros(d)
    code = ABLATION_PROBLEMS[name]
    centre = np.asarray(getattr(problem, "centre", zeros), dtype=np.float64)
    freq = np.asarray(getattr(problem, "frequencies", zeros), dtype=np.float64)
    Q = np.asarray(getattr(problem, "rotation", np.eye(d)), dtype=np.float64)
    amp = np.asarray(getattr(problem, "amplitudes", zeros), dtype=np.float64)
    width = np.asarray(getattr(problem, "widths", np.ones(d)), dtype=np.float64)
    rho = float(getattr(problem, "rho", 0.0))
    if code == ABLATION_PROBLEMS["double_well"]:  # its bump and (scalar) width
        rho, width = float(problem.bump), np.full(d, float(problem.width))
    out = np.zeros((B, 4))
    _ablation_kernel(
        trajectory_keys(seed, ids),
        start,
        code,
        np.ascontiguousarray(centre),
        rho,
        np.ascontiguousarray(freq),
        np.ascontiguousarray(Q),
        np.ascontiguousarray(amp),
        np.ascontiguousarray(width),
        cols["beta1"],
        cols["beta2"],
        gam,
        cols["ema"],
        float(D),
        float(nu),
        float(lam),
        float(sigma) / math.sqrt(d),
        int(T),
        out,
    )
    return {
        "U_tau": out[:, 0].copy(),
        "gradnorm_final": out[:, 1].copy(),
        "max_query_grad": out[:, 2].copy(),
        "valid": out[:, 3] > 0,
    }
