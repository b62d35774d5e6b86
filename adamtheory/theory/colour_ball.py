r"""The colour-ball lemma (Zhang et al., talk Lemma A.1; docs/theory §3.5), exactly.

A box holds n balls labelled :math:`c_0..c_{n-1}`; each epoch draws all of them without
replacement (a uniform permutation) and puts them back. With the draws
:math:`s_1, s_2, \dots` in order, the momentum-like sums after position p of epoch k and the
gradient-like sums are

.. math::

    m_p = \sum_{q=1}^{N_p}\beta^{N_p-q}s_q,\quad N_p = n(k-1)+p+1, \qquad
    f_p = c_p\sum_{l=0}^{nk-1}\beta^l .

For n = 2 these are the slides' :math:`m_0, m_1, f_0, f_1` and the lemma reads
:math:`\mathbb E[m_0+m_1-f_0-f_1] = -\beta^{2k-1}(c_0+c_1)/2`. :func:`enumerated_gap`
averages over all :math:`(n!)^k` orders in exact rational arithmetic; :func:`closed_form_gap`
derives the general n from linearity (each draw's marginal is uniform on the labels).
"""

from __future__ import annotations

import itertools
from functools import cache

import sympy as sp

from .._validate import check_int

__all__ = ["closed_form_gap", "enumerated_gap", "lemma_a1", "labels"]

beta = sp.Symbol("beta", positive=True)


def labels(n: int) -> tuple[sp.Symbol, ...]:
    """Symbols :math:`c_0..c_{n-1}`."""
    return sp.symbols(f"c0:{check_int('n', n, minimum=2)}")


def _sums(draws: tuple[sp.Symbol, ...], n: int, k: int) -> sp.Expr:
    total = sp.Integer(0)
    for p in range(n):
        N = n * (k - 1) + p + 1
        total += sum(beta ** (N - q) * draws[q - 1] for q in range(1, N + 1))
    return total


@cache
def enumerated_gap(n: int, k: int, first_weight: sp.Rational | None = None) -> sp.Expr:
    r""":math:`\mathbb E[\sum_p m_p - \sum_p f_p]` by exhaustive enumeration of all orders.

    Each epoch's order is a uniform permutation, or for n = 2 with ``first_weight`` = q, the
    order (c0, c1) with probability q and (c1, c0) with 1 - q (q = 1/2 is uniform).
    """
    n = check_int("n", n, minimum=2)
    k = check_int("k", k, minimum=1)
    if n > 4 or (n > 2 and k > 3) or k > 6:
        raise ValueError("enumeration grows like (n!)^k: use n <= 4, k <= 3 (k <= 6 for n = 2)")
    c = labels(n)
    perms = list(itertools.permutations(c))
    if first_weight is None:
        weights = [sp.Rational(1, len(perms))] * len(perms)
    else:
        if n != 2:
            raise ValueError("first_weight applies to n = 2 only")
        q = sp.Rational(first_weight)
        if not 0 <= q <= 1:
            raise ValueError(f"first_weight must lie in [0, 1]; got {first_weight}")
        weights = [q, 1 - q]  # permutations() lists (c0, c1) first
    expected_m = sp.Integer(0)
    for epochs in itertools.product(range(len(perms)), repeat=k):
        weight = sp.prod([weights[e] for e in epochs])
        draws = tuple(itertools.chain.from_iterable(perms[e] for e in epochs))
        expected_m += weight * _sums(draws, n, k)
    f_total = sum(c) * sum(beta**l for l in range(n * k))
    return sp.factor(sp.expand(expected_m - f_total))


@cache
def closed_form_gap() -> sp.Expr:
    r"""General-n gap with symbolic n, k: every :math:`s_q` has mean :math:`\bar c`, so
    :math:`\mathbb E\sum_p m_p = \bar c\sum_p\sum_{l<N_p}\beta^l`; subtract
    :math:`\sum_p f_p = n\bar c\sum_{l<nk}\beta^l`. Returned in terms of ``n``, ``k``,
    ``beta`` and ``cbar``."""
    n, k, p, l_ = sp.symbols("n k p l", positive=True, integer=True)
    cbar = sp.Symbol("cbar")
    N_p = n * (k - 1) + p + 1
    geometric = lambda top: (1 - beta**top) / (1 - beta)  # noqa: E731 - sum_{l<top} beta^l
    gap = cbar * sp.summation(geometric(N_p), (p, 0, n - 1)) - n * cbar * geometric(n * k)
    return sp.simplify(gap)


def lemma_a1(k: int) -> sp.Expr:
    r"""The slide's statement for n = 2: :math:`-\beta^{2k-1}(c_0+c_1)/2`."""
    c0, c1 = labels(2)
    return -(beta ** (2 * check_int("k", k, minimum=1) - 1)) * (c0 + c1) / 2
