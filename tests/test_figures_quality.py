"""Figure quality: 300-dpi PNG with PDF and SVG, one colour-blind-safe style, the ABLATE dot
plot, titles that name the setting, and no non-finite value drawn silently.

Every figure here is drawn from a small synthetic ``values`` dict (JSON round trip, as the
report does), so the module runs in seconds.
"""

from __future__ import annotations

import io
import json

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from PIL import Image

from adamtheory.plots import claim_figures, o2nc, save_figure
from adamtheory.plots.export import figure_bytes
from adamtheory.plots.style import PALETTE, STATUS_COLOURS, context, finite
from adamtheory.report.figures import RenderedFigure, render_figure, write_formats

OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
NAN = float("nan")


def _json(values):
    return json.loads(json.dumps(values))


def _small() -> Figure:
    fig = Figure(figsize=(2.0, 1.5), layout="constrained")
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


# ----------------------------------------------------------------------------- synthetic values

PROBLEMS = ("smoothed cone (d=2, rho=0.1)", "log-cosh valley (d=2)")
ARMS = (
    ("baseline", "baseline (β1 = β, EMA decay β)", "ybar_T"),
    ("last-iterate", "last iterate", "x_T"),
    ("beta1=0", "β1 = 0", "ybar_T"),
    ("beta=1", "β = 1 (undiscounted)", "ybar_T"),
)


def ablate_values(*, negative_low: bool = False, nan_ratio: bool = False) -> dict:
    rows = []
    for j, problem in enumerate(PROBLEMS):
        for k, (name, _, output) in enumerate(ARMS):
            r = 1.0 if k == 0 else (4.0, 0.8, 9.0)[k - 1] * (1 + 0.1 * j)
            lo, hi = (r, r) if k == 0 else (0.7 * r, 1.3 * r)
            if negative_low and name == "beta1=0" and j == 1:
                lo = -0.3
            if nan_ratio and name == "beta=1" and j == 0:
                r = NAN
            rows.append(
                {
                    "problem": problem,
                    "arm": name,
                    "output": output,
                    "gradnorm_mean": 0.01 * r,
                    "U_mean": 0.02 * r,
                    "ratio": r,
                    "ratio_low": lo,
                    "ratio_high": hi,
                    "U_ratio": r,
                    "U_ratio_low": lo,
                    "U_ratio_high": hi,
                }
            )
    return _json(
        {
            "rows": rows,
            "problems": [
                {"problem": p, "T": 1000 + 100 * j, "epsilon": 0.05} for j, p in enumerate(PROBLEMS)
            ],
            "arms": [{"name": n, "label": lab, "output": o, "change": ""} for n, lab, o in ARMS],
            "lambda": 0.02,
            "batch": 16,
            "level": 0.95,
            "epsilon_divisor": 8.0,
            "conversion": "exponential",
            "tau_law": "uniform",
            "clip": "global",
        }
    )


def corollary_values(trace_U=(1.0, 0.5, 0.2, 0.1), **extra) -> dict:
    return _json(
        {
            "rows": [
                {
                    "problem": p,
                    "epsilon": 0.05,
                    "bound": 0.2,
                    "steps": 1000 * (j + 1),
                    "trace_step": [1, 10, 100, 1000],
                    "trace_U": list(trace_U),
                }
                for j, p in enumerate(PROBLEMS)
            ],
            "lambda": 0.02,
            "batch": 8,
            "shrink": 1.0,
            **extra,
        }
    )


def slope_values() -> dict:
    eps = [0.1, 0.05, 0.02, 0.01]
    return _json(
        {
            "rows": [
                {
                    "problem": PROBLEMS[0],
                    "epsilon": eps,
                    "T_hit_mean": [10.0, 40.0, NAN, 900.0],
                    "slope": -2.0,
                    "slope_low": -2.2,
                    "slope_high": -1.8,
                    "predicted": -3.5,
                },
                {
                    "problem": PROBLEMS[1],
                    "epsilon": eps,
                    "T_hit": [[NAN]],
                    "note": "some runs never reached 4 eps within the predicted T",
                },
            ],
            "lambda": 0.02,
            "learner": "β-OMD",
            "conversion": "uniform",
        }
    )


def coordinate_values() -> dict:
    rows = {
        f"{kind} d={d}": {"kind": kind, "d": d, "ratio": r, "predicted_advantage": p}
        for kind, scale in (("spiky", 1.0), ("flat", 0.0))
        for d, r, p in (
            (10, 1 + scale, 1 + scale),
            (100, 1 + 3 * scale, NAN),
            (1000, 1 + 9 * scale, 1 + 8 * scale),
        )
    }
    return _json({"rows": rows, "T": 1000, "beta": 0.99, "D": 0.01})


# claim figures with a non-finite value in each plotted series
NONFINITE_CLAIM_VALUES = {
    "adam_ref_figure": {"errors": {"adam": 1e-16, "sgd": 0.0, "broken": NAN}, "tolerance": 1e-12},
    "z_cyc_figure": {
        "max_error": 1e-15,
        "plot": {
            "beta1": [0.0, 0.5, 0.9],
            "beta2": [0.0, 0.5, 0.9],
            "cases": [
                {
                    "n": 3,
                    "a": 1.0,
                    "closed_form": [[-1.0, 0.5, 1.0], [-1.0, NAN, 1.0], [-0.5, 0.2, 1.0]],
                    "simulated": [[-1.0, 0.5, 1.0], [-1.0, 0.1, NAN], [-0.5, 0.2, 1.0]],
                }
            ],
        },
    },
    "z_drift_figure": {
        "grid_beta1": [0.0, 0.5, 0.9],
        "grid_beta2": [0.5, 0.9, 0.99],
        "x0": 1.0,
        "grids": [
            {
                "n": 10,
                "a": 1.0,
                "sampling": "shuffle",
                "agreement": 1.0,
                "status": [[1, 0, -1], [1, NAN, -1], [1, 0, -1]],
                "drift": [[-1.0, 0.1, 1.0]] * 3,
            }
        ],
    },
    "z_grow_figure": {
        "n": [10, 20, 50, 100],
        "areas": [0.8, NAN, 0.95, 0.97],
        "one_minus_beta2_star": [0.04, 0.01, "inf", 0.0004],
        "slope": -2.0,
        "slope_ci": [-2.1, -1.9],
        "exponent": 3.5,
    },
    "z_conv_figure": {
        "d0_zero": {
            "slope": "nan",
            "ci": ["nan", "nan"],
            "epochs": [1, 10, 100],
            "running_min": [0.1, NAN, 0.01],
            "resolution": 1e-16,
        },
        "d0_positive": {
            "beta2": [0.9, 0.99, 0.999],
            "floors": [1e-3, NAN, 1e-7],
            "slope": 2.0,
            "slope_ci": [1.9, 2.1],
            "exponent": 1.0,
        },
    },
    "r_t1_figure": {
        "C": 4.0,
        "beta2": 0.0588,
        "predicted_regret": 4 / 3,
        "steps": 100,
        "curves": {
            "t": [1, 10, 100],
            **{
                f"{k}_{q}": [0.0, NAN, 1.0]
                for k in ("adam", "amsgrad", "sgd")
                for q in ("x", "regret")
            },
        },
    },
}


def _drawn_points(fig: Figure) -> list[np.ndarray]:
    """Every line's, marker set's and whisker's data in ``fig`` (what could hide a NaN)."""
    from matplotlib.collections import LineCollection, PathCollection

    out = []
    for ax in fig.axes:
        out += [np.asarray(line.get_xydata(), dtype=float) for line in ax.get_lines()]
        for c in ax.collections:
            if isinstance(c, PathCollection):
                out.append(np.asarray(c.get_offsets(), dtype=float))
            elif isinstance(c, LineCollection):
                out += [np.asarray(seg, dtype=float) for seg in c.get_segments()]
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _title(fig: Figure) -> str:
    return fig.get_suptitle()


# ----------------------------------------------------------------------------- saving


def test_save_figure_writes_300_dpi_png_pdf_and_svg(tmp_path):
    fig = _small()
    paths = save_figure(fig, tmp_path / "sub" / "fig.png")
    assert [p.name for p in paths] == ["fig.png", "fig.pdf", "fig.svg"]
    png, pdf, svg = (p.read_bytes() for p in paths)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and pdf[:5] == b"%PDF-" and b"<svg" in svg[:2000]
    with Image.open(paths[0]) as im:
        assert im.size == (600, 450)  # figsize * 300
        assert tuple(round(d) for d in im.info["dpi"]) == (300, 300)
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["fig.pdf", "fig.png", "fig.svg"]


def test_save_figure_stems_suffixes_and_options(tmp_path):
    fig = _small()
    assert [p.name for p in save_figure(fig, tmp_path / "a")] == ["a.png", "a.pdf", "a.svg"]
    # an image suffix is written first, even if formats leaves it out
    assert [p.name for p in save_figure(fig, tmp_path / "b.pdf", formats=("svg",))] == [
        "b.pdf",
        "b.svg",
    ]
    # any other suffix is part of the name
    assert [p.name for p in save_figure(fig, tmp_path / "c.v2", formats="png")] == ["c.v2.png"]
    (p,) = save_figure(fig, tmp_path / "d.png", formats=("png",), dpi=100)
    with Image.open(p) as im:
        assert im.size == (200, 150)
    with pytest.raises(ValueError, match="formats must be"):
        save_figure(fig, tmp_path / "e", formats=("nope",))
    with pytest.raises(ValueError, match="formats must be"):
        save_figure(fig, tmp_path / "e", formats=())
    with pytest.raises(ValueError, match="dpi must be a positive number"):
        save_figure(fig, tmp_path / "e", dpi=0)


def test_failed_save_leaves_earlier_files_and_no_partial_file(tmp_path, monkeypatch):
    fig = _small()
    first = save_figure(fig, tmp_path / "f.png")
    before = {p: p.read_bytes() for p in first}
    real = fig.savefig

    def broken(buf, *, format, **kw):
        if format == "svg":
            raise RuntimeError("disk on fire")
        return real(buf, format=format, **kw)

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_figure(fig, tmp_path / "f.png")
    assert {p: p.read_bytes() for p in first} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png", "f.svg"]


def test_saved_bytes_are_reproducible_and_the_layout_engine_is_restored():
    fig = o2nc.corollary_figure(corollary_values(learner="β-OMD", conversion="uniform"))
    engine = fig.get_layout_engine()
    once = figure_bytes(fig)
    assert fig.get_layout_engine() is engine
    again = figure_bytes(
        o2nc.corollary_figure(corollary_values(learner="β-OMD", conversion="uniform"))
    )
    assert once == again


def test_report_figure_is_a_300_dpi_png_carrying_svg_and_pdf(tmp_path):
    image = render_figure(o2nc.ablation_figure, ablate_values())
    assert isinstance(image, RenderedFigure) and isinstance(image, bytes)
    assert bytes(image) == image.formats["png"] and image[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(image)) as im:
        assert tuple(round(d) for d in im.info["dpi"]) == (300, 300)
        assert im.size[0] == round(o2nc.WIDTH * 300)
    png = tmp_path / "figures" / "ABLATE.png"
    written = write_formats(image, png)
    assert sorted(p.name for p in written) == ["ABLATE.pdf", "ABLATE.svg"]
    assert (tmp_path / "figures" / "ABLATE.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (tmp_path / "figures" / "ABLATE.svg").read_bytes()[:2000]
    assert write_formats(b"plain png bytes", png) == [] and write_formats("error", png) == []
    assert "KeyError" in render_figure(o2nc.ablation_figure, {"rows": []})


# ----------------------------------------------------------------------------- style


def test_palette_is_okabe_ito_and_does_not_leak():
    assert set(PALETTE) == OKABE_ITO and len(PALETTE) == len(OKABE_ITO)
    assert set(STATUS_COLOURS) - {"#DDDDDD"} <= OKABE_ITO
    cycle_before = mpl.rcParams["axes.prop_cycle"]
    fig = o2nc.corollary_figure(corollary_values())
    assert mpl.rcParams["axes.prop_cycle"] == cycle_before
    colours = [mpl.colors.to_hex(line.get_color()).upper() for line in fig.axes[0].get_lines()]
    assert colours[:2] == [PALETTE[0]] * 2 and set(colours) <= OKABE_ITO
    with context():
        assert [c["color"] for c in mpl.rcParams["axes.prop_cycle"]] == list(PALETTE)
        assert mpl.rcParams["savefig.dpi"] == 300


def test_every_claim_figure_uses_one_width_and_the_palette():
    figures = [
        o2nc.corollary_figure(corollary_values()),
        o2nc.slope_figure(slope_values()),
        o2nc.coordinate_figure(coordinate_values()),
        o2nc.ablation_figure(ablate_values()),
    ]
    figures += [
        getattr(claim_figures, name)(_json(v)) for name, v in NONFINITE_CLAIM_VALUES.items()
    ]
    for fig in figures:
        assert fig.get_figwidth() == pytest.approx(o2nc.WIDTH)
        for ax in fig.axes:
            for line in ax.get_lines():
                colour = mpl.colors.to_hex(line.get_color()).upper()
                assert colour in OKABE_ITO or colour in {"#808080", "#333333"}, colour


# ----------------------------------------------------------------------------- ABLATE


def test_ablation_is_a_dot_plot_on_a_log_ratio_axis():
    values = ablate_values()
    fig = o2nc.ablation_figure(values)
    assert len(fig.axes) == 2
    arms = [label for name, label, _ in ARMS if name != "baseline"]
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
        assert not ax.patches  # no bars
        ones = [
            line
            for line in ax.get_lines()
            if np.allclose(line.get_xdata(), 1.0) and len(line.get_xdata()) == 2
        ]
        assert ones, "no vertical line at ratio 1"
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == len(PROBLEMS) and all(c.has_xerr and not c.has_yerr for c in bars)
        for c in bars:  # one marker per arm, at the ratio
            x = c.lines[0].get_xdata()
            assert len(x) == len(arms) and np.all(np.asarray(x) > 0)
        lo, hi = ax.get_xlim()
        assert lo < 0.8 * 0.7 and hi > 9.9 * 1.3
    labels = [t.get_text().split("\n")[0] for t in fig.axes[0].get_yticklabels()]
    assert labels == arms
    assert "clipped Adam" in _title(fig) and "exponential conversion" in _title(fig)
    assert "λ = 0.02" in _title(fig) and "95%" in _title(fig)
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "T = 1000" in legend and "T = 1100" in legend


def test_ablation_marks_intervals_that_a_log_axis_cannot_show():
    fig = o2nc.ablation_figure(ablate_values(negative_low=True, nan_ratio=True))
    notes = " ".join(fig.adamtheory_notes)
    assert "reach ratio <= 0" in notes and "not finite or <= 0, not drawn" in notes
    for ax in fig.axes:
        left = ax.get_xlim()[0]
        tips = [line for line in ax.get_lines() if line.get_marker() == "<"]
        assert tips and all(np.allclose(t.get_xdata(), left) for t in tips)
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert [len(c.lines[0].get_xdata()) for c in bars] == [2, 3]  # the NaN ratio left out
    for points in _drawn_points(fig):
        assert np.all(np.isfinite(points))


# ----------------------------------------------------------------------------- titles


def test_corollary_title_names_learner_conversion_and_setting():
    fig = o2nc.corollary_figure(corollary_values(learner="β-OMD", conversion="uniform"))
    title = _title(fig)
    assert title.startswith("β-OMD, Option I (uniform), λ = 0.02, 8 trajectories")
    assert "4ε" in title
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "ε = 0.05, T = 1000" in legend and "T = 2000" in legend
    thm5 = o2nc.corollary_figure(
        corollary_values(learner="clipped Adam (global clip)", conversion="exponential")
    )
    assert _title(thm5).startswith("clipped Adam (global clip), exponential conversion")
    cut = o2nc.corollary_figure(
        corollary_values(learner="β-OMD", conversion="anchored", shrink=100.0)
    )
    assert "Option II (anchored)" in _title(cut) and "T cut by 100" in _title(cut)


def test_slope_and_coordinate_titles_name_the_setting():
    assert _title(o2nc.slope_figure(slope_values())).startswith(
        "β-OMD, Option I (uniform), λ = 0.02"
    )
    title = _title(o2nc.coordinate_figure(coordinate_values()))
    assert title.startswith("clipped Adam, β1 = 0.99, D = 0.01, T = 1000")


# ----------------------------------------------------------------------------- non-finite


def test_finite_helper_drops_and_counts():
    notes: list[str] = []
    x, y = finite(notes, "s", [1, 2, 3, 4], [1.0, "nan", -1.0, 2.0], positive=(True, True))
    assert x.tolist() == [1.0, 4.0] and y.tolist() == [1.0, 2.0]
    assert notes == ["s: 1 non-finite point not drawn", "s: 1 point <= 0 not drawn on the log axis"]


@pytest.mark.parametrize(
    "draw, values",
    [
        (o2nc.corollary_figure, corollary_values(trace_U=(1.0, "nan", 0.2, "inf"))),
        (o2nc.slope_figure, slope_values()),
        (o2nc.coordinate_figure, coordinate_values()),
        *[(getattr(claim_figures, name), v) for name, v in NONFINITE_CLAIM_VALUES.items()],
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_no_nan_is_drawn_and_each_is_noted(draw, values):
    fig = draw(_json(values))
    for points in _drawn_points(fig):
        assert np.all(np.isfinite(points)), draw.__name__
    notes = fig.adamtheory_notes
    assert notes and all(_flat(n) in _flat(_title(fig)) for n in notes)
    assert any(w in " ".join(notes) for w in ("non-finite", "not drawn", "not finite"))
    png = render_figure(draw, _json(values))
    assert isinstance(png, bytes), png


def test_slope_figure_says_which_problem_never_reached_the_target():
    fig = o2nc.slope_figure(slope_values())
    assert any(PROBLEMS[1] in n and "never reached" in n for n in fig.adamtheory_notes)


def test_region_map_marks_nonfinite_status():
    import xarray as xr

    from adamtheory.plots.region import region_figure

    status = np.array([[1.0, 0.0, -1.0], [1.0, np.nan, -1.0], [1.0, 0.0, -1.0]])
    sweep = xr.Dataset(
        {"status": (("beta1", "beta2"), status)},
        coords={"beta1": [0.0, 0.4, 0.8], "beta2": [0.5, 0.9, 0.99]},
    )
    fig = region_figure(sweep)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "status not finite (1 point)" in labels
    mesh = fig.axes[0].collections[0]
    assert mpl.colors.to_hex(mesh.get_cmap().get_bad(), keep_alpha=True) == "#000000ff"
