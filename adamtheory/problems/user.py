r"""A user-supplied finite sum :math:`f = \frac1n\sum_{i<n} f_i` given by its component gradients.

:class:`UserFiniteSum` adapts NumPy gradient code to the :class:`~adamtheory.problems.
FiniteSumProblem` protocol, so it runs in :func:`adamtheory.kernels.finite_sum.finite_sum_sweep`
(and, when ``value`` is given, in :func:`adamtheory.run`). Two ways to give the gradients:

* one vectorised function ``component_grad(x, idx)``: ``x`` of shape (B, d) float64, ``idx`` an
  int64 array of shape (B,), returning :math:`\nabla f_{idx[b]}(x_b)` as an array of shape (B, d);
* a list of n functions ``grad_i(x)``, each vectorised over a batch ``x`` of shape (m, d) and
  returning shape (m, d); they are wrapped (each is called on the rows that sampled it).

Example::

    import numpy as np
    from adamtheory.problems.user import user_finite_sum

    b = np.array([0.0, 0.0, 3.0])
    problem = user_finite_sum(lambda x, idx: x - b[idx][:, None], n=3, x0=[1.0],
                              x_star=[1.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_int
from .base import ProblemConstants
from .o2nc_base import O2NCConstants, check_batch

__all__ = ["ComponentList", "UserFiniteSum", "UserFunction", "user_finite_sum", "user_function"]


@dataclass(frozen=True)
class ComponentList:
    """``component_grad(x, idx)`` built from n per-component functions ``grad_i(x)``.

    Each ``grad_i`` takes the rows of ``x`` (shape (m, d)) whose sampled index is i and returns
    their gradients (shape (m, d)); rows are gathered per component, so a step costs at most n
    calls.
    """

    functions: tuple[Callable[[np.ndarray], Any], ...]

    def __post_init__(self) -> None:
        if len(self.functions) < 1:
            raise ValueError("component_grad must be a callable or a non-empty list of callables")
        for i, fn in enumerate(self.functions):
            if not callable(fn):
                raise TypeError(f"component_grad[{i}] must be callable; got {type(fn).__name__}")

    def __call__(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape, dtype=np.float64)
        for i in np.unique(idx):
            rows = idx == i
            got = np.asarray(self.functions[int(i)](x[rows]), dtype=np.float64)
            if got.shape != (int(rows.sum()), x.shape[1]):
                raise ValueError(
                    f"component_grad[{int(i)}] must return shape "
                    f"({int(rows.sum())}, {x.shape[1]}) for x of shape "
                    f"{x[rows].shape}; got {got.shape}"
                )
            out[rows] = got
        return out


def _check_batch(x: Any, dim: int) -> np.ndarray:
    check_batch(x, dim)
    return x


def _checked_gradient(who: str, got: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A user gradient function's output as float64 of ``shape``, or a clear error."""
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{who} must return a real array of shape (B, d); got {type(got).__name__}"
        ) from None
    if arr.shape != shape:
        raise ValueError(
            f"{who} must return shape {shape} (one gradient per row of x); got {arr.shape}"
        )
    return arr


def _checked_value(problem: Any, x: Any, factory: str) -> np.ndarray:
    """``problem.value_fn`` at the rows of ``x``, shape (B,), or a clear error."""
    x = _check_batch(x, problem.dim)
    if problem.value_fn is None:
        raise ValueError(
            f"problem {problem.name!r} has no value function: pass value= to "
            f"{factory} to evaluate it"
        )
    out = np.asarray(problem.value_fn(x), dtype=np.float64)
    if out.shape != (x.shape[0],):
        raise ValueError(f"value must return shape ({x.shape[0]},); got {out.shape}")
    return out


def _as_point(name: str, value: Any) -> tuple[float, ...]:
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D point; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {arr.tolist()}")
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class UserFiniteSum:
    r"""A finite sum :math:`f = \frac1n\sum_{i<n} f_i` known through its component gradients.

    A gradient that turns NaN/inf during a sweep freezes that trajectory with status
    ``NONFINITE_GRADIENT`` (not diverged) and the step in ``nonfinite_at``, with one warning
    per sweep (:class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning`).

    Attributes
    ----------
    component_grad : callable
        ``component_grad(x, idx) -> (B, d)``: :math:`\nabla f_{idx_b}(x_b)` for ``x`` of shape
        (B, d) and ``idx`` of shape (B,) (vectorised NumPy).
    n : int
        Number of components, n >= 1.
    x0 : tuple of float
        Default start (length d).
    x_star : tuple of float or None
        A minimiser of f, used by the convergence side of the classification; ``None`` if
        unknown (then the sweep measures distances from x0 and never reports "converged").
    value : callable or None
        Optional ``value(x) -> (B,)``, f itself (needed by :func:`adamtheory.run`; without it
        :func:`~adamtheory.kernels.conversion.o2nc_run` reports ``f_ybar_final`` as unknown).
    name : str
        Recorded with results.

    The constructor calls ``component_grad`` once at x0 with every index, so a wrong output
    shape or a non-finite gradient at the start is reported at once as a ValueError.
    """

    component_grad: Callable[[np.ndarray, np.ndarray], Any]
    n: int
    x0: tuple[float, ...]
    x_star: tuple[float, ...] | None = None
    value_fn: Callable[[np.ndarray], Any] | None = None
    name: str = "user_finite_sum"
    domain: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if not callable(self.component_grad):
            raise TypeError(
                "component_grad must be callable (x, idx) -> array of shape (B, d); "
                f"got {type(self.component_grad).__name__}"
            )
        check_int("n", self.n, minimum=1)
        object.__setattr__(self, "x0", _as_point("x0", self.x0))
        if self.x_star is not None:
            object.__setattr__(self, "x_star", _as_point("x_star", self.x_star))
            if len(self.x_star) != len(self.x0):
                raise ValueError(
                    f"x_star must have length d = {len(self.x0)} like x0; got {len(self.x_star)}"
                )
        if self.value_fn is not None and not callable(self.value_fn):
            raise TypeError(f"value must be callable x -> (B,); got {type(self.value_fn).__name__}")
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {self.name!r}")
        probe = np.broadcast_to(np.asarray(self.x0), (self.n, self.dim)).copy()
        grads = self.component_grad_checked(probe, np.arange(self.n, dtype=np.int64))
        if not np.all(np.isfinite(grads)):
            bad = int(np.nonzero(~np.isfinite(grads).all(axis=1))[0][0])
            raise ValueError(
                f"component_grad returned a non-finite gradient at x0 for "
                f"component {bad}: {grads[bad].tolist()}"
            )

    @property
    def dim(self) -> int:
        return len(self.x0)

    @property
    def has_value(self) -> bool:
        return self.value_fn is not None

    @property
    def constants(self) -> ProblemConstants:
        """Only x* (and f* when ``value`` and x* are given) are known; the rest is None.

        An unknown x* is the empty tuple and an unknown f* is NaN.
        """
        f_star = math.nan
        if self.x_star is not None and self.value_fn is not None:
            f_star = float(self.value(np.asarray([self.x_star]))[0])
        return ProblemConstants(
            L=None,
            G=None,
            D0=None,
            D1=None,
            x_star=self.x_star if self.x_star is not None else (),
            f_star=f_star,
        )

    def params(self) -> dict[str, Any]:
        fn = self.component_grad
        label = getattr(fn, "__qualname__", type(fn).__name__)
        return {
            "n": self.n,
            "x0": list(self.x0),
            "x_star": None if self.x_star is None else list(self.x_star),
            "component_grad": str(label),
        }

    def component_grad_checked(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``component_grad`` with its output checked: float64 of shape (B, d), or ValueError."""
        return _checked_gradient("component_grad", self.component_grad(x, idx), x.shape)

    def grad(self, x: Any) -> np.ndarray:
        r"""Full gradient :math:`\frac1n\sum_i\nabla f_i(x)`, shape (B, d) (one call, B·n rows)."""
        x = _check_batch(x, self.dim)
        B = x.shape[0]
        rows = np.repeat(x, self.n, axis=0)
        idx = np.tile(np.arange(self.n, dtype=np.int64), B)
        return self.component_grad_checked(rows, idx).reshape(B, self.n, self.dim).mean(axis=1)

    def value(self, x: Any) -> np.ndarray:
        """f(x), shape (B,); needs ``value`` at construction."""
        return _checked_value(self, x, "user_finite_sum")


def user_finite_sum(
    component_grad: Callable[..., Any] | Sequence[Callable[..., Any]],
    *,
    n: int | None = None,
    x0: Any,
    x_star: Any = None,
    value: Callable[[np.ndarray], Any] | None = None,
    name: str = "user_finite_sum",
) -> UserFiniteSum:
    """Build a :class:`UserFiniteSum`.

    Parameters
    ----------
    component_grad : callable or sequence of callables
        ``component_grad(x, idx)`` (vectorised; then ``n`` is required), or n functions
        ``grad_i(x)`` each vectorised over rows (then ``n`` defaults to their number).
    n : int, optional
        Number of components.
    x0 : array_like
        Start, shape (d,) (a scalar means d = 1).
    x_star : array_like, optional
        A minimiser of f (for the convergence classification).
    value : callable, optional
        f(x) for x of shape (B, d), returning (B,).
    name : str
        Recorded with results.
    """
    if callable(component_grad):
        if n is None:
            raise ValueError(
                "n is required when component_grad is a single function (x, idx) -> (B, d)"
            )
        fn = component_grad
    elif isinstance(component_grad, Sequence) and not isinstance(component_grad, str):
        fn = ComponentList(tuple(component_grad))
        if n is None:
            n = len(fn.functions)
        elif n != len(fn.functions):
            raise ValueError(
                f"n = {n} disagrees with the {len(fn.functions)} component functions given"
            )
    else:
        raise TypeError(
            "component_grad must be a callable (x, idx) -> (B, d) or a list of n "
            f"callables x -> (m, d); got {type(component_grad).__name__}"
        )
    return UserFiniteSum(fn, n, x0, None if x_star is None else x_star, value, name)


@dataclass(frozen=True)
class UserFunction:
    r"""A user-supplied function :math:`F` for the O2NC runs, known through its gradient.

    It satisfies the oracle protocol of :func:`adamtheory.kernels.conversion.o2nc_run` (``dim``,
    ``x0``, ``grad``, ``value``), so any conversion × learner runs on it and returns the online
    estimate :math:`U_t`. The O2NC constants are what the *user* states; the toolkit cannot
    certify a supremum of someone else's gradient, but ``o2nc_run`` records the largest
    gradient norm it met (``max_query_grad``) and checks the stated G (:attr:`stated_G`)
    against it: when a run exceeds it, the run emits one
    :class:`~adamtheory.kernels.nonfinite.StatedConstantWarning` and records
    ``G_exceeded = 1`` in its attrs. A gradient that returns NaN/inf during a run is reported
    too (:class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning`, ``nonfinite_at``).

    Attributes
    ----------
    grad_fn : callable
        ``grad_fn(x) -> (B, d)``: :math:`\nabla F(x_b)` for ``x`` of shape (B, d).
    x0 : tuple of float
        Start (length d).
    value_fn : callable or None
        ``value_fn(x) -> (B,)``: F itself (optional; without it ``f_ybar_final`` is unknown).
    G : float or None
        A bound on :math:`\|\nabla F\|_2` (needed by the O2NC parameters).
    delta_F : float or None
        :math:`\Delta_F \ge F(x_0) - \inf F` (needed by the O2NC parameters).
    L : float or None
        Smoothness, if known.
    name : str
        Recorded with results.
    """

    grad_fn: Callable[[np.ndarray], Any]
    x0: tuple[float, ...]
    value_fn: Callable[[np.ndarray], Any] | None = None
    G: float | None = None
    delta_F: float | None = None
    L: float | None = None
    name: str = "user_function"

    def __post_init__(self) -> None:
        if not callable(self.grad_fn):
            raise TypeError(
                "grad must be callable x -> array of shape (B, d); got "
                f"{type(self.grad_fn).__name__}"
            )
        object.__setattr__(self, "x0", _as_point("x0", self.x0))
        if self.value_fn is not None and not callable(self.value_fn):
            raise TypeError(f"value must be callable x -> (B,); got {type(self.value_fn).__name__}")
        for key in ("G", "delta_F", "L"):
            v = getattr(self, key)
            if v is not None:
                if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
                    raise TypeError(f"{key} must be a real number; got {v!r}")
                if not (math.isfinite(v) and v >= 0):
                    raise ValueError(f"{key} must be finite and in [0, inf); got {v!r}")
                object.__setattr__(self, key, float(v))
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string; got {self.name!r}")
        g0 = self.grad(np.asarray([self.x0]))
        if not np.all(np.isfinite(g0)):
            raise ValueError(f"grad returned a non-finite gradient at x0: {g0[0].tolist()}")

    @property
    def dim(self) -> int:
        return len(self.x0)

    @property
    def has_value(self) -> bool:
        return self.value_fn is not None

    @property
    def stated_G(self) -> float | None:
        """The G the user stated (None if none): what ``o2nc_run`` checks its gradients against."""
        return self.G

    @property
    def o2nc_constants(self) -> O2NCConstants:
        """The stated constants as :class:`~adamtheory.problems.o2nc_base.O2NCConstants`.

        Raises ``ValueError`` naming G or delta_F when they were not given. The coordinate
        bounds are taken as G for every coordinate (valid, since :math:`|\\partial_iF| \\le
        \\|\\nabla F\\|_2`).
        """
        missing = [k for k in ("G", "delta_F") if getattr(self, k) is None]
        if missing:
            raise ValueError(
                f"problem {self.name!r} states no {' and no '.join(missing)}: pass "
                "G (a bound on |grad F|) and delta_F (>= F(x0) - inf F) to "
                "user_function for the O2NC parameters"
            )
        return O2NCConstants(
            G=self.G,
            G_coords=(self.G,) * self.dim,
            L=self.L,
            H=None,
            f_star=math.nan,
            x_star=None,
            delta_F=self.delta_F,
            region_radius=None,
            smooth=self.L is not None,
        )

    def grad(self, x: Any) -> np.ndarray:
        """∇F at each row of ``x`` (B, d), checked: float64 of shape (B, d)."""
        x = _check_batch(x, self.dim)
        return _checked_gradient("grad", self.grad_fn(x), x.shape)

    def value(self, x: Any) -> np.ndarray:
        """F(x), shape (B,); needs ``value`` at construction."""
        return _checked_value(self, x, "user_function")

    def params(self) -> dict[str, Any]:
        label = getattr(self.grad_fn, "__qualname__", type(self.grad_fn).__name__)
        return {
            "x0": list(self.x0),
            "G": self.G,
            "delta_F": self.delta_F,
            "L": self.L,
            "grad": str(label),
            "name": self.name,
        }


def user_function(
    grad: Callable[[np.ndarray], Any],
    *,
    x0: Any,
    value: Callable[[np.ndarray], Any] | None = None,
    G: float | None = None,
    delta_F: float | None = None,
    L: float | None = None,
    name: str = "user_function",
) -> UserFunction:
    """Build a :class:`UserFunction` (a deterministic F for :func:`~adamtheory.o2nc_run`).

    Parameters
    ----------
    grad : callable
        ``grad(x)`` for ``x`` of shape (B, d), returning (B, d).
    x0 : array_like
        Start, shape (d,) (a scalar means d = 1).
    value : callable, optional
        F(x) for x of shape (B, d), returning (B,).
    G, delta_F, L : float, optional
        Stated constants: a gradient-norm bound, :math:`F(x_0) - \\inf F` (an upper bound will
        do) and the smoothness. G and delta_F are needed by :func:`adamtheory.o2nc_plan`.
    name : str
        Recorded with results.

    Examples
    --------
    >>> import numpy as np
    >>> from adamtheory.problems.user import user_function
    >>> F = user_function(lambda x: np.tanh(x), x0=[2.0, -1.0],
    ...                   value=lambda x: np.log(np.cosh(x)).sum(axis=1), G=np.sqrt(2),
    ...                   delta_F=float(np.log(np.cosh(2.0)) + np.log(np.cosh(1.0))))
    >>> F.dim
    2
    """
    return UserFunction(grad, x0, value, G, delta_F, L, name)
