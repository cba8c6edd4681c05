"""What a run computes, before anything runs: the scenarios of a comparison and the jobs (one
replication each) that the engine (`simulation.execution.engine`) runs.

Planning refuses what cannot fit: every `ScenarioRun` and every `Job` checks, before anything is
built, that one replication of its scenario fits in the machine's memory
(`simulation.execution.memory_estimate`; a `MemoryTooSmall` error naming the file, or the scenario's
name for a job).

Replication k of a scenario run under root seed r always uses `SeedSequence(r, spawn_key=(k,))`
(see `seeding`), so a job's result does not depend on where or with how many workers it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulation.execution.memory_estimate import check_fits
from simulation.scenario.schema import Scenario

__all__ = ["Job", "ScenarioRun", "comparison_jobs", "replication_jobs", "scenario_root_seed"]


@dataclass
class ScenarioRun:
    """One scenario of a comparison as the tables need it."""

    name: str
    role: str  # "baseline" or "alternative"
    file: str
    scenario: Scenario
    paired: bool
    root_seed: int

    def __post_init__(self) -> None:
        check_fits(self.scenario, self.file)


@dataclass(frozen=True)
class Job:
    """One replication to run: `key` names it in the partial folder (e.g. `s0-r3`, `p12-r3`)."""

    key: str
    group: int  # scenario or design point
    scenario: Scenario
    root_seed: int
    replication: int
    with_snapshots: bool = False

    def __post_init__(self) -> None:
        _check_once(self.scenario)

    @property
    def seed_text(self) -> str:
        """The replication's seed as written in error rows: SeedSequence(root, spawn_key=(k,))."""
        return f"SeedSequence({self.root_seed}, spawn_key=({self.replication},))"


def scenario_root_seed(seed: int, index: int, common: bool = True) -> int:
    """The root seed of the scenario at position `index` of a comparison (the baseline is 0).

    With common random numbers every scenario uses `seed`. Without, the baseline keeps `seed` and
    scenario i > 0 uses the first 32-bit word of `SeedSequence([seed, i])`, an independent stream.
    """
    if common or index == 0:
        return seed
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def comparison_jobs(runs: Sequence[ScenarioRun]) -> list[Job]:
    """Every (scenario, replication) of a comparison, in table order; replication 0 keeps the network
    snapshots of the report."""
    return [
        Job(f"s{index}-r{k}", index, run.scenario, run.root_seed, k, with_snapshots=k == 0)
        for index, run in enumerate(runs)
        for k in range(run.scenario.run.replications)
    ]


def replication_jobs(scenario: Scenario, replications: int | None = None, root_seed: int | None = None) -> list[Job]:
    """The replications of one scenario (run.replications and run.seed unless given), without snapshots."""
    root = scenario.run.seed if root_seed is None else root_seed
    count = scenario.run.replications if replications is None else replications
    return [Job(f"s0-r{k}", 0, scenario, root, k) for k in range(count)]


_checked: dict[int, Scenario] = {}  # id -> the scenario itself, so that the id stays its own


def _check_once(scenario: Scenario) -> None:
    """`check_fits` once per scenario object (a sweep's thousands of jobs share a few scenarios)."""
    if _checked.get(id(scenario)) is scenario:
        return
    check_fits(scenario, f"scenario '{scenario.scenario.name}'")
    if len(_checked) > 1000:
        _checked.clear()
    _checked[id(scenario)] = scenario
