"""The quasi-static tightness ceiling of the O2NC bound checks (theory/o2nc_slack.py, issue #11):
β-OMD's drift gain, its fixed point, the 1/√24 limit, the kernel's measured drift and the
measured COR41 tightness against the ceiling."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.kernels.o2nc_fused import huber_omd_run
from adamtheory.problems.o2nc_hard import huber_well
from adamtheory.theory import o2nc_params, o2nc_slack
from adamtheory.theory.o2nc import o2nc_symbols


def test_drift_gain_is_the_fixed_point_of_the_beta_omd_step():
    assert o2nc_slack.fixed_point_residual() == 0
    # numerically: the recursion converges to -k g (geometric, rate c)
    beta, eta, mu, g = 0.9, 0.3, 0.2, 1.7
    delta = 0.0
    for _ in range(2000):
        delta = beta / (1 + eta * mu) * (delta - eta * g)
    k = float(o2nc_slack.drift_gain(sp.Float(beta), sp.Float(eta), sp.Float(mu)))
    assert delta == pytest.approx(-k * g, rel=1e-12)


def test_ceiling_limit_is_one_over_sqrt_24_and_the_gain_is_three_halves_d_over_eps():
    assert sp.simplify(o2nc_slack.tightness_ceiling_limit() - 1 / sp.sqrt(24)) == 0
    s = o2nc_symbols()
    G, sig, eps = s["G"], s["sigma"], s["epsilon"]
    x = sp.Symbol("x", positive=True)
    p = o2nc_params.o2nc_parameter_expressions()
    ratio = sp.simplify(
        (o2nc_slack.drift_gain_at_parameters() * eps / p["D"]).subs(eps, x * (G + sig))
    )
    assert ratio.free_symbols <= {x}  # depends on eps/(G+sigma) only
    assert sp.limit(ratio, x, 0, "+") == sp.Rational(3, 2)
    # D T_ours = Delta_F / eps exactly on the Delta_F branch (the ceiling's premise)
    T = 36 * s["Delta_F"] * sp.sqrt(s["lambda"]) * (G + sig) ** 2 * eps ** sp.Rational(-7, 2)
    assert sp.simplify(p["D"] * T - s["Delta_F"] / eps) == 0


def test_kernel_drifts_at_the_predicted_gain_on_a_ramp():
    # far out on the Huber well's cone the gradient is constant (G along -x0), sigma = 0:
    # the run is exactly a ramp, x_T - x_0 = -k G (T - (1 - c^T)/(1 - c)).
    well = huber_well(1, G=1.0, r=1.0, start=1e5)
    p = o2nc_params.o2nc_parameters(0.18, 1.25, 1.0, 0.25, 1.0)
    c = p.beta / (1 + p.eta * p.mu)
    k = c * p.eta / (1 - c)
    T = 20_000
    out = huber_omd_run(
        well, eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.0, lam=1.25, T=T, trajectories=2, seed=3
    )
    moved = 1e5 - float(out["ybar_final"][0, 0])
    # lag in steps: the momentum's build-up (1/(1-c)) and the EMA of the query points
    # (beta/(1-beta), plus half a step for s_t ~ U[0, 1])
    lag = 1 / (1 - c) + p.beta / (1 - p.beta) + 0.5
    assert T > 30 * lag
    assert moved == pytest.approx(k * (T - lag), rel=2e-3)
    assert abs(moved - k * T) > 0.02 * k * T  # the lag is resolved, not inside the tolerance


def test_measured_cor41_tightness_is_below_the_ceiling():
    well = huber_well(1, start=0.8)
    lam, sigma = 1.25, 0.25
    eps = 0.8 / 4.4
    q = o2nc_params.option_parameters("I", eps, lam, 1.0, sigma, well.o2nc_constants.delta_F)
    out = huber_omd_run(
        well, eta=q.eta, beta=q.beta, mu=q.mu, sigma=sigma, lam=lam, T=q.T, trajectories=8, seed=1
    )
    ceiling = o2nc_slack.tightness_ceiling_value(eps, lam, 1.0, sigma)
    assert 0.204 < ceiling < 0.21
    grad_tightness = float(np.mean(out["gradnorm_tau"])) / (4 * eps)
    assert 0 < grad_tightness <= ceiling
    # and the start is certified above the bound, so this is not the vacuous case
    assert float(well.stationarity_lower(np.asarray(well.x0)[None], lam)[0]) > 4 * eps


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epsilon": -1.0}, "epsilon"),
        ({"lam": 0.0}, "lam"),
        ({"sigma": -0.1}, "sigma"),
        ({"G": math.nan}, "G"),
    ],
)
def test_ceiling_value_rejects_bad_input(kwargs, name):
    args = {"epsilon": 0.1, "lam": 1.0, "G": 1.0, "sigma": 0.0, **kwargs}
    with pytest.raises(ValueError, match=name):
        o2nc_slack.tightness_ceiling_value(**args)


# ----------------------------------------------------------------------------- cliff and ramp


def _cliff():
    from adamtheory.problems.o2nc_hard import cliff_ramp

    eps = 1.0 / 4.4
    ramp = cliff_ramp(eps)
    return ramp, eps, ramp.certify_lambda()


def test_cliff_ramp_constants_and_certified_start():
    ramp, eps, lam = _cliff()
    c = ramp.o2nc_constants
    x0 = float(ramp.x0[0])
    # Delta_F = g1 b + g0 (x0 - b), typed from the definition; g1 = 0.7 eps, g0 m0 = 0.3 g1 b
    assert ramp.g1 == pytest.approx(0.7 * eps, rel=1e-15)
    assert c.delta_F == pytest.approx(ramp.g1 * 1.0 + 1.0 * (x0 - 1.0), rel=1e-14)
    assert c.delta_F == pytest.approx(1.3 * ramp.g1, rel=1e-14)
    assert c.G == 1.0 and c.f_star == 0.0
    # the start's estimate is exact (= |grad F(x0)| = g0) at the certifying lambda, not below
    start = ramp.stationarity_lower(np.asarray(ramp.x0)[None], lam)
    assert start[0] == 1.0 > 4 * eps
    assert ramp.stationarity_lower(np.asarray(ramp.x0)[None], 0.5 * lam)[0] < 1.0
    # the estimate never exceeds |grad F| (it is a lower estimate of a measure <= |grad F|)
    xs = np.linspace(-2.0, 2.0, 401)[:, None]
    assert np.all(ramp.stationarity_lower(xs, lam) <= np.abs(ramp.grad(xs)[:, 0]) + 1e-15)


def test_cliff_ramp_lower_estimate_is_below_two_atom_measures():
    # any two-atom p with mean x gives an upper value of the measure; the certified lower
    # estimate must sit below every one of them
    ramp, _, lam = _cliff()
    rng = np.random.default_rng(7)
    for x in (0.05, 0.3, 0.9, 1.02, ramp.x0[0], -0.6):
        lo = float(ramp.stationarity_lower(np.array([[x]]), lam)[0])
        for _ in range(300):
            a, bb = rng.uniform(0, 1.5, 2)
            q = bb / (a + bb)  # weight of x - a so that the mean is x
            w = np.array([[x - a], [x + bb]])
            g = ramp.grad(w)[:, 0]
            val = abs(q * g[0] + (1 - q) * g[1]) + lam * (q * a * a + (1 - q) * bb * bb)
            assert lo <= val + 1e-12


def test_fused_kernel_equals_o2nc_run_on_the_cliff_ramp():
    from adamtheory.kernels.conversion import BetaOMD, o2nc_run
    from adamtheory.kernels.o2nc_fused import draws
    from adamtheory.problems.o2nc_base import isotropic_noise

    ramp, eps, lam = _cliff()
    q = o2nc_params.option_parameters("I", eps, lam, 1.0, 0.25, ramp.o2nc_constants.delta_F)
    fused = huber_omd_run(
        ramp, eta=q.eta, beta=q.beta, mu=q.mu, sigma=0.25, lam=lam, T=300, seed=4, trajectories=3
    )
    s, noise = draws(4, 3, 300, 1, 0.25)
    ds = o2nc_run(
        ramp, BetaOMD(q.eta, q.beta, q.mu), conversion="uniform", T=300, batch=3, lam=lam,
        tau_law="amc25", s_draws=s, noise_draws=noise, noise=isotropic_noise(0.25, 1),
    )  # fmt: skip
    np.testing.assert_allclose(fused["U_tau"], ds.U_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["lower_tau"], ds.lower_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["gradnorm_tau"], ds.gradnorm_tau.values, rtol=1e-12)


def test_cliff_ramp_approaches_the_ceiling_and_beats_the_huber_well():
    ramp, eps, lam = _cliff()
    q = o2nc_params.option_parameters("I", eps, lam, 1.0, 0.25, ramp.o2nc_constants.delta_F)
    out = huber_omd_run(
        ramp, eta=q.eta, beta=q.beta, mu=q.mu, sigma=0.25, lam=lam, T=q.T, trajectories=8, seed=2
    )
    ceiling = o2nc_slack.tightness_ceiling_value(eps, lam, 1.0, 0.25)
    lower = float(np.mean(out["lower_tau"])) / (4 * eps)
    # certified lower tightness within 25% of the ceiling (quasi-static theory), and no more
    assert 0.75 * ceiling <= lower <= ceiling
    # still on the ramp at T (ramp = 0.7 < the 0.816 at which it would reach the bottom)
    assert np.all(np.abs(out["ybar_final"][:, 0]) > 0.02)


def test_cliff_ramp_rejects_bad_input():
    from adamtheory.problems.o2nc_hard import CliffRamp

    with pytest.raises(ValueError, match="g0"):
        CliffRamp(0.1, 0.2, 1.0, (2.0,))
    with pytest.raises(ValueError, match="b"):
        CliffRamp(1.0, 0.2, -1.0, (2.0,))
    with pytest.raises(ValueError, match="x0"):
        CliffRamp(1.0, 0.2, 1.0, (0.5,)).certify_lambda()
