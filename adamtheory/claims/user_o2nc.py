r"""O2NC on your own function: the derived parameters, the learner and the run, in one object.

:func:`o2nc_plan` reads the constants a problem states (G, Δ_F; a built-in problem's exact
``o2nc_constants`` or those given to :func:`~adamtheory.problems.user.user_function`), evaluates
the parameters the SymPy layer derives (:func:`adamtheory.theory.o2nc_params.o2nc_parameters`:
:math:`3(G+\sigma)\sqrt{1-\beta} = \varepsilon`, :math:`16\lambda D^2/(1-\beta)^2 =
\varepsilon`, :math:`\mu = 8\lambda D(1 + (1-\beta)^{-2})`, β-OMD step η), and builds the
learner and the threshold T of AMC25 Corollary 4.1 (or the toolkit's own, smaller T). Then
:meth:`O2NCPlan.run` calls :func:`~adamtheory.kernels.conversion.o2nc_run` and returns the
online estimate :math:`U_t \ge \|\nabla F(\bar y_t)\|_{[\lambda]}` with the bound it should meet.

Example::

    import numpy as np
    import adamtheory as at

    F = at.user_function(lambda x: np.tanh(x), x0=[2.0, -1.0], G=np.sqrt(2), delta_F=2.2)
    plan = at.o2nc_plan(F, epsilon=0.2, lam=0.05, sigma=0.1)
    ds = plan.run(F, batch=8, seed=0)
    ds.U_tau.mean(), plan.bound          # E_tau U_tau against 4 eps
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xarray as xr

from .._validate import check_choice, check_int, check_positive
from ..kernels.conversion import BetaOMD, ClippedAdamLearner, o2nc_run
from ..problems.o2nc_base import isotropic_noise
from ..theory.o2nc_params import O2NCParameters, o2nc_parameters

__all__ = ["LEARNERS", "THRESHOLDS", "O2NCPlan", "o2nc_plan"]

LEARNERS = ("beta-omd", "clipped-adam")
THRESHOLDS = ("ours", "cor41")


@dataclass(frozen=True)
class O2NCPlan:
    r"""Derived O2NC parameters for one problem, with the learner and T they imply.

    Attributes
    ----------
    parameters : O2NCParameters
        β, D, μ, η, ζ, γ and the thresholds, evaluated from the SymPy expressions.
    learner : BetaOMD or ClippedAdamLearner
        β-OMD(η, β, μ) (AMC25 Lemma 3.2), or clipped Adam with :math:`\beta_1 = \beta`,
        :math:`\beta_2 = \beta^2` and clip radius D (AC24; THEORY.md §1.3).
    conversion : str
        ``"uniform"`` (Option I) for β-OMD, ``"exponential"`` (model EMA) for clipped Adam.
    T : int
        Steps: ``parameters.T_ours`` or ``parameters.T_cor41``.
    sigma : float
        Noise level the parameters assume; :meth:`run` adds isotropic Gaussian noise with this σ.
    bound : float
        :math:`4\varepsilon`, the Corollary 4.1 bound on :math:`\mathbb E_\tau U_\tau`.
    """

    parameters: O2NCParameters
    learner: BetaOMD | ClippedAdamLearner
    conversion: str
    T: int
    sigma: float
    bound: float

    def run(self, problem: Any, *, batch: int = 8, seed: int = 0, **kwargs: Any) -> xr.Dataset:
        """Run the plan on ``problem`` (see :func:`~adamtheory.kernels.conversion.o2nc_run`).

        ``kwargs`` go to ``o2nc_run`` (e.g. ``x0``, ``checkpoints``, ``lower``); ``noise`` and
        ``lam`` are the plan's. The returned dataset's attrs also carry ``plan_bound``.
        """
        for key in ("noise", "lam", "conversion", "T"):
            if key in kwargs:
                raise ValueError(f"{key} is fixed by the plan; build another plan to change it")
        noise = isotropic_noise(self.sigma, int(problem.dim)) if self.sigma > 0 else None
        ds = o2nc_run(problem, self.learner, conversion=self.conversion, T=self.T, batch=batch,
                      seed=seed, noise=noise, lam=self.parameters.lam, **kwargs)
        ds.attrs["plan_bound"] = self.bound
        ds.attrs["plan_epsilon"] = self.parameters.epsilon
        return ds


def o2nc_plan(problem: Any, epsilon: float, *, lam: float, sigma: float = 0.0,
              learner: str = "beta-omd", threshold: str = "ours", G: float | None = None,
              delta_F: float | None = None, max_steps: int = 10**7) -> O2NCPlan:
    r"""The derived O2NC parameters for ``problem`` at target ε and the run they prescribe.

    Parameters
    ----------
    problem
        An O2NC oracle (``dim``, ``x0``, ``grad``) with ``o2nc_constants`` (G, Δ_F), unless
        both ``G`` and ``delta_F`` are given here.
    epsilon : float
        Target, :math:`0 < \varepsilon < 3(G+\sigma)`.
    lam : float
        λ > 0 of the :math:`(\lambda, \varepsilon)`-stationarity measure.
    sigma : float
        Gradient-noise level σ ≥ 0 (the run adds isotropic Gaussian noise with it).
    learner : {"beta-omd", "clipped-adam"}
    threshold : {"ours", "cor41"}
        The toolkit's derived T, or AMC25 Corollary 4.1's published one (larger).
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
            raise ValueError(f"problem has no o2nc_constants: pass {missing} to o2nc_plan "
                             "(G bounds |grad F|, delta_F >= F(x0) - inf F)")
        G = constants.G if G is None else G
        delta_F = constants.delta_F if delta_F is None else delta_F
    check_positive("G", G)
    check_positive("delta_F", delta_F)
    p = o2nc_parameters(float(epsilon), float(lam), float(G), float(sigma), float(delta_F))
    T = p.T_ours if threshold == "ours" else p.T_cor41
    if T > max_steps:
        raise ValueError(f"the derived T = {T} exceeds max_steps = {max_steps}: raise epsilon "
                         "or lower lam (T grows like eps^-7/2 lam^1/2), or raise max_steps")
    if learner == "beta-omd":
        chosen: BetaOMD | ClippedAdamLearner = BetaOMD(p.eta, p.beta, p.mu)
        conversion = "uniform"
    else:
        chosen = ClippedAdamLearner(D=p.D, beta1=p.beta, beta2=p.beta**2)
        conversion = "exponential"
    return O2NCPlan(parameters=p, learner=chosen, conversion=conversion, T=int(T),
                    sigma=float(sigma), bound=4.0 * float(epsilon))
