"""Zarr-backed sweeps (adamtheory.kernels.store): bit-identity, interruption and resume, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("zarr")
pytest.importorskip("dask.array")

from adamtheory.kernels import SweepConfig, divergence_sweep  # noqa: E402
from adamtheory.kernels import store as store_mod  # noqa: E402
from adamtheory.kernels.store import store_status, zarr_sweep  # noqa: E402

CFG = SweepConfig(n=4, epochs=30, seed=5, sampling="iid")
B1 = np.linspace(0.0, 0.95, 10)
B2 = np.linspace(0.5, 0.99, 6)
VARIABLES = ("status", "diverged_at", "x_final", "x_half", "max_abs_x", "min_grad_norm")


@pytest.fixture(scope="module")
def reference():
    return divergence_sweep(B1, B2, CFG, replicates=2, backend="numpy")


def assert_same(ds, ref):
    assert set(ds.data_vars) == {*ref.data_vars, "block_done"}
    for name in VARIABLES:
        np.testing.assert_array_equal(ds[name].values, ref[name].values, err_msg=name)
        assert ds[name].dtype == ref[name].dtype, name
    np.testing.assert_array_equal(ds.beta1.values, ref.beta1.values)
    np.testing.assert_array_equal(ds.beta2.values, ref.beta2.values)


@pytest.mark.parametrize("rows", [1, 3, 10])
def test_zarr_sweep_is_bit_identical_to_the_in_memory_sweep(tmp_path, reference, rows):
    ds = zarr_sweep(
        tmp_path / "s.zarr", B1, B2, CFG, replicates=2, backend="numpy", rows_per_block=rows
    )
    assert_same(ds, reference)
    assert ds.attrs["blocks_computed"] == -(-B1.size // rows)
    assert store_status(tmp_path / "s.zarr") == (ds.attrs["blocks_computed"],) * 2


def test_interrupted_sweep_resumes_computing_only_missing_blocks(tmp_path, reference, monkeypatch):
    path = tmp_path / "s.zarr"
    real = store_mod._kernel
    calls = []

    def interrupt_on_third_block(used):
        kernel = real(used)

        def run(*args):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt  # Ctrl-C while block 2 is computing
            return kernel(*args)

        return run

    monkeypatch.setattr(store_mod, "_kernel", interrupt_on_third_block)
    with pytest.raises(KeyboardInterrupt):
        zarr_sweep(path, B1, B2, CFG, replicates=2, backend="numpy", rows_per_block=3)
    assert store_status(path) == (2, 4)
    monkeypatch.setattr(store_mod, "_kernel", real)
    calls.clear()
    ds = zarr_sweep(path, B1, B2, CFG, replicates=2, backend="numpy", rows_per_block=3)
    assert ds.attrs["blocks_computed"] == 2  # blocks 2 and 3 only
    assert_same(ds, reference)
    again = zarr_sweep(path, B1, B2, CFG, replicates=2, backend="numpy", rows_per_block=3)
    assert again.attrs["blocks_computed"] == 0
    assert_same(again, reference)


def test_selected_blocks_then_the_rest_equal_one_run_on_numba(tmp_path, reference):
    path = tmp_path / "s.zarr"
    first = zarr_sweep(
        path, B1, B2, CFG, replicates=2, backend="numba", rows_per_block=2, blocks=[4, 1]
    )
    assert first.attrs["blocks_computed"] == 2
    assert store_status(path) == (2, 5)
    ds = zarr_sweep(path, B1, B2, CFG, replicates=2, backend="numba", rows_per_block=2)
    assert ds.attrs["blocks_computed"] == 3
    assert_same(ds, reference)


def test_a_store_of_another_sweep_is_not_resumed(tmp_path):
    path = tmp_path / "s.zarr"
    zarr_sweep(path, B1, B2, CFG, backend="numpy", rows_per_block=5)
    other = SweepConfig(n=4, epochs=30, seed=6, sampling="iid")
    with pytest.raises(ValueError, match="holds a different sweep .*config"):
        zarr_sweep(path, B1, B2, other, backend="numpy", rows_per_block=5)
    with pytest.raises(ValueError, match="differs in beta2"):
        zarr_sweep(path, B1, B2[:-1], CFG, backend="numpy", rows_per_block=5)
    # resume=False starts over with the new sweep
    ds = zarr_sweep(path, B1, B2, other, backend="numpy", rows_per_block=5, resume=False)
    assert_same(ds, divergence_sweep(B1, B2, other, backend="numpy"))


def test_bad_input_names_the_parameter(tmp_path):
    path = tmp_path / "s.zarr"
    with pytest.raises(ValueError, match="rows_per_block"):
        zarr_sweep(path, B1, B2, CFG, rows_per_block=0)
    with pytest.raises(ValueError, match=r"blocks must lie in \[0, 1\]"):
        zarr_sweep(path, B1, B2, CFG, rows_per_block=5, blocks=[2])
    with pytest.raises(ValueError, match="beta1"):
        zarr_sweep(path, [1.5], B2, CFG)
    with pytest.raises(TypeError, match="config"):
        zarr_sweep(path, B1, B2, {"n": 4})
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a Zarr store; refusing to overwrite"):
        zarr_sweep(tmp_path / "plain", B1, B2, CFG, resume=False)
    assert (tmp_path / "plain" / "notes.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="holds no Zarr sweep store"):
        store_status(tmp_path / "absent")


def test_zarr_missing_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "zarr", None)
    with pytest.raises(ValueError, match=r'pip install "adamtheory\[dask\]"'):
        zarr_sweep(tmp_path / "s.zarr", B1, B2, CFG)
