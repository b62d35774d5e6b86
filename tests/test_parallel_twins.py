"""The serial twins of the parallel kernels (adamtheory.kernels.parallel) give the same bits.

Small workloads run a serially compiled copy of each parallel kernel (cheaper to compile, the
first ``verify`` touches many of them); the two forms must be interchangeable: per-trajectory
outputs only, so every number is the same whichever form ran.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamtheory.kernels import parallel
from adamtheory.kernels.atlas import AtlasConfig, atlas_chunk
from adamtheory.kernels.counterexample import ChainConfig, SweepConfig
from adamtheory.kernels.fused import drift_chain_numba, sweep_numba
from adamtheory.kernels.o2nc_lemma31 import lemma31_run
from adamtheory.kernels.sampling import trajectory_keys
from adamtheory.problems.o2nc_chain import chain_for_measure

B1 = np.repeat(np.linspace(0.0, 0.95, 9), 9)
B2 = np.tile(np.concatenate([[0.0], 1 - np.logspace(-0.5, -4, 8)]), 9)


def _both(monkeypatch, run):
    """``run()`` with every kernel forced parallel, then forced serial."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_STEPS", 0)
    forced_parallel = run()
    monkeypatch.setattr(parallel, "PARALLEL_MIN_STEPS", float("inf"))
    forced_serial = run()
    return forced_parallel, forced_serial


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)


@pytest.mark.parametrize("sampling", ["shuffle", "iid"])
def test_sweep_twins_agree(monkeypatch, sampling):
    cfg = SweepConfig(n=7, epochs=60, sampling=sampling)
    keys = trajectory_keys(0, np.arange(B1.size))
    _assert_same(*_both(monkeypatch, lambda: sweep_numba(B1, B2, cfg, keys)))


def test_drift_chain_twins_agree(monkeypatch):
    cfg = ChainConfig(n=7, r=1.0 / 6.0, epochs=40, burn_in=10, chains=2)
    keys = trajectory_keys(1, np.arange(B1.size * 2))
    par, ser = _both(monkeypatch, lambda: drift_chain_numba(B1, B2, cfg, keys))
    np.testing.assert_array_equal(par, ser)


def test_atlas_twins_agree(monkeypatch):
    cfg = AtlasConfig(n=6, max_epochs=128, seed=3)
    _assert_same(*_both(monkeypatch, lambda: atlas_chunk(B1, B2, cfg, (0, B1.size))))


def test_lemma31_twins_agree(monkeypatch):
    chain = chain_for_measure(2, 0.5, 1.0, 1.0)
    params = {"eta": 0.4, "beta": 0.9, "mu": 0.05, "D": 0.3}

    def run():
        return lemma31_run(chain, T=300, lam=chain.lam, seed=2, trajectories=6, **params)

    _assert_same(*_both(monkeypatch, run))


def test_the_workload_picks_the_form(monkeypatch):
    calls = []
    kernel = parallel.ParallelKernel(lambda: calls.append("p"), lambda: calls.append("s"))
    kernel(steps=parallel.PARALLEL_MIN_STEPS)
    kernel(steps=parallel.PARALLEL_MIN_STEPS - 1)
    assert calls == ["p", "s"]
    # the twin has its own name, so Numba's on-disk cache keeps the two apart
    from adamtheory.kernels.fused import sweep_slice

    assert sweep_slice.serial.py_func.__qualname__ == "sweep_slice_serial"
    assert sweep_slice.parallel.py_func.__qualname__ == "sweep_slice"
