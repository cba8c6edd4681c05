"""Compiled passes over the clinicians: each rule's per-clinician arithmetic in one loop.

The rules in `simulation.rules` and `simulation.metrics` describe the model and call these loops; a
numpy expression per term would sweep the population's arrays a dozen times a week. Loops run over
`CHUNKS` slices in parallel; sums are added per chunk, then in chunk order (the same bits whatever
the number of threads).
"""

from __future__ import annotations

import numba
import numpy as np

from simulation.fast.random import FATES, draw, normal, sub_key, uniform
from simulation.fast.threads import CHUNKS, compiled, compiled_serial


@compiled
def rater_table(baseline, leniency, attitude, mode, harshness, verify_harshness, penalty, slope, reference, discount):
    """(3 n,) float32: the rating rater r gives a colleague in mode m, before noise, at 3 r + m.

    table = baseline + leniency_r - (P[m] f_r(m) (1 - discount uses_r) - S[m] (attitude_r - reference)),
    P = `penalty`, S = `slope` (per mode, 0 for none), f_r(verify) = harshness_r verify_harshness_r,
    f_r(primary) = harshness_r (`simulation.rules.judgment.penalty`).
    """
    n = attitude.shape[0]
    table = np.empty(3 * n, dtype=np.float32)
    for r in numba.prange(n):
        base = baseline + leniency[r]
        own = 1.0 - discount * (mode[r] != 0)
        lean = attitude[r] - reference
        table[3 * r] = base
        table[3 * r + 1] = base - (penalty[1] * harshness[r] * verify_harshness[r] * own - slope[1] * lean)
        table[3 * r + 2] = base - (penalty[2] * harshness[r] * own - slope[2] * lean)
    return table


@numba.njit(inline="always")
def _poisson_from_table(cdf, u):
    """Smallest k with u < cdf[k] (binary search); len(cdf) if u is beyond the table's last entry."""
    low, high = 0, cdf.shape[0]
    while low < high:
        middle = (low + high) // 2
        if u < cdf[middle]:
            high = middle
        else:
            low = middle + 1
    return low


def poisson_cdf(mean: float) -> np.ndarray:
    """The Poisson(mean) CDF up to where it reaches 1 in float64 (for `_poisson_from_table`)."""
    from scipy.special import pdtr  # the Poisson CDF (what scipy.stats.poisson.cdf calls)

    top = int(mean + 12.0 * np.sqrt(mean) + 40)
    cdf = pdtr(np.arange(top + 1), mean)
    return np.ascontiguousarray(cdf[: int(np.searchsorted(cdf, 1.0)) + 1])


@compiled
def week_of_use(
    mode,
    literacy,
    trust,
    attitude,
    keys,
    owner,
    start,
    correct_cdf,
    error_cdf,
    catch_verify,
    catch_primary,
    incident_share,
    learning_rate,
    from_trust_rate,
    cases_per_week,
    own_error_rate,
    own_catch_verify,
):
    """One week of AI use for every user (`simulation.rules.experience.use_ai`), and every
    clinician's decisions and own errors.

    Each user's correct AI suggestions are Poisson(cases (1 - error_rate)) and wrong ones
    Poisson(cases error_rate), independent (the Poisson split of Poisson(cases) decisions with
    Binomial errors: the same joint distribution); each error is caught with the user's probability
    (linear in literacy between the mode's two bounds) and each one passed on becomes an incident
    with `incident_share`. Draws are counter-based on the key of the clinician's replication
    (`keys[owner[i]]`, `simulation.segments`): the clinician at position l of their replication uses
    counters 2 l and 2 l + 1, the fates of their errors a key of their own.
    Updates trust and attitude in place; returns (caught, passed, incidents) per clinician.

    The clinicians' own errors are expected values, with no draws: a non-user makes `cases_per_week`
    decisions, each wrong with `own_error_rate`; a user's decisions are their cases, and a verifier's
    own errors on the cases the AI gets right are corrected by the check with the verifier's chance
    (linear in literacy between the bounds of `own_catch_verify`); a primary user's decisions are the
    AI's. Also returns (decisions, own_caught, own_passed) per clinician (float64).
    """
    n = mode.shape[0]
    caught = np.zeros(n, dtype=np.int64)
    passed = np.zeros(n, dtype=np.int64)
    incidents = np.zeros(n, dtype=np.int64)
    decisions = np.zeros(n)
    own_caught = np.zeros(n)
    own_passed = np.zeros(n)
    for i in numba.prange(n):
        m = mode[i]
        if m == 0:
            decisions[i] = cases_per_week
            own_passed[i] = cases_per_week * own_error_rate
            continue
        b = owner[i]
        key = keys[b]
        local = i - start[b]
        counter = 2 * local
        correct = _poisson_from_table(correct_cdf, uniform(key, counter))
        errors = _poisson_from_table(error_cdf, uniform(key, counter + 1))
        if m == 1:
            catch = catch_verify[0] + (catch_verify[1] - catch_verify[0]) * literacy[i]
        else:
            catch = catch_primary[0] + (catch_primary[1] - catch_primary[0]) * literacy[i]
        sub = draw(sub_key(key, FATES), local)  # a key of this clinician's own for the fates of their errors
        got = 0
        bad = 0
        for e in range(errors):
            if uniform(sub, 2 * e) < catch:
                got += 1
            elif uniform(sub, 2 * e + 1) < incident_share:
                bad += 1
        caught[i] = got
        passed[i] = errors - got
        incidents[i] = bad
        cases = correct + errors
        decisions[i] = cases
        if m == 1:
            own = correct * own_error_rate  # own errors where the AI is right: the check may correct them
            fixed = own * (own_catch_verify[0] + (own_catch_verify[1] - own_catch_verify[0]) * literacy[i])
            own_caught[i] = fixed
            own_passed[i] = own - fixed
        if cases > 0:
            perceived = (cases - got - bad) / cases
            trust[i] += learning_rate * (perceived - trust[i])
        attitude[i] += from_trust_rate * (1.0 + 6.0 * trust[i] - attitude[i])
    return caught, passed, incidents, decisions, own_caught, own_passed


@compiled
def hear_of_incidents(
    indptr, indices, data, weighted, incidents, literacy, protection, trust_shock, attitude_shock, trust, attitude
):
    """Each incident reaches its user and the user's colleagues (tie weight times the count): trust
    and attitude drop by the shocks times what they heard, times (1 - protection literacy)."""
    n = incidents.shape[0]
    heard = np.zeros(n)
    for j in range(n):
        count = incidents[j]
        if count == 0:
            continue
        heard[j] += count
        for k in range(indptr[j], indptr[j + 1]):
            heard[indices[k]] += count * (data[k] if weighted else 1.0)
    for i in numba.prange(n):
        if heard[i] > 0:
            exposure = heard[i] * (1.0 - protection * literacy[i])
            trust[i] -= trust_shock * exposure
            attitude[i] -= attitude_shock * exposure


@compiled
def clip_all(values, low, high):
    """Clip `values` to [low, high] in place."""
    for i in numba.prange(values.shape[0]):
        values[i] = min(max(values[i], low), high)


@compiled
def picked(owner, keys, start, chance):
    """Positions i whose counter-based uniform is below `chance`, ascending: the uniform of the
    clinician at position l of their replication b is counter l of `keys[b]`."""
    n = owner.shape[0]
    flags = np.empty(n, dtype=np.bool_)
    for i in numba.prange(n):
        b = owner[i]
        flags[i] = uniform(keys[b], i - start[b]) < chance
    return np.flatnonzero(flags)


@compiled
def move_attitudes(attitude, anchor, close_weight, close_total, rate, anchoring, drift_sd, keys, owner, start):
    """Attitudes move toward the colleagues within the bound (their weighted mean), toward the
    anchor, and by Normal(0, drift_sd) (the clinician's position in their replication b as counter,
    on `keys[b]`); clipped to 1-7."""
    for i in numba.prange(attitude.shape[0]):
        a = attitude[i]
        pull = close_total[i] / close_weight[i] - a if close_weight[i] > 0 else 0.0
        b = owner[i]
        drift = drift_sd * normal(keys[b], i - start[b]) if drift_sd > 0 else 0.0
        a += rate * pull + anchoring * (anchor[i] - a) + drift
        attitude[i] = min(max(a, 1.0), 7.0)


# The rows of `population_sums`, in order: counts per mode, the count of skeptical clinicians, then sums
# (attitude, literacy, trust, status concern, reputation of non-users and of users) and the attitude's
# sum of squared deviations from its mean. `simulation.metrics.measure` reads them by these names.
SUM_ROWS = (
    "none",
    "verify",
    "primary",
    "skeptical",
    "attitude",
    "literacy",
    "trust",
    "status_concern",
    "reputation_none",
    "reputation_users",
    "attitude_squares",
)


@compiled_serial
def population_sums(start, mode, attitude, skeptical_below, literacy, trust, status_concern, reputation):
    """The sums `simulation.metrics.measure` needs, in one pass per replication, as a (B, 11) array in
    SUM_ROWS order: counts per mode (3), skeptical, attitude sum, then the sums of literacy, trust,
    status concern, reputation of non-users and of users; and the attitude's sum of squared
    deviations (from a first-pass mean). Replication b's entries are start[b] to start[b + 1] - 1;
    each replication's sums are added per chunk of its own entries, then in chunk order (the same
    bits in any batch)."""
    replications = start.shape[0] - 1
    out = np.zeros((replications, 11))
    partial = np.zeros((CHUNKS, 11))
    for b in range(replications):
        offset = start[b]
        n = start[b + 1] - offset
        partial[:] = 0.0
        for chunk in numba.prange(CHUNKS):
            none = verify = primary = skeptical = total = lit = tru = concern = rep_none = rep_users = 0.0
            for i in range(offset + n * chunk // CHUNKS, offset + n * (chunk + 1) // CHUNKS):
                m = mode[i]
                none += m == 0
                verify += m == 1
                primary += m == 2
                skeptical += attitude[i] < skeptical_below
                total += attitude[i]
                lit += literacy[i]
                tru += trust[i]
                concern += status_concern[i]
                rep_none += reputation[i] if m == 0 else 0.0
                rep_users += reputation[i] if m != 0 else 0.0
            row = partial[chunk]
            row[0], row[1], row[2], row[3], row[4] = none, verify, primary, skeptical, total
            row[5], row[6], row[7], row[8], row[9] = lit, tru, concern, rep_none, rep_users
        sums = np.zeros(11)
        for chunk in range(CHUNKS):
            sums += partial[chunk]
        mean = sums[4] / n if n > 0 else 0.0
        for chunk in numba.prange(CHUNKS):
            squares = 0.0
            for i in range(offset + n * chunk // CHUNKS, offset + n * (chunk + 1) // CHUNKS):
                d = attitude[i] - mean
                squares += d * d
            partial[chunk, 10] = squares
        for chunk in range(CHUNKS):
            sums[10] += partial[chunk, 10]
        out[b] = sums
    return out


@compiled_serial
def record_adoption(start, adopted_at, exposure, mode, exposure_before, step):
    """Mark this step's first-time users (`simulation.diffusion.AdoptionTracker`); returns a (B, 3)
    array: per replication, new adopters, clinicians at risk before the step and the sum of the new
    adopters' exposure (added per chunk of the replication's entries, then in chunk order)."""
    replications = start.shape[0] - 1
    out = np.zeros((replications, 3))
    partial = np.zeros((CHUNKS, 3))
    for b in range(replications):
        offset = start[b]
        n = start[b + 1] - offset
        for chunk in numba.prange(CHUNKS):
            new = at_risk = exposed = 0.0
            for i in range(offset + n * chunk // CHUNKS, offset + n * (chunk + 1) // CHUNKS):
                if adopted_at[i] < 0:
                    at_risk += 1.0
                    if mode[i] != 0:
                        adopted_at[i] = step
                        exposure[i] = exposure_before[i]
                        new += 1.0
                        exposed += exposure_before[i]
            partial[chunk, 0] = new
            partial[chunk, 1] = at_risk
            partial[chunk, 2] = exposed
        total = np.zeros(3)
        for chunk in range(CHUNKS):
            total += partial[chunk]
        out[b] = total
    return out


@numba.njit(cache=True, nogil=True)
def common_value(values):
    """values[0] if every entry equals it, else NaN (NaN for an empty array); stops at the first
    entry that differs."""
    if values.shape[0] == 0:
        return np.nan
    first = values[0]
    for i in range(1, values.shape[0]):
        if values[i] != first:
            return np.nan
    return first


@compiled
def colleague_shares(counts, attitude_sum):
    """Per clinician: the share of colleagues using AI (verify or primary, by tie weight) and the
    colleagues' mean attitude, from `counts` (n, 3) and the tie-weighted `attitude_sum`; 0 for
    isolates. Returns (use, mean_attitude)."""
    n = counts.shape[0]
    use = np.zeros(n)
    mean = np.zeros(n)
    for i in numba.prange(n):
        total = counts[i, 0] + counts[i, 1] + counts[i, 2]
        if total > 0:
            use[i] = (counts[i, 1] + counts[i, 2]) / total
            mean[i] = attitude_sum[i] / total
    return use, mean
