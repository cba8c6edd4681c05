"""Experience from AI use: errors caught or passed on, trust learned, incidents colleagues hear of.

Each week every user handles Poisson(`cases_per_week`) AI-assisted decisions; each AI suggestion is
wrong with probability `error_rate` (drawn as independent Poisson counts of right and wrong
suggestions: the same distribution). A verifier catches each error with a probability that grows
linearly with literacy from `catch_verify[0]` to `catch_verify[1]`; a primary user with
`catch_primary` (lower: automation bias). Errors not caught are passed on (the patient-safety proxy).
A share `incident_share` of those become incidents: the user and their colleagues lose trust and
attitude, less so the more literate they are (`literacy_protection`). A user's trust moves by
`trust_learning_rate` toward the reliability they perceive (1 - errors they noticed / cases), and
their attitude by `attitude_from_trust_rate` toward 1 + 6 x trust.

Plainest form: `simulation.reference.agents` (per agent, scalar).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulation.fast.clinicians import clip_all, hear_of_incidents, poisson_cdf, week_of_use
from simulation.fast.random import Keys, new_keys
from simulation.network.hospital import HospitalNetwork
from simulation.scenario.parameters import ExperienceConfig
from simulation.segments import Segments
from simulation.state import ClinicianState


@dataclass
class WeekOfUse:
    """Counts of one week, summed over each replication's clinicians: (B,) int64 arrays."""

    errors_caught: np.ndarray
    errors_passed: np.ndarray
    incidents: np.ndarray


def use_ai(
    state: ClinicianState,
    network: HospitalNetwork,
    config: ExperienceConfig,
    rngs: Keys,
    segments: Segments,
) -> WeekOfUse:
    """Apply one week of AI use to `state` (trust, attitude) and return the week's counts.

    `state` and `network` hold the replications of `segments` end to end; one 64-bit key is drawn
    per week from each replication's `rngs` entry; the draws of each user are counter-based on it
    (`simulation.fast.clinicians.week_of_use`, which also gives the Poisson split used for the
    cases), so clinicians using no AI spend none.
    """
    correct_cdf, error_cdf = _case_tables(config)
    caught, passed, incidents = week_of_use(
        state.mode,
        state.literacy,
        state.trust,
        state.attitude,
        new_keys(rngs),
        segments.owner,
        segments.start,
        correct_cdf,
        error_cdf,
        np.asarray(config.catch_verify, dtype=float),
        np.asarray(config.catch_primary, dtype=float),
        config.incident_share,
        config.trust_learning_rate,
        config.attitude_from_trust_rate,
    )
    per_replication = segments.sums(incidents)
    if per_replication.any():
        matrix = network.adjacency
        hear_of_incidents(
            matrix.indptr,
            matrix.indices,
            matrix.data,
            network.weighted,
            incidents,
            state.literacy,
            config.literacy_protection,
            config.incident_trust_shock,
            config.incident_attitude_shock,
            state.trust,
            state.attitude,
        )
    clip_all(state.trust, 0.0, 1.0)
    clip_all(state.attitude, 1.0, 7.0)
    return WeekOfUse(segments.sums(caught), segments.sums(passed), per_replication)


@lru_cache(maxsize=32)
def _case_tables_for(cases: float, error_rate: float) -> tuple[np.ndarray, np.ndarray]:
    return poisson_cdf(cases * (1.0 - error_rate)), poisson_cdf(cases * error_rate)


def _case_tables(config: ExperienceConfig) -> tuple[np.ndarray, np.ndarray]:
    """CDF tables of a user's weekly correct and wrong AI suggestions (Poisson)."""
    return _case_tables_for(float(config.cases_per_week), float(config.error_rate))
