"""The one Adam definition (adamtheory.kernels.adam_core): same bits on every target, equal to
the independent oracle, and the only Adam recurrence in the kernel modules.

* NumPy arrays and Numba-compiled scalars give identical bits for the step (all variants),
  the classification and the hash;
* the step equals the scalar oracle ``claims/reference_loops.adam_loop`` (written apart, in
  another order of operations) to 1e-12 relative, and the comparison detects ε moved inside
  the square root (a negative control: the check can fail);
* the optimizers keep their hyperparameters: a state made by another optimizer is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from adamtheory.claims.reference_loops import adam_loop
from adamtheory.kernels import adam, amsgrad, clipped_adam, sgd
from adamtheory.kernels import adam_core as ac
from adamtheory.kernels.sampling import STREAM_SAMPLING, uniforms

ac.jitted()  # register the scalar forms for the @njit helpers below
RNG = np.random.default_rng(11)


@njit(cache=False)
def _scalar_steps(x, m, v, vmax, g, b1, b2, lr, eps, bc, ams):
    """Run the step elementwise on scalars (the form the fused kernels inline)."""
    T, B = g.shape
    out = np.empty((T, B))
    for i in range(B):
        xi, mi, vi, wi = x[i], m[i], v[i], vmax[i]
        b1t = 1.0
        b2t = 1.0
        for t in range(T):
            b1t = b1t * b1[i]
            b2t = b2t * b2[i]
            xi, mi, vi, wi = ac.adam_step(
                xi, mi, vi, wi, g[t, i], b1[i], b2[i], b1t, b2t, lr, eps, bc, ams
            )
            out[t, i] = xi
    return out


def _array_steps(x, m, v, vmax, g, b1, b2, lr, eps, bc, ams):
    out = np.empty(g.shape)
    b1t = np.ones_like(b1)
    b2t = np.ones_like(b2)
    for t in range(g.shape[0]):
        b1t = b1t * b1
        b2t = b2t * b2
        x, m, v, vmax = ac.adam_step(x, m, v, vmax, g[t], b1, b2, b1t, b2t, lr, eps, bc, ams)
        out[t] = x
    return out


def _inputs(B=64, T=60):
    g = RNG.standard_t(3, size=(T, B)) * 10.0 ** RNG.uniform(-3, 3, B)
    g[:5, :4] = 0.0  # v = 0 at the start of a few trajectories: the 0/0 := 0 convention
    b1 = np.concatenate([[0.0, 0.9], RNG.uniform(0, 0.999, B - 2)])
    b2 = np.concatenate([[0.0, 0.999], RNG.uniform(0, 0.99999, B - 2)])
    m0 = RNG.normal(size=B) * 0.1  # arbitrary initial moments (Z22's Algorithm 1 semantics)
    v0 = RNG.uniform(0, 1, B) * (np.arange(B) % 3 != 0)
    return g, b1, b2, m0, v0


@pytest.mark.parametrize("bc", [True, False])
@pytest.mark.parametrize("eps", [0.0, 1e-8])
@pytest.mark.parametrize("ams", [0, 1, 2, 3])
def test_numpy_and_numba_forms_give_the_same_bits(bc, eps, ams):
    g, b1, b2, m0, v0 = _inputs()
    x0 = RNG.normal(size=b1.size)
    args = (g, b1, b2, 0.01, eps, bc, ams)
    got = _scalar_steps(x0, m0, v0, v0.copy(), *args)
    with np.errstate(all="ignore"):
        ref = _array_steps(x0, m0, v0, v0.copy(), *args)
    assert np.all(np.isfinite(ref))
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("bc", [True, False])
@pytest.mark.parametrize("variant", [None, "torch", "optax"])
def test_step_equals_the_independent_oracle(bc, variant):
    g, b1, b2, _, _ = _inputs(B=6, T=80)
    x0 = np.ones(6)
    for i in range(6):
        lr = 0.01
        oracle = adam_loop(
            [[gi] for gi in g[:, i]],
            [x0[i]],
            lr,
            b1[i],
            b2[i],
            1e-8,
            bias_correction=bc,
            amsgrad=variant if (bc or variant is None) else "paper",
        )
        ams = ac.AMSGRAD_CODES[variant]
        ours = _array_steps(
            x0[i : i + 1],
            np.zeros(1),
            np.zeros(1),
            np.zeros(1),
            g[:, i : i + 1],
            b1[i : i + 1],
            b2[i : i + 1],
            lr,
            1e-8,
            bc,
            ams,
        )[:, 0]
        expected = np.array([row[0] for row in oracle[1:]])
        scale = np.maximum(np.abs(expected), 1e-300)
        assert np.max(np.abs(ours - expected) / scale) <= 1e-12


def test_the_oracle_comparison_detects_eps_inside_the_square_root():
    """Negative control: the 1e-12 comparison above fails for a mis-implemented step."""
    g = np.full((40, 1), 1e-4)
    ours = _array_steps(
        np.zeros(1),
        np.zeros(1),
        np.zeros(1),
        np.zeros(1),
        g,
        np.array([0.9]),
        np.array([0.999]),
        0.01,
        1e-8,
        True,
        0,
    )[:, 0]
    wrong = adam_loop([[1e-4]] * 40, [0.0], 0.01, 0.9, 0.999, 1e-8, True, eps_inside_sqrt=True)
    expected = np.array([row[0] for row in wrong[1:]])
    assert np.max(np.abs(ours - expected) / np.abs(expected)) > 1e-6


def test_hash_scalar_and_array_forms_match_the_streams():
    keys = RNG.integers(0, 2**63, 50, dtype=np.uint64)
    counters = np.arange(50, dtype=np.uint64) * np.uint64(7919)
    tagged = counters | (np.uint64(STREAM_SAMPLING) << np.uint64(56))

    @njit(cache=False)
    def scalar(keys, tagged):
        out = np.empty(keys.size)
        for i in range(keys.size):
            out[i] = ac.hash_uniform(keys[i], tagged[i])
        return out

    expected = np.array(
        [uniforms(keys[i : i + 1], counters[i], STREAM_SAMPLING)[0] for i in range(50)]
    )
    with np.errstate(over="ignore"):
        assert np.array_equal(ac.hash_uniform(keys, tagged), expected)
    assert np.array_equal(scalar(keys, tagged), expected)
    assert 0.0 <= expected.min() and expected.max() < 1.0 and np.unique(expected).size == 50


def test_classification_scalar_and_array_forms_agree():
    B = 200
    status = RNG.choice([0, 0, 1], B)
    dat = np.where(status == 1, 3, -1)
    alive = status == 0
    last = RNG.integers(0, 12, B)
    final = RNG.uniform(0, 3, B)
    half = RNG.uniform(0, 3, B)

    @njit(cache=False)
    def scalar(status, dat, alive, last, final, half):
        st = np.empty_like(status)
        da = np.empty_like(dat)
        for i in range(status.size):
            st[i], da[i] = ac.end_status(
                status[i], dat[i], alive[i], last[i], final[i], half[i], 2.0, 10, 2.0, 0.2, 0.05
            )
        return st, da

    arr = ac.end_status(status, dat, alive, last, final, half, 2.0, 10, 2.0, 0.2, 0.05)
    sc = scalar(status, dat, alive, last, final, half)
    assert np.array_equal(arr[0], sc[0]) and np.array_equal(arr[1], sc[1])
    # the rule itself: receding & outside -> diverged; close to x* -> converged
    assert set(np.unique(arr[0])) == {-1, 0, 1}
    left = alive & (last < 10) & (final - half > 0.5 * 0.2 * 2.0)
    assert np.all(arr[0][left] == ac.DIVERGED) and np.all(arr[1][left] == last[left] + 1)


def test_safe_divide_and_bounds():
    assert ac.safe_divide(1.0, 0.0) == 0.0 and ac.safe_divide(3.0, 2.0) == 1.5
    x = np.array([0.0, 1e100, -1e100, 1.0000001e100, np.inf, np.nan])
    assert ac.finite_bounded(x).tolist() == [True, True, True, False, False, False]
    u = ac.clipped_increment(np.array([1.0, -1.0, 0.0]), np.array([1e-6, 1e-6, 0.0]), 1.0, 0.5)
    assert u.tolist() == [-0.5, 0.5, -0.0]


# --------------------------------------------------------------------------- one definition

# every module of the library except the definition, the test oracle and the SymPy layer
_LIBRARY = Path(__file__).resolve().parents[1] / "adamtheory"
LIBRARY_FILES = sorted(
    p
    for p in _LIBRARY.rglob("*.py")
    if p.name not in {"adam_core.py", "reference_loops.py"}
    and p.relative_to(_LIBRARY).parts[0] != "theory"
)
# the moment recursion and the SplitMix64 multiplier, written out
RECURRENCE = re.compile(
    r"\(1(\.0)?\s*-\s*\w+\)\s*\*\s*\(?g\b|0xBF58476D1CE4E5B9|sqrt\(1\.0 - b2t\)"
    r"|\(\s*(self\.|state\[\"|)delta[^()]*-\s*(self\.)?e(ta)?\s*\*"  # beta-OMD's step
)


def test_the_library_writes_no_recurrence_of_its_own():
    hits = [
        f"{path.relative_to(_LIBRARY)}:{i + 1}: {line.strip()}"
        for path in LIBRARY_FILES
        for i, line in enumerate(path.read_text().splitlines())
        if RECURRENCE.search(line)
    ]
    assert len(LIBRARY_FILES) > 40 and hits == []
    core = (_LIBRARY / "kernels" / "adam_core.py").read_text()
    assert len(RECURRENCE.findall(core)) >= 3  # the pattern does find the definitions


# --------------------------------------------------------------------------- state safety


def test_a_state_from_another_optimizer_is_refused():
    x = np.ones((2, 3))
    g = np.full((2, 3), 0.5)
    with pytest.raises(ValueError, match="lr=0.1.*lr=0.5"):
        adam(0.5).step(x, g, adam(0.1).init(x))
    with pytest.raises(ValueError, match="Adam"):
        adam(0.1).step(x, g, sgd(0.1).init(x))
    with pytest.raises(ValueError, match="beta"):
        clipped_adam(1.0, 0.9).step(x, g, clipped_adam(1.0, 0.5).init(x))
    # an equal optimizer may step it (hyperparameters are compared, not identities)
    x1, s1 = adam(0.1).step(x, g, adam(0.1).init(x))
    x2, _ = adam(0.1).step(x1, g, s1)
    assert np.all(x2 < x1) and np.all(x1 < x)
    per_traj = np.array([0.1, 0.2])
    opt = amsgrad(per_traj)
    opt.step(x, g, amsgrad(per_traj.copy()).init(x))
    with pytest.raises(ValueError, match="lr"):
        opt.step(x, g, amsgrad(np.array([0.1, 0.3])).init(x))


# --------------------------------------------------------------------------- evaluation order


def _torch_order(m, v, b1t, c2, eps):
    """PyTorch's evaluation of the bias-corrected direction: three divisions."""
    return (m / (1.0 - b1t)) / (np.sqrt(v) / c2 + eps)


@pytest.mark.parametrize("eps", [0.0, 1e-8, 1e-3, 1.0])
def test_the_one_division_direction_is_within_its_derived_ulp_bound_of_pytorch_order(eps):
    rng = np.random.default_rng(5)
    n = 200_000
    m = rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6, n)
    v = 10.0 ** rng.uniform(-12, 12, n)
    b1t = rng.uniform(0, 1, n) ** rng.uniform(0.01, 50, n)
    c2 = np.sqrt(1.0 - rng.uniform(0, 1, n) ** rng.uniform(0.01, 50, n))
    c2 = np.where(c2 == 0.0, 1e-3, c2)
    ours, torch_order = ac.corrected_direction(m, v, b1t, c2, eps), _torch_order(m, v, b1t, c2, eps)
    rel = np.abs(ours - torch_order) / np.abs(torch_order) / 2.0**-52
    assert rel.max() <= ac.DIRECTION_ULPS
    assert np.mean(rel > 0) > 0.1  # the forms do round differently: the bound is exercised
    # an algebra slip (eps not scaled by c2) is far outside the bound where eps matters
    slip = ac.safe_divide(m * c2, (1.0 - b1t) * (np.sqrt(v) + eps))
    if eps >= 1e-3:
        assert (np.abs(slip - torch_order) / np.abs(torch_order)).max() > 1e-6
    # 0/0 := 0 at v = 0, eps = 0, as before
    assert ac.corrected_direction(1.0, 0.0, 0.5, 0.7, 0.0) == 0.0


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9, 0.999, 0.99999])
def test_flushing_tiny_powers_changes_no_bias_correction_bit(beta):
    steps = 80_000
    products = np.cumprod(np.full(steps, beta))  # beta^t by repeated products, t = 1..steps
    flushed = np.empty(steps)
    power = 1.0
    for t in range(steps):
        power = float(ac.advance_power(power, beta))
        flushed[t] = power
    np.testing.assert_array_equal(1.0 - flushed, 1.0 - products)
    unflushed = flushed > 0.0
    np.testing.assert_array_equal(flushed[unflushed], products[unflushed])
    if products[-1] < ac.POWER_FLUSH:
        # the flush does happen, at the first power below the threshold (or at t = 1 for 0)
        first = int(np.argmax(flushed == 0.0))
        assert beta == 0.0 or products[first - 1] < ac.POWER_FLUSH <= products[first - 2]
    # the threshold keeps 1 - beta^t == 1 with margin: 2^-54 already rounds to 1
    assert 1.0 - 2.0**-54 == 1.0 and 1.0 - 2.0**-53 < 1.0 and ac.POWER_FLUSH < 2.0**-54
