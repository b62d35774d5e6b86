"""Array-namespace helpers shared by problems and kernels (never imports CuPy eagerly)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["array_namespace", "to_numpy"]


def array_namespace(*arrays: Any) -> ModuleType:
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy``."""
    for a in arrays:
        if type(a).__module__.startswith("cupy"):
            import cupy

            return cupy
    return np


def to_numpy(a: Any) -> np.ndarray:
    """Copy an array (NumPy or CuPy) to a host NumPy array."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)
