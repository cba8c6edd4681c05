"""Replications of one or more scenarios on all local cores, each seeded from a root seed.

Replication k of a scenario run under root seed r always uses `SeedSequence(r, spawn_key=(k,))`
(see `seeding`), so the tables are byte-identical whatever the number of workers. In a comparison
every scenario runs under the same root (common random numbers) unless asked otherwise, so
replication k of every scenario starts from the same network and clinicians when their population
and network sections are equal. All (scenario, replication) tasks share one pool of worker
processes (spawned, so nothing of the parent's state leaks in); results come back in task order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np

from simulation.network.layout import department_layout
from simulation.metrics import COLUMNS
from simulation.model import ClinicianModel
from simulation.network.stats import model_network_statistics
from simulation.scenario.schema import Scenario
from simulation.seeding import replication_seed


@dataclass
class ReplicationResult:
    """Outcomes of one replication: a (steps + 1, len(COLUMNS)) array; snapshots if asked for."""

    replication: int
    outcomes: np.ndarray
    snapshots: dict[str, dict] | None = None
    scenario_index: int = 0


@dataclass(frozen=True)
class Task:
    """One replication of one scenario of a comparison, run under `root_seed`."""

    scenario_index: int
    scenario: Scenario
    root_seed: int
    replication: int

    @property
    def with_snapshots(self) -> bool:
        return self.replication == 0


def run_replication(
    scenario: Scenario, replication: int, with_snapshots: bool = False, root_seed: int | None = None
) -> ReplicationResult:
    """Run one replication to the end and return its outcome table (root seed: run.seed unless given)."""
    root = scenario.run.seed if root_seed is None else root_seed
    model = ClinicianModel(scenario, replication, seed=replication_seed(root, replication), with_agents=False)
    steps = scenario.run.steps
    outcomes = np.empty((steps + 1, len(COLUMNS)))
    outcomes[0] = [model.last[c] for c in COLUMNS]
    snapshots = None
    if with_snapshots:
        positions = department_layout(model.network, model.state.department)
        snapshots = {"start": {**model.snapshot(), "positions": positions}, "network": model_network_statistics(model)}
    for step in range(1, steps + 1):
        model.step()
        outcomes[step] = [model.last[c] for c in COLUMNS]
    if with_snapshots:
        snapshots["end"] = {**model.snapshot(), "positions": positions}
    return ReplicationResult(replication, outcomes, snapshots)


def _run_task(task: Task) -> ReplicationResult:
    result = run_replication(task.scenario, task.replication, task.with_snapshots, task.root_seed)
    result.scenario_index = task.scenario_index
    return result


def scenario_root_seed(seed: int, index: int, common: bool = True) -> int:
    """The root seed of the scenario at position `index` of a comparison (the baseline is 0).

    With common random numbers every scenario uses `seed`. Without, the baseline keeps `seed` and
    scenario i > 0 uses the first 32-bit word of `SeedSequence([seed, i])`, an independent stream.
    """
    if common or index == 0:
        return seed
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def default_workers() -> int:
    """All local cores."""
    return os.cpu_count() or 1


def run_tasks(
    tasks: Sequence[Task],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ReplicationResult]:
    """Run `tasks` (in one pool when workers > 1); results in task order; `progress(1)` per task."""
    workers = max(1, min(workers or default_workers(), len(tasks)))
    results: list[ReplicationResult] = []
    if workers <= 1:
        for task in tasks:
            results.append(_run_task(task))
            if progress:
                progress(1)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        for result in pool.map(_run_task, tasks, chunksize=max(1, len(tasks) // (workers * 4))):
            results.append(result)
            if progress:
                progress(1)
    return results


def run_scenario(
    scenario: Scenario,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    root_seed: int | None = None,
) -> list[ReplicationResult]:
    """Run every replication of one scenario (root seed: run.seed unless given)."""
    root = scenario.run.seed if root_seed is None else root_seed
    return run_tasks([Task(0, scenario, root, k) for k in range(scenario.run.replications)], workers, progress)


def progress_enabled(quiet: bool) -> bool:
    """A progress bar only for a person at a terminal: not with --quiet, in CI, or when piped."""
    return not quiet and not os.environ.get("CI") and sys.stderr.isatty()
