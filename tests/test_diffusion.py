"""Diffusion statistics: assortativity against networkx, hazard and exposure at adoption against their definitions."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from simulation.diffusion import (
    categorical_assortativity,
    mean_exposure_at_adoption,
    network_statistics,
    scalar_assortativity,
)
from simulation.experiments.validation import threshold_scenario
from simulation.fast.arcs import mode_counts
from simulation.model import ClinicianModel
from simulation.scenario.schema import Scenario


def test_assortativity_matches_networkx_on_the_model_network():
    model = ClinicianModel(Scenario.model_validate({"population": {"n": 300}}), 0, with_agents=False)
    graph = model.network.to_networkx()
    nx.set_node_attributes(graph, dict(enumerate(model.state.attitude.tolist())), "attitude")
    nx.set_node_attributes(graph, dict(enumerate(model.state.mode.astype(int).tolist())), "mode")
    expected = nx.numeric_assortativity_coefficient(graph, "attitude")
    assert abs(scalar_assortativity(model.state.attitude, model.network) - expected) < 1e-9
    assert (
        abs(
            categorical_assortativity(model.state.mode.astype(np.int64), model.network)
            - nx.attribute_assortativity_coefficient(graph, "mode")
        )
        < 1e-9
    )
    # Departments lean alike at the start, so attitudes are assortative on the hospital network.
    assert model.last["attitude_assortativity"] > 0


def test_the_statistics_hand_back_the_colleagues_per_mode_they_counted():
    # The counts go to the caller (the model keeps them for next week's anticipation); nothing is
    # cached behind its back. Without ties there is nothing to count.
    model = ClinicianModel(Scenario.model_validate({"population": {"n": 200}}), 1, with_agents=False)
    model.step()
    matrix = model.network.adjacency
    statistics = network_statistics(model.state, model.network)
    expected = mode_counts(matrix.indptr, matrix.indices, matrix.data, model.network.weighted, model.state.mode)
    assert np.array_equal(statistics.mode_counts, expected)
    assert np.array_equal(model.network.mode_counts(model.state.mode), expected)
    assert set(statistics.columns) == {"attitude_assortativity", "mode_assortativity"}
    columns = {name: float(values[0]) for name, values in statistics.columns.items()}
    assert {k: model.last[k] for k in statistics.columns} == pytest.approx(columns, nan_ok=True)


def test_threshold_adopters_were_exposed_at_least_their_threshold():
    model = ClinicianModel(
        threshold_scenario(mean_degree=6.0, seed_share=0.1, thresholds=(0.2, 0.6)), 3, with_agents=False
    )
    hazards = []
    for _ in range(15):
        never = (model.adoption.adopted_at < 0).sum()
        model.step()
        if never:
            hazards.append((model.last["adoption_hazard"], model.last["new_adopters"] / never))
    adopted = model.adoption.adopted_at > 0
    assert adopted.sum() > 10
    assert np.all(model.adoption.exposure[adopted] >= model.thresholds[adopted])
    assert all(abs(a - b) < 1e-12 for a, b in hazards)


def test_mean_exposure_weights_steps_by_their_adopters():
    assert mean_exposure_at_adoption(np.array([1.0, 3.0, 0.0]), np.array([0.2, 0.6, np.nan])) == pytest.approx(0.5)
    assert np.isnan(mean_exposure_at_adoption(np.array([0.0]), np.array([np.nan])))
