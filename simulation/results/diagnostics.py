"""Network diagnostics of a run's end, as netdiffuseR reports them (Vega Yon & Valente): diagnostics.csv.

For replication 0 of each scenario (its final state: ties, attitudes, modes, first week of AI use):

- Moran's I (Moran 1950) of the attitudes and of AI use (1 if the clinician uses AI in any mode,
  else 0) over the ties, with binary symmetric weights (w_ij = 1 when i and j are colleagues):
  I = (n / W) sum_ij w_ij z_i z_j / sum_i z_i^2, z the deviations from the mean, W = sum_ij w_ij
  (each tie counted in both directions). Under no spatial dependence E[I] = -1 / (n - 1)
  (Cliff & Ord 1981). The p-value is one-sided ("more alike than chance"): the share of random
  permutations of the values over the clinicians whose I reaches the observed one,
  (1 + #{I_perm >= I}) / (1 + permutations).
- Network dependence in adoption: of the ties with at least one adopter (a clinician who has used AI
  at some point), the share that join two adopters; compared with the same share after permuting who
  adopted (the number of adopters kept), one-sided p-value as above. Clustered adoption gives a
  share above the permutations' mean and a small p-value.
- Rogers (2003) adopter categories by the week of first AI use, among the adopters: innovators up
  to mean - 2 sd, early adopters up to mean - 1 sd, early majority up to the mean, late majority up
  to mean + 1 sd, laggards after (sd the population standard deviation of the adoption weeks); the
  normal curve puts 2.5, 13.5, 34, 34 and 16 % of adopters in them (`expected` holds those counts).
  Clinicians who never used AI are counted as non-adopters. Those using AI at week 0 are adopters of
  week 0.

Permutations: `PERMUTATIONS` (999), fewer on very large networks so that a scenario's diagnostics
stay below about 2 x 10^8 tie visits (at least 99); the row says how many. The permutations draw
from a generator seeded by the scenario's run seed (the same run gives the same file).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERMUTATIONS = 999
MIN_PERMUTATIONS = 99
TIE_VISITS = 200_000_000  # budget of tie visits per permutation test
CHUNK = 64  # permutations computed together (a (CHUNK, n) array at a time)
DIAGNOSTICS_SEED = 0xD1A6  # mixed with the run seed for the permutations
# Rogers' categories in order, with the share of adopters the normal curve puts in each.
ROGERS = (
    ("innovators", 0.025),
    ("early_adopters", 0.135),
    ("early_majority", 0.34),
    ("late_majority", 0.34),
    ("laggards", 0.16),
)
DIAGNOSTICS_COLUMNS = ("scenario", "replication", "statistic", "value", "expected", "p_value", "permutations")


def morans_i(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Moran's I of each row of `values` ((k, n) or (n,)) over the undirected ties `edges` ((E, 2),
    each tie once); NaN where the values do not vary or there are no ties."""
    x = np.atleast_2d(np.asarray(values, dtype=float))
    n = x.shape[1]
    z = x - x.mean(axis=1, keepdims=True)
    spread = (z * z).sum(axis=1)
    if edges.shape[0] == 0:
        return np.full(x.shape[0], np.nan)
    cross = 2.0 * (z[:, edges[:, 0]] * z[:, edges[:, 1]]).sum(axis=1)  # sum_ij w_ij z_i z_j, both directions
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(spread > 0, n / (2.0 * edges.shape[0]) * cross / spread, np.nan)
    return result


def adopter_tie_share(adopters: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per row of `adopters` ((k, n) or (n,) booleans): of the ties with at least one adopter, the
    share joining two adopters (NaN if no tie touches an adopter)."""
    a = np.atleast_2d(np.asarray(adopters, dtype=bool))
    first, second = a[:, edges[:, 0]], a[:, edges[:, 1]]
    both = (first & second).sum(axis=1)
    touched = (first | second).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(touched > 0, both / np.maximum(touched, 1), np.nan)


@dataclass(frozen=True)
class PermutationTest:
    """An observed statistic, the mean over permutations, the one-sided p-value and how many permutations."""

    observed: float
    permuted_mean: float
    p_value: float
    permutations: int


def permutations_for(edges: np.ndarray) -> int:
    """How many permutations a network of this many ties gets (see the module docstring)."""
    return int(min(PERMUTATIONS, max(MIN_PERMUTATIONS, TIE_VISITS // max(int(edges.shape[0]), 1))))


def permutation_test(statistic, values: np.ndarray, edges: np.ndarray, rng: np.random.Generator) -> PermutationTest:
    """`statistic(values, edges)` against its values after random permutations of `values` over the
    clinicians; p = (1 + #{permuted >= observed}) / (1 + permutations)."""
    observed = float(statistic(values, edges)[0])
    count = permutations_for(edges)
    if np.isnan(observed):
        return PermutationTest(observed, float("nan"), float("nan"), count)
    permuted = []
    for start in range(0, count, CHUNK):
        k = min(CHUNK, count - start)
        order = np.argsort(rng.random((k, values.shape[0])), axis=1)
        permuted.append(statistic(np.asarray(values)[order], edges))
    sample = np.concatenate(permuted)
    p = (1.0 + float(np.sum(sample >= observed - 1e-12))) / (1.0 + count)
    return PermutationTest(observed, float(np.mean(sample)), p, count)


def rogers_categories(adopted_at: np.ndarray) -> dict[str, int]:
    """Counts of Rogers' five categories among the adopters (adopted_at >= 0, the week of first use)
    and of non-adopters (adopted_at < 0), by the mean and sd cut-offs of the module docstring."""
    adopted_at = np.asarray(adopted_at)
    weeks = adopted_at[adopted_at >= 0].astype(float)
    counts = dict.fromkeys((name for name, _ in ROGERS), 0)
    if weeks.size:
        mean, sd = weeks.mean(), weeks.std()
        edges = [mean - 2 * sd, mean - sd, mean, mean + sd]
        category = np.searchsorted(np.array(edges), weeks, side="left")  # week <= cut-off: earlier category
        for index, (name, _) in enumerate(ROGERS):
            counts[name] = int(np.sum(category == index))
    counts["non_adopters"] = int(np.sum(adopted_at < 0))
    return counts


def _row(scenario: str, statistic: str, value: float, expected: float, p: float, permutations: float) -> dict:
    return dict(zip(DIAGNOSTICS_COLUMNS, (scenario, 0, statistic, value, expected, p, permutations), strict=True))


def scenario_diagnostics(scenario: str, end: Mapping, seed: int) -> list[dict]:
    """diagnostics.csv's rows of one scenario from replication 0's end snapshot (`edges`,
    `attitude`, `mode`, `adopted_at`)."""
    rng = np.random.default_rng([DIAGNOSTICS_SEED, int(seed)])
    edges = np.asarray(end["edges"], dtype=np.int64).reshape(-1, 2)
    attitude = np.asarray(end["attitude"], dtype=float)
    uses = (np.asarray(end["mode"]) != 0).astype(float)
    n = attitude.shape[0]
    expected_i = -1.0 / (n - 1) if n > 1 else float("nan")
    rows = []
    for name, values in (("morans_i_attitude", attitude), ("morans_i_ai_use", uses)):
        test = permutation_test(morans_i, values, edges, rng)
        rows.append(_row(scenario, name, test.observed, expected_i, test.p_value, test.permutations))
    adopted_at = np.asarray(end["adopted_at"])
    test = permutation_test(adopter_tie_share, adopted_at >= 0, edges, rng)
    rows.append(_row(scenario, "adopter_tie_share", test.observed, test.permuted_mean, test.p_value, test.permutations))
    counts = rogers_categories(adopted_at)
    adopters = n - counts["non_adopters"]
    for name, share in ROGERS:
        rows.append(_row(scenario, name, counts[name], share * adopters, float("nan"), float("nan")))
    rows.append(_row(scenario, "non_adopters", counts["non_adopters"], float("nan"), float("nan"), float("nan")))
    return rows


def diagnostics_frame(runs: Iterable[tuple[str, int]], snapshots: Mapping[str, dict | None]) -> pd.DataFrame:
    """diagnostics.csv for the scenarios `runs` ((name, run seed), in comparison order) whose
    replication 0 left an end snapshot with adoption weeks; empty (with the columns) if none did."""
    rows: list[dict] = []
    for name, seed in runs:
        shot = snapshots.get(name)
        end = shot.get("end") if shot else None
        if end is not None and "adopted_at" in end:
            rows.extend(scenario_diagnostics(name, end, seed))
    return pd.DataFrame(rows, columns=list(DIAGNOSTICS_COLUMNS))
