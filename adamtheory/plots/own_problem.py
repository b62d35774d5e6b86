"""Region map for your own finite sum: measured classes, predicted drift boundary when it fits.

Reuses :func:`adamtheory.plots.region.region_axes` (colours, zero contour of the drift with its
95% band, the β1 = √β2 curve). Returns a :class:`matplotlib.figure.Figure`; never calls
``plt.show``.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from matplotlib.figure import Figure

from .region import region_axes
from .style import styled

__all__ = ["own_problem_figure"]


def _caption(result: Any) -> str:
    pattern = result.pattern
    lines = [
        ("fits docs/theory §3.2: " if pattern.fits else "no drift prediction: ") + pattern.reason
    ]
    agreement = result.agreement
    if agreement is not None:
        if agreement.agreement is None:
            lines.append("no run outside the uncertainty band to compare")
        else:
            lines.append(
                f"agreement with sign(drift): {agreement.agreement:.4f} over "
                f"{agreement.compared} decided runs (|drift| > CI + {agreement.margin:g},"
                f" β1 < √β2); {agreement.undecided:.1%} undecided"
            )
    lines.extend(result.notes)
    return "\n".join(textwrap.fill(line, 95) for line in lines)


@styled
def own_problem_figure(result: Any, *, scale: str = "linear", title: str | None = None) -> Figure:
    """One panel: majority class per grid point, predicted boundary overlaid when available.

    Parameters
    ----------
    result : OwnProblemResult
        From :func:`adamtheory.analysis.own_problem.sweep_own_problem`.
    scale : {"linear", "log1m"}
        β2 axis linear, or ``1 - β2`` on a log axis.
    title : str, optional
        Default: problem name, sampling and epochs.
    """
    if not all(hasattr(result, a) for a in ("sweep", "pattern", "boundary", "agreement")):
        raise TypeError(
            "result must be an OwnProblemResult from sweep_own_problem; got "
            f"{type(result).__name__}"
        )
    if scale not in ("linear", "log1m"):
        raise ValueError(f"scale must be one of 'linear', 'log1m'; got {scale!r}")
    sweep = result.sweep
    if title is None:
        config = sweep.attrs.get("config", "")
        title = f"{sweep.attrs.get('problem', 'user problem')} (n = {sweep.attrs.get('n')})"
        if '"sampling"' in config:
            cfg = json.loads(config)
            title += f", {cfg['sampling']}, {cfg['epochs']} epochs"
    boundary = result.boundary
    if boundary is not None and (sweep.beta1.size < 2 or sweep.beta2.size < 2):
        boundary = None  # a zero contour needs a 2-D grid
    fig = Figure(figsize=(5.4, 6.2), layout="constrained")
    ax = fig.add_subplot()
    handles = region_axes(ax, sweep, boundary, scale=scale, title=title)
    fig.legend(
        handles=handles, loc="outside lower center", ncol=2, fontsize="x-small", frameon=False
    )
    fig.suptitle(_caption(result), fontsize="x-small", x=0.02, ha="left")
    return fig
