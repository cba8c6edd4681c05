"""Stage 3 of reading a file network: the kept rows become one undirected network of clinicians.

A row naming an id that is not a clinician is an error, or with `network.drop_unknown_nodes` is
dropped with a note; a row linking a clinician to themselves is dropped with a note. The chosen
layers are merged: a pair is tied when any kept row links them. A tie's advisor is fixed when every
row of the pair is directed and all name the same advisor (the target, or the source with
`advisor = "source"`); a tie that is undirected in some row, or directed both ways, has none (-1:
drawn per replication by the degree rule, `NetworkData.network`). Each layer's own undirected ties
are kept too, for the network statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

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


def merge_rows(config: NetworkConfig, rows: EdgeRows, ids: list[str], node_path: Path | None) -> Ties:
    """The kept `rows` between the clinicians `ids` (indices = positions), merged into one network.

    `node_path`: the node table's file, named in the message about ids missing from it.
    """
    index = {node_id: k for k, node_id in enumerate(ids)}
    src, dst, keep = rows.source, rows.target, rows.keep.copy()
    notes = []
    unknown_rows = [k for k in range(len(src)) if keep[k] and (src[k] not in index or dst[k] not in index)]
    if unknown_rows:
        missing_ids = list(dict.fromkeys(x for k in unknown_rows for x in (src[k], dst[k]) if x not in index))
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
    i = np.array([index[src[k]] for k in kept], dtype=np.int64)
    j = np.array([index[dst[k]] for k in kept], dtype=np.int64)
    d = rows.directed[kept]
    lay = [rows.layer[k] for k in kept]
    loops = i == j
    if loops.any():
        notes.append(f"dropped {int(loops.sum())} tie(s) of a clinician to themselves in {rows.path}")
        i, j, d = i[~loops], j[~loops], d[~loops]
        lay = [x for x, loop in zip(lay, loops, strict=True) if not loop]
    if i.shape[0] == 0:
        raise NetworkFileError(
            f"key 'network.edges': {rows.path}: no ties left"
            + (f" in layers {', '.join(rows.layers)}" if config.layers is not None else "")
            + " (an empty graph); the model needs colleagues to influence each other"
        )
    n = len(ids)
    edges, advisor = merge_ties(i, j, d, n, config.advisor)
    lay_arr = np.array(lay)
    layers = {}
    layer_arcs = {}
    for name in rows.layers:
        mask = lay_arr == name
        layer_arcs[name] = int(mask.sum())
        low, high = np.minimum(i[mask], j[mask]), np.maximum(i[mask], j[mask])
        keys = np.unique(low * n + high)
        layers[name] = np.stack([keys // n, keys % n], axis=1)
    return Ties(edges, advisor, layers, layer_arcs, notes)


def merge_ties(
    i: np.ndarray, j: np.ndarray, directed: np.ndarray, n: int, advisor_end: str
) -> tuple[np.ndarray, np.ndarray]:
    """Undirected ties (i < j) and each tie's fixed advisor (-1 when undirected somewhere or mutual)."""
    low, high = np.minimum(i, j), np.maximum(i, j)
    keys = low * n + high
    named = j if advisor_end == "target" else i
    # Per row: +1 the higher index advises, -1 the lower one does, 0 undirected (no fixed advisor).
    vote = np.where(directed, np.where(named == high, 1, -1), 0)
    unique, inverse = np.unique(keys, return_inverse=True)
    up = np.zeros(unique.shape[0], dtype=bool)
    down = np.zeros(unique.shape[0], dtype=bool)
    undirected = np.zeros(unique.shape[0], dtype=bool)
    np.logical_or.at(up, inverse, vote == 1)
    np.logical_or.at(down, inverse, vote == -1)
    np.logical_or.at(undirected, inverse, vote == 0)
    edges = np.stack([unique // n, unique % n], axis=1).astype(np.int64)
    fixed = ~undirected & (up ^ down)
    advisor = np.where(fixed, np.where(up, edges[:, 1], edges[:, 0]), -1).astype(np.int64)
    return edges, advisor
