r"""Reproducible per-trajectory randomness: component sampling and uniform draws.

Each trajectory owns a 64-bit key derived from ``numpy.random.SeedSequence(seed)`` and its
trajectory id; every random number is a hash of ``(key, stream, counter)`` (a counter-based
generator in the spirit of Random123, with the SplitMix64 finaliser as the mixing function).
Consequences that matter for science, not only for speed:

* trajectory ``i`` sees the same numbers whether it runs alone, in a batch of 10, or in chunk
  17 of a 10^7-point grid (batched run = per-trajectory runs, exactly);
* NumPy and a GPU kernel can generate identical streams (plain uint64 arithmetic);
* no generator object is carried around, so there is no hidden state.

Sampling schemes (docs/theory §1.2): ``"shuffle"`` (a fresh uniform permutation per epoch),
``"iid"`` (uniform with replacement), ``"cyclic"`` (``0, 1, …, n-1, 0, …``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import check_choice, check_int
from . import adam_core as ac

__all__ = [
    "SAMPLING_CHOICES",
    "STREAM_NOISE",
    "STREAM_SAMPLING",
    "epoch_permutations",
    "iid_indices",
    "trajectory_keys",
    "uniforms",
]

SAMPLING_CHOICES = ("shuffle", "iid", "cyclic")

_GOLDEN = ac.GOLDEN
# Streams keep independent uses of one trajectory's key apart (counter's top byte).
STREAM_SAMPLING = 1
STREAM_NOISE = 2


def _mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (a bijection on uint64 with full avalanche; adam_core.mix64)."""
    return ac.mix64(z)


def trajectory_keys(seed: int | np.random.SeedSequence, trajectory_ids: Any) -> np.ndarray:
    """64-bit keys, one per trajectory id, derived from ``SeedSequence(seed)``.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root seed (non-negative integer) of the experiment.
    trajectory_ids : array_like of int
        Global ids of the trajectories (``0..B-1`` for a single batch; a chunk of a larger grid
        passes its slice of the global ids).
    """
    if isinstance(seed, np.random.SeedSequence):
        root = seed
    else:
        seed = check_int("seed", seed, minimum=0)
        root = np.random.SeedSequence(seed)
    k0, k1 = root.generate_state(2, dtype=np.uint64)
    ids = np.asarray(trajectory_ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) or np.any(ids < 0):
        raise ValueError("trajectory_ids must be a 1-D array of non-negative integers")
    with np.errstate(over="ignore"):
        return _mix64(k0 ^ _mix64(ids.astype(np.uint64) * _GOLDEN + k1))


def uniforms(keys: np.ndarray, counter: Any, stream: int) -> np.ndarray:
    """Uniform float64 numbers in ``[0, 1)`` for each key at ``counter`` (broadcasting).

    ``keys`` has shape ``(B,)``; ``counter`` a scalar or an array broadcasting against
    ``keys[:, None]`` (e.g. ``(n,)`` for n numbers per trajectory, giving shape ``(B, n)``).
    """
    c = np.asarray(counter, dtype=np.uint64) | (np.uint64(stream) << np.uint64(56))
    k = keys if np.ndim(c) == 0 else keys[:, None]
    with np.errstate(over="ignore"):
        return ac.hash_uniform(k, c)


def epoch_permutations(keys: np.ndarray, epoch: int, n: int) -> np.ndarray:
    """One uniform random permutation of ``0..n-1`` per trajectory for ``epoch`` (shape (B, n)).

    Fisher-Yates: for ``j = n-1, …, 1`` swap position j with ``floor(u_j (j+1))``, where
    ``u_j`` is the uniform at counter ``epoch·n + j``. O(n) per epoch, and the fused kernels
    run the identical loop, so every backend sees the same permutations.
    """
    perm = np.tile(np.arange(n, dtype=np.int64), (keys.shape[0], 1))
    if n == 1:
        return perm
    counters = np.arange(n, dtype=np.uint64) + np.uint64(epoch) * np.uint64(n)
    u = uniforms(keys, counters, STREAM_SAMPLING)
    rows = np.arange(keys.shape[0])
    for j in range(n - 1, 0, -1):
        k = np.minimum((u[:, j] * (j + 1)).astype(np.int64), j)
        held = perm[:, j].copy()
        perm[:, j] = perm[rows, k]
        perm[rows, k] = held
    return perm


def iid_indices(keys: np.ndarray, step: int, n: int) -> np.ndarray:
    """Uniform component indices in ``0..n-1`` (with replacement) for 0-based ``step``."""
    u = uniforms(keys, step, STREAM_SAMPLING)
    return np.minimum((u * n).astype(np.int64), n - 1)


def component_indices(
    sampling: str, keys: np.ndarray, step: int, n: int, permutation: np.ndarray | None = None
) -> np.ndarray:
    """Indices for 0-based ``step``; ``permutation`` is the current epoch's (shuffle only)."""
    check_choice("sampling", sampling, SAMPLING_CHOICES)
    check_int("n", n, minimum=1)
    if sampling == "cyclic":
        return np.full(keys.shape[0], step % n, dtype=np.int64)
    if sampling == "iid":
        return iid_indices(keys, step, n)
    if permutation is None:
        permutation = epoch_permutations(keys, step // n, n)
    return permutation[:, step % n]
