"""Property: whatever a scenario file holds, the loader accepts it or raises ScenarioError, never anything else.

Hypothesis generates documents: real table and key names (and misspelt or unknown ones), values of
every TOML type including out-of-range numbers, text, lists, nested tables, `[[interventions]]` of
real and unknown kinds, `[sweep]` / `[sensitivity]` tables, `extends` to missing, odd or circular
paths; and raw text that may not be TOML at all. Files are data: a value that looks like code is
only ever a string.
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulation.errors import ScenarioError
from simulation.scenario import Scenario, load_scenario
from simulation.scenario.interventions import CONFIGS
from simulation.scenario.schema import Scenario as _Schema

SECTIONS = {name: sorted(field.annotation.model_fields) for name, field in _Schema.model_fields.items()
            if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields")}  # fmt: skip
INTERVENTION_KEYS = sorted({key for config in CONFIGS.values() for key in config.model_fields})
NAMES = st.sampled_from(sorted({k for keys in SECTIONS.values() for k in keys} | set(INTERVENTION_KEYS)))
KEYS = st.one_of(
    NAMES, NAMES.map(lambda k: k[:-1] or "x"), st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
)

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    TEXT,
    st.sampled_from(
        ["__import__('os').system('echo pwned')", "skeptics", "random", "workshop", "file", "hospital", "../x.toml"]
    ),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=6)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def table(keys: st.SearchStrategy) -> st.SearchStrategy:
    return st.dictionaries(keys, VALUES, max_size=5)


@st.composite
def documents(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(
            f"extends = {toml_value(draw(st.one_of(st.sampled_from(['self.toml', 'missing.toml', '', '.', '/']), TEXT, st.integers(), st.text(min_size=260, max_size=5000))))}"
        )
    for section in draw(st.lists(st.one_of(st.sampled_from(sorted(SECTIONS)), KEYS), max_size=4, unique=True)):
        keys = st.one_of(st.sampled_from(SECTIONS.get(section, ["x"])), KEYS)
        lines.append(f"[{json.dumps(section)}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in draw(table(keys)).items()]
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[interventions]]")
        body = draw(table(st.one_of(st.sampled_from(INTERVENTION_KEYS), KEYS)))
        if draw(st.booleans()):
            body["kind"] = draw(st.one_of(st.sampled_from(sorted(CONFIGS)), TEXT))
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in body.items()]
    for experiment in draw(st.lists(st.sampled_from(["sweep", "sensitivity"]), max_size=1)):
        lines.append(f"[[{experiment}.parameters]]")
        parameter = draw(table(st.sampled_from(["key", "values", "low", "high", "step", "points"])))
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in parameter.items()]
    return "\n".join(lines) + "\n"


def check(folder: Path, text: str) -> None:
    path = folder / "self.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        assert str(exc).strip(), "an empty message"
        return
    assert isinstance(scenario, Scenario)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=documents())
@example(text='extends = "' + "x" * 5000 + '"\n')
def test_generated_documents_load_or_raise_scenario_error(tmp_path, text):
    check(tmp_path, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(
        st.sampled_from(list("[]=\"'.#\n ,{}0123456789abcdefghijklmnopqrstuvwxyz_-+") + ["\x00", "é"]), max_size=80
    )
)
def test_arbitrary_text_loads_or_raises_scenario_error(tmp_path, text):
    check(tmp_path, text)


def test_values_that_look_like_code_stay_text(tmp_path):
    path = tmp_path / "code.toml"
    path.write_text("[scenario]\ndescription = \"__import__('os').system('touch pwned')\"\n", encoding="utf-8")
    assert load_scenario(path).scenario.description == "__import__('os').system('touch pwned')"
    assert not (tmp_path / "pwned").exists()


def test_relative_paths_resolve_against_the_file_not_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "base.toml").write_text("[population]\nn = 77\n", encoding="utf-8")
    (tmp_path / "a" / "b" / "child.toml").write_text(
        'extends = "../base.toml"\n[scenario]\ncompare_to = "../base.toml"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(Path("a/b/child.toml"))
    assert scenario.population.n == 77
    assert scenario.compare_to_path.resolve() == (tmp_path / "a" / "base.toml").resolve()


@pytest.mark.parametrize("parent", ["x" * 5000, "/", ".", "", "missing.toml", "a\u00e9/../b.toml"])
def test_odd_extends_paths_are_bad_input(tmp_path, parent):
    """Found by the property test: a 5,000-character `extends` raised OSError (file name too long)."""
    path = tmp_path / "odd.toml"
    path.write_text(f"extends = {json.dumps(parent)}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(f"{path}: key 'extends'") and len(str(error.value)) < 400


# Data files: whatever bytes an edge list, a node table or an observed series holds, the loader (and
# `read_observed`) accepts it or raises the project's own error (a `UserError`), never anything else,
# and a message shows no more than a few dozen characters of one line of the file.

CELL = st.one_of(
    st.integers(-3, 40).map(str),
    st.sampled_from(["", "id", "source", "target", "weight", "layer", "nan", "inf", "-", "never", "1.5", "1e3", "x"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.text(string.ascii_letters, min_size=61, max_size=300),
)
SEPARATORS = st.sampled_from([",", " ", "\t", ";", "  ", ", "])


@st.composite
def table_bytes(draw) -> bytes:
    """Text tables: near-valid ones (integer ids, a weight, then perhaps one line spoilt: a cell of
    any text, a missing or extra cell, a comment) or rows of any cells, maybe ragged; or bytes that
    are not text at all."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.binary(max_size=200))
    separator = draw(SEPARATORS)
    if choice <= 5:
        size = draw(st.integers(8, 30))
        rows = [
            separator.join(
                [
                    str(draw(st.integers(0, size))),
                    str(draw(st.integers(0, size))),
                    draw(st.sampled_from(["1", "0.2", "3"])),
                ]
            )
            for _ in range(draw(st.integers(10, 40)))
        ]
        if draw(st.booleans()):
            at = draw(st.integers(0, len(rows) - 1))
            cells = rows[at].split(separator) if separator.strip() else rows[at].split()
            spoil = draw(st.sampled_from(["cell", "drop", "add", "comment"]))
            if spoil == "cell":
                cells[draw(st.integers(0, len(cells) - 1))] = draw(CELL)
            elif spoil == "drop":
                cells.pop()
            elif spoil == "add":
                cells.append(draw(CELL))
            rows[at] = "# " + rows[at] if spoil == "comment" else separator.join(cells)
        if draw(st.booleans()):
            rows.insert(0, separator.join(["source", "target", "weight"]))
    else:
        width = draw(st.integers(1, 4))
        rows = []
        for _ in range(draw(st.integers(0, 25))):
            ragged = draw(st.integers(0, 5)) == 0
            rows.append(
                separator.join(
                    draw(st.lists(CELL, max_size=5) if ragged else st.lists(CELL, min_size=width, max_size=width))
                )
            )
            if draw(st.integers(0, 12)) == 0:
                rows.append(draw(st.sampled_from(["# a comment", "", "   "])))
    text = "\n".join(rows) + draw(st.sampled_from(["", "\n", "\r\n"]))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"])), errors="replace")


NETWORK_KEYS = st.fixed_dictionaries(
    {},
    optional={
        "header": st.sampled_from(["true", "false", '"auto"']),
        "delimiter": st.sampled_from(['"auto"', '","', '"whitespace"', '";"', '"tab"']),
        "source": st.sampled_from(["1", "2", '"source"', '"id"']),
        "target": st.sampled_from(["2", "3", '"target"']),
        "weight": st.sampled_from(["3", '"weight"']),
        "layer": st.sampled_from(["3", '"layer"']),
        "directed": st.sampled_from(["true", "false"]),
        "drop_unknown_nodes": st.sampled_from(["true", "false"]),
    },
)
_written = iter(range(10**9))  # a new file name per example: the network file cache is keyed by size and mtime


def _longest_line_shown(message: str, content: bytes) -> None:
    for line in content.decode("utf-8", errors="replace").splitlines():
        assert line.strip()[:61] not in message or len(line.strip()) <= 60, (line[:80], message[:300])


def _check_network(folder: Path, edges: bytes, keys: dict, nodes: bytes | None) -> None:
    from simulation.errors import UserError

    number = next(_written)
    (folder / f"ties{number}.txt").write_bytes(edges)
    lines = ["[run]", "replications = 1", "steps = 2", "[network]", 'generator = "file"', f'edges = "ties{number}.txt"']
    lines += [f"{key} = {value}" for key, value in keys.items() if key not in ("weight",)]
    if "weight" in keys:
        lines += [f"weight = {keys['weight']}", "min_weight = 0.5"]
    if nodes is not None:
        (folder / f"nodes{number}.txt").write_bytes(nodes)
        lines += ["[network.nodes]", f'file = "nodes{number}.txt"', "department = 2"]
    path = folder / f"net{number}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except UserError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        _longest_line_shown(str(exc), edges + (nodes or b""))
        return
    assert 10 <= scenario.population.n <= 5_000_000


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(edges=table_bytes(), keys=NETWORK_KEYS)
@example(edges=b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n", keys={})
@example(edges=b"\x7fELF\x02\x01\x01\x00" * 8, keys={})
def test_generated_edge_lists_load_or_raise_user_error(tmp_path, edges, keys):
    _check_network(tmp_path, edges, keys, None)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(nodes=table_bytes())
def test_generated_node_tables_load_or_raise_user_error(tmp_path, nodes):
    ring = "".join(f"{i} {(i + 1) % 12}\n" for i in range(12)).encode()
    _check_network(tmp_path, ring, {"drop_unknown_nodes": "true"}, nodes)


@pytest.fixture(scope="module")
def calibration_scenarios(tmp_path_factory):
    """A generated-network scenario (for series) and a file-network one (for per-clinician times)."""
    folder = tmp_path_factory.mktemp("observed")
    (folder / "ring.txt").write_text("".join(f"{i} {(i + 1) % 12}\n" for i in range(12)), encoding="utf-8")
    plain = folder / "plain.toml"
    plain.write_text("[run]\nsteps = 10\n[population]\nn = 20\n", encoding="utf-8")
    ring = folder / "ring.toml"
    ring.write_text('[run]\nsteps = 10\n[network]\ngenerator = "file"\nedges = "ring.txt"\n', encoding="utf-8")
    return load_scenario(plain), load_scenario(ring)


OBSERVED_HEADERS = st.sampled_from(
    [
        "step,cumulative_adoption",
        "week,share_verify",
        "step share_primary",
        "month;mean_attitude",
        "id,adoption",
        "id adoption",
        "step",
        "x,y,z",
        "",
    ]
)


OBSERVED_CELL = st.one_of(
    st.integers(-2, 15).map(str),
    st.floats(-0.5, 120, allow_nan=False).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["never", "", "nan", "NA", "inf"]),
    CELL,
)


@st.composite
def observed_bytes(draw) -> bytes:
    """An observed data file: a header of either form (or none) and rows of two cells, often
    plausible (steps and shares), sometimes any table of `table_bytes`."""
    header = draw(OBSERVED_HEADERS)
    if draw(st.integers(0, 3)) == 0:
        return ((header + "\n").encode() if header else b"") + draw(table_bytes())
    separator = next((c for c in ",;" if c in header), " ")
    rows = [
        separator.join(
            [draw(st.integers(0, 14).map(str)) if draw(st.integers(0, 6)) else draw(OBSERVED_CELL), draw(OBSERVED_CELL)]
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return "\n".join([header, *rows]).encode()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(content=observed_bytes())
@example(content=b"step,cumulative_adoption\n1,0.2\n2,0.1\n")
@example(content=b"id,adoption\n1,3\n2,soon\n")
def test_generated_observed_data_read_or_raise_user_error(tmp_path, calibration_scenarios, content):
    from simulation.errors import UserError
    from simulation.experiments.calibration import read_observed

    header = content.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    path = tmp_path / f"observed{next(_written)}.csv"
    path.write_bytes(content)
    plain, ring = calibration_scenarios
    try:
        observed = read_observed(path, ring if header.startswith("id") else plain)
    except UserError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        _longest_line_shown(str(exc), content)
        return
    assert observed.steps.shape == observed.values.shape
    assert all(math.isfinite(v) for v in observed.values)
