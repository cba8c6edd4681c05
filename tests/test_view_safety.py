"""The view's handling of what files bring in, without a browser (issues 16 and 19): names from a node
table and a scenario are escaped; scenario files are read only from the folders the view was started
with; the picker and the sliders show only what applies; a selected id never silently names another
person; the view draws with the report's palette; session marks, department labels and curves.
The same payloads in a real browser: tests/test_view_browser.py."""

from __future__ import annotations

import csv
import html
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402
from conftest import SCENARIOS, WORKSHOPS  # noqa: E402

from simulation.palette import COLOR_GAP, COLOR_SKEPTICAL, MODE_COLORS, MODE_COLOURS  # noqa: E402
from simulation.reporting.plots import style  # noqa: E402
from simulation.view.app import ClinicianView  # noqa: E402
from simulation.view.clinician import (  # noqa: E402
    Selection,
    facts_html,
    parse_clinician_id,
    selected_index,
    stale_note,
)
from simulation.view.components import WHOLE_HOSPITAL, groups_table, series_for  # noqa: E402
from simulation.view.drawing import NetworkPicture, TimeSeriesPicture, short_label  # noqa: E402
from simulation.view.network_card import size_key  # noqa: E402
from simulation.view.settings import (  # noqa: E402
    NETWORK_PARAMS,
    PARAMS,
    ScenarioFolders,
    ViewSettings,
    params_for,
    scenario_about,
)
from simulation.view.viewmodel import ViewModel, session_weeks  # noqa: E402

# Payloads that run script if inserted as HTML (each sets window.__pwned when it runs).
DEPARTMENT_PAYLOAD = '<img src=x onerror="window.__pwned=1">'
ROLE_PAYLOAD = "<script>window.__pwned=2</script>"
NAME_PAYLOAD = '<img src=x onerror="window.__pwned=3">'
DESCRIPTION_PAYLOAD = "<svg onload=window.__pwned=4> $\\frac{1}{$ plan"
OTHER_DEPARTMENT = "Ward <b>two</b> & co"


def hostile_scenario(folder: Path, n: int = 40) -> Path:
    """A scenario with a network from files whose node table names departments and roles with script
    payloads, and whose name and description are payloads too; returns the scenario file."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "nodes.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "unit", "job"])
        for i in range(n):
            writer.writerow(
                [f"n{i}", (DEPARTMENT_PAYLOAD, OTHER_DEPARTMENT)[i % 2], (ROLE_PAYLOAD, "nurse")[i // 2 % 2]]
            )
    with open(folder / "edges.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["a", "b"])
        for i in range(n):
            writer.writerow([f"n{i}", f"n{(i + 1) % n}"])
            writer.writerow([f"n{i}", f"n{(i + 7) % n}"])
    path = folder / "hostile.toml"
    path.write_text(
        "[scenario]\n"
        f"name = {toml_string(NAME_PAYLOAD)}\n"
        f"description = {toml_string(DESCRIPTION_PAYLOAD)}\n\n"
        "[run]\nsteps = 12\nreplications = 1\n\n"
        '[network]\ngenerator = "file"\nedges = "edges.csv"\nsource = "a"\ntarget = "b"\n\n'
        '[network.nodes]\nfile = "nodes.csv"\nid = "id"\ndepartment = "unit"\nrole = "job"\n',
        encoding="utf-8",
    )
    return path


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def hostile(tmp_path) -> Path:
    return hostile_scenario(tmp_path / "hostile")


# --- escaping -----------------------------------------------------------------------------------


def test_names_from_a_node_table_are_escaped_in_the_clinician_card_and_the_groups_table(hostile):
    model = ViewModel(ViewSettings.from_file(hostile))
    assert set(model.state.department_names) == {DEPARTMENT_PAYLOAD, OTHER_DEPARTMENT}
    card = facts_html(model, 0) + facts_html(model, 1)
    table = groups_table(model, "department") + groups_table(model, "role")
    for text in (card, table):
        assert "<img" not in text and "<script" not in text and "<b>two" not in text
    assert html.escape(DEPARTMENT_PAYLOAD) in table and html.escape(ROLE_PAYLOAD) in table
    assert html.escape(OTHER_DEPARTMENT) in card


def test_scenario_name_and_description_are_text_and_pictures_draw_them_plainly(hostile):
    about = scenario_about(hostile)
    assert about == f"{NAME_PAYLOAD}: {DESCRIPTION_PAYLOAD}"  # shown by a text widget (escaped by Vue)
    model = ViewModel(ViewSettings.from_file(hostile))
    picture = NetworkPicture(
        model.positions, 384, 340, departments=(model.state.department, ["$\\frac{1}{$", OTHER_DEPARTMENT])
    )
    png = picture.render(model.network.edges, np.zeros((model.state.n, 4)) + 0.5, np.full(model.state.n, 10.0))
    assert png.startswith(b"\x89PNG")  # mathtext in a name would raise while drawing
    assert [t.get_text() for t in picture.labels] == ["$\\frac{1}{$", OTHER_DEPARTMENT]
    assert short_label("x" * 40).endswith("…") and len(short_label("x" * 40)) == 22
    TimeSeriesPicture(384, 440, title="$\\frac{1}{$").render(model.datacollector.model_vars)


# --- files the view reads -------------------------------------------------------------------------


def test_a_typed_path_reaches_only_the_folders_the_view_was_started_with(hostile, tmp_path):
    folders = ScenarioFolders.for_start_file(hostile)
    assert folders.folders == (SCENARIOS.resolve(), hostile.parent.resolve())
    assert folders.resolve("hostile.toml") == hostile.resolve()
    assert folders.resolve("workshops.toml") == WORKSHOPS.resolve()
    assert folders.resolve(str(WORKSHOPS)) == WORKSHOPS.resolve()
    outside = tmp_path / "outside.toml"
    outside.write_text("[population]\nn = 50\n", encoding="utf-8")
    (hostile.parent / "link.toml").symlink_to(outside)
    refused = {
        "/etc/passwd": "leads outside",
        "../../x.toml": "leads outside",
        "../outside.toml": "leads outside",
        str(outside): "leads outside",
        "link.toml": "leads outside",  # a symbolic link out of the folder
        "../scenarios/../../../etc/passwd": "leads outside",
        "nodes.csv": "not a scenario file",
        "nowhere.toml": "no such file",
        "workshop_seats.toml": "an experiment ([sweep])",
        "budget.toml": "an experiment ([budget])",
        "ckm_bass.toml": "an experiment ([calibration])",
        "  ": "type the name",
    }
    for typed, reason in refused.items():
        with pytest.raises(ValueError, match=None) as error:
            folders.resolve(typed)
        assert reason in str(error.value), (typed, str(error.value))


def _page(path):
    rc = solara.render(solara.AppLayout(children=[ClinicianView(scenario=str(path))]), handle_error=False)[1]
    return rc


def _commit(text_field, value: str) -> None:
    text_field.v_model = value
    text_field.fire_event("keyup.enter", None)


def _texts(rc, css_class: str) -> str:
    """The text of the page's text widgets with that CSS class."""
    return " ".join(str(w.children[0]) for w in rc.find(v.Html, class_=css_class).widgets if w.children)


def test_the_page_refuses_a_typed_path_outside_its_folders_and_opens_one_inside(hostile):
    rc = _page(hostile)
    try:
        box = rc.find(v.TextField, class_="open-file").widget
        for typed in ("/etc/passwd", "../../x.toml"):
            _commit(box, typed)
            alert = str(rc.find(v.Alert).widgets)
            assert "only from the folders it was started with" in alert and typed in alert
        assert rc.find(v.Select, label="Scenario").widget.v_model == "hostile"  # nothing else was read
        _commit(box, "workshops.toml")
        assert rc.find(v.Select, label="Scenario").widget.v_model == "workshops"
        rc.find(v.TextField, label="Clinician id (0-499)").assert_single()
        rc.find(v.Select, label="Scenario").widget.v_model = "/etc/passwd"  # a value the picker never offered
        assert rc.find(v.Select, label="Scenario").widget.v_model in ("workshops", "/etc/passwd")
        rc.find(v.TextField, label="Clinician id (0-499)").assert_single()  # still the workshops model
    finally:
        rc.close()


# --- only the controls that apply ------------------------------------------------------------------


def test_a_network_from_files_shows_no_generator_sliders(hostile):
    settings = ViewSettings.from_file(hostile)
    assert settings.generator == "file"
    assert not {p.key for p in settings.params} & {p.key for p in NETWORK_PARAMS}
    assert [p.key for p in params_for("complete") if p in NETWORK_PARAMS] == ["population.n"]
    assert [p.key for p in params_for("random") if p in NETWORK_PARAMS] == ["population.n", "network.mean_degree"]
    assert params_for("hospital") == PARAMS
    assert settings.with_value("population.n", 3000).to_scenario().population.n == 40  # not a control here
    rc = _page(hostile)
    try:
        labels = [w.label for w in rc.find(v.Slider).widgets]
        assert not [label for label in labels if label.startswith(("Clinicians:", "Colleagues per", "Team size"))]
        assert "Network from files: 40 clinicians" in _texts(rc, "network-note")
    finally:
        rc.close()


# --- the selected clinician -----------------------------------------------------------------------


def test_a_selection_survives_a_reset_to_the_same_people_and_not_to_new_ones():
    settings = ViewSettings.from_file(SCENARIOS / "community_hospital.toml")
    model = ViewModel(settings)
    chosen = Selection(7, model.population_key)
    model.step()
    same = ViewModel(settings.with_value("judgment.penalty_verify", 2.0))  # same people, other behaviour
    assert same.population_key == model.population_key and selected_index(chosen, same) == 7
    assert stale_note(chosen, same) is None
    for other in (ViewModel(settings.with_seed("99")), ViewModel(settings.with_value("population.n", 350))):
        assert other.population_key != model.population_key
        assert selected_index(chosen, other) is None
        assert "Clinician 7 was picked before the Reset" in stale_note(chosen, other)


def test_clinician_id_box_parses_and_explains():
    assert parse_clinician_id(" 12 ", 300) == 12 and parse_clinician_id("", 300) is None
    assert parse_clinician_id(None, 300) is None
    with pytest.raises(ValueError, match="no clinician 300: ids go from 0 to 299"):
        parse_clinician_id("300", 300)
    with pytest.raises(ValueError, match="'abc' is not a clinician id"):
        parse_clinician_id("abc", 300)


def test_picking_another_scenario_clears_the_id_box_and_a_new_population_is_said(tmp_path):
    rc = _page(SCENARIOS / "community_hospital.toml")
    try:
        _commit(rc.find(v.TextField, label="Clinician id (0-299)").widget, "12")
        assert "Clinician 12" in " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        rc.find(v.Select, label="Scenario").widget.v_model = "workshops"
        box = rc.find(v.TextField, label="Clinician id (0-499)").widget
        assert box.v_model in ("", None) and not box.error  # not "None" in red
        assert "None" not in str(box.label)
        _commit(box, "7")
        _commit(rc.find(v.TextField, label="Seed (whole number)").widget, "99")
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert "Clinician 7 was picked before the Reset" in _texts(rc, "selection-note")
        shown = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
        assert "Clinician 7<" not in shown  # no longer describes whoever has id 7 now
        assert rc.find(v.TextField, label="Clinician id (0-499)").widget.v_model in ("", None)
    finally:
        rc.close()


# --- palette, sessions, departments ----------------------------------------------------------------


def test_the_view_draws_with_the_reports_palette():
    assert style.MODE_COLORS == MODE_COLORS and style.MODE_COLOURS == MODE_COLOURS
    assert {column: colour for column, _, colour, _ in style.SHARE_SERIES} == {
        "share_skeptical": COLOR_SKEPTICAL,
        "share_none": MODE_COLORS[0],
        "share_verify": MODE_COLORS[1],
        "share_primary": MODE_COLORS[2],
    }
    picture = TimeSeriesPicture(384, 440)
    drawn = {name: line.get_color() for name, line in picture.mode_lines.items()}
    assert drawn == MODE_COLOURS
    assert picture.skeptical_line.get_color() == COLOR_SKEPTICAL and picture.gap_line.get_color() == COLOR_GAP


def test_session_marks_are_the_weeks_the_interventions_act():
    model = ViewModel(ViewSettings.from_file(WORKSHOPS))
    (workshop,) = model.config.interventions
    assert model.session_weeks == [w for w in range(1, model.horizon + 1) if workshop.acts_at(w)]
    assert model.session_weeks[0] == workshop.start and len(model.session_weeks) > 3
    assert session_weeks(ViewModel(ViewSettings.from_file(SCENARIOS / "baseline.toml"))) == []
    series = model.datacollector.model_vars
    marked, plain = TimeSeriesPicture(384, 440, sessions=model.session_weeks), TimeSeriesPicture(384, 440)
    assert marked.render(series) != plain.render(series)


def test_department_curves_add_up_to_the_hospital():
    model = ViewModel(ViewSettings.from_file(SCENARIOS / "community_hospital.toml").with_value("population.n", 200))
    for _ in range(4):
        model.step()
    sizes = np.bincount(model.state.department, minlength=len(model.state.department_names))
    hospital = model.datacollector.model_vars
    for column in ("share_verify", "share_primary", "share_skeptical", "share_none"):
        by_week = (
            sum(
                size * np.asarray(model.department_series[name][column])
                for name, size in zip(model.state.department_names, sizes, strict=True)
            )
            / sizes.sum()
        )
        np.testing.assert_allclose(by_week, hospital[column], atol=1e-12)
    name = model.state.department_names[0]
    assert series_for(model, name)["share_verify"] == model.department_series[name]["share_verify"]
    assert series_for(model, WHOLE_HOSPITAL) is hospital


def test_size_key_dots_grow_with_the_value():
    for by in ("reputation", "advice"):
        diameters = [d for d, _ in size_key(by, 300)]
        assert diameters == sorted(diameters) and diameters[0] < diameters[-1]
    assert size_key("reputation", 300)[1][1] == "peer rating 4"


def test_the_network_template_ships_with_the_package():
    from simulation.view import network_card

    assert (Path(network_card.__file__).parent / "network_image.vue").is_file()
    assert os.path.getsize(Path(network_card.__file__).parent / "network_image.vue") > 500
