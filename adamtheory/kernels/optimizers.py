r"""Batched, pure-functional Adam-family optimizers with exact reference semantics.

Every state array has the shape of the iterate: ``(B, d)`` for a batch of ``B`` independent
trajectories in dimension ``d`` (or ``(d,)`` for a single one). Every hyperparameter may be a
scalar, a ``(B,)`` array (one value per trajectory) or a ``(B, d)`` array, so one call runs a
whole hyperparameter grid. Arithmetic is float64 unless the caller passes other arrays.

The update rules are those of docs/theory §1.1 and §1.3; the objects are frozen dataclasses and
``step`` returns a new state, so two experiments never share anything.

References
----------
.. [KB15] Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015, Algorithm 1.
.. [R18] Reddi, Kale & Kumar, "On the convergence of Adam and beyond", ICLR 2018, Algorithm 2
   (AMSGrad).
.. [FTRL24] Ahn, Zhang, Kook & Dai, "Understanding Adam optimizer via online learning of
   updates: Adam is FTRL in disguise", ICML 2024.
.. [AC24] Ahn & Cutkosky, "Adam with model exponential moving average is effective for
   nonconvex optimization", NeurIPS 2024 (clipped Adam, Algorithm 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .._arrays import array_namespace
from .._validate import (
    as_hyperparameter,
    check_choice,
    check_interval,
    check_positive,
)
from . import adam_core as ac

__all__ = [
    "Adam",
    "ClippedAdam",
    "OptimizerState",
    "SGD",
    "SGDMomentum",
    "adam",
    "amsgrad",
    "clipped_adam",
    "rmsprop",
    "sgd",
    "sgdm",
]

AMSGRAD_VARIANTS = ("torch", "optax", "paper")


@dataclass(frozen=True)
class OptimizerState:
    """State of an Adam-family optimizer after ``t`` steps.

    Attributes
    ----------
    t : int
        Number of steps taken (all trajectories advance in lock-step).
    m, v : array or None
        First and second moment estimates (``None`` where the method has none).
    v_max : array or None
        Running maximum used by AMSGrad (raw ``v`` for ``"torch"``/``"paper"``, bias-corrected
        ``v̂`` for ``"optax"``).
    hyper : dict
        Hyperparameters converted once to the iterate's array namespace and shape.
    owner : optimizer or None
        The optimizer whose ``init`` made this state; ``step`` refuses a state made by an
        optimizer with other hyperparameters (they would otherwise be used silently).
    """

    t: int
    m: Any = None
    v: Any = None
    v_max: Any = None
    hyper: dict = field(default_factory=dict, repr=False)
    owner: Any = field(default=None, repr=False, compare=False)


def _safe_divide(xp: Any, num: Any, den: Any) -> Any:
    """``num / den`` with the convention ``num / 0 := 0`` (docs/theory §1.1, ε = 0)."""
    return ac.safe_divide(num, den)


def _same_hyper(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    try:
        host_a = a.get() if hasattr(a, "get") and not isinstance(a, dict) else a
        host_b = b.get() if hasattr(b, "get") and not isinstance(b, dict) else b
        import numpy as np

        return bool(np.array_equal(np.asarray(host_a), np.asarray(host_b), equal_nan=True))
    except (TypeError, ValueError):
        return False


def _check_owner(opt: Any, state: OptimizerState) -> None:
    """TypeError/ValueError unless ``state`` was made by ``init`` of an optimizer equal to
    ``opt`` (same class and hyperparameters)."""
    owner = state.owner
    if owner is opt:
        return
    if owner is None:
        raise ValueError(
            "state has no owner: pass a state returned by this optimizer's init() or step()"
        )
    mine, theirs = opt.params(), owner.params()
    if type(owner) is not type(opt) or mine.keys() != theirs.keys():
        raise ValueError(
            f"state was made by {type(owner).__name__}.init(), not by the "
            f"{type(opt).__name__} stepping it; call init() of the optimizer that steps"
        )
    for name, value in mine.items():
        if not _same_hyper(value, theirs[name]):
            raise ValueError(
                f"state was made by an optimizer with {name}={theirs[name]!r}, but the "
                f"optimizer stepping it has {name}={value!r}; call init() of the optimizer "
                "that steps (hyperparameters are the optimizer's, never the state's)"
            )


def _prepare_hyper(xp: Any, x0: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Move array hyperparameters to ``xp`` and check they broadcast against ``x0``."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, float):
            out[name] = value
            continue
        if x0.ndim != 2:
            raise ValueError(
                f"{name} is an array of shape {tuple(value.shape)}, which needs a batched "
                f"iterate x0 of shape (B, d); got x0 of shape {tuple(x0.shape)}"
            )
        batch, dim = x0.shape
        if value.shape[0] != batch or value.shape[1] not in (1, dim):
            raise ValueError(
                f"{name} has shape {tuple(value.shape)}; with x0 of shape {(batch, dim)} it must "
                f"have shape ({batch},), ({batch}, 1) or ({batch}, {dim})"
            )
        out[name] = xp.asarray(value, dtype=xp.float64)
    return out


def _check_iterate(x0: Any) -> Any:
    xp = array_namespace(x0)
    x0 = xp.asarray(x0)
    if x0.ndim not in (1, 2):
        raise ValueError(f"x0 must have shape (d,) or (B, d); got shape {tuple(x0.shape)}")
    if x0.shape[-1] < 1 or (x0.ndim == 2 and x0.shape[0] < 1):
        raise ValueError(f"x0 must be non-empty; got shape {tuple(x0.shape)}")
    if not xp.issubdtype(x0.dtype, xp.floating):
        x0 = x0.astype(xp.float64)
    return x0


def _check_step_args(x: Any, g: Any, state: OptimizerState) -> None:
    for name, value in (("x", x), ("g", g)):
        if not hasattr(value, "shape"):
            raise TypeError(f"{name} must be a NumPy or CuPy array; got {type(value).__name__}")
    if not isinstance(state, OptimizerState):
        raise TypeError(f"state must be an OptimizerState from init(); got {type(state).__name__}")
    if tuple(g.shape) != tuple(x.shape):
        raise ValueError(
            f"g must have the shape of x; got g {tuple(g.shape)} and x {tuple(x.shape)}"
        )


def _check_lr_scale(lr_scale: Any) -> None:
    if isinstance(lr_scale, (int, float)) and not lr_scale >= 0:
        raise ValueError(f"lr_scale must be >= 0; got {lr_scale}")


@dataclass(frozen=True)
class Adam:
    r"""Adam [KB15]_ with optional bias correction and three AMSGrad variants [R18]_.

    Update (docs/theory §1.1), with :math:`m_0 = v_0 = 0` and step size :math:`\eta_t`:

    .. math::

        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \\
        x_{t+1} &= x_t - \eta_t \,
            \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}
        \quad\text{(bias correction)}, \qquad
        x_{t+1} = x_t - \eta_t \frac{m_t}{\sqrt{v_t} + \epsilon} \quad\text{(without)}.

    With ``bias_correction=True, eps=1e-8`` this is ``torch.optim.Adam`` and ``optax.adam``.
    ``eps=0`` is allowed; then :math:`m/\sqrt{v} := 0` where :math:`v = 0`. With ``eps=0`` the
    direction is invariant to a positive rescaling of all gradients; in float64 this holds while
    :math:`g^2` and :math:`v` stay normal numbers (no underflow to denormals or 0, no overflow:
    roughly :math:`|g|` in 1e-154..1e154), as in PyTorch and Optax, whose semantics are kept.

    AMSGrad variants: ``"torch"`` keeps :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` and
    bias-corrects after; ``"optax"`` takes the maximum of :math:`\hat v_t`; ``"paper"`` is
    [R18]_ Algorithm 2 without bias correction, :math:`x_{t+1} = x_t - \eta_t m_t /
    (\sqrt{v^{\max}_t} + \epsilon)`.
    """

    lr: Any
    beta1: Any = 0.9
    beta2: Any = 0.999
    eps: Any = 1e-8
    bias_correction: bool = True
    amsgrad: str | None = None
    name: str = "adam"

    def __post_init__(self) -> None:
        for pname in ("lr", "beta1", "beta2", "eps"):
            object.__setattr__(self, pname, as_hyperparameter(pname, getattr(self, pname)))
        check_positive("lr", self.lr, allow_zero=True)
        check_interval("beta1", self.beta1, 0.0, 1.0)
        check_interval("beta2", self.beta2, 0.0, 1.0)
        check_positive("eps", self.eps, allow_zero=True)
        if not isinstance(self.bias_correction, bool):
            raise TypeError(f"bias_correction must be True or False; got {self.bias_correction!r}")
        if self.amsgrad is not None:
            check_choice("amsgrad", self.amsgrad, (None, *AMSGRAD_VARIANTS))
            if self.amsgrad == "paper" and self.bias_correction:
                raise ValueError(
                    "amsgrad='paper' is Reddi et al.'s AMSGrad, which has no bias correction: "
                    "pass bias_correction=False (or use amsgrad='torch' / 'optax')"
                )

    def params(self) -> dict[str, Any]:
        """Hyperparameters as a plain dict (arrays stay arrays)."""
        return {
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "bias_correction": self.bias_correction,
            "amsgrad": self.amsgrad,
        }

    def init(self, x0: Any) -> OptimizerState:
        """Zero moments for the iterate ``x0`` of shape ``(B, d)`` or ``(d,)``."""
        x0 = _check_iterate(x0)
        xp = array_namespace(x0)
        hyper = _prepare_hyper(
            xp, x0, {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}
        )
        zeros = xp.zeros(x0.shape, dtype=x0.dtype)
        return OptimizerState(
            t=0,
            m=zeros,
            v=zeros,
            v_max=zeros if self.amsgrad else None,
            hyper=hyper,
            owner=self,
        )

    def step(
        self, x: Any, g: Any, state: OptimizerState, *, lr_scale: Any = 1.0
    ) -> tuple[Any, OptimizerState]:
        """One update with gradient ``g``; ``lr_scale`` multiplies ``lr`` (step-size schedule).

        Returns the new iterate and the new state; nothing is modified in place.
        """
        _check_step_args(x, g, state)
        _check_owner(self, state)
        _check_lr_scale(lr_scale)
        h = state.hyper
        b1, b2 = h["beta1"], h["beta2"]
        t = state.t + 1
        # the one Adam step (adam_core); beta^t by pow here (the sweeps multiply)
        x_new, m, v, v_max = ac.adam_step(
            x,
            state.m,
            state.v,
            state.v_max,
            g,
            b1,
            b2,
            b1**t,
            b2**t,
            h["lr"] * lr_scale,
            h["eps"],
            self.bias_correction,
            ac.AMSGRAD_CODES[self.amsgrad],
        )
        return x_new, replace(state, t=t, m=m, v=v, v_max=v_max)


@dataclass(frozen=True)
class SGD:
    r"""Plain (stochastic) gradient descent, :math:`x_{t+1} = x_t - \eta_t g_t`."""

    lr: Any
    name: str = "sgd"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_hyperparameter("lr", self.lr))
        check_positive("lr", self.lr, allow_zero=True)

    def params(self) -> dict[str, Any]:
        return {"lr": self.lr}

    def init(self, x0: Any) -> OptimizerState:
        x0 = _check_iterate(x0)
        return OptimizerState(
            t=0, hyper=_prepare_hyper(array_namespace(x0), x0, {"lr": self.lr}), owner=self
        )

    def step(
        self, x: Any, g: Any, state: OptimizerState, *, lr_scale: Any = 1.0
    ) -> tuple[Any, OptimizerState]:
        _check_step_args(x, g, state)
        _check_owner(self, state)
        _check_lr_scale(lr_scale)
        return x - (state.hyper["lr"] * lr_scale) * g, replace(state, t=state.t + 1)


@dataclass(frozen=True)
class SGDMomentum:
    r"""SGD with momentum, in EMA form or PyTorch's heavy-ball form.

    ``form="ema"``: :math:`m_t = \beta m_{t-1} + (1-\beta) g_t,\; x_{t+1} = x_t - \eta_t m_t`.

    ``form="heavy_ball"`` (``torch.optim.SGD(momentum=β, dampening=0)``):
    :math:`b_t = \beta b_{t-1} + g_t,\; x_{t+1} = x_t - \eta_t b_t`.
    """

    lr: Any
    beta: Any = 0.9
    form: str = "ema"
    name: str = "sgdm"

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", as_hyperparameter("lr", self.lr))
        object.__setattr__(self, "beta", as_hyperparameter("beta", self.beta))
        check_positive("lr", self.lr, allow_zero=True)
        check_interval("beta", self.beta, 0.0, 1.0)
        check_choice("form", self.form, ("ema", "heavy_ball"))

    def params(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta": self.beta, "form": self.form}

    def init(self, x0: Any) -> OptimizerState:
        x0 = _check_iterate(x0)
        xp = array_namespace(x0)
        hyper = _prepare_hyper(xp, x0, {"lr": self.lr, "beta": self.beta})
        return OptimizerState(t=0, m=xp.zeros(x0.shape, dtype=x0.dtype), hyper=hyper, owner=self)

    def step(
        self, x: Any, g: Any, state: OptimizerState, *, lr_scale: Any = 1.0
    ) -> tuple[Any, OptimizerState]:
        _check_step_args(x, g, state)
        _check_owner(self, state)
        _check_lr_scale(lr_scale)
        beta = state.hyper["beta"]
        if self.form == "ema":
            m = ac.ema(state.m, g, beta)
        else:
            m = beta * state.m + g
        x_new = x - (state.hyper["lr"] * lr_scale) * m
        return x_new, replace(state, t=state.t + 1, m=m)


@dataclass(frozen=True)
class ClippedAdam:
    r"""Clipped Adam = clipped :math:`\beta`-FTRL on the increments (docs/theory §1.3).

    With :math:`\beta_1 = \beta`, :math:`\beta_2 = \beta^2`, :math:`\epsilon = 0`, no bias
    correction and :math:`\alpha = D\sqrt{(1+\beta)/(1-\beta)}` [FTRL24]_, [AC24]_:

    .. math::

        \Delta_{t+1} = -\operatorname{clip}_D\!\left(\alpha\, m_t / \sqrt{v_t}\right)
        \;\text{(coordinate-wise, box } [-D, D]^d\text{)}, \qquad
        \Delta_{t+1} = -\operatorname{clip}_D\!\left(\alpha\, m_t / \sqrt{\textstyle\sum_i v_{t,i}}
        \right)\;\text{(global, ball } \|\Delta\| \le D\text{)},

    and :math:`x_{t+1} = x_t + \Delta_{t+1}`. The **update** is clipped, not the gradient. The
    step size is set by ``D`` and the data (FTRL's adaptive :math:`\eta_t`), so no learning-rate
    schedule applies. It is the exact minimiser of

    .. math::

        \Delta_{t+1} = \arg\min_{\Delta \in K} \Big\langle \sum_{s\le t}\beta^{t-s} g_s,
        \Delta\Big\rangle + \frac{\|\Delta\|^2}{2\eta_t}, \quad
        \eta_{t,i} = \frac{D}{\sqrt{\sum_{s\le t} \beta^{2(t-s)} g_{s,i}^2}}.
    """

    D: Any
    beta: Any
    coordinatewise: bool = True
    name: str = "clipped_adam"

    def __post_init__(self) -> None:
        object.__setattr__(self, "D", as_hyperparameter("D", self.D))
        object.__setattr__(self, "beta", as_hyperparameter("beta", self.beta))
        check_positive("D", self.D)
        check_interval("beta", self.beta, 0.0, 1.0)
        if not isinstance(self.coordinatewise, bool):
            raise TypeError(f"coordinatewise must be True or False; got {self.coordinatewise!r}")

    def params(self) -> dict[str, Any]:
        return {"D": self.D, "beta": self.beta, "coordinatewise": self.coordinatewise}

    def init(self, x0: Any) -> OptimizerState:
        x0 = _check_iterate(x0)
        xp = array_namespace(x0)
        hyper = _prepare_hyper(xp, x0, {"D": self.D, "beta": self.beta})
        zeros = xp.zeros(x0.shape, dtype=x0.dtype)
        return OptimizerState(t=0, m=zeros, v=zeros, hyper=hyper, owner=self)

    def increment(self, g: Any, state: OptimizerState) -> tuple[Any, OptimizerState]:
        """The FTRL increment :math:`\\Delta_{t+1}` for gradient ``g`` and the new state."""
        xp = array_namespace(g)
        beta, D = state.hyper["beta"], state.hyper["D"]
        beta2 = beta * beta
        m, v = ac.adam_moments(state.m, state.v, g, beta, beta2)
        alpha = D * ((1.0 + beta) / (1.0 - beta)) ** 0.5
        if self.coordinatewise:
            delta = ac.clipped_increment(m, v, alpha, D)
        else:
            total = xp.sqrt(xp.sum(v, axis=-1, keepdims=True))
            u = alpha * _safe_divide(xp, m, total)
            norm = xp.sqrt(xp.sum(u * u, axis=-1, keepdims=True))
            # u = 0 where the norm is 0, so the scale there is irrelevant (set to 0).
            delta = -u * xp.minimum(1.0, _safe_divide(xp, D * xp.ones_like(norm), norm))
        return delta, replace(state, t=state.t + 1, m=m, v=v)

    def step(
        self, x: Any, g: Any, state: OptimizerState, *, lr_scale: Any = 1.0
    ) -> tuple[Any, OptimizerState]:
        """``x + Δ`` with ``Δ`` from :meth:`increment`; ``lr_scale`` must be 1."""
        _check_step_args(x, g, state)
        _check_owner(self, state)
        if not (isinstance(lr_scale, (int, float)) and lr_scale == 1.0):
            raise ValueError(
                "clipped_adam takes no learning-rate schedule (its step size is D and the "
                "FTRL regulariser); use schedule='constant'"
            )
        delta, new_state = self.increment(g, state)
        return x + delta, new_state


# --------------------------------------------------------------------------- factories


def adam(
    lr: Any = 1e-3,
    beta1: Any = 0.9,
    beta2: Any = 0.999,
    eps: Any = 1e-8,
    bias_correction: bool = True,
    amsgrad: str | None = None,
) -> Adam:
    """Adam (see :class:`Adam`). Defaults are PyTorch's and Optax's."""
    return Adam(lr, beta1, beta2, eps, bias_correction, amsgrad)


def amsgrad(
    lr: Any = 1e-3,
    beta1: Any = 0.9,
    beta2: Any = 0.999,
    eps: Any = 1e-8,
    variant: str = "torch",
) -> Adam:
    """AMSGrad in one of the variants ``"torch"``, ``"optax"``, ``"paper"`` (see :class:`Adam`).

    ``"paper"`` has no bias correction (Reddi et al. 2018, Algorithm 2).
    """
    check_choice("variant", variant, AMSGRAD_VARIANTS)
    return Adam(lr, beta1, beta2, eps, variant != "paper", variant, name=f"amsgrad-{variant}")


def rmsprop(lr: Any = 1e-2, beta2: Any = 0.99, eps: Any = 1e-8) -> Adam:
    r"""RMSProp: Adam with :math:`\beta_1 = 0` and no bias correction.

    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
    :math:`x_{t+1} = x_t - \eta_t g_t/(\sqrt{v_t}+\epsilon)`
    (``torch.optim.RMSprop`` with ``alpha=beta2``).
    """
    return Adam(lr, 0.0, beta2, eps, False, None, name="rmsprop")


def sgd(lr: Any) -> SGD:
    """Plain SGD (see :class:`SGD`)."""
    return SGD(lr)


def sgdm(lr: Any, beta: Any = 0.9, form: str = "ema") -> SGDMomentum:
    """SGD with momentum, ``form="ema"`` or ``"heavy_ball"`` (see :class:`SGDMomentum`)."""
    return SGDMomentum(lr, beta, form)


def clipped_adam(D: Any, beta: Any, coordinatewise: bool = True) -> ClippedAdam:
    """Clipped Adam with radius ``D`` and discount ``beta`` (see :class:`ClippedAdam`)."""
    return ClippedAdam(D, beta, coordinatewise)
