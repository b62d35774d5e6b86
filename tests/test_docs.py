"""The documentation builds with no warning (``sphinx-build -W``), and its generated pages are
complete: one page per registered claim (with the latest measurement where there is one),
theory pages rendered from the SymPy layer, the API reference from the docstrings. Nothing in
the built pages is loaded from the network (MathJax is bundled with the build).

One build serves this file and ``tests/test_notebooks.py``: myst-nb executes every notebook in
``notebooks/`` during it, so each notebook runs exactly once per test run. Before it,
``adamtheory verify`` runs two fast claims (:data:`MEASURED`) into a results.json that the
build's claim pages show (``ADAMTHEORY_DOCS_RESULTS``); every other claim page says "not yet
measured", so the build never runs the full quick profile.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS_TOOLS = ("sphinx", "myst_nb", "sphinx-mathjax-offline")
EXECUTION_REPORT = "notebook_execution.json"  # written by docs/_ext/adamtheory_docs.py
RESULTS_ENV = "ADAMTHEORY_DOCS_RESULTS"  # read by docs/_ext/adamtheory_docs.py
MEASURED = ("ADAM-REF", "FTRL-BC")  # a second or so together; ADAM-REF draws a figure


@dataclass(frozen=True)
class DocsBuild:
    """Outcome of one ``sphinx-build -W --keep-going -b html`` of ``docs/``."""

    html: Path
    returncode: int
    log: str
    seconds: float
    executions: dict
    results: dict  # the results.json the claim pages were built with ({} if verify failed)
    verify_log: str


def require_docs_tools() -> None:
    missing = [name for name in DOCS_TOOLS if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(
            f"documentation tools not installed ({', '.join(missing)}); "
            "install the test extra: pip install '.[test]'"
        )


def _measure(out_dir: Path) -> tuple[dict, str]:
    """``adamtheory verify`` of :data:`MEASURED` into ``out_dir/verified/``: its results."""
    target = out_dir / "verified"
    cmd = [
        sys.executable,
        "-m",
        "adamtheory",
        "verify",
        "--quiet",
        "--no-cache",
        *(arg for claim in MEASURED for arg in ("--claim", claim)),
        "--out",
        str(target),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    path = target / "results.json"
    results = json.loads(path.read_text()) if proc.returncode == 0 and path.exists() else {}
    return results, proc.stdout + proc.stderr


@functools.cache
def _build(out: str) -> DocsBuild:
    out_dir = Path(out)
    html_dir, doctrees = out_dir / "html", out_dir / "doctrees"
    results, verify_log = _measure(out_dir)
    env = dict(os.environ)
    env[RESULTS_ENV] = str(out_dir / "verified" / "results.json") if results else "none"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-d",
        str(doctrees),
        str(ROOT / "docs"),
        str(html_dir),
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    seconds = time.perf_counter() - start
    report = doctrees / EXECUTION_REPORT
    executions = json.loads(report.read_text()) if report.exists() else {}
    return DocsBuild(
        html_dir,
        proc.returncode,
        proc.stdout + proc.stderr,
        seconds,
        executions,
        results,
        verify_log,
    )


def docs_build(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    """The session's documentation build (built on first use, then reused)."""
    require_docs_tools()
    return _build(str(tmp_path_factory.getbasetemp() / "docs-build"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DocsBuild:
    return docs_build(tmp_path_factory)


def page_text(path: Path) -> str:
    """Visible text of an HTML page, whitespace-normalised; a MathML formula reads as its
    ``alttext`` (the source text it was drawn from)."""
    raw = re.sub(r"<script.*?</script>|<style.*?</style>", " ", path.read_text(), flags=re.S)
    raw = re.sub(r'<span class="mwide">(<math\b.*?</math>)</span>', r"\1", raw, flags=re.S)
    raw = re.sub(r'<math alttext="([^"]*)"[^>]*>.*?</math>', r"\1", raw, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_docs_build_without_warnings(built: DocsBuild) -> None:
    problems = [
        line
        for line in built.log.splitlines()
        if "WARNING" in line or "ERROR" in line or "Error" in line
    ]
    assert built.returncode == 0, f"sphinx-build -W failed ({built.seconds:.0f} s):\n" + "\n".join(
        problems or built.log.splitlines()[-40:]
    )
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


# ------------------------------------------------------------------ nothing from the network
# where a page names something the browser loads by itself (links a reader follows are fine)
_LOADED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
}
_LOADING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "icon",
    "apple-touch-icon",
    "manifest",
}
_CDNS = (
    "cdn.jsdelivr",
    "cdnjs",
    "unpkg",
    "googleapis",
    "gstatic",
    "polyfill.io",
    "mathjax.org",
    "cloudflare",
    "bootstrapcdn",
    "jquery.com",
    "require.js",
)
_REMOTE_CSS = re.compile(
    r"@import\s+(url\()?\s*[\"']?(https?:)?//|url\(\s*[\"']?(https?:)?//", re.I
)


class _Loads(HTMLParser):
    """Every URL a page loads by itself, and the text of its inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        rel = set((found.get("rel") or "").lower().split())
        if tag == "link" and not rel & _LOADING_RELS:  # rel="next", "search": navigation
            return
        for attr in _LOADED.get(tag, ()):
            for value in (found.get(attr) or "").split(","):
                url = value.strip().split(" ")[0]
                if url:
                    self.urls.append((tag, url))
        if "style" in found:
            self.inline.append(found["style"])
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.inline.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def _remote(url: str) -> bool:
    return url.startswith("//") or urlparse(url).scheme not in ("", "data", "blob")


def test_built_pages_load_nothing_from_the_network(built: DocsBuild) -> None:
    assert built.returncode == 0, "the build failed (see test_docs_build_without_warnings)"
    pages = sorted(built.html.rglob("*.html"))
    assert len(pages) > 50
    problems = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        loads = _Loads()
        loads.feed(text)
        name = page.relative_to(built.html)
        problems += [f"{name}: <{tag}> loads {url}" for tag, url in loads.urls if _remote(url)]
        for chunk in loads.inline:
            problems += [
                f"{name}: inline script/style names {cdn}" for cdn in _CDNS if cdn in chunk.lower()
            ]
            if _REMOTE_CSS.search(chunk):
                problems.append(f"{name}: inline style imports a remote file")
        # a CDN named anywhere in a page (a config string, a preload hint) is a defect too
        problems += [f"{name}: names {cdn}" for cdn in _CDNS[:3] if cdn in text.lower()]
    for sheet in sorted((built.html / "_static").rglob("*.css")):
        if _REMOTE_CSS.search(sheet.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{sheet.relative_to(built.html)} imports a remote file")
    assert not problems, "\n".join(problems[:40])


def test_mathjax_is_bundled_with_the_build(built: DocsBuild) -> None:
    page = (built.html / "generated" / "theory" / "ftrl.html").read_text()
    loads = _Loads()
    loads.feed(page)
    scripts = [url.split("?")[0] for tag, url in loads.urls if tag == "script"]
    mathjax = [url for url in scripts if "mathjax" in url.lower()]
    assert mathjax == ["../../_static/mathjax/tex-chtml.js"], scripts
    bundle = built.html / "_static" / "mathjax"
    assert (bundle / "tex-chtml.js").stat().st_size > 100_000
    assert any((bundle / "output" / "chtml" / "fonts").rglob("*.woff")), "no MathJax fonts"
    assert "\\(" in page or "\\[" in page  # the page does have TeX for MathJax to typeset
    css = (built.html / "_static" / "adamtheory.css").read_text()
    assert "overflow-x: auto" in css and "adamtheory.css" in page


def test_maths_renders_offline_in_a_browser(built: DocsBuild, tmp_path: Path) -> None:
    """MathJax typesets a theory page with every host unreachable: no raw TeX is left."""
    from test_report_browser import CHROMIUM, FLAGS

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    page = built.html / "generated" / "theory" / "ftrl.html"
    proc = subprocess.run(
        [
            CHROMIUM,
            *(f for f in FLAGS if not f.startswith("--virtual-time-budget")),
            "--virtual-time-budget=20000",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    typeset = len(re.findall(r"<mjx-container\b", dom))
    raw = [m for m in re.findall(r'<span class="math[^"]*">(.*?)</span>', dom, re.S) if "\\(" in m]
    assert typeset >= 5 and not raw, (typeset, raw[:3])
    failed = [
        line
        for line in proc.stderr.splitlines()
        if "ERR_NAME_NOT_RESOLVED" in line or "Refused to" in line or "net::ERR" in line
    ]
    assert not failed, "\n".join(failed)


# ------------------------------------------------------------- measured numbers, formulas
def test_claim_pages_show_the_latest_measurement(built: DocsBuild) -> None:
    assert built.results, f"adamtheory verify of {MEASURED} failed:\n{built.verify_log[-3000:]}"
    claims = built.html / "generated" / "claims"
    for result in built.results["claims"]:
        page = claims / f"{result['id']}.html"
        text, source = page_text(page), page.read_text()
        assert "Latest measurement" in text and "Not yet measured" not in text, result["id"]
        assert " ".join(result["measured"].split()) in text, result["id"]
        assert f"verdict {result['verdict']}" in text and "run time" in text
        # the sensitivity table of this run: one row per perturbation, verdict and detected
        assert "Sensitivity (this run)" in text and ">detected<" in source
        for entry in result["sensitivity"]:
            assert " ".join(entry["summary"].split()) in text, (result["id"], entry)
        if result["figure"]:
            images = re.findall(r'<img[^>]+src="([^"]+)"', source)
            figure = [src for src in images if f"{result['id']}" in src]
            assert figure, (result["id"], images)
            assert (page.parent / figure[0]).resolve().read_bytes()[:4] == b"\x89PNG"
    assert any(r["figure"] for r in built.results["claims"])
    index = page_text(claims / "index.html")
    assert "latest verdict" in index and "not yet measured" in index
    other = page_text(claims / "Z-SIGN.html")
    assert (
        f"Not yet measured: run adamtheory verify --out DIR and set {RESULTS_ENV}=DIR/results.json"
    ) in other


def test_claim_page_formulas_are_mathml(built: DocsBuild) -> None:
    source = (built.html / "generated" / "claims" / "O2NC-COR41.html").read_text()
    alttexts = [html.unescape(a) for a in re.findall(r'<math alttext="([^"]*)"', source)]
    assert "E||grad F(ybar_tau)||_[lambda] <= 4 eps" in alttexts
    assert "T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2" in alttexts
    assert "<mi>ε</mi>" in source and "<mfrac>" in source and '<span class="mwide">' in source


def _extension():
    require_docs_tools()
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        import adamtheory_docs
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    return adamtheory_docs


def test_docs_read_the_cache_that_verify_writes(tmp_path: Path) -> None:
    """The build's cache look-up builds verify's key: what verify stored, it finds."""
    import adamtheory
    from adamtheory.claims import REGISTRY

    ext = _extension()
    claims = [c for c in REGISTRY if c.id in MEASURED]
    assert ext.cached_results(claims, cache_dir=tmp_path) == {}  # looked up, never run
    run = adamtheory.verify(claims, profile="quick", seed=0, cache_dir=tmp_path)
    found = ext.cached_results(claims, cache_dir=tmp_path)
    assert sorted(found) == sorted(MEASURED)
    for result in run.results:
        assert found[result["id"]]["measured"] == result["measured"]
    assert ext.cached_results(claims, cache_dir=tmp_path, seed=1) == {}


def test_docs_results_setting(tmp_path: Path) -> None:
    from adamtheory.claims import REGISTRY

    ext = _extension()
    assert ext.load_measurements("none", REGISTRY) is None
    with pytest.raises(ValueError, match=RESULTS_ENV):
        ext.load_measurements(str(tmp_path / "missing.json"), REGISTRY)
    (tmp_path / "results.json").write_text('{"claims": [{"id": "X"}], "profile": "quick"}')
    loaded = ext.load_measurements(str(tmp_path), REGISTRY)  # the directory works too
    assert loaded.results == {"X": {"id": "X"}} and loaded.directory == tmp_path
