"""Real-data finite sums: data, batched model gradients (finite differences), f*, the kernel."""

from __future__ import annotations

import numpy as np
import pytest

from adamtheory.kernels.realdata import FINITE, RealDataConfig, run_realdata
from adamtheory.problems.datasets import (
    RealModel,
    fixed_minibatches,
    load_dataset,
    make_finite_sum,
)


def test_digits_ships_offline_with_its_published_shape():
    data = load_dataset("digits")
    # sklearn's documented digits: 1797 images of 8x8 pixels, ten classes
    assert data.X.shape == (1797, 64)
    assert data.classes == 10
    assert 0.0 <= data.X.min() and data.X.max() <= 1.0


@pytest.mark.parametrize(
    "model", [RealModel("logistic", 64, 2, l2=1e-3), RealModel("mlp", 64, 10, hidden=5, l2=1e-3)]
)
def test_batched_gradient_matches_central_differences(model):
    rng = np.random.default_rng(0)
    data = load_dataset("digits")
    R, B = 3, 7
    idx = rng.integers(0, data.size, size=(R, B))
    X, t = data.X[idx], model.targets(data.y)[idx]  # one minibatch per replica
    w = rng.normal(scale=0.3, size=(R, model.dim))
    _, g = model.loss_grad(w, X, t)
    for _ in range(3):
        d = rng.normal(size=(R, model.dim))
        h = 1e-5
        fp, _ = model.loss_grad(w + h * d, X, t)
        fm, _ = model.loss_grad(w - h * d, X, t)
        fd = (fp - fm) / (2 * h)
        np.testing.assert_allclose(np.sum(g * d, axis=1), fd, rtol=1e-7, atol=1e-9)


def test_batch_over_replicas_equals_one_replica_at_a_time():
    model = RealModel("mlp", 64, 10, hidden=6)
    data = load_dataset("digits")
    rng = np.random.default_rng(1)
    w = rng.normal(scale=0.2, size=(4, model.dim))
    f, g = model.loss_grad(w, data.X[:50], data.y[:50])
    for r in range(4):
        f1, g1 = model.loss_grad(w[r : r + 1], data.X[:50], data.y[:50])
        np.testing.assert_allclose(f1[0], f[r], rtol=1e-13)
        np.testing.assert_allclose(g1[0], g[r], rtol=1e-12, atol=1e-15)


def test_fixed_minibatches_partition_the_used_examples():
    b = fixed_minibatches(1797, 32, seed=3)
    assert b.shape == (1797 // 32, 32)
    assert np.unique(b).size == b.size  # disjoint
    assert np.array_equal(b, fixed_minibatches(1797, 32, seed=3))


def test_logistic_minimiser_is_stationary_and_below_other_points():
    fs = make_finite_sum("digits", "logistic", 64)
    w, f_star = fs.minimiser()
    f, g = fs.value_grad(w)
    assert np.linalg.norm(g) < 1e-7
    assert f[0] == pytest.approx(f_star, rel=1e-12)
    rng = np.random.default_rng(2)
    others, _ = fs.value_grad(w + 0.01 * rng.normal(size=(5, fs.dim)))
    assert np.all(others > f_star)
    # f is the mean of the components
    G = fs.component_grads(w)
    np.testing.assert_allclose(G.mean(axis=0), g[0], atol=1e-12)


def test_identical_control_has_equal_component_gradients():
    fs = make_finite_sum("digits", "logistic", 64, identical=True)
    G = fs.component_grads(np.full(fs.dim, 0.1))
    assert np.all(G == G[0])


def _reference_adam(fs, b1, b2, order, cfg, f_star):
    """Per-replica torch Adam, written from docs/theory §1.1 (independent of adam_core)."""
    w = np.zeros(fs.dim)
    m = np.zeros(fs.dim)
    v = np.zeros(fs.dim)
    t = 0
    for k, perm in enumerate(order):
        lr = cfg.eta / np.sqrt(k + 1)
        for i in perm:
            idx = fs.batches[i]
            _, g = fs.model.loss_grad(w[None], fs.X[idx][None], fs.targets[idx][None])
            g = g[0]
            t += 1
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v) / np.sqrt(1 - b2**t) + cfg.eps)
    return fs.value_grad(w)[0][0] - f_star


def test_kernel_equals_a_plain_adam_loop_and_chunks_do_not_matter():
    from adamtheory.kernels.sampling import epoch_permutations, trajectory_keys

    fs = make_finite_sum("digits", "logistic", 128)
    f_star = fs.minimiser()[1]
    cfg = RealDataConfig(epochs=3, eta=0.05, seed=7)
    b1 = np.array([0.0, 0.9, 0.5, 0.9])
    b2 = np.array([0.5, 0.999, 0.9, 0.99])
    rep = np.array([0, 1, 1, 2])
    out = run_realdata(fs, b1, b2, rep, cfg, f_star=f_star)
    assert np.all(out["status"] == FINITE)
    for r in range(4):
        keys = trajectory_keys(cfg.seed, [rep[r]])
        order = [epoch_permutations(keys, e, fs.n)[0] for e in range(cfg.epochs)]
        ref = _reference_adam(fs, b1[r], b2[r], order, cfg, f_star)
        assert out["final_gap"][r] == pytest.approx(ref, rel=1e-9, abs=1e-13)
    parts = [
        run_realdata(fs, b1[s], b2[s], rep[s], cfg, f_star=f_star)
        for s in (slice(0, 1), slice(1, 4))
    ]
    for key in ("final_gap", "min_grad_norm", "gap_history"):
        np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), out[key])


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"dataset": "mnist"}, "dataset"),
        ({"model": "cnn"}, "model"),
        ({"batch": 0}, "batch"),
        ({"batch": 5000}, "batch"),
    ],
)
def test_bad_problem_input_names_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        make_finite_sum(**kwargs)


def test_kernel_rejects_betas_outside_the_unit_interval():
    fs = make_finite_sum("digits", "logistic", 256)
    with pytest.raises(ValueError, match="beta2"):
        run_realdata(fs, [0.0], [1.0], [0], RealDataConfig(epochs=1), f_star=0.0)


def test_z22_semantics_equals_a_plain_loop_of_algorithm_1():
    from adamtheory.kernels.sampling import (
        STREAM_NOISE,
        epoch_permutations,
        trajectory_keys,
        uniforms,
    )

    fs = make_finite_sum("digits", "logistic", 256)
    f_star = fs.minimiser()[1]
    cfg = RealDataConfig(epochs=3, eta=0.05, seed=2, semantics="z22")
    out = run_realdata(fs, [0.9], [0.99], [1], cfg, f_star=f_star)
    keys = trajectory_keys(cfg.seed, [1])
    G = fs.component_grads(np.zeros(fs.dim))
    tau = min(int(uniforms(keys, np.uint64(fs.dim), STREAM_NOISE)[0] * fs.n), fs.n - 1)
    w, m, v = np.zeros(fs.dim), G[tau].copy(), np.max(G * G, axis=0)
    for k in range(cfg.epochs):
        for i in epoch_permutations(keys, k, fs.n)[0]:
            idx = fs.batches[i]
            g = fs.model.loss_grad(w[None], fs.X[idx][None], fs.targets[idx][None])[1][0]
            m = 0.9 * m + 0.1 * g
            v = 0.99 * v + 0.01 * g * g
            w = w - cfg.eta / np.sqrt(k + 1) * m / (np.sqrt(v) + cfg.eps)
    ref = fs.value_grad(w)[0][0] - f_star
    assert out["final_gap"][0] == pytest.approx(ref, rel=1e-9, abs=1e-13)
    with pytest.raises(ValueError, match="semantics"):
        RealDataConfig(semantics="keras")


@pytest.mark.slow  # ~4 s: a reference run of each semantics and a blow-up
def test_fused_logistic_kernel_equals_the_numpy_reference():
    """kernel="numba" (the default for the logistic model) against the batched NumPy loop:
    equal to rounding (the kernel sums the dot products in example order, BLAS blocks), the
    statuses exactly, every epoch."""
    fs = make_finite_sum("digits", "logistic", 32)
    f_star = fs.minimiser()[1]
    b1 = np.array([0.0, 0.9, 0.0, 0.9, 0.5])
    b2 = np.array([0.999, 0.999, 0.9, 0.99, 0.95])
    rep = np.array([0, 0, 1, 1, 2])
    for semantics in ("torch", "z22"):
        cfg = RealDataConfig(epochs=4, eta=0.01, seed=3, semantics=semantics)
        fast = run_realdata(fs, b1, b2, rep, cfg, f_star=f_star, kernel="numba")
        ref = run_realdata(fs, b1, b2, rep, cfg, f_star=f_star, kernel="numpy")
        np.testing.assert_array_equal(fast["status"], ref["status"])
        np.testing.assert_array_equal(fast["blowup_step"], ref["blowup_step"])
        for key in ("gap_history", "min_grad_norm"):
            np.testing.assert_allclose(fast[key], ref[key], rtol=1e-11, atol=1e-15)
    blow = RealDataConfig(epochs=3, eta=5.0, seed=1, blowup=1.5)  # blow-ups are decided alike
    fast = run_realdata(fs, [0.0, 0.9], [0.1, 0.999], [0, 1], blow, f_star=f_star)
    ref = run_realdata(fs, [0.0, 0.9], [0.1, 0.999], [0, 1], blow, f_star=f_star, kernel="numpy")
    np.testing.assert_array_equal(fast["status"], ref["status"])
    assert np.any(ref["status"] != FINITE)
    with pytest.raises(ValueError, match="kernel"):
        run_realdata(fs, [0.0], [0.9], [0], cfg, f_star=f_star, kernel="jax")
    mlp = make_finite_sum("digits", "mlp", 256)
    with pytest.raises(ValueError, match="kernel='numba'"):
        run_realdata(mlp, [0.0], [0.9], [0], cfg, f_star=0.0, kernel="numba")
