"""The command line: table, JSON schema, exit codes (0 pass, 1 a claim fails, 2 user error)."""

import json
import subprocess
import sys

import pytest
from _stand_in import stand_in

import adamtheory.claims as claims_module
from adamtheory.cli import main

CLAIM_KEYS = {
    "id",
    "title",
    "source",
    "provenance",
    "verdict",
    "predicted",
    "measured",
    "rule",
    "seconds",
}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """verify caches results; tests must neither read nor fill the user's cache."""
    monkeypatch.setenv("ADAMTHEORY_CACHE_DIR", str(tmp_path / "cache"))


def test_verify_json_schema(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert (
        main(
            [
                "verify",
                "--claim",
                "FTRL-BC",
                "EMA-REC",
                "--json",
                str(out),
                "--out",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    payload = json.loads(out.read_text())
    assert payload["summary"]["pass"] == 2 and payload["summary"]["fail"] == 0
    assert {"python", "numpy", "backend", "adamtheory"} <= payload["environment"].keys()
    for claim in payload["claims"]:
        assert CLAIM_KEYS <= claim.keys()
        assert claim["verdict"] in {"pass", "fail", "inconclusive", "error"}
        assert isinstance(claim["seconds"], float)
    assert (tmp_path / "rep" / "results.json").exists()
    assert "| FTRL-BC |" in (tmp_path / "rep" / "report.md").read_text()
    assert "EMA-REC" in (tmp_path / "rep" / "report.html").read_text()
    assert (
        json.loads((tmp_path / "rep" / "results.json").read_text())["summary"] == payload["summary"]
    )
    table = capsys.readouterr().out
    assert "FTRL-BC" in table and "pass" in table


def test_failing_claim_exits_1(monkeypatch, capsys):
    bad = stand_in("BAD", "fail", provenance="recalled")
    monkeypatch.setattr(claims_module, "REGISTRY", (bad,))
    assert main(["verify"]) == 1
    assert "BAD" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["verify", "--claim", "NOPE"], "unknown claim id(s) NOPE"),
        (["verify", "--claim", "ADAM-REF", "--claim", "NOPE"], "unknown claim id(s) NOPE"),
        (["verify", "--claim", "NOPE", "ADAM-REF"], "unknown claim id(s) NOPE"),
        (["verify", "--plugin", "no_such_module_xyz"], "cannot be imported"),
        (["verify", "--plugin", "json"], "has no module-level CLAIMS"),
        (["verify", "--backend", "tpu"], "invalid choice"),
        (["verify", "--backend", "numba", "--claim", "NOPE"], "unknown claim id(s) NOPE"),
        (["verify", "--format", "pdf"], "invalid choice"),
        (["verify", "--json", "--format", "table"], "give --json FILE"),
        (["verify", "--seed", "-3"], "--seed must be a non-negative integer"),
        (["verify", "--profile", "huge"], "invalid choice"),
        (["verify", "--no-cache", "--cache-dir", "x"], "exclude each other"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_errors_exit_2_in_one_line(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_claims_listing(capsys):
    assert main(["claims", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {c["id"] for c in listing} >= {"ADAM-REF", "FTRL-EQ", "FTRL-BC", "EMA-REC"}
    assert main(["claims"]) == 0


def test_module_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "adamtheory", "claims"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and "ADAM-REF" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "adamtheory", "verify", "--claim", "X"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_region_command_writes_figure_json_and_netcdf(tmp_path, capsys):
    import xarray as xr

    fig, js, nc = tmp_path / "r.png", tmp_path / "r.json", tmp_path / "r.nc"
    assert (
        main(
            [
                "region",
                "--n",
                "5",
                "--grid",
                "8",
                "--epochs",
                "20",
                "--out",
                str(fig),
                "--json",
                str(js),
                "--data",
                str(nc),
                "--quiet",
            ]
        )
        == 0
    )
    assert fig.stat().st_size > 10_000 and fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    payload = json.loads(js.read_text())
    assert 0.0 <= payload["area_diverged"] <= 1.0
    assert sum(payload["counts"].values()) == 64
    assert len(payload["boundary"]["beta1"]) == len(payload["boundary"]["beta2"])
    ds = xr.open_dataset(nc)
    assert ds.status.shape == (8, 8, 1)
    assert "area" in capsys.readouterr().out


def test_drift_command(capsys):
    assert (
        main(
            ["drift", "--beta1", "0", "--beta2", "0", "--n", "10", "--sampling", "cyclic", "--json"]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["drift"] == pytest.approx(-8.0, abs=1e-12)
    assert out["prediction"].startswith("diverges")
    assert (
        main(
            [
                "drift",
                "--beta1",
                "0.9",
                "--beta2",
                "0.999",
                "--n",
                "10",
                "--chains",
                "4",
                "--epochs",
                "300",
            ]
        )
        == 0
    )
    assert "converges" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["region", "--n", "1", "--out", "x.png"], "n must be an integer >= 2"),
        (["region", "--n", "5", "--a", "0", "--out", "x.png"], "a must be"),
        (["region", "--n", "5", "--grid", "1", "--out", "x.png"], "grid must be an integer >= 2"),
        (["region", "--n", "5", "--out", "x.txt"], "--out must end in .png, .pdf or .svg"),
        (["region", "--n", "5", "--backend", "tpu", "--out", "x.png"], "invalid choice"),
        (
            ["drift", "--beta1", "0", "--beta2", "0", "--n", "5", "--backend", "tpu"],
            "invalid choice",
        ),
        (["drift", "--beta1", "1.0", "--beta2", "0.5", "--n", "5"], "beta1 must lie in [0, 1)"),
        (
            ["drift", "--beta1", "0.1", "--beta2", "0.5", "--n", "5", "--sampling", "random"],
            "invalid choice",
        ),
    ],
)
def test_region_and_drift_user_errors(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_unwritable_outputs_exit_2_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["verify", "--claim", "FTRL-BC", "--json", str(blocker / "r.json")]) == 2
    assert (
        main(
            ["region", "--n", "5", "--grid", "4", "--epochs", "4", "--out", str(blocker / "x.png")]
        )
        == 2
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "FTRL-BC" not in captured.out


def test_drift_names_a_for_bad_a(capsys):
    assert main(["drift", "--beta1", "0", "--beta2", "0.5", "--n", "5", "--a", "inf"]) == 2
    assert "a must be finite" in capsys.readouterr().err


def test_rates_command(capsys):
    assert main(["rates"]) == 0
    out = capsys.readouterr().out
    assert "ε^-4" in out and "| yes |" in out
    assert main(["rates", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert all(row["optimal"] for row in payload["rows"])


def test_figures_only_o2nc_saves_the_gallery_claims_figures(tmp_path, monkeypatch, capsys):
    from matplotlib.figure import Figure

    import adamtheory.report.gallery as gallery

    def fake_gallery(*, profile, seed):
        assert (profile, seed) == ("quick", 0)
        fig = Figure()
        fig.add_subplot().plot([0, 1])
        yield gallery.GalleryFigure("o2nc_fake.png", "COORD", "pass", 0.1, fig)

    monkeypatch.setattr(gallery, "claim_gallery", fake_gallery)
    assert main(["figures", "--only", "o2nc", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "o2nc_fake.pdf",
        "o2nc_fake.png",
        "o2nc_fake.svg",
    ]
    assert "o2nc_fake.png: COORD pass" in capsys.readouterr().out
    assert main(["figures", "--only", "nonsense"]) == 2
