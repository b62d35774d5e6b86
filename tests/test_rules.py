"""The verdict rules are tested as statistical instruments (docs/theory/checks.md).

For every interval: nominal coverage on simulated data with known truth, within Monte-Carlo
error (2000 replications: the standard error of a 95% coverage is 0.5%, the tolerance 2%).
For every rule: the probability of a *pass* when the truth sits exactly on the threshold (its
size; a point estimate in place of an interval would pass half the time), and the right
decision just either side of the threshold. Replacing an interval by a point, or an upper
confidence bound by the mean, fails these tests.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory import rules

REPS = 2000
TOL = 0.02


def _rate(flags) -> float:
    return float(np.mean(np.asarray(flags, dtype=bool)))


# ----------------------------------------------------------------------------- intervals


@pytest.mark.parametrize("side", ["two-sided", "upper", "lower"])
def test_t_interval_of_the_mean_has_nominal_coverage(side):
    rng = np.random.default_rng(1)
    hits = []
    for _ in range(REPS):
        x = rng.normal(3.0, 2.0, size=12)
        _, lo, hi = rules.mean_interval(x, 0.95, side=side)
        hits.append(lo <= 3.0 <= hi)
    assert abs(_rate(hits) - 0.95) <= TOL


@pytest.mark.slow
def test_bca_interval_of_the_mean_has_nominal_coverage_on_skewed_data():
    rng = np.random.default_rng(2)
    truth = math.exp(0.5 * 0.5**2)  # mean of lognormal(0, 0.5)
    hits = []
    for _ in range(REPS):
        x = rng.lognormal(0.0, 0.5, size=40)
        _, lo, hi = rules.mean_interval(x, 0.95, interval="bca", rng=rng)
        hits.append(lo <= truth <= hi)
    assert abs(_rate(hits) - 0.95) <= TOL


def test_t_interval_of_a_slope_has_nominal_coverage():
    rng = np.random.default_rng(3)
    x = np.geomspace(1.0, 100.0, 6)
    hits = []
    for _ in range(REPS):
        y = 5.0 * x[:, None] ** -1.5 * np.exp(rng.normal(0, 0.3, (6, 4)))
        _, lo, hi = rules.slope_interval(x, y, 0.95)
        hits.append(lo <= -1.5 <= hi)
    assert abs(_rate(hits) - 0.95) <= TOL


@pytest.mark.slow
def test_bca_pairs_bootstrap_of_a_slope_has_nominal_coverage():
    rng = np.random.default_rng(4)
    hits = []
    for _ in range(REPS):
        # at 40 pairs the coverage was 0.924 (2000 replications): bootstrap intervals need
        # about 100 points; the claims use the t interval (exact for Gaussian residuals)
        x = rng.uniform(1.0, 100.0, 100)
        y = x**0.5 * np.exp(rng.normal(0, 0.3, 100))
        _, lo, hi = rules.slope_interval(x, y, 0.95, interval="bca", rng=rng)
        hits.append(lo <= 0.5 <= hi)
    assert abs(_rate(hits) - 0.95) <= TOL


@pytest.mark.slow
def test_paired_bca_interval_of_a_ratio_has_nominal_coverage():
    rng = np.random.default_rng(5)
    hits = []
    for _ in range(REPS):
        # at 40 pairs the coverage was 0.928 (2000 replications); 100 pairs are needed
        common = rng.gamma(4.0, 1.0, 100)
        a = 2.0 * common + rng.gamma(2.0, 0.5, 100)  # mean 2*4 + 1 = 9
        b = common  # mean 4
        _, lo, hi = rules.ratio_interval(a, b, 0.95, rng=rng)
        hits.append(lo <= 9.0 / 4.0 <= hi)
    assert abs(_rate(hits) - 0.95) <= TOL


def test_clopper_pearson_interval_covers_at_least_nominally():
    # exact intervals are conservative: coverage >= 95% up to Monte-Carlo error, and not far
    rng = np.random.default_rng(6)
    hits = []
    for _ in range(REPS):
        k = int(rng.binomial(60, 0.9))
        lo, hi = rules._cp_interval(k, 60, 0.95)
        hits.append(lo <= 0.9 <= hi)
    assert 0.95 - TOL <= _rate(hits) <= 0.995


# ----------------------------------------------------------------------------- rule sizes


def test_upper_bound_passes_rarely_when_the_mean_equals_the_bound():
    """The size of the upper-bound rule: P(pass | E Q = B) <= 5% (the mean would give 50%)."""
    rng = np.random.default_rng(7)
    rule = rules.upper_bound(0.95)
    passes = [rule.decide(rng.normal(1.0, 0.3, 16), 1.0).verdict == "pass" for _ in range(REPS)]
    assert _rate(passes) <= 0.05 + TOL
    assert _rate(passes) >= 0.05 - TOL  # and not conservative beyond Monte-Carlo error


def test_upper_bound_fails_rarely_when_the_mean_equals_the_bound():
    rng = np.random.default_rng(8)
    rule = rules.upper_bound(0.95)
    fails = [rule.decide(rng.normal(1.0, 0.3, 16), 1.0).verdict == "fail" for _ in range(REPS)]
    assert abs(_rate(fails) - 0.05) <= TOL


def test_lower_bound_passes_rarely_when_the_mean_equals_the_bound():
    rng = np.random.default_rng(9)
    rule = rules.lower_bound(0.95)
    passes = [rule.decide(rng.normal(1.0, 0.3, 16), 1.0).verdict == "pass" for _ in range(REPS)]
    assert abs(_rate(passes) - 0.05) <= TOL


def test_slope_rule_size_at_the_predicted_exponent():
    """slope(bound='lower') uses a two-sided 95% interval: P(pass | slope = p) ~ 2.5%."""
    rng = np.random.default_rng(10)
    rule = rules.slope("lower")
    x = np.geomspace(1.0, 10.0, 5)
    passes = []
    for _ in range(REPS):
        y = x**-3.5 * np.exp(rng.normal(0, 0.2, 5))
        passes.append(rule.decide({"x": x, "y": y}, -3.5).verdict == "pass")
    assert abs(_rate(passes) - 0.025) <= TOL


def test_close_to_rule_size_at_the_band_edge():
    rng = np.random.default_rng(11)
    rule = rules.close_to(0.1)
    passes = [rule.decide(rng.normal(1.1, 0.05, 10), 1.0).verdict == "pass" for _ in range(REPS)]
    assert _rate(passes) <= 0.025 + TOL


def test_proportion_rule_size_at_the_predicted_fraction():
    rng = np.random.default_rng(12)
    rule = rules.proportion()
    passes = [rule.decide(rng.random(200) < 0.9, 0.9).verdict == "pass" for _ in range(REPS)]
    assert _rate(passes) <= 0.025 + TOL


# ----------------------------------------------------------------------------- decisions


def _around(center: float, n: int = 32, spread: float = 0.01) -> np.ndarray:
    """Samples with mean exactly ``center`` and a small, known spread."""
    z = np.linspace(-1.0, 1.0, n)
    return center + spread * (z - z.mean())


def test_upper_bound_decisions_either_side_of_the_bound():
    rule = rules.upper_bound()
    assert rule.decide(_around(0.97), 1.0).verdict == "pass"
    assert rule.decide(_around(1.03), 1.0).verdict == "fail"
    assert rule.decide(_around(1.0), 1.0).verdict == "inconclusive"
    assert rule.decide([0.5, math.nan], 1.0).verdict == "fail"
    d = rule.decide(_around(0.5), 1.0)
    assert d.numbers["tightness"] == pytest.approx(0.5)
    assert d.interval[0] < 0.5 < d.interval[1] <= 1.0


def test_upper_bound_fails_on_certified_lower_estimates_only():
    """U is an upper estimate: a large U alone is inconclusive, a large lower estimate fails."""
    rule = rules.upper_bound()
    upper, lower = _around(1.5), _around(0.6)
    assert rule.decide({"samples": upper, "lower": lower}, 1.0).verdict == "inconclusive"
    assert rule.decide({"samples": upper, "lower": _around(1.2)}, 1.0).verdict == "fail"
    assert rule.decide({"samples": _around(0.9), "lower": lower}, 1.0).verdict == "pass"


def test_lower_bound_decisions():
    rule = rules.lower_bound()
    assert rule.decide(_around(1.03), 1.0).verdict == "pass"
    assert rule.decide(_around(0.97), 1.0).verdict == "fail"


def test_slope_decisions_one_and_two_sided():
    x = np.geomspace(1.0, 100.0, 8)
    z = np.tile([1.0, -1.0], 4) * 1e-3
    data = {"x": x, "y": x**-2.9 * np.exp(z)}
    lower = rules.slope("lower")
    assert lower.decide(data, -3.5).verdict == "pass"  # no steeper than -3.5
    assert lower.decide(data, -2.5).verdict == "fail"  # the exponent shifted by +1/2 detected
    upper = rules.slope("upper")
    assert upper.decide(data, -2.5).verdict == "pass"
    two = rules.slope("two-sided", tolerance=0.1)
    assert two.decide(data, -2.9).verdict == "pass"
    assert two.decide(data, -2.65).verdict == "fail"
    with pytest.raises(ValueError, match="tolerance > 0"):
        rules.slope("two-sided")
    with pytest.raises(ValueError, match="bound must be one of"):
        rules.slope("sideways")


def test_identity_and_exact():
    rule = rules.identity(1e-12)
    a = np.linspace(1, 2, 10)
    assert rule.decide(a, a).verdict == "pass"
    assert rule.decide(a * (1 + 1e-11), a).verdict == "fail"
    assert rule.decide({"u": a, "v": a}, {"u": a, "v": a * (1 + 1e-8)}).numbers["worst"] == "v"
    assert rule.decide(a + np.nan, a).verdict == "fail"
    b = sp.Symbol("b")
    assert rules.exact().decide((b**2 - 1) / (b - 1), b + 1).verdict == "pass"
    assert rules.exact().decide(b + 1, b + 1 + sp.Rational(1, 10**8)).verdict == "fail"


def test_region_agreement_every_monotone_ratio_close_to():
    labels = np.array([1, 1, -1, -1] * 50)
    ra = rules.region_agreement(0.95)
    assert ra.decide({"measured": labels}, labels).verdict == "pass"
    assert ra.decide({"measured": labels}, -labels).verdict == "fail"
    assert rules.every().decide({"a": 1, "b": 2}, lambda v: v > 0).verdict == "pass"
    assert rules.every().decide({"a": 1, "b": -2}, lambda v: v > 0).numbers["exceptions"] == ["b"]
    assert rules.monotone().decide([1, 2, 3], 1).verdict == "pass"
    assert rules.monotone().decide([1, 2, 3], -1).verdict == "fail"
    base = _around(2.0, spread=0.02)
    num = 3.0 * base
    assert rules.ratio(1.1).decide({"numerator": num, "denominator": base}, 3.0).verdict == "pass"
    assert rules.ratio(1.1).decide({"numerator": num, "denominator": base}, 6.0).verdict == "fail"
    assert rules.close_to(0.01).decide(1.005, 1.0).verdict == "pass"
    assert rules.close_to(0.01).decide(1.02, 1.0).verdict == "fail"


def test_all_of_combines_strictly():
    parts = {"a": rules.upper_bound(), "b": rules.upper_bound()}
    rule = rules.all_of(parts)
    ok, bad = _around(0.5), _around(2.0)
    assert rule.decide({"a": ok, "b": ok}, {"a": 1.0, "b": 1.0}).verdict == "pass"
    assert rule.decide({"a": ok, "b": bad}, {"a": 1.0, "b": 1.0}).verdict == "fail"
    mid = _around(1.0)
    assert rule.decide({"a": ok, "b": mid}, {"a": 1.0, "b": 1.0}).verdict == "inconclusive"
    one = rules.all_of(parts, at_least=1)
    assert one.decide({"a": ok, "b": mid}, {"a": 1.0, "b": 1.0}).verdict == "pass"
    assert "each part:" in rule.describe()


# ----------------------------------------------------------------------------- perturbations


def test_prediction_perturbations_transform_leaves_and_parts():
    pred = {"a": 1.0, "b": {"c": 2.0, "d": 4.0}}
    assert rules.scale(0.5, target="t").transform(pred) == {"a": 0.5, "b": {"c": 1.0, "d": 2.0}}
    assert rules.shift(1, target="t", part=("b", "c")).transform(pred) == {
        "a": 1.0,
        "b": {"c": 3.0, "d": 4.0},
    }
    bumped = rules.relative(1e-8).transform(np.array([0.0, 2.0]))
    assert bumped[0] == 1e-8 and bumped[1] == 2.0 * (1 + 1e-8)
    assert rules.relative(1e-8).transform(sp.Integer(0)) == sp.Rational(1, 10**8)
    with pytest.raises(KeyError, match="no part"):
        rules.scale(2, target="t", part="zz").transform(pred)


def test_rules_render_their_parameters():
    assert "99%" in rules.upper_bound(0.99).describe()
    assert "1e-10" in rules.identity(1e-10).describe()
    assert "p ± 0.25" in rules.slope("two-sided", tolerance=0.25).describe()
    assert rules.upper_bound().to_json() == {"rule": "UpperBound", "level": 0.95, "interval": "t"}


@pytest.mark.parametrize("level", [0, 1, -0.5, 1.5, 95])
def test_impossible_levels_are_refused(level):
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        rules.upper_bound(level)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        rules.mean_interval([1.0, 2.0], level)


def test_bad_rule_parameters_are_refused():
    with pytest.raises(TypeError, match="level must be a number"):
        rules.upper_bound("high")
    with pytest.raises(ValueError, match="interval must be one of"):
        rules.upper_bound(interval="wald")
    with pytest.raises(ValueError, match="tolerance must be finite"):
        rules.identity(-1.0)
    with pytest.raises(ValueError, match="within must be >= 1"):
        rules.ratio(0.5)
    with pytest.raises(ValueError, match="non-empty target"):
        rules.scale(2.0, target="")
    with pytest.raises(ValueError, match="exactly one of transform"):
        rules.Perturbation("x", "t")
    with pytest.raises(ValueError, match="at least one sample"):
        rules.upper_bound().decide([], 1.0)


def test_each_of_takes_its_parts_from_the_data():
    rule = rules.each_of(rules.upper_bound(), at_least=2, label="problem")
    ok, mid = _around(0.5), _around(1.0)
    data = {"a": ok, "b": ok, "c": mid}
    pred = {k: 1.0 for k in data}
    assert rule.decide(data, pred).verdict == "pass"
    assert rule.decide({"a": ok, "b": mid}, {"a": 1.0, "b": 1.0}).verdict == "inconclusive"
    assert rule.decide({"a": ok}, {"a": 1.0}).verdict == "inconclusive"  # fewer than at_least
    assert rule.decide(data | {"d": _around(2.0)}, pred | {"d": 1.0}).verdict == "fail"
    assert "at least 2 problems pass" in rule.describe()


def test_covers_and_constant_slopes():
    rule = rules.covers()
    assert rule.decide({"a": (1.0, 0.1)}, {"a": 1.05}).verdict == "pass"
    assert rule.decide({"a": (1.0, 0.1), "b": (2.0, 0.1)}, {"a": 1.0, "b": 2.2}).verdict == "fail"
    # a constant y has slope exactly 0 (no NaN interval from 0/0)
    assert rules.slope_interval([1.0, 2.0, 4.0], [3.0, 3.0, 3.0]) == (0.0, 0.0, 0.0)
