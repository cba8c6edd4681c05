"""Outcomes measured every step: the columns of steps.csv.

- share_none / share_verify / share_primary: fractions of clinicians in each mode;
- share_skeptical: fraction with attitude below the skeptical threshold;
- mean_attitude, sd_attitude (1-7; the SD measures polarisation), mean_literacy, mean_trust,
  mean_status_concern (0-1);
- reputation_nonusers, reputation_users: mean peer rating (1-7) of clinicians using no AI / any AI;
- competence_gap: reputation_nonusers - reputation_users (rating points; NaN when a group is empty);
- errors_caught, errors_passed, incidents: counts this step; mode_changes: clinicians who switched;
- cost_hours: cumulative clinician-hours spent on interventions so far;
- new_adopters, adoption_hazard, exposure_at_adoption, attitude_assortativity, mode_assortativity:
  diffusion statistics (`simulation.diffusion`).
"""

from __future__ import annotations

import numpy as np

from simulation.diffusion import DIFFUSION_COLUMNS
from simulation.fast.clinicians import population_sums
from simulation.state import NONE, PRIMARY, VERIFY, ClinicianState

COLUMNS = (
    "share_none",
    "share_verify",
    "share_primary",
    "share_skeptical",
    "mean_attitude",
    "sd_attitude",
    "mean_literacy",
    "mean_trust",
    "mean_status_concern",
    "reputation_nonusers",
    "reputation_users",
    "competence_gap",
    "errors_caught",
    "errors_passed",
    "incidents",
    "mode_changes",
    "cost_hours",
    *DIFFUSION_COLUMNS,
)


# The columns that describe the state at a step (not counts of the week): what targets may refer to.
STATE_METRICS = COLUMNS[: COLUMNS.index("competence_gap") + 1]


def _ratio(total: float, count: float) -> float:
    return total / count if count else float("nan")


def measure(
    state: ClinicianState, *, errors_caught: int, errors_passed: int, incidents: int, mode_changes: int, cost_hours: float
) -> dict[str, float]:
    """One row of outcomes for the current state (the population's sums from one compiled pass)."""
    sums = population_sums(
        state.mode, state.attitude, state.skeptical_below, state.literacy, state.trust, state.status_concern,
        state.reputation,
    ).tolist()
    n = state.n
    users = sums[VERIFY] + sums[PRIMARY]
    rep_non, rep_users = _ratio(sums[8], sums[NONE]), _ratio(sums[9], users)
    return {
        "share_none": sums[NONE] / n,
        "share_verify": sums[VERIFY] / n,
        "share_primary": sums[PRIMARY] / n,
        "share_skeptical": sums[3] / n,
        "mean_attitude": sums[4] / n,
        "sd_attitude": (sums[10] / n) ** 0.5,
        "mean_literacy": sums[5] / n,
        "mean_trust": sums[6] / n,
        "mean_status_concern": sums[7] / n,
        "reputation_nonusers": rep_non,
        "reputation_users": rep_users,
        "competence_gap": rep_non - rep_users,
        "errors_caught": float(errors_caught),
        "errors_passed": float(errors_passed),
        "incidents": float(incidents),
        "mode_changes": float(mode_changes),
        "cost_hours": float(cost_hours),
    }
