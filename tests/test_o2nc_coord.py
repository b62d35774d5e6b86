"""COORD: the derived l1 comparison of coordinate-wise and global clipped Adam (docs/theory §4),
its instances, its kernel and its claim."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from adamtheory.problems.o2nc_coords import (
    CoordinateInstance,
    coordinate_instance,
    coordinate_scale,
    flat_scales,
    spiky_scales,
)
from adamtheory.theory import o2nc_coord, o2nc_params

# ----------------------------------------------------------------------------- theory


def test_advantage_is_d_three_halves_times_norm_and_curvature_factors():
    d, g1, g2, s1, s2, h1, hm = sp.symbols("d G_1 G_2 sigma_1 sigma_2 H_1 H_max", positive=True)
    typed = d ** sp.Rational(3, 2) * ((g2 + s2) / (g1 + s1)) ** 2 * sp.sqrt(hm / h1)
    assert sp.simplify(o2nc_coord.advantage_expression() - typed) == 0
    heuristic = d * ((g2 + s2) / (g1 + s1)) ** 2
    assert sp.simplify(o2nc_coord.heuristic_advantage_expression() - heuristic) == 0


def test_schedule_makes_each_term_a_third_of_epsilon():
    sched = o2nc_coord.schedule_expressions()
    eps, lam, A, c1, dF, C = sp.symbols("epsilon Lambda A c_1 Delta_F C", positive=True)
    beta, D, T = sp.symbols("beta D T", positive=True)
    subs = {beta: 1 - sched["one_minus_beta"], D: sched["D"], T: sched["T"]}
    terms = sp.Add.make_args(o2nc_coord.bound_expression())
    assert len(terms) == 3
    for term in terms:
        assert sp.simplify(term.subs(subs) - eps / 3) == 0
    # T's exponents: the O2NC rate eps^-7/2 with A^2 Lambda^1/2 Delta_F
    T_expr = sched["T"]
    assert sp.simplify(T_expr / (A**2 * sp.sqrt(lam) * dF * eps ** sp.Rational(-7, 2))) == (
        27 * sp.sqrt(3) * C**2 * c1**3
    )


@pytest.mark.parametrize("d", [1, 7, 100])
def test_flat_constants_give_no_advantage(d):
    a = flat_scales(d)
    assert o2nc_coord.advantage(a, [0.3 * v for v in a]) == pytest.approx(1.0, rel=1e-12)


def test_advantage_against_heuristic_and_old_helper():
    rng = np.random.default_rng(3)
    g, s, h = rng.uniform(0.01, 1, 9), rng.uniform(0, 1, 9), rng.uniform(0.01, 1, 9)
    ratio = o2nc_coord.advantage(g, s, h) / o2nc_coord.heuristic_advantage(g, s, h)
    assert ratio == pytest.approx(math.sqrt(9 * h.max() / h.sum()), rel=1e-12)
    # the heuristic is o2nc_params.coordinate_advantage (docs/theory §4's d factor)
    assert o2nc_coord.heuristic_advantage(g, s) == pytest.approx(
        o2nc_params.coordinate_advantage(g, s), rel=1e-12
    )
    # one spike among d: ||G||_2 = ||G||_1, so R = d^{3/2} sqrt(H_max/H_1) = d^{3/2}
    assert o2nc_coord.advantage([0, 0, 2.0, 0], H_coords=[0, 0, 2.0, 0]) == pytest.approx(8.0)


def test_arm_schedule_numbers_match_the_closed_form():
    a = np.asarray(spiky_scales(16, kind="power", power=1.0))
    s = 0.5 * a
    eps, dF, C = 0.3, 2.0, 0.5
    co = o2nc_coord.arm_schedule("coordinate", eps, dF, a, s, C=C)
    gl = o2nc_coord.arm_schedule("global", eps, dF, a, s, C=C)
    A1, A2 = a.sum() + s.sum(), math.hypot(*a) * 1.5
    assert 1 - co.beta == pytest.approx(eps**2 / (9 * C**2 * A1**2), rel=1e-12)
    assert 1 - gl.beta == pytest.approx(eps**2 / (9 * C**2 * 16 * A2**2), rel=1e-12)
    assert co.D == pytest.approx((1 - co.beta) * math.sqrt(eps / (3 * a.sum() / 2)), rel=1e-12)
    assert gl.D == pytest.approx((1 - gl.beta) * math.sqrt(eps / (3 * a.max() / 2)), rel=1e-12)
    assert gl.T / co.T == pytest.approx(o2nc_coord.advantage(a, s), rel=1e-12)
    assert o2nc_coord.advantage_slope([1, 10], [2.0, 20.0]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: o2nc_coord.arm_schedule("both", 0.1, 1.0, [1.0]), ValueError, "arm"),
        (lambda: o2nc_coord.arm_schedule("global", 0.0, 1.0, [1.0]), ValueError, "epsilon"),
        (lambda: o2nc_coord.arm_schedule("global", 10.0, 1.0, [1.0]), ValueError, "epsilon"),
        (lambda: o2nc_coord.arm_schedule("global", 0.1, -1.0, [1.0]), ValueError, "delta_F"),
        (lambda: o2nc_coord.advantage([]), ValueError, "G_coords"),
        (lambda: o2nc_coord.advantage([1.0, -1.0]), ValueError, "G_coords"),
        (lambda: o2nc_coord.advantage([1.0], [1.0, 2.0]), ValueError, "sigma_coords"),
        (lambda: o2nc_coord.advantage([1.0], H_coords=[0.0]), ValueError, "H_coords"),
        (lambda: o2nc_coord.advantage_slope([1, 1], [1, 2]), ValueError, "dims"),
    ],
)
def test_theory_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- instances


def test_instance_constants_and_certified_start():
    inst = coordinate_instance(8, kind="spiky", noise_ratio=0.5)
    a = np.asarray(spiky_scales(8, kind="power", power=1.0))
    assert inst.G_coords == inst.H_coords == tuple(a)
    assert np.allclose(inst.sigma_coords, 0.5 * a, rtol=1e-15)
    assert inst.delta_F == pytest.approx(float(np.sum(a * (1 - np.cos(2.0)))), rel=1e-14)
    assert inst.start_l1 == pytest.approx(float(np.sum(a) * math.sin(2.0)), rel=1e-14)
    assert inst.certify(0.5 * inst.start_l1) == 0.5 * inst.start_l1
    with pytest.raises(ValueError, match="target"):
        inst.certify(inst.start_l1)
    flat = coordinate_instance(8, kind="flat", noise_ratio=0.0)
    assert flat.sigma_coords == (0.0,) * 8
    iso = coordinate_instance(8, noise="isotropic", noise_ratio=2.0)
    assert np.allclose(iso.sigma_coords, 2.0 / math.sqrt(8), rtol=1e-15)
    assert float(np.linalg.norm(iso.sigma_coords)) == pytest.approx(2.0, rel=1e-14)


def test_proportional_noise_keeps_and_isotropic_noise_shrinks_the_advantage():
    a = np.asarray(spiky_scales(64, kind="power", power=1.0))
    noiseless = o2nc_coord.advantage(a)
    assert o2nc_coord.advantage(a, 3.0 * a) == pytest.approx(noiseless, rel=1e-12)
    iso = np.full(64, 1.0 / 8.0)
    assert 1.0 < o2nc_coord.advantage(a, iso) < 0.5 * noiseless


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: coordinate_instance(0), ValueError, "dim"),
        (lambda: coordinate_instance(3, kind="wavy"), ValueError, "kind"),
        (lambda: coordinate_instance(3, noise="pink"), ValueError, "noise"),
        (lambda: coordinate_instance(3, noise_ratio=-1.0), ValueError, "noise_ratio"),
        (lambda: coordinate_instance(3, x0=4.0), ValueError, "x0"),
        (lambda: CoordinateInstance("f", (1.0,)), TypeError, "problem"),
        (lambda: CoordinateInstance(coordinate_scale([1.0]), (1.0, 2.0)), ValueError, "sigma"),
    ],
)
def test_instance_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- kernel


@pytest.mark.parametrize("coordinatewise", [True, False])
def test_kernel_hits_equal_the_numpy_reference(coordinatewise):
    from adamtheory.kernels.o2nc_coord import reference_run, steps_to_target

    inst = coordinate_instance(5, kind="spiky", noise_ratio=0.5)
    kw = {"D": 0.02, "beta": 0.9, "coordinatewise": coordinatewise, "seed": 7}
    trace = reference_run(inst.problem, inst.sigma_coords, T=400, trajectories=4, **kw)
    target = float(np.quantile(trace[-1], 0.5)) * 1.3  # reached inside the window
    below = trace <= target
    want = np.where(below.any(axis=0), below.argmax(axis=0) + 1, 401)
    hits, final = steps_to_target(
        inst.problem, inst.sigma_coords, T_max=400, target=target, trajectories=4, **kw
    )
    assert np.array_equal(hits, want) and np.any(hits <= 400)
    got = trace[np.minimum(hits, 400) - 1, np.arange(4)]
    assert np.allclose(final, got, rtol=1e-12, atol=0)


def test_kernel_chunks_equal_the_batch():
    from adamtheory.kernels.o2nc_coord import steps_to_target

    inst = coordinate_instance(6, kind="spiky", noise_ratio=1.0)
    kw = {"D": 0.01, "beta": 0.95, "coordinatewise": False, "T_max": 3000, "target": 0.3}
    full, _ = steps_to_target(inst.problem, inst.sigma_coords, trajectories=6, **kw)
    part, _ = steps_to_target(inst.problem, inst.sigma_coords, trajectories=[2, 5], **kw)
    assert np.array_equal(part, full[[2, 5]])


@pytest.mark.parametrize(
    ("kw", "exc", "match"),
    [
        ({"problem": "F"}, TypeError, "problem"),
        ({"sigma": (1.0,)}, ValueError, "sigma"),
        ({"beta": 1.0}, ValueError, "beta"),
        ({"D": 0.0}, ValueError, "D"),
        ({"T_max": 0}, ValueError, "T_max"),
        ({"target": -1.0}, ValueError, "target"),
    ],
)
def test_kernel_bad_input(kw, exc, match):
    from adamtheory.kernels.o2nc_coord import steps_to_target

    inst = coordinate_instance(2)
    args = {"problem": inst.problem, "sigma": inst.sigma_coords} | {
        k: v for k, v in kw.items() if k in ("problem", "sigma")
    }
    opts = {"D": 0.1, "beta": 0.9, "coordinatewise": True, "T_max": 5, "target": 0.1}
    opts |= {k: v for k, v in kw.items() if k not in ("problem", "sigma")}
    with pytest.raises(exc, match=match):
        steps_to_target(args["problem"], args["sigma"], **opts)


# ----------------------------------------------------------------------------- claim


def test_claim_declares_power():
    from adamtheory.claims.o2nc_coord import CLAIMS

    (claim,) = CLAIMS
    assert claim.id == "COORD" and len(claim.sensitivity) >= 3
    assert sum(p.control for p in claim.sensitivity) == 1


@pytest.mark.slow
def test_claim_quick_passes_and_detects_every_perturbation():
    from adamtheory.claims.base import run_claim
    from adamtheory.claims.o2nc_coord import CLAIMS

    res = run_claim(CLAIMS[0], profile="quick", seed=0).to_json()
    assert res["verdict"] == "pass", res["measured"]
    required = [s for s in res["sensitivity"] if s["required"]]
    assert len(required) >= 5 and all(s["detected"] for s in required), res["sensitivity"]
    values = res["values"]
    assert values["censored"] == 0
    lo, hi = values["measured_slope_interval"]
    # the prediction, not the heuristic, is what the measurement tracks
    assert abs(values["measured_slope"] - values["predicted_slope"]) < values["tolerance"]
    assert lo > values["heuristic_slope"] + values["tolerance"]
    iso = values["fits"]["isotropic"]
    # isotropic noise shrinks the advantage's growth, as R predicts (not the noise-free slope)
    assert abs(iso["measured_slope"] - iso["predicted_slope"]) < values["tolerance"]
    assert iso["measured_slope_interval"][1] < values["predicted_slope"] - values["tolerance"]
    for row in values["rows"].values():
        assert row["epsilon"] < row["start_l1"]  # certified: the start does not meet eps
