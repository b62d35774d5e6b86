"""The runner: dataset layout, provenance, reproducibility, schedules, divergence as a result."""

import json

import numpy as np

from adamtheory import run
from adamtheory.kernels import adam, sgd
from adamtheory.kernels.sampling import epoch_permutations, iid_indices, trajectory_keys
from adamtheory.problems import one_big_gradient, quadratic_finite_sum, reddi_cyclic
from adamtheory.rules import relative_error


def test_dataset_layout_and_attrs():
    b1 = np.array([0.0, 0.5, 0.9])
    ds = run(one_big_gradient(5), adam(0.1, b1, 0.99), epochs=4, record=5, seed=11, backend="numpy")
    assert ds.sizes["trajectory"] == 3 and ds.sizes["coordinate"] == 1
    assert list(ds.step.values) == [0, 5, 10, 15, 20]
    assert np.array_equal(ds.beta1.values, b1)
    for var in (
        "x_final",
        "f_final",
        "grad_norm_final",
        "diverged",
        "diverged_at",
        "min_grad_norm",
        "max_abs_x",
        "x",
        "f",
        "grad_norm",
    ):
        assert var in ds
    assert ds.attrs["seed"] == 11 and ds.attrs["backend"] == "numpy"
    assert ds.attrs["sampling"] == "shuffle" and ds.attrs["steps"] == 20
    env = json.loads(ds.attrs["environment"])
    assert {"python", "numpy", "adamtheory", "backend"} <= env.keys()
    params = json.loads(ds.attrs["optimizer_params"])
    assert params["beta1"] == "per-trajectory" and params["beta2"] == 0.99
    assert json.loads(ds.attrs["problem_params"])["n"] == 5
    np.testing.assert_array_equal(ds.x.values[:, -1], ds.x_final.values)


def test_record_final_is_small():
    ds = run(one_big_gradient(5), adam(0.1), steps=10, record="final", backend="numpy")
    assert "min_grad_norm" not in ds and "x" not in ds and "x_final" in ds


def test_same_seed_same_numbers_other_seed_other_numbers():
    kw = {"epochs": 30, "trajectories": 4, "backend": "numpy", "record": "final"}
    opt = adam(0.05, 0.9, 0.99, eps=0.0)
    a = run(one_big_gradient(10), opt, seed=3, **kw)
    b = run(one_big_gradient(10), opt, seed=3, **kw)
    c = run(one_big_gradient(10), opt, seed=4, **kw)
    assert np.array_equal(a.x_final.values, b.x_final.values)
    assert not np.array_equal(a.x_final.values, c.x_final.values)
    # trajectories within one run are independent draws
    assert len(np.unique(a.x_final.values)) == 4


def test_runner_equals_hand_loop_cyclic_with_epoch_schedule():
    """One trajectory, cyclic order: runner = scalar loop with the gradient recomputed each step."""
    p = one_big_gradient(4)
    n, epochs, lr, b1, b2 = 4, 25, 0.3, 0.8, 0.95
    ds = run(
        p,
        adam(lr, b1, b2, eps=1e-8),
        epochs=epochs,
        sampling="cyclic",
        schedule="inv_sqrt_epoch",
        record=1,
        x0=[-0.5],
        backend="numpy",
    )
    x, m, v, xs = -0.5, 0.0, 0.0, [-0.5]
    for t in range(1, n * epochs + 1):
        i = (t - 1) % n
        slope = 1.0 if x >= -1 else x + 2.0
        g = (p.c if i == 0 else -1.0) * slope
        eta = lr / np.sqrt((t - 1) // n + 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - eta * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        xs.append(x)
    assert relative_error(ds.x.values[0, :, 0], np.array(xs)) <= 1e-12


def test_inv_sqrt_step_schedule_matches_reference():
    p = quadratic_finite_sum([[1.0], [3.0]])
    ds = run(
        p,
        sgd(0.5),
        steps=20,
        sampling="cyclic",
        schedule="inv_sqrt_step",
        record=1,
        backend="numpy",
    )
    x, xs = 0.0, [0.0]
    for t in range(1, 21):
        x -= 0.5 / np.sqrt(t) * (x - (1.0 if t % 2 else 3.0))
        xs.append(x)
    assert relative_error(ds.x.values[0, :, 0], np.array(xs)) <= 1e-13


def test_divergence_is_a_result_not_a_nan():
    # SGD with lr = 3 on ½(x-b)²: x_{t+1} - b = -2 (x_t - b) overflows without the guard
    p = quadratic_finite_sum([[0.0]])
    ds = run(p, sgd(np.array([3.0, 0.5])), steps=2000, x0=[1.0], record=100, backend="numpy")
    assert bool(ds.diverged[0]) and not bool(ds.diverged[1])
    assert 300 < int(ds.diverged_at[0]) < 340  # 2^k > 1e100 at k = 333
    assert int(ds.diverged_at[1]) == -1
    for var in ds.data_vars:
        assert np.all(np.isfinite(ds[var].values.astype(float))), var


def test_projection_keeps_iterates_in_domain():
    ds = run(
        reddi_cyclic(C=4.0),
        adam(0.5, 0.0, 1 / 17, eps=0.0, bias_correction=False),
        steps=300,
        sampling="cyclic",
        schedule="inv_sqrt_step",
        record=1,
        backend="numpy",
    )
    assert ds.x.values.min() >= -1.0 and ds.x.values.max() <= 1.0


def test_sampling_schemes():
    keys = trajectory_keys(5, np.arange(300))
    perms = epoch_permutations(keys, 0, 7)
    assert np.all(np.sort(perms, axis=1) == np.arange(7))
    # first positions roughly uniform across trajectories (chi-square, 6 dof, p ~ 1e-6 cut)
    counts = np.bincount(perms[:, 0], minlength=7)
    chi2 = np.sum((counts - 300 / 7) ** 2 / (300 / 7))
    assert chi2 < 35
    assert not np.array_equal(perms, epoch_permutations(keys, 1, 7))
    idx = np.concatenate([iid_indices(keys, s, 5) for s in range(200)])
    counts = np.bincount(idx, minlength=5)
    assert np.sum((counts - idx.size / 5) ** 2 / (idx.size / 5)) < 30


def test_progress_bar_is_shown_and_changes_nothing(capsys):
    kw = {"steps": 5, "backend": "numpy", "record": "final"}
    with_bar = run(one_big_gradient(3), adam(0.1), progress=True, **kw)
    assert "adam on one_big_gradient" in capsys.readouterr().err
    without = run(one_big_gradient(3), adam(0.1), progress=False, **kw)
    assert np.array_equal(with_bar.x_final.values, without.x_final.values)
