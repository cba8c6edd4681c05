"""Statistics of a comparison: differences between scenarios, targets, cost-effectiveness.

Small pure functions on numpy arrays; `results/tables.py` turns them into comparison.csv and
targets.csv. Every interval is a 95 % interval unless `level` says otherwise.

- Paired difference (common random numbers, same population and network): replication k of the
  scenario and of the baseline share their network, clinicians and draws, so the differences
  d_k = scenario_k - baseline_k are analysed directly:
      mean d = (1/n) sum d_k,   se = s_d / sqrt(n),   interval = mean d +- t(0.975, n - 1) se,
  with s_d the sample SD (ddof 1) of the d_k. Pairs with a NaN on either side are dropped.
- Unpaired difference (independent seeds, or a different population or network): Welch's interval
      diff = mean_s - mean_b,   se = sqrt(s_s^2/n_s + s_b^2/n_b),
      df = se^4 / ((s_s^2/n_s)^2/(n_s - 1) + (s_b^2/n_b)^2/(n_b - 1)),
      interval = diff +- t(0.975, df) se.   NaNs are dropped on each side separately.
- Probability of reaching a target: k of n runs, with Wilson's score interval
      centre = (p + z^2/(2n)) / (1 + z^2/n),
      half = z / (1 + z^2/n) * sqrt(p (1 - p)/n + z^2/(4 n^2)),   p = k/n, z = 1.959964.
- Per 100 clinician-hours: a difference and its interval times 100 / extra hours (only when the
  scenario costs more hours than the baseline).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri, stdtrit  # scipy.stats' t.ppf and norm.ppf, without importing scipy.stats

NAN = float("nan")


@dataclass(frozen=True)
class Difference:
    """Scenario minus baseline: the two means, their difference, its interval and the runs used."""

    baseline_mean: float
    scenario_mean: float
    difference: float
    low: float
    high: float
    n: int


def _clean(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[~np.isnan(values)]


def paired_difference(baseline, scenario, level: float = 0.95) -> Difference:
    """Mean of the per-replication differences `scenario[k] - baseline[k]` with a Student-t interval.

    Replications where either value is NaN (e.g. a competence gap with an empty group) are dropped.
    With fewer than two pairs the interval is NaN; with identical differences it has width 0.
    """
    baseline, scenario = np.asarray(baseline, dtype=float), np.asarray(scenario, dtype=float)
    if baseline.shape != scenario.shape:
        raise ValueError(f"paired values need equal lengths, got {baseline.shape} and {scenario.shape}")
    keep = ~(np.isnan(baseline) | np.isnan(scenario))
    baseline, scenario = baseline[keep], scenario[keep]
    n = int(baseline.size)
    if n == 0:
        return Difference(NAN, NAN, NAN, NAN, NAN, 0)
    d = scenario - baseline
    mean = float(d.mean())
    low = high = NAN
    if n > 1:
        half = float(stdtrit(n - 1, 0.5 + level / 2) * d.std(ddof=1) / math.sqrt(n))
        low, high = mean - half, mean + half
    return Difference(float(baseline.mean()), float(scenario.mean()), mean, low, high, n)


def welch_difference(baseline, scenario, level: float = 0.95) -> Difference:
    """Difference of means `mean(scenario) - mean(baseline)` with Welch's unequal-variance interval.

    NaNs are dropped on each side; `n` is the smaller of the two counts. With fewer than two values
    on a side the interval is NaN; with no spread on either side it has width 0.
    """
    baseline, scenario = _clean(baseline), _clean(scenario)
    nb, ns = int(baseline.size), int(scenario.size)
    if nb == 0 or ns == 0:
        mb = float(baseline.mean()) if nb else NAN
        ms = float(scenario.mean()) if ns else NAN
        return Difference(mb, ms, ms - mb, NAN, NAN, min(nb, ns))
    mb, ms = float(baseline.mean()), float(scenario.mean())
    diff = ms - mb
    low = high = NAN
    if nb > 1 and ns > 1:
        vb, vs = float(baseline.var(ddof=1)) / nb, float(scenario.var(ddof=1)) / ns
        se = math.sqrt(vb + vs)
        if se == 0:
            low = high = diff
        else:
            df = (vb + vs) ** 2 / (vb**2 / (nb - 1) + vs**2 / (ns - 1))
            half = float(stdtrit(df, 0.5 + level / 2) * se)
            low, high = diff - half, diff + half
    return Difference(mb, ms, diff, low, high, min(nb, ns))


def difference(baseline, scenario, paired: bool, level: float = 0.95) -> Difference:
    """`paired_difference` when the runs are paired (common random numbers), else `welch_difference`."""
    return paired_difference(baseline, scenario, level) if paired else welch_difference(baseline, scenario, level)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion `successes / n` (NaNs when n is 0)."""
    if n <= 0:
        return NAN, NAN
    z = float(ndtri(0.5 + level / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def first_step_reached(values, direction: str, threshold: float) -> np.ndarray:
    """For each run (row of `values`, one column per step from 0), the first step at which the
    metric is at or above (`direction="at_least"`) or at or below (`"at_most"`) the threshold;
    -1 for runs that never reach it. NaN values never meet a target."""
    values = np.asarray(values, dtype=float)
    if direction == "at_least":
        met = values >= threshold
    elif direction == "at_most":
        met = values <= threshold
    else:
        raise ValueError(f"direction must be 'at_least' or 'at_most', got {direction!r}")
    met &= ~np.isnan(values)
    return np.where(met.any(axis=1), met.argmax(axis=1), -1)


@dataclass(frozen=True)
class TargetResult:
    """How often and when runs met a target (weeks are steps)."""

    probability: float
    probability_low: float
    probability_high: float
    reached_by_deadline: int
    replications: int
    reached_ever: int
    median_week_reached: float
    week_reached_low: float
    week_reached_high: float


def evaluate_target(values, direction: str, threshold: float, by_week: int, level: float = 0.95) -> TargetResult:
    """Evaluate a target on `values` (runs x steps 0..horizon).

    probability = share of runs whose metric meets the target at some step <= by_week (Wilson
    interval); reached_ever = runs that met it at any step up to the horizon; the median week and
    the 2.5 / 97.5 percentiles (linear interpolation) of the first week it was met, among the runs
    that ever met it (NaN if none). A deadline beyond the horizon is evaluated up to the horizon.
    """
    return evaluate_first_steps(first_step_reached(values, direction, threshold), by_week, level)


def evaluate_first_steps(first, by_week: int, level: float = 0.95) -> TargetResult:
    """`evaluate_target` from each run's first step at the target (`first_step_reached`; -1: never),
    so that runs can be reduced to that one number as they finish."""
    first = np.asarray(first)
    n = int(first.size)
    reached = first[first >= 0]
    by_deadline = int(np.count_nonzero(reached <= by_week))
    low, high = wilson_interval(by_deadline, n, level)
    if reached.size:
        tail = (1 - level) / 2 * 100
        median = float(np.median(reached))
        week_low, week_high = (float(x) for x in np.percentile(reached, [tail, 100 - tail]))
    else:
        median = week_low = week_high = NAN
    return TargetResult(
        probability=by_deadline / n if n else NAN,
        probability_low=low,
        probability_high=high,
        reached_by_deadline=by_deadline,
        replications=n,
        reached_ever=int(reached.size),
        median_week_reached=median,
        week_reached_low=week_low,
        week_reached_high=week_high,
    )


def per_100_hours(diff: float, low: float, high: float, extra_hours: float) -> tuple[float, float, float]:
    """A difference and its interval per 100 extra clinician-hours: x * 100 / extra_hours.

    NaNs when the scenario does not cost more hours than the baseline (extra_hours <= 0 or NaN).
    """
    if not extra_hours > 0:
        return NAN, NAN, NAN
    scale = 100.0 / extra_hours
    return diff * scale, low * scale, high * scale
