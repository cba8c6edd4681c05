"""`ClinicianModel`: the Mesa model. One step is one week of the cycle that `simulation.batch` describes
(interventions, experience of AI use, peer judgment, anticipation, choice, attitudes; docs/MODEL.md).

The model is a batch of one replication (`simulation.batch.ReplicationBatch`): the same code steps
it as steps hundreds of replications at once in headless runs, so both give the same bits. The
rules are vectorized over the population (`simulation.rules`); clinicians are also Mesa agents on a
`mesa.discrete_space.Network` (`with_agents=True`, the default) whose attributes read and write the
same arrays, and Mesa's DataCollector records every step's outcomes. Runs that nobody watches can
skip the agents (`with_agents=False`).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import Network

from simulation.agents import Clinician
from simulation.batch import ReplicationBatch
from simulation.metrics import COLUMNS
from simulation.replica import Replica
from simulation.scenario.schema import Scenario
from simulation.seeding import replication_seed


class ClinicianModel(Model):
    """Clinicians on a hospital network deciding whether and how to use clinical AI.

    Parameters: `scenario` (defaults for anything not given), `replication` (which replication of
    the scenario's root seed to run; or pass `seed`, a SeedSequence, to override), `with_agents`.
    `state`, `network`, `interventions`, `thresholds` (the threshold rule's fixed thresholds, one per
    clinician, else None) and the file attributes (`node_ids`, ...) are the replica's
    (`simulation.replica.Replica`); `last` the latest outcomes by column name.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        replication: int = 0,
        *,
        seed: np.random.SeedSequence | None = None,
        with_agents: bool = True,
    ) -> None:
        self.config = scenario or Scenario()
        self.replica = replica = Replica(
            self.config, seed if seed is not None else replication_seed(self.config.run.seed, replication)
        )
        self.streams = replica.streams
        super().__init__(rng=self.streams.mesa_seed)
        self.node_ids = replica.node_ids
        self.node_index = replica.node_index
        self.observed_adoption = replica.observed_adoption
        self.network_layers = replica.network_layers
        self.state = replica.state
        self.interventions = replica.interventions
        self.thresholds = replica.thresholds
        self.batch = ReplicationBatch([replica])
        self.adoption = self.batch.adoption
        self.last = self.batch.last()

        self.grid = None
        if with_agents:
            # An explicit, cheap layout (cells on a circle): Mesa 3's default is a spring layout (3.7 s at
            # 1,000 clinicians) and Mesa 4 refuses layout=None; pictures use `simulation.network.layout`.
            graph = self.network.to_networkx()
            self.grid = Network(graph, capacity=1, random=self.random, layout=nx.circular_layout)
            for index in range(self.state.n):
                Clinician(self, index, self.grid[index])
        self.datacollector = DataCollector(model_reporters={name: _reporter(name) for name in COLUMNS})
        self.datacollector.collect(self)

    @property
    def network(self):
        """The replica's network (an intervention may add ties to it)."""
        return self.replica.network

    @property
    def week(self) -> int:
        """Weeks stepped so far (the model's own counter: Mesa 4 removes `Model.steps`)."""
        return self.batch.week

    @property
    def cost_hours(self) -> float:
        """Clinician-hours the interventions have spent so far."""
        return self.replica.cost_hours

    def step(self) -> None:
        """Advance one week (`simulation.batch.ReplicationBatch.step`) and collect its outcomes."""
        self.batch.step()
        self.last = self.batch.last()
        self.datacollector.collect(self)

    def snapshot(self) -> dict:
        """Arrays for a network picture of the current state."""
        return self.replica.snapshot(self.week)


def _reporter(name: str):
    def report(model: ClinicianModel) -> float:
        return model.last[name]

    report.__name__ = name
    return report
