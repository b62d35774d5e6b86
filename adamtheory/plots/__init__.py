"""Matplotlib figures (functions return a Figure; library code never calls plt.show).

:func:`save_figure` writes a figure as a 300-dpi PNG with PDF and SVG copies (atomically);
:mod:`adamtheory.plots.style` is the one style every builder draws under.
"""

from .export import DPI, FORMATS, figure_bytes, save_figure

__all__ = ["DPI", "FORMATS", "figure_bytes", "save_figure"]
