r"""O2NC guarantees checked by runs (AMC25 Corollaries 4.1, 4.2, 5.1; 2602.08372 Theorem 5; AC24's
coordinate-wise claim; measured rates), plus the schedule-free identity SF-EQ.

Every bound check follows docs/theory §5. It runs on **certified instances** (radial Huber
wells, and for COR41 also the cliff and ramp built to approach the quasi-static ceiling of
:mod:`adamtheory.theory.o2nc_slack`; :mod:`adamtheory.problems.o2nc_hard`) whose start point is
certified *not* to meet the target: the exact (λ, ε) measure at the start (0.8G on the wells, G
on the cliff) is 1.1× the bound (a claim refuses an instance with no
certified lower estimate, :func:`hard_setup`). The runs use the fused Numba kernel
(:mod:`adamtheory.kernels.o2nc_fused`) at each option's parameters with μ ≥ μ_required
(:func:`adamtheory.theory.o2nc_params.option_parameters`). Per instance the data are the
τ-averaged upper estimate :math:`\mathbb E_\tau U_\tau` and the τ-averaged certified lower
estimate of the measure at the output; :func:`adamtheory.rules.upper_bound` passes when the upper
end of the one-sided 95% t-interval of mean U is ≤ the bound, fails when the lower end of the
lower estimates' interval exceeds it, else is inconclusive. ``values["rows"]`` carry ``bound``,
``measured_mean``, ``measured_upper``, ``start_lower_estimate``, ``tightness`` (measured/bound),
``mu`` and ``mu_required``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from scipy import stats

from .. import rules
from ..kernels.conversion import BetaOMD, o2nc_run, schedule_free_sgd
from ..problems import cosine_landscape
from ..problems.o2nc_coords import coordinate_scale, flat_scales, spiky_scales
from ..problems.o2nc_suite import double_well, log_cosh_valley, smoothed_cone
from ..rules import relative_error
from ..theory import o2nc_params
from .base import Claim, Context, Evidence, lazy_figure

TOLERANCE = 1e-12


@dataclass(frozen=True)
class Setup:
    """One test problem with its start, constants, noise and target ε."""

    name: str
    problem: Any
    x0: np.ndarray
    G: float
    sigma: float
    delta_F: float
    g0: float
    epsilon: float


def _setups(profile: str, divisor: float) -> list[Setup]:
    """The problems of the corollary checks; ε = ‖∇F(x0)‖ / divisor."""
    cos = cosine_landscape([1.0, 2.0])
    problems = [
        ("smoothed cone (d=2, rho=0.1)", smoothed_cone(2, 0.1, x0=[0.4, 0.4]), None),
        ("cosine landscape (a=1,2)", cos, np.pi / (2 * np.asarray(cos.frequencies))),
        ("log-cosh valley (d=2)", log_cosh_valley(2, valley_width=3.0), None),
        ("double well (d=1)", double_well(1, x0=[0.55]), None),
    ]
    if profile == "quick":
        problems = problems[:3]
    out = []
    for name, problem, start in problems:
        x0 = np.asarray(problem.x0 if start is None else start, dtype=np.float64)
        c = problem.o2nc_constants
        f0 = float(problem.value(x0[None])[0])
        g0 = float(np.linalg.norm(problem.grad(x0[None])))
        sigma = 0.25 * c.G
        out.append(Setup(name, problem, x0, c.G, sigma, f0 - c.f_star, g0, g0 / divisor))
    return out


@dataclass(frozen=True)
class HardSetup:
    """A certified instance of a bound check: the start's certified lower estimate of the
    (lambda, eps) measure exceeds the bound (docs/theory §5), with lambda chosen so that the
    estimate is exact at the start."""

    name: str
    problem: Any
    lam: float
    G: float
    sigma: float
    delta_F: float
    start_lower: float
    epsilon: float


#: the bound 4 eps sits this factor below the start's certified measure
_START_MARGIN = 1.1


def hard_setup(name: str, problem: Any, sigma_over_G: float, factor: float) -> HardSetup:
    """Certify a :class:`~adamtheory.problems.o2nc_hard.HuberWell` start and pick eps so that
    ``factor`` eps = (certified start measure) / 1.1; refuse (ValueError) otherwise."""
    lower = getattr(problem, "stationarity_lower", None)
    if lower is None:
        raise ValueError(
            f"instance {name!r} has no certified lower estimate (stationarity_lower): a bound "
            "check needs one to certify that the start does not meet the target"
        )
    c = problem.o2nc_constants
    x0 = np.asarray(problem.x0, dtype=np.float64)
    # the smallest lambda at which the estimate is exact at x0 (HuberWell: h/(4(r - |x0|)))
    lam = problem.curvature / (4.0 * (problem.r - float(np.linalg.norm(x0))))
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"instance {name!r}: x0 must lie inside the bowl (|x0| < r)")
    start = float(lower(x0[None], lam)[0])
    eps = start / (_START_MARGIN * factor)
    if not start > factor * eps:  # pragma: no cover - guarded by the construction
        raise ValueError(f"instance {name!r}: the start already meets the bound")
    return HardSetup(name, problem, lam, c.G, sigma_over_G * c.G, c.delta_F, start, eps)


def _hard_setups(profile: str, factor: float) -> list[HardSetup]:
    from ..problems.o2nc_hard import huber_well

    out = [
        hard_setup("Huber well (d=1, x0 = 0.8 r)", huber_well(1, start=0.8), 0.25, factor),
        hard_setup("Huber well (d=2, x0 = 0.8 r)", huber_well(2, start=0.8), 0.25, factor),
    ]
    if profile != "quick":
        out.append(hard_setup("Huber well (d=1, sigma = G)", huber_well(1, start=0.8), 1.0, factor))
    return out


def cliff_setup(factor: float, sigma_over_G: float = 0.25) -> HardSetup:
    """A :class:`~adamtheory.problems.o2nc_hard.CliffRamp` instance for Option I: eps =
    g0/(1.1 ``factor``), ramp slope 0.7 eps, lambda at which the start's estimate is exact
    (the instance nearest the quasi-static ceiling of :mod:`adamtheory.theory.o2nc_slack`)."""
    from ..problems.o2nc_hard import cliff_ramp

    eps = 1.0 / (_START_MARGIN * factor)
    problem = cliff_ramp(eps)
    lam = problem.certify_lambda()
    start = float(problem.stationarity_lower(np.asarray(problem.x0)[None], lam)[0])
    if not start > factor * eps:  # pragma: no cover - guarded by the construction
        raise ValueError("cliff and ramp: the start already meets the bound")
    c = problem.o2nc_constants
    name = "cliff and ramp (d=1, g1 = 0.7 eps)"
    return HardSetup(name, problem, lam, c.G, sigma_over_G * c.G, c.delta_F, start, eps)


_HARD_OPTIONS = {"O2NC-COR41": "I", "O2NC-COR42": "II", "O2NC-COR51": "III"}


def _hard_corollary(ctx: Context, claim_id: str, shrink: float) -> Evidence:
    """The corollary on certified instances (fused kernel): data per instance are U (upper
    estimate, pass) and the certified lower estimate of the measure at the output (fail), both
    tau-averaged, at the option's parameters with mu >= mu_required."""
    from ..kernels.o2nc_fused import huber_omd_run  # Numba: imported when a run needs it

    conversion, factor = _OPTIONS[claim_id]
    option = _HARD_OPTIONS[claim_id]
    quick = ctx.profile == "quick"
    batch = 16 if quick else 64
    rows, data, prediction = [], {}, {}
    setups = _hard_setups(ctx.profile, factor)
    if option == "I":  # the cliff and ramp is built for Option I's drift (o2nc_slack)
        setups.append(cliff_setup(factor))
    for k, s in enumerate(setups):
        q = o2nc_params.option_parameters(option, s.epsilon, s.lam, s.G, s.sigma, s.delta_F)
        T, epochs = q.T, q.epochs
        if option == "I" and not quick:  # the full profile runs to the published T
            T = o2nc_params.o2nc_parameters(s.epsilon, s.lam, s.G, s.sigma, s.delta_F).T_cor41
        T = max(1, math.ceil(T / shrink))
        epochs = max(1, math.ceil(epochs / shrink))
        out = huber_omd_run(
            s.problem,
            eta=q.eta,
            beta=q.beta,
            mu=q.mu,
            sigma=s.sigma,
            lam=s.lam,
            T=T,
            conversion=conversion,
            epochs=epochs,
            seed=int(ctx.rng(k).integers(2**31)),
            trajectories=batch,
        )
        bound = factor * s.epsilon
        ceiling = _quasi_static_ceiling(option, s, T)
        samples, lower = out["U_tau"], out["lower_tau"]
        data[s.name] = {"samples": samples, "lower": lower}
        prediction[s.name] = bound
        decision = _BOUND.decide(data[s.name], bound)
        mean, _, hi = _ci(samples)
        rows.append(
            {
                "problem": s.name,
                "epsilon": s.epsilon,
                "lambda": s.lam,
                "bound": bound,
                "steps": T * epochs,
                "T": T,
                "epochs": epochs,
                "measured_mean": mean,
                "measured_upper": hi,
                "lower_mean": float(np.mean(lower)),
                "start_lower_estimate": s.start_lower,
                "tightness": mean / bound,
                "quasi_static_ceiling": ceiling,
                "G": s.G,
                "sigma": s.sigma,
                "delta_F": s.delta_F,
                "beta": q.beta,
                "D": q.D,
                "eta": q.eta,
                "mu": q.mu,
                "mu_required": q.mu_required,
                "C_x": q.C_x,
                "max_query_grad": float(np.max(out["max_query_grad"])),
                "verdict": decision.verdict,
                # the figure's names
                "U_mean": mean,
                "U_upper95": hi,
                "trace_step": out["trace_step"].tolist(),
                "trace_U": np.mean(out["trace_U"], axis=0).tolist(),
            }
        )
    return Evidence(
        data,
        prediction,
        values={
            "rows": rows,
            # one lambda for the figure's title only when every instance shares it
            "lambda": rows[0]["lambda"] if len({r["lambda"] for r in rows}) == 1 else None,
            "batch": batch,
            "shrink": shrink,
            "learner": "β-OMD",
            "conversion": conversion,
            "option": option,
            "start_margin": _START_MARGIN,
            "kernel": "kernels.o2nc_fused (Numba)",
        },
        predicted=(
            f"E_tau ||grad F(ybar_tau)||_[lambda] <= {factor:g} eps (Option {option}, mu >= "
            "mu_required), on instances whose start is certified above the bound (by 1.1x)"
        ),
        measured=_steps_and_tightness(rows, "bound")
        + (
            "; quasi-static ceiling " + ", ".join(f"{r['quasi_static_ceiling']:.3g}" for r in rows)
            if option == "I"
            else ""
        )
        + "; start certified "
        + ", ".join(f"{r['start_lower_estimate']:.3g} > {r['bound']:.3g}" for r in rows)
        + "; mu/mu_required "
        + ", ".join(f"{r['mu'] / r['mu_required']:.6g}" for r in rows),
    )


def _quasi_static_ceiling(option: str, s: HardSetup, T: int) -> float | None:
    r"""Option I only: the most a quasi-static run can reach of the bound 4ε at T steps,
    :math:`\sqrt{\Delta_F/(kT)}/(4\varepsilon)` (:mod:`adamtheory.theory.o2nc_slack`; ≈ 0.204 at
    our T), ``None`` where our T is not on its Δ_F branch or for Options II/III."""
    if option != "I":
        return None
    from ..theory import o2nc_slack

    branch = 36 * s.delta_F * math.sqrt(s.lam) * (s.G + s.sigma) ** 2 * s.epsilon**-3.5
    if branch < 6 * (s.G + s.sigma) ** 2 / s.epsilon**2:
        return None
    at_ours = o2nc_slack.tightness_ceiling_value(s.epsilon, s.lam, s.G, s.sigma)
    return at_ours * math.sqrt(branch / T) if T > 0 else None


def _ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and one-sided ``level`` lower/upper t-bounds."""
    v = np.asarray(values, dtype=np.float64)
    mean = float(v.mean())
    if v.size < 2:
        return mean, -math.inf, math.inf
    half = float(stats.t.ppf(level, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, mean - half, mean + half


# ----------------------------------------------------------------------------- local rules


@dataclass(frozen=True)
class _HittingSlope(rules.Slope):
    """:class:`adamtheory.rules.Slope`, except that a run that never reached the target within
    the predicted T (a non-finite hitting time) fails the problem, as it always did."""

    def describe(self) -> str:
        return (
            f"{super().describe()}; a run that never reaches the target within the "
            "predicted T fails"
        )

    def decide(self, data: Any, prediction: Any) -> rules.Decision:
        if (
            isinstance(data, Mapping)
            and "y" in data
            and not np.all(np.isfinite(np.asarray(data["y"], dtype=np.float64)))
        ):
            return rules.Decision(
                "fail",
                "some runs never reached 4 eps within the predicted T",
                threshold=float(prediction),
            )
        return super().decide(data, prediction)


@dataclass(frozen=True)
class _InRange:
    """A predicate ``low <= value <= high`` (a prediction for :func:`adamtheory.rules.every`)
    that prints as its range."""

    low: float
    high: float

    def __call__(self, value: float) -> bool:
        return bool(self.low <= float(value) <= self.high)

    def __str__(self) -> str:
        return f"in [{self.low:.3g}, {self.high:.3g}]"


_BOUND = rules.upper_bound(0.95)


def _steps_and_tightness(rows: list[dict[str, Any]], bound: str) -> str:
    """The details of the bound claims' Evidence: T and E U / bound, by problem."""
    steps = ", ".join(str(r["steps"]) for r in rows)
    tight = ", ".join(f"{r['tightness']:.2g}" for r in rows)
    return f"T = {steps}; E U / {bound} = {tight} (by problem)"


# ----------------------------------------------------------------------------- corollaries

_OPTIONS = {
    "O2NC-COR41": ("uniform", 4.0),
    "O2NC-COR42": ("anchored", 4.0),
    "O2NC-COR51": ("schedule-free", 5.0),
}


# ----------------------------------------------------------------------------- Theorem 5


def _hard_theorem5(ctx: Context, shrink: float) -> Evidence:
    """Theorem 5 on the certified Huber wells (fused kernel, exponential conversion, clipped
    Adam with a global clip, uniform tau, sigma = G/4)."""
    from ..kernels.o2nc_fused import huber_omd_run

    quick = ctx.profile == "quick"
    batch = 16 if quick else 64
    rows, data, prediction = [], {}, {}
    for k, s in enumerate(_hard_setups(ctx.profile, 1.0)):
        p = o2nc_params.theorem5_parameters(s.epsilon, s.lam, s.G, s.sigma, s.delta_F)
        T = max(1, math.ceil(p.T / shrink))
        out = huber_omd_run(
            s.problem,
            eta=1.0,
            beta=p.beta1,
            mu=0.0,
            sigma=s.sigma,
            lam=s.lam,
            T=T,
            conversion="exponential",
            seed=int(ctx.rng(k).integers(2**31)),
            trajectories=batch,
            tau_law="uniform",
            adam={"D": p.D, "beta2": p.beta2, "gamma": p.gamma, "nu": p.nu},
        )
        samples, lower = out["U_tau"], out["lower_tau"]
        data[s.name] = {"samples": samples, "lower": lower}
        prediction[s.name] = s.epsilon
        mean, _, hi = _ci(samples)
        rows.append(
            {
                "problem": s.name,
                "epsilon": s.epsilon,
                "lambda": s.lam,
                "bound": s.epsilon,
                "steps": T,
                "measured_mean": mean,
                "measured_upper": hi,
                "lower_mean": float(np.mean(lower)),
                "start_lower_estimate": s.start_lower,
                "tightness": mean / s.epsilon,
                "sigma": s.sigma,
                "beta1": p.beta1,
                "beta2": p.beta2,
                "D": p.D,
                "verdict": _BOUND.decide(data[s.name], s.epsilon).verdict,
                "U_mean": mean,
                "U_upper95": hi,
                "trace_step": out["trace_step"].tolist(),
                "trace_U": np.mean(out["trace_U"], axis=0).tolist(),
            }
        )
    return Evidence(
        data,
        prediction,
        values={
            "rows": rows,
            "lambda": rows[0]["lambda"],
            "batch": batch,
            "shrink": shrink,
            "learner": "clipped Adam (global clip)",
            "conversion": "exponential",
            "kernel": "kernels.o2nc_fused (Numba)",
        },
        predicted=(
            "E_tau ||grad F(xbar_tau)||_[lambda] <= eps at Theorem 5's T (global clip, "
            "exponential conversion), on instances whose start is certified above eps (by 1.1x)"
        ),
        measured=_steps_and_tightness(rows, "eps")
        + "; start certified "
        + ", ".join(f"{r['start_lower_estimate']:.3g} > {r['bound']:.3g}" for r in rows),
    )


def _bound_sensitivity(rerun: Any, what: str, cut: float = 100.0) -> tuple[rules.Perturbation, ...]:
    """The bound claims' perturbations: the control (``rerun(ctx)`` with T cut by ``cut``),
    and the bound made 2x, 4x and 10x more optimistic (free)."""
    return (
        rules.assumption(
            f"{what} cut by {cut:g}",
            rerun,
            control=True,
            target=f"the stated T {cut:g}x too generous (progress is needed)",
        ),
        rules.scale(0.5, target="bound 2x too optimistic"),
        rules.scale(0.25, target="bound 4x too optimistic"),
        rules.scale(0.1, target="bound 10x too optimistic", required=False),
    )


# ----------------------------------------------------------------------------- SF-EQ

_SF_CONFIGS = ((0.05, 0.9, 0.3), (0.01, 0.99, 0.0), (0.2, 0.5, 2.0))


def _sf_eq(ctx: Context, faithful: bool) -> Evidence:
    relations = o2nc_params.schedule_free_relations()
    rng = ctx.rng(0)
    steps = 300 if ctx.profile == "quick" else 3000
    paths, expected = {}, {}
    problems = [cosine_landscape([1.0, 2.0, 0.5]), log_cosh_valley(3, valley_width=3.0)]
    for problem in problems:
        for eta, beta, mu in _SF_CONFIGS:
            B, d = 4, problem.dim
            u = rng.random((steps, B))
            xi = 0.3 * rng.standard_normal((steps, B, d))
            learner = BetaOMD(eta, beta, mu)
            zeta = learner.momentum
            ds = o2nc_run(
                problem,
                learner,
                conversion="schedule-free",
                T=steps,
                batch=B,
                s_draws=u,
                noise_draws=xi,
                record_path=True,
                lower=False,
                x0=problem.x0,
            )
            # control: the beta-OMD iterate itself played (gamma off by the factor zeta)
            gamma = eta / (1 - zeta) if faithful else zeta * eta / (1 - zeta)
            ys = schedule_free_sgd(
                problem, problem.x0, gamma=gamma, zeta=zeta, kappa=1 - (1 - zeta) * u, noise=xi
            )
            key = f"{problem.name} (eta={eta:g}, beta={beta:g}, mu={mu:g})"
            paths[key], expected[key] = np.asarray(ds.path.values, dtype=np.float64), ys
    errors = {k: relative_error(paths[k], expected[k]) for k in paths}
    worst = max(errors.values())
    return Evidence(
        {"symbolic": dict(relations), "numeric": paths},
        {"symbolic": {k: 0 for k in relations}, "numeric": expected},
        values={
            "max_rel_error": worst,
            "errors": errors,
            "symbolic": {k: str(v) for k, v in relations.items()},
        },
        predicted=f"SymPy relations exactly 0; O2NC form = schedule-free SGD to {TOLERANCE:g}",
        measured=f"query points over {steps} steps x {len(paths)} configurations",
    )


def _one_query_off(prediction: dict[str, Any]) -> dict[str, Any]:
    """The schedule-free query points wrong by 1e-8 (relative) at the last step of one
    trajectory of one configuration only."""
    numeric = dict(prediction["numeric"])
    first = next(iter(numeric))
    path = np.array(numeric[first], dtype=np.float64)
    path[-1, 0, 0] += 1e-8 * float(np.max(np.abs(path)))
    numeric[first] = path
    return {**prediction, "numeric": numeric}


# ----------------------------------------------------------------------------- SLOPE


def _hitting_times(ds: Any, target: float) -> np.ndarray:
    """Per trajectory: first checkpoint where the running uniform-τ mean of U is ≤ target."""
    running = ds.U_running.values  # (checkpoint, traj)
    ck = ds.checkpoint.values
    hit = running <= target
    first = np.where(hit.any(axis=0), ck[np.argmax(hit, axis=0)], np.nan)
    return first.astype(np.float64)


@cache
def _hitting_measurement(profile: str, entropy: int, spawn_key: tuple[int, ...]) -> tuple:
    """``((problem, eps values, hitting times (eps, traj), derived T per eps), ...)``: a pure
    function of its arguments, memoised so that repeated evaluations (tests, reports) share one
    measurement. Certified Huber wells: the start's measure (0.8, exact) exceeds 4 eps at every
    eps of the decade, so each hitting time needs progress."""
    from ..kernels.o2nc_fused import huber_omd_run
    from ..problems.o2nc_hard import huber_well

    quick = profile == "quick"
    divisors = np.geomspace(4.4, 44.0, 5 if quick else 7)
    wells = [("Huber well (d=1, x0 = 0.8 r)", huber_well(1, start=0.8))]
    if not quick:
        wells.append(("Huber well (d=2, x0 = 0.8 r)", huber_well(2, start=0.8)))
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=spawn_key))
    out = []
    for name, well in wells:
        s = hard_setup(name, well, 0.25, 4.0)
        eps_list, times, derived = [], [], []
        for div in divisors:
            eps = s.start_lower / div
            p = o2nc_params.o2nc_parameters(eps, s.lam, s.G, s.sigma, s.delta_F)
            res = huber_omd_run(
                well,
                eta=p.eta,
                beta=p.beta,
                mu=p.mu,
                sigma=s.sigma,
                lam=s.lam,
                T=p.T_ours,
                seed=int(rng.integers(2**31)),
                trajectories=8 if quick else 32,
                tau_law="uniform",
                stop_below=4 * eps,
            )
            eps_list.append(eps)
            times.append(tuple(res["hit_step"].tolist()))
            derived.append(p.T_ours)
        out.append((name, tuple(eps_list), tuple(times), tuple(derived)))
    return tuple(out)


_SLOPE_EXPONENT = -3.5
_SLOPE_RULE = _HittingSlope("lower")


def _slope(ctx: Context) -> Evidence:
    lam = 1.25  # the Huber wells' certification lambda (exact estimate at the start)
    measurement = _hitting_measurement(
        ctx.profile, int(ctx.seed.entropy), tuple(ctx.seed.spawn_key)
    )
    rows, data, prediction = [], {}, {}
    for name, eps_values, times, derived in measurement:
        times_arr = np.array(times, dtype=np.float64)  # (eps, traj)
        data[name] = {"x": np.asarray(eps_values, dtype=np.float64), "y": times_arr}
        prediction[name] = _SLOPE_EXPONENT
        if not np.all(np.isfinite(times_arr)):
            rows.append(
                {
                    "problem": name,
                    "epsilon": list(eps_values),
                    "T_hit": times_arr.tolist(),
                    "note": "some runs never reached 4 eps within the predicted T",
                }
            )
            continue
        slope, lo, hi = rules.slope_interval(
            eps_values, times_arr, _SLOPE_RULE.level, interval=_SLOPE_RULE.interval
        )
        rows.append(
            {
                "problem": name,
                "epsilon": list(eps_values),
                "T_hit_mean": times_arr.mean(axis=1).tolist(),
                "T_hit": times_arr.tolist(),
                "T_derived": list(derived),
                "T_hit_over_T_derived": (times_arr.mean(axis=1) / np.asarray(derived)).tolist(),
                "slope": slope,
                "slope_low": lo,
                "slope_high": hi,
                "predicted": _SLOPE_EXPONENT,
                "verdict": _SLOPE_RULE.decide(data[name], _SLOPE_EXPONENT).verdict,
            }
        )
    n_traj = len(measurement[0][2][0]) if measurement else 0
    return Evidence(
        data,
        prediction,
        values={"rows": rows, "lambda": lam, "learner": "β-OMD", "conversion": "uniform"},
        predicted=(f"log T_hit / log eps no steeper than {_SLOPE_EXPONENT:g} over a decade of eps"),
        measured=(
            f"T_hit of {n_traj} trajectories at each of "
            f"{len(measurement[0][1]) if measurement else 0} eps values, pooled; T_hit/T_derived "
            + "; ".join(
                ", ".join(f"{v:.3g}" for v in r.get("T_hit_over_T_derived", [])) for r in rows
            )
            + " (the schedule, not a hard instance, sets the slope)"
        ),
    )


# ----------------------------------------------------------------------------- COORD

_COORD_DIMS = (10, 100, 1000)
_FLAT_RANGE = _InRange(1 / 3, 3.0)
_SPIKY_GAIN = _InRange(2.0, math.inf)


def _coord(ctx: Context, both_global: bool) -> Evidence:
    from ..kernels.o2nc_fused import coordinate_scale_run

    quick = ctx.profile == "quick"
    dims = _COORD_DIMS
    T = 1000 if quick else 4000
    beta = 0.99
    D = 0.01
    rows = {}
    rng = ctx.rng(0)
    for kind in ("spiky", "flat"):
        for d in dims:
            scales = spiky_scales(d, kind="power", power=1.0) if kind == "spiky" else flat_scales(d)
            problem = coordinate_scale(scales)
            res = {}
            for arm, coordinatewise in (("coordinate", not both_global), ("global", False)):
                # equal budgets: the same T and the same largest step sqrt(d)·D in l2
                radius = D if coordinatewise else D * math.sqrt(d)
                # the fused kernel (equal to o2nc_run with ClippedAdamLearner to 1e-15)
                res[arm] = coordinate_scale_run(
                    problem,
                    D=radius,
                    beta=beta,
                    coordinatewise=coordinatewise,
                    T=T,
                    seed=int(rng.integers(2**31)),
                    trajectories=8 if quick else 32,
                )
            g0 = float(np.sum(np.abs(problem.grad(np.asarray(problem.x0)[None]))))
            ratio = float(res["global"].mean() / res["coordinate"].mean())
            rows[f"{kind} d={d}"] = {
                "kind": kind,
                "d": d,
                "g0_l1": g0,
                "coordinate_l1": float(res["coordinate"].mean()),
                "global_l1": float(res["global"].mean()),
                "ratio": ratio,
                "predicted_advantage": o2nc_params.coordinate_advantage(scales),
            }
    spiky = [rows[f"spiky d={d}"]["ratio"] for d in dims]
    flat = {f"d={d}": rows[f"flat d={d}"]["ratio"] for d in dims}
    return Evidence(
        {
            "spiky_grows": spiky,
            "spiky_gain": {f"d={dims[-1]} / d={dims[0]}": spiky[-1] / spiky[0]},
            "flat": flat,
        },
        {"spiky_grows": 1.0, "spiky_gain": _SPIKY_GAIN, "flat": _FLAT_RANGE},
        values={
            "rows": rows,
            "T": T,
            "beta": beta,
            "D": D,
            "learner": "clipped Adam",
            "conversion": "uniform",
        },
        predicted=(
            "spiky (a_i ~ 1/i): advantage increases with d, at least doubling from d=10 "
            "to 1000; flat: within [1/3, 3]"
        ),
        measured=(
            f"spiky gain d={dims[-1]} / d={dims[0]} = {spiky[-1] / spiky[0]:.3g}; flat "
            f"ratios {', '.join(f'{r:.3g}' for r in flat.values())} (d = {dims})"
        ),
    )


# ----------------------------------------------------------------------------- registry


def _corollary_claim(claim_id: str, title: str, statement: str, source: str) -> Claim:
    conversion, factor = _OPTIONS[claim_id]
    what = "T and the epoch count" if conversion == "anchored" else "T"
    # every corollary runs on certified instances (the old problems' starts met the target).
    # The runs leave the start's level after ~1% of our T (Option I), and the published T of
    # Cor. 4.1 (full profile) and Cor. 5.1 are 11x and 27-60x ours: a 100x cut still passes
    cut = 1e4 if claim_id == "O2NC-COR51" else 1e3
    return Claim(
        id=claim_id,
        title=title,
        statement=statement,
        source=source,
        provenance="primary",
        rule=rules.each_of(_BOUND, at_least=2, label="problem"),
        scope=(
            "per certified instance (Huber wells; for COR41 also the cliff and ramp), E_tau "
            "U_tau (pass) and the certified lower estimate (fail) over trajectories against "
            f"{factor:g} eps, eps = (certified start measure)/{1.1 * factor:g}"
        ),
        evaluate=lambda ctx: _hard_corollary(ctx, claim_id, 1.0),
        sensitivity=_bound_sensitivity(lambda ctx: _hard_corollary(ctx, claim_id, cut), what, cut),
        figure=lazy_figure("adamtheory.plots.o2nc", "corollary_figure"),
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="SF-EQ",
        title="Option III is schedule-free SGD",
        statement=(
            "AMC25 Option III with the beta-OMD learner (x_t = x_(t-1) + Delta_t, "
            "y_t = x_t + zeta u_t Delta_t, Delta_t = delta_t/zeta) produces exactly the "
            "query points of schedule-free SGD y_t = kappa_t x_t + (1-kappa_t) z_t, "
            "z_(t+1) = z_t - gamma g_t, x_t = zeta x_(t-1) + (1-zeta) z_t, with "
            "zeta = beta/(1+eta mu), gamma = eta/(1-zeta), kappa_t ~ U[zeta, 1]."
        ),
        source="AMC25 §5 (Option III); Defazio et al. 2024; docs/theory §1.5",
        provenance="derived",
        rule=rules.all_of(symbolic=rules.exact(), numeric=rules.identity(TOLERANCE)),
        scope=(
            "SymPy's relations (symbolic) and, per configuration, the O2NC query points "
            "against schedule-free SGD's (numeric)"
        ),
        evaluate=lambda ctx: _sf_eq(ctx, True),
        sensitivity=(
            rules.assumption(
                "the beta-OMD iterate delta_t played instead of delta_t/zeta",
                lambda ctx: _sf_eq(ctx, False),
                control=True,
                target="a changed update rule (gamma off by the factor zeta)",
            ),
            rules.relative(1e-8),
            rules.Perturbation(
                "one query point of one configuration off by 1e-8",
                "identity: a local 1e-8 error",
                transform=_one_query_off,
            ),
        ),
    ),
    _corollary_claim(
        "O2NC-COR41",
        "Option I + beta-OMD reaches 4 eps (AMC25 Cor. 4.1)",
        "The uniform conversion with beta-OMD and the model EMA (tau from AMC25 Def. 4) reaches "
        "E||grad F(ybar_tau)||_[lambda] <= 4 eps at T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2.",
        "AMC25 Corollary 4.1 (statement; the parameters, T and instances are ours, derived)",
    ),
    _corollary_claim(
        "O2NC-COR42",
        "Option II (anchored) + beta-OMD reaches 4 eps (AMC25 Cor. 4.2)",
        "The anchored conversion, N >= 4 Delta_F lambda^1/2 eps^-3/2 epochs of T >= 49(G+sigma)²"
        " eps^-2 steps, reaches E||grad F(ybar)||_[lambda] <= 4 eps.",
        "AMC25 Corollary 4.2 (statement and N, T; the learner's parameters are ours, derived)",
    ),
    _corollary_claim(
        "O2NC-COR51",
        "Schedule-free SGD reaches 5 eps (AMC25 Cor. 5.1)",
        "Option III (schedule-free SGD) with the model EMA reaches E||grad F(ybar_tau)||_[lambda]"
        " <= 5 eps at T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2.",
        "AMC25 Corollary 5.1 (statement and T; the parameters are ours, derived)",
    ),
    Claim(
        id="O2NC-THM5",
        title="Clipped Adam + EMA reaches eps at Theorem 5's T",
        statement=(
            "Clipped Adam (global clip, nu, gamma, beta2 >= beta1^4) in the exponential "
            "conversion with the model EMA reaches E||grad F(xbar)||_[lambda] <= eps "
            "once T >= max{(1-beta1)^-1 max{16 Delta_F sqrt(48 lambda) eps^-3/2, "
            "16(G+sigma)/eps}, ln 2/(1-beta2)}."
        ),
        source="arXiv 2602.08372 Theorem 5 (AC24 family)",
        provenance="secondary",
        rule=rules.each_of(_BOUND, at_least=2, label="problem"),
        scope=(
            "per certified instance (Huber wells), E_tau U_tau (pass) and the certified lower "
            "estimate (fail) over trajectories against eps = (certified start measure)/1.1; "
            "sigma = G/4"
        ),
        evaluate=lambda ctx: _hard_theorem5(ctx, 1.0),
        sensitivity=_bound_sensitivity(lambda ctx: _hard_theorem5(ctx, 100.0), "T"),
        figure=lazy_figure("adamtheory.plots.o2nc", "corollary_figure"),
    ),
    Claim(
        id="O2NC-SLOPE",
        title="Measured iterations to reach 4 eps grow no faster than eps^-7/2",
        statement=(
            "With the derived parameters for each eps, the smallest T at which the "
            "running E_tau U_tau <= 4 eps grows, over a decade of eps, no faster than the "
            "derived worst-case exponent eps^-7/2 (lambda fixed)."
        ),
        source="AMC25 Cor. 4.1; ZC24 lower bound; docs/theory §4, §5",
        provenance="derived",
        rule=rules.each_of(_SLOPE_RULE, label="problem"),
        scope=(
            "per certified Huber well (start measure 0.8 > 4 eps throughout), log T_hit on "
            "log eps (every trajectory's T_hit at each eps, eps = 0.8/4.4 .. 0.8/44) against "
            "the exponent -7/2"
        ),
        evaluate=_slope,
        sensitivity=(
            rules.replace(
                -1.0,
                name="the exponent -1 (too optimistic)",
                control=True,
                target="a rate far too optimistic (eps^-1)",
            ),
            rules.shift(+0.5, name="the exponent -3", target="exponent off by 1/2 (-3)"),
            rules.shift(+0.25, target="exponent off by 1/4", required=False),
            # a looser worst-case exponent is still a true statement: a one-sided rule cannot
            # reject it, so it is declared but not required (a two-sided test on a hard
            # instance, where the lower bound is the prediction too, can)
            # the Huber well is not a hard instance (its T_hit falls behind T_derived as eps
            # shrinks), so a two-sided test against -7/2 would be wrong and -4 stays undetectable
            rules.shift(
                -0.5,
                name="the exponent -4",
                target="exponent off by 1/2 (-4; undetectable by a one-sided rule)",
                required=False,
            ),
        ),
        figure=lazy_figure("adamtheory.plots.o2nc", "slope_figure"),
    ),
    Claim(
        id="COORD",
        title="Coordinate-wise clipping gains with d on spiky scales, O(1) on flat scales",
        statement=(
            "At equal budgets, coordinate-wise clipped Adam beats the global one in "
            "||grad F||_1 by a factor that grows with d in {10, 100, 1000} when the "
            "coordinate scales are spiky, and stays O(1) when they are flat (prediction: "
            "d(||G||_2)²/||G||_1²)."
        ),
        source="Ahn & Cutkosky 2024 (AC24), coordinate-wise adaptivity; docs/theory §4",
        provenance="primary",
        rule=rules.all_of(
            spiky_grows=rules.monotone(), spiky_gain=rules.every(), flat=rules.every()
        ),
        scope=(
            "ratio = mean ||grad F(ybar_T)||_1, global / coordinate-wise, at the same T and "
            "largest l2 step sqrt(d)·D; spiky_grows: the spiky ratios for d = 10, 100, 1000 "
            "(predicted increasing), spiky_gain: their d = 1000 / d = 10 quotient "
            f"(predicted {_SPIKY_GAIN}), flat: each flat ratio (predicted {_FLAT_RANGE})"
        ),
        evaluate=lambda ctx: _coord(ctx, False),
        sensitivity=(
            rules.assumption(
                "both arms global (the coordinate-wise learner removed)",
                lambda ctx: _coord(ctx, True),
                control=True,
                target="no coordinate-wise adaptivity (the mechanism removed)",
            ),
            rules.replace(
                -1.0,
                name="spiky advantage predicted to shrink with d",
                part="spiky_grows",
                target="the predicted direction in d reversed",
            ),
            # (a lambda: rules.replace calls a callable value on the old prediction)
            rules.replace(
                lambda _p: _InRange(0.0, 1.0),
                part="spiky_gain",
                name="spiky: no gain from d = 10 to 1000",
                target="no growth of the advantage with d",
            ),
            rules.replace(
                lambda _p: _InRange(3.0, math.inf),
                part="flat",
                name="flat: a gain of at least 3 predicted",
                target="flat scales gain like spiky ones (advantage >= 3)",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.o2nc", "coordinate_figure"),
    ),
)
