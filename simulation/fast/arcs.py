"""Compiled passes over the ties (CSR arcs): each reads every colleague of every clinician once.

The rules in `simulation.rules` describe the model and call these loops, which fuse what numpy would
compute in several sweeps through memory into one: that is what brings a week down to about ten
sparse matrix-vector products (docs/PERFORMANCE.md). `indptr`/`indices` are the adjacency's CSR arrays
(row i lists clinician i's colleagues); `data` its weights (a tie listed twice weighs 2), read only
when `weighted`. Rows are split into `CHUNKS` slices run in parallel; every output is per row, so
results do not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np

from simulation.fast.random import NOISE, bits32, normal, sub_key
from simulation.fast.threads import CHUNKS, compiled


@compiled
def judge_rows(reputation, mode, table, indptr, rater, threshold, keys, owner, start, noise_sd, memory):
    """New reputations after one round of ratings (`simulation.rules.judgment.judge_ties`).

    Row c of the CSR arrays lists ratee c's colleagues (`rater`). Ratee c belongs to replication
    b = owner[c] (`simulation.segments`), whose arcs are counted from its first row: the pair at arc
    position k is arc h = k - indptr[start[b]] of its replication, seen when `bits32(keys[b], h)` is
    below `threshold[c]` (`chance * 2^32`; 2^32 = always; one entry = the same for all), and then
    gives the rating clip(table[3 rater + mode[c]] + noise_sd * normal(noise key, h), 1, 7). A
    ratee's new reputation is memory * old + (1 - memory) * their mean rating; unseen ratees keep
    theirs. The pairs seen are listed first (no branch on a coin flip), then rated.
    """
    n = reputation.shape[0]
    new = reputation.copy()
    per_ratee = threshold.shape[0] > 1
    for chunk in numba.prange(CHUNKS):
        low, high = n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS
        widest = 0
        for c in range(low, high):
            widest = max(widest, indptr[c + 1] - indptr[c])
        seen = np.empty(widest, dtype=np.int64)
        for c in range(low, high):
            limit = threshold[c] if per_ratee else threshold[0]
            b = owner[c]
            key = keys[b]
            first = indptr[start[b]]
            count = 0
            for k in range(indptr[c], indptr[c + 1]):
                seen[count] = k
                count += bits32(key, k - first) < limit
            if count == 0:
                continue
            # the ratings (written out here: as an inlined numba helper this loop ran 25 % slower)
            noise_key = sub_key(key, NOISE)
            m = mode[c]
            total = 0.0
            for t in range(count):
                k = seen[t]
                x = table[rater[k] * 3 + m] + noise_sd * normal(noise_key, k - first)
                total += min(max(x, 1.0), 7.0)
            new[c] = memory * reputation[c] + (1.0 - memory) * total / count
    return new


@compiled
def attitude_sums(indptr, indices, data, weighted, by_tie_weight, attitude, weight, uniform_weight, bound):
    """Per clinician, over their colleagues j: the sum of attitude_j (by tie weight), and over the
    colleagues within `bound` of their own attitude (|attitude_j - attitude_i| <= bound: a colleague
    exactly at the bound counts) the sum of influence weights w_j (`uniform_weight` for all if >= 0,
    else `weight[j]`; times the tie weight `data[k]` when `by_tie_weight`, else each tie once) and of
    w_j attitude_j. Returns (attitude_sum, close_weight, close_total)."""
    n = attitude.shape[0]
    attitude_sum = np.empty(n)
    close_weight = np.empty(n)
    close_total = np.empty(n)
    for chunk in numba.prange(CHUNKS):
        for i in range(n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS):
            own = attitude[i]
            s = cw = ct = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                j = indices[k]
                a = attitude[j]
                s += data[k] * a if weighted else a
                w = uniform_weight if uniform_weight >= 0 else weight[j]
                w = w * data[k] if by_tie_weight else w
                w = w if abs(own - a) <= bound else 0.0
                cw += w
                ct += w * a
            attitude_sum[i] = s
            close_weight[i] = cw
            close_total[i] = ct
    return attitude_sum, close_weight, close_total


@numba.njit(inline="always")
def _row_sums(indptr, indices, data, weighted, mode, values, i, counts):
    """Row i: writes counts[i] (colleagues per mode, by tie weight) and returns the tie-weighted sum
    of `values` over the colleagues (pass an empty `values` to skip it)."""
    with_values = values.shape[0] > 0
    low, high = indptr[i], indptr[i + 1]
    s = 0.0
    if weighted:
        total = c1 = c2 = 0.0
        for k in range(low, high):
            j = indices[k]
            w = data[k]
            total += w
            m = mode[j]
            c1 += w if m == 1 else 0.0
            c2 += w if m == 2 else 0.0
            if with_values:
                s += w * values[j]
        counts[i, 0] = total - c1 - c2
        counts[i, 1] = c1
        counts[i, 2] = c2
    else:
        v = 0
        p = 0
        for k in range(low, high):
            j = indices[k]
            m = mode[j]
            v += m == 1
            p += m == 2
            if with_values:
                s += values[j]
        counts[i, 0] = high - low - v - p
        counts[i, 1] = v
        counts[i, 2] = p
    return s


@compiled
def mode_counts(indptr, indices, data, weighted, mode):
    """(n, 3): each clinician's colleagues in each mode (tie weights; none = the rest)."""
    n = mode.shape[0]
    counts = np.empty((n, 3))
    nothing = np.empty(0)
    for chunk in numba.prange(CHUNKS):
        for i in range(n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS):
            _row_sums(indptr, indices, data, weighted, mode, nothing, i, counts)
    return counts


@compiled
def attitude_and_mode_sums(indptr, indices, data, weighted, attitude, mode):
    """Per clinician: the tie-weighted sum of colleagues' attitudes, and the (n, 3) colleagues per
    mode as in `mode_counts`. Returns (sums, counts)."""
    n = attitude.shape[0]
    sums = np.empty(n)
    counts = np.empty((n, 3))
    for chunk in numba.prange(CHUNKS):
        for i in range(n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS):
            sums[i] = _row_sums(indptr, indices, data, weighted, mode, attitude, i, counts)
    return sums, counts


@compiled
def assortativity_sums(degree, attitude, neighbour_sums, mode, counts, start):
    """(B, 13): per replication (entries start[b] to start[b + 1] - 1), sums over clinicians for the
    assortativity statistics: d.x, d.x^2, x.Ax, then the 3 x 3 tie ends per pair of modes e[k, l] =
    sum of counts[i, l] over clinicians i in mode k (row-major), then whether the attitudes of
    clinicians with ties differ (1 or 0). Partial sums per chunk of the replication's entries, added
    in chunk order."""
    replications = start.shape[0] - 1
    out = np.zeros((replications, 13))
    partial = np.zeros((CHUNKS, 12))
    low = np.empty(CHUNKS)
    high = np.empty(CHUNKS)
    for r in range(replications):
        offset = start[r]
        n = start[r + 1] - offset
        low[:] = np.inf
        high[:] = -np.inf
        for chunk in numba.prange(CHUNKS):
            dx = dxx = xax = e00 = e01 = e02 = e10 = e11 = e12 = e20 = e21 = e22 = 0.0
            for i in range(offset + n * chunk // CHUNKS, offset + n * (chunk + 1) // CHUNKS):
                x = attitude[i]
                if degree[i] > 0:
                    low[chunk] = min(low[chunk], x)
                    high[chunk] = max(high[chunk], x)
                dx += degree[i] * x
                dxx += degree[i] * x * x
                xax += x * neighbour_sums[i]
                m = mode[i]
                a, b, c = counts[i, 0], counts[i, 1], counts[i, 2]
                e00 += a if m == 0 else 0.0
                e01 += b if m == 0 else 0.0
                e02 += c if m == 0 else 0.0
                e10 += a if m == 1 else 0.0
                e11 += b if m == 1 else 0.0
                e12 += c if m == 1 else 0.0
                e20 += a if m == 2 else 0.0
                e21 += b if m == 2 else 0.0
                e22 += c if m == 2 else 0.0
            row = partial[chunk]
            row[0], row[1], row[2] = dx, dxx, xax
            row[3], row[4], row[5], row[6], row[7], row[8] = e00, e01, e02, e10, e11, e12
            row[9], row[10], row[11] = e20, e21, e22
        total = np.zeros(13)
        for chunk in range(CHUNKS):
            total[:12] += partial[chunk]
        total[12] = 1.0 if low.min() < high.max() else 0.0
        out[r] = total
    return out
