"""Attitudes move toward trusted colleagues: bounded confidence on the network, plus drift.

Each week clinician i moves by `influence_rate` toward the mean attitude of the colleagues they hear
(`simulation.network.influence`) whose attitude lies within `confidence_bound` of their own,
|a_j - a_i| <= bound (a synchronous Hegselmann-Krause step on the network, with Hegselmann &
Krause's 2002 inclusive bound; Deffuant et al. 2000 for the bounded-confidence idea), each colleague
weighted by their `ClinicianState.influence_weight` (1, more for recruited champions) times the
weight with which i hears them (1 unless the network file gives weights); colleagues further away
are ignored. Each clinician is also pulled back toward their own week-0 attitude (plus any workshop
boost still in force) by `anchoring`
(Friedkin & Johnsen 1990: partly stubborn agents keep a spread of opinions). A Normal(0, `drift_sd`) change stands for everything else a clinician hears and reads.
Attitudes stay within 1-7.

Plainest form: `simulation.reference.agents` (per agent, scalar).
"""

from __future__ import annotations

import numpy as np

from simulation.fast.arcs import attitude_sums
from simulation.fast.clinicians import common_value, move_attitudes
from simulation.fast.random import Keys, new_keys
from simulation.network.hospital import HospitalNetwork
from simulation.scenario.parameters import AttitudeConfig
from simulation.segments import Segments
from simulation.state import ClinicianState


def colleague_attitude_sums(
    state: ClinicianState, network: HospitalNetwork, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One compiled pass over the colleagues each clinician hears (`network.influence`,
    `fast.arcs.attitude_sums`): per clinician, the tie-weighted sum of colleagues' attitudes, and the
    influence weights and weighted attitudes of the colleagues within `bound` (attitude points,
    inclusive; negative: none). Equal influence weights are passed as one number."""
    weight = state.influence_weight
    common = common_value(weight)
    influence = network.influence
    matrix = influence.matrix
    return attitude_sums(
        matrix.indptr,
        matrix.indices,
        matrix.data,
        influence.weighted,
        influence.by_tie_weight,
        state.attitude,
        weight,
        -1.0 if np.isnan(common) else float(common),
        bound,
    )


def influence_attitudes(
    state: ClinicianState,
    network: HospitalNetwork,
    config: AttitudeConfig,
    rngs: Keys,
    segments: Segments,
    sums: tuple[np.ndarray | None, np.ndarray | None] | None = None,
) -> None:
    """One week of peer influence and drift on `state.attitude` (the replications of `segments`).

    `sums` are the bounded-confidence sums (weights and weighted attitudes of the colleagues within
    the bound) if already computed for the current attitudes (`rules.anticipation.colleague_view`);
    otherwise one compiled pass over the ties computes them. The drift is a counter-based normal per
    clinician on one key per replication from its `rngs` entry.
    """
    n = state.n
    if config.influence_rate == 0:
        close_weight = close_total = np.zeros(n)
    elif sums is not None and sums[0] is not None and sums[1] is not None:
        close_weight, close_total = sums[0], sums[1]
    else:
        _, close_weight, close_total = colleague_attitude_sums(state, network, config.confidence_bound)
    move_attitudes(
        state.attitude,
        state.anchor_attitude,
        close_weight,
        close_total,
        config.influence_rate,
        config.anchoring,
        config.drift_sd,
        new_keys(rngs),
        segments.owner,
        segments.start,
    )
