"""The command line: table, JSON schema, exit codes (0 pass, 1 a claim fails, 2 user error)."""

import json
import subprocess
import sys

import pytest

import adamtheory.claims as claims_module
from adamtheory.claims import Claim, Outcome
from adamtheory.cli import main

CLAIM_KEYS = {"id", "title", "source", "provenance", "verdict", "predicted", "measured", "rule",
              "seconds"}


def test_verify_json_schema(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["verify", "--claim", "FTRL-BC", "EMA-REC", "--json", str(out),
                 "--out", str(tmp_path / "rep")]) == 0
    payload = json.loads(out.read_text())
    assert payload["summary"]["pass"] == 2 and payload["summary"]["fail"] == 0
    assert {"python", "numpy", "backend", "adamtheory"} <= payload["environment"].keys()
    for claim in payload["claims"]:
        assert CLAIM_KEYS <= claim.keys()
        assert claim["verdict"] in {"pass", "fail", "inconclusive", "error"}
        assert isinstance(claim["seconds"], float)
    assert (tmp_path / "rep" / "results.json").exists()
    assert "| FTRL-BC |" in (tmp_path / "rep" / "report.md").read_text()
    table = capsys.readouterr().out
    assert "FTRL-BC" in table and "pass" in table


def test_failing_claim_exits_1(monkeypatch, capsys):
    bad = Claim("BAD", "t", "s", "src", "recalled", "r", "c",
                lambda ctx: Outcome("fail", "1", "2"), lambda ctx: Outcome("fail", "1", "2"))
    monkeypatch.setattr(claims_module, "REGISTRY", (bad,))
    assert main(["verify"]) == 1
    assert "BAD" in capsys.readouterr().out


@pytest.mark.parametrize("argv,msg", [
    (["verify", "--claim", "NOPE"], "claim must be one of"),
    (["verify", "--backend", "tpu"], "invalid choice"),
    (["verify", "--seed", "-3"], "--seed must be a non-negative integer"),
    (["verify", "--profile", "huge"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
])
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
    proc = subprocess.run([sys.executable, "-m", "adamtheory", "claims"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "ADAM-REF" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "adamtheory", "verify", "--claim", "X"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
