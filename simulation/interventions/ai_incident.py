"""A publicised AI error: a trust shock in one department or the whole hospital, spreading outward.

Not a remedy: planners need to see what an incident does and what protects against it. At each
acting step (default: once, at `start`), every clinician in scope loses `trust_shock` trust and
`attitude_shock` attitude points; colleagues outside the scope lose `spread` times that, scaled by
the share of their colleagues inside the scope (they hear of it second-hand). Protection: literacy
absorbs a share `experience.literacy_protection` of the shock at full literacy (as for incidents
in `rules.experience`), and verifiers lose only (1 - `verifier_protection`) of it (an AI error is
what they check for). The attitude shock does not move the attitude anchor, so it wears off as
clinicians return to their prior views, unless peers and experience carry it further.

Default sizes are assumptions: a hospital-wide publicised failure is a far larger shock than one
incident heard of (`experience.incident_attitude_shock` 0.2 points).
Cost: `response_hours` (incident review, communication) per event.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import Intervention, InterventionContext, department_scope
from simulation.modes import VERIFY
from simulation.scenario.interventions import AIIncidentConfig


class AIIncident(Intervention):
    """Applies an `AIIncidentConfig` shock."""

    config: AIIncidentConfig

    def __init__(self, config: AIIncidentConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        self.scope = department_scope(context.state, config.department)

    def act(self, step: int) -> float:
        config, state, network = self.config, self.context.state, self.context.network
        exposure = np.where(self.scope, 1.0, config.spread * network.neighbour_mean(self.scope.astype(float)))
        protection = self.context.scenario.experience.literacy_protection
        exposure *= 1.0 - protection * state.literacy
        exposure *= np.where(state.mode == VERIFY, 1.0 - config.verifier_protection, 1.0)
        state.trust[:] = np.clip(state.trust - config.trust_shock * exposure, 0.0, 1.0)
        state.attitude[:] = np.clip(state.attitude - config.attitude_shock * exposure, 1.0, 7.0)
        self.reached += int((exposure > 0).sum())
        return float(config.response_hours)
