"""Claims from Reddi, Kale & Kumar 2018 (R18), "On the convergence of Adam and beyond"."""

from __future__ import annotations

import numpy as np

from ..kernels import adam, amsgrad, run, sgd
from ..plots.claim_figures import compact, log_indices, r_t1_figure
from ..problems import reddi_cyclic, reddi_stochastic
from ..theory import divergence, reddi
from .base import Claim, Context, Outcome

_T1_C = 4.0
_T1_ETA = 0.5


def _average_regret(x_path: np.ndarray, C: float, period: int) -> np.ndarray:
    """R_t/t for the cyclic losses (component 0: Cx, else -x) against the optimum x* = -1."""
    t = np.arange(x_path.size)
    g = np.where(t % period == 0, C, -1.0)
    return np.cumsum(g * x_path - g * (-1.0)) / np.arange(1, x_path.size + 1)


def _t1(ctx: Context, beta2: float) -> Outcome:
    C = _T1_C
    steps = 30_000 if ctx.profile == "quick" else 300_000
    predicted = float(reddi.theorem1_average_regret_limit_numeric()(C))
    problem = reddi_cyclic(C)
    kw = {"steps": steps, "sampling": "cyclic", "schedule": "inv_sqrt_step", "record": 1,
          "backend": "numpy"}
    out, curves = {}, {}
    shown = log_indices(steps, 200)  # the figure's points: log-spaced steps
    for name, opt in (("adam", adam(_T1_ETA, 0.0, beta2, eps=0.0, bias_correction=False)),
                      ("amsgrad", amsgrad(_T1_ETA, 0.0, beta2, eps=0.0, variant="paper")),
                      ("sgd", sgd(_T1_ETA))):
        ds = run(problem, opt, **kw)
        path = ds.x.values[0, :-1, 0]
        regret = _average_regret(path, C, 3)
        out[name] = (float(ds.x_final.values[0, 0]), float(regret[-1]))
        curves[f"{name}_x"] = compact(path[shown])
        curves[f"{name}_regret"] = compact(regret[shown])
    adam_x, adam_r = out["adam"]
    ok = (adam_x >= 0.99 and abs(adam_r - predicted) <= 0.01 * predicted
          and all(out[k][0] <= -0.9 and out[k][1] <= 0.05 for k in ("amsgrad", "sgd")))
    return Outcome(
        "pass" if ok else "fail",
        predicted=f"Adam -> +1 with R_T/T -> (2C-4)/3 = {predicted:.4f}; AMSGrad, SGD -> -1",
        measured=(f"T={steps}: Adam x={adam_x:+.3f}, R/T={adam_r:.4f}; AMSGrad "
                  f"x={out['amsgrad'][0]:+.3f}, R/T={out['amsgrad'][1]:.4f}; SGD "
                  f"x={out['sgd'][0]:+.3f}, R/T={out['sgd'][1]:.4f}"),
        values={"predicted_regret": predicted, "C": C, "beta2": beta2, "steps": steps,
                **{f"{k}_x_final": v[0] for k, v in out.items()},
                **{f"{k}_average_regret": v[1] for k, v in out.items()},
                "curves": {"t": (shown + 1).tolist(), **curves}},
    )


def t1_check(ctx: Context) -> Outcome:
    return _t1(ctx, float(reddi.theorem1_beta2(_T1_C)))


def t1_control(ctx: Context) -> Outcome:
    return _t1(ctx, 0.999)  # beta2 far above 1/(1+C^2): Theorem 1's setting violated


_T2_POINTS = {"quick": ((0.0, 0.3), (0.5, 0.9)), "full": ((0.0, 0.3), (0.0, 0.9), (0.5, 0.9))}


def _t2(ctx: Context, use_smallest: bool) -> Outcome:
    rows = []
    ok = True
    for b1, b2 in _T2_POINTS[ctx.profile]:
        C = reddi.smallest_admissible_C(b1, b2) if use_smallest else 4
        mu = float(divergence.cyclic_drift(b1, b2, C, float(C)))
        periods = 60 if ctx.profile == "quick" else 300
        ds = run(reddi_cyclic(float(C), period=C),
                 adam(0.5, b1, b2, eps=0.0, bias_correction=False), steps=periods * C,
                 sampling="cyclic", schedule="inv_sqrt_step", record=C, backend="numpy")
        x_end = float(ds.x.values[0, -1, 0])
        rows.append((b1, b2, C, mu, x_end))
        ok &= mu < 0 and x_end >= 0.99
    return Outcome(
        "pass" if ok else "fail",
        predicted="at the smallest admissible even C: cyclic drift < 0 and Adam -> +1",
        measured="; ".join(f"({b1}, {b2}): C={C}, mu={mu:.3g}, x_end={x:+.3f}"
                           for b1, b2, C, mu, x in rows),
        values={"rows": [dict(zip(("beta1", "beta2", "C", "drift", "x_end"), r, strict=True))
                         for r in rows]},
    )


def t2_check(ctx: Context) -> Outcome:
    return _t2(ctx, use_smallest=True)


def t2_control(ctx: Context) -> Outcome:
    return _t2(ctx, use_smallest=False)  # C = 4 is not admissible: drift > 0 at beta2 = 0.9


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


def _t3(ctx: Context, large: bool) -> Outcome:
    delta, beta2 = _T3_DELTA, _T3_BETA2
    threshold = _t3_threshold()
    C = 2.0 * threshold if large else 1.5
    steps = 20_000 if ctx.profile == "quick" else 200_000
    problem = reddi_stochastic(C, delta)
    ds = run(problem, adam(0.5, 0.0, beta2, eps=0.0, bias_correction=False), steps=steps,
             sampling="iid", schedule="inv_sqrt_step", trajectories=32, seed=ctx.seed,
             record="final", backend="numpy")
    x = ds.x_final.values[:, 0]
    mean, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
    ok = mean - 1.96 * se >= 0.9
    return Outcome(
        "pass" if ok else "fail",
        predicted=(f"E f = {delta}x (optimum -1); the SymPy bound makes E[g/sqrt(v)] < 0 for "
                   f"C >= {threshold:g} (beta1=0, beta2={beta2}), so Adam -> +1"),
        measured=f"C={C:g}: mean x_T = {mean:+.4f} ± {1.96 * se:.4f} (32 runs, T={steps})",
        values={"C": C, "threshold_C": threshold, "delta": delta, "beta2": beta2,
                "mean_x": mean, "ci": 1.96 * se,
                "p": float(reddi.theorem3_probability(C, delta))},
    )


def t3_check(ctx: Context) -> Outcome:
    return _t3(ctx, large=True)


def t3_control(ctx: Context) -> Outcome:
    return _t3(ctx, large=False)  # C = 1.5: the bound is positive, the sampled majority is +C


CLAIMS = (
    Claim(
        id="R-T1",
        title="R18 Thm 1: Adam goes to the worst point with regret (2C-4)/3 per step",
        statement=("On f_t = Cx (t mod 3 = 1) else -x over [-1,1], C = 4, beta1 = 0, "
                   "beta2 = 1/(1+C²), eta_t = eta/sqrt(t), Adam converges to +1 and R_T/T -> "
                   "(2C-4)/3 (derived by SymPy), while AMSGrad and SGD go to -1 with R_T/T -> 0."),
        source="Reddi, Kale & Kumar 2018, Theorem 1",
        provenance="primary",
        rule=("pass iff Adam's x_T >= 0.99 and |R_T/T - (2C-4)/3| <= 1% of it, and AMSGrad and "
              "SGD end at x_T <= -0.9 with R_T/T <= 0.05"),
        control_description="beta2 = 0.999 instead of 1/(1+C²) (Theorem 1's setting violated)",
        check=t1_check,
        control=t1_control,
        figure=r_t1_figure,
    ),
    Claim(
        id="R-T2",
        title="R18 Thm 2 (recalled conditions): at the smallest admissible C, Adam fails",
        statement=("For (beta1, beta2) with beta1 < sqrt(beta2), the smallest even C meeting the "
                   "recalled conditions gives a period-C instance on which the cyclic drift is "
                   "negative and Adam goes to +1."),
        source="Reddi, Kale & Kumar 2018, Theorem 2 (conditions recalled, THEORY §3.3)",
        provenance="recalled",
        rule="pass iff at every tested point the drift is < 0 and Adam's last iterate >= 0.99",
        control_description="C = 4 instead of the smallest admissible C",
        check=t2_check,
        control=t2_control,
    ),
    Claim(
        id="R-T3",
        title="R18 Thm 3: the stochastic version drifts to +1 for large C",
        statement=("f(x, xi) = Cx w.p. (1+delta)/(C+1), else -x, on [-1,1] (E f = delta x): "
                   "for C beyond the threshold where the one-step bound on E[g/sqrt(v)] turns "
                   "negative (SymPy, theory.reddi), Adam (beta1 = 0, beta2 = 0.3, delta = 0.5) "
                   "goes to +1."),
        source="Reddi, Kale & Kumar 2018, Theorem 3 (constants recalled)",
        provenance="primary",
        rule="pass iff the lower 95% bound of the mean final iterate over 32 runs is >= 0.9",
        control_description="C = 1.5 (below the threshold; the bound is positive there)",
        check=t3_check,
        control=t3_control,
    ),
)
