r"""The critical-β2 advisor: β2*(β1) from frozen minibatch gradients (docs/theory §6).

Freeze the n minibatch gradients :math:`g_i(w)` at a reference point w (one pass over the data)
and run only Adam's (m, v) chain over shuffled epochs, with no parameter update
(:func:`adamtheory.kernels.realdata.frozen_chain`). Its stationary mean direction
:math:`U = \mathbb E[m/\sqrt v]` decides:

* ``"alignment"`` (w away from a minimiser): :math:`a = \langle U, \nabla f\rangle /
  \langle U_1, \nabla f\rangle`, with :math:`U_1 = \nabla f/\sqrt{\tfrac1n\sum_i g_i^2}`
  (coordinate-wise) the β2 → 1 limit of U, so that a → 1 as β2 → 1 and a < 0 is ascent. In the
  linear region of §3.1 a has the sign of the drift μ of §3.2, so threshold 0 is exactly the
  divergence boundary there (0.9581 at n = 10, shuffle, β1 = 0; R18's 0.99952).
* ``"bias"`` (w a minimiser, ∇f(w) ≈ 0): the bias ratio :math:`b = \lVert U\rVert /
  \mathbb E\lVert u_t\rVert`, which tends to 0 as β2 → 1 (an unbiased stationary chain) and
  grows as β2 falls; :math:`\beta_2^*` is where it crosses ``threshold`` (default
  :data:`BIAS_THRESHOLD`).

:math:`\beta_2^*(\beta_1)` is the smallest β2 above which the criterion holds everywhere on the
grid (interpolated in log(1 - β2)), with a percentile bootstrap interval over chains. Validity
scope: the gradients must stay roughly frozen over 1/(1 - β2) steps.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .._validate import check_choice, check_int, check_interval
from ..kernels.realdata import frozen_chain
from ..kernels.sampling import SAMPLING_CHOICES

__all__ = ["BIAS_THRESHOLD", "Advice", "critical_beta2", "frozen_gradients"]

#: Bias-ratio threshold of the "bias" criterion. Our design [derived]: chosen once from a
#: pilot (digits, logistic, B = 2, 8, 32, eta = 0.01, 40 epochs) before the claims were run;
#: the claim RD-ADV-DIGITS checks it at B = 4, 8, 16 (4 and 16 were not in the pilot).
BIAS_THRESHOLD = 0.15
CRITERIA = ("auto", "alignment", "bias")


@dataclass(frozen=True)
class Advice:
    """What :func:`critical_beta2` returns (JSON-able through :meth:`to_json`).

    ``one_minus_beta2_star[j]`` is ``inf`` when the criterion holds on the whole grid at
    ``beta1[j]`` ("no constraint") and ``0`` when it fails even at the grid's largest β2.
    """

    beta1: tuple[float, ...]
    one_minus_beta2_star: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    recommended_beta2: float | None
    target_beta1: float
    beta1_ok: bool | None
    criterion: str
    threshold: float
    n: int
    d: int
    sampling: str
    scope: str
    no_constraint: bool
    grid: dict[str, Any] = field(repr=False)

    @property
    def beta2_star(self) -> tuple[float, ...]:
        return tuple(1.0 - x if np.isfinite(x) else 0.0 for x in self.one_minus_beta2_star)

    def to_json(self) -> str:
        def clean(v: Any) -> Any:
            if isinstance(v, float) and not np.isfinite(v):
                return str(v)
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [clean(x) for x in v]
            return v

        return json.dumps(clean(asdict(self)), indent=1)

    def table(self) -> str:
        """A plain-text table: β1, β2*, its interval, and the verdict of β1 < √β2*."""
        lines = [
            f"critical beta2 ({self.criterion} criterion, threshold {self.threshold:g}; "
            f"n = {self.n}, d = {self.d}, {self.sampling})",
            f"{'beta1':>6}  {'beta2*':>9}  {'1-beta2*':>9}  {'interval of 1-beta2*':>24}",
        ]
        for b1, om, lo, hi in zip(
            self.beta1, self.one_minus_beta2_star, self.low, self.high, strict=True
        ):
            if not np.isfinite(om):
                lines.append(f"{b1:6.3f}  {'none':>9}  {'-':>9}  no constraint on the grid")
                continue
            lines.append(f"{b1:6.3f}  {1 - om:9.6f}  {om:9.3e}  [{lo:9.3e}, {hi:9.3e}]")
        if self.no_constraint:
            lines.append("recommended: no constraint on beta2 (the criterion holds everywhere)")
        elif self.recommended_beta2 is None:
            lines.append(
                f"recommended: none at beta1 = {self.target_beta1:g}: beta2* lies beyond the "
                "grid (see scope)"
            )
        else:
            ok = "yes" if self.beta1_ok else "NO: raise beta2 or lower beta1"
            lines.append(
                f"recommended beta2 >= {self.recommended_beta2:.6f} at beta1 = "
                f"{self.target_beta1:g}; beta1 < sqrt(beta2): {ok}"
            )
        lines.append(f"scope: {self.scope}")
        return "\n".join(lines)


def frozen_gradients(
    source: Any, *, batch: int | None = None, model: str = "logistic", point: Any = None
) -> tuple[np.ndarray, str]:
    """The (n, d) minibatch gradients of ``source`` and where they were taken.

    ``source``: an (n, d) array; a dataset name (with ``batch`` and ``model``); a
    :class:`~adamtheory.problems.datasets.RealFiniteSum`; or a user finite sum
    (:func:`adamtheory.user_finite_sum`). ``point`` defaults to the minimiser (datasets: by
    L-BFGS; user problems: ``x_star``, else ``x0``).
    """
    from ..problems.datasets import RealFiniteSum, make_finite_sum
    from ..problems.user import UserFiniteSum

    if isinstance(source, str):
        if batch is None:
            raise ValueError("batch: give the minibatch size B (>= 1) with a dataset name")
        source = make_finite_sum(source, model, batch)
    if isinstance(source, RealFiniteSum):
        w = source.minimiser()[0] if point is None else np.asarray(point, dtype=np.float64)
        if w.shape != (source.dim,):
            raise ValueError(f"point must have length d = {source.dim}; got shape {w.shape}")
        where = "the L-BFGS minimiser" if point is None else "the given point"
        return source.component_grads(w), where
    if isinstance(source, UserFiniteSum):
        if point is None:
            point = source.x_star if source.x_star is not None else source.x0
            where = "x_star" if source.x_star is not None else "x0"
        else:
            where = "the given point"
        x = np.asarray(point, dtype=np.float64).reshape(1, -1)
        if x.shape[1] != source.dim:
            raise ValueError(f"point must have length d = {source.dim}; got {x.shape[1]}")
        idx = np.arange(source.n)
        G = source.component_grad_checked(np.repeat(x, source.n, axis=0), idx)
        return np.asarray(G, dtype=np.float64), where
    G = np.asarray(source, dtype=np.float64) if not isinstance(source, np.ndarray) else source
    if G.ndim != 2 or G.shape[0] < 2 or G.shape[1] < 1:
        raise ValueError(
            f"grads must be an (n, d) array with n >= 2 minibatch gradients; got shape {G.shape}"
        )
    if not np.all(np.isfinite(G)):
        raise ValueError("grads must be finite (found NaN or inf)")
    return G.astype(np.float64), "the given gradients"


def _criterion_values(
    U: np.ndarray, step: np.ndarray, G: np.ndarray, criterion: str, threshold: float
) -> np.ndarray:
    """Margin of the criterion (>= 0: holds) from mean directions U (..., d) and step norms."""
    gf = G.mean(axis=0)
    if criterion == "alignment":
        rms = np.sqrt((G * G).mean(axis=0))
        u1 = np.divide(gf, rms, out=np.zeros_like(gf), where=rms > 0)
        return U @ gf / float(u1 @ gf) - threshold
    ratio = np.linalg.norm(U, axis=-1) / np.where(step > 0, step, 1.0)
    return threshold - np.where(step > 0, ratio, 0.0)


def _edge(om: np.ndarray, margin: np.ndarray) -> float:
    """Largest 1 - β2 up to which the margin stays >= 0 from the β2 -> 1 end (``om`` increasing).

    ``inf``: it holds on the whole grid; ``0``: it fails at the smallest 1 - β2 already.
    """
    bad = np.nonzero(~(margin >= 0))[0]
    if bad.size == 0:
        return float("inf")
    k = int(bad[0])
    if k == 0:
        return 0.0
    m0, m1 = margin[k - 1], margin[k]
    t = m0 / (m0 - m1) if np.isfinite(m1) and m0 != m1 else 0.0
    return float(np.exp(np.log(om[k - 1]) + t * (np.log(om[k]) - np.log(om[k - 1]))))


def critical_beta2(
    source: Any,
    *,
    batch: int | None = None,
    model: str = "logistic",
    point: Any = None,
    beta1: Any = (0.0, 0.5, 0.9),
    one_minus_beta2: Any = None,
    target_beta1: float = 0.9,
    criterion: str = "auto",
    threshold: float | None = None,
    sampling: str = "shuffle",
    epochs: int | None = None,
    burn_in: int | None = None,
    chains: int = 8,
    seed: int = 0,
    resamples: int = 200,
    level: float = 0.9,
    refine: int = 16,
) -> Advice:
    r"""β2*(β1) over a β1 grid from the frozen minibatch gradients of ``source``.

    Parameters
    ----------
    source : array (n, d), dataset name, RealFiniteSum or user finite sum
        See :func:`frozen_gradients`.
    batch, model, point
        For a dataset name: minibatch size B and model; the reference point (default: the
        minimiser).
    beta1 : sequence of float
        β1 grid in [0, 1); ``target_beta1`` is added to it.
    one_minus_beta2 : array_like, optional
        Candidate 1 - β2 (default 48 log-spaced values on [1e-5, 0.5]).
    criterion : {"auto", "alignment", "bias"}
        ``auto``: bias when ∇f(w) is below 1e-6 of the rms minibatch gradient, else alignment.
    threshold : float, optional
        Default 0 (alignment: the descent/drift boundary) or :data:`BIAS_THRESHOLD`.
    sampling : {"shuffle", "iid", "cyclic"}
    epochs, burn_in, chains, seed
        Chain lengths in epochs (default: about 4000 measured and 1000 discarded steps, at
        least 20 and 5 epochs), independent chains, root seed.
    resamples, level
        Percentile bootstrap over chains for the interval of 1 - β2*.
    refine : int
        Points of the second, log-spaced pass across the coarse grid cells around the
        crossing (0: no second pass). The interval comes from the pass that gave the
        estimate.

    Returns
    -------
    Advice
    """
    G, where = frozen_gradients(source, batch=batch, model=model, point=point)
    n, d = G.shape
    epochs = max(20, -(-4000 // n)) if epochs is None else check_int("epochs", epochs, minimum=2)
    burn_in = max(5, -(-1000 // n)) if burn_in is None else check_int("burn_in", burn_in, minimum=0)
    check_choice("criterion", criterion, CRITERIA)
    check_choice("sampling", sampling, SAMPLING_CHOICES)
    check_interval("target_beta1", target_beta1, 0.0, 1.0)
    check_interval("level", level, 0.0, 1.0, low_closed=False)
    resamples = check_int("resamples", resamples, minimum=10)
    refine = 0 if refine == 0 else check_int("refine", refine, minimum=3)
    b1 = np.atleast_1d(np.asarray(beta1, dtype=np.float64))
    if b1.ndim != 1 or b1.size == 0:
        raise ValueError("beta1 must be a non-empty list of values in [0, 1) (an empty grid)")
    if not np.all((b1 >= 0) & (b1 < 1)):
        raise ValueError(f"beta1 must lie in [0, 1); got {b1.tolist()}")
    b1 = np.unique(np.concatenate([b1, [target_beta1]]))
    om = np.logspace(-5, np.log10(0.5), 48) if one_minus_beta2 is None else one_minus_beta2
    om = np.sort(np.atleast_1d(np.asarray(om, dtype=np.float64)))
    if om.ndim != 1 or om.size < 2 or not np.all((om > 0) & (om < 1)):
        raise ValueError("one_minus_beta2 must hold at least 2 values in (0, 1)")
    gnorm = float(np.linalg.norm(G.mean(axis=0)))
    rms = float(np.sqrt(np.mean(np.sum(G * G, axis=1))))
    identical = bool(np.all(G == G[0]))
    if criterion == "auto":
        criterion = "bias" if gnorm <= 1e-6 * rms else "alignment"
    if threshold is None:
        threshold = 0.0 if criterion == "alignment" else BIAS_THRESHOLD
    if isinstance(threshold, bool) or not np.isfinite(float(threshold)):
        raise ValueError(f"threshold must be a finite number; got {threshold!r}")
    if criterion == "alignment" and gnorm == 0:
        raise ValueError("criterion: 'alignment' needs a non-zero mean gradient at the point")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, chains, size=(resamples, chains))
    est, low, high, curves = [], [], [], []

    def chain(beta: float, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = frozen_chain(
            G,
            beta,
            1.0 - grid,
            sampling=sampling,
            epochs=epochs,
            burn_in=burn_in,
            chains=chains,
            seed=seed,
        )
        return out["U"], out["step_norm"]  # (P, C, d), (P, C)

    for beta in b1:
        U, step = chain(float(beta), om)
        margin = _criterion_values(U.mean(axis=1), step.mean(axis=1), G, criterion, threshold)
        curves.append(margin + threshold if criterion == "alignment" else threshold - margin)
        edge, grid = _edge(om, margin), om
        if 0 < edge < np.inf and refine:
            # a second pass on a fine grid across the bracketing cell of the coarse grid
            k = int(np.searchsorted(om, edge))
            # (one coarse cell of margin on each side, so resampled chains stay inside it)
            lo_g, hi_g = om[max(k - 2, 0)], om[min(k + 1, om.size - 1)]
            grid = np.exp(np.linspace(np.log(lo_g), np.log(hi_g), refine))
            U, step = chain(float(beta), grid)
            margin = _criterion_values(U.mean(axis=1), step.mean(axis=1), G, criterion, threshold)
            fine = _edge(grid, margin)
            edge = fine if 0 < fine < np.inf else edge
            if not 0 < fine < np.inf:
                grid = om
                U, step = chain(float(beta), om)
        est.append(edge)
        boot = [
            _edge(
                grid,
                _criterion_values(
                    U[:, p].mean(axis=1), step[:, p].mean(axis=1), G, criterion, threshold
                ),
            )
            for p in picks
        ]
        with np.errstate(invalid="ignore"):  # inf (no constraint) resamples stay inf
            lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2], method="lower")
        low.append(float(lo))
        high.append(float(hi))
    est_a = np.asarray(est)
    j = int(np.nonzero(b1 == target_beta1)[0][0])
    no_constraint = bool(np.all(np.isinf(est_a)))
    beyond_grid = False
    if no_constraint:
        rec, ok = None, None
    elif np.isfinite(est[j]) and min(low[j], est[j]) <= 0.0:
        # the criterion fails down to the smallest 1 - beta2 on the grid: no recommendation
        rec, ok, beyond_grid = None, False, True
    else:
        # a factor-2 margin in 1 - beta2 below the interval's tighter end, and beta1 < sqrt(beta2)
        tight = min(low[j], est[j]) if np.isfinite(est[j]) else float(om[-1])
        rec = float(1.0 - tight / 2.0)
        ok = bool(target_beta1 < np.sqrt(rec))
    horizon = "1/(1-beta2) steps" if rec is None else f"{1.0 / (1.0 - rec):.3g} steps"
    scope = (
        f"gradients frozen at {where}; valid while they stay roughly constant over "
        f"{horizon} (= {'-' if rec is None else f'{1.0 / ((1.0 - rec) * n):.3g}'} epochs of n = "
        f"{n}); criterion {criterion}"
        + ("; all minibatch gradients identical" if identical else "")
        + (
            f"; at beta1 = {target_beta1:g} the criterion fails down to the grid's smallest "
            f"1 - beta2 = {om[0]:.3g}: extend one_minus_beta2 to smaller values"
            if beyond_grid
            else ""
        )
    )
    return Advice(
        beta1=tuple(float(x) for x in b1),
        one_minus_beta2_star=tuple(est),
        low=tuple(low),
        high=tuple(high),
        recommended_beta2=rec,
        target_beta1=float(target_beta1),
        beta1_ok=ok,
        criterion=criterion,
        threshold=float(threshold),
        n=n,
        d=d,
        sampling=sampling,
        scope=scope,
        no_constraint=no_constraint,
        grid={"one_minus_beta2": om.tolist(), "value": np.asarray(curves).tolist()},
    )
