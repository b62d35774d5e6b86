"""The GPU sweep kernel's code path: bit-identical to the NumPy reference.

The CUDA kernel (:mod:`adamtheory.kernels.cuda_sweep`) runs
:func:`~adamtheory.kernels.cuda_sweep.trajectory_epochs` per thread. Without a GPU the very
same body runs under ``numba.njit`` on the CPU (``sweep_scalar``) and under Numba's CUDA
simulator (one small launch, the kernel's own indexing and argument passing); with a GPU the
real launch is compared too.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from adamtheory.kernels.counterexample import SweepConfig, sweep_reference
from adamtheory.kernels.cuda_sweep import sweep_scalar
from adamtheory.kernels.sampling import trajectory_keys

GRID = np.meshgrid(
    np.linspace(0, 0.97, 9), np.concatenate([[0.0], 1 - np.logspace(-0.3, -4, 8)]), indexing="ij"
)


def assert_same(ref, got):
    for name in ref:
        assert np.array_equal(ref[name], got[name]), name


@pytest.mark.slow
@pytest.mark.parametrize("sampling", ["shuffle", "iid", "cyclic"])
@pytest.mark.parametrize("bc,eps", [(True, 0.0), (False, 0.0), (True, 1e-8)])
@pytest.mark.parametrize("n,a,x0", [(10, 1.0, 0.0), (7, 1 / 36, -3.3)])
def test_gpu_body_on_cpu_is_bit_identical_to_reference(sampling, bc, eps, n, a, x0):
    b1, b2 = (g.ravel().copy() for g in GRID)
    cfg = SweepConfig(
        n=n, a=a, epochs=80, sampling=sampling, bias_correction=bc, eps=eps, x0=x0, seed=3
    )
    keys = trajectory_keys(cfg.seed, np.arange(b1.size))
    ref = sweep_reference(b1, b2, cfg, keys)
    assert_same(ref, sweep_scalar(b1, b2, cfg, keys))
    assert len(np.unique(ref["status"])) >= 2  # the comparison covers several verdicts


def test_gpu_body_constant_schedule_and_overflow():
    b1 = np.array([0.0, 0.5, 0.9])
    b2 = np.array([0.0, 0.9, 0.999])
    cfg = SweepConfig(n=5, epochs=40, schedule="constant", lr=1e99, bias_correction=False)
    keys = trajectory_keys(0, np.arange(3))
    ref = sweep_reference(b1, b2, cfg, keys)
    assert (ref["status"] == 1).any()  # overflow happens and is a result
    assert_same(ref, sweep_scalar(b1, b2, cfg, keys))


SIMULATED = """
import numpy as np
from adamtheory.kernels.counterexample import SweepConfig, sweep_reference
from adamtheory.kernels.cuda_sweep import sweep_cuda
from adamtheory.kernels.sampling import trajectory_keys
b1 = np.array([0.0, 0.3, 0.9, 0.5, 0.8]); b2 = np.array([0.0, 0.99, 0.999, 0.6, 0.5])
for sampling in ("shuffle", "iid"):
    cfg = SweepConfig(n=4, epochs=6, sampling=sampling, seed=2)
    keys = trajectory_keys(2, np.arange(5))
    ref = sweep_reference(b1, b2, cfg, keys)
    got = sweep_cuda(b1, b2, cfg, keys, threads_per_block=2, slice_steps=40)
    assert all(np.array_equal(ref[k], got[k]) for k in ref), sampling
print("ok")
"""


@pytest.mark.slow
def test_cuda_kernel_under_the_simulator():
    pytest.importorskip("numba.cuda")
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", SIMULATED], env=env, capture_output=True, text=True, timeout=120
    )
    if "CUDA" in proc.stderr and "simulator" in proc.stderr.lower() and proc.returncode:
        pytest.skip(f"the CUDA simulator is unusable here: {proc.stderr.splitlines()[-1]}")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def _gpu_available() -> bool:
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:
        return False


@pytest.mark.skipif(not _gpu_available(), reason="needs a CUDA GPU")
def test_cuda_launch_is_bit_identical_to_reference():
    from adamtheory.kernels.cuda_sweep import sweep_cuda

    b1, b2 = (g.ravel().copy() for g in GRID)
    for sampling in ("shuffle", "iid", "cyclic"):
        cfg = SweepConfig(n=10, epochs=200, sampling=sampling)
        keys = trajectory_keys(0, np.arange(b1.size))
        ref = sweep_reference(b1, b2, cfg, keys)
        assert_same(ref, sweep_cuda(b1, b2, cfg, keys))


def _kernel_ptx(fma_off: bool) -> str:
    """The CUDA kernel's PTX for compute capability 9.0, compiled without a GPU (libNVVM only):
    the device queries Numba makes before and after code generation are answered with 9.0, in
    a subprocess so that nothing leaks into this one."""
    code = f"""
import sys
from types import SimpleNamespace
import numba.cuda.codegen as cg
import numba.cuda.dispatcher as nd
from numba import types
from adamtheory.kernels import cuda_sweep as cs
nd.get_current_device = lambda: SimpleNamespace(compute_capability=(9, 0))
cg.CUDACodeLibrary._ensure_cc = lambda self, cc: (9, 0) if cc is None else cc
f, i, b = types.float64, types.int64, types.boolean
sig = (f[:], f[:], types.uint64[:], i, f, f, f, b, i, f, b, f, f, i, i, i, f[:, :], i[:, :])
if {fma_off!r}:
    with cs._without_fma_contraction():
        k = nd._Kernel(cs._cuda_slice.py_func, sig, fastmath=False)
else:
    k = nd._Kernel(cs._cuda_slice.py_func, sig, fastmath=False)
sys.stdout.write(k._codelibrary.get_asm_str(cc=(9, 0)))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        if "NVVM" in proc.stderr or "libnvvm" in proc.stderr.lower():
            pytest.skip(f"libNVVM is not available here: {last}")
        raise AssertionError(proc.stderr[-3000:])
    return proc.stdout


@pytest.mark.slow
def test_the_cuda_kernel_compiles_to_ptx_without_fused_multiply_adds():
    # the kernel compiles for the CUDA target at all (the generic bodies use only what that
    # target supports), and its PTX has the IEEE operations the CPU has: a contracted
    # multiply-add would round once where the CPU rounds twice
    ptx = _kernel_ptx(fma_off=True)
    for op in ("div.rn.f64", "sqrt.rn.f64", "mul.rn.f64"):
        assert op in ptx
    assert "fma.rn.f64" not in ptx
    # negative control: NVVM's default contracts (adam_core.ema, corrected_direction)
    assert "fma.rn.f64" in _kernel_ptx(fma_off=False)
