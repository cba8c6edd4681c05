"""What every intervention kind shares: a config with a schedule, a context, and two hooks.

To add a kind: write one module with a config model (a `ScheduleConfig` with a literal `kind`) and
an `Intervention` subclass, then list it in `registry.KINDS`. The model calls, at the start of every
step and in the order the scenario lists them, `fade()` on every intervention and then `act(step)`
on those whose schedule says so; `act` returns the clinician-hours it cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulation.interventions.schedule import ScheduleConfig

if TYPE_CHECKING:
    from simulation.network import HospitalNetwork
    from simulation.state import ClinicianState


@dataclass
class InterventionContext:
    """What an intervention may read and change: the state, the network, its own random stream."""

    state: ClinicianState
    network: HospitalNetwork
    rng: np.random.Generator


class Intervention:
    """Base class: holds the config and context and counts how many seats were filled."""

    config: ScheduleConfig

    def __init__(self, config: ScheduleConfig, context: InterventionContext) -> None:
        self.config = config
        self.context = context
        self.reached = 0

    def fade(self) -> None:
        """Called every step before any intervention acts; default: nothing fades."""

    def act(self, step: int) -> float:
        """Carry out one session at `step`; return its cost in clinician-hours."""
        raise NotImplementedError

    def step(self, step: int) -> float:
        """Act if the schedule says so; return the cost of this step (0 when idle)."""
        return self.act(step) if self.config.acts_at(step) else 0.0
