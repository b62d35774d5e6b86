"""Scale-out: 1 vs 2 Dask worker processes on one machine, and the scheduler overhead per chunk.

Workload (issue #15): the counterexample sweep at n = 100 (shuffle sampling, Z22's Adam: eps = 0,
bias correction, eta_k = 1/sqrt(k)) on a G x G (beta1, beta2) grid for K epochs, cut into one
chunk per beta1 row (``adamtheory.kernels.store._block``, the chunk function of the Zarr
sweeps) and mapped with ``adamtheory.kernels.executors.map_chunks``:

* in-process (``executor=None``), Numba with its default threads (all cores);
* a LocalCluster with 1 worker process (1 Numba thread), then with 2 (1 Numba thread each):
  scaling efficiency = rate(2 workers) / (2 * rate(1 worker));
* the overhead per chunk of each executor: ``map_chunks(abs, range(N))`` wall time / N.

Every cluster result is checked bit-identical to the in-process one. Rates are trajectory-steps
(one scalar Adam step of one trajectory) per second; the cost of a 10^4 x 10^4 grid at n = 100
for K epochs follows as 10^8 * 100 * K / rate.

Usage: python benchmarks/bench_scale.py [--grid 80] [--epochs 200] [--tasks 400] [--repeats 3]
                                        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from functools import partial

import numpy as np


def warm() -> None:
    """Compile (or load from Numba's cache) the sweep kernel in this process."""
    from adamtheory.kernels import SweepConfig, trajectory_keys
    from adamtheory.kernels.fused import sweep_numba

    sweep_numba(
        np.full(2, 0.5), np.full(2, 0.9), SweepConfig(n=3, epochs=2), trajectory_keys(0, [0, 1])
    )


def sweep(executor, b1, b2, config):
    from adamtheory.kernels.executors import map_chunks
    from adamtheory.kernels.store import _block

    rows = [(i, i + 1) for i in range(b1.size)]
    start = time.perf_counter()
    parts = map_chunks(partial(_block, "numba", b1, b2, 1, config), rows, executor)
    seconds = time.perf_counter() - start
    return seconds, {k: np.concatenate([p[k] for _, p in parts]) for k in parts[0][1]}


def overhead(executor, tasks: int) -> float:
    from adamtheory.kernels.executors import map_chunks

    map_chunks(abs, range(min(tasks, 20)), executor)  # warm the pool
    start = time.perf_counter()
    out = map_chunks(abs, range(-tasks, 0), executor)
    seconds = time.perf_counter() - start
    assert out == list(range(tasks, 0, -1))
    return seconds / tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=80)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=400, help="no-op chunks for the overhead")
    parser.add_argument("--repeats", type=int, default=3, help="best of, per cluster size")
    parser.add_argument("--json", type=str)
    args = parser.parse_args()

    import numba

    from adamtheory.kernels import SweepConfig
    from adamtheory.kernels.executors import make_executor

    config = SweepConfig(n=args.n, epochs=args.epochs)
    b1 = np.linspace(0.0, 0.99, args.grid)
    b2 = np.linspace(0.0, 0.9999, args.grid)
    steps = args.grid * args.grid * args.n * args.epochs
    warm()
    t_local, ref = sweep(None, b1, b2, config)
    t_local = min(t_local, sweep(None, b1, b2, config)[0])
    result = {
        "workload": {"grid": args.grid, "n": args.n, "epochs": args.epochs, "steps": steps},
        "machine": {
            "cores": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "numba_threads_in_process": numba.get_num_threads(),
        },
        "in_process": {"seconds": t_local, "steps_per_s": steps / t_local},
        "overhead_per_chunk_s": {"in_process": overhead(None, args.tasks)},
    }
    with make_executor("processes", workers=2, numba_threads=1) as pool:
        result["overhead_per_chunk_s"]["processes_2"] = overhead(pool, args.tasks)
    # both clusters live side by side and are timed alternately (best of --repeats), so a
    # burst of load from elsewhere hits both alike
    with (
        make_executor("dask", workers=1, numba_threads=1) as one,
        make_executor("dask", workers=2, numba_threads=1) as two,
    ):
        clients = {1: one, 2: two}
        best = {1: float("inf"), 2: float("inf")}
        identical = True
        for workers, client in clients.items():
            client.wait_for_workers(workers)
            client.run(warm)
        for _ in range(args.repeats):
            for workers, client in clients.items():
                seconds, got = sweep(client, b1, b2, config)
                identical &= all(np.array_equal(got[k], ref[k]) for k in ref)
                best[workers] = min(best[workers], seconds)
        for workers, client in clients.items():
            result[f"dask_{workers}"] = {
                "seconds": best[workers],
                "steps_per_s": steps / best[workers],
                "bit_identical": identical,
            }
            result["overhead_per_chunk_s"][f"dask_{workers}"] = overhead(client, args.tasks)
    r1, r2 = result["dask_1"]["steps_per_s"], result["dask_2"]["steps_per_s"]
    result["scaling_efficiency_2_workers"] = r2 / (2 * r1)
    big = 1e8 * 100 * args.epochs
    result["grid_1e4_n100_hours"] = {
        "epochs": args.epochs,
        "at_in_process_rate": big / result["in_process"]["steps_per_s"] / 3600,
        "at_2_worker_rate": big / r2 / 3600,
        "per_core_hours": big / r1 / 3600,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
