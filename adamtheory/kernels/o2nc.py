r"""O2NC building blocks in array code (docs/theory §1.5, §4): learners and regret identities.

Rescaled recursions throughout: no :math:`\beta^{-t}` appears, so nothing overflows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import check_interval, check_positive
from . import adam_core


def lower_estimate_offset(
    lam: float, *, L: float | None = None, H: float | None = None
) -> float | None:
    r"""The c with :math:`\|\nabla F(x)\|_{[\lambda]} \ge \|\nabla F(x)\| - c` (docs/theory §2).

    For any p with :math:`\mathbb E_p w = x` and :math:`r^2 = \mathbb E_p\|w-x\|^2`:

    * H-Lipschitz Hessian: :math:`\|\mathbb E_p\nabla F(w) - \nabla F(x)\| \le \tfrac H2 r^2`
      (the first-order term has mean 0), so with :math:`\lambda \ge H/2`, c = 0 (exact for
      quadratics, H = 0);
    * L-smooth: :math:`\|\mathbb E_p\nabla F(w) - \nabla F(x)\| \le L r`, and
      :math:`\min_r(\lambda r^2 - L r) = -L^2/(4\lambda)`, so :math:`c = L^2/(4\lambda)`.

    Returns the smaller applicable c, or ``None`` when neither applies (no lower estimate).
    """
    check_positive("lam", lam)
    offsets = []
    if H is not None:
        check_positive("H", H, allow_zero=True)
        if lam >= H / 2:
            offsets.append(0.0)
    if L is not None:
        check_positive("L", L, allow_zero=True)
        offsets.append(L * L / (4.0 * lam))
    return min(offsets) if offsets else None


__all__ = [
    "beta_omd_increments",
    "discounted_to_dynamic_sides",
    "greedy_omd_adversary",
    "lower_estimate_offset",
]


def beta_omd_increments(grads: Any, eta: float, beta: float, mu: float = 0.0) -> np.ndarray:
    r"""Increments of β-OMD (AMC25 Lemma 3.2): :math:`\delta_1 = 0`,
    :math:`\delta_{t+1} = \frac{\beta}{1+\eta\mu}(\delta_t - \eta g_t)`.

    ``grads`` has shape (T, ..., d); returns :math:`\delta_2..\delta_{T+1}` of the same shape.
    """
    check_positive("eta", eta)
    check_interval("beta", beta, 0.0, 1.0, low_closed=False)
    check_positive("mu", mu, allow_zero=True)
    g = np.asarray(grads, dtype=np.float64)
    c = beta / (1.0 + eta * mu)
    out = np.empty_like(g)
    delta = np.zeros_like(g[0])
    for t in range(g.shape[0]):
        delta = adam_core.omd_increment(delta, g[t], c, eta)
        out[t] = delta
    return out


def discounted_to_dynamic_sides(
    v: Any, delta: Any, u: Any, beta: float, *, one_minus_beta: bool = True
) -> tuple[float, float, float]:
    r"""Both sides of the discounted-to-dynamic identity and the magnitude of its terms.

    With :math:`A_t = \sum_{s\le t}\beta^{t-s}\langle v_s,\Delta_s\rangle` and
    :math:`M_t = \sum_{s\le t}\beta^{t-s}v_s` (both by recursion),
    :math:`S_t(u) = A_t - \langle M_t, u\rangle`. Returns ``(lhs, rhs, scale)`` where
    ``scale`` is the sum of absolute values of the terms (for a relative error).
    ``one_minus_beta=False`` drops the (1-β) factor (a negative control).
    """
    check_interval("beta", beta, 0.0, 1.0)
    v, delta, u = (np.asarray(a, dtype=np.float64) for a in (v, delta, u))
    if not (v.shape == delta.shape == u.shape) or v.ndim != 2:
        raise ValueError(
            f"v, delta, u must share a shape (T, d); got {v.shape}, {delta.shape}, {u.shape}"
        )
    T = v.shape[0]
    lhs_terms = np.einsum("td,td->t", v, delta - u)
    A = 0.0
    M = np.zeros(v.shape[1])
    S_terms, drift_terms = [], []
    for t in range(T):
        A = beta * A + float(v[t] @ delta[t])
        M = beta * M + v[t]
        S_terms.append(A - float(M @ u[t]))
        if t < T - 1:
            drift_terms.append(float(M @ (u[t + 1] - u[t])))
    factor = (1.0 - beta) if one_minus_beta else 1.0
    rhs = S_terms[-1] + factor * sum(S_terms[:-1]) + beta * sum(drift_terms)
    scale = (
        float(np.abs(lhs_terms).sum())
        + abs(S_terms[-1])
        + float(np.abs(S_terms[:-1]).sum())
        + float(np.abs(drift_terms).sum())
    )
    return float(lhs_terms.sum()), float(rhs), scale


RANDOMISATION_LAWS = ("uniform", "exponential", "uniform02")


def randomisation_estimates(
    problem: Any,
    x: Any,
    delta: Any,
    law: str,
    samples: int,
    repeats: int,
    rng: np.random.Generator,
    *,
    weighted: bool = True,
) -> np.ndarray:
    r"""Monte-Carlo estimates, gradient side, of the randomisation identities (docs/theory §1.5).

    ``law="uniform"``: :math:`\langle\nabla F(x+s\Delta),\Delta\rangle`, :math:`s\sim U[0,1]`
    (equals :math:`F(x+\Delta)-F(x)`); ``"exponential"``: the same with :math:`s\sim
    \mathrm{Exp}(1)` (equals :math:`\mathbb E_s[F(x+s\Delta)-F(x)]`); ``"uniform02"``:
    :math:`(2-s)\langle\nabla F(x+s\Delta),\Delta\rangle`, :math:`s\sim U[0,2]` (equals
    :math:`\mathbb E_s[F(x+s\Delta)-F(x)]`; ``weighted=False`` drops the (2-s) weight).
    Returns ``repeats`` independent estimates, each a mean over ``samples`` draws.
    """
    if law not in RANDOMISATION_LAWS:
        raise ValueError(f"law must be one of {RANDOMISATION_LAWS}; got {law!r}")
    x = np.asarray(x, dtype=np.float64)
    delta = np.asarray(delta, dtype=np.float64)
    out = np.empty(repeats)
    for r in range(repeats):
        if law == "uniform":
            s = rng.random(samples)
        elif law == "exponential":
            s = rng.exponential(1.0, samples)
        else:
            s = 2.0 * rng.random(samples)
        inner = problem.grad(x[None, :] + s[:, None] * delta[None, :]) @ delta
        if law == "uniform02" and weighted:
            inner = (2.0 - s) * inner
        out[r] = inner.mean()
    return out


def greedy_omd_adversary(
    beta: Any, mu: Any, eta: Any, *, G: float = 1.0, D: float = 1.0, T: int
) -> np.ndarray:
    r"""Largest discounted regret a greedy adversary forces on 1-D β-OMD (AMC25 Lemma 3.2).

    The learner plays :math:`\delta_1 = 0`, :math:`\delta_{t+1} = \frac{\beta}{1+\eta\mu}
    (\delta_t - \eta g_t)` against :math:`\ell_t(\delta) = g_t\delta + \frac\mu2\delta^2` with
    :math:`|g_t| \le G` (σ = 0). At each step the adversary picks :math:`g_t \in \{-G, G\}` (the
    regret is convex in :math:`g_t`, so an end point is best) to maximise
    :math:`\Phi_t = \max_{|u|\le D}\mathrm{Reg}_t^{[\beta]}(u)`, computed exactly from the
    rescaled sums :math:`A_t = \beta A_{t-1} + g_t\delta_t + \frac\mu2\delta_t^2`,
    :math:`S_t = \beta S_{t-1} + g_t`, :math:`W_t = \beta W_{t-1} + 1`:
    :math:`\Phi_t = A_t + \max_{|u|\le D}(-uS_t - \frac\mu2u^2W_t)`.

    Parameters
    ----------
    beta, mu, eta : float or array
        One configuration per entry (broadcast together); β in (0, 1), μ ≥ 0, η > 0.
    G, D : float
        Gradient bound and comparator radius, > 0.
    T : int
        Horizon, ≥ 1.

    Returns
    -------
    numpy.ndarray
        :math:`\max_{t\le T}\Phi_t` per configuration: a lower bound on the worst-case regret
        (any valid regret bound at ‖u‖ = D must be at least this).
    """
    b, m, e = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (beta, mu, eta)))
    if not np.all((b > 0) & (b < 1)):
        raise ValueError(f"beta must lie in (0, 1); got {beta!r}")
    check_positive("mu", m, allow_zero=True)
    check_positive("eta", e)
    check_positive("G", G)
    check_positive("D", D)
    T = int(T)
    if T < 1:
        raise ValueError(f"T must be an integer >= 1; got {T!r}")
    c = b / (1.0 + e * m)
    delta, A, S, W = (np.zeros(b.shape) for _ in range(4))
    best = np.full(b.shape, -np.inf)

    def phi(a_: np.ndarray, s_: np.ndarray, w_: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            # the maximising comparator: -S/(mu W) clipped, or -D sign(S) when mu = 0
            ustar = np.where(m > 0, np.clip(-s_ / (m * w_), -D, D), -D * np.sign(s_))
        return a_ - ustar * s_ - 0.5 * m * ustar * ustar * w_

    for _ in range(T):
        W = b * W + 1.0
        base = b * A + 0.5 * m * delta * delta
        a_plus, a_minus = base + G * delta, base - G * delta
        p_plus = phi(a_plus, b * S + G, W)
        p_minus = phi(a_minus, b * S - G, W)
        pick = p_plus > p_minus
        g = np.where(pick, G, -G)
        A = np.where(pick, a_plus, a_minus)
        S = b * S + g
        best = np.maximum(best, np.where(pick, p_plus, p_minus))
        delta = adam_core.omd_increment(delta, g, c, e)
    return best
