r"""Claim COORD: the coordinate-wise advantage of clipped Adam, quantitatively (docs/theory §4).

Prediction (:mod:`adamtheory.theory.o2nc_coord`, derived): with per-coordinate constants
:math:`G_i, \sigma_i, H_i`, the iterations each arm's ℓ1 bound needs for the target ε have the
ratio

.. math::

   R(d) = \frac{T_{\mathrm{global}}}{T_{\mathrm{coord}}}
        = d^{3/2}\Big(\frac{\|G\|_2+\|\sigma\|_2}{\|G\|_1+\|\sigma\|_1}\Big)^2
          \Big(\frac{H_{\max}}{\|H\|_1}\Big)^{1/2}.

Measurement (:func:`adamtheory.kernels.o2nc_coord.steps_to_target`): each arm runs at its own
derived (β, D) for the same ε, on :math:`F = \sum_i a_i(1-\cos x_i)` with spiky scales
:math:`a_i \propto 1/i` with spiky noise :math:`\sigma_i = a_i/2` (R as without noise) and with
isotropic noise :math:`\sigma_i = 1/\sqrt d` (which shrinks R), and on flat ones; the result is
the first step at which :math:`\|\nabla F(\bar y_t)\|_1 \le \varepsilon`, with ε a fixed
fraction of the exact start measure (so the start is certified not to meet it). Per trajectory
id (the two arms share their counter-based streams) the ratio of hitting steps
global/coordinate; the log-ratio is fitted against log d.

Rule: spiky, the fitted slope's 95% interval must lie within ± δ of the predicted slope, with
δ = ln 1.5 / ln 16 = 0.146: over the quick profile's d = 4..64 the measured advantage may grow
slower or faster than predicted by at most the stated factor 1.5 (two-sided: the lower side is
the claim, the upper side is what tells d^{3/2} from d); flat, each ratio's interval within the
factor of the predicted 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import rules
from ..problems.o2nc_coords import coordinate_instance
from ..theory import o2nc_coord
from .base import Claim, Context, Evidence, lazy_figure

__all__ = ["CLAIMS", "FACTOR", "SLOPE_TOLERANCE", "TARGET_FRACTION"]

#: The stated factor: over the range of d the measured advantage may differ from R(d)'s growth
#: by at most this factor (spiky slope) and the flat ratio from 1 by at most this factor.
FACTOR = 1.5
#: ε = this fraction of the start's exact ℓ1 measure. The prediction is asymptotic (small ε):
#: at 0.5 the global arm needs only the largest coordinates and its ℓ2→ℓ1 conversion is loose
#: (measured slope 0.68 [0.65, 0.71] against 0.81 on d = 4..64; 0.705 [0.689, 0.722] against
#: 0.892 on 4..256), at 0.15 it is not (docs/o2nc.md).
TARGET_FRACTION = 0.15
#: The common constant C of the regret-plus-noise term (cancels in R; sets both arms' β, D, T).
C_CONSTANT = 0.25
NOISE_RATIO = 0.5
ISOTROPIC_RATIO = 1.0
# the rule's slope tolerance is fixed before the run: ln 1.5 / ln 16 = 0.146, a factor 1.5 over
# the quick profile's d = 4..64 (over the full profile's 4..256 the same slope band is a
# factor 1.83). Hitting steps barely vary between trajectories (relative spread < 1%), so 4
# trajectories (quick) and 8 (full) suffice.
_PROFILES = {
    "quick": {"dims": (4, 16, 64), "trajectories": 4},
    "full": {"dims": (4, 8, 16, 32, 64, 128, 256), "trajectories": 8},
}
# T_max = 3 T_derived; a censored run keeps T_max + 1 (never dropped) and a pass with any
# censored run becomes inconclusive (the precondition)
_CAP = 3.0


def _tolerance(dims: tuple[int, ...]) -> float:
    return math.log(FACTOR) / math.log(max(dims) / min(dims))


#: The spiky slope band ± this (a factor FACTOR over the quick profile's d = 4..64).
SLOPE_TOLERANCE = _tolerance(_PROFILES["quick"]["dims"])


def _arm(instance: Any, arm: str, eps: float, seed: int, n: int) -> dict[str, Any]:
    from ..kernels.o2nc_coord import steps_to_target

    sched = o2nc_coord.arm_schedule(
        arm,
        eps,
        instance.delta_F,
        instance.G_coords,
        instance.sigma_coords,
        instance.H_coords,
        C=C_CONSTANT,
    )
    T_max = int(math.ceil(_CAP * sched.T))
    hits, final = steps_to_target(
        instance.problem,
        instance.sigma_coords,
        D=sched.D,
        beta=sched.beta,
        coordinatewise=arm == "coordinate",
        T_max=T_max,
        target=eps,
        seed=seed,
        trajectories=n,
    )
    return {
        "hits": hits,
        "beta": sched.beta,
        "D": sched.D,
        "T_derived": sched.T,
        "T_max": T_max,
        "censored": int(np.sum(hits > T_max)),
        "final_l1_max": float(final.max()),
    }


# (part, scales, noise, ||sigma||_2): spiky scales with spiky (proportional) noise, which leaves
# R as for sigma = 0; spiky scales with isotropic noise as large as the gradient, which shrinks
# R (slope 0.53 instead of 0.81 on d = 4..64: the sigma terms of R are tested); flat scales
_FAMILIES = (
    ("spiky", "spiky", "proportional", NOISE_RATIO),
    ("isotropic", "spiky", "isotropic", ISOTROPIC_RATIO),
    ("flat", "flat", "proportional", NOISE_RATIO),
)


def _row(inst: Any, d: int, eps: float, res: dict[str, Any], part: str) -> dict[str, Any]:
    hc, hg = res["coordinate"]["hits"], res["global"]["hits"]
    return {
        "kind": part,
        "instance": inst.kind,
        "d": d,
        "epsilon": eps,
        "start_l1": inst.start_l1,
        "delta_F": inst.delta_F,
        "sigma_l2": float(np.linalg.norm(inst.sigma_coords)),
        "ratio": float(hg.mean() / hc.mean()),
        "predicted_advantage": o2nc_coord.advantage(
            inst.G_coords, inst.sigma_coords, inst.H_coords
        ),
        "heuristic_advantage": o2nc_coord.heuristic_advantage(
            inst.G_coords, inst.sigma_coords, inst.H_coords
        ),
        **{
            f"{arm}_{key}": (float(np.mean(r["hits"])) if key == "hits" else r[key])
            for arm, r in res.items()
            for key in ("hits", "beta", "D", "T_derived", "T_max", "censored")
        },
        "coordinate_T_hit_over_T_derived": float(hc.mean() / res["coordinate"]["T_derived"]),
        "global_T_hit_over_T_derived": float(hg.mean() / res["global"]["T_derived"]),
    }


def _measure(ctx: Context, target_fraction: float = TARGET_FRACTION) -> Evidence:
    """Run both arms on every instance family and d of the profile."""
    cfg = _PROFILES[ctx.profile]
    dims, n = cfg["dims"], cfg["trajectories"]
    seed = int(ctx.rng(0).integers(2**31))
    rows: dict[str, dict[str, Any]] = {}
    ratios: dict[str, list[np.ndarray]] = {"spiky": [], "isotropic": []}
    flat_data, flat_pred = {}, {}
    for part, kind, noise, level in _FAMILIES:
        for d in dims:
            inst = coordinate_instance(d, kind=kind, noise=noise, noise_ratio=level)
            eps = inst.certify(target_fraction * inst.start_l1)
            res = {arm: _arm(inst, arm, eps, seed, n) for arm in o2nc_coord.ARMS}
            row = rows[f"{part} d={d}"] = _row(inst, d, eps, res, part)
            hc, hg = res["coordinate"]["hits"], res["global"]["hits"]
            if part == "flat":
                flat_data[f"d={d}"] = {
                    "numerator": hg.astype(np.float64),
                    "denominator": hc.astype(np.float64),
                }
                flat_pred[f"d={d}"] = row["predicted_advantage"]
            else:
                ratios[part].append(hg / hc)
    censored = sum(r["coordinate_censored"] + r["global_censored"] for r in rows.values())
    data: dict[str, Any] = {"flat": flat_data}
    prediction: dict[str, Any] = {"flat": flat_pred}
    fits: dict[str, dict[str, Any]] = {}
    for part in ratios:
        y = np.asarray(ratios[part], dtype=np.float64)
        data[part] = {"x": list(dims), "y": y}
        pred = [rows[f"{part} d={d}"]["predicted_advantage"] for d in dims]
        heur = [rows[f"{part} d={d}"]["heuristic_advantage"] for d in dims]
        prediction[part] = o2nc_coord.advantage_slope(dims, pred)
        slope, lo, hi = rules.slope_interval(dims, y)
        fits[part] = {
            "predicted_slope": prediction[part],
            "heuristic_slope": o2nc_coord.advantage_slope(dims, heur),
            "measured_slope": slope,
            "measured_slope_interval": [lo, hi],
            "predicted": pred,
            "measured": [rows[f"{part} d={d}"]["ratio"] for d in dims],
        }

    def _list(values: list[float]) -> str:
        return ", ".join(f"{v:.3g}" for v in values)

    def _fractions(part: str, arm: str) -> str:
        return _list([rows[f"{part} d={d}"][f"{arm}_T_hit_over_T_derived"] for d in dims])

    return Evidence(
        data,
        prediction,
        values={
            "rows": rows,
            "fits": fits,
            "dims": list(dims),
            "trajectories": n,
            "seed": seed,
            # the headline (spiky scales, spiky noise) for the report and tests
            **{k: fits["spiky"][k] for k in ("predicted_slope", "heuristic_slope")},
            **{k: fits["spiky"][k] for k in ("measured_slope", "measured_slope_interval")},
            "tolerance": SLOPE_TOLERANCE,
            "factor": FACTOR,
            "target_fraction": target_fraction,
            "C": C_CONSTANT,
            "noise_ratio": NOISE_RATIO,
            "isotropic_ratio": ISOTROPIC_RATIO,
            "censored": censored,
            "learner": "clipped Adam (beta2 = beta^2)",
            "conversion": "uniform",
        },
        predicted=(
            "R(d) = d^{3/2}((||G||_2+||sigma||_2)/(||G||_1+||sigma||_1))^2 (H_max/||H||_1)^{1/2}"
            f" (d = {', '.join(map(str, dims))}): spiky {_list(fits['spiky']['predicted'])}; "
            f"spiky with isotropic noise {_list(fits['isotropic']['predicted'])}; flat 1"
        ),
        measured=(
            f"T_hit ratios global/coordinate: spiky {_list(fits['spiky']['measured'])}; "
            f"isotropic noise {_list(fits['isotropic']['measured'])}; flat "
            + _list([rows[f"flat d={d}"]["ratio"] for d in dims])
            + f"; spiky T_hit/T_derived coordinate {_fractions('spiky', 'coordinate')}, "
            f"global {_fractions('spiky', 'global')}; {censored} censored runs"
        ),
        precondition=(
            f"{censored} runs did not reach the target within 3 T_derived" if censored else ""
        ),
    )


def _sensitivity() -> tuple[rules.Perturbation, ...]:
    return (
        rules.replace(
            lambda p: -p,
            part="spiky",
            name="the global method better (advantage 1/R(d))",
            control=True,
            target="the direction of the advantage reversed",
        ),
        rules.shift(
            -0.5,
            part="spiky",
            name="factor d instead of d^{3/2}",
            target="the l2-to-l1 factor d (docs/theory §4's heuristic exponent)",
        ),
        rules.shift(+0.25, part="spiky", name="exponent +1/4", target="exponent off by +1/4"),
        rules.shift(-0.25, part="spiky", name="exponent -1/4", target="exponent off by -1/4"),
        # outside the prediction's regime (a large target: the global arm needs only the
        # largest coordinates, so its l2-to-l1 conversion is loose): inconclusive on the quick
        # profile (slope 0.68 [0.65, 0.71], lower edge 0.66), fails on the full one; declared,
        # not required
        rules.assumption(
            "eps = 0.5 x the start measure (the asymptotic regime left)",
            lambda ctx: _measure(ctx, 0.5),
            target="the prediction applied where the l1 conversion is loose",
            required=False,
        ),
        rules.Perturbation(
            "noise left out of R (isotropic noise predicted to change nothing)",
            "the sigma terms of R dropped (from the prediction only; sigma still sets the "
            "arms' schedules, so this fires by construction: declared, not required)",
            # with proportional noise R equals its sigma = 0 value, so the spiky part's
            # prediction is the noise-free R on the same scales and d
            transform=lambda p: {**p, "isotropic": p["spiky"]},
            required=False,
        ),
        rules.replace(
            2.0,  # every flat d (a dict part's leaves)
            part="flat",
            name="flat scales gain 2x",
            target="an advantage on flat constants (ratio 2)",
        ),
    )


CLAIMS: tuple[Claim, ...] = (
    Claim(
        id="COORD",
        title="Coordinate-wise clipped Adam's advantage grows like the derived R(d)",
        statement=(
            "At each arm's derived parameters for the same l1 target, the steps-to-target "
            "ratio global/coordinate-wise clipped Adam grows in d like R(d) = d^{3/2}"
            "((||G||_2+||sigma||_2)/(||G||_1+||sigma||_1))^2 (H_max/||H||_1)^{1/2} on spiky "
            "scales, with spiky (proportional) noise and with isotropic noise as large as the "
            "gradient (within a factor 1.5 over d = 4..64), and is 1 (within 1.5x) on flat ones."
        ),
        source=(
            "Ahn & Cutkosky 2024 (AC24), coordinate-wise adaptivity (claim); the l1 bounds, "
            "R(d) and the instances are ours (docs/theory §4, adamtheory.theory.o2nc_coord)"
        ),
        provenance="derived",
        rule=rules.all_of(
            spiky=rules.slope("two-sided", tolerance=SLOPE_TOLERANCE),
            isotropic=rules.slope("two-sided", tolerance=SLOPE_TOLERANCE),
            flat=rules.each_of(rules.ratio(within=FACTOR), label="flat d"),
        ),
        scope=(
            "spiky (sigma_i = a_i/2) and isotropic (spiky scales, sigma_i = 1/sqrt d): "
            "log(T_hit global / T_hit coordinate) per trajectory id against log d "
            f"(d = 4, 16, 64; full 4..256 in 7 steps), slope tolerance ln {FACTOR:g} / ln 16 = "
            f"{SLOPE_TOLERANCE:.3f}; "
            f"flat: each d's ratio of mean T_hit against 1; eps = {TARGET_FRACTION:g} x the "
            "exact start measure ||grad F(x0)||_1. What this tests: at the derived schedules "
            "R(d) = sqrt(d) D_coord / D_global exactly (both T are 3 c1 Delta_F/(D eps)), so "
            "the measured ratio follows R iff both arms reach the target at the same fraction "
            "of their own derived T; it is the advantage at the schedules the bounds derive, "
            "not an intrinsic one at equal or tuned budgets (not measured)"
        ),
        evaluate=_measure,
        sensitivity=_sensitivity(),
        figure=lazy_figure("adamtheory.plots.o2nc", "coordinate_figure"),
    ),
)
