r"""Model EMA identities (docs/theory §1.4) and AMC25's output-index law (§1.5), derived in SymPy.

* :func:`recursion_coefficients` — from the closed form
  :math:`\bar y_t = \frac{1-\beta}{1-\beta^t} S_t`, :math:`S_t = \sum_{s\le t}\beta^{t-s}y_s
  = \beta S_{t-1} + y_t`, derive :math:`\bar y_t = A_t\bar y_{t-1} + B_t y_t`; expected
  :math:`A_t = (\beta-\beta^t)/(1-\beta^t)`, :math:`B_t = (1-\beta)/(1-\beta^t)`.
* :func:`weights_total` — :math:`\sum_{s=1}^t w_{t,s}` with
  :math:`w_{t,s} = (1-\beta)\beta^{t-s}/(1-\beta^t)`; expected 1.
* :func:`amc25_tau_total` — the total mass of AMC25 Definition 4; expected 1.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

__all__ = [
    "amc25_tau_probability",
    "amc25_tau_total",
    "recursion_coefficients",
    "weight",
    "weight_numeric",
    "weights_total",
]

beta = sp.Symbol("beta", positive=True)
t = sp.Symbol("t", positive=True, integer=True)
s = sp.Symbol("s", positive=True, integer=True)
T = sp.Symbol("T", positive=True, integer=True)


def weight() -> sp.Expr:
    r""":math:`w_{t,s} = (1-\beta)\beta^{t-s}/(1-\beta^t)` (AMC25 §3, normalised EMA)."""
    return (1 - beta) * beta ** (t - s) / (1 - beta**t)


@cache
def recursion_coefficients() -> tuple[sp.Expr, sp.Expr]:
    """Derive ``(A_t, B_t)`` of the exact EMA recursion from the closed form."""
    y_t, ybar_prev = sp.symbols("y_t ybar_prev", real=True)
    normaliser = lambda k: (1 - beta) / (1 - beta**k)  # noqa: E731 - local shorthand
    s_prev = ybar_prev / normaliser(t - 1)  # invert the closed form at t-1
    ybar_t = sp.expand(normaliser(t) * (beta * s_prev + y_t))
    a_coef = sp.simplify(sp.powsimp(sp.expand(ybar_t.coeff(ybar_prev)), force=True))
    b_coef = sp.simplify(ybar_t.coeff(y_t))
    return sp.factor(a_coef), sp.factor(b_coef)


def _generic_branch(expr: sp.Expr) -> sp.Expr:
    """For a Piecewise from ``summation``, the branch valid for 0 < beta < 1 (``beta != 1``)."""

    def pick(*pairs: tuple[sp.Expr, sp.Basic]) -> sp.Expr:
        return next(branch for branch, condition in pairs if condition is sp.true)

    return expr.replace(sp.Piecewise, pick)


@cache
def weights_total() -> sp.Expr:
    r""":math:`\sum_{s=1}^{t} w_{t,s}`, summed symbolically (expected 1)."""
    return sp.simplify(_generic_branch(sp.summation(weight(), (s, 1, t))))


def amc25_tau_probability() -> tuple[sp.Expr, sp.Expr]:
    r"""AMC25 Definition 4: :math:`\Pr(\tau=t) = (1-\beta^t)/T` for :math:`t<T`, and
    :math:`\Pr(\tau=T) = (1-\beta^T)/((1-\beta)T)`."""
    return (1 - beta**t) / T, (1 - beta**T) / ((1 - beta) * T)


@cache
def amc25_tau_total() -> sp.Expr:
    """Total mass of AMC25 Definition 4, summed symbolically over ``t = 1..T-1`` plus ``t = T``."""
    body, last = amc25_tau_probability()
    return sp.simplify(_generic_branch(sp.summation(body, (t, 1, T - 1))) + last)


@cache
def weight_numeric():
    """``w(beta, t, s)`` from :func:`weight`, NumPy-vectorised."""
    return sp.lambdify((beta, t, s), weight(), "numpy")
