"""What a claim is, how it is run, and what a result records (THEORY.md §5)."""

from __future__ import annotations

import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PROFILES",
    "PROVENANCE_TAGS",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "Context",
    "Outcome",
    "run_claim",
]

PROVENANCE_TAGS = ("primary", "secondary", "derived", "recalled")
VERDICTS = ("pass", "fail", "inconclusive", "error")
PROFILES = ("quick", "full")


@dataclass(frozen=True)
class Context:
    """Everything a check may depend on: profile, its own seed, backend."""

    profile: str
    seed: np.random.SeedSequence
    backend: str = "numpy"

    def rng(self, *key: int) -> np.random.Generator:
        """An independent generator for sub-experiment ``key`` of this claim."""
        return np.random.default_rng(
            np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *key))
        )


@dataclass(frozen=True)
class Outcome:
    """The result of a check or of its negative control.

    ``predicted`` and ``measured`` are short human-readable strings; ``values`` holds the
    numbers behind them (for JSON and tests).
    """

    verdict: str
    predicted: str
    measured: str
    values: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")


@dataclass(frozen=True)
class Claim:
    """A registered, falsifiable claim.

    Attributes
    ----------
    id, title, statement : str
        Identifier (e.g. ``"FTRL-EQ"``), short title, and the claim in words.
    source : str
        Paper and theorem (or library source) the claim comes from.
    provenance : {"primary", "secondary", "derived", "recalled"}
        How sure we are of the *statement* (THEORY.md provenance tags).
    rule : str
        The verdict rule, fixed before the run.
    control_description : str
        What the negative control perturbs; it must produce a failing verdict.
    check, control : callable
        ``Context -> Outcome``.
    figure : callable, optional
        ``values -> matplotlib.figure.Figure``: draws the check's JSON-able ``values`` (as in
        :attr:`ClaimResult.values` after a JSON round trip), so a figure can be regenerated
        from a cached result without re-running the check. ``None``: no figure.
    """

    id: str
    title: str
    statement: str
    source: str
    provenance: str
    rule: str
    control_description: str
    check: Callable[[Context], Outcome]
    control: Callable[[Context], Outcome]
    figure: Callable[[dict[str, Any]], Figure] | None = None

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCE_TAGS:
            raise ValueError(f"provenance must be one of {PROVENANCE_TAGS}; got {self.provenance}")

    def describe(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "statement": self.statement,
            "source": self.source,
            "provenance": self.provenance,
            "rule": self.rule,
            "negative_control": self.control_description,
        }


@dataclass(frozen=True)
class ClaimResult:
    """A claim's verdict with its prediction, measurement, control outcome and timing."""

    id: str
    title: str
    source: str
    provenance: str
    verdict: str
    predicted: str
    measured: str
    rule: str
    seconds: float
    profile: str
    seed: int
    control: dict[str, Any]
    values: dict[str, Any]
    message: str = ""
    statement: str = ""

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimResult:
        """Rebuild a result from :meth:`to_json`'s output (unknown keys are ignored).

        Non-finite floats come back as the strings ``to_json`` wrote (``"nan"``, ``"inf"``).
        """
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict from ClaimResult.to_json; got {type(data)}")
        known = {f.name for f in fields(cls)}
        missing = {f.name for f in fields(cls) if f.default is MISSING} - data.keys()
        if missing:
            raise ValueError(f"data lacks the ClaimResult fields {sorted(missing)}")
        return cls(**{k: v for k, v in data.items() if k in known})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


def claim_seed(seed: int, claim_id: str) -> np.random.SeedSequence:
    """The claim's own SeedSequence: independent of which other claims run, and in what order."""
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(claim_id.encode()),))


def _safe_call(fn: Callable[[Context], Outcome], ctx: Context) -> Outcome:
    try:
        return fn(ctx)
    except Exception as exc:  # noqa: BLE001 - a crashing check is a result ("error")
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome("error", "", "", {"error": tb})


def run_claim(claim: Claim, *, profile: str = "quick", seed: int = 0,
              backend: str = "numpy") -> ClaimResult:
    """Run a claim's check and its negative control; combine them into one verdict.

    The verdict is the check's, except that a check which passes while its negative control
    does *not* fail is reported as ``"fail"`` (the instrument was not shown to fire).
    """
    ctx = Context(profile=profile, seed=claim_seed(seed, claim.id), backend=backend)
    start = time.perf_counter()
    main = _safe_call(claim.check, ctx)
    control = _safe_call(claim.control, ctx)
    seconds = time.perf_counter() - start
    verdict, message = main.verdict, main.values.get("error", "")
    if control.verdict == "error":
        verdict, message = "error", f"negative control crashed: {control.values.get('error')}"
    elif control.verdict != "fail" and main.verdict == "pass":
        verdict = "fail"
        message = f"negative control did not fail (verdict {control.verdict})"
    return ClaimResult(
        id=claim.id, title=claim.title, source=claim.source, provenance=claim.provenance,
        verdict=verdict, predicted=main.predicted, measured=main.measured, rule=claim.rule,
        seconds=round(seconds, 4), profile=profile, seed=seed,
        control={"description": claim.control_description, "verdict": control.verdict,
                 "measured": control.measured, "fired": control.verdict == "fail"},
        values=main.values, message=message, statement=claim.statement,
    )
