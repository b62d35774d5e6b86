"""Divergence-region figures: measured classification, predicted boundary, β1 = √β2 curve.

Every function returns a :class:`matplotlib.figure.Figure` and never calls ``plt.show``.
The β2 axis can be drawn as ``1 - β2`` on a log scale (``scale="log1m"``), which is the only
readable choice for large n, where the boundary sits at ``1 - β2* ≈ 4/n²``.

The figures draw under :mod:`adamtheory.plots.style` (colour-blind-safe region colours); a grid
point whose status is not finite is drawn in
:data:`~adamtheory.plots.style.NONFINITE_COLOUR` and gets its own legend entry, never a gap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..kernels.nonfinite import NONFINITE_GRADIENT
from .style import NONFINITE_COLOUR, STATUS_COLOURS, WIDTH, finish, finite, styled

__all__ = [
    "atlas_caption",
    "atlas_figure",
    "region_axes",
    "region_figure",
    "regret_figure",
    "sequential_atlas_figure",
    "sequential_axes",
]

# converged, undecided, diverged; a non-finite status in NONFINITE_COLOUR
_COLOURS = ListedColormap(list(STATUS_COLOURS)).with_extremes(bad=NONFINITE_COLOUR)


def _y(beta2: np.ndarray, scale: str) -> np.ndarray:
    return 1.0 - beta2 if scale == "log1m" else beta2


def region_axes(
    ax: Any,
    sweep: xr.Dataset,
    boundary: dict | None = None,
    *,
    scale: str = "linear",
    title: str = "",
) -> list:
    """Draw one region panel into ``ax``.

    Parameters
    ----------
    sweep : xarray.Dataset
        From :func:`adamtheory.kernels.divergence_sweep` (``status`` over beta1, beta2,
        replicate); the majority verdict over replicates is shown.
    boundary : dict, optional
        From :func:`adamtheory.analysis.regions.predicted_boundary`: its ``grid`` (drift and CI
        half-width on a β1 × β2 grid) is drawn as the zero contour of the drift, with the
        band where the 95% CI contains 0 shaded.
    scale : {"linear", "log1m"}
        β2 axis linear, or ``1 - β2`` on a log axis (β2 increasing upwards).

    Returns
    -------
    list
        Legend handles (the caller places the legend, outside the data).
    """
    # a run whose gradient was NaN/inf (status NONFINITE_GRADIENT = 2) has no class: it is
    # drawn as not finite, never as diverged (the colour map would clip 2 to "diverged")
    status = sweep.status.astype(np.float64).where(sweep.status != NONFINITE_GRADIENT)
    if "replicate" in status.dims:
        # a replicate whose status is not finite makes the majority unknown (drawn as such)
        status = np.sign(status.mean("replicate", skipna=False))
    b1 = sweep.beta1.values
    b2 = sweep.beta2.values
    values = status.transpose("beta2", "beta1").values
    ax.pcolormesh(
        b1,
        _y(b2, scale),
        values,
        cmap=_COLOURS,
        vmin=-1.5,
        vmax=1.5,
        shading="nearest",
        rasterized=True,
    )
    handles = [
        Patch(color=STATUS_COLOURS[2], label="measured: diverged"),
        Patch(color=STATUS_COLOURS[0], label="measured: converged"),
        Patch(color=STATUS_COLOURS[1], label="undecided"),
    ]
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        handles.append(
            Patch(color=NONFINITE_COLOUR, label=f"status not finite ({bad} point{'s' * (bad > 1)})")
        )
    if boundary is not None and boundary.get("grid") is not None:
        g = boundary["grid"]
        gx = np.asarray(g["beta1"], dtype=float)
        gy = _y(np.asarray(g["beta2"], dtype=float), scale)
        mu = np.asarray(g["drift"], dtype=float).T
        hw = np.asarray(g["half_width"], dtype=float).T
        if np.any(hw > 0):
            ax.contourf(
                gx,
                gy,
                (np.abs(mu) <= hw).astype(float),
                levels=[0.5, 1.5],
                colors=["black"],
                alpha=0.25,
            )
            handles.append(
                Patch(color="black", alpha=0.25, label="95% CI of the simulated drift contains 0")
            )
        ax.contour(gx, gy, mu, levels=[0.0], colors=["black"], linewidths=1.8)
        handles.append(
            Line2D([], [], color="black", lw=1.8, label="predicted boundary (drift = 0)")
        )
    grid = np.linspace(b1.min(), b1.max(), 400)
    curve = grid**2  # beta1 = sqrt(beta2)
    keep = (curve >= b2.min()) & (curve <= b2.max())
    (dots,) = ax.plot(
        grid[keep],
        _y(curve[keep], scale),
        ":",
        color="#333333",
        lw=1.4,
        label=r"$\beta_1 = \sqrt{\beta_2}$",
    )
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
        ax.set_title(title)
    return handles


@styled
def region_figure(
    sweep: xr.Dataset, boundary: dict | None = None, *, scale: str = "linear", title: str = ""
) -> Figure:
    """One region panel (measured colours, predicted boundary, β1 = √β2 dotted)."""
    fig = Figure(figsize=(4.8, 5.0), layout="constrained")
    handles = region_axes(fig.add_subplot(), sweep, boundary, scale=scale, title=title)
    fig.legend(
        handles=handles, loc="outside lower center", ncol=2, fontsize="x-small", frameon=False
    )
    return fig


@styled
def atlas_figure(
    panels: list[tuple[xr.Dataset, dict | None, str]], *, scale: str = "log1m"
) -> Figure:
    """Side-by-side panels ``(sweep, boundary, title)`` sharing one legend."""
    fig = Figure(figsize=(4.2 * len(panels), 4.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    by_label: dict[str, Any] = {}  # every panel's entries, once each
    for ax, (sweep, boundary, title) in zip(axes, panels, strict=True):
        for handle in region_axes(ax, sweep, boundary, scale=scale, title=title):
            by_label.setdefault(handle.get_label(), handle)
    handles = list(by_label.values())
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles),
        fontsize="small",
        frameon=False,
    )
    return fig


@styled
def regret_figure(
    steps: np.ndarray,
    paths: dict[str, np.ndarray],
    regrets: dict[str, np.ndarray],
    limit: float,
    *,
    title: str = "",
) -> Figure:
    """R18 panel: iterates (left) and average regret R_t/t with the predicted limit (right)."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    notes: list[str] = []
    steps = np.asarray(steps, dtype=np.float64)
    for name, path in paths.items():
        left.plot(*finite(notes, f"{name} iterates", steps, path), label=name, lw=1.2)
    left.set_xscale("log")
    left.set_xlabel("step t")
    left.set_ylabel(r"$x_t$")
    left.axhline(-1, color="grey", lw=0.8, ls="--")
    left.axhline(1, color="grey", lw=0.8, ls="--")
    left.legend()
    for name, reg in regrets.items():
        right.plot(*finite(notes, f"{name} regret", steps[1:], reg), label=name, lw=1.2)
    right.axhline(limit, color="black", ls=":", label=f"(2C-4)/3 = {limit:.3g}")
    right.set_xscale("log")
    right.set_xlabel("step t")
    right.set_ylabel(r"$R_t/t$")
    right.legend()
    return finish(fig, title or None, notes)


def _label_a(n: int, a: float) -> str:
    return "1" if a == 1 else (f"1/{n - 1}²" if abs(a * (n - 1) ** 2 - 1) < 1e-12 else f"{a:g}")


def atlas_caption(summary: dict) -> str:
    """The settings of one sequential panel in one line (semantics, η, x0, run length)."""
    sem = "Z22 Alg. 1 (no bias corr.)" if summary["semantics"] == "z22" else "torch Adam"
    sched = "η/√k" if summary["schedule"] == "inv_sqrt_epoch" else "η const"
    eps = f", ε={summary['eps']:g}" if summary["eps"] else ""
    return (
        f"{sem}{eps}; {sched}, η={summary['lr']:g}; x0={summary['x0']:g}; "
        f"≤{summary['max_epochs']} epochs, α={summary['alpha']:g}"
    )


def sequential_axes(
    top: Any, bottom: Any | None, atlas: dict, boundary: dict | None, summary: dict, *, scale: str
) -> list:
    """One sequentially classified panel: classification with the predicted boundary (``top``)
    and the measured drift as a continuous signed-log heatmap (``bottom``, optional).

    The drift boundary and its 95% band are drawn only where β1 < √β2 (the drift criterion's
    scope); the corner β1 ≥ √β2 is hatched and labelled, and its measured colours stay.
    """
    b1 = np.asarray(atlas["beta1"], dtype=float)
    b2 = np.asarray(atlas["beta2"], dtype=float)
    status = np.asarray(atlas["status"], dtype=float)
    y = _y(b2, scale)
    top.pcolormesh(
        b1, y, status.T, cmap=_COLOURS, vmin=-1.5, vmax=1.5, shading="nearest", rasterized=True
    )
    handles: list[Any] = [
        Patch(color=STATUS_COLOURS[2], label="measured: diverged"),
        Patch(color=STATUS_COLOURS[0], label="measured: converged"),
        Patch(color=STATUS_COLOURS[1], label="undecided"),
    ]
    bad = int(np.count_nonzero(~np.isfinite(status)))
    if bad:
        handles.append(Patch(color=NONFINITE_COLOUR, label=f"status not finite ({bad})"))
    # the corner beta1 >= sqrt(beta2), i.e. beta2 <= beta1², hatched over the measured colours
    fine = np.linspace(b1.min(), b1.max(), 400)
    edge = np.clip(fine**2, b2.min(), b2.max())
    if np.any(fine**2 > b2.min()):
        top.fill_between(
            fine,
            _y(np.full_like(fine, b2.min()), scale),
            _y(edge, scale),
            where=fine**2 > b2.min(),
            facecolor="none",
            edgecolor="#333333",
            hatch="////",
            linewidth=0.0,
        )
        handles.append(
            Patch(
                facecolor="none",
                edgecolor="#333333",
                hatch="////",
                label=r"$\beta_1 \geq \sqrt{\beta_2}$: drift criterion out of scope",
            )
        )
    if boundary is not None and boundary.get("grid") is not None:
        g = boundary["grid"]
        gx = np.asarray(g["beta1"], dtype=float)
        gb2 = np.asarray(g["beta2"], dtype=float)
        gy = _y(gb2, scale)
        mu = np.asarray(g["drift"], dtype=float)
        hw = np.asarray(g["half_width"], dtype=float)
        out = gx[:, None] >= np.sqrt(gb2)[None, :]  # masked: outside the criterion's scope
        band = np.where(out, np.nan, (np.abs(mu) <= hw).astype(float)).T
        mu = np.where(out, np.nan, mu).T
        if np.any(hw > 0):
            top.contourf(gx, gy, band, levels=[0.5, 1.5], colors=["black"], alpha=0.25)
            handles.append(
                Patch(color="black", alpha=0.25, label="95% band of β2*(β1) (drift CI ∋ 0)")
            )
        top.contour(gx, gy, mu, levels=[0.0], colors=["black"], linewidths=1.6)
        handles.append(Line2D([], [], color="black", lw=1.6, label="predicted boundary μ = 0"))
    grid = np.linspace(b1.min(), b1.max(), 400)
    keep = (grid**2 >= b2.min()) & (grid**2 <= b2.max())
    (dots,) = top.plot(
        grid[keep],
        _y(grid[keep] ** 2, scale),
        ":",
        color="#333333",
        lw=1.2,
        label=r"$\beta_1 = \sqrt{\beta_2}$",
    )
    handles.append(dots)
    n, a = summary["n"], summary["a"]
    und = summary["undecided_fraction"]
    top.set_title(
        f"n={n}, a={_label_a(n, a)}, {summary['sampling']}: {und:.1%} undecided in scope",
        fontsize="small",
    )
    axes = [top] + ([bottom] if bottom is not None else [])
    if bottom is not None:
        from matplotlib.colors import SymLogNorm

        drift = np.asarray(atlas["drift"], dtype=float)
        finite_drift = np.isfinite(drift)
        lim = float(np.nanmax(np.abs(drift))) if finite_drift.any() else 1.0
        mesh = bottom.pcolormesh(
            b1,
            y,
            np.where(finite_drift, drift, np.nan).T,
            cmap=_with_nan("RdBu"),
            norm=SymLogNorm(linthresh=1e-3, vmin=-lim, vmax=lim),
            shading="nearest",
            rasterized=True,
        )
        cbar = bottom.figure.colorbar(mesh, ax=bottom, shrink=0.9, pad=0.01)
        cbar.set_label("measured drift μ̂ (symlog)", fontsize="x-small")
        cbar.ax.tick_params(labelsize="xx-small")
        missing = int(np.count_nonzero(~finite_drift))
        bottom.set_title(
            "measured drift of the run (red: away from x*)"
            + (f"; {missing} without a linear epoch, black" if missing else ""),
            fontsize="x-small",
        )
    for ax in axes:
        ax.set_xlabel(r"$\beta_1$")
        if scale == "log1m":
            ax.set_yscale("log")
            ax.invert_yaxis()
            ax.set_ylabel(r"$1-\beta_2$ (log)")
        else:
            ax.set_ylabel(r"$\beta_2$")
        ax.set_xlim(b1.min(), b1.max())
        ax.text(
            0.01,
            0.01,
            atlas_caption(summary),
            transform=ax.transAxes,
            fontsize=5,
            va="bottom",
            ha="left",
            bbox={"facecolor": "white", "alpha": 0.7, "lw": 0},
        )
    return handles


def _with_nan(name: str) -> Any:
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=NONFINITE_COLOUR)


@styled
def sequential_atlas_figure(
    panels: list[tuple[dict, dict | None, dict]], *, scale: str = "log1m", heatmap: bool = True
) -> Figure:
    """Panels ``(atlas, boundary, summary)`` side by side: classification on top and, with
    ``heatmap``, the measured drift below; one shared legend."""
    rows = 2 if heatmap else 1
    fig = Figure(figsize=(4.2 * len(panels), 4.0 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, len(panels), squeeze=False)
    by_label: dict[str, Any] = {}
    for k, (atlas, boundary, summary) in enumerate(panels):
        bottom = axes[1, k] if heatmap else None
        for handle in sequential_axes(axes[0, k], bottom, atlas, boundary, summary, scale=scale):
            by_label.setdefault(handle.get_label(), handle)
    handles = list(by_label.values())
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=min(4, len(handles)) if len(panels) > 1 else 2,
        fontsize="small" if len(panels) > 1 else "x-small",
        frameon=False,
    )
    return fig
