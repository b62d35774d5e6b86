"""The claim registry: one module per source; each claim = theory + measurement + rule."""

from __future__ import annotations

from . import amc25, ftrl24, library_semantics, o2nc_ablate, o2nc_runs, r18, z22
from .base import PROFILES, PROVENANCE_TAGS, Claim, ClaimResult, Context, Outcome, run_claim

REGISTRY: tuple[Claim, ...] = (
    *library_semantics.CLAIMS,
    *ftrl24.CLAIMS,
    *amc25.CLAIMS,
    *o2nc_runs.CLAIMS,
    *o2nc_ablate.CLAIMS,
    *z22.CLAIMS,
    *r18.CLAIMS,
)

__all__ = [
    "PROFILES",
    "PROVENANCE_TAGS",
    "REGISTRY",
    "Claim",
    "ClaimResult",
    "Context",
    "Outcome",
    "get_claim",
    "run_claim",
]


def get_claim(claim_id: str) -> Claim:
    """Look a claim up by id (case-insensitive)."""
    for claim in REGISTRY:
        if claim.id.lower() == str(claim_id).lower():
            return claim
    known = ", ".join(c.id for c in REGISTRY)
    raise ValueError(f"claim must be one of {known}; got {claim_id!r}")
