"""Networks and clinicians read from files: `[network] generator = "file"` (docs/SCENARIOS.md).

An edge list (CSV, TSV, whitespace-separated or .xlsx, optional header, with optional layer, weight
and direction columns), a GraphML, GEXF, Pajek or UCINET DL file gives the ties; an optional node table (`[network.nodes]`)
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
modification times). Problems raise `NetworkFileError` (a `DataFileError`; `MissingDataFileError`, a
`MissingDataError`, for a file that is not there) naming the data file, the scenario key and what is
allowed; the scenario loader adds the scenario file and turns it into a `ScenarioError`.

The reading is a pipeline of stages, one module each:
  tables.py         delimited text tables, columns, numbers, and the error types
  arrow_table.py    big edge lists parsed with pyarrow.csv, the same table as tables.py
  xlsx_table.py     an .xlsx sheet (node table, staff roster) as a table
  columns.py        a column coded as its distinct texts and one code per row
  edge_table.py     the edge rows: ids, layers, weights, directions (`network.edges`, ...)
  graph_formats.py  graph files as edge and node tables: GraphML / GEXF (networkx), Pajek
                    (pajek.py), UCINET DL (ucinet_dl.py)
  node_table.py     the clinicians: ids, departments, roles, seniority, attitude, mode, adoption
  ties.py           unknown ids, self-loops, merging into one network, each layer's ties
This module runs them (`read_network_files`), caches the result, and derives the population
(`population_for`) and the files' hashes (`file_hashes`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.network.edge_table import read_edges
from simulation.network.node_table import known_shares, node_attributes, node_ids, read_nodes
from simulation.network.tables import MissingDataFileError, NetworkFileError
from simulation.network.ties import merge_rows

if TYPE_CHECKING:
    from simulation.network.hospital import HospitalNetwork
    from simulation.scenario.network import NetworkConfig
    from simulation.scenario.parameters import PopulationConfig

__all__ = [
    "MissingDataFileError",
    "NetworkData",
    "NetworkFileError",
    "file_hashes",
    "population_for",
    "read_network_files",
]


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
    threshold: np.ndarray | None = None  # fixed adoption threshold 0-1, NaN = drawn
    hearing: np.ndarray | None = None  # (E, 2) influence weights per tie end (`network.influence`), None = 1 both ways
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    def network(self, rng: np.random.Generator) -> HospitalNetwork:
        """The in-memory network; advisors of undirected and mutual ties drawn with `rng` (degree rule)."""
        from simulation.network.hospital import HospitalNetwork

        edges = self.edges
        degree = np.bincount(edges.ravel(), minlength=self.n).astype(float)
        di, dj = degree[edges[:, 0]], degree[edges[:, 1]]
        j_advises = rng.random(edges.shape[0]) < dj / (di + dj)
        drawn = np.where(j_advises, edges[:, 1], edges[:, 0])
        advisor = np.where(self.advisor >= 0, self.advisor, drawn)
        team = self.department if self.department is not None else np.zeros(self.n, dtype=np.int64)
        return HospitalNetwork(
            n=self.n, edges=edges.copy(), advisor=advisor, team=team.astype(np.int64), hearing=self.hearing
        )

    def given(self) -> dict[str, np.ndarray]:
        """Node attributes read from the node table, for `population.draw_population(given=...)`."""
        out = {}
        for name in ("role", "seniority", "attitude", "mode"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def read_network_files(config: NetworkConfig) -> NetworkData:
    """Parse the files of a `generator = "file"` network section (cached per process)."""
    if config.edges is None:
        raise NetworkFileError(
            "key 'network.edges' is required with generator = \"file\" (the edge list, GraphML, GEXF, Pajek or DL file)"
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
    """The stages in order: edge rows, node table, clinician ids, merged ties, node attributes."""
    rows = read_edges(config)
    node_table = read_nodes(config, rows.graph_nodes)
    ids = node_ids(config, node_table, rows)
    ties = merge_rows(config, rows, ids, node_table.path if node_table is not None else None)
    files = [rows.path]
    if config.nodes is not None and config.nodes.file is not None:
        files.append(Path(config.nodes.file))
    attributes: dict[str, Any] = {}
    if node_table is not None and config.nodes is not None:
        attributes = node_attributes(node_table, config.nodes, len(ids))
    return NetworkData(
        ids=ids,
        edges=ties.edges,
        advisor=ties.advisor,
        layers=ties.layers,
        layer_arcs=ties.layer_arcs,
        hearing=ties.hearing,
        files=files,
        notes=ties.notes,
        **attributes,
    )


def population_for(population: PopulationConfig, data: NetworkData) -> PopulationConfig:
    """`population` with n, and (when the node table maps them) departments and roles, from the files."""
    from simulation.scenario.parameters import RoleConfig

    update: dict[str, Any] = {"n": data.n}
    if data.department is not None:  # shares of the known cells (missing ones are drawn with them)
        shares = known_shares(data.department, len(data.department_names))
        update["departments"] = {name: float(c) for name, c in zip(data.department_names, shares, strict=True)}
    if data.role is not None:
        roles = {}
        for name, c in zip(data.role_names, known_shares(data.role, len(data.role_names)), strict=True):
            known = population.roles.get(name)
            share = float(c)
            roles[name] = known.model_copy(update={"share": share}) if known else RoleConfig(share=share)
        update["roles"] = roles
    return population.model_copy(update=update)


def file_hashes(data: NetworkData) -> list[dict[str, str]]:
    """Path and SHA-256 of every file read, for manifest.json."""
    return [{"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in data.files]
