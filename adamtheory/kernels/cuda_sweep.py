"""CUDA fast path for the counterexample sweep (CuPy ``RawKernel``), one thread per trajectory.

The kernel is the same algorithm, operation for operation, as
:func:`adamtheory.kernels.counterexample.sweep_reference` and the Numba kernel: β^t by repeated
multiplication, the counter-based SplitMix64 streams, the same Fisher-Yates shuffle, and the
same classification. It is compiled with ``--fmad=false`` so that no multiply-add is contracted
(IEEE float64 add, multiply, divide and sqrt are correctly rounded on the GPU), which makes the
results bit-identical to the CPU paths.

The same C++ source also builds as an ordinary host library (``SWEEP_SOURCE`` without
``__CUDACC__``/``__CUDACC_RTC__``): the test suite compiles it with ``g++ -ffp-contract=off``
and checks bit-identity with the NumPy reference on machines without a GPU, and compiles the
device code with ``nvcc`` when it is installed. The launch itself is exercised only where a GPU
is present.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .counterexample import SweepConfig, check_config, check_grid, check_keys

__all__ = ["MAX_N", "SWEEP_SOURCE", "sweep_cupy"]

MAX_N = 1024  # per-thread permutation buffer (local memory)

SWEEP_SOURCE = r"""
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define DEVICE __device__ __forceinline__
#else
#include <cmath>
#define DEVICE static inline
using std::sqrt;
using std::isfinite;
using std::fabs;
#endif

typedef unsigned long long u64;
typedef long long i64;

#define MAX_N 1024
#define OVERFLOW_LIMIT 1e100
#define X_STAR (-2.0)

DEVICE u64 mix64(u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

DEVICE double uniform(u64 key, u64 counter) {
    u64 c = counter | (1ULL << 56);  /* STREAM_SAMPLING = 1 */
    u64 bits = mix64(key ^ mix64(c * 0x9E3779B97F4A7C15ULL + 1ULL));
    return (double)(bits >> 11) * (1.0 / 9007199254740992.0);
}

DEVICE void fill_epoch(int* order, u64 key, i64 epoch, int n, int sampling) {
    if (sampling == 2) {                 /* cyclic */
        for (int p = 0; p < n; ++p) order[p] = p;
    } else if (sampling == 0) {          /* shuffle: Fisher-Yates */
        for (int p = 0; p < n; ++p) order[p] = p;
        for (int jj = n - 1; jj > 0; --jj) {
            double u = uniform(key, (u64)(epoch * n + jj));
            i64 k = (i64)(u * (double)(jj + 1));
            if (k > jj) k = jj;
            int held = order[jj];
            order[jj] = order[k];
            order[k] = held;
        }
    } else {                             /* iid */
        for (int p = 0; p < n; ++p) {
            double u = uniform(key, (u64)(epoch * n + p));
            i64 k = (i64)(u * (double)n);
            order[p] = (int)(k < n - 1 ? k : n - 1);
        }
    }
}

DEVICE void sweep_one(i64 i, const double* b1s, const double* b2s, const u64* keys, int n,
                      int K, double c, double a, double lr, int decay, int sampling,
                      double eps, int bc, double x0, double rho, double conv_tol,
                      i64* status, i64* diverged_at, double* x_final, double* x_half,
                      double* max_abs_x, double* min_grad) {
    int order[MAX_N];
    const double b1 = b1s[i], b2 = b2s[i];
    const u64 key = keys[i];
    const double d0 = fabs(x0 - X_STAR);
    double x = x0, m = 0.0, v = 0.0, b1t = 1.0, b2t = 1.0;
    i64 st = 0, dat = -1, last_inside = 0;
    int alive = 1;
    /* DBL_MAX instead of inf (portable): the first epoch-end gradient (finite) replaces it */
    double xh = 0.0, mx = fabs(x0), mg = 1.7976931348623157e308, half_mass = 0.0;
    for (int epoch = 0; epoch < K; ++epoch) {
        fill_epoch(order, key, epoch, n, sampling);
        const double eta = decay ? lr / sqrt(epoch + 1.0) : lr;
        for (int p = 0; p < n; ++p) {
            b1t = b1t * b1;
            b2t = b2t * b2;
            if (!alive) continue;
            const double slope = (x >= -1.0) ? 1.0 : x + 2.0;
            const double g = (order[p] == 0 ? c : -a) * slope;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * (g * g);
            double den, num;
            if (bc && (1.0 - b2t != 1.0 || 1.0 - b1t != 1.0)) {
                den = sqrt(v) / sqrt(1.0 - b2t) + eps;
                num = m / (1.0 - b1t);
            } else {
                den = sqrt(v) + eps;
                num = m;
            }
            const double step = den > 0 ? num / den : 0.0;
            const double x_new = x - eta * step;
            if (!isfinite(x_new) || fabs(x_new) > OVERFLOW_LIMIT) {
                alive = 0;
                st = 1;
                dat = epoch + 1;
            } else {
                x = x_new;
            }
        }
        if (epoch + 1 > K / 2) half_mass += eta;
        const double dist = fabs(x - X_STAR);
        const double grad = fabs(x >= -1.0 ? 1.0 : x + 2.0) / n;
        if (grad < mg) mg = grad;
        if (fabs(x) > mx) mx = fabs(x);
        if (dist <= d0 + 1.0 + rho * lr * sqrt(epoch + 1.0)) last_inside = epoch + 1;
        if (epoch + 1 == K / 2) xh = x;
    }
    const double final_dist = fabs(x - X_STAR);
    const int receding = final_dist - fabs(xh - X_STAR) > 0.5 * rho * half_mass;
    if (alive && st == 0 && last_inside < K && receding) {
        st = 1;
        dat = last_inside + 1;
    }
    if (st == 0 && final_dist <= conv_tol * (d0 > 1.0 ? d0 : 1.0)) st = -1;
    status[i] = st;
    diverged_at[i] = dat;
    x_final[i] = x;
    x_half[i] = xh;
    max_abs_x[i] = mx;
    min_grad[i] = mg;
}

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
extern "C" __global__ void sweep_kernel(
        i64 B, const double* b1s, const double* b2s, const u64* keys, int n, int K, double c,
        double a, double lr, int decay, int sampling, double eps, int bc, double x0,
        double rho, double conv_tol, i64* status, i64* diverged_at, double* x_final,
        double* x_half, double* max_abs_x, double* min_grad) {
    const i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < B) {
        sweep_one(i, b1s, b2s, keys, n, K, c, a, lr, decay, sampling, eps, bc, x0, rho,
                  conv_tol, status, diverged_at, x_final, x_half, max_abs_x, min_grad);
    }
}
#else
extern "C" void sweep_host(
        i64 B, const double* b1s, const double* b2s, const u64* keys, int n, int K, double c,
        double a, double lr, int decay, int sampling, double eps, int bc, double x0,
        double rho, double conv_tol, i64* status, i64* diverged_at, double* x_final,
        double* x_half, double* max_abs_x, double* min_grad) {
    for (i64 i = 0; i < B; ++i) {
        sweep_one(i, b1s, b2s, keys, n, K, c, a, lr, decay, sampling, eps, bc, x0, rho,
                  conv_tol, status, diverged_at, x_final, x_half, max_abs_x, min_grad);
    }
}
#endif
"""

_SAMPLING_CODES = {"shuffle": 0, "iid": 1, "cyclic": 2}
_OUTPUTS = (
    ("status", np.int64),
    ("diverged_at", np.int64),
    ("x_final", np.float64),
    ("x_half", np.float64),
    ("max_abs_x", np.float64),
    ("min_grad_norm", np.float64),
)


def scalar_arguments(cfg: SweepConfig) -> tuple:
    """The kernel's scalar arguments after the arrays, in order (shared with the host build)."""
    if cfg.n > MAX_N:
        raise ValueError(f"n must be <= {MAX_N} for the CUDA kernel; got {cfg.n}")
    return (
        cfg.n,
        cfg.epochs,
        cfg.c,
        cfg.a,
        cfg.lr,
        int(cfg.schedule == "inv_sqrt_epoch"),
        _SAMPLING_CODES[cfg.sampling],
        cfg.eps,
        int(cfg.bias_correction),
        float(cfg.x0),
        cfg.rho,
        cfg.conv_tol,
    )


@cache
def _kernel():
    import cupy

    return cupy.RawKernel(SWEEP_SOURCE, "sweep_kernel", options=("--fmad=false", "-std=c++14"))


def sweep_cupy(
    beta1, beta2, cfg: SweepConfig, keys: np.ndarray, *, threads_per_block: int = 128
) -> dict:
    """CuPy version of :func:`adamtheory.kernels.counterexample.sweep_reference` (needs a GPU)."""
    import cupy

    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    scalars = scalar_arguments(cfg)
    B = b1.size
    outs = {name: cupy.empty(B, dtype=dtype) for name, dtype in _OUTPUTS}
    blocks = (B + threads_per_block - 1) // threads_per_block
    n, K, c, a, lr, decay, sampling, eps, bc, x0, rho, tol = scalars
    _kernel()(
        (blocks,),
        (threads_per_block,),
        (
            np.int64(B),
            cupy.asarray(b1),
            cupy.asarray(b2),
            cupy.asarray(keys),
            np.int32(n),
            np.int32(K),
            np.float64(c),
            np.float64(a),
            np.float64(lr),
            np.int32(decay),
            np.int32(sampling),
            np.float64(eps),
            np.int32(bc),
            np.float64(x0),
            np.float64(rho),
            np.float64(tol),
            *outs.values(),
        ),
    )
    return {name: arr.get() for name, arr in outs.items()}
