"""Labelled (β1, β2) sweeps on the one-big-gradient counterexample and drift estimates.

:func:`divergence_sweep` runs full Adam trajectories over a grid (chunked, so memory stays
bounded for 10^7 trajectories) and returns an ``xarray.Dataset`` of per-trajectory summaries and
classifications. :func:`drift_estimate` simulates only the (m, v) chain and returns the drift μ
with a 95% confidence interval per grid point.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_choice, check_int, check_interval
from .counterexample import (
    CONVERGED,
    DIVERGED,
    NONFINITE_GRADIENT,
    UNDECIDED,
    ChainConfig,
    SweepConfig,
    drift_chain_reference,
    sweep_reference,
)
from .runner import environment
from .sampling import trajectory_keys

__all__ = ["SWEEP_BACKENDS", "divergence_sweep", "drift_estimate", "region_area"]

SWEEP_BACKENDS = ("auto", "numpy", "numba", "cupy")


def _select(backend: str, n: int | None = None, gpu_kernel: bool = False) -> str:
    """Resolve a sweep backend: "numpy", "numba" or "cupy" (a GPU must work, n <= MAX_N)."""
    check_choice("backend", backend, SWEEP_BACKENDS)
    if backend in ("numpy", "numba"):
        return backend
    if gpu_kernel and backend in ("cupy", "auto"):
        from .backend import _cupy_or_reason
        from .cuda_sweep import MAX_N

        if importlib.util.find_spec("cupy") is not None or backend == "cupy":
            cupy, reason = _cupy_or_reason()
            if cupy is not None and (n is None or n <= MAX_N):
                return "cupy"
            if cupy is not None:
                reason = f"n = {n} exceeds the CUDA kernel's limit {MAX_N}"
        else:
            reason = ""
        if backend == "cupy":
            warnings.warn(
                f"backend='cupy': {reason}; using the Numba CPU kernel (identical results).",
                RuntimeWarning,
                stacklevel=3,
            )
        return "numba"
    if backend == "cupy":
        warnings.warn(
            "backend='cupy': this workload has no CUDA kernel; using the Numba CPU "
            "kernel (identical results).",
            RuntimeWarning,
            stacklevel=3,
        )
    return "numba"


def _axis(name: str, values: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array of grid values")
    check_interval(name, arr, 0.0, 1.0)
    return arr


def divergence_sweep(
    beta1: Any,
    beta2: Any,
    config: SweepConfig,
    *,
    replicates: int = 1,
    backend: str = "auto",
    chunk_size: int = 1 << 18,
    progress: bool = False,
) -> xr.Dataset:
    """Run Adam on the counterexample at every (β1, β2) grid point.

    Parameters
    ----------
    beta1, beta2 : 1-D array_like
        Grid axes in [0, 1); the sweep covers their outer product.
    config : SweepConfig
        Problem, schedule, sampling, ε, bias correction, x0, classification constants, seed.
    replicates : int
        Independent trajectories per grid point (different sampling streams).
    backend : {"auto", "numpy", "numba", "cupy"}
        ``"numpy"`` is the vectorised reference; ``"numba"`` the fused CPU kernel; ``"cupy"``
        the CUDA kernel (:mod:`adamtheory.kernels.cuda_sweep`), all with identical results.
        ``"auto"`` uses the GPU when CuPy and a device work, Numba otherwise; ``"cupy"``
        without a GPU warns and uses Numba.
    chunk_size : int
        Trajectories per chunk; memory is O(chunk_size), ids are global so chunking does not
        change any number.
    progress : bool
        tqdm bar over chunks.

    Returns
    -------
    xarray.Dataset
        Dims ``beta1``, ``beta2``, ``replicate``; ``status`` (1 diverged, 0 undecided,
        -1 converged; see :mod:`adamtheory.kernels.counterexample`; 2, a non-finite gradient,
        cannot occur with this problem's analytic gradients), ``diverged_at`` (epoch),
        ``x_final``, ``x_half``, ``max_abs_x``, ``min_grad_norm``; attrs record the config,
        backend and versions.
    """
    if not isinstance(config, SweepConfig):
        raise TypeError("config must be a SweepConfig")
    b1_axis, b2_axis = _axis("beta1", beta1), _axis("beta2", beta2)
    replicates = check_int("replicates", replicates, minimum=1)
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    used = _select(backend, config.n, gpu_kernel=True)
    if used == "cupy":
        from .cuda_sweep import sweep_cupy as kernel
    elif used == "numba":
        from .fused import sweep_numba as kernel
    else:
        kernel = sweep_reference
    g1, g2, _ = np.meshgrid(b1_axis, b2_axis, np.arange(replicates), indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    total = flat1.size
    results: dict[str, list[np.ndarray]] = {}
    starts = range(0, total, chunk_size)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"sweep n={config.n}", unit="chunk")
    for start in starts:
        stop = min(start + chunk_size, total)
        keys = trajectory_keys(config.seed, np.arange(start, stop))
        out = kernel(flat1[start:stop], flat2[start:stop], config, keys)
        for name, arr in out.items():
            results.setdefault(name, []).append(arr)
    shape = g1.shape
    dims = ("beta1", "beta2", "replicate")
    data = {name: (dims, np.concatenate(parts).reshape(shape)) for name, parts in results.items()}
    return xr.Dataset(
        data,
        coords={"beta1": b1_axis, "beta2": b2_axis, "replicate": np.arange(replicates)},
        attrs={
            "config": json.dumps(config.as_dict()),
            "backend": used,
            "backend_requested": backend,
            # NONFINITE_GRADIENT (2) is part of the encoding but never occurs here: the
            # counterexample's gradients are analytic (see counterexample.mark_step)
            "status_codes": json.dumps(
                {
                    "diverged": DIVERGED,
                    "undecided": UNDECIDED,
                    "converged": CONVERGED,
                    "nonfinite_gradient": NONFINITE_GRADIENT,
                }
            ),
            "environment": json.dumps(environment(used)),
        },
    )


def drift_estimate(
    beta1: Any,
    beta2: Any,
    config: ChainConfig,
    *,
    backend: str = "auto",
    chunk_size: int = 1 << 16,
    confidence: float = 0.95,
) -> xr.Dataset:
    r"""Simulated drift μ(β1, β2) with a confidence interval, for ``shuffle``/``iid``/``cyclic``.

    ``config.chains`` independent chains per point each give a per-epoch average of
    :math:`\sum_{i<n} m/\sqrt v` after ``burn_in`` epochs; the interval is Student-t over the
    chain means (independent by construction).

    Returns a Dataset over the (``beta1``, ``beta2``) outer product with ``drift``,
    ``ci_low``, ``ci_high``, ``half_width``, and the per-chain estimates ``chain_drift``
    (dims beta1, beta2, chain) for resampling.
    """
    if not isinstance(config, ChainConfig):
        raise TypeError("config must be a ChainConfig")
    check_interval("confidence", confidence, 0.0, 1.0, low_closed=False)
    b1_axis, b2_axis = _axis("beta1", beta1), _axis("beta2", beta2)
    used = _select(backend)
    if used == "numba":
        from .fused import drift_chain_numba as kernel
    else:
        kernel = drift_chain_reference
    g1, g2 = np.meshgrid(b1_axis, b2_axis, indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    per_chunk = max(1, chunk_size // config.chains)
    parts = []
    for start in range(0, flat1.size, per_chunk):
        stop = min(start + per_chunk, flat1.size)
        ids = np.arange(start * config.chains, stop * config.chains)
        parts.append(
            kernel(flat1[start:stop], flat2[start:stop], config, trajectory_keys(config.seed, ids))
        )
    chains = np.concatenate(parts)
    mean = chains.mean(axis=1)
    # identical chains (cyclic order is deterministic) have exactly zero spread; np.std would
    # report ~1e-15 from the rounding of the mean
    spread = np.where(np.ptp(chains, axis=1) == 0, 0.0, chains.std(axis=1, ddof=1))
    sem = spread / np.sqrt(config.chains)
    from scipy import stats  # here: scipy.stats is slow to import and only drift needs it

    half = stats.t.ppf(0.5 + confidence / 2, config.chains - 1) * sem
    dims = ("beta1", "beta2")
    return xr.Dataset(
        {
            "drift": (dims, mean.reshape(g1.shape)),
            "half_width": (dims, half.reshape(g1.shape)),
            "ci_low": (dims, (mean - half).reshape(g1.shape)),
            "ci_high": (dims, (mean + half).reshape(g1.shape)),
            "chain_drift": ((*dims, "chain"), chains.reshape(*g1.shape, config.chains)),
        },
        coords={"beta1": b1_axis, "beta2": b2_axis, "chain": np.arange(config.chains)},
        attrs={"config": json.dumps(config.__dict__), "confidence": confidence, "backend": used},
    )


def _cell_widths(axis: np.ndarray) -> np.ndarray:
    """Widths of the cells of [0, 1] around each grid value (edges at midpoints)."""
    edges = np.concatenate([[0.0], (axis[1:] + axis[:-1]) / 2, [1.0]])
    return np.diff(edges)


def region_area(status: xr.DataArray) -> float:
    """Area in [0, 1]² of the grid cells whose majority verdict is "diverged".

    Each grid point stands for the cell between the midpoints to its neighbours, so
    non-uniform (e.g. log-spaced) axes are weighted correctly. Runs with a non-finite gradient
    (:data:`~adamtheory.kernels.nonfinite.NONFINITE_GRADIENT`) do not count as diverged.
    """
    diverged = status == DIVERGED
    if "replicate" in status.dims:
        diverged = diverged.mean("replicate") > 0.5
    w1 = _cell_widths(status.beta1.values)
    w2 = _cell_widths(status.beta2.values)
    return float(np.sum(diverged.transpose("beta1", "beta2").values * np.outer(w1, w2)))
