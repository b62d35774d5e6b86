"""SymPy derivations and closed forms. Numbers leave this package only through ``lambdify``.

This package never imports :mod:`adamtheory.kernels`.
"""

from . import ema, ftrl

__all__ = ["ema", "ftrl"]
