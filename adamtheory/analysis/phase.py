r"""Adam's (β1, β2) phase diagram on a real dataset, and its batch-size dependence.

For each batch size B the dataset is cut into :math:`n = \lfloor N/B\rfloor` fixed minibatches
(Z22's finite sum, docs/theory §6) and torch-semantics Adam runs with
:math:`\eta_k = \eta/\sqrt k` per epoch on every (β1, β2, seed) replica at once
(:func:`adamtheory.kernels.realdata.run_realdata`). The transition :math:`\beta_2^*(\beta_1)` is
where the final error rises above ``factor`` (default 3) times its floor, the floor being the
smallest error along β2 at that β1 (the error of a run: the geometric mean of f - f* over its
last K/5 epoch ends; of a cell: the geometric mean over seeds); its interval is a bootstrap
over seeds.

The grid is mapped in chunks (pure functions of the chunk bounds, the configuration and the
global replicate ids) through :func:`adamtheory.kernels.executors.map_chunks`, so a process pool
or a Dask cluster gives the numbers the in-process loop gives.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_int, check_positive
from ..kernels.backend import resolve_backend
from ..kernels.executors import map_chunks
from ..kernels.realdata import RealDataConfig, run_realdata
from ..kernels.runner import environment
from ..problems.datasets import DATASETS, MODELS, load_dataset, make_finite_sum

__all__ = ["default_axes", "phase_diagram", "transition"]


def default_axes(size: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """β1 on [0, 0.95] (linear) and 1 - β2 on [1e-4, 0.5] (log), ``size`` points each."""
    size = check_int("size", size, minimum=2)
    return np.linspace(0.0, 0.95, size), np.logspace(-4, np.log10(0.5), size)


def _axis(name: str, values: Any, *, low_open: bool = False) -> np.ndarray:
    a = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of numbers (an empty grid)")
    ok = (a > 0) if low_open else (a >= 0)
    if not np.all(ok & (a < 1) & np.isfinite(a)):
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"{name} must lie in {interval}; got {a.tolist()}")
    return a


def _chunk(
    problem: Any,
    b1: np.ndarray,
    b2: np.ndarray,
    rep: np.ndarray,
    config: Any,
    f_star: float,
    backend: str,
    progress: str | None,
    bounds: tuple[int, int],
) -> dict[str, np.ndarray]:
    start, stop = bounds
    xp = resolve_backend(backend).xp if backend != "numpy" else np
    return run_realdata(
        problem,
        b1[start:stop],
        b2[start:stop],
        rep[start:stop],
        config,
        f_star=f_star,
        xp=xp,
        progress=progress and f"{progress} [{start}:{stop}]",
    )


def phase_diagram(
    dataset: str = "digits",
    model: str = "logistic",
    batch_sizes: Any = (2, 8, 32),
    *,
    beta1: Any = None,
    one_minus_beta2: Any = None,
    seeds: int = 3,
    epochs: int = 40,
    eta: float = 0.01,
    seed: int = 0,
    identical: bool = False,
    semantics: str = "torch",
    backend: str = "numpy",
    chunk_size: int = 4096,
    executor: Any = None,
    progress: bool = False,
) -> xr.Dataset:
    r"""Final error of Adam over a (β1, 1 - β2) grid, per batch size, on a bundled dataset.

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}
    model : {"logistic", "mlp"}
    batch_sizes : sequence of int
        Minibatch sizes B, each in [1, N].
    beta1 : array_like, optional
        β1 axis in [0, 1) (default :func:`default_axes`).
    one_minus_beta2 : array_like, optional
        1 - β2 axis in (0, 1), drawn on a log axis (default :func:`default_axes`).
    seeds : int
        Replicates (minibatch orders and, for the MLP, initial points) per grid cell.
    epochs, eta : int, float
        K epochs with :math:`\eta_k = \eta/\sqrt k`.
    seed : int
        Root seed of the streams; the fixed partition into minibatches uses seed 0.
    identical : bool
        Negative control: all minibatches hold the same examples (equal gradients).
    semantics : {"torch", "z22"}
        Adam's semantics (:class:`~adamtheory.kernels.realdata.RealDataConfig`).
    backend : {"numpy", "cupy", "auto"}
    chunk_size : int
        Replicas per chunk (memory only: the numbers do not depend on it).
    executor : optional
        ``None`` (in-process), a ``concurrent.futures.Executor`` or a Dask client.
    progress : bool
        Show a progress bar (with an estimate) over the chunks.

    Returns
    -------
    xarray.Dataset
        Dims (``batch``, ``beta1``, ``beta2``, ``seed``): ``final_gap`` (f - f*, ``inf`` after a
        blow-up), ``tail_gap`` (its geometric mean over the last ⌈K/5⌉ epoch ends),
        ``gap_history`` (f - f* at every epoch end), ``min_grad_norm``, ``blowup_step``
        (-1: none) and ``status`` (0 finite,
        1 blow-up, 2 non-finite); per batch ``n`` and ``f_star``; coordinate
        ``one_minus_beta2``; attrs record the parameters, seed, backend and versions.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}; got {dataset!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}; got {model!r}")
    size = load_dataset(dataset).size
    bs = np.atleast_1d(np.asarray(batch_sizes))
    if bs.ndim != 1 or bs.size == 0:
        raise ValueError("batch_sizes must be a non-empty list of integers (an empty grid)")
    batches = []
    for b in bs.tolist():
        if not isinstance(b, int) or isinstance(b, bool) or not 1 <= b <= size:
            raise ValueError(f"batch sizes must be integers in [1, {size}] for {dataset}; got {b}")
        batches.append(b)
    d1, d2 = default_axes()
    b1_axis = _axis("beta1", d1 if beta1 is None else beta1)
    om_axis = _axis(
        "one_minus_beta2", d2 if one_minus_beta2 is None else one_minus_beta2, low_open=True
    )
    seeds = check_int("seeds", seeds, minimum=1)
    check_int("chunk_size", chunk_size, minimum=1)
    check_positive("eta", eta)
    config = RealDataConfig(epochs=epochs, eta=eta, seed=seed, semantics=semantics)
    used = resolve_backend(backend)
    g1, g2, gr = np.meshgrid(b1_axis, 1.0 - om_axis, np.arange(seeds), indexing="ij")
    flat1, flat2, flatr = g1.ravel(), g2.ravel(), gr.ravel()
    shape = g1.shape
    names = ("final_gap", "min_grad_norm", "blowup_step", "status")
    out: dict[str, list[np.ndarray]] = {k: [] for k in names}
    ns, stars, histories = [], [], []
    for b in batches:
        problem = make_finite_sum(dataset, model, b, identical=identical)
        f_star = problem.minimiser()[1]
        bounds = [(s, min(s + chunk_size, flat1.size)) for s in range(0, flat1.size, chunk_size)]
        ex = None if used.name == "cupy" else executor
        label = f"phase {dataset}/{model} B={b}" if progress else None
        # in-process: a bar over the epochs of each chunk (with an estimate); in a pool: over
        # the chunks (workers draw no bars)
        inner = label if ex is None else None
        fn = partial(_chunk, problem, flat1, flat2, flatr, config, f_star, used.name, inner)
        parts = map_chunks(fn, bounds, ex, progress=bool(label) and ex is not None and label)
        for k in names:
            out[k].append(np.concatenate([p[k] for p in parts]).reshape(shape))
        histories.append(np.concatenate([p["gap_history"] for p in parts]).reshape(*shape, -1))
        ns.append(problem.n)
        stars.append(f_star)
    dims = ("batch", "beta1", "beta2", "seed")
    history = np.stack(histories)
    tail = max(1, -(-epochs // 5))
    with np.errstate(divide="ignore"):
        # geometric mean of f - f* over the last K/5 epoch ends: the final iterate alone
        # carries the order of the last epoch (a 40x spread over seeds on digits)
        tail_gap = np.exp(np.mean(np.log(np.maximum(history[..., -tail:], 1e-300)), axis=-1))
    params = {
        "dataset": dataset,
        "model": model,
        "batch_sizes": batches,
        "seeds": seeds,
        "epochs": epochs,
        "eta": eta,
        "schedule": "eta/sqrt(k) per epoch",
        "eps": config.eps,
        "semantics": semantics,
        "sampling": "shuffle",
        "identical_minibatches": identical,
        "l2": make_finite_sum(dataset, model, batches[0]).model.l2,
    }
    return xr.Dataset(
        {
            **{k: (dims, np.stack(out[k])) for k in names},
            "tail_gap": (dims, tail_gap),
            "gap_history": ((*dims, "epoch"), history),
            "n": (("batch",), np.asarray(ns)),
            "f_star": (("batch",), np.asarray(stars)),
        },
        coords={
            "batch": batches,
            "beta1": b1_axis,
            "beta2": 1.0 - om_axis,
            "one_minus_beta2": ("beta2", om_axis),
            "seed": np.arange(seeds),
            "epoch": np.arange(epochs + 1),
        },
        attrs={
            "params": json.dumps(params),
            "seed": seed,
            "backend": used.name,
            "environment": json.dumps(environment(used.name, used.device)),
        },
    )


def _crossing(om: np.ndarray, err: np.ndarray, factor: float, atol: float = 0.0) -> float:
    """The largest 1 - β2 left of which (towards β2 -> 1) the error stays <= factor·floor.

    ``om`` increasing. Walk from the floor towards larger 1 - β2 until the error exceeds
    ``factor`` times the floor (a floor below ``atol`` counts as ``atol``: rounding noise at
    an exact optimum is no floor); interpolate log(1 - β2) linearly in log(error). ``inf`` when
    it never does (no transition on the grid), the smallest 1 - β2 when the floor itself is
    at the grid's left end and the next point already fails.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(np.isfinite(err), err, np.inf)
        j = int(np.argmin(e))
        level = factor * max(e[j], atol)
        for k in range(j + 1, om.size):
            if e[k] > level:
                lo, hi = np.log(max(e[k - 1], 1e-300)), np.log(e[k]) if np.isfinite(e[k]) else None
                if hi is None or hi == lo:
                    return float(om[k - 1])
                t = (np.log(level) - lo) / (hi - lo)
                return float(np.exp(np.log(om[k - 1]) + t * (np.log(om[k]) - np.log(om[k - 1]))))
    return float("inf")


def transition(
    ds: xr.Dataset,
    *,
    factor: float = 3.0,
    atol: float = 1e-6,
    resamples: int = 200,
    level: float = 0.9,
    seed: int = 0,
) -> xr.Dataset:
    r"""The measured transition :math:`1-\beta_2^*(\beta_1)` per batch size, with an interval.

    At each (batch, β1) the error along 1 - β2 (``tail_gap``, geometric mean over seeds)
    gives the floor (its
    minimum, at least ``atol``) and the transition (where it first exceeds ``factor`` ×
    floor, walking away from β2 = 1; see :func:`_crossing`). The interval is the percentile
    bootstrap over seeds
    (``resamples`` resamples, two-sided ``level``). ``inf``: no transition on the grid.
    """
    check_positive("factor", factor)
    resamples = check_int("resamples", resamples, minimum=10)
    om = ds.one_minus_beta2.values
    order = np.argsort(om)
    with np.errstate(divide="ignore"):
        gap = np.log(ds.tail_gap.transpose("batch", "beta1", "beta2", "seed").values[:, :, order])
    om = om[order]
    rng = np.random.default_rng(seed)
    S = gap.shape[-1]
    est = np.empty(gap.shape[:2])
    low, high = np.empty_like(est), np.empty_like(est)
    picks = rng.integers(0, S, size=(resamples, S))
    for i in range(gap.shape[0]):
        for j in range(gap.shape[1]):
            est[i, j] = _crossing(om, np.exp(np.mean(gap[i, j], axis=-1)), factor, atol)
            boot = [
                _crossing(om, np.exp(np.mean(gap[i, j][:, p], axis=-1)), factor, atol)
                for p in picks
            ]
            with np.errstate(invalid="ignore"):  # inf (no transition) resamples stay inf
                q = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], method="lower")
            low[i, j], high[i, j] = q
    dims = ("batch", "beta1")
    return xr.Dataset(
        {
            "one_minus_beta2_star": (dims, est),
            "low": (dims, low),
            "high": (dims, high),
            "n": (("batch",), ds.n.values),
        },
        coords={"batch": ds.batch.values, "beta1": ds.beta1.values},
        attrs={"factor": factor, "atol": atol, "level": level, "resamples": resamples},
    )
