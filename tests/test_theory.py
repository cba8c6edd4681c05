"""Theory checks: with clinician-specific mechanisms switched off by scenario keys, the model is
Bass diffusion, a linear-threshold cascade, or DeGroot averaging (docs/VALIDATION.md).

References are independent of the model's code: the Bass recursion and closed form, a plain-Python
threshold fixed point written here, and the stationary distribution of the influence matrix.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from simulation.experiments.validation import (
    THRESHOLD_CASES,
    adoption_curve,
    bass_continuous,
    bass_discrete,
    bass_scenario,
    degroot_limit,
    degroot_scenario,
    run_degroot,
    run_threshold,
    threshold_fixed_point,
    threshold_scenario,
)


def test_bass_on_a_complete_graph_matches_the_closed_form_within_two_points():
    # N = 2,000 clinicians, p = 0.03 and q = 0.4 per step, 30 steps, mean of 6 replications.
    scenario = bass_scenario(n=2000, p=0.03, q=0.4, steps=30)
    mean = np.mean([adoption_curve(scenario, k) for k in range(6)], axis=0)
    expected = bass_discrete(0.03, 0.4, 30)
    assert np.abs(mean - expected).max() < 0.02  # measured 0.006
    assert mean[-1] > 0.95 and mean[5] < 0.6  # the S-curve is actually traversed


def test_bass_closed_forms_agree_when_steps_are_short():
    # The discrete recursion tends to the continuous closed form as p and q per step shrink.
    t = np.arange(0, 3001)
    discrete = bass_discrete(0.03 / 100, 0.4 / 100, 3000)
    assert np.abs(discrete - bass_continuous(0.03 / 100, 0.4 / 100, t)).max() < 0.002


def straightforward_threshold(graph: nx.Graph, seeds: set[int], thresholds: np.ndarray) -> set[int]:
    """Synchronous rounds: everyone whose share of active neighbours reaches their threshold joins."""
    active = set(seeds)
    while True:
        joining = {
            v
            for v in graph.nodes
            if v not in active
            and graph.degree(v) > 0
            and sum(u in active for u in graph.neighbors(v)) / graph.degree(v) >= thresholds[v]
        }
        if not joining:
            return active
        active |= joining


@pytest.mark.parametrize("case", range(len(THRESHOLD_CASES)))
def test_threshold_cascade_ends_at_the_reference_fixed_point(case):
    degree, thresholds, share = THRESHOLD_CASES[case]
    run = run_threshold(threshold_scenario(mean_degree=degree, seed_share=share, thresholds=thresholds), case)
    expected = straightforward_threshold(run.graph, run.seeds, run.thresholds)
    assert run.final == expected
    assert run.final == threshold_fixed_point(run.graph, run.seeds, run.thresholds)


def test_threshold_cases_include_stalled_and_complete_cascades():
    finals = [
        len(run_threshold(threshold_scenario(mean_degree=d, seed_share=s, thresholds=t), k).final)
        for k, (d, t, s) in enumerate(THRESHOLD_CASES)
    ]
    assert min(finals) < 100 and max(finals) > 290


def test_degroot_attitudes_converge_to_the_stationary_weighted_consensus():
    scenario = degroot_scenario(n=300, rate=0.5)
    edges, x0, final, _ = run_degroot(scenario, 0, steps=400)
    limit = degroot_limit(edges, 300, x0, 0.5)
    assert np.abs(final - limit).max() < 1e-6
    # The weighting matters: the plain mean of the starting attitudes is not the consensus.
    assert np.abs(limit - x0.mean()).max() > 0.01


def test_degroot_reference_on_a_star():
    # Star with centre 0 and 3 leaves: stationary distribution proportional to degree (3, 1, 1, 1).
    edges = np.array([[0, 1], [0, 2], [0, 3]])
    x0 = np.array([1.0, 7.0, 7.0, 7.0])
    limit = degroot_limit(edges, 4, x0, 0.5)
    assert limit == pytest.approx(np.full(4, (3 * 1.0 + 7 + 7 + 7) / 6))
