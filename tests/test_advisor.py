"""The critical-beta2 advisor: drift boundaries, no-constraint case, the 1-D chain."""

from __future__ import annotations

import json

import numpy as np
import pytest

from adamtheory.analysis.advisor import critical_beta2
from adamtheory.kernels.realdata import frozen_chain
from adamtheory.kernels.stationary import stationary_direction


def _pattern(n, big=None, small=-1.0):
    return np.array([[float(n if big is None else big)]] + [[small]] * (n - 1))


@pytest.mark.slow
def test_reproduces_the_counterexample_boundary():
    # docs/theory §3.2: beta2* = 0.9581 at n = 10, shuffle, beta1 = 0, a = 1 (two implementations)
    adv = critical_beta2(
        _pattern(10),
        beta1=[0.0],
        target_beta1=0.0,
        one_minus_beta2=np.linspace(0.035, 0.05, 8),
        epochs=200,
        burn_in=20,
        chains=4,
        resamples=50,
        refine=0,
    )
    assert abs(adv.beta2_star[0] - 0.9581) < 1e-3
    lo, hi = adv.low[0], adv.high[0]
    assert lo <= adv.one_minus_beta2_star[0] <= hi


def test_reproduces_r18s_online_boundary():
    # docs/theory §3.3: beta2*(beta1 = 0.9) = 0.99952 for 1010x once per 101 steps, else -10x
    adv = critical_beta2(
        _pattern(101, 1010.0, -10.0),
        beta1=[0.9],
        sampling="cyclic",
        one_minus_beta2=np.linspace(4e-4, 6e-4, 9),
        epochs=20,
        burn_in=120,
        chains=2,
        resamples=10,
        refine=0,
    )
    assert abs(adv.beta2_star[0] - 0.99952) < 2e-5


def test_identical_minibatch_gradients_give_no_constraint():
    adv = critical_beta2(
        np.tile([[0.5, -2.0, 1.0]], (8, 1)),
        beta1=[0.0, 0.5],
        epochs=20,
        burn_in=2,
        chains=2,
        resamples=10,
    )
    assert adv.no_constraint and adv.recommended_beta2 is None
    assert "no constraint" in adv.table()
    assert json.loads(adv.to_json())["no_constraint"] is True


def test_frozen_chain_equals_the_one_dimensional_stationary_chain():
    centres = np.array([0.0, 0.0, 0.0, 3.0])
    x = 0.4
    ref = stationary_direction([x], centres, 0.5, 0.9, epochs=30, burn_in=5, chains=3, seed=4)
    got = frozen_chain((x - centres)[:, None], 0.5, [0.9], epochs=30, burn_in=5, chains=3, seed=4)[
        "U"
    ][0, :, 0]
    np.testing.assert_allclose(got, ref[0], rtol=1e-10, atol=1e-13)


def test_bias_criterion_at_a_minimiser_and_recommendation():
    rng = np.random.default_rng(0)
    G = rng.exponential(size=(30, 3)) ** 2  # skewed: small beta2 biases Adam's direction
    G -= G.mean(axis=0)  # a minimiser: mean gradient 0 (up to rounding)
    adv = critical_beta2(
        G, beta1=[0.0], target_beta1=0.0, epochs=20, burn_in=5, chains=4, resamples=20
    )
    assert adv.criterion == "bias"
    assert 0 < adv.one_minus_beta2_star[0] < 0.5
    assert adv.recommended_beta2 > adv.beta2_star[0]
    assert adv.beta1_ok


@pytest.mark.parametrize(
    "grads, kwargs, word",
    [
        (np.array([1.0, 2.0]), {}, "grads"),
        (np.array([[1.0], [np.nan]]), {}, "grads"),
        (np.ones((4, 2)), {"beta1": [1.0]}, "beta1"),
        (np.ones((4, 2)), {"beta1": []}, "beta1"),
        (np.ones((4, 2)), {"criterion": "magic"}, "criterion"),
        (np.ones((4, 2)), {"sampling": "random"}, "sampling"),
    ],
)
def test_bad_input_names_the_parameter(grads, kwargs, word):
    with pytest.raises(ValueError, match=word):
        critical_beta2(grads, **kwargs)


def test_dataset_source_needs_a_batch():
    with pytest.raises(ValueError, match="batch"):
        critical_beta2("digits")


def test_a_boundary_beyond_the_grid_gives_no_recommendation():
    # beta2* = 0.958 at n = 10: on a grid of 1 - beta2 in [0.2, 0.5] the criterion fails
    # everywhere, so there is nothing to recommend (not "beta2 >= 1")
    adv = critical_beta2(
        _pattern(10),
        beta1=[0.0],
        target_beta1=0.0,
        one_minus_beta2=[0.2, 0.3, 0.5],
        epochs=40,
        burn_in=10,
        chains=2,
        resamples=10,
        refine=0,
    )
    assert adv.recommended_beta2 is None and adv.beta1_ok is False and not adv.no_constraint
    assert "beyond the grid" in adv.table() and "extend one_minus_beta2" in adv.scope


@pytest.mark.parametrize("name,value", [("threshold", float("nan")), ("epochs", 0)])
def test_bad_advisor_settings_name_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        critical_beta2(_pattern(10), **{name: value})
