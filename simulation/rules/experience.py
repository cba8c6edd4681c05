"""Experience from AI use: errors caught or passed on, trust learned, incidents colleagues hear of;
and every clinician's decisions and own errors (errors reaching patients).

Each week every user handles Poisson(`cases_per_week`) AI-assisted decisions; each AI suggestion is
wrong with probability `error_rate` (drawn as independent Poisson counts of right and wrong
suggestions: the same distribution). A verifier catches each error with a probability that grows
linearly with literacy from `catch_verify[0]` to `catch_verify[1]`; a primary user with
`catch_primary` (lower: automation bias). Errors not caught are passed on (the patient-safety proxy).
A share `incident_share` of those become incidents: the user and their colleagues lose trust and
attitude, less so the more literate they are (`literacy_protection`). A user's trust moves by
`trust_learning_rate` toward the reliability they perceive (1 - errors they noticed / cases), and
their attitude by `attitude_from_trust_rate` toward 1 + 6 x trust.

The clinicians' own errors (the like-for-like safety outcome, docs/MODEL.md 7.3 and section 8). Every
clinician makes decisions each week, users or not, and each decision is wrong or right for the
patient:

- a non-user decides alone: `cases_per_week` decisions, each wrong with `own_error_rate` (the
  unaided diagnostic error rate);
- a verifier decides first, wrong with `own_error_rate`, then checks against the AI. Where the AI is
  right and the verifier wrong, the check corrects the error with the verifier's chance (linear in
  literacy from `own_catch_verify[0]` to `own_catch_verify[1]`), else the own error reaches the
  patient. Where the AI is wrong, the AI-error model above decides the case as before: caught, the
  case is decided right; not caught, the AI's error reaches the patient (counted once, in
  `errors_passed`, whatever the verifier first thought);
- a primary user follows the AI: right where the AI is right; where it is wrong, the AI error is
  passed on unless caught (`catch_primary`). A primary user makes no own errors.

A user's decisions are their AI-assisted cases of the week (the Poisson draws above). Per clinician
and week, with C the cases the AI got right, c the verifier's chance:

    non-user:  decisions = cases_per_week, own errors passed = cases_per_week x own_error_rate
    verifier:  decisions = cases,  own errors caught = C x own_error_rate x c,
               own errors passed = C x own_error_rate x (1 - c)
    primary:   decisions = cases,  own errors = 0

and errors reaching patients = own errors passed + AI errors passed on. The own errors are these
expected values (the mean of a Binomial count given the week's cases, mode and literacy), not
draws: they feed back into nothing (trust, attitudes and incidents come from AI errors only, as
before), so only their expectation matters to the outcome; no random number is drawn for them, so
every existing stream and outcome keeps its bits; and the rate's Monte-Carlo noise is only that of
the AI's errors and of who uses AI (a conditional expectation has less variance than the count).

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
    # The decisions and the clinicians' own errors of the week (expected values, float64; module docstring).
    decisions: np.ndarray
    own_errors_caught: np.ndarray
    own_errors_passed: np.ndarray


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
    caught, passed, incidents, decisions, own_caught, own_passed = week_of_use(
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
        float(config.cases_per_week),
        float(config.own_error_rate),
        np.asarray(config.own_catch_verify, dtype=float),
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
    return WeekOfUse(
        segments.sums(caught),
        segments.sums(passed),
        per_replication,
        segments.sums(decisions),
        segments.sums(own_caught),
        segments.sums(own_passed),
    )


@lru_cache(maxsize=32)
def _case_tables_for(cases: float, error_rate: float) -> tuple[np.ndarray, np.ndarray]:
    return poisson_cdf(cases * (1.0 - error_rate)), poisson_cdf(cases * error_rate)


def _case_tables(config: ExperienceConfig) -> tuple[np.ndarray, np.ndarray]:
    """CDF tables of a user's weekly correct and wrong AI suggestions (Poisson)."""
    return _case_tables_for(float(config.cases_per_week), float(config.error_rate))
