"""groups.csv: the end of every scenario by department and by role, with each plan's difference.

Each replication reports, at its last step, per department and per role, its clinicians, how many of
them are skeptical (attitude below `population.skeptical_below`), verify with AI, or use AI as the
primary aid, and the clinician-hours the interventions spent on them (an attendee's own hours, booked to
the attendee: `interventions.base.Intervention.book`); see `execution.replication.GroupTotals`.
`GroupCollector` keeps these small arrays as the replications stream by (`tables.TableBuilder`) and
`finish()` makes the table:

- one row per scenario x group, scenarios in comparison order, then departments (in the population's
  order), roles, and one row `not attributable` (group_type and group) holding the hours spent on no
  clinician of the hospital (facilitators, trainers, preparation, incident response): its hours plus the
  departments' (or the roles') make the scenario's mean `cost_hours` of replications.csv;
- `clinicians` (mean over replications; the counts are the same in every replication, as
  `population.exact_counts` fixes them), `share_skeptical`, `share_verify`, `share_primary` (mean over
  replications of the group's share at the end; empty for a group without clinicians), `hours` (mean
  over replications) and `extra_hours` (minus the baseline's, for compared plans);
- for each compared plan (`compared` true: the baseline's hospital, `tables.same_hospital`), the
  difference of each share from the baseline with its 95 % interval, `<mode>_difference`,
  `<mode>_ci_low`, `<mode>_ci_high`, by the statistic of comparison.csv (`statistics.difference`:
  paired on the replication number under common random numbers, else Welch). The baseline and another
  hospital get levels only (empty differences).

Because every group's share is a mean of per-replication shares over the same clinicians, the
departments' shares weighted by their clinicians add up to the hospital's mean final share of
replications.csv (and so do the roles'), within float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulation.execution.plan import ScenarioRun
from simulation.execution.replication import GROUP_COLUMNS, GroupTotals, ReplicationResult
from simulation.results.statistics import difference

SHARES = ("skeptical", "verify", "primary")  # GroupTotals columns that become shares (share_<name>)
GROUPS_COLUMNS = [
    "scenario", "group_type", "group", "compared", "paired", "replications", "clinicians",
    "share_skeptical", "share_verify", "share_primary", "hours", "extra_hours",
    *(f"{share}_{part}" for share in SHARES for part in ("difference", "ci_low", "ci_high")),
]  # fmt: skip
_COLUMN = {name: i for i, name in enumerate(GROUP_COLUMNS)}


def _text(value: bool) -> str:
    return "true" if value else "false"


class _Part:
    """One scenario's group totals, by replication number."""

    def __init__(self) -> None:
        self.labels: tuple[tuple[str, str], ...] | None = None
        self.values: dict[int, np.ndarray] = {}


class GroupCollector:
    """groups.csv from the replications of `runs` given one at a time (any order); `compared[i]`:
    whether runs[i] is compared with the baseline runs[0] (`tables.comparable`)."""

    def __init__(self, runs: Sequence[ScenarioRun], compared: Sequence[bool]) -> None:
        self.runs = list(runs)
        self.compared = list(compared)
        self.parts = [_Part() for _ in self.runs]

    def add(self, result: ReplicationResult) -> None:
        groups: GroupTotals | None = result.groups
        if groups is None:
            return
        part = self.parts[result.scenario_index]
        if part.labels is None:
            part.labels = groups.labels
        elif groups.labels != part.labels:
            name = self.runs[result.scenario_index].name
            raise ValueError(
                f"scenario {name}: replication {result.replication} has other departments or roles than the "
                "replications before it; groups.csv needs the same groups in every replication"
            )
        part.values[result.replication] = np.asarray(groups.values, dtype=float)

    def finish(self) -> pd.DataFrame:
        """The table (header only when no replication brought its group totals)."""
        rows: list[dict] = []
        base = self.parts[0]
        for index, (run, part) in enumerate(zip(self.runs, self.parts, strict=True)):
            if part.labels is None:
                continue
            compared = index > 0 and self.compared[index] and base.labels is not None
            reps = sorted(part.values)
            stack = np.stack([part.values[k] for k in reps])  # replications x groups x columns
            common = sorted(set(reps) & set(base.values)) if compared and run.paired else []
            base_rows = {label: g for g, label in enumerate(base.labels or ())}
            for g, (kind, name) in enumerate(part.labels):
                values = stack[:, g, :]
                shares = _shares(values)
                row: dict = {
                    "scenario": run.name,
                    "group_type": kind,
                    "group": name,
                    "compared": _text(compared),
                    "paired": _text(run.paired),
                    "replications": len(reps),
                    "clinicians": float(values[:, _COLUMN["clinicians"]].mean()),
                    **{f"share_{s}": _mean(shares[s]) for s in SHARES},
                    "hours": float(values[:, _COLUMN["hours"]].mean()),
                    "extra_hours": math.nan,
                }
                for s in SHARES:
                    row.update({f"{s}_difference": math.nan, f"{s}_ci_low": math.nan, f"{s}_ci_high": math.nan})
                b = base_rows.get((kind, name))
                if compared and b is not None:
                    base_values = np.stack([base.values[k][b] for k in sorted(base.values)])
                    row["extra_hours"] = row["hours"] - float(base_values[:, _COLUMN["hours"]].mean())
                    if run.paired:
                        alt = _shares(np.stack([part.values[k][g] for k in common]))
                        ref = _shares(np.stack([base.values[k][b] for k in common]))
                    else:
                        alt, ref = shares, _shares(base_values)
                    for s in SHARES:
                        result = difference(ref[s], alt[s], paired=run.paired)
                        row[f"{s}_difference"] = result.difference
                        row[f"{s}_ci_low"] = result.low
                        row[f"{s}_ci_high"] = result.high
                rows.append(row)
        frame = pd.DataFrame(rows, columns=GROUPS_COLUMNS)
        for column in GROUPS_COLUMNS[6:]:
            frame[column] = frame[column].astype(float)
        return frame


def _shares(values: np.ndarray) -> dict[str, np.ndarray]:
    """Each replication's share of the group's clinicians in each of SHARES (NaN without clinicians);
    `values` is replications x GROUP_COLUMNS."""
    clinicians = values[:, _COLUMN["clinicians"]]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {s: np.where(clinicians > 0, values[:, _COLUMN[s]] / clinicians, np.nan) for s in SHARES}


def _mean(values: np.ndarray) -> float:
    kept = values[~np.isnan(values)]
    return float(kept.mean()) if kept.size else math.nan
