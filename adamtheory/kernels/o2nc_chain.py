r"""Fused Numba kernel of β-OMD on the probabilistic zero chain (docs/o2nc.md "The zero-chain
instance"; :class:`~adamtheory.problems.o2nc_chain.ZeroChain`).

One compiled loop per trajectory runs AMC25's uniform conversion (Option I,
:math:`y_t = x_{t-1} + s_t\delta_t`, :math:`x_t = x_{t-1} + \delta_t`), the β-OMD learner
:math:`\delta_{t+1} = \frac{\beta}{1+\eta\mu}(\delta_t - \eta g_t)` on the chain's oracle
(exact gradient, frontier partial times z/p), and the model EMA
:math:`\bar y_t = \bar y_{t-1} + \frac{1-\beta}{1-\beta^t}(y_t - \bar y_{t-1})`. At every step
it evaluates the exact (λ, ε) measure :math:`\|\nabla F(\bar y_t)\|` (exact for λ ≥ ρ/2) and
integrates it over the output index τ (AMC25 Definition 4, or uniform).

**Bracketed early exit.** Every oracle gradient is ≤ 0 coordinate-wise, so once
:math:`\delta_{t+1} \ge 0` it stays ≥ 0: the iterates and query points are non-decreasing
from then on. If moreover :math:`\bar y_t \le x_t` and :math:`\bar y_t \ge s`
coordinate-wise (the *monotone phase*), the outputs are non-decreasing and stay in
:math:`\{u_i \ge 1\}`, where :math:`\partial_i F = -(\alpha/s)\Phi'(\bar y_i/s)` with Φ′
non-increasing: the measure at the output never grows again. The rest of the τ-integral is
then at most :math:`m_t` times the remaining τ-weight; the loop stops once that is ≤
``exit_tol`` and returns both brackets (``exit_step``). The last link approaches its plateau
only asymptotically (Φ′ → 0 with zero slope), so without this the runs would go to T.

**Skipped work, the same numbers** (what makes SLOPE's K = 32 member affordable: 8.3e8 steps).
The run starts at 0 with δ = 0 and every oracle partial is ≤ 0, so δ ≥ 0 and x, y, ȳ are
non-decreasing in every coordinate from the first step (in floating point too: every
operation is monotone). Hence:

* coordinates beyond the frontier were never touched (exactly 0) and their partials are
  exactly 0 (Ψ = Ψ′ = 0 on (-∞, b]); the loops stop at the last touched coordinate, and the
  gradient skips only terms that are exactly 0, so each number is the one the full loops give;
* a *finished* link j (x_{j-1}, x_j ≥ s; a prefix of the chain) has the partial
  :math:`-(\alpha/s)\Phi'(u_j)` from then on, and no other partial depends on where it is
  (:math:`\Psi(u_j) = 1`, :math:`\Psi'(u_{j-1}) = 0`). ``compute="all"`` and ``"hit"``
  update the finished links in one pass with the same operations; ``compute="reveal"`` does
  not move them at all, so the revelation step (which depends only on the unfinished links)
  is the same number at a cost that does not grow with K;
* while the output's last coordinate is below s, :math:`\|\nabla F(\bar y)\| \ge \alpha/s`
  (the chain's certificate, :mod:`adamtheory.problems.o2nc_chain`); ``compute="hit"`` with a
  target below α/s does not evaluate the measure there, so the hitting step is the same.

Trajectories run in parallel: the kernel is compiled serially with ``nogil=True`` and
:func:`chain_omd_run` runs contiguous blocks of trajectories in ``numba.get_num_threads()``
Python threads (a ``parallel=True`` kernel took 7.4 s to compile against 2.8 s serially, and
the first ``adamtheory verify`` pays it); each trajectory is a pure function of its key, so
the split changes no number.

Randomness: ``s_t = u(step, STREAM_SAMPLING)`` and the oracle's
``z_t = [u(step, STREAM_ORACLE) < p]`` from the trajectory's key
(:func:`~adamtheory.kernels.sampling.trajectory_keys`), the same numbers as
:meth:`~adamtheory.problems.o2nc_chain.ZeroChain.stochastic_grad`; a chunk of trajectory ids
gives the numbers of the same ids in any larger batch.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
from numba import njit

from . import adam_core
from .sampling import STREAM_SAMPLING, trajectory_keys

# the single hash definition (kernels/adam_core), registered for nopython mode
ac = adam_core.jitted()

__all__ = ["chain_omd_run"]

_STREAM_ORACLE = 3  # = problems.o2nc_chain.STREAM_ORACLE (plain constants for the compiled loop)
_B = 0.5  # Psi = 0 on (-inf, b] (problems.o2nc_chain.B_ZERO)
_W = 0.5  # Phi' falls to 0 over this width (problems.o2nc_chain.W)
_PHI_MAX = 2.0 + _W


@njit(cache=True)
def _psi(x: float) -> float:
    x = (x - _B) / (1.0 - _B)
    if x <= 0.0:
        return 0.0
    if x <= 0.25:
        return 16.0 / 3.0 * x**3
    if x <= 0.75:
        u = x - 0.25
        return 1.0 / 12.0 + u + 4.0 * u * u - 16.0 / 3.0 * u**3
    if x <= 1.0:
        return 1.0 - 16.0 / 3.0 * (1.0 - x) ** 3
    return 1.0


@njit(cache=True)
def _dpsi(x: float) -> float:
    x = (x - _B) / (1.0 - _B)
    if x <= 0.0:
        return 0.0
    if x <= 0.25:
        return 16.0 * x * x / (1.0 - _B)
    if x <= 0.75:
        u = x - 0.25
        return (1.0 + 8.0 * u - 16.0 * u * u) / (1.0 - _B)
    if x <= 1.0:
        return 16.0 * (1.0 - x) ** 2 / (1.0 - _B)
    return 0.0


@njit(cache=True)
def _rint(u: float) -> float:
    if u <= 0.5:
        return 2.0 * u**3 / 3.0
    return u - 0.5 + 2.0 / 3.0 * (1.0 - u) ** 3


@njit(cache=True)
def _phi(y: float) -> float:
    if y <= -1.0 - _W:
        return 0.0
    if y <= -1.0:
        return _W * _rint((y + 1.0 + _W) / _W)
    if y <= 1.0:
        return _W / 2.0 + y + 1.0
    if y <= 1.0 + _W:
        v = (y - 1.0) / _W
        return _W / 2.0 + 2.0 + _W * (v - _rint(v))
    return _PHI_MAX


@njit(cache=True)
def _dphi(y: float) -> float:
    a = abs(y)
    if a <= 1.0:
        return 1.0
    v = (a - 1.0) / _W
    if a <= 1.0 + _W / 2.0:
        return 1.0 - 2.0 * v * v
    if a <= 1.0 + _W:
        return 2.0 * (1.0 - v) ** 2
    return 0.0


@njit(cache=True)
def _grad_window(v: np.ndarray, scale: float, g: np.ndarray, lo: int, n: int, K: int) -> None:
    """∇F̄ at the unit-scale point v/scale into g[lo:n] (ZeroChain.grad / (α/s)); the
    partials beyond n - 1 (past the frontier) are exactly 0 and the caller handles those
    below lo.

    The same floating-point operations as the full formula: only terms that are exactly 0
    are skipped (Ψ and Ψ′ vanish on (-∞, b], Φ′ and Ψ′ beyond |x| = 1 + w)."""
    prev = 1.0 if lo == 0 else v[lo - 1] / scale
    ui = v[lo] / scale if lo < n else 0.0
    for i in range(lo, n):
        nxt = v[i + 1] / scale if i < K - 1 else 0.0
        if abs(ui) >= 1.0 + _W:
            g[i] = 0.0
        else:
            gi = 0.0
            if prev > _B:
                gi = -_psi(prev) * _dphi(ui)
            elif prev < -_B:
                gi = -_psi(-prev) * _dphi(-ui)
            if i < K - 1:
                if ui > _B:
                    gi -= _dpsi(ui) * _phi(nxt)
                elif ui < -_B:
                    gi -= _dpsi(-ui) * _phi(-nxt)
            g[i] = gi
        prev, ui = ui, nxt


#: what the kernel computes: everything, the hitting step (no measure while certified),
#: the revelation step only (the finished links are not moved)
_FULL, _HIT, _REVEAL = 0, 1, 2
_MODES = {"all": _FULL, "hit": _HIT, "reveal": _REVEAL}


@njit(cache=True, nogil=True)
def _kernel(
    keys: np.ndarray,
    K: int,
    p: float,
    alpha: float,
    scale: float,
    eta: float,
    beta: float,
    mu: float,
    T: int,
    amc25: bool,
    target: float,
    stop_at_hit: bool,
    exit_tol: float,
    mode: int,
    trace: np.ndarray,
    out: np.ndarray,
    out_trace: np.ndarray,
    ybar_out: np.ndarray,
) -> None:
    B = keys.size
    c = beta / (1.0 + eta * mu)
    gs = alpha / scale
    for i in range(B):
        key = keys[i]
        x = np.zeros(K)
        delta = np.zeros(K)
        y = np.zeros(K)
        ybar = np.zeros(K)
        g = np.zeros(K)
        gb = np.zeros(K)
        meas_tau = 0.0
        upper = -1.0
        mono = False
        max_grad = 0.0
        hit = -1.0
        reveal = -1.0
        exit_step = -1.0
        bpow = 1.0
        ptr = 0
        # Coordinates >= hi were never touched: exactly 0 in x, delta, y and ybar. The
        # coordinates < a are finished: x_{j-1}, x_j >= s, so (iterates never decrease)
        # their partial is -(alpha/s) Phi'(u_j) from now on and no other partial depends
        # on where they are (Psi(u_j) = 1, Psi'(u_{j-1}) = 0); they need no frontier test.
        a = 0
        hi = 1
        for t in range(1, T + 1):
            step = t - 1
            s = ac.hash_uniform(
                key, np.uint64(step) | (np.uint64(STREAM_SAMPLING) << np.uint64(56))
            )
            while a < hi and x[a] >= scale:
                if mode == _REVEAL:  # frozen here: a y >= s keeps Psi(u_a) = 1 exactly
                    y[a] = x[a]
                a += 1
            if mode != _REVEAL:
                bpow *= beta
                b = 1.0 - (beta - bpow) / (1.0 - bpow)
            else:
                b = 0.0
            qn = 0.0
            if mode == _FULL:  # the finished links in one pass (the same operations)
                for j in range(a):
                    yj = x[j] + s * delta[j]
                    y[j] = yj
                    x[j] = x[j] + delta[j]
                    gj = -1.0 * _dphi(yj / scale) * gs  # = (-Psi(u_{j-1}) Phi'(u_j)) * gs
                    qn += gj * gj
                    delta[j] = ac.omd_increment(delta[j], gj, c, eta)
            elif mode == _HIT:  # the same, and the EMA, without the norm (not reported here)
                for j in range(a):
                    yj = x[j] + s * delta[j]
                    y[j] = yj
                    x[j] = x[j] + delta[j]
                    uj = yj / scale  # >= 1: _dphi's branches as selects
                    v = (uj - 1.0) / _W
                    dp = 2.0 * (1.0 - v) ** 2 if uj <= 1.0 + _W else 0.0
                    dp = 1.0 - 2.0 * v * v if uj <= 1.0 + _W / 2.0 else dp
                    dp = 1.0 if uj <= 1.0 else dp
                    gj = -1.0 * dp * gs
                    delta[j] = ac.omd_increment(delta[j], gj, c, eta)
                    ybar[j] = ybar[j] + b * (yj - ybar[j])
            front = a  # 0-based frontier = prog_b(y): finished links are past b s
            for j in range(a, hi):
                y[j] = x[j] + s * delta[j]
                x[j] = x[j] + delta[j]
                if abs(y[j]) > _B * scale:
                    front = j + 1
            if reveal < 0.0 and abs(x[K - 1]) > _B * scale:  # prog_b(x_t) = K
                reveal = float(t)
                if mode == _REVEAL:
                    break
            n = min(front + 1, K)
            _grad_window(y, scale, g, a, n, K)
            for j in range(a, n):
                g[j] *= gs
                qn += g[j] * g[j]
            max_grad = max(max_grad, math.sqrt(qn))
            if front < K:
                z = ac.hash_uniform(
                    key, np.uint64(step) | (np.uint64(_STREAM_ORACLE) << np.uint64(56))
                )
                g[front] *= (1.0 / p) if z < p else 0.0
            for j in range(n, hi):
                g[j] = 0.0
            hi = max(hi, n)
            for j in range(a, hi):
                delta[j] = ac.omd_increment(delta[j], g[j], c, eta)
            if mode == _REVEAL:
                continue
            for j in range(a if mode == _HIT else 0, hi):
                ybar[j] = ybar[j] + b * (y[j] - ybar[j])
            if mode == _HIT and abs(ybar[K - 1]) < scale:
                continue  # certified: ||grad F(ybar)|| >= alpha/s > target (module docstring)
            front_b = 0  # prog_b(ybar)
            for j in range(hi - 1, -1, -1):
                if abs(ybar[j]) > _B * scale:
                    front_b = j + 1
                    break
            n = min(front_b + 1, K)
            _grad_window(ybar, scale, gb, 0, n, K)
            mn = 0.0
            for j in range(n):
                mn += gb[j] * gb[j]
            meas = gs * math.sqrt(mn)
            if not amc25:
                w = 1.0 / T
            elif t < T:
                w = (1.0 - bpow) / T
            else:
                w = (1.0 - bpow) / ((1.0 - beta) * T)
            meas_tau += w * meas
            if ptr < trace.size and trace[ptr] == t:
                out_trace[i, ptr] = meas
                ptr += 1
            if hit < 0.0 and target > 0.0 and meas <= target:
                hit = float(t)
                if stop_at_hit:
                    break
            if exit_tol >= 0.0 and not mono:
                mono = True
                for j in range(K):
                    if delta[j] < 0.0 or ybar[j] > x[j] or ybar[j] < scale:
                        mono = False
                        break
            if mono:
                if not amc25:
                    rest = (T - t) / T
                elif t < T:
                    rest = (T - 1 - t) / T + 1.0 / ((1.0 - beta) * T)
                else:
                    rest = 0.0
                if meas * rest <= exit_tol:
                    upper = meas_tau + meas * rest
                    exit_step = float(t)
                    break
        prog = 0
        for j in range(K):
            if abs(x[j]) > _B * scale:
                prog = j + 1
        out[i, 0] = meas_tau if mode == _FULL else math.nan
        out[i, 5] = out[i, 0] if upper < 0.0 else upper
        out[i, 1] = hit
        out[i, 2] = exit_step
        out[i, 3] = float(prog)
        out[i, 6] = reveal
        out[i, 4] = max_grad if mode == _FULL else math.nan
        for j in range(K):
            ybar_out[i, j] = ybar[j] if mode != _REVEAL else math.nan


def chain_omd_run(
    chain: Any,
    *,
    eta: float,
    beta: float,
    mu: float,
    T: int,
    seed: int = 0,
    trajectories: Any = 8,
    tau_law: str = "amc25",
    target: float | None = None,
    stop_at_hit: bool = False,
    exit_tol: float | None = None,
    trace_points: int = 60,
    compute: str = "all",
) -> dict[str, np.ndarray]:
    r"""Run β-OMD in the uniform conversion (Option I) with the model EMA on a zero chain.

    Parameters
    ----------
    chain : ZeroChain
        The instance (:class:`~adamtheory.problems.o2nc_chain.ZeroChain`), started at 0.
    eta, beta, mu : float
        β-OMD's step η > 0, discount β in (0, 1) (also the EMA's) and regulariser μ ≥ 0.
    T : int
        Steps, ≥ 1 (the τ-law's horizon).
    seed : int
        Root seed of the trajectory keys.
    trajectories : int or sequence of int
        B (ids 0..B-1) or the global trajectory ids of this chunk.
    tau_law : {"amc25", "uniform"}
        The output index's law.
    target : float, optional
        Record ``hit_step``, the first step whose exact measure at the output is ≤ target.
    stop_at_hit : bool
        Stop each trajectory at its ``hit_step`` (the τ-average is then partial).
    exit_tol : float, optional
        Stop once the chain is in its monotone phase and the rest of the τ-integral is at
        most this (module docstring); ``measure_tau`` and ``measure_tau_upper`` then bracket
        the full τ-average. ``None``: run to T.
    trace_points : int
        Log-spaced steps at which the measure is recorded.
    compute : {"all", "hit", "reveal"}
        ``"all"``: every output. ``"hit"``: the measure at the output is evaluated only
        once the output's last coordinate has reached s (before, it is certified ≥ α/s >
        ``target``, module docstring), so ``hit_step``, ``reveal_step``, ``progress`` and
        ``ybar_final`` are the same and ``measure_tau``, ``measure_tau_upper``,
        ``max_query_grad`` and the trace are NaN; needs ``target`` < α/s and no
        ``exit_tol``. ``"reveal"``: the run stops at ``reveal_step`` and does not move the
        finished links (module docstring), so only ``reveal_step`` and ``progress`` are
        computed (the same numbers as ``"all"``); the other outputs are NaN (``hit_step``
        inf).

    Returns
    -------
    dict
        ``measure_tau`` (B,): :math:`\mathbb E_\tau\|\nabla F(\bar y_\tau)\|` over the steps
        run (a lower bracket), ``measure_tau_upper`` (the upper bracket; equal when the run
        went to T); ``hit_step``
        (``inf`` if never); ``reveal_step``, the first step with :math:`\mathrm{prog}_b(x_t) = K`
        (the last link revealed; ``inf`` if never); ``exit_step`` (``inf`` if the run went to
        T); ``progress`` (prog of the last iterate); ``max_query_grad``; ``ybar_final``
        (B, K), the output at the last step run; ``trace_step``, ``trace_measure`` (B, n);
        ``ids``.
    """
    from ..problems.o2nc_chain import ZeroChain

    if not isinstance(chain, ZeroChain):
        raise TypeError(f"chain must be a ZeroChain; got {type(chain).__name__}")
    if not (0.0 < beta < 1.0):
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    for name, value, zero_ok in (("eta", eta, False), ("mu", mu, True)):
        if not (math.isfinite(value) and (value > 0 or (zero_ok and value == 0))):
            raise ValueError(f"{name} must be a finite number {'>=' if zero_ok else '>'} 0")
    if int(T) != T or int(T) < 1:
        raise ValueError(f"T must be an integer >= 1; got {T!r}")
    if tau_law not in ("amc25", "uniform"):
        raise ValueError(f"tau_law must be 'amc25' or 'uniform'; got {tau_law!r}")
    if target is not None and not (math.isfinite(target) and target > 0):
        raise ValueError(f"target must be a finite number > 0; got {target!r}")
    if compute not in _MODES:
        raise ValueError(f"compute must be one of {tuple(_MODES)}; got {compute!r}")
    if compute == "hit" and (target is None or target >= chain.grad_scale):
        raise ValueError(
            "compute='hit' needs a target below the certified measure alpha/s = "
            f"{chain.grad_scale:.6g}; got target={target!r}"
        )
    if compute != "all" and exit_tol is not None:
        raise ValueError(f"exit_tol needs compute='all'; got compute={compute!r}")
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    trace = np.unique(np.round(np.geomspace(1, int(T), trace_points)).astype(np.int64))
    out = np.zeros((ids.size, 7))
    out_trace = np.full((ids.size, trace.size), np.nan)
    ybar = np.zeros((ids.size, chain.K))
    scalars = (
        int(chain.K),
        float(chain.p),
        float(chain.alpha),
        float(chain.s),
        float(eta),
        float(beta),
        float(mu),
        int(T),
        tau_law == "amc25",
        -1.0 if target is None else float(target),
        bool(stop_at_hit),
        -1.0 if exit_tol is None else float(exit_tol),
        _MODES[compute],
        trace,
    )
    # contiguous blocks of trajectories, one per thread (row slices keep the arrays
    # C-contiguous, so every block calls the same compiled signature)
    edges = np.linspace(0, ids.size, min(ids.size, numba.get_num_threads()) + 1).astype(int)

    def block(lo: int, hi: int) -> None:
        _kernel(keys[lo:hi], *scalars, out[lo:hi], out_trace[lo:hi], ybar[lo:hi])

    if edges.size <= 2:
        block(0, ids.size)
    else:
        with ThreadPoolExecutor(edges.size - 1) as pool:
            blocks = zip(edges[:-1], edges[1:], strict=True)
            for f in [pool.submit(block, lo, hi) for lo, hi in blocks]:
                f.result()
    return {
        "measure_tau": out[:, 0].copy(),
        "measure_tau_upper": out[:, 5].copy(),
        "hit_step": np.where(out[:, 1] > 0, out[:, 1], np.inf),
        "exit_step": np.where(out[:, 2] > 0, out[:, 2], np.inf),
        "reveal_step": np.where(out[:, 6] > 0, out[:, 6], np.inf),
        "progress": out[:, 3].astype(np.int64),
        "max_query_grad": out[:, 4].copy(),
        "ybar_final": ybar,
        "ids": ids,
        "trace_step": trace,
        "trace_measure": out_trace,
    }
