"""Hospital presets are never ranked among plans (issue 14).

`simulate compare` of a baseline, a plan with workshops on the baseline's hospital and a "preset"
with another hospital (90 clinicians instead of 60): the preset is run and its levels reported under
"Other hospitals", but it has no row in comparison.csv, no rank, no point on the cost-effect chart
and no difference in the closing lines. Kept small: 60 and 90 clinicians, 6 weeks, 3 replications.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import WORKSHOPS, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.reporting import report_figures
from simulation.reporting.compare_report import OTHER_HOSPITALS

SMALL = "[run]\nsteps = 6\nreplications = 3\n\n[population]\nn = {n}\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("presets")
    baseline = write_scenario(folder / "baseline.toml", '[scenario]\nname = "baseline"\n\n' + SMALL.format(n=60))
    plan = write_scenario(
        folder / "plan.toml", '[scenario]\nname = "workshops plan"\n\n' + SMALL.format(n=60), extends=WORKSHOPS
    )
    preset = write_scenario(
        folder / "preset.toml", '[scenario]\nname = "bigger hospital"\n\n' + SMALL.format(n=90), extends=baseline
    )
    drawn: list[pd.DataFrame] = []
    original = report_figures.plot_cost_effectiveness

    def recording(points, *args, **kwargs):
        drawn.append(points.copy())
        return original(points, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_figures, "plot_cost_effectiveness", recording)
        result = CliRunner().invoke(
            app,
            ["compare", str(preset), str(plan), str(baseline), "--out", str(folder / "out"), "--workers", "1"],
        )
    assert result.exit_code == 0, result.output
    return folder / "out", result.output, drawn


def test_the_preset_has_no_row_in_comparison_csv_and_is_marked_in_scenarios_csv(run):
    out, _, _ = run
    comparison = pd.read_csv(out / "comparison.csv")
    assert set(comparison["scenario"]) == {"workshops plan"}
    scenarios = pd.read_csv(out / "scenarios.csv").set_index("scenario")
    assert scenarios["comparable"].to_dict() == {"baseline": True, "workshops plan": True, "bigger hospital": False}
    # It was still run: its replications and levels are there.
    assert (pd.read_csv(out / "replications.csv")["scenario"] == "bigger hospital").sum() == 3
    assert "bigger hospital" in json.loads((out / "summary.json").read_text())["scenarios"]


def test_the_preset_is_not_on_the_cost_effect_chart(run):
    _, _, drawn = run
    assert len(drawn) == 1
    assert drawn[0]["scenario"].tolist() == ["workshops plan"]


def _section(report: str, heading: str) -> str:
    start = report.index(f"## {heading}")
    end = report.find("\n## ", start + 1)
    return report[start : end if end >= 0 else len(report)]


def test_the_report_ranks_the_plan_only_and_lists_the_preset_as_another_hospital(run):
    out, _, _ = run
    report = (out / "report.md").read_text(encoding="utf-8")
    ranking = _section(report, "Ranking of scenarios")
    rows = [line for line in ranking.splitlines() if line.startswith("| ") and not line.startswith("| Rank")]
    ranked = [line.split("|")[2].strip() for line in rows if line.split("|")[1].strip().isdigit()]
    assert ranked == ["workshops plan"]
    assert "bigger hospital" not in ranking
    assert "bigger hospital" not in _section(report, "Where each scenario ends")
    others = _section(report, OTHER_HOSPITALS)
    table = [line for line in others.splitlines() if line.startswith("| bigger hospital |")]
    assert len(table) == 1
    assert "✓" not in others and "✗" not in others
    # Levels, as in the table of where each scenario ends: the preset's final share skeptical.
    final = json.loads((out / "summary.json").read_text())["scenarios"]["bigger hospital"]
    skeptical = final["outcomes"]["share_skeptical"]["final"]["mean"]
    assert f"| {100 * skeptical:.1f}% (" in table[0]
    # Right after the results of the compared scenarios.
    assert (
        report.index("## Where each scenario ends") < report.index(f"## {OTHER_HOSPITALS}") < report.index("## Targets")
    )
    assert "bigger hospital" in (out / "report.html").read_text(encoding="utf-8")


def test_the_closing_lines_do_not_compare_the_preset(run):
    _, output, _ = run
    assert "bigger hospital (another hospital: not compared)" in output
    assert "workshops plan vs baseline:" in output
    assert "bigger hospital vs" not in output
