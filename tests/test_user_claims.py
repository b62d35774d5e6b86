"""A user's own claims: the plugin of notebooks/my_claims.py, entry points, and bad input.

The worked example of docs/write-your-own-claim.md runs through ``adamtheory verify --plugin``
and through ``adamtheory.verify`` with the same verdicts; its false variant fails with its
perturbation table; a package exposes claims through the entry-point group
``adamtheory.claims``; and every malformed plugin or claim is a one-line error.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

import adamtheory
from adamtheory import Claim, Evidence, rules
from adamtheory.cli import main

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CLAIM_ID = "USER-RMSPROP"
PERTURBATIONS = (
    "the 1/k reading (exponent -1)",
    "prediction +0.25",
    "prediction -0.25",
    "prediction +0.5",
    "no gradient noise (sigma = 0)",
)

# a cheap claim for the plugin-mechanics tests: E[U(0, 1)] = 1/2 <= 1
_CHEAP = """
from adamtheory import Claim, Evidence, rules

def _evaluate(ctx):
    return Evidence(ctx.rng(0).uniform(0.0, 1.0, 200), 1.0, predicted="E[U] <= 1")

def cheap(claim_id, *extra):
    return Claim(
        id=claim_id, title="a uniform mean is below 1", statement="E[U(0, 1)] <= 1",
        source="a test", provenance="derived", rule=rules.upper_bound(), evaluate=_evaluate,
        sensitivity=(rules.scale(0.25, target="bound 4x too optimistic", control=True),
                     *extra))
"""


@pytest.fixture
def write_module(tmp_path, monkeypatch):
    """``write(name, source)``: a module in tmp_path (on sys.path), forgotten at teardown."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written: list[str] = []

    def write(name: str, source: str) -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        written.append(name)
        return path

    yield write
    for name in written:
        sys.modules.pop(name, None)


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def via_cli(tmp_path_factory):
    """The plugin's claim through the command line (once for the module)."""
    out = tmp_path_factory.mktemp("cli-report")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(NOTEBOOKS))
        status, stdout, stderr = _cli(
            [
                "verify",
                "--plugin",
                "my_claims",
                "--no-registry",
                "--out",
                str(out),
                "--no-cache",
                "--quiet",
            ]
        )
    return {"status": status, "stdout": stdout, "stderr": stderr, "out": out}


@pytest.fixture(scope="module")
def my_claims():
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(NOTEBOOKS))
        import my_claims as module
    return module


# --------------------------------------------------------------------------- (a), (b)


def test_plugin_claim_passes_through_the_cli(via_cli):
    assert via_cli["status"] == 0, via_cli["stdout"] + via_cli["stderr"]
    # the table truncates ids to its 10-character column
    assert CLAIM_ID[:9] in via_cli["stdout"] and "5/5" in via_cli["stdout"]
    payload = json.loads((via_cli["out"] / "results.json").read_text())
    (result,) = payload["claims"]
    assert result["id"] == CLAIM_ID and result["verdict"] == "pass"
    assert result["weak"] is False and payload["weak"] == []
    assert result["provenance"] == "derived"
    assert result["source"] == "a user's own lemma (docs example)"
    assert result["decision"]["interval"][0] >= -0.6 and result["decision"]["interval"][1] <= -0.4
    entries = result["sensitivity"]
    assert [e["perturbation"] for e in entries] == list(PERTURBATIONS)
    for e in entries:
        assert {"perturbation", "target", "verdict", "detected"} <= e.keys()
        assert e["verdict"] == "fail" and e["detected"] is True, e
    assert [e["kind"] for e in entries] == ["prediction"] * 4 + ["assumption"]
    assert [e["control"] for e in entries] == [True, False, False, False, False]


def test_plugin_report_shows_the_sensitivity_table(via_cli):
    report = (via_cli["out"] / "report.md").read_text()
    assert "Sensitivity (5/5 detected):" in report
    table = report[report.index("Sensitivity (") :]
    for name in PERTURBATIONS:
        assert name in table, name
    assert (via_cli["out"] / "report.html").is_file()
    assert (via_cli["out"] / "figures" / f"{CLAIM_ID}.png").is_file()


def test_api_gives_the_same_verdicts_as_the_cli(via_cli, my_claims, tmp_path):
    done = adamtheory.verify(list(my_claims.CLAIMS), out=tmp_path)
    (api,) = done.results
    (cli,) = json.loads((via_cli["out"] / "results.json").read_text())["claims"]
    assert api["verdict"] == cli["verdict"] == "pass"
    assert [(e["perturbation"], e["verdict"], e["detected"]) for e in api["sensitivity"]] == [
        (e["perturbation"], e["verdict"], e["detected"]) for e in cli["sensitivity"]
    ]
    assert api["decision"]["estimate"] == cli["decision"]["estimate"]  # same seed, same numbers
    assert done.exit_status(strict=True) == 0
    assert "Sensitivity (5/5 detected):" in (tmp_path / "report.md").read_text()


# --------------------------------------------------------------------------- (c)


def test_false_claim_fails_with_its_perturbation_table(write_module, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(NOTEBOOKS))
    write_module(
        "user_false_claims",
        """
        from my_claims import false_claim

        CLAIMS = (false_claim(),)
    """,
    )
    out = tmp_path / "false-report"
    status, stdout, _ = _cli(
        [
            "verify",
            "--plugin",
            "user_false_claims",
            "--no-registry",
            "--out",
            str(out),
            "--no-cache",
            "--quiet",
        ]
    )
    assert status == 1, stdout
    (result,) = json.loads((out / "results.json").read_text())["claims"]
    assert result["verdict"] == "fail" and result["weak"] is True
    report = (out / "report.md").read_text()
    table = report[report.index("Sensitivity (") :]
    for e in result["sensitivity"]:
        assert e["perturbation"] in table
    by_name = {e["perturbation"]: e for e in result["sensitivity"]}
    # the numbers side with the rival reading: the k^-1/2 rate is not "detected" as wrong
    assert by_name["the k^-1/2 reading (exponent -1/2)"]["verdict"] == "pass"
    assert by_name["prediction +0.25"]["detected"] and by_name["prediction -0.25"]["detected"]


# --------------------------------------------------------------------------- (d)


def test_entry_point_plugin_is_listed_and_runs(write_module, tmp_path):
    write_module("fakeplug_claims", _CHEAP + '\nCLAIMS = (cheap("FAKEPLUG-MEAN"),)\n')
    dist = tmp_path / "fakeplug-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[adamtheory.claims]\nfake = fakeplug_claims\n")

    status, stdout, _ = _cli(["claims", "--json"])
    assert status == 0
    listing = {c["id"]: c for c in json.loads(stdout)}
    assert "FAKEPLUG-MEAN" in listing and "ADAM-REF" in listing
    assert listing["FAKEPLUG-MEAN"]["sensitivity"][0]["control"] is True

    status, stdout, stderr = _cli(
        ["verify", "--no-registry", "--claim", "FAKEPLUG-MEAN", "--no-cache", "--quiet"]
    )
    assert status == 0, stdout + stderr
    assert "FAKEPLUG-" in stdout and "1 claims" in stdout and "1 pass" in stdout


# --------------------------------------------------------------------------- (e)


@pytest.mark.parametrize(
    "source,message",
    [
        (
            'raise RuntimeError("boom\\nand a second line")',
            "cannot be imported (RuntimeError: boom)",
        ),
        ("X = 1", "has no module-level CLAIMS"),
        ('CLAIMS = "USER-RMSPROP"', "has no module-level CLAIMS"),
        ('CLAIMS = ("not a claim",)', "every entry must be an adamtheory.Claim; got str"),
    ],
    ids=["import-error", "no-claims", "claims-is-a-string", "non-claim"],
)
def test_bad_plugin_is_a_one_line_error(write_module, source, message):
    name = "bad_user_plugin"
    write_module(name, source)
    for argv in (
        ["verify", "--plugin", name, "--no-registry", "--no-cache"],
        ["claims", "--plugin", name],
    ):
        status, _, err = _cli(argv)
        assert status == 2, argv
        assert message in err and f"plugin {name!r}" in err, err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        sys.modules.pop(name, None)  # the next argv imports it afresh


def test_missing_plugin_module_is_a_one_line_error():
    status, _, err = _cli(["verify", "--plugin", "no_such_user_plugin_xyz", "--no-registry"])
    assert status == 2 and "cannot be imported (ModuleNotFoundError" in err
    assert len(err.strip().splitlines()) == 1


def _evaluate(ctx):
    return Evidence([0.1, 0.2, 0.3], 1.0)


def test_claim_without_a_rule():
    with pytest.raises(ValueError, match=r"claim 'NO-RULE' has no rule: give rule="):
        Claim(
            "NO-RULE",
            "t",
            "s",
            "src",
            "derived",
            evaluate=_evaluate,
            sensitivity=(rules.scale(0.1, target="bound 10x", control=True),),
        )


@pytest.mark.parametrize("level", [1.0, 0, 0.0, -0.5, 1.5])
def test_impossible_level(level):
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        rules.upper_bound(level=level)


def test_level_of_the_wrong_type():
    with pytest.raises(TypeError, match="level must be a number"):
        rules.slope("two-sided", tolerance=0.1, level="95%")


@pytest.mark.parametrize("target", ["", "   "])
def test_entry_without_a_target(target):
    with pytest.raises(ValueError, match="needs a non-empty target"):
        rules.scale(0.5, target=target)


def test_claim_without_sensitivity():
    with pytest.raises(ValueError, match="has no sensitivity entries"):
        Claim("NO-SENS", "t", "s", "src", "derived", rule=rules.upper_bound(), evaluate=_evaluate)


def test_strict_fails_a_weak_claim(write_module):
    # a required perturbation the check cannot see: the bound 1% too optimistic
    write_module(
        "weak_user_plugin",
        _CHEAP
        + """
CLAIMS = (cheap("USER-WEAK", rules.scale(0.99, target="bound 1% too optimistic")),)
""",
    )
    argv = ["verify", "--plugin", "weak_user_plugin", "--no-registry", "--no-cache", "--quiet"]
    status, stdout, _ = _cli(argv)
    assert status == 0 and "1/2 weak" in stdout and "--strict fails on these" in stdout
    status, stdout, _ = _cli([*argv, "--strict"])
    assert status == 1 and "1 weak" in stdout and "USER-WEAK" in stdout  # 9 characters
    # the API agrees
    import weak_user_plugin

    done = adamtheory.verify(list(weak_user_plugin.CLAIMS))
    assert done.weak == ("USER-WEAK",) and done.results[0]["verdict"] == "pass"
    assert done.exit_status() == 0 and done.exit_status(strict=True) == 1
