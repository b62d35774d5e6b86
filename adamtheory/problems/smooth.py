r"""Smooth test functions with exact gradients and constants (for the O2NC checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .._validate import check_positive
from .base import ProblemConstants
from .o2nc_base import O2NCConstants

__all__ = ["CosineLandscape", "cosine_landscape"]


@dataclass(frozen=True)
class CosineLandscape:
    r"""A Lipschitz, smooth, nonconvex landscape :math:`F(x) = \sum_i \cos(a_i x_i)/a_i`.

    :math:`\partial_i F = -\sin(a_i x_i)`, so :math:`|\partial_i F| \le 1` (G = √d),
    :math:`\|\nabla^2 F\| \le \max_i a_i` (L), and :math:`\inf F = -\sum_i 1/a_i`, attained at
    :math:`x_i = \pi/a_i`.

    O2NC constants (:attr:`o2nc_constants`, exact and attained): :math:`G_i = 1`,
    :math:`G = \sqrt d` (at :math:`x_i = \pi/(2a_i)`); :math:`L = \max_i a_i`; the third-derivative
    tensor is diagonal with entries :math:`a_i^2\sin(a_i x_i)`, so :math:`H = \max_i a_i^2`;
    :math:`\Delta_F = F(0) - f^\star = 2\sum_i 1/a_i`.
    """

    frequencies: tuple[float, ...]
    name: str = field(default="cosine_landscape", init=False)
    domain: None = field(default=None, init=False)

    def __post_init__(self) -> None:
        a = np.asarray(self.frequencies, dtype=np.float64)
        if a.ndim != 1 or a.size < 1:
            raise ValueError("frequencies must be a non-empty 1-D sequence")
        check_positive("frequencies", a)
        object.__setattr__(self, "frequencies", tuple(a.tolist()))

    @property
    def dim(self) -> int:
        return len(self.frequencies)

    @property
    def x0(self) -> tuple[float, ...]:
        return (0.0,) * self.dim

    @property
    def constants(self) -> ProblemConstants:
        a = np.asarray(self.frequencies)
        return ProblemConstants(
            L=float(a.max()),
            G=float(np.sqrt(a.size)),
            D0=None,
            D1=None,
            x_star=tuple((np.pi / a).tolist()),
            f_star=float(-np.sum(1.0 / a)),
        )

    @property
    def o2nc_constants(self) -> O2NCConstants:
        a = np.asarray(self.frequencies)
        f_star = float(-np.sum(1.0 / a))
        return O2NCConstants(
            G=float(np.sqrt(a.size)),
            G_coords=(1.0,) * a.size,
            L=float(a.max()),
            H=float(a.max() ** 2),
            f_star=f_star,
            x_star=tuple((np.pi / a).tolist()),
            delta_F=float(self.value(np.asarray(self.x0)[None])[0]) - f_star,
            region_radius=None,
            smooth=True,
        )

    def params(self) -> dict[str, Any]:
        return {"frequencies": list(self.frequencies)}

    def value(self, x: Any) -> Any:
        xp = array_namespace(x)
        a = xp.asarray(self.frequencies)
        return (xp.cos(a * x) / a).sum(axis=-1)

    def grad(self, x: Any) -> Any:
        xp = array_namespace(x)
        a = xp.asarray(self.frequencies)
        return -xp.sin(a * x)

    def hessian(self, x: Any) -> Any:
        r"""Exact Hessians :math:`\operatorname{diag}(-a_i\cos(a_i x_i))`, shape (B, d, d)."""
        xp = array_namespace(x)
        a = xp.asarray(self.frequencies)
        return (-a * xp.cos(a * x))[:, :, None] * xp.eye(self.dim)[None]


def cosine_landscape(frequencies: Any) -> CosineLandscape:
    """See :class:`CosineLandscape`."""
    return CosineLandscape(tuple(np.atleast_1d(np.asarray(frequencies, dtype=float)).tolist()))
