"""The sidebar controls: scenario picker, parameter sliders, interventions, seed.

The controls edit a `ViewSettings` (simulation.view.settings). Picking a scenario loads its values
into every control and rebuilds the model at once; every other change is checked (the values must
make a valid scenario) and applies when Reset is pressed, which rebuilds the model from the
controls. Units are in each slider's label.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import solara

from simulation.scenario.interventions import ACTING_ORDER as ORDER
from simulation.scenario.interventions import CONFIGS
from simulation.view.settings import (
    BEHAVIOUR_PARAMS,
    JUDGMENT_PARAMS,
    NETWORK_PARAMS,
    Param,
    ViewSettings,
)


def _format(value: float, param: Param) -> str:
    return f"{int(value)}" if param.integer else f"{value:g}"


@solara.component
def ParamSlider(param: Param, settings: solara.Reactive[ViewSettings], on_settings: Callable[[ViewSettings], None]):
    """One slider for a dotted scenario key; the label shows the current value."""
    value = settings.value.values[param.key]
    label = f"{param.label}: {_format(value, param)}"
    if param.integer:
        solara.SliderInt(
            label,
            value=int(value),
            min=int(param.low),
            max=int(max(param.high, value)),
            step=int(param.step),
            on_value=lambda v: on_settings(settings.value.with_value(param.key, int(v))),
        )
    else:
        solara.SliderFloat(
            label,
            value=float(value),
            min=min(param.low, value),
            max=max(param.high, value),
            step=param.step,
            on_value=lambda v: on_settings(settings.value.with_value(param.key, round(float(v), 6))),
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


@solara.component
def ScenarioControls(
    settings: solara.Reactive[ViewSettings],
    files: list[str],
    on_pick: Callable[[ViewSettings], None],
):
    """Scenario picker, sliders, interventions and seed; writes valid changes into `settings`."""
    error: solara.Reactive[str | None] = solara.use_reactive(None)
    seed_text = solara.use_reactive(settings.value.seed)
    names = {Path(f).stem: f for f in files}
    current = Path(settings.value.scenario_path).stem

    def on_settings(candidate: ViewSettings) -> None:
        try:
            candidate.to_scenario()
        except ValueError as exc:
            error.set(str(exc))
            return
        error.set(None)
        settings.set(candidate)

    def pick(name: str) -> None:
        fresh = ViewSettings.from_file(names[name])
        error.set(None)
        seed_text.set(fresh.seed)
        settings.set(fresh)
        on_pick(fresh)

    def on_seed(text: str | None) -> None:
        seed_text.set(text or "")
        on_settings(settings.value.with_seed(text or ""))

    with solara.Card("Scenario and parameters"):
        solara.Select("Scenario", value=current, values=list(names), on_value=pick)
        solara.InputText("Seed (whole number)", value=seed_text.value, on_value=on_seed)
        solara.Text(
            "Changes apply on Reset (picking a scenario applies at once).", style={"font-size": "12px", "color": "#666"}
        )
        if error.value:
            solara.Error(error.value)
        with solara.Details("Network size and structure", expand=True):
            for param in NETWORK_PARAMS:
                ParamSlider(param, settings, on_settings)
        with solara.Details("Interventions", expand=True):
            InterventionControls(settings, on_settings)
        with solara.Details("Behaviour", expand=False):
            for param in BEHAVIOUR_PARAMS:
                ParamSlider(param, settings, on_settings)
        with solara.Details("Peer judgment", expand=False):
            for param in JUDGMENT_PARAMS:
                ParamSlider(param, settings, on_settings)
