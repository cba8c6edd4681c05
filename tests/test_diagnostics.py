"""Network diagnostics (simulation/results/diagnostics.py): Moran's I against a hand computation and
PySAL's formula written plainly, its expectation over all permutations, the adoption-clustering
permutation test on planted and random adopters, Rogers' categories, and diagnostics.csv of a run
checked against the run's own clinicians table."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from simulation.results.diagnostics import (
    DIAGNOSTICS_COLUMNS,
    ROGERS,
    adopter_tie_share,
    morans_i,
    permutation_test,
    rogers_categories,
)
from tests.conftest import BASELINE, write_scenario


def edges_of(graph: nx.Graph) -> np.ndarray:
    return np.array(list(graph.edges), dtype=np.int64).reshape(-1, 2)


def pysal_style_moran(values: np.ndarray, graph: nx.Graph) -> float:
    """I = (n / S0) z'Wz / z'z with W the dense binary adjacency and S0 the sum of its weights."""
    w = nx.to_numpy_array(graph, nodelist=range(len(values)))
    z = values - values.mean()
    return len(values) / w.sum() * (z @ w @ z) / (z @ z)


def test_morans_i_of_a_path_by_hand():
    # Path 0-1-2-3 with values 1..4: z = (-1.5, -0.5, 0.5, 1.5), z'z = 5; the ties give
    # 0.75 - 0.25 + 0.75 = 1.25, twice over both directions = 2.5; W = 6: I = 4/6 * 2.5/5 = 1/3.
    path = edges_of(nx.path_graph(4))
    assert morans_i(np.array([1.0, 2.0, 3.0, 4.0]), path)[0] == pytest.approx(1 / 3, abs=1e-15)
    # Alternating values on the path: every tie joins unlike values, I = -1.
    assert morans_i(np.array([0.0, 1.0, 0.0, 1.0]), path)[0] == pytest.approx(-1.0)
    assert np.isnan(morans_i(np.ones(4), path)[0])  # no variation: undefined


def test_morans_i_matches_the_dense_formula_on_random_graphs():
    rng = np.random.default_rng(4)
    for seed in range(5):
        graph = nx.gnp_random_graph(30, 0.15, seed=seed)
        values = rng.normal(size=30)
        assert morans_i(values, edges_of(graph))[0] == pytest.approx(pysal_style_moran(values, graph), rel=1e-12)


def test_the_mean_of_morans_i_over_all_permutations_is_minus_one_over_n_minus_one():
    graph = nx.gnp_random_graph(7, 0.5, seed=2)
    values = np.array([1.0, 4.0, 2.0, 7.0, 7.0, 3.0, 5.5])
    every = np.array(list(itertools.permutations(values)))
    assert morans_i(every, edges_of(graph)).mean() == pytest.approx(-1 / 6, abs=1e-12)


def test_planted_clustering_is_found_and_random_adoption_is_not():
    # Two groups of 30 with dense ties inside and few across; adopters = one group.
    graph = nx.planted_partition_graph(2, 30, 0.3, 0.02, seed=7)
    edges = edges_of(graph)
    planted = np.arange(60) < 30
    test = permutation_test(adopter_tie_share, planted, edges, np.random.default_rng(1))
    assert test.observed > 0.8 and test.permuted_mean < 0.4 and test.p_value == pytest.approx(1 / 1000)
    attitude = np.where(planted, 6.0, 2.0) + np.random.default_rng(2).normal(0, 0.3, 60)
    moran = permutation_test(morans_i, attitude, edges, np.random.default_rng(3))
    assert moran.observed > 0.5 and moran.p_value < 0.01
    # Random adopters: the one-sided p-value falls below 0.05 about 5 % of the time (at most 8 of 40
    # labellings here: a binomial(40, 0.05) exceeds 7 with probability below 0.1 %).
    rng = np.random.default_rng(5)
    low = sum(permutation_test(adopter_tie_share, rng.random(60) < 0.4, edges, rng).p_value < 0.05 for _ in range(40))
    assert low <= 7


def test_rogers_categories_follow_the_normal_curve_and_count_non_adopters():
    weeks = np.random.default_rng(6).normal(50.0, 10.0, 200_000)
    counts = rogers_categories(np.concatenate([weeks, np.full(1000, -1)]))
    assert counts["non_adopters"] == 1000
    total = sum(counts[name] for name, _ in ROGERS)
    assert total == 200_000
    for name, share in ROGERS:
        assert counts[name] / total == pytest.approx(share, abs=0.003), name
    # By hand: weeks 0, 0, 1, 2, 3, 10: mean 2.667, sd 3.448; cut-offs -4.23, -0.78, 2.67, 6.11, so
    # weeks 0-2 are the early majority, 3 the late majority and 10 a laggard.
    hand = rogers_categories(np.array([0, 0, 1, 2, 3, 10, -1]))
    assert [hand[name] for name, _ in ROGERS] == [0, 0, 4, 1, 1] and hand["non_adopters"] == 1


def test_a_run_writes_diagnostics_that_agree_with_its_clinicians_table(tmp_path):
    from simulation.job import plan_file, run_plan

    body = "[run]\nreplications = 2\nsteps = 20\n\n[population]\nn = 120\n"
    scenario = write_scenario(tmp_path / "small.toml", body, extends=BASELINE)
    out = tmp_path / "run"
    run_plan(plan_file(scenario, out=out), workers=1, note=lambda _: None)
    table = pd.read_csv(out / "diagnostics.csv")
    assert tuple(table.columns) == DIAGNOSTICS_COLUMNS
    rows = table.set_index("statistic")
    assert rows.at["morans_i_attitude", "expected"] == pytest.approx(-1 / 119)
    assert 0 < rows.at["morans_i_attitude", "p_value"] <= 1 and rows.at["morans_i_attitude", "permutations"] == 999
    clinicians = pd.read_csv(out / "clinicians.csv")
    adopted = clinicians["adoption_step"].fillna(-1).to_numpy()
    expected = rogers_categories(adopted)
    assert {name: int(rows.at[name, "value"]) for name in expected} == expected
    uses = (clinicians["mode"] != "none").to_numpy(dtype=float)
    assert 0 < uses.mean() < 1
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Appendix: is AI use clustered on the network?" in report and "Early majority" in report
