"""Stage 2 of reading a file network: the clinicians (`[network.nodes]`), their ids and attributes.

The node table is a delimited file (`network.nodes.file`), or a graph file's own nodes when
`[network.nodes]` is given without a file. Its rows are the clinicians, in row order; each id must
be non-empty and listed once. Without a node table the clinicians are the ids of the kept ties,
sorted (numerically when all are integers), and a graph file's nodes (isolates too) without
`[network.nodes]` are kept in the file's order.

Per mapped column a cell goes through `[network.nodes.values.<column>]` (codes to values; a numeric
cell also matches a numeric code) and is missing when it, or its value, is listed in
`network.nodes.missing` or is "missing". Departments and roles are labels in order of first
appearance (-1 where missing: drawn per replication, `simulation.population.fill_missing`);
seniority is years in practice (0-100), attitude the 1-7 scale, mode none/verify/primary (or 0/1/2),
threshold a fixed adoption threshold (a share of colleagues, 0-1), adoption an observed adoption time
("never" = never adopted).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.modes import MODE_NAMES
from simulation.network.tables import (
    NetworkFileError,
    Table,
    column,
    is_number,
    number,
    read_table,
    shown,
    some_of,
    text_of,
)

if TYPE_CHECKING:
    from simulation.network.edge_table import EdgeRows
    from simulation.scenario.network import NetworkConfig, NodeTableConfig

ADOPTION_WHAT = 'adoption time; map codes with [network.nodes.values.adoption], e.g. 18 = "never", 99 = "missing"'


def read_nodes(config: NetworkConfig, graph_nodes: Table | None) -> Table | None:
    """The node table: `network.nodes.file`, else a graph file's nodes under `[network.nodes]`, else None."""
    nodes_cfg = config.nodes
    if nodes_cfg is None:
        return None
    if nodes_cfg.file is None:
        return graph_nodes
    specs = [
        nodes_cfg.id,
        nodes_cfg.department,
        nodes_cfg.role,
        nodes_cfg.seniority,
        nodes_cfg.attitude,
        nodes_cfg.mode,
        nodes_cfg.adoption,
        nodes_cfg.threshold,
    ]
    named = any(isinstance(s, str) for s in specs if s is not None)
    id_columns = [nodes_cfg.id - 1] if isinstance(nodes_cfg.id, int) else []
    return read_table(
        Path(nodes_cfg.file),
        "network.nodes.file",
        nodes_cfg.delimiter,
        nodes_cfg.header,
        named,
        config.comment,
        id_columns,
    )


def node_ids(config: NetworkConfig, table: Table | None, edges: EdgeRows) -> list[str]:
    """The clinicians' ids, clinician k's at position k (see the module docstring for the order)."""
    if table is not None and config.nodes is not None:
        ids = column(table, config.nodes.id, "network.nodes.id")
        seen: dict[str, int] = {}
        duplicates = []
        for node_id, line in zip(ids, table.lines, strict=True):
            if node_id == "":
                raise NetworkFileError(f"key 'network.nodes.id': {table.path}, line {line}: empty node id")
            if node_id in seen and node_id not in duplicates:
                duplicates.append(node_id)
            seen.setdefault(node_id, line)
        if duplicates:
            raise NetworkFileError(
                f"key 'network.nodes.id': {table.path}: {len(duplicates)} node id{'s are' if len(duplicates) > 1 else ' is'} "
                f"listed more than once: {some_of(duplicates)}; each clinician needs one row"
            )
        return list(ids)
    if edges.graph_nodes is not None:
        return [row[0] for row in edges.graph_nodes.rows]
    return edges.kept_ids()


def _value_map(config_values: dict[str, dict[str, Any]], attribute: str) -> dict[str, Any]:
    return {str(k).strip(): v for k, v in (config_values.get(attribute) or {}).items()}


def _mapped(cell: str, mapping: dict[str, Any], missing: set[str]) -> Any:
    """A cell through the value map; None when it means missing."""
    text = cell.strip()
    if text in mapping:
        value = mapping[text]
    elif is_number(text) and mapping:
        numeric = {float(k): v for k, v in mapping.items() if is_number(k)}
        value = numeric.get(float(text), text)
    else:
        value = text
    if isinstance(value, str) and (value.strip() in missing or value.strip().lower() == "missing"):
        return None
    return value


def node_attributes(table: Table, cfg: NodeTableConfig, n: int) -> dict[str, Any]:
    """The `NetworkData` fields the node table's mapped columns give (department, role, seniority, ...)."""
    missing = set(cfg.missing)
    out: dict[str, Any] = {}

    def values_of(name: str) -> list[Any] | None:
        spec = getattr(cfg, name)
        if spec is None:
            return None
        cells = column(table, spec, f"network.nodes.{name}")
        mapping = _value_map(cfg.values, name)
        return [_mapped(c, mapping, missing) for c in cells]

    for name in ("department", "role"):
        cells = values_of(name)
        if cells is None:
            continue
        labels = [None if c is None else text_of(c) for c in cells]
        order = list(dict.fromkeys(x for x in labels if x is not None))
        if not order:  # every cell missing: as if the column were not mapped
            continue
        index = {label: k for k, label in enumerate(order)}
        out[f"{name}_names"] = order
        out[name] = np.array([-1 if x is None else index[x] for x in labels], dtype=np.int64)

    for name, low, high, what in (
        ("seniority", 0.0, 100.0, "years in practice, 0-100"),
        ("attitude", 1.0, 7.0, "attitude on the 1-7 scale"),
        ("threshold", 0.0, 1.0, "adoption threshold, a share of colleagues 0-1"),
    ):
        cells = values_of(name)
        if cells is None:
            continue
        scale = np.full(n, np.nan)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            if c is None:
                continue
            value = (
                c if isinstance(c, (int, float)) else number(str(c), table.path, line, f"network.nodes.{name}", what)
            )
            if not low <= value <= high:
                raise NetworkFileError(
                    f"key 'network.nodes.{name}': {table.path}, line {line}: {value:g} is outside {what}"
                )
            scale[k] = value
        out[name] = scale

    cells = values_of("mode")
    if cells is not None:
        out["mode"] = _modes(cells, table, n)

    cells = values_of("adoption")
    if cells is not None:
        adoption = np.full(n, np.nan)
        for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
            if c is None:
                continue
            if isinstance(c, str) and c.strip().lower() == "never":
                adoption[k] = np.inf
                continue
            adoption[k] = (
                c
                if isinstance(c, (int, float))
                else number(str(c), table.path, line, "network.nodes.adoption", ADOPTION_WHAT)
            )
        out["adoption"] = adoption
    return out


def known_shares(labels: np.ndarray, count: int) -> np.ndarray:
    """Shares of the `count` labels among the known (>= 0) entries of `labels`: the shares with which
    the missing entries are drawn (`simulation.population.fill_missing`)."""
    counts = np.bincount(labels[labels >= 0], minlength=count).astype(float)
    return counts / counts.sum()


def _modes(cells: list[Any], table: Table, n: int) -> np.ndarray:
    """Initial modes of AI use (0/1/2 = none/verify/primary), -1 where missing."""
    mode = np.full(n, -1, dtype=np.int8)
    for k, (c, line) in enumerate(zip(cells, table.lines, strict=True)):
        if c is None:
            continue
        word = text_of(c).strip().lower()
        if word in MODE_NAMES:
            mode[k] = MODE_NAMES.index(word)
        elif word in ("0", "1", "2"):
            mode[k] = int(word)
        else:
            raise NetworkFileError(
                f"key 'network.nodes.mode': {table.path}, line {line}: {shown(text_of(c))} is not a mode; allowed: "
                "none, verify, primary (or 0, 1, 2), a code of [network.nodes.values.mode], or a missing value"
            )
    return mode
