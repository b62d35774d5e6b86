"""Frictions a new user met on the command line (issue #16), one test (or more) each.

The table fits the terminal and --format prints cells unabridged; output paths are checked
before any computation; Ctrl-C prints one line and exits 130; one set of backend names, a
fallback in one line (or an error with --strict-backend); every --json takes an optional FILE.
"""

import importlib.util
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from _stand_in import stand_in

import adamtheory.analysis.regions as regions
import adamtheory.claims as claims_module
from adamtheory import cli
from adamtheory.cli import main
from adamtheory.report import preflight

HAS_CUPY = importlib.util.find_spec("cupy") is not None
LONG_MEASURED = "E U = 0.0185 (95% upper 0.0241) vs bound 0.05; " + "detail " * 40 + "DECISIVE-END"
LONG_PREDICTED = "E U <= 0.05 for every step size in the grid " + "and more " * 20 + "P-END"


def _registry(monkeypatch, *claims):
    monkeypatch.setattr(claims_module, "REGISTRY", claims)


def _long(claim_id="LONG", **kw):
    """A stand-in whose measurement is long (the rule's summary comes first: "stand-in pass; ")."""
    return stand_in(claim_id, measured=LONG_MEASURED, **kw)


def _patch_predicted(monkeypatch):
    """Stand-ins predict "p"; give them a long prediction text."""
    from adamtheory.claims import base

    real = base.ClaimResult.to_json

    def to_json(self):
        data = real(self)
        data["predicted"] = LONG_PREDICTED
        return data

    monkeypatch.setattr(base.ClaimResult, "to_json", to_json)


def _run(argv, env=None, timeout=240):
    return subprocess.run(
        [sys.executable, "-m", "adamtheory", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# ----------------------------------------------------------------------------- 1. the table


def test_verify_table_fits_100_columns_in_a_subprocess(tmp_path):
    proc = _run(
        ["verify", "--claim", "ADAM-REF", "FTRL-BC", "--no-cache", "--quiet"],
        env={"COLUMNS": "100"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 100, proc.stdout
    assert lines[0].split() == ["id", "verdict", "power", "measured", "predicted"]
    rows = [line for line in lines if line.startswith(("ADAM-REF", "FTRL-BC"))]
    assert [r.split()[:3] for r in rows] == [
        ["ADAM-REF", "pass", "3/3"],
        ["FTRL-BC", "pass", "4/4"],
    ]
    assert "…" not in proc.stdout  # wrapped, never cut


@pytest.mark.parametrize("columns", [100, 72, 160])
def test_long_cells_wrap_inside_their_column(monkeypatch, capsys, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    _patch_predicted(monkeypatch)
    _registry(monkeypatch, _long(), stand_in("SHORT"))
    assert main(["verify", "--no-cache", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= columns
    # the long cells, read back column by column, are whole: the decisive number is not cut
    header = lines[0]
    m0, p0 = header.index("measured"), header.index("predicted")
    end = next(i for i, line in enumerate(lines) if line.startswith("SHORT"))
    row = lines[1:end]
    assert (
        row[0].startswith("LONG")
        and all(line[:m0].strip() == "" for line in row[1:])
        or row[0].split()[:3] == ["LONG", "pass", "1/1"]
    )
    measured = " ".join(line[m0:p0].strip() for line in row if line[m0:p0].strip())
    predicted = " ".join(line[p0:].strip() for line in row if line[p0:].strip())
    assert measured == "stand-in pass; " + LONG_MEASURED
    assert predicted == LONG_PREDICTED


def test_wide_and_markdown_print_every_cell_unabridged(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    _patch_predicted(monkeypatch)
    _registry(monkeypatch, _long(), stand_in("BAD", "pass", control_fires=False))
    assert main(["verify", "--no-cache", "--quiet", "--format", "wide"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "verdict", "power", "measured", "predicted", "tag", "note"]
    (row,) = [line for line in lines if line.startswith("LONG")]
    assert " ".join(LONG_MEASURED.split()) in row and LONG_PREDICTED in row
    assert "pass" in row.split()
    assert main(["verify", "--no-cache", "--quiet", "--format", "markdown"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| id | verdict | power | measured | predicted | tag | note |"
    assert lines[1] == "|---|---|---|---|---|---|---|"
    rows = {line.split(" | ")[0]: line.split(" | ") for line in lines if line.startswith("| ")}
    assert rows["| LONG"][1:5] == ["pass", "1/1", "stand-in pass; " + LONG_MEASURED, LONG_PREDICTED]
    # a passing check whose control did not fire fails; the reason is in the note column
    assert rows["| BAD"][1] == "fail (ctl!)" and "negative control did not fail" in rows["| BAD"][6]


def test_format_json_prints_the_payload_on_stdout(tmp_path, monkeypatch, capsys):
    _registry(monkeypatch, _long(), stand_in("SHORT"))
    assert main(["verify", "--no-cache", "--quiet", "--format", "json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)  # nothing but the payload
    assert [c["id"] for c in payload["claims"]] == ["LONG", "SHORT"]
    assert payload["claims"][0]["measured"].endswith("DECISIVE-END")
    assert "2 claims in" in captured.err
    # --json without FILE (or -) is the same; with a table format it is a usage error
    for argv in (["--json"], ["--json", "-"], ["--json", "-", "--format", "json"]):
        assert main(["verify", "--no-cache", "--quiet", *argv]) == 0
        assert json.loads(capsys.readouterr().out)["summary"]["pass"] == 2
    assert main(["verify", "--no-cache", "--json", "--format", "wide"]) == 2
    assert "--json FILE" in capsys.readouterr().err
    # --json FILE keeps the table on stdout (backwards compatible)
    target = tmp_path / "r.json"
    assert main(["verify", "--no-cache", "--quiet", "--json", str(target)]) == 0
    assert "SHORT" in capsys.readouterr().out
    assert json.loads(target.read_text())["summary"]["pass"] == 2


def test_claims_listing_fits_the_width(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["claims"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert lines[0].split() == ["id", "tag", "perts", "title"]


# ----------------------------------------------------------------------------- 2. paths


@pytest.fixture
def no_sweep(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the sweep ran before the outputs were checked")

    monkeypatch.setattr(regions, "build_region", forbidden)


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    "argv,needles",
    [
        (["--out", "x.txt"], ["--out", ".png, .pdf or .svg", "x.txt"]),
        (["--out", "x"], ["--out", ".png"]),
        (["--out", "x.png", "--data", "x.csv"], ["--data", ".nc"]),
    ],
)
def test_region_bad_suffix_exits_2_before_the_sweep(
    argv, needles, no_sweep, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["region", "--n", "5", *argv]) == 2
    _one_line_error(capsys, *needles)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_outputs_exit_2_immediately(tmp_path, no_sweep, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    calls = []
    _registry(monkeypatch, stand_in("RUN", evaluate=lambda ctx: calls.append(1)))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for flag, argv in (
        ("--out", ["verify", "--out", str(blocker / "rep")]),
        ("--out", ["verify", "--out", str(blocker)]),
        ("--json", ["verify", "--json", str(blocker / "r.json")]),
        ("--json", ["verify", "--json", str(blocker / "deeper" / "r.json")]),
        ("--json", ["verify", "--json", str(tmp_path)]),  # a directory, not a file
        ("--out", ["region", "--n", "5", "--out", str(blocker / "x.png")]),
        ("--json", ["region", "--n", "5", "--out", "x.png", "--json", str(blocker / "r.json")]),
        ("--data", ["region", "--n", "5", "--out", "x.png", "--data", str(blocker / "d.nc")]),
        (
            "--json",
            [
                "drift",
                "--beta1",
                "0",
                "--beta2",
                "0",
                "--n",
                "5",
                "--json",
                str(blocker / "d.json"),
            ],
        ),
        ("--json", ["rates", "--json", str(blocker / "r.json")]),
        ("--json", ["claims", "--json", str(blocker / "c.json")]),
        ("--out", ["figures", "--out", str(blocker)]),
    ):
        assert main(argv) == 2, argv
        _one_line_error(capsys, f"error: {flag} ", argv[-1])
    assert calls == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing created


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only directories"
)
def test_read_only_directory_exits_2(tmp_path, monkeypatch, capsys):
    calls = []
    _registry(monkeypatch, stand_in("RUN", evaluate=lambda ctx: calls.append(1)))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(["verify", "--out", str(locked / "rep")]) == 2
        _one_line_error(capsys, "--out", "cannot write")
    finally:
        locked.chmod(0o755)
    assert calls == []


def test_a_directory_refusing_files_exits_2(tmp_path, monkeypatch, capsys):
    """As a read-only directory does for a non-root user (root writes anywhere)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    calls = []
    _registry(monkeypatch, stand_in("RUN", evaluate=lambda ctx: calls.append(1)))
    monkeypatch.setattr(preflight.tempfile, "mkstemp", refuse)
    assert main(["verify", "--out", str(tmp_path / "rep")]) == 2
    _one_line_error(capsys, "--out", f"cannot write in {tmp_path} (Permission denied)")
    assert calls == []


def test_check_output_never_touches_the_target(tmp_path):
    target = tmp_path / "a" / "b" / "results.json"
    assert preflight.check_output(target, "--json") == target
    assert list(tmp_path.iterdir()) == []  # neither the file nor its directories
    preflight.check_output(tmp_path / "new", "--out", directory=True)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_prints_one_line_exits_130_and_leaves_no_empty_results(
    tmp_path, monkeypatch, capsys
):
    def interrupt(ctx):
        raise KeyboardInterrupt

    _registry(monkeypatch, stand_in("DONE"), stand_in("STOP", evaluate=interrupt))
    out, js = tmp_path / "new" / "rep", tmp_path / "r.json"
    code = main(
        [
            "verify",
            "--quiet",
            "--out",
            str(out),
            "--json",
            str(js),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 130
    captured = capsys.readouterr()
    assert captured.err.count("interrupted") == 1, captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert f"cached in {tmp_path / 'cache'}" in captured.err
    assert not js.exists() and not (out / "results.json").exists()
    assert not (tmp_path / "new").exists()
    assert "DONE" in captured.out  # the finished row was printed
    # without a cache: still one line
    assert main(["verify", "--quiet", "--no-cache"]) == 130
    err = capsys.readouterr().err
    assert err.count("interrupted") == 1 and "nothing was cached" in err


def test_ctrl_c_in_a_subprocess(tmp_path):
    plugin = tmp_path / "stop_claims.py"
    plugin.write_text(
        f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from _stand_in import stand_in\n"
        "def stop(ctx):\n    raise KeyboardInterrupt\n"
        "CLAIMS = [stand_in('DONE'), stand_in('STOP', evaluate=stop)]\n"
    )
    proc = _run(
        [
            "verify",
            "--plugin",
            str(plugin),
            "--no-registry",
            "--quiet",
            "--out",
            str(tmp_path / "rep"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.count("interrupted") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "rep" / "results.json").exists()


# ----------------------------------------------------------------------------- 3. backends


def test_one_set_of_backend_names():
    assert cli.BACKENDS == preflight.BACKENDS == ("auto", "numpy", "numba", "cupy")
    parser = cli._parser()
    for argv in (
        ["verify"],
        ["region", "--n", "5", "--out", "x.png"],
        ["drift", "--beta1", "0", "--beta2", "0", "--n", "5"],
    ):
        for name in cli.BACKENDS:
            assert parser.parse_args([*argv, "--backend", name]).backend == name


def _kernel_user(ctx):
    """A claim that asks the kernels for ctx.backend several times (each used to warn)."""
    from adamtheory.kernels import resolve_backend
    from adamtheory.kernels.sweeps import _select

    for _ in range(3):
        resolve_backend(ctx.backend)
        _select(ctx.backend, gpu_kernel=True)


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
def test_cupy_without_cupy_is_one_line_and_recorded(tmp_path, monkeypatch, capsys):
    _registry(
        monkeypatch, stand_in("K1", evaluate=_kernel_user), stand_in("K2", evaluate=_kernel_user)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(
            ["verify", "--quiet", "--no-cache", "--backend", "cupy", "--out", str(tmp_path / "rep")]
        )
    assert code == 0
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(
        "backend: cupy requested, using numpy (sweeps: numba): CuPy is not installed"
    )
    assert "Warning" not in err and ".py:" not in err
    assert not [w for w in caught if "backend=" in str(w.message)]
    env = json.loads((tmp_path / "rep" / "results.json").read_text())["environment"]
    assert env["backend_requested"] == "cupy"
    assert env["backend_used"] == {"array": "numpy", "sweep": "numba"}
    assert "CuPy is not installed" in env["fallback"]


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
def test_cupy_without_cupy_in_a_subprocess(tmp_path):
    proc = _run(
        [
            "verify",
            "--claim",
            "ADAM-REF",
            "--backend",
            "cupy",
            "--no-cache",
            "--quiet",
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "RuntimeWarning" not in proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["environment"]["fallback"]


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
def test_strict_backend_exits_2_before_running(tmp_path, monkeypatch, capsys):
    calls = []
    _registry(monkeypatch, stand_in("RUN", evaluate=lambda ctx: calls.append(1)))
    assert (
        main(
            [
                "verify",
                "--quiet",
                "--no-cache",
                "--backend",
                "cupy",
                "--strict-backend",
                "--out",
                str(tmp_path / "rep"),
            ]
        )
        == 2
    )
    _one_line_error(capsys, "--backend cupy", "--strict-backend", "CuPy is not installed")
    assert calls == [] and not (tmp_path / "rep").exists()
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(HAS_CUPY, reason="CuPy is installed here")
def test_library_verify_warns_once_and_strict_raises():
    from adamtheory.report.verify import verify

    claims = [stand_in("K1", evaluate=_kernel_user), stand_in("K2", evaluate=_kernel_user)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = verify(claims, backend="cupy")
    assert [str(w.message) for w in caught] == [
        "backend: cupy requested, using numpy (sweeps: numba): CuPy is not installed (pip "
        "install 'adamtheory[gpu]'); no CUDA GPU is available to numba.cuda; --strict-backend "
        "makes this an error"
    ]
    assert done.payload["environment"]["fallback"].startswith("CuPy is not installed")
    with pytest.raises(preflight.BackendUnavailable, match="strict_backend forbids"):
        verify(claims, backend="cupy", strict_backend=True)
    plans = []
    verify(claims[:1], backend="numba", on_backend=plans.append)
    assert plans == [preflight.BackendPlan("numba", "numpy", "cpu", "numba", None)]


def test_region_cupy_fallback_is_one_line(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake(n, a, sampling, **kw):
        seen.update(kw)
        raise KeyboardInterrupt  # stop here: the plan is what this test is about

    monkeypatch.setattr(regions, "build_region", fake)
    assert (
        main(["region", "--n", "5", "--out", str(tmp_path / "x.png"), "--backend", "cupy"]) == 130
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and err.startswith("backend: cupy requested, using numba")
    assert err.splitlines()[1] == "interrupted"
    assert seen["backend"] == "numba"
    assert (
        main(
            [
                "region",
                "--n",
                "5",
                "--out",
                str(tmp_path / "x.png"),
                "--backend",
                "cupy",
                "--strict-backend",
            ]
        )
        == 2
    )
    _one_line_error(capsys, "--strict-backend")


def test_drift_cupy_maps_to_numba_in_one_line(capsys):
    argv = [
        "drift",
        "--beta1",
        "0.9",
        "--beta2",
        "0.999",
        "--n",
        "10",
        "--chains",
        "2",
        "--epochs",
        "200",
        "--backend",
        "cupy",
        "--json",
    ]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "backend: cupy requested, using numba: this workload has no CUDA kernel; "
        "--strict-backend makes this an error"
    ]
    assert json.loads(captured.out)["backend"]["sweep"] == "numba"
    assert main([*argv, "--strict-backend"]) == 2
    _one_line_error(capsys, "--backend cupy", "no CUDA kernel")


def test_other_warnings_are_one_line_without_source(monkeypatch, capsys):
    def warn(ctx):
        warnings.warn("something odd\nover two lines", UserWarning, stacklevel=1)

    _registry(monkeypatch, stand_in("W", evaluate=warn))
    assert main(["verify", "--quiet", "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["warning: something odd over two lines (UserWarning)"]


# ----------------------------------------------------------------------------- 4. --json [FILE]


def test_drift_json_with_and_without_file(tmp_path, capsys):
    argv = ["drift", "--beta1", "0", "--beta2", "0", "--n", "10", "--sampling", "cyclic"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["drift"] == pytest.approx(-8.0)
    assert main([*argv, "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["drift"] == pytest.approx(-8.0)
    target = tmp_path / "sub" / "d.json"
    assert main([*argv, "--json", str(target)]) == 0
    assert capsys.readouterr().out.startswith("mu = -8")
    assert json.loads(target.read_text())["prediction"].startswith("diverges")


def test_rates_json_with_and_without_file(tmp_path, capsys):
    assert main(["rates", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    target = tmp_path / "rates.json"
    assert main(["rates", "--json", str(target)]) == 0
    assert "| yes |" in capsys.readouterr().out  # the table, as without --json
    assert json.loads(target.read_text())["rows"] == rows
    assert main(["rates", "--json", str(target), "--latex"]) == 2


def test_claims_json_with_and_without_file(tmp_path, capsys):
    assert main(["claims", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    target = tmp_path / "claims.json"
    assert main(["claims", "--json", str(target)]) == 0
    assert "ADAM-REF" in capsys.readouterr().out
    assert json.loads(target.read_text()) == listing


def test_region_json_with_and_without_file(tmp_path, capsys):
    argv = [
        "region",
        "--n",
        "5",
        "--grid",
        "4",
        "--epochs",
        "8",
        "--quiet",
        "--out",
        str(tmp_path / "r.svg"),
    ]
    assert main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert sum(payload["counts"].values()) == 16 and payload["backend"]["requested"] == "auto"
    assert "diverged area" in captured.err  # the summary line moves to stderr
    assert (tmp_path / "r.svg").read_text().lstrip().startswith("<?xml")
    target = tmp_path / "r.json"
    assert main([*argv, "--json", str(target)]) == 0
    assert "diverged area" in capsys.readouterr().out
    assert json.loads(target.read_text())["counts"] == payload["counts"]
