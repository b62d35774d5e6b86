"""Backends: NumPy always; CuPy lazily, with one warning and CPU fallback when unusable."""

import importlib.util
import warnings

import numpy as np
import pytest

from adamtheory import run
from adamtheory.kernels import adam, resolve_backend
from adamtheory.kernels.backend import _cupy_or_reason
from adamtheory.problems import one_big_gradient

HAS_GPU = _cupy_or_reason()[0] is not None


def test_numpy_backend():
    be = resolve_backend("numpy")
    assert be.name == "numpy" and be.xp is np


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy installed")
def test_auto_without_cupy_is_silent_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_backend("auto").name == "numpy"


@pytest.mark.skipif(HAS_GPU, reason="a GPU is present")
def test_cupy_request_falls_back_with_one_warning():
    with pytest.warns(RuntimeWarning, match="falling back to NumPy") as record:
        be = resolve_backend("cupy")
    assert be.name == "numpy" and be.requested == "cupy" and len(record) == 1


@pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA GPU")
def test_cupy_runner_equals_numpy():
    p = one_big_gradient(10)
    b1 = np.linspace(0, 0.9, 8)
    kw = {"epochs": 50, "seed": 2, "schedule": "inv_sqrt_epoch", "record": 10}
    cpu = run(p, adam(0.1, b1, 0.99, eps=0.0), backend="numpy", **kw)
    gpu = run(p, adam(0.1, b1, 0.99, eps=0.0), backend="cupy", **kw)
    assert gpu.attrs["backend"] == "cupy"
    np.testing.assert_allclose(gpu.x.values, cpu.x.values, rtol=1e-12, atol=1e-12)
