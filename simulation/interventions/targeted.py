"""Behaviour shared by interventions that give seats to chosen clinicians.

`seats` per session, filled by a `targeting` rule (`targeting.select_targets`), optionally only with
clinicians who have not attended before (`repeat_attendance = false`). The keys are
`simulation.scenario.interventions.TargetedConfig` and `FadingConfig`.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import Intervention, InterventionContext
from simulation.interventions.fading import FadingBoosts
from simulation.interventions.targeting import select_targets
from simulation.scenario.interventions import FadingConfig, TargetedConfig


class Targeted(Intervention):
    """An intervention whose sessions seat clinicians chosen by a targeting rule."""

    config: TargetedConfig

    def __init__(self, config: TargetedConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        state = context.state
        # Only the key the targeting rule uses is looked up (a default role may not exist elsewhere); the
        # schema requires that key under its rule.
        self.department_index: int | None = None
        self.role_index: int | None = None
        if config.targeting == "department" and config.department is not None:
            self.department_index = state.department_names.index(config.department)
        if config.targeting == "role" and config.role is not None:
            self.role_index = state.role_names.index(config.role)
        self.sessions = np.zeros(state.n, dtype=np.int32)

    def choose(self, eligible: np.ndarray | None = None) -> np.ndarray:
        """This session's attendees (and count them as having attended)."""
        config = self.config
        if not config.repeat_attendance:
            fresh = self.sessions == 0
            eligible = fresh if eligible is None else eligible & fresh
        who = select_targets(
            config.targeting,
            self.context.state,
            config.seats,
            self.context.rng,
            eligible=eligible,
            department=self.department_index,
            role=self.role_index,
            ids=config.ids,
            bridges=self.context.cross_department_ties if config.targeting == "bridges" else None,
            named=self.context.named_colleagues() if config.targeting == "nominated" else None,
        )
        self.sessions[who] += 1
        self.reached += len(who)
        return who


class FadingSessions(Targeted):
    """A targeted programme whose effects fade: its config (a `FadingConfig`) has `half_life_weeks` and `reinforcement`."""

    config: FadingConfig

    def __init__(self, config: FadingConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        # One attendance counter: the boosts read the programme's (`choose` counts each session).
        self.boosts = FadingBoosts(context.state.n, config.half_life_weeks, config.reinforcement, self.sessions)

    def fade(self) -> None:
        self.boosts.decay(self.context.state)


def session_cost(seated: int, hours_each: float, hours_per_session: float) -> float:
    """Clinician-hours of one session: every attendee's hours plus the organisers' (if anyone came)."""
    return float(seated * hours_each + (hours_per_session if seated else 0.0))
