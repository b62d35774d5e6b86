r"""From the O2NC conversion bound to iteration complexities and the rate table (docs/theory §4).

The derivation, each step built and checked here:

1. AMC25 Lemma 3.1 (Option I, with the dimensionally correct :math:`\mu D` term) with the
   *proven* β-OMD regret bound :math:`(1+\frac1{4\beta})D(G+\sigma)/\sqrt{1-\beta} +
   \mu D^2/(2\beta)` (:mod:`adamtheory.theory.o2nc_regret`; ``regret="reading"`` keeps the
   extracted text's :math:`2\beta D(G+\sigma)/\sqrt{1-\beta} + \mu D^2/2`, which no proof
   covers below β ≈ 0.683) at :math:`\|u\| = D` and :math:`C_x = 1`,
   :math:`\mu = 8\lambda D(1 + (1-\beta)^{-2})`, and :math:`\sum_t \mathbb E[F(x_t) - F(w_t)]
   \le \Delta_F`, gives a bound :math:`B(\beta, D, T)` on
   :math:`\mathbb E\|\nabla F(\bar y_\tau)\|_{[\lambda]}`.
2. Parameters: :math:`3(G+\sigma)\sqrt{1-\beta} = \varepsilon` (the :math:`\sqrt{1-\beta}`
   terms), :math:`16\lambda D^2/(1-\beta)^2 = \varepsilon` (the :math:`\mu D` terms), then
   :math:`T \ge \max\{\Delta_F/(D\varepsilon),\ 6(G+\sigma)^2/\varepsilon^2\}` (the
   :math:`1/T` terms). :func:`term_shares` checks what each term contributes at that choice.
3. Exponents of the threshold in ε and λ are read off (:math:`\varepsilon\,\partial_\varepsilon
   \log T` of the leading term as ε → 0), then the reductions λ = L²/ε (smooth) and λ = H/2
   (Hessian-Lipschitz, AMC25 Prop. 2.1) give the table, compared with the lower bounds as
   exact rationals. The Goldstein row is *cited* (CMO23), not derived: λ = ε/δ² is not a valid
   reduction (a second-moment bound does not confine the support to the δ-ball).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .o2nc import o2nc_symbols

__all__ = [
    "CITED",
    "LOWER_BOUNDS",
    "REGRETS",
    "bound",
    "bound_value",
    "leading_threshold",
    "max_share_on_range",
    "parameter_choice",
    "rate_table",
    "render_latex",
    "render_markdown",
    "share_total_in_beta",
    "term_shares",
    "threshold",
    "threshold_terms",
    "total_share_limit",
]

_s = o2nc_symbols()
G, sigma, eps, lam, D, T, beta, DF, mu = (
    _s[k] for k in ("G", "sigma", "epsilon", "lambda", "D", "T", "beta", "Delta_F", "mu")
)
L, H, delta = _s["L"], _s["H"], _s["delta"]


REGRETS = ("proven", "reading")


def _regret(regret: str, mu_val: sp.Expr) -> sp.Expr:
    if regret == "proven":
        return (1 + 1 / (4 * beta)) * D * (G + sigma) / sp.sqrt(1 - beta) + mu_val * D**2 / (
            2 * beta
        )
    if regret == "reading":
        return 2 * D * (G + sigma) * beta / sp.sqrt(1 - beta) + mu_val / 2 * D**2
    raise ValueError(f"regret must be one of {REGRETS}; got {regret!r}")


def bound(mu_power: int = 1, regret: str = "proven") -> sp.Expr:
    """Step 1: the bound B(beta, D, T) (mu_power = 2 reproduces the text's mu·D²; regret =
    "reading" uses the extracted Lemma 3.2 instead of the proven bound)."""
    mu_val = 8 * lam * D * (1 + (1 - beta) ** -2)
    regret = _regret(regret, mu_val)
    return (
        beta / (D * T) * regret
        + (1 - beta) / D * regret
        + DF / (D * T)
        + mu_val * D**mu_power
        + sigma / (T * sp.sqrt(1 - beta))
        + sigma * sp.sqrt(1 - beta)
    )


@cache
def _bound_function() -> object:
    return sp.lambdify((beta, D, T, G, sigma, lam, DF), bound(), "math")  # the proven bound


def bound_value(
    beta_v: float, D_v: float, T_v: int, G_v: float, sigma_v: float, lam_v: float, delta_F_v: float
) -> float:
    """:func:`bound` evaluated (by ``lambdify``) at given β, D, T and problem constants."""
    if not (0 < beta_v < 1 and D_v > 0 and T_v >= 1):
        raise ValueError(f"need 0 < beta < 1, D > 0, T >= 1; got {beta_v}, {D_v}, {T_v}")
    return float(_bound_function()(beta_v, D_v, T_v, G_v, sigma_v, lam_v, delta_F_v))


@cache
def parameter_choice(mu_power: int = 1) -> dict[sp.Symbol, sp.Expr]:
    """Step 2: beta and D solving the two balance equations (mu·D^k with k = mu_power)."""
    one_minus = sp.Symbol("one_minus_beta", positive=True)
    om = sp.solve(sp.Eq(3 * (G + sigma) * sp.sqrt(one_minus), eps), one_minus)[0]
    d_sym = sp.Symbol("D_", positive=True)
    # the mu·D^k terms with 1 + (1-beta)^-2 <= 2 (1-beta)^-2
    d_val = sp.solve(sp.Eq(16 * lam * d_sym ** (mu_power + 1) / om**2, eps), d_sym)[0]
    return {beta: 1 - om, D: sp.simplify(d_val)}


@cache
def threshold_terms(mu_power: int = 1) -> tuple[sp.Expr, sp.Expr]:
    """The two 1/T requirements: (Delta_F/(D eps), 6 (G+sigma)²/eps²)."""
    choice = parameter_choice(mu_power)
    return sp.simplify(DF / (choice[D] * eps)), 6 * (G + sigma) ** 2 / eps**2


@cache
def threshold(mu_power: int = 1) -> sp.Expr:
    """Step 2 (end): T(eps, lambda, G, sigma, Delta_F) = max of the two 1/T requirements."""
    return sp.Max(*threshold_terms(mu_power))


@cache
def leading_threshold(mu_power: int = 1) -> sp.Expr:
    """The requirement that dominates as eps -> 0 (checked by a limit, not assumed)."""
    t_main, t_noise = threshold_terms(mu_power)
    ratio = sp.limit(t_noise / t_main, eps, 0, "+")
    if ratio == 0:
        return t_main
    if sp.limit(t_main / t_noise, eps, 0, "+") == 0:
        return t_noise
    raise ArithmeticError("neither requirement dominates as eps -> 0")


@cache
def term_shares(mu_power: int = 1, regret: str = "proven") -> dict[str, sp.Expr]:
    """Each term of B at the chosen parameters and T = the threshold, divided by eps.

    Returns upper bounds on the shares (exact expressions) for inspection and tests.
    """
    choice = parameter_choice(mu_power)
    om = 1 - choice[beta]
    b = choice[beta]
    d_val = choice[D]
    mu_val = 8 * lam * d_val * (1 + om**-2)
    t_main = DF / (d_val * eps)
    if regret == "proven":
        lead, mu_reg, inv = 1 + 1 / (4 * b), 1 / (2 * b), b + sp.Rational(1, 4)
    elif regret == "reading":  # with beta <= 1 in the two beta-weighted terms
        lead, mu_reg, inv = 2, sp.Rational(1, 2), 2
    else:
        raise ValueError(f"regret must be one of {REGRETS}; got {regret!r}")
    return {
        "sqrt(1-beta) terms": sp.simplify(
            (lead * (G + sigma) * sp.sqrt(om) + sigma * sp.sqrt(om)) / eps
        ),
        "mu D terms": sp.simplify(mu_val * d_val**mu_power * (1 + om * mu_reg) / eps),
        "Delta_F/(D T)": sp.simplify(DF / (d_val * t_main) / eps),
        # the remaining 1/T terms, at T = 6 (G+sigma)²/eps² (the smaller requirement)
        "other 1/T terms": sp.simplify(
            (inv * (G + sigma) / sp.sqrt(om) + mu_val * d_val / 2 + sigma / sp.sqrt(om))
            / (6 * (G + sigma) ** 2 / eps**2)
            / eps
        ),
    }


@cache
def total_share_limit(mu_power: int = 1, regret: str = "proven") -> sp.Expr:
    """lim_{eps -> 0} of the summed shares: the bound is (this) · eps + o(eps)."""
    shares = term_shares(mu_power, regret)
    return sp.simplify(sum(sp.limit(v, eps, 0, "+") for v in shares.values()))


@cache
def share_total_in_beta(regret: str = "proven") -> sp.Expr:
    r"""The summed shares (B/ε at T ≥ the threshold, μD term) as a function of β and
    :math:`\rho = \sigma/(G+\sigma) \in [0, 1]` only: substitute
    :math:`\varepsilon = 3(G+\sigma)\sqrt{1-\beta}`. Finite-ε, not a limit: the toolkit's
    parameters give ≤ 4ε at every β where this is ≤ 4 (:func:`max_share_on_range`)."""
    rho = sp.Symbol("rho", nonnegative=True)
    total = sum(term_shares(1, regret).values())
    eps_of_beta = 3 * (G + sigma) * sp.sqrt(1 - beta)
    expr = sp.simplify(total.subs(eps, eps_of_beta))
    return sp.simplify(expr.subs(sigma, rho * G / (1 - rho)))


def max_share_on_range(regret: str = "proven") -> sp.Expr:
    """The largest :func:`share_total_in_beta` over β ∈ [β_min, 1) and ρ ∈ [0, 1] (linear in
    ρ, so at ρ ∈ {0, 1}; in β the maximum on the interval by ``sympy.maximum``)."""
    from .o2nc_regret import beta_min

    expr = share_total_in_beta(regret)
    rho = next(s for s in expr.free_symbols if s.name == "rho")
    vals = []
    for r in (sp.Integer(0), sp.Integer(1)):
        e = sp.simplify(sp.limit(expr, rho, r, "-") if r == 1 else expr.subs(rho, r))
        vals.append(sp.maximum(e, beta, sp.Interval.Ropen(beta_min(), 1)))
    return sp.Max(*vals)


def _exponent(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    return sp.simplify(var * sp.diff(sp.log(expr), var))


#: published lower bounds (exponents of eps, lambda or delta), with sources: typed, by design,
#: because they are what the derived table is compared with
LOWER_BOUNDS = {
    "(lambda, eps)-stationary, G-Lipschitz": (
        {"epsilon": sp.Rational(-7, 2), "lambda": sp.Rational(1, 2)},
        "ZC24",
    ),
    "Goldstein (delta, eps), G-Lipschitz": (
        {"epsilon": sp.Integer(-3), "delta": sp.Integer(-1)},
        "CMO23",
    ),
    "L-smooth, ‖∇F‖ ≤ ε": ({"epsilon": sp.Integer(-4)}, "A23"),
    "H-Lipschitz Hessian, ‖∇F‖ ≤ ε": (
        {"epsilon": sp.Rational(-7, 2)},
        "A23 (COLT 2020), as cited by AC24/AMC25",
    ),
}


#: rows whose rate is cited, not derived: (exponents, provenance). The Goldstein row: the
#: substitution lambda = eps/delta² is not a valid reduction ((lambda, eps)-stationarity bounds
#: the second moment E||w - x||², Goldstein needs every point of B(x, delta); docs/theory §4 has a
#: counterexample), so the rate is CMO23's own theorem, with its own proof.
CITED = {
    "Goldstein (delta, eps), G-Lipschitz": (
        {"epsilon": sp.Integer(-3), "delta": sp.Integer(-1)},
        "cited: CMO23's theorem (own proof); ZC24 Lemma 2.4 [recalled]; not derived here",
    ),
}


@cache
def rate_table(mu_power: int = 1) -> list[dict]:
    """Step 3: derived exponents per setting next to the lower bounds, ``optimal`` computed.

    Each row has ``status`` "derived" (``threshold`` and ``derived`` exponents from the SymPy
    threshold, ``optimal`` computed) or "cited" (:data:`CITED`: ``threshold`` None, ``derived``
    empty, ``cited`` the published exponents, ``optimal`` None: not ours to decide).
    """
    t_main = leading_threshold(mu_power)
    settings = {
        "(lambda, eps)-stationary, G-Lipschitz": (t_main, {"epsilon": eps, "lambda": lam}),
        "Goldstein (delta, eps), G-Lipschitz": (None, {"epsilon": eps, "delta": delta}),
        "L-smooth, ‖∇F‖ ≤ ε": (t_main.subs(lam, L**2 / eps), {"epsilon": eps}),
        "H-Lipschitz Hessian, ‖∇F‖ ≤ ε": (t_main.subs(lam, H / 2), {"epsilon": eps}),
    }
    rows = []
    for name, (expr, variables) in settings.items():
        lower, source = LOWER_BOUNDS[name]
        if name in CITED:
            cited, provenance = CITED[name]
            rows.append(
                {
                    "setting": name,
                    "threshold": None,
                    "derived": {},
                    "cited": cited,
                    "lower_bound": lower,
                    "lower_bound_source": source,
                    "optimal": None,
                    "status": "cited",
                    "provenance": provenance,
                }
            )
            continue
        derived = {k: _exponent(expr, v) for k, v in variables.items()}
        rows.append(
            {
                "setting": name,
                "threshold": expr,
                "derived": derived,
                "lower_bound": lower,
                "lower_bound_source": source,
                "optimal": all(sp.simplify(derived[k] - lower[k]) == 0 for k in lower),
                "status": "derived",
                "provenance": "derived (SymPy, this module)",
            }
        )
    return rows


def render_markdown(mu_power: int = 1) -> str:
    """The derived rate table as Markdown (exponents as exact rationals)."""

    def fmt(exps: dict) -> str:
        names = {"epsilon": "ε", "lambda": "λ", "delta": "δ"}
        return " ".join(f"{names[k]}^{v}" for k, v in exps.items())

    lines = ["| setting | derived T ∝ | lower bound | source | optimal |", "|---|---|---|---|---|"]
    for row in rate_table(mu_power):
        if row["status"] == "cited":
            lines.append(
                f"| {row['setting']} | {fmt(row['cited'])} (cited, not derived) "
                f"| {fmt(row['lower_bound'])} | {row['lower_bound_source']} | cited |"
            )
            continue
        lines.append(
            f"| {row['setting']} | {fmt(row['derived'])} | {fmt(row['lower_bound'])} "
            f"| {row['lower_bound_source']} | {'yes' if row['optimal'] else 'NO'} |"
        )
    t_main, t_noise = threshold_terms(mu_power)
    # code spans: SymPy's * and ** would otherwise be read as emphasis by Markdown renderers
    lines += [
        "",
        f"Threshold: T ≥ max{{`{sp.sstr(t_main)}`, `{sp.sstr(t_noise)}`}} gives "
        f"E‖∇F(ȳ_τ)‖_[λ] ≤ `{sp.sstr(total_share_limit(mu_power))}`·ε + o(ε) "
        "(AMC25 Cor. 4.1 publishes T ≥ 49(G+σ)²ε⁻²·max{8Δ_F λ^½ ε^-3/2, 1} for ≤ 4ε).",
    ]
    return "\n".join(lines)


_TEX = {eps: r"\varepsilon"}  # the exponent cells write \varepsilon too
_LATEX_SETTINGS = {
    "(lambda, eps)-stationary, G-Lipschitz": r"$(\lambda,\varepsilon)$-stationary, $G$-Lipschitz",
    "Goldstein (delta, eps), G-Lipschitz": r"Goldstein $(\delta,\varepsilon)$, $G$-Lipschitz",
    "L-smooth, ‖∇F‖ ≤ ε": r"$L$-smooth, $\|\nabla F\| \le \varepsilon$",
    "H-Lipschitz Hessian, ‖∇F‖ ≤ ε": r"$H$-Lipschitz Hessian, $\|\nabla F\| \le \varepsilon$",
}


def render_latex(mu_power: int = 1) -> str:
    r"""The derived rate table as a LaTeX ``tabular`` (needs ``booktabs``).

    Each row prints the derived threshold :math:`T` (the leading term, via ``sympy.latex``),
    its exponents and the lower bound's as :math:`\varepsilon^{p}\lambda^{q}\delta^{r}` with
    exact rationals, the lower bound's source, and the computed optimality flag.
    """
    names = {"epsilon": r"\varepsilon", "lambda": r"\lambda", "delta": r"\delta"}

    def monomial(exps: dict) -> str:
        return "$" + " ".join(f"{names[k]}^{{{sp.Rational(v)}}}" for k, v in exps.items()) + "$"

    lines = [
        r"\begin{tabular}{lllll}",
        r"\toprule",
        r"setting & derived $T$ & $T \propto$ & lower bound & optimal \\",
        r"\midrule",
    ]
    for row in rate_table(mu_power):
        setting = _LATEX_SETTINGS.get(row["setting"], row["setting"])
        if row["status"] == "cited":
            lines.append(
                f"{setting} & cited (not derived) & {monomial(row['cited'])} & "
                f"{monomial(row['lower_bound'])} ({row['lower_bound_source']}) & cited \\\\"
            )
            continue
        threshold_tex = sp.latex(row["threshold"], symbol_names=_TEX)
        lines.append(
            f"{setting} & ${threshold_tex}$ & {monomial(row['derived'])} & "
            f"{monomial(row['lower_bound'])} ({row['lower_bound_source']}) & "
            f"{'yes' if row['optimal'] else 'no'} \\\\"
        )
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)
