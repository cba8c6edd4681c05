"""Anticipated social cost: the penalty a clinician expects from the colleagues around them.

For each mode m, clinician i expects the mean penalty their colleagues j would apply (the judgment
rule without noise): C_m(i) = P[m] (1 - own_use_discount * share of colleagues using AI)
- S[m] (mean colleague attitude - reference_attitude), in rating points; C_none = 0. The choice rule
weighs it by the clinician's status concern.
"""

from __future__ import annotations

import numpy as np

from simulation.network import HospitalNetwork
from simulation.rules.judgment import penalty
from simulation.scenario.schema import JudgmentConfig
from simulation.state import MODE_NAMES, ClinicianState


def anticipated_penalty(
    state: ClinicianState, network: HospitalNetwork, colleague_use: np.ndarray, config: JudgmentConfig
) -> np.ndarray:
    """(n, 3) array: expected rating penalty for each mode, from each clinician's colleagues.

    `colleague_use` is each clinician's share of colleagues using AI (`network.neighbour_mean`).
    """
    colleague_attitude = network.neighbour_mean(state.attitude)
    isolated = network.degree == 0
    cost = np.empty((state.n, len(MODE_NAMES)))
    for mode in range(len(MODE_NAMES)):
        cost[:, mode] = penalty(np.full(state.n, mode), colleague_attitude, colleague_use, config)
        cost[isolated, mode] = 0.0
    return cost
