"""Sphinx configuration: MyST pages, notebooks executed by myst-nb, API from the docstrings.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (what
``tests/test_docs.py`` runs). The pages under ``generated/`` are written at build time by
``_ext/adamtheory_docs.py`` from the claim registry, the SymPy layer and ``notebooks/``; the
claim pages show the measurements of ``$ADAMTHEORY_DOCS_RESULTS`` (a ``results.json`` written by
``adamtheory verify --out DIR``) or of the result cache, and never run a claim.

Nothing is loaded from the network: MathJax comes from the ``sphinx-mathjax-offline`` package
(copied into ``_static/mathjax/``), and claim-page formulas are MathML, drawn by the browser.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
try:  # the installed package (editable or not); a bare checkout works too
    import adamtheory
except ImportError:  # pragma: no cover - documentation of an uninstalled checkout
    sys.path.insert(0, str(ROOT))
    import adamtheory

import adamtheory_docs  # noqa: E402 - docs/_ext, on sys.path above

project = "adamtheory"
author = "adamtheory developers"
copyright = "adamtheory developers"
release = version = adamtheory.__version__

extensions = [
    "myst_nb",  # includes myst_parser
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax 3 bundled with the build (sets mathjax_path to _static/mathjax/tex-chtml.js):
    # offline, formulas would otherwise show as raw \(...\)
    "sphinx-mathjax-offline",
    "adamtheory_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
nitpicky = False
smartquotes = False  # keep "--option", quotes and primes exactly as written

# MyST: $...$ and $$...$$ math (also in notebook Markdown cells), ::: fences, heading anchors
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# Notebooks (notebooks/*.ipynb, and Markdown pages with code cells such as getting-started):
# executed on every build that reads them (once per clean build); a failing cell
# is a warning, which -W turns into a failed build, while --keep-going still runs the others.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_in_temp = True  # files a notebook writes never land in the source tree
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_merge_streams = True
adamtheory_notebooks = str(ROOT / "notebooks")
# notebooks run in a temporary folder; this tells them where their helper modules
# (notebooks/my_claims.py) live. The kernels inherit the build's environment.
os.environ.setdefault("ADAMTHEORY_NOTEBOOKS", adamtheory_notebooks)

# API reference from numpydoc docstrings
autosummary_generate = True
# every public submodule gets a page (the package __all__ lists re-exports, not submodules);
# automodule's :members: still follows each module's __all__
autosummary_ignore_module_all = True
# importing adamtheory.__main__ would run the command line
autodoc_mock_imports = ["adamtheory.__main__"]
# a package page documents what it defines and links its re-exports to their definitions
_local, _reexports = adamtheory_docs.package_exports("adamtheory")
autosummary_context = {"api_local": _local, "api_reexports": _reexports}
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autodoc_typehints = "signature"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" as fields: dataclass fields are not described twice

html_theme = "alabaster"
html_title = f"adamtheory {release}"
html_theme_options = {
    "description": "Check theorems about Adam against numbers.",
    "fixed_sidebar": True,
    "page_width": "1320px",
    "sidebar_width": "250px",
    "body_max_width": "none",
}
html_static_path = ["_static"]
# long formulas scroll inside their box instead of overflowing the page
html_css_files = ["adamtheory.css"]
