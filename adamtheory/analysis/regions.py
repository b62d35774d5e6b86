"""Predicted divergence boundaries next to measured regions (theory + kernels combined).

For cyclic sampling the boundary is the exact root of the SymPy-derived drift; for shuffle and
iid it is the zero crossing of the simulated drift, with the band where its 95% confidence
interval contains 0.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._validate import check_int, check_positive
from ..kernels.counterexample import ChainConfig
from ..kernels.sweeps import drift_estimate
from ..theory import divergence

__all__ = [
    "beta_axes",
    "atlas_dataset",
    "build_atlas",
    "build_region",
    "predicted_boundary",
    "ratio",
    "upward_crossing",
]


def ratio(n: int, a: float) -> float:
    """r = c/a with c = 1 + (n-1)a (the only gradient ratio ε = 0 Adam sees)."""
    check_int("n", n, minimum=2)
    check_positive("a", a)
    return (1.0 + (n - 1) * a) / a


def upward_crossing(b2: np.ndarray, values: np.ndarray) -> float:
    """Linear interpolation of the last upward zero crossing of ``values`` along ``b2``."""
    neg = np.nonzero(values < 0)[0]
    if neg.size == 0:
        return float("nan")
    i = neg[-1]
    if i == b2.size - 1:
        return float(b2[-1])
    v0, v1 = values[i], values[i + 1]
    return float(b2[i] + (b2[i + 1] - b2[i]) * (-v0) / (v1 - v0))


def predicted_boundary(
    n: int,
    a: float,
    sampling: str,
    beta1: Any,
    *,
    beta2_grid: Any = None,
    chains: int = 6,
    epochs: int = 120,
    burn_in: int = 120,
    seed: int = 0,
    backend: str = "auto",
) -> dict[str, list[float]]:
    """β2*(β1) where the drift changes sign (upper edge of the divergence region).

    Returns ``{"beta1", "beta2", "low", "high", "grid"}``: the upper-edge samples, the band
    ``[low, high]`` in which the simulated drift's 95% CI contains 0 (None for the exact cyclic
    boundary), and ``grid`` = the drift (and CI half-width) on ``beta1 × beta2_grid``, from which
    the full zero contour (both edges of the region) is drawn.
    """
    b1 = np.atleast_1d(np.asarray(beta1, dtype=float))
    r = ratio(n, a)
    if beta2_grid is None:
        # linear where the a = 1/(n-1)² boundaries sit, log-spaced towards 1 for a = 1
        beta2_grid = np.unique(
            np.concatenate([np.linspace(0.0, 0.95, 60), 1.0 - np.logspace(-1.3, -6, 110)])
        )
    b2 = np.asarray(beta2_grid, dtype=float)
    if sampling == "iid":
        # iid sees a random number of big gradients per epoch: far noisier per epoch
        epochs, chains = 5 * epochs, max(chains, 8)
    if sampling == "cyclic":
        star = divergence.beta2_boundary(b1, n, r)
        g1, g2 = np.meshgrid(b1, b2, indexing="ij")
        mu = divergence.cyclic_drift(g1, g2, n, r)
        return {
            "beta1": b1.tolist(),
            "beta2": star.tolist(),
            "low": None,
            "high": None,
            "grid": {
                "beta1": b1.tolist(),
                "beta2": b2.tolist(),
                "drift": mu.tolist(),
                "half_width": np.zeros_like(mu).tolist(),
            },
        }
    est = drift_estimate(
        b1,
        b2,
        ChainConfig(
            n, r, sampling=sampling, burn_in=burn_in, epochs=epochs, chains=chains, seed=seed
        ),
        backend=backend,
    )
    star, low, high = [], [], []
    for i in range(b1.size):
        mean = est.drift.values[i]
        star.append(upward_crossing(b2, mean))
        sure_neg = np.nonzero(est.ci_high.values[i] < 0)[0]
        if sure_neg.size == 0:
            low.append(float("nan"))
            high.append(float("nan"))
            continue
        j = sure_neg[-1]
        low.append(float(b2[j]))
        above = np.nonzero(est.ci_low.values[i, j + 1 :] > 0)[0]
        high.append(float(b2[j + 1 + above[0]]) if above.size else float("nan"))
    return {
        "beta1": b1.tolist(),
        "beta2": star,
        "low": low,
        "high": high,
        "grid": {
            "beta1": b1.tolist(),
            "beta2": b2.tolist(),
            "drift": est.drift.values.tolist(),
            "half_width": est.half_width.values.tolist(),
        },
    }


def beta_axes(grid: int, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """(β1, β2) axes: β1 uniform in [0, 0.99]; β2 uniform in [0, 0.9999] (``linear``) or
    ``0`` plus ``1 - β2`` log-spaced from 0.9 down to 3e-6 (``log1m``)."""
    if grid < 2:
        raise ValueError(f"grid must be an integer >= 2; got {grid}")
    b1 = np.linspace(0.0, 0.99, grid)
    if scale == "linear":
        b2 = np.linspace(0.0, 0.9999, grid)
    elif scale == "log1m":
        b2 = np.concatenate([[0.0], 1.0 - np.logspace(-0.05, -5.5, grid - 1)])
    else:
        raise ValueError(f"scale must be one of 'linear', 'log1m'; got {scale!r}")
    return b1, b2


def build_region(
    n: int,
    a: float = 1.0,
    sampling: str = "shuffle",
    *,
    grid: int = 200,
    epochs: int = 500,
    scale: str = "log1m",
    seed: int = 0,
    backend: str = "auto",
    boundary_columns: int = 40,
    progress: bool = False,
    eps: float = 0.0,
    schedule: str = "inv_sqrt_epoch",
    lr: float = 1.0,
    x0: float = 0.0,
    executor: Any = None,
) -> tuple[Any, dict, dict]:
    """Measured region (direct sweep) and predicted boundary for one panel.

    ``eps``, ``schedule`` (``"inv_sqrt_epoch"`` or ``"constant"``), ``lr`` and ``x0`` are
    those of :class:`~adamtheory.kernels.counterexample.SweepConfig` (bias-corrected Adam).
    ``executor`` maps the sweep's chunks (:func:`~adamtheory.kernels.executors.map_chunks`:
    ``None`` in-process, a ``concurrent.futures`` executor or a Dask client); the numbers do
    not depend on it.
    Returns ``(sweep, boundary, summary)`` where ``summary`` holds the diverged area and the
    status counts.
    """
    from ..kernels.counterexample import CONVERGED, DIVERGED, UNDECIDED, SweepConfig
    from ..kernels.sweeps import divergence_sweep, region_area

    b1, b2 = beta_axes(grid, scale)
    cfg = SweepConfig(
        n=n,
        a=a,
        epochs=epochs,
        sampling=sampling,
        seed=seed,
        eps=eps,
        schedule=schedule,
        lr=lr,
        x0=x0,
    )
    sweep = divergence_sweep(b1, b2, cfg, backend=backend, progress=progress, executor=executor)
    cols = (
        b1
        if sampling == "cyclic"
        else b1[np.unique(np.linspace(0, b1.size - 1, min(boundary_columns, b1.size)).astype(int))]
    )
    boundary = predicted_boundary(n, a, sampling, cols, seed=seed, backend=backend)
    status = sweep.status.values[..., 0]
    counts = {
        name: int(np.sum(status == code))
        for name, code in (
            ("diverged", DIVERGED),
            ("undecided", UNDECIDED),
            ("converged", CONVERGED),
        )
    }
    summary = {
        "n": n,
        "a": a,
        "sampling": sampling,
        "grid": grid,
        "epochs": epochs,
        "scale": scale,
        "seed": seed,
        "eps": eps,
        "schedule": schedule,
        "lr": lr,
        "x0": x0,
        "area_diverged": region_area(sweep.status),
        "counts": counts,
    }
    return sweep, boundary, summary


def _band_widths(
    b1: np.ndarray, b2: np.ndarray, status: np.ndarray, scope: np.ndarray, scale: str
) -> list[float]:
    """Per β1 column, the width of the undecided band in scope: the span between the lowest
    and highest undecided β2 (in log10(1 - β2) for ``log1m``, in β2 for ``linear``), 0 where
    no point is undecided."""
    y = -np.log10(np.maximum(1.0 - b2, 1e-300)) if scale == "log1m" else b2
    widths = []
    for i in range(b1.size):
        und = scope[i] & (status[i] == 0)
        if not und.any():
            widths.append(0.0)
            continue
        # a band of one grid point has the width of its cell
        idx = np.nonzero(und)[0]
        lo, hi = idx.min(), idx.max()
        cell = np.diff(y).mean() if y.size > 1 else 0.0
        widths.append(float(y[hi] - y[lo] + cell))
    return widths


def build_atlas(
    n: int,
    a: float = 1.0,
    sampling: str = "shuffle",
    *,
    grid: int = 200,
    scale: str = "log1m",
    semantics: str = "torch",
    eps: float = 0.0,
    schedule: str = "inv_sqrt_epoch",
    lr: float = 1.0,
    x0: float = 5.0,
    max_epochs: int = 4096,
    alpha: float = 0.01,
    seed: int = 0,
    backend: str = "auto",
    boundary_columns: int = 40,
    executor: Any = None,
    progress: bool = False,
    boundary: dict | None = None,
) -> tuple[dict, dict, dict]:
    """One atlas panel with **both sides decided** (:func:`adamtheory.kernels.atlas.atlas_sweep`)
    and the predicted boundary.

    Returns ``(atlas, boundary, summary)``. ``summary`` holds the counts and the undecided
    fraction *in scope* (β1 < √β2), the agreement of the decided in-scope points with the
    sign of the predicted drift outside its 95% band, and the undecided band's width per β1
    column (in decades of 1 - β2 for ``log1m``, in β2 for ``linear``). A ``boundary`` from an
    earlier call with the same n, a, sampling, grid and seed is reused instead of re-simulated.
    """
    from ..kernels.atlas import AtlasConfig, atlas_sweep

    b1, b2 = beta_axes(grid, scale)
    cfg = AtlasConfig(
        n=n,
        a=a,
        sampling=sampling,
        semantics=semantics,
        eps=eps,
        schedule=schedule,
        lr=lr,
        x0=x0,
        alpha=alpha,
        max_epochs=max_epochs,
        seed=seed,
    )
    start = time.perf_counter()
    atlas = atlas_sweep(b1, b2, cfg, executor=executor, progress=progress)
    seconds = time.perf_counter() - start
    cols = (
        b1
        if sampling == "cyclic"
        else b1[np.unique(np.linspace(0, b1.size - 1, min(boundary_columns, b1.size)).astype(int))]
    )
    if boundary is None:
        boundary = predicted_boundary(n, a, sampling, cols, seed=seed, backend=backend)
    status = atlas["status"]
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    scope = g1 < np.sqrt(g2)
    # the predicted sign at every grid point: the drift on the boundary grid, nearest column
    bg = boundary["grid"]
    mu = np.asarray(bg["drift"], dtype=float)
    hw = np.asarray(bg["half_width"], dtype=float)
    col = np.abs(np.asarray(bg["beta1"])[None, :] - b1[:, None]).argmin(axis=1)
    mu_pt = np.stack([np.interp(b2, np.asarray(bg["beta2"]), mu[c]) for c in col])
    hw_pt = np.stack([np.interp(b2, np.asarray(bg["beta2"]), hw[c]) for c in col])
    sure = scope & (np.abs(mu_pt) > hw_pt) & (status != 0)
    agree = (status == 1) == (mu_pt < 0)
    counts = {
        name: int(np.sum(scope & (status == code)))
        for name, code in (("diverged", 1), ("undecided", 0), ("converged", -1))
    }
    widths = _band_widths(b1, b2, status, scope, scale)
    summary = {
        "n": n,
        "a": a,
        "sampling": sampling,
        "semantics": semantics,
        "eps": eps,
        "schedule": schedule,
        "lr": lr,
        "x0": x0,
        "grid": grid,
        "scale": scale,
        "max_epochs": max_epochs,
        "alpha": alpha,
        "seed": seed,
        "in_scope": int(scope.sum()),
        "counts_in_scope": counts,
        "undecided_fraction": counts["undecided"] / max(1, int(scope.sum())),
        "agreement": float(np.mean(agree[sure])) if sure.any() else float("nan"),
        "agreement_points": int(sure.sum()),
        "band_width_median": float(np.median(widths)),
        "band_width_max": float(np.max(widths)),
        "band_width_unit": "decades of 1 - beta2" if scale == "log1m" else "beta2",
        "mean_epochs": float(np.mean(atlas["epochs"])),
        "seconds": round(seconds, 2),
    }
    return atlas, boundary, summary


def atlas_dataset(atlas: dict) -> Any:
    """The arrays of :func:`build_atlas`'s ``atlas`` as an ``xarray.Dataset`` over (beta1,
    beta2), int32 where integer (netCDF3 has no int64), with the config as a JSON attribute."""
    import json

    import xarray as xr

    coords = {"beta1": np.asarray(atlas["beta1"]), "beta2": np.asarray(atlas["beta2"])}
    data = {}
    for name in ("status", "how", "decided_at", "drift", "half_width", "x_final", "epochs"):
        arr = np.asarray(atlas[name])
        data[name] = (("beta1", "beta2"), arr.astype(np.int32) if arr.dtype.kind == "i" else arr)
    return xr.Dataset(data, coords=coords, attrs={"config": json.dumps(atlas["config"])})
