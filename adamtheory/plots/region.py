"""Divergence-region figures: measured classification, predicted boundary, β1 = √β2 curve.

Every function returns a :class:`matplotlib.figure.Figure` and never calls ``plt.show``.
The β2 axis can be drawn as ``1 - β2`` on a log scale (``scale="log1m"``), which is the only
readable choice for large n, where the boundary sits at ``1 - β2* ≈ 4/n²``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = ["region_axes", "region_figure", "atlas_figure", "regret_figure"]

_COLOURS = ListedColormap(["#4c9be8", "#d9d9d9", "#e4572e"])  # converged, undecided, diverged


def _y(beta2: np.ndarray, scale: str) -> np.ndarray:
    return 1.0 - beta2 if scale == "log1m" else beta2


def region_axes(ax: Any, sweep: xr.Dataset, boundary: dict | None = None, *,
                scale: str = "linear", title: str = "") -> list:
    """Draw one region panel into ``ax``.

    Parameters
    ----------
    sweep : xarray.Dataset
        From :func:`adamtheory.kernels.divergence_sweep` (``status`` over beta1, beta2,
        replicate); the majority verdict over replicates is shown.
    boundary : dict, optional
        From :func:`adamtheory.claims.regions.predicted_boundary`: its ``grid`` (drift and CI
        half-width on a β1 × β2 grid) is drawn as the zero contour of the drift, with the
        band where the 95% CI contains 0 shaded.
    scale : {"linear", "log1m"}
        β2 axis linear, or ``1 - β2`` on a log axis (β2 increasing upwards).

    Returns
    -------
    list
        Legend handles (the caller places the legend, outside the data).
    """
    status = sweep.status
    if "replicate" in status.dims:
        status = np.sign(status.mean("replicate")).astype(int)
    b1 = sweep.beta1.values
    b2 = sweep.beta2.values
    values = status.transpose("beta2", "beta1").values
    ax.pcolormesh(b1, _y(b2, scale), values, cmap=_COLOURS, vmin=-1.5, vmax=1.5,
                  shading="nearest", rasterized=True)
    handles = [Patch(color="#e4572e", label="measured: diverged"),
               Patch(color="#4c9be8", label="measured: converged"),
               Patch(color="#d9d9d9", label="undecided")]
    if boundary is not None and boundary.get("grid") is not None:
        g = boundary["grid"]
        gx = np.asarray(g["beta1"], dtype=float)
        gy = _y(np.asarray(g["beta2"], dtype=float), scale)
        mu = np.asarray(g["drift"], dtype=float).T
        hw = np.asarray(g["half_width"], dtype=float).T
        if np.any(hw > 0):
            ax.contourf(gx, gy, (np.abs(mu) <= hw).astype(float), levels=[0.5, 1.5],
                        colors=["black"], alpha=0.25)
            handles.append(Patch(color="black", alpha=0.25,
                                 label="95% CI of the simulated drift contains 0"))
        ax.contour(gx, gy, mu, levels=[0.0], colors=["black"], linewidths=1.8)
        handles.append(Line2D([], [], color="black", lw=1.8,
                              label="predicted boundary (drift = 0)"))
    grid = np.linspace(b1.min(), b1.max(), 400)
    curve = grid**2  # beta1 = sqrt(beta2)
    keep = (curve >= b2.min()) & (curve <= b2.max())
    (dots,) = ax.plot(grid[keep], _y(curve[keep], scale), ":", color="#333333", lw=1.4,
                      label=r"$\beta_1 = \sqrt{\beta_2}$")
    handles.append(dots)
    ax.set_xlabel(r"$\beta_1$")
    if scale == "log1m":
        ax.set_yscale("log")
        ax.invert_yaxis()
        ax.set_ylabel(r"$1-\beta_2$ (log scale; $\beta_2$ grows upwards)")
    else:
        ax.set_ylabel(r"$\beta_2$")
    ax.set_xlim(b1.min(), b1.max())
    if title:
        ax.set_title(title, fontsize=10)
    return handles


def region_figure(sweep: xr.Dataset, boundary: dict | None = None, *, scale: str = "linear",
                  title: str = "") -> Figure:
    """One region panel (measured colours, predicted boundary, β1 = √β2 dotted)."""
    fig = Figure(figsize=(4.8, 5.0), layout="constrained")
    handles = region_axes(fig.add_subplot(), sweep, boundary, scale=scale, title=title)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    return fig


def atlas_figure(panels: list[tuple[xr.Dataset, dict | None, str]], *,
                 scale: str = "log1m") -> Figure:
    """Side-by-side panels ``(sweep, boundary, title)`` sharing one legend."""
    fig = Figure(figsize=(4.2 * len(panels), 4.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    handles: list = []
    for ax, (sweep, boundary, title) in zip(axes, panels, strict=True):
        got = region_axes(ax, sweep, boundary, scale=scale, title=title)
        handles = got if len(got) > len(handles) else handles
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=8,
               frameon=False)
    return fig


def regret_figure(steps: np.ndarray, paths: dict[str, np.ndarray],
                  regrets: dict[str, np.ndarray], limit: float, *, title: str = "") -> Figure:
    """R18 panel: iterates (left) and average regret R_t/t with the predicted limit (right)."""
    fig = Figure(figsize=(8.4, 3.4), constrained_layout=True)
    left, right = fig.subplots(1, 2)
    for name, path in paths.items():
        left.plot(steps, path, label=name, lw=1.2)
    left.set_xscale("log")
    left.set_xlabel("step t")
    left.set_ylabel(r"$x_t$")
    left.axhline(-1, color="grey", lw=0.8, ls="--")
    left.axhline(1, color="grey", lw=0.8, ls="--")
    left.legend(fontsize=8)
    for name, reg in regrets.items():
        right.plot(steps[1:], reg, label=name, lw=1.2)
    right.axhline(limit, color="black", ls=":", label=f"(2C-4)/3 = {limit:.3g}")
    right.set_xscale("log")
    right.set_xlabel("step t")
    right.set_ylabel(r"$R_t/t$")
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
