r"""O2NC on your own function: the derived parameters, the learner and the run, in one object.

:func:`o2nc_plan` reads the constants a problem states (G, Δ_F; a built-in problem's exact
``o2nc_constants`` or those given to :func:`~adamtheory.problems.user.user_function`), evaluates
the parameters the SymPy layer derives (:func:`adamtheory.theory.o2nc_params.o2nc_parameters`:
:math:`3(G+\sigma)\sqrt{1-\beta} = \varepsilon`, :math:`16\lambda D^2/(1-\beta)^2 =
\varepsilon`, :math:`\mu = 8\lambda D(1 + (1-\beta)^{-2})`, β-OMD step η), and builds the
learner and the threshold T of AMC25 Corollary 4.1 (or the toolkit's own, smaller T) for β-OMD,
or 2602.08372 Theorem 5's parameters for clipped Adam with model EMA. Then
:meth:`O2NCPlan.run` calls :func:`~adamtheory.kernels.conversion.o2nc_run` and returns the
online estimate :math:`U_t \ge \|\nabla F(\bar y_t)\|_{[\lambda]}` with the bound it should meet.

Example::

    import numpy as np
    import adamtheory as at

    F = at.user_function(lambda x: np.tanh(x), x0=[2.0, -1.0], G=np.sqrt(2), delta_F=2.2)
    plan = at.o2nc_plan(F, epsilon=0.2, lam=0.05, sigma=0.1)
    ds = plan.run(F, batch=8, seed=0)
    ds.U_tau.mean(), plan.bound          # E_tau U_tau against 4 eps (plan.source)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from .._validate import check_choice, check_int, check_positive
from ..kernels.conversion import BetaOMD, ClippedAdamLearner, o2nc_run
from ..problems.o2nc_base import isotropic_noise
from ..theory.o2nc_params import (
    O2NCParameters,
    Theorem5Parameters,
    o2nc_parameters,
    theorem5_parameters,
)
from ..theory.o2nc_rates import bound_value

__all__ = ["LEARNERS", "RUN_OPTIONS", "THRESHOLDS", "O2NCPlan", "o2nc_plan"]

LEARNERS = ("beta-omd", "clipped-adam")
THRESHOLDS = ("ours", "cor41", "thm5")
#: o2nc_run options a plan's run may set (they change what is recorded, not the algorithm)
RUN_OPTIONS = ("checkpoints", "lower", "trace_points", "record_path")


@dataclass(frozen=True)
class O2NCPlan:
    r"""Derived O2NC parameters for one problem, with the learner and T they imply.

    Attributes
    ----------
    parameters : O2NCParameters or Theorem5Parameters
        β-OMD: β, D, μ, η, ζ, γ and the thresholds (:func:`~adamtheory.theory.o2nc_params.
        o2nc_parameters`); clipped Adam: 2602.08372 Theorem 5's β1, β2, D, γ, ν and T
        (:func:`~adamtheory.theory.o2nc_params.theorem5_parameters`). Both evaluated from the
        SymPy expressions.
    learner : BetaOMD or ClippedAdamLearner
        β-OMD(η, β, μ) (AMC25 Lemma 3.2), or clipped Adam with global clipping and Theorem 5's
        parameters.
    conversion : str
        ``"uniform"`` (Option I) for β-OMD, ``"exponential"`` (model EMA) for clipped Adam.
    tau_law : str
        Law of the output index: AMC25's for Corollary 4.1, uniform for Theorem 5.
    T : int
        Steps: ``T_ours`` or ``T_cor41`` (β-OMD), Theorem 5's T (clipped Adam).
    sigma : float
        Noise level the parameters assume; :meth:`run` adds isotropic Gaussian noise with this σ.
    bound : float
        The guarantee on :math:`\mathbb E_\tau\|\nabla F(\bar y_\tau)\|_{[\lambda]}`:
        the derived bound :math:`B(\beta, D, T)` evaluated at the plan's numbers (threshold
        ``"ours"``; :math:`\le 3.56\varepsilon` on the accepted range of ε),
        :math:`4\varepsilon` (``"cor41"``, AMC25 Corollary 4.1) or :math:`\varepsilon`
        (Theorem 5).
    source : str
        The result the bound comes from.
    dim : int
        Dimension of the problem the plan was made for.
    x0 : tuple of float
        The start its :math:`\Delta_F` was stated for.
    """

    parameters: O2NCParameters | Theorem5Parameters
    learner: BetaOMD | ClippedAdamLearner
    conversion: str
    tau_law: str
    T: int
    sigma: float
    bound: float
    source: str
    dim: int
    x0: tuple[float, ...]

    def run(self, problem: Any, *, batch: int = 8, seed: int = 0, **kwargs: Any) -> xr.Dataset:
        """Run the plan on ``problem`` (see :func:`~adamtheory.kernels.conversion.o2nc_run`).

        Only the keywords in :data:`RUN_OPTIONS` may be passed on: the start, the noise, λ,
        the conversion, T, τ's law and the EMA are what the guarantee is about. The dataset's
        attrs carry ``plan_bound``, ``plan_source`` and ``plan_G_exceeded`` (whether a
        query-point gradient was larger than the G the plan assumed: then the bound does not
        apply to this run, and the run emits one
        :class:`~adamtheory.kernels.nonfinite.StatedConstantWarning`). Trajectories whose
        gradient turned NaN/inf are frozen and marked ``valid = False`` (one
        :class:`~adamtheory.kernels.nonfinite.NonFiniteGradientWarning`): compare
        ``ds.U_tau[ds.valid]`` with the bound.
        """
        extra = sorted(set(kwargs) - set(RUN_OPTIONS))
        if extra:
            raise ValueError(
                f"{', '.join(extra)} fixed by the plan (only {RUN_OPTIONS} may be "
                "passed); build another plan to change it"
            )
        if int(problem.dim) != self.dim:
            raise ValueError(f"problem has dimension {problem.dim}; the plan is for {self.dim}")
        noise = isotropic_noise(self.sigma, self.dim) if self.sigma > 0 else None
        ds = o2nc_run(
            problem,
            self.learner,
            conversion=self.conversion,
            T=self.T,
            batch=batch,
            seed=seed,
            noise=noise,
            lam=self.parameters.lam,
            tau_law=self.tau_law,
            x0=np.asarray(self.x0),
            G=self.parameters.G,
            **kwargs,
        )
        ds.attrs["plan_bound"] = self.bound
        ds.attrs["plan_source"] = self.source
        ds.attrs["plan_epsilon"] = self.parameters.epsilon
        ds.attrs["plan_G_exceeded"] = int(ds.attrs["G_exceeded"])  # o2nc_run warned once
        return ds


def o2nc_plan(
    problem: Any,
    epsilon: float,
    *,
    lam: float,
    sigma: float = 0.0,
    learner: str = "beta-omd",
    threshold: str | None = None,
    G: float | None = None,
    delta_F: float | None = None,
    max_steps: int = 10**7,
) -> O2NCPlan:
    r"""The derived O2NC parameters for ``problem`` at target ε and the run they prescribe.

    Parameters
    ----------
    problem
        An O2NC oracle (``dim``, ``x0``, ``grad``) with ``o2nc_constants`` (G, Δ_F), unless
        both ``G`` and ``delta_F`` are given here.
    epsilon : float
        Target, :math:`0 < \varepsilon \le 3\sqrt{1-\beta_{\min}}(G+\sigma) \approx
        1.689(G+\sigma)` for β-OMD (β ≥ (1+√3)/4, the range of the proven regret bound;
        :func:`adamtheory.theory.o2nc_params.epsilon_limit`).
    lam : float
        λ > 0 of the :math:`(\lambda, \varepsilon)`-stationarity measure.
    sigma : float
        Gradient-noise level σ ≥ 0 (the run adds isotropic Gaussian noise with it).
    learner : {"beta-omd", "clipped-adam"}
        β-OMD in Option I (AMC25 Lemmas 3.1–3.2 / Corollary 4.1), or clipped Adam (global clip)
        with model EMA, the exponential conversion (2602.08372 Theorem 5, bound ε).
    threshold : {"ours", "cor41", "thm5"}, optional
        β-OMD: the toolkit's derived T (default; the bound is the derived B(β, D, T) at the
        plan's numbers) or Corollary 4.1's published one (larger; bound 4ε); clipped Adam:
        ``"thm5"`` (the default, the only one).
    G, delta_F : float, optional
        Override or supply the problem's constants.
    max_steps : int
        Refuse plans longer than this (the threshold grows like :math:`\varepsilon^{-7/2}`).

    Raises
    ------
    ValueError
        Naming the parameter: ε, λ, σ out of range, a problem without the constants the
        parameters need, or a T above ``max_steps``.
    """
    check_choice("learner", learner, LEARNERS)
    if threshold is not None:
        check_choice("threshold", threshold, THRESHOLDS)
    check_positive("epsilon", epsilon)
    check_positive("lam", lam)
    check_positive("sigma", sigma, allow_zero=True)
    max_steps = check_int("max_steps", max_steps, minimum=1)
    if G is None or delta_F is None:
        # a user function without stated constants raises its own ValueError naming them
        constants = getattr(problem, "o2nc_constants", None)
        if constants is None:
            missing = " and ".join(k for k, v in (("G", G), ("delta_F", delta_F)) if v is None)
            raise ValueError(
                f"problem has no o2nc_constants: pass {missing} to o2nc_plan "
                "(G bounds |grad F|, delta_F >= F(x0) - inf F)"
            )
        G = constants.G if G is None else G
        delta_F = constants.delta_F if delta_F is None else delta_F
    check_positive("G", G)
    check_positive("delta_F", delta_F)
    values = (float(epsilon), float(lam), float(G), float(sigma), float(delta_F))
    dim = int(problem.dim)
    x0 = tuple(float(v) for v in np.asarray(problem.x0, dtype=np.float64).ravel())
    if learner == "clipped-adam":
        if threshold not in (None, "thm5"):
            raise ValueError(
                f"threshold must be 'thm5' for learner='clipped-adam'; got {threshold!r}"
            )
        q = theorem5_parameters(*values)
        _check_steps(q.T, max_steps)
        adam = ClippedAdamLearner(
            D=q.D, beta1=q.beta1, beta2=q.beta2, gamma=q.gamma, nu=q.nu, coordinatewise=False
        )
        return O2NCPlan(
            parameters=q,
            learner=adam,
            conversion="exponential",
            tau_law="uniform",
            T=int(q.T),
            sigma=float(sigma),
            bound=float(epsilon),
            source="2602.08372 Theorem 5",
            dim=dim,
            x0=x0,
        )
    threshold = "ours" if threshold is None else threshold
    if threshold == "thm5":
        raise ValueError("threshold must be 'ours' or 'cor41' for learner='beta-omd'; got 'thm5'")
    p = o2nc_parameters(*values)
    if threshold == "ours":
        T = p.T_ours
        # the derivation's own bound at these numbers: 4 eps + o(eps), not always <= 4 eps
        bound = bound_value(p.beta, p.D, T, p.G, p.sigma, p.lam, p.delta_F)
        source = "derived bound B(beta, D, T) (AMC25 Lemmas 3.1, 3.2) at the toolkit's T"
    else:
        T, bound, source = p.T_cor41, 4.0 * float(epsilon), "AMC25 Corollary 4.1"
    _check_steps(T, max_steps)
    return O2NCPlan(
        parameters=p,
        learner=BetaOMD(p.eta, p.beta, p.mu),
        conversion="uniform",
        tau_law="amc25",
        T=int(T),
        sigma=float(sigma),
        bound=float(bound),
        source=source,
        dim=dim,
        x0=x0,
    )


def _check_steps(T: int, max_steps: int) -> None:
    if T > max_steps:
        raise ValueError(
            f"the derived T = {T} exceeds max_steps = {max_steps}: raise epsilon "
            "or lower lam (T grows like eps^-7/2 lam^1/2), or raise max_steps"
        )
