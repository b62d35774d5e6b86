r"""O2NC guarantees checked by runs (AMC25 Corollaries 4.1, 4.2, 5.1; 2602.08372 Theorem 5;
measured rates), plus the schedule-free identity SF-EQ. AC24's coordinate-wise claim is in
:mod:`adamtheory.claims.o2nc_coord`.

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

**Zero chains** (COR41 only; :mod:`adamtheory.problems.o2nc_chain`, kernel
:mod:`adamtheory.kernels.o2nc_chain`): at λ = ρ/2 the measure is the gradient norm exactly, so
both data are the exact τ-averaged measure, bracketed by the kernel's monotone-phase exit (upper
bracket: pass; lower bracket: fail); rows add ``K``, ``p``, ``progress_mean``, the chain's
``shape_constant`` and ``revelation_ceiling`` (:mod:`adamtheory.theory.o2nc_slack`). Measured
tightness 0.036 (quick, K = 2): a certified start (m = 1.1·4ε) is finished long before T, and
no chain that *waits* through T can exceed (36C)^{-2/7}/4 ≤ 24^{-2/7}/4 ≈ 0.10. So none of the
bound claims can detect a bound 2× too optimistic (their ``scale(0.5)`` entries stay
undetected: the claims are weak; both ceilings are derived heuristics, the quasi-static one an
approximation for runs whose gradient direction is stable, the revelation one in expectation
for runs that wait, so they explain the weakness but do not prove 2x undetectable on every
instance).

**SLOPE** runs on the zero-chain family of the lower-bound scaling and is two-sided against
−7/2 (its claim scope says what sets the slope); the family's measure-based hitting time and
the Huber wells' are reported rows.
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
        for row, name, entry in _chain_rows(ctx, factor, shrink):
            rows.append(row)
            data[name] = entry
            prediction[name] = row["bound"]
    for k, s in enumerate(setups):
        q = o2nc_params.option_parameters(option, s.epsilon, s.lam, s.G, s.sigma, s.delta_F)
        T, epochs = q.T, q.epochs
        if option == "I" and not quick:  # the full profile runs to the published T
            T = q.T_published
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
                "T_published": q.T_published,
                "N_published": q.N_published,
                "threshold": q.threshold,
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
            "mu_required, at the derived T of theory/o2nc_params and theory/o2nc_options), "
            "on instances whose start is certified above the bound (by 1.1x)"
        ),
        measured=_steps_and_tightness(rows, "bound")
        + "; AMC25's T x N "
        + ", ".join(f"{r['T_published']} x {r['N_published']}" for r in rows if "T_published" in r)
        + (
            "; quasi-static ceiling " + ", ".join(f"{r['quasi_static_ceiling']:.3g}" for r in rows)
            if option == "I"
            else ""
        )
        + "".join(
            f"; {r['problem']}: revelation ceiling {r['revelation_ceiling']:.3g}, progress "
            f"{r['progress_mean']:.3g}/{r['K']}"
            for r in rows
            if "revelation_ceiling" in r
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


# ----------------------------------------------------------------------------- zero chain


@dataclass(frozen=True)
class ChainSetup:
    """A certified zero-chain instance of COR41: the chain, lambda = rho/2 (the measure is the
    gradient norm exactly), its constants and eps = (start measure)/(1.1 factor)."""

    name: str
    chain: Any
    lam: float
    G: float
    sigma: float
    delta_F: float
    start_lower: float
    epsilon: float


def chain_setup(K: int, p: float, factor: float, lam: float = 1.0) -> ChainSetup:
    """:class:`~adamtheory.problems.o2nc_chain.ZeroChain` with K links, revelation probability
    p and certified start measure alpha/s = 1 at lambda = rho/2 = ``lam``; refuses a start that
    meets the bound (ValueError)."""
    from ..problems.o2nc_chain import chain_for_measure

    chain = chain_for_measure(int(K), float(p), 1.0, float(lam))
    start = float(chain.stationarity_lower(np.zeros((1, chain.K)), chain.lam)[0])
    eps = start / (_START_MARGIN * factor)
    if not start > factor * eps:  # pragma: no cover - guarded by the construction
        raise ValueError(f"zero chain (K={K}, p={p}): the start already meets the bound")
    name = f"zero chain (K={K}, p={p:g})"
    return ChainSetup(name, chain, chain.lam, chain.G, chain.sigma, chain.delta_F, start, eps)


def _chain_setups(profile: str, factor: float) -> list[ChainSetup]:
    if profile == "quick":
        return [chain_setup(2, 0.25, factor)]
    return [chain_setup(1, 0.5, factor), chain_setup(2, 0.25, factor), chain_setup(3, 0.1, factor)]


def _chain_rows(ctx: Context, factor: float, shrink: float) -> list[tuple[dict, str, dict]]:
    """COR41 on certified zero chains (kernels/o2nc_chain.py): the exact measure at the
    output, tau-averaged, bracketed by the kernel's monotone-phase exit (tolerance 1% of the
    bound); data: the upper bracket (pass) and the lower bracket (fail)."""
    from ..kernels.o2nc_chain import chain_omd_run
    from ..theory import o2nc_slack

    quick = ctx.profile == "quick"
    out = []
    for k, c in enumerate(_chain_setups(ctx.profile, factor)):
        q = o2nc_params.option_parameters("I", c.epsilon, c.lam, c.G, c.sigma, c.delta_F)
        T = max(1, math.ceil(q.T / shrink))
        bound = factor * c.epsilon
        mu = q.mu  # >= q.mu_required exactly (option_parameters guarantees it)
        res = chain_omd_run(
            c.chain,
            eta=q.eta,
            beta=q.beta,
            mu=mu,
            T=T,
            seed=int(ctx.rng(100 + k).integers(2**31)),
            trajectories=4 if quick else 16,
            target=bound,
            exit_tol=0.01 * bound,
        )
        lower, upper = res["measure_tau"], res["measure_tau_upper"]
        mean, _, hi = _ci(upper)
        shape = o2nc_slack.shape_constant(
            c.chain.delta_F / (c.chain.K * c.chain.alpha),  # per-link drop, unit scale
            c.chain.rho * c.chain.s**3 / c.chain.alpha,  # rho, unit scale
            1.0,
            1.0,
            (c.G + c.sigma) ** 2 * c.chain.p / c.chain.grad_scale**2,
        )
        tr = res["trace_measure"]
        keep = np.all(np.isfinite(tr), axis=0)  # the steps every trajectory ran
        trace = np.mean(tr[:, keep], axis=0)
        row = {
            "problem": c.name,
            "epsilon": c.epsilon,
            "lambda": c.lam,
            "bound": bound,
            "steps": T,
            "T": T,
            "epochs": 1,
            "measured_mean": mean,
            "measured_upper": hi,
            "lower_mean": float(np.mean(lower)),
            "start_lower_estimate": c.start_lower,
            "tightness": mean / bound,
            "quasi_static_ceiling": _quasi_static_ceiling("I", c, T),
            "revelation_ceiling": o2nc_slack.revelation_ceiling_value(float(shape)),
            "shape_constant": float(shape),
            "K": c.chain.K,
            "p": c.chain.p,
            "progress_mean": float(np.mean(res["progress"])),
            "hit_step_mean": float(np.mean(res["hit_step"])),
            "exit_step_mean": float(np.mean(res["exit_step"])),
            "G": c.G,
            "sigma": c.sigma,
            "delta_F": c.delta_F,
            "rho": c.chain.rho,
            "beta": q.beta,
            "D": q.D,
            "eta": q.eta,
            "mu": mu,
            "mu_required": q.mu_required,
            "C_x": q.C_x,
            "max_query_grad": float(np.max(res["max_query_grad"])),
            "verdict": _BOUND.decide({"samples": upper, "lower": lower}, bound).verdict,
            "U_mean": mean,
            "U_upper95": hi,
            "trace_step": res["trace_step"][keep].tolist(),
            "trace_U": trace.tolist(),
        }
        out.append((row, c.name, {"samples": upper, "lower": lower}))
    return out


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
        # undetectable on every certified instance we have, and provably so for quasi-static
        # runs (ceiling 1/sqrt(24)) and for zero chains that wait (<= 0.10): theory/o2nc_slack
        rules.scale(
            0.5,
            name=(
                "prediction x 0.5 (undetectable: tightness <= 0.204 for quasi-static runs, "
                "<= 0.101 for zero chains that wait; theory/o2nc_slack)"
            ),
            target="bound 2x too optimistic",
        ),
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
#: the two-sided rule of every SLOPE row (the judged chain row and the reported ones)
_CHAIN_SLOPE_RULE = rules.Slope("two-sided", tolerance=0.25)
#: the zero-chain family's members (links K, eps_K = eps_1 K^(-2/3)) per profile: the full
#: family spans 32^(2/3) = 10.08 in eps (docs/theory §5's decade); the quick one is its first
#: four members (ratio 4). The declared constants are the full family's in both profiles.
_SLOPE_K = {"quick": (1, 2, 4, 8), "full": (1, 2, 4, 8, 16, 32)}


#: the member whose derived beta the schedule perturbation keeps (1 - beta ~ eps through it).
#: Inside the family, so that its K = 32 re-run takes 1.75x the derived run's steps (anchored
#: at K = 1 it took 3.2x, 2.6e9 steps, about 40 s more; slope -4.06 instead of -3.86, full)
_SCHEDULE_ANCHOR_K = 4


def _slope_trajectories(profile: str, K: int) -> int:
    """Trajectories of member K: 2 (quick); 4 up to K = 8, then 32/K (full). Between two
    trajectories T_reveal differs by 0.15% at K = 8 (0.6% at K = 1, 0.07% at K = 16), while one
    trajectory at K = 32 runs 8.3e8 steps."""
    return 2 if profile == "quick" else max(1, min(4, 32 // K))


def _slope_family(profile: str, fixed_K: int | None = None) -> dict[str, Any]:
    """The zero-chain family of SLOPE without running it (:func:`_chain_family_measurement`):
    per member K its eps_K and chain (``fixed_K`` links if given), and the declared constants
    (G, sigma, Delta_F, lambda), the largest over the full family so that they hold for every
    member of either profile."""
    from ..problems.o2nc_chain import G_COORD, chain_for_measure

    lam, eps1 = 1.0, 1.0 / 4.4
    sigma = 4.4 * eps1  # p = 1/2 at K = 1

    def member(K: int, links: int) -> tuple[float, Any]:
        e = eps1 * K ** (-2.0 / 3.0)
        m = 4.4 * e
        return e, chain_for_measure(links, m * m / (sigma**2 + m * m), m, lam)

    declared = [member(K, K) for K in _SLOPE_K["full"]]
    Ks = _SLOPE_K[profile]
    members = [member(K, K if fixed_K is None else fixed_K) for K in Ks]
    return {
        "K": Ks,
        "epsilon": [e for e, _ in members],
        "chains": [c for _, c in members],
        "eps1": eps1,
        "G": max(4.4 * e * math.sqrt((c.K - 1) * G_COORD**2 + 1.0) for e, c in declared),
        "sigma": sigma,
        "delta_F": max(c.delta_F for _, c in declared),
        "lambda": lam,
    }


@cache
def _chain_family_measurement(
    profile: str,
    entropy: int,
    spawn_key: tuple[int, ...],
    fixed_K: int | None = None,
    momentum_power: float = 2.0,
) -> dict:
    r"""T_reveal and T_hit on the zero-chain family of the lower-bound scaling (docs/o2nc.md
    "SLOPE"; :func:`_slope_family`): declared (G, sigma, Delta_F, lambda = 1) valid for every
    member of the full family; member K has eps_K = eps_1 K^{-2/3} (so K ~ eps^{-3/2} is an
    integer), certified measure 4.4 eps_K at lambda = rho/2 (s ~ sqrt(eps), alpha K constant)
    and p_K = m_K^2/(sigma^2 + m_K^2) (~ eps^2/sigma^2); beta-OMD at
    o2nc_parameters(eps_K, ...). T_reveal = first step at which the iterate reveals the last
    link (prog_b = K), T_hit = first step with the exact measure at the output <= 4 eps_K
    (certified > 4 eps_K until the output's last coordinate reaches s, so T_hit >= T_reveal).
    The nominal family measures both (kernel ``compute="hit"``); the re-runs of the
    perturbations only T_reveal (``compute="reveal"``, the same numbers). ``fixed_K``: the
    control, every member with that many links (the chain no longer grows as eps shrinks).
    ``momentum_power``: 1 - beta scaled as eps^momentum_power across the family (2 is the
    derived schedule; the perturbation that violates it keeps the derived beta at the member
    K = ``_SCHEDULE_ANCHOR_K`` and rescales 1 - beta by (eps_anchor/eps)^(2 - power), eta and
    mu unchanged)."""
    from ..kernels.o2nc_chain import chain_omd_run

    fam = _slope_family(profile, fixed_K)
    Ks, eps1, lam = fam["K"], fam["eps1"], fam["lambda"]
    G, sigma, delta_F = fam["G"], fam["sigma"], fam["delta_F"]
    members = list(zip(fam["epsilon"], fam["chains"], strict=True))
    nominal = fixed_K is None and momentum_power == 2.0
    e_anchor = eps1 * _SCHEDULE_ANCHOR_K ** (-2.0 / 3.0)
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=spawn_key))
    times, reveals, derived = [], [], []
    for K, (e, c) in zip(Ks, members, strict=True):
        q = o2nc_params.o2nc_parameters(e, lam, G, sigma, delta_F)
        beta = 1.0 - (1.0 - q.beta) * (e_anchor / e) ** (2.0 - momentum_power)
        res = chain_omd_run(
            c,
            eta=q.eta,
            beta=beta,
            mu=q.mu,
            T=q.T_ours,
            seed=int(rng.integers(2**31)),
            trajectories=_slope_trajectories(profile, K),
            target=4 * e,
            stop_at_hit=True,
            compute="hit" if nominal else "reveal",
        )
        times.append(res["hit_step"].tolist() if nominal else None)
        reveals.append(res["reveal_step"].tolist())
        derived.append(q.T_ours)
    return {
        "K": [c.K for _, c in members],
        "epsilon": [e for e, _ in members],
        "p": [c.p for _, c in members],
        "G": G,
        "sigma": sigma,
        "delta_F": delta_F,
        "lambda": lam,
        "T_hit": times if nominal else None,
        "T_reveal": reveals,
        "T_derived": derived,
    }


def _flat(eps: Any, times: Any) -> tuple[np.ndarray, np.ndarray]:
    """(eps, time) pairs of every trajectory (members may have different numbers of them)."""
    pairs = zip(eps, times, strict=True)
    x = np.concatenate([np.full(len(t), e, dtype=np.float64) for e, t in pairs])
    return x, np.concatenate([np.asarray(t, dtype=np.float64) for t in times])


def _slope_row(name: str, eps: Any, times: Any, derived: Any, judged: bool) -> dict[str, Any]:
    """One SLOPE row: mean times per eps, T/T_derived, the fitted exponent over every
    trajectory and its two-sided verdict (``judged``: part of the claim's rule; else reported
    only). ``times``: per eps, the trajectories' times."""
    x, y = _flat(eps, times)
    row: dict[str, Any] = {"problem": name, "epsilon": list(eps), "judged": judged}
    if not np.all(np.isfinite(y)):
        row.update(T=[list(t) for t in times], note="some runs never reached it within T")
        return row
    d = _CHAIN_SLOPE_RULE.decide({"x": x, "y": y}, _SLOPE_EXPONENT)
    means = np.array([np.mean(t) for t in times])
    row.update(
        T_hit_mean=means.tolist(),
        T=[list(t) for t in times],
        T_derived=list(derived),
        T_hit_over_T_derived=(means / np.asarray(derived, dtype=np.float64)).tolist(),
        slope=d.estimate,
        slope_low=d.interval[0],
        slope_high=d.interval[1],
        predicted=_SLOPE_EXPONENT,
        verdict=d.verdict,
    )
    return row


def _slope(ctx: Context, fixed_K: int | None = None, momentum_power: float = 2.0) -> Evidence:
    """SLOPE: T_reveal on the zero-chain family (judged, two-sided against -7/2); the family's
    measure-based T_hit and the Huber wells' T_hit are reported rows (module docstring)."""
    key = (ctx.profile, int(ctx.seed.entropy), tuple(ctx.seed.spawn_key))
    chain = _chain_family_measurement(*key, fixed_K=fixed_K, momentum_power=momentum_power)
    eps = chain["epsilon"]
    name = "zero-chain family: T_reveal"
    judged = _slope_row(name, eps, chain["T_reveal"], chain["T_derived"], True)
    reported = []
    per_eps: dict[str, Any] = {
        "K": chain["K"],
        "epsilon": eps,
        "trajectories": [len(t) for t in chain["T_reveal"]],
        "T_derived": chain["T_derived"],
        "T_reveal_over_T_derived": judged.get("T_hit_over_T_derived"),
    }
    if chain["T_hit"] is not None:
        hit = _slope_row(
            "zero-chain family: T_hit (measure <= 4 eps)", eps, chain["T_hit"],
            chain["T_derived"], False,
        )  # fmt: skip
        reported.append(hit)
        t_r = np.array([np.mean(t) for t in chain["T_reveal"]])
        t_h = np.array([np.mean(t) for t in chain["T_hit"]])
        per_eps.update(
            T_hit_over_T_derived=hit.get("T_hit_over_T_derived"),
            T_hit_over_T_reveal=(t_h / t_r).tolist(),
            # the crossing after the revelation, in units of one link's mean time T_reveal/K
            last_crossing_in_links=((t_h - t_r) / (t_r / np.asarray(chain["K"]))).tolist(),
        )
    if fixed_K is None and momentum_power == 2.0:  # the Huber wells: reported, not judged
        for hname, heps, htimes, hderived in _hitting_measurement(*key):
            reported.append(_slope_row(hname, heps, htimes, hderived, False))
    x, y = _flat(eps, chain["T_reveal"])
    data = {name: {"x": x, "y": y}}
    t_k = np.array([np.mean(t) for t in chain["T_reveal"]])
    local = (np.diff(np.log(t_k)) / np.diff(np.log(chain["K"]))).tolist() if fixed_K is None else []
    rows = [judged, *reported]
    return Evidence(
        data,
        {name: _SLOPE_EXPONENT},
        values={
            "rows": rows,
            "per_epsilon": per_eps,
            "epsilon_ratio": max(eps) / min(eps),
            "lambda": chain["lambda"],
            "learner": "β-OMD",
            "conversion": "uniform",
            "chain_family": {k: chain[k] for k in ("K", "p", "G", "sigma", "delta_F", "lambda")},
            "local_K_exponent_of_T_reveal": local,
        },
        predicted=f"log T_reveal / log eps = {_SLOPE_EXPONENT:g} +- 0.25 over the family",
        measured="; ".join(
            f"{r['problem']}: slope {r.get('slope', math.nan):.3g} "
            f"[{r.get('slope_low', math.nan):.3g}, {r.get('slope_high', math.nan):.3g}]"
            + (" (reported)" if not r["judged"] else "")
            + ", T/T_derived "
            + ", ".join(f"{v:.3g}" for v in r.get("T_hit_over_T_derived", []))
            for r in rows
        )
        + f"; K = {', '.join(str(k) for k in chain['K'])} (eps ratio {max(eps) / min(eps):.3g})",
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
            "per certified instance (Huber wells; for COR41 also the cliff and ramp and zero "
            "chains, whose exact measure is bracketed), E_tau U_tau (pass) and the certified "
            "lower estimate (fail) over trajectories against "
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
        title="On the zero-chain family, beta-OMD's steps to reveal the chain grow as eps^-7/2",
        statement=(
            "On the zero-chain family of the lower-bound scaling (K ~ eps^-3/2 links of scale "
            "s ~ eps^1/2, revelation probability p ~ eps^2/sigma^2, one set of declared "
            "constants G, sigma, Delta_F, lambda for every member), beta-OMD in Option I at "
            "the derived parameters of each eps needs T_reveal ~ eps^-7/2 steps to reveal the "
            "last link: the exponent of the upper bound T_ours and of the lower bound agree "
            "on this family."
        ),
        source="AMC25 Cor. 4.1; Arjevani et al. 2023 lower bound; docs/o2nc.md SLOPE",
        provenance="derived",
        rule=rules.each_of(_HittingSlope("two-sided", tolerance=0.25), label="problem"),
        scope=(
            "log T_reveal on log eps over the family, every trajectory, two-sided 95% t "
            "interval against -7/2 +- 1/4; K = 1, 2, 4, ..., 32 (full: eps ratio 32^(2/3) = "
            "10.1, the decade of docs/theory §5) or K = 1..8 (quick: ratio 4). What sets the "
            "slope: at fixed K the run is approximately a time-rescaling (steps ~ eps^-2: "
            "speed k m / s ~ eps^2, momentum 1/(1-beta) ~ eps^-2; p = m^2/(sigma^2+m^2) is "
            "only asymptotically ~ eps^2, and revelation waiting is a small part of T_reveal "
            "here), so the exponent is -2 - (3/2) x (the exponent of T_reveal in K): -7/2 iff "
            "beta-OMD traverses the links one after another. The -2 comes from the derived "
            "schedule, so the check tests the algorithm at that schedule (the perturbation "
            "with 1 - beta ~ eps is detected), not the theorem's constant. The measure-based "
            "T_hit is reported, not judged: it is certified >= T_reveal (the output keeps "
            "measure >= 4.4 eps until its last coordinate reaches s) and adds the crossing "
            "of the last link, about one link's time at every K, which flattens its slope "
            "over K = 1..32 to the band's edge (docs/o2nc.md); the Huber wells are reported "
            "too"
        ),
        evaluate=_slope,
        sensitivity=(
            rules.assumption(
                "the chain does not grow (K = 1 for every eps)",
                lambda ctx: _slope(ctx, fixed_K=1),
                control=True,
                target="no zero-chain growth (the hard family removed)",
            ),
            rules.assumption(
                "the learner's schedule violated (1 - beta ~ eps instead of eps^2, through K = 4)",
                lambda ctx: _slope(ctx, momentum_power=1.0),
                target="the theorem's momentum schedule changed (the algorithm, not the instance)",
            ),
            rules.shift(+0.5, name="the exponent -3", target="exponent off by 1/2 (-3)"),
            rules.shift(-0.5, name="the exponent -4", target="exponent off by 1/2 (-4)"),
            rules.shift(+0.25, target="exponent off by 1/4 (-13/4)", required=False),
            rules.shift(-0.25, target="exponent off by 1/4 (-15/4)", required=False),
        ),
        figure=lazy_figure("adamtheory.plots.o2nc", "slope_figure"),
    ),
)
