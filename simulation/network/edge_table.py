"""Stage 1 of reading a file network: the ties' rows, as the scenario maps them (`network.edges`).

An edge list (CSV, TSV or whitespace-separated, optional header, see `tables.read_table`), or a
GraphML or GEXF file (`graph_formats`), gives one row per tie. Per row this stage reads the two
node ids (`network.source`, `network.target`), the layer (`network.layer`, labels compared as text
with '1.0' = '1'), and whether the row is kept: in a chosen layer (`network.layers`) and, with
`network.min_weight`, weighing at least that much (`network.weight`). It also reads whether each
row is directed: a direction column (`network.direction`: directed, ->, 1, ... or undirected, --,
0, ...), the layers listed in `network.directed`, or one flag for all rows (a graph file's own
directedness by default). Node ids are not resolved here (`node_table`, `ties`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulation.network.graph_formats import graph_format, graph_tables, read_graph
from simulation.network.tables import (
    NetworkFileError,
    Table,
    column,
    natural_order,
    number,
    read_table,
    shown,
    some_of,
    text_number,
)

if TYPE_CHECKING:
    from simulation.scenario.network import NetworkConfig

TRUE_WORDS = {"1", "true", "yes", "y", "directed", "d", "->", ">"}
FALSE_WORDS = {"0", "false", "no", "n", "undirected", "u", "--", "-"}


@dataclass
class EdgeRows:
    """The rows of the edge file: ids as text, layer labels, which rows are kept, which are directed."""

    path: Path
    source: list[str]
    target: list[str]
    layer: list[str]  # per row, as text ("1" without a layer column)
    keep: np.ndarray  # (rows,) bool: in a chosen layer and heavy enough
    directed: np.ndarray  # (rows,) bool
    layers: list[str]  # the chosen layers present, in natural order
    graph_nodes: Table | None  # a graph file's node table, None for an edge list


def read_edges(config: NetworkConfig) -> EdgeRows:
    """The rows of `network.edges`, their layers, weights and directions read as the section says."""
    assert config.edges is not None
    path = Path(config.edges)
    table, graph_nodes, directed_default = _edge_table(path, config)
    src = column(table, config.source, "network.source")
    dst = column(table, config.target, "network.target")
    rows = len(src)
    labels = column(table, config.layer, "network.layer") if config.layer is not None else ["1"] * rows
    layer = [text_number(x) for x in labels]
    keep = np.ones(rows, dtype=bool)
    layers = _chosen_layers(config, path, layer, keep)
    if config.weight is not None:
        cells = column(table, config.weight, "network.weight")
        weight = np.array(
            [number(c, path, line, "network.weight", "tie weight") for c, line in zip(cells, table.lines, strict=True)]
        )
        if config.min_weight is not None:
            keep &= weight >= config.min_weight
    directed = _directions(config, table, layer, directed_default)
    return EdgeRows(path, src, dst, layer, keep, directed, layers, graph_nodes)


def _edge_table(path: Path, config: NetworkConfig) -> tuple[Table, Table | None, bool]:
    """The edge rows as a table, a graph file's node table, and whether a graph file is directed."""
    fmt = graph_format(path, config.format)
    if fmt == "edgelist":
        specs = [config.source, config.target, config.layer, config.weight, config.direction]
        named = any(isinstance(s, str) for s in specs if s is not None)
        id_columns = [s - 1 for s in (config.source, config.target) if isinstance(s, int)]
        table = read_table(path, "network.edges", config.delimiter, config.header, named, config.comment, id_columns)
        return table, None, False
    graph = read_graph(path, fmt, "network.edges")
    table, nodes = graph_tables(graph, path)
    return table, nodes, graph.is_directed()


def _chosen_layers(config: NetworkConfig, path: Path, layer: list[str], keep: np.ndarray) -> list[str]:
    """The layers kept (natural order); rows of other layers are cleared from `keep`."""
    present = list(dict.fromkeys(layer))
    if config.layers is None:
        return natural_order(present)
    wanted = [text_number(str(x)) for x in config.layers]
    unknown = [w for w in wanted if w not in present]
    if unknown:
        raise NetworkFileError(
            f"key 'network.layers': layer{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} not in {path}"
            + (f" (column {config.layer!r})" if config.layer is not None else " (no layer column: set network.layer)")
            + f"; its layers: {some_of(natural_order(present))}"
        )
    keep &= np.array([x in wanted for x in layer], dtype=bool)
    return [w for w in natural_order(present) if w in wanted]


def _directions(config: NetworkConfig, table: Table, layer: list[str], directed_default: bool) -> np.ndarray:
    """Per row, whether it is directed: the direction column, the directed layers, or one flag."""
    rows = len(layer)
    if config.direction is not None:
        cells = column(table, config.direction, "network.direction")
        directed = np.empty(rows, dtype=bool)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            word = c.strip().lower()
            if word in TRUE_WORDS:
                directed[k] = True
            elif word in FALSE_WORDS:
                directed[k] = False
            else:
                raise NetworkFileError(
                    f"key 'network.direction': {table.path}, line {line}: {shown(c)} is neither directed "
                    f"({', '.join(sorted(TRUE_WORDS))}) nor undirected ({', '.join(sorted(FALSE_WORDS))})"
                )
        return directed
    if isinstance(config.directed, list):
        chosen = {text_number(str(x)) for x in config.directed}
        return np.array([x in chosen for x in layer], dtype=bool)
    is_directed = directed_default if config.directed is None else bool(config.directed)
    return np.full(rows, is_directed, dtype=bool)
