"""Who hears whom, and how much: the ties as the influence rules read them (docs/MODEL.md 7.5, 7.7).

Row i of the influence matrix lists the colleagues j whose attitude and use of AI clinician i hears
of, with a weight w_ij > 0. These rules read it:

- the share of colleagues using AI (social proof in the choice, the Bass hazard, the threshold
  rule's exposure, the exposure at adoption): sum_j w_ij [j uses AI] / sum_j w_ij;
- the colleagues' mean attitude and mean penalty multiplier of the anticipated social cost;
- the bounded-confidence pull of the attitude rule: colleague j weighs w_ij times their
  `influence_weight`.

Peer judgment (every colleague on a tie may see and rate the clinician, whatever its direction or
weight: the rating model was fitted to one rating per rater), the incidents colleagues hear of, the
network statistics and the targeting rules read the undirected ties (`HospitalNetwork.adjacency`).

Without weights or one-way ties (`HospitalNetwork.hearing` None: every tie both ways with weight 1)
the influence matrix is the adjacency itself, and every rule computes exactly what it computed
before influence could be weighted. A file network gives `hearing` (`simulation.network.ties`) when
`network.weight` gives weights other than 1, or `network.influence = "from_advisor"` makes directed
ties one-way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from simulation.network.hospital import HospitalNetwork


@dataclass(frozen=True)
class Influence:
    """The influence matrix (CSR, sorted columns; row i = whom i hears, data = weights), whether the
    compiled passes must read its weights (`weighted`), whether the bounded-confidence weights are
    multiplied by them (`by_tie_weight`: not for the adjacency, where a weight only counts a tie
    listed twice), and who hears nobody (`deaf`, an empty row)."""

    matrix: sp.csr_array
    weighted: bool
    by_tie_weight: bool
    deaf: np.ndarray

    @property
    def is_adjacency(self) -> bool:
        return not self.by_tie_weight


def influence_of(network: HospitalNetwork) -> Influence:
    """The influence of `network`: its adjacency when `hearing` is None, else the matrix with
    entry (i, j) = hearing[e, 0] and (j, i) = hearing[e, 1] for tie e = (i, j); zero weights dropped."""
    if network.hearing is None:
        return Influence(network.adjacency, network.weighted, False, network.isolated)
    n = network.n
    i, j = network.edges[:, 0].astype(np.int64), network.edges[:, 1].astype(np.int64)
    rows, cols = np.concatenate([i, j]), np.concatenate([j, i])
    weight = np.concatenate([network.hearing[:, 0], network.hearing[:, 1]]).astype(np.float64)
    heard = weight > 0
    rows, cols, weight = rows[heard], cols[heard], weight[heard]
    order = np.argsort(rows * n + cols, kind="stable")
    rows, cols, weight = rows[order], cols[order], weight[order]
    index_type = network.adjacency.indices.dtype
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_array((weight, cols.astype(index_type), indptr), shape=(n, n))
    return Influence(matrix, True, True, np.diff(indptr) == 0)


def hearing_of_arcs(
    edges: np.ndarray,
    hearer: np.ndarray,
    speaker: np.ndarray,
    weight: np.ndarray,
    n: int,
    tie: np.ndarray | None = None,
) -> np.ndarray | None:
    """Per tie of `edges` ((E, 2), i < j, sorted and unique), the weight with which each end hears
    the other: column 0 = i hears j, column 1 = j hears i; 0 where no arc says so. Each arc
    (`hearer` hears `speaker` with `weight`) given several times weighs its heaviest. `tie`: each
    arc's row in `edges` when the caller knows it (else found by search). None when every tie is
    heard both ways with weight 1 (the influence is the adjacency)."""
    low, high = np.minimum(hearer, speaker), np.maximum(hearer, speaker)
    if tie is None:
        keys = edges[:, 0].astype(np.int64) * n + edges[:, 1]
        tie = np.searchsorted(keys, low * n + high)
    cell = 2 * tie + (hearer == high)  # column 0: the lower index hears, 1: the higher one does
    hearing = np.zeros(2 * edges.shape[0])
    np.maximum.at(hearing, cell, weight)  # flat cells: several times faster than a (row, column) pair
    hearing = hearing.reshape(-1, 2)
    if np.all(hearing == 1.0):
        return None
    return hearing


def joined_hearing(networks: Sequence[HospitalNetwork]) -> np.ndarray | None:
    """The `hearing` of the block-diagonal network of `networks` (their ties end to end): None when
    none has one, else each network's (ones for those without)."""
    if all(network.hearing is None for network in networks):
        return None
    return np.concatenate(
        [network.hearing if network.hearing is not None else np.ones((network.n_edges, 2)) for network in networks]
    )


def heard_mean(network: HospitalNetwork, values: np.ndarray) -> np.ndarray:
    """Weighted mean of `values` over the colleagues each clinician hears (0 for those who hear
    nobody); `HospitalNetwork.neighbour_mean` when the influence is the adjacency."""
    influence = network.influence
    if influence.is_adjacency:
        return network.neighbour_mean(values)
    matrix = influence.matrix
    total = matrix @ np.ones(network.n)
    return np.divide(matrix @ values, total, out=np.zeros(network.n), where=~influence.deaf)
