"""Bad input across every command (issue 19): run, compare, sweep, sensitivity, calibrate, plan, view, new.

Each case runs the real `simulate` entry point in its own process and must: exit with status 2, print
exactly one `error:` line on stderr naming the file (or option) and the key or column and what is
allowed, print no traceback and nothing on stdout, and leave nothing behind (no output folder, no
temporary folder). The processes run under a 4 GiB address-space limit, so a case that started to
build what it should have refused (a network of 10^9 ties) fails with a MemoryError traceback instead
of exhausting the machine; a case still running after 60 s is a failure too.

The cases cover the scenario file (unknown keys with a suggestion, wrong types in each section,
out-of-range values), the memory estimate, command-line options and overrides (`--steps` beyond a
schedule), the observed data of `simulate calibrate`, data files that are not what they claim to be
(a system file, a binary file, a table of ragged lines), `[budget]` tables, `simulate view` before a
server starts, and `simulate new`. A message never shows more than a few dozen characters of a data
file's content (`absent` strings are long lines of the files).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import BASELINE, WORKSHOPS, toml_string

MEMORY_LIMIT = 4 << 30  # bytes of address space per case (a valid small run needs about 1.5 GiB)
ENTRY = [
    sys.executable,
    "-c",
    f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    "from simulation.cli import main; main()",
]
RUN_TAIL = ["--out", "results", "--quiet"]


@dataclass
class Case:
    """One bad invocation: `argv` after `simulate` (run in the case's folder, then `tail`), the files
    to write there (text or bytes), substrings the one message must hold, and strings it must not."""

    id: str
    argv: list[str]
    files: dict[str, str | bytes]
    expect: list[str]
    absent: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=lambda: list(RUN_TAIL))


EXTENDS = f"extends = {toml_string(str(BASELINE))}\n"
TINY = EXTENDS + "[run]\nreplications = 1\nsteps = 2\n"
WORKSHOP_PLAN = f"extends = {toml_string(str(WORKSHOPS))}\n[run]\nreplications = 1\nsteps = 4\n[population]\nn = 40\n"
FILE_NETWORK = TINY + '[network]\ngenerator = "file"\nedges = "ties.txt"\n'
TIES = "".join(f"{i} {i + 1}\n" for i in range(11))  # a path of 12 clinicians
NODES = "id department\n" + "".join(f"{i} Surgery\n" for i in range(12))
NODE_NETWORK = FILE_NETWORK + '[network.nodes]\nfile = "nodes.txt"\nid = "id"\ndepartment = "department"\n'
HUGE = "[population]\nn = 5000000\n[network]\nmean_degree = 500\n[run]\nreplications = 1\nsteps = 2\n"
COMPLETE = '[population]\nn = 5000000\n[network]\ngenerator = "complete"\n[run]\nreplications = 1\n'
LONG_LINE = "secret-" + "x" * 300  # never shown whole in a message
CALIBRATION = (
    TINY.replace("steps = 2", "steps = 10")
    + '[calibration]\nfree = { "choice.bass_p" = [0.0, 0.2] }\nsamples = 10\nreplications = 1\n'
)
CALIBRATE_TAIL = ["--out", "results"]
BUDGET = (
    EXTENDS + "[run]\nreplications = 1\nsteps = 4\n[budget]\nhours = [500]\n"
    '[[budget.menu]]\nkind = "workshop"\nname = "workshops"\n[budget.menu.choose]\nseats = [10, 20]\n'
)


def sweep(body: str) -> str:
    return WORKSHOP_PLAN + "[sweep]\n" + body


def sensitivity(body: str) -> str:
    return WORKSHOP_PLAN + "[sensitivity]\n" + body


def observed(name: str, text: str | bytes, expect: list[str], case_id: str | None = None) -> Case:
    """`simulate calibrate calib.toml --observed <name>` with that file."""
    return Case(
        case_id or f"observed_{name.split('.')[0]}",
        ["calibrate", "calib.toml", "--observed", name],
        {"calib.toml": CALIBRATION, name: text},
        [name, *expect],
        tail=CALIBRATE_TAIL,
    )


def edges_case(case_id: str, edges: str | bytes, expect: list[str], extra: str = "", **kw) -> Case:
    """A file network whose tie file `ties.txt` holds `edges`."""
    return Case(case_id, ["net.toml"], {"net.toml": FILE_NETWORK + extra, "ties.txt": edges}, expect, **kw)


def nodes_case(case_id: str, nodes: str | bytes, expect: list[str]) -> Case:
    """A file network with a good tie file and the node table `nodes.txt`."""
    return Case(case_id, ["nodes.toml"], {"nodes.toml": NODE_NETWORK, "ties.txt": TIES, "nodes.txt": nodes}, expect)


CASES = [
    # The scenario file: unknown keys (with a suggestion), wrong types in each section, ranges.
    Case(
        "run_key_typo",
        ["f.toml"],
        {"f.toml": EXTENDS + "[run]\nstep = 10\n"},
        ["f.toml", "run.step", "did you mean 'steps'"],
    ),
    Case(
        "judgment_key_typo",
        ["f.toml"],
        {"f.toml": EXTENDS + "[judgment]\nvisibilty = 0.5\n"},
        ["f.toml", "judgment.visibilty", "did you mean 'visibility'", "allowed keys"],
    ),
    Case(
        "network_key_typo",
        ["f.toml"],
        {"f.toml": EXTENDS + "[network]\nmean_degre = 8\n"},
        ["f.toml", "network.mean_degre", "did you mean 'mean_degree'"],
    ),
    Case(
        "target_key_typo",
        ["f.toml"],
        {"f.toml": TINY + '[[targets]]\nmetric = "share_verify"\nby_weeks = 10\n'},
        ["f.toml", "by_weeks", "did you mean 'by_week'"],
    ),
    Case(
        "steps_as_text",
        ["f.toml"],
        {"f.toml": EXTENDS + '[run]\nsteps = "ten"\n'},
        ["f.toml", "run.steps", "ten", "integer"],
    ),
    Case(
        "visibility_as_text",
        ["f.toml"],
        {"f.toml": EXTENDS + '[judgment]\nvisibility = "high"\n'},
        ["f.toml", "judgment.visibility", "high", "number"],
    ),
    Case(
        "generator_unknown",
        ["f.toml"],
        {"f.toml": EXTENDS + '[network]\ngenerator = "small_world"\n'},
        ["f.toml", "network.generator", "small_world", "allowed", "hospital"],
    ),
    Case(
        "interventions_not_a_list",
        ["f.toml"],
        {"f.toml": EXTENDS + 'interventions = "workshop"\n'},
        ["f.toml", "interventions", "list"],
    ),
    Case(
        "departments_not_a_table",
        ["f.toml"],
        {"f.toml": EXTENDS + "[population]\ndepartments = 3\n"},
        ["f.toml", "population.departments", "dictionary"],
    ),
    Case(
        "seed_negative",
        ["f.toml"],
        {"f.toml": EXTENDS + "[run]\nseed = -1\n"},
        ["f.toml", "run.seed", "greater than or equal to 0"],
    ),
    Case(
        "steps_too_many",
        ["f.toml"],
        {"f.toml": EXTENDS + "[run]\nsteps = 1000000\n"},
        ["f.toml", "run.steps", "less than or equal to 100000"],
    ),
    Case(
        "clinicians_too_many",
        ["f.toml"],
        {"f.toml": EXTENDS + "[population]\nn = 6000000\n"},
        ["f.toml", "population.n", "less than or equal to 5000000"],
    ),
    Case(
        "mean_degree_zero",
        ["f.toml"],
        {"f.toml": EXTENDS + "[network]\nmean_degree = 0\n"},
        ["f.toml", "network.mean_degree", "greater than 0"],
    ),
    Case(
        "every_zero",
        ["f.toml"],
        {"f.toml": TINY + '[[interventions]]\nkind = "workshop"\nstart = 1\nevery = 0\n'},
        ["f.toml", "interventions[0].every", "greater than or equal to 1"],
    ),
    Case(
        "ids_beyond_population",
        ["f.toml"],
        {"f.toml": TINY + '[[interventions]]\nkind = "workshop"\ntargeting = "ids"\nids = [1000]\n'},
        ["f.toml", "interventions[0].ids", "1000", "0 to 499"],
    ),
    Case(
        "target_metric_unknown",
        ["f.toml"],
        {"f.toml": TINY + '[[targets]]\nmetric = "share_skeptic"\nby_week = 2\nat_most = 0.2\n'},
        ["f.toml", "targets[0].metric", "share_skeptic", "did you mean 'share_skeptical'"],
    ),
    Case("extends_a_number", ["f.toml"], {"f.toml": "extends = 5\n"}, ["f.toml", "extends", "file name in quotes"]),
    Case("extends_a_folder", ["f.toml"], {"f.toml": 'extends = "."\n'}, ["f.toml", "extends", "not a file"]),
    Case(
        "toml_duplicate_key", ["f.toml"], {"f.toml": "[run]\nsteps = 1\nsteps = 2\n"}, ["f.toml", "TOML syntax error"]
    ),
    Case("toml_not_utf8", ["f.toml"], {"f.toml": b"[scenario]\nname = '\xe9t\xe9'\n"}, ["f.toml", "cannot read"]),
    Case(
        "scenario_name_a_number",
        ["f.toml"],
        {"f.toml": EXTENDS + "[scenario]\nname = 5\n"},
        ["f.toml", "scenario.name", "string"],
    ),
    Case(
        "experience_key_typo",
        ["f.toml"],
        {"f.toml": EXTENDS + "[experience]\nerror_rte = 0.1\n"},
        ["f.toml", "experience.error_rte", "did you mean 'error_rate'"],
    ),
    Case(
        "choice_rule_unknown",
        ["f.toml"],
        {"f.toml": EXTENDS + '[choice]\nrule = "logistic"\n'},
        ["f.toml", "choice.rule", "logistic", "allowed", "logit"],
    ),
    Case(
        "attitude_rate_a_list",
        ["f.toml"],
        {"f.toml": EXTENDS + "[attitude]\ninfluence_rate = [0.1]\n"},
        ["f.toml", "attitude.influence_rate", "number"],
    ),
    Case(
        "costs_currency_too_long",
        ["f.toml"],
        {"f.toml": EXTENDS + '[costs]\ncurrency = "US dollars of 2025"\n'},
        ["f.toml", "costs.currency", "at most 8 characters"],
    ),
    Case(
        "uncertainty_worlds_text",
        ["f.toml"],
        {"f.toml": EXTENDS + '[uncertainty]\nworlds = "many"\n'},
        ["f.toml", "uncertainty.worlds", "many", "integer"],
    ),
    Case(
        "initial_modes_key_typo",
        ["f.toml"],
        {"f.toml": EXTENDS + "[population.initial_modes]\nnone = 0.6\nverfy = 0.3\nprimary = 0.1\n"},
        ["f.toml", "population.initial_modes.verfy", "did you mean 'verify'"],
    ),
    # What cannot fit in memory is refused before anything is built (simulation/execution/memory_estimate.py).
    Case(
        "memory_degree_500_on_5_million",
        ["huge.toml"],
        {"huge.toml": HUGE},
        [
            "huge.toml",
            "network.mean_degree = 500",
            "population.n = 5000000",
            "GB",
            "more than this machine's",
            "allowed",
        ],
    ),
    Case(
        "memory_complete_graph_on_5_million",
        ["complete.toml"],
        {"complete.toml": COMPLETE},
        [
            "complete.toml",
            'network.generator = "complete"',
            "TB",
            "more than this machine's",
            "population.n up to about",
        ],
    ),
    Case(
        "memory_in_a_comparison",
        ["compare", "ok.toml", "huge.toml"],
        {"ok.toml": TINY, "huge.toml": HUGE},
        ["huge.toml", "network.mean_degree = 500", "more than this machine's"],
    ),
    Case(
        "memory_at_a_sweep_point",
        ["sweep", "grow.toml"],
        {
            "grow.toml": sweep('[[sweep.parameters]]\nkey = "population.n"\nvalues = [300, 5000000]\n').replace(
                "[population]\nn = 40\n", "[population]\nn = 400\n[network]\nmean_degree = 200\n"
            )
        },
        ["grow.toml", "sweep point 1", "population.n = 5000000", "more than this machine's"],
    ),
    # Command-line options and overrides.
    Case(
        "option_steps_zero", ["f.toml", "--steps", "0"], {"f.toml": TINY}, ["--steps 0", "greater than or equal to 1"]
    ),
    Case(
        "option_replications_negative",
        ["f.toml", "--replications", "-1"],
        {"f.toml": TINY},
        ["--replications -1", "greater than or equal to 1"],
    ),
    Case(
        "option_worlds_negative",
        ["f.toml", "--worlds", "-1"],
        {"f.toml": TINY},
        ["--worlds -1", "greater than or equal to 0"],
    ),
    Case(
        "option_world_replications_zero",
        ["f.toml", "--world-replications", "0"],
        {"f.toml": TINY},
        ["--world-replications 0", "greater than or equal to 1"],
    ),
    Case(
        "option_seed_negative",
        ["f.toml", "--seed", "-5"],
        {"f.toml": TINY},
        ["--seed -5", "greater than or equal to 0"],
    ),
    Case("option_out_empty", ["f.toml", "--quiet", "--out", ""], {"f.toml": TINY}, ["--out ''", "empty path"], tail=[]),
    Case(
        "option_steps_not_a_number",
        ["f.toml", "--steps", "abc"],
        {"f.toml": TINY},
        ["simulate run", "--steps", "integer"],
    ),
    Case(
        "option_unknown",
        ["f.toml", "--step", "3"],
        {"f.toml": TINY},
        ["simulate run", "No such option: --step", "--help"],
    ),
    Case(
        "option_steps_before_the_first_session",
        ["plan.toml", "--steps", "1"],
        {"plan.toml": WORKSHOP_PLAN},
        ["workshops.toml", "interventions[0].start = 2", "never acts", "allowed: 1 to 1", "--steps 1"],
    ),
    Case(
        "option_steps_before_every_listed_week",
        ["incident.toml", "--steps", "10"],
        {
            "incident.toml": EXTENDS
            + '[run]\nreplications = 1\n[[interventions]]\nkind = "ai_incident"\nat = [20, 30]\n'
        },
        ["incident.toml", "interventions[0].at", "never acts", "--steps 10"],
    ),
    Case(
        "compare_steps_before_the_first_session",
        ["compare", "ok.toml", "plan.toml", "--steps", "1"],
        {"ok.toml": TINY, "plan.toml": WORKSHOP_PLAN},
        ["workshops.toml", "interventions[0].start = 2", "--steps 1"],
    ),
    Case(
        "compare_steps_zero",
        ["compare", "a.toml", "--steps", "0"],
        {"a.toml": TINY},
        ["--steps 0", "greater than or equal to 1"],
    ),
    Case(
        "compare_unknown_key_in_second_file",
        ["compare", "a.toml", "b.toml"],
        {"a.toml": TINY, "b.toml": TINY + "[population]\natitude_sd = 1\n"},
        ["b.toml", "population.atitude_sd", "did you mean 'attitude_sd'"],
    ),
    # sweep and sensitivity.
    Case(
        "sweep_parameter_without_values",
        ["sweep", "s.toml"],
        {"s.toml": sweep('[[sweep.parameters]]\nkey = "judgment.visibility"\n')},
        ["s.toml", "sweep.parameters[0]", "values"],
    ),
    Case(
        "sweep_values_empty",
        ["sweep", "s.toml"],
        {"s.toml": sweep('[[sweep.parameters]]\nkey = "judgment.visibility"\nvalues = []\n')},
        ["s.toml", "sweep.parameters[0]", "values"],
    ),
    Case(
        "sweep_steps_zero",
        ["sweep", "s.toml", "--steps", "0"],
        {"s.toml": sweep('[[sweep.parameters]]\nkey = "judgment.visibility"\nvalues = [0.2, 0.4]\n')},
        ["--steps 0", "greater than or equal to 1"],
    ),
    Case(
        "sensitivity_method_unknown",
        ["sensitivity", "s.toml"],
        {
            "s.toml": sensitivity(
                'method = "sobolx"\n[[sensitivity.parameters]]\nkey = "judgment.visibility"\nlow = 0.1\nhigh = 0.9\n'
            )
        },
        ["s.toml", "sensitivity.method", "sobolx", "did you mean 'sobol'"],
    ),
    Case(
        "sensitivity_range_reversed",
        ["sensitivity", "s.toml"],
        {"s.toml": sensitivity('[[sensitivity.parameters]]\nkey = "judgment.visibility"\nlow = 0.9\nhigh = 0.1\n')},
        ["s.toml", "sensitivity.parameters[0]", "low (0.9) must be below high (0.1)"],
    ),
    Case(
        "sensitivity_without_table",
        ["sensitivity", "plain.toml"],
        {"plain.toml": WORKSHOP_PLAN},
        ["plain.toml", "no [sensitivity] table", "simulate sensitivity"],
    ),
    # calibrate: the scenario's [calibration] table and the observed data file.
    Case(
        "calibrate_without_table",
        ["calibrate", "plain.toml"],
        {"plain.toml": TINY},
        ["plain.toml", "no [calibration] table"],
        tail=CALIBRATE_TAIL,
    ),
    Case(
        "calibrate_free_key_unknown",
        ["calibrate", "c.toml"],
        {"c.toml": CALIBRATION.replace("choice.bass_p", "choice.bass_pp")},
        ["c.toml", "calibration.free", "bass_pp"],
        tail=CALIBRATE_TAIL,
    ),
    observed("empty.csv", "", ["the file is empty", "expected columns"]),
    observed("header.csv", "step,cumulative_adoption\n", ["only a header", "no data rows"]),
    observed(
        "nan.csv",
        "step,cumulative_adoption\n1,0.1\n2,nan\n",
        ["line 3", "column 'cumulative_adoption'", "'nan'", "not a number"],
    ),
    observed(
        "percent.csv", "step,share_verify\n1,12\n2,25\n", ["column 'share_verify'", "look like percent: divide by 100"]
    ),
    observed(
        "above.csv",
        "step,share_verify\n1,0.2\n2,140\n",
        ["line 3", "column 'share_verify'", "140", "outside the allowed 0 to 1"],
    ),
    observed(
        "negative.csv", "step,share_primary\n1,0.1\n2,-0.05\n", ["line 3", "column 'share_primary'", "-0.05", "0 to 1"]
    ),
    observed(
        "falling.csv",
        "step,cumulative_adoption\n1,0.1\n2,0.3\n3,0.2\n",
        ["line 4", "0.2 at step 3 is below 0.3 at step 2", "never falls"],
    ),
    observed(
        "twice.csv",
        "week,share_verify\n1,0.1\n1,0.2\n",
        ["line 3", "column 'week'", "step 1 is listed again", "line 2"],
    ),
    observed("half.csv", "step,share_verify\n1.5,0.1\n", ["line 2", "column 'step'", "'1.5'", "not a whole step"]),
    observed("words.csv", "step,share_verify\nfirst,0.1\n", ["line 2", "column 'step'", "'first'", "not a whole step"]),
    observed("ragged.csv", "step,share_verify\n1,0.1,9\n", ["line 2", "3 cells", "header has 2 columns"]),
    observed("binary.csv", b"step,share\x00\x01\x02\n", ["binary file"]),
    observed(
        "metric.csv",
        "step,share_skeptic\n1,0.1\n",
        ["'share_skeptic'", "did you mean 'share_skeptical'", "allowed"],
    ),
    Case(
        "observed_times_not_a_number",
        ["calibrate", "c.toml", "--observed", "times.csv"],
        {
            "c.toml": CALIBRATION + '[network]\ngenerator = "file"\nedges = "ties.txt"\n',
            "ties.txt": TIES,
            "times.csv": "id,adoption\n1,3\n2,soon\n",
        },
        ["times.csv", "line 3", "column 'adoption'", "'soon'", "not an adoption time", "never"],
        tail=CALIBRATE_TAIL,
    ),
    Case(
        "observed_times_id_twice",
        ["calibrate", "c.toml", "--observed", "times.csv"],
        {
            "c.toml": CALIBRATION + '[network]\ngenerator = "file"\nedges = "ties.txt"\n',
            "ties.txt": TIES,
            "times.csv": "id,adoption\n1,3\n1,4\n",
        },
        ["times.csv", "line 3", "column 'id'", "listed again"],
        tail=CALIBRATE_TAIL,
    ),
    Case(
        "observed_file_missing",
        ["calibrate", "calib.toml", "--observed", "nowhere.csv"],
        {"calib.toml": CALIBRATION},
        ["nowhere.csv", "not found"],
        tail=CALIBRATE_TAIL,
    ),
    # Data files that do not parse as what they claim to be: refused before anything is written out.
    Case(
        "edges_a_system_file",
        ["sys.toml"],
        {"sys.toml": TINY + '[network]\ngenerator = "file"\nedges = "/etc/passwd"\n'},
        ["sys.toml", "network", "/etc/passwd"],
    ),
    edges_case("edges_binary", b"\x7fELF\x02\x01\x01\x00\x00\x00" * 20, ["ties.txt", "network.edges", "binary file"]),
    edges_case("edges_not_utf8", b"1 2\n3 4\n" + b"caf\xe9 5\n", ["ties.txt", "line 3", "not UTF-8"]),
    edges_case("edges_one_column", "".join(f"{i}\n" for i in range(12)), ["ties.txt", "no column 2", "1 column"]),
    edges_case("edges_ragged", TIES + "3 4 5\n", ["ties.txt", "line 12 has 3 cells but line 1 has 2", "edge list"]),
    edges_case(
        "edges_prose",
        "Peer-led workshops help.\nThey cut skepticism by week 52 in most runs.\n",
        ["ties.txt", "line 2 has 9 cells but line 1 has 3", "edge list"],
    ),
    edges_case(
        "edges_control_characters", TIES + "\x1b[31m 1\n", ["ties.txt", "line 12", "control character (U+001B)"]
    ),
    edges_case(
        "edges_long_cell",
        TIES + f"{LONG_LINE} 1\n",
        ["ties.txt", "line 12", "a cell of 307 characters", "at most 256"],
        absent=[LONG_LINE[:60]],
    ),
    edges_case(
        "edges_long_header_names",
        f"{LONG_LINE[:200]} b\n" + TIES,
        ["ties.txt", "network.source", "no such column", "its columns are"],
        extra='source = "a"\ntarget = "b"\n',
        absent=[LONG_LINE[:60]],
    ),
    edges_case("edges_empty", "", ["ties.txt", "network"]),
    edges_case("edges_only_comments", "# ties\n# none yet\n", ["ties.txt", "network"]),
    edges_case(
        "edges_weight_not_a_number",
        "".join(f"{i} {i + 1} 1\n" for i in range(10)) + "10 11 heavy\n",
        ["ties.txt", "line 11", "'heavy'", "not a number"],
        extra="weight = 3\nmin_weight = 0.5\n",
    ),
    edges_case(
        "edges_graphml_not_xml",
        "this is not XML\n",
        ["ties.txt", "cannot read", "GRAPHML"],
        extra='format = "graphml"\n',
    ),
    edges_case(
        "edges_graphml_long_attribute",
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d" for="node" attr.name="unit" attr.type="string"/><graph edgedefault="undirected">'
        + "".join(f'<node id="n{i}"><data key="d">{LONG_LINE if i == 3 else "ward"}</data></node>' for i in range(12))
        + "".join(f'<edge source="n{i}" target="n{i + 1}"/>' for i in range(11))
        + "</graph></graphml>",
        ["ties.txt", "a cell of 307 characters", "at most 256"],
        extra='format = "graphml"\n',
        absent=[LONG_LINE[:60]],
    ),
    Case(
        "edges_a_folder",
        ["dir.toml"],
        {"dir.toml": TINY + '[network]\ngenerator = "file"\nedges = "."\n'},
        ["dir.toml", "network.edges", "not a file"],
    ),
    nodes_case(
        "nodes_ragged",
        NODES + "12 Surgery extra\n",
        ["nodes.txt", "line 14 has 3 cells but line 1 has 2", "node table"],
    ),
    nodes_case("nodes_binary", b"id department\n\x00\x00\x00", ["nodes.txt", "network.nodes.file", "binary file"]),
    nodes_case("nodes_id_twice", NODES + "3 Surgery\n", ["nodes.txt", "listed more than once", "3"]),
    nodes_case(
        "nodes_long_department", NODES.replace("0 Surgery", f"0 {LONG_LINE}"), ["nodes.txt", "line 2", "at most 256"]
    ),
    # simulate plan: the [budget] table.
    Case("plan_without_budget", ["plan", "plain.toml"], {"plain.toml": TINY}, ["plain.toml", "[budget]"]),
    Case(
        "plan_budget_key_typo",
        ["plan", "b.toml"],
        {"b.toml": BUDGET.replace("hours = [500]", "hours = [500]\nfinalist = 2")},
        ["b.toml", "budget.finalist", "did you mean 'finalists'"],
    ),
    Case(
        "plan_budget_hours_text",
        ["plan", "b.toml"],
        {"b.toml": BUDGET.replace("hours = [500]", 'hours = "lots"')},
        ["b.toml", "budget.hours", "lots"],
    ),
    Case(
        "plan_menu_kind_unknown",
        ["plan", "b.toml"],
        {"b.toml": BUDGET.replace('kind = "workshop"', 'kind = "worksop"')},
        ["b.toml", "budget.menu[0]", "worksop"],
    ),
    # simulate view: refused before a server starts.
    Case(
        "view_unknown_key",
        ["view", "v.toml"],
        {"v.toml": EXTENDS + "[run]\nstepz = 3\n"},
        ["v.toml", "run.stepz", "did you mean 'steps'"],
        tail=[],
    ),
    Case("view_missing_file", ["view", "nowhere.toml"], {}, ["nowhere.toml", "not found"], tail=[]),
    Case(
        "view_too_big",
        ["view", "huge.toml"],
        {"huge.toml": HUGE},
        ["huge.toml", "the browser view needs", "more than this machine's"],
        tail=[],
    ),
    Case(
        "view_port_zero",
        ["view", "--port", "0"],
        {},
        ["simulate view", "--port", "greater than or equal to 1"],
        tail=[],
    ),
    # simulate new.
    Case("new_too_few_clinicians", ["new", "hospital", "--clinicians", "5"], {}, ["--clinicians", "5", "10"], tail=[]),
    Case(
        "new_department_share_not_a_number",
        ["new", "hospital", "--clinicians", "100", "--departments", "Surgery=abc"],
        {},
        ["--departments", "abc"],
        tail=[],
    ),
    Case(
        "new_network_file_missing",
        ["new", "hospital", "--network-edges", "ties.csv"],
        {},
        ["--network-edges ties.csv", "no such file"],
        tail=[],
    ),
]


@dataclass
class Outcome:
    case: Case
    folder: Path
    returncode: int | None  # None: still running after the time limit (killed)
    stdout: str
    stderr: str


def _run(case: Case, root: Path, env: dict[str, str]) -> Outcome:
    folder = root / case.id
    folder.mkdir()
    for name, content in case.files.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    try:
        proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted
            [*ENTRY, *case.argv, *case.tail], capture_output=True, text=True, cwd=folder, env=env, timeout=60
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(case, folder, None, str(exc.stdout or ""), str(exc.stderr or ""))
    return Outcome(case, folder, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, child_env) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("bad_input_commands")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda c: _run(c, root, child_env), CASES))
    return {o.case.id: o for o in results}


def test_case_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_one_clear_message(outcomes, case):
    o = outcomes[case.id]
    assert o.returncode == 2, (o.returncode, o.stdout[-2000:], o.stderr[-2000:])
    assert "Traceback" not in o.stderr and "Traceback" not in o.stdout
    lines = o.stderr.strip().splitlines()
    assert len(lines) == 1, o.stderr
    message = lines[0]
    assert message.startswith("error: ")
    for text in case.expect:
        assert text in message, (text, message)
    for text in case.absent:
        assert text not in message, (text, message)
    assert o.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_leaves_nothing_behind(outcomes, case):
    o = outcomes[case.id]
    leftovers = sorted(p.name for p in o.folder.iterdir() if p.name not in case.files)
    assert leftovers == []  # no results/, no .results.tmp-*, no hospital/, no outputs/
