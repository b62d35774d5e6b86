r"""Parameter choices and iteration thresholds of the O2NC guarantees, as SymPy expressions
(numbers only through :func:`sympy.lambdify`), for the runs that check them (docs/theory §4).

* **Ours** (derived in :mod:`adamtheory.theory.o2nc_rates` from AMC25 Lemma 3.1 with the μD term
  and the proven β-OMD regret bound of :mod:`adamtheory.theory.o2nc_regret`; valid for
  ε ≤ :func:`epsilon_limit`, i.e. β ≥ (1+√3)/4): :math:`1-\beta = \varepsilon^2/(9(G+\sigma)^2)`,
  :math:`D = (1-\beta)\sqrt{\varepsilon/(16\lambda)}`, :math:`\mu = 8\lambda D(1+(1-\beta)^{-2})`,
  :math:`\eta = 2D\sqrt{1-\beta}/(G+\sigma)` (Lemma 3.2 at :math:`\|u\| = D`), and
  :math:`T \ge \max\{36\Delta_F\lambda^{1/2}(G+\sigma)^2\varepsilon^{-7/2},
  6(G+\sigma)^2\varepsilon^{-2}\}` for :math:`\le 4\varepsilon` (Option I).
* **Published thresholds** (AMC25 Corollaries 4.1, 4.2 and 5.1, ``[primary]``):
  :math:`49(G+\sigma)^2\varepsilon^{-2}\max\{c\,\Delta_F\lambda^{1/2}\varepsilon^{-3/2},1\}` with
  c = 8 (Option I, ≤ 4ε) and c = 20 (Option III, ≤ 5ε); Option II: N ≥
  :math:`4\Delta_F\lambda^{1/2}\varepsilon^{-3/2}` epochs of :math:`T \ge
  49(G+\sigma)^2\varepsilon^{-2}`.
* **Options II and III at μ ≥ μ_required** (:func:`option_parameters`): Lemma 3.1's
  :math:`\mu \ge 8\lambda D(1 + C_x(1-\beta)^{-2})` with Definition 5's :math:`C_x`: 0 for
  Option II (anchored), :math:`\zeta^{-2}` for Option III (:math:`x_t - x_{t-1} =
  \delta_t/\zeta` exactly; the self-consistent μ solves a quadratic,
  :func:`option3_mu_expression`), 1 for Option I. Each option runs to its own *derived* T
  (and N) of :mod:`adamtheory.theory.o2nc_options`: Option II :math:`D =
  \sqrt{\varepsilon/(16\lambda)}`, :math:`N = 4\Delta_F\lambda^{1/2}\varepsilon^{-3/2}`
  epochs of :math:`T = 6(G+\sigma)^2\varepsilon^{-2}` (≤ 4ε); Option III :math:`T =
  \max\{18\Delta_F\lambda^{1/2}(G+\sigma)^2\varepsilon^{-7/2}, 12(G+\sigma)^2
  \varepsilon^{-2}\}` (≤ 5ε, ε ≤ 3(G+σ)/√20). AMC25's published T and N (Cor. 4.1, 4.2,
  5.1) ride along as ``T_published`` and ``N_published``.
* **Schedule-free SGD** from β-OMD (Option III): :math:`\zeta = \beta/(1+\eta\mu)`,
  :math:`\gamma = \eta/(1-\zeta)` (docs/theory §1.5), and :func:`schedule_free_relations`: the
  z, x, y recursions are the O2NC form :math:`x_t = x_{t-1}+\Delta_t`,
  :math:`y_t = x_t + \zeta u_t\Delta_t` with :math:`\Delta_{t+1} = \zeta\Delta_t - \eta g_t`
  (= :math:`\delta_{t+1}/\zeta` for the β-OMD iterate δ).
* **2602.08372 Theorem 5** (clipped Adam + EMA, global clip, exponential conversion,
  ``[secondary]``): :math:`\beta_1 = 1-(\varepsilon/(16(G+\sigma)))^2`,
  :math:`D = (1-\beta_1)\sqrt{\varepsilon/(48\lambda)}`,
  :math:`\gamma = \beta_1 D/\sqrt{1-\beta_1}`,
  :math:`\nu = G+\sigma`, :math:`\beta_2 = \max\{1-\nu/(G+\sigma), \beta_1^4\}`, and
  :math:`T \ge \max\{(1-\beta_1)^{-1}\max\{16\Delta_F\sqrt{48\lambda}\varepsilon^{-3/2},
  16(G+\sigma)/\varepsilon\}, \ln 2/(1-\beta_2)\}` for :math:`\le\varepsilon`.
* **Coordinate-wise adaptivity** (AC24, §4): :func:`coordinate_advantage` is docs/theory §4's
  *heuristic* :math:`d(\|G\|_2+\|\sigma\|_2)^2/(\|G\|_1+\|\sigma\|_1)^2`, kept for reference.
  The derived prediction (ℓ1 bounds of both arms, factor :math:`d^{3/2}` and a curvature
  factor) is :func:`adamtheory.theory.o2nc_coord.advantage`, the single definition claim COORD
  uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from . import o2nc_options, o2nc_regret
from .o2nc import o2nc_symbols

__all__ = [
    "O2NCParameters",
    "Theorem5Parameters",
    "coordinate_advantage",
    "coordinate_advantage_expression",
    "epsilon_limit",
    "OptionParameters",
    "mu_required",
    "mu_required_expression",
    "o2nc_parameter_expressions",
    "o2nc_parameters",
    "option3_mu_expression",
    "option_parameters",
    "schedule_free_relations",
    "theorem5_expressions",
    "theorem5_parameters",
]

_s = o2nc_symbols()
G, sigma, eps, lam, DF = (_s[k] for k in ("G", "sigma", "epsilon", "lambda", "Delta_F"))


def _check(eps_v: float, lam_v: float, G_v: float, sigma_v: float, DF_v: float) -> None:
    for name, value in (("epsilon", eps_v), ("G", G_v), ("Delta_F", DF_v)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    for name, value in (("lambda", lam_v), ("sigma", sigma_v)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")


@cache
def o2nc_parameter_expressions() -> dict[str, sp.Expr]:
    """SymPy expressions of the parameters and thresholds (see the module docstring)."""
    one_minus = eps**2 / (9 * (G + sigma) ** 2)
    beta = 1 - one_minus
    D = one_minus * sp.sqrt(eps / (16 * lam))
    mu = 8 * lam * D * (1 + one_minus**-2)
    eta = 2 * D * sp.sqrt(one_minus) / (G + sigma)
    zeta = beta / (1 + eta * mu)
    return {
        "beta": beta,
        "D": D,
        "mu": mu,
        "eta": eta,
        "zeta": zeta,
        "gamma": eta / (1 - zeta),
        "T_ours": sp.Max(
            36 * DF * sp.sqrt(lam) * (G + sigma) ** 2 * eps ** sp.Rational(-7, 2),
            6 * (G + sigma) ** 2 / eps**2,
        ),
        "T_cor41": 49
        * (G + sigma) ** 2
        / eps**2
        * sp.Max(8 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2), 1),
        "T_cor51": 49
        * (G + sigma) ** 2
        / eps**2
        * sp.Max(20 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2), 1),
        "T_epoch_cor42": 49 * (G + sigma) ** 2 / eps**2,
        "N_cor42": 4 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2),
        # ours for Option II: total steps Delta_F/(D eps) (the leading 1/T requirement)
        "N_ours_per_epoch_length": DF / (D * eps),
    }


@dataclass(frozen=True)
class O2NCParameters:
    """Numeric values of :func:`o2nc_parameter_expressions` at one (ε, λ, G, σ, Δ_F)."""

    epsilon: float
    lam: float
    G: float
    sigma: float
    delta_F: float
    beta: float
    D: float
    mu: float
    eta: float
    zeta: float
    gamma: float
    T_ours: int
    T_cor41: int
    T_cor51: int
    T_epoch_cor42: int
    N_cor42: int
    N_ours_per_epoch_length: float

    def epochs_ours(self, epoch_length: int) -> int:
        """Option II epochs so that N·T reaches our Δ_F/(Dε) requirement."""
        return max(1, math.ceil(self.N_ours_per_epoch_length / epoch_length))


@cache
def _lambdified() -> dict[str, object]:
    return {
        k: sp.lambdify((eps, lam, G, sigma, DF), v, "math")
        for k, v in o2nc_parameter_expressions().items()
    }


def epsilon_limit(G: float, sigma: float) -> float:
    r"""Largest ε the toolkit's parameters accept: :math:`3\sqrt{1-\beta_{\min}}\,(G+\sigma)
    \approx 1.689(G+\sigma)`, i.e. :math:`\beta \ge \beta_{\min} = (1+\sqrt3)/4`
    (:func:`adamtheory.theory.o2nc_regret.epsilon_max`). There the proven β-OMD bound's
    leading term is below the extracted reading's, and the derived T gives at most
    :func:`adamtheory.theory.o2nc_rates.max_share_on_range` (≈ 3.56) · ε ≤ 4ε."""
    return float(_epsilon_factor()) * (G + sigma)


@cache
def _epsilon_factor() -> float:
    return float(o2nc_regret.epsilon_max())


def o2nc_parameters(
    epsilon: float, lam: float, G: float, sigma: float, delta_F: float
) -> O2NCParameters:
    """Evaluate the O2NC parameters (needs λ > 0 and ε ≤ :func:`epsilon_limit`, i.e.
    β ≥ (1+√3)/4, where the proven regret bound makes the derived T valid)."""
    _check(epsilon, lam, G, sigma, delta_F)
    if lam <= 0:
        raise ValueError(f"lambda must be > 0 for the O2NC parameters; got {lam!r}")
    limit = epsilon_limit(G, sigma)
    if epsilon > limit:
        raise ValueError(
            f"epsilon must be <= 3 sqrt(1-beta_min) (G+sigma) = {limit:.6g} (beta >= "
            f"beta_min = (1+sqrt 3)/4, the range of the proven Lemma 3.2 bound); got {epsilon!r}"
        )
    vals = {k: float(f(epsilon, lam, G, sigma, delta_F)) for k, f in _lambdified().items()}
    ints = {
        k: math.ceil(vals[k]) for k in ("T_ours", "T_cor41", "T_cor51", "T_epoch_cor42", "N_cor42")
    }
    return O2NCParameters(
        epsilon=epsilon, lam=lam, G=G, sigma=sigma, delta_F=delta_F, **{**vals, **ints}
    )


def schedule_free_relations() -> dict[str, sp.Expr]:
    r"""Residuals (all exactly 0) proving that schedule-free SGD is the O2NC form of Option III.

    With :math:`z_{t+1} = z_t - \gamma g_t`, :math:`x_t = \zeta x_{t-1} + (1-\zeta)z_t`,
    :math:`y_t = \kappa_t x_t + (1-\kappa_t) z_t`, :math:`\Delta_t = x_t - x_{t-1}`,
    :math:`\gamma = \eta/(1-\zeta)`, :math:`\kappa_t = 1-(1-\zeta)u_t`:

    * ``increment``: :math:`\Delta_{t+1} - (\zeta\Delta_t - \eta g_t)`;
    * ``omd``: with :math:`\delta_{t+1} = \zeta(\delta_t - \eta g_t)` and :math:`\Delta_t =
      \delta_t/\zeta`, :math:`\Delta_{t+1} - (\zeta\Delta_t - \eta g_t)`;
    * ``query``: :math:`y_t - (x_t + \zeta u_t\Delta_t)`;
    * ``kappa_law``: :math:`\kappa` at :math:`u = 0, 1` minus :math:`(1, \zeta)` (so
      :math:`u \sim U[0,1] \iff \kappa \sim U[\zeta, 1]`).
    """
    zeta, eta_s, g, u = sp.symbols("zeta eta g u", positive=True)
    x_prev, z_t = sp.symbols("x_prev z_t", real=True)
    gamma = eta_s / (1 - zeta)
    x_t = zeta * x_prev + (1 - zeta) * z_t
    z_next = z_t - gamma * g
    x_next = zeta * x_t + (1 - zeta) * z_next
    delta_t, delta_next = x_t - x_prev, x_next - x_t
    kappa = 1 - (1 - zeta) * u
    y_t = kappa * x_t + (1 - kappa) * z_t
    omd_t = zeta * delta_t  # the β-OMD iterate whose 1/ζ multiple is played
    omd_next = zeta * (omd_t - eta_s * g)
    return {
        "increment": sp.simplify(delta_next - (zeta * delta_t - eta_s * g)),
        "omd": sp.simplify(omd_next / zeta - (zeta * delta_t - eta_s * g)),
        "query": sp.simplify(y_t - (x_t + zeta * u * delta_t)),
        "kappa_law": sp.simplify((kappa.subs(u, 0) - 1) ** 2 + (kappa.subs(u, 1) - zeta) ** 2),
    }


@cache
def theorem5_expressions() -> dict[str, sp.Expr]:
    """2602.08372 Theorem 5's parameter choice and threshold (module docstring), with ν = G+σ."""
    beta1 = 1 - (eps / (16 * (G + sigma))) ** 2
    D = (1 - beta1) * sp.sqrt(eps) / sp.sqrt(48 * lam)
    nu = G + sigma
    beta2 = sp.Max(1 - nu / (G + sigma), beta1**4)
    T = sp.Max(
        sp.Max(16 * DF * sp.sqrt(48 * lam) / eps ** sp.Rational(3, 2), 16 * (G + sigma) / eps)
        / (1 - beta1),
        sp.log(2) / (1 - beta2),
    )
    return {
        "beta1": beta1,
        "D": D,
        "gamma": beta1 * D / sp.sqrt(1 - beta1),
        "nu": nu,
        "beta2": beta2,
        "T": T,
    }


@cache
def _theorem5_lambdified() -> dict[str, object]:
    return {
        k: sp.lambdify((eps, lam, G, sigma, DF), v, "math")
        for k, v in theorem5_expressions().items()
    }


@dataclass(frozen=True)
class Theorem5Parameters:
    """Numeric values of :func:`theorem5_expressions`."""

    epsilon: float
    lam: float
    G: float
    sigma: float
    delta_F: float
    beta1: float
    beta2: float
    D: float
    gamma: float
    nu: float
    T: int


def theorem5_parameters(
    epsilon: float, lam: float, G: float, sigma: float, delta_F: float
) -> Theorem5Parameters:
    """Evaluate Theorem 5's parameters (needs 0 < ε < 16(G+σ), λ > 0)."""
    _check(epsilon, lam, G, sigma, delta_F)
    if lam <= 0:
        raise ValueError(f"lambda must be > 0; got {lam!r}")
    if epsilon >= 16 * (G + sigma):
        raise ValueError(f"epsilon must be < 16(G+sigma); got {epsilon!r}")
    vals = {k: float(f(epsilon, lam, G, sigma, delta_F)) for k, f in _theorem5_lambdified().items()}
    vals["T"] = math.ceil(vals["T"])
    return Theorem5Parameters(epsilon=epsilon, lam=lam, G=G, sigma=sigma, delta_F=delta_F, **vals)


@cache
def coordinate_advantage_expression() -> sp.Expr:
    r"""SymPy: :math:`d(\|G\|_2+\|\sigma\|_2)^2/(\|G\|_1+\|\sigma\|_1)^2` in the norms' symbols."""
    d, g1, g2, s1, s2 = sp.symbols("d G_1 G_2 sigma_1 sigma_2", nonnegative=True)
    return d * (g2 + s2) ** 2 / (g1 + s1) ** 2


def coordinate_advantage(
    G_coords: Sequence[float],
    sigma_coords: Sequence[float] | None = None,
) -> float:
    r"""docs/theory §4's heuristic advantage
    :math:`d(\|G\|_2+\|\sigma\|_2)^2/(\|G\|_1+\|\sigma\|_1)^2 \ge 1` of coordinate-wise over
    global clipping (:func:`coordinate_advantage_expression`, evaluated by ``lambdify``).

    Not the derived prediction: with per-coordinate curvature :math:`H_i` the ratio of the two
    arms' ℓ1 iteration bounds is :math:`d^{3/2}(\cdot)^2(H_{\max}/\|H\|_1)^{1/2}`
    (:func:`adamtheory.theory.o2nc_coord.advantage`); this heuristic equals it only for flat H
    and is too small by :math:`\sqrt{dH_{\max}/\|H\|_1}` otherwise."""
    g = np.asarray(G_coords, dtype=np.float64).ravel()
    if g.size == 0:
        raise ValueError("G_coords must be a non-empty sequence")
    s = (
        np.zeros_like(g)
        if sigma_coords is None
        else np.asarray(sigma_coords, dtype=np.float64).ravel()
    )
    if s.shape != g.shape:
        raise ValueError(f"sigma_coords must have length {g.size}; got {s.size}")
    if np.any(g < 0) or np.any(s < 0) or not np.all(np.isfinite(g)) or g.sum() + s.sum() == 0:
        raise ValueError("G_coords and sigma_coords must be finite, >= 0 and not all zero")
    expr = coordinate_advantage_expression()
    f = sp.lambdify(sorted(expr.free_symbols, key=str), expr, "math")
    values = {
        "G_1": g.sum(),
        "G_2": float(np.sqrt(g @ g)),
        "d": g.size,
        "sigma_1": s.sum(),
        "sigma_2": float(np.sqrt(s @ s)),
    }
    return float(f(*(values[str(v)] for v in sorted(expr.free_symbols, key=str))))


# ------------------------------------------------------------------ Options II and III (AMC25)

_beta_s, _D_s, _eta_s, _mu_s, _cx_s = sp.symbols("beta D eta mu C_x", positive=True)


@cache
def mu_required_expression() -> sp.Expr:
    r"""AMC25 Lemma 3.1's condition :math:`\mu \ge 8\lambda D(1 + C_x(1-\beta)^{-2})` with the
    iterate stability factor :math:`C_x` of Definition 5 (docs/theory §4)."""
    return 8 * lam * _D_s * (1 + _cx_s * (1 - _beta_s) ** -2)


@cache
def option3_mu_expression() -> sp.Expr:
    r"""Option III's smallest self-consistent μ. There :math:`x_t - x_{t-1} = \delta_t/\zeta`
    exactly, so :math:`C_x = \zeta^{-2}` with :math:`\zeta = \beta/(1+\eta\mu)`, and
    :math:`\mu = 8\lambda D(1 + (1+\eta\mu)^2/(\beta^2(1-\beta)^2))` is a quadratic in μ; this
    is its smaller root (the larger one is not a continuation of :math:`C_x \to 1`)."""
    a = 8 * lam * _D_s
    k = 1 / (_beta_s**2 * (1 - _beta_s) ** 2)
    condition = sp.expand(a * (1 + k * (1 + _eta_s * _mu_s) ** 2) - _mu_s)
    roots = sp.solve(condition, _mu_s)
    # the root with the minus sign: pick by evaluating at a small-a point
    point = {
        lam: sp.Rational(1, 100),
        _D_s: sp.Rational(1, 1000),
        _beta_s: sp.Rational(9, 10),
        _eta_s: sp.Rational(1, 10),
    }
    real = [r for r in roots if sp.im(r.subs(point)) == 0]
    return min(real, key=lambda r: float(r.subs(point)))


@cache
def _option_functions() -> tuple[object, object]:
    args = (lam, _D_s, _beta_s, _cx_s)
    return (
        sp.lambdify(args, mu_required_expression(), "math"),
        sp.lambdify((lam, _D_s, _beta_s, _eta_s), option3_mu_expression(), "math"),
    )


def mu_required(lam_v: float, D_v: float, beta_v: float, C_x: float) -> float:
    """:func:`mu_required_expression` evaluated (λ > 0, D > 0, β in (0, 1), C_x ≥ 0)."""
    if not (lam_v > 0 and D_v > 0 and 0 < beta_v < 1 and C_x >= 0):
        raise ValueError(
            "mu_required needs lambda > 0, D > 0, beta in (0, 1) and C_x >= 0; got "
            f"{lam_v!r}, {D_v!r}, {beta_v!r}, {C_x!r}"
        )
    return float(_option_functions()[0](lam_v, D_v, beta_v, C_x))


@dataclass(frozen=True)
class OptionParameters:
    """Parameters of one AMC25 option at which its claim runs, with the μ condition's sides.

    ``T`` and ``epochs`` are the derived thresholds (``threshold`` says which module derived
    them); ``T_published`` and ``N_published`` are AMC25's (Cor. 4.1, 4.2, 5.1) at the same
    (ε, λ, G, σ, Δ_F), for reporting next to them."""

    option: str
    beta: float
    D: float
    eta: float
    mu: float
    mu_required: float
    C_x: float
    T: int
    epochs: int
    T_published: int | None = None
    N_published: int | None = None
    threshold: str = "derived"


def option_parameters(
    option: str, epsilon: float, lam: float, G: float, sigma: float, delta_F: float
) -> OptionParameters:
    r"""β, D, η, μ, T (and N) for AMC25 Option ``"I"``, ``"II"`` or ``"III"`` with
    :math:`\mu \ge \mu_{\mathrm{required}}` (Lemma 3.1 with that option's :math:`C_x`).

    * I: our derived parameters (:func:`o2nc_parameters`), :math:`C_x = 1`, our T
      (``T_published``: Cor. 4.1's).
    * II: anchored, :math:`C_x = 0`, Option I's β, the comparator norm of an epoch
      :math:`D = \sqrt{\varepsilon/(16\lambda)}` (the learner's offset from the anchor), η at
      that norm, :math:`\mu = 8\lambda D`, and the derived N epochs of T steps
      (:mod:`adamtheory.theory.o2nc_options`; ``T_published``, ``N_published``: Cor. 4.2's).
    * III: schedule-free, Option I's β, D and η, :math:`C_x = \zeta^{-2}`
      (:func:`option3_mu_expression`), the derived T (``T_published``: Cor. 5.1's); needs
      ε ≤ 3(G+σ)/√20 ≈ 0.671(G+σ), where the derived T gives ≤ 5ε.

    Raises
    ------
    ValueError
        ``option`` not one of the three; ε, λ, G, σ or Δ_F out of range (:func:`o2nc_parameters`);
        for III, ε above 3(G+σ)/√20.
    """
    if option not in ("I", "II", "III"):
        raise ValueError(f"option must be 'I', 'II' or 'III'; got {option!r}")
    p = o2nc_parameters(epsilon, lam, G, sigma, delta_F)
    if option == "I":
        req = mu_required(lam, p.D, p.beta, 1.0)
        # p.mu is the same expression as req evaluated in another order; rounding can put it
        # a few 1e-12 below, and Lemma 3.1 needs mu >= mu_required exactly
        mu = max(p.mu, req)
        return OptionParameters(
            option="I",
            beta=p.beta,
            D=p.D,
            eta=p.eta,
            mu=mu,
            mu_required=req,
            C_x=1.0,
            T=p.T_ours,
            epochs=1,
            T_published=p.T_cor41,
            N_published=1,
            threshold="derived (o2nc_rates)",
        )
    th = o2nc_options.thresholds_numeric(epsilon, lam, G, sigma, delta_F)
    if option == "II":
        d_epoch = th["D_II"]
        eta = 2 * d_epoch * math.sqrt(1 - p.beta) / (G + sigma)
        req = mu_required(lam, d_epoch, p.beta, 0.0)
        return OptionParameters(
            option="II",
            beta=p.beta,
            D=d_epoch,
            eta=eta,
            mu=req,
            mu_required=req,
            C_x=0.0,
            T=math.ceil(th["T_II"]),
            epochs=math.ceil(th["N_II"]),
            T_published=p.T_epoch_cor42,
            N_published=p.N_cor42,
            threshold="derived (o2nc_options)",
        )
    limit = float(o2nc_options.option3_epsilon_factor()) * (G + sigma)
    if epsilon > limit:
        raise ValueError(
            f"epsilon must be <= 3 (G+sigma)/sqrt(20) = {limit:.6g} for Option III (beta >= "
            f"19/20, where the derived T gives <= 5 eps); got {epsilon!r}"
        )
    mu = float(_option_functions()[1](lam, p.D, p.beta, p.eta))
    if not (math.isfinite(mu) and mu > 0):
        # the closed form cancels catastrophically at small eps; the iteration below climbs
        # from below to the same smallest root (the map is increasing in mu)
        mu = mu_required(lam, p.D, p.beta, p.beta**-2)
    for _ in range(200):  # a contraction (2 a k eta << 1 on the range): polish to a fixed point
        new = mu_required(lam, p.D, p.beta, ((1 + p.eta * mu) / p.beta) ** 2)
        if not math.isfinite(new):  # pragma: no cover - excluded by the range above
            raise ValueError(f"Option III has no self-consistent mu at epsilon = {epsilon!r}")
        if abs(new - mu) <= 1e-15 * new:
            mu = new
            break
        mu = new
    zeta = p.beta / (1 + p.eta * mu)
    c_x = zeta**-2
    req = mu_required(lam, p.D, p.beta, c_x)
    # rounding can leave mu a few ulps below its own requirement; req grows with mu far slower
    # than mu itself (the contraction above), so stepping mu up closes the gap exactly
    for _ in range(256):
        if mu >= req:
            break
        mu = math.nextafter(mu, math.inf) if req - mu < 8 * math.ulp(mu) else req
        zeta = p.beta / (1 + p.eta * mu)
        c_x = zeta**-2
        req = mu_required(lam, p.D, p.beta, c_x)
    if not mu >= req:  # the loop converges in a few steps everywhere we looked; never silent
        raise ValueError(
            f"Option III: no mu >= mu_required found at epsilon = {epsilon!r} "
            f"(mu = {mu!r}, mu_required = {req!r})"
        )
    return OptionParameters(
        option="III",
        beta=p.beta,
        D=p.D,
        eta=p.eta,
        mu=mu,
        mu_required=req,
        C_x=c_x,
        T=math.ceil(th["T_III"]),
        epochs=1,
        T_published=p.T_cor51,
        N_published=1,
        threshold="derived (o2nc_options)",
    )
