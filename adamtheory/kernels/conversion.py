r"""Online-to-nonconvex conversions (docs/theory §1.5) driven by online learners, with the model-EMA
output and the online stationarity estimates of docs/theory §2.

Four conversions, named as in docs/theory (an online learner proposes increments
:math:`\Delta_t`; the conversion decides where gradients are queried):

* ``uniform`` (CMO23; AMC25 Option I): :math:`x_t = x_{t-1} + \Delta_t`,
  :math:`y_t = x_{t-1} + s_t\Delta_t`, :math:`s_t \sim U[0,1]`;
* ``exponential`` (ZC24): :math:`s_t \sim \mathrm{Exp}(1)`, :math:`x_t = x_{t-1} + s_t\Delta_t`,
  :math:`y_t = x_t`;
* ``anchored`` (AMC25 Option II): epochs of ``T`` steps around an anchor :math:`a`:
  :math:`w_t = a + \Delta_t`, :math:`y_t = a + s_t\Delta_t`; the next anchor is uniform on
  :math:`\{w_1..w_T\}` and the learner restarts (its increments are offsets from the anchor);
* ``schedule-free`` (AMC25 Option III): :math:`x_t = x_{t-1} + \Delta_t`,
  :math:`y_t = x_t + \zeta u_t \Delta_t`, :math:`u_t \sim U[0,1]`. With the β-OMD learner and
  :math:`\Delta_t = \delta_t/\zeta` this *is* schedule-free SGD (:func:`schedule_free_sgd`):
  :math:`z_t = x_{t-1} + \Delta_t/(1-\zeta)`, :math:`\kappa_t = 1 - (1-\zeta)u_t \sim U[\zeta,1]`
  (derived in ``theory/o2nc.py``, checked by the claim SF-EQ). AMC25 averages with
  :math:`c_t \equiv 1-\zeta`; :func:`schedule_free_sgd` also offers Defazio et al.'s weights
  :math:`c_t = w_t/\sum_s w_s` and fixed κ (``averaging="defazio"``, equal to the
  ``schedulefree`` and ``optax`` implementations; :func:`schedule_free_weights`), which lie
  outside AMC25's theorem; :func:`schedule_free_huber_run` is both, compiled, on the Huber
  wells (the claim SF-DEFAULTS).

Learners: :class:`BetaOMD` (AMC25 Lemma 3.2) and :class:`ClippedAdamLearner` (clipped Adam =
clipped β-FTRL, coordinate-wise or global; also the 2602.08372 Theorem 5 form with ν and γ);
:class:`OptimizerLearner` wraps any optimizer of :mod:`adamtheory.kernels.optimizers` (Adam,
AMSGrad, SGD, heavy ball, clipped Adam) as a learner whose increment is its update.

Output and measurement: the normalised β-EMA :math:`\bar y_t` of the query points, with the output
index τ drawn from ``tau_law`` (``"uniform"`` or AMC25 Definition 4, ``"amc25"``). Instead of one
draw of τ per run, the exact expectation over τ is accumulated (a Rao–Blackwellised, unbiased
estimate of :math:`\mathbb E_\tau`), and every step computes, with the **exact** gradient,

.. math::

    U_t = \Big\|\sum_s w_{t,s}\nabla F(y_s)\Big\| + \lambda \sum_s w_{t,s}\|y_s-\bar y_t\|^2
    \;\ge\; \|\nabla F(\bar y_t)\|_{[\lambda]},

with the spread term by the weighted-variance recursion
:math:`S_t = a_t S_{t-1} + a_t b_t\|y_t - \bar y_{t-1}\|^2` (:math:`a_t = (\beta-\beta^t)/
(1-\beta^t)`, :math:`b_t = 1-a_t`): no :math:`\sum w\|y\|^2 - \|\bar y\|^2` cancellation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_choice, check_int, check_interval, check_positive
from . import adam_core as ac
from .nonfinite import nonfinite_rows, warn_nonfinite, warn_stated_G
from .o2nc import lower_estimate_offset
from .runner import environment
from .sampling import STREAM_NOISE as _STREAM_NOISE
from .sampling import STREAM_SAMPLING as _STREAM_SAMPLING
from .sampling import trajectory_keys

__all__ = [
    "CONVERSIONS",
    "SF_AVERAGING",
    "SF_CONVENTIONS",
    "TAU_LAWS",
    "BetaOMD",
    "ClippedAdamLearner",
    "OptimizerLearner",
    "o2nc_run",
    "schedule_free_huber_run",
    "schedule_free_sgd",
    "schedule_free_weights",
]

CONVERSIONS = ("uniform", "exponential", "anchored", "schedule-free")
TAU_LAWS = ("uniform", "amc25")


def _column(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    positive: bool = False,
    allow_zero: bool = False,
    low_closed: bool = False,
) -> float | np.ndarray:
    """A scalar, or a per-trajectory (B,) array reshaped to (B, 1) (a (B, 1) column is kept)."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a real number or a (B,) array; got {value!r}")
    if positive:
        check_positive(name, value, allow_zero=allow_zero)
    if low is not None and high is not None:
        check_interval(name, value, low, high, low_closed=low_closed)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim == 2 and arr.shape[1] == 1:  # a learner's own (B, 1) column, passed on
        return arr
    raise ValueError(f"{name} must be a scalar or a (B,) array; got shape {arr.shape}")


@dataclass(frozen=True)
class BetaOMD:
    r"""β-OMD with regulariser :math:`(\mu/2)\|\Delta\|^2` (AMC25 Lemma 3.2):

    .. math::

        \delta_1 = 0, \qquad \delta_{t+1} = \frac{\beta}{1+\eta\mu}\,(\delta_t - \eta g_t),

    i.e. heavy-ball SGD with momentum :math:`c = \beta/(1+\eta\mu)` (claim OMD-SGDM). Each
    parameter is a scalar or a (B,) array (one value per trajectory).
    """

    eta: Any
    beta: Any
    mu: Any = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", _column("eta", self.eta, positive=True))
        object.__setattr__(self, "beta", _column("beta", self.beta, low=0.0, high=1.0))
        object.__setattr__(self, "mu", _column("mu", self.mu, positive=True, allow_zero=True))

    @property
    def momentum(self) -> Any:
        """:math:`c = \\beta/(1+\\eta\\mu)`."""
        return self.beta / (1.0 + self.eta * self.mu)

    def init(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        return {"delta": np.zeros(shape)}

    def played(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["delta"]

    def update(self, state: dict[str, np.ndarray], g: np.ndarray) -> dict[str, np.ndarray]:
        return {"delta": ac.omd_increment(state["delta"], g, self.momentum, self.eta)}

    def params(self) -> dict[str, Any]:
        return {"learner": "beta_omd", "eta": self.eta, "beta": self.beta, "mu": self.mu}


@dataclass(frozen=True)
class ClippedAdamLearner:
    r"""Clipped Adam as an online learner (clipped β-FTRL; docs/theory §1.3, 2602.08372 Thm. 5):

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \Delta_{t+1} = -\operatorname{clip}_D\!\Big(\frac{\gamma\, m_t}{\nu + \sqrt{v_t}}\Big),

    coordinate-wise (box :math:`[-D,D]^d`, :math:`v` per coordinate) or global (ball
    :math:`\|\Delta\|\le D`, :math:`v_t` the EMA of :math:`\|g_t\|^2`). Defaults give the spec's
    clipped β-FTRL: :math:`\beta_2 = \beta_1^2`, :math:`\nu = 0`,
    :math:`\gamma = D\sqrt{(1+\beta_1)/(1-\beta_1)}` (claim FTRL-EQ). With ``beta2``, ``gamma``
    and ``nu`` given it is 2602.08372 Theorem 5's update (there :math:`\gamma(1-\beta_1)
    \sum\beta_1^{t-s}g_s = \gamma m_t`). :math:`\Delta_1 = 0`; ``m/√v := 0`` where v = 0.
    """

    D: Any
    beta1: Any
    beta2: Any = None
    gamma: Any = None
    nu: Any = 0.0
    coordinatewise: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "D", _column("D", self.D, positive=True))
        # beta1 = 0 (no momentum) and beta2 = 0 (sign-like step) are legitimate Adam settings
        object.__setattr__(
            self, "beta1", _column("beta1", self.beta1, low=0.0, high=1.0, low_closed=True)
        )
        beta2 = self.beta1 * self.beta1 if self.beta2 is None else self.beta2
        object.__setattr__(
            self, "beta2", _column("beta2", beta2, low=0.0, high=1.0, low_closed=True)
        )
        gamma = (
            self.D * np.sqrt((1.0 + self.beta1) / (1.0 - self.beta1))
            if self.gamma is None
            else self.gamma
        )
        object.__setattr__(self, "gamma", _column("gamma", gamma, positive=True))
        object.__setattr__(self, "nu", _column("nu", self.nu, positive=True, allow_zero=True))
        if not isinstance(self.coordinatewise, bool):
            raise TypeError(f"coordinatewise must be True or False; got {self.coordinatewise!r}")

    def init(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        vshape = shape if self.coordinatewise else (shape[0], 1)
        return {"m": np.zeros(shape), "v": np.zeros(vshape), "delta": np.zeros(shape)}

    def played(self, state: dict[str, np.ndarray]) -> np.ndarray:
        return state["delta"]

    def update(self, state: dict[str, np.ndarray], g: np.ndarray) -> dict[str, np.ndarray]:
        m = self.beta1 * state["m"] + (1.0 - self.beta1) * g
        g2 = g * g if self.coordinatewise else np.sum(g * g, axis=1, keepdims=True)
        v = self.beta2 * state["v"] + (1.0 - self.beta2) * g2
        den = self.nu + np.sqrt(v)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(den > 0, self.gamma * m / np.where(den > 0, den, 1.0), 0.0)
        if self.coordinatewise:
            delta = -np.clip(u, -self.D, self.D)
        else:
            norm = np.sqrt(np.sum(u * u, axis=1, keepdims=True))
            scale = np.minimum(1.0, self.D / np.where(norm > 0, norm, 1.0))
            delta = -u * scale
        return {"m": m, "v": v, "delta": delta}

    def params(self) -> dict[str, Any]:
        return {
            "learner": "clipped_adam",
            "D": self.D,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "gamma": self.gamma,
            "nu": self.nu,
            "coordinatewise": self.coordinatewise,
        }


@dataclass(frozen=True)
class OptimizerLearner:
    r"""A kernels optimizer as an O2NC online learner: its update is the increment played.

    .. math::

        \Delta_{t+1} = \mathrm{step}(0, g_t) - 0,

    i.e. the optimizer's own update from its state (for Adam,
    :math:`\Delta_{t+1} = -\eta\,\hat m_t/(\sqrt{\hat v_t}+\epsilon)`), which does not depend on
    the point for the optimizers of :mod:`adamtheory.kernels.optimizers` (none has weight
    decay). This is how "Adam + model EMA" without clipping, or SGD with momentum, runs through a
    conversion; the O2NC guarantees are proved for :class:`BetaOMD` and
    :class:`ClippedAdamLearner` only.

    Attributes
    ----------
    optimizer
        An object with ``init(x0)`` and ``step(x, g, state) -> (x_new, state)`` (e.g.
        ``adamtheory.kernels.adam(...)``). Hyperparameters may be (B,) arrays.
    beta : float or (B,) array, optional
        The discount the conversion uses as the EMA default and as ζ of ``"schedule-free"``
        (the increment is played as it is; only :class:`BetaOMD` is rescaled by 1/ζ there);
        default the optimizer's ``beta1`` (or ``beta``). Required when it has neither.
    """

    optimizer: Any
    beta: Any = None

    def __post_init__(self) -> None:
        if not (
            callable(getattr(self.optimizer, "init", None))
            and callable(getattr(self.optimizer, "step", None))
        ):
            raise TypeError(
                "optimizer must have init(x0) and step(x, g, state) (an optimizer of "
                f"adamtheory.kernels); got {type(self.optimizer).__name__}"
            )
        beta = self.beta
        if beta is None:
            beta = getattr(self.optimizer, "beta1", getattr(self.optimizer, "beta", None))
        if beta is None:
            raise ValueError(
                f"beta is required: {type(self.optimizer).__name__} has no beta1 or "
                "beta to take the EMA discount from"
            )
        object.__setattr__(self, "beta", _column("beta", beta, low=0.0, high=1.0, low_closed=True))

    def init(self, shape: tuple[int, int]) -> dict[str, Any]:
        zero = np.zeros(shape)
        return {"opt": self.optimizer.init(zero), "delta": zero}

    def played(self, state: dict[str, Any]) -> np.ndarray:
        return state["delta"]

    def update(self, state: dict[str, Any], g: np.ndarray) -> dict[str, Any]:
        step, opt_state = self.optimizer.step(np.zeros_like(g), g, state["opt"])
        return {"opt": opt_state, "delta": np.asarray(step, dtype=np.float64)}

    def params(self) -> dict[str, Any]:
        inner = self.optimizer.params() if callable(getattr(self.optimizer, "params", None)) else {}
        name = getattr(self.optimizer, "name", None) or type(self.optimizer).__name__
        return {
            "learner": f"optimizer:{name}",
            "beta": self.beta,
            **{f"optimizer_{k}": v for k, v in inner.items()},
        }


def _lower_offset(problem: Any, lam: float) -> float | None:
    """docs/theory §2's lower-estimate offset from the problem's global constants, if it has any."""
    try:
        constants = problem.o2nc_constants
    except (AttributeError, ValueError):  # none, or a user function that states none
        return None
    if getattr(constants, "region_radius", None) is not None and not getattr(
        constants, "curvature_global", False
    ):
        return None  # constants that hold on a box only do not bound E_p over all w
    return lower_estimate_offset(
        lam, L=getattr(constants, "L", None), H=getattr(constants, "H", None)
    )


def _tau_weight(law: str, beta: Any, t: int, T: int) -> Any:
    """Pr(τ = t) under ``law`` (vectorised over a per-trajectory β)."""
    if law == "uniform":
        return 1.0 / T
    bt = np.power(beta, t)
    if t < T:
        return (1.0 - bt) / T
    return (1.0 - bt) / ((1.0 - beta) * T)


def _nan_to_inf(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), np.inf, values)


def _log_steps(total: int, count: int) -> np.ndarray:
    steps = np.unique(np.round(np.geomspace(1, total, count)).astype(np.int64))
    return steps[(steps >= 1) & (steps <= total)]


def _check_draws(name: str, draws: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    if draws is None:
        return None
    arr = np.asarray(draws, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {arr.shape}")
    return arr


def o2nc_run(
    problem: Any,
    learner: BetaOMD | ClippedAdamLearner | OptimizerLearner,
    *,
    conversion: str,
    T: int,
    batch: int = 1,
    seed: int = 0,
    noise: Any = None,
    lam: float = 1.0,
    ema_beta: Any = None,
    tau_law: str = "uniform",
    epochs: int = 1,
    x0: Any = None,
    lower: bool = True,
    checkpoints: Any = None,
    trace_points: int = 60,
    s_draws: Any = None,
    noise_draws: Any = None,
    record_path: bool = False,
    stop_below: float | None = None,
    G: float | None = None,
) -> xr.Dataset:
    r"""Run an O2NC conversion with an online learner; measure the EMA output's stationarity.

    Non-finite gradients and divergence never yield a NaN silently. Such a trajectory is
    frozen at its last finite step: from the step recorded in ``nonfinite_at``/``diverged_at``
    on, nothing of it enters the accumulations (its learner gets zero gradients and its
    queries are held at its last good point, so the others' numbers, and all random draws, are
    unchanged). Its ``U_tau``, ``gradnorm_tau``, ``lower_tau`` and ``spread_tau`` are the
    τ-averages over the steps before that one (τ conditioned on them; ``U_tau = inf``,
    ``lower_tau = 0`` when no step was finite), its ``U_running`` holds the running mean
    over its finite steps, its ``U_trace``/``gradnorm_trace`` entries after it are NaN (not
    recorded), and ``ybar_final`` is its last finite output (x0 if none); ``valid`` is False
    and the call emits one :class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning`
    for the run (how many trajectories, first step). Exclude them with ``ds.where(ds.valid)``
    or ``ds.U_tau[ds.valid]``. ``gradnorm_final`` is ``inf`` where the gradient at
    ``ybar_final`` is not finite.

    Parameters
    ----------
    problem
        Exact oracle: ``grad(x)`` and ``value(x)`` on (B, d) arrays, ``dim``, ``x0``.
    learner : BetaOMD, ClippedAdamLearner or OptimizerLearner
        The online learner (parameters may be (B,) arrays: one configuration per trajectory).
    conversion : {"uniform", "exponential", "anchored", "schedule-free"}
        See the module docstring (docs/theory §1.5).
    T : int
        Steps (per epoch for ``"anchored"``).
    batch : int
        Trajectories B; they differ by their random draws (and per-trajectory parameters).
    seed : int
        Root seed of ``numpy.random.SeedSequence``; all draws (s, noise) come from it.
    noise
        ``None`` (exact gradients) or an object with ``sample(rng, shape)`` and ``sigma``
        (E‖ξ‖² = σ²): ``g_t = ∇F(y_t) + ξ_t``.
    lam : float
        λ of the upper estimate :math:`U_t` (docs/theory §2), ``lam >= 0``.
    ema_beta : float or (B,) array, optional
        EMA discount of the output, in [0, 1); defaults to the learner's β (β1): the O2NC theory
        ties them. 0 outputs the last query point (:math:`\bar y_t = y_t`, which is the last
        iterate :math:`x_t` in the ``"exponential"`` conversion).
    tau_law : {"uniform", "amc25"}
        Law of the output index τ (CMO23/ZC24/AC24 uniform, or AMC25 Definition 4).
    epochs : int
        Number of epochs N (``"anchored"`` only; otherwise 1).
    x0 : array, optional
        (d,) or (B, d) start; default ``problem.x0``.
    lower : bool
        Also compute :math:`\|\nabla F(\bar y_t)\|` at every step and, when the problem states
        global constants (``o2nc_constants`` with L, or H and λ ≥ H/2), the lower estimate
        :math:`\max(0, \|\nabla F(\bar y_t)\| - c) \le \|\nabla F(\bar y_t)\|_{[\lambda]}`
        of docs/theory §2 (:func:`~adamtheory.kernels.o2nc.lower_estimate_offset`)
        (one more gradient per step); a problem with its own certified estimate
        ``stationarity_lower(x, lam)`` (:mod:`adamtheory.problems.o2nc_hard`) uses that instead.
    checkpoints : sequence of int, optional
        Steps at which the running uniform-τ mean :math:`\frac1k\sum_{t\le k}U_t` is recorded
        (for rates); default log-spaced.
    s_draws, noise_draws : arrays, optional
        Injected randomness, shapes (N·T, B) and (N·T, B, d) (for identity checks); ``s`` is
        ``s_t`` (uniform, exponential, anchored) or ``u_t`` (schedule-free).
    record_path : bool
        Keep every query point ``y`` (memory N·T·B·d; for identity checks).
    stop_below : float, optional
        Stop at the first checkpoint where every trajectory's running mean of :math:`U_t` is
        ≤ this value (for hitting times; the τ-averages then cover the steps run, and later
        checkpoints are NaN). Not with ``"anchored"``.
    G : float, optional
        A stated bound on :math:`\|\nabla F\|` to check against the query-point gradients;
        default the problem's ``stated_G`` (the G given to
        :func:`~adamtheory.problems.user.user_function`), if any. When ``max_query_grad``
        exceeds it the call emits one
        :class:`~adamtheory.kernels.nonfinite.StatedConstantWarning` and sets the attr
        ``G_exceeded`` to 1.

    Returns
    -------
    xarray.Dataset
        ``U_tau`` (traj): :math:`\mathbb E_\tau U_\tau` per trajectory (averaged over epochs for
        ``"anchored"``); ``gradnorm_tau``: :math:`\mathbb E_\tau\|\nabla F(\bar y_\tau)\|`;
        ``lower_tau``: the τ-average of the lower estimate (NaN where the problem has none;
        ``lower_tau <= U_tau`` always, both bracket :math:`\|\nabla F(\bar y_\tau)\|_{[\lambda]}`);
        ``spread_tau``; ``U_running`` (checkpoint, traj); ``U_trace``/``gradnorm_trace``
        (step, traj); ``ybar_final``, ``f_ybar_final`` (NaN for a problem whose ``has_value``
        is False), ``gradnorm_final``; ``max_query_grad`` (sup of ‖∇F(y_t)‖ seen: check it
        against the assumed G); ``diverged_at`` (0 = never: else the first step whose query
        point is not finite, or whose query gradient has finite entries but an overflowing
        norm); ``nonfinite_at`` (0 = never: else the first step at which the oracle returned
        NaN/inf at a finite query point :math:`y_t`, or with ``lower`` at the output
        :math:`\bar y_t`); ``valid`` (neither happened); attrs with parameters, seed,
        versions, ``nonfinite_trajectories``, ``G_stated`` and ``G_exceeded``.

    Warns
    -----
    NonFiniteGradientWarning
        Once per call, when the oracle returned NaN/inf for any trajectory.
    StatedConstantWarning
        Once per call, when a query-point gradient exceeded the stated G.
    """
    check_choice("conversion", conversion, CONVERSIONS)
    check_choice("tau_law", tau_law, TAU_LAWS)
    if not isinstance(learner, (BetaOMD, ClippedAdamLearner, OptimizerLearner)):
        raise TypeError(
            f"learner must be a BetaOMD, ClippedAdamLearner or OptimizerLearner "
            f"(wrap a kernels optimizer in OptimizerLearner); got "
            f"{type(learner).__name__}"
        )
    T = check_int("T", T, minimum=1)
    B = check_int("batch", batch, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    if epochs > 1 and conversion != "anchored":
        raise ValueError("epochs must be 1 unless conversion='anchored'")
    if stop_below is not None and conversion == "anchored":
        raise ValueError("stop_below is not available with conversion='anchored'")
    check_positive("lam", lam, allow_zero=True)
    check_int("seed", seed, minimum=0)
    G_stated = getattr(problem, "stated_G", None) if G is None else G
    if G_stated is not None:
        check_positive("G", G_stated, allow_zero=True)
        G_stated = float(G_stated)
    d = int(problem.dim)
    beta_learner = learner.beta1 if isinstance(learner, ClippedAdamLearner) else learner.beta
    beta_out = _column(
        "ema_beta",
        beta_learner if ema_beta is None else ema_beta,
        low=0.0,
        high=1.0,
        low_closed=True,
    )
    zeta = learner.momentum if isinstance(learner, BetaOMD) else beta_learner
    total = epochs * T
    s_draws = _check_draws("s_draws", s_draws, (total, B))
    noise_draws = _check_draws("noise_draws", noise_draws, (total, B, d))
    start = np.asarray(problem.x0 if x0 is None else x0, dtype=np.float64)
    start = np.broadcast_to(start, (B, d)).copy()
    if not np.all(np.isfinite(start)):
        raise ValueError("x0 must be finite")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    beta_col = np.broadcast_to(np.asarray(beta_out, dtype=np.float64), (B, 1))

    ckpts = _log_steps(T, 25) if checkpoints is None else np.asarray(checkpoints, dtype=np.int64)
    if ckpts.size and (ckpts.min() < 1 or ckpts.max() > T):
        raise ValueError(f"checkpoints must lie in [1, T={T}]")
    trace = _log_steps(T, trace_points)
    trace_set = {int(k): i for i, k in enumerate(trace)}
    ckpt_set = {int(k): i for i, k in enumerate(ckpts)}

    U_tau = np.zeros(B)
    gn_tau = np.zeros(B)
    lower_tau = np.zeros(B)
    # a problem's own certified lower estimate (problems/o2nc_hard.py) beats the generic offset
    own_lower = getattr(problem, "stationarity_lower", None) if lower and lam > 0 else None
    offset = _lower_offset(problem, lam) if lower and lam > 0 and own_lower is None else None
    spread_tau = np.zeros(B)
    U_running = np.full((len(ckpts), B), np.nan)
    U_trace = np.full((len(trace), B), np.nan)
    gn_trace = np.full((len(trace), B), np.nan)
    max_query_grad = np.zeros(B)
    diverged_at = np.zeros(B, dtype=np.int64)
    nonfinite_at = np.zeros(B, dtype=np.int64)
    live = np.ones(B, dtype=bool)  # no non-finite gradient nor iterate so far
    weight = np.zeros(B)  # Pr(tau among the steps that entered the accumulations)
    y_safe = start.copy()  # each trajectory's last query point with a finite gradient
    path = np.empty((total, B, d)) if record_path else None

    def stop(rows: np.ndarray, points: np.ndarray, grads: np.ndarray) -> None:
        """Freeze ``rows`` at this step: non-finite gradient at a finite point, else diverged."""
        oracle = rows & nonfinite_rows(grads) & ~nonfinite_rows(points)
        nonfinite_at[oracle] = step + 1
        diverged_at[rows & ~oracle] = step + 1

    anchor = start.copy()
    x = start.copy()
    step = 0
    for epoch in range(epochs):
        state = learner.init((B, d))
        if conversion == "anchored":
            # candidate next anchors: reservoir-sample one w_t uniformly per trajectory
            next_anchor = anchor.copy()
        ybar = np.zeros((B, d))
        gbar = np.zeros((B, d))
        spread = np.zeros(B)
        beta_pow = np.ones((B, 1))
        U_cum = np.zeros(B)
        n_cum = np.zeros(B, dtype=np.int64)
        for t in range(1, T + 1):
            delta = learner.played(state)
            if conversion == "schedule-free" and isinstance(learner, BetaOMD):
                delta = delta / zeta
            if s_draws is not None:
                s = s_draws[step][:, None]
            elif conversion == "exponential":
                s = rng.exponential(1.0, (B, 1))
            else:
                s = rng.random((B, 1))
            if conversion == "uniform":
                y = x + s * delta
                x = x + delta
            elif conversion == "exponential":
                x = x + s * delta
                y = x
            elif conversion == "anchored":
                w = anchor + delta
                y = anchor + s * delta
                pick = rng.random(B) * t < 1.0  # reservoir sampling: uniform on w_1..w_t
                next_anchor[pick] = w[pick]
            else:  # schedule-free
                x = x + delta
                y = x + zeta * s * delta
            frozen = not live.all()
            if frozen:  # hold the frozen trajectories' queries at a point known to be good
                y = np.where(live[:, None], y, y_safe)
            if record_path:
                path[step] = y
            grad_y = problem.grad(y)
            qnorm = np.sqrt(np.sum(grad_y * grad_y, axis=1))
            bad = live & ~(np.isfinite(qnorm) & np.isfinite(y).all(axis=1))
            if bad.any():
                stop(bad, y, grad_y)
                live = live & ~bad
                frozen = True
            if frozen:  # frozen rows compute with finite stand-ins; nothing of them is kept
                y = np.where(live[:, None], y, y_safe)
                grad_y = np.where(live[:, None], grad_y, 0.0)
            if noise_draws is not None:
                g = grad_y + noise_draws[step]
            elif noise is not None:
                g = grad_y + noise.sample(rng, (B, d))
            else:
                g = grad_y
            if frozen:
                g = np.where(live[:, None], g, 0.0)
            state = learner.update(state, g)
            max_query_grad = np.maximum(max_query_grad, np.where(live, qnorm, 0))

            beta_pow = beta_pow * beta_col
            a = (beta_col - beta_pow) / (1.0 - beta_pow)
            b = 1.0 - a
            diff = y - ybar
            spread_new = a[:, 0] * spread + (a * b)[:, 0] * np.sum(diff * diff, axis=1)
            ybar_new = ybar + b * diff
            gbar_new = a * gbar + b * grad_y
            U = np.sqrt(np.sum(gbar_new * gbar_new, axis=1)) + lam * spread_new
            p = np.broadcast_to(_tau_weight(tau_law, beta_col, t, T), (B, 1))[:, 0]
            if lower:
                out_pts = np.where(live[:, None], ybar_new, y_safe) if frozen else ybar_new
                gy = problem.grad(out_pts)
                gn = np.sqrt(np.sum(gy * gy, axis=1))
                bad = live & ~np.isfinite(gn)
                if bad.any():
                    stop(bad, out_pts, gy)
                    live = live & ~bad
                    frozen = True
            if frozen:
                y_safe = np.where(live[:, None], y, y_safe)
                spread = np.where(live, spread_new, spread)
                ybar = np.where(live[:, None], ybar_new, ybar)
                gbar = np.where(live[:, None], gbar_new, gbar)
            else:
                y_safe, spread, ybar, gbar = y, spread_new, ybar_new, gbar_new
            U_tau += np.where(live, p * U / epochs, 0.0)
            spread_tau += np.where(live, p * spread / epochs, 0.0)
            weight += np.where(live, p / epochs, 0.0)
            if lower:
                gn_tau += np.where(live, p * gn / epochs, 0.0)
                if own_lower is not None:
                    est = own_lower(out_pts, lam)
                    lower_tau += np.where(live, p * est / epochs, 0.0)
                elif offset is not None:
                    lower_tau += np.where(live, p * np.maximum(gn - offset, 0.0) / epochs, 0.0)
            U_cum += np.where(live, U, 0.0)
            n_cum += live
            if t in ckpt_set and epoch == epochs - 1:
                with np.errstate(divide="ignore", invalid="ignore"):
                    running = np.where(n_cum > 0, U_cum / n_cum, np.inf)
                U_running[ckpt_set[t]] = running
                if stop_below is not None and np.all(running[live] <= stop_below):
                    break
            if t in trace_set and epoch == epochs - 1:
                U_trace[trace_set[t]] = np.where(live, U, np.nan)
                if lower:
                    gn_trace[trace_set[t]] = np.where(live, gn, np.nan)
            step += 1
        if conversion == "anchored":
            anchor = next_anchor
    stopped = (nonfinite_at > 0) | (diverged_at > 0)
    if stopped.any():  # tau conditioned on the steps that were kept (module docstring)
        seen = stopped & (weight > 0)
        for acc in (U_tau, spread_tau, gn_tau, lower_tau):
            acc[seen] /= weight[seen]
        none = stopped & (weight == 0)
        U_tau[none] = np.inf
        spread_tau[none] = np.inf
        gn_tau[none] = np.inf
        lower_tau[none] = 0.0
        ybar[none] = start[none]
    name = getattr(problem, "name", type(problem).__name__)
    count = warn_nonfinite(f"o2nc_run on {name}", nonfinite_at, never=0)
    exceeded = warn_stated_G(f"o2nc_run on {name}", G_stated, max_query_grad)
    gfinal = problem.grad(ybar)
    if getattr(problem, "has_value", True):
        with np.errstate(invalid="ignore"):
            ffinal = problem.value(ybar)
    else:  # a user function given by its gradient only: F is unknown, not zero
        ffinal = np.full(B, np.nan)
    scalar_params = {k: v for k, v in learner.params().items() if np.ndim(v) == 0}
    ds = xr.Dataset(
        {
            "U_tau": ("traj", U_tau),
            "gradnorm_tau": ("traj", gn_tau if lower else np.full(B, np.nan)),
            # NaN = no lower estimate for this problem (no global L, nor H with lam >= H/2)
            "lower_tau": (
                "traj",
                lower_tau if offset is not None or own_lower is not None else np.full(B, np.nan),
            ),
            "spread_tau": ("traj", spread_tau),
            "U_running": (("checkpoint", "traj"), U_running),
            "U_trace": (("step", "traj"), U_trace),
            "gradnorm_trace": (("step", "traj"), gn_trace),
            "ybar_final": (("traj", "dim"), ybar),
            "f_ybar_final": ("traj", np.asarray(ffinal, dtype=np.float64)),
            "gradnorm_final": ("traj", _nan_to_inf(np.sqrt(np.sum(gfinal * gfinal, axis=1)))),
            "gradnorm1_final": ("traj", _nan_to_inf(np.sum(np.abs(gfinal), axis=1))),
            "max_query_grad": ("traj", max_query_grad),
            "diverged_at": ("traj", diverged_at),
            "nonfinite_at": ("traj", nonfinite_at),
            "valid": ("traj", ~stopped),
        },
        coords={"checkpoint": ckpts, "step": trace, "traj": np.arange(B)},
        attrs={
            "conversion": conversion,
            "T": T,
            "epochs": epochs,
            "batch": B,
            "seed": seed,
            "lam": float(lam),
            "tau_law": tau_law,
            "lower_offset": (
                "problem" if own_lower is not None else "none" if offset is None else float(offset)
            ),
            "sigma": float(getattr(noise, "sigma", 0.0)) if noise is not None else 0.0,
            "problem": name,
            "nonfinite_trajectories": count,
            "G_stated": "none" if G_stated is None else G_stated,
            "G_exceeded": int(exceeded),
            # netCDF attributes cannot be bool or None
            **{
                f"learner_{k}": (int(v) if isinstance(v, bool) else "none" if v is None else v)
                for k, v in scalar_params.items()
            },
            **{f"env_{k}": str(v) for k, v in environment().items()},
        },
    )
    if record_path:
        ds["path"] = (("t", "traj", "dim"), path)
    return ds


# ----------------------------------------------------------------------------- schedule-free SGD

#: Averaging weights of schedule-free SGD: AMC25's c_t = 1 - ζ, or Defazio et al.'s w_t/Σw.
SF_AVERAGING = ("amc25", "defazio")
#: Whose step-count convention the Defazio weights follow (they differ only under warmup).
SF_CONVENTIONS = ("schedulefree", "optax")


def schedule_free_weights(
    T: int,
    *,
    gamma: float,
    warmup_steps: int = 0,
    r: float = 0.0,
    weight_lr_power: float = 2.0,
    convention: str = "schedulefree",
) -> tuple[np.ndarray, np.ndarray]:
    r"""Defazio et al.'s step sizes and averaging weights of schedule-free SGD, steps 1..T.

    With a linear warmup of ``warmup_steps`` = W steps (none when W = 0) and
    :math:`\ell(n) = \gamma\min(n/W, 1)` (:math:`\ell \equiv \gamma` when W = 0),

    .. math::

        \gamma_t = \ell(t),\qquad
        w_t = t^r\,\big(\max_{s\le t}\gamma_s\big)^{p},\qquad
        c_t = \frac{w_t}{\sum_{s\le t} w_s}\quad(c_t = 0 \text{ while the sum is } 0),

    with :math:`p` = ``weight_lr_power``: this is ``schedulefree.SGDScheduleFree`` (version
    1.4.1: ``lr * (k+1)/warmup_steps``, ``weight = (k+1)**r * lr_max**weight_lr_power``,
    ``ckp1 = weight/weight_sum``, k = t - 1). ``convention="optax"`` follows
    ``optax.contrib.schedule_free_sgd`` (0.2.8) instead, which has no polynomial weight (r must
    be 0) and whose SGD step reads the schedule one count earlier than its weight (the inner
    ``sgd`` counts from 0, the wrapper's ``step_count`` from 1):
    :math:`\gamma_t = \ell(t-1)`, :math:`w_t = (\max_{s\le t}\ell(s))^{p}`. Without warmup both
    give :math:`\gamma_t = \gamma` and, at r = 0, :math:`c_t = 1/t` (the uniform average).

    Source: Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less Scheduled",
    NeurIPS 2024 (schedule-free averaging with weights :math:`c_{t+1} = w_{t+1}/\sum w`; the
    exact warmup, lr-power and polynomial weights are those of the packages' code, read from
    their sources at the versions above); docs/theory §1.5.

    Parameters
    ----------
    T : int
        Steps, ≥ 1.
    gamma : float
        Peak step size γ > 0 (the packages' ``lr``/``learning_rate``).
    warmup_steps : int
        Linear warmup length W ≥ 0 (0: none; optax's ``warmup_steps=None``).
    r : float
        Polynomial weight power r ≥ 0 (``schedulefree`` only).
    weight_lr_power : float
        Power p ≥ 0 of the running maximum step size in the weight.
    convention : {"schedulefree", "optax"}
        Which package's step counting to follow.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``gamma_t`` and ``c_t``, shape (T,) each.
    """
    T = check_int("T", T, minimum=1)
    check_positive("gamma", gamma)
    W = check_int("warmup_steps", warmup_steps, minimum=0)
    check_positive("r", r, allow_zero=True)
    check_positive("weight_lr_power", weight_lr_power, allow_zero=True)
    check_choice("convention", convention, SF_CONVENTIONS)
    if convention == "optax" and r != 0:
        raise ValueError(
            "r must be 0 with convention='optax' (optax.contrib.schedule_free has no "
            f"polynomial weight); got {r!r}"
        )
    t = np.arange(1, T + 1, dtype=np.float64)

    def schedule(n: np.ndarray) -> np.ndarray:
        return gamma * np.minimum(n / W, 1.0) if W > 0 else np.full(n.shape, float(gamma))

    lr_weight = schedule(t)
    lr_step = schedule(t - 1.0) if convention == "optax" else lr_weight
    # the running maximum and the power exactly as the packages compute them (0**0 = 1)
    weight = t**r * np.maximum.accumulate(lr_weight) ** weight_lr_power
    total = np.cumsum(weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(total > 0, weight / total, 0.0)
    return lr_step, c


def _sf_kappa(kappa: Any, T: int | None, batch: int | None, noise: Any) -> np.ndarray:
    """κ as a (T, B) array: given, or a scalar broadcast to T steps and B trajectories."""
    kappa = np.asarray(kappa, dtype=np.float64)
    if kappa.ndim == 2:
        return kappa
    if kappa.ndim != 0:
        raise ValueError(f"kappa must be a scalar or have shape (T, B); got {kappa.shape}")
    if T is None:
        if noise is None:
            raise ValueError("a scalar kappa needs T (or noise of shape (T, B, d))")
        T = np.shape(noise)[0]
    T = check_int("T", T, minimum=1)
    if batch is None:
        batch = np.shape(noise)[1] if noise is not None else 1
    batch = check_int("batch", batch, minimum=1)
    return np.full((T, batch), float(kappa))


def schedule_free_sgd(
    problem: Any,
    x0: Any,
    *,
    gamma: float,
    zeta: float | None = None,
    kappa: Any,
    noise: Any = None,
    averaging: str = "amc25",
    warmup_steps: int = 0,
    r: float = 0.0,
    weight_lr_power: float = 2.0,
    convention: str = "schedulefree",
    c: Any = None,
    T: int | None = None,
    batch: int | None = None,
    return_x: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Schedule-free SGD in its own variables (docs/theory §1.5), with AMC25's or Defazio et
    al.'s averaging.

    ``averaging="amc25"`` (default; AMC25 Option III, Algorithms 5–7, which "consistently sets
    :math:`c_t \equiv 1-\zeta`"):

    .. math::

        y_t = \kappa_t x_t + (1-\kappa_t) z_t,\quad z_{t+1} = z_t - \gamma g_t,\quad
        x_{t+1} = \zeta x_t + (1-\zeta) z_{t+1},\qquad x_1 = z_1 = x_0,

    with :math:`g_t = \nabla F(y_t) + \xi_t` and ``kappa`` given per step and trajectory
    (AMC25: :math:`\kappa_t \sim U[\zeta, 1]`). This path is the independent implementation
    the claim SF-EQ compares Option III with.

    ``averaging="defazio"`` (Defazio et al., "The Road Less Scheduled", NeurIPS 2024; the
    ``schedulefree`` package 1.4.1, ``SGDScheduleFree``, and ``optax.contrib.schedule_free_sgd``
    0.2.8): a fixed interpolation :math:`\kappa \equiv \beta` (the packages' ``momentum`` /
    ``b1``; :math:`y = \beta x + (1-\beta) z`) and the averaging weight
    :math:`c_t = w_t/\sum_{s\le t} w_s` with warmup and lr-power weights
    (:func:`schedule_free_weights`),

    .. math::

        z_{t+1} = z_t - \gamma_t g_t,\quad x_{t+1} = (1-c_t)x_t + c_t z_{t+1},\quad
        y_{t+1} = (1-c_t) y_t + c_t z_t + \gamma_t\big(\beta(1-c_t) - 1\big) g_t,

    run, as both packages run it, on (y, z) only (the last form is
    :math:`y_{t+1} = \beta x_{t+1} + (1-\beta) z_{t+1}` with x eliminated; x is recovered as
    :math:`(y - (1-\beta) z)/\beta`). Only :math:`c_t \equiv 1-\zeta` is covered by AMC25's
    theorem: this semantics lies outside it.

    Parameters
    ----------
    problem
        Exact oracle with ``grad(x)`` on (B, d) arrays and ``dim``.
    x0 : array
        (d,) or (B, d) start.
    gamma : float
        Step size γ > 0 (Defazio: the peak step size, the packages' ``lr``).
    zeta : float
        ζ in [0, 1) of AMC25's :math:`c_t = 1-\zeta`; ``"amc25"`` only.
    kappa : float or array
        ``"amc25"``: (T, B) array of κ_t, or a scalar (a fixed κ; then ``T`` or ``noise`` gives
        the steps). ``"defazio"``: the fixed interpolation β in (0, 1), a scalar.
    noise : array, optional
        (T, B, d) gradient noise :math:`\xi_t` (None: exact gradients).
    averaging : {"amc25", "defazio"}
        The averaging weights (above).
    warmup_steps, r, weight_lr_power, convention
        Defazio's weights, see :func:`schedule_free_weights` (``"defazio"`` only).
    c : array, optional
        ``"defazio"`` only: (T,) averaging weights in [0, 1] used instead of the Defazio ones
        (e.g. forced to :math:`1-\zeta`, which reduces the method to the default's update with
        :math:`\kappa\equiv\beta`; an identity check).
    T, batch : int, optional
        Steps and trajectories when ``kappa`` is a scalar (default from ``noise``; B = 1).
    return_x : bool
        Also return the averaged sequence x (the packages' evaluation point).

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        The query points ``y``, shape (T, B, d); with ``return_x`` also :math:`x_{t+1}` after
        each step, shape (T, B, d).
    """
    check_positive("gamma", gamma)
    check_choice("averaging", averaging, SF_AVERAGING)
    if averaging == "amc25":
        if zeta is None:
            raise ValueError("zeta is required with averaging='amc25' (c_t = 1 - zeta)")
        check_interval("zeta", zeta, 0.0, 1.0)
        if c is not None:
            raise ValueError("c is for averaging='defazio' only (AMC25 sets c_t = 1 - zeta)")
    else:
        if zeta is not None:
            raise ValueError(
                "zeta is AMC25's averaging parameter; with averaging='defazio' the weights come "
                "from warmup_steps, r and weight_lr_power (or pass c)"
            )
        if np.ndim(kappa) != 0:
            raise ValueError(
                "kappa must be a scalar with averaging='defazio' (the packages' fixed "
                f"interpolation beta); got shape {np.shape(kappa)}"
            )
        check_interval("kappa", kappa, 0.0, 1.0, low_closed=False)
    kap = _sf_kappa(kappa, T, batch, noise)
    steps, B = kap.shape
    d = int(problem.dim)
    if noise is not None:
        noise = np.asarray(noise, dtype=np.float64)
        if noise.shape != (steps, B, d):
            raise ValueError(f"noise must have shape {(steps, B, d)}; got {noise.shape}")
    x = np.broadcast_to(np.asarray(x0, dtype=np.float64), (B, d)).copy()
    z = x.copy()
    ys = np.empty((steps, B, d))
    xs = np.empty((steps, B, d)) if return_x else None
    if averaging == "amc25":
        for t in range(steps):
            y = kap[t][:, None] * x + (1.0 - kap[t][:, None]) * z
            ys[t] = y
            g = problem.grad(y)
            if noise is not None:
                g = g + noise[t]
            z = z - gamma * g
            x = zeta * x + (1.0 - zeta) * z
            if xs is not None:
                xs[t] = x
        return (ys, xs) if return_x else ys
    if c is None:
        lr, c = schedule_free_weights(
            steps,
            gamma=gamma,
            warmup_steps=warmup_steps,
            r=r,
            weight_lr_power=weight_lr_power,
            convention=convention,
        )
    else:
        c = np.asarray(c, dtype=np.float64)
        if c.shape != (steps,):
            raise ValueError(f"c must have shape ({steps},); got {c.shape}")
        check_interval("c", c, 0.0, 1.0, high_closed=True)
        lr = np.full(steps, float(gamma))
    beta = float(kappa)
    y = x  # y_1 = x_1 = z_1 = x0
    for t in range(steps):
        ys[t] = y
        g = problem.grad(y)
        if noise is not None:
            g = g + noise[t]
        # the packages' in-place order: y <- lerp(y, z, c) + lr (beta (1-c) - 1) g, then z
        y = y + c[t] * (z - y) + lr[t] * (beta * (1.0 - c[t]) - 1.0) * g
        z = z - lr[t] * g
        if xs is not None:
            xs[t] = (y - (1.0 - beta) * z) / beta
    return (ys, xs) if return_x else ys


def _sf_huber_loop(
    keys: np.ndarray,
    x0: np.ndarray,
    G: float,
    r: float,
    lam: float,
    beta: float,
    sigma_coord: float,
    lr: np.ndarray,
    c: np.ndarray,
    random_kappa: bool,
    zeta: float,
    kappa: float,
    amc25_tau: bool,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled by Numba (schedule_free_huber_run); tested through it
    # The counters are huber_omd_run's (kernels/o2nc_fused.py): s_t at (step, SAMPLING), the
    # noise by Box-Muller at (2(step d + j), NOISE) and (2(step d + j) + 1, NOISE), so the same
    # seed feeds this loop and the fused Option III kernel the same numbers.
    B, d = x0.shape
    T = lr.shape[0]
    h = G / r
    x = np.empty(d)
    z = np.empty(d)
    y = np.empty(d)
    gy = np.empty(d)
    ybar = np.empty(d)
    gbar = np.empty(d)
    sampling = np.uint64(_STREAM_SAMPLING) << np.uint64(56)
    noise_stream = np.uint64(_STREAM_NOISE) << np.uint64(56)
    for i in range(B):
        key = keys[i]
        for j in range(d):
            x[j] = x0[i, j]
            z[j] = x0[i, j]
            ybar[j] = 0.0
            gbar[j] = 0.0
        u_tau = 0.0
        low_tau = 0.0
        gn_tau = 0.0
        max_grad = 0.0
        spread = 0.0
        bpow = 1.0
        bad = 0.0
        for step in range(T):
            t = step + 1
            kap = kappa
            if random_kappa:  # AMC25: kappa_t = 1 - (1 - zeta) s_t ~ U[zeta, 1]
                kap = 1.0 - (1.0 - zeta) * ac.hash_uniform(key, np.uint64(step) | sampling)
            norm2 = 0.0
            for j in range(d):
                y[j] = kap * x[j] + (1.0 - kap) * z[j]
                norm2 += y[j] * y[j]
            if not math.isfinite(norm2):
                bad = float(t)
                break
            scale = G / max(math.sqrt(norm2), r)
            qn = 0.0
            for j in range(d):
                gy[j] = scale * y[j]
                qn += gy[j] * gy[j]
            max_grad = max(max_grad, math.sqrt(qn))
            for j in range(d):
                g = gy[j]
                if sigma_coord > 0.0:
                    k2 = np.uint64(2) * np.uint64(step * d + j)
                    u1 = ac.hash_uniform(key, k2 | noise_stream)
                    u2 = ac.hash_uniform(key, (k2 + np.uint64(1)) | noise_stream)
                    g += sigma_coord * (
                        math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
                    )
                z[j] = z[j] - lr[step] * g
                x[j] = (1.0 - c[step]) * x[j] + c[step] * z[j]
            # the model EMA of the query points and the online estimates (as huber_omd_run)
            bpow *= beta
            a = (beta - bpow) / (1.0 - bpow)
            b = 1.0 - a
            diff2 = 0.0
            for j in range(d):
                diff = y[j] - ybar[j]
                diff2 += diff * diff
            spread = a * spread + a * b * diff2
            gb2 = 0.0
            yb2 = 0.0
            for j in range(d):
                ybar[j] = ybar[j] + b * (y[j] - ybar[j])
                gbar[j] = a * gbar[j] + b * gy[j]
                gb2 += gbar[j] * gbar[j]
                yb2 += ybar[j] * ybar[j]
            U = math.sqrt(gb2) + lam * spread
            if not amc25_tau:
                p = 1.0 / T
            elif t < T:
                p = (1.0 - bpow) / T
            else:
                p = (1.0 - bpow) / ((1.0 - beta) * T)
            sb = math.sqrt(yb2)
            gn = G * sb / max(sb, r)
            loss = max(h * h / (4.0 * lam) - h * (r - sb), 0.0)
            u_tau += p * U
            low_tau += p * max(h * sb - loss, 0.0)
            gn_tau += p * gn
        xn2 = 0.0
        for j in range(d):
            xn2 += x[j] * x[j]
            out[i, 7 + j] = ybar[j]
            out[i, 7 + d + j] = x[j]
        sx = math.sqrt(xn2)
        loss = max(h * h / (4.0 * lam) - h * (r - sx), 0.0)
        out[i, 0] = u_tau
        out[i, 1] = low_tau
        out[i, 2] = gn_tau
        out[i, 3] = max_grad
        out[i, 4] = G * sx / max(sx, r)
        out[i, 5] = max(h * sx - loss, 0.0)
        out[i, 6] = bad


@cache
def _sf_huber_compiled() -> Any:
    """The Numba-compiled :func:`_sf_huber_loop` (imported and compiled on first use, so that
    array users of this module do not import Numba; cached on disk)."""
    from numba import njit

    ac.jitted()  # registers hash_uniform for nopython mode
    return njit(cache=True)(_sf_huber_loop)


def schedule_free_huber_run(
    problem: Any,
    *,
    gamma: float,
    beta: float,
    lam: float,
    sigma: float,
    T: int,
    averaging: str = "amc25",
    zeta: float | None = None,
    kappa: float | None = None,
    warmup_steps: int = 0,
    r: float = 0.0,
    weight_lr_power: float = 2.0,
    convention: str = "schedulefree",
    seed: int = 0,
    trajectories: Any = 8,
    tau_law: str = "amc25",
) -> dict[str, np.ndarray]:
    r"""Schedule-free SGD (:func:`schedule_free_sgd`'s update, either averaging) on a
    :class:`~adamtheory.problems.o2nc_hard.HuberWell`, compiled, with the O2NC measurement.

    The run is

    .. math::

        y_t = \kappa_t x_t + (1-\kappa_t) z_t,\quad z_{t+1} = z_t - \gamma_t g_t,\quad
        x_{t+1} = (1-c_t) x_t + c_t z_{t+1},\qquad g_t = \nabla F(y_t) + \xi_t,

    with ``averaging="amc25"``: :math:`\gamma_t = \gamma`, :math:`c_t = 1-\zeta`,
    :math:`\kappa_t = 1-(1-\zeta)s_t \sim U[\zeta, 1]` (AMC25 Option III: with
    :math:`\gamma = \eta/(1-\zeta)` this is :func:`~adamtheory.kernels.o2nc_fused.huber_omd_run`'s
    ``"schedule-free"`` run, draw for draw); ``"defazio"``: :math:`\kappa_t \equiv` ``kappa`` and
    Defazio et al.'s :math:`\gamma_t, c_t` (:func:`schedule_free_weights`), outside AMC25's
    theorem. The measurement is the O2NC one of ``huber_omd_run``: the β-EMA
    :math:`\bar y_t` of the query points, :math:`U_t \ge \|\nabla F(\bar y_t)\|_{[\lambda]}` and
    the certified lower estimate at :math:`\bar y_t`, integrated over τ (AMC25 Definition 4, or
    uniform); plus the bracket :math:`[\text{lower}, \|\nabla F(x_{T+1})\|]` of the measure at the
    packages' evaluation point :math:`x_{T+1}`. Noise: isotropic Gaussian of total level σ,
    counter-based draws keyed by trajectory id (:mod:`adamtheory.kernels.sampling`).

    Parameters
    ----------
    problem : HuberWell
        The instance.
    gamma : float
        Step size γ > 0 (Defazio: the peak).
    beta : float
        Discount β in (0, 1) of the output EMA and of τ's law (AMC25 Cor. 5.1's β).
    lam : float
        λ > 0 of the estimates.
    sigma : float
        Noise level σ ≥ 0.
    T : int
        Steps ≥ 1.
    averaging : {"amc25", "defazio"}
        The averaging weights.
    zeta : float
        ζ in (0, 1) (``"amc25"`` only).
    kappa : float
        The fixed interpolation in (0, 1) (``"defazio"`` only; the packages' ``momentum``).
    warmup_steps, r, weight_lr_power, convention
        Defazio's weights (:func:`schedule_free_weights`).
    seed : int
        Root seed of the trajectory keys.
    trajectories : int or sequence of int
        B (ids 0..B-1) or the global trajectory ids of this chunk.
    tau_law : {"amc25", "uniform"}
        The output index's law.

    Returns
    -------
    dict
        Per trajectory: ``U_tau``, ``lower_tau``, ``gradnorm_tau`` (E_τ),
        ``max_query_grad``, ``gradnorm_x`` and ``lower_x`` (the bracket at :math:`x_{T+1}`),
        ``ybar_final`` and ``x_final`` (B, d), ``diverged_at`` (0: never; else the first step
        with a non-finite query point, after which nothing of it is accumulated); and ``ids``.
    """
    from ..problems.o2nc_hard import HuberWell

    if not isinstance(problem, HuberWell):
        raise TypeError(f"problem must be a HuberWell; got {type(problem).__name__}")
    check_positive("gamma", gamma)
    check_interval("beta", beta, 0.0, 1.0, low_closed=False)
    check_positive("lam", lam)
    check_positive("sigma", sigma, allow_zero=True)
    T = check_int("T", T, minimum=1)
    check_choice("averaging", averaging, SF_AVERAGING)
    check_choice("tau_law", tau_law, TAU_LAWS)
    check_int("seed", seed, minimum=0)
    if averaging == "amc25":
        if zeta is None or kappa is not None:
            raise ValueError("averaging='amc25' takes zeta (kappa_t ~ U[zeta, 1]), not kappa")
        check_interval("zeta", zeta, 0.0, 1.0, low_closed=False)
        lr = np.full(T, float(gamma))
        c = np.full(T, 1.0 - float(zeta))
    else:
        if kappa is None or zeta is not None:
            raise ValueError("averaging='defazio' takes kappa (the fixed interpolation), not zeta")
        check_interval("kappa", kappa, 0.0, 1.0, low_closed=False)
        lr, c = schedule_free_weights(
            T,
            gamma=gamma,
            warmup_steps=warmup_steps,
            r=r,
            weight_lr_power=weight_lr_power,
            convention=convention,
        )
    ids = np.arange(trajectories) if np.ndim(trajectories) == 0 else np.asarray(trajectories)
    keys = trajectory_keys(seed, ids)
    d = int(problem.dim)
    x0 = np.broadcast_to(np.asarray(problem.x0, dtype=np.float64), (ids.size, d)).copy()
    out = np.zeros((ids.size, 7 + 2 * d))
    _sf_huber_compiled()(
        keys,
        x0,
        float(problem.G),
        float(problem.r),
        float(lam),
        float(beta),
        float(sigma) / math.sqrt(d),
        lr,
        c,
        averaging == "amc25",
        0.0 if zeta is None else float(zeta),
        0.0 if kappa is None else float(kappa),
        tau_law == "amc25",
        out,
    )
    return {
        "U_tau": out[:, 0].copy(),
        "lower_tau": out[:, 1].copy(),
        "gradnorm_tau": out[:, 2].copy(),
        "max_query_grad": out[:, 3].copy(),
        "gradnorm_x": out[:, 4].copy(),
        "lower_x": out[:, 5].copy(),
        "diverged_at": out[:, 6].astype(np.int64),
        "ybar_final": out[:, 7 : 7 + d].copy(),
        "x_final": out[:, 7 + d : 7 + 2 * d].copy(),
        "ids": ids,
    }
