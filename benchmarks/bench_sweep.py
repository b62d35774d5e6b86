"""Throughput of the counterexample sweep: NumPy reference vs Numba (vs the GPU when present).

Workload (issue #3): a 200 x 200 (beta1, beta2) grid, n = 10, shuffle sampling, Z22's Adam
(eps = 0, bias correction), eta_k = 1/sqrt(k). Numba runs the full 1000 epochs (4e8 scalar
Adam steps); the NumPy reference runs the same grid for fewer epochs (its cost is linear in
epochs) and both are reported as trajectory-steps per second, measured in this one process.

Usage: python benchmarks/bench_sweep.py [--epochs 1000] [--numpy-epochs 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from adamtheory.kernels.counterexample import SweepConfig, sweep_reference
from adamtheory.kernels.fused import sweep_numba
from adamtheory.kernels.sampling import trajectory_keys


def timed(fn, *args, repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=200)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--numpy-epochs", type=int, default=100)
    parser.add_argument(
        "--sampling",
        choices=("shuffle", "iid", "cyclic"),
        default="shuffle",
        help="cyclic needs no random stream: the gap to shuffle is the hash's cost (profile)",
    )
    parser.add_argument("--json", type=str)
    args = parser.parse_args()

    g1, g2 = np.meshgrid(
        np.linspace(0, 0.99, args.grid), np.linspace(0, 0.9999, args.grid), indexing="ij"
    )
    b1, b2 = g1.ravel(), g2.ravel()
    keys = trajectory_keys(0, np.arange(b1.size))
    full = SweepConfig(n=args.n, epochs=args.epochs, sampling=args.sampling)
    short = SweepConfig(n=args.n, epochs=args.numpy_epochs, sampling=args.sampling)

    sweep_numba(b1[:4], b2[:4], short, keys[:4])  # compile (cached on disk afterwards)
    # identical results on the short workload, checked here too
    ref = sweep_reference(b1, b2, short, keys)
    fast = sweep_numba(b1, b2, short, keys)
    identical = all(np.array_equal(ref[k], fast[k]) for k in ref)

    t_numpy = timed(sweep_reference, b1, b2, short, keys)
    t_numba_short = timed(sweep_numba, b1, b2, short, keys, repeats=3)
    t_numba = timed(sweep_numba, b1, b2, full, keys)
    steps_short = b1.size * args.n * args.numpy_epochs
    steps_full = b1.size * args.n * args.epochs
    import numba

    result = {
        "grid": args.grid,
        "n": args.n,
        "epochs": args.epochs,
        "numpy_epochs": args.numpy_epochs,
        "sampling": args.sampling,
        "identical_results": identical,
        "numpy_steps_per_s": steps_short / t_numpy,
        "numba_steps_per_s_short": steps_short / t_numba_short,
        "numba_steps_per_s_full": steps_full / t_numba,
        "numba_seconds_full": t_numba,
        "ratio_numba_over_numpy": (steps_short / t_numba_short) / (steps_short / t_numpy),
        "threads": numba.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    from adamtheory.kernels.sweeps import _cuda_reason

    reason = _cuda_reason()
    if reason is None:
        from numba import cuda

        from adamtheory.kernels.cuda_sweep import sweep_cuda

        gpu_short = sweep_cuda(b1, b2, short, keys)  # also compiles the kernel
        result["gpu_identical_results"] = all(np.array_equal(ref[k], gpu_short[k]) for k in ref)
        t_gpu = timed(sweep_cuda, b1, b2, full, keys, repeats=3)
        result["gpu_steps_per_s_full"] = steps_full / t_gpu
        result["gpu_seconds_full"] = t_gpu
        result["gpu_over_numba"] = t_numba / t_gpu
        name = cuda.get_current_device().name
        result["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
    else:
        result["gpu"] = f"not measured: {reason}"
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
