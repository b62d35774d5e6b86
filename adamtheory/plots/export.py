"""Save a figure as a 300-dpi PNG with PDF and SVG copies next to it, atomically.

:func:`save_figure` is what ``adamtheory figures``/``region`` and the report use; it renders
every format to memory first and then moves each file into place with :func:`os.replace`, so
an interrupted or failed save never leaves a truncated figure behind. The files carry no
creation date or software version, so the same figure gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._files import atomic_write_bytes

__all__ = ["DPI", "FORMATS", "figure_bytes", "save_figure"]

#: Raster resolution of PNGs (and of rasterised artists inside the PDF and SVG).
DPI = 300
#: What :func:`save_figure` writes by default.
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")

# no dates or versions in the files: reproducible bytes
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


def _supported(fig: Any) -> set[str]:
    return set(fig.canvas.get_supported_filetypes())


def _formats(fig: Any, formats: Iterable[str]) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    out = tuple(dict.fromkeys(str(f).lower().lstrip(".") for f in formats))
    supported = _supported(fig)
    bad = [f for f in out if f not in supported]
    if not out or bad:
        raise ValueError(
            f"formats must be a non-empty selection of {sorted(supported)}; got {tuple(formats)!r}"
        )
    return out


def _dpi(dpi: Any) -> float:
    try:
        value = float(dpi)
    except (TypeError, ValueError):
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"dpi must be a positive number; got {dpi!r}")
    return value


def figure_bytes(fig: Any, formats: Sequence[str] = FORMATS, dpi: float = DPI) -> dict[str, bytes]:
    """``{format: bytes}`` of ``fig`` in each of ``formats`` (PNG at ``dpi``)."""
    import io

    from .style import context

    formats = _formats(fig, formats)
    dpi = _dpi(dpi)
    out = {}
    engine = fig.get_layout_engine()
    try:
        with context():  # the save-time parameters (SVG ids, PDF fonts) of the style
            for fmt in formats:
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA.get(fmt))
                out[fmt] = buf.getvalue()
                if engine is not None and len(formats) > 1:
                    # the first save laid the figure out; the other formats keep that layout
                    # (identical in every file, and a second constrained layout is not free)
                    fig.set_layout_engine("none")
    finally:
        if engine is not None and fig.get_layout_engine() is not engine:
            fig.set_layout_engine(engine)
    return out


def save_figure(
    fig: Any, path: str | os.PathLike[str], formats: Sequence[str] = FORMATS, dpi: float = DPI
) -> list[Path]:
    """Write ``fig`` once per format next to ``path``; return the paths written.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path-like
        ``DIR/name.png`` or ``DIR/name``: the files are ``DIR/name.<format>``. A suffix that
        is an image format (``.png``, ``.pdf``, ...) is always written, first, even when
        ``formats`` omits it; any other suffix is part of the name. Missing folders are
        created.
    formats : sequence of str
        Default ``("png", "pdf", "svg")``.
    dpi : float
        Resolution of the PNG (default 300) and of any rasterised part of the vector files.

    Returns
    -------
    list of pathlib.Path
        In the order written: the suffix's format first, then ``formats``.

    Every format is rendered before any file is written, and each file appears through
    :func:`os.replace` of a temporary file in the same folder
    (:func:`adamtheory._files.atomic_write_bytes`): a failure leaves the previous files (if
    any) untouched and no partial file behind.
    """
    path = Path(path)
    supported = _supported(fig)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in supported:
        stem, formats = path.with_suffix(""), (suffix, *_formats(fig, formats))
    else:
        stem = path
    if not stem.name or stem.name in (".", ".."):
        raise ValueError(f"path must name a file; got {str(path)!r}")
    rendered = figure_bytes(fig, formats, dpi)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, data in rendered.items():
        target = stem.with_name(f"{stem.name}.{fmt}")
        atomic_write_bytes(target, data)
        written.append(target)
    return written
