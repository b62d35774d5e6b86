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

**Ceiling** ``[derived]``. For a quasi-static run, :math:`\Delta_F \ge F(x_0) - F(x_T) \approx
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
constructions), which this module does not supply.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .o2nc import o2nc_symbols
from .o2nc_params import o2nc_parameter_expressions

__all__ = [
    "drift_gain",
    "drift_gain_at_parameters",
    "fixed_point_residual",
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
