"""Networks in the formats researchers hold them: Pajek `.net`, UCINET DL and `.xlsx` node tables.

Each format: a small real file written here, read through a scenario into the model's network, and
compared with an independent reference where one exists (networkx's own Pajek reader); and the
errors of a malformed file name the file, the line and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import openpyxl
import pytest

from simulation.errors import ScenarioError
from simulation.model import ClinicianModel
from simulation.network.graph_formats import read_graph_tables
from simulation.scenario import load_scenario


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario(folder: Path, network: str) -> Path:
    return write(folder, "net.toml", "[run]\nreplications = 1\nsteps = 2\n\n" + network)


def model_of(folder: Path, network: str) -> ClinicianModel:
    return ClinicianModel(load_scenario(scenario(folder, network)), 0, with_agents=False)


def ties_by_id(model: ClinicianModel) -> set[frozenset[str]]:
    return {frozenset((model.node_ids[i], model.node_ids[j])) for i, j in model.network.edges}


def error_of(folder: Path, network: str) -> str:
    with pytest.raises(ScenarioError) as error:
        load_scenario(scenario(folder, network))
    return str(error.value)


# Twelve physicians in a ring of advice arcs, a chord both ways, and one isolate ("Dr L").
PAJEK = """*Network advice among physicians
% a comment line
*Vertices 12
1 "Dr A" 0.10 0.20 0.5
2 "Dr B"
3 "Dr C"
4 "Dr D"
5 "Dr E"
6 "Dr F"
7 "Dr G"
8 "Dr H"
9 "Dr I"
10 "Dr J"
11 "Dr K"
12 "Dr L"
*Arcs
1 2 2.5
2 3 1
3 4 1
4 5 1
5 6 1
6 7 1
7 8 1
8 9 1
9 10 1
10 11 1
11 1 1
1 6 3
6 1 3
"""


def test_pajek_matches_networkx_and_keeps_labels_weights_directions_and_isolates(tmp_path):
    path = write(tmp_path, "advice.net", PAJEK)
    model = model_of(tmp_path, '[network]\ngenerator = "file"\nedges = "advice.net"\nweight = "weight"\n')
    reference = nx.Graph(nx.read_pajek(path))  # networkx's own reader, merged to undirected ties
    assert set(model.node_ids) == set(reference.nodes) and len(model.node_ids) == 12
    assert ties_by_id(model) == {frozenset(e) for e in reference.edges}
    assert model.network.degree[model.node_index["Dr L"]] == 0  # a vertex without ties is a clinician
    advisors = {
        frozenset((model.node_ids[i], model.node_ids[j])): model.node_ids[a]
        for (i, j), a in zip(model.network.edges, model.network.advisor, strict=True)
    }
    assert advisors[frozenset(("Dr B", "Dr C"))] == "Dr C"  # *Arcs: the named colleague advises
    hearing = model.network.hearing
    assert hearing is not None  # weights other than 1 reach the influence rules
    tie = next(
        k for k, (i, j) in enumerate(model.network.edges) if {model.node_ids[i], model.node_ids[j]} == {"Dr A", "Dr B"}
    )
    assert sorted(hearing[tie].tolist()) == [2.5, 2.5]


def test_pajek_edges_lists_and_relations_become_layers(tmp_path):
    write(
        tmp_path,
        "multi.net",
        "*Vertices 12\n"
        + "".join(f'{k} "n{k}"\n' for k in range(1, 13))
        + '*Edges :1 "discussion"\n'
        + "".join(f"{k} {k + 1}\n" for k in range(1, 12))
        + '*Arcslist :2 "advice"\n1 3 4 5\n',
    )
    model = model_of(tmp_path, '[network]\ngenerator = "file"\nedges = "multi.net"\nlayer = "layer"\n')
    assert set(model.network_layers) == {"discussion", "advice"}
    assert model.network.n_edges == 11 + 3
    advice = {frozenset((model.node_ids[i], model.node_ids[j])) for i, j in model.network_layers["advice"]}
    assert advice == {frozenset(("n1", f"n{k}")) for k in (3, 4, 5)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*Vertices 3\n1 a\n*Arcs\n1 4\n", ["line 4", "'4' is not a vertex number 1-3"]),
        ("*Vertices 3\n1 a\n*Arcs\n1 2 heavy\n", ["line 4", "'heavy' is not a number"]),
        ("*Vertices x\n", ["line 1", "*Vertices needs the number of vertices"]),
        ("*Vertices 2\n*Partition\n", ["line 2", "'*Partition' is not a section", "*arcs"]),
        ("1 2\n", ["line 1", "before a *Vertices line"]),
        ('*Vertices 2\n1 "a\n', ["line 2", "unclosed quote"]),
        ("*Vertices 2\n1 same\n2 same\n*Edges\n1 2\n", ["vertices 1 and 2 are both labelled 'same'"]),
    ],
)
def test_pajek_errors_name_the_file_and_line(tmp_path, text, expected):
    write(tmp_path, "bad.net", text)
    message = error_of(tmp_path, '[network]\ngenerator = "file"\nedges = "bad.net"\n')
    assert "bad.net" in message and "network.edges" in message and "\n" not in message.strip()
    for part in expected:
        assert part in message, message


def adjacency_dl(graph: nx.DiGraph, labels: list[str]) -> str:
    rows = [" ".join("1" if graph.has_edge(a, b) else "0" for b in labels) for a in labels]
    return (
        f"DL N={len(labels)}\nFORMAT = FULLMATRIX\nLABELS:\n" + ",".join(labels) + "\nDATA:\n" + "\n".join(rows) + "\n"
    )


def test_ucinet_full_matrix_gives_the_graph_it_was_written_from(tmp_path):
    graph = nx.gnp_random_graph(15, 0.25, seed=3, directed=True)
    labels = [f"md{k}" for k in range(15)]
    graph = nx.relabel_nodes(graph, dict(enumerate(labels)))
    write(tmp_path, "ties.dl", adjacency_dl(graph, labels))
    model = model_of(tmp_path, '[network]\ngenerator = "file"\nedges = "ties.dl"\n')
    assert model.node_ids == labels
    assert ties_by_id(model) == {frozenset(e) for e in graph.to_undirected().edges}
    one_way = {(a, b) for a, b in graph.edges if not graph.has_edge(b, a)}
    index = model.node_index
    for (i, j), advisor in zip(model.network.edges, model.network.advisor, strict=True):
        a, b = model.node_ids[i], model.node_ids[j]
        if (a, b) in one_way:
            assert model.node_ids[advisor] == b  # row names column: the column's clinician advises
        elif (b, a) in one_way:
            assert model.node_ids[advisor] == a
        else:
            assert advisor == -1 or advisor in (index[a], index[b])


def test_ucinet_embedded_labels_several_matrices_and_edgelist1(tmp_path):
    write(
        tmp_path,
        "two.dl",
        "dl n=4 nm=2\nformat = fullmatrix\nlabels embedded\nmatrix labels:\nadvice, friendship\ndata:\n"
        "a b c d\na 0 1 0 0\nb 0 0 1 0\nc 0 0 0 1\nd 0 0 0 0\n"
        "a b c d\na 0 0 0 2\nb 0 0 0 0\nc 0 0 0 0\nd 0 0 0 0\n",
    )
    two = read_graph_tables(tmp_path / "two.dl", "dl", "network.edges")
    assert [row[0] for row in two.nodes.rows] == list("abcd")
    assert two.edges.rows == [
        ["a", "b", "1", "advice"],
        ["b", "c", "1", "advice"],
        ["c", "d", "1", "advice"],
        ["a", "d", "2", "friendship"],
    ]
    assert two.directed.all()
    labels = [f"p{k}" for k in range(12)]
    write(
        tmp_path,
        "list.dl",
        "DL N=12 FORMAT=EDGELIST1\nLABELS EMBEDDED\nDATA:\n"
        + "".join(f"p{k} p{(k + 1) % 12} {1 + k % 2}\n" for k in range(12)),
    )
    model = model_of(tmp_path, '[network]\ngenerator = "file"\nedges = "list.dl"\nweight = "weight"\n')
    assert model.node_ids == labels and model.network.n_edges == 12
    assert sorted(set(model.network.hearing.ravel().tolist())) == [1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("graph 3\n", ["line 1", "the first word is not DL"]),
        ("DL N=3\nFORMAT = NODELIST1\nDATA:\n1 2\n", ["line 2", "'nodelist1' is not read", "fullmatrix, edgelist1"]),
        ("DL N=2\nDATA:\n0 1\n1\n", ["line 4", "3 words", "need 4"]),
        ("DL NR=2 NC=3\nDATA:\n", ["two-mode data"]),
        ("DL N=2\nLABELS:\na,b,c\nDATA:\n0 1\n1 0\n", ["3 labels for N = 2"]),
        ("DL N=2\nDATA:\n0 x\n1 0\n", ["line 3", "'x' is not a number"]),
        ("DL N=2 FORMAT=EDGELIST1\nDATA:\n1 5\n", ["line 3", "'5' is not a clinician number 1-2"]),
        ("DL N=2\n0 1\n", ["no DATA: line"]),
    ],
)
def test_ucinet_errors_name_the_file_and_line(tmp_path, text, expected):
    write(tmp_path, "bad.dl", text)
    message = error_of(tmp_path, '[network]\ngenerator = "file"\nedges = "bad.dl"\n')
    assert "bad.dl" in message and "\n" not in message.strip()
    for part in expected:
        assert part in message, message


def roster(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("notes").append(["not read"])
    workbook.save(path)
    return path


ROSTER_ROWS = [["staff id", "unit", "job", "years", "attitude"]] + [
    [100 + k, "ICU" if k < 6 else "ED", "nurse" if k % 2 else "doc", k + 1, 2.0 + 0.25 * k] for k in range(12)
]
RING = "".join(f"{100 + k},{100 + (k + 1) % 12}\n" for k in range(12))
ROSTER_NETWORK = """[network]
generator = "file"
edges = "ties.csv"

[network.nodes]
file = "{name}"
id = "staff id"
department = "unit"
role = "job"
seniority = "years"
attitude = "attitude"
"""


def test_xlsx_roster_reads_as_the_same_csv_node_table(tmp_path):
    write(tmp_path, "ties.csv", RING)
    roster(tmp_path / "roster.xlsx", ROSTER_ROWS)
    write(tmp_path, "roster.csv", "".join(",".join(str(c) for c in row) + "\n" for row in ROSTER_ROWS))
    from_excel = model_of(tmp_path, ROSTER_NETWORK.format(name="roster.xlsx"))
    from_csv = model_of(tmp_path, ROSTER_NETWORK.format(name="roster.csv"))
    assert from_excel.node_ids == from_csv.node_ids == [str(100 + k) for k in range(12)]
    assert from_excel.state.department_names == ["ICU", "ED"]
    assert (from_excel.state.attitude == from_csv.state.attitude).all()
    assert from_excel.state.attitude[4] == pytest.approx(3.0) and from_excel.state.seniority[0] == 1


def test_xlsx_errors_name_the_file_row_and_column(tmp_path):
    write(tmp_path, "ties.csv", RING)
    bad = [row[:] for row in ROSTER_ROWS]
    bad[3][4] = "keen"
    roster(tmp_path / "bad.xlsx", bad)
    message = error_of(tmp_path, ROSTER_NETWORK.format(name="bad.xlsx"))
    assert "bad.xlsx" in message and "line 4" in message and "'keen'" in message and "network.nodes.attitude" in message
    roster(tmp_path / "renamed.xlsx", [["id", "ward"]] + [[100 + k, "ICU"] for k in range(12)])
    message = error_of(tmp_path, ROSTER_NETWORK.format(name="renamed.xlsx"))
    assert "renamed.xlsx" in message and '"staff id"' in message and "its columns are 'id', 'ward'" in message
    write(tmp_path, "fake.xlsx", "id,unit\n1,ICU\n")
    message = error_of(tmp_path, ROSTER_NETWORK.format(name="fake.xlsx"))
    assert "fake.xlsx" in message and "cannot read" in message and "Excel workbook" in message
