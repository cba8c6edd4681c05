"""Per department and per role (groups.csv and the report's "By department and role").

One comparison, kept small (8 replications of 40 weeks, the stated values only: about 7 s): the
500-clinician baseline; workshops for Surgery only (targeting = "department"); the combined plan (a
verification policy, a resident course, workshops, case reviews and forums: every way of booking hours
but the champions', which the per-replication check covers); and a 200-clinician hospital (another
hospital: levels, no differences).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, toml_string, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.execution.checkpoint import _decode, _encode
from simulation.execution.plan import Job
from simulation.execution.replication import run_replication
from simulation.outcomes import COLUMNS
from simulation.scenario import load_scenario

SURGERY_PLAN = f"""
[scenario]
name = "surgery_workshops"
compare_to = {toml_string(str(BASELINE))}

[[interventions]]
kind = "workshop"
name = "Workshops for Surgery"
start = 2
every = 4
seats = 20
targeting = "department"
department = "Surgery"
"""
OTHER_HOSPITAL = '[scenario]\nname = "small_hospital"\n\n[population]\nn = 200\n'
COLUMNS_OF_GROUPS = [
    "scenario", "group_type", "group", "compared", "paired", "replications", "clinicians",
    "share_skeptical", "share_verify", "share_primary", "hours", "extra_hours",
    "skeptical_difference", "skeptical_ci_low", "skeptical_ci_high",
    "verify_difference", "verify_ci_low", "verify_ci_high",
    "primary_difference", "primary_ci_low", "primary_ci_high",
]  # fmt: skip
SHARES = ["share_skeptical", "share_verify", "share_primary"]
# groups.csv and replications.csv hold 10 significant digits: a share is off by at most 5e-11, a sum of
# 16 of them weighted by clinicians / n by less than 1e-9.
SHARE_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("groups")
    surgery = write_scenario(folder / "surgery.toml", SURGERY_PLAN)
    other = write_scenario(folder / "small.toml", OTHER_HOSPITAL)
    files = [BASELINE, surgery, SCENARIOS / "combined.toml", other]
    out = folder / "out"
    args = ["compare", *map(str, files), "--out", str(out), "--replications", "8", "--steps", "40"]
    result = CliRunner().invoke(app, [*args, "--worlds", "0", "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, keep_default_na=False, na_values=[""])


def test_groups_csv_has_its_columns_and_one_row_per_scenario_and_group(run):
    groups = read(run, "groups.csv")
    assert list(groups.columns) == COLUMNS_OF_GROUPS
    departments = list(load_scenario(BASELINE).population.departments)
    for name in ["baseline", "surgery_workshops", "combined"]:
        rows = groups[groups["scenario"] == name]
        assert rows.loc[rows["group_type"] == "department", "group"].tolist() == departments
        assert rows.loc[rows["group_type"] == "role", "group"].tolist() == ["attending", "resident", "app", "nurse"]
        assert rows.loc[rows["group_type"] == "not attributable", "clinicians"].tolist() == [0]
    base = groups[groups["scenario"] == "baseline"]
    assert base["compared"].eq(False).all() and base["skeptical_difference"].isna().all()
    plan = groups[(groups["scenario"] == "surgery_workshops") & (groups["group_type"] != "not attributable")]
    assert plan["compared"].all() and plan["paired"].all() and plan["replications"].eq(8).all()
    assert plan[["skeptical_difference", "skeptical_ci_low", "verify_ci_high", "primary_ci_high"]].notna().all().all()


def test_another_hospital_gets_levels_but_no_differences(run):
    rows = read(run, "groups.csv")
    rows = rows[rows["scenario"] == "small_hospital"]
    departments = rows[rows["group_type"] == "department"]
    assert departments["clinicians"].sum() == 200
    assert departments["share_skeptical"].notna().all()
    assert not rows["compared"].any()
    differences = [c for c in COLUMNS_OF_GROUPS if c.endswith(("_difference", "_ci_low", "_ci_high"))]
    assert rows[differences + ["extra_hours"]].isna().all().all()


@pytest.mark.parametrize("group_type", ["department", "role"])
def test_group_shares_weighted_by_clinicians_add_up_to_the_hospitals(run, group_type):
    groups, replications = read(run, "groups.csv"), read(run, "replications.csv")
    for name, hospital in replications.groupby("scenario"):
        rows = groups[(groups["scenario"] == name) & (groups["group_type"] == group_type)]
        n = rows["clinicians"].sum()
        assert n == (500 if name != "small_hospital" else 200)
        for share in SHARES:
            weighted = float((rows["clinicians"] * rows[share]).sum() / n)
            assert weighted == pytest.approx(hospital[share].mean(), abs=SHARE_TOLERANCE), (name, group_type, share)


def test_hours_of_the_groups_and_the_not_attributable_add_up_to_the_cost(run):
    groups, scenarios = read(run, "groups.csv"), read(run, "scenarios.csv")
    for _, scenario in scenarios.iterrows():
        rows = groups[groups["scenario"] == scenario["scenario"]]
        rest = float(rows.loc[rows["group_type"] == "not attributable", "hours"].sum())
        for group_type in ("department", "role"):
            hours = float(rows.loc[rows["group_type"] == group_type, "hours"].sum())
            assert hours + rest == pytest.approx(scenario["cost_hours"], rel=1e-9, abs=1e-9), scenario["scenario"]
    combined = groups[groups["scenario"] == "combined"].set_index("group")
    # The combined plan pays facilitators, trainers and a policy's preparation: hours of nobody in the hospital.
    assert combined.loc["not attributable", "hours"] > 0
    # Its resident course books trainee hours to residents only; every role attends workshops and forums.
    assert combined.loc["resident", "hours"] > combined.loc["attending", "hours"] * 125 / 200


def test_a_workshop_for_one_department_moves_that_department_most(run):
    """Surgery's paired difference is clearly below every other department's: its 95 % interval lies
    wholly below theirs (Surgery: 20 seats a month among its 70 clinicians; the others are reached only
    through colleagues)."""
    groups = read(run, "groups.csv")
    plan = groups[(groups["scenario"] == "surgery_workshops") & (groups["group_type"] == "department")]
    surgery = plan[plan["group"] == "Surgery"].iloc[0]
    others = plan[plan["group"] != "Surgery"]
    assert surgery["skeptical_ci_high"] < others["skeptical_ci_low"].min()
    assert surgery["skeptical_difference"] < -0.05  # at least 5 points fewer skeptics in Surgery
    assert surgery["hours"] == pytest.approx(float(plan["hours"].sum()))  # only Surgery attended


def test_the_report_has_the_section_with_numbers_from_groups_csv(run):
    report = (run / "report.md").read_text(encoding="utf-8")
    assert "## By department and role" in report
    assert "![Skeptical share by department and role](plots/groups_skeptical.png)" in report
    assert (run / "plots" / "groups_skeptical.png").stat().st_size > 10_000
    groups = read(run, "groups.csv")
    row = groups[(groups["scenario"] == "surgery_workshops") & (groups["group"] == "Surgery")].iloc[0]
    base = groups[(groups["scenario"] == "baseline") & (groups["group"] == "Surgery")].iloc[0]
    line = next(line for line in report.splitlines() if line.startswith("| Surgery |"))
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[1] == "70" and cells[2] == f"{100 * base['share_skeptical']:.1f}%"
    difference = f"{100 * row['skeptical_difference']:+.1f}"
    interval = f"{100 * row['skeptical_ci_low']:+.1f} to {100 * row['skeptical_ci_high']:+.1f}"
    assert f"{100 * row['share_skeptical']:.1f}% ({difference}; {interval})" in cells
    assert "By department and role" in (run / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "file", ["champions", "verification_first", "ai_incident", "case_reviews", "forums", "literacy", "workshops"]
)
def test_every_replication_books_its_whole_cost(file, tmp_path):
    """Per replication, whatever the intervention: the departments' hours (and the roles') plus the hours
    of nobody make the run's cost_hours."""
    path = write_scenario(
        tmp_path / "small.toml", "[run]\nsteps = 30\n\n[population]\nn = 200\n", extends=SCENARIOS / f"{file}.toml"
    )
    result = run_replication(load_scenario(path), 0)
    assert result.groups is not None
    labels, values = result.groups.labels, result.groups.values
    cost = result.outcomes[-1, COLUMNS.index("cost_hours")]
    assert cost > 0
    kinds = np.array([kind for kind, _ in labels])
    rest = values[kinds == "not attributable", -1].sum()
    for kind in ("department", "role"):
        assert values[kinds == kind, -1].sum() + rest == pytest.approx(cost, rel=1e-12)
        assert values[kinds == kind, 0].sum() == 200


def test_group_totals_survive_the_checkpoint(tmp_path):
    """A finished replication kept in the partial folder reads back with the same group totals."""
    scenario = load_scenario(SCENARIOS / "workshops.toml")
    scenario.run.steps = 10
    result = run_replication(scenario, 3)
    job = Job("s0-r3", 0, scenario, scenario.run.seed, 3, False)
    path = tmp_path / "r.npz"
    path.write_bytes(_encode(result))
    back = _decode(path, job)
    assert back.groups is not None and result.groups is not None
    assert back.groups.labels == result.groups.labels
    assert np.array_equal(back.groups.values, result.groups.values)
