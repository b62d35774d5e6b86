r"""Our own thresholds for AMC25's Options II (anchored) and III (schedule-free), derived in SymPy
from Lemma 3.1 and the proven β-OMD regret bound, the way Option I's are
(:mod:`adamtheory.theory.o2nc_rates`; docs/theory §4, issue #11).

**Common step** (AMC25 Lemma 3.1 ``[primary]``, with the conservative :math:`\mu D` for the
text's :math:`\mu D/2`, and the regret bound of :mod:`adamtheory.theory.o2nc_regret`,
:math:`R = (1+\frac1{4\beta})D(G+\sigma)/\sqrt{1-\beta} + \mu D^2/(2\beta)` at
:math:`\|u\| = D`, :math:`\eta = 2D\sqrt{1-\beta}/(G+\sigma)`):

.. math::
    \mathbb E_\tau\|\nabla F(\bar y_\tau)\|_{[\lambda]} \le \frac{\beta R}{DT}
    + \frac{(1-\beta)R}{D} + \frac{\Gamma}{DT} + \mu D + \frac{\sigma}{T\sqrt{1-\beta}}
    + \sigma\sqrt{1-\beta},
    \qquad \mu = 8\lambda D\bigl(1 + C_x(1-\beta)^{-2}\bigr),

with :math:`\Gamma \ge \mathbb E\sum_t(F(x_t) - F(w_t))` (:func:`lemma31_bound`; at
:math:`C_x = 1`, :math:`\Gamma = \Delta_F` it is :func:`adamtheory.theory.o2nc_rates.bound`).

**Option II** ``[derived]``. Inside epoch n the base point is the anchor :math:`a_n`
(:math:`x_t = a_n`, :math:`C_x = 0`), the learner restarts (:math:`\delta_1 = 0`), the EMA
restarts, and :math:`a_{n+1}` is uniform on :math:`\{w^{(n)}_1..w^{(n)}_T\}`, so
:math:`\mathbb E F(a_{n+1}) = \frac1T\sum_t \mathbb E F(w^{(n)}_t)` and epoch n's
:math:`\Gamma_n = T(\mathbb E F(a_n) - \mathbb E F(a_{n+1}))`. The output draws the epoch
uniformly and τ by AMC25 Definition 4 inside it (what ``kernels.o2nc_fused`` integrates);
averaging Lemma 3.1 over the N epochs telescopes (:func:`option2_telescoping_residual`):
:math:`\frac1N\sum_n\Gamma_n/(DT) = (F(x_0) - \mathbb E F(a_{N+1}))/(ND) \le \Delta_F/(ND)`
(:func:`option2_bound`). The comparator norm D of an epoch is the learner's offset from the
anchor; without the :math:`(1-\beta)^{-2}` of :math:`C_x` the μD term is :math:`8\lambda D^2`.
Choice (:func:`option2_choice`): :math:`3(G+\sigma)\sqrt{1-\beta} = \varepsilon` (Option I's β),
:math:`16\lambda D^2 = \varepsilon`, i.e. :math:`D = \sqrt{\varepsilon/(16\lambda)}`
(Option I's D without its factor :math:`1-\beta`), :math:`N \ge \Delta_F/(D\varepsilon) =
4\Delta_F\lambda^{1/2}\varepsilon^{-3/2}` (AMC25 Cor. 4.2's N exactly) and
:math:`T \ge 6(G+\sigma)^2\varepsilon^{-2}` per epoch (Cor. 4.2: 49). In total
:math:`NT = 24\Delta_F\lambda^{1/2}(G+\sigma)^2\varepsilon^{-7/2}` (Cor. 4.2: 196). The bound
is then at most :func:`option2_max_share` (≈ 3.49) · ε ≤ 4ε for every ε ≤
:func:`adamtheory.theory.o2nc_params.epsilon_limit` (β ≥ (1+√3)/4).

**Option III** ``[derived]``. β-OMD with :math:`x_t = x_{t-1} + \delta_t/\zeta`,
:math:`w_t = x_t + \delta_t`, :math:`y_t = x_t + s_t\delta_t`, :math:`\zeta = \beta/(1+\eta\mu)`:
then :math:`x_1 = w_0 = x_0` and :math:`x_t - w_{t-1} = -\eta g_{t-1}` for t ≥ 2
(:func:`option3_step_residuals`), :math:`C_x = \zeta^{-2}` exactly, and

.. math::
    \sum_t (F(x_t) - F(w_t)) = F(w_0) - F(w_T) + \sum_{t\ge2}(F(x_t) - F(w_{t-1}))
    \le \Delta_F + G\eta\sum_{t\ge2}\|g_{t-1}\|

(telescoping, :func:`option3_telescoping_residual`, then ‖∇F‖ ≤ G on the segment); with
:math:`\mathbb E\|g\| \le \sqrt{G^2+\sigma^2} \le G+\sigma`,
:math:`\Gamma = \Delta_F + T G\eta(G+\sigma)`, whose second part adds :math:`2G\sqrt{1-\beta}`
to the bound (:func:`option3_bound`). No assumption beyond AMC25's is used (the step is the
Lipschitz bound, not smoothness). Choice (:func:`option3_choice`): Option I's β and
:math:`D = (1-\beta)\sqrt{\varepsilon/(16\lambda)}`, μ the smaller root of the self-consistent
μ condition (:func:`adamtheory.theory.o2nc_params.option3_mu_expression`), and
:math:`T \ge \max\{\Delta_F/(2D\varepsilon), 12(G+\sigma)^2\varepsilon^{-2}\} =
\max\{18\Delta_F\lambda^{1/2}(G+\sigma)^2\varepsilon^{-7/2}, 12(G+\sigma)^2\varepsilon^{-2}\}`
(Cor. 5.1: 49·20 = 980 and 49). The bound is then at most :func:`option3_max_share` (≈ 4.32)
· ε ≤ 5ε for β ≥ 19/20, i.e. ε ≤ :func:`option3_epsilon_factor` (G+σ) = 3(G+σ)/√20 ≈
0.671(G+σ). The self-consistent μ exists only for β ≥ β_III ≈ 0.9283
(:func:`option3_beta_existence`).

**How the ≤ 4ε (5ε) is shown on the whole range.** Put ε = 3(G+σ)√(1-β) and σ = ρ(G+σ): the
bound over ε becomes a function of β and ρ ∈ [0, 1] only (:func:`share_total`), affine in ρ (so
checked at ρ = 0, 1). Option II's is rational in β: its maximum on :math:`[\beta_{\min}, 1)`
is exact (the ends and the real roots of the derivative's numerator, as ``CRootOf``).
Option III's depends on β also through :math:`C_x(\beta)`; it is
increasing in :math:`C_x` (:func:`option3_cx_slope_min` > 0) and :math:`C_x(\beta)` is
decreasing (the smallest fixed point of :math:`m = h(m,\beta)`,
:math:`h = 3(1-\beta)((1-\beta)^2 + (1+m)^2/\beta^2)` for :math:`m = \eta\mu`, is the limit of
the increasing iteration from m = 0, and h decreases in β), so replacing :math:`C_x(\beta)`
by a rational :math:`\bar C \ge C_x(19/20)` gives a rational upper bound whose exact maximum
is the bound stated.
"""

from __future__ import annotations

import math
from functools import cache

import sympy as sp

from . import o2nc_regret
from .o2nc import o2nc_symbols

__all__ = [
    "OPTION3_BETA_LOW",
    "TARGETS",
    "choice",
    "lemma31_bound",
    "option2_bound",
    "option2_choice",
    "option2_max_share",
    "option2_telescoping_residual",
    "option3_beta_existence",
    "option3_bound",
    "option3_choice",
    "option3_cx",
    "option3_cx_bound",
    "option3_cx_slope_min",
    "option3_epsilon_factor",
    "option3_m_expression",
    "option3_max_share",
    "option3_step_residuals",
    "option3_telescoping_residual",
    "published_comparison",
    "share_total",
    "threshold_exponents",
    "thresholds",
    "thresholds_numeric",
]

_s = o2nc_symbols()
G, sigma, eps, lam, DF, D, T, N, beta, mu, C_x = (
    _s[k]
    for k in ("G", "sigma", "epsilon", "lambda", "Delta_F", "D", "T", "N", "beta", "mu", "C_x")
)
#: the steps bounding the Δ_F/(DT) term (T ≥ it); T bounds the other 1/T terms
T_Delta = sp.Symbol("T_Delta", positive=True)
rho = sp.Symbol("rho", nonnegative=True)
#: η·μ of Option III (dimensionless), the unknown of its self-consistent μ condition
m = sp.Symbol("m", positive=True)

#: targets of the three options: AMC25 Cor. 4.1/4.2 (4ε), Cor. 5.1 (5ε)
TARGETS = {"I": sp.Integer(4), "II": sp.Integer(4), "III": sp.Integer(5)}

#: Option III's range: β ≥ 19/20 (ε ≤ 3(G+σ)/√20), where the bound is ≤ 5ε
OPTION3_BETA_LOW = sp.Rational(19, 20)


def _regret(mu_val: sp.Expr) -> sp.Expr:
    """The proven β-OMD bound (:func:`o2nc_regret.regret_bound`) at ‖u‖ = D, this μ."""
    r = o2nc_regret
    return r.regret_bound().subs(
        {r.u: D, r.mu: mu_val, r.G: G, r.sigma: sigma, r.beta: beta}, simultaneous=True
    )


def lemma31_bound(gap: sp.Expr, c_x: sp.Expr) -> sp.Expr:
    r"""Lemma 3.1 with the proven regret bound, :math:`\mu = 8\lambda D(1 + C_x(1-\beta)^{-2})`
    and :math:`\Gamma/(DT)` for the :math:`\mathbb E\sum_t(F(x_t)-F(w_t))` term.

    Parameters
    ----------
    gap : sympy.Expr
        The term :math:`\Gamma/(DT)`, already divided (``DF / (D * T)`` for Option I).
    c_x : sympy.Expr
        The iterate stability factor :math:`C_x` (AMC25 Definition 5).

    Returns
    -------
    sympy.Expr
        The bound in β, D, T, λ, G, σ and the symbols of ``gap``.
    """
    mu_val = 8 * lam * D * (1 + c_x * (1 - beta) ** -2)
    R = _regret(mu_val)
    return (
        beta * R / (D * T)
        + (1 - beta) * R / D
        + gap
        + mu_val * D
        + sigma / (T * sp.sqrt(1 - beta))
        + sigma * sp.sqrt(1 - beta)
    )


# ------------------------------------------------------------------------------- Option II


def option2_telescoping_residual(n_epochs: int) -> sp.Expr:
    r""":math:`\frac1N\sum_{n\le N}\Gamma_n/(DT) - (\varphi_1 - \varphi_{N+1})/(ND)` with
    :math:`\Gamma_n = T(\varphi_n - \bar\varphi_n)`, :math:`\varphi_{n+1} = \bar\varphi_n =
    \frac1T\sum_t F(w^{(n)}_t)` (the anchor's law), for symbolic values; expands to 0."""
    if not (isinstance(n_epochs, int) and n_epochs >= 1):
        raise ValueError(f"n_epochs must be an integer >= 1; got {n_epochs!r}")
    phi = sp.symbols(f"phi1:{n_epochs + 2}")  # E F(a_1), ..., E F(a_{N+1})
    gammas = [T * (phi[n] - phi[n + 1]) for n in range(n_epochs)]
    lhs = sum(g / (D * T) for g in gammas) / n_epochs
    return sp.expand(lhs - (phi[0] - phi[n_epochs]) / (n_epochs * D))


@cache
def option2_bound() -> sp.Expr:
    r"""Option II's bound averaged over N epochs of T steps: Lemma 3.1 with :math:`C_x = 0` and
    :math:`\Delta_F/(ND)` for the gap term."""
    return lemma31_bound(DF / (N * D), sp.Integer(0))


@cache
def option2_choice() -> dict[sp.Symbol, sp.Expr]:
    r"""β and D from the balance equations :math:`3(G+\sigma)\sqrt{1-\beta} = \varepsilon`,
    :math:`16\lambda D^2 = \varepsilon` (twice the μD term at :math:`C_x = 0`), then
    :math:`N = \Delta_F/(D\varepsilon)` and :math:`T = 6(G+\sigma)^2\varepsilon^{-2}`."""
    om = sp.Symbol("one_minus_beta", positive=True)
    om_val = sp.solve(sp.Eq(3 * (G + sigma) * sp.sqrt(om), eps), om)[0]
    d_val = sp.solve(sp.Eq(16 * lam * D**2, eps), D)[0]
    return {
        beta: 1 - om_val,
        D: d_val,
        N: sp.simplify(DF / (d_val * eps)),
        T: 6 * (G + sigma) ** 2 / eps**2,
    }


# ------------------------------------------------------------------------------ Option III


def option3_step_residuals(steps: int) -> list[sp.Expr]:
    r""":math:`x_t - w_{t-1} + \eta g_{t-1}` for t = 2..``steps`` and :math:`x_1 - w_0` (scalar,
    symbolic gradients), unrolling :math:`\delta_1 = 0`,
    :math:`\delta_{t+1} = \zeta(\delta_t - \eta g_t)`, :math:`x_t = x_{t-1} + \delta_t/\zeta`,
    :math:`w_t = x_t + \delta_t`, :math:`w_0 = x_0`; each simplifies to 0."""
    if not (isinstance(steps, int) and steps >= 2):
        raise ValueError(f"steps must be an integer >= 2; got {steps!r}")
    zeta, eta = sp.symbols("zeta eta", positive=True)
    g = sp.symbols(f"g1:{steps + 1}")
    x_prev = w_prev = sp.Symbol("x0", real=True)
    delta = sp.Integer(0)
    out = []
    for t in range(1, steps + 1):
        x_t = x_prev + delta / zeta
        w_t = x_t + delta
        out.append(sp.simplify(x_t - w_prev + (eta * g[t - 2] if t >= 2 else 0)))
        delta = zeta * (delta - eta * g[t - 1])
        x_prev, w_prev = x_t, w_t
    return out


def option3_telescoping_residual(steps: int) -> sp.Expr:
    r""":math:`\sum_{t\le T}(F_{x_t} - F_{w_t}) - [F_{w_0} - F_{w_T} + \sum_{t\le T}
    (F_{x_t} - F_{w_{t-1}})]` for symbolic values (expands to 0)."""
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    fx = sp.symbols(f"Fx1:{steps + 1}")
    fw = sp.symbols(f"Fw0:{steps + 1}")
    lhs = sum(fx[t] - fw[t + 1] for t in range(steps))
    rhs = fw[0] - fw[steps] + sum(fx[t] - fw[t] for t in range(steps))
    return sp.expand(lhs - rhs)


@cache
def option3_bound() -> sp.Expr:
    r"""Option III's bound: Lemma 3.1 with :math:`C_x` (a symbol; :math:`\zeta^{-2}` at the
    self-consistent μ), the Δ_F term over its own steps :math:`T_\Delta` and the Lipschitz term
    :math:`G\eta(G+\sigma)/D` at :math:`\eta = 2D\sqrt{1-\beta}/(G+\sigma)`."""
    eta = 2 * D * sp.sqrt(1 - beta) / (G + sigma)
    return lemma31_bound(DF / (D * T_Delta) + G * eta * (G + sigma) / D, C_x)


@cache
def option3_choice() -> dict[sp.Symbol, sp.Expr]:
    r"""Option I's β and D, then :math:`T_\Delta = \Delta_F/(2D\varepsilon)` and
    :math:`T = 12(G+\sigma)^2\varepsilon^{-2}` (the run's T is their maximum)."""
    one_minus = eps**2 / (9 * (G + sigma) ** 2)
    d_val = one_minus * sp.sqrt(eps / (16 * lam))
    return {
        beta: 1 - one_minus,
        D: d_val,
        T_Delta: sp.simplify(DF / (2 * d_val * eps)),
        T: 12 * (G + sigma) ** 2 / eps**2,
    }


@cache
def option3_m_expression() -> sp.Expr:
    r"""The smaller root in :math:`m = \eta\mu` of the self-consistent condition at the choice,
    :math:`m = 3(1-\beta)\bigl((1-\beta)^2 + (1+m)^2/\beta^2\bigr)` (from
    :math:`16\lambda D^2 = (1-\beta)^2\varepsilon`, :math:`\varepsilon = 3(G+\sigma)\sqrt{1-\beta}`;
    derived here from μ and η, not typed)."""
    eta = 2 * D * sp.sqrt(1 - beta) / (G + sigma)
    mu_val = 8 * lam * D * (1 + ((1 + m) / beta) ** 2 * (1 - beta) ** -2)
    choice = option3_choice()
    lhs = (eta * mu_val).subs(D, choice[D])
    lhs = sp.simplify(lhs.subs(eps, 3 * (G + sigma) * sp.sqrt(1 - beta)))
    poly = sp.Poly(sp.numer(sp.together(sp.expand(lhs - m))), m)
    a2, a1, a0 = poly.all_coeffs()
    # the minus-sign root: the continuation of m -> 0 as beta -> 1
    return sp.simplify((-a1 - sp.sqrt(a1**2 - 4 * a2 * a0)) / (2 * a2))


@cache
def option3_beta_existence() -> sp.Expr:
    r"""β_III: the largest root in (0, 1) of the discriminant of :func:`option3_m_expression`'s
    quadratic (no self-consistent μ below it), as a SymPy root object (≈ 0.9283)."""
    root = option3_m_expression()
    radicand = next(a.base for a in root.atoms(sp.Pow) if a.exp == sp.Rational(1, 2))
    poly = sp.Poly(sp.numer(sp.together(radicand)), beta)
    real = [r for r in poly.real_roots() if 0 < r < 1]
    return max(real)


def option3_cx(beta_v: sp.Expr) -> sp.Expr:
    r""":math:`C_x = ((1+m)/\beta)^2` at β (exact when β is exact)."""
    return sp.simplify(((1 + option3_m_expression()) / beta) ** 2).subs(beta, beta_v)


@cache
def option3_epsilon_factor() -> sp.Expr:
    r"""Largest ε/(G+σ) of Option III's range: :math:`3\sqrt{1-19/20} = 3/\sqrt{20}`."""
    return sp.simplify(3 * sp.sqrt(1 - OPTION3_BETA_LOW))


# --------------------------------------------------------------------------- shares, ranges


def choice(option: str) -> dict[sp.Symbol, sp.Expr]:
    """The parameter choice of Option ``"II"`` or ``"III"``."""
    if option == "II":
        return option2_choice()
    if option == "III":
        return option3_choice()
    raise ValueError(f"option must be 'II' or 'III'; got {option!r}")


def _bound(option: str) -> sp.Expr:
    return option2_bound() if option == "II" else option3_bound()


@cache
def share_total(option: str) -> sp.Expr:
    r"""The bound over ε at the choice (T and N at their thresholds), as a function of β and
    ρ = σ/(G+σ) only (Option III also of :math:`C_x`): ε = 3(G+σ)√(1−β), G = (1−ρ)S, σ = ρS.
    Every parameter is substituted from :func:`choice`, never retyped."""
    bound = _bound(option)
    ch = choice(option)
    subs = {D: ch[D], T: ch[T]}
    subs.update({N: ch[N]} if option == "II" else {T_Delta: ch[T_Delta]})
    expr = bound.subs(subs, simultaneous=True) / eps
    expr = expr.subs(eps, 3 * (G + sigma) * sp.sqrt(1 - beta))
    S = sp.Symbol("S", positive=True)
    expr = sp.simplify(expr.subs({G: (1 - rho) * S, sigma: rho * S}, simultaneous=True))
    extra = expr.free_symbols - {beta, rho, C_x}
    if extra:  # pragma: no cover - a derivation error
        raise ArithmeticError(f"the share still depends on {extra}")
    return expr


def _extreme(expr: sp.Expr, low: sp.Expr, largest: bool = True) -> sp.Expr:
    r"""Exact sup (inf) over β ∈ [low, 1] of a rational function of β continuous there: the
    endpoints and the real roots (``CRootOf``) of the derivative's numerator inside."""
    expr = sp.cancel(sp.together(expr))
    num = sp.Poly(sp.numer(sp.together(sp.diff(expr, beta))), beta)
    candidates = [low, sp.Integer(1)]
    if num.degree() > 0:
        candidates += [r for r in num.real_roots() if low < r < 1]
    values = [
        sp.nsimplify(expr.subs(beta, c)) if c.is_Rational else expr.subs(beta, c)
        for c in candidates
    ]
    pick = max if largest else min
    return pick(values, key=lambda v: sp.N(v, 40))


def _max_on(expr: sp.Expr, low: sp.Expr) -> sp.Expr:
    # affine in rho, so the max over rho in [0, 1] is at an end
    return sp.Max(*(_extreme(expr.subs(rho, r), low) for r in (sp.Integer(0), sp.Integer(1))))


@cache
def option2_max_share() -> sp.Expr:
    r"""The largest :func:`share_total` of Option II over β ∈ [(1+√3)/4, 1), ρ ∈ [0, 1]
    (exact; ≈ 3.490, so ≤ 4ε)."""
    return _max_on(share_total("II"), o2nc_regret.beta_min())


@cache
def option3_cx_slope_min() -> sp.Expr:
    r"""The smallest ∂(share)/∂C_x of Option III over β ∈ [19/20, 1), ρ ∈ {0, 1}: positive, so
    the share increases with :math:`C_x`."""
    slope = sp.diff(share_total("III"), C_x)
    return sp.Min(
        *(
            _extreme(slope.subs(rho, r), OPTION3_BETA_LOW, largest=False)
            for r in (sp.Integer(0), sp.Integer(1))
        )
    )


@cache
def option3_max_share() -> sp.Expr:
    r"""An upper bound on Option III's :func:`share_total` over β ∈ [19/20, 1): :math:`C_x`
    replaced by :math:`C_x(19/20)` (:math:`C_x` decreases in β and the share increases in it),
    then the exact maximum (≈ 4.319, so ≤ 5ε)."""
    return _max_on(share_total("III").subs(C_x, option3_cx_bound()), OPTION3_BETA_LOW)


@cache
def option3_cx_bound() -> sp.Rational:
    r"""A rational :math:`ar C \ge C_x(19/20)` (rounded up at 1e-6, the inequality checked
    exactly), so that :func:`option3_max_share`'s maximum is of a rational function."""
    exact = option3_cx(OPTION3_BETA_LOW)
    bound = sp.Rational(math.ceil(float(exact) * 10**6), 10**6)
    if not sp.simplify(bound - exact).is_nonnegative:  # pragma: no cover - rounding guard
        bound += sp.Rational(1, 10**6)
    if not (bound - exact).is_nonnegative:  # pragma: no cover
        raise ArithmeticError("could not bound C_x(19/20) from above")
    return bound


# ---------------------------------------------------------------------------- thresholds


@cache
def thresholds() -> dict[str, sp.Expr]:
    r"""The derived thresholds as expressions in (ε, λ, G, σ, Δ_F): ``D_II``, ``N_II``,
    ``T_II`` (per epoch), ``NT_II``; ``T_III`` (the max of its two requirements)."""
    c2, c3 = option2_choice(), option3_choice()
    return {
        "D_II": c2[D],
        "N_II": c2[N],
        "T_II": c2[T],
        "NT_II": sp.simplify(c2[N] * c2[T]),
        "T_III_Delta": c3[T_Delta],
        "T_III_floor": c3[T],
        "T_III": sp.Max(c3[T_Delta], c3[T]),
    }


def threshold_exponents(expr: sp.Expr) -> dict[str, sp.Expr]:
    r"""Exponents of ε and λ of a monomial threshold (:math:`v\,\partial_v\log T`)."""
    return {
        "epsilon": sp.simplify(eps * sp.diff(sp.log(expr), eps)),
        "lambda": sp.simplify(lam * sp.diff(sp.log(expr), lam)),
    }


@cache
def published_comparison() -> dict[str, dict[str, sp.Expr]]:
    r"""Ours next to AMC25's constants (the published expressions of
    :func:`adamtheory.theory.o2nc_params.o2nc_parameter_expressions`), each as the coefficient
    of its monomial: Option II's
    N (of :math:`\Delta_F\lambda^{1/2}\varepsilon^{-3/2}`), T per epoch (of
    :math:`(G+\sigma)^2\varepsilon^{-2}`), N·T (of :math:`\Delta_F\lambda^{1/2}(G+\sigma)^2
    \varepsilon^{-7/2}`); Option III's leading T and its floor; ``ratio`` = ours/published."""
    th = thresholds()
    lead = DF * sp.sqrt(lam) * (G + sigma) ** 2 * eps ** sp.Rational(-7, 2)
    epochs = DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    floor = (G + sigma) ** 2 / eps**2
    # the published expressions live in o2nc_params (checked against the papers' constants in
    # tests/test_published_constants.py); imported here because o2nc_params imports this module
    from .o2nc_params import o2nc_parameter_expressions

    published = o2nc_parameter_expressions()
    pub2 = {"N": published["N_cor42"], "T": published["T_epoch_cor42"]}

    def branch(with_delta_f: bool) -> sp.Expr:  # one argument of Cor. 5.1's Max
        return published["T_cor51"].replace(
            sp.Max, lambda *a: next(x for x in a if x.has(DF) == with_delta_f)
        )

    rows = {
        "II: N": (sp.simplify(th["N_II"] / epochs), sp.simplify(pub2["N"] / epochs)),
        "II: T per epoch": (sp.simplify(th["T_II"] / floor), sp.simplify(pub2["T"] / floor)),
        "II: N*T": (sp.simplify(th["NT_II"] / lead), sp.simplify(pub2["N"] * pub2["T"] / lead)),
        "III: T (leading)": (
            sp.simplify(th["T_III_Delta"] / lead),
            sp.simplify(branch(True) / lead),
        ),
        "III: T (floor)": (
            sp.simplify(th["T_III_floor"] / floor),
            sp.simplify(branch(False) / floor),
        ),
    }
    return {
        k: {"ours": o, "published": p, "ratio": sp.nsimplify(o / p)} for k, (o, p) in rows.items()
    }


@cache
def _numeric() -> dict[str, object]:
    return {
        k: sp.lambdify((eps, lam, G, sigma, DF), v, "math")
        for k, v in thresholds().items()
        if k != "T_III"
    }


def thresholds_numeric(
    epsilon: float, lam_v: float, G_v: float, sigma_v: float, delta_F: float
) -> dict[str, float]:
    """:func:`thresholds` evaluated by ``lambdify`` (not rounded up; the caller takes ceilings).

    Raises
    ------
    ValueError
        ε, λ, G or Δ_F not finite and > 0, or σ not finite and ≥ 0.
    """
    for name, value, lo_ok in (
        ("epsilon", epsilon, False),
        ("lambda", lam_v, False),
        ("G", G_v, False),
        ("sigma", sigma_v, True),
        ("Delta_F", delta_F, False),
    ):
        ok = isinstance(value, (int, float)) and math.isfinite(value)
        ok = ok and (value >= 0 if lo_ok else value > 0)
        if not ok:
            valid = "[0, inf)" if lo_ok else "(0, inf)"
            raise ValueError(f"{name} must be a finite number in {valid}; got {value!r}")
    out = {k: float(f(epsilon, lam_v, G_v, sigma_v, delta_F)) for k, f in _numeric().items()}
    out["T_III"] = max(out["T_III_Delta"], out["T_III_floor"])
    return out
