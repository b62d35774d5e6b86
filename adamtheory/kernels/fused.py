r"""Numba fast paths for the counterexample workloads (same bits as the NumPy reference).

:func:`sweep_numba` and :func:`drift_chain_numba` compute exactly what
:func:`adamtheory.kernels.counterexample.sweep_reference` and
:func:`~adamtheory.kernels.counterexample.drift_chain_reference` compute — the Adam step, the
classification and the hash are the functions of :mod:`adamtheory.kernels.adam_core`, called
from here — laid out for the hardware:

* **blocks of trajectories**: ``LANES`` trajectories per block live in small local arrays and
  the innermost loop runs over the lanes, so LLVM vectorises the step across trajectories
  (AVX2/AVX-512); blocks are distributed over threads with ``prange``;
* **branch-free selection**: the gradient of lane l at position p is
  ``gsel[p, l] * slope(x)`` with ``gsel`` filled once per epoch, and freezing, divergence and
  the per-epoch statistics are selects (:func:`~adamtheory.kernels.adam_core.select`);
* **position-only sampling** (shuffle): for one big gradient only the position of component 0
  in the epoch's permutation matters; it is tracked through the same Fisher-Yates swaps as
  :func:`~adamtheory.kernels.sampling.epoch_permutations` (same uniforms, same bits) without
  building the permutation;
* **no per-step allocation**, and β^t by products as in the reference;
* **bounded slices**: a call advances the state by a range of epochs
  (:func:`sweep_numba` loops over slices of about ``SLICE_STEPS`` steps), so a Python caller
  can show progress and a Ctrl-C stops the run within a slice (Numba does not check signals).

Numba compiles on first use and caches the machine code on disk (``cache=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, prange

from . import adam_core
from .counterexample import (
    ChainConfig,
    SweepConfig,
    check_config,
    check_grid,
    check_keys,
)
from .parallel import parallel_kernel
from .sampling import STREAM_SAMPLING

ac = adam_core.jitted()  # the one definition, compiled into these kernels

__all__ = ["LANES", "SLICE_STEPS", "drift_chain_numba", "sweep_numba"]

LANES = 64  # trajectories per block: long enough for LLVM to vectorise (runtime alias checks)
SLICE_STEPS = 50_000_000  # trajectory-steps per call into the kernel (~0.1 s at 5e8/s)
SAMPLING_CODES = {"shuffle": 0, "iid": 1, "cyclic": 2}
_STREAM_BITS = np.uint64(STREAM_SAMPLING) << np.uint64(56)


@njit(cache=True)
def _fill_selection(gsel, klane, pos, epoch, n, sampling, big, small):
    """``gsel[p, l]`` = the factor of component ``order_l[p]`` (big if it is 0) for one epoch.

    Shuffle: the position of 0 after the Fisher-Yates swaps of ``epoch_permutations``
    (j = n-1..1 swaps positions j and floor(u_j (j+1))); iid: index floor(u n) per position;
    cyclic: 0 at position 0. Loops run over lanes innermost and are branch-free, so the hash
    vectorises too. ``klane`` holds the lanes' keys, ``pos`` is scratch.
    """
    W = gsel.shape[1]
    # positions are small integers held as float64 (exact): floor and compares vectorise
    # where a float -> int64 conversion would not (AVX2 has none)
    if sampling == 1:
        for p in range(n):
            mixed = ac.hash_counter(np.uint64(epoch * n + p) | _STREAM_BITS)
            for lane in range(W):
                u = ac.hash_keyed(klane[lane], mixed)
                gsel[p, lane] = ac.select(np.floor(u * n) == 0.0, big, small)
        return
    for lane in range(W):
        pos[lane] = 0.0
    if sampling == 0:
        for jj in range(n - 1, 0, -1):
            # the counter half of the hash is common to all lanes: once per counter
            mixed = ac.hash_counter(np.uint64(epoch * n + jj) | _STREAM_BITS)
            fj = float(jj)
            for lane in range(W):
                u = ac.hash_keyed(klane[lane], mixed)
                k = min(np.floor(u * (jj + 1)), fj)
                q = pos[lane]
                pos[lane] = ac.select(q == fj, k, ac.select(q == k, fj, q))
    for p in range(n):
        fp = float(p)
        for lane in range(W):
            gsel[p, lane] = ac.select(pos[lane] == fp, big, small)


@parallel_kernel
def sweep_slice(
    b1s,
    b2s,
    keys,
    n,
    c,
    a,
    lr,
    decay,
    sampling,
    eps,
    bc,
    d0,
    rho,
    K,
    e0,
    e1,
    x_s,
    m_s,
    v_s,
    b1t_s,
    b2t_s,
    status_s,
    dat_s,
    alive_s,
    xh_s,
    mx_s,
    mg_s,
    li_s,
):
    """Advance every trajectory's state (``*_s`` arrays, in place) through epochs [e0, e1)."""
    W = LANES
    B = x_s.size
    for blk in prange((B + W - 1) // W):
        lo = blk * W
        gsel = np.empty((n, W))
        klane = np.empty(W, np.uint64)
        pos = np.empty(W)
        b1 = np.empty(W)
        b2 = np.empty(W)
        x = np.empty(W)
        m = np.empty(W)
        v = np.empty(W)
        b1t = np.empty(W)
        b2t = np.empty(W)
        st = np.empty(W, np.int64)
        dat = np.empty(W, np.int64)
        alive = np.empty(W, np.bool_)
        xh = np.empty(W)
        mx = np.empty(W)
        mg = np.empty(W)
        li = np.empty(W, np.int64)
        for lane in range(W):
            i = min(lo + lane, B - 1)  # padding lanes repeat the last one (not written back)
            klane[lane] = keys[i]
            b1[lane] = b1s[i]
            b2[lane] = b2s[i]
            x[lane] = x_s[i]
            m[lane] = m_s[i]
            v[lane] = v_s[i]
            b1t[lane] = b1t_s[i]
            b2t[lane] = b2t_s[i]
            st[lane] = status_s[i]
            dat[lane] = dat_s[i]
            alive[lane] = alive_s[i]
            xh[lane] = xh_s[i]
            mx[lane] = mx_s[i]
            mg[lane] = mg_s[i]
            li[lane] = li_s[i]
        shared = bc
        for lane in range(W):
            shared = shared & (b2[lane] == b2[0]) & (b2t[lane] == b2t[0])
        b2ts = b2t[0]
        for epoch in range(e0, e1):
            _fill_selection(gsel, klane, pos, epoch, n, sampling, c, -a)
            eta = lr / np.sqrt(epoch + 1.0) if decay else lr
            if shared:
                # every lane has the same beta2 (the caller sorts by beta2): sqrt(1 - beta2^t)
                # once per step for the block, the same bits as per lane
                for p in range(n):
                    b2ts = ac.advance_power(b2ts, b2[0])
                    c2 = np.sqrt(1.0 - b2ts)
                    for lane in range(W):
                        bt1 = ac.advance_power(b1t[lane], b1[lane])
                        xl = x[lane]
                        g = gsel[p, lane] * ac.select(xl >= -1.0, 1.0, xl + 2.0)
                        ml, vl = ac.adam_moments(m[lane], v[lane], g, b1[lane], b2[0])
                        xn = xl - eta * ac.corrected_direction(ml, vl, bt1, c2, eps)
                        live = alive[lane] & ac.finite_bounded(xn)
                        alive[lane] = live
                        x[lane] = ac.select(live, xn, xl)
                        m[lane] = ml
                        v[lane] = vl
                        b1t[lane] = bt1
            else:
                for p in range(n):
                    # the hot loop: few arrays, no status writes, so that LLVM vectorises it
                    for lane in range(W):
                        bt1 = ac.advance_power(b1t[lane], b1[lane])
                        bt2 = ac.advance_power(b2t[lane], b2[lane])
                        xl = x[lane]
                        g = gsel[p, lane] * ac.select(xl >= -1.0, 1.0, xl + 2.0)
                        xn, ml, vl, _ = ac.adam_step(
                            xl,
                            m[lane],
                            v[lane],
                            0.0,
                            g,
                            b1[lane],
                            b2[lane],
                            bt1,
                            bt2,
                            eta,
                            eps,
                            bc,
                            ac.AMS_NONE,
                        )
                        live = alive[lane] & ac.finite_bounded(xn)
                        alive[lane] = live
                        x[lane] = ac.select(live, xn, xl)
                        m[lane] = ml
                        v[lane] = vl
                        b1t[lane] = bt1
                        b2t[lane] = bt2
            radius = ac.ball_radius(d0, rho, lr, epoch + 1.0)
            for lane in range(W):
                # a trajectory frozen during this epoch diverged at this epoch
                newly = (st[lane] == ac.UNDECIDED) & (dat[lane] < 0) & (not alive[lane])
                st[lane] = ac.select(newly, ac.DIVERGED, st[lane])
                dat[lane] = ac.select(newly, epoch + 1, dat[lane])
                xl = x[lane]
                grad = abs(ac.select(xl >= -1.0, 1.0, xl + 2.0)) / n
                mg[lane] = min(mg[lane], grad)
                mx[lane] = max(mx[lane], abs(xl))
                li[lane] = ac.select(abs(xl - ac.X_STAR) <= radius, epoch + 1, li[lane])
                if epoch + 1 == K // 2:
                    xh[lane] = xl
        if shared:
            for lane in range(W):
                b2t[lane] = b2ts
        for lane in range(W):
            i = lo + lane
            if i < B:
                x_s[i] = x[lane]
                m_s[i] = m[lane]
                v_s[i] = v[lane]
                b1t_s[i] = b1t[lane]
                b2t_s[i] = b2t[lane]
                status_s[i] = st[lane]
                dat_s[i] = dat[lane]
                alive_s[i] = alive[lane]
                xh_s[i] = xh[lane]
                mx_s[i] = mx[lane]
                mg_s[i] = mg[lane]
                li_s[i] = li[lane]


def half_mass(cfg: SweepConfig) -> float:
    r""":math:`S = \sum_{k=\lfloor K/2\rfloor+1}^{K}\eta_k`, summed in the reference's order."""
    total = 0.0
    for epoch in range(cfg.epochs):
        eta = cfg.lr / np.sqrt(epoch + 1.0) if cfg.schedule == "inv_sqrt_epoch" else cfg.lr
        if epoch + 1 > cfg.epochs // 2:
            total += eta
    return total


def slice_epochs(trajectories: int, n: int, slice_steps: int = SLICE_STEPS) -> int:
    """Epochs per kernel call so that one call does about ``slice_steps`` trajectory-steps."""
    return max(1, slice_steps // max(1, trajectories * n))


def sweep_numba(
    beta1: Any,
    beta2: Any,
    cfg: SweepConfig,
    keys: np.ndarray,
    *,
    on_slice: Callable[[int], None] | None = None,
    slice_steps: int | None = None,
) -> dict:
    """Numba version of :func:`adamtheory.kernels.counterexample.sweep_reference` (same bits).

    ``on_slice(epochs_done)`` is called after each slice of epochs (progress; a
    ``KeyboardInterrupt`` raised by Ctrl-C surfaces there or between slices). A slice is
    about ``slice_steps`` trajectory-steps (default :data:`SLICE_STEPS`); slicing changes no
    number.
    """
    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    # trajectories sorted by beta2, so that blocks share it (per-trajectory results: the order
    # changes no number); undone on return
    order = np.argsort(b2, kind="stable")
    b1, b2, keys = b1[order], b2[order], keys[order]
    B, K = b1.size, cfg.epochs
    d0 = abs(float(cfg.x0) - ac.X_STAR)
    x = np.full(B, float(cfg.x0))
    m = np.zeros(B)
    v = np.zeros(B)
    b1t = np.ones(B)
    b2t = np.ones(B)
    status = np.zeros(B, np.int64)
    dat = np.full(B, -1, np.int64)
    alive = np.ones(B, np.bool_)
    xh = np.zeros(B)
    mx = np.abs(x)
    mg = np.full(B, np.inf)
    li = np.zeros(B, np.int64)
    step = slice_epochs(B, cfg.n, SLICE_STEPS if slice_steps is None else slice_steps)
    for e0 in range(0, K, step):
        e1 = min(K, e0 + step)
        sweep_slice(
            b1,
            b2,
            keys,
            cfg.n,
            cfg.c,
            cfg.a,
            cfg.lr,
            cfg.schedule == "inv_sqrt_epoch",
            SAMPLING_CODES[cfg.sampling],
            cfg.eps,
            cfg.bias_correction,
            d0,
            cfg.rho,
            K,
            e0,
            e1,
            x,
            m,
            v,
            b1t,
            b2t,
            status,
            dat,
            alive,
            xh,
            mx,
            mg,
            li,
            steps=float(B) * cfg.n * K,
        )
        if on_slice is not None:
            on_slice(e1 - e0)
    final = np.abs(x - ac.X_STAR)
    status, dat = ac.end_status(
        status,
        dat,
        alive,
        li,
        final,
        np.abs(xh - ac.X_STAR),
        half_mass(cfg),
        K,
        d0,
        cfg.rho,
        cfg.conv_tol,
    )
    out = {
        "status": status,
        "diverged_at": dat,
        "x_final": x,
        "x_half": xh,
        "max_abs_x": mx,
        "min_grad_norm": mg,
    }
    for name, arr in out.items():
        back = np.empty_like(arr)
        back[order] = arr
        out[name] = back
    return out


@parallel_kernel
def _chains(b1s, b2s, keys, n, r, sampling, burn_in, epochs, n_chains, out):
    W = LANES
    B = keys.size
    for blk in prange((B + W - 1) // W):
        lo = blk * W
        gsel = np.empty((n, W))
        klane = np.empty(W, np.uint64)
        pos = np.empty(W)
        b1 = np.empty(W)
        b2 = np.empty(W)
        m = np.zeros(W)
        v = np.zeros(W)
        total = np.zeros(W)
        for lane in range(W):
            i = min(lo + lane, B - 1)
            klane[lane] = keys[i]
            b1[lane] = b1s[i // n_chains]
            b2[lane] = b2s[i // n_chains]
        for epoch in range(burn_in + epochs):
            _fill_selection(gsel, klane, pos, epoch, n, sampling, r, -1.0)
            measure = epoch >= burn_in
            for p in range(n):
                for lane in range(W):
                    m[lane], v[lane] = ac.adam_moments(
                        m[lane], v[lane], gsel[p, lane], b1[lane], b2[lane]
                    )
                    u = ac.adam_direction(m[lane], v[lane], 1.0, 1.0, False, 0.0)
                    total[lane] = ac.select(measure, total[lane] + u, total[lane])
        for lane in range(W):
            if lo + lane < B:
                out[lo + lane] = total[lane] / epochs


def drift_chain_numba(beta1: Any, beta2: Any, cfg: ChainConfig, keys: np.ndarray) -> np.ndarray:
    """Numba version of :func:`adamtheory.kernels.counterexample.drift_chain_reference`."""
    check_config(cfg, ChainConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size * cfg.chains)
    out = np.empty(keys.size)
    _chains(
        b1,
        b2,
        keys,
        cfg.n,
        float(cfg.r),
        SAMPLING_CODES[cfg.sampling],
        cfg.burn_in,
        cfg.epochs,
        cfg.chains,
        out,
        steps=float(keys.size) * cfg.n * cfg.epochs,
    )
    return out.reshape(-1, cfg.chains)
