"""Stage 1 of reading a file network: the ties' rows, as the scenario maps them (`network.edges`).

An edge list (CSV, TSV or whitespace-separated, optional header, see `tables.read_table`; parsed by
`arrow_table` when it is big), or a graph file (GraphML, GEXF, Pajek, UCINET DL: `graph_formats`),
gives one row per tie. Per row this stage reads the two node ids (`network.source`,
`network.target`), the layer (`network.layer`, labels compared as text with '1.0' = '1'), the weight
(`network.weight`) and whether the row is kept: in a chosen layer (`network.layers`) and, with
`network.min_weight`, weighing at least that much. It also reads whether each row is directed: a
direction column (`network.direction`: directed, ->, 1, ... or undirected, --, 0, ...), the layers
listed in `network.directed`, or the file's own directedness (a graph file's; Pajek per section;
edge lists undirected). Node ids are not resolved here (`node_table`, `ties`).

Columns are coded (`columns.Coded`): each distinct text is parsed once, rows are numpy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from simulation.network.columns import Coded, NeedsPlainReader, TableColumns, in_order_of_appearance, shared_codes
from simulation.network.graph_formats import graph_format, read_graph_tables
from simulation.network.tables import (
    NetworkFileError,
    Table,
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


class Columns(Protocol):
    """Where the rows come from: coded columns by name or number, and each row's line in the file."""

    path: Path

    def column(self, spec: str | int, key: str) -> Coded: ...

    def line(self, row: int) -> int: ...


@dataclass
class EdgeRows:
    """The rows of the edge file: coded ids and layers, which rows are kept, directed, their weights."""

    path: Path
    names: list[str]  # the distinct ids of the rows' sources and targets
    ends: np.ndarray  # (rows, 2) int64: each row's source and target, positions in `names`
    layer_names: list[str]  # the distinct layer labels ("1" without a layer column), first appearance first
    layer_code: np.ndarray  # (rows,) int64: each row's layer, position in `layer_names`
    keep: np.ndarray  # (rows,) bool: in a chosen layer and heavy enough
    directed: np.ndarray  # (rows,) bool
    layers: list[str]  # the chosen layers present, in natural order
    graph_nodes: Table | None  # a graph file's node table, None for an edge list
    weight: np.ndarray | None = None  # (rows,) float: each row's `network.weight`, None without that column

    @property
    def source(self) -> list[str]:
        """Each row's source id (a Python list: for small files and tests)."""
        return [self.names[c] for c in self.ends[:, 0].tolist()]

    @property
    def target(self) -> list[str]:
        """Each row's target id."""
        return [self.names[c] for c in self.ends[:, 1].tolist()]

    @property
    def layer(self) -> list[str]:
        """Each row's layer label."""
        return [self.layer_names[c] for c in self.layer_code.tolist()]

    def endpoints(self, ids: list[str]) -> np.ndarray:
        """(rows, 2) int64: each row's source and target as positions in `ids`, -1 for an id not in it."""
        index = dict(zip(ids, range(len(ids)), strict=True))
        position = np.fromiter(map(index.get, self.names, repeat(-1)), dtype=np.int64, count=len(self.names))
        return position[self.ends] if position.size else self.ends.copy()

    def unknown_ids(self, endpoints: np.ndarray, rows: np.ndarray) -> list[str]:
        """The ids of `rows` missing from the clinicians (`endpoints` from `endpoints`), in row order."""
        codes = self.ends[rows].ravel()[endpoints[rows].ravel() < 0]
        return [self.names[c] for c in in_order_of_appearance(codes).tolist()]

    def kept_ids(self) -> list[str]:
        """The ids of the kept rows' sources and targets, in natural order (`tables.natural_order`)."""
        codes = np.concatenate([self.ends[self.keep, 0], self.ends[self.keep, 1]])
        return natural_order([self.names[c] for c in in_order_of_appearance(codes).tolist()])


def read_edges(config: NetworkConfig) -> EdgeRows:
    """The rows of `network.edges`, their layers, weights and directions read as the section says."""
    assert config.edges is not None
    path = Path(config.edges)
    fmt = graph_format(path, config.format)
    if fmt == "edgelist":
        from simulation.network.arrow_table import read_coded

        fast = read_coded(path, "network.edges", *_edge_list_options(config))
        if fast is not None:
            try:
                return _rows(config, fast, None, False)
            except NeedsPlainReader:
                pass
        table = read_table(path, "network.edges", *_edge_list_options(config))
        return _rows(config, TableColumns(table), None, False)
    graph = read_graph_tables(path, fmt, "network.edges")
    return _rows(config, TableColumns(graph.edges), graph.nodes, graph.directed)


def _edge_list_options(config: NetworkConfig) -> tuple[str, bool | str, bool, str, list[int]]:
    """`read_table`'s options for the edge list: delimiter, header, named, comment, id columns."""
    specs = [config.source, config.target, config.layer, config.weight, config.direction]
    named = any(isinstance(s, str) for s in specs if s is not None)
    id_columns = [s - 1 for s in (config.source, config.target) if isinstance(s, int)]
    return config.delimiter, config.header, named, config.comment, id_columns


def _rows(
    config: NetworkConfig, table: Columns, graph_nodes: Table | None, file_directed: np.ndarray | bool
) -> EdgeRows:
    """The `EdgeRows` of `table`'s coded columns, as the section maps them."""
    src = table.column(config.source, "network.source")
    dst = table.column(config.target, "network.target")
    names, ends = shared_codes(src, dst)
    rows = len(src)
    if config.layer is not None:
        layer = table.column(config.layer, "network.layer").mapped(text_number)
    else:
        layer = Coded(["1"], np.zeros(rows, dtype=np.int64))
    keep = np.ones(rows, dtype=bool)
    layers = _chosen_layers(config, table.path, layer, keep)
    weight = None
    if config.weight is not None:
        weight = _numbers(table, table.column(config.weight, "network.weight"), "network.weight", "tie weight")
        if config.min_weight is not None:
            keep &= weight >= config.min_weight
    directed = _directions(config, table, layer, rows, file_directed)
    return EdgeRows(table.path, names, ends, layer.values, layer.codes, keep, directed, layers, graph_nodes, weight)


def _numbers(table: Columns, cells: Coded, key: str, what: str) -> np.ndarray:
    """Each row's cell as a float; a cell that is not one is an error naming its first line."""
    parsed = np.empty(len(cells.values))
    for k, text in enumerate(cells.values):
        try:
            parsed[k] = value = float(text)
        except ValueError:
            value = math.nan
        if math.isnan(value):
            number(text, table.path, table.line(cells.first_row(k)), key, what)  # raises the message
    return parsed[cells.codes]


def _chosen_layers(config: NetworkConfig, path: Path, layer: Coded, keep: np.ndarray) -> list[str]:
    """The layers kept (natural order); rows of other layers are cleared from `keep`."""
    present = layer.values
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
    keep &= np.array([x in wanted for x in present], dtype=bool)[layer.codes]
    return [w for w in natural_order(present) if w in wanted]


def _directions(
    config: NetworkConfig, table: Columns, layer: Coded, rows: int, file_directed: np.ndarray | bool
) -> np.ndarray:
    """Per row, whether it is directed: the direction column, the directed layers, or the file's own."""
    if config.direction is not None:
        cells = table.column(config.direction, "network.direction")
        words = np.empty(len(cells.values), dtype=bool)
        for k, c in enumerate(cells.values):
            word = c.strip().lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                words[k] = word in TRUE_WORDS
                continue
            raise NetworkFileError(
                f"key 'network.direction': {table.path}, line {table.line(cells.first_row(k))}: {shown(c)} is neither "
                f"directed ({', '.join(sorted(TRUE_WORDS))}) nor undirected ({', '.join(sorted(FALSE_WORDS))})"
            )
        return words[cells.codes]
    if isinstance(config.directed, list):
        chosen = {text_number(str(x)) for x in config.directed}
        return np.array([x in chosen for x in layer.values], dtype=bool)[layer.codes]
    if config.directed is not None:
        return np.full(rows, bool(config.directed), dtype=bool)
    return np.broadcast_to(np.asarray(file_directed, dtype=bool), (rows,)).copy()
