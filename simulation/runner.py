"""Replications of a scenario on all local cores, each seeded from the root seed.

Replication k always uses `SeedSequence(root, spawn_key=(k,))` (see `seeding`), so the tables are
byte-identical whatever the number of workers. Workers are separate processes (spawned, so nothing
of the parent's state leaks in); results come back in replication order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from simulation.layout import department_layout
from simulation.metrics import COLUMNS
from simulation.model import ClinicianModel
from simulation.scenario.schema import Scenario


@dataclass
class ReplicationResult:
    """Outcomes of one replication: a (steps + 1, len(COLUMNS)) array; snapshots if asked for."""

    replication: int
    outcomes: np.ndarray
    snapshots: dict[str, dict] | None = None


def run_replication(scenario: Scenario, replication: int, with_snapshots: bool = False) -> ReplicationResult:
    """Run one replication to the end and return its outcome table."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    steps = scenario.run.steps
    outcomes = np.empty((steps + 1, len(COLUMNS)))
    outcomes[0] = [model.last[c] for c in COLUMNS]
    snapshots = None
    if with_snapshots:
        positions = department_layout(model.network, model.state.department)
        snapshots = {"start": {**model.snapshot(), "positions": positions}}
    for step in range(1, steps + 1):
        model.step()
        outcomes[step] = [model.last[c] for c in COLUMNS]
    if with_snapshots:
        snapshots["end"] = {**model.snapshot(), "positions": positions}
    return ReplicationResult(replication, outcomes, snapshots)


def _task(args: tuple[Scenario, int]) -> ReplicationResult:
    scenario, replication = args
    return run_replication(scenario, replication, with_snapshots=replication == 0)


def default_workers() -> int:
    """All local cores."""
    return os.cpu_count() or 1


def run_scenario(
    scenario: Scenario,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ReplicationResult]:
    """Run every replication of `scenario`; `progress(1)` is called as each one finishes."""
    replications = scenario.run.replications
    workers = min(workers or default_workers(), replications)
    tasks = [(scenario, k) for k in range(replications)]
    results: list[ReplicationResult] = []
    if workers <= 1:
        for task in tasks:
            results.append(_task(task))
            if progress:
                progress(1)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        for result in pool.map(_task, tasks, chunksize=max(1, replications // (workers * 4))):
            results.append(result)
            if progress:
                progress(1)
    return results


def progress_enabled(quiet: bool) -> bool:
    """A progress bar only for a person at a terminal: not with --quiet, in CI, or when piped."""
    return not quiet and not os.environ.get("CI") and sys.stderr.isatty()
