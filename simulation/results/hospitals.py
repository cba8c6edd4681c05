"""The same plan in different hospitals (hospitals.csv): each plan's effect in its own hospital and in
every other hospital of a comparison run with `--across-hospitals`.

A plan in another hospital is that hospital's scenario file with the plan's interventions (job.py
`plans_in_hospitals`): scenarios.csv role `plan in another hospital`. Its effect is the paired
difference from the hospital's own file (replication k of both starts from the same hospital and
draws), as comparison.csv's is for the baseline's hospital. One row per plan x hospital x outcome
(`outcomes.HOSPITAL_OUTCOMES`): plan, hospital, clinicians, the hospital's
level (`hospital_mean`), the plan's (`plan_mean`), `difference` with its 95 % interval
(`ci_low`-`ci_high`), `replications`, and the plan's extra clinician-hours there (`extra_cost_hours`).
The baseline's hospital comes first for each plan.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simulation.execution.plan import ScenarioRun
from simulation.outcomes import HOSPITAL_OUTCOMES
from simulation.results.statistics import difference

TRANSFER_ROLE = "plan in another hospital"
HOSPITALS_COLUMNS = [
    "plan", "hospital", "clinicians", "outcome", "hospital_mean", "plan_mean", "difference", "ci_low", "ci_high",
    "replications", "extra_cost_hours",
]  # fmt: skip


def hospitals_frame(
    runs: Sequence[ScenarioRun], replications: pd.DataFrame, transfers: dict[str, tuple[str, str]]
) -> pd.DataFrame:
    """hospitals.csv; `transfers`: name of each plan-in-another-hospital run -> (plan name, hospital name)."""
    if not transfers:
        return pd.DataFrame(columns=HOSPITALS_COLUMNS)
    by_name = {name: frame.set_index("replication") for name, frame in replications.groupby("scenario", sort=False)}
    scenario_of = {run.name: run.scenario for run in runs}
    pairs: list[tuple[str, str, str]] = []  # (plan, hospital, run of the plan there)
    for plan in dict.fromkeys(plan for plan, _ in transfers.values()):
        pairs.append((plan, runs[0].name, plan))
        pairs += [(p, hospital, name) for name, (p, hospital) in transfers.items() if p == plan]
    rows = []
    for plan, hospital, name in pairs:
        base, alt = by_name[hospital], by_name[name]
        common = base.index.intersection(alt.index)
        extra = float(alt["cost_hours"].mean()) - float(base["cost_hours"].mean())
        for outcome in HOSPITAL_OUTCOMES:
            result = difference(base.loc[common, outcome], alt.loc[common, outcome], paired=True)
            rows.append(
                {
                    "plan": plan,
                    "hospital": hospital,
                    "clinicians": float(scenario_of[hospital].population.n),
                    "outcome": outcome,
                    "hospital_mean": result.baseline_mean,
                    "plan_mean": result.scenario_mean,
                    "difference": result.difference,
                    "ci_low": result.low,
                    "ci_high": result.high,
                    "replications": result.n,
                    "extra_cost_hours": extra,
                }
            )
    return pd.DataFrame(rows, columns=HOSPITALS_COLUMNS)
