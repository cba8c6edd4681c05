"""Open forums: clinicians share experiences with clinical AI, openly and without blame.

Each forum seats up to `seats` clinicians chosen by `targeting`. Attendees hear colleagues describe
how they use AI and where it failed them, which (1) makes them judge AI use less harshly (their
penalty multiplier `harshness` falls by `harshness_change`), (2) lowers their own status concern,
and (3) spreads accurate beliefs: their trust moves a share `belief_correction` of the way toward the
tools' actual accuracy (1 - experience.error_rate), their literacy rises a little, and their
attitude moves a share `attitude_calibration` of the way toward `informed_attitude` (as in literacy
training, less). Effects fade with a half-life, reinforced by further forums.

Default numbers are assumptions: the direction follows the seed article (open discussion of AI use
lowers the stigma of using it) and Reif et al. 2025 (the penalty shrinks among raters familiar with
AI); the sizes are chosen smaller than a workshop's.
Cost: `session_hours` per attendee plus `facilitator_hours` per forum.
"""

from __future__ import annotations

from simulation.interventions.targeted import FadingSessions, session_cost
from simulation.scenario.interventions import OpenForumConfig


class OpenForum(FadingSessions):
    """Runs an `OpenForumConfig` programme."""

    config: OpenForumConfig

    def act(self, step: int) -> float:
        config, state = self.config, self.context.state
        who = self.choose()
        accuracy = 1.0 - self.context.scenario.experience.error_rate
        self.boosts.add(
            state,
            who,
            {
                "harshness": config.harshness_change,
                "status_concern": config.status_concern_change,
                "trust": config.belief_correction * (accuracy - state.trust[who]),
                "literacy": config.literacy_gain,
                "attitude": config.attitude_calibration * (config.informed_attitude - state.attitude[who]),
            },
        )
        self.book(who, config.session_hours)
        return session_cost(len(who), config.session_hours, config.facilitator_hours)
