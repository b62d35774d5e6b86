"""Claims from Zhang, Chen, Shi, Sun & Luo 2022 (Z22), "Adam can converge without any
modification on update rules", its 2026 rewrite, and the accompanying talk (THEORY.md §3)."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..kernels import adam, run
from ..kernels.counterexample import CONVERGED, DIVERGED, UNDECIDED, ChainConfig, SweepConfig
from ..kernels.sweeps import divergence_sweep, drift_estimate, region_area
from ..plots.claim_figures import (
    compact,
    log_indices,
    z_conv_figure,
    z_cyc_figure,
    z_drift_figure,
    z_grow_figure,
)
from ..problems import one_big_gradient
from ..theory import colour_ball, divergence
from .base import Claim, Context, Outcome
from .regions import _crossing, ratio
from .rules import fitted_slope, identity_verdict

CYC_TOLERANCE = 1e-10
MARGIN = 0.2  # drift margin below which K epochs cannot decide (rho = 0.2 in the sweep rule)


def _sweep(ctx: Context) -> str:
    """Sweep/drift backend for this run: the requested one ("auto" picks Numba or CuPy)."""
    return ctx.backend if ctx.backend in ("auto", "numpy", "numba", "cupy") else "auto"


def _a_values(n: int) -> tuple[float, float]:
    return 1.0, 1.0 / (n - 1) ** 2


def _seed(ctx: Context, *key: int) -> int:
    return int(ctx.rng(*key).integers(0, 2**31))


# ----------------------------------------------------------------------------- Z-CYC


def _cyc_without_normalisers(g1, g2, n: int, r: float) -> np.ndarray:
    """Negative control: THEORY's mu_cyc with both 1/(1 - beta^n) factors dropped."""
    j = np.arange(n)
    m = -1.0 + (r + 1.0) * (1.0 - g1[..., None]) * g1[..., None] ** j
    v = 1.0 + (r * r - 1.0) * (1.0 - g2[..., None]) * g2[..., None] ** j
    return np.sum(m / np.sqrt(v), axis=-1)


def _cyc(ctx: Context, perturb: bool) -> Outcome:
    residuals = divergence.fixed_point_residuals()
    symbolic_ok = all(sp.simplify(res) == 0 for res in residuals)
    ns = (3, 10) if ctx.profile == "quick" else (3, 10, 50)
    b1 = np.linspace(0.0, 0.95, 8)
    b2 = np.linspace(0.0, 0.99, 8)
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    worst, points = 0.0, 0
    cases = []  # the figure's data: both drifts on the 8 x 8 grid
    for n in ns:
        burn = math.ceil(math.log(1e-16) / (n * math.log(0.99)))  # 0.99^(n·burn) < 1e-16
        for a in _a_values(n):
            r = ratio(n, a)
            est = drift_estimate(b1, b2, ChainConfig(n, r, sampling="cyclic", burn_in=burn,
                                                     epochs=20, chains=2,
                                                     seed=_seed(ctx, n)), backend=_sweep(ctx))
            mu = (_cyc_without_normalisers(g1, g2, n, r) if perturb
                  else divergence.cyclic_drift(g1, g2, n, r))
            err = np.abs(est.drift.values - mu) / np.maximum(1.0, np.abs(mu))
            worst = max(worst, float(err.max()))
            points += mu.size
            cases.append({"n": n, "a": a, "closed_form": compact(mu),
                          "simulated": compact(est.drift.values), "max_error": float(err.max())})
    verdict = identity_verdict(worst, CYC_TOLERANCE) if symbolic_ok else "fail"
    return Outcome(
        verdict,
        predicted=f"mu_cyc closed form (SymPy, fixed point exact) = simulated drift "
                  f"(<= {CYC_TOLERANCE:g})",
        measured=f"max rel. error {worst:.1e} over {points} points (cyclic chain); "
                 f"fixed-point residuals {'0' if symbolic_ok else 'NONZERO'}",
        values={"max_error": worst, "points": points, "symbolic_ok": symbolic_ok,
                "plot": {"beta1": b1.tolist(), "beta2": b2.tolist(), "cases": cases}},
    )


# ----------------------------------------------------------------------------- Z-SIGN


def _sign(ctx: Context, offset: int) -> Outcome:
    n_sym = divergence.n
    derived = divergence.drift_at_zero()
    symbolic_ok = sp.simplify(derived - (2 - n_sym)) == 0
    rows, worst, worst_iid = [], 0.0, 0.0
    ok = symbolic_ok
    for n in (2, 3, 5, 10):
        predicted = 2 - n + offset
        for sampling in ("shuffle", "iid", "cyclic"):
            # shuffle and cyclic see exactly one big gradient per epoch (exact 2 - n); iid sees
            # a random number of them, so 2 - n holds in expectation (checked with a 95% CI)
            # four iid intervals must all cover: Bonferroni, 1 - 0.05/4 each
            est = drift_estimate([0.0], [0.0], ChainConfig(
                n, float(n), sampling=sampling, burn_in=1,
                epochs=50 if sampling != "iid" else 4000, chains=8, seed=_seed(ctx, n)),
                confidence=1 - 0.05 / 4, backend=_sweep(ctx))
            err = abs(float(est.drift.values[0, 0]) - predicted)
            if sampling == "iid":
                worst_iid = max(worst_iid, err / max(float(est.half_width.values[0, 0]), 1e-12))
            else:
                worst = max(worst, err)
        sweep = divergence_sweep([0.0], [0.0], SweepConfig(n=n, epochs=400, seed=_seed(ctx, 7)),
                                 replicates=4, backend=_sweep(ctx))
        status = sweep.status.values.ravel()
        diverged = bool(np.all(status == DIVERGED))
        never = bool(np.all(status != DIVERGED))
        rows.append((n, diverged))
        ok &= diverged if predicted < 0 else never
    ok &= worst <= 1e-12 and worst_iid <= 1.0
    return Outcome(
        "pass" if ok else "fail",
        predicted=f"mu(0,0) = 2 - n{'' if not offset else f' + {offset}'} (SymPy: {derived}); "
                  "sign-SGD diverges iff n >= 3",
        measured=(f"shuffle/cyclic max |drift - prediction| = {worst:.1e}; iid |error|/CI = "
                  f"{worst_iid:.2f}; diverged: " + ", ".join(f"n={n}: {d}" for n, d in rows)),
        values={"max_error": worst, "iid_error_over_ci": worst_iid, "diverged": dict(rows),
                "symbolic_ok": symbolic_ok},
    )


# ----------------------------------------------------------------------------- Z-DRIFT


_DRIFT_SIZES = {"quick": (14, 1500, (10,)), "full": (40, 3000, (10, 50))}
DRIFT_X0 = 5.0  # away from x*'s basin of attraction (docs/divergence.md)
UNDECIDED_CAP = 0.2


def _drift_grid(ctx: Context):
    size, epochs, ns = _DRIFT_SIZES[ctx.profile]
    b1 = np.linspace(0.0, 0.95, size)
    b2 = 1.0 - np.logspace(0.0, -3.5, size)
    b2[0] = 0.0
    return b1, b2, epochs, ns


def _predicted_drift(ctx: Context, b1, b2, n, a, sampling):
    if sampling == "cyclic":
        g1, g2 = np.meshgrid(b1, b2, indexing="ij")
        mu = divergence.cyclic_drift(g1, g2, n, ratio(n, a))
        return mu, np.zeros_like(mu)
    est = drift_estimate(b1, b2, ChainConfig(n, ratio(n, a), sampling=sampling, burn_in=150,
                                             epochs=150 if sampling == "shuffle" else 600,
                                             chains=8, seed=_seed(ctx, n, 1)),
                         backend=_sweep(ctx))
    return est.drift.values, est.half_width.values


def _drift(ctx: Context, offset: float) -> Outcome:
    b1, b2, epochs, ns = _drift_grid(ctx)
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    rows, ratio_errs, grids = [], [], []
    ok = True
    thin = slice(None, None, -(-b1.size // 20))  # the figure's grid: at most 20 x 20 points
    for n in ns:
        for a in _a_values(n):
            for sampling in ("shuffle", "iid", "cyclic"):
                mu, hw = _predicted_drift(ctx, b1, b2, n, a, sampling)
                cfg = SweepConfig(n=n, a=a, epochs=epochs, sampling=sampling, x0=DRIFT_X0,
                                  seed=_seed(ctx, n, 2))
                sweep = divergence_sweep(b1, b2, cfg, backend=_sweep(ctx))
                status = sweep.status.values[..., 0]
                # The drift criterion is asserted where Adam's step is bounded, beta1 < sqrt(beta2)
                # (R18's and Z22's setting); at beta1 >= sqrt(beta2) |m/sqrt(v)| is unbounded
                # and a linear-region average does not control the dynamics near x*.
                outside = (np.abs(mu) > hw + MARGIN) & (g1 < np.sqrt(g2))
                # the negative control perturbs the prediction: sign(mu + offset)
                predicted = np.where(mu + offset < 0, DIVERGED, CONVERGED)
                decided = outside & (status != UNDECIDED)
                agree = float(np.mean(status[decided] == predicted[decided]))
                undecided = float(np.mean(status[outside] == UNDECIDED))
                # displacement law where the drift is large and well estimated
                half = np.arange(epochs // 2 + 1, epochs + 1)
                mass = float(np.sum(cfg.lr / np.sqrt(half)))
                strong = outside & (mu < -np.maximum(0.5, 5 * hw))
                lin = strong & (sweep.x_half.values[..., 0] >= -1.0)
                disp = sweep.x_final.values[..., 0] - sweep.x_half.values[..., 0]
                ratios = disp[lin] / (-mu[lin] * mass)
                median = float(np.median(ratios)) if ratios.size else float("nan")
                frac10 = float(np.mean(np.abs(ratios - 1) <= 0.10)) if ratios.size else float("nan")
                ratio_errs.extend(np.abs(ratios - 1).tolist())
                needed = 1.0 if sampling == "cyclic" else 0.99  # cyclic: exact prediction
                rows.append((n, a, sampling, agree, undecided, int(outside.sum()), median, frac10))
                if n == ns[0]:
                    grids.append({"n": n, "a": a, "sampling": sampling, "agreement": agree,
                                  "status": status[thin, thin].astype(int).tolist(),
                                  "drift": compact(mu[thin, thin], 4)})
                ok &= (agree >= needed and undecided <= UNDECIDED_CAP
                       and (not ratios.size or abs(median - 1) <= 0.10))
    worst = min(rows, key=lambda r: r[3])
    medians = [r[6] for r in rows if np.isfinite(r[6])] or [float("nan")]
    return Outcome(
        "pass" if ok else "fail",
        predicted=(f"sign(mu{f' + {offset:g}' if offset else ''}) gives the behaviour from "
                   f"x0 = {DRIFT_X0:g} (cyclic: all decided points; shuffle/iid: >= 99%) where "
                   f"|mu| > CI + {MARGIN} and beta1 < sqrt(beta2); displacement = "
                   "-mu·sum(eta_k) within 10% (median)"),
        measured=(f"min agreement {worst[3]:.4f} (n={worst[0]}, a={worst[1]:.3g}, {worst[2]}); "
                  f"max undecided {max(r[4] for r in rows):.3f}; median displacement ratio "
                  f"{min(medians):.3f}..{max(medians):.3f}; within 10% on "
                  f"{np.mean(np.asarray(ratio_errs) <= 0.1):.2f} of {len(ratio_errs)} points"),
        values={"rows": [dict(zip(("n", "a", "sampling", "agreement", "undecided", "points",
                                   "median_displacement_ratio", "fraction_within_10pct"), r,
                                  strict=True))
                         for r in rows], "offset": offset, "x0": DRIFT_X0,
                "grid_beta1": b1[thin].tolist(), "grid_beta2": b2[thin].tolist(),
                "grids": grids},
    )


# ----------------------------------------------------------------------------- Z-ALLDIV


def _alldiv(ctx: Context, want_negative: bool) -> Outcome:
    # Far below -2 so that no early transient (unit sign steps) jumps across x* = -2, and off
    # the integer lattice so that unit steps cannot land exactly on the fixed point x* = -2.
    n, epochs, x0 = 10, 400 if ctx.profile == "quick" else 2000, -12.618
    b1 = np.linspace(0.0, 0.9, 6)
    b2 = np.array([0.0, 0.3, 0.6, 0.9, 0.99, 0.999])
    mu = drift_estimate(b1, b2, ChainConfig(n, float(n), burn_in=100, epochs=200, chains=8,
                                            seed=_seed(ctx, 3)))
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    bounded = g1 < np.sqrt(g2)  # Adam's step is bounded (see Z-DRIFT)
    chosen = ((mu.ci_high.values < -0.5) if want_negative else (mu.ci_low.values > 0.2))
    idx = np.argwhere(chosen & bounded)
    if idx.size == 0:
        return Outcome("inconclusive", "", "no grid point with a clear drift sign")
    p1 = b1[idx[:, 0]]
    p2 = b2[idx[:, 1]]
    ds = run(one_big_gradient(n), adam(1.0, p1, p2, eps=0.0), epochs=epochs, x0=[x0],
             schedule="inv_sqrt_epoch", record=n * (epochs // 8), seed=_seed(ctx, 4),
             backend="numpy")
    x = ds.x.values[..., 0][:, 2:]  # from epoch K/4 on
    grad = ds.grad_norm.values[:, 2:]
    f = ds.f.values[:, 2:]
    bound = abs(x0 + 2) + 1 + 0.2 * math.sqrt(epochs)
    growing = (np.all(np.diff(np.abs(x + 2), axis=1) > 0, axis=1)
               & np.all(np.diff(grad, axis=1) > 0, axis=1)
               & np.all(np.diff(f, axis=1) > 0, axis=1)
               & (np.abs(x[:, -1] + 2) > bound) & (x[:, -1] < x0))
    frac = float(np.mean(growing))
    return Outcome(
        "pass" if frac == 1.0 else "fail",
        predicted=f"from x0 = {x0} with mu < 0: x -> -inf, |grad f| = |x+2|/n -> inf, f -> inf",
        measured=(f"{growing.sum()}/{growing.size} points with |x+2|, |grad f| and f strictly "
                  f"increasing over the last 3/4 and x_K < x0; median x_K = "
                  f"{np.median(x[:, -1]):.1f}"),
        values={"fraction": frac, "points": int(growing.size),
                "x_final": x[:, -1].tolist()},
    )


# ----------------------------------------------------------------------------- Z-GROW


def _grow(ctx: Context, exponent: float) -> Outcome:
    from .regions import beta_axes

    ns = (10, 20, 50, 100)
    size, epochs = (24, 400) if ctx.profile == "quick" else (64, 1000)
    b1, b2 = beta_axes(size, "log1m")  # resolves the edge at 1 - beta2* ~ 4/n²
    areas, gaps, boot_gaps = [], [], []
    rng = ctx.rng(9)
    one_minus = np.logspace(-0.5, -5.5, 160)
    for n in ns:
        sweep = divergence_sweep(b1, b2, SweepConfig(n=n, epochs=epochs, x0=DRIFT_X0,
                                                     seed=_seed(ctx, n)), backend=_sweep(ctx))
        areas.append(region_area(sweep.status))
        # boundary at beta1 = 0: zero crossing of the simulated shuffle drift (interpolated),
        # with a bootstrap over the independent chains
        est = drift_estimate([0.0], 1.0 - one_minus,
                             ChainConfig(n, float(n), burn_in=120, epochs=120, chains=12,
                                         seed=_seed(ctx, n, 5)), backend="numpy")
        chains = _chains_at(est)
        gaps.append(1.0 - _crossing(1.0 - one_minus, chains.mean(axis=1)))
        boot_gaps.append([1.0 - _crossing(1.0 - one_minus,
                                          chains[:, rng.integers(0, 12, 12)].mean(axis=1))
                          for _ in range(300)])
    slope = float(np.polyfit(np.log(ns), np.log(gaps), 1)[0])
    boot = np.asarray(boot_gaps)
    slopes = [np.polyfit(np.log(ns), np.log(boot[:, j]), 1)[0] for j in range(boot.shape[1])
              if np.all(np.isfinite(boot[:, j])) and np.all(boot[:, j] > 0)]
    lo, hi = (float(q) for q in np.quantile(slopes, [0.025, 0.975]))
    increasing = all(b > a for a, b in zip(areas, areas[1:], strict=False))
    ok = increasing and lo > -exponent
    return Outcome(
        "pass" if ok else "fail",
        predicted=(f"region area increases with n; 1 - beta2*(0) decays no faster than "
                   f"n^-{exponent:g} (so the exact boundary lies below the sufficient "
                   f"threshold 1 - O(n^-{exponent:g}))"),
        measured=(f"areas {', '.join(f'{a:.4f}' for a in areas)} for n = {ns}; 1-beta2* = "
                  f"{', '.join(f'{g:.2e}' for g in gaps)}; slope {slope:.2f} "
                  f"[{lo:.2f}, {hi:.2f}] (thresholds n^-3.5, n^-5)"),
        values={"n": list(ns), "areas": areas, "one_minus_beta2_star": gaps,
                "slope": slope, "slope_ci": [lo, hi], "exponent": exponent},
    )


def _chains_at(est) -> np.ndarray:
    """Per-chain drifts along beta2 at the single beta1 of ``est``: shape (beta2, chain)."""
    return est.chain_drift.values[0]


# ----------------------------------------------------------------------------- Z-CONV


_FLOOR_CENTRES = (0.0, 0.0, 0.0, 3.0)  # asymmetric: median 0 != mean 0.75, so D0 > 0 matters


def _conv_d0_zero(ctx: Context, beta2: float) -> tuple[bool, str, dict]:
    n, seeds = 10, 16
    epochs = 3000 if ctx.profile == "quick" else 30000
    ds = run(one_big_gradient(n), adam(1.0, 0.9, beta2, eps=0.0), epochs=epochs,
             schedule="inv_sqrt_epoch", record=n, trajectories=seeds, seed=_seed(ctx, 6),
             backend="numpy")
    grad = ds.grad_norm.values  # (seeds, epochs + 1) at epoch ends
    running_min = np.minimum.accumulate(grad, axis=1).mean(axis=0)
    # float64 resolution of |grad f| = |x+2|/n near x* = -2
    resolution = 4 * np.finfo(float).eps * 2 / n
    ks = np.unique(np.logspace(1, math.log10(epochs), 16).astype(int))
    resolved = ks[running_min[ks] > resolution]
    reached = int(np.argmax(running_min <= resolution)) if running_min[-1] <= resolution else -1
    if resolved.size >= 4 and resolved[-1] / resolved[0] >= 10:
        slope, lo, hi = fitted_slope(resolved, running_min[resolved], rng=ctx.rng(8))
    else:
        slope = lo = hi = float("nan")
    # D0 = 0: the theorem's min{.} is its second term, so |grad f| = O(log T/sqrt(T));
    # a fitted slope <= -0.4 allows for the log factor over the fitted range
    ok = bool((np.isfinite(hi) and hi <= -0.4) or reached > 0)
    fit = (f"slope {slope:.2f} [{lo:.2f}, {hi:.2f}]" if np.isfinite(slope)
           else "too few resolved points")
    text = (f"D0=0 (beta2={beta2}): {fit}; float64 resolution "
            + (f"at epoch {reached}" if reached > 0 else "not reached"))
    shown = log_indices(running_min.size, 60)  # the figure's points
    return ok, text, {"slope": slope, "ci": [lo, hi], "resolution_epoch": reached,
                      "epochs": shown.tolist(), "running_min": compact(running_min[shown]),
                      "resolution": resolution}


def _conv_floor(ctx: Context, exponent: float) -> tuple[bool, str, dict]:
    """D0 > 0: the stationary point x_hat (E[m/sqrt v | x] = 0) vs x*, as beta2 -> 1."""
    from ..kernels.stationary import stationary_direction, stationary_root
    from ..problems import quadratic_finite_sum

    centres = np.asarray(_FLOOR_CENTRES)
    x_star = float(centres.mean())
    beta1 = 0.5
    beta2s = np.array([0.9, 0.95, 0.99, 0.995, 0.999])
    xs = np.linspace(x_star - 0.3, x_star + 0.1, 41)
    epochs = 3000 if ctx.profile == "quick" else 20000
    rng = ctx.rng(10)
    floors, boot = [], []
    for k, b2 in enumerate(beta2s):
        burn = int(20 / (1 - b2) / centres.size) + 10
        chains = stationary_direction(xs, centres, beta1, b2, epochs=epochs, burn_in=burn,
                                      chains=16, seed=_seed(ctx, 11, k))
        floors.append((stationary_root(xs, chains.mean(axis=1)) - x_star) ** 2)
        boot.append([(stationary_root(xs, chains[:, rng.integers(0, 16, 16)].mean(axis=1))
                      - x_star) ** 2 for _ in range(200)])
    floors = np.asarray(floors)
    slope = float(np.polyfit(np.log(1 - beta2s), np.log(floors), 1)[0])
    boot = np.asarray(boot)  # (beta2, resamples): slope per joint resample of the chains
    slopes = [np.polyfit(np.log(1 - beta2s), np.log(boot[:, j]), 1)[0]
              for j in range(boot.shape[1]) if np.all(boot[:, j] > 0)]
    lo, hi = np.quantile(slopes, [0.025, 0.975])
    # direct runs settle at x_hat, not x* (checked where the gap is large: beta2 = 0.5)
    b2_direct = 0.5
    chains5 = stationary_direction(np.linspace(x_star - 0.5, x_star + 0.1, 61), centres, beta1,
                                   b2_direct, epochs=epochs, burn_in=50, chains=16,
                                   seed=_seed(ctx, 12))
    x_hat = stationary_root(np.linspace(x_star - 0.5, x_star + 0.1, 61), chains5.mean(axis=1))
    ds = run(quadratic_finite_sum(centres), adam(0.5, beta1, b2_direct, eps=0.0,
                                                 bias_correction=False),
             epochs=4000, schedule="inv_sqrt_epoch", trajectories=32, x0=[x_star],
             seed=_seed(ctx, 13), record="final", backend="numpy")
    final = ds.x_final.values[:, 0]
    direct_gap = abs(float(final.mean()) - x_hat)
    ok = bool(lo >= exponent and direct_gap <= 0.1 * abs(x_hat - x_star))
    text = (f"D0>0: floor (x_hat-x*)² = {', '.join(f'{f:.1e}' for f in floors)} at beta2 = "
            f"{beta2s.tolist()}; slope vs (1-beta2) {slope:.2f} [{lo:.2f}, {hi:.2f}]; direct "
            f"runs end at {final.mean():.3f} (x_hat {x_hat:.3f}, x* {x_star})")
    return ok, text, {"floors": floors.tolist(), "beta2": beta2s.tolist(), "slope": slope,
                      "slope_ci": [float(lo), float(hi)], "x_hat_beta2_0.5": x_hat,
                      "direct_mean": float(final.mean()), "exponent": exponent}


def _conv(ctx: Context, beta2: float, exponent: float) -> Outcome:
    ok0, text0, values0 = _conv_d0_zero(ctx, beta2)
    ok1, text1, values1 = _conv_floor(ctx, exponent)
    return Outcome(
        "pass" if ok0 and ok1 else "fail",
        predicted=("D0 = 0: min_k |grad f| -> 0 at least as fast as log(T)/sqrt(T); D0 > 0: the "
                   f"floor of |grad f|² shrinks no slower than (1-beta2)^{exponent:g}"),
        measured=f"{text0}; {text1}",
        values={"d0_zero": values0, "d0_positive": values1},
    )


# ----------------------------------------------------------------------------- CB-A1


def _colour(ctx: Context, first_weight: sp.Rational) -> Outcome:
    """Enumerate with P(first ball of an epoch = c0) = ``first_weight`` (1/2: uniform order)."""
    ks = (1, 2, 3, 4, 5) if ctx.profile == "quick" else (1, 2, 3, 4, 5, 6)
    mismatches = []
    for k in ks:
        gap = colour_ball.enumerated_gap(2, k, first_weight=first_weight)
        if sp.simplify(gap - colour_ball.lemma_a1(k)) != 0:
            mismatches.append(("n=2", k))
    general = colour_ball.closed_form_gap()
    n_s, k_s = sp.Symbol("n", positive=True, integer=True), sp.Symbol("k", positive=True,
                                                                      integer=True)
    for n, k in ((2, 2), (3, 1), (3, 2), (4, 1), (4, 2)):
        c = colour_ball.labels(n)
        closed = general.subs({n_s: n, k_s: k, sp.Symbol("cbar"): sum(c) / n})
        gap = colour_ball.enumerated_gap(n, k, first_weight=first_weight if n == 2 else None)
        if sp.simplify(closed - gap) != 0:
            mismatches.append((f"n={n}", k))
    checked = len(ks) + 5
    return Outcome(
        "pass" if not mismatches else "fail",
        predicted="E[sum m - sum f] = -beta^(2k-1)(c0+c1)/2 (n = 2); general-n closed form",
        measured=(f"exact enumeration agrees in {checked - len(mismatches)}/{checked} cases"
                  + (f"; mismatches {mismatches}" if mismatches else "")),
        values={"mismatches": [list(m) for m in mismatches], "cases": checked},
    )


CLAIMS = (
    Claim(
        id="Z-CYC",
        title="Cyclic drift closed form = simulated cyclic drift",
        statement=("The periodic stationary (m, v) of the cyclic chain gives mu_cyc = "
                   "sum_j m_j/sqrt(v_j) (derived in SymPy); it equals the drift of the "
                   "simulated chain."),
        source="THEORY.md §3.2 (derived from Zhang et al. 2022's counterexample)",
        provenance="derived",
        rule=f"pass iff the SymPy fixed-point residuals are 0 and max rel. error <= "
             f"{CYC_TOLERANCE:g}",
        control_description="the closed form with both 1/(1 - beta^n) normalisers dropped",
        check=lambda ctx: _cyc(ctx, False),
        control=lambda ctx: _cyc(ctx, True),
        figure=z_cyc_figure,
    ),
    Claim(
        id="Z-SIGN",
        title="mu(0,0) = 2 - n: sign-SGD diverges iff n >= 3",
        statement=("At beta1 = beta2 = 0 Adam is sign descent; the drift is 2 - n for every "
                   "sampling, so it diverges iff n >= 3."),
        source="Zhang et al. 2022 (remark on sign-SGD); THEORY.md §3.2",
        provenance="derived",
        rule="pass iff SymPy's limit is 2 - n, simulated shuffle/cyclic drifts equal it to "
             "1e-12 and iid drifts contain it in their CIs (joint 95%, Bonferroni over "
             "n in {2,3,5,10}), and direct runs diverge exactly for n >= 3",
        control_description="prediction 2 - n + 1 (perturbed constant)",
        check=lambda ctx: _sign(ctx, 0),
        control=lambda ctx: _sign(ctx, 1),
    ),
    Claim(
        id="Z-DRIFT",
        title="The drift's sign predicts divergence on the (beta1, beta2) grid",
        statement=("For shuffle, iid and cyclic sampling and a = 1 and a = 1/(n-1)², the sign "
                   "of mu predicts whether full Adam runs from x0 = 5 diverge or converge "
                   "(beta1 < sqrt(beta2)), and the displacement over the second half follows "
                   "-mu·sum eta_k."),
        source="Zhang et al. 2022 Thm 2 region; THEORY.md §3.2",
        provenance="derived",
        rule=("pass iff on every (n, a, sampling), among points with beta1 < sqrt(beta2) and "
              f"|mu| > CI half-width + {MARGIN}: all decided points (cyclic, exact prediction) "
              "or >= 99% (shuffle, iid: simulated drift) agree with sign(mu), at most "
              f"{UNDECIDED_CAP:.0%} are undecided, and the median of displacement / "
              "(-mu·sum eta_k) over diverging linear-region points with |mu| >= max(0.5, "
              "5·CI) is within 10% of 1"),
        control_description="predict with sign(mu + 1) (the drift offset by a constant)",
        check=lambda ctx: _drift(ctx, 0.0),
        control=lambda ctx: _drift(ctx, 1.0),
        figure=z_drift_figure,
    ),
    Claim(
        id="Z-ALLDIV",
        title="Inside the region, iterates, gradients and f all diverge (x0 < -2)",
        statement="From x0 < -2 with mu < 0: x -> -inf, |grad f| -> inf and f -> inf.",
        source="Zhang et al. 2022, divergence theorem statement",
        provenance="primary",
        rule=("pass iff at every grid point with beta1 < sqrt(beta2) whose drift CI lies below "
              "-0.5, |x+2|, |grad f| and f increase strictly over the last 3/4 of the run and "
              "x ends below x0 outside the sqrt(k) ball"),
        control_description="points whose drift CI lies above +0.2 (outside the region)",
        check=lambda ctx: _alldiv(ctx, True),
        control=lambda ctx: _alldiv(ctx, False),
    ),
    Claim(
        id="Z-GROW",
        title="The divergence region grows with n; its edge vs the sufficient thresholds",
        statement=("The measured region's area increases over n in {10, 20, 50, 100}; the "
                   "fitted scaling of 1 - beta2*(beta1 = 0) is compared with the sufficient "
                   "convergence thresholds 1 - O(n^-3.5) (2022) and 1 - O(n^-5) (2026)."),
        source="Zhang et al. 2022 Thms 1-2 (regions drawn for n = 10, 50, 100), 2026 rewrite",
        provenance="secondary",
        rule=("pass iff the measured areas (log-spaced beta2 grid, x0 = 5) increase strictly "
              "with n and the lower end of the bootstrap interval (over chains) of the slope of "
              "log(1 - beta2*) vs log n exceeds -3.5"),
        control_description="the same test against the exponent 1 (too strong a threshold)",
        check=lambda ctx: _grow(ctx, 3.5),
        control=lambda ctx: _grow(ctx, 1.0),
        figure=z_grow_figure,
    ),
    Claim(
        id="Z-CONV",
        title="Convergence side: D0 = 0 converges; D0 > 0 floor shrinks as beta2 -> 1",
        statement=("For beta1 < sqrt(beta2) with beta2 large (mu > 0), eta_k = eta/sqrt(k): "
                   "with D0 = 0, min_k |grad f(x_k)| -> 0 at least as fast as the theorem's "
                   "O(log T/sqrt(T)); with D0 > 0 (quadratic finite sum) Adam settles at the point "
                   "x_hat where its stationary mean direction vanishes, and |grad f(x_hat)|² "
                   "shrinks no slower than (1-beta2)^1."),
        source="Zhang et al. 2022 Thm 1 / thesis Thm 2.2",
        provenance="secondary",
        rule=("pass iff (D0 = 0) the upper end of the bootstrap interval of the log-log slope "
              "of the mean running minimum (fitted where it exceeds float64 resolution) is "
              "<= -0.4 (-1/2 less a log factor), or the minimum reaches float64 resolution; "
              "and (D0 > 0) the lower end of the bootstrap interval of the slope of log floor "
              "vs log(1-beta2) is >= 1 and direct runs end within 10% of the gap |x_hat - x*| "
              "of x_hat"),
        control_description=("beta2 = 0.5 for D0 = 0 (inside the divergence region) and "
                             "exponent 3 for the floor"),
        check=lambda ctx: _conv(ctx, 0.999, 1.0),
        control=lambda ctx: _conv(ctx, 0.5, 3.0),
        figure=z_conv_figure,
    ),
    Claim(
        id="CB-A1",
        title="Colour-ball lemma by exact enumeration (and its n-ball generalisation)",
        statement=("With two balls drawn without replacement each epoch in uniformly random "
                   "order, E[m0 + m1 - f0 - f1] = -beta^(2k-1)(c0+c1)/2; for n balls the gap "
                   "follows from linearity (each draw's marginal is uniform: the identity holds "
                   "for any law whose every draw is uniform on the labels, with or without "
                   "replacement, and fails otherwise)."),
        source="Zhang, talk 'Converge or diverge? A story of Adam', Lemma A.1",
        provenance="derived",
        rule="pass iff exact rational enumeration over all orders equals the stated forms",
        control_description=("epochs drawn in a non-uniform order (c0 first with probability "
                             "7/10): the lemma needs uniformly random permutations"),
        check=lambda ctx: _colour(ctx, sp.Rational(1, 2)),
        control=lambda ctx: _colour(ctx, sp.Rational(7, 10)),
    ),
)
