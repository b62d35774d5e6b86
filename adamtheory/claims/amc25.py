"""Claims from AMC25 (general O2NC framework): the model EMA and the output-index law."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..kernels import model_ema, tau_probabilities
from ..theory import ema as ema_theory
from .base import Claim, Context, Outcome
from .rules import identity_verdict, relative_error

TOLERANCE = 1e-12


def _symbolic_checks() -> dict[str, bool]:
    """The SymPy layer's derivations compared with THEORY.md's statements (exact)."""
    b, t = ema_theory.beta, ema_theory.t
    a_coef, b_coef = ema_theory.recursion_coefficients()
    return {
        "A_t = (beta - beta^t)/(1 - beta^t)": sp.simplify(a_coef - (b - b**t) / (1 - b**t)) == 0,
        "B_t = (1 - beta)/(1 - beta^t)": sp.simplify(b_coef - (1 - b) / (1 - b**t)) == 0,
        "sum_s w_ts = 1": ema_theory.weights_total() == 1,
        "sum_t Pr(tau = t) = 1 (AMC25 Def. 4)": ema_theory.amc25_tau_total() == 1,
    }


def _numeric(ctx: Context, form: str) -> tuple[float, float]:
    """(max rel. error of the kernel EMA vs the closed form, max |sum of tau law - 1|)."""
    steps = 500 if ctx.profile == "quick" else 5000
    weight = ema_theory.weight_numeric()
    rng = ctx.rng(0)
    worst = 0.0
    for beta in (0.0, 0.5, 0.9, 0.99, 0.999):
        ys = rng.standard_normal((steps, 2, 3)) * 10.0 ** rng.uniform(-3, 3, 3)
        ema = model_ema(beta, form=form)
        state = ema.init(np.zeros((2, 3)))
        for t in range(1, steps + 1):
            value, state = ema.update(ys[t - 1], state)
            if t <= 20 or t % 37 == 0 or t == steps:
                w = weight(beta, t, np.arange(1, t + 1))
                closed = np.tensordot(w, ys[:t], axes=(0, 0))
                worst = max(worst, relative_error(value, closed))
    tau_err = 0.0
    p_sym = sp.lambdify((ema_theory.beta, ema_theory.t, ema_theory.T),
                        ema_theory.amc25_tau_probability()[0], "numpy")
    for beta in (0.1, 0.9, 0.999):
        for T in (1, 2, 10, 1000, 100_000):
            p = tau_probabilities(beta, T, law="amc25")
            tau_err = max(tau_err, abs(float(p.sum()) - 1.0))
            if T > 1:
                t = np.arange(1, T)
                tau_err = max(tau_err, float(np.max(np.abs(p[:-1] - p_sym(beta, t, T)))))
    return worst, tau_err


def _outcome(ctx: Context, form: str) -> Outcome:
    symbolic = _symbolic_checks()
    ema_err, tau_err = _numeric(ctx, form)
    ok = all(symbolic.values())
    err = max(ema_err, tau_err)
    verdict = identity_verdict(err, TOLERANCE) if ok else "fail"
    return Outcome(
        verdict,
        predicted=("SymPy: recursion coefficients as in THEORY §1.4, weights and AMC25 tau law "
                   f"sum to 1; numerically <= {TOLERANCE:g}"),
        measured=(f"symbolic {sum(symbolic.values())}/{len(symbolic)} exact; EMA recursion vs "
                  f"closed form {ema_err:.1e}; tau law {tau_err:.1e}"),
        values={"symbolic": symbolic, "ema_error": ema_err, "tau_error": tau_err,
                "tolerance": TOLERANCE},
    )


def check(ctx: Context) -> Outcome:
    return _outcome(ctx, "normalised")


def control(ctx: Context) -> Outcome:
    # The deep-learning EMA started at 0 is the unnormalised average (weights sum to 1 - beta^t).
    return _outcome(ctx, "deep")


CLAIMS = (
    Claim(
        id="EMA-REC",
        title="Normalised EMA recursion = closed form; AMC25 tau law sums to 1",
        statement=(
            "ȳ_t = ((β-β^t)/(1-β^t)) ȳ_{t-1} + ((1-β)/(1-β^t)) y_t equals "
            "((1-β)/(1-β^t)) Σ β^{t-s} y_s exactly; the weights and AMC25 Definition 4's "
            "Pr(τ=t) each sum to 1."
        ),
        source="AMC25 §3 and Definition 4; THEORY.md §1.4-§1.5",
        provenance="derived",
        rule=(f"pass iff the SymPy identities simplify exactly and the kernel agrees with the "
              f"lambdified closed form to {TOLERANCE:g} relative"),
        control_description="unnormalised EMA (e_0 = 0, e_t = β e_{t-1} + (1-β) y_t)",
        check=check,
        control=control,
    ),
)
