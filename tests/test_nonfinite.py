"""No silent failure: non-finite gradients get their own status, one warning per call; a
stated G that is exceeded warns; the report's files are written atomically."""

import json
import math
import os
import warnings

import numpy as np
import pytest

import adamtheory as at
import adamtheory.report as report
from adamtheory import _files
from adamtheory.kernels import (
    NonFiniteGradientWarning,
    StatedConstantWarning,
    adam,
    run,
)
from adamtheory.kernels.conversion import BetaOMD, o2nc_run
from adamtheory.kernels.counterexample import (
    CONVERGED,
    DIVERGED,
    NONFINITE_GRADIENT,
    UNDECIDED,
    mark_step,
)
from adamtheory.kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from adamtheory.report.cache import ResultCache


def _caught(category, fn, *args, **kwargs):
    """(result, warnings of ``category``) with every warning recorded (no deduplication)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [w for w in record if issubclass(w.category, category)]


# ------------------------------------------------------------------ status encoding
def test_status_codes_are_distinct_and_fit_int32():
    codes = {DIVERGED, UNDECIDED, CONVERGED, NONFINITE_GRADIENT}
    assert len(codes) == 4 and NONFINITE_GRADIENT == 2
    assert all(np.int32(c) == c for c in codes)


def test_mark_step_checks_the_gradient_before_the_iterate():
    status = np.zeros(4, dtype=np.int64)
    diverged_at = np.full(4, -1, dtype=np.int64)
    nonfinite_at = np.full(4, -1, dtype=np.int64)
    alive = np.array([True, True, True, False])
    bad_x = np.array([True, True, False, True])  # a NaN gradient makes x NaN too
    bad_g = np.array([True, False, False, True])
    alive = mark_step(
        status, diverged_at, alive, bad_x, 3, bad_g=bad_g, nonfinite_at=nonfinite_at, step=17
    )
    assert status.tolist() == [NONFINITE_GRADIENT, DIVERGED, UNDECIDED, UNDECIDED]
    assert nonfinite_at.tolist() == [17, -1, -1, -1]
    assert diverged_at.tolist() == [-1, 3, -1, -1]
    assert alive.tolist() == [False, False, True, False]


# ------------------------------------------------------------------ finite-sum sweeps
CENTRES = np.array([1.0, -1.0, 0.5, -0.5])  # f_i = (x - c_i)^2 / 2, x* = 0
N = CENTRES.size
B1, B2 = [0.0, 0.9], [0.5, 0.9, 0.99]
ROWS = len(B1) * len(B2)  # one trajectory per grid point
BAD_STEP = 2 * N + 3  # epoch 3, third step
BAD_ROWS = [1, 4]


def _quadratic(bad_rows=(), bad_step=None):
    """The quadratic finite sum; its step calls return NaN for ``bad_rows`` from ``bad_step``."""
    calls = {"steps": 0}

    def grad(x, idx):
        g = x - CENTRES[idx][:, None]
        if x.shape[0] == ROWS:  # a step (the epoch-end |grad f| calls have ROWS * N rows)
            calls["steps"] += 1
            if bad_step is not None and calls["steps"] >= bad_step:
                g[list(bad_rows)] = np.nan
        return g

    return at.user_finite_sum(grad, n=N, x0=[2.0], x_star=[0.0])


def test_nan_gradient_at_a_chosen_step_is_its_own_status_with_one_warning():
    cfg = FiniteSumSweepConfig(epochs=8, lr=0.3, seed=1)
    clean = finite_sum_sweep(B1, B2, _quadratic(), cfg)
    ds, caught = _caught(
        NonFiniteGradientWarning, finite_sum_sweep, B1, B2, _quadratic(BAD_ROWS, BAD_STEP), cfg
    )
    assert len(caught) == 1
    message = str(caught[0].message)
    assert f"{len(BAD_ROWS)} of {ROWS} trajectories" in message
    assert f"first at step {BAD_STEP}" in message
    status = ds.status.values.ravel()
    nonfinite_at = ds.nonfinite_at.values.ravel()
    bad = np.zeros(ROWS, dtype=bool)
    bad[BAD_ROWS] = True
    assert (status[bad] == NONFINITE_GRADIENT).all()
    assert (nonfinite_at[bad] == BAD_STEP).all() and (nonfinite_at[~bad] == -1).all()
    assert (ds.diverged_at.values.ravel()[bad] == -1).all()  # not diverged
    # the others are untouched, bit for bit
    for name in ("status", "diverged_at", "x_final", "min_grad_norm"):
        a = ds[name].values.reshape(ROWS, -1)[~bad]
        b = clean[name].values.reshape(ROWS, -1)[~bad]
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert not np.isnan(ds.x_final.values).any()
    counts = json.loads(ds.attrs["status_counts"])
    assert counts["nonfinite_gradient"] == len(BAD_ROWS)
    assert sum(counts.values()) == ROWS
    assert counts["diverged"] == int(np.sum(clean.status.values.ravel()[~bad] == DIVERGED))
    assert json.loads(ds.attrs["status_codes"])["nonfinite_gradient"] == NONFINITE_GRADIENT


def test_one_warning_per_sweep_across_chunks():
    def grad(x, idx):  # NaN beyond x = 3: the runs that get there (large lr) are frozen
        g = np.where(idx == 0, 10.0, -1.0)[:, None] * np.ones_like(x)
        return np.where(x > 3.0, np.nan, g)

    problem = at.user_finite_sum(grad, n=10, x0=[0.0], x_star=[-2.0])
    cfg = FiniteSumSweepConfig(epochs=6)
    ds, caught = _caught(
        NonFiniteGradientWarning,
        finite_sum_sweep,
        [0.0, 0.5],
        [0.0, 0.5],
        problem,
        cfg,
        replicates=2,
        chunk_size=1,
    )
    hits = int(np.sum(ds.status.values == NONFINITE_GRADIENT))
    assert hits >= 2 and len(caught) == 1
    assert f"{hits} of 8 trajectories" in str(caught[0].message)
    assert (ds.nonfinite_at.values[ds.status.values == NONFINITE_GRADIENT] > 0).all()


def test_finite_gradients_warn_nothing():
    cfg = FiniteSumSweepConfig(epochs=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteGradientWarning)
        ds = finite_sum_sweep(B1, B2, _quadratic(), cfg)
    assert (ds.nonfinite_at.values == -1).all()
    assert json.loads(ds.attrs["status_counts"])["nonfinite_gradient"] == 0


# ------------------------------------------------------------------ runner
def test_runner_records_nonfinite_apart_from_divergence():
    def grad(x, idx):
        return np.where(x > 1.5, np.nan, -np.ones_like(x))  # f = -x, broken past 1.5

    problem = at.user_finite_sum(grad, n=2, x0=[0.0], value=lambda x: -x[:, 0])
    lrs = np.array([0.5, 1e-4])  # the first reaches x > 1.5, the second does not
    ds, caught = _caught(
        NonFiniteGradientWarning,
        run,
        problem,
        adam(lrs, 0.9, 0.99),
        steps=30,
        record="final",
        backend="numpy",
    )
    assert len(caught) == 1 and "1 of 2 trajectories" in str(caught[0].message)
    assert int(ds.nonfinite_at[0]) > 0 and int(ds.nonfinite_at[1]) == -1
    assert not ds.diverged.values.any() and (ds.diverged_at.values == -1).all()
    # frozen at the iterate whose gradient was NaN (one step of at most ~lr past 1.5)
    assert np.isfinite(ds.x_final.values).all() and 1.5 < float(ds.x_final[0, 0]) <= 2.5
    assert ds.attrs["nonfinite_trajectories"] == 1


# ------------------------------------------------------------------ O2NC
def _ramp(limit=2.0):
    """F = -x on x <= limit; the gradient code returns +inf beyond it."""
    return at.user_function(lambda x: np.where(x > limit, np.inf, -np.ones_like(x)), x0=[0.0])


def test_o2nc_inf_gradient_is_masked_never_nan_and_warned_once():
    learner = BetaOMD(np.array([1e-3, 0.1]), 0.9)  # the fast one passes x = 2 within T steps
    T = 60
    ds, caught = _caught(
        NonFiniteGradientWarning,
        o2nc_run,
        _ramp(),
        learner,
        conversion="uniform",
        T=T,
        batch=2,
        seed=3,
    )
    assert len(caught) == 1 and "1 of 2 trajectories" in str(caught[0].message)
    k = int(ds.nonfinite_at[1])
    assert 1 < k <= T and int(ds.nonfinite_at[0]) == 0
    assert (ds.diverged_at.values == 0).all()
    assert ds.valid.values.tolist() == [True, False]
    assert ds.attrs["nonfinite_trajectories"] == 1
    for name in (
        "U_tau",
        "gradnorm_tau",
        "spread_tau",
        "U_running",
        "ybar_final",
        "max_query_grad",
    ):
        assert not np.isnan(ds[name].values).any(), name
        assert np.isfinite(ds[name].values).all(), name
    # the frozen trajectory's U_tau is the uniform tau-average over its k - 1 finite steps:
    # the run of k - 1 steps (same draws up to there) has the same one
    short = o2nc_run(_ramp(), learner, conversion="uniform", T=k - 1, batch=2, seed=3)
    assert math.isclose(float(ds.U_tau[1]), float(short.U_tau[1]), rel_tol=1e-12)
    np.testing.assert_allclose(ds.ybar_final.values[1], short.ybar_final.values[1], rtol=1e-12)
    # the other trajectory is untouched, bit for bit
    clean = o2nc_run(_ramp(limit=np.inf), learner, conversion="uniform", T=T, batch=2, seed=3)
    for name in ("U_tau", "gradnorm_tau", "spread_tau", "ybar_final"):
        np.testing.assert_array_equal(ds[name].values[0], clean[name].values[0], err_msg=name)


def test_o2nc_without_any_finite_step_reports_no_estimate_not_zero():
    F = at.user_function(lambda x: np.where(np.abs(x) > 0.5, np.nan, x), x0=[0.0])
    # x0 = 1 (given to the run) is already outside the gradient's domain
    ds, caught = _caught(
        NonFiniteGradientWarning,
        o2nc_run,
        F,
        BetaOMD(0.1, 0.5),
        conversion="uniform",
        T=5,
        batch=1,
        x0=[1.0],
    )
    assert len(caught) == 1 and int(ds.nonfinite_at[0]) == 1
    assert float(ds.U_tau[0]) == math.inf and not bool(ds.valid[0])
    assert not np.isnan(ds.U_tau.values).any() and not np.isnan(ds.U_running.values).any()
    np.testing.assert_array_equal(ds.ybar_final.values[0], [1.0])


def test_stated_G_exceeded_warns_once_and_sets_the_attr():
    F = at.user_function(np.tanh, x0=[2.0], G=0.5, delta_F=2.0)  # |tanh(2)| = 0.96 > G
    ds, caught = _caught(
        StatedConstantWarning,
        o2nc_run,
        F,
        BetaOMD(0.05, 0.9),
        conversion="exponential",
        T=40,
        batch=3,
    )
    assert len(caught) == 1 and "stated G = 0.5" in str(caught[0].message)
    assert ds.attrs["G_exceeded"] == 1 and ds.attrs["G_stated"] == 0.5
    # an explicit G overrides the stated one; a G that holds warns nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatedConstantWarning)
        ok = o2nc_run(F, BetaOMD(0.05, 0.9), conversion="exponential", T=40, batch=3, G=1.0)
        plain = o2nc_run(
            at.user_function(np.tanh, x0=[2.0]),
            BetaOMD(0.05, 0.9),
            conversion="exponential",
            T=40,
            batch=3,
        )
    assert ok.attrs["G_exceeded"] == 0 and plain.attrs["G_stated"] == "none"


def test_stated_G_exceeded_through_a_plan_warns_once():
    F = at.user_function(np.tanh, x0=[2.0, -1.0], G=0.8, delta_F=2.2)
    plan = at.o2nc_plan(F, 0.3, lam=0.05)
    ds, caught = _caught(StatedConstantWarning, plan.run, F, batch=2, seed=0)
    assert len(caught) == 1
    assert ds.attrs["plan_G_exceeded"] == 1


# ------------------------------------------------------------------ atomic writes
def _payload(tag):
    return {"tag": tag, "claims": [{"id": "A-1"}, {"id": "B/2"}]}


@pytest.fixture
def plain_report(monkeypatch):
    """write_report with trivial renderers (the atomicity is what is tested here)."""
    monkeypatch.setattr(report, "report_markdown", lambda p: f"# report {p['tag']}\n")
    monkeypatch.setattr(report, "report_html", lambda p, images: f"<p>{p['tag']}</p>")


def _files_in(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def _interrupt_replace(monkeypatch, name):
    real = os.replace

    def replace(src, dst):
        if os.path.basename(dst) == name:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(_files.os, "replace", replace)


def test_write_report_interrupted_keeps_whole_files(tmp_path, monkeypatch, plain_report):
    out = tmp_path / "out"
    report.write_report(_payload("old"), {"A-1": b"png-old", "B/2": "no figure"}, out)
    assert _files_in(out) == ["figures/A-1.png", "report.html", "report.md", "results.json"]
    _interrupt_replace(monkeypatch, "report.html")
    with pytest.raises(KeyboardInterrupt):
        report.write_report(_payload("new"), {"A-1": b"png-new"}, out)
    # no temporary file left, nothing empty; written files are whole, the rest as before
    assert _files_in(out) == ["figures/A-1.png", "report.html", "report.md", "results.json"]
    assert all((out / f).stat().st_size > 0 for f in _files_in(out))
    assert json.loads((out / "results.json").read_text())["tag"] == "new"
    assert (out / "report.html").read_text() == "<p>old</p>"
    assert (out / "figures" / "A-1.png").read_bytes() == b"png-new"


def test_first_write_interrupted_leaves_no_empty_file(tmp_path, monkeypatch, plain_report):
    out = tmp_path / "out"
    _interrupt_replace(monkeypatch, "results.json")
    with pytest.raises(KeyboardInterrupt):
        report.write_report(_payload("new"), {}, out)
    assert _files_in(out) == []  # no 0-byte results.json, no temporary file


def test_interrupt_during_the_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    _files.atomic_write_text(target, '{"ok": 1}')

    def fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files.os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        _files.atomic_write_text(target, '{"ok": 2}')
    assert target.read_text() == '{"ok": 1}' and _files_in(tmp_path) == ["results.json"]


def test_a_failing_renderer_writes_nothing(tmp_path, monkeypatch, plain_report):
    out = tmp_path / "out"
    report.write_report(_payload("old"), {}, out)

    def broken(payload, images):
        raise RuntimeError("render failed")

    monkeypatch.setattr(report, "report_html", broken)
    with pytest.raises(RuntimeError):
        report.write_report(_payload("new"), {}, out)
    assert json.loads((out / "results.json").read_text())["tag"] == "old"


def test_atomic_write_permissions_and_types(tmp_path):
    path = _files.atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(TypeError):
        _files.atomic_write_text(tmp_path / "b.txt", b"bytes")
    with pytest.raises(TypeError):
        _files.atomic_write_bytes(tmp_path / "c.bin", "text")


def test_cache_store_is_atomic(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path / "cache")
    key = {"claim": {"id": "X-1"}, "profile": "quick", "seed": 0}
    path = cache.store(key, {"id": "X-1"})
    before = path.read_text()
    _interrupt_replace(monkeypatch, path.name)
    with pytest.raises(KeyboardInterrupt):
        cache.store(key, {"id": "X-1", "more": 1})
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]
