"""The "reported" verdict: claims that report measurements without a pass/fail rule.

A reported claim has no negative control; run_claim records the control as not applicable,
verify counts it apart and exits 0 on it, and the reports and the docs show it as such.
"""

import importlib.util
import json
from pathlib import Path

import pytest
from _stand_in import stand_in

import adamtheory.claims as claims_module
from adamtheory.claims import Claim, ClaimResult, Outcome, run_claim
from adamtheory.claims.base import NO_CONTROL, VERDICTS
from adamtheory.cli import main
from adamtheory.report import html as html_report
from adamtheory.report import markdown as md_report

ROOT = Path(__file__).resolve().parents[1]


def _reported(claim_id="REP", *, verdict="reported", crash=False, figure=None):
    def check(ctx):
        if crash:
            raise RuntimeError("boom")
        return Outcome(
            verdict, "none (reported)", "a = 1.5, b = 2.5", {"x": [0, 1, 2], "y": [1.0, 3.0, 2.0]}
        )

    return Claim(
        claim_id,
        f"{claim_id} title",
        "a measurement",
        "a paper",
        "derived",
        report_rule="reported: a and b",
        check=check,
        figure=figure,
        reported=True,
    )


def _passing(claim_id="OK"):
    return stand_in(claim_id)


# ----------------------------------------------------------------------------- construction


def test_a_reported_claim_has_no_rule_and_a_pass_fail_claim_has_one():
    with pytest.raises(ValueError, match="has no rule"):
        Claim("X", "t", "s", "src", "derived", evaluate=lambda c: None)
    with pytest.raises(
        ValueError, match="a reported claim .* has no rule, evaluate or sensitivity"
    ):
        Claim(
            "X",
            "t",
            "s",
            "src",
            "derived",
            rule=_passing().rule,
            check=lambda c: None,
            report_rule="r",
            reported=True,
        )
    with pytest.raises(ValueError, match="report_rule must be a non-empty string"):
        Claim("X", "t", "s", "src", "derived", check=lambda c: None, reported=True)
    with pytest.raises(ValueError, match="check is for reported claims only"):
        Claim(
            "X",
            "t",
            "s",
            "src",
            "derived",
            rule=_passing().rule,
            evaluate=lambda c: None,
            sensitivity=_passing().sensitivity,
            check=lambda c: None,
        )
    with pytest.raises(TypeError, match="reported must be True or False"):
        Claim("X", "t", "s", "src", "derived", check=lambda c: None, report_rule="r", reported=1)
    claim = _reported()
    assert claim.control_entry is None and claim.control_description == NO_CONTROL
    assert claim.describe()["reported"] is True and not _passing().describe()["reported"]
    assert claim.describe()["negative_control"] == NO_CONTROL
    assert claim.describe()["sensitivity"] == []


def test_reported_is_a_verdict():
    assert "reported" in VERDICTS
    assert Outcome("reported", "", "").verdict == "reported"
    # the reports keep their own copies (importing the claims would load every module)
    assert html_report._VERDICTS == VERDICTS and md_report._VERDICTS == VERDICTS


# ----------------------------------------------------------------------------- run_claim


def test_run_claim_reports_without_a_control():
    r = run_claim(_reported())
    assert r.verdict == "reported" and r.message == ""
    assert r.control == {"description": NO_CONTROL, "verdict": "n/a", "measured": "", "fired": None}
    assert r.measured == "a = 1.5, b = 2.5"
    data = json.loads(json.dumps(r.to_json()))
    assert data["control"]["fired"] is None
    assert ClaimResult.from_json(data) == r


def test_reported_claim_errors():
    crashed = run_claim(_reported(crash=True))
    assert crashed.verdict == "error" and "boom" in crashed.message
    assert crashed.control["fired"] is None
    # a pass/fail verdict without a control would look checked when it is not
    judged = run_claim(_reported(verdict="pass"))
    assert judged.verdict == "error" and "must return the verdict 'reported'" in judged.message
    # ... and only a reported claim may report: a rule's verdict is pass, fail or inconclusive
    r = run_claim(stand_in("S", "reported"))
    assert r.verdict == "error" and "verdict must be one of" in r.message


# ----------------------------------------------------------------------------- verify, reports


def test_verify_counts_reported_and_exits_0(tmp_path, monkeypatch, capsys, line_figure):
    monkeypatch.setattr(claims_module, "REGISTRY", (_passing(), _reported(figure=line_figure)))
    out = tmp_path / "out"
    argv = ["verify", "--quiet", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "(ctl!)" not in printed
    assert "1 pass, 0 fail, 0 inconclusive, 0 error, 1 reported" in printed
    payload = json.loads((out / "results.json").read_text())
    assert payload["summary"] == {
        "pass": 1,
        "fail": 0,
        "inconclusive": 0,
        "error": 0,
        "reported": 1,
    }
    rep = payload["claims"][1]
    assert rep["verdict"] == "reported" and rep["figure"] == "figures/REP.png"
    assert rep["control"]["fired"] is None

    md = (out / "report.md").read_text()
    assert "| reported | 1 |" in md and "| **reported** | n/a |" in md
    section = md.split("### REP: ")[1]
    assert f"- **Negative control:** {NO_CONTROL}\n" in section
    assert "DID NOT FIRE" not in md

    html = (out / "report.html").read_text()
    assert 'data-summary="reported">1</b>' in html
    assert '<tr data-verdict="reported">' in html and 'class="v v-reported"' in html
    assert ".v-reported{color:var(--reported)}" in html
    assert "did not fire" not in html and "<b>NO</b>" not in html
    # the page's script counts every verdict of the summary table (test_report_browser.py)
    assert json.dumps(list(VERDICTS)) + ".forEach" in html

    # cached: the second run loads the reported result and still exits 0
    assert main(argv) == 0
    again = json.loads((out / "results.json").read_text())
    assert [c["cached"] for c in again["claims"]] == [True, True]
    assert again["summary"] == payload["summary"]


def test_error_in_reported_claim_fails_verify(tmp_path, monkeypatch):
    monkeypatch.setattr(claims_module, "REGISTRY", (_reported(crash=True),))
    assert main(["verify", "--quiet", "--no-cache"]) == 1


# ----------------------------------------------------------------------------- docs


def test_docs_page_of_a_reported_claim():
    spec = importlib.util.spec_from_file_location(
        "adamtheory_docs", ROOT / "docs" / "_ext" / "adamtheory_docs.py"
    )
    docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs)
    claim = claims_module.get_claim("ABLATE")
    page = docs.claim_page(claim, {"o2nc"})
    assert "**Reported, not pass/fail.**" in page
    assert "**What is reported (fixed before the run).**" in page
    assert f"**Negative control.** {docs.md_escape(NO_CONTROL)}" in page
    assert "must fail" not in page and "generated/theory/o2nc" in page
    assert "**Code.** The check is defined in" in page
    assert "(*reported*)" in docs.claims_index((claim,))
    other = docs.claim_page(claims_module.get_claim("FTRL-EQ"), {"ftrl"})
    assert "Negative control (must fail)" in other and "Reported" not in other
