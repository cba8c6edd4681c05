"""Anticipated social cost: the penalty a clinician expects from the colleagues around them.

For each mode m, clinician i expects the mean penalty the colleagues j they hear would apply (the
judgment rule without noise; means weighted by how much i hears j, `simulation.network.influence`): C_m(i) = P[m] mean_j(f_j(m) (1 - own_use_discount * uses_ai_j))
- S[m] (mean colleague attitude - reference_attitude), in rating points; C_none = 0, where f_j(m)
is colleague j's penalty multiplier (`ClinicianState.penalty_factor`, 1 unless an intervention
changed how harshly j judges). The choice rule
weighs it by the clinician's status concern.

Plainest form: `simulation.reference.agents` (per agent, scalar).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.fast.arcs import mode_counts as count_modes
from simulation.fast.clinicians import colleague_shares
from simulation.modes import MODE_NAMES, PRIMARY, VERIFY
from simulation.network.hospital import HospitalNetwork
from simulation.network.influence import heard_mean
from simulation.rules.attitudes import colleague_attitude_sums
from simulation.rules.judgment import penalty
from simulation.scenario.parameters import AttitudeConfig, JudgmentConfig
from simulation.segments import Segments
from simulation.state import ClinicianState


@dataclass
class ColleagueView:
    """What each clinician sees of their colleagues at the start of the choice: the share using AI,
    their mean attitude, the mean penalty multiplier per mode, and (for the attitude rule, from the
    same pass over the ties) the bounded-confidence sums `close_weight` and `close_total`."""

    colleague_use: np.ndarray
    colleague_attitude: np.ndarray
    isolated: np.ndarray
    factor: dict  # mode -> mean_j f_j (1 - d u_j): a number times (1 - d colleague_use), or an array
    close_weight: np.ndarray | None = None
    close_total: np.ndarray | None = None

    def cost(self, config: JudgmentConfig, index: np.ndarray | None = None) -> np.ndarray:
        """(k, 3) anticipated penalty per mode for clinicians `index` (all if None); none costs 0."""
        pick = (lambda x: x) if index is None else (lambda x: x[index])
        attitude = pick(self.colleague_attitude)
        k = attitude.shape[0]
        cost = np.zeros((k, len(MODE_NAMES)))
        for mode in (VERIFY, PRIMARY):
            factor = self.factor[mode]
            if np.ndim(factor) == 0:
                factor = factor * (1.0 - config.own_use_discount * pick(self.colleague_use))
            else:
                factor = pick(factor)
            # mean_j f_j (1 - d u_j), written as penalty() with rater_uses_ai = 0 and that mean as factor.
            cost[:, mode] = penalty(np.full(k, mode), attitude, np.zeros(k), config, factor)
        cost[pick(self.isolated)] = 0.0
        return cost


def colleague_view(
    state: ClinicianState,
    network: HospitalNetwork,
    config: JudgmentConfig,
    attitude: AttitudeConfig | None = None,
    segments: Segments | None = None,
) -> ColleagueView:
    """The `ColleagueView` with as few passes over the ties as possible: colleagues per mode
    (`HospitalNetwork.mode_counts`, shared with the statistics), one compiled pass for colleagues'
    attitudes (plus the bounded-confidence sums of `attitude`'s rule when given), and the raters'
    multipliers only when an intervention made them differ between clinicians of a replication
    (otherwise mean_j f (1 - d u_j) = f (1 - d * colleague use)). `segments`: the replications held
    end to end (None: one)."""
    influence = network.influence
    if influence.is_adjacency:
        counts = network.mode_counts(state.mode)  # shared with the statistics
    else:
        matrix = influence.matrix
        counts = count_modes(matrix.indptr, matrix.indices, matrix.data, True, state.mode)
    bound = attitude.confidence_bound if attitude is not None and attitude.influence_rate != 0 else -1.0
    attitude_sum, close_weight, close_total = colleague_attitude_sums(state, network, bound)
    colleague_use, colleague_attitude = colleague_shares(counts, attitude_sum)
    segments = Segments.single(state.n) if segments is None else segments
    factor = {mode: _mean_factor(state, network, config, mode, segments, colleague_use) for mode in (VERIFY, PRIMARY)}
    sums = (close_weight, close_total) if bound >= 0 else (None, None)
    return ColleagueView(colleague_use, colleague_attitude, influence.deaf, factor, *sums)


def _mean_factor(
    state: ClinicianState,
    network: HospitalNetwork,
    config: JudgmentConfig,
    mode: int,
    segments: Segments,
    colleague_use: np.ndarray,
) -> float | np.ndarray:
    """mean_j f_j(mode) (1 - d u_j) over each clinician's colleagues: one number f when every rater
    of every replication has the same f (the view multiplies it by 1 - d * colleague use), else an
    array, f (1 - d * colleague use) for the replications whose raters agree and the neighbour mean
    for the others."""
    everyone = state.common_penalty_factor(mode)
    if everyone is not None:  # the same for every rater of every replication
        return everyone
    common = [state.common_penalty_factor(mode, segments.slice(b)) for b in range(segments.count)]
    factor = np.empty(state.n)
    if any(value is None for value in common):
        uses = state.uses_ai()
        factor[:] = heard_mean(network, state.penalty_factor(mode) * (1.0 - config.own_use_discount * uses))
    for b, value in enumerate(common):
        if value is not None:
            part = segments.slice(b)
            factor[part] = value * (1.0 - config.own_use_discount * colleague_use[part])
    return factor
