"""User error gives a clear ValueError/TypeError naming the parameter and the valid range."""

import numpy as np
import pytest

from adamtheory import run
from adamtheory.claims import get_claim
from adamtheory.kernels import (
    adam,
    amsgrad,
    clipped_adam,
    model_ema,
    resolve_backend,
    sgdm,
    tau_probabilities,
)
from adamtheory.problems import (
    one_big_gradient,
    quadratic_finite_sum,
    reddi_cyclic,
    reddi_stochastic,
)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: adam(0.1, beta1=1.0), r"beta1 must lie in \[0, 1\)"),
        (lambda: adam(0.1, beta1=-0.1), r"beta1 must lie in \[0, 1\)"),
        (lambda: adam(0.1, beta2=1.0), r"beta2 must lie in \[0, 1\)"),
        (lambda: adam(0.1, beta2=np.array([0.5, 1.2])), r"beta2 must lie in \[0, 1\); got 1.2"),
        (lambda: adam(0.1, beta1=float("nan")), r"beta1"),
        (lambda: adam(-0.1), r"lr must be finite and in \[0, inf\)"),
        (lambda: adam(0.1, eps=-1e-8), r"eps must be finite and in \[0, inf\)"),
        (lambda: adam(0.1, amsgrad="keras"), r"amsgrad must be one of"),
        (lambda: adam(0.1, amsgrad="paper"), r"no bias correction"),
        (lambda: amsgrad(0.1, variant="x"), r"variant must be one of"),
        (lambda: clipped_adam(0.0, 0.9), r"D must be finite and in \(0, inf\)"),
        (lambda: clipped_adam(-1.0, 0.9), r"D must be"),
        (lambda: clipped_adam(1.0, 1.0), r"beta must lie in \[0, 1\)"),
        (lambda: sgdm(0.1, form="nesterov"), r"form must be one of"),
        (lambda: one_big_gradient(1), r"n must be an integer >= 2"),
        (lambda: one_big_gradient(5, a=0.0), r"a must be finite and in \(0, inf\)"),
        (lambda: reddi_cyclic(C=1.0), r"C must exceed period - 1"),
        (lambda: reddi_stochastic(C=5.0, delta=6.0), r"delta must lie in \(0, C\)"),
        (lambda: quadratic_finite_sum(np.zeros((0, 2))), r"centres must have shape"),
        (lambda: model_ema(1.0), r"beta must lie in \[0, 1\)"),
        (lambda: tau_probabilities(0.9, 0), r"T must be an integer >= 1"),
        (lambda: resolve_backend("tpu"), r"backend must be one of"),
        (lambda: get_claim("NOPE"), r"claim must be one of"),
    ],
)
def test_value_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: adam(True), r"lr must be a real number"),
        (lambda: adam("0.1"), r"lr must be a real number"),
        (lambda: one_big_gradient(2.5), r"n must be an integer"),
        (lambda: adam(0.1, bias_correction="yes"), r"bias_correction must be True or False"),
    ],
)
def test_type_errors(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_shape_mismatches():
    opt = adam(0.1, beta1=np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match=r"beta1 has shape \(3, 1\); with x0 of shape \(2, 4\)"):
        opt.init(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"needs a batched iterate x0 of shape \(B, d\)"):
        opt.init(np.zeros(4))
    state = adam(0.1).init(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"g must have the shape of x"):
        adam(0.1).step(np.zeros((2, 3)), np.zeros((3, 2)), state)
    with pytest.raises(ValueError, match=r"x0 must have shape \(d,\) or \(B, d\)"):
        adam(0.1).init(np.zeros((2, 2, 2)))


def test_runner_errors():
    p = one_big_gradient(5)
    with pytest.raises(ValueError, match="exactly one of steps"):
        run(p, adam(0.1))
    with pytest.raises(ValueError, match="exactly one of steps"):
        run(p, adam(0.1), steps=3, epochs=3)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1"):
        run(p, adam(0.1), steps=0)
    with pytest.raises(ValueError, match="sampling must be one of"):
        run(p, adam(0.1), steps=3, sampling="random")
    with pytest.raises(ValueError, match="schedule must be one of"):
        run(p, adam(0.1), steps=3, schedule="cosine")
    with pytest.raises(ValueError, match=r"record must be one of"):
        run(p, adam(0.1), steps=3, record="all")
    with pytest.raises(ValueError, match=r"record must be an integer >= 1"):
        run(p, adam(0.1), steps=3, record=0)
    with pytest.raises(ValueError, match=r"x0 must have shape"):
        run(p, adam(0.1), steps=3, x0=[[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"trajectories=3 disagrees"):
        run(p, adam(np.array([0.1, 0.2])), steps=3, trajectories=3)
    with pytest.raises(ValueError, match=r"sampling must be 'iid' for the stochastic"):
        run(reddi_stochastic(10.0, 0.5), adam(0.1), steps=3, sampling="shuffle")
    with pytest.raises(ValueError, match=r"schedule must be 'constant' for clipped_adam"):
        run(p, clipped_adam(0.1, 0.9), steps=3, schedule="inv_sqrt_step")
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0"):
        run(p, adam(0.1), steps=3, seed=-1)
    with pytest.raises(ValueError, match=r"backend must be one of"):
        run(p, adam(0.1), steps=3, backend="jax")
    with pytest.raises(TypeError, match="optimizer must be"):
        run(p, "adam", steps=3)


def test_non_array_inputs_are_type_errors():
    opt = adam(0.1)
    state = opt.init(np.zeros(2))
    with pytest.raises(TypeError, match="g must be a NumPy or CuPy array"):
        opt.step(np.zeros(2), [1.0, 2.0], state)
    ema = model_ema(0.5)
    with pytest.raises(TypeError, match="y must be a NumPy or CuPy array"):
        ema.update([1.0, 2.0], ema.init(np.zeros(2)))


def test_gradient_norm_does_not_overflow():
    p = quadratic_finite_sum([[0.0, 0.0]])
    ds = run(p, adam(0.1), steps=1, x0=[1e200, 1e200], backend="numpy", record="summary")
    assert np.isfinite(ds.grad_norm_final.values).all()
    assert ds.grad_norm_final.values[0] == pytest.approx(np.sqrt(2) * 1e200, rel=1e-12)
