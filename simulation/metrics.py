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


def _mean_or_nan(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else float("nan")


def measure(
    state: ClinicianState, *, errors_caught: int, errors_passed: int, incidents: int, mode_changes: int, cost_hours: float
) -> dict[str, float]:
    """One row of outcomes for the current state."""
    users = state.uses_ai()
    rep_non, rep_users = _mean_or_nan(state.reputation[~users]), _mean_or_nan(state.reputation[users])
    return {
        "share_none": float(np.mean(state.mode == NONE)),
        "share_verify": float(np.mean(state.mode == VERIFY)),
        "share_primary": float(np.mean(state.mode == PRIMARY)),
        "share_skeptical": float(np.mean(state.skeptical())),
        "mean_attitude": float(state.attitude.mean()),
        "sd_attitude": float(state.attitude.std()),
        "mean_literacy": float(state.literacy.mean()),
        "mean_trust": float(state.trust.mean()),
        "mean_status_concern": float(state.status_concern.mean()),
        "reputation_nonusers": rep_non,
        "reputation_users": rep_users,
        "competence_gap": rep_non - rep_users,
        "errors_caught": float(errors_caught),
        "errors_passed": float(errors_passed),
        "incidents": float(incidents),
        "mode_changes": float(mode_changes),
        "cost_hours": float(cost_hours),
    }
