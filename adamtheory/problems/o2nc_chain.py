r"""A probabilistic zero-chain instance for the O2NC checks (docs/o2nc.md "The zero-chain
instance"; construction of Carmon et al. 2020 / Arjevani et al. 2023 with piecewise-polynomial
links of our own, constants derived in :mod:`adamtheory.theory.o2nc_chain`, ``[derived]``).

.. math::
    F(x) = \alpha\,\bar F_K(x/s),\qquad
    \bar F_K(x) = -\Psi(1)\Phi(x_1) + \sum_{i=2}^{K}\big[\Psi(-x_{i-1})\Phi(-x_i)
    - \Psi(x_{i-1})\Phi(x_i)\big].

**Oracle.** With :math:`\mathrm{prog}(x) = \max\{i : |x_i| > bs\}` (b = 1/2; 0 if none) the
frontier is coordinate :math:`f = \mathrm{prog}(x) + 1`; the stochastic gradient is the exact
gradient with :math:`\partial_f F` multiplied by :math:`z/p`, :math:`z \sim \mathrm{Bernoulli}(p)`
(unbiased, variance :math:`(1/p - 1)(\partial_f F)^2 \le \sigma^2`). z is drawn from the
counter-based stream :data:`STREAM_ORACLE` of the trajectory's key at the step's counter
(:mod:`adamtheory.kernels.sampling`), so it does not depend on the batch or its chunking.
Because :math:`\Psi = \Psi' = 0` on :math:`(-\infty, b]`, every partial beyond the frontier
is exactly 0: a method that only moves along coordinates it has seen a non-zero gradient in
(β-OMD, clipped Adam, their EMA and every O2NC conversion) reveals at most one coordinate per
successful draw.

**Constants** (:meth:`ZeroChain.o2nc_constants`, :attr:`ZeroChain.sigma`): exact
:math:`\Delta_F = \alpha(K\Phi_{\max} - \Phi(0))`, rigorous bounds :math:`G = (\alpha/s)
\sqrt{121(K-1)+1}`, :math:`\sigma = (\alpha/s)\sqrt{1/p-1}`, Hessian-Lipschitz
:math:`\rho = 128\sqrt{101}\,\alpha/s^3`; with :math:`\lambda \ge \rho/2`,
:math:`\|\nabla F(x)\|_{[\lambda]} = \|\nabla F(x)\|` exactly
(:meth:`ZeroChain.stationarity_lower`), and :math:`\|\nabla F(x)\| \ge \alpha/s` while some
:math:`|x_j| < s` (at the start it equals α/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from .._validate import check_int, check_positive
from ..kernels.sampling import uniforms
from .o2nc_base import O2NCConstants, check_batch

__all__ = [
    "STREAM_ORACLE",
    "ZeroChain",
    "chain_for_measure",
    "dphi",
    "dpsi",
    "phi",
    "psi",
    "zero_chain",
]

#: the counter stream of the oracle's Bernoulli draws (sampling and noise use 1 and 2)
STREAM_ORACLE = 3

#: Ψ = Ψ′ = 0 on (-∞, b] (theory.o2nc_chain.PSI_START): the robust zero-chain threshold
B_ZERO = 0.5
#: Φ′ falls from 1 to 0 over this width on each side of [-1, 1] (theory.o2nc_chain.PHI_WIDTH)
W = 0.5
PHI_MAX = 2.0 + W
PHI_AT_0 = 1.0 + W / 2
#: sup_x [Φ′(x) + Φ_max Ψ′(|x|)] = 1 + 2 Φ_max/(1 - b): the largest partial (unit scale)
G_COORD = 1.0 + 2.0 * PHI_MAX / (1.0 - B_ZERO)
#: Hessian-Lipschitz bound 2M of the unit chain (theory.o2nc_chain.chain_constants)
RHO_UNIT = 128.0 * math.sqrt(101.0)


def psi(x: Any) -> np.ndarray:
    """Ψ: 0 on (-∞, b], the jerk-limited ramp S((x - b)/(1 - b)) on [b, 1], 1 on [1, ∞)."""
    x = (np.asarray(x, dtype=np.float64) - B_ZERO) / (1.0 - B_ZERO)
    u = x - 0.25
    return np.select(
        [x <= 0.0, x <= 0.25, x <= 0.75, x <= 1.0],
        [0.0, 16.0 / 3.0 * x**3, 1.0 / 12.0 + u + 4.0 * u**2 - 16.0 / 3.0 * u**3,
         1.0 - 16.0 / 3.0 * (1.0 - x) ** 3],
        1.0,
    )  # fmt: skip


def dpsi(x: Any, order: int = 1) -> np.ndarray:
    """Ψ′ (order 1) or Ψ″ (order 2)."""
    x = (np.asarray(x, dtype=np.float64) - B_ZERO) / (1.0 - B_ZERO)
    u = x - 0.25
    if order == 1:
        vals = [0.0, 16.0 * x**2, 1.0 + 8.0 * u - 16.0 * u**2, 16.0 * (1.0 - x) ** 2]
    else:
        vals = [0.0, 32.0 * x, 8.0 - 32.0 * u, -32.0 * (1.0 - x)]
    out = np.select([x <= 0.0, x <= 0.25, x <= 0.75, x <= 1.0], vals, 0.0)
    return out / (1.0 - B_ZERO) ** order


def _rint(u: np.ndarray) -> np.ndarray:
    """∫_0^u R, R the C¹ ramp 2t² | 1 - 2(1-t)²."""
    return np.where(u <= 0.5, 2.0 * u**3 / 3.0, u - 0.5 + 2.0 / 3.0 * (1.0 - u) ** 3)


def phi(y: Any) -> np.ndarray:
    """Φ(y) = ∫_{-∞}^y Φ′, increasing from 0 to Φ_max = 2 + w."""
    y = np.asarray(y, dtype=np.float64)
    left = np.clip((y + 1.0 + W) / W, 0.0, 1.0)
    right = np.clip((y - 1.0) / W, 0.0, 1.0)
    return np.select(
        [y <= -1.0 - W, y <= -1.0, y <= 1.0, y <= 1.0 + W],
        [0.0, W * _rint(left), W / 2 + y + 1.0, W / 2 + 2.0 + W * (right - _rint(right))],
        PHI_MAX,
    )


def dphi(y: Any, order: int = 1) -> np.ndarray:
    """Φ′ (order 1) or Φ″ (order 2); Φ′ is even, 1 on [-1, 1], 0 beyond 1 + w."""
    y = np.asarray(y, dtype=np.float64)
    a = np.abs(y)
    v = (a - 1.0) / W
    if order == 1:
        vals = [1.0, 1.0 - 2.0 * v**2, 2.0 * (1.0 - v) ** 2]
        return np.select([a <= 1.0, a <= 1.0 + W / 2, a <= 1.0 + W], vals, 0.0)
    vals = [0.0, -4.0 * v / W, -4.0 * (1.0 - v) / W]
    return np.sign(y) * np.select([a <= 1.0, a <= 1.0 + W / 2, a <= 1.0 + W], vals, 0.0)


@dataclass(frozen=True)
class ZeroChain:
    r"""The chain :math:`F(x) = \alpha\bar F_K(x/s)` on :math:`\mathbb R^K` with the
    Bernoulli(p) frontier oracle (module docstring), started at 0.

    Parameters
    ----------
    K : int
        Links (dimension), ≥ 1.
    p : float
        Revelation probability in (0, 1].
    alpha, s : float
        Value and length scales, > 0.
    """

    K: int
    p: float
    alpha: float = 1.0
    s: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "K", check_int("K", self.K, minimum=1))
        if not (isinstance(self.p, (int, float)) and 0.0 < self.p <= 1.0):
            raise ValueError(f"p must lie in (0, 1]; got {self.p!r}")
        check_positive("alpha", self.alpha)
        check_positive("s", self.s)

    # ------------------------------------------------------------------ basic attributes
    @property
    def dim(self) -> int:
        return self.K

    @property
    def x0(self) -> tuple[float, ...]:
        return (0.0,) * self.K

    @property
    def name(self) -> str:
        return f"zero chain (K={self.K}, p={self.p:.3g})"

    @property
    def grad_scale(self) -> float:
        """α/s: the certified measure while the chain is unfinished, and ‖∇F(0)‖."""
        return self.alpha / self.s

    @property
    def rho(self) -> float:
        """Hessian-Lipschitz bound :math:`128\\sqrt{101}\\,\\alpha/s^3` (≈ 1286.4 α/s³)."""
        return RHO_UNIT * self.alpha / self.s**3

    @property
    def lam(self) -> float:
        """The smallest λ at which the measure is the gradient norm exactly (ρ/2)."""
        return self.rho / 2.0

    @property
    def sigma(self) -> float:
        """:math:`(\\alpha/s)\\sqrt{1/p - 1}`: sup of the oracle's standard deviation."""
        return self.grad_scale * math.sqrt(1.0 / self.p - 1.0)

    @property
    def G(self) -> float:
        """Rigorous :math:`\\sup\\|\\nabla F\\| \\le (\\alpha/s)\\sqrt{121(K-1)+1}`."""
        return self.grad_scale * math.sqrt((self.K - 1) * G_COORD**2 + 1.0)

    @property
    def delta_F(self) -> float:
        """:math:`F(0) - \\inf F = \\alpha(K\\Phi_{\\max} - \\Phi(0))` (exact)."""
        return self.alpha * (self.K * PHI_MAX - PHI_AT_0)

    @property
    def o2nc_constants(self) -> O2NCConstants:
        g = self.grad_scale
        coords = (G_COORD * g,) * (self.K - 1) + (g,)
        return O2NCConstants(
            G=self.G,
            G_coords=coords,
            L=None,
            H=self.rho,
            f_star=-self.alpha * self.K * PHI_MAX,
            x_star=(self.s * (1.0 + W),) * self.K,
            delta_F=self.delta_F,
            region_radius=None,
            smooth=False,
            curvature_global=True,
        )

    # ------------------------------------------------------------------ oracle
    def _unit(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        check_batch(x, self.K)
        return x / self.s

    def value(self, x: Any) -> np.ndarray:
        """F per row of a (B, K) array."""
        u = self._unit(x)
        out = -phi(u[:, 0])  # Psi(1) = 1
        for i in range(1, self.K):
            out = out + psi(-u[:, i - 1]) * phi(-u[:, i]) - psi(u[:, i - 1]) * phi(u[:, i])
        return self.alpha * out

    def grad(self, x: Any) -> np.ndarray:
        """∇F per row (all partials ≤ 0)."""
        u = self._unit(x)
        prev = np.concatenate([np.ones((u.shape[0], 1)), u[:, :-1]], axis=1)  # x_0 = 1
        g = -psi(prev) * dphi(u) - psi(-prev) * dphi(-u)
        g[:, :-1] -= dpsi(u[:, :-1]) * phi(u[:, 1:]) + dpsi(-u[:, :-1]) * phi(-u[:, 1:])
        return self.grad_scale * g

    def hessian(self, x: Any) -> np.ndarray:
        """∇²F at one point (K,), a tridiagonal (K, K) array."""
        u = np.asarray(x, dtype=np.float64).reshape(self.K) / self.s
        prev = np.concatenate([[1.0], u[:-1]])
        diag = -psi(prev) * dphi(u, 2) + psi(-prev) * dphi(-u, 2)
        diag[:-1] += -dpsi(u[:-1], 2) * phi(u[1:]) + dpsi(-u[:-1], 2) * phi(-u[1:])
        off = -dpsi(u[:-1]) * dphi(u[1:]) + dpsi(-u[:-1]) * dphi(-u[1:])
        h = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
        return self.alpha / self.s**2 * h

    def progress(self, x: Any) -> np.ndarray:
        """prog(x) = max{i : |x_i| > b s} (1-based; 0 if none), per row."""
        x = np.asarray(x, dtype=np.float64)
        check_batch(x, self.K)
        nz = np.abs(x) > B_ZERO * self.s
        return np.where(nz.any(axis=1), self.K - np.argmax(nz[:, ::-1], axis=1), 0)

    def stochastic_grad(self, x: Any, keys: np.ndarray, step: int) -> np.ndarray:
        """The oracle (module docstring) for trajectory keys ``keys`` (B,) at ``step``."""
        g = self.grad(x)
        f = self.progress(x)  # 0-based index of the frontier coordinate
        z = uniforms(np.asarray(keys, dtype=np.uint64), np.uint64(step), STREAM_ORACLE) < self.p
        rows = np.flatnonzero(f < self.K)
        g[rows, f[rows]] *= np.where(z[rows], 1.0 / self.p, 0.0)
        return g

    def stationarity_lower(self, x: Any, lam: float) -> np.ndarray:
        """The (λ, ε) measure per row: ‖∇F(x)‖ exactly when λ ≥ ρ/2 (module docstring);
        refuses smaller λ (ValueError), where the chain certifies no estimate."""
        check_positive("lam", lam)
        if lam < self.lam * (1 - 1e-12):
            raise ValueError(
                f"lam must be >= rho/2 = {self.lam:.6g} for the zero chain's exact measure; "
                f"got {lam!r}"
            )
        return np.linalg.norm(self.grad(x), axis=1)


def zero_chain(K: int, p: float, *, alpha: float = 1.0, s: float = 1.0) -> ZeroChain:
    """:class:`ZeroChain` with K links, revelation probability p and scales α, s."""
    return ZeroChain(K, float(p), float(alpha), float(s))


@cache
def chain_for_measure(K: int, p: float, measure: float, lam: float) -> ZeroChain:
    r"""The chain with K links whose certified measure α/s is ``measure`` at the smallest λ
    (ρ/2 = ``lam``): :math:`s^2 = \rho_{\rm unit}\,m/(2\lambda)`, α = m s."""
    check_positive("measure", measure)
    check_positive("lam", lam)
    s = math.sqrt(RHO_UNIT * measure / (2.0 * lam))
    return ZeroChain(int(K), float(p), measure * s, s)
