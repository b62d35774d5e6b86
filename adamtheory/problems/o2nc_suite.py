r"""Smooth O2NC test problems with exact constants (docs/theory §2, §4; issue #4).

* :class:`DiagonalQuadratic` — :math:`\tfrac12\sum_i h_i(x_i - c_i)^2`; the (λ, ε) measure is
  exactly :math:`\|\nabla F\|` here (docs/theory §2), G holds on a box around :math:`x_0`.
* :class:`DoubleWell` — a separable double well with bounded gradient.
* :class:`SmoothedCone` — :math:`\sqrt{\|x - c\|^2 + \rho^2} - \rho`, near-nonsmooth as ρ → 0.
* :class:`LogCoshValley` — a rotated, anisotropic log-cosh valley (non-separable).

Every problem takes points of shape ``(B, d)`` (NumPy or CuPy) and works in their namespace;
``hessian`` returns the exact Hessians, shape ``(B, d, d)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.polynomial import Polynomial

from .._arrays import array_namespace
from .._validate import check_int, check_interval, check_positive
from .o2nc_base import O2NCConstants, as_vector, check_batch, log_cosh, sech

__all__ = [
    "DiagonalQuadratic",
    "DoubleWell",
    "LogCoshValley",
    "SmoothedCone",
    "diagonal_quadratic",
    "double_well",
    "double_well_shape_constants",
    "log_cosh_valley",
    "random_rotation",
    "smoothed_cone",
]

# sup_z |d^3/dz^3 log cosh z| = sup 2 sech^2 z |tanh z|, attained at tanh^2 z = 1/3.
LOG_COSH_THIRD = 4.0 / (3.0 * math.sqrt(3.0))
# sup_y |d^3/dy^3 sqrt(1 + y^2)| = sup 3|y|/(1 + y^2)^{5/2} = 48 sqrt(5)/125, at |y| = 1/2.
CONE_THIRD = 48.0 * math.sqrt(5.0) / 125.0


def _diag_batch(xp: Any, diag: Any) -> Any:
    """Batch of diagonal matrices from rows of ``diag`` (B, d) -> (B, d, d)."""
    return diag[:, :, None] * xp.eye(diag.shape[1])[None]


# --------------------------------------------------------------------------------------------
# Quadratic


@dataclass(frozen=True)
class DiagonalQuadratic:
    r"""Separable quadratic :math:`F(x) = \tfrac12\sum_i h_i (x_i - c_i)^2` with :math:`h_i > 0`.

    :math:`\nabla F = h \odot (x - c)` is unbounded on :math:`\mathbb{R}^d`, so G holds on the box
    :math:`\{\|x - x_0\|_\infty \le R\}` (``region_radius = R``); a claim using G must check that
    the trajectory stays in it (:meth:`in_region`). On that box, each coordinate is maximised
    independently at a vertex, so (exactly, and attained)

    .. math:: G_i = h_i(|x_{0,i} - c_i| + R), \qquad G = \|(G_i)_i\|_2 .

    :math:`L = \max_i h_i`, :math:`H = 0`, :math:`f^\star = 0` at :math:`x^\star = c`.
    For a quadratic the (λ, ε) measure equals :math:`\|\nabla F(x)\|` (docs/theory §2).

    Parameters
    ----------
    curvatures : tuple of float
        :math:`h_i \in (0, \infty)`.
    centre : tuple of float
        The minimiser :math:`c`.
    x0 : tuple of float
        The starting point.
    radius : float
        :math:`R \in (0, \infty)`, the :math:`\ell_\infty` radius of the region around ``x0``.
    """

    curvatures: tuple[float, ...]
    centre: tuple[float, ...]
    x0: tuple[float, ...]
    radius: float
    name: str = field(default="diagonal_quadratic", init=False)

    def __post_init__(self) -> None:
        h = as_vector("curvatures", self.curvatures)
        check_positive("curvatures", np.asarray(h))
        object.__setattr__(self, "curvatures", h)
        object.__setattr__(self, "centre", as_vector("centre", self.centre, len(h)))
        object.__setattr__(self, "x0", as_vector("x0", self.x0, len(h)))
        check_positive("radius", self.radius)
        object.__setattr__(self, "radius", float(self.radius))

    @property
    def dim(self) -> int:
        return len(self.curvatures)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        h, c, x0 = (np.asarray(v) for v in (self.curvatures, self.centre, self.x0))
        g = h * (np.abs(x0 - c) + self.radius)
        return O2NCConstants(
            G=float(np.linalg.norm(g)),
            G_coords=tuple(g.tolist()),
            L=float(h.max()),
            H=0.0,
            f_star=0.0,
            x_star=self.centre,
            delta_F=float(0.5 * np.sum(h * (x0 - c) ** 2)),
            region_radius=self.radius,
            smooth=True,
            curvature_global=True,
        )

    def params(self) -> dict[str, Any]:
        return {
            "curvatures": list(self.curvatures),
            "centre": list(self.centre),
            "x0": list(self.x0),
            "radius": self.radius,
        }

    def in_region(self, x: Any) -> Any:
        """Whether each row of ``x`` lies in the box where the constants hold, shape (B,)."""
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return xp.abs(x - xp.asarray(self.x0)).max(axis=1) <= self.radius

    def value(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        r = x - xp.asarray(self.centre)
        return 0.5 * (xp.asarray(self.curvatures) * r * r).sum(axis=1)

    def grad(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return xp.asarray(self.curvatures) * (x - xp.asarray(self.centre))

    def hessian(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return _diag_batch(xp, xp.zeros_like(x) + xp.asarray(self.curvatures))


def diagonal_quadratic(
    curvatures: Any, *, centre: Any = None, x0: Any = None, radius: float | None = None
) -> DiagonalQuadratic:
    """See :class:`DiagonalQuadratic`; defaults ``centre = 0``, ``x0 = 1``,
    ``radius = 2 max(‖x0 - centre‖_∞, 1)`` (the box then contains the minimiser)."""
    h = as_vector("curvatures", np.atleast_1d(np.asarray(curvatures, dtype=np.float64)))
    d = len(h)
    c = np.zeros(d) if centre is None else np.asarray(as_vector("centre", centre, d))
    start = np.ones(d) if x0 is None else np.asarray(as_vector("x0", x0, d))
    if radius is None:
        radius = 2.0 * max(float(np.abs(start - c).max()), 1.0)
    return DiagonalQuadratic(h, tuple(c.tolist()), tuple(start.tolist()), radius)


# --------------------------------------------------------------------------------------------
# Double well


def _abs_max(poly: Polynomial, lo: float, hi: float) -> float:
    """:math:`\\max_{[lo, hi]} |p|`: a polynomial's extrema sit at the ends or critical points.

    Extra near-real candidates only add points of the interval, so a generous imaginary-part
    cut-off cannot overstate the maximum; the result is exact up to root-finding rounding.
    """
    crit = poly.deriv().roots() if poly.degree() > 1 else np.array([])
    crit = np.real(crit[np.abs(np.imag(crit)) <= 1e-6])
    pts = np.concatenate([[lo, hi], np.clip(crit, lo, hi)])
    return float(np.max(np.abs(poly(pts))))


def double_well_shape_constants(bump: float) -> tuple[float, float]:
    r"""``(L1, H1)``: sup |φ''| and sup |φ'''| of the unit-width well φ (see :class:`DoubleWell`).

    With :math:`s = \operatorname{sech} u \in (0, 1]`,
    :math:`\varphi'' = p(s) = s^2 + a s - 2a s^3` and
    :math:`|\varphi'''| = s\sqrt{1 - s^2}\,|p'(s)|`, so both suprema are maxima of polynomials
    on [0, 1] (the second via :math:`q = s^2(1 - s^2)p'(s)^2`), found from their critical points.
    """
    check_interval("bump", bump, 1.0, 2.0, low_closed=False, high_closed=True)
    a = float(bump)
    p = Polynomial([0.0, a, 1.0, -2.0 * a])
    q = Polynomial([0.0, 0.0, 1.0]) * Polynomial([1.0, 0.0, -1.0]) * p.deriv() ** 2
    return _abs_max(p, 0.0, 1.0), math.sqrt(_abs_max(q, 0.0, 1.0))


@dataclass(frozen=True)
class DoubleWell:
    r"""Separable double well with bounded gradient, :math:`F(x) = \sum_i w\,\varphi(x_i/w)`,

    .. math::
        \varphi(u) = \log\cosh u + a\operatorname{sech} u - 1 - \log a, \qquad 1 < a \le 2 .

    :math:`\varphi'(u) = \tanh u\,(1 - a\operatorname{sech} u)` vanishes at 0 (a local maximum,
    :math:`\varphi''(0) = 1 - a < 0`) and at :math:`\pm\operatorname{arccosh} a`, the two minima,
    where :math:`\varphi = 0`; the barrier is :math:`\varphi(0) = a - 1 - \log a`
    (:math:`1 - \log 2 \approx 0.307` at :math:`a = 2`). Constants (exact):

    * :math:`|\varphi'| < 1` and :math:`\varphi' \to 1` as :math:`u \to \infty` (in the bump,
      :math:`|\varphi'| \le a/2 \le 1`), so :math:`G_i = 1`, :math:`G = \sqrt d` — suprema, not
      attained.
    * the Hessian is diagonal, :math:`L = L_1/w`, :math:`H = H_1/w^2` with
      :math:`L_1 = \sup|\varphi''|`, :math:`H_1 = \sup|\varphi'''|` from
      :func:`double_well_shape_constants` (closed form up to polynomial root finding;
      :math:`L_1 = 1` attained at :math:`u = 0` for :math:`a = 2`). For a diagonal third-derivative
      tensor the operator norm is the largest entry, so H is attained along a coordinate axis.
    * :math:`f^\star = 0` at :math:`x^\star_i = w\operatorname{arccosh} a`.

    Parameters
    ----------
    x0 : tuple of float
        The starting point (its length is the dimension).
    bump : float
        :math:`a \in (1, 2]`; larger means deeper wells and a higher barrier.
    width : float
        :math:`w \in (0, \infty)`, the length scale.
    """

    x0: tuple[float, ...]
    bump: float = 2.0
    width: float = 1.0
    name: str = field(default="double_well", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", as_vector("x0", self.x0))
        check_interval("bump", self.bump, 1.0, 2.0, low_closed=False, high_closed=True)
        check_positive("width", self.width)
        object.__setattr__(self, "bump", float(self.bump))
        object.__setattr__(self, "width", float(self.width))

    @property
    def dim(self) -> int:
        return len(self.x0)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        l1, h1 = double_well_shape_constants(self.bump)
        d, w = self.dim, self.width
        x0 = np.asarray(self.x0)[None]
        return O2NCConstants(
            G=math.sqrt(d),
            G_coords=(1.0,) * d,
            L=l1 / w,
            H=h1 / w**2,
            f_star=0.0,
            x_star=(w * math.acosh(self.bump),) * d,
            delta_F=float(self.value(x0)[0]),
            region_radius=None,
            smooth=True,
        )

    def params(self) -> dict[str, Any]:
        return {"x0": list(self.x0), "bump": self.bump, "width": self.width}

    def value(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        u, a = x / self.width, self.bump
        phi = log_cosh(xp, u) + a * sech(xp, u) - 1.0 - math.log(a)
        return self.width * phi.sum(axis=1)

    def grad(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        u = x / self.width
        return xp.tanh(u) * (1.0 - self.bump * sech(xp, u))

    def hessian(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        s, a = sech(xp, x / self.width), self.bump
        return _diag_batch(xp, (s * s + a * s - 2.0 * a * s**3) / self.width)


def double_well(dim: int, *, bump: float = 2.0, width: float = 1.0, x0: Any = None) -> DoubleWell:
    """See :class:`DoubleWell`; the default ``x0 = 0.25 w`` (each coordinate) starts on the
    barrier's slope, where the curvature is negative."""
    dim = check_int("dim", dim, minimum=1)
    check_positive("width", width)
    start = (0.25 * float(width),) * dim if x0 is None else as_vector("x0", x0, dim)
    return DoubleWell(start, bump, width)


# --------------------------------------------------------------------------------------------
# Smoothed cone


@dataclass(frozen=True)
class SmoothedCone:
    r"""Smoothed cone :math:`F(x) = \sqrt{\|x - c\|^2 + \rho^2} - \rho`, near-nonsmooth as ρ → 0.

    With :math:`y = x - c`, :math:`r = \sqrt{\|y\|^2 + \rho^2}`: :math:`\nabla F = y/r`,
    :math:`\nabla^2 F = (I - yy^\top/r^2)/r`. Constants (exact):

    * :math:`G = 1`, :math:`G_i = 1` (suprema as :math:`\|y\| \to \infty`, not attained).
    * :math:`L = 1/\rho`, attained at :math:`y = 0` (eigenvalues :math:`1/r` and
      :math:`\rho^2/r^3`).
    * :math:`F(x) = \rho f(y/\rho)` with :math:`f(z) = \sqrt{1 + \|z\|^2} - 1`, so
      :math:`H = \sup\|\nabla^3 f\|/\rho^2`. For unit v, with :math:`t = z\cdot v`,
      :math:`\nabla^3 f[v, v, v] = -3t(1 - t^2/r_1^2)/r_1^3` (:math:`r_1^2 = 1 + \|z\|^2`); the
      norm of a symmetric trilinear form is its sup over ``[v, v, v]`` (Banach), and
      maximising over t and ‖z‖ gives the 1-D value
      :math:`\sup_y 3|y|/(1 + y^2)^{5/2} = 48\sqrt5/125 \approx 0.8587` at :math:`|y| = 1/2`, so
      :math:`H = 48\sqrt5/(125\rho^2)`, attained at :math:`\|y\| = \rho/2` in the radial direction.
    * :math:`f^\star = 0` at :math:`x^\star = c`.

    Parameters
    ----------
    x0 : tuple of float
        The starting point (its length is the dimension).
    rho : float
        :math:`\rho \in (0, \infty)`, the smoothing radius.
    centre : tuple of float
        The apex :math:`c`.
    """

    x0: tuple[float, ...]
    rho: float
    centre: tuple[float, ...]
    name: str = field(default="smoothed_cone", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", as_vector("x0", self.x0))
        check_positive("rho", self.rho)
        object.__setattr__(self, "rho", float(self.rho))
        object.__setattr__(self, "centre", as_vector("centre", self.centre, len(self.x0)))

    @property
    def dim(self) -> int:
        return len(self.x0)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        x0 = np.asarray(self.x0)[None]
        return O2NCConstants(
            G=1.0,
            G_coords=(1.0,) * self.dim,
            L=1.0 / self.rho,
            H=CONE_THIRD / self.rho**2,
            f_star=0.0,
            x_star=self.centre,
            delta_F=float(self.value(x0)[0]),
            region_radius=None,
            smooth=True,
        )

    def params(self) -> dict[str, Any]:
        return {"x0": list(self.x0), "rho": self.rho, "centre": list(self.centre)}

    def _shifted(self, x: Any) -> tuple[Any, Any]:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        y = x - xp.asarray(self.centre)
        return y, xp.sqrt((y * y).sum(axis=1) + self.rho**2)

    def value(self, x: Any) -> Any:
        y, r = self._shifted(x)
        # r - ρ = ‖y‖²/(r + ρ) keeps full relative accuracy when ‖y‖ << ρ
        return (y * y).sum(axis=1) / (r + self.rho)

    def grad(self, x: Any) -> Any:
        y, r = self._shifted(x)
        return y / r[:, None]

    def hessian(self, x: Any) -> Any:
        y, r = self._shifted(x)
        xp = array_namespace(x)
        outer = y[:, :, None] * y[:, None, :] / (r * r)[:, None, None]
        return (xp.eye(self.dim)[None] - outer) / r[:, None, None]


def smoothed_cone(dim: int, rho: float, *, centre: Any = None, x0: Any = None) -> SmoothedCone:
    """See :class:`SmoothedCone`; defaults ``centre = 0``, ``x0 = centre + 1`` (each coordinate)."""
    dim = check_int("dim", dim, minimum=1)
    c = np.zeros(dim) if centre is None else np.asarray(as_vector("centre", centre, dim))
    start = c + 1.0 if x0 is None else np.asarray(as_vector("x0", x0, dim))
    return SmoothedCone(tuple(start.tolist()), rho, tuple(c.tolist()))


# --------------------------------------------------------------------------------------------
# Log-cosh valley


@dataclass(frozen=True)
class LogCoshValley:
    r"""Rotated anisotropic log-cosh valley (non-separable):

    .. math::
        F(x) = \sum_i a_i w_i \log\cosh\!\big(\langle q_i, x - c\rangle / w_i\big),

    with orthonormal rows :math:`q_i` of the rotation Q. A wide :math:`w_i` gives a flat, long
    valley floor along :math:`q_i`, small :math:`w_i` steep walls; because Q is a generic
    rotation, the Hessian is not diagonal. With :math:`z = Q(x - c)`,
    :math:`\nabla F = Q^\top(a \odot \tanh(z/w))` and
    :math:`\nabla^2 F = Q^\top \operatorname{diag}(a/w \odot \operatorname{sech}^2(z/w)) Q`.
    Constants (exact):

    * :math:`G = \|a\|_2` and :math:`G_j = \sum_i a_i |Q_{ij}|` (z ranges over all of
      :math:`\mathbb{R}^d`, so the :math:`\tanh(z_i/w_i)` are independent in (-1, 1));
      suprema, not attained.
    * :math:`L = \max_i a_i/w_i`, attained at :math:`x = c`.
    * :math:`\nabla^3 F = \sum_i t_i\, q_i\otimes q_i\otimes q_i` with
      :math:`|t_i| \le (4/(3\sqrt3))\,a_i/w_i^2` (the sup of :math:`|(\log\cosh)'''|`, at
      :math:`\tanh^2 = 1/3`); with orthonormal :math:`q_i` its norm is :math:`\max_i|t_i|`, so
      :math:`H = (4/(3\sqrt3))\max_i a_i/w_i^2`, attained.
    * :math:`f^\star = 0` at :math:`x^\star = c`.

    The valley is straight (oblique), not bent: a curved floor would make G, L, H non-closed-form.

    Parameters
    ----------
    rotation : tuple of tuple of float
        Orthogonal :math:`d \times d` matrix Q (rows :math:`q_i`), :math:`d \ge 2`.
    amplitudes : tuple of float
        :math:`a_i \in (0, \infty)`: gradient bound along :math:`q_i`.
    widths : tuple of float
        :math:`w_i \in (0, \infty)`: length scale along :math:`q_i`.
    centre : tuple of float
        The minimiser c.
    x0 : tuple of float
        The starting point.
    """

    rotation: tuple[tuple[float, ...], ...]
    amplitudes: tuple[float, ...]
    widths: tuple[float, ...]
    centre: tuple[float, ...]
    x0: tuple[float, ...]
    name: str = field(default="log_cosh_valley", init=False)

    def __post_init__(self) -> None:
        q = np.asarray(self.rotation, dtype=np.float64)
        if q.ndim != 2 or q.shape[0] != q.shape[1] or q.shape[0] < 2:
            raise ValueError(f"rotation must be a square d x d matrix with d >= 2; got {q.shape}")
        d = q.shape[0]
        if not np.all(np.isfinite(q)) or np.abs(q @ q.T - np.eye(d)).max() > 1e-10:
            raise ValueError("rotation must be orthogonal (Q Q^T = I to 1e-10)")
        object.__setattr__(self, "rotation", tuple(map(tuple, q.tolist())))
        for name in ("amplitudes", "widths"):
            v = as_vector(name, getattr(self, name), d)
            check_positive(name, np.asarray(v))
            object.__setattr__(self, name, v)
        object.__setattr__(self, "centre", as_vector("centre", self.centre, d))
        object.__setattr__(self, "x0", as_vector("x0", self.x0, d))

    @property
    def dim(self) -> int:
        return len(self.rotation)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        q, a, w = (np.asarray(v) for v in (self.rotation, self.amplitudes, self.widths))
        return O2NCConstants(
            G=float(np.linalg.norm(a)),
            G_coords=tuple((a @ np.abs(q)).tolist()),
            L=float(np.max(a / w)),
            H=LOG_COSH_THIRD * float(np.max(a / w**2)),
            f_star=0.0,
            x_star=self.centre,
            delta_F=float(self.value(np.asarray(self.x0)[None])[0]),
            region_radius=None,
            smooth=True,
        )

    def params(self) -> dict[str, Any]:
        return {
            "rotation": [list(r) for r in self.rotation],
            "amplitudes": list(self.amplitudes),
            "widths": list(self.widths),
            "centre": list(self.centre),
            "x0": list(self.x0),
        }

    def _scaled(self, x: Any) -> tuple[Any, Any]:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        q = xp.asarray(self.rotation)
        return (x - xp.asarray(self.centre)) @ q.T / xp.asarray(self.widths), q

    def value(self, x: Any) -> Any:
        u, _ = self._scaled(x)
        xp = array_namespace(x)
        aw = xp.asarray(self.amplitudes) * xp.asarray(self.widths)
        return (aw * log_cosh(xp, u)).sum(axis=1)

    def grad(self, x: Any) -> Any:
        u, q = self._scaled(x)
        xp = array_namespace(x)
        return (xp.asarray(self.amplitudes) * xp.tanh(u)) @ q

    def hessian(self, x: Any) -> Any:
        u, q = self._scaled(x)
        xp = array_namespace(x)
        s = sech(xp, u)
        curv = xp.asarray(self.amplitudes) / xp.asarray(self.widths) * s * s
        return xp.einsum("bi,ij,ik->bjk", curv, q, q)


def random_rotation(dim: int, seed: int) -> np.ndarray:
    """A Haar-random orthogonal matrix (QR of a Gaussian with the sign fix), from ``seed``."""
    dim = check_int("dim", dim, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    return q * np.sign(np.diag(r))[None, :]


def log_cosh_valley(
    dim: int,
    *,
    valley_width: float = 10.0,
    amplitudes: Any = 1.0,
    seed: int = 0,
    centre: Any = None,
    x0: Any = None,
) -> LogCoshValley:
    r"""See :class:`LogCoshValley`: a random rotation from ``seed``, widths
    ``(valley_width, 1, ..., 1)`` (the floor runs along :math:`q_1`), and by default
    ``x0 = c + Q^T (valley_width, 1, ..., 1)`` — one width out along every direction."""
    dim = check_int("dim", dim, minimum=2)
    check_positive("valley_width", valley_width)
    q = random_rotation(dim, seed)
    w = np.ones(dim)
    w[0] = float(valley_width)
    c = np.zeros(dim) if centre is None else np.asarray(as_vector("centre", centre, dim))
    start = c + q.T @ w if x0 is None else np.asarray(as_vector("x0", x0, dim))
    a = as_vector("amplitudes", amplitudes, dim)
    return LogCoshValley(
        tuple(map(tuple, q.tolist())),
        a,
        tuple(w.tolist()),
        tuple(c.tolist()),
        tuple(start.tolist()),
    )
