r"""Batched Adam on the one-big-gradient counterexample (docs/theory §3): sweeps and drift chains.

Two workloads, each with a plain NumPy reference (this module) and fused fast paths with the
same results (:mod:`adamtheory.kernels.fused`):

* :func:`sweep_reference` — full scalar Adam runs, one per (β1, β2[, seed]) grid point, on
  :math:`f = \frac1n\sum f_i` of docs/theory §3.1, storing per-trajectory summaries only and a
  classification by the rule below;
* :func:`drift_chain_reference` — only the (m, v) chain of the linear region (gradients r and
  -1), whose per-epoch sum of :math:`u = m/\sqrt v` estimates the drift μ of docs/theory §3.2.

Classification rule (fixed; docs/theory §5). Let :math:`d_k = |x_k - x^*|` at the end of epoch k
(:math:`x^* = -2`), :math:`\eta` the base step, K the number of epochs, ρ = 0.2 and
:math:`S = \sum_{k=\lfloor K/2\rfloor+1}^{K}\eta_k` the step-size mass of the second half.

* **diverged**: a non-finite iterate or :math:`|x| > 10^{100}` (overflow is a result, never a
  NaN); or, at the end, the iterate is outside the ball growing like √k,
  :math:`d_K > d_0 + 1 + \rho\,\eta\sqrt{K}`, **and** still receding with a fitted drift
  above ρ/2: :math:`d_K - d_{\lfloor K/2\rfloor} > (\rho/2)\,S` (an epoch moves x by about
  :math:`-\eta_k\mu`, so this reads :math:`|\hat\mu| > \rho/2`). ``diverged_at`` is the
  epoch after the last one that ended inside the ball;
* **converged**: not diverged and :math:`d_K \le \mathrm{tol}\cdot\max(1, d_0)` (tol = 0.05);
* **undecided**: neither (e.g. a large early excursion still returning, or a drift too small to
  show in K epochs);
* **non-finite gradient** (:data:`NONFINITE_GRADIENT`, only where gradients come from a
  callable: :mod:`adamtheory.kernels.finite_sum`): the oracle returned NaN/inf at a finite
  iterate; the trajectory is frozen there, its step recorded in ``nonfinite_at``, and it is
  neither diverged nor decided (:mod:`adamtheory.kernels.nonfinite`). The gradients of this
  module are analytic and finite, so it never occurs here.

The per-step part of the rule is :func:`mark_step`, shared by this module's reference and the
finite-sum sweep; the fused Numba/CUDA kernels inline the same test without the gradient check.

Both conditions are needed: with bias correction the first epoch can carry x about n·η away
(each of the n-1 small gradients moves it by ≈ η), which a ball test alone would call
divergence although the drift brings it back.

The sampling streams are those of :mod:`adamtheory.kernels.sampling`. A grid point gives the
same numbers, bit for bit, here and in the fused kernels. :func:`adamtheory.run` uses the same
streams, but its Adam computes β^t with ``pow`` where this module multiplies, so each step may
differ in the last ulp: without bias correction the two agree exactly, with it they agree to
round-off, which the dynamics can amplify over long runs near x* (found by the kernel tests).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .._validate import check_choice, check_int, check_interval, check_positive
from . import adam_core as ac
from .adam_core import CONVERGED, DIVERGED, OVERFLOW, UNDECIDED, X_STAR, adam_direction
from .nonfinite import NONFINITE_GRADIENT
from .sampling import SAMPLING_CHOICES, STREAM_SAMPLING, epoch_permutations, uniforms

__all__ = [
    "adam_direction",
    "CONVERGED",
    "DIVERGED",
    "NONFINITE_GRADIENT",
    "OVERFLOW",
    "UNDECIDED",
    "X_STAR",
    "ChainConfig",
    "SweepConfig",
    "classify_end",
    "drift_chain_reference",
    "inside_ball",
    "mark_step",
    "sweep_reference",
]

# DIVERGED, UNDECIDED, CONVERGED, OVERFLOW, X_STAR and adam_direction are defined once, in
# adam_core, and re-exported here for the modules that import them from this one.


@dataclass(frozen=True)
class SweepConfig:
    """Everything but the grid for a direct sweep on the one-big-gradient problem.

    Attributes
    ----------
    n, a : problem (docs/theory §3.1); ``a=1`` gives r = n.
    epochs : K, the number of epochs of n steps.
    lr : base step η; the schedule is ``"inv_sqrt_epoch"`` (η/√k, Z22) or ``"constant"``.
    sampling : ``"shuffle"``, ``"iid"`` or ``"cyclic"``.
    eps, bias_correction : Adam's ε and bias correction (Z22's Adam: ε = 0, bias-corrected).
    x0 : start (x0 > -2 diverges to +∞, x0 < -2 to -∞ when μ < 0).
    rho, conv_tol : classification constants (module docstring).
    seed : root seed of the sampling streams.
    """

    n: int
    epochs: int
    a: float = 1.0
    lr: float = 1.0
    sampling: str = "shuffle"
    schedule: str = "inv_sqrt_epoch"
    eps: float = 0.0
    bias_correction: bool = True
    x0: float = 0.0
    rho: float = 0.2
    conv_tol: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("n", self.n, minimum=2)
        check_int("epochs", self.epochs, minimum=2)
        check_positive("a", self.a)
        check_positive("lr", self.lr)
        check_choice("sampling", self.sampling, SAMPLING_CHOICES)
        check_choice("schedule", self.schedule, ("inv_sqrt_epoch", "constant"))
        check_positive("eps", self.eps, allow_zero=True)
        check_positive("rho", self.rho)
        check_positive("conv_tol", self.conv_tol)
        check_int("seed", self.seed, minimum=0)
        if not np.isfinite(self.x0):
            raise ValueError("x0 must be finite")

    @property
    def c(self) -> float:
        return 1.0 + (self.n - 1) * self.a

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_grid(beta1: Any, beta2: Any) -> tuple[np.ndarray, np.ndarray]:
    """Flattened float64 (β1, β2) arrays of equal length, each in [0, 1)."""
    b1 = np.ascontiguousarray(np.asarray(beta1, dtype=np.float64).ravel())
    b2 = np.ascontiguousarray(np.asarray(beta2, dtype=np.float64).ravel())
    if b1.shape != b2.shape:
        raise ValueError(
            f"beta1 and beta2 must have the same number of points; got {b1.size} and {b2.size}"
        )
    check_interval("beta1", b1, 0.0, 1.0)
    check_interval("beta2", b2, 0.0, 1.0)
    return b1, b2


def check_keys(keys: Any, size: int) -> np.ndarray:
    """Per-trajectory stream keys: a uint64 array of shape ``(size,)``."""
    if not isinstance(keys, np.ndarray) or keys.dtype != np.uint64:
        raise TypeError(
            "keys must be a uint64 NumPy array from trajectory_keys(); got "
            f"{type(keys).__name__} of dtype {getattr(keys, 'dtype', None)}"
        )
    if keys.shape != (size,):
        raise ValueError(f"keys must have shape ({size},); got {keys.shape}")
    return np.ascontiguousarray(keys)


def check_config(config: Any, kind: type) -> None:
    """TypeError unless ``config`` is a ``kind`` instance."""
    if not isinstance(config, kind):
        raise TypeError(f"config must be a {kind.__name__}; got {type(config).__name__}")


def _epoch_indices(cfg_sampling: str, keys: np.ndarray, epoch: int, n: int) -> np.ndarray:
    """(B, n) component indices for one epoch (0-based ``epoch``)."""
    if cfg_sampling == "cyclic":
        return np.broadcast_to(np.arange(n), (keys.size, n))
    if cfg_sampling == "shuffle":
        return epoch_permutations(keys, epoch, n)
    steps = np.arange(epoch * n, (epoch + 1) * n, dtype=np.uint64)
    u = uniforms(keys, steps, STREAM_SAMPLING)
    return np.minimum((u * n).astype(np.int64), n - 1)


def inside_ball(
    dist: np.ndarray, d0: float, rho: float, lr: float, epochs_done: float
) -> np.ndarray:
    r"""Whether :math:`d_k \le d_0 + 1 + \rho\,\eta\sqrt{k}` after ``epochs_done`` = k epochs
    (the ball of the classification rule in the module docstring)."""
    return dist <= ac.ball_radius(d0, rho, lr, epochs_done)


def mark_step(
    status: np.ndarray,
    diverged_at: np.ndarray,
    alive: np.ndarray,
    bad_x: np.ndarray,
    epoch: int,
    *,
    bad_g: np.ndarray | None = None,
    nonfinite_at: np.ndarray | None = None,
    step: int = 0,
) -> np.ndarray:
    r"""Per-step part of the classification rule (module docstring), in place; the new ``alive``.

    A live trajectory whose gradient was non-finite at this step (``bad_g``) gets
    :data:`NONFINITE_GRADIENT` and ``nonfinite_at = step``; one whose new iterate is not finite
    or overflows (``bad_x``) gets :data:`DIVERGED` and ``diverged_at = epoch`` (the gradient
    test comes first: a NaN gradient makes the iterate NaN too). Both are frozen (the caller
    keeps their last iterate where the returned mask is False).
    """
    if bad_g is not None:
        hit = alive & bad_g
        status[hit] = NONFINITE_GRADIENT
        nonfinite_at[hit] = step
        alive = alive & ~bad_g
    newly = alive & bad_x
    status[newly] = DIVERGED
    diverged_at[newly] = epoch
    return alive & ~bad_x


def classify_end(
    status: np.ndarray,
    diverged_at: np.ndarray,
    alive: np.ndarray,
    last_inside: np.ndarray,
    final_dist: np.ndarray,
    half_dist: np.ndarray,
    half_mass: float,
    *,
    epochs: int,
    d0: float,
    rho: float,
    conv_tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    r"""End-of-run part of the classification rule (module docstring); returns new arrays.

    Parameters
    ----------
    status, diverged_at : ndarray of int64, shape (B,)
        After the run: :data:`DIVERGED` where an iterate overflowed,
        :data:`NONFINITE_GRADIENT` where the gradient was non-finite, else :data:`UNDECIDED`
        (only undecided runs are reclassified).
    alive : ndarray of bool
        False where the iterate overflowed or the gradient was non-finite (frozen).
    last_inside : ndarray of int64
        The last epoch that ended inside the ball (:func:`inside_ball`), 0 if none.
    final_dist, half_dist : ndarray
        :math:`d_K` and :math:`d_{\lfloor K/2\rfloor}`.
    half_mass : float
        :math:`S = \sum_{k=\lfloor K/2\rfloor+1}^{K}\eta_k`.
    epochs, d0, rho, conv_tol : K, :math:`d_0`, ρ and tol of the rule.

    Returns
    -------
    (status, diverged_at) : new arrays (the inputs are not modified).
    """
    return ac.end_status(
        np.asarray(status),
        np.asarray(diverged_at),
        alive,
        last_inside,
        final_dist,
        half_dist,
        half_mass,
        epochs,
        d0,
        rho,
        conv_tol,
    )


def sweep_reference(
    beta1: Any, beta2: Any, cfg: SweepConfig, keys: np.ndarray, *, on_slice: Any = None
) -> dict:
    """Vectorised NumPy reference of the direct sweep (one trajectory per grid point).

    Parameters
    ----------
    beta1, beta2 : array_like
        Grid points (flattened to length B).
    cfg : SweepConfig
    keys : ndarray of uint64, shape (B,)
        Per-trajectory stream keys from :func:`adamtheory.kernels.trajectory_keys`.
    on_slice : callable, optional
        Called with 1 after each epoch (progress bars; the fused kernels call it per slice).

    Returns
    -------
    dict of ndarray, each of shape (B,)
        ``status`` (1 diverged, 0 undecided, -1 converged), ``diverged_at`` (epoch, -1 if
        never), ``x_final``, ``x_half`` (end of epoch K//2), ``max_abs_x``,
        ``min_grad_norm`` (min over epoch ends of :math:`|\\nabla f|`).
    """
    check_config(cfg, SweepConfig)
    b1, b2 = check_grid(beta1, beta2)
    keys = check_keys(keys, b1.size)
    B, n, K = b1.size, cfg.n, cfg.epochs
    c, a = cfg.c, cfg.a
    x = np.full(B, float(cfg.x0))
    m = np.zeros(B)
    v = np.zeros(B)
    d0 = abs(cfg.x0 - X_STAR)
    alive = np.ones(B, dtype=bool)
    status = np.zeros(B, dtype=np.int64)
    diverged_at = np.full(B, -1, dtype=np.int64)
    x_half = np.zeros(B)
    max_abs_x = np.abs(x)
    min_grad = np.full(B, np.inf)
    last_inside = np.zeros(B, dtype=np.int64)
    half_mass = 0.0
    # beta^t by repeated multiplication (not pow): bit-identical in NumPy, Numba and CUDA
    b1t = np.ones(B)
    b2t = np.ones(B)
    with np.errstate(all="ignore"):
        for epoch in range(K):
            idx = _epoch_indices(cfg.sampling, keys, epoch, n)
            eta = cfg.lr / np.sqrt(epoch + 1.0) if cfg.schedule == "inv_sqrt_epoch" else cfg.lr
            for p in range(n):
                b1t = ac.advance_power(b1t, b1)
                b2t = ac.advance_power(b2t, b2)
                slope = np.where(x >= -1.0, 1.0, x + 2.0)
                g = np.where(idx[:, p] == 0, c, -a) * slope
                x_new, m, v, _ = ac.adam_step(
                    x, m, v, 0.0, g, b1, b2, b1t, b2t, eta, cfg.eps, cfg.bias_correction, 0
                )
                bad = ~ac.finite_bounded(x_new)
                alive = mark_step(status, diverged_at, alive, bad, epoch + 1)
                x = np.where(alive, x_new, x)
            if epoch + 1 > K // 2:
                half_mass += eta
            dist = np.abs(x - X_STAR)
            grad = np.abs(np.where(x >= -1.0, 1.0, x + 2.0)) / n
            min_grad = np.minimum(min_grad, grad)
            max_abs_x = np.maximum(max_abs_x, np.abs(x))
            inside = inside_ball(dist, d0, cfg.rho, cfg.lr, epoch + 1.0)
            last_inside = np.where(inside, epoch + 1, last_inside)
            if epoch + 1 == K // 2:
                x_half = x.copy()
            if on_slice is not None:
                on_slice(1)
    final_dist = np.abs(x - X_STAR)
    status, diverged_at = classify_end(
        status,
        diverged_at,
        alive,
        last_inside,
        final_dist,
        np.abs(x_half - X_STAR),
        half_mass,
        epochs=K,
        d0=d0,
        rho=cfg.rho,
        conv_tol=cfg.conv_tol,
    )
    return {
        "status": status,
        "diverged_at": diverged_at,
        "x_final": x,
        "x_half": x_half,
        "max_abs_x": max_abs_x,
        "min_grad_norm": min_grad,
    }


@dataclass(frozen=True)
class ChainConfig:
    """The drift chain: n, ratio r, sampling, burn-in and measured epochs, chains per point."""

    n: int
    r: float
    sampling: str = "shuffle"
    burn_in: int = 200
    epochs: int = 400
    chains: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("n", self.n, minimum=2)
        check_positive("r", self.r)
        check_choice("sampling", self.sampling, SAMPLING_CHOICES)
        check_int("burn_in", self.burn_in, minimum=0)
        check_int("epochs", self.epochs, minimum=1)
        check_int("chains", self.chains, minimum=2)
        check_int("seed", self.seed, minimum=0)


def drift_chain_reference(beta1: Any, beta2: Any, cfg: ChainConfig, keys: np.ndarray) -> np.ndarray:
    r"""Per-chain mean per-epoch drift :math:`\frac1K\sum_k\sum_{i<n} m/\sqrt v` (NumPy).

    ``keys`` has one key per (point, chain), shape (B·chains,), point-major. Returns an array
    of shape (B, chains): independent estimates, whose mean and spread give the estimate of
    μ and its confidence interval. ε = 0 and no bias correction (the stationary chain).
    """
    check_config(cfg, ChainConfig)
    b1, b2 = check_grid(beta1, beta2)
    b1 = np.repeat(b1, cfg.chains)
    b2 = np.repeat(b2, cfg.chains)
    keys = check_keys(keys, b1.size)
    n = cfg.n
    m = np.zeros(b1.size)
    v = np.zeros(b1.size)
    total = np.zeros(b1.size)
    with np.errstate(all="ignore"):
        for epoch in range(cfg.burn_in + cfg.epochs):
            idx = _epoch_indices(cfg.sampling, keys, epoch, n)
            for p in range(n):
                g = np.where(idx[:, p] == 0, cfg.r, -1.0)
                m, v = ac.adam_moments(m, v, g, b1, b2)
                if epoch >= cfg.burn_in:
                    total += ac.adam_direction(m, v, 1.0, 1.0, False, 0.0)
    return (total / cfg.epochs).reshape(-1, cfg.chains)
