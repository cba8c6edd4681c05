"""Clinicians as Mesa agents: each is a view onto one index of the model's state arrays.

Reading `agent.attitude` reads `model.state.attitude[agent.index]`; assigning writes it back, so the
browser view, agent reporters and `model.agents.select(...)` see and change the same numbers the
vectorized rules use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

from simulation.modes import MODE_NAMES

if TYPE_CHECKING:
    from simulation.model import ClinicianModel


def _array_property(name: str, doc: str) -> property:
    def getter(self: Clinician) -> float:
        return float(getattr(self.model.state, name)[self.index])

    def setter(self: Clinician, value: float) -> None:
        low, high = self.model.state.bounds(name)
        getattr(self.model.state, name)[self.index] = min(max(float(value), low), high)

    return property(getter, setter, doc=doc)


class Clinician(FixedAgent):
    """One clinician on the network; attributes live in the model's arrays."""

    model: ClinicianModel

    def __init__(self, model: ClinicianModel, index: int, cell) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell

    attitude = _array_property("attitude", "Attitude toward clinical AI, 1 (very skeptical) to 7 (enthusiastic).")
    literacy = _array_property("literacy", "AI literacy, 0-1.")
    trust = _array_property("trust", "Trust in AI output, 0-1.")
    status_concern = _array_property("status_concern", "Weight given to peer judgment, 0-1.")
    reputation = _array_property("reputation", "Current peer rating of clinical skill, 1-7.")

    @property
    def mode(self) -> str:
        """Mode of AI use: 'none', 'verify' or 'primary'."""
        return MODE_NAMES[int(self.model.state.mode[self.index])]

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODE_NAMES:
            raise ValueError(f"mode must be one of {', '.join(MODE_NAMES)}, got {value!r}")
        self.model.state.mode[self.index] = MODE_NAMES.index(value)

    @property
    def skeptical(self) -> bool:
        return bool(self.model.state.attitude[self.index] < self.model.state.skeptical_below)

    @property
    def department(self) -> str:
        return self.model.state.department_names[int(self.model.state.department[self.index])]

    @property
    def role(self) -> str:
        return self.model.state.role_names[int(self.model.state.role[self.index])]

    @property
    def seniority(self) -> float:
        return float(self.model.state.seniority[self.index])

    @property
    def advice_in_degree(self) -> int:
        return int(self.model.state.advice_in_degree[self.index])
