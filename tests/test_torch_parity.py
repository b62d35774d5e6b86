"""Optional: trajectories equal torch.optim's in float64 (skipped when torch is absent)."""

import numpy as np
import pytest

from adamtheory.kernels import adam, amsgrad, rmsprop, sgdm
from adamtheory.rules import relative_error

torch = pytest.importorskip("torch")


def torch_path(make_opt, grads, x0):
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = make_opt([p])
    path = [x0.copy()]
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.stack(path)


def ours(opt, grads, x0):
    state = opt.init(x0)
    x, path = x0, [x0]
    for g in grads:
        x, state = opt.step(x, g, state)
        path.append(x)
    return np.stack(path)


@pytest.fixture(scope="module")
def grads():
    rng = np.random.default_rng(7)
    return rng.standard_t(3, size=(300, 2, 5)) * 10.0 ** rng.uniform(-3, 3, 5)


@pytest.mark.parametrize("b1,b2", [(0.9, 0.999), (0.0, 0.5), (0.99, 0.9999)])
def test_adam_equals_torch(grads, b1, b2):
    x0 = np.ones((2, 5))
    t = torch_path(lambda p: torch.optim.Adam(p, lr=1e-2, betas=(b1, b2), eps=1e-8), grads, x0)
    assert relative_error(ours(adam(1e-2, b1, b2, eps=1e-8), grads, x0), t) <= 1e-13


def test_amsgrad_equals_torch(grads):
    x0 = np.ones((2, 5))
    t = torch_path(lambda p: torch.optim.Adam(p, lr=1e-2, amsgrad=True), grads, x0)
    assert relative_error(ours(amsgrad(1e-2, variant="torch"), grads, x0), t) <= 1e-13


def test_rmsprop_and_heavy_ball_equal_torch(grads):
    x0 = np.ones((2, 5))
    t = torch_path(lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.99, eps=1e-8), grads, x0)
    assert relative_error(ours(rmsprop(1e-3, 0.99, 1e-8), grads, x0), t) <= 1e-13
    t = torch_path(lambda p: torch.optim.SGD(p, lr=1e-4, momentum=0.9), grads, x0)
    assert relative_error(ours(sgdm(1e-4, 0.9, form="heavy_ball"), grads, x0), t) <= 1e-13
