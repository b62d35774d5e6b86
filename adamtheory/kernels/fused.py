"""Numba fast paths for the counterexample workloads (same results as the NumPy reference).

:func:`sweep_numba` and :func:`drift_chain_numba` run one trajectory per thread-loop iteration
(``prange`` over grid points) with the same arithmetic, in the same order, and the same
counter-based random streams as :mod:`adamtheory.kernels.counterexample`; tests check equality.
Numba is imported lazily (first call compiles, then the cache on disk is reused).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .counterexample import (
    CONVERGED,
    DIVERGED,
    OVERFLOW,
    UNDECIDED,
    X_STAR,
    ChainConfig,
    SweepConfig,
    check_config,
    check_grid,
    check_keys,
)
from .sampling import STREAM_SAMPLING

__all__ = ["drift_chain_numba", "sweep_numba"]

_SAMPLING_CODES = {"shuffle": 0, "iid": 1, "cyclic": 2}


@cache
def _compiled():
    """Compile the kernels once per process (Numba caches machine code on disk)."""
    import numba
    from numba import njit, prange

    golden = np.uint64(0x9E3779B97F4A7C15)
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    stream_bits = np.uint64(STREAM_SAMPLING) << np.uint64(56)
    scale53 = 1.0 / 9007199254740992.0

    @njit(inline="always")
    def mix64(z):
        z = (z ^ (z >> np.uint64(30))) * m1
        z = (z ^ (z >> np.uint64(27))) * m2
        return z ^ (z >> np.uint64(31))

    @njit(inline="always")
    def uniform(key, counter):
        c = np.uint64(counter) | stream_bits
        bits = mix64(key ^ mix64(c * golden + np.uint64(1)))
        return np.float64(bits >> np.uint64(11)) * scale53

    @njit(inline="always")
    def fill_epoch(order, key, epoch, n, sampling):
        if sampling == 2:  # cyclic
            for p in range(n):
                order[p] = p
        elif sampling == 0:  # shuffle: Fisher-Yates exactly as epoch_permutations
            for p in range(n):
                order[p] = p
            for jj in range(n - 1, 0, -1):
                u = uniform(key, epoch * n + jj)
                k = np.int64(u * (jj + 1))
                if k > jj:
                    k = jj
                held = order[jj]
                order[jj] = order[k]
                order[k] = held
        else:  # iid
            for p in range(n):
                u = uniform(key, epoch * n + p)
                k = np.int64(u * n)
                order[p] = k if k < n - 1 else n - 1

    @njit(parallel=True, cache=True)
    def sweep(
        b1s,
        b2s,
        keys,
        n,
        K,
        c,
        a,
        lr,
        decay,
        sampling,
        eps,
        bc,
        x0,
        rho,
        conv_tol,
        status,
        diverged_at,
        x_final,
        x_half,
        max_abs_x,
        min_grad,
    ):
        d0 = abs(x0 - X_STAR)
        for i in prange(b1s.size):
            b1 = b1s[i]
            b2 = b2s[i]
            key = keys[i]
            order = np.empty(n, np.int64)
            x = x0
            m = 0.0
            v = 0.0
            b1t = 1.0
            b2t = 1.0
            st = UNDECIDED
            dat = -1
            alive = True
            xh = 0.0
            mx = abs(x0)
            mg = np.inf
            last_inside = 0
            half_mass = 0.0
            for epoch in range(K):
                fill_epoch(order, key, epoch, n, sampling)
                eta = lr / np.sqrt(epoch + 1.0) if decay else lr
                for p in range(n):
                    b1t = b1t * b1
                    b2t = b2t * b2
                    if not alive:
                        continue
                    slope = 1.0 if x >= -1.0 else x + 2.0
                    g = (c if order[p] == 0 else -a) * slope
                    m = b1 * m + (1.0 - b1) * g
                    v = b2 * v + (1.0 - b2) * (g * g)
                    if bc and (1.0 - b2t != 1.0 or 1.0 - b1t != 1.0):
                        den = np.sqrt(v) / np.sqrt(1.0 - b2t) + eps
                        num = m / (1.0 - b1t)
                    else:  # no correction, or it has become x/1.0: bit-identical, cheaper
                        den = np.sqrt(v) + eps
                        num = m
                    step = num / den if den > 0 else 0.0
                    x_new = x - eta * step
                    if not np.isfinite(x_new) or abs(x_new) > OVERFLOW:
                        alive = False
                        st = DIVERGED
                        dat = epoch + 1
                    else:
                        x = x_new
                if epoch + 1 > K // 2:
                    half_mass += eta
                dist = abs(x - X_STAR)
                grad = abs(1.0 if x >= -1.0 else x + 2.0) / n
                if grad < mg:
                    mg = grad
                if abs(x) > mx:
                    mx = abs(x)
                if dist <= d0 + 1.0 + rho * lr * np.sqrt(epoch + 1.0):
                    last_inside = epoch + 1
                if epoch + 1 == K // 2:
                    xh = x
            final_dist = abs(x - X_STAR)
            receding = final_dist - abs(xh - X_STAR) > 0.5 * rho * half_mass
            if alive and st == UNDECIDED and last_inside < K and receding:
                st = DIVERGED
                dat = last_inside + 1
            if st == UNDECIDED and final_dist <= conv_tol * max(1.0, d0):
                st = CONVERGED
            status[i] = st
            diverged_at[i] = dat
            x_final[i] = x
            x_half[i] = xh
            max_abs_x[i] = mx
            min_grad[i] = mg

    @njit(parallel=True, cache=True)
    def chains(b1s, b2s, keys, n, r, sampling, burn_in, epochs, n_chains, out):
        for i in prange(keys.size):
            b1 = b1s[i // n_chains]
            b2 = b2s[i // n_chains]
            key = keys[i]
            order = np.empty(n, np.int64)
            m = 0.0
            v = 0.0
            total = 0.0
            for epoch in range(burn_in + epochs):
                fill_epoch(order, key, epoch, n, sampling)
                for p in range(n):
                    g = r if order[p] == 0 else -1.0
                    m = b1 * m + (1.0 - b1) * g
                    v = b2 * v + (1.0 - b2) * (g * g)
                    if epoch >= burn_in and v > 0:
                        total += m / np.sqrt(v)
            out[i] = total / epochs

    return numba, sweep, chains


def sweep_numba(beta1, beta2, cfg: SweepConfig, keys: np.ndarray) -> dict:
    """Numba version of :func:`adamtheory.kernels.counterexample.sweep_reference`."""
    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    _, sweep, _ = _compiled()
    B = b1.size
    out = {
        "status": np.empty(B, np.int64),
        "diverged_at": np.empty(B, np.int64),
        "x_final": np.empty(B),
        "x_half": np.empty(B),
        "max_abs_x": np.empty(B),
        "min_grad_norm": np.empty(B),
    }
    sweep(
        b1,
        b2,
        keys,
        cfg.n,
        cfg.epochs,
        cfg.c,
        cfg.a,
        cfg.lr,
        cfg.schedule == "inv_sqrt_epoch",
        _SAMPLING_CODES[cfg.sampling],
        cfg.eps,
        cfg.bias_correction,
        float(cfg.x0),
        cfg.rho,
        cfg.conv_tol,
        out["status"],
        out["diverged_at"],
        out["x_final"],
        out["x_half"],
        out["max_abs_x"],
        out["min_grad_norm"],
    )
    return out


def drift_chain_numba(beta1, beta2, cfg: ChainConfig, keys: np.ndarray) -> np.ndarray:
    """Numba version of :func:`adamtheory.kernels.counterexample.drift_chain_reference`."""
    check_config(cfg, ChainConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size * cfg.chains)
    _, _, chains = _compiled()
    out = np.empty(keys.size)
    chains(
        b1,
        b2,
        keys,
        cfg.n,
        float(cfg.r),
        _SAMPLING_CODES[cfg.sampling],
        cfg.burn_in,
        cfg.epochs,
        cfg.chains,
        out,
    )
    return out.reshape(-1, cfg.chains)
