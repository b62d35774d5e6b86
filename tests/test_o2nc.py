"""O2NC identities: discounted-to-dynamic (D2D) and beta-OMD = heavy-ball (OMD-SGDM)."""

import numpy as np
import pytest

from adamtheory.kernels import sgdm
from adamtheory.kernels.o2nc import beta_omd_increments, discounted_to_dynamic_sides
from adamtheory.rules import relative_error
from adamtheory.theory import o2nc


@pytest.mark.parametrize("T", [1, 2, 4, 7])
def test_d2d_symbolic_exact_and_control_detected(T):
    assert o2nc.discounted_to_dynamic_residual(T) == 0
    if T > 1:
        assert o2nc.discounted_to_dynamic_residual(T, drop_one_minus_beta=True) != 0


def test_d2d_numeric_sides_agree_and_control_breaks():
    rng = np.random.default_rng(4)
    v, d, u = (rng.standard_normal((300, 4)) for _ in range(3))
    for beta in (0.0, 0.3, 0.95):
        lhs, rhs, scale = discounted_to_dynamic_sides(v, d, u, beta)
        assert abs(lhs - rhs) <= 1e-13 * scale
    lhs, rhs, scale = discounted_to_dynamic_sides(v, d, u, 0.9, one_minus_beta=False)
    assert abs(lhs - rhs) > 1e-3 * scale


def test_d2d_against_direct_double_sums():
    """The recursive A_t, M_t equal the definitions written as double sums."""
    rng = np.random.default_rng(5)
    T, beta = 12, 0.7
    v, d, u = (rng.standard_normal((T, 2)) for _ in range(3))

    def S(t, uu):
        return sum(beta ** (t - s) * v[s] @ (d[s] - uu) for s in range(t + 1))

    def M(t):
        return sum(beta ** (t - s) * v[s] for s in range(t + 1))

    rhs = (
        S(T - 1, u[T - 1])
        + (1 - beta) * sum(S(t, u[t]) for t in range(T - 1))
        + beta * sum(M(t) @ (u[t + 1] - u[t]) for t in range(T - 1))
    )
    assert discounted_to_dynamic_sides(v, d, u, beta)[1] == pytest.approx(rhs, rel=1e-12)


def test_omd_is_heavy_ball():
    assert o2nc.omd_heavy_ball_residual(5) == 0
    rng = np.random.default_rng(6)
    g = rng.standard_normal((200, 3))
    beta, eta, mu = 0.95, 0.05, 2.0
    c = beta / (1 + eta * mu)
    omd = beta_omd_increments(g, eta, beta, mu)
    opt = sgdm(c * eta, c, form="heavy_ball")
    x = np.zeros(3)
    state = opt.init(x)
    steps = []
    for t in range(200):
        x_new, state = opt.step(x, g[t], state)
        steps.append(x_new - x)
        x = x_new
    assert relative_error(np.asarray(steps), omd) <= 1e-13


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"eta": 0.0}, "eta"),
        ({"beta": 1.0}, "beta"),
        ({"beta": 0.0}, "beta"),
        ({"mu": -1.0}, "mu"),
    ],
)
def test_omd_bad_input(kwargs, match):
    args = {"eta": 0.1, "beta": 0.9, "mu": 0.0} | kwargs
    with pytest.raises(ValueError, match=match):
        beta_omd_increments(np.zeros((3, 2)), **args)


def test_d2d_bad_input():
    with pytest.raises(ValueError, match="must share a shape"):
        discounted_to_dynamic_sides(np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((2, 2)), 0.5)
    with pytest.raises(ValueError, match="T must be an integer >= 1"):
        o2nc.discounted_to_dynamic_residual(0)


def test_randomisation_identities_symbolic():
    res = o2nc.randomisation_residuals()
    assert res["uniform"] == 0 and res["exponential"] == 0 and res["uniform02"] == 0
    assert res["uniform02_unweighted"] != 0


def test_cosine_landscape_constants_and_gradient():
    from adamtheory.problems import cosine_landscape

    p = cosine_landscape([0.5, 2.0, 3.0])
    x = np.random.default_rng(0).normal(size=(20, 3))
    for k in range(3):
        e = np.eye(3)[k] * 1e-6
        fd = (p.value(x + e) - p.value(x - e)) / 2e-6
        np.testing.assert_allclose(p.grad(x)[:, k], fd, atol=1e-8)
    c = p.constants
    assert p.value(np.asarray([c.x_star]))[0] == pytest.approx(c.f_star, rel=1e-14)
    grid = np.random.default_rng(1).uniform(-10, 10, size=(5000, 3))
    assert p.value(grid).min() >= c.f_star - 1e-12
    assert np.all(np.linalg.norm(p.grad(grid), axis=1) <= c.G + 1e-12)
    with pytest.raises(ValueError, match="frequencies"):
        cosine_landscape([1.0, -1.0])


def test_randomisation_estimates_are_unbiased():
    from scipy.integrate import quad

    from adamtheory.kernels.o2nc import randomisation_estimates
    from adamtheory.problems import cosine_landscape

    p = cosine_landscape([1.0, 2.0])
    x, d = np.array([0.3, -0.2]), np.array([1.0, 0.5])
    f0 = p.value(x[None])[0]
    phi = lambda s: p.value((x + s * d)[None])[0] - f0  # noqa: E731
    targets = {
        "uniform": phi(1.0),
        "exponential": quad(lambda s: np.exp(-s) * phi(s), 0, np.inf)[0],
        "uniform02": 0.5 * quad(phi, 0, 2)[0],
    }
    rng = np.random.default_rng(2)
    for law, target in targets.items():
        est = randomisation_estimates(p, x, d, law, 20000, 16, rng)
        assert abs(est.mean() - target) < 4 * est.std(ddof=1) / 4 + 1e-12
    biased = randomisation_estimates(p, x, d, "uniform02", 20000, 16, rng, weighted=False)
    assert abs(biased.mean() - targets["uniform02"]) > 10 * biased.std(ddof=1) / 4
    with pytest.raises(ValueError, match="law must be one of"):
        randomisation_estimates(p, x, d, "gaussian", 10, 2, rng)


def test_dimension_check_accepts_the_bounds_and_catches_mu_d_squared():
    rep = o2nc.dimension_report(1)
    assert all(r["consistent"] for r in rep.values())
    bad = o2nc.dimension_report(2)
    assert [k for k, r in bad.items() if not r["consistent"]] == [
        "Lemma 3.1 (AMC25): bound on E||grad F(ybar)||_[lambda]"
    ]


def test_dimension_check_catches_perturbed_exponents():
    import sympy as sp

    s = o2nc.o2nc_symbols()
    # Corollary 4.1 with lambda instead of sqrt(lambda): no longer dimensionless
    wrong = (
        49
        * (s["G"] + s["sigma"]) ** 2
        * s["epsilon"] ** -2
        * s["Delta_F"]
        * s["lambda"]
        * (s["epsilon"] ** sp.Rational(-3, 2))
    )
    assert set(o2nc.term_dimensions(wrong)) == {(sp.Rational(1, 2), sp.Rational(-3, 2))}
    # a gradient plus a length: two terms of different dimensions
    assert set(o2nc.term_dimensions((s["G"] + s["D"]) * s["T"])) == {(1, -1), (0, 1)}
    # a mixed sum inside a function is not a monomial at all
    assert o2nc.term_dimensions(sp.sqrt(s["G"] + s["D"])) == [None]


def test_rate_table_is_derived_optimal_and_mu_d_squared_is_not():
    from adamtheory.theory import o2nc_rates

    rows = o2nc_rates.rate_table()
    derived = [r for r in rows if r["status"] == "derived"]
    assert all(r["optimal"] for r in derived) and len(rows) == 4 and len(derived) == 3
    assert {str(v) for r in rows for v in r["derived"].values()} >= {"-7/2", "1/2", "-4"}
    # the Goldstein row is cited (lambda = eps/delta² is no valid reduction), not derived
    assert [r["optimal"] for r in rows if r["status"] == "cited"] == [None]
    bad = [r for r in o2nc_rates.rate_table(2) if r["status"] == "derived"]
    assert not any(r["optimal"] for r in bad)
    # with mu·D² the rate would beat ZC24's lower bound: impossible, so the term is mu·D
    lam_row = bad[0]
    assert lam_row["derived"]["epsilon"] > lam_row["lower_bound"]["epsilon"]


def test_rate_derivation_shares_and_parameters():
    import sympy as sp

    from adamtheory.theory import o2nc_rates as r

    choice = r.parameter_choice()
    # expected scalings: 1-beta = Theta(eps²/(G+sigma)²), D = Theta((1-beta) sqrt(eps/lam))
    assert sp.simplify((1 - choice[r.beta]) * (r.G + r.sigma) ** 2 / r.eps**2) == sp.Rational(1, 9)
    ratio = sp.simplify(choice[r.D] / ((1 - choice[r.beta]) * sp.sqrt(r.eps / r.lam)))
    assert ratio == sp.Rational(1, 4)
    shares = r.term_shares()
    assert shares["Delta_F/(D T)"] == 1
    assert sp.limit(shares["mu D terms"], r.eps, 0) == sp.Rational(1, 2)
    assert sp.simplify(4 - r.total_share_limit()).is_nonnegative
    assert "| yes |" in r.render_markdown() and "| NO |" not in r.render_markdown()


def test_rate_table_latex_is_generated_from_the_derivation():
    import sympy as sp

    from adamtheory.theory import o2nc_rates as r

    tex = r.render_latex()
    rows = [ln for ln in tex.splitlines() if ln.endswith(r"\\") and "&" in ln][1:]
    assert len(rows) == len(r.rate_table()) == 4
    status = [e["status"] for e in r.rate_table()]
    ends = [row.split("&")[-1].strip() for row in rows]
    assert ends == [r"yes \\" if st == "derived" else r"cited \\" for st in status]
    # the threshold cells are sympy's own LaTeX of the derived expressions, not retyped text
    for row, entry in zip(rows, r.rate_table(), strict=True):
        if entry["status"] == "derived":
            assert sp.latex(entry["threshold"], symbol_names={r.eps: r"\varepsilon"}) in row
    assert r"\epsilon" not in tex  # one epsilon glyph throughout
    assert r"\varepsilon^{-7/2} \lambda^{1/2}" in rows[0]
    # the mu*D^2 variant beats the lower bound, and the flag says so
    assert r"& no \\" in r.render_latex(2)
    assert tex.startswith(r"\begin{tabular}") and tex.endswith(r"\end{tabular}")


def test_rates_cli_formats(capsys):
    from adamtheory.cli import main

    assert main(["rates", "--latex"]) == 0
    assert capsys.readouterr().out.startswith(r"\begin{tabular}")
    assert main(["rates"]) == 0
    assert "| yes |" in capsys.readouterr().out
