"""What a claim is, how it is run, and what a result records (docs/theory §5)."""

from __future__ import annotations

import importlib
import time
import traceback
import zlib
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..rules import Decision, Perturbation, Rule

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
    "Evidence",
    "LazyFigure",
    "Outcome",
    "lazy_figure",
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
    """The result of a *reported* claim's check (measurements without a pass/fail rule).

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
class Evidence:
    """What a pass/fail claim's evaluation produced: the measurement and the prediction.

    Attributes
    ----------
    data : object
        The measurement, in the form the claim's rule reads (samples, arrays, a dict by part).
    prediction : object
        The theory's prediction in the form the rule reads (a bound, an exponent, arrays).
        Sensitivity perturbations transform this and are judged against the same ``data``.
    values : dict
        JSON-able numbers behind the check, for the report, its figure and tests.
    predicted, measured : str
        Optional human-readable details; the rule's own summary is always shown first.
    precondition : str
        Non-empty when a precondition of the check is not met (e.g. a regime that must be
        exercised was not): a passing verdict becomes ``"inconclusive"`` with this reason.
    """

    data: Any
    prediction: Any
    values: dict[str, Any] = field(default_factory=dict)
    predicted: str = ""
    measured: str = ""
    precondition: str = ""


@dataclass(frozen=True)
class LazyFigure:
    """A claim's figure function, named by module and attribute and imported on first call.

    A claim passes ``figure=lazy_figure("adamtheory.plots.o2nc", "coordinate_figure")`` instead
    of the function itself, so importing the registry (``adamtheory claims``, ``import
    adamtheory.claims``) never imports :mod:`adamtheory.plots` or matplotlib. Calling it
    imports the module (cached by Python) and draws: ``drawer(values) -> Figure``.
    """

    module: str
    name: str

    def __post_init__(self) -> None:
        for field_name in ("module", "name"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(
                    f"lazy_figure: {field_name} must be a non-empty string; got {value!r}"
                )

    def resolve(self) -> Callable[[dict[str, Any]], Figure]:
        """The figure function itself (imports its module)."""
        fn = getattr(importlib.import_module(self.module), self.name)
        if not callable(fn):
            raise TypeError(f"{self!r} names {type(fn).__name__}, not a function")
        return fn

    def __call__(self, values: dict[str, Any]) -> Figure:
        return self.resolve()(values)

    def __repr__(self) -> str:
        return f"lazy_figure({self.module!r}, {self.name!r})"


def lazy_figure(module: str, name: str) -> LazyFigure:
    """A figure drawer for :attr:`Claim.figure` that imports ``module.name`` when first called.

    Parameters
    ----------
    module : str
        Absolute module path, e.g. ``"adamtheory.plots.claim_figures"``.
    name : str
        The function in that module: ``values -> matplotlib.figure.Figure``.
    """
    return LazyFigure(module, name)


def _text(value: Any, name: str, claim_id: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"claim {claim_id!r}: {name} must be a non-empty string; got {value!r}")


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
        How sure we are of the *statement* (the provenance tags of docs/theory).
    rule : adamtheory.rules.Rule
        The verdict rule, fixed before the run; it renders its own text (:attr:`rule_text`).
    evaluate : callable
        ``Context -> Evidence``: runs the measurement and computes the prediction.
    sensitivity : tuple of adamtheory.rules.Perturbation
        The theory perturbations the check must detect; exactly one (the first, unless one
        is marked ``control=True``) is the negative control, which must fail.
    scope : str
        What the rule is applied to, in words (e.g. "per problem, E_tau U_tau").
    figure : callable, optional
        ``values -> matplotlib.figure.Figure``, drawn from the JSON-able ``values`` (so a figure
        can be regenerated from a cached result without re-running the check); ``None``: no
        figure. The registry's claims give a :func:`lazy_figure`, so that importing them does
        not import matplotlib.
    reported : bool
        ``True`` for a claim that reports measurements (e.g. an ablation) without a pass/fail
        rule: it has ``check`` (``Context -> Outcome`` with verdict ``"reported"``) and
        ``report_rule`` (what is reported) instead of rule, evaluate and sensitivity.
    """

    id: str
    title: str
    statement: str
    source: str
    provenance: str
    rule: Rule | None = None
    evaluate: Callable[[Context], Evidence] | None = None
    sensitivity: tuple[Perturbation, ...] = ()
    scope: str = ""
    figure: Callable[[dict[str, Any]], Figure] | None = None
    reported: bool = False
    check: Callable[[Context], Outcome] | None = None
    report_rule: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip() or any(c.isspace() for c in self.id):
            raise ValueError(
                f"a claim id must be a non-empty string without spaces; got {self.id!r}"
            )
        for name in ("title", "statement", "source"):
            _text(getattr(self, name), name, self.id)
        if self.provenance not in PROVENANCE_TAGS:
            raise ValueError(
                f"claim {self.id!r}: provenance must be one of {PROVENANCE_TAGS}; "
                f"got {self.provenance!r}"
            )
        if not isinstance(self.reported, bool):
            raise TypeError(
                f"claim {self.id!r}: reported must be True or False; got {self.reported!r}"
            )
        if self.figure is not None and not callable(self.figure):
            raise TypeError(f"claim {self.id!r}: figure must be callable or None")
        object.__setattr__(self, "sensitivity", tuple(self.sensitivity))
        if self.reported:
            # nothing can fail, so a rule or a control would have nothing to decide
            if self.rule is not None or self.evaluate is not None or self.sensitivity:
                raise ValueError(
                    f"claim {self.id!r}: a reported claim (reported=True) has no "
                    "rule, evaluate or sensitivity; give check and report_rule"
                )
            if not callable(self.check):
                raise ValueError(
                    f"claim {self.id!r}: a reported claim needs check (Context -> Outcome)"
                )
            _text(self.report_rule, "report_rule", self.id)
            return
        if self.check is not None:
            raise ValueError(
                f"claim {self.id!r}: check is for reported claims only; a pass/fail"
                " claim has evaluate (Context -> Evidence) and a rule"
            )
        if self.rule is None:
            raise ValueError(
                f"claim {self.id!r} has no rule: give rule=adamtheory.rules.<rule>"
                "(...) (identity, upper_bound, slope, ...)"
            )
        if not isinstance(self.rule, Rule):
            raise TypeError(
                f"claim {self.id!r}: rule must be an adamtheory.rules.Rule; got "
                f"{type(self.rule).__name__}"
            )
        if not callable(self.evaluate):
            raise ValueError(
                f"claim {self.id!r} has no evaluate: give a function Context -> Evidence"
            )
        if not self.sensitivity:
            raise ValueError(
                f"claim {self.id!r} has no sensitivity entries: declare at least "
                "its negative control (adamtheory.rules.scale/shift/assumption)"
            )
        for entry in self.sensitivity:
            if not isinstance(entry, Perturbation):
                raise TypeError(
                    f"claim {self.id!r}: sensitivity entries must be "
                    f"adamtheory.rules.Perturbation; got {type(entry).__name__}"
                )
        names = [p.name for p in self.sensitivity]
        if len(set(names)) != len(names):
            raise ValueError(
                f"claim {self.id!r}: sensitivity entries need distinct names; got {names}"
            )
        if sum(p.control for p in self.sensitivity) > 1:
            raise ValueError(
                f"claim {self.id!r}: at most one sensitivity entry may be the "
                "negative control (control=True)"
            )

    @property
    def control_entry(self) -> Perturbation | None:
        """The negative control: the entry marked ``control=True``, else the first."""
        if self.reported:
            return None
        return next((p for p in self.sensitivity if p.control), self.sensitivity[0])

    @property
    def control_description(self) -> str:
        entry = self.control_entry
        return NO_CONTROL if entry is None else entry.name

    @property
    def rule_text(self) -> str:
        """The verdict rule in words, rendered by the rule object itself."""
        if self.reported:
            return self.report_rule
        text = self.rule.describe()  # type: ignore[union-attr]
        return f"{self.scope}: {text}" if self.scope else text

    def describe(self) -> dict[str, Any]:
        control = self.control_entry
        return {
            "id": self.id,
            "title": self.title,
            "statement": self.statement,
            "source": self.source,
            "provenance": self.provenance,
            "rule": self.rule_text,
            "rule_spec": None if self.rule is None else self.rule.to_json(),
            "negative_control": self.control_description,
            "sensitivity": [p.describe() | {"control": p is control} for p in self.sensitivity],
            "reported": self.reported,
        }


@dataclass(frozen=True)
class ClaimResult:
    """A claim's verdict with its prediction, measurement, power (sensitivity) and timing.

    ``sensitivity`` lists each declared perturbation with the verdict the same rule gives it
    and whether it was detected (verdict ``"fail"``); ``weak`` is true when a required
    perturbation was not detected.
    """

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
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    weak: bool = False
    decision: dict[str, Any] = field(default_factory=dict)

    @property
    def power(self) -> str:
        """``detected/declared`` perturbations, e.g. ``"4/4"`` (empty for a reported claim)."""
        if not self.sensitivity:
            return ""
        return f"{sum(bool(e['detected']) for e in self.sensitivity)}/{len(self.sensitivity)}"

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
        missing = {
            f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
        } - data.keys()
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


def _safe_call(fn: Callable[[Context], Any], ctx: Context) -> Any:
    """``fn(ctx)``, or ``_Crash`` with a one-line description when it raises."""
    try:
        return fn(ctx)
    except Exception as exc:  # noqa: BLE001 - a crashing check is a result ("error")
        return _Crash(traceback.format_exception_only(type(exc), exc)[-1].strip())


@dataclass(frozen=True)
class _Crash:
    error: str


def _judge(rule: Rule, evidence: Any, prediction: Any = MISSING) -> Decision | _Crash:
    """The rule's decision on ``evidence`` (with its own or a perturbed prediction)."""
    if isinstance(evidence, _Crash):
        return evidence
    if not isinstance(evidence, Evidence):
        return _Crash(f"evaluate must return adamtheory.Evidence; got {type(evidence).__name__}")
    try:
        pred = evidence.prediction if prediction is MISSING else prediction
        decision = rule.decide(evidence.data, pred)
    except Exception as exc:  # noqa: BLE001
        return _Crash(traceback.format_exception_only(type(exc), exc)[-1].strip())
    if evidence.precondition and decision.verdict == "pass":
        return replace(
            decision,
            verdict="inconclusive",
            summary=f"{decision.summary} [precondition not met: {evidence.precondition}]",
        )
    return decision


def _sensitivity(claim: Claim, ctx: Context, evidence: Any) -> list[dict[str, Any]]:
    """Each declared perturbation judged by the claim's rule; ``detected`` iff it fails."""
    rule = claim.rule
    assert rule is not None
    control = claim.control_entry
    entries = []
    for p in claim.sensitivity:
        if p.transform is not None:
            if isinstance(evidence, _Crash):
                outcome: Decision | _Crash = evidence
            else:
                try:
                    outcome = _judge(rule, evidence, p.transform(evidence.prediction))
                except Exception as exc:  # noqa: BLE001
                    outcome = _Crash(traceback.format_exception_only(type(exc), exc)[-1].strip())
        else:
            outcome = _judge(rule, _safe_call(p.evaluate, ctx))  # type: ignore[arg-type]
        crashed = isinstance(outcome, _Crash)
        verdict = "error" if crashed else outcome.verdict
        entries.append(
            p.describe()
            | {
                "control": p is control,
                "verdict": verdict,
                "detected": verdict == "fail",
                "summary": outcome.error if crashed else outcome.summary,
            }
        )
    return entries


def run_claim(
    claim: Claim, *, profile: str = "quick", seed: int = 0, backend: str = "numpy"
) -> ClaimResult:
    """Evaluate a claim, judge it by its rule, and measure its power.

    The verdict is the rule's, except that

    - a check that passes while its negative control does *not* fail is reported as
      ``"fail"`` (the instrument was not shown to fire);
    - a crash of the evaluation, of the rule or of the control is ``"error"``.

    Every sensitivity entry is judged by the same rule: a prediction perturbation against the
    same measurement, an assumption perturbation on its own re-run. The result records each
    entry's verdict and whether it was detected, and ``weak`` when a required one was not.

    A reported claim (``claim.reported``) runs its check only: the verdict is ``"reported"``
    (``"error"`` if the check crashed or returned a pass/fail verdict), and the control is
    recorded as not applicable (``verdict "n/a"``, ``fired None``).
    """
    if not isinstance(claim, Claim):
        raise TypeError(f"claim must be an adamtheory.Claim; got {type(claim).__name__}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}; got {profile!r}")
    ctx = Context(profile=profile, seed=claim_seed(seed, claim.id), backend=backend)
    if claim.reported:
        return _run_reported(claim, ctx, profile=profile, seed=seed)
    start = time.perf_counter()
    evidence = _safe_call(claim.evaluate, ctx)  # type: ignore[arg-type]
    decision = _judge(claim.rule, evidence)  # type: ignore[arg-type]
    entries = _sensitivity(claim, ctx, evidence)
    seconds = time.perf_counter() - start
    control = next(e for e in entries if e["control"])
    message = ""
    if isinstance(decision, _Crash):
        verdict, message = "error", decision.error
    elif control["verdict"] == "error":
        verdict, message = "error", f"negative control crashed: {control['summary']}"
    elif decision.verdict == "pass" and not control["detected"]:
        verdict = "fail"
        message = f"negative control did not fail (verdict {control['verdict']})"
    else:
        verdict = decision.verdict
    ok = isinstance(evidence, Evidence)
    summary = "" if isinstance(decision, _Crash) else decision.summary
    details = evidence.measured if ok else ""
    weak = any(e["required"] and not e["detected"] for e in entries)
    return ClaimResult(
        id=claim.id,
        title=claim.title,
        source=claim.source,
        provenance=claim.provenance,
        verdict=verdict,
        predicted=evidence.predicted if ok else "",
        measured="; ".join(t for t in (summary, details) if t),
        rule=claim.rule_text,
        seconds=round(seconds, 4),
        profile=profile,
        seed=seed,
        control={
            "description": control["perturbation"],
            "verdict": control["verdict"],
            "measured": control["summary"],
            "fired": control["detected"],
        },
        values=evidence.values if ok else {},
        message=message,
        statement=claim.statement,
        sensitivity=entries,
        weak=weak,
        decision={} if isinstance(decision, _Crash) else decision.to_json(),
    )


def _run_reported(claim: Claim, ctx: Context, *, profile: str, seed: int) -> ClaimResult:
    """:func:`run_claim` for a reported claim: the check alone, no control."""
    start = time.perf_counter()
    main = _safe_call(claim.check, ctx)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    if isinstance(main, _Crash):
        main = Outcome("error", "", "", {"error": main.error})
    verdict, message = main.verdict, main.values.get("error", "")
    if main.verdict not in ("reported", "error"):
        # a pass/fail verdict without a control would look checked when it is not
        verdict = "error"
        message = (
            f"a reported claim's check must return the verdict 'reported'; got {main.verdict!r}"
        )
    return ClaimResult(
        id=claim.id,
        title=claim.title,
        source=claim.source,
        provenance=claim.provenance,
        verdict=verdict,
        predicted=main.predicted,
        measured=main.measured,
        rule=claim.rule_text,
        seconds=round(seconds, 4),
        profile=profile,
        seed=seed,
        control={
            "description": claim.control_description,
            "verdict": "n/a",
            "measured": "",
            "fired": None,
        },
        values=main.values,
        message=message,
        statement=claim.statement,
    )
