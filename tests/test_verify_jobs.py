"""``verify(jobs=N)`` / ``verify(executor=...)``: claims in parallel, equal to sequential.

Each claim keeps its own seed stream (from the root seed and its id) and cache entry, so a
parallel run must reproduce the sequential results exactly; only the wall-clock ``seconds``
of each claim may differ.
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
import textwrap
from pathlib import Path

import pytest

from adamtheory import Claim, Evidence, rules
from adamtheory.report.verify import load_plugin, select_claims, verify

# cheap claims with random measurements (a wrong seed or a swapped claim changes the numbers)
PLUGIN = """
from adamtheory import Claim, Evidence, rules

def _mean(ctx):
    x = ctx.rng(0).uniform(0.0, 1.0, 400)
    return Evidence(x, 1.0, predicted="E[U] <= 1")

def _max(ctx):
    x = ctx.rng(1).uniform(0.0, 2.0, 300)
    return Evidence(x / 2, 1.0, predicted="E[U/2] <= 1")

def _claim(claim_id, fn):
    return Claim(
        id=claim_id, title="a uniform mean is below 1", statement="E[U] <= 1",
        source="a test", provenance="derived", rule=rules.upper_bound(), evaluate=fn,
        sensitivity=(rules.scale(0.25, target="bound 4x too optimistic", control=True),))

CLAIMS = [_claim("JOBS-A", _mean), _claim("JOBS-B", _max), _claim("JOBS-C", _mean)]
"""


def _without_seconds(results, *also):
    return [{k: v for k, v in r.items() if k not in ("seconds", *also)} for r in results]


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "jobs_plugin.py"
    path.write_text(textwrap.dedent(PLUGIN))
    yield str(path)
    sys.modules.pop("adamtheory_plugin_jobs_plugin", None)


def _local_claim():
    """A claim its defining module does not list: a worker could not rebuild it."""

    def evaluate(ctx):
        return Evidence(ctx.rng(2).uniform(0.0, 1.0, 100), 1.0, predicted="E[U] <= 1")

    return Claim(
        id="JOBS-LOCAL",
        title="local",
        statement="E[U] <= 1",
        source="a test",
        provenance="derived",
        rule=rules.upper_bound(),
        evaluate=evaluate,
        sensitivity=(rules.scale(0.25, target="bound 4x too optimistic", control=True),),
    )


@pytest.mark.parametrize("jobs", [0, -3])
def test_jobs_below_one_is_a_value_error(jobs):
    with pytest.raises(ValueError, match=rf"jobs must be a positive integer \(>= 1\); got {jobs}"):
        verify(select_claims(["ADAM-REF"]), jobs=jobs)


@pytest.mark.parametrize("jobs", [True, 1.5, "2"])
def test_jobs_must_be_an_integer(jobs):
    with pytest.raises(TypeError, match="jobs must be a positive integer"):
        verify(select_claims(["ADAM-REF"]), jobs=jobs)


def test_parallel_equals_sequential_and_keeps_the_claim_order(plugin):
    claims = [*load_plugin(plugin), _local_claim()]
    seq = verify(claims, seed=4)
    with cf.ThreadPoolExecutor(3) as pool:
        par = verify(claims, seed=4, executor=pool)
    assert [r["id"] for r in par.results] == ["JOBS-A", "JOBS-B", "JOBS-C", "JOBS-LOCAL"]
    assert _without_seconds(par.results) == _without_seconds(seq.results)
    assert par.counts == seq.counts
    # a different root seed changes the measured numbers: the comparison can fail
    other = verify(claims, seed=5)
    assert _without_seconds(other.results) != _without_seconds(seq.results)


def test_each_claim_has_its_own_cache_entry_in_parallel(plugin, tmp_path):
    claims = load_plugin(plugin)
    cache = tmp_path / "cache"
    with cf.ThreadPoolExecutor(2) as pool:
        first = verify(claims, seed=1, cache_dir=cache, executor=pool)
    assert first.payload["cache"]["computed"] == 3
    files = sorted(p.name for p in (cache / "results").glob("*.json"))
    assert [f.split("-quick")[0] for f in files] == ["JOBS-A", "JOBS-B", "JOBS-C"]
    with cf.ThreadPoolExecutor(2) as pool:
        again = verify(claims, seed=1, cache_dir=cache, executor=pool)
    assert again.payload["cache"]["hits"] == 3
    seq = verify(claims, seed=1, cache_dir=cache)
    assert seq.payload["cache"]["hits"] == 3
    assert _without_seconds(again.results, "cached") == _without_seconds(first.results, "cached")
    assert [r["cached"] for r in again.results] == [True] * 3


def test_on_result_is_called_in_claim_order(plugin):
    seen = []
    with cf.ThreadPoolExecutor(3) as pool:
        verify(load_plugin(plugin), executor=pool, on_result=lambda r: seen.append(r["id"]))
    assert seen == ["JOBS-A", "JOBS-B", "JOBS-C"]


# verify --jobs 2 on real worker processes (registry and plugin claims by reference) is
# tests/test_dask_cli.py::test_verify_jobs_2_equals_sequential: one pool start for both.


def test_a_worker_with_another_claim_under_the_same_id_refuses_it(plugin):
    from adamtheory.report.verify import _claim_ref, _run_ref

    claim = load_plugin(plugin)[0]
    ref = _claim_ref(claim)
    assert ref == ("plugin", str(Path(plugin).resolve()), "JOBS-A")
    changed = {**claim.describe(), "statement": "E[U] <= 2"}  # the worker's code differs
    with pytest.raises(ValueError, match="'JOBS-A' differs in the worker"):
        _run_ref(ref, changed, ("quick", 0, "numpy"))
    assert _run_ref(ref, claim.describe(), ("quick", 0, "numpy"))["id"] == "JOBS-A"


class InlineExecutor(cf.Executor):
    """Runs each task at submit, in this process, through pickling as a process pool would."""

    def submit(self, fn, /, *args, **kwargs):
        import pickle

        fn, args = pickle.loads(pickle.dumps((fn, args)))  # what a process pool sends
        future = cf.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_by_reference_claims_and_local_claims_mix_in_claim_order(plugin):
    from adamtheory.report.verify import _claim_ref

    local = _local_claim()
    assert _claim_ref(local) is None  # its module lists no such claim: it runs here
    assert _claim_ref(select_claims(["ADAM-REF"])[0]) == ("registry", "", "ADAM-REF")
    claims = [local, *select_claims(["ADAM-REF"]), *load_plugin(plugin)]
    seq = verify(claims, seed=6)
    par = verify(claims, seed=6, executor=InlineExecutor())
    assert [r["id"] for r in par.results] == [
        "JOBS-LOCAL",
        "ADAM-REF",
        "JOBS-A",
        "JOBS-B",
        "JOBS-C",
    ]
    assert _without_seconds(par.results) == _without_seconds(seq.results)
