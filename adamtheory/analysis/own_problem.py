r"""Your own problem: sweep (β1, β2) on a user finite sum and compare with the drift prediction.

Three steps, combined by :func:`sweep_own_problem`:

1. **Measure.** :func:`adamtheory.kernels.finite_sum.finite_sum_sweep` runs Adam at every grid
   point and classifies each run (diverged / undecided / converged) by the rule of the
   counterexample sweep (:mod:`adamtheory.kernels.counterexample`).
2. **Diagnose.** :func:`detect_pattern` checks whether the gradients fit docs/theory §3.2: in
   1-D, at every probe point along the iterates' way (from x0, mostly in the direction of
   :math:`\nabla f(x_0)`, where a diverging run goes) the n component gradients are the same
   constants, one equal to :math:`s\,r\,a` and n-1 equal to :math:`-s\,a` (a > 0, s = ±1;
   s = -1 is the mirror image x → -x). It returns (n, r) or the reason for a no-fit.
3. **Predict and compare.** If it fits, the drift :math:`\mu(\beta_1, \beta_2; n, r)` is the
   SymPy closed form (cyclic; :mod:`adamtheory.theory.divergence`, lambdified) or the simulated
   stationary chain with a 95% CI (shuffle, iid; :func:`adamtheory.kernels.sweeps.
   drift_estimate`), both through :func:`adamtheory.analysis.regions.predicted_boundary`. An
   epoch moves x by about :math:`-s\,\eta_k\mu`, so μ < 0 predicts divergence and μ > 0 a
   return towards x*. :func:`compare_with_drift` applies the rule of claim Z-DRIFT: compare
   only points whose drift is decided, :math:`|\mu| > \mathrm{CI} + \rho` (ρ = 0.2, the margin
   below which K epochs cannot show a drift), in the setting β1 < √β2 of the theorems, and
   count the decided runs whose class equals sign(μ).

The prediction concerns ε = 0 (Adam's direction is then invariant to a common rescaling of the
gradients); with ε > 0 it holds while ε is small next to |a|, and the result carries a note.
"Converged" needs the problem's x*; μ > 0 predicts convergence only if the part of f outside
the linear region brings x to x* (as in §3.1).

Example
-------
The one-big-gradient counterexample written as your own NumPy code (n = 10, slopes 10 and -1
for x >= -1, glued to quadratics below), started at x0 = 5 as in claim Z-DRIFT::

    import numpy as np
    from adamtheory.analysis.own_problem import sweep_own_problem
    from adamtheory.plots.own_problem import own_problem_figure
    from adamtheory.problems.user import user_finite_sum

    n = 10
    def component_grad(x, idx):                      # x: (B, 1), idx: (B,)
        weight = np.where(idx == 0, n, -1.0)[:, None]
        return weight * np.where(x >= -1.0, 1.0, x + 2.0)

    problem = user_finite_sum(component_grad, n=n, x0=[5.0], x_star=[-2.0])
    beta2 = np.concatenate([[0.0], 1 - np.logspace(-0.3, -3, 7)])   # beta2 up to 0.999
    result = sweep_own_problem(problem, beta1=np.linspace(0, 0.9, 8), beta2=beta2,
                               sampling="shuffle", epochs=1000, seed=0, replicates=2)
    result.pattern     # PatternFit(fits=True, n=10, r=10.0, scale=1.0, orientation=1, ...)
    result.agreement   # DriftAgreement(agreement=1.0, compared=77, disagreements=0,
                       #   undecided=0.0128, predicted_diverged=26, predicted_converged=51, ...)
    own_problem_figure(result, scale="log1m").savefig("own_problem.png")

(the call takes about 2.4 s on 2 CPU cores). A quadratic finite sum instead gives
``result.pattern.fits == False`` with the reason "the gradients are not constant along the
probes ...", and no prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_int, check_interval, check_positive
from ..kernels.counterexample import CONVERGED, DIVERGED, NONFINITE_GRADIENT, UNDECIDED
from ..kernels.finite_sum import FiniteSumSweepConfig, finite_sum_sweep
from .regions import predicted_boundary, ratio

__all__ = [
    "DriftAgreement",
    "OwnProblemResult",
    "PatternFit",
    "compare_with_drift",
    "detect_pattern",
    "predict_drift",
    "sweep_own_problem",
]

# Offsets (in units of the base step η) from x0 along s·sign(∇f(x0)): a little behind x0 (the
# first epochs move x by about ±η per step) and far ahead, where a diverging run goes.
PROBE_OFFSETS = (-0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 1e2, 1e3, 1e4, 1e6)
PATTERN_RTOL = 1e-9
DRIFT_SEED_KEY = 0xD51F7  # spawn key: the drift chains' streams are independent of the sweep's


@dataclass(frozen=True)
class PatternFit:
    r"""Whether the component gradients fit docs/theory §3.2's pattern, and with which (n, r).

    Attributes
    ----------
    fits : bool
    reason : str
        Why it fits (the pattern found) or why not.
    n : int or None
        Number of components.
    r : float or None
        Ratio of the big gradient to the small ones, r > n - 1.
    scale : float or None
        The common factor a > 0 (the small gradients are -s·a).
    orientation : int or None
        s = +1 when the big gradient is positive (a diverging run goes to +∞), -1 when mirrored.
    big_component : int or None
        Index of the big component.
    probes : tuple of float
        The points where the gradients were evaluated.
    """

    fits: bool
    reason: str
    n: int | None = None
    r: float | None = None
    scale: float | None = None
    orientation: int | None = None
    big_component: int | None = None
    probes: tuple[float, ...] = ()


@dataclass(frozen=True)
class DriftAgreement:
    """Measured classes against sign(μ), with the Z-DRIFT exclusion rule.

    Attributes
    ----------
    agreement : float or None
        Fraction of the compared runs whose class equals the prediction (None if none compared).
    compared : int
        Runs (grid points × replicates) outside the band, in scope and decided.
    disagreements : int
        Compared runs whose class differs from the prediction.
    in_band : int
        Grid points excluded because :math:`|\\mu| \\le \\mathrm{CI} + \\mathrm{margin}`.
    out_of_scope : int
        Grid points outside the band with β1 >= √β2 (excluded: Adam's step is unbounded there).
    undecided : float
        Fraction of undecided runs among those outside the band and in scope.
    nonfinite : int
        Runs outside the band and in scope whose gradient was NaN/inf (status
        ``NONFINITE_GRADIENT``): neither compared nor counted as undecided.
    predicted_diverged, predicted_converged : int
        Compared runs predicted to diverge / converge.
    margin : float
    """

    agreement: float | None
    compared: int
    disagreements: int
    in_band: int
    out_of_scope: int
    undecided: float
    predicted_diverged: int
    predicted_converged: int
    margin: float
    nonfinite: int = 0


@dataclass(frozen=True)
class OwnProblemResult:
    """What :func:`sweep_own_problem` returns.

    Attributes
    ----------
    sweep : xarray.Dataset
        From :func:`adamtheory.kernels.finite_sum.finite_sum_sweep`.
    pattern : PatternFit
    boundary : dict or None
        From :func:`adamtheory.analysis.regions.predicted_boundary` on the sweep's grid (drift
        and CI half-width per point, zero crossings), when the pattern fits.
    agreement : DriftAgreement or None
    notes : tuple of str
        Caveats of the comparison (ε > 0, unknown x*, ...).
    """

    sweep: xr.Dataset
    pattern: PatternFit
    boundary: dict | None
    agreement: DriftAgreement | None
    notes: tuple[str, ...] = ()


def _grads_at(problem: Any, points: np.ndarray) -> np.ndarray:
    """(P, n) component gradients of a 1-D problem at P points."""
    n = int(problem.n)
    x = np.repeat(points, n)[:, None]
    idx = np.tile(np.arange(n, dtype=np.int64), points.size)
    with np.errstate(all="ignore"):
        g = np.asarray(problem.component_grad(x, idx), dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"component_grad must return shape {x.shape}; got {g.shape}")
    return g.reshape(points.size, n)


def detect_pattern(
    problem: Any, *, probes: Any = None, step: float = 1.0, rtol: float = PATTERN_RTOL
) -> PatternFit:
    r"""Does the problem's gradient pattern fit docs/theory §3.2?

    Parameters
    ----------
    problem : UserFiniteSum or FiniteSumProblem
        Needs ``component_grad(x, idx)``, ``n`` and ``x0``.
    probes : array_like, optional
        1-D points where the gradients must be the constant pattern. Default:
        :math:`x_0 + \sigma\eta\,o` for the offsets o in :data:`PROBE_OFFSETS`, with
        :math:`\sigma = \mathrm{sign}\,\nabla f(x_0)` (the way a diverging run goes).
    step : float
        η, the unit of the default offsets.
    rtol : float
        Relative tolerance for "equal" gradients.

    Returns
    -------
    PatternFit
        ``fits`` with (n, r, a, s, big component), or the reason for a no-fit.
    """
    for attr in ("component_grad", "n", "x0"):
        if not hasattr(problem, attr):
            raise TypeError(f"problem must have component_grad, n and x0; it has no {attr}")
    check_positive("step", step)
    check_positive("rtol", rtol)
    n = check_int("problem.n", problem.n, minimum=1)
    x0 = np.atleast_1d(np.asarray(problem.x0, dtype=np.float64))
    if x0.size != 1:
        return PatternFit(
            False,
            f"the problem is {x0.size}-dimensional; docs/theory §3.2's drift "
            "criterion is for 1-D problems",
        )
    if n < 2:
        return PatternFit(
            False,
            "n = 1: one component has no opposing gradients (§3.2 needs "
            "one big component and n-1 >= 1 small ones)",
        )
    if probes is None:
        at_x0 = _grads_at(problem, x0)[0]
        mean = float(at_x0.mean())
        if not np.isfinite(mean) or mean == 0.0:
            return PatternFit(
                False,
                f"∇f(x0) = {mean:g}: no uphill direction to probe (x0 is "
                "stationary or the gradient is not finite)",
            )
        probes = x0[0] + np.sign(mean) * step * np.asarray(PROBE_OFFSETS)
    pts = np.atleast_1d(np.asarray(probes, dtype=np.float64))
    if pts.ndim != 1 or pts.size < 1 or not np.all(np.isfinite(pts)):
        raise ValueError("probes must be a non-empty 1-D array of finite points")
    shown = tuple(float(p) for p in pts)
    G = _grads_at(problem, pts)
    if not np.all(np.isfinite(G)):
        p, i = np.argwhere(~np.isfinite(G))[0]
        return PatternFit(
            False, f"component {i} has a non-finite gradient at x = {pts[p]:g}", probes=shown
        )
    ref = G[0]
    tol = rtol * max(float(np.abs(G).max()), np.finfo(float).tiny)
    dev = np.abs(G - ref)
    if dev.max() > tol:
        p, i = np.unravel_index(np.argmax(dev), dev.shape)
        return PatternFit(
            False,
            f"the gradients are not constant along the probes: component "
            f"{i} has {ref[i]:g} at x = {pts[0]:g} and {G[p, i]:g} at "
            f"x = {pts[p]:g} (§3.2 needs every component linear there)",
            probes=shown,
        )
    mean = float(ref.mean())
    if mean == 0.0:
        return PatternFit(
            False, "∇f = 0 along the probes: f is flat, no uphill direction", probes=shown
        )
    s = 1 if mean > 0 else -1
    big = np.nonzero(np.sign(ref) == s)[0]
    if big.size != 1:
        return PatternFit(
            False,
            f"{big.size} components push uphill (sign of ∇f); §3.2 needs "
            "exactly one big component against n-1 equal small ones",
            probes=shown,
        )
    small = np.delete(ref, big[0])
    a = float(np.abs(small).mean())
    if not (np.all(np.sign(small) == -s) and np.all(np.abs(small + s * a) <= tol)):
        return PatternFit(
            False, f"the n-1 other gradients are not all equal: {small.tolist()}", probes=shown
        )
    r = float(abs(ref[big[0]]) / a)
    return PatternFit(
        True,
        f"constant pattern on {pts.size} probes: component {int(big[0])} "
        f"has {ref[big[0]]:g}, the other {n - 1} have {-s * a:g} "
        f"(n = {n}, r = {r:.6g})",
        n=n,
        r=r,
        scale=a,
        orientation=s,
        big_component=int(big[0]),
        probes=shown,
    )


def predict_drift(
    pattern: PatternFit,
    beta1: Any,
    beta2: Any,
    *,
    sampling: str,
    seed: int = 0,
    backend: str = "auto",
    chains: int = 6,
    epochs: int = 120,
    burn_in: int = 120,
) -> dict:
    """Drift prediction on the (β1, β2) grid for a fitting pattern.

    A thin adapter to :func:`adamtheory.analysis.regions.predicted_boundary`, which is written for
    the counterexample's (n, a): the same ratio is :math:`a' = 1/(r-n+1)` there, since
    :math:`r = (1 + (n-1)a')/a'`. Cyclic: exact (lambdified SymPy, zero CI); shuffle/iid:
    simulated chains with a 95% CI (iid with 5× the epochs, as for the counterexample).
    """
    if not isinstance(pattern, PatternFit):
        raise TypeError(f"pattern must be a PatternFit; got {type(pattern).__name__}")
    if not pattern.fits:
        raise ValueError(f"pattern does not fit docs/theory §3.2: {pattern.reason}")
    a_equiv = 1.0 / (pattern.r - pattern.n + 1.0)
    if not np.isclose(ratio(pattern.n, a_equiv), pattern.r, rtol=1e-12, atol=0.0):
        raise ArithmeticError("the ratio r is not representable as (1 + (n-1)a)/a")
    b1 = np.atleast_1d(np.asarray(beta1, dtype=np.float64))
    b2 = np.atleast_1d(np.asarray(beta2, dtype=np.float64))
    check_interval("beta1", b1, 0.0, 1.0)
    check_interval("beta2", b2, 0.0, 1.0)
    return predicted_boundary(
        pattern.n,
        a_equiv,
        sampling,
        b1,
        beta2_grid=b2,
        chains=chains,
        epochs=epochs,
        burn_in=burn_in,
        seed=seed,
        backend=backend,
    )


def compare_with_drift(sweep: xr.Dataset, boundary: dict, *, margin: float = 0.2) -> DriftAgreement:
    r"""Agreement of the measured classes with sign(μ), excluding the uncertainty band.

    Grid point (β1, β2) is compared when :math:`|\mu| > \mathrm{CI} + \mathrm{margin}` and
    :math:`\beta_1 < \sqrt{\beta_2}`; there every decided run (diverged or converged, all
    replicates) is checked against "diverged iff μ < 0". This is claim Z-DRIFT's rule.
    """
    check_positive("margin", margin, allow_zero=True)
    grid = boundary["grid"]
    b1 = sweep.beta1.values
    b2 = sweep.beta2.values
    if not np.array_equal(np.asarray(grid["beta1"]), b1) or not np.array_equal(
        np.asarray(grid["beta2"]), b2
    ):
        raise ValueError("boundary must be computed on the sweep's (beta1, beta2) grid")
    mu = np.asarray(grid["drift"], dtype=np.float64)
    hw = np.asarray(grid["half_width"], dtype=np.float64)
    g1, g2 = np.meshgrid(b1, b2, indexing="ij")
    outside = np.abs(mu) > hw + margin
    in_scope = g1 < np.sqrt(g2)
    use = outside & in_scope
    status = sweep.status.transpose("beta1", "beta2", "replicate").values
    predicted = np.where(mu < 0, DIVERGED, CONVERGED)[..., None]
    sel = np.broadcast_to(use[..., None], status.shape)
    broken = sel & (status == NONFINITE_GRADIENT)
    decided = sel & (status != UNDECIDED) & ~broken
    compared = int(decided.sum())
    wrong = int(np.sum(decided & (status != predicted)))
    n_sel = int(sel.sum())
    pred = np.broadcast_to(predicted, status.shape)
    return DriftAgreement(
        agreement=None if compared == 0 else 1.0 - wrong / compared,
        compared=compared,
        disagreements=wrong,
        in_band=int(np.sum(~outside)),
        out_of_scope=int(np.sum(outside & ~in_scope)),
        undecided=0.0 if n_sel == 0 else float(np.sum(sel & (status == UNDECIDED)) / n_sel),
        predicted_diverged=int(np.sum(decided & (pred == DIVERGED))),
        predicted_converged=int(np.sum(decided & (pred == CONVERGED))),
        margin=float(margin),
        nonfinite=int(broken.sum()),
    )


def _drift_seed(seed: int) -> int:
    state = np.random.SeedSequence([seed, DRIFT_SEED_KEY]).generate_state(1, dtype=np.uint32)
    return int(state[0] >> 1)


def sweep_own_problem(
    problem: Any,
    *,
    beta1: Any,
    beta2: Any,
    sampling: str = "shuffle",
    epochs: int = 200,
    lr: float = 1.0,
    schedule: str = "inv_sqrt_epoch",
    eps: float = 0.0,
    bias_correction: bool = True,
    seed: int = 0,
    replicates: int = 1,
    rho: float = 0.2,
    conv_tol: float = 0.05,
    probes: Any = None,
    compare: bool = True,
    drift_backend: str = "auto",
    chunk_size: int = 1 << 14,
    progress: bool = False,
    executor: Any = None,
) -> OwnProblemResult:
    """Sweep (β1, β2) on your finite sum, diagnose the §3.2 pattern, compare with the drift.

    Parameters
    ----------
    problem : UserFiniteSum
        From :func:`adamtheory.problems.user.user_finite_sum` (any finite sum with
        ``component_grad(x, idx)``, ``n``, ``x0`` works).
    beta1, beta2 : 1-D array_like
        Grid axes in [0, 1).
    sampling : {"shuffle", "iid", "cyclic"}
    epochs : int
        K >= 2 epochs of n steps.
    lr, schedule : base step η and ``"inv_sqrt_epoch"``, ``"inv_sqrt_step"`` or ``"constant"``.
    eps, bias_correction : Adam's ε and bias correction.
    seed : int
        Root seed; the drift chains use a seed derived from it (independent streams).
    replicates : int
        Independent runs per grid point.
    rho, conv_tol : classification constants; ``rho`` is also the comparison margin.
    probes : array_like, optional
        Points for :func:`detect_pattern` (default: along x0's uphill direction).
    compare : bool
        Skip the drift prediction when False (the pattern is still diagnosed).
    drift_backend : {"auto", "numpy", "numba", "cupy"}
        Backend of the simulated drift (shuffle, iid).
    chunk_size, progress, executor : passed to the sweep (``executor``: where its chunks run,
        :func:`adamtheory.kernels.executors.map_chunks`; the numbers do not depend on it).

    Returns
    -------
    OwnProblemResult
    """
    config = FiniteSumSweepConfig(
        epochs=epochs,
        lr=lr,
        sampling=sampling,
        schedule=schedule,
        eps=eps,
        bias_correction=bias_correction,
        rho=rho,
        conv_tol=conv_tol,
        seed=seed,
    )
    if not isinstance(compare, bool):
        raise TypeError(f"compare must be True or False; got {compare!r}")
    sweep = finite_sum_sweep(
        beta1,
        beta2,
        problem,
        config,
        replicates=replicates,
        chunk_size=chunk_size,
        progress=progress,
        executor=executor,
    )
    pattern = detect_pattern(problem, probes=probes, step=lr)
    notes = []
    broken = int(np.sum(sweep.status.values == NONFINITE_GRADIENT))
    if broken:
        first = int(sweep.nonfinite_at.values[sweep.nonfinite_at.values > 0].min())
        notes.append(
            f"{broken} of {sweep.status.size} runs got a NaN/inf gradient (first at "
            f"step {first}): frozen there, classified non-finite, not compared"
        )
    if not sweep.attrs["x_star_known"]:
        notes.append(
            "x* unknown: distances are measured from x0 and no run is classified converged"
        )
    boundary = agreement = None
    if pattern.fits and compare:
        if eps > 0:
            notes.append(
                f"eps = {eps:g} > 0: the drift assumes eps = 0 (scale invariance); "
                f"it applies while eps << a = {pattern.scale:g}"
            )
        drift_seed = _drift_seed(seed)
        boundary = predict_drift(
            pattern,
            sweep.beta1.values,
            sweep.beta2.values,
            sampling=sampling,
            seed=drift_seed,
            backend=drift_backend,
        )
        boundary["seed"] = drift_seed
        agreement = compare_with_drift(sweep, boundary, margin=rho)
    sweep.attrs["pattern"] = pattern.reason
    return OwnProblemResult(sweep, pattern, boundary, agreement, tuple(notes))
