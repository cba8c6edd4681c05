"""Tables and summaries written for every run.

- `steps.csv`: one row per replication and step (`replication`, `step`, then `metrics.COLUMNS`).
  Numbers are written with 10 significant digits, NaN as an empty cell, so equal runs give equal bytes.
- `replications.csv`: one row per replication with its final outcomes and its totals of errors
  caught, errors passed on and incidents.
- `summary.json`: for each outcome its initial mean, and at the final step and each milestone the
  mean, the 95 % confidence interval of the mean (Student t across replications) and the central
  95 % of replications (2.5th-97.5th percentile).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from scipy import stats

from simulation.metrics import COLUMNS
from simulation.runner import ReplicationResult
from simulation.scenario.schema import Scenario

TOTALS = ("errors_caught", "errors_passed", "incidents")


def steps_frame(results: list[ReplicationResult]) -> pd.DataFrame:
    """All replications' outcome tables stacked, in replication order."""
    frames = []
    for result in sorted(results, key=lambda r: r.replication):
        frame = pd.DataFrame(result.outcomes, columns=list(COLUMNS))
        frame.insert(0, "step", np.arange(result.outcomes.shape[0]))
        frame.insert(0, "replication", result.replication)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def replications_frame(steps: pd.DataFrame) -> pd.DataFrame:
    """Final outcomes and totals per replication."""
    last = steps[steps["step"] == steps["step"].max()].set_index("replication")
    final = last[list(COLUMNS)].drop(columns=list(TOTALS))
    totals = steps.groupby("replication")[list(TOTALS)].sum().add_prefix("total_")
    return final.join(totals).reset_index()


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


def summarise(steps: pd.DataFrame, scenario: Scenario) -> dict:
    """The summary.json content."""
    last_step = int(steps["step"].max())
    milestones = [m for m in scenario.run.milestones if 0 < m <= last_step]
    by_step = {step: frame for step, frame in steps.groupby("step")}
    outcomes = {}
    for column in COLUMNS:
        if column in TOTALS or column == "mode_changes":
            continue
        outcomes[column] = {
            "initial": _clean(float(np.nanmean(by_step[0][column]))) if by_step[0][column].notna().any() else None,
            "final": stat(by_step[last_step][column].to_numpy()),
            "milestones": {str(m): stat(by_step[m][column].to_numpy()) for m in milestones},
        }
    per_replication = steps.groupby("replication")
    totals = {name: stat(per_replication[name].sum().to_numpy()) for name in TOTALS}
    totals["cost_hours"] = stat(by_step[last_step]["cost_hours"].to_numpy())
    return {
        "scenario": scenario.scenario.name,
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
