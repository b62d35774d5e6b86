r"""A derived step count for Goldstein :math:`(\delta, \varepsilon)`-stationarity by O2NC
(docs/theory §1.5, §2, §4 "Goldstein row"; CMO23's method, our constants ``[derived]``).

CMO23 (Cutkosky, Mehta & Orabona, ICML 2023) prove :math:`O((G+\sigma)^2\Delta_F\delta^{-1}
\varepsilon^{-3})` for Goldstein stationarity with its own proof; their constant was not read
here (only the abstract), so this module derives its own valid T from the O2NC regret
decomposition, and the claim O2NC-GOLDSTEIN checks it. The route is *not* λ = ε/δ² (docs/theory
§4 has the counterexample).

**Method** (uniform conversion, windows): N = KT steps in K windows of T steps;
:math:`x_n = x_{n-1} + \Delta_n`, query :math:`w_n = x_{n-1} + s_n\Delta_n`,
:math:`s_n \sim U[0,1]`, :math:`g_n = \nabla F(w_n) + \xi_n` (:math:`\mathbb E\xi_n = 0`,
:math:`\mathbb E\|\xi_n\|^2 \le \sigma^2`); the learner is projected online gradient descent on
the ball :math:`\|\Delta\| \le D`, restarted at :math:`\Delta = 0` in each window:

.. math::

    \Delta_{n+1} = \Pi_{\|\cdot\|\le D}(\Delta_n - \eta g_n),\qquad D = \delta/T,\qquad
    \eta = \frac{D}{\hat G\sqrt T},\quad \hat G = \sqrt{G^2+\sigma^2}.

Output: :math:`\bar x_k = \frac1T\sum_{n\in k} w_n` for k uniform on 1..K.

**Derivation** ``[derived]``.

1. *Ball.* For n < m in one window,
   :math:`\|w_m - w_n\| \le (1-s_n)D + (m-n-1)D + s_m D \le TD = \delta`, so every query of the
   window lies in :math:`B(\bar x_k, \delta)` and
   :math:`\bar g_k = \frac1T\sum_{n\in k}\nabla F(w_n)` is in the Goldstein set:
   :math:`\|\nabla F(\bar x_k)\|_\delta \le \|\bar g_k\|`.
2. *Descent.* :math:`\mathbb E[F(x_n) - F(x_{n-1})] = \mathbb E\langle\nabla F(w_n),
   \Delta_n\rangle = \mathbb E\langle g_n, \Delta_n\rangle` (docs/theory §1.5's uniform identity;
   :math:`\Delta_n` is chosen before :math:`\xi_n`), so
   :math:`\sum_n\mathbb E\langle g_n,\Delta_n\rangle \ge -\Delta_F`.
3. *Regret.* With :math:`S_k = \sum_{n\in k} g_n` and the comparator
   :math:`u_k = -D S_k/\|S_k\|`, :math:`\sum_{n\in k}\langle g_n, \Delta_n\rangle =
   \mathrm{Reg}_k(u_k) - D\|S_k\|`; projected OGD from 0 has
   :math:`\mathrm{Reg}_k(u) \le \|u\|^2/(2\eta) + \frac\eta2\sum\|g_n\|^2` for every u in the
   ball, so :math:`\mathbb E\,\mathrm{Reg}_k \le D\hat G\sqrt T`; and
   :math:`\|S_k\| \ge T\|\bar g_k\| - \|\sum\xi_n\|`, :math:`\mathbb E\|\sum\xi_n\| \le
   \sigma\sqrt T` (martingale differences).
4. Summing, :math:`DT\sum_k\mathbb E\|\bar g_k\| \le \Delta_F + KD\sqrt T(\hat G + \sigma)`:

.. math::

    \mathbb E_k\,\mathbb E\|\nabla F(\bar x_k)\|_\delta \;\le\; B(T, K) =
    \frac{\Delta_F}{\delta K} + \frac{\hat G + \sigma}{\sqrt T}.

**Step count.** Minimising N = TK subject to B = ε (:func:`optimal_split`, SymPy) puts 2/3 of
ε on the regret term: :math:`T = 9c^2/(4\varepsilon^2)`, :math:`K = 3\Delta_F/(\delta\varepsilon)`,
:math:`N = 27c^2\Delta_F/(4\delta\varepsilon^3)` with :math:`c = \hat G + \sigma \le
\sqrt2(G+\sigma)`: CMO23's rate, exponents ε⁻³ and δ⁻¹ (:func:`rate_exponents`).
:func:`goldstein_parameters` rounds T up and then takes the least K with B(T, K) ≤ ε.

**What an instance can show** (a heuristic, not a theorem): where the run descends along
slopes of norm :math:`\rho_k` (the measure in window k) and moves a fraction
:math:`v_k \le 1` of δ per window, :math:`\sum_k\rho_k v_k\delta \lesssim \Delta_F`; with a
constant speed fraction v the mean measure is at most about
:math:`\Delta_F/(\delta K v) \approx \varepsilon/(3v)`. A tightness above 1/2 (a bound 2x
too optimistic detectable) therefore needs a learner slowed to v < 2/3, which noise does on a
shallow valley (claim O2NC-GOLDSTEIN: measured 0.55 at slope 0.15, 0.47 at slope 0.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = [
    "GoldsteinParameters",
    "bound_expression",
    "bound_value",
    "goldstein_parameters",
    "goldstein_symbols",
    "optimal_split",
    "rate_exponents",
    "steps_expression",
]


@cache
def goldstein_symbols() -> dict[str, sp.Symbol]:
    """The positive symbols of this module: epsilon, delta, G, sigma, Delta_F, T, K."""
    names = ("epsilon", "delta", "G", "sigma", "Delta_F", "T", "K")
    return {n: sp.Symbol(n, positive=True) for n in names}


def _c(s: dict[str, sp.Symbol]) -> sp.Expr:
    return sp.sqrt(s["G"] ** 2 + s["sigma"] ** 2) + s["sigma"]


@cache
def bound_expression() -> sp.Expr:
    r""":math:`B(T, K) = \Delta_F/(\delta K) + (\sqrt{G^2+\sigma^2}+\sigma)/\sqrt T`, the derived
    bound on :math:`\mathbb E_k\|\nabla F(\bar x_k)\|_\delta` (module docstring, step 4)."""
    s = goldstein_symbols()
    return s["Delta_F"] / (s["delta"] * s["K"]) + _c(s) / sp.sqrt(s["T"])


@cache
def optimal_split() -> dict[str, sp.Expr]:
    r"""Minimise N = TK subject to B(T, K) = ε, in SymPy.

    With :math:`a = c/(\varepsilon\sqrt T) \in (0, 1)` the share of ε on the regret term,
    :math:`T = c^2/(a^2\varepsilon^2)` and :math:`K = \Delta_F/(\delta\varepsilon(1-a))`, so
    :math:`N \propto 1/(a^2(1-a))`; its stationary point is solved for a (= 2/3).

    Returns
    -------
    dict
        ``share`` (a), ``T``, ``K``, ``N`` as expressions in ε, δ, G, σ, Δ_F.
    """
    s = goldstein_symbols()
    a = sp.Symbol("a", positive=True)
    c = _c(s)
    T = c**2 / (a**2 * s["epsilon"] ** 2)
    K = s["Delta_F"] / (s["delta"] * s["epsilon"] * (1 - a))
    N = T * K
    roots = [r for r in sp.solve(sp.diff(sp.log(N), a), a) if r.is_positive and r < 1]
    if len(roots) != 1:  # pragma: no cover - a single interior stationary point
        raise RuntimeError(f"expected one stationary share in (0, 1); got {roots}")
    share = roots[0]
    return {
        "share": share,
        "T": sp.simplify(T.subs(a, share)),
        "K": sp.simplify(K.subs(a, share)),
        "N": sp.simplify(N.subs(a, share)),
    }


def steps_expression() -> sp.Expr:
    r""":math:`N = 27c^2\Delta_F/(4\delta\varepsilon^3)` (continuous, before rounding)."""
    return optimal_split()["N"]


@cache
def rate_exponents() -> dict[str, sp.Expr]:
    """Exponents of ε and δ in :func:`steps_expression` (the elasticities d log N / d log x)."""
    s = goldstein_symbols()
    N = steps_expression()
    return {
        name: sp.simplify(s[name] * sp.diff(sp.log(N), s[name])) for name in ("epsilon", "delta")
    }


@cache
def _bound_fn() -> object:
    s = goldstein_symbols()
    args = (s["T"], s["K"], s["delta"], s["G"], s["sigma"], s["Delta_F"])
    return sp.lambdify(args, bound_expression(), "math")


@cache
def _split_fns() -> tuple[object, object]:
    s = goldstein_symbols()
    args = (s["epsilon"], s["delta"], s["G"], s["sigma"], s["Delta_F"])
    split = optimal_split()
    return sp.lambdify(args, split["T"], "math"), sp.lambdify(args, split["N"], "math")


def _check(name: str, value: float, *, zero_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not (value > 0 or (zero_ok and value == 0)):
        rng = "[0, inf)" if zero_ok else "(0, inf)"
        raise ValueError(f"{name} must be finite and in {rng}; got {value!r}")
    return value


def bound_value(T: int, K: int, delta: float, G: float, sigma: float, delta_F: float) -> float:
    """:func:`bound_expression` evaluated (T, K >= 1; δ, G > 0; σ, Δ_F >= 0)."""
    for name, v in (("T", T), ("K", K)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {v!r}")
    args = (
        _check("delta", delta),
        _check("G", G),
        _check("sigma", sigma, zero_ok=True),
        _check("delta_F", delta_F, zero_ok=True),
    )
    return float(_bound_fn()(T, K, *args))


@dataclass(frozen=True)
class GoldsteinParameters:
    r"""The derived run parameters for a :math:`(\delta, \varepsilon)` target (module docstring).

    The fields ``epsilon``, ``delta``, ``G``, ``sigma`` and ``delta_F`` repeat the target and the
    instance's constants (floats).

    Attributes
    ----------
    T : int
        Window length, :math:`\lceil 9c^2/(4\varepsilon^2)\rceil`.
    K : int
        Windows: the least K with B(T, K) ≤ ε.
    N : int
        Steps, T·K.
    N_continuous : float
        :math:`27c^2\Delta_F/(4\delta\varepsilon^3)` before rounding.
    D, eta : float
        OGD's radius δ/T and step :math:`D/(\hat G\sqrt T)`.
    bound : float
        B(T, K) ≤ ε at the rounded T, K.
    """

    epsilon: float
    delta: float
    G: float
    sigma: float
    delta_F: float
    T: int
    K: int
    N: int
    N_continuous: float
    D: float
    eta: float
    bound: float


def goldstein_parameters(
    epsilon: float, delta: float, G: float, sigma: float, delta_F: float
) -> GoldsteinParameters:
    r"""Derived T, K, D, η reaching :math:`\mathbb E_k\|\nabla F(\bar x_k)\|_\delta \le
    \varepsilon` (module docstring; ``[derived]``, CMO23's method).

    Parameters
    ----------
    epsilon : float
        Target ε in (0, inf).
    delta : float
        Goldstein radius δ in (0, inf).
    G : float
        Lipschitz constant (bound on the oracle's exact gradient) in (0, inf).
    sigma : float
        Noise level, :math:`\mathbb E\|\xi\|^2 \le \sigma^2`, in [0, inf).
    delta_F : float
        :math:`F(x_0) - \inf F` in (0, inf).

    Raises
    ------
    ValueError
        A parameter outside its range (the message names it and the range).
    """
    eps = _check("epsilon", epsilon)
    dlt = _check("delta", delta)
    g = _check("G", G)
    sig = _check("sigma", sigma, zero_ok=True)
    dF = _check("delta_F", delta_F)
    t_fn, n_fn = _split_fns()
    T = max(1, math.ceil(t_fn(eps, dlt, g, sig, dF) * (1 - 1e-12)))
    c = math.sqrt(g * g + sig * sig) + sig
    slack = eps - c / math.sqrt(T)  # > 0: T >= 9c²/(4ε²) puts at most 2ε/3 on the regret term
    K = max(1, math.ceil(dF / (dlt * slack) * (1 - 1e-12)))
    while bound_value(T, K, dlt, g, sig, dF) > eps:  # guard the rounding
        K += 1
    D = dlt / T
    return GoldsteinParameters(
        epsilon=eps,
        delta=dlt,
        G=g,
        sigma=sig,
        delta_F=dF,
        T=T,
        K=K,
        N=T * K,
        N_continuous=float(n_fn(eps, dlt, g, sig, dF)),
        D=D,
        eta=D / (math.sqrt(g * g + sig * sig) * math.sqrt(T)),
        bound=bound_value(T, K, dlt, g, sig, dF),
    )
