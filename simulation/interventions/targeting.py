"""Who gets a seat: targeting rules over the population arrays.

Each rule returns at most `seats` clinician indices, without repeats, in a deterministic order given
the random generator. Rules:

- ``random``: a uniform random sample of all clinicians;
- ``skeptics``: clinicians currently below the skeptical threshold in random order, then, if seats
  remain, the least favourable of the others (lowest attitude first);
- ``opinion_leaders``: highest advice in-degree first (ties broken at random) - the sociometric
  leaders Valente & Davis (1999) and Iyengar et al. (2011) found to be the better seeds;
- ``bridges``: most ties to other departments first (ties broken at random) - the brokers who carry
  ideas between groups (Burt 2004, structural holes);
- ``nominated``: each seat goes to a colleague named by a randomly chosen clinician (`named_colleagues`):
  by the friendship paradox (Feld 1991) such nominees are better connected than average, found without
  mapping the whole network (Kim et al., Lancet 2015: in 32 Honduran villages, nomination seeding beat
  random and in-degree seeding);
- ``department``: a random sample of one department's clinicians;
- ``role``: a random sample of one role's clinicians (e.g. residents);
- ``ids``: the listed clinicians (indices 0..n-1), in the order given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulation.scenario.interventions import TargetingRule

if TYPE_CHECKING:
    from simulation.network.hospital import HospitalNetwork
    from simulation.state import ClinicianState


def cross_department_ties(network: HospitalNetwork, department: np.ndarray) -> np.ndarray:
    """How many of each clinician's ties reach another department."""
    i, j = network.edges[:, 0], network.edges[:, 1]
    across = department[i] != department[j]
    return np.bincount(np.concatenate([i[across], j[across]]), minlength=network.n)


def named_colleagues(network: HospitalNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Whom each clinician would name, as CSR rows (`indptr`, `indices`): the colleagues whose advice
    they seek (the advisor of their ties; for a file network, the colleagues they named), or, for a
    clinician who seeks nobody's advice, all their colleagues. Isolates name nobody."""
    i, j = network.edges[:, 0].astype(np.int64), network.edges[:, 1].astype(np.int64)
    advisor = network.advisor.astype(np.int64)
    seeker = np.where(advisor == i, j, i)
    seeks = np.bincount(seeker, minlength=network.n) > 0
    # Both directions of every tie; keep the arc (a -> b) when b is a's advisor, or a seeks nobody.
    source, target = np.concatenate([i, j]), np.concatenate([j, i])
    keep = (target == np.concatenate([advisor, advisor])) | ~seeks[source]
    source, target = source[keep], target[keep]
    order = np.lexsort((target, source))
    indptr = np.zeros(network.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=network.n), out=indptr[1:])
    return indptr, target[order]


def nominees(named: tuple[np.ndarray, np.ndarray], tiebreak: np.ndarray) -> np.ndarray:
    """Clinicians in the order nominators name them, without repeats: nominators in random order
    (ascending `tiebreak`), each naming one of their `named` colleagues at random.

    The colleague is picked with the low-order digits of the nominator's own key (its fractional part
    after scaling by 2**20), which are independent of the order the high-order digits give: no extra
    random draw, so the stream is the same whatever the rule (common random numbers)."""
    indptr, indices = named
    count = np.diff(indptr)
    nominators = np.argsort(tiebreak, kind="stable")
    nominators = nominators[count[nominators] > 0]
    pick = np.floor(np.modf(tiebreak[nominators] * 2.0**20)[0] * count[nominators]).astype(np.int64)
    named_one = indices[indptr[nominators] + np.minimum(pick, count[nominators] - 1)]
    _, first = np.unique(named_one, return_index=True)
    return named_one[np.sort(first)]


def select_targets(
    rule: TargetingRule,
    state: ClinicianState,
    seats: int,
    rng: np.random.Generator,
    *,
    eligible: np.ndarray | None = None,
    department: int | None = None,
    role: int | None = None,
    ids: list[int] | None = None,
    bridges: np.ndarray | None = None,
    named: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Indices of the clinicians who fill `seats` under `rule`, among `eligible` (a boolean mask).

    `department`/`role` are indices into the state's names; `bridges` is each clinician's count of
    cross-department ties (`cross_department_ties`), needed by the ``bridges`` rule; `named` is whom
    each clinician would name (`named_colleagues`), needed by the ``nominated`` rule. Under
    ``nominated``, nominees who are not eligible (or named twice) are passed over; seats the
    nominations leave empty go to the remaining eligible clinicians in random order.
    """
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
    elif rule == "role":
        if role is None:
            raise ValueError("targeting 'role' needs a role")
        mask &= state.role == role
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
    elif rule == "bridges":
        if bridges is None:
            raise ValueError("targeting 'bridges' needs each clinician's cross-department tie count")
        order = np.lexsort((tiebreak, -bridges))
    elif rule == "nominated":
        if named is None:
            raise ValueError("targeting 'nominated' needs whom each clinician would name")
        first = nominees(named, tiebreak)
        rest = np.argsort(tiebreak, kind="stable")
        taken = np.zeros(n, dtype=bool)
        taken[first] = True
        order = np.concatenate([first, rest[~taken[rest]]])
    elif rule == "ids":
        if ids is None:
            raise ValueError("targeting 'ids' needs a list of clinician ids")
        order = np.array(list(dict.fromkeys(ids)), dtype=np.int64)
    else:  # pragma: no cover - the schema rejects other values
        raise ValueError(f"unknown targeting rule {rule!r}")
    chosen = order[mask[order]]
    return chosen[:seats]
