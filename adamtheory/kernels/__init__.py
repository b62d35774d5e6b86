"""Array code: batched optimizer steps, samplers, schedules, EMA, the runner, backends.

Public API (relied on by the other layers and by external checks)::

    opt = adamtheory.kernels.adam(lr, beta1=0.9, beta2=0.999, eps=1e-8,
                                  bias_correction=True, amsgrad=None)
    state = opt.init(x0)                 # x0: (B, d) or (d,)
    x1, state = opt.step(x0, g, state)   # state carries t, m, v (and v_max)

This package never imports SymPy.
"""

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
    "BACKEND_CHOICES",
    "CONVERGED",
    "CONVERSIONS",
    "DIVERGED",
    "SAMPLING_CHOICES",
    "SWEEP_BACKENDS",
    "TAU_LAWS",
    "UNDECIDED",
    "Adam",
    "Backend",
    "BetaOMD",
    "ChainConfig",
    "ClippedAdam",
    "ClippedAdamLearner",
    "Constant",
    "FiniteSumSweepConfig",
    "OptimizerLearner",
    "SweepConfig",
    "adam_direction",
    "classify_end",
    "divergence_sweep",
    "drift_estimate",
    "finite_sum_sweep",
    "inside_ball",
    "o2nc_run",
    "region_area",
    "schedule_free_sgd",
    "EMAState",
    "InverseSqrtEpoch",
    "InverseSqrtStep",
    "ModelEMA",
    "OptimizerState",
    "SGD",
    "SGDMomentum",
    "adam",
    "amsgrad",
    "clipped_adam",
    "ema_weights",
    "environment",
    "make_schedule",
    "model_ema",
    "resolve_backend",
    "rmsprop",
    "run",
    "sgd",
    "sgdm",
    "tau_probabilities",
    "trajectory_keys",
]
