"""`run.time_unit`: a scenario written in months or years means what the same scenario in weeks means.

simulation/scenario/time_units.py converts the weekly defaults (and keys inherited from a file in
another unit) when a scenario is loaded; the model then steps once per month or year.
"""

from __future__ import annotations

import math
import typing
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from simulation.errors import ScenarioError
from simulation.execution.plan import replication_jobs
from simulation.execution.replication import run_replication, run_replications
from simulation.experiments.calibration_inputs import check_observed
from simulation.outcomes import COLUMNS
from simulation.results.columns import describe
from simulation.scenario import load_scenario, resolve_scenario_text
from simulation.scenario.interventions import CONFIGS
from simulation.scenario.schema import Scenario
from simulation.scenario.time_units import TIME_KEYS, TIMELESS, WEEKS_PER_STEP, convert_value, lookup

MONTH = 52 / 12  # weeks per month (the model's year is 52 weeks)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- every number of the schema is classified -------------------------------------------------------


def _numeric_fields() -> list[tuple[type[BaseModel], str]]:
    """Every (config class, field) of the schema whose value holds a number (int, float, inside lists,
    tuples, maps or unions), walking every table the Scenario reaches."""
    found, seen, todo = [], set(), [Scenario, *CONFIGS.values()]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            stack, numeric = [field.annotation], False
            while stack:
                kind = stack.pop()
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    todo.append(kind)
                elif kind in (int, float):
                    numeric = True
                else:
                    stack.extend(typing.get_args(kind))
            if numeric:
                found.append((model, name))
    return found


def test_every_numeric_key_is_classified_once():
    """A new rate or duration cannot be forgotten: every number is a time key or says what it is."""
    fields = _numeric_fields()
    assert len(fields) > 150  # the walk reaches every table (interventions, experiments, budget, ...)
    missing = [
        f"{m.__name__}.{n}" for m, n in fields if lookup(m, n, TIME_KEYS) is None and lookup(m, n, TIMELESS) is None
    ]
    assert not missing, f"classify these in simulation/scenario/time_units.py: {missing}"
    both = [f"{m.__name__}.{n}" for m, n in fields if lookup(m, n, TIME_KEYS) and lookup(m, n, TIMELESS)]
    assert not both, both


def test_classification_names_only_real_keys():
    """No stale entry: each key of the two tables is a field of a class of the schema."""
    classes = {model.__name__: model for model, _ in _numeric_fields()}
    classes |= {base.__name__: base for model in list(classes.values()) for base in model.__mro__}
    for key in [*TIME_KEYS, *TIMELESS]:
        owner, field = key.split(".")
        assert owner in classes and field in classes[owner].model_fields, key


def test_every_weekly_description_is_a_time_key():
    """A key whose description speaks of weeks or per-step rates is converted (or is a count of years)."""
    for model, name in _numeric_fields():
        text = (model.model_fields[name].description or "").lower()
        if any(word in text for word in ("per week", "weekly", "weeks until", "per step")):
            assert lookup(model, name, TIME_KEYS) is not None, f"{model.__name__}.{name}: {text[:80]}"


# --- how values convert -----------------------------------------------------------------------------


def test_conversions_by_kind():
    f = MONTH
    assert convert_value(0.03, "chance", "week", "month") == pytest.approx(1 - 0.97**f, abs=1e-11)
    assert convert_value(0.8, "retention", "week", "month") == pytest.approx(0.8**f, abs=1e-11)
    assert convert_value(10.0, "amount", "week", "month") == pytest.approx(10 * f, abs=1e-9)
    assert convert_value(0.05, "noise", "week", "month") == pytest.approx(0.05 * math.sqrt(f), abs=1e-11)
    assert convert_value(26.0, "duration", "week", "month") == 6.0
    assert convert_value([13, 26, 52, 78, 104], "time_point", "week", "month") == [3, 6, 12, 18, 24]
    assert convert_value(5, "time_point", "week", "month") == 2  # week 5 falls in month 2
    assert convert_value(1, "time_point", "week", "year") == 1
    assert convert_value(52, "spacing", "week", "month") == 12
    assert convert_value(1, "spacing", "week", "year") == 1  # at least one step between sessions
    # Exact both ways between weeks and years for durations and retention.
    assert convert_value(convert_value(0.8, "retention", "week", "year"), "retention", "year", "week") == pytest.approx(
        0.8
    )
    assert WEEKS_PER_STEP["year"] == 52 * WEEKS_PER_STEP["week"] == 12 * WEEKS_PER_STEP["month"]


def test_week_leaves_every_key_and_the_hash_as_it_was(tmp_path):
    """time_unit = "week" (the default) changes nothing: same resolved scenario, so same bytes out."""
    base = Path("scenarios/workshops.toml").resolve()
    explicit = _write(tmp_path, "explicit.toml", f'extends = "{base}"\n[run]\ntime_unit = "week"\n')
    assert resolve_scenario_text(load_scenario(explicit)) == resolve_scenario_text(load_scenario(base))


def test_month_converts_the_weekly_defaults(tmp_path):
    path = _write(
        tmp_path,
        "monthly.toml",
        '[run]\ntime_unit = "month"\n[[interventions]]\nkind = "literacy_training"\n'
        '[[interventions]]\nkind = "workshop"\nstart = 2\nevery = 3\n',
    )
    scenario = load_scenario(path)
    weekly = Scenario()
    assert (scenario.run.steps, scenario.run.milestones) == (24, [3, 6, 12, 18, 24])
    assert scenario.choice.reconsider_rate == pytest.approx(1 - (1 - weekly.choice.reconsider_rate) ** MONTH, abs=1e-11)
    assert scenario.judgment.reputation_memory == pytest.approx(weekly.judgment.reputation_memory**MONTH, abs=1e-11)
    assert scenario.experience.cases_per_week == pytest.approx(10 * MONTH, abs=1e-9)
    training, workshop = scenario.interventions
    assert (training.every, training.half_life_weeks) == (12, 24.0)  # 52 weeks, 104 weeks
    assert (workshop.start, workshop.every) == (2, 3)  # written in months: as written
    assert workshop.half_life_weeks == pytest.approx(12 / MONTH, abs=1e-9)  # the default, 12 weeks
    # What a file writes is taken in its unit.
    written = _write(tmp_path, "written.toml", '[run]\ntime_unit = "month"\n[choice]\nreconsider_rate = 0.1\n')
    assert load_scenario(written).choice.reconsider_rate == 0.1


def test_year_loads_with_every_default(tmp_path):
    """The yearly conversions stay within every key's range (bass_q 0.4 a week is 20.8 a year)."""
    scenario = load_scenario(_write(tmp_path, "yearly.toml", '[run]\ntime_unit = "year"\n'))
    assert (scenario.run.steps, scenario.run.milestones) == (2, [1, 2])
    assert scenario.choice.bass_q == pytest.approx(0.4 * 52)


def test_extends_converts_what_is_inherited_from_another_unit(tmp_path):
    _write(
        tmp_path,
        "weekly.toml",
        "[run]\nsteps = 104\n[choice]\nreconsider_rate = 0.05\n"
        '[[interventions]]\nkind = "workshop"\nstart = 13\nevery = 13\nhalf_life_weeks = 26\n',
    )
    monthly = load_scenario(_write(tmp_path, "monthly.toml", 'extends = "weekly.toml"\n[run]\ntime_unit = "month"\n'))
    assert monthly.run.steps == 24
    assert monthly.choice.reconsider_rate == pytest.approx(1 - 0.95**MONTH, abs=1e-11)
    (workshop,) = monthly.interventions
    assert (workshop.start, workshop.every, workshop.half_life_weeks) == (3, 3, 6.0)
    # A file that sets no unit inherits its parent's unit, and its values as they are.
    child = _write(tmp_path, "child.toml", 'extends = "monthly.toml"\n[choice]\nreconsider_rate = 0.2\n')
    loaded = load_scenario(child)
    assert loaded.run.time_unit == "month" and loaded.choice.reconsider_rate == 0.2 and loaded.run.steps == 24


def test_bad_unit_names_the_key_and_what_is_allowed(tmp_path):
    path = _write(tmp_path, "bad.toml", '[run]\ntime_unit = "months"\n')
    with pytest.raises(ScenarioError, match=r"run\.time_unit.*'months'.*allowed.*'week'.*did you mean 'month'"):
        load_scenario(path)


# --- the same curve in weeks and in months or years --------------------------------------------------


def _curve(unit: str, steps: int, replications: int = 1, **tables) -> np.ndarray:
    scenario = Scenario.model_validate(
        {"run": {"time_unit": unit, "steps": steps, "replications": replications}, **tables}
    )
    return np.array([result.outcomes for result in run_replications(replication_jobs(scenario))])


def test_relaxation_is_exact_in_years():
    """Where the conversion is exact, the curves agree to rounding: users' attitudes relax toward
    1 + 6 x trust at attitude_from_trust_rate per step (its weekly default 0.02, converted; trust,
    modes and everything else held still by zeros, which mean the same in any unit), so the yearly
    run at year k equals the weekly run at week 52 k."""
    still = {
        "population": {"n": 200},
        "judgment": {"visibility": 0.0},
        "choice": {"reconsider_rate": 0.0},
        "attitude": {"influence_rate": 0.0, "anchoring": 0.0, "drift_sd": 0.0},
        "experience": {"trust_learning_rate": 0.0, "incident_share": 0.0},
    }
    weekly, yearly = _curve("week", 104, **still), _curve("year", 2, **still)
    column = COLUMNS.index("mean_attitude")
    assert weekly[0, 104, column] != weekly[0, 0, column]  # attitudes moved
    for year in (1, 2):
        assert yearly[0, year, column] == pytest.approx(weekly[0, 52 * year, column], abs=1e-9)


def test_default_model_in_months_follows_the_weekly_curve():
    """The whole model (stochastic, peer judgment once a step) in months follows the weekly curve.

    16 replications of 500 clinicians: the SD of a final share across replications is about 0.03, so
    the mean's standard error is about 0.008; same seeds (same hospitals and first draws) make the
    two means correlated. Measured differences are below 0.01; 0.025 is three standard errors. The
    same months with the weekly rates taken as monthly ones (the bug this key fixes) miss by 0.2.
    """
    weekly, monthly = _curve("week", 104, 16, population={"n": 500}), _curve("month", 24, 16, population={"n": 500})
    misread = _curve("week", 24, 16, population={"n": 500})  # 24 steps at weekly rates
    for name in ("share_uses_ai", "share_skeptical", "share_verify", "share_primary"):
        column = COLUMNS.index(name)
        for month, week in ((6, 26), (12, 52), (24, 104)):
            assert monthly[:, month, column].mean() == pytest.approx(weekly[:, week, column].mean(), abs=0.025), (
                name,
                month,
            )
    uses = COLUMNS.index("share_uses_ai")
    assert abs(misread[:, 24, uses].mean() - weekly[:, 104, uses].mean()) > 0.15


# --- the unit in tables and observed data -------------------------------------------------------------


def test_summary_and_columns_say_the_unit():
    from simulation.execution.plan import ScenarioRun
    from simulation.results.tables import TableBuilder

    scenario = Scenario.model_validate(
        {"run": {"time_unit": "month", "steps": 3, "replications": 2}, "population": {"n": 50}}
    )
    run = ScenarioRun("monthly", "baseline", "monthly.toml", scenario, True, scenario.run.seed)
    builder = TableBuilder([run], [], None, None)
    for k in range(2):
        builder.add(run_replication(scenario, k, with_snapshots=k == 0))
    assert builder.finish().summary["scenarios"]["monthly"]["step_unit"] == "month"
    assert "run.time_unit" in describe("steps.csv", "step").meaning


def test_observed_steps_counted_in_the_scenario_unit(tmp_path):
    observed = _write(tmp_path, "observed.csv", "month,cumulative_adoption\n1,0.1\n2,0.2\n")
    check_observed(observed, 24, "month")
    with pytest.raises(ScenarioError, match=r"column 'month'.*run\.time_unit is 'week'.*set run\.time_unit = 'month'"):
        check_observed(observed, 24, "week")
    plain = _write(tmp_path, "plain.csv", "step,cumulative_adoption\n1,0.1\n")
    check_observed(plain, 24, "year")  # a `step` column is in whatever unit the scenario has


def test_a_scenario_built_in_python_converts_its_unwritten_keys():
    """Tables given as config objects count only the keys they were given, as a file would."""
    from simulation.scenario.interventions import WorkshopConfig
    from simulation.scenario.planning import RunConfig

    scenario = Scenario(
        run=RunConfig(time_unit="month", steps=24), interventions=[WorkshopConfig(kind="workshop", every=2)]
    )
    assert scenario.run.milestones == [3, 6, 12, 18, 24]
    assert (scenario.interventions[0].every, scenario.interventions[0].half_life_weeks) == (
        2,
        pytest.approx(12 / MONTH),
    )
    assert Scenario(run=RunConfig(steps=24)).run.milestones == [13, 26, 52, 78, 104]  # weeks: nothing changes
