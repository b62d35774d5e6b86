"""The fused 1-D runs of kernels/atlas.py against kernels.run and kernels.stationary (issue
#14: the R18 and Z22 claims run on them, so their numbers must be run's, bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest

from adamtheory.kernels import adam, amsgrad, run, sgd
from adamtheory.kernels.atlas import path_runs, stationary_direction_numba
from adamtheory.kernels.stationary import stationary_direction
from adamtheory.problems import (
    one_big_gradient,
    quadratic_finite_sum,
    reddi_cyclic,
    reddi_stochastic,
)

_INV = "inv_sqrt_step"
CASES = {
    # R-T1's three runs (R18 Theorem 1: C = 4, beta2 = 1/(1+C^2))
    "r-t1 adam": (
        reddi_cyclic(4.0),
        adam(0.5, 0.0, 1 / 17, eps=0.0, bias_correction=False),
        dict(steps=3000, sampling="cyclic", schedule=_INV),
    ),
    "r-t1 amsgrad": (
        reddi_cyclic(4.0),
        amsgrad(0.5, 0.0, 1 / 17, eps=0.0, variant="paper"),
        dict(steps=3000, sampling="cyclic", schedule=_INV),
    ),
    "r-t1 sgd": (reddi_cyclic(4.0), sgd(0.5), dict(steps=3000, sampling="cyclic", schedule=_INV)),
    "r-t2 period 6": (
        reddi_cyclic(6.0, period=6),
        adam(0.5, 0.5, 0.9, eps=0.0, bias_correction=False),
        dict(steps=600, sampling="cyclic", schedule=_INV),
    ),
    "r-t3 stochastic": (
        reddi_stochastic(9.0, 0.5),
        adam(0.5, 0.0, 0.3, eps=0.0, bias_correction=False),
        dict(steps=2000, sampling="iid", schedule=_INV, trajectories=5, seed=5),
    ),
    # Z-CONV's D0 = 0 runs (bias correction: beta**t by pow, as the optimizer)
    "z-conv converging": (
        one_big_gradient(10),
        adam(1.0, 0.9, 0.999, eps=0.0),
        dict(epochs=300, schedule="inv_sqrt_epoch", trajectories=4, seed=3),
    ),
    "z-conv diverging": (
        one_big_gradient(10),
        adam(1.0, 0.9, 0.5, eps=0.0),
        dict(epochs=300, schedule="inv_sqrt_epoch", trajectories=4, seed=3),
    ),
    "iid, eps, torch amsgrad": (
        one_big_gradient(10, a=0.5),
        adam(0.1, 0.9, 0.99, eps=1e-8, amsgrad="torch"),
        dict(epochs=100, sampling="iid", trajectories=4, seed=3),
    ),
    # Z-CONV's D0 > 0 direct runs
    "quadratic shuffle": (
        quadratic_finite_sum([0.0, 0.0, 0.0, 3.0]),
        adam(0.5, 0.5, 0.5, eps=0.0, bias_correction=False),
        dict(epochs=500, schedule="inv_sqrt_epoch", trajectories=6, seed=9, x0=[0.75]),
    ),
    # |x| doubles every step: frozen at the first step beyond the threshold
    "divergence frozen": (
        quadratic_finite_sum([0.0, 1.0]),
        sgd(3.0),
        dict(steps=200, sampling="cyclic", trajectories=2, diverge_threshold=1e10),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_path_runs_equal_kernels_run_bit_for_bit(case):
    problem, opt, kw = CASES[case]
    ds = run(problem, opt, record=1, backend="numpy", **kw)
    out = path_runs(problem, opt, record=1, **kw)
    np.testing.assert_array_equal(out["x"], ds.x.values[:, :, 0])
    np.testing.assert_array_equal(out["step"], ds.step.values)
    np.testing.assert_array_equal(out["x_final"], ds.x_final.values[:, 0])
    np.testing.assert_array_equal(out["diverged_at"], ds.diverged_at.values)
    np.testing.assert_array_equal(out["nonfinite_at"], ds.nonfinite_at.values)
    if case == "divergence frozen":  # the check is not vacuous: the run did diverge
        assert np.all(out["diverged_at"] > 0)


def test_path_runs_without_record_give_the_same_finals():
    problem, opt, kw = CASES["r-t3 stochastic"]
    a = path_runs(problem, opt, **kw)
    b = path_runs(problem, opt, record=7, **kw)
    assert "x" not in a
    np.testing.assert_array_equal(a["x_final"], b["x_final"])


@pytest.mark.parametrize(
    "args, kwargs, error, word",
    [
        ((one_big_gradient(10), adam(0.1)), {"steps": 5, "epochs": 5}, ValueError, "one"),
        ((reddi_stochastic(9.0, 0.5), adam(0.1)), {"steps": 5}, ValueError, "sampling"),
        ((quadratic_finite_sum([[0.0, 1.0], [1.0, 0.0]]), adam(0.1)), {"steps": 5}, TypeError,
         "problem"),
        ((reddi_cyclic(4.0), adam(np.array([0.1, 0.2]))), {"steps": 5}, TypeError, "scalar"),
        ((reddi_cyclic(4.0), adam(0.1)), {"steps": 5, "schedule": "cosine"}, ValueError,
         "schedule"),
        ((reddi_cyclic(4.0), adam(0.1)), {"steps": 0}, ValueError, "steps"),
    ],
)  # fmt: skip
def test_path_runs_bad_input_names_the_parameter(args, kwargs, error, word):
    with pytest.raises(error, match=word):
        path_runs(*args, **kwargs)


@pytest.mark.parametrize("sampling", ["shuffle", "iid", "cyclic"])
def test_stationary_kernel_equals_the_numpy_chain_bit_for_bit(sampling):
    xs = np.linspace(0.45, 0.85, 5)
    kw = dict(sampling=sampling, epochs=60, burn_in=10, chains=3, seed=4)
    ref = stationary_direction(xs, (0.0, 0.0, 0.0, 3.0), 0.5, 0.9, **kw)
    np.testing.assert_array_equal(
        stationary_direction_numba(xs, (0.0, 0.0, 0.0, 3.0), 0.5, 0.9, **kw), ref
    )
    with pytest.raises(ValueError, match="beta2"):
        stationary_direction_numba(xs, (0.0, 3.0), 0.5, 1.5)


def test_path_runs_in_slices_give_the_same_bits(monkeypatch):
    """Long runs go through the kernel in bounded slices (Ctrl-C between them); a slice
    boundary inside an epoch, with recording and a shuffle permutation carried over, changes
    nothing."""
    import adamtheory.kernels.atlas as atlas

    problem, opt, kw = CASES["quadratic shuffle"]
    whole = path_runs(problem, opt, record=3, **kw)
    monkeypatch.setattr(atlas, "PATH_SLICE_STEPS", 6 * 7)  # 7 steps per slice, n = 4
    sliced = path_runs(problem, opt, record=3, **kw)
    for key in ("x", "x_final", "diverged_at", "nonfinite_at"):
        np.testing.assert_array_equal(sliced[key], whole[key])
