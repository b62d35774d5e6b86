"""Counterexample sweep and drift-chain kernels (docs/theory §3.1-§3.2): the Numba kernels equal
the NumPy references bit for bit, the reference equals the general runner, chunking and backends
change no number, the classification and the drift estimates agree with the theory."""

import itertools
import warnings

import numpy as np
import pytest
import xarray as xr

import adamtheory
from adamtheory.kernels import adam
from adamtheory.kernels.counterexample import (
    CONVERGED,
    DIVERGED,
    UNDECIDED,
    ChainConfig,
    SweepConfig,
    drift_chain_reference,
    sweep_reference,
)
from adamtheory.kernels.fused import drift_chain_numba, sweep_numba
from adamtheory.kernels.sampling import trajectory_keys
from adamtheory.kernels.sweeps import divergence_sweep, drift_estimate, region_area
from adamtheory.problems import one_big_gradient
from adamtheory.theory.divergence import cyclic_drift

SAMPLINGS = ("shuffle", "iid", "cyclic")
OUTPUTS = ("status", "diverged_at", "x_final", "x_half", "max_abs_x", "min_grad_norm")


def random_grid(size, seed):
    """Random (β1, β2) points in [0, 1) plus the corners that exercise 0**0 and slow EMAs."""
    rng = np.random.default_rng(seed)
    b1 = rng.uniform(0.0, 0.99, size)
    b2 = rng.uniform(0.0, 0.999, size)
    b1[:4] = [0.0, 0.0, 0.9, 0.99]
    b2[:4] = [0.0, 0.999, 0.0, 0.999]
    return b1, b2


def assert_same_outputs(a, b):
    assert set(a) == set(b) == set(OUTPUTS)
    for name in OUTPUTS:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name]), name


# ------------------------------------------------------------------------ Numba == reference
@pytest.mark.parametrize("sampling", SAMPLINGS)
@pytest.mark.parametrize("bias_correction", [True, False])
def test_sweep_numba_bit_identical_to_reference(sampling, bias_correction):
    n = 10
    b1, b2 = random_grid(60, seed=3)
    keys = trajectory_keys(3, np.arange(b1.size))
    statuses = set()
    for eps, a, x0, schedule in itertools.product(
        [0.0, 1e-8], [1.0, 1.0 / (n - 1) ** 2], [0.0, -3.3], ["constant", "inv_sqrt_epoch"]
    ):
        cfg = SweepConfig(
            n=n,
            epochs=60,
            a=a,
            lr=0.5,
            sampling=sampling,
            schedule=schedule,
            eps=eps,
            bias_correction=bias_correction,
            x0=x0,
            seed=3,
        )
        ref = sweep_reference(b1, b2, cfg, keys)
        assert_same_outputs(sweep_numba(b1, b2, cfg, keys), ref)
        statuses.update(np.unique(ref["status"]).tolist())
    # the comparison covered every classification outcome
    assert statuses == {DIVERGED, UNDECIDED, CONVERGED}


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_drift_chain_numba_bit_identical_to_reference(sampling):
    b1, b2 = random_grid(30, seed=4)
    for n, r in [(5, 5.0), (10, 90.0)]:
        cfg = ChainConfig(n=n, r=r, sampling=sampling, burn_in=20, epochs=30, chains=3, seed=4)
        keys = trajectory_keys(4, np.arange(b1.size * cfg.chains))
        ref = drift_chain_reference(b1, b2, cfg, keys)
        got = drift_chain_numba(b1, b2, cfg, keys)
        assert ref.shape == got.shape == (b1.size, 3)
        assert np.array_equal(ref, got)
        # chains of one point differ unless the order is deterministic
        spread = np.ptp(ref[4:], axis=1)
        assert (spread == 0).all() if sampling == "cyclic" else (spread > 0).all()


# ------------------------------------------------------------------------ reference == runner
def _runner_x_final(b1, b2, cfg):
    opt = adam(cfg.lr, beta1=b1, beta2=b2, eps=cfg.eps, bias_correction=cfg.bias_correction)
    ds = adamtheory.run(
        one_big_gradient(cfg.n, cfg.a),
        opt,
        epochs=cfg.epochs,
        sampling=cfg.sampling,
        schedule="inv_sqrt_epoch",
        x0=[cfg.x0],
        seed=cfg.seed,
        backend="numpy",
        record="final",
    )
    return ds.x_final.values[:, 0]


def _compare_with_runner(b1, b2, cfg):
    ref = sweep_reference(b1, b2, cfg, trajectory_keys(cfg.seed, np.arange(b1.size)))
    np.testing.assert_allclose(_runner_x_final(b1, b2, cfg), ref["x_final"], rtol=1e-12, atol=0)
    return ref


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_sweep_reference_matches_runner_short_horizon(sampling):
    # With bias correction the two codes round differently (β^t by repeated products vs pow),
    # and near x* = -2 the map amplifies 1-ulp differences, so all settings are compared over a
    # horizon short enough for float64 to be exact to 1e-12 ...
    n = 9
    b1, b2 = random_grid(40, seed=11)
    for bc, eps, a, x0 in itertools.product(
        [True, False], [0.0, 1e-8], [1.0, 1.0 / (n - 1) ** 2], [0.0, -3.3]
    ):
        cfg = SweepConfig(
            n=n,
            epochs=6,
            a=a,
            lr=0.5,
            sampling=sampling,
            eps=eps,
            bias_correction=bc,
            x0=x0,
            seed=7,
        )
        _compare_with_runner(b1, b2, cfg)


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_sweep_reference_matches_runner_long_horizon(sampling):
    # ... and over 120 epochs where rounding is not amplified: without bias correction (same
    # operations), and with it where the drift is clearly negative and x runs away from x*.
    n = 9
    b1, b2 = random_grid(40, seed=12)
    for eps, a, x0 in itertools.product([0.0, 1e-8], [1.0, 1.0 / (n - 1) ** 2], [0.0, -3.3]):
        cfg = SweepConfig(
            n=n,
            epochs=120,
            a=a,
            lr=0.5,
            sampling=sampling,
            eps=eps,
            bias_correction=False,
            x0=x0,
            seed=8,
        )
        _compare_with_runner(b1, b2, cfg)
    g1, g2 = (g.ravel() for g in np.meshgrid(np.linspace(0, 0.6, 6), np.linspace(0, 0.5, 6)))
    assert cyclic_drift(g1, g2, n).max() < -1.0
    for eps, x0 in itertools.product([0.0, 1e-8], [0.0, -3.3]):
        cfg = SweepConfig(
            n=n,
            epochs=120,
            a=1.0,
            lr=0.5,
            sampling=sampling,
            eps=eps,
            bias_correction=True,
            x0=x0,
            seed=9,
        )
        ref = _compare_with_runner(g1, g2, cfg)
        assert (ref["status"] == DIVERGED).all()


# ------------------------------------------------------------------------ sweeps (xarray)
def _assert_datasets_equal(a, b):
    assert set(a.data_vars) == set(b.data_vars) == set(OUTPUTS)
    for name in OUTPUTS:
        assert a[name].dims == ("beta1", "beta2", "replicate")
        assert np.array_equal(a[name].values, b[name].values), name
    for coord in ("beta1", "beta2", "replicate"):
        assert np.array_equal(a[coord].values, b[coord].values)


def test_divergence_sweep_chunking_backends_and_streams():
    b1_axis = np.array([0.0, 0.2, 0.5, 0.8, 0.95])
    b2_axis = np.array([0.0, 0.3, 0.9, 0.999])
    cfg = SweepConfig(n=10, epochs=40, sampling="shuffle", seed=5)
    base = divergence_sweep(b1_axis, b2_axis, cfg, replicates=3, backend="numba", chunk_size=10**6)
    assert base.status.shape == (5, 4, 3)
    _assert_datasets_equal(
        divergence_sweep(b1_axis, b2_axis, cfg, replicates=3, backend="numba", chunk_size=7), base
    )
    _assert_datasets_equal(
        divergence_sweep(b1_axis, b2_axis, cfg, replicates=3, backend="numpy", chunk_size=7), base
    )
    _assert_datasets_equal(
        divergence_sweep(b1_axis, b2_axis, cfg, replicates=3, backend="auto"), base
    )
    assert base.attrs["backend"] == "numba"
    # global ids: trajectory (i, j, rep) uses id (i * 4 + j) * 3 + rep
    g1, g2, _ = np.meshgrid(b1_axis, b2_axis, np.arange(3), indexing="ij")
    direct = sweep_reference(g1.ravel(), g2.ravel(), cfg, trajectory_keys(5, np.arange(60)))
    for name in OUTPUTS:
        assert np.array_equal(base[name].values.ravel(), direct[name]), name
    # replicates use different streams: with beta1 > 0 the order matters, so they differ
    x = base.x_final.values[1:]
    for r1, r2 in itertools.combinations(range(3), 2):
        assert (x[..., r1] != x[..., r2]).all()
    # another seed gives other streams
    other = divergence_sweep(b1_axis, b2_axis, SweepConfig(n=10, epochs=40, seed=6))
    assert (other.x_final.values[1:, :, 0] != x[..., 0]).all()


def test_divergence_sweep_cupy_warns_and_uses_numba():
    b1_axis, b2_axis = [0.0, 0.5, 0.9], [0.1, 0.99]
    cfg = SweepConfig(n=6, epochs=30, sampling="iid", seed=2)
    with pytest.warns(RuntimeWarning, match="cupy"):
        got = divergence_sweep(b1_axis, b2_axis, cfg, replicates=2, backend="cupy")
    assert got.attrs["backend"] == "numba"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = divergence_sweep(b1_axis, b2_axis, cfg, replicates=2, backend="numba")
    _assert_datasets_equal(got, want)


# ------------------------------------------------------------------------ classification
def test_sign_sgd_corner_diverges_every_replicate():
    # beta1 = beta2 = 0: sign descent, every epoch moves x by -(2 - n) * eta_k (docs/theory §3.2)
    for sampling in SAMPLINGS:
        ds = divergence_sweep(
            [0.0], [0.0], SweepConfig(n=10, epochs=200, sampling=sampling), replicates=8
        )
        assert (ds.status.values == DIVERGED).all()
        assert (ds.x_final.values > 0).all()


@pytest.mark.parametrize("x0", [0.0, -3.3])
def test_positive_cyclic_drift_converges(x0):
    b1, b2, n = 0.9, 0.999, 10
    assert cyclic_drift(b1, b2, n) > 0.3
    ds = divergence_sweep(
        [b1], [b2], SweepConfig(n=n, epochs=1000, sampling="cyclic", x0=x0), replicates=2
    )
    assert (ds.status.values == CONVERGED).all()
    assert np.abs(ds.x_final.values + 2.0).max() <= 0.05 * max(1.0, abs(x0 + 2.0))
    assert (ds.diverged_at.values == -1).all()


@pytest.mark.parametrize("lr", [1e99, 1e300])
@pytest.mark.parametrize("x0", [0.0, -3.3])
def test_overflow_is_diverged_and_finite(lr, x0):
    b1 = np.array([0.0, 0.5, 0.2])
    b2 = np.array([0.0, 0.5, 0.3])
    # small beta2: from x0 < -2 a first step of ~lr makes v ~ lr^2, which takes ~log(lr^2) /
    # log(1/beta2) steps to forget (about 440 epochs at beta2 = 0.9, lr = 1e99)
    cfg = SweepConfig(n=10, epochs=200, lr=lr, schedule="constant", x0=x0)
    keys = trajectory_keys(0, np.arange(3))
    ref = sweep_reference(b1, b2, cfg, keys)
    assert_same_outputs(sweep_numba(b1, b2, cfg, keys), ref)
    assert (ref["status"] == DIVERGED).all()
    assert ((ref["diverged_at"] >= 1) & (ref["diverged_at"] <= 200)).all()
    for name in ("x_final", "x_half", "max_abs_x", "min_grad_norm"):
        assert np.isfinite(ref[name]).all(), name
    assert (np.abs(ref["x_final"]) <= 1e100).all()
    assert (ref["max_abs_x"] <= 1e100).all()
    if lr == 1e300:  # the very first step overflows: frozen at x0 in epoch 1
        assert (ref["x_final"] == x0).all() and (ref["diverged_at"] == 1).all()


# ------------------------------------------------------------------------ drift estimates
def test_drift_estimate_cyclic_equals_closed_form():
    n = 10
    b1_axis = np.array([0.0, 0.5, 0.9, 0.99])
    b2_axis = np.array([0.0, 0.5, 0.9, 0.99, 0.999])
    # burn-in: 0.999^(10 * 3500) ~ 6e-16
    for r in (10.0, 90.0):
        cfg = ChainConfig(n=n, r=r, sampling="cyclic", burn_in=3500, epochs=20, chains=8)
        ds = drift_estimate(b1_axis, b2_axis, cfg)
        g1, g2 = np.meshgrid(b1_axis, b2_axis, indexing="ij")
        np.testing.assert_allclose(ds.drift.values, cyclic_drift(g1, g2, n, r), rtol=0, atol=1e-10)
        assert (ds.half_width.values == 0).all()
        assert np.array_equal(ds.ci_low.values, ds.drift.values)
        assert np.array_equal(ds.ci_high.values, ds.drift.values)
    # not enough burn-in is visible at this tolerance (the check can fail)
    short = drift_estimate(
        [0.9], [0.999], ChainConfig(n=n, r=10.0, sampling="cyclic", burn_in=10, epochs=20)
    )
    assert abs(short.drift.values[0, 0] - cyclic_drift(0.9, 0.999, n)) > 1e-6


@pytest.mark.parametrize("n", [3, 10, 25])
def test_drift_estimate_sign_sgd_is_two_minus_n(n):
    for sampling in SAMPLINGS:
        ds = drift_estimate(
            [0.0],
            [0.0],
            ChainConfig(n=n, r=float(n), sampling=sampling, burn_in=3, epochs=40, chains=4),
        )
        if sampling == "iid":  # with replacement the count of r's per epoch is random
            assert ds.half_width.values[0, 0] > 0
        else:
            assert ds.drift.values[0, 0] == 2 - n
            assert ds.half_width.values[0, 0] == 0


def test_drift_estimate_iid_has_positive_width_and_covers_backends():
    cfg = ChainConfig(n=10, r=10.0, sampling="iid", burn_in=50, epochs=100, chains=8, seed=3)
    b1_axis, b2_axis = [0.0, 0.5, 0.9], [0.3, 0.9, 0.99]
    ds = drift_estimate(b1_axis, b2_axis, cfg)
    assert ds.drift.dims == ("beta1", "beta2")
    assert (ds.half_width.values > 0).all()
    assert (ds.ci_low.values < ds.drift.values).all()
    assert (ds.drift.values < ds.ci_high.values).all()
    np.testing.assert_allclose(
        ds.ci_high.values - ds.drift.values, ds.half_width.values, rtol=1e-12
    )
    np.testing.assert_allclose(ds.drift.values - ds.ci_low.values, ds.half_width.values, rtol=1e-12)
    # chunking and backend change no number
    for kwargs in ({"backend": "numpy"}, {"chunk_size": 10}, {"backend": "numpy", "chunk_size": 1}):
        other = drift_estimate(b1_axis, b2_axis, cfg, **kwargs)
        for name in ("drift", "half_width", "ci_low", "ci_high"):
            assert np.array_equal(other[name].values, ds[name].values), (kwargs, name)


def test_drift_estimate_cyclic_half_width_zero_for_any_chain_count():
    cfg = ChainConfig(n=10, r=10.0, sampling="cyclic", burn_in=400, epochs=20, chains=3)
    ds = drift_estimate([0.0, 0.5, 0.9, 0.3], [0.0, 0.5, 0.99, 0.7], cfg)
    assert (ds.half_width.values == 0).all()


# ------------------------------------------------------------------------ region area
def _status(values, b1_axis, b2_axis):
    return xr.DataArray(
        values, dims=("beta1", "beta2"), coords={"beta1": b1_axis, "beta2": b2_axis}
    )


def test_region_area():
    rng = np.random.default_rng(0)
    b1_axis = np.sort(rng.uniform(0, 1, 17))
    b2_axis = 1 - np.logspace(0, -6, 23)  # non-uniform, starts at 0
    full = np.full((17, 23), DIVERGED)
    assert region_area(_status(full, b1_axis, b2_axis)) == pytest.approx(1.0, abs=1e-14)
    none = np.full((17, 23), CONVERGED)
    assert region_area(_status(none, b1_axis, b2_axis)) == 0.0
    assert region_area(_status(np.full((17, 23), UNDECIDED), b1_axis, b2_axis)) == 0.0
    # transposed input and a replicate dimension (majority vote)
    assert region_area(_status(full, b1_axis, b2_axis).T) == pytest.approx(1.0, abs=1e-14)
    reps = xr.concat(
        [_status(full, b1_axis, b2_axis)] * 2 + [_status(none, b1_axis, b2_axis)], "replicate"
    )
    assert region_area(reps) == pytest.approx(1.0, abs=1e-14)
    reps = xr.concat(
        [_status(full, b1_axis, b2_axis)] + [_status(none, b1_axis, b2_axis)] * 2, "replicate"
    )
    assert region_area(reps) == 0.0
    # diverged exactly where beta2 < 0.5 on a uniform fine grid
    axis = (np.arange(200) + 0.5) / 200
    half = np.where(axis[None, :] < 0.5, DIVERGED, CONVERGED) * np.ones((200, 1), dtype=int)
    assert region_area(_status(half, axis, axis)) == pytest.approx(0.5, abs=1e-12)
    axis2 = np.linspace(0, 0.999, 301)
    half2 = np.where(axis2[None, :] < 0.5, DIVERGED, CONVERGED) * np.ones((301, 1), dtype=int)
    assert region_area(_status(half2, axis2, axis2)) == pytest.approx(0.5, abs=2e-3)
    # a triangle beta2 < beta1 has area 1/2 as well, a quarter square 1/4
    tri = np.where(axis[None, :] < axis[:, None], DIVERGED, CONVERGED)
    assert region_area(_status(tri, axis, axis)) == pytest.approx(0.5, abs=3e-3)
    quarter = np.where((axis[:, None] < 0.5) & (axis[None, :] < 0.5), DIVERGED, CONVERGED)
    assert region_area(_status(quarter, axis, axis)) == pytest.approx(0.25, abs=1e-12)


# ------------------------------------------------------------------------ bad input
B3 = np.array([0.1, 0.2, 0.3])
KEYS3 = trajectory_keys(0, np.arange(3))
CFG = SweepConfig(n=5, epochs=10)
CHAIN = ChainConfig(n=5, r=5.0, chains=2)
KERNELS = [sweep_reference, sweep_numba]
CHAIN_KERNELS = [drift_chain_reference, drift_chain_numba]


@pytest.mark.parametrize("kernel", KERNELS + CHAIN_KERNELS)
def test_kernels_bad_grid(kernel):
    cfg, keys = (CFG, KEYS3) if kernel in KERNELS else (CHAIN, trajectory_keys(0, np.arange(6)))
    with pytest.raises(ValueError, match="beta1 and beta2"):
        kernel(B3, B3[:2], cfg, keys)
    with pytest.raises(ValueError, match="^beta1 "):
        kernel(np.array([0.1, 1.0, 0.3]), B3, cfg, keys)
    with pytest.raises(ValueError, match="^beta2 "):
        kernel(B3, np.array([0.1, -0.2, 0.3]), cfg, keys)
    with pytest.raises(ValueError, match="^beta2 "):
        kernel(B3, np.array([0.1, np.nan, 0.3]), cfg, keys)


@pytest.mark.parametrize(
    "kernel",
    [
        sweep_numba,
        sweep_reference,
    ],
)
@pytest.mark.parametrize("keys", [KEYS3[:1], trajectory_keys(0, np.arange(4)), KEYS3[:, None]])
def test_sweep_kernels_bad_keys_shape(kernel, keys):
    with pytest.raises(ValueError, match="^keys "):
        kernel(B3, B3, SweepConfig(n=5, epochs=10, sampling="shuffle"), keys)


@pytest.mark.parametrize("kernel", CHAIN_KERNELS)
@pytest.mark.parametrize(
    "keys", [KEYS3, trajectory_keys(0, np.arange(6))[:, None], trajectory_keys(0, np.arange(7))]
)
def test_chain_kernels_bad_keys_shape(kernel, keys):
    with pytest.raises(ValueError, match="^keys "):
        kernel(B3, B3, CHAIN, keys)


@pytest.mark.parametrize("kernel", KERNELS)
def test_sweep_kernels_reject_float_keys(kernel):
    with pytest.raises((TypeError, ValueError), match="keys"):
        kernel(B3, B3, CFG, KEYS3.astype(np.float64))


@pytest.mark.parametrize("kernel", KERNELS + CHAIN_KERNELS)
def test_kernels_reject_wrong_config_type(kernel):
    with pytest.raises(TypeError, match="cfg|config"):
        kernel(B3, B3, {"n": 5, "epochs": 10, "r": 5.0, "chains": 1}, KEYS3)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 1, "epochs": 10}, "n"),
        ({"n": 5, "epochs": 1}, "epochs"),
        ({"n": 5, "epochs": 10, "sampling": "random"}, "sampling"),
        ({"n": 5, "epochs": 10, "schedule": "inv_sqrt_step"}, "schedule"),
        ({"n": 5, "epochs": 10, "a": 0.0}, "a"),
        ({"n": 5, "epochs": 10, "lr": -1.0}, "lr"),
        ({"n": 5, "epochs": 10, "eps": -1e-8}, "eps"),
    ],
)
def test_sweep_config_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        SweepConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 1, "r": 1.0}, "n"),
        ({"n": 5, "r": 0.0}, "r"),
        ({"n": 5, "r": 5.0, "sampling": "sorted"}, "sampling"),
        ({"n": 5, "r": 5.0, "epochs": 0}, "epochs"),
        ({"n": 5, "r": 5.0, "chains": 1}, "chains"),
    ],
)
def test_chain_config_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        ChainConfig(**kwargs)


def test_sweeps_bad_input():
    with pytest.raises(ValueError, match="^backend "):
        divergence_sweep(B3, B3, CFG, backend="gpu")
    with pytest.raises(ValueError, match="^backend "):
        drift_estimate(B3, B3, CHAIN, backend="tpu")
    with pytest.raises(ValueError, match="^beta2 "):
        divergence_sweep(B3, [0.5, 1.0], CFG)
    with pytest.raises(ValueError, match="^beta1 "):
        drift_estimate([-0.1], B3, CHAIN)
    with pytest.raises(ValueError, match="^beta1 "):
        divergence_sweep(np.ones((2, 2)) * 0.5, B3, CFG)
    with pytest.raises(ValueError, match="^replicates "):
        divergence_sweep(B3, B3, CFG, replicates=0)
    with pytest.raises(ValueError, match="^chunk_size "):
        divergence_sweep(B3, B3, CFG, chunk_size=0)
    with pytest.raises(TypeError, match="config"):
        divergence_sweep(B3, B3, CHAIN)
    with pytest.raises(TypeError, match="config"):
        divergence_sweep(B3, B3, {"n": 5, "epochs": 10})
    with pytest.raises(TypeError, match="config"):
        drift_estimate(B3, B3, CFG)


def test_chunks_through_an_executor_change_no_number():
    """The chunk functions are pure (β slice, config, global ids): a thread pool (any
    ``concurrent.futures`` executor, via kernels.executors.map_chunks) gives the same bits."""
    from concurrent.futures import ThreadPoolExecutor

    from adamtheory.kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
    from adamtheory.problems.counterexamples import one_big_gradient
    from adamtheory.problems.user import user_finite_sum

    b1, b2 = np.linspace(0, 0.9, 5), np.linspace(0, 0.999, 4)
    cfg = SweepConfig(n=5, epochs=12, seed=3)
    chain = ChainConfig(n=5, r=5.0, burn_in=5, epochs=10, chains=4, seed=1)
    obg = one_big_gradient(5)
    problem = user_finite_sum(obg.component_grad, n=5, x0=[0.0], x_star=[-2.0])
    fs = FiniteSumSweepConfig(epochs=6, seed=2)
    with ThreadPoolExecutor(2) as ex:
        pairs = [
            (
                divergence_sweep(b1, b2, cfg, replicates=2, backend="numba", chunk_size=7),
                divergence_sweep(
                    b1, b2, cfg, replicates=2, backend="numba", chunk_size=7, executor=ex
                ),
            ),
            (
                drift_estimate(b1, b2, chain, chunk_size=8),
                drift_estimate(b1, b2, chain, chunk_size=8, executor=ex),
            ),
            (
                finite_sum_sweep(b1, b2, problem, fs, chunk_size=6),
                finite_sum_sweep(b1, b2, problem, fs, chunk_size=6, executor=ex),
            ),
        ]
    for local, pooled in pairs:
        for name in local.data_vars:
            assert np.array_equal(local[name].values, pooled[name].values), name
