"""Tables and summaries written for every run (a comparison of one or more scenarios).

Scenarios appear in comparison order: the baseline first, then the others in argument order.
Numbers are written with 10 significant digits, NaN as an empty cell, booleans as true/false, so
equal runs give equal bytes.

- `steps.csv`: `scenario, replication, step, <outcomes.COLUMNS...>`, one row per replication and step.
- `replications.csv`: `scenario, replication`, the final-step values (`outcomes.FINAL`: every column
  but the counts and flows of the week), then the counts' totals (`total_errors_caught`, ...: one per
  `outcomes.TOTALS`), then the mean exposure at adoption.
- `scenarios.csv`: one row per scenario: role, file, description, interventions, whether it is
  paired with the baseline, replications, steps, root seed, mean final cost in hours and money, and
  whether it is compared with the baseline (`comparable`: false for another hospital, see `same_hospital`).
- `comparison.csv`: one row per compared alternative scenario x outcome (`outcomes.COMPARED`, with its
  better direction; another hospital is left out: it is not a plan for the baseline's): the difference from the
  baseline with its 95 % interval (paired or Welch, see `simulation.results.statistics`), the extra cost in
  clinician-hours and the difference per 100 extra hours; for a share, the difference in clinicians
  (`difference_clinicians` = difference x `clinicians`) and, when it is in the better direction, the
  extra hours per clinician moved (`hours_per_clinician`: per clinician won over).
- `targets.csv`: every scenario's targets evaluated for every scenario: probability of reaching
  each by its deadline (Wilson interval) and when runs first reached it; the plan's own targets
  first (`own`), then the inherited ones, each with the file that wrote it (`source`).
- `effects.csv`: each paired plan's difference from the baseline week by week (`results.effects`).
- `summary.json`: `{"baseline": name, "scenarios": {name: summarise(...)}}`; for each outcome of
  `outcomes.SUMMARISED` its
  initial mean, and at the final step and each milestone the mean, the 95 % confidence interval of
  the mean (Student t across replications) and the central 95 % of replications.

A run's tables are built by `TableBuilder` from its replications given one at a time, without holding
them: steps is written as they come, a few hundred replications at a time (as CSV, Parquet or both:
`results.table_files.TableStream`); the per-step values the
summary needs go to a `stepstore.StepStore` on disk; what is kept in memory is one row of
replications.csv per replication and, per target, the week each replication first reached it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # the t quantile (scipy.stats.t.ppf calls it; a lighter import)

from simulation.diffusion import mean_exposure_at_adoption
from simulation.execution.plan import ScenarioRun
from simulation.execution.replication import ReplicationResult
from simulation.outcomes import COLUMNS, COMPARED, FINAL, SUMMARISED, TOTALS, better_direction
from simulation.outcomes import outcome as outcome_entry
from simulation.results.effects import effects_frame
from simulation.results.groups import GroupCollector
from simulation.results.statistics import difference, evaluate_first_steps, first_step_reached, per_100_hours
from simulation.results.stepstore import FrameSteps, StepSource, StepStore, step_span
from simulation.scenario.planning import TargetConfig
from simulation.scenario.schema import Scenario

if TYPE_CHECKING:
    from simulation.results.uncertainty import UncertaintyTables

STEPS_COLUMNS = ["scenario", "replication", "step", *COLUMNS]
REPLICATIONS_COLUMNS = [
    "scenario",
    "replication",
    *FINAL,
    *(f"total_{c}" for c in TOTALS),
    "mean_exposure_at_adoption",
]
SCENARIOS_COLUMNS = [
    "scenario", "role", "file", "description", "interventions", "paired",
    "replications", "steps", "seed", "cost_hours", "cost_money", "currency", "comparable",
]  # fmt: skip
COMPARISON_COLUMNS = [
    "scenario", "outcome", "better", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high",
    "paired", "replications", "extra_cost_hours", "per_100h", "per_100h_low", "per_100h_high",
    "clinicians", "difference_clinicians", "hours_per_clinician",
]  # fmt: skip
TARGETS_COLUMNS = [
    "scenario", "target", "metric", "direction", "threshold", "by_week", "probability",
    "probability_low", "probability_high", "reached_by_deadline", "replications", "reached_ever",
    "median_week_reached", "week_reached_low", "week_reached_high", "source", "own",
]  # fmt: skip


def steps_frame(results: list[ReplicationResult], scenario: str | None = None) -> pd.DataFrame:
    """All replications' outcome tables stacked, in replication order (with a `scenario` column
    first when a name is given)."""
    ordered = sorted(results, key=lambda r: r.replication)
    rows = [r.outcomes.shape[0] for r in ordered]
    steps = pd.DataFrame(np.concatenate([r.outcomes for r in ordered]), columns=list(COLUMNS))
    steps.insert(0, "step", np.concatenate([np.arange(n) for n in rows]))
    steps.insert(0, "replication", np.repeat(np.array([r.replication for r in ordered], dtype=np.int64), rows))
    if scenario is not None:
        steps.insert(0, "scenario", scenario)
    return steps


def _scenario_groups(steps: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """(name, rows) per scenario in order of first appearance; one unnamed group without the column."""
    if "scenario" not in steps.columns:
        return [(None, steps)]
    return [(name, steps[steps["scenario"] == name]) for name in pd.unique(steps["scenario"])]


def exposure_by_replication(steps: pd.DataFrame) -> pd.Series:
    """Each replication's mean exposure at adoption (weeks 1 on; `diffusion.mean_exposure_at_adoption`)."""
    return (
        steps[steps["step"] > 0]
        .groupby("replication")
        .apply(lambda g: mean_exposure_at_adoption(g["new_adopters"].to_numpy(), g["exposure_at_adoption"].to_numpy()))
        .rename("mean_exposure_at_adoption")
    )


def hazard_by_replication(steps: pd.DataFrame) -> pd.Series:
    """Each replication's mean weekly adoption hazard (weeks 1 on; NaN weeks skipped, NaN if none)."""
    return steps[steps["step"] > 0].groupby("replication")["adoption_hazard"].mean()


def replications_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """Final outcomes and totals per (scenario and) replication, in the order of `steps`."""
    frames = []
    for name, group in _scenario_groups(steps):
        last = group[group["step"] == group["step"].max()].set_index("replication")
        final = last[list(FINAL)]
        totals = group.groupby("replication")[list(TOTALS)].sum().add_prefix("total_")
        exposure = exposure_by_replication(group)
        frame = final.join(totals).join(exposure).reset_index()
        if name is not None:
            frame.insert(0, "scenario", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _describe_interventions(scenario: Scenario) -> str:
    return "; ".join(getattr(i, "name", "") or i.kind for i in scenario.interventions)


def same_hospital(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios simulate the same hospital: equal [population] and [network] (the test of
    `job.hospital_differences`). Only then is one a plan for the other: compared, ranked, on the charts."""
    return a.population.model_dump() == b.population.model_dump() and a.network.model_dump() == b.network.model_dump()


def comparable(runs: Sequence[ScenarioRun]) -> list[bool]:
    """For each run, whether it is compared with the baseline (runs[0]: True): the same hospital."""
    return [same_hospital(run.scenario, runs[0].scenario) for run in runs]


def scenarios_frame(runs: Sequence[ScenarioRun], replications: pd.DataFrame) -> pd.DataFrame:
    """scenarios.csv: one row per scenario with its settings and mean final cost."""
    rows = []
    for run, compared in zip(runs, comparable(runs), strict=True):
        cost = float(replications.loc[replications["scenario"] == run.name, "cost_hours"].mean())
        rate = run.scenario.costs.hourly_rate
        rows.append(
            {
                "scenario": run.name,
                "role": run.role,
                "file": run.file,
                "description": run.scenario.scenario.description,
                "interventions": _describe_interventions(run.scenario),
                "paired": _bool_text(run.paired),
                "replications": run.scenario.run.replications,
                "steps": run.scenario.run.steps,
                "seed": run.root_seed,
                "cost_hours": cost,
                "cost_money": cost * rate if rate > 0 else math.nan,
                "currency": run.scenario.costs.currency,
                "comparable": _bool_text(compared),
            }
        )
    return pd.DataFrame(rows, columns=SCENARIOS_COLUMNS)


def comparison_frame(runs: Sequence[ScenarioRun], replications: pd.DataFrame) -> pd.DataFrame:
    """comparison.csv: each alternative scenario against the baseline (runs[0]), outcome by outcome.

    Values come from `replications` (one row per scenario and replication); paired scenarios are
    matched on the replication number. An alternative of another hospital (`same_hospital` false) is
    left out: a difference between two hospitals is not the effect of a plan. Header only when there is
    no compared alternative.
    """
    baseline = runs[0]
    by_name = {name: frame.set_index("replication") for name, frame in replications.groupby("scenario", sort=False)}
    base = by_name[baseline.name]
    base_cost = float(base["cost_hours"].mean())
    rows = []
    for run, compared in zip(runs[1:], comparable(runs)[1:], strict=True):
        if not compared:
            continue
        alt = by_name[run.name]
        extra = float(alt["cost_hours"].mean()) - base_cost
        for outcome in COMPARED:
            better = better_direction(outcome)
            if run.paired:
                common = base.index.intersection(alt.index)
                result = difference(base.loc[common, outcome], alt.loc[common, outcome], paired=True)
            else:
                result = difference(base[outcome], alt[outcome], paired=False)
            per, per_low, per_high = per_100_hours(result.difference, result.low, result.high, extra)
            heads = float(run.scenario.population.n)
            moved = result.difference * heads if outcome_entry(outcome).is_share else math.nan
            won = (moved < 0) if better == "lower" else (moved > 0)
            per_clinician = extra / abs(moved) if won and extra > 0 and abs(moved) > 0 else math.nan
            rows.append(
                {
                    "scenario": run.name,
                    "outcome": outcome,
                    "better": better,
                    "baseline_mean": result.baseline_mean,
                    "scenario_mean": result.scenario_mean,
                    "difference": result.difference,
                    "ci_low": result.low,
                    "ci_high": result.high,
                    "paired": _bool_text(run.paired),
                    "replications": result.n,
                    "extra_cost_hours": extra,
                    "per_100h": per,
                    "per_100h_low": per_low,
                    "per_100h_high": per_high,
                    "clinicians": heads,
                    "difference_clinicians": moved,
                    "hours_per_clinician": per_clinician,
                }
            )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def union_targets(scenarios: Sequence[Scenario], files: Sequence[Path] | None = None) -> list[TargetConfig]:
    """All scenarios' targets (scenarios[0] is the baseline), each (metric, direction, threshold,
    by_week) once: the plan's own targets first, then the inherited ones.

    A target is the plan's own (`_own`) when the file of a compared alternative writes it itself (not
    through `extends`), or, in a run of one scenario, when that file does. Own targets come in the
    alternatives' order, then the others in first-seen order (alternatives, then the baseline). Each
    returned target is a copy whose `_source` is the file that wrote it.
    """
    given: list[Path | None] = list(files) if files is not None else [None] * len(scenarios)
    order = list(range(1, len(scenarios))) + [0] if len(scenarios) > 1 else [0]
    candidates: list[TargetConfig] = []
    for index in order:
        file = given[index]
        resolved = file.resolve() if file is not None and file.exists() else file
        for target in scenarios[index].targets:
            copy = target.model_copy()
            copy._source = target._source or resolved
            copy._own = (index > 0 or len(scenarios) == 1) and (target._source is None or target._source == resolved)
            candidates.append(copy)
    seen: dict[tuple, TargetConfig] = {}
    for target in sorted(candidates, key=lambda t: not t._own):  # stable: own first
        seen.setdefault((target.metric, target.direction, target.threshold, target.by_week), target)
    return list(seen.values())


def first_steps_reached(outcomes: np.ndarray, targets: Sequence[TargetConfig]) -> list[np.ndarray]:
    """For each target, each replication's first step at it (-1: never); `outcomes` is replications x
    steps x COLUMNS."""
    return [first_step_reached(outcomes[:, :, COLUMNS.index(t.metric)], t.direction, t.threshold) for t in targets]


def targets_frame(
    runs: Sequence[ScenarioRun], targets: Sequence[TargetConfig], first: Sequence[Sequence[np.ndarray]]
) -> pd.DataFrame:
    """targets.csv: every target evaluated for every scenario (deadlines beyond the run: up to its end);
    `first[i][j]`: the first step at which each replication of runs[i] reached targets[j]."""
    rows = []
    for run, reached in zip(runs, first, strict=True):
        for target, steps in zip(targets, reached, strict=True):
            result = evaluate_first_steps(steps, target.by_week)
            rows.append(
                {
                    "scenario": run.name,
                    "target": target.describe(),
                    "metric": target.metric,
                    "direction": target.direction,
                    "threshold": target.threshold,
                    "by_week": target.by_week,
                    "probability": result.probability,
                    "probability_low": result.probability_low,
                    "probability_high": result.probability_high,
                    "reached_by_deadline": result.reached_by_deadline,
                    "replications": result.replications,
                    "reached_ever": result.reached_ever,
                    "median_week_reached": result.median_week_reached,
                    "week_reached_low": result.week_reached_low,
                    "week_reached_high": result.week_reached_high,
                    "source": "" if target._source is None else relative_file(target._source),
                    "own": _bool_text(target._own),
                }
            )
    return pd.DataFrame(rows, columns=TARGETS_COLUMNS)


FLOAT_FORMAT = "%.10g"  # 10 significant digits; NaN is an empty cell
_CSV_SPECIAL = re.compile(r'[,"\r\n]')  # a text cell holding one of these is quoted by the csv writer


def to_csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes:
    """Deterministic CSV text of a frame (rows written in parts give the same bytes as at once).

    The bytes of `frame.to_csv(index=False, float_format="%.10g", na_rep="", lineterminator="\\n")`,
    written faster: a frame of numbers and plain text (`_fast_csv_columns`) is joined here, each
    distinct float formatted once by the same `"%.10g" %`; any other frame is written by pandas.

    Formula injection: a text cell that a spreadsheet would read as a formula (it starts with `=`,
    `+`, `-`, `@`, a tab or a carriage return, after any apostrophes: user text such as a scenario or
    department name) is written with a leading apostrophe, as OWASP advises (`defused_text`); numbers
    are numbers and stay as they are. `restored` gives a table read back its text as it was."""
    frame = _defused(frame)
    columns = _fast_csv_columns(frame)
    if columns is None:
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=header, float_format=FLOAT_FORMAT, na_rep="", lineterminator="\n")
        return buffer.getvalue().encode()
    lines = list(map(",".join, zip(*columns, strict=True)))
    if header:
        lines.insert(0, ",".join(map(str, frame.columns)))
    return ("\n".join(lines) + "\n").encode() if lines else b""


# A text cell that a spreadsheet would read as a formula starts with one of =, +, -, @, a tab or a
# carriage return; one that starts with apostrophes and then one of those is prefixed too, so that
# `restored_text` can take the prefix off again without a doubt.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def defused_text(text: str) -> str:
    """``text`` as a spreadsheet cell that is not evaluated: with a leading apostrophe when it starts
    like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return, after any apostrophes), else
    unchanged. The CSV tables and results.xlsx write user text through this."""
    return "'" + text if _FORMULA_START.match(text) else text


def restored_text(text: str) -> str:
    """The text that `defused_text` was given: ``restored_text(defused_text(t)) == t`` for every t."""
    return text[1:] if text.startswith("'") and _FORMULA_START.match(text, 1) else text


def _is_text(series: pd.Series) -> bool:
    return (isinstance(series.dtype, np.dtype) and series.dtype.kind == "O") or isinstance(series.dtype, pd.StringDtype)


def _defused(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that starts like a formula prefixed by an apostrophe (a copy
    only when one does)."""
    out = frame
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if not _is_text(series):
            continue
        try:
            distinct = pd.unique(series)
        except TypeError:  # unhashable cells: not plain text
            continue
        if not any(isinstance(c, str) and _FORMULA_START.match(c) for c in distinct):
            continue  # the usual case: each distinct cell looked at once
        risky = series.map(lambda c: isinstance(c, str) and _FORMULA_START.match(c) is not None)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out.iloc[:, i] = series.where(~risky, "'" + series.astype(str))
    return out


def restored(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back from one of our CSV files with its text cells as they were before
    `to_csv_bytes` defused them (`restored_text`): the names in it then equal the scenario's, the
    summary's and the report's (a copy only when a cell changes)."""
    out = frame
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        if not _is_text(series):
            continue
        try:
            distinct = pd.unique(series)
        except TypeError:
            continue
        if not any(isinstance(c, str) and restored_text(c) != c for c in distinct):
            continue
        if out is frame:
            out = frame.copy()
        out.iloc[:, i] = series.map(lambda c: restored_text(c) if isinstance(c, str) else c)
    return out


def _format_floats(values: np.ndarray) -> list[str]:
    """`"%.10g" % v` of each value, '' for NaN; each distinct value (by its bits: 0.0 and -0.0 differ)
    formatted once."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    distinct, where = np.unique(values.view(np.int64), return_inverse=True)
    numbers = distinct.view(np.float64)
    text = np.array(list(map(FLOAT_FORMAT.__mod__, numbers.tolist())), dtype=object)
    text[np.isnan(numbers)] = ""
    return text[where].tolist()


def _fast_csv_columns(frame: pd.DataFrame) -> list[list[str]] | None:
    """Each column's cells as the csv writer would write them, when that needs no quoting: float
    columns (`_format_floats`), integer columns, and text columns of non-empty strings without a comma,
    quote or line break, with plain column names; None for any other frame (pandas writes it: e.g. a
    single column, where an empty cell is written '""')."""
    if frame.shape[1] < 2 or not all(isinstance(c, str) and c and not _CSV_SPECIAL.search(c) for c in frame.columns):
        return None
    columns = []
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        dtype = series.dtype
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            columns.append(_format_floats(series.to_numpy()))
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            columns.append(list(map(str, series.to_numpy().tolist())))
        elif (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
            cells = series.to_numpy(dtype=object).tolist()
            try:
                distinct = set(cells)
            except TypeError:  # unhashable cells (lists, ...): not plain text
                return None
            if not all(type(c) is str and c and not _CSV_SPECIAL.search(c) for c in distinct):
                return None
            columns.append(cells)
        else:
            return None
    return columns


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def stat(values: np.ndarray) -> dict:
    """Mean, 95 % CI of the mean and central 95 % range of replication values (NaNs ignored)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return {"mean": None, "ci95": [None, None], "range95": [None, None], "n": 0}
    mean = float(values.mean())
    if values.size > 1:
        half = float(stdtrit(values.size - 1, 0.975) * values.std(ddof=1) / math.sqrt(values.size))
    else:
        half = float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return {
        "mean": _clean(mean),
        "ci95": [_clean(mean - half), _clean(mean + half)],
        "range95": [_clean(low), _clean(high)],
        "n": int(values.size),
    }


def summarise(steps: pd.DataFrame, scenario: Scenario, name: str | None = None) -> dict:
    """One scenario's part of summary.json (`steps`: that scenario's rows only; `name` defaults to
    scenario.name)."""
    return summarise_steps(
        FrameSteps(steps), replications_frame(steps), hazard_by_replication(steps).to_numpy(), scenario, name
    )


def summarise_steps(
    steps: StepSource, replications: pd.DataFrame, hazard: np.ndarray, scenario: Scenario, name: str | None = None
) -> dict:
    """`summarise` from one scenario's per-step values (`steps`), its rows of replications.csv and
    each replication's mean adoption hazard (`hazard_by_replication`)."""
    last_step = step_span(steps)[1]
    milestones = [m for m in scenario.run.milestones if 0 < m <= last_step]
    outcomes = {}
    for column in SUMMARISED:
        initial = steps.values(column, 0)
        outcomes[column] = {
            "initial": _clean(float(np.nanmean(initial))) if (~np.isnan(initial)).any() else None,
            "final": stat(steps.values(column, last_step)),
            "milestones": {str(m): stat(steps.values(column, m)) for m in milestones},
        }
    totals = {name: stat(replications[f"total_{name}"].to_numpy()) for name in TOTALS}
    totals["cost_hours"] = stat(steps.values("cost_hours", last_step))
    totals["mean_adoption_hazard"] = stat(hazard)  # NaN weeks skipped; NaN if none
    totals["mean_exposure_at_adoption"] = stat(replications["mean_exposure_at_adoption"].to_numpy())
    return {
        "scenario": name if name is not None else scenario.scenario.name,
        "description": scenario.scenario.description,
        "replications": len(replications),
        "steps": last_step,
        "step_unit": scenario.run.time_unit,
        "skeptical_below": scenario.population.skeptical_below,
        "interventions": [{"kind": i.kind, "name": getattr(i, "name", i.kind)} for i in scenario.interventions],
        "outcomes": outcomes,
        "totals": totals,
    }


@dataclass
class Tables:
    """Everything a comparison computes besides steps.csv (frames as in the CSV files)."""

    replications: pd.DataFrame
    scenarios: pd.DataFrame
    comparison: pd.DataFrame
    targets: pd.DataFrame
    summary: dict
    snapshots: dict[str, dict | None]  # scenario name -> replication 0's {"start": ..., "end": ...}
    uncertainty: UncertaintyTables | None = None  # with parameter worlds (job.tabulate)
    effects: pd.DataFrame | None = None  # effects.csv: each plan's paired difference week by week
    groups: pd.DataFrame | None = None  # groups.csv: the end by department and role (`results.groups`)
    hospitals: pd.DataFrame | None = None  # hospitals.csv: the same plan in different hospitals (job.tabulate)


# Replications tabulated at a time: at most this many, or as many as make CHUNK_ROWS rows of steps.csv
# (bounds the memory of the tables; the numbers do not depend on it).
CHUNK_REPLICATIONS, CHUNK_ROWS = 200, 5_000


class _ScenarioPart:
    """What is kept of one scenario's replications while they stream by."""

    def __init__(self, run: ScenarioRun, targets: Sequence[TargetConfig], scratch: Path | None) -> None:
        self.run = run
        self.store = StepStore(COLUMNS, scratch)
        self.replications: list[pd.DataFrame] = []
        self.hazard: list[np.ndarray] = []
        self.first: list[list[np.ndarray]] = [[] for _ in targets]
        self.snapshots: dict | None = None
        self.seen = False


class FrameSink(Protocol):
    """Where the steps table goes as it is built (`results.table_files.TableStream`): frame by frame."""

    def write(self, frame: pd.DataFrame) -> None: ...


class TableBuilder:
    """The tables of a comparison from its replications given one at a time, in table order (scenario
    by scenario, each in replication order), without holding them (see the module docstring).

    `steps`, if given, receives the steps table (`STEPS_COLUMNS`) part by part as the replications
    come; `scratch` is the folder of the temporary per-step store (best on the disk of the results)."""

    def __init__(
        self,
        runs: Sequence[ScenarioRun],
        targets: Sequence[TargetConfig],
        steps: FrameSink | None = None,
        scratch: Path | None = None,
    ) -> None:
        self.runs = list(runs)
        self.targets = list(targets)
        self.steps = steps
        self.parts = [_ScenarioPart(run, self.targets, scratch) for run in self.runs]
        self._pending: list[ReplicationResult] = []
        self.groups = GroupCollector(self.runs, comparable(self.runs))

    def add_all(self, results: Iterable[ReplicationResult]) -> Tables:
        for result in results:
            self.add(result)
        return self.finish()

    def add(self, result: ReplicationResult) -> None:
        part = self.parts[result.scenario_index]
        if not part.seen:
            part.seen, part.snapshots = True, result.snapshots
        self.groups.add(result)
        if self._pending and self._pending[0].scenario_index != result.scenario_index:
            self._flush()
        self._pending.append(result)
        if len(self._pending) >= min(CHUNK_REPLICATIONS, max(1, CHUNK_ROWS // result.outcomes.shape[0])):
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        chunk, self._pending = self._pending, []
        part = self.parts[chunk[0].scenario_index]
        steps = steps_frame(chunk, part.run.name)
        if self.steps is not None:
            self.steps.write(steps)
        part.store.append(steps["step"].to_numpy(), steps["replication"].to_numpy(), steps[list(COLUMNS)].to_numpy())
        part.replications.append(replications_frame(steps))
        part.hazard.append(hazard_by_replication(steps).to_numpy())
        outcomes = np.stack([r.outcomes for r in sorted(chunk, key=lambda r: r.replication)])
        for reached, first in zip(part.first, first_steps_reached(outcomes, self.targets), strict=True):
            reached.append(first)

    def finish(self) -> Tables:
        self._flush()
        frames = {part.run.name: pd.concat(part.replications, ignore_index=True) for part in self.parts}
        replications = pd.concat(list(frames.values()), ignore_index=True)
        summary = {
            "baseline": self.runs[0].name,
            "scenarios": {
                part.run.name: summarise_steps(
                    part.store, frames[part.run.name], np.concatenate(part.hazard), part.run.scenario, part.run.name
                )
                for part in self.parts
            },
        }
        first = [[np.concatenate(reached) for reached in part.first] for part in self.parts]
        effects = effects_frame(self.runs, comparable(self.runs), [part.store for part in self.parts])
        for part in self.parts:
            part.store.close()
        return Tables(
            replications=replications,
            scenarios=scenarios_frame(self.runs, replications),
            comparison=comparison_frame(self.runs, replications),
            targets=targets_frame(self.runs, self.targets, first),
            summary=summary,
            snapshots={part.run.name: part.snapshots for part in self.parts},
            effects=effects,
            groups=self.groups.finish(),
        )


def relative_file(path: Path) -> str:
    """A scenario file as shown in the tables: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
