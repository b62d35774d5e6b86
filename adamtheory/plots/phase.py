"""Z22-style (β1, β2) heatmaps of the final error on real data, and the advisor's curve.

Log colour of f - f*; 1 - β2 on a log axis; the β1 = √β2 curve; the measured transition
β2*(β1) with its bootstrap interval. Blown-up or non-finite cells are drawn in
:data:`~adamtheory.plots.style.NONFINITE_COLOUR` (never a gap, never NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .style import NONFINITE_COLOUR, WIDTH, finish, styled

__all__ = ["advice_figure", "phase_figure"]


@styled
def phase_figure(ds: xr.Dataset, transition: xr.Dataset | None = None) -> Figure:
    """One heatmap per batch size: f - f* (``tail_gap``, geometric mean over seeds)."""
    import matplotlib as mpl

    batches = ds.batch.values
    fig = Figure(
        figsize=(WIDTH, WIDTH * 0.5 * max(1, int(np.ceil(len(batches) / 3)))), layout="constrained"
    )
    cols = min(3, len(batches))
    rows = int(np.ceil(len(batches) / cols))
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    with np.errstate(divide="ignore"):
        logs = np.log(ds.tail_gap.transpose("batch", "beta2", "beta1", "seed").values)
    gap = np.exp(np.mean(logs, axis=-1))
    finite = gap[np.isfinite(gap) & (gap > 0)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (1e-6, 1.0)
    norm = LogNorm(vmin=max(lo, hi * 1e-8), vmax=hi)
    cmap = mpl.colormaps["viridis"].with_extremes(bad=NONFINITE_COLOUR, over=NONFINITE_COLOUR)
    om = ds.one_minus_beta2.values
    b1 = ds.beta1.values
    notes = []
    mesh = None
    for k, b in enumerate(batches):
        ax = axes[k // cols][k % cols]
        z = np.ma.masked_invalid(np.where(gap[k] > 0, gap[k], norm.vmin))
        mesh = ax.pcolormesh(b1, om, z, norm=norm, cmap=cmap, shading="nearest")
        curve = np.linspace(b1.min(), b1.max(), 100)
        ax.plot(
            curve, 1.0 - curve**2, color="white", lw=1.2, ls="--", label=r"$\beta_1=\sqrt{\beta_2}$"
        )
        if transition is not None:
            t = transition.sel(batch=b)
            est = t.one_minus_beta2_star.values
            ok = np.isfinite(est)
            ax.plot(
                b1[ok],
                est[ok],
                color="tab:red",
                marker="o",
                ms=3,
                lw=1.2,
                label=r"measured $1-\beta_2^*$",
            )
            lo_t, hi_t = t.low.values, t.high.values
            okb = ok & np.isfinite(lo_t) & np.isfinite(hi_t) & (lo_t > 0)
            ax.fill_between(b1[okb], lo_t[okb], hi_t[okb], color="tab:red", alpha=0.25, lw=0)
            if not np.all(ok):
                notes.append(
                    f"B = {b}: no transition on the grid at {int((~ok).sum())} beta1 values"
                )
        ax.set_yscale("log")
        ax.set_ylim(om.min(), om.max())
        ax.invert_yaxis()
        ax.set_xlabel(r"$\beta_1$")
        ax.set_title(f"B = {b} (n = {int(ds.n.sel(batch=b))})")
        if k % cols == 0:
            ax.set_ylabel(r"$1-\beta_2$")
    for k in range(len(batches), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    axes[0][0].legend(loc="lower left", fontsize="small")
    if np.any(~np.isfinite(gap)):
        notes.append("blown-up or non-finite runs drawn in grey")
    fig.colorbar(mesh, ax=axes.ravel().tolist(), label=r"$f-f^*$ (last K/5 epochs)")
    import json

    p = json.loads(ds.attrs.get("params", "{}"))
    title = (
        f"Adam on {p.get('dataset', '?')} ({p.get('model', '?')}): f - f* over the last K/5 of K = "
        f"{p.get('epochs', '?')} epochs (geometric mean over seeds), "
        f"eta_k = {p.get('eta', '?')}/sqrt(k), "
        f"{p.get('seeds', '?')} seeds"
    )
    return finish(fig, title, notes)


@styled
def advice_figure(advice: Any) -> Figure:
    """The advisor's criterion along 1 - β2 for each β1, and the estimated 1 - β2*."""
    fig = Figure(figsize=(WIDTH * 0.6, WIDTH * 0.42), layout="constrained")
    ax = fig.subplots()
    om = np.asarray(advice.grid["one_minus_beta2"])
    vals = np.asarray(advice.grid["value"])
    for b1, v, est in zip(advice.beta1, vals, advice.one_minus_beta2_star, strict=True):
        line = ax.plot(om, v, label=rf"$\beta_1={b1:g}$")[0]
        if np.isfinite(est) and est > 0:
            ax.axvline(est, color=line.get_color(), ls=":", lw=1)
    ax.axhline(advice.threshold, color="black", lw=0.8, ls="--", label="threshold")
    ax.set_xscale("log")
    ax.set_xlabel(r"$1-\beta_2$")
    ax.set_ylabel("alignment" if advice.criterion == "alignment" else "bias ratio")
    ax.legend(fontsize="small")
    return finish(fig, f"critical beta2 advisor (n = {advice.n}, d = {advice.d})")
