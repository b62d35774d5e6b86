"""The SymPy layer derives the spec's closed forms (exactly), and the checks can tell."""

import numpy as np
import sympy as sp

from adamtheory.theory import ema, ftrl


def test_discounted_sums_from_recursions():
    S, Q = ftrl.discounted_sums()
    b = ftrl.beta
    assert sp.simplify(S - ftrl.m / (1 - b)) == 0
    assert sp.simplify(Q - ftrl.v / (1 - b**2)) == 0


def test_step_factor_is_sqrt_one_plus_over_one_minus():
    b = ftrl.beta
    assert sp.simplify(ftrl.step_factor() - sp.sqrt((1 + b) / (1 - b))) == 0
    # a perturbed constant is detected
    assert sp.simplify(ftrl.step_factor() - sp.sqrt((1 + b) / (1 - b)) * 1.0001) != 0
    f = ftrl.step_factor_numeric()
    np.testing.assert_allclose(
        f(np.array([0.0, 0.9, 0.99])), np.sqrt([1.0, 19.0, 199.0]), rtol=1e-14
    )


def test_bias_correction_factor():
    b, t = ftrl.beta, ftrl.t
    derived = ftrl.bias_correction_factor()
    assert sp.simplify(derived**2 - (1 + b**t) / (1 - b**t)) == 0
    assert sp.simplify(derived**2 - 1 / (1 - b**t)) != 0  # the beta2 = beta1 answer differs
    f = ftrl.bias_correction_factor_numeric()
    assert abs(f(0.9, 3) - np.sqrt(1.729 / 0.271)) < 1e-14
    assert abs(f(0.9, 2000) - 1.0) < 1e-14


def test_ema_identities():
    b, t = ema.beta, ema.t
    A, B = ema.recursion_coefficients()
    assert sp.simplify(A - (b - b**t) / (1 - b**t)) == 0
    assert sp.simplify(B - (1 - b) / (1 - b**t)) == 0
    assert ema.weights_total() == 1
    assert ema.amc25_tau_total() == 1
    w = ema.weight_numeric()
    assert abs(np.sum(w(0.9, 50, np.arange(1, 51))) - 1) < 1e-14
