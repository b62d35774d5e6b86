r"""Adam on a real finite sum, batched over a (β1, β2, seed) grid, and the frozen-gradient chain.

Z22's finite sum (docs/theory §6): ``n`` fixed minibatches, visited in a fresh uniform order
every epoch (``shuffle``), with the per-epoch step :math:`\eta_k = \eta/\sqrt k` (constant inside
epoch k). The step is the library's one Adam definition
(:func:`~adamtheory.kernels.adam_core.adam_moments`,
:func:`~adamtheory.kernels.adam_core.adam_direction`),
torch semantics by default (Z22's Algorithm 1 as an option, :class:`RealDataConfig`):

.. math::

    m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
    w_{t+1} = w_t - \eta_k \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \varepsilon}.

All replicas live in one ``(R, d)`` array, so one step is a few batched matrix products. For the
logistic model on NumPy, :func:`run_realdata` runs a fused Numba kernel instead (issue #14:
one replica per thread, minibatch gradient, Adam step and epoch-end evaluation in one pass;
equal to the batched loop to rounding, ``kernel="numpy"`` selects the loop). The
epoch order and the initial point of a replica are keyed by its **replicate id** (the global
seed index), not by its position in the grid: every (β1, β2) cell of one replicate sees the same
minibatch orders (common random numbers), and a chunk of the grid gives exactly the numbers the
whole grid gives.

:func:`frozen_chain` runs only Adam's (m, v) chain on frozen minibatch gradients (the advisor of
docs/theory §6, the drift chain of §3.2 in d dimensions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange

from .._validate import check_choice, check_int, check_interval, check_positive
from . import adam_core
from .sampling import (
    SAMPLING_CHOICES,
    STREAM_SAMPLING,
    epoch_permutations,
    trajectory_keys,
    uniforms,
)

# register the one Adam definition with Numba before the fused kernel below compiles
ac = adam_core.jitted()

__all__ = [
    "BLOWUP",
    "FINITE",
    "NONFINITE",
    "RealDataConfig",
    "SEMANTICS",
    "frozen_chain",
    "run_realdata",
]

FINITE = 0
BLOWUP = 1
NONFINITE = 2
SEMANTICS = ("torch", "z22")


@dataclass(frozen=True)
class RealDataConfig:
    r"""Settings of a real-data run.

    Attributes
    ----------
    epochs : int
        Number of epochs K (passes over the n minibatches).
    eta : float
        Base step η of :math:`\eta_k = \eta/\sqrt k`.
    eps : float
        Adam's ε (outside the root, torch semantics).
    seed : int
        Root seed of the counter-based streams (minibatch orders, MLP initial points).
    blowup : float
        A replica has blown up when :math:`f - f^*` exceeds ``blowup`` times its initial
        value; it is then frozen and its blow-up step recorded.
    semantics : {"torch", "z22"}
        ``"torch"``: :math:`m_0 = v_0 = 0` with bias correction (torch.optim.Adam);
        ``"z22"``: no bias correction, :math:`m_0` the gradient of one uniformly drawn
        minibatch at the start and :math:`v_0` the coordinate-wise largest squared minibatch
        gradient there (Z22's Algorithm 1 as recalled; the definition of
        :class:`~adamtheory.kernels.atlas.AtlasConfig`).
    """

    epochs: int = 40
    eta: float = 0.01
    eps: float = 1e-8
    seed: int = 0
    blowup: float = 100.0
    semantics: str = "torch"

    def __post_init__(self) -> None:
        check_choice("semantics", self.semantics, SEMANTICS)
        check_int("epochs", self.epochs, minimum=1)
        check_positive("eta", self.eta)
        check_positive("eps", self.eps, allow_zero=True)
        check_int("seed", self.seed, minimum=0)
        check_positive("blowup", self.blowup)


def run_realdata(
    problem: Any,
    beta1: Any,
    beta2: Any,
    replicate: Any,
    config: RealDataConfig,
    *,
    f_star: float,
    xp: Any = np,
    progress: str | None = None,
    kernel: str = "auto",
) -> dict[str, np.ndarray]:
    r"""Run torch-semantics Adam on every replica of a flat (β1, β2, replicate) list.

    Parameters
    ----------
    problem : adamtheory.problems.datasets.RealFiniteSum
        The finite sum (model, data, fixed minibatches).
    beta1, beta2 : array_like, shape (R,)
        Hyperparameters of each replica, in [0, 1).
    replicate : array_like of int, shape (R,)
        Global replicate id of each replica: it keys the epoch orders and the initial point.
    config : RealDataConfig
    f_star : float
        The reference minimum value (``problem.minimiser()[1]``).
    xp : module
        Array namespace (``numpy``, or ``cupy`` to run on a GPU).
    progress : str, optional
        Show a progress bar over the epochs (with a time estimate), labelled ``progress``.
    kernel : {"auto", "numpy", "numba"}
        ``"numpy"``: the batched NumPy/CuPy reference loop; ``"numba"``: a fused Numba kernel
        (logistic model on NumPy only: one replica per thread, the minibatch gradient and the
        Adam step of :mod:`~adamtheory.kernels.adam_core` in one pass, one epoch per call so
        that progress and Ctrl-C stay responsive); ``"auto"``: Numba where it applies. The
        two agree to rounding (~1e-15 relative per step: the kernel sums the dot products in
        example order where BLAS and ``numpy.mean`` block); every replica is computed alone,
        so chunking never changes a number on either path.

    Returns
    -------
    dict of numpy arrays
        ``final_gap`` (R,): :math:`f(w_K) - f^*` (``inf`` for a blown-up or non-finite
        replica); ``min_grad_norm`` (R,): the smallest :math:`\lVert\nabla f\rVert` at an epoch
        end; ``blowup_step`` (R,): the step at whose epoch end the replica blew up (-1: never);
        ``status`` (R,): :data:`FINITE`, :data:`BLOWUP` or :data:`NONFINITE` (a non-finite
        parameter or gradient); ``gap_history`` (R, epochs+1): f - f* at each epoch end.
    """
    if not isinstance(config, RealDataConfig):
        raise TypeError("config must be a RealDataConfig")
    b1 = np.asarray(beta1, dtype=np.float64).ravel()
    b2 = np.asarray(beta2, dtype=np.float64).ravel()
    rep = np.asarray(replicate).ravel()
    if not (b1.size == b2.size == rep.size) or b1.size == 0:
        raise ValueError("beta1, beta2 and replicate must be non-empty and of the same length")
    for name, b in (("beta1", b1), ("beta2", b2)):
        if not np.all((b >= 0) & (b < 1)):
            raise ValueError(f"{name} must lie in [0, 1)")
    if not np.issubdtype(rep.dtype, np.integer) or np.any(rep < 0):
        raise ValueError("replicate must hold non-negative integers")
    check_choice("kernel", kernel, ("auto", "numpy", "numba"))
    R, n = b1.size, problem.n
    model = problem.model
    fused = model.kind == "logistic" and xp is np
    if kernel == "numba" and not fused:
        raise ValueError(
            "kernel='numba' needs the logistic model on NumPy (xp=numpy); use kernel='auto'"
        )
    fused = fused and kernel != "numpy"
    uniq, inverse = np.unique(rep, return_inverse=True)
    keys = trajectory_keys(config.seed, uniq)
    w = xp.asarray(model.initial(keys)[inverse])
    X = xp.asarray(problem.X)
    T = xp.asarray(problem.targets)
    batches = xp.asarray(problem.batches)
    Xu, Tu = (xp.asarray(a) for a in problem.used())
    B1, B2 = xp.asarray(b1)[:, None], xp.asarray(b2)[:, None]
    m = xp.zeros_like(w)
    v = xp.zeros_like(w)
    z22 = config.semantics == "z22"
    if z22:
        m, v = _z22_start(problem, model.initial(keys), keys, inverse, xp)
    b1t = xp.ones_like(B1)
    b2t = xp.ones_like(B2)
    alive = xp.ones(R, dtype=bool)
    status = np.zeros(R, dtype=np.int64)
    blowup_step = np.full(R, -1, dtype=np.int64)
    history = np.empty((R, config.epochs + 1))
    f0, g0 = model.loss_grad(w, Xu, Tu)
    start_gap = np.maximum(_host(f0) - f_star, 1e-300)
    history[:, 0] = _host(f0) - f_star
    min_grad = _host(xp.sqrt(xp.sum(g0 * g0, axis=1)))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=config.epochs, desc=progress, unit="epoch", leave=False)
    if fused:
        state = _FusedState(problem, w, m, v, b1, b2)
    with np.errstate(all="ignore"):
        for epoch in range(config.epochs):
            order = epoch_permutations(keys, epoch, n)[inverse]
            lr = config.eta / np.sqrt(epoch + 1.0)
            if fused:
                fh, gh, w_ok = state.epoch(order, lr, alive, config.eps, not z22, model.l2)
            else:
                order = xp.asarray(order)
                for p in range(n):
                    idx = batches[order[:, p]]  # (R, B) example indices
                    _, g = model.loss_grad(w, X[idx], T[idx])
                    b1t = ac.advance_power(b1t, B1)
                    b2t = ac.advance_power(b2t, B2)
                    m_new, v_new = ac.adam_moments(m, v, g, B1, B2)
                    d = ac.adam_direction(m_new, v_new, b1t, b2t, not z22, config.eps)
                    live = alive[:, None]
                    # frozen replicas keep their last state (no NaN spreads into the summaries)
                    m = xp.where(live, m_new, m)
                    v = xp.where(live, v_new, v)
                    w = xp.where(live, w - lr * d, w)
                f, g = model.loss_grad(w, Xu, Tu)
                fh = _host(f)
                gh = _host(xp.sqrt(xp.sum(g * g, axis=1)))
                w_ok = _host(xp.all(xp.isfinite(w), 1))
            bad = ~np.isfinite(fh) | ~np.isfinite(gh) | ~w_ok
            live_h = _host(alive)
            step = (epoch + 1) * n
            newly_bad = live_h & bad
            status[newly_bad] = NONFINITE
            blowup_step[newly_bad] = step
            newly_big = live_h & ~bad & (fh - f_star > config.blowup * start_gap)
            status[newly_big] = BLOWUP
            blowup_step[newly_big] = step
            live_h = live_h & ~newly_bad & ~newly_big
            alive = xp.asarray(live_h)
            history[:, epoch + 1] = np.where(status == FINITE, fh - f_star, np.inf)
            min_grad = np.where(live_h, np.fmin(min_grad, gh), min_grad)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return {
        "final_gap": history[:, -1].copy(),
        "min_grad_norm": min_grad,
        "blowup_step": blowup_step,
        "status": status,
        "gap_history": history,
    }


class _FusedState:
    """The per-replica state of the fused logistic kernel (NumPy arrays, updated in place)."""

    def __init__(self, problem: Any, w: Any, m: Any, v: Any, b1: Any, b2: Any) -> None:
        X = np.asarray(problem.X, dtype=np.float64)
        T = np.asarray(problem.targets, dtype=np.float64)
        batches = np.asarray(problem.batches, dtype=np.int64)
        # the fixed minibatches gathered once, in both layouts (see _logistic_grad)
        self.Xb = np.ascontiguousarray(X[batches])
        self.XbT = np.ascontiguousarray(np.swapaxes(self.Xb, 1, 2))
        self.Tb = np.ascontiguousarray(T[batches])
        self.Xu = np.ascontiguousarray(X[batches.ravel()])
        self.XuT = np.ascontiguousarray(self.Xu.T)
        self.Tu = np.ascontiguousarray(T[batches.ravel()])
        self.w = np.array(w, dtype=np.float64, order="C")
        self.m = np.array(m, dtype=np.float64, order="C")
        self.v = np.array(v, dtype=np.float64, order="C")
        self.b1 = np.ascontiguousarray(b1, dtype=np.float64)
        self.b2 = np.ascontiguousarray(b2, dtype=np.float64)
        self.b1t = np.ones(self.b1.size)
        self.b2t = np.ones(self.b2.size)

    def epoch(
        self, order: np.ndarray, lr: float, alive: Any, eps: float, bias: bool, l2: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        R = self.w.shape[0]
        f, gn, ok = np.empty(R), np.empty(R), np.empty(R, dtype=np.bool_)
        _logistic_epoch(
            self.Xb,
            self.XbT,
            self.Tb,
            self.Xu,
            self.XuT,
            self.Tu,
            np.ascontiguousarray(order, np.int64),
            self.w,
            self.m,
            self.v,
            self.b1,
            self.b2,
            self.b1t,
            self.b2t,
            np.ascontiguousarray(alive, dtype=np.bool_),
            float(lr),
            float(eps),
            bool(bias),
            float(l2),
            f,
            gn,
            ok,
        )
        return f, gn, ok


def _z22_start(
    problem: Any, w0: np.ndarray, keys: np.ndarray, inverse: np.ndarray, xp: Any
) -> tuple[Any, Any]:
    """Z22's initial moments per replicate: m0 = g_tau(w0), tau uniform; v0 = max_i g_i(w0)^2."""
    from .sampling import STREAM_NOISE

    n = problem.n
    # counter dim: the MLP's initial weights use counters 0..dim-1 of the same stream
    tau = np.minimum(
        (uniforms(keys, np.uint64(problem.dim), STREAM_NOISE) * n).astype(np.int64), n - 1
    )
    m0 = np.empty_like(w0)
    v0 = np.empty_like(w0)
    for u in range(keys.size):
        G = problem.component_grads(w0[u])
        m0[u] = G[tau[u]]
        v0[u] = np.max(G * G, axis=0)
    return xp.asarray(m0[inverse]), xp.asarray(v0[inverse])


def _host(a: Any) -> np.ndarray:
    """A host NumPy copy of a NumPy or CuPy array."""
    from .._arrays import to_numpy

    return to_numpy(a)


def frozen_chain(
    grads: Any,
    beta1: float,
    beta2: Any,
    *,
    sampling: str = "shuffle",
    epochs: int = 200,
    burn_in: int = 100,
    chains: int = 8,
    seed: int = 0,
    block: int = 64,
) -> dict[str, np.ndarray]:
    r"""Adam's (m, v) chain on frozen minibatch gradients: the stationary mean direction.

    With the n gradients :math:`g_i` (rows of ``grads``) frozen, each chain visits them in
    ``sampling`` order for ``burn_in + epochs`` epochs and averages
    :math:`u_t = m_t/\sqrt{v_t}` (ε = 0, no bias correction, :math:`0/0 := 0`: the stationary
    chain of docs/theory §3.2) over the last ``epochs`` epochs. Coordinates evolve
    independently given the order, so each chain is one linear filter per coordinate
    (``scipy.signal.lfilter``), run over blocks of ``block`` coordinates.

    Parameters
    ----------
    grads : array_like, shape (n, d)
    beta1 : float
        In [0, 1).
    beta2 : array_like, shape (P,)
        Candidate β2 values, in [0, 1).
    sampling : {"shuffle", "iid", "cyclic"}
    epochs, burn_in, chains, seed : int
        Measured epochs, discarded epochs, independent chains (keyed by chain id), root seed.

    Returns
    -------
    dict
        ``U`` (P, chains, d): per-chain mean of u; ``step_norm`` (P, chains): per-chain mean of
        :math:`\lVert u_t\rVert`; both per step (multiply by n for per-epoch drift).
    """
    from scipy.signal import lfilter

    G = np.asarray(grads, dtype=np.float64)
    check_interval("beta1", beta1, 0.0, 1.0)
    b2 = np.atleast_1d(np.asarray(beta2, dtype=np.float64))
    if b2.ndim != 1 or b2.size == 0 or not np.all((b2 >= 0) & (b2 < 1)):
        raise ValueError("beta2 must be a non-empty 1-D array of values in [0, 1)")
    check_choice("sampling", sampling, SAMPLING_CHOICES)
    epochs = check_int("epochs", epochs, minimum=1)
    burn_in = check_int("burn_in", burn_in, minimum=0)
    chains = check_int("chains", chains, minimum=2)
    n, d = G.shape
    total = (burn_in + epochs) * n
    keys = trajectory_keys(seed, np.arange(chains))
    U = np.zeros((b2.size, chains, d))
    norm2 = np.zeros((b2.size, chains, total - burn_in * n))
    for c in range(chains):
        if sampling == "cyclic":
            order = np.tile(np.arange(n), burn_in + epochs)
        elif sampling == "shuffle":
            order = np.concatenate(
                [epoch_permutations(keys[c : c + 1], e, n)[0] for e in range(burn_in + epochs)]
            )
        else:
            u = uniforms(keys[c : c + 1], np.arange(total, dtype=np.uint64), STREAM_SAMPLING)[0]
            order = np.minimum((u * n).astype(np.int64), n - 1)
        for start in range(0, d, block):
            seq = G[order, start : start + block]  # (T, block)
            m = lfilter([1.0 - beta1], [1.0, -beta1], seq, axis=0)
            for j, beta in enumerate(b2):
                v = lfilter([1.0 - beta], [1.0, -beta], seq * seq, axis=0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    u = np.where(v > 0, m / np.sqrt(np.where(v > 0, v, 1.0)), 0.0)
                u = u[burn_in * n :]
                U[j, c, start : start + block] = u.mean(axis=0)
                norm2[j, c] += np.sum(u * u, axis=1)
    return {"U": U, "step_norm": np.sqrt(norm2).mean(axis=2)}


# --------------------------------------------------------------------------- fused logistic


@njit(cache=True)
def _logistic_grad(X, XT, T, w, l2, g, z):
    r"""Mean logistic loss + ridge over the examples (rows of ``X``, columns of its
    transpose ``XT``) at ``w``, and its gradient in ``g`` (``z`` scratch):
    :math:`\ell = \mathrm{softplus}(z) - t z`, :math:`z = a^\top x + b`,
    :math:`\partial\ell/\partial z = \sigma(z) - t` (the formulas of
    :class:`~adamtheory.problems.datasets.RealModel`). Both layouts are passed so that every
    loop runs over contiguous memory without a floating-point reduction in its innermost
    loop: LLVM vectorises them without reassociating a sum (no ``fastmath``)."""
    d = w.size
    p = d - 1
    M = T.size
    for j in range(M):
        z[j] = 0.0
    for k in range(p):
        wk = w[k]
        for j in range(M):
            z[j] += XT[k, j] * wk
    loss = 0.0
    gb = 0.0
    for j in range(M):
        zj = z[j] + w[p]
        e = np.exp(-abs(zj))
        loss += (max(zj, 0.0) + np.log1p(e)) - T[j] * zj
        sig = 1.0 / (1.0 + e) if zj >= 0 else e / (1.0 + e)
        z[j] = (sig - T[j]) / M
        gb += z[j]
    for k in range(p):
        g[k] = 0.0
    for j in range(M):
        rj = z[j]
        for k in range(p):
            g[k] += X[j, k] * rj
    g[p] = gb
    ridge = 0.0
    for k in range(d):
        ridge += w[k] * w[k]
        g[k] += l2 * w[k]
    return loss / M + 0.5 * l2 * ridge


@njit(parallel=True, cache=True)
def _logistic_epoch(
    Xb,
    XbT,
    Tb,
    Xu,
    XuT,
    Tu,
    order,
    w,
    m,
    v,
    b1s,
    b2s,
    b1t,
    b2t,
    alive,
    lr,
    eps,
    bias_correction,
    l2,
    f_out,
    gnorm_out,
    finite_out,
):
    """One epoch of torch/Z22 Adam for every live replica (in place), then f, |grad f| and
    whether w is finite at the epoch end, over the used examples."""
    R, d = w.shape
    n = Xb.shape[0]
    for r in prange(R):
        g = np.empty(d)
        z = np.empty(max(Tb.shape[1], Tu.size))
        wr = w[r]
        if alive[r]:
            b1 = b1s[r]
            b2 = b2s[r]
            for q in range(n):
                b = order[r, q]
                _logistic_grad(Xb[b], XbT[b], Tb[b], wr, l2, g, z)
                b1t[r] = ac.advance_power(b1t[r], b1)
                b2t[r] = ac.advance_power(b2t[r], b2)
                c2 = np.sqrt(1.0 - b2t[r])
                for k in range(d):
                    mk, vk = ac.adam_moments(m[r, k], v[r, k], g[k], b1, b2)
                    if bias_correction:
                        dk = ac.corrected_direction(mk, vk, b1t[r], c2, eps)
                    else:
                        dk = ac.safe_divide(mk, np.sqrt(vk) + eps)
                    m[r, k] = mk
                    v[r, k] = vk
                    wr[k] = wr[k] - lr * dk
        if not alive[r]:
            # a frozen replica's epoch-end numbers are never read (its status is final): skip
            # the full-data pass, which costs as much as the epoch itself
            f_out[r] = np.nan
            gnorm_out[r] = np.nan
            finite_out[r] = False
            continue
        f_out[r] = _logistic_grad(Xu, XuT, Tu, wr, l2, g, z)
        s = 0.0
        for k in range(d):
            s += g[k] * g[k]
        gnorm_out[r] = np.sqrt(s)
        ok = True
        for k in range(d):
            if not np.isfinite(wr[k]):
                ok = False
        finite_out[r] = ok
