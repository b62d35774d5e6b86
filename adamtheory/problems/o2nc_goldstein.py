r"""Nonsmooth piecewise-linear problems with an exact Goldstein measure (docs/theory §2, §4).

The Goldstein :math:`\delta`-measure of a Lipschitz function at :math:`x` is

.. math::

    \|\nabla F(x)\|_\delta = \min\Big\{\|v\| : v \in \operatorname{conv}
    \bigcup_{\|y-x\|\le\delta} \partial F(y)\Big\},

and x is :math:`(\delta, \varepsilon)`-stationary when it is :math:`\le \varepsilon`.
For a max of affine pieces :math:`F(x) = \max_i (a_i\cdot x + b_i)` the Clarke subdifferential
is :math:`\partial F(y) = \operatorname{conv}\{a_i : i \text{ active at } y\}`, so the union over
the ball is the hull of the :math:`a_i` whose *region*
:math:`P_i = \{y : a_i\cdot y + b_i \ge a_j\cdot y + b_j\ \forall j\}` meets
:math:`B(x, \delta)`. The measure is therefore exact in two steps, both solved by
:func:`scipy.optimize.nnls` with finite termination (no tolerance to tune):

1. :func:`piece_distances`: :math:`\operatorname{dist}(x, P_i)`, a least-distance program
   :math:`\min\|z\|` s.t. :math:`Cz \ge h`, by Lawson & Hanson's LDP-via-NNLS reduction
   (*Solving Least Squares Problems*, 1974, Ch. 23, Algorithm LDP);
2. :func:`min_norm_in_hull`: :math:`\min\|A^\top\lambda\|` over the simplex, by the NNLS
   :math:`\min_{u\ge0}\|A^\top u\|^2 + (\mathbf 1^\top u - 1)^2` whose solution is
   :math:`u^\star = \lambda^\star/(1+r^{\star2})` (:math:`r^\star` the min norm) [derived]:
   writing :math:`u = t\lambda`, the objective is :math:`t^2 r(\lambda)^2 + (t-1)^2`, minimised
   at :math:`t = 1/(1+r^2)` with value :math:`r^2/(1+r^2)`, increasing in :math:`r`.

:class:`ConicFunnel` is the 2-D instance of the claim O2NC-GOLDSTEIN: pieces through one apex,
:math:`F(x) = \max_i a_i\cdot(x - c)`, whose regions are angular sectors, so both steps have a
closed form vectorised over many points (:meth:`ConicFunnel.goldstein_norm`), tested against the
general NNLS route to 1e-10.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import nnls

from .._validate import check_positive
from .o2nc_base import GaussianNoise, O2NCConstants, as_vector, check_batch, isotropic_noise

__all__ = [
    "ConicFunnel",
    "goldstein_measure",
    "min_norm_in_hull",
    "piece_distances",
    "tilted_valley",
]

# Points whose distance to a region exceeds delta by less than this (relative) still count: the
# ball is closed, and the NNLS and closed-form routes must agree on the boundary case.
_BOUNDARY_RTOL = 1e-12


def min_norm_in_hull(points: Any) -> tuple[float, np.ndarray]:
    r"""The min-norm point of :math:`\operatorname{conv}\{p_1..p_m\}` (a QP on the simplex).

    Solved exactly by :func:`scipy.optimize.nnls` on
    :math:`\min_{u\ge 0}\|P^\top u\|^2 + (\mathbf 1^\top u - 1)^2`; then
    :math:`\lambda^\star = u^\star/\mathbf 1^\top u^\star` (module docstring).

    Parameters
    ----------
    points : array_like, shape (m, d)
        The points, m >= 1, finite.

    Returns
    -------
    norm : float
        :math:`\min\{\|v\| : v \in \operatorname{conv}\{p_i\}\}`.
    weights : ndarray, shape (m,)
        Convex weights :math:`\lambda^\star` of a minimiser.
    """
    P = np.asarray(points, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] < 1 or P.shape[1] < 1:
        raise ValueError(f"points must have shape (m, d) with m, d >= 1; got {P.shape}")
    if not np.all(np.isfinite(P)):
        raise ValueError("points must be finite")
    m, d = P.shape
    E = np.vstack([P.T, np.ones((1, m))])
    f = np.zeros(d + 1)
    f[-1] = 1.0
    u, _ = nnls(E, f, maxiter=50 * (m + d + 1))
    total = float(u.sum())  # = 1/(1 + r^2) > 0: never zero
    lam = u / total
    return float(np.linalg.norm(P.T @ lam)), lam


def _ldp_norm(C: np.ndarray, h: np.ndarray) -> float:
    r""":math:`\min\{\|z\| : Cz \ge h\}` (``inf`` if infeasible), Lawson & Hanson's Algorithm LDP:
    solve :math:`\min_{u\ge0}\|[C^\top; h^\top]u - e_{n+1}\|`; the residual r gives
    :math:`z = -r_{1:n}/r_{n+1}`, and r = 0 means the constraints are inconsistent."""
    if C.shape[0] == 0 or np.all(h <= 0):
        return 0.0  # z = 0 is feasible (also covers a single piece)
    n = C.shape[1]
    E = np.vstack([C.T, h[None, :]])
    f = np.zeros(n + 1)
    f[-1] = 1.0
    u, rnorm = nnls(E, f, maxiter=50 * (C.shape[0] + n + 1))
    # at the optimum ||r||^2 = -r_{n+1}, so ||z|| ~ 1/||r||: r <= 1e-12 means inconsistent
    # constraints or a region farther than ~1e12 (inactive for any sensible delta)
    if rnorm <= 1e-12:
        return math.inf
    r = E @ u - f
    z = -r[:n] / r[n]
    return float(np.linalg.norm(z))


def piece_distances(A: Any, b: Any, x: Any) -> np.ndarray:
    r"""Distances from ``x`` to each piece's region :math:`P_i` of
    :math:`F = \max_i (a_i\cdot x + b_i)` (``inf`` for a piece that is never active).

    :math:`\operatorname{dist}(x, P_i) = \min\{\|z\| : (a_i - a_j)\cdot z \ge (b_j - b_i) -
    (a_i - a_j)\cdot x\ \forall j \ne i\}`, one least-distance program per piece
    (:func:`scipy.optimize.nnls`; module docstring).

    Parameters
    ----------
    A : array_like, shape (m, d)
        Slopes :math:`a_i`.
    b : array_like, shape (m,)
        Offsets :math:`b_i`.
    x : array_like, shape (d,)
        The point.
    """
    A, b, x = _pieces(A, b, x)
    m = A.shape[0]
    out = np.empty(m)
    for i in range(m):
        others = np.arange(m) != i
        C = A[i] - A[others]
        h = (b[others] - b[i]) - C @ x
        out[i] = _ldp_norm(C, h)
    return out


def goldstein_measure(A: Any, b: Any, x: Any, delta: float) -> float:
    r"""Exact Goldstein :math:`\delta`-measure of :math:`\max_i (a_i\cdot x + b_i)` at ``x``:
    the min-norm point of the hull of the slopes of the pieces whose regions meet
    :math:`B(x, \delta)` (:func:`piece_distances`, then :func:`min_norm_in_hull`).

    Parameters
    ----------
    A, b, x
        As in :func:`piece_distances`.
    delta : float
        Radius :math:`\delta \in [0, \infty)`.
    """
    check_positive("delta", delta, allow_zero=True)
    A, b, x = _pieces(A, b, x)
    dist = piece_distances(A, b, x)
    active = dist <= delta * (1.0 + _BOUNDARY_RTOL) + 1e-300
    return min_norm_in_hull(A[active])[0]


def _pieces(A: Any, b: Any, x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 1:
        raise ValueError(f"A must have shape (m, d) with m >= 1; got {A.shape}")
    if b.shape != (A.shape[0],):
        raise ValueError(f"b must have shape ({A.shape[0]},); got {b.shape}")
    if x.shape != (A.shape[1],):
        raise ValueError(f"x must have shape ({A.shape[1]},); got {x.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b)) and np.all(np.isfinite(x))):
        raise ValueError("A, b and x must be finite")
    return A, b, x


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


@dataclass(frozen=True)
class ConicFunnel:
    r"""A 2-D polyhedral funnel :math:`F(x) = \max_i a_i\cdot(x - c)`, nonsmooth and
    piecewise linear, with known constants and an exact, vectorised Goldstein measure.

    The slopes :math:`a_1..a_m` (m >= 3) must be the vertices of a convex polygon, in
    counter-clockwise order, with 0 in its interior; then :math:`F \ge 0 = F(c)`
    (:math:`f^\star = 0`, attained only at the apex c), every piece is active on a sector
    :math:`P_i` at c bounded by the outward normals of the polygon's two edges at
    :math:`a_i`, and

    * :math:`G = \max_i\|a_i\|` (attained), :math:`\Delta_F = F(x_0)`, no L or H;
    * the oracle's gradient is :math:`a_{i^\star}`, :math:`i^\star` the first maximising piece
      (an element of :math:`\partial F`; along any segment it integrates to F, because on a
      stretch where several pieces tie, they share the directional derivative);
    * :meth:`goldstein_norm`: piece i is active in :math:`B(x, \delta)` iff the distance from
      :math:`x - c` to the sector :math:`P_i` (0 inside; else the distance to the nearer
      boundary ray) is :math:`\le \delta`; the min-norm point of the hull of the active slopes is
      0 if some triangle of them contains 0, else the least distance from 0 to a segment
      :math:`[a_i, a_j]` of two of them (the hull's boundary is made of such segments).

    Noise (:meth:`noise`): isotropic Gaussian of total level σ (``E||xi||^2 = sigma^2``).

    Parameters
    ----------
    slopes : tuple of tuple of float
        :math:`a_i`, counter-clockwise vertices of a convex polygon containing 0 strictly.
    apex : tuple of float
        c, length 2.
    x0 : tuple of float
        Start, length 2.
    """

    slopes: tuple[tuple[float, float], ...]
    apex: tuple[float, ...]
    x0: tuple[float, ...]
    name: str = field(default="conic_funnel", init=False)

    def __post_init__(self) -> None:
        A = np.asarray(self.slopes, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] != 2 or A.shape[0] < 3:
            raise ValueError(f"slopes must have shape (m, 2) with m >= 3; got {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("slopes must be finite")
        edges = np.roll(A, -1, axis=0) - A
        turn = _cross(edges, np.roll(edges, -1, axis=0))
        if not np.all(turn > 0):
            raise ValueError(
                "slopes must be the vertices of a strictly convex polygon in counter-clockwise "
                "order (every turn left)"
            )
        # 0 strictly inside: left of every edge
        if not np.all(_cross(edges, -A) > 0):
            raise ValueError("slopes must contain 0 strictly inside their convex hull")
        object.__setattr__(self, "slopes", tuple(tuple(map(float, a)) for a in A))
        object.__setattr__(self, "apex", as_vector("apex", self.apex, 2))
        object.__setattr__(self, "x0", as_vector("x0", self.x0, 2))

    # -- data -------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return 2

    @property
    def A(self) -> np.ndarray:
        """Slopes, shape (m, 2)."""
        return np.asarray(self.slopes)

    @property
    def b(self) -> np.ndarray:
        r"""Offsets :math:`b_i = -a_i\cdot c` of the max-affine form."""
        return -self.A @ np.asarray(self.apex)

    @property
    def G(self) -> float:
        return float(np.max(np.linalg.norm(self.A, axis=1)))

    @property
    def o2nc_constants(self) -> O2NCConstants:
        return O2NCConstants(
            G=self.G,
            G_coords=tuple(np.max(np.abs(self.A), axis=0).tolist()),
            L=None,
            H=None,
            f_star=0.0,
            x_star=self.apex,
            delta_F=float(self.value(np.asarray(self.x0)[None])[0]),
            region_radius=None,
            smooth=False,
        )

    def noise(self, sigma: float) -> GaussianNoise:
        """Isotropic Gaussian noise of total level ``sigma`` (see :func:`isotropic_noise`)."""
        return isotropic_noise(sigma, 2)

    def params(self) -> dict[str, Any]:
        return {
            "slopes": [list(a) for a in self.slopes],
            "apex": list(self.apex),
            "x0": list(self.x0),
        }

    # -- oracle ------------------------------------------------------------------------------

    def value(self, x: Any) -> np.ndarray:
        check_batch(x, 2)
        z = np.asarray(x, dtype=np.float64) - np.asarray(self.apex)
        return np.max(z @ self.A.T, axis=1)

    def grad(self, x: Any) -> np.ndarray:
        check_batch(x, 2)
        z = np.asarray(x, dtype=np.float64) - np.asarray(self.apex)
        return self.A[np.argmax(z @ self.A.T, axis=1)]

    # -- exact Goldstein measure --------------------------------------------------------------

    def _rays(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit boundary rays of each sector: (from, to), counter-clockwise."""
        A = self.A
        edges = np.roll(A, -1, axis=0) - A  # edge i: a_i -> a_{i+1}
        normals = np.stack([edges[:, 1], -edges[:, 0]], axis=1)  # outward for a ccw polygon
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        # sector of piece i runs from the normal of edge i-1 to the normal of edge i
        return np.roll(normals, 1, axis=0), normals

    def sector_distances(self, x: Any) -> np.ndarray:
        r"""Distances from each row of ``x`` to each piece's region, shape (B, m)."""
        check_batch(x, 2)
        z = (np.asarray(x, dtype=np.float64) - np.asarray(self.apex))[:, None, :]
        u, v = self._rays()
        inside = (_cross(u[None], z) >= 0) & (_cross(z, v[None]) >= 0)
        norm = np.linalg.norm(z, axis=2)

        def ray(w: np.ndarray) -> np.ndarray:
            t = np.sum(z * w[None], axis=2)
            return np.where(t > 0, np.abs(_cross(w[None], z)), norm)

        return np.where(inside, 0.0, np.minimum(ray(u), ray(v)))

    def goldstein_norm(self, x: Any, delta: float) -> np.ndarray:
        r"""Exact Goldstein measure :math:`\min\{\|v\| : v \in \operatorname{conv}
        \cup_{\|y - x\| \le \delta}\partial F(y)\}` at each row of ``x``, shape (B,).

        Parameters
        ----------
        x : ndarray, shape (B, 2)
        delta : float
            :math:`\delta \in [0, \infty)`.
        """
        check_positive("delta", delta, allow_zero=True)
        active = self.sector_distances(x) <= delta * (1.0 + _BOUNDARY_RTOL) + 1e-300
        A = self.A
        m = A.shape[0]
        out = np.full(active.shape[0], np.inf)
        for i in range(m):  # single vertices
            out = np.where(active[:, i], np.minimum(out, np.linalg.norm(A[i])), out)
        for i, j in itertools.combinations(range(m), 2):  # segments
            p, q = A[i], A[j]
            e = q - p
            t = np.clip(-(p @ e) / (e @ e), 0.0, 1.0)
            dist = float(np.linalg.norm(p + t * e))
            both = active[:, i] & active[:, j]
            out = np.where(both, np.minimum(out, dist), out)
        for i, j, k in itertools.combinations(range(m), 3):  # 0 in a triangle: measure 0
            p, q, r = A[i], A[j], A[k]
            s1, s2, s3 = _cross(q - p, -p), _cross(r - q, -q), _cross(p - r, -r)
            inside = (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)
            if inside:
                out = np.where(active[:, i] & active[:, j] & active[:, k], 0.0, out)
        return out


def tilted_valley(
    *,
    slope: float = 0.3,
    x0: tuple[float, float] = (1.5, 3.0),
    apex: tuple[float, float] = (0.0, 0.0),
) -> ConicFunnel:
    r"""The claim's instance: :math:`F(x) = \max(x_1 + s x_2,\ -x_1 + s x_2,\ -x_2)` about the
    apex (pieces :math:`(1, s), (-1, s), (0, -1)`).

    From :math:`x_0` on the steep side (measure :math:`\sqrt{1+s^2}`) a method descends into
    the valley :math:`x_1 = 0`, where the Goldstein measure is s (the hull of :math:`(\pm1, s)`),
    then along it to the apex, where it is 0 (within δ of the third piece). Constants:
    :math:`G = \sqrt{1+s^2}`, :math:`\Delta_F = F(x_0)`.

    Parameters
    ----------
    slope : float
        s in (0, inf): the valley's slope.
    x0, apex : tuple of float
        Start and apex.
    """
    check_positive("slope", slope)
    s = float(slope)
    return ConicFunnel(((1.0, s), (-1.0, s), (0.0, -1.0)), apex, x0)
