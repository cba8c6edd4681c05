"""More bad input through the real console entry point (issue 19, "Bad input that still gets through").

The same contract as tests/test_bad_input.py, whose `Case` and runner this module reuses: exit status
2, exactly one `error:` line naming the file and the key and what is allowed, no traceback, and no
output folder.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from test_bad_input import EXTENDS_BASELINE, EXTENDS_WORKSHOPS, Case, Outcome, _run_case

TINY = EXTENDS_BASELINE + "[run]\nreplications = 1\nsteps = 2\n"
FILE_NETWORK = '[network]\ngenerator = "file"\nedges = "ties.csv"\n'
TIES = "".join(f"{i},{i + 1}\n" for i in range(11))  # a path of 12 clinicians, ids 0-11
TARGET = '[[targets]]\nmetric = "share_verify"\nby_week = 2\n'

CASES = [
    # 1. NaN and infinity in any float of the schema (TOML writes them nan, inf, +inf, -inf).
    Case(
        "department_share_nan",
        {"dept_nan.toml": TINY + '[population.departments]\n"Emergency medicine" = nan\nSurgery = 0.5\n'},
        "dept_nan.toml",
        ["dept_nan.toml", "population.departments.Emergency medicine", "NaN", "finite number"],
    ),
    Case(
        "department_share_inf",
        {"dept_inf.toml": TINY + "[population.departments]\nSurgery = inf\nRadiology = 0.5\n"},
        "dept_inf.toml",
        ["dept_inf.toml", "population.departments.Surgery", "Infinity", "finite number"],
    ),
    Case(
        "min_weight_nan",
        {"weight_nan.toml": TINY + "[network]\nmin_weight = nan\n"},
        "weight_nan.toml",
        ["weight_nan.toml", "network.min_weight", "NaN", "finite number"],
    ),
    Case(
        "target_at_least_nan",
        {"target_nan.toml": TINY + TARGET + "at_least = nan\n"},
        "target_nan.toml",
        ["target_nan.toml", "targets[", "at_least", "NaN", "finite number"],
    ),
    Case(
        "seniority_pair_minus_inf",
        {"pair_inf.toml": TINY + "[population.roles.physician]\nshare = 0.5\nseniority_years = [-inf, 10]\n"},
        "pair_inf.toml",
        ["pair_inf.toml", "population.roles.physician.seniority_years[0]", "-Infinity", "finite number"],
    ),
    Case(
        "sweep_low_nan",
        {
            "sweep_nan.toml": EXTENDS_WORKSHOPS
            + '[sweep]\n[[sweep.parameters]]\nkey = "judgment.visibility"\nlow = nan\nhigh = 0.5\npoints = 3\n'
        },
        "sweep_nan.toml",
        ["sweep_nan.toml", "sweep.parameters[0].low", "NaN", "finite number"],
    ),
    # 2. A generated network cannot give anyone more colleagues than the other n - 1 clinicians.
    Case(
        "mean_degree_above_n_minus_1",
        {"degree.toml": TINY + "[population]\nn = 20\n[network]\nmean_degree = 30\n"},
        "degree.toml",
        ["degree.toml", "network.mean_degree = 30", "19 other clinicians", "population.n = 20", "up to 19"],
    ),
    # 3. Network files: a separator of two characters; more seats than the clinicians of a file network.
    Case(
        "edge_delimiter_two_characters",
        {"sep.toml": TINY + FILE_NETWORK + 'delimiter = ";;"\n', "ties.csv": TIES},
        "sep.toml",
        ["sep.toml", "network.delimiter", "';;'", "one character"],
    ),
    Case(
        "node_delimiter_two_characters",
        {
            "node_sep.toml": TINY + FILE_NETWORK + '[network.nodes]\nfile = "ties.csv"\ndelimiter = "ab"\n',
            "ties.csv": TIES,
        },
        "node_sep.toml",
        ["node_sep.toml", "network.nodes.delimiter", "'ab'", "one character"],
    ),
    Case(
        "seats_above_file_network_size",
        {
            "file_seats.toml": TINY + FILE_NETWORK + '[[interventions]]\nkind = "workshop"\nseats = 50\n',
            "ties.csv": TIES,
        },
        "file_seats.toml",
        ["file_seats.toml", "interventions[0].seats = 50", "12 clinicians", "allowed: 1 to 12", "network files"],
    ),
    # 4. Nesting deep enough to exhaust the parser's (or the merge's) stack.
    Case(
        "toml_arrays_100000_deep",
        {"deep.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n"},
        "deep.toml",
        ["deep.toml", "nested too deep", "64 levels"],
    ),
    Case(
        "toml_tables_50000_deep",
        {"deep_tables.toml": "[" + ".".join(["a"] * 50_000) + "]\n"},
        "deep_tables.toml",
        ["deep_tables.toml", "nested too deep", "64 levels"],
    ),
    # 5. A parent that is not a scenario file: the message names it and the file whose `extends` named it.
    Case(
        "extends_target_not_toml",
        {"child.toml": 'extends = "notes.txt"\n', "notes.txt": "root:x:0:0:root:/root:/bin/bash\n"},
        "child.toml",
        ["notes.txt", "TOML syntax error", "named by key 'extends' in", "child.toml"],
    ),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, child_env) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("bad_input_more")
    results = [_run_case(CASES[0], root, child_env)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results += pool.map(lambda c: _run_case(c, root, child_env), CASES[1:])
    return {o.case.id: o for o in results}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_one_clear_message(outcomes, case):
    o = outcomes[case.id]
    assert o.returncode == 2, (o.stdout, o.stderr)
    assert "Traceback" not in o.stderr and "Traceback" not in o.stdout
    lines = o.stderr.strip().splitlines()
    assert len(lines) == 1, o.stderr
    message = lines[0]
    assert message.startswith("error: ")
    for text in case.expect:
        assert text in message, (text, message)
    assert o.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_creates_no_output_folder(outcomes, case):
    o = outcomes[case.id]
    assert not o.out.exists()
    leftovers = sorted(p.name for p in o.folder.iterdir() if p.name not in case.files)
    assert leftovers == []
