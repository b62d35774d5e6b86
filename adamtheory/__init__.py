"""adamtheory: check theorems about Adam against numbers.

Layers (data flows one way): :mod:`adamtheory.theory` (SymPy derivations) and
:mod:`adamtheory.problems` (gradient oracles) feed :mod:`adamtheory.kernels` (batched array
code); :mod:`adamtheory.analysis` runs the user workflows on them (own-problem sweeps, O2NC
plans, regions); :mod:`adamtheory.claims` combines them into registered, falsifiable checks;
:mod:`adamtheory.plots`, :mod:`adamtheory.report` and :mod:`adamtheory.cli` draw, report and
drive. ``import adamtheory`` loads neither SymPy nor matplotlib nor scipy.stats: the names
below that need them are imported on first use.
"""

from . import kernels, problems
from .kernels import run
from .kernels.conversion import BetaOMD, ClippedAdamLearner, OptimizerLearner, o2nc_run
from .kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from .problems.user import user_finite_sum, user_function

__version__ = "0.1.0"

# Loaded on first use: the analysis and claim layers import SymPy and scipy.stats (slow).
_LAZY = {
    "Claim": ("claims.base", "Claim"),
    "Context": ("claims.base", "Context"),
    "Evidence": ("claims.base", "Evidence"),
    "Perturbation": ("rules", "Perturbation"),
    "rules": ("rules", None),
    "run_claim": ("claims.base", "run_claim"),
    "verify": ("report.verify", "verify"),
    "analysis": ("analysis", None),
    "build_region": ("analysis.regions", "build_region"),
    "o2nc_plan": ("analysis.o2nc", "o2nc_plan"),
    "sweep_own_problem": ("analysis.own_problem", "sweep_own_problem"),
    "phase_diagram": ("analysis.phase", "phase_diagram"),
    "critical_beta2": ("analysis.advisor", "critical_beta2"),
    "build_atlas": ("analysis.regions", "build_atlas"),
}

__all__ = [
    "BetaOMD",
    "build_atlas",
    "critical_beta2",
    "phase_diagram",
    "Claim",
    "ClippedAdamLearner",
    "Context",
    "Evidence",
    "FiniteSumSweepConfig",
    "OptimizerLearner",
    "Perturbation",
    "__version__",
    "analysis",
    "build_region",
    "finite_sum_sweep",
    "kernels",
    "o2nc_plan",
    "o2nc_run",
    "problems",
    "rules",
    "run",
    "run_claim",
    "sweep_own_problem",
    "user_finite_sum",
    "user_function",
    "verify",
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(f".{module}", __name__)
        return mod if attr is None else getattr(mod, attr)
    raise AttributeError(f"module 'adamtheory' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_LAZY))
