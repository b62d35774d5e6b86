"""Cyclic drift of Adam on the one-big-gradient counterexample (docs/theory §3.2) and the
colour-ball lemma (§3.5): SymPy derivations against the spec's formulas, the vectorised drift
against an independent NumPy transcription and a brute-force recursion, the β2 boundary against
an independent bisection."""

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.problems import one_big_gradient
from adamtheory.theory import colour_ball as cb
from adamtheory.theory import divergence as dv

beta1, beta2, n, r, j = dv.beta1, dv.beta2, dv.n, dv.r, dv.j

# docs/theory §3.2, typed in from the text (not from the library)
M_THEORY = -1 + (r + 1) * (1 - beta1) * beta1**j / (1 - beta1**n)
V_THEORY = 1 + (r**2 - 1) * (1 - beta2) * beta2**j / (1 - beta2**n)


def ratio(n_value, a):
    """r = c/a for the problem of docs/theory §3.1 (a=1 gives n, a=1/(n-1)^2 gives n(n-1))."""
    return one_big_gradient(n_value, a).ratio


def mu_cyc(b1, b2, n_value, r_value):
    """docs/theory §3.2's closed form, transcribed directly into NumPy (broadcasting)."""
    b1 = np.asarray(b1, dtype=np.float64)[..., None]
    b2 = np.asarray(b2, dtype=np.float64)[..., None]
    ph = np.arange(n_value)
    num = (r_value + 1) * (1 - b1) * b1**ph / (1 - b1**n_value) - 1
    den = np.sqrt(1 + (r_value**2 - 1) * (1 - b2) * b2**ph / (1 - b2**n_value))
    return (num / den).sum(axis=-1)


def brute_force_drift(b1, b2, n_value, r_value, tol=1e-16):
    """Run the cyclic (m, v) recursion (ε = 0, no bias correction) from m = v = 0 until the
    transient (≤ max(β)^t) is below ``tol``, then sum m/√v over one epoch."""
    bmax = max(b1, b2)
    burn = 1 if bmax == 0 else math.ceil(math.log(tol) / (n_value * math.log(bmax))) + 1
    m = v = 0.0
    for _ in range(burn):
        for i in range(n_value):
            g = r_value if i == 0 else -1.0
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
    total = 0.0
    for i in range(n_value):
        g = r_value if i == 0 else -1.0
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        total += m / math.sqrt(v)
    return total


def bisect_boundary(b1, n_value, r_value, single=False):
    """The upper root of β2 ↦ μ(b1, β2) by plain bisection on the spec's formula, bracketed by the
    last negative value on a dense grid (``single``: also check the sign changes only once)."""
    grid = np.concatenate([np.linspace(0.0, 0.9, 901), 1.0 - np.logspace(-1, -9, 2001)])
    neg = mu_cyc(np.full_like(grid, b1), grid, n_value, r_value) < 0
    assert neg.any() and not neg[-1]
    k = np.nonzero(neg)[0][-1]
    if single:
        assert neg[: k + 1].all(), "more than one sign change"
    lo, hi = grid[k], grid[k + 1]
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return (
                lo
                if abs(mu_cyc(b1, lo, n_value, r_value)) < abs(mu_cyc(b1, hi, n_value, r_value))
                else hi
            )
        if mu_cyc(b1, mid, n_value, r_value) < 0:
            lo = mid
        else:
            hi = mid


# ------------------------------------------------------------------------------ SymPy derivation
def test_stationary_moments_are_theory_forms():
    m, v = dv.stationary_moments()
    assert sp.simplify(m - M_THEORY) == 0
    assert sp.simplify(v - V_THEORY) == 0
    # a perturbed form is detected (phase shifted by one; wrong r^2 - 1)
    assert sp.simplify(m - M_THEORY.subs(j, j + 1)) != 0
    assert sp.simplify(v - (1 + (r**2 + 1) * (1 - beta2) * beta2**j / (1 - beta2**n))) != 0
    assert sp.simplify(dv.summand() - M_THEORY / sp.sqrt(V_THEORY)) == 0


def test_fixed_point_residuals_are_zero():
    assert all(sp.simplify(res) == 0 for res in dv.fixed_point_residuals())
    # independently: the specification's forms satisfy the Adam recursions of the cyclic pattern
    # (phase j >= 1 receives -1, phase 0 receives r after phase n-1) ...
    own = [
        M_THEORY - (beta1 * M_THEORY.subs(j, j - 1) + (1 - beta1) * (-1)),
        V_THEORY - (beta2 * V_THEORY.subs(j, j - 1) + (1 - beta2)),
        M_THEORY.subs(j, 0) - (beta1 * M_THEORY.subs(j, n - 1) + (1 - beta1) * r),
        V_THEORY.subs(j, 0) - (beta2 * V_THEORY.subs(j, n - 1) + (1 - beta2) * r**2),
    ]
    assert all(sp.simplify(res) == 0 for res in own)
    # ... and a wrong stationary state does not
    wrong = M_THEORY.subs(j, j + 1)
    assert sp.simplify(wrong - (beta1 * wrong.subs(j, j - 1) - (1 - beta1))) == 0  # j >= 1 ok
    assert sp.simplify(wrong.subs(j, 0) - (beta1 * wrong.subs(j, n - 1) + (1 - beta1) * r)) != 0


def test_drift_at_zero_is_two_minus_n():
    assert sp.simplify(dv.drift_at_zero() - (2 - n)) == 0
    assert sp.simplify(dv.drift_at_zero() - (1 - n)) != 0
    for n_value in (2, 3, 10, 57):
        for r_value in (0.5, 1.0, float(n_value), 1e3):
            assert dv.cyclic_drift(0.0, 0.0, n_value, r_value) == 2 - n_value


def test_drift_limit_beta2_to_one():
    lim = dv.drift_limit_beta2_to_one()
    expected = (r - n + 1) / sp.sqrt((r**2 + n - 1) / n)
    assert sp.simplify(lim - expected) == 0
    assert sp.simplify(lim - (r - n) / sp.sqrt((r**2 + n - 1) / n)) != 0
    # and numerically, the drift approaches it as beta2 -> 1 (any beta1)
    for n_value, r_value in [(10, 10.0), (50, 50.0), (10, 90.0)]:
        target = float(expected.subs({n: n_value, r: r_value}))
        assert target > 0
        for b1 in (0.0, 0.5, 0.9):
            got = dv.cyclic_drift(b1, 1 - 1e-9, n_value, r_value)
            assert abs(got - target) < 1e-6 * max(1.0, abs(target))


# ------------------------------------------------------------------------------ numeric drift
@pytest.mark.parametrize("n_value", [2, 3, 10, 50, 100])
@pytest.mark.parametrize("a", ["one", "small"])
def test_cyclic_drift_equals_theory_formula(n_value, a):
    a_value = 1.0 if a == "one" else 1.0 / (n_value - 1) ** 2
    r_value = ratio(n_value, a_value)
    expected_r = n_value if a == "one" else (1 + (n_value - 1) * a_value) / a_value
    assert r_value == pytest.approx(expected_r, rel=1e-15)
    rng = np.random.default_rng(1000 + n_value)
    b1 = rng.uniform(0.0, 0.999, size=(25, 1))
    b2 = rng.uniform(0.0, 0.999, size=(1, 30))
    b1[:3, 0] = [0.0, 0.5, 0.99]
    b2[0, :3] = [0.0, 0.5, 0.99]
    got = dv.cyclic_drift(b1, b2, n_value, r_value)
    assert got.shape == (25, 30)
    np.testing.assert_allclose(got, mu_cyc(b1, b2, n_value, r_value), rtol=1e-12, atol=1e-12)
    # default r is n (a = 1)
    if a == "one":
        np.testing.assert_array_equal(dv.cyclic_drift(b1, b2, n_value), got)


def test_cyclic_drift_other_ratios_and_sign():
    rng = np.random.default_rng(7)
    b1, b2 = rng.uniform(0, 0.999, 200), rng.uniform(0, 0.999, 200)
    for n_value, r_value in [(3, 2.5), (7, 0.3), (20, 1.0)]:
        np.testing.assert_allclose(
            dv.cyclic_drift(b1, b2, n_value, r_value),
            mu_cyc(b1, b2, n_value, r_value),
            rtol=1e-12,
            atol=1e-12,
        )
    # the drift's sign is what decides divergence: it must match the formula's sign
    for n_value in (3, 10):
        got = dv.cyclic_drift(b1, b2, n_value)
        assert np.array_equal(got < 0, mu_cyc(b1, b2, n_value, float(n_value)) < 0)
        assert (got < 0).any() and (got > 0).any()


POINTS = [
    (0.0, 0.0),
    (0.0, 0.5),
    (0.5, 0.0),
    (0.3, 0.7),
    (0.9, 0.99),
    (0.9, 0.999),
    (0.99, 0.9),
    (0.5, 0.999),
    (0.7, 0.2),
]


@pytest.mark.parametrize("n_value", [3, 10, 50])
@pytest.mark.parametrize("a", ["one", "small"])
def test_cyclic_drift_equals_brute_force_recursion(n_value, a):
    r_value = ratio(n_value, 1.0 if a == "one" else 1.0 / (n_value - 1) ** 2)
    got = dv.cyclic_drift(
        np.array([p[0] for p in POINTS]), np.array([p[1] for p in POINTS]), n_value, r_value
    )
    brute = np.array([brute_force_drift(b1, b2, n_value, r_value) for b1, b2 in POINTS])
    np.testing.assert_allclose(got, brute, rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------------------ beta2 boundary
@pytest.mark.parametrize(
    "n_value, approx, tol", [(10, 0.9554, 1e-4), (50, 0.99836, 1e-5), (100, 0.99959, 1e-5)]
)
def test_beta2_boundary_at_beta1_zero(n_value, approx, tol):
    b_star = dv.beta2_boundary([0.0], n_value)
    assert b_star.shape == (1,)
    b_star = float(b_star[0])
    assert abs(dv.cyclic_drift(0.0, b_star, n_value)) < 1e-9
    delta = 1e-4 * (1 - b_star)
    assert dv.cyclic_drift(0.0, b_star - delta, n_value) < 0
    assert dv.cyclic_drift(0.0, b_star + delta, n_value) > 0
    # negative everywhere below, positive everywhere above (on a grid)
    below = np.linspace(0.0, b_star - delta, 500)
    above = b_star + delta + (1 - b_star - delta) * (1 - np.logspace(0, -8, 500))[:-1]
    assert (dv.cyclic_drift(0.0, below, n_value) < 0).all()
    assert (dv.cyclic_drift(0.0, above, n_value) > 0).all()
    # an independent bisection on the specification's formula
    assert abs(b_star - bisect_boundary(0.0, n_value, float(n_value), single=True)) < 1e-12
    assert abs(b_star - approx) < tol


@pytest.mark.parametrize("n_value", [10, 50])
def test_beta2_boundary_other_beta1_and_ratio(n_value):
    b1s = np.array([0.0, 0.3, 0.6, 0.9])
    got = dv.beta2_boundary(b1s, n_value)
    for b1, b_star in zip(b1s, got, strict=True):
        assert abs(b_star - bisect_boundary(b1, n_value, float(n_value))) < 1e-12
    # boundary moves down as beta1 grows (docs/theory §3.2: region does not reach beta1 = 1)
    assert np.all(np.diff(got) < 0)
    r_value = ratio(n_value, 1.0 / (n_value - 1) ** 2)
    b_r = dv.beta2_boundary([0.0], n_value, r_value)[0]
    assert abs(b_r - bisect_boundary(0.0, n_value, r_value, single=True)) < 1e-12
    assert abs(dv.cyclic_drift(0.0, b_r, n_value, r_value)) < 1e-9
    # a user-supplied drift gives the same boundary
    b_custom = dv.beta2_boundary(
        b1s, n_value, drift=lambda x, y: mu_cyc(x, y, n_value, float(n_value))
    )
    np.testing.assert_allclose(b_custom, got, rtol=0, atol=1e-12)


def test_beta2_boundary_nan_without_negative_drift():
    got = dv.beta2_boundary([0.0, 0.99], 10)
    assert np.isfinite(got[0]) and np.isnan(got[1])
    # consistent with the drift itself: never negative at beta1 = 0.99
    grid = np.concatenate([np.linspace(0, 0.99, 1000), 1 - np.logspace(-2, -8, 200)])
    assert (dv.cyclic_drift(0.99, grid, 10) >= 0).all()
    assert (mu_cyc(0.99, grid, 10, 10.0) >= 0).all()


# ------------------------------------------------------------------------------ colour ball
beta = cb.beta


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_colour_ball_lemma_a1_by_enumeration(k):
    gap = cb.enumerated_gap(2, k)
    assert sp.simplify(gap - cb.lemma_a1(k)) == 0
    c0, c1 = cb.labels(2)
    # perturbed statements are detected
    assert sp.simplify(gap + beta ** (2 * k) * (c0 + c1) / 2) != 0
    assert sp.simplify(gap - beta ** (2 * k - 1) * (c0 + c1) / 2) != 0
    assert sp.simplify(gap + beta ** (2 * k - 1) * (c0 + c1)) != 0


def _closed_form_at(n_value, k_value):
    gap = cb.closed_form_gap()
    syms = {s.name: s for s in gap.free_symbols}
    c = cb.labels(n_value)
    return gap.subs(
        {syms["n"]: n_value, syms["k"]: k_value, syms["cbar"]: sum(c) / sp.Integer(n_value)}
    )


@pytest.mark.parametrize("n_value, k_value", [(3, 1), (3, 2), (4, 1), (2, 3)])
def test_colour_ball_closed_form_equals_enumeration(n_value, k_value):
    enumerated = cb.enumerated_gap(n_value, k_value)
    closed = _closed_form_at(n_value, k_value)
    assert sp.simplify(closed - enumerated) == 0
    # perturbed: the closed form at k+1 (or a wrong mean) differs from the enumeration
    assert sp.simplify(_closed_form_at(n_value, k_value + 1) - enumerated) != 0
    assert sp.simplify(closed * 2 - enumerated) != 0


def test_colour_ball_closed_form_reduces_to_lemma_for_two_balls():
    gap = cb.closed_form_gap()
    syms = {s.name: s for s in gap.free_symbols}
    k = syms["k"]
    c0, c1 = cb.labels(2)
    at_two = gap.subs({syms["n"]: 2, syms["cbar"]: (c0 + c1) / 2})
    assert sp.simplify(at_two + beta ** (2 * k - 1) * (c0 + c1) / 2) == 0


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"beta1_value": 0.5, "beta2_value": 0.5, "n_value": 1}, "n"),
        ({"beta1_value": 0.5, "beta2_value": 0.5, "n_value": 0}, "n"),
        ({"beta1_value": 1.0, "beta2_value": 0.5, "n_value": 10}, "beta1"),
        ({"beta1_value": -0.1, "beta2_value": 0.5, "n_value": 10}, "beta1"),
        ({"beta1_value": np.array([0.1, np.nan]), "beta2_value": 0.5, "n_value": 10}, "beta1"),
        ({"beta1_value": 0.5, "beta2_value": 1.0, "n_value": 10}, "beta2"),
        ({"beta1_value": 0.5, "beta2_value": np.array([0.2, 1.5]), "n_value": 10}, "beta2"),
        ({"beta1_value": 0.5, "beta2_value": 0.5, "n_value": 10, "r_value": 0.0}, "r"),
        ({"beta1_value": 0.5, "beta2_value": 0.5, "n_value": 10, "r_value": -2.0}, "r"),
        ({"beta1_value": 0.5, "beta2_value": 0.5, "n_value": 10, "r_value": np.inf}, "r"),
    ],
)
def test_cyclic_drift_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        dv.cyclic_drift(**kwargs)


@pytest.mark.parametrize(
    "args, kwargs, name",
    [
        (([0.0], 1), {}, "n"),
        (([0.0, 1.0], 10), {}, "beta1"),
        (([-0.5], 10), {}, "beta1"),
        (([0.0], 10), {"r_value": 0.0}, "r"),
        (([0.0], 10), {"r_value": -1.0}, "r"),
    ],
)
def test_beta2_boundary_bad_input(args, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        dv.beta2_boundary(*args, **kwargs)


def test_colour_ball_bad_input():
    with pytest.raises(ValueError, match="^n "):
        cb.labels(1)
    with pytest.raises(ValueError, match="^n "):
        cb.enumerated_gap(1, 1)
    with pytest.raises(ValueError, match="^k "):
        cb.enumerated_gap(2, 0)
    with pytest.raises(ValueError, match="^k "):
        cb.lemma_a1(0)
