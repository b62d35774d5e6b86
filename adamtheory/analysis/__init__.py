"""User workflows: your own problem swept and compared with the drift, O2NC plans, regions.

The layer between the array code and the claim registry. Data flows one way::

    theory, problems  ->  kernels  ->  analysis  ->  claims  ->  plots, report, cli

Each workflow here combines the SymPy layer (:mod:`adamtheory.theory`) with the batched kernels
(:mod:`adamtheory.kernels`) on a problem of the user's, and returns plain data (datasets, frozen
dataclasses, dicts) that :mod:`adamtheory.plots` can draw. None of it is a registered claim: the
claims (:mod:`adamtheory.claims`) may build on these workflows, never the other way round, so
nothing here imports :mod:`adamtheory.claims`, :mod:`adamtheory.plots`,
:mod:`adamtheory.report` or :mod:`adamtheory.cli`.

Modules
-------
:mod:`~adamtheory.analysis.own_problem`
    :func:`sweep_own_problem`: a (β1, β2) sweep on a user finite sum, the check whether its
    gradients fit the one-big-gradient pattern, and the comparison with the predicted drift.
:mod:`~adamtheory.analysis.o2nc`
    :func:`o2nc_plan`: the O2NC parameters the SymPy layer derives for a user function, with the
    learner, the threshold T and the bound they imply (:class:`O2NCPlan`).
:mod:`~adamtheory.analysis.regions`
    :func:`build_region` and :func:`predicted_boundary`: measured divergence regions of the
    counterexample next to the predicted boundary β2*(β1).

The names below are imported on first use (``import adamtheory.analysis`` stays cheap).
"""

import importlib as _importlib

_LAZY = {
    "DriftAgreement": "own_problem",
    "OwnProblemResult": "own_problem",
    "PatternFit": "own_problem",
    "compare_with_drift": "own_problem",
    "detect_pattern": "own_problem",
    "predict_drift": "own_problem",
    "sweep_own_problem": "own_problem",
    "O2NCPlan": "o2nc",
    "o2nc_plan": "o2nc",
    "beta_axes": "regions",
    "build_region": "regions",
    "predicted_boundary": "regions",
    "ratio": "regions",
    "build_atlas": "regions",
    "atlas_dataset": "regions",
    "phase_diagram": "phase",
    "transition": "phase",
    "critical_beta2": "advisor",
    "Advice": "advisor",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
