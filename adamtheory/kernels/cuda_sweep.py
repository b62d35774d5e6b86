r"""GPU path for the counterexample sweep (``numba.cuda``), one thread per trajectory.

The per-trajectory body, :func:`trajectory_epochs`, advances one trajectory through a range of
epochs with the functions of :mod:`adamtheory.kernels.adam_core` (the Adam step, the
classification rule, the SplitMix64 hash) — the definitions the NumPy reference and the Numba
CPU kernel use — so the GPU computes the same bits (IEEE float64 ``+ - * / sqrt`` are
correctly rounded on NVIDIA GPUs, and the kernel is compiled with ``fastmath=False`` and with
NVVM's ``-fma=0``: NVVM contracts ``a*b + c`` into a fused multiply-add by default, even without
fastmath, and that one rounding instead of two would change bits — ``adam_core.ema`` and
``corrected_direction`` both have such a pair — so :func:`_without_fma_contraction` switches it
off for the kernel and the device functions it calls).

The body is registered with ``register_jitable``: the CUDA kernel calls it per thread, and
:func:`sweep_scalar` runs the very same body under ``numba.njit`` on the CPU, one trajectory
per ``prange`` iteration, so the GPU's code path is tested for bit-identity on machines
without a GPU. The launch itself (:func:`sweep_cuda`) needs a CUDA device; the sweep runs in
slices of epochs (as the CPU kernel) so progress and Ctrl-C work between launches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numba import cuda, njit, prange
from numba.extending import register_jitable

from . import adam_core
from .counterexample import SweepConfig, check_config, check_grid, check_keys
from .fused import SAMPLING_CODES, SLICE_STEPS, half_mass, slice_epochs
from .sampling import STREAM_SAMPLING

ac = adam_core.jitted()  # the one definition, compiled into these kernels

__all__ = ["sweep_cuda", "sweep_cupy", "sweep_scalar", "trajectory_epochs"]

_STREAM_BITS = np.uint64(STREAM_SAMPLING) << np.uint64(56)
_STATE = ("x", "m", "v", "b1t", "b2t", "status", "dat", "alive", "xh", "mx", "mg", "li")


@register_jitable
def trajectory_epochs(
    i, b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, bc, d0, rho, K, e0, e1, st_f, st_i
):
    """Advance trajectory ``i`` through epochs [e0, e1).

    ``st_f[i]`` holds (x, m, v, β1^t, β2^t, x_half, max|x|, min|∇f|) and ``st_i[i]`` (status,
    diverged_at, alive, last_inside): two 2-D arrays, so that the CUDA kernel takes few
    arguments. Position-only sampling as in :mod:`adamtheory.kernels.fused`.
    """
    b1 = b1s[i]
    b2 = b2s[i]
    key = keys[i]
    x = st_f[i, 0]
    m = st_f[i, 1]
    v = st_f[i, 2]
    b1t = st_f[i, 3]
    b2t = st_f[i, 4]
    xh = st_f[i, 5]
    mx = st_f[i, 6]
    mg = st_f[i, 7]
    status = st_i[i, 0]
    dat = st_i[i, 1]
    alive = st_i[i, 2] != 0
    li = st_i[i, 3]
    for epoch in range(e0, e1):
        pos = 0
        if sampling == 0:
            for jj in range(n - 1, 0, -1):
                u = ac.hash_uniform(key, np.uint64(epoch * n + jj) | _STREAM_BITS)
                # selects, not min/max: inside register_jitable bodies the CUDA target
                # resolves the builtins to CPython overloads it cannot compile
                k = np.int64(u * (jj + 1))
                k = ac.select(k < jj, k, jj)
                pos = ac.select(pos == jj, k, ac.select(pos == k, jj, pos))
        eta = lr / ac.sqrt(epoch + 1.0) if decay else lr
        for p in range(n):
            if sampling == 1:
                u = ac.hash_uniform(key, np.uint64(epoch * n + p) | _STREAM_BITS)
                idx = np.int64(u * n)
                big = ac.select(idx < n - 1, idx, n - 1) == 0
            else:
                big = p == pos
            b1t = ac.advance_power(b1t, b1)
            b2t = ac.advance_power(b2t, b2)
            g = ac.select(big, c, -a) * ac.select(x >= -1.0, 1.0, x + 2.0)
            xn, m, v, _ = ac.adam_step(x, m, v, 0.0, g, b1, b2, b1t, b2t, eta, eps, bc, 0)
            live = alive & ac.finite_bounded(xn)
            newly = alive & (not live)
            status = ac.select(newly, ac.DIVERGED, status)
            dat = ac.select(newly, epoch + 1, dat)
            alive = live
            x = ac.select(live, xn, x)
        grad = abs(ac.select(x >= -1.0, 1.0, x + 2.0)) / n
        mg = ac.select(grad < mg, grad, mg)  # min(mg, grad), the same bits (no NaN here)
        ax = abs(x)
        mx = ac.select(ax > mx, ax, mx)
        li = ac.select(
            abs(x - ac.X_STAR) <= ac.ball_radius(d0, rho, lr, epoch + 1.0), epoch + 1, li
        )
        if epoch + 1 == K // 2:
            xh = x
    st_f[i, 0] = x
    st_f[i, 1] = m
    st_f[i, 2] = v
    st_f[i, 3] = b1t
    st_f[i, 4] = b2t
    st_f[i, 5] = xh
    st_f[i, 6] = mx
    st_f[i, 7] = mg
    st_i[i, 0] = status
    st_i[i, 1] = dat
    st_i[i, 2] = 1 if alive else 0
    st_i[i, 3] = li


@njit(parallel=True, cache=True)
def _scalar_slice(
    b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, bc, d0, rho, K, e0, e1, st_f, st_i
):
    for i in prange(b1s.size):
        trajectory_epochs(
            i, b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, bc, d0, rho, K, e0, e1, st_f, st_i
        )


@contextmanager
def _without_fma_contraction() -> Iterator[None]:
    """Generate PTX inside the block with NVVM's ``-fma=0``.

    Numba's ``cuda.jit`` has no switch for it (numba issue #2834, numba-cuda issue #118; the
    ``fma`` option is only ever set, to on, by ``fastmath=True``), and the kernel's NVVM
    options are fixed inside the dispatcher, so the call that turns LLVM IR into PTX
    (``numba.cuda.cudadrv.nvvm.compile_ir``) is wrapped for the duration of the block to add
    ``fma=False``. A kernel compiled (first launched) inside the block keeps its PTX, so later
    launches need no wrapper; the original function is restored on exit.
    """
    from numba.cuda.cudadrv import nvvm

    compile_ir = nvvm.compile_ir

    def without_fma(llvmir: Any, **options: Any) -> Any:
        return compile_ir(llvmir, **{**options, "fma": False})

    nvvm.compile_ir = without_fma
    try:
        yield
    finally:
        nvvm.compile_ir = compile_ir


@cuda.jit(fastmath=False)
def _cuda_slice(b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, bc, d0, rho, K, e0, e1, sf, si):
    # a lazy dispatcher: nothing compiles (and no GPU is needed) until the first launch
    i = cuda.grid(1)
    if i < b1s.size:
        trajectory_epochs(
            i, b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, bc, d0, rho, K, e0, e1, sf, si
        )


def _initial_state(B: int, x0: float) -> tuple[np.ndarray, np.ndarray]:
    st_f = np.zeros((B, 8))
    st_f[:, 0] = x0
    st_f[:, 3] = 1.0
    st_f[:, 4] = 1.0
    st_f[:, 6] = abs(x0)
    st_f[:, 7] = np.inf
    st_i = np.zeros((B, 4), np.int64)
    st_i[:, 1] = -1
    st_i[:, 2] = 1
    return st_f, st_i


def _finish(cfg: SweepConfig, st_f: np.ndarray, st_i: np.ndarray, d0: float) -> dict:
    x = np.ascontiguousarray(st_f[:, 0])
    xh = np.ascontiguousarray(st_f[:, 5])
    status, dat = ac.end_status(
        st_i[:, 0].copy(),
        st_i[:, 1].copy(),
        st_i[:, 2] != 0,
        st_i[:, 3],
        np.abs(x - ac.X_STAR),
        np.abs(xh - ac.X_STAR),
        half_mass(cfg),
        cfg.epochs,
        d0,
        cfg.rho,
        cfg.conv_tol,
    )
    return {
        "status": status,
        "diverged_at": dat,
        "x_final": x,
        "x_half": xh,
        "max_abs_x": np.ascontiguousarray(st_f[:, 6]),
        "min_grad_norm": np.ascontiguousarray(st_f[:, 7]),
    }


def _scalars(cfg: SweepConfig, d0: float) -> tuple:
    return (
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
        cfg.epochs,
    )


def sweep_scalar(
    beta1: Any,
    beta2: Any,
    cfg: SweepConfig,
    keys: np.ndarray,
    *,
    on_slice: Callable[[int], None] | None = None,
    slice_steps: int | None = None,
) -> dict:
    """The GPU kernel's body on the CPU (``njit``, one trajectory per iteration): same bits as
    :func:`adamtheory.kernels.counterexample.sweep_reference`; used to test the GPU code path
    without a GPU."""
    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    d0 = abs(float(cfg.x0) - ac.X_STAR)
    st_f, st_i = _initial_state(b1.size, float(cfg.x0))
    step = slice_epochs(b1.size, cfg.n, SLICE_STEPS if slice_steps is None else slice_steps)
    for e0 in range(0, cfg.epochs, step):
        e1 = min(cfg.epochs, e0 + step)
        _scalar_slice(b1, b2, keys, *_scalars(cfg, d0)[:-1], cfg.epochs, e0, e1, st_f, st_i)
        if on_slice is not None:
            on_slice(e1 - e0)
    return _finish(cfg, st_f, st_i, d0)


def sweep_cuda(
    beta1: Any,
    beta2: Any,
    cfg: SweepConfig,
    keys: np.ndarray,
    *,
    on_slice: Callable[[int], None] | None = None,
    threads_per_block: int = 128,
    slice_steps: int = 100 * SLICE_STEPS,
) -> dict:
    """``numba.cuda`` version of :func:`adamtheory.kernels.counterexample.sweep_reference`
    (needs a CUDA GPU); the state stays on the device between slices of epochs."""
    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    d0 = abs(float(cfg.x0) - ac.X_STAR)
    st_f, st_i = _initial_state(b1.size, float(cfg.x0))
    d_b1, d_b2, d_keys = cuda.to_device(b1), cuda.to_device(b2), cuda.to_device(keys)
    d_f, d_i = cuda.to_device(st_f), cuda.to_device(st_i)
    kernel = _cuda_slice
    blocks = (b1.size + threads_per_block - 1) // threads_per_block
    step = slice_epochs(b1.size, cfg.n, slice_steps)
    scal = _scalars(cfg, d0)[:-1]
    for e0 in range(0, cfg.epochs, step):
        e1 = min(cfg.epochs, e0 + step)
        with _without_fma_contraction():  # the first launch compiles
            kernel[blocks, threads_per_block](
                d_b1, d_b2, d_keys, *scal, cfg.epochs, e0, e1, d_f, d_i
            )
        cuda.synchronize()
        if on_slice is not None:
            on_slice(e1 - e0)
    return _finish(cfg, d_f.copy_to_host(), d_i.copy_to_host(), d0)


# the sweep backend is still called "cupy" (the GPU backend name used everywhere)
sweep_cupy = sweep_cuda
