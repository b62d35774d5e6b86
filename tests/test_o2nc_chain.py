"""The probabilistic zero-chain instance, its kernel and the zero-chain ceiling (issue #11):
problems/o2nc_chain.py, kernels/o2nc_chain.py, theory/o2nc_chain.py, theory/o2nc_slack.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.kernels.conversion import BetaOMD, o2nc_run
from adamtheory.kernels.o2nc_chain import chain_omd_run
from adamtheory.kernels.sampling import STREAM_SAMPLING, trajectory_keys, uniforms
from adamtheory.problems import o2nc_chain as pc
from adamtheory.problems.o2nc_chain import ZeroChain, chain_for_measure, zero_chain
from adamtheory.theory import o2nc_chain as tc
from adamtheory.theory import o2nc_params, o2nc_slack

RNG = np.random.default_rng(20261204)


def _points(chain: ZeroChain, n: int) -> np.ndarray:
    """Random points that visit every piece of Ψ and Φ (unit coordinates in [-3, 3])."""
    return chain.s * RNG.uniform(-3.0, 3.0, (n, chain.K))


# ----------------------------------------------------------------------------- theory


def test_links_are_smooth_and_their_suprema_are_the_ones_the_problem_uses() -> None:
    assert all(v == 0 for v in tc.ramp_checks().values())
    s = tc.link_suprema()
    # typed from the construction: Psi' <= 2/(1-b), Psi'' <= 8/(1-b)^2, Psi''' <= 32/(1-b)^3
    assert (s["psi1"], s["psi2"], s["psi3"]) == (4, 32, 256)
    assert (s["phi0"], s["phi1"], s["phi2"], s["phi3"], s["phi_at_0"]) == (
        sp.Rational(5, 2),
        1,
        4,
        16,
        sp.Rational(5, 4),
    )
    c = tc.chain_constants()
    assert c["rho"] == 128 * sp.sqrt(101)
    assert float(c["rho"]) == pytest.approx(pc.RHO_UNIT, rel=1e-15)
    assert float(c["g_coord"]) == pc.G_COORD
    assert float(s["phi0"]) == pc.PHI_MAX and float(s["phi_at_0"]) == pc.PHI_AT_0
    chain = zero_chain(5, 0.2)
    subs = {c["K"]: 5, c["p"]: sp.Rational(1, 5)}
    assert float(c["G"].subs(subs)) == pytest.approx(chain.G, rel=1e-14)
    assert float(c["delta_F"].subs(subs)) == pytest.approx(chain.delta_F, rel=1e-14)
    assert float(sp.sqrt(c["sigma2"].subs(subs))) == pytest.approx(chain.sigma, rel=1e-14)


def test_numpy_links_equal_the_sympy_pieces() -> None:
    f = tc.link_functions()
    x = tc.x
    grid = np.linspace(-3.0, 3.0, 1201)
    for name, fn, pieces, order in (
        ("psi", pc.psi, f["psi"], 0),
        ("dpsi", pc.dpsi, f["psi"], 1),
        ("d2psi", lambda v: pc.dpsi(v, 2), f["psi"], 2),
        ("phi", pc.phi, f["phi"], 0),
        ("dphi", pc.dphi, f["dphi"], 0),
        ("d2phi", lambda v: pc.dphi(v, 2), f["dphi"], 1),
    ):
        want = np.empty_like(grid)
        for expr, (lo, hi) in pieces:
            g = sp.lambdify(x, sp.diff(expr, x, order), "numpy")
            sel = (grid >= float(lo)) & (grid <= float(hi))
            want[sel] = np.broadcast_to(g(grid[sel]), grid[sel].shape)
        np.testing.assert_allclose(fn(grid), want, rtol=0, atol=1e-12, err_msg=name)


def test_survival_product_cancels_K_and_the_cubic_step_floor() -> None:
    assert o2nc_slack.chain_survival_product() == 0
    a, rho = sp.symbols("a rho", positive=True)
    assert (
        sp.simplify(
            o2nc_slack.cubic_step_decrease()
            - 2 * sp.sqrt(2) * a ** sp.Rational(3, 2) / (3 * sp.sqrt(rho))
        )
        == 0
    )
    assert o2nc_slack.shape_constant_floor() == sp.Rational(2, 3)
    ceiling = float(o2nc_slack.revelation_ceiling(sp.Rational(2, 3)))
    assert ceiling == pytest.approx(24 ** (-2 / 7) / 4, rel=1e-15)
    assert 0.100 < ceiling < 0.101  # far below the 0.5 a 2x-optimistic bound needs
    # ours: c_delta = Phi_max, c_rho = 128 sqrt(101), c_a = c_m = 1, noise factor >= 1
    ours = float(o2nc_slack.shape_constant(sp.Rational(5, 2), 128 * sp.sqrt(101), 1, 1, 1))
    assert o2nc_slack.revelation_ceiling_value(ours) < ceiling
    # a 2x-optimistic bound needs tightness 0.5: C <= 2^{-7/2}/36, below the floor 2/3
    assert 2 ** (-3.5) / 36 < 2 / 3


# ----------------------------------------------------------------------------- problem


def test_gradient_and_hessian_match_finite_differences() -> None:
    chain = zero_chain(4, 0.3, alpha=2.0, s=0.7)
    x = _points(chain, 64)
    h = 1e-6
    eye = np.eye(chain.K)
    fd = np.stack(
        [(chain.value(x + h * e) - chain.value(x - h * e)) / (2 * h) for e in eye], axis=1
    )
    # central differences: O(h^2) truncation and O(1e-16/h) rounding, ~1e-9 here
    np.testing.assert_allclose(chain.grad(x), fd, atol=1e-7)
    for point in x[:8]:
        H = chain.hessian(point)
        fdH = np.stack(
            [(chain.grad((point + h * e)[None]) - chain.grad((point - h * e)[None]))[0] / (2 * h)
             for e in eye],
            axis=1,
        )  # fmt: skip
        np.testing.assert_allclose(H, fdH, atol=1e-6)
        np.testing.assert_array_equal(H, H.T)


def test_constants_bound_dense_samples() -> None:
    chain = zero_chain(6, 0.2, alpha=1.5, s=0.8)
    x = _points(chain, 20000)
    g = chain.grad(x)
    assert np.all(g <= 0.0)  # every partial is <= 0 (the certificate's sign argument)
    assert np.max(np.linalg.norm(g, axis=1)) <= chain.G
    assert np.max(np.abs(g[:, :-1])) <= pc.G_COORD * chain.grad_scale
    f0 = float(chain.value(np.zeros((1, chain.K)))[0])
    assert np.max(f0 - chain.value(x)) <= chain.delta_F * (1 + 1e-15)
    c = chain.o2nc_constants
    star = np.asarray(c.x_star)[None]
    assert float(chain.value(star)[0]) == pytest.approx(c.f_star, rel=1e-15)
    assert f0 - c.f_star == pytest.approx(chain.delta_F, rel=1e-15)
    # Hessian-Lipschitz: pairs at all distances, the ratio never exceeds rho
    worst = 0.0
    for k in range(300):
        a = x[k]
        b = a + chain.s * RNG.normal(size=chain.K) * 10.0 ** RNG.uniform(-3, 0)
        dh = np.linalg.norm(chain.hessian(a) - chain.hessian(b), 2)
        worst = max(worst, dh / np.linalg.norm(a - b))
    assert worst <= chain.rho
    assert worst > 0.05 * chain.rho  # the bound is not vacuous (sampled ratio ~0.2 rho)


def test_zero_chain_property_and_certified_measure() -> None:
    chain = zero_chain(6, 0.2, alpha=1.5, s=0.8)
    x = _points(chain, 4000)
    j = RNG.integers(0, chain.K, x.shape[0])
    cols = np.arange(chain.K)[None]
    # coordinates beyond j within [-b s, b s]: unrevealed
    beyond = cols >= j[:, None]
    x = np.where(beyond, chain.s * pc.B_ZERO * RNG.uniform(-1, 1, x.shape), x)
    g = chain.grad(x)
    assert np.all(g[cols > j[:, None]] == 0.0)  # partials past the frontier vanish exactly
    np.testing.assert_array_equal(chain.progress(x) <= j, True)
    # while some |x_j| < s the gradient norm is >= alpha/s (Carmon et al.'s argument)
    y = _points(chain, 20000)
    open_ = np.any(np.abs(y) < chain.s, axis=1)
    assert open_.mean() > 0.5
    assert np.min(np.linalg.norm(chain.grad(y[open_]), axis=1)) >= chain.grad_scale * (1 - 1e-15)
    start = chain.stationarity_lower(np.zeros((1, chain.K)), chain.lam)
    assert start[0] == chain.grad_scale  # exact at the start
    assert chain_for_measure(3, 0.5, 0.7, 2.0).lam == pytest.approx(2.0, rel=1e-14)


def test_oracle_is_unbiased_with_the_stated_variance() -> None:
    chain = zero_chain(4, 0.25, alpha=1.0, s=1.0)
    x = np.array([[1.3, 0.8, 0.0, 0.0]])  # prog = 2: the frontier is coordinate 3
    n = 40000
    keys = trajectory_keys(5, np.arange(n))
    pts = np.repeat(x, n, axis=0)
    g = chain.stochastic_grad(pts, keys, step=11)
    exact = chain.grad(x)[0]
    np.testing.assert_array_equal(g[:, [0, 1, 3]], np.broadcast_to(exact[[0, 1, 3]], (n, 3)))
    front = g[:, 2]
    assert set(np.unique(front)) <= {0.0, exact[2] / chain.p}  # z/p times the exact partial
    se = math.sqrt((1 / chain.p - 1) * exact[2] ** 2 / n)
    assert abs(front.mean() - exact[2]) < 4 * se
    var = (1 / chain.p - 1) * exact[2] ** 2
    assert var <= chain.sigma**2
    assert front.var() == pytest.approx(var, rel=0.05)


def test_bad_input_names_the_parameter() -> None:
    for kwargs, word in (
        ({"K": 0, "p": 0.5}, "K"),
        ({"K": 2, "p": 0.0}, "p"),
        ({"K": 2, "p": 1.5}, "p"),
        ({"K": 2, "p": 0.5, "alpha": -1.0}, "alpha"),
        ({"K": 2, "p": 0.5, "s": 0.0}, "s"),
    ):
        with pytest.raises(ValueError, match=word):
            ZeroChain(**kwargs)
    chain = zero_chain(2, 0.5)
    with pytest.raises(ValueError, match="lam"):
        chain.stationarity_lower(np.zeros((1, 2)), 0.5 * chain.lam)
    with pytest.raises(TypeError, match="ZeroChain"):
        chain_omd_run(object(), eta=0.1, beta=0.9, mu=0.0, T=10)
    with pytest.raises(ValueError, match="beta"):
        chain_omd_run(chain, eta=0.1, beta=1.0, mu=0.0, T=10)
    with pytest.raises(ValueError, match="target"):
        chain_omd_run(chain, eta=0.1, beta=0.9, mu=0.0, T=10, target=-1.0)
    with pytest.raises(ValueError, match="C"):
        o2nc_slack.revelation_ceiling_value(0.0)


# ----------------------------------------------------------------------------- kernel


class _Oracle:
    """The chain's stochastic oracle as a problem for o2nc_run (one grad call per step)."""

    def __init__(self, chain: ZeroChain, keys: np.ndarray) -> None:
        self.chain, self.keys, self.step = chain, keys, 0
        self.dim, self.x0, self.name, self.has_value = chain.K, chain.x0, "oracle", False

    def grad(self, y: np.ndarray) -> np.ndarray:
        g = self.chain.stochastic_grad(y, self.keys, self.step)
        self.step += 1
        return g


def test_kernel_ties_out_with_the_generic_numpy_path() -> None:
    chain = zero_chain(3, 0.3, alpha=0.8, s=0.3)
    eta, beta, mu, T, B, seed = 0.05, 0.9, 0.1, 400, 4, 7
    res = chain_omd_run(
        chain, eta=eta, beta=beta, mu=mu, T=T, seed=seed, trajectories=B, tau_law="uniform"
    )
    keys = trajectory_keys(seed, np.arange(B))
    s = uniforms(keys, np.arange(T, dtype=np.uint64), STREAM_SAMPLING).T
    ds = o2nc_run(
        _Oracle(chain, keys),
        BetaOMD(eta, beta, mu),
        conversion="uniform",
        T=T,
        batch=B,
        s_draws=s,
        lower=False,
        record_path=True,
    )
    path = ds.path.values
    ybar, meas, bpow = np.zeros((B, chain.K)), np.zeros(B), 1.0
    for t in range(T):
        bpow *= beta
        ybar = ybar + (1 - (beta - bpow) / (1 - bpow)) * (path[t] - ybar)
        meas += np.linalg.norm(chain.grad(ybar), axis=1) / T
    assert np.all(chain.progress(path[-1]) >= 2)  # the run did reveal links
    np.testing.assert_allclose(res["ybar_final"], ybar, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res["measure_tau"], meas, rtol=1e-12)
    np.testing.assert_array_equal(res["progress"], chain.progress(path[-1]))
    # a chunk of ids gives the same numbers as the batch
    part = chain_omd_run(
        chain, eta=eta, beta=beta, mu=mu, T=T, seed=seed, trajectories=[2, 3], tau_law="uniform"
    )
    np.testing.assert_array_equal(part["measure_tau"], res["measure_tau"][2:])


def test_bracketed_exit_brackets_the_full_run() -> None:
    chain = zero_chain(2, 0.5, alpha=1.0, s=0.5)
    kw = dict(eta=0.02, beta=0.95, mu=0.0, T=20000, seed=3, trajectories=3, target=0.5)
    full = chain_omd_run(chain, **kw)
    short = chain_omd_run(chain, exit_tol=1e-3, **kw)
    assert np.all(np.isinf(full["exit_step"])) and np.all(np.isfinite(short["exit_step"]))
    assert np.all(short["exit_step"] < 20000)
    assert np.all(short["measure_tau"] <= full["measure_tau"] * (1 + 1e-12))
    assert np.all(full["measure_tau"] <= short["measure_tau_upper"] * (1 + 1e-12))
    assert np.all(short["measure_tau_upper"] - short["measure_tau"] <= 1e-3 * (1 + 1e-12))
    np.testing.assert_array_equal(short["hit_step"], full["hit_step"])


def test_certified_chain_run_stays_under_the_ceilings() -> None:
    """A certified start (measure 1.1 x 4 eps) at our T: the chain is finished long before T
    and the tightness stays under the quasi-static ceiling (theory/o2nc_slack.py), far from
    the 0.5 that a 2x-optimistic bound would need."""
    chain = chain_for_measure(1, 0.5, 1.0, 1.0)
    eps = 1.0 / 4.4
    q = o2nc_params.option_parameters("I", eps, chain.lam, chain.G, chain.sigma, chain.delta_F)
    res = chain_omd_run(
        chain, eta=q.eta, beta=q.beta, mu=q.mu, T=q.T, seed=1, trajectories=4,
        target=4 * eps, exit_tol=0.01 * 4 * eps,
    )  # fmt: skip
    tight = res["measure_tau_upper"] / (4 * eps)
    ceiling = o2nc_slack.tightness_ceiling_value(eps, chain.lam, chain.G, chain.sigma)
    assert np.all(res["hit_step"] < 0.1 * q.T)  # progress was needed and happened
    assert np.all(tight < ceiling) and np.all(tight < 0.5)
    assert np.all(res["measure_tau"] / (4 * eps) > 0.01)  # the run measured something


# ----------------------------------------------------------------------------- claims


def _claim(claim_id: str):
    from adamtheory.claims import o2nc_runs

    return next(c for c in o2nc_runs.CLAIMS if c.id == claim_id)


@pytest.mark.slow  # the quick COR41 claim with its re-run controls (~5 s)
def test_cor41_has_a_certified_chain_row() -> None:
    """COR41 on a certified chain (the SLOPE family is tested in tests/test_o2nc_slope.py)."""
    from adamtheory.claims.base import run_claim

    result = run_claim(_claim("O2NC-COR41"), profile="quick", seed=0)
    assert result.verdict == "pass"
    (row,) = [r for r in result.values["rows"] if "revelation_ceiling" in r]
    assert row["start_lower_estimate"] > row["bound"]
    assert row["lower_mean"] <= row["measured_mean"] < row["quasi_static_ceiling"] * row["bound"]
    assert row["tightness"] < 0.5  # a 2x-optimistic bound stays undetectable (o2nc_slack)
    assert row["progress_mean"] == row["K"]  # the chain was finished: progress was needed
    halved = [s for s in result.sensitivity if s["target"] == "bound 2x too optimistic"]
    assert halved and not halved[0]["detected"] and result.weak
