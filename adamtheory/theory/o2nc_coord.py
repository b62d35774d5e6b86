r"""Coordinate-wise versus global clipped Adam in the :math:`\ell_1` geometry, with per-coordinate
constants (docs/theory §4, "Coordinate-wise adaptivity"; AC24's claim, the derivation ours).

The single definition of the predicted coordinate-wise advantage; SymPy only, numbers through
:func:`sympy.lambdify`.

Setting. :math:`F` is separable-smooth in the sense used here: per-coordinate gradient bounds
:math:`|\partial_i F| \le G_i`, noise :math:`\mathbb{E}\xi_i^2 \le \sigma_i^2`, and a diagonal
third-derivative tensor with :math:`|\partial_i^3 F| \le H_i` (the coordinate-scale family
:math:`\sum_i a_i(1-\cos x_i)` has :math:`G_i = H_i = a_i`). Both learners are clipped
:math:`\beta`-FTRL (clipped Adam with :math:`\beta_1 = \beta`, :math:`\beta_2 = \beta^2`) in the
uniform conversion (docs/theory §1.3, §1.5):

* **coordinate-wise**: box :math:`K = [-D, D]^d`,
  :math:`\Delta_{t+1} = -\mathrm{clip}_D(\alpha\,m_t/\sqrt{v_t})` per coordinate;
* **global**: ball of radius :math:`D_g`,
  :math:`\Delta_{t+1} = -\mathrm{clip}_{D_g}(\alpha\,m_t/\sqrt{\textstyle\sum_i v_{t,i}})`.

The measure is :math:`\|\nabla F(\bar y)\|_1` at the β-EMA :math:`\bar y` of the query points.

Derivation (``[derived]``; every step is one line):

1. Comparator of the box, :math:`u_t = -D\,\mathrm{sign}(M_t)` with
   :math:`M_t = \sum_{s\le t}\beta^{t-s}\nabla F(y_s)`, gives :math:`\langle M_t, u_t\rangle =
   -D\|M_t\|_1`; the ball's :math:`u_t = -D_g M_t/\|M_t\|_2` gives :math:`-D_g\|M_t\|_2`. The
   "linear radius" that divides :math:`\Delta_F` is therefore D (coordinate-wise) and
   :math:`D_g` (global), each in its own dual norm (ℓ1, resp. ℓ2).
2. The discounted regret of clipped β-FTRL is a sum of one-dimensional scale-free regrets on
   :math:`[-D, D]`: :math:`\mathbb{E}\,\mathrm{Reg} \le C D\sum_i(G_i+\sigma_i)/\sqrt{1-\beta^2}`
   (coordinate-wise) against :math:`C D_g(\|G\|_2+\|\sigma\|_2)/\sqrt{1-\beta^2}` (global), and
   the noise of the EMA-averaged gradient costs :math:`\sum_i\sigma_i\sqrt{(1-\beta)/(1+\beta)}`
   in ℓ1 (:math:`\|\sigma\|_2\sqrt{\cdot}` in ℓ2). Per unit radius and window length both
   are :math:`C A\sqrt{1-\beta}` with :math:`A_1 = \|G\|_1+\|\sigma\|_1` and
   :math:`A_2 = \|G\|_2+\|\sigma\|_2` (one common constant C: the scale-free FTRL regret
   constant plus 1 for the noise; its value is not derived here, docs/theory §4 lists it as
   open, and it cancels in the ratio below).
3. From the averaged gradient to the gradient at :math:`\bar y` (Taylor, the linear term
   vanishes because :math:`\mathbb{E}w = \bar y`): :math:`|\partial_iF(\bar y) -
   \mathbb{E}\partial_iF(w)| \le (H_i/2)\mathbb{E}(w_i-\bar y_i)^2`, and the EMA spread of a
   walk with steps bounded by r is at most :math:`r^2/(1-\beta)^2` per coordinate
   (box: r = D in every coordinate) or in ℓ2 (ball: r = :math:`D_g`). In ℓ1 this costs
   :math:`(\|H\|_1/2)D^2/(1-\beta)^2` (box) and :math:`(H_{\max}/2)D_g^2/(1-\beta)^2` (ball).
4. The global method's ℓ2 guarantee is converted to ℓ1 by :math:`\|v\|_1 \le \sqrt d\|v\|_2`
   (tight for flat v), on its travel and floor terms.

So, with :math:`\Lambda` the curvature weight of step 3 and :math:`c_1` the conversion factor,

.. math::

   \mathbb{E}\|\nabla F(\bar y)\|_1 \le \frac{c_1\Delta_F}{D_{\mathrm{lin}}T}
   + c_1 C A\sqrt{1-\beta} + \frac{\Lambda D_{\mathrm{lin}}^2}{(1-\beta)^2},

coordinate-wise :math:`(c_1, A, \Lambda) = (1, A_1, \|H\|_1/2)`, global
:math:`(\sqrt d, A_2, H_{\max}/2)` (:func:`bound_expression`). Setting each term to
:math:`\varepsilon/3` (:func:`schedule_expressions`) gives

.. math::

   T = 27\sqrt3\,C^2\,\Delta_F\,c_1^3A^2\Lambda^{1/2}\varepsilon^{-7/2},\qquad
   \frac{T_{\mathrm{global}}}{T_{\mathrm{coord}}}
   = d^{3/2}\Big(\frac{\|G\|_2+\|\sigma\|_2}{\|G\|_1+\|\sigma\|_1}\Big)^2
     \Big(\frac{H_{\max}}{\|H\|_1}\Big)^{1/2}

(:func:`advantage_expression`): independent of ε, λ, C and :math:`\Delta_F`. The factor is
:math:`d^{3/2}` — one :math:`\sqrt d` from the travel term, d from the floor term, both from
step 4 — times a curvature factor in :math:`[d^{-1/2}, 1]`. For flat constants the ratio is
exactly 1. docs/theory §4's heuristic :math:`d(A_2/A_1)^2` (the previous
``o2nc_params.coordinate_advantage``) is the special case of a flat curvature vector
(:math:`H_{\max}/\|H\|_1 = 1/d`) or, equivalently, of measuring the box's spread in ℓ2
(:math:`\Lambda = dH_{\max}/2`); for spiky H it is too small by :math:`\sqrt{d H_{\max}/\|H\|_1}`
(:func:`heuristic_advantage_expression`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

__all__ = [
    "ARMS",
    "ArmSchedule",
    "advantage",
    "advantage_expression",
    "advantage_slope",
    "arm_constants",
    "arm_schedule",
    "bound_expression",
    "heuristic_advantage",
    "heuristic_advantage_expression",
    "norms",
    "schedule_expressions",
]

ARMS = ("coordinate", "global")

_eps, _lam, _A, _c1, _dF, _C = sp.symbols("epsilon Lambda A c_1 Delta_F C", positive=True)
_beta, _D, _T = sp.symbols("beta D T", positive=True)
_d, _g1, _g2, _s1, _s2, _h1, _hmax = sp.symbols(
    "d G_1 G_2 sigma_1 sigma_2 H_1 H_max", positive=True
)


@cache
def bound_expression() -> sp.Expr:
    r"""SymPy: :math:`c_1\Delta_F/(DT) + c_1CA\sqrt{1-\beta} + \Lambda D^2/(1-\beta)^2`,
    the ℓ1 bound of either arm (module docstring, steps 1–4)."""
    return (
        _c1 * _dF / (_D * _T) + _c1 * _C * _A * sp.sqrt(1 - _beta) + _lam * _D**2 / (1 - _beta) ** 2
    )


@cache
def schedule_expressions() -> dict[str, sp.Expr]:
    r"""SymPy: β, D and T that make each term of :func:`bound_expression` equal to ε/3
    (so the bound is ε), in the symbols ε, Λ, A, :math:`c_1`, :math:`\Delta_F`, C.

    Returns ``{"one_minus_beta", "D", "T"}``, solved by :func:`sympy.solve` term by term.
    """
    omb = sp.Symbol("omb", positive=True)
    floor = _c1 * _C * _A * sp.sqrt(omb) - _eps / 3
    (one_minus_beta,) = sp.solve(floor, omb)
    (D,) = sp.solve(_lam * _D**2 / one_minus_beta**2 - _eps / 3, _D)
    (T,) = sp.solve(_c1 * _dF / (D * _T) - _eps / 3, _T)
    # positive symbols: solve returns the closed forms already (simplify would only cost time)
    return {"one_minus_beta": one_minus_beta, "D": D, "T": T}


def arm_constants(arm: str) -> dict[sp.Symbol, sp.Expr]:
    r"""The substitution :math:`(c_1, A, \Lambda)` of one arm in the norm symbols
    ``d, G_1, G_2, sigma_1, sigma_2, H_1, H_max`` (module docstring)."""
    if arm == "coordinate":
        return {_c1: sp.Integer(1), _A: _g1 + _s1, _lam: _h1 / 2}
    if arm == "global":
        return {_c1: sp.sqrt(_d), _A: _g2 + _s2, _lam: _hmax / 2}
    raise ValueError(f"arm must be one of {ARMS}; got {arm!r}")


@cache
def advantage_expression() -> sp.Expr:
    r"""SymPy: :math:`T_{\mathrm{global}}/T_{\mathrm{coord}} = d^{3/2}(A_2/A_1)^2
    (H_{\max}/H_1)^{1/2}`, simplified from the two arms' :func:`schedule_expressions`."""
    T = schedule_expressions()["T"]
    # the common factors (27 sqrt 3, C, Delta_F, epsilon) cancel on construction
    return T.subs(arm_constants("global")) / T.subs(arm_constants("coordinate"))


@cache
def heuristic_advantage_expression() -> sp.Expr:
    r"""SymPy: docs/theory §4's heuristic :math:`d(A_2/A_1)^2` (no curvature factor): the
    ratio when the box's spread is charged in ℓ2, :math:`\Lambda_{\mathrm{coord}} = dH_{\max}/2`."""
    T = schedule_expressions()["T"]
    coord = arm_constants("coordinate") | {_lam: _d * _hmax / 2}
    return T.subs(arm_constants("global")) / T.subs(coord)


def _vector(name: str, values: Any, size: int | None = None) -> np.ndarray:
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence; got shape {v.shape}")
    if size is not None and v.size != size:
        raise ValueError(f"{name} must have length {size}; got {v.size}")
    if not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError(f"{name} must be finite and in [0, inf)")
    return v


def norms(
    G_coords: Sequence[float],
    sigma_coords: Sequence[float] | None = None,
    H_coords: Sequence[float] | None = None,
) -> dict[str, float]:
    r"""The norms the advantage depends on: ``d, G_1, G_2, sigma_1, sigma_2, H_1, H_max``.

    ``sigma_coords`` defaults to zeros, ``H_coords`` to ``G_coords`` (the coordinate-scale
    family). Raises ValueError for empty, negative or non-finite vectors, a length mismatch, an
    all-zero :math:`G+\sigma` or an all-zero H.
    """
    g = _vector("G_coords", G_coords)
    s = np.zeros_like(g) if sigma_coords is None else _vector("sigma_coords", sigma_coords, g.size)
    h = g if H_coords is None else _vector("H_coords", H_coords, g.size)
    if g.sum() + s.sum() == 0:
        raise ValueError("G_coords + sigma_coords must have a positive entry")
    if h.max() == 0:
        raise ValueError("H_coords must have a positive entry")
    return {
        "d": float(g.size),
        "G_1": float(g.sum()),
        "G_2": float(np.sqrt(g @ g)),
        "sigma_1": float(s.sum()),
        "sigma_2": float(np.sqrt(s @ s)),
        "H_1": float(h.sum()),
        "H_max": float(h.max()),
    }


@cache
def _lambdified(name: str) -> tuple[tuple[str, ...], Any]:
    expr = {"advantage": advantage_expression, "heuristic": heuristic_advantage_expression}[name]()
    syms = sorted(expr.free_symbols, key=str)
    return tuple(str(s) for s in syms), sp.lambdify(syms, expr, "math")


def _evaluate(name: str, values: dict[str, float]) -> float:
    names, fn = _lambdified(name)
    return float(fn(*(values[n] for n in names)))


def advantage(
    G_coords: Sequence[float],
    sigma_coords: Sequence[float] | None = None,
    H_coords: Sequence[float] | None = None,
) -> float:
    r"""Predicted :math:`T_{\mathrm{global}}/T_{\mathrm{coord}}` (:func:`advantage_expression`,
    lambdified) for per-coordinate constants; 1 for flat constants."""
    return _evaluate("advantage", norms(G_coords, sigma_coords, H_coords))


def heuristic_advantage(
    G_coords: Sequence[float],
    sigma_coords: Sequence[float] | None = None,
    H_coords: Sequence[float] | None = None,
) -> float:
    r"""docs/theory §4's heuristic :math:`d(A_2/A_1)^2` (:func:`heuristic_advantage_expression`)."""
    return _evaluate("heuristic", norms(G_coords, sigma_coords, H_coords))


def advantage_slope(dims: Sequence[float], advantages: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log` advantage on :math:`\log d`: the predicted growth
    exponent over the measured range of d (at least 2 distinct d, all advantages > 0)."""
    x = np.log(_vector("dims", dims))
    y = np.asarray(advantages, dtype=np.float64)
    if y.shape != x.shape or np.any(~np.isfinite(y)) or np.any(y <= 0):
        raise ValueError("advantages must be finite, > 0 and one per d")
    if np.unique(x).size < 2:
        raise ValueError("dims needs at least 2 distinct values")
    return float(np.polyfit(x, np.log(y), 1)[0])


@dataclass(frozen=True)
class ArmSchedule:
    r"""One arm's derived parameters for the ℓ1 target ε (:func:`arm_schedule`).

    Attributes
    ----------
    arm : str
        ``"coordinate"`` or ``"global"``.
    beta : float
        :math:`\beta = 1 - \varepsilon^2/(9C^2c_1^2A^2)`.
    D : float
        The learner's radius: the box half-width (coordinate) or the ball radius (global),
        :math:`(1-\beta)\sqrt{\varepsilon/(3\Lambda)}`.
    T : float
        Iterations at which the bound equals ε, :math:`27\sqrt3C^2\Delta_Fc_1^3A^2
        \Lambda^{1/2}\varepsilon^{-7/2}`.
    """

    arm: str
    beta: float
    D: float
    T: float


@cache
def _schedule_functions(arm: str) -> dict[str, Any]:
    subs = arm_constants(arm)
    out = {}
    for key, expr in schedule_expressions().items():
        e = expr.subs(subs)
        syms = sorted(e.free_symbols, key=str)
        out[key] = (tuple(str(s) for s in syms), sp.lambdify(syms, e, "math"))
    return out


def arm_schedule(
    arm: str,
    epsilon: float,
    delta_F: float,
    G_coords: Sequence[float],
    sigma_coords: Sequence[float] | None = None,
    H_coords: Sequence[float] | None = None,
    *,
    C: float = 1.0,
) -> ArmSchedule:
    r"""Evaluate :func:`schedule_expressions` for one arm.

    Parameters
    ----------
    arm : {"coordinate", "global"}
    epsilon : float
        ℓ1 target, :math:`0 < \varepsilon < 3Cc_1A` (so that :math:`\beta \in (0, 1)`).
    delta_F : float
        :math:`\Delta_F = F(x_0) - \inf F > 0`.
    G_coords, sigma_coords, H_coords : sequence of float
        Per-coordinate constants (:func:`norms`).
    C : float
        The common regret-plus-noise constant of step 2 (> 0); it cancels in
        :func:`advantage`.
    """
    if arm not in ARMS:
        raise ValueError(f"arm must be one of {ARMS}; got {arm!r}")
    for name, value in (("epsilon", epsilon), ("delta_F", delta_F), ("C", C)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a finite number in (0, inf); got {value!r}")
    values = norms(G_coords, sigma_coords, H_coords) | {
        "epsilon": float(epsilon),
        "Delta_F": float(delta_F),
        "C": float(C),
    }
    f = _schedule_functions(arm)
    got = {k: float(fn(*(values[n] for n in names))) for k, (names, fn) in f.items()}
    if not got["one_minus_beta"] < 1.0:
        limit = 1.0 / (got["one_minus_beta"] ** 0.5) * float(epsilon)
        raise ValueError(
            f"epsilon must lie in (0, {limit:.6g}) (3 C c_1 A) for the {arm} arm; got {epsilon!r}"
        )
    return ArmSchedule(arm, 1.0 - got["one_minus_beta"], got["D"], got["T"])
