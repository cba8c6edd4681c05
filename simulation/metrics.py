"""Outcomes measured every step: the columns of steps.csv (`simulation.outcomes` lists and describes
them; docs/MODEL.md section 8).

`measure` gives, per replication of a batch (`simulation.segments`), the columns of the population's state and the week's counts, from one compiled pass
over the clinicians (`fast.clinicians.population_sums`, whose rows are named by `SUM_ROWS`); the
diffusion columns come from `simulation.diffusion`.
"""

from __future__ import annotations

import numpy as np

from simulation.fast.clinicians import SUM_ROWS, population_sums
from simulation.outcomes import COLUMNS
from simulation.segments import Segments
from simulation.state import ClinicianState

__all__ = ["COLUMNS", "measure"]


def _ratio(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count != 0)


def _per_replication(values: np.ndarray | float, size: int) -> np.ndarray:
    """(size,) float64 from a per-replication array or one number for all."""
    if isinstance(values, np.ndarray):
        return values.astype(float)
    return np.full(size, float(values))


def measure(
    state: ClinicianState,
    segments: Segments | None = None,
    *,
    errors_caught: np.ndarray | int,
    errors_passed: np.ndarray | int,
    incidents: np.ndarray | int,
    mode_changes: np.ndarray | int,
    cost_hours: np.ndarray | float,
) -> dict[str, np.ndarray]:
    """One row of outcomes per replication of `segments` (None: one) for the current state, as (B,)
    arrays by column name (the population's sums from one compiled pass per replication)."""
    segments = Segments.single(state.n) if segments is None else segments
    table = population_sums(
        segments.start,
        state.mode,
        state.attitude,
        state.skeptical_below,
        state.literacy,
        state.trust,
        state.status_concern,
        state.reputation,
    )
    sums = dict(zip(SUM_ROWS, table.T, strict=True))
    n = segments.sizes.astype(float)
    users = sums["verify"] + sums["primary"]
    rep_non, rep_users = _ratio(sums["reputation_none"], sums["none"]), _ratio(sums["reputation_users"], users)
    # Python's float power (C pow), as one model always computed it: numpy's ** 0.5 is a square root,
    # which differs from pow in the last bit for about 1 value in 1,000.
    sd = np.array([value**0.5 for value in (sums["attitude_squares"] / n).tolist()])
    size = segments.count
    return {
        "share_none": sums["none"] / n,
        "share_verify": sums["verify"] / n,
        "share_primary": sums["primary"] / n,
        "share_skeptical": sums["skeptical"] / n,
        "mean_attitude": sums["attitude"] / n,
        "sd_attitude": sd,
        "mean_literacy": sums["literacy"] / n,
        "mean_trust": sums["trust"] / n,
        "mean_status_concern": sums["status_concern"] / n,
        "reputation_nonusers": rep_non,
        "reputation_users": rep_users,
        "competence_gap": rep_non - rep_users,
        "errors_caught": _per_replication(errors_caught, size),
        "errors_passed": _per_replication(errors_passed, size),
        "incidents": _per_replication(incidents, size),
        "mode_changes": _per_replication(mode_changes, size),
        "cost_hours": _per_replication(cost_hours, size),
    }
