"""AI champions: respected clinicians recruited to use AI visibly, for verification.

Each act recruits up to `seats` new champions chosen by `targeting` (default: opinion leaders, the
most consulted colleagues). A champion:

- verifies with AI from then on (`ClinicianState.locked_mode`), visibly: colleagues are
  `visibility_factor` times as likely to see how they decide;
- is trained (literacy +`literacy_gain`) and convinced (attitude raised to at least `attitude_floor`);
- carries more weight in colleagues' attitude averaging (`influence_weight`), being respected;
- shifts the norm among their colleagues: each colleague's verification penalty multiplier falls by
  `colleague_verify_relief` (a respected peer verifies, so verifying reads as diligence).

Champions stay active to the end of the run. Default numbers are assumptions; opinion-leader
seeding follows Valente & Davis (1999) and Iyengar et al. (2011), who found sociometric leaders
speed adoption among physicians.
Cost: `training_hours` per recruit plus `hours_per_week` per active champion every week.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import InterventionContext
from simulation.interventions.targeted import Targeted
from simulation.modes import VERIFY
from simulation.scenario.interventions import ChampionsConfig


class Champions(Targeted):
    """Runs a `ChampionsConfig` programme."""

    config: ChampionsConfig

    def __init__(self, config: ChampionsConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        self.is_champion = np.zeros(context.state.n, dtype=bool)

    def act(self, step: int) -> float:
        config, state, network = self.config, self.context.state, self.context.network
        who = self.choose(eligible=~self.is_champion)
        self.is_champion[who] = True
        state.mode[who] = VERIFY
        state.locked_mode[who] = VERIFY
        state.visibility_factor[who] = config.visibility_factor
        state.influence_weight[who] = config.influence_weight
        state.literacy[who] = np.clip(state.literacy[who] + config.literacy_gain, 0.0, 1.0)
        raised = np.maximum(state.attitude[who], config.attitude_floor)
        state.anchor_attitude[who] += raised - state.attitude[who]
        state.attitude[who] = raised
        touched = np.zeros(state.n)
        touched[who] = 1.0
        colleagues = (network.adjacency @ touched > 0) & ~self.is_champion
        low, high = state.bounds("verify_harshness")
        state.verify_harshness[colleagues] = np.clip(
            state.verify_harshness[colleagues] - config.colleague_verify_relief, low, high
        )
        self.book(who, config.training_hours)
        return float(len(who) * config.training_hours)

    def running_cost(self, step: int) -> float:
        self.book(self.is_champion, self.config.hours_per_week)
        return float(self.is_champion.sum() * self.config.hours_per_week)
