"""Ctrl-C, progress and the cost estimate of long runs (issue #14, item 4).

* a sweep running in a subprocess stops on SIGINT with exit status 130 and one line, no
  traceback (the fused kernel runs in bounded slices, so the signal is seen between slices);
* the progress bar counts Adam steps and advances once per slice (with a rate and time left);
* runs that cannot fit in memory, or would run for years, are refused before anything is
  allocated, with a one-line error (exit 2 on the command line).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from adamtheory.cli import main
from adamtheory.kernels import fused
from adamtheory.kernels.counterexample import SweepConfig
from adamtheory.kernels.sampling import trajectory_keys
from adamtheory.kernels.sweeps import divergence_sweep, sweep_cost
from adamtheory.report.preflight import check_sweep_size

LONG_SWEEP = """
import sys
import numpy as np
from adamtheory.cli import main
from adamtheory.kernels.counterexample import SweepConfig
from adamtheory.kernels.fused import sweep_numba
from adamtheory.kernels.sampling import trajectory_keys
b = np.linspace(0, 0.9, 8)
sweep_numba(b, b, SweepConfig(n=4, epochs=2), trajectory_keys(0, np.arange(8)))  # compile
print("ready", flush=True)
# about 1e11 steps: minutes of work, far longer than the test waits
sys.exit(main(["region", "--n", "10", "--grid", "300", "--epochs", "100000", "--quiet",
               "--out", sys.argv[1]]))
"""


@pytest.mark.slow
def test_sigint_stops_a_long_sweep_with_exit_130_and_one_line(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", LONG_SWEEP, str(tmp_path / "region.png")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(2.0)  # into the sweep (its first slices)
        assert proc.poll() is None  # still running: the interrupt below is what stops it
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)  # a liveness bound, not a timing claim
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted"]
    assert "Traceback" not in err and not (tmp_path / "region.png").exists()


@pytest.mark.slow
def test_progress_counts_steps_per_slice(monkeypatch):
    updates = []

    class Bar:
        def __init__(self, total, **kw):
            self.total = total
            self.kw = kw

        def update(self, k):
            updates.append(k)

        def close(self):
            pass

    import tqdm.auto

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    monkeypatch.setattr(fused, "SLICE_STEPS", 5 * 12 * 4)  # 5 epochs of 12 points x n = 4
    cfg = SweepConfig(n=4, epochs=23)
    b1, b2 = np.linspace(0, 0.9, 3), np.linspace(0, 0.99, 4)
    with_bar = divergence_sweep(b1, b2, cfg, backend="numba", progress=True)
    assert updates == [5 * 48] * 4 + [3 * 48]  # five slices, the last one shorter
    assert sum(updates) == sweep_cost(12, 4, 23).steps == 12 * 4 * 23
    plain = divergence_sweep(b1, b2, cfg, backend="numba")
    for name in plain.data_vars:  # slicing and the bar change no number
        assert np.array_equal(plain[name].values, with_bar[name].values), name


def test_slices_change_no_number():
    cfg = SweepConfig(n=5, epochs=31, sampling="iid", seed=4)
    b = np.linspace(0, 0.95, 20)
    keys = trajectory_keys(4, np.arange(20))
    whole = fused.sweep_numba(b, b[::-1].copy(), cfg, keys)
    sliced = fused.sweep_numba(b, b[::-1].copy(), cfg, keys, slice_steps=7)
    for name in whole:
        assert np.array_equal(whole[name], sliced[name]), name


def test_cost_estimate_counts_and_scales():
    c = sweep_cost(1000, 10, 200, "numba", threads=2)
    assert c.steps == 2_000_000 and c.trajectories == 1000
    bigger = sweep_cost(4000, 10, 200, "numba", threads=2)
    assert bigger.seconds == pytest.approx(4 * c.seconds) and bigger.bytes > c.bytes
    assert sweep_cost(1000, 10, 200, "numpy", threads=2).seconds > c.seconds
    # Python integers: a 10^18-point grid does not overflow
    assert sweep_cost(10**18, 10, 500).steps == 5 * 10**21


@pytest.mark.parametrize(
    "grid,n,epochs,what",
    [
        (1_000_000_000, 10, 500, "memory"),
        (200, 10_000_000_000, 500, "memory"),
        (200, 10, 10**12, "would take"),
    ],
)
def test_impossible_sweeps_are_refused_before_any_allocation(grid, n, epochs, what):
    with pytest.raises(ValueError, match=what) as info:
        check_sweep_size(grid, n, epochs)
    assert "\n" not in str(info.value)


def test_a_possible_sweep_passes_the_preflight():
    cost = check_sweep_size(200, 10, 200)
    assert cost.steps == 200 * 200 * 10 * 200


@pytest.mark.parametrize("flag,value", [("--grid", "1000000000"), ("--epochs", str(10**12))])
def test_figures_refuses_impossible_sizes_in_one_line(tmp_path, capsys, flag, value):
    assert main(["figures", "--out", str(tmp_path / "f"), flag, value]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: this sweep") and err.count("\n") == 1


def test_divergence_sweep_refuses_a_grid_beyond_memory():
    cfg = SweepConfig(n=10_000_000_000, epochs=2)
    with pytest.raises(ValueError, match="memory"):
        divergence_sweep([0.1], [0.2], cfg)


@pytest.mark.parametrize(
    "argv",
    [
        ["region", "--n", "10", "--grid", "1000000000"],
        ["region", "--n", "10000000000"],
        ["region", "--n", "10", "--epochs", str(10**12)],
        ["region", "--n", "10", "--grid", "1000000000", "--classify", "sequential"],
        ["drift", "--n", "10", "--beta1", "0", "--beta2", "0.9", "--epochs", str(10**12)],
    ],
    ids=["grid", "n", "epochs", "sequential-grid", "drift-epochs"],
)
def test_region_and_drift_refuse_impossible_sizes_in_one_line(tmp_path, capsys, argv):
    out = [] if argv[0] == "drift" else ["--out", str(tmp_path / "r.png")]
    assert main([*argv, *out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: this sweep") and err.count("\n") == 1
    assert not (tmp_path / "r.png").exists()
