"""Coverage check of the ABC-SMC calibration (simulation-based calibration; Talts et al. 2018, arXiv:1804.06788).

Are the 90 % credible intervals honest? For each of `trials` trials: draw "true" parameters from the
prior (uniform over `[calibration] free`), simulate one observed data set with them (one replication
with a seed no calibration uses), calibrate it with the scenario's `[calibration]` settings, and record
whether each parameter's 90 % interval holds its truth. Honest intervals hold it in about 90 % of the
trials; the count is Binomial(trials, 0.9), so the check passes when it lies in the central 99 %
acceptance region of that distribution (`acceptance_region`). The measured coverage is reported with
its Clopper-Pearson 95 % interval (`binomial_interval`).

    uv run python -m simulation.experiments.coverage SCENARIO.toml [TRIALS] [SEED] [FIRST]

prints the trials and the coverage per parameter (docs/VALIDATION.md gives the measured numbers).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.execution.backends import Backend, Serial
from simulation.experiments.abc_smc import calibrate_smc
from simulation.experiments.calibration import Observed, assignments, fit_data, simulated_curve
from simulation.scenario.paths import parse_path, point_scenario
from simulation.scenario.schema import Scenario

NOMINAL = 0.90  # the credible intervals' level (abc_smc.CREDIBLE: 5-95 %)
TRUTH_SEED_OFFSET = 1_000_003  # the observed data's root seeds: run.seed + this + trial


@dataclass
class Coverage:
    """Per trial and parameter: the truth, its 90 % interval and whether it held (`trials`); per
    parameter: the count covered, the coverage, its 95 % interval and the acceptance region (`summary`)."""

    trials: pd.DataFrame
    summary: pd.DataFrame


def binomial_interval(covered: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of a proportion `covered` / `trials`."""
    alpha = 1 - level
    low = 0.0 if covered == 0 else float(stats.beta.ppf(alpha / 2, covered, trials - covered + 1))
    high = 1.0 if covered == trials else float(stats.beta.ppf(1 - alpha / 2, covered + 1, trials - covered))
    return low, high


def acceptance_region(trials: int, p: float = NOMINAL, level: float = 0.99) -> tuple[int, int]:
    """The counts [low, high] of the central `level` region of Binomial(trials, p): a count outside
    has probability below 1 - level when the intervals are honest."""
    tail = (1 - level) / 2
    return int(stats.binom.ppf(tail, trials, p)), int(stats.binom.isf(tail, trials, p))


def coverage_check(
    scenario: Scenario,
    observed_steps: np.ndarray,
    metric: str,
    trials: int,
    seed: int = 1,
    backend: Backend | None = None,
    progress: Callable[[dict], None] | None = None,
    first: int = 0,
) -> Coverage:
    """Run the coverage check (module docstring) on `scenario` observed as `metric` at `observed_steps`
    (`progress` gets each trial's rows as they are made; `first`: start at this trial, the truths of
    the trials before it drawn and skipped, so that a check can be split over processes)."""
    config = scenario.calibration
    if config is None or not config.free:
        raise ValueError("coverage_check: the scenario needs a [calibration] table with free parameters")
    backend = backend if backend is not None else Serial()
    names = list(config.free)
    bounds = np.array([config.free[name] for name in names], dtype=float)
    paths = [parse_path(name) for name in names]
    data = fit_data(scenario)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xC0_7E,)))
    template = Observed(observed_steps, np.zeros(len(observed_steps)), metric)
    rows = []
    truths = rng.uniform(bounds[:, 0], bounds[:, 1], size=(trials, len(names)))
    for trial in range(first, trials):
        truth = truths[trial]
        truth_data = {**data, "run": {**data["run"], "seed": int(scenario.run.seed) + TRUTH_SEED_OFFSET + trial}}
        world = point_scenario(truth_data, assignments(truth_data, paths, truth.tolist()), f"coverage trial {trial}")
        values = simulated_curve(world, 0, template)
        observed = Observed(observed_steps, values, metric, description=f"coverage trial {trial}")
        fitted = scenario.model_copy(deep=True)
        fitted.calibration.seed = seed * 10_000 + trial  # type: ignore[union-attr]
        estimates = calibrate_smc(fitted, observed, backend, None).estimates.set_index("parameter")
        for name, value in zip(names, truth.tolist(), strict=True):
            low, high = float(estimates.loc[name, "low"]), float(estimates.loc[name, "high"])
            row = {
                "trial": trial,
                "parameter": name,
                "truth": value,
                "low": low,
                "high": high,
                "covered": low <= value <= high,
            }
            rows.append(row)
            if progress is not None:
                progress(row)
    table = pd.DataFrame(rows)
    trials = trials - first
    region = acceptance_region(trials)
    summary = []
    for name in names:
        covered = int(table.loc[table["parameter"] == name, "covered"].sum())
        low, high = binomial_interval(covered, trials)
        summary.append(
            {
                "parameter": name,
                "trials": trials,
                "covered": covered,
                "coverage": covered / trials,
                "coverage_low": low,
                "coverage_high": high,
                "accept_low": region[0],
                "accept_high": region[1],
                "honest": region[0] <= covered <= region[1],
            }
        )
    return Coverage(table, pd.DataFrame(summary))


def main(argv: list[str]) -> None:
    from simulation.experiments.calibration_inputs import CUMULATIVE
    from simulation.scenario import load_scenario

    scenario = load_scenario(Path(argv[0]))
    trials = int(argv[1]) if len(argv) > 1 else 20
    seed = int(argv[2]) if len(argv) > 2 else 1
    first = int(argv[3]) if len(argv) > 3 else 0
    result = coverage_check(
        scenario,
        np.arange(0, scenario.run.steps + 1),
        CUMULATIVE,
        trials,
        seed,
        progress=lambda row: print(row, flush=True),
        first=first,
    )
    print(result.trials.to_string(index=False))
    print(result.summary.to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
