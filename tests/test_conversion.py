"""O2NC conversion kernels, the online estimate U_t, and the parameter layer (issue #4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamtheory.kernels import OptimizerLearner, adam
from adamtheory.kernels.conversion import (
    CONVERSIONS,
    BetaOMD,
    ClippedAdamLearner,
    o2nc_run,
    schedule_free_sgd,
)
from adamtheory.kernels.ema import ema_weights, tau_probabilities
from adamtheory.problems import cosine_landscape
from adamtheory.problems.o2nc_base import isotropic_noise
from adamtheory.theory import o2nc_params

PROBLEM = cosine_landscape([1.0, 2.0, 0.5])


def _direct_U(path: np.ndarray, beta: float, lam: float, t: int) -> np.ndarray:
    """U_t from its definition (weights in closed form, spread centred on ybar)."""
    w = ema_weights(beta, t)
    ys = path[:t]  # (t, B, d)
    ybar = np.tensordot(w, ys, axes=(0, 0))
    gbar = np.tensordot(
        w, PROBLEM.grad(ys.reshape(-1, ys.shape[-1])).reshape(ys.shape), axes=(0, 0)
    )
    spread = np.tensordot(w, np.sum((ys - ybar) ** 2, axis=-1), axes=(0, 0))
    return np.linalg.norm(gbar, axis=-1) + lam * spread


@pytest.mark.parametrize("conversion", CONVERSIONS)
@pytest.mark.parametrize("law", ["uniform", "amc25"])
def test_tau_average_of_U_equals_definition(conversion, law):
    T, beta, lam = 40, 0.8, 0.7
    learner = ClippedAdamLearner(D=0.05, beta1=beta)
    ds = o2nc_run(
        PROBLEM,
        learner,
        conversion=conversion,
        T=T,
        batch=3,
        seed=3,
        lam=lam,
        tau_law=law,
        record_path=True,
        x0=[0.4, -0.3, 1.0],
        noise=isotropic_noise(0.2, 3),
    )
    path = ds.path.values
    p = tau_probabilities(beta, T, law)
    direct = sum(p[t - 1] * _direct_U(path, beta, lam, t) for t in range(1, T + 1))
    np.testing.assert_allclose(ds.U_tau.values, direct, rtol=1e-12)


def test_spread_has_no_cancellation_far_from_origin():
    # y ~ 1e8 with spread ~ 1e-6: the naive sum w||y||^2 - ||ybar||^2 loses every digit
    shifted = [1e8, 1e8, 1e8]
    ds = o2nc_run(
        PROBLEM,
        ClippedAdamLearner(D=1e-3, beta1=0.9),
        conversion="uniform",
        T=30,
        batch=2,
        seed=0,
        record_path=True,
        x0=shifted,
        lam=1.0,
    )
    path = ds.path.values - np.asarray(shifted)
    w = ema_weights(0.9, 30)
    ybar = np.tensordot(w, path, axes=(0, 0))
    spread = np.tensordot(w, np.sum((path - ybar) ** 2, axis=-1), axes=(0, 0))
    assert np.all(spread > 0)
    U_last = ds.U_trace.values[-1]
    gbar_norm = U_last - spread
    assert np.all(np.isfinite(gbar_norm)) and np.all(gbar_norm >= -1e-9)


def test_schedule_free_is_the_o2nc_form():
    rng = np.random.default_rng(1)
    T, B = 200, 3
    u, xi = rng.random((T, B)), 0.2 * rng.standard_normal((T, B, 3))
    learner = BetaOMD(0.05, 0.9, 0.4)
    ds = o2nc_run(
        PROBLEM,
        learner,
        conversion="schedule-free",
        T=T,
        batch=B,
        s_draws=u,
        noise_draws=xi,
        record_path=True,
        x0=[0.1, 0.2, 0.3],
    )
    zeta = learner.momentum
    ys = schedule_free_sgd(
        PROBLEM,
        [0.1, 0.2, 0.3],
        gamma=0.05 / (1 - zeta),
        zeta=zeta,
        kappa=1 - (1 - zeta) * u,
        noise=xi,
    )
    np.testing.assert_allclose(ds.path.values, ys, rtol=0, atol=1e-13)


def test_same_seed_same_numbers_and_seed_matters():
    kw = dict(
        conversion="uniform", T=200, batch=4, noise=isotropic_noise(0.5, 3), x0=[0.3, 0.2, 0.1]
    )
    a = o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), seed=7, **kw)
    b = o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), seed=7, **kw)
    c = o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), seed=8, **kw)
    np.testing.assert_array_equal(a.U_tau.values, b.U_tau.values)
    assert not np.array_equal(a.U_tau.values, c.U_tau.values)
    assert a.attrs["seed"] == 7 and a.attrs["conversion"] == "uniform"


def test_per_trajectory_parameters_equal_separate_runs():
    etas = np.array([0.05, 0.2])
    x0 = [0.3, 0.2, 0.1]
    joint = o2nc_run(
        PROBLEM,
        BetaOMD(etas, 0.9),
        conversion="exponential",
        T=100,
        batch=2,
        s_draws=np.ones((100, 2)),
        x0=x0,
    )
    for i, eta in enumerate(etas):
        single = o2nc_run(
            PROBLEM,
            BetaOMD(eta, 0.9),
            conversion="exponential",
            T=100,
            batch=1,
            s_draws=np.ones((100, 1)),
            x0=x0,
        )
        np.testing.assert_allclose(joint.U_tau.values[i], single.U_tau.values[0], rtol=1e-14)


def test_clipped_learner_defaults_are_clipped_ftrl():
    from adamtheory.kernels import clipped_adam

    rng = np.random.default_rng(0)
    g = rng.standard_normal((50, 2, 3))
    for coordinatewise in (True, False):
        learner = ClippedAdamLearner(D=0.1, beta1=0.9, coordinatewise=coordinatewise)
        ref = clipped_adam(0.1, 0.9, coordinatewise)
        state, rstate = learner.init((2, 3)), ref.init(np.zeros((2, 3)))
        for t in range(50):
            state = learner.update(state, g[t])
            delta, rstate = ref.increment(g[t], rstate)
            np.testing.assert_allclose(learner.played(state), delta, rtol=1e-13, atol=1e-16)


def test_clipped_learner_respects_its_set():
    rng = np.random.default_rng(2)
    g = 100 * rng.standard_normal((20, 4, 5))
    for coordinatewise in (True, False):
        learner = ClippedAdamLearner(
            D=0.3, beta1=0.5, beta2=0.9, gamma=10.0, nu=1e-3, coordinatewise=coordinatewise
        )
        state = learner.init((4, 5))
        for t in range(20):
            state = learner.update(state, g[t])
            d = learner.played(state)
            size = np.abs(d).max(axis=1) if coordinatewise else np.linalg.norm(d, axis=1)
            assert np.all(size <= 0.3 * (1 + 1e-12))


def test_anchored_epochs_and_no_nan():
    ds = o2nc_run(
        PROBLEM,
        BetaOMD(0.05, 0.9, 0.1),
        conversion="anchored",
        T=50,
        epochs=4,
        batch=3,
        seed=0,
        x0=[0.3, 0.2, 0.1],
    )
    assert ds.attrs["epochs"] == 4
    for name in ("U_tau", "gradnorm_tau", "spread_tau"):
        assert np.all(np.isfinite(ds[name].values))


def test_stop_below_stops_early():
    ds = o2nc_run(
        PROBLEM,
        BetaOMD(0.05, 0.9),
        conversion="uniform",
        T=5000,
        batch=2,
        x0=[0.3, 0.2, 0.1],
        stop_below=10.0,
        checkpoints=[10, 100, 5000],
    )
    assert np.all(np.isfinite(ds.U_running.values[0])) and np.all(np.isnan(ds.U_running[1:]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(conversion="linear"), "conversion"),
        (dict(T=0), "T"),
        (dict(lam=-1.0), "lam"),
        (dict(epochs=2), "epochs"),
        (dict(tau_law="geometric"), "tau_law"),
        (dict(batch=0), "batch"),
        (dict(s_draws=np.zeros((3, 1))), "s_draws"),
        (dict(checkpoints=[0]), "checkpoints"),
    ],
)
def test_bad_run_arguments(kwargs, match):
    args = dict(conversion="uniform", T=10, batch=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), **args)


def test_bad_learners():
    with pytest.raises(ValueError, match="eta"):
        BetaOMD(-0.1, 0.9)
    with pytest.raises(ValueError, match="beta"):
        BetaOMD(0.1, 1.0)
    with pytest.raises(ValueError, match="mu"):
        BetaOMD(0.1, 0.5, -1.0)
    with pytest.raises(ValueError, match="D"):
        ClippedAdamLearner(D=0.0, beta1=0.9)
    with pytest.raises(ValueError, match="beta1"):
        ClippedAdamLearner(D=1.0, beta1=-0.1)
    with pytest.raises(ValueError, match="beta1"):
        ClippedAdamLearner(D=1.0, beta1=1.0)
    with pytest.raises(ValueError, match="ema_beta"):
        o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), conversion="uniform", T=3, ema_beta=1.0)
    with pytest.raises(TypeError, match="learner"):
        o2nc_run(PROBLEM, "adam", conversion="uniform", T=3)


# ---------------------------------------------------------------- parameter layer


def test_parameters_follow_their_balance_equations():
    eps, lam, G, sigma, dF = 0.1, 0.5, 1.0, 0.3, 2.0
    p = o2nc_params.o2nc_parameters(eps, lam, G, sigma, dF)
    assert math.isclose(3 * (G + sigma) * math.sqrt(1 - p.beta), eps, rel_tol=1e-12)
    assert math.isclose(16 * lam * p.D**2 / (1 - p.beta) ** 2, eps, rel_tol=1e-12)
    assert math.isclose(p.zeta, p.beta / (1 + p.eta * p.mu), rel_tol=1e-12)
    assert p.T_ours >= dF / (p.D * eps) and p.T_cor41 > p.T_ours
    assert p.T_cor51 >= p.T_cor41


def test_theorem5_parameters_meet_its_conditions():
    p = o2nc_params.theorem5_parameters(0.2, 0.3, 1.0, 0.1, 1.0)
    assert 1 - (0.2 / (16 * 1.1)) ** 2 <= p.beta1 < 1
    assert max(1 - p.nu / 1.1, p.beta1**4) <= p.beta2 < 1
    assert p.T >= math.log(2) / (1 - p.beta2)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0.0, 1.0, 1.0, 0.0, 1.0), "epsilon"),
        ((0.1, -1.0, 1.0, 0.0, 1.0), "lambda"),
        ((0.1, 1.0, 1.0, -0.5, 1.0), "sigma"),
        ((0.1, 1.0, 0.0, 0.0, 1.0), "G"),
        ((5.0, 1.0, 1.0, 0.0, 1.0), "epsilon"),
    ],
)
def test_bad_parameter_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        o2nc_params.o2nc_parameters(*args)


def test_schedule_free_relations_are_exact():
    assert all(v == 0 for v in o2nc_params.schedule_free_relations().values())


def test_coordinate_advantage():
    assert math.isclose(o2nc_params.coordinate_advantage([0.3] * 50), 1.0, rel_tol=1e-12)
    spiky = [1.0] + [1e-3] * 99
    assert o2nc_params.coordinate_advantage(spiky) > 50
    with pytest.raises(ValueError, match="G_coords"):
        o2nc_params.coordinate_advantage([])


# ---------------------------------------------------------------- kernels optimizers as learners


@pytest.mark.parametrize("conversion", ["uniform", "exponential", "anchored"])
def test_heavy_ball_learner_is_beta_omd(conversion):
    """beta-OMD is heavy ball with c = beta/(1+eta mu) and step c*eta (AMC25 Lemma 3.2)."""
    from adamtheory.kernels import OptimizerLearner, sgdm

    omd = BetaOMD(0.05, 0.9, 0.3)
    c = float(omd.momentum)
    wrapped = OptimizerLearner(sgdm(c * 0.05, beta=c, form="heavy_ball"), beta=0.9)
    common = dict(
        conversion=conversion,
        T=200,
        batch=3,
        seed=5,
        lam=0.5,
        noise=isotropic_noise(0.2, PROBLEM.dim),
        epochs=3 if conversion == "anchored" else 1,
    )
    a = o2nc_run(PROBLEM, omd, **common)
    b = o2nc_run(PROBLEM, wrapped, **common)
    for name in ("U_tau", "ybar_final", "gradnorm_tau"):
        assert np.max(np.abs(a[name].values - b[name].values)) <= 1e-12 * (
            1 + np.max(np.abs(a[name].values))
        )


def test_clipped_adam_optimizer_learner_is_clipped_adam_learner():
    from adamtheory.kernels import OptimizerLearner, clipped_adam

    for coordinatewise in (True, False):
        ref = ClippedAdamLearner(D=0.02, beta1=0.95, coordinatewise=coordinatewise)
        wrapped = OptimizerLearner(clipped_adam(0.02, 0.95, coordinatewise=coordinatewise))
        a = o2nc_run(PROBLEM, ref, conversion="exponential", T=150, batch=2, seed=1)
        b = o2nc_run(PROBLEM, wrapped, conversion="exponential", T=150, batch=2, seed=1)
        assert np.max(np.abs(a.U_tau.values - b.U_tau.values)) <= 1e-12


def test_adam_plus_ema_runs_and_records_the_optimizer():
    from adamtheory.kernels import OptimizerLearner, adam, sgd

    learner = OptimizerLearner(adam(0.01, beta1=0.9, beta2=0.999))
    ds = o2nc_run(PROBLEM, learner, conversion="exponential", T=100, batch=2)
    assert np.all(np.isfinite(ds.U_tau.values))
    assert ds.attrs["learner_learner"] == "optimizer:adam"
    assert ds.attrs["learner_optimizer_lr"] == 0.01
    with pytest.raises(ValueError, match="beta is required"):
        OptimizerLearner(sgd(0.1))
    with pytest.raises(TypeError, match="init"):
        OptimizerLearner("adam")


@pytest.mark.parametrize(
    "make",
    [
        lambda b: BetaOMD(0.05, b),
        lambda b: ClippedAdamLearner(0.05, b),
        lambda b: OptimizerLearner(adam(0.01, beta1=b)),
    ],
)
def test_per_trajectory_beta_with_the_default_ema(make):
    """(B,) betas become the learner's (B, 1) column; the default EMA decay must accept it."""
    betas = np.array([0.5, 0.9])
    common = dict(conversion="exponential", T=60, x0=[0.3, 0.2, 0.1], s_draws=np.ones((60, 1)))
    both = o2nc_run(PROBLEM, make(betas), batch=2, **{**common, "s_draws": np.ones((60, 2))})
    for k, b in enumerate(betas):
        alone = o2nc_run(PROBLEM, make(float(b)), batch=1, **common)
        assert both.U_tau.values[k] == pytest.approx(alone.U_tau.values[0], rel=1e-12)


def test_bool_ema_beta_is_rejected():
    with pytest.raises(TypeError, match="ema_beta"):
        o2nc_run(PROBLEM, BetaOMD(0.1, 0.9), conversion="uniform", T=3, ema_beta=False)


# ---------------------------------------------------------------- lower estimates (docs/theory §2)


def test_lower_estimate_offset_rules():
    from adamtheory.kernels.o2nc import lower_estimate_offset

    assert lower_estimate_offset(2.0, H=4.0) == 0.0  # lam >= H/2
    assert lower_estimate_offset(1.0, H=4.0) is None
    assert lower_estimate_offset(0.5, L=3.0) == pytest.approx(9.0 / 2.0)
    assert lower_estimate_offset(0.5, L=3.0, H=0.5) == 0.0  # the smaller applicable one
    assert lower_estimate_offset(1.0) is None
    with pytest.raises(ValueError, match="lam"):
        lower_estimate_offset(0.0, L=1.0)
    with pytest.raises(ValueError, match="L"):
        lower_estimate_offset(1.0, L=-1.0)


@pytest.mark.parametrize("lam", [0.02, 1.0, 100.0])
def test_lower_and_upper_estimates_bracket_the_measure(lam):
    from adamtheory.problems.o2nc_suite import diagonal_quadratic, double_well, log_cosh_valley

    problems = [
        cosine_landscape([1.0, 2.0]),
        log_cosh_valley(2, valley_width=3.0),
        double_well(1, x0=[0.55]),
        diagonal_quadratic([1.0, 10.0], x0=[1.0, -2.0]),
    ]
    for problem in problems:
        x0 = [0.3, 0.2] if problem.dim == 2 and problem is problems[0] else None
        ds = o2nc_run(
            problem,
            ClippedAdamLearner(0.01, 0.9),
            conversion="exponential",
            T=300,
            batch=4,
            lam=lam,
            noise=isotropic_noise(0.2, problem.dim),
            x0=x0,
        )
        assert np.all(np.isfinite(ds.lower_tau.values)), problem
        assert np.all(ds.lower_tau.values <= ds.U_tau.values * (1 + 1e-12)), problem
        assert np.all(ds.lower_tau.values <= ds.gradnorm_tau.values * (1 + 1e-12))
    # a quadratic (H = 0): the lower estimate is the measure itself, ||grad F(ybar)||
    assert np.array_equal(ds.lower_tau.values, ds.gradnorm_tau.values)
    assert ds.attrs["lower_offset"] == 0.0


def test_no_lower_estimate_without_global_constants():
    from adamtheory.problems.user import user_function

    F = user_function(np.tanh, x0=[1.0, 2.0])  # states no constants
    ds = o2nc_run(F, BetaOMD(0.05, 0.9), conversion="uniform", T=20, batch=2, lam=1.0)
    assert np.all(np.isnan(ds.lower_tau.values)) and ds.attrs["lower_offset"] == "none"


@pytest.mark.parametrize("lam", [0.02, 0.3, 0.5, 0.6, 5.0])
def test_lower_estimate_is_below_the_measure_by_its_definition(lam):
    """F = -cos x (L = H = 1) at x = pi/2 (|F'| = 1), against the definition of ||.||_[lam]
    evaluated at every symmetric two-point p = (delta_{x-a} + delta_{x+a})/2:
    |E F'(w)| + lam E|w-x|^2 = |cos a| + lam a^2. The H rule is tight here (cos a >= 1 - a^2/2),
    so a threshold looser than lam >= H/2 would fail at lam = 0.3."""
    from adamtheory.kernels.o2nc import lower_estimate_offset

    a = np.linspace(1e-4, 10.0, 200_001)
    measure_upper = np.min(np.abs(np.cos(a)) + lam * a * a)
    offset = lower_estimate_offset(lam, L=1.0, H=1.0)
    assert max(0.0, 1.0 - offset) <= measure_upper + 1e-12
    if lam >= 0.5:
        assert offset == 0.0  # and then the bound is attained in the limit a -> 0
        assert measure_upper == pytest.approx(1.0, abs=1e-7)
