r"""No silent failure: a non-finite gradient is its own result, reported once per call.

A gradient oracle that returns NaN or ±inf at a finite iterate (a bug in user gradient code, a
domain edge, an overflow inside the formula) is not a divergence of the dynamics: every kernel
that takes gradients from a callable freezes such a trajectory at its last finite iterate,
records the step in ``nonfinite_at`` (next to ``diverged_at``), classifies it as
:data:`NONFINITE_GRADIENT` where trajectories carry a status, and emits exactly one
:class:`NonFiniteGradientWarning` per call (how many trajectories, the first step), never one
per step. Divergence stays what it was: iterates that stop being finite or leave the
overflow bound (:data:`~adamtheory.kernels.counterexample.DIVERGED`).

Status codes of the classified sweeps (``status``, int64; netCDF writers may narrow to int32)::

    DIVERGED = 1, UNDECIDED = 0, CONVERGED = -1, NONFINITE_GRADIENT = 2

:class:`StatedConstantWarning` is issued when a run meets a gradient larger than a constant the
user stated (the G of :func:`adamtheory.problems.user.user_function`): a bound derived from it
does not apply to that run.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = [
    "NONFINITE_GRADIENT",
    "NonFiniteGradientWarning",
    "StatedConstantWarning",
    "warn_nonfinite",
    "warn_stated_G",
]

NONFINITE_GRADIENT = 2


class NonFiniteGradientWarning(RuntimeWarning):
    """The gradient oracle returned NaN/inf for some trajectories (one warning per call)."""


class StatedConstantWarning(RuntimeWarning):
    """A run met a gradient larger than the G the user stated (one warning per call)."""


def nonfinite_rows(g: Any, xp: Any = np) -> Any:
    """True for each row of ``g`` (B, d) with a NaN or an infinite entry."""
    return ~xp.isfinite(g).all(axis=1)


def warn_nonfinite(where: str, nonfinite_at: Any, *, never: int, stacklevel: int = 3) -> int:
    """One :class:`NonFiniteGradientWarning` if any entry of ``nonfinite_at`` is not ``never``.

    ``nonfinite_at`` holds each trajectory's first step with a non-finite gradient (``never``
    where there was none). Returns the number of such trajectories.
    """
    steps = np.asarray(nonfinite_at).ravel()
    hit = steps[steps != never]
    if hit.size:
        warnings.warn(
            f"{where}: the gradient oracle returned NaN/inf for {hit.size} of {steps.size} "
            f"trajectories (first at step {int(hit.min())}); they are frozen at their last "
            f"finite iterate and recorded in nonfinite_at (status NONFINITE_GRADIENT = "
            f"{NONFINITE_GRADIENT} where runs are classified), not counted as diverged",
            NonFiniteGradientWarning,
            stacklevel=stacklevel,
        )
    return int(hit.size)


def warn_stated_G(where: str, G: float | None, max_grad: Any, *, stacklevel: int = 3) -> bool:
    """One :class:`StatedConstantWarning` if a gradient norm in ``max_grad`` exceeds ``G``.

    Returns whether it was exceeded (False when ``G`` is None).
    """
    if G is None:
        return False
    norms = np.asarray(max_grad, dtype=np.float64).ravel()
    over = norms > G
    if not over.any():
        return False
    warnings.warn(
        f"{where}: a gradient of norm {float(norms.max()):.6g} exceeds the stated G = {G:g} "
        f"({int(over.sum())} of {norms.size} trajectories); bounds derived from G do not "
        "apply to this run",
        StatedConstantWarning,
        stacklevel=stacklevel,
    )
    return True
