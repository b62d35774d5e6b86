r"""Shared types for the O2NC test problems: exact constants and additive noise of known σ.

The online-to-nonconvex conversion bounds (docs/theory §4) need :math:`G`, :math:`\sigma`,
:math:`\Delta_F` and, for the gradient-norm corollaries, :math:`L` or :math:`H`. Every O2NC test
problem returns them as an :class:`O2NCConstants`; noise is kept separate from the problem
(:class:`GaussianNoise`) so a conversion kernel can pair any problem with any noise level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_int, check_positive

__all__ = ["GaussianNoise", "O2NCConstants", "isotropic_noise"]


@dataclass(frozen=True)
class O2NCConstants:
    r"""Exact (closed-form) or certified constants of an O2NC test problem.

    Attributes
    ----------
    G : float
        :math:`\sup \|\nabla F(x)\|_2` over the region (all of :math:`\mathbb{R}^d` unless
        ``region_radius`` is set). A supremum; it need not be attained.
    G_coords : tuple of float
        :math:`\sup |\partial_i F(x)|` for each coordinate over the same region. The suprema
        may sit at different points, so :math:`\|G_{\mathrm{coords}}\|_2 \ge G` in general.
    L : float or None
        Smoothness, :math:`\sup \|\nabla^2 F(x)\|_{\mathrm{op}}`; ``None`` if F is not smooth.
    H : float or None
        Lipschitz constant of the Hessian in operator norm,
        :math:`\|\nabla^2F(x) - \nabla^2F(y)\|_{\mathrm{op}} \le H\|x - y\|_2`; ``None`` if F is
        not twice differentiable.
    f_star : float
        :math:`\inf F` over :math:`\mathbb{R}^d`.
    x_star : tuple of float or None
        A point with :math:`F(x^\star) = f^\star`, or ``None`` if the infimum is not attained.
    delta_F : float
        :math:`\Delta_F = F(x_0) - f^\star`.
    region_radius : float or None
        ``None`` when G, G_coords, L and H hold on all of :math:`\mathbb{R}^d`. Otherwise the
        :math:`\ell_\infty` radius R of the box :math:`\{x : \|x - x_0\|_\infty \le R\}` on which
        they hold; a claim that uses them must check that every query point stays in that box.
    smooth : bool
        Whether F is continuously differentiable with an L-Lipschitz gradient.
    curvature_global : bool
        Whether L and H hold on all of :math:`\mathbb{R}^d` even when ``region_radius`` is set
        (a quadratic: its gradient is unbounded, so G needs the box, but L and H = 0 do not).
        docs/theory §2's lower estimates need global L or H.
    """

    G: float
    G_coords: tuple[float, ...]
    L: float | None
    H: float | None
    f_star: float
    x_star: tuple[float, ...] | None
    delta_F: float
    region_radius: float | None
    smooth: bool
    curvature_global: bool = False

    def __post_init__(self) -> None:
        check_positive("G", self.G, allow_zero=True)
        check_positive("G_coords", np.asarray(self.G_coords, dtype=np.float64), allow_zero=True)
        for name in ("L", "H", "region_radius"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name), allow_zero=True)
        if self.delta_F < 0 or not math.isfinite(self.delta_F):
            raise ValueError(f"delta_F must be finite and in [0, inf); got {self.delta_F:g}")
        if self.smooth and self.L is None:
            raise ValueError("a smooth problem must state L")


@dataclass(frozen=True)
class GaussianNoise:
    r"""Additive Gaussian gradient noise :math:`\xi \sim N(0, \mathrm{diag}(\sigma_i^2))`.

    The oracle returns :math:`g = \nabla F(y) + \xi`; the total level is
    :math:`\sigma = \|\sigma_{\mathrm{coords}}\|_2`, so :math:`\mathbb{E}\|\xi\|_2^2 = \sigma^2`
    exactly (the docs/theory §4 assumption :math:`\mathbb{E}\|g - \nabla F\|^2 \le \sigma^2` with
    equality), and :math:`\sigma_i` is the per-coordinate level of the coordinate-wise bounds.

    Parameters
    ----------
    sigma_coords : tuple of float
        Per-coordinate standard deviations, each in :math:`[0, \infty)`; zero means noise-free.
    """

    sigma_coords: tuple[float, ...]

    def __post_init__(self) -> None:
        s = np.atleast_1d(np.asarray(self.sigma_coords, dtype=np.float64))
        if s.ndim != 1 or s.size < 1:
            raise ValueError(f"sigma_coords must be a non-empty 1-D sequence; got shape {s.shape}")
        check_positive("sigma_coords", s, allow_zero=True)
        object.__setattr__(self, "sigma_coords", tuple(s.tolist()))

    @property
    def dim(self) -> int:
        return len(self.sigma_coords)

    @property
    def sigma(self) -> float:
        """Total level :math:`\\|\\sigma_{\\mathrm{coords}}\\|_2`."""
        return float(np.linalg.norm(np.asarray(self.sigma_coords)))

    def params(self) -> dict[str, Any]:
        return {"kind": "gaussian", "sigma_coords": list(self.sigma_coords)}

    def sample(self, rng: np.random.Generator, shape: Any) -> np.ndarray:
        """Draw noise of the given ``shape`` (last axis = ``dim``) as a host float64 array.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness (seeded by the caller).
        shape : int or tuple of int
            Output shape; its last entry must equal ``dim``. An int ``B`` means ``(B, dim)``.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
        shape = (int(shape), self.dim) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if len(shape) < 1 or shape[-1] != self.dim:
            raise ValueError(f"shape must end with dim = {self.dim}; got {shape}")
        return rng.standard_normal(shape) * np.asarray(self.sigma_coords)


def isotropic_noise(sigma: float, dim: int) -> GaussianNoise:
    r"""Isotropic noise of total level ``sigma``: :math:`\sigma_i = \sigma/\sqrt{d}` each.

    Parameters
    ----------
    sigma : float
        Total level in :math:`[0, \infty)`; :math:`\mathbb{E}\|\xi\|^2 = \sigma^2`.
    dim : int
        Dimension :math:`d \ge 1`.
    """
    check_positive("sigma", sigma, allow_zero=True)
    dim = check_int("dim", dim, minimum=1)
    return GaussianNoise((float(sigma) / math.sqrt(dim),) * dim)


# Helpers shared by the O2NC problem modules (not exported).


def as_vector(name: str, value: Any, dim: int | None = None) -> tuple[float, ...]:
    """A finite 1-D float tuple (scalars are broadcast to ``dim`` when it is given)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0 and dim is not None:
        arr = np.full(dim, float(arr))
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D sequence; got shape {arr.shape}")
    if dim is not None and arr.size != dim:
        raise ValueError(f"{name} must have length dim = {dim}; got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return tuple(arr.tolist())


def check_batch(x: Any, dim: int) -> None:
    """Require a point batch of shape (B, dim)."""
    if getattr(x, "ndim", None) != 2 or x.shape[1] != dim:
        raise ValueError(f"x must have shape (B, {dim}); got {getattr(x, 'shape', type(x))}")


def log_cosh(xp: Any, z: Any) -> Any:
    """:math:`\\log\\cosh z` without overflow: :math:`|z| + \\log(1 + e^{-2|z|}) - \\log 2`."""
    a = xp.abs(z)
    return a + xp.log1p(xp.exp(-2.0 * a)) - math.log(2.0)


def sech(xp: Any, z: Any) -> Any:
    """:math:`1/\\cosh z = 2e^{-|z|}/(1 + e^{-2|z|})` without overflow."""
    e = xp.exp(-xp.abs(z))
    return 2.0 * e / (1.0 + e * e)
