"""The sequential atlas (adamtheory.kernels.atlas.atlas_sweep, analysis.regions.build_atlas):
verdicts against the closed-form drift, reproducibility under chunking, the Z22 initial state,
input checks, and the ``region`` command's semantics options (one-line errors)."""

import json

import numpy as np
import pytest

from adamtheory.analysis.regions import atlas_dataset, build_atlas
from adamtheory.cli import main
from adamtheory.kernels import adam_core as ac
from adamtheory.kernels.atlas import AtlasConfig, atlas_chunk, atlas_sweep
from adamtheory.theory import divergence as dv


@pytest.mark.slow
def test_cyclic_verdicts_follow_the_closed_form_drift_on_both_sides():
    # cyclic order: the chain is deterministic, mu_cyc exact; points with |mu| > 0.02
    b1 = np.array([0.0, 0.3, 0.6])
    b2 = np.array([0.5, 0.9, 0.97, 0.99, 0.999])
    out = atlas_sweep(b1, b2, AtlasConfig(n=10, sampling="cyclic", max_epochs=512))
    mu = dv.cyclic_drift(*np.meshgrid(b1, b2, indexing="ij"), 10)
    clear = np.abs(mu) > 0.02
    assert clear.sum() >= 10 and np.any(mu[clear] > 0) and np.any(mu[clear] < 0)
    np.testing.assert_array_equal(out["status"][clear], np.where(mu[clear] < 0, 1, -1))


def test_shuffle_atlas_decides_both_sides_and_agrees_with_the_drift():
    atlas, _, summary = build_atlas(10, 1.0, "shuffle", grid=14, scale="log1m", max_epochs=1024)
    assert summary["undecided_fraction"] <= 0.10
    c = summary["counts_in_scope"]
    assert c["diverged"] > 0 and c["converged"] > 0
    assert summary["agreement"] >= 0.99 and summary["agreement_points"] >= 100
    ds = atlas_dataset(atlas)
    assert ds.status.dtype == np.int32 and json.loads(ds.attrs["config"])["n"] == 10


def test_chunking_does_not_change_any_number():
    cfg = AtlasConfig(n=6, max_epochs=256, seed=3)
    b1, b2 = np.linspace(0, 0.9, 5), np.linspace(0.2, 0.99, 4)
    whole = atlas_sweep(b1, b2, cfg, chunk_size=1000)
    pieces = atlas_sweep(b1, b2, cfg, chunk_size=3)
    for key in ("status", "decided_at", "drift", "x_final", "epochs"):
        np.testing.assert_array_equal(whole[key], pieces[key])


def _python_run(b1, b2, n, epochs, semantics, x0=5.0, lr=1.0):
    """A plain-Python cyclic run of the atlas problem (a = 1: c = n, small -1) with the
    documented initial state: torch m0 = v0 = 0 and bias correction; z22 (recalled Alg. 1)
    m0 = grad of the drawn component tau at x0, v0 = max_i grad_i(x0)^2, no bias correction."""
    from adamtheory.kernels.sampling import STREAM_NOISE, trajectory_keys, uniforms

    c, a = float(n), 1.0
    x, m, v = x0, 0.0, 0.0
    if semantics == "z22":
        tau = min(int(uniforms(trajectory_keys(0, np.arange(1)), 0, STREAM_NOISE)[0] * n), n - 1)
        m, v = (c if tau == 0 else -a), max(c, a) ** 2
    b1t = b2t = 1.0
    for k in range(1, epochs + 1):
        for p in range(n):
            b1t, b2t = b1t * b1, b2t * b2
            slope = 1.0 if x >= -1.0 else x + 2.0
            g = (c if p == 0 else -a) * slope
            x, m, v, _ = ac.adam_step(
                x, m, v, 0.0, g, b1, b2, b1t, b2t, lr / np.sqrt(k), 0.0, semantics != "z22", 0
            )
    return x


@pytest.mark.parametrize("semantics", ["torch", "z22"])
def test_kernel_run_equals_a_plain_python_run_with_the_documented_initial_state(semantics):
    b1, b2 = np.array([0.5]), np.array([0.6])
    out = atlas_chunk(
        b1, b2, AtlasConfig(n=5, sampling="cyclic", semantics=semantics, max_epochs=64), (0, 1)
    )
    epochs = int(out["epochs"][0])
    assert out["x_final"][0] == _python_run(0.5, 0.6, 5, epochs, semantics)
    if semantics == "z22":  # the initial state matters: the torch run differs
        assert out["x_final"][0] != _python_run(0.5, 0.6, 5, epochs, "torch")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 1}, "n must be an integer >= 2"),
        ({"n": 5, "semantics": "keras"}, "semantics must be one of"),
        ({"n": 5, "eps": -1.0}, "eps must be"),
        ({"n": 5, "alpha": 0.0}, r"alpha must lie in \(0, 1\)"),
        ({"n": 5, "first_look": 4}, "first_look must be an integer >= 16"),
        ({"n": 5, "max_epochs": 8}, "max_epochs must be an integer >= 32"),
        ({"n": 5, "x0": float("inf")}, "x0 must be finite"),
        ({"n": 5, "schedule": "cosine"}, "schedule must be one of"),
    ],
)
def test_config_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AtlasConfig(**kwargs)


def test_sweep_rejects_bad_axes_and_config():
    with pytest.raises(ValueError, match=r"beta2 must lie in \[0, 1\)"):
        atlas_sweep([0.5], [1.0], AtlasConfig(n=5))
    with pytest.raises(TypeError, match="cfg must be an AtlasConfig"):
        atlas_sweep([0.5], [0.5], {"n": 5})


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--semantics", "z22"], "--semantics z22 needs --classify sequential"),
        (["--eps", "-1"], "--eps must be a finite number >= 0"),
        (["--lr", "0"], "--lr must be a finite number > 0"),
        (["--x0", "nan"], "--x0 must be a finite number"),
        (["--classify", "sequential", "--max-epochs", "3"], "--max-epochs must be an integer"),
        (["--semantics", "keras"], "invalid choice"),
    ],
)
def test_region_semantics_options_fail_in_one_line(extra, needle, capsys, tmp_path):
    argv = ["region", "--n", "5", "--grid", "4", "--out", str(tmp_path / "x.png"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_region_sequential_z22_writes_figure_json_and_netcdf(tmp_path, capsys):
    out = tmp_path / "r.png"
    argv = [
        "region", "--n", "6", "--grid", "8", "--classify", "sequential", "--semantics", "z22",
        "--max-epochs", "256", "--out", str(out), "--json", str(tmp_path / "r.json"),
        "--data", str(tmp_path / "r.nc"),
    ]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads((tmp_path / "r.json").read_text())
    assert summary["semantics"] == "z22" and summary["config"]["semantics"] == "z22"
    assert out.exists() and out.with_suffix(".pdf").exists() and (tmp_path / "r.nc").exists()


def _max_ratio(grads, b1, b2):
    m = v = 0.0
    worst = 0.0
    for g in grads:
        m, v = ac.adam_moments(m, v, g, b1, b2)
        worst = max(worst, abs(float(ac.safe_divide(m, np.sqrt(v)))))
    return worst


@pytest.mark.parametrize(("b1", "b2"), [(0.0, 0.3), (0.5, 0.9), (0.9, 0.99), (0.6, 0.5)])
def test_step_bound_in_scope_holds_on_adversarial_gradients(b1, b2):
    # Z-CORNER's derived bound (beta1 < sqrt(beta2)), one-sided: heavy tails and geometric
    # growth at the rate 1/sqrt(beta2) (the worst case of each term) stay below it
    gamma = b1 / np.sqrt(b2)
    bound = (1 - b1) / (np.sqrt(1 - b2) * (1 - gamma))
    rng = np.random.default_rng(1)
    for grads in (rng.standard_cauchy(400), np.sqrt(b2) ** -np.arange(200.0)):
        assert _max_ratio(grads, b1, b2) <= bound * (1 + 1e-12)


def test_corner_steps_are_unbounded_when_gradients_shrink():
    # beta1 > sqrt(beta2): shrinking gradients make |m/sqrt(v)| grow without bound
    b1, b2 = 0.9, 0.25
    short = _max_ratio(0.7 ** np.arange(20.0), b1, b2)
    long = _max_ratio(0.7 ** np.arange(60.0), b1, b2)
    assert long > 100 * short > 100


@pytest.mark.slow
@pytest.mark.parametrize("classify", ["fixed", "sequential"])
def test_region_records_eps_schedule_lr_and_x0(classify, tmp_path, capsys):
    argv = [
        "region", "--n", "5", "--grid", "4", "--epochs", "40", "--classify", classify,
        "--eps", "0.001", "--schedule", "constant", "--lr", "0.1", "--x0", "3",
        "--max-epochs", "64", "--out", str(tmp_path / "r.png"), "--json", str(tmp_path / "r.json"),
    ]  # fmt: skip
    assert main(argv) == 0
    config = json.loads((tmp_path / "r.json").read_text())["config"]
    if isinstance(config, str):
        config = json.loads(config)
    assert (config["eps"], config["schedule"], config["lr"], config["x0"]) == (
        0.001,
        "constant",
        0.1,
        3.0,
    )


@pytest.mark.slow
def test_the_atlas_kernels_compile_on_a_cold_cache_when_imported_alone(tmp_path):
    # the module registers adam_core with Numba itself; no other kernel module may be needed
    import os
    import subprocess
    import sys

    code = (
        "from adamtheory.kernels.atlas import ReddiConfig, reddi_runs\n"
        "reddi_runs([0.9], [0.99], ReddiConfig('online', 300))\n"
        "import sys; assert 'adamtheory.kernels.fused' not in sys.modules\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
