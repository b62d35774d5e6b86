r"""O2NC test problems for nonsmooth and coordinate-wise claims (docs/theory §2, §4; issue #4).

* :class:`AbsoluteValue` — 1-D :math:`|x|` with its natural Gaussian noise (Goldstein-type).
* :class:`CoordinateScale` — :math:`F(x) = \sum_i a_i (1 - \cos x_i)` with spiky or flat scales
  :math:`a` (:func:`spiky_scales`, :func:`flat_scales`), for the coordinate-wise adaptivity claim:
  the coordinate-wise bound pays :math:`\|G\|_1^2` where the global one pays
  :math:`d\|G\|_2^2`, a gain of :math:`(\sqrt d\,\|G\|_2/\|G\|_1)^2` (:func:`coordinate_gain`).
* :class:`CoordinateInstance` (:func:`coordinate_instance`) — a coordinate-scale problem with
  per-coordinate noise :math:`\sigma_i` (spiky noise :math:`\sigma_i \propto a_i` for spiky
  scales) and every constant the derived comparison of :mod:`adamtheory.theory.o2nc_coord` needs:
  :math:`G_i`, :math:`\sigma_i`, :math:`H_i`, :math:`\Delta_F` and the exact start measure
  :math:`\|\nabla F(x_0)\|_1`, with :meth:`CoordinateInstance.certify` refusing a target the
  start already meets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .._validate import check_choice, check_int, check_interval, check_positive
from .o2nc_base import GaussianNoise, O2NCConstants, as_vector, check_batch, isotropic_noise

__all__ = [
    "AbsoluteValue",
    "CoordinateInstance",
    "CoordinateScale",
    "absolute_value",
    "coordinate_gain",
    "coordinate_instance",
    "coordinate_scale",
    "flat_scales",
    "spiky_scales",
]


@dataclass(frozen=True)
class AbsoluteValue:
    r"""The 1-D nonsmooth problem :math:`F(x) = |x|`, with gradient :math:`\operatorname{sign} x`
    (:math:`\operatorname{sign} 0 = 0`).

    Constants (exact): :math:`G = G_1 = 1` (attained for every :math:`x \ne 0`), no L or H,
    :math:`f^\star = 0` at :math:`x^\star = 0`, :math:`\Delta_F = |x_0|`.
    Goldstein: :math:`\partial F(y) = \{\operatorname{sign} y\}` for :math:`y \ne 0` and
    :math:`[-1, 1]` at 0, so the min-norm element of the convex hull over
    :math:`|y - x| \le \delta` is 0 if :math:`|x| \le \delta` and 1 otherwise
    (:meth:`goldstein_norm`).

    The natural noise (:attr:`default_noise`) is additive Gaussian,
    :math:`g = \operatorname{sign} y + \xi`, :math:`\xi \sim N(0, \sigma^2)` with
    :math:`\sigma` = ``noise_sigma``; kernels take the noise separately, this is a recommendation.

    Parameters
    ----------
    x0 : tuple of float
        Starting point, length 1.
    noise_sigma : float
        :math:`\sigma \in [0, \infty)` of :attr:`default_noise`.
    """

    x0: tuple[float, ...] = (1.0,)
    noise_sigma: float = 1.0
    name: str = field(default="abs_1d", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", as_vector("x0", self.x0, 1))
        check_positive("noise_sigma", self.noise_sigma, allow_zero=True)
        object.__setattr__(self, "noise_sigma", float(self.noise_sigma))

    @property
    def dim(self) -> int:
        return 1

    @property
    def default_noise(self) -> GaussianNoise:
        """:math:`N(0, \\sigma^2)` additive noise with :math:`\\sigma` = ``noise_sigma``."""
        return GaussianNoise((self.noise_sigma,))

    @property
    def o2nc_constants(self) -> O2NCConstants:
        return O2NCConstants(
            G=1.0,
            G_coords=(1.0,),
            L=None,
            H=None,
            f_star=0.0,
            x_star=(0.0,),
            delta_F=abs(self.x0[0]),
            region_radius=None,
            smooth=False,
        )

    def params(self) -> dict[str, Any]:
        return {"x0": list(self.x0), "noise_sigma": self.noise_sigma}

    def value(self, x: Any) -> Any:
        check_batch(x, 1)
        return array_namespace(x).abs(x).sum(axis=1)

    def grad(self, x: Any) -> Any:
        check_batch(x, 1)
        return array_namespace(x).sign(x)

    def goldstein_norm(self, x: Any, delta: float) -> Any:
        r"""Exact Goldstein measure :math:`\min\{|v| : v \in \operatorname{conv}
        \cup_{|y - x| \le \delta}\partial F(y)\}` at each row of ``x``, shape (B,)."""
        check_batch(x, 1)
        check_positive("delta", delta, allow_zero=True)
        xp = array_namespace(x)
        return (xp.abs(x[:, 0]) > delta).astype(x.dtype)


def absolute_value(*, x0: float = 1.0, noise_sigma: float = 1.0) -> AbsoluteValue:
    """See :class:`AbsoluteValue`."""
    return AbsoluteValue((float(x0),), noise_sigma)


@dataclass(frozen=True)
class CoordinateScale:
    r"""The coordinate-scale family :math:`F(x) = \sum_i a_i\,\varphi(x_i)`,
    :math:`\varphi(u) = 1 - \cos u` (nonconvex, :math:`|\varphi'|, |\varphi''|, |\varphi'''|
    \le 1`, all attained).

    Constants (exact, all attained): :math:`G_i = a_i` and :math:`G = \|a\|_2` (at
    :math:`x_i = \pi/2`); the Hessian :math:`\operatorname{diag}(a_i\cos x_i)` gives
    :math:`L = \max_i a_i` (at 0); the third-derivative tensor is diagonal with entries
    :math:`a_i \sin x_i`, so :math:`H = \max_i a_i`; :math:`f^\star = 0` at :math:`x^\star = 0`.

    Noise: :meth:`proportional_noise` gives :math:`\sigma_i \propto a_i` (spiky noise for spiky
    scales, :math:`\|\sigma\|_1/\|\sigma\|_2 = \|a\|_1/\|a\|_2`), the setting in which the
    coordinate-wise bound :math:`(\|G\|_1 + \|\sigma\|_1)^2` gains the full factor over
    :math:`d(\|G\|_2 + \|\sigma\|_2)^2`; isotropic noise (:meth:`isotropic_noise`) has
    :math:`\|\sigma\|_1 = \sqrt d\,\sigma` and removes the gain once it dominates.

    Parameters
    ----------
    scales : tuple of float
        :math:`a_i \in (0, \infty)`.
    x0 : tuple of float
        The starting point.
    """

    scales: tuple[float, ...]
    x0: tuple[float, ...]
    name: str = field(default="coordinate_scale", init=False)

    def __post_init__(self) -> None:
        a = as_vector("scales", self.scales)
        check_positive("scales", np.asarray(a))
        object.__setattr__(self, "scales", a)
        object.__setattr__(self, "x0", as_vector("x0", self.x0, len(a)))

    @property
    def dim(self) -> int:
        return len(self.scales)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        a, x0 = np.asarray(self.scales), np.asarray(self.x0)
        return O2NCConstants(
            G=float(np.linalg.norm(a)),
            G_coords=self.scales,
            L=float(a.max()),
            H=float(a.max()),
            f_star=0.0,
            x_star=(0.0,) * self.dim,
            delta_F=float(np.sum(a * (1.0 - np.cos(x0)))),
            region_radius=None,
            smooth=True,
        )

    def proportional_noise(self, sigma: float) -> GaussianNoise:
        r"""Noise of total level ``sigma`` with :math:`\sigma_i = \sigma a_i/\|a\|_2`."""
        check_positive("sigma", sigma, allow_zero=True)
        a = np.asarray(self.scales)
        return GaussianNoise(tuple((float(sigma) * a / np.linalg.norm(a)).tolist()))

    def isotropic_noise(self, sigma: float) -> GaussianNoise:
        r"""Noise of total level ``sigma`` with :math:`\sigma_i = \sigma/\sqrt d`."""
        return isotropic_noise(sigma, self.dim)

    def params(self) -> dict[str, Any]:
        return {"scales": list(self.scales), "x0": list(self.x0)}

    def value(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        # 1 - cos u = 2 sin^2(u/2) keeps relative accuracy near the minimum
        s = xp.sin(0.5 * x)
        return (2.0 * xp.asarray(self.scales) * s * s).sum(axis=1)

    def grad(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return xp.asarray(self.scales) * xp.sin(x)

    def hessian(self, x: Any) -> Any:
        check_batch(x, self.dim)
        xp = array_namespace(x)
        return (xp.asarray(self.scales) * xp.cos(x))[:, :, None] * xp.eye(self.dim)[None]


def coordinate_scale(scales: Any, *, x0: Any = None) -> CoordinateScale:
    """See :class:`CoordinateScale`; default ``x0_i = 2`` (where :math:`\\varphi'' < 0`)."""
    a = as_vector("scales", np.atleast_1d(np.asarray(scales, dtype=np.float64)))
    start = (2.0,) * len(a) if x0 is None else as_vector("x0", x0, len(a))
    return CoordinateScale(a, start)


def spiky_scales(
    dim: int,
    *,
    kind: str = "one",
    ratio: float = 1e-3,
    n_spikes: int = 1,
    power: float = 2.0,
    norm: float = 1.0,
) -> tuple[float, ...]:
    r"""Spiky scales, normalised to :math:`\|a\|_2` = ``norm`` for every d.

    Parameters
    ----------
    dim : int
        :math:`d \ge 1`.
    kind : {"one", "power"}
        ``"one"``: ``n_spikes`` entries 1 and the rest ``ratio`` (before normalising);
        ``"power"``: :math:`a_i \propto i^{-p}`, p = ``power``.
    ratio : float
        Small-to-large ratio in (0, 1] for ``kind="one"``.
    n_spikes : int
        Number of large entries, in [1, dim], for ``kind="one"``.
    power : float
        Decay exponent in (0, inf) for ``kind="power"``.
    norm : float
        :math:`\|a\|_2` in (0, inf); with ``norm`` fixed, G is the same for every d.
    """
    dim = check_int("dim", dim, minimum=1)
    check_choice("kind", kind, ("one", "power"))
    check_positive("norm", norm)
    if kind == "one":
        check_interval("ratio", ratio, 0.0, 1.0, low_closed=False, high_closed=True)
        n_spikes = check_int("n_spikes", n_spikes, minimum=1)
        if n_spikes > dim:
            raise ValueError(f"n_spikes must lie in [1, dim = {dim}]; got {n_spikes}")
        a = np.full(dim, float(ratio))
        a[:n_spikes] = 1.0
    else:
        check_positive("power", power)
        a = np.arange(1, dim + 1, dtype=np.float64) ** (-float(power))
    return tuple((float(norm) * a / np.linalg.norm(a)).tolist())


def flat_scales(dim: int, *, norm: float = 1.0) -> tuple[float, ...]:
    r"""Flat scales :math:`a_i = \text{norm}/\sqrt d`, so :math:`\|a\|_2` = ``norm`` for every d."""
    dim = check_int("dim", dim, minimum=1)
    check_positive("norm", norm)
    return (float(norm) / math.sqrt(dim),) * dim


def coordinate_gain(values: Any) -> float:
    r""":math:`\sqrt d\,\|v\|_2/\|v\|_1 \in [1, \sqrt d]` for a non-negative, nonzero vector v.

    The squared gain is the factor by which the coordinate-wise bound :math:`\|v\|_1^2` improves
    on the global :math:`d\|v\|_2^2` (v = G_coords, or G_coords + sigma_coords).
    """
    v = np.asarray(as_vector("values", values))
    check_positive("values", v, allow_zero=True)
    if not np.any(v > 0):
        raise ValueError("values must have a positive entry")
    return float(math.sqrt(v.size) * np.linalg.norm(v) / np.sum(v))


@dataclass(frozen=True)
class CoordinateInstance:
    r"""A :class:`CoordinateScale` problem with per-coordinate Gaussian noise and its constants.

    The oracle is :math:`g_i = a_i\sin y_i + \sigma_i z_i`, :math:`z \sim N(0, I)`. Constants
    (exact): :math:`G_i = a_i` (:math:`\sup|a_i\sin u|`), :math:`H_i = a_i` (the third
    derivative :math:`a_i\sin u` is diagonal), :math:`\sigma_i` as given,
    :math:`\Delta_F = \sum_i a_i(1-\cos x_{0,i})`, and the start measure
    :math:`\|\nabla F(x_0)\|_1 = \sum_i a_i|\sin x_{0,i}|` (exact, so a target below it is
    certified not met at the start).

    Parameters
    ----------
    problem : CoordinateScale
        The scales :math:`a` and the start :math:`x_0`.
    sigma_coords : tuple of float
        :math:`\sigma_i \in [0, \infty)`, length d.
    kind : str
        A label (``"spiky"``, ``"flat"`` or ``"custom"``).
    """

    problem: CoordinateScale
    sigma_coords: tuple[float, ...]
    kind: str = "custom"

    def __post_init__(self) -> None:
        if not isinstance(self.problem, CoordinateScale):
            raise TypeError(f"problem must be a CoordinateScale; got {type(self.problem).__name__}")
        s = as_vector("sigma_coords", self.sigma_coords, self.problem.dim)
        check_positive("sigma_coords", np.asarray(s), allow_zero=True)
        object.__setattr__(self, "sigma_coords", s)

    @property
    def dim(self) -> int:
        return self.problem.dim

    @property
    def G_coords(self) -> tuple[float, ...]:
        """:math:`G_i = a_i`."""
        return self.problem.scales

    @property
    def H_coords(self) -> tuple[float, ...]:
        r""":math:`H_i = \sup|\partial_i^3F| = a_i`."""
        return self.problem.scales

    @property
    def delta_F(self) -> float:
        r""":math:`\Delta_F = F(x_0) - 0`."""
        return self.problem.o2nc_constants.delta_F

    @property
    def start_l1(self) -> float:
        """:math:`\\|\nabla F(x_0)\\|_1`, exact."""
        a, x0 = np.asarray(self.problem.scales), np.asarray(self.problem.x0)
        return float(np.sum(a * np.abs(np.sin(x0))))

    def certify(self, target: float) -> float:
        """Return ``target`` if the start is certified above it (``start_l1 > target > 0``);
        raise ValueError otherwise (a target the start meets would make the check vacuous)."""
        if not (math.isfinite(target) and target > 0):
            raise ValueError(f"target must be a finite number in (0, inf); got {target!r}")
        if not self.start_l1 > target:
            raise ValueError(
                f"target must lie in (0, {self.start_l1:.6g}) (the start's exact l1 measure);"
                f" got {target!r}"
            )
        return float(target)

    def params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "scales": list(self.problem.scales),
            "x0": list(self.problem.x0),
            "sigma_coords": list(self.sigma_coords),
        }


def coordinate_instance(
    dim: int,
    *,
    kind: str = "spiky",
    noise_ratio: float = 0.5,
    noise: str = "proportional",
    x0: float = 2.0,
) -> CoordinateInstance:
    r"""The instances of the COORD claim: scales :math:`a_i \propto 1/i` (``"spiky"``,
    :func:`spiky_scales` with ``kind="power"``, power 1) or :func:`flat_scales`, both with
    :math:`\|a\|_2 = 1`, start :math:`x_{0,i}` = ``x0``, and per-coordinate noise of total
    level :math:`\|\sigma\|_2` = ``noise_ratio``: ``"proportional"``,
    :math:`\sigma_i` = ``noise_ratio`` :math:`\cdot a_i` (spiky noise for spiky scales, which
    leaves the predicted advantage unchanged), or ``"isotropic"``,
    :math:`\sigma_i` = ``noise_ratio`` :math:`/\sqrt d` (which shrinks it).

    Parameters
    ----------
    dim : int
        d >= 1.
    kind : {"spiky", "flat"}
    noise_ratio : float
        :math:`\|\sigma\|_2/\|a\|_2 \in [0, \infty)`.
    noise : {"proportional", "isotropic"}
    x0 : float
        Start coordinate in :math:`(0, \pi)` (so every :math:`\sin x_{0,i} > 0`).
    """
    dim = check_int("dim", dim, minimum=1)
    check_choice("kind", kind, ("spiky", "flat"))
    check_choice("noise", noise, ("proportional", "isotropic"))
    check_positive("noise_ratio", noise_ratio, allow_zero=True)
    check_interval("x0", x0, 0.0, math.pi, low_closed=False, high_closed=False)
    a = spiky_scales(dim, kind="power", power=1.0) if kind == "spiky" else flat_scales(dim)
    problem = coordinate_scale(a, x0=(float(x0),) * dim)
    if noise == "proportional":
        sigma = tuple(float(noise_ratio) * v for v in a)
    else:
        sigma = (float(noise_ratio) / math.sqrt(dim),) * dim
    label = kind if noise == "proportional" else f"{kind}, isotropic noise"
    return CoordinateInstance(problem, sigma, label)
