"""The view's "By department and role": the model as it stands, per department or per role.

Each row holds a group's clinicians and the shares (0-1) of them that are skeptical, verify with AI and
use AI as the primary aid, with the definitions of groups.csv (`simulation.results.groups`, counted by
`execution.replication.group_totals`): skeptical = attitude below `population.skeptical_below`,
verifying = mode VERIFY, primary aid = mode PRIMARY. Groups come in the population's order
(`department_names`, `role_names`); a group without clinicians has NaN shares. Weighted by their
clinicians, the rows add up to the hospital's shares in the line of numbers (`model.last`), which
`hospital_row` gives. `department_shares` gives the same shares under the column names of steps.csv
(share_none, share_verify, share_primary, share_skeptical), for the per-department time series.
Pure numpy on the model's state arrays; no Solara.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.modes import PRIMARY, VERIFY
from simulation.outcomes import SHARE_CURVES

GROUPINGS = {"department": "department", "role": "role"}  # key -> label of the panel's toggle
# The columns of a department's time series (steps.csv's names, shares 0-1).
SERIES_COLUMNS = SHARE_CURVES


@dataclass(frozen=True)
class GroupRow:
    """One department's (or role's) clinicians and shares (0-1; NaN without clinicians)."""

    name: str
    clinicians: int
    skeptical: float
    verify: float
    primary: float


def group_rows(
    index: np.ndarray, names: Sequence[str], mode: np.ndarray, attitude: np.ndarray, skeptical_below: float
) -> list[GroupRow]:
    """Rows for the groups `names`, clinician i belonging to group `index[i]` with `mode[i]` (int codes of
    `simulation.modes`) and `attitude[i]` (1-7)."""
    index = np.asarray(index, dtype=np.int64)
    mode, attitude = np.asarray(mode), np.asarray(attitude)
    if not index.shape == mode.shape == attitude.shape:
        raise ValueError(
            f"group index, mode and attitude need one value per clinician; got {index.shape}, {mode.shape}, "
            f"{attitude.shape}"
        )
    k = len(names)
    if index.size and (index.min() < 0 or index.max() >= k):
        raise ValueError(f"group index {int(index.max())} (or {int(index.min())}) is outside 0-{k - 1} ({k} names)")
    clinicians = np.bincount(index, minlength=k)
    counts = [
        np.bincount(index, weights=mask.astype(float), minlength=k)
        for mask in (attitude < skeptical_below, mode == VERIFY, mode == PRIMARY)
    ]
    rows = []
    for g, name in enumerate(names):
        n = int(clinicians[g])
        shares = [float(c[g]) / n if n else math.nan for c in counts]
        rows.append(GroupRow(str(name), n, *shares))
    return rows


def model_group_rows(model, by: str) -> list[GroupRow]:
    """`group_rows` of the model's current state by "department" or "role"."""
    state = model.state
    if by == "department":
        index, names = state.department, state.department_names
    elif by == "role":
        index, names = state.role, state.role_names
    else:
        raise ValueError(f"groups by {by!r}: choose one of {', '.join(GROUPINGS)}")
    return group_rows(index, names, state.mode, state.attitude, float(state.skeptical_below))


def hospital_row(rows: Sequence[GroupRow], name: str = "Hospital") -> GroupRow:
    """The whole hospital from its groups: clinicians summed, shares weighted by clinicians."""
    total = sum(r.clinicians for r in rows)

    def weighted(field: str) -> float:
        if not total:
            return math.nan
        return sum(getattr(r, field) * r.clinicians for r in rows if r.clinicians) / total

    return GroupRow(name, total, weighted("skeptical"), weighted("verify"), weighted("primary"))


def department_shares(state) -> dict[str, dict[str, float]]:
    """Department name -> its shares now (0-1, `SERIES_COLUMNS`; NaN for a department without clinicians)."""
    rows = group_rows(
        state.department, state.department_names, state.mode, state.attitude, float(state.skeptical_below)
    )
    return {
        row.name: dict(
            zip(SHARE_CURVES, (1.0 - row.verify - row.primary, row.verify, row.primary, row.skeptical), strict=True)
        )
        for row in rows
    }
