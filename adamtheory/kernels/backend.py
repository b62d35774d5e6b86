"""Array backends: NumPy always, CuPy when a working GPU is present.

Kernels are written once against an array namespace ``xp`` (NumPy or CuPy share the API we
use). CuPy is imported lazily: only when ``backend="cupy"`` is asked for, or when
``backend="auto"`` finds the package installed, so a CPU-only install never pays for it.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .._arrays import array_namespace, to_numpy
from .._validate import check_choice

__all__ = ["Backend", "BACKEND_CHOICES", "array_namespace", "resolve_backend", "to_numpy"]

BACKEND_CHOICES = ("auto", "numpy", "cupy")


@dataclass(frozen=True)
class Backend:
    """A resolved array backend.

    Attributes
    ----------
    name : {"numpy", "cupy"}
        The backend actually used.
    requested : {"auto", "numpy", "cupy"}
        What the caller asked for (recorded with results so a fallback is visible).
    xp : module
        The array namespace (``numpy`` or ``cupy``).
    device : str
        Human-readable device description.
    """

    name: str
    requested: str
    xp: ModuleType
    device: str

    def asarray(self, value: Any) -> Any:
        """Return ``value`` as a float64 array on this backend."""
        return self.xp.asarray(value, dtype=self.xp.float64)


def _cupy_or_reason() -> tuple[ModuleType | None, str]:
    """Import CuPy and check for a usable GPU; return (module, "") or (None, reason)."""
    if importlib.util.find_spec("cupy") is None:
        return None, "CuPy is not installed (pip install 'adamtheory[gpu]')"
    try:
        import cupy

        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return None, "CuPy found no CUDA device"
        # A tiny allocation proves the driver and runtime actually work.
        cupy.zeros(1, dtype=cupy.float64).sum().item()
    except Exception as exc:  # noqa: BLE001 - any CUDA/driver failure means "no GPU here"
        return None, f"CuPy could not use a GPU ({type(exc).__name__}: {exc})"
    return cupy, ""


def resolve_backend(backend: str = "auto") -> Backend:
    """Resolve a backend name to a :class:`Backend`.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba", "cupy"}
        ``"numpy"`` always works; ``"numba"`` (a CPU kernel of the sweeps only) means NumPy
        here. ``"cupy"`` uses the GPU and falls back to NumPy with one
        ``RuntimeWarning`` when CuPy or a GPU is missing. ``"auto"`` uses CuPy when it is
        installed and a GPU works, NumPy otherwise (warning only if CuPy is installed but
        unusable, which is a broken set-up worth knowing about).

    Raises
    ------
    ValueError
        If ``backend`` is not one of the choices.
    """
    if not isinstance(backend, str):
        raise TypeError(f"backend must be one of {BACKEND_CHOICES}; got {backend!r}")
    check_choice("backend", backend, BACKEND_CHOICES + ("numba",))
    if backend in ("numpy", "numba"):
        return Backend("numpy", backend, np, "cpu")
    if backend == "auto" and importlib.util.find_spec("cupy") is None:
        return Backend("numpy", backend, np, "cpu")
    cupy, reason = _cupy_or_reason()
    if cupy is None:
        warnings.warn(
            f"backend={backend!r}: {reason}; falling back to NumPy on the CPU.",
            RuntimeWarning,
            stacklevel=2,
        )
        return Backend("numpy", backend, np, "cpu")
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return Backend("cupy", backend, cupy, name)
