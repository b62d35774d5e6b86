r"""One seam for scale-out: map a pure chunk function over an executor.

Every chunked loop of the library (the (β1, β2) sweeps, drift estimates, finite-sum and
own-problem sweeps, phase diagrams, O2NC batches, the claims of ``verify``) can hand its chunks
to :func:`map_chunks`, which runs them

* in-process, one after the other (``executor=None``, the default: exactly today's behaviour,
  and Dask is never imported);
* on any :class:`concurrent.futures.Executor` (threads or processes);
* on a ``dask.distributed.Client`` (a ``LocalCluster`` on a workstation, or a cluster started by
  ``dask-jobqueue``), imported only when such a client is passed.

A chunk is a pure function of its arguments: for the sweeps these are the β slice, the
configuration and the *global* trajectory ids, from which :mod:`~adamtheory.kernels.sampling`
derives every random number. So a chunk computes the same bits wherever and whenever it runs,
and results are identical to the in-process run whatever the chunking and the worker count.

:func:`add_scheduler_arguments` and :func:`executor_from_args` give the command-line
subcommands the options ``--scheduler {local,processes,dask}``, ``--dask-address ADDR`` and
``--workers N``.

Numba threads per worker. The fused kernels parallelise over grid points with Numba's
``prange``; W worker processes on a machine with C cores would each start C Numba threads
(W·C threads fighting for C cores). The executors made here therefore give each worker process
one task slot and ``max(1, C // W)`` Numba threads (``NUMBA_NUM_THREADS`` in the worker's
environment, and :func:`numba.set_num_threads` in the executing thread). Results do not depend
on the thread count (each grid point is one independent iteration of the ``prange`` loop). On
a remote cluster (``--dask-address``) the workers' environment is the cluster's: start them
with ``--nthreads 1`` and ``NUMBA_NUM_THREADS`` = cores per worker (see docs/scale.md).

This module never imports SymPy, matplotlib or (until asked) Dask.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import functools
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__all__ = [
    "DASK_EXTRA_HINT",
    "SCHEDULER_CHOICES",
    "SchedulerUnavailable",
    "add_scheduler_arguments",
    "executor_from_args",
    "imap_chunks",
    "is_dask_client",
    "make_executor",
    "map_chunks",
    "numba_threads_per_worker",
]

#: Values of ``--scheduler``: in-process loop, a local process pool, a Dask cluster.
SCHEDULER_CHOICES = ("local", "processes", "dask")

#: How to get Dask; quoted in the error raised when it is missing.
DASK_EXTRA_HINT = 'pip install "adamtheory[dask]"'

#: Seconds to wait for a scheduler at ``--dask-address`` before giving up (one-line error).
CONNECT_TIMEOUT_S = 3.0

_ADDRESS = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?[^\s:/]+(?::\d{1,5})?/?$")


class SchedulerUnavailable(ValueError):
    """The requested scheduler cannot be used (Dask missing, address unreachable).

    A ``ValueError`` so the command line reports it as one line and exits with status 2.
    """


def is_dask_client(executor: Any) -> bool:
    """True when ``executor`` is a ``dask.distributed.Client`` (checked without importing Dask)."""
    module = type(executor).__module__ or ""
    return module.split(".")[0] == "distributed" and hasattr(executor, "gather")


def _check_executor(executor: Any) -> str:
    if executor is None:
        return "local"
    if isinstance(executor, cf.Executor):
        return "futures"
    if is_dask_client(executor):
        return "dask"
    raise TypeError(
        "executor must be None, a concurrent.futures.Executor or a dask.distributed.Client; "
        f"got {type(executor).__name__}"
    )


def _progress_bar(progress: Any, total: int | None) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm

    desc = progress if isinstance(progress, str) else "chunks"
    return tqdm(total=total, desc=desc, unit="chunk")


def imap_chunks(
    fn: Callable[[Any], Any],
    chunks: Iterable[Any],
    executor: Any = None,
    *,
    max_in_flight: int | None = None,
    progress: bool | str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, fn(chunk))`` for every chunk, in completion order.

    The streaming form of :func:`map_chunks`: a caller that writes each result away (e.g. to
    Zarr, :mod:`adamtheory.kernels.store`) never holds more than ``max_in_flight`` results.

    Parameters
    ----------
    fn : callable
        Pure function of one chunk. For a process pool it must be picklable (a module-level
        function or a :func:`functools.partial` of one); Dask also accepts closures.
    chunks : iterable
        Chunk arguments, consumed lazily (at most ``max_in_flight`` submitted ahead).
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where to run. ``None`` runs in this process, in order.
    max_in_flight : int, optional
        Most chunks submitted and not yet yielded (default: 4 per worker, at least 8).
    progress : bool or str, optional
        A tqdm bar over chunks (a string is its description).

    Raises
    ------
    Exception
        The first exception raised by ``fn``; chunks not yet started are cancelled.
    """
    kind = _check_executor(executor)
    if max_in_flight is not None:
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int):
            raise TypeError("max_in_flight must be a positive integer")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be a positive integer; got {max_in_flight}")
    total = len(chunks) if isinstance(chunks, Sequence) else None
    bar = _progress_bar(progress, total)
    try:
        if kind == "local":
            for i, chunk in enumerate(chunks):
                out = fn(chunk)
                if bar is not None:
                    bar.update(1)
                yield i, out
            return
        window = max_in_flight or max(8, 4 * _worker_count(executor, kind))
        yield from _windowed(fn, enumerate(chunks), executor, kind, window, bar)
    finally:
        if bar is not None:
            bar.close()


def _worker_count(executor: Any, kind: str) -> int:
    if kind == "dask":
        try:
            return max(1, sum(executor.nthreads().values()))
        except Exception:  # a client that cannot answer still runs tasks
            return 1
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


#: Arrays bound in a ``functools.partial`` larger than this are sent to Dask workers once.
SCATTER_BYTES = 1 << 20


def _scatter_partial(fn: Callable[[Any], Any], client: Any) -> tuple[Any, tuple]:
    """``(func, args)`` for Dask, with the partial's large positional arrays scattered once.

    The sweeps pass ``partial(chunk_fn, kernel, flat_beta1, flat_beta2, config)``; submitting
    that partial would serialise the whole flattened grid into every task. Futures given as
    top-level arguments of ``submit`` are resolved on the worker, so each array travels once.
    """
    if not isinstance(fn, functools.partial):
        return fn, ()

    def big(value: Any) -> bool:
        return isinstance(getattr(value, "nbytes", None), int) and value.nbytes > SCATTER_BYTES

    args = tuple(client.scatter(a, hash=False) if big(a) else a for a in fn.args)
    # keywords stay bound (submit resolves only positional futures, and has keywords of its
    # own such as ``key`` and ``workers`` that a chunk function's must not collide with)
    func = functools.partial(fn.func, **fn.keywords) if fn.keywords else fn.func
    return func, args


def _windowed(
    fn: Callable[[Any], Any],
    items: Iterator[tuple[int, Any]],
    executor: Any,
    kind: str,
    window: int,
    bar: Any,
) -> Iterator[tuple[int, Any]]:
    """Keep at most ``window`` chunks in flight; yield each result as it completes."""
    if kind == "dask":
        from distributed import as_completed

        # one as_completed for the whole map: a new one per wait costs a scheduler round trip
        finished = as_completed()
        func, args = _scatter_partial(fn, executor)

        def submit(chunk: Any) -> Any:
            # pure=False: the key must not depend on hashing big chunk arguments, and a
            # resubmitted chunk (resume) is computed, not fetched from a stale key.
            fut = executor.submit(func, *args, chunk, pure=False)
            finished.add(fut)
            return fut

        def wait_some(pending: set[Any]) -> list[Any]:
            return [f for f in finished.next_batch(block=True) if f in pending]

        def fetch(futures: list[Any]) -> list[Any]:
            return executor.gather(futures)  # one round trip for the batch; raises fn's error

    else:

        def submit(chunk: Any) -> Any:
            return executor.submit(fn, chunk)

        def wait_some(pending: set[Any]) -> list[Any]:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            return list(done)

        def fetch(futures: list[Any]) -> list[Any]:
            return [f.result() for f in futures]

    pending: dict[Any, int] = {}
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                try:
                    i, chunk = next(items)
                except StopIteration:
                    exhausted = True
                    break
                pending[submit(chunk)] = i
            if not pending:
                return
            # yield in index order within a batch, so in-process and pooled runs see the
            # same order whenever the pool finishes chunks in order
            done = sorted(wait_some(set(pending)), key=pending.__getitem__)
            for fut, out in zip(done, fetch(done), strict=True):
                i = pending.pop(fut)
                if bar is not None:
                    bar.update(1)
                yield i, out
    finally:
        for fut in pending:
            fut.cancel()


def map_chunks(
    fn: Callable[[Any], Any],
    chunks: Iterable[Any],
    executor: Any = None,
    *,
    progress: bool | str | None = None,
    max_in_flight: int | None = None,
) -> list[Any]:
    """``[fn(c) for c in chunks]``, computed on ``executor``, returned in chunk order.

    Parameters
    ----------
    fn : callable
        Pure function of one chunk (see :func:`imap_chunks` for picklability).
    chunks : iterable
        Chunk arguments.
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        ``None`` (default) is the in-process loop; Dask is imported only for a Dask client.
    progress : bool or str, optional
        tqdm bar over chunks.
    max_in_flight : int, optional
        Most chunks submitted ahead of the results collected.

    Returns
    -------
    list
        ``fn(chunk)`` for each chunk, in the order of ``chunks`` whatever the completion order.

    Examples
    --------
    >>> map_chunks(abs, [-1, 2, -3])
    [1, 2, 3]
    """
    results: dict[int, Any] = {}
    for i, out in imap_chunks(fn, chunks, executor, max_in_flight=max_in_flight, progress=progress):
        results[i] = out
    return [results[i] for i in range(len(results))]


def numba_threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Numba threads for each of ``workers`` processes sharing ``cores`` cores: max(1, C // W)."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, cores // max(1, workers))


def _limit_numba_threads(threads: int) -> None:
    """Process-pool initializer: cap Numba's threads in this worker (before or after import)."""
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    import sys

    numba = sys.modules.get("numba")
    if numba is not None:  # already imported (e.g. by a fork): cap the running pool
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def _import_distributed() -> Any:
    try:
        import dask.distributed as distributed
    except ImportError as exc:
        raise SchedulerUnavailable(
            f"--scheduler dask needs Dask, which is not installed ({exc.msg}); "
            f"install it with: {DASK_EXTRA_HINT}"
        ) from None
    return distributed


def _check_workers(workers: Any, name: str = "workers") -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"{name} must be a positive integer; got {workers!r}")
    if workers < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1); got {workers}")
    return workers


@contextlib.contextmanager
def make_executor(
    scheduler: str = "local",
    *,
    address: str | None = None,
    workers: int | None = None,
    numba_threads: int | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
) -> Iterator[Any]:
    """Context manager yielding the executor for ``scheduler``; it is shut down on exit.

    Parameters
    ----------
    scheduler : {"local", "processes", "dask"}
        ``"local"`` yields ``None`` (in-process); ``"processes"`` a spawn-based
        :class:`~concurrent.futures.ProcessPoolExecutor`; ``"dask"`` a
        ``dask.distributed.Client``, connected to ``address`` or to a new ``LocalCluster``.
    address : str, optional
        Scheduler address (``tcp://host:8786``); only with ``scheduler="dask"``.
    workers : int, optional
        Worker processes for ``"processes"`` and the ``LocalCluster`` (default: the cores).
    numba_threads : int, optional
        Numba threads in each worker process (default
        :func:`numba_threads_per_worker`: the cores divided among the workers).
    connect_timeout : float
        Seconds to wait for the scheduler at ``address``.

    Raises
    ------
    SchedulerUnavailable
        Dask is not installed, or no scheduler answers at ``address`` within the timeout.
    ValueError, TypeError
        An unknown scheduler, a malformed address, ``workers < 1``.
    """
    if scheduler not in SCHEDULER_CHOICES:
        raise ValueError(
            f"scheduler must be one of {', '.join(SCHEDULER_CHOICES)}; got {scheduler!r}"
        )
    workers = _check_workers(workers)
    numba_threads = _check_workers(numba_threads, "numba_threads")
    if address is not None and scheduler != "dask":
        raise ValueError("--dask-address needs --scheduler dask")
    if scheduler == "local":
        yield None
        return
    count = workers or (os.cpu_count() or 1)
    threads = numba_threads or numba_threads_per_worker(count)
    if scheduler == "processes":
        # spawn, not fork: forking a process whose Numba/OpenMP threads are running is unsafe
        pool = cf.ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_limit_numba_threads,
            initargs=(threads,),
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    distributed = _import_distributed()
    if address is not None:
        address = _check_address(address)
        try:
            client = distributed.Client(address, timeout=f"{connect_timeout}s")
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnavailable(
                f"--dask-address {address}: no Dask scheduler answered within "
                f"{connect_timeout:g} s ({type(exc).__name__}); nothing was computed"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = distributed.LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        # Nanny env reaches the worker process before Numba is imported there
        env={"NUMBA_NUM_THREADS": str(threads)},
    )
    try:
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _check_address(address: Any) -> str:
    if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
        raise ValueError(
            f"--dask-address must look like tcp://HOST:PORT (e.g. tcp://10.0.0.1:8786); "
            f"got {address!r}"
        )
    return address.strip()


def add_scheduler_arguments(parser: argparse.ArgumentParser, *, workers: bool = True) -> None:
    """Add ``--scheduler``, ``--dask-address`` and (optionally) ``--workers`` to ``parser``."""
    group = parser.add_argument_group("scale-out (docs/scale.md)")
    group.add_argument(
        "--scheduler",
        choices=SCHEDULER_CHOICES,
        default="local",
        help="where chunks run: in this process (local, default), a local process pool "
        "(processes), or a Dask cluster (dask; needs the [dask] extra)",
    )
    group.add_argument(
        "--dask-address",
        metavar="ADDR",
        default=None,
        help="scheduler of a running Dask cluster (tcp://HOST:PORT); without it "
        "--scheduler dask starts a LocalCluster on this machine",
    )
    if workers:
        group.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help="worker processes for --scheduler processes or the LocalCluster "
            "(default: the number of cores)",
        )


def executor_from_args(args: argparse.Namespace, *, workers: int | None = None) -> Any:
    """:func:`make_executor` from parsed arguments (``scheduler``, ``dask_address``, ``workers``).

    ``workers`` overrides ``args.workers`` (``verify`` passes ``args.jobs``; it is then checked
    under the name ``jobs``). Use as ``with executor_from_args(args) as executor: ...``.
    """
    if workers is not None:
        _check_workers(workers, "jobs")
    return make_executor(
        getattr(args, "scheduler", "local") or "local",
        address=getattr(args, "dask_address", None),
        workers=workers if workers is not None else getattr(args, "workers", None),
    )
