r"""O2NC building blocks in array code (THEORY.md §1.5, §4): learners and regret identities.

Rescaled recursions throughout: no :math:`\beta^{-t}` appears, so nothing overflows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import check_interval, check_positive

__all__ = ["beta_omd_increments", "discounted_to_dynamic_sides"]


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
        delta = c * (delta - eta * g[t])
        out[t] = delta
    return out


def discounted_to_dynamic_sides(v: Any, delta: Any, u: Any, beta: float,
                                *, one_minus_beta: bool = True) -> tuple[float, float, float]:
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
        raise ValueError(f"v, delta, u must share a shape (T, d); got {v.shape}, {delta.shape}, "
                         f"{u.shape}")
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
    scale = (float(np.abs(lhs_terms).sum()) + abs(S_terms[-1])
             + float(np.abs(S_terms[:-1]).sum()) + float(np.abs(drift_terms).sum()))
    return float(lhs_terms.sum()), float(rhs), scale
