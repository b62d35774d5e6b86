r"""Sweeps larger than memory: write a (β1, β2) sweep to Zarr block by block, and resume.

:func:`zarr_sweep` runs the same trajectories as
:func:`~adamtheory.kernels.sweeps.divergence_sweep` (Adam on the one-big-gradient
counterexample, docs/theory §1 and §3,
:math:`m_t=\beta_1 m_{t-1}+(1-\beta_1)g_t,\ v_t=\beta_2 v_{t-1}+(1-\beta_2)g_t^2,\
x_{t+1}=x_t-\alpha_t\,\hat m_t/(\sqrt{\hat v_t}+\epsilon)`) but cuts the β1 axis into blocks of
rows and writes each finished block into a Zarr store through xarray
(``Dataset.to_zarr(region=...)``). The client never holds more than a few blocks, and the
blocks can run on any executor of :mod:`~adamtheory.kernels.executors` (processes, Dask).

Bit-identical by construction: grid point ``(i, j, r)`` is trajectory
``(i · n2 + j) · R + r``, the same global id as in ``divergence_sweep``; a block of rows
``i0:i1`` is the contiguous id range ``[i0 · n2 · R, i1 · n2 · R)``, so every number is the
one the in-memory sweep computes, whatever the block size, the worker count or the order.

Resume: the store holds a ``block_done`` flag per block, written only after the block's data.
Calling :func:`zarr_sweep` again on the same path (same grid and configuration, checked)
computes only the blocks whose flag is unset; an interrupted sweep therefore completes and
equals the uninterrupted one. A block interrupted mid-write has no flag and is recomputed.

Needs the ``[dask]`` extra (zarr and dask): ``pip install "adamtheory[dask]"``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_int
from .counterexample import SweepConfig
from .executors import DASK_EXTRA_HINT, imap_chunks
from .runner import environment
from .sampling import trajectory_keys
from .sweeps import _axis, _select

__all__ = ["STORE_FORMAT", "store_status", "zarr_sweep"]

#: Layout version of the store (bump when the layout changes; older stores are refused).
STORE_FORMAT = 1

# Output variables of the sweep kernels and their dtypes (counterexample.sweep_reference).
_VARIABLES = {
    "status": np.int64,
    "diverged_at": np.int64,
    "x_final": np.float64,
    "x_half": np.float64,
    "max_abs_x": np.float64,
    "min_grad_norm": np.float64,
}
_DIMS = ("beta1", "beta2", "replicate")


def _kernel(used: str) -> Any:
    """The sweep kernel for a resolved backend (imported in the process that runs it)."""
    if used == "cupy":
        from .cuda_sweep import sweep_cuda

        return sweep_cuda
    if used == "numba":
        from .fused import sweep_numba

        return sweep_numba
    from .counterexample import sweep_reference

    return sweep_reference


def _block(
    used: str,
    b1_axis: np.ndarray,
    b2_axis: np.ndarray,
    replicates: int,
    config: SweepConfig,
    rows: tuple[int, int],
) -> tuple[tuple[int, int], dict[str, np.ndarray]]:
    """Rows ``i0:i1`` of the grid: a pure function of the rows, the axes and the config."""
    i0, i1 = rows
    n2 = b2_axis.size
    g1, g2, _ = np.meshgrid(b1_axis[i0:i1], b2_axis, np.arange(replicates), indexing="ij")
    first = i0 * n2 * replicates
    keys = trajectory_keys(config.seed, np.arange(first, first + g1.size))
    out = _kernel(used)(g1.ravel(), g2.ravel(), config, keys)
    return rows, {name: np.asarray(arr).reshape(g1.shape) for name, arr in out.items()}


def _zarr() -> None:
    try:
        import dask.array  # noqa: F401 - xarray writes the empty template through dask
        import zarr  # noqa: F401
    except ImportError as exc:
        raise ValueError(
            f"a Zarr-backed sweep needs zarr and dask ({exc.msg}); install them with: "
            f"{DASK_EXTRA_HINT}"
        ) from None


def _identity(
    b1_axis: np.ndarray, b2_axis: np.ndarray, replicates: int, config: SweepConfig, rows: int
) -> dict[str, Any]:
    """What a store must match to be resumed (JSON-able; axes as exact float reprs)."""
    return {
        "format": STORE_FORMAT,
        "config": config.as_dict(),
        "beta1": [float.hex(float(b)) for b in b1_axis],
        "beta2": [float.hex(float(b)) for b in b2_axis],
        "replicates": replicates,
        "rows_per_block": rows,
    }


def _create(
    path: Path,
    b1_axis: np.ndarray,
    b2_axis: np.ndarray,
    replicates: int,
    rows: int,
    identity: dict[str, Any],
    attrs: dict[str, Any],
) -> None:
    import dask.array as da

    shape = (b1_axis.size, b2_axis.size, replicates)
    chunks = (rows, b2_axis.size, replicates)
    blocks = -(-b1_axis.size // rows)
    data = {
        name: (_DIMS, da.zeros(shape, dtype=dtype, chunks=chunks))
        for name, dtype in _VARIABLES.items()
    }
    data["block_done"] = (("block",), da.zeros(blocks, dtype=np.int8, chunks=1))
    template = xr.Dataset(
        data,
        coords={"beta1": b1_axis, "beta2": b2_axis, "replicate": np.arange(replicates)},
        attrs={**attrs, "store": json.dumps(identity)},
    )
    # compute=False writes the metadata and the coordinates, not the zeros
    template.to_zarr(path, mode="w", compute=False, consolidated=False)


def store_status(path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(blocks done, blocks in total)`` of a Zarr sweep store at ``path``."""
    _zarr()
    path = Path(path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r} holds no Zarr sweep store")
    with xr.open_zarr(path, consolidated=False) as ds:
        if "block_done" not in ds:
            raise ValueError(f"path {str(path)!r} is not a Zarr sweep store (no block_done)")
        done = ds["block_done"].values
    return int(done.sum()), int(done.size)


def zarr_sweep(
    path: str | os.PathLike[str],
    beta1: Any,
    beta2: Any,
    config: SweepConfig,
    *,
    replicates: int = 1,
    backend: str = "auto",
    rows_per_block: int | None = None,
    executor: Any = None,
    blocks: Sequence[int] | None = None,
    resume: bool = True,
    progress: bool = False,
) -> xr.Dataset:
    r"""Run :func:`~adamtheory.kernels.sweeps.divergence_sweep`'s grid into a Zarr store.

    Parameters
    ----------
    path : path
        Zarr store (a directory). Created if absent; resumed if it holds the same sweep.
    beta1, beta2 : 1-D array_like
        Grid axes in [0, 1).
    config : SweepConfig
        As for ``divergence_sweep`` (seed included).
    replicates : int
        Trajectories per grid point.
    backend : {"auto", "numpy", "numba", "cupy"}
        Sweep kernel (identical results on every backend).
    rows_per_block : int, optional
        β1 rows per block (one Zarr chunk and one task); default: about 2^16 trajectories.
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        Where blocks run (:func:`~adamtheory.kernels.executors.map_chunks`); the client writes.
    blocks : sequence of int, optional
        Compute only these blocks (e.g. to split a sweep across jobs); default: all missing.
    resume : bool
        ``True``: keep the blocks already done. ``False``: overwrite the store.
    progress : bool
        tqdm bar over blocks.

    Returns
    -------
    xarray.Dataset
        The store opened lazily (dask arrays), with the variables of ``divergence_sweep``
        and ``block_done``; ``attrs["blocks_computed"]`` counts the blocks this call computed.

    Raises
    ------
    ValueError
        Bad arguments; zarr/dask missing (naming the extra); a store at ``path`` that holds a
        different sweep (other grid, config, replicates or block size).
    """
    _zarr()
    if not isinstance(config, SweepConfig):
        raise TypeError("config must be a SweepConfig")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a path; got {type(path).__name__}")
    path = Path(path)
    b1_axis, b2_axis = _axis("beta1", beta1), _axis("beta2", beta2)
    replicates = check_int("replicates", replicates, minimum=1)
    per_row = b2_axis.size * replicates
    if rows_per_block is None:
        rows_per_block = max(1, (1 << 16) // per_row)
    rows = check_int("rows_per_block", rows_per_block, minimum=1)
    rows = min(rows, b1_axis.size)
    total = -(-b1_axis.size // rows)
    if blocks is not None:
        wanted = sorted({check_int("blocks", b, minimum=0) for b in blocks})
        if wanted and wanted[-1] >= total:
            raise ValueError(f"blocks must lie in [0, {total - 1}]; got {wanted[-1]}")
    else:
        wanted = list(range(total))
    used = _select(backend, config.n, gpu_kernel=True)
    identity = _identity(b1_axis, b2_axis, replicates, config, rows)
    done = np.zeros(total, dtype=np.int8)
    if resume and path.exists():
        done = _check_store(path, identity)
    else:
        if path.exists() and not (path / "zarr.json").exists() and not (path / ".zgroup").exists():
            if any(path.iterdir()):
                raise ValueError(
                    f"path {str(path)!r} exists and is not a Zarr store; refusing to overwrite"
                )
        _create(
            path,
            b1_axis,
            b2_axis,
            replicates,
            rows,
            identity,
            {
                "config": json.dumps(config.as_dict()),
                "backend": used,
                "backend_requested": backend,
                "environment": json.dumps(environment(used)),
            },
        )
    todo = [b for b in wanted if not done[b]]
    fn = partial(_block, used, b1_axis, b2_axis, replicates, config)
    bounds = [(b * rows, min((b + 1) * rows, b1_axis.size)) for b in todo]
    computed = 0
    for _, ((i0, i1), out) in imap_chunks(
        fn, bounds, executor, progress=progress and f"zarr sweep n={config.n}"
    ):
        if set(out) != set(_VARIABLES):  # a kernel changed its outputs: the layout must follow
            raise RuntimeError(
                f"the sweep kernel returned {sorted(out)}; the Zarr layout has "
                f"{sorted(_VARIABLES)} (update store._VARIABLES and bump STORE_FORMAT)"
            )
        part = xr.Dataset({name: (_DIMS, arr) for name, arr in out.items()})
        # data first, flag second: a flag is only ever set over a complete block
        part.to_zarr(path, region={"beta1": slice(i0, i1)}, consolidated=False)
        b = i0 // rows
        flag = xr.Dataset({"block_done": (("block",), np.ones(1, dtype=np.int8))})
        flag.to_zarr(path, region={"block": slice(b, b + 1)}, consolidated=False)
        computed += 1
    ds = xr.open_zarr(path, consolidated=False)
    ds.attrs["blocks_computed"] = computed
    return ds


def _check_store(path: Path, identity: dict[str, Any]) -> np.ndarray:
    try:
        ds = xr.open_zarr(path, consolidated=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable store is the user's path
        raise ValueError(
            f"path {str(path)!r} cannot be resumed: not a readable Zarr store "
            f"({type(exc).__name__}); pass resume=False to overwrite it"
        ) from None
    with ds:
        stored = json.loads(ds.attrs.get("store", "{}"))
        if stored != identity:
            which = [k for k in identity if stored.get(k) != identity[k]]
            raise ValueError(
                f"path {str(path)!r} holds a different sweep (differs in "
                f"{', '.join(which)}); use another path or resume=False"
            )
        return ds["block_done"].values.astype(np.int8)
