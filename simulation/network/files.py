"""Networks and clinicians read from files: `[network] generator = "file"` (docs/SCENARIOS.md).

An edge list (CSV, TSV or whitespace-separated, optional header, with optional layer, weight and
direction columns), a GraphML or a GEXF file gives the ties; an optional node table (`[network.nodes]`)
gives the clinicians, their ids and, per mapped column, their department, role, seniority, initial
attitude, initial mode of AI use and observed adoption time. Node ids may be any strings or integers
(compared as text); nodes of the node table without ties (isolates) are kept.

Ties: the chosen layers (all by default) are merged into one undirected network: a pair of
clinicians is tied when any kept row links them. Directions give advice: in a directed tie the named
colleague (the target, or the source with `advisor = "source"`) is the one whose advice the other
seeks. A tie that is undirected, or directed both ways, gets its advisor by the generator's rule with
prominence = degree: j advises i with probability d_j / (d_i + d_j), drawn per replication.

Indices: clinicians are numbered in the node table's row order (without a node table: ids sorted,
numerically when all are integers); `NetworkData.ids[k]` is the file id of clinician k
(`ClinicianModel.node_ids`).

Files are parsed once per process and cached (keyed by the network section and the files' sizes and
modification times). Problems raise `NetworkFileError` naming the data file, the scenario key and
what is allowed; the scenario loader adds the scenario file and turns it into a `ScenarioError`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.modes import MODE_NAMES
from simulation.network.hospital import HospitalNetwork

if TYPE_CHECKING:
    from simulation.scenario.network import NetworkConfig
    from simulation.scenario.parameters import PopulationConfig

SHOWN = 5  # ids shown in an error about unknown nodes
TRUE_WORDS = {"1", "true", "yes", "y", "directed", "d", "->", ">"}
FALSE_WORDS = {"0", "false", "no", "n", "undirected", "u", "--", "-"}
NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class NetworkFileError(ValueError):
    """A network or node file that cannot be used as the scenario says (message names file and key)."""


class MissingDataFileError(NetworkFileError):
    """A data file named by the scenario does not exist (`path` says which)."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass
class Table:
    """Rows of text cells read from a file, with column names when it has a header."""

    path: Path
    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]  # line number of each row in the file (1-based), for messages

    def describe_columns(self) -> str:
        if self.header:
            return "its columns are " + ", ".join(repr(c) for c in self.header)
        width = max((len(r) for r in self.rows), default=0)
        return f"it has no header and {width} column{'s' if width != 1 else ''} (give column numbers 1-{width}, or header = true)"


@dataclass
class NetworkData:
    """What the files say: ids, merged ties with fixed advisors (-1 = drawn), layers, node attributes."""

    ids: list[str]
    edges: np.ndarray  # (E, 2) int64, i < j
    advisor: np.ndarray  # (E,) int64: the advisor's index, or -1 when undirected or mutual
    layers: dict[str, np.ndarray]  # layer label -> (E_l, 2) undirected ties i < j of that layer
    layer_arcs: dict[str, int]  # layer label -> rows kept (directed arcs or undirected ties)
    department: np.ndarray | None = None  # index into department_names
    department_names: list[str] = field(default_factory=list)
    role: np.ndarray | None = None  # index into role_names
    role_names: list[str] = field(default_factory=list)
    seniority: np.ndarray | None = None  # years, NaN = unknown
    attitude: np.ndarray | None = None  # 1-7, NaN = unknown
    mode: np.ndarray | None = None  # 0/1/2, -1 = unknown
    adoption: np.ndarray | None = None  # observed adoption time, NaN = unknown, inf = never adopted
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    def network(self, rng: np.random.Generator) -> HospitalNetwork:
        """The in-memory network; advisors of undirected and mutual ties drawn with `rng` (degree rule)."""
        edges = self.edges
        degree = np.bincount(edges.ravel(), minlength=self.n).astype(float)
        di, dj = degree[edges[:, 0]], degree[edges[:, 1]]
        j_advises = rng.random(edges.shape[0]) < dj / (di + dj)
        drawn = np.where(j_advises, edges[:, 1], edges[:, 0])
        advisor = np.where(self.advisor >= 0, self.advisor, drawn)
        team = self.department if self.department is not None else np.zeros(self.n, dtype=np.int64)
        return HospitalNetwork(n=self.n, edges=edges.copy(), advisor=advisor, team=team.astype(np.int64))

    def given(self) -> dict[str, np.ndarray]:
        """Node attributes read from the node table, for `population.draw_population(given=...)`."""
        out = {}
        for name in ("role", "seniority", "attitude", "mode"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


# --------------------------------------------------------------------------
# reading text tables
# --------------------------------------------------------------------------
def _delimiter(path: Path, delimiter: str) -> str | None:
    """The delimiter to split on: None = runs of whitespace."""
    if delimiter == "auto":
        suffix = path.suffix.lower()
        return "," if suffix == ".csv" else "\t" if suffix in (".tsv", ".tab") else None
    if delimiter == "whitespace":
        return None
    return {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}.get(delimiter, delimiter)


def _exists(path: Path) -> bool:
    """`path.exists()`, False for a path the system cannot even look up (too long, NUL)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _read_lines(path: Path, key: str) -> list[str]:
    if not _exists(path):
        raise MissingDataFileError(f"key '{key}': file not found: {path}", path)
    if not path.is_file():
        raise NetworkFileError(f"key '{key}': not a file: {path}")
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkFileError(f"key '{key}': cannot read {path} ({exc})") from None


def _is_number(text: str) -> bool:
    return bool(NUMBER_RE.match(text.strip()))


def read_table(
    path: Path, key: str, delimiter: str, header: bool | str, named: bool, comment: str, id_columns: list[int]
) -> Table:
    """Cells of a delimited text file; `header` True/False/"auto" (see `_has_header`)."""
    lines = _read_lines(path, key)
    sep = _delimiter(path, delimiter)
    rows, numbers = [], []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (comment and stripped.startswith(comment)):
            continue
        if sep is None:
            cells = stripped.split()
        else:
            cells = next(csv.reader([line], delimiter=sep, skipinitialspace=True))
        rows.append([c.strip() for c in cells])
        numbers.append(number)
    if header == "auto":
        numeric_first = bool(rows) and all(_is_number(c) for c in rows[0])
        header = (named and not numeric_first) or _looks_like_header(rows, id_columns)
    head = rows.pop(0) if header and rows else None
    if header:
        numbers = numbers[1:]
    return Table(path, head, rows, numbers)


HEADER_WORDS = {
    "source",
    "target",
    "from",
    "to",
    "node1",
    "node2",
    "id",
    "id1",
    "id2",
    "node",
    "nodeid",
    "ego",
    "alter",
    "sender",
    "receiver",
    "u",
    "v",
    "i",
    "j",
    "name",
    "src",
    "dst",
}


def _looks_like_header(rows: list[list[str]], id_columns: list[int]) -> bool:
    """A header: the first row's id cells are usual column names (source, target, from, to, id, ...),
    or they are words while the next row's are numbers."""
    if rows and id_columns and all(c < len(rows[0]) and rows[0][c].strip().lower() in HEADER_WORDS for c in id_columns):
        return True
    if len(rows) < 2:
        return False
    first, second = rows[0], rows[1]
    cells = [(first[c], second[c]) for c in id_columns if c < len(first) and c < len(second)]
    return bool(cells) and all(not _is_number(a) and _is_number(b) for a, b in cells)


def column_index(table: Table, spec: str | int, key: str) -> int:
    """0-based index of the column `spec` (a header name, or a 1-based number) of `table`."""
    if isinstance(spec, int):
        width = max((len(r) for r in table.rows), default=len(table.header or []))
        if not 1 <= spec <= max(width, 1):
            raise NetworkFileError(
                f"key '{key}' = {spec}: {table.path} has no column {spec}; {table.describe_columns()}"
            )
        return spec - 1
    if table.header is None:
        raise NetworkFileError(
            f"key '{key}' = \"{spec}\": {table.path} has no header row, so columns are numbers; "
            f"{table.describe_columns()}"
        )
    if spec in table.header:
        return table.header.index(spec)
    lowered = [c.lower() for c in table.header]
    if spec.lower() in lowered:
        return lowered.index(spec.lower())
    raise NetworkFileError(f"key '{key}' = \"{spec}\": no such column in {table.path}; {table.describe_columns()}")


def _cells(table: Table, index: int, key: str) -> list[str]:
    out = []
    for row, line in zip(table.rows, table.lines, strict=True):
        if index >= len(row):
            raise NetworkFileError(
                f"key '{key}': {table.path}, line {line} has {len(row)} cells, no column {index + 1}"
            )
        out.append(row[index])
    return out


def _number(text: str, path: Path, line: int | str, key: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise NetworkFileError(f"key '{key}': {path}, line {line}: {text!r} is not a number ({what})") from None
    if math.isnan(value):
        raise NetworkFileError(f"key '{key}': {path}, line {line}: {text!r} is not a number ({what})")
    return value


# --------------------------------------------------------------------------
# graph formats
# --------------------------------------------------------------------------
def _graph_format(path: Path, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    return {".graphml": "graphml", ".gexf": "gexf", ".xml": "graphml"}.get(suffix, "edgelist")


def _read_graph(path: Path, fmt: str, key: str):
    import networkx as nx

    if not _exists(path) or not path.is_file():
        raise MissingDataFileError(f"key '{key}': file not found: {path}", path)
    try:
        return nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise NetworkFileError(f"key '{key}': cannot read {path} as {fmt.upper()} ({exc})") from None


def _graph_tables(graph, path: Path, config: NetworkConfig) -> tuple[Table, Table]:
    """An edge table (source, target, then every edge attribute) and a node table (id, attributes)."""
    edge_keys = sorted({k for _, _, d in graph.edges(data=True) for k in d})
    node_keys = sorted({k for _, d in graph.nodes(data=True) for k in d})
    edge_rows = [[str(u), str(v), *[_text(d.get(k)) for k in edge_keys]] for u, v, d in graph.edges(data=True)]
    node_rows = [[str(u), *[_text(d.get(k)) for k in node_keys]] for u, d in graph.nodes(data=True)]
    edges = Table(path, ["source", "target", *edge_keys], edge_rows, list(range(1, len(edge_rows) + 1)))
    nodes = Table(path, ["id", *node_keys], node_rows, list(range(1, len(node_rows) + 1)))
    return edges, nodes


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------
# the whole network
# --------------------------------------------------------------------------
def _natural_order(ids: list[str]) -> list[str]:
    if all(re.fullmatch(r"[+-]?\d+", i) for i in ids):
        return sorted(ids, key=int)
    return sorted(ids)


def _value_map(config_values: dict[str, dict[str, Any]], attribute: str) -> dict[str, Any]:
    return {str(k).strip(): v for k, v in (config_values.get(attribute) or {}).items()}


def _mapped(cell: str, mapping: dict[str, Any], missing: set[str]) -> Any:
    """A cell through the value map; None when it means missing."""
    text = cell.strip()
    if text in mapping:
        value = mapping[text]
    elif _is_number(text) and mapping:
        numeric = {float(k): v for k, v in mapping.items() if _is_number(k)}
        value = numeric.get(float(text), text)
    else:
        value = text
    if isinstance(value, str) and (value.strip() in missing or value.strip().lower() == "missing"):
        return None
    return value


def read_network_files(config: NetworkConfig) -> NetworkData:
    """Parse the files of a `generator = "file"` network section (cached per process)."""
    if config.edges is None:
        raise NetworkFileError(
            "key 'network.edges' is required with generator = \"file\" (the edge list, GraphML or GEXF file)"
        )
    paths = [Path(config.edges)] + ([Path(config.nodes.file)] if config.nodes and config.nodes.file else [])
    stamp = tuple((str(p), *_stat(p)) for p in paths)
    return _read_cached(config.model_dump_json(), stamp)


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    except (OSError, ValueError):
        return -1, -1


@lru_cache(maxsize=16)
def _read_cached(config_json: str, stamp: tuple) -> NetworkData:
    from simulation.scenario.network import NetworkConfig

    return _read(NetworkConfig.model_validate_json(config_json))


def _read(config: NetworkConfig) -> NetworkData:
    edges_path = Path(config.edges)
    fmt = _graph_format(edges_path, config.format)
    nodes_cfg = config.nodes
    graph_nodes: Table | None = None
    directed_default = False
    if fmt == "edgelist":
        specs = [config.source, config.target, config.layer, config.weight, config.direction]
        named = any(isinstance(s, str) for s in specs if s is not None)
        id_columns = [s - 1 for s in (config.source, config.target) if isinstance(s, int)]
        table = read_table(
            edges_path, "network.edges", config.delimiter, config.header, named, config.comment, id_columns
        )
    else:
        graph = _read_graph(edges_path, fmt, "network.edges")
        table, graph_nodes = _graph_tables(graph, edges_path, config)
        directed_default = graph.is_directed()
    files = [edges_path]

    src = _cells(table, column_index(table, config.source, "network.source"), "network.source")
    dst = _cells(table, column_index(table, config.target, "network.target"), "network.target")
    rows = len(src)
    layer = (
        _cells(table, column_index(table, config.layer, "network.layer"), "network.layer")
        if config.layer is not None
        else ["1"] * rows
    )
    layer = [_text_number(x) for x in layer]
    keep = np.ones(rows, dtype=bool)

    # Layers.
    present = list(dict.fromkeys(layer))
    if config.layers is not None:
        wanted = [_text_number(str(x)) for x in config.layers]
        unknown = [w for w in wanted if w not in present]
        if unknown:
            raise NetworkFileError(
                f"key 'network.layers': layer{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} not in {edges_path}"
                + (
                    f" (column {config.layer!r})"
                    if config.layer is not None
                    else " (no layer column: set network.layer)"
                )
                + f"; its layers: {', '.join(_natural_order(present))}"
            )
        keep &= np.array([x in wanted for x in layer], dtype=bool)
        present = [w for w in _natural_order(present) if w in wanted]
    else:
        present = _natural_order(present)

    # Weights.
    if config.weight is not None:
        cells = _cells(table, column_index(table, config.weight, "network.weight"), "network.weight")
        weight = np.array(
            [
                _number(c, edges_path, line, "network.weight", "tie weight")
                for c, line in zip(cells, table.lines, strict=True)
            ]
        )
        if config.min_weight is not None:
            keep &= weight >= config.min_weight

    # Directions.
    if config.direction is not None:
        cells = _cells(table, column_index(table, config.direction, "network.direction"), "network.direction")
        directed = np.empty(rows, dtype=bool)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            word = c.strip().lower()
            if word in TRUE_WORDS:
                directed[k] = True
            elif word in FALSE_WORDS:
                directed[k] = False
            else:
                raise NetworkFileError(
                    f"key 'network.direction': {edges_path}, line {line}: {c!r} is neither directed "
                    f"({', '.join(sorted(TRUE_WORDS))}) nor undirected ({', '.join(sorted(FALSE_WORDS))})"
                )
    elif isinstance(config.directed, list):
        chosen = {_text_number(str(x)) for x in config.directed}
        directed = np.array([x in chosen for x in layer], dtype=bool)
    else:
        is_directed = directed_default if config.directed is None else bool(config.directed)
        directed = np.full(rows, is_directed, dtype=bool)

    # Nodes.
    node_table = None
    id_of_row: list[str]
    if nodes_cfg is not None and nodes_cfg.file is not None:
        node_path = Path(nodes_cfg.file)
        specs = [
            nodes_cfg.id,
            nodes_cfg.department,
            nodes_cfg.role,
            nodes_cfg.seniority,
            nodes_cfg.attitude,
            nodes_cfg.mode,
            nodes_cfg.adoption,
        ]
        named = any(isinstance(s, str) for s in specs if s is not None)
        id_columns = [nodes_cfg.id - 1] if isinstance(nodes_cfg.id, int) else []
        node_table = read_table(
            node_path, "network.nodes.file", nodes_cfg.delimiter, nodes_cfg.header, named, config.comment, id_columns
        )
        files.append(node_path)
    elif nodes_cfg is not None and graph_nodes is not None:
        node_table = graph_nodes
    if node_table is not None:
        id_of_row = _cells(node_table, column_index(node_table, nodes_cfg.id, "network.nodes.id"), "network.nodes.id")
        seen: dict[str, int] = {}
        duplicates = []
        for node_id, line in zip(id_of_row, node_table.lines, strict=True):
            if node_id == "":
                raise NetworkFileError(f"key 'network.nodes.id': {node_table.path}, line {line}: empty node id")
            if node_id in seen and node_id not in duplicates:
                duplicates.append(node_id)
            seen.setdefault(node_id, line)
        if duplicates:
            raise NetworkFileError(
                f"key 'network.nodes.id': {node_table.path}: {len(duplicates)} node id{'s are' if len(duplicates) > 1 else ' is'} "
                f"listed more than once: {', '.join(duplicates[:SHOWN])}{' ...' if len(duplicates) > SHOWN else ''}; each clinician needs one row"
            )
        ids = list(id_of_row)
    elif graph_nodes is not None:
        ids = [row[0] for row in graph_nodes.rows]
    else:
        ids = _natural_order(
            list(
                dict.fromkeys(
                    [s for s, k in zip(src, keep, strict=True) if k] + [d for d, k in zip(dst, keep, strict=True) if k]
                )
            )
        )
    index = {node_id: k for k, node_id in enumerate(ids)}

    # Edges to unknown nodes.
    unknown_rows = [k for k in range(rows) if keep[k] and (src[k] not in index or dst[k] not in index)]
    notes = []
    if unknown_rows:
        missing_ids = list(dict.fromkeys(x for k in unknown_rows for x in (src[k], dst[k]) if x not in index))
        described = (
            f"{len(unknown_rows)} tie{'s' if len(unknown_rows) > 1 else ''} of {edges_path} name{'' if len(unknown_rows) > 1 else 's'} "
            f"{len(missing_ids)} node id{'s' if len(missing_ids) > 1 else ''} missing from the node table "
            f"{node_table.path if node_table is not None else ''}: "
            f"{', '.join(missing_ids[:SHOWN])}{' ...' if len(missing_ids) > SHOWN else ''}"
        )
        if not config.drop_unknown_nodes:
            raise NetworkFileError(
                f"key 'network.nodes.id': {described}; add them to the node table or set network.drop_unknown_nodes = true to drop these ties"
            )
        keep[unknown_rows] = False
        notes.append(f"dropped {described}")

    if not ids:
        raise NetworkFileError(f"key 'network.edges': {edges_path}: the network is empty (no nodes)")
    kept = np.flatnonzero(keep)
    i = np.array([index[src[k]] for k in kept], dtype=np.int64)
    j = np.array([index[dst[k]] for k in kept], dtype=np.int64)
    d = directed[kept]
    lay = [layer[k] for k in kept]
    loops = i == j
    if loops.any():
        notes.append(f"dropped {int(loops.sum())} tie(s) of a clinician to themselves in {edges_path}")
        i, j, d = i[~loops], j[~loops], d[~loops]
        lay = [x for x, loop in zip(lay, loops, strict=True) if not loop]
    if i.shape[0] == 0:
        raise NetworkFileError(
            f"key 'network.edges': {edges_path}: no ties left"
            + (f" in layers {', '.join(present)}" if config.layers is not None else "")
            + " (an empty graph); the model needs colleagues to influence each other"
        )
    n = len(ids)
    edges, advisor = _merge_ties(i, j, d, n, config.advisor)
    lay_arr = np.array(lay)
    layers = {}
    layer_arcs = {}
    for name in present:
        mask = lay_arr == name
        layer_arcs[name] = int(mask.sum())
        low, high = np.minimum(i[mask], j[mask]), np.maximum(i[mask], j[mask])
        keys = np.unique(low * n + high)
        layers[name] = np.stack([keys // n, keys % n], axis=1)
    data = NetworkData(
        ids=ids, edges=edges, advisor=advisor, layers=layers, layer_arcs=layer_arcs, files=files, notes=notes
    )
    if node_table is not None and nodes_cfg is not None:
        _node_attributes(data, node_table, nodes_cfg)
    return data


def _text_number(text: str) -> str:
    """Layer labels compare as text, with '1.0' and '1' the same."""
    text = text.strip()
    if _is_number(text) and float(text).is_integer():
        return str(int(float(text)))
    return text


def _merge_ties(
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


def _node_attributes(data: NetworkData, table: Table, cfg) -> None:
    missing = set(cfg.missing)
    values = cfg.values

    def column(name: str) -> list[Any] | None:
        spec = getattr(cfg, name)
        if spec is None:
            return None
        key = f"network.nodes.{name}"
        cells = _cells(table, column_index(table, spec, key), key)
        mapping = _value_map(values, name)
        return [_mapped(c, mapping, missing) for c in cells]

    for name, names_attr in (("department", "department_names"), ("role", "role_names")):
        cells = column(name)
        if cells is None:
            continue
        labels = ["unknown" if c is None else _text(c) for c in cells]
        order = list(dict.fromkeys(labels))
        setattr(data, names_attr, order)
        setattr(data, name, np.array([order.index(x) for x in labels], dtype=np.int64))

    for name, low, high, what in (
        ("seniority", 0.0, 100.0, "years in practice, 0-100"),
        ("attitude", 1.0, 7.0, "attitude on the 1-7 scale"),
    ):
        cells = column(name)
        if cells is None:
            continue
        out = np.full(data.n, np.nan)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            if c is None:
                continue
            value = (
                c if isinstance(c, (int, float)) else _number(str(c), table.path, line, f"network.nodes.{name}", what)
            )
            if not low <= value <= high:
                raise NetworkFileError(
                    f"key 'network.nodes.{name}': {table.path}, line {line}: {value:g} is outside {what}"
                )
            out[k] = value
        setattr(data, name, out)

    cells = column("mode")
    if cells is not None:
        mode = np.full(data.n, -1, dtype=np.int8)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            if c is None:
                continue
            word = _text(c).strip().lower()
            if word in MODE_NAMES:
                mode[k] = MODE_NAMES.index(word)
            elif word in ("0", "1", "2"):
                mode[k] = int(word)
            else:
                raise NetworkFileError(
                    f"key 'network.nodes.mode': {table.path}, line {line}: {_text(c)!r} is not a mode; allowed: "
                    "none, verify, primary (or 0, 1, 2), a code of [network.nodes.values.mode], or a missing value"
                )
        data.mode = mode

    cells = column("adoption")
    if cells is not None:
        adoption = np.full(data.n, np.nan)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            if c is None:
                continue
            if isinstance(c, str) and c.strip().lower() == "never":
                adoption[k] = np.inf
                continue
            adoption[k] = (
                c
                if isinstance(c, (int, float))
                else _number(
                    str(c),
                    table.path,
                    line,
                    "network.nodes.adoption",
                    'adoption time; map codes with [network.nodes.values.adoption], e.g. 18 = "never", 99 = "missing"',
                )
            )
        data.adoption = adoption


# --------------------------------------------------------------------------
# the population a file network implies
# --------------------------------------------------------------------------
def population_for(population: PopulationConfig, data: NetworkData) -> PopulationConfig:
    """`population` with n, and (when the node table maps them) departments and roles, from the files."""
    from simulation.scenario.parameters import RoleConfig

    update: dict[str, Any] = {"n": data.n}
    if data.department is not None:
        counts = np.bincount(data.department, minlength=len(data.department_names))
        update["departments"] = {name: float(c) / data.n for name, c in zip(data.department_names, counts, strict=True)}
    if data.role is not None:
        counts = np.bincount(data.role, minlength=len(data.role_names))
        roles = {}
        for name, c in zip(data.role_names, counts, strict=True):
            known = population.roles.get(name)
            share = float(c) / data.n
            roles[name] = known.model_copy(update={"share": share}) if known else RoleConfig(share=share)
        update["roles"] = roles
    return population.model_copy(update=update)


def file_hashes(data: NetworkData) -> list[dict[str, str]]:
    """Path and SHA-256 of every file read, for manifest.json."""
    return [{"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in data.files]
