"""Every random draw flows from one root seed.

Replication k gets `SeedSequence(root).spawn(replications)[k]`, independent of how many workers run
it, and splits it into named streams so that one part of the model drawing more or fewer numbers
never shifts another part's draws (the basis of common random numbers across scenarios: replication
k of two scenarios shares its network, its population and its dynamics draws).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

# Streams are spawned in this order; a new one goes at the end, so no older stream's draws move.
# "node_table": draws a file network's missing department and role cells (`population.fill_missing`).
STREAMS = (
    "network",
    "population",
    "experience",
    "judgment",
    "choice",
    "attitudes",
    "interventions",
    "mesa",
    "node_table",
)


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


def kind_stream_id(kind: str) -> int:
    """The stable id of an intervention kind's random streams: the CRC-32 of its name (an unsigned
    32-bit integer), so adding, removing or reordering kinds never changes another kind's draws."""
    return zlib.crc32(kind.encode("utf-8"))


def intervention_seed(root: int, kind: str, ordinal: int) -> np.random.SeedSequence:
    """The seed of the `ordinal`-th intervention of `kind` (file order within the kind) under the
    replication's interventions root `root`."""
    return np.random.SeedSequence(root, spawn_key=(kind_stream_id(kind), ordinal))


def streams(seed: np.random.SeedSequence) -> ReplicationStreams:
    """Split a replication's seed into the named streams."""
    children = seed.spawn(len(STREAMS))
    generators = {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}
    return ReplicationStreams(generators, int(children[STREAMS.index("mesa")].generate_state(1)[0]))
