"""What we do not know: parameter worlds, two intervals, chances across worlds, drivers (issue 14).

Small runs: 150 clinicians, 30 weeks, 6 replications at the stated values and 12 worlds of 2 runs
(about 10 s for the module on 2 cores).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, toml_string, write_scenario
from scipy import stats
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.execution.plan import ScenarioRun
from simulation.execution.replication import ReplicationResult
from simulation.job import plan_file, plan_jobs, run_plan
from simulation.outcomes import COLUMNS, COMPARED
from simulation.results.uncertainty import WorldCollector
from simulation.scenario import load_scenario
from simulation.scenario.interventions import CONFIGS
from simulation.scenario.schema import Scenario
from simulation.scenario.uncertainty import UncertainParameter
from simulation.scenario.unknowns import DOCUMENTED
from simulation.worlds import WorldDesign, check_keys, quantile, unit_design

SMALL = "[run]\nsteps = 30\nreplications = 6\n\n[population]\nn = 150\n\n[uncertainty]\nworlds = 12\nreplications = 2\n"


def small_pair(folder: Path, extra: str = "") -> Path:
    base = write_scenario(folder / "base.toml", f'[scenario]\nname = "base"\n\n{SMALL}{extra}')
    return write_scenario(
        folder / "plan.toml",
        f'[scenario]\nname = "plan"\ncompare_to = {toml_string(str(base))}\n\n{SMALL}{extra}',
        extends=WORKSHOPS,
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uncertainty")
    plan = small_pair(folder)
    result = run_plan(plan_file(plan, folder / "out"), workers=1)
    return result.out


def test_two_intervals_and_the_uncertain_one_is_at_least_as_wide(run):
    table = pd.read_csv(run / "uncertainty.csv")
    row = table[(table["scenario"] == "plan") & (table["outcome"] == "share_skeptical")].iloc[0]
    chance = row["chance_high"] - row["chance_low"]
    unknown = row["uncertain_high"] - row["uncertain_low"]
    assert chance > 0 and unknown >= chance
    # the workshops' effect sizes are drawn half to twice: the spread of the worlds is mostly theirs
    assert row["share_unknown"] > 0.3
    # the stated difference is comparison.csv's mean difference (the same runs)
    comparison = pd.read_csv(run / "comparison.csv")
    stated = comparison[(comparison["scenario"] == "plan") & (comparison["outcome"] == "share_skeptical")].iloc[0]
    assert row["difference"] == pytest.approx(stated["difference"], abs=1e-9)
    assert 0 <= row["p_better"] <= 1 and 0 <= row["p_best"] <= 1
    baseline = table[(table["scenario"] == "base") & (table["outcome"] == "share_skeptical")].iloc[0]
    assert baseline["p_best"] + row["p_best"] == pytest.approx(1.0)  # one of the two is best in every world
    assert math.isnan(baseline["difference"])


def test_files_and_columns(run):
    unknowns = pd.read_csv(run / "unknowns.csv")
    worlds = pd.read_csv(run / "worlds.csv")
    drivers = pd.read_csv(run / "drivers.csv")
    assert list(unknowns.columns) == ["key", "form", "low", "high", "shape", "reason"]
    assert list(worlds["world"]) == list(range(1, 13))
    assert list(worlds.columns[1:]) == list(unknowns["key"])
    # only kinds the comparison has: workshops' ranges, not those of forums or champions
    assert "interventions.workshop.attitude_gain" in set(unknowns["key"])
    assert not any(k.startswith("interventions.open_forum") for k in unknowns["key"])
    top = drivers[(drivers["scenario"] == "plan") & (drivers["outcome"] == "share_skeptical")]
    assert len(top) == len(unknowns) and list(top["rank"]) == list(range(1, len(unknowns) + 1))
    report = (run / "report.md").read_text(encoding="utf-8")
    assert report.index("## The answer") < report.index("## Ranking of scenarios") < report.index("## How sure")
    assert "With what we do not know" in report and "## What we assumed" in report


def test_every_scenario_sees_the_same_worlds_and_seeds(tmp_path):
    plan = plan_file(small_pair(tmp_path), tmp_path / "out")
    jobs = plan_jobs(plan)
    by_scenario: dict[int, dict[int, Scenario]] = {}
    for job in jobs:
        by_scenario.setdefault(job.group, {})[job.replication] = job.scenario
    assert by_scenario[0].keys() == by_scenario[1].keys()  # the same replication numbers, so the same seeds
    assert len(by_scenario[0]) == 6 + 12 * 2
    for replication in by_scenario[0]:
        base, alt = by_scenario[0][replication], by_scenario[1][replication]
        assert base.judgment.model_dump() == alt.judgment.model_dump()
        assert base.attitude.model_dump() == alt.attitude.model_dump()
        assert base.population.model_dump() == alt.population.model_dump()
    stated = by_scenario[1][0].interventions[0].attitude_gain
    gains = {by_scenario[1][r].interventions[0].attitude_gain for r in by_scenario[1] if r >= 6}
    assert len(gains) == 12 and min(gains) >= stated * 0.5 - 1e-9 and max(gains) <= stated * 2 + 1e-9


def test_worlds_leave_the_stated_tables_as_they_are(tmp_path):
    """The tables of the replications at the stated values do not depend on the worlds run beside them."""
    plan = small_pair(tmp_path)
    with_worlds = run_plan(plan_file(plan, tmp_path / "a"), workers=1).out
    without = run_plan(plan_file(plan, tmp_path / "b", worlds=0), workers=1).out
    for name in ("steps.csv", "replications.csv", "comparison.csv", "targets.csv", "summary.json"):
        assert (with_worlds / name).read_bytes() == (without / name).read_bytes(), name
    assert not (without / "uncertainty.csv").exists()
    assert "only chance was measured" in (without / "report.md").read_text(encoding="utf-8")


def test_collector_against_a_direct_computation():
    """p_better, p_best and the intervals from synthetic final values, computed independently."""
    rng = np.random.default_rng(3)
    design = WorldDesign((UncertainParameter(key="judgment.visibility", plus=(-0.1, 0.1)),), rng.random((40, 1)), 3, 0)
    scenarios = [Scenario(), Scenario()]
    for s in scenarios:
        s.run.replications = 5
    runs = [
        ScenarioRun(n, "baseline" if i == 0 else "alternative", "", s, True, 0)
        for i, (n, s) in enumerate(zip(["a", "b"], scenarios, strict=True))
    ]
    collector = WorldCollector(runs, [True, True], design)
    skeptical = COLUMNS.index("share_skeptical")
    values = {}
    for index in range(2):
        for replication in range(5 + 40 * 3):
            final = rng.random() + (0.1 * index * (design.world_of(replication, 5) % 3 - 1))
            outcomes = np.zeros((4, len(COLUMNS)))
            outcomes[-1, skeptical] = final
            values[index, replication] = final
            collector.add(ReplicationResult(replication, outcomes, None, index))
    table = collector.finish().uncertainty
    row = table[(table["scenario"] == "b") & (table["outcome"] == "share_skeptical")].iloc[0]
    chance = np.array([values[1, k] - values[0, k] for k in range(5)])
    everything = np.array([values[1, k] - values[0, k] for k in range(5, 125)])
    assert row["chance_low"] == pytest.approx(np.percentile(chance, 2.5))
    assert row["uncertain_high"] == pytest.approx(np.percentile(everything, 97.5))
    world_means = everything.reshape(40, 3).mean(axis=1)
    assert row["p_better"] == pytest.approx(np.mean(world_means < 0))  # lower is better
    assert row["p_best"] == pytest.approx(np.mean(world_means < 0))  # two options: best = beats the other
    assert row["share_unknown"] == pytest.approx(max(0.0, 1 - chance.var(ddof=1) / everything.var(ddof=1)))
    assert set(table["outcome"]) == set(COMPARED)


@pytest.mark.parametrize(
    ("parameter", "frozen"),
    [
        (UncertainParameter(key="judgment.visibility", plus=(-0.3, 0.2)), stats.uniform(-0.3, 0.5)),
        (UncertainParameter(key="judgment.visibility", times=(0.5, 2.0)), stats.loguniform(0.5, 2.0)),
        (
            UncertainParameter(key="judgment.visibility", plus=(-0.3, 0.6), shape="triangular"),
            stats.triang(c=1 / 3, loc=-0.3, scale=0.9),
        ),
        (
            UncertainParameter(key="judgment.visibility", plus=(-0.5, 0.5), shape="normal"),
            stats.norm(0, 0.5 / stats.norm.ppf(0.975)),
        ),
    ],
)
def test_shapes_against_scipy(parameter, frozen):
    for u in (0.01, 0.2, 0.5, 0.77, 0.99):
        assert quantile(parameter, u) == pytest.approx(frozen.ppf(u), abs=1e-9)


def test_latin_hypercube_hits_every_stratum_once():
    unit = unit_design(16, 3, 7)
    for column in unit.T:
        assert sorted(np.floor(column * 16).astype(int)) == list(range(16))


def test_every_documented_range_names_a_number_of_the_schema():
    scenario = Scenario()
    plain = [p for p in DOCUMENTED if p.intervention_kind is None]
    check_keys(scenario, plain, "documented")
    for parameter in DOCUMENTED:
        assert parameter.reason, parameter.key
        kind = parameter.intervention_kind
        if kind is not None:
            field = parameter.key.rsplit(".", 1)[1]
            assert CONFIGS[kind].model_fields[field].annotation in (int, float), parameter.key


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[uncertainty.parameters]]\nkey = "judgment.nope"\nplus = [-1, 1]\n', "no key 'nope' there"),
        ('[[uncertainty.parameters]]\nkey = "judgment.visibility"\ntimes = [0, 2]\n', "needs factors above 0"),
        ('[[uncertainty.parameters]]\nkey = "run.steps"\nplus = [-1, 1]\n', "[run] cannot be uncertain"),
        ('[[uncertainty.parameters]]\nkey = "judgment.visibility"\nplus = [1, -1]\n', "needs a < b"),
        (
            '[[uncertainty.parameters]]\nkey = "interventions.nope.gain"\ntimes = [0.5, 2]\n',
            "no intervention kind 'nope'",
        ),
        ('[[uncertainty.parameters]]\nkey = "population.roles"\nplus = [-1, 1]\n', "only numbers can be uncertain"),
    ],
)
def test_bad_ranges_are_clear_errors(tmp_path, body, message):
    path = write_scenario(tmp_path / "bad.toml", body)
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code != 0
    assert message in result.output and "bad.toml" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_an_alternative_may_not_move_the_worlds(tmp_path):
    plan = small_pair(tmp_path)
    text = plan.read_text(encoding="utf-8")
    plan.write_text(
        text + '\n[[uncertainty.parameters]]\nkey = "judgment.visibility"\nplus = [-0.1, 0.1]\n', encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match="differs from the baseline base.toml's"):
        plan_file(plan, tmp_path / "out")


def test_command_line_asks_for_more_worlds(tmp_path):
    plan = small_pair(tmp_path)
    built = plan_file(plan, tmp_path / "out", worlds=3, world_replications=1)
    assert built.design is not None and built.design.worlds == 3 and built.design.replications == 1
    assert built.total_replications == 2 * (6 + 3)
    result = CliRunner().invoke(app, ["run", str(plan), "--worlds", "-1", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "--worlds -1" in result.output


def test_library_files_load_with_the_default_worlds():
    scenario = load_scenario(BASELINE)
    assert scenario.uncertainty.worlds == 32 and scenario.uncertainty.replications == 2


def test_one_and_two_workers_give_the_same_worlds(tmp_path):
    """World runs are batched world by world wherever they run: the uncertainty tables do not depend on the workers."""
    plan = small_pair(tmp_path)
    one = run_plan(plan_file(plan, tmp_path / "one", worlds=6), workers=1).out
    two = run_plan(plan_file(plan, tmp_path / "two", worlds=6), workers=2).out
    for name in ("uncertainty.csv", "drivers.csv", "worlds.csv", "comparison.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_docs_model_lists_every_documented_range():
    """docs/MODEL.md section 7.8 prints the table of `unknowns.DOCUMENTED`: the same keys, ranges and reasons."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "MODEL.md").read_text(encoding="utf-8")
    section = text.split("### 7.8", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            key, shown, shape, reason = (cell.strip() for cell in line.strip("|").split(" | "))
            rows[key.strip("`")] = (shown, shape, reason)
    assert list(rows) == [p.key for p in DOCUMENTED]
    for parameter in DOCUMENTED:
        low, high = parameter.bounds
        shown = f"×{low:g} to ×{high:g}" if parameter.form == "times" else f"{low:+g} to {high:+g}"
        assert rows[parameter.key] == (shown, parameter.drawn_shape.replace("_", "-"), parameter.reason)
