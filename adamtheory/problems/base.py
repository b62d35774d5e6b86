"""Common types for test problems: known constants and the oracle protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["FiniteSumProblem", "ProblemConstants", "StochasticProblem"]


@dataclass(frozen=True)
class ProblemConstants:
    """Constants a theorem may need; ``None`` means unbounded or not applicable.

    Attributes
    ----------
    L : float or None
        Smoothness: every component gradient is L-Lipschitz.
    G : float or None
        Bound on the component gradients' norm over the domain.
    D0, D1 : float or None
        Affine variance, ``sum_i ||grad f_i(x)||^2 <= D1 ||grad f(x)||^2 + D0`` for all x.
    x_star : tuple of float
        A minimiser of f.
    f_star : float
        The minimum value of f.
    """

    L: float | None
    G: float | None
    D0: float | None
    D1: float | None
    x_star: tuple[float, ...]
    f_star: float


@runtime_checkable
class FiniteSumProblem(Protocol):
    """f(x) = (1/n) sum_i f_i(x): component gradients on a batch of points.

    Every method takes ``x`` of shape ``(B, d)`` (NumPy or CuPy) and works in its namespace.
    """

    name: str
    n: int
    dim: int
    constants: ProblemConstants
    domain: tuple[float, float] | None
    x0: tuple[float, ...]

    def component_grad(self, x: Any, idx: Any) -> Any:
        """grad f_{idx[b]}(x[b]) for each row b; ``idx`` is an int array of shape (B,)."""

    def grad(self, x: Any) -> Any:
        """Full gradient grad f(x), shape (B, d)."""

    def value(self, x: Any) -> Any:
        """f(x), shape (B,)."""

    def params(self) -> dict[str, Any]:
        """Parameters that define the instance (recorded with results)."""


@runtime_checkable
class StochasticProblem(Protocol):
    """f(x) = E_xi f(x, xi): one stochastic gradient per uniform draw ``u`` in [0, 1)."""

    name: str
    dim: int
    constants: ProblemConstants
    domain: tuple[float, float] | None
    x0: tuple[float, ...]

    def stochastic_grad(self, x: Any, u: Any) -> Any:
        """A gradient sample at each row of x; ``u`` has shape (B,)."""

    def grad(self, x: Any) -> Any: ...

    def value(self, x: Any) -> Any: ...

    def params(self) -> dict[str, Any]: ...
