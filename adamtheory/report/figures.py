"""Render the claims' figures for the report: a 300-dpi PNG, and SVG and PDF copies.

:func:`render_figure` returns the PNG as :class:`RenderedFigure`, which *is* the PNG bytes (what
``report.html`` embeds and ``figures/<id>.png`` holds) and also carries the SVG and PDF in its
:attr:`~RenderedFigure.formats`; :func:`write_formats` writes those next to the PNG. The
figures are drawn under :mod:`adamtheory.plots.style`, at the gallery's size and resolution.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .._files import atomic_write_bytes
from ..plots.export import DPI, figure_bytes

__all__ = [
    "DPI",
    "FORMATS",
    "RenderedFigure",
    "render_all",
    "render_figure",
    "render_formats",
    "write_formats",
]

#: The formats the report renders; the first is the one embedded in the HTML.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")


class RenderedFigure(bytes):
    """PNG bytes of a figure, with every rendered format in :attr:`formats`.

    A ``bytes`` subclass, so code that stores or embeds the PNG needs no change.
    """

    formats: dict[str, bytes]

    def __new__(cls, formats: dict[str, bytes]) -> RenderedFigure:
        if "png" not in formats:
            raise ValueError(f"formats must include 'png'; got {sorted(formats)}")
        obj = super().__new__(cls, formats["png"])
        obj.formats = dict(formats)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (and copies) with its formats
        return (type(self), (self.formats,))


def render_formats(
    draw: Callable[[dict[str, Any]], Any],
    values: dict[str, Any],
    formats: Iterable[str] = FORMATS,
    dpi: float = DPI,
) -> dict[str, bytes] | str:
    """``{format: bytes}`` of ``draw(values)``, or a one-line error message if drawing fails.

    A figure that cannot be drawn is reported, never fatal: the verdict does not depend on it.
    """
    try:
        return figure_bytes(draw(values), tuple(formats), dpi)
    except Exception as exc:  # noqa: BLE001 - reported in the report, next to the claim
        return traceback.format_exception_only(type(exc), exc)[-1].strip()


def render_figure(
    draw: Callable[[dict[str, Any]], Any], values: dict[str, Any]
) -> RenderedFigure | str:
    """The 300-dpi PNG of ``draw(values)`` (with SVG and PDF attached), or an error message."""
    out = render_formats(draw, values)
    return out if isinstance(out, str) else RenderedFigure(out)


def render_all(
    results: Iterable[dict[str, Any]],
    drawers: dict[str, Callable[[dict[str, Any]], Any] | None],
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> dict[str, bytes | str]:
    """Figures of ``results`` (JSON form) whose claim has a drawer and whose check ran."""
    todo = [
        r
        for r in results
        if drawers.get(r["id"]) is not None and "error" not in r.get("values", {})
    ]
    return {r["id"]: render_figure(drawers[r["id"]], r["values"]) for r in progress(todo)}


def write_formats(image: bytes | str | None, png_path: str | Path) -> list[Path]:
    """Write the formats of ``image`` other than PNG next to ``png_path`` (same stem).

    ``image`` is a value of :func:`render_all`'s dict: plain bytes or an error message write
    nothing. Returns the paths written (atomically, as :func:`adamtheory.plots.save_figure`).
    """
    other = {k: v for k, v in getattr(image, "formats", {}).items() if k != "png"}
    png_path = Path(png_path)
    written = []
    for fmt, data in other.items():
        target = png_path.with_suffix(f".{fmt}")
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, data)
        written.append(target)
    return written
