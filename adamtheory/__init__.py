"""adamtheory: check theorems about Adam against numbers.

Layers (data flows one way): :mod:`adamtheory.theory` (SymPy derivations) and
:mod:`adamtheory.problems` (gradient oracles) feed :mod:`adamtheory.kernels` (batched array
code); :mod:`adamtheory.claims` combines them into registered, falsifiable checks.
"""

from . import kernels, problems
from .kernels import run
from .kernels.conversion import BetaOMD, ClippedAdamLearner, OptimizerLearner, o2nc_run
from .kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from .problems.user import user_finite_sum, user_function

__version__ = "0.1.0"

# Loaded on first use: the claim machinery imports SymPy and scipy.stats (slow to import).
_LAZY = {
    "Claim": ("claims.base", "Claim"),
    "Context": ("claims.base", "Context"),
    "Evidence": ("claims.base", "Evidence"),
    "Perturbation": ("rules", "Perturbation"),
    "rules": ("rules", None),
    "run_claim": ("claims.base", "run_claim"),
    "verify": ("report.verify", "verify"),
    "sweep_own_problem": ("claims.user_problem", "sweep_own_problem"),
    "o2nc_plan": ("claims.user_o2nc", "o2nc_plan"),
}

__all__ = ["BetaOMD", "Claim", "ClippedAdamLearner", "Context", "Evidence",
           "FiniteSumSweepConfig", "OptimizerLearner", "Perturbation", "__version__",
           "finite_sum_sweep", "kernels", "o2nc_plan", "o2nc_run", "problems", "rules", "run",
           "run_claim", "sweep_own_problem", "user_finite_sum", "user_function", "verify"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'adamtheory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
