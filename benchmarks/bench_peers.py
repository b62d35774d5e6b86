"""The fused counterexample sweep against what a user would write: JAX jit and PyTorch.

Workload (issue #14): a 200 x 200 (beta1, beta2) grid, n = 10, shuffle sampling, eps = 0,
bias correction, eta_k = 1/sqrt(k), 200 epochs, float64, measured side by side in this one
process, three runs each (best and median reported). The peers are vectorised over the grid
(~30 lines each; they run ``--peer-epochs`` epochs, their cost being linear in epochs) and,
to be generous to them, draw only the position of the big gradient per
epoch (one random integer), whereas the toolkit's kernel replays the full Fisher-Yates
shuffle of its counter-based streams (n - 1 hashes per epoch) so that its numbers are
bit-identical to the NumPy reference. JAX and PyTorch are optional: absent ones are skipped
with a note. The NumPy reference runs fewer epochs (its cost is linear in epochs).

Usage: python benchmarks/bench_peers.py [--epochs 200] [--numpy-epochs 10] [--runs 3]
       [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from adamtheory.kernels.counterexample import SweepConfig, sweep_reference
from adamtheory.kernels.fused import sweep_numba
from adamtheory.kernels.sampling import trajectory_keys


def measure(fn, runs: int) -> dict:
    """Wall and CPU seconds of ``runs`` calls (the machine may be shared: CPU time too)."""
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"wall": wall, "cpu": cpu}


def rates(steps: int, t: dict) -> dict:
    return {
        "steps_per_s_best": steps / min(t["wall"]),
        "steps_per_s_median": steps / statistics.median(t["wall"]),
        "steps_per_s_runs": [steps / w for w in t["wall"]],
        "steps_per_cpu_s_best": steps / min(t["cpu"]),
    }


def jax_peer(b1, b2, n, epochs, c, a):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    @jax.jit
    def run(b1, b2, key):
        B = b1.shape[0]

        def epoch(state, k):
            x, m, v, b1t, b2t, ep, key = state
            key, sub = jax.random.split(key)
            pos = jax.random.randint(sub, (B,), 0, n)
            eta = 1.0 / jnp.sqrt(ep + 1.0)

            def step(s, p):
                x, m, v, b1t, b2t = s
                b1t, b2t = b1t * b1, b2t * b2
                g = jnp.where(pos == p, c, -a) * jnp.where(x >= -1.0, 1.0, x + 2.0)
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                den = jnp.sqrt(v) / jnp.sqrt(1 - b2t)
                d = jnp.where(den > 0, m / (1 - b1t) / jnp.where(den > 0, den, 1.0), 0.0)
                return (x - eta * d, m, v, b1t, b2t), None

            (x, m, v, b1t, b2t), _ = jax.lax.scan(step, (x, m, v, b1t, b2t), jnp.arange(n))
            return (x, m, v, b1t, b2t, ep + 1.0, key), None

        z = jnp.zeros_like(b1)
        init = (z, z, z, jnp.ones_like(b1), jnp.ones_like(b1), 0.0, key)
        out, _ = jax.lax.scan(epoch, init, None, length=epochs)
        return out[0]

    jb1, jb2 = jnp.asarray(b1), jnp.asarray(b2)
    key = jax.random.PRNGKey(0)
    run(jb1, jb2, key).block_until_ready()  # compile
    return lambda: run(jb1, jb2, key).block_until_ready(), jax.__version__


def torch_peer(b1, b2, n, epochs, c, a):
    import torch

    tb1 = torch.tensor(b1, dtype=torch.float64)
    tb2 = torch.tensor(b2, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)

    @torch.no_grad()
    def run():
        B = tb1.shape[0]
        x = torch.zeros(B, dtype=torch.float64)
        m, v = torch.zeros_like(x), torch.zeros_like(x)
        b1t, b2t = torch.ones_like(x), torch.ones_like(x)
        for ep in range(epochs):
            pos = torch.randint(0, n, (B,), generator=gen)
            eta = 1.0 / (ep + 1.0) ** 0.5
            for p in range(n):
                b1t, b2t = b1t * tb1, b2t * tb2
                g = torch.where(pos == p, c, -a) * torch.where(x >= -1.0, 1.0, x + 2.0)
                m = tb1 * m + (1 - tb1) * g
                v = tb2 * v + (1 - tb2) * g * g
                den = v.sqrt() / (1 - b2t).sqrt()
                d = torch.where(den > 0, m / (1 - b1t) / torch.where(den > 0, den, 1.0), 0.0)
                x = x - eta * d
        return x

    run()
    return run, torch.__version__


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=200)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--numpy-epochs", type=int, default=10)
    parser.add_argument(
        "--peer-epochs",
        type=int,
        default=50,
        help="epochs for the peers (their cost is linear in epochs; keeps the script short)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=str)
    args = parser.parse_args()

    g1, g2 = np.meshgrid(
        np.linspace(0, 0.99, args.grid), np.linspace(0, 0.9999, args.grid), indexing="ij"
    )
    b1, b2 = g1.ravel(), g2.ravel()
    keys = trajectory_keys(0, np.arange(b1.size))
    cfg = SweepConfig(n=args.n, epochs=args.epochs)
    short = SweepConfig(n=args.n, epochs=args.numpy_epochs)
    steps = b1.size * args.n * args.epochs
    steps_short = b1.size * args.n * args.numpy_epochs

    sweep_numba(b1[:64], b2[:64], short, keys[:64])  # compile (or load the disk cache)
    ref = sweep_reference(b1, b2, short, keys)
    fast = sweep_numba(b1, b2, short, keys)
    import numba

    result: dict = {
        "workload": {
            "grid": args.grid,
            "n": args.n,
            "epochs": args.epochs,
            "sampling": "shuffle",
            "eps": 0.0,
            "bias_correction": True,
            "dtype": "float64",
        },
        "identical_to_reference": all(np.array_equal(ref[k], fast[k]) for k in ref),
        "numpy": rates(steps_short, measure(lambda: sweep_reference(b1, b2, short, keys), 1)),
        "fused": rates(steps, measure(lambda: sweep_numba(b1, b2, cfg, keys), args.runs)),
        "threads": numba.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "load_average": os.getloadavg(),
        "numpy_version": np.__version__,
        "numba_version": numba.__version__,
    }
    peers = {}
    peer_steps = b1.size * args.n * args.peer_epochs
    for name, make in (("jax", jax_peer), ("torch", torch_peer)):
        try:
            fn, version = make(b1, b2, args.n, args.peer_epochs, float(cfg.c), float(cfg.a))
        except ImportError as exc:
            result[name] = f"skipped: {exc.name or name} is not installed"
            continue
        result[name] = {
            **rates(peer_steps, measure(fn, args.runs)),
            "epochs": args.peer_epochs,
            "version": version,
        }
        peers[name] = result[name]["steps_per_s_best"]
    fused = result["fused"]["steps_per_s_best"]
    result["fused_over_numpy"] = fused / result["numpy"]["steps_per_s_best"]
    if peers:
        best = max(peers, key=peers.get)
        result["best_peer"] = best
        result["fused_over_best_peer"] = fused / peers[best]
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
