"""Like for like: a plan for another hospital is compared with its own hospital without its interventions.

A plan that follows the documented example (extends the workshops plan, `compare_to` the baseline)
but sets `population.n = 80` must not be compared with the 500-clinician baseline: its baseline is
derived from the plan itself (`interventions = []`), paired by common random numbers, with a note.
Kept small: 80 clinicians, 6 weeks, 3 replications (about 5 s for the module).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, toml_string, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.job import plan_file

SMALL_RUN = "[run]\nsteps = 6\nreplications = 3\n"
DERIVED = "plan without interventions"
COMPARED = ["share_skeptical", "share_verify", "share_primary", "mean_attitude", "mean_literacy", "competence_gap"]


def plan_body(extra: str = "[population]\nn = 80\n", name: str = "plan") -> str:
    return f'[scenario]\nname = "{name}"\ncompare_to = {toml_string(str(BASELINE))}\n\n{SMALL_RUN}\n{extra}'


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The 80-clinician workshops plan run with `simulate FILE`, and the same hospital without
    interventions run on its own (a file written by hand, as a planner would)."""
    folder = tmp_path_factory.mktemp("like_for_like")
    plan = write_scenario(folder / "plan.toml", plan_body(), extends=WORKSHOPS)
    own = write_scenario(folder / "own.toml", f'[scenario]\nname = "own"\n\n{SMALL_RUN}\n[population]\nn = 80\n')
    result = CliRunner().invoke(app, ["run", str(plan), "--out", str(folder / "out"), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    alone = CliRunner().invoke(app, ["run", str(own), "--out", str(folder / "own"), "--workers", "1", "--quiet"])
    assert alone.exit_code == 0, alone.output
    return folder, result


def test_the_note_says_which_hospital_and_what_it_is_compared_with(run):
    _, result = run
    notes = [line for line in result.stderr.splitlines() if "hospital" in line]
    assert notes == [
        "note: plan.toml's hospital (population.n = 80) differs from baseline.toml's (500): compared with the "
        f"plan's own hospital without its interventions ('{DERIVED}', a derived baseline, paired by common random "
        "numbers) instead of baseline.toml"
    ]


def test_scenarios_csv_shows_the_derived_baseline_paired(run):
    folder, _ = run
    scenarios = pd.read_csv(folder / "out" / "scenarios.csv", keep_default_na=False)
    assert scenarios["scenario"].tolist() == [DERIVED, "plan"]
    assert scenarios["role"].tolist() == ["baseline", "alternative"]
    assert scenarios["paired"].astype(str).str.lower().tolist() == ["true", "true"]
    assert scenarios["interventions"].tolist() == ["", "Peer-led AI workshops"]
    assert scenarios["file"].iloc[0].startswith("derived from ") and scenarios["file"].iloc[0].endswith("plan.toml")
    assert scenarios["cost_hours"].iloc[0] == 0 and scenarios["cost_hours"].iloc[1] > 0
    assert scenarios["seed"].nunique() == 1 and scenarios["steps"].tolist() == [6, 6]
    assert "baseline.toml" not in "".join(scenarios["file"])  # the 500-clinician file did not run

    manifest = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    derived, plan = manifest["scenarios"]
    assert derived["file"] == scenarios["file"].iloc[0]
    assert derived["scenario"]["population"] == plan["scenario"]["population"]
    assert derived["scenario"]["population"]["n"] == 80
    assert derived["scenario"]["interventions"] == [] and plan["scenario"]["interventions"]
    assert derived["root_seed"] == plan["root_seed"] and derived["paired"] and plan["paired"]


def test_the_derived_baseline_is_the_plans_hospital_without_interventions(run):
    folder, _ = run
    steps = pd.read_csv(folder / "out" / "steps.csv")
    own = pd.read_csv(folder / "own" / "steps.csv")
    derived = steps[steps["scenario"] == DERIVED].drop(columns="scenario").reset_index(drop=True)
    plan = steps[steps["scenario"] == "plan"].drop(columns="scenario").reset_index(drop=True)
    # The same hospital and seeds give the same start: week 0 of every replication agrees exactly.
    start = (derived["step"] == 0).to_numpy()
    assert start.sum() == 3
    pd.testing.assert_frame_equal(derived.loc[start, COMPARED], plan.loc[start, COMPARED], check_exact=True)
    # Shares of 80 clinicians, not of 500.
    assert np.allclose((derived["share_skeptical"] * 80) % 1, 0, atol=1e-9)
    # The derived baseline is exactly the hospital without interventions run on its own.
    pd.testing.assert_frame_equal(derived, own.drop(columns="scenario"), check_exact=True)


def test_comparison_csv_is_paired_against_the_derived_baseline(run):
    folder, _ = run
    comparison = pd.read_csv(folder / "out" / "comparison.csv")
    replications = pd.read_csv(folder / "out" / "replications.csv")
    assert comparison["scenario"].unique().tolist() == ["plan"]
    assert comparison["paired"].all()
    skeptical = comparison.set_index("outcome").loc["share_skeptical"]
    base = replications[replications["scenario"] == DERIVED]["share_skeptical"].to_numpy()
    mine = replications[replications["scenario"] == "plan"]["share_skeptical"].to_numpy()
    assert skeptical["baseline_mean"] == pytest.approx(base.mean(), abs=1e-9)
    assert skeptical["difference"] == pytest.approx((mine - base).mean(), abs=1e-9)
    # Every baseline level is that of the 80-clinician hospital run alone (errors passed on included,
    # which against the 500-clinician baseline read "+4,927" in issue 14).
    own = pd.read_csv(folder / "own" / "replications.csv")
    for outcome, row in comparison.set_index("outcome").iterrows():
        assert row["baseline_mean"] == pytest.approx(own[outcome].mean(), rel=1e-9, abs=1e-12), outcome


def test_a_plan_with_the_baseline_hospital_is_compared_with_the_baseline_file(tmp_path):
    plan = plan_file(write_scenario(tmp_path / "plan.toml", plan_body(extra=""), extends=WORKSHOPS))
    assert [r.name for r in plan.runs] == ["baseline", "plan"]
    assert Path(plan.runs[0].file).resolve() == BASELINE.resolve()
    assert [r.paired for r in plan.runs] == [True, True]
    assert not any("hospital" in note for note in plan.notes), plan.notes


def test_several_differences_are_listed_and_independent_seeds_are_named(tmp_path):
    extra = "[population]\nn = 80\n\n[network]\nmean_degree = 6\n"
    plan = plan_file(write_scenario(tmp_path / "plan.toml", plan_body(extra), extends=WORKSHOPS), crn=False)
    assert [r.name for r in plan.runs] == [DERIVED, "plan"]
    assert plan.runs[1].paired is False  # without common random numbers nothing is paired
    assert plan.notes[0].startswith(
        "note: plan.toml's hospital (population.n = 80, network.mean_degree = 6.0) differs from baseline.toml's "
        "(500, 8.0): compared with the plan's own hospital without its interventions"
    )
    assert "with independent seeds" in plan.notes[0]


def test_a_plan_without_interventions_is_shown_beside_the_baseline_file_and_says_why(tmp_path):
    plan = plan_file(write_scenario(tmp_path / "plan.toml", plan_body(name="smaller")))
    assert [r.name for r in plan.runs] == ["baseline", "smaller"]
    assert [r.paired for r in plan.runs] == [True, False]
    assert plan.notes[0] == (
        "note: plan.toml's hospital (population.n = 80) differs from baseline.toml's (500), and plan.toml has no "
        "interventions to take away for a baseline of its own hospital: shown beside baseline.toml as another "
        "hospital (not compared)"
    )
