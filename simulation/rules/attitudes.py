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
    source, target = network.arc_source, network.arc_target
    close = np.abs(a[source] - a[target]) <= config.confidence_bound
    weight = state.influence_weight[target[close]]
    count = np.bincount(source[close], weights=weight, minlength=state.n)
    total = np.bincount(source[close], weights=weight * a[target[close]], minlength=state.n)
    pull = np.divide(total, count, out=a.copy(), where=count > 0) - a
    a += config.influence_rate * pull + config.anchoring * (state.anchor_attitude - a) + drift
    np.clip(a, 1.0, 7.0, out=a)
