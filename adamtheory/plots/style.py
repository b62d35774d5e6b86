"""One figure style for the report, the gallery and the CLI: sizes, fonts, colours, notes.

Every figure builder in :mod:`adamtheory.plots` is decorated with :func:`styled`, which draws
it inside :func:`matplotlib.rc_context` with :data:`RC`: the same fonts, line widths and the
colour-blind-safe Okabe–Ito cycle (:data:`PALETTE`) everywhere, so a report figure and the
gallery's copy of it are the same picture. Claim figures are :data:`WIDTH` inches wide, so
that at the report's column width their text shows at one size.

:func:`finite` and :func:`finish` make a figure honest about data it cannot draw: points that
are not finite (or not positive on a log axis) are dropped explicitly and counted in a note
under the title, never left to matplotlib to mask silently.

Matplotlib is imported inside the functions (the claim registry imports this module).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "DIVERGING_CMAP",
    "NONFINITE_COLOUR",
    "PALETTE",
    "RC",
    "SINGLE",
    "STATUS_COLOURS",
    "WIDE",
    "WIDTH",
    "context",
    "finish",
    "finite",
    "styled",
]

#: Okabe & Ito (2008) colour-blind-safe colours, in the order of the axes' colour cycle:
#: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow, black.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

#: Region maps: converged (-1, sky blue), undecided (0, light grey), diverged (1, vermillion).
STATUS_COLOURS: tuple[str, str, str] = ("#56B4E9", "#DDDDDD", "#D55E00")

#: Cells whose value is not finite, on any map (drawn in this colour and counted in a note).
NONFINITE_COLOUR = "#000000"

#: Signed maps centred on 0 (ColorBrewer's RdBu: diverging and colour-blind safe; a
#: sequential map such as cividis would hide the sign that the zero contour separates).
DIVERGING_CMAP = "RdBu"

#: Width of every claim figure, in inches; the report scales figures to one column width.
WIDTH = 7.6
#: One panel.
SINGLE = (WIDTH, 4.4)
#: Two panels side by side.
WIDE = (WIDTH, 3.3)

#: The rc parameters every builder runs under (see :func:`styled`).
RC: dict[str, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 8.0,
    "figure.titlesize": 9.0,
    "lines.linewidth": 1.4,
    "lines.markersize": 4.5,
    "errorbar.capsize": 2.5,
    "axes.linewidth": 0.8,
    "image.cmap": "cividis",
    "savefig.dpi": 300,
    "pdf.fonttype": 42,  # TrueType in PDFs: text stays text, and editable
    "svg.fonttype": "path",
    "svg.hashsalt": "adamtheory",  # reproducible SVG element ids
}


def _rc() -> dict[str, Any]:
    from cycler import cycler

    return {**RC, "axes.prop_cycle": cycler(color=list(PALETTE))}


def context() -> Any:
    """:func:`matplotlib.rc_context` with the figure style (for code that builds its own)."""
    import matplotlib as mpl

    return mpl.rc_context(_rc())


F = TypeVar("F", bound=Callable[..., Any])


def styled(builder: F) -> F:
    """Decorate a figure builder so that it draws under the shared style.

    Matplotlib reads fonts, the colour cycle and line widths when an artist is created, so
    the builder itself, not only the saving, has to run inside the style.
    """

    @functools.wraps(builder)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with context():
            return builder(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def finite(
    notes: list[str], what: str, *arrays: Any, positive: Iterable[bool] = ()
) -> tuple[np.ndarray, ...]:
    """The points of ``arrays`` (same length) that can be drawn, and a note for the rest.

    A point is dropped when any coordinate is not finite, or is ``<= 0`` where ``positive``
    (one flag per array) says the axis is logarithmic. One note per reason is appended to
    ``notes``, naming ``what`` and the count, so that :func:`finish` can show it.
    """
    arrs = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    if not arrs:
        return ()
    flags = list(positive)
    flags += [False] * (len(arrs) - len(flags))
    ok = np.ones(arrs[0].shape, dtype=bool)
    for a in arrs:
        ok &= np.isfinite(a)
    nonfinite = int(np.count_nonzero(~ok))
    pos = ok.copy()
    for a, flag in zip(arrs, flags, strict=True):
        if flag:
            pos &= np.where(ok, a > 0, False)
    nonpositive = int(np.count_nonzero(ok & ~pos))
    if nonfinite:
        notes.append(f"{what}: {nonfinite} non-finite point{'s' * (nonfinite > 1)} not drawn")
    if nonpositive:
        notes.append(
            f"{what}: {nonpositive} point{'s' * (nonpositive > 1)} <= 0 not drawn on the log axis"
        )
    return tuple(a[pos] for a in arrs)


def finish(fig: Figure, title: str | None = None, notes: Iterable[str] = ()) -> Figure:
    """Set ``fig``'s title (its caption inside the image) and the notes below it.

    Lines are wrapped to the figure's width. The notes (from :func:`finite` or the builder)
    are kept on the figure as ``fig.adamtheory_notes`` too, for tests and callers.
    """
    import matplotlib as mpl

    notes = list(dict.fromkeys(notes))  # once each, in order
    size = mpl.rcParams["figure.titlesize"]
    points = size if isinstance(size, (int, float)) else mpl.rcParams["font.size"]
    width = max(40, int(fig.get_figwidth() * 72 / (0.6 * float(points))))
    lines = [textwrap.fill(title, width)] if title else []
    lines += [textwrap.fill(f"Note: {n}.", width) for n in notes]
    if lines:
        fig.suptitle("\n".join(lines))
    fig.adamtheory_notes = notes  # type: ignore[attr-defined]
    return fig
