"""Every notebook in ``notebooks/`` executes without error and shows its figures.

The notebooks are executed by the documentation build (myst-nb, in ``tests/test_docs.py``'s
shared build), exactly once per test run; a failing cell fails that notebook's test here with
its traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_docs import ROOT, DocsBuild, docs_build

NOTEBOOKS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    return docs_build(tmp_path_factory)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no .ipynb file"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, name


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_and_shows_figures(built: DocsBuild, name: str) -> None:
    record = built.executions.get(f"generated/notebooks/{name}")
    assert record is not None, (f"{name}.ipynb was not executed by the docs build:\n"
                                + "\n".join(built.log.splitlines()[-30:]))
    assert record["succeeded"], f"{name}.ipynb failed:\n{record['traceback']}"
    page = Path(built.html, "generated", "notebooks", f"{name}.html").read_text()
    assert "<img" in page, f"{name}: no figure in the executed notebook"
    assert "output traceback" not in page and "output error" not in page, name
