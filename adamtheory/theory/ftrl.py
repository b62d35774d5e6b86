r"""Clipped Adam as clipped :math:`\beta`-FTRL on the increments (docs/theory §1.3; FTRL24, AC24).

Everything here is derived by SymPy from the FTRL objective rather than typed in:

* :func:`step_factor` — solving :math:`\min_\Delta \langle S_t,\Delta\rangle + \Delta^2/(2\eta_t)`
  with :math:`S_t = \sum_s\beta^{t-s}g_s = m_t/(1-\beta)` and
  :math:`\eta_t = D/\sqrt{\sum_s\beta^{2(t-s)}g_s^2} = D/\sqrt{v_t/(1-\beta^2)}` gives
  :math:`\Delta = -\alpha\, m_t/\sqrt{v_t}` with :math:`\alpha = D\sqrt{(1+\beta)/(1-\beta)}`;
* :func:`bias_correction_factor` — with :math:`\beta_2 = \beta_1^2 = \beta^2`,
  :math:`\hat m_t/\sqrt{\hat v_t} = \sqrt{(1+\beta^t)/(1-\beta^t)}\; m_t/\sqrt{v_t}`.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

__all__ = [
    "bias_correction_factor",
    "bias_correction_factor_numeric",
    "discounted_sums",
    "step_factor",
    "step_factor_numeric",
]

beta = sp.Symbol("beta", positive=True)
D = sp.Symbol("D", positive=True)
t = sp.Symbol("t", positive=True, integer=True)
m = sp.Symbol("m", real=True)
v = sp.Symbol("v", positive=True)


def discounted_sums() -> tuple[sp.Expr, sp.Expr]:
    r"""Return :math:`(S_t, Q_t)` in terms of Adam's moments, derived from the recursions.

    With :math:`m_t = \beta m_{t-1} + (1-\beta)g_t` (:math:`m_0 = 0`),
    :math:`m_t = (1-\beta)\sum_{s\le t}\beta^{t-s} g_s`, so :math:`S_t = m_t/(1-\beta)`; with
    :math:`v_t = \beta^2 v_{t-1} + (1-\beta^2) g_t^2`, :math:`Q_t = v_t/(1-\beta^2)`. The scale
    factors are found by matching one step of each recursion (a linear solve), then verified
    on an unrolled three-step history.
    """
    k1, k2 = sp.symbols("k1 k2", positive=True)
    g1, g2, g3 = sp.symbols("g1 g2 g3", real=True)
    m1 = (1 - beta) * g1
    m2 = beta * m1 + (1 - beta) * g2
    m3 = beta * m2 + (1 - beta) * g3
    v3 = (1 - beta**2) * (beta**4 * g1**2 + beta**2 * g2**2 + g3**2)
    s3 = beta**2 * g1 + beta * g2 + g3
    q3 = beta**4 * g1**2 + beta**2 * g2**2 + g3**2
    k1_sol = sp.solve(sp.Eq(k1 * m3, s3), k1)[0]
    k2_sol = sp.solve(sp.Eq(k2 * v3, q3), k2)[0]
    return sp.simplify(k1_sol) * m, sp.simplify(k2_sol) * v


@cache
def step_factor() -> sp.Expr:
    r"""Derive :math:`\alpha/D` such that the unconstrained FTRL minimiser is
    :math:`-\alpha\, m/\sqrt{v}`; expected :math:`\sqrt{(1+\beta)/(1-\beta)}`."""
    S, Q = discounted_sums()
    delta = sp.Symbol("Delta", real=True)
    eta = D / sp.sqrt(Q)
    objective = S * delta + delta**2 / (2 * eta)
    minimiser = sp.solve(sp.diff(objective, delta), delta)[0]
    # Strictly convex (second derivative 1/eta > 0 for 0 < beta < 1), so the stationary
    # point is the minimiser.
    factor = sp.simplify(-minimiser / (D * m / sp.sqrt(v)))
    return sp.simplify(sp.sqrt(sp.factor(factor**2)))


@cache
def bias_correction_factor() -> sp.Expr:
    r"""Derive :math:`(\hat m_t/\sqrt{\hat v_t})/(m_t/\sqrt{v_t})` for :math:`\beta_2 = \beta_1^2`.

    Starts from Adam's definitions :math:`\hat m = m/(1-\beta_1^t)`,
    :math:`\hat v = v/(1-\beta_2^t)`; the result is :math:`\sqrt{(1+\beta^t)/(1-\beta^t)}`.
    """
    beta1 = beta
    beta2 = beta**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    ratio = (m_hat / sp.sqrt(v_hat)) / (m / sp.sqrt(v))
    # ratio^2 is rational in beta^t; factor it, then take the positive root.
    squared = sp.factor(sp.simplify(ratio**2).subs(beta**t, sp.Symbol("b_t", positive=True)))
    return sp.sqrt(squared.subs(sp.Symbol("b_t", positive=True), beta**t))


@cache
def step_factor_numeric():
    """``f(beta) -> alpha/D`` from :func:`step_factor` (NumPy-vectorised)."""
    return sp.lambdify(beta, step_factor(), "numpy")


@cache
def bias_correction_factor_numeric():
    """``f(beta, t) -> factor`` from :func:`bias_correction_factor` (NumPy-vectorised)."""
    return sp.lambdify((beta, t), bias_correction_factor(), "numpy")
