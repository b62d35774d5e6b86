"""Array helpers shared by the layers (never imports CuPy eagerly, nor matplotlib).

:func:`array_namespace` and :func:`to_numpy` serve problems and kernels; :func:`compact` and
:func:`log_indices` keep the data the claims record for their figures small.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["array_namespace", "compact", "log_indices", "to_numpy"]


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


def compact(array: Any, digits: int = 5) -> Any:
    """``array`` as nested lists of floats rounded to ``digits`` significant digits.

    Non-finite entries stay non-finite (``ClaimResult.to_json`` writes them as strings).
    """
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1; got {digits!r}")
    a = np.asarray(array, dtype=np.float64)
    out = np.full_like(a, np.nan)
    finite = np.isfinite(a) & (a != 0)
    exp = np.floor(np.log10(np.abs(a[finite])))
    scale = 10.0 ** (digits - 1 - exp)
    out[finite] = np.round(a[finite] * scale) / scale
    out[a == 0] = 0.0
    out[~np.isfinite(a)] = a[~np.isfinite(a)]
    return out.tolist()


def log_indices(length: int, points: int = 200) -> np.ndarray:
    """About ``points`` distinct indices in ``[0, length)``, log-spaced, with both ends."""
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be an integer >= 1; got {length!r}")
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points must be an integer >= 2; got {points!r}")
    idx = np.unique(np.round(np.logspace(0, math.log10(length), points)).astype(int) - 1)
    return np.unique(np.concatenate([[0], idx, [length - 1]]))
