r"""Adam's stationary mean direction at a fixed point, for 1-D finite sums.

With diminishing steps Adam settles where the *stationary* mean of its direction vanishes,
:math:`\mathbb E[m/\sqrt v \mid x] = 0`, the chain (m, v) being run with x frozen. Because v is
correlated with the sampled gradient, that point :math:`\hat x` differs from the minimiser
:math:`x^*` when the component gradients differ there (:math:`D_0 > 0`), and the gap shrinks
as :math:`\beta_2 \to 1` (docs/theory §3.4: the :math:`O((1-\beta_2)\sqrt{D_0})` term).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import check_choice, check_int, check_interval
from . import adam_core as ac
from .sampling import (
    SAMPLING_CHOICES,
    STREAM_SAMPLING,
    epoch_permutations,
    trajectory_keys,
    uniforms,
)

__all__ = ["stationary_direction", "stationary_root"]


def stationary_direction(
    xs: Any,
    centres: Any,
    beta1: float,
    beta2: float,
    *,
    sampling: str = "shuffle",
    epochs: int = 2000,
    burn_in: int = 200,
    chains: int = 16,
    seed: int = 0,
) -> np.ndarray:
    r"""Per-chain estimates of :math:`\mathbb E[m/\sqrt v]` at each fixed x: (len(xs), chains).

    The components are :math:`f_i = \tfrac12(x-b_i)^2` (gradients :math:`x - b_i`); ε = 0, no
    bias correction (the stationary chain). Every x uses the same random streams (common random
    numbers), so the estimate is smooth in x and its root is well defined.
    """
    b = np.asarray(centres, dtype=np.float64).ravel()
    x = np.atleast_1d(np.asarray(xs, dtype=np.float64))
    check_interval("beta1", beta1, 0.0, 1.0)
    check_interval("beta2", beta2, 0.0, 1.0)
    check_choice("sampling", sampling, SAMPLING_CHOICES)
    epochs = check_int("epochs", epochs, minimum=1)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    chains = check_int("chains", chains, minimum=2)
    n = b.size
    if n < 2:
        raise ValueError("centres must hold at least 2 components")
    X = np.repeat(x, chains)
    keys = np.tile(trajectory_keys(seed, np.arange(chains)), x.size)
    m = np.zeros(X.size)
    v = np.zeros(X.size)
    total = np.zeros(X.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        for epoch in range(burn_in + epochs):
            if sampling == "shuffle":
                order = epoch_permutations(keys, epoch, n)
            elif sampling == "iid":
                steps = np.arange(epoch * n, (epoch + 1) * n, dtype=np.uint64)
                order = np.minimum((uniforms(keys, steps, STREAM_SAMPLING) * n).astype(int), n - 1)
            else:
                order = np.broadcast_to(np.arange(n), (X.size, n))
            for p in range(n):
                g = X - b[order[:, p]]
                m, v = ac.adam_moments(m, v, g, beta1, beta2)
                if epoch >= burn_in:
                    total += ac.adam_direction(m, v, 1.0, 1.0, False, 0.0)
    return (total / (epochs * n)).reshape(x.size, chains)


def stationary_root(xs: Any, directions: np.ndarray) -> float:
    """Root in x of the mean direction (linear interpolation at the first sign change)."""
    x = np.asarray(xs, dtype=np.float64)
    d = np.asarray(directions, dtype=np.float64)
    change = np.nonzero(np.diff(np.sign(d)) != 0)[0]
    if change.size == 0:
        return float("nan")
    i = change[0]
    return float(x[i] - d[i] * (x[i + 1] - x[i]) / (d[i + 1] - d[i]))
