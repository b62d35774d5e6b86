r"""Quadratic finite sums :math:`f_i(x) = \tfrac12\|x - b_i\|^2` (docs/theory §3.4, D0 > 0)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .base import ProblemConstants

__all__ = ["QuadraticFiniteSum", "quadratic_finite_sum"]


@dataclass(frozen=True)
class QuadraticFiniteSum:
    r""":math:`f(x) = \frac1n\sum_i \tfrac12\|x - b_i\|^2` with centres ``b`` of shape (n, d).

    Known constants: :math:`L = 1`; :math:`x^* = \bar b`;
    :math:`f^* = \frac1{2n}\sum_i\|b_i - \bar b\|^2`; since
    :math:`\sum_i\|x-b_i\|^2 = n\|x-\bar b\|^2 + \sum_i\|b_i-\bar b\|^2`, the affine-variance
    constants are :math:`D_1 = n` and :math:`D_0 = \sum_i\|b_i-\bar b\|^2` (tight).
    """

    centres: tuple[tuple[float, ...], ...]
    x0: tuple[float, ...] | None = None
    name: str = field(default="quadratic_finite_sum", init=False)
    domain: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        b = np.asarray(self.centres, dtype=np.float64)
        if b.ndim != 2 or b.shape[0] < 1 or b.shape[1] < 1:
            raise ValueError(f"centres must have shape (n, d) with n, d >= 1; got {b.shape}")
        if not np.all(np.isfinite(b)):
            raise ValueError("centres must be finite")
        object.__setattr__(self, "centres", tuple(map(tuple, b.tolist())))
        x0 = np.zeros(b.shape[1]) if self.x0 is None else np.asarray(self.x0, dtype=np.float64)
        if x0.shape != (b.shape[1],):
            raise ValueError(f"x0 must have length d = {b.shape[1]}; got shape {x0.shape}")
        object.__setattr__(self, "x0", tuple(x0.tolist()))

    @property
    def b(self) -> np.ndarray:
        return np.asarray(self.centres)

    @property
    def n(self) -> int:
        return len(self.centres)

    @property
    def dim(self) -> int:
        return len(self.centres[0])

    @property
    def constants(self) -> ProblemConstants:
        b = self.b
        mean = b.mean(axis=0)
        spread = float(np.sum((b - mean) ** 2))
        return ProblemConstants(
            L=1.0,
            G=None,
            D0=spread,
            D1=float(self.n),
            x_star=tuple(mean.tolist()),
            f_star=spread / (2 * self.n),
        )

    def params(self) -> dict[str, Any]:
        return {"centres": [list(r) for r in self.centres], "x0": list(self.x0)}

    def _check(self, x: Any) -> None:
        if getattr(x, "ndim", None) != 2 or x.shape[1] != self.dim:
            raise ValueError(f"x must have shape (B, {self.dim}); got {getattr(x, 'shape', x)}")

    def component_grad(self, x: Any, idx: Any) -> Any:
        self._check(x)
        xp = array_namespace(x)
        return x - xp.asarray(self.b)[xp.asarray(idx)]

    def component_value(self, x: Any, idx: Any) -> Any:
        diff = self.component_grad(x, idx)
        return 0.5 * (diff * diff).sum(axis=1)

    def grad(self, x: Any) -> Any:
        self._check(x)
        xp = array_namespace(x)
        return x - xp.asarray(self.b.mean(axis=0))

    def value(self, x: Any) -> Any:
        self._check(x)
        d = self.grad(x)
        return 0.5 * (d * d).sum(axis=1) + self.constants.f_star


def quadratic_finite_sum(centres: Any, x0: Any = None) -> QuadraticFiniteSum:
    """Quadratic finite sum with centres of shape (n, d) (a 1-D array means d = 1)."""
    b = np.asarray(centres, dtype=np.float64)
    if b.ndim == 1:
        b = b[:, None]
    return QuadraticFiniteSum(
        tuple(map(tuple, b.tolist())), None if x0 is None else tuple(np.atleast_1d(x0).tolist())
    )
