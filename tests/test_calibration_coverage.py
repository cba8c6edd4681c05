"""Coverage check of the ABC-SMC calibration (simulation-based calibration, simulation/experiments/coverage.py):
on synthetic data made from parameters drawn from the prior, the 90 % credible intervals hold the true
Bass p and q about 90 % of the time. Slow: 20 calibrations of a cheap model (150 clinicians, 10 weeks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import pure_bass_toml

from simulation.experiments.calibration_inputs import CUMULATIVE
from simulation.experiments.coverage import acceptance_region, binomial_interval, coverage_check
from simulation.scenario import load_scenario

CHEAP = (
    pure_bass_toml(steps=10, seed=3, n=150, p=0.05, q=0.4)
    + """
[calibration]
method = "smc"
free = { "choice.bass_p" = [0.0, 0.2], "choice.bass_q" = [0.0, 1.0] }
replications = 1
population_size = 80
populations = 3
check_replications = 4
"""
)

TRIALS = 20


def test_binomial_tolerance_of_the_check():
    assert acceptance_region(20) == (14, 20)  # P(X <= 13) = 0.0024 and P(X <= 14) = 0.011 for Binomial(20, 0.9)
    low, high = binomial_interval(18, 20)
    assert low == pytest.approx(0.683, abs=1e-3) and high == pytest.approx(0.988, abs=1e-3)  # Clopper-Pearson


@pytest.mark.slow
def test_credible_intervals_hold_the_truth_about_90_percent_of_the_time(tmp_path: Path):
    path = tmp_path / "cheap.toml"
    path.write_text(CHEAP, encoding="utf-8")
    scenario = load_scenario(path)
    result = coverage_check(scenario, np.arange(0, 11), CUMULATIVE, TRIALS, seed=1)
    summary = result.summary.set_index("parameter")
    print(result.summary.to_string(index=False))  # the measured coverage (docs/VALIDATION.md)
    low, high = acceptance_region(TRIALS)
    for name in ("choice.bass_p", "choice.bass_q"):
        assert low <= summary.loc[name, "covered"] <= high, summary
    assert (result.trials["high"] > result.trials["low"]).all()
