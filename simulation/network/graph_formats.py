"""Stage 1b of reading a file network: graph files (GraphML, GEXF, Pajek, UCINET DL) as tables.

A graph file gives both an edge table (source, target, then the edges' attributes) and a node table
(id, then the nodes' attributes), so the later stages read it exactly as they read an edge list with
a node table. The format is `network.format`, or by the file's extension when that is "auto":

  .graphml, .xml  GraphML      (networkx, imported only when one is read)
  .gexf           GEXF         (networkx)
  .net, .paj      Pajek        (`pajek`: *Vertices, *Arcs, *Edges, *Arcslist, *Edgeslist)
  .dl             UCINET DL    (`ucinet_dl`: fullmatrix and edgelist1)
  anything else   an edge list (`tables`, `arrow_table`)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulation.network.tables import MissingDataFileError, NetworkFileError, Table, check_cells, exists, text_of

SUFFIXES = {
    ".graphml": "graphml",
    ".xml": "graphml",
    ".gexf": "gexf",
    ".net": "pajek",
    ".paj": "pajek",
    ".dl": "dl",
}


@dataclass
class GraphTables:
    """A graph file as an edge table, a node table, and whether each edge row is directed."""

    edges: Table
    nodes: Table
    directed: np.ndarray  # (edge rows,) bool: as the file says (a GraphML graph's default, a Pajek section)


def graph_format(path: Path, fmt: str) -> str:
    """The file's format ("graphml", "gexf", "pajek", "dl" or "edgelist"): `fmt`, or by suffix if "auto"."""
    if fmt != "auto":
        return fmt
    return SUFFIXES.get(path.suffix.lower(), "edgelist")


def read_graph_tables(path: Path, fmt: str, key: str) -> GraphTables:
    """The edge and node tables of the graph file `path` in format `fmt`."""
    if fmt == "pajek":
        from simulation.network.pajek import read_pajek

        return read_pajek(path, key)
    if fmt == "dl":
        from simulation.network.ucinet_dl import read_dl

        return read_dl(path, key)
    graph = read_graph(path, fmt, key)
    edges, nodes = graph_tables(graph, path)
    return GraphTables(edges, nodes, np.full(len(edges.rows), graph.is_directed(), dtype=bool))


def read_graph(path: Path, fmt: str, key: str) -> Any:
    """The networkx graph in `path` (`fmt` "graphml" or "gexf")."""
    import networkx as nx

    if not exists(path) or not path.is_file():
        raise MissingDataFileError(f"key '{key}': file not found: {path}", path)
    try:
        return nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        reason = str(exc) if len(str(exc)) <= 80 else str(exc)[:80] + "..."
        raise NetworkFileError(f"key '{key}': cannot read {path} as {fmt.upper()} ({reason})") from None


def graph_tables(graph: Any, path: Path) -> tuple[Table, Table]:
    """An edge table (source, target, then every edge attribute) and a node table (id, attributes)."""
    edge_keys = sorted({k for _, _, d in graph.edges(data=True) for k in d})
    node_keys = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_rows = [[str(u), str(v), *[text_of(d.get(k)) for k in edge_keys]] for u, v, d in graph.edges(data=True)]
    node_rows = [[str(u), *[text_of(d.get(k)) for k in node_keys]] for u, d in graph.nodes(data=True)]
    for rows in (edge_rows, node_rows):  # ids and attributes are short plain text, as in a delimited table
        for number, row in enumerate(rows, start=1):  # "line" = the edge's or node's number in the file
            check_cells(path, "network.edges", number, row, row, number, "node and edge attributes of plain text")
    edges = Table(path, ["source", "target", *edge_keys], edge_rows, list(range(1, len(edge_rows) + 1)))
    nodes = Table(path, ["id", *node_keys], node_rows, list(range(1, len(node_rows) + 1)))
    return edges, nodes
