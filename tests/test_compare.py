"""Comparisons: common random numbers, the tables of a comparison folder, the baseline, names and notes.

Small scenarios (150-200 clinicians, 20 weeks, a few replications) keep this module fast. The
numbers in comparison.csv and targets.csv are recomputed here independently (scipy's paired and
Welch t-tests, scipy's Wilson interval) from replications.csv and steps.csv as written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, small_scenario, toml_string, write_scenario
from scipy import stats
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.job import plan_comparison, plan_file, simulate
from simulation.metrics import COLUMNS
from simulation.results.effects import EFFECTS_COLUMNS
from simulation.results.groups import GROUPS_COLUMNS
from simulation.results.statistics import (
    evaluate_target,
    first_step_reached,
    paired_difference,
    per_100_hours,
    welch_difference,
    wilson_interval,
)
from simulation.results.uncertainty import DRIVERS_COLUMNS, UNCERTAINTY_COLUMNS, UNKNOWNS_COLUMNS

REPLICATIONS, STEPS, N = 4, 20, 150

STEPS_COLUMNS = ["scenario", "replication", "step", *COLUMNS]
REPLICATIONS_COLUMNS = [
    "scenario", "replication", "share_none", "share_verify", "share_primary", "share_uses_ai", "share_skeptical",
    "mean_attitude",
    "sd_attitude", "mean_literacy", "mean_trust", "mean_status_concern", "reputation_nonusers", "reputation_users",
    "competence_gap", "mode_changes", "cost_hours", "attitude_assortativity", "mode_assortativity",
    "errors_per_1000", "total_errors_caught", "total_errors_passed", "total_incidents", "total_decisions",
    "total_own_errors_caught", "total_own_errors_passed", "total_errors_reaching_patients",
    "mean_exposure_at_adoption",
]  # fmt: skip
SCENARIOS_COLUMNS = [
    "scenario", "role", "file", "description", "interventions", "paired", "replications", "steps", "seed",
    "cost_hours", "cost_money", "currency", "comparable",
]  # fmt: skip
COMPARISON_COLUMNS = [
    "scenario", "outcome", "better", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "paired",
    "replications", "extra_cost_hours", "per_100h", "per_100h_low", "per_100h_high",
    "clinicians", "difference_clinicians", "hours_per_clinician",
]  # fmt: skip
TARGETS_COLUMNS = [
    "scenario", "target", "metric", "direction", "threshold", "by_week", "probability", "probability_low",
    "probability_high", "reached_by_deadline", "replications", "reached_ever", "median_week_reached",
    "week_reached_low", "week_reached_high", "source", "own",
]  # fmt: skip
OUTCOMES = {
    "share_skeptical": "lower",
    "share_verify": "higher",
    "share_primary": "lower",
    "competence_gap": "lower",
    "errors_per_1000": "lower",
    "total_errors_passed": "",  # a count of AI errors only: no better direction (issue 14)
}
CSV_FILES = ("steps.csv", "replications.csv", "scenarios.csv", "comparison.csv", "targets.csv")


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


def small_files(folder: Path, *, replications: int = REPLICATIONS, steps: int = STEPS, n: int = N) -> dict[str, Path]:
    """A reduced baseline, workshops against it, and a third scenario with its own population and weeks."""
    folder.mkdir(parents=True, exist_ok=True)
    baseline = small_scenario(folder / "baseline.toml", replications=replications, steps=steps, n=n, extends=BASELINE)
    workshops = write_scenario(
        folder / "workshops.toml",
        f'[scenario]\ncompare_to = "baseline.toml"\n\n[run]\nreplications = {replications}\nsteps = {steps}\n\n'
        f"[population]\nn = {n}\n\n"
        '[[targets]]\nmetric = "share_skeptical"\nat_most = 0.24\nby_week = 12\n\n'
        '[costs]\nhourly_rate = 80\ncurrency = "EUR"\n',
        extends=WORKSHOPS,
    )
    bigger = write_scenario(
        folder / "bigger.toml",
        f'[scenario]\nname = "bigger"\n\n[run]\nsteps = {steps + 5}\n\n[population]\nn = {n + 30}\n\n'
        '[[interventions]]\nkind = "workshop"\nseats = 10\ntargeting = "random"\n',
        extends=baseline,
    )
    return {"baseline": baseline, "workshops": workshops, "bigger": bigger}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return small_files(tmp_path_factory.mktemp("scenarios"))


@pytest.fixture(scope="module")
def compared(tmp_path_factory, files):
    """`simulate compare workshops bigger baseline` (the baseline listed last) with one worker."""
    out = tmp_path_factory.mktemp("compare") / "one_worker"
    result = invoke("compare", str(files["workshops"]), str(files["bigger"]), str(files["baseline"]),
                    "--out", str(out), "--workers", "1", "--quiet")  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    return out, result


@pytest.fixture(scope="module")
def folder(compared) -> Path:
    return compared[0]


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, keep_default_na=False, na_values=[""])


# ---------------------------------------------------------------- the statistics, on their own


def test_paired_difference_is_the_t_interval_of_the_differences():
    rng = np.random.default_rng(1)
    base = rng.normal(0.3, 0.05, 12)
    alt = base - 0.04 + rng.normal(0, 0.01, 12)
    result = paired_difference(base, alt)
    reference = stats.ttest_rel(alt, base).confidence_interval()
    assert result.difference == pytest.approx(np.mean(alt - base))
    assert (result.low, result.high) == pytest.approx((reference.low, reference.high))
    assert result.n == 12 and result.scenario_mean - result.baseline_mean == pytest.approx(result.difference)


def test_paired_difference_drops_nan_pairs():
    base = np.array([1.0, np.nan, 2.0, 3.0, 4.0])
    alt = np.array([1.5, 2.0, np.nan, 3.2, 4.9])
    result = paired_difference(base, alt)
    assert result.n == 3
    assert result.difference == pytest.approx(np.mean([0.5, 0.2, 0.9]))
    assert result.baseline_mean == pytest.approx(np.mean([1.0, 3.0, 4.0]))


def test_welch_difference_matches_scipy():
    base, alt = [2.0, 3.0, 5.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.5]
    result = welch_difference(base, alt)
    reference = stats.ttest_ind(alt, base, equal_var=False).confidence_interval()
    assert result.difference == pytest.approx(2.625 - 5.0)
    assert (result.low, result.high) == pytest.approx((reference.low, reference.high))


def test_degenerate_intervals():
    assert math.isnan(paired_difference([1.0], [2.0]).low)
    same = paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert same.low == same.high == pytest.approx(0.5)
    assert welch_difference([1.0, 1.0], [2.0, 2.0]).low == 1.0


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (7, 12)])
def test_wilson_interval_matches_scipy(k, n):
    reference = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert wilson_interval(k, n) == pytest.approx((reference.low, reference.high))


def test_target_evaluation():
    values = np.array(
        [
            [0.30, 0.28, 0.25, 0.20, 0.18],  # first at or below 0.25 at step 2
            [0.30, 0.29, 0.28, 0.27, 0.24],  # step 4
            [0.30, np.nan, 0.30, 0.30, 0.30],  # never
            [0.25, 0.30, 0.30, 0.30, 0.30],  # step 0
        ]
    )
    assert first_step_reached(values, "at_most", 0.25).tolist() == [2, 4, -1, 0]
    result = evaluate_target(values, "at_most", 0.25, by_week=3)
    assert (result.reached_by_deadline, result.replications, result.reached_ever) == (2, 4, 3)
    assert result.probability == 0.5
    assert (result.probability_low, result.probability_high) == pytest.approx(wilson_interval(2, 4))
    assert result.median_week_reached == 2.0
    assert (result.week_reached_low, result.week_reached_high) == pytest.approx(
        tuple(np.percentile([0, 2, 4], [2.5, 97.5]))
    )
    never = evaluate_target(values, "at_least", 0.9, by_week=3)
    assert never.probability == 0 and math.isnan(never.median_week_reached)


def test_per_100_hours():
    assert per_100_hours(-0.05, -0.07, -0.03, 200.0) == pytest.approx((-0.025, -0.035, -0.015))
    assert all(math.isnan(x) for x in per_100_hours(-0.05, -0.07, -0.03, 0.0))


# ---------------------------------------------------------------- common random numbers


def _share_skeptical_width(plan) -> float:
    row = simulate(plan, workers=1).comparison.set_index("outcome").loc["share_skeptical"]
    return float(row["ci_high"] - row["ci_low"])


def test_common_random_numbers_narrow_the_interval_of_the_difference(tmp_path):
    """Same replications, same seeds: the 95 % interval of workshops minus baseline (final share
    skeptical) is much narrower with common random numbers than with independent seeds.

    Measured (12 replications, 200 clinicians, 20 weeks): CRN widths 0.029 / 0.040 / 0.037 against
    independent 0.090 / 0.099 / 0.116 for seeds 1 / 2 / 3 (ratios 0.33 / 0.40 / 0.32).
    """
    base = small_scenario(tmp_path / "baseline.toml", replications=12, steps=20, n=200, extends=BASELINE)
    work = small_scenario(tmp_path / "workshops.toml", replications=12, steps=20, n=200, extends=WORKSHOPS)
    crn, independent = [], []
    for seed in (1, 2, 3):
        crn_plan = plan_comparison([base, work], seed=seed, out=tmp_path / "out")
        indep_plan = plan_comparison([base, work], seed=seed, out=tmp_path / "out", crn=False)
        assert [r.paired for r in crn_plan.runs] == [True, True]
        assert [r.paired for r in indep_plan.runs] == [True, False]
        crn.append(_share_skeptical_width(crn_plan))
        independent.append(_share_skeptical_width(indep_plan))
    assert sum(crn) < 0.7 * sum(independent), (crn, independent)


def test_replication_k_of_paired_scenarios_starts_from_the_same_clinicians(folder):
    steps = read(folder, "steps.csv")
    start = steps[steps.step == 0].set_index(["scenario", "replication"])[list(COLUMNS)]
    assert start.loc["baseline"].equals(start.loc["workshops"])  # paired: identical week 0
    # Another population (more clinicians) is a different hospital: not the same start.
    assert not np.allclose(start.loc["baseline"]["mean_attitude"], start.loc["bigger"]["mean_attitude"])
    # Replications differ from each other.
    assert start.loc["baseline"]["mean_attitude"].nunique() == REPLICATIONS


def test_without_crn_scenarios_get_independent_seeds(tmp_path, files):
    plan = plan_comparison([files["baseline"], files["workshops"]], out=tmp_path / "out", crn=False)
    tables = simulate(plan, workers=1, folder=tmp_path)
    seeds = tables.scenarios.set_index("scenario")["seed"]
    assert seeds["baseline"] == 20250801 and seeds["workshops"] != seeds["baseline"]
    assert tables.scenarios["paired"].tolist() == ["true", "false"]
    assert set(tables.comparison["paired"]) == {"false"}
    # Independent runs: Welch's interval.
    reps = tables.replications
    for _, row in tables.comparison.iterrows():
        a = reps.loc[reps.scenario == "workshops", row["outcome"]].dropna().to_numpy()
        b = reps.loc[reps.scenario == "baseline", row["outcome"]].dropna().to_numpy()
        interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval()
        assert row["difference"] == pytest.approx(a.mean() - b.mean(), rel=1e-7, abs=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((interval.low, interval.high), rel=1e-6, abs=1e-9)
    steps = pd.read_csv(tmp_path / "steps.csv")
    start = steps[steps.step == 0].set_index(["scenario", "replication"])["mean_attitude"]
    assert not np.allclose(start.loc["baseline"], start.loc["workshops"])


# ---------------------------------------------------------------- the folder of `simulate compare`


def test_compare_writes_every_file_with_the_documented_columns(folder):
    names = {p.name for p in folder.iterdir()}
    assert {*CSV_FILES, "summary.json", "manifest.json", "report.md", "plots"} <= names
    expected = {
        "steps.csv": STEPS_COLUMNS,
        "replications.csv": REPLICATIONS_COLUMNS,
        "scenarios.csv": SCENARIOS_COLUMNS,
        "comparison.csv": COMPARISON_COLUMNS,
        "targets.csv": TARGETS_COLUMNS,
        "groups.csv": GROUPS_COLUMNS,
        "uncertainty.csv": UNCERTAINTY_COLUMNS,
        "drivers.csv": DRIVERS_COLUMNS,
        "unknowns.csv": UNKNOWNS_COLUMNS,
        "effects.csv": EFFECTS_COLUMNS,
    }
    for name, columns in expected.items():
        header = (folder / name).read_text().splitlines()[0]
        assert header.split(",") == columns, name


def test_scenarios_in_comparison_order(folder):
    scenarios = read(folder, "scenarios.csv")
    # The file named baseline.toml is the baseline although listed last; the others keep their order.
    assert scenarios["scenario"].tolist() == ["baseline", "workshops", "bigger"]
    assert scenarios["role"].tolist() == ["baseline", "alternative", "alternative"]
    assert scenarios["paired"].tolist() == [True, True, False]  # bigger has another population
    assert scenarios["replications"].tolist() == [REPLICATIONS] * 3
    assert scenarios["steps"].tolist() == [STEPS] * 3  # bigger's 25 weeks replaced by the baseline's 20
    assert scenarios["seed"].nunique() == 1
    assert scenarios["interventions"].fillna("").tolist() == ["", "Peer-led AI workshops", "Peer-led workshops"]
    assert scenarios["file"].str.endswith(("baseline.toml", "workshops.toml", "bigger.toml")).all()
    steps = read(folder, "steps.csv")
    assert pd.unique(steps["scenario"]).tolist() == ["baseline", "workshops", "bigger"]
    assert len(steps) == 3 * REPLICATIONS * (STEPS + 1)
    replications = read(folder, "replications.csv")
    assert replications[["scenario", "replication"]].values.tolist() == [
        [s, k] for s in ("baseline", "workshops", "bigger") for k in range(REPLICATIONS)
    ]


def test_costs_in_scenarios_csv(folder):
    scenarios = read(folder, "scenarios.csv").set_index("scenario")
    replications = read(folder, "replications.csv")
    for name in ("baseline", "workshops", "bigger"):
        mean_cost = replications.loc[replications.scenario == name, "cost_hours"].mean()
        assert scenarios.loc[name, "cost_hours"] == pytest.approx(mean_cost)
    assert scenarios.loc["baseline", "cost_hours"] == 0 and scenarios.loc["workshops", "cost_hours"] > 0
    assert scenarios.loc["workshops", "cost_money"] == pytest.approx(80 * scenarios.loc["workshops", "cost_hours"])
    assert scenarios.loc["workshops", "currency"] == "EUR"
    assert math.isnan(scenarios.loc["bigger", "cost_money"])  # hourly_rate 0: hours only


def test_comparison_numbers_match_replications_csv(folder):
    comparison = read(folder, "comparison.csv")
    replications = read(folder, "replications.csv")
    by = {name: frame.set_index("replication") for name, frame in replications.groupby("scenario")}
    base = by["baseline"]
    # bigger is another hospital (more clinicians): not compared, no rows (scenarios.csv: comparable false).
    assert comparison["scenario"].tolist() == ["workshops"] * len(OUTCOMES)
    assert comparison["outcome"].tolist() == list(OUTCOMES)
    assert comparison["better"].fillna("").tolist() == list(OUTCOMES.values())
    for _, row in comparison.iterrows():
        alt = by[row["scenario"]]
        extra = alt["cost_hours"].mean() - base["cost_hours"].mean()
        b, a = base[row["outcome"]].to_numpy(), alt[row["outcome"]].to_numpy()
        assert row["paired"] is True or row["paired"] == "true"
        keep = ~(np.isnan(a) | np.isnan(b))
        d = a[keep] - b[keep]
        interval = stats.ttest_rel(a[keep], b[keep]).confidence_interval()
        assert row["replications"] == keep.sum()
        assert row["difference"] == pytest.approx(d.mean(), rel=1e-7, abs=1e-9)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((interval.low, interval.high), rel=1e-6, abs=1e-9)
        assert row["difference"] == pytest.approx(row["scenario_mean"] - row["baseline_mean"], rel=1e-7, abs=1e-9)
        assert row["extra_cost_hours"] == pytest.approx(extra)
        if extra > 0:
            assert row["per_100h"] == pytest.approx(row["difference"] * 100 / extra, rel=1e-7, abs=1e-12)
            assert row["per_100h_low"] == pytest.approx(row["ci_low"] * 100 / extra, rel=1e-7, abs=1e-12)
        else:
            assert math.isnan(row["per_100h"])
    # The workshops lower skepticism (a robust effect even in 4 short runs).
    skeptical = comparison.set_index(["scenario", "outcome"]).loc[("workshops", "share_skeptical")]
    assert skeptical["ci_high"] < 0


def test_targets_match_steps_csv(folder, compared):
    targets = read(folder, "targets.csv")
    steps = read(folder, "steps.csv")
    # The union of the baseline's two targets and workshops' one, evaluated for all three scenarios.
    assert len(targets) == 3 * 3
    assert targets["scenario"].tolist() == [s for s in ("baseline", "workshops", "bigger") for _ in range(3)]
    assert set(targets["target"]) >= {"share_skeptical <= 0.24 by week 12", "40 % verifying within a year"}
    for _, row in targets.iterrows():
        group = steps[steps.scenario == row["scenario"]]
        deadline = min(row["by_week"], STEPS)
        first = []
        for _, run in group.groupby("replication"):
            values = run[row["metric"]].to_numpy()
            met = values >= row["threshold"] if row["direction"] == "at_least" else values <= row["threshold"]
            first.append(int(run["step"].to_numpy()[met][0]) if met.any() else None)
        reached = [w for w in first if w is not None]
        k = sum(w <= deadline for w in reached)
        assert row["replications"] == REPLICATIONS
        assert row["reached_by_deadline"] == k and row["reached_ever"] == len(reached)
        assert row["probability"] == pytest.approx(k / REPLICATIONS)
        wilson = stats.binomtest(k, REPLICATIONS).proportion_ci(method="wilson")
        assert (row["probability_low"], row["probability_high"]) == pytest.approx((wilson.low, wilson.high))
        if reached:
            assert row["median_week_reached"] == pytest.approx(np.median(reached))
        else:
            assert math.isnan(row["median_week_reached"])
    # Deadlines beyond the 20 weeks are noted on stderr.
    stderr = compared[1].stderr
    assert "note: target 'skeptics down to 15 % within two years': by_week 104 is beyond the 20 weeks" in stderr


def test_override_note_on_stderr(compared):
    stderr = compared[1].stderr
    assert "note: bigger.toml: run.steps 25 replaced by the baseline's 20 for common random numbers" in stderr
    assert "workshops.toml" not in stderr  # same settings as the baseline: no note


def test_summary_and_manifest_list_every_scenario(folder, files):
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["baseline"] == "baseline"
    assert list(summary["scenarios"]) == ["baseline", "workshops", "bigger"]
    assert summary["scenarios"]["bigger"]["steps"] == STEPS
    assert summary["scenarios"]["workshops"]["outcomes"]["share_skeptical"]["final"]["mean"] is not None
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["common_random_numbers"] is True and manifest["baseline"] == "baseline"
    entries = manifest["scenarios"]
    assert [e["name"] for e in entries] == ["baseline", "workshops", "bigger"]
    assert [e["file"] for e in entries] == [str(files[n]) for n in ("baseline", "workshops", "bigger")]
    assert all(len(e["scenario_hash"]) == 64 for e in entries)
    assert entries[2]["scenario"]["run"]["steps"] == STEPS and entries[2]["scenario"]["population"]["n"] == N + 30


def test_closing_lines(compared):
    out, result = compared
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"3 scenarios x {REPLICATIONS} runs x {STEPS} weeks")
    assert lines[1].startswith("workshops vs baseline: skeptical -") and "clinician-hours" in lines[1]
    assert " points [" in lines[1] and "verifying " in lines[1]
    assert lines[2] == "bigger (another hospital: not compared)"
    assert lines[3].startswith(f"results: {out}/")


def test_one_and_two_workers_give_identical_tables(tmp_path, files, folder):
    out = tmp_path / "two_workers"
    result = invoke("compare", str(files["workshops"]), str(files["bigger"]), str(files["baseline"]),
                    "--out", str(out), "--workers", "2", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in (*CSV_FILES, "summary.json"):
        assert (out / name).read_bytes() == (folder / name).read_bytes(), name


# ---------------------------------------------------------------- `simulate FILE` with compare_to


def test_compare_to_runs_both_into_the_file_stem_folder(tmp_path, files, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", str(files["workshops"]), "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    out = tmp_path / "outputs" / "workshops"
    assert str(Path("outputs") / "workshops") in result.stdout and "workshops vs baseline" in result.stdout
    scenarios = read(out, "scenarios.csv")
    assert scenarios["scenario"].tolist() == ["baseline", "workshops"]
    assert scenarios["paired"].tolist() == [True, True]
    assert len(read(out, "comparison.csv")) == len(OUTCOMES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["workshops"]


def test_compare_to_is_resolved_against_the_file_that_set_it(tmp_path, files):
    # A file extending the test's workshops.toml inherits its compare_to = "baseline.toml",
    # which points next to workshops.toml, not next to the extending file.
    child = write_scenario(tmp_path / "child.toml", '[scenario]\nname = "child"\n', extends=files["workshops"])
    plan = plan_file(child)
    assert [r.name for r in plan.runs] == ["baseline", "child"]
    assert plan.sources[0].resolve() == files["baseline"].resolve()
    assert plan.out == Path("outputs") / "child"


def test_a_file_without_compare_to_runs_alone(files):
    plan = plan_file(files["bigger"])
    assert [r.name for r in plan.runs] == ["bigger"]
    assert plan.runs[0].scenario.run.steps == STEPS + 5  # its own settings: nothing to align with
    assert all(n.startswith("note: target") for n in plan.notes), plan.notes


# ---------------------------------------------------------------- choosing the baseline, names


def test_baseline_choice(tmp_path, files):
    def order(paths, **kwargs):
        return [r.name for r in plan_comparison(paths, out=tmp_path / "o", **kwargs).runs]

    b, w, g = files["baseline"], files["workshops"], files["bigger"]
    assert order([w, g, b]) == ["baseline", "workshops", "bigger"]  # the file named baseline.toml
    assert order([w, g, b], baseline=g) == ["bigger", "workshops", "baseline"]  # --baseline wins
    # Without a baseline.toml: the file the others' compare_to names, else the first.
    plain = write_scenario(tmp_path / "plain.toml", '[scenario]\nname = "plain"\n', extends=b)
    pointer = write_scenario(
        tmp_path / "pointer.toml", f'[scenario]\nname = "pointer"\ncompare_to = {toml_string(str(plain))}\n', extends=b
    )
    assert order([pointer, plain]) == ["plain", "pointer"]
    assert order([g, w]) == ["bigger", "workshops"]


def test_equal_names_fall_back_to_file_stems(tmp_path):
    one = write_scenario(tmp_path / "one.toml", '[scenario]\nname = "same"\n', extends=BASELINE)
    two = write_scenario(tmp_path / "two.toml", '[scenario]\nname = "same"\n', extends=BASELINE)
    other = write_scenario(tmp_path / "other.toml", '[scenario]\nname = "kept"\n', extends=BASELINE)
    plan = plan_comparison([one, two, other], out=tmp_path / "o")
    assert [r.name for r in plan.runs] == ["one", "two", "kept"]


def test_equal_names_and_stems_are_an_error_naming_both_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_scenario(tmp_path / "a" / "plan.toml", '[scenario]\nname = "same"\n', extends=BASELINE)
    second = write_scenario(tmp_path / "b" / "plan.toml", '[scenario]\nname = "same"\n', extends=BASELINE)
    out = tmp_path / "out"
    result = invoke("compare", str(first), str(second), "--out", str(out), "--quiet")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("error: ") and len(message.splitlines()) == 1
    assert str(first) in message and str(second) in message and "'plan'" in message
    assert "Traceback" not in result.output and not out.exists()


def test_baseline_not_among_the_files_is_an_error(tmp_path, files):
    out = tmp_path / "out"
    result = invoke("compare", str(files["workshops"]), str(files["bigger"]), "--baseline", str(files["baseline"]),
                    "--out", str(out), "--quiet")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --baseline") and str(files["baseline"]) in result.stderr
    assert not out.exists()


def test_compare_without_files_is_an_error(tmp_path):
    result = invoke("compare", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and result.stderr.startswith("error: compare needs at least one scenario file")


def test_plan_errors_are_scenario_errors(tmp_path, files):
    with pytest.raises(ScenarioError, match="given twice"):
        plan_comparison([files["baseline"], files["baseline"]], out=tmp_path / "o")
    with pytest.raises(ScenarioError, match="--steps 0"):
        plan_comparison([files["baseline"], files["workshops"]], steps=0, out=tmp_path / "o")
