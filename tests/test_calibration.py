"""Calibration (`simulate calibrate`): recovers known parameters, reads the observation formats, refuses
bad input, and on the CKM physicians reproduces the observed adoption curve within 5 points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import pure_bass_toml
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.experiments.calibration import CUMULATIVE, Observed, calibrate, read_observed, simulated_curve
from simulation.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
CKM = REPO.parent / "shared" / "data" / "ckm"

SYNTHETIC = (
    pure_bass_toml(steps=15, seed=7, n=300, p="{p}", q="{q}")
    + """
[calibration]
free = {{ "choice.bass_p" = [0.0, 0.2], "choice.bass_q" = [0.0, 1.2] }}
samples = 80
replications = 3
accept_share = 0.1
check_replications = 10
"""
)


def synthetic(tmp_path: Path, p: float = 0.04, q: float = 0.5) -> Path:
    path = tmp_path / "synthetic.toml"
    path.write_text(SYNTHETIC.format(p=p, q=q), encoding="utf-8")
    return path


def test_calibration_recovers_the_parameters_that_made_the_data(tmp_path):
    truth = load_scenario(synthetic(tmp_path))
    steps = np.arange(1, 16)
    curve = np.mean(
        [simulated_curve(truth, 100 + k, Observed(steps, steps * 0.0, CUMULATIVE)) for k in range(10)], axis=0
    )
    data = tmp_path / "observed.csv"
    pd.DataFrame({"step": steps, CUMULATIVE: curve}).to_csv(data, index=False)
    start = load_scenario(synthetic(tmp_path, p=0.1, q=0.1))  # wrong starting values
    result = calibrate(start, read_observed(data, start), workers=1)
    estimates = result.estimates.set_index("parameter")
    for name, value in (("choice.bass_p", 0.04), ("choice.bass_q", 0.5)):
        assert estimates.loc[name, "low"] <= value <= estimates.loc[name, "high"], estimates
    assert result.rmse < 0.03
    assert result.samples["accepted"].sum() == 8


def test_observed_formats_and_their_errors(tmp_path):
    scenario = load_scenario(synthetic(tmp_path))
    series = tmp_path / "series.csv"
    series.write_text("week,share_verify\n1,0.1\n5,0.3\n", encoding="utf-8")
    observed = read_observed(series, scenario)
    assert observed.metric == "share_verify" and observed.steps.tolist() == [1, 5]
    bad = tmp_path / "bad.csv"
    bad.write_text("step,share_verify,extra\n1,0.1,3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="column 'extra' is not cumulative_adoption or an outcome"):
        read_observed(bad, scenario)
    nosteps = tmp_path / "nosteps.csv"
    nosteps.write_text("share_verify\n0.1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="expected columns 'id' and 'adoption'"):
        read_observed(nosteps, scenario)
    beyond = tmp_path / "beyond.csv"
    beyond.write_text("step,cumulative_adoption\n40,0.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"within 0..run.steps \(15; 0 is the starting state\)"):
        read_observed(beyond, scenario)
    with pytest.raises(ScenarioError, match="not found"):
        read_observed(tmp_path / "missing.csv", scenario)


def test_per_clinician_times_match_file_ids(tmp_path):
    ring = "".join(f"x{i},x{(i + 1) % 12}\n" for i in range(12))
    (tmp_path / "ties.csv").write_text("a,b\n" + ring, encoding="utf-8")
    scenario_file = tmp_path / "small.toml"
    scenario_file.write_text(
        SYNTHETIC.format(p=0.1, q=0.3).replace(
            '[network]\ngenerator = "random"\nmean_degree = 8.0',
            '[network]\ngenerator = "file"\nedges = "ties.csv"\nsource = "a"\ntarget = "b"',
        ),
        encoding="utf-8",
    )
    scenario = load_scenario(scenario_file)
    times = tmp_path / "times.csv"
    times.write_text("id,adoption\nx1,1\nx2,3\nx3,never\nx4,\n", encoding="utf-8")  # the other 8: unknown
    observed = read_observed(times, scenario)
    assert observed.known.sum() == 3  # x4 unknown
    assert observed.values[:3].tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3])
    times.write_text("id,adoption\nx1,1\nnobody,2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="1 ids are not clinicians"):
        read_observed(times, scenario)


def test_calibrate_without_free_parameters_is_refused(tmp_path):
    plain = tmp_path / "plain.toml"
    plain.write_text("[population]\nn = 50\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["calibrate", str(plain), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no [calibration] table with free parameters" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.skipif(not CKM.is_dir(), reason="the CKM data are not beside the repository (../shared/data/ckm)")
def test_ckm_calibration_reproduces_the_observed_curve(tmp_path):
    out = tmp_path / "ckm"
    result = CliRunner().invoke(app, ["calibrate", str(REPO / "scenarios" / "ckm_bass.toml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    fit = pd.read_csv(out / "fit.csv")
    assert fit["observed"].tolist()[:1] == pytest.approx([11 / 125]) and fit["observed"].iloc[5] == pytest.approx(0.496)
    assert np.sqrt(((fit["simulated_mean"] - fit["observed"]) ** 2).mean()) <= 0.05
    estimates = pd.read_csv(out / "calibration.csv").set_index("parameter")
    assert 0.02 < estimates.loc["choice.bass_p", "estimate"] < 0.15
    assert (out / "calibrated.toml").read_text().count("bass_") == 2
    assert {"report.md", "report.html", "fit.png", "posterior.png", "samples.csv", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }


def test_compare_leaves_calibration_files_out_with_a_note(tmp_path):
    from simulation.job import plan_comparison

    notes = []
    plan = plan_comparison([REPO / "scenarios" / "baseline.toml", synthetic(tmp_path)], note=notes.append)
    assert [run.name for run in plan.runs] == ["baseline"]
    assert any(
        "has a [calibration] table: left out of the comparison (run it with simulate calibrate)" in n for n in notes
    )
