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
    "NO_CONTROL",
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
# "reported": a claim that reports measurements without a pass/fail rule (Claim.reported);
# it is counted apart and, like "pass", never makes ``adamtheory verify`` exit non-zero.
VERDICTS = ("pass", "fail", "inconclusive", "error", "reported")
PROFILES = ("quick", "full")
#: The negative control recorded for a reported claim (it has none: nothing can fail).
NO_CONTROL = "none (reported, not pass/fail)"


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
    """A registered claim: falsifiable (pass/fail), or a reported measurement.

    Attributes
    ----------
    id, title, statement : str
        Identifier (e.g. ``"FTRL-EQ"``), short title, and the claim in words.
    source : str
        Paper and theorem (or library source) the claim comes from.
    provenance : {"primary", "secondary", "derived", "recalled"}
        How sure we are of the *statement* (THEORY.md provenance tags).
    rule : str
        The verdict rule, fixed before the run; for a reported claim, what is reported.
    control_description : str
        What the negative control perturbs; it must produce a failing verdict. A reported
        claim has none: leave it empty (it becomes :data:`NO_CONTROL`).
    check : callable
        ``Context -> Outcome``.
    control : callable or None
        ``Context -> Outcome``, the negative control; ``None`` exactly when ``reported``.
    figure : callable, optional
        ``values -> matplotlib.figure.Figure``: draws the check's JSON-able ``values`` (as in
        :attr:`ClaimResult.values` after a JSON round trip), so a figure can be regenerated
        from a cached result without re-running the check. ``None``: no figure.
    reported : bool
        ``True`` for a claim that reports measurements (e.g. an ablation) without a pass/fail
        rule: its check returns the verdict ``"reported"``, it has no negative control, and
        :func:`run_claim` records the control as not applicable.
    """

    id: str
    title: str
    statement: str
    source: str
    provenance: str
    rule: str
    control_description: str
    check: Callable[[Context], Outcome]
    control: Callable[[Context], Outcome] | None
    figure: Callable[[dict[str, Any]], Figure] | None = None
    reported: bool = False

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCE_TAGS:
            raise ValueError(f"provenance must be one of {PROVENANCE_TAGS}; got {self.provenance}")
        if not isinstance(self.reported, bool):
            raise TypeError(f"reported must be True or False; got {self.reported!r}")
        if self.reported:
            # nothing can fail, so a control would have nothing to show: refuse one rather
            # than run it and ignore its outcome
            if self.control is not None:
                raise ValueError(f"claim {self.id}: a reported claim (reported=True) has no "
                                 "negative control; pass control=None")
            if self.control_description not in ("", NO_CONTROL):
                raise ValueError(f"claim {self.id}: a reported claim has no negative control; "
                                 f"leave control_description empty (got "
                                 f"{self.control_description!r})")
            object.__setattr__(self, "control_description", NO_CONTROL)
        elif self.control is None:
            raise ValueError(f"claim {self.id}: control may be None only for a reported claim "
                             "(reported=True); a pass/fail claim needs a negative control that "
                             "must fail")

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "statement": self.statement,
            "source": self.source,
            "provenance": self.provenance,
            "rule": self.rule,
            "negative_control": self.control_description,
            "reported": self.reported,
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

    A reported claim (``claim.reported``) runs its check only: the verdict is ``"reported"``
    (``"error"`` if the check crashed or returned a pass/fail verdict), and the control is
    recorded as not applicable (``verdict "n/a"``, ``fired None``). Only a reported claim may
    return ``"reported"``.
    """
    ctx = Context(profile=profile, seed=claim_seed(seed, claim.id), backend=backend)
    if claim.reported:
        return _run_reported(claim, ctx, profile=profile, seed=seed)
    start = time.perf_counter()
    main = _safe_call(claim.check, ctx)
    control = _safe_call(claim.control, ctx)
    seconds = time.perf_counter() - start
    verdict, message = main.verdict, main.values.get("error", "")
    if "reported" in (main.verdict, control.verdict):
        verdict = "error"
        message = (f"a pass/fail claim returned the verdict 'reported' (check {main.verdict}, "
                   f"control {control.verdict}); only a claim with reported=True may")
    elif control.verdict == "error":
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


def _run_reported(claim: Claim, ctx: Context, *, profile: str, seed: int) -> ClaimResult:
    """:func:`run_claim` for a reported claim: the check alone, no control."""
    start = time.perf_counter()
    main = _safe_call(claim.check, ctx)
    seconds = time.perf_counter() - start
    verdict, message = main.verdict, main.values.get("error", "")
    if main.verdict not in ("reported", "error"):
        # a pass/fail verdict without a control would look checked when it is not
        verdict = "error"
        message = (f"a reported claim's check must return the verdict 'reported'; "
                   f"got {main.verdict!r}")
    return ClaimResult(
        id=claim.id, title=claim.title, source=claim.source, provenance=claim.provenance,
        verdict=verdict, predicted=main.predicted, measured=main.measured, rule=claim.rule,
        seconds=round(seconds, 4), profile=profile, seed=seed,
        control={"description": claim.control_description, "verdict": "n/a",
                 "measured": "", "fired": None},
        values=main.values, message=message, statement=claim.statement,
    )
