"""Performance and the per-agent oracle (issue 5, docs/PERFORMANCE.md).

- The vectorized model and the plain per-agent Mesa reference (simulation/reference/agents.py)
  give the same distribution of final outcomes: two-sample Kolmogorov-Smirnov tests on
  share_skeptical, share_verify, share_primary and mean_attitude. Tolerance: every p-value at least
  0.01 (with four outcomes, a false alarm rate of at most 4 % for a correct model at a fixed seed
  set; the seeds are fixed, so the test is deterministic) and the difference of means within four
  standard errors. The full check (200 replications x 52 weeks at 200 clinicians) is marked slow;
  a quick one (30 x 26) runs by default. The same check on a weighted, partly one-way file network
  (40 x 26 at 80 clinicians) is marked slow; tests/test_weighted_influence.py compares the two
  clinician by clinician on such a network in the default run.
- The fast forms of the statistics equal their definitions over arcs.
- Big runs need no Python object per clinician and stay fast (a generous guard, not the benchmark).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from helpers import run_scenario
from scipy.stats import ks_2samp
from test_weighted_influence import WEIGHTED_DIRECTED, file_scenario, weighted_directed_files

from simulation.diffusion import categorical_assortativity, network_statistics, scalar_assortativity
from simulation.metrics import COLUMNS
from simulation.model import ClinicianModel
from simulation.reference.agents import ReferenceModel, run_reference
from simulation.reference.scenarios import scenario
from simulation.scenario import load_scenario
from simulation.scenario.schema import Scenario

OUTCOMES = ("share_skeptical", "share_verify", "share_primary", "mean_attitude")


def _scenario(n: int, steps: int, replications: int, seed: int = 2025) -> Scenario:
    """The default hospital (its own mean degree) with n clinicians."""
    return scenario(n, None, steps, replications, seed)


def _compare_with_reference(replications: int, steps: int, base: Scenario | None = None) -> None:
    """KS tests of the final outcomes; `base`: the scenario to use (default: the hospital of 200)."""
    scenario = _scenario(200, steps, replications) if base is None else base.model_copy(deep=True)
    scenario.run.steps, scenario.run.replications = steps, replications
    fast = np.array([r.outcomes[-1] for r in run_scenario(scenario, workers=2)])
    # The reference under other seeds: the two implementations draw differently anyway.
    reference_scenario = scenario.model_copy(deep=True)
    reference_scenario.run.seed = 7
    slow = [run_reference(reference_scenario, k) for k in range(replications)]
    for name in OUTCOMES:
        a = fast[:, COLUMNS.index(name)]
        b = np.array([row[name] for row in slow])
        result = ks_2samp(a, b)
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert result.pvalue >= 0.01, (
            f"{name}: KS p = {result.pvalue:.4f} (vectorized {a.mean():.4f}, reference {b.mean():.4f})"
        )
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12, (
            f"{name}: means {a.mean():.4f} vs {b.mean():.4f}, SE {se:.4f}"
        )


def test_vectorized_model_matches_per_agent_reference_quick():
    _compare_with_reference(replications=30, steps=26)


@pytest.mark.slow
def test_vectorized_model_matches_per_agent_reference():
    _compare_with_reference(replications=200, steps=52)


@pytest.mark.slow
def test_vectorized_model_matches_per_agent_reference_on_a_weighted_directed_network(tmp_path):
    """The same check, every rule on (choices, ratings, experience), on a file network of 80
    clinicians whose ties have weights and about half of them one way (influence = "from_advisor")."""
    weighted_directed_files(tmp_path)
    base = load_scenario(file_scenario(tmp_path, WEIGHTED_DIRECTED, head=""))
    base.choice.reconsider_rate = 0.1  # more choices in 26 weeks: a sharper test of what they read
    _compare_with_reference(replications=40, steps=26, base=base)


def test_reference_is_a_per_agent_mesa_model():
    model = ReferenceModel(_scenario(50, 2, 1))
    assert len(model.agents) == 50
    degree = sum(len(agent.colleagues) for agent in model.agents)
    assert degree > 0 and degree % 2 == 0  # each tie seen from both ends
    model.step()
    outcomes = model.outcomes()
    assert set(outcomes) == set(OUTCOMES) and 1.0 <= outcomes["mean_attitude"] <= 7.0


def test_fast_statistics_equal_their_definitions_over_arcs():
    model = ClinicianModel(_scenario(1500, 5, 1), with_agents=False)
    for _ in range(5):
        model.step()
        fast = {
            name: float(values[0]) for name, values in network_statistics(model.state, model.network).columns.items()
        }
        assert fast["attitude_assortativity"] == pytest.approx(
            scalar_assortativity(model.state.attitude, model.network), abs=1e-9
        )
        assert fast["mode_assortativity"] == pytest.approx(
            categorical_assortativity(model.state.mode.astype(np.int64), model.network), abs=1e-12
        )


def test_arcs_are_the_adjacency_in_csr_order():
    network = ClinicianModel(_scenario(800, 1, 1), with_agents=False).network
    adjacency = network.adjacency
    assert np.all(np.diff(network.arc_source) >= 0)
    assert np.array_equal(network.arc_target, adjacency.indices)
    assert network.arc_source.shape[0] == 2 * network.n_edges
    assert np.array_equal(np.diff(adjacency.indptr), network.degree)
    rebuilt = np.zeros((800, 800))
    rebuilt[network.edges[:, 0], network.edges[:, 1]] = rebuilt[network.edges[:, 1], network.edges[:, 0]] = 1
    assert np.array_equal(adjacency.toarray(), rebuilt)


def test_a_big_run_creates_no_agents_and_is_fast():
    scenario = _scenario(100_000, 52, 1)
    scenario.network.mean_degree = 10
    start = time.perf_counter()
    model = ClinicianModel(scenario, with_agents=False)
    for _ in range(52):
        model.step()
    seconds = time.perf_counter() - start
    assert len(model.agents) == 0
    # The target is 3 s on the 2-core benchmark machine (docs/PERFORMANCE.md); this guard allows
    # for a loaded CI machine and only catches a return to the old costs (about 17 s).
    assert seconds < 12, f"100,000 clinicians x 52 weeks took {seconds:.1f} s"
