"""Array code: batched optimizer steps, samplers, schedules, EMA, the runner, backends.

Public API (``__all__``; relied on by the other layers and by external checks)::

    opt = adamtheory.kernels.adam(lr, beta1=0.9, beta2=0.999, eps=1e-8,
                                  bias_correction=True, amsgrad=None)
    state = opt.init(x0)                 # x0: (B, d) or (d,)
    x1, state = opt.step(x0, g, state)   # state carries t, m, v (and v_max)

* optimizers: :func:`~adamtheory.kernels.optimizers.adam`,
  :func:`~adamtheory.kernels.optimizers.amsgrad`, :func:`~adamtheory.kernels.optimizers.rmsprop`,
  :func:`~adamtheory.kernels.optimizers.sgd`, :func:`~adamtheory.kernels.optimizers.sgdm`,
  :func:`~adamtheory.kernels.optimizers.clipped_adam` and their classes
  :class:`~adamtheory.kernels.optimizers.Adam`, :class:`~adamtheory.kernels.optimizers.SGD`,
  :class:`~adamtheory.kernels.optimizers.SGDMomentum`,
  :class:`~adamtheory.kernels.optimizers.ClippedAdam`;
* running: :func:`~adamtheory.kernels.runner.run` (batched trajectories on a problem),
  :func:`~adamtheory.kernels.runner.environment` (versions recorded with a result),
  :func:`~adamtheory.kernels.backend.resolve_backend`;
* sweeps and their configurations: :func:`~adamtheory.kernels.sweeps.divergence_sweep` and
  :func:`~adamtheory.kernels.sweeps.drift_estimate`
  (:class:`~adamtheory.kernels.counterexample.SweepConfig`,
  :class:`~adamtheory.kernels.counterexample.ChainConfig`) on the one-big-gradient
  counterexample, :func:`~adamtheory.kernels.finite_sum.finite_sum_sweep`
  (:class:`~adamtheory.kernels.finite_sum.FiniteSumSweepConfig`) on any finite sum;
* online-to-nonconvex conversion: :func:`~adamtheory.kernels.conversion.o2nc_run` with the
  learners :class:`~adamtheory.kernels.conversion.BetaOMD`,
  :class:`~adamtheory.kernels.conversion.ClippedAdamLearner`,
  :class:`~adamtheory.kernels.conversion.OptimizerLearner`, and
  :func:`~adamtheory.kernels.conversion.schedule_free_sgd`;
* averaging and schedules: :func:`~adamtheory.kernels.ema.model_ema`,
  :func:`~adamtheory.kernels.ema.tau_probabilities`,
  :func:`~adamtheory.kernels.schedules.make_schedule`;
* no silent failure: :class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning` (a
  gradient oracle returned NaN/inf: those trajectories are frozen and recorded in
  ``nonfinite_at``, status ``NONFINITE_GRADIENT`` = 2) and
  :class:`~adamtheory.kernels.nonfinite.StatedConstantWarning` (a run met a gradient larger
  than a stated G); :mod:`~adamtheory.kernels.nonfinite`.

One definition: the Adam step, the classification rule and the counter-based hash used by every
kernel here (NumPy references, fused Numba kernels, the ``numba.cuda`` GPU sweep, the
optimizers) are the functions of :mod:`~adamtheory.kernels.adam_core`.

Everything else (status codes ``CONVERGED``/``DIVERGED``/``UNDECIDED``/``NONFINITE_GRADIENT``,
the classification helpers of :mod:`~adamtheory.kernels.counterexample`, optimizer and EMA
state classes, the schedule classes, ``trajectory_keys``, ``region_area``, the
``*_CHOICES``/``*_BACKENDS`` tuples, ...) is an implementation detail: still importable from
here and from its submodule, where it is documented, but not part of the stable API.

This package never imports SymPy.
"""

# The names not in __all__ below are implementation details, kept importable from here.
# ruff: noqa: F401
from .backend import BACKEND_CHOICES, Backend, resolve_backend
from .conversion import (
    CONVERSIONS,
    TAU_LAWS,
    BetaOMD,
    ClippedAdamLearner,
    OptimizerLearner,
    o2nc_run,
    schedule_free_sgd,
)
from .counterexample import (
    CONVERGED,
    DIVERGED,
    UNDECIDED,
    ChainConfig,
    SweepConfig,
    adam_direction,
    classify_end,
    inside_ball,
)
from .ema import EMAState, ModelEMA, ema_weights, model_ema, tau_probabilities
from .finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from .nonfinite import NONFINITE_GRADIENT, NonFiniteGradientWarning, StatedConstantWarning
from .optimizers import (
    SGD,
    Adam,
    ClippedAdam,
    OptimizerState,
    SGDMomentum,
    adam,
    amsgrad,
    clipped_adam,
    rmsprop,
    sgd,
    sgdm,
)
from .runner import environment, run
from .sampling import SAMPLING_CHOICES, trajectory_keys
from .schedules import Constant, InverseSqrtEpoch, InverseSqrtStep, make_schedule
from .sweeps import SWEEP_BACKENDS, divergence_sweep, drift_estimate, region_area

__all__ = [
    "Adam",
    "BetaOMD",
    "ChainConfig",
    "ClippedAdam",
    "ClippedAdamLearner",
    "FiniteSumSweepConfig",
    "NonFiniteGradientWarning",
    "OptimizerLearner",
    "SGD",
    "SGDMomentum",
    "StatedConstantWarning",
    "SweepConfig",
    "adam",
    "amsgrad",
    "clipped_adam",
    "divergence_sweep",
    "drift_estimate",
    "environment",
    "finite_sum_sweep",
    "make_schedule",
    "model_ema",
    "o2nc_run",
    "resolve_backend",
    "rmsprop",
    "run",
    "schedule_free_sgd",
    "sgd",
    "sgdm",
    "tau_probabilities",
]
