"""R18 (Reddi, Kale & Kumar 2018) in SymPy: the closed forms are derived exactly and checked."""

import ast
import pathlib
import time

import numpy as np
import pytest
import sympy as sp

from adamtheory.theory import reddi

C, p, beta1, beta2, delta, v = (reddi.C, reddi.p, reddi.beta1, reddi.beta2, reddi.delta, reddi.v)


# ------------------------------------------------------------------------------------ Theorem 1
def test_theorem1_regret_limit_is_2c_minus_4_over_3():
    limit = reddi.theorem1_average_regret_limit()
    assert sp.simplify(limit - (2 * C - 4) / 3) == 0
    # a perturbed constant is detected
    assert sp.simplify(limit - (2 * C - 3) / 3) != 0
    assert sp.simplify(limit - (2 * C - 4) / 3 * sp.Rational(10001, 10000)) != 0
    f = reddi.theorem1_average_regret_limit_numeric()
    np.testing.assert_allclose(f(np.array([3.0, 5.0, 100.0])), [2 / 3, 2.0, 196 / 3], rtol=1e-15)


def test_theorem1_optimum_is_minus_one():
    slope, x_star = reddi.theorem1_optimum()
    assert sp.simplify(slope - (C - 2) / 3) == 0
    assert x_star == -1


def test_periodic_version_generalises_theorem1():
    general = reddi.periodic_average_regret()
    assert sp.simplify(general - 2 * (C - p + 1) / p) == 0
    assert sp.simplify(general.subs(p, 3) - reddi.theorem1_average_regret_limit()) == 0
    assert sp.simplify(general - 2 * (C - p) / p) != 0
    # the Theorem 2 construction (period p = C) has average regret 2/C
    assert sp.simplify(general.subs(p, C) - 2 / C) == 0
    slope, x_star = reddi.periodic_optimum()
    assert sp.simplify(slope - (C - p + 1) / p) == 0
    assert x_star.subs({C: 10, p: 3}) == -1 and x_star.subs({C: 1, p: 3}) == 1
    f = reddi.periodic_average_regret_numeric()
    assert f(10.0, 3) == pytest.approx(16 / 3, rel=1e-15)
    # brute force: sum the losses of one period at +1 and -1
    for c_val, period in [(5.0, 3), (7.0, 4), (12.0, 12)]:
        losses = [c_val] + [-1.0] * (period - 1)  # slopes
        regret = sum(2 * s for s in losses) / period
        assert f(c_val, period) == pytest.approx(regret, rel=1e-14)


def test_theorem1_beta2():
    assert sp.simplify(reddi.theorem1_beta2(C) - 1 / (1 + C**2)) == 0
    assert reddi.theorem1_beta2(3) == pytest.approx(0.1, rel=1e-15)
    np.testing.assert_allclose(reddi.theorem1_beta2(np.array([3.0, 7.0])), [0.1, 0.02], rtol=1e-15)


# ------------------------------------------------------------------------------------ Theorem 2
def test_theorem2_conditions_are_relations_in_the_symbols():
    conds = reddi.theorem2_conditions()
    assert (conds.beta1, conds.beta2, conds.C) == (beta1, beta2, C)
    assert isinstance(conds.i, sp.LessThan) and isinstance(conds.ii, sp.LessThan)
    assert isinstance(conds.iii, sp.StrictLessThan)
    for rel in conds.conditions:
        assert rel.free_symbols <= {beta1, beta2, C}
    # spot value: (ii) at beta2 = 0.3, C = 10 is 0.3**4 * 100 = 0.81 <= 1
    assert conds.ii.lhs.subs({beta2: sp.Rational(3, 10), C: 10}) == sp.Rational(81, 100)


# Computed honestly from the recalled inequalities; they agree with the expected values.
@pytest.mark.parametrize(
    ("b1", "b2", "expected"),
    [(0.0, 0.3, 10), (0.0, 0.9, 204), (0.5, 0.9, 204), (0.9, 0.99, 3218), (0.9, 0.999, 42622)],
)
def test_smallest_admissible_c(b1, b2, expected):
    start = time.perf_counter()
    c_min = reddi.smallest_admissible_C(b1, b2)
    assert time.perf_counter() - start < 1.0
    assert c_min == expected
    # independent brute-force check with plain NumPy on the same inequalities
    cs = np.arange(4, expected + 1, 2, dtype=np.float64)
    g = b1 / np.sqrt(b2)
    with np.errstate(under="ignore"):
        ok = (
            ((1 - b1) * b1 ** (cs - 1) * cs <= 1 - b1 ** (cs - 1))
            & ((cs - 2) / 2 * np.log(b2) + 2 * np.log(cs) <= 0)
            & (
                3 * (1 - b1) / (2 * np.sqrt(1 - b2)) * (1 + g * (1 - g ** (cs - 1)) / (1 - g))
                + b1 ** (cs / 2 - 1) / (1 - b1)
                < cs / 3
            )
        )
    assert ok[-1] and not ok[:-1].any()


def test_smallest_admissible_c_respects_c_max():
    assert reddi.smallest_admissible_C(0.9, 0.999, c_max=42620) is None
    assert reddi.smallest_admissible_C(0.9, 0.999, c_max=42622) == 42622


def test_beta1_zero_reduction():
    red = reddi.theorem2_beta1_zero_reduction()
    assert red.condition_i is sp.true
    assert sp.simplify(red.bound_ii - C ** (-4 / (C - 2))) == 0
    assert sp.simplify(red.bound_iii - (1 - (9 / (2 * C)) ** 2)) == 0
    assert sp.simplify(red.bound_iii - (1 - (8 / (2 * C)) ** 2)) != 0  # perturbation detected
    # (iii) is strict, so its bound is strict; (ii) is not
    assert isinstance(red.reduced, sp.And)
    rels = {type(a) for a in red.reduced.args}
    assert rels == {sp.LessThan, sp.StrictLessThan}


def test_beta1_zero_reduction_matches_the_scan():
    """At beta1 = 0, the scan equals the first even C with beta2 below both reduced bounds."""
    red = reddi.theorem2_beta1_zero_reduction()
    b_ii = sp.lambdify(C, red.bound_ii, "numpy")
    b_iii = sp.lambdify(C, red.bound_iii, "numpy")
    cs = np.arange(4, 4000, 2, dtype=np.float64)
    for b2 in (0.05, 0.3, 0.5, 0.7, 0.9, 0.95, 0.97):
        ok = (b2 <= b_ii(cs)) & (b2 < b_iii(cs))
        expected = int(cs[np.argmax(ok)]) if ok.any() else None
        assert reddi.smallest_admissible_C(0.0, b2, c_max=3998) == expected


# ------------------------------------------------------------------------------------ Theorem 3
def test_theorem3_expected_slope_is_delta():
    assert sp.simplify(reddi.theorem3_expected_slope() - delta) == 0
    assert sp.simplify(reddi.theorem3_probability(C, delta) - (1 + delta) / (C + 1)) == 0
    assert reddi.theorem3_probability(10, 0.1) == pytest.approx(0.1, rel=1e-15)
    np.testing.assert_allclose(
        reddi.theorem3_probability(np.array([10.0, 21.0]), 1.2), [0.2, 0.1], rtol=1e-15
    )


def test_theorem3_direction_bound():
    exact = reddi.theorem3_expected_direction()
    bound, leading = reddi.theorem3_direction_bound()
    assert sp.simplify(leading - ((1 + delta) / sp.sqrt(1 - beta2) - 1 / sp.sqrt(beta2))) == 0
    f_exact = sp.lambdify((C, delta, beta2, v), exact, "numpy")
    f_bound = sp.lambdify((C, delta, beta2), bound, "numpy")
    rng = np.random.default_rng(0)
    for c_val, d_val, b2 in [(20.0, 0.1, 0.3), (200.0, 0.5, 0.9), (5.0, 1.0, 0.01)]:
        vs = rng.uniform(0, c_val**2, 1000)
        assert np.all(f_exact(c_val, d_val, b2, vs) <= f_bound(c_val, d_val, b2) + 1e-15)
    # Monte Carlo check of the exact expectation at one point
    c_val, d_val, b2, v0 = 9.0, 0.5, 0.2, 3.0
    prob = (1 + d_val) / (c_val + 1)
    g = np.where(rng.random(400_000) < prob, c_val, -1.0)
    mc = np.mean(g / np.sqrt(b2 * v0 + (1 - b2) * g**2))
    assert mc == pytest.approx(f_exact(c_val, d_val, b2, v0), abs=5e-3)


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: reddi.smallest_admissible_C(0.9, 0.8), "beta1"),  # 0.9 > sqrt(0.8)
        (lambda: reddi.smallest_admissible_C(0.5, 0.25), "beta1"),  # gamma = 1
        (lambda: reddi.smallest_admissible_C(-0.1, 0.9), "beta1"),
        (lambda: reddi.smallest_admissible_C(1.0, 0.9), "beta1"),
        (lambda: reddi.smallest_admissible_C(0.0, 1.0), "beta2"),
        (lambda: reddi.smallest_admissible_C(0.0, -0.5), "beta2"),
        (lambda: reddi.smallest_admissible_C(0.0, float("nan")), "beta2"),
        (lambda: reddi.smallest_admissible_C(0.0, 0.9, c_max=2), "c_max"),
        (lambda: reddi.theorem1_beta2(2.0), "C"),
        (lambda: reddi.theorem1_beta2(np.array([3.0, 1.0])), "C"),
        (lambda: reddi.theorem3_probability(-1.0, 0.1), "C"),
        (lambda: reddi.theorem3_probability(10.0, 0.0), "delta"),
        (lambda: reddi.theorem3_probability(10.0, 10.0), "delta"),
    ],
)
def test_bad_input_raises_value_error_naming_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: reddi.smallest_admissible_C("0.1", 0.9), "beta1"),
        (lambda: reddi.smallest_admissible_C(0.1, [0.9, 0.8]), "beta2"),
        (lambda: reddi.smallest_admissible_C(0.1, 0.9, c_max=1e6), "c_max"),
    ],
)
def test_bad_types_raise_type_error_naming_parameter(call, name):
    with pytest.raises(TypeError, match=rf"^{name} must"):
        call()


# ------------------------------------------------------------------------------------ layering
def test_reddi_never_imports_kernels_numba_or_cupy():
    tree = ast.parse(pathlib.Path(reddi.__file__).read_text())
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
            names += [a.name for a in node.names]
    assert names, "no imports parsed"
    for n in names:
        assert not any(bad in n for bad in ("kernels", "numba", "cupy")), n
