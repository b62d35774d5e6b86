r"""Constructed counterexamples for Adam (docs/theory §3).

* :func:`one_big_gradient` — Zhang et al. 2022 (Z22) and its 2026 rewrite: one component with a
  large gradient, n-1 with small opposite gradients, glued to quadratics below x = -1.
* :func:`reddi_cyclic` — Reddi, Kale & Kumar 2018 (R18) Theorems 1-2: f_t(x) = Cx once per
  period, -x otherwise, on [-1, 1].
* :func:`reddi_stochastic` — R18 Theorem 3: f(x, ξ) = Cx with probability p = (1+δ)/(C+1),
  else -x, on [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._arrays import array_namespace
from .._validate import check_int, check_positive
from .base import ProblemConstants

__all__ = [
    "OneBigGradient",
    "ReddiCyclic",
    "ReddiStochastic",
    "one_big_gradient",
    "reddi_cyclic",
    "reddi_stochastic",
]


def _check_x(x: Any) -> None:
    if getattr(x, "ndim", None) != 2 or x.shape[1] != 1:
        shape = getattr(x, "shape", x)
        raise ValueError(f"x must have shape (B, 1) for a 1-D problem; got {shape}")


@dataclass(frozen=True)
class OneBigGradient:
    r"""The one-big-gradient finite sum of docs/theory §3.1 (Z22).

    With :math:`c = 1 + (n-1)a` and :math:`h(x) = x` for :math:`x \ge -1`,
    :math:`h(x) = ((x+2)^2 - 3)/2` for :math:`x < -1`:

    .. math::

        f_0 = c\,h, \qquad f_i = -a\,h \;(i = 1..n-1), \qquad f = h/n.

    Each :math:`f_i` is :math:`C^1` with :math:`L = c`; :math:`x^* = -2`,
    :math:`f^* = -3/(2n)`; all :math:`\nabla f_i(-2) = 0` so :math:`D_0 = 0`, and
    :math:`D_1 = n^2[(1+(n-1)a)^2 + (n-1)a^2]`. With ε = 0 Adam only sees the ratio
    :math:`r = c/a` (``a = 1`` gives ``r = n``).
    """

    n: int
    a: float = 1.0
    x0: tuple[float, ...] = (0.0,)
    name: str = field(default="one_big_gradient", init=False)
    dim: int = field(default=1, init=False)
    domain: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        check_int("n", self.n, minimum=2)
        check_positive("a", self.a)
        object.__setattr__(self, "a", float(self.a))
        if len(self.x0) != 1:
            raise ValueError(f"x0 must have length 1; got {self.x0}")

    @property
    def c(self) -> float:
        """The big component's slope, :math:`c = 1 + (n-1)a`."""
        return 1.0 + (self.n - 1) * self.a

    @property
    def ratio(self) -> float:
        """:math:`r = c/a`, the only gradient ratio Adam with ε = 0 sees."""
        return self.c / self.a

    @property
    def constants(self) -> ProblemConstants:
        n, a, c = self.n, self.a, self.c
        return ProblemConstants(
            L=c,
            G=None,
            D0=0.0,
            D1=n**2 * (c**2 + (n - 1) * a**2),
            x_star=(-2.0,),
            f_star=-3.0 / (2 * n),
        )

    def params(self) -> dict[str, Any]:
        return {"n": self.n, "a": self.a, "x0": list(self.x0)}

    def _slope(self, x: Any) -> Any:
        xp = array_namespace(x)
        return xp.where(x >= -1.0, 1.0, x + 2.0)  # h'(x)

    def _h(self, x: Any) -> Any:
        xp = array_namespace(x)
        return xp.where(x >= -1.0, x, 0.5 * ((x + 2.0) ** 2 - 3.0))

    def component_grad(self, x: Any, idx: Any) -> Any:
        _check_x(x)
        xp = array_namespace(x)
        weight = xp.where(xp.asarray(idx)[:, None] == 0, self.c, -self.a)
        return weight * self._slope(x)

    def component_value(self, x: Any, idx: Any) -> Any:
        _check_x(x)
        xp = array_namespace(x)
        weight = xp.where(xp.asarray(idx) == 0, self.c, -self.a)
        return weight * self._h(x)[:, 0]

    def grad(self, x: Any) -> Any:
        _check_x(x)
        return self._slope(x) / self.n

    def value(self, x: Any) -> Any:
        _check_x(x)
        return self._h(x)[:, 0] / self.n


@dataclass(frozen=True)
class ReddiCyclic:
    r"""R18 Theorems 1-2: :math:`f_t(x) = Cx` if :math:`t \bmod p = 1`, else :math:`-x`,
    on :math:`[-1, 1]`, played cyclically with period ``p`` (0-based: component 0 is ``Cx``).

    :math:`f = (C - p + 1)x/p`, minimised at :math:`x^* = -1` when :math:`C > p-1`.
    Theorem 1 uses ``p = 3``; Theorem 2 uses an even ``p = C``.
    """

    C: float
    period: int = 3
    x0: tuple[float, ...] = (0.0,)
    name: str = field(default="reddi_cyclic", init=False)
    dim: int = field(default=1, init=False)
    domain: tuple[float, float] = field(default=(-1.0, 1.0), init=False)

    def __post_init__(self) -> None:
        check_int("period", self.period, minimum=2)
        check_positive("C", self.C)
        if not self.C > self.period - 1:
            raise ValueError(
                f"C must exceed period - 1 = {self.period - 1} so that x* = -1; got C = {self.C}"
            )
        object.__setattr__(self, "C", float(self.C))

    @property
    def n(self) -> int:
        return self.period

    @property
    def constants(self) -> ProblemConstants:
        slope = (self.C - self.period + 1) / self.period
        return ProblemConstants(L=0.0, G=self.C, D0=None, D1=None, x_star=(-1.0,), f_star=-slope)

    def params(self) -> dict[str, Any]:
        return {"C": self.C, "period": self.period, "x0": list(self.x0)}

    def component_grad(self, x: Any, idx: Any) -> Any:
        _check_x(x)
        xp = array_namespace(x)
        return xp.where(xp.asarray(idx)[:, None] == 0, self.C, -1.0) + 0.0 * x

    def component_value(self, x: Any, idx: Any) -> Any:
        return self.component_grad(x, idx)[:, 0] * x[:, 0]

    def grad(self, x: Any) -> Any:
        _check_x(x)
        return 0.0 * x + (self.C - self.period + 1) / self.period

    def value(self, x: Any) -> Any:
        _check_x(x)
        return x[:, 0] * (self.C - self.period + 1) / self.period


@dataclass(frozen=True)
class ReddiStochastic:
    r"""R18 Theorem 3: :math:`f(x,\xi) = Cx` with probability :math:`p = (1+\delta)/(C+1)`,
    else :math:`-x`, on :math:`[-1, 1]`; :math:`\mathbb E f = \delta x`, :math:`x^* = -1`."""

    C: float
    delta: float
    x0: tuple[float, ...] = (0.0,)
    name: str = field(default="reddi_stochastic", init=False)
    dim: int = field(default=1, init=False)
    domain: tuple[float, float] = field(default=(-1.0, 1.0), init=False)

    def __post_init__(self) -> None:
        check_positive("C", self.C)
        check_positive("delta", self.delta)
        if not self.delta < self.C:
            raise ValueError(f"delta must lie in (0, C) = (0, {self.C:g}); got {self.delta}")
        object.__setattr__(self, "C", float(self.C))
        object.__setattr__(self, "delta", float(self.delta))

    @property
    def p(self) -> float:
        return (1.0 + self.delta) / (self.C + 1.0)

    @property
    def constants(self) -> ProblemConstants:
        return ProblemConstants(
            L=0.0, G=self.C, D0=None, D1=None, x_star=(-1.0,), f_star=-self.delta
        )

    def params(self) -> dict[str, Any]:
        return {"C": self.C, "delta": self.delta, "p": self.p, "x0": list(self.x0)}

    def stochastic_grad(self, x: Any, u: Any) -> Any:
        _check_x(x)
        xp = array_namespace(x)
        return xp.where(xp.asarray(u)[:, None] < self.p, self.C, -1.0) + 0.0 * x

    def grad(self, x: Any) -> Any:
        _check_x(x)
        return 0.0 * x + self.delta

    def value(self, x: Any) -> Any:
        _check_x(x)
        return self.delta * x[:, 0]


def one_big_gradient(n: int, a: float = 1.0, x0: float = 0.0) -> OneBigGradient:
    """The Z22 counterexample (see :class:`OneBigGradient`); ``a=1/(n-1)**2`` is the 2026 form."""
    return OneBigGradient(n, a, (float(x0),))


def reddi_cyclic(C: float, period: int = 3, x0: float = 0.0) -> ReddiCyclic:
    """R18's cyclic counterexample (see :class:`ReddiCyclic`)."""
    return ReddiCyclic(C, period, (float(x0),))


def reddi_stochastic(C: float, delta: float, x0: float = 0.0) -> ReddiStochastic:
    """R18's stochastic counterexample (see :class:`ReddiStochastic`)."""
    return ReddiStochastic(C, delta, (float(x0),))
