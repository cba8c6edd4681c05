"""What every intervention kind shares: a config with a schedule, a context, and three hooks.

To add a kind: write its config in `simulation.scenario.interventions` (a `ScheduleConfig` with a
literal `kind`, its `behaviour`, `label` and `acting_rank`) and add it to `InterventionConfig` there;
then write one module here with the `Intervention` subclass that `behaviour` names.
Every step the model calls `fade()` on every intervention, then, in the documented order of kinds
(`registry.ORDER`, from each config's `acting_rank`; file order within a kind), `step(week)`, which
calls `act(week)` when the schedule says so and adds `running_cost(week)`; both return clinician-hours.
Of those hours, the ones a clinician spends themselves (an attendee's, a trainee's, a champion's) are
also booked to that clinician (`book`, into `hours`); the rest (facilitators, trainers, preparation,
incident response) belongs to no clinician of the hospital (`results.groups`: "not attributable").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from simulation.scenario.interventions import ScheduleConfig
from simulation.scenario.schema import Scenario

if TYPE_CHECKING:
    from simulation.network.hospital import HospitalNetwork
    from simulation.state import ClinicianState


@dataclass
class InterventionContext:
    """What an intervention may read and change: the state, the network, the scenario, its own random stream.

    Without a scenario (tests), the scenario defaults: the parameters an intervention reads
    (e.g. `experience.literacy_protection`) are always there, so there is one physics.
    """

    state: ClinicianState
    network: HospitalNetwork
    rng: np.random.Generator
    scenario: Scenario = field(default_factory=Scenario, repr=False)
    # The network version and whom each clinician would name on it (`named_colleagues`).
    _named: tuple[int, tuple[np.ndarray, np.ndarray]] | None = field(default=None, init=False, repr=False)

    @cached_property
    def cross_department_ties(self) -> np.ndarray:
        """Each clinician's number of ties to other departments (for `bridges` targeting)."""
        from simulation.interventions.targeting import cross_department_ties

        return cross_department_ties(self.network, self.state.department)

    def named_colleagues(self) -> tuple[np.ndarray, np.ndarray]:
        """Whom each clinician would name (for `nominated` targeting), on the current ties: kept until
        an intervention adds ties (`HospitalNetwork.version`)."""
        from simulation.interventions.targeting import named_colleagues

        if self._named is None or self._named[0] != self.network.version:
            self._named = (self.network.version, named_colleagues(self.network))
        return self._named[1]


class Intervention:
    """Base class: holds the config and context and counts how many clinicians it reached."""

    config: ScheduleConfig

    def __init__(self, config: ScheduleConfig, context: InterventionContext) -> None:
        self.config = config
        self.context = context
        self.reached = 0
        # Clinician-hours spent by each clinician on this intervention so far (their own time; `book`).
        self.hours = np.zeros(context.state.n)

    def book(self, who: np.ndarray, hours_each: float) -> None:
        """Book `hours_each` clinician-hours to each clinician in `who` (indices, or a boolean mask):
        the part of a cost that is those clinicians' own time."""
        if hours_each:
            if who.dtype == bool:
                self.hours[who] += hours_each
            else:
                np.add.at(self.hours, who, hours_each)

    def fade(self) -> None:
        """Called every step before any intervention acts; default: nothing fades."""

    def act(self, step: int) -> float:
        """Carry out one session (or event) at `step`; return its cost in clinician-hours."""
        raise NotImplementedError

    def running_cost(self, step: int) -> float:
        """Clinician-hours spent at `step` whether or not a session takes place (default 0)."""
        return 0.0

    def step(self, step: int) -> float:
        """Act if the schedule says so; return the cost of this step."""
        cost = self.act(step) if self.config.acts_at(step) else 0.0
        return cost + self.running_cost(step)


def department_scope(state: ClinicianState, department: str | None) -> np.ndarray:
    """Boolean mask of the clinicians of `department`, or of everyone when it is None (hospital-wide)."""
    if department is None:
        return np.ones(state.n, dtype=bool)
    return state.department == state.department_names.index(department)
