r"""A user's own claim as an adamtheory plugin: RMSprop with step :math:`\eta/\sqrt k` on a noisy
quadratic reaches :math:`\mathbb E[x_k^2] \propto k^{-1/2}`.

This module is the worked example of ``docs/write-your-own-claim.md`` and of the notebook
``write_your_own_claim.ipynb``. It ships nothing with adamtheory: it is *your* lemma, checked by
adamtheory's machinery. Run it with

.. code-block:: console

    $ cd notebooks
    $ PYTHONPATH=. adamtheory verify --plugin my_claims --no-registry --out my-report

or, in Python, ``adamtheory.verify(my_claims.CLAIMS, out="my-report")``.

The lemma
---------
Take the one-dimensional quadratic :math:`f(x) = \mu x^2/2` with noisy gradients
:math:`g_k = \mu x_k + \sigma \xi_k`, :math:`\xi_k \sim \mathcal N(0, 1)` i.i.d., and RMSprop
(:func:`adamtheory.kernels.rmsprop`, :math:`\beta_1 = 0`, no bias correction) with the
schedule :math:`\eta_k = \eta/\sqrt k`:

.. math::

    v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2, \qquad
    x_{k+1} = x_k - \eta_k \frac{g_k}{\sqrt{v_k} + \epsilon}.

*Claim.* :math:`\mathbb E[x_k^2] \asymp k^{-1/2}`.

*Heuristic derivation.* Once :math:`x_k` is small, :math:`g_k^2 \approx \sigma^2 \xi_k^2`, so
:math:`v_k \to \mathbb E[g^2] \approx \sigma^2` (up to fluctuations of relative size
:math:`\sqrt{1-\beta_2}`, which change constants, not the rate). RMSprop then acts as SGD with
step :math:`a_k = \eta_k/\sigma`:

.. math::

    x_{k+1} \approx (1 - a_k \mu)\, x_k - a_k \sigma \xi_k .

For a constant step :math:`a`, this AR(1) recursion has the stationary variance

.. math::

    \operatorname{Var}_\infty = \frac{a^2\sigma^2}{1-(1-a\mu)^2}
    = \frac{a\sigma^2}{\mu(2 - a\mu)} \approx \frac{a \sigma^2}{2\mu} .

Its relaxation time :math:`1/(a_k\mu) = \sigma\sqrt k/(\eta\mu)` is short against the time
:math:`\sim k` over which :math:`a_k` changes once :math:`\sqrt k \gg \sigma/(\eta\mu)`, so the
variance tracks its stationary value (adiabatically):

.. math::

    \mathbb E[x_k^2] \approx \frac{\eta_k \sigma}{2\mu} = \frac{\eta\sigma}{2\mu}\, k^{-1/2}.

The lag behind the stationary value is a relative correction of order
:math:`\sigma/(\eta\mu\sqrt k)` (5% at :math:`k = 2\cdot 10^3` for the constants below); it is
why the measurement starts there.

*Without noise* (:math:`\sigma = 0`) the argument breaks: :math:`x_k` collapses
super-exponentially until :math:`\sqrt{v_k}` falls below :math:`\epsilon`, then RMSprop settles
into a sign-descent cycle of amplitude :math:`\approx \eta_k/2`, so
:math:`\mathbb E[x_k^2] \approx \eta_k^2/4 \propto k^{-1}`: the "1/k reading" is the noiseless
law. That is the assumption entry of the sensitivity list.

The check
---------
*Measure*: the kernels' RMSprop batched over ``trajectories`` independent runs (seeded from
``ctx.rng(0)``), split into ``groups`` replicate groups; at log-spaced :math:`k` from
:math:`2\cdot10^3` to :math:`2\cdot10^4` (the quick profile; :math:`2\cdot10^5` in the full one)
the mean of :math:`x_k^2` over each group is one observation (``y`` has shape
``(len(k), groups)``).
*Predict*: the exponent :math:`-1/2`.
*Rule*: ``rules.slope("two-sided", tolerance=0.1)``: the 95% t interval of the log-log slope
must lie in :math:`[-0.6, -0.4]`.
*Sensitivity*: the 1/k reading (negative control), the exponent off by
:math:`\pm 1/4` and by :math:`+1/2`, and a re-run without noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from adamtheory import Claim, Context, Evidence, rules
from adamtheory.kernels import rmsprop

__all__ = [
    "BETA2",
    "CLAIMS",
    "ETA",
    "MU",
    "SIGMA",
    "SIZES",
    "false_claim",
    "figure",
    "measure",
    "rmsprop_claim",
]

MU = 1.0  # curvature of f(x) = mu x^2 / 2
SIGMA = 1.0  # gradient-noise standard deviation
ETA = 0.5  # base step: eta_k = ETA / sqrt(k)
BETA2 = 0.99
EPS = 1e-8
#: Sizes per profile: trajectories, replicate groups, first and last recorded k, points.
SIZES = {
    "quick": {"trajectories": 2000, "groups": 10, "k_min": 2_000, "k_max": 20_000, "points": 9},
    "full": {"trajectories": 8000, "groups": 16, "k_min": 2_000, "k_max": 200_000, "points": 13},
}
_BLOCK = 1000  # noise is drawn this many steps at a time


def measure(
    ctx: Context,
    *,
    sigma: float = SIGMA,
    eta: float = ETA,
    mu: float = MU,
    beta2: float = BETA2,
    sizes: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(k, y)``: the recorded steps and the group means of :math:`x_k^2`, shape (len(k), groups).

    Every call draws the same stream from ``ctx.rng(0)`` (common random numbers), so a re-run
    with ``sigma=0`` differs from the main run in the noise only.
    """
    size = dict(SIZES[ctx.profile] if sizes is None else sizes)
    n, groups = size["trajectories"], size["groups"]
    ks = np.unique(np.geomspace(size["k_min"], size["k_max"], size["points"]).round().astype(int))
    rng = ctx.rng(0)
    opt = rmsprop(eta, beta2, eps=EPS)
    x = rng.normal(size=(n, 1))
    state = opt.init(x)
    record = {int(k): i for i, k in enumerate(ks)}
    y = np.empty((ks.size, groups))
    for k in range(1, int(ks[-1]) + 1):
        if (k - 1) % _BLOCK == 0:
            noise = rng.standard_normal((_BLOCK, n, 1))
        g = mu * x + sigma * noise[(k - 1) % _BLOCK]
        x, state = opt.step(x, g, state, lr_scale=k**-0.5)
        if k in record:
            y[record[k]] = (x[:, 0] ** 2).reshape(groups, -1).mean(axis=1)
    return ks, y


def _evidence(ctx: Context, exponent: float, *, sigma: float = SIGMA, eta: float = ETA) -> Evidence:
    ks, y = measure(ctx, sigma=sigma, eta=eta)
    mean = y.mean(axis=1)
    constant = eta * sigma / (2 * MU)
    return Evidence(
        data={"x": ks, "y": y},
        prediction=exponent,
        values={
            "k": ks.tolist(),
            "mean_x2": mean.tolist(),
            "low_x2": y.min(axis=1).tolist(),
            "high_x2": y.max(axis=1).tolist(),
            "exponent": exponent,
            "eta": eta,
            "sigma": sigma,
            "mu": MU,
            "beta2": BETA2,
            "trajectories": SIZES[ctx.profile]["trajectories"],
            "groups": int(y.shape[1]),
            "predicted_constant": constant,
            "measured_constant": float(np.mean(mean * np.sqrt(ks))),
        },
        predicted=f"E[x_k^2] ~ k^{exponent:g}",
        measured=(
            f"{SIZES[ctx.profile]['trajectories']} runs in {y.shape[1]} groups, "
            f"{ks.size} k in [{ks[0]}, {ks[-1]}]; "
            f"sqrt(k) E[x_k^2] = {np.mean(mean * np.sqrt(ks)):.3g} "
            f"(heuristic eta sigma/(2 mu) = {constant:.3g})"
        ),
    )


def figure(values: dict[str, Any]) -> Any:
    """E[x_k^2] against k, log-log, with the predicted and the rival slopes through the data.

    Drawn from the result's JSON ``values`` only (so a cached result gets its figure too); a
    :class:`matplotlib.figure.Figure`, not a pyplot figure, so nothing is shown as a side effect.
    """
    from matplotlib.figure import Figure

    k = np.asarray(values["k"], dtype=float)
    mean = np.asarray(values["mean_x2"], dtype=float)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(
        k, values["low_x2"], values["high_x2"], alpha=0.25, label="range over replicate groups"
    )
    ax.loglog(k, mean, "o", label=r"measured $\mathbb{E}[x_k^2]$")
    anchor = float(np.exp(np.mean(np.log(mean))))
    mid = float(np.exp(np.mean(np.log(k))))
    for p, style in (
        (values["exponent"], "-"),
        (-1.0 if values["exponent"] != -1.0 else -0.5, ":"),
    ):
        ax.loglog(k, anchor * (k / mid) ** p, style, color="k", label=rf"$k^{{{p:g}}}$")
    ax.set_xlabel("step k")
    ax.set_ylabel(r"$\mathbb{E}[x_k^2]$")
    ax.set_title(
        rf"RMSprop, $\eta_k = {values['eta']:g}/\sqrt{{k}}$, "
        rf"$\sigma = {values['sigma']:g}$, $\mu = {values['mu']:g}$"
    )
    ax.legend()
    return fig


def rmsprop_claim(
    exponent: float = -0.5, *, claim_id: str = "USER-RMSPROP", title: str | None = None
) -> Claim:
    """The lemma's claim, asserting ``E[x_k^2] ~ k^exponent`` (the theory says -1/2)."""
    rival, rival_name = (
        (-1.0, "the 1/k reading (exponent -1)")
        if exponent != -1.0
        else (-0.5, "the k^-1/2 reading (exponent -1/2)")
    )
    return Claim(
        id=claim_id,
        title=title
        or f"RMSprop with step eta/sqrt(k) on a noisy quadratic: E[x_k^2] ~ k^{exponent:g}",
        statement=(
            f"RMSprop (beta2 = {BETA2:g}, eps = {EPS:g}) with step {ETA:g}/sqrt(k) on "
            f"f(x) = mu x^2/2 (mu = {MU:g}) with Gaussian gradient noise of standard "
            f"deviation sigma = {SIGMA:g}: E[x_k^2] decays like k^{exponent:g}."
        ),
        source="a user's own lemma (docs example)",
        provenance="derived",
        rule=rules.slope("two-sided", tolerance=0.1),
        scope="log-log slope of the replicate-group means of x_k^2 against k",
        evaluate=lambda ctx: _evidence(ctx, exponent),
        sensitivity=(
            rules.replace(
                rival, name=rival_name, target="the rival reading of the rate", control=True
            ),
            rules.shift(+0.25, target="exponent 1/4 too slow"),
            rules.shift(-0.25, target="exponent 1/4 too fast"),
            rules.shift(+0.5, target="exponent 1/2 too slow"),
            rules.assumption(
                "no gradient noise (sigma = 0)",
                lambda ctx: _evidence(ctx, exponent, sigma=0.0),
                target="the noise assumption sigma > 0",
            ),
        ),
        figure=figure,
    )


def false_claim() -> Claim:
    """The same lemma asserting the wrong exponent -1: the check must fail it."""
    return rmsprop_claim(
        -1.0,
        claim_id="USER-RMSPROP-FALSE",
        title="RMSprop with step eta/sqrt(k) on a noisy quadratic: E[x_k^2] ~ 1/k (false)",
    )


#: What ``adamtheory verify --plugin my_claims`` runs.
CLAIMS = (rmsprop_claim(),)
