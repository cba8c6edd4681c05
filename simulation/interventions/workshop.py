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

import numpy as np

from simulation.interventions.targeted import FadingSessions, session_cost
from simulation.scenario.interventions import WorkshopConfig


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
        self.book(who, config.session_hours)
        return session_cost(len(who), config.session_hours, config.facilitator_hours)

    @property
    def attended(self) -> np.ndarray:
        """How many sessions each clinician has attended."""
        return self.boosts.sessions
