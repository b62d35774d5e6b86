"""Claims from Reddi, Kale & Kumar 2018 (R18), "On the convergence of Adam and beyond"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import rules
from .._arrays import compact, log_indices
from ..kernels import adam, amsgrad, sgd
from ..problems import reddi_cyclic, reddi_stochastic
from ..rules import Perturbation
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


@lru_cache(maxsize=8)
def _t1_run(name: str, beta2: float | None, steps: int) -> tuple[float, np.ndarray]:
    """One deterministic R18 Theorem 1 run (cyclic order, eta_t = eta/sqrt(t)): the final
    iterate and the path x_1 .. x_T (read-only)."""
    opt = {
        "adam": lambda: adam(_T1_ETA, 0.0, beta2, eps=0.0, bias_correction=False),
        "amsgrad": lambda: amsgrad(_T1_ETA, 0.0, beta2, eps=0.0, variant="paper"),
        "sgd": lambda: sgd(_T1_ETA),
    }[name]()
    # the fused 1-D kernel: bit-identical to kernels.run (tests/test_kernel_paths.py)
    from ..kernels.atlas import path_runs  # Numba loads on first use only

    out = path_runs(
        reddi_cyclic(_T1_C),
        opt,
        steps=steps,
        sampling="cyclic",
        schedule="inv_sqrt_step",
        record=1,
    )
    path = out["x"][0, :-1].copy()
    path.setflags(write=False)
    return float(out["x_final"][0]), path


def _t1(ctx: Context, beta2: float) -> Evidence:
    """Final iterates and R_T/T (data) against the limits +1, (2C-4)/3 and -1, 0 (prediction)."""
    C = _T1_C
    steps = 30_000 if ctx.profile == "quick" else 300_000
    predicted = float(reddi.theorem1_average_regret_limit_numeric()(C))
    out, curves = {}, {}
    shown = log_indices(steps, 200)  # the figure's points: log-spaced steps
    for name in ("adam", "amsgrad", "sgd"):
        # SGD does not depend on beta2: the claim's run and the perturbation's share it
        x_final, path = _t1_run(name, None if name == "sgd" else beta2, steps)
        regret = _average_regret(path, C, 3)
        out[name] = (x_final, float(regret[-1]))
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
    from ..kernels.atlas import path_runs  # Numba loads on first use only

    rows = []
    for b1, b2 in _T2_POINTS[ctx.profile]:
        C = reddi.smallest_admissible_C(b1, b2) if use_smallest else 4
        mu = float(divergence.cyclic_drift(b1, b2, C, float(C)))
        periods = 60 if ctx.profile == "quick" else 300
        out = path_runs(
            reddi_cyclic(float(C), period=C),
            adam(0.5, b1, b2, eps=0.0, bias_correction=False),
            steps=periods * C,
            sampling="cyclic",
            schedule="inv_sqrt_step",
            record=C,
        )
        x_end = float(out["x"][0, -1])
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
    from ..kernels.atlas import path_runs  # Numba loads on first use only

    x = path_runs(
        problem,
        adam(0.5, 0.0, beta2, eps=0.0, bias_correction=False),
        steps=steps,
        sampling="iid",
        schedule="inv_sqrt_step",
        trajectories=32,
        seed=ctx.seed,
    )["x_final"]
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


# ----------------------------------------------------------------------------- R-FIG1
# R18 Section 5, synthetic experiments: f_t = 1010x if t mod 101 = 1 else -10x (online) and
# 1010x w.p. 0.01 else -10x (stochastic), on [-1, 1], beta1 = 0.9, beta2 = 0.99.

_FIG1_BETA1 = 0.9
_FIG1_BETA2 = (0.99, 0.999, 0.9999)  # R18's 0.99, then either side of beta2*(0.9) = 0.99952
_FIG1_BIG, _FIG1_SMALL, _FIG1_PERIOD, _FIG1_P = 1010.0, -10.0, 101, 0.01
_FIG1_ETA = 0.5
_FIG1_SIZES = {"quick": (4_000_000, 10_000_000, 8), "full": (40_000_000, 10_000_000, 32)}
_FIG1_RULE = rules.all_of(
    online_x=rules.each_of(rules.close_to(0.01, relative=False), label="run"),
    regret=rules.each_of(rules.close_to(0.02, relative=False), label="run"),
    drift=rules.identity(1e-9),
    stochastic_x=rules.each_of(rules.close_to(0.05, relative=False), label="algorithm"),
)


def _fig1_ratio() -> tuple[int, float]:
    """(n, r) of the online pattern in the drift's units: one big gradient per period."""
    return _FIG1_PERIOD, _FIG1_BIG / -_FIG1_SMALL


def _fig1_edge() -> float:
    """beta2*(beta1 = 0.9) of the online pattern: the root of the closed-form cyclic drift."""
    n, r = _fig1_ratio()
    return float(divergence.beta2_boundary([_FIG1_BETA1], n, r)[0])


def _fig1_prediction(edge: float, drift_factor: float = 1.0, adam_limit: float = 1.0) -> dict:
    """Limits, regrets and drifts predicted for the runs of :func:`_fig1`.

    Adam's online limit is +1 (the worst point) where beta2 < ``edge`` (mu < 0) and -1 above
    it; AMSGrad goes to -1. The second-half average regret is 2 E[g] = 20/101 at x = +1 and
    0 at x = -1. ``adam_limit`` = -1 is the "Adam converges" perturbation.
    """
    n, r = _fig1_ratio()
    mean_g = (_FIG1_BIG + (_FIG1_PERIOD - 1) * _FIG1_SMALL) / _FIG1_PERIOD
    online, regret = {}, {}
    for b2 in _FIG1_BETA2:
        lim = adam_limit if b2 < edge else -1.0
        online[f"adam, beta2={b2:g}"] = lim
        regret[f"adam, beta2={b2:g}"] = mean_g * (lim + 1.0)
    online[f"amsgrad, beta2={_FIG1_BETA2[0]:g}"] = -1.0
    regret[f"amsgrad, beta2={_FIG1_BETA2[0]:g}"] = 0.0
    mu = divergence.cyclic_drift(np.full(len(_FIG1_BETA2), _FIG1_BETA1), _FIG1_BETA2, n, r)
    return {
        "online_x": online,
        "regret": regret,
        "drift": np.asarray(mu, dtype=np.float64) * drift_factor,
        "stochastic_x": {"adam": adam_limit, "amsgrad": -1.0},
    }


def _second_half_regret(out: dict) -> np.ndarray:
    """(R_T - R_h)/(T - h) from the recorded average regrets, h the recorded step nearest T/2."""
    t = out["t"]
    total = out["regret"][..., :] * t
    h = int(np.searchsorted(t, t[-1] // 2))
    return (total[..., -1] - total[..., h]) / (t[-1] - t[h])


def _fig1(ctx: Context) -> Evidence:
    from ..kernels.atlas import ReddiConfig, reddi_runs

    online_steps, stochastic_steps, runs = _FIG1_SIZES[ctx.profile]
    common = {"big": _FIG1_BIG, "small": _FIG1_SMALL, "period": _FIG1_PERIOD, "lr": _FIG1_ETA}
    b1 = np.full(len(_FIG1_BETA2), _FIG1_BETA1)
    adam_on = reddi_runs(b1, _FIG1_BETA2, ReddiConfig("online", online_steps, **common))
    ams_on = reddi_runs(
        b1[:1], _FIG1_BETA2[:1], ReddiConfig("online", online_steps, amsgrad=True, **common)
    )
    seed = int(ctx.rng(101).integers(0, 2**31))
    stoch = {
        name: reddi_runs(
            [_FIG1_BETA1],
            [_FIG1_BETA2[0]],
            ReddiConfig(
                "stochastic", stochastic_steps, p=_FIG1_P, amsgrad=ams, seed=seed, **common
            ),
            trajectories=runs,
        )
        for name, ams in (("adam", False), ("amsgrad", True))
    }
    keys = [f"adam, beta2={b2:g}" for b2 in _FIG1_BETA2]
    ams_key = f"amsgrad, beta2={_FIG1_BETA2[0]:g}"
    regret_adam = _second_half_regret(adam_on)[:, 0]
    data = {
        "online_x": {
            **{k: float(adam_on["x_final"][i, 0]) for i, k in enumerate(keys)},
            ams_key: float(ams_on["x_final"][0, 0]),
        },
        "regret": {
            **{k: float(regret_adam[i]) for i, k in enumerate(keys)},
            ams_key: float(_second_half_regret(ams_on)[0, 0]),
        },
        "drift": adam_on["drift"][:, 0],
        "stochastic_x": {k: v["x_final"][0] for k, v in stoch.items()},
    }
    edge = _fig1_edge()
    prediction = _fig1_prediction(edge)
    shown = np.unique(np.linspace(0, adam_on["t"].size - 1, 120).astype(int))
    curves = {
        "t": adam_on["t"][shown].tolist(),
        "adam_x": compact(adam_on["x"][0, 0, shown]),
        "amsgrad_x": compact(ams_on["x"][0, 0, shown]),
        "adam_regret": compact(adam_on["regret"][0, 0, shown]),
        "amsgrad_regret": compact(ams_on["regret"][0, 0, shown]),
    }
    st_shown = np.unique(np.linspace(0, stoch["adam"]["t"].size - 1, 120).astype(int))
    stochastic_curves = {
        "t": stoch["adam"]["t"][st_shown].tolist(),
        "adam_x": compact(stoch["adam"]["x"][0, :, st_shown].mean(axis=1)),
        "amsgrad_x": compact(stoch["amsgrad"]["x"][0, :, st_shown].mean(axis=1)),
    }
    mu = [float(v) for v in prediction["drift"]]
    return Evidence(
        data,
        prediction,
        values={
            "beta1": _FIG1_BETA1,
            "beta2": list(_FIG1_BETA2),
            "beta2_star": edge,
            "drift_predicted": mu,
            "drift_measured": data["drift"].tolist(),
            "online_steps": online_steps,
            "stochastic_steps": stochastic_steps,
            "runs": runs,
            "lr": _FIG1_ETA,
            "period": _FIG1_PERIOD,
            "seed": seed,
            "curves": curves,
            "stochastic_curves": stochastic_curves,
            "regret_limit": float(prediction["regret"][keys[0]]),
            "x_final": data["online_x"],
            "stochastic_mean_x": {k: float(np.mean(v)) for k, v in data["stochastic_x"].items()},
        },
        predicted=(
            f"beta1 = 0.9: mu_cyc = {', '.join(f'{m:+.4f}' for m in mu)} at beta2 = "
            f"{_FIG1_BETA2}, beta2* = {edge:.5f}: Adam -> +1 below beta2*, -1 above; AMSGrad "
            "-> -1; second-half R/T -> 20/101 at +1, 0 at -1; stochastic: Adam -> +1, "
            "AMSGrad -> -1 (R18 Section 5)"
        ),
        measured=(
            f"online T = {online_steps}: x_T = "
            + ", ".join(f"{v:+.4f}" for v in data["online_x"].values())
            + f"; stochastic T = {stochastic_steps}, {runs} runs: mean x_T = "
            + ", ".join(f"{k} {np.mean(v):+.4f}" for k, v in data["stochastic_x"].items())
        ),
    )


def _fig1_perturbed(**kw):
    """A perturbed theory for R-FIG1 (edge moved, drift scaled, Adam converging)."""
    move = kw.pop("gap_factor", 1.0)  # 1 - beta2* scaled by this factor

    def transform(_prediction: dict) -> dict:
        return _fig1_prediction(1.0 - move * (1.0 - _fig1_edge()), **kw)

    return transform


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
        id="R-FIG1",
        title="R18 Section 5: Adam -> +1, AMSGrad -> -1 on the 1010x / -10x examples",
        statement=(
            "Online f_t = 1010x if t mod 101 = 1 else -10x and stochastic 1010x w.p. 0.01 "
            "else -10x on [-1, 1], beta1 = 0.9, beta2 = 0.99, eta_t = eta/sqrt(t): Adam goes "
            "to the worst point +1 and AMSGrad to the optimum -1 (R18). The drift explains "
            "it: mu(0.9, 0.99; n = 101, r = 101) = -1.90 < 0, and Adam's limit flips to -1 "
            "above beta2*(0.9) = 0.99952."
        ),
        source="Reddi, Kale & Kumar 2018, Section 5 (synthetic experiments); docs/theory §3.3",
        provenance="primary",
        rule=_FIG1_RULE,
        scope=(
            "online (one run each): Adam at beta2 = 0.99, 0.999 (below beta2*) and 0.9999 "
            "(above) and AMSGrad at 0.99: [online_x] x_T within 0.01 of the predicted limit; "
            "[regret] the second-half average regret within 0.02 of 2E[g](x_lim + 1); "
            "[drift] the measured per-period direction sum over the second half against "
            "the closed-form mu_cyc (rel. 1e-9); [stochastic_x] the mean x_T of independent "
            "runs (t interval) within 0.05 of +1 (Adam) and -1 (AMSGrad). No bias correction, "
            "eps = 0, x0 = 0, eta = 0.5 (R18's Adam)"
        ),
        evaluate=_fig1,
        sensitivity=(
            Perturbation(
                "Adam converges to the optimum -1 (both settings)",
                "no failure of Adam",
                transform=_fig1_perturbed(adam_limit=-1.0),
                control=True,
            ),
            Perturbation(
                "drift 2x",
                "constant 2x off",
                transform=_fig1_perturbed(drift_factor=2.0),
            ),
            Perturbation(
                "1 - beta2*(0.9) 3x larger (beta2* = 0.9986)",
                "the divergence edge 3x off in 1 - beta2",
                transform=_fig1_perturbed(gap_factor=3.0),
            ),
            Perturbation(
                "1 - beta2*(0.9) 10x smaller (beta2* = 0.99995)",
                "the divergence edge 10x off in 1 - beta2",
                transform=_fig1_perturbed(gap_factor=0.1),
            ),
            rules.replace(
                1.0,
                part=("stochastic_x", "amsgrad"),
                name="AMSGrad also goes to +1 (stochastic)",
                target="AMSGrad's fix ineffective",
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "r_fig1_figure"),
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
