"""Checks made before any computation: output paths writable, backend resolved once.

:func:`check_output` proves a path writable by creating and deleting a temporary file in its
directory (the target itself is never touched: no 0-byte results file when a run is
interrupted). :func:`plan_backend` resolves a backend name once for a whole command, catching
the kernels' fallback ``RuntimeWarning`` into :attr:`BackendPlan.fallback`, so a command reports
a fallback in one line (or refuses it) instead of warning at every kernel call.

Kept light (no claims import): ``adamtheory region`` and ``drift`` use it too.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BACKENDS",
    "BackendPlan",
    "BackendUnavailable",
    "check_output",
    "check_sweep_size",
    "plan_backend",
]

#: Backend names accepted everywhere (library and every CLI subcommand). ``numba`` is a
#: CPU kernel of the sweeps only: array kernels (the runner) use NumPy under it.
BACKENDS = ("auto", "numpy", "numba", "cupy")


@dataclass(frozen=True)
class BackendPlan:
    """The backends a run uses for a requested name, and why it fell back, if it did.

    ``array`` is the runner's array backend (``None`` where a command has no array
    kernels), ``sweep`` the sweep/drift kernel; ``fallback`` is the reason the request
    could not be honoured (``None`` when it was).
    """

    requested: str
    array: str | None
    device: str | None
    sweep: str
    fallback: str | None = None

    @property
    def used(self) -> str:
        """What runs, in words: ``numpy (sweeps: numba)``."""
        return self.sweep if self.array is None else f"{self.array} (sweeps: {self.sweep})"

    def to_json(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "array": self.array,
            "device": self.device,
            "sweep": self.sweep,
            "fallback": self.fallback,
        }

    def summary(self) -> str:
        """The one line the CLI prints for a fallback."""
        hint = "" if self.requested == "auto" else "; --strict-backend makes this an error"
        return f"backend: {self.requested} requested, using {self.used}: {self.fallback}{hint}"


class BackendUnavailable(ValueError):
    """The requested backend is unavailable and a fallback was forbidden."""

    def __init__(self, plan: BackendPlan) -> None:
        super().__init__(
            f"backend={plan.requested!r}: {plan.fallback}; strict_backend "
            f"forbids the fallback to {plan.used}"
        )
        self.plan = plan


def _reasons(caught: list[warnings.WarningMessage]) -> list[str]:
    """The reasons in the kernels' fallback warnings ("backend='cupy': REASON; using ...")."""
    out: list[str] = []
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, RuntimeWarning) and text.startswith("backend="):
            reason = text.split(": ", 1)[-1].split("; ", 1)[0].strip()
            if reason and reason not in out:
                out.append(reason)
    return out


def plan_backend(
    requested: str = "auto",
    *,
    n: int | None = None,
    arrays: bool = True,
    gpu_sweep: bool = True,
    strict: bool = False,
) -> BackendPlan:
    """Resolve ``requested`` once, catching the kernels' fallback warnings into the plan.

    Parameters
    ----------
    requested : {"auto", "numpy", "numba", "cupy"}
        ``numba`` maps to NumPy for the array kernels (it is a sweep kernel).
    n : int, optional
        Components of the sweep (the CUDA sweep kernel has a size limit).
    arrays : bool
        Whether the command runs array kernels (``False``: ``array`` is ``None``).
    gpu_sweep : bool
        Whether the workload has a CUDA kernel (the divergence sweep has; the drift has
        not, so ``cupy`` maps to the Numba kernel there).
    strict : bool
        Raise :class:`BackendUnavailable` instead of falling back (an explicit request only:
        ``auto`` may always choose; its broken-CuPy fallback is recorded all the same).
    """
    from .._validate import check_choice
    from ..kernels import resolve_backend
    from ..kernels.sweeps import _select

    if not isinstance(requested, str):
        raise TypeError(f"backend must be one of {BACKENDS}; got {requested!r}")
    check_choice("backend", requested, BACKENDS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        array = device = None
        if arrays:
            resolved = resolve_backend("numpy" if requested == "numba" else requested)
            array, device = resolved.name, resolved.device
        sweep = _select(requested, n, gpu_kernel=gpu_sweep)
    reasons = _reasons(caught)
    missed = requested == "cupy" and (sweep != "cupy" or array not in (None, "cupy"))
    fallback = "; ".join(reasons) if reasons else ("unavailable" if missed else None)
    plan = BackendPlan(requested, array, device, sweep, fallback)
    if strict and fallback is not None and requested != "auto":
        raise BackendUnavailable(plan)
    return plan


def check_output(
    path: str | os.PathLike[str],
    name: str,
    *,
    directory: bool = False,
    suffixes: Sequence[str] = (),
) -> Path:
    """Fail now, in one line naming ``name``, if ``path`` cannot be written later.

    Checks the suffix (one of ``suffixes``, when given), that ``path`` is not a directory (or,
    with ``directory``, not a file), and that its directory, or the nearest existing one
    above it, is a directory in which a temporary file can be created (it is deleted at
    once; neither the target nor any missing directory is created).

    Raises
    ------
    ValueError
        Naming ``name``, the path and the reason.
    """
    target = Path(path)
    if suffixes and target.suffix.lower() not in suffixes:
        valid = " or ".join(filter(None, (", ".join(suffixes[:-1]), suffixes[-1])))
        raise ValueError(f"{name} must end in {valid}; got {str(target)!r}")
    if directory and target.exists() and not target.is_dir():
        raise ValueError(f"{name} {target}: exists and is not a directory")
    if not directory and target.is_dir():
        raise ValueError(f"{name} {target}: is a directory; give a file name")
    base = target if directory else target.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise ValueError(f"{name} {target}: {base} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=".adamtheory-probe-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(
            f"{name} {target}: cannot write in {base} ({exc.strerror or exc})"
        ) from None
    return target


def check_sweep_size(
    grid: int,
    n: int,
    epochs: int,
    *,
    replicates: int = 1,
    backend: str = "numba",
    points: int | None = None,
) -> Any:
    """Refuse, before anything is allocated, a sweep that cannot fit in memory or would run
    for days (one-line ValueError); returns its :class:`~adamtheory.kernels.sweeps.SweepCost`.

    ``points`` overrides ``grid**2`` (the number of (β1, β2) points). Python integers, so
    ``--grid 1000000000`` or ``--n 10000000000`` are refused instantly instead of failing
    later with a traceback or running unstoppably.
    """
    from ..kernels.sweeps import check_sweep_cost, sweep_cost

    for name, value in (("grid", grid), ("n", n), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    total = (grid * grid if points is None else int(points)) * int(replicates)
    return check_sweep_cost(sweep_cost(total, n, epochs, backend))
