r"""Written-out scalar recurrences: the independent reference the kernels are checked against.

Plain Python floats, one trajectory and one coordinate at a time, transcribed directly from
docs/theory §1.1 and §1.3 (and from the PyTorch / Optax / R18 sources they cite). Nothing here
shares code with :mod:`adamtheory.kernels`. Slow on purpose: clarity is the point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["adam_loop", "clipped_adam_loop", "sgd_loop", "sgdm_loop"]


def _ratio(num: float, den: float) -> float:
    return 0.0 if den == 0.0 else num / den  # docs/theory §1.1: m/sqrt(v) := 0 where v = 0


def adam_loop(
    grads: Sequence[Sequence[float]],
    x0: Sequence[float],
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    bias_correction: bool,
    amsgrad: str | None = None,
    lr_factors: Sequence[float] | None = None,
    eps_inside_sqrt: bool = False,
) -> list[list[float]]:
    """Adam / AMSGrad / RMSProp iterates ``x_0..x_T`` for a fixed gradient sequence.

    ``eps_inside_sqrt=True`` deliberately uses ``sqrt(v̂ + ε)`` (a common mis-implementation),
    for negative controls.
    """
    d = len(x0)
    x = list(map(float, x0))
    m = [0.0] * d
    v = [0.0] * d
    vmax = [0.0] * d
    out = [list(x)]
    for t, g in enumerate(grads, start=1):
        eta = lr * (lr_factors[t - 1] if lr_factors is not None else 1.0)
        for i in range(d):
            m[i] = beta1 * m[i] + (1.0 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
            if bias_correction:
                m_hat = m[i] / (1.0 - beta1**t)
                v_hat = v[i] / (1.0 - beta2**t)
                if amsgrad == "torch":
                    vmax[i] = max(vmax[i], v[i])
                    v_hat = vmax[i] / (1.0 - beta2**t)
                elif amsgrad == "optax":
                    vmax[i] = max(vmax[i], v_hat)
                    v_hat = vmax[i]
            else:
                m_hat = m[i]
                v_hat = v[i]
                if amsgrad is not None:
                    vmax[i] = max(vmax[i], v[i])
                    v_hat = vmax[i]
            den = math.sqrt(v_hat + eps) if eps_inside_sqrt else math.sqrt(v_hat) + eps
            x[i] = x[i] - eta * _ratio(m_hat, den)
        out.append(list(x))
    return out


def sgd_loop(grads, x0, lr, lr_factors=None) -> list[list[float]]:
    """SGD iterates: ``x_{t+1} = x_t - η_t g_t``."""
    x = list(map(float, x0))
    out = [list(x)]
    for t, g in enumerate(grads, start=1):
        eta = lr * (lr_factors[t - 1] if lr_factors is not None else 1.0)
        x = [xi - eta * gi for xi, gi in zip(x, g, strict=True)]
        out.append(list(x))
    return out


def sgdm_loop(grads, x0, lr, beta, form="ema", lr_factors=None) -> list[list[float]]:
    """SGD with momentum: EMA form ``m = βm + (1-β)g`` or heavy-ball ``b = βb + g``."""
    x = list(map(float, x0))
    m = [0.0] * len(x)
    out = [list(x)]
    for t, g in enumerate(grads, start=1):
        eta = lr * (lr_factors[t - 1] if lr_factors is not None else 1.0)
        for i in range(len(x)):
            m[i] = beta * m[i] + ((1.0 - beta) * g[i] if form == "ema" else g[i])
            x[i] = x[i] - eta * m[i]
        out.append(list(x))
    return out


def clipped_adam_loop(grads, x0, D, beta, coordinatewise=True, alpha=None) -> list[list[float]]:
    """Clipped Adam (docs/theory §1.3): ``β1 = β, β2 = β², ε = 0``, clip the update to D.

    ``alpha`` defaults to ``D·sqrt((1+β)/(1-β))``; negative controls may pass another value.
    """
    if alpha is None:
        alpha = D * math.sqrt((1.0 + beta) / (1.0 - beta))
    d = len(x0)
    x = list(map(float, x0))
    m = [0.0] * d
    v = [0.0] * d
    out = [list(x)]
    for g in grads:
        for i in range(d):
            m[i] = beta * m[i] + (1.0 - beta) * g[i]
            v[i] = beta * beta * v[i] + (1.0 - beta * beta) * g[i] * g[i]
        if coordinatewise:
            u = [alpha * _ratio(m[i], math.sqrt(v[i])) for i in range(d)]
            delta = [-min(D, max(-D, ui)) for ui in u]
        else:
            total = math.sqrt(sum(v))
            u = [alpha * _ratio(m[i], total) for i in range(d)]
            norm = math.sqrt(sum(ui * ui for ui in u))
            scale = 1.0 if norm <= D else D / norm
            delta = [-scale * ui for ui in u]
        x = [xi + di for xi, di in zip(x, delta, strict=True)]
        out.append(list(x))
    return out
