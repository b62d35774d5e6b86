"""report.html in a real headless browser (Debian's chromium): it loads with no console
messages, every figure decodes, the formulas are laid out as MathML (non-zero size, fractions
stacked), and the verdict counts match results.json.

Skipped, with the reason, when chromium is not installed (.ci/run installs it when it can).
"""

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _stand_in import reported, stand_in

import adamtheory.claims as claims_module
from adamtheory.claims import Outcome
from adamtheory.cli import main

# fast real claims (two draw figures), plus stand-ins so that the counts are not all "pass"
REAL = ("ADAM-REF", "FTRL-BC", "D2D", "EMA-REC", "Z-CYC")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
)


def _chromium() -> str | None:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            try:
                probe = subprocess.run(
                    [candidate, "--version"], capture_output=True, text=True, timeout=60
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
            if probe.returncode == 0:
                return candidate
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (Debian package 'chromium'; .ci/run "
    "installs it when it can): the HTML report's browser test needs a real browser",
)


def _figure(values):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2.5))
    fig.add_subplot().plot(values["x"], values["y"], "o-")
    return fig


def _stand_in(claim_id, verdict):
    values = {"x": [0, 1, 2], "y": [2, 0, 1]}
    if verdict == "reported":  # no pass/fail rule, hence no control
        return reported(
            claim_id,
            lambda ctx: Outcome("reported", "p", "m", values),
            figure=_figure,
            title="stand-in (reported)",
        )
    return stand_in(
        claim_id,
        verdict,
        values=values,
        figure=_figure,
        measured="m",
        title=f"stand-in ({verdict})",
        provenance="recalled",
    )


class _Status(HTMLParser):
    """The attributes of ``#report-status`` in the dumped DOM, and the formulas' alttexts."""

    def __init__(self):
        super().__init__()
        self.attrs: dict[str, str] | None = None
        self.alttexts: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id") == "report-status":
            self.attrs = found
        if tag == "math":
            self.alttexts.append(found.get("alttext"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    extra = (
        _stand_in("STAND-FAIL", "fail"),
        _stand_in("STAND-INC", "inconclusive"),
        _stand_in("STAND-REP", "reported"),
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(claims_module, "REGISTRY", claims_module.REGISTRY + extra)
        code = main(
            [
                "verify",
                "--quiet",
                "--claim",
                *REAL,
                *(c.id for c in extra),
                "--out",
                str(tmp / "out"),
                "--cache-dir",
                str(tmp / "cache"),
            ]
        )
    assert code == 1  # the stand-in failure
    report = tmp / "out" / "report.html"
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    status = _Status()
    status.feed(proc.stdout)
    payload = json.loads((tmp / "out" / "results.json").read_text())
    return payload, status.attrs, proc.stderr, status.alttexts


def test_report_loads_without_console_messages(rendered):
    _, status, stderr, _ = rendered
    assert status is not None, "the dumped DOM has no #report-status element"
    assert status["data-state"] == "done", "the report's script did not finish"
    assert status["data-errors"] == "0"
    # the report logs nothing, so any console line (error, CSP violation, uncaught exception)
    # is a defect; chromium prints them all as ...:CONSOLE...
    console = [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Refused to" in line
    ]
    assert not console, "\n".join(console)


def test_every_figure_decodes(rendered):
    payload, status, _, _ = rendered
    expected = sum(c["figure"] is not None for c in payload["claims"])
    assert expected >= 5  # ADAM-REF, Z-CYC and the three stand-ins
    assert int(status["data-images"]) == expected
    assert int(status["data-decoded"]) == expected


def test_summary_counts_match_results_json(rendered):
    payload, status, _, _ = rendered
    assert int(status["data-claims"]) == len(payload["claims"]) == len(REAL) + 3
    for verdict, n in payload["summary"].items():
        assert int(status[f"data-count-{verdict}"]) == n, verdict
    assert payload["summary"]["fail"] == 1 and payload["summary"]["inconclusive"] == 1
    assert payload["summary"]["reported"] == 1


def test_formulas_are_rendered_as_mathml(rendered):
    """Each visible ``<math>`` has a non-zero box, and each fraction's numerator is drawn
    above its denominator (a browser without MathML would run them together on one line)."""
    payload, status, _, alttexts = rendered
    assert int(status["data-maths"]) == len(alttexts) > 10
    visible = int(status["data-maths-visible"])
    assert visible > 10 and int(status["data-maths-sized"]) == visible
    assert int(status["data-fractions"]) > 0
    assert int(status["data-fractions-stacked"]) == int(status["data-fractions"])
    # the ASCII stays as alttext: FTRL-BC's prediction, e.g., is one formula
    assert all(alttexts)
    ftrl_bc = next(c for c in payload["claims"] if c["id"] == "FTRL-BC")
    assert ftrl_bc["predicted"].removesuffix(" (SymPy)") in alttexts
