r"""Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR 2018 (R18), in SymPy.

Theorem 1 (the period-3 counterexample)
    On :math:`\mathcal F = [-1, 1]` with :math:`C > 2` the losses cycle with period 3,

    .. math:: f_t(x) = \begin{cases} C x & t \bmod 3 = 1,\\ -x & \text{otherwise,}\end{cases}

    and Adam with :math:`\beta_1 = 0`, :math:`\beta_2 = 1/(1+C^2)`,
    :math:`\eta_t = \eta/\sqrt t` and no bias correction goes to :math:`x = +1`, the worst point
    (the mean slope is :math:`(C-2)/3 > 0`, so the optimum is :math:`x^\star = -1`).
    Sitting at :math:`+1` costs :math:`\sum_{t=1}^{3}[f_t(1) - f_t(-1)] = 2C - 4` per period,
    so :math:`R_T/T \to (2C-4)/3` (:func:`theorem1_average_regret_limit`). AMSGrad and SGD go
    to :math:`-1` with :math:`R_T/T \to 0`. With period :math:`p` (:math:`Cx` once, :math:`-x`
    :math:`p-1` times) the same sum gives :math:`2(C-p+1)/p`
    (:func:`periodic_average_regret`).

Theorem 2 (any :math:`\beta_1 < \sqrt{\beta_2}`; the constants are *recalled*)
    The constants are a transcription from memory that the numbers here test rather than
    assume. With an even period :math:`C`, :math:`f_t = Cx` if :math:`t \bmod C = 1`, else
    :math:`-x`, and :math:`\gamma = \beta_1/\sqrt{\beta_2} < 1`, Adam fails when

    (i)   :math:`(1-\beta_1)\beta_1^{C-1} C \le 1 - \beta_1^{C-1}`,
    (ii)  :math:`\beta_2^{(C-2)/2} C^2 \le 1`,
    (iii) :math:`\frac{3(1-\beta_1)}{2\sqrt{1-\beta_2}}
          \bigl(1 + \frac{\gamma(1-\gamma^{C-1})}{1-\gamma}\bigr)
          + \frac{\beta_1^{C/2-1}}{1-\beta_1} < \frac C3`

    (:func:`theorem2_conditions`, :func:`smallest_admissible_C`). At :math:`\beta_1 = 0`
    and :math:`C > 2` they reduce to :math:`\beta_2 \le C^{-4/(C-2)}` and
    :math:`\beta_2 < 1 - (9/(2C))^2` (:func:`theorem2_beta1_zero_reduction`); note that (iii) is
    strict, so the second bound is strict too.

Theorem 3 (stochastic)
    :math:`f(x,\xi) = Cx` with probability :math:`p = (1+\delta)/(C+1)`, else :math:`-x`, on
    :math:`[-1, 1]`; :math:`\mathbb E f = \delta x` (:func:`theorem3_expected_slope`), optimum
    :math:`-1`. For :math:`\beta_1 = 0` :func:`theorem3_expected_direction` gives the exact
    one-step :math:`\mathbb E[g_t/\sqrt{v_t} \mid v_{t-1}]` and
    :func:`theorem3_direction_bound` its supremum bound over :math:`v_{t-1} \in [0, C^2]`.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from .._validate import check_int, check_interval, check_positive

__all__ = [
    "Beta1ZeroReduction",
    "Theorem2Conditions",
    "periodic_average_regret",
    "periodic_average_regret_numeric",
    "periodic_optimum",
    "smallest_admissible_C",
    "theorem1_average_regret_limit",
    "theorem1_average_regret_limit_numeric",
    "theorem1_beta2",
    "theorem1_optimum",
    "theorem2_beta1_zero_reduction",
    "theorem2_conditions",
    "theorem3_direction_bound",
    "theorem3_expected_direction",
    "theorem3_expected_slope",
    "theorem3_probability",
]

C = sp.Symbol("C", positive=True)
p = sp.Symbol("p", positive=True, integer=True)
x = sp.Symbol("x", real=True)
t = sp.Symbol("t", positive=True, integer=True)
beta1 = sp.Symbol("beta1", nonnegative=True)
beta2 = sp.Symbol("beta2", positive=True)
delta = sp.Symbol("delta", positive=True)
v = sp.Symbol("v", nonnegative=True)
_u = sp.Symbol("u", positive=True)  # C = u + 2 encodes the hypothesis C > 2
_w = sp.Symbol("w", positive=True)  # beta2 = 1 - w encodes beta2 < 1
_k = sp.Symbol("k", positive=True)  # beta2 = 1/(1 + k) encodes 0 < beta2 < 1


# --------------------------------------------------------------------------- Theorem 1 / period p
def _periodic_losses_sum(period: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r"""Return :math:`(\sum_{t=1}^{p} f_t(x),\ \sum_{t=1}^{p}[f_t(1) - f_t(-1)])` over one period.

    The first loss of the period is :math:`Cx`, the other :math:`p-1` are :math:`-x`.
    """
    first = C * x
    rest = sp.summation(-x, (t, 2, period))
    total = sp.expand(first + rest)
    gap = sp.expand(total.subs(x, 1) - total.subs(x, -1))
    return total, gap


@cache
def periodic_average_regret() -> sp.Expr:
    r"""Average regret of sitting at :math:`x=+1` against :math:`x^\star=-1`, period :math:`p`.

    .. math:: \frac{R_T}{T} \to \frac1p\sum_{t=1}^{p}\bigl[f_t(1) - f_t(-1)\bigr]
              = \frac{2(C - p + 1)}{p},

    for :math:`f_t = Cx` once per period and :math:`-x` otherwise (R18, Theorem 1 is
    :math:`p = 3`; the Theorem 2 construction is :math:`p = C`, giving :math:`2/C`).
    Summed symbolically over the period, expression in the module symbols ``C`` and ``p``.
    """
    _, gap = _periodic_losses_sum(p)
    return sp.simplify(gap / p)


@cache
def periodic_optimum() -> tuple[sp.Expr, sp.Expr]:
    r"""Mean slope :math:`(C-p+1)/p` of the average loss and its minimiser on :math:`[-1,1]`.

    The average loss :math:`\frac1p\sum_t f_t(x)` is linear, so its minimiser over
    :math:`[-1,1]` is :math:`-\operatorname{sign}(\text{slope})` (any point when the slope is 0).
    Returns ``(slope, x_star)`` with ``x_star = -sign(slope)`` as a SymPy expression.
    """
    total, _ = _periodic_losses_sum(p)
    slope = sp.factor(sp.diff(total / p, x))
    return slope, -sp.sign(slope)


@cache
def theorem1_average_regret_limit() -> sp.Expr:
    r"""R18 Theorem 1: :math:`\lim_T R_T/T = (2C - 4)/3` for Adam on the period-3 problem.

    Derived from the three losses written out (:math:`Cx, -x, -x`): Adam's iterate goes to
    :math:`+1`, the comparator is :math:`x^\star = -1`, and
    :math:`\frac13\sum_{t=1}^{3}[f_t(1) - f_t(-1)] = (2C-4)/3`. Expression in ``C``.
    """
    losses = (C * x, -x, -x)
    per_period = sum(f.subs(x, 1) - f.subs(x, -1) for f in losses)
    return sp.factor(sp.simplify(per_period / 3))


@cache
def theorem1_optimum() -> tuple[sp.Expr, sp.Expr]:
    r"""R18 Theorem 1: mean slope :math:`(C-2)/3` and the optimum :math:`x^\star = -1`.

    The average loss :math:`\frac13(Cx - x - x)` is linear with slope :math:`(C-2)/3`; under
    the theorem's hypothesis :math:`C > 2` (encoded as :math:`C = u + 2`, :math:`u > 0`) the slope
    is positive and the minimiser over :math:`[-1,1]` is :math:`-1`. Returns ``(slope, x_star)``.
    """
    losses = (C * x, -x, -x)
    slope = sp.factor(sp.diff(sum(losses) / 3, x))
    x_star = (-sp.sign(slope)).subs(C, _u + 2)
    if x_star != -1:  # pragma: no cover - a SymPy regression, not user input
        raise ArithmeticError(f"could not establish x* = -1 for C > 2; got {x_star}")
    return slope, sp.Integer(-1)


@cache
def theorem1_average_regret_limit_numeric():
    """``f(C) -> (2C - 4)/3`` from :func:`theorem1_average_regret_limit` (NumPy-vectorised)."""
    return sp.lambdify(C, theorem1_average_regret_limit(), "numpy")


@cache
def periodic_average_regret_numeric():
    """``f(C, p) -> 2(C - p + 1)/p`` from :func:`periodic_average_regret` (NumPy-vectorised)."""
    return sp.lambdify((C, p), periodic_average_regret(), "numpy")


@cache
def _theorem1_beta2_numeric():
    return sp.lambdify(C, 1 / (1 + C**2), "numpy")


def theorem1_beta2(C: Any) -> Any:
    r"""R18 Theorem 1's second-moment rate :math:`\beta_2 = 1/(1+C^2)`.

    A SymPy expression in gives a SymPy expression out; numbers (scalar or array, each
    :math:`C > 2`) are evaluated through ``lambdify``.
    """
    if isinstance(C, sp.Basic):
        return 1 / (1 + C**2)
    check_interval("C", C, 2.0, np.inf, low_closed=False)
    out = _theorem1_beta2_numeric()(np.asarray(C, dtype=np.float64))
    return float(out) if np.ndim(out) == 0 else out


# --------------------------------------------------------------------------------------- Theorem 2
class Theorem2Conditions(NamedTuple):
    """R18 Theorem 2's three (recalled) conditions as SymPy relations, with their symbols."""

    i: sp.core.relational.Relational
    ii: sp.core.relational.Relational
    iii: sp.core.relational.Relational
    beta1: sp.Symbol
    beta2: sp.Symbol
    C: sp.Symbol

    @property
    def conditions(self) -> tuple[sp.core.relational.Relational, ...]:
        return (self.i, self.ii, self.iii)


@cache
def theorem2_conditions() -> Theorem2Conditions:
    r"""R18 Theorem 2 (recalled): conditions on an even period :math:`C` making Adam fail.

    With :math:`\gamma = \beta_1/\sqrt{\beta_2}`:

    .. math::
        \text{(i)}\ (1-\beta_1)\beta_1^{C-1}C \le 1-\beta_1^{C-1},\qquad
        \text{(ii)}\ \beta_2^{(C-2)/2}C^2 \le 1,

        \text{(iii)}\ \frac{3(1-\beta_1)}{2\sqrt{1-\beta_2}}
        \Bigl(1+\frac{\gamma(1-\gamma^{C-1})}{1-\gamma}\Bigr)
        + \frac{\beta_1^{C/2-1}}{1-\beta_1} < \frac C3.

    These are a transcription from memory of the appendix of R18, to be tested, not assumed.
    """
    gamma = beta1 / sp.sqrt(beta2)
    cond_i = sp.Le((1 - beta1) * beta1 ** (C - 1) * C, 1 - beta1 ** (C - 1))
    cond_ii = sp.Le(beta2 ** ((C - 2) / 2) * C**2, 1)
    lhs_iii = 3 * (1 - beta1) / (2 * sp.sqrt(1 - beta2)) * (
        1 + gamma * (1 - gamma ** (C - 1)) / (1 - gamma)
    ) + beta1 ** (C / 2 - 1) / (1 - beta1)
    cond_iii = sp.Lt(lhs_iii, C / 3)
    return Theorem2Conditions(cond_i, cond_ii, cond_iii, beta1, beta2, C)


@cache
def _theorem2_admissible_numeric():
    conds = theorem2_conditions()
    return sp.lambdify((beta1, beta2, C), sp.And(*conds.conditions), "numpy")


def smallest_admissible_C(beta1: float, beta2: float, c_max: int = 10**7) -> int | None:
    r"""Smallest even :math:`C \ge 4` satisfying all three conditions of R18 Theorem 2.

    The conjunction of :func:`theorem2_conditions` is lambdified once and evaluated on chunks
    of even :math:`C` (doubling in size) in order, so the first admissible :math:`C` is found
    without scanning further than needed. Returns ``None`` when no even :math:`C \le`
    ``c_max`` qualifies.

    Raises ``ValueError`` unless :math:`0 \le \beta_1 < 1`, :math:`0 \le \beta_2 < 1` and
    :math:`\beta_1 < \sqrt{\beta_2}` (so :math:`\gamma < 1`), or if ``c_max < 4``.
    """
    b1 = _scalar("beta1", beta1)
    b2 = _scalar("beta2", beta2)
    check_interval("beta1", b1, 0.0, 1.0)
    check_interval("beta2", b2, 0.0, 1.0)
    if not b1 < np.sqrt(b2):
        raise ValueError(
            f"beta1 must satisfy beta1 < sqrt(beta2) (gamma = beta1/sqrt(beta2) < 1); "
            f"got beta1={b1:g}, sqrt(beta2)={np.sqrt(b2):g}"
        )
    c_max = check_int("c_max", c_max, minimum=4)
    admissible = _theorem2_admissible_numeric()
    start, chunk = 4, 4096  # chunk = number of even C per evaluation, doubled up to 2**20
    with np.errstate(under="ignore"):
        while start <= c_max:
            stop = min(start + 2 * chunk, c_max + 1)
            cs = np.arange(start, stop, 2, dtype=np.float64)
            ok = np.broadcast_to(admissible(b1, b2, cs), cs.shape)
            if ok.any():
                return int(cs[int(np.argmax(ok))])
            start, chunk = stop, min(2 * chunk, 1 << 20)
    return None


class Beta1ZeroReduction(NamedTuple):
    r"""R18 Theorem 2 at :math:`\beta_1 = 0`, :math:`C > 2`: (i) is ``true`` and
    (ii) :math:`\Leftrightarrow \beta_2 \le` ``bound_ii``,
    (iii) :math:`\Leftrightarrow \beta_2 <` ``bound_iii``; ``reduced`` is their conjunction."""

    condition_i: sp.Basic
    bound_ii: sp.Expr
    bound_iii: sp.Expr
    reduced: sp.Basic


@cache
def theorem2_beta1_zero_reduction() -> Beta1ZeroReduction:
    r"""Prove that at :math:`\beta_1 = 0` the Theorem 2 conditions become bounds on :math:`\beta_2`.

    For :math:`C > 2` (encoded :math:`C = u+2`, :math:`u > 0`, so :math:`0^{C-1} = 0^{C/2-1} = 0`
    and :math:`\gamma = 0`):

    * (i) reads :math:`0 \le 1`: always true;
    * (ii): :math:`\beta_2^{u/2}C^2` is increasing in :math:`\beta_2`; the boundary solved from the
      logarithm (linear in :math:`\log\beta_2`) is :math:`\beta_2 = C^{-4/(C-2)}`, so
      (ii) :math:`\Leftrightarrow \beta_2 \le C^{-4/(C-2)}`;
    * (iii): :math:`3/(2\sqrt{1-\beta_2})` is increasing in :math:`\beta_2 < 1`; the boundary is
      :math:`1-\beta_2 = (9/(2C))^2`, so (iii) :math:`\Leftrightarrow \beta_2 < 1-(9/(2C))^2`.

    Hence the conditions are :math:`\beta_2 \le C^{-4/(C-2)}` and :math:`\beta_2 < 1-(9/(2C))^2`,
    i.e. :math:`\beta_2 \le \min\{C^{-4/(C-2)}, 1-(9/(2C))^2\}` up to the strict boundary of
    (iii). Every step is checked symbolically; a failed check raises ``ArithmeticError``.
    """
    conds = theorem2_conditions()
    at_zero = {beta1: 0, C: _u + 2}
    cond_i = conds.i.subs(at_zero)
    _require(cond_i is sp.true, "(i) is not trivially true at beta1 = 0")

    # (ii): both sides positive, take logs; linear in L = log(beta2).
    lhs_ii = conds.ii.lhs.subs(at_zero)
    _require(conds.ii.rhs == 1, "(ii) is not of the form lhs <= 1")
    L = sp.Symbol("L", real=True)
    log_lhs = sp.expand_log(sp.log(lhs_ii), force=True).subs(sp.log(beta2), L)
    (L_star,) = sp.solve(sp.Eq(log_lhs, 0), L)  # log(beta2*) = exponent * log(C)
    exponent = sp.simplify(L_star / sp.log(_u + 2))
    _require(not exponent.has(sp.log), "(ii) boundary is not a power of C")
    bound_ii = (_u + 2) ** exponent
    _require(sp.diff(lhs_ii, beta2).is_positive is True, "(ii) lhs is not increasing in beta2")
    _require(
        sp.simplify(sp.powsimp(lhs_ii.subs(beta2, bound_ii), force=True) - 1) == 0,
        "(ii) boundary does not make lhs = 1",
    )

    # (iii): gamma = 0 and 0**(u/2) = 0 leave 3/(2 sqrt(1 - beta2)) < C/3; write beta2 = 1 - w.
    lhs_iii = sp.simplify(conds.iii.lhs.subs(at_zero))
    rhs_iii = conds.iii.rhs.subs(at_zero)
    _require(
        sp.diff(lhs_iii.subs(beta2, 1 - _w), _w).is_negative is True,
        "(iii) lhs is not increasing in beta2",
    )
    (w_star,) = sp.solve(sp.Eq(lhs_iii.subs(beta2, 1 - _w), rhs_iii), _w)
    bound_iii = 1 - w_star

    back = {_u: C - 2}
    bound_ii = sp.simplify(bound_ii.subs(back))
    bound_iii = sp.simplify(bound_iii.subs(back))
    reduced = sp.And(sp.Le(beta2, bound_ii), sp.Lt(beta2, bound_iii))
    return Beta1ZeroReduction(cond_i, bound_ii, bound_iii, reduced)


# --------------------------------------------------------------------------------------- Theorem 3
@cache
def theorem3_expected_slope() -> sp.Expr:
    r"""R18 Theorem 3: :math:`\mathbb E_\xi[\partial_x f(x,\xi)] = pC - (1-p) = \delta` for
    :math:`p = (1+\delta)/(C+1)`, derived symbolically (so :math:`\mathbb E f = \delta x` and the
    optimum on :math:`[-1,1]` is :math:`-1` for :math:`\delta > 0`)."""
    prob = (1 + delta) / (C + 1)
    expected_loss = prob * C * x + (1 - prob) * (-x)
    return sp.simplify(sp.diff(expected_loss, x))


def theorem3_probability(C: Any, delta: Any) -> Any:
    r"""R18 Theorem 3's probability :math:`p = (1+\delta)/(C+1)` of the loss :math:`Cx`.

    SymPy in gives SymPy out. Numbers need :math:`C > 0` and :math:`0 < \delta < C`
    (so that :math:`p \in (0, 1)` and the optimum is :math:`-1`); arrays broadcast.
    """
    if isinstance(C, sp.Basic) or isinstance(delta, sp.Basic):
        return (1 + sp.sympify(delta)) / (sp.sympify(C) + 1)
    check_positive("C", C)
    check_positive("delta", delta)
    c_arr = np.asarray(C, dtype=np.float64)
    d_arr = np.asarray(delta, dtype=np.float64)
    bad = np.broadcast_to(d_arr >= c_arr, np.broadcast_shapes(c_arr.shape, d_arr.shape))
    if bad.any():
        first = np.unravel_index(int(np.argmax(bad)), bad.shape)
        d_bad = float(np.broadcast_to(d_arr, bad.shape)[first])
        c_bad = float(np.broadcast_to(c_arr, bad.shape)[first])
        raise ValueError(
            "delta must lie in (0, C) so that p = (1+delta)/(C+1) < 1; "
            f"got delta={d_bad:g} with C={c_bad:g}"
        )
    out = _theorem3_probability_numeric()(c_arr, d_arr)
    return float(out) if np.ndim(out) == 0 else out


@cache
def _theorem3_probability_numeric():
    return sp.lambdify((C, delta), theorem3_probability(C, delta), "numpy")


@cache
def theorem3_expected_direction() -> sp.Expr:
    r"""Exact :math:`\mathbb E[g_t/\sqrt{v_t} \mid v_{t-1} = v]` for Adam with :math:`\beta_1 = 0`.

    With :math:`v_t = \beta_2 v + (1-\beta_2)g_t^2` and :math:`g_t = C` w.p. :math:`p`, else
    :math:`-1`:

    .. math:: \frac{pC}{\sqrt{\beta_2 v + (1-\beta_2)C^2}}
              - \frac{1-p}{\sqrt{\beta_2 v + 1 - \beta_2}}.

    The update is :math:`x_{t+1} = \Pi(x_t - \eta_t g_t/\sqrt{v_t})`, so a non-positive value
    means the expected unprojected step points away from the optimum :math:`-1`.
    Expression in ``C``, ``delta``, ``beta2``, ``v``.
    """
    prob = theorem3_probability(C, delta)
    step = lambda g: g / sp.sqrt(beta2 * v + (1 - beta2) * g**2)  # noqa: E731
    return prob * step(C) + (1 - prob) * step(sp.Integer(-1))


@cache
def theorem3_direction_bound() -> tuple[sp.Expr, sp.Expr]:
    r"""Upper bound of :func:`theorem3_expected_direction` over :math:`v \in [0, C^2]`.

    Without bias correction :math:`v_{t-1} = (1-\beta_2)\sum_s\beta_2^{t-1-s}g_s^2 \in [0, C^2]`.
    The :math:`g = C` term decreases in :math:`v` (largest at :math:`v = 0`) and the
    :math:`g = -1` term increases (largest at :math:`v = C^2`), so

    .. math:: \mathbb E[g_t/\sqrt{v_t}\mid v_{t-1}] \le B = \frac{p}{\sqrt{1-\beta_2}}
              - \frac{1-p}{\sqrt{1+\beta_2(C^2-1)}},
              \qquad \lim_{C\to\infty} C B = \frac{1+\delta}{\sqrt{1-\beta_2}}
              - \frac{1}{\sqrt{\beta_2}}.

    Returns ``(B, lim C*B)``. The bound is not attained in general; a negative limit shows the
    expected step drifts towards :math:`+1` for large :math:`C` whatever :math:`v_{t-1}` is.
    This is a one-step statement, not the whole of R18 Theorem 3's proof.
    """
    prob = theorem3_probability(C, delta)
    term_c = prob * C / sp.sqrt(beta2 * v + (1 - beta2) * C**2)
    term_m = -(1 - prob) / sp.sqrt(beta2 * v + 1 - beta2)
    # monotonicity in v, with beta2 = 1/(1 + k) in (0, 1) and p < 1 (delta < C: C = delta + s)
    s_ = sp.Symbol("s", positive=True)
    sub = {beta2: 1 / (1 + _k), C: delta + s_}
    _require(
        sp.simplify(sp.diff(term_c, v).subs(sub)).is_negative is True,
        "g = C term not decreasing in v",
    )
    _require(
        sp.simplify(sp.diff(term_m, v).subs(sub)).is_positive is True,
        "g = -1 term not increasing in v",
    )
    bound = term_c.subs(v, 0) + sp.factor(term_m.subs(v, C**2))
    leading = sp.simplify(sp.limit(C * bound, C, sp.oo))
    return bound, leading


# --------------------------------------------------------------------------------------- helpers
def _scalar(name: str, value: Any) -> float:
    if isinstance(value, (bool, str, bytes)) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a real scalar; got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real scalar; got {value!r}") from None


def _require(ok: bool, what: str) -> None:
    if not ok:  # pragma: no cover - a SymPy regression, not user input
        raise ArithmeticError(f"symbolic check failed: {what}")
