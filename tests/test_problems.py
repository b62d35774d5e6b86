"""Problems: gradients are derivatives of values; stated constants hold (and are tight)."""

import numpy as np
import pytest

from adamtheory.problems import (
    one_big_gradient,
    quadratic_finite_sum,
    reddi_cyclic,
    reddi_stochastic,
)


def finite_difference(fn, x, h=1e-6):
    return (fn(x + h) - fn(x - h)) / (2 * h)


@pytest.mark.parametrize("n,a", [(2, 1.0), (3, 1.0), (10, 1.0), (10, 1 / 81), (50, 0.3)])
def test_one_big_gradient_derivatives_and_constants(n, a):
    p = one_big_gradient(n, a)
    # avoid the kink-free but piecewise point -1 itself for the FD stencil
    x = np.array([-6.0, -3.1, -2.0, -1.7, -0.9, 0.0, 2.5])[:, None]
    full = np.zeros_like(x)
    for i in range(n):
        idx = np.full(x.shape[0], i)
        g = p.component_grad(x, idx)
        fd = finite_difference(lambda z, idx=idx: p.component_value(z, idx), x)[:, None]
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)
        full += g / n
    np.testing.assert_allclose(full, p.grad(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(finite_difference(p.value, x)[:, None], p.grad(x), atol=1e-7)
    c = p.constants
    assert c.L == pytest.approx(1 + (n - 1) * a) and p.ratio == pytest.approx(c.L / a)
    assert p.value(np.array([[-2.0]]))[0] == pytest.approx(c.f_star)
    assert p.grad(np.array([[-2.0]]))[0, 0] == 0.0
    assert c.D0 == 0.0
    # affine variance with D0 = 0 is an equality everywhere (ratio is constant)
    xs = np.linspace(-10, 10, 401)[:, None]
    comp = sum(p.component_grad(xs, np.full(401, i)) ** 2 for i in range(n))[:, 0]
    gf = p.grad(xs)[:, 0] ** 2
    mask = gf > 0
    np.testing.assert_allclose(comp[mask] / gf[mask], c.D1, rtol=1e-10)
    # C^1 at the glue point and L-Lipschitz gradients
    left, right = p.component_grad(np.array([[-1 - 1e-12], [-1.0]]), np.array([0, 0]))[:, 0]
    assert abs(left - right) < 1e-9
    y = np.random.default_rng(0).uniform(-8, 4, size=(2000, 1))
    z = np.random.default_rng(1).uniform(-8, 4, size=(2000, 1))
    for i in (0, 1):
        gi = p.component_grad(y, np.full(2000, i)) - p.component_grad(z, np.full(2000, i))
        assert np.all(np.abs(gi) <= c.L * np.abs(y - z) * (1 + 1e-12) + 1e-15)


def test_one_big_gradient_minimum_is_global():
    p = one_big_gradient(7)
    xs = np.linspace(-20, 20, 40001)[:, None]
    assert p.value(xs).min() >= p.constants.f_star - 1e-15
    assert xs[np.argmin(p.value(xs)), 0] == pytest.approx(-2.0, abs=1e-3)


def test_quadratic_constants_are_tight():
    rng = np.random.default_rng(3)
    b = rng.normal(size=(6, 3))
    p = quadratic_finite_sum(b)
    c = p.constants
    np.testing.assert_allclose(c.x_star, b.mean(axis=0), rtol=1e-14)
    x = rng.normal(size=(50, 3)) * 5
    comp = sum(np.sum(p.component_grad(x, np.full(50, i)) ** 2, axis=1) for i in range(6))
    rhs = c.D1 * np.sum(p.grad(x) ** 2, axis=1) + c.D0
    np.testing.assert_allclose(comp, rhs, rtol=1e-12)  # equality: the constants are tight
    assert p.value(np.asarray([c.x_star]))[0] == pytest.approx(c.f_star, rel=1e-14)
    np.testing.assert_allclose(p.grad(np.asarray([c.x_star])), 0, atol=1e-15)
    for i in range(6):
        idx = np.full(50, i)
        g = p.component_grad(x, idx)
        for k in range(3):
            e = np.eye(3)[k] * 1e-6
            fd = (p.component_value(x + e, idx) - p.component_value(x - e, idx)) / 2e-6
            np.testing.assert_allclose(g[:, k], fd, rtol=1e-6, atol=1e-6)


def test_reddi_cyclic_and_stochastic():
    p = reddi_cyclic(C=5.0)
    x = np.array([[0.3]])
    gs = [p.component_grad(x, np.array([i]))[0, 0] for i in range(3)]
    assert gs == [5.0, -1.0, -1.0]
    assert p.grad(x)[0, 0] == pytest.approx(np.mean(gs))
    assert p.domain == (-1.0, 1.0) and p.constants.x_star == (-1.0,)
    assert p.constants.f_star == pytest.approx(-1.0)
    s = reddi_stochastic(C=10.0, delta=0.5)
    u = np.random.default_rng(0).random(200_000)
    g = s.stochastic_grad(np.zeros((u.size, 1)), u)[:, 0]
    se = g.std() / np.sqrt(u.size)
    assert abs(g.mean() - 0.5) < 4 * se  # E g = delta
