"""The claim registry: one module per source; each claim = theory + measurement + rule."""

from __future__ import annotations

import importlib as _importlib

from .base import (
    PROFILES,
    PROVENANCE_TAGS,
    Claim,
    ClaimResult,
    Context,
    Evidence,
    LazyFigure,
    Outcome,
    lazy_figure,
    run_claim,
)

_MODULES = (
    "library_semantics",
    "ftrl24",
    "amc25",
    "o2nc_runs",
    "o2nc_coord",
    "o2nc_ablate",
    "o2nc_goldstein",
    "o2nc_lemma31",
    "sf_weights",
    "z22",
    "r18",
    "realdata",
)


REGISTRY: tuple[Claim, ...] = tuple(
    c for m in _MODULES for c in _importlib.import_module(f".{m}", __name__).CLAIMS
)

__all__ = [
    "PROFILES",
    "PROVENANCE_TAGS",
    "REGISTRY",
    "Claim",
    "ClaimResult",
    "Context",
    "Evidence",
    "LazyFigure",
    "Outcome",
    "get_claim",
    "lazy_figure",
    "run_claim",
]


def get_claim(claim_id: str) -> Claim:
    """Look a claim up by id (case-insensitive)."""
    for claim in REGISTRY:
        if claim.id.lower() == str(claim_id).lower():
            return claim
    known = ", ".join(c.id for c in REGISTRY)
    raise ValueError(f"claim must be one of {known}; got {claim_id!r}")
