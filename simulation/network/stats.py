"""Descriptive statistics of a clinician network: what a researcher reports about a network first.

For the network a scenario runs on (read from files, or replication 0's generated network), as ties
without direction: clinicians, ties, mean degree, average clustering (nodes with fewer than two
colleagues count as 0, as in networkx), transitivity, connected components, the share of clinicians
in the largest one, isolates, and the largest advice in-degree. For a network read from files with
layers, also per layer the rows kept (directed arcs or undirected ties) and the undirected ties, and
for each pair of layers their overlap: the Jaccard index of their tie sets (ties in both / ties in
either).

`describe_network` gives a dict (manifest.json); `network_frame` the long table `network.csv` of a
run folder (scenario, layer, other_layer, statistic, value), which the report reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from simulation.network.hospital import HospitalNetwork

STATISTICS = (
    "clinicians",
    "ties",
    "mean_degree",
    "clustering",
    "transitivity",
    "components",
    "largest_component_share",
    "isolates",
    "max_advice_in_degree",
)
COLUMNS = ["scenario", "layer", "other_layer", "statistic", "value"]


def _adjacency(n: int, edges: np.ndarray) -> sp.csr_array:
    i, j = edges[:, 0], edges[:, 1]
    a = sp.csr_array((np.ones(2 * i.shape[0]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n))
    a.data[:] = 1.0
    return a


def describe_network(
    network: HospitalNetwork,
    layers: Mapping[str, np.ndarray] | None = None,
    layer_arcs: Mapping[str, int] | None = None,
    layer_names: Mapping[str, str] | None = None,
) -> dict:
    """Statistics of `network` (and of its `layers`: label -> (E, 2) ties), as plain numbers."""
    n = network.n
    adjacency = _adjacency(n, network.edges) if network.n_edges else sp.csr_array((n, n))
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    triangles = np.asarray((adjacency @ adjacency).multiply(adjacency).sum(axis=1)).ravel() / 2.0
    pairs = degree * (degree - 1) / 2.0
    local = np.divide(triangles, pairs, out=np.zeros(n), where=pairs > 0)
    n_components, labels = connected_components(adjacency, directed=False)
    sizes = np.bincount(labels)
    stats: dict = {
        "clinicians": int(n),
        "ties": int(network.n_edges),
        "mean_degree": float(degree.mean()) if n else 0.0,
        "clustering": float(local.mean()) if n else 0.0,
        "transitivity": float(triangles.sum() / pairs.sum()) if pairs.sum() > 0 else 0.0,
        "components": int(n_components),
        "largest_component_share": float(sizes.max() / n) if n else 0.0,
        "isolates": int((degree == 0).sum()),
        "max_advice_in_degree": int(network.advice_in_degree.max()) if n else 0,
    }
    if layers:
        names = {str(k): str(v) for k, v in (layer_names or {}).items()}
        label = {layer: names.get(layer, layer) for layer in layers}
        keys = {layer: set((ties[:, 0] * n + ties[:, 1]).tolist()) for layer, ties in layers.items()}
        stats["layers"] = {
            label[layer]: {"rows": int((layer_arcs or {}).get(layer, len(keys[layer]))), "ties": len(keys[layer])}
            for layer in layers
        }
        stats["layer_overlap"] = [
            {
                "layer": label[a],
                "other_layer": label[b],
                "jaccard": len(keys[a] & keys[b]) / len(keys[a] | keys[b]) if keys[a] | keys[b] else 0.0,
            }
            for a, b in combinations(layers, 2)
        ]
    return stats


def network_frame(by_scenario: Mapping[str, Mapping]) -> pd.DataFrame:
    """network.csv: one row per scenario and statistic (layer rows and pairwise layer overlaps too)."""
    rows = []
    for scenario, stats in by_scenario.items():
        for name in STATISTICS:
            if name in stats:
                rows.append([scenario, "", "", name, stats[name]])
        for layer, values in stats.get("layers", {}).items():
            rows.append([scenario, layer, "", "rows", values["rows"]])
            rows.append([scenario, layer, "", "ties", values["ties"]])
        for pair in stats.get("layer_overlap", []):
            rows.append([scenario, pair["layer"], pair["other_layer"], "jaccard", pair["jaccard"]])
    return pd.DataFrame(rows, columns=COLUMNS)


def model_network_statistics(model) -> dict:
    """`describe_network` of a model's network at the start, with the layers when read from files."""
    config = model.config.network
    if config.generator == "file":
        from simulation.network.files import read_network_files

        data = read_network_files(config)
        return describe_network(model.network, data.layers, data.layer_arcs, config.layer_names)
    return describe_network(model.network)
