"""Render the claims' figures to PNG bytes (for the files under DIR/figures and for the HTML)."""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["DPI", "render_all", "render_figure"]

DPI = 110  # ~840 px wide for the 7.6 in figures: sharp on a phone, small enough to embed


def render_figure(draw: Callable[[dict[str, Any]], Any], values: dict[str, Any]) -> bytes | str:
    """PNG bytes of ``draw(values)``, or a one-line error message if drawing fails.

    A figure that cannot be drawn is reported, never fatal: the verdict does not depend on it.
    """
    try:
        fig = draw(values)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        return buf.getvalue()
    except Exception as exc:  # noqa: BLE001 - reported in the report, next to the claim
        return traceback.format_exception_only(type(exc), exc)[-1].strip()


def render_all(results: Iterable[dict[str, Any]],
               drawers: dict[str, Callable[[dict[str, Any]], Any] | None],
               progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
               ) -> dict[str, bytes | str]:
    """Figures of ``results`` (JSON form) whose claim has a drawer and whose check ran."""
    todo = [r for r in results if drawers.get(r["id"]) is not None
            and "error" not in r.get("values", {})]
    return {r["id"]: render_figure(drawers[r["id"]], r["values"]) for r in progress(todo)}
