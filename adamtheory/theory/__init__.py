"""SymPy derivations and closed forms. Numbers leave this package only through ``lambdify``.

This package never imports :mod:`adamtheory.kernels`.
"""

from . import colour_ball, divergence, ema, ftrl, reddi

__all__ = ["colour_ball", "divergence", "ema", "ftrl", "reddi"]
