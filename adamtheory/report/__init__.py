"""The verification report: results.json, report.md, report.html and figures, and the cache.

``adamtheory verify --out DIR`` writes, into DIR, ``results.json`` (the machine-readable
results), ``report.md`` (figures linked from ``figures/``), ``report.html`` (one
self-contained file, figures embedded) and ``figures/<id>.png``. Results are cached per claim
(:mod:`adamtheory.report.cache`). Every file is written atomically (a temporary file in the
same directory, then ``os.replace``; :mod:`adamtheory._files`): an interrupt leaves each file
either as it was or complete, never empty or half-written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._files import atomic_write_bytes, atomic_write_text
from .cache import ResultCache, cache_key, default_cache_dir, source_digest
from .fields import figure_name, intervals, seed_sequence
from .figures import render_all, render_figure, write_formats
from .html import report_html
from .markdown import report_markdown

__all__ = [
    "ResultCache",
    "annotate",
    "cache_key",
    "default_cache_dir",
    "render_all",
    "render_figure",
    "report_html",
    "report_markdown",
    "source_digest",
    "write_report",
]


def annotate(result: dict[str, Any], *, cached: bool) -> dict[str, Any]:
    """A result (``ClaimResult.to_json`` form) with the report's fields added.

    Adds ``cached`` (whether it came from the cache), ``intervals`` (as the claim reports
    them) and ``seed_sequence`` (the claim's own random stream).
    """
    return {
        **result,
        "cached": bool(cached),
        "intervals": intervals(result),
        "seed_sequence": seed_sequence(result),
    }


def write_report(payload: dict[str, Any], images: dict[str, bytes | str], out: Path) -> None:
    """Write ``results.json``, ``report.md``, ``report.html`` and ``figures/*.png`` into ``out``.

    ``images`` maps claim ids to PNG bytes, or to the message of a figure that failed; each
    claim's ``figure`` (path relative to ``out``) or ``figure_error`` is set in ``payload``.

    All three documents are rendered before anything is written, and each file is written
    atomically (temporary file in ``out``, then ``os.replace``): an error or an interrupt
    (KeyboardInterrupt) leaves every file either as it was or complete, never 0-byte or
    half-written, and no temporary file behind.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[Path, bytes] = {}
    for result in payload["claims"]:
        image = images.get(result["id"])
        result["figure"] = None
        if isinstance(image, bytes):
            path = out / "figures" / figure_name(result["id"])
            figures[path] = image
            result["figure"] = f"figures/{path.name}"
        elif isinstance(image, str):
            result["figure_error"] = image
    documents = {
        "results.json": json.dumps(payload, indent=2, ensure_ascii=False),
        "report.md": report_markdown(payload),
        "report.html": report_html(payload, images),
    }
    for path, image in figures.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, image)
        write_formats(image, path)  # figures/<id>.svg and .pdf next to the PNG
    for name, text in documents.items():
        atomic_write_text(out / name, text)
