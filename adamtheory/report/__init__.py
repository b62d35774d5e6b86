"""The verification report: results.json, report.md, report.html and figures, and the cache.

``adamtheory verify --out DIR`` writes, into DIR, ``results.json`` (the machine-readable
results), ``report.md`` (figures linked from ``figures/``), ``report.html`` (one
self-contained file, figures embedded) and ``figures/<id>.png``. Results are cached per claim
(:mod:`adamtheory.report.cache`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cache import ResultCache, cache_key, default_cache_dir, source_digest
from .fields import figure_name, intervals, seed_sequence
from .figures import render_all, render_figure
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
    return {**result, "cached": bool(cached), "intervals": intervals(result),
            "seed_sequence": seed_sequence(result)}


def write_report(payload: dict[str, Any], images: dict[str, bytes | str], out: Path) -> None:
    """Write ``results.json``, ``report.md``, ``report.html`` and ``figures/*.png`` into ``out``.

    ``images`` maps claim ids to PNG bytes, or to the message of a figure that failed; each
    claim's ``figure`` (path relative to ``out``) or ``figure_error`` is set in ``payload``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for result in payload["claims"]:
        image = images.get(result["id"])
        result["figure"] = None
        if isinstance(image, bytes):
            path = out / "figures" / figure_name(result["id"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(image)
            result["figure"] = f"figures/{path.name}"
        elif isinstance(image, str):
            result["figure_error"] = image
    (out / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False),
                                      encoding="utf-8")
    (out / "report.md").write_text(report_markdown(payload), encoding="utf-8")
    (out / "report.html").write_text(report_html(payload, images), encoding="utf-8")
