"""The effect over time: each plan's paired difference from the baseline, week by week (effects.csv).

For every compared alternative paired with the baseline (same hospital, common random numbers) and
each outcome of `EFFECT_OUTCOMES`, one row per week: the mean over replications of the difference
d_k(t) = plan_k(t) - baseline_k(t) (replication k of both starts from the same hospital and draws),
`chance_low` and `chance_high` (the central 95 % of the d_k(t): what one hospital could see by
chance, at the stated values), `ci_low` and `ci_high` (the Student t 95 % confidence interval of the
mean), and `programme_end`, the last week at which one of the plan's interventions acts (a
publicised AI error, `ai_incident`, is an event, not a programme; empty when nothing acts).

Read by the report's "The effect over time" (simulation/reporting/effects_report.py) and its chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from simulation.execution.plan import ScenarioRun
from simulation.outcomes import EFFECT_OUTCOMES
from simulation.results.stepstore import StepSource, step_span
from simulation.scenario.schema import Scenario

EFFECTS_COLUMNS = [
    "scenario", "outcome", "step", "difference", "chance_low", "chance_high", "ci_low", "ci_high", "programme_end",
]  # fmt: skip
# Events, not programmes: they do not mark the end of a plan's programme.
EVENT_KINDS = ("ai_incident",)


def programme_end(scenario: Scenario) -> int | None:
    """The last week (1..run.steps) at which one of the scenario's interventions (events aside) acts."""
    steps = scenario.run.steps
    programmes = [i for i in scenario.interventions if i.kind not in EVENT_KINDS]
    for week in range(steps, 0, -1):
        if any(i.acts_at(week) for i in programmes):
            return week
    return None


def effects_frame(runs: Sequence[ScenarioRun], compared: Sequence[bool], stores: Sequence[StepSource]) -> pd.DataFrame:
    """effects.csv from each scenario's per-step values (`stores`, in replication order)."""
    rows = []
    base = stores[0]
    first, last = step_span(base)
    for run, is_compared, store in zip(runs[1:], compared[1:], stores[1:], strict=True):
        if not (is_compared and run.paired):
            continue
        end = programme_end(run.scenario)
        for name in EFFECT_OUTCOMES:
            for step in range(first, last + 1):
                plan, baseline = store.values(name, step), base.values(name, step)
                n = min(plan.size, baseline.size)
                d = plan[:n] - baseline[:n]
                d = d[~np.isnan(d)]
                mean = float(d.mean()) if d.size else math.nan
                low, high = (float(x) for x in np.percentile(d, [2.5, 97.5])) if d.size else (math.nan, math.nan)
                half = float(stdtrit(d.size - 1, 0.975) * d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else math.nan
                rows.append(
                    {
                        "scenario": run.name,
                        "outcome": name,
                        "step": step,
                        "difference": mean,
                        "chance_low": low,
                        "chance_high": high,
                        "ci_low": mean - half,
                        "ci_high": mean + half,
                        "programme_end": math.nan if end is None else float(end),
                    }
                )
    return pd.DataFrame(rows, columns=EFFECTS_COLUMNS)
