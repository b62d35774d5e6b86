"""The scale-out seam (adamtheory.kernels.executors): order, bit-identity, errors, CLI options.

The Dask LocalCluster tests are in test_dask_cluster.py; here everything runs in-process or on
thread/process pools, so the module needs no Dask.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import sys
from functools import partial

import numpy as np
import pytest

from adamtheory.kernels import SweepConfig, divergence_sweep, trajectory_keys
from adamtheory.kernels.counterexample import sweep_reference
from adamtheory.kernels.executors import (
    SCHEDULER_CHOICES,
    SchedulerUnavailable,
    add_scheduler_arguments,
    executor_from_args,
    imap_chunks,
    make_executor,
    map_chunks,
    numba_threads_per_worker,
)

CFG = SweepConfig(n=4, epochs=30, seed=11)
B1 = np.linspace(0.0, 0.9, 7)
B2 = np.linspace(0.6, 0.99, 5)


def sweep_chunk(flat1, flat2, config, bounds):
    """A pure chunk of a sweep: grid points start:stop with their *global* trajectory ids."""
    start, stop = bounds
    keys = trajectory_keys(config.seed, np.arange(start, stop))
    return sweep_reference(flat1[start:stop], flat2[start:stop], config, keys)


def chunked_sweep(executor, chunk_size):
    g1, g2 = np.meshgrid(B1, B2, indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    bounds = [(s, min(s + chunk_size, flat1.size)) for s in range(0, flat1.size, chunk_size)]
    parts = map_chunks(partial(sweep_chunk, flat1, flat2, CFG), bounds, executor)
    return {k: np.concatenate([p[k] for p in parts]).reshape(g1.shape) for k in parts[0]}


def slow_identity(x):
    import time

    # later chunks finish first, so completion order differs from chunk order
    time.sleep(0.002 * (10 - x))
    return x


def test_map_chunks_returns_results_in_chunk_order_on_every_executor():
    expected = list(range(10))
    assert map_chunks(slow_identity, range(10)) == expected
    with cf.ThreadPoolExecutor(4) as pool:
        assert map_chunks(slow_identity, range(10), pool) == expected
        assert map_chunks(slow_identity, range(10), pool, max_in_flight=2) == expected
        order = [i for i, _ in imap_chunks(slow_identity, range(10), pool, max_in_flight=10)]
    assert sorted(order) == expected


def test_in_process_is_a_plain_loop_and_lazy():
    seen = []

    def fn(x):
        seen.append(x)
        return x * x

    stream = imap_chunks(fn, iter(range(3)))
    assert seen == []  # nothing runs before the caller asks
    assert list(stream) == [(0, 0), (1, 1), (2, 4)]
    assert map_chunks(fn, []) == []


@pytest.mark.parametrize("chunk_size", [1, 4, 35])
def test_chunked_sweep_on_threads_is_bit_identical_to_divergence_sweep(chunk_size):
    ref = divergence_sweep(B1, B2, CFG, backend="numpy")
    with cf.ThreadPoolExecutor(3) as pool:
        got = chunked_sweep(pool, chunk_size)
    for name, arr in got.items():
        np.testing.assert_array_equal(arr, ref[name].values[..., 0], err_msg=name)


@pytest.mark.slow
def test_chunked_sweep_on_two_processes_is_bit_identical():
    ref = chunked_sweep(None, 35)
    with make_executor("processes", workers=2) as pool:
        assert isinstance(pool, cf.ProcessPoolExecutor)
        got = chunked_sweep(pool, 6)
    for name in ref:
        np.testing.assert_array_equal(got[name], ref[name], err_msg=name)


def failing(x):
    if x == 3:
        raise ArithmeticError("chunk 3 failed")
    return x


def test_first_chunk_error_propagates_and_pending_chunks_are_cancelled():
    with pytest.raises(ArithmeticError, match="chunk 3"):
        map_chunks(failing, range(6))
    with cf.ThreadPoolExecutor(2) as pool, pytest.raises(ArithmeticError, match="chunk 3"):
        map_chunks(failing, range(50), pool, max_in_flight=2)


def test_bad_executor_and_window_are_rejected_by_name():
    with pytest.raises(TypeError, match="executor must be None"):
        map_chunks(abs, [1], executor="dask")
    with pytest.raises(ValueError, match="max_in_flight"):
        map_chunks(abs, [1], cf.ThreadPoolExecutor(1), max_in_flight=0)
    with pytest.raises(TypeError, match="max_in_flight"):
        map_chunks(abs, [1], cf.ThreadPoolExecutor(1), max_in_flight=1.5)


def test_numba_threads_split_the_cores_between_workers():
    assert numba_threads_per_worker(2, cores=16) == 8
    assert numba_threads_per_worker(3, cores=16) == 5
    assert numba_threads_per_worker(32, cores=16) == 1  # never zero


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_scheduler_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_options_default_to_local_and_yield_no_executor():
    args = parse()
    assert (args.scheduler, args.dask_address, args.workers) == ("local", None, None)
    with executor_from_args(args) as executor:
        assert executor is None
    assert SCHEDULER_CHOICES == ("local", "processes", "dask")


def test_cli_rejects_an_unknown_scheduler(capsys):
    with pytest.raises(SystemExit) as exc:
        parse("--scheduler", "mpi")
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--workers", "0"), r"workers must be a positive integer \(>= 1\); got 0"),
        (("--dask-address", "tcp://127.0.0.1:8786"), "--dask-address needs --scheduler dask"),
        (("--scheduler", "dask", "--dask-address", "not an address"), "tcp://HOST:PORT"),
    ],
)
def test_bad_scheduler_input_is_one_line_value_error(argv, match):
    with pytest.raises(ValueError, match=match) as exc:
        with executor_from_args(parse(*argv)):
            pass
    assert "\n" not in str(exc.value)


def test_dask_missing_names_the_extra(monkeypatch):
    # None in sys.modules makes ``import dask.distributed`` raise ImportError
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(SchedulerUnavailable, match=r'pip install "adamtheory\[dask\]"') as exc:
        with executor_from_args(parse("--scheduler", "dask")):
            pass
    assert isinstance(exc.value, ValueError) and "\n" not in str(exc.value)


@pytest.mark.slow
def test_local_default_never_starts_dask_distributed():
    # xarray itself may import dask.array when installed; the distributed engine must not load
    import subprocess

    code = (
        "import sys, numpy as np\n"
        "from adamtheory.kernels import SweepConfig, divergence_sweep\n"
        "from adamtheory.kernels.executors import map_chunks, make_executor\n"
        "with make_executor('local') as ex: map_chunks(abs, [-1], ex)\n"
        "divergence_sweep([0.5], [0.9], SweepConfig(n=3, epochs=5), backend='numpy')\n"
        "names = ('distributed', 'dask.distributed')\n"
        "print(sorted(m for m in sys.modules if m in names or m.startswith('distributed.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
