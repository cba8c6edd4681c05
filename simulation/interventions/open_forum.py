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

from typing import Literal

from pydantic import Field

from simulation.interventions.targeted import FadingSessions, TargetedConfig, session_cost


class OpenForumConfig(TargetedConfig):
    """A `[[interventions]]` table with `kind = "open_forum"`."""

    kind: Literal["open_forum"]
    name: str = Field("Open forums on clinical AI", description="Label used in the report.")
    seats: int = Field(30, ge=1, le=10_000_000, description="Attendees per forum.")
    harshness_change: float = Field(
        -0.2, ge=-1, le=1, description="Change of attendees' penalty multiplier (1 = the study's raters). Assumption."
    )
    status_concern_change: float = Field(-0.1, ge=-1, le=1, description="Change in attendees' status concern (0-1). Assumption.")
    belief_correction: float = Field(
        0.3, ge=0, le=1, description="Share of the gap between an attendee's trust and the tools' accuracy that closes. Assumption."
    )
    literacy_gain: float = Field(0.05, ge=-1, le=1, description="Literacy added (0-1). Assumption.")
    attitude_calibration: float = Field(
        0.15, ge=0, le=1, description="Share of the distance to informed_attitude an attendee's attitude moves. Assumption (half of literacy training's)."
    )
    informed_attitude: float = Field(4.5, ge=1, le=7, description="Attitude of a well-informed clinician (1-7). Assumption, as in literacy_training.")
    half_life_weeks: float = Field(16.0, gt=0, le=10_000, description="Weeks until half of the effect has faded. Assumption.")
    reinforcement: float = Field(2.0, ge=1, le=100, description="Half-life multiplier per further forum (at most twice).")
    session_hours: float = Field(1.5, ge=0, le=1000, description="Clinician-hours per attendee per forum.")
    facilitator_hours: float = Field(3.0, ge=0, le=10_000, description="Facilitators' hours per forum.")


class OpenForum(FadingSessions):
    """Runs an `OpenForumConfig` programme."""

    config: OpenForumConfig

    def act(self, step: int) -> float:
        config, state = self.config, self.context.state
        who = self.choose()
        accuracy = 1.0 - self.context.scenario.experience.error_rate if self.context.scenario else 1.0
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
        return session_cost(len(who), config.session_hours, config.facilitator_hours)
