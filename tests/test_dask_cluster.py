"""A Dask LocalCluster (2 worker processes, loopback) gives the in-process numbers bit for bit.

One cluster serves the module; it is started under an alarm (bounded time) and its teardown
checks that no worker process survives.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import textwrap
import time
from functools import partial

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("zarr")

from adamtheory.kernels import SweepConfig, divergence_sweep  # noqa: E402
from adamtheory.kernels.executors import (  # noqa: E402
    SchedulerUnavailable,
    make_executor,
    map_chunks,
    numba_threads_per_worker,
)
from adamtheory.kernels.store import _block, zarr_sweep  # noqa: E402
from adamtheory.report.verify import load_plugin, verify  # noqa: E402

pytestmark = pytest.mark.slow

CFG = SweepConfig(n=5, epochs=40, seed=9)
B1 = np.linspace(0.0, 0.95, 9)
B2 = np.linspace(0.4, 0.99, 7)
VARIABLES = ("status", "diverged_at", "x_final", "x_half", "max_abs_x", "min_grad_norm")
BUDGET_S = 240
# cheap random claims (the same shape as test_verify_jobs.py's plugin)
PLUGIN = """
from adamtheory import Claim, Evidence, rules

def _mean(ctx):
    return Evidence(ctx.rng(0).uniform(0.0, 1.0, 400), 1.0, predicted="E[U] <= 1")

CLAIMS = [
    Claim(id=f"CLUSTER-{k}", title="a uniform mean is below 1", statement="E[U] <= 1",
          source="a test", provenance="derived", rule=rules.upper_bound(), evaluate=_mean,
          sensitivity=(rules.scale(0.25, target="bound 4x too optimistic", control=True),))
    for k in "AB"
]
"""  # the whole module; a hung cluster fails the run instead of blocking CI


def _alarm(signum, frame):
    raise TimeoutError(f"the LocalCluster tests exceeded {BUDGET_S} s")


@pytest.fixture(scope="module")
def client():
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(BUDGET_S)
    try:
        with make_executor("dask", workers=2) as c:
            c.wait_for_workers(2, timeout=60)
            yield c
        deadline = time.monotonic() + 10
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not multiprocessing.active_children(), "worker processes left running"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def reference():
    return divergence_sweep(B1, B2, CFG, replicates=2, backend="numpy")


def test_cluster_has_two_single_threaded_workers_with_numba_threads_set(client):
    info = client.scheduler_info()["workers"]
    assert len(info) == 2
    assert all(w["nthreads"] == 1 for w in info.values())
    envs = client.run(lambda: os.environ.get("NUMBA_NUM_THREADS"))
    assert set(envs.values()) == {str(numba_threads_per_worker(2))}
    hosts = {addr.split("://")[1].rsplit(":", 1)[0] for addr in info}
    assert hosts == {"127.0.0.1"}


@pytest.mark.parametrize("rows", [1, 4])
def test_sweep_blocks_on_the_cluster_are_bit_identical(client, reference, rows):
    bounds = [(i, min(i + rows, B1.size)) for i in range(0, B1.size, rows)]
    parts = map_chunks(partial(_block, "numpy", B1, B2, 2, CFG), bounds, client)
    for name in VARIABLES:
        got = np.concatenate([out[name] for _, out in parts])
        np.testing.assert_array_equal(got, reference[name].values, err_msg=name)


def test_zarr_sweep_on_the_cluster_equals_in_process(client, reference, tmp_path):
    ds = zarr_sweep(
        tmp_path / "s.zarr",
        B1,
        B2,
        CFG,
        replicates=2,
        backend="numpy",
        rows_per_block=2,
        executor=client,
    )
    assert ds.attrs["blocks_computed"] == 5
    for name in VARIABLES:
        np.testing.assert_array_equal(ds[name].values, reference[name].values, err_msg=name)


def test_verify_on_the_cluster_equals_sequential(client, tmp_path):
    path = tmp_path / "cluster_plugin.py"
    path.write_text(textwrap.dedent(PLUGIN))
    claims = load_plugin(str(path))
    seq = verify(claims, seed=8)
    par = verify(claims, seed=8, executor=client)

    def strip(results):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in results]

    assert strip(par.results) == strip(seq.results)


def test_unreachable_address_is_a_one_line_error_within_seconds():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(SchedulerUnavailable, match="no Dask scheduler answered") as exc:
        with make_executor("dask", address=f"tcp://127.0.0.1:{port}"):
            pass
    # a liveness bound, not a performance claim: the timeout is 3 s, a hang would be minutes
    assert time.monotonic() - start < 30
    assert "\n" not in str(exc.value)


def test_divergence_sweep_on_the_cluster_equals_in_process(client):
    # 400 x 400 points: the flattened axes (1.28 MB each) are scattered once, not per task
    b1, b2 = np.linspace(0.0, 0.99, 400), np.linspace(0.0, 0.9999, 400)
    config = SweepConfig(n=3, epochs=8, seed=2)
    local = divergence_sweep(b1, b2, config, backend="numba", chunk_size=40_000)
    remote = divergence_sweep(b1, b2, config, backend="numba", chunk_size=40_000, executor=client)
    for name in VARIABLES:
        np.testing.assert_array_equal(remote[name].values, local[name].values, err_msg=name)


def test_a_failing_chunk_raises_its_error_on_the_client(client):
    import operator

    with pytest.raises(ZeroDivisionError):
        map_chunks(partial(operator.truediv, 1.0), [1.0, 2.0, 0.0, 4.0], client)
    # the cluster still works afterwards
    assert map_chunks(abs, [-3, -1], client) == [3, 1]
