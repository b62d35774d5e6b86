"""Run claims (the registry's, a plugin's, or a user's own) and write the report.

:func:`verify` is what ``adamtheory verify`` does, as a library call: each claim is run (or
loaded from the result cache), judged by its rule, its sensitivity entries are judged by the
same rule, and the results are returned and, with ``out``, written as results.json,
report.md, report.html and figures/.

Plugins: :func:`load_plugin` imports a module and returns its module-level ``CLAIMS``
sequence; :func:`entry_point_claims` collects the claims that installed packages expose
through the entry-point group ``adamtheory.claims`` (each entry point names a module or a
sequence of claims).

Before any computation, :func:`~adamtheory.report.preflight.check_output` proves each output
path writable and :func:`~adamtheory.report.preflight.plan_backend` resolves the backend once,
recording a fallback instead of warning at every kernel call.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..claims.base import PROFILES, VERDICTS, Claim, ClaimResult, run_claim
from .preflight import BACKENDS, BackendPlan, BackendUnavailable, check_output, plan_backend

__all__ = [
    "BACKENDS",
    "ENTRY_POINT_GROUP",
    "BackendPlan",
    "BackendUnavailable",
    "Verification",
    "check_output",
    "entry_point_claims",
    "load_plugin",
    "plan_backend",
    "select_claims",
    "verify",
]

#: The entry-point group through which a package exposes claims to ``adamtheory verify``.
ENTRY_POINT_GROUP = "adamtheory.claims"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` returns: the results (JSON form, annotated) and the payload."""

    results: tuple[dict[str, Any], ...]
    payload: dict[str, Any]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.payload["summary"])

    @property
    def weak(self) -> tuple[str, ...]:
        """Ids of the claims with an undetected required perturbation."""
        return tuple(r["id"] for r in self.results if r.get("weak"))

    def claim_results(self) -> list[ClaimResult]:
        return [ClaimResult.from_json(r) for r in self.results]

    def exit_status(self, *, strict: bool = False) -> int:
        """0 when no claim fails or errors (and, with ``strict``, none is weak); else 1."""
        bad = self.counts["fail"] or self.counts["error"] or (strict and self.weak)
        return 1 if bad else 0


def _check_claims(claims: Iterable[Any], origin: str) -> list[Claim]:
    out = list(claims)
    for c in out:
        if not isinstance(c, Claim):
            raise TypeError(
                f"{origin}: every entry must be an adamtheory.Claim; got {type(c).__name__}"
            )
    return out


def _import(module: str) -> Any:
    """Import a dotted module path, or a ``.py`` file by its path."""
    if module.endswith(".py"):
        path = Path(module)
        if not path.is_file():
            raise FileNotFoundError(f"no such file {module}")
        name = f"adamtheory_plugin_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = mod  # dataclasses and pickling look their module up here
        try:
            spec.loader.exec_module(mod)  # type: ignore[union-attr]
        except BaseException:
            del sys.modules[name]
            raise
        return mod
    return importlib.import_module(module)


def load_plugin(module: str) -> list[Claim]:
    """The claims of plugin ``module``: an importable module path (``my_pkg.claims``) or a
    ``.py`` file path, whose module-level ``CLAIMS`` is a sequence of claims."""
    if not isinstance(module, str) or not module.strip():
        raise ValueError(f"plugin must be an importable module path or a .py file; got {module!r}")
    try:
        mod = _import(module)
    except Exception as exc:  # noqa: BLE001 - any import failure is the user's plugin's
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise ValueError(f"plugin {module!r} cannot be imported ({reason})") from None
    claims = getattr(mod, "CLAIMS", None)
    if claims is None or isinstance(claims, (str, bytes)) or not isinstance(claims, Sequence):
        raise ValueError(
            f"plugin {module!r} has no module-level CLAIMS sequence of adamtheory.Claim"
        )
    return _check_claims(claims, f"plugin {module!r} CLAIMS")


def entry_point_claims() -> list[Claim]:
    """Claims exposed by installed packages in the entry-point group ``adamtheory.claims``."""
    from importlib.metadata import entry_points

    out: list[Claim] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001
            raise ValueError(
                f"entry point {ep.name!r} ({ep.value}) in group "
                f"{ENTRY_POINT_GROUP} cannot be loaded ({type(exc).__name__}: "
                f"{exc})"
            ) from None
        if inspect.ismodule(obj):
            out += load_plugin(obj.__name__)
        else:
            claims = obj() if callable(obj) else obj
            out += _check_claims(claims, f"entry point {ep.name!r}")
    return out


def select_claims(
    ids: Sequence[str] | None = None,
    *,
    plugins: Sequence[str] = (),
    registry: bool = True,
    entry_points: bool = True,
) -> list[Claim]:
    """The claims ``adamtheory verify`` runs: registry + entry points + plugins, by id.

    Raises ``ValueError`` naming the offending id when an id is unknown or two claims share
    one.
    """
    from ..claims import REGISTRY

    pool = list(REGISTRY) if registry else []
    if entry_points:
        pool += entry_point_claims()
    for module in plugins:
        pool += load_plugin(module)
    seen: dict[str, Claim] = {}
    for c in pool:
        key = c.id.lower()
        if key in seen and seen[key] is not c:
            raise ValueError(f"two claims have the id {c.id!r}; ids must be unique")
        seen[key] = c
    if not ids:
        if not seen:
            raise ValueError("no claims to run (the registry is off and no plugin was given)")
        return list(seen.values())
    chosen, unknown = [], []
    for i in ids:
        c = seen.get(str(i).lower())
        if c is None:
            unknown.append(str(i))
        elif c not in chosen:
            chosen.append(c)
    if unknown:
        raise ValueError(
            f"unknown claim id(s) {', '.join(unknown)}; known: "
            f"{', '.join(c.id for c in seen.values())}"
        )
    return chosen


def _module_digest(claim: Claim) -> str:
    """A digest of the source of the module that defines a claim outside the package."""
    fn = claim.evaluate or claim.check
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    if module is None or (module.__name__ or "").startswith("adamtheory."):
        return ""
    try:
        return hashlib.sha256(inspect.getsource(module).encode()).hexdigest()[:20]
    except (OSError, TypeError):
        return "unhashable"  # e.g. defined in a notebook: never share a cache entry


def _check_jobs(jobs: Any) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"jobs must be a positive integer; got {jobs!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be a positive integer (>= 1); got {jobs}")
    return jobs


def _run_one(claim: Claim, profile: str, seed: int, backend: str) -> dict[str, Any]:
    """``run_claim(...).to_json()``, quiet about backend fallbacks (the plan recorded them)."""
    with warnings.catch_warnings():
        # the plan recorded the fallback once; each kernel call would repeat it
        warnings.filterwarnings("ignore", message="backend=", category=RuntimeWarning)
        result = run_claim(claim, profile=profile, seed=seed, backend=backend)
    return result.to_json()


def _claim_ref(claim: Claim) -> tuple[str, str, str] | None:
    """How a worker process rebuilds ``claim``: ``(kind, where, id)``, or None if it cannot.

    Claims hold lambdas (not picklable), so they travel by reference: the registry's by id,
    a plugin's by its module (dotted path, or the ``.py`` file ``load_plugin`` imported) and id.
    """
    from ..claims import REGISTRY

    if any(c is claim for c in REGISTRY):
        return ("registry", "", claim.id)
    fn = claim.evaluate or claim.check
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    if module is None or not isinstance(getattr(module, "CLAIMS", None), Sequence):
        return None
    if not any(c is claim for c in module.CLAIMS):
        return None
    name = module.__name__ or ""
    if name.startswith("adamtheory_plugin_") and getattr(module, "__file__", None):
        return ("plugin", str(Path(module.__file__).resolve()), claim.id)
    if name != "__main__" and importlib.util.find_spec(name) is not None:
        return ("plugin", name, claim.id)
    return None


def _run_ref(
    ref: tuple[str, Any, str], description: dict[str, Any], task: tuple[str, int, str]
) -> dict[str, Any]:
    """Worker side of ``verify(jobs=N)``: rebuild the claim from ``ref`` and run it."""
    kind, where, claim_id = ref
    if kind == "object":
        profile, seed, backend = task
        return _run_one(where, profile, seed, backend)
    if kind == "registry":
        from ..claims import REGISTRY

        pool: Sequence[Claim] = REGISTRY
    else:
        pool = load_plugin(where)
    claim = next((c for c in pool if c.id == claim_id), None)
    if claim is None or claim.describe() != description:
        # a worker with other code than the client would compute another claim's numbers;
        # a ValueError, so the command line reports it in one line (exit 2)
        raise ValueError(
            f"claim {claim_id!r} differs in the worker ({kind} {where or 'registry'}); "
            "install the same adamtheory and plugins on every worker"
        )
    profile, seed, backend = task
    return _run_one(claim, profile, seed, backend)


def _run_parallel(
    selected: Sequence[Claim],
    *,
    key_of: Callable[[Claim], tuple[dict[str, Any], bool]],
    load: Callable[[dict[str, Any]], dict[str, Any] | None],
    keep: Callable[[Claim, dict[str, Any], dict[str, Any]], None],
    run: Callable[[Claim], dict[str, Any]],
    task: tuple[str, int, str],
    jobs: int,
    executor: Any,
    wrap: Callable[..., Any],
) -> Iterable[dict[str, Any]]:
    """Annotated results in the order of ``selected``; misses computed on the executor.

    Cache lookups and writes stay in this process (one writer per entry); only the claims
    themselves run in the workers.
    """
    import concurrent.futures as cf
    import contextlib
    import functools

    from ..kernels.executors import imap_chunks, make_executor
    from . import annotate

    keys, found, remote, local = [], {}, [], []
    threads = isinstance(executor, cf.ThreadPoolExecutor)
    for i, claim in enumerate(selected):
        key, hashable = key_of(claim)
        keys.append((key, hashable))
        data = load(key) if hashable else None
        if data is not None:
            found[i] = annotate(data, cached=True)
            continue
        # threads share this process: the claim itself is passed; other executors get a
        # reference the worker rebuilds the claim from
        ref = ("object", claim, claim.id) if threads else _claim_ref(claim)
        if ref is None:
            local.append(i)
        else:
            remote.append((i, ref))

    def finish(i: int, data: dict[str, Any]) -> None:
        key, hashable = keys[i]
        if hashable:
            keep(selected[i], key, data)
        found[i] = annotate(data, cached=False)

    bar = wrap(range(len(selected)), desc="claims", unit="claim")
    ticks = iter(bar)
    emitted = 0

    def ready() -> Iterable[dict[str, Any]]:
        nonlocal emitted
        while emitted in found:
            next(ticks, None)
            yield found[emitted]
            emitted += 1

    yield from ready()
    with contextlib.ExitStack() as stack:
        if remote and executor is None:
            executor = stack.enter_context(make_executor("processes", workers=jobs))
        if remote:
            jobs_of = [(ref, selected[i].describe()) for i, ref in remote]
            fn = functools.partial(_apply_ref, task=task)
            stream = imap_chunks(fn, jobs_of, executor, max_in_flight=max(jobs, len(remote)))
            for j, data in stream:
                finish(remote[j][0], data)
                yield from ready()
        for i in local:
            finish(i, run(selected[i]))
            yield from ready()
    for _ in ticks:  # close the bar
        pass


def _apply_ref(item: tuple[tuple[str, Any, str], dict[str, Any]], *, task: Any) -> dict[str, Any]:
    ref, description = item
    return _run_ref(ref, description, task)


def verify(
    claims: Sequence[Claim] | None = None,
    *,
    profile: str = "quick",
    seed: int = 0,
    backend: str = "auto",
    out: str | Path | None = None,
    json_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    force: bool = False,
    progress: Callable[..., Any] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    strict_backend: bool = False,
    on_backend: Callable[[BackendPlan], None] | None = None,
    jobs: int = 1,
    executor: Any = None,
) -> Verification:
    """Run claims, judge them and their sensitivity entries, and write the report.

    Parameters
    ----------
    claims : sequence of Claim, optional
        What to run; default: the registry (and the claims of installed entry points).
    profile : {"quick", "full"}
    seed : int
        Root seed (non-negative); each claim draws its own stream from (seed, claim id).
    backend : {"auto", "numpy", "numba", "cupy"}
        Passed to each claim (``ctx.backend``). ``numba``: sweeps on the Numba CPU kernel,
        array kernels on NumPy. A ``cupy`` request without CuPy or a GPU falls back to
        NumPy (sweeps: Numba), recorded in ``environment["fallback"]`` and warned about once.
    out : path, optional
        Directory for results.json, report.md, report.html and figures/.
    json_path : path, optional
        Also write the results as one JSON file.
    cache_dir : path, optional
        Result cache directory; ``None`` (the default here) runs everything afresh. Claims
        defined outside importable modules (e.g. in a notebook) are never cached.
    force : bool
        Recompute (and refresh the cache).
    progress : callable, optional
        ``iterable -> iterable`` wrapper (e.g. a tqdm factory).
    on_result : callable, optional
        Called with each result as soon as it is done (the CLI prints its row).
    strict_backend : bool
        Raise :class:`BackendUnavailable` (a ``ValueError``) instead of falling back.
    on_backend : callable, optional
        Called with the :class:`BackendPlan` before the first claim runs (the CLI prints a
        fallback in one line); without it, a fallback is one ``RuntimeWarning``.
    jobs : int
        Claims run at the same time (>= 1). ``1`` (default) runs them one after the other in
        this process; ``N > 1`` without ``executor`` starts a pool of N worker processes.
        Each claim keeps its own seed stream (from the root seed and its id) and its own cache
        entry, so the results equal the sequential ones (only ``seconds`` differs); results
        are reported, cached and written in the order of ``claims``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the claims instead (e.g. a Dask cluster; see docs/scale.md). Claims are
        sent by reference (registry id, or plugin module and id) and rebuilt in the worker;
        a claim defined where a worker cannot import it (a notebook, ``__main__``) runs in
        this process.

    Returns
    -------
    Verification
    """
    from ..kernels import environment
    from . import ResultCache, annotate, cache_key, render_all, source_digest, write_report

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}; got {profile!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    jobs = _check_jobs(jobs)
    selected = select_claims() if claims is None else _check_claims(claims, "claims")
    if not selected:
        raise ValueError("claims must name at least one claim; got an empty sequence")
    # fail before hours of work, not after; the targets themselves are not touched
    if json_path is not None:
        check_output(json_path, "json_path")
    if out is not None:
        check_output(out, "out", directory=True)
    plan = plan_backend(backend, strict=strict_backend)
    if on_backend is not None:
        on_backend(plan)
    elif plan.fallback is not None:
        warnings.warn(plan.summary(), RuntimeWarning, stacklevel=2)
    env = environment(plan.array, plan.device) | {
        "backend_requested": plan.requested,
        "sweep_backend": plan.sweep,
        "backend_used": {"array": plan.array, "sweep": plan.sweep},
        "fallback": plan.fallback,
        **_versions("matplotlib", "tqdm"),
        "source_digest": source_digest(),
    }
    backends = {
        "requested": backend,
        "array": plan.array,
        "device": plan.device,
        "sweep": plan.sweep,
    }
    cache = None if cache_dir is None else ResultCache(Path(cache_dir))
    wrap = progress or (lambda items, **kw: items)
    results: list[dict[str, Any]] = []
    start = time.perf_counter()

    def key_of(claim: Claim) -> tuple[dict[str, Any], bool]:
        extra = _module_digest(claim)
        key = cache_key(
            claim.describe(),
            profile=profile,
            seed=seed,
            backend=backends,
            environment=env,
            source=env["source_digest"] + extra,
        )
        return key, extra != "unhashable"

    def keep(claim: Claim, key: dict[str, Any], data: dict[str, Any]) -> None:
        nonlocal cache
        # a crash is not a result worth keeping: it is retried on the next run
        if cache is None or data["verdict"] == "error":
            return
        try:
            cache.store(key, data)
        except OSError as exc:
            print(
                f"warning: result cache disabled, cannot write "
                f"{exc.filename or cache.directory}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            cache = None

    if jobs == 1 and executor is None:
        bar = wrap(selected, desc="claims", unit="claim")
        for claim in bar:
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(claim.id)
            key, hashable = key_of(claim)
            usable = cache if hashable else None
            data = usable.load(key) if usable is not None and not force else None
            cached = data is not None
            if data is None:
                data = _run_one(claim, profile, seed, backend)
                if usable is not None:
                    keep(claim, key, data)
            data = annotate(data, cached=cached)
            results.append(data)
            if on_result is not None:
                on_result(data)
    else:
        for data in _run_parallel(
            selected,
            key_of=key_of,
            load=lambda key: None if cache is None or force else cache.load(key),
            keep=keep,
            run=lambda claim: _run_one(claim, profile, seed, backend),
            task=(profile, seed, backend),
            jobs=jobs,
            executor=executor,
            wrap=wrap,
        ):
            results.append(data)
            if on_result is not None:
                on_result(data)
    total = time.perf_counter() - start
    counts = {v: sum(r["verdict"] == v for r in results) for v in VERDICTS}
    hits = sum(r["cached"] for r in results)
    payload = {
        "profile": profile,
        "seed": seed,
        "summary": counts,
        "weak": [r["id"] for r in results if r.get("weak")],
        "claims": results,
        "environment": env,
        "total_seconds": round(total, 3),
        "created": _now(),
        "cache": {
            "enabled": cache_dir is not None,
            "directory": None if cache_dir is None else str(cache_dir),
            "writable": cache is not None,
            "forced": bool(force),
            "hits": hits,
            "computed": len(results) - hits,
        },
    }
    if out is not None:
        # drawn from the results' values, so cached results get their figures too
        images = render_all(
            results,
            {c.id: c.figure for c in selected},
            lambda items: wrap(items, desc="figures", unit="figure"),
        )
        write_report(payload, images, Path(out))
    if json_path is not None:
        import json

        from .._files import atomic_write_text

        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False))
    return Verification(tuple(results), payload)


def _versions(*packages: str) -> dict[str, str]:
    from importlib import metadata

    out = {}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")
