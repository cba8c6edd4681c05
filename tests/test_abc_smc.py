"""ABC-SMC calibration (`[calibration] method = "smc"`): the posterior recovers the parameters that made
the data, its files are what the docs say, the pieces (weighted quantiles, regression adjustment,
synthetic likelihood) match their formulas, several series and step 0 are read, the starting share is
fittable, and a posterior.csv drives the parameter worlds of another scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import pure_bass_toml
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.experiments.abc_smc import (
    SyntheticLikelihoodDistance,
    effective_sample_size,
    regression_adjustment,
    weighted_quantiles,
)
from simulation.experiments.calibration import CUMULATIVE, Observed, assignments, read_observed, simulated_curve
from simulation.experiments.posterior import read_posterior
from simulation.scenario import load_scenario
from simulation.scenario.paths import base_data, parse_path, point_scenario

SCENARIO = pure_bass_toml(steps=10, seed=5, n=150, p=0.06, q=0.5)

CALIBRATION = """
[calibration]
method = "smc"
free = { "choice.bass_p" = [0.0, 0.2], "choice.bass_q" = [0.0, 1.2] }
replications = 2
population_size = 60
populations = 3
check_replications = 12
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def observed_file(tmp_path: Path, scenario_path: Path) -> Path:
    """The mean of 4 runs at the scenario's own values (bass_p 0.06, bass_q 0.5), steps 0..10."""
    truth = load_scenario(scenario_path)
    steps = np.arange(0, 11)
    curve = np.mean([simulated_curve(truth, 50 + k, Observed(steps, steps * 0.0, CUMULATIVE)) for k in range(4)], 0)
    return write(tmp_path, "observed.csv", pd.DataFrame({"step": steps, CUMULATIVE: curve}).to_csv(index=False))


def test_smc_posterior_holds_the_truth_and_writes_particles_weights_and_a_predictive_band(tmp_path):
    scenario = write(tmp_path, "fit.toml", SCENARIO + CALIBRATION)
    data = observed_file(tmp_path, scenario)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["calibrate", str(scenario), "--observed", str(data), "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "90 % interval" in result.output
    estimates = pd.read_csv(out / "calibration.csv").set_index("parameter")
    for name, truth in (("choice.bass_p", 0.06), ("choice.bass_q", 0.5)):
        assert estimates.loc[name, "low"] <= truth <= estimates.loc[name, "high"], estimates
        assert estimates.loc[name, "prior_low"] < estimates.loc[name, "low"]  # narrower than the prior
    assert (estimates["ess"] > 10).all()
    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) == 60 and posterior["weight"].sum() == pytest.approx(1.0)
    assert {"choice.bass_p", "choice.bass_q", "distance"} <= set(posterior.columns)
    populations = pd.read_csv(out / "populations.csv")
    assert populations["t"].tolist() == [0, 1, 2]
    assert populations["epsilon"].is_monotonic_decreasing  # each population's tolerance below the last's
    fit = pd.read_csv(out / "fit.csv")
    assert fit["step"].tolist() == list(range(11)) and fit["observed"].iloc[0] == 0.0  # step 0 observed
    inside = (fit["simulated_low"] <= fit["observed"] + 1e-9) & (fit["observed"] <= fit["simulated_high"] + 1e-9)
    assert inside.mean() >= 0.8  # the observations lie in the 5-95 % posterior predictive band
    assert np.sqrt(((fit["simulated_mean"] - fit["observed"]) ** 2).mean()) < 0.05
    assert {"pyabc.db", "fit.png", "posterior.png", "report.md", "calibrated.toml"} <= {p.name for p in out.iterdir()}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "ABC-SMC (pyabc): 3 populations of 60 particles" in report and "90 % interval" in report
    assert not list(Path.cwd().glob("*.db"))  # pyabc's database never lands in the working folder


def test_weighted_quantiles_and_effective_sample_size():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantiles(values, np.ones(4), [50.0])[0] == pytest.approx(2.5)
    assert weighted_quantiles(values, np.array([0.0, 0.0, 1.0, 0.0]), [5.0, 95.0]).tolist() == [3.0, 3.0]
    assert effective_sample_size(np.ones(10)) == pytest.approx(10.0)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)


def test_regression_adjustment_moves_particles_to_the_observed_summaries():
    """theta = s + noise-free offset: after adjustment every particle sits at the value that gives the
    observed summary (R^2 = 1); an unrelated summary leaves R^2 near 0."""
    rng = np.random.default_rng(3)
    theta = rng.uniform(0, 1, size=(200, 1))
    summaries = 2.0 * theta + 0.1  # the summary is linear in the parameter
    observed = np.array([2.0 * 0.4 + 0.1])
    adjusted, weights, r2 = regression_adjustment(theta, summaries, observed, np.ones(200) / 200, rng.random(200))
    assert np.allclose(adjusted, 0.4) and r2[0] == pytest.approx(1.0)
    assert weights.sum() == pytest.approx(1.0)
    _, _, unrelated = regression_adjustment(
        theta, rng.random((200, 1)), np.array([0.5]), np.ones(200) / 200, rng.random(200)
    )
    assert unrelated[0] < 0.1


def test_synthetic_likelihood_is_minus_two_log_gaussian_without_its_constant():
    observed = Observed(np.array([1, 2]), np.array([0.2, 0.5]), CUMULATIVE)
    sl = SyntheticLikelihoodDistance(observed)
    mean, variance = np.array([0.25, 0.4]), np.array([0.01, 0.04])
    expected = float(np.sum((observed.values - mean) ** 2 / variance + np.log(variance)))
    assert sl({"mean": mean, "variance": variance}, {}) == pytest.approx(expected)
    # closer means are better; a zero variance is floored instead of dividing by zero
    assert sl({"mean": observed.values, "variance": variance}, {}) < sl({"mean": mean, "variance": variance}, {})
    assert np.isfinite(sl({"mean": mean, "variance": np.zeros(2)}, {}))


def test_synthetic_likelihood_needs_three_replications(tmp_path):
    text = SCENARIO + CALIBRATION + 'distance = "synthetic_likelihood"\n'
    with pytest.raises(ScenarioError, match="replications >= 3"):
        load_scenario(write(tmp_path, "sl.toml", text))


def test_several_series_with_step_0_and_a_uses_any_ai_outcome(tmp_path):
    scenario = load_scenario(write(tmp_path, "s.toml", SCENARIO))
    table = write(
        tmp_path,
        "survey.csv",
        "step,share_uses_ai,mean_attitude,share_verify\n0,0.0,4.3,0\n4,0.3,,0.3\n10,0.7,4.5,0.7\n",
    )
    observed = read_observed(table, scenario)
    assert observed.series == ["share_uses_ai", "mean_attitude", "share_verify"]
    assert list(zip(observed.steps.tolist(), observed.metrics.tolist(), strict=True)) == [
        (0, "share_uses_ai"),
        (4, "share_uses_ai"),
        (10, "share_uses_ai"),
        (0, "mean_attitude"),
        (10, "mean_attitude"),  # the empty cell: not observed at step 4
        (0, "share_verify"),
        (4, "share_verify"),
        (10, "share_verify"),
    ]
    assert observed.scales.tolist() == [1, 1, 1, 6, 6, 1, 1, 1]  # attitude: its 1-7 range
    curve = simulated_curve(scenario, 0, observed)
    uses, verify = curve[:3], curve[5:]
    assert uses[0] == 0.0 and np.allclose(uses, verify)  # adopters verify (choice.adopt_mode): uses AI = verify
    assert 1 <= curve[3] <= 7


def test_the_starting_share_is_fittable(tmp_path):
    scenario = load_scenario(write(tmp_path, "s.toml", SCENARIO))
    data = base_data(scenario)
    paths = [parse_path("population.initial_modes.verify")]
    start = point_scenario(data, assignments(data, paths, [0.3]), "start")
    assert start.population.initial_modes.verify == 0.3 and start.population.initial_modes.none == pytest.approx(0.7)
    observed = Observed(np.array([0]), np.array([0.0]), "share_uses_ai")
    assert simulated_curve(start, 0, observed)[0] == pytest.approx(0.3, abs=0.08)  # 150 clinicians: about 30 %


def test_a_posterior_drives_the_worlds_of_another_scenario_jointly(tmp_path):
    """Particles on a ridge (q = 1 - 5 p): every world lies on it (correlation -1), the weights decide
    how often each particle is drawn, and the documented ranges of other keys still apply."""
    from simulation.worlds import design_for

    p = np.linspace(0.02, 0.18, 9)
    weights = np.where(np.arange(9) == 4, 0.6, 0.05)
    posterior = pd.DataFrame({"particle": range(9), "weight": weights, "choice.bass_p": p, "choice.bass_q": 1 - 5 * p})
    posterior["distance"] = 0.1
    (tmp_path / "fits").mkdir()
    posterior.to_csv(tmp_path / "fits" / "posterior.csv", index=False)
    scenario_file = write(
        tmp_path, "plan.toml", SCENARIO + '[uncertainty]\nworlds = 400\nposterior = "fits/posterior.csv"\n'
    )
    scenario = load_scenario(scenario_file)
    design = design_for([scenario], [scenario_file])
    assert design is not None
    bass = design.draws[:, [design.keys.index("choice.bass_p"), design.keys.index("choice.bass_q")]]
    assert np.allclose(bass[:, 1], 1 - 5 * bass[:, 0])  # joint draws: the ridge is kept
    share = np.mean(np.isclose(bass[:, 0], p[4]))
    assert abs(share - 0.6) < 4 * np.sqrt(0.6 * 0.4 / 400)  # weighted resampling
    assert len(design.keys) > 2  # the documented ranges of the other keys are still drawn
    posterior.drop(columns="weight").to_csv(tmp_path / "fits" / "posterior.csv", index=False)
    with pytest.raises(ScenarioError, match="no 'weight' column"):
        read_posterior(tmp_path / "fits" / "posterior.csv")
    result = CliRunner().invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "no 'weight' column" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_smc_particles_run_on_a_dask_cluster(tmp_path):
    """`simulate calibrate --cluster` with method smc: pyabc's particle evaluations are the Dask
    workers' tasks, and the posterior still holds the truth."""
    import os
    import subprocess
    import sys

    pytest.importorskip("distributed")
    from distributed import Client
    from helpers import ENVIRONMENT_VARIABLE, LocalDask

    repo = Path(__file__).resolve().parents[1]
    scenario = write(tmp_path, "fit.toml", SCENARIO + CALIBRATION)
    data = observed_file(tmp_path, scenario)
    env = {k: v for k, v in os.environ.items() if k != ENVIRONMENT_VARIABLE}
    with LocalDask(workers=2, cwd=repo) as cluster:
        done = subprocess.run(
            [sys.executable, "-c", "from simulation.cli import main; main()", "calibrate", str(scenario)]
            + ["--observed", str(data), "--out", str(tmp_path / "out"), "--cluster", cluster.address],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        with Client(cluster.address, timeout="20s") as client:
            prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    assert any("submit_function" in prefix for prefix in prefixes), prefixes  # pyabc's evaluations ran there
    estimates = pd.read_csv(tmp_path / "out" / "calibration.csv").set_index("parameter")
    # On a cluster the particles are accepted in the order the workers finish, so the run is not
    # repeatable and a 90 % interval misses the truth in about one run in ten per parameter (seen
    # once in CI: q 0.5 below the low end 0.518). The check is that the posterior is not off: the truth
    # lies within the interval widened by half its width each side (about 3.3 standard deviations of a
    # normal posterior, missed about once in a thousand). The interval's coverage itself is checked
    # locally and repeatably in tests/test_calibration_coverage.py.
    for name, truth in (("choice.bass_p", 0.06), ("choice.bass_q", 0.5)):
        low, high = estimates.loc[name, "low"], estimates.loc[name, "high"]
        assert low - (high - low) / 2 <= truth <= high + (high - low) / 2, estimates
