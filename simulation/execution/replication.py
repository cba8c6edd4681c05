"""One replication of one scenario, run to the end in this process: its outcome table per step.

The engine (`simulation.execution.engine`) runs many of them, on any backend; a replication's seed
comes from its root seed and number (`SeedSequence(root, spawn_key=(k,))`, see `seeding`), so its
table does not depend on where it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.metrics import COLUMNS
from simulation.model import ClinicianModel
from simulation.network.layout import department_layout
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
    if snapshots is not None:
        snapshots["end"] = {**model.snapshot(), "positions": positions}
    return ReplicationResult(replication, outcomes, snapshots)
