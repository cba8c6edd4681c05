"""The sidebar controls: scenario picker, a box to open a scenario file by name, the scenario's own
description, parameter sliders with number boxes, interventions, seed.

The controls edit a `ViewSettings` (simulation.view.settings). Picking a scenario loads its values
into every control and rebuilds the model at once; every other change is checked (the values must
make a valid scenario) and applies when Reset is pressed, which rebuilds the model from the
controls. Units are in each slider's label. Only the sliders that apply to the scenario's network
show (`ViewSettings.params`): for a network from files, none of size and structure. The picker lists
the plans the page may open (`scenario_files`); "Open file" takes a path inside the folders the view
was started with (`ScenarioFolders.resolve`) and refuses any other, with the reason on the page.
The scenario's name and description are shown as text (never as HTML).

Exact parameters (issue 16). The browser's slider (Vuetify 2's v-slider) rounds the value it is
given to its grid (min + k * step, to the step's decimals) when it is drawn, which for a
collapsed panel is when the panel is first opened, and sends the rounded value back as if the user
had moved it: opening "Peer judgment" turned the fitted penalties 1.47 and 2.79 into 1.45 and 2.8.
It also pulls its value into a new min/max when these change. So:

- the settings (`ViewSettings.values`) hold the exact value; only a user's event changes them;
- each slider is given `slider_position(param, value)`, the point of its own grid nearest the
  value (the value itself when it is on the grid), computed as the browser computes it
  (`vuetify_round`), so the browser has nothing to round and sends nothing back; its min and max
  are the parameter's fixed range (a value outside it puts the thumb at the end);
- a slider event equal to the position it was given is not a change and is ignored; a move puts
  the grid value the user chose into the settings;
- the label and a number box beside the slider show the exact value; a value typed into the box
  (committed with Enter or by leaving it) is kept exactly, unrounded, if it makes a valid scenario;
- the steps are fine enough that every library scenario's values sit on the grid (penalties 0.01),
  so the thumb shows them exactly too (except `population.n` 246 of the CKM scenarios: thumb 250).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import solara
from solara.alias import rv

from simulation.errors import UserError
from simulation.scenario.interventions import ACTING_ORDER as ORDER
from simulation.scenario.interventions import CONFIGS
from simulation.view.settings import (
    BEHAVIOUR_PARAMS,
    JUDGMENT_PARAMS,
    NETWORK_PARAMS,
    Param,
    ScenarioFolders,
    ViewSettings,
    scenario_about,
)

BOX, BOX_STYLE = ["param-value"], {"max-width": "84px", "flex": "0 0 84px"}  # the number box beside each slider


def _format(value: float, param: Param) -> str:
    """The exact value as text: whole numbers without a decimal point, others as Python spells the float."""
    if param.integer or float(value).is_integer():
        return f"{int(value)}"
    return repr(float(value))


def step_decimals(step: float) -> int:
    """Decimals of the step as JavaScript writes it (`step.toString()`: 1.0 is "1", 0.05 is "0.05")."""
    exponent = Decimal(repr(float(step))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def vuetify_round(value: float, low: float, high: float, step: float) -> float:
    """What Vuetify 2's v-slider makes of `value` (its `internalValue` setter and `roundValue`).

    Clamped to [low, high], then rounded to the grid `low % step + k * step` and written with the
    step's decimals (JavaScript's `%` keeps the dividend's sign, like `math.fmod`; `Math.round`
    rounds halves up; `toFixed` rounds the exact binary value, halves away from zero). A value
    equal to its own `vuetify_round` is one the slider leaves alone.
    """
    clamped = min(max(float(value), float(low)), float(high))
    if not step:
        return clamped
    offset = math.fmod(float(low), float(step))
    rounded = math.floor((clamped - offset) / step + 0.5) * step + offset
    text = Decimal(min(rounded, float(high))).quantize(Decimal(1).scaleb(-step_decimals(step)), rounding=ROUND_HALF_UP)
    return float(str(text))


def slider_position(param: Param, value: float) -> float | int:
    """Where the slider's thumb sits for `value`: the nearest point of its grid (the value when on it)."""
    position = vuetify_round(value, param.low, param.high, param.step)
    return int(position) if param.integer else position


@solara.component
def ParamSlider(param: Param, settings: solara.Reactive[ViewSettings], on_settings: Callable[[ViewSettings], None]):
    """One slider for a dotted scenario key and a number box with its exact value (see the module's notes)."""
    value = settings.value.values[param.key]
    position = slider_position(param, value)
    label = f"{param.label}: {_format(value, param)}"

    def moved(v: float) -> None:
        chosen: float = int(v) if param.integer else round(float(v), step_decimals(param.step))
        if chosen == position:  # the slider repeating what it was given is not a change
            return
        on_settings(settings.value.with_value(param.key, chosen))

    def typed(v: float | None) -> None:
        if v is None or v == value:
            return
        on_settings(settings.value.with_value(param.key, int(v) if param.integer else float(v)))

    with solara.Row(gap="6px", style={"align-items": "flex-end"}, classes=["param-row"]):
        with solara.Column(style={"flex": "1 1 auto", "min-width": "0"}):
            if param.integer:
                solara.SliderInt(
                    label,
                    value=int(position),
                    min=int(param.low),
                    max=int(param.high),
                    step=int(param.step),
                    on_value=moved,
                )
            else:
                solara.SliderFloat(
                    label, value=float(position), min=param.low, max=param.high, step=param.step, on_value=moved
                )
        if param.integer:
            solara.InputInt(
                "", value=int(value), on_value=typed, dense=True, hide_details=True, classes=BOX, style=BOX_STYLE
            )
        else:
            solara.InputFloat(
                "", value=float(value), on_value=typed, dense=True, hide_details=True, classes=BOX, style=BOX_STYLE
            )


@solara.component
def InterventionControls(settings: solara.Reactive[ViewSettings], on_settings: Callable[[ViewSettings], None]):
    """On/off for every intervention kind; seats per session and targeting rule for those that seat clinicians."""
    n = int(settings.value.values["population.n"])
    for kind in ORDER:
        setting = settings.value.interventions[kind]

        def switch(on: bool, kind: str = kind) -> None:
            on_settings(settings.value.with_intervention(kind, enabled=bool(on)))

        def seat(v: int, kind: str = kind) -> None:
            on_settings(settings.value.with_intervention(kind, seats=int(v)))

        def target(v: str, kind: str = kind) -> None:
            on_settings(settings.value.with_intervention(kind, targeting=v))

        solara.Checkbox(label=CONFIGS[kind].label, value=setting.enabled, on_value=switch)
        if setting.enabled and setting.seats is not None:
            with solara.Div(style={"padding-left": "28px"}):
                seats = min(int(setting.seats), n)
                solara.SliderInt(
                    f"Seats per session: {seats}" + (" (everyone targeted)" if setting.seats >= n else ""),
                    value=seats,
                    min=1,
                    max=n,
                    step=1,
                    on_value=seat,
                )
                if setting.targeting is not None:  # always, with seats (ViewSettings.from_file)
                    solara.Select(
                        "Targeting",
                        value=setting.targeting,
                        values=list(setting.targeting_choices),
                        on_value=target,
                    )


def network_note(settings: ViewSettings) -> str | None:
    """What the "Network size and structure" panel says instead of sliders that do not apply."""
    if settings.generator == "file":
        n = int(settings.values["population.n"])
        return f"Network from files: {n:,} clinicians; its size and ties come from the files (network.edges)."
    if settings.generator == "complete":
        return "Complete network: everyone is tied to everyone, so only the number of clinicians applies."
    if settings.generator == "random":
        return "Random network (Erdos-Renyi): the number of clinicians and the mean degree apply."
    return None


@solara.component
def LazyDetails(summary: str, children=[], expand: bool = False):  # noqa: B006  (Solara's children idiom)
    """`solara.Details` whose content exists only while it is open. Every render pass reconciles every
    widget of the page, so the sliders of closed panels (about a third of the page's widgets) cost
    time at each Step although nobody sees them; they are built when the panel opens, from the
    settings (so with the exact values), and dropped when it closes."""
    opened, set_opened = solara.use_state(expand)

    def on_v_model(v_model) -> None:
        set_opened(v_model == 0)

    with rv.ExpansionPanels(v_model=0 if opened else None, on_v_model=on_v_model) as main:
        with rv.ExpansionPanel():
            rv.ExpansionPanelHeader(children=[summary])
            rv.ExpansionPanelContent(children=children if opened else [])
    return main


@solara.component
def ScenarioControls(
    settings: solara.Reactive[ViewSettings],
    files: list[str],
    on_pick: Callable[[ViewSettings], None],
    folders: ScenarioFolders | None = None,
):
    """Scenario picker, open-a-file box, sliders, interventions and seed; writes valid changes into `settings`."""
    error: solara.Reactive[str | None] = solara.use_reactive(None)
    open_problem: solara.Reactive[str | None] = solara.use_reactive(None)
    seed_text = solara.use_reactive(settings.value.seed)
    opened: solara.Reactive[list[str]] = solara.use_reactive([])
    names = {Path(f).stem: f for f in [*files, *opened.value]}
    current = Path(settings.value.scenario_path).stem
    allowed = folders or ScenarioFolders.for_start_file(settings.value.scenario_path)

    def on_settings(candidate: ViewSettings) -> None:
        try:
            candidate.to_scenario()
        except ValueError as exc:
            error.set(str(exc))
            return
        error.set(None)
        settings.set(candidate)

    def load(path: str) -> None:
        try:
            fresh = ViewSettings.from_file(path)
            fresh.to_scenario()
        except (UserError, ValueError) as exc:
            error.set(str(exc))
            return
        error.set(None)
        seed_text.set(fresh.seed)
        settings.set(fresh)
        on_pick(fresh)

    def pick(name: str) -> None:
        if name in names and allowed.allows(names[name]):  # only what the picker offers
            load(names[name])

    def open_typed(text: str | None) -> None:
        if not (text or "").strip():
            open_problem.set(None)
            return
        try:
            path = allowed.resolve(text or "")
        except ValueError as exc:
            open_problem.set(str(exc))
            return
        open_problem.set(None)
        if str(path) not in names.values():
            opened.set([*opened.value, str(path)])
        load(str(path))

    def on_seed(text: str | None) -> None:
        seed_text.set(text or "")
        on_settings(settings.value.with_seed(text or ""))

    shown = {p.key for p in settings.value.params}
    with solara.Card("Scenario and parameters"):
        solara.Select("Scenario", value=current, values=list(names), on_value=pick)
        about = scenario_about(settings.value.scenario_path)
        if about:
            solara.Text(about, classes=["scenario-about"], style={"font-size": "12px", "color": "#444"})
        solara.InputText(
            "Open file (in " + " or ".join(f.name + "/" for f in allowed.folders) + ")",
            value="",
            on_value=open_typed,
            classes=["open-file"],
        )
        if open_problem.value:
            solara.Error(open_problem.value, classes=["open-file-problem"])
        solara.InputText("Seed (whole number)", value=seed_text.value, on_value=on_seed)
        solara.Text(
            "Changes apply on Reset (picking a scenario applies at once).", style={"font-size": "12px", "color": "#666"}
        )
        if error.value:
            solara.Error(error.value)
        with solara.Details("Network size and structure", expand=True):
            note = network_note(settings.value)
            if note:
                solara.Text(note, classes=["network-note"], style={"font-size": "12px", "color": "#444"})
            for param in NETWORK_PARAMS:
                if param.key in shown:
                    ParamSlider(param, settings, on_settings)
        with solara.Details("Interventions", expand=True):
            InterventionControls(settings, on_settings)
        with LazyDetails("Behaviour", expand=False):
            for param in BEHAVIOUR_PARAMS:
                ParamSlider(param, settings, on_settings)
        with LazyDetails("Peer judgment", expand=False):
            for param in JUDGMENT_PARAMS:
                ParamSlider(param, settings, on_settings)
