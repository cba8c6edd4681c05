"""Reference dynamics: Hegselmann-Krause bounded confidence, the independent cascade and the voter
model, reached through scenario keys on graphs generated here and written as files (docs/VALIDATION.md
sections 1.4-1.6).

References do not use the model's code: plain per-node forms on networkx graphs
(`simulation.reference.dynamics`), the exact final-size distribution of a cascade on a small graph
(every live-edge graph listed) and the voter model's consensus probability (degree-weighted share).
Stochastic tolerances are 4 standard errors of the replication counts.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.experiments.reference_dynamics import (
    adoption_sections,
    bounded_confidence_sections,
    cascade_sizes,
    final_users,
    graph_scenario,
    opinion_groups,
    seed_modes,
    voter_outcomes,
)
from simulation.experiments.validation import run_degroot
from simulation.model import ClinicianModel
from simulation.reference.dynamics import (
    cascade_size_distribution,
    hegselmann_krause_path,
    independent_cascade,
    voter_consensus,
    voter_consensus_probability,
)


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(
    n=st.integers(10, 40),
    density=st.floats(0.05, 0.5),
    bound=st.floats(0.2, 3.0),
    rate=st.floats(0.1, 1.0),
    seed=st.integers(0, 10_000),
)
def test_attitude_rule_is_hegselmann_krause_on_unseen_graphs(n, density, bound, rate, seed):
    graph = nx.gnp_random_graph(n, density, seed=seed)
    x0 = np.random.default_rng(seed).uniform(1.0, 7.0, n)
    with tempfile.TemporaryDirectory() as folder:
        scenario = graph_scenario(Path(folder), graph, bounded_confidence_sections(bound, rate, 15), attitude=x0)
        _, start, _, path = run_degroot(scenario, 0, steps=15)
    assert np.array_equal(start, x0)  # the node table's attitudes, every digit
    assert np.abs(path - hegselmann_krause_path(graph, x0, bound, rate, 15)).max() <= 1e-12


def test_bounded_confidence_forms_the_reference_clusters(tmp_path):
    # On a dense random graph with a narrow bound attitudes split into several stable clusters; the
    # model and the plain form agree on every clinician, and the bound matters (full confidence
    # would give one consensus).
    graph = nx.gnp_random_graph(60, 0.3, seed=11)
    x0 = np.random.default_rng(11).uniform(1.0, 7.0, 60)
    scenario = graph_scenario(tmp_path, graph, bounded_confidence_sections(0.8, 1.0, 60), attitude=x0)
    _, _, final, path = run_degroot(scenario, 0, steps=60)
    reference = hegselmann_krause_path(graph, x0, 0.8, 1.0, 60)
    assert np.abs(path - reference).max() <= 1e-12
    assert opinion_groups(final, 0.4) == 3
    assert np.ptp(hegselmann_krause_path(graph, x0, 6.0, 1.0, 60)[-1]) < 1e-6


def test_cascade_final_sizes_follow_the_exact_distribution(tmp_path):
    # 10 clinicians, 13 ties, one seed, p = 0.4: the exact law lists all 2^13 live-edge graphs.
    graph = nx.gnm_random_graph(10, 13, seed=5)
    replications = 800
    scenario = graph_scenario(tmp_path, graph, adoption_sections("cascade", 7, cascade_p=0.4), mode=seed_modes(10, {0}))
    sizes = cascade_sizes(scenario, replications)
    exact = cascade_size_distribution(graph, {0}, 0.4)
    assert sum(exact.values()) == pytest.approx(1.0)
    for size in range(1, 11):
        p = exact.get(size, 0.0)
        assert abs(np.mean(sizes == size) - p) <= 4 * np.sqrt(p * (1 - p) / replications) + 1e-9, size
    assert abs(sizes.mean() - sum(s * p for s, p in exact.items())) <= 4 * sizes.std() / np.sqrt(replications)


def test_cascade_mean_size_matches_the_plain_simulation_on_an_unseen_graph(tmp_path):
    graph = nx.watts_strogatz_graph(80, 4, 0.2, seed=3)
    seeds, p, replications = {0, 40}, 0.35, 300
    scenario = graph_scenario(tmp_path, graph, adoption_sections("cascade", 3, cascade_p=p), mode=seed_modes(80, seeds))
    model = cascade_sizes(scenario, replications)
    rng = random.Random(3)
    plain = np.array([len(independent_cascade(graph, seeds, p, rng)[-1]) for _ in range(replications)])
    tolerance = 4 * np.sqrt(model.var() / replications + plain.var() / replications)
    assert abs(model.mean() - plain.mean()) <= tolerance
    assert 2 < plain.mean() < 78  # neither dies at the seeds nor takes everyone: the mean says something


def test_a_sure_cascade_spreads_one_tie_per_step(tmp_path):
    # cascade_p = 1: everyone at distance d from a seed starts at step d, once; nobody else ever.
    graph = nx.random_labeled_tree(30, seed=8)
    graph.add_nodes_from(range(30, 33))  # three isolates
    graph = nx.convert_node_labels_to_integers(graph, ordering="sorted")
    scenario = graph_scenario(tmp_path, graph, adoption_sections("cascade", 1, cascade_p=1.0), mode=seed_modes(33, {0}))
    model = ClinicianModel(scenario, 0, with_agents=False)
    for _ in range(35):
        model.step()
    distance = nx.single_source_shortest_path_length(graph, 0)
    expected = np.array([distance.get(k, -1) for k in range(33)])
    assert np.array_equal(model.adoption.adopted_at, expected)


def test_voter_model_reaches_consensus_with_the_degree_weighted_probability(tmp_path):
    # The three best-connected of 20 clinicians start using AI: 15 % of clinicians, but 42 % of the
    # degree; the voter model ends with everyone using AI with the degree-weighted probability.
    graph = nx.barabasi_albert_graph(20, 2, seed=2)
    hubs = set(sorted(graph.nodes, key=graph.degree, reverse=True)[:3])
    expected = voter_consensus_probability(graph, hubs)
    replications = 300
    tolerance = 4 * np.sqrt(expected * (1 - expected) / replications)
    assert abs(expected - len(hubs) / 20) > 2 * tolerance  # the closed form can tell the two apart
    sections = adoption_sections("voter", 9, reconsider_rate=0.5)
    outcomes = voter_outcomes(graph_scenario(tmp_path, graph, sections, mode=seed_modes(20, hubs)), replications)
    assert np.all(outcomes >= 0)  # every replication reached consensus
    assert abs(outcomes.mean() - expected) <= tolerance
    rng = random.Random(9)
    start = {k: int(k in hubs) for k in graph.nodes}
    plain = np.array([voter_consensus(graph, dict(start), 0.5, rng, 20_000)[0] for _ in range(replications)])
    assert np.all(plain >= 0) and abs(plain.mean() - expected) <= tolerance


def test_voter_copies_only_colleagues_modes(tmp_path):
    # Two components: a triangle all using AI and a path nobody uses it on. Copying keeps each as it is.
    graph = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9)])
    sections = adoption_sections("voter", 4, reconsider_rate=1.0)
    model = ClinicianModel(
        graph_scenario(tmp_path, graph, sections, mode=seed_modes(10, {0, 1, 2})), 0, with_agents=False
    )
    for _ in range(20):
        model.step()
    assert model.state.uses_ai().tolist() == [True] * 3 + [False] * 7


@pytest.mark.parametrize("rule", ["cascade", "voter"])
def test_new_rules_give_each_replication_its_own_draws_in_any_batch(tmp_path, rule):
    # Replications 0-5 stepped together end as each does alone (the choice stream is per replication).
    graph = nx.gnp_random_graph(25, 0.2, seed=1)
    sections = adoption_sections(rule, 5, cascade_p=0.3, reconsider_rate=0.5)
    scenario = graph_scenario(tmp_path, graph, sections, mode=seed_modes(25, {0, 1, 2, 3}))
    together, _ = final_users(scenario, 6, lambda batch: batch.week >= 12, 12)
    alone = [final_users(scenario, 1, lambda batch: batch.week >= 12, 12, first=k)[0][0] for k in range(6)]
    assert np.array_equal(together, np.array(alone))
    assert len({row.tobytes() for row in together}) > 1  # the replications differ from each other
