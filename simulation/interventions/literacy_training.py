"""AI literacy training: a structured course for a role (every resident cohort) or for all staff.

Each session trains up to `seats` clinicians chosen by `targeting` (default: every resident). A
trainee's literacy rises by `literacy_gain` (verifiers then catch more AI errors, primary use looks
riskier to them, incidents shake them less), and their attitude moves a share `attitude_calibration`
of the way toward `informed_attitude`: an attitude that rests on understanding is neither
dismissive nor uncritical, so skeptics warm and enthusiasts cool. Gains fade slowly (knowledge
retention) and a yearly refresher reinforces them. The model has no staff turnover, so a yearly
cohort programme is represented by training the role again each year.

Default numbers: literacy +0.25 is an assumption scaled from the +0.21 test-score gain of a single
1.5-hour course (Qunaibi et al., JMIR Med Educ 2026) to a curriculum of about four hours; the
calibration share 0.3, informed attitude 4.5 and the 104-week half-life are assumptions.
Cost: `hours_per_trainee` per trainee plus `trainer_hours` per session.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulation.interventions.targeted import FadingSessions, TargetedConfig, session_cost
from simulation.interventions.targeting import TargetingRule


class LiteracyTrainingConfig(TargetedConfig):
    """A `[[interventions]]` table with `kind = "literacy_training"`."""

    kind: Literal["literacy_training"]
    name: str = Field("AI literacy training", description="Label used in the report.")
    every: int | None = Field(52, ge=1, description="Weeks between courses (52 = a yearly cohort).")
    seats: int = Field(10_000_000, ge=1, le=10_000_000, description="Trainees per course (default: everyone targeted).")
    targeting: TargetingRule = Field(
        "role", description="Who is trained; default: one role (see `role`)."
    )
    role: str | None = Field("resident", description="The role trained when targeting = 'role'.")
    literacy_gain: float = Field(0.25, ge=-1, le=1, description="Literacy added (0-1 scale). Assumption, see module docs.")
    attitude_calibration: float = Field(
        0.3, ge=0, le=1, description="Share of the distance to informed_attitude a trainee's attitude moves. Assumption."
    )
    informed_attitude: float = Field(
        4.5, ge=1, le=7, description="Attitude of a clinician who knows what tools can and cannot do (1-7). Assumption."
    )
    half_life_weeks: float = Field(104.0, gt=0, le=10_000, description="Weeks until half of the gain has faded. Assumption.")
    reinforcement: float = Field(1.5, ge=1, le=100, description="Half-life multiplier per refresher (at most twice).")
    hours_per_trainee: float = Field(4.0, ge=0, le=1000, description="Clinician-hours per trainee per course.")
    trainer_hours: float = Field(8.0, ge=0, le=10_000, description="Trainers' hours per course, preparation included.")


class LiteracyTraining(FadingSessions):
    """Runs a `LiteracyTrainingConfig` programme."""

    config: LiteracyTrainingConfig

    def act(self, step: int) -> float:
        config, state = self.config, self.context.state
        who = self.choose()
        calibration = config.attitude_calibration * (config.informed_attitude - state.attitude[who])
        self.boosts.add(state, who, {"literacy": config.literacy_gain, "attitude": calibration})
        return session_cost(len(who), config.hours_per_trainee, config.trainer_hours)
