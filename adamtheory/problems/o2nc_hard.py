r"""O2NC instances whose (λ, ε) measure is certified from below (docs/theory §2, §5).

A bound check is non-vacuous only where the start point is certified *not* to meet the target:
these instances carry a method ``stationarity_lower(x, lam)`` returning a certified lower
estimate of :math:`\|\nabla F(x)\|_{[\lambda]}` (exact where stated), used at the start (the claim
refuses to run when it is not above the bound) and at the output (the fail rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .._validate import check_positive
from .o2nc_base import O2NCConstants, as_vector, check_batch

__all__ = ["CliffRamp", "HuberWell", "cliff_ramp", "huber_well"]


@dataclass(frozen=True)
class HuberWell:
    r"""Radial Huber well :math:`F(x) = G\,\phi_r(\|x\|)`, :math:`\phi_r(s) = s^2/(2r)` for
    :math:`s \le r` and :math:`s - r/2` beyond: a quadratic bowl of curvature :math:`h = G/r`
    inside the ball of radius r, a cone of slope G outside.

    Constants (exact, global): :math:`\nabla F(x) = G\,x/\max(\|x\|, r)`, so
    :math:`\sup\|\nabla F\| = G`; L = h; :math:`f^\star = 0` at 0; no Lipschitz Hessian (the
    Hessian jumps on the sphere).

    **Certified lower estimate** (:meth:`stationarity_lower`). With :math:`m = r - \|x\|`,
    :math:`\nabla F(w) = h w - h(\|w\| - r)_+ w/\|w\|`, so for any p with mean x,
    :math:`\|\mathbb E_p\nabla F(w)\| \ge h\|x\| - h\,\mathbb E(\|w-x\| - m)_+` (triangle
    inequality), and :math:`(s-m)_+ \le \lambda s^2/h + (h/(4\lambda) - m)_+` for s ≥ 0 (the
    minimum of :math:`\lambda s^2/h - (s - m)` is :math:`m - h/(4\lambda)`). Hence

    .. math:: \|\nabla F(x)\|_{[\lambda]} \ge \max\{0,\ h\|x\| - (h^2/(4\lambda) - h m)_+\},

    which is *exact* (:math:`= \|\nabla F(x)\|`, attained by the point mass) when
    :math:`\lambda \ge h/(4m)`, i.e. inside the ball away from its surface; outside the ball it
    is :math:`G - h^2/(4\lambda)`, the L-smooth estimate.

    Parameters
    ----------
    dim : int
        Dimension d ≥ 1.
    G : float
        Slope of the cone (the gradient bound), > 0.
    r : float
        Radius of the quadratic bowl, > 0.
    x0 : tuple of float
        Start point.
    """

    dim: int
    G: float
    r: float
    x0: tuple[float, ...]
    name: str = field(default="huber_well", init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.dim, int) or self.dim < 1:
            raise ValueError(f"dim must be an integer >= 1; got {self.dim!r}")
        check_positive("G", self.G)
        check_positive("r", self.r)
        object.__setattr__(self, "x0", as_vector("x0", self.x0, self.dim))

    @property
    def curvature(self) -> float:
        """h = G/r, the curvature inside the ball (= L)."""
        return self.G / self.r

    @property
    def o2nc_constants(self) -> O2NCConstants:
        x0 = np.asarray(self.x0)
        return O2NCConstants(
            G=float(self.G),
            G_coords=(float(self.G),) * self.dim,
            L=self.curvature,
            H=None,
            f_star=0.0,
            x_star=(0.0,) * self.dim,
            delta_F=float(self.value(x0[None])[0]),
            region_radius=None,
            smooth=True,
        )

    def params(self) -> dict[str, Any]:
        return {"dim": self.dim, "G": self.G, "r": self.r, "x0": list(self.x0)}

    def _norm(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return xp.sqrt(xp.sum(x * x, axis=1))

    def value(self, x: Any) -> Any:
        s = self._norm(x)
        xp = array_namespace(x)
        return self.G * xp.where(s <= self.r, s * s / (2 * self.r), s - self.r / 2)

    def grad(self, x: Any) -> Any:
        s = self._norm(x)
        xp = array_namespace(x)
        return self.G * x / xp.maximum(s, self.r)[:, None]

    def stationarity_lower(self, x: Any, lam: float) -> Any:
        r"""Certified lower estimate of :math:`\|\nabla F(x)\|_{[\lambda]}` per row (class
        docstring), shape (B,); λ > 0."""
        check_positive("lam", lam)
        s = self._norm(x)
        xp = array_namespace(x)
        h = self.curvature
        loss = xp.maximum(h * h / (4.0 * lam) - h * (self.r - s), 0.0)
        # outside the ball h s - loss = G - h²/(4 lam): the L-smooth estimate
        return xp.maximum(h * s - loss, 0.0)

    def exact_radius(self, lam: float) -> float:
        r"""Radius :math:`r - h/(4\lambda)` within which the estimate is exact (may be ≤ 0)."""
        check_positive("lam", lam)
        return self.r - self.curvature / (4.0 * lam)


def huber_well(dim: int = 1, *, G: float = 1.0, r: float = 1.0, start: float = 0.8) -> HuberWell:
    """:class:`HuberWell` started at ``start``·r along the first axis (``start`` in (0, ∞))."""
    check_positive("start", start)
    x0 = np.zeros(int(dim))
    x0[0] = start * r
    return HuberWell(int(dim), float(G), float(r), tuple(x0.tolist()))


@dataclass(frozen=True)
class CliffRamp:
    r"""One-dimensional cliff and ramp :math:`F(x) = \phi(|x|)`, :math:`\phi(s) = g_1 s` for
    :math:`s \le b` and :math:`g_1 b + g_0(s - b)` beyond (:math:`g_0 \ge g_1 > 0`): a steep
    cliff of slope :math:`g_0` around the start, then a long gentle ramp of slope :math:`g_1`
    down to the kink at 0 (convex, nonsmooth at 0 and ±b).

    Built to approach the quasi-static tightness ceiling of COR41
    (:mod:`adamtheory.theory.o2nc_slack`): the start sits on the cliff (measure :math:`g_0`,
    certified above the bound), and with :math:`g_1 \approx 0.7\varepsilon` β-OMD at the derived
    parameters spends all of T on the ramp, where the measure stays :math:`g_1`.

    Constants (exact): G = g_0, :math:`f^\star = 0` at 0, :math:`\Delta_F = \phi(|x_0|)`; not
    smooth (L, H undefined). :math:`\nabla F(x) = \mathrm{sign}(x)\,\phi'(|x|)` with
    :math:`\nabla F(0) = 0` and the outer slope at ±b.

    **Certified lower estimate** (:meth:`stationarity_lower`), for x > 0 (x < 0 by symmetry):
    for w of mean x and variance V, :math:`\nabla F(w) \ge \mathrm{base} - (g_0 + g_1)
    \mathbb 1\{w < 0\} - (g_0 - g_1)\mathbb 1\{w < b\}\,[x > b]` with base = :math:`g_0`
    beyond b and :math:`g_1` inside; Chebyshev (:math:`P(w < x - m) \le V/m^2`) gives
    :math:`\mathbb E\nabla F(w) \ge \mathrm{base} - aV`, :math:`a = (g_0+g_1)/x^2 +
    (g_0-g_1)/(x-b)^2\,[x > b]`, and minimising :math:`(\mathrm{base} - aV)_+ + \lambda V`
    over V ≥ 0 (a concave function: an end point)

    .. math:: \|\nabla F(x)\|_{[\lambda]} \ge \mathrm{base}\cdot\min\{1, \lambda/a\},

    exact (:math:`= |\nabla F(x)|`, the point mass) when :math:`\lambda \ge a`.

    Parameters
    ----------
    g0, g1 : float
        Cliff and ramp slopes, :math:`g_0 \ge g_1 > 0`.
    b : float
        Ramp length (position of the cliff's foot), > 0.
    x0 : tuple of float
        Start (one coordinate).
    """

    g0: float
    g1: float
    b: float
    x0: tuple[float, ...]
    dim: int = field(default=1, init=False)
    name: str = field(default="cliff_ramp", init=False)

    def __post_init__(self) -> None:
        check_positive("g1", self.g1)
        check_positive("b", self.b)
        check_positive("g0", self.g0)
        if self.g0 < self.g1:
            raise ValueError(f"g0 must be >= g1 = {self.g1!r}; got {self.g0!r}")
        object.__setattr__(self, "x0", as_vector("x0", self.x0, 1))

    @property
    def G(self) -> float:
        """The gradient bound g_0."""
        return float(self.g0)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        return O2NCConstants(
            G=float(self.g0),
            G_coords=(float(self.g0),),
            L=None,
            H=None,
            f_star=0.0,
            x_star=(0.0,),
            delta_F=float(self.value(np.asarray(self.x0)[None])[0]),
            region_radius=None,
            smooth=False,
        )

    def params(self) -> dict[str, Any]:
        return {"g0": self.g0, "g1": self.g1, "b": self.b, "x0": list(self.x0)}

    def value(self, x: Any) -> Any:
        check_batch(x, 1)
        xp = array_namespace(x)
        s = xp.abs(x[:, 0])
        return xp.where(s <= self.b, self.g1 * s, self.g1 * self.b + self.g0 * (s - self.b))

    def grad(self, x: Any) -> Any:
        check_batch(x, 1)
        xp = array_namespace(x)
        s = xp.abs(x[:, 0])
        return (xp.sign(x[:, 0]) * xp.where(s <= self.b, self.g1, self.g0))[:, None]

    def certify_lambda(self) -> float:
        """The smallest λ at which the estimate is exact at x0 (x0 must lie beyond b)."""
        s = abs(float(self.x0[0]))
        if not s > self.b:
            raise ValueError(f"x0 must lie on the cliff (|x0| > b = {self.b!r}); got {s!r}")
        return (self.g0 + self.g1) / s**2 + (self.g0 - self.g1) / (s - self.b) ** 2

    def stationarity_lower(self, x: Any, lam: float) -> Any:
        r"""Certified lower estimate of :math:`\|\nabla F(x)\|_{[\lambda]}` per row (class
        docstring), shape (B,); λ > 0."""
        check_positive("lam", lam)
        check_batch(x, 1)
        xp = array_namespace(x)
        s = xp.abs(x[:, 0])
        m = s - self.b
        with np.errstate(divide="ignore"):
            a = (self.g0 + self.g1) / (s * s) + xp.where(
                m > 0, (self.g0 - self.g1) / xp.where(m > 0, m * m, 1.0), 0.0
            )
        base = xp.where(m > 0, self.g0, self.g1)
        return xp.where(s > 0, base * xp.minimum(1.0, lam / a), 0.0)


def cliff_ramp(
    epsilon: float, *, g0: float = 1.0, ramp: float = 0.7, b: float = 1.0, share: float = 0.3
) -> CliffRamp:
    r""":class:`CliffRamp` for a target ε: ramp slope :math:`g_1 = \texttt{ramp}\cdot\varepsilon`,
    start on the cliff at :math:`b + m_0` with :math:`g_0 m_0 = \texttt{share}\cdot g_1 b` (the
    cliff's share of Δ_F relative to the ramp's). With the derived drift
    :math:`k \approx \tfrac32 D/\varepsilon`, the run stays on the ramp through T when
    :math:`\tfrac32\,\texttt{ramp}^2(1 + \texttt{share}) \le 1` (0.96 at the defaults)."""
    check_positive("epsilon", epsilon)
    check_positive("ramp", ramp)
    check_positive("share", share)
    g1 = ramp * epsilon
    m0 = share * g1 * b / g0
    return CliffRamp(float(g0), float(g1), float(b), (float(b + m0),))
