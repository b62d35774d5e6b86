"""The layers and their one-way data flow (README "Layout")::

    theory, problems  ->  kernels  ->  analysis  ->  claims  ->  plots, report, cli

Checked on the source (every import statement, including those inside functions, with relative
imports resolved) and on what importing a package actually loads (in a fresh interpreter).
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import adamtheory

PACKAGE = Path(adamtheory.__file__).resolve().parent
ROOT = PACKAGE.parent

# layer -> the top-level modules (of adamtheory, or third-party) it must never import
FORBIDDEN = {
    "theory": {
        "adamtheory.kernels",
        "adamtheory.analysis",
        "adamtheory.claims",
        "adamtheory.plots",
        "adamtheory.report",
        "adamtheory.cli",
        "numba",
        "cupy",
    },
    "problems": {
        "adamtheory.analysis",
        "adamtheory.claims",
        "adamtheory.plots",
        "adamtheory.report",
        "adamtheory.cli",
    },
    "kernels": {
        "sympy",
        "adamtheory.theory",
        "adamtheory.analysis",
        "adamtheory.claims",
        "adamtheory.plots",
        "adamtheory.report",
        "adamtheory.cli",
    },
    "analysis": {"adamtheory.claims", "adamtheory.plots", "adamtheory.report", "adamtheory.cli"},
    "claims": {"adamtheory.plots", "adamtheory.report", "adamtheory.cli", "matplotlib"},
}


def package_of(path: Path) -> list[str]:
    """The package relative imports in ``path`` start from, e.g. ``["adamtheory", "kernels"]``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1]


def imported_modules(source: str, package: list[str]) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source`` that runs, at any depth
    (imports under ``if TYPE_CHECKING:`` never run and are left out); ``from X import a``
    yields ``X`` and ``X.a`` (``a`` may be a submodule), relative imports resolved against
    ``package``."""
    tree = ast.parse(source)
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _violates(module: str, forbidden: set[str]) -> bool:
    return any(module == f or module.startswith(f + ".") for f in forbidden)


def test_the_import_checker_resolves_relative_and_nested_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\nfrom .. import kernels\nfrom . import ema\n"
        "import sympy as sp\n\nif TYPE_CHECKING:\n    from matplotlib.figure import Figure\n"
        "\ndef f():\n    from ..claims.base import Claim\n"
    )
    modules = {m for _, m in imported_modules(source, ["adamtheory", "theory"])}
    assert {
        "adamtheory.kernels",
        "adamtheory.theory.ema",
        "sympy",
        "adamtheory.claims.base.Claim",
    } <= modules
    assert not any(m.startswith("matplotlib") for m in modules)
    assert _violates("adamtheory.kernels", FORBIDDEN["theory"])
    assert _violates("adamtheory.claims.base.Claim", FORBIDDEN["analysis"])
    assert not _violates("adamtheory.kernels_extra", FORBIDDEN["theory"])
    init = PACKAGE / "kernels" / "__init__.py"
    assert package_of(init) == ["adamtheory", "kernels"]
    assert "adamtheory.kernels.optimizers" in {
        m for _, m in imported_modules(init.read_text(encoding="utf-8"), package_of(init))
    }


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_a_layer_above_it(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, layer
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in imported_modules(path.read_text(encoding="utf-8"), package_of(path))
        if _violates(module, FORBIDDEN[layer])
    ]
    assert not bad, "\n".join(bad)


def test_user_workflows_live_in_analysis_not_in_claims() -> None:
    for old in ("user_problem", "user_o2nc", "regions"):
        assert not (PACKAGE / "claims" / f"{old}.py").exists(), old
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"adamtheory.claims.{old}")
    import adamtheory.analysis as analysis

    for name in analysis.__all__:
        assert name in dir(analysis)
        obj = getattr(analysis, name)
        assert obj.__module__.startswith("adamtheory.analysis."), (name, obj.__module__)
    # a lazy name, once loaded, stays the function (not shadowed by a submodule's name)
    importlib.import_module("adamtheory.analysis.o2nc")
    assert callable(analysis.o2nc_plan) and analysis.o2nc_plan.__name__ == "o2nc_plan"


def _fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_importing_the_claims_does_not_import_matplotlib() -> None:
    proc = _fresh(
        "import sys, adamtheory.claims\n"
        "loaded = [m for m in ('matplotlib', 'adamtheory.plots') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "from adamtheory.claims import REGISTRY\n"
        "assert any(c.figure is not None for c in REGISTRY)\n"
    )
    assert proc.returncode == 0, proc.stderr


def test_importing_adamtheory_is_light() -> None:
    proc = _fresh(
        "import sys, adamtheory\n"
        "heavy = ('sympy', 'matplotlib', 'scipy.stats', 'adamtheory.claims',\n"
        "         'adamtheory.analysis')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    assert proc.returncode == 0, proc.stderr


def test_lazy_names_of_adamtheory_are_listed_and_resolve() -> None:
    names = dir(adamtheory)
    for name in (
        "analysis",
        "build_region",
        "o2nc_plan",
        "sweep_own_problem",
        "verify",
        "Claim",
        "rules",
    ):
        assert name in names and name in adamtheory.__all__, name
    for name in adamtheory.__all__:
        assert getattr(adamtheory, name) is not None, name
    from adamtheory.analysis.own_problem import sweep_own_problem
    from adamtheory.analysis.regions import build_region

    assert adamtheory.build_region is build_region
    assert adamtheory.sweep_own_problem is sweep_own_problem


def test_claim_figures_are_lazy_and_resolve_to_the_plots() -> None:
    from adamtheory.claims import REGISTRY, LazyFigure, lazy_figure

    drawn = [c for c in REGISTRY if c.figure is not None]
    assert drawn
    for claim in drawn:
        assert isinstance(claim.figure, LazyFigure), claim.id
        assert claim.figure.module.startswith("adamtheory.plots."), claim.id
        fn = claim.figure.resolve()
        assert callable(fn) and fn.__module__ == claim.figure.module, claim.id
    fig = lazy_figure("adamtheory.plots.o2nc", "coordinate_figure")
    assert repr(fig) == "lazy_figure('adamtheory.plots.o2nc', 'coordinate_figure')"
    assert fig == LazyFigure("adamtheory.plots.o2nc", "coordinate_figure") and hash(fig)
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        lazy_figure("adamtheory.plots.o2nc", "")
    with pytest.raises(AttributeError):
        lazy_figure("adamtheory.plots.o2nc", "no_such_figure").resolve()


INTERNAL_KERNEL_NAMES = (
    "adam_direction",
    "classify_end",
    "inside_ball",
    "region_area",
    "CONVERGED",
    "DIVERGED",
    "UNDECIDED",
    "OptimizerState",
    "InverseSqrtEpoch",
    "InverseSqrtStep",
    "Constant",
    "EMAState",
    "trajectory_keys",
    "SWEEP_BACKENDS",
    "SAMPLING_CHOICES",
)


def test_kernels_all_is_the_public_api() -> None:
    import adamtheory.kernels as kernels

    public = set(kernels.__all__)
    assert len(public) == len(kernels.__all__)
    for name in (
        "adam",
        "amsgrad",
        "rmsprop",
        "sgd",
        "sgdm",
        "clipped_adam",
        "run",
        "divergence_sweep",
        "drift_estimate",
        "SweepConfig",
        "ChainConfig",
        "finite_sum_sweep",
        "FiniteSumSweepConfig",
        "o2nc_run",
        "BetaOMD",
        "ClippedAdamLearner",
        "OptimizerLearner",
        "model_ema",
        "make_schedule",
        "tau_probabilities",
        "environment",
        "resolve_backend",
    ):
        assert name in public, name
    for name in INTERNAL_KERNEL_NAMES:
        assert name not in public, name
        assert hasattr(kernels, name), name  # still importable, just not advertised
    for name in public:
        assert name in kernels.__doc__, name  # the docstring lists the public API
