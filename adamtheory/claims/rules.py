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


def fitted_slope(x, y, *, rng, n_boot: int = 2000, level: float = 0.95):
    """Least-squares slope of ``log y`` on ``log x`` with a pairs-bootstrap interval.

    Returns ``(slope, low, high)``. Rates are compared one-sided against this interval
    (THEORY.md §5).
    """
    import numpy as np

    lx = np.log(np.asarray(x, dtype=np.float64))
    ly = np.log(np.asarray(y, dtype=np.float64))
    if lx.size < 3:
        raise ValueError("a slope with an interval needs at least 3 points")
    slope = float(np.polyfit(lx, ly, 1)[0])
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, lx.size, lx.size)
        if np.ptp(lx[idx]) == 0:
            continue
        boots.append(np.polyfit(lx[idx], ly[idx], 1)[0])
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return slope, float(lo), float(hi)
