"""Tie weights and one-way ties in the influence rules, and the confidence bound (issue 17).

- The compiled model and the per-agent oracle (simulation/reference/agents.py, which builds whom each
  agent hears tie by tie) agree clinician by clinician on a weighted, partly one-way network read
  from files: attitudes after eight weeks of bounded-confidence averaging with anchoring (no noise,
  so the two must agree to rounding, 1e-9), and the share of colleagues using AI and the anticipated
  penalties the choice reads.
- A weight column of ones, or directions with `influence = "both_ways"`, leave the influence as the
  undirected ties: the same bits as a file without them.
- `influence = "from_advisor"`: an advisor hears nobody through a tie whose other end seeks their
  advice; weights enter the share of colleagues using AI as sum w [uses] / sum w.
- Colleagues exactly at the confidence bound count (|a_j - a_i| <= bound, Hegselmann & Krause 2002),
  in the compiled kernel and in the oracle.
- A negative tie weight stops the loader with one message naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.model import ClinicianModel
from simulation.reference.agents import ReferenceModel
from simulation.rules.anticipation import colleague_view
from simulation.rules.attitudes import colleague_attitude_sums, influence_attitudes
from simulation.scenario import load_scenario
from simulation.scenario.schema import Scenario

QUIET = """
[run]
steps = 8
replications = 1

[judgment]
visibility = 0.0

[experience]
cases_per_week = 0.0
attitude_from_trust_rate = 0.0
incident_share = 0.0

[choice]
reconsider_rate = 0.0

[attitude]
influence_rate = 0.4
confidence_bound = 1.5
anchoring = 0.05
drift_sd = 0.0
"""


def weighted_directed_files(folder: Path, n: int = 80, seed: int = 11) -> None:
    """A random graph: each row a weight (0.2-3) and a direction (about half directed)."""
    rng = np.random.default_rng(seed)
    rows = ["src,dst,w,dir"]
    for k in range(n):
        for j in rng.choice(n, 3, replace=False):
            if j != k:
                rows.append(f"c{k},c{j},{rng.uniform(0.2, 3.0):.2f},{'->' if rng.random() < 0.5 else '--'}")
    (folder / "ties.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def file_scenario(folder: Path, network_extra: str, head: str = QUIET) -> Path:
    path = folder / "weighted.toml"
    path.write_text(
        head + '\n[network]\ngenerator = "file"\nedges = "ties.csv"\nsource = "src"\ntarget = "dst"\n' + network_extra,
        encoding="utf-8",
    )
    return path


WEIGHTED_DIRECTED = 'weight = "w"\ndirection = "dir"\ninfluence = "from_advisor"\n'


def test_fast_model_and_per_agent_oracle_agree_on_a_weighted_directed_network(tmp_path):
    weighted_directed_files(tmp_path)
    scenario = load_scenario(file_scenario(tmp_path, WEIGHTED_DIRECTED))
    fast = ClinicianModel(scenario, 0, with_agents=False)
    oracle = ReferenceModel(scenario, 0)
    influence = fast.network.influence
    assert not influence.is_adjacency
    matrix = influence.matrix.toarray()
    assert (matrix != matrix.T).any() and len(set(matrix[matrix > 0].round(2))) > 50  # one-way and weighted
    agents = sorted(oracle.clinicians, key=lambda agent: agent.index)
    np.testing.assert_array_equal([agent.attitude for agent in agents], fast.state.attitude)  # same week 0
    for _ in range(scenario.run.steps):
        fast.step()
        oracle.step()
    attitude = np.array([agent.attitude for agent in agents])
    assert np.abs(attitude - fast.state.attitude).max() < 1e-9
    assert np.abs(fast.state.attitude - fast.state.anchor_attitude).max() > 0.05  # attitudes did move

    view = colleague_view(fast.state, fast.network, scenario.judgment, scenario.attitude)
    for agent in agents:
        agent.anticipate()
    np.testing.assert_allclose([agent.colleague_use for agent in agents], view.colleague_use, atol=1e-12)
    np.testing.assert_allclose([agent.social_cost for agent in agents], view.cost(scenario.judgment), atol=1e-9)


def test_weights_of_one_and_both_way_directions_leave_the_undirected_model(tmp_path):
    weighted_directed_files(tmp_path)
    text = (tmp_path / "ties.csv").read_text().splitlines()
    ones = [text[0]] + [",".join(row.split(",")[:2] + ["1", row.split(",")[3]]) for row in text[1:]]
    (tmp_path / "ties.csv").write_text("\n".join(ones) + "\n")
    runs = []
    for extra in ("", 'weight = "w"\ndirection = "dir"\n'):
        scenario = load_scenario(file_scenario(tmp_path, extra, head="[run]\nsteps = 10\nreplications = 1\n"))
        model = ClinicianModel(scenario, 2, with_agents=False)
        assert model.network.hearing is None and model.network.influence.is_adjacency
        for _ in range(10):
            model.step()
        runs.append((model.state.attitude.copy(), model.state.mode.copy(), model.state.reputation.copy()))
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_advice_flows_from_the_advisor_and_weights_enter_the_share_using_ai(tmp_path):
    # c0 seeks the advice of c1 (weight 3) and of c2 (weight 1); c1 and c2 hear nobody through those
    # ties; a ring among c3..c11 keeps the population at 12 clinicians.
    rows = ["src,dst,w,dir", "c0,c1,3,->", "c0,c2,1,->"] + [f"c{k},c{k + 1},1,--" for k in range(3, 11)]
    (tmp_path / "ties.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "nodes.csv").write_text(
        "id,uses\n" + "\n".join(f"c{k},{'verify' if k == 1 else 'none'}" for k in range(12)) + "\n"
    )
    extra = WEIGHTED_DIRECTED + '\n[network.nodes]\nfile = "nodes.csv"\nid = "id"\nmode = "uses"\n'
    scenario = load_scenario(file_scenario(tmp_path, extra))
    model = ClinicianModel(scenario, 0, with_agents=False)
    index = model.node_index
    assert model.network.influence.deaf[[index["c1"], index["c2"]]].all()
    view = colleague_view(model.state, model.network, scenario.judgment, scenario.attitude)
    assert view.colleague_use[index["c0"]] == pytest.approx(3 / 4)  # c1 uses AI and weighs 3 of 4
    assert view.colleague_use[index["c1"]] == 0 and view.cost(scenario.judgment)[index["c1"]].tolist() == [0, 0, 0]
    before = model.state.attitude.copy()
    influence_attitudes(
        model.state, model.network, scenario.attitude, model.batch.keys["attitudes"], model.batch.segments
    )
    for advisor in ("c1", "c2"):  # pulled only back toward their own anchor (= their attitude now)
        assert model.state.attitude[index[advisor]] == before[index[advisor]]


def test_colleagues_exactly_at_the_confidence_bound_count_in_the_kernel_and_the_oracle():
    scenario = Scenario()
    scenario.population.n = 300
    scenario.attitude.confidence_bound = 1.25
    scenario.attitude.influence_rate = 1.0
    scenario.attitude.anchoring = 0.0
    scenario.attitude.drift_sd = 0.0
    model = ClinicianModel(scenario, 0, with_agents=False)
    oracle = ReferenceModel(scenario, 0)
    levels = np.array([3.0, 4.25, 5.5])  # exact in binary: neighbouring levels are exactly 1.25 apart
    attitude = levels[np.arange(300) % 3]
    model.state.attitude[:] = attitude
    _, close_weight, close_total = colleague_attitude_sums(model.state, model.network, 1.25)
    edges = model.network.edges
    at_bound = np.abs(attitude[edges[:, 0]] - attitude[edges[:, 1]]) == 1.25
    assert at_bound.sum() > 100  # many ties sit exactly at the bound
    close = np.abs(attitude[edges[:, 0]] - attitude[edges[:, 1]]) <= 1.25
    expected = np.bincount(edges[close].ravel(), minlength=300)
    np.testing.assert_array_equal(close_weight, expected)  # inclusive: 1.25 apart counts
    for agent in oracle.clinicians:
        agent.attitude = agent.anchor = float(attitude[agent.index])
    oracle.agents.do("influence")
    new = np.array([agent.new_attitude for agent in sorted(oracle.clinicians, key=lambda a: a.index)])
    has_close = close_weight > 0
    mean = np.divide(close_total, close_weight, out=np.zeros(300), where=has_close)
    np.testing.assert_allclose(new[has_close], mean[has_close], atol=1e-12)
    # With an exclusive bound only equal attitudes would count, and every mean would be the own level.
    assert (np.abs(new - attitude) > 0.1).sum() > 50


def test_a_negative_tie_weight_is_refused(tmp_path):
    weighted_directed_files(tmp_path)
    text = (tmp_path / "ties.csv").read_text().splitlines()
    text[3] = ",".join(text[3].split(",")[:2] + ["-2", "--"])
    (tmp_path / "ties.csv").write_text("\n".join(text) + "\n")
    path = file_scenario(tmp_path, WEIGHTED_DIRECTED)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "network.weight" in message and "ties.csv" in message and "-2" in message and "at least 0" in message
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output and "network.weight" in result.output


def test_from_advisor_needs_a_file_network():
    with pytest.raises(ValueError, match="from_advisor"):
        Scenario.model_validate({"network": {"influence": "from_advisor"}})
