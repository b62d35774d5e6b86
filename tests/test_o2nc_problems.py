"""O2NC test problems: exact derivatives, constants that hold and are (nearly) attained, noise."""

import importlib.util
import json
import math

import numpy as np
import pytest

from adamtheory._arrays import array_namespace
from adamtheory.problems import (
    GaussianNoise,
    LogCoshValley,
    O2NCConstants,
    absolute_value,
    coordinate_gain,
    coordinate_scale,
    cosine_landscape,
    diagonal_quadratic,
    double_well,
    double_well_shape_constants,
    flat_scales,
    isotropic_noise,
    log_cosh_valley,
    smoothed_cone,
    spiky_scales,
)

# Rounding slack for "does not exceed": a few ulps of the quantities compared, never a model error.
RTOL = 1e-10


def _cases():
    return {
        "quadratic": diagonal_quadratic(
            [0.5, 2.0, 3.0], centre=[0.1, -0.2, 0.3], x0=[1.0, -1.0, 2.0], radius=1.5
        ),
        "double_well": double_well(3, bump=2.0, width=0.7),
        "double_well_shallow": double_well(2, bump=1.5, width=1.3),
        "cone": smoothed_cone(3, 0.3, centre=[0.2, -0.1, 0.4]),
        "valley": log_cosh_valley(3, valley_width=4.0, amplitudes=[1.0, 2.0, 0.5], seed=1),
        "coordinate_spiky": coordinate_scale(spiky_scales(3, kind="power")),
        "cosine": cosine_landscape([0.5, 2.0, 3.0]),
    }


CASES = _cases()
SMOOTH = sorted(CASES)


def _centre(p):
    c = p.o2nc_constants
    return np.asarray(c.x_star if c.x_star is not None else np.zeros(p.dim))


def _sample(p, n, seed):
    """Points where every stated supremum is approached: multi-scale shells around x*, plus a
    uniform box (or the quadratic's region, where G is a sup over the box)."""
    rng = np.random.default_rng(seed)
    c = p.o2nc_constants
    if c.region_radius is not None:
        x0 = np.asarray(p.x0)
        return x0 + rng.uniform(-c.region_radius, c.region_radius, size=(n, p.dim))
    scale = 60.0
    v = rng.standard_normal((n, p.dim))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    r = scale * 10.0 ** rng.uniform(-4, 0, size=(n, 1))
    shells = _centre(p) + r * v
    box = _centre(p) + rng.uniform(-scale, scale, size=(n, p.dim))
    return np.concatenate([shells, box])


def _fd_grad(fn, x, h):
    out = np.empty_like(x)
    for k in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[k] = h
        out[:, k] = (fn(x + e) - fn(x - e)) / (2 * h)
    return out


def _fd_hess(grad, x, h):
    out = np.empty(x.shape + (x.shape[1],))
    for k in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[k] = h
        out[:, :, k] = (grad(x + e) - grad(x - e)) / (2 * h)
    return out


def _opnorm(m):
    return np.abs(np.linalg.eigvalsh(m)).max(axis=-1)


@pytest.mark.parametrize("key", SMOOTH)
def test_gradient_and_hessian_match_finite_differences(key):
    p = CASES[key]
    x = _centre(p) + np.random.default_rng(0).normal(size=(64, p.dim))
    np.testing.assert_allclose(p.grad(x), _fd_grad(p.value, x, 1e-6), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(p.hessian(x), _fd_hess(p.grad, x, 1e-6), rtol=1e-7, atol=1e-7)
    assert p.value(x).shape == (64,) and p.grad(x).shape == (64, p.dim)


@pytest.mark.parametrize("key", SMOOTH)
def test_gradient_bounds_hold_and_are_nearly_attained(key):
    p = CASES[key]
    c = p.o2nc_constants
    x = _sample(p, 20000, 1)
    g = p.grad(x)
    norms = np.linalg.norm(g, axis=1)
    assert norms.max() <= c.G * (1 + RTOL)
    assert norms.max() >= 0.97 * c.G
    gc = np.asarray(c.G_coords)
    assert np.all(np.abs(g).max(axis=0) <= gc * (1 + RTOL))
    np.testing.assert_array_less(0.97 * gc, np.abs(g).max(axis=0))
    assert c.G <= np.linalg.norm(gc) * (1 + RTOL)


@pytest.mark.parametrize("key", SMOOTH)
def test_smoothness_and_hessian_lipschitz_hold_and_are_nearly_attained(key):
    p = CASES[key]
    c = p.o2nc_constants
    assert c.smooth
    x = _sample(p, 20000, 2)
    hx = p.hessian(x)
    ops = _opnorm(hx)
    assert ops.max() <= c.L * (1 + RTOL) and ops.max() >= 0.97 * c.L
    rng = np.random.default_rng(3)
    v = rng.standard_normal(x.shape)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    # short steps probe sup ||D^3 F|| (attainment); long ones the global Lipschitz inequality
    for step in (1e-4, 1.0, 30.0):
        ratio = _opnorm(p.hessian(x + step * v) - hx) / step
        assert ratio.max() <= c.H * (1 + 1e-7) + 1e-9
        if step == 1e-4 and c.H > 0:
            assert ratio.max() >= 0.97 * c.H


@pytest.mark.parametrize("key", SMOOTH)
def test_minimum_value_and_delta_f(key):
    p = CASES[key]
    c = p.o2nc_constants
    xs = np.asarray([c.x_star])
    assert p.value(xs)[0] == pytest.approx(c.f_star, abs=1e-14)
    np.testing.assert_allclose(p.grad(xs), 0.0, atol=1e-15)
    assert p.value(_sample(p, 5000, 4)).min() >= c.f_star - 1e-12
    assert c.delta_F == pytest.approx(p.value(np.asarray([p.x0]))[0] - c.f_star, rel=1e-14)
    assert c.delta_F > 0 and isinstance(c, O2NCConstants)


def test_quadratic_region_is_needed_and_checked():
    p = CASES["quadratic"]
    c = p.o2nc_constants
    assert c.region_radius == 1.5 and c.H == 0.0
    x0, r, h = np.asarray(p.x0), c.region_radius, np.asarray(p.curvatures)
    # the vertex away from the centre attains G exactly
    far = x0 + r * np.sign(x0 - np.asarray(p.centre))
    assert np.linalg.norm(p.grad(far[None])) == pytest.approx(c.G, rel=1e-14)
    outside = far + 0.1
    assert not p.in_region(outside[None])[0] and p.in_region(far[None])[0]
    assert np.linalg.norm(p.grad(outside[None])) > c.G  # G only holds in the box
    # the (lambda, eps) measure is exact for quadratics because the Hessian is constant
    np.testing.assert_allclose(p.hessian(np.zeros((2, 3))), np.broadcast_to(np.diag(h), (2, 3, 3)))


def test_double_well_shape_constants_against_a_dense_grid():
    from scipy.optimize import minimize_scalar

    def refined_max(fn, u):
        # dense grid, then bounded refinement around the best grid point
        k = int(np.argmax(fn(u)))
        lo, hi = u[max(k - 1, 0)], u[min(k + 1, u.size - 1)]
        res = minimize_scalar(
            lambda t: -fn(np.asarray(t)),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-12},
        )
        return max(-res.fun, fn(u).max())

    u = np.linspace(0, 20, 200001)
    for bump in (1.1, 1.5, 2.0):
        l1, h1 = double_well_shape_constants(bump)

        def d2(t, a=bump):
            s = 1 / np.cosh(t)
            return np.abs(s * s + a * s - 2 * a * s**3)

        def d3(t, a=bump):
            s = 1 / np.cosh(t)
            return s * np.sqrt(1 - s * s) * np.abs(2 * s + a - 6 * a * s * s)

        assert refined_max(d2, u) == pytest.approx(l1, rel=1e-12)
        assert refined_max(d3, u) == pytest.approx(h1, rel=1e-12)
    assert double_well_shape_constants(2.0)[0] == pytest.approx(1.0, rel=1e-15)
    p = double_well(1, bump=2.0)
    assert p.value(np.zeros((1, 1)))[0] == pytest.approx(1 - math.log(2.0), rel=1e-14)


def test_cone_constants_are_the_derived_closed_forms():
    rho = 0.3
    p = CASES["cone"]
    c = p.o2nc_constants
    assert c.L == pytest.approx(1 / rho) and c.G == 1.0
    assert c.H == pytest.approx(48 * math.sqrt(5) / (125 * rho**2), rel=1e-15)
    # attained at ||y|| = rho/2 along the radius (third derivative of the 1-D profile)
    e = np.zeros(3)
    e[0] = 1.0
    y = np.asarray(p.centre) + 0.5 * rho * e
    t = 1e-5
    third = (p.hessian((y + t * e)[None]) - p.hessian((y - t * e)[None]))[0] / (2 * t)
    assert np.abs(np.linalg.eigvalsh(third)).max() == pytest.approx(c.H, rel=1e-6)
    # value keeps relative accuracy far below rho
    assert p.value(np.asarray([p.centre]) + 1e-9)[0] == pytest.approx(3e-18 / (2 * rho), rel=1e-6)


def test_valley_is_non_separable_with_coordinate_sups_from_the_rotation():
    p = CASES["valley"]
    q = np.asarray(p.rotation)
    assert (
        np.abs(
            p.hessian(np.zeros((1, 3)))[0] - np.diag(np.diag(p.hessian(np.zeros((1, 3)))[0]))
        ).max()
        > 0.1
    )
    a = np.asarray(p.amplitudes)
    np.testing.assert_allclose(p.o2nc_constants.G_coords, np.abs(q).T @ a, rtol=1e-15)
    # far out along sign(Q_ij) in every rotated direction, |d_j F| -> G_j
    for j in range(3):
        z = 60.0 * np.sign(q[:, j]) * np.asarray(p.widths)
        x = (q.T @ z)[None]
        assert abs(p.grad(x)[0, j]) == pytest.approx(p.o2nc_constants.G_coords[j], rel=1e-12)


def test_cosine_landscape_o2nc_constants():
    p = CASES["cosine"]
    c = p.o2nc_constants
    a = np.asarray(p.frequencies)
    assert c.G_coords == (1.0, 1.0, 1.0) and c.G == pytest.approx(math.sqrt(3))
    assert c.L == 3.0 and c.H == 9.0
    assert c.delta_F == pytest.approx(2 * np.sum(1 / a), rel=1e-14)
    assert np.linalg.norm(p.grad((np.pi / (2 * a))[None])) == pytest.approx(c.G, rel=1e-15)
    assert c.f_star == p.constants.f_star and c.x_star == p.constants.x_star


def test_absolute_value_problem():
    p = absolute_value(x0=-2.0, noise_sigma=0.5)
    c = p.o2nc_constants
    assert (c.G, c.G_coords, c.L, c.H, c.smooth) == (1.0, (1.0,), None, None, False)
    assert c.f_star == 0.0 and c.x_star == (0.0,) and c.delta_F == 2.0
    x = np.array([[-3.0], [-1e-3], [0.0], [1e-3], [2.5]])
    np.testing.assert_array_equal(p.grad(x)[:, 0], [-1.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(p.value(x), np.abs(x[:, 0]))
    away = x[[0, 1, 3, 4]]
    np.testing.assert_allclose(p.grad(away), _fd_grad(p.value, away, 1e-6), atol=1e-9)
    np.testing.assert_array_equal(p.goldstein_norm(x, 1e-3), [1.0, 0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(p.goldstein_norm(x, 0.0), [1.0, 1.0, 0.0, 1.0, 1.0])
    assert p.default_noise == GaussianNoise((0.5,)) and p.default_noise.sigma == 0.5


@pytest.mark.parametrize("dim", [10, 100, 1000])
def test_coordinate_scales_are_normalised_and_spiky_gains(dim):
    flat = flat_scales(dim)
    one = spiky_scales(dim)
    power = spiky_scales(dim, kind="power", norm=2.0)
    for a, norm in ((flat, 1.0), (one, 1.0), (power, 2.0)):
        assert np.linalg.norm(a) == pytest.approx(norm, rel=1e-14)
        p = coordinate_scale(a)
        c = p.o2nc_constants
        assert c.G_coords == p.scales and c.G == pytest.approx(norm, rel=1e-14)
        np.testing.assert_allclose(p.grad(np.full((1, dim), np.pi / 2))[0], a, rtol=1e-15)
        assert c.L == max(a) and c.H == max(a)
    assert coordinate_gain(flat) == pytest.approx(1.0, rel=1e-14)
    g_one = coordinate_gain(one)
    a = np.asarray(one)
    assert g_one == pytest.approx(math.sqrt(dim) * np.linalg.norm(a) / a.sum(), rel=1e-14)
    assert 1.0 < g_one <= math.sqrt(dim)
    assert coordinate_gain(power) > 0.5 * math.sqrt(dim) / 2  # ||i^-2||_1 / ||i^-2||_2 < 1.3
    noise = coordinate_scale(one).proportional_noise(0.3)
    assert noise.sigma == pytest.approx(0.3, rel=1e-14)
    assert coordinate_gain(noise.sigma_coords) == pytest.approx(g_one, rel=1e-12)
    assert coordinate_gain(
        coordinate_scale(one).isotropic_noise(0.3).sigma_coords
    ) == pytest.approx(1.0, rel=1e-12)


def test_spiky_gain_grows_with_dimension():
    gains = [coordinate_gain(spiky_scales(d)) for d in (10, 100, 1000)]
    assert gains[0] < gains[1] < gains[2]


def test_noise_second_moment_matches_sigma():
    noise = GaussianNoise((0.5, 1.0, 2.0, 0.0))
    assert noise.sigma == pytest.approx(math.sqrt(0.25 + 1 + 4))
    rng = np.random.default_rng(np.random.SeedSequence(11))
    xi = noise.sample(rng, (200_000, 4))
    sq = np.sum(xi * xi, axis=1)
    se = sq.std(ddof=1) / math.sqrt(sq.size)
    assert abs(sq.mean() - noise.sigma**2) < 4 * se
    assert np.all(xi[:, 3] == 0.0)
    var_se = np.asarray(noise.sigma_coords) ** 2 * math.sqrt(2 / sq.size)
    assert np.all(np.abs(xi.var(axis=0) - np.asarray(noise.sigma_coords) ** 2) <= 4 * var_se)
    assert abs(xi[:, :3].mean(axis=0)).max() < 4 * 2.0 / math.sqrt(sq.size)
    iso = isotropic_noise(2.0, 10)
    assert iso.sigma == pytest.approx(2.0, rel=1e-15) and len(set(iso.sigma_coords)) == 1
    assert iso.sample(rng, 7).shape == (7, 10) and iso.sample(rng, (2, 3, 10)).shape == (2, 3, 10)


def test_numpy_namespace_dispatch():
    for p in list(CASES.values()) + [absolute_value()]:
        x = np.zeros((5, p.dim)) + 0.3
        assert array_namespace(x) is np
        for out, shape in ((p.value(x), (5,)), (p.grad(x), (5, p.dim))):
            assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == shape
        json.dumps(p.params())  # recorded with results, so it must serialise


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy not installed")
def test_cupy_matches_numpy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.zeros(1).sum()
    except Exception as exc:  # a CuPy build without a usable device
        pytest.skip(f"no usable GPU: {exc}")
    for p in list(CASES.values()) + [absolute_value()]:
        x = np.random.default_rng(5).normal(size=(16, p.dim))
        xg = cupy.asarray(x)
        for name in ("value", "grad"):
            got = getattr(p, name)(xg)
            assert array_namespace(got) is cupy
            np.testing.assert_allclose(
                cupy.asnumpy(got), getattr(p, name)(x), rtol=1e-13, atol=1e-15
            )
        if hasattr(p, "hessian"):
            np.testing.assert_allclose(
                cupy.asnumpy(p.hessian(xg)), p.hessian(x), rtol=1e-13, atol=1e-15
            )


BAD = [
    (lambda: smoothed_cone(3, 0.0), ValueError, "rho"),
    (lambda: smoothed_cone(3, -1.0), ValueError, "rho"),
    (lambda: smoothed_cone(0, 1.0), ValueError, "dim"),
    (lambda: diagonal_quadratic([1.0, -1.0]), ValueError, "curvatures"),
    (lambda: diagonal_quadratic([]), ValueError, "curvatures"),
    (lambda: diagonal_quadratic([1.0, 2.0], x0=[1.0]), ValueError, "x0"),
    (lambda: diagonal_quadratic([1.0], radius=0.0), ValueError, "radius"),
    (lambda: double_well(2, bump=2.5), ValueError, "bump"),
    (lambda: double_well(2, bump=1.0), ValueError, "bump"),
    (lambda: double_well(2, width=0.0), ValueError, "width"),
    (lambda: double_well(2.5), TypeError, "dim"),
    (lambda: log_cosh_valley(1), ValueError, "dim"),
    (lambda: log_cosh_valley(3, valley_width=-1.0), ValueError, "valley_width"),
    (lambda: log_cosh_valley(3, amplitudes=[1.0, 0.0, 1.0]), ValueError, "amplitudes"),
    (
        lambda: LogCoshValley(
            ((1.0, 1.0), (0.0, 1.0)), (1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (0.0, 0.0)
        ),
        ValueError,
        "rotation",
    ),
    (lambda: coordinate_scale([]), ValueError, "scales"),
    (lambda: coordinate_scale([1.0, -1.0]), ValueError, "scales"),
    (lambda: flat_scales(0), ValueError, "dim"),
    (lambda: spiky_scales(0), ValueError, "dim"),
    (lambda: spiky_scales(5, n_spikes=6), ValueError, "n_spikes"),
    (lambda: spiky_scales(5, ratio=0.0), ValueError, "ratio"),
    (lambda: spiky_scales(5, kind="bad"), ValueError, "kind"),
    (lambda: spiky_scales(5, kind="power", power=-1.0), ValueError, "power"),
    (lambda: GaussianNoise((-1.0,)), ValueError, "sigma_coords"),
    (lambda: GaussianNoise(()), ValueError, "sigma_coords"),
    (lambda: isotropic_noise(-1.0, 3), ValueError, "sigma"),
    (lambda: isotropic_noise(1.0, 0), ValueError, "dim"),
    (
        lambda: GaussianNoise((1.0, 1.0)).sample(np.random.default_rng(0), (4, 3)),
        ValueError,
        "shape",
    ),
    (lambda: GaussianNoise((1.0,)).sample(0, (4, 1)), TypeError, "rng"),
    (lambda: absolute_value(noise_sigma=-1.0), ValueError, "noise_sigma"),
    (lambda: absolute_value().goldstein_norm(np.zeros((2, 1)), -1.0), ValueError, "delta"),
    (lambda: coordinate_gain([0.0, 0.0]), ValueError, "values"),
    (lambda: smoothed_cone(3, 1.0).value(np.zeros((2, 4))), ValueError, "x must have shape"),
    (lambda: double_well(3).grad(np.zeros(3)), ValueError, "x must have shape"),
    (lambda: coordinate_scale([1.0]).proportional_noise(-0.1), ValueError, "sigma"),
]


@pytest.mark.parametrize("make,exc,match", BAD)
def test_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
