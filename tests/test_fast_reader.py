"""The fast edge-list reader (pyarrow.csv, `simulation.network.arrow_table`) against the plain one.

The plain reader (`tables.read_table`, one line at a time) is the oracle: on generated files, and on
every malformed file of the bad-input tests, reading with the fast path forced on (no size limit)
gives the same clinicians, ties, advisors, layers and weights, or the same error message, as the
plain reader alone. The size limit itself (`FAST_MIN_BYTES`) and the fast path being taken are
checked too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulation.errors import UserError
from simulation.network import arrow_table, files
from simulation.scenario.network import NetworkConfig

_count = iter(range(10**9))


def outcome(config: NetworkConfig) -> tuple:
    """What reading gives: the network's ids, ties, advisors, layers and weights, or the message."""
    try:
        data = files._read(config)
    except UserError as exc:
        return ("error", str(exc))
    hearing = None if data.hearing is None else data.hearing.tolist()
    layers = {name: ties.tolist() for name, ties in data.layers.items()}
    return (data.ids, data.edges.tolist(), data.advisor.tolist(), layers, data.layer_arcs, hearing, data.notes)


def both(monkeypatch, config: NetworkConfig) -> tuple[tuple, tuple, bool]:
    """(plain outcome, fast outcome, whether the fast parser answered)."""
    with monkeypatch.context() as patch:
        patch.setattr(arrow_table, "read_coded", lambda *args: None)
        plain = outcome(config)
    answered = []
    real = arrow_table.read_coded

    def spy(*args):
        result = real(*args)
        answered.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(arrow_table, "FAST_MIN_BYTES", 0)
        patch.setattr(arrow_table, "read_coded", spy)
        fast = outcome(config)
    return plain, fast, any(answered)


def config_for(path: Path, **keys) -> NetworkConfig:
    return NetworkConfig(generator="file", edges=str(path), **keys)


IDS = st.sampled_from(
    ["1", "2", "3", "01", "10", "a", "b", "dr x", "é", "c#", '"q"', " 4", "5 ", "1.0", "\xa0z", "x,y"]
)
WEIGHTS = st.sampled_from(["1", "0.5", "2", "heavy", "nan", "1e1", " 3", "-1"])
LAYERS = st.sampled_from(["1", "1.0", "2", "advice", "friend ship"])


@st.composite
def edge_files(draw):
    """(file name, bytes, config keys) of an edge list with mostly valid and some odd rows."""
    suffix = draw(st.sampled_from([".csv", ".tsv", ".txt"]))
    sep = {".csv": ",", ".tsv": "\t", ".txt": draw(st.sampled_from([" ", "  ", "\t", " \t"]))}[suffix]
    columns = draw(st.sampled_from([["s", "t"], ["s", "t", "w"], ["s", "t", "layer", "w"]]))
    lines = []
    if draw(st.booleans()):
        lines.append(sep.join(["source", "target", "layer", "weight"][: len(columns)]))
    for _ in range(draw(st.integers(1, 30))):
        cells = [draw(IDS), draw(IDS)]
        if "layer" in columns:
            cells.append(draw(LAYERS))
        if "w" in columns:
            cells.append(draw(WEIGHTS))
        if suffix == ".csv" and draw(st.integers(0, 5)) == 0:
            cells = [f'"{c}"' if '"' not in c else c for c in cells]
        lines.append(sep.join(cells))
        odd = draw(st.integers(0, 12))
        if odd == 0:
            lines.append("# a comment")
        elif odd == 1:
            lines.append("   ")
        elif odd == 2:
            lines.append("")
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    keys: dict = {"header": draw(st.sampled_from([True, False, "auto"])), "drop_unknown_nodes": True}
    if "layer" in columns:
        keys["layer"] = 3
    if "w" in columns:
        keys["weight"] = len(columns)
        if draw(st.booleans()):
            keys["min_weight"] = 1.0
    keys["directed"] = draw(st.sampled_from([None, True, [2]]))
    return suffix, text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"]))), keys


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=edge_files())
@example(case=(".txt", b"1 2\n2 3\n3 1\n", {}))
@example(case=(".csv", b'source,target\n"a", "b"\na,c\n', {}))
def test_fast_and_plain_readers_agree_on_generated_edge_lists(tmp_path, monkeypatch, case):
    suffix, content, keys = case
    path = tmp_path / f"ties{next(_count)}{suffix}"
    path.write_bytes(content)
    plain, fast, _ = both(monkeypatch, config_for(path, **keys))
    assert fast == plain


def ring_lines(n: int, sep: str = ",") -> str:
    return "".join(f"{k}{sep}{(k + 1) % n}{sep}{1 + k % 3}\n" for k in range(n))


@pytest.mark.parametrize(
    ("name", "content", "keys", "fast_answers"),
    [
        ("clean.csv", "source,target,weight\n" + ring_lines(500), {"weight": "weight"}, True),
        ("spaces.txt", "# ties\n\n" + ring_lines(500, " "), {"weight": 3, "min_weight": 2}, True),
        ("aligned.txt", ring_lines(500, "   "), {}, True),
        ("crlf.tsv", ring_lines(500, "\t").replace("\n", "\r\n"), {"layer": 3}, True),
        ("quoted.csv", '"from","to"\n' + "".join(f'"dr {k}","dr {k + 1}"\n' for k in range(500)), {}, True),
        ("ragged.csv", ring_lines(500) + "1,2\n", {}, False),
        ("long.csv", ring_lines(500) + "x" * 300 + ",1,1\n", {}, False),
        ("control.txt", ring_lines(500, " ") + "\x1b[31m 1 1\n", {}, False),
        ("weight_word.csv", ring_lines(500) + "3,4,heavy\n", {"weight": 3}, True),
        ("unknown_layer.csv", ring_lines(500), {"layer": 3, "layers": [7]}, True),
        ("direction_word.csv", ring_lines(500).replace(",1\n", ",sideways\n"), {"direction": 3}, True),
        (
            "no_such_column.csv",
            "a,b\n" + ring_lines(500).replace(",1\n", "\n").replace(",2\n", "\n").replace(",3\n", "\n"),
            {"source": "from"},
            True,
        ),
        ("loops.csv", ring_lines(500) + "7,7,1\n", {}, True),
    ],
)
def test_fast_path_gives_the_plain_readers_network_or_message(tmp_path, monkeypatch, name, content, keys, fast_answers):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    plain, fast, answered = both(monkeypatch, config_for(path, **keys))
    assert fast == plain
    assert answered == fast_answers  # refused files go to the plain reader, whose message is the reference
    line = {"weight_word.csv": "line 501:", "direction_word.csv": "line 1:"}.get(name)
    if line is not None:
        assert plain[0] == "error" and line in plain[1]  # the line number comes from the plain reader


def test_not_utf8_and_binary_files_go_to_the_plain_reader(tmp_path, monkeypatch):
    for name, content in (
        ("latin.txt", ring_lines(500, " ").encode() + b"caf\xe9 5\n"),
        ("nul.txt", b"1 2\x00\n" * 400),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        plain, fast, answered = both(monkeypatch, config_for(path))
        assert fast == plain and plain[0] == "error" and not answered


def test_small_files_skip_pyarrow_and_big_ones_take_it(tmp_path, monkeypatch):
    small = tmp_path / "small.csv"
    small.write_text(ring_lines(50), encoding="utf-8")
    assert small.stat().st_size < arrow_table.FAST_MIN_BYTES
    assert arrow_table.read_coded(small, "network.edges", "auto", "auto", False, "#", [0, 1]) is None
    big = tmp_path / "big.csv"
    big.write_text(ring_lines(40_000), encoding="utf-8")
    assert big.stat().st_size >= arrow_table.FAST_MIN_BYTES
    columns = arrow_table.read_coded(big, "network.edges", "auto", "auto", False, "#", [0, 1])
    assert columns is not None and len(columns.column(1, "network.source")) == 40_000
    data = files._read(config_for(big, weight=3))
    assert data.n == 40_000 and data.edges.shape == (40_000, 2)
    np.testing.assert_array_equal(np.sort(data.edges, axis=1), data.edges)
