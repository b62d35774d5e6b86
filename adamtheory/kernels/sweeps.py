"""Labelled (β1, β2) sweeps on the one-big-gradient counterexample and drift estimates.

:func:`divergence_sweep` runs full Adam trajectories over a grid (chunked, so memory stays
bounded for 10^7 trajectories) and returns an ``xarray.Dataset`` of per-trajectory summaries and
classifications. :func:`drift_estimate` simulates only the (m, v) chain and returns the drift μ
with a 95% confidence interval per grid point.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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

__all__ = [
    "SWEEP_BACKENDS",
    "SweepCost",
    "check_sweep_cost",
    "divergence_sweep",
    "drift_estimate",
    "region_area",
    "sweep_cost",
]

SWEEP_BACKENDS = ("auto", "numpy", "numba", "cupy")

#: Nominal trajectory-steps per second per CPU core (numba, numpy) or per GPU (cupy) used by
#: the cost estimate before a run; measured with benchmarks/bench_sweep.py (docs/performance.md).
NOMINAL_RATE = {"numpy": 1.0e7, "numba": 1.2e8, "cupy": 2.0e10}
#: Runs estimated to take longer than this are refused (pass ``max_seconds=None`` to allow).
MAX_SECONDS = 7 * 24 * 3600.0
_BYTES_PER_POINT = 160  # grid (3 float64), outputs (6 x 8) twice while concatenating, keys


@dataclass(frozen=True)
class SweepCost:
    """What a sweep will cost, estimated before it runs.

    Attributes
    ----------
    trajectories, steps : number of trajectories and of Adam steps (trajectories * n * epochs).
    bytes : peak memory estimate of the sweep (grid, outputs, per-chunk and per-thread state).
    seconds : time at the nominal rate of ``backend`` (:data:`NOMINAL_RATE`, this many cores).
    backend : the backend the estimate is for.
    """

    trajectories: int
    steps: int
    bytes: int
    seconds: float
    backend: str

    def describe(self) -> str:
        """One line: steps, memory and time."""
        return (
            f"{self.trajectories:.3g} trajectories, {self.steps:.3g} Adam steps, "
            f"~{_human_bytes(self.bytes)}, ~{_human_seconds(self.seconds)} on {self.backend}"
        )


def _human_bytes(b: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if b < 1024 or unit == "PiB":
            return f"{b:.3g} {unit}"
        b /= 1024
    return f"{b:.3g} PiB"  # pragma: no cover


def _human_seconds(s: float) -> str:
    for unit, size in (("years", 3.156e7), ("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if s >= size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.2g} s"


def available_memory() -> int:
    """Bytes of memory available to this process (MemAvailable, else total physical)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 1 << 62


def sweep_cost(
    trajectories: int,
    n: int,
    epochs: int,
    backend: str = "numba",
    *,
    chunk_size: int = 1 << 18,
    threads: int | None = None,
) -> SweepCost:
    """Estimate steps, peak memory and seconds of a sweep before running it (exact integers
    for the counts; Python ints, so a 10^18-point grid does not overflow)."""
    trajectories, n, epochs = int(trajectories), int(n), int(epochs)
    cores = threads or os.cpu_count() or 1
    steps = trajectories * n * epochs
    chunk = min(trajectories, int(chunk_size))
    per_chunk = chunk * 14 * 8  # state of the fused kernel (x, m, v, beta^t, statistics)
    if backend == "numpy":
        per_chunk += chunk * n * 8 * 4  # the epoch's indices and uniforms
    per_thread = 8 * n * 64 + 8 * 64 * 16  # the fused kernel's block (selection table, lanes)
    total = trajectories * _BYTES_PER_POINT + per_chunk + cores * per_thread
    rate = NOMINAL_RATE.get(backend, NOMINAL_RATE["numba"]) * (1 if backend == "cupy" else cores)
    return SweepCost(trajectories, steps, total, steps / rate, backend)


def check_sweep_cost(cost: SweepCost, *, max_seconds: float | None = MAX_SECONDS) -> SweepCost:
    """ValueError (one line) when a sweep cannot fit in memory or would run for longer than
    ``max_seconds`` at the nominal rate; else ``cost``."""
    free = available_memory()
    if cost.bytes > 0.8 * free:
        raise ValueError(
            f"this sweep needs about {_human_bytes(cost.bytes)} of memory and "
            f"{_human_bytes(free)} is available ({cost.describe()}); reduce the grid, "
            "replicates or n"
        )
    if max_seconds is not None and cost.seconds > max_seconds:
        raise ValueError(
            f"this sweep would take about {_human_seconds(cost.seconds)} "
            f"({cost.describe()}), more than the limit of {_human_seconds(max_seconds)}; "
            "reduce the grid, epochs or n"
        )
    return cost


def _cuda_reason() -> str | None:
    """None when ``numba.cuda`` can launch kernels here, else why not (the GPU sweep kernel
    is a ``numba.cuda`` kernel, :mod:`adamtheory.kernels.cuda_sweep`)."""
    try:
        from numba import cuda

        if cuda.is_available():
            return None
        return "no CUDA GPU is available to numba.cuda"
    except Exception as exc:  # a broken driver or toolkit is a reason, not a crash
        return f"numba.cuda is unusable ({type(exc).__name__})"


def _select(backend: str, n: int | None = None, gpu_kernel: bool = False) -> str:
    """Resolve a sweep backend: "numpy", "numba" or "cupy" (the GPU kernel; a GPU must work)."""
    check_choice("backend", backend, SWEEP_BACKENDS)
    if backend in ("numpy", "numba"):
        return backend
    if gpu_kernel and backend in ("cupy", "auto"):
        reason = _cuda_reason()
        if reason is None:
            return "cupy"
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


def _sweep_chunk(
    kernel: Callable, flat1: np.ndarray, flat2: np.ndarray, config: Any, bounds: tuple
) -> dict:
    """One chunk: a pure function of the β slice, the config and the global trajectory ids."""
    start, stop = bounds
    keys = trajectory_keys(config.seed, np.arange(start, stop))
    return kernel(flat1[start:stop], flat2[start:stop], config, keys)


def _local_chunks(
    kernel: Callable,
    flat1: np.ndarray,
    flat2: np.ndarray,
    config: Any,
    bounds: list,
    progress: bool,
    cost: SweepCost,
) -> list[dict]:
    """The chunks in this process, with a bar over steps advanced per slice of epochs."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cost.steps, desc=f"sweep n={config.n}", unit="step", unit_scale=True)
    parts = []
    try:
        for start, stop in bounds:
            keys = trajectory_keys(config.seed, np.arange(start, stop))
            per_epoch = (stop - start) * config.n
            if bar is None:
                parts.append(kernel(flat1[start:stop], flat2[start:stop], config, keys))
                continue
            parts.append(
                kernel(
                    flat1[start:stop],
                    flat2[start:stop],
                    config,
                    keys,
                    on_slice=lambda epochs, per=per_epoch: bar.update(epochs * per),
                )
            )
    finally:
        if bar is not None:
            bar.close()
    return parts


#: Trajectories per chunk of an in-process sweep (memory O(chunk)).
LOCAL_CHUNK = 1 << 18
#: Chunks a sweep is cut into by default when an executor runs it (scheduler overhead is a
#: few ms per chunk; more chunks than workers keeps all of them busy).
EXECUTOR_CHUNKS = 64


def divergence_sweep(
    beta1: Any,
    beta2: Any,
    config: SweepConfig,
    *,
    replicates: int = 1,
    backend: str = "auto",
    chunk_size: int | None = None,
    progress: bool = False,
    executor: Any = None,
    max_seconds: float | None = MAX_SECONDS,
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
    chunk_size : int, optional
        Trajectories per chunk; memory is O(chunk_size), ids are global so chunking does not
        change any number. Default: 2**18 in-process; with an ``executor``, the sweep cut into
        about :data:`EXECUTOR_CHUNKS` chunks (at least 1024 trajectories each) so that every
        worker gets work.
    progress : bool
        tqdm bar over Adam steps, advanced after every slice of epochs (rate and time left).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where the chunks run (:func:`adamtheory.kernels.executors.map_chunks`); ``None`` runs
        them here. Chunks are pure functions of (β slice, config, global trajectory ids), so
        the numbers do not depend on it.
    max_seconds : float or None
        Refuse (ValueError) a sweep estimated to take longer at the nominal rate
        (:func:`sweep_cost`); a sweep that cannot fit in memory is always refused.

    Raises
    ------
    ValueError
        Bad arguments, or a sweep too large for memory or ``max_seconds`` (one line).
    KeyboardInterrupt
        Ctrl-C: the fused kernel runs in slices of about ``fused.SLICE_STEPS`` steps, so it
        stops within one slice (well under a second).

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
    if chunk_size is None:
        points = b1_axis.size * b2_axis.size * replicates
        chunk_size = (
            LOCAL_CHUNK
            if executor is None
            else min(LOCAL_CHUNK, max(1024, -(-points // EXECUTOR_CHUNKS)))
        )
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    used = _select(backend, config.n, gpu_kernel=True)
    if used == "cupy":
        from .cuda_sweep import sweep_cuda as kernel
    elif used == "numba":
        from .fused import sweep_numba as kernel
    else:
        kernel = sweep_reference
    cost = check_sweep_cost(
        sweep_cost(
            b1_axis.size * b2_axis.size * replicates,
            config.n,
            config.epochs,
            used,
            chunk_size=chunk_size,
        ),
        max_seconds=max_seconds,
    )
    g1, g2, _ = np.meshgrid(b1_axis, b2_axis, np.arange(replicates), indexing="ij")
    flat1, flat2 = g1.ravel(), g2.ravel()
    total = flat1.size
    bounds = [(s, min(s + chunk_size, total)) for s in range(0, total, chunk_size)]
    if executor is None:
        parts = _local_chunks(kernel, flat1, flat2, config, bounds, progress, cost)
    else:
        from .executors import map_chunks

        parts = map_chunks(
            partial(_sweep_chunk, kernel, flat1, flat2, config),
            bounds,
            executor,
            progress=progress and f"sweep n={config.n}",
        )
    results: dict[str, list[np.ndarray]] = {}
    for out in parts:
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


def _chain_chunk(
    kernel: Callable, flat1: np.ndarray, flat2: np.ndarray, config: ChainConfig, bounds: tuple
) -> np.ndarray:
    """Chains of grid points [start, stop): keys from the global chain ids."""
    start, stop = bounds
    ids = np.arange(start * config.chains, stop * config.chains)
    return kernel(flat1[start:stop], flat2[start:stop], config, trajectory_keys(config.seed, ids))


def drift_estimate(
    beta1: Any,
    beta2: Any,
    config: ChainConfig,
    *,
    backend: str = "auto",
    chunk_size: int = 1 << 13,
    confidence: float = 0.95,
    executor: Any = None,
) -> xr.Dataset:
    r"""Simulated drift μ(β1, β2) with a confidence interval, for ``shuffle``/``iid``/``cyclic``.

    ``config.chains`` independent chains per point each give a per-epoch average of
    :math:`\sum_{i<n} m/\sqrt v` after ``burn_in`` epochs; the interval is Student-t over the
    chain means (independent by construction).

    Returns a Dataset over the (``beta1``, ``beta2``) outer product with ``drift``,
    ``ci_low``, ``ci_high``, ``half_width``, and the per-chain estimates ``chain_drift``
    (dims beta1, beta2, chain) for resampling. ``chunk_size`` chains run per kernel call
    (small enough that Ctrl-C stops a run within about a second); ``executor`` as in
    :func:`divergence_sweep`. Chunking and executor change no number (global chain ids).
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
    bounds = [
        (start, min(start + per_chunk, flat1.size)) for start in range(0, flat1.size, per_chunk)
    ]
    fn = partial(_chain_chunk, kernel, flat1, flat2, config)
    if executor is None:
        parts = [fn(b) for b in bounds]
    else:
        from .executors import map_chunks

        parts = map_chunks(fn, bounds, executor)
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
