"""R18 Section 5 (claim R-FIG1): the long-run kernel of adamtheory.kernels.atlas against its
NumPy reference and the closed-form drift, input checks, and the theory's typed constants."""

import numpy as np
import pytest

from adamtheory.claims import r18
from adamtheory.kernels.atlas import ReddiConfig, reddi_numba, reddi_reference, reddi_runs
from adamtheory.kernels.sampling import trajectory_keys
from adamtheory.theory import divergence as dv

# docs/theory §3.3, typed in: mu(0.9, 0.99; n = 101, r = 101) = -1.90, beta2*(0.9) ~ 0.99952
THEORY_MU = -1.90
THEORY_EDGE = 0.99952


def test_theory_constants_of_the_online_example():
    assert float(dv.cyclic_drift(0.9, 0.99, 101, 101.0)) == pytest.approx(THEORY_MU, abs=0.005)
    assert r18._fig1_edge() == pytest.approx(THEORY_EDGE, abs=5e-6)


@pytest.mark.parametrize("setting", ["online", "stochastic"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_numba_kernel_is_bit_identical_to_the_reference(setting, amsgrad):
    cfg = ReddiConfig(setting, steps=700, period=7, p=0.2, amsgrad=amsgrad, checkpoints=9)
    b1, b2 = np.array([0.0, 0.9, 0.5]), np.array([0.3, 0.99, 0.9])
    keys = trajectory_keys(3, np.arange(3))
    a = reddi_reference(b1, b2, cfg, keys)
    b = reddi_numba(b1, b2, cfg, keys)
    for k in ("x", "regret", "x_final", "drift", "t"):
        np.testing.assert_array_equal(a[k], b[k])
    assert np.all(np.abs(a["x"]) <= 1.0)  # the projection onto [-1, 1]


def test_online_drift_is_the_closed_form_and_adam_goes_to_the_worst_point():
    cfg = ReddiConfig("online", steps=101 * 1500)
    out = reddi_runs([0.9], [0.99], cfg)
    mu = float(dv.cyclic_drift(0.9, 0.99, 101, 101.0))
    assert out["drift"][0, 0] == pytest.approx(mu, rel=1e-9)
    ams = reddi_runs([0.9], [0.99], ReddiConfig("online", steps=101 * 1500, amsgrad=True))
    assert out["x_final"][0, 0] > 0.9 > -0.9 > ams["x_final"][0, 0]


def test_runs_are_keyed_by_global_ids():
    cfg = ReddiConfig("stochastic", steps=500, checkpoints=5, seed=4)
    together = reddi_runs([0.9, 0.5], [0.99, 0.9], cfg, trajectories=2)
    keys = trajectory_keys(4, np.arange(4))
    alone = reddi_numba(np.repeat([0.9, 0.5], 2), np.repeat([0.99, 0.9], 2), cfg, keys)
    np.testing.assert_array_equal(together["x_final"].ravel(), alone["x_final"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"setting": "batch", "steps": 10}, "setting must be one of"),
        ({"setting": "online", "steps": 1}, "steps must be an integer >= 2"),
        ({"setting": "online", "steps": 10, "p": 1.5}, r"p must lie in \(0, 1\)"),
        ({"setting": "online", "steps": 10, "x0": 2.0}, r"x0 must lie in \[-1, 1\]"),
        ({"setting": "online", "steps": 10, "small": 3.0}, "small must be a finite negative"),
        ({"setting": "online", "steps": 10, "lr": 0.0}, "lr must be"),
    ],
)
def test_config_rejects_bad_input_naming_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReddiConfig(**kwargs)


def test_run_rejects_bad_arrays():
    cfg = ReddiConfig("online", steps=10)
    with pytest.raises(ValueError, match="beta2 must lie in"):
        reddi_runs([0.9], [1.0], cfg)
    with pytest.raises(ValueError, match="same length"):
        reddi_runs([0.9, 0.5], [0.9], cfg)
    with pytest.raises(TypeError, match="keys must be a uint64"):
        reddi_numba([0.9], [0.9], cfg, np.zeros(1))
    with pytest.raises(TypeError, match="cfg must be a ReddiConfig"):
        reddi_runs([0.9], [0.9], {"setting": "online"})


def test_prediction_flips_at_the_edge():
    edge = r18._fig1_edge()
    pred = r18._fig1_prediction(edge)
    assert pred["online_x"]["adam, beta2=0.99"] == 1.0
    assert pred["online_x"]["adam, beta2=0.9999"] == -1.0
    moved = r18._fig1_perturbed(gap_factor=3.0)(pred)
    assert moved["online_x"]["adam, beta2=0.999"] == -1.0
    assert pred["regret"]["adam, beta2=0.99"] == pytest.approx(20 / 101)
