"""The view's small ensemble: N replications of the watched setting, and the band drawn from them.

Checks that replication 0 of the ensemble is the run the page watches, that the band holds the
replications' mean, and that the per-week mean across the N replications is the mean of steps.csv
written by `simulate run` for the same scenario with run.replications = N.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import WORKSHOPS, write_scenario
from helpers import run_job

from simulation.outcomes import COLUMNS
from simulation.scenario import load_scenario
from simulation.view.ensemble import (
    MAX_REPLICATIONS,
    checked_replications,
    ensemble_key,
    ensemble_note,
    run_ensemble,
)
from simulation.view.settings import ViewSettings
from simulation.view.viewmodel import ViewModel

BANDED = ("share_none", "share_verify", "share_primary", "share_skeptical", "competence_gap")


@pytest.fixture(scope="module")
def small_file(tmp_path_factory):
    """A 120-clinician hospital with workshops over 16 weeks, 6 replications."""
    body = "[run]\nsteps = 16\nreplications = 6\nseed = 4242\n\n[population]\nn = 120\n"
    return write_scenario(tmp_path_factory.mktemp("ensemble") / "small.toml", body, extends=WORKSHOPS)


def test_replication_zero_is_the_watched_run_and_the_band_holds_the_mean(small_file):
    settings = ViewSettings.from_file(small_file)
    ensemble = run_ensemble(settings.to_scenario(), 6)
    assert ensemble.replications == 6 and ensemble.weeks == 16 and ensemble.root_seed == 4242
    watched = ViewModel(settings)
    watched.run_to(16)
    for name in COLUMNS:
        np.testing.assert_array_equal(ensemble.column(name)[0], np.asarray(watched.datacollector.model_vars[name]))
    for name in BANDED:
        low, high = ensemble.band(name)
        mean = ensemble.mean(name)
        finite = np.isfinite(mean)
        assert finite.sum() >= 10, name
        assert np.all(low[finite] <= mean[finite] + 1e-12) and np.all(mean[finite] <= high[finite] + 1e-12), name
        assert np.all(ensemble.column(name)[:, finite].min(axis=0) <= low[finite] + 1e-12), name
    # The replications differ (otherwise a band says nothing): the skeptical share spreads by week 16.
    low, high = ensemble.band("share_skeptical")
    assert high[16] - low[16] > 0.01


def test_ensemble_mean_is_the_mean_of_the_cli_steps_csv(small_file, tmp_path):
    run_job(small_file, tmp_path / "out", workers=1)
    steps = pd.read_csv(tmp_path / "out" / "steps.csv")
    # The plan itself (named after workshops.toml, which it extends), not its derived compare_to baseline.
    assert set(steps["scenario"]) == {"workshops", "workshops without interventions"}
    steps = steps[steps["scenario"] == "workshops"]
    assert sorted(steps["replication"].unique()) == list(range(6))
    cli_mean = steps.groupby("step")[list(BANDED)].mean()
    ensemble = run_ensemble(load_scenario(small_file), 6)
    for name in BANDED:
        np.testing.assert_allclose(ensemble.mean(name), cli_mean[name].to_numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_ensemble_size_and_notes(small_file):
    assert checked_replications(8) == 8
    for bad in (1, 0, MAX_REPLICATIONS + 1):
        with pytest.raises(ValueError, match="ensemble size must be 2-32 replications"):
            checked_replications(bad)
    scenario = load_scenario(small_file)
    assert ensemble_key(scenario, 8) != ensemble_key(scenario, 9)
    changed = scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": 1})})
    assert ensemble_key(scenario, 8) != ensemble_key(changed, 8)
    assert ensemble_note(8, None) == "Ensemble of 8: computing ..."
    ready = run_ensemble(scenario, 2)
    assert ensemble_note(2, ready).startswith("Ensemble of 2 replications (0-1, seed 4242, 16 weeks)")
    assert "failed (boom)" in ensemble_note(2, None, "boom")
