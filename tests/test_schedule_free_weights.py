"""Schedule-free SGD's two averaging semantics (docs/theory §1.5): AMC25's c_t = 1 - zeta and
Defazio et al.'s c_t = w_t / sum w (warmup, lr-power and polynomial weights).

The Defazio option is checked against the public implementations, fed the same gradients
(a small quadratic plus fixed noise), in float64: ``schedulefree.SGDScheduleFree`` (torch) and
``optax.contrib.schedule_free_sgd`` (jax, x64 enabled inside the test only). Each comparison
is skipped, with the reason, when its package is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

from adamtheory.kernels.conversion import (
    schedule_free_huber_run,
    schedule_free_sgd,
    schedule_free_weights,
)
from adamtheory.problems.o2nc_hard import huber_well

TOL = 1e-12
T = 50
X0 = np.array([1.0, -0.5, 2.0])


class _Quadratic:
    """F(x) = sum_i a_i x_i^2 / 2 (an exact oracle for the comparisons)."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=np.float64)
        self.dim = self.a.size

    def grad(self, x):
        return np.asarray(x, dtype=np.float64) * self.a


QUAD = _Quadratic([1.0, 3.0, 0.5])
NOISE = 0.1 * np.random.default_rng(11).standard_normal((T, 1, 3))


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


def _ours(lr, beta, warmup=0, r=0.0, p=2.0, convention="schedulefree"):
    ys, xs = schedule_free_sgd(
        QUAD,
        X0,
        gamma=lr,
        kappa=beta,
        noise=NOISE,
        averaging="defazio",
        warmup_steps=warmup,
        r=r,
        weight_lr_power=p,
        convention=convention,
        return_x=True,
    )
    return ys[:, 0], xs[-1, 0]


# ----------------------------------------------------------------------------- the weights


def test_weights_closed_forms():
    t = np.arange(1.0, 21.0)
    lr, c = schedule_free_weights(20, gamma=0.3)
    np.testing.assert_allclose(lr, 0.3, rtol=0, atol=0)
    np.testing.assert_allclose(c, 1.0 / t, rtol=1e-14)  # constant steps: the uniform average
    _, c = schedule_free_weights(20, gamma=0.3, r=1.0)
    np.testing.assert_allclose(c, 2.0 / (t + 1.0), rtol=1e-14)  # w_t = t
    lr, c = schedule_free_weights(20, gamma=0.3, warmup_steps=4)
    np.testing.assert_allclose(lr, 0.3 * np.minimum(t / 4, 1.0), rtol=1e-15)
    # during warmup w_t = lr_t^2 ~ t^2: c_t = t^2 / (t (t+1)(2t+1)/6)
    head = t[:4]
    np.testing.assert_allclose(c[:4], head**2 / (head * (head + 1) * (2 * head + 1) / 6), 1e-14)
    lr_optax, c_optax = schedule_free_weights(20, gamma=0.3, warmup_steps=4, convention="optax")
    np.testing.assert_allclose(lr_optax, 0.3 * np.minimum((t - 1) / 4, 1.0), rtol=1e-15)
    np.testing.assert_allclose(c_optax, c, rtol=1e-15)  # the weights read the same schedule
    _, c = schedule_free_weights(20, gamma=0.3, warmup_steps=4, weight_lr_power=0.0)
    np.testing.assert_allclose(c, 1.0 / t, rtol=1e-14)  # power 0: no lr weighting


# ----------------------------------------------------------------------------- identities


def test_forced_c_reduces_the_option_to_the_default():
    """Defazio's (y, z) recursion with c_t forced to 1 - zeta is AMC25's (x, z) recursion with
    kappa fixed at beta: two different recursions, equal to rounding."""
    zeta, beta = 0.95, 0.9
    amc = schedule_free_sgd(QUAD, X0, gamma=0.1, zeta=zeta, kappa=beta, noise=NOISE)
    forced = schedule_free_sgd(
        QUAD, X0, gamma=0.1, kappa=beta, noise=NOISE, averaging="defazio", c=np.full(T, 1 - zeta)
    )
    assert _rel(forced, amc) <= TOL
    # and the Defazio weights themselves move the trajectory by O(1), not by rounding
    default = schedule_free_sgd(QUAD, X0, gamma=0.1, kappa=beta, noise=NOISE, averaging="defazio")
    assert _rel(default, amc) > 0.05


def test_default_semantics_unchanged():
    """averaging='amc25' with a (T, B) kappa is the pre-existing function, operation for
    operation (SF-EQ depends on it)."""
    zeta = 0.9
    kappa = 1 - (1 - zeta) * np.random.default_rng(2).random((T, 1))
    ys = schedule_free_sgd(QUAD, X0, gamma=0.2, zeta=zeta, kappa=kappa, noise=NOISE)
    x = X0[None].copy()
    z = x.copy()
    for t in range(T):
        y = kappa[t][:, None] * x + (1.0 - kappa[t][:, None]) * z
        np.testing.assert_array_equal(ys[t], y)
        z = z - 0.2 * (QUAD.grad(y) + NOISE[t])
        x = zeta * x + (1.0 - zeta) * z


# ----------------------------------------------------------------------------- the packages

_SF_CONFIGS = [
    (0.1, 0.9, 0, 0.0, 2.0),  # the package's defaults (but lr)
    (0.05, 0.8, 10, 1.0, 2.0),  # warmup and polynomial weights
    (0.2, 0.5, 5, 0.0, 0.0),  # no lr weighting
]


# slow: the first of these imports torch (~3 s)
@pytest.mark.slow
@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("config", _SF_CONFIGS, ids=["defaults", "warmup-r1", "power0"])
def test_defazio_equals_schedulefree_package(config, foreach):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    schedulefree = pytest.importorskip("schedulefree", reason="schedulefree is not installed")
    lr, beta, warmup, r, p = config
    w = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    opt = schedulefree.SGDScheduleFree(
        [w], lr=lr, momentum=beta, warmup_steps=warmup, r=r, weight_lr_power=p, foreach=foreach
    )
    opt.train()
    theirs = []
    for t in range(T):
        y = w.detach().numpy().copy()
        theirs.append(y)
        w.grad = torch.tensor(QUAD.grad(y[None])[0] + NOISE[t, 0], dtype=torch.float64)
        opt.step()
    opt.eval()  # the parameters become x, the evaluation point
    ys, x_last = _ours(lr, beta, warmup, r, p)
    assert _rel(ys, np.array(theirs)) <= TOL
    assert _rel(x_last, w.detach().numpy()) <= TOL


@pytest.mark.slow
def test_packages_with_c_forced_equal_the_amc25_semantics():
    """THEORY §1.5's measured fact: kappa fixed and c_t forced to 1 - zeta (the package's
    weight sum overwritten before each step), the package runs AMC25's update."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    schedulefree = pytest.importorskip("schedulefree", reason="schedulefree is not installed")
    zeta, beta, lr = 0.95, 0.9, 0.1
    w = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
    opt = schedulefree.SGDScheduleFree([w], lr=lr, momentum=beta, foreach=False)
    opt.train()
    theirs = []
    for t in range(T):
        y = w.detach().numpy().copy()
        theirs.append(y)
        w.grad = torch.tensor(QUAD.grad(y[None])[0] + NOISE[t, 0], dtype=torch.float64)
        # weight = lr^2 (no warmup, r = 0): make weight / (sum + weight) = 1 - zeta
        opt.param_groups[0]["weight_sum"] = lr**2 * (1 / (1 - zeta) - 1)
        opt.step()
    amc = schedule_free_sgd(QUAD, X0, gamma=lr, zeta=zeta, kappa=beta, noise=NOISE)[:, 0]
    assert _rel(np.array(theirs), amc) <= TOL
    default = schedule_free_sgd(QUAD, X0, gamma=lr, kappa=beta, noise=NOISE, averaging="defazio")
    assert _rel(default[:, 0], amc) > 0.05  # the package's own weights: O(1) apart


def _optax_run(lr, b1, warmup, p, force_c=None):
    import jax
    import jax.numpy as jnp
    import optax

    opt = optax.contrib.schedule_free_sgd(
        learning_rate=lr, warmup_steps=warmup, b1=b1, weight_lr_power=p
    )
    params = jnp.asarray(X0, dtype=jnp.float64)
    state = opt.init(params)
    update = jax.jit(opt.update)  # one compile instead of ~50 op-by-op dispatches per step
    ys = []
    for t in range(T):
        y = np.asarray(params)
        ys.append(y)
        g = jnp.asarray(QUAD.grad(y[None])[0] + NOISE[t, 0], dtype=jnp.float64)
        if force_c is not None:  # weight = lr^p without warmup
            state = state._replace(
                weight_sum=jnp.asarray(float(lr) ** p * (1 / force_c - 1), dtype=jnp.float64)
            )
        updates, state = update(g, state, params)
        params = optax.apply_updates(params, updates)
    x_eval = np.asarray(optax.contrib.schedule_free_eval_params(state, params))
    return np.array(ys), x_eval


@pytest.mark.slow  # imports jax (~2 s) and compiles optax's update per configuration
def test_defazio_equals_optax_schedule_free():
    """optax computes its warmup schedule's fraction count/W in float32 (int32 counts) and, for
    a Python-float lr, the whole warmup schedule in float32: the warmup case therefore passes
    lr as a float64 array and W = 8, for which count/8 is exact (with W = 10 and a Python float
    lr the trajectories differ by ~6e-9, float32 rounding, not semantics)."""
    jax = pytest.importorskip("jax", reason="jax is not installed")
    pytest.importorskip("optax", reason="optax is not installed")
    import jax.numpy as jnp

    with jax.enable_x64(True):
        for lr, b1, warmup, p in [(0.1, 0.9, None, 2.0), (0.2, 0.5, None, 0.0)]:
            theirs, x_eval = _optax_run(lr, b1, warmup, p)
            ys, x_last = _ours(lr, b1, 0, 0.0, p, convention="optax")
            assert _rel(ys, theirs) <= TOL
            assert _rel(x_last, x_eval) <= TOL
        lr = jnp.asarray(0.05, dtype=jnp.float64)
        theirs, x_eval = _optax_run(lr, 0.8, 8, 2.0)
        ys, x_last = _ours(0.05, 0.8, 8, 0.0, 2.0, convention="optax")
        assert _rel(ys, theirs) <= TOL
        assert _rel(x_last, x_eval) <= TOL
        # optax's z-step reads the schedule one count before its weight: schedulefree's
        # convention is a different method under warmup, and the comparison can tell
        other, _ = _ours(0.05, 0.8, 8, 0.0, 2.0, convention="schedulefree")
        assert _rel(other, theirs) > 1e-3
        # c_t forced to 1 - zeta: optax runs AMC25's update with kappa = b1
        theirs, _ = _optax_run(0.1, 0.9, None, 2.0, force_c=0.05)
        amc = schedule_free_sgd(QUAD, X0, gamma=0.1, zeta=0.95, kappa=0.9, noise=NOISE)[:, 0]
        assert _rel(theirs, amc) <= TOL


# ----------------------------------------------------------------------------- Huber kernel


@pytest.mark.slow  # compiles two Numba kernels on a cold cache (~3-6 s)
def test_huber_kernel_amc25_is_the_fused_option_iii_run():
    """The compiled schedule-free loop with c_t = 1 - zeta reproduces huber_omd_run's Option
    III (beta-OMD form, gamma = eta/(1 - zeta)) draw for draw."""
    from adamtheory.kernels.o2nc_fused import huber_omd_run

    problem = huber_well(2, start=0.8)
    eta, beta, mu, sigma, lam = 0.01, 0.95, 2.0, 0.25, 1.25
    zeta = beta / (1 + eta * mu)
    fused = huber_omd_run(
        problem,
        eta=eta,
        beta=beta,
        mu=mu,
        sigma=sigma,
        lam=lam,
        T=1500,
        conversion="schedule-free",
        seed=5,
        trajectories=4,
    )
    ours = schedule_free_huber_run(
        problem,
        gamma=eta / (1 - zeta),
        beta=beta,
        lam=lam,
        sigma=sigma,
        T=1500,
        zeta=zeta,
        seed=5,
        trajectories=4,
    )
    for key in ("U_tau", "lower_tau", "gradnorm_tau", "max_query_grad", "ybar_final"):
        assert _rel(ours[key], fused[key]) <= TOL, key
    assert np.all(ours["diverged_at"] == 0)


@pytest.mark.slow  # compiles the Numba kernel on a cold cache
def test_huber_kernel_defazio_is_the_numpy_function_and_chunking_is_invisible():
    from adamtheory.kernels.o2nc_fused import draws

    problem = huber_well(2, start=0.8)
    steps, beta, sigma = 400, 0.97, 0.25
    kw = dict(gamma=0.05, beta=beta, lam=1.25, sigma=sigma, T=steps, averaging="defazio")
    kw.update(kappa=0.9, warmup_steps=16, r=0.5, seed=9)
    run = schedule_free_huber_run(problem, trajectories=3, **kw)
    _, noise = draws(9, 3, steps, 2, sigma)
    ys, xs = schedule_free_sgd(
        problem,
        problem.x0,
        gamma=0.05,
        kappa=0.9,
        noise=noise,
        averaging="defazio",
        warmup_steps=16,
        r=0.5,
        return_x=True,
    )
    assert _rel(run["x_final"], xs[-1]) <= TOL
    ybar = np.zeros((3, 2))
    for t in range(steps):  # the normalised beta-EMA of the query points
        b = (1 - beta) / (1 - beta ** (t + 1))
        ybar = ybar + b * (ys[t] - ybar)
    assert _rel(run["ybar_final"], ybar) <= TOL
    gx = np.linalg.norm(problem.grad(xs[-1]), axis=1)
    assert _rel(run["gradnorm_x"], gx) <= TOL
    assert np.all(run["lower_x"] <= run["gradnorm_x"] + 1e-15)
    # same seed => same numbers whatever the chunking (counter-based draws by trajectory id)
    chunk = schedule_free_huber_run(problem, trajectories=[1, 2], **kw)
    for key in ("U_tau", "lower_tau", "x_final", "ybar_final"):
        np.testing.assert_array_equal(chunk[key], run[key][1:])


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(averaging="polyak", zeta=0.9, kappa=0.5), "averaging must be one of"),
        (dict(kappa=0.5), "zeta is required"),
        (dict(averaging="defazio", zeta=0.9, kappa=0.5), "zeta is AMC25's"),
        (dict(averaging="defazio", kappa=np.full((T, 1), 0.5)), "kappa must be a scalar"),
        (dict(averaging="defazio", kappa=1.0), r"kappa must lie in \(0, 1\)"),
        (dict(averaging="defazio", kappa=0.5, c=np.ones(3)), r"c must have shape \(50,\)"),
        (dict(averaging="defazio", kappa=0.5, c=np.full(T, 1.5)), r"c must lie in \[0, 1\]"),
        (dict(averaging="defazio", kappa=0.5, warmup_steps=-1), "warmup_steps must be"),
        (dict(averaging="defazio", kappa=0.5, weight_lr_power=-1.0), "weight_lr_power must"),
        (dict(averaging="defazio", kappa=0.5, r=1.0, convention="optax"), "r must be 0"),
        (dict(averaging="defazio", kappa=0.5, convention="torch"), "convention must be one"),
        (dict(zeta=0.9, kappa=0.5, c=np.ones(T)), "c is for averaging='defazio'"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        schedule_free_sgd(QUAD, X0, gamma=0.1, noise=NOISE, **kwargs)


def test_huber_kernel_bad_input():
    problem = huber_well(1)
    kw = dict(gamma=0.1, beta=0.9, lam=1.0, sigma=0.1, T=10)
    with pytest.raises(TypeError, match="problem must be a HuberWell"):
        schedule_free_huber_run(QUAD, zeta=0.9, **kw)
    with pytest.raises(ValueError, match="takes zeta"):
        schedule_free_huber_run(problem, kappa=0.9, **kw)
    with pytest.raises(ValueError, match="takes kappa"):
        schedule_free_huber_run(problem, averaging="defazio", zeta=0.9, **kw)
    with pytest.raises(ValueError, match=r"beta must lie in \(0, 1\)"):
        schedule_free_huber_run(problem, zeta=0.9, **{**kw, "beta": 1.0})
    with pytest.raises(ValueError, match="sigma must"):
        schedule_free_huber_run(problem, zeta=0.9, **{**kw, "sigma": -1.0})


# ----------------------------------------------------------------------------- SF-DEFAULTS


@pytest.mark.slow  # a real claim run (~2 s)
def test_sf_defaults_reports_both_semantics_on_certified_instances():
    from adamtheory.claims import get_claim, run_claim
    from adamtheory.claims.base import NO_CONTROL
    from adamtheory.claims.sf_weights import ARMS, HORIZONS, OUTSIDE

    claim = get_claim("SF-DEFAULTS")
    assert claim.reported and claim.control_entry is None
    result = run_claim(claim, profile="quick", seed=0)
    assert result.verdict == "reported", result.message
    assert result.control["description"] == NO_CONTROL
    values = result.values
    rows = {(r["problem"], r["arm"], r["horizon_divisor"]): r for r in values["rows"]}
    assert len(rows) == len(values["rows"]) == len(values["problems"]) * len(ARMS) * len(HORIZONS)
    for p in values["problems"]:
        # non-vacuous: the start is certified above the bound; Lemma 3.1's mu condition holds
        assert p["start_lower_estimate"] > p["bound"]
        assert p["mu"] >= p["mu_required"] * (1 - 1e-12)
        for arm in ARMS:
            for div in HORIZONS:
                row = rows[(p["problem"], arm, div)]
                assert row["T"] == -(-p["T"] // div)
                assert 0 <= row["lower_mean"] <= row["measured_mean"] <= row["measured_upper"]
                assert row["tightness"] == pytest.approx(row["measured_mean"] / p["bound"])
                assert row["status"] in {"met", "not met", "undecided"}
                assert row["max_query_grad"] <= p["G"] * (1 + 1e-12)
                assert (row["label"] == OUTSIDE) == (arm != "amc25")
        x_row = rows[(p["problem"], "package defaults", 1)]
        assert 0 <= x_row["x_final_lower_mean"] <= x_row["x_final_upper_mean"]
    assert OUTSIDE in result.measured and "5 eps" in result.measured
