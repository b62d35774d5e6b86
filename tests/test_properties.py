"""Property tests (hypothesis) of the kernel semantics and of the runner."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from adamtheory import run
from adamtheory.kernels import adam, amsgrad, clipped_adam
from adamtheory.problems import one_big_gradient, quadratic_finite_sum
from adamtheory.rules import relative_error

# beta = 0 exactly, or not so tiny that beta^k * v lands in denormals (see Adam's docstring)
betas = st.one_of(st.just(0.0), st.floats(1e-3, 0.999))
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
grad_seqs = arrays(
    np.float64, st.tuples(st.integers(1, 30), st.just(2), st.integers(1, 4)), elements=finite
)
# g² must neither underflow nor overflow for the scale invariance to hold in float64
# (|g| within about 1e-154..1e154; documented on Adam): magnitudes 10^[-100, 100] or exact 0.
scaled_elements = st.one_of(
    st.just(0.0),
    st.builds(
        lambda s, e, m: s * m * 10.0**e,
        st.sampled_from([-1.0, 1.0]),
        st.integers(-100, 100),
        st.floats(1.0, 9.99),
    ),
)
scaled_seqs = arrays(
    np.float64,
    st.tuples(st.integers(1, 30), st.just(2), st.integers(1, 4)),
    elements=scaled_elements,
)


def path(opt, grads, x0):
    state = opt.init(x0)
    x, out, states = x0, [x0], [state]
    for g in grads:
        x, state = opt.step(x, g, state)
        out.append(x)
        states.append(state)
    return np.stack(out), states


@given(grads=scaled_seqs, b1=betas, b2=betas, scale=st.floats(1e-6, 1e6), bc=st.booleans())
def test_eps0_adam_invariant_to_positive_gradient_scaling(grads, b1, b2, scale, bc):
    x0 = np.zeros(grads.shape[1:])
    opt = adam(0.1, b1, b2, eps=0.0, bias_correction=bc)
    a, _ = path(opt, grads, x0)
    b, _ = path(opt, grads * scale, x0)
    assert np.all(np.isfinite(a))
    assert np.max(np.abs(a - b)) <= 1e-9 * max(1.0, np.max(np.abs(a)))


@given(grads=grad_seqs, b1=betas, b2=betas, variant=st.sampled_from(["torch", "optax", "paper"]))
def test_amsgrad_vmax_non_decreasing(grads, b1, b2, variant):
    _, states = path(amsgrad(0.01, b1, b2, variant=variant), grads, np.zeros(grads.shape[1:]))
    vmax = np.stack([s.v_max for s in states])
    assert np.all(np.diff(vmax, axis=0) >= 0)


@given(grads=grad_seqs, beta=st.floats(0.0, 0.99), D=st.floats(1e-3, 1e3))
def test_clipped_updates_inside_box_and_ball(grads, beta, D):
    x0 = np.zeros(grads.shape[1:])
    box, _ = path(clipped_adam(D, beta, coordinatewise=True), grads, x0)
    ball, _ = path(clipped_adam(D, beta, coordinatewise=False), grads, x0)
    assert np.all(np.abs(np.diff(box, axis=0)) <= D * (1 + 1e-12))
    assert np.all(np.linalg.norm(np.diff(ball, axis=0), axis=-1) <= D * (1 + 1e-12))
    assert np.all(np.isfinite(box)) and np.all(np.isfinite(ball))


@given(
    seed=st.integers(0, 2**32),
    sampling=st.sampled_from(["shuffle", "iid", "cyclic"]),
    n=st.integers(2, 12),
    batch=st.integers(1, 5),
)
def test_batched_run_equals_per_trajectory_runs(seed, sampling, n, batch):
    rng = np.random.default_rng(seed)
    b1, b2 = rng.uniform(0, 0.95, batch), rng.uniform(0.5, 0.999, batch)
    lr = rng.uniform(0.01, 0.5, batch)
    x0 = rng.uniform(-3, 1, (batch, 1))
    problem = one_big_gradient(n)
    kw = {
        "epochs": 6,
        "sampling": sampling,
        "seed": seed,
        "record": 3,
        "schedule": "inv_sqrt_epoch",
        "backend": "numpy",
    }
    together = run(problem, adam(lr, b1, b2, eps=0.0), x0=x0, **kw)
    # Same random streams by construction; arithmetic may differ in the last ulp because a
    # scalar hyperparameter uses C pow() and an array NumPy's SIMD power().
    for i in range(batch):
        alone = run(problem, adam(lr[i], b1[i], b2[i], eps=0.0), x0=x0[i], trajectory_ids=[i], **kw)
        assert relative_error(alone.x.values[0], together.x.values[i]) <= 1e-12
        assert (
            relative_error(alone.min_grad_norm.values[0], together.min_grad_norm.values[i]) <= 1e-12
        )


@given(seed=st.integers(0, 2**32), n=st.integers(2, 6), d=st.integers(1, 3))
def test_sgd_unit_step_on_quadratic_jumps_to_the_sampled_centre(seed, n, d):
    """SGD(lr=1) on ½(x-b_i)² jumps to b_i: after a step x equals the sampled centre."""
    from adamtheory.kernels import sgd

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n, d))
    ds = run(
        quadratic_finite_sum(centres),
        sgd(1.0),
        steps=1,
        sampling="cyclic",
        backend="numpy",
        record="final",
    )
    assert relative_error(ds.x_final.values[0], centres[0]) == 0.0
