"""An external push: incentives or mandates from outside the hospital that make non-users start.

Every week it acts (from `start`, every `every` weeks, up to `until`), each clinician in scope who
does not use AI starts, in `adopt_mode`, with probability `hazard`, whatever their colleagues do: the
external ("innovation", mass-media) influence of the Bass (1969) model added on top of the
scenario's own rule. Under `[choice] rule = "bass"` the week's hazard of a non-user becomes about
bass_p + hazard + bass_q x (share of colleagues using AI), so a push starting at week `start` is a
step change in Bass's p; under the clinician model (logit) those who start may reconsider later like
anyone else. Its source case: the US Medicare and Medicaid EHR incentive payments from 2011 (HITECH
Act), after which the share of US acute-care hospitals with a basic EHR rose from 15.6 % (2010) to
83.8 % (2015) (ONC Data Brief 35, docs/VALIDATION.md).

One uniform per clinician per acting week from the intervention's own stream, drawn whoever uses AI
(common random numbers). Cost: `administration_hours` per act (the hospital's paperwork; nobody's own
clinical time).
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import Intervention, InterventionContext, department_scope
from simulation.modes import MODE_NAMES, NONE
from simulation.scenario.interventions import ExternalPushConfig


class ExternalPush(Intervention):
    """Runs an `ExternalPushConfig`."""

    config: ExternalPushConfig

    def __init__(self, config: ExternalPushConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        self.scope = department_scope(context.state, config.department)
        self.mode = np.int8(MODE_NAMES.index(config.adopt_mode))

    def act(self, step: int) -> float:
        config, state = self.config, self.context.state
        draw = self.context.rng.random(state.n)
        start = self.scope & (state.mode == NONE) & (state.locked_mode < 0) & (draw < config.hazard)
        state.mode[start] = self.mode
        self.reached += int(start.sum())
        return float(config.administration_hours)
