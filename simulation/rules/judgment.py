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
than about handing the decision to AI, which is how the study's verify arm has the largest SD. Defaults are fitted by `simulation.vignette` to the
vignette study of Yang et al. (2025).
"""

from __future__ import annotations

import numpy as np

from simulation.scenario.schema import JudgmentConfig
from simulation.state import NONE, PRIMARY, VERIFY

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


def update_reputation(
    reputation: np.ndarray,
    mode: np.ndarray,
    attitude: np.ndarray,
    uses_ai: np.ndarray,
    leniency: np.ndarray,
    arc_rater: np.ndarray,
    arc_ratee: np.ndarray,
    seen: np.ndarray,
    noise: np.ndarray,
    config: JudgmentConfig,
    memory: float | None = None,
    harshness: np.ndarray | None = None,
    verify_harshness: np.ndarray | None = None,
) -> np.ndarray:
    """New reputations: each clinician's colleagues who `seen` them this week rate them; the mean
    rating is blended with last week's reputation (weight `memory`, default `reputation_memory`).

    `arc_rater`/`arc_ratee` list every (rater, colleague) pair; `seen` and `noise` have one entry per
    pair. Clinicians nobody saw keep their reputation. `harshness` and `verify_harshness` are the
    raters' penalty multipliers (default 1).
    """
    memory = config.reputation_memory if memory is None else memory
    r, c = arc_rater[seen], arc_ratee[seen]
    factor = 1.0
    if harshness is not None and verify_harshness is not None:
        factor = rater_factor(mode[c], harshness[r], verify_harshness[r])
    ratings = rate(mode[c], attitude[r], uses_ai[r], leniency[r], noise[seen], config, factor)
    n = reputation.shape[0]
    count = np.bincount(c, minlength=n)
    total = np.bincount(c, weights=ratings, minlength=n)
    new = reputation.copy()
    new[rated] = memory * reputation[rated] + (1.0 - memory) * total[rated] / count[rated]
    return new


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
    depends on the rater, computed once per clinician instead of once per tie (`judge_ties`).
    """
    n = attitude.shape[0]
    uses = np.asarray(uses_ai, dtype=float)
    table = np.empty((n, 3))
    table[:, NONE] = config.baseline_rating + leniency
    for mode in (VERIFY, PRIMARY):
        factor = 1.0
        if harshness is not None:
            factor = harshness * (verify_harshness if mode == VERIFY and verify_harshness is not None else 1.0)
        modes = np.full(n, mode)
        table[:, mode] = table[:, NONE] - penalty(modes, attitude, uses, config, factor)
    return table


def judge_ties(
    reputation: np.ndarray,
    mode: np.ndarray,
    table: np.ndarray,
    indptr: np.ndarray,
    rater: np.ndarray,
    ratee: np.ndarray,
    chance: np.ndarray | float | None,
    rng: np.random.Generator,
    config: JudgmentConfig,
    memory: float | None = None,
) -> np.ndarray:
    """New reputations, the fast form of `update_reputation` used by the model (docs/MODEL.md 7).

    The ties are the adjacency in CSR order: `ratee` (rows, ascending, with `indptr`) and `rater`
    (columns). Each (ratee, rater) pair is seen this week with probability `chance` (a number, or
    one per ratee; None = every pair is seen): one uniform 32-bit integer per pair. Only the pairs seen draw
    their rating noise (float32 standard normal), so the draws are fewer but each rating has the same
    distribution as in `update_reputation`: clip(table[rater, mode[ratee]] + noise_sd' * noise, 1, 7),
    computed in float32 and summed per ratee in float64.
    """
    memory = config.reputation_memory if memory is None else memory
    n = reputation.shape[0]
    if chance is None:
        picked = None
    else:
        # seen iff a uniform 32-bit integer < chance * 2^32 (chance resolved to 2^-32; 1 = always)
        u = rng.integers(0, 2**32, rater.shape[0], dtype=np.uint32)
        threshold = np.round(np.clip(np.asarray(chance, dtype=np.float64), 0.0, 1.0) * 2.0**32)
        if np.ndim(chance) == 0:
            seen = u < np.uint32(threshold) if threshold < 2**32 else np.ones(u.shape[0], dtype=bool)
        else:
            limit = np.minimum(threshold, 2**32 - 1).astype(np.uint32)[ratee]
            seen = (u < limit) | (threshold >= 2**32)[ratee]
        picked = np.flatnonzero(seen)
    if picked is None:
        r, c = rater, ratee
    else:
        r, c = np.take(rater, picked), np.take(ratee, picked)
    index = r.astype(np.int64) * 3 if n * 3 >= 2**31 else r * 3
    index += np.take(mode, c)
    noise_sd = config.noise_sd * np.sqrt(1.0 - config.leniency_share)
    noise = rng.standard_normal(r.shape[0], dtype=np.float32)
    noise *= np.float32(noise_sd)
    # float32 ratings (7 significant digits on a 1-7 scale): the table is small enough to stay in cache
    ratings = np.take(np.ascontiguousarray(table, dtype=np.float32).ravel(), index)
    ratings += noise
    np.clip(ratings, RATING_MIN, RATING_MAX, out=ratings)
    count = np.bincount(c, minlength=n)
    total = np.bincount(c, weights=ratings, minlength=n)
    rated = count > 0
    new = reputation.copy()
    new[rated] = memory * reputation[rated] + (1.0 - memory) * total[rated] / count[rated]
    return new
