"""Peer-led workshops: sessions on a schedule, seats filled by a targeting rule, fading effects.

A session seats up to `seats` clinicians chosen by `targeting`. Each attendee's literacy, attitude
and status concern change by the configured amounts; the changes fade with a half-life that grows
with every further session attended (see `fading`). Cost: each attendee's hours plus the
facilitators' hours per session.

Default effect sizes: literacy +0.15 discounts the +0.21 test-score gain of a 1.5-hour AI course
(Qunaibi et al., JMIR Med Educ 2026: 56.9 % -> 77.6 %) for its uncontrolled pre-post design; attitude
+0.6 points and status concern -0.15 are assumptions (the same study reports that rated AI accuracy
and willingness to use rose, magnitudes not retrieved; Cochrane reviews of educational meetings
report small, variable effects).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from simulation.interventions.targeted import FadingSessions, TargetedConfig, session_cost


class WorkshopConfig(TargetedConfig):
    """A `[[interventions]]` table with `kind = "workshop"`."""

    kind: Literal["workshop"]
    name: str = Field("Peer-led workshops", description="Label used in the report.")
    literacy_gain: float = Field(0.15, ge=-1, le=1, description="Literacy added per session (0-1 scale).")
    attitude_gain: float = Field(0.6, ge=-6, le=6, description="Attitude points added per session (1-7 scale).")
    status_concern_change: float = Field(
        -0.15, ge=-1, le=1, description="Change in status concern per session (0-1 scale; negative = less worried)."
    )
    half_life_weeks: float = Field(12.0, gt=0, le=10_000, description="Weeks until half of a session's effect has faded. Assumption.")
    reinforcement: float = Field(
        2.0, ge=1, le=100, description="Each further session attended multiplies the half-life by this (at most twice). Assumption: spaced repetition."
    )
    session_hours: float = Field(2.0, ge=0, le=1000, description="Clinician-hours per attendee per session.")
    facilitator_hours: float = Field(4.0, ge=0, le=10_000, description="Peer facilitators' hours per session, preparation included.")


class Workshop(FadingSessions):
    """Runs a `WorkshopConfig` programme."""

    config: WorkshopConfig

    def act(self, step: int) -> float:
        config = self.config
        who = self.choose()
        self.boosts.add(
            self.context.state,
            who,
            {
                "literacy": config.literacy_gain,
                "attitude": config.attitude_gain,
                "status_concern": config.status_concern_change,
            },
        )
        return session_cost(len(who), config.session_hours, config.facilitator_hours)

    @property
    def attended(self) -> np.ndarray:
        """How many sessions each clinician has attended."""
        return self.boosts.sessions
