"""Per-claim report fields derived from a result: intervals, seed stream, figure file name."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["figure_name", "intervals", "seed_sequence"]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# "[lo, hi]" with exactly two numbers, or "value ± half-width"
_INTERVAL = re.compile(rf"\[\s*{_NUM}\s*,\s*{_NUM}\s*\]|{_NUM}\s*±\s*{_NUM}")
_PAIR_KEY = re.compile(r"^(ci|interval)$|_ci$|_interval$")  # [low, high]
_HALF_KEY = re.compile(r"^ci$|half_width$")  # a half-width: ± value


def intervals(result: dict[str, Any]) -> list[str]:
    """The intervals a result reports, as short human-readable strings.

    The measurement's clauses (``;``-separated) that contain an interval are taken as they
    stand, since they carry the estimate and its label; when there are none, entries of
    ``values`` that hold one (``ci``/``*_ci``/``*_interval`` as ``[low, high]``, ``ci``/
    ``*half_width`` as a half-width) are listed with their paths.
    """
    measured = str(result.get("measured", ""))
    found = [c.strip() for c in measured.split(";") if _INTERVAL.search(c)]
    if found:
        return found
    out: list[str] = []

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                sub = f"{path}.{k}" if path else str(k)
                if _PAIR_KEY.search(str(k)) and _is_pair(v):
                    out.append(f"{sub} = [{_fmt(v[0])}, {_fmt(v[1])}]")
                elif _HALF_KEY.search(str(k)) and _is_number(v):
                    out.append(f"{sub} = ± {_fmt(v)}")
                else:
                    walk(v, sub)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, f"{path}[{i}]")

    walk(result.get("values", {}), "")
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_pair(v: Any) -> bool:
    return (
        isinstance(v, list)
        and len(v) == 2
        and all(_is_number(x) or x in ("nan", "inf", "-inf") for x in v)
    )


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def seed_sequence(result: dict[str, Any]) -> dict[str, Any]:
    """The claim's own ``SeedSequence`` (root seed and spawn key), as ``claim_seed`` builds it."""
    from ..claims.base import claim_seed

    seq = claim_seed(int(result["seed"]), str(result["id"]))
    return {"entropy": int(seq.entropy), "spawn_key": [int(k) for k in seq.spawn_key]}


def figure_name(claim_id: str) -> str:
    """File name of a claim's figure under ``DIR/figures``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", str(claim_id)) + ".png"


def power_cell(result: dict[str, Any]) -> str:
    """``detected/declared`` sensitivity entries, with ``weak`` when a required one was
    missed; ``"-"`` for a claim without entries (a reported claim)."""
    entries = result.get("sensitivity") or []
    if not entries:
        return "-"
    cell = f"{sum(bool(e['detected']) for e in entries)}/{len(entries)}"
    return cell + (" weak" if result.get("weak") else "")
