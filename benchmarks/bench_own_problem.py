"""Own-problem (finite-sum) sweeps: steps per second of the NumPy path against the fused kernel.

A user finite sum has its gradients in a Python callable, so its sweep
(:func:`adamtheory.kernels.finite_sum.finite_sum_sweep`) is the vectorised NumPy loop: one
``component_grad`` call per step on all trajectories of a chunk. The workload is the built-in
counterexample wrapped as user code (n = 10, shuffle, eps = 0, bias correction), so the
numbers can be compared with the fused kernel on the same trajectories, which give the same
bits. Three runs each.

Usage: python benchmarks/bench_own_problem.py [--grid 200] [--epochs 40] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from adamtheory.kernels.counterexample import SweepConfig
from adamtheory.kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from adamtheory.kernels.sweeps import divergence_sweep
from adamtheory.problems.counterexamples import one_big_gradient
from adamtheory.problems.user import user_finite_sum


def best_of(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=200)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=str)
    args = parser.parse_args()
    b1 = np.linspace(0, 0.99, args.grid)
    b2 = np.linspace(0, 0.9999, args.grid)
    obg = one_big_gradient(args.n, 1.0)
    problem = user_finite_sum(
        obg.component_grad, n=args.n, x0=[0.0], x_star=[-2.0], value=obg.value
    )
    fs_cfg = FiniteSumSweepConfig(epochs=args.epochs)
    cfg = SweepConfig(n=args.n, epochs=args.epochs)
    steps = args.grid * args.grid * args.n * args.epochs
    own = finite_sum_sweep(b1, b2, problem, fs_cfg)
    fused = divergence_sweep(b1, b2, cfg, backend="numba")
    identical = bool(np.array_equal(own.status.values, fused.status.values)) and bool(
        np.array_equal(own.x_final.values[..., 0], fused.x_final.values)
    )
    t_own, own_runs = best_of(lambda: finite_sum_sweep(b1, b2, problem, fs_cfg), args.runs)
    t_fused, fused_runs = best_of(lambda: divergence_sweep(b1, b2, cfg, backend="numba"), args.runs)
    result = {
        "grid": args.grid,
        "n": args.n,
        "epochs": args.epochs,
        "identical_to_fused": identical,
        "own_problem_numpy_steps_per_s": steps / t_own,
        "own_problem_runs": [steps / t for t in own_runs],
        "fused_builtin_steps_per_s": steps / t_fused,
        "fused_runs": [steps / t for t in fused_runs],
        "fused_over_own_problem": t_own / t_fused,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
