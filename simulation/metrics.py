"""Outcomes measured every step: the columns of steps.csv (`simulation.outcomes` lists and describes
them; docs/MODEL.md section 8).

`measure` gives, per replication of a batch (`simulation.segments`), the columns of the population's state and the week's counts, from one compiled pass
over the clinicians (`fast.clinicians.population_sums`, whose rows are named by `SUM_ROWS`); the
diffusion columns come from `simulation.diffusion`.

The safety columns (`simulation.rules.experience`): the week's decisions and the clinicians' own
errors caught and passed on, errors reaching patients (own errors passed on + AI errors passed on),
and `errors_per_1000`, the errors reaching patients per 1,000 decisions from week 1 to this week
(a `SafetyTally` keeps the running totals of each replication): its value at the last week is the
run's rate, total errors / total decisions x 1,000, which replications.csv carries; NaN at week 0
(no decisions yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.fast.clinicians import SUM_ROWS, population_sums
from simulation.outcomes import COLUMNS
from simulation.segments import Segments
from simulation.state import ClinicianState

__all__ = ["COLUMNS", "SafetyTally", "measure"]


def _ratio(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count != 0)


def _per_replication(values: np.ndarray | float, size: int) -> np.ndarray:
    """(size,) float64 from a per-replication array or one number for all."""
    if isinstance(values, np.ndarray):
        return values.astype(float)
    return np.full(size, float(values))


@dataclass
class SafetyTally:
    """Per replication, the errors reaching patients and the decisions since week 0: (B,) float64."""

    errors: np.ndarray
    decisions: np.ndarray

    @classmethod
    def of(cls, size: int) -> SafetyTally:
        return cls(np.zeros(size), np.zeros(size))

    def add(self, errors: np.ndarray, decisions: np.ndarray) -> np.ndarray:
        """Add a week's counts; returns the errors per 1,000 decisions to date (NaN before any decision)."""
        self.errors += errors
        self.decisions += decisions
        return 1000.0 * _ratio(self.errors, self.decisions)


def measure(
    state: ClinicianState,
    segments: Segments | None = None,
    *,
    errors_caught: np.ndarray | int,
    errors_passed: np.ndarray | int,
    incidents: np.ndarray | int,
    mode_changes: np.ndarray | int,
    cost_hours: np.ndarray | float,
    decisions: np.ndarray | float = 0.0,
    own_errors_caught: np.ndarray | float = 0.0,
    own_errors_passed: np.ndarray | float = 0.0,
    tally: SafetyTally | None = None,
) -> dict[str, np.ndarray]:
    """One row of outcomes per replication of `segments` (None: one) for the current state, as (B,)
    arrays by column name (the population's sums from one compiled pass per replication).

    `tally` keeps the running totals of `errors_per_1000` across calls, and this week's counts are
    added to it (None: a tally of this week alone)."""
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
    ai_passed = _per_replication(errors_passed, size)
    own_passed = _per_replication(own_errors_passed, size)
    reaching = own_passed + ai_passed
    week_decisions = _per_replication(decisions, size)
    rate = (SafetyTally.of(size) if tally is None else tally).add(reaching, week_decisions)
    return {
        "share_none": sums["none"] / n,
        "share_verify": sums["verify"] / n,
        "share_primary": sums["primary"] / n,
        "share_uses_ai": users / n,
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
        "errors_passed": ai_passed,
        "incidents": _per_replication(incidents, size),
        "mode_changes": _per_replication(mode_changes, size),
        "cost_hours": _per_replication(cost_hours, size),
        "decisions": week_decisions,
        "own_errors_caught": _per_replication(own_errors_caught, size),
        "own_errors_passed": own_passed,
        "errors_reaching_patients": reaching,
        "errors_per_1000": rate,
    }
