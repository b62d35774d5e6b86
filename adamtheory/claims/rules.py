"""Verdict rules fixed before a run (THEORY.md §5)."""

from __future__ import annotations

import math

__all__ = ["identity_verdict", "relative_error"]


def identity_verdict(error: float, tolerance: float) -> str:
    """Identities: ``"pass"`` iff the measured error is finite and ``<= tolerance``."""
    return "pass" if math.isfinite(error) and error <= tolerance else "fail"


def relative_error(measured, reference, floor: float = 1e-300) -> float:
    """``max |measured - reference| / max(max|reference|, floor)`` (inf on NaN)."""
    import numpy as np

    a = np.asarray(measured, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, floor)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0
