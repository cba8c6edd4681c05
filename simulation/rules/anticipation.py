"""Anticipated social cost: the penalty a clinician expects from the colleagues around them.

For each mode m, clinician i expects the mean penalty their colleagues j would apply (the judgment
rule without noise): C_m(i) = P[m] mean_j(f_j(m) (1 - own_use_discount * uses_ai_j))
- S[m] (mean colleague attitude - reference_attitude), in rating points; C_none = 0, where f_j(m)
is colleague j's penalty multiplier (`ClinicianState.penalty_factor`, 1 unless an intervention
changed how harshly j judges). The choice rule
weighs it by the clinician's status concern.
"""

from __future__ import annotations

import numpy as np

from simulation.network import HospitalNetwork
from simulation.rules.judgment import penalty
from simulation.scenario.schema import JudgmentConfig
from simulation.state import MODE_NAMES, ClinicianState


def anticipated_penalty(state: ClinicianState, network: HospitalNetwork, config: JudgmentConfig) -> np.ndarray:
    """(n, 3) array: expected rating penalty for each mode, from each clinician's colleagues."""
    colleague_attitude = network.neighbour_mean(state.attitude)
    isolated = network.degree == 0
    discount = 1.0 - config.own_use_discount * state.uses_ai()
    cost = np.empty((state.n, len(MODE_NAMES)))
    for mode in range(len(MODE_NAMES)):
        # mean_j f_j (1 - d u_j), written as penalty() with rater_uses_ai = 0 and that mean as factor.
        factor = network.neighbour_mean(state.penalty_factor(mode) * discount)
        cost[:, mode] = penalty(np.full(state.n, mode), colleague_attitude, np.zeros(state.n), config, factor)
        cost[isolated, mode] = 0.0
    return cost
