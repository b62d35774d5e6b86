r"""Exact large-n asymptote of the divergence boundary at β1 = 0, a = 1 (docs/theory §3.2).

At β1 = 0 the cyclic chain of :mod:`adamtheory.theory.divergence` has :math:`m_0 = r`,
:math:`m_j = -1` (j ≥ 1) and, with :math:`\delta = 1-\beta_2`,

.. math::

    v_j = 1 + (r^2-1)\,w_j,\qquad w_j = \frac{\delta(1-\delta)^j}{1-(1-\delta)^n},\qquad
    \mu = \sum_{j<n} \frac{m_j}{\sqrt{v_j}} .

Writing :math:`v_j = V(1+h_j)` with :math:`V = 1 + (r^2-1)/n` (the β2 → 1 limit), every
:math:`h_j` is :math:`O(\delta\,n)` uniformly in j < n, so :math:`\sqrt V\,\mu` has a power
series in δ whose k-th coefficient is a polynomial sum over j (done exactly by SymPy, Faulhaber
sums with symbolic n). With r = n (a = 1) the boundary sits at :math:`\delta^* \sim 4/n^2`,
where each further power of δ costs one power of 1/n; substituting
:math:`\delta = n^{-2}(c_0 + c_1/n + c_2/n^2 + \dots)` and solving order by order in 1/n gives

.. math::

    1-\beta_2^* = \frac{4}{n^2} + \frac{16}{3n^3} - \frac{64}{9n^4} + O(n^{-5})
                = \frac{4}{n^2-1} + \frac{16}{3n^3} + O(n^{-4}).

Nothing here is typed in: the coefficients are what :func:`boundary_coefficients` derives.
The first-order expansion alone, :math:`\sqrt V\mu = 1 - \delta(n^2-1)^2/(4(n^2+n-1)) +
O(\delta^2 n^3)`, fixes :math:`c_0 = 4` but not :math:`c_1`: the :math:`n^{-3}` term needs
the :math:`\delta^2` term of the drift.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from .._validate import check_int

__all__ = [
    "MAX_ORDER",
    "boundary_coefficients",
    "boundary_gap",
    "boundary_series",
    "drift_series",
]

MAX_ORDER = 3  # coefficients c_0 .. c_{MAX_ORDER-1}; order 3 takes about 10 s of SymPy

delta = sp.Symbol("delta", positive=True)
n = sp.Symbol("n", positive=True)
_j = sp.Symbol("j", nonnegative=True, integer=True)
_eps = sp.Symbol("epsilon", positive=True)


def _check_order(order: int) -> int:
    order = check_int("order", order, minimum=1)
    if order > MAX_ORDER:
        raise ValueError(f"order must be an integer in [1, {MAX_ORDER}]; got {order}")
    return order


@cache
def drift_series(order: int = 2) -> tuple[sp.Expr, ...]:
    r"""Coefficients :math:`(M_0, \dots, M_{order})` of
    :math:`\sqrt{V}\,\mu = \sum_k M_k(n)\,\delta^k + O(\delta^{order+1})` at β1 = 0, r = n.

    :math:`M_0 = 1` (= r - n + 1) and :math:`M_1 = -(n^2-1)^2/(4(n^2+n-1))`; each
    :math:`M_k` is a rational function of n (the phase sums are exact Faulhaber sums).
    """
    order = _check_order(order)
    K = order + 1  # powers of delta kept: 0 .. order
    b = 1 - delta
    # w_j = delta b^j / (1 - b^n) as a power series in delta (polynomial in j, rational in n)
    num = sp.series(b**_j, delta, 0, K + 1).removeO()
    den = sp.series(1 - b**n, delta, 0, K + 2).removeO()
    w = sp.expand(sp.series(delta * num / den, delta, 0, K).removeO())
    r = n
    big_v = 1 + (r**2 - 1) / n
    h = sp.Poly(sp.expand(sp.cancel((r**2 - 1) / big_v) * (w - 1 / n)), delta)
    s = sp.Symbol("s")
    inv_sqrt = sp.series((1 + s) ** sp.Rational(-1, 2), s, 0, K).removeO()
    powers = [sp.Poly(1, delta)]
    for _ in range(1, K):
        # truncate each power of h at delta^order: higher terms cannot reach the kept orders
        nxt = sp.Poly(sp.expand((powers[-1] * h).as_expr()), delta)
        powers.append(
            sp.Poly(sum(nxt.coeff_monomial(delta**k) * delta**k for k in range(K)), delta)
        )
    u = sp.expand(sum(inv_sqrt.coeff(s, k) * powers[k].as_expr() for k in range(K)))
    out = []
    for k in range(K):
        ck = u.coeff(delta, k)
        poly = sp.Poly(ck, _j)
        # phase 0 carries m_0 = r; phases 1..n-1 carry m_j = -1
        rest = sum(coef * sp.summation(_j**p, (_j, 1, n - 1)) for (p,), coef in poly.terms())
        out.append(sp.factor(sp.cancel(r * ck.subs(_j, 0) - rest)))
    return tuple(out)


@cache
def boundary_coefficients(order: int = 2) -> tuple[sp.Rational, ...]:
    r"""Exact :math:`(c_0, \dots, c_{order-1})` with
    :math:`1-\beta_2^* = n^{-2}\sum_k c_k n^{-k} + O(n^{-2-order})` (β1 = 0, a = 1, cyclic).

    Solved order by order in :math:`\epsilon = 1/n` from :func:`drift_series` of the same order
    (``order`` powers of 1/n need the drift to :math:`\delta^{order}`).
    """
    order = _check_order(order)
    cs = sp.symbols(f"c0:{order}")
    moments = drift_series(order)
    gap = sum(cs[k] / n ** (k + 2) for k in range(order))
    drift = sum(m * gap**k for k, m in enumerate(moments))
    ser = sp.expand(sp.series(drift.subs(n, 1 / _eps), _eps, 0, order).removeO())
    solution: dict[sp.Symbol, sp.Expr] = {}
    for k in range(order):
        eq = sp.expand(ser.coeff(_eps, k).subs(solution))
        roots = sp.solve(eq, cs[k])
        if len(roots) != 1:  # each order is linear in its new coefficient
            raise ArithmeticError(f"order {k}: expected one root for c{k}, got {roots}")
        solution[cs[k]] = sp.nsimplify(roots[0])
    return tuple(solution[c] for c in cs)


@cache
def boundary_series(order: int = 2) -> sp.Expr:
    r""":math:`1-\beta_2^*(n)` to ``order`` terms, e.g. :math:`4/n^2 + 16/(3n^3)` for order 2."""
    return sum(c / n ** (k + 2) for k, c in enumerate(boundary_coefficients(order)))


def boundary_gap(n_values, order: int = 2) -> np.ndarray:
    r"""Numeric :math:`1-\beta_2^*` from the ``order``-term series at each n (float64 array).

    Parameters
    ----------
    n_values : int or array of int
        Numbers of components, each >= 2.
    order : int
        Number of series terms, 1 .. :data:`MAX_ORDER`.
    """
    arr = np.atleast_1d(np.asarray(n_values))
    if arr.dtype.kind not in "iu":
        raise TypeError(f"n must be an integer or an array of integers >= 2; got dtype {arr.dtype}")
    if arr.size == 0 or int(arr.min()) < 2:
        raise ValueError("n must be an integer or an array of integers >= 2")
    fn = sp.lambdify(n, boundary_series(order), "numpy")
    return np.asarray(fn(arr.astype(np.float64)), dtype=np.float64)
