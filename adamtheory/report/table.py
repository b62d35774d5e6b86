"""Plain-text tables for the terminal: long cells wrap inside their column, rows never wrap.

Hand-written on :mod:`textwrap` (no dependency): ``adamtheory verify`` streams one row per
finished claim, so the column widths are fixed before the first result from what is known up
front (ids, sensitivity counts), and the flexible columns share what the width leaves.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from itertools import zip_longest

__all__ = ["Column", "fit", "markdown_row", "render_row", "terminal_width", "wide_rows", "wrap"]

GAP = "  "


def terminal_width(fallback: int = 100) -> int:
    """``$COLUMNS``, else the terminal's width, else ``fallback`` (output to a pipe or file)."""
    return shutil.get_terminal_size((fallback, 24)).columns


@dataclass(frozen=True)
class Column:
    """A column: a fixed ``width`` (> 0), or flexible (0) sharing the free width by ``weight``."""

    header: str
    width: int = 0
    weight: int = 1
    minimum: int = 12


def fit(columns: list[Column], width: int) -> list[int]:
    """Column widths for a total line ``width`` (flexible columns never below their minimum)."""
    fixed = [max(c.width, len(c.header)) if c.width else 0 for c in columns]
    free = width - sum(fixed) - len(GAP) * (len(columns) - 1)
    weights = sum(c.weight for c in columns if not c.width) or 1
    return [
        w or max(c.minimum, len(c.header), free * c.weight // weights)
        for c, w in zip(columns, fixed, strict=True)
    ]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters (long words are split)."""
    return textwrap.wrap(str(text), max(width, 1), break_on_hyphens=False) or [""]


def render_row(cells: list[str], widths: list[int]) -> list[str]:
    """One row as lines: each cell wrapped inside its column, no line longer than the widths."""
    wrapped = [wrap(c, w) for c, w in zip(cells, widths, strict=True)]
    return [
        GAP.join(part.ljust(w) for part, w in zip(parts, widths, strict=True)).rstrip()
        for parts in zip_longest(*wrapped, fillvalue="")
    ]


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def wide_rows(header: list[str], rows: list[list[str]]) -> list[str]:
    """Header and rows aligned, cells unabridged and unwrapped (no width limit)."""
    table = [[_flat(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return [
        GAP.join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]


def markdown_row(cells: list[str]) -> str:
    """A GitHub-flavoured Markdown table row; cells unabridged, ``|`` escaped."""
    return "| " + " | ".join(_flat(c).replace("|", r"\|") for c in cells) + " |"
