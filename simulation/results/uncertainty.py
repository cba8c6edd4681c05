"""What the answer is worth: two intervals per outcome and difference, chances across worlds, drivers.

A comparison with parameter worlds (`simulation.worlds`) runs every scenario at the values its file
states (world 0, `run.replications` replications) and in K drawn worlds (R replications each, the
same worlds and seeds in every scenario). From each replication's final values (`outcomes.COMPARED`:
final shares and gap, run totals of the counts) this module writes:

- `unknowns.csv`: the ranges drawn: key, form (plus, times or within), low, high, shape, reason;
- `worlds.csv`: world (1..K) and each key's draw in it (the shift, factor or value applied alike to
  every scenario);
- `uncertainty.csv`: one row per compared scenario (baseline first; other hospitals are left out) x
  outcome: the level at the stated values (mean) with `level_chance_low/high`, the central 95 % of its
  runs, and `level_uncertain_low/high`, the central 95 % of the runs of all worlds; for a plan the
  paired difference from the baseline likewise (`difference`, `chance_low/high`, `uncertain_difference`
  (mean over the worlds' runs), `uncertain_low/high`); `p_better`, the share of worlds in which the
  plan's mean difference (over its R runs) is in the better direction; `p_best`, the share of worlds
  in which the scenario has the best mean of all compared scenarios (the baseline included: doing
  nothing can be best; ties go to the earlier scenario); `share_unknown`, the share of the variance of
  the difference over all worlds' runs that chance alone does not explain (1 - var(chance) / var(all),
  floored at 0: var(chance) is the variance of the runs at the stated values);
- `world_means.csv`: each compared scenario's mean (over its R runs) of each outcome in each world:
  scenario, outcome, world, mean (what `simulate plan` reads for regret and "when it fails");
- `drivers.csv`: for each plan x outcome with a better direction (for a run of one scenario: its
  levels), each key's rank correlation (Spearman) across worlds between its draw and the world's mean
  difference (level), ranked by its size; keys of intervention kinds that neither the plan nor the
  baseline has are left out (they cannot move its effect). With K worlds, |rho| below about 2 / sqrt(K) is within
  chance.

"Chance alone" is what could happen in this hospital under these assumptions; "with what we do not
know" adds the spread of the assumptions. Both are ranges of single runs (a hospital lives one
future), not intervals of a mean: comparison.csv keeps the 95 % confidence interval of the mean
difference (how precisely the simulation pins the mean), which more replications shrink.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.execution.plan import ScenarioRun
from simulation.execution.replication import ReplicationResult
from simulation.outcomes import COLUMNS, COMPARED, better_direction, outcome
from simulation.worlds import WorldDesign

UNKNOWNS_COLUMNS = ["key", "form", "low", "high", "shape", "reason"]
UNCERTAINTY_COLUMNS = [
    "scenario", "outcome", "better", "stated_replications", "worlds", "world_replications",
    "level", "level_chance_low", "level_chance_high", "level_uncertain_mean", "level_uncertain_low",
    "level_uncertain_high", "difference", "chance_low", "chance_high", "uncertain_difference",
    "uncertain_low", "uncertain_high", "p_better", "p_best", "share_unknown",
]  # fmt: skip
DRIVERS_COLUMNS = ["scenario", "outcome", "of", "key", "rank_correlation", "rank"]
WORLD_MEANS_COLUMNS = ["scenario", "outcome", "world", "mean"]

# The central 95 % of runs.
LOW, HIGH = 2.5, 97.5


def final_values(outcomes: np.ndarray) -> np.ndarray:
    """A replication's value of each `COMPARED` outcome: the last step of a state, the run's total of a count."""
    values = []
    for name in COMPARED:
        column = COLUMNS.index(outcome(name).name)
        series = outcomes[:, column]
        values.append(float(np.nansum(series)) if name.startswith("total_") else float(series[-1]))
    return np.array(values)


@dataclass
class UncertaintyTables:
    unknowns: pd.DataFrame
    worlds: pd.DataFrame
    uncertainty: pd.DataFrame
    drivers: pd.DataFrame
    world_means: pd.DataFrame  # world_means.csv: each compared scenario's mean of each outcome in each world


def unknowns_frame(design: WorldDesign) -> pd.DataFrame:
    rows = [
        {
            "key": p.key,
            "form": p.form,
            "low": p.bounds[0],
            "high": p.bounds[1],
            "shape": p.drawn_shape,
            "reason": p.reason or "(no reason given)",
        }
        for p in design.parameters
    ]
    return pd.DataFrame(rows, columns=UNKNOWNS_COLUMNS)


def worlds_frame(design: WorldDesign) -> pd.DataFrame:
    frame = pd.DataFrame(design.draws, columns=design.keys)
    frame.insert(0, "world", np.arange(1, design.worlds + 1, dtype=np.int64))
    return frame


def _central(values: np.ndarray) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return np.nan, np.nan
    low, high = np.percentile(values, [LOW, HIGH])
    return float(low), float(high)


def _mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else np.nan


def _variance(values: np.ndarray) -> float:
    """Sample variance (NaNs ignored); NaN with fewer than two values."""
    values = values[~np.isnan(values)]
    return float(values.var(ddof=1)) if values.size > 1 else np.nan


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (average ranks for ties); NaN when either side is constant or undefined."""
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < 3:
        return np.nan
    rx = pd.Series(x[keep]).rank().to_numpy()
    ry = pd.Series(y[keep]).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return np.nan
    return float(np.corrcoef(rx, ry)[0, 1])


class WorldCollector:
    """Each replication's final values, kept as results stream by (a few numbers per replication)."""

    def __init__(self, runs: Sequence[ScenarioRun], compared: Sequence[bool], design: WorldDesign) -> None:
        self.runs = list(runs)
        self.compared = list(compared)
        self.design = design
        self.values: list[dict[int, np.ndarray]] = [{} for _ in self.runs]

    def add(self, result: ReplicationResult) -> None:
        if self.compared[result.scenario_index]:
            self.values[result.scenario_index][result.replication] = final_values(result.outcomes)

    def _arrays(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(stated runs x outcomes, worlds x R x outcomes) of scenario `index`."""
        stated = self.runs[index].scenario.run.replications
        got = self.values[index]
        first = [self.design.first_replication(w, stated) for w in range(1, self.design.worlds + 1)]
        nan = np.full(len(COMPARED), np.nan)
        at_stated = np.array([got.get(k, nan) for k in range(stated)])
        in_worlds = np.array([[got.get(f + r, nan) for r in range(self.design.replications)] for f in first])
        return at_stated, in_worlds

    def finish(self) -> UncertaintyTables:
        design = self.design
        arrays = {i: self._arrays(i) for i, c in enumerate(self.compared) if c}
        base_stated, base_worlds = arrays[0]
        n = min(len(a[0]) for a in arrays.values())  # paired on the replication number
        means = {i: np.nanmean(a[1], axis=1) for i, a in arrays.items()}  # worlds x outcomes
        rows, drivers = [], []
        for i, (stated, worlds) in arrays.items():
            run = self.runs[i]
            for j, name in enumerate(COMPARED):
                better = better_direction(name)
                level_low, level_high = _central(stated[:, j])
                all_level = worlds[:, :, j].ravel()
                row = {
                    "scenario": run.name,
                    "outcome": name,
                    "better": better,
                    "stated_replications": len(stated),
                    "worlds": design.worlds,
                    "world_replications": design.replications,
                    "level": _mean(stated[:, j]),
                    "level_chance_low": level_low,
                    "level_chance_high": level_high,
                    "level_uncertain_mean": _mean(all_level),
                    "level_uncertain_low": _central(all_level)[0],
                    "level_uncertain_high": _central(all_level)[1],
                    "p_best": _p_best(means, i, j, better),
                }
                if i == 0:
                    for column in ("difference", "chance_low", "chance_high", "uncertain_difference"):
                        row[column] = np.nan
                    for column in ("uncertain_low", "uncertain_high", "p_better", "share_unknown"):
                        row[column] = np.nan
                else:
                    chance = stated[:n, j] - base_stated[:n, j]
                    spread = (worlds[:, :, j] - base_worlds[:, :, j]).ravel()
                    world_mean = means[i][:, j] - means[0][:, j]
                    var_chance, var_all = _variance(chance), _variance(spread)
                    row.update(
                        difference=_mean(chance),
                        chance_low=_central(chance)[0],
                        chance_high=_central(chance)[1],
                        uncertain_difference=_mean(spread),
                        uncertain_low=_central(spread)[0],
                        uncertain_high=_central(spread)[1],
                        p_better=_p_better(world_mean, better),
                        share_unknown=max(0.0, 1.0 - var_chance / var_all) if var_all > 0 else np.nan,  # NaN-safe
                    )
                rows.append(row)
                if better is not None and (i > 0 or len(arrays) == 1):
                    effect = means[i][:, j] - (means[0][:, j] if i > 0 else 0.0)
                    kinds: set[str] = {str(x.kind) for x in run.scenario.interventions}
                    kinds |= {str(x.kind) for x in self.runs[0].scenario.interventions}
                    of = "difference" if i > 0 else "level"
                    drivers += _drivers(design, run.name, name, of, effect, kinds)
        world_rows = [
            {"scenario": self.runs[i].name, "outcome": name, "world": w + 1, "mean": float(means[i][w, j])}
            for i in arrays
            for j, name in enumerate(COMPARED)
            for w in range(design.worlds)
        ]
        return UncertaintyTables(
            unknowns_frame(design),
            worlds_frame(design),
            pd.DataFrame(rows, columns=UNCERTAINTY_COLUMNS),
            pd.DataFrame(drivers, columns=DRIVERS_COLUMNS),
            pd.DataFrame(world_rows, columns=WORLD_MEANS_COLUMNS),
        )


def _p_better(world_differences: np.ndarray, better: str | None) -> float:
    if better is None:
        return np.nan
    known = world_differences[~np.isnan(world_differences)]
    if known.size == 0:
        return np.nan
    return float(np.mean(known < 0 if better == "lower" else known > 0))


def _p_best(means: dict[int, np.ndarray], index: int, column: int, better: str | None) -> float:
    """Share of worlds in which scenario `index` has the best mean (ties: the earlier scenario)."""
    if better is None:
        return np.nan
    order = sorted(means)
    table = np.column_stack([means[i][:, column] for i in order])  # worlds x scenarios
    table = np.where(np.isnan(table), np.inf if better == "lower" else -np.inf, table)
    best = np.argmin(table, axis=1) if better == "lower" else np.argmax(table, axis=1)
    return float(np.mean(best == order.index(index)))


def _drivers(design: WorldDesign, scenario: str, name: str, of: str, effect: np.ndarray, kinds: set[str]) -> list[dict]:
    """Each range's rank correlation with `effect`; ranges of intervention kinds that neither the
    scenario nor the baseline has cannot move it and are left out (their correlation is chance)."""
    keys = [k for k, p in enumerate(design.parameters) if p.intervention_kind is None or p.intervention_kind in kinds]
    rho = {k: _rank_correlation(design.draws[:, k], effect) for k in keys}
    order = sorted(keys, key=lambda k: -abs(rho[k]) if not np.isnan(rho[k]) else 1.0)
    return [
        {
            "scenario": scenario,
            "outcome": name,
            "of": of,
            "key": design.keys[k],
            "rank_correlation": rho[k],
            "rank": rank + 1,
        }
        for rank, k in enumerate(order)
    ]
