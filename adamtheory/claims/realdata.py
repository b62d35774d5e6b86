r"""Claims on real data (docs/theory §6): β2*(B) on digits and the critical-β2 advisor.

* ``RD-BATCH`` — the measured transition 1 - β2* (β1 = 0) grows with the batch size B
  (equivalently β2* grows with n = N/B), with disjoint bootstrap intervals over seeds.
* ``RD-MONO`` — at fixed β1 = 0.9 < √β2, above the transition, the final error falls as β2 grows.
* ``RD-SLOPE`` — reported: the slope of log(1 - β2*) on log n.
* ``RD-ADV`` — the advisor reproduces the drift boundaries (0.9581, shuffle, n = 10, β1 = 0;
  R18's 0.99952) and says "no constraint" for identical minibatch gradients.
* ``RD-ADV-DIGITS`` — on digits the advisor ranks batch sizes as the measured sweep does and
  lands within half a decade of the measured transition.

The batch sizes of the claims (4, 8, 16) overlap the pilot that fixed the advisor's bias
threshold (2, 8, 32) only at B = 8.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .. import rules
from .base import Claim, Context, Evidence, Outcome

__all__ = ["CLAIMS"]

BATCHES = (4, 8, 16)
OM_AXIS = tuple(np.logspace(-3.5, np.log10(0.9), 20).tolist())
MONO_BATCH = 4
SOURCE = "Zhang et al. 2026 rewrite, abstract (beta2* depends on batch size); our design"
# docs/theory §3.2's reference value (n = 10, shuffle, beta1 = 0, a = 1): a shuffle-sampled
# boundary has no closed form; two independent implementations agree on it (the spec's number)
CE_BETA2 = 0.9581
#: R18's online example (1010x once per 101 steps, -10x otherwise) at beta1 = 0.9: the root of
#: the closed-form cyclic drift (docs/theory §3.3 quotes 0.99952)
R18_PERIOD, R18_RATIO, R18_BETA1 = 101, 101.0, 0.9


def _r18_beta2() -> float:
    from ..theory import divergence

    return float(divergence.beta2_boundary([R18_BETA1], R18_PERIOD, R18_RATIO)[0])


HALF_DECADE = 0.5


def _seed(ctx: Context, *key: int) -> int:
    return int(ctx.rng(*key).integers(0, 2**31))


def _shared_seed(ctx: Context) -> int:
    """The seed of the sweep the claims share: the run's root seed, not the claim's own
    (so that RD-BATCH, RD-MONO, RD-SLOPE and RD-ADV-DIGITS judge one measurement)."""
    return int(np.random.SeedSequence(ctx.seed.entropy).generate_state(1)[0] >> 1)


@lru_cache(maxsize=4)
def _sweep_cached(seed: int, profile: str, identical: bool) -> tuple[Any, Any]:
    """The digits/logistic phase run the claims share (pure in its arguments; cached).

    beta1 in (0, 0.9); with identical minibatches every seed sees the same gradients, so two
    seeds suffice for the control.
    """
    from ..analysis.phase import phase_diagram, transition

    seeds, epochs = (8, 30) if profile == "quick" else (16, 40)
    ds = phase_diagram(
        "digits",
        "logistic",
        BATCHES,
        beta1=[0.0] if identical else [0.0, 0.9],
        one_minus_beta2=OM_AXIS,
        seeds=2 if identical else seeds,
        epochs=epochs,
        eta=0.01,
        seed=seed,
        identical=identical,
    )
    return ds, transition(ds, seed=seed)


def _sweep(seed: int, profile: str, identical: bool) -> tuple[Any, Any]:
    """:func:`_sweep_cached`'s datasets as deep copies: the claims share one computation, and
    none can change what another reads."""
    ds, tr = _sweep_cached(seed, profile, identical)
    return ds.copy(deep=True), tr.copy(deep=True)


def _interleaved(tr: Any, order: tuple[int, ...] | None = None) -> tuple[list[float], list[float]]:
    pick = slice(None) if order is None else list(order)
    est = tr.one_minus_beta2_star.values[pick, 0]
    lo, hi = tr.low.values[pick, 0], tr.high.values[pick, 0]
    seq = [float(x) for pair in zip(lo, hi, strict=True) for x in pair]
    return seq, est.tolist()


def _batch_evidence(
    ctx: Context, identical: bool, order: tuple[int, ...] | None = None
) -> Evidence:
    """``order`` permutes the batch sizes (a perturbation: the measured transitions assigned to
    the wrong B)."""
    _, tr = _sweep(_shared_seed(ctx), ctx.profile, identical)
    seq, est = _interleaved(tr, order)
    batches = list(BATCHES) if order is None else [BATCHES[i] for i in order]
    return Evidence(
        seq,
        1.0,
        values={
            "batch": batches,
            "n": tr.n.values.tolist(),
            "one_minus_beta2_star": est,
            "low": seq[0::2],
            "high": seq[1::2],
            "identical_minibatches": identical,
        },
        predicted="1 - beta2* increases with B (beta2* increases with n)",
        measured=f"1 - beta2* = {', '.join(f'{x:.3g}' for x in est)} for B = {tuple(batches)}",
    )


def _mono_evidence(ctx: Context, whole_range: bool = False) -> Evidence:
    """``whole_range``: every beta2 step with beta1 < sqrt(beta2), past the floor too (a
    perturbation: "the error falls all the way to beta2 = 1")."""
    ds, _ = _sweep(_shared_seed(ctx), ctx.profile, False)
    gap = ds.tail_gap.sel(batch=MONO_BATCH, beta1=0.9).values  # (beta2, seed)
    om = ds.one_minus_beta2.values
    med = np.median(gap, axis=1)
    floor_om = om[int(np.argmin(med))]
    # from beta1 < sqrt(beta2) down to the floor; below it the finite-K optimisation term
    # O(log T / ((1 - beta2) sqrt T)) of docs/theory §3.4 takes over
    keep = np.nonzero(((om >= floor_om) | whole_range) & (om < 1 - 0.9**2))[0]
    keep = keep[np.argsort(-om[keep])]  # beta2 increasing
    data = {}
    for a, b in zip(keep[:-1], keep[1:], strict=True):
        data[f"1-b2 {om[a]:.3g}->{om[b]:.3g}"] = np.log(gap[b] / gap[a]).tolist()
    return Evidence(
        data,
        {k: 0.0 for k in data},
        values={
            "one_minus_beta2": om[keep].tolist(),
            "median_gap": np.median(gap[keep], axis=1).tolist(),
        },
        predicted=(
            f"log(error ratio) <= 0 for each step up in beta2 (B = {MONO_BATCH}, beta1 = 0.9)"
        ),
    )


def _slope_check(ctx: Context) -> Outcome:
    _, tr = _sweep(_shared_seed(ctx), ctx.profile, False)
    est = tr.one_minus_beta2_star.values[:, 0]
    n = tr.n.values.astype(float)
    if not np.all(np.isfinite(est)):
        return Outcome("reported", "-", "no transition on the grid for some B", {})
    s, lo, hi = rules.slope_interval(n, est)
    return Outcome(
        "reported",
        "the 2026 rewrite gives no exponent; the 1-D counterexample has -2 (docs/theory §3.2)",
        f"slope of log(1 - beta2*) on log n: {s:.2f} [{lo:.2f}, {hi:.2f}] (n = "
        f"{', '.join(str(int(x)) for x in n)})",
        {"n": n.tolist(), "one_minus_beta2_star": est.tolist(), "slope": s, "ci": [lo, hi]},
    )


def _adv_evidence(ctx: Context) -> Evidence:
    from ..analysis.advisor import critical_beta2

    seed = _seed(ctx, 3)
    n = 10
    ce = critical_beta2(
        np.array([[float(n)]] + [[-1.0]] * (n - 1)),
        beta1=[0.0],
        target_beta1=0.0,
        one_minus_beta2=np.linspace(0.03, 0.055, 26),
        epochs=300,
        burn_in=30,
        chains=8,
        seed=seed,
    )
    r18 = critical_beta2(
        np.array([[1010.0]] + [[-10.0]] * 100),
        beta1=[0.9],
        target_beta1=0.9,
        sampling="cyclic",
        one_minus_beta2=np.linspace(3e-4, 7e-4, 21),
        epochs=30,
        burn_in=150,
        chains=2,
        seed=seed,
    )
    same = critical_beta2(
        np.tile([[0.3, -1.0, 2.0]], (20, 1)),
        beta1=[0.0, 0.9],
        seed=seed,
        epochs=20,
        burn_in=5,
        chains=2,
    )
    ce_b, r18_b = 1 - ce.one_minus_beta2_star[0], 1 - r18.one_minus_beta2_star[0]
    return Evidence(
        {"counterexample": ce_b, "r18": r18_b, "identical": float(same.no_constraint)},
        {"counterexample": CE_BETA2, "r18": _r18_beta2(), "identical": 1.0},
        values={
            "counterexample": ce_b,
            "counterexample_interval": [1 - ce.high[0], 1 - ce.low[0]],
            "r18": r18_b,
            "identical_no_constraint": same.no_constraint,
        },
        measured=f"beta2* = {ce_b:.5f} (n = 10), {r18_b:.6f} (R18); identical gradients: "
        f"{'no constraint' if same.no_constraint else 'a constraint'}",
    )


def _adv_digits(ctx: Context) -> Evidence:
    from ..analysis.advisor import critical_beta2

    _, tr = _sweep(_shared_seed(ctx), ctx.profile, False)
    measured = tr.one_minus_beta2_star.values[:, 0]
    adv = []
    for b in BATCHES:
        a = critical_beta2(
            "digits",
            batch=b,
            beta1=[0.0],
            target_beta1=0.0,
            one_minus_beta2=np.logspace(-4, np.log10(0.5), 16),
            epochs=max(4, 2000 // (1797 // b)),
            burn_in=2,
            chains=4,
            resamples=50,
            seed=_seed(ctx, 4),
        )
        adv.append(a.one_minus_beta2_star[0])
    adv_a = np.asarray(adv)
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.log10(adv_a / measured)
    return Evidence(
        {"rank": adv, "within": {f"B={b}": float(o) for b, o in zip(BATCHES, off, strict=True)}},
        {"rank": 1.0, "within": {f"B={b}": 0.0 for b in BATCHES}},
        values={
            "batch": list(BATCHES),
            "advisor": adv,
            "measured": measured.tolist(),
            "decades_off": off.tolist(),
        },
        measured=f"advisor 1 - beta2* = {', '.join(f'{x:.3g}' for x in adv)}; measured "
        f"{', '.join(f'{x:.3g}' for x in measured)} (B = {BATCHES})",
    )


CLAIMS = (
    Claim(
        id="RD-BATCH",
        title="Real data: the critical beta2 grows as the batch shrinks",
        statement=(
            "On digits (logistic, 0 vs rest, L2 1e-3; torch Adam, eta_k = 0.01/sqrt(k)), the "
            "measured transition 1 - beta2* at beta1 = 0 (error 3x its floor) increases with "
            "B in (4, 8, 16): beta2*(B) is decreasing in B, beta2* increasing in n."
        ),
        source=SOURCE,
        provenance="primary",
        rule=rules.monotone(),
        scope=(
            "the bootstrap-over-seeds 90% interval ends (low, high) of 1 - beta2* for B = 4, "
            "8, 16 in order, predicted increasing (the intervals ordered and disjoint)"
        ),
        evaluate=lambda ctx: _batch_evidence(ctx, False),
        sensitivity=(
            rules.assumption(
                "identical minibatches (all component gradients equal)",
                lambda ctx: _batch_evidence(ctx, True),
                target="the sampling-driven beta2 dependence removed",
                control=True,
            ),
            rules.replace(-1.0, name="beta2* decreasing in n", target="direction flipped"),
            rules.assumption(
                "batch sizes swapped (8, 4, 16)",
                lambda ctx: _batch_evidence(ctx, False, order=(1, 0, 2)),
                target="the order in B is what the rule judges (same sweep, cost-free)",
            ),
        ),
    ),
    Claim(
        id="RD-MONO",
        title="Real data: above the transition the error falls as beta2 grows (beta1 < sqrt beta2)",
        statement=(
            "On digits (logistic, B = 4), at beta1 = 0.9 and 1 - beta2 from 0.19 (beta1 < "
            "sqrt(beta2)) down to the measured floor, the final error falls from one beta2 to "
            "the next."
        ),
        source="Zhang et al. 2022 Thm 1 / 2026 rewrite (neighbourhood shrinks with 1 - beta2)",
        provenance="derived",
        rule=rules.each_of(rules.upper_bound(), label="beta2 step"),
        scope="per step up in beta2: the seed samples of log(error ratio), bound 0",
        evaluate=_mono_evidence,
        sensitivity=(
            rules.replace(
                -3.0,
                name="the error drops 20-fold per grid step",
                target="a rate far steeper than measured",
                control=True,
            ),
            rules.shift(
                -0.5,
                name="error falls e^0.5-fold per step",
                target="rate off by 1/2",
                required=False,
            ),
            rules.assumption(
                "the error falls all the way to beta2 -> 1 (past the floor)",
                lambda ctx: _mono_evidence(ctx, whole_range=True),
                target="the finite-run optimisation term below the floor (same sweep)",
            ),
        ),
    ),
    Claim(
        id="RD-SLOPE",
        title="Real data: slope of log(1 - beta2*) on log n (reported)",
        statement="The fitted slope of log(1 - beta2*) (beta1 = 0) on log n over B = 4, 8, 16.",
        source=SOURCE,
        provenance="derived",
        reported=True,
        check=_slope_check,
        report_rule="least-squares slope with a t interval; no pass/fail",
    ),
    Claim(
        id="RD-ADV",
        title="Advisor reproduces the drift boundaries; identical gradients: no constraint",
        statement=(
            "The frozen-gradient advisor (alignment criterion, threshold 0) gives beta2* = "
            "0.9581 on the counterexample pattern (n = 10, shuffle, beta1 = 0) and 0.99952 on "
            "R18's online example (cyclic, beta1 = 0.9), and no constraint when all minibatch "
            "gradients are equal."
        ),
        source="docs/theory §3.2, §3.3, §6 (our design)",
        provenance="derived",
        rule=rules.all_of(
            counterexample=rules.close_to(0.001, relative=False),
            r18=rules.close_to(2e-5, relative=False),
            identical=rules.exact(),
        ),
        scope="beta2* (interpolated zero of the alignment) vs the reference values",
        evaluate=_adv_evidence,
        sensitivity=(
            rules.shift(
                0.005,
                part="counterexample",
                name="boundary 0.9631",
                target="counterexample boundary off by 0.005",
                control=True,
            ),
            rules.shift(
                -1e-4, part="r18", name="R18 boundary 0.99942", target="R18 boundary off by 1e-4"
            ),
            rules.replace(
                0.0,
                part="identical",
                name="identical gradients constrain beta2",
                target="no-constraint case wrong",
            ),
        ),
    ),
    Claim(
        id="RD-ADV-DIGITS",
        title="Advisor on digits: ranks batch sizes and lands within half a decade",
        statement=(
            "On digits (logistic), the advisor's 1 - beta2* (bias criterion at the minimiser) "
            "increases with B like the measured transition and lies within half a decade of it "
            "for B = 4, 8, 16."
        ),
        source="docs/theory §6 (our design)",
        provenance="derived",
        rule=rules.all_of(
            rank=rules.monotone(),
            within=rules.each_of(rules.close_to(HALF_DECADE, relative=False), label="batch size"),
        ),
        scope="[rank] advisor 1 - beta2* over B, increasing; [within] log10(advisor/measured), 0",
        evaluate=_adv_digits,
        sensitivity=(
            rules.replace(
                -1.0,
                part="rank",
                name="advisor ranks B backwards",
                target="ranking flipped",
                control=True,
            ),
            rules.replace(
                1.0,
                part="within",
                name="advisor a decade above the sweep",
                target="advisor off by a decade",
            ),
            rules.replace(
                -1.0,
                part="within",
                name="advisor a decade below the sweep",
                target="advisor off by a decade, the other way",
            ),
        ),
    ),
)
