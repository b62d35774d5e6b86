"""Exact asymptote of the divergence edge (docs/theory §3.2): the SymPy series of the cyclic
drift against the closed form and its exact roots, and the remainder rule of claim Z-ASYMP."""

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.claims import z22
from adamtheory.theory import divergence as dv
from adamtheory.theory import divergence_asymptote as da

# docs/theory §3.2, typed in: beta2* = 1 - 4/(n^2 - 1) + O(n^-3) at beta1 = 0, a = 1
THEORY_LEADING = 4


def exact_gap(n):
    return 1.0 - float(dv.beta2_boundary([0.0], n)[0])


@pytest.mark.slow
def test_drift_series_starts_at_the_beta2_to_one_limit():
    # sqrt(V) mu -> r - n + 1 = 1 at r = n (docs/theory §3.2's beta2 -> 1 limit)
    m0, m1, _ = da.drift_series(2)
    assert sp.simplify(m0 - 1) == 0
    limit = dv.drift_limit_beta2_to_one().subs(dv.r, dv.n)
    big_v = 1 + (da.n**2 - 1) / da.n
    assert sp.simplify(limit.subs(dv.n, da.n) * sp.sqrt(big_v) - m0) == 0
    assert sp.simplify(m1 + (da.n**2 - 1) ** 2 / (4 * (da.n**2 + da.n - 1))) == 0


@pytest.mark.parametrize("n", [10, 37])
def test_first_and_second_drift_coefficients_match_the_closed_form(n):
    # central differences of sqrt(V) mu_cyc(0, 1 - delta) at small delta, an independent route
    moments = [float(m.subs(da.n, n)) for m in da.drift_series(2)]
    big_v = 1 + (n * n - 1) / n
    h = 1e-4
    f = [math.sqrt(big_v) * float(dv.cyclic_drift(0.0, 1.0 - d, n)) for d in (h, 2 * h, 3 * h)]
    # quadratic through (0, m0) and the three points: fitted slope and curvature
    ds = np.array([0.0, h, 2 * h, 3 * h])
    coef = np.polyfit(ds, np.array([moments[0], *f]), 3)
    assert coef[-2] == pytest.approx(moments[1], rel=1e-5)
    assert coef[-3] == pytest.approx(moments[2], rel=1e-2)


def test_leading_coefficient_is_the_theory_constant():
    assert da.boundary_coefficients(1) == (THEORY_LEADING,)
    assert da.boundary_coefficients(2)[0] == THEORY_LEADING


@pytest.mark.parametrize("n", [200, 400])
def test_second_coefficient_against_exact_roots(n):
    # n^3 (1 - beta2* - 4/n^2) -> c1 with an O(1/n) error
    c0, c1 = (float(c) for c in da.boundary_coefficients(2))
    scaled = n**3 * (exact_gap(n) - c0 / n**2)
    assert abs(scaled - c1) < 10.0 / n


def test_remainders_decay_one_power_faster_per_term():
    ns = (20, 50, 100, 200, 400)
    gaps = np.array([exact_gap(n) for n in ns])
    for order in (1, 2):
        series = da.boundary_gap(np.array(ns), order)
        slope, lo, hi = z22.rules.slope_interval(ns, np.abs(gaps - series))
        assert -(order + 2) - 0.3 < lo <= hi < -(order + 2) + 0.3


def test_boundary_gap_validates_its_inputs():
    with pytest.raises(TypeError, match="n must be an integer"):
        da.boundary_gap(10.5)
    with pytest.raises(ValueError, match="n must be an integer"):
        da.boundary_gap(np.array([1, 5]))
    with pytest.raises(ValueError, match=r"order must be an integer in \[1, 3\]"):
        da.boundary_gap(10, order=4)
    with pytest.raises(TypeError, match="order must be an integer"):
        da.boundary_coefficients(1.5)


def test_remainder_rule_passes_fails_and_is_inconclusive():
    rule = z22._Remainder(0.25)
    ns = np.array([10, 20, 50, 100, 200])
    truth = 4 / ns**2 + 5 / ns**3
    fine = rule.decide({"n": ns, "exact": truth}, {"series": 4 / ns**2, "order": -3.0})
    assert fine.verdict == "pass"
    wrong = rule.decide({"n": ns, "exact": truth}, {"series": 3 / ns**2, "order": -3.0})
    assert wrong.verdict == "fail"
    # a scattered remainder around n^-2.75: the interval straddles the limit -2.75
    scattered = 4 / ns**2 + ns**-2.75 * np.array([1, 3, 1 / 3, 3, 1])
    loose = rule.decide({"n": ns, "exact": scattered}, {"series": 4 / ns**2, "order": -3.0})
    assert loose.verdict == "inconclusive"
    bad = rule.decide({"n": ns, "exact": truth * np.nan}, {"series": truth, "order": -3.0})
    assert bad.verdict == "fail"


def test_asymp_perturbations_change_the_prediction_as_named():
    c0, c1 = z22._asymp_constants()
    base = z22._asymp_prediction(c0, c1)
    three = z22._asymp_perturbed(c0_factor=0.75)(base)
    ns = np.asarray(z22.ASYMP_NS, dtype=float)
    assert np.allclose(three["cyclic"]["series"], 3 / ns**2 + c1 / ns**3)
    steeper = z22._asymp_perturbed(exponent=2.25)(base)
    assert np.allclose(steeper["cyclic"]["series"], c0 / ns**2.25 + c1 / ns**3.25)
