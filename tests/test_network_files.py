"""Networks and clinicians from files (`[network] generator = "file"`): loader errors, ids, isolates,
layers, directions, node attributes, GraphML/GEXF, statistics, and the real CKM physician network.

The CKM tests read `../shared/data/ckm/` beside the repository and skip when it is absent; nothing of
it is copied into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.model import ClinicianModel
from simulation.modes import PRIMARY, VERIFY
from simulation.network.hospital import HospitalNetwork
from simulation.network.stats import describe_network, model_network_statistics
from simulation.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
CKM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ckm"
CKM_EDGES = CKM / "CKM-Physicians-Innovation_multiplex.edges"
CKM_NODES = CKM / "CKM-Physicians-Innovation_nodes.txt"
needs_ckm = pytest.mark.skipif(
    not (CKM_EDGES.is_file() and CKM_NODES.is_file()),
    reason=f"the CKM data are not at {CKM} (../shared/data/ckm beside the repository); they are never copied into it",
)

# Twelve clinicians in two wards: a ring of ties in each, plus one tie across; "m" has no tie.
NODES = """nodeID,ward,job,years,att,uses,adopted
a,1,doc,3,2.0,none,1
b,1,doc,10,5.5,verify,2
c,1,nurse,,6.0,primary,99
d,1,nurse,7,,NA,18
e,1,doc,20,4.0,verify,3
f,2,doc,1,3.0,none,4
g,2,nurse,2,4.5,none,99
h,2,doc,30,1.5,none,18
i,2,nurse,4,7.0,primary,5
j,2,doc,5,3.5,verify,6
k,2,nurse,6,2.5,none,7
m,2,doc,8,4.0,none,8
"""
EDGES = """from,to,kind,w
a,b,1,1
b,c,1,1
c,d,1,1
d,e,1,1
e,a,1,1
f,g,1,1
g,h,2,1
h,i,2,1
i,j,2,1
j,k,2,1
k,f,2,1
a,f,2,0.5
a,b,2,1
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario_file(folder: Path, network: str, name: str = "net.toml") -> Path:
    return write(folder, name, "[run]\nreplications = 2\nsteps = 3\n\n" + network)


FULL = """
[network]
generator = "file"
edges = "edges.csv"
source = "from"
target = "to"
layer = "kind"
weight = "w"

[network.nodes]
file = "nodes.csv"
id = "nodeID"
department = "ward"
role = "job"
seniority = "years"
attitude = "att"
mode = "uses"
adoption = "adopted"

[network.nodes.values]
department = { 1 = "Ward one", 2 = "Ward two" }
adoption = { 18 = "never", 99 = "missing" }
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    write(tmp_path, "nodes.csv", NODES)
    write(tmp_path, "edges.csv", EDGES)
    return tmp_path


def load(folder: Path, network: str = FULL):
    return load_scenario(scenario_file(folder, network))


def error_of(folder: Path, network: str) -> str:
    path = scenario_file(folder, network)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert str(path.resolve()) in message or str(path) in message, message
    return message


# --------------------------------------------------------------------------
# loading, ids, isolates, attributes
# --------------------------------------------------------------------------
def test_node_table_sets_the_population_and_keeps_isolates(files):
    scenario = load(files)
    assert scenario.population.n == 12
    assert scenario.population.departments == pytest.approx({"Ward one": 5 / 12, "Ward two": 7 / 12})
    assert set(scenario.population.roles) == {"doc", "nurse"}
    assert Path(scenario.network.edges).is_absolute() and Path(scenario.network.edges).exists()
    model = ClinicianModel(scenario, 0, with_agents=False)
    assert model.node_ids == list("abcdefghijkm")
    assert model.node_index["m"] == 11 and model.network.degree[11] == 0  # the isolate is kept
    assert model.network.n_edges == 12  # a-b given twice (layers 1 and 2) counts once
    state = model.state
    assert [state.department_names[d] for d in state.department[:6]] == ["Ward one"] * 5 + ["Ward two"]
    assert state.role_names[state.role[2]] == "nurse"
    assert state.seniority[1] == 10 and 0 <= state.seniority[2] <= 35  # missing cell: drawn from the role
    assert state.attitude[7] == 1.5 and 1 <= state.attitude[3] <= 7
    assert state.mode[2] == PRIMARY and state.mode[1] == VERIFY
    adoption = model.observed_adoption
    assert adoption[0] == 1 and np.isnan(adoption[2]) and np.isinf(adoption[3])


def test_integer_and_string_ids_whitespace_without_header(tmp_path):
    write(
        tmp_path,
        "ties.txt",
        "# a comment\n10 20\n20 30\n30 10\n30 40\n40 50\n50 60\n60 70\n70 80\n80 90\n90 100\n100 10\n",
    )
    scenario = load(tmp_path, '[network]\ngenerator = "file"\nedges = "ties.txt"\n')
    model = ClinicianModel(scenario, 0, with_agents=False)
    assert model.node_ids == [str(k) for k in range(10, 101, 10)]  # sorted as numbers, not as text
    assert model.network.n_edges == 11 and scenario.population.n == 10
    write(
        tmp_path,
        "names.tsv",
        "source\ttarget\n" + "".join(f"dr {a}\tdr {b}\n" for a, b in zip("abcdefghij", "bcdefghija")),
    )
    named = ClinicianModel(load(tmp_path, '[network]\ngenerator = "file"\nedges = "names.tsv"\n'), 0, with_agents=False)
    assert named.node_ids[:2] == ["dr a", "dr b"] and named.network.n_edges == 10


def test_layers_are_chosen_and_merged(files):
    one = ClinicianModel(load(files, FULL + "\n"), 0, with_agents=False)
    assert set(one.network_layers) == {"1", "2"}
    only_first = load(files, FULL.replace('weight = "w"', 'weight = "w"\nlayers = [1]'))
    model = ClinicianModel(only_first, 0, with_agents=False)
    assert model.network.n_edges == 6 and list(model.network_layers) == ["1"]
    heavy = load(files, FULL.replace('weight = "w"', 'weight = "w"\nmin_weight = 1'))
    assert ClinicianModel(heavy, 0, with_agents=False).network.n_edges == 11  # a-f (weight 0.5) dropped
    stats = describe_network(one.network, one.network_layers)
    assert stats["layers"]["1"]["ties"] == 6 and stats["layers"]["2"]["ties"] == 7
    assert stats["layer_overlap"][0]["jaccard"] == pytest.approx(1 / 12)  # a-b is in both of 12 ties


def test_directed_ties_name_the_advisor_and_undirected_ones_follow_the_rule(files):
    directed = load(files, FULL.replace('weight = "w"', 'weight = "w"\ndirected = true'))
    advisors = {ClinicianModel(directed, k, with_agents=False).network.advisor.tobytes() for k in range(3)}
    model = ClinicianModel(directed, 0, with_agents=False)
    edges, advisor = model.network.edges, model.network.advisor
    index = model.node_index
    pairs = {(model.node_ids[i], model.node_ids[j]): model.node_ids[a] for (i, j), a in zip(edges, advisor)}
    assert pairs[("b", "c")] == "c" and pairs[("a", "e")] == "a" and pairs[("a", "f")] == "f"
    assert len(advisors) == 1  # every tie directed one way: the same advisors in every replication
    source = load(files, FULL.replace('weight = "w"', 'weight = "w"\ndirected = true\nadvisor = "source"'))
    model = ClinicianModel(source, 0, with_agents=False)
    got = {
        (model.node_ids[i], model.node_ids[j]): model.node_ids[a]
        for (i, j), a in zip(model.network.edges, model.network.advisor)
    }
    assert got[("b", "c")] == "b"
    assert model.network.advice_in_degree.sum() == model.network.n_edges
    undirected = load(files)
    drawn = {ClinicianModel(undirected, k, with_agents=False).network.advisor.tobytes() for k in range(6)}
    assert len(drawn) > 1  # undirected ties: the advisor is drawn per replication
    only_layer_two = load(files, FULL.replace('weight = "w"', 'weight = "w"\ndirected = [2]'))
    assert index["a"] == 0 and ClinicianModel(only_layer_two, 0, with_agents=False).network.n_edges == 12


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_round_trip(tmp_path, fmt):
    graph = nx.DiGraph()
    for k in range(12):
        graph.add_node(f"n{k}", unit="north" if k < 6 else "south", attitude=2.0 + k * 0.4)
    for k in range(11):
        graph.add_edge(f"n{k}", f"n{k + 1}", layer=1 + k % 2)
    path = tmp_path / f"net.{fmt}"
    (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(graph, path)
    network = f'[network]\ngenerator = "file"\nedges = "net.{fmt}"\nlayer = "layer"\n\n[network.nodes]\ndepartment = "unit"\nattitude = "attitude"\n'
    scenario = load(tmp_path, network)
    model = ClinicianModel(scenario, 0, with_agents=False)
    assert model.node_ids == [f"n{k}" for k in range(12)] and model.network.n_edges == 11
    assert set(scenario.population.departments) == {"north", "south"}
    assert model.state.attitude[5] == pytest.approx(4.0)
    assert set(model.network_layers) == {"1", "2"}
    # Directed in the file: the named colleague (the edge's target) advises.
    assert all(a == j for (i, j), a in zip(model.network.edges, model.network.advisor))
    undirected = graph.to_undirected()
    (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(undirected, tmp_path / f"u.{fmt}")
    plain = load(tmp_path, f'[network]\ngenerator = "file"\nedges = "u.{fmt}"\n')
    assert plain.population.n == 12


def test_paths_are_relative_to_the_file_that_set_them(files, tmp_path):
    base = scenario_file(files, FULL, "base.toml")
    other = tmp_path / "elsewhere"
    other.mkdir()
    child = write(other, "child.toml", f'extends = "{base}"\n[run]\nsteps = 2\n')
    scenario = load_scenario(child)
    assert Path(scenario.network.edges) == files / "edges.csv"
    assert Path(scenario.network.nodes.file) == files / "nodes.csv"


def test_interventions_name_departments_of_the_files(files):
    ok = FULL + '\n[[interventions]]\nkind = "ai_incident"\nat = [2]\ndepartment = "Ward two"\n'
    assert load(files, ok).interventions[0].department == "Ward two"
    message = error_of(files, ok.replace('department = "Ward two"', 'department = "Surgery"'))
    assert "'Surgery' is not a department" in message and "Ward one" in message


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def test_missing_files(files):
    assert "file not found" in error_of(files, FULL.replace('"edges.csv"', '"nowhere.csv"'))
    message = error_of(files, FULL.replace('"nodes.csv"', '"people.csv"'))
    assert "network.nodes.file" in message and "people.csv" in message and "not found" in message
    assert "needs `edges`" in error_of(files, '[network]\ngenerator = "file"\n')


def test_bad_column_mapping_names_the_columns_the_file_has(files):
    message = error_of(
        files,
        FULL.replace('department = "ward"', 'department = "Ward"  \nrole = "title"').replace('role = "job"\n', ""),
    )
    assert "network.nodes.role" in message and '"title"' in message and "'nodeID', 'ward', 'job'" in message
    message = error_of(files, FULL.replace('weight = "w"', "weight = 9"))
    assert "network.weight" in message and "no column 9" in message and "'from', 'to', 'kind', 'w'" in message
    write(files, "plain.txt", "1 2\n2 3\n")
    message = error_of(files, '[network]\ngenerator = "file"\nedges = "plain.txt"\nsource = "a"\n')
    assert "no header" in message


def test_edges_to_unknown_nodes_are_reported_or_dropped(files):
    write(files, "edges.csv", EDGES + "a,x1,1,1\nx2,b,1,1\nx1,c,1,1\n")
    message = error_of(files, FULL)
    assert "3 ties" in message and "2 node ids" in message and "x1, x2" in message and "drop_unknown_nodes" in message
    dropped = load(files, FULL.replace('weight = "w"', 'weight = "w"\ndrop_unknown_nodes = true'))
    assert ClinicianModel(dropped, 0, with_agents=False).network.n_edges == 12


def test_duplicate_node_ids(files):
    write(files, "nodes.csv", NODES + "b,2,doc,3,4,none,1\nc,2,doc,3,4,none,1\n")
    message = error_of(files, FULL)
    assert "2 node ids are listed more than once: b, c" in message


def test_empty_graphs(files):
    write(files, "none.csv", "from,to\n")
    assert "empty" in error_of(files, '[network]\ngenerator = "file"\nedges = "none.csv"\n')
    message = error_of(files, FULL.replace('weight = "w"', 'weight = "w"\nlayers = [3]'))
    assert "network.layers" in message and "its layers: 1, 2" in message
    write(files, "loops.csv", "from,to\na,a\n")
    assert "no ties left" in error_of(
        files, FULL.replace('"edges.csv"', '"loops.csv"').replace('layer = "kind"\nweight = "w"\n', "")
    )


def test_unparsable_numbers_name_the_line(files):
    write(files, "edges.csv", EDGES + "a,c,1,heavy\n")
    message = error_of(files, FULL)
    assert "network.weight" in message and "line 15" in message and "'heavy' is not a number" in message
    write(files, "edges.csv", EDGES)
    write(files, "nodes.csv", NODES.replace("a,1,doc,3,2.0", "a,1,doc,3,keen"))
    message = error_of(files, FULL)
    assert "network.nodes.attitude" in message and "line 2" in message and "'keen'" in message
    write(files, "nodes.csv", NODES.replace("a,1,doc,3,2.0", "a,1,doc,3,9"))
    assert "outside attitude on the 1-7 scale" in error_of(files, FULL)
    write(files, "nodes.csv", NODES.replace("a,1,doc,3,2.0,none", "a,1,doc,3,2.0,sometimes"))
    assert "'sometimes' is not a mode" in error_of(files, FULL)


def test_too_few_clinicians(tmp_path):
    write(tmp_path, "small.csv", "1,2\n2,3\n")
    assert "the files give 3 clinicians" in error_of(tmp_path, '[network]\ngenerator = "file"\nedges = "small.csv"\n')


def test_the_command_line_exits_2_with_the_message_and_no_traceback(files):
    path = scenario_file(files, FULL.replace('"nodes.csv"', '"people.csv"'))
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert "people.csv" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------
# statistics and the job's outputs
# --------------------------------------------------------------------------
def test_statistics_of_a_known_graph():
    edges = np.array([[0, 1], [1, 2], [0, 2], [2, 3]])
    network = HospitalNetwork(n=5, edges=edges, advisor=edges[:, 1].copy(), team=np.zeros(5, dtype=np.int64))
    stats = describe_network(network)
    graph = nx.Graph()
    graph.add_nodes_from(range(5))
    graph.add_edges_from(edges.tolist())
    assert stats["clinicians"] == 5 and stats["ties"] == 4 and stats["mean_degree"] == pytest.approx(1.6)
    assert stats["clustering"] == pytest.approx(nx.average_clustering(graph))
    assert stats["transitivity"] == pytest.approx(nx.transitivity(graph))
    assert (
        stats["components"] == 2 and stats["largest_component_share"] == pytest.approx(0.8) and stats["isolates"] == 1
    )


def test_the_job_writes_network_statistics_to_the_table_the_manifest_and_the_report(files):
    path = scenario_file(
        files, FULL.replace("[network]\n", '[network]\nlayer_names = { 1 = "advice", 2 = "friendship" }\n', 1)
    )
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(files / "out"), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(files / "out" / "network.csv", keep_default_na=False, na_values=[""])
    whole = table[table["layer"].isna()].set_index("statistic")["value"]
    assert whole["clinicians"] == 12 and whole["ties"] == 12 and whole["isolates"] == 1
    assert set(table["layer"].dropna()) == {"advice", "friendship"}
    manifest = json.loads((files / "out" / "manifest.json").read_text())
    entry = manifest["scenarios"][0]
    assert entry["network"]["ties"] == 12 and len(entry["network_files"]) == 2
    assert len(entry["network_files"][0]["sha256"]) == 64
    report = (files / "out" / "report.md").read_text()
    assert "## Appendix: the network" in report and "| advice | 6 | friendship 0.08 |" in report


# --------------------------------------------------------------------------
# the real Coleman-Katz-Menzel physician network
# --------------------------------------------------------------------------
@needs_ckm
def test_ckm_union_network_matches_its_readme():
    scenario = load_scenario(REPO / "scenarios" / "ckm.toml")
    model = ClinicianModel(scenario, 0, with_agents=False)
    stats = model_network_statistics(model)
    assert stats["clinicians"] == 246 and model.node_ids[0] == "1" and model.node_ids[-1] == "246"
    assert stats["mean_degree"] == pytest.approx(7.5, abs=0.1)  # README: undirected mean degree ~7.5
    assert stats["clustering"] == pytest.approx(0.31, abs=0.015)  # README: clustering ~0.31
    assert sum(layer["rows"] for layer in stats["layers"].values()) == 1551  # every row of the edge file
    assert set(stats["layers"]) == {"advice", "discussion", "friendship"}
    assert stats["components"] >= 4  # no tie crosses the four towns
    # Towns as departments: no tie crosses them.
    department = model.state.department
    assert not np.any(department[model.network.edges[:, 0]] != department[model.network.edges[:, 1]])
    assert scenario.population.departments["Peoria"] == pytest.approx(117 / 246)
    adoption = model.observed_adoption
    assert np.isnan(adoption).sum() == 121 and np.isinf(adoption).sum() == 16  # 98/99 unknown, 18 never
    known = adoption[~np.isnan(adoption)]
    assert known.shape[0] == 125 and np.mean(known <= 6) == pytest.approx(0.496, abs=0.001)  # README: 49.6 % by month 6
    assert (model.network.advisor >= 0).all()


@needs_ckm
def test_ckm_layers_can_be_chosen():
    scenario = load_scenario(REPO / "scenarios" / "ckm.toml")
    scenario.network.layers = [1]
    model = ClinicianModel(scenario, 0, with_agents=False)
    assert list(model.network_layers) == ["1"] and model.network.n_edges < 500


@needs_ckm
def test_ckm_scenario_runs():
    scenario = load_scenario(REPO / "scenarios" / "ckm.toml")
    model = ClinicianModel(scenario, 0)
    for _ in range(3):
        model.step()
    assert 0 <= model.last["share_skeptical"] <= 1 and len(model.agents) == 246
