"""Bad input through the real console entry point, as a planner meets it.

Each case runs `simulation.cli:main` (the `simulate` console script, `simulate FILE` or
`simulate compare FILE...`) in a separate Python process and
must: exit with status 2, print exactly one `error:` line on stderr that names the file and the key
and says what is allowed, print no traceback, and create no output folder.

The module's cases run concurrently in one fixture (each process needs ~1.5 s to import the stack).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import BASELINE, WORKSHOPS, toml_string, write_scenario

ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]


@dataclass
class Case:
    """One bad invocation: files to write (name -> text; `{BASELINE}` is replaced), the scenario file
    to run, extra arguments, and substrings the message must contain."""

    id: str
    files: dict[str, str]
    run: str
    expect: list[str]
    args: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    out: str = "results"  # --out, relative to the case's folder
    xfail: str | None = None  # a known bug in the message (strict xfail of the message test only)
    compare: list[str] | None = None  # `simulate compare <these files>` instead of `simulate <run>`
    command: str | None = None  # `simulate <command> <run>` (sweep, sensitivity) instead of `simulate <run>`


EXTENDS_BASELINE = f"extends = {toml_string(str(BASELINE))}\n"
TINY_VALID = EXTENDS_BASELINE + "[run]\nreplications = 1\nsteps = 2\n"  # a valid file: the error is elsewhere
EXTENDS_WORKSHOPS = (
    f"extends = {toml_string(str(WORKSHOPS))}\n[run]\nreplications = 1\nsteps = 3\n[population]\nn = 40\n"
)


def sweep_of(key: str, values: str = "[5, 10]") -> str:
    return EXTENDS_WORKSHOPS + f'[sweep]\n[[sweep.parameters]]\nkey = "{key}"\nvalues = {values}\n'


CASES = [
    Case("missing_file", {}, "nowhere.toml", ["nowhere.toml", "not found"]),
    Case(
        "toml_syntax",
        {"syntax.toml": "[run]\nsteps = 3\n[population\nn = 30\n"},
        "syntax.toml",
        ["syntax.toml", "TOML", "line 3"],
    ),
    Case(
        "unknown_population_key",
        {"typo_pop.toml": EXTENDS_BASELINE + "[population]\natitude_mean = 4\n"},
        "typo_pop.toml",
        ["typo_pop.toml", "population.atitude_mean", "did you mean 'attitude_mean'", "allowed keys"],
    ),
    Case(
        "unknown_intervention_key",
        {"typo_seats.toml": EXTENDS_BASELINE + '[[interventions]]\nkind = "workshop"\nseets = 10\n'},
        "typo_seats.toml",
        ["typo_seats.toml", "seets", "did you mean 'seats'", "allowed keys"],
    ),
    Case(
        "unknown_top_level_table",
        {"typo_table.toml": EXTENDS_BASELINE + "[worshops]\nseats = 10\n"},
        "typo_table.toml",
        ["typo_table.toml", "'worshops'", "allowed keys", "interventions"],
    ),
    Case(
        "wrong_type",
        {"type.toml": '[population]\nn = "many"\n'},
        "type.toml",
        ["type.toml", "population.n", "many", "integer"],
    ),
    Case(
        "n_zero",
        {"n0.toml": "[population]\nn = 0\n"},
        "n0.toml",
        ["n0.toml", "population.n", "greater than or equal to 10"],
    ),
    Case(
        "replications_zero",
        {"reps0.toml": EXTENDS_BASELINE + "[run]\nreplications = 0\n"},
        "reps0.toml",
        ["reps0.toml", "run.replications", "greater than or equal to 1"],
    ),
    Case(
        "modes_not_summing_to_one",
        {"modes.toml": "[population.initial_modes]\nnone = 0.5\nverify = 0.2\nprimary = 0.2\n"},
        "modes.toml",
        ["modes.toml", "initial_modes", "add up to 1", "0.9"],
    ),
    Case(
        "unknown_intervention_kind",
        {"kind.toml": '[[interventions]]\nkind = "workshopp"\n'},
        "kind.toml",
        ["kind.toml", "interventions[0].kind", "workshopp", "did you mean 'workshop'"],
    ),
    Case(
        "department_targeting_without_department",
        {"dept_none.toml": '[[interventions]]\nkind = "workshop"\ntargeting = "department"\n'},
        "dept_none.toml",
        ["dept_none.toml", "interventions[0]", "department"],
    ),
    Case(
        "department_targeting_unknown_department",
        {
            "dept_unknown.toml": EXTENDS_BASELINE
            + '[[interventions]]\nkind = "workshop"\ntargeting = "department"\ndepartment = "Dermatology"\n'
        },
        "dept_unknown.toml",
        ["dept_unknown.toml", "interventions[0].department", "Dermatology", "Surgery", "Radiology"],
    ),
    Case(
        "extends_missing_file",
        {"orphan.toml": 'extends = "no_such_parent.toml"\n[run]\nsteps = 5\n'},
        "orphan.toml",
        ["orphan.toml", "extends", "no_such_parent.toml", "not found"],
    ),
    Case(
        "error_inherited_through_extends",
        {
            "bad_parent.toml": "[population]\nn = 50\natitude_mean = 3\n",
            "good_child.toml": 'extends = "bad_parent.toml"\n[run]\nsteps = 3\n',
        },
        "good_child.toml",
        ["bad_parent.toml", "population.atitude_mean", "did you mean 'attitude_mean'"],
        absent=["good_child.toml"],
    ),
    Case(
        "unknown_department_inherited_through_extends",
        {
            "dept_parent.toml": '[[interventions]]\nkind = "workshop"\ntargeting = "department"\ndepartment = "Dermatology"\n',
            "dept_child.toml": 'extends = "dept_parent.toml"\n[run]\nsteps = 3\n',
        },
        "dept_child.toml",
        ["dept_parent.toml", "department", "Dermatology", "Surgery"],
        absent=["dept_child.toml"],
    ),
    Case(
        "extends_cycle",
        {"loop_a.toml": 'extends = "loop_b.toml"\n', "loop_b.toml": 'extends = "loop_a.toml"\n'},
        "loop_a.toml",
        ["loop_", "extends", "cycle", "loop_a.toml", "loop_b.toml"],
    ),
    Case(
        "out_is_a_file",
        {"ok_out.toml": TINY_VALID},
        "ok_out.toml",
        ["--out", "ok_out.toml", "not a folder"],
        out="ok_out.toml",  # the scenario file itself
    ),
    Case(
        "workers_zero",
        {"ok_workers.toml": TINY_VALID},
        "ok_workers.toml",
        ["--workers", "0", "at least 1"],
        args=["--workers", "0"],
    ),
    Case(
        "replications_override_zero",
        {"ok_reps.toml": TINY_VALID},
        "ok_reps.toml",
        ["--replications", "greater than or equal to 1"],
        args=["--replications", "0"],
    ),
    Case(
        "compare_missing_file",
        {"ok_a.toml": TINY_VALID},
        "",
        ["absent.toml", "not found"],
        compare=["ok_a.toml", "absent.toml"],
    ),
    Case(
        "compare_same_file_twice",
        {"twice.toml": TINY_VALID},
        "",
        ["twice.toml", "given twice"],
        compare=["twice.toml", "twice.toml"],
    ),
    Case(
        "compare_baseline_not_listed",
        {
            "cmp_a.toml": EXTENDS_BASELINE + '[scenario]\nname = "a"\n[run]\nreplications = 1\nsteps = 2\n',
            "cmp_b.toml": EXTENDS_BASELINE + '[scenario]\nname = "b"\n[run]\nreplications = 1\nsteps = 2\n',
            "cmp_base.toml": TINY_VALID,
        },
        "",
        ["--baseline", "cmp_base.toml", "not one of the scenario files"],
        compare=["cmp_a.toml", "cmp_b.toml"],
        args=["--baseline", "cmp_base.toml"],
    ),
    Case(
        "compare_to_missing_file",
        {"pointer.toml": EXTENDS_BASELINE + '[scenario]\ncompare_to = "nope.toml"\n'},
        "pointer.toml",
        ["pointer.toml", "scenario.compare_to", "nope.toml", "not found"],
    ),
    Case("compare_no_files", {}, "", ["compare needs at least one scenario file"], compare=[]),
    Case(
        "seats_above_population",
        {"seats.toml": EXTENDS_BASELINE + '[[interventions]]\nkind = "workshop"\nseats = 600\n'},
        "seats.toml",
        ["seats.toml", "interventions[0].seats = 600", "more than the 500 clinicians", "allowed: 1 to 500"],
    ),
    Case(
        "schedule_starts_after_the_run",
        {
            "late.toml": EXTENDS_BASELINE
            + '[run]\nsteps = 52\n[[interventions]]\nkind = "workshop"\nstart = 60\nevery = 4\n'
        },
        "late.toml",
        ["late.toml", "interventions[0].start = 60", "run.steps = 52", "never acts", "allowed: 1 to 52"],
    ),
    Case(
        "schedule_at_beyond_the_run",
        {"late_at.toml": EXTENDS_BASELINE + '[[interventions]]\nkind = "ai_incident"\nat = [200, 300]\n'},
        "late_at.toml",
        ["late_at.toml", "interventions[0].at", "run.steps = 104", "never acts"],
    ),
    Case(
        "unknown_targeting",
        {"target.toml": EXTENDS_BASELINE + '[[interventions]]\nkind = "workshop"\ntargeting = "skeptic"\n'},
        "target.toml",
        ["target.toml", "interventions[0].targeting", "'skeptic'", "allowed", "did you mean 'skeptics'"],
    ),
    Case(
        "negative_probability",
        {"negative.toml": EXTENDS_BASELINE + "[judgment]\nvisibility = -0.2\n"},
        "negative.toml",
        ["negative.toml", "judgment.visibility", "-0.2", "greater than or equal to 0"],
    ),
    Case(
        "milestones_wrong_type",
        {"milestones.toml": EXTENDS_BASELINE + '[run]\nmilestones = "monthly"\n'},
        "milestones.toml",
        ["milestones.toml", "run.milestones", "monthly", "list"],
    ),
    Case(
        "extends_three_file_cycle",
        {
            "ring_a.toml": 'extends = "ring_b.toml"\n',
            "ring_b.toml": 'extends = "ring_c.toml"\n',
            "ring_c.toml": 'extends = "ring_a.toml"\n',
        },
        "ring_a.toml",
        ["extends", "cycle", "ring_a.toml -> ", "ring_b.toml -> ", "ring_c.toml -> "],
    ),
    Case(
        "sweep_unknown_key",
        {"sweep_typo.toml": sweep_of("population.atitude_mean")},
        "sweep_typo.toml",
        ["sweep_typo.toml", "sweep.parameters[0].key", "no key 'population.atitude_mean'", "attitude_mean"],
    ),
    Case(
        "sweep_intervention_index_out_of_range",
        {"sweep_index.toml": sweep_of("interventions[2].seats")},
        "sweep_index.toml",
        ["sweep_index.toml", "sweep.parameters[0].key", "interventions[2] does not exist", "1 entries"],
    ),
    Case(
        "sweep_value_out_of_range",
        {"sweep_zero.toml": sweep_of("interventions[0].seats", "[0, 10]")},
        "sweep_zero.toml",
        ["sweep_zero.toml", "sweep point 0", "interventions[0].seats = 0", "greater than or equal to 1"],
    ),
    Case(
        "sweep_range_reversed",
        {
            "sweep_range.toml": EXTENDS_WORKSHOPS
            + '[sweep]\n[[sweep.parameters]]\nkey = "judgment.visibility"\nlow = 0.9\nhigh = 0.1\npoints = 3\n'
        },
        "sweep_range.toml",
        ["sweep_range.toml", "sweep.parameters[0]", "low (0.9) must be below high (0.1)"],
    ),
    Case(
        "sweep_unknown_outcome",
        {
            "sweep_outcome.toml": sweep_of("interventions[0].seats").replace(
                "[sweep]\n", '[sweep]\noutcomes = ["share_skeptic"]\n'
            )
        },
        "sweep_outcome.toml",
        ["sweep_outcome.toml", "sweep.outcomes[0]", "share_skeptic", "did you mean 'share_skeptical'"],
    ),
    Case(
        "sobol_samples_not_power_of_two",
        {
            "sobol.toml": EXTENDS_WORKSHOPS + '[sensitivity]\nmethod = "sobol"\nsamples = 100\n'
            '[[sensitivity.parameters]]\nkey = "judgment.visibility"\nlow = 0.1\nhigh = 0.9\n'
            '[[sensitivity.parameters]]\nkey = "attitude.anchoring"\nlow = 0\nhigh = 0.1\n'
        },
        "sobol.toml",
        ["sobol.toml", "sensitivity", "samples = 100", "power of 2"],
    ),
    Case(
        "sweep_command_without_sweep_table",
        {"plain.toml": EXTENDS_WORKSHOPS},
        "plain.toml",
        ["plain.toml", "no [sweep] table", "simulate sweep"],
        command="sweep",
    ),
    Case(
        "resume_with_nothing_to_resume",
        {"fresh.toml": TINY_VALID},
        "fresh.toml",
        ["--resume", "results.partial", "no unfinished run"],
        args=["--resume"],
    ),
    Case(
        "network_file_missing",
        {"net_missing.toml": EXTENDS_BASELINE + '[network]\ngenerator = "file"\nedges = "ties.csv"\n'},
        "net_missing.toml",
        ["net_missing.toml", "network.edges", "ties.csv", "not found"],
    ),
    Case(
        "network_file_malformed",
        {
            "net_bad.toml": EXTENDS_BASELINE + '[network]\ngenerator = "file"\nedges = "ties.csv"\n',
            "ties.csv": "source,target\n1,2\n3\n",
        },
        "net_bad.toml",
        ["net_bad.toml", "network", "ties.csv", "line 3"],
    ),
    Case(
        "compare_bad_file_among_good",
        {
            "good_one.toml": TINY_VALID,
            "bad_two.toml": EXTENDS_BASELINE + "[population]\nn = 0\n",
        },
        "",
        ["bad_two.toml", "population.n", "greater than or equal to 10"],
        compare=["good_one.toml", "bad_two.toml"],
        absent=["good_one.toml"],
    ),
]


@dataclass
class Outcome:
    case: Case
    folder: Path
    out: Path
    returncode: int
    stdout: str
    stderr: str


def _run_case(case: Case, root: Path, env: dict[str, str]) -> Outcome:
    folder = root / case.id
    folder.mkdir()
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out = folder / case.out
    if case.compare is not None:
        command = ["compare", *(str(folder / f) for f in case.compare)]
    else:
        command = [*([case.command] if case.command else []), str(folder / case.run)]
    proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted
        [*ENTRY, *command, "--out", str(out), "--quiet", *case.args],
        capture_output=True,
        text=True,
        cwd=folder,  # a default output folder would land here, not in the repository
        env=env,
        timeout=300,
    )
    return Outcome(case, folder, out, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, child_env) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("bad_input")
    # The first process fills the bytecode cache (see conftest); the others then start in ~1.5 s.
    results = [_run_case(CASES[0], root, child_env)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results += pool.map(lambda c: _run_case(c, root, child_env), CASES[1:])
    return {o.case.id: o for o in results}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.xfail, strict=True)] if c.xfail else [])
        for c in CASES
    ],
)
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
    for text in case.absent:
        assert text not in message, (text, message)
    assert o.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_creates_no_output_folder(outcomes, case):
    o = outcomes[case.id]
    assert o.out.name in case.files or not o.out.exists()
    leftovers = sorted(p.name for p in o.folder.iterdir() if p.name not in case.files)
    assert leftovers == []  # no results/, no .results.tmp-*, no outputs/ under the working folder


def test_unknown_top_level_table_suggests_workshop_intervention(outcomes):
    message = outcomes["unknown_top_level_table"].stderr
    assert "did you mean" in message and "workshop" in message.split("did you mean", 1)[1]


def test_failing_run_leaves_previous_run_folder_unchanged(tmp_path, child_env):
    """A real previous run in --out survives a failing run byte for byte, and no .previous appears."""
    from conftest import small_scenario
    from helpers import run_job

    good = small_scenario(tmp_path / "good.toml", replications=2, steps=3, n=40)
    out = tmp_path / "results"
    run_job(good, out, workers=1)
    snapshot = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}
    assert "manifest.json" in snapshot

    bad = write_scenario(tmp_path / "bad.toml", "[population]\nn = 0\n")
    workers_ok = small_scenario(tmp_path / "ok.toml", replications=1, steps=2, n=40)
    for scenario, args in ((bad, []), (workers_ok, ["--workers", "0"]), (tmp_path / "missing.toml", [])):
        proc = subprocess.run(  # noqa: PLW1510 - the exit code is asserted
            [*ENTRY, str(scenario), "--out", str(out), "--quiet", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=child_env,
            timeout=300,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
    after = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}
    assert after == snapshot
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "good.toml", "ok.toml", "results"]
