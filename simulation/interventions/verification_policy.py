"""A verification-first policy: the institution positions clinical AI as a tool to check decisions.

From its first act on, in its scope (one department, or the whole hospital):

- choosing verification gains `verify_push` utility and primary use gains `primary_push` (negative:
  primary use is discouraged), as official guidance and EHR defaults do (`ClinicianState.mode_push`);
- raters judge verification less harshly: their verification penalty multiplier falls by
  `verify_penalty_relief` (verification becomes the sanctioned, diligent way to use AI);
- at every act (announcement, then reminders), a share `switch_share` of current primary users
  switch to verification at once.

The policy does not fade. Default numbers are assumptions; the direction follows the peer-penalty
study (Yang et al. 2025: verification is penalised much less than primary use) and the seed article's
recommendation to frame AI as a second opinion.
Cost: `briefing_hours` per clinician in scope plus `preparation_hours`, at every act.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import Intervention, InterventionContext, department_scope
from simulation.modes import PRIMARY, VERIFY
from simulation.scenario.interventions import VerificationPolicyConfig


class VerificationPolicy(Intervention):
    """Runs a `VerificationPolicyConfig`."""

    config: VerificationPolicyConfig

    def __init__(self, config: VerificationPolicyConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        self.scope = department_scope(context.state, config.department)
        self.in_force = False

    def act(self, step: int) -> float:
        config, state, rng = self.config, self.context.state, self.context.rng
        if not self.in_force:
            state.mode_push[self.scope, VERIFY] += config.verify_push
            state.mode_push[self.scope, PRIMARY] += config.primary_push
            low, high = state.bounds("verify_harshness")
            state.verify_harshness[self.scope] = np.clip(
                state.verify_harshness[self.scope] - config.verify_penalty_relief, low, high
            )
            self.in_force = True
        draw = rng.random(state.n)
        switch = self.scope & (state.mode == PRIMARY) & (state.locked_mode < 0) & (draw < config.switch_share)
        state.mode[switch] = VERIFY
        in_scope = int(self.scope.sum())
        self.reached += in_scope
        self.book(self.scope, config.briefing_hours)
        return float(in_scope * config.briefing_hours + config.preparation_hours)
