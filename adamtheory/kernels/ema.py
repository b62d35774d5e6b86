r"""Model exponential moving averages (docs/theory §1.4) and the output-index laws of O2NC (§1.5).

Two estimators, deliberately kept apart because they differ:

* the **normalised** EMA of the O2NC theory (AC24, AMC25),
  :math:`\bar y_t = \frac{1-\beta}{1-\beta^t}\sum_{s=1}^t \beta^{t-s} y_s`, computed by the exact
  recursion :math:`\bar y_t = \frac{\beta-\beta^t}{1-\beta^t}\bar y_{t-1}
  + \frac{1-\beta}{1-\beta^t} y_t`;
* the **deep-learning** EMA, :math:`e_0 = x_0,\; e_t = d\,e_{t-1} + (1-d)\,x_t`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .._validate import check_choice, check_int, check_interval

__all__ = ["EMAState", "ModelEMA", "ema_weights", "model_ema", "tau_probabilities"]


@dataclass(frozen=True)
class EMAState:
    """Running average after ``t`` updates."""

    t: int
    value: Any


@dataclass(frozen=True)
class ModelEMA:
    r"""Model EMA with discount ``beta``.

    ``form="normalised"``: :math:`\bar y_t = \frac{\beta-\beta^t}{1-\beta^t}\bar y_{t-1} +
    \frac{1-\beta}{1-\beta^t} y_t` (docs/theory §1.4; equals the weighted average with weights
    :math:`w_{t,s} = (1-\beta)\beta^{t-s}/(1-\beta^t)`, AMC25 §3). ``init`` ignores its argument's
    values (only the shape is used) because :math:`\bar y_1 = y_1`.

    ``form="deep"``: :math:`e_0 = x_0`, :math:`e_t = \beta e_{t-1} + (1-\beta) x_t`
    (the deep-learning practice; biased towards :math:`x_0`).
    """

    beta: float
    form: str = "normalised"

    def __post_init__(self) -> None:
        check_interval("beta", self.beta, 0.0, 1.0)
        check_choice("form", self.form, ("normalised", "deep"))
        object.__setattr__(self, "beta", float(self.beta))

    def init(self, x0: Any) -> EMAState:
        xp = array_namespace(x0)
        x0 = xp.asarray(x0, dtype=xp.float64)
        value = x0.copy() if self.form == "deep" else xp.zeros_like(x0)
        return EMAState(t=0, value=value)

    def update(self, y: Any, state: EMAState) -> tuple[Any, EMAState]:
        """Fold ``y`` into the average; return the new average and state."""
        if not hasattr(y, "shape"):
            raise TypeError(f"y must be a NumPy or CuPy array; got {type(y).__name__}")
        if tuple(y.shape) != tuple(state.value.shape):
            raise ValueError(
                f"y must have shape {tuple(state.value.shape)} (as at init); got {tuple(y.shape)}"
            )
        b = self.beta
        t = state.t + 1
        if self.form == "normalised":
            bt = b**t
            value = ((b - bt) / (1.0 - bt)) * state.value + ((1.0 - b) / (1.0 - bt)) * y
        else:
            value = b * state.value + (1.0 - b) * y
        return value, replace(state, t=t, value=value)


def model_ema(beta: float, form: str = "normalised") -> ModelEMA:
    """Model EMA helper (see :class:`ModelEMA`)."""
    return ModelEMA(beta, form)


def ema_weights(beta: float, t: int) -> np.ndarray:
    r"""Weights :math:`w_{t,s} = (1-\beta)\beta^{t-s}/(1-\beta^t)`, ``s = 1..t`` (sum to 1)."""
    check_interval("beta", beta, 0.0, 1.0)
    t = check_int("t", t, minimum=1)
    s = np.arange(1, t + 1)
    return (1.0 - beta) * beta ** (t - s) / (1.0 - beta**t)


def tau_probabilities(beta: float, T: int, law: str = "amc25") -> np.ndarray:
    r"""Distribution of the output index :math:`\tau \in \{1..T\}`.

    ``law="uniform"`` (CMO23, ZC24, AC24): :math:`1/T` each. ``law="amc25"`` (AMC25 Definition 4):
    :math:`\Pr(\tau=t) = (1-\beta^t)/T` for :math:`t<T` and
    :math:`\Pr(\tau=T) = (1-\beta^T)/((1-\beta)T)`.
    """
    check_interval("beta", beta, 0.0, 1.0)
    T = check_int("T", T, minimum=1)
    check_choice("law", law, ("uniform", "amc25"))
    if law == "uniform":
        return np.full(T, 1.0 / T)
    t = np.arange(1, T + 1, dtype=np.float64)
    p = (1.0 - beta**t) / T
    p[-1] = (1.0 - beta**T) / ((1.0 - beta) * T)
    return p
