"""Sweeps and sensitivity analyses: designs, key paths, common random numbers, tables, plots, SALib.

Tiny hospitals (40-60 clinicians, a few weeks, 2-3 replications) run in-process with one worker;
the numbers in summary.csv, marginal.csv and indices.csv are recomputed here from replications.csv.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, WORKSHOPS, write_scenario
from scipy import stats
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.experiments.design import latin_hypercube, value_at
from simulation.experiments.sensitivity import plan_sensitivity, run_sensitivity
from simulation.experiments.sweep import plan_sweep, run_sweep
from simulation.job import plan_comparison
from simulation.scenario import load_scenario
from simulation.scenario.experiments import EXPERIMENT_OUTCOMES, ParameterConfig
from simulation.scenario.paths import base_data, get_path, parse_path

SMALL = "[run]\nreplications = 3\nsteps = 6\n\n[population]\nn = 60\n\n"
SEATS_SWEEP = """
[sweep]
outcomes = ["share_skeptical", "share_verify", "cost_hours"]

[[sweep.parameters]]
key = "interventions[0].seats"
values = [5, 15, 30]

[[sweep.parameters]]
key = "interventions[0].targeting"
values = ["skeptics", "random"]
"""


def workshop_file(path, body: str):
    return write_scenario(path, SMALL + body.replace("{start}", ""), extends=WORKSHOPS)


def test_key_paths_parse_and_name_what_is_missing():
    assert parse_path("interventions[0].seats") == ("interventions", 0, "seats")
    assert parse_path("population.roles.resident.share") == ("population", "roles", "resident", "share")
    for bad in ("", "[0].seats", "a..b", "a.", "a[x]"):
        with pytest.raises(ValueError):
            parse_path(bad)
    data = base_data(load_scenario(WORKSHOPS))
    assert get_path(data, parse_path("interventions[0].seats"), "x") == 20
    with pytest.raises(ValueError, match=r"interventions\[3\] does not exist \(the list has 1 entries\)"):
        get_path(data, parse_path("interventions[3].seats"), "interventions[3].seats")
    with pytest.raises(ValueError, match="no key 'population.atitude_mean'"):
        get_path(data, parse_path("population.atitude_mean"), "population.atitude_mean")


def test_value_mapping_of_ranges_integers_and_categories():
    rng = ParameterConfig(key="x", low=2.0, high=6.0)
    assert value_at(rng, 0.0, False) == 2.0 and value_at(rng, 1.0, False) == 6.0 and value_at(rng, 0.5, False) == 4.0
    assert value_at(ParameterConfig(key="n", low=10, high=20), 0.26, True) == 13
    categories = ParameterConfig(key="t", values=["a", "b", "c"])
    assert [value_at(categories, u, False) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 0.999, 1.0)] == [
        "a",
        "a",
        "b",
        "b",
        "c",
        "c",
        "c",
    ]
    assert ParameterConfig(key="x", low=0.1, high=0.3, step=0.1).grid() == [0.1, 0.2, 0.3]
    assert ParameterConfig(key="x", low=0, high=1, points=5).grid() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_latin_hypercube_hits_every_stratum_once():
    parameters = [ParameterConfig(key="x", low=0.0, high=1.0), ParameterConfig(key="t", values=["a", "b"])]
    rows = latin_hypercube(parameters, [False, False], 10, seed=7)
    strata = sorted(int(x * 10) for x, _ in rows)
    assert strata == list(range(10))
    assert sorted(t for _, t in rows) == ["a"] * 5 + ["b"] * 5
    assert rows == latin_hypercube(parameters, [False, False], 10, seed=7)  # seeded


@pytest.fixture(scope="module")
def seats_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    path = workshop_file(folder / "seats.toml", SEATS_SWEEP)
    experiment = plan_sweep(path, folder / "out")
    result = run_sweep(experiment, workers=1)
    return result, folder / "out"


def test_sweep_writes_tidy_tables_with_one_column_per_key(seats_sweep):
    result, out = seats_sweep
    keys = ["interventions[0].seats", "interventions[0].targeting"]
    points = pd.read_csv(out / "points.csv")
    assert list(points.columns) == ["point", *keys, "scenario_hash"]
    assert points[keys].values.tolist() == [[s, t] for s in (5, 15, 30) for t in ("skeptics", "random")]
    assert points["scenario_hash"].nunique() == 6
    reps = pd.read_csv(out / "replications.csv", keep_default_na=False, na_values=[""])
    assert list(reps.columns) == ["point", *keys, "replication", "error", *EXPERIMENT_OUTCOMES]
    assert len(reps) == 18 and reps["error"].isna().all()
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == [
        "point",
        *keys,
        "outcome",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "range_low",
        "range_high",
        "n",
        "failed",
    ]
    assert set(summary["outcome"]) == {"share_skeptical", "share_verify", "cost_hours"} and len(summary) == 18
    for _, row in summary.iterrows():
        values = reps.loc[reps["point"] == row["point"], row["outcome"]].to_numpy()
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-8, abs=1e-10)
        half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / math.sqrt(3)
        assert row["ci_high"] == pytest.approx(values.mean() + half, rel=1e-7, abs=1e-9)
    # Seats cost hours: more seats, more clinician-hours, at every targeting rule.
    cost = summary[summary["outcome"] == "cost_hours"].pivot(index=keys[1], columns=keys[0], values="mean")
    assert (cost.diff(axis=1).iloc[:, 1:] > 0).all().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["kind"] == "sweep" and len(manifest["points"]) == 6
    assert not (out.parent / "out.partial").exists()


def test_marginal_table_is_the_paired_difference_of_neighbouring_values(seats_sweep):
    _, out = seats_sweep
    reps = pd.read_csv(out / "replications.csv")
    marginal = pd.read_csv(out / "marginal.csv")
    assert set(marginal["key"]) == {"interventions[0].seats"}  # targeting is not numeric
    row = marginal[
        (marginal["from"] == 15)
        & (marginal["at_interventions[0].targeting"] == "random")
        & (marginal["outcome"] == "share_skeptical")
    ].iloc[0]
    a = reps[(reps["interventions[0].seats"] == 15) & (reps["interventions[0].targeting"] == "random")].set_index(
        "replication"
    )
    b = reps[(reps["interventions[0].seats"] == 30) & (reps["interventions[0].targeting"] == "random")].set_index(
        "replication"
    )
    d = (b["share_skeptical"] - a["share_skeptical"]).to_numpy()
    assert row["difference"] == pytest.approx(d.mean(), rel=1e-8, abs=1e-10)
    assert row["per_unit"] == pytest.approx(d.mean() / 15, rel=1e-8, abs=1e-10)
    ci = stats.ttest_1samp(d, 0).confidence_interval(0.95) if d.std() > 0 else (d.mean(), d.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(ci), abs=1e-9)


def test_sweep_plots_curves_with_bands_and_heat_maps(seats_sweep):
    _, out = seats_sweep
    names = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert names == sorted(
        f"{o}_{kind}.png" for o in ("share_skeptical", "share_verify", "cost_hours") for kind in ("curves", "heatmap")
    )
    report = (out / "report.md").read_text()
    assert "plots/share_skeptical_heatmap.png" in report and "| interventions[0].seats |" in report
    page = (out / "report.html").read_text()  # the same report, self-contained: every plot embedded
    assert page.count('src="data:image/png;base64,') == len(names) and "plots/" not in page
    assert "<th>interventions[0].seats</th>" in page


def test_points_share_common_random_numbers(tmp_path):
    """A key that changes nothing the model draws (the hourly rate) gives identical runs at every point."""
    path = workshop_file(
        tmp_path / "rate.toml", '[sweep]\n[[sweep.parameters]]\nkey = "costs.hourly_rate"\nvalues = [0, 50, 120]\n'
    )
    result = run_sweep(plan_sweep(path, tmp_path / "out"), workers=1)
    reps = pd.read_csv(result.out / "replications.csv")
    by_point = [reps[reps["point"] == p][list(EXPERIMENT_OUTCOMES)].to_numpy() for p in range(3)]
    assert np.array_equal(by_point[0], by_point[1], equal_nan=True) and np.array_equal(
        by_point[0], by_point[2], equal_nan=True
    )
    assert (tmp_path / "out" / "plots" / "share_skeptical_curve.png").is_file()  # one key: a response curve


def test_latin_hypercube_sweep_and_simulate_file_dispatch(tmp_path):
    path = workshop_file(
        tmp_path / "lhs.toml",
        '[sweep]\ndesign = "latin_hypercube"\nsamples = 5\noutcomes = ["share_skeptical"]\n'
        '[[sweep.parameters]]\nkey = "interventions[0].seats"\nlow = 5\nhigh = 40\n'
        '[[sweep.parameters]]\nkey = "population.attitude_mean"\nlow = 3.5\nhigh = 5.0\n',
    )
    result = CliRunner().invoke(
        app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--replications", "2", "--workers", "1", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "sweep workshops: 5 points x 2 runs" in result.output  # the name comes from workshops.toml
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    assert points["interventions[0].seats"].dtype == np.int64 and points["interventions[0].seats"].between(5, 40).all()
    assert sorted(int((v - 3.5) / 1.5 * 5) for v in points["population.attitude_mean"]) == [0, 1, 2, 3, 4]
    assert (tmp_path / "out" / "plots" / "share_skeptical_scatter.png").is_file()
    again = CliRunner().invoke(
        app, ["run", str(path), "--out", str(tmp_path / "out2"), "--replications", "2", "--workers", "1", "--quiet"]
    )
    assert again.exit_code == 0 and "sweep workshops: 5 points" in again.output  # `simulate FILE` runs the [sweep]
    assert (tmp_path / "out" / "points.csv").read_bytes() == (tmp_path / "out2" / "points.csv").read_bytes()
    assert (tmp_path / "out" / "summary.csv").read_bytes() == (tmp_path / "out2" / "summary.csv").read_bytes()


MORRIS = """
[sensitivity]
method = "morris"
trajectories = 4
levels = 4
outcomes = ["share_skeptical", "mean_attitude"]

[[sensitivity.parameters]]
key = "population.attitude_mean"
low = 3.0
high = 5.5

[[sensitivity.parameters]]
key = "costs.hourly_rate"     # changes no draw and no outcome: mu* must be exactly 0
low = 0
high = 200

[[sensitivity.parameters]]
key = "interventions[0].targeting"
values = ["random", "skeptics"]
"""


@pytest.fixture(scope="module")
def morris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("morris")
    path = write_scenario(
        folder / "morris.toml",
        "[run]\nreplications = 2\nsteps = 5\n\n[population]\nn = 50\n\n" + MORRIS,
        extends=WORKSHOPS,
    )
    plan = plan_sensitivity(path, folder / "out")
    return run_sensitivity(plan, workers=1), folder / "out"


def test_morris_ranks_parameters_with_noise_beside_the_indices(morris):
    result, out = morris
    indices = pd.read_csv(out / "indices.csv")
    skeptical = indices[indices["outcome"] == "share_skeptical"].reset_index(drop=True)
    assert list(skeptical["parameter"])[0] == "population.attitude_mean"
    assert list(skeptical["rank"]) == [1, 2, 3]
    assert skeptical.loc[0, "above_noise"] == True  # noqa: E712 - read_csv gives numpy bools
    dummy = skeptical[skeptical["parameter"] == "costs.hourly_rate"].iloc[0]
    assert dummy["mu_star"] == 0 and dummy["sigma"] == 0 and dummy["above_noise"] == False  # noqa: E712
    assert set(skeptical["type"]) == {"range", "categorical"}
    noise = pd.read_csv(out / "noise.csv")
    assert list(noise["outcome"]) == ["share_skeptical", "mean_attitude"]
    assert (
        (noise["noise_sd"] > 0).all() and (noise["noise_share"] >= 0).all() and (noise["mu_star_noise_floor"] > 0).all()
    )
    assert (out / "plots" / "morris_share_skeptical.png").is_file()
    assert "noise floor" in (out / "report.md").read_text()
    assert "noise floor" in (out / "report.html").read_text()


def test_morris_mu_star_recomputed_from_the_samples(morris):
    """mu* = mean |elementary effect|, each effect (y(x + delta) - y(x)) / delta in unit coordinates."""
    result, out = morris
    samples = pd.read_csv(out / "samples.csv")
    keys = ["population.attitude_mean", "costs.hourly_rate", "interventions[0].targeting"]
    unit = samples[[f"u_{k}" for k in keys]].to_numpy()
    y = samples["mean_attitude_mean"].to_numpy()
    effects = {k: [] for k in keys}
    for start in range(0, len(unit), len(keys) + 1):
        for j in range(start, start + len(keys)):
            moved = int(np.flatnonzero(unit[j + 1] != unit[j])[0])
            effects[keys[moved]].append((y[j + 1] - y[j]) / (unit[j + 1, moved] - unit[j, moved]))
    indices = pd.read_csv(out / "indices.csv")
    for key in keys:
        row = indices[(indices["outcome"] == "mean_attitude") & (indices["parameter"] == key)].iloc[0]
        assert row["mu_star"] == pytest.approx(np.mean(np.abs(effects[key])), rel=1e-7, abs=1e-9)
        assert row["mu_star_low"] <= row["mu_star"] <= row["mu_star_high"]


def test_sobol_indices_with_intervals(tmp_path):
    body = (
        "[run]\nreplications = 2\nsteps = 3\n\n[population]\nn = 40\n\n"
        '[sensitivity]\nmethod = "sobol"\nsamples = 8\noutcomes = ["mean_attitude"]\n'
        '[[sensitivity.parameters]]\nkey = "population.attitude_mean"\nlow = 3.0\nhigh = 5.5\n'
        '[[sensitivity.parameters]]\nkey = "costs.hourly_rate"\nlow = 0\nhigh = 100\n'
    )
    path = write_scenario(tmp_path / "sobol.toml", body, extends=BASELINE)
    plan = plan_sensitivity(path, tmp_path / "out")
    assert len(plan.experiment.points) == 8 * (2 + 2)
    result = run_sensitivity(plan, workers=1)
    indices = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert list(indices.columns[:4]) == ["outcome", "parameter", "type", "S1"]
    first = indices.iloc[0]
    assert first["parameter"] == "population.attitude_mean" and first["ST"] > 0.5
    dummy = indices[indices["parameter"] == "costs.hourly_rate"].iloc[0]
    assert dummy["ST"] == pytest.approx(0, abs=1e-12) and dummy["S1"] == pytest.approx(0, abs=1e-12)
    assert {"S1_conf", "ST_conf", "ST_low", "ST_high", "noise_share"} <= set(indices.columns)
    assert (
        "Sobol" in result.plan.experiment.kind.title()
        or (tmp_path / "out" / "plots" / "sobol_mean_attitude.png").is_file()
    )


def test_library_experiment_files_load_and_stay_out_of_comparisons():
    seats = load_scenario(SCENARIOS / "workshop_seats.toml")
    assert [p.key for p in seats.sweep.parameters] == ["interventions[0].seats", "interventions[0].targeting"]
    sens = load_scenario(SCENARIOS / "sensitivity.toml")
    keys = [p.key for p in sens.sensitivity.parameters]
    assert any(k.startswith("judgment.") for k in keys) and any(k.startswith("attitude.") for k in keys)
    notes = []
    plan = plan_comparison(
        [BASELINE, SCENARIOS / "workshops.toml", SCENARIOS / "workshop_seats.toml"], note=notes.append
    )
    assert [run.name for run in plan.runs] == ["baseline", "workshops"]
    assert notes == [
        "note: workshop_seats.toml has a [sweep] table: left out of the comparison (run it with simulate sweep)"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[sweep]\n[[sweep.parameters]]\nkey = "interventions[0].seats"\nlow = 5\nhigh = 10\n',
            "factorial design needs values, or low/high with step or points",
        ),
        (
            '[sweep]\n[[sweep.parameters]]\nkey = "interventions[0].seats"\nvalues = [10, 10]\n',
            "values must not repeat",
        ),
        (
            '[sensitivity]\nmethod = "sobol"\nsamples = 10\n[[sensitivity.parameters]]\nkey = "judgment.visibility"\nlow = 0\nhigh = 1\n[[sensitivity.parameters]]\nkey = "attitude.anchoring"\nlow = 0\nhigh = 1\n',
            "power of 2",
        ),
        ('[sweep]\n[[sweep.parameters]]\nkey = "population"\nvalues = [1, 2]\n', "is a table or list"),
        ('[sweep]\n[[sweep.parameters]]\nkey = "run.seed"\nvalues = [1, 2]\n', "cannot be varied"),
    ],
)
def test_bad_experiment_tables_name_the_file_and_key(tmp_path, body, expected):
    path = workshop_file(tmp_path / "bad.toml", body)
    with pytest.raises(ScenarioError) as error:
        plan = plan_sweep if "[sweep]" in body else plan_sensitivity
        plan(path, tmp_path / "out")
    assert expected in str(error.value) and "bad.toml" in str(error.value)
    assert not (tmp_path / "out").exists()
