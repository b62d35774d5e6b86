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
__all__ = ["BetaOMD", "ClippedAdamLearner", "FiniteSumSweepConfig", "OptimizerLearner",
           "__version__",
           "finite_sum_sweep", "kernels", "o2nc_plan", "o2nc_run", "problems", "run",
           "sweep_own_problem", "user_finite_sum", "user_function"]


def __getattr__(name: str):
    # claims import SymPy (slow); load the own-problem API only when asked for
    if name == "sweep_own_problem":
        from .claims.user_problem import sweep_own_problem

        return sweep_own_problem
    if name == "o2nc_plan":
        from .claims.user_o2nc import o2nc_plan

        return o2nc_plan
    raise AttributeError(f"module 'adamtheory' has no attribute {name!r}")
