"""Who gets a seat: targeting rules over the population arrays.

Each rule returns at most `seats` clinician indices, without repeats, in a deterministic order given
the random generator. Rules:

- ``random``: a uniform random sample of all clinicians;
- ``skeptics``: clinicians currently below the skeptical threshold in random order, then, if seats
  remain, the least favourable of the others (lowest attitude first);
- ``opinion_leaders``: highest advice in-degree first (ties broken at random) - the sociometric
  leaders Valente & Davis (1999) and Iyengar et al. (2011) found to be the better seeds;
- ``department``: a random sample of one department's clinicians.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from simulation.state import ClinicianState

TargetingRule = Literal["random", "skeptics", "opinion_leaders", "department"]


def select_targets(
    rule: TargetingRule,
    state: ClinicianState,
    seats: int,
    rng: np.random.Generator,
    *,
    eligible: np.ndarray | None = None,
    department: int | None = None,
) -> np.ndarray:
    """Indices of the clinicians who fill `seats` under `rule`, among `eligible` (a boolean mask)."""
    n = state.n
    mask = np.ones(n, dtype=bool) if eligible is None else eligible.copy()
    # One random key per clinician, drawn whatever the rule, so that the stream of draws is the same
    # across scenarios (common random numbers).
    tiebreak = rng.random(n)
    if rule == "department":
        if department is None:
            raise ValueError("targeting 'department' needs a department")
        mask &= state.department == department
        order = np.argsort(tiebreak, kind="stable")
    elif rule == "random":
        order = np.argsort(tiebreak, kind="stable")
    elif rule == "skeptics":
        skeptical = state.skeptical()
        # Skeptics first in random order, then everyone else by attitude, lowest first.
        key = np.where(skeptical, tiebreak - 2.0, state.attitude)
        order = np.argsort(key, kind="stable")
    elif rule == "opinion_leaders":
        order = np.lexsort((tiebreak, -state.advice_in_degree))
    else:  # pragma: no cover - the schema rejects other values
        raise ValueError(f"unknown targeting rule {rule!r}")
    chosen = order[mask[order]]
    return chosen[:seats]
