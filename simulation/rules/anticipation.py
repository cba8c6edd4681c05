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
from simulation.state import MODE_NAMES, PRIMARY, VERIFY, ClinicianState


def anticipated_penalty(state: ClinicianState, network: HospitalNetwork, config: JudgmentConfig) -> np.ndarray:
    """(n, 3) array: expected rating penalty for each mode, from each clinician's colleagues."""
    return penalty_and_colleague_use(state, network, config)[0]


def penalty_and_colleague_use(
    state: ClinicianState, network: HospitalNetwork, config: JudgmentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """`anticipated_penalty` and each clinician's share of colleagues using AI, with as few sparse
    products as possible: colleagues per mode (`HospitalNetwork.mode_counts`, shared with the
    statistics), colleagues' mean attitude, and the raters' multipliers only when an intervention
    made them differ between clinicians (otherwise mean_j f (1 - d u_j) = f (1 - d * colleague use))."""
    degree = network.degree
    isolated = degree == 0
    safe = np.where(isolated, 1, degree)
    counts = network.mode_counts(state.mode)
    colleague_use = np.where(isolated, 0.0, (counts[:, 1] + counts[:, 2]) / safe)
    colleague_attitude = network.neighbour_mean(state.attitude)
    cost = np.zeros((state.n, len(MODE_NAMES)))  # none: no penalty
    uses = None
    for mode in (VERIFY, PRIMARY):
        factor_of = state.penalty_factor(mode)
        if factor_of.size and factor_of.min() == factor_of.max():
            factor = factor_of[0] * (1.0 - config.own_use_discount * colleague_use)
        else:
            uses = state.uses_ai() if uses is None else uses
            factor = network.neighbour_mean(factor_of * (1.0 - config.own_use_discount * uses))
        # mean_j f_j (1 - d u_j), written as penalty() with rater_uses_ai = 0 and that mean as factor.
        cost[:, mode] = penalty(np.full(state.n, mode), colleague_attitude, np.zeros(state.n), config, factor)
        cost[isolated, mode] = 0.0
    return cost, colleague_use
