r"""Step-size schedules (docs/theory §1.1).

A schedule maps the 1-based index ``t`` of the update being computed to a factor that multiplies
the optimizer's base step size: :math:`\eta_t = \eta \cdot \mathrm{factor}(t)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._validate import check_choice, check_int

__all__ = ["Constant", "InverseSqrtEpoch", "InverseSqrtStep", "Schedule", "make_schedule"]

SCHEDULE_CHOICES = ("constant", "inv_sqrt_step", "inv_sqrt_epoch")


@dataclass(frozen=True)
class Constant:
    r""":math:`\eta_t = \eta`."""

    name: str = "constant"

    def factor(self, t: int) -> float:
        return 1.0


@dataclass(frozen=True)
class InverseSqrtStep:
    r""":math:`\eta_t = \eta/\sqrt{t}` per step (Reddi et al. 2018, Theorems 1-3)."""

    name: str = "inv_sqrt_step"

    def factor(self, t: int) -> float:
        return 1.0 / math.sqrt(t)


@dataclass(frozen=True)
class InverseSqrtEpoch:
    r""":math:`\eta_k = \eta/\sqrt{k}` per epoch, constant inside epoch
    :math:`k = \lceil t/n \rceil` (Zhang et al. 2022, Theorem 1)."""

    steps_per_epoch: int
    name: str = "inv_sqrt_epoch"

    def __post_init__(self) -> None:
        check_int("steps_per_epoch", self.steps_per_epoch, minimum=1)

    def factor(self, t: int) -> float:
        return 1.0 / math.sqrt((t - 1) // self.steps_per_epoch + 1)


Schedule = Constant | InverseSqrtStep | InverseSqrtEpoch


def make_schedule(schedule: str | Schedule, steps_per_epoch: int) -> Schedule:
    """Build a schedule from its name (``"constant"``, ``"inv_sqrt_step"``, ``"inv_sqrt_epoch"``)
    or pass an instance through. ``steps_per_epoch`` is used by ``"inv_sqrt_epoch"``."""
    if isinstance(schedule, (Constant, InverseSqrtStep, InverseSqrtEpoch)):
        return schedule
    if not isinstance(schedule, str):
        raise TypeError(f"schedule must be one of {SCHEDULE_CHOICES} or a schedule object")
    check_choice("schedule", schedule, SCHEDULE_CHOICES)
    if schedule == "constant":
        return Constant()
    if schedule == "inv_sqrt_step":
        return InverseSqrtStep()
    return InverseSqrtEpoch(steps_per_epoch)
