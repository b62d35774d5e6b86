"""Exact checks of adamtheory.theory that kill the mutants the other tests let survive.

Written from the mutation run (docs/mutation.md). Each expectation is a formula stated in a
docstring of the module under test or in docs/theory, compared with SymPy (``simplify(a - b) ==
0``), or a published constant cross-checked between two modules that transcribe the same
result independently (the dimension table of ``o2nc.o2nc_bounds`` and the parameter formulas
of ``o2nc_params`` / ``o2nc_rates``), or an input check at its documented edge.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.theory import colour_ball, divergence, ema, o2nc, o2nc_params, o2nc_rates, reddi


def _zero(expr) -> bool:
    return sp.simplify(expr) == 0


# ------------------------------------------------------------------------------ reddi (R18)


def test_theorem2_conditions_are_the_docstring_formulas():
    """R18 Theorem 2 (i)-(iii) exactly as the docstring states them."""
    b1, b2, C = reddi.beta1, reddi.beta2, reddi.C
    conds = reddi.theorem2_conditions()
    gamma = b1 / sp.sqrt(b2)
    assert isinstance(conds.i, sp.Le) and isinstance(conds.ii, sp.Le)
    assert isinstance(conds.iii, sp.StrictLessThan)
    assert _zero(conds.i.lhs - (1 - b1) * b1 ** (C - 1) * C)
    assert _zero(conds.i.rhs - (1 - b1 ** (C - 1)))
    assert _zero(conds.ii.lhs - b2 ** ((C - 2) / 2) * C**2) and conds.ii.rhs == 1
    lhs_iii = 3 * (1 - b1) / (2 * sp.sqrt(1 - b2)) * (
        1 + gamma * (1 - gamma ** (C - 1)) / (1 - gamma)
    ) + b1 ** (C / 2 - 1) / (1 - b1)
    # compared at exact rational points (simplify of the full difference is slow)
    for point in (
        {b1: sp.Rational(1, 3), b2: sp.Rational(1, 2), C: 6},
        {b1: sp.Rational(1, 2), b2: sp.Rational(9, 10), C: 10},
    ):
        assert _zero((conds.iii.lhs - lhs_iii).subs(point))
    assert _zero(conds.iii.rhs - C / 3)
    assert (conds.beta1, conds.beta2, conds.C) == (b1, b2, C)


def test_smallest_admissible_c_scans_up_to_and_including_c_max():
    found = reddi.smallest_admissible_C(0.0, 0.5)
    assert found is not None and found % 2 == 0
    assert reddi.smallest_admissible_C(0.0, 0.5, c_max=found) == found
    assert reddi.smallest_admissible_C(0.0, 0.5, c_max=found - 1) is None
    if found > 4:
        assert reddi.smallest_admissible_C(0.0, 0.5, c_max=found - 2) is None
    assert reddi.smallest_admissible_C(0.0, 0.01, c_max=4) in (None, 4)  # c_max = 4 allowed
    with pytest.raises(ValueError, match="c_max"):
        reddi.smallest_admissible_C(0.0, 0.5, c_max=3)
    with pytest.raises(TypeError, match="beta1 must be a real scalar"):
        reddi.smallest_admissible_C(np.array([0.5]), 0.9)
    with pytest.raises(TypeError, match="beta2 must be a real scalar"):
        reddi.smallest_admissible_C(0.5, "0.9")


def test_theorem1_beta2_domain_and_scalar_output():
    out = reddi.theorem1_beta2(3.0)
    assert isinstance(out, float) and out == pytest.approx(0.1, rel=1e-15)
    assert reddi.theorem1_beta2(3) == pytest.approx(0.1, rel=1e-15)
    with pytest.raises(ValueError, match="C"):
        reddi.theorem1_beta2(2.0)  # the theorem needs C > 2 (open end)


def test_theorem3_probability_mixed_inputs_and_broadcasting():
    C, delta = reddi.C, reddi.delta
    assert _zero(reddi.theorem3_probability(C, 0.5) - sp.Rational(3, 2) / (C + 1))
    assert _zero(reddi.theorem3_probability(3, delta) - (1 + delta) / 4)
    out = reddi.theorem3_probability(3.0, 0.5)
    assert isinstance(out, float) and out == pytest.approx(1.5 / 4, rel=1e-15)
    np.testing.assert_allclose(
        reddi.theorem3_probability(3.0, np.array([0.5, 1.0])), [1.5 / 4, 2 / 4], rtol=1e-15
    )
    np.testing.assert_allclose(
        reddi.theorem3_probability(np.array([3, 5]), 1), [2 / 4, 2 / 6], rtol=1e-15
    )
    with pytest.raises(ValueError, match=r"delta=4 with C=3"):
        reddi.theorem3_probability(3.0, np.array([0.5, 4.0]))


def test_theorem3_direction_bound_is_the_docstring_bound():
    C, delta, b2 = reddi.C, reddi.delta, reddi.beta2
    bound, leading = reddi.theorem3_direction_bound()
    p = (1 + delta) / (C + 1)
    expected = p / sp.sqrt(1 - b2) - (1 - p) / sp.sqrt(1 + b2 * (C**2 - 1))
    for point in (
        {C: 5, delta: sp.Rational(1, 2), b2: sp.Rational(1, 3)},
        {C: 11, delta: 2, b2: sp.Rational(9, 10)},
    ):
        assert _zero((bound - expected).subs(point))
    assert _zero(leading - ((1 + delta) / sp.sqrt(1 - b2) - 1 / sp.sqrt(b2)))


# ------------------------------------------------------------------------------ o2nc bounds


def _bounds(mu_power=1):
    return {k: expr for k, (expr, _) in o2nc.o2nc_bounds(mu_power).items()}


def test_dimension_table_lemma31_is_the_theory_statement():
    """docs/theory §4, AMC25 Lemma 3.1 with the dimensionally correct mu D^k term."""
    s = o2nc.o2nc_symbols()
    G, sig, lam, D, T, beta, DF, mu, Reg = (
        s[k] for k in ("G", "sigma", "lambda", "D", "T", "beta", "Delta_F", "mu", "Reg")
    )
    for k in (1, 2):
        lemma = _bounds(k)["Lemma 3.1 (AMC25): bound on E||grad F(ybar)||_[lambda]"]
        expected = (
            beta / (D * T) * Reg
            + (1 - beta) / (D * T) * Reg
            + DF / (D * T)
            + mu * D**k
            + sig / (T * sp.sqrt(1 - beta))
            + sig * sp.sqrt(1 - beta)
        )
        assert _zero(lemma - expected)
    del G, lam


def test_dimension_table_matches_the_parameter_formulas():
    """The table and o2nc_params / o2nc_rates transcribe the same published formulas."""
    s = o2nc.o2nc_symbols()
    G, sig, eps, lam, D, beta, DF, mu, Cx, b1 = (
        s[k]
        for k in ("G", "sigma", "epsilon", "lambda", "D", "beta", "Delta_F", "mu", "C_x", "beta1")
    )
    table = _bounds()
    params = o2nc_params.o2nc_parameter_expressions()
    sub = {
        o2nc_params.G: G,
        o2nc_params.sigma: sig,
        o2nc_params.eps: eps,
        o2nc_params.lam: lam,
        o2nc_params.DF: DF,
    }
    # Corollaries 4.1 / 5.1: the Delta_F branch of the published max; 4.2: the epoch count
    assert _zero(
        table["Corollary 4.1: T threshold"]
        - 49 * (G + sig) ** 2 / eps**2 * 8 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    )
    assert _zero(
        table["Corollary 5.1: T threshold"]
        - 49 * (G + sig) ** 2 / eps**2 * 20 * DF * sp.sqrt(lam) * eps ** sp.Rational(-3, 2)
    )
    assert _zero(table["Corollary 4.2: epochs N"] - params["N_cor42"].subs(sub))
    # Theorem 5 (2602.08372): D, gamma and the inner T terms, with beta1 as a symbol
    thm5 = o2nc_params.theorem5_expressions()
    b1_expr = thm5["beta1"].subs(sub)
    assert _zero(table["Theorem 5 (2602.08372): D"].subs(b1, b1_expr) - thm5["D"].subs(sub))
    assert _zero(table["Theorem 5: gamma"].subs(b1, b1_expr) - thm5["gamma"].subs(sub))
    assert _zero(
        table["Theorem 5: T threshold (inside max)"]
        - (16 * DF * sp.sqrt(48 * lam) / eps ** sp.Rational(3, 2) + 16 * (G + sig) / eps)
    )
    # Lemma 3.2: eta = 2 D sqrt(1-beta)/(G+sigma) (at ||u|| = D) and the discounted regret
    assert _zero(
        table["Lemma 3.2 (AMC25): eta x gradient = length"]
        - 2 * D * sp.sqrt(1 - beta) / (G + sig) * G
    )
    assert _zero(
        table["Lemma 3.2: discounted regret"]
        - (2 * D * (G + sig) * beta / sp.sqrt(1 - beta) + mu / 2 * D**2)
    )
    # Lemma 3.1: mu >= 8 lambda D (1 + C_x (1-beta)^-2); at the chosen parameters (C_x = 1)
    mu_cond = table["Lemma 3.1: mu condition"]
    assert _zero(mu_cond - 8 * lam * D * (1 + Cx * (1 - beta) ** -2))
    at_params = {D: params["D"].subs(sub), beta: params["beta"].subs(sub), Cx: 1}
    assert _zero(mu_cond.subs(at_params) - params["mu"].subs(sub))
    assert _zero(table["(lambda, eps) with lambda = L^2/eps is a lambda"] - s["L"] ** 2 / eps)
    assert _zero(table["(lambda, eps) with lambda = H/2 is a lambda"] - s["H"] / 2)


def test_dimension_report_structure_and_default():
    report = o2nc.dimension_report()  # mu_power = 1 (the derived mu D term) by default
    assert all(r["consistent"] for r in report.values())
    row = report["Lemma 3.2: discounted regret"]
    assert set(row) == {"terms", "expected", "consistent"} and row["expected"] == (1, 0)
    assert row["terms"] == [("1", "0")] * 3  # G, sigma and mu D^2 terms, all function values
    # a term mixing dimensions has no dimension (None), and makes its bound inconsistent
    G, D = sp.symbols("G D", positive=True)
    assert sorted(o2nc.term_dimensions(G + D)) == [(0, 1), (1, -1)]
    mixed = o2nc.term_dimensions(o2nc.o2nc_symbols()["G"] * (1 + o2nc.o2nc_symbols()["D"]))
    assert sorted(mixed) == [(1, -1), (1, 0)]


def test_discounted_to_dynamic_control_drops_exactly_the_one_minus_beta_factor():
    """With the (1 - beta) factor removed the residual is -beta sum_{t<T} S_t(u_t)."""
    T = 3
    beta = o2nc.beta
    v = sp.symbols(f"v1:{T + 1}")
    d = sp.symbols(f"Delta1:{T + 1}")
    u = sp.symbols(f"u1:{T + 1}")

    def S(t, uu):
        return sum(beta ** (t - s) * v[s - 1] * (d[s - 1] - uu) for s in range(1, t + 1))

    control = o2nc.discounted_to_dynamic_residual(T, drop_one_minus_beta=True)
    assert sp.expand(control + beta * sum(S(t, u[t - 1]) for t in range(1, T))) == 0
    assert o2nc.discounted_to_dynamic_residual(1) == 0
    assert o2nc.omd_heavy_ball_residual(1) == 0


# ------------------------------------------------------------------------------ o2nc rates


def test_rates_bound_is_lemma31_with_the_omd_regret():
    """Step 1 of o2nc_rates: Lemma 3.1 (docs/theory), Reg_T <= R and sum_t Reg_t <= T R with R
    the beta-OMD regret of Lemma 3.2 at ||u|| = D, and mu = 8 lambda D (1 + (1-beta)^-2)."""
    G, sig, lam, D, T, beta, DF = (
        o2nc_rates.G,
        o2nc_rates.sigma,
        o2nc_rates.lam,
        o2nc_rates.D,
        o2nc_rates.T,
        o2nc_rates.beta,
        o2nc_rates.DF,
    )
    mu = 8 * lam * D * (1 + (1 - beta) ** -2)
    # the proven bound (theory/o2nc_regret.py) and the extracted reading
    proven = (1 + 1 / (4 * beta)) * D * (G + sig) / sp.sqrt(1 - beta) + mu * D**2 / (2 * beta)
    reading = 2 * D * (G + sig) * beta / sp.sqrt(1 - beta) + mu / 2 * D**2
    for regret, R in (("proven", proven), ("reading", reading)):
        for k in (1, 2):
            expected = (
                beta / (D * T) * R
                + (1 - beta) / (D * T) * (T * R)
                + DF / (D * T)
                + mu * D**k
                + sig / (T * sp.sqrt(1 - beta))
                + sig * sp.sqrt(1 - beta)
            )
            assert _zero(o2nc_rates.bound(k, regret) - expected)
    assert o2nc_rates.bound() == o2nc_rates.bound(1) == o2nc_rates.bound(1, "proven")
    with pytest.raises(ValueError, match="regret must be one of"):
        o2nc_rates.bound(1, "other")
    value = o2nc_rates.bound_value(0.5, 0.1, 10, 1.0, 0.2, 0.3, 2.0)
    point = {beta: 0.5, D: 0.1, T: 10, G: 1.0, sig: 0.2, lam: 0.3, DF: 2.0}
    assert value == pytest.approx(float(o2nc_rates.bound().subs(point)), rel=1e-13)
    assert o2nc_rates.bound_value(0.5, 0.1, 1, 1.0, 0.2, 0.3, 2.0) > value  # T = 1 allowed
    for args in ((0.0, 0.1, 10), (1.0, 0.1, 10), (0.5, 0.0, 10), (0.5, 0.1, 0)):
        with pytest.raises(ValueError, match="need 0 < beta < 1, D > 0, T >= 1"):
            o2nc_rates.bound_value(*args, 1.0, 0.2, 0.3, 2.0)


def test_threshold_is_the_max_of_the_two_requirements():
    main, noise = o2nc_rates.threshold_terms()
    assert o2nc_rates.threshold() == sp.Max(main, noise) == o2nc_rates.threshold(1)
    eps, lam, G, sig, DF = (
        o2nc_rates.eps,
        o2nc_rates.lam,
        o2nc_rates.G,
        o2nc_rates.sigma,
        o2nc_rates.DF,
    )
    # Delta_F / (D eps) with D = (1-beta) sqrt(eps/(16 lambda)), 1 - beta = eps^2/(9 (G+s)^2)
    assert _zero(main - 36 * DF * sp.sqrt(lam) * (G + sig) ** 2 * eps ** sp.Rational(-7, 2))
    assert _zero(noise - 6 * (G + sig) ** 2 / eps**2)


# ------------------------------------------------------------------------------ o2nc params


def test_epochs_ours_reaches_the_total_requirement():
    p = o2nc_params.o2nc_parameters(0.3, 0.05, math.sqrt(2), 0.1, 2.2)
    need = p.N_ours_per_epoch_length
    for length in (10, 1000, 10**9):
        epochs = p.epochs_ours(length)
        assert epochs == max(1, math.ceil(need / length))
        assert epochs * length >= need and (epochs == 1 or (epochs - 1) * length < need)
    assert p.epochs_ours(10**12) == 1
    assert need == pytest.approx(2.2 / (p.D * 0.3), rel=1e-12)  # Delta_F / (D eps)


def test_coordinate_advantage_formula_with_noise_and_edges():
    g, s = np.array([3.0, 4.0]), np.array([1.0, 0.0])
    want = 2 * (5.0 + 1.0) ** 2 / (7.0 + 1.0) ** 2  # d (|G|_2 + |s|_2)^2 / (|G|_1 + |s|_1)^2
    assert o2nc_params.coordinate_advantage(g, s) == pytest.approx(want, rel=1e-15)
    assert o2nc_params.coordinate_advantage([2.0]) == 1.0  # one coordinate: no advantage
    assert o2nc_params.coordinate_advantage([1, 1, 1, 1]) == 1.0
    assert o2nc_params.coordinate_advantage([0.0, 2.0], [1.0, 0.0]) == pytest.approx(
        2 * (2.0 + 1.0) ** 2 / 3.0**2, rel=1e-15
    )
    expr = o2nc_params.coordinate_advantage_expression()
    d, g1, g2, s1, s2 = sp.symbols("d G_1 G_2 sigma_1 sigma_2", nonnegative=True)
    assert _zero(expr - d * (g2 + s2) ** 2 / (g1 + s1) ** 2)
    assert o2nc_params.coordinate_advantage([1.0, 0.0], [1.0, 0.0]) == 2.0
    for G_coords, sigma_coords in (
        ([2.0, -1.0], None),
        ([1.0, 1.0], [0.0, -1.0]),
        ([1.0, math.inf], None),
        ([0.0, 0.0], [0.0, 0.0]),
    ):
        with pytest.raises(ValueError, match="finite, >= 0 and not all zero"):
            o2nc_params.coordinate_advantage(G_coords, sigma_coords)
    assert o2nc_params.coordinate_advantage([0.0, 0.0], [1.0, 0.0]) == 2.0
    with pytest.raises(ValueError, match="non-empty"):
        o2nc_params.coordinate_advantage([])
    with pytest.raises(ValueError, match="sigma_coords must have length 2"):
        o2nc_params.coordinate_advantage([1.0, 1.0], [1.0])


def test_schedule_free_relations_are_named_and_exact():
    rel = o2nc_params.schedule_free_relations()
    assert set(rel) == {"increment", "omd", "query", "kappa_law"}
    assert all(v == 0 for v in rel.values())


# ------------------------------------------------------------------------------ ftrl, ema, ...


def test_tau_law_weights_and_colour_ball_statement():
    beta, t, T = ema.beta, ema.t, ema.T
    body, last = ema.amc25_tau_probability()
    assert _zero(body - (1 - beta**t) / T)
    assert _zero(last - (1 - beta**T) / ((1 - beta) * T))
    assert _zero(ema.weight() - (1 - beta) * beta ** (t - ema.s) / (1 - beta**t))
    c0, c1 = colour_ball.labels(2)
    assert _zero(colour_ball.lemma_a1(2) + colour_ball.beta**3 * (c0 + c1) / 2)
    assert colour_ball.labels(3) == sp.symbols("c0:3")


def test_o2nc_parameters_thresholds_take_the_max_of_both_branches():
    """T_ours = max{36 Delta_F lambda^1/2 (G+s)^2 eps^-7/2, 6 (G+s)^2 eps^-2} (docstring)."""
    eps, lam, G, sig = 0.5, 0.04, 1.0, 0.5
    tiny = o2nc_params.o2nc_parameters(eps, lam, G, sig, 1e-9)  # the noise branch dominates
    assert tiny.T_ours == math.ceil(6 * (G + sig) ** 2 / eps**2)
    big = o2nc_params.o2nc_parameters(eps, lam, G, sig, 10.0)
    assert big.T_ours == math.ceil(36 * 10.0 * math.sqrt(lam) * (G + sig) ** 2 * eps**-3.5)
    assert (big.epsilon, big.lam, big.G, big.sigma, big.delta_F) == (eps, lam, G, sig, 10.0)
    expr = o2nc_params.o2nc_parameter_expressions()["T_ours"]
    assert _zero(expr - o2nc_rates.threshold().subs({o2nc_rates.G: o2nc_params.G}))
    with pytest.raises(ValueError, match="lambda must be > 0"):
        o2nc_params.o2nc_parameters(eps, 0.0, G, sig, 1.0)
    with pytest.raises(ValueError, match=r"epsilon must be <= 3 sqrt\(1-beta_min\)"):
        o2nc_params.o2nc_parameters(1.7 * (G + sig), lam, G, sig, 1.0)
    o2nc_params.o2nc_parameters(1.689 * (G + sig), lam, G, sig, 1.0)  # inside the range


def test_theorem5_parameters_domain_edges():
    G, sig = 1.5, 0.5  # 16 (G + sigma) = 32; 16 (G - sigma) = 16; 16 / (G + sigma) = 8
    q = o2nc_params.theorem5_parameters(20.0, 0.05, G, sig, 2.0)
    assert (q.epsilon, q.lam, q.G, q.sigma, q.delta_F) == (20.0, 0.05, G, sig, 2.0)
    assert q.nu == G + sig and q.beta2 == pytest.approx(q.beta1**4, rel=1e-15)
    assert o2nc_params.theorem5_parameters(31.9, 0.05, G, sig, 2.0).beta1 > 0
    for bad in (32.0, 32.5):
        with pytest.raises(ValueError, match=r"epsilon must be < 16\(G\+sigma\)"):
            o2nc_params.theorem5_parameters(bad, 0.05, G, sig, 2.0)
    with pytest.raises(ValueError, match="lambda must be > 0"):
        o2nc_params.theorem5_parameters(1.0, 0.0, G, sig, 2.0)


def test_beta2_boundary_on_a_given_drift():
    """The largest beta2 with drift 0; NaN where never negative; 1 where negative throughout."""

    def drift(b1, b2):
        b1 = np.asarray(b1, dtype=float)
        out = np.asarray(b2, dtype=float) - (0.25 + 0.5 * b1)  # negative below 0.25 + b1/2
        out = np.where(b1 > 0.9, 1.0, out)  # never negative: no divergence region
        return np.where(b1 < 0.05, -1.0, out)  # negative up to the end of the scanned range

    got = divergence.beta2_boundary([0.95, 0.2, 0.0, 0.5], 10, drift=drift)
    assert np.isnan(got[0]) and got[2] == 1.0
    np.testing.assert_allclose(got[[1, 3]], [0.35, 0.5], rtol=0, atol=1e-12)
    assert divergence.beta2_boundary(0.2, 2, drift=drift)[0] == pytest.approx(0.35)  # n = 2 ok
    with pytest.raises(ValueError, match="beta1"):
        divergence.beta2_boundary([1.0], 10)


def test_randomisation_unweighted_control_has_its_exact_value():
    """The unweighted U[0, 2] form (a negative control) misses by an exact, non-zero amount."""
    res = o2nc.randomisation_residuals()
    assert {k: v for k, v in res.items() if k != "uniform02_unweighted"} == {
        "uniform": 0,
        "exponential": 0,
        "uniform02": 0,
    }
    a = sp.Symbol("a", positive=True)
    b = sp.Symbol("b", real=True)
    want = (sp.sin(2 * a + b) - sp.sin(b)) / (2 * a) - sp.cos(b) / 2 - sp.cos(2 * a + b) / 2
    got = res["uniform02_unweighted"]
    assert got != 0
    for point in ({a: 1, b: 0}, {a: sp.Rational(1, 3), b: sp.Rational(1, 2)}):
        assert abs(float((got - want).subs(point))) < 1e-14


def test_rate_table_latex_header_and_exponents():
    tex = o2nc_rates.render_latex()
    lines = tex.splitlines()
    assert lines[:4] == [
        r"\begin{tabular}{lllll}",
        r"\toprule",
        r"setting & derived $T$ & $T \propto$ & lower bound & optimal \\",
        r"\midrule",
    ]
    assert lines[-2:] == [r"\bottomrule", r"\end{tabular}"]
    assert lines[4].startswith(r"$(\lambda,\varepsilon)$-stationary, $G$-Lipschitz & $")
    goldstein = next(ln for ln in lines if ln.startswith("Goldstein"))
    assert r"$\varepsilon^{-3} \delta^{-1}$ (CMO23)" in goldstein


def test_colour_ball_first_weight_and_enumeration_limits():
    """n = 2, k = 1, order (c0, c1) w.p. q: E[m0 + m1 - f0 - f1] = beta (q - 1) c0 - beta q c1
    (m0 = s1, m1 = beta s1 + s2, f0 + f1 = (1 + beta)(c0 + c1)); q = 1/2 is Lemma A.1."""
    b = colour_ball.beta
    c0, c1 = colour_ball.labels(2)
    for q in (sp.Integer(0), sp.Rational(1, 3), sp.Integer(1)):
        assert _zero(colour_ball.enumerated_gap(2, 1, q) - (b * (q - 1) * c0 - b * q * c1))
    assert _zero(colour_ball.enumerated_gap(2, 2, sp.Rational(1, 2)) - colour_ball.lemma_a1(2))
    for bad in (sp.Rational(-1, 2), sp.Rational(3, 2)):
        with pytest.raises(ValueError, match=r"first_weight must lie in \[0, 1\]"):
            colour_ball.enumerated_gap(2, 1, bad)
    with pytest.raises(ValueError, match="n = 2 only"):
        colour_ball.enumerated_gap(3, 1, sp.Rational(1, 2))
    for n, k in ((5, 1), (3, 4), (2, 7)):
        with pytest.raises(ValueError, match="enumeration grows like"):
            colour_ball.enumerated_gap(n, k)


def test_term_shares_at_the_chosen_parameters():
    """Each share of B/eps at 1 - beta = eps^2/(9 (G+s)^2), 16 lambda D^2/(1-beta)^2 = eps:
    mu D = (eps/2)(1 + om^2), Delta_F/(D T) = eps at T = Delta_F/(D eps), and the other 1/T
    terms at T = 6 (G+s)^2/eps^2 (from the bound of Step 1)."""
    G, sig, eps = o2nc_rates.G, o2nc_rates.sigma, o2nc_rates.eps
    om = eps**2 / (9 * (G + sig) ** 2)
    # the extracted reading of Lemma 3.2 (the proven default: tests/test_o2nc_regret.py)
    shares = o2nc_rates.term_shares(1, "reading")
    assert set(shares) == {"sqrt(1-beta) terms", "mu D terms", "Delta_F/(D T)", "other 1/T terms"}
    assert _zero(shares["sqrt(1-beta) terms"] - (2 * G + 3 * sig) / (3 * (G + sig)))
    assert _zero(shares["mu D terms"] - (1 + om**2) * (1 + om / 2) / 2)
    assert shares["Delta_F/(D T)"] == 1
    other = (
        (
            (3 * G + 3 * sig) * 2 * (G + sig) / eps
            + eps * (1 + om**2) / 4
            + 3 * sig * (G + sig) / eps
        )
        / (6 * (G + sig) ** 2 / eps**2)
        / eps
    )
    point = {G: sp.Rational(3, 2), sig: sp.Rational(1, 2), eps: sp.Rational(1, 5)}
    assert _zero((shares["other 1/T terms"] - other).subs(point))
    # the bound is (this) eps + o(eps): 1 + 1/2 + 1 + (2G + 3s)/(3(G+s)) + s/(2(G+s))
    limit = (
        1
        + sp.Rational(1, 2)
        + 1
        + (2 * G + 2 * sig + sig) / (3 * (G + sig))
        + sig / (2 * (G + sig))
    )
    assert _zero(o2nc_rates.total_share_limit(1, "reading") - limit)
    assert o2nc_rates.leading_threshold() == o2nc_rates.threshold_terms()[0]
    # with the text's mu D^2 term the same share is mu D^2 (1 + om/2) / eps at its own choice
    choice = o2nc_rates.parameter_choice(2)
    om2, d2 = 1 - choice[o2nc_rates.beta], choice[o2nc_rates.D]
    mu2 = 8 * o2nc_rates.lam * d2 * (1 + om2**-2)
    assert _zero(
        o2nc_rates.term_shares(2, "reading")["mu D terms"] - mu2 * d2**2 * (1 + om2 / 2) / eps
    )


def test_rate_table_reductions_and_markdown():
    rows = {r["setting"]: r for r in o2nc_rates.rate_table()}
    eps, lam = o2nc_rates.eps, o2nc_rates.lam
    main = o2nc_rates.leading_threshold()
    assert _zero(rows["L-smooth, ‖∇F‖ ≤ ε"]["threshold"] - main.subs(lam, o2nc_rates.L**2 / eps))
    assert _zero(
        rows["H-Lipschitz Hessian, ‖∇F‖ ≤ ε"]["threshold"] - main.subs(lam, o2nc_rates.H / 2)
    )
    md = o2nc_rates.render_markdown().splitlines()
    assert md[:2] == [
        "| setting | derived T ∝ | lower bound | source | optimal |",
        "|---|---|---|---|---|",
    ]
    assert md[2] == (
        "| (lambda, eps)-stationary, G-Lipschitz | ε^-7/2 λ^1/2 | ε^-7/2 λ^1/2 | ZC24 | yes |"
    )
    assert md[3].startswith(
        "| Goldstein (delta, eps), G-Lipschitz | ε^-3 δ^-1 (cited, not derived) |"
    )
    limit = sp.sstr(o2nc_rates.total_share_limit())
    main, noise = o2nc_rates.threshold_terms()
    assert md[-2] == ""  # a blank line between the table and the threshold sentence
    assert md[-1].startswith(f"Threshold: T ≥ max{{`{sp.sstr(main)}`, `{sp.sstr(noise)}`}} gives")
    assert f"≤ `{limit}`·ε + o(ε) (AMC25 Cor. 4.1" in md[-1]
    assert "| NO |" in o2nc_rates.render_markdown(2)  # the mu D^2 text is not optimal


def test_smallest_admissible_c_beyond_the_first_chunk():
    """beta1 = 0: the conditions reduce to beta2 <= C^(-4/(C-2)) and beta2 < 1 - (9/(2C))^2
    (module docstring); the first even C with both is far beyond the first 4096 candidates."""
    b2 = 1 - 1e-4
    C = np.arange(4.0, 2e6, 2.0)
    first = C[np.argmax((b2 <= C ** (-4 / (C - 2))) & (b2 < 1 - (4.5 / C) ** 2))]
    assert first > 4 + 2 * 4096
    assert reddi.smallest_admissible_C(0.0, b2) == first
