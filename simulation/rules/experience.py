"""Experience from AI use: errors caught or passed on, trust learned, incidents colleagues hear of.

Each week every user handles Poisson(`cases_per_week`) AI-assisted decisions; each AI suggestion is
wrong with probability `error_rate`. A verifier catches each error with a probability that grows
linearly with literacy from `catch_verify[0]` to `catch_verify[1]`; a primary user with
`catch_primary` (lower: automation bias). Errors not caught are passed on (the patient-safety proxy).
A share `incident_share` of those become incidents: the user and their colleagues lose trust and
attitude, less so the more literate they are (`literacy_protection`). A user's trust moves by
`trust_learning_rate` toward the reliability they perceive (1 - errors they noticed / cases), and
their attitude by `attitude_from_trust_rate` toward 1 + 6 x trust.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.network import HospitalNetwork
from simulation.scenario.schema import ExperienceConfig
from simulation.state import PRIMARY, VERIFY, ClinicianState


@dataclass
class WeekOfUse:
    """Counts of one week, summed over clinicians."""

    errors_caught: int
    errors_passed: int
    incidents: int


def _catch_probability(state: ClinicianState, config: ExperienceConfig, who: np.ndarray | None = None) -> np.ndarray:
    """Each clinician's chance of catching an AI error (0 for non-users); only clinicians `who` if given."""
    low_v, high_v = config.catch_verify
    low_p, high_p = config.catch_primary
    mode = state.mode if who is None else state.mode[who]
    literacy = state.literacy if who is None else state.literacy[who]
    p = np.zeros(mode.shape[0])
    verify, primary = mode == VERIFY, mode == PRIMARY
    p[verify] = low_v + (high_v - low_v) * literacy[verify]
    p[primary] = low_p + (high_p - low_p) * literacy[primary]
    return p


def use_ai(state: ClinicianState, network: HospitalNetwork, config: ExperienceConfig, rng: np.random.Generator) -> WeekOfUse:
    """Apply one week of AI use to `state` (trust, attitude) and return the week's counts.

    Random draws are made for users only (clinicians using no AI have no cases), in clinician order.
    """
    users = np.flatnonzero(state.uses_ai())
    cases = rng.poisson(config.cases_per_week, users.shape[0])
    errors = rng.binomial(cases, config.error_rate)
    caught = rng.binomial(errors, _catch_probability(state, config, users))
    passed = errors - caught
    incidents = rng.binomial(passed, config.incident_share)

    noticed = caught + incidents
    perceived = np.divide(cases - noticed, cases, out=np.ones(users.shape[0]), where=cases > 0)
    learning = np.where(cases > 0, config.trust_learning_rate, 0.0)
    trust = state.trust[users]
    trust += learning * (perceived - trust)
    state.trust[users] = trust
    attitude = state.attitude[users]
    attitude += config.attitude_from_trust_rate * (1.0 + 6.0 * trust - attitude)
    state.attitude[users] = attitude

    n_incidents = int(incidents.sum())
    if n_incidents:
        everyone = np.zeros(state.n)
        everyone[users] = incidents
        heard = network.adjacency @ everyone + everyone
        exposure = heard * (1.0 - config.literacy_protection * state.literacy)
        state.trust -= config.incident_trust_shock * exposure
        state.attitude -= config.incident_attitude_shock * exposure
    np.clip(state.trust, 0.0, 1.0, out=state.trust)
    np.clip(state.attitude, 1.0, 7.0, out=state.attitude)
    return WeekOfUse(int(caught.sum()), int(passed.sum()), n_incidents)
