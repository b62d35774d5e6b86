"""Every registered claim passes, every negative control fails, and the combiner is strict."""

import numpy as np
import pytest
from _stand_in import stand_in

from adamtheory import rules
from adamtheory.claims import (
    PROVENANCE_TAGS,
    REGISTRY,
    Claim,
    Context,
    get_claim,
    run_claim,
)
from adamtheory.claims.base import Outcome, claim_seed


def test_registry_is_well_formed():
    ids = [c.id for c in REGISTRY]
    assert len(ids) == len(set(ids))
    assert {"ADAM-REF", "FTRL-EQ", "FTRL-BC", "EMA-REC"} <= set(ids)
    for c in REGISTRY:
        assert c.provenance in PROVENANCE_TAGS and c.source and c.rule_text and c.statement
        assert c.control_description
    assert get_claim("ftrl-eq").id == "FTRL-EQ"
    ctx = Context("quick", claim_seed(0, "X"))
    assert ctx.rng(1).integers(0, 10**9) == Context("quick", claim_seed(0, "X")).rng(1).integers(
        0, 10**9
    )


def test_only_the_listed_claims_are_reported():
    """Turning a falsifiable claim into a reported one would silence its rule and control:
    the ablation, the fitted real-data slope and the beta1 >= sqrt(beta2) corner (out of the
    drift criterion's scope) and schedule-free SGD with the packages' default averaging (outside
    AMC25's theorem) are measurements without a rule."""
    assert {c.id for c in REGISTRY if c.reported} == {
        "ABLATE",
        "RD-SLOPE",
        "SF-DEFAULTS",
        "Z-CORNER",
    }


def test_the_claims_of_issues_11_to_13_are_registered():
    ids = {c.id for c in REGISTRY}
    o2nc = {
        "OMD-REGRET",
        "O2NC-COR41",
        "O2NC-COR42",
        "O2NC-COR51",
        "O2NC-THM5",
        "O2NC-SLOPE",
        "O2NC-GOLDSTEIN",
        "O2NC-LEMMA31",
        "SF-DEFAULTS",
        "COORD",
    }
    divergence = {"Z-ASYMP", "Z-GROW", "Z-CORNER", "R-FIG1"}
    real_data = {"RD-BATCH", "RD-MONO", "RD-SLOPE", "RD-ADV", "RD-ADV-DIGITS"}
    assert o2nc | divergence | real_data <= ids


# reported claims (no pass/fail rule, no control) are tested in tests/test_claims_reported.py
@pytest.mark.parametrize("claim", [c for c in REGISTRY if not c.reported], ids=lambda c: c.id)
def test_claim_passes_and_control_fires(claim):
    result = run_claim(claim, profile="quick", seed=0)
    assert result.verdict == "pass", (result.measured, result.message)
    assert result.control["fired"] and result.control["verdict"] == "fail", result.control


# cheap representatives of each kind (identity, sweep-based, stochastic run, solver)
@pytest.mark.parametrize(
    "claim",
    [c for c in REGISTRY if c.id in {"ADAM-REF", "FTRL-EQ", "Z-SIGN", "R-T3"}],
    ids=lambda c: c.id,
)
def test_claim_is_reproducible(claim):
    a = run_claim(claim, seed=5).to_json()
    b = run_claim(claim, seed=5).to_json()
    assert a["measured"] == b["measured"] and a["values"] == b["values"]


def _fake(check_verdict, control_verdict, crash=False):
    def boom(ctx):
        if crash:
            raise RuntimeError("boom")

    return stand_in("FAKE", check_verdict, evaluate=boom, control_fires=control_verdict == "fail")


def test_control_that_does_not_fire_fails_the_claim():
    r = run_claim(_fake("pass", "pass"))
    assert r.verdict == "fail" and "negative control did not fail" in r.message


def test_crash_is_error_and_inconclusive_is_kept():
    assert run_claim(_fake("pass", "fail", crash=True)).verdict == "error"
    assert run_claim(_fake("inconclusive", "fail")).verdict == "inconclusive"
    assert run_claim(_fake("pass", "fail")).verdict == "pass"


def test_claim_seeds_are_independent_of_order():
    a = claim_seed(0, "FTRL-EQ").generate_state(2)
    b = claim_seed(0, "FTRL-BC").generate_state(2)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, claim_seed(0, "FTRL-EQ").generate_state(2))


def test_bad_provenance_rejected():
    with pytest.raises(ValueError, match="provenance must be one of"):
        stand_in("X", provenance="folklore")
    with pytest.raises(ValueError, match="verdict must be one of"):
        Outcome("maybe", "", "")


def test_every_pass_fail_claim_declares_at_least_three_perturbations():
    for c in REGISTRY:
        if c.reported:
            assert c.sensitivity == ()
            continue
        assert len(c.sensitivity) >= 3, c.id
        assert sum(p.control for p in c.sensitivity) == 1, c.id  # the control is marked
        assert all(p.target.strip() for p in c.sensitivity), c.id
        d = c.describe()
        assert d["rule"] == c.rule_text and d["rule_spec"]["rule"]
        assert [e["perturbation"] for e in d["sensitivity"]] == [p.name for p in c.sensitivity]


def test_power_is_measured_and_weak_means_a_required_entry_missed():
    weak = stand_in("W")
    weak = Claim(
        weak.id,
        weak.title,
        weak.statement,
        weak.source,
        weak.provenance,
        rule=weak.rule,
        evaluate=weak.evaluate,
        sensitivity=(
            *weak.sensitivity,
            rules.replace("pass", name="an undetectable one", target="t"),
            rules.replace("pass", name="aspirational", target="t", required=False),
        ),
    )
    r = run_claim(weak)
    assert r.verdict == "pass" and r.weak and r.power == "1/3"
    assert [e["detected"] for e in r.sensitivity] == [True, False, False]
    assert [e["required"] for e in r.sensitivity] == [True, True, False]
    assert r.to_json()["weak"] is True and r.to_json()["sensitivity"][1]["verdict"] == "pass"
    strong = run_claim(stand_in("S"))
    assert not strong.weak and strong.power == "1/1"


def test_a_crashing_perturbation_is_an_error_entry_not_a_crash():
    c = stand_in("C")
    c = Claim(
        c.id,
        c.title,
        c.statement,
        c.source,
        c.provenance,
        rule=c.rule,
        evaluate=c.evaluate,
        sensitivity=(*c.sensitivity, rules.Perturbation("boom", "t", transform=lambda p: 1 / 0)),
    )
    r = run_claim(c)
    assert r.verdict == "pass" and r.weak
    assert (
        r.sensitivity[1]["verdict"] == "error"
        and "ZeroDivisionError" in r.sensitivity[1]["summary"]
    )
