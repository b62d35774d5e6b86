r"""O2NC guarantees checked by runs (AMC25 Corollaries 4.1, 4.2, 5.1; 2602.08372 Theorem 5; AC24's
coordinate-wise claim; measured rates), plus the schedule-free identity SF-EQ.

Every bound check follows docs/theory §5: the measured quantity is
:math:`\mathbb E_\tau U_\tau` per trajectory (:math:`U_t \ge \|\nabla F(\bar y_t)\|_{[\lambda]}`,
computed with exact gradients; τ's law integrated exactly), the prediction is the corollary's
bound at its threshold T with the toolkit's derived parameters
(:mod:`adamtheory.theory.o2nc_params`), and the verdict per problem is
:func:`adamtheory.rules.upper_bound`'s: *pass* when the upper end of the one-sided 95%
t-interval of the mean is ≤ the bound, *fail* when the lower end exceeds it, else
*inconclusive*. The target ε of each problem is a fixed fraction of its initial gradient norm,
so the bound is never met at the start: a run that does not make progress fails (this is what the
negative controls, which cut T by 100, show).
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
from ..kernels.conversion import BetaOMD, ClippedAdamLearner, o2nc_run, schedule_free_sgd
from ..problems import cosine_landscape
from ..problems.o2nc_base import isotropic_noise
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


def _corollary(ctx: Context, claim_id: str, shrink: float) -> Evidence:
    conversion, factor = _OPTIONS[claim_id]
    quick = ctx.profile == "quick"
    lam = 0.02 if quick else 0.25
    batch = 8 if quick else 32
    rows, data, prediction = [], {}, {}
    for k, s in enumerate(_setups(ctx.profile, 8.0 if quick else 12.0)):
        p = o2nc_params.o2nc_parameters(s.epsilon, lam, s.G, s.sigma, s.delta_F)
        noise = isotropic_noise(s.sigma, s.problem.dim)
        seed = int(ctx.rng(k).integers(2**31))
        common = dict(batch=batch, noise=noise, lam=lam, tau_law="amc25", seed=seed, x0=s.x0)
        if conversion == "anchored":
            # Option II: AMC25's epoch length and count; the learner is tuned for a comparator
            # of norm D·T (the distance Option I covers in one epoch), momentum as in Option I.
            T = max(1, math.ceil(p.T_epoch_cor42 / shrink))
            epochs = max(1, math.ceil(p.N_cor42 / shrink))
            D_epoch = p.D * T
            eta = 2 * D_epoch * math.sqrt(1 - p.beta) / (s.G + s.sigma)
            learner = BetaOMD(eta, p.beta, p.eta * p.mu / eta)
            ds = o2nc_run(s.problem, learner, conversion=conversion, T=T, epochs=epochs, **common)
            steps = T * epochs
        else:
            T = p.T_ours if quick else (p.T_cor41 if conversion == "uniform" else p.T_cor51)
            T = max(1, math.ceil(T / shrink))
            ds = o2nc_run(
                s.problem, BetaOMD(p.eta, p.beta, p.mu), conversion=conversion, T=T, **common
            )
            steps = T
        bound = factor * s.epsilon
        # a frozen (diverged / non-finite gradient) run is no sample: NaN makes the rule error
        samples = np.where(ds.valid.values, ds.U_tau.values, np.nan)
        data[s.name], prediction[s.name] = samples, bound
        mean, lo, hi = _ci(samples)
        rows.append(
            {
                "problem": s.name,
                "epsilon": s.epsilon,
                "bound": bound,
                "steps": steps,
                "U_mean": mean,
                "U_upper95": hi,
                "U_lower95": lo,
                "gradnorm_mean": float(ds.gradnorm_tau.mean()),
                "g0": s.g0,
                "G": s.G,
                "sigma": s.sigma,
                "delta_F": s.delta_F,
                "beta": p.beta,
                "D": p.D,
                "verdict": _BOUND.decide(samples, bound).verdict,
                "tightness": mean / bound,
                "trace_step": ds.step.values[::4].tolist(),
                "trace_U": ds.U_trace.mean("traj").values[::4].tolist(),
            }
        )
    which = "our derived T" if quick and conversion != "anchored" else "the published T"
    return Evidence(
        data,
        prediction,
        values={
            "rows": rows,
            "lambda": lam,
            "batch": batch,
            "shrink": shrink,
            "learner": "β-OMD",
            "conversion": conversion,
        },
        predicted=(
            f"E_tau U_tau <= {factor:g} eps at {which} (eps = |grad F(x0)|/"
            f"{8 if quick else 12}, lambda = {lam})"
        ),
        measured=_steps_and_tightness(rows, "bound"),
    )


# ----------------------------------------------------------------------------- Theorem 5


def _theorem5(ctx: Context, shrink: float) -> Evidence:
    quick = ctx.profile == "quick"
    lam = 0.02 if quick else 0.25
    batch = 8 if quick else 32
    rows, data, prediction = [], {}, {}
    for k, s in enumerate(_setups(ctx.profile, 2.0 if quick else 3.0)):
        p = o2nc_params.theorem5_parameters(s.epsilon, lam, s.G, 0.0, s.delta_F)
        learner = ClippedAdamLearner(
            D=p.D, beta1=p.beta1, beta2=p.beta2, gamma=p.gamma, nu=p.nu, coordinatewise=False
        )
        T = max(1, math.ceil(p.T / shrink))
        ds = o2nc_run(
            s.problem,
            learner,
            conversion="exponential",
            T=T,
            batch=batch,
            lam=lam,
            tau_law="uniform",
            seed=int(ctx.rng(k).integers(2**31)),
            x0=s.x0,
        )
        samples = np.where(ds.valid.values, ds.U_tau.values, np.nan)
        data[s.name], prediction[s.name] = samples, s.epsilon
        mean, _, hi = _ci(samples)
        rows.append(
            {
                "problem": s.name,
                "epsilon": s.epsilon,
                "steps": T,
                "U_mean": mean,
                "U_upper95": hi,
                "beta1": p.beta1,
                "beta2": p.beta2,
                "D": p.D,
                "verdict": _BOUND.decide(samples, s.epsilon).verdict,
                "tightness": mean / s.epsilon,
                "bound": s.epsilon,
                "trace_step": ds.step.values[::4].tolist(),
                "trace_U": ds.U_trace.mean("traj").values[::4].tolist(),
            }
        )
    return Evidence(
        data,
        prediction,
        values={
            "rows": rows,
            "lambda": lam,
            "batch": batch,
            "shrink": shrink,
            "learner": "clipped Adam (global clip)",
            "conversion": "exponential",
        },
        predicted=(
            "E_tau U_tau <= eps at Theorem 5's T (global clip, exponential conversion, sigma = 0)"
        ),
        measured=_steps_and_tightness(rows, "eps"),
    )


def _bound_sensitivity(rerun: Any, what: str) -> tuple[rules.Perturbation, ...]:
    """The bound claims' perturbations: the old control (``rerun(ctx)`` with T cut by 100),
    and the bound made 2x, 4x and 10x more optimistic (free)."""
    return (
        rules.assumption(
            f"{what} cut by 100",
            rerun,
            control=True,
            target="the stated T 100x too generous (progress is needed)",
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
    """``((problem, eps values, hitting times (eps, traj)), ...)``: a pure function of its
    arguments, memoised so that repeated evaluations (tests, reports) share one measurement."""
    quick = profile == "quick"
    lam = 0.02 if quick else 0.25
    # 4 eps < |grad F(x0)| / 2 throughout, so no target is met at the start
    divisors = np.geomspace(8.0, 80.0, 4 if quick else 7)
    setups = _setups("quick", 1.0)[:1] if quick else _setups("full", 1.0)[:2]
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=spawn_key))
    out = []
    for s in setups:
        eps_list, times = [], []
        for div in divisors:
            eps = s.g0 / div
            p = o2nc_params.o2nc_parameters(eps, lam, s.G, s.sigma, s.delta_F)
            ds = o2nc_run(
                s.problem,
                BetaOMD(p.eta, p.beta, p.mu),
                conversion="uniform",
                T=p.T_ours,
                batch=4 if quick else 16,
                lam=lam,
                tau_law="uniform",
                noise=isotropic_noise(s.sigma, s.problem.dim),
                seed=int(rng.integers(2**31)),
                x0=s.x0,
                lower=False,
                stop_below=4 * eps,
                checkpoints=np.unique(np.round(np.geomspace(1, p.T_ours, 80)).astype(int)),
            )
            eps_list.append(eps)
            times.append(tuple(_hitting_times(ds, 4 * eps).tolist()))
        out.append((s.name, tuple(eps_list), tuple(times)))
    return tuple(out)


_SLOPE_EXPONENT = -3.5
_SLOPE_RULE = _HittingSlope("lower")


def _slope(ctx: Context) -> Evidence:
    lam = 0.02 if ctx.profile == "quick" else 0.25
    measurement = _hitting_measurement(
        ctx.profile, int(ctx.seed.entropy), tuple(ctx.seed.spawn_key)
    )
    rows, data, prediction = [], {}, {}
    for name, eps_values, times in measurement:
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
            f"{len(measurement[0][1]) if measurement else 0} eps values, pooled"
        ),
    )


# ----------------------------------------------------------------------------- COORD

_COORD_DIMS = (10, 100, 1000)
_FLAT_RANGE = _InRange(1 / 3, 3.0)
_SPIKY_GAIN = _InRange(2.0, math.inf)


def _coord(ctx: Context, both_global: bool) -> Evidence:
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
                learner = ClippedAdamLearner(D=radius, beta1=beta, coordinatewise=coordinatewise)
                ds = o2nc_run(
                    problem,
                    learner,
                    conversion="uniform",
                    T=T,
                    batch=2 if quick else 8,
                    seed=int(rng.integers(2**31)),
                    lower=False,
                    trace_points=10,
                )
                res[arm] = ds.gradnorm1_final.values
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
    return Claim(
        id=claim_id,
        title=title,
        statement=statement,
        source=source,
        provenance="primary",
        rule=rules.each_of(_BOUND, at_least=3, label="problem"),
        scope=(
            f"per problem, E_tau U_tau over trajectories against {factor:g} eps "
            "(eps = |grad F(x0)|/8 quick, /12 full)"
        ),
        evaluate=lambda ctx: _corollary(ctx, claim_id, 1.0),
        sensitivity=_bound_sensitivity(lambda ctx: _corollary(ctx, claim_id, 100.0), what),
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
        "AMC25 Corollary 4.1",
    ),
    _corollary_claim(
        "O2NC-COR42",
        "Option II (anchored) + beta-OMD reaches 4 eps (AMC25 Cor. 4.2)",
        "The anchored conversion, N >= 4 Delta_F lambda^1/2 eps^-3/2 epochs of T >= 49(G+sigma)²"
        " eps^-2 steps, reaches E||grad F(ybar)||_[lambda] <= 4 eps.",
        "AMC25 Corollary 4.2",
    ),
    _corollary_claim(
        "O2NC-COR51",
        "Schedule-free SGD reaches 5 eps (AMC25 Cor. 5.1)",
        "Option III (schedule-free SGD) with the model EMA reaches E||grad F(ybar_tau)||_[lambda]"
        " <= 5 eps at T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2.",
        "AMC25 Corollary 5.1",
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
        rule=rules.each_of(_BOUND, at_least=3, label="problem"),
        scope=(
            "per problem, E_tau U_tau over trajectories against eps (eps = |grad F(x0)|/2 "
            "quick, /3 full; sigma = 0)"
        ),
        evaluate=lambda ctx: _theorem5(ctx, 1.0),
        sensitivity=_bound_sensitivity(lambda ctx: _theorem5(ctx, 100.0), "T"),
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
            "per problem, log T_hit on log eps (every trajectory's T_hit at each eps) "
            "against the exponent -7/2"
        ),
        evaluate=_slope,
        sensitivity=(
            rules.replace(
                -1.0,
                name="the exponent -1 (too optimistic)",
                control=True,
                target="a rate far too optimistic (eps^-1)",
            ),
            rules.shift(+0.5, target="exponent off by 1/2"),
            rules.shift(+0.25, target="exponent off by 1/4", required=False),
            # a looser worst-case exponent is still a true statement: a one-sided rule cannot
            # reject it, so it is declared but not required (a two-sided test on a hard
            # instance, where the lower bound is the prediction too, can)
            rules.shift(
                -0.5,
                target="exponent off by 1/2 (more pessimistic; undetectable by a one-sided rule)",
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
