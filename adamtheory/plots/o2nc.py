"""Figures of the O2NC run claims, drawn from their JSON-able ``values`` (cache-friendly).

Each builder names, in its title, what the values record of the setting: the learner
(``values["learner"]``), the online-to-nonconvex conversion (``values["conversion"]``), λ,
the batch, and per problem ε and T. A point that cannot be drawn (not finite, or not positive
on a log axis) is left out and counted in a note under the title.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .style import PALETTE, SINGLE, WIDTH, finish, finite, styled

__all__ = ["ablation_figure", "coordinate_figure", "corollary_figure", "slope_figure"]

#: ``values["conversion"]`` -> how a title names it (AMC25's options; ZC24's exponential)
CONVERSIONS = {
    "uniform": "Option I (uniform)",
    "anchored": "Option II (anchored)",
    "schedule-free": "Option III (schedule-free)",
    "exponential": "exponential conversion",
}


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _floats(values: Iterable[Any]) -> np.ndarray:
    return np.array([_num(v) for v in values], dtype=np.float64)


def _g(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else str(x)


def _setting(values: dict[str, Any], learner: str | None = None) -> str:
    """ "learner, conversion, λ = …, B trajectories" from what ``values`` records."""
    parts = []
    name = values.get("learner", learner)
    if name:
        parts.append(str(name))
    conversion = values.get("conversion")
    if conversion:
        parts.append(CONVERSIONS.get(conversion, str(conversion)))
    lam = _num(values.get("lambda"))
    if math.isfinite(lam):
        parts.append(f"λ = {lam:g}")
    batch = values.get("batch")  # o2nc_run's batch: independent trajectories
    if batch is not None:
        parts.append(f"{batch} trajectories")
    return ", ".join(parts)


def _title(setting: str, what: str) -> str:
    return f"{setting}: {what}" if setting else what


@styled
def corollary_figure(values: dict[str, Any]) -> Figure:
    """U_t of the run (mean over trajectories) per problem, with the bound factor·ε.

    The title names the learner and the conversion (``values["learner"]``,
    ``values["conversion"]``), λ and the number of trajectories; each problem's legend entry
    its ε and T.
    """
    fig = Figure(figsize=SINGLE, layout="constrained")
    ax = fig.add_subplot()
    notes: list[str] = []
    factors = set()
    for k, row in enumerate(values["rows"]):
        colour = PALETTE[k % len(PALETTE)]
        eps, bound = _num(row.get("epsilon")), _num(row.get("bound"))
        steps, U = finite(
            notes,
            f"U_t of {row['problem']}",
            _floats(row["trace_step"]),
            _floats(row["trace_U"]),
            positive=(True, True),
        )
        lam = _num(row.get("lambda"))
        own_lam = values.get("lambda") is None and math.isfinite(lam)  # λ differs by row
        setting = (
            ([f"ε = {_g(eps)}"] if math.isfinite(eps) else [])
            + ([f"λ = {_g(lam)}"] if own_lam else [])
            + ([f"T = {row['steps']}"] if "steps" in row else [])
        )
        label = f"{row['problem']}: {', '.join(setting)}" if setting else str(row["problem"])
        ax.loglog(steps, U, color=colour, label=label)
        if math.isfinite(bound) and bound > 0:
            ax.axhline(bound, color=colour, ls="--", lw=0.9)
            if math.isfinite(eps) and eps > 0:
                factors.add(round(bound / eps, 6))
        else:
            notes.append(f"the bound of {row['problem']} ({row.get('bound')}) is not drawn")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"$U_t$ (upper estimate of $\|\nabla F(\bar y_t)\|_{[\lambda]}$)")
    ax.legend(loc="best")
    factor = next(iter(factors)) if len(factors) == 1 else None
    bound = "the bound" + ("" if factor is None else " ε" if factor == 1 else f" {factor:g}ε")
    shrink = _num(values.get("shrink"))
    cut = f" (T cut by {shrink:g})" if math.isfinite(shrink) and shrink != 1 else ""
    what = f"U_t, mean over trajectories{cut}; dashed: {bound}"
    return finish(fig, _title(_setting(values), what), notes)


@styled
def slope_figure(values: dict[str, Any]) -> Figure:
    """Measured hitting times vs ε (log-log) with the fitted and the predicted slopes."""
    fig = Figure(figsize=SINGLE, layout="constrained")
    ax = fig.add_subplot()
    notes: list[str] = []
    predicted_drawn = False
    for k, row in enumerate(values["rows"]):
        if "T_hit_mean" not in row:
            notes.append(
                f"{row['problem']} not drawn: {row.get('note', 'no mean hitting time recorded')}"
            )
            continue
        colour = PALETTE[k % len(PALETTE)]
        eps, t_hit = finite(
            notes,
            f"hitting times of {row['problem']}",
            _floats(row["epsilon"]),
            _floats(row["T_hit_mean"]),
            positive=(True, True),
        )
        ax.loglog(eps, t_hit, "o", color=colour, label=f"{row['problem']} (measured)")
        slope, low, high = (_num(row.get(key)) for key in ("slope", "slope_low", "slope_high"))
        if eps.size >= 2 and math.isfinite(slope):
            fit = np.exp(np.polyval(np.polyfit(np.log(eps), np.log(t_hit), 1), np.log(eps)))
            judged = bool(row.get("judged", True))
            ax.loglog(
                eps,
                fit,
                "-" if judged else "--",
                color=colour,
                label=f"fit: slope {slope:.2f} [{low:.2f}, {high:.2f}]"
                + ("" if judged else " (reported)"),
            )
        predicted = _num(row.get("predicted"))
        if eps.size and math.isfinite(predicted):
            pred = t_hit[0] * (eps / eps[0]) ** predicted
            ax.loglog(
                eps,
                pred,
                ":",
                color="black",
                label=None if predicted_drawn else f"slope {predicted:g} (derived worst case)",
            )
            predicted_drawn = True
    ax.set_xlabel("ε")
    ax.set_ylabel(
        "steps: T_reveal (last link revealed), T_hit (chain:\nmeasure at the output ≤ 4ε; "
        "wells: running $E_\\tau U_\\tau \\leq 4ε$)"
    )
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best")
    return finish(
        fig,
        _title(
            _setting(values),
            "steps against ε (mean over trajectories; dashed fits: reported, not judged)",
        ),
        notes,
    )


@styled
def coordinate_figure(values: dict[str, Any]) -> Figure:
    """Steps-to-target ratio global / coordinate-wise vs d per scale family, beside the derived
    advantage R(d) = d^{3/2}(A2/A1)^2 (Hmax/H1)^{1/2} and the old heuristic d(A2/A1)^2."""
    fig = Figure(figsize=SINGLE, layout="constrained")
    ax = fig.add_subplot()
    notes: list[str] = []
    rows = list(values["rows"].values())
    kinds = list(dict.fromkeys(str(r["kind"]) for r in rows))
    for k, kind in enumerate(kinds):
        sel = sorted((r for r in rows if r["kind"] == kind), key=lambda r: _num(r["d"]))
        colour = PALETTE[k % len(PALETTE)]
        d, ratio = finite(
            notes,
            f"{kind}: measured",
            _floats(r["d"] for r in sel),
            _floats(r["ratio"] for r in sel),
            positive=(True, True),
        )
        ax.loglog(d, ratio, "o-", color=colour, label=f"{kind}: measured")
        d, pred = finite(
            notes,
            f"{kind}: derived",
            _floats(r["d"] for r in sel),
            _floats(r["predicted_advantage"] for r in sel),
            positive=(True, True),
        )
        ax.loglog(d, pred, ":", color=colour, label=f"{kind}: derived R(d)")
        if all("heuristic_advantage" in r for r in sel) and kind != "flat":
            d, heur = finite(
                notes,
                f"{kind}: heuristic",
                _floats(r["d"] for r in sel),
                _floats(r["heuristic_advantage"] for r in sel),
                positive=(True, True),
            )
            ax.loglog(d, heur, "--", color=colour, alpha=0.5, label=f"{kind}: heuristic d(A₂/A₁)²")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("steps-to-target ratio\nglobal / coordinate-wise (T_hit)")
    ax.legend(loc="best", fontsize="small")
    params = [
        f"{name} = {_g(_num(values[key]))}"
        for key, name in (("beta", "β1"), ("D", "D"))
        if key in values
    ]
    if "T" in values:
        params.append(f"T = {values['T']}")
    setting = ", ".join([_setting(values, "clipped Adam"), *params])
    return finish(
        fig,
        _title(
            setting,
            "coordinate-wise vs global clip; derived R(d) = d^1.5 (A₂/A₁)² √(H_max/‖H‖₁)",
        ),
        notes,
    )


_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "h")


def _short(problem: str) -> str:
    return problem.split(" (")[0]


@styled
def ablation_figure(values: dict[str, Any]) -> Figure:
    """ABLATE: per arm (y) and problem (marker), the ratio of the arm's mean to the baseline's
    with its 95% interval, on a log-ratio axis around 1 (the baseline), for
    ‖∇F(output_T)‖ (left) and E_τ U_τ (right).

    A lower interval end <= 0 (the delta-method interval is symmetric) cannot be drawn on a
    log axis: its whisker runs to the panel's left edge and ends in a ◀, and a note says so.
    """
    arms = [a for a in values["arms"] if a["name"] != "baseline"]
    problems = [p["problem"] for p in values["problems"]]
    info = {p["problem"]: p for p in values["problems"]}
    rows = {(r["problem"], r["arm"]): r for r in values["rows"]}
    height = 0.42 * len(arms) * max(1.0, len(problems) / 3) + 2.2
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    notes: list[str] = []
    y = np.arange(len(arms), dtype=np.float64)
    spread = 0.7 / max(len(problems), 1)
    offsets = (np.arange(len(problems)) - (len(problems) - 1) / 2) * spread
    panels = ((axes[0], "ratio", "‖∇F(output_T)‖"), (axes[1], "U_ratio", "E_τ U_τ, τ uniform"))
    for ax, key, what in panels:
        table = np.full((len(problems), len(arms), 3), np.nan)
        for j, problem in enumerate(problems):
            for i, arm in enumerate(arms):
                row = rows.get((problem, arm["name"]), {})
                table[j, i] = [_num(row.get(f"{key}{s}")) for s in ("", "_low", "_high")]
        mid = table[..., 0]
        drawn = np.isfinite(mid) & (mid > 0)
        if np.any(~drawn):
            notes.append(
                f"{what}: {int(np.count_nonzero(~drawn))} ratios not finite or <= 0, not drawn"
            )
        ends = table[drawn]
        known = ends[np.isfinite(ends) & (ends > 0)]
        known = np.concatenate([known, [1.0]])
        left, right = float(known.min()) / 1.6, float(known.max()) * 1.6
        low_cut = drawn & ~(np.isfinite(table[..., 1]) & (table[..., 1] > 0))
        high_cut = drawn & ~np.isfinite(table[..., 2])
        for cut, where, tip, why in (
            (low_cut, "left", "◀", "reach ratio <= 0 (delta method)"),
            (high_cut, "right", "▶", "have no finite upper end"),
        ):
            if np.any(cut):
                notes.append(
                    f"{what}: {int(np.count_nonzero(cut))} interval(s) {why}, drawn "
                    f"to the {where} edge ({tip})"
                )
        ax.axvline(
            1.0,
            color="black",
            lw=1.0,
            zorder=1,
            label="baseline (ratio 1)" if ax is axes[0] else None,
        )
        for j, problem in enumerate(problems):
            keep = drawn[j]
            if not keep.any():
                continue
            mean = mid[j, keep]
            low = np.where(low_cut[j, keep], left, table[j, keep, 1])
            high = np.where(high_cut[j, keep], right, table[j, keep, 2])
            pos = y[keep] + offsets[j]
            colour, marker = PALETTE[j % len(PALETTE)], _MARKERS[j % len(_MARKERS)]
            base = rows.get((problem, "baseline"), {})
            label = (
                f"{problem}: T = {info[problem].get('T', '?')}; baseline "
                f"‖∇F(ȳ_T)‖ = {_g(_num(base.get('gradnorm_mean')))}, "
                f"E_τ U_τ = {_g(_num(base.get('U_mean')))}"
            )
            ax.errorbar(
                mean,
                pos,
                xerr=[mean - low, high - mean],
                fmt=marker,
                color=colour,
                ecolor=colour,
                elinewidth=1.1,
                capsize=2.5,
                zorder=3,
                label=label if ax is axes[0] else None,
            )
            for flag, edge, tip in ((low_cut, left, "<"), (high_cut, right, ">")):
                cut = flag[j, keep]
                if cut.any():
                    ax.plot(
                        np.full(int(cut.sum()), edge),
                        pos[cut],
                        tip,
                        color=colour,
                        ms=5,
                        clip_on=False,
                        zorder=4,
                    )
        ax.set_xscale("log")
        ax.set_xlim(left, right)
        subs = (1.0, 2.0, 5.0) if right / left > 10 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
        ax.xaxis.set_major_locator(LogLocator(subs=subs))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{what}: arm / baseline\n(ratio of means, 95% interval)")
        ax.grid(axis="x", which="major", color="#E5E5E5", lw=0.6, zorder=0)
        ax.set_title(what)
    output = {"ybar_T": "ȳ_T", "x_T": "x_T"}
    axes[0].set_yticks(
        y, [f"{a['label']}\noutput {output.get(a['output'], a['output'])}" for a in arms]
    )
    axes[0].set_ylim(len(arms) - 0.5, -0.5)  # first arm on top
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center")
    setting = _setting(values, "clipped Adam + model EMA")
    extra = []
    if values.get("clip"):
        extra.append(f"{values['clip']} clip")
    divisor = _num(values.get("epsilon_divisor"))
    if math.isfinite(divisor):
        extra.append(f"ε = ‖∇F(x0)‖/{divisor:g}")
    setting = ", ".join([setting, *extra])
    level = _num(values.get("level", 0.95))
    what = (
        f"ratio of each arm's mean to the baseline's (same random draws), with its "
        f"{level:.0%} interval"
    )
    return finish(fig, _title(setting, what), notes)
