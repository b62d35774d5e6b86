r"""Online-to-nonconvex conversion (O2NC) identities (THEORY.md §1.5, §4), derived in SymPy.

* :func:`discounted_to_dynamic_residual` — the discounted-to-dynamic identity
  :math:`\sum_{t\le T}\langle v_t, \Delta_t - u_t\rangle = S_T(u_T) + (1-\beta)\sum_{t<T}
  S_t(u_t) + \beta\sum_{t<T}\langle M_t, u_{t+1}-u_t\rangle`, with
  :math:`S_t(u) = \sum_{s\le t}\beta^{t-s}\langle v_s, \Delta_s - u\rangle` and
  :math:`M_t = \sum_{s\le t}\beta^{t-s}v_s`. Both sides are bilinear in the sequences, so a
  coordinate-wise (scalar) check with symbolic sequences is a proof for each fixed T.
* :func:`omd_heavy_ball_residual` — β-OMD (AMC25 Lemma 3.2), :math:`\delta_{t+1} =
  \frac{\beta}{1+\eta\mu}(\delta_t - \eta g_t)`, is heavy-ball momentum
  :math:`b_t = c\,b_{t-1} + g_t`, :math:`\Delta_t = -c\eta\,b_t` with :math:`c =
  \beta/(1+\eta\mu)`, unrolled symbolically.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .._validate import check_int

__all__ = ["discounted_to_dynamic_residual", "omd_heavy_ball_residual"]

beta = sp.Symbol("beta", positive=True)
eta = sp.Symbol("eta", positive=True)
mu = sp.Symbol("mu", nonnegative=True)


@cache
def discounted_to_dynamic_residual(T: int, drop_one_minus_beta: bool = False) -> sp.Expr:
    """LHS - RHS of the identity for symbolic scalar sequences of length ``T`` (expanded).

    ``drop_one_minus_beta`` removes the (1 - beta) factor (a negative control).
    """
    T = check_int("T", T, minimum=1)
    v = sp.symbols(f"v1:{T + 1}")
    d = sp.symbols(f"Delta1:{T + 1}")
    u = sp.symbols(f"u1:{T + 1}")

    def S(t: int, uu: sp.Expr) -> sp.Expr:
        return sum(beta ** (t - s) * v[s - 1] * (d[s - 1] - uu) for s in range(1, t + 1))

    def M(t: int) -> sp.Expr:
        return sum(beta ** (t - s) * v[s - 1] for s in range(1, t + 1))

    factor = 1 if drop_one_minus_beta else (1 - beta)
    lhs = sum(v[t - 1] * (d[t - 1] - u[t - 1]) for t in range(1, T + 1))
    rhs = (S(T, u[T - 1]) + factor * sum(S(t, u[t - 1]) for t in range(1, T))
           + beta * sum(M(t) * (u[t] - u[t - 1]) for t in range(1, T)))
    return sp.expand(lhs - rhs)


@cache
def omd_heavy_ball_residual(T: int) -> sp.Expr:
    r"""Sum of squared differences between the first ``T`` β-OMD increments and heavy-ball
    increments with :math:`c = \beta/(1+\eta\mu)`, :math:`\text{lr} = c\eta` (simplifies to 0)."""
    T = check_int("T", T, minimum=1)
    g = sp.symbols(f"g1:{T + 1}")
    c = beta / (1 + eta * mu)
    delta, omd = sp.Integer(0), []
    for t in range(T):  # delta_{t+1} = c (delta_t - eta g_t), delta_1 = 0
        delta = c * (delta - eta * g[t])
        omd.append(delta)
    b, hb = sp.Integer(0), []
    for t in range(T):  # b_t = c b_{t-1} + g_t, Delta_t = -c eta b_t
        b = c * b + g[t]
        hb.append(-c * eta * b)
    return sp.simplify(sum((a - h) ** 2 for a, h in zip(omd, hb, strict=True)))


@cache
def randomisation_residuals() -> dict[str, sp.Expr]:
    r"""The three randomisation identities of THEORY §1.5 for :math:`\varphi(s) = F(x+s\Delta)
    = \cos(a s + b)` (a > 0), integrated exactly; each residual simplifies to 0.

    ``uniform``: :math:`\varphi(1)-\varphi(0) - \int_0^1\varphi'`; ``exponential``:
    :math:`\int_0^\infty e^{-s}(\varphi(s)-\varphi(0)) - \int_0^\infty e^{-s}\varphi'(s)`;
    ``uniform02``: :math:`\tfrac12\int_0^2(\varphi(s)-\varphi(0)) - \tfrac12\int_0^2 (2-s)
    \varphi'(s)`. Sums of such terms (the cosine landscape) follow by linearity.
    """
    s = sp.Symbol("s", nonnegative=True)
    a = sp.Symbol("a", positive=True)
    b = sp.Symbol("b", real=True)
    phi = sp.cos(a * s + b)
    dphi = sp.diff(phi, s)
    return {
        "uniform": sp.simplify(phi.subs(s, 1) - phi.subs(s, 0) - sp.integrate(dphi, (s, 0, 1))),
        "exponential": sp.simplify(
            sp.integrate(sp.exp(-s) * (phi - phi.subs(s, 0)), (s, 0, sp.oo))
            - sp.integrate(sp.exp(-s) * dphi, (s, 0, sp.oo))),
        "uniform02": sp.simplify(
            sp.integrate(phi - phi.subs(s, 0), (s, 0, 2)) / 2
            - sp.integrate((2 - s) * dphi, (s, 0, 2)) / 2),
        "uniform02_unweighted": sp.simplify(
            sp.integrate(phi - phi.subs(s, 0), (s, 0, 2)) / 2
            - sp.integrate(dphi, (s, 0, 2)) / 2),
    }
