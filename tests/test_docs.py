"""The documentation builds with no warning (``sphinx-build -W``), and its generated pages are
complete: one page per registered claim, theory pages rendered from the SymPy layer, the API
reference from the docstrings.

One build serves this file and ``tests/test_notebooks.py``: myst-nb executes every notebook in
``notebooks/`` during it, so each notebook runs exactly once per test run.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS_TOOLS = ("sphinx", "myst_nb")
EXECUTION_REPORT = "notebook_execution.json"  # written by docs/_ext/adamtheory_docs.py


@dataclass(frozen=True)
class DocsBuild:
    """Outcome of one ``sphinx-build -W --keep-going -b html`` of ``docs/``."""

    html: Path
    returncode: int
    log: str
    seconds: float
    executions: dict


def require_docs_tools() -> None:
    missing = [name for name in DOCS_TOOLS if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"documentation tools not installed ({', '.join(missing)}); "
                    "install the test extra: pip install '.[test]'")


@functools.cache
def _build(out: str) -> DocsBuild:
    out_dir = Path(out)
    html_dir, doctrees = out_dir / "html", out_dir / "doctrees"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
           "-d", str(doctrees), str(ROOT / "docs"), str(html_dir)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - start
    report = doctrees / EXECUTION_REPORT
    executions = json.loads(report.read_text()) if report.exists() else {}
    return DocsBuild(html_dir, proc.returncode, proc.stdout + proc.stderr, seconds, executions)


def docs_build(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    """The session's documentation build (built on first use, then reused)."""
    require_docs_tools()
    return _build(str(tmp_path_factory.getbasetemp() / "docs-build"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    return docs_build(tmp_path_factory)


def page_text(path: Path) -> str:
    """Visible text of an HTML page, whitespace-normalised."""
    raw = re.sub(r"<script.*?</script>|<style.*?</style>", " ", path.read_text(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_docs_build_without_warnings(built: DocsBuild) -> None:
    problems = [line for line in built.log.splitlines()
                if "WARNING" in line or "ERROR" in line or "Error" in line]
    assert built.returncode == 0, (f"sphinx-build -W failed ({built.seconds:.0f} s):\n"
                                   + "\n".join(problems or built.log.splitlines()[-40:]))
    assert (built.html / "index.html").exists()


def test_every_registered_claim_has_its_page(built: DocsBuild) -> None:
    from adamtheory.claims import REGISTRY

    index = page_text(built.html / "generated" / "claims" / "index.html")
    for claim in REGISTRY:
        text = page_text(built.html / "generated" / "claims" / f"{claim.id}.html")
        described = claim.describe()
        # rendered literally: Markdown characters in the registry text are escaped
        for field in ("statement", "source", "rule", "negative_control"):
            assert " ".join(described[field].split()) in text, (claim.id, field)
        assert claim.provenance in text and claim.id in index


def test_theory_pages_show_the_sympy_expressions(built: DocsBuild) -> None:
    import sympy as sp

    from adamtheory.theory import divergence, ema, ftrl, o2nc_rates, reddi

    pages = built.html / "generated" / "theory"
    expected = {
        "divergence": [divergence.drift_limit_beta2_to_one(), *divergence.stationary_moments()],
        "ema": [ema.weight(), ema.amc25_tau_probability()[1]],
        "ftrl": [ftrl.step_factor(), ftrl.bias_correction_factor()],
        "o2nc": [o2nc_rates.leading_threshold(), o2nc_rates.total_share_limit()],
        "reddi": [reddi.theorem1_average_regret_limit(), reddi.theorem3_direction_bound()[1]],
    }
    for page, expressions in expected.items():
        source = html.unescape((pages / f"{page}.html").read_text())
        for expr in expressions:
            assert sp.latex(expr) in source, (page, sp.latex(expr))


def test_api_reference_documents_the_public_api(built: DocsBuild) -> None:
    api = built.html / "generated" / "api"
    anchors = {
        "adamtheory.kernels.runner.html": "adamtheory.kernels.runner.run",
        "adamtheory.kernels.sweeps.html": "adamtheory.kernels.sweeps.divergence_sweep",
        "adamtheory.claims.base.html": "adamtheory.claims.base.Claim",
        "adamtheory.theory.divergence.html": "adamtheory.theory.divergence.cyclic_drift",
        "adamtheory.plots.region.html": "adamtheory.plots.region.region_figure",
    }
    for page, anchor in anchors.items():
        assert f'id="{anchor}"' in (api / page).read_text(), anchor


def test_getting_started_draws_a_region_of_a_users_own_function(built: DocsBuild) -> None:
    record = built.executions.get("getting-started")
    assert record is not None and record["succeeded"], record
    page = (built.html / "getting-started.html").read_text()
    assert "<img" in page and "user_finite_sum" in page and "sweep_own_problem" in page

