"""`simulate new FOLDER`: a baseline and plan pair for the planner's own hospital, compared like with
like; never overwriting; bad options give one clear message and exit 2."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.scenario import load_scenario
from simulation.scenario.new_files import parse_departments

DEPARTMENTS = "Emergency medicine=0.2,Surgery=0.3,Internal medicine=0.4,Radiology=0.1"


def _new(*args: str):
    return CliRunner().invoke(app, ["new", *args])


def test_the_pair_loads_as_the_planners_hospital(tmp_path):
    folder = tmp_path / "my_hospital"
    result = _new(str(folder), "--clinicians", "800", "--departments", DEPARTMENTS)
    assert result.exit_code == 0, result.output
    assert "baseline.toml" in result.output and "plan.toml" in result.output
    baseline, plan = load_scenario(folder / "baseline.toml"), load_scenario(folder / "plan.toml")
    assert baseline.population.n == plan.population.n == 800
    assert list(baseline.population.departments) == ["Emergency medicine", "Surgery", "Internal medicine", "Radiology"]
    assert baseline.population.departments["Surgery"] == pytest.approx(0.3)
    # the same hospital: a plan for it, not for another one
    assert plan.population.model_dump() == baseline.population.model_dump()
    assert plan.network.model_dump() == baseline.network.model_dump()
    assert baseline.interventions == [] and [i.kind for i in plan.interventions] == ["workshop"]
    assert plan.scenario.compare_to is not None and plan.scenario.name != baseline.scenario.name
    assert [(t.metric, t.at_most) for t in plan.targets] == [("share_skeptical", 0.15)]
    text = (folder / "plan.toml").read_text(encoding="utf-8")
    assert 'extends = "baseline.toml"' in text and 'compare_to = "baseline.toml"' in text
    # every key of the workshop is written out with a comment
    for key in ("start", "every", "until", "seats", "targeting", "attitude_gain", "half_life_weeks", "session_hours"):
        line = next(line for line in text.splitlines() if line.startswith(f"{key} ="))
        assert line, key
    assert text.count("#") > 20


def test_the_plan_runs_against_its_own_hospital(tmp_path):
    folder = tmp_path / "my_hospital"
    assert _new(str(folder), "--clinicians", "800").exit_code == 0
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(folder / "plan.toml"), "--replications", "2", "--steps", "10", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    with (out / "scenarios.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["role"] for r in rows] == ["baseline", "alternative"]
    assert [r["comparable"] for r in rows] == ["true", "true"] and [r["paired"] for r in rows] == ["true", "true"]
    assert all(r["file"].endswith(("baseline.toml", "plan.toml")) for r in rows)  # not a derived baseline
    with (out / "network.csv").open(newline="", encoding="utf-8") as handle:
        sizes = {r["scenario"]: r["value"] for r in csv.DictReader(handle) if r["statistic"] == "clinicians"}
    assert sizes == {rows[0]["scenario"]: "800", rows[1]["scenario"]: "800"}
    assert "derived baseline" not in result.output


def test_refuses_to_overwrite_and_writes_nothing(tmp_path):
    folder = tmp_path / "my_hospital"
    folder.mkdir()
    (folder / "plan.toml").write_text("# my own plan\n", encoding="utf-8")
    result = _new(str(folder), "--clinicians", "800")
    assert result.exit_code == 2
    assert "plan.toml already exists: nothing written" in result.output
    assert "Traceback" not in result.output
    assert not (folder / "baseline.toml").exists()
    assert (folder / "plan.toml").read_text(encoding="utf-8") == "# my own plan\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give the hospital's size: --clinicians N"),
        (("--clinicians", "5"), "--clinicians 5: must be 10 to 5,000,000"),
        (("--clinicians", "800", "--departments", "Surgery"), "'Surgery' is not NAME=SHARE"),
        (("--clinicians", "800", "--departments", "Surgery=lots"), "the share of 'Surgery' is 'lots', not a number"),
        (("--clinicians", "800", "--departments", "Surgery=0"), "shares must be above 0"),
        (("--network-nodes", "nodes.csv"), "--network-nodes needs --network-edges"),
        (("--network-edges", "nowhere.csv"), "--network-edges nowhere.csv: no such file"),
    ],
)
def test_bad_options_are_one_clear_message(tmp_path, args, message):
    folder = tmp_path / "h"
    result = _new(str(folder), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not folder.exists()


def test_a_network_from_files(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    people = [f"c{i}" for i in range(12)]
    (data / "nodes.csv").write_text(
        "id,department\n" + "".join(f"{p},{'Surgery' if i < 6 else 'Radiology'}\n" for i, p in enumerate(people)),
        encoding="utf-8",
    )
    ties = [(people[i], people[(i + 1) % 12]) for i in range(12)] + [(people[0], people[6])]
    (data / "ties.csv").write_text("source,target\n" + "".join(f"{a},{b}\n" for a, b in ties), encoding="utf-8")
    folder = tmp_path / "real"
    result = _new(str(folder), "--network-edges", str(data / "ties.csv"), "--network-nodes", str(data / "nodes.csv"))
    assert result.exit_code == 0, result.output
    text = (folder / "baseline.toml").read_text(encoding="utf-8")
    assert 'edges = "../data/ties.csv"' in text and 'file = "../data/nodes.csv"' in text  # relative to the file
    baseline, plan = load_scenario(folder / "baseline.toml"), load_scenario(folder / "plan.toml")
    assert baseline.network.generator == "file" and baseline.population.n == 12
    assert plan.network.model_dump() == baseline.network.model_dump()
    both = _new(str(tmp_path / "x"), "--clinicians", "800", "--network-edges", str(data / "ties.csv"))
    assert both.exit_code == 2 and "leave out --clinicians" in both.output


def test_parse_departments():
    assert parse_departments(" Emergency medicine = 0.2 , Surgery=0.3,") == {"Emergency medicine": 0.2, "Surgery": 0.3}
    assert parse_departments("A=B=1") == {"A=B": 1.0}  # the last '=' separates the share
