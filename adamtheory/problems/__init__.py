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
from .o2nc_base import GaussianNoise, O2NCConstants, isotropic_noise
from .o2nc_coords import (
    AbsoluteValue,
    CoordinateScale,
    absolute_value,
    coordinate_gain,
    coordinate_scale,
    flat_scales,
    spiky_scales,
)
from .o2nc_suite import (
    DiagonalQuadratic,
    DoubleWell,
    LogCoshValley,
    SmoothedCone,
    diagonal_quadratic,
    double_well,
    double_well_shape_constants,
    log_cosh_valley,
    random_rotation,
    smoothed_cone,
)
from .quadratic import QuadraticFiniteSum, quadratic_finite_sum
from .smooth import CosineLandscape, cosine_landscape

__all__ = [
    "AbsoluteValue",
    "CoordinateScale",
    "CosineLandscape",
    "DiagonalQuadratic",
    "DoubleWell",
    "FiniteSumProblem",
    "GaussianNoise",
    "LogCoshValley",
    "O2NCConstants",
    "OneBigGradient",
    "ProblemConstants",
    "QuadraticFiniteSum",
    "ReddiCyclic",
    "ReddiStochastic",
    "SmoothedCone",
    "StochasticProblem",
    "absolute_value",
    "coordinate_gain",
    "coordinate_scale",
    "cosine_landscape",
    "diagonal_quadratic",
    "double_well",
    "double_well_shape_constants",
    "flat_scales",
    "isotropic_noise",
    "log_cosh_valley",
    "one_big_gradient",
    "quadratic_finite_sum",
    "random_rotation",
    "reddi_cyclic",
    "reddi_stochastic",
    "smoothed_cone",
    "spiky_scales",
]
