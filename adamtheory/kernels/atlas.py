r"""Long runs for the divergence atlas and R18's Section 5 examples (docs/theory §3.2-§3.3).

Every step is :func:`adamtheory.kernels.adam_core.adam_step` (no other Adam recurrence): a
NumPy reference loop over trajectories, and a Numba kernel with the same bits.

**R18 runs** (:func:`reddi_runs`). One-dimensional linear losses :math:`f_t(x) = g_t x` on
:math:`[-1, 1]` with :math:`g_t \in \{\mathrm{big}, \mathrm{small}\}`:

* ``"online"``: :math:`g_t = \mathrm{big}` iff :math:`t \bmod P = 1` (1-based t; R18: big =
  1010, small = -10, P = 101);
* ``"stochastic"``: :math:`g_t = \mathrm{big}` with probability p (R18: p = 0.01), from the
  uniform of stream :data:`~adamtheory.kernels.sampling.STREAM_SAMPLING` at counter t - 1 of
  the trajectory's key (:func:`~adamtheory.kernels.sampling.uniforms`).

Adam or AMSGrad in R18's form (no bias correction, ε = 0, AMSGrad's max on the raw v),
:math:`\eta_t = \eta/\sqrt t`, and the projection :math:`x \leftarrow \mathrm{clip}(x, -1, 1)`
after each step:

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
    \quad x_{t+1} = \Pi_{[-1,1]}\bigl(x_t - \eta_t\, m_t/\sqrt{\hat v_t}\bigr),

with :math:`\hat v_t = v_t` (Adam) or :math:`\max_{s\le t} v_s` (AMSGrad). Recorded: x and the
average regret :math:`R_t/t = \frac1t\sum_{s\le t} g_s (x_s - x^*)` against :math:`x^* = -1`
at checkpoints, and the per-period sum of the direction :math:`m_t/\sqrt{\hat v_t}` averaged
over the second half of the run (the drift μ of docs/theory §3.2 for the online pattern).

**1-D paths** (:func:`path_runs`, :func:`stationary_direction_numba`; issue #14). Fused forms
of :func:`adamtheory.kernels.run` for the one-dimensional problems of the R18 and Z22 claims,
and of :func:`adamtheory.kernels.stationary.stationary_direction`: the same streams, the same
:func:`~adamtheory.kernels.adam_core.adam_step` and the same order of operations, so the same
bits (tested), without a Python step per iteration.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
from numba import njit, prange

from .._validate import check_choice, check_int, check_interval, check_positive
from . import adam_core
from .parallel import parallel_kernel
from .sampling import STREAM_NOISE, STREAM_SAMPLING, uniforms

# register the one Adam definition with Numba before any kernel below compiles (on a cold
# cache nothing else may have imported a module that does it)
ac = adam_core.jitted()

__all__ = [
    "ATLAS_SAMPLING",
    "ATLAS_SEMANTICS",
    "BY_DRIFT",
    "BY_STATE",
    "AtlasConfig",
    "REDDI_SETTINGS",
    "atlas_chunk",
    "atlas_sweep",
    "ReddiConfig",
    "reddi_numba",
    "reddi_reference",
    "reddi_runs",
    "PATH_PROBLEMS",
    "path_runs",
    "stationary_direction_numba",
]

REDDI_SETTINGS = ("online", "stochastic")
_STREAM_BITS = np.uint64(STREAM_SAMPLING) << np.uint64(56)


@dataclass(frozen=True)
class ReddiConfig:
    """An R18 Section 5 run (module docstring); ``beta1``/``beta2`` are per trajectory.

    Attributes
    ----------
    setting : ``"online"`` (big gradient at t mod period = 1) or ``"stochastic"`` (w.p. p).
    steps : T, the number of steps.
    big, small : the two gradients (R18: 1010 and -10).
    period, p : the online period and the stochastic probability (R18: 101 and 0.01).
    lr : η of :math:`\\eta_t = \\eta/\\sqrt t`.
    amsgrad : AMSGrad (max of the raw v) instead of Adam.
    x0 : start in [-1, 1].
    checkpoints : number of log-spaced recorded steps (plus the last).
    seed : root seed of the sampling streams (stochastic setting).
    """

    setting: str
    steps: int
    big: float = 1010.0
    small: float = -10.0
    period: int = 101
    p: float = 0.01
    lr: float = 0.5
    amsgrad: bool = False
    x0: float = 0.0
    checkpoints: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("setting", self.setting, REDDI_SETTINGS)
        check_int("steps", self.steps, minimum=2)
        check_positive("big", self.big)
        if not (np.isfinite(self.small) and self.small < 0):
            raise ValueError(f"small must be a finite negative gradient; got {self.small!r}")
        check_int("period", self.period, minimum=2)
        check_interval("p", self.p, 0.0, 1.0, low_closed=False)
        check_positive("lr", self.lr)
        check_interval("x0", self.x0, -1.0, 1.0, high_closed=True)
        check_int("checkpoints", self.checkpoints, minimum=2)
        check_int("seed", self.seed, minimum=0)

    def recorded_steps(self) -> np.ndarray:
        """1-based steps at which x and R_t/t are recorded (log-spaced, always with T)."""
        t = np.unique(np.geomspace(1, self.steps, self.checkpoints).astype(np.int64))
        return np.unique(np.concatenate([t, [self.steps]]))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_betas(beta1: Any, beta2: Any) -> tuple[np.ndarray, np.ndarray]:
    b1 = np.ascontiguousarray(np.atleast_1d(np.asarray(beta1, dtype=np.float64)).ravel())
    b2 = np.ascontiguousarray(np.atleast_1d(np.asarray(beta2, dtype=np.float64)).ravel())
    if b1.shape != b2.shape:
        raise ValueError(f"beta1 and beta2 must have the same length; got {b1.size}, {b2.size}")
    check_interval("beta1", b1, 0.0, 1.0)
    check_interval("beta2", b2, 0.0, 1.0)
    return b1, b2


def _check_keys(keys: Any, size: int) -> np.ndarray:
    if not isinstance(keys, np.ndarray) or keys.dtype != np.uint64 or keys.shape != (size,):
        raise TypeError(f"keys must be a uint64 array of shape ({size},) from trajectory_keys()")
    return np.ascontiguousarray(keys)


def _half_start(steps: int, period: int) -> int:
    """First step (1-based) of the measured second half: a whole number of periods to T."""
    periods = max(1, (steps // 2) // period)
    return steps - periods * period + 1


def reddi_reference(beta1: Any, beta2: Any, cfg: ReddiConfig, keys: np.ndarray) -> dict:
    """NumPy reference of :func:`reddi_runs` (a loop over steps, vectorised over runs).

    Returns a dict: ``x`` and ``regret`` (average regret), each (B, len(recorded_steps)),
    ``x_final``, ``drift`` (mean per-period sum of directions over the second half), ``t``.
    """
    b1, b2 = _check_betas(beta1, beta2)
    keys = _check_keys(keys, b1.size)
    rec = cfg.recorded_steps()
    B = b1.size
    x = np.full(B, float(cfg.x0))
    m, v, vmax = np.zeros(B), np.zeros(B), np.zeros(B)
    b1t, b2t = np.ones(B), np.ones(B)
    regret, dsum = np.zeros(B), np.zeros(B)
    xs, rs = np.zeros((B, rec.size)), np.zeros((B, rec.size))
    code = ac.AMS_PAPER if cfg.amsgrad else ac.AMS_NONE
    start = _half_start(cfg.steps, cfg.period)
    k = 0
    with np.errstate(all="ignore"):
        for t in range(1, cfg.steps + 1):
            if cfg.setting == "online":
                big = np.full(B, t % cfg.period == 1 % cfg.period)
            else:
                big = uniforms(keys, t - 1, STREAM_SAMPLING) < cfg.p
            g = np.where(big, cfg.big, cfg.small)
            regret = regret + g * (x + 1.0)
            b1t = ac.advance_power(b1t, b1)
            b2t = ac.advance_power(b2t, b2)
            x_new, m, v, vmax = ac.adam_step(
                x, m, v, vmax, g, b1, b2, b1t, b2t, cfg.lr / np.sqrt(t), 0.0, False, code
            )
            if t >= start:
                dsum = dsum + ac.safe_divide(m, np.sqrt(vmax if cfg.amsgrad else v))
            x = np.minimum(np.maximum(x_new, -1.0), 1.0)
            if t == rec[k]:
                xs[:, k] = x
                rs[:, k] = regret / t
                k += 1
    periods = (cfg.steps - start + 1) / cfg.period
    return {"x": xs, "regret": rs, "x_final": x, "drift": dsum / periods, "t": rec}


@njit(parallel=True, cache=True)
def _reddi_kernel(b1s, b2s, keys, rec, steps, online, period, p, big, small, lr, x0, code, start):
    B = b1s.size
    xs = np.zeros((B, rec.size))
    rs = np.zeros((B, rec.size))
    x_final = np.zeros(B)
    dsum = np.zeros(B)
    for i in prange(B):
        b1 = b1s[i]
        b2 = b2s[i]
        x = x0
        m = 0.0
        v = 0.0
        vmax = 0.0
        b1t = 1.0
        b2t = 1.0
        regret = 0.0
        acc = 0.0
        k = 0
        for t in range(1, steps + 1):
            if online:
                is_big = t % period == 1 % period
            else:
                counter = np.uint64(t - 1) | _STREAM_BITS
                is_big = ac.hash_uniform(keys[i], counter) < p
            g = big if is_big else small
            regret += g * (x + 1.0)
            b1t = ac.advance_power(b1t, b1)
            b2t = ac.advance_power(b2t, b2)
            x_new, m, v, vmax = ac.adam_step(
                x, m, v, vmax, g, b1, b2, b1t, b2t, lr / np.sqrt(t), 0.0, False, code
            )
            if t >= start:
                acc += ac.safe_divide(m, np.sqrt(vmax if code != 0 else v))
            x = min(max(x_new, -1.0), 1.0)
            if k < rec.size and t == rec[k]:
                xs[i, k] = x
                rs[i, k] = regret / t
                k += 1
        x_final[i] = x
        dsum[i] = acc
    return xs, rs, x_final, dsum


def reddi_numba(beta1: Any, beta2: Any, cfg: ReddiConfig, keys: np.ndarray) -> dict:
    """Numba kernel of :func:`reddi_runs`, bit-identical to :func:`reddi_reference`."""
    b1, b2 = _check_betas(beta1, beta2)
    keys = _check_keys(keys, b1.size)
    rec = cfg.recorded_steps()
    start = _half_start(cfg.steps, cfg.period)
    xs, rs, x_final, dsum = _reddi_kernel(
        b1,
        b2,
        keys,
        rec,
        cfg.steps,
        cfg.setting == "online",
        cfg.period,
        cfg.p,
        cfg.big,
        cfg.small,
        cfg.lr,
        float(cfg.x0),
        ac.AMS_PAPER if cfg.amsgrad else ac.AMS_NONE,
        start,
    )
    periods = (cfg.steps - start + 1) / cfg.period
    return {"x": xs, "regret": rs, "x_final": x_final, "drift": dsum / periods, "t": rec}


def reddi_runs(
    beta1: Any, beta2: Any, cfg: ReddiConfig, *, trajectories: int = 1, backend: str = "numba"
) -> dict:
    """R18 Section 5 runs at each (β1, β2), ``trajectories`` independent runs per point.

    Parameters
    ----------
    beta1, beta2 : array_like
        Per-point hyperparameters (equal lengths).
    cfg : ReddiConfig
    trajectories : int
        Runs per point (independent sampling streams: global ids point-major).
    backend : {"numba", "numpy"}
        The Numba kernel or the NumPy reference (same bits).

    Returns
    -------
    dict
        ``x``, ``regret``: (points, trajectories, checkpoints); ``x_final``, ``drift``:
        (points, trajectories); ``t``: the recorded steps; ``config``, ``backend``.
    """
    from .sampling import trajectory_keys

    if not isinstance(cfg, ReddiConfig):
        raise TypeError(f"cfg must be a ReddiConfig; got {type(cfg).__name__}")
    check_choice("backend", backend, ("numba", "numpy"))
    trajectories = check_int("trajectories", trajectories, minimum=1)
    b1, b2 = _check_betas(beta1, beta2)
    P = b1.size
    keys = trajectory_keys(cfg.seed, np.arange(P * trajectories))
    kernel = reddi_numba if backend == "numba" else reddi_reference
    out = kernel(np.repeat(b1, trajectories), np.repeat(b2, trajectories), cfg, keys)
    shape = (P, trajectories)
    return {
        "x": out["x"].reshape(*shape, -1),
        "regret": out["regret"].reshape(*shape, -1),
        "x_final": out["x_final"].reshape(shape),
        "drift": out["drift"].reshape(shape),
        "t": out["t"],
        "config": cfg.as_dict(),
        "backend": backend,
    }


# ----------------------------------------------------------------------------- atlas
# Sequential classification of full Adam runs on the one-big-gradient problem (docs/theory
# §3.1-§3.2, §5): both sides of the boundary decided by the run's own per-epoch displacement.

ATLAS_SAMPLING = {"shuffle": 0, "iid": 1, "cyclic": 2}
ATLAS_SEMANTICS = ("torch", "z22")
ATLAS_SCHEDULES = ("inv_sqrt_epoch", "constant")
BY_DRIFT, BY_STATE = 0, 1  # how a point was decided: the sequential test, or reached x*/overflow
_STREAM_INIT = np.uint64(2) << np.uint64(56)  # STREAM_NOISE: the Z22 initial component draw


@dataclass(frozen=True)
class AtlasConfig:
    r"""A sequentially classified sweep on the one-big-gradient problem.

    Attributes
    ----------
    n, a : the problem (docs/theory §3.1); r = c/a with c = 1 + (n-1)a.
    sampling : ``"shuffle"``, ``"iid"`` or ``"cyclic"``.
    semantics : ``"torch"`` (m0 = v0 = 0 with bias correction, as torch.optim.Adam) or
        ``"z22"`` (no bias correction; m0 the gradient of one uniformly drawn component at x0,
        v0 the largest squared component gradient at x0: Z22's Algorithm 1 as recalled,
        docs/divergence.md).
    eps : Adam's ε >= 0 (ε > 0 breaks the scale invariance the drift relies on).
    schedule, lr : ``"inv_sqrt_epoch"`` (:math:`\eta_k = \eta/\sqrt k`, Z22) or ``"constant"``.
    x0 : start; x0 > -1 starts in the linear region.
    alpha : error rate per point of the sequential test (two-sided, Bonferroni over looks).
    first_look, max_epochs : first look (epochs) and the cap; looks double in between.
    batches : batch means per look (the per-epoch displacements are autocorrelated).
    conv_tol : "converged" when :math:`|x - x^*| \le` conv_tol·max(1, |x0 - x*|).
    seed : root seed of the sampling streams.
    """

    n: int
    a: float = 1.0
    sampling: str = "shuffle"
    semantics: str = "torch"
    eps: float = 0.0
    schedule: str = "inv_sqrt_epoch"
    lr: float = 1.0
    x0: float = 5.0
    alpha: float = 0.01
    first_look: int = 32
    max_epochs: int = 4096
    batches: int = 8
    conv_tol: float = 0.05
    seed: int = 0

    def __post_init__(self) -> None:
        check_int("n", self.n, minimum=2)
        check_positive("a", self.a)
        check_choice("sampling", self.sampling, tuple(ATLAS_SAMPLING))
        check_choice("semantics", self.semantics, ATLAS_SEMANTICS)
        check_positive("eps", self.eps, allow_zero=True)
        check_choice("schedule", self.schedule, ATLAS_SCHEDULES)
        check_positive("lr", self.lr)
        if not np.isfinite(self.x0):
            raise ValueError(f"x0 must be finite; got {self.x0!r}")
        check_interval("alpha", self.alpha, 0.0, 1.0, low_closed=False)
        check_int("batches", self.batches, minimum=2)
        check_int("first_look", self.first_look, minimum=2 * self.batches)
        check_int("max_epochs", self.max_epochs, minimum=self.first_look)
        check_positive("conv_tol", self.conv_tol)
        check_int("seed", self.seed, minimum=0)

    @property
    def c(self) -> float:
        return 1.0 + (self.n - 1) * self.a

    def looks(self) -> np.ndarray:
        """Epochs at which the sequential test looks: first_look·2^j, and max_epochs."""
        out = [self.first_look]
        while out[-1] * 2 < self.max_epochs:
            out.append(out[-1] * 2)
        if out[-1] != self.max_epochs:
            out.append(self.max_epochs)
        return np.asarray(out, dtype=np.int64)

    def quantile(self) -> float:
        r"""Student-t quantile of each look: :math:`t_{B-1}(1 - \alpha/(2L))` (L looks)."""
        from scipy import stats

        return float(stats.t.ppf(1.0 - self.alpha / (2 * self.looks().size), self.batches - 1))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@njit(cache=True)
def _big_position(key, epoch, n, sampling):
    """Position of component 0 in the epoch's order (shuffle: the Fisher-Yates swaps of
    :func:`~adamtheory.kernels.sampling.epoch_permutations`; cyclic: 0; iid: -1)."""
    if sampling == 2:
        return 0
    if sampling == 1:
        return -1
    pos = 0
    for jj in range(n - 1, 0, -1):
        ctr = np.uint64(epoch * n + jj) | _STREAM_BITS
        u = ac.hash_uniform(key, ctr)
        k = min(np.int64(u * (jj + 1)), jj)
        if pos == jj:
            pos = k
        elif pos == k:
            pos = jj
    return pos


@parallel_kernel
def _atlas_kernel(
    b1s, b2s, keys, n, c, a, lr, decay, sampling, eps, z22, x0, looks, tq, batches, conv_tol
):
    B = b1s.size
    K = looks[-1]
    status = np.zeros(B, np.int64)
    how = np.zeros(B, np.int64)
    decided_at = np.full(B, -1, np.int64)
    mean_out = np.full(B, np.nan)
    half_out = np.full(B, np.nan)
    x_out = np.zeros(B)
    epochs_out = np.zeros(B, np.int64)
    d0 = abs(x0 - ac.X_STAR)
    tol = conv_tol * max(1.0, d0)
    for i in prange(B):
        b1 = b1s[i]
        b2 = b2s[i]
        key = keys[i]
        y = np.empty(K)
        nl = 0
        x = x0
        slope0 = 1.0 if x0 >= -1.0 else x0 + 2.0
        if z22:
            tau = min(np.int64(ac.hash_uniform(key, _STREAM_INIT) * n), n - 1)
            m = (c if tau == 0 else -a) * slope0
            v = max(c * c, a * a) * slope0 * slope0
        else:
            m = 0.0
            v = 0.0
        b1t = 1.0
        b2t = 1.0
        burn = 3.0 / max(min(1.0 - b1, 1.0 - b2), 1e-300)  # steps
        look = 0
        st = 0
        hw = 0
        at = -1
        k = 0
        for k in range(1, K + 1):
            pos = _big_position(key, k - 1, n, sampling)
            eta = lr / np.sqrt(k) if decay else lr
            x_start = x
            linear = True
            dead = False
            for p in range(n):
                b1t = ac.advance_power(b1t, b1)
                b2t = ac.advance_power(b2t, b2)
                if sampling == 1:
                    ctr = np.uint64((k - 1) * n + p) | _STREAM_BITS
                    big = min(np.int64(ac.hash_uniform(key, ctr) * n), n - 1) == 0
                else:
                    big = p == pos
                if x >= -1.0:
                    slope = 1.0
                else:
                    slope = x + 2.0
                    linear = False
                g = (c if big else -a) * slope
                x, m, v, _ = ac.adam_step(x, m, v, 0.0, g, b1, b2, b1t, b2t, eta, eps, not z22, 0)
                if not ac.finite_bounded(x):
                    dead = True
                    break
            if dead:
                st = 1
                hw = 1
                at = k
                break
            if linear:
                y[nl] = (x_start - x) / eta
                nl += 1
            if abs(x - ac.X_STAR) <= tol:
                st = -1
                hw = 1
                at = k
                break
            if k == looks[look]:
                lo = nl // 2
                size = (nl - lo) // batches
                if size >= 1:
                    s1 = 0.0
                    s2 = 0.0
                    for b in range(batches):
                        acc = 0.0
                        for q in range(lo + b * size, lo + (b + 1) * size):
                            acc += y[q]
                        bm = acc / size
                        s1 += bm
                        s2 += bm * bm
                    mu = s1 / batches
                    var = max(s2 / batches - mu * mu, 0.0) * batches / (batches - 1)
                    half = tq * np.sqrt(var / batches)
                    mean_out[i] = mu
                    half_out[i] = half
                    # the start-up transient biases the drift: bias correction like a
                    # larger 1 - beta2 (more negative), Z22's large v0 like beta2 -> 1 (more
                    # positive). The verdict against the bias needs a window that starts
                    # 3 memory lengths after the start; the one with it is conservative.
                    settled = (k // 2) * n >= burn
                    if mu + half < 0.0 and (settled or z22):
                        st = 1
                        at = k
                        break
                    if mu - half > 0.0 and (settled or not z22):
                        st = -1
                        at = k
                        break
                look += 1
        if np.isnan(mean_out[i]) and nl > 0:
            # stopped by its state before a look: the mean of what was recorded (no interval)
            lo = nl // 2
            acc = 0.0
            for q in range(lo, nl):
                acc += y[q]
            mean_out[i] = acc / (nl - lo)
        status[i] = st
        how[i] = hw
        decided_at[i] = at
        x_out[i] = x
        epochs_out[i] = k
    return status, how, decided_at, mean_out, half_out, x_out, epochs_out


def atlas_chunk(b1: np.ndarray, b2: np.ndarray, cfg: AtlasConfig, bounds: tuple[int, int]) -> dict:
    """Classify the flat grid points ``[start, stop)`` (a pure function of the chunk, the
    config and the global trajectory ids: any chunking gives the same numbers)."""
    from .sampling import trajectory_keys

    start, stop = bounds
    keys = trajectory_keys(cfg.seed, np.arange(start, stop))
    st, how, at, mu, half, x, ep = _atlas_kernel(
        np.ascontiguousarray(b1[start:stop]),
        np.ascontiguousarray(b2[start:stop]),
        keys,
        cfg.n,
        cfg.c,
        cfg.a,
        cfg.lr,
        cfg.schedule == "inv_sqrt_epoch",
        ATLAS_SAMPLING[cfg.sampling],
        cfg.eps,
        cfg.semantics == "z22",
        float(cfg.x0),
        cfg.looks(),
        cfg.quantile(),
        cfg.batches,
        cfg.conv_tol,
        steps=float(stop - start) * cfg.n * cfg.max_epochs,
    )
    return {
        "status": st,
        "how": how,
        "decided_at": at,
        "drift": mu,
        "half_width": half,
        "x_final": x,
        "epochs": ep,
    }


def atlas_sweep(
    beta1: Any,
    beta2: Any,
    cfg: AtlasConfig,
    *,
    chunk_size: int = 4096,
    executor: Any = None,
    progress: bool = False,
) -> dict:
    r"""Sequentially classified Adam runs over the (β1, β2) outer product.

    Per point: full scalar Adam (:func:`~adamtheory.kernels.adam_core.adam_step`) on the
    one-big-gradient problem from ``cfg.x0``. Each epoch that stays in the linear region
    (x ≥ -1 before every step) gives :math:`y_k = (x_{k-1} - x_k)/\eta_k`, whose mean is the
    drift μ (docs/theory §3.2). At the looks ``cfg.looks()`` the second half of the recorded
    :math:`y_k` is cut into ``cfg.batches`` batch means and a Student-t interval at level
    :math:`1-\alpha/L` (L looks: Bonferroni, so the error rate per point is at most α when
    the batch means are nearly independent and normal) decides: **diverged** if it lies below
    0, **converged** if above (x moves towards x* at a significant rate); the run stops there.
    The start-up transient biases the drift: with bias correction (``"torch"``) like a larger
    :math:`1-\beta_2` (more negative), with Z22's large :math:`v_0` like :math:`\beta_2 \to 1`
    (more positive). The verdict against the bias ("diverged" for torch, "converged" for z22)
    is only given once the window starts :math:`3/\min(1-\beta_1, 1-\beta_2)` steps after the
    start; the verdict with the bias is conservative during the transient.
    An overflow is diverged and reaching :math:`|x-x^*| \le` tol·max(1, d0) converged at once
    (``how`` = 1); a point undecided at ``cfg.max_epochs`` stays **undecided**.

    Returns
    -------
    dict of arrays of shape (len(beta1), len(beta2))
        ``status`` (1 diverged, 0 undecided, -1 converged), ``how`` (0 sequential test,
        1 reached x* or overflowed), ``decided_at`` (epoch), ``drift`` and ``half_width``
        (the last look's estimate of μ and its half-width; a run stopped by its state before
        any look gets the mean of its recorded displacements and a NaN half-width, one that
        never had a linear epoch NaN for both), ``x_final``, ``epochs``; plus
        ``beta1``, ``beta2``, ``config``.
    """
    from .executors import map_chunks

    if not isinstance(cfg, AtlasConfig):
        raise TypeError(f"cfg must be an AtlasConfig; got {type(cfg).__name__}")
    check_int("chunk_size", chunk_size, minimum=1)
    b1_axis = np.atleast_1d(np.asarray(beta1, dtype=np.float64))
    b2_axis = np.atleast_1d(np.asarray(beta2, dtype=np.float64))
    for name, axis in (("beta1", b1_axis), ("beta2", b2_axis)):
        if axis.ndim != 1 or axis.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array of grid values")
        check_interval(name, axis, 0.0, 1.0)
    g1, g2 = np.meshgrid(b1_axis, b2_axis, indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    total = flat1.size
    chunks = [(s, min(s + chunk_size, total)) for s in range(0, total, chunk_size)]
    parts = map_chunks(
        partial(atlas_chunk, flat1, flat2, cfg),
        chunks,
        executor,
        progress=progress and f"atlas n={cfg.n}",
    )
    shape = g1.shape
    out = {k: np.concatenate([p[k] for p in parts]).reshape(shape) for k in parts[0]}
    out.update(beta1=b1_axis, beta2=b2_axis, config=cfg.as_dict())
    return out


# ----------------------------------------------------------------------------- 1-D paths
# Fused forms of :func:`adamtheory.kernels.run` for the one-dimensional finite sums and the
# stochastic problem the R18 and Z22 claims run (same streams, same step, same bits).

PATH_PROBLEMS = ("reddi_cyclic", "one_big_gradient", "quadratic_finite_sum", "reddi_stochastic")
_CONSTANT, _ONE_BIG, _QUADRATIC, _BERNOULLI = 0, 1, 2, 3
_SCHEDULES = {"constant": 0, "inv_sqrt_step": 1, "inv_sqrt_epoch": 2}
_SAMPLINGS = {"shuffle": 0, "iid": 1, "cyclic": 2}
_NOISE_BITS = np.uint64(STREAM_NOISE) << np.uint64(56)  # stochastic_grad's uniforms
PATH_SLICE_STEPS = 20_000_000  # trajectory-steps per kernel call of path_runs


# serial: the claims' runs are a few 1e6 steps, and a parallel kernel costs ~3x the compile
# time (the first verify pays it)
@njit(cache=True)
def _path_kernel(
    keys,
    weights,
    kind,
    p_big,
    sampling,
    n,
    t_first,
    t_last,
    every,
    lo,
    hi,
    clip,
    schedule,
    is_adam,
    lr,
    beta1,
    beta2,
    eps,
    bias_correction,
    ams,
    threshold,
    state,
    flags,
    perms,
    xs,
):
    # steps t_first..t_last of every trajectory; ``state`` (x, m, v, v_max), ``flags`` (alive,
    # diverged_at, nonfinite_at, next record column) and ``perms`` carry over between slices
    B = keys.size
    for i in range(B):
        key = keys[i]
        x = state[i, 0]
        m = state[i, 1]
        v = state[i, 2]
        vmax = state[i, 3]
        alive = flags[i, 0] == 1
        div_t = flags[i, 1]
        bad_t = flags[i, 2]
        k = flags[i, 3]
        perm = perms[i]
        for t in range(t_first, t_last + 1):
            s = t - 1
            if kind == _BERNOULLI:
                # ReddiStochastic.stochastic_grad: C w.p. p, else -1 (weights = (C, -1))
                u = ac.hash_uniform(key, np.uint64(s) | _NOISE_BITS)
                g = weights[0] if u < p_big else weights[1]
            else:
                if sampling == 0:
                    if s % n == 0:
                        # epoch_permutations: Fisher-Yates, j = n-1..1 with u_j at epoch n + j
                        for j in range(n):
                            perm[j] = j
                        base = (s // n) * n
                        for j in range(n - 1, 0, -1):
                            u = ac.hash_uniform(key, np.uint64(base + j) | _STREAM_BITS)
                            q = min(np.int64(u * (j + 1)), j)
                            held = perm[j]
                            perm[j] = perm[q]
                            perm[q] = held
                    idx = perm[s % n]
                elif sampling == 1:
                    u = ac.hash_uniform(key, np.uint64(s) | _STREAM_BITS)
                    idx = min(np.int64(u * n), n - 1)
                else:
                    idx = s % n
                w = weights[idx]
                if kind == _CONSTANT:
                    g = w
                elif kind == _ONE_BIG:
                    g = w * (1.0 if x >= -1.0 else x + 2.0)
                else:
                    g = x - w
            if alive and not np.isfinite(g):
                bad_t = t
                alive = False
            if schedule == 1:
                factor = 1.0 / np.sqrt(t)
            elif schedule == 2:
                factor = 1.0 / np.sqrt((t - 1) // n + 1)
            else:
                factor = 1.0
            if is_adam:
                b1t = 1.0
                b2t = 1.0
                if bias_correction:
                    # the optimizer's beta**t (pow), not the sweeps' running product
                    b1t = beta1 ** np.float64(t)
                    b2t = beta2 ** np.float64(t)
                x_new, m, v, vmax = ac.adam_step(
                    x,
                    m,
                    v,
                    vmax,
                    g,
                    beta1,
                    beta2,
                    b1t,
                    b2t,
                    lr * factor,
                    eps,
                    bias_correction,
                    ams,
                )
            else:
                x_new = x - (lr * factor) * g
            if clip:
                # np.clip: NaN stays NaN
                x_new = hi if x_new > hi else (lo if x_new < lo else x_new)
            if alive and not (np.isfinite(x_new) and abs(x_new) <= threshold):
                div_t = t
                alive = False
            if alive:
                x = x_new
            if every > 0 and t % every == 0:
                xs[i, k] = x
                k += 1
        state[i, 0] = x
        state[i, 1] = m
        state[i, 2] = v
        state[i, 3] = vmax
        flags[i, 0] = 1 if alive else 0
        flags[i, 1] = div_t
        flags[i, 2] = bad_t
        flags[i, 3] = k


def _path_problem(problem: Any) -> tuple[int, np.ndarray, float]:
    """(kind code, component weights, p) of a supported 1-D problem (TypeError otherwise)."""
    name = getattr(problem, "name", None)
    if name not in PATH_PROBLEMS or getattr(problem, "dim", None) != 1:
        raise TypeError(
            f"problem must be one of {PATH_PROBLEMS} in one dimension; got {name!r} (use "
            "adamtheory.kernels.run for any other problem)"
        )
    if name == "reddi_cyclic":
        w = np.full(problem.period, -1.0)
        w[0] = problem.C
        return _CONSTANT, w, 0.0
    if name == "one_big_gradient":
        w = np.full(problem.n, -problem.a)
        w[0] = problem.c
        return _ONE_BIG, w, 0.0
    if name == "quadratic_finite_sum":
        return _QUADRATIC, np.asarray(problem.b, dtype=np.float64).ravel().copy(), 0.0
    return _BERNOULLI, np.array([problem.C, -1.0]), float(problem.p)


def path_runs(
    problem: Any,
    optimizer: Any,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    sampling: str = "shuffle",
    schedule: str = "constant",
    seed: int = 0,
    record: int | None = None,
    x0: Any = None,
    trajectories: int = 1,
    diverge_threshold: float = 1e100,
) -> dict:
    r"""One-dimensional runs of :func:`adamtheory.kernels.run`, fused in one Numba kernel.

    The same update as ``run`` (:math:`g_t = \nabla f_{\tau_t}(x_t)`, then the optimizer's
    step :math:`x_{t+1} = x_t - \eta\,\mathrm{schedule}(t)\, d_t` with
    :func:`~adamtheory.kernels.adam_core.adam_step`, the projection onto the domain, the
    freezing rules for divergence and non-finite gradients) and the same counter-based
    streams, so the iterates are bit-identical to ``run``'s (tested); one trajectory per
    thread, no per-step allocation and no Python per step. For the problems the claims run
    (:data:`PATH_PROBLEMS`: R18's cyclic and stochastic examples, the one-big-gradient
    problem, 1-D quadratic finite sums) and Adam/AMSGrad/SGD with scalar hyperparameters.

    Parameters
    ----------
    problem, optimizer
        As for ``run`` (a TypeError names what is not supported).
    steps, epochs : int
        Exactly one.
    sampling, schedule, seed, x0, trajectories, diverge_threshold
        As for ``run`` (string schedules only).
    record : int, optional
        Also return the iterate every ``record`` steps (with step 0).

    Returns
    -------
    dict
        ``x_final`` (B,), ``diverged_at`` and ``nonfinite_at`` (B,; -1: never), and with
        ``record``: ``x`` (B, T/record + 1) and ``step`` (the recorded steps).
    """
    from .._validate import check_positive as _positive
    from .optimizers import SGD, Adam
    from .sampling import trajectory_keys

    kind, weights, p_big = _path_problem(problem)
    if not isinstance(optimizer, (Adam, SGD)):
        raise TypeError(f"optimizer must be adam, amsgrad or sgd; got {type(optimizer).__name__}")
    params = optimizer.params()
    if any(hasattr(val, "shape") for val in params.values()):
        raise TypeError("path_runs takes scalar hyperparameters only (use run for arrays)")
    check_choice("sampling", sampling, tuple(_SAMPLINGS))
    if kind == _BERNOULLI and sampling != "iid":
        raise ValueError(f"sampling must be 'iid' for the stochastic problem; got {sampling!r}")
    check_choice("schedule", schedule, tuple(_SCHEDULES))
    n = 1 if kind == _BERNOULLI else weights.size
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps (>= 1) or epochs (>= 1)")
    total = (
        check_int("steps", steps, minimum=1)
        if steps is not None
        else (check_int("epochs", epochs, minimum=1) * n)
    )
    every = 0 if record is None else check_int("record", record, minimum=1)
    trajectories = check_int("trajectories", trajectories, minimum=1)
    _positive("diverge_threshold", diverge_threshold)
    start = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64).ravel()
    if start.size != 1 or not np.isfinite(start[0]):
        raise ValueError(f"x0 must be one finite number; got {x0!r}")
    keys = trajectory_keys(seed, np.arange(trajectories))
    lo, hi = problem.domain if problem.domain is not None else (-np.inf, np.inf)
    is_adam = isinstance(optimizer, Adam)
    xs = np.zeros((trajectories, total // every + 1 if every else 0))
    state = np.zeros((trajectories, 4))  # x, m, v, v_max
    state[:, 0] = start[0]
    flags = np.zeros((trajectories, 4), dtype=np.int64)  # alive, diverged_at, nonfinite_at, k
    flags[:, 0], flags[:, 1], flags[:, 2] = 1, -1, -1
    if every:
        xs[:, 0] = start[0]
        flags[:, 3] = 1
    perms = np.tile(np.arange(weights.size, dtype=np.int64), (trajectories, 1))
    # bounded slices (PATH_SLICE_STEPS trajectory-steps, well under a second): Numba does not
    # see signals, so a Ctrl-C stops the run between slices
    per_slice = max(1, PATH_SLICE_STEPS // trajectories)
    for first in range(1, total + 1, per_slice):
        _path_kernel(
            keys,
            np.ascontiguousarray(weights),
            kind,
            p_big,
            _SAMPLINGS[sampling],
            n,
            first,
            min(first + per_slice - 1, total),
            every,
            float(lo),
            float(hi),
            problem.domain is not None,
            _SCHEDULES[schedule],
            is_adam,
            float(params["lr"]),
            float(params.get("beta1", 0.0)),
            float(params.get("beta2", 0.0)),
            float(params.get("eps", 0.0)),
            bool(params.get("bias_correction", False)),
            ac.AMSGRAD_CODES[params.get("amsgrad")] if is_adam else ac.AMS_NONE,
            float(diverge_threshold),
            state,
            flags,
            perms,
            xs,
        )
    x_final = state[:, 0].copy()
    diverged_at = flags[:, 1].copy()
    nonfinite_at = flags[:, 2].copy()
    out = {"x_final": x_final, "diverged_at": diverged_at, "nonfinite_at": nonfinite_at}
    if every:
        out["x"] = xs
        out["step"] = np.arange(xs.shape[1]) * every
    return out


@njit(cache=True)  # serial, as _path_kernel
def _stationary_kernel(xs, centres, keys, beta1, beta2, sampling, epochs, burn_in, total):
    n = centres.size
    C = keys.size
    for job in range(xs.size * C):
        i = job // C
        key = keys[job % C]
        x = xs[i]
        m = 0.0
        v = 0.0
        acc = 0.0
        perm = np.arange(n)
        for epoch in range(burn_in + epochs):
            if sampling == 0:
                for j in range(n):
                    perm[j] = j
                for j in range(n - 1, 0, -1):
                    u = ac.hash_uniform(key, np.uint64(epoch * n + j) | _STREAM_BITS)
                    q = min(np.int64(u * (j + 1)), j)
                    held = perm[j]
                    perm[j] = perm[q]
                    perm[q] = held
            for p in range(n):
                if sampling == 0:
                    idx = perm[p]
                elif sampling == 1:
                    u = ac.hash_uniform(key, np.uint64(epoch * n + p) | _STREAM_BITS)
                    idx = min(np.int64(u * n), n - 1)
                else:
                    idx = p
                m, v = ac.adam_moments(m, v, x - centres[idx], beta1, beta2)
                if epoch >= burn_in:
                    acc += ac.adam_direction(m, v, 1.0, 1.0, False, 0.0)
        total[job] = acc


def stationary_direction_numba(
    xs: Any,
    centres: Any,
    beta1: float,
    beta2: float,
    *,
    sampling: str = "shuffle",
    epochs: int = 2000,
    burn_in: int = 200,
    chains: int = 16,
    seed: int = 0,
) -> np.ndarray:
    r"""Numba kernel of :func:`adamtheory.kernels.stationary.stationary_direction` (same
    streams, same :func:`~adamtheory.kernels.adam_core.adam_moments` /
    :func:`~adamtheory.kernels.adam_core.adam_direction` chain, same summation order: the
    same bits, tested): per-chain :math:`\mathbb E[m/\sqrt v]` at each fixed x, shape
    (len(xs), chains), of the chain :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1)(x - b_{\tau_t})`,
    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2)(x - b_{\tau_t})^2` (ε = 0, no bias correction).
    """
    from .sampling import trajectory_keys

    b = np.ascontiguousarray(np.asarray(centres, dtype=np.float64).ravel())
    x = np.ascontiguousarray(np.atleast_1d(np.asarray(xs, dtype=np.float64)))
    check_interval("beta1", beta1, 0.0, 1.0)
    check_interval("beta2", beta2, 0.0, 1.0)
    check_choice("sampling", sampling, tuple(_SAMPLINGS))
    epochs = check_int("epochs", epochs, minimum=1)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    chains = check_int("chains", chains, minimum=2)
    if b.size < 2:
        raise ValueError("centres must hold at least 2 components")
    keys = trajectory_keys(seed, np.arange(chains))
    total = np.zeros(x.size * chains)
    _stationary_kernel(
        x, b, keys, float(beta1), float(beta2), _SAMPLINGS[sampling], epochs, burn_in, total
    )
    return (total / (epochs * b.size)).reshape(x.size, chains)
