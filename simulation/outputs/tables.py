"""Tables and summaries written for every run (a comparison of one or more scenarios).

Scenarios appear in comparison order: the baseline first, then the others in argument order.
Numbers are written with 10 significant digits, NaN as an empty cell, booleans as true/false, so
equal runs give equal bytes.

- `steps.csv`: `scenario, replication, step, <metrics.COLUMNS...>`, one row per replication and step.
- `replications.csv`: `scenario, replication`, the final-step values of the columns except the
  per-step counts, then `total_errors_caught, total_errors_passed, total_incidents`.
- `scenarios.csv`: one row per scenario: role, file, description, interventions, whether it is
  paired with the baseline, replications, steps, root seed, mean final cost in hours and money.
- `comparison.csv`: one row per alternative scenario x outcome (COMPARED): the difference from the
  baseline with its 95 % interval (paired or Welch, see `simulation.comparison`), the extra cost in
  clinician-hours and the difference per 100 extra hours.
- `targets.csv`: every scenario's targets evaluated for every scenario: probability of reaching
  each by its deadline (Wilson interval) and when runs first reached it.
- `summary.json`: `{"baseline": name, "scenarios": {name: summarise(...)}}`; for each outcome its
  initial mean, and at the final step and each milestone the mean, the 95 % confidence interval of
  the mean (Student t across replications) and the central 95 % of replications.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.comparison import difference, evaluate_target, per_100_hours
from simulation.diffusion import FLOW_COLUMNS, mean_exposure_at_adoption
from simulation.metrics import COLUMNS
from simulation.runner import ReplicationResult
from simulation.scenario.schema import Scenario, TargetConfig

TOTALS = ("errors_caught", "errors_passed", "incidents")

# comparison.csv: outcome (column of replications.csv) -> which direction is better.
COMPARED = {
    "share_skeptical": "lower",
    "share_verify": "higher",
    "share_primary": "lower",
    "competence_gap": "lower",
    "total_errors_passed": "lower",
}

STEPS_COLUMNS = ["scenario", "replication", "step", *COLUMNS]
REPLICATIONS_COLUMNS = [
    "scenario",
    "replication",
    *(c for c in COLUMNS if c not in TOTALS and c not in FLOW_COLUMNS),
    *(f"total_{c}" for c in TOTALS),
    "mean_exposure_at_adoption",
]
SCENARIOS_COLUMNS = [
    "scenario", "role", "file", "description", "interventions", "paired",
    "replications", "steps", "seed", "cost_hours", "cost_money", "currency",
]  # fmt: skip
COMPARISON_COLUMNS = [
    "scenario", "outcome", "better", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high",
    "paired", "replications", "extra_cost_hours", "per_100h", "per_100h_low", "per_100h_high",
]  # fmt: skip
TARGETS_COLUMNS = [
    "scenario", "target", "metric", "direction", "threshold", "by_week", "probability",
    "probability_low", "probability_high", "reached_by_deadline", "replications", "reached_ever",
    "median_week_reached", "week_reached_low", "week_reached_high",
]  # fmt: skip


@dataclass
class ScenarioRun:
    """One scenario of a comparison as the tables need it."""

    name: str
    role: str  # "baseline" or "alternative"
    file: str
    scenario: Scenario
    paired: bool
    root_seed: int


def steps_frame(results: list[ReplicationResult], scenario: str | None = None) -> pd.DataFrame:
    """All replications' outcome tables stacked, in replication order (with a `scenario` column
    first when a name is given)."""
    frames = []
    for result in sorted(results, key=lambda r: r.replication):
        frame = pd.DataFrame(result.outcomes, columns=list(COLUMNS))
        frame.insert(0, "step", np.arange(result.outcomes.shape[0]))
        frame.insert(0, "replication", result.replication)
        frames.append(frame)
    steps = pd.concat(frames, ignore_index=True)
    if scenario is not None:
        steps.insert(0, "scenario", scenario)
    return steps


def comparison_steps_frame(results: Sequence[tuple[str, list[ReplicationResult]]]) -> pd.DataFrame:
    """steps.csv of a comparison: each scenario's steps frame in the given (comparison) order."""
    return pd.concat([steps_frame(r, name) for name, r in results], ignore_index=True)


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


def replications_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """Final outcomes and totals per (scenario and) replication, in the order of `steps`."""
    frames = []
    for name, group in _scenario_groups(steps):
        last = group[group["step"] == group["step"].max()].set_index("replication")
        final = last[list(COLUMNS)].drop(columns=[*TOTALS, *FLOW_COLUMNS])
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


def scenarios_frame(runs: Sequence[ScenarioRun], replications: pd.DataFrame) -> pd.DataFrame:
    """scenarios.csv: one row per scenario with its settings and mean final cost."""
    rows = []
    for run in runs:
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
            }
        )
    return pd.DataFrame(rows, columns=SCENARIOS_COLUMNS)


def comparison_frame(runs: Sequence[ScenarioRun], replications: pd.DataFrame) -> pd.DataFrame:
    """comparison.csv: each alternative scenario against the baseline (runs[0]), outcome by outcome.

    Values come from `replications` (one row per scenario and replication); paired scenarios are
    matched on the replication number. Header only when there is no alternative.
    """
    baseline = runs[0]
    by_name = {name: frame.set_index("replication") for name, frame in replications.groupby("scenario", sort=False)}
    base = by_name[baseline.name]
    base_cost = float(base["cost_hours"].mean())
    rows = []
    for run in runs[1:]:
        alt = by_name[run.name]
        extra = float(alt["cost_hours"].mean()) - base_cost
        for outcome, better in COMPARED.items():
            if run.paired:
                common = base.index.intersection(alt.index)
                result = difference(base.loc[common, outcome], alt.loc[common, outcome], paired=True)
            else:
                result = difference(base[outcome], alt[outcome], paired=False)
            per, per_low, per_high = per_100_hours(result.difference, result.low, result.high, extra)
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
                }
            )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def union_targets(scenarios: Sequence[Scenario]) -> list[TargetConfig]:
    """All scenarios' targets, each (metric, direction, threshold, by_week) once, in first-seen order."""
    seen: dict[tuple, TargetConfig] = {}
    for scenario in scenarios:
        for target in scenario.targets:
            seen.setdefault((target.metric, target.direction, target.threshold, target.by_week), target)
    return list(seen.values())


def targets_frame(runs: Sequence[ScenarioRun], steps: pd.DataFrame, targets: Sequence[TargetConfig]) -> pd.DataFrame:
    """targets.csv: every target evaluated for every scenario (deadlines beyond the run: up to its end)."""
    rows = []
    for run in runs:
        group = steps[steps["scenario"] == run.name]
        for target in targets:
            values = group.pivot(index="replication", columns="step", values=target.metric).to_numpy()
            result = evaluate_target(values, target.direction, target.threshold, target.by_week)
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
                }
            )
    return pd.DataFrame(rows, columns=TARGETS_COLUMNS)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV text of a frame."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format="%.10g", na_rep="", lineterminator="\n")
    return buffer.getvalue().encode()


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
        half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size))
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
    last_step = int(steps["step"].max())
    milestones = [m for m in scenario.run.milestones if 0 < m <= last_step]
    by_step = {step: frame for step, frame in steps.groupby("step")}
    outcomes = {}
    for column in COLUMNS:
        if column in TOTALS or column in FLOW_COLUMNS or column == "mode_changes":
            continue
        outcomes[column] = {
            "initial": _clean(float(np.nanmean(by_step[0][column]))) if by_step[0][column].notna().any() else None,
            "final": stat(by_step[last_step][column].to_numpy()),
            "milestones": {str(m): stat(by_step[m][column].to_numpy()) for m in milestones},
        }
    per_replication = steps.groupby("replication")
    totals = {name: stat(per_replication[name].sum().to_numpy()) for name in TOTALS}
    totals["cost_hours"] = stat(by_step[last_step]["cost_hours"].to_numpy())
    after_start = steps[steps["step"] > 0].groupby("replication")["adoption_hazard"]
    totals["mean_adoption_hazard"] = stat(after_start.mean().to_numpy())  # NaN weeks skipped; NaN if none
    totals["mean_exposure_at_adoption"] = stat(exposure_by_replication(steps).to_numpy())
    return {
        "scenario": name if name is not None else scenario.scenario.name,
        "description": scenario.scenario.description,
        "replications": int(steps["replication"].nunique()),
        "steps": last_step,
        "step_unit": "week",
        "skeptical_below": scenario.population.skeptical_below,
        "interventions": [
            {"kind": i.kind, "name": getattr(i, "name", i.kind)} for i in scenario.interventions
        ],
        "outcomes": outcomes,
        "totals": totals,
    }


def comparison_summary(runs: Sequence[ScenarioRun], steps: pd.DataFrame) -> dict:
    """summary.json: the baseline's name and each scenario's summary, in comparison order."""
    return {
        "baseline": runs[0].name,
        "scenarios": {run.name: summarise(steps[steps["scenario"] == run.name], run.scenario, run.name) for run in runs},
    }


def relative_file(path: Path) -> str:
    """A scenario file as shown in the tables: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
