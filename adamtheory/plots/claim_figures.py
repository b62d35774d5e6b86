"""Per-claim figures for the verification report, drawn from a claim's JSON-able ``values``.

Each ``*_figure`` function takes the ``values`` dict of a :class:`~adamtheory.claims.ClaimResult`
*after a JSON round trip* (non-finite floats arrive as the strings ``"nan"``/``"inf"``) and
returns a :class:`matplotlib.figure.Figure`; none calls ``plt.show``. Because they read only
``values``, a report can redraw them from cached results without re-running any check.

Matplotlib is imported inside the functions: the claim registry imports this module, and
``adamtheory claims`` should not pay for matplotlib. :func:`compact` and :func:`log_indices`
are what the claims use to keep the plotted data in ``values`` small.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "adam_ref_figure",
    "compact",
    "log_indices",
    "r_t1_figure",
    "z_conv_figure",
    "z_cyc_figure",
    "z_drift_figure",
    "z_grow_figure",
]

_STATUS_COLOURS = ("#4c9be8", "#d9d9d9", "#e4572e")  # converged (-1), undecided (0), diverged (1)
_WIDE = (7.6, 3.3)


def compact(array: Any, digits: int = 5) -> Any:
    """``array`` as nested lists of floats rounded to ``digits`` significant digits.

    Non-finite entries stay non-finite (``ClaimResult.to_json`` writes them as strings).
    """
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be an integer >= 1; got {digits!r}")
    a = np.asarray(array, dtype=np.float64)
    out = np.full_like(a, np.nan)
    finite = np.isfinite(a) & (a != 0)
    exp = np.floor(np.log10(np.abs(a[finite])))
    scale = 10.0 ** (digits - 1 - exp)
    out[finite] = np.round(a[finite] * scale) / scale
    out[a == 0] = 0.0
    out[~np.isfinite(a)] = a[~np.isfinite(a)]
    return out.tolist()


def log_indices(length: int, points: int = 200) -> np.ndarray:
    """About ``points`` distinct indices in ``[0, length)``, log-spaced, with both ends."""
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be an integer >= 1; got {length!r}")
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points must be an integer >= 2; got {points!r}")
    idx = np.unique(np.round(np.logspace(0, math.log10(length), points)).astype(int) - 1)
    return np.unique(np.concatenate([[0], idx, [length - 1]]))


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


def adam_ref_figure(values: dict[str, Any]) -> Figure:
    """ADAM-REF: each kernel variant's max relative error against its scalar recurrence."""
    errors = values["errors"]
    tolerance = _num(values["tolerance"])
    names = list(errors)
    errs = _arr([_num(errors[k]) for k in names])
    floor = np.finfo(np.float64).eps / 16  # exact agreement drawn at the floor, labelled 0
    fig = _figure((7.6, 0.28 * len(names) + 1.4))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    colours = np.where(errs == 0, "#9aa0a6", "#4c9be8")
    ax.barh(y, np.maximum(errs, floor), left=floor / 10, color=colours)
    for yi, e in zip(y, errs, strict=True):
        if e == 0:
            ax.text(floor, yi, " 0 (exact)", va="center", fontsize=7)
    ax.axvline(tolerance, color="#e4572e", ls="--", label=f"tolerance {tolerance:g}")
    ax.axvline(np.finfo(np.float64).eps, color="grey", ls=":", label="float64 eps")
    ax.set_xscale("log")
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("max relative error, kernel vs written-out recurrence")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def z_cyc_figure(values: dict[str, Any]) -> Figure:
    """Z-CYC: the closed-form cyclic drift map (left) and simulated vs closed form (right)."""
    plot = values["plot"]
    b1, b2 = _arr(plot["beta1"]), _arr(plot["beta2"])
    cases = plot["cases"]
    fig = _figure()
    left, right = fig.subplots(1, 2)
    # the largest n with a = 1 shows a sign change (the divergence region) on this grid
    first = max(cases, key=lambda c: (_num(c["a"]) == 1.0, c["n"]))
    mu = _arr(first["closed_form"])  # (beta1, beta2)
    lim = float(np.nanmax(np.abs(mu))) or 1.0
    mesh = left.pcolormesh(b1, b2, mu.T, cmap="RdBu", vmin=-lim, vmax=lim, shading="nearest")
    if np.nanmin(mu) < 0 < np.nanmax(mu):
        left.contour(b1, b2, mu.T, levels=[0.0], colors="black", linewidths=1.5)
    fig.colorbar(mesh, ax=left, label=r"$\mu_{cyc}$ (closed form)")
    left.set_xlabel(r"$\beta_1$")
    left.set_ylabel(r"$\beta_2$")
    left.set_title(f"n = {first['n']}, a = {_num(first['a']):.3g} (drift = 0: black)",
                   fontsize=9)
    lo, hi = math.inf, -math.inf
    for case in cases:
        c, s = _arr(case["closed_form"]).ravel(), _arr(case["simulated"]).ravel()
        right.plot(c, s, ".", ms=3, label=f"n={case['n']}, a={_num(case['a']):.3g}")
        lo, hi = min(lo, np.nanmin(c)), max(hi, np.nanmax(c))
    right.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="y = x")
    right.set_xlabel("closed form (SymPy)")
    right.set_ylabel("simulated cyclic chain")
    right.set_title(f"max rel. error {_num(values['max_error']):.1e}", fontsize=9)
    right.legend(fontsize=7)
    return fig


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
    fig = _figure((7.6, 2.5 * len(rows) + 0.7))
    axes = fig.subplots(len(rows), len(cols), squeeze=False, sharex=True, sharey=True)
    cmap = ListedColormap(_STATUS_COLOURS)
    for g in grids:
        ax = axes[rows.index(_num(g["a"])), cols.index(g["sampling"])]
        status = _arr(g["status"])
        ax.pcolormesh(b1, y, status.T, cmap=cmap, vmin=-1.5, vmax=1.5, shading="nearest",
                      rasterized=True)
        mu = _arr(g["drift"])
        if np.nanmin(mu) < 0 < np.nanmax(mu):
            ax.contour(b1, y, mu.T, levels=[0.0], colors="black", linewidths=1.4)
        curve = np.linspace(b1.min(), b1.max(), 200) ** 2
        keep = (1 - curve >= y.min()) & (1 - curve <= y.max())
        ax.plot(np.sqrt(curve[keep]), 1 - curve[keep], ":", color="#333333", lw=1.2)
        ax.set_yscale("log")
        ax.set_title(f"n={g['n']}, a={_num(g['a']):.3g}, {g['sampling']}: agree "
                     f"{_num(g['agreement']):.3f}", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(r"$\beta_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$1-\beta_2$")
    axes[0, 0].invert_yaxis()  # shared axis: beta2 grows upwards in every panel
    handles = [Patch(color=_STATUS_COLOURS[2], label="diverged"),
               Patch(color=_STATUS_COLOURS[0], label="converged"),
               Patch(color=_STATUS_COLOURS[1], label="undecided"),
               Line2D([], [], color="black", label="predicted boundary (drift = 0)"),
               Line2D([], [], color="#333333", ls=":", label=r"$\beta_1=\sqrt{\beta_2}$")]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=7, frameon=False)
    return fig


def z_grow_figure(values: dict[str, Any]) -> Figure:
    """Z-GROW: region area vs n (left); 1 - β2* vs n with the fitted slope (right)."""
    n = _arr(values["n"])
    areas = _arr(values["areas"])
    gaps = _arr(values["one_minus_beta2_star"])
    slope = _num(values["slope"])
    lo, hi = (_num(v) for v in values["slope_ci"])
    fig = _figure()
    left, right = fig.subplots(1, 2)
    left.plot(n, areas, "o-", color="#e4572e")
    left.set_xscale("log")
    left.set_xlabel("n")
    left.set_ylabel("diverged area of the grid")
    left.set_title("region area (must increase with n)", fontsize=9)
    right.loglog(n, gaps, "o", color="black", label="measured edge at β1 = 0")
    ok = np.isfinite(gaps) & (gaps > 0)
    if ok.sum() >= 2 and np.isfinite(slope):
        intercept = float(np.mean(np.log(gaps[ok]) - slope * np.log(n[ok])))
        right.loglog(n, np.exp(intercept) * n**slope, "-", color="black", lw=1,
                     label=f"fit: slope {slope:.2f} [{lo:.2f}, {hi:.2f}]")
        for k, style in ((3.5, "--"), (5.0, ":")):
            right.loglog(n, gaps[ok][0] * (n / n[ok][0]) ** -k, style, color="grey",
                         label=f"$n^{{-{k:g}}}$ (sufficient threshold)")
    right.set_xlabel("n")
    right.set_ylabel(r"$1-\beta_2^*$")
    right.legend(fontsize=7)
    return fig


def z_conv_figure(values: dict[str, Any]) -> Figure:
    """Z-CONV: running min of |∇f| for D0 = 0 (left); the D0 > 0 floor vs 1 - β2 (right)."""
    zero, pos = values["d0_zero"], values["d0_positive"]
    fig = _figure()
    left, right = fig.subplots(1, 2)
    if "epochs" in zero:
        k, g = _arr(zero["epochs"]), _arr(zero["running_min"])
        show = (k > 0) & (g > 0)
        left.loglog(k[show], g[show], ".-", color="#4c9be8", label="mean running min")
        if show.any():
            k0, g0 = k[show][0], g[show][0]
            left.loglog(k[show], g0 * np.sqrt(k0 / k[show]), "--", color="grey",
                        label=r"$\propto k^{-1/2}$")
        res = _num(zero.get("resolution"))
        if np.isfinite(res):
            left.axhline(res, color="#e4572e", ls=":", lw=1, label="float64 resolution")
    left.set_xlabel("epoch k")
    left.set_ylabel(r"$\min_{j\leq k} |\nabla f(x_j)|$")
    slope = _num(zero.get("slope"))
    left.set_title("D0 = 0" + (f": slope {slope:.2f}" if np.isfinite(slope) else ""),
                   fontsize=9)
    left.legend(fontsize=7)
    b2, floors = _arr(pos["beta2"]), _arr(pos["floors"])
    x = 1.0 - b2
    right.loglog(x, floors, "o", color="black", label="floor $(\\hat x - x^*)^2$")
    s = _num(pos["slope"])
    lo, hi = (_num(v) for v in pos["slope_ci"])
    ok = np.isfinite(floors) & (floors > 0)
    if ok.sum() >= 2 and np.isfinite(s):
        c = float(np.mean(np.log(floors[ok]) - s * np.log(x[ok])))
        right.loglog(x, np.exp(c) * x**s, "-", color="black", lw=1,
                     label=f"fit: slope {s:.2f} [{lo:.2f}, {hi:.2f}]")
        e = _num(pos["exponent"])
        right.loglog(x, floors[ok][-1] * (x / x[ok][-1]) ** e, "--", color="grey",
                     label=f"$(1-\\beta_2)^{{{e:g}}}$ (bound)")
    right.set_xlabel(r"$1-\beta_2$")
    right.set_ylabel(r"$(\hat x - x^*)^2$")
    right.set_title("D0 > 0: floor vs 1 - β2", fontsize=9)
    right.legend(fontsize=7)
    return fig


def r_t1_figure(values: dict[str, Any]) -> Figure:
    """R-T1: iterates (left) and average regret R_t/t with the predicted limit (right)."""
    curves = values["curves"]
    t = _arr(curves["t"])
    limit = _num(values["predicted_regret"])
    fig = _figure()
    left, right = fig.subplots(1, 2)
    for name, label in (("adam", "Adam"), ("amsgrad", "AMSGrad"), ("sgd", "SGD")):
        left.plot(t, _arr(curves[f"{name}_x"]), lw=1.2, label=label)
        right.plot(t, _arr(curves[f"{name}_regret"]), lw=1.2, label=label)
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("step t")
    for level in (-1, 1):
        left.axhline(level, color="grey", lw=0.8, ls="--")
    left.set_ylabel(r"$x_t$")
    left.legend(fontsize=7)
    right.axhline(limit, color="black", ls=":", label=f"(2C-4)/3 = {limit:.3g}")
    right.set_ylabel(r"$R_t/t$")
    right.legend(fontsize=7)
    fig.suptitle(f"C = {_num(values['C']):g}, beta2 = {_num(values['beta2']):.4g}", fontsize=9)
    return fig
