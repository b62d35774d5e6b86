"""O2NC-SLOPE on the zero-chain family over a decade of eps (issue #11): the family, the
two-sided rule, the declared perturbations, and the kernel's ``compute`` modes that make the
decade affordable (kernels/o2nc_chain.py, claims/o2nc_runs.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adamtheory.claims import o2nc_runs
from adamtheory.kernels.o2nc_chain import chain_omd_run
from adamtheory.problems.o2nc_chain import chain_for_measure, zero_chain
from adamtheory.theory import o2nc_params


def _claim():
    return next(c for c in o2nc_runs.CLAIMS if c.id == "O2NC-SLOPE")


# ----------------------------------------------------------------------------- kernel modes


def _modes(chain, **kw):
    return {m: chain_omd_run(chain, compute=m, **kw) for m in ("all", "hit", "reveal")}


@pytest.mark.parametrize(
    ("K", "p", "alpha", "s", "eta", "beta", "mu", "T"),
    [
        (3, 0.3, 0.8, 0.3, 0.05, 0.9, 0.1, 600),
        (5, 0.2, 1.0, 0.5, 0.3, 0.95, 0.0, 4000),
        (6, 0.5, 1.0, 0.2, 0.5, 0.5, 0.0, 3000),
    ],
)
def test_hit_and_reveal_modes_give_the_full_runs_numbers(K, p, alpha, s, eta, beta, mu, T):
    """``compute="hit"`` skips the measure only where it is certified above the target and
    ``"reveal"`` leaves the finished links alone: the steps they report are bit-identical."""
    chain = zero_chain(K, p, alpha=alpha, s=s)
    kw = dict(eta=eta, beta=beta, mu=mu, T=T, seed=5, trajectories=6, target=0.5 * alpha / s)
    for stop in (False, True):
        res = _modes(chain, stop_at_hit=stop, **kw)
        full, hit, rev = res["all"], res["hit"], res["reveal"]
        assert np.all(np.isfinite(full["reveal_step"]))  # the runs did reveal the chain
        for key in ("hit_step", "reveal_step", "progress", "ybar_final"):
            np.testing.assert_array_equal(hit[key], full[key])
        np.testing.assert_array_equal(rev["reveal_step"], full["reveal_step"])
        np.testing.assert_array_equal(rev["progress"], np.full(6, K))  # stopped at reveal
        assert np.all(np.isnan(hit["measure_tau"])) and np.all(np.isnan(rev["ybar_final"]))
        assert np.all(np.isinf(rev["hit_step"]))
        # the certificate that "hit" relies on: the output reaches s only after the iterate
        # has passed b s (ybar <= y <= x coordinate-wise), so the hit is not before the reveal
        assert np.all(full["hit_step"] >= full["reveal_step"])


def test_modes_on_a_slope_member_and_chunking() -> None:
    """The K = 4 member of the quick family at its derived parameters: the three modes agree
    on T_reveal and T_hit, and a chunk of trajectory ids reproduces the batch (prange)."""
    fam = o2nc_runs._slope_family("quick")
    e, chain = fam["epsilon"][2], fam["chains"][2]
    q = o2nc_params.o2nc_parameters(e, fam["lambda"], fam["G"], fam["sigma"], fam["delta_F"])
    kw = dict(eta=q.eta, beta=q.beta, mu=q.mu, T=q.T_ours, seed=9, target=4 * e)
    res = _modes(chain, trajectories=[0, 1], stop_at_hit=True, **kw)
    np.testing.assert_array_equal(res["hit"]["hit_step"], res["all"]["hit_step"])
    np.testing.assert_array_equal(res["reveal"]["reveal_step"], res["all"]["reveal_step"])
    part = chain_omd_run(chain, trajectories=[1], compute="reveal", **kw)
    np.testing.assert_array_equal(part["reveal_step"], res["all"]["reveal_step"][1:])


def test_mode_input_is_checked() -> None:
    chain = zero_chain(2, 0.5)
    kw = dict(eta=0.1, beta=0.9, mu=0.0, T=10)
    with pytest.raises(ValueError, match="compute"):
        chain_omd_run(chain, compute="fast", **kw)
    with pytest.raises(ValueError, match="target"):  # no target: nothing is certified
        chain_omd_run(chain, compute="hit", **kw)
    with pytest.raises(ValueError, match="target"):  # at alpha/s the start already meets it
        chain_omd_run(chain, compute="hit", target=chain.grad_scale, **kw)
    with pytest.raises(ValueError, match="exit_tol"):
        chain_omd_run(chain, compute="reveal", target=0.5, exit_tol=0.1, **kw)


# ----------------------------------------------------------------------------- the family


def test_full_family_spans_a_decade_with_one_set_of_valid_constants() -> None:
    full, quick = o2nc_runs._slope_family("full"), o2nc_runs._slope_family("quick")
    ratio = max(full["epsilon"]) / min(full["epsilon"])
    assert ratio >= 10.0  # docs/theory §5: a rate is fitted over at least a decade
    assert math.isclose(ratio, 32 ** (2 / 3), rel_tol=1e-12)
    assert max(quick["epsilon"]) / min(quick["epsilon"]) == pytest.approx(4.0)
    assert quick["K"] == full["K"][: len(quick["K"])]  # quick is the start of full
    for key in ("G", "sigma", "delta_F", "lambda"):
        assert quick[key] == full[key]  # declared once, for every member of either profile
    for e, c in zip(full["epsilon"], full["chains"], strict=True):
        assert c.K == round(full["eps1"] ** 1.5 * e**-1.5)  # K ~ eps^-3/2
        assert c.G <= full["G"] * (1 + 1e-12) and c.delta_F <= full["delta_F"] * (1 + 1e-12)
        assert c.sigma == pytest.approx(full["sigma"], rel=1e-12)
        assert c.lam == pytest.approx(full["lambda"], rel=1e-12)  # exact measure at lambda
        assert c.grad_scale == pytest.approx(4.4 * e, rel=1e-12)  # certified start > 4 eps
    control = o2nc_runs._slope_family("full", fixed_K=1)
    assert [c.K for c in control["chains"]] == [1] * len(full["K"])


def test_rule_is_two_sided_and_fires_on_either_side() -> None:
    rule = o2nc_runs._CHAIN_SLOPE_RULE
    assert rule.bound == "two-sided" and rule.tolerance == 0.25
    assert o2nc_runs._SLOPE_EXPONENT == -3.5
    eps = np.geomspace(0.227, 0.0225, 6)
    noise = 1 + 1e-3 * np.sin(np.arange(6 * 2)).reshape(6, 2)
    for exponent, verdict in ((-3.5, "pass"), (-3.0, "fail"), (-4.0, "fail"), (-2.0, "fail")):
        times = eps[:, None] ** exponent * noise
        row = o2nc_runs._slope_row("synthetic", eps, times.tolist(), [1.0] * 6, True)
        assert row["verdict"] == verdict, (exponent, row)
    # members with different numbers of trajectories pool every trajectory
    ragged = [[1.0e3, 1.01e3], [1.2e4], [1.4e5, 1.41e5, 1.39e5]]
    row = o2nc_runs._slope_row("ragged", [0.3, 0.15, 0.075], ragged, [1.0] * 3, False)
    x = np.repeat([0.3, 0.15, 0.075], [2, 1, 3])
    y = np.concatenate([np.asarray(t) for t in ragged])
    assert row["slope"] == pytest.approx(np.polyfit(np.log(x), np.log(y), 1)[0], rel=1e-12)
    assert "within p ± 0.25" in _claim().rule.describe()  # the claim's rule, not a copy


def test_declared_perturbations() -> None:
    sens = {p.name: p for p in _claim().sensitivity}
    for name in ("the exponent -3", "the exponent -4"):
        assert sens[name].required
    assert not sens["prediction +0.25"].required  # -13/4: declared, reported
    (control,) = [p for p in sens.values() if p.control]
    assert "K = 1" in control.name and control.required
    schedule = [p for p in sens.values() if "schedule" in p.name]
    assert len(schedule) == 1 and schedule[0].required


# ----------------------------------------------------------------------------- the claim


@pytest.mark.slow  # the quick claim with its re-runs (~10-20 s on 2 cores)
def test_quick_slope_passes_and_detects_its_perturbations() -> None:
    from adamtheory.claims.base import run_claim

    result = run_claim(_claim(), profile="quick", seed=0)
    assert result.verdict == "pass" and not result.weak
    by_name = {s["perturbation"]: s for s in result.sensitivity}
    for name in ("the exponent -3", "the exponent -4", "prediction +0.25"):
        assert by_name[name]["detected"], name
    assert [s for s in result.sensitivity if s["control"]][0]["verdict"] == "fail"
    schedule = [s for s in result.sensitivity if "schedule" in s["perturbation"]]
    assert schedule[0]["detected"]
    judged = [r for r in result.values["rows"] if r["judged"]]
    assert len(judged) == 1 and -3.75 < judged[0]["slope_low"] < judged[0]["slope_high"] < -3.25
    per = result.values["per_epsilon"]
    assert per["K"] == [1, 2, 4, 8] and result.values["epsilon_ratio"] == pytest.approx(4.0)
    assert all(0 < v < 1 for v in per["T_hit_over_T_derived"])  # T_derived is an upper bound
    assert all(v > 1 for v in per["T_hit_over_T_reveal"])  # the hit needs the whole chain
    assert len(per["T_hit_over_T_derived"]) == len(per["epsilon"])


def test_certified_member_start() -> None:
    """The certificate behind ``compute="hit"`` on a SLOPE member: at the start the exact
    measure is alpha/s = 4.4 eps > 4 eps."""
    chain = chain_for_measure(2, 0.3, 1.0, 1.0)
    assert chain.stationarity_lower(np.zeros((1, 2)), chain.lam)[0] == pytest.approx(1.0)
