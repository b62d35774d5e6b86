"""Per-claim figures for the verification report, drawn from a claim's JSON-able ``values``.

Each ``*_figure`` function takes the ``values`` dict of a :class:`~adamtheory.claims.ClaimResult`
*after a JSON round trip* (non-finite floats arrive as the strings ``"nan"``/``"inf"``) and
returns a :class:`matplotlib.figure.Figure`; none calls ``plt.show``. Because they read only
``values``, a report can redraw them from cached results without re-running any check.

Matplotlib is imported inside the functions, and the claim registry refers to them through
:func:`adamtheory.claims.lazy_figure`: ``adamtheory claims`` imports neither this module nor
matplotlib, which load when a figure is first drawn. The claims keep the plotted data in
``values`` small with ``compact`` and ``log_indices`` of ``adamtheory._arrays``.

Every figure draws under :mod:`adamtheory.plots.style` (fonts, the colour-blind-safe cycle,
:data:`~adamtheory.plots.style.WIDTH`-inch width) and never plots a non-finite value
silently: such points are dropped, or drawn as :data:`~adamtheory.plots.style.NONFINITE_COLOUR`
cells on a map, and counted in a note under the title.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .style import (
    DIVERGING_CMAP,
    NONFINITE_COLOUR,
    PALETTE,
    STATUS_COLOURS,
    WIDE,
    WIDTH,
    finish,
    finite,
    styled,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "adam_ref_figure",
    "r_fig1_figure",
    "r_t1_figure",
    "z_conv_figure",
    "z_cyc_figure",
    "z_drift_figure",
    "z_asymp_figure",
    "z_grow_figure",
]

_STATUS_COLOURS = STATUS_COLOURS  # converged (-1), undecided (0), diverged (1)
_WIDE = WIDE
_EXACT = "#999999"  # an error of exactly 0


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _figure(size: tuple[float, float] = _WIDE) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def _count_nonfinite(notes: list[str], what: str, array: np.ndarray) -> None:
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        notes.append(f"{what}: {bad} non-finite cell{'s' * (bad > 1)}, drawn black")


def _with_bad(cmap: Any) -> Any:
    """``cmap`` drawing non-finite cells in :data:`NONFINITE_COLOUR` (not transparent)."""
    from matplotlib import colormaps

    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
    return cmap.with_extremes(bad=NONFINITE_COLOUR)


@styled
def adam_ref_figure(values: dict[str, Any]) -> Figure:
    """ADAM-REF: each kernel variant's max relative error against its scalar recurrence.

    A variant whose error is not finite gets no bar, a "not finite" label and a note.
    """
    errors = values["errors"]
    tolerance = _num(values["tolerance"])
    names = list(errors)
    errs = _arr([_num(errors[k]) for k in names])
    floor = np.finfo(np.float64).eps / 16  # exact agreement drawn at the floor, labelled 0
    fig = _figure((WIDTH, 0.28 * len(names) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    ok = np.isfinite(errs)
    colours = np.where(errs == 0, _EXACT, PALETTE[0])
    ax.barh(y[ok], np.maximum(errs[ok], floor), left=floor / 10, color=colours[ok])
    for yi, e in zip(y, errs, strict=True):
        if e == 0 or not np.isfinite(e):
            ax.text(
                floor,
                yi,
                " 0 (exact)" if e == 0 else " not finite (no bar)",
                va="center",
                fontsize="x-small",
            )
    notes = []
    if not ok.all():
        notes.append(
            f"{int(np.count_nonzero(~ok))} non-finite error(s) not drawn: "
            + ", ".join(n for n, good in zip(names, ok, strict=True) if not good)
        )
    if np.isfinite(tolerance) and tolerance > 0:
        ax.axvline(tolerance, color=PALETTE[3], ls="--", label=f"tolerance {tolerance:g}")
    else:
        notes.append(f"tolerance {values['tolerance']!r} not drawn")
    ax.axvline(np.finfo(np.float64).eps, color="grey", ls=":", label="float64 eps")
    ax.set_xscale("log")
    ax.set_yticks(y, names, fontsize="x-small")
    ax.set_ylim(len(names) - 0.5, -0.5)  # every row shown (a row without a bar too), first on top
    ax.set_xlabel("max relative error, kernel vs written-out recurrence")
    ax.legend(loc="lower right")
    return finish(fig, None, notes)


@styled
def z_cyc_figure(values: dict[str, Any]) -> Figure:
    """Z-CYC: the closed-form cyclic drift map (left) and simulated vs closed form (right)."""
    plot = values["plot"]
    b1, b2 = _arr(plot["beta1"]), _arr(plot["beta2"])
    cases = plot["cases"]
    notes: list[str] = []
    fig = _figure()
    left, right = fig.subplots(1, 2)
    # the largest n with a = 1 shows a sign change (the divergence region) on this grid
    first = max(cases, key=lambda c: (_num(c["a"]) == 1.0, c["n"]))
    mu = _arr(first["closed_form"])  # (beta1, beta2)
    _count_nonfinite(notes, "closed-form map", mu)
    shown = mu[np.isfinite(mu)]
    lim = float(np.max(np.abs(shown))) if shown.size else 1.0
    lim = lim if lim > 0 else 1.0
    mesh = left.pcolormesh(
        b1, b2, mu.T, cmap=_with_bad(DIVERGING_CMAP), vmin=-lim, vmax=lim, shading="nearest"
    )
    if shown.size and shown.min() < 0 < shown.max():
        left.contour(b1, b2, mu.T, levels=[0.0], colors="black", linewidths=1.5)
    fig.colorbar(mesh, ax=left, label=r"$\mu_{cyc}$ (closed form)")
    left.set_xlabel(r"$\beta_1$")
    left.set_ylabel(r"$\beta_2$")
    left.set_title(f"n = {first['n']}, a = {_num(first['a']):.3g} (drift = 0: black)")
    lo, hi = math.inf, -math.inf
    for k, case in enumerate(cases):
        label = f"n={case['n']}, a={_num(case['a']):.3g}"
        c, s = finite(
            notes, f"simulated vs closed form, {label}", case["closed_form"], case["simulated"]
        )
        right.plot(c, s, ".", ms=3, color=PALETTE[k % len(PALETTE)], label=label)
        if c.size:
            lo, hi = min(lo, float(c.min())), max(hi, float(c.max()))
    if lo <= hi:
        right.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="y = x")
    right.set_xlabel("closed form (SymPy)")
    right.set_ylabel("simulated cyclic chain")
    right.set_title(f"max rel. error {_num(values['max_error']):.1e}")
    right.legend()
    return finish(
        fig,
        "Adam (cyclic order), Z22 counterexample: drift per epoch, closed form against simulation",
        notes,
    )


@styled
def z_drift_figure(values: dict[str, Any]) -> Figure:
    """Z-DRIFT: measured behaviour from x0 on the (β1, β2) grid, with the drift's zero contour."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    grids = values["grids"]
    b1, b2 = _arr(values["grid_beta1"]), _arr(values["grid_beta2"])
    y = 1.0 - b2
    cols = sorted({g["sampling"] for g in grids}, key=["shuffle", "iid", "cyclic"].index)
    rows = sorted({_num(g["a"]) for g in grids}, reverse=True)
    fig = _figure((WIDTH, 2.5 * len(rows) + 0.9))
    axes = fig.subplots(len(rows), len(cols), squeeze=False, sharex=True, sharey=True)
    cmap = _with_bad(ListedColormap(_STATUS_COLOURS))
    notes: list[str] = []
    for g in grids:
        ax = axes[rows.index(_num(g["a"])), cols.index(g["sampling"])]
        status = _arr(g["status"])
        label = f"n={g['n']}, a={_num(g['a']):.3g}, {g['sampling']}"
        _count_nonfinite(notes, f"status map {label}", status)
        ax.pcolormesh(
            b1, y, status.T, cmap=cmap, vmin=-1.5, vmax=1.5, shading="nearest", rasterized=True
        )
        mu = _arr(g["drift"])
        known = mu[np.isfinite(mu)]
        if known.size and known.min() < 0 < known.max():
            ax.contour(b1, y, mu.T, levels=[0.0], colors="black", linewidths=1.4)
        curve = np.linspace(b1.min(), b1.max(), 200) ** 2
        keep = (1 - curve >= y.min()) & (1 - curve <= y.max())
        ax.plot(np.sqrt(curve[keep]), 1 - curve[keep], ":", color="#333333", lw=1.2)
        ax.set_yscale("log")
        ax.set_title(f"{label}: agree {_num(g['agreement']):.3f}", fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel(r"$\beta_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$1-\beta_2$")
    axes[0, 0].invert_yaxis()  # shared axis: beta2 grows upwards in every panel
    handles = [
        Patch(color=_STATUS_COLOURS[2], label="diverged"),
        Patch(color=_STATUS_COLOURS[0], label="converged"),
        Patch(color=_STATUS_COLOURS[1], label="undecided"),
        Line2D([], [], color="black", label="predicted boundary (drift = 0)"),
        Line2D([], [], color="#333333", ls=":", label=r"$\beta_1=\sqrt{\beta_2}$"),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncol=5, fontsize="x-small", frameon=False
    )
    x0 = _num(values.get("x0"))
    start = f" from x0 = {x0:g}" if np.isfinite(x0) else ""
    return finish(
        fig,
        f"Adam on the Z22 counterexample{start}: measured behaviour and the predicted boundary",
        notes,
    )


@styled
def z_grow_figure(values: dict[str, Any]) -> Figure:
    """Z-GROW: region area vs n (left); 1 - β2* vs n with the fitted slope (right)."""
    slope = _num(values["slope"])
    lo, hi = (_num(v) for v in values["slope_ci"])
    notes: list[str] = []
    # "area_n": the sweep's n when the edge is known at more n (fair family, exact roots)
    n_area, areas = finite(
        notes,
        "region area",
        values.get("area_n", values["n"]),
        values["areas"],
        positive=(True, False),
    )
    n, gaps = finite(
        notes, "edge 1 - β2*", values["n"], values["one_minus_beta2_star"], positive=(True, True)
    )
    fig = _figure()
    left, right = fig.subplots(1, 2)
    left.plot(n_area, areas, "o-", color=PALETTE[3])
    left.set_xscale("log")
    left.set_xlabel("n")
    left.set_ylabel("diverged area of the grid")
    left.set_title("region area (must increase with n)")
    right.loglog(n, gaps, "o", color="black", label="measured edge at β1 = 0")
    if n.size >= 2 and np.isfinite(slope):
        intercept = float(np.mean(np.log(gaps) - slope * np.log(n)))
        right.loglog(
            n,
            np.exp(intercept) * n**slope,
            "-",
            color="black",
            lw=1,
            label=f"fit: slope {slope:.2f} [{lo:.2f}, {hi:.2f}]",
        )
        for k, style in ((3.5, "--"), (5.0, ":")):
            right.loglog(
                n,
                gaps[0] * (n / n[0]) ** -k,
                style,
                color="grey",
                label=f"$n^{{-{k:g}}}$ (sufficient threshold)",
            )
    right.set_xlabel("n")
    right.set_ylabel(r"$1-\beta_2^*$")
    right.legend()
    family = values.get("family", "a = 1")
    return finish(
        fig,
        f"Adam on the Z22 counterexample ({family}): the divergence region grows with n",
        notes,
    )


def z_asymp_figure(values: dict[str, Any]) -> Figure:
    r"""Z-ASYMP: :math:`(n^2-1)(1-\beta_2^*)` against n (exact cyclic roots, shuffle
    estimates) with the derived series (left); the remainders of the one- and two-term
    series, log-log, against :math:`n^{-3}` and :math:`n^{-4}` (right)."""
    notes: list[str] = []
    n, gaps = finite(
        notes, "edge 1 - β2*", values["n"], values["one_minus_beta2_star"], positive=(True, True)
    )
    c0, c1 = (_num(c) for c in values["coefficients"])
    fig = _figure()
    left, right = fig.subplots(1, 2)
    fine = np.geomspace(max(n.min(), 2.0), n.max(), 200) if n.size else np.array([])
    left.semilogx(n, (n**2 - 1) * gaps, "o", color="black", label="exact root (cyclic)")
    left.semilogx(
        fine,
        (fine**2 - 1) * (c0 / fine**2 + c1 / fine**3),
        "-",
        color=PALETTE[0],
        label=f"derived series ${c0:g}/n^2 + {c1:.4g}/n^3$",
    )
    sn, sg = finite(
        notes,
        "shuffle edge",
        values.get("shuffle_n", []),
        values.get("shuffle_one_minus_beta2_star", []),
        positive=(True, True),
    )
    if sn.size:
        left.semilogx(sn, (sn**2 - 1) * sg, "s", color=PALETTE[3], label="shuffle (simulated)")
    left.axhline(c0, color="grey", ls=":", lw=1, label=f"limit {c0:g}")
    left.set_xlabel("n")
    left.set_ylabel(r"$(n^2-1)(1-\beta_2^*)$")
    left.set_title(r"edge at $\beta_1 = 0$, a = 1")
    left.legend(fontsize="small")
    one = np.abs(gaps - c0 / (n**2 - 1))
    two = np.abs(gaps - (c0 / n**2 + c1 / n**3))
    for rem, label, colour in (
        (one, f"${c0:g}/(n^2-1)$", PALETTE[1]),
        (two, "two-term", PALETTE[0]),
    ):
        keep = rem > 0
        right.loglog(n[keep], rem[keep], "o-", color=colour, label=f"remainder of {label}")
    if n.size and np.all(one > 0) and np.all(two > 0):
        right.loglog(n, one[0] * (n / n[0]) ** -3.0, "--", color="grey", label="$n^{-3}$")
        right.loglog(n, two[0] * (n / n[0]) ** -4.0, ":", color="grey", label="$n^{-4}$")
    right.set_xlabel("n")
    right.set_ylabel("|exact - series|")
    right.legend(fontsize="small")
    return finish(
        fig,
        "Divergence edge of Adam on the Z22 counterexample: the derived asymptote",
        notes,
    )


@styled
def z_conv_figure(values: dict[str, Any]) -> Figure:
    """Z-CONV: running min of |∇f| for D0 = 0 (left); the D0 > 0 floor vs 1 - β2 (right)."""
    zero, pos = values["d0_zero"], values["d0_positive"]
    notes: list[str] = []
    fig = _figure()
    left, right = fig.subplots(1, 2)
    if "epochs" in zero:
        k, g = finite(
            notes, "D0 = 0 running min", zero["epochs"], zero["running_min"], positive=(True, True)
        )
        left.loglog(k, g, ".-", color=PALETTE[0], label="mean running min")
        if k.size:
            left.loglog(
                k, g[0] * np.sqrt(k[0] / k), "--", color="grey", label=r"$\propto k^{-1/2}$"
            )
        res = _num(zero.get("resolution"))
        if np.isfinite(res) and res > 0:
            left.axhline(res, color=PALETTE[3], ls=":", lw=1, label="float64 resolution")
    left.set_xlabel("epoch k")
    left.set_ylabel(r"$\min_{j\leq k} |\nabla f(x_j)|$")
    slope = _num(zero.get("slope"))
    left.set_title("D0 = 0" + (f": slope {slope:.2f}" if np.isfinite(slope) else ""))
    if left.get_legend_handles_labels()[0]:
        left.legend()
    x, floors = finite(
        notes, "D0 > 0 floor", 1.0 - _arr(pos["beta2"]), pos["floors"], positive=(True, True)
    )
    right.loglog(x, floors, "o", color="black", label="floor $(\\hat x - x^*)^2$")
    s = _num(pos["slope"])
    lo, hi = (_num(v) for v in pos["slope_ci"])
    if x.size >= 2 and np.isfinite(s):
        c = float(np.mean(np.log(floors) - s * np.log(x)))
        right.loglog(
            x,
            np.exp(c) * x**s,
            "-",
            color="black",
            lw=1,
            label=f"fit: slope {s:.2f} [{lo:.2f}, {hi:.2f}]",
        )
        e = _num(pos["exponent"])
        if np.isfinite(e):
            right.loglog(
                x,
                floors[-1] * (x / x[-1]) ** e,
                "--",
                color="grey",
                label=f"$(1-\\beta_2)^{{{e:g}}}$ (bound)",
            )
    right.set_xlabel(r"$1-\beta_2$")
    right.set_ylabel(r"$(\hat x - x^*)^2$")
    right.set_title("D0 > 0: floor vs 1 - β2")
    right.legend()
    return finish(fig, "Adam on a finite sum: convergence (D0 = 0) and the floor (D0 > 0)", notes)


@styled
def r_t1_figure(values: dict[str, Any]) -> Figure:
    """R-T1: iterates (left) and average regret R_t/t with the predicted limit (right)."""
    curves = values["curves"]
    limit = _num(values["predicted_regret"])
    notes: list[str] = []
    fig = _figure()
    left, right = fig.subplots(1, 2)
    for k, (name, label) in enumerate((("adam", "Adam"), ("amsgrad", "AMSGrad"), ("sgd", "SGD"))):
        colour = PALETTE[k]
        t, x = finite(
            notes, f"{label} iterates", curves["t"], curves[f"{name}_x"], positive=(True, False)
        )
        left.plot(t, x, lw=1.2, color=colour, label=label)
        t, r = finite(
            notes, f"{label} regret", curves["t"], curves[f"{name}_regret"], positive=(True, False)
        )
        right.plot(t, r, lw=1.2, color=colour, label=label)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("step t")
    for level in (-1, 1):
        left.axhline(level, color="grey", lw=0.8, ls="--")
    left.set_ylabel(r"$x_t$")
    left.legend()
    if np.isfinite(limit):
        right.axhline(limit, color="black", ls=":", label=f"(2C-4)/3 = {limit:.3g}")
    else:
        notes.append(f"the predicted limit ({values['predicted_regret']}) is not drawn")
    right.set_ylabel(r"$R_t/t$")
    right.legend()
    steps = values.get("steps")
    title = (
        f"Reddi et al. 2018, Theorem 1 (cyclic, β1 = 0): C = {_num(values['C']):g}, "
        f"β2 = {_num(values['beta2']):.4g}" + (f", T = {steps}" if steps else "")
    )
    return finish(fig, title, notes)


def r_fig1_figure(values: dict[str, Any]) -> Figure:
    """R-FIG1: R18 Figure 1 style: online average regret (left), online iterates (middle),
    stochastic iterates (mean over runs, right), Adam against AMSGrad."""
    notes: list[str] = []
    fig = _figure((WIDTH * 1.5, WIDTH * 0.5))
    regret_ax, online_ax, stoch_ax = fig.subplots(1, 3)
    curves, stoch = values["curves"], values["stochastic_curves"]
    for k, (name, label) in enumerate((("adam", "Adam"), ("amsgrad", "AMSGrad"))):
        colour = PALETTE[k]
        t, r = finite(
            notes, f"{label} regret", curves["t"], curves[f"{name}_regret"], positive=(True, False)
        )
        late = t >= 10 * _num(values.get("period", 101))  # the first periods' R_t/t ~ 1000
        regret_ax.plot(t[late], r[late], lw=1.2, color=colour, label=label)
        t, x = finite(
            notes, f"{label} iterate", curves["t"], curves[f"{name}_x"], positive=(True, False)
        )
        online_ax.plot(t, x, lw=1.2, color=colour, label=label)
        t, x = finite(
            notes, f"{label} stochastic", stoch["t"], stoch[f"{name}_x"], positive=(True, False)
        )
        stoch_ax.plot(t, x, lw=1.2, color=colour, label=label)
    limit = _num(values["regret_limit"])
    if np.isfinite(limit):
        regret_ax.axhline(limit, color="black", ls=":", lw=0.8, label=f"20/101 = {limit:.3f}")
    for ax in (regret_ax, online_ax, stoch_ax):
        ax.set_xscale("log")
        ax.set_xlabel("step t")
    for ax in (online_ax, stoch_ax):
        for level in (-1, 1):
            ax.axhline(level, color="grey", lw=0.8, ls="--")
        ax.set_ylabel(r"$x_t$")
    regret_ax.set_ylabel(r"$R_t/t$")
    regret_ax.set_title(f"online average regret, T = {values['online_steps']:.2g}")
    regret_ax.set_xlim(left=1.0)
    online_ax.set_title(r"online: $x_t$")
    stoch_ax.set_title(f"stochastic: mean of {values['runs']} runs")
    regret_ax.legend(fontsize="small")
    b2 = values["beta2"][0] if isinstance(values["beta2"], list) else values["beta2"]
    title = (
        f"Reddi et al. 2018, Section 5: β1 = {_num(values['beta1']):g}, β2 = {_num(b2):g}, "
        f"η_t = {_num(values['lr']):g}/√t, no bias correction, x0 = 0 "
        f"(μ = {_num(values['drift_predicted'][0]):.2f}, β2* = {_num(values['beta2_star']):.5f})"
    )
    return finish(fig, title, notes)
