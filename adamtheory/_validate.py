"""Input validation shared by every layer.

Every public entry point checks its arguments here so that user error surfaces as a
``ValueError``/``TypeError`` naming the parameter and its valid range, never as a NaN
later on. The helpers accept Python scalars and NumPy/CuPy arrays alike.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_hyperparameter",
    "check_choice",
    "check_int",
    "check_interval",
    "check_positive",
]


def _to_host(value: Any) -> np.ndarray:
    """Return ``value`` as a host NumPy float array (CuPy arrays are copied once)."""
    if hasattr(value, "get") and type(value).__module__.startswith("cupy"):
        value = value.get()
    if isinstance(value, (str, bytes)):  # NumPy would silently parse "0.1"
        raise TypeError(f"expected a real number or array, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"expected a real number or array, got {type(value).__name__}") from None
    return arr


def check_interval(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_closed: bool = True,
    high_closed: bool = False,
) -> Any:
    """Check that every entry of ``value`` lies in the interval between ``low`` and ``high``.

    Returns ``value`` unchanged so the call can be used inline.
    """
    arr = _to_host_checked(name, value)
    lo_ok = arr >= low if low_closed else arr > low
    hi_ok = arr <= high if high_closed else arr < high
    if not (np.all(lo_ok) and np.all(hi_ok)) or not np.all(np.isfinite(arr)):
        lb = "[" if low_closed else "("
        rb = "]" if high_closed else ")"
        bad = arr[~(lo_ok & hi_ok & np.isfinite(arr))].ravel()
        raise ValueError(
            f"{name} must lie in {lb}{low:g}, {high:g}{rb}; "
            f"got {_show(bad[0] if bad.size else arr)}"
        )
    return value


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> Any:
    """Check ``value > 0`` (or ``>= 0`` with ``allow_zero``) entry-wise and finite."""
    arr = _to_host_checked(name, value)
    ok = (arr >= 0) if allow_zero else (arr > 0)
    if not np.all(ok & np.isfinite(arr)):
        bad = arr[~(ok & np.isfinite(arr))].ravel()
        rng = "[0, inf)" if allow_zero else "(0, inf)"
        raise ValueError(f"{name} must be finite and in {rng}; got {_show(bad[0])}")
    return value


def check_int(name: str, value: Any, *, minimum: int) -> int:
    """Check that ``value`` is an integer ``>= minimum`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[Any, ...]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def as_hyperparameter(name: str, value: Any) -> float | np.ndarray:
    """Normalise a hyperparameter: Python float for scalars, float64 array otherwise.

    Arrays are per-trajectory values. A 1-D array of length ``B`` is reshaped to ``(B, 1)`` so
    it broadcasts against states of shape ``(B, d)``; 2-D arrays are used as given.
    """
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"{name} must be a real number or array, got {type(value).__name__}")
    if isinstance(value, numbers.Real):
        return float(value)
    if type(value).__module__.startswith("cupy"):
        arr = value.astype("float64")
    else:
        arr = _to_host_checked(name, value)
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim == 2:
        return arr
    raise ValueError(
        f"{name} must be a scalar, a (B,) array or a (B, d) array; got shape {tuple(arr.shape)}"
    )


def _to_host_checked(name: str, value: Any) -> np.ndarray:
    try:
        return _to_host(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a real number or array of reals, got {type(value).__name__}"
        ) from None


def _show(x: Any) -> str:
    try:
        return f"{float(x):g}"
    except (TypeError, ValueError):
        return repr(x)
