"""What a run writes: tables, summary, manifest, plots and report, in one folder replaced atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, small_scenario, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.scenario import load_scenario
from simulation.scenario.loader import scenario_hash

REPLICATIONS, STEPS, N = 3, 26, 150
MILESTONES = ["13", "26"]  # the default milestones 13, 26, 52, 78, 104 that fall within 26 weeks
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REQUIRED_COLUMNS = [
    "scenario",
    "replication",
    "step",
    "share_none",
    "share_verify",
    "share_primary",
    "share_skeptical",
    "mean_attitude",
    "competence_gap",
    "errors_caught",
    "errors_passed",
    "cost_hours",
]
OUTCOMES = [
    "share_none",
    "share_verify",
    "share_primary",
    "share_skeptical",
    "mean_attitude",
    "competence_gap",
    "cost_hours",
]


def invoke_run(scenario: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--quiet", "--workers", "1", *extra])


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    # The reduced baseline plus a workshop programme, so that interventions, costs and all plots are
    # exercised; without `compare_to` (workshops.toml names the baseline), so it runs alone.
    folder = tmp_path_factory.mktemp("scenario")
    small_scenario(folder / "parent.toml", replications=REPLICATIONS, steps=STEPS, n=N, extends=BASELINE)
    return write_scenario(
        folder / "small.toml",
        '[scenario]\nname = "workshops"\n\n[[interventions]]\nkind = "workshop"\nstart = 2\nevery = 4\nseats = 20\n'
        '\n[costs]\nhourly_rate = 80\ncurrency = "EUR"\n',
        extends=folder / "parent.toml",
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, scenario_file) -> Path:
    out = tmp_path_factory.mktemp("runs") / "small"
    result = invoke_run(scenario_file, out)
    assert result.exit_code == 0, (result.output, result.exception)
    assert str(out) in result.stdout and "skeptical at the end" in result.stdout
    return out


@pytest.fixture(scope="module")
def summary(run_dir) -> dict:
    """The scenario's part of summary.json (a file run alone is a comparison of one scenario)."""
    whole = json.loads((run_dir / "summary.json").read_text())
    assert whole["baseline"] == "workshops" and list(whole["scenarios"]) == ["workshops"]
    return whole["scenarios"]["workshops"]


@pytest.fixture(scope="module")
def steps(run_dir) -> pd.DataFrame:
    return pd.read_csv(run_dir / "steps.csv")


def test_folder_holds_the_documented_files(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "steps.csv",
        "replications.csv",
        "scenarios.csv",
        "comparison.csv",
        "targets.csv",
        "summary.json",
        "manifest.json",
        "report.md",
        "plots",
    } <= names
    # Nothing left over beside it from the atomic write.
    assert [p.name for p in run_dir.parent.iterdir()] == [run_dir.name]


def test_steps_csv_columns_and_rows(steps):
    assert set(REQUIRED_COLUMNS) <= set(steps.columns)
    assert list(steps.columns[:3]) == ["scenario", "replication", "step"]
    assert set(steps["scenario"]) == {"workshops"}
    assert len(steps) == (STEPS + 1) * REPLICATIONS
    for k in range(REPLICATIONS):
        assert steps[steps.replication == k]["step"].tolist() == list(range(STEPS + 1))


def test_mode_shares_sum_to_one(steps):
    total = steps["share_none"] + steps["share_verify"] + steps["share_primary"]
    # Each share is written with 10 significant digits: rounding error at most ~1.5e-10 in the sum.
    assert np.allclose(total, 1.0, rtol=0, atol=1e-8)
    for column in ("share_none", "share_verify", "share_primary", "share_skeptical"):
        assert steps[column].between(0, 1).all()


def test_summary_has_final_and_milestone_stats(summary, steps):
    assert summary["replications"] == REPLICATIONS and summary["steps"] == STEPS
    for name in OUTCOMES:
        outcome = summary["outcomes"][name]
        assert set(outcome["milestones"]) == set(MILESTONES)
        for stat in [outcome["final"], *outcome["milestones"].values()]:
            assert {"mean", "ci95", "range95"} <= set(stat)
            low, high = stat["ci95"]
            assert low <= stat["mean"] <= high
            assert stat["range95"][0] <= stat["mean"] <= stat["range95"][1]
        # The summary's numbers are the table's (summary rounds to 6 decimals).
        last = steps[steps.step == STEPS][name]
        assert outcome["final"]["mean"] == pytest.approx(last.mean(), abs=1e-6)
        assert outcome["milestones"]["13"]["mean"] == pytest.approx(steps[steps.step == 13][name].mean(), abs=1e-6)
        assert outcome["initial"] == pytest.approx(steps[steps.step == 0][name].mean(), abs=1e-6)


def test_one_scenario_has_the_comparison_layout(run_dir):
    scenarios = pd.read_csv(run_dir / "scenarios.csv", keep_default_na=False)
    assert scenarios["scenario"].tolist() == ["workshops"] and scenarios["role"].tolist() == ["baseline"]
    assert scenarios["paired"].astype(str).str.lower().tolist() == ["true"]
    # No alternative: the comparison table holds its header only.
    assert (run_dir / "comparison.csv").read_text().count("\n") == 1
    replications = pd.read_csv(run_dir / "replications.csv")
    assert list(replications.columns[:2]) == ["scenario", "replication"] and len(replications) == REPLICATIONS


def test_manifest_traces_the_run(run_dir, scenario_file):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    scenario = load_scenario(scenario_file)
    [entry] = manifest["scenarios"]
    assert entry["scenario"] == scenario.model_dump(mode="json")
    assert entry["file"] == str(scenario_file) and entry["role"] == "baseline"
    assert re.fullmatch(r"[0-9a-f]{64}", entry["scenario_hash"])
    assert entry["scenario_hash"] == scenario_hash(scenario)
    assert manifest["root_seed"] == scenario.run.seed == entry["root_seed"]
    assert manifest["common_random_numbers"] is True
    assert manifest["versions"]["mesa"].startswith("3.5.")
    assert "commit" in manifest["git"]
    timings = manifest["timings_seconds"]
    assert timings["total"] > 0 and set(timings) >= {"simulate", "write", "total"}


def test_plots_are_valid_pngs(run_dir):
    pngs = sorted((run_dir / "plots").glob("*.png"))
    stems = {p.stem for p in pngs}
    assert stems >= {"modes_and_skepticism", "competence_gap"}
    assert any(stem.startswith("network") for stem in stems), stems
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC, png
        image = mpimg.imread(png)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100, png


def _pct(x: float) -> str:
    """A fraction as the report prints it (`report.fmt_pct`): one decimal, e.g. 0.2137 -> '21.4%', 0.24 -> '24.0%'."""
    return f"{100 * x:.1f}%"


def test_report_mentions_numbers_from_summary(run_dir, summary):
    report = (run_dir / "report.md").read_text()
    outcomes = summary["outcomes"]
    skeptical = outcomes["share_skeptical"]
    assert _pct(skeptical["initial"]) in report
    assert _pct(skeptical["final"]["mean"]) in report
    assert _pct(outcomes["share_verify"]["final"]["mean"]) in report
    assert _pct(outcomes["share_primary"]["final"]["mean"]) in report
    assert f"{outcomes['mean_attitude']['final']['mean']:.2f}" in report
    assert f"{abs(outcomes['competence_gap']['final']['mean']):.2f}" in report
    assert f"{summary['totals']['cost_hours']['mean']:,.0f}" in report
    assert re.search(rf"\b{REPLICATIONS} (runs|replications)\b", report) and f"{STEPS} weeks" in report
    # The plots it embeds exist in the folder.
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report):
        assert (run_dir / link).is_file(), link


def test_second_run_replaces_the_folder_and_keeps_the_previous(tmp_path, scenario_file):
    out = tmp_path / "run"
    first = invoke_run(scenario_file, out, "--seed", "111")
    assert first.exit_code == 0, first.output
    first_files = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    first_steps = (out / "steps.csv").read_bytes()

    second = invoke_run(scenario_file, out, "--seed", "222")
    assert second.exit_code == 0, second.output
    previous = tmp_path / "run.previous"
    assert str(previous) in second.stdout

    new_manifest = json.loads((out / "manifest.json").read_text())
    old_manifest = json.loads((previous / "manifest.json").read_text())
    assert new_manifest["root_seed"] == 222 and new_manifest["scenarios"][0]["scenario"]["run"]["seed"] == 222
    assert old_manifest["root_seed"] == 111
    # Files are not mixed: each folder is one complete run.
    assert sorted(str(p.relative_to(previous)) for p in previous.rglob("*")) == first_files
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == first_files
    assert (previous / "steps.csv").read_bytes() == first_steps
    assert (out / "steps.csv").read_bytes() != first_steps

    def initial_skeptical(folder: Path) -> float:
        return json.loads((folder / "summary.json").read_text())["scenarios"]["workshops"]["outcomes"][
            "share_skeptical"
        ]["initial"]

    assert initial_skeptical(out) != initial_skeptical(previous)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.previous"]

    # A third run replaces `.previous` with the second run.
    third = invoke_run(scenario_file, out, "--seed", "333")
    assert third.exit_code == 0, third.output
    assert json.loads((previous / "manifest.json").read_text())["root_seed"] == 222
    assert json.loads((out / "manifest.json").read_text())["root_seed"] == 333


def test_folder_with_other_files_is_refused_and_untouched(tmp_path, scenario_file):
    out = tmp_path / "my documents"
    out.mkdir()
    (out / "notes.txt").write_text("do not delete\n")
    (out / "sub").mkdir()
    (out / "sub" / "data.csv").write_text("a,b\n1,2\n")
    before = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}

    result = invoke_run(scenario_file, out)
    assert result.exit_code == 2
    assert "manifest.json" in result.stderr and str(out) in result.stderr
    assert "Traceback" not in result.output
    after = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my documents"]


def test_empty_existing_folder_is_used(tmp_path, scenario_file):
    out = tmp_path / "empty"
    out.mkdir()
    result = invoke_run(scenario_file, out)
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file()
    assert not (tmp_path / "empty.previous").exists()


def test_failure_while_writing_leaves_the_previous_run_untouched(tmp_path, scenario_file, monkeypatch):
    """Atomic: if writing the new folder fails half-way, the old run stays as it was, nothing half-written."""
    from simulation import job

    out = tmp_path / "run"
    first = invoke_run(scenario_file, out, "--seed", "111")
    assert first.exit_code == 0, first.output
    before = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}

    def broken_report(*args, **kwargs):
        raise RuntimeError("disk full")

    from helpers import run_job

    monkeypatch.setattr(job, "write_run_report", broken_report)
    with pytest.raises(RuntimeError, match="disk full"):
        run_job(scenario_file, out, workers=1, seed=222)
    after = {str(p.relative_to(out)): (p.read_bytes() if p.is_file() else None) for p in out.rglob("*")}
    assert after == before
    # No half-written folder; the finished replications are kept beside it for --resume.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.partial"]
    kept = json.loads((tmp_path / "run.partial" / "manifest.json").read_text())
    assert kept["complete"] is False and kept["status"] == "interrupted" and "disk full" in kept["reason"]
    from simulation.execution.packed_store import kept_count

    assert kept_count(tmp_path / "run.partial" / "replications") == kept["replications_total"]


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_defused():
    """Issue 19: user text starting like a formula (=, +, -, @) gets a leading apostrophe in every CSV;
    numbers, negative ones included, are written as numbers."""
    import pandas as pd

    from simulation.results.tables import to_csv_bytes

    frame = pd.DataFrame(
        {
            "scenario": ['=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "plain"],
            "value": [-0.5, 1.0, 2.0, -3.0, 4.0],
        }
    )
    text = to_csv_bytes(frame).decode().splitlines()
    assert text[1].startswith("\"'=HYPERLINK(") and text[2] == "'+1,1" and text[3] == "'-cmd,2"
    assert text[4] == "'@SUM(A1),-3" and text[5] == "plain,4"
    assert text[1].endswith(",-0.5")
