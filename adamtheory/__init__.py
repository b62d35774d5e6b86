"""adamtheory: check theorems about Adam against numbers.

Layers (data flows one way): :mod:`adamtheory.theory` (SymPy derivations) and
:mod:`adamtheory.problems` (gradient oracles) feed :mod:`adamtheory.kernels` (batched array
code); :mod:`adamtheory.claims` combines them into registered, falsifiable checks.
"""

from . import kernels, problems
from .kernels import run

__version__ = "0.1.0"
__all__ = ["__version__", "kernels", "problems", "run"]
