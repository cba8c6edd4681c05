"""The default hospital network looks like published clinician networks, and the Mesa model exposes it.

Targets (simulation/network/hospital.py docstring, docs/MODEL.md section 7.1): mean degree 6-10, average clustering
0.2-0.35, a minority of ties across departments, a heavy-tailed advice in-degree (a few opinion
leaders: CKM advice layer max 20 vs mean 2).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from conftest import BASELINE
from mesa.discrete_space import Network

from simulation.agents import Clinician
from simulation.model import ClinicianModel
from simulation.scenario import load_scenario

# Replications 0-5 of the baseline's root seed: six independent networks of n = 500.
REPLICATIONS = range(6)


@pytest.fixture(scope="module")
def networks():
    scenario = load_scenario(BASELINE)
    assert scenario.population.n == 500
    out = []
    for k in REPLICATIONS:
        model = ClinicianModel(scenario, k, with_agents=False)
        out.append((model.network, model.state.department))
    return out


def test_mean_degree_between_6_and_10(networks):
    for net, _ in networks:
        assert 6 <= net.degree.mean() <= 10
        assert net.degree.mean() == pytest.approx(2 * net.n_edges / net.n)


def test_average_clustering_between_0_2_and_0_35(networks):
    values = [nx.average_clustering(net.to_networkx()) for net, _ in networks]
    assert all(0.2 <= c <= 0.35 for c in values), np.round(values, 3)


def test_cross_department_share_between_5_and_35_percent(networks):
    for net, department in networks:
        i, j = net.edges[:, 0], net.edges[:, 1]
        share = np.mean(department[i] != department[j])
        assert 0.05 <= share <= 0.35, share


def test_advice_in_degree_is_heavy_tailed(networks):
    for net, _ in networks:
        advice = net.advice_in_degree
        assert advice.sum() == net.n_edges  # each tie has exactly one advisor
        assert advice.max() >= 5 * advice.mean(), (advice.max(), advice.mean())


def test_no_self_loops_or_duplicate_ties(networks):
    for net, _ in networks:
        i, j = net.edges[:, 0], net.edges[:, 1]
        assert np.all(i != j)
        pairs = {(min(a, b), max(a, b)) for a, b in net.edges.tolist()}
        assert len(pairs) == net.n_edges
        assert np.all((0 <= net.edges) & (net.edges < net.n))
        graph = net.to_networkx()
        assert nx.number_of_selfloops(graph) == 0
        assert graph.number_of_edges() == net.n_edges and graph.number_of_nodes() == net.n


def test_isolates_are_rare(networks):
    """Documented: only a dropped tie to oneself leaves a clinician alone, 0-3 in 500."""
    for net, _ in networks:
        assert int((net.degree == 0).sum()) <= 3


def test_advisor_is_one_end_of_its_tie(networks):
    for net, _ in networks:
        assert np.all((net.advisor == net.edges[:, 0]) | (net.advisor == net.edges[:, 1]))


# --- the Mesa view ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model():
    scenario = load_scenario(BASELINE)
    return ClinicianModel(scenario, 0)


def test_model_grid_is_mesa_network_with_one_clinician_per_node(model):
    assert isinstance(model.grid, Network)
    cells = list(model.grid.all_cells)
    assert len(cells) == model.state.n == 500
    assert len(model.agents) == 500
    seen = set()
    for cell in cells:
        assert len(cell.agents) == 1
        agent = cell.agents[0]
        assert isinstance(agent, Clinician)
        assert agent.cell is cell
        assert agent.index == cell.coordinate
        seen.add(agent.index)
    assert seen == set(range(500))


def test_grid_neighbours_are_network_colleagues(model):
    graph = model.network.to_networkx()
    for node in (0, 17, 250, 499):
        cell = model.grid[node]
        assert {c.coordinate for c in cell.neighborhood.cells} == set(graph.neighbors(node))


def test_agent_attributes_read_and_write_state_arrays(model):
    agent = model.grid[42].agents[0]
    assert agent.attitude == model.state.attitude[agent.index]
    agent.attitude = 6.5
    assert model.state.attitude[agent.index] == 6.5
    assert agent.attitude == 6.5
    model.state.literacy[agent.index] = 0.9
    assert agent.literacy == 0.9
    agent.trust = 0.25
    assert model.state.trust[agent.index] == 0.25
    assert agent.department in model.state.department_names


def test_agent_mode_names(model):
    agent = model.grid[7].agents[0]
    for code, name in enumerate(("none", "verify", "primary")):
        model.state.mode[agent.index] = code
        assert agent.mode == name
    agent.mode = "verify"
    assert model.state.mode[agent.index] == 1
    with pytest.raises(ValueError):
        agent.mode = "sometimes"
    modes = {a.mode for a in model.agents}
    assert modes <= {"none", "verify", "primary"}
