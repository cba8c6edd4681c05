"""Outcomes measured every step: the columns of steps.csv (`simulation.outcomes` lists and describes
them; docs/MODEL.md section 8).

`measure` gives the columns of the population's state and the week's counts, from one compiled pass
over the clinicians (`fast.clinicians.population_sums`, whose rows are named by `SUM_ROWS`); the
diffusion columns come from `simulation.diffusion`.
"""

from __future__ import annotations

from simulation.fast.clinicians import SUM_ROWS, population_sums
from simulation.outcomes import COLUMNS
from simulation.state import ClinicianState

__all__ = ["COLUMNS", "measure"]


def _ratio(total: float, count: float) -> float:
    return total / count if count else float("nan")


def measure(
    state: ClinicianState,
    *,
    errors_caught: int,
    errors_passed: int,
    incidents: int,
    mode_changes: int,
    cost_hours: float,
) -> dict[str, float]:
    """One row of outcomes for the current state (the population's sums from one compiled pass)."""
    sums = dict(
        zip(
            SUM_ROWS,
            population_sums(
                state.mode,
                state.attitude,
                state.skeptical_below,
                state.literacy,
                state.trust,
                state.status_concern,
                state.reputation,
            ).tolist(),
            strict=True,
        )
    )
    n = state.n
    users = sums["verify"] + sums["primary"]
    rep_non, rep_users = _ratio(sums["reputation_none"], sums["none"]), _ratio(sums["reputation_users"], users)
    return {
        "share_none": sums["none"] / n,
        "share_verify": sums["verify"] / n,
        "share_primary": sums["primary"] / n,
        "share_skeptical": sums["skeptical"] / n,
        "mean_attitude": sums["attitude"] / n,
        "sd_attitude": (sums["attitude_squares"] / n) ** 0.5,
        "mean_literacy": sums["literacy"] / n,
        "mean_trust": sums["trust"] / n,
        "mean_status_concern": sums["status_concern"] / n,
        "reputation_nonusers": rep_non,
        "reputation_users": rep_users,
        "competence_gap": rep_non - rep_users,
        "errors_caught": float(errors_caught),
        "errors_passed": float(errors_passed),
        "incidents": float(incidents),
        "mode_changes": float(mode_changes),
        "cost_hours": float(cost_hours),
    }
