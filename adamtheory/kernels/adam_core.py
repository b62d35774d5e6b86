r"""The one definition of the Adam step, the classification rule and the counter-based hash
(and of β-OMD's increment, :func:`omd_increment`).

Every kernel of the toolkit — the NumPy references, the Numba CPU kernels, the GPU kernels and
the batched optimizers of :mod:`adamtheory.kernels.optimizers` — computes Adam's recurrence, the
per-step/end-of-run classification of docs/theory §5 and the SplitMix64 streams of
:mod:`adamtheory.kernels.sampling` by calling the functions of this module. The test oracle
:mod:`adamtheory.claims.reference_loops` is the only other place the recurrence is written
(independently, in scalar Python, on purpose).

**One source, four targets.** The functions are plain Python written so that the same source is
valid

* on NumPy arrays (and CuPy arrays: every call is an operator or a NumPy ufunc, which CuPy
  dispatches through ``__array_ufunc__``): the vectorised references call them directly;
* on scalars inside ``numba.njit`` kernels: :func:`jitted` registers each function with
  ``numba.extending.register_jitable`` (the primitives :func:`select`, :func:`maximum`,
  :func:`sqrt`, :func:`absolute`, :func:`to_float` with a scalar ``overload``: the CUDA target
  has no scalar ``numpy.where``/``sqrt``/``abs``, and inside these generic bodies it cannot
  compile the builtins ``min``/``max`` either), so a kernel simply calls
  ``adam_core.adam_step(...)``; LLVM inlines the small bodies, and since everything is
  branch-free on data (:func:`select` compiles to a select, not a jump) a loop over a block of
  trajectories vectorises;
* on scalars inside ``numba.cuda`` kernels: the same registrations are for Numba's generic
  target, which ``numba.cuda`` kernels resolve too (:func:`cuda_device`);
* in plain Python on floats (slow; only for checks).

Only the operations below appear, each correctly rounded in IEEE float64 on every target
(``+ - * /`` and ``sqrt``; no fused multiply-add: Numba does not contract without
``fastmath``, CUDA kernels compile with ``fastmath=False``/``--fmad=false``), so every backend
gives the same bits.

The Adam step (docs/theory §1.1; Kingma & Ba 2015, Algorithm 1; Z22's Adam with ε = 0)

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
    x_{t+1} = x_t - \eta_t\, d_t,

    d_t = \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}
    \ \text{(bias correction)}, \qquad
    d_t = \frac{m_t}{\sqrt{v_t} + \epsilon}\ \text{(without)},

with :math:`d_t := 0` where the denominator is 0 (ε = 0, v = 0); the bias-corrected form is
evaluated with one division (:func:`corrected_direction`; a few ulp from PyTorch's order).
The caller owns :math:`\beta^t` (``b1t``, ``b2t``): the sweeps multiply
(:func:`advance_power`, bit-identical everywhere), the optimizers use ``pow``; and the
caller owns the initial :math:`m_0, v_0` (zero for Kingma & Ba, anything for Z22's Algorithm 1,
which initialises them and has no bias correction). AMSGrad (Reddi et al. 2018, Algorithm 2)
replaces :math:`v_t` in the denominator by a running maximum
(:func:`amsgrad_second`); clipped Adam (Ahn & Cutkosky 2024) clips the increment
(:func:`clipped_increment`). ε is added outside the square root, as PyTorch and Optax do
(ε inside, :math:`\sqrt{\hat v+\epsilon}`, is only the oracle's negative control).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

__all__ = [
    "AMSGRAD_CODES",
    "CONVERGED",
    "DIVERGED",
    "OVERFLOW",
    "UNDECIDED",
    "X_STAR",
    "adam_direction",
    "adam_moments",
    "adam_step",
    "advance_power",
    "amsgrad_second",
    "ball_radius",
    "clipped_increment",
    "corrected_direction",
    "cuda_device",
    "ema",
    "to_float",
    "sqrt",
    "absolute",
    "end_status",
    "finite_bounded",
    "hash_counter",
    "hash_keyed",
    "hash_uniform",
    "jitted",
    "maximum",
    "mix64",
    "omd_increment",
    "safe_divide",
    "select",
]

# Status codes of the classification rule (docs/theory §5); NONFINITE_GRADIENT = 2 lives in
# adamtheory.kernels.nonfinite.
DIVERGED, UNDECIDED, CONVERGED = 1, 0, -1
OVERFLOW = 1e100  # |x| above this is divergence (overflow is a result, never a NaN)
X_STAR = -2.0  # minimiser of the one-big-gradient counterexample (docs/theory §3.1)
POWER_FLUSH = 2.0**-60  # below this beta^t is flushed to 0 (1 - beta^t == 1 already at 2^-54)
# corrected_direction vs PyTorch's order, relative, in units of 2^-52, for normal numbers:
# sqrt(v) and 1 - b1t are common to both; the rest rounds 5 times in ours and 4 in PyTorch's
# order (relative error <= 2^-53 each, to first order), at most 9 * 2^-53 = 4.5 units apart;
# 6 leaves room for the second-order terms
DIRECTION_ULPS = 6

# AMSGrad variants as integers (Numba/CUDA kernels take no strings)
AMS_NONE, AMS_TORCH, AMS_OPTAX, AMS_PAPER = 0, 1, 2, 3
AMSGRAD_CODES = {None: AMS_NONE, "torch": AMS_TORCH, "optax": AMS_OPTAX, "paper": AMS_PAPER}

# SplitMix64 constants (Steele, Lea & Flood 2014; the finaliser of Vigna's splitmix64.c)
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ONE = np.uint64(1)
SCALE53 = 1.0 / 9007199254740992.0  # 2**-53


# --------------------------------------------------------------------------- primitives


def select(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` else ``b`` (``numpy.where`` on arrays; a branch-free select in
    Numba and CUDA kernels, so loops over trajectories vectorise)."""
    return np.where(cond, a, b)


def maximum(a: Any, b: Any) -> Any:
    """``numpy.maximum`` (NaN propagates), also for scalars in compiled kernels."""
    return np.maximum(a, b)


def sqrt(x: Any) -> Any:
    """``numpy.sqrt`` (correctly rounded), also for scalars in compiled kernels, where it is
    ``math.sqrt``: the CUDA target has no scalar ``numpy.sqrt``; both lower to the same IEEE
    square root on the CPU."""
    return np.sqrt(x)


def absolute(x: Any) -> Any:
    """``numpy.abs``, also for scalars in compiled kernels (the builtin ``abs`` there; the CUDA
    target has no scalar ``numpy.abs``)."""
    return np.abs(x)


def to_float(bits: Any) -> Any:
    """uint64 -> float64 (exact below 2^53), arrays or scalars."""
    return np.asarray(bits).astype(np.float64)


def safe_divide(num: Any, den: Any) -> Any:
    r"""``num / den``, and 0 where ``den`` is not positive (docs/theory §1.1: m/√v := 0)."""
    ok = den > 0.0
    return select(ok, num / select(ok, den, 1.0), 0.0)


def finite_bounded(x: Any) -> Any:
    r"""True where :math:`|x| \le 10^{100}` (False for NaN and ±inf): the per-step test of the
    classification rule (a False is divergence, or a frozen trajectory)."""
    return absolute(x) <= OVERFLOW


# --------------------------------------------------------------------------- Adam


def ema(prev: Any, new: Any, beta: Any) -> Any:
    r"""Exponential moving average :math:`\beta\,prev + (1-\beta)\,new` (Adam's moments,
    EMA momentum)."""
    return beta * prev + (1.0 - beta) * new


def adam_moments(m: Any, v: Any, g: Any, beta1: Any, beta2: Any) -> tuple[Any, Any]:
    r"""Adam's moment recursions :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
    :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2` (docs/theory §1.1; any :math:`m_0, v_0`)."""
    return ema(m, g, beta1), ema(v, g * g, beta2)


def adam_direction(m: Any, v: Any, b1t: Any, b2t: Any, bias_correction: bool, eps: Any) -> Any:
    r"""Adam's direction :math:`d_t` (docs/theory §1.1; Kingma & Ba 2015, Algorithm 1).

    :math:`\frac{m/(1-\beta_1^t)}{\sqrt v/\sqrt{1-\beta_2^t}+\epsilon}` with bias correction
    (the square roots taken separately, as PyTorch does; evaluated with one division by
    :func:`corrected_direction`), :math:`m/(\sqrt v+\epsilon)` without; 0 where the
    denominator is 0. ``b1t``, ``b2t`` are :math:`\beta_1^t, \beta_2^t` (ignored without bias
    correction). ``v`` is the second moment used in the denominator (for
    AMSGrad, :func:`amsgrad_second`).
    """
    if bias_correction:
        return corrected_direction(m, v, b1t, sqrt(1.0 - b2t), eps)
    return safe_divide(m, sqrt(v) + eps)


def corrected_direction(m: Any, v: Any, b1t: Any, c2: Any, eps: Any) -> Any:
    r"""The bias-corrected direction given :math:`c_2 = \sqrt{1-\beta_2^t}`, evaluated as

    .. math::

        d = \frac{m\,c_2}{(1-\beta_1^t)\,(\sqrt v + \epsilon\,c_2)}
          \;=\; \frac{m/(1-\beta_1^t)}{\sqrt v/c_2+\epsilon},

    one division and one square root per element instead of PyTorch's three divisions
    (:math:`m/(1-\beta_1^t)`, :math:`\sqrt v/c_2`, the quotient): exact division is the
    bottleneck of the vectorised sweeps (docs/performance.md). The two forms are equal in exact
    arithmetic; in float64 they differ by at most :data:`DIRECTION_ULPS`
    :math:`\times 2^{-52}` relative for normal numbers (tested against PyTorch's order in
    tests/test_kernel_core.py; measured: at most 3), below every tolerance at which the toolkit
    compares with PyTorch and Optax. 0 where the denominator is 0 (ε = 0 and v = 0; also for
    :math:`\beta_1^t = 1`, where PyTorch's order divides by zero: the callers' β1 lies in
    [0, 1), so :math:`\beta_1^t < 1` from the first step on).
    :func:`adam_direction` computes :math:`c_2`; a kernel whose trajectories share β2 computes
    it once per step for all of them, with the same bits."""
    return safe_divide(m * c2, (1.0 - b1t) * (sqrt(v) + eps * c2))


def advance_power(power: Any, beta: Any) -> Any:
    r""":math:`\beta^{t+1}` from :math:`\beta^t` by one product, set to 0 once
    :math:`\beta^t < 2^{-60}` (:data:`POWER_FLUSH`).

    The powers enter the step only as :math:`1-\beta^t` (bias corrections). For
    :math:`0 \le \beta^t \le 2^{-54}`, :math:`1-\beta^t` rounds to 1 exactly (the neighbours of
    1 below are :math:`1-2^{-53}`, and round-to-nearest-even sends the midpoint to 1), and the
    powers only decrease for :math:`\beta < 1`: flushing changes no iterate, moment or
    classification bit, while the products would otherwise run through the subnormal range
    (:math:`\beta_1 = 0.999` spends ~37,000 steps there), where they cost many times a normal
    multiplication on x86. Every kernel that advances powers by products calls this, so all
    backends keep the same bits."""
    return select(power < POWER_FLUSH, 0.0, power * beta)


def amsgrad_second(v_max: Any, v: Any, b2t: Any, variant: int) -> Any:
    r"""AMSGrad's running maximum (Reddi et al. 2018, Algorithm 2), the new ``v_max``.

    ``variant`` (:data:`AMSGRAD_CODES`): torch and paper keep :math:`\max(v^{\max}, v_t)`;
    optax keeps the maximum of the bias-corrected :math:`\hat v_t = v_t/(1-\beta_2^t)`
    (then the direction uses it without further correction, see :func:`adam_step`).
    """
    if variant == AMS_OPTAX:
        return maximum(v_max, v / (1.0 - b2t))
    return maximum(v_max, v)


def adam_step(
    x: Any,
    m: Any,
    v: Any,
    v_max: Any,
    g: Any,
    beta1: Any,
    beta2: Any,
    b1t: Any,
    b2t: Any,
    lr: Any,
    eps: Any,
    bias_correction: bool,
    amsgrad: int,
) -> tuple[Any, Any, Any, Any]:
    r"""One Adam (or AMSGrad) step; returns ``(x_new, m, v, v_max)``.

    :math:`x_{t+1} = x_t - \eta_t d_t` with :math:`d_t` from :func:`adam_direction`;
    ``b1t``, ``b2t`` are :math:`\beta^t` for this step t (the caller advances them), ``lr``
    is :math:`\eta_t` (schedule applied). ``amsgrad`` is a code of :data:`AMSGRAD_CODES`
    (``v_max`` is returned unchanged for plain Adam; pass any value of the right shape).
    """
    m, v = adam_moments(m, v, g, beta1, beta2)
    if amsgrad == AMS_NONE:
        d = adam_direction(m, v, b1t, b2t, bias_correction, eps)
    else:
        # without bias correction every variant is Reddi et al.'s max of the raw v
        v_max = amsgrad_second(v_max, v, b2t, amsgrad if bias_correction else AMS_PAPER)
        if amsgrad == AMS_OPTAX and bias_correction:
            # v_max is already bias-corrected: only m is corrected
            d = adam_direction(m / (1.0 - b1t), v_max, b1t, b2t, False, eps)
        else:
            d = adam_direction(m, v_max, b1t, b2t, bias_correction, eps)
    return x - lr * d, m, v, v_max


def omd_increment(delta: Any, g: Any, momentum: Any, eta: Any) -> Any:
    r"""β-OMD's increment (AMC25 Lemma 3.2; docs/theory §1.4):
    :math:`\delta_{t+1} = c\,(\delta_t - \eta g_t)` with :math:`c = \beta/(1+\eta\mu)`
    (``momentum``), i.e. heavy-ball SGD (claim OMD-SGDM). Every O2NC kernel, the reference
    learner :class:`~adamtheory.kernels.conversion.BetaOMD` and the regret adversary call it."""
    return momentum * (delta - eta * g)


def clipped_increment(m: Any, v: Any, alpha: Any, D: Any) -> Any:
    r"""Clipped Adam's coordinate-wise increment :math:`-\mathrm{clip}_D(\alpha\,m/\sqrt v)`
    (Ahn & Cutkosky 2024, Algorithm 1; docs/theory §1.3), 0 where v = 0."""
    u = alpha * safe_divide(m, sqrt(v))
    return -select(u > D, D, select(u < -D, -D, u))


# --------------------------------------------------------------------------- classification


def ball_radius(d0: Any, rho: Any, lr: Any, epochs_done: Any) -> Any:
    r"""Radius :math:`d_0 + 1 + \rho\,\eta\sqrt{k}` of the ball after k epochs (docs/theory §5):
    ending an epoch outside it is the first half of the divergence test."""
    return d0 + 1.0 + rho * lr * sqrt(epochs_done)


def end_status(
    status: Any,
    diverged_at: Any,
    alive: Any,
    last_inside: Any,
    final_dist: Any,
    half_dist: Any,
    half_mass: Any,
    epochs: Any,
    d0: Any,
    rho: Any,
    conv_tol: Any,
) -> tuple[Any, Any]:
    r"""End-of-run classification (docs/theory §5); returns the new ``(status, diverged_at)``.

    An undecided live run that ends outside the ball (``last_inside < epochs``) and still
    recedes, :math:`d_K - d_{\lfloor K/2\rfloor} > (\rho/2)\,S` (S = ``half_mass``), is
    :data:`DIVERGED` at ``last_inside + 1``; an undecided run with
    :math:`d_K \le \mathrm{tol}\cdot\max(1, d_0)` is :data:`CONVERGED`. ``conv_tol < 0``
    disables "converged" (no known minimiser).
    """
    receding = final_dist - half_dist > 0.5 * rho * half_mass
    left = alive & (status == UNDECIDED) & (last_inside < epochs) & receding
    status = select(left, DIVERGED, status)
    diverged_at = select(left, last_inside + 1, diverged_at)
    conv = (status == UNDECIDED) & (final_dist <= conv_tol * max(1.0, d0))
    return select(conv, CONVERGED, status), diverged_at


# --------------------------------------------------------------------------- hash


def mix64(z: Any) -> Any:
    """SplitMix64 finaliser, a bijection of uint64 with full avalanche (wraps modulo 2^64)."""
    z = (z ^ (z >> _S30)) * M1
    z = (z ^ (z >> _S27)) * M2
    return z ^ (z >> _S31)


def hash_counter(counter: Any) -> Any:
    r"""The counter half of the hash, :math:`\mathrm{mix}(counter\cdot\phi + 1)`: shared by
    every trajectory at one counter, so kernels compute it once per counter."""
    return mix64(counter * GOLDEN + _ONE)


def hash_keyed(key: Any, mixed_counter: Any) -> Any:
    """The key half: a uniform float64 in [0, 1) from ``key`` and :func:`hash_counter`."""
    return to_float(mix64(key ^ mixed_counter) >> _S11) * SCALE53


def hash_uniform(key: Any, counter: Any) -> Any:
    r"""Uniform float64 in [0, 1) from a uint64 ``key`` and a uint64 ``counter`` that already
    carries its stream in the top byte: :math:`2^{-53}\lfloor h/2^{11}\rfloor` with
    :math:`h = \mathrm{mix}(key \oplus \mathrm{mix}(counter\cdot\phi + 1))`
    (:mod:`adamtheory.kernels.sampling`)."""
    return hash_keyed(key, hash_counter(counter))


# --------------------------------------------------------------------------- compiled forms

_JITABLE = (
    ema,
    corrected_direction,
    advance_power,
    safe_divide,
    finite_bounded,
    adam_moments,
    adam_direction,
    amsgrad_second,
    adam_step,
    omd_increment,
    clipped_increment,
    ball_radius,
    end_status,
    mix64,
    hash_counter,
    hash_keyed,
    hash_uniform,
)


def _select_impl(cond, a, b):
    return a if cond else b


def _sqrt_impl(x):
    return math.sqrt(x)


def _abs_impl(x):
    return abs(x)


def _maximum_impl(a, b):
    return a if (a > b or a != a) else b  # a != a: a is NaN, which np.maximum returns


def _to_float_impl(bits):
    return np.float64(bits)


def _typed_select(cond, a, b):
    return _select_impl


def _typed_maximum(a, b):
    return _maximum_impl


def _typed_sqrt(x):
    return _sqrt_impl


def _typed_absolute(x):
    return _abs_impl


def _typed_to_float(bits):
    return _to_float_impl


@cache
def jitted() -> Any:
    """Register this module's functions with Numba; returns the module.

    Kernel modules call it once at import (``from . import adam_core as ac; ac.jitted()``);
    then ``ac.adam_step(...)`` inside an ``@njit`` or ``numba.cuda.jit`` kernel compiles the
    scalar form (``numba.extending.register_jitable``; the primitives :func:`select`,
    :func:`maximum`, :func:`sqrt`, :func:`absolute`, :func:`to_float` get scalar
    ``overload`` s). Numba's generic target covers
    CPU and CUDA kernels alike. Done lazily so that array users of the toolkit do not import
    Numba.
    """
    import sys

    from numba.extending import overload, register_jitable

    for fn in _JITABLE:
        register_jitable(fn)
    overload(select)(_typed_select)
    overload(maximum)(_typed_maximum)
    overload(to_float)(_typed_to_float)
    overload(sqrt)(_typed_sqrt)
    overload(absolute)(_typed_absolute)
    return sys.modules[__name__]


def cuda_device() -> Any:
    """:func:`jitted` for ``numba.cuda`` kernels (the same registrations; raises ImportError
    where ``numba.cuda`` is unusable)."""
    from numba import cuda  # noqa: F401

    return jitted()
