"""Goldstein stationarity: the exact measure (QP and closed form), the derived T, the windowed
O2NC kernel and the claim O2NC-GOLDSTEIN (theory/o2nc_goldstein.py, docs/theory §2, §4)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.analysis.goldstein import goldstein_check, start_measure
from adamtheory.kernels.o2nc_goldstein import _noise, goldstein_o2nc_run
from adamtheory.kernels.sampling import trajectory_keys
from adamtheory.problems.o2nc_goldstein import (
    ConicFunnel,
    goldstein_measure,
    min_norm_in_hull,
    piece_distances,
    tilted_valley,
)
from adamtheory.theory import o2nc_goldstein as th

# ----------------------------------------------------------------------------- brute force


def _affine_projection(P: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Barycentric weights of the projection of 0 onto aff(P) (KKT system), or None."""
    m = P.shape[0]
    M = np.zeros((m + 1, m + 1))
    M[:m, :m] = P @ P.T
    M[:m, m] = 1.0
    M[m, :m] = 1.0
    rhs = np.zeros(m + 1)
    rhs[m] = 1.0
    try:
        sol = np.linalg.solve(M, rhs)
    except np.linalg.LinAlgError:
        return None
    return sol[:m], P.T @ sol[:m]


def brute_min_norm(P: np.ndarray) -> float:
    """Min-norm point of conv(P) by enumerating faces: the least norm over every subset whose
    affine projection of 0 has non-negative weights (the minimiser is one of them)."""
    best = math.inf
    for r in range(1, P.shape[0] + 1):
        for S in itertools.combinations(range(P.shape[0]), r):
            got = _affine_projection(P[list(S)])
            if got is not None and np.all(got[0] >= -1e-13):
                best = min(best, float(np.linalg.norm(got[1])))
    return best


def brute_distance(C: np.ndarray, h: np.ndarray, x: np.ndarray) -> float:
    """dist(x, {y : C y >= h}) by enumerating active sets of size <= d (exact)."""
    if np.all(C @ x >= h - 1e-12):
        return 0.0
    d = x.size
    best = math.inf
    for r in range(1, d + 1):
        for S in itertools.combinations(range(C.shape[0]), r):
            Cs, hs = C[list(S)], h[list(S)]
            try:
                lam = np.linalg.solve(Cs @ Cs.T, hs - Cs @ x)
            except np.linalg.LinAlgError:
                continue
            y = x + Cs.T @ lam
            if np.all(C @ y >= h - 1e-10):
                best = min(best, float(np.linalg.norm(y - x)))
    return best


def random_funnel(rng: np.random.Generator, m: int) -> ConicFunnel:
    angles = np.sort(rng.uniform(0, 2 * np.pi, m))
    while np.max(np.diff(np.r_[angles, angles[0] + 2 * np.pi])) >= np.pi * 0.9:
        angles = np.sort(rng.uniform(0, 2 * np.pi, m))
    # points on an ellipse are in strictly convex position; 0 inside (gaps < pi)
    a, b = rng.uniform(0.5, 2.0, 2)
    slopes = tuple((a * math.cos(t), b * math.sin(t)) for t in angles)
    return ConicFunnel(slopes, tuple(rng.normal(size=2)), (3.0, 1.0))


# ----------------------------------------------------------------------------- the QPs


def test_min_norm_in_hull_matches_face_enumeration():
    rng = np.random.default_rng(0)
    for _ in range(60):
        m, d = rng.integers(1, 6), rng.integers(1, 4)
        P = rng.normal(size=(m, d)) + rng.normal(size=d) * rng.uniform(0, 2)
        norm, lam = min_norm_in_hull(P)
        assert norm == pytest.approx(brute_min_norm(P), abs=1e-10)
        assert np.all(lam >= 0) and lam.sum() == pytest.approx(1.0, abs=1e-14)
        assert float(np.linalg.norm(P.T @ lam)) == pytest.approx(norm, abs=1e-14)


def test_min_norm_closed_forms():
    # a segment: projection of 0 onto [p, q]; 0 inside a triangle: 0
    p, q = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    t = np.clip(-(p @ (q - p)) / ((q - p) @ (q - p)), 0, 1)
    assert min_norm_in_hull([p, q])[0] == pytest.approx(np.linalg.norm(p + t * (q - p)), abs=1e-12)
    assert min_norm_in_hull([[1, 0], [-1, 1], [-1, -1]])[0] == pytest.approx(0.0, abs=1e-12)
    assert min_norm_in_hull([[2.0, 0.0]])[0] == pytest.approx(2.0, abs=1e-15)


def test_piece_distances_match_active_set_enumeration():
    rng = np.random.default_rng(1)
    for _ in range(30):
        m, d = rng.integers(2, 6), rng.integers(1, 4)
        A, b, x = rng.normal(size=(m, d)), rng.normal(size=m), rng.normal(size=d) * 2
        got = piece_distances(A, b, x)
        for i in range(m):
            others = np.arange(m) != i
            C = A[i] - A[others]
            want = brute_distance(C, b[others] - b[i], x)
            if math.isinf(want):
                assert math.isinf(got[i])
            else:
                assert got[i] == pytest.approx(want, abs=1e-10)


def test_conic_closed_form_matches_nnls_route():
    rng = np.random.default_rng(2)
    for problem in [tilted_valley(), tilted_valley(slope=0.05)] + [
        random_funnel(rng, m) for m in (3, 4, 5, 7)
    ]:
        X = problem.apex + rng.normal(size=(40, 2)) * rng.uniform(0.1, 3)
        dist = problem.sector_distances(X)
        for delta in (0.0, 0.05, 0.3, 1.0, 5.0):
            fast = problem.goldstein_norm(X, delta)
            for x, f, dx in zip(X, fast, dist, strict=True):
                assert dx == pytest.approx(piece_distances(problem.A, problem.b, x), abs=1e-10)
                assert f == pytest.approx(
                    goldstein_measure(problem.A, problem.b, x, delta), abs=1e-10
                )


def test_measure_monotone_in_delta_and_limits():
    p = tilted_valley(slope=0.2)
    X = np.random.default_rng(3).normal(size=(200, 2)) * 3
    deltas = np.linspace(0.0, 10.0, 21)
    M = np.stack([p.goldstein_norm(X, d) for d in deltas])
    assert np.all(np.diff(M, axis=0) <= 1e-15)  # a bigger ball, a bigger hull
    # delta = 0: the norm of the subdifferential's min-norm element (a_i off the kinks)
    assert np.allclose(M[0], np.linalg.norm(p.grad(X), axis=1))
    assert np.all(M[-1][np.linalg.norm(X, axis=1) <= 10.0] == 0.0)  # the apex is in the ball
    # in the valley the measure is the valley's slope (the hull of (+-1, s))
    v = np.array([[0.0, 3.0], [0.05, 2.0]])
    assert np.allclose(p.goldstein_norm(v, 0.1), 0.2, atol=1e-15)


def test_oracle_integrates_along_segments():
    """F(x + D) - F(x) = int_0^1 <grad F(x + sD), D> ds exactly (the uniform conversion's
    identity, docs/theory §1.5), integrating piece by piece between the exact kinks."""
    rng = np.random.default_rng(4)
    p = random_funnel(rng, 5)
    A = p.A
    for _ in range(50):
        x, step = rng.normal(size=2) * 2, rng.normal(size=2) * 3
        z = x - np.asarray(p.apex)
        # piece values along the segment: (A z) + s (A step); kinks where two lines cross
        u, v = A @ z, A @ step
        cuts = [0.0, 1.0]
        for i, j in itertools.combinations(range(A.shape[0]), 2):
            if v[i] != v[j]:
                s = (u[j] - u[i]) / (v[i] - v[j])
                if 0 < s < 1:
                    cuts.append(s)
        cuts = np.sort(cuts)
        mids = (cuts[:-1] + cuts[1:]) / 2
        g = p.grad(x[None] + mids[:, None] * step[None])
        integral = float(np.sum(np.diff(cuts) * (g @ step)))
        diff = float(p.value((x + step)[None])[0] - p.value(x[None])[0])
        assert integral == pytest.approx(diff, rel=1e-12, abs=1e-12)


def test_tilted_valley_constants():
    p = tilted_valley(slope=0.15, x0=(1.0, 4.0))
    c = p.o2nc_constants
    assert c.G == pytest.approx(math.sqrt(1 + 0.15**2), rel=1e-15)
    assert c.delta_F == pytest.approx(1.0 + 0.15 * 4.0, rel=1e-15)
    assert c.f_star == 0.0 and p.value(np.zeros((1, 2)))[0] == 0.0
    X = np.random.default_rng(5).normal(size=(500, 2)) * 5
    assert np.all(p.value(X) >= 0)
    assert np.max(np.linalg.norm(p.grad(X), axis=1)) <= c.G + 1e-15
    assert start_measure(p, 0.1) == pytest.approx(c.G, rel=1e-15)  # certified start


# ----------------------------------------------------------------------------- theory


def test_derived_split_and_rate():
    split = th.optimal_split()
    assert split["share"] == sp.Rational(2, 3)
    s = th.goldstein_symbols()
    c = sp.sqrt(s["G"] ** 2 + s["sigma"] ** 2) + s["sigma"]
    want = sp.Rational(27, 4) * c**2 * s["Delta_F"] / (s["delta"] * s["epsilon"] ** 3)
    assert sp.simplify(th.steps_expression() - want) == 0
    # at the split the two terms of B are eps/3 and 2 eps/3
    B = th.bound_expression().subs({s["T"]: split["T"], s["K"]: split["K"]})
    assert sp.simplify(B - s["epsilon"]) == 0
    # CMO23's rate (its lower bound's exponents): eps^-3, delta^-1
    assert th.rate_exponents() == {"epsilon": -3, "delta": -1}


def test_parameters_satisfy_the_bound_minimally():
    for eps, delta, G, sigma, dF in [(0.4, 0.1, 1.01, 0.5, 1.6), (0.05, 0.01, 2.0, 0.0, 3.0)]:
        q = th.goldstein_parameters(eps, delta, G, sigma, dF)
        c = math.sqrt(G * G + sigma * sigma) + sigma
        assert q.T == math.ceil(9 * c * c / (4 * eps * eps))
        assert q.bound <= eps
        assert th.bound_value(q.T, q.K - 1, delta, G, sigma, dF) > eps if q.K > 1 else True
        assert q.D * q.T == pytest.approx(delta, rel=1e-15)
        assert q.N == q.T * q.K and q.N >= 0.99 * q.N_continuous


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"epsilon": 0.0}, "epsilon"),
        ({"epsilon": -1.0}, "epsilon"),
        ({"delta": 0.0}, "delta"),
        ({"delta": -0.1}, "delta"),
        ({"G": 0.0}, "G"),
        ({"sigma": -0.5}, "sigma"),
        ({"delta_F": 0.0}, "delta_F"),
        ({"epsilon": math.nan}, "epsilon"),
    ],
)
def test_parameters_reject_bad_input(kwargs, name):
    args = {"epsilon": 0.4, "delta": 0.1, "G": 1.0, "sigma": 0.5, "delta_F": 1.0} | kwargs
    with pytest.raises(ValueError, match=rf"^{name} must be .*\(0, inf\)|^{name} must be .*\[0"):
        th.goldstein_parameters(**args)


# ----------------------------------------------------------------------------- kernel


def test_window_radius_within_delta_and_chunking_invariance():
    p = tilted_valley(slope=0.15, x0=(1.0, 4.0))
    q = th.goldstein_parameters(0.4, 0.1, p.G, 0.5, p.o2nc_constants.delta_F)
    kw = {"D": q.D, "eta": q.eta, "T": q.T, "K": 12, "sigma": 0.5, "seed": 7}
    full = goldstein_o2nc_run(p, trajectory_ids=np.arange(4), **kw)
    part = goldstein_o2nc_run(p, trajectory_ids=np.array([2, 3]), **kw)
    assert np.array_equal(full["xbar"][2:], part["xbar"])
    assert np.max(full["radius"]) <= q.delta  # all queries of a window in B(xbar_k, delta)
    # the Goldstein measure is below the proof's route quantity ||gbar_k||
    B = full["xbar"].shape[0]
    exact = p.goldstein_norm(full["xbar"].reshape(-1, 2), q.delta).reshape(B, -1)
    assert np.all(exact <= full["gbar_norm"] + 1e-12)


@pytest.mark.parametrize("kind", ["gaussian", "rademacher"])
def test_noise_has_the_stated_level(kind):
    keys = trajectory_keys(0, np.arange(400))
    xi = _noise(keys, np.arange(50), 3, 0.7, kind)  # 20000 draws of a 3-vector
    sq = np.sum(xi * xi, axis=2).ravel()
    half = 3.5 * sq.std() / math.sqrt(sq.size)
    assert abs(sq.mean() - 0.49) <= half + 1e-12  # Rademacher: exactly sigma² each draw
    assert np.all(np.abs(xi.mean(axis=(0, 1))) <= 3.5 * xi.std(axis=(0, 1)) / math.sqrt(20000))


def test_kernel_rejects_bad_input():
    p = tilted_valley()
    with pytest.raises(ValueError, match="^D must be"):
        goldstein_o2nc_run(p, D=0.0, eta=0.1, T=2, K=2)
    with pytest.raises(ValueError, match="^noise must be one of"):
        goldstein_o2nc_run(p, D=0.1, eta=0.1, T=2, K=2, noise="cauchy")


# ----------------------------------------------------------------------------- analysis


def test_check_refuses_a_start_that_meets_the_target():
    p = tilted_valley(slope=0.15, x0=(1.0, 4.0))
    with pytest.raises(ValueError, match="start already meets the target") as info:
        goldstein_check(p, epsilon=1.2, delta=0.1, sigma=0.5)
    assert "\n" not in str(info.value)
    near = tilted_valley(slope=0.15, x0=(0.05, 4.0))  # the valley is within delta: measure 0.15
    with pytest.raises(ValueError, match="start already meets"):
        goldstein_check(near, epsilon=0.2, delta=0.1, sigma=0.5)


def test_check_rejects_bad_input():
    p = tilted_valley()
    with pytest.raises(ValueError, match="^delta must be"):
        goldstein_check(p, epsilon=0.4, delta=0.0, sigma=0.5)
    with pytest.raises(ValueError, match="^epsilon must be"):
        goldstein_check(p, epsilon=-0.4, delta=0.1, sigma=0.5)

    class NoConstants:
        dim, x0 = 2, (1.0, 1.0)

        def grad(self, x):
            return np.sign(x)

    with pytest.raises(ValueError, match="o2nc_constants with G"):
        goldstein_check(NoConstants(), epsilon=0.4, delta=0.1, sigma=0.5)


def test_funnel_rejects_bad_slopes():
    with pytest.raises(ValueError, match="counter-clockwise"):
        ConicFunnel(((1.0, 0.0), (0.0, -1.0), (-1.0, 1.0)), (0, 0), (1, 1))  # clockwise
    with pytest.raises(ValueError, match="contain 0"):
        ConicFunnel(((1.0, 1.0), (2.0, 1.0), (1.0, 2.0)), (0, 0), (1, 1))
    with pytest.raises(ValueError, match="^slope must be"):
        tilted_valley(slope=0.0)


# ----------------------------------------------------------------------------- the claim


def test_claim_passes_and_detects_its_perturbations():
    from adamtheory.claims.base import run_claim
    from adamtheory.claims.o2nc_goldstein import CLAIMS

    result = run_claim(CLAIMS[0], profile="quick", seed=0)
    assert result.verdict == "pass"
    detected = {e["perturbation"]: e["detected"] for e in result.sensitivity}
    assert detected["K cut by 100"] and detected["prediction x 0.5"]
    row = result.values["rows"][0]
    for key in ("bound", "measured_mean", "measured_upper", "start_lower_estimate", "tightness"):
        assert math.isfinite(row[key])
    assert row["start_lower_estimate"] > row["bound"]
    assert row["measured_mean"] <= row["upper_route_mean"]
