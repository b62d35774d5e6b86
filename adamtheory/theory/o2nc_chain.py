r"""Constants of the probabilistic zero-chain instance, derived in SymPy (docs/theory §2, §4;
docs/o2nc.md "The zero-chain instance"; construction in the style of Carmon et al. 2020 and
Arjevani et al. 2023, with piecewise-polynomial links of our own so that every supremum is
exact, ``[derived]``).

**Links.** In unit scale the chain on :math:`\mathbb R^K` is

.. math::
    \bar F_K(x) = -\Psi(1)\Phi(x_1) + \sum_{i=2}^{K}\big[\Psi(-x_{i-1})\Phi(-x_i)
    - \Psi(x_{i-1})\Phi(x_i)\big],

with :math:`\Psi(x) = S((x-b)/(1-b))` on [b, 1], b = 1/2 (0 below, 1 above), :math:`S` the
jerk-limited ramp
(:math:`S''' = \pm 32` on quarters; the smallest jerk of a C² ramp from 0 to 1 on [0, 1] with
zero end slopes and curvatures), and :math:`\Phi' = 1` on [-1, 1] falling to 0 over a width
w = 1/2 on each side by a C¹ ramp with :math:`|\Phi'''| = 4/w^2`; :math:`\Phi(-\infty) = 0`,
so :math:`\Phi_{\max} = 2 + w`. The instance is :math:`F(x) = \alpha\bar F_K(x/s)`.

**Constants** (unit scale; ×α/s for gradients and σ, ×α for Δ_F, ×α/s³ for ρ):

* :math:`\Psi, \Psi', \Phi, \Phi' \ge 0`, so every partial derivative is ≤ 0;
  :math:`|\partial_i\bar F| \le \sup_x[\Phi'(x) + \Phi_{\max}\Psi'(|x|)] = 1 + 4\Phi_{\max}`
  (i < K) and ≤ 1 (i = K): :math:`G \le \sqrt{(K-1)(1+4\Phi_{\max})^2 + 1}`
  (:func:`chain_constants`).
* Robust zero chain: :math:`\Psi = \Psi' = 0` on :math:`(-\infty, b]`, so if
  :math:`|x_i| \le b` for all i > j then :math:`\partial_i\bar F(x) = 0` for i > j + 1; the
  frontier partial is :math:`-\Psi(|x_j|)\Phi'(x_{j+1})`, of modulus ≤ 1, so the oracle that
  multiplies it by z/p, z ~ Bernoulli(p), is unbiased with variance ≤ :math:`1/p - 1`
  (:math:`\sigma^2 = 1/p - 1`).
* :math:`\Delta_F = \bar F(0) - \inf\bar F = K\Phi_{\max} - \Phi(0)` exactly (each link term
  is ≥ :math:`-\Phi_{\max}`, the infimum is attained where every :math:`x_i \ge 1 + w`).
* Hessian-Lipschitz :math:`\rho \le 2M`, :math:`M^2 = (\Psi'''_{\max}\Phi_{\max})^2 +
  3(\Psi''_{\max}\Phi'_{\max})^2 + 3(\Psi'_{\max}\Phi''_{\max})^2 + (\Psi_{\max}\Phi'''_{\max})^2`:
  each link term is a function of two neighbouring coordinates whose third-derivative tensor
  has Frobenius norm ≤ M (at most one of the two sign branches is non-zero), and
  :math:`\sum_i (u_{i-1}^2+u_i^2)^{3/2} \le \sum_i (u_{i-1}^2+u_i^2) \le 2` for a unit u.
  With :math:`\lambda \ge \rho/2` the (λ, ε) measure is the gradient norm exactly
  (docs/theory §2: upper bound by the point mass, lower bound by Hessian-Lipschitz Taylor with
  :math:`\mathbb E(w - x) = 0`).
* Certified measure (Carmon et al.'s argument): if :math:`|x_j| < 1` for some j, let j be the
  first such index; then :math:`|x_{j-1}| \ge 1` (:math:`x_0 \equiv 1`), all four terms of
  :math:`\partial_j\bar F` have the same sign and :math:`|\partial_j\bar F| \ge
  \Psi(1)\Phi'(x_j) = 1`. So :math:`\|\nabla F(x)\| \ge \alpha/s` until every coordinate has
  moved past s; at the start :math:`\|\nabla F(0)\| = \alpha/s` exactly.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

__all__ = [
    "PHI_WIDTH",
    "chain_constants",
    "link_functions",
    "link_suprema",
    "ramp_checks",
]

t, x = sp.symbols("t x", real=True)

#: width w of Φ′'s fall from 1 to 0 on each side of [-1, 1]
PHI_WIDTH = sp.Rational(1, 2)
#: Ψ = 0 on (-∞, b]: the robust zero-chain threshold (Carmon et al.'s 1/2); Ψ ramps on [b, 1]
PSI_START = sp.Rational(1, 2)


def _jerk_ramp() -> sp.Piecewise:
    """S on [0, 1]: S''' = 32, -32, 32 on [0, 1/4], [1/4, 3/4], [3/4, 1]."""
    u = t - sp.Rational(1, 4)
    return sp.Piecewise(
        (sp.Rational(16, 3) * t**3, t <= sp.Rational(1, 4)),
        (sp.Rational(1, 12) + u + 4 * u**2 - sp.Rational(16, 3) * u**3, t <= sp.Rational(3, 4)),
        (1 - sp.Rational(16, 3) * (1 - t) ** 3, True),
    )


def _c1_ramp() -> sp.Piecewise:
    """R on [0, 1]: 2t² then 1 - 2(1-t)² (R'' = ±4, a C¹ ramp from 0 to 1)."""
    return sp.Piecewise((2 * t**2, t <= sp.Rational(1, 2)), (1 - 2 * (1 - t) ** 2, True))


@cache
def link_functions() -> dict[str, list[tuple[sp.Expr, tuple[sp.Expr, sp.Expr]]]]:
    """Ψ and Φ as lists of ``(polynomial in x, (left, right))`` pieces covering ℝ
    (the outermost pieces extend to ±∞)."""
    w = PHI_WIDTH
    S, R = _jerk_ramp(), _c1_ramp()
    b = PSI_START
    pieces_S = [
        (e.subs(t, (x - b) / (1 - b)), (b + (1 - b) * lo, b + (1 - b) * hi))
        for e, (lo, hi) in zip([a.expr for a in S.args], _S_BREAKS, strict=True)
    ]
    psi = [(sp.Integer(0), (-sp.oo, b))] + pieces_S + [(sp.Integer(1), (1, sp.oo))]
    r_lo, r_hi = (a.expr for a in R.args)
    # Phi' on the left tail is R((y + 1 + w)/w), on the right tail 1 - R((y - 1)/w)
    dphi = [
        (sp.Integer(0), (-sp.oo, -1 - w)),
        (r_lo.subs(t, (x + 1 + w) / w), (-1 - w, -1 - w / 2)),
        (r_hi.subs(t, (x + 1 + w) / w), (-1 - w / 2, -1)),
        (sp.Integer(1), (-1, 1)),
        (1 - r_lo.subs(t, (x - 1) / w), (1, 1 + w / 2)),
        (1 - r_hi.subs(t, (x - 1) / w), (1 + w / 2, 1 + w)),
        (sp.Integer(0), (1 + w, sp.oo)),
    ]
    phi, acc = [], sp.Integer(0)
    for expr, (lo, hi) in dphi:  # Phi = integral of Phi' from -infinity, piece by piece
        if lo == -sp.oo:
            phi.append((sp.Integer(0), (lo, hi)))
            continue
        piece = sp.expand(acc + sp.integrate(expr, (x, lo, x)))
        phi.append((piece, (lo, hi)))
        if hi != sp.oo:
            acc = piece.subs(x, hi)
    return {"psi": psi, "dphi": dphi, "phi": phi}


_S_BREAKS = [(0, sp.Rational(1, 4)), (sp.Rational(1, 4), sp.Rational(3, 4)), (sp.Rational(3, 4), 1)]


def _sup_abs(pieces: list[tuple[sp.Expr, tuple[sp.Expr, sp.Expr]]], order: int) -> sp.Expr:
    """Exact sup of |d^order/dx^order| over all pieces (endpoints and interior critical
    points of each polynomial piece; a constant piece at infinity contributes its value)."""
    best = sp.Integer(0)
    for expr, (lo, hi) in pieces:
        f = sp.diff(expr, x, order)
        cands = []
        if f.free_symbols:
            for c in sp.solve(sp.diff(f, x), x):
                if c.is_real and (lo == -sp.oo or c >= lo) and (hi == sp.oo or c <= hi):
                    cands.append(f.subs(x, c))
            cands += [f.subs(x, e) for e in (lo, hi) if e not in (-sp.oo, sp.oo)]
        else:
            cands.append(f)
        for v in cands:
            best = sp.Max(best, sp.Abs(sp.nsimplify(v)))
    return sp.nsimplify(best)


@cache
def link_suprema() -> dict[str, sp.Expr]:
    """Exact suprema of |Ψ^(k)| (k = 0..3) and |Φ^(k)| (k = 0..3), and Φ(0)."""
    f = link_functions()
    out = {f"psi{k}": _sup_abs(f["psi"], k) for k in range(4)}
    out["phi0"] = _sup_abs(f["phi"], 0)
    for k in range(3):
        out[f"phi{k + 1}"] = _sup_abs(f["dphi"], k)
    out["phi_at_0"] = next(e for e, (lo, hi) in f["phi"] if lo == -1).subs(x, 0)
    return out


@cache
def ramp_checks() -> dict[str, sp.Expr]:
    """Residuals that SymPy reduces to 0: Ψ is C² at its breakpoints (values, slopes,
    curvatures match), Φ′ is C¹ at its breakpoints, Φ is continuous, Φ(∞) = 2 + w."""
    f = link_functions()
    res = {}
    for name, pieces, orders in (
        ("psi", f["psi"], 3),
        ("dphi", f["dphi"], 2),
        ("phi", f["phi"], 1),
    ):
        # consecutive pieces (one fewer pair than pieces)
        for (e1, (_, b)), (e2, _) in zip(pieces, pieces[1:], strict=False):
            for k in range(orders):
                res[f"{name} C{k} at {b}"] = sp.simplify(
                    sp.diff(e1, x, k).subs(x, b) - sp.diff(e2, x, k).subs(x, b)
                )
    res["Phi(inf) - (2 + w)"] = sp.simplify(f["phi"][-1][0] - (2 + PHI_WIDTH))
    return res


@cache
def chain_constants() -> dict[str, sp.Expr]:
    r"""Unit-scale constants as expressions in K and p (module docstring): ``G`` (sup of the
    gradient norm), ``sigma2`` (sup of the oracle variance), ``delta_F``, ``rho``
    (Hessian-Lipschitz bound 2M), ``g_coord`` (sup of one partial), ``frontier`` (sup of the
    frontier partial), ``measure_lower`` (certified gradient norm while some |x_j| < 1) and
    ``start`` (‖∇F̄(0)‖)."""
    K, p = sp.symbols("K p", positive=True)
    s = link_suprema()
    g_coord = s["phi1"] + s["phi0"] * s["psi1"]
    M2 = (
        (s["psi3"] * s["phi0"]) ** 2
        + 3 * (s["psi2"] * s["phi1"]) ** 2
        + 3 * (s["psi1"] * s["phi2"]) ** 2
        + (s["psi0"] * s["phi3"]) ** 2
    )
    frontier = s["psi0"] * s["phi1"]
    return {
        "K": K,
        "p": p,
        "G": sp.sqrt((K - 1) * g_coord**2 + frontier**2),
        "g_coord": g_coord,
        "frontier": frontier,
        "sigma2": (1 / p - 1) * frontier**2,
        "delta_F": K * s["phi0"] - s["phi_at_0"],
        "rho": 2 * sp.sqrt(M2),
        # Psi(1) * inf_{|y| <= 1} Phi'(y): Psi(1) = 1 and Phi' = 1 on [-1, 1]
        "measure_lower": sp.Integer(1),
        "start": frontier,
        "phi_max": s["phi0"],
    }
