"""The same plan in different hospitals (`simulate compare --across-hospitals`, issue 14).

A 150-clinician baseline, its workshops plan and a 90-clinician hospital (another file, no
interventions): the plan also runs in the smaller hospital, compared with it (paired), and the
report shows both effects side by side, never ranking the smaller hospital or the plan there.
Small: 20 weeks, 4 replications, no parameter worlds (about 5 s).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import WORKSHOPS, write_scenario
from typer.testing import CliRunner

from simulation.cli import app

SMALL = "[run]\nsteps = 20\nreplications = 4\n\n[population]\nn = {n}\n\n[uncertainty]\nworlds = 0\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("across")
    base = write_scenario(folder / "baseline.toml", '[scenario]\nname = "base"\n' + SMALL.format(n=150))
    plan = write_scenario(folder / "plan.toml", '[scenario]\nname = "plan"\n' + SMALL.format(n=150), extends=WORKSHOPS)
    small = write_scenario(folder / "small.toml", '[scenario]\nname = "small"\n' + SMALL.format(n=90))
    out = folder / "out"
    args = [
        "compare",
        str(base),
        str(plan),
        str(small),
        "--out",
        str(out),
        "--workers",
        "1",
        "-q",
        "--across-hospitals",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_the_plan_runs_in_the_other_hospital_and_is_compared_with_it(run):
    scenarios = pd.read_csv(run / "scenarios.csv").set_index("scenario")
    assert list(scenarios.index) == ["base", "plan", "small", "plan in small"]
    assert scenarios.loc["plan in small", "role"] == "plan in another hospital"
    assert scenarios.loc["plan in small", "file"].endswith("plan.toml in " + str(scenarios.loc["small", "file"]))
    hospitals = pd.read_csv(run / "hospitals.csv")
    skeptical = hospitals[hospitals["outcome"] == "share_skeptical"].set_index("hospital")
    assert list(skeptical.index) == ["base", "small"] and set(skeptical["plan"]) == {"plan"}
    assert list(skeptical["clinicians"]) == [150, 90]
    # in its own hospital the effect is comparison.csv's; in the other it is paired with that hospital
    comparison = pd.read_csv(run / "comparison.csv")
    own = comparison[(comparison["scenario"] == "plan") & (comparison["outcome"] == "share_skeptical")].iloc[0]
    assert skeptical.loc["base", "difference"] == pytest.approx(own["difference"])
    replications = pd.read_csv(run / "replications.csv")
    small = replications[replications["scenario"] == "small"]["share_skeptical"].to_numpy()
    moved = replications[replications["scenario"] == "plan in small"]["share_skeptical"].to_numpy()
    assert skeptical.loc["small", "difference"] == pytest.approx((moved - small).mean())
    assert skeptical.loc["small", "difference"] < 0  # workshops cut skepticism there too
    assert set(comparison["scenario"]) == {"plan"}  # neither the other hospital nor the plan there is ranked


def test_the_report_shows_the_same_plan_in_both_hospitals(run):
    text = (run / "report.md").read_text(encoding="utf-8")
    section = text.split("## The same plan in different hospitals", 1)[1].split("\n## ", 1)[0]
    assert "| plan | base (150 clinicians)" in section and "| plan | small (90 clinicians)" in section
    others = text.split("## Other hospitals", 1)[1].split("\n## ", 1)[0]
    assert "| small |" in others and "plan in small" not in others
    ranking = text.split("## Ranking of scenarios", 1)[1].split("\n## ", 1)[0]
    assert "plan in small" not in ranking and "| small" not in ranking


def test_without_another_hospital_it_says_so(tmp_path):
    base = write_scenario(tmp_path / "baseline.toml", SMALL.format(n=150))
    plan = write_scenario(tmp_path / "plan.toml", SMALL.format(n=150), extends=WORKSHOPS)
    args = [
        "compare",
        str(base),
        str(plan),
        "--out",
        str(tmp_path / "o"),
        "-q",
        "--across-hospitals",
        "--replications",
        "2",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--across-hospitals: the comparison needs a plan and another hospital" in result.output
    assert not (tmp_path / "o" / "hospitals.csv").exists()
