r"""SF-DEFAULTS: schedule-free SGD with the packages' default averaging against AMC25 Cor. 5.1's
bound (reported, not pass/fail: outside AMC25's theorem).

AMC25's Option III is schedule-free SGD with the averaging weight :math:`c_t \equiv 1-\zeta`
and :math:`\kappa_t \sim U[\zeta, 1]` (docs/theory §1.5); its Corollary 5.1 bounds
:math:`\mathbb E_\tau\|\nabla F(\bar y_\tau)\|_{[\lambda]} \le 5\varepsilon` for that method
only. Defazio et al. ("The Road Less Scheduled", NeurIPS 2024) and the public implementations
(``schedulefree.SGDScheduleFree`` 1.4.1, ``optax.contrib.schedule_free_sgd`` 0.2.8) default
instead to :math:`c_t = w_t/\sum_{s\le t} w_s` with :math:`w_t = t^r\,(\max_{s\le t}\gamma_s)^2`
and a fixed interpolation :math:`\kappa \equiv 0.9` (their ``momentum``/``b1``):

.. math::

    y_t = \kappa_t x_t + (1-\kappa_t) z_t,\quad z_{t+1} = z_t - \gamma_t g_t,\quad
    x_{t+1} = (1-c_t) x_t + c_t z_{t+1}.

No theorem of AMC25 covers the second method, so this claim *reports* (no rule, no control,
:attr:`~adamtheory.claims.base.Claim.reported`) whether it meets the same bound on the same
certified instances. Set-up, per instance of O2NC-COR51 (the radial Huber wells of
:mod:`adamtheory.problems.o2nc_hard`, start certified 1.1× above 5ε, λ at which the certified
lower estimate is exact at the start; :func:`adamtheory.claims.o2nc_runs.hard_setup`), at
AMC25 Cor. 5.1's parameters (:func:`adamtheory.theory.o2nc_params.option_parameters` ``"III"``:
β, η, μ with μ ≥ μ_required, :math:`\zeta = \beta/(1+\eta\mu)`, :math:`\gamma = \eta/(1-\zeta)`,
our derived T of :mod:`adamtheory.theory.o2nc_options`, which O2NC-COR51 runs too; Cor. 5.1's
published T is recorded next to it), two arms with the same γ, T and random draws (paired):

* ``amc25``: :math:`c_t = 1-\zeta`, :math:`\kappa_t \sim U[\zeta, 1]` (O2NC-COR51's run, draw
  for draw; tests/test_schedule_free_weights.py);
* ``package defaults``: :math:`c_t = w_t/\sum w` with both packages' defaults (no warmup:
  ``warmup_steps=0`` / ``None``, r = 0, ``weight_lr_power = 2``, so :math:`c_t = 1/t`, the
  uniform average of z), :math:`\kappa = 0.9`, the step size γ (the packages' default lr = 1
  would be ~760× larger than Cor. 5.1's γ). Without warmup the two packages agree, so the
  convention does not matter here.

Both outputs are measured as Cor. 5.1 measures its own: the β-EMA :math:`\bar y_\tau` of the
query points, τ from AMC25 Definition 4; :math:`\mathbb E_\tau U_\tau` (upper estimate of the
measure) and the τ-averaged certified lower estimate bracket
:math:`\mathbb E_\tau\|\nabla F(\bar y_\tau)\|_{[\lambda]}`. For the defaults arm the bracket at
the packages' own evaluation point :math:`x_{T+1}` is reported too. Per arm the report says
"met" when the upper end of U's one-sided 95% t-interval is ≤ 5ε, "not met" when the lower end
of the lower estimates' interval exceeds 5ε, "undecided" otherwise (the bound claims' rule,
:func:`adamtheory.rules.upper_bound`, used as a description, not a verdict), at the derived T
and at T/2, T/4, T/10, T/100 (how much of the horizon each method needs).
"""

from __future__ import annotations

import importlib.metadata
import math
from typing import Any

import numpy as np

from ..kernels.conversion import schedule_free_huber_run
from ..theory import o2nc_params
from .base import Claim, Context, Outcome
from .o2nc_runs import _ci, _hard_setups

#: AMC25 Cor. 5.1's constant: the bound is 5 eps
FACTOR = 5.0
#: The packages' default interpolation (schedulefree ``momentum``, optax ``b1``)
PACKAGE_KAPPA = 0.9
#: The packages' default weight power (both) and polynomial power (schedulefree's r)
PACKAGE_WEIGHT_LR_POWER = 2.0
PACKAGE_R = 0.0
OUTSIDE = "outside AMC25's theorem"
ARMS = ("amc25", "package defaults")
#: horizons, as divisors of the derived T (theory/o2nc_options: 8574 steps on the quick well,
#: where E U is already back at the start's 0.8 by T/100)
HORIZONS = (1, 2, 4, 10, 100)


def _versions() -> dict[str, str]:
    """Installed versions of the reference packages (read from metadata; never imported)."""
    out = {}
    for name in ("schedulefree", "optax"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _status(U: np.ndarray, lower: np.ndarray, bound: float) -> tuple[str, float, float]:
    """'met' / 'not met' / 'undecided' for one arm, with U's upper and lower's lower 95% ends."""
    _, _, upper = _ci(U)
    _, low, _ = _ci(lower)
    if upper <= bound:
        return "met", upper, low
    if low > bound:
        return "not met", upper, low
    return "undecided", upper, low


def _run_arm(s: Any, q: Any, arm: str, T: int, seed: int, batch: int) -> dict[str, np.ndarray]:
    zeta = q.beta / (1 + q.eta * q.mu)
    common = dict(
        gamma=q.eta / (1 - zeta),
        beta=q.beta,
        lam=s.lam,
        sigma=s.sigma,
        T=T,
        seed=seed,
        trajectories=batch,
    )
    if arm == "amc25":
        return schedule_free_huber_run(s.problem, zeta=zeta, **common)
    return schedule_free_huber_run(
        s.problem,
        averaging="defazio",
        kappa=PACKAGE_KAPPA,
        warmup_steps=0,
        r=PACKAGE_R,
        weight_lr_power=PACKAGE_WEIGHT_LR_POWER,
        **common,
    )


def sf_defaults(ctx: Context) -> Outcome:
    """Run both arms on each certified instance at Cor. 5.1's parameters; report the table.

    Returns an :class:`~adamtheory.claims.base.Outcome` with verdict ``"reported"`` (``"error"``
    if a run diverged or gave non-finite numbers); ``values["rows"]`` has one row per
    (instance, arm, horizon) with ``bound``, ``measured_mean``, ``measured_upper``,
    ``lower_mean``, ``lower_low``, ``start_lower_estimate``, ``tightness``, ``status`` and
    ``label``.
    """
    quick = ctx.profile == "quick"
    batch = 8 if quick else 64
    rows, problems, bad = [], [], []
    setups = _hard_setups(ctx.profile, FACTOR)
    if quick:  # O2NC-COR51's d = 1 well only (its d = 2 well gives the same numbers to ~10%)
        setups = setups[:1]
    for k, s in enumerate(setups):
        q = o2nc_params.option_parameters("III", s.epsilon, s.lam, s.G, s.sigma, s.delta_F)
        zeta = q.beta / (1 + q.eta * q.mu)
        bound = FACTOR * s.epsilon
        seed = int(ctx.rng(k).integers(2**31))  # one seed per instance: the arms are paired
        problems.append(
            {
                "problem": s.name,
                "epsilon": s.epsilon,
                "lambda": s.lam,
                "bound": bound,
                "start_lower_estimate": s.start_lower,
                "T": q.T,
                "T_published": q.T_published,
                "beta": q.beta,
                "eta": q.eta,
                "mu": q.mu,
                "mu_required": q.mu_required,
                "zeta": zeta,
                "gamma": q.eta / (1 - zeta),
                "G": s.G,
                "sigma": s.sigma,
                "delta_F": s.delta_F,
                "seed": seed,
            }
        )
        for div in HORIZONS:
            T = max(1, math.ceil(q.T / div))
            for arm in ARMS:
                out = _run_arm(s, q, arm, T, seed, batch)
                if np.any(out["diverged_at"] > 0) or not all(
                    np.all(np.isfinite(out[key])) for key in ("U_tau", "lower_tau", "gradnorm_x")
                ):
                    bad.append((s.name, arm, T))
                    continue
                U, lower = out["U_tau"], out["lower_tau"]
                status, upper, low = _status(U, lower, bound)
                row = {
                    "problem": s.name,
                    "arm": arm,
                    "label": OUTSIDE if arm != "amc25" else "AMC25 Cor. 5.1 (c_t = 1 - zeta)",
                    "T": T,
                    "horizon_divisor": div,
                    "bound": bound,
                    "measured_mean": float(np.mean(U)),
                    "measured_upper": upper,
                    "lower_mean": float(np.mean(lower)),
                    "lower_low": low,
                    "start_lower_estimate": s.start_lower,
                    "tightness": float(np.mean(U)) / bound,
                    "status": status,
                    "max_query_grad": float(np.max(out["max_query_grad"])),
                }
                if arm != "amc25":  # the packages' own evaluation point x_(T+1)
                    row["x_final_upper_mean"] = float(np.mean(out["gradnorm_x"]))
                    row["x_final_lower_mean"] = float(np.mean(out["lower_x"]))
                rows.append(row)
    if bad:
        return Outcome(
            "error",
            "",
            f"runs diverged or gave non-finite numbers: {bad}",
            {"error": "schedule-free runs diverged", "rows": rows, "problems": problems},
        )
    by = {(r["problem"], r["arm"], r["horizon_divisor"]): r for r in rows}

    def first_met(problem: str, arm: str) -> str:
        met = [d for d in HORIZONS if by[(problem, arm, d)]["status"] == "met"]
        return f"T/{max(met)}" if met else "none on the ladder"

    def ladder(problem: str, arm: str) -> str:
        return "/".join(f"{by[(problem, arm, d)]['measured_mean']:.2g}" for d in HORIZONS)

    parts = []
    for p in problems:
        name = p["problem"]
        a, b = by[(name, "amc25", 1)], by[(name, "package defaults", 1)]
        parts.append(
            f"{name}, T = {p['T']}: c_t = 1 - zeta: E U {a['measured_mean']:.3g} (upper "
            f"{a['measured_upper']:.3g}; lower est. {a['lower_mean']:.3g}) vs 5 eps "
            f"{p['bound']:.3g}: {a['status']}; package defaults [{OUTSIDE}]: E U "
            f"{b['measured_mean']:.3g} (upper {b['measured_upper']:.3g}; lower est. "
            f"{b['lower_mean']:.3g}): {b['status']}, at x_(T+1) "
            f"[{b['x_final_lower_mean']:.3g}, {b['x_final_upper_mean']:.3g}]; E U at "
            f"T/({', '.join(str(d) for d in HORIZONS)}): {ladder(name, 'amc25')} vs "
            f"{ladder(name, 'package defaults')}; shortest "
            f"horizon met {first_met(name, 'amc25')} vs {first_met(name, 'package defaults')}"
        )
    return Outcome(
        "reported",
        "none (reported): AMC25 Cor. 5.1 bounds E_tau ||grad F(ybar_tau)||_[lambda] <= 5 eps "
        "for c_t = 1 - zeta only; the package defaults (c_t = w_t/sum w = 1/t, kappa = 0.9) "
        f"are {OUTSIDE}",
        "; ".join(parts),
        {
            "rows": rows,
            "problems": problems,
            "batch": batch,
            "horizons": list(HORIZONS),
            "package_defaults": {
                "kappa": PACKAGE_KAPPA,
                "warmup_steps": 0,
                "r": PACKAGE_R,
                "weight_lr_power": PACKAGE_WEIGHT_LR_POWER,
                "lr": "gamma of Cor. 5.1 (not the packages' default 1.0)",
            },
            # the versions tests/test_schedule_free_weights.py was last run against (a fact
            # about the test run of 2026-12-04, not of this run; "installed" says what is here)
            "semantics_tested_against": "schedulefree 1.4.1, optax 0.2.8 (2026-12-04)",
            "installed": _versions(),
            "kernel": "kernels.conversion.schedule_free_huber_run (Numba)",
            "tau_law": "amc25",
        },
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="SF-DEFAULTS",
        title="Schedule-free SGD with the packages' default averaging vs Cor. 5.1's bound",
        statement=(
            "On O2NC-COR51's certified Huber wells at its parameters (Option III, derived T), "
            "schedule-free SGD with AMC25's c_t = 1 - zeta (kappa_t ~ U[zeta, 1]) and with "
            "the schedulefree/optax defaults (c_t = w_t / sum w = 1/t, kappa = 0.9, no "
            "warmup, same gamma): E_tau ||grad F(ybar_tau)||_[lambda] against 5 eps. "
            "Reported, not pass/fail: the defaults are outside AMC25's theorem."
        ),
        source=(
            "AMC25 Cor. 5.1 (bound, c_t = 1 - zeta); Defazio et al. 2024, The Road Less "
            "Scheduled (NeurIPS); schedulefree 1.4.1; optax 0.2.8 contrib.schedule_free; "
            "docs/theory §1.5"
        ),
        provenance="derived",
        report_rule=(
            "reported: per certified instance, arm and horizon (the derived T and "
            + ", ".join(f"T/{d}" for d in HORIZONS[1:])
            + "), the means over trajectories of E_tau U_tau (one-sided 95% upper "
            "t-bound) and of the certified lower estimate (95% lower t-bound) against 5 eps, "
            "labelled met / not met / undecided by the bound claims' rule; paired draws; "
            "the defaults arm also at x_(T+1)"
        ),
        check=sf_defaults,
        reported=True,
    ),
)
