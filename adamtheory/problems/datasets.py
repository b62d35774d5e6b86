r"""Real finite sums from datasets that ship inside a package (docs/theory §6).

A dataset of :math:`N` examples is cut once into :math:`n = \lfloor N/B \rfloor` **fixed**
minibatches of size :math:`B` (Z22's finite sum; the :math:`N \bmod B` examples left over are
dropped, so every component has the same size), and

.. math::

    f(w) = \frac1n \sum_{i=0}^{n-1} f_i(w), \qquad
    f_i(w) = \frac1B \sum_{j \in \mathcal B_i} \ell(w; x_j, y_j)
             + \frac{\lambda}{2}\lVert w\rVert^2 .

Models (parameters flattened into one vector ``w`` of length :attr:`RealModel.dim`):

* ``"logistic"``: binary logistic regression, class 0 against the rest (``digits``: the digit 0),
  :math:`\ell = \log(1 + e^{z}) - y z` with :math:`z = x^\top a + b`;
* ``"mlp"``: one hidden layer of ``hidden`` tanh units (tanh, not ReLU: smooth, so that finite
  differences test the gradient everywhere) and a softmax cross-entropy over all classes.

Every function is written in the array namespace of its inputs (NumPy, or CuPy when given CuPy
arrays) and is **batched over models**: ``w`` has shape ``(R, d)`` for ``R`` replicas, the
inputs either ``(N, p)`` (shared) or ``(R, B, p)`` (one minibatch per replica), so an Adam step
for a whole (β1, β2, seed) grid is a few batched matrix products.

The datasets are scikit-learn's bundled ones (``load_digits`` etc.), read from the wheel: no
network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._arrays import array_namespace
from .._validate import check_choice, check_int, check_positive

__all__ = [
    "DATASETS",
    "MODELS",
    "RealDataset",
    "RealFiniteSum",
    "RealModel",
    "fixed_minibatches",
    "load_dataset",
    "make_finite_sum",
]

#: Datasets bundled with scikit-learn (no download); ``digits`` is the one the claims use.
DATASETS = ("digits", "iris", "wine", "breast_cancer")
MODELS = ("logistic", "mlp")


@dataclass(frozen=True, eq=False)
class RealDataset:
    """Features ``X`` (N, p) scaled to O(1), integer labels ``y`` (N,), and the class count."""

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: int

    @property
    def size(self) -> int:
        return int(self.X.shape[0])


def load_dataset(name: str) -> RealDataset:
    """Load a bundled dataset (no network): ``digits`` (1797 × 64, ten classes) and others.

    ``digits`` pixels (0..16) are divided by 16; the other datasets are standardised per
    feature (their raw scales differ by orders of magnitude).
    """
    check_choice("dataset", name, DATASETS)
    from sklearn import datasets as skd  # here: only the real-data workflows need sklearn

    loader = {
        "digits": skd.load_digits,
        "iris": skd.load_iris,
        "wine": skd.load_wine,
        "breast_cancer": skd.load_breast_cancer,
    }[name]
    bunch = loader()
    X = np.asarray(bunch.data, dtype=np.float64)
    if name == "digits":
        X = X / 16.0
    else:
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    y = np.asarray(bunch.target, dtype=np.int64)
    return RealDataset(name, X, y, int(y.max()) + 1)


def _softplus(xp: Any, z: Any) -> Any:
    # log(1 + e^z) without overflow for large |z|
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def _sigmoid(xp: Any, z: Any) -> Any:
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class RealModel:
    r"""A model's loss and gradient, batched over replicas (``w``: (R, d)).

    Attributes
    ----------
    kind : {"logistic", "mlp"}
    features : int
        Input dimension p.
    classes : int
        Number of classes (the MLP's output width; 2 for the logistic model).
    hidden : int
        Hidden width of the MLP (ignored by the logistic model).
    l2 : float
        The ridge coefficient λ of :math:`\tfrac{\lambda}{2}\lVert w\rVert^2` (all parameters).
    """

    kind: str
    features: int
    classes: int = 2
    hidden: int = 32
    l2: float = 1e-3

    def __post_init__(self) -> None:
        check_choice("model", self.kind, MODELS)
        check_int("features", self.features, minimum=1)
        check_int("classes", self.classes, minimum=2)
        check_int("hidden", self.hidden, minimum=1)
        check_positive("l2", self.l2, allow_zero=True)

    @property
    def dim(self) -> int:
        """Number of parameters d."""
        p, h, c = self.features, self.hidden, self.classes
        return p + 1 if self.kind == "logistic" else p * h + h + h * c + c

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """The model's targets from class labels: 1.0 for class 0 (logistic), else the labels."""
        if self.kind == "logistic":
            return (np.asarray(labels) == 0).astype(np.float64)
        return np.asarray(labels, dtype=np.int64)

    def initial(self, keys: np.ndarray) -> np.ndarray:
        r"""Initial parameters, one row per key: zeros (logistic) or Glorot-uniform (MLP).

        The MLP's weights are :math:`U[-s, s]` with :math:`s = \sqrt{6/(\text{fan-in} +
        \text{fan-out})}`, drawn from the counter-based stream of each key (so a replica's
        start depends on its key only), and zero biases.
        """
        from ..kernels.sampling import STREAM_NOISE, uniforms

        keys = np.asarray(keys, dtype=np.uint64)
        w = np.zeros((keys.size, self.dim))
        if self.kind == "logistic":
            return w
        p, h, c = self.features, self.hidden, self.classes
        u = uniforms(keys, np.arange(self.dim, dtype=np.uint64), STREAM_NOISE) * 2.0 - 1.0
        w[:, : p * h] = u[:, : p * h] * np.sqrt(6.0 / (p + h))
        o = p * h + h
        w[:, o : o + h * c] = u[:, o : o + h * c] * np.sqrt(6.0 / (h + c))
        return w

    def _unpack(self, w: Any) -> tuple[Any, Any, Any, Any]:
        xp = array_namespace(w)
        p, h, c = self.features, self.hidden, self.classes
        R = w.shape[0]
        o1, o2, o3 = p * h, p * h + h, p * h + h + h * c
        return (
            xp.ascontiguousarray(w[:, :o1]).reshape(R, p, h),
            w[:, o1:o2].reshape(R, 1, h),
            xp.ascontiguousarray(w[:, o2:o3]).reshape(R, h, c),
            w[:, o3:].reshape(R, 1, c),
        )

    def loss_grad(self, w: Any, X: Any, t: Any) -> tuple[Any, Any]:
        r"""Mean loss plus ridge, and its gradient, for every replica.

        Parameters
        ----------
        w : array, shape (R, d)
            One parameter vector per replica.
        X : array, shape (M, p) or (R, M, p)
            The examples (shared by all replicas, or one set per replica).
        t : array, shape (M,) or (R, M)
            Targets from :meth:`targets`.

        Returns
        -------
        loss : array, shape (R,)
            :math:`\frac1M\sum_j \ell(w; x_j, t_j) + \frac\lambda2\lVert w\rVert^2`.
        grad : array, shape (R, d)
        """
        xp = array_namespace(w, X)
        if X.ndim == 2 and w.shape[0] > 1:
            # shared examples: one replica at a time, so that each replica's numbers do not
            # depend on how many others are evaluated with it (BLAS blocking would), and no
            # (R, M, h) temporaries
            parts = [self.loss_grad(w[r : r + 1], X, t) for r in range(w.shape[0])]
            return (xp.concatenate([p[0] for p in parts]), xp.concatenate([p[1] for p in parts]))
        if X.ndim == 2 and self.kind == "mlp":
            return self._mlp_shared(w, X, t)
        M = X.shape[-2]
        # contiguous transposes: NumPy's stacked matmul takes its slow loop on strided views
        XT = xp.ascontiguousarray(xp.swapaxes(X, -1, -2))
        ridge = 0.5 * self.l2 * xp.sum(w * w, axis=1)
        if self.kind == "logistic":
            a, b = w[:, :-1], w[:, -1:]
            z = (X @ a[:, :, None])[..., 0] + b  # (R, M)
            loss = xp.mean(_softplus(xp, z) - t * z, axis=-1)
            r = (_sigmoid(xp, z) - t) / M  # dloss/dz
            ga = (XT @ r[..., None])[..., 0]
            grad = xp.concatenate([ga, xp.sum(r, axis=-1)[:, None]], 1)
            return loss + ridge, grad + self.l2 * w
        W1, b1, W2, b2 = self._unpack(w)
        R = w.shape[0]
        H = xp.tanh(X @ W1 + b1)  # (R, M, h)
        Z = H @ W2 + b2  # (R, M, c)
        zmax = xp.max(Z, axis=-1, keepdims=True)
        E = xp.exp(Z - zmax)
        S = xp.sum(E, axis=-1, keepdims=True)
        onehot = (t[..., None] == xp.arange(self.classes)).astype(xp.float64)
        onehot = xp.broadcast_to(onehot, Z.shape)
        loss = xp.mean((zmax + xp.log(S))[..., 0] - xp.sum(onehot * Z, axis=-1), axis=-1)
        dZ = (E / S - onehot) / M
        dH = (dZ @ xp.ascontiguousarray(xp.swapaxes(W2, -1, -2))) * (1.0 - H * H)
        grad = xp.concatenate(
            [
                (XT @ dH).reshape(R, -1),
                xp.sum(dH, axis=-2),
                (xp.ascontiguousarray(xp.swapaxes(H, -1, -2)) @ dZ).reshape(R, -1),
                xp.sum(dZ, axis=-2),
            ],
            axis=1,
        )
        return loss + ridge, grad + self.l2 * w

    def _mlp_shared(self, w: Any, X: Any, t: Any) -> tuple[Any, Any]:
        """The MLP on shared examples for one replica, in 2-D products (BLAS; NumPy's stacked
        matmul takes a loop about 100x slower for (1, M, p) operands)."""
        xp = array_namespace(w, X)
        W1, b1, W2, b2 = (a[0] for a in self._unpack(w))
        M = X.shape[0]
        H = xp.tanh(X @ W1 + b1)
        Z = H @ W2 + b2
        zmax = xp.max(Z, axis=-1, keepdims=True)
        E = xp.exp(Z - zmax)
        S = xp.sum(E, axis=-1, keepdims=True)
        onehot = (t[:, None] == xp.arange(self.classes)).astype(xp.float64)
        loss = xp.mean((zmax + xp.log(S))[:, 0] - xp.sum(onehot * Z, axis=-1))
        dZ = (E / S - onehot) / M
        dH = (dZ @ W2.T) * (1.0 - H * H)
        grad = xp.concatenate(
            [
                (X.T @ dH).ravel(),
                xp.sum(dH, axis=0).ravel(),
                (H.T @ dZ).ravel(),
                xp.sum(dZ, axis=0).ravel(),
            ]
        )[None, :]
        ridge = 0.5 * self.l2 * xp.sum(w * w, axis=1)
        return loss + ridge, grad + self.l2 * w


def fixed_minibatches(size: int, batch: int, seed: int = 0) -> np.ndarray:
    """The fixed partition into ``n = size // batch`` minibatches: indices of shape (n, batch).

    A uniform random permutation of the examples (counter-based stream of ``seed``; key id 0
    of the sampling stream at "epoch" 0) cut into consecutive blocks; the last
    ``size mod batch`` examples of that permutation are dropped.
    """
    size = check_int("size", size, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    if batch > size:
        raise ValueError(f"batch must be in [1, {size}] (the dataset size); got {batch}")
    from ..kernels.sampling import epoch_permutations, trajectory_keys

    perm = epoch_permutations(trajectory_keys(seed, [0]), 0, size)[0]
    n = size // batch
    return perm[: n * batch].reshape(n, batch)


@dataclass(frozen=True, eq=False)
class RealFiniteSum:
    r"""Z22's finite sum on a real dataset: ``n`` fixed minibatches of one model's loss.

    Attributes
    ----------
    dataset : str
    model : RealModel
    X : numpy.ndarray, shape (N, p)
    targets : numpy.ndarray, shape (N,)
    batches : numpy.ndarray of int, shape (n, B)
        Example indices of each fixed minibatch.
    split_seed : int
        Seed of the partition into minibatches.
    identical : bool
        ``True`` for the negative-control problem whose minibatches all hold the same examples
        (see :func:`make_finite_sum`).
    """

    dataset: str
    model: RealModel
    X: np.ndarray
    targets: np.ndarray
    batches: np.ndarray
    split_seed: int = 0
    identical: bool = False
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of components (minibatches)."""
        return int(self.batches.shape[0])

    @property
    def batch(self) -> int:
        return int(self.batches.shape[1])

    @property
    def dim(self) -> int:
        return self.model.dim

    def used(self) -> tuple[np.ndarray, np.ndarray]:
        """The examples in some minibatch (those ``f`` averages over): ``(X, targets)``."""
        idx = self.batches.ravel()
        return self.X[idx], self.targets[idx]

    def value_grad(self, w: Any) -> tuple[np.ndarray, np.ndarray]:
        r"""``f(w)`` and ``∇f(w)`` for each row of ``w`` (shape (R, d); NumPy)."""
        X, t = self.used()
        return self.model.loss_grad(np.atleast_2d(np.asarray(w, dtype=np.float64)), X, t)

    def component_grads(self, w: Any) -> np.ndarray:
        r"""The n minibatch gradients :math:`\nabla f_i(w)` at one point: shape (n, d)."""
        w = np.asarray(w, dtype=np.float64).reshape(1, -1)
        W = np.repeat(w, self.n, axis=0)
        return self.model.loss_grad(W, self.X[self.batches], self.targets[self.batches])[1]

    def minimiser(self) -> tuple[np.ndarray, float]:
        r"""A minimiser :math:`w^*` and :math:`f^* = f(w^*)` by L-BFGS (cached).

        The logistic loss is strongly convex (λ > 0), so this is the global minimum; for the
        MLP it is the local minimum L-BFGS reaches from replica 0's initial point (a
        reference level, not a certified f*).
        """
        if "star" not in self._cache:
            from scipy.optimize import minimize

            from ..kernels.sampling import trajectory_keys

            w0 = self.model.initial(trajectory_keys(0, [0]))[0]

            def fun(w: np.ndarray) -> tuple[float, np.ndarray]:
                f, g = self.value_grad(w[None, :])
                return float(f[0]), g[0]

            res = minimize(
                fun,
                w0,
                jac=True,
                method="L-BFGS-B",
                # the MLP's L-BFGS is capped: each iteration is a full pass over the data and
                # the reference level only needs to sit below what Adam reaches in K epochs
                options={
                    "maxiter": 20000 if self.model.kind == "logistic" else 1500,
                    "maxfun": 40000,
                    "gtol": 1e-11,
                    "ftol": 1e-16,
                },
            )
            self._cache["star"] = (np.asarray(res.x), float(res.fun))
        return self._cache["star"]

    def params(self) -> dict[str, Any]:
        """What a result records about the problem."""
        return {
            "dataset": self.dataset,
            "model": self.model.kind,
            "batch": self.batch,
            "n": self.n,
            "examples_used": int(self.batches.size),
            "l2": self.model.l2,
            "hidden": self.model.hidden if self.model.kind == "mlp" else None,
            "split_seed": self.split_seed,
            "identical_minibatches": self.identical,
        }


def make_finite_sum(
    dataset: str = "digits",
    model: str = "logistic",
    batch: int = 32,
    *,
    l2: float | None = None,
    hidden: int = 32,
    split_seed: int = 0,
    identical: bool = False,
) -> RealFiniteSum:
    r"""Build Z22's finite sum on a bundled dataset.

    Parameters
    ----------
    dataset : {"digits", "iris", "wine", "breast_cancer"}
    model : {"logistic", "mlp"}
    batch : int
        Minibatch size B, in ``[1, N]``; ``n = N // B`` components.
    l2 : float, optional
        Ridge coefficient; default 1e-3 (logistic) and 1e-4 (MLP).
    hidden : int
        MLP hidden width (default 32: the 64–32–10 network on digits).
    split_seed : int
        Seed of the fixed partition into minibatches.
    identical : bool
        Negative control: every minibatch holds the *same* B examples (the first minibatch
        repeated), so all component gradients are equal and Adam's β2 dependence through
        the sampling disappears. Same n, same model, same B.
    """
    data = load_dataset(dataset)
    check_choice("model", model, MODELS)
    batch = check_int("batch", batch, minimum=1)
    if batch > data.size:
        raise ValueError(f"batch must be in [1, {data.size}] (the size of {dataset}); got {batch}")
    if l2 is None:
        l2 = 1e-3 if model == "logistic" else 1e-4
    classes = 2 if model == "logistic" else data.classes
    m = RealModel(model, data.X.shape[1], classes, hidden, float(l2))
    batches = fixed_minibatches(data.size, batch, split_seed)
    if identical:
        batches = np.repeat(batches[:1], batches.shape[0], axis=0)
    return RealFiniteSum(dataset, m, data.X, m.targets(data.y), batches, split_seed, identical)
