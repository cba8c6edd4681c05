"""The professional network of a hospital: teams inside departments, a share of ties across, and a
few opinion leaders with a heavy-tailed advice in-degree.

Generator (a degree-corrected block model with triadic closure), for `n` clinicians with given
departments:

1. Each department is cut into teams of about `team_size` (wards, services).
2. Each clinician gets a prominence weight w ~ Pareto(`leader_tail`) (mean-normalised). Ties are drawn
   as pairs whose first end is every clinician once (so almost nobody is isolated: only a tie to
   oneself, which is dropped, leaves a clinician alone; 0-3 in 500) and then clinicians
   chosen with probability proportional to w, and whose second end is
   drawn, also proportionally to w, from the same team (a share `team_share` of within-department
   ties), from the rest of the same department, or from another department (a share
   `cross_department_share` of all ties). Duplicates and self-ties are dropped.
3. A share `closure_share` of the ties closes triangles (a colleague of a colleague), which gives
   the clustering of real clinician networks whatever the hospital's size.
4. Each tie carries an advice direction: the less prominent clinician seeks advice from the more
   prominent one with probability w_j / (w_i + w_j). A clinician's advice in-degree is how many
   colleagues seek their advice: heavy-tailed, a few opinion leaders (CKM advice layer: max 20 vs
   mean 2).

Defaults give, at 500 clinicians, mean degree about 8, average clustering about 0.3 (transitivity
about 0.23) and about 17 % of ties across departments (checked in tests), close to published clinician
networks: mean degree 6-10 and clustering 0.2-0.35 (the Coleman-Katz-Menzel physicians, Coleman, Katz &
Menzel 1966: the three layers merged have mean degree 7.5, clustering 0.20-0.31 per layer, advice
in-degree max 20 against mean 2), with ties mostly local (same-clinic pairs 5 times as likely to
discuss cases, Keating et al. 2007, J Gen Intern Med 22:794; docs/MODEL.md section 7.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import scipy.sparse as sp

from simulation.fast.arcs import mode_counts as count_modes
from simulation.network.influence import influence_of

if TYPE_CHECKING:
    from simulation.scenario.network import NetworkConfig


@dataclass
class HospitalNetwork:
    """An undirected tie list with advice directions, as arrays.

    `edges` holds each tie once as (i, j) with i < j; `advisor` is, per tie, the index of the
    clinician whose advice the other seeks; `hearing` (None: 1 both ways), per tie, the weight with
    which i hears j and j hears i in the influence rules (`influence`, `simulation.network.influence`).
    """

    n: int
    edges: np.ndarray  # (E, 2) int64
    advisor: np.ndarray  # (E,) int64
    team: np.ndarray  # (n,) int64
    hearing: np.ndarray | None = None  # (E, 2) float: weight of j in i's influence, of i in j's

    def __post_init__(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Derive the adjacency, degrees and arcs from `edges` and `advisor` (after they change).

        The adjacency (CSR, sorted columns) is built by one sort of int64 keys; the directed arcs are
        its entries in CSR order (`arc_source` ascending), int32 when that fits: memory linear in
        ties, no Python objects (docs/PERFORMANCE.md)."""
        n = self.n
        self._mode_cache: tuple[np.ndarray, np.ndarray] | None = None
        self.version = getattr(self, "version", -1) + 1  # how many times the ties changed (batches rebuild theirs)
        index_type = np.int32 if n < 2**31 - 1 else np.int64
        i, j = self.edges[:, 0].astype(np.int64), self.edges[:, 1].astype(np.int64)
        keys = np.sort(np.concatenate([i * n + j, j * n + i]))
        distinct = np.ones(keys.shape[0], dtype=bool)
        distinct[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(distinct)
        weight = np.diff(np.append(starts, keys.shape[0])).astype(np.float64)  # a tie listed twice weighs 2
        keys = keys[starts]
        rows: np.ndarray = (keys // n).astype(index_type)
        indptr = np.zeros(n + 1, dtype=index_type)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        self.adjacency = sp.csr_array((weight, (keys % n).astype(index_type), indptr), shape=(n, n))
        self.weighted = bool(np.any(weight != 1.0))  # some tie listed twice: compiled passes read the weights
        self.degree = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
        self.degree_float = self.degree.astype(np.float64)
        self.isolated = self.degree == 0  # clinicians with no colleague
        self.advice_in_degree = np.bincount(self.advisor, minlength=n)
        # Directed arcs (rater -> ratee) for per-tie rules: both directions of every tie, in CSR order.
        self.arc_source = rows
        self.arc_target = self.adjacency.indices
        self.influence = influence_of(self)  # whom each clinician hears, with what weight

    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    def add_ties(self, pairs: np.ndarray, advisor: np.ndarray) -> int:
        """Add the ties in `pairs` ((k, 2) clinician indices) that do not exist yet; return how many.

        `advisor` gives, per pair, the clinician whose advice the other seeks. Derived arrays
        (adjacency, degree, arcs) are rebuilt; a pair listed twice is added once.
        """
        if len(pairs) == 0:
            return 0
        pairs = np.sort(np.asarray(pairs, dtype=np.int64), axis=1)
        keep = (pairs[:, 0] != pairs[:, 1]) & (self.adjacency[pairs[:, 0], pairs[:, 1]] == 0)
        pairs, advisor = pairs[keep], np.asarray(advisor, dtype=np.int64)[keep]
        _, first = np.unique(pairs[:, 0] * self.n + pairs[:, 1], return_index=True)
        pairs, advisor = pairs[np.sort(first)], advisor[np.sort(first)]
        if len(pairs) == 0:
            return 0
        self.edges = np.concatenate([self.edges, pairs])
        self.advisor = np.concatenate([self.advisor, advisor])
        if self.hearing is not None:  # new ties are heard both ways with weight 1
            self.hearing = np.concatenate([self.hearing, np.ones((len(pairs), 2))])
        self.rebuild()
        return int(len(pairs))

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of `values` over each clinician's colleagues (0 for isolates)."""
        sums = self.adjacency @ values
        return np.divide(sums, self.degree, out=np.zeros(self.n), where=~self.isolated)

    def mode_counts(self, mode: np.ndarray) -> np.ndarray:
        """(n, 3): how many colleagues of each clinician are in each mode (ties listed twice count twice).

        One compiled pass over the ties. The result is kept for the last mode array seen, so the
        end-of-step statistics and the next step's anticipation share it while nobody changes mode
        in between.
        """
        cached = getattr(self, "_mode_cache", None)
        if cached is not None and cached[0].shape == mode.shape and np.array_equal(cached[0], mode):
            return cached[1]
        counts = count_modes(self.adjacency.indptr, self.adjacency.indices, self.adjacency.data, self.weighted, mode)
        self.keep_mode_counts(mode, counts)
        return counts

    def keep_mode_counts(self, mode: np.ndarray, counts: np.ndarray) -> None:
        """Remember `counts` as the colleagues per mode for this `mode` array (see `mode_counts`)."""
        self._mode_cache = (mode.copy(), counts)

    def to_networkx(self) -> nx.Graph:
        """The network as a networkx graph with integer nodes 0..n-1."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(self.edges.tolist())
        return graph


def _teams(department: np.ndarray, team_size: int) -> np.ndarray:
    """Team ids: each department's members (in index order) cut into consecutive teams."""
    team = np.empty(department.shape[0], dtype=np.int64)
    next_team = 0
    for d in np.unique(department):
        members = np.flatnonzero(department == d)
        k = max(1, round(members.shape[0] / team_size))
        team[members] = next_team + (np.arange(members.shape[0]) * k) // members.shape[0]
        next_team += k
    return team


def _draw_within(groups: np.ndarray, weight: np.ndarray, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each clinician in `first`, a partner from the same group, drawn proportionally to weight."""
    order = _stable_order(groups, int(groups.max()) + 1 if groups.size else 1)
    cum = np.cumsum(weight[order])
    sorted_groups = groups[order]
    starts = np.searchsorted(sorted_groups, groups[first], side="left")
    ends = np.searchsorted(sorted_groups, groups[first], side="right")
    low = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    high = cum[ends - 1]
    u = low + rng.random(first.shape[0]) * (high - low)
    pos = np.minimum(np.searchsorted(cum, u, side="right"), ends - 1)
    return order[pos]


def _draw_across(department: np.ndarray, weight: np.ndarray, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each clinician in `first`, a partner anywhere, drawn proportionally to weight (same department allowed only if no other exists)."""
    cum = np.cumsum(weight)
    partner = np.searchsorted(cum, rng.random(first.shape[0]) * cum[-1], side="right")
    for _ in range(5):  # redraw partners that landed in the same department
        same = department[partner] == department[first]
        if not same.any():
            break
        partner[same] = np.searchsorted(cum, rng.random(int(same.sum())) * cum[-1], side="right")
    return np.minimum(partner, weight.shape[0] - 1)


def _unique_ties(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """Sorted, de-duplicated (i < j) tie array without self-ties.

    A sort and a comparison of neighbours rather than `np.unique`, whose hash-based path is two
    orders of magnitude slower on millions of keys (same result)."""
    keep = i != j
    low = np.minimum(i[keep], j[keep])
    high = np.maximum(i[keep], j[keep])
    keys = np.sort(low * n + high)
    if keys.shape[0]:
        first = np.ones(keys.shape[0], dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        keys = keys[first]
    return np.stack([keys // n, keys % n], axis=1)


def _stable_order(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """`np.argsort(keys, kind="stable")` for integer keys in [0, n_keys), by sorting key * size + position
    (one plain sort of int64 values is several times faster than a stable argsort; same result)."""
    size = keys.shape[0]
    if n_keys * max(size, 1) >= 2**62:
        return np.argsort(keys, kind="stable")
    combined = np.sort(keys.astype(np.int64) * size + np.arange(size, dtype=np.int64))
    return combined % size if size else combined


def _close_triads(edges: np.ndarray, n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Add up to `count` ties that close triangles: a random tie i-m, then a random colleague j of m, tie i-j.

    Repeated a few times so that ties lost as duplicates are replaced.
    """
    target = edges.shape[0] + max(count, 0)
    for _ in range(4):
        missing = target - edges.shape[0]
        if missing <= 0:
            break
        src = np.concatenate([edges[:, 0], edges[:, 1]])
        dst = np.concatenate([edges[:, 1], edges[:, 0]])
        order = _stable_order(src, n)
        src, dst = src[order], dst[order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
        pick = rng.integers(0, src.shape[0], missing)
        i, m = src[pick], dst[pick]
        offset = (rng.random(missing) * (indptr[m + 1] - indptr[m])).astype(np.int64)
        j = dst[indptr[m] + offset]
        edges = _add_unique_ties(edges, i, j, n)
    return edges


def _add_unique_ties(edges: np.ndarray, i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """`_unique_ties` of `edges` (already sorted and unique, i < j) plus the pairs (i, j): the new
    pairs are de-duplicated, those already tied dropped, and the rest inserted in order (the same
    array as sorting everything again, without sorting the existing ties)."""
    existing = edges[:, 0] * n + edges[:, 1]
    new = _unique_ties(i, j, n)
    if new.shape[0] == 0:
        return edges
    keys = new[:, 0] * n + new[:, 1]
    position = np.searchsorted(existing, keys)
    present = np.zeros(keys.shape[0], dtype=bool)
    inside = position < existing.shape[0]
    present[inside] = existing[position[inside]] == keys[inside]
    merged = np.insert(existing, position[~present], keys[~present])
    return np.stack([merged // n, merged % n], axis=1)


def generate_hospital_network(
    config: NetworkConfig, department: np.ndarray, rng: np.random.Generator
) -> HospitalNetwork:
    """Draw a hospital network for clinicians with the given department ids."""
    n = int(department.shape[0])
    team = _teams(department, config.team_size)
    weight = rng.pareto(config.leader_tail, n) + 1.0
    weight /= weight.mean()

    target_ties = int(round(n * config.mean_degree / 2 * (1.0 - config.closure_share)))
    n_cross = int(round(target_ties * config.cross_department_share))
    n_within = target_ties - n_cross
    n_team = int(round(n_within * config.team_share))
    n_dept = n_within - n_team

    cum = np.cumsum(weight)

    # Every clinician starts at least one tie (no isolates); the rest start in proportion to weight.
    starters = np.concatenate(
        [
            rng.permutation(n),
            np.minimum(np.searchsorted(cum, rng.random(max(target_ties - n, 0)) * cum[-1], side="right"), n - 1),
        ]
    )[:target_ties]
    used = 0

    def firsts(count: int) -> np.ndarray:
        nonlocal used
        chosen = starters[used : used + count]
        used += count
        return chosen

    parts_i, parts_j = [], []
    for count, draw in (
        (n_team, lambda f: _draw_within(team, weight, f, rng)),
        (n_dept, lambda f: _draw_within(department, weight, f, rng)),
        (n_cross, lambda f: _draw_across(department, weight, f, rng)),
    ):
        f = firsts(count)
        parts_i.append(f)
        parts_j.append(draw(f))
    edges = _unique_ties(np.concatenate(parts_i), np.concatenate(parts_j), n)

    edges = _close_triads(edges, n, int(round(n * config.mean_degree / 2)) - edges.shape[0], rng)

    wi, wj = weight[edges[:, 0]], weight[edges[:, 1]]
    j_advises = rng.random(edges.shape[0]) < wj / (wi + wj)
    advisor = np.where(j_advises, edges[:, 1], edges[:, 0])
    return HospitalNetwork(n=n, edges=edges, advisor=advisor, team=team)


def build_network(config: NetworkConfig, department: np.ndarray, rng: np.random.Generator) -> HospitalNetwork:
    """The network `config.generator` asks for (see `simulation.network.theory` for the textbook ones)."""
    from simulation.network import theory as theory_networks

    if config.generator == "complete":
        return theory_networks.complete_network(department, rng)
    if config.generator == "random":
        return theory_networks.random_network(department, config.mean_degree, rng)
    return generate_hospital_network(config, department, rng)
