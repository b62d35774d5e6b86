r"""Online-to-nonconvex conversion (O2NC) identities (docs/theory §1.5, §4), derived in SymPy.

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
    rhs = (
        S(T, u[T - 1])
        + factor * sum(S(t, u[t - 1]) for t in range(1, T))
        + beta * sum(M(t) * (u[t] - u[t - 1]) for t in range(1, T))
    )
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
    r"""The three randomisation identities of docs/theory §1.5 for :math:`\varphi(s) = F(x+s\Delta)
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
            - sp.integrate(sp.exp(-s) * dphi, (s, 0, sp.oo))
        ),
        "uniform02": sp.simplify(
            sp.integrate(phi - phi.subs(s, 0), (s, 0, 2)) / 2
            - sp.integrate((2 - s) * dphi, (s, 0, 2)) / 2
        ),
        "uniform02_unweighted": sp.simplify(
            sp.integrate(phi - phi.subs(s, 0), (s, 0, 2)) / 2 - sp.integrate(dphi, (s, 0, 2)) / 2
        ),
    }


# --------------------------------------------------------------------------- dimensions
#: physical dimension of each O2NC symbol as exponents of (function value F, length x)
DIMENSIONS: dict[str, tuple[int, int]] = {
    "G": (1, -1),
    "sigma": (1, -1),
    "epsilon": (1, -1),
    "nu": (1, -1),  # gradients
    "Delta_F": (1, 0),  # function values
    "D": (0, 1),
    "delta": (0, 1),  # lengths
    "lambda": (1, -3),  # ||grad||_[lambda] = ||E grad|| + lambda E||w - x||^2
    "mu": (1, -2),  # regulariser (mu/2)||Delta||^2 in a loss measured in F
    "H": (1, -3),
    "L": (1, -2),  # Hessian-Lipschitz, smoothness
    "T": (0, 0),
    "N": (0, 0),
    "beta": (0, 0),
    "beta1": (0, 0),
    "beta2": (0, 0),
    "C_x": (0, 0),
    "Reg": (1, 0),  # regret = sum of <g, Delta>: function units
}


def o2nc_symbols() -> dict[str, sp.Symbol]:
    """Positive SymPy symbols for every entry of :data:`DIMENSIONS`."""
    return {name: sp.Symbol(name, positive=True) for name in DIMENSIONS}


def term_dimensions(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr] | None]:
    r"""Dimension (F, x exponents) of each additive term of ``expr``, by scaling the symbols.

    Every symbol s of dimension (p, q) is replaced by s·a^p·b^q; a term's exponents are
    :math:`a\,\partial_a\log r` and :math:`b\,\partial_b\log r` of the ratio r of the scaled
    to the unscaled term. A term whose ratio is not a monomial a^p b^q (a sum of quantities of
    different dimensions) gives ``None``.
    """
    a, b = sp.symbols("scale_F scale_x", positive=True)
    syms = o2nc_symbols()
    scaling = {syms[n]: syms[n] * a**p * b**q for n, (p, q) in DIMENSIONS.items()}
    out: list[tuple[sp.Expr, sp.Expr] | None] = []
    for term in sp.Add.make_args(sp.expand(expr)):
        ratio = sp.simplify(term.subs(scaling, simultaneous=True) / term)
        p = sp.simplify(a * sp.diff(sp.log(ratio), a))
        q = sp.simplify(b * sp.diff(sp.log(ratio), b))
        if p.free_symbols or q.free_symbols or sp.simplify(ratio - a**p * b**q) != 0:
            out.append(None)
        else:
            out.append((p, q))
    return out


def o2nc_bounds(mu_power: int = 1) -> dict[str, tuple[sp.Expr, tuple[int, int]]]:
    r"""The transcribed bounds of docs/theory §4 with their expected dimensions.

    ``mu_power`` is the power of D in Lemma 3.1's :math:`\mu D^{k}` term: 1 (derived) or 2
    (as in the text we had; the negative control).
    """
    s = o2nc_symbols()
    G, sig, eps, lam, D, T, beta, DF = (
        s[k] for k in ("G", "sigma", "epsilon", "lambda", "D", "T", "beta", "Delta_F")
    )
    mu, Reg = s["mu"], s["Reg"]
    grad = (1, -1)
    lemma31 = (
        beta / (D * T) * Reg
        + (1 - beta) / (D * T) * Reg
        + DF / (D * T)
        + mu * D**mu_power
        + sig / (T * sp.sqrt(1 - beta))
        + sig * sp.sqrt(1 - beta)
    )
    cor41 = 49 * (G + sig) ** 2 * eps**-2 * 8 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    cor42_epochs = 4 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    cor51 = 49 * (G + sig) ** 2 * eps**-2 * 20 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    b1 = s["beta1"]
    thm5_D = (1 - b1) * sp.sqrt(eps) / sp.sqrt(48 * lam)
    thm5_gamma = b1 * thm5_D / sp.sqrt(1 - b1)
    thm5_T = 16 * DF * sp.sqrt(48 * lam) / eps ** sp.Rational(3, 2) + 16 * (G + sig) / eps
    omd_eta = 2 * D * sp.sqrt(1 - beta) / (G + sig)
    omd_regret = 2 * D * (G + sig) * beta / sp.sqrt(1 - beta) + mu / 2 * D**2
    mu_condition = 8 * lam * D * (1 + s["C_x"] * (1 - beta) ** -2)
    return {
        "Lemma 3.1 (AMC25): bound on E||grad F(ybar)||_[lambda]": (lemma31, grad),
        "Corollary 4.1: T threshold": (cor41, (0, 0)),
        "Corollary 4.2: epochs N": (cor42_epochs, (0, 0)),
        "Corollary 5.1: T threshold": (cor51, (0, 0)),
        "Theorem 5 (2602.08372): D": (thm5_D, (0, 1)),
        "Theorem 5: gamma": (thm5_gamma, (0, 1)),
        "Theorem 5: T threshold (inside max)": (thm5_T, (0, 0)),
        "Lemma 3.2 (AMC25): eta x gradient = length": (omd_eta * G, (0, 1)),
        "Lemma 3.2: discounted regret": (omd_regret, (1, 0)),
        "Lemma 3.1: mu condition": (mu_condition, (1, -2)),
        "(lambda, eps) with lambda = L^2/eps is a lambda": (s["L"] ** 2 / eps, (1, -3)),
        "(lambda, eps) with lambda = H/2 is a lambda": (s["H"] / 2, (1, -3)),
    }


def dimension_report(mu_power: int = 1) -> dict[str, dict]:
    """For each bound: term dimensions, expected dimension, and whether all terms match it."""
    report = {}
    for name, (expr, expected) in o2nc_bounds(mu_power).items():
        dims = term_dimensions(expr)
        report[name] = {
            "terms": [None if d is None else tuple(map(str, d)) for d in dims],
            "expected": expected,
            "consistent": all(d is not None and tuple(d) == expected for d in dims),
        }
    return report
