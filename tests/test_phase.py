"""The real-data phase diagram: API, transition estimate, CLI and figure."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from adamtheory.analysis.phase import phase_diagram, transition
from adamtheory.cli import main


@pytest.fixture(scope="module")
def small():
    return phase_diagram(
        "digits",
        "logistic",
        [256, 512],
        beta1=[0.0, 0.9],
        one_minus_beta2=[1e-3, 1e-2, 1e-1],
        seeds=2,
        epochs=3,
        eta=0.05,
    )


def test_phase_diagram_is_labelled_and_finite(small):
    assert small.final_gap.dims == ("batch", "beta1", "beta2", "seed")
    assert small.final_gap.shape == (2, 2, 3, 2)
    assert np.all(np.isfinite(small.final_gap)) and np.all(small.final_gap > 0)
    assert list(small.n.values) == [1797 // 256, 1797 // 512]
    assert small.attrs["seed"] == 0 and "numpy" in small.attrs["environment"]
    np.testing.assert_allclose(small.one_minus_beta2.values, [1e-3, 1e-2, 1e-1])


def test_chunking_does_not_change_the_numbers(small):
    again = phase_diagram(
        "digits",
        "logistic",
        [256, 512],
        beta1=[0.0, 0.9],
        one_minus_beta2=[1e-3, 1e-2, 1e-1],
        seeds=2,
        epochs=3,
        eta=0.05,
        chunk_size=5,
    )
    np.testing.assert_array_equal(again.final_gap.values, small.final_gap.values)


def _fake(curve, om):
    data = np.broadcast_to(curve[None, None, :, None], (1, 1, om.size, 3)).copy()
    return xr.Dataset(
        {"tail_gap": (("batch", "beta1", "beta2", "seed"), data), "n": (("batch",), [10])},
        coords={"batch": [8], "beta1": [0.0], "beta2": 1 - om, "one_minus_beta2": ("beta2", om)},
    )


def test_transition_finds_a_known_crossing():
    om = np.logspace(-4, -0.5, 60)
    om0 = 0.01
    # floor 1e-3; the error is 3x the floor where (om/om0)^2 = 2
    tr = transition(_fake(1e-3 * (1 + (om / om0) ** 2), om), resamples=20)
    est = float(tr.one_minus_beta2_star.values[0, 0])
    assert est == pytest.approx(om0 * np.sqrt(2), rel=0.05)
    flat = transition(_fake(np.full(om.size, 1e-3), om), resamples=20)
    assert np.isinf(flat.one_minus_beta2_star.values[0, 0])  # no transition on the grid


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"dataset": "mnist"}, "dataset"),
        ({"model": "cnn"}, "model"),
        ({"batch_sizes": []}, "batch_sizes"),
        ({"batch_sizes": [0]}, "batch"),
        ({"beta1": []}, "beta1"),
        ({"beta1": [1.0]}, "beta1"),
        ({"one_minus_beta2": [0.0]}, "one_minus_beta2"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        phase_diagram(**kwargs)


@pytest.mark.slow
def test_phase_command_draws_the_heatmaps(tmp_path, capsys):
    rc = main(
        [
            "phase",
            "--batch",
            "512",
            "--size",
            "3",
            "--seeds",
            "2",
            "--epochs",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    assert rc == 0
    for ext in ("png", "pdf", "svg", "json"):
        assert (tmp_path / f"phase_logistic.{ext}").exists()


def test_advise_command_prints_the_boundary_and_json(capsys):
    assert (
        main(
            [
                "advise",
                "--counterexample",
                "10",
                "--beta1",
                "0",
                "--target-beta1",
                "0",
                "--epochs",
                "60",
                "--chains",
                "2",
                "--json",
            ]
        )
        == 0
    )
    import json

    out = json.loads(capsys.readouterr().out)
    assert abs(1 - out["one_minus_beta2_star"][0] - 0.9581) < 2e-3


@pytest.mark.parametrize(
    "argv",
    [
        ["phase", "--dataset", "mnist", "--out", "x"],
        ["phase", "--batch", "0", "--out", "x"],
        ["advise", "--dataset", "digits"],
        ["advise", "--counterexample", "10", "--beta1", "1.5"],
    ],
)
def test_user_errors_exit_2_in_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error:")


def test_figure_draws_blown_up_cells_without_nan(small):
    from adamtheory.plots.phase import phase_figure

    ds = small.copy(deep=True)
    ds["tail_gap"][0, 0, 0, :] = np.inf
    fig = phase_figure(ds, transition(small, resamples=10))
    assert any("grey" in n for n in fig.adamtheory_notes)
