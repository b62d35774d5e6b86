"""Repository contracts: README's commands are CI's, its example runs, the code is ruff-clean."""

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[0].startswith("#!") and "set -euo pipefail" in ci_lines
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert len(blocks) == 2, "README must show exactly two set-up commands"
    verify_cmd, test_cmd = blocks
    assert "adamtheory verify" in verify_cmd and "pytest" in test_cmd
    assert ci_lines[-1] == test_cmd


def test_readme_library_example_runs():
    code = re.search(r"```python\n(.*?)\n```", README, flags=re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    ds = namespace["ds"]
    assert ds.sizes["trajectory"] == 100 and not ds.x_final.isnull().any()


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (pathlib.Path(sys.executable).parent / "ruff").exists(),
    reason="ruff not installed",
)
def test_ruff_clean():
    ruff = shutil.which("ruff") or str(pathlib.Path(sys.executable).parent / "ruff")
    proc = subprocess.run(
        [ruff, "check", "adamtheory", "tests"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (pathlib.Path(sys.executable).parent / "ruff").exists(),
    reason="ruff not installed",
)
def test_ruff_format_clean():
    """The code base is kept in ``ruff format`` style (run ``ruff format`` to fix)."""
    ruff = shutil.which("ruff") or str(pathlib.Path(sys.executable).parent / "ruff")
    paths = ["adamtheory", "tests", "benchmarks", "docs/_ext", "docs/conf.py", "mutation"]
    proc = subprocess.run(
        [ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_repository_stands_alone():
    """The specification the code cites is in the repository, and so is the licence."""
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    for page in (
        "index",
        "algorithms",
        "stationarity",
        "counterexamples",
        "o2nc-bounds",
        "checks",
        "real-data",
    ):
        assert (ROOT / "docs" / "theory" / f"{page}.md").is_file()
    stale = []
    for path in [
        *ROOT.glob("adamtheory/**/*.py"),
        *ROOT.glob("tests/*.py"),
        *ROOT.glob("docs/*.md"),
    ]:
        if path.name != "test_repository.py" and "THEORY.md" in path.read_text("utf-8"):
            stale.append(str(path.relative_to(ROOT)))
    assert stale == [], f"references to the private THEORY.md: {stale}"
