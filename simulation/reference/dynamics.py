"""Plain forms of three reference dynamics, one node at a time on a networkx graph, for the theory
checks (docs/VALIDATION.md; tests/test_reference_dynamics.py). They share no code with the model's
rules (`simulation.rules.textbook`, `simulation.rules.attitudes`).

- Hegselmann & Krause (2002) bounded confidence on a network: each node moves by `rate` toward the
  mean opinion of its neighbours within `bound` of its own (|x_j - x_i| <= bound), all at once.
- Independent cascade (Kempe, Kleinberg & Tardos 2003): every node activated in the previous round
  tries once to activate each inactive neighbour, succeeding with probability p.
- Voter model (Clifford & Sudbury 1973; Holley & Liggett 1975): each round every node, with
  probability `rate`, copies the state of a uniformly chosen neighbour, all at once.

Also the voter model's closed form (the consensus probability on a connected graph) and the exact
final-size distribution of an independent cascade on a small graph (by listing every live-edge graph).
"""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np


def hegselmann_krause_step(graph: nx.Graph, opinion: dict, bound: float, rate: float = 1.0) -> dict:
    """One synchronous bounded-confidence round; a node with no neighbour within `bound` keeps its opinion."""
    new = {}
    for node in graph.nodes:
        own = opinion[node]
        close = [opinion[other] for other in graph.neighbors(node) if abs(opinion[other] - own) <= bound]
        new[node] = own + rate * (sum(close) / len(close) - own) if close else own
    return new


def hegselmann_krause_path(graph: nx.Graph, x0: np.ndarray, bound: float, rate: float, steps: int) -> np.ndarray:
    """(steps + 1, n) opinions of nodes 0..n-1 from `x0`, one `hegselmann_krause_step` per row."""
    opinion = dict(enumerate(np.asarray(x0, dtype=float).tolist()))
    path = [[opinion[k] for k in range(len(x0))]]
    for _ in range(steps):
        opinion = hegselmann_krause_step(graph, opinion, bound, rate)
        path.append([opinion[k] for k in range(len(x0))])
    return np.array(path)


def independent_cascade(graph: nx.Graph, seeds: set, p: float, rng: random.Random) -> list[set]:
    """The active sets after each round, from the seeds until no one new is activated."""
    active = set(seeds)
    fresh = set(seeds)
    history = [set(active)]
    while fresh:
        reached = set()
        for node in fresh:
            for other in graph.neighbors(node):
                if other not in active and other not in reached and rng.random() < p:
                    reached.add(other)
        active |= reached
        fresh = reached
        history.append(set(active))
    return history


def cascade_size_distribution(graph: nx.Graph, seeds: set, p: float) -> dict[int, float]:
    """Exact P(final size = s) of an independent cascade: the nodes reachable from the seeds through
    the live ties, summed over all 2^m subsets of live ties (each tie live with probability p). For
    graphs with at most about 16 ties."""
    ties = list(graph.edges)
    distribution: dict[int, float] = {}
    for live in itertools.product((False, True), repeat=len(ties)):
        chosen = [tie for tie, on in zip(ties, live, strict=True) if on]
        weight = p ** len(chosen) * (1.0 - p) ** (len(ties) - len(chosen))
        alive = nx.Graph(chosen)
        alive.add_nodes_from(graph.nodes)
        reached = set(seeds)
        for seed in seeds:
            reached |= nx.node_connected_component(alive, seed)
        distribution[len(reached)] = distribution.get(len(reached), 0.0) + weight
    return distribution


def voter_consensus(graph: nx.Graph, state: dict, rate: float, rng: random.Random, max_rounds: int) -> tuple[int, int]:
    """Run the voter model until every node holds one state (or `max_rounds`); (that state or -1, rounds)."""
    for rounds in range(max_rounds + 1):
        values = set(state.values())
        if len(values) == 1:
            return values.pop(), rounds
        new = dict(state)
        for node in graph.nodes:
            neighbours = list(graph.neighbors(node))
            if neighbours and rng.random() < rate:
                new[node] = state[rng.choice(neighbours)]
        state = new
    return -1, max_rounds


def voter_consensus_probability(graph: nx.Graph, holders: set) -> float:
    """Closed form: on a connected graph the voter model ends with everyone in the state of
    `holders` with probability sum of their degrees / sum of all degrees (the degree-weighted share
    is a martingale; Donnelly & Welsh 1983)."""
    degree = dict(graph.degree)
    return sum(degree[node] for node in holders) / sum(degree.values())
