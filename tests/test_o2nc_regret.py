"""The proven beta-OMD regret bound (theory/o2nc_regret.py), its range, the greedy adversary,
the parameter range of o2nc_parameters and the certified Huber-well instances (issue #11)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.kernels.o2nc import beta_omd_increments, greedy_omd_adversary
from adamtheory.problems.o2nc_hard import huber_well
from adamtheory.theory import o2nc_params, o2nc_rates, o2nc_regret


def test_proof_steps_reduce_to_zero_or_a_square():
    assert o2nc_regret.prox_residual() == 0
    assert o2nc_regret.shrink_residual() == 0
    assert o2nc_regret.telescoping_residual() == 0
    a, g = sp.symbols("a g", real=True)
    assert sp.expand(o2nc_regret.young_gap() - (a - o2nc_regret.eta * g) ** 2 / 2) == 0


def test_closed_form_and_range_constants():
    b, u, G, s, m = (
        o2nc_regret.beta,
        o2nc_regret.u,
        o2nc_regret.G,
        o2nc_regret.sigma,
        o2nc_regret.mu,
    )
    expected = (1 + 1 / (4 * b)) * u * (G + s) / sp.sqrt(1 - b) + m * u**2 / (2 * b)
    assert sp.simplify(o2nc_regret.regret_bound() - expected) == 0
    assert sp.simplify(o2nc_regret.beta_min() - (1 + sp.sqrt(3)) / 4) == 0
    assert float(o2nc_regret.epsilon_max()) == pytest.approx(3 * math.sqrt((3 - math.sqrt(3)) / 4))
    # the leading term is below the reading exactly from beta_min on
    lead = lambda beta: 1 + 1 / (4 * beta)  # noqa: E731
    bm = float(o2nc_regret.beta_min())
    assert lead(bm) == pytest.approx(2 * bm, rel=1e-12)
    assert lead(bm + 1e-3) < 2 * (bm + 1e-3) and lead(bm - 1e-3) > 2 * (bm - 1e-3)


def test_pathwise_bound_on_random_and_adversarial_streams():
    """The pathwise inequality (before expectations) on explicit gradient streams."""
    rng = np.random.default_rng(0)
    for beta, mu in ((0.3, 0.0), (0.9, 2.0), (0.99, 0.1)):
        eta = 2 * math.sqrt(1 - beta)
        T = 600
        g = rng.choice([-1.0, 1.0], size=(T, 1))
        deltas = np.concatenate([np.zeros((1, 1)), beta_omd_increments(g, eta, beta, mu)[:-1]])
        w = beta ** (T - 1 - np.arange(T))
        for u in (-1.0, 0.5, 1.0):
            reg = float(
                np.sum(w * (g[:, 0] * (deltas[:, 0] - u) + mu / 2 * (deltas[:, 0] ** 2 - u**2)))
            )
            bound = (
                u**2 / (2 * eta * beta)
                + mu * u**2 / (2 * beta)
                + eta / 2 * float(np.sum(w * g[:, 0] ** 2))
            )
            assert reg <= bound + 1e-12


def test_greedy_adversary_breaks_the_reading_below_beta_min_only():
    betas = np.array([0.3, 0.5, 0.9, 0.99])
    regret = greedy_omd_adversary(betas, 0.0, 2 * np.sqrt(1 - betas), T=4000)
    proven = o2nc_regret.regret_bound_numeric(betas, 0.0, 1.0, 1.0)
    reading = o2nc_regret.regret_bound_numeric(betas, 0.0, 1.0, 1.0, which="reading")
    assert np.all(regret <= proven)
    assert regret[0] > reading[0] and regret[1] > reading[1]  # 1.32 > 0.72, 1.61 > 1.41
    assert np.all(regret[2:] <= reading[2:])
    # nearly tight at beta = 0.99 (a 2x optimistic bound is refuted)
    assert regret[-1] > 0.5 * proven[-1]
    with pytest.raises(ValueError, match="beta"):
        greedy_omd_adversary(1.0, 0.0, 0.1, T=10)


def test_parameters_reject_epsilon_outside_the_proven_range():
    G, s = 1.0, 0.25
    limit = o2nc_params.epsilon_limit(G, s)
    assert limit == pytest.approx(float(o2nc_regret.epsilon_max()) * (G + s))
    p = o2nc_params.o2nc_parameters(limit, 0.1, G, s, 1.0)
    assert p.beta == pytest.approx(float(o2nc_regret.beta_min()), rel=1e-12)
    with pytest.raises(ValueError, match=r"epsilon must be <= .*beta_min"):
        o2nc_params.o2nc_parameters(limit * 1.001, 0.1, G, s, 1.0)
    for args, name in (((0.1, 0.0, G, s, 1.0), "lambda"), ((0.1, 0.1, G, -0.1, 1.0), "sigma")):
        with pytest.raises(ValueError, match=name):
            o2nc_params.o2nc_parameters(*args)


@pytest.mark.slow  # sympy.maximum over the beta range (~4 s)
def test_derivation_with_the_proven_bound_stays_below_four_eps():
    G, s = o2nc_rates.G, o2nc_rates.sigma
    assert sp.simplify(o2nc_rates.total_share_limit() - (61 * G + 81 * s) / (24 * (G + s))) == 0
    worst = float(o2nc_rates.max_share_on_range())
    assert 3.5 < worst <= 4.0
    # numerically: the lambdified bound at the parameters and T_ours, over the whole range
    for eps in (1e-3, 0.1, 1.0, o2nc_params.epsilon_limit(1.0, 0.5)):
        p = o2nc_params.o2nc_parameters(eps, 0.2, 1.0, 0.5, 2.0)
        value = o2nc_rates.bound_value(p.beta, p.D, p.T_ours, 1.0, 0.5, 0.2, 2.0)
        assert value <= 4 * eps
    # below beta_min the same derivation exceeds 4 eps (why the range is enforced)
    share = o2nc_rates.share_total_in_beta()
    rho = next(v for v in share.free_symbols if v.name == "rho")
    assert float(share.subs({o2nc_rates.beta: sp.Rational(3, 10), rho: 1})) > 4


def test_goldstein_row_is_cited_not_derived():
    rows = {r["setting"]: r for r in o2nc_rates.rate_table()}
    gold = rows["Goldstein (delta, eps), G-Lipschitz"]
    assert gold["status"] == "cited" and gold["threshold"] is None and gold["derived"] == {}
    assert "CMO23" in gold["provenance"]
    assert all(
        r["status"] == "derived" and r["optimal"] for n, r in rows.items() if n != gold["setting"]
    )
    assert "(cited, not derived)" in o2nc_rates.render_markdown()


def test_huber_well_constants_and_certified_estimate():
    w = huber_well(2, G=2.0, r=0.5, start=0.8)
    c = w.o2nc_constants
    assert c.G == 2.0 and c.L == pytest.approx(4.0) and c.f_star == 0.0
    x = np.array([[0.4, 0.0], [0.0, 0.1], [3.0, 4.0]])
    g = w.grad(x)
    assert np.allclose(g[0], [1.6, 0.0]) and np.allclose(g[2], [1.2, 1.6])
    assert c.delta_F == pytest.approx(2.0 * 0.4**2 / (2 * 0.5))
    # finite differences of the value
    h = 1e-6
    fd = (w.value(x + [h, 0]) - w.value(x - [h, 0])) / (2 * h)
    assert np.allclose(fd, g[:, 0], atol=1e-6)
    lam = w.curvature / (4 * (w.r - 0.4))  # exact at |x| = 0.4
    low = w.stationarity_lower(x, lam)
    assert low[0] == pytest.approx(1.6, rel=1e-12)  # = |grad F|: exact
    assert low[1] == pytest.approx(0.4, rel=1e-12)  # inside the exact radius too
    assert low[2] == pytest.approx(max(0.0, 2.0 - 16.0 / (4 * lam)))  # the L-smooth estimate
    # a two-point distribution straddling the bowl never beats the certified estimate
    for spread in (0.05, 0.2, 0.5, 1.0):
        pts = np.array([[0.4 + spread, 0.0], [0.4 - spread, 0.0]])
        value = np.linalg.norm(w.grad(pts).mean(axis=0)) + lam * spread**2
        assert value >= low[0] - 1e-12
    with pytest.raises(ValueError, match="lam"):
        w.stationarity_lower(x, 0.0)
    with pytest.raises(ValueError, match="r"):
        huber_well(1, r=-1.0)


def test_hard_setup_certifies_the_start_and_refuses_without_an_estimate():
    from adamtheory.claims.o2nc_runs import hard_setup
    from adamtheory.problems.o2nc_suite import smoothed_cone

    s = hard_setup("w", huber_well(1, start=0.8), 0.25, 4.0)
    assert s.start_lower == pytest.approx(0.8) and s.start_lower > 4 * s.epsilon
    assert s.start_lower / (4 * s.epsilon) == pytest.approx(1.1)
    with pytest.raises(ValueError, match="no certified lower estimate"):
        hard_setup("cone", smoothed_cone(2, 0.1), 0.25, 4.0)
    with pytest.raises(ValueError, match="inside the bowl"):
        hard_setup("w", huber_well(1, start=1.5), 0.25, 4.0)


@pytest.mark.parametrize(
    "name,args",
    [
        ("beta", (1.0, 0.0, 1.0, 1.0)),
        ("mu", (0.5, -1.0, 1.0, 1.0)),
        ("u_norm", (0.5, 0.0, 0.0, 1.0)),
        ("G", (0.5, 0.0, 1.0, float("nan"))),
    ],
)
def test_the_numeric_bound_refuses_parameters_outside_its_range(name, args):
    with pytest.raises(ValueError, match=name):
        o2nc_regret.regret_bound_numeric(*args)
