"""Stage 3 of reading a file network: the kept rows become one undirected network of clinicians.

A row naming an id that is not a clinician is an error, or with `network.drop_unknown_nodes` is
dropped with a note; a row linking a clinician to themselves is dropped with a note. The chosen
layers are merged: a pair is tied when any kept row links them. A tie's advisor is fixed when every
row of the pair is directed and all name the same advisor (the target, or the source with
`advisor = "source"`); a tie that is undirected in some row, or directed both ways, has none (-1:
drawn per replication by the degree rule, `NetworkData.network`). Each layer's own undirected ties
are kept too, for the network statistics.

Influence (`simulation.network.influence`): each kept row makes its two clinicians hear each other
with the row's weight (`network.weight`, 1 without it); with `network.influence = "from_advisor"` a
directed row makes only the clinician who seeks advice hear the advisor. An arc given by several
rows (layers, repeated rows) weighs its heaviest row. Weights must be finite and at least 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulation.network.columns import distinct_sorted
from simulation.network.influence import hearing_of_arcs
from simulation.network.tables import NetworkFileError, some_of

if TYPE_CHECKING:
    from simulation.network.edge_table import EdgeRows
    from simulation.scenario.network import NetworkConfig


@dataclass
class Ties:
    """The merged network: ties i < j, fixed advisors (-1 = drawn), each layer's ties, notes."""

    edges: np.ndarray  # (E, 2) int64, i < j
    advisor: np.ndarray  # (E,) int64: the advisor's index, or -1 when undirected or mutual
    layers: dict[str, np.ndarray]  # layer label -> (E_l, 2) undirected ties i < j of that layer
    layer_arcs: dict[str, int]  # layer label -> rows kept (directed arcs or undirected ties)
    notes: list[str]
    hearing: np.ndarray | None = None  # (E, 2) influence weights per tie end, None = 1 both ways


def merge_rows(config: NetworkConfig, rows: EdgeRows, ids: list[str], node_path: Path | None) -> Ties:
    """The kept `rows` between the clinicians `ids` (indices = positions), merged into one network.

    `node_path`: the node table's file, named in the message about ids missing from it.
    """
    ends = rows.endpoints(ids)  # (rows, 2) positions in ids, -1 = not a clinician
    keep = rows.keep.copy()
    notes = []
    unknown_rows = np.flatnonzero(keep & (ends < 0).any(axis=1))
    if len(unknown_rows):
        missing_ids = rows.unknown_ids(ends, unknown_rows)
        described = (
            f"{len(unknown_rows)} tie{'s' if len(unknown_rows) > 1 else ''} of {rows.path} name{'' if len(unknown_rows) > 1 else 's'} "
            f"{len(missing_ids)} node id{'s' if len(missing_ids) > 1 else ''} missing from the node table "
            f"{node_path if node_path is not None else ''}: {some_of(missing_ids)}"
        )
        if not config.drop_unknown_nodes:
            raise NetworkFileError(
                f"key 'network.nodes.id': {described}; add them to the node table or set network.drop_unknown_nodes = true to drop these ties"
            )
        keep[unknown_rows] = False
        notes.append(f"dropped {described}")

    if not ids:
        raise NetworkFileError(f"key 'network.edges': {rows.path}: the network is empty (no nodes)")
    kept = np.flatnonzero(keep)
    i, j = ends[kept, 0], ends[kept, 1]
    d = rows.directed[kept]
    w = _weights(rows, kept)
    lay = rows.layer_code[kept]
    loops = i == j
    if loops.any():
        notes.append(f"dropped {int(loops.sum())} tie(s) of a clinician to themselves in {rows.path}")
        i, j, d, w = i[~loops], j[~loops], d[~loops], w[~loops]
        lay = lay[~loops]
    if i.shape[0] == 0:
        raise NetworkFileError(
            f"key 'network.edges': {rows.path}: no ties left"
            + (f" in layers {', '.join(rows.layers)}" if config.layers is not None else "")
            + " (an empty graph); the model needs colleagues to influence each other"
        )
    n = len(ids)
    edges, advisor, tie = merge_ties(i, j, d, n, config.advisor)
    layers = {}
    layer_arcs = {}
    for name in rows.layers:
        mask = lay == rows.layer_names.index(name)
        layer_arcs[name] = int(mask.sum())
        low, high = np.minimum(i[mask], j[mask]), np.maximum(i[mask], j[mask])
        keys = distinct_sorted(low * n + high)
        layers[name] = np.stack([keys // n, keys % n], axis=1)
    return Ties(edges, advisor, layers, layer_arcs, notes, _hearing(config, edges, tie, i, j, d, w, n))


def _weights(rows: EdgeRows, kept: np.ndarray) -> np.ndarray:
    """The kept rows' weights (1 without a weight column); a negative or infinite one is an error."""
    if rows.weight is None:
        return np.ones(kept.shape[0])
    weight = np.asarray(rows.weight, dtype=np.float64)[kept]
    bad = ~np.isfinite(weight) | (weight < 0)
    if bad.any():
        raise NetworkFileError(
            f"key 'network.weight': {rows.path}: {int(bad.sum())} tie(s) weigh {weight[bad][0]:g}"
            f"{' ...' if bad.sum() > 1 else ''}; tie weights weigh colleagues in the influence rules and must be "
            "finite numbers of at least 0 (drop light ties with network.min_weight)"
        )
    return weight


def _hearing(
    config: NetworkConfig,
    edges: np.ndarray,
    tie: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    n: int,
) -> np.ndarray | None:
    """Per merged tie, the weight with which each end hears the other (see the module docstring);
    `tie`: each row's merged tie (a row of `edges`)."""
    if config.influence == "both_ways" and np.all(w == 1.0):
        return None  # every tie heard both ways with weight 1: the influence is the adjacency
    if config.influence == "both_ways":  # each row's weight both ways: a tie weighs its heaviest row
        heaviest = np.zeros(edges.shape[0])
        np.maximum.at(heaviest, tie, w)
        return np.stack([heaviest, heaviest], axis=1)
    one_way = d & (config.influence == "from_advisor")
    advisor = j if config.advisor == "target" else i
    seeker = i if config.advisor == "target" else j
    hearer = np.concatenate([np.where(one_way, seeker, i), j[~one_way]])
    speaker = np.concatenate([np.where(one_way, advisor, j), i[~one_way]])
    weight = np.concatenate([w, w[~one_way]])
    return hearing_of_arcs(edges, hearer, speaker, weight, n, tie=np.concatenate([tie, tie[~one_way]]))


def merge_ties(
    i: np.ndarray, j: np.ndarray, directed: np.ndarray, n: int, advisor_end: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected ties (i < j), each tie's fixed advisor (-1 when undirected somewhere or mutual) and
    each row's tie (its row in the ties)."""
    low, high = np.minimum(i, j), np.maximum(i, j)
    keys = low * n + high
    named = j if advisor_end == "target" else i
    # Per row: +1 the higher index advises, -1 the lower one does, 0 undirected (no fixed advisor).
    vote = np.where(directed, np.where(named == high, 1, -1), 0)
    unique, inverse = np.unique(keys, return_inverse=True)
    up, down, undirected = (np.bincount(inverse, weights=vote == v, minlength=unique.shape[0]) > 0 for v in (1, -1, 0))
    edges = np.stack([unique // n, unique % n], axis=1).astype(np.int64)
    fixed = ~undirected & (up ^ down)
    advisor = np.where(fixed, np.where(up, edges[:, 1], edges[:, 0]), -1).astype(np.int64)
    return edges, advisor, inverse.reshape(-1)
