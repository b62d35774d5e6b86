"""Figures of the O2NC run claims, drawn from their JSON-able ``values`` (cache-friendly)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = ["ablation_figure", "coordinate_figure", "corollary_figure", "slope_figure"]


def _floats(values: Any) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def corollary_figure(values: dict[str, Any]) -> Figure:
    """U_t of the run (mean over trajectories) per problem, with the bound factor·ε."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    for k, row in enumerate(values["rows"]):
        colour = f"C{k}"
        steps, U = _floats(row["trace_step"]), _floats(row["trace_U"])
        ax.loglog(steps, U, color=colour, label=f"{row['problem']}")
        ax.axhline(float(row["bound"]), color=colour, ls="--", lw=0.8)
    ax.set_xlabel("step t")
    ax.set_ylabel("U_t (upper estimate of ||∇F(ȳ_t)||_[λ])")
    ax.set_title("U_t along the run; dashed: the corollary's bound")
    ax.legend(fontsize=7)
    return fig


def slope_figure(values: dict[str, Any]) -> Figure:
    """Measured hitting times vs ε (log-log) with the fitted and the predicted slopes."""
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for k, row in enumerate(values["rows"]):
        if "T_hit_mean" not in row:
            continue
        eps, t_hit = _floats(row["epsilon"]), _floats(row["T_hit_mean"])
        ax.loglog(eps, t_hit, "o", color=f"C{k}", label=f"{row['problem']} (measured)")
        fit = np.exp(np.polyval(np.polyfit(np.log(eps), np.log(t_hit), 1), np.log(eps)))
        ax.loglog(eps, fit, "-", color=f"C{k}",
                  label=f"fit {float(row['slope']):.2f} [{float(row['slope_low']):.2f}, "
                        f"{float(row['slope_high']):.2f}]")
        pred = t_hit[0] * (eps / eps[0]) ** float(row["predicted"])
        ax.loglog(eps, pred, ":", color="k", label=f"slope {float(row['predicted']):g} "
                                                   "(derived worst case)")
    ax.set_xlabel("ε")
    ax.set_ylabel("steps to reach 4ε")
    ax.legend(fontsize=7)
    return fig


def coordinate_figure(values: dict[str, Any]) -> Figure:
    """Global / coordinate-wise ‖∇F(ȳ_T)‖₁ ratio vs d, spiky and flat, beside the prediction."""
    fig = Figure(figsize=(6.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    rows = list(values["rows"].values())
    for k, kind in enumerate(("spiky", "flat")):
        sel = sorted((r for r in rows if r["kind"] == kind), key=lambda r: r["d"])
        d = _floats(r["d"] for r in sel)
        ax.loglog(d, _floats(r["ratio"] for r in sel), "o-", color=f"C{k}",
                  label=f"{kind}: measured")
        ax.loglog(d, _floats(r["predicted_advantage"] for r in sel), ":", color=f"C{k}",
                  label=f"{kind}: predicted d‖G‖₂²/‖G‖₁²")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("advantage of coordinate-wise clipping")
    ax.legend(fontsize=7)
    return fig


def ablation_figure(values: dict[str, Any]) -> Figure:
    """ABLATE: per problem, one bar per arm (mean over trajectories, log scale) with its 95%
    interval, for ‖∇F(output_T)‖ (left) and E_τ U_τ (right)."""
    arms = values["arms"]
    problems = [p["problem"] for p in values["problems"]]
    rows = {(r["problem"], r["arm"]): r for r in values["rows"]}
    fig = Figure(figsize=(9.0, 4.4), layout="constrained")
    axes = fig.subplots(1, 2)
    width = 0.8 / len(arms)
    x = np.arange(len(problems), dtype=np.float64)
    for ax, key, ylabel in ((axes[0], "gradnorm", "‖∇F(output_T)‖ (mean, 95% CI)"),
                            (axes[1], "U", "E_τ U_τ, τ uniform (mean, 95% CI)")):
        for k, arm in enumerate(arms):
            sel = [rows[(p, arm["name"])] for p in problems]
            mean = _floats(r[f"{key}_mean"] for r in sel)
            low = _floats(r[f"{key}_low"] for r in sel)
            high = _floats(r[f"{key}_high"] for r in sel)
            # a log axis cannot show a lower end <= 0: stop the whisker at a tenth of the mean
            low = np.maximum(low, 0.1 * mean)
            pos = x + (k - (len(arms) - 1) / 2) * width
            output = {"ybar_T": "ȳ_T"}.get(arm["output"], arm["output"])
            ax.bar(pos, mean, width, color=f"C{k}", label=f"{arm['label']}: {output}")
            ax.errorbar(pos, mean, yerr=[mean - low, high - mean], fmt="none", ecolor="k",
                        elinewidth=0.8, capsize=2)
        ax.set_yscale("log")
        ax.set_xticks(x, [p.split(" (")[0] for p in problems], fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
    # below the panels, so that no bar is hidden behind it
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
               ncols=min(len(arms), 3), fontsize=8)
    fig.suptitle("Clipped Adam + EMA: ablations (the same random draws for every arm)",
                 fontsize=10)
    return fig
