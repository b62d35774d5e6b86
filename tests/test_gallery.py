"""The claim-drawn part of the figure gallery (``adamtheory figures``)."""

from __future__ import annotations

import pytest

from adamtheory.claims import get_claim
from adamtheory.report.gallery import CLAIM_GALLERY, claim_gallery


def test_every_gallery_entry_is_a_claim_with_a_figure():
    for name, claim_id in CLAIM_GALLERY.items():
        assert name.endswith(".png")
        assert get_claim(claim_id).figure is not None


def test_unknown_gallery_name_is_rejected():
    with pytest.raises(ValueError, match="names must be among"):
        list(claim_gallery(names=("nope.png",)))


def test_gallery_figure_is_the_claims_figure():
    from matplotlib.figure import Figure

    (entry,) = claim_gallery(names=("o2nc_coordinate_advantage.png",))
    assert entry.claim_id == "COORD" and entry.verdict == "pass"
    assert isinstance(entry.figure, Figure) and entry.figure.axes
