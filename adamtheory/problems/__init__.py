"""Counterexamples and test functions: gradient oracles with known constants."""

from .base import FiniteSumProblem, ProblemConstants, StochasticProblem
from .counterexamples import (
    OneBigGradient,
    ReddiCyclic,
    ReddiStochastic,
    one_big_gradient,
    reddi_cyclic,
    reddi_stochastic,
)
from .quadratic import QuadraticFiniteSum, quadratic_finite_sum
from .smooth import CosineLandscape, cosine_landscape

__all__ = [
    "CosineLandscape",
    "FiniteSumProblem",
    "OneBigGradient",
    "ProblemConstants",
    "QuadraticFiniteSum",
    "ReddiCyclic",
    "ReddiStochastic",
    "StochasticProblem",
    "cosine_landscape",
    "one_big_gradient",
    "quadratic_finite_sum",
    "reddi_cyclic",
    "reddi_stochastic",
]
