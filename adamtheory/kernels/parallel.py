r"""Parallel Numba kernels with a serial twin for small workloads.

A ``parallel=True`` kernel costs two to three times the compile time of the same function
compiled serially (Numba's parfor passes; 5.6 s against 2.8 s for the fused sweep on a 2-core
machine), and the first ``adamtheory verify`` pays that for every kernel it touches, while its
quick workloads are far too small to gain from a second thread. :func:`parallel_kernel`
therefore compiles each kernel in two forms from the same source: the parallel one, used when
a call has at least :data:`PARALLEL_MIN_STEPS` trajectory-steps, and a serial twin (``prange``
runs as ``range``) below that. The kernels it is used for write per-trajectory outputs only
(no reduction across ``prange`` iterations), so both forms give the same bits (tested).

The twin is a copy of the Python function under its own name (``<name>_serial``): Numba's
on-disk cache names entries by qualified name and keys them by signature and bytecode, not by
the ``parallel`` flag, so two dispatchers of one function would overwrite each other's cache.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

from numba import njit

__all__ = ["PARALLEL_MIN_STEPS", "ParallelKernel", "parallel_kernel"]

#: below this many trajectory-steps a call runs the serial twin (~0.1 s at 5e8 steps/s)
PARALLEL_MIN_STEPS = 50_000_000


@dataclass(frozen=True)
class ParallelKernel:
    """A kernel compiled two ways; ``kernel(*args, steps=N)`` picks one by the workload."""

    parallel: Any
    serial: Any

    def __call__(self, *args: Any, steps: float) -> Any:
        kernel = self.parallel if steps >= PARALLEL_MIN_STEPS else self.serial
        return kernel(*args)


def parallel_kernel(fn: Any) -> ParallelKernel:
    """``njit(parallel=True, cache=True)`` of ``fn`` and of a serial copy named
    ``<name>_serial`` (module docstring)."""
    twin = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__ + "_serial", fn.__defaults__, fn.__closure__
    )
    twin.__qualname__ = fn.__qualname__ + "_serial"
    twin.__module__ = fn.__module__
    twin.__doc__ = fn.__doc__
    return ParallelKernel(njit(parallel=True, cache=True)(fn), njit(cache=True)(twin))
