"""Every optimizer variant against the hand-written float64 loops (docs/theory §1.1, §1.3)."""

import numpy as np
import pytest

from adamtheory.claims import reference_loops as ref
from adamtheory.kernels import adam, amsgrad, clipped_adam, rmsprop, sgd, sgdm
from adamtheory.rules import relative_error

TOL = 1e-12
STEPS, BATCH, DIM = 150, 4, 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12345)
    grads = rng.standard_t(3, size=(STEPS, BATCH, DIM)) * 10.0 ** rng.uniform(-2, 2, DIM)
    grads[:10, :, 1] = 0.0
    grads[rng.random(grads.shape) < 0.1] = 0.0
    x0 = rng.normal(size=(BATCH, DIM))
    hyper = {
        "lr": np.array([1e-3, 1e-2, 0.1, 0.05]),
        "beta1": np.array([0.0, 0.5, 0.9, 0.99]),
        "beta2": np.array([0.0, 0.9, 0.999, 0.9999]),
    }
    factors = 1.0 / np.sqrt(np.arange(1, STEPS + 1))
    return grads, x0, hyper, factors


def kernel_path(opt, grads, x0, factors=None):
    state = opt.init(x0)
    x, path = x0, [x0]
    for t in range(grads.shape[0]):
        scale = 1.0 if factors is None else float(factors[t])
        x, state = opt.step(x, grads[t], state, lr_scale=scale)
        path.append(x)
    return np.stack(path)


def assert_matches(kernel, reference_fn, batch):
    for b in range(batch):
        err = relative_error(kernel[:, b, :], np.asarray(reference_fn(b)))
        assert err <= TOL, f"trajectory {b}: relative error {err:.2e}"


@pytest.mark.parametrize("bias_correction", [True, False])
@pytest.mark.parametrize("eps", [1e-8, 0.0, 1e-3])
@pytest.mark.parametrize("scheduled", [False, True])
def test_adam_matches_reference(data, bias_correction, eps, scheduled):
    grads, x0, h, factors = data
    f = factors if scheduled else None
    opt = adam(h["lr"], h["beta1"], h["beta2"], eps=eps, bias_correction=bias_correction)
    kernel = kernel_path(opt, grads, x0, f)
    assert_matches(
        kernel,
        lambda b: ref.adam_loop(
            grads[:, b].tolist(),
            x0[b],
            h["lr"][b],
            h["beta1"][b],
            h["beta2"][b],
            eps,
            bias_correction,
            None,
            f,
        ),
        BATCH,
    )


@pytest.mark.parametrize("variant", ["torch", "optax", "paper"])
@pytest.mark.parametrize("eps", [1e-8, 0.0])
def test_amsgrad_matches_reference(data, variant, eps):
    grads, x0, h, _ = data
    opt = amsgrad(h["lr"], h["beta1"], h["beta2"], eps=eps, variant=variant)
    kernel = kernel_path(opt, grads, x0)
    assert_matches(
        kernel,
        lambda b: ref.adam_loop(
            grads[:, b].tolist(),
            x0[b],
            h["lr"][b],
            h["beta1"][b],
            h["beta2"][b],
            eps,
            variant != "paper",
            variant,
        ),
        BATCH,
    )


def test_amsgrad_variants_really_differ():
    """torch (max of raw v) and optax (max of v-hat) disagree once v decays while 1-β2^t grows."""
    g = np.concatenate([np.full(5, 10.0), np.full(50, 0.1)])[:, None, None]
    paths = {
        v: kernel_path(amsgrad(0.1, 0.9, 0.9, variant=v), g, np.zeros((1, 1)))
        for v in ("torch", "optax", "paper")
    }
    assert relative_error(paths["torch"], paths["optax"]) > 1e-3
    assert relative_error(paths["torch"], paths["paper"]) > 1e-3


def test_rmsprop_sgd_sgdm_match_reference(data):
    grads, x0, h, factors = data
    k = kernel_path(rmsprop(h["lr"], h["beta2"], eps=1e-8), grads, x0, factors)
    assert_matches(
        k,
        lambda b: ref.adam_loop(
            grads[:, b].tolist(), x0[b], h["lr"][b], 0.0, h["beta2"][b], 1e-8, False, None, factors
        ),
        BATCH,
    )
    k = kernel_path(sgd(h["lr"]), grads, x0, factors)
    assert_matches(
        k, lambda b: ref.sgd_loop(grads[:, b].tolist(), x0[b], h["lr"][b], factors), BATCH
    )
    for form in ("ema", "heavy_ball"):
        k = kernel_path(sgdm(h["lr"], h["beta1"], form=form), grads, x0, factors)
        assert_matches(
            k,
            lambda b, form=form: ref.sgdm_loop(
                grads[:, b].tolist(), x0[b], h["lr"][b], h["beta1"][b], form, factors
            ),
            BATCH,
        )


@pytest.mark.parametrize("coordinatewise", [True, False])
def test_clipped_adam_matches_reference(data, coordinatewise):
    grads, x0, h, _ = data
    D = np.array([0.01, 0.1, 1.0, 2.0])
    beta = np.array([0.0, 0.5, 0.9, 0.99])
    kernel = kernel_path(clipped_adam(D, beta, coordinatewise), grads, x0)
    assert_matches(
        kernel,
        lambda b: ref.clipped_adam_loop(grads[:, b].tolist(), x0[b], D[b], beta[b], coordinatewise),
        BATCH,
    )


def test_clipped_adam_increment_is_clipped_adam_increment():
    """Δ_clipped = -clip_D(Adam(lr=α, β, β², ε=0, no bias correction) step), step by step.

    α scales with D, so the clip binds iff |m/√v| > sqrt((1-β)/(1+β)), whatever D is; the test
    checks that both regimes occur.
    """
    rng = np.random.default_rng(0)
    beta, D = 0.9, 0.3
    g = rng.normal(size=(200, 1, 3)) + 0.5
    alpha = D * np.sqrt((1 + beta) / (1 - beta))
    clipped = np.diff(kernel_path(clipped_adam(D, beta), g, np.zeros((1, 3))), axis=0)
    plain = np.diff(
        kernel_path(
            adam(alpha, beta, beta**2, eps=0.0, bias_correction=False), g, np.zeros((1, 3))
        ),
        axis=0,
    )
    assert np.max(np.abs(clipped - np.clip(plain, -D, D))) <= TOL * D
    binding = np.abs(plain) > D
    assert binding.any() and (~binding).any()


def test_unbatched_shape_and_zero_gradients_give_no_nan():
    opt = adam(0.1, 0.9, 0.999, eps=0.0)
    x = np.array([1.0, -2.0])
    state = opt.init(x)
    for _ in range(5):
        x, state = opt.step(x, np.zeros(2), state)
    assert x.shape == (2,) and np.all(np.isfinite(x)) and np.array_equal(x, [1.0, -2.0])
    # beta2 = 0 with a zero gradient after a non-zero one: v = 0 but m != 0 -> defined as 0.
    opt = adam(0.1, 0.9, 0.0, eps=0.0, bias_correction=False)
    x = np.zeros((1, 1))
    state = opt.init(x)
    x, state = opt.step(x, np.ones((1, 1)), state)
    x2, state = opt.step(x, np.zeros((1, 1)), state)
    assert np.array_equal(x2, x) and np.all(np.isfinite(x2))


def test_step_is_pure():
    opt = adam(0.1)
    x = np.ones((2, 2))
    state = opt.init(x)
    m_before = state.m.copy()
    x1, s1 = opt.step(x, np.ones((2, 2)), state)
    assert np.array_equal(state.m, m_before) and state.t == 0 and s1.t == 1
    assert np.array_equal(x, np.ones((2, 2)))
