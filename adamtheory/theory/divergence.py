r"""Drift of Adam on the one-big-gradient counterexample (docs/theory §3.1-§3.2; Z22).

In the linear region every epoch shows Adam the gradient pattern "one :math:`r`, n-1 times -1"
(up to a common positive factor, which ε = 0 Adam ignores). With
:math:`u_t = m_t/\sqrt{v_t}` the per-epoch drift is
:math:`\mu = \lim_K \frac1K\sum_{k\le K}\sum_{i<n} u_{k,i}`: an epoch moves x by about
:math:`-\eta_k\mu`, so :math:`\mu<0` means divergence and :math:`\mu>0` convergence.

For cyclic order the chain has a periodic stationary state, derived here (not typed in): with
:math:`g_i = -1 + (r+1)[i=0]`,

.. math::

    m_j = (1-\beta_1)\sum_{k\ge0}\beta_1^k g_{(j-k)\bmod n}
        = -1 + \frac{(r+1)(1-\beta_1)\beta_1^j}{1-\beta_1^n},\qquad
    v_j = 1 + \frac{(r^2-1)(1-\beta_2)\beta_2^j}{1-\beta_2^n},

and :math:`\mu_{cyc} = \sum_{j<n} m_j/\sqrt{v_j}`. SymPy checks the fixed-point property and
proves the limits :math:`\mu(0,0) = 2-n` and
:math:`\mu\to(r-n+1)/\sqrt{(r^2+n-1)/n}` as :math:`\beta_2\to1`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp
from scipy.optimize import brentq

from .._validate import check_int, check_interval, check_positive

__all__ = [
    "beta2_boundary",
    "cyclic_drift",
    "drift_limit_beta2_to_one",
    "drift_at_zero",
    "fixed_point_residuals",
    "stationary_moments",
    "summand",
]

beta1 = sp.Symbol("beta1", positive=True)
beta2 = sp.Symbol("beta2", positive=True)
n = sp.Symbol("n", positive=True, integer=True)
r = sp.Symbol("r", positive=True)
j = sp.Symbol("j", nonnegative=True, integer=True)
_q = sp.Symbol("q", nonnegative=True, integer=True)


def _geometric_tail(base: sp.Symbol) -> sp.Expr:
    r""":math:`\sum_{q\ge0} b^{j+qn}` (0 < b < 1), the weight of phase-0 gradients at phase j."""
    z = sp.Symbol("z")
    series = sp.summation(z**_q, (_q, 0, sp.oo))
    # Piecewise((1/(1 - z), |z| < 1), (divergent Sum, True)): here z = b^n with 0 < b < 1.
    if not (isinstance(series, sp.Piecewise) and series.args[0][1] == (sp.Abs(z) < 1)):
        raise ArithmeticError(f"unexpected form of the geometric series: {series}")
    return base**j * series.args[0][0].subs(z, base**n)


@cache
def stationary_moments() -> tuple[sp.Expr, sp.Expr]:
    r"""Periodic stationary :math:`(m_j, v_j)` of the cyclic chain, derived by summing the
    geometric series of past gradients (:math:`g = -1` everywhere plus :math:`r+1` at phase 0).
    """
    m_j = -1 + (r + 1) * (1 - beta1) * _geometric_tail(beta1)  # (1-b1) sum_k b1^k (-1) = -1
    v_j = 1 + (r**2 - 1) * (1 - beta2) * _geometric_tail(beta2)  # g^2 = 1, plus r^2 - 1
    return sp.simplify(m_j), sp.simplify(v_j)


@cache
def fixed_point_residuals() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """Residuals of the Adam recursions at the stationary state (all simplify to 0).

    Phase j >= 1 receives -1 (gradient squared 1); phase 0 receives r after phase n-1.
    """
    m, v = stationary_moments()
    prev = {j: j - 1}
    wrap = {j: n - 1}
    res_m = sp.simplify(m - (beta1 * m.subs(prev) + (1 - beta1) * (-1)))
    res_v = sp.simplify(v - (beta2 * v.subs(prev) + (1 - beta2) * 1))
    res_m0 = sp.simplify(m.subs(j, 0) - (beta1 * m.subs(wrap) + (1 - beta1) * r))
    res_v0 = sp.simplify(v.subs(j, 0) - (beta2 * v.subs(wrap) + (1 - beta2) * r**2))
    return res_m, res_v, res_m0, res_v0


@cache
def summand() -> sp.Expr:
    r""":math:`u_j = m_j/\sqrt{v_j}`, the direction at phase j of the stationary cyclic chain."""
    m, v = stationary_moments()
    return m / sp.sqrt(v)


@cache
def drift_at_zero() -> sp.Expr:
    r""":math:`\mu(\beta_1\to0, \beta_2\to0)` for every n: :math:`u_0 + (n-1)u_{j\ge1}`
    (the limit is taken before the sum since :math:`0^0` differs between phases)."""
    u = summand()
    u0 = sp.limit(sp.limit(u.subs(j, 0), beta1, 0, "+"), beta2, 0, "+")
    jp = sp.Symbol("jp", positive=True, integer=True)
    u_rest = sp.limit(sp.limit(u.subs(j, jp), beta1, 0, "+"), beta2, 0, "+")
    return sp.simplify(u0 + (n - 1) * u_rest)


@cache
def drift_limit_beta2_to_one() -> sp.Expr:
    r""":math:`\lim_{\beta_2\to1}\mu_{cyc}`: :math:`v_j \to (r^2+n-1)/n` for every phase, and
    :math:`\sum_j m_j = r - n + 1`, so :math:`\mu \to (r-n+1)/\sqrt{(r^2+n-1)/n}`."""
    m, v = stationary_moments()
    v_lim = sp.simplify(sp.limit(v, beta2, 1, "-"))
    if v_lim.has(j):
        raise ArithmeticError("the beta2 -> 1 limit of v_j should not depend on the phase")
    m_sum = sp.summation(m, (j, 0, n - 1))
    m_sum = sp.simplify(m_sum.replace(sp.Piecewise, lambda *pairs: pairs[-1][0]))
    return sp.simplify(m_sum / sp.sqrt(v_lim))


@cache
def _summand_numeric():
    return sp.lambdify((beta1, beta2, n, r, j), summand(), "numpy")


def cyclic_drift(beta1_value, beta2_value, n_value: int, r_value=None):
    r"""Vectorised :math:`\mu_{cyc}(\beta_1, \beta_2; n, r)` (floats) from the SymPy summand.

    Parameters
    ----------
    beta1_value, beta2_value : float or array
        Broadcasting arrays in [0, 1).
    n_value : int
        Number of components, n >= 2.
    r_value : float or array, optional
        Gradient ratio r = c/a > 0 (default n, i.e. a = 1).
    """
    n_value = check_int("n", n_value, minimum=2)
    r_value = float(n_value) if r_value is None else r_value
    check_interval("beta1", beta1_value, 0.0, 1.0)
    check_interval("beta2", beta2_value, 0.0, 1.0)
    check_positive("r", r_value)
    b1 = np.asarray(beta1_value, dtype=np.float64)[..., None]
    b2 = np.asarray(beta2_value, dtype=np.float64)[..., None]
    rr = np.asarray(r_value, dtype=np.float64)[..., None]
    phases = np.arange(n_value, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = _summand_numeric()(b1, b2, float(n_value), rr, phases)
    # beta = 0 exactly: 0**0 = 1 is the right convention at phase 0 (NumPy uses it), and the
    # formula's 0/0-free form holds; no NaN expected, but guard anyway.
    if not np.all(np.isfinite(terms)):
        raise FloatingPointError("non-finite drift summand; check the inputs")
    return terms.sum(axis=-1)


def beta2_boundary(
    beta1_values, n_value: int, r_value=None, drift=None, grid: int = 2000
) -> np.ndarray:
    r"""Upper divergence boundary :math:`\beta_2^*(\beta_1)`: the largest :math:`\beta_2` with
    :math:`\mu(\beta_1, \beta_2) = 0`, below which (down to the next root) the drift is negative.

    Root-finding on ``drift(beta1, beta2)`` (default: :func:`cyclic_drift`): scan a grid in
    :math:`\log(1-\beta_2)`, then refine the last sign change with Brent's method. Returns NaN
    where the drift is never negative (no divergence region at that :math:`\beta_1`).
    """
    n_value = check_int("n", n_value, minimum=2)
    if drift is None:

        def drift(b1, b2):
            return cyclic_drift(b1, b2, n_value, r_value)

    b1s = np.atleast_1d(np.asarray(beta1_values, dtype=np.float64))
    check_interval("beta1", b1s, 0.0, 1.0)
    # dense near beta2 = 1 where the boundary sits for large n (1 - beta2* ~ 4/n^2)
    one_minus = np.logspace(0, -8, grid)
    b2_grid = np.concatenate([[0.0], 1.0 - one_minus[1:]])
    out = np.full(b1s.shape, np.nan)
    for k, b1 in enumerate(b1s):
        values = drift(np.full_like(b2_grid, b1), b2_grid)
        neg = values < 0
        if not neg.any():
            continue
        last = np.nonzero(neg)[0][-1]
        if last == b2_grid.size - 1:
            out[k] = 1.0  # negative up to the end of the scanned range
            continue
        lo, hi = b2_grid[last], b2_grid[last + 1]
        out[k] = brentq(
            lambda b2, b1=b1: float(drift(np.array(b1), np.array(b2))),
            lo,
            hi,
            xtol=1e-15,
            rtol=4 * np.finfo(float).eps,
        )
    return out
