"""Every random draw flows from one root seed.

Replication k gets `SeedSequence(root).spawn(replications)[k]`, independent of how many workers run
it, and splits it into named streams so that one part of the model drawing more or fewer numbers
never shifts another part's draws (the basis of common random numbers across scenarios: replication
k of two scenarios shares its network, its population and its dynamics draws).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAMS = ("network", "population", "experience", "judgment", "choice", "attitudes", "interventions", "mesa")


@dataclass
class ReplicationStreams:
    """One generator per named stream of one replication."""

    generators: dict[str, np.random.Generator]
    mesa_seed: int

    def __getitem__(self, name: str) -> np.random.Generator:
        return self.generators[name]


def replication_seed(root: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of replication `replication` under `root`."""
    return np.random.SeedSequence(root, spawn_key=(replication,))


def streams(seed: np.random.SeedSequence) -> ReplicationStreams:
    """Split a replication's seed into the named streams."""
    children = seed.spawn(len(STREAMS))
    generators = {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}
    return ReplicationStreams(generators, int(children[-1].generate_state(1)[0]))
