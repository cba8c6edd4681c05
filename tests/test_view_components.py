"""The browser view's pieces without a browser: settings, model rebuilds, pictures, and the page
rendered in-process with Solara's test renderer (buttons clicked, controls changed)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402
from conftest import SCENARIOS, WORKSHOPS  # noqa: E402
from helpers import missing_network_data

from simulation.scenario import load_scenario  # noqa: E402
from simulation.view.app import ClinicianView  # noqa: E402
from simulation.view.clinician import clinician_facts, neighbour_modes  # noqa: E402
from simulation.view.components import horizon_text, numbers_text  # noqa: E402
from simulation.view.controls import ScenarioControls, vuetify_round  # noqa: E402
from simulation.view.drawing import NetworkPicture, TimeSeriesPicture, node_colours, node_sizes  # noqa: E402
from simulation.view.settings import (  # noqa: E402
    BEHAVIOUR_PARAMS,
    JUDGMENT_PARAMS,
    PARAMS,
    ViewSettings,
    default_scenario_path,
    is_plan,
    scenario_files,
)
from simulation.view.viewmodel import ViewModel  # noqa: E402


def small(path=None, n=120) -> ViewSettings:
    """Settings of `path` (default scenarios/baseline.toml) with `n` clinicians."""
    return ViewSettings.from_file(path or default_scenario_path()).with_value("population.n", n)


# --- settings -> scenario -------------------------------------------------------------------


def test_settings_read_a_scenario_file_and_give_it_back():
    settings = ViewSettings.from_file(WORKSHOPS)
    assert settings.interventions["workshop"].enabled
    assert settings.interventions["workshop"].seats == 20
    assert settings.interventions["workshop"].targeting == "skeptics"
    assert not settings.interventions["champions"].enabled
    assert settings.to_scenario().model_dump(exclude={"extends"}) == load_scenario(WORKSHOPS).model_dump(
        exclude={"extends"}
    )


def test_controls_switch_interventions_seats_targeting_and_parameters():
    settings = (
        ViewSettings.from_file(WORKSHOPS)
        .with_intervention("workshop", seats=35, targeting="random")
        .with_intervention("case_review", enabled=True)
        .with_value("judgment.visibility", 0.8)
        .with_value("population.n", 300)
    )
    scenario = settings.to_scenario()
    kinds = [c.kind for c in scenario.interventions]
    assert kinds == ["workshop", "case_review"]
    assert (scenario.interventions[0].seats, scenario.interventions[0].targeting) == (35, "random")
    assert scenario.judgment.visibility == 0.8 and scenario.population.n == 300
    off = settings.with_intervention("workshop", enabled=False).to_scenario()
    assert [c.kind for c in off.interventions] == ["case_review"]


def test_the_nominated_targeting_rule_is_offered_and_runs():
    """Issue 17's `nominated` rule (a random clinician names a colleague) is one of the view's choices."""
    settings = ViewSettings.from_file(WORKSHOPS)
    assert "nominated" in settings.interventions["workshop"].targeting_choices
    model = ViewModel(settings.with_intervention("workshop", targeting="nominated").with_value("population.n", 120))
    assert model.config.interventions[0].targeting == "nominated"
    for _ in range(3):
        model.step()
    assert model.week == 3


def test_seed_typed_as_text():
    settings = ViewSettings.from_file(default_scenario_path())
    assert settings.with_seed(" 7 ").to_scenario().run.seed == 7
    assert settings.with_seed("").to_scenario().run.seed == load_scenario(default_scenario_path()).run.seed
    for bad in ("seven", "-3", "1.5"):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            settings.with_seed(bad).to_scenario()


def test_scenario_picker_lists_the_library_plans_and_the_given_file(tmp_path):
    """Issue 16: only plans in the picker; sweep, sensitivity, calibration and budget files are experiments."""
    extra = tmp_path / "mine.toml"
    extra.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n', encoding="utf-8")
    files = scenario_files(extra)
    assert files[0] == str(extra.resolve())
    listed = {f.rsplit("/", 1)[-1] for f in files}
    experiments = {"workshop_seats.toml", "sensitivity.toml", "ckm_bass.toml", "ckm_smc.toml", "budget.toml"}
    assert experiments <= {p.name for p in SCENARIOS.glob("*.toml")}  # [sweep], [sensitivity], [calibration], [budget]
    assert not experiments & listed
    assert {p.name for p in SCENARIOS.glob("*.toml")} - experiments <= listed
    assert {"baseline.toml", "workshops.toml", "ckm.toml"} <= listed


# --- the model the page builds ----------------------------------------------------------------


def test_layout_is_computed_once_per_network_and_kept_while_ties_are_added():
    settings = small(SCENARIOS / "case_reviews.toml", n=200)
    first, again = ViewModel(settings), ViewModel(settings)
    assert again.positions is first.positions  # a Reset to the same network reuses the layout
    edges_before = first.network.n_edges
    positions = first.positions.copy()
    for _ in range(30):
        first.step()
    assert first.network.n_edges > edges_before  # case reviews added ties ...
    assert np.array_equal(first.positions, positions)  # ... drawn between the same positions
    other = ViewModel(settings.with_seed("99"))
    assert other.positions is not first.positions


def test_view_model_accepts_a_reactive_holding_the_settings():
    settings = solara.reactive(small(n=80))
    assert ViewModel(settings).state.n == 80


# --- pictures ---------------------------------------------------------------------------------


def test_network_picture_redraws_and_finds_the_clicked_node():
    model = ViewModel(small(n=150))
    picture = NetworkPicture(model.positions, 400, 300)
    state = model.state
    colours = node_colours("mode", state.attitude, state.mode)
    sizes = node_sizes("advice", state.reputation, state.advice_in_degree, state.n)
    png = picture.render(model.network.edges, colours, sizes)
    assert png.startswith(b"\x89PNG")
    x, y = picture.pixels[17]
    assert picture.node_at(x + 1, y - 1) in {17} | set(np.flatnonzero(np.hypot(*(picture.pixels - [x, y]).T) < 3))
    assert picture.node_at(-500, -500) is None
    state.mode[:] = 2
    assert (
        picture.render(
            model.network.edges, node_colours("mode", state.attitude, state.mode), sizes, 17, np.array([1, 2])
        )
        != png
    )


def test_time_series_picture_changes_with_the_data():
    model = ViewModel(small(n=100))
    picture = TimeSeriesPicture(400, 300)
    before = picture.render(model.datacollector.model_vars)
    for _ in range(5):
        model.step()
    assert picture.render(model.datacollector.model_vars) != before


def test_numbers_and_clinician_facts():
    model = ViewModel(small(n=100))
    model.step()
    line = numbers_text(model)
    assert line.startswith("Week 1 · no AI ") and "skeptical" in line and "clinician-hours" in line
    facts = dict(clinician_facts(model, 3))
    assert facts["Department"] in model.state.department_names
    modes = neighbour_modes(model, 3)
    assert sorted(sum(modes.values(), [])) == sorted(model.network.adjacency[[3]].indices.tolist())


# --- the page, rendered in-process --------------------------------------------------------------


def _week(rc) -> str:
    return rc.find(v.Html, class_="numbers-line").widget.children[0]


def _commit(text_field, value: str) -> None:
    """Type into a Solara text box and press Enter (it commits on Enter or focus-out)."""
    text_field.v_model = value
    text_field.fire_event("keyup.enter", None)


def _network_image(rc):
    """The network card's Vue widget (network_image.vue): its `src`, `fixed` (pixels, names) and `vue_pick` (a click)."""
    import ipyvue

    found = [w for w in rc.find(ipyvue.VueTemplate).widgets if hasattr(w, "fixed")]
    assert len(found) == 1, found
    return found[0]


def _img_src(rc, css_class: str) -> str:
    if css_class == "network-picture":
        return _network_image(rc).src
    return rc.find(v.Html, class_=css_class).widget.attributes["src"]


@pytest.fixture
def page():
    box, rc = solara.render(
        solara.AppLayout(children=[ClinicianView(scenario=str(SCENARIOS / "community_hospital.toml"))]),
        handle_error=False,
    )
    yield rc
    rc.close()


def test_page_steps_and_redraws(page):
    assert _week(page).startswith("Week 0 ")
    network, plots = _img_src(page, "network-picture"), _img_src(page, "plots-picture")
    for _ in range(3):
        page.find(v.Btn, children=["Step"]).widget.click()
    assert _week(page).startswith("Week 3 ")
    assert _img_src(page, "plots-picture") != plots
    assert _img_src(page, "network-picture") != network


def test_page_colour_switch_and_clinician_selection(page):
    before = _img_src(page, "network-picture")
    toggles = page.find(v.BtnToggle).widgets
    toggles[0].v_model = 1  # what clicking "mode of use" does in the browser
    assert _img_src(page, "network-picture") != before
    assert "primary aid" in " ".join(w.unsafe_innerHTML for w in page.find(solara.widgets.HTML).widgets)  # the legend
    _commit(page.find(v.TextField, label="Clinician id (0-299)").widget, "12")
    html = " ".join(w.unsafe_innerHTML for w in page.find(solara.widgets.HTML).widgets)
    assert "Clinician 12" in html and "Colleagues' modes" in html


def test_page_reset_rebuilds_from_the_controls_and_scenario_picker_rebuilds_at_once(page):
    page.find(v.Btn, children=["Step"]).widget.click()
    slider = page.find(v.Slider, label="Clinicians: 300").widget
    slider.v_model = 150
    _commit(page.find(v.TextField, label="Seed (whole number)").widget, "7")
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert _week(page).startswith("Week 0 ")
    page.find(v.TextField, label="Clinician id (0-149)").assert_single()
    page.find(v.Select, label="Scenario").widget.v_model = "workshops"
    page.find(v.TextField, label="Clinician id (0-499)").assert_single()  # workshops.toml: 500 clinicians
    assert page.find(v.Checkbox, label="Peer-led workshops").widget.v_model is True
    page.find(v.Slider, label="Seats per session: 20").assert_single()


def test_bad_seed_shows_an_error_and_keeps_the_last_valid_settings(page):
    _commit(page.find(v.TextField, label="Seed (whole number)").widget, "abc")
    assert "seed must be a whole number" in str(page.find(v.Alert).widgets)
    page.find(v.Btn, children=["Reset"]).widget.click()  # still builds, from the last valid seed
    assert _week(page).startswith("Week 0 ")


def test_two_sessions_have_their_own_models():
    def session():
        view = ClinicianView(scenario=str(SCENARIOS / "community_hospital.toml"))
        return solara.render(solara.AppLayout(children=[view]), handle_error=False)[1]

    one, two = session(), session()
    try:
        one.find(v.Btn, children=["Step"]).widget.click()
        one.find(v.Btn, children=["Step"]).widget.click()
        assert _week(one).startswith("Week 2 ")
        assert _week(two).startswith("Week 0 ")
    finally:
        one.close()
        two.close()


def test_page_as_jupyter_shows_it():
    """In a notebook, Solara wraps a displayed component in `_AppLayoutEmbed` (sidebar inline)."""
    from solara.components.applayout import _AppLayoutEmbed

    view = ClinicianView(scenario=str(SCENARIOS / "community_hospital.toml"))
    rc = solara.render(_AppLayoutEmbed(children=[view]), handle_error=False)[1]
    try:
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert _week(rc).startswith("Week 1 ")
        rc.find(v.Select, label="Scenario").assert_single()
    finally:
        rc.close()


# --- exact parameters (issue 16) and the horizon -------------------------------------------------


def test_vuetify_round_is_the_browser_slider_rounding():
    """The replica of v-slider's rounding gives the snaps the issue saw (step 0.05 from -1) and leaves grid points."""
    assert vuetify_round(1.47, -1.0, 4.0, 0.05) == 1.45
    assert vuetify_round(2.79, -1.0, 5.0, 0.05) == 2.8
    assert vuetify_round(246, 50, 3000, 50) == 250
    assert vuetify_round(7.5, -1.0, 5.0, 0.01) == 5.0  # clamped to max
    assert vuetify_round(0.03, 0.0, 0.2, 0.005) == 0.03 and vuetify_round(0.1, 0.0, 0.5, 0.02) == 0.1


def _open_panels(rc) -> None:
    """What a user's clicks on the closed panels' headers do: the browser sets each panel's v_model to 0."""
    for panels in rc.find(v.ExpansionPanels).widgets:
        if panels.v_model is None:
            panels.v_model = 0


def _controls(path):
    """The controls of `path` with every panel open (closed panels hold no widgets: controls.LazyDetails)."""
    settings = solara.reactive(ViewSettings.from_file(path))
    rebuilt = []
    rc = solara.render(ScenarioControls(settings, scenario_files(path), rebuilt.append), handle_error=False)[1]
    _open_panels(rc)
    return settings, rc


def test_closed_panels_hold_no_widgets_until_opened_and_then_show_the_exact_values():
    """Issue 16 (speed): every render pass reconciles every widget, so a closed panel's sliders are
    built only when it opens; they then show the settings' values, exactly."""
    settings = solara.reactive(ViewSettings.from_file(WORKSHOPS))
    rc = solara.render(ScenarioControls(settings, scenario_files(WORKSHOPS), lambda _: None), handle_error=False)[1]
    try:
        lazy = {p.label for p in (*BEHAVIOUR_PARAMS, *JUDGMENT_PARAMS)}

        def lazy_sliders() -> list:
            return [w for w in rc.find(v.Slider).widgets if w.label.rsplit(": ", 1)[0] in lazy]

        assert lazy_sliders() == [] and rc.find(v.Slider).widgets  # the open panels' sliders are there
        _open_panels(rc)
        assert len(lazy_sliders()) == len(lazy)
        penalty = next(w for w in lazy_sliders() if w.label.startswith("Penalty for verifying"))
        assert float(penalty.label.rsplit(": ", 1)[1]) == load_scenario(WORKSHOPS).judgment.penalty_verify
        for panels in rc.find(v.ExpansionPanels).widgets:
            panels.v_model = None  # close them all again: the lazy ones drop their sliders
        assert lazy_sliders() == []
    finally:
        rc.close()


def _sliders(rc, params=PARAMS) -> dict[str, v.Slider]:
    """Dotted key -> slider widget, found by the parameter's label."""
    widgets = rc.find(v.Slider).widgets
    found = {p.key: [w for w in widgets if w.label.startswith(p.label + ": ")] for p in params}
    assert all(len(ws) == 1 for ws in found.values()), {k: len(ws) for k, ws in found.items()}
    return {k: ws[0] for k, ws in found.items()}


def _browser_mounts(rc) -> None:
    """What the browser does when it draws the sliders (opening a panel): each sends back its value rounded."""
    for slider in rc.find(v.Slider).widgets:
        slider.v_model = vuetify_round(slider.v_model, slider.min, slider.max, slider.step)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_opening_the_controls_changes_no_parameter(path):
    """Every parameter the model is built from keeps the scenario's value after the browser draws every slider
    (all panels open); the label and the number box show the exact value; no slider gets a value it would round."""
    missing = missing_network_data(path)  # this file's or a file it extends
    if missing:
        pytest.skip(f"{path.name}: its network data {missing} are absent (../shared beside the repository)")
    scenario = load_scenario(path)
    settings, rc = _controls(path)
    try:
        applies = settings.value.params  # a file network has no size and structure sliders
        sliders = _sliders(rc, applies)
        boxes = rc.find(v.TextField, class_="param-value").widgets
        assert len(boxes) == len(applies)
        _browser_mounts(rc)
        _browser_mounts(rc)
        for param, box in zip(applies, boxes, strict=True):
            section, name = param.key.split(".")
            exact = getattr(getattr(scenario, section), name)
            assert settings.value.values[param.key] == exact, param.key
            slider = sliders[param.key]
            assert slider.v_model == vuetify_round(slider.v_model, slider.min, slider.max, slider.step), param.key
            shown = float(slider.label.rsplit(": ", 1)[1])
            assert float(box.v_model) == exact and shown == exact, (param.key, box.v_model, slider.label)
            if path.stem in ("baseline", "workshops"):
                assert slider.v_model == exact, param.key  # the thumb shows the exact value too
        assert settings.value.to_scenario().model_dump(exclude={"extends"}) == scenario.model_dump(exclude={"extends"})
    finally:
        rc.close()


def test_a_typed_value_is_kept_exactly_and_a_moved_slider_sets_its_value():
    settings, rc = _controls(WORKSHOPS)
    try:
        boxes = dict(zip((p.key for p in PARAMS), rc.find(v.TextField, class_="param-value").widgets, strict=True))
        _commit(boxes["judgment.penalty_verify"], "1.473")
        _commit(boxes["population.n"], "246")
        _browser_mounts(rc)
        assert settings.value.values["judgment.penalty_verify"] == 1.473
        assert settings.value.values["population.n"] == 246
        sliders = _sliders(rc)
        assert sliders["judgment.penalty_verify"].v_model == 1.47  # the nearest grid point; the label is exact
        assert sliders["judgment.penalty_verify"].label.endswith(": 1.473")
        assert sliders["population.n"].v_model == 250 and sliders["population.n"].label == "Clinicians: 246"
        scenario = settings.value.to_scenario()
        assert (scenario.judgment.penalty_verify, scenario.population.n) == (1.473, 246)
        sliders["judgment.penalty_primary"].v_model = 3.1  # the user moves a slider
        assert settings.value.values["judgment.penalty_primary"] == 3.1
        assert boxes["judgment.penalty_primary"].v_model == "3.1"
        _commit(boxes["judgment.penalty_verify"], "99")  # outside the schema: refused with a message, value kept
        assert "penalty_verify" in str(rc.find(v.Alert).widgets)
        assert settings.value.values["judgment.penalty_verify"] == 1.473
    finally:
        rc.close()


def _short(tmp_path, steps=3):
    path = tmp_path / "short.toml"
    path.write_text(
        f'extends = "{(SCENARIOS / "community_hospital.toml").as_posix()}"\n[run]\nsteps = {steps}\n'
        "[population]\nn = 100\n",
        encoding="utf-8",
    )
    return path


def test_view_model_stops_at_the_horizon(tmp_path):
    model = ViewModel(ViewSettings.from_file(_short(tmp_path)))
    assert model.running and horizon_text(model) is None
    for _ in range(5):
        model.step()
    assert model.week == 3 and not model.running
    assert len(model.datacollector.model_vars["share_verify"]) == 4  # weeks 0-3, nothing past the horizon
    assert horizon_text(model) == (
        "End of the scenario's 3 weeks (run.steps): Play and Step stop here; Reset starts again."
    )


def _button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def test_page_step_and_play_stop_at_the_horizon(tmp_path):
    import time

    rc = solara.render(solara.AppLayout(children=[ClinicianView(scenario=str(_short(tmp_path)))]), handle_error=False)[
        1
    ]
    try:
        for _ in range(3):
            _button(rc, "Step").click()
        assert _week(rc).startswith("Week 3 ")
        assert _button(rc, "Step").disabled and _button(rc, "▶").disabled
        assert "End of the scenario's 3 weeks" in rc.find(v.Html, class_="horizon-note").widget.children[0]
        _button(rc, "Reset").click()
        assert _week(rc).startswith("Week 0 ") and not rc.find(v.Html, class_="horizon-note").widgets
        _button(rc, "▶").click()  # Play: steps every 50 ms (app.PLAY_INTERVAL_MS) in a thread until the horizon
        deadline = time.monotonic() + 30
        while not _week(rc).startswith("Week 3 ") and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.6)  # many more play intervals: a Play that did not stop would be at week 6 or more
        assert _week(rc).startswith("Week 3 ")
        assert _button(rc, "Step").disabled
        rc.find(v.Html, class_="horizon-note").assert_single()
    finally:
        rc.close()


# --- from an installed wheel ----------------------------------------------------------------

_FROM_THE_WHEEL = """
from pathlib import Path
import simulation
assert "site-packages" in simulation.__file__, simulation.__file__
from simulation.view.settings import ViewSettings, default_scenario_path, scenario_files
files = scenario_files()
assert any(Path(f).name == "baseline.toml" for f in files), files
ViewSettings.from_file(default_scenario_path()).to_scenario()
from simulation.reporting.manifest import git_commit
assert git_commit() == {"commit": None, "uncommitted_changes": None}, git_commit()
print(len(files))
"""


@pytest.mark.slow
def test_the_view_and_the_manifest_work_from_an_installed_wheel(tmp_path):
    """Built as a wheel and installed in a fresh environment (no checkout, no git): the view lists
    the example scenarios shipped in the wheel and opens baseline.toml; the manifest's commit is null."""
    import shutil
    import subprocess

    from conftest import REPO

    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    run = lambda *args: subprocess.run(args, capture_output=True, text=True, timeout=600, check=True)  # noqa: E731
    run(uv, "build", "--wheel", "-o", str(tmp_path / "wheel"), str(REPO))
    run(uv, "venv", "-q", str(tmp_path / "env"), "--python", "3.12")
    python = tmp_path / "env" / "bin" / "python"
    run(uv, "pip", "install", "-q", "--python", str(python), *map(str, (tmp_path / "wheel").glob("*.whl")))
    done = subprocess.run(
        [str(python), "-c", _FROM_THE_WHEEL], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == len([p for p in SCENARIOS.glob("*.toml") if is_plan(p)])


# --- render passes per Step (issue 16: speed) -------------------------------------------------------


def test_a_step_on_the_served_page_is_one_render_pass_and_the_notebook_page_is_left_as_mesa_draws_it(
    tmp_path, monkeypatch
):
    """Each render pass reconciles the whole page (about 210 widgets). Mesa's Information card and the
    page's cards read the step counter: two passes per Step as Mesa draws it; `one_pass.redraw`
    (installed by `simulate view`'s server) makes it one, with the same page afterwards. Importing
    the page changes nothing in Mesa."""
    from mesa.visualization import solara_viz, utils

    from simulation.view import one_pass

    assert solara_viz.force_update is utils.force_update  # importing the page installs nothing
    rc = solara.render(
        solara.AppLayout(children=[ClinicianView(scenario=str(_short(tmp_path, steps=6)))]), handle_error=False
    )[1]
    try:
        _button(rc, "Step").click()
        before = rc.render_count
        _button(rc, "Step").click()
        as_mesa_draws_it = rc.render_count - before
        shown = _week(rc), rc.find(v.Html, class_="plots-picture").widget.attributes["src"]

        monkeypatch.setattr(solara_viz, "force_update", one_pass.redraw)  # what install() does
        monkeypatch.setattr(one_pass, "page_render_context", lambda: rc)  # the served page's context
        before = rc.render_count
        _button(rc, "Step").click()
        assert (as_mesa_draws_it, rc.render_count - before) == (2, 1)
        assert _week(rc).startswith("Week 3 ") and shown[0].startswith("Week 2 ")
        assert rc.find(v.Html, class_="plots-picture").widget.attributes["src"] != shown[1]  # redrawn
    finally:
        rc.close()


def test_redraw_outside_a_served_page_is_mesas_force_update():
    from mesa.visualization.utils import update_counter

    from simulation.view.one_pass import page_render_context, redraw

    assert page_render_context() is None  # no Solara kernel context in a test process
    before = update_counter.value
    redraw()
    assert update_counter.value == before + 1


def test_redraw_waits_until_another_thread_has_rendered_so_play_cannot_outrun_the_page(tmp_path, monkeypatch):
    """While another thread holds the page's render lock (it handles a click and renders), a redraw
    asked by Play waits for it, then renders itself: without the wait, reacton leaves the render to
    that thread, which at 3,000 clinicians never caught up and the page stayed at week 1."""
    import threading
    import time

    from simulation.view import one_pass

    rc = solara.render(solara.AppLayout(children=[ClinicianView(scenario=str(_short(tmp_path)))]), handle_error=False)[
        1
    ]
    try:
        monkeypatch.setattr(one_pass, "page_render_context", lambda: rc)
        holding, release = threading.Event(), threading.Event()

        def render_elsewhere() -> None:
            with rc.thread_lock:
                holding.set()
                release.wait(5)

        other = threading.Thread(target=render_elsewhere)
        other.start()
        holding.wait(5)
        threading.Timer(0.3, release.set).start()
        before, start = rc.render_count, time.monotonic()
        one_pass.redraw()
        assert time.monotonic() - start >= 0.25  # waited for the other render
        assert rc.render_count == before + 1  # then rendered the page itself, once
        other.join(5)
    finally:
        rc.close()


def test_the_fast_renderer_the_server_turns_on_updates_only_what_a_step_changed(tmp_path, monkeypatch):
    """`simulate view`'s server sets REACTON_FAST=1 (simulation/view/server.py): a render pass then
    walks only the components whose state changed. With reacton's default renderer a Step updates every
    widget of the page, the sidebar's sliders and number boxes too (about 165 per pass); with the fast
    one only the cards that show the new week, and the page shows the same week and pictures."""
    from mesa.visualization import solara_viz
    from reacton import core

    from simulation.view import one_pass, server

    assert server.SERVER_ENV["REACTON_FAST"] == "1"

    def updated_on_a_step(fast: str) -> tuple[collections.Counter, str]:
        monkeypatch.setenv("REACTON_FAST", fast)
        rc = solara.render(
            solara.AppLayout(children=[ClinicianView(scenario=str(_short(tmp_path, steps=6)))]), handle_error=False
        )[1]
        try:
            monkeypatch.setattr(solara_viz, "force_update", one_pass.redraw)  # as served: one pass per Step
            monkeypatch.setattr(one_pass, "page_render_context", lambda: rc)
            _button(rc, "Step").click()
            kinds: collections.Counter = collections.Counter()
            original = core.Element._update_widget

            def counting(self, widget, el_prev, kwargs):
                kinds[type(widget).__name__] += 1
                return original(self, widget, el_prev, kwargs)

            monkeypatch.setattr(core.Element, "_update_widget", counting)
            _button(rc, "Step").click()
            monkeypatch.setattr(core.Element, "_update_widget", original)
            return kinds, _week(rc)
        finally:
            rc.close()

    slow, slow_week = updated_on_a_step("0")
    fast, fast_week = updated_on_a_step("1")
    assert slow_week.startswith("Week 2 ") and fast_week == slow_week  # same model, same seed: same line
    assert slow["Slider"] > 0 and slow["TextField"] > 0 and sum(slow.values()) > 120
    assert fast["Slider"] == fast["TextField"] == fast["Checkbox"] == 0  # the sidebar is left alone
    assert 0 < sum(fast.values()) < 50
