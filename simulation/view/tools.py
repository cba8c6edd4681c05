"""The sidebar's "Run and export" card: run to week N, and download the run, the clinicians, the scenario.

The card is drawn when the model is built (or rebuilt) and not at each step: with reacton's default
renderer (the page in a notebook) every render pass reconciles the whole page, and each component
that reads Mesa's step counter costs one more pass per step (measured 180 ms a step at 300
clinicians with four readers, 85 ms with two). So nothing here depends on the week: the box keeps
its value, the button stays enabled at the horizon (its note then says the run is already there),
and the download names carry no week (the files do: their `week` column).

"Run to week" steps the model on the page until the week typed in the box (at most the scenario's
horizon, run.steps), in the server's handler of the click, so the page's busy sign ("Computing ...",
simulation.view.app) shows while it runs; the pictures and numbers are redrawn once at the end.
The three downloads (Solara's FileDownload: the browser receives the bytes over the page's own
connection, no internet needed) are made when clicked, from the model as it then stands
(simulation.view.export): the time series so far and the clinician table now as CSV, the scenario
with the controls' values as TOML.
"""

from __future__ import annotations

import solara

from simulation.view.export import clinicians_csv, export_name, scenario_toml_text, timeseries_csv
from simulation.view.one_pass import redraw

DEFAULT_TARGET = 52  # weeks: a year, the box's first value (at most the horizon)


def run_to_note(model, asked: int, stepped: int) -> str:
    """What a Run to week did, in one line."""
    if stepped == 0 and model.at_horizon:
        return f"Already at week {model.week}, the scenario's last (run.steps); Reset starts again from week 0."
    if asked > model.horizon:
        return f"Week {asked} is past the scenario's {model.horizon} weeks (run.steps): ran to week {model.week}."
    if stepped == 0:
        return f"Already at week {model.week}; Reset starts again from week 0."
    return f"Ran {stepped} weeks to week {model.week}."


@solara.component
def RunToWeek(model: solara.Reactive):
    """A week box and a "Run to week" button."""
    current = model.value
    target = solara.use_reactive(min(DEFAULT_TARGET, int(current.horizon)))
    note: solara.Reactive[str | None] = solara.use_reactive(None)

    def run() -> None:
        chosen = model.value
        asked = int(target.value)
        stepped = chosen.run_to(asked)
        note.set(run_to_note(chosen, asked, stepped))
        redraw()

    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.InputInt(
            f"Week (0-{current.horizon})",
            value=target,
            dense=True,
            hide_details=True,
            classes=["run-to-week"],
            style={"max-width": "120px"},
        )
        solara.Button("Run to week", color="primary", on_click=run, classes=["run-to"])
    if note.value:
        solara.Text(note.value, classes=["run-to-note"], style={"font-size": "12px", "color": "#555"})


@solara.component
def ExportButtons(model: solara.Reactive):
    """Downloads of the time series, the clinician table and the scenario, as they stand when clicked."""
    current = model.value
    downloads = (
        (
            "Time series (CSV)",
            export_name(current, "timeseries", "csv"),
            lambda: timeseries_csv(model.value),
            "text/csv",
        ),
        (
            "Clinicians now (CSV)",
            export_name(current, "clinicians", "csv"),
            lambda: clinicians_csv(model.value),
            "text/csv",
        ),
        (
            "Scenario (TOML)",
            export_name(current, "scenario", "toml"),
            lambda: scenario_toml_text(model.value).encode(),
            "application/toml",
        ),
    )
    with solara.Column(gap="4px"):
        for label, filename, data, mime in downloads:
            solara.FileDownload(data, filename=filename, label=label, mime_type=mime)


@solara.component
def RunAndExport(model: solara.Reactive):
    """The card: run to week N, then the downloads (drawn per model, not per step: the module's notes)."""
    with solara.Card("Run and export"):
        RunToWeek(model)
        solara.Text(
            "Downloads hold the run as it stands: weeks so far, clinicians now, the scenario with these settings.",
            style={"font-size": "12px", "color": "#666", "margin-top": "8px"},
        )
        ExportButtons(model)
