"""Replications of one scenario, run to the end in this process: each one's outcome table per step.

The engine (`simulation.execution.engine`) hands a worker a batch of jobs (replications of one
scenario) at a time; `run_replications` steps them together as `ReplicationBatch`es of at most
`BATCH_CLINICIANS` clinicians, `BATCH_REPLICATIONS` replications and `BATCH_ARCS` arcs. A replication's seed comes from its root seed
and number (`SeedSequence(root, spawn_key=(k,))`, see `seeding`) and its draws stay its own inside a
batch, so its table does not depend on where it runs, in which batch, or next to which others.
Besides its table, each replication reports its end by department and by role (`GroupTotals`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from simulation.batch import ReplicationBatch
from simulation.execution.plan import Job
from simulation.modes import PRIMARY, VERIFY
from simulation.network.layout import department_layout
from simulation.network.stats import model_network_statistics
from simulation.replica import Replica
from simulation.scenario.schema import Scenario
from simulation.seeding import replication_seed

# A batch's size, measured on the 2-core machine of docs/PERFORMANCE.md (benchmarks/throughput.py):
# replications per second at 500 clinicians rise steeply up to about 16,000 clinicians in a batch
# (32 replications) and flatten beyond; the arrays of a bigger batch stop fitting in the caches.
BATCH_CLINICIANS = 16_000
# ... at most this many replications (small hospitals: a batch's memory stays that of 32), ...
BATCH_REPLICATIONS = 32
# ... and at most this many arcs (both directions of every tie), so that a batch of dense networks
# (the 2,000-clinician complete graph has 4 million) stays one replication and its memory that of one.
BATCH_ARCS = 2_000_000


# The columns of `GroupTotals.values`: clinicians in the group at the end, how many of them are
# skeptical (attitude below population.skeptical_below), verify with AI, use AI as primary aid, and the
# clinician-hours the interventions spent on them over the run.
GROUP_COLUMNS = ("clinicians", "skeptical", "verify", "primary", "hours")
DEPARTMENT, ROLE, NOT_ATTRIBUTABLE = "department", "role", "not attributable"


@dataclass
class GroupTotals:
    """One replication's end by group: `labels[g]` = (group type, name) of row g of `values`
    (len(labels) x len(GROUP_COLUMNS), counts and hours). Rows: every department (in
    `department_names` order), every role (`role_names` order), then one row (NOT_ATTRIBUTABLE,
    NOT_ATTRIBUTABLE) of no clinicians holding the hours spent on nobody of the hospital (facilitators,
    trainers, preparation, incident response): its hours plus the departments' (or the roles') make the
    run's cost_hours."""

    labels: tuple[tuple[str, str], ...]
    values: np.ndarray


@dataclass
class ReplicationResult:
    """Outcomes of one replication: a (steps + 1, len(COLUMNS)) array; snapshots if asked for; its end
    by department and role (None from code that does not compute it)."""

    replication: int
    outcomes: np.ndarray
    snapshots: dict[str, dict] | None = None
    scenario_index: int = 0
    groups: GroupTotals | None = None


def group_totals(replica: Replica, mode: np.ndarray, attitude: np.ndarray) -> GroupTotals:
    """`GroupTotals` of `replica` at the end, from its clinicians' `mode` and `attitude` (the batch's
    arrays of this replica) and the hours booked to each clinician (`Intervention.book`)."""
    state = replica.state
    hours = replica.clinician_hours()
    counts = (None, attitude < state.skeptical_below, mode == VERIFY, mode == PRIMARY, hours)  # GROUP_COLUMNS
    parts = []
    for index, names in ((state.department, state.department_names), (state.role, state.role_names)):
        index = np.asarray(index, dtype=np.int64)
        part = [np.bincount(index, weights=column, minlength=len(names)) for column in counts]
        parts.append(np.column_stack(part).astype(float))
    rest = np.zeros((1, len(GROUP_COLUMNS)))
    rest[0, -1] = replica.cost_hours - float(hours.sum())
    labels = (
        *((DEPARTMENT, str(name)) for name in state.department_names),
        *((ROLE, str(name)) for name in state.role_names),
        (NOT_ATTRIBUTABLE, NOT_ATTRIBUTABLE),
    )
    return GroupTotals(labels, np.concatenate([*parts, rest]))


def run_replication(
    scenario: Scenario, replication: int, with_snapshots: bool = False, root_seed: int | None = None
) -> ReplicationResult:
    """Run one replication to the end and return its outcome table (root seed: run.seed unless given)."""
    root = scenario.run.seed if root_seed is None else root_seed
    job = Job(f"s0-r{replication}", 0, scenario, root, replication, with_snapshots)
    return run_replications([job])[0]


def run_replications(jobs: Sequence[Job]) -> list[ReplicationResult]:
    """Run the `jobs` (replications of one scenario) to the end, in batches, and return their
    results in job order."""
    results: list[ReplicationResult] = []
    for group in _batches(jobs):
        results.extend(_run_batch(group))
    return results


def _batches(jobs: Sequence[Job]) -> Iterator[list[tuple[Job, Replica]]]:
    """The jobs with their replicas, cut into batches of at most BATCH_CLINICIANS clinicians,
    BATCH_REPLICATIONS replications and BATCH_ARCS arcs (a replica bigger than either is a batch of
    its own), and wherever the scenario changes (a batch steps one scenario's settings: each
    parameter world of `simulation.worlds` is a scenario of its own)."""
    group: list[tuple[Job, Replica]] = []
    clinicians = arcs = 0
    for job in jobs:
        replica = Replica(job.scenario, replication_seed(job.root_seed, job.replication))
        size, ties = replica.state.n, int(replica.network.adjacency.nnz)
        full = len(group) == BATCH_REPLICATIONS or clinicians + size > BATCH_CLINICIANS or arcs + ties > BATCH_ARCS
        other = bool(group) and group[-1][0].scenario is not job.scenario  # a batch steps one scenario's settings
        if group and (full or other):
            yield group
            group, clinicians, arcs = [], 0, 0
        group.append((job, replica))
        clinicians += size
        arcs += ties
    if group:
        yield group


def _run_batch(group: list[tuple[Job, Replica]]) -> list[ReplicationResult]:
    steps = group[0][0].scenario.run.steps
    batch = ReplicationBatch([replica for _, replica in group], steps)
    snapshots: dict[int, dict] = {}
    for b, (job, replica) in enumerate(group):
        if job.with_snapshots:
            positions = department_layout(replica.network, replica.state.department)
            snapshots[b] = {
                "start": {**replica.snapshot(0), "positions": positions},
                "network": model_network_statistics(replica),
            }
    batch.run(steps)
    assert batch.outcomes is not None
    results = []
    for b, (job, replica) in enumerate(group):
        shot = snapshots.get(b)
        part = batch.segments.slice(b)
        if shot is not None:
            # adopted_at: first step each clinician used AI (-1 never), for results.diagnostics
            adopted_at = batch.adoption.adopted_at[part].copy()
            shot["end"] = {**replica.snapshot(steps), "positions": shot["start"]["positions"], "adopted_at": adopted_at}
        groups = group_totals(replica, batch.state.mode[part], batch.state.attitude[part])
        results.append(ReplicationResult(job.replication, batch.outcomes[b].copy(), shot, job.group, groups))
    return results
