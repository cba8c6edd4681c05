"""Peer judgment: the rating (1-7) a rater gives a colleague's clinical skill, from the colleague's mode.

For a rater r and a colleague c:

    penalty = P[mode_c] * (1 - own_use_discount * uses_ai_r) - S[mode_c] * (attitude_r - reference)
    rating  = clip(baseline_rating + leniency_r + noise - penalty, 1, 7)

with P[none] = 0, P[verify] = penalty_verify, P[primary] = penalty_primary, S[none] = 0,
S[verify] = attitude_slope_verify, S[primary] = attitude_slope_primary, leniency_r a rater's
persistent offset and noise a fresh draw per rating (their variances split `noise_sd`^2 by
`leniency_share`). The penalty shrinks for raters who like AI and for raters who use it (Reif et al.
2025) and may turn into a bonus for enthusiasts. The fit gives a steeper attitude slope for
verification than for primary use: raters disagree more about verification (diligence or a crutch?)
than about handing the decision to AI, which is how the study's verify arm has the largest SD.
Defaults are fitted by `simulation.experiments.vignette` to the vignette study of Yang et al. (2025).

The plainest form of the weekly rule, one numpy draw per tie, is `simulation.reference.judgment`;
the per-agent form of every rule is `simulation.reference.agents`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.fast.arcs import judge_rows
from simulation.fast.clinicians import common_value
from simulation.fast.clinicians import rater_table as fast_rater_table
from simulation.fast.random import Keys, new_keys
from simulation.modes import PRIMARY, VERIFY
from simulation.network.hospital import HospitalNetwork
from simulation.scenario.parameters import JudgmentConfig
from simulation.segments import Segments
from simulation.state import ClinicianState

RATING_MIN, RATING_MAX = 1.0, 7.0


def _per_mode(mode: np.ndarray, verify: float, primary: float) -> np.ndarray:
    table = np.zeros(3)
    table[VERIFY] = verify
    table[PRIMARY] = primary
    return table[mode]


def base_penalty(mode: np.ndarray, config: JudgmentConfig) -> np.ndarray:
    """Penalty a neutral non-using rater applies to each mode (rating points)."""
    return _per_mode(mode, config.penalty_verify, config.penalty_primary)


def penalty(
    ratee_mode: np.ndarray,
    rater_attitude: np.ndarray,
    rater_uses_ai: np.ndarray,
    config: JudgmentConfig,
    factor: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Expected penalty (rating points) each rater applies to the matching colleague's mode.

    `factor` is the rater's multiplier on the base penalty (1 = as in the vignette study); the
    interventions that make raters less harsh (case reviews, forums, a verification policy) lower it.
    """
    slope = _per_mode(ratee_mode, config.attitude_slope_verify, config.attitude_slope_primary)
    return base_penalty(ratee_mode, config) * factor * (1.0 - config.own_use_discount * rater_uses_ai) - (
        slope * (rater_attitude - config.reference_attitude)
    )


def rater_factor(ratee_mode: np.ndarray, harshness: np.ndarray, verify_harshness: np.ndarray) -> np.ndarray:
    """Per rating: the rater's `harshness`, times their `verify_harshness` when the ratee verifies."""
    return harshness * np.where(ratee_mode == VERIFY, verify_harshness, 1.0)


def rate(
    ratee_mode: np.ndarray,
    rater_attitude: np.ndarray,
    rater_uses_ai: np.ndarray,
    rater_leniency: np.ndarray,
    noise: np.ndarray,
    config: JudgmentConfig,
    factor: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Ratings on the 1-7 scale; `noise` is standard normal, one draw per rating."""
    noise_sd = config.noise_sd * np.sqrt(1.0 - config.leniency_share)
    latent = (
        config.baseline_rating
        + rater_leniency
        + noise_sd * noise
        - penalty(ratee_mode, rater_attitude, rater_uses_ai, config, factor)
    )
    return np.clip(latent, RATING_MIN, RATING_MAX)


def rater_table(
    attitude: np.ndarray,
    uses_ai: np.ndarray,
    leniency: np.ndarray,
    config: JudgmentConfig,
    harshness: np.ndarray | None = None,
    verify_harshness: np.ndarray | None = None,
) -> np.ndarray:
    """(n, 3): the rating each rater would give, before noise and clipping, to a colleague in each mode.

    `table[r, m] = baseline_rating + leniency_r - penalty(m, rater r)`: everything in a rating that
    depends on the rater, computed once per clinician instead of once per tie (`judge_ties`), in
    float32 (7 significant digits on a 1-7 scale).
    """
    n = attitude.shape[0]
    ones = np.ones(n)
    table = fast_rater_table(
        config.baseline_rating,
        np.ascontiguousarray(leniency, dtype=float),
        np.ascontiguousarray(attitude, dtype=float),
        np.asarray(uses_ai).astype(np.int8),
        ones if harshness is None else harshness,
        ones if verify_harshness is None else verify_harshness,
        _per_mode(np.arange(3), config.penalty_verify, config.penalty_primary),
        _per_mode(np.arange(3), config.attitude_slope_verify, config.attitude_slope_primary),
        config.reference_attitude,
        config.own_use_discount,
    )
    return table.reshape(n, 3)


@dataclass
class RatingRound:
    """One week's ratings, ready for a compiled pass over the ties: the raters' table (flat float32,
    entry 3 r + m), the per-ratee chance of being seen as a 32-bit threshold (one entry = the same for
    all), the counter-based keys (one per replication of the batch, `simulation.segments`), the noise
    SD per rating and the weight of last week's reputation."""

    table: np.ndarray
    threshold: np.ndarray
    keys: np.ndarray
    noise_sd: float
    memory: float


def rating_round(
    state: ClinicianState,
    config: JudgmentConfig,
    rngs: Keys,
    everyone_sees: bool = False,
) -> RatingRound | None:
    """This week's `RatingRound`: each colleague sees a clinician's mode with probability
    `visibility` times the clinician's `visibility_factor` (everyone sees everyone when
    `everyone_sees`, with no memory: the week-0 reputation). One key per replication, from its
    `rngs` entry. None when nobody can see anybody (visibility 0): reputations stay, and no draws
    are spent."""
    if not everyone_sees and config.visibility == 0:
        return None
    chance: float | np.ndarray
    if everyone_sees:
        chance = 1.0
    else:
        common = common_value(state.visibility_factor)
        chance = config.visibility * (state.visibility_factor if np.isnan(common) else common)
    table = rater_table(
        state.attitude, state.uses_ai(), state.leniency, config, state.harshness, state.verify_harshness
    )
    resolved = np.round(np.clip(np.asarray(chance, dtype=np.float64), 0.0, 1.0) * 2.0**32)
    return RatingRound(
        table=np.ascontiguousarray(table, dtype=np.float32).ravel(),
        threshold=np.atleast_1d(resolved).astype(np.uint64),
        keys=new_keys(rngs),
        noise_sd=float(config.noise_sd * np.sqrt(1.0 - config.leniency_share)),
        memory=0.0 if everyone_sees else float(config.reputation_memory),
    )


def judge_ties(
    reputation: np.ndarray,
    mode: np.ndarray,
    network: HospitalNetwork,
    ratings: RatingRound,
    segments: Segments | None = None,
) -> np.ndarray:
    """New reputations, the fast form used by the model (docs/MODEL.md 7) of the per-tie definition
    `simulation.reference.judgment.update_reputation`.

    The ties are the adjacency in CSR order: ratees are its rows, raters its columns. Each (ratee,
    rater) pair is seen with the round's chance and a seen pair gives a rating with the same
    distribution as in the definition: clip(table[rater, mode[ratee]] + noise_sd' * N(0, 1), 1, 7).
    The coin flips and the noise are counter-based draws on the key of the ratee's replication
    (`segments`; None: one replication), counted from the replication's first arc
    (`simulation.fast.arcs.judge_rows`); chances are resolved to 2^-32.
    """
    matrix = network.adjacency
    segments = Segments.single(reputation.shape[0]) if segments is None else segments
    return judge_rows(
        np.ascontiguousarray(reputation, dtype=float),
        mode,
        ratings.table,
        matrix.indptr,
        matrix.indices,
        ratings.threshold,
        ratings.keys,
        segments.owner,
        segments.start,
        ratings.noise_sd,
        ratings.memory,
    )
