"""The page: Mesa's SolaraViz (step, play/pause, reset, play interval) around the clinician view.

`Page` is what `simulate view` serves (`solara run simulation.view.app:Page`); `ClinicianView` is
the same page for a given scenario file, to show in a Jupyter notebook. Every browser tab (every
Solara session) builds its own model in `use_memo`, so two researchers on one server never step
each other's model. Reset (SolaraViz's button) re-instantiates `ViewModel(settings=...)` with the
controls' current values; picking a scenario rebuilds at once. Play and Step stop at the
scenario's horizon (`run.steps`, `ViewModel.running`), with a note saying so. While the server
computes a Step, Reset or rebuild for more than 300 ms, a bar at the top and "Computing ..." show it.

Layout: at 1,280 x 800 the network and the time series sit side by side above the fold, the selected
clinician and the shares by department and role below them. Mesa's "Information" card ("Time: 3.0",
the week again as a float) is hidden: the line of numbers starts with "Week 3". The page reads
scenario files only from the scenario library and the start file's folder
(`simulation.view.settings.ScenarioFolders`).
"""

from __future__ import annotations

import os

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from simulation.view.clinician import ClinicianPanel, Selection, selected_index
from simulation.view.components import PLOTS_WIDTH, GroupsPanel, HorizonNote, NumbersLine, TimeSeriesView
from simulation.view.controls import ScenarioControls
from simulation.view.network_card import NETWORK_WIDTH, NetworkView
from simulation.view.settings import ScenarioFolders, ViewSettings, default_scenario_path, scenario_files
from simulation.view.side_by_side_panel import SideBySideCard
from simulation.view.tools import RunAndExport
from simulation.view.viewmodel import ViewModel

# Set by `simulate view FILE.toml` for the server process; the page opens with that file.
SCENARIO_ENV = "SIMULATE_VIEW_SCENARIO"
PLAY_INTERVAL_MS = 25  # pause between steps while playing (Play = 1 / (pause + step and redraw))
# Long slider labels wrap beside the slider instead of squeezing it to nothing; a parameter's label sits
# above its slider, which shares the row with the number box. Mesa's sidebar card
# "Model Parameters" lists only Mesa-style parameters; this page has none (its controls are in
# "Scenario and parameters"), so the card would stay empty: cards with nothing inside are hidden.
# The busy sign: Solara shows a thin moving bar while the server has been handling a message (a Step, a
# Reset, a rebuild) for more than 300 ms, but puts it under the app bar, where nobody sees it. It is
# drawn on top instead, thicker, with "Computing ..." beside it and a progress cursor. It lives in the
# browser, so it shows while the server is busy (a sign set by the server would arrive only afterwards).
BUSY_BAR = ".v-application--wrap > .v-progress-linear--absolute"
CSS = f"""
{BUSY_BAR} {{ position: fixed !important; top: 0; z-index: 10000 !important; height: 6px !important; overflow: visible;
  transition: none !important; }}
{BUSY_BAR}::after {{ content: "Computing ..."; position: absolute; top: 72px; right: 16px; padding: 2px 10px;
  background: #fff8e1; color: #5d4037; border: 1px solid #ffb300; border-radius: 4px; font-size: 14px; }}
.v-application--wrap:has(> .v-progress-linear--absolute[style*="visibility: visible"]) {{ cursor: progress; }}
"""
# Mesa's "Information" card holds one thing, its `ShowSteps` text ("Time: 3.0"): a card whose body is
# a single bare span. No card of this page has that shape (`test_view_browser` checks the others show).
CSS += """
.v-navigation-drawer .v-card:has(> .v-card__text > span[tag="span"]:only-child) { display: none; }
.main-cards > .v-card > .v-card__title { padding: 8px 12px 2px; font-size: 16px; }
.main-cards > .v-card > .v-card__text { padding: 4px 12px 10px; }
.solara-autorouter-content > .v-sheet > div[tag="div"]:empty { display: none; }
.solara-autorouter-content > .v-sheet > .v-sheet:not(:has(span, img, button, input, table)) { display: none; }
"""
# Mesa's ComponentsView (no components on this page) leaves empty blocks above the line of numbers: hidden,
# so the network and the time series start higher.
CSS += """
.v-input__slider .v-input__slot > .v-label { flex: 0 0 52%; max-width: 52%; white-space: normal; height: auto; line-height: 1.2; font-size: 13px; }
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
.param-row .v-input__slider .v-input__slot { flex-wrap: wrap; }
.param-row .v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; max-width: 100%; margin-bottom: 2px; }
.groups-table { border-collapse: collapse; font-size: 13px; line-height: 1.35; }
.groups-table th { font-weight: 600; color: #555; text-align: left; border-bottom: 1px solid #ccc; padding: 1px 6px; }
.groups-table td { padding: 1px 6px; white-space: nowrap; }
.groups-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.groups-table tr.hospital td { font-weight: 600; border-top: 1px solid #ccc; }
"""


def start_file() -> str:
    """The scenario the page opens with: $SIMULATE_VIEW_SCENARIO, else scenarios/baseline.toml."""
    return os.environ.get(SCENARIO_ENV) or default_scenario_path()


@solara.component
def SidebarControls(settings, files, rebuild, model=None, folders=None):
    """Our controls in the sidebar, below SolaraViz's step/play/reset card: run to week N and the
    downloads (`model`, the page's reactive model), then the scenario and parameters.

    Solara orders sidebar content by component depth; one level deeper than SolaraViz's own
    sidebar puts these controls after it.
    """
    _SidebarControls(settings, files, rebuild, model, folders)


@solara.component
def _SidebarControls(settings, files, rebuild, model=None, folders=None):
    with solara.Sidebar():
        if model is not None:
            RunAndExport(model)
        ScenarioControls(settings, files, rebuild, folders)


@solara.component
def ClinicianView(scenario: str | None = None):
    """The whole page for one session, opening with `scenario` (a TOML path) or the start file."""
    first_file = scenario or start_file()
    first = solara.use_memo(lambda: ViewSettings.from_file(first_file), [first_file])
    settings = solara.use_reactive(first)
    first_model = solara.use_memo(lambda: ViewModel(first), [first])
    model: solara.Reactive[ViewModel] = solara.use_reactive(first_model)
    color_by = solara.use_reactive("attitude")
    size_by = solara.use_reactive("reputation")
    selected: solara.Reactive[Selection | None] = solara.use_reactive(None)
    group_by = solara.use_reactive("department")
    files = solara.use_memo(lambda: scenario_files(first_file), [first_file])
    folders = solara.use_memo(lambda: ScenarioFolders.for_start_file(first_file), [first_file])

    def rebuild(fresh: ViewSettings) -> None:
        selected.set(None)
        model.set(ViewModel(fresh))

    solara.Title("Clinician AI skepticism")
    solara.Style(CSS)
    SolaraViz(
        model,
        components=[],
        model_params={"settings": settings},
        name="Clinician AI skepticism: interactive view",
        play_interval=PLAY_INTERVAL_MS,
    )
    SidebarControls(settings, files, rebuild, model, folders)
    MainCards(model, files, selected, color_by, size_by, group_by)


@solara.component
def MainCards(model, files, selected, color_by, size_by, group_by):
    """The line of numbers and the cards. Mesa's step counter is read here once and passed down as
    `tick`: each component that read it itself cost a render pass of the whole page per step (10 passes
    per Step, measured; 4 now, with Mesa's own, the sidebar's and the side-by-side card's)."""
    tick = update_counter.get()
    current = model.value

    def pick(index: int) -> None:
        selected.set(Selection(index, model.value.population_key))

    with solara.Column(style={"padding": "0px 8px 8px 8px"}, gap="6px"):
        NumbersLine(current, tick)
        HorizonNote(current, tick)
        with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "flex-start"}, classes=["main-cards"]):
            with solara.Card("Network", margin=0, style={"width": f"{NETWORK_WIDTH + 24}px"}):
                NetworkView(current, color_by, size_by, selected_index(selected.value, current), pick, tick)
            with solara.Card("Over time", margin=0, style={"width": f"{PLOTS_WIDTH + 24}px"}):
                TimeSeriesView(current, tick)
            with solara.Card("Selected clinician", margin=0, style={"min-width": "320px"}):
                ClinicianPanel(current, selected, tick)
            with solara.Card("By department and role", margin=0):
                GroupsPanel(current, group_by, tick)
            SideBySideCard(model, files, tick)  # side by side and the ensemble band (off when the page opens)


@solara.component
def Page():
    """The page `simulate view` serves."""
    ClinicianView()
