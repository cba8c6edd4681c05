"""Attitudes move toward trusted colleagues: bounded confidence on the network, plus drift.

Each week clinician i moves by `influence_rate` toward the mean attitude of the colleagues whose
attitude lies within `confidence_bound` of their own (a synchronous Hegselmann-Krause step on the
network; Deffuant et al. 2000 for the bounded-confidence idea), each colleague weighted by their
`ClinicianState.influence_weight` (1, more for recruited champions); colleagues further away are
ignored. Each clinician is also pulled back toward their own week-0 attitude (plus any workshop
boost still in force) by `anchoring`
(Friedkin & Johnsen 1990: partly stubborn agents keep a spread of opinions). A Normal(0, `drift_sd`) change stands for everything else a clinician hears and reads.
Attitudes stay within 1-7.
"""

from __future__ import annotations

import numpy as np

from simulation.network import HospitalNetwork
from simulation.scenario.schema import AttitudeConfig
from simulation.state import ClinicianState


def influence_attitudes(
    state: ClinicianState, network: HospitalNetwork, config: AttitudeConfig, rng: np.random.Generator
) -> None:
    """One week of peer influence and drift on `state.attitude`."""
    drift = rng.normal(0.0, config.drift_sd, state.n) if config.drift_sd > 0 else np.zeros(state.n)
    a = state.attitude
    if config.influence_rate == 0:
        a += config.anchoring * (state.anchor_attitude - a) + drift
        np.clip(a, 1.0, 7.0, out=a)
        return
    # Per tie (CSR order: arc_source ascending), the colleague's weight if within the bound, else 0;
    # then the weights and weighted attitudes summed over each clinician's row: two sparse products.
    source, target = network.arc_source, network.arc_target
    colleague = np.take(a, target)
    gap = np.repeat(a, network.degree) if network.degree.sum() == source.shape[0] else np.take(a, source)
    gap -= colleague
    np.abs(gap, out=gap)
    close = gap <= config.confidence_bound
    weight = state.influence_weight
    within = network.scratch_matrix()  # the adjacency's pattern; its data: this week's weights
    if weight.size and weight.min() == weight.max():
        np.multiply(close, weight[0], out=within.data)
    else:
        np.multiply(close, np.take(weight, target), out=within.data)
    count = within @ np.ones(state.n)
    total = within @ a
    pull = np.divide(total, count, out=a.copy(), where=count > 0) - a
    a += config.influence_rate * pull + config.anchoring * (state.anchor_attitude - a) + drift
    np.clip(a, 1.0, 7.0, out=a)

