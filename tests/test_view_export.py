"""The view's exports and "Run to week": the TOML writer's round trip, the exported scenario
reproducing the watched run, the CSV files, and the page's buttons rendered in-process."""

from __future__ import annotations

import io
import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, WORKSHOPS

from simulation.execution.replication import run_replication
from simulation.outcomes import COLUMNS
from simulation.results.tables import to_csv_bytes
from simulation.scenario import load_scenario
from simulation.scenario.toml_writer import scenario_toml, to_toml
from simulation.view.export import (
    VIEW_REPLICATION,
    clinicians_csv,
    clinicians_frame,
    scenario_toml_text,
    timeseries_csv,
    timeseries_frame,
)
from simulation.view.settings import ViewSettings
from simulation.view.viewmodel import ViewModel

# --- the TOML writer ---------------------------------------------------------------------------


def test_toml_writer_round_trips_awkward_values():
    data = {
        "title": 'quote " backslash \\ newline \n tab \t é',
        "small": 1e-05,
        "big": 1e16,
        "third": 1 / 3,
        "negative_zero": -0.0,
        "whole_float": 2.0,
        "count": -7,
        "flag": False,
        "nothing": None,  # left out: TOML has no null
        "pairs": [[0.1, 0.5], [1, 2]],
        "empty": [],
        "table": {"Emergency medicine": 0.1, "a.b": 1, "inner": {"x": [1, 2]}, "rows": [{"k": 1}, {"k": 2}]},
        "items": [{"name": "one", "sub": {"deep": True}, "none": None}, {"name": "two"}],
    }
    back = tomllib.loads(to_toml(data, header="a header\nover two lines"))
    expected = {k: v for k, v in data.items() if v is not None}
    expected["items"] = [{"name": "one", "sub": {"deep": True}}, {"name": "two"}]
    assert back == expected
    assert math.copysign(1, back["negative_zero"]) == -1 and back["third"] == 1 / 3  # the same bits
    special = tomllib.loads(to_toml({"a": math.inf, "b": -math.inf, "c": math.nan}))
    assert special["a"] == math.inf and special["b"] == -math.inf and math.isnan(special["c"])
    with pytest.raises(TypeError, match="cannot write"):
        to_toml({"x": object()})


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_library_scenario_written_out_loads_back_the_same(path, tmp_path):
    try:
        scenario = load_scenario(path)
    except Exception as exc:  # e.g. the CKM scenarios without ../shared beside the checkout
        pytest.skip(f"{path.name}: {exc}")
    out = tmp_path / "written.toml"
    out.write_text(scenario_toml(scenario, keep_compare_to=True), encoding="utf-8")
    expected = scenario.model_dump(mode="json", exclude={"extends"})
    back = load_scenario(out).model_dump(mode="json", exclude={"extends"})
    expected["scenario"]["compare_to"] = back["scenario"]["compare_to"]  # the same text (paths resolve per file)
    assert back == expected


# --- the exports of a watched run --------------------------------------------------------------


@pytest.fixture(scope="module")
def watched():
    """The workshops scenario in the view with changed controls (a penalty off the slider grid, fewer
    clinicians, another seed, other seats), stepped 10 weeks."""
    settings = (
        ViewSettings.from_file(WORKSHOPS)
        .with_value("population.n", 200)
        .with_value("judgment.penalty_verify", 1.473)
        .with_intervention("workshop", seats=15)
        .with_seed("4242")
    )
    model = ViewModel(settings)
    model.run_to(10)
    return model


def test_exported_scenario_reproduces_the_watched_run(watched, tmp_path):
    path = tmp_path / "exported.toml"
    path.write_text(scenario_toml_text(watched), encoding="utf-8")
    scenario = load_scenario(path)
    assert (scenario.run.seed, scenario.run.replications, scenario.scenario.compare_to) == (4242, 1, None)
    assert scenario.judgment.penalty_verify == 1.473 and scenario.population.n == 200
    assert scenario.interventions[0].seats == 15
    result = run_replication(scenario, replication=VIEW_REPLICATION, root_seed=scenario.run.seed)
    view = timeseries_frame(watched)
    assert list(view.columns) == ["week", *COLUMNS] and view["week"].tolist() == list(range(11))
    # The same numbers, bit for bit (NaN where the view has NaN: errors_per_1000 at week 0).
    np.testing.assert_array_equal(result.outcomes[:11], view[list(COLUMNS)].to_numpy())
    # And the same CSV text as steps.csv would write for these weeks.
    headless = pd.DataFrame(result.outcomes[:11], columns=list(COLUMNS))
    headless.insert(0, "week", np.arange(11))
    assert to_csv_bytes(headless) == timeseries_csv(watched)


def test_timeseries_csv_has_steps_csv_columns_and_number_format(watched):
    text = timeseries_csv(watched).decode()
    lines = text.splitlines()
    assert lines[0] == ",".join(["week", *COLUMNS]) and len(lines) == 12  # header + weeks 0-10
    frame = pd.read_csv(io.StringIO(text))
    share = frame.loc[10, "share_skeptical"]
    assert share == pytest.approx(watched.last["share_skeptical"], rel=1e-9)  # 10 significant digits
    assert all(len(cell.replace("-", "").replace(".", "").lstrip("0")) <= 10 for cell in lines[-1].split(",") if cell)


def test_clinician_table_has_one_row_per_clinician_and_the_views_skeptical_share(watched):
    text = clinicians_csv(watched).decode()
    frame = pd.read_csv(io.StringIO(text))
    assert len(frame) == watched.state.n == 200
    assert frame["id"].tolist() == list(range(200))
    assert frame.columns[0] == "week" and set(frame["week"]) == {int(watched.week)}  # file names carry no week
    assert {"department", "role", "mode", "attitude", "literacy", "trust", "status_concern", "skeptical"} <= set(
        frame.columns
    )
    assert set(text.splitlines()[1].split(",")) & {"true", "false"}
    assert frame["skeptical"].mean() == pytest.approx(watched.last["share_skeptical"], abs=1e-12)
    assert frame["mode"].value_counts(normalize=True)["verify"] == pytest.approx(
        watched.last["share_verify"], abs=1e-12
    )
    assert set(frame["department"]) <= set(watched.state.department_names)
    assert clinicians_frame(watched)["attitude"].tolist() == watched.state.attitude.tolist()


def test_run_to_stops_at_the_horizon_and_never_goes_back(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(f'extends = "{WORKSHOPS.as_posix()}"\n[run]\nsteps = 6\n[population]\nn = 80\n', encoding="utf-8")
    model = ViewModel(ViewSettings.from_file(path))
    assert model.run_to(4) == 4 and model.week == 4 and model.running
    assert model.run_to(2) == 0 and model.week == 4
    assert model.run_to(50) == 2 and model.week == 6 and not model.running
    assert len(timeseries_frame(model)) == 7


# --- the page, rendered in-process ---------------------------------------------------------------


def test_page_runs_to_week_and_offers_the_downloads(tmp_path):
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from simulation.view.app import ClinicianView

    path = tmp_path / "short.toml"
    path.write_text(f'extends = "{WORKSHOPS.as_posix()}"\n[run]\nsteps = 12\n[population]\nn = 80\n', encoding="utf-8")
    rc = solara.render(solara.AppLayout(children=[ClinicianView(scenario=str(path))]), handle_error=False)[1]
    try:
        week = rc.find(v.TextField, label="Week (0-12)").widget
        week.v_model = "5"
        week.fire_event("keyup.enter", None)
        rc.find(v.Btn, children=["Run to week"]).widget.click()
        assert rc.find(v.Html, class_="numbers-line").widget.children[0].startswith("Week 5 ")
        assert rc.find(v.Html, class_="run-to-note").widget.children[0] == "Ran 5 weeks to week 5."
        labels = {b.children[-1] for b in rc.find(v.Btn).widgets if b.children and isinstance(b.children[-1], str)}
        assert {"Time series (CSV)", "Clinicians now (CSV)", "Scenario (TOML)"} <= labels
        week = rc.find(v.TextField, label="Week (0-12)").widget
        week.v_model = "40"
        week.fire_event("keyup.enter", None)
        rc.find(v.Btn, children=["Run to week"]).widget.click()
        assert rc.find(v.Html, class_="numbers-line").widget.children[0].startswith("Week 12 ")
        assert "past the scenario's 12 weeks" in rc.find(v.Html, class_="run-to-note").widget.children[0]
        rc.find(v.Btn, children=["Run to week"]).widget.click()  # at the horizon: the note says so
        assert (
            rc.find(v.Html, class_="run-to-note")
            .widget.children[0]
            .startswith("Already at week 12, the scenario's last")
        )
        assert rc.find(v.Html, class_="numbers-line").widget.children[0].startswith("Week 12 ")
    finally:
        rc.close()


@pytest.mark.slow
def test_simulate_runs_the_exported_file_to_the_views_numbers(watched, tmp_path):
    """`simulate FILE.toml --replications 1`, as a user would run the download: its steps.csv repeats
    the view's time series, cell for cell, for the weeks watched."""
    from typer.testing import CliRunner

    from simulation.cli import app

    path = tmp_path / "exported.toml"
    path.write_text(scenario_toml_text(watched), encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--replications", "1", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    steps = (out / "steps.csv").read_text(encoding="utf-8").splitlines()
    view = timeseries_csv(watched).decode().splitlines()
    cut = len("scenario,replication,step,")
    assert steps[0][cut:] == view[0][len("week,") :]
    assert [line.split(",", 3)[3] for line in steps[1:12]] == [line.split(",", 1)[1] for line in view[1:]]
