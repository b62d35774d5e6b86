"""Claims on real data (docs/theory §6)."""

from __future__ import annotations

CLAIMS: tuple = ()
