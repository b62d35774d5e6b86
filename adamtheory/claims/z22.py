"""Claims from Zhang, Chen, Shi, Sun & Luo 2022 (Z22), "Adam can converge without any
modification on update rules", its 2026 rewrite, and the accompanying talk (docs/theory §3)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from .. import rules
from .._arrays import compact, log_indices
from ..analysis.regions import beta_axes, ratio, upward_crossing
from ..kernels import adam, run
from ..kernels.counterexample import DIVERGED, UNDECIDED, ChainConfig, SweepConfig
from ..kernels.sweeps import divergence_sweep, drift_estimate, region_area
from ..problems import one_big_gradient
from ..rules import Perturbation
from ..theory import colour_ball, divergence, divergence_asymptote
from .base import Claim, Context, Evidence, Outcome, lazy_figure

CYC_TOLERANCE = 1e-10
MARGIN = 0.2  # drift margin below which K epochs cannot decide (rho = 0.2 in the sweep rule)


def _sweep(ctx: Context) -> str:
    """Sweep/drift backend for this run: the requested one ("auto" picks Numba or CuPy)."""
    return ctx.backend if ctx.backend in ("auto", "numpy", "numba", "cupy") else "auto"


def _a_values(n: int) -> tuple[float, float]:
    return 1.0, 1.0 / (n - 1) ** 2


def _seed(ctx: Context, *key: int) -> int:
    return int(ctx.rng(*key).integers(0, 2**31))


# ----------------------------------------------------------------------------- local rules
# Two checks of this module have no rule in adamtheory.rules yet; these small rules keep
# their old semantics exactly while taking the theory's numbers as the prediction (so that
# a perturbed theory is judged against the same measurement).


@dataclass(frozen=True)
class _SignAgreement(rules.Rule):
    """Behaviour against the sign of a predicted drift, in every case.

    ``data``: ``{case: {"diverged": bool array, "decided": bool mask}}``; ``prediction``:
    ``{case: drift mu}`` (arrays of the same shape). The predicted label is "diverges" iff
    mu < 0. Pass iff in every case the fraction of decided points whose measured behaviour
    has the predicted label is at least ``at_least`` (a case without decided points fails);
    else fail.
    """

    at_least: float = 1.0

    def describe(self) -> str:
        need = (
            "every decided point behaves"
            if self.at_least >= 1
            else f"at least {self.at_least:.0%} of the decided points behave"
        )
        return (
            f"predicted label: diverges iff the predicted drift mu < 0; pass iff in every "
            f"case {need} as predicted, else fail"
        )

    def decide(self, data: Any, prediction: Any) -> rules.Decision:
        if (
            not isinstance(data, dict)
            or not isinstance(prediction, dict)
            or set(data) != set(prediction)
        ):
            raise ValueError("sign agreement needs data and prediction dicts with the same cases")
        agreement: dict[str, float] = {}
        for case, d in data.items():
            mask = np.asarray(d["decided"], dtype=bool)
            diverged = np.asarray(d["diverged"], dtype=bool)
            predicted = np.asarray(prediction[case], dtype=np.float64) < 0
            if diverged.shape != predicted.shape or mask.shape != predicted.shape:
                raise ValueError(f"case {case!r}: labels, mask and prediction differ in shape")
            agreement[case] = (
                float(np.mean((diverged == predicted)[mask])) if mask.any() else math.nan
            )
        worst = min(agreement, key=lambda k: -1.0 if math.isnan(agreement[k]) else agreement[k])
        low = agreement[worst]
        ok = all(not math.isnan(v) and v >= self.at_least for v in agreement.values())
        return rules.Decision(
            "pass" if ok else "fail",
            f"min agreement {low:.4f} ({worst}) vs >= {self.at_least:g} over "
            f"{len(agreement)} cases",
            estimate=low,
            threshold=self.at_least,
            numbers={"agreement": agreement, "worst": worst, "at_least": self.at_least},
        )


@dataclass(frozen=True)
class _RateOrResolution(rules.Rule):
    """A rate rule on a running minimum, or the minimum reaching float64 resolution.

    ``data``: ``{"x": epochs, "y": running minimum, "resolution_epoch": int}`` (x, y only
    where the minimum is above float64 resolution; ``resolution_epoch`` is the epoch where it
    reaches it, or -1). Pass iff resolution is reached; otherwise judged by ``rate`` on (x, y)
    when there are at least ``min_points`` points spanning a factor ``min_range``, else fail.
    """

    rate: rules.Slope
    min_points: int = 4
    min_range: float = 10.0

    def describe(self) -> str:
        return (
            "pass iff the running minimum reaches float64 resolution within the run; "
            f"otherwise, where it is resolved (at least {self.min_points} points spanning a "
            f"factor {self.min_range:g}, else fail): {self.rate.describe()}"
        )

    def _fit(self, x: np.ndarray, y: np.ndarray, prediction: Any) -> rules.Decision | None:
        if x.size < self.min_points or x[-1] / x[0] < self.min_range:
            return None
        if float(np.ptp(np.log(y))) == 0.0:
            # a constant running minimum: the OLS slope is exactly 0 with zero residuals, so
            # its interval is [0, 0] (rules.slope_interval returns NaN bounds here)
            low, high = self.rate.predicted_set(float(prediction))
            verdict = "pass" if low <= 0.0 <= high else "fail"
            return rules.Decision(
                verdict,
                f"slope 0 [0, 0] (constant) vs predicted [{low:.3g}, {high:.3g}]",
                estimate=0.0,
                interval=(0.0, 0.0),
                threshold=float(prediction),
                numbers={
                    "slope": 0.0,
                    "low": 0.0,
                    "high": 0.0,
                    "predicted_low": low,
                    "predicted_high": high,
                },
            )
        return self.rate.decide({"x": x, "y": y}, prediction)

    def decide(self, data: Any, prediction: Any) -> rules.Decision:
        x = np.asarray(data["x"], dtype=np.float64)
        y = np.asarray(data["y"], dtype=np.float64)
        reached = int(data["resolution_epoch"])
        fit = self._fit(x, y, prediction)
        if reached > 0:
            return rules.Decision(
                "pass",
                f"float64 resolution reached at epoch {reached}"
                + (f" (fit before it: {fit.summary})" if fit is not None else ""),
                estimate=None if fit is None else fit.estimate,
                threshold=float(prediction),
                numbers={"resolution_epoch": reached},
            )
        if fit is None:
            return rules.Decision(
                "fail",
                "too few resolved points and float64 resolution not reached",
                threshold=float(prediction),
                numbers={"resolution_epoch": reached},
            )
        return fit


# ----------------------------------------------------------------------------- Z-CYC


_CYC_B1 = np.linspace(0.0, 0.95, 8)
_CYC_B2 = np.linspace(0.0, 0.99, 8)


def _cyc_key(n: int, a: float) -> str:
    return f"n={n}, a={a:.6g}"


_CYC_CASES = {_cyc_key(n, a): (n, a) for n in (3, 10, 50) for a in _a_values(n)}


def _cyc_without_normalisers(g1, g2, n: int, r: float) -> np.ndarray:
    """the spec's mu_cyc with both 1/(1 - beta^n) factors dropped (a perturbed closed form)."""
    j = np.arange(n)
    m = -1.0 + (r + 1.0) * (1.0 - g1[..., None]) * g1[..., None] ** j
    v = 1.0 + (r * r - 1.0) * (1.0 - g2[..., None]) * g2[..., None] ** j
    return np.sum(m / np.sqrt(v), axis=-1)


def _cyc_scale(mu: np.ndarray) -> np.ndarray:
    """The error's normalisation: |simulated - mu| / max(1, |mu|)."""
    return np.maximum(1.0, np.abs(mu))


def _cyc(ctx: Context) -> Evidence:
    residuals = divergence.fixed_point_residuals()
    symbolic_ok = all(sp.simplify(res) == 0 for res in residuals)
    ns = (3, 10) if ctx.profile == "quick" else (3, 10, 50)
    b1, b2 = _CYC_B1, _CYC_B2
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    worst, points = 0.0, 0
    simulated, closed = {}, {}
    cases = []  # the figure's data: both drifts on the 8 x 8 grid
    for n in ns:
        burn = math.ceil(math.log(1e-16) / (n * math.log(0.99)))  # 0.99^(n·burn) < 1e-16
        for a in _a_values(n):
            r = ratio(n, a)
            est = drift_estimate(
                b1,
                b2,
                ChainConfig(
                    n, r, sampling="cyclic", burn_in=burn, epochs=20, chains=2, seed=_seed(ctx, n)
                ),
                backend=_sweep(ctx),
            )
            mu = divergence.cyclic_drift(g1, g2, n, r)
            scale = _cyc_scale(mu)
            simulated[_cyc_key(n, a)] = est.drift.values / scale
            closed[_cyc_key(n, a)] = mu / scale
            err = np.abs(est.drift.values - mu) / scale
            worst = max(worst, float(err.max()))
            points += mu.size
            cases.append(
                {
                    "n": n,
                    "a": a,
                    "closed_form": compact(mu),
                    "simulated": compact(est.drift.values),
                    "max_error": float(err.max()),
                }
            )
    names = ("m_j", "v_j", "m_0", "v_0")
    return Evidence(
        {"symbolic": dict(zip(names, residuals, strict=True)), "numeric": simulated},
        {"symbolic": dict.fromkeys(names, sp.Integer(0)), "numeric": closed},
        values={
            "max_error": worst,
            "points": points,
            "symbolic_ok": symbolic_ok,
            "plot": {"beta1": b1.tolist(), "beta2": b2.tolist(), "cases": cases},
        },
        predicted="SymPy fixed-point residuals 0; mu_cyc closed form = simulated cyclic drift",
        measured=f"{points} points (cyclic chain)",
    )


def _cyc_dropped_normalisers(prediction: dict) -> dict:
    """The closed form with both 1/(1 - beta^n) normalisers dropped, on the same scale."""
    g1, g2 = np.meshgrid(_CYC_B1, _CYC_B2, indexing="ij")
    numeric = {}
    for key in prediction["numeric"]:
        n, a = _CYC_CASES[key]
        r = ratio(n, a)
        numeric[key] = _cyc_without_normalisers(g1, g2, n, r) / _cyc_scale(
            divergence.cyclic_drift(g1, g2, n, r)
        )
    return {**prediction, "numeric": numeric}


def _cyc_one_point_off(prediction: dict) -> dict:
    """The closed form off by 1e-8 (on the error's scale) at one grid point of one case."""
    numeric = dict(prediction["numeric"])
    key = next(reversed(numeric))
    values = np.array(numeric[key], dtype=np.float64)
    values[-1, -1] += 1e-8
    numeric[key] = values
    return {**prediction, "numeric": numeric}


# ----------------------------------------------------------------------------- Z-SIGN


_SIGN_NS = (2, 3, 5, 10)


def _sign(ctx: Context) -> Evidence:
    n_sym = divergence.n
    derived = divergence.drift_at_zero()
    symbolic_ok = sp.simplify(derived - (2 - n_sym)) == 0
    exact, exact_pred, iid, iid_pred, behaviour, behaviour_pred = {}, {}, {}, {}, {}, {}
    rows, worst, worst_iid = [], 0.0, 0.0
    for n in _SIGN_NS:
        predicted = 2.0 - n
        for sampling in ("shuffle", "iid", "cyclic"):
            # shuffle and cyclic see exactly one big gradient per epoch (exact 2 - n); iid sees
            # a random number of them, so 2 - n holds in expectation (checked with a 95% CI)
            # four iid intervals must all cover: Bonferroni, 1 - 0.05/4 each
            est = drift_estimate(
                [0.0],
                [0.0],
                ChainConfig(
                    n,
                    float(n),
                    sampling=sampling,
                    burn_in=1,
                    epochs=50 if sampling != "iid" else 4000,
                    chains=8,
                    seed=_seed(ctx, n),
                ),
                confidence=1 - 0.05 / 4,
                backend=_sweep(ctx),
            )
            drift = float(est.drift.values[0, 0])
            err = abs(drift - predicted)
            if sampling == "iid":
                half_width = float(est.half_width.values[0, 0])
                iid[f"n={n}"] = (drift, half_width)
                iid_pred[f"n={n}"] = predicted
                worst_iid = max(worst_iid, err / max(half_width, 1e-12))
            else:
                exact[f"{sampling}, n={n}"] = drift
                exact_pred[f"{sampling}, n={n}"] = predicted
                worst = max(worst, err)
        sweep = divergence_sweep(
            [0.0],
            [0.0],
            SweepConfig(n=n, epochs=400, seed=_seed(ctx, 7)),
            replicates=4,
            backend=_sweep(ctx),
        )
        status = sweep.status.values.ravel()
        diverged = status == DIVERGED
        behaviour[f"n={n}"] = {"diverged": diverged, "decided": np.ones(status.shape, bool)}
        behaviour_pred[f"n={n}"] = np.full(status.shape, predicted)
        rows.append((n, bool(np.all(diverged))))
    return Evidence(
        {"limit": derived, "exact": exact, "iid": iid, "behaviour": behaviour},
        {"limit": 2 - n_sym, "exact": exact_pred, "iid": iid_pred, "behaviour": behaviour_pred},
        values={
            "max_error": worst,
            "iid_error_over_ci": worst_iid,
            "diverged": dict(rows),
            "symbolic_ok": symbolic_ok,
        },
        predicted=f"mu(0,0) = 2 - n (SymPy: {derived}); sign-SGD diverges iff n >= 3",
        measured="diverged: " + ", ".join(f"n={n}: {d}" for n, d in rows),
    )


# ----------------------------------------------------------------------------- Z-DRIFT


_DRIFT_SIZES = {"quick": (14, 1500, (10,)), "full": (40, 3000, (10, 50))}
DRIFT_X0 = 5.0  # away from x*'s basin of attraction (docs/divergence.md)
UNDECIDED_CAP = 0.2
DRIFT_AGREEMENT = 0.99  # shuffle, iid: simulated drift; cyclic (exact prediction): all points
DISPLACEMENT_TOLERANCE = 0.10


def _drift_grid(ctx: Context):
    size, epochs, ns = _DRIFT_SIZES[ctx.profile]
    b1 = np.linspace(0.0, 0.95, size)
    b2 = 1.0 - np.logspace(0.0, -3.5, size)
    b2[0] = 0.0
    return b1, b2, epochs, ns


def _predicted_drift(ctx: Context, b1, b2, n, a, sampling):
    if sampling == "cyclic":
        g1, g2 = np.meshgrid(b1, b2, indexing="ij")
        mu = divergence.cyclic_drift(g1, g2, n, ratio(n, a))
        return mu, np.zeros_like(mu)
    est = drift_estimate(
        b1,
        b2,
        ChainConfig(
            n,
            ratio(n, a),
            sampling=sampling,
            burn_in=150,
            epochs=150 if sampling == "shuffle" else 600,
            chains=8,
            seed=_seed(ctx, n, 1),
        ),
        backend=_sweep(ctx),
    )
    return est.drift.values, est.half_width.values


def _few_undecided(fraction: float) -> bool:
    """The undecided part's predicate: at most UNDECIDED_CAP of the points undecided."""
    return fraction <= UNDECIDED_CAP


def _drift(ctx: Context) -> Evidence:
    b1, b2, epochs, ns = _drift_grid(ctx)
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    rows, ratio_errs, grids = [], [], []
    labels: dict[str, dict] = {"cyclic": {}, "simulated": {}}
    drifts: dict[str, dict] = {"cyclic": {}, "simulated": {}}
    undecided_by_case, medians_by_case = {}, {}
    thin = slice(None, None, -(-b1.size // 20))  # the figure's grid: at most 20 x 20 points
    for n in ns:
        for a in _a_values(n):
            for sampling in ("shuffle", "iid", "cyclic"):
                case = f"n={n}, a={a:.3g}, {sampling}"
                mu, hw = _predicted_drift(ctx, b1, b2, n, a, sampling)
                cfg = SweepConfig(
                    n=n, a=a, epochs=epochs, sampling=sampling, x0=DRIFT_X0, seed=_seed(ctx, n, 2)
                )
                sweep = divergence_sweep(b1, b2, cfg, backend=_sweep(ctx))
                status = sweep.status.values[..., 0]
                # The drift criterion is asserted where Adam's step is bounded, beta1 < sqrt(beta2)
                # (R18's and Z22's setting); at beta1 >= sqrt(beta2) |m/sqrt(v)| is unbounded
                # and a linear-region average does not control the dynamics near x*.
                outside = (np.abs(mu) > hw + MARGIN) & (g1 < np.sqrt(g2))
                decided = outside & (status != UNDECIDED)
                kind = "cyclic" if sampling == "cyclic" else "simulated"
                labels[kind][case] = {"diverged": status == DIVERGED, "decided": decided}
                drifts[kind][case] = mu
                agree = float(np.mean((status == DIVERGED)[decided] == (mu < 0)[decided]))
                undecided = float(np.mean(status[outside] == UNDECIDED))
                undecided_by_case[case] = undecided
                # displacement law where the drift is large and well estimated
                half = np.arange(epochs // 2 + 1, epochs + 1)
                mass = float(np.sum(cfg.lr / np.sqrt(half)))
                strong = outside & (mu < -np.maximum(0.5, 5 * hw))
                lin = strong & (sweep.x_half.values[..., 0] >= -1.0)
                disp = sweep.x_final.values[..., 0] - sweep.x_half.values[..., 0]
                ratios = disp[lin] / (-mu[lin] * mass)
                median = float(np.median(ratios)) if ratios.size else float("nan")
                frac10 = float(np.mean(np.abs(ratios - 1) <= 0.10)) if ratios.size else float("nan")
                if ratios.size:
                    medians_by_case[case] = median
                ratio_errs.extend(np.abs(ratios - 1).tolist())
                rows.append((n, a, sampling, agree, undecided, int(outside.sum()), median, frac10))
                if n == ns[0]:
                    grids.append(
                        {
                            "n": n,
                            "a": a,
                            "sampling": sampling,
                            "agreement": agree,
                            "status": status[thin, thin].astype(int).tolist(),
                            "drift": compact(mu[thin, thin], 4),
                        }
                    )
    worst = min(rows, key=lambda r: r[3])
    medians = [r[6] for r in rows if np.isfinite(r[6])] or [float("nan")]
    return Evidence(
        {"agreement": labels, "undecided": undecided_by_case, "displacement": medians_by_case},
        {
            "agreement": drifts,
            "undecided": _few_undecided,
            "displacement": dict.fromkeys(medians_by_case, 1.0),
        },
        values={
            "rows": [
                dict(
                    zip(
                        (
                            "n",
                            "a",
                            "sampling",
                            "agreement",
                            "undecided",
                            "points",
                            "median_displacement_ratio",
                            "fraction_within_10pct",
                        ),
                        r,
                        strict=True,
                    )
                )
                for r in rows
            ],
            "offset": 0.0,
            "x0": DRIFT_X0,
            "grid_beta1": b1[thin].tolist(),
            "grid_beta2": b2[thin].tolist(),
            "grids": grids,
        },
        predicted=(
            f"sign(mu) gives the behaviour from x0 = {DRIFT_X0:g}; displacement = -mu·sum(eta_k)"
        ),
        measured=(
            f"min agreement {worst[3]:.4f} (n={worst[0]}, a={worst[1]:.3g}, {worst[2]}); "
            f"max undecided {max(r[4] for r in rows):.3f}; median displacement ratio "
            f"{min(medians):.3f}..{max(medians):.3f}; within 10% on "
            f"{np.mean(np.asarray(ratio_errs) <= 0.1):.2f} of {len(ratio_errs)} points"
        ),
    )


# ----------------------------------------------------------------------------- Z-ALLDIV


def _diverges_down(point: dict) -> bool:
    """x -> -inf: |x+2|, |grad f| and f strictly increasing, x_K < x0 outside the ball."""
    x, grad, f = point["x"], point["grad"], point["f"]
    return bool(
        np.all(np.diff(np.abs(x + 2)) > 0)
        and np.all(np.diff(grad) > 0)
        and np.all(np.diff(f) > 0)
        and abs(x[-1] + 2) > point["bound"]
        and x[-1] < point["x0"]
    )


def _diverges_up(point: dict) -> bool:
    """The same growth, but towards +inf (x_K > x0 outside the ball)."""
    x, grad, f = point["x"], point["grad"], point["f"]
    return bool(
        np.all(np.diff(np.abs(x + 2)) > 0)
        and np.all(np.diff(grad) > 0)
        and np.all(np.diff(f) > 0)
        and abs(x[-1] + 2) > point["bound"]
        and x[-1] > point["x0"]
    )


def _stays_bounded(point: dict) -> bool:
    """No divergence: x_K stays inside the ball |x + 2| <= bound."""
    return bool(abs(point["x"][-1] + 2) <= point["bound"])


def _alldiv(ctx: Context, want_negative: bool) -> Evidence:
    # Far below -2 so that no early transient (unit sign steps) jumps across x* = -2, and off
    # the integer lattice so that unit steps cannot land exactly on the fixed point x* = -2.
    n, epochs, x0 = 10, 400 if ctx.profile == "quick" else 2000, -12.618
    b1 = np.linspace(0.0, 0.9, 6)
    b2 = np.array([0.0, 0.3, 0.6, 0.9, 0.99, 0.999])
    mu = drift_estimate(
        b1, b2, ChainConfig(n, float(n), burn_in=100, epochs=200, chains=8, seed=_seed(ctx, 3))
    )
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    bounded = g1 < np.sqrt(g2)  # Adam's step is bounded (see Z-DRIFT)
    chosen = (mu.ci_high.values < -0.5) if want_negative else (mu.ci_low.values > 0.2)
    idx = np.argwhere(chosen & bounded)
    if idx.size == 0:
        return Evidence(
            {"(no point)": True}, None, precondition="no grid point with a clear drift sign"
        )
    p1 = b1[idx[:, 0]]
    p2 = b2[idx[:, 1]]
    ds = run(
        one_big_gradient(n),
        adam(1.0, p1, p2, eps=0.0),
        epochs=epochs,
        x0=[x0],
        schedule="inv_sqrt_epoch",
        record=n * (epochs // 8),
        seed=_seed(ctx, 4),
        backend="numpy",
    )
    x = ds.x.values[..., 0][:, 2:]  # from epoch K/4 on
    grad = ds.grad_norm.values[:, 2:]
    f = ds.f.values[:, 2:]
    bound = abs(x0 + 2) + 1 + 0.2 * math.sqrt(epochs)
    points = {
        f"b1={u:.2f} b2={w:g}": {"x": x[i], "grad": grad[i], "f": f[i], "x0": x0, "bound": bound}
        for i, (u, w) in enumerate(zip(p1, p2, strict=True))
    }
    growing = np.array([_diverges_down(p) for p in points.values()])
    frac = float(np.mean(growing))
    return Evidence(
        points,
        _diverges_down,
        values={"fraction": frac, "points": int(growing.size), "x_final": x[:, -1].tolist()},
        predicted=f"from x0 = {x0} with mu < 0: x -> -inf, |grad f| = |x+2|/n -> inf, f -> inf",
        measured=f"median x_K = {np.median(x[:, -1]):.1f} (bound |x_K + 2| > {bound:.1f})",
    )


# ----------------------------------------------------------------------------- Z-ASYMP


@dataclass(frozen=True)
class _Remainder(rules.Rule):
    r"""An asymptotic series against exact values: the remainder's decay in n.

    ``data``: ``{"n": ns, "exact": values}``; ``prediction``: ``{"series": values at ns,
    "order": p}`` (the theory says exact - series = O(n^p)). Fit the least-squares log-log
    slope of :math:`|\mathrm{exact} - \mathrm{series}|` against n with a two-sided ``level``
    t interval; pass iff the interval lies at or below ``p + tolerance``, fail iff it lies
    entirely above, otherwise inconclusive. A wrong constant or exponent in the series leaves
    a remainder of the series' own order, so its slope is about 1 power of n (or more) too
    shallow.
    """

    tolerance: float = 0.25
    level: float = 0.95

    def describe(self) -> str:
        return (
            f"fit the log-log slope of |exact - series| against n with a two-sided "
            f"{100 * self.level:g}% t interval; pass iff the interval lies <= p + "
            f"{self.tolerance:g} (p the predicted order of the remainder), fail iff it lies "
            "entirely above, otherwise inconclusive"
        )

    def decide(self, data: Any, prediction: Any) -> rules.Decision:
        ns = np.asarray(data["n"], dtype=np.float64)
        exact = np.asarray(data["exact"], dtype=np.float64)
        series = np.asarray(prediction["series"], dtype=np.float64)
        if exact.shape != series.shape or exact.shape != ns.shape:
            raise ValueError("exact values, series values and n must have the same shape")
        if not (np.all(np.isfinite(exact)) and np.all(np.isfinite(series))):
            return rules.Decision("fail", "non-finite exact or series value", numbers={})
        # an exactly-zero remainder is as small as it gets: floor it at the float resolution
        rem = np.maximum(np.abs(exact - series), 1e-300)
        s, lo, hi = rules.slope_interval(ns, rem, self.level)
        p = float(prediction["order"])
        limit = p + self.tolerance
        verdict = "pass" if hi <= limit else ("fail" if lo > limit else "inconclusive")
        return rules.Decision(
            verdict,
            f"remainder slope {s:.3f} [{lo:.3f}, {hi:.3f}] vs predicted <= {limit:g}",
            estimate=s,
            interval=(lo, hi),
            threshold=limit,
            numbers={"slope": s, "low": lo, "high": hi, "order": p, "limit": limit},
        )


ASYMP_NS = (10, 20, 50, 100, 200, 400)  # exact cyclic boundary: cheap, up to n = 400
ASYMP_SHUFFLE_NS = (50, 100)
ASYMP_SHUFFLE_TOLERANCE = 0.03  # shuffle's own O(1/n) correction: measured 1.2% (50), 0.5% (100)
ASYMP_ORDER = 2  # series terms: 4/n^2 + 16/(3 n^3); remainder O(n^-4)


def _asymp_prediction(c0: float, c1: float, exponent: float = 2.0) -> dict:
    r"""Prediction of :math:`1-\beta_2^* = c_0 n^{-e} + c_1 n^{-e-1}` (the derived law has
    c0 = 4, c1 = 16/3, e = 2): series values at ASYMP_NS (remainder order -e-2) and, for the
    shuffle check, the leading term times n² - 1 at ASYMP_SHUFFLE_NS."""
    ns = np.asarray(ASYMP_NS, dtype=np.float64)
    return {
        "cyclic": {"series": c0 / ns**exponent + c1 / ns ** (exponent + 1), "order": -4.0},
        "shuffle": {f"n={n}": (n * n - 1) * c0 / n**exponent for n in ASYMP_SHUFFLE_NS},
    }


def _asymp_constants() -> tuple[float, float]:
    c0, c1 = divergence_asymptote.boundary_coefficients(ASYMP_ORDER)
    return float(c0), float(c1)


def _asymp(ctx: Context) -> Evidence:
    c0, c1 = _asymp_constants()
    exact = np.array([divergence.beta2_boundary([0.0], n)[0] for n in ASYMP_NS])
    gaps = 1.0 - exact
    one_minus = np.logspace(-1.5, -5.0, 90)
    chains = 12 if ctx.profile == "quick" else 32
    shuffle, shuffle_mean = {}, {}
    for n in ASYMP_SHUFFLE_NS:
        est = drift_estimate(
            [0.0],
            1.0 - one_minus,
            ChainConfig(
                n, float(n), burn_in=120, epochs=120, chains=chains, seed=_seed(ctx, n, 11)
            ),
            backend=_sweep(ctx),
        )
        per_chain = _chains_at(est)  # (beta2, chain): one boundary estimate per chain
        crossings = np.array(
            [1.0 - upward_crossing(1.0 - one_minus, per_chain[:, c]) for c in range(chains)]
        )
        shuffle[f"n={n}"] = ((n * n - 1) * crossings).tolist()
        shuffle_mean[n] = float(np.mean(crossings))
    fit, fit_lo, fit_hi = rules.slope_interval(ASYMP_NS, gaps)
    leading = gaps * (np.asarray(ASYMP_NS, dtype=np.float64) ** 2 - 1)
    series = str(divergence_asymptote.boundary_series(ASYMP_ORDER))
    return Evidence(
        {"cyclic": {"n": list(ASYMP_NS), "exact": gaps}, "shuffle": shuffle},
        _asymp_prediction(c0, c1),
        values={
            "n": list(ASYMP_NS),
            "one_minus_beta2_star": gaps.tolist(),
            "scaled": leading.tolist(),
            "series": series,
            "coefficients": [c0, c1],
            "shuffle_n": list(ASYMP_SHUFFLE_NS),
            "shuffle_one_minus_beta2_star": [shuffle_mean[n] for n in ASYMP_SHUFFLE_NS],
            "fitted_exponent": fit,
            "fitted_exponent_ci": [fit_lo, fit_hi],
            "chains": chains,
        },
        predicted=(
            f"1 - beta2* = {series} + O(n^-4) at beta1 = 0, a = 1 (SymPy series of the cyclic "
            "drift), i.e. 4/(n^2-1) + 16/(3n^3) + O(n^-4); shuffle: (n^2-1)(1-beta2*) -> 4"
        ),
        measured=(
            "(n^2-1)(1-beta2*) cyclic = "
            + ", ".join(f"{v:.4f}" for v in leading)
            + f" for n = {ASYMP_NS}; shuffle = "
            + ", ".join(f"{(n * n - 1) * shuffle_mean[n]:.4f}" for n in ASYMP_SHUFFLE_NS)
            + f" (n = {ASYMP_SHUFFLE_NS}); fitted exponent {fit:.3f} [{fit_lo:.3f}, {fit_hi:.3f}]"
            " (a finite-size consistency number, not the test)"
        ),
    )


def _asymp_perturbed(c0_factor: float = 1.0, c1_factor: float = 1.0, exponent: float = 2.0):
    """A perturbation of the derived law (constants scaled, exponent changed)."""

    def transform(_prediction: dict) -> dict:
        c0, c1 = _asymp_constants()
        return _asymp_prediction(c0 * c0_factor, c1 * c1_factor, exponent)

    return transform


# ----------------------------------------------------------------------------- Z-GROW


GROW_EXPONENT = 3.5  # the 2022 sufficient threshold 1 - O(n^-3.5)
GROW_NS = (10, 20, 50, 100)
GROW_EXACT_NS = (10, 20, 50, 100, 200, 400)


def _fair_a(n: int) -> float:
    """The fixed-class family of the 2026 rewrite: a = 1/(n-1)² (L <= 2, D1 <= 2n²)."""
    return 1.0 / (n - 1) ** 2


def _grow(ctx: Context) -> Evidence:
    size, epochs = (24, 400) if ctx.profile == "quick" else (64, 1000)
    # the fair family's edge sits at 1 - beta2* = 0.53 .. 0.04: a linear beta2 axis resolves it
    b1, b2 = beta_axes(size, "linear")
    areas = []
    for n in GROW_NS:
        sweep = divergence_sweep(
            b1,
            b2,
            SweepConfig(n=n, a=_fair_a(n), epochs=epochs, x0=DRIFT_X0, seed=_seed(ctx, n)),
            backend=_sweep(ctx),
        )
        areas.append(region_area(sweep.status))
    # edge at beta1 = 0: the exact cyclic root (SymPy drift) for n up to 400; the shuffle
    # edge is the same within a few % (docs/divergence.md)
    gaps = [
        1.0 - float(divergence.beta2_boundary([0.0], n, ratio(n, _fair_a(n)))[0])
        for n in GROW_EXACT_NS
    ]
    slope, lo, hi = rules.slope_interval(GROW_EXACT_NS, gaps)
    scaled = ", ".join(f"{n * g:.2f}" for n, g in zip(GROW_EXACT_NS, gaps, strict=True))
    return Evidence(
        {"areas": areas, "edge": {"x": list(GROW_EXACT_NS), "y": gaps}},
        {"areas": 1.0, "edge": -GROW_EXPONENT},
        values={
            "n": list(GROW_EXACT_NS),
            "area_n": list(GROW_NS),
            "areas": areas,
            "one_minus_beta2_star": gaps,
            "n_times_gap": [n * g for n, g in zip(GROW_EXACT_NS, gaps, strict=True)],
            "slope": slope,
            "slope_ci": [lo, hi],
            "exponent": GROW_EXPONENT,
            "family": "a = 1/(n-1)^2",
        },
        predicted=(
            f"fair family a = 1/(n-1)^2: region area increases with n; 1 - beta2*(0) decays "
            f"no faster than n^-{GROW_EXPONENT:g} (the sufficient threshold; 2026: n^-5)"
        ),
        measured=(
            f"areas {', '.join(f'{a:.4f}' for a in areas)} for n = {GROW_NS}; 1-beta2* = "
            f"{', '.join(f'{g:.3g}' for g in gaps)} for n = {GROW_EXACT_NS} (exact cyclic); "
            f"n(1-beta2*) = {scaled}"
        ),
    )


# ----------------------------------------------------------------------------- Z-CORNER


CORNER_STARTS = (5.0, -2.5)  # the linear side, and the quadratic side next to x* = -2


def _corner(ctx: Context) -> Outcome:
    """Sequential verdicts in the corner beta1 >= sqrt(beta2) against the drift's sign, next
    to the same statistics in scope (cyclic order: mu exact), from both sides of x*."""
    from ..kernels.atlas import AtlasConfig, atlas_sweep

    size = 20 if ctx.profile == "quick" else 40
    b1, b2 = np.linspace(0.5, 0.99, size), np.linspace(0.0, 0.9, size)
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    corner = g1 >= np.sqrt(g2)
    rows = []
    for a in _a_values(10):
        mu = divergence.cyclic_drift(g1, g2, 10, ratio(10, a))
        for x0 in CORNER_STARTS:
            cfg = AtlasConfig(n=10, a=a, sampling="cyclic", x0=x0, max_epochs=1024)
            out = atlas_sweep(b1, b2, cfg)
            st, how = out["status"], out["how"]
            for where, inside in (("corner", corner), ("scope", ~corner)):
                for sign, sel in (("mu>0", mu > MARGIN / 4), ("mu<0", mu < -MARGIN / 4)):
                    m = inside & sel
                    if not m.any():
                        continue
                    want = -1 if sign == "mu>0" else 1
                    rows.append(
                        {
                            "a": a,
                            "x0": x0,
                            "region": where,
                            "drift": sign,
                            "points": int(m.sum()),
                            "agree": float(np.mean(st[m] == want)),
                            "undecided": float(np.mean(st[m] == 0)),
                            "reached_x_star": float(np.mean((how[m] == 1) & (st[m] == -1))),
                        }
                    )

    def pick(region: str, a: float, x0: float) -> dict | None:
        return next(
            (
                r
                for r in rows
                if r["region"] == region and r["a"] == a and r["x0"] == x0 and r["drift"] == "mu>0"
            ),
            None,
        )

    small = _a_values(10)[1]
    c, s = pick("corner", small, -2.5), pick("scope", small, -2.5)
    measured = "; ".join(
        f"{r['region']} {r['drift']} (a={r['a']:.3g}, x0={r['x0']:g}, {r['points']} pts): "
        f"agree {r['agree']:.2f}, undecided {r['undecided']:.2f}, at x* {r['reached_x_star']:.2f}"
        for r in rows
    )
    return Outcome(
        "reported",
        predicted=(
            "beta1 < sqrt(beta2): |m/sqrt(v)| <= (1-beta1)/(sqrt(1-beta2)(1-beta1/sqrt(beta2))) "
            "and the drift's sign decides; beta1 >= sqrt(beta2): no such bound, the sign of mu "
            "is not a theorem there"
        ),
        measured=(
            (
                f"from x0 = -2.5, a = 1/81, mu > 0: runs settle at x* in "
                f"{c['reached_x_star']:.0%} of corner points vs {s['reached_x_star']:.0%} in "
                "scope; "
                if c and s
                else ""
            )
            + measured
        ),
        values={"rows": rows, "grid": size, "n": 10, "starts": list(CORNER_STARTS)},
    )


def _chains_at(est) -> np.ndarray:
    """Per-chain drifts along beta2 at the single beta1 of ``est``: shape (beta2, chain)."""
    return est.chain_drift.values[0]


# ----------------------------------------------------------------------------- Z-CONV


_FLOOR_CENTRES = (0.0, 0.0, 0.0, 3.0)  # asymmetric: median 0 != mean 0.75, so D0 > 0 matters
CONV_RATE = -0.5  # D0 = 0: |grad f| = O(log T / sqrt(T)); the log factor: tolerance 0.1
CONV_LOG_ALLOWANCE = 0.1
FLOOR_EXPONENT = 1.0  # D0 > 0: |grad f(x_hat)|² shrinks no slower than (1 - beta2)^1


def _conv_d0_zero(ctx: Context, beta2: float) -> tuple[dict, str, dict]:
    n, seeds = 10, 16
    epochs = 3000 if ctx.profile == "quick" else 30000
    from ..kernels.atlas import path_runs  # Numba loads on first use only

    problem = one_big_gradient(n)
    # the fused 1-D kernel: the iterates of kernels.run, bit for bit (tests/test_kernel_paths.py)
    out = path_runs(
        problem,
        adam(1.0, 0.9, beta2, eps=0.0),
        epochs=epochs,
        schedule="inv_sqrt_epoch",
        record=n,
        trajectories=seeds,
        seed=_seed(ctx, 6),
    )
    # |grad f| at the epoch ends (seeds, epochs + 1): 1-D, so the norm is the absolute value
    grad = np.abs(problem.grad(out["x"].reshape(-1, 1))).reshape(out["x"].shape)
    running_min = np.minimum.accumulate(grad, axis=1).mean(axis=0)
    # float64 resolution of |grad f| = |x+2|/n near x* = -2
    resolution = 4 * np.finfo(float).eps * 2 / n
    ks = np.unique(np.logspace(1, math.log10(epochs), 16).astype(int))
    resolved = ks[running_min[ks] > resolution]
    reached = int(np.argmax(running_min <= resolution)) if running_min[-1] <= resolution else -1
    if resolved.size >= 4 and resolved[-1] / resolved[0] >= 10:
        slope, lo, hi = rules.slope_interval(resolved, running_min[resolved])
    else:
        slope = lo = hi = float("nan")
    text = f"D0=0 (beta2={beta2}): float64 resolution " + (
        f"at epoch {reached}" if reached > 0 else "not reached"
    )
    shown = log_indices(running_min.size, 60)  # the figure's points
    data = {"x": resolved, "y": running_min[resolved], "resolution_epoch": reached}
    return (
        data,
        text,
        {
            "slope": slope,
            "ci": [lo, hi],
            "resolution_epoch": reached,
            "epochs": shown.tolist(),
            "running_min": compact(running_min[shown]),
            "resolution": resolution,
        },
    )


def _conv_floor(ctx: Context) -> tuple[dict, dict, str, dict]:
    """D0 > 0: the stationary point x_hat (E[m/sqrt v | x] = 0) vs x*, as beta2 -> 1.

    It does not depend on the beta2 of the D0 = 0 part, so the claim's run and its violated-
    assumption re-run share one computation (:func:`_conv_floor_at` is pure in its seeds)."""
    seeds = tuple(_seed(ctx, 11, k) for k in range(len(_FLOOR_BETA2))) + (
        _seed(ctx, 12),
        _seed(ctx, 13),
    )
    return copy.deepcopy(_conv_floor_at(ctx.profile, seeds))  # callers may extend the dicts


_FLOOR_BETA2 = (0.9, 0.95, 0.99, 0.995, 0.999)


@lru_cache(maxsize=4)
def _conv_floor_at(profile: str, seeds: tuple[int, ...]) -> tuple[dict, dict, str, dict]:
    from ..kernels.atlas import stationary_direction_numba as stationary_direction
    from ..kernels.stationary import stationary_root
    from ..problems import quadratic_finite_sum

    centres = np.asarray(_FLOOR_CENTRES)
    x_star = float(centres.mean())
    beta1 = 0.5
    beta2s = np.array(_FLOOR_BETA2)
    xs = np.linspace(x_star - 0.3, x_star + 0.1, 41)
    epochs = 3000 if profile == "quick" else 20000
    floors = []
    for k, b2 in enumerate(beta2s):
        burn = int(20 / (1 - b2) / centres.size) + 10
        chains = stationary_direction(
            xs, centres, beta1, b2, epochs=epochs, burn_in=burn, chains=16, seed=seeds[k]
        )
        floors.append((stationary_root(xs, chains.mean(axis=1)) - x_star) ** 2)
    floors = np.asarray(floors)
    slope, lo, hi = rules.slope_interval(1 - beta2s, floors)
    # direct runs settle at x_hat, not x* (checked where the gap is large: beta2 = 0.5)
    b2_direct = 0.5
    chains5 = stationary_direction(
        np.linspace(x_star - 0.5, x_star + 0.1, 61),
        centres,
        beta1,
        b2_direct,
        epochs=epochs,
        burn_in=50,
        chains=16,
        seed=seeds[-2],
    )
    x_hat = stationary_root(np.linspace(x_star - 0.5, x_star + 0.1, 61), chains5.mean(axis=1))
    from ..kernels.atlas import path_runs  # Numba loads on first use only

    final = path_runs(
        quadratic_finite_sum(centres),
        adam(0.5, beta1, b2_direct, eps=0.0, bias_correction=False),
        epochs=4000,
        schedule="inv_sqrt_epoch",
        trajectories=32,
        x0=[x_star],
        seed=seeds[-1],
    )["x_final"]
    # where the direct runs end, as a fraction of the way from x* to x_hat (1: at x_hat)
    settled = (float(final.mean()) - x_star) / (x_hat - x_star)
    text = (
        f"D0>0: floor (x_hat-x*)² = {', '.join(f'{f:.1e}' for f in floors)} at beta2 = "
        f"{beta2s.tolist()}; direct runs end at {final.mean():.3f} (x_hat {x_hat:.3f}, "
        f"x* {x_star})"
    )
    return (
        {"x": 1 - beta2s, "y": floors},
        {"settle": settled},
        text,
        {
            "floors": floors.tolist(),
            "beta2": beta2s.tolist(),
            "slope": slope,
            "slope_ci": [lo, hi],
            "x_hat_beta2_0.5": x_hat,
            "direct_mean": float(final.mean()),
            "exponent": FLOOR_EXPONENT,
        },
    )


def _conv(ctx: Context, beta2: float) -> Evidence:
    rate, text0, values0 = _conv_d0_zero(ctx, beta2)
    floor, settle, text1, values1 = _conv_floor(ctx)
    return Evidence(
        {"rate": rate, "floor": floor, "settle": settle["settle"]},
        {"rate": CONV_RATE, "floor": FLOOR_EXPONENT, "settle": 1.0},
        values={"d0_zero": values0, "d0_positive": values1},
        predicted=(
            "D0 = 0: min_k |grad f| -> 0 at least as fast as log(T)/sqrt(T); D0 > 0: the "
            f"floor of |grad f|² shrinks no slower than (1-beta2)^{FLOOR_EXPONENT:g} and "
            "direct runs settle at x_hat"
        ),
        measured=f"{text0}; {text1}",
    )


# ----------------------------------------------------------------------------- CB-A1


@lru_cache(maxsize=64)
def _colour_enumerated(n: int, k: int, first_weight: sp.Rational | None) -> sp.Expr:
    """The exact enumerated gap (pure in its arguments: the claim and its control share the
    cases whose law does not change, n >= 3)."""
    return sp.cancel(colour_ball.enumerated_gap(n, k, first_weight=first_weight))


@lru_cache(maxsize=1)
def _colour_general() -> sp.Expr:
    return colour_ball.closed_form_gap()


def _exactly_equal(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact equality of two rational functions: the numerator of the cancelled difference
    is the zero polynomial (what ``simplify(a - b) == 0`` decides here, several times
    faster)."""
    return sp.cancel(sp.together(a - b)) == 0


def _colour(ctx: Context, first_weight: sp.Rational) -> Evidence:
    """Enumerate with P(first ball of an epoch = c0) = ``first_weight`` (1/2: uniform order)."""
    ks = (1, 2, 3, 4, 5) if ctx.profile == "quick" else (1, 2, 3, 4, 5, 6)
    # both sides in SymPy's canonical form p/q (``sp.cancel``): the same values, written one
    # way, so the rule's exact test finds equal sides structurally equal instead of simplifying
    # every difference (unequal sides still differ)
    enumerated, stated = {}, {}
    for k in ks:
        key = f"n=2, k={k} (Lemma A.1)"
        enumerated[key] = _colour_enumerated(2, k, first_weight)
        stated[key] = sp.cancel(colour_ball.lemma_a1(k))
    general = _colour_general()
    n_s, k_s = (
        sp.Symbol("n", positive=True, integer=True),
        sp.Symbol("k", positive=True, integer=True),
    )
    for n, k in ((2, 2), (3, 1), (3, 2), (4, 1), (4, 2)):
        c = colour_ball.labels(n)
        key = f"n={n}, k={k} (closed form)"
        stated[key] = sp.cancel(general.subs({n_s: n, k_s: k, sp.Symbol("cbar"): sum(c) / n}))
        enumerated[key] = _colour_enumerated(n, k, first_weight if n == 2 else None)
    mismatches = [key for key in stated if not _exactly_equal(enumerated[key], stated[key])]
    return Evidence(
        enumerated,
        stated,
        values={"mismatches": mismatches, "cases": len(stated)},
        predicted="E[sum m - sum f] = -beta^(2k-1)(c0+c1)/2 (n = 2); general-n closed form",
        measured=f"exact rational enumeration over all orders, {len(stated)} cases",
    )


CLAIMS = (
    Claim(
        id="Z-CYC",
        title="Cyclic drift closed form = simulated cyclic drift",
        statement=(
            "The periodic stationary (m, v) of the cyclic chain gives mu_cyc = "
            "sum_j m_j/sqrt(v_j) (derived in SymPy); it equals the drift of the "
            "simulated chain."
        ),
        source="docs/theory §3.2 (derived from Zhang et al. 2022's counterexample)",
        provenance="derived",
        rule=rules.all_of(
            symbolic=rules.exact(), numeric=rules.identity(CYC_TOLERANCE, scale="absolute")
        ),
        scope=(
            "[symbolic] the SymPy fixed-point residuals of the Adam recursions against 0; "
            "[numeric] per (n, a), the simulated cyclic drift against mu_cyc on the 8 x 8 "
            "(beta1, beta2) grid, both divided by max(1, |mu_cyc|)"
        ),
        evaluate=_cyc,
        sensitivity=(
            rules.Perturbation(
                "the closed form with both 1/(1 - beta^n) normalisers dropped",
                "a changed closed form",
                transform=_cyc_dropped_normalisers,
                control=True,
            ),
            rules.relative(1e-8),
            rules.Perturbation(
                "the closed form off by 1e-8 at one grid point of one case",
                "identity: a local 1e-8 error",
                transform=_cyc_one_point_off,
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "z_cyc_figure"),
    ),
    Claim(
        id="Z-SIGN",
        title="mu(0,0) = 2 - n: sign-SGD diverges iff n >= 3",
        statement=(
            "At beta1 = beta2 = 0 Adam is sign descent; the drift is 2 - n for every "
            "sampling, so it diverges iff n >= 3."
        ),
        source="Zhang et al. 2022 (remark on sign-SGD); docs/theory §3.2",
        provenance="derived",
        rule=rules.all_of(
            limit=rules.exact(),
            exact=rules.identity(1e-12, scale="absolute"),
            iid=rules.covers(),
            behaviour=_SignAgreement(1.0),
        ),
        scope=(
            "n in {2, 3, 5, 10}: [limit] SymPy's limit of mu at beta1, beta2 -> 0 against "
            "2 - n; [exact] simulated shuffle/cyclic drifts against 2 - n; [iid] simulated "
            "iid drifts, with joint 95% t-intervals (Bonferroni, 1 - 0.05/4 each), against "
            "2 - n; [behaviour] 4 direct sign-SGD runs per n (400 epochs)"
        ),
        evaluate=_sign,
        sensitivity=(
            rules.shift(1.0, name="prediction 2 - n + 1", target="constant off by 1", control=True),
            rules.shift(-1.0, name="prediction 2 - n - 1", target="constant off by 1"),
            rules.relative(1e-8),
            rules.shift(
                1e-8,
                part=("exact", "cyclic, n=10"),
                name="one drift off by 1e-8 (cyclic, n = 10)",
                target="identity: a local 1e-8 error",
            ),
        ),
    ),
    Claim(
        id="Z-DRIFT",
        title="The drift's sign predicts divergence on the (beta1, beta2) grid",
        statement=(
            "For shuffle, iid and cyclic sampling and a = 1 and a = 1/(n-1)², the sign "
            "of mu predicts whether full Adam runs from x0 = 5 diverge or converge "
            "(beta1 < sqrt(beta2)), and the displacement over the second half follows "
            "-mu·sum eta_k."
        ),
        source="Zhang et al. 2022 Thm 2 region; docs/theory §3.2",
        provenance="derived",
        rule=rules.all_of(
            agreement=rules.all_of(
                cyclic=_SignAgreement(1.0), simulated=_SignAgreement(DRIFT_AGREEMENT)
            ),
            undecided=rules.every(),
            displacement=rules.identity(DISPLACEMENT_TOLERANCE),
        ),
        scope=(
            "per (n, a, sampling), at the points with beta1 < sqrt(beta2) and |mu| > CI "
            f"half-width + {MARGIN} (decided: the run diverged or converged in K epochs): "
            "[agreement] behaviour against sign(mu), cyclic: closed-form mu, shuffle/iid: "
            f"simulated mu; [undecided] at most {UNDECIDED_CAP:.0%} of these points "
            "undecided; [displacement] the median of displacement / (-mu·sum eta_k) over "
            "the second half, at diverging linear-region points with |mu| >= max(0.5, 5·CI), "
            "against 1"
        ),
        evaluate=_drift,
        sensitivity=(
            rules.shift(
                1.0,
                part="agreement",
                name="predict with sign(mu + 1)",
                target="the drift offset by a constant",
                control=True,
            ),
            rules.shift(
                -1.0,
                part="agreement",
                name="predict with sign(mu - 1)",
                target="the drift offset by a constant",
            ),
            rules.replace(
                lambda mu: np.full_like(mu, -1.0),
                part="agreement",
                name="all points predicted divergent",
                target="no convergent region",
            ),
            rules.scale(
                2.0,
                part="displacement",
                name="displacement = -2 mu·sum eta_k",
                target="displacement law constant 2x",
            ),
            rules.scale(
                0.5,
                part="displacement",
                name="displacement = -mu·sum eta_k / 2",
                target="displacement law constant 1/2",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "z_drift_figure"),
    ),
    Claim(
        id="Z-ALLDIV",
        title="Inside the region, iterates, gradients and f all diverge (x0 < -2)",
        statement="From x0 < -2 with mu < 0: x -> -inf, |grad f| -> inf and f -> inf.",
        source="Zhang et al. 2022, divergence theorem statement",
        provenance="primary",
        rule=rules.every(),
        scope=(
            "every grid point with beta1 < sqrt(beta2) whose drift CI lies below -0.5 (runs "
            "from x0 = -12.618): |x+2|, |grad f| and f increase strictly over the last 3/4 "
            "of the run and x ends below x0 outside the sqrt(k) ball"
        ),
        evaluate=lambda ctx: _alldiv(ctx, True),
        sensitivity=(
            rules.assumption(
                "points whose drift CI lies above +0.2 (outside the region)",
                lambda ctx: _alldiv(ctx, False),
                target="the condition mu < 0 dropped",
                control=True,
            ),
            rules.replace(
                lambda _p: _diverges_up,
                name="x -> +inf instead of -inf",
                target="direction of divergence flipped",
            ),
            rules.replace(
                lambda _p: _stays_bounded,
                name="iterates stay in the sqrt(k) ball",
                target="no divergence",
            ),
        ),
    ),
    Claim(
        id="Z-ASYMP",
        title="Exact asymptote of the divergence edge: 1 - beta2* = 4/(n^2-1) + 16/(3n^3) + ...",
        statement=(
            "At beta1 = 0, a = 1 the SymPy series of the cyclic drift in 1 - beta2 and 1/n "
            "gives 1 - beta2* = 4/n^2 + 16/(3n^3) + O(n^-4) = 4/(n^2-1) + O(n^-3); the exact "
            "cyclic boundary for n <= 400 matches it with an O(n^-4) remainder, and the "
            "shuffle-sampled boundary has the same leading law."
        ),
        source="docs/theory §3.2 (exact asymptote, derived; Zhang et al. 2022's counterexample)",
        provenance="derived",
        rule=rules.all_of(
            cyclic=_Remainder(0.25),
            shuffle=rules.each_of(rules.close_to(ASYMP_SHUFFLE_TOLERANCE), label="n"),
        ),
        scope=(
            f"[cyclic] the exact root of the closed-form drift at n = {ASYMP_NS} against the "
            "two-term series: the remainder must decay like n^-4; [shuffle] per n in "
            f"{ASYMP_SHUFFLE_NS}, (n^2-1)(1-beta2*) from the zero crossing of each simulated "
            "chain's drift (t interval over chains) against the leading term times n^2-1, "
            f"within {ASYMP_SHUFFLE_TOLERANCE:.0%}. The fitted exponent of 1 - beta2* is "
            "reported, not tested"
        ),
        evaluate=_asymp,
        sensitivity=(
            Perturbation(
                "1 - beta2* = 3/(n^2-1) + ... (leading constant 3)",
                "leading constant 3/4 off",
                transform=_asymp_perturbed(c0_factor=0.75),
                control=True,
            ),
            Perturbation(
                "leading constant 8 (2x)",
                "constant 2x off",
                transform=_asymp_perturbed(c0_factor=2.0),
            ),
            Perturbation(
                "leading exponent 2.25 instead of 2",
                "exponent off by 1/4",
                transform=_asymp_perturbed(exponent=2.25),
            ),
            Perturbation(
                "leading exponent 1.75 instead of 2",
                "exponent off by 1/4",
                transform=_asymp_perturbed(exponent=1.75),
            ),
            Perturbation(
                "n^-3 coefficient 32/3 (2x)",
                "second-order constant 2x off",
                transform=_asymp_perturbed(c1_factor=2.0),
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "z_asymp_figure"),
    ),
    Claim(
        id="Z-GROW",
        title="Fair family a = 1/(n-1)^2: the region grows with n; its edge vs n^-3.5",
        statement=(
            "On the fixed-class family a = 1/(n-1)^2 (L <= 2, D1 <= 2n^2) the measured region's "
            "area increases over n in {10, 20, 50, 100}, and the exact edge 1 - beta2*(beta1 = "
            "0) decays no faster than the sufficient convergence threshold 1 - O(n^-3.5) "
            "(2022; 2026: n^-5) requires."
        ),
        source="Zhang et al. 2022 Thms 1-2, 2026 rewrite (a = 1/(n-1)^2); docs/theory §3.4",
        provenance="secondary",
        rule=rules.all_of(areas=rules.monotone(), edge=rules.slope("lower")),
        scope=(
            "[areas] the measured region areas (linear beta2 grid, x0 = 5, a = 1/(n-1)^2) over "
            "n, predicted increasing; [edge] log(1 - beta2*) at beta1 = 0 (exact root of the "
            f"cyclic drift, n = {GROW_EXACT_NS}) vs log n, p = -3.5"
        ),
        evaluate=_grow,
        sensitivity=(
            rules.replace(
                -0.5,
                part="edge",
                name="the same test against the exponent 1/2",
                target="a threshold decaying slower than the true edge",
                control=True,
            ),
            rules.shift(
                0.25,
                part="edge",
                name="threshold exponent 3.25 instead of 3.5",
                target="exponent off by 1/4 (the one-sided test has ~2.8 powers of slack on "
                "the fair family: not detectable, so the claim is weak)",
            ),
            rules.shift(
                2.75,
                part="edge",
                name="exponent 3.5 - 2.75 = 0.75",
                target="exponent off by 2.75 (the measured -0.71 is the edge of detection)",
                required=False,
            ),
            rules.replace(
                -1.0,
                part="areas",
                name="region shrinks with n",
                target="direction of the area trend flipped",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "z_grow_figure"),
    ),
    Claim(
        id="Z-CORNER",
        title="The beta1 >= sqrt(beta2) corner: measured verdicts against the drift's sign",
        statement=(
            "For beta1 < sqrt(beta2) Adam's step |m/sqrt(v)| is bounded by "
            "(1-beta1)/(sqrt(1-beta2)(1-beta1/sqrt(beta2))) (no bias correction, m0 = v0 = 0), "
            "and the drift's sign decides divergence. In the corner beta1 >= sqrt(beta2) the "
            "bound does not exist: after the gradients shrink (near x*), m remembers larger "
            "gradients than v, so steps are unbounded; the sequential verdicts there are "
            "measured and reported next to the in-scope ones, from both sides of x*."
        ),
        source=(
            "Zhang et al. 2022, Figure 1(d) (schematic divergence in the corner); docs/theory "
            "§3.2; the step bound is derived (docs/theory/counterexamples.md)"
        ),
        provenance="derived",
        report_rule=(
            "reported: n = 10, a in {1, 1/81}, cyclic order (mu exact), starts x0 = 5 and "
            "-2.5, beta1 in [0.5, 0.99] x beta2 in [0, 0.9]; per (corner | scope) x (mu > 0.05 "
            "| mu < -0.05): the fraction of sequential verdicts (adamtheory.kernels.atlas, "
            "alpha = 0.01, <= 1024 epochs) that agree with sign(mu), the fraction undecided, "
            "and the fraction that settled at x* (|x - x*| <= 0.05 max(1, |x0 - x*|))"
        ),
        check=_corner,
        reported=True,
    ),
    Claim(
        id="Z-CONV",
        title="Convergence side: D0 = 0 converges; D0 > 0 floor shrinks as beta2 -> 1",
        statement=(
            "For beta1 < sqrt(beta2) with beta2 large (mu > 0), eta_k = eta/sqrt(k): "
            "with D0 = 0, min_k |grad f(x_k)| -> 0 at least as fast as the theorem's "
            "O(log T/sqrt(T)); with D0 > 0 (quadratic finite sum) Adam settles at the point "
            "x_hat where its stationary mean direction vanishes, and |grad f(x_hat)|² "
            "shrinks no slower than (1-beta2)^1."
        ),
        source="Zhang et al. 2022 Thm 1 / thesis Thm 2.2",
        provenance="secondary",
        rule=rules.all_of(
            rate=_RateOrResolution(rules.slope("upper", tolerance=CONV_LOG_ALLOWANCE)),
            floor=rules.slope("lower"),
            settle=rules.close_to(0.10),
        ),
        scope=(
            "[rate] D0 = 0 (beta1 = 0.9, beta2 = 0.999): the mean over 16 runs of the "
            "running minimum of |grad f| vs the epoch, p = -1/2 (+0.1 for the log factor); "
            "[floor] D0 > 0: log (x_hat - x*)² vs log(1 - beta2), p = 1; [settle] where direct "
            "runs (beta2 = 0.5) end, as a fraction of the way from x* to x_hat, against 1"
        ),
        evaluate=lambda ctx: _conv(ctx, 0.999),
        sensitivity=(
            rules.assumption(
                "beta2 = 0.5 for D0 = 0 (inside the divergence region)",
                lambda ctx: _conv(ctx, 0.5),
                target="the convergence condition violated",
                control=True,
            ),
            rules.shift(
                2.0,
                part="floor",
                name="floor exponent 3",
                target="exponent off by 2 (the old control's exponent 3)",
            ),
            rules.shift(-0.5, part="rate", target="exponent off by 1/2"),
            rules.shift(0.5, part="floor", target="exponent off by 1/2"),
            rules.shift(0.25, part="floor", target="exponent off by 1/4", required=False),
            rules.replace(
                0.0,
                part="settle",
                name="direct runs settle at x*",
                target="no D0 > 0 offset (x_hat = x*)",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "z_conv_figure"),
    ),
    Claim(
        id="CB-A1",
        title="Colour-ball lemma by exact enumeration (and its n-ball generalisation)",
        statement=(
            "With two balls drawn without replacement each epoch in uniformly random "
            "order, E[m0 + m1 - f0 - f1] = -beta^(2k-1)(c0+c1)/2; for n balls the gap "
            "follows from linearity (each draw's marginal is uniform: the identity holds "
            "for any law whose every draw is uniform on the labels, with or without "
            "replacement, and fails otherwise)."
        ),
        source="Zhang, talk 'Converge or diverge? A story of Adam', Lemma A.1",
        provenance="derived",
        rule=rules.exact(),
        scope=(
            "per case, the gap by exact rational enumeration over all orders against the "
            "stated form (Lemma A.1 for n = 2, the general-n closed form)"
        ),
        evaluate=lambda ctx: _colour(ctx, sp.Rational(1, 2)),
        sensitivity=(
            rules.assumption(
                "epochs drawn in a non-uniform order (c0 first with probability 7/10)",
                lambda ctx: _colour(ctx, sp.Rational(7, 10)),
                target="the lemma's uniformly random permutations violated",
                control=True,
            ),
            rules.relative(1e-8),
            rules.relative(
                1e-8,
                part="n=4, k=2 (closed form)",
                name="one stated form off by 1e-8 (n = 4, k = 2)",
                target="identity: a local 1e-8 error",
            ),
        ),
    ),
)
