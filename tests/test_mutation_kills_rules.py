"""Deterministic checks of adamtheory.rules that kill the mutants the other tests let survive.

Written from the mutation run (docs/mutation.md): every expectation is derived from a docstring
or a formula here, independently of the code under test: Student-t intervals from their
textbook form, least-squares slopes by hand, Clopper-Pearson intervals from scipy's binomtest,
BCa intervals by calling ``scipy.stats.bootstrap`` the way the docstrings say, and each rule's
verdict just inside and just outside its threshold (the predicted sets are closed). The
statistical size/coverage simulations of tests/test_rules.py check the same intervals on
random data; these pin them exactly, fast enough to re-run for every mutant.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from adamtheory import rules

X5 = np.array([1.0, 2.0, 4.0, 7.0, 11.0])  # mean 5, sample sd sqrt(16.5)


def _t_half(x, q):
    x = np.asarray(x, dtype=float)
    return stats.t.ppf(q, x.size - 1) * math.sqrt(np.var(x, ddof=1)) / math.sqrt(x.size)


def _ols(x, y):
    """Slope, intercept and the slope's standard error, by the normal equations."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    mx, my = x.mean(), y.mean()
    sxx = ((x - mx) ** 2).sum()
    b = ((x - mx) * (y - my)).sum() / sxx
    a = my - b * mx
    resid = y - a - b * x
    return b, a, math.sqrt((resid**2).sum() / (x.size - 2) / sxx)


# ----------------------------------------------------------------------------- intervals


def test_mean_t_interval_is_the_textbook_interval_on_each_side():
    mean = 5.0
    half2 = _t_half(X5, 0.975)
    assert rules.mean_interval(X5) == pytest.approx((mean, mean - half2, mean + half2), 1e-12)
    half1 = _t_half(X5, 0.9)
    m, lo, hi = rules.mean_interval(X5, 0.9, side="upper")
    assert (m, lo) == (mean, -math.inf) and hi == pytest.approx(mean + half1, 1e-12)
    m, lo, hi = rules.mean_interval(X5, 0.9, side="lower")
    assert hi == math.inf and lo == pytest.approx(mean - half1, 1e-12)
    # two samples: one degree of freedom, a finite interval (ptp = 1 is not "no spread")
    h = stats.t.ppf(0.975, 1) * math.sqrt(0.5) / math.sqrt(2)
    assert rules.mean_interval([0.0, 1.0]) == pytest.approx((0.5, 0.5 - h, 0.5 + h), 1e-12)


def test_mean_interval_degenerate_inputs():
    assert rules.mean_interval([3.0]) == (3.0, -math.inf, math.inf)
    m, lo, hi = rules.mean_interval([1.0, math.inf, 2.0])
    assert (lo, hi) == (-math.inf, math.inf)
    for interval in rules.INTERVALS:  # no spread: every resample has the same mean
        assert rules.mean_interval([2.0, 2.0, 2.0], interval=interval) == (2.0, 2.0, 2.0)
    assert rules.mean_interval([2.0, 2.0], side="upper") == (2.0, -math.inf, 2.0)
    assert rules.mean_interval([2.0, 2.0], side="lower") == (2.0, 2.0, math.inf)
    with pytest.raises(ValueError, match="side must be"):
        rules.mean_interval(X5, side="both")
    with pytest.raises(ValueError, match="samples must hold at least one sample"):
        rules.mean_interval([])


@pytest.mark.parametrize(
    "side, alternative", [("two-sided", "two-sided"), ("upper", "less"), ("lower", "greater")]
)
def test_mean_bca_interval_is_scipys_bca_with_seed_zero(side, alternative):
    x = np.array([0.3, 1.2, 0.7, 3.1, 0.2, 0.9, 5.4, 1.1, 0.4, 2.2])
    res = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=0.9,
        method="BCa",
        alternative=alternative,
        n_resamples=4999,
        rng=np.random.default_rng(0),
    )
    m, lo, hi = rules.mean_interval(x, 0.9, interval="bca", side=side)
    assert m == pytest.approx(x.mean(), 1e-15)
    if side != "upper":
        assert lo == pytest.approx(res.confidence_interval.low, 1e-12)
    if side != "lower":
        assert hi == pytest.approx(res.confidence_interval.high, 1e-12)
    assert rules.mean_interval(x, 0.9, interval="bca", side=side) == rules.mean_interval(
        x, 0.9, interval="bca", side=side, rng=0
    )
    assert rules.mean_interval(x, interval="bca") == rules.mean_interval(x, 0.95, interval="bca")


def test_slope_t_interval_is_ols_with_n_minus_2_degrees_of_freedom():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([2.1, 3.9, 6.2, 7.8, 10.1, 12.3])
    b, _, se = _ols(x, y)
    half = stats.t.ppf(0.975, 4) * se
    got = rules.slope_interval(x, y, log=False)
    assert got == pytest.approx((b, b - half, b + half), 1e-10)
    # the default is the log-log slope at 95% with the t interval
    bl, _, sel = _ols(np.log(x), np.log(y))
    hl = stats.t.ppf(0.975, 4) * sel
    assert rules.slope_interval(x, y) == pytest.approx((bl, bl - hl, bl + hl), 1e-10)
    h90 = stats.t.ppf(0.95, 4) * sel
    assert rules.slope_interval(x, y, 0.9) == pytest.approx((bl, bl - h90, bl + h90), 1e-10)
    # integer input is converted to float, not truncated
    xi, yi = [1, 2, 3, 4], [3, 1, 4, 1]
    bi, _, sei = _ols(xi, yi)
    assert rules.slope_interval(xi, yi, log=False)[0] == pytest.approx(bi, 1e-12)


def test_slope_interval_pools_replicates_at_their_x():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([[1.0, 1.2], [2.1, 1.9], [3.2, 2.8]])  # (len(x), replicates)
    b, _, se = _ols(np.repeat(x, 2), y.ravel())
    half = stats.t.ppf(0.975, 4) * se
    assert rules.slope_interval(x, y, log=False) == pytest.approx((b, b - half, b + half), 1e-10)
    with pytest.raises(ValueError, match=r"shape \(len\(x\), replicates\)"):
        rules.slope_interval(x, y.T, log=False)
    with pytest.raises(ValueError, match="same length"):
        rules.slope_interval(x, [1.0, 2.0], log=False)


def test_slope_interval_input_checks_at_their_edges():
    with pytest.raises(ValueError, match="x > 0 and y > 0"):
        rules.slope_interval([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x > 0 and y > 0"):
        rules.slope_interval([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        rules.slope_interval([1.0, 2.0, 3.0], [1.0, math.inf, 3.0], log=False)
    with pytest.raises(ValueError, match="finite"):
        rules.slope_interval([1.0, math.nan, 3.0], [1.0, 2.0, 3.0], log=False)
    with pytest.raises(ValueError, match="at least 3 points"):
        rules.slope_interval([1.0, 2.0], [1.0, 2.0], log=False)
    with pytest.raises(ValueError, match="2 distinct x"):
        rules.slope_interval([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], log=False)
    # exactly 3 points, exactly 2 distinct x: enough
    s, lo, hi = rules.slope_interval([1.0, 1.0, 2.0], [1.0, 1.5, 3.0], log=False)
    assert s == pytest.approx(1.75) and lo < s < hi


def test_ols_slope_is_vectorised_along_the_last_axis_and_quiet_on_degenerate_rows():
    rng = np.random.default_rng(1)
    lx = rng.normal(size=(3, 7))
    ly = 2.0 * lx + rng.normal(size=(3, 7))
    want = [np.polyfit(a, b, 1)[0] for a, b in zip(lx, ly, strict=True)]
    np.testing.assert_allclose(rules._ols_slope(lx, ly), want, rtol=1e-12)
    np.testing.assert_allclose(rules._ols_slope(lx.T, ly.T, axis=0), want, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a resample with one distinct x: nan/inf, no warning
        flat = rules._ols_slope(np.array([[1.0, 1.0, 1.0]]), np.array([[1.0, 2.0, 3.0]]))
        tiny = rules._ols_slope(np.array([[0.0, 1e-170, 2e-170]]), np.array([[0.0, 1.0, 3.0]]))
    assert np.isnan(flat[0]) and np.isinf(tiny[0])


def test_slope_bca_interval_resamples_pairs():
    rng = np.random.default_rng(4)
    x = np.linspace(1.0, 10.0, 30)
    y = 2.0 * x + rng.normal(scale=0.5, size=x.size)
    s, lo, hi = rules.slope_interval(x, y, 0.9, interval="bca", log=False)

    def slope_of(a, b, axis=-1):  # least squares, written out
        da = a - a.mean(axis=axis, keepdims=True)
        db = b - b.mean(axis=axis, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (da * db).sum(axis=axis) / (da * da).sum(axis=axis)

    res = stats.bootstrap(
        (x, y),
        slope_of,
        paired=True,
        vectorized=True,
        method="BCa",
        confidence_level=0.9,
        n_resamples=4999,
        rng=np.random.default_rng(0),
    )
    assert lo == pytest.approx(res.confidence_interval.low, rel=1e-9)
    assert hi == pytest.approx(res.confidence_interval.high, rel=1e-9)
    assert lo < 2.0 < hi and hi - lo < 0.2  # unpaired resampling would centre near 0
    assert rules.slope_interval(x, y, interval="bca", log=False) == rules.slope_interval(
        x, y, 0.95, interval="bca", log=False, rng=0
    )


def test_ratio_interval_paired_bca_and_degenerate_cases():
    rng = np.random.default_rng(2)
    b = rng.uniform(1.0, 3.0, size=20)
    a = 3.0 * b + rng.normal(scale=0.01, size=b.size)
    r, lo, hi = rules.ratio_interval(a, b)
    assert r == pytest.approx(a.mean() / b.mean(), 1e-15)
    res = stats.bootstrap(
        (a, b),
        lambda u, v, axis=-1: u.mean(axis=axis) / v.mean(axis=axis),
        paired=True,
        vectorized=True,
        method="BCa",
        confidence_level=0.95,
        n_resamples=4999,
        rng=np.random.default_rng(0),
    )
    assert (lo, hi) == pytest.approx(
        (res.confidence_interval.low, res.confidence_interval.high), 1e-12
    )
    _, ulo, uhi = rules.ratio_interval(a, b, paired=False)
    assert hi - lo < (uhi - ulo) / 5  # pairing cancels the common variation
    assert rules.ratio_interval(a, b, 0.9) != rules.ratio_interval(a, b)
    # one sample each: no interval; no spread in both: a point; spread in one: an interval
    assert rules.ratio_interval([2.0], [4.0]) == (0.5, 0.0, math.inf)
    assert rules.ratio_interval([2.0, 2.0], [4.0, 4.0]) == (0.5, 0.5, 0.5)
    _, lo2, hi2 = rules.ratio_interval([2.0, 2.0, 2.0], [1.0, 2.0, 4.0])
    assert lo2 < 6 / 7 < hi2
    _, lo3, hi3 = rules.ratio_interval([1.0, 2.0, 4.0], [2.0, 2.0, 2.0])
    assert lo3 < 7 / 6 < hi3
    # unpaired samples may differ in size
    assert rules.ratio_interval([1.0, 3.0], [1.0, 2.0, 3.0], paired=False)[0] == 1.0


def test_ratio_interval_domain():
    assert rules.ratio_interval([0.0, 0.5], [0.5, 0.5])[0] == 0.5  # numerator 0 allowed
    for a, b in (
        ([1.0, -0.1], [1.0, 1.0]),
        ([1.0, 1.0], [1.0, 0.0]),
        ([1.0, math.inf], [1.0, 1.0]),
        ([1.0, 1.0], [1.0, math.nan]),
    ):
        with pytest.raises(ValueError, match="numerator >= 0 and denominator > 0"):
            rules.ratio_interval(a, b)
    with pytest.raises(ValueError, match="same size"):
        rules.ratio_interval([1.0, 2.0], [1.0, 2.0, 3.0])


def test_relative_error_definition():
    assert rules.relative_error([1.0, 2.5], [1.0, 2.0]) == 0.25
    assert rules.relative_error([1e-310], [0.0]) == 1e-310 / 1e-300
    assert rules.relative_error([], []) == 0.0
    assert rules.relative_error([1.0, math.nan], [1.0, 1.0]) == math.inf
    with pytest.raises(ValueError, match="shapes differ"):
        rules.relative_error([1.0, 2.0], [1.0])


def test_inside_uses_closed_predicted_sets():
    assert rules._inside(1.0, 2.0, 1.0, 2.0) == "pass"
    assert rules._inside(0.5, 1.0, 1.0, 2.0) == "inconclusive"  # touching is not disjoint
    assert rules._inside(2.0, 2.5, 1.0, 2.0) == "inconclusive"
    assert rules._inside(0.0, 0.9, 1.0, 2.0) == "fail"
    assert rules._inside(2.1, 3.0, 1.0, 2.0) == "fail"
    assert rules._inside(math.nan, -1.0, 0.0, 2.0) == "inconclusive"
    assert rules._inside(3.0, math.nan, 0.0, 2.0) == "inconclusive"


# ----------------------------------------------------------------------------- json


def test_plain_makes_predictions_json_able():
    b = sp.Symbol("b")
    value = {
        1: True,
        "i": 3,
        "s": "x",
        "n": None,
        "f": 0.5,
        "inf": math.inf,
        "t": (1, math.inf),
        "nine": tuple(range(9)),
        "eight": tuple(range(8)),
        "sym": b + 1,
        "a1": np.array([2.5]),
        "i1": np.array([[4]]),
        "s1": np.array(["lbl"]),
        "arr": np.zeros((2, 3)),
        "obj": np.array([b, 1]),
    }
    assert rules._plain(value) == {
        "1": True,
        "i": 3,
        "s": "x",
        "n": None,
        "f": 0.5,
        "inf": "inf",
        "t": [1.0, "inf"],
        "nine": "array[9]",
        "eight": [float(v) for v in range(8)],
        "sym": "b + 1",
        "a1": 2.5,
        "i1": 4.0,
        "s1": "lbl",
        "arr": "array[2, 3]",
        "obj": "[b 1]",
    }
    assert rules._plain(("a", 1)) == "array[2]"  # not all numbers: by its shape
    json.dumps(rules._plain(value))


def test_decision_and_rule_json():
    d = rules.Decision("pass", "s", threshold=np.array([1.0, 2.0]))
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "s",
        "estimate": None,
        "interval": None,
        "threshold": "array[2]",
        "numbers": {},
    }
    rule = rules.all_of(a=rules.every(), b=rules.every())
    dec = rule.decide({"a": [True], "b": [True, False]}, None)  # no dict: None for each part
    js = dec.to_json()
    assert js["parts"]["a"] == dec.parts["a"].to_json() and set(js["parts"]) == {"a", "b"}
    assert rule.to_json() == {
        "rule": "AllOf",
        "at_least": None,
        "parts": {"a": {"rule": "Every"}, "b": {"rule": "Every"}},
    }
    assert (dec.verdict, dec.parts["a"].verdict, dec.parts["b"].verdict) == ("fail", "pass", "fail")
    assert rules.slope("lower").to_json() == {
        "rule": "Slope",
        "bound": "lower",
        "tolerance": 0.0,
        "level": 0.95,
        "interval": "t",
        "log": True,
    }
    with pytest.raises(ValueError, match="verdict must be one of"):
        rules.Decision("maybe", "s")


# ----------------------------------------------------------------------------- validation


def test_parameter_checks_at_their_edges():
    assert rules.identity(0.0).tolerance == 0.0  # zero tolerance allowed where documented
    assert rules.close_to(1.0).tolerance == 1.0
    with pytest.raises(ValueError, match="tolerance must be finite and > 0"):
        rules.close_to(0.0)
    with pytest.raises(ValueError, match="tolerance must be finite and >= 0"):
        rules.identity(-1e-3)
    with pytest.raises(ValueError, match="finite"):
        rules.identity(math.inf)
    with pytest.raises(TypeError, match="tolerance must be a number"):
        rules.identity(True)
    with pytest.raises(TypeError, match="tolerance must be a number"):
        rules.close_to("0.1")
    with pytest.raises(TypeError, match="level must be a number"):
        rules.upper_bound(True)
    with pytest.raises(ValueError, match="scale must be"):
        rules.identity(scale="log")
    with pytest.raises(ValueError, match="within must be finite and > 0"):
        rules.ratio(0.0)
    assert rules.ratio(1.0).within == 1.0  # a factor of exactly 1 is allowed
    assert rules.slope("upper", tolerance=0.0).tolerance == 0.0
    with pytest.raises(ValueError, match="interval must be one of"):
        rules.slope("lower", interval="wald")
    with pytest.raises(ValueError, match="interval must be one of"):
        rules.close_to(interval="z")
    with pytest.raises(ValueError, match="at_least must be in"):
        rules.region_agreement(0.0)
    assert rules.region_agreement(1.0).at_least == 1.0
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        rules.region_agreement(0.9, level=1.0)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        rules.proportion(1.5)


def test_constructor_defaults_are_the_documented_ones():
    assert rules.identity() == rules.Identity(1e-12, "relative")
    assert rules.upper_bound() == rules.UpperBound(0.95, "t")
    assert rules.lower_bound() == rules.LowerBound(0.95, "t")
    assert rules.lower_bound(0.9, interval="bca") == rules.LowerBound(0.9, "bca")
    assert rules.slope("lower", log=False) == rules.Slope("lower", 0.0, 0.95, "t", False)
    assert rules.proportion() == rules.Proportion(0.95)
    assert rules.region_agreement() == rules.RegionAgreement(level=0.95, at_least=0.95)
    assert rules.region_agreement(0.8, level=0.9) == rules.RegionAgreement(level=0.9, at_least=0.8)
    assert rules.close_to() == rules.CloseTo(0.01, True, 0.95, "t")
    assert rules.close_to(0.1, relative=False, interval="bca") == rules.CloseTo(
        0.1, False, 0.95, "bca"
    )
    assert rules.ratio() == rules.Ratio(2.0, 0.95, True)
    assert rules.ratio(1.5, paired=False) == rules.Ratio(1.5, 0.95, False)
    assert rules.monotone() == rules.Monotone(True)
    assert rules.monotone(strict=False) == rules.Monotone(False)
    assert rules.identity(1e-6, scale="absolute") == rules.Identity(1e-6, "absolute")


# ----------------------------------------------------------------------------- rule decisions


def test_upper_bound_decision_at_and_around_its_thresholds():
    rule = rules.upper_bound()
    _, _, hi = rules.mean_interval(X5, side="upper")
    assert rule.decide(X5, hi).verdict == "pass"  # the upper confidence bound <= B: closed
    assert rule.decide(X5, hi * (1 - 1e-12)).verdict == "inconclusive"
    d = rule.decide([2.0, 2.0, 2.0], 2.0)
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "mean 2 (upper 2) vs bound 2",
        "estimate": 2.0,
        "interval": (2.0, 2.0),
        "threshold": 2.0,
        "numbers": {
            "mean": 2.0,
            "upper": 2.0,
            "lower": 2.0,
            "lower_mean": 2.0,
            "bound": 2.0,
            "n": 3,
            "level": 0.95,
            "tightness": 1.0,
        },
    }
    # fail needs the certified lower estimate strictly above the bound
    d = rule.decide({"samples": [3.0, 3.0], "lower": [2.0, 2.0]}, 2.0)
    assert d.verdict == "inconclusive"
    assert d.summary == "mean 3 (upper 3); certified lower mean 2 (>= 2) vs bound 2"
    assert d.numbers["lower_mean"] == 2.0 and d.interval == (2.0, 3.0)
    assert rule.decide({"samples": [3.0, 3.0], "lower": [2.5, 2.5]}, 2.0).verdict == "fail"
    assert rule.decide({"samples": [3.0, 3.0]}, 2.0).verdict == "fail"  # lower defaults to these
    d = rule.decide([0.5], 1.0)  # one sample: no finite interval
    assert (d.verdict, d.summary) == ("inconclusive", "mean 0.5 (upper inf) vs bound 1")
    d = rule.decide([0.5, math.nan], 1.0)
    assert (d.verdict, d.summary) == (
        "fail",
        "mean nan (upper inf) vs bound 1 (non-finite samples)",
    )
    assert math.isnan(rule.decide([1.0, 2.0], 0.0).numbers["tightness"])
    assert math.isnan(rule.decide([1.0, 2.0], -1.0).numbers["tightness"])
    assert rule.decide(X5, 10.0).numbers["tightness"] == 0.5
    assert rules.upper_bound(0.8).decide(X5, 9.0).numbers["upper"] == pytest.approx(
        5.0 + _t_half(X5, 0.8), 1e-12
    )
    assert (
        rules.upper_bound(interval="bca").decide(X5, 9.0).numbers["upper"]
        == rules.mean_interval(X5, interval="bca", side="upper")[2]
    )
    with pytest.raises(ValueError, match="bound data must be samples"):
        rule.decide({"samples": X5, "upper": X5}, 1.0)
    with pytest.raises(ValueError, match="bound data must be samples"):
        rule.decide({"lower": X5}, 1.0)
    with pytest.raises(ValueError, match="lower must hold at least one sample"):
        rule.decide({"samples": X5, "lower": []}, 1.0)


def test_lower_bound_decision_at_and_around_its_thresholds():
    rule = rules.lower_bound()
    _, lo, _ = rules.mean_interval(X5, side="lower")
    _, _, hi = rules.mean_interval(X5, side="upper")
    assert rule.decide(X5, lo).verdict == "pass"  # lower confidence bound >= B: closed
    assert rule.decide(X5, lo * (1 + 1e-12)).verdict == "inconclusive"
    assert rule.decide(X5, hi).verdict == "inconclusive"  # fail needs upper bound < B
    assert rule.decide(X5, hi * (1 + 1e-12)).verdict == "fail"
    d = rule.decide([2.0, 2.0], 2.0)
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "mean 2 (lower 2) vs bound 2",
        "estimate": 2.0,
        "interval": (2.0, 2.0),
        "threshold": 2.0,
        "numbers": {"mean": 2.0, "lower": 2.0, "upper": 2.0, "bound": 2.0, "n": 2, "level": 0.95},
    }
    d = rule.decide([3.0], 1.0)
    assert (d.verdict, d.summary) == ("inconclusive", "mean 3 (lower -inf) vs bound 1")
    assert rule.decide([3.0, math.inf], 1.0).verdict == "fail"
    assert rules.lower_bound(0.8).decide(X5, 0.0).numbers["lower"] == pytest.approx(
        5.0 - _t_half(X5, 0.8), 1e-12
    )
    assert (
        rules.lower_bound(interval="bca").decide(X5, 0.0).numbers["lower"]
        == rules.mean_interval(X5, interval="bca", side="lower")[1]
    )


def test_slope_decision_and_predicted_sets():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    y = np.array([2.1, 3.9, 6.2, 7.8, 10.1, 12.3])
    s, lo, hi = rules.slope_interval(x, y, log=False)
    rule = rules.slope("lower", log=False)
    d = rule.decide({"x": x, "y": y}, lo)
    assert d.verdict == "pass" and d.estimate == s and d.interval == (lo, hi)
    assert d.threshold == lo and d.numbers == {
        "slope": s,
        "low": lo,
        "high": hi,
        "exponent": lo,
        "predicted_low": lo,
        "predicted_high": math.inf,
        "level": 0.95,
    }
    assert d.summary == f"slope {s:.3f} [{lo:.3g}, {hi:.3g}] vs predicted [{lo:.3g}, inf]"
    assert rules.slope("upper", log=False).decide({"x": x, "y": y}, hi).verdict == "pass"
    assert rules.slope("upper", log=False).decide({"x": x, "y": y}, lo).verdict == "inconclusive"
    assert rules.slope("upper", log=False).decide({"x": x, "y": y}, lo - 1e-9).verdict == "fail"
    assert (
        rules.slope("lower").decide({"x": x, "y": y}, 0.0).numbers["slope"]
        == rules.slope_interval(x, y)[0]
    )  # log-log by default
    assert (
        rules.slope("lower", level=0.8, log=False).decide({"x": x, "y": y}, 0.0).numbers["low"]
        == rules.slope_interval(x, y, 0.8, log=False)[1]
    )
    assert (
        rules.slope("lower", interval="bca", log=False).decide({"x": x, "y": y}, 0.0).numbers["low"]
        == rules.slope_interval(x, y, interval="bca", log=False)[1]
    )
    assert rules.slope("lower", tolerance=0.5).predicted_set(-2.0) == (-2.5, math.inf)
    assert rules.slope("upper", tolerance=0.5).predicted_set(-2.0) == (-math.inf, -1.5)
    assert rules.slope("two-sided", tolerance=0.5).predicted_set(-2.0) == (-2.5, -1.5)
    with pytest.raises(ValueError, match="keys 'x' and 'y'"):
        rule.decide({"x": x}, 1.0)
    with pytest.raises(ValueError, match="keys 'x' and 'y'"):
        rule.decide([x, y], 1.0)


def test_proportion_decision_at_its_thresholds():
    hits = np.array([True] * 9 + [False])
    ci = stats.binomtest(9, 10).proportion_ci(confidence_level=0.95, method="exact")
    rule = rules.proportion()
    d = rule.decide(hits, ci.low)
    assert d.verdict == "pass" and d.estimate == 0.9 and d.interval == (ci.low, ci.high)
    assert d.numbers == {
        "successes": 9,
        "trials": 10,
        "low": ci.low,
        "high": ci.high,
        "at_least": ci.low,
        "level": 0.95,
    }
    assert d.summary == (f"successes 9/10 = 0.9000 [{ci.low:.4g}, {ci.high:.4g}] vs >= {ci.low:g}")
    assert rule.decide(hits, ci.low + 1e-12).verdict == "inconclusive"
    assert rule.decide(hits, ci.high).verdict == "inconclusive"  # fail needs upper end < p0
    assert rule.decide(hits, 1.0).verdict == "fail"
    assert rule.decide(hits, 0.0).verdict == "pass"
    ci80 = stats.binomtest(9, 10).proportion_ci(confidence_level=0.8, method="exact")
    assert rules.proportion(0.8).decide(hits, 0.5).interval == (ci80.low, ci80.high)
    assert rule.decide([1, 0, 1, 1], 0.0).numbers["successes"] == 3
    for p0 in (-0.1, 1.1):
        with pytest.raises(ValueError, match=r"predicted fraction must be in \[0, 1\]"):
            rule.decide(hits, p0)
    with pytest.raises(ValueError, match="at least one trial"):
        rule.decide([], 0.5)


def test_region_agreement_counts_only_decided_points():
    measured = np.array([1, 1, -1, -1, 1, -1])
    predicted = np.array([1, 1, -1, -1, -1, 1])
    rule = rules.region_agreement(0.5, level=0.9)
    d = rule.decide({"measured": measured}, predicted)
    ci = stats.binomtest(4, 6).proportion_ci(confidence_level=0.9, method="exact")
    assert d.numbers == {
        "successes": 4,
        "trials": 6,
        "low": ci.low,
        "high": ci.high,
        "at_least": 0.5,
        "level": 0.9,
    }
    assert d.summary.startswith("agreement 4/6 = 0.6667 ") and d.summary.endswith(" vs >= 0.5")
    decided = np.array([True, True, True, True, False, False])
    d = rule.decide({"measured": measured, "decided": decided}, predicted)
    assert (d.numbers["successes"], d.numbers["trials"]) == (4, 4)
    with pytest.raises(ValueError, match="differ in shape"):
        rule.decide({"measured": measured}, predicted[:3])
    with pytest.raises(ValueError, match="'measured'"):
        rule.decide({"labels": measured}, predicted)
    with pytest.raises(ValueError, match="'measured'"):
        rule.decide(measured, predicted)


def test_every_reports_its_exceptions():
    rule = rules.every()
    d = rule.decide({"a": 1, "b": -2, "c": 3}, lambda v: v > 0)
    assert d.to_json() == {
        "verdict": "fail",
        "summary": "2/3 points hold; exceptions: b",
        "estimate": 2.0,
        "interval": None,
        "threshold": None,
        "numbers": {"holds": 2, "points": 3, "exceptions": ["b"]},
    }
    d = rule.decide([True, False, True], None)  # booleans, no predicate; keys are indices
    assert d.numbers["exceptions"] == ["1"] and d.verdict == "fail"
    assert rule.decide(np.ones(3), None).verdict == "pass"
    d = rule.decide([0] * 30, None)
    assert d.summary == "0/30 points hold; exceptions: 0, 1, 2, 3, 4"
    assert d.numbers["exceptions"] == [str(k) for k in range(20)]
    assert rule.decide({"a": 1}, lambda v: v > 0).summary == "1/1 points hold"
    with pytest.raises(ValueError, match="at least one point"):
        rule.decide([], None)


def test_close_to_single_values_at_the_band_edges():
    rel = rules.close_to(0.25)
    for v, verdict in ((1.5, "pass"), (2.5, "pass"), (1.4999, "fail"), (2.5001, "fail")):
        assert rel.decide(v, 2.0).verdict == verdict
    assert rel.decide(-2.5, -2.0).verdict == "pass"  # relative to |p|
    assert rel.decide(-2.6, -2.0).verdict == "fail"
    d = rel.decide(1.5, 2.0)
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "1.5 vs predicted [1.5, 2.5]",
        "estimate": 1.5,
        "interval": None,
        "threshold": 2.0,
        "numbers": {"value": 1.5, "predicted": 2.0, "low": 1.5, "high": 2.5},
    }
    absolute = rules.close_to(0.25, relative=False)
    assert absolute.decide(2.25, 4.0).verdict == "fail"
    assert absolute.decide(3.75, 4.0).verdict == "pass"
    assert absolute.decide(0.2, 0.0).numbers["high"] == 0.25


def test_close_to_samples_use_the_two_sided_interval():
    rule = rules.close_to(0.25)
    d = rule.decide([2.0, 2.0, 2.0], 2.0)
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "mean 2 [2, 2] vs predicted [1.5, 2.5]",
        "estimate": 2.0,
        "interval": (2.0, 2.0),
        "threshold": 2.0,
        "numbers": {
            "mean": 2.0,
            "ci_low": 2.0,
            "ci_high": 2.0,
            "predicted": 2.0,
            "low": 1.5,
            "high": 2.5,
            "n": 3,
        },
    }
    assert rule.decide([2.5, 2.5], 2.0).verdict == "pass"
    assert rule.decide([2.75, 2.75], 2.0).verdict == "fail"
    assert rule.decide([2.0, 2.0, math.inf], 2.0).verdict == "fail"
    m, lo, hi = rules.mean_interval(X5, 0.5)
    d = rules.close_to(0.5, level=0.5).decide(X5, 5.0)
    assert (d.numbers["ci_low"], d.numbers["ci_high"], d.interval) == (lo, hi, (lo, hi))
    assert d.verdict == "pass" and d.estimate == m
    assert rules.close_to(0.5, level=0.5).decide(X5, 4.0).verdict == "inconclusive"
    assert rules.close_to(0.5, level=0.5).decide(X5, 2.0).verdict == "fail"
    assert (
        rules.close_to(0.5, interval="bca").decide(X5, 5.0).numbers["ci_low"]
        == rules.mean_interval(X5, interval="bca")[1]
    )


def test_ratio_decision_with_a_factor_or_a_range():
    data = {"numerator": [2.0, 2.0], "denominator": [4.0, 4.0]}
    d = rules.ratio().decide(data, 0.5)
    js = d.to_json()
    js["numbers"].pop("high")  # see test_ratio_numbers_report_the_interval (a known bug)
    assert js == {
        "verdict": "pass",
        "summary": "ratio 0.5 [0.5, 0.5] vs predicted [0.25, 1]",
        "estimate": 0.5,
        "interval": (0.5, 0.5),
        "threshold": 0.5,
        "numbers": {
            "ratio": 0.5,
            "low": 0.5,
            "predicted_low": 0.25,
            "predicted_high": 1.0,
            "level": 0.95,
        },
    }
    assert rules.ratio(1.0).decide(data, 0.5).verdict == "pass"
    assert rules.ratio(1.5).decide(data, 1.0).verdict == "fail"
    d = rules.ratio().decide(data, (0.5, 0.75))
    assert d.verdict == "pass" and d.threshold == [0.5, 0.75]
    assert (d.numbers["predicted_low"], d.numbers["predicted_high"]) == (0.5, 0.75)
    assert rules.ratio().decide(data, [0.6, 0.75]).verdict == "fail"
    uneven = {"numerator": [1.0, 3.0], "denominator": [1.0, 2.0, 3.0]}
    assert rules.ratio(paired=False).decide(uneven, 1.0).estimate == 1.0
    with pytest.raises(ValueError, match="same size"):
        rules.ratio().decide(uneven, 1.0)
    rng = np.random.default_rng(5)
    b = rng.uniform(1.0, 2.0, 12)
    noisy = {"numerator": 2 * b + rng.normal(scale=0.01, size=12), "denominator": b}
    assert (
        rules.ratio(level=0.5).decide(noisy, 2.0).numbers["low"]
        == rules.ratio_interval(noisy["numerator"], b, 0.5)[1]
    )
    with pytest.raises(ValueError, match="'numerator' and 'denominator'"):
        rules.ratio().decide({"numerator": [1.0]}, 1.0)
    with pytest.raises(ValueError, match="'numerator' and 'denominator'"):
        rules.ratio().decide([1.0], 1.0)


def test_ratio_numbers_report_the_interval():
    d = rules.ratio().decide({"numerator": [2.0, 2.0], "denominator": [4.0, 4.0]}, 0.5)
    assert (d.numbers["low"], d.numbers["high"]) == d.interval


def test_monotone_strictness_direction_and_finiteness():
    d = rules.monotone().decide([1.0, 2.0, 4.0], 1)
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "1, 2, 4 vs predicted increasing",
        "estimate": 1.0,
        "interval": None,
        "threshold": 1.0,
        "numbers": {"values": [1.0, 2.0, 4.0], "direction": 1.0},
    }
    d = rules.monotone().decide([4.0, 2.0, 1.0], -1)
    assert (d.verdict, d.estimate, d.summary) == ("pass", 1.0, "4, 2, 1 vs predicted decreasing")
    assert rules.monotone().decide([1.0, 1.0, 2.0], 1).verdict == "fail"
    assert rules.monotone(strict=False).decide([1.0, 1.0, 2.0], 1).verdict == "pass"
    assert rules.monotone(strict=False).decide([1.0, 0.5, 2.0], 1).verdict == "fail"
    assert rules.monotone().decide([1.0, 2.0, math.inf], 1).verdict == "fail"
    assert rules.monotone(strict=False).decide([1.0, 2.0, math.inf], 1).verdict == "fail"
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        rules.monotone().decide([1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="at least 2 values"):
        rules.monotone().decide([1.0], 1)


def test_identity_relative_and_absolute_errors():
    a = np.array([1.0, 2.0, 4.0])
    d = rules.identity(0.25).decide(a, np.array([1.0, 2.0, 5.0]))
    assert d.to_json() == {
        "verdict": "pass",
        "summary": "max rel. error 2.00e-01 vs tolerance 0.25",
        "estimate": 0.2,
        "interval": None,
        "threshold": 0.25,
        "numbers": {"error": 0.2, "worst": "", "tolerance": 0.25},
    }
    ab = rules.identity(0.5, scale="absolute")
    d = ab.decide({"u": a, "v": a + 0.5, "w": a + 0.5}, {"u": a, "v": a, "w": a})
    assert d.verdict == "pass" and d.numbers == {"error": 0.5, "worst": "v", "tolerance": 0.5}
    assert d.summary == "max error 5.00e-01 (v) vs tolerance 0.5"
    assert ab.decide(a + 0.75, a).verdict == "fail"
    assert ab.decide([1, 2], [1, 3]).estimate == 1.0
    assert ab.decide(np.array([]), np.array([])).verdict == "pass"
    assert ab.decide([1.0, math.nan], [1.0, 1.0]).estimate == math.inf
    assert ab.decide([1.0, 1.0], [1.0, math.inf]).verdict == "fail"
    assert rules.identity(0.0).decide({"u": a, "v": a}, {"u": a, "v": a}).numbers["worst"] == ""
    with pytest.raises(ValueError, match="shapes differ"):
        ab.decide(a, a[:2])
    with pytest.raises(ValueError, match="same keys"):
        ab.decide({"u": a}, {"u": a, "v": a})
    with pytest.raises(ValueError, match="same keys"):
        ab.decide(a, {"u": a})


def test_exact_counts_the_expressions_that_simplify_to_zero():
    b = sp.Symbol("b")
    d = rules.exact().decide({"p": b**2 - b * b, "q": b}, {"p": 0, "q": b + 1})
    assert d.to_json() == {
        "verdict": "fail",
        "summary": "1/2 exact; not exact: q",
        "estimate": 1.0,
        "interval": None,
        "threshold": None,
        "numbers": {"exact": 1, "total": 2, "not_exact": ["q"]},
    }
    d = rules.exact().decide(sp.sin(b) ** 2 + sp.cos(b) ** 2, 1)
    assert (d.verdict, d.summary, d.estimate) == ("pass", "1/1 exact", 1.0)
    assert rules.exact().decide(b, 0).numbers["not_exact"] == ["expression"]


def test_all_of_verdicts_numbers_and_summary():
    parts = {"a": rules.every(), "b": rules.every(), "c": rules.every()}
    rule = rules.all_of(parts, at_least=2)
    d = rule.decide({"a": [True], "b": [True], "c": [True]}, None)
    assert d.verdict == "pass" and d.numbers == {"passed": 3, "failed": 0, "parts": 3}
    assert d.summary == (
        "a: 1/1 points hold (pass); b: 1/1 points hold (pass); c: 1/1 points hold (pass)"
    )
    d = rule.decide({"a": [True], "b": [False], "c": [True]}, None)
    assert d.verdict == "fail" and d.numbers == {"passed": 2, "failed": 1, "parts": 3}
    assert set(d.parts) == {"a", "b", "c"} and d.parts["b"].verdict == "fail"
    upper = {"x": rules.upper_bound(), "y": rules.upper_bound()}
    mid = [0.9, 1.1]
    two = rules.all_of(upper, at_least=2)
    assert two.decide({"x": [0.5, 0.5], "y": mid}, {"x": 1.0, "y": 1.0}).verdict == "inconclusive"
    assert (
        rules.all_of(upper, at_least=1)
        .decide({"x": [0.5, 0.5], "y": mid}, {"x": 1.0, "y": 1.0})
        .verdict
        == "pass"
    )
    assert rules.all_of(x=rules.exact(), y=rules.exact()).parts.keys() == {"x", "y"}
    assert rules.all_of({"x": rules.exact()}, y=rules.exact()).parts.keys() == {"x", "y"}
    assert rules.all_of(upper, at_least=2).at_least == 2
    for bad in (0, 3):
        with pytest.raises(ValueError, match=r"at_least must be in \[1, 2\]"):
            rules.all_of(upper, at_least=bad)
    with pytest.raises(ValueError, match="at least one part"):
        rules.all_of({})
    with pytest.raises(TypeError, match="must be a Rule"):
        rules.all_of(a=rules.exact(), b="exact")
    with pytest.raises(ValueError, match="all_of data must be a dict"):
        two.decide({"x": [1.0]}, {"x": 1.0, "y": 1.0})
    with pytest.raises(ValueError, match="all_of data must be a dict"):
        two.decide([1.0], {"x": 1.0, "y": 1.0})


# ----------------------------------------------------------------------------- descriptions


def test_descriptions_render_every_parameter():
    assert rules.identity(1e-9).describe() == (
        "pass iff max |measured - predicted| / max |predicted| <= 1e-09, else fail"
    )
    assert rules.identity(0.5, scale="absolute").describe() == (
        "pass iff max |measured - predicted| <= 0.5, else fail"
    )
    assert rules.exact().describe() == (
        "pass iff SymPy simplifies every (derived - stated) difference to exactly 0"
    )
    assert rules.upper_bound(0.9).describe() == (
        "pass iff the one-sided 90% t upper confidence bound of the mean is <= the bound; "
        "fail iff the one-sided 90% lower confidence bound of the mean of the certified lower "
        "estimates (else of the samples) is > the bound; otherwise inconclusive"
    )
    assert "one-sided 95% BCa bootstrap upper" in rules.upper_bound(interval="bca").describe()
    assert rules.lower_bound(0.9).describe() == (
        "pass iff the one-sided 90% t lower confidence bound of the mean is >= the bound; "
        "fail iff the one-sided 90% upper confidence bound is < the bound; otherwise "
        "inconclusive"
    )
    assert "one-sided 95% BCa bootstrap lower" in rules.lower_bound(interval="bca").describe()
    assert rules.slope("lower", tolerance=0.25, level=0.9).describe() == (
        "fit the least-squares log-log slope with a two-sided 90% t (OLS standard error) "
        "interval; pass iff the interval lies >= p - 0.25 (p the predicted exponent), fail iff "
        "it lies entirely outside, otherwise inconclusive"
    )
    assert "lies <= p + 0.25 (p" in rules.slope("upper", tolerance=0.25).describe()
    assert "lies >= p (p" in rules.slope("lower").describe()
    assert "lies <= p (p" in rules.slope("upper").describe()
    assert "lies within p ± 0.5 (p" in rules.slope("two-sided", tolerance=0.5).describe()
    assert (
        "least-squares slope with a two-sided 95% BCa pairs-bootstrap interval"
        in rules.slope("lower", interval="bca", log=False).describe()
    )
    assert rules.proportion(0.9).describe() == (
        "pass iff the lower end of the 90% Clopper-Pearson interval of the success fraction is "
        ">= the predicted fraction; fail iff its upper end is below it; otherwise inconclusive"
    )
    assert rules.region_agreement(0.8, level=0.9).describe() == (
        "on the decided points, pass iff the lower end of the 90% Clopper-Pearson interval of "
        "the agreement between measured and predicted labels is >= 0.8; fail iff its upper end "
        "is below; otherwise inconclusive"
    )
    assert rules.every().describe() == (
        "pass iff the predicted property holds at every point; one exception fails"
    )
    assert rules.close_to(0.05, level=0.9).describe() == (
        "a single value: pass iff it lies in p ± 0.05·|p| (p predicted), else fail; samples: "
        "pass iff the two-sided 90% interval of their mean lies in p ± 0.05·|p|, fail iff it is "
        "disjoint from it, otherwise inconclusive"
    )
    assert "lies in p ± 0.05 (p" in rules.close_to(0.05, relative=False).describe()
    assert rules.ratio(1.5, level=0.9).describe() == (
        "ratio of means with a paired 90% BCa bootstrap interval; pass iff the interval lies "
        "within a factor 1.5 of the predicted ratio, fail iff it lies entirely outside, "
        "otherwise inconclusive"
    )
    assert "with a 95% BCa" in rules.ratio(paired=False).describe()
    assert rules.monotone().describe() == (
        "pass iff the values move strictly in the predicted direction at every step"
    )
    assert rules.monotone(strict=False).describe() == (
        "pass iff the values move in the predicted direction at every step"
    )
    same = rules.all_of(a=rules.every(), b=rules.every())
    assert same.describe() == (
        f"each part: {rules.every().describe()}. The claim fails iff "
        "any part fails and passes iff every part passes"
    )
    mixed = rules.all_of(a=rules.every(), b=rules.exact(), at_least=1)
    assert mixed.describe() == (
        f"[a] {rules.every().describe()}; [b] {rules.exact().describe()}. The claim fails iff "
        "any part fails and passes iff at least 1 of the 2 parts pass"
    )


# ----------------------------------------------------------------------------- perturbations


def test_scale_and_shift_keep_the_type_of_each_leaf():
    b = sp.Symbol("b")
    half = rules.scale(0.5, target="t").transform
    assert half(b) == b / 2 and isinstance(half(b), sp.Expr)  # exact: nsimplify(0.5) = 1/2
    assert half((2.0, 4.0)) == (1.0, 2.0) and half([2.0, 4.0]) == [1.0, 2.0]
    np.testing.assert_array_equal(half(np.array([2, 4])), [1.0, 2.0])
    assert half(3) == 1.5 and isinstance(half(3), float)
    quarter = rules.shift(0.25, target="t").transform
    assert quarter(b) == b + sp.Rational(1, 4)
    np.testing.assert_array_equal(quarter(np.array([1, 2])), [1.25, 2.25])
    assert quarter(1) == 1.25 and isinstance(quarter(1), float)
    p = rules.scale(2, target="bound 2x", part="a")
    assert (p.name, p.target, p.required, p.control, p.kind) == (
        "prediction x 2 (a)",
        "bound 2x",
        True,
        False,
        "prediction",
    )
    assert p.transform({"a": 1.0, "b": 1.0}) == {"a": 2.0, "b": 1.0}
    assert rules.scale(2, target="t").name == "prediction x 2"
    assert rules.scale(2, name="n", target="t", required=False, control=True).describe() == {
        "perturbation": "n",
        "target": "t",
        "kind": "prediction",
        "required": False,
        "control": True,
    }
    s = rules.shift(-0.25, target="exponent", part="k")
    assert (s.name, s.required, s.control) == ("prediction -0.25 (k)", True, False)
    assert rules.shift(0.5, target="t").name == "prediction +0.5"
    assert s.transform({"k": 1.0, "j": 1.0}) == {"k": 0.75, "j": 1.0}
    s2 = rules.shift(1, name="m", target="t", required=False, control=True)
    assert (s2.name, s2.required, s2.control) == ("m", False, True)


def test_relative_bumps_zero_and_nonzero_predictions():
    e = sp.Rational(1, 10**8)
    bump = rules.relative().transform
    assert bump(sp.Integer(0)) == e and bump(0) == e  # integers go through SymPy
    assert bump(sp.Integer(3)) == 3 * (1 + e)
    b = sp.Symbol("b")
    assert sp.expand(bump(b) - b * (1 + e)) == 0
    np.testing.assert_array_equal(bump(np.array([0.0, 2.0])), [1e-8, 2.0 * (1 + 1e-8)])
    np.testing.assert_array_equal(bump(np.array([1, 2])), [1 + 1e-8, 2 * (1 + 1e-8)])
    assert bump(2.0) == 2.0 * (1 + 1e-8) and isinstance(bump(2.0), float)
    assert bump(0.0) == 1e-8
    r = rules.relative(1e-6, part="a")
    assert (r.name, r.target, r.required, r.control) == (
        "prediction x (1 + 1e-06) (a)",
        "identity: 1e-06 relative",
        True,
        False,
    )
    assert r.transform({"a": 1.0, "b": 1.0}) == {"a": 1.0 + 1e-6, "b": 1.0}
    assert rules.relative().name == "prediction x (1 + 1e-08)"
    r2 = rules.relative(name="n", target="t", required=False)
    assert (r2.name, r2.target, r2.required) == ("n", "t", False)


def test_replace_and_assumption_perturbations():
    r = rules.replace(0.0, name="drop", target="a term dropped", part="a")
    assert (r.required, r.control, r.kind) == (True, False, "prediction")
    assert r.transform({"a": 1.0, "b": 2.0}) == {"a": 0.0, "b": 2.0}
    assert rules.replace(lambda v: -v, name="n", target="t").transform(3.0) == -3.0
    assert rules.replace(None, name="n", target="t").transform(3.0) is None
    r2 = rules.replace(1.0, name="n", target="t", required=False, control=True)
    assert (r2.name, r2.target, r2.required, r2.control) == ("n", "t", False, True)

    def evaluate(ctx):
        return ctx

    a = rules.assumption("no normaliser", evaluate, target="normaliser needed")
    assert (a.name, a.target, a.evaluate, a.transform) == (
        "no normaliser",
        "normaliser needed",
        evaluate,
        None,
    )
    assert (a.required, a.control, a.kind) == (True, False, "assumption")
    a2 = rules.assumption("n", evaluate, target="t", required=False, control=True)
    assert (a2.required, a2.control) == (False, True)
    assert a2.describe() == {
        "perturbation": "n",
        "target": "t",
        "kind": "assumption",
        "required": False,
        "control": True,
    }


def test_perturbation_entries_are_validated():
    with pytest.raises(ValueError, match="non-empty name"):
        rules.Perturbation("  ", "t", transform=abs)
    with pytest.raises(ValueError, match=r"non-empty target; got ' ' \(entry 'x'\)"):
        rules.Perturbation("x", " ", transform=abs)
    with pytest.raises(ValueError, match="non-empty target; got None"):
        rules.Perturbation("x", None, transform=abs)
    with pytest.raises(ValueError, match="exactly one of transform"):
        rules.Perturbation("x", "t", transform=abs, evaluate=abs)
    with pytest.raises(TypeError, match="transform must be callable"):
        rules.Perturbation("x", "t", transform=1.0)
    with pytest.raises(TypeError, match="evaluate must be callable"):
        rules.Perturbation("x", "t", evaluate="run")
    with pytest.raises(KeyError, match="no part 'z'"):
        rules.shift(1, target="t", part=("b", "z")).transform({"b": {"c": 1.0}})
    with pytest.raises(KeyError, match="no part 'a'"):
        rules.scale(2, target="t", part="a").transform(1.0)


# ----------------------------------------------------------------------------- second round


def test_summaries_round_to_their_stated_digits():
    _, _, hi = rules.mean_interval(X5, side="upper")
    _, lo, _ = rules.mean_interval(X5, side="lower")
    assert rules.upper_bound().decide(X5, 9.0).summary == f"mean 5 (upper {hi:.3g}) vs bound 9"
    m, lo2, hi2 = rules.mean_interval(X5)
    d = rules.close_to(0.1).decide(X5, 4.8)
    assert d.summary == f"mean 5 [{lo2:.5g}, {hi2:.5g}] vs predicted [4.32, 5.28]"
    x = X5 / 7  # mean 0.714285..., five significant digits in the samples' summary
    m7, lo7, hi7 = rules.mean_interval(x)
    d = rules.close_to(0.0123, relative=False).decide(x, 0.7)
    assert d.summary == (f"mean 0.71429 [{lo7:.5g}, {hi7:.5g}] vs predicted [0.6877, 0.7123]")
    d = rules.close_to(0.0123456, relative=False).decide(x, 0.7)
    assert d.summary.endswith(" vs predicted [0.68765, 0.71235]")
    d = rules.close_to(0.123456).decide(1.23456789, 1.0)
    assert d.summary == "1.2346 vs predicted [0.87654, 1.1235]"
    assert rules.lower_bound().decide(X5, 1.0).summary == f"mean 5 (lower {lo:.3g}) vs bound 1"


def test_one_sided_rules_use_their_level_and_interval_on_both_ends():
    for level, interval in ((0.8, "t"), (0.95, "bca")):
        up = rules.UpperBound(level, interval).decide(X5, 9.0)
        assert (
            up.numbers["upper"]
            == rules.mean_interval(X5, level, interval=interval, side="upper")[2]
        )
        assert (
            up.numbers["lower"]
            == rules.mean_interval(X5, level, interval=interval, side="lower")[1]
        )
        low = rules.LowerBound(level, interval).decide(X5, 1.0)
        assert (
            low.numbers["lower"]
            == rules.mean_interval(X5, level, interval=interval, side="lower")[1]
        )
        assert (
            low.numbers["upper"]
            == rules.mean_interval(X5, level, interval=interval, side="upper")[2]
        )


def test_remaining_documented_details():
    assert rules.slope(tolerance=0.1).bound == "two-sided"  # the default bound
    b = sp.Symbol("b")
    d = rules.exact().decide({"p": b, "q": b + 1}, {"p": 0, "q": 0})
    assert d.summary == "0/2 exact; not exact: p, q"
    hits = [True, True, False]
    assert rules.proportion().decide(hits, 0.25).threshold == 0.25
    assert rules.region_agreement(0.9).decide({"measured": [1]}, [1]).threshold == 0.9
    with pytest.raises(ValueError, match=r"at_least must be in \(0, 1\]"):
        rules.region_agreement(1.5)
    # a part named by a (multi-letter) key, not by its first letter
    p = rules.scale(2, target="t", part="bound")
    assert p.transform({"bound": 1.0, "b": 1.0}) == {"bound": 2.0, "b": 1.0}
    # boolean and integer samples are numbers (0/1 indicators, counts)
    assert rules.mean_interval([True, False, True, True]) == rules.mean_interval(
        [1.0, 0.0, 1.0, 1.0]
    )
    assert rules.upper_bound().decide([True, False, True], 1.0).numbers["mean"] == pytest.approx(
        2 / 3
    )
