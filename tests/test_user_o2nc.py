"""O2NC on a user function: user_function, o2nc_plan and the run they prescribe."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adamtheory as at
from adamtheory.analysis.o2nc import o2nc_plan
from adamtheory.kernels.conversion import BetaOMD, ClippedAdamLearner
from adamtheory.problems.o2nc_suite import log_cosh_valley
from adamtheory.theory import o2nc_params


def _log_cosh(d: int = 2, **constants):
    x0 = np.linspace(2.0, -1.0, d)
    value = lambda x: np.log(np.cosh(x)).sum(axis=1)  # noqa: E731
    return at.user_function(np.tanh, x0=x0, value=value, **constants), x0, value


def test_user_function_is_an_exact_oracle():
    F, x0, value = _log_cosh(3)
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert np.array_equal(F.grad(x), np.tanh(x))
    assert np.array_equal(F.value(x), value(x))
    assert F.dim == 3 and F.x0 == tuple(x0)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(grad="tanh", x0=[1.0]), TypeError, "grad must be callable"),
        (dict(grad=np.tanh, x0=[1.0], G=-1.0), ValueError, "G must be finite"),
        (dict(grad=np.tanh, x0=[1.0], delta_F=math.inf), ValueError, "delta_F"),
        (dict(grad=lambda x: x[:, :1], x0=[1.0, 2.0]), ValueError, r"shape \(1, 2\)"),
        (dict(grad=lambda x: x / 0.0, x0=[1.0]), ValueError, "non-finite"),
    ],
)
def test_user_function_bad_input(kwargs, exc, match):
    grad = kwargs.pop("grad")
    with np.errstate(divide="ignore"), pytest.raises(exc, match=match):
        at.user_function(grad, **kwargs)


def test_plan_uses_the_derived_parameters():
    F, _, _ = _log_cosh(2, G=math.sqrt(2), delta_F=2.2)
    plan = o2nc_plan(F, 0.3, lam=0.05, sigma=0.1)
    p = o2nc_params.o2nc_parameters(0.3, 0.05, math.sqrt(2), 0.1, 2.2)
    assert plan.parameters == p and plan.T == p.T_ours
    # the derived bound B(beta, D, T) at these numbers (SymPy, lambdified), not a typed 4 eps
    from adamtheory.theory import o2nc_rates

    B = o2nc_rates.bound().subs(
        {
            o2nc_rates.beta: p.beta,
            o2nc_rates.D: p.D,
            o2nc_rates.T: p.T_ours,
            o2nc_rates.G: math.sqrt(2),
            o2nc_rates.sigma: 0.1,
            o2nc_rates.lam: 0.05,
            o2nc_rates.DF: 2.2,
        }
    )
    assert plan.bound == pytest.approx(float(B), rel=1e-12) and "Lemmas" in plan.source
    assert isinstance(plan.learner, BetaOMD) and plan.conversion == "uniform"
    assert (plan.learner.eta, plan.learner.beta, plan.learner.mu) == (p.eta, p.beta, p.mu)
    cor41 = o2nc_plan(F, 0.3, lam=0.05, sigma=0.1, threshold="cor41")
    assert cor41.T == p.T_cor41 and cor41.bound == pytest.approx(1.2)
    assert cor41.source == "AMC25 Corollary 4.1"
    # clipped Adam + EMA: Theorem 5's parameters and its own bound (eps, not Cor. 4.1's 4 eps)
    adam_plan = o2nc_plan(F, 0.3, lam=0.05, sigma=0.1, learner="clipped-adam")
    q = o2nc_params.theorem5_parameters(0.3, 0.05, math.sqrt(2), 0.1, 2.2)
    assert isinstance(adam_plan.learner, ClippedAdamLearner) and adam_plan.parameters == q
    assert adam_plan.conversion == "exponential" and adam_plan.tau_law == "uniform"
    assert adam_plan.T == q.T and adam_plan.bound == 0.3 and "Theorem 5" in adam_plan.source
    assert not adam_plan.learner.coordinatewise
    assert (adam_plan.learner.D, adam_plan.learner.beta2) == (q.D, q.beta2)
    with pytest.raises(ValueError, match="threshold must be 'thm5'"):
        o2nc_plan(F, 0.3, lam=0.05, learner="clipped-adam", threshold="cor41")
    with pytest.raises(ValueError, match="threshold must be 'ours' or 'cor41'"):
        o2nc_plan(F, 0.3, lam=0.05, threshold="thm5")


# Theorem 5's T grows like eps^-7/2 with a large constant: eps = 1 (|grad F(x0)| = 1.23) is 3.2e4
# steps, eps = 0.3 would be 2.2e6
@pytest.mark.parametrize("learner, eps", [("beta-omd", 0.3), ("clipped-adam", 1.0)])
def test_plan_run_meets_its_bound_and_is_reproducible(learner, eps):
    F, _, _ = _log_cosh(2, G=math.sqrt(2), delta_F=2.2)
    plan = o2nc_plan(F, eps, lam=0.05, sigma=0.1, learner=learner)
    ds = plan.run(F, batch=8, seed=3)
    again = plan.run(F, batch=8, seed=3)
    assert np.array_equal(ds.U_tau.values, again.U_tau.values)
    # Corollary 4.1's bound, one-sided 95% t-bound over the 8 trajectories
    u = ds.U_tau.values
    upper = u.mean() + 1.895 * u.std(ddof=1) / math.sqrt(u.size)
    assert upper <= plan.bound
    assert ds.attrs["plan_bound"] == plan.bound
    # the start is not stationary at this eps: the run had to make progress
    g0 = float(np.linalg.norm(F.grad(np.asarray([F.x0]))))
    assert g0 > eps
    # and it made real progress: a learner that never moves would sit at U = |grad F(x0)|
    assert u.mean() < 0.25 * g0
    assert ds.attrs["plan_G_exceeded"] == 0


def test_user_function_without_value_runs_and_reports_f_unknown():
    F = at.user_function(np.tanh, x0=[2.0, -1.0], G=math.sqrt(2), delta_F=2.2)
    ds = o2nc_plan(F, 0.3, lam=0.05).run(F, batch=2, seed=0)
    assert np.all(np.isnan(ds.f_ybar_final.values)) and np.all(np.isfinite(ds.U_tau.values))
    with pytest.raises(ValueError, match="no value function"):
        F.value(np.zeros((1, 2)))


def test_plan_names_missing_constants_and_bad_parameters():
    F = at.user_function(np.tanh, x0=[2.0])
    with pytest.raises(ValueError, match="states no G and no delta_F"):
        o2nc_plan(F, 0.3, lam=0.05)
    assert o2nc_plan(F, 0.3, lam=0.05, G=1.0, delta_F=1.5).parameters.G == 1.0
    finite_sum = at.user_finite_sum(lambda x, i: x, n=2, x0=[1.0])
    with pytest.raises(ValueError, match="no o2nc_constants: pass G and delta_F"):
        o2nc_plan(finite_sum, 0.3, lam=0.05)
    valley = log_cosh_valley(2, valley_width=3.0)
    for kwargs, match in (
        (dict(epsilon=0.0, lam=0.1), "epsilon"),
        (dict(epsilon=0.1, lam=-1.0), "lam"),
        (dict(epsilon=0.1, lam=0.1, sigma=-0.5), "sigma"),
        (dict(epsilon=0.1, lam=0.1, learner="adam"), "learner"),
        (dict(epsilon=0.1, lam=0.1, threshold="best"), "threshold"),
        (dict(epsilon=1e-3, lam=1.0, max_steps=1000), "max_steps"),
    ):
        with pytest.raises(ValueError, match=match):
            o2nc_plan(valley, **kwargs)
    plan = o2nc_plan(valley, 0.1, lam=0.1)
    for kwargs in (
        dict(T=5),
        dict(x0=[50.0, 50.0]),
        dict(ema_beta=0.0),
        dict(stop_below=1.0),
        dict(tau_law="uniform"),
    ):
        with pytest.raises(ValueError, match="fixed by the plan"):
            plan.run(valley, **kwargs)
    with pytest.raises(ValueError, match="dimension 3; the plan is for 2"):
        plan.run(log_cosh_valley(3, valley_width=3.0))


def test_user_finite_sum_without_value_runs_in_o2nc():
    from adamtheory.kernels.conversion import o2nc_run

    problem = at.user_finite_sum(lambda x, idx: np.tanh(x) + 0.0 * idx[:, None], n=3, x0=[1.0])
    ds = o2nc_run(problem, BetaOMD(0.01, 0.9), conversion="uniform", T=20, batch=2)
    assert np.all(np.isnan(ds.f_ybar_final.values)) and np.all(np.isfinite(ds.U_tau.values))
