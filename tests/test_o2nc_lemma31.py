"""Claim O2NC-LEMMA31 (AMC25 Lemma 3.1 with its realized right-hand side): the kernel's
recursions against the definitions, its agreement with the chain and Huber-well kernels, the
exact per-run identity, the unbiasedness of the realized terms, the paired rule and the claim."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamtheory.claims import o2nc_lemma31 as cl
from adamtheory.claims import run_claim
from adamtheory.kernels.o2nc_chain import chain_omd_run
from adamtheory.kernels.o2nc_fused import huber_omd_run
from adamtheory.kernels.o2nc_lemma31 import OUTPUTS, lemma31_run
from adamtheory.kernels.sampling import STREAM_SAMPLING, trajectory_keys, uniforms
from adamtheory.problems.o2nc_chain import chain_for_measure
from adamtheory.problems.o2nc_hard import huber_well

# a small noisy chain and step sizes at which it moves through both links in a few hundred steps
CHAIN = chain_for_measure(2, 0.5, 1.0, 1.0)
PARAMS = {"eta": 0.4, "beta": 0.9, "mu": 0.05, "D": 0.3}


def _reference(chain, *, eta, beta, mu, D, T, seed, B):
    """Lemma 3.1's realized terms straight from their definitions (O(T²) sums, NumPy oracle
    ZeroChain.stochastic_grad): Reg_t(u_t) = sum_s beta^(t-s) (l_s(Delta_s) - l_s(u_t))."""
    keys = trajectory_keys(seed, np.arange(B))
    c = beta / (1 + eta * mu)
    x = np.zeros((B, chain.K))
    delta = np.zeros_like(x)
    ys, gs, gts, ds = [], [], [], []
    for t in range(T):
        s = uniforms(keys, np.uint64(t), STREAM_SAMPLING)[:, None]
        y = x + s * delta
        x = x + delta
        g = chain.stochastic_grad(y, keys, t)
        ys.append(y)
        gs.append(g)
        gts.append(chain.grad(y))
        ds.append(delta.copy())
        delta = c * (delta - eta * g)
    ys, gs, gts, ds = (np.stack(a) for a in (ys, gs, gts, ds))  # (T, B, K)
    reg = np.zeros((T, B))
    noise = np.zeros((T, B))
    meas = np.zeros(B)
    for t in range(T):
        w = beta ** (t - np.arange(t + 1))[:, None]  # (t+1, 1)
        N = np.sum(w[..., None] * gts[: t + 1], axis=0)
        M = np.sum(w[..., None] * gs[: t + 1], axis=0)
        u = -D * N / np.linalg.norm(N, axis=1, keepdims=True)
        lp = np.sum(gs[: t + 1] * ds[: t + 1], axis=2) + mu / 2 * np.sum(ds[: t + 1] ** 2, axis=2)
        lu = np.einsum("sbk,bk->sb", gs[: t + 1], u) + mu / 2 * D * D
        reg[t] = np.sum(w * (lp - lu), axis=0)
        noise[t] = np.sum((M - N) * u, axis=1)
        ema = (1 - beta) * w / (1 - beta ** (t + 1))
        ybar = np.sum(ema[..., None] * ys[: t + 1], axis=0)
        weight = (1 - beta ** (t + 1)) / T if t < T - 1 else (1 - beta**T) / ((1 - beta) * T)
        meas += weight * np.linalg.norm(chain.grad(ybar), axis=1)
    f0 = chain.value(np.zeros((1, chain.K)))[0]
    return {
        "reg_T": reg[-1],
        "reg_sum": reg.sum(axis=0),
        "noise_T": noise[-1],
        "noise_sum": noise.sum(axis=0),
        "inner": np.sum(gs * ds, axis=(0, 2)),
        "sq": np.sum(ds**2, axis=(0, 2)),
        "descent": f0 - chain.value(x),
        "measure_tau": meas,
    }


def test_recursions_match_the_definitions():
    T, B = 120, 3
    run = lemma31_run(CHAIN, T=T, lam=CHAIN.lam, seed=4, trajectories=B, **PARAMS)
    ref = _reference(CHAIN, T=T, seed=4, B=B, **PARAMS)
    for k, v in ref.items():
        np.testing.assert_allclose(run[k], v, rtol=1e-9, atol=1e-12 * np.max(np.abs(v)), err_msg=k)


def test_the_per_run_identity_holds_to_1e_10():
    for problem, sigma in ((CHAIN, 0.0), (huber_well(2, start=0.8), 0.5)):
        lam = CHAIN.lam if problem is CHAIN else 2.0
        run = lemma31_run(problem, T=400, lam=lam, sigma=sigma, seed=1, trajectories=5, **PARAMS)
        res = cl.identity_residual(run, T=400, **{k: PARAMS[k] for k in ("beta", "D", "mu")})
        assert np.max(res) < 1e-10
        # a wrong bookkeeping (the regulariser's comparator part dropped) is far off
        bad = dict(run, reg_sum=run["reg_sum"] + 0.5 * PARAMS["mu"] * PARAMS["D"] ** 2)
        wrong = cl.identity_residual(bad, T=400, **{k: PARAMS[k] for k in ("beta", "D", "mu")})
        assert np.min(wrong) > 1e-6


def test_measure_matches_the_chain_kernel():
    kw = {k: PARAMS[k] for k in ("eta", "beta", "mu")}
    ours = lemma31_run(CHAIN, T=700, lam=CHAIN.lam, seed=9, trajectories=[3, 7], D=0.3, **kw)
    theirs = chain_omd_run(CHAIN, T=700, seed=9, trajectories=[3, 7], **kw)
    np.testing.assert_allclose(ours["measure_tau"], theirs["measure_tau"], rtol=1e-12)
    np.testing.assert_array_equal(ours["progress"], theirs["progress"])


def test_estimates_match_the_huber_kernel():
    well = huber_well(2, start=0.8)
    kw = {"eta": 0.2, "beta": 0.9, "mu": 0.1, "T": 300, "seed": 2, "trajectories": 4}
    ours = lemma31_run(well, D=0.1, lam=1.25, sigma=0.3, **kw)
    theirs = huber_omd_run(well, sigma=0.3, lam=1.25, conversion="uniform", **kw)
    np.testing.assert_allclose(ours["U_tau"], theirs["U_tau"], rtol=1e-11)
    np.testing.assert_allclose(ours["measure_tau"], theirs["lower_tau"], rtol=1e-11)


def test_the_descent_term_is_an_unbiased_stand_in_for_the_inner_products():
    """E sum_t <g_t, Delta_t> = E (F(x_T) - F(x_0)) (the uniform conversion's randomisation
    identity plus unbiased noise): the mean-zero part of rhs - measure, with or without the
    noise; the descent itself is far from zero, so the cancellation is seen."""

    def t_stat(v):
        return v.mean() / (v.std(ddof=1) / math.sqrt(v.size))

    run = lemma31_run(CHAIN, T=150, lam=CHAIN.lam, seed=11, trajectories=400, **PARAMS)
    assert abs(t_stat(run["inner"] + run["descent"])) < 4.0
    assert abs(t_stat(run["inner_true"] + run["descent"])) < 4.0
    assert t_stat(run["descent"]) > 10.0


def test_realized_terms_and_rule():
    run = lemma31_run(CHAIN, T=200, lam=CHAIN.lam, seed=3, trajectories=6, **PARAMS)
    terms = cl.realized_terms(
        run, sigma=CHAIN.sigma, T=200, **{k: PARAMS[k] for k in ("beta", "D", "mu")}
    )
    assert set(terms) == set(cl.TERMS)
    np.testing.assert_allclose(terms["mu_D"], PARAMS["mu"] * PARAMS["D"] / 2)
    rule = cl.RealizedBound(0.95)
    rhs = sum(terms.values())
    ok = rule.decide({"samples": rhs - 1.0, "lower": rhs - 1.0}, {"terms": terms})
    assert ok.verdict == "pass" and ok.numbers["mean_diff"] == pytest.approx(-1.0)
    bad = rule.decide({"samples": rhs + 1.0, "lower": rhs + 1.0}, {"terms": terms})
    assert bad.verdict == "fail"
    rng = np.random.default_rng(0)
    noisy = rhs + rng.normal(0.0, 1.0, rhs.size)
    mixed = rule.decide({"samples": noisy, "lower": noisy - 5.0}, {"terms": terms})
    assert mixed.verdict in ("pass", "inconclusive")
    nan = rule.decide({"samples": rhs * np.nan, "lower": rhs}, {"terms": terms})
    assert nan.verdict == "fail"
    with pytest.raises(ValueError, match="terms"):
        rule.decide({"samples": rhs, "lower": rhs}, {"D": 1.0})
    with pytest.raises(ValueError, match="samples"):
        rule.decide({"samples": rhs}, {"terms": terms})
    with pytest.raises(ValueError, match="level"):
        cl.RealizedBound(1.5)


def test_rule_false_fail_rate_at_equality():
    """At E[Q] = E[R] exactly the rule must fail at most ~5% of the time (one-sided 95%)."""
    rng = np.random.default_rng(12)
    rule = cl.RealizedBound(0.95)
    fails = 0
    reps = 400
    for _ in range(reps):
        r = rng.exponential(1.0, 12)
        q = r + rng.normal(0.0, 0.3, 12)
        fails += rule.decide({"samples": q, "lower": q}, {"terms": {"r": r}}).verdict == "fail"
    assert fails / reps < 0.08


def test_perturbations_change_only_their_terms():
    terms = {k: np.full(3, float(i + 1)) for i, k in enumerate(cl.TERMS)}
    pred = {"a": {"terms": terms, "D": 0.1}}
    dropped = cl._without("descent")(pred)["a"]["terms"]
    assert np.all(dropped["descent"] == 0) and np.all(dropped["mu_D"] == terms["mu_D"])
    mis = cl._misreading(pred)["a"]["terms"]
    np.testing.assert_allclose(mis["mu_D"], 0.1 * terms["mu_D"])
    assert np.all(mis["descent"] == terms["descent"])


def test_bad_input():
    with pytest.raises(TypeError, match="problem"):
        lemma31_run(object(), T=10, lam=1.0, **PARAMS)
    for key, value in (("beta", 1.0), ("eta", 0.0), ("mu", -1.0), ("D", 0.0)):
        with pytest.raises(ValueError, match=key):
            lemma31_run(CHAIN, T=10, lam=1.0, **{**PARAMS, key: value})
    with pytest.raises(ValueError, match="lam"):
        lemma31_run(CHAIN, T=10, lam=0.0, **PARAMS)
    with pytest.raises(ValueError, match="T"):
        lemma31_run(CHAIN, T=0, lam=1.0, **PARAMS)
    with pytest.raises(ValueError, match="sigma"):
        lemma31_run(huber_well(1), T=10, lam=1.0, sigma=-1.0, **PARAMS)
    assert len(OUTPUTS) == len(set(OUTPUTS))


def test_claim_quick_passes_and_detects_a_2x_optimistic_lemma():
    result = run_claim(cl.CLAIMS[0], profile="quick", seed=0)
    assert result.verdict == "pass", (result.measured, result.message)
    assert result.control["fired"]
    assert not result.weak
    by_name = {e["perturbation"]: e for e in result.sensitivity}
    assert by_name["prediction x 0.5"]["detected"]
    rows = result.values["rows"]
    steady = [r for r in rows if r["kind"] == "steady"]
    assert steady and all(r["tightness"] > 0.5 for r in steady)
    assert result.values["identity_residual_max"] < cl.IDENTITY_TOLERANCE
    for r in rows:  # the slack parts add up to rhs - U (exact identity, means)
        parts = r["slack_mean"]
        total = parts["spread_payment"] + parts["noise_slack"] + parts["martingale"]
        assert r["rhs_mean"] - r["U_mean"] == pytest.approx(total, rel=1e-8, abs=1e-10)
        assert r["mu"] >= r["mu_required"]
