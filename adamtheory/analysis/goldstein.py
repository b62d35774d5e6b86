r"""Goldstein stationarity measured directly: the derived O2NC run on a nonsmooth problem with an
exact Goldstein measure (theory/o2nc_goldstein.py, problems/o2nc_goldstein.py).

:func:`goldstein_check` reads the constants the problem states (G, Δ_F), derives T, K, D, η for
the target :math:`(\delta, \varepsilon)` (:func:`adamtheory.theory.o2nc_goldstein.
goldstein_parameters`, ``[derived]``), *certifies* that the start is not already
:math:`(\delta, \varepsilon)`-stationary (the exact measure at :math:`x_0` exceeds ε; it refuses
otherwise), runs the windowed O2NC method (:func:`adamtheory.kernels.o2nc_goldstein.
goldstein_o2nc_run`) and evaluates the exact measure :math:`\|\nabla F(\bar x_k)\|_\delta` at
every window output. Per trajectory the mean over k is the exact expectation over the output's
uniform index.

Example::

    from adamtheory.problems.o2nc_goldstein import tilted_valley
    from adamtheory.analysis.goldstein import goldstein_check

    res = goldstein_check(tilted_valley(slope=0.15, x0=(1.0, 4.0)), epsilon=0.4, delta=0.1,
                          sigma=0.5, trajectories=32, seed=0)
    res.measured.mean(), res.parameters.bound      # E_k ||grad F(xbar_k)||_delta vs <= eps
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_int, check_positive
from ..kernels.o2nc_goldstein import goldstein_o2nc_run
from ..theory.o2nc_goldstein import GoldsteinParameters, goldstein_parameters

__all__ = ["GoldsteinCheck", "goldstein_check", "start_measure"]


@dataclass(frozen=True)
class GoldsteinCheck:
    r"""The result of :func:`goldstein_check`.

    Attributes
    ----------
    parameters : GoldsteinParameters
        The derived T, K, D, η and the bound B(T, K) ≤ ε.
    K_run : int
        Windows actually run (``parameters.K`` divided by ``cut``).
    start : float
        Exact Goldstein measure at the start (> ε: certified).
    measured : ndarray, shape (B,)
        Per trajectory, :math:`\frac1K\sum_k\|\nabla F(\bar x_k)\|_\delta` (exact).
    upper_route : ndarray, shape (B,)
        Per trajectory, :math:`\frac1K\sum_k\|\bar g_k\|` (the proof's upper estimate).
    max_radius : float
        Largest window radius :math:`\max_n\|w_n - \bar x_k\|` seen (≤ δ by the derivation).
    max_query_grad : float
        Largest exact gradient norm at a query point (≤ G).
    run_params, environment : dict
        What the kernel recorded (seed, noise, T, K, versions).
    """

    parameters: GoldsteinParameters
    K_run: int
    start: float
    measured: np.ndarray
    upper_route: np.ndarray
    max_radius: float
    max_query_grad: float
    run_params: dict[str, Any]
    environment: dict[str, str]


def _constants(problem: Any) -> tuple[float, float]:
    try:
        constants = problem.o2nc_constants
    except (AttributeError, ValueError):
        constants = None
    G = getattr(constants, "G", None)
    delta_F = getattr(constants, "delta_F", None)
    if G is None or delta_F is None:
        raise ValueError(
            "problem must state o2nc_constants with G in (0, inf) and delta_F in (0, inf) "
            "(e.g. a ConicFunnel of adamtheory.problems.o2nc_goldstein)"
        )
    if not callable(getattr(problem, "goldstein_norm", None)):
        raise ValueError(
            "problem must have an exact goldstein_norm(x, delta) (e.g. a ConicFunnel of "
            "adamtheory.problems.o2nc_goldstein)"
        )
    return float(G), float(delta_F)


def start_measure(problem: Any, delta: float) -> float:
    r"""Exact Goldstein δ-measure at ``problem.x0`` (δ in (0, inf))."""
    check_positive("delta", delta)
    x0 = np.asarray(problem.x0, dtype=np.float64)[None]
    return float(problem.goldstein_norm(x0, float(delta))[0])


def goldstein_check(
    problem: Any,
    *,
    epsilon: float,
    delta: float,
    sigma: float,
    noise: str = "gaussian",
    trajectories: int = 32,
    seed: int = 0,
    cut: float = 1.0,
    K: int | None = None,
) -> GoldsteinCheck:
    r"""Run the derived O2NC method for :math:`(\delta, \varepsilon)` and measure the exact
    Goldstein measure at its outputs.

    Parameters
    ----------
    problem
        A problem with ``grad``, ``dim``, ``x0``, ``o2nc_constants`` (G, Δ_F) and an exact
        ``goldstein_norm(x, delta)``.
    epsilon : float
        Target ε in (0, inf); the start's exact measure must exceed it.
    delta : float
        Goldstein radius δ in (0, inf).
    sigma : float
        Total noise level in [0, inf) (:math:`\mathbb E\|\xi\|^2 = \sigma^2`).
    noise : {"gaussian", "rademacher"}
        Noise law (isotropic).
    trajectories : int
        Independent runs, >= 2 (the verdict needs a spread).
    seed : int
        Root seed, >= 0.
    cut : float
        Run ``ceil(K / cut)`` windows instead of K (>= 1; for negative controls).
    K : int, optional
        Run exactly this many windows instead (overrides ``cut``; for perturbations).

    Raises
    ------
    ValueError
        A parameter out of range, a problem without the constants, or a start that already
        meets the target (nothing would be tested).
    """
    G, delta_F = _constants(problem)
    p = goldstein_parameters(epsilon, delta, G, sigma, delta_F)
    trajectories = check_int("trajectories", trajectories, minimum=2)
    check_positive("cut", cut)
    if cut < 1:
        raise ValueError(f"cut must be in [1, inf); got {cut!r}")
    start = start_measure(problem, p.delta)
    if not start > p.epsilon:
        raise ValueError(
            f"the start already meets the target: Goldstein measure at x0 = {start:.4g} "
            f"<= epsilon = {p.epsilon:.4g}; choose epsilon < {start:.4g} or another x0"
        )
    K_run = check_int("K", K, minimum=1) if K is not None else max(1, int(np.ceil(p.K / cut)))
    out = goldstein_o2nc_run(
        problem,
        D=p.D,
        eta=p.eta,
        T=p.T,
        K=K_run,
        sigma=p.sigma,
        noise=noise,
        seed=seed,
        trajectories=trajectories,
    )
    B, _, d = out["xbar"].shape
    exact = problem.goldstein_norm(out["xbar"].reshape(-1, d), p.delta).reshape(B, K_run)
    return GoldsteinCheck(
        parameters=p,
        K_run=K_run,
        start=start,
        measured=exact.mean(axis=1),
        upper_route=out["gbar_norm"].mean(axis=1),
        max_radius=float(out["radius"].max()),
        max_query_grad=float(out["max_query_grad"].max()),
        run_params=out["params"],
        environment=out["environment"],
    )
