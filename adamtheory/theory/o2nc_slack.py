r"""Why the O2NC bound checks cannot be tight: β-OMD's drift at the derived parameters
(docs/theory §4, §5; AMC25 Corollary 4.1, parameters ours ``[derived]``).

**Drift.** On a constant gradient g, β-OMD's increment :math:`\delta_{t+1} = c(\delta_t -
\eta g)`, :math:`c = \beta/(1+\eta\mu)`, converges geometrically (rate c) to its fixed point
:math:`\delta^\star = -k g` with

.. math:: k = \frac{c\,\eta}{1-c} = \frac{\beta\eta}{1+\eta\mu-\beta}

(:func:`drift_gain`). In the uniform conversion (Option I, :math:`x_t = x_{t-1} + \delta_t`) the
iterates therefore follow the gradient flow :math:`x_{t+1} - x_t \approx -k\nabla F(x_t)` once the
momentum has built up (after about :math:`1/(1-c)` steps) wherever ∇F varies slowly over that
many steps (a *quasi-static* run; noise averages out in the mean).

**Ceiling** ``[derived]``, a heuristic (an approximation, for quasi-static runs only). For a
quasi-static run, :math:`\Delta_F \ge F(x_0) - F(x_T) \approx
k\sum_t\|\nabla F(x_t)\|^2 \ge k A^2/T` with :math:`A = \sum_t\|\nabla F(x_t)\|` (Cauchy–Schwarz),
so :math:`\frac1T\sum_t\|\nabla F(x_t)\| \le \sqrt{\Delta_F/(kT)}`. At the toolkit's parameters
(:func:`adamtheory.theory.o2nc_params.o2nc_parameter_expressions`) and :math:`T = T_{\rm ours}` (its
Δ_F branch), :math:`DT = \Delta_F/\varepsilon` exactly, so the ceiling is
:math:`\varepsilon\sqrt{D/(k\varepsilon)}`; its ratio to the bound 4ε depends on
:math:`\varepsilon/(G+\sigma)` only and tends to :math:`1/\sqrt{24} \approx 0.204` as
:math:`\varepsilon/(G+\sigma) \to 0` (:func:`tightness_ceiling_limit`): at the derived
parameters the learner drifts at :math:`k \approx \tfrac32 D/\varepsilon` per unit gradient,
so on a gradient of 4ε it covers 6D per step while the proof pays for D.

Consequences: on any instance where the run is quasi-static (Huber wells, ramps, smooth bowls:
the gradient direction is stable over :math:`1/(1-c) \approx 9(G+\sigma)^2/(4\varepsilon^2)`
steps) the τ-averaged gradient norm at the iterates is at most ≈ 0.2 of COR41's bound, so a bound
2× too optimistic cannot be detected there. Measured tightness (claim O2NC-COR41, Huber wells)
is 0.088 at σ = G/4 and saturates near 0.11 as σ/G grows (the spread term λ E‖y - ȳ‖² adds a
little, the τ-average and the EMA lag a little). Tightness ≥ 0.5 needs an instance that defeats
the momentum (gradient directions that change faster than 1/(1-c) steps, as in zero-chain
constructions); the zero-chain part below shows that such instances do not get there either.

**Zero chains** ``[derived]``, a heuristic (the revelation count in expectation, for runs that
wait) (:func:`chain_survival_product`, :func:`revelation_ceiling`;
the instance is :mod:`adamtheory.theory.o2nc_chain`). Take a chain
:math:`F = \alpha\bar F_K(x/s)` with shape constants (unit scale): per-link drop
:math:`c_\delta` (:math:`\Delta_F \le K c_\delta\alpha`), Hessian-Lipschitz :math:`c_\rho`
(:math:`\rho = c_\rho\alpha/s^3`, and :math:`\lambda \ge \rho/2` so that the measure is the
gradient norm), frontier partial :math:`c_a` and certified measure :math:`c_m` (:math:`a =
c_a\alpha/s`, :math:`m = c_m\alpha/s`); the oracle reveals the frontier with probability p,
so :math:`\sigma^2 \ge (1/p - 1)a^2` and :math:`(G+\sigma)^2 p \ge a^2` (as :math:`G \ge a`).
A run whose certificate rests on unrevealed links (it *waits* rather than moves) must see
fewer than K revelations in T steps, so :math:`pT < K`. At :math:`T = T_{\rm ours}` (Δ_F
branch, smallest λ) SymPy reduces

.. math:: \frac{pT_{\rm ours}}{K} = 36\,C\,(m/\varepsilon)^{7/2},\qquad
    C = \frac{c_\delta c_a^2\sqrt{c_\rho/2}}{c_m^{7/2}}\cdot\frac{(G+\sigma)^2p}{a^2}

(K cancels: the lead's back-of-envelope of issue #11 holds), so such a chain survives only if
:math:`m/\varepsilon < (36C)^{-2/7}`: tightness :math:`m/(4\varepsilon) <
(36C)^{-2/7}/4`. The cubic step (:func:`cubic_step_decrease`) bounds the shape constant from
below: at the restricted minimiser of stage j the gradient is the frontier partial
:math:`a_j \ge m`; if the frontier curvature there is ≤ 0 (true for Carmon's chain and ours,
:math:`\Phi''(0) = 0`), a step along the frontier lowers F by at least
:math:`\tfrac{2\sqrt2}{3}a_j^{3/2}/\sqrt\rho`, so :math:`c_\delta\sqrt{c_\rho} \ge
\tfrac{2\sqrt2}{3}c_a^{3/2}` and :math:`C \ge 2/3` (:func:`shape_constant_floor`): tightness
< :math:`24^{-2/7}/4 \approx 0.101` for every such chain, ≈ 0.03 for ours. A certified
start (m > 4ε) is then finished long before T and only its moving phase (quasi-static,
above) counts.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .o2nc import o2nc_symbols
from .o2nc_params import o2nc_parameter_expressions

__all__ = [
    "chain_survival_product",
    "cubic_step_decrease",
    "drift_gain",
    "drift_gain_at_parameters",
    "fixed_point_residual",
    "revelation_ceiling",
    "revelation_ceiling_value",
    "shape_constant",
    "shape_constant_floor",
    "tightness_ceiling",
    "tightness_ceiling_limit",
    "tightness_ceiling_value",
]

_s = o2nc_symbols()
_beta, _eta, _mu = sp.symbols("beta eta mu", positive=True)


def drift_gain(beta: sp.Expr = _beta, eta: sp.Expr = _eta, mu: sp.Expr = _mu) -> sp.Expr:
    r""":math:`k = \beta\eta/(1+\eta\mu-\beta)`: β-OMD's steady increment per unit constant
    gradient (module docstring; AMC25 Lemma 3.2's learner)."""
    c = beta / (1 + eta * mu)
    return sp.simplify(c * eta / (1 - c))


def fixed_point_residual() -> sp.Expr:
    r""":math:`c(\delta^\star - \eta g) - \delta^\star` at :math:`\delta^\star = -kg`; SymPy
    reduces it to 0 (the fixed point of the β-OMD step)."""
    g = sp.Symbol("g", real=True)
    c = _beta / (1 + _eta * _mu)
    star = -drift_gain() * g
    return sp.simplify(c * (star - _eta * g) - star)


@cache
def drift_gain_at_parameters() -> sp.Expr:
    """:func:`drift_gain` at the toolkit's derived β, η, μ (functions of ε, λ, G, σ)."""
    p = o2nc_parameter_expressions()
    return sp.simplify(drift_gain(p["beta"], p["eta"], p["mu"]))


def _ceiling_raw() -> sp.Expr:
    p = o2nc_parameter_expressions()
    beta, eta, mu = p["beta"], p["eta"], p["mu"]
    gain = beta * eta / (1 + eta * mu - beta)  # drift_gain, unsimplified (cheap to lambdify)
    return sp.sqrt(p["D"] / (gain * _s["epsilon"])) / 4


@cache
def tightness_ceiling() -> sp.Expr:
    r"""Quasi-static ceiling of :math:`\frac1T\sum_t\|\nabla F(x_t)\|` over the bound 4ε at
    :math:`T = T_{\rm ours}` (its Δ_F branch): :math:`\sqrt{D/(k\varepsilon)}/4`, a function of
    :math:`\varepsilon/(G+\sigma)` only."""
    return sp.simplify(_ceiling_raw())


@cache
def tightness_ceiling_limit() -> sp.Expr:
    r""":math:`\lim_{\varepsilon/(G+\sigma)\to 0}` of :func:`tightness_ceiling` (= 1/√24)."""
    G, sig, eps = _s["G"], _s["sigma"], _s["epsilon"]
    x = sp.Symbol("x", positive=True)  # eps/(G+sigma)
    expr = sp.simplify(tightness_ceiling().subs(eps, x * (G + sig)))
    return sp.nsimplify(sp.limit(expr, x, 0, "+"))


@cache
def _ceiling_function() -> object:
    s = _s
    return sp.lambdify((s["epsilon"], s["lambda"], s["G"], s["sigma"]), tightness_ceiling(), "math")


def tightness_ceiling_value(epsilon: float, lam: float, G: float, sigma: float) -> float:
    """:func:`tightness_ceiling` evaluated (ε > 0, λ > 0, G > 0, σ ≥ 0)."""
    for name, value, zero_ok in (
        ("epsilon", epsilon, False),
        ("lam", lam, False),
        ("G", G, False),
        ("sigma", sigma, True),
    ):
        if not (isinstance(value, (int, float)) and value == value and abs(value) != float("inf")):
            raise ValueError(f"{name} must be a finite number; got {value!r}")
        if not (value > 0 or (zero_ok and value == 0)):
            raise ValueError(f"{name} must be {'>=' if zero_ok else '>'} 0; got {value!r}")
    return float(_ceiling_function()(epsilon, lam, G, sigma))


# ----------------------------------------------------------------------------- zero chains

_cd, _cr, _ca, _cm, _nf = sp.symbols("c_delta c_rho c_a c_m noise_factor", positive=True)


def shape_constant(
    c_delta: sp.Expr = _cd,
    c_rho: sp.Expr = _cr,
    c_a: sp.Expr = _ca,
    c_m: sp.Expr = _cm,
    noise_factor: sp.Expr = _nf,
) -> sp.Expr:
    r""":math:`C = c_\delta c_a^2\sqrt{c_\rho/2}\,c_m^{-7/2}\cdot(G+\sigma)^2p/a^2` (module
    docstring, "Zero chains")."""
    return c_delta * c_a**2 * sp.sqrt(c_rho / 2) / c_m ** sp.Rational(7, 2) * noise_factor


@cache
def chain_survival_product() -> sp.Expr:
    r""":math:`pT_{\rm ours}/K` for a chain at the smallest λ (= ρ/2), Δ_F = K c_δ α and
    :math:`(G+\sigma)^2 p` = noise_factor·a², minus :math:`36C(m/\varepsilon)^{7/2}`: SymPy
    reduces it to 0 (K, α and s cancel)."""
    K, alpha, s, eps, m = sp.symbols("K alpha s epsilon m", positive=True)
    lam = _cr * alpha / (2 * s**3)
    a = _ca * alpha / s
    gs2_p = _nf * a**2  # (G + sigma)^2 p
    T_p = 36 * K * _cd * alpha * sp.sqrt(lam) * gs2_p * eps ** sp.Rational(-7, 2)
    m_val = _cm * alpha / s
    residual = T_p / K - 36 * shape_constant() * (m_val / eps) ** sp.Rational(7, 2)
    return sp.simplify(residual)


@cache
def cubic_step_decrease() -> sp.Expr:
    r""":math:`\max_{t>0}(a t - \rho t^3/6) = \tfrac{2\sqrt2}{3}a^{3/2}/\sqrt\rho`: the least
    decrease of F along the frontier direction from a point with frontier partial a and
    non-positive frontier curvature (Hessian ρ-Lipschitz), returned as the maximum found by
    SymPy."""
    a, rho, tt = sp.symbols("a rho t", positive=True)
    f = a * tt - rho * tt**3 / 6
    (star,) = sp.solve(sp.diff(f, tt), tt)
    return sp.simplify(f.subs(tt, star))


@cache
def shape_constant_floor() -> sp.Expr:
    r"""The least :math:`C` the cubic step allows: :math:`c_\delta = \tfrac{2\sqrt2}{3}
    c_a^{3/2}/\sqrt{c_\rho}`, :math:`c_a = c_m`, noise factor 1 (= 2/3)."""
    a, rho = sp.symbols("a rho", positive=True)
    drop = cubic_step_decrease().subs({a: _cm, rho: _cr})
    return sp.simplify(shape_constant(drop, _cr, _cm, _cm, 1))


_C = sp.Symbol("C", positive=True)


def revelation_ceiling(C: sp.Expr = _C) -> sp.Expr:
    r"""Largest tightness m/(4ε) of a chain that waits through :math:`T_{\rm ours}`:
    :math:`(36C)^{-2/7}/4`."""
    return (36 * C) ** sp.Rational(-2, 7) / 4


def revelation_ceiling_value(C: float) -> float:
    """:func:`revelation_ceiling` at a shape constant C > 0."""
    if not (isinstance(C, (int, float)) and C == C and 0 < C < float("inf")):
        raise ValueError(f"C must be a finite number > 0; got {C!r}")
    return float((36.0 * C) ** (-2.0 / 7.0) / 4.0)
