"""Claims from Reddi, Kale & Kumar 2018 (R18), "On the convergence of Adam and beyond"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import rules
from .._arrays import compact, log_indices
from ..kernels import adam, amsgrad, run, sgd
from ..problems import reddi_cyclic, reddi_stochastic
from ..theory import divergence, reddi
from .base import Claim, Context, Evidence, lazy_figure

_T1_C = 4.0
_T1_ETA = 0.5


@dataclass(frozen=True)
class _Near:
    """The predicate ``|value - limit| <= tolerance`` (a predicted limit, for rules.every)."""

    limit: float
    tolerance: float

    def __call__(self, value: float) -> bool:
        return abs(float(value) - self.limit) <= self.tolerance

    def __str__(self) -> str:
        return f"within {self.tolerance:g} of {self.limit:+g}"


@dataclass(frozen=True)
class _Sign:
    """The predicate ``sign * value > 0`` (a predicted sign, for rules.every)."""

    sign: int

    def __call__(self, value: float) -> bool:
        return self.sign * float(value) > 0

    def __str__(self) -> str:
        return "< 0" if self.sign < 0 else "> 0"


def _average_regret(x_path: np.ndarray, C: float, period: int) -> np.ndarray:
    """R_t/t for the cyclic losses (component 0: Cx, else -x) against the optimum x* = -1."""
    t = np.arange(x_path.size)
    g = np.where(t % period == 0, C, -1.0)
    return np.cumsum(g * x_path - g * (-1.0)) / np.arange(1, x_path.size + 1)


_T1_ALGORITHMS = ("adam", "amsgrad", "sgd")
# Limits of the iterate (absolute tolerance) and of R_T/T (Adam: relative to (2C-4)/3).
_T1_RULE = rules.all_of(
    {
        "adam_x": rules.close_to(0.01, relative=False),
        "adam_regret": rules.close_to(0.01),
        "amsgrad_x": rules.close_to(0.1, relative=False),
        "amsgrad_regret": rules.close_to(0.05, relative=False),
        "sgd_x": rules.close_to(0.1, relative=False),
        "sgd_regret": rules.close_to(0.05, relative=False),
    }
)


def _t1(ctx: Context, beta2: float) -> Evidence:
    """Final iterates and R_T/T (data) against the limits +1, (2C-4)/3 and -1, 0 (prediction)."""
    C = _T1_C
    steps = 30_000 if ctx.profile == "quick" else 300_000
    predicted = float(reddi.theorem1_average_regret_limit_numeric()(C))
    problem = reddi_cyclic(C)
    kw = {
        "steps": steps,
        "sampling": "cyclic",
        "schedule": "inv_sqrt_step",
        "record": 1,
        "backend": "numpy",
    }
    out, curves = {}, {}
    shown = log_indices(steps, 200)  # the figure's points: log-spaced steps
    for name, opt in (
        ("adam", adam(_T1_ETA, 0.0, beta2, eps=0.0, bias_correction=False)),
        ("amsgrad", amsgrad(_T1_ETA, 0.0, beta2, eps=0.0, variant="paper")),
        ("sgd", sgd(_T1_ETA)),
    ):
        ds = run(problem, opt, **kw)
        path = ds.x.values[0, :-1, 0]
        regret = _average_regret(path, C, 3)
        out[name] = (float(ds.x_final.values[0, 0]), float(regret[-1]))
        curves[f"{name}_x"] = compact(path[shown])
        curves[f"{name}_regret"] = compact(regret[shown])
    data = {f"{k}_{q}": out[k][i] for k in _T1_ALGORITHMS for i, q in enumerate(("x", "regret"))}
    prediction = {
        "adam_x": 1.0,
        "adam_regret": predicted,
        "amsgrad_x": -1.0,
        "amsgrad_regret": 0.0,
        "sgd_x": -1.0,
        "sgd_regret": 0.0,
    }
    return Evidence(
        data,
        prediction,
        values={
            "predicted_regret": predicted,
            "C": C,
            "beta2": beta2,
            "steps": steps,
            **{f"{k}_x_final": v[0] for k, v in out.items()},
            **{f"{k}_average_regret": v[1] for k, v in out.items()},
            "curves": {"t": (shown + 1).tolist(), **curves},
        },
        predicted=f"Adam -> +1 with R_T/T -> (2C-4)/3 = {predicted:.4f}; AMSGrad, SGD -> -1",
        measured=f"T={steps}, beta2={beta2:.4g}",
    )


_T2_POINTS = {"quick": ((0.0, 0.3), (0.5, 0.9)), "full": ((0.0, 0.3), (0.0, 0.9), (0.5, 0.9))}


def _t2(ctx: Context, use_smallest: bool) -> Evidence:
    """Per (beta1, beta2): the cyclic drift and Adam's last iterate (data) against the
    predicted sign (< 0) and limit (+1) (prediction)."""
    rows = []
    for b1, b2 in _T2_POINTS[ctx.profile]:
        C = reddi.smallest_admissible_C(b1, b2) if use_smallest else 4
        mu = float(divergence.cyclic_drift(b1, b2, C, float(C)))
        periods = 60 if ctx.profile == "quick" else 300
        ds = run(
            reddi_cyclic(float(C), period=C),
            adam(0.5, b1, b2, eps=0.0, bias_correction=False),
            steps=periods * C,
            sampling="cyclic",
            schedule="inv_sqrt_step",
            record=C,
            backend="numpy",
        )
        x_end = float(ds.x.values[0, -1, 0])
        rows.append((b1, b2, C, mu, x_end))
    labels = [f"(beta1={b1}, beta2={b2}, C={C})" for b1, b2, C, _, _ in rows]
    return Evidence(
        {
            "drift": {k: r[3] for k, r in zip(labels, rows, strict=True)},
            "limit": {k: r[4] for k, r in zip(labels, rows, strict=True)},
        },
        {"drift": _Sign(-1), "limit": _Near(1.0, 0.01)},
        values={
            "rows": [
                dict(zip(("beta1", "beta2", "C", "drift", "x_end"), r, strict=True)) for r in rows
            ]
        },
        predicted="at the smallest admissible even C: cyclic drift < 0 and Adam -> +1",
        measured="; ".join(
            f"({b1}, {b2}): C={C}, mu={mu:.3g}, x_end={x:+.3f}" for b1, b2, C, mu, x in rows
        ),
    )


_T3_DELTA, _T3_BETA2 = 0.5, 0.3


def _t3_threshold() -> float:
    """Smallest C (grid 0.5) where the SymPy one-step bound B(C) on E[g/sqrt(v)] is negative."""
    import sympy as sp

    bound, _ = reddi.theorem3_direction_bound()
    f = sp.lambdify((reddi.C, reddi.delta, reddi.beta2), bound, "numpy")
    cs = np.arange(1.5, 10_000.0, 0.5)
    negative = np.nonzero(f(cs, _T3_DELTA, _T3_BETA2) < 0)[0]
    if negative.size == 0:
        raise ArithmeticError("the bound never turns negative on the scanned C range")
    return float(cs[negative[0]])


def _t3(ctx: Context, large: bool) -> Evidence:
    """Final iterates of 32 runs (data) against the predicted limit +1 (prediction)."""
    delta, beta2 = _T3_DELTA, _T3_BETA2
    threshold = _t3_threshold()
    C = 2.0 * threshold if large else 1.5
    steps = 20_000 if ctx.profile == "quick" else 200_000
    problem = reddi_stochastic(C, delta)
    ds = run(
        problem,
        adam(0.5, 0.0, beta2, eps=0.0, bias_correction=False),
        steps=steps,
        sampling="iid",
        schedule="inv_sqrt_step",
        trajectories=32,
        seed=ctx.seed,
        record="final",
        backend="numpy",
    )
    x = ds.x_final.values[:, 0]
    mean, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
    return Evidence(
        x,
        1.0,
        values={
            "C": C,
            "threshold_C": threshold,
            "delta": delta,
            "beta2": beta2,
            "mean_x": mean,
            "ci": 1.96 * se,
            "p": float(reddi.theorem3_probability(C, delta)),
        },
        predicted=(
            f"E f = {delta}x (optimum -1); the SymPy bound makes E[g/sqrt(v)] < 0 for "
            f"C >= {threshold:g} (beta1=0, beta2={beta2}), so Adam -> +1"
        ),
        measured=f"C={C:g}: 32 runs, T={steps}",
    )


CLAIMS = (
    Claim(
        id="R-T1",
        title="R18 Thm 1: Adam goes to the worst point with regret (2C-4)/3 per step",
        statement=(
            "On f_t = Cx (t mod 3 = 1) else -x over [-1,1], C = 4, beta1 = 0, "
            "beta2 = 1/(1+C²), eta_t = eta/sqrt(t), Adam converges to +1 and R_T/T -> "
            "(2C-4)/3 (derived by SymPy), while AMSGrad and SGD go to -1 with R_T/T -> 0."
        ),
        source="Reddi, Kale & Kumar 2018, Theorem 1",
        provenance="primary",
        rule=_T1_RULE,
        scope=(
            "one run each of Adam, AMSGrad and SGD: the last iterate x_T against its limit "
            "(+1 or -1) and R_T/T against (2C-4)/3 (Adam) or 0"
        ),
        evaluate=lambda ctx: _t1(ctx, float(reddi.theorem1_beta2(_T1_C))),
        sensitivity=(
            rules.assumption(
                "beta2 = 0.999 instead of 1/(1+C²)",
                lambda ctx: _t1(ctx, 0.999),
                target="Theorem 1's condition beta2 = 1/(1+C²) violated",
                control=True,
            ),
            rules.scale(
                1.1,
                name="(2C-4)/3 x 1.1",
                part="adam_regret",
                target="regret constant 10% too large",
            ),
            rules.scale(
                0.9,
                name="(2C-4)/3 x 0.9",
                part="adam_regret",
                target="regret constant 10% too small",
            ),
            rules.shift(
                1 / 3,
                name="(2C-3)/3 instead of (2C-4)/3",
                part="adam_regret",
                target="a constant of the regret limit off by one (2C-4 -> 2C-3)",
            ),
            rules.replace(
                -1.0,
                name="Adam converges to the optimum -1",
                part="adam_x",
                target="no failure: Adam's limit the optimum, not the worst point",
            ),
            rules.replace(
                1.0,
                name="AMSGrad also goes to +1",
                part="amsgrad_x",
                target="AMSGrad's fix ineffective (same limit as Adam)",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "r_t1_figure"),
    ),
    Claim(
        id="R-T2",
        title="R18 Thm 2 (recalled conditions): at the smallest admissible C, Adam fails",
        statement=(
            "For (beta1, beta2) with beta1 < sqrt(beta2), the smallest even C meeting the "
            "recalled conditions gives a period-C instance on which the cyclic drift is "
            "negative and Adam goes to +1."
        ),
        source="Reddi, Kale & Kumar 2018, Theorem 2 (conditions recalled, §3.3)",
        provenance="recalled",
        rule=rules.all_of(drift=rules.every(), limit=rules.every()),
        scope=(
            "per tested (beta1, beta2): the cyclic drift (predicted < 0) and Adam's last "
            "iterate (predicted within 0.01 of +1)"
        ),
        evaluate=lambda ctx: _t2(ctx, use_smallest=True),
        sensitivity=(
            rules.assumption(
                "C = 4 instead of the smallest admissible C",
                lambda ctx: _t2(ctx, use_smallest=False),
                target="the recalled admissibility condition on C violated",
                control=True,
            ),
            rules.replace(
                lambda _p: _Near(-1.0, 0.01),
                name="Adam converges to the optimum -1",
                part="limit",
                target="no failure: Adam's limit the optimum instead of +1",
            ),
            rules.replace(
                lambda _p: _Sign(+1),
                name="cyclic drift > 0",
                part="drift",
                target="sign of the drift flipped",
            ),
        ),
    ),
    Claim(
        id="R-T3",
        title="R18 Thm 3: the stochastic version drifts to +1 for large C",
        statement=(
            "f(x, xi) = Cx w.p. (1+delta)/(C+1), else -x, on [-1,1] (E f = delta x): "
            "for C beyond the threshold where the one-step bound on E[g/sqrt(v)] turns "
            "negative (SymPy, theory.reddi), Adam (beta1 = 0, beta2 = 0.3, delta = 0.5) "
            "goes to +1."
        ),
        source="Reddi, Kale & Kumar 2018, Theorem 3 (constants recalled)",
        provenance="primary",
        rule=rules.close_to(0.1, relative=False),
        scope="final iterate x_T of 32 independent runs at C = 2 x threshold, limit +1",
        evaluate=lambda ctx: _t3(ctx, large=True),
        sensitivity=(
            rules.assumption(
                "C = 1.5 (below the threshold; the bound is positive there)",
                lambda ctx: _t3(ctx, large=False),
                target="the condition C beyond the threshold violated",
                control=True,
            ),
            rules.replace(
                -1.0,
                name="Adam converges to the optimum -1",
                target="no failure: the limit is the optimum of E f",
            ),
            rules.shift(-0.25, name="limit 3/4 (an interior point)", target="limit off by 1/4"),
        ),
    ),
)
