"""Stationary mean direction of Adam at a frozen x (D0 > 0 floor of docs/theory §3.4)."""

import numpy as np
import pytest

from adamtheory.kernels.stationary import stationary_direction, stationary_root


def test_symmetric_centres_root_is_the_mean():
    centres = [-1.0, 0.0, 1.0, 2.0]  # symmetric about 0.5: E[u](x) is odd about x* = 0.5
    xs = np.linspace(0.0, 1.0, 21)
    d = stationary_direction(xs, centres, 0.5, 0.5, epochs=400, burn_in=20, chains=8)
    root = stationary_root(xs, d.mean(axis=1))
    assert abs(root - 0.5) < 0.02


def test_asymmetric_root_moves_towards_the_mean_as_beta2_grows():
    centres = [0.0, 0.0, 0.0, 3.0]
    xs = np.linspace(0.2, 0.85, 27)
    gaps = []
    for b2 in (0.5, 0.9, 0.99):
        d = stationary_direction(
            xs, centres, 0.5, b2, epochs=600, burn_in=int(20 / (1 - b2)), chains=8
        )
        gaps.append(abs(stationary_root(xs, d.mean(axis=1)) - 0.75))
    assert gaps[0] > 0.1 and gaps[0] > gaps[1] > gaps[2]


def test_direction_is_increasing_in_x_and_reproducible():
    xs = np.linspace(-1, 2, 7)
    a = stationary_direction(xs, [0.0, 1.0, 5.0], 0.9, 0.99, epochs=200, burn_in=50, chains=4)
    b = stationary_direction(xs, [0.0, 1.0, 5.0], 0.9, 0.99, epochs=200, burn_in=50, chains=4)
    assert np.array_equal(a, b) and np.all(np.diff(a.mean(axis=1)) > 0)
    assert np.isnan(stationary_root([0.0, 1.0], [1.0, 2.0]))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.1}, "beta2"),
        ({"chains": 1}, "chains"),
        ({"sampling": "random"}, "sampling"),
        ({"centres": [1.0]}, "centres"),
    ],
)
def test_bad_input(kwargs, match):
    args = {
        "xs": [0.0],
        "centres": [0.0, 1.0],
        "beta1": 0.5,
        "beta2": 0.5,
        "chains": 2,
        "epochs": 2,
        "burn_in": 0,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        stationary_direction(
            args.pop("xs"), args.pop("centres"), args.pop("beta1"), args.pop("beta2"), **args
        )
