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

from simulation.interventions.targeted import FadingSessions, session_cost
from simulation.scenario.interventions import LiteracyTrainingConfig


class LiteracyTraining(FadingSessions):
    """Runs a `LiteracyTrainingConfig` programme."""

    config: LiteracyTrainingConfig

    def act(self, step: int) -> float:
        config, state = self.config, self.context.state
        who = self.choose()
        calibration = config.attitude_calibration * (config.informed_attitude - state.attitude[who])
        self.boosts.add(state, who, {"literacy": config.literacy_gain, "attitude": calibration})
        self.book(who, config.hours_per_trainee)
        return session_cost(len(who), config.hours_per_trainee, config.trainer_hours)
