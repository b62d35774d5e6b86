r"""Numba kernel of AMC25 Lemma 3.1's *realized* terms for β-OMD in Option I (claim
O2NC-LEMMA31; docs/o2nc-lemma31.md).

One compiled loop per trajectory runs the uniform conversion (AMC25 Option I,
:math:`y_t = x_{t-1} + s_t\Delta_t`, :math:`x_t = x_{t-1} + \Delta_t`, :math:`s_t\sim U[0,1]`),
the β-OMD learner :math:`\Delta_{t+1} = \frac{\beta}{1+\eta\mu}(\Delta_t - \eta g_t)`,
:math:`\Delta_1 = 0` (AMC25 Lemma 3.2), and the model EMA :math:`\bar y_t` of the query points,
on a zero chain (:class:`~adamtheory.problems.o2nc_chain.ZeroChain`, Bernoulli frontier oracle)
or a radial Huber well (:class:`~adamtheory.problems.o2nc_hard.HuberWell`, isotropic Gaussian
noise). Alongside it keeps O(d) recursions for the lemma's right-hand side, with the learner's
losses :math:`\ell_s(\Delta) = \langle g_s, \Delta\rangle + \tfrac\mu2\|\Delta\|^2` (the losses
β-OMD with μ minimises; docs/theory §1.5) and the comparators
:math:`u_t = -D N_t/\|N_t\|`, :math:`N_t = \sum_{s\le t}\beta^{t-s}\nabla F(y_s)` (true
gradients):

.. math::
    A_t = \textstyle\sum_{s\le t}\beta^{t-s}\langle g_s,\Delta_s\rangle,\quad
    Q_t = \sum_{s\le t}\beta^{t-s}\|\Delta_s\|^2,\quad
    M_t = \sum_{s\le t}\beta^{t-s} g_s,\quad
    B_t = \sum_{s\le t}\beta^{t-s},

    \mathrm{Reg}_t^{[\beta]}(u_t) = A_t - \langle M_t, u_t\rangle
        + \tfrac\mu2\,(Q_t - B_t D^2).

With the weighting :math:`\mathcal W(z) = \beta z_T + (1-\beta)\sum_{t\le T} z_t` (the
lemma's, and :math:`\mathcal W(\sum_{s\le\cdot}\beta^{\cdot-s}a_s) = \sum_t a_t` for every
sequence a) the run satisfies the exact identity ``[derived]``

.. math::
    D\,\mathcal W(\|N\|) = \mathcal W(\mathrm{Reg}) - \sum_t\langle g_t,\Delta_t\rangle
        + \mathcal W(\langle M - N, u\rangle) - \tfrac\mu2\sum_t\|\Delta_t\|^2
        + \tfrac\mu2 D^2 T,

which the tests check to 1e-10; :math:`\mathcal W(\|N\|)/T` is
:math:`\mathbb E_\tau\|\sum_s w_{\tau s}\nabla F(y_s)\|` under AMC25 Definition 4's τ law.

Per trajectory the kernel returns the exact τ-average of the measure at the output
(:math:`\|\nabla F(\bar y_\tau)\|` on the chain at λ ≥ ρ/2; the well's certified lower
estimate, exact while :math:`\|\bar y\| \le r - h/(4\lambda)`), the proof's upper estimate
:math:`U_\tau = \|\sum_s w_{\tau s}\nabla F(y_s)\| + \lambda\sum_s w_{\tau s}\|y_s-\bar
y_\tau\|^2` (centred spread recursion), and the sums above.

Randomness: the chain's draws are those of :func:`~adamtheory.kernels.o2nc_chain.chain_omd_run`
(``s_t = u(step, STREAM_SAMPLING)``, ``z_t = [u(step, STREAM_ORACLE) < p]``), the well's those
of :func:`~adamtheory.kernels.o2nc_fused.huber_omd_run` (Box–Muller from STREAM_NOISE), so a
trajectory id gives the same run in either kernel and in any batch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange

from . import adam_core
from .o2nc_chain import _STREAM_ORACLE, _grad_window, _phi, _psi
from .o2nc_fused import _normal
from .parallel import parallel_kernel
from .sampling import STREAM_SAMPLING, trajectory_keys

ac = adam_core.jitted()

__all__ = ["OUTPUTS", "lemma31_run"]

#: the per-trajectory outputs, in the kernel's column order
OUTPUTS = (
    "measure_tau",  # E_tau of the exact (chain) / certified lower (well) measure at ybar_tau
    "U_tau",  # E_tau of the proof's upper estimate
    "grad_tau",  # W(||N||)/T = E_tau ||sum_s w ∇F(y_s)||
    "spread_tau",  # E_tau lambda sum_s w ||y_s - ybar||^2
    "reg_T",  # Reg_T(u_T)
    "reg_sum",  # sum_t Reg_t(u_t)
    "noise_T",  # <M_T - N_T, u_T>
    "noise_sum",  # sum_t <M_t - N_t, u_t>
    "gradnorm_T",  # ||N_T||
    "gradnorm_sum",  # sum_t ||N_t||
    "inner",  # sum_t <g_t, Delta_t>
    "inner_true",  # sum_t <∇F(y_t), Delta_t>
    "sq",  # sum_t ||Delta_t||^2
    "descent",  # F(x_0) - F(x_T) = sum_t (F(x_t) - F(w_t)) in Option I
    "max_query_grad",  # max_t ||∇F(y_t)||
    "progress",  # chain: prog_b(x_T); well: ||x_T||
)
_COL = {k: i for i, k in enumerate(OUTPUTS)}

_B = 0.5  # Psi = 0 on (-inf, b] (problems.o2nc_chain.B_ZERO)
_CHAIN, _WELL = 0, 1


@njit(cache=True)
def _chain_value(v: np.ndarray, scale: float, alpha: float, K: int) -> float:
    """F = alpha F_K(v/scale) (ZeroChain.value)."""
    out = -_phi(v[0] / scale)
    for i in range(1, K):
        a, b = v[i - 1] / scale, v[i] / scale
        out += _psi(-a) * _phi(-b) - _psi(a) * _phi(b)
    return alpha * out


@njit(cache=True)
def _grad(code: int, v: np.ndarray, out: np.ndarray, a: float, scale: float, K: int) -> float:
    """∇F at v into out, returning its norm. Chain: a = alpha, scale = s; well: a = G,
    scale = r (HuberWell.grad)."""
    if code == _CHAIN:
        _grad_window(v, scale, out, 0, K, K)
        gs = a / scale
        for j in range(K):
            out[j] *= gs
    else:
        n = 0.0
        for j in range(K):
            n += v[j] * v[j]
        den = max(math.sqrt(n), scale)
        for j in range(K):
            out[j] = a * v[j] / den
    n = 0.0
    for j in range(K):
        n += out[j] * out[j]
    return math.sqrt(n)


@parallel_kernel
def _kernel(
    code: int,
    keys: np.ndarray,
    K: int,
    a: float,
    scale: float,
    p: float,
    sigma_coord: float,
    lam: float,
    eta: float,
    beta: float,
    mu: float,
    D: float,
    T: int,
    x0: np.ndarray,
    out: np.ndarray,
) -> None:
    c = beta / (1.0 + eta * mu)
    h = a / scale  # the well's curvature
    for i in prange(keys.size):
        key = keys[i]
        x = x0.copy()
        delta = np.zeros(K)
        y = np.zeros(K)
        ybar = np.zeros(K)
        gt = np.zeros(K)
        g = np.zeros(K)
        gb = np.zeros(K)
        N = np.zeros(K)
        M = np.zeros(K)
        A = 0.0
        Q = 0.0
        Bs = 0.0
        V = 0.0
        bpow = 1.0
        meas_tau = 0.0
        U_tau = 0.0
        spread_tau = 0.0
        reg_sum = 0.0
        noise_sum = 0.0
        gn_sum = 0.0
        inner = 0.0
        inner_true = 0.0
        sq = 0.0
        max_grad = 0.0
        reg_t = 0.0
        noise_t = 0.0
        nN = 0.0
        for t in range(1, T + 1):
            step = t - 1
            s = ac.hash_uniform(
                key, np.uint64(step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56))
            )
            front = 0
            for j in range(K):
                y[j] = x[j] + s * delta[j]
                x[j] = x[j] + delta[j]
                if abs(y[j]) > _B * scale:
                    front = j + 1
            qn = _grad(code, y, gt, a, scale, K)
            max_grad = max(max_grad, qn)
            for j in range(K):
                g[j] = gt[j]
            if code == _CHAIN:
                if front < K:
                    z = ac.hash_uniform(
                        key, np.uint64(step) | (np.uint64(_STREAM_ORACLE) << np.uint64(56))
                    )
                    g[front] *= (1.0 / p) if z < p else 0.0
            elif sigma_coord > 0.0:
                for j in range(K):
                    g[j] += sigma_coord * _normal(key, np.uint64(step * K + j))
            # the loss l_t(Delta) = <g_t, Delta> + (mu/2)||Delta||^2 at the played Delta_t
            gd = 0.0
            gtd = 0.0
            dd = 0.0
            for j in range(K):
                gd += g[j] * delta[j]
                gtd += gt[j] * delta[j]
                dd += delta[j] * delta[j]
            A = beta * A + gd
            Q = beta * Q + dd
            Bs = beta * Bs + 1.0
            nn = 0.0
            mn = 0.0
            for j in range(K):
                N[j] = beta * N[j] + gt[j]
                M[j] = beta * M[j] + g[j]
                nn += N[j] * N[j]
                mn += M[j] * N[j]
            nN = math.sqrt(nn)
            # <M_t, u_t> with u_t = -D N_t/||N_t|| (-D e_1 if N_t = 0: any ||u|| = D serves)
            mu_t = -D * mn / nN if nN > 0.0 else -D * M[0]
            reg_t = A - mu_t + 0.5 * mu * (Q - Bs * D * D)
            noise_t = mu_t + D * nN
            reg_sum += reg_t
            noise_sum += noise_t
            gn_sum += nN
            inner += gd
            inner_true += gtd
            sq += dd
            for j in range(K):
                delta[j] = ac.omd_increment(delta[j], g[j], c, eta)
            bpow *= beta
            b = 1.0 - (beta - bpow) / (1.0 - bpow)
            r2 = 0.0
            for j in range(K):
                r2 += (y[j] - ybar[j]) ** 2
            V = (1.0 - b) * V + b * (1.0 - b) * r2
            for j in range(K):
                ybar[j] = ybar[j] + b * (y[j] - ybar[j])
            mb = _grad(code, ybar, gb, a, scale, K)
            if code == _WELL:  # HuberWell.stationarity_lower
                sb = 0.0
                for j in range(K):
                    sb += ybar[j] * ybar[j]
                sb = math.sqrt(sb)
                loss = max(h * h / (4.0 * lam) - h * (scale - sb), 0.0)
                mb = max(h * sb - loss, 0.0)
            if t < T:
                w = (1.0 - bpow) / T
            else:
                w = (1.0 - bpow) / ((1.0 - beta) * T)
            meas_tau += w * mb
            spread_tau += w * lam * V
            U_tau += w * ((1.0 - beta) / (1.0 - bpow) * nN + lam * V)
        o = out[i]
        o[0] = meas_tau
        o[1] = U_tau
        o[2] = (beta * nN + (1.0 - beta) * gn_sum) / T
        o[3] = spread_tau
        o[4] = reg_t
        o[5] = reg_sum
        o[6] = noise_t
        o[7] = noise_sum
        o[8] = nN
        o[9] = gn_sum
        o[10] = inner
        o[11] = inner_true
        o[12] = sq
        if code == _CHAIN:
            o[13] = _chain_value(x0, scale, a, K) - _chain_value(x, scale, a, K)
            prog = 0
            for j in range(K):
                if abs(x[j]) > _B * scale:
                    prog = j + 1
            o[15] = float(prog)
        else:
            s0 = 0.0
            s1 = 0.0
            for j in range(K):
                s0 += x0[j] * x0[j]
                s1 += x[j] * x[j]
            s0 = math.sqrt(s0)
            s1 = math.sqrt(s1)
            f0 = a * (s0 * s0 / (2.0 * scale) if s0 <= scale else s0 - scale / 2.0)
            f1 = a * (s1 * s1 / (2.0 * scale) if s1 <= scale else s1 - scale / 2.0)
            o[13] = f0 - f1
            o[15] = s1
        o[14] = max_grad


def lemma31_run(
    problem: Any,
    *,
    eta: float,
    beta: float,
    mu: float,
    D: float,
    T: int,
    lam: float,
    sigma: float = 0.0,
    seed: int = 0,
    trajectories: Any = 8,
) -> dict[str, np.ndarray]:
    r"""Run β-OMD in Option I with the model EMA and record AMC25 Lemma 3.1's realized terms.

    Parameters
    ----------
    problem : ZeroChain or HuberWell
        The instance (started at its ``x0``). The chain's oracle is its own (Bernoulli
        frontier); the well gets isotropic Gaussian noise of total level ``sigma``.
    eta, beta, mu : float
        β-OMD's step η > 0, discount β in (0, 1) (also the EMA's) and regulariser μ ≥ 0.
    D : float
        The comparators' radius D > 0 (:math:`u_t = -D N_t/\|N_t\|`).
    T : int
        Steps ≥ 1 (AMC25 Definition 4's horizon).
    lam : float
        λ > 0 of the measure and of U (the chain's measure is exact only for λ ≥ ρ/2).
    sigma : float
        The well's noise level ≥ 0 (ignored for the chain, whose oracle fixes its noise).
    seed : int
        Root seed of the trajectory keys.
    trajectories : int or sequence of int
        B (ids 0..B-1) or the global trajectory ids of this chunk.

    Returns
    -------
    dict
        One array (B,) per name in :data:`OUTPUTS` (``measure_tau``, ``U_tau``, ``reg_T``,
        ``reg_sum``, ``descent``, ...) and ``ids``.
    """
    from ..problems.o2nc_chain import ZeroChain
    from ..problems.o2nc_hard import HuberWell

    if isinstance(problem, ZeroChain):
        code, a, scale, p, sig = _CHAIN, problem.alpha, problem.s, problem.p, 0.0
        K = problem.K
    elif isinstance(problem, HuberWell):
        if not (math.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"sigma must be a finite number >= 0; got {sigma!r}")
        code, a, scale, p, K = _WELL, problem.G, problem.r, 1.0, problem.dim
        sig = sigma / math.sqrt(K)
    else:
        raise TypeError(f"problem must be a ZeroChain or a HuberWell; got {type(problem).__name__}")
    if not (0.0 < beta < 1.0):
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    for name, value, zero_ok in (("eta", eta, False), ("mu", mu, True), ("D", D, False)):
        if not (math.isfinite(value) and (value > 0 or (zero_ok and value == 0))):
            raise ValueError(f"{name} must be a finite number {'>=' if zero_ok else '>'} 0")
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a finite number > 0; got {lam!r}")
    if int(T) != T or int(T) < 1:
        raise ValueError(f"T must be an integer >= 1; got {T!r}")
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    out = np.zeros((ids.size, len(OUTPUTS)))
    x0 = np.asarray(problem.x0, dtype=np.float64)
    _kernel(
        code, keys, int(K), float(a), float(scale), float(p), float(sig), float(lam),
        float(eta), float(beta), float(mu), float(D), int(T), x0, out,
        steps=float(ids.size) * T * max(1, x0.size),
    )  # fmt: skip
    res = {k: out[:, j].copy() for k, j in _COL.items()}
    res["ids"] = ids
    return res
