"""SymPy derivations and closed forms. Numbers leave this package through ``lambdify``:
numeric root-finding and scans (``divergence.beta2_boundary``, ``reddi.smallest_admissible_C``)
operate on lambdified expressions, never on retyped formulas.

This package never imports :mod:`adamtheory.kernels`.
"""

from . import colour_ball, divergence, ema, ftrl, o2nc, o2nc_rates, reddi

__all__ = ["colour_ball", "divergence", "ema", "ftrl", "o2nc", "o2nc_rates", "reddi"]
