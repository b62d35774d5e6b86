"""The fused O2NC kernel (kernels/o2nc_fused.py), the Option II/III parameters and the
certified corollary checks (issue #11)."""

from __future__ import annotations

import numpy as np
import pytest

from adamtheory.kernels.conversion import BetaOMD, o2nc_run
from adamtheory.kernels.o2nc_fused import draws, exponential_draws, huber_omd_run
from adamtheory.problems.o2nc_base import isotropic_noise
from adamtheory.problems.o2nc_hard import huber_well
from adamtheory.theory import o2nc_params

LAM = 1.25  # exact estimate at |x0| = 0.8 r


def _params():
    w = huber_well(2, start=0.8)
    p = o2nc_params.o2nc_parameters(0.8 / 4.4, LAM, 1.0, 0.25, w.o2nc_constants.delta_F)
    return w, p


@pytest.mark.parametrize("conversion", ["uniform", "schedule-free"])
def test_fused_kernel_equals_o2nc_run_with_the_same_draws(conversion):
    w, p = _params()
    fused = huber_omd_run(
        w, eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.25, lam=LAM, T=200, seed=5,
        trajectories=3, conversion=conversion,
    )  # fmt: skip
    s, noise = draws(5, 3, 200, 2, 0.25)
    ds = o2nc_run(
        w, BetaOMD(p.eta, p.beta, p.mu), conversion=conversion, T=200, batch=3, lam=LAM,
        tau_law="amc25", s_draws=s, noise_draws=noise, noise=isotropic_noise(0.25, 2),
    )  # fmt: skip
    np.testing.assert_allclose(fused["U_tau"], ds.U_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["lower_tau"], ds.lower_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["gradnorm_tau"], ds.gradnorm_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["ybar_final"], ds.ybar_final.values, rtol=1e-12)
    assert np.all(fused["lower_tau"] <= fused["U_tau"])


def test_fused_clipped_adam_exponential_equals_o2nc_run():
    from adamtheory.kernels.conversion import ClippedAdamLearner

    w = huber_well(2, start=0.8)
    p = o2nc_params.theorem5_parameters(0.8 / 1.1, LAM, 1.0, 0.25, w.o2nc_constants.delta_F)
    adam = {"D": p.D, "beta2": p.beta2, "gamma": p.gamma, "nu": p.nu}
    fused = huber_omd_run(
        w, eta=1.0, beta=p.beta1, mu=0.0, sigma=0.25, lam=LAM, T=200, seed=3, trajectories=3,
        conversion="exponential", tau_law="uniform", adam=adam,
    )  # fmt: skip
    s, noise = draws(3, 3, 200, 2, 0.25)
    learner = ClippedAdamLearner(
        D=p.D, beta1=p.beta1, beta2=p.beta2, gamma=p.gamma, nu=p.nu, coordinatewise=False
    )
    ds = o2nc_run(
        w, learner, conversion="exponential", T=200, batch=3, lam=LAM, tau_law="uniform",
        s_draws=exponential_draws(s), noise_draws=noise, noise=isotropic_noise(0.25, 2),
    )  # fmt: skip
    np.testing.assert_allclose(fused["U_tau"], ds.U_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["lower_tau"], ds.lower_tau.values, rtol=1e-12)


@pytest.mark.parametrize("conversion", ["uniform", "schedule-free", "anchored"])
def test_fused_kernel_chunking_never_changes_a_number(conversion):
    w, p = _params()
    kw = dict(eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.25, lam=LAM, T=150, seed=9)
    kw["conversion"] = conversion
    kw["epochs"] = 3 if conversion == "anchored" else 1
    whole = huber_omd_run(w, trajectories=6, **kw)
    part = huber_omd_run(w, trajectories=[4, 5], **kw)
    for key in ("U_tau", "lower_tau", "ybar_final"):
        assert np.array_equal(whole[key][4:], part[key])
    other = huber_omd_run(w, trajectories=6, **{**kw, "seed": 10})
    assert not np.array_equal(whole["U_tau"], other["U_tau"])


def test_fused_kernel_hitting_time_and_bad_inputs():
    w, p = _params()
    r = huber_omd_run(
        w, eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.25, lam=LAM, T=p.T_ours, seed=1,
        trajectories=4, tau_law="uniform", stop_below=4 * p.epsilon,
    )  # fmt: skip
    assert np.all(np.isfinite(r["hit_step"])) and np.all(r["hit_step"] < p.T_ours)
    never = huber_omd_run(
        w, eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.25, lam=LAM, T=20, seed=1,
        trajectories=2, stop_below=1e-9,
    )  # fmt: skip
    assert np.all(np.isinf(never["hit_step"]))
    base = dict(eta=p.eta, beta=p.beta, mu=p.mu, sigma=0.25, lam=LAM, T=10)
    for bad, match in (
        ({"beta": 1.0}, "beta"),
        ({"lam": 0.0}, "lam"),
        ({"sigma": -1.0}, "sigma"),
        ({"conversion": "other"}, "conversion"),
        ({"adam": {"D": 1.0}}, "adam must have the keys"),
        ({"epochs": 2}, "epochs"),
    ):
        with pytest.raises(ValueError, match=match):
            huber_omd_run(w, **{**base, **bad})
    with pytest.raises(TypeError, match="HuberWell"):
        huber_omd_run(object(), **base)


def test_option_parameters_meet_the_mu_condition():
    for option, c_x in (("I", 1.0), ("II", 0.0), ("III", None)):
        q = o2nc_params.option_parameters(option, 0.1, 0.5, 1.0, 0.25, 0.3)
        assert q.mu >= q.mu_required * (1 - 1e-12)
        if c_x is not None:
            assert q.C_x == c_x
    q3 = o2nc_params.option_parameters("III", 0.1, 0.5, 1.0, 0.25, 0.3)
    zeta = q3.beta / (1 + q3.eta * q3.mu)
    assert q3.C_x == pytest.approx(zeta**-2, rel=1e-12)
    # self-consistent: mu = 8 lambda D (1 + C_x(mu) (1-beta)^-2)
    assert q3.mu == pytest.approx(o2nc_params.mu_required(0.5, q3.D, q3.beta, q3.C_x), rel=1e-9)
    q1 = o2nc_params.option_parameters("I", 0.1, 0.5, 1.0, 0.25, 0.3)
    assert q3.mu > q1.mu  # Option III needs more than Option I's C_x = 1
    q2 = o2nc_params.option_parameters("II", 0.1, 0.5, 1.0, 0.25, 0.3)
    p = o2nc_params.o2nc_parameters(0.1, 0.5, 1.0, 0.25, 0.3)
    assert (q2.T_published, q2.N_published) == (p.T_epoch_cor42, p.N_cor42)
    assert q2.mu == pytest.approx(8 * 0.5 * q2.D)
    with pytest.raises(ValueError, match="option must be"):
        o2nc_params.option_parameters("IV", 0.1, 0.5, 1.0, 0.25, 0.3)
    with pytest.raises(ValueError, match="mu_required needs"):
        o2nc_params.mu_required(0.5, 0.1, 1.0, 1.0)


@pytest.mark.slow  # three corollary runs and their controls (~10 s with compilation)
def test_certified_corollaries_report_tightness_and_refuse_vacuous_starts():
    from adamtheory.claims import get_claim, run_claim

    for claim_id in ("O2NC-COR41", "O2NC-COR42", "O2NC-COR51"):
        result = run_claim(get_claim(claim_id), profile="quick", seed=0)
        assert result.verdict == "pass", claim_id
        for row in result.values["rows"]:
            assert {"bound", "measured_mean", "measured_upper", "start_lower_estimate"} <= set(row)
            assert row["start_lower_estimate"] > row["bound"]
            assert row["tightness"] == pytest.approx(row["measured_mean"] / row["bound"])
            assert row["mu"] >= row["mu_required"] * (1 - 1e-12)
            assert row["lower_mean"] <= row["measured_mean"]
        control = [s for s in result.sensitivity if s["control"]]
        assert control and control[0]["verdict"] == "fail"


@pytest.mark.parametrize("coordinatewise", [True, False])
def test_coordinate_scale_kernel_equals_o2nc_run(coordinatewise):
    from adamtheory.kernels.conversion import ClippedAdamLearner
    from adamtheory.kernels.o2nc_fused import coordinate_scale_run
    from adamtheory.kernels.sampling import STREAM_SAMPLING, trajectory_keys, uniforms
    from adamtheory.problems.o2nc_coords import coordinate_scale, spiky_scales

    problem = coordinate_scale(spiky_scales(10, kind="power", power=1.0))
    D = 0.01 if coordinatewise else 0.01 * np.sqrt(10)
    fused = coordinate_scale_run(
        problem, D=D, beta=0.99, coordinatewise=coordinatewise, T=300, seed=4, trajectories=3
    )
    s = uniforms(trajectory_keys(4, np.arange(3)), np.arange(300, dtype=np.uint64), STREAM_SAMPLING)
    learner = ClippedAdamLearner(D=D, beta1=0.99, coordinatewise=coordinatewise)
    ds = o2nc_run(problem, learner, conversion="uniform", T=300, batch=3, s_draws=s.T, lower=False)
    np.testing.assert_allclose(fused, ds.gradnorm1_final.values, rtol=1e-12)
    chunk = coordinate_scale_run(
        problem, D=D, beta=0.99, coordinatewise=coordinatewise, T=300, seed=4, trajectories=[2]
    )
    assert chunk[0] == fused[2]
    with pytest.raises(TypeError, match="CoordinateScale"):
        coordinate_scale_run(huber_well(1), D=D, beta=0.99, coordinatewise=True, T=3)


@pytest.mark.parametrize("name", ["cone", "cosine", "log-cosh", "double well"])
def test_ablation_kernel_equals_o2nc_run_with_the_same_draws(name):
    """ABLATE's fused runs (o2nc_fused.ablation_run): every arm's parameters at once, equal to
    o2nc_run's exponential conversion with a global-clip ClippedAdamLearner fed the kernel's
    draws (s = -log(1 - u))."""
    from adamtheory.kernels.conversion import ClippedAdamLearner
    from adamtheory.kernels.o2nc_fused import ablation_run
    from adamtheory.problems import cosine_landscape, double_well, log_cosh_valley, smoothed_cone

    problem = {
        "cone": smoothed_cone(2, 0.1, x0=[0.4, 0.4]),
        "cosine": cosine_landscape([1.0, 2.0]),
        "log-cosh": log_cosh_valley(2, valley_width=3.0),
        "double well": double_well(2, x0=[0.55, -0.3]),
    }[name]
    b1 = np.array([0.9, 0.9, 0.0, 0.99])
    b2 = b1 * b1
    gamma = 0.05 * np.sqrt((1 + b1) / (1 - b1))
    ema = np.array([0.9, 0.0, 0.9, 0.97])
    ids = np.array([0, 0, 1, 2])  # two arms on the same draws
    kw = dict(D=0.05, T=400, lam=0.02, sigma=0.25)
    fused = ablation_run(
        problem, beta1=b1, beta2=b2, gamma=gamma, ema=ema, seed=3, trajectories=ids, **kw
    )
    s, noise = draws(3, ids, 400, 2, 0.25)
    ds = o2nc_run(
        problem, ClippedAdamLearner(D=0.05, beta1=b1, beta2=b2, gamma=gamma, coordinatewise=False),
        conversion="exponential", T=400, batch=4, lam=0.02, ema_beta=ema, tau_law="uniform",
        lower=False, s_draws=exponential_draws(s), noise_draws=noise,
    )  # fmt: skip
    np.testing.assert_allclose(fused["U_tau"], ds.U_tau.values, rtol=1e-12)
    np.testing.assert_allclose(fused["gradnorm_final"], ds.gradnorm_final.values, rtol=1e-12)
    np.testing.assert_allclose(fused["max_query_grad"], ds.max_query_grad.values, rtol=1e-12)
    assert fused["valid"].all() and ds.valid.values.all()
    # common random numbers are real: the same draws, different EMA, different outputs
    assert fused["gradnorm_final"][0] != fused["gradnorm_final"][1]


def test_ablation_kernel_bad_input_names_the_parameter():
    from adamtheory.kernels.o2nc_fused import ablation_run
    from adamtheory.problems import smoothed_cone

    cone = smoothed_cone(2, 0.1)
    kw = dict(beta1=0.9, beta2=0.81, gamma=1.0, ema=0.9, D=0.1, T=10, lam=0.02, sigma=0.1)
    with pytest.raises(ValueError, match="ema"):
        ablation_run(cone, **{**kw, "ema": 1.0})
    with pytest.raises(ValueError, match="D"):
        ablation_run(cone, **{**kw, "D": 0.0})
    with pytest.raises(TypeError, match="problem"):
        ablation_run(huber_well(2, start=0.8), **kw)
