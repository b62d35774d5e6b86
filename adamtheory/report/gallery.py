"""The part of the committed figure gallery that is drawn from registered claims.

``adamtheory figures`` regenerates ``figures/``: the divergence atlas and the R18 figure are
built there directly; the O2NC figures are the figures of the claims named in
:data:`CLAIM_GALLERY`, so the gallery shows exactly what ``adamtheory verify`` measured (same
profile and seed give the same numbers). The gallery and the report draw the same figures under
one style (:mod:`adamtheory.plots.style`) and save them alike, as a 300-dpi PNG with PDF and
SVG copies of the same stem (:func:`adamtheory.plots.save_figure`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..claims import get_claim, run_claim

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CLAIM_GALLERY", "GalleryFigure", "claim_gallery"]

#: gallery file name (the PNG; the PDF and SVG share its stem) -> id of the claim it draws
CLAIM_GALLERY: dict[str, str] = {
    "o2nc_U_trace.png": "O2NC-COR41",
    "o2nc_rate_slope.png": "O2NC-SLOPE",
    "o2nc_coordinate_advantage.png": "COORD",
    "o2nc_ablation.png": "ABLATE",
}


@dataclass(frozen=True)
class GalleryFigure:
    """One gallery figure with the claim run that produced it."""

    name: str
    claim_id: str
    verdict: str
    seconds: float
    figure: Figure


def claim_gallery(
    *,
    profile: str = "quick",
    seed: int = 0,
    backend: str = "numpy",
    names: tuple[str, ...] | None = None,
) -> Iterator[GalleryFigure]:
    """Run the gallery's claims and yield their figures, one at a time.

    Parameters
    ----------
    profile, seed, backend
        As for ``adamtheory verify``.
    names
        Gallery file names to draw (default: all of :data:`CLAIM_GALLERY`).

    Yields
    ------
    GalleryFigure
        The figure is drawn from the JSON round trip of the claim's values, as the report
        does, so a figure never depends on state that a cached result would not have.
    """
    names = tuple(CLAIM_GALLERY) if names is None else tuple(names)
    unknown = [n for n in names if n not in CLAIM_GALLERY]
    if unknown:
        raise ValueError(f"names must be among {tuple(CLAIM_GALLERY)}; got {unknown}")
    for name in names:
        claim = get_claim(CLAIM_GALLERY[name])
        if claim.figure is None:  # pragma: no cover - guarded by tests/test_gallery.py
            raise ValueError(f"claim {claim.id} has no figure")
        start = time.perf_counter()
        result = run_claim(claim, profile=profile, seed=seed, backend=backend)
        if "error" in result.values:
            raise RuntimeError(f"{claim.id} crashed: {result.values['error']}")
        values = json.loads(json.dumps(result.to_json()["values"]))
        yield GalleryFigure(
            name=name,
            claim_id=claim.id,
            verdict=result.verdict,
            seconds=time.perf_counter() - start,
            figure=claim.figure(values),
        )
