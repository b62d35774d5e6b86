"""verify's report (results.json, report.md, report.html, figures), result cache and progress."""

import base64
import json
import re
import time

import numpy as np
import pytest
from _stand_in import stand_in

import adamtheory.claims as claims_module
from adamtheory import _arrays
from adamtheory.claims import ClaimResult
from adamtheory.cli import main
from adamtheory.report import ResultCache, cache_key, default_cache_dir, source_digest
from adamtheory.report.fields import intervals

FIELDS_MD = (
    "**Statement:**",
    "**Source:**",
    "**Provenance:**",
    "**Prediction:**",
    "**Measurement:**",
    "**Rule:**",
    "**Verdict:**",
    "**Negative control:**",
    "**Run time:**",
    "**Seed:**",
)
FIELDS_HTML = (
    "<dt>Statement</dt>",
    "<dt>Source</dt>",
    "<dt>Provenance</dt>",
    "<dt>Prediction</dt>",
    "<dt>Measurement</dt>",
    "<dt>Rule</dt>",
    "<dt>Verdict</dt>",
    "<dt>Negative control</dt>",
    "<dt>Run time</dt>",
    "<dt>Seed</dt>",
)
FAST = ("ADAM-REF", "FTRL-BC", "D2D")  # a fraction of a second each


def _broken_figure(values):
    raise KeyError("no such series")


def _fake(claim_id, calls, *, verdict="pass", seconds=0.0, figure=None, interrupt=False):
    """A claim that counts its runs; its control fails (so the instrument fires)."""

    def run(ctx):
        calls.append(claim_id)
        if interrupt:
            raise KeyboardInterrupt
        time.sleep(seconds)

    return stand_in(
        claim_id,
        verdict,
        evaluate=run,
        figure=figure,
        values={"x": [0, 1, 2], "y": [1.0, float("nan"), 2.0], "seed": "quick"},
    )


def _registry(monkeypatch, *claims):
    monkeypatch.setattr(claims_module, "REGISTRY", claims)


def _verify(tmp_path, *extra, out="out"):
    code = main(
        [
            "verify",
            "--quiet",
            "--out",
            str(tmp_path / out),
            "--cache-dir",
            str(tmp_path / "cache"),
            *extra,
        ]
    )
    return code, json.loads((tmp_path / out / "results.json").read_text())


# ----------------------------------------------------------------------------- cache


def test_second_run_reuses_the_cache_and_force_recomputes(tmp_path, monkeypatch, capsys):
    calls = []
    _registry(monkeypatch, _fake("SLOW", calls, seconds=0.4), _fake("FAST", calls))
    code, first = _verify(tmp_path)
    assert code == 0 and calls == ["SLOW", "FAST"]
    assert [c["cached"] for c in first["claims"]] == [False, False]
    assert first["cache"]["computed"] == 2 and first["total_seconds"] >= 0.4
    code, second = _verify(tmp_path)
    assert code == 0 and calls == ["SLOW", "FAST"]  # nothing re-ran
    assert [c["cached"] for c in second["claims"]] == [True, True]
    assert second["cache"]["hits"] == 2 and second["total_seconds"] < 0.1
    # the cached result is the stored one (time of the original run, same values)
    assert second["claims"][0]["seconds"] == first["claims"][0]["seconds"]
    assert second["claims"][0]["values"] == first["claims"][0]["values"]
    assert "2 from the cache" in capsys.readouterr().out
    code, third = _verify(tmp_path, "--force")
    assert calls == ["SLOW", "FAST"] * 2 and not any(c["cached"] for c in third["claims"])
    code, fourth = _verify(tmp_path)  # --force refreshed the cache
    assert calls == ["SLOW", "FAST"] * 2 and all(c["cached"] for c in fourth["claims"])


def test_key_changes_with_seed_and_profile(tmp_path, monkeypatch):
    calls = []
    _registry(monkeypatch, _fake("K", calls))
    _verify(tmp_path)
    _verify(tmp_path, "--seed", "1")
    _verify(tmp_path, "--profile", "full")
    assert len(calls) == 3
    _, again = _verify(tmp_path, "--seed", "1")
    assert len(calls) == 3 and again["claims"][0]["cached"]
    assert len(list((tmp_path / "cache" / "results").glob("K-*.json"))) == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong key", "wrong result"])
def test_corrupted_cache_file_is_ignored_and_rewritten(tmp_path, monkeypatch, damage):
    calls = []
    _registry(monkeypatch, _fake("C", calls))
    _verify(tmp_path)
    (path,) = (tmp_path / "cache" / "results").glob("C-*.json")
    text = path.read_text()
    stored = json.loads(text)
    if damage == "garbage":
        path.write_bytes(b"\xff\x00 not json")
    elif damage == "truncated":
        path.write_text(text[: len(text) // 2])
    elif damage == "wrong key":
        stored["key"]["seed"] = 99
        path.write_text(json.dumps(stored))
    else:
        del stored["result"]["verdict"]
        path.write_text(json.dumps(stored))
    code, out = _verify(tmp_path)
    assert code == 0 and len(calls) == 2 and not out["claims"][0]["cached"]
    assert json.loads(path.read_text())["result"]["verdict"] == "pass"  # rewritten whole
    _verify(tmp_path)
    assert len(calls) == 2


def test_no_cache_writes_nothing_and_errors_are_not_cached(tmp_path, monkeypatch):
    calls = []
    crash = stand_in("CRASH", evaluate=lambda ctx: calls.append("CRASH") or 1 / 0)
    _registry(monkeypatch, _fake("N", calls), crash)
    assert _verify(tmp_path, "--claim", "N")[0] == 0
    assert main(["verify", "--quiet", "--no-cache", "--claim", "N"]) == 0
    assert not (tmp_path / "default-cache").exists()
    assert calls.count("N") == 2  # --no-cache neither read the cache nor wrote to it
    _verify(tmp_path, "--claim", "CRASH")
    _verify(tmp_path, "--claim", "CRASH")
    assert calls.count("CRASH") == 2  # an error verdict is retried, never cached
    assert not list((tmp_path / "cache" / "results").glob("CRASH-*"))


def test_interrupt_keeps_finished_claims(tmp_path, monkeypatch, capsys):
    calls = []
    _registry(monkeypatch, _fake("DONE", calls), _fake("STOP", calls, interrupt=True))
    code = main(["verify", "--quiet", "--cache-dir", str(tmp_path / "cache")])
    assert code == 130 and calls == ["DONE", "STOP"]
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert not list((tmp_path / "cache" / "results").glob(".*.tmp"))  # only whole files
    _registry(monkeypatch, _fake("DONE", calls), _fake("STOP", calls))
    code, out = _verify(tmp_path)
    assert code == 0 and calls == ["DONE", "STOP", "STOP"]
    assert [c["cached"] for c in out["claims"]] == [True, False]


def test_unusable_cache_dir_warns_and_runs(tmp_path, monkeypatch, capsys):
    calls = []
    _registry(monkeypatch, _fake("U", calls))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["verify", "--quiet", "--cache-dir", str(blocker)]) == 0
    err = capsys.readouterr().err
    assert "warning: result cache disabled" in err and len(err.strip().splitlines()) == 1


def test_cache_options_are_exclusive(capsys):
    assert main(["verify", "--no-cache", "--cache-dir", "x"]) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_cache_key_covers_source_versions_and_claim(tmp_path):
    cache = ResultCache(tmp_path)
    desc = {"id": "X-1/a", "statement": "s", "rule": "r"}
    env = {"adamtheory": "0.1.0", "numpy": "2.0", "platform": "ignored"}
    base = {
        "profile": "quick",
        "seed": 0,
        "backend": {"requested": "auto"},
        "environment": env,
        "source": "abc",
    }
    key = cache_key(desc, **base)
    assert "platform" not in key["versions"] and key["versions"]["numpy"] == "2.0"
    path = cache.path(key)
    assert path.parent == tmp_path / "results" and path.name.startswith("X-1_a-quick-seed0-")
    variants = [
        {"source": "abd"},
        {"environment": {**env, "adamtheory": "0.2.0"}},
        {"backend": {"requested": "numpy"}},
        {"seed": 1},
        {"profile": "full"},
    ]
    for change in variants:
        assert cache.path(cache_key(desc, **{**base, **change})) != path
    assert cache.path(cache_key({**desc, "rule": "r2"}, **base)) != path
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        cache_key(desc, **{**base, "seed": -1})


def test_store_is_atomic_and_load_round_trips(tmp_path):
    cache = ResultCache(tmp_path / "c")
    key = cache_key({"id": "A"}, profile="quick", seed=0, backend={}, environment={}, source="s")
    assert cache.load(key) is None
    result = ClaimResult(
        "A",
        "t",
        "s",
        "derived",
        "pass",
        "p",
        "m",
        "r",
        0.5,
        "quick",
        0,
        {"fired": True},
        {"v": float("inf")},
    ).to_json()
    path = cache.store(key, result)
    assert cache.load(key) == result and [p.name for p in path.parent.iterdir()] == [path.name]


def test_default_cache_dir_precedence(tmp_path):
    assert default_cache_dir({"ADAMTHEORY_CACHE_DIR": "/a", "XDG_CACHE_HOME": "/b"}) == type(
        tmp_path
    )("/a")
    assert default_cache_dir({"XDG_CACHE_HOME": "/b"}) == type(tmp_path)("/b/adamtheory")
    assert default_cache_dir({}).parts[-2:] == (".cache", "adamtheory")


def test_source_digest_follows_the_files(tmp_path):
    (tmp_path / "m.py").write_text("x = 1\n")
    first = source_digest(tmp_path)
    assert source_digest(tmp_path) == first
    (tmp_path / "m.py").write_text("x = 2\n")
    assert source_digest(tmp_path) != first
    assert len(source_digest()) == 64
    with pytest.raises(ValueError, match="package_dir must be a directory"):
        source_digest(tmp_path / "missing")


# ----------------------------------------------------------------------------- report files


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    """verify --out on three fast real claims (one with a figure)."""
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADAMTHEORY_CACHE_DIR", str(tmp / "cache"))
        assert main(["verify", "--quiet", "--claim", *FAST, "--out", str(tmp / "out")]) == 0
    return tmp / "out"


def test_results_json_records_what_the_report_shows(real_report):
    payload = json.loads((real_report / "results.json").read_text())
    assert [c["id"] for c in payload["claims"]] == list(FAST)
    assert payload["summary"] == {
        "pass": 3,
        "fail": 0,
        "inconclusive": 0,
        "error": 0,
        "reported": 0,
    }
    env = payload["environment"]
    assert {
        "matplotlib",
        "tqdm",
        "source_digest",
        "numpy",
        "backend",
        "sweep_backend",
    } <= env.keys()
    assert payload["cache"]["enabled"] and payload["cache"]["computed"] == 3
    for claim in payload["claims"]:
        assert claim["statement"] and claim["seed"] == 0 and claim["cached"] is False
        seq = claim["seed_sequence"]
        assert seq["entropy"] == 0 and len(seq["spawn_key"]) == 1
        assert claim["control"]["fired"] and isinstance(claim["intervals"], list)
    ref = payload["claims"][0]
    assert ref["figure"] == "figures/ADAM-REF.png"
    assert (real_report / ref["figure"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert payload["claims"][1]["figure"] is None


def test_markdown_report(real_report):
    payload = json.loads((real_report / "results.json").read_text())
    text = (real_report / "report.md").read_text()
    assert text.index("## Summary") < text.index("## Claims") < text.index("## Environment")
    for verdict, n in payload["summary"].items():
        assert f"| {verdict} | {n} |" in text
    for claim in payload["claims"]:
        section = text.split(f"### {claim['id']}: ")[1].split("\n### ")[0]
        for field in FIELDS_MD:
            assert field in section, (claim["id"], field)
        assert claim["statement"] in section and claim["rule"] in section
        assert f"| {claim['id']} |" in text
    assert "](figures/ADAM-REF.png)" in text


def test_html_report_is_self_contained(real_report):
    payload = json.loads((real_report / "results.json").read_text())
    text = (real_report / "report.html").read_text()
    assert text.startswith("<!DOCTYPE html>") and 'name="viewport"' in text
    assert "Content-Security-Policy" in text and "@media print" in text
    # nothing is fetched: no external URL, no linked stylesheet or script, no CSS import
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text, flags=re.I)
    assert not re.search(r"<link\b|<script\b[^>]*\bsrc=|@import|url\(", text, flags=re.I)
    for src in re.findall(r'\bsrc="([^"]*)"', text):
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(re.findall(r"<img\b", text)) == sum(
        c["figure"] is not None for c in payload["claims"]
    )
    for verdict, n in payload["summary"].items():
        assert f'data-summary="{verdict}">{n}</b>' in text
    assert text.count("<tr data-verdict=") == len(payload["claims"])
    for claim in payload["claims"]:
        section = text.split(f'<section class="claim" id="claim-{claim["id"]}"')[1]
        section = section.split("</section>")[0]
        for field in FIELDS_HTML:
            assert field in section, (claim["id"], field)


def test_report_counts_failures_and_survives_a_broken_figure(tmp_path, monkeypatch, line_figure):
    calls = []
    _registry(
        monkeypatch,
        _fake("OK", calls, figure=line_figure),
        _fake("BAD", calls, verdict="fail", figure=_broken_figure),
        _fake("MAYBE", calls, verdict="inconclusive"),
    )
    code, payload = _verify(tmp_path)
    assert code == 1
    assert payload["summary"] == {
        "pass": 1,
        "fail": 1,
        "inconclusive": 1,
        "error": 0,
        "reported": 0,
    }
    ok, bad, _ = payload["claims"]
    assert ok["figure"] == "figures/OK.png" and bad["figure"] is None
    assert "KeyError" in bad["figure_error"]
    assert ok["intervals"] == ["estimate 1.5 [1.2, 1.8]"]
    html = (tmp_path / "out" / "report.html").read_text()
    md = (tmp_path / "out" / "report.md").read_text()
    assert "Figure could not be drawn: KeyError" in html and "could not be drawn" in md
    assert '<tr data-verdict="fail">' in html and "| fail | 1 |" in md
    # the figure is redrawn from cached values (no re-run) when the report is rewritten
    code, again = _verify(tmp_path, out="again")
    assert len(calls) == 3 and again["claims"][0]["figure"] == "figures/OK.png"
    assert (tmp_path / "again" / "figures" / "OK.png").stat().st_size > 1000


def test_html_escapes_claim_text(tmp_path, monkeypatch):
    calls = []
    evil = _fake("ESC", calls)
    evil = stand_in(evil.id, title="<script>alert(1)</script>", scope="a < b & c")
    _registry(monkeypatch, evil)
    _verify(tmp_path)
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<script>alert(1)" not in html and "a &lt; b &amp; c" in html


# ----------------------------------------------------------------------------- progress


class _Terminal:
    """A stand-in stderr that says it is a terminal."""

    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return True


@pytest.mark.parametrize(
    "quiet,tty,bar", [(False, True, True), (True, True, False), (False, False, False)]
)
def test_progress_bar_only_on_a_terminal_without_quiet(
    tmp_path, monkeypatch, capsys, quiet, tty, bar
):
    calls = []
    _registry(monkeypatch, _fake("P1", calls), _fake("P2", calls))
    err = _Terminal()
    if tty:
        monkeypatch.setattr("sys.stderr", err)
    argv = ["verify", "--no-cache"] + (["--quiet"] if quiet else [])
    assert main(argv) == 0
    captured = capsys.readouterr()
    text = err.text if tty else captured.err
    assert ("claims:" in text and "/2 [" in text) == bar
    assert "P1" in captured.out and "P2" in captured.out  # the table is printed either way


# ----------------------------------------------------------------------------- pieces


def test_intervals_from_measured_text_or_values():
    assert intervals({"measured": "slope -3.5 [-7.1, -0.3]; floor 2; x = +0.99 ± 0.01"}) == [
        "slope -3.5 [-7.1, -0.3]",
        "x = +0.99 ± 0.01",
    ]
    assert intervals(
        {
            "measured": "beta in [0.0, 0.5, 0.9]",
            "values": {
                "fit": {"slope_ci": [1.0, 2.0]},
                "ci": 0.5,
                "pci": [1, 2, 3],
                "error_over_ci": 0.7,
                "half_width": [0.1, 0.2],
            },
        }
    ) == ["fit.slope_ci = [1, 2]", "ci = ± 0.5"]


def test_claim_result_json_round_trip():
    result = ClaimResult(
        "A",
        "t",
        "s",
        "derived",
        "pass",
        "p",
        "m",
        "r",
        0.5,
        "quick",
        0,
        {"fired": True},
        {"v": [1.0, float("nan")]},
        statement="st",
    )
    back = ClaimResult.from_json(json.loads(json.dumps(result.to_json() | {"extra": 1})))
    assert back.statement == "st" and back.values == {"v": [1.0, "nan"]}
    with pytest.raises(ValueError, match="lacks the ClaimResult fields"):
        ClaimResult.from_json({"id": "A"})
    with pytest.raises(TypeError, match="data must be a dict"):
        ClaimResult.from_json([])


def test_compact_and_log_indices():
    assert _arrays.compact([123456.0, -0.000123456, 0.0, float("nan")], 3)[:3] == [
        123000.0,
        -0.000123,
        0.0,
    ]
    assert np.isnan(_arrays.compact([float("nan")])[0])
    idx = _arrays.log_indices(30_000, 200)
    assert idx[0] == 0 and idx[-1] == 29_999 and np.all(np.diff(idx) > 0) and idx.size <= 202
    with pytest.raises(ValueError, match="digits must be an integer >= 1"):
        _arrays.compact([1.0], 0)
    with pytest.raises(ValueError, match="length must be an integer >= 1"):
        _arrays.log_indices(0)


def _synthetic_values():
    """Values shaped like each claim's (small), to draw every figure function once."""
    grid = np.linspace(0, 0.9, 5).tolist()
    status = [[1, 1, 0, -1, -1]] * 5
    drift = [[-1.0, -0.5, 0.1, 0.5, 1.0]] * 5
    return {
        "ADAM-REF": {"errors": {"adam": 1e-16, "sgd": 0.0}, "tolerance": 1e-12},
        "Z-CYC": {
            "max_error": 1e-15,
            "plot": {
                "beta1": grid,
                "beta2": grid,
                "cases": [{"n": 3, "a": 1.0, "closed_form": drift, "simulated": drift}],
            },
        },
        "Z-DRIFT": {
            "grid_beta1": grid,
            "grid_beta2": [0.0, 0.5, 0.9, 0.99, 0.999],
            "grids": [
                {
                    "n": 10,
                    "a": 1.0,
                    "sampling": s,
                    "agreement": 1.0,
                    "status": status,
                    "drift": drift,
                }
                for s in ("shuffle", "cyclic")
            ],
        },
        "Z-GROW": {
            "n": [10, 20, 50],
            "areas": [0.8, 0.9, 0.95],
            "one_minus_beta2_star": [0.04, 0.01, 0.0016],
            "slope": -2.0,
            "slope_ci": [-2.1, -1.9],
            "exponent": 3.5,
        },
        "Z-CONV": {
            "d0_zero": {
                "slope": "nan",
                "ci": ["nan", "nan"],
                "epochs": [1, 10, 100],
                "running_min": [0.1, 0.03, 0.01],
                "resolution": 1e-16,
            },
            "d0_positive": {
                "beta2": [0.9, 0.99, 0.999],
                "floors": [1e-3, 1e-5, 1e-7],
                "slope": 2.0,
                "slope_ci": [1.9, 2.1],
                "exponent": 1.0,
            },
        },
        "R-T1": {
            "C": 4.0,
            "beta2": 0.0588,
            "predicted_regret": 4 / 3,
            "curves": {
                "t": [1, 10, 100],
                **{
                    f"{k}_{q}": [0.0, 0.5, 1.0]
                    for k in ("adam", "amsgrad", "sgd")
                    for q in ("x", "regret")
                },
            },
        },
    }


@pytest.mark.parametrize("claim_id", list(_synthetic_values()))
def test_claim_figures_draw_from_json_values(claim_id):
    from matplotlib.figure import Figure

    from adamtheory.claims import get_claim
    from adamtheory.report import render_figure

    claim = get_claim(claim_id)
    assert claim.figure is not None
    values = json.loads(json.dumps(_synthetic_values()[claim_id]))
    assert isinstance(claim.figure(values), Figure)
    assert render_figure(claim.figure, values)[:8] == b"\x89PNG\r\n\x1a\n"
