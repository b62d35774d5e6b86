r"""Verdict rules as objects, and the perturbations that measure a check's power.

A claim's verdict comes from a *rule* fixed before the run (docs/theory/checks.md, the
specification's §5). A rule is a small frozen object with two methods:

- :meth:`Rule.describe` renders the rule in words from its own parameters, so the text in
  a report can never drift from the code that decides the verdict;
- :meth:`Rule.decide` takes the *data* (what the kernels measured) and the *prediction* (what
  the theory says) and returns a :class:`Decision`: verdict, point estimate, interval, the
  numbers used, and a one-line summary with the decisive numbers.

Keeping data and prediction apart is what makes power cheap: a perturbed *theory* (a constant
2x off, an exponent 1/4 off, a term dropped) is judged by the same rule against the same
measurement, without re-running anything (:class:`Perturbation`).

Statistics come from :mod:`scipy.stats`: Student-t intervals for means and least-squares slopes,
BCa bootstrap (``scipy.stats.bootstrap``, paired where the data are paired) for ratios and,
on request, for means and slopes, and Clopper-Pearson intervals (``scipy.stats.binomtest``) for
proportions. Every interval is tested for coverage on simulated data with known truth
(``tests/test_rules.py``).

Verdicts: ``"pass"`` (the data support the prediction), ``"fail"`` (they contradict it) and
``"inconclusive"`` (the interval straddles the threshold).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "INTERVALS",
    "AllOf",
    "CloseTo",
    "Covers",
    "Decision",
    "EachOf",
    "Every",
    "Exact",
    "Identity",
    "LowerBound",
    "Monotone",
    "Perturbation",
    "Proportion",
    "Ratio",
    "RegionAgreement",
    "Rule",
    "Slope",
    "UpperBound",
    "all_of",
    "assumption",
    "close_to",
    "covers",
    "each_of",
    "every",
    "exact",
    "identity",
    "lower_bound",
    "mean_interval",
    "monotone",
    "proportion",
    "ratio",
    "ratio_interval",
    "region_agreement",
    "relative",
    "relative_error",
    "replace",
    "scale",
    "shift",
    "slope",
    "slope_interval",
    "upper_bound",
]

RULE_VERDICTS = ("pass", "fail", "inconclusive")
#: Interval methods: Student t (exact for Gaussian data) or BCa bootstrap (scipy.stats).
INTERVALS = ("t", "bca")
_BOOT_RESAMPLES = 4999


# ----------------------------------------------------------------------------- validation


def _check_level(level: Any, name: str = "level") -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        raise TypeError(f"{name} must be a number in (0, 1); got {level!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"{name} must be in (0, 1); got {level!r}")
    return float(level)


def _check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number; got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        lim = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {lim}; got {value!r}")
    return v


def _check_interval(method: Any) -> str:
    if method not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}; got {method!r}")
    return method


def _samples(data: Any, name: str = "data") -> np.ndarray:
    arr = np.asarray(data, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one sample; got an empty array")
    return arr


# ----------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Decision:
    """What a rule decided, with the numbers it used.

    Attributes
    ----------
    verdict : {"pass", "fail", "inconclusive"}
    summary : str
        One line with the decisive numbers (estimate, interval, threshold), rendered by the rule.
    estimate : float or None
        The point estimate the rule judged (mean, slope, error, proportion, ...).
    interval : (float, float) or None
        The confidence interval the rule judged (one-sided rules give an infinite end).
    threshold : object
        The prediction as the rule used it (bound, exponent, predicted range, ...).
    numbers : dict
        Everything else the decision used (sample size, level, ...), JSON-able.
    parts : dict
        For :class:`AllOf`, the decision of each part.
    """

    verdict: str
    summary: str
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    threshold: Any = None
    numbers: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, Decision] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in RULE_VERDICTS:
            raise ValueError(f"verdict must be one of {RULE_VERDICTS}; got {self.verdict!r}")

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "parts"}
        out["threshold"] = _plain(self.threshold)
        if self.parts:
            out["parts"] = {k: d.to_json() for k, d in self.parts.items()}
        return out


def _plain(value: Any) -> Any:
    """A JSON-able stand-in for a prediction (arrays by their shape and range)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) <= 8
        and all(isinstance(v, (int, float)) for v in value)
    ):
        return [_plain(float(v)) for v in value]
    arr = np.asarray(value) if not hasattr(value, "free_symbols") else None
    if arr is None or arr.dtype == object:
        return str(value)
    if arr.size == 1:
        return _plain(float(arr.ravel()[0])) if arr.dtype.kind in "fiu" else str(arr.ravel()[0])
    return f"array{list(arr.shape)}"


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def _span(lo: float, hi: float, digits: int = 3) -> str:
    return f"[{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


class Rule:
    """Base of all verdict rules: ``describe()`` and ``decide(data, prediction)``."""

    def describe(self) -> str:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def decide(self, data: Any, prediction: Any) -> Decision:  # pragma: no cover
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        """The rule's kind and parameters (for ``adamtheory claims --json``)."""
        params = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]
        return {"rule": type(self).__name__, **params}


def _inside(lo: float, hi: float, low: float, high: float) -> str:
    """Interval [lo, hi] against the predicted set [low, high]: pass / fail / inconclusive."""
    if math.isnan(lo) or math.isnan(hi):
        return "inconclusive"
    if lo >= low and hi <= high:
        return "pass"
    if hi < low or lo > high:
        return "fail"
    return "inconclusive"


# ----------------------------------------------------------------------------- intervals


def mean_interval(
    samples: Any, level: float = 0.95, *, interval: str = "t", side: str = "two-sided", rng: Any = 0
) -> tuple[float, float, float]:
    r"""Mean of ``samples`` and its confidence interval.

    ``interval="t"``: :math:`\bar x \pm t_{n-1,q}\, s/\sqrt n` (exact for Gaussian data);
    ``"bca"``: ``scipy.stats.bootstrap`` with the BCa method. ``side`` is ``"two-sided"``,
    ``"upper"`` (returns :math:`(-\infty, u]`: a one-sided upper confidence bound) or
    ``"lower"`` (:math:`[l, \infty)`). With fewer than two samples the interval is infinite.

    Returns
    -------
    (mean, low, high)
    """
    level = _check_level(level)
    _check_interval(interval)
    if side not in ("two-sided", "upper", "lower"):
        raise ValueError(f"side must be 'two-sided', 'upper' or 'lower'; got {side!r}")
    x = _samples(samples, "samples")
    mean = float(x.mean())
    if x.size < 2 or not np.all(np.isfinite(x)):
        return mean, -math.inf, math.inf
    if float(np.ptp(x)) == 0.0:
        lo, hi = mean, mean  # no spread: every resample has the same mean
    elif interval == "t":
        q = level if side != "two-sided" else (1 + level) / 2
        half = float(stats.t.ppf(q, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
        lo, hi = mean - half, mean + half
    else:
        alternative = {"two-sided": "two-sided", "upper": "less", "lower": "greater"}[side]
        res = stats.bootstrap(
            (x,),
            np.mean,
            confidence_level=level,
            method="BCa",
            alternative=alternative,
            n_resamples=_BOOT_RESAMPLES,
            vectorized=True,
            rng=np.random.default_rng(rng),
        )
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if side == "upper":
        lo = -math.inf
    elif side == "lower":
        hi = math.inf
    return mean, lo, hi


def _ols_slope(lx: np.ndarray, ly: np.ndarray, axis: int = -1) -> np.ndarray:
    mx = lx.mean(axis=axis, keepdims=True)
    my = ly.mean(axis=axis, keepdims=True)
    sxx = ((lx - mx) ** 2).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((lx - mx) * (ly - my)).sum(axis=axis) / sxx


def slope_interval(
    x: Any, y: Any, level: float = 0.95, *, interval: str = "t", log: bool = True, rng: Any = 0
) -> tuple[float, float, float]:
    r"""Least-squares slope of ``log y`` on ``log x`` (or of y on x) with a two-sided interval.

    ``y`` may be 1-D (one value per x) or 2-D ``(len(x), replicates)``: replicates are pooled
    as independent observations at their x. (Values recorded along the *same* trajectories at
    several x are correlated in time; the interval is valid when the x are far apart compared
    with the relaxation time, or when each replicate is an independent group of runs.)
    ``interval="t"`` uses the OLS standard error with
    n - 2 degrees of freedom (``scipy.stats.linregress``); ``"bca"`` resamples (x, y) pairs
    (``scipy.stats.bootstrap``, ``paired=True``, BCa).

    Returns
    -------
    (slope, low, high)
    """
    level = _check_level(level)
    _check_interval(interval)
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64)
    if ys.ndim == 2:
        if ys.shape[0] != xs.size:
            raise ValueError(
                f"y must have shape (len(x), replicates); got {ys.shape} for {xs.size} x values"
            )
        xs = np.repeat(xs, ys.shape[1])
        ys = ys.ravel()
    elif ys.shape != xs.shape:
        raise ValueError(f"x and y must have the same length; got {xs.size} and {ys.size}")
    if log:
        if np.any(xs <= 0) or np.any(ys <= 0):
            raise ValueError("a log-log slope needs x > 0 and y > 0")
        xs, ys = np.log(xs), np.log(ys)
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("x and y must be finite")
    if xs.size < 3 or np.unique(xs).size < 2:
        raise ValueError("a slope with an interval needs at least 3 points and 2 distinct x")
    if float(np.ptp(ys)) == 0.0:
        return 0.0, 0.0, 0.0  # constant y: the slope is exactly 0, with no residual
    fit = stats.linregress(xs, ys)
    slope = float(fit.slope)
    if interval == "t":
        half = float(stats.t.ppf((1 + level) / 2, xs.size - 2) * fit.stderr)
        return slope, slope - half, slope + half
    res = stats.bootstrap(
        (xs, ys),
        lambda a, b, axis=-1: _ols_slope(a, b, axis),
        paired=True,
        vectorized=True,
        method="BCa",
        confidence_level=level,
        n_resamples=_BOOT_RESAMPLES,
        rng=np.random.default_rng(rng),
    )
    return slope, float(res.confidence_interval.low), float(res.confidence_interval.high)


def ratio_interval(
    numerator: Any, denominator: Any, level: float = 0.95, *, paired: bool = True, rng: Any = 0
) -> tuple[float, float, float]:
    """Ratio of means ``mean(numerator) / mean(denominator)`` with a BCa bootstrap interval.

    ``paired=True`` resamples (numerator, denominator) pairs together (common random numbers);
    otherwise each sample is resampled on its own.

    Returns
    -------
    (ratio, low, high)
    """
    level = _check_level(level)
    a = _samples(numerator, "numerator")
    b = _samples(denominator, "denominator")
    if paired and a.size != b.size:
        raise ValueError(f"paired samples must have the same size; got {a.size} and {b.size}")
    if np.any(b <= 0) or np.any(a < 0) or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(
            "a ratio of means needs finite samples, numerator >= 0 and denominator > 0"
        )
    estimate = float(a.mean() / b.mean())
    if min(a.size, b.size) < 2:
        return estimate, 0.0, math.inf
    if float(np.ptp(a)) == 0.0 and float(np.ptp(b)) == 0.0:
        return estimate, estimate, estimate
    res = stats.bootstrap(
        (a, b),
        lambda u, v, axis=-1: u.mean(axis=axis) / v.mean(axis=axis),
        paired=paired,
        vectorized=True,
        method="BCa",
        confidence_level=level,
        n_resamples=_BOOT_RESAMPLES,
        rng=np.random.default_rng(rng),
    )
    return estimate, float(res.confidence_interval.low), float(res.confidence_interval.high)


def relative_error(measured: Any, reference: Any, floor: float = 1e-300) -> float:
    """``max |measured - reference| / max(max |reference|, floor)``; ``inf`` on non-finite."""
    a = np.asarray(measured, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return math.inf
    if not a.size:
        return 0.0
    return float(np.max(np.abs(a - b))) / max(float(np.max(np.abs(b))), floor)


# ----------------------------------------------------------------------------- the rules


def _leaves(data: Any, prediction: Any) -> list[tuple[str, Any, Any]]:
    if isinstance(prediction, Mapping):
        if not isinstance(data, Mapping) or set(data) != set(prediction):
            raise ValueError(
                "data and prediction must be dicts with the same keys; got "
                f"{sorted(map(str, data)) if isinstance(data, Mapping) else data!r}"
                f" and {sorted(map(str, prediction))}"
            )
        return [(str(k), data[k], prediction[k]) for k in prediction]
    return [("", data, prediction)]


@dataclass(frozen=True)
class Identity(Rule):
    r"""Equality to a tolerance: pass iff the error is finite and :math:`\le` ``tolerance``.

    ``data`` and ``prediction`` are arrays of the same shape, or dicts of them with the same
    keys; the error is the largest over keys of
    :math:`\max|d - p| / \max|p|` (``scale="relative"``) or :math:`\max|d - p|` (``"absolute"``).
    """

    tolerance: float = 1e-12
    scale: str = "relative"

    def __post_init__(self) -> None:
        _check_positive(self.tolerance, "tolerance", allow_zero=True)
        if self.scale not in ("relative", "absolute"):
            raise ValueError(f"scale must be 'relative' or 'absolute'; got {self.scale!r}")

    def describe(self) -> str:
        what = (
            "max |measured - predicted| / max |predicted|"
            if self.scale == "relative"
            else "max |measured - predicted|"
        )
        return f"pass iff {what} <= {self.tolerance:g}, else fail"

    def decide(self, data: Any, prediction: Any) -> Decision:
        worst, where = 0.0, ""
        for key, d, p in _leaves(data, prediction):
            if self.scale == "relative":
                err = relative_error(d, p)
            else:
                a, b = np.asarray(d, dtype=np.float64), np.asarray(p, dtype=np.float64)
                if a.shape != b.shape:
                    raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
                ok = np.all(np.isfinite(a)) and np.all(np.isfinite(b))
                err = float(np.max(np.abs(a - b), initial=0.0)) if ok else math.inf
            if not err <= worst:
                worst, where = err, key
        verdict = "pass" if worst <= self.tolerance else "fail"
        at = f" ({where})" if where else ""
        kind = "rel. " if self.scale == "relative" else ""
        return Decision(
            verdict,
            f"max {kind}error {worst:.2e}{at} vs tolerance {self.tolerance:g}",
            estimate=worst,
            threshold=self.tolerance,
            numbers={"error": worst, "worst": where, "tolerance": self.tolerance},
        )


@dataclass(frozen=True)
class Exact(Rule):
    """Symbolic equality: pass iff SymPy simplifies ``data - prediction`` to exactly 0.

    ``data`` and ``prediction`` are SymPy expressions (or numbers), or dicts of them with the
    same keys. Anything that is not provably 0 fails.
    """

    def describe(self) -> str:
        return "pass iff SymPy simplifies every (derived - stated) difference to exactly 0"

    def decide(self, data: Any, prediction: Any) -> Decision:
        import sympy as sp

        leaves = _leaves(data, prediction)
        bad = [
            k or "expression"
            for k, d, p in leaves
            if sp.simplify(sp.sympify(d) - sp.sympify(p)) != 0
        ]
        n = len(leaves)
        summary = f"{n - len(bad)}/{n} exact" + (f"; not exact: {', '.join(bad)}" if bad else "")
        return Decision(
            "fail" if bad else "pass",
            summary,
            estimate=float(n - len(bad)),
            numbers={"exact": n - len(bad), "total": n, "not_exact": bad},
        )


def _bound_samples(data: Any) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(data, Mapping):
        unknown = set(data) - {"samples", "lower"}
        if unknown or "samples" not in data:
            raise ValueError(
                "bound data must be samples, or a dict with 'samples' and "
                f"optionally 'lower'; got keys {sorted(data)}"
            )
        lower = data.get("lower")
        return _samples(data["samples"]), None if lower is None else _samples(lower, "lower")
    return _samples(data), None


@dataclass(frozen=True)
class _MeanRule(Rule):
    """Shared parameters of the rules on a mean: confidence level and interval method."""

    level: float = 0.95
    interval: str = "t"

    def __post_init__(self) -> None:
        _check_level(self.level)
        _check_interval(self.interval)

    def _words(self) -> tuple[str, str]:
        return f"{100 * self.level:g}%", "t" if self.interval == "t" else "BCa bootstrap"


@dataclass(frozen=True)
class UpperBound(_MeanRule):
    r"""An upper bound on a mean, :math:`\mathbb E[Q] \le B`, judged one-sided.

    ``data``: samples of Q, or ``{"samples": Q-estimates, "lower": certified lower estimates
    of the true quantity}`` when Q is itself only an upper estimate (e.g. O2NC's U_t).
    ``prediction``: the bound B.

    Pass iff the one-sided ``level`` upper confidence bound of mean(samples) is ``<= B``; fail
    iff the one-sided ``level`` lower confidence bound of mean(lower) (of the samples when no
    lower estimates are given) is ``> B``; else inconclusive. Non-finite samples fail.
    """

    def describe(self) -> str:
        pct, how = self._words()
        return (
            f"pass iff the one-sided {pct} {how} upper confidence bound of the mean is <= "
            f"the bound; fail iff the one-sided {pct} lower confidence bound of the mean "
            "of the certified lower estimates (else of the samples) is > the bound; "
            "otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        bound = float(prediction)
        samples, lower = _bound_samples(data)
        mean, _, hi = mean_interval(samples, self.level, interval=self.interval, side="upper")
        low_source = samples if lower is None else lower
        lmean, lo, _ = mean_interval(low_source, self.level, interval=self.interval, side="lower")
        finite = bool(np.all(np.isfinite(samples)))
        if not finite:
            verdict = "fail"
        elif hi <= bound:
            verdict = "pass"
        elif lo > bound:
            verdict = "fail"
        else:
            verdict = "inconclusive"
        extra = "" if lower is None else f"; certified lower mean {_fmt(lmean)} (>= {_fmt(lo)})"
        note = "" if finite else " (non-finite samples)"
        return Decision(
            verdict,
            f"mean {_fmt(mean)} (upper {_fmt(hi)}){extra} vs bound {_fmt(bound)}{note}",
            estimate=mean,
            interval=(lo, hi),
            threshold=bound,
            numbers={
                "mean": mean,
                "upper": hi,
                "lower": lo,
                "lower_mean": lmean,
                "bound": bound,
                "n": int(samples.size),
                "level": self.level,
                "tightness": mean / bound if bound > 0 else math.nan,
            },
        )


@dataclass(frozen=True)
class LowerBound(_MeanRule):
    r"""A lower bound on a mean, :math:`\mathbb E[Q] \ge B`, judged one-sided.

    Pass iff the one-sided ``level`` lower confidence bound of the mean is ``>= B``; fail iff
    the one-sided upper confidence bound is ``< B``; else inconclusive.
    """

    def describe(self) -> str:
        pct, how = self._words()
        return (
            f"pass iff the one-sided {pct} {how} lower confidence bound of the mean is >= "
            f"the bound; fail iff the one-sided {pct} upper confidence bound is < the bound;"
            " otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        bound = float(prediction)
        samples = _samples(data)
        mean, lo, _ = mean_interval(samples, self.level, interval=self.interval, side="lower")
        _, _, hi = mean_interval(samples, self.level, interval=self.interval, side="upper")
        if not np.all(np.isfinite(samples)):
            verdict = "fail"
        elif lo >= bound:
            verdict = "pass"
        elif hi < bound:
            verdict = "fail"
        else:
            verdict = "inconclusive"
        return Decision(
            verdict,
            f"mean {_fmt(mean)} (lower {_fmt(lo)}) vs bound {_fmt(bound)}",
            estimate=mean,
            interval=(lo, hi),
            threshold=bound,
            numbers={
                "mean": mean,
                "lower": lo,
                "upper": hi,
                "bound": bound,
                "n": int(samples.size),
                "level": self.level,
            },
        )


_SLOPE_BOUNDS = ("lower", "upper", "two-sided")


@dataclass(frozen=True)
class Slope(Rule):
    r"""A rate: the fitted (log-log) slope against a predicted exponent p.

    ``data``: ``{"x": ..., "y": ...}`` (``y`` 1-D, or 2-D with replicates per x);
    ``prediction``: the exponent p. The predicted set is :math:`[p - \delta, \infty)` for
    ``bound="lower"`` (a worst-case rate: "no steeper than p"), :math:`(-\infty, p + \delta]`
    for ``"upper"``, and :math:`[p - \delta, p + \delta]` for ``"two-sided"``, with
    :math:`\delta` = ``tolerance``. Pass iff the two-sided ``level`` interval of the slope
    lies in the predicted set; fail iff it is disjoint from it; else inconclusive.
    """

    bound: str = "two-sided"
    tolerance: float = 0.0
    level: float = 0.95
    interval: str = "t"
    log: bool = True

    def __post_init__(self) -> None:
        if self.bound not in _SLOPE_BOUNDS:
            raise ValueError(f"bound must be one of {_SLOPE_BOUNDS}; got {self.bound!r}")
        _check_positive(self.tolerance, "tolerance", allow_zero=True)
        _check_level(self.level)
        _check_interval(self.interval)
        if self.bound == "two-sided" and self.tolerance == 0:
            raise ValueError(
                "a two-sided slope rule needs tolerance > 0 (an interval can never"
                " lie inside a single point)"
            )

    def predicted_set(self, exponent: float) -> tuple[float, float]:
        low = exponent - self.tolerance if self.bound != "upper" else -math.inf
        high = exponent + self.tolerance if self.bound != "lower" else math.inf
        return low, high

    def describe(self) -> str:
        pct = f"{100 * self.level:g}%"
        how = "t (OLS standard error)" if self.interval == "t" else "BCa pairs-bootstrap"
        what = "log-log slope" if self.log else "slope"
        tol = f" - {self.tolerance:g}" if self.tolerance else ""
        tol_hi = f" + {self.tolerance:g}" if self.tolerance else ""
        target = {
            "lower": f">= p{tol}",
            "upper": f"<= p{tol_hi}",
            "two-sided": f"within p ± {self.tolerance:g}",
        }[self.bound]
        return (
            f"fit the least-squares {what} with a two-sided {pct} {how} interval; pass iff "
            f"the interval lies {target} (p the predicted exponent), fail iff it lies "
            "entirely outside, otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        if not isinstance(data, Mapping) or set(data) != {"x", "y"}:
            raise ValueError("slope data must be a dict with keys 'x' and 'y'")
        exponent = float(prediction)
        s, lo, hi = slope_interval(
            data["x"], data["y"], self.level, interval=self.interval, log=self.log
        )
        low, high = self.predicted_set(exponent)
        verdict = _inside(lo, hi, low, high)
        return Decision(
            verdict,
            f"slope {s:.3f} {_span(lo, hi)} vs predicted {_span(low, high)}",
            estimate=s,
            interval=(lo, hi),
            threshold=exponent,
            numbers={
                "slope": s,
                "low": lo,
                "high": hi,
                "exponent": exponent,
                "predicted_low": low,
                "predicted_high": high,
                "level": self.level,
            },
        )


def _cp_interval(k: int, n: int, level: float) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Proportion(Rule):
    """A success fraction of at least a predicted value, with a Clopper-Pearson interval.

    ``data``: booleans (one per trial); ``prediction``: the predicted minimum fraction p0.
    Pass iff the lower end of the two-sided ``level`` exact interval is ``>= p0``; fail iff
    its upper end is ``< p0``; else inconclusive.
    """

    level: float = 0.95

    def __post_init__(self) -> None:
        _check_level(self.level)

    def describe(self) -> str:
        return (
            f"pass iff the lower end of the {100 * self.level:g}% Clopper-Pearson interval of "
            "the success fraction is >= the predicted fraction; fail iff its upper end is "
            "below it; otherwise inconclusive"
        )

    def _judge(self, hits: np.ndarray, p0: float, label: str) -> Decision:
        if not 0.0 <= p0 <= 1.0:
            raise ValueError(f"the predicted fraction must be in [0, 1]; got {p0}")
        n, k = int(hits.size), int(hits.sum())
        if n == 0:
            raise ValueError("a proportion needs at least one trial; got none")
        lo, hi = _cp_interval(k, n, self.level)
        verdict = "pass" if lo >= p0 else ("fail" if hi < p0 else "inconclusive")
        return Decision(
            verdict,
            f"{label} {k}/{n} = {k / n:.4f} {_span(lo, hi, 4)} vs >= {p0:g}",
            estimate=k / n,
            interval=(lo, hi),
            threshold=p0,
            numbers={
                "successes": k,
                "trials": n,
                "low": lo,
                "high": hi,
                "at_least": p0,
                "level": self.level,
            },
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        hits = np.asarray(data).ravel().astype(bool)
        return self._judge(hits, float(prediction), "successes")


@dataclass(frozen=True)
class RegionAgreement(Proportion):
    """Agreement of measured with predicted labels on the decided points, at least ``at_least``.

    ``data``: ``{"measured": labels, "decided": bool mask}`` (``decided`` optional: points whose
    measurement or prediction is inside its confidence band are excluded); ``prediction``: the
    predicted labels. The agreement fraction is judged as by :class:`Proportion` against
    ``at_least``.
    """

    at_least: float = 0.95

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < float(self.at_least) <= 1.0:
            raise ValueError(f"at_least must be in (0, 1]; got {self.at_least!r}")

    def describe(self) -> str:
        return (
            f"on the decided points, pass iff the lower end of the {100 * self.level:g}% "
            f"Clopper-Pearson interval of the agreement between measured and predicted "
            f"labels is >= {self.at_least:g}; fail iff its upper end is below; otherwise "
            "inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        if not isinstance(data, Mapping) or "measured" not in data:
            raise ValueError("region data must be a dict with 'measured' (and 'decided')")
        measured = np.asarray(data["measured"])
        predicted = np.asarray(prediction)
        if measured.shape != predicted.shape:
            raise ValueError(
                f"measured and predicted labels differ in shape: {measured.shape} "
                f"vs {predicted.shape}"
            )
        decided = np.asarray(data.get("decided", np.ones(measured.shape, bool)), bool)
        agree = (measured == predicted)[decided]
        return self._judge(agree, float(self.at_least), "agreement")


@dataclass(frozen=True)
class Every(Rule):
    """A universal statement checked point by point: pass iff every entry holds.

    ``data``: the measured values, ``prediction``: a predicate ``value -> bool`` (or ``None``
    when ``data`` already holds booleans). One counterexample fails the claim.
    """

    def describe(self) -> str:
        return "pass iff the predicted property holds at every point; one exception fails"

    def decide(self, data: Any, prediction: Any) -> Decision:
        values = list(data.values()) if isinstance(data, Mapping) else list(np.ravel(data))
        keys = list(data) if isinstance(data, Mapping) else list(range(len(values)))
        if not values:
            raise ValueError("every() needs at least one point; got none")
        holds = [bool(v) if prediction is None else bool(prediction(v)) for v in values]
        bad = [str(k) for k, h in zip(keys, holds, strict=True) if not h]
        return Decision(
            "fail" if bad else "pass",
            f"{len(holds) - len(bad)}/{len(holds)} points hold"
            + (f"; exceptions: {', '.join(bad[:5])}" if bad else ""),
            estimate=float(len(holds) - len(bad)),
            numbers={"holds": len(holds) - len(bad), "points": len(holds), "exceptions": bad[:20]},
        )


@dataclass(frozen=True)
class CloseTo(Rule):
    r"""A measured value equals a predicted one within a stated tolerance.

    ``data``: a number, or samples (then their mean with a two-sided ``level`` interval);
    ``prediction``: the value p. The predicted set is :math:`p \pm` ``tolerance``
    (times :math:`|p|` when ``relative``). A number: pass iff inside, else fail. Samples: pass
    iff the interval lies inside, fail iff disjoint, else inconclusive.
    """

    tolerance: float = 0.01
    relative: bool = True
    level: float = 0.95
    interval: str = "t"

    def __post_init__(self) -> None:
        _check_positive(self.tolerance, "tolerance")
        _check_level(self.level)
        _check_interval(self.interval)

    def describe(self) -> str:
        band = f"p ± {self.tolerance:g}" + ("·|p|" if self.relative else "")
        return (
            f"a single value: pass iff it lies in {band} (p predicted), else fail; samples: "
            f"pass iff the two-sided {100 * self.level:g}% interval of their mean lies in "
            f"{band}, fail iff it is disjoint from it, otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        p = float(prediction)
        half = self.tolerance * (abs(p) if self.relative else 1.0)
        low, high = p - half, p + half
        x = _samples(data)
        if x.size == 1:
            v = float(x[0])
            verdict = "pass" if low <= v <= high else "fail"
            return Decision(
                verdict,
                f"{_fmt(v, 5)} vs predicted {_span(low, high, 5)}",
                estimate=v,
                threshold=p,
                numbers={"value": v, "predicted": p, "low": low, "high": high},
            )
        mean, lo, hi = mean_interval(x, self.level, interval=self.interval)
        verdict = _inside(lo, hi, low, high) if np.all(np.isfinite(x)) else "fail"
        return Decision(
            verdict,
            f"mean {_fmt(mean, 5)} {_span(lo, hi, 5)} vs predicted {_span(low, high, 5)}",
            estimate=mean,
            interval=(lo, hi),
            threshold=p,
            numbers={
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
                "predicted": p,
                "low": low,
                "high": high,
                "n": int(x.size),
            },
        )


@dataclass(frozen=True)
class Ratio(Rule):
    r"""A ratio of means against a predicted ratio, within a factor.

    ``data``: ``{"numerator": samples, "denominator": samples}`` (paired unless
    ``paired=False``); ``prediction``: the predicted ratio r, or a ``(low, high)`` range. The
    predicted set is :math:`[r/f, r f]` with f = ``within``. Pass iff the BCa bootstrap
    interval lies inside, fail iff it is disjoint, else inconclusive.
    """

    within: float = 2.0
    level: float = 0.95
    paired: bool = True

    def __post_init__(self) -> None:
        if _check_positive(self.within, "within") < 1:
            raise ValueError(f"within must be >= 1 (a factor); got {self.within!r}")
        _check_level(self.level)

    def describe(self) -> str:
        pair = "paired " if self.paired else ""
        return (
            f"ratio of means with a {pair}{100 * self.level:g}% BCa bootstrap interval; "
            f"pass iff the interval lies within a factor {self.within:g} of the predicted "
            "ratio, fail iff it lies entirely outside, otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        if not isinstance(data, Mapping) or set(data) != {"numerator", "denominator"}:
            raise ValueError("ratio data must be a dict with 'numerator' and 'denominator'")
        if isinstance(prediction, (tuple, list)):
            low, high = (float(v) for v in prediction)
        else:
            low, high = float(prediction) / self.within, float(prediction) * self.within
        r, lo, hi = ratio_interval(
            data["numerator"], data["denominator"], self.level, paired=self.paired
        )
        verdict = _inside(lo, hi, low, high)
        return Decision(
            verdict,
            f"ratio {_fmt(r)} {_span(lo, hi)} vs predicted {_span(low, high)}",
            estimate=r,
            interval=(lo, hi),
            threshold=_plain(prediction),
            numbers={
                "ratio": r,
                "low": lo,
                "high": hi,
                "predicted_low": low,
                "predicted_high": high,
                "level": self.level,
            },
        )


@dataclass(frozen=True)
class Monotone(Rule):
    """A sequence moves in the predicted direction at every step.

    ``data``: the values in order; ``prediction``: ``+1`` (increasing) or ``-1`` (decreasing).
    Pass iff every consecutive difference has the predicted sign (strictly, unless
    ``strict=False``); else fail.
    """

    strict: bool = True

    def describe(self) -> str:
        how = "strictly " if self.strict else ""
        return f"pass iff the values move {how}in the predicted direction at every step"

    def decide(self, data: Any, prediction: Any) -> Decision:
        v = np.asarray(data, dtype=np.float64).ravel()
        if v.size < 2:
            raise ValueError("a monotone trend needs at least 2 values")
        direction = float(prediction)
        if direction not in (1.0, -1.0):
            raise ValueError(f"the predicted direction must be +1 or -1; got {prediction!r}")
        with np.errstate(invalid="ignore"):  # inf - inf: a non-finite value fails below
            steps = np.diff(v) * direction
        ok = bool(np.all(steps > 0) if self.strict else np.all(steps >= 0)) and bool(
            np.all(np.isfinite(v))
        )
        word = "increasing" if direction > 0 else "decreasing"
        return Decision(
            "pass" if ok else "fail",
            f"{', '.join(_fmt(x) for x in v)} vs predicted {word}",
            estimate=float(steps.min()),
            threshold=direction,
            numbers={"values": v.tolist(), "direction": direction},
        )


@dataclass(frozen=True)
class AllOf(Rule):
    """Several parts, each with its own rule; ``data`` and ``prediction`` are dicts by part.

    Fail iff any part fails. Pass iff no part fails and at least ``at_least`` parts pass (all
    parts when ``at_least`` is ``None``); otherwise inconclusive.
    """

    parts: Mapping[str, Rule] = field(default_factory=dict)
    at_least: int | None = None

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("all_of needs at least one part")
        for name, rule in self.parts.items():
            if not isinstance(rule, Rule):
                raise TypeError(f"part {name!r} must be a Rule; got {type(rule).__name__}")
        if self.at_least is not None and not 1 <= self.at_least <= len(self.parts):
            raise ValueError(f"at_least must be in [1, {len(self.parts)}]; got {self.at_least}")

    def describe(self) -> str:
        need = (
            "every part passes"
            if self.at_least is None
            else f"at least {self.at_least} of the {len(self.parts)} parts pass"
        )
        distinct = {r.describe() for r in self.parts.values()}
        if len(distinct) == 1:
            inner = f"each part: {distinct.pop()}"
        else:
            inner = "; ".join(f"[{k}] {r.describe()}" for k, r in self.parts.items())
        return f"{inner}. The claim fails iff any part fails and passes iff {need}"

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": "AllOf",
            "at_least": self.at_least,
            "parts": {k: r.to_json() for k, r in self.parts.items()},
        }

    def decide(self, data: Any, prediction: Any) -> Decision:
        if not isinstance(data, Mapping) or set(data) != set(self.parts):
            raise ValueError(
                f"all_of data must be a dict with keys {sorted(self.parts)}; got "
                f"{sorted(data) if isinstance(data, Mapping) else type(data)}"
            )
        pred = prediction if isinstance(prediction, Mapping) else {}
        decisions = {k: rule.decide(data[k], pred.get(k)) for k, rule in self.parts.items()}
        verdicts = [d.verdict for d in decisions.values()]
        need = len(verdicts) if self.at_least is None else self.at_least
        if "fail" in verdicts:
            verdict = "fail"
        elif verdicts.count("pass") >= need:
            verdict = "pass"
        else:
            verdict = "inconclusive"
        summary = "; ".join(f"{k}: {d.summary} ({d.verdict})" for k, d in decisions.items())
        return Decision(
            verdict,
            summary,
            parts=decisions,
            numbers={
                "passed": verdicts.count("pass"),
                "failed": verdicts.count("fail"),
                "parts": len(verdicts),
            },
        )


@dataclass(frozen=True)
class EachOf(Rule):
    """The same rule for every entry of a dict (e.g. one per test problem).

    The parts are the keys of ``data``, so the set of entries may depend on the profile while
    the rule stays fixed. Fail iff any entry fails; pass iff no entry fails and at least
    ``at_least`` pass (all when ``None``); otherwise inconclusive (as :class:`AllOf`).
    """

    part: Rule = field(default_factory=lambda: Identity())
    at_least: int | None = None
    label: str = "entry"

    def __post_init__(self) -> None:
        if not isinstance(self.part, Rule):
            raise TypeError(f"part must be a Rule; got {type(self.part).__name__}")
        if self.at_least is not None and self.at_least < 1:
            raise ValueError(f"at_least must be >= 1; got {self.at_least}")

    def describe(self) -> str:
        need = (
            f"every {self.label} passes"
            if self.at_least is None
            else f"at least {self.at_least} {self.label}s pass"
        )
        return (
            f"each {self.label}: {self.part.describe()}. The claim fails iff any "
            f"{self.label} fails and passes iff {need}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": "EachOf",
            "at_least": self.at_least,
            "label": self.label,
            "part": self.part.to_json(),
        }

    def decide(self, data: Any, prediction: Any) -> Decision:
        if not isinstance(data, Mapping) or not data:
            raise ValueError(f"each_of data must be a non-empty dict by {self.label}")
        if self.at_least is not None and self.at_least > len(data):
            return Decision(
                "inconclusive",
                f"{len(data)} {self.label}s, fewer than the {self.at_least} that must pass",
                numbers={"parts": len(data)},
            )
        return AllOf({k: self.part for k in data}, self.at_least).decide(data, prediction)


@dataclass(frozen=True)
class Covers(Rule):
    """Each predicted value lies in its measured confidence interval.

    ``data``: ``{case: (estimate, half_width)}`` (the interval's level is the measurement's);
    ``prediction``: ``{case: predicted value}``. Pass iff |estimate - predicted| <= half-width in
    every case, else fail. With k cases at level 1 - a, a true prediction fails with
    probability up to k·a: use it where the intervals are wide relative to the perturbations
    that matter, or at a high level.
    """

    def describe(self) -> str:
        return (
            "pass iff every predicted value lies in its measured confidence interval "
            "(|estimate - predicted| / half-width <= 1), else fail"
        )

    def decide(self, data: Any, prediction: Any) -> Decision:
        if (
            not isinstance(data, Mapping)
            or not isinstance(prediction, Mapping)
            or set(data) != set(prediction)
        ):
            raise ValueError("covers needs data and prediction dicts with the same cases")
        over: dict[str, float] = {}
        for case, (estimate, half_width) in data.items():
            err = abs(float(estimate) - float(prediction[case])) / max(float(half_width), 1e-300)
            over[str(case)] = err if math.isfinite(err) else math.inf
        worst = max(over, key=over.__getitem__)
        return Decision(
            "pass" if over[worst] <= 1.0 else "fail",
            f"max |estimate - predicted| / half-width {over[worst]:.2f} ({worst}) vs 1",
            estimate=over[worst],
            threshold=1.0,
            numbers={"error_over_ci": over, "worst": worst},
        )


# ----------------------------------------------------------------------------- constructors


def identity(tolerance: float = 1e-12, *, scale: str = "relative") -> Identity:
    """See :class:`Identity`."""
    return Identity(tolerance, scale)


def exact() -> Exact:
    """See :class:`Exact`."""
    return Exact()


def upper_bound(level: float = 0.95, *, interval: str = "t") -> UpperBound:
    """See :class:`UpperBound`."""
    return UpperBound(level, interval)


def lower_bound(level: float = 0.95, *, interval: str = "t") -> LowerBound:
    """See :class:`LowerBound`."""
    return LowerBound(level, interval)


def slope(
    bound: str = "two-sided",
    *,
    tolerance: float = 0.0,
    level: float = 0.95,
    interval: str = "t",
    log: bool = True,
) -> Slope:
    """See :class:`Slope`."""
    return Slope(bound, tolerance, level, interval, log)


def proportion(level: float = 0.95) -> Proportion:
    """See :class:`Proportion`."""
    return Proportion(level)


def region_agreement(at_least: float = 0.95, *, level: float = 0.95) -> RegionAgreement:
    """See :class:`RegionAgreement`."""
    return RegionAgreement(level=level, at_least=at_least)


def every() -> Every:
    """See :class:`Every`."""
    return Every()


def close_to(
    tolerance: float = 0.01, *, relative: bool = True, level: float = 0.95, interval: str = "t"
) -> CloseTo:
    """See :class:`CloseTo`."""
    return CloseTo(tolerance, relative, level, interval)


def ratio(within: float = 2.0, *, level: float = 0.95, paired: bool = True) -> Ratio:
    """See :class:`Ratio`."""
    return Ratio(within, level, paired)


def each_of(part: Rule, *, at_least: int | None = None, label: str = "entry") -> EachOf:
    """See :class:`EachOf`."""
    return EachOf(part, at_least, label)


def covers() -> Covers:
    """See :class:`Covers`."""
    return Covers()


def monotone(*, strict: bool = True) -> Monotone:
    """See :class:`Monotone`."""
    return Monotone(strict)


def all_of(
    parts: Mapping[str, Rule] | None = None, *, at_least: int | None = None, **named: Rule
) -> AllOf:
    """See :class:`AllOf`; parts as a dict or as keyword arguments."""
    merged = dict(parts or {}) | named
    return AllOf(merged, at_least)


# ----------------------------------------------------------------------------- perturbations


@dataclass(frozen=True)
class Perturbation:
    """One way the theory could be wrong, and the verdict the check gives it.

    Exactly one of ``transform`` and ``evaluate`` is set:

    - ``transform``: ``prediction -> perturbed prediction`` (a constant scaled, an exponent
      shifted, a term dropped). It is judged by the claim's rule against the *same*
      measurement, so it costs no re-run.
    - ``evaluate``: ``Context -> Evidence`` re-runs the measurement with an assumption of the
      theory violated (e.g. a normaliser dropped from the algorithm).

    The perturbation is *detected* when its verdict is ``"fail"``. ``target`` says which power
    target it stands for (e.g. ``"bound 2x too optimistic"``); a ``required`` entry that is not
    detected makes the claim *weak*. ``control=True`` marks the claim's negative control: if
    it does not fail while the check passes, the claim fails.
    """

    name: str
    target: str
    transform: Callable[[Any], Any] | None = None
    evaluate: Callable[[Any], Any] | None = None
    required: bool = True
    control: bool = False

    def __post_init__(self) -> None:
        for attr in ("name", "target"):
            value = getattr(self, attr)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(
                    f"a sensitivity entry needs a non-empty {attr}; got {value!r}"
                    + (f" (entry {self.name!r})" if attr == "target" else "")
                )
        if (self.transform is None) == (self.evaluate is None):
            raise ValueError(
                f"sensitivity entry {self.name!r}: give exactly one of transform "
                "(perturb the prediction) and evaluate (re-run the measurement)"
            )
        for attr in ("transform", "evaluate"):
            value = getattr(self, attr)
            if value is not None and not callable(value):
                raise TypeError(f"sensitivity entry {self.name!r}: {attr} must be callable")

    @property
    def kind(self) -> str:
        return "prediction" if self.transform is not None else "assumption"

    def describe(self) -> dict[str, Any]:
        return {
            "perturbation": self.name,
            "target": self.target,
            "kind": self.kind,
            "required": self.required,
            "control": self.control,
        }


def _map_leaves(value: Any, fn: Callable[[Any], Any], part: Any) -> Any:
    """Apply ``fn`` to the prediction, to its dict entry ``part`` (a key or a key path), or,
    when ``part`` is None, to every leaf of a dict prediction."""
    if part is not None:
        path = part if isinstance(part, tuple) else (part,)
        head, rest = path[0], path[1:]
        if not isinstance(value, Mapping) or head not in value:
            raise KeyError(f"the prediction has no part {head!r}")
        return {k: _map_leaves(v, fn, rest or None) if k == head else v for k, v in value.items()}
    if isinstance(value, Mapping):
        return {k: _map_leaves(v, fn, None) for k, v in value.items()}
    return fn(value)


def _scaled(value: Any, factor: float) -> Any:
    if hasattr(value, "free_symbols"):  # SymPy
        import sympy as sp

        return value * sp.nsimplify(factor)
    if isinstance(value, (tuple, list)):
        return type(value)(v * factor for v in value)
    return np.asarray(value, dtype=np.float64) * factor if np.ndim(value) else float(value) * factor


def scale(
    factor: float,
    *,
    name: str | None = None,
    target: str,
    part: Any = None,
    required: bool = True,
    control: bool = False,
) -> Perturbation:
    """The prediction (or its ``part``) multiplied by ``factor``."""
    return Perturbation(
        name or f"prediction x {factor:g}" + (f" ({part})" if part else ""),
        target,
        transform=lambda p: _map_leaves(p, lambda v: _scaled(v, factor), part),
        required=required,
        control=control,
    )


def shift(
    delta: float,
    *,
    name: str | None = None,
    target: str,
    part: Any = None,
    required: bool = True,
    control: bool = False,
) -> Perturbation:
    """The prediction (or its ``part``) plus ``delta`` (e.g. an exponent off by 1/4)."""

    def add(v: Any) -> Any:
        if hasattr(v, "free_symbols"):
            import sympy as sp

            return v + sp.nsimplify(delta)
        return np.asarray(v, dtype=np.float64) + delta if np.ndim(v) else float(v) + delta

    return Perturbation(
        name or f"prediction {delta:+g}" + (f" ({part})" if part else ""),
        target,
        transform=lambda p: _map_leaves(p, add, part),
        required=required,
        control=control,
    )


def relative(
    epsilon: float = 1e-8,
    *,
    name: str | None = None,
    target: str | None = None,
    part: Any = None,
    required: bool = True,
) -> Perturbation:
    r"""The prediction changed by a relative ``epsilon``: :math:`p(1+\epsilon)`, and
    :math:`p + \epsilon` where p is exactly 0 (SymPy residuals). The identity target."""

    def bump(v: Any) -> Any:
        if hasattr(v, "free_symbols") or isinstance(v, int):
            import sympy as sp

            e = sp.nsimplify(epsilon)
            v = sp.sympify(v)
            return v + e if v == 0 else v * (1 + e)
        arr = np.asarray(v, dtype=np.float64)
        out = np.where(arr == 0, epsilon, arr * (1 + epsilon))
        return out if arr.ndim else float(out)

    return Perturbation(
        name or f"prediction x (1 + {epsilon:g})" + (f" ({part})" if part else ""),
        target or f"identity: {epsilon:g} relative",
        transform=lambda p: _map_leaves(p, bump, part),
        required=required,
    )


def replace(
    value: Any,
    *,
    name: str,
    target: str,
    part: Any = None,
    required: bool = True,
    control: bool = False,
) -> Perturbation:
    """The prediction (or its ``part``) replaced by ``value`` (or by ``value(prediction)``
    when ``value`` is callable)."""
    fn = value if callable(value) else (lambda _v: value)
    return Perturbation(
        name,
        target,
        transform=lambda p: _map_leaves(p, fn, part),
        required=required,
        control=control,
    )


def assumption(
    name: str,
    evaluate: Callable[[Any], Any],
    *,
    target: str,
    required: bool = True,
    control: bool = False,
) -> Perturbation:
    """A violated assumption: ``evaluate(ctx)`` re-runs the measurement and returns Evidence."""
    return Perturbation(name, target, evaluate=evaluate, required=required, control=control)
