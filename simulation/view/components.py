"""What the view shows besides the network and the selected clinician: the line of current numbers,
the horizon note, the live plots over time (the hospital's or one department's), and the shares by
department and role.

Each component reads the model's arrays (`model.state`, `model.datacollector`,
`model.department_series`) and re-renders after every step: the page reads Mesa's `update_counter` once and passes it
as `tick` (one subscription, so a step is one render pass of the page, not one per component).
Pictures are PNG images drawn by `simulation.view.drawing`; a picture object lives as long as its
model (one per browser tab). Units: shares in %, attitude and peer ratings on 1-7, cost in
clinician-hours, time in weeks. Names from a scenario or a data file (departments, roles) are
escaped wherever they go into HTML (`html.escape`); elsewhere they are text widgets.
The network card is `simulation.view.network_card`, the clinician card `simulation.view.clinician`.
"""

from __future__ import annotations

import html

import solara

from simulation.outcomes import LIVE, outcome
from simulation.view.drawing import TimeSeriesPicture
from simulation.view.groups import GROUPINGS, GroupRow, hospital_row, model_group_rows
from simulation.view.network_card import data_url

# Pixels of the time-series picture: beside the network, both fit a 1,280 x 800 window.
PLOTS_WIDTH, PLOTS_HEIGHT = 384, 440
WHOLE_HOSPITAL = "Whole hospital"  # the choice of the Over time card that shows the whole hospital


def current_numbers(model) -> dict[str, float]:
    """Step and the numbers of the current state the view shows (`outcomes.LIVE`: shares 0-1, gap in
    rating points, cost in hours)."""
    last = model.last
    return {"step": int(model.week), **{name: last[name] for name in LIVE}}


def live_value(name: str, value: float) -> str:
    """One number of the line as shown: a share in percent, a signed difference or a count with its unit."""
    entry = outcome(name)
    if entry.fmt == "pct":
        return f"{100 * value:.1f} %"
    if value != value:
        return "n/a"
    if entry.fmt == "signed":
        return f"{value:+.2f} {entry.unit}"
    return f"{value:,.0f} {entry.unit}"


def numbers_text(model) -> str:
    """The line of current numbers, e.g. 'Week 3 · no AI 77.8 % · ... · cost so far 80 clinician-hours'."""
    x = current_numbers(model)
    return " · ".join([f"Week {x['step']}", *(f"{outcome(name).live} {live_value(name, x[name])}" for name in LIVE)])


@solara.component
def NumbersLine(model, tick: int = 0):
    """One line: week, the three modes' shares, share skeptical, competence gap, cost so far."""
    solara.Text(numbers_text(model), classes=["numbers-line"], style={"font-weight": "500", "font-size": "14px"})


def horizon_text(model) -> str | None:
    """The note shown once the model has run the scenario's weeks (Play and Step then stop), else None."""
    if not model.at_horizon:
        return None
    return f"End of the scenario's {model.horizon} weeks (run.steps): Play and Step stop here; Reset starts again."


@solara.component
def HorizonNote(model, tick: int = 0):
    """A visible note at the scenario's horizon."""
    text = horizon_text(model)
    if text is not None:
        solara.Text(text, classes=["horizon-note"], style={"font-size": "14px", "color": "#8a4b00"})


def series_for(model, whose: str) -> dict[str, list[float]]:
    """The curves the Over time card draws: the hospital's (steps.csv's columns, Mesa's DataCollector),
    or one department's shares with the hospital's competence gap (not kept per department)."""
    hospital = model.datacollector.model_vars
    if whose == WHOLE_HOSPITAL or whose not in model.department_series:
        return hospital
    return {**model.department_series[whose], "competence_gap": hospital["competence_gap"]}


def series_choices(model) -> list[str]:
    """The Over time card's choices: the hospital, then each department (only with two or more)."""
    names = [str(name) for name in model.state.department_names]
    return [WHOLE_HOSPITAL, *names] if len(names) > 1 else [WHOLE_HOSPITAL]


@solara.component
def TimeSeriesView(model, tick: int = 0):
    """Live plots over weeks: the three modes and share skeptical (of the hospital or a department),
    the competence gap; ticks mark the weeks of intervention sessions."""
    whose = solara.use_reactive(WHOLE_HOSPITAL)
    choices = series_choices(model)
    shown = whose.value if whose.value in choices else WHOLE_HOSPITAL
    title = "" if shown == WHOLE_HOSPITAL else shown
    picture = solara.use_memo(
        lambda: TimeSeriesPicture(PLOTS_WIDTH, PLOTS_HEIGHT, sessions=model.session_weeks, title=title),
        [model, title],
    )
    png = picture.render(series_for(model, shown))
    if len(choices) > 1:
        solara.Select(
            "Curves of", value=shown, values=choices, on_value=whose.set, dense=True, classes=["series-choice"]
        )
    solara.v.Html(
        tag="img",
        attributes={
            "src": data_url(png),
            "width": str(PLOTS_WIDTH),
            "height": str(PLOTS_HEIGHT),
            "alt": "plots",
        },
        class_="plots-picture",
    )


GROUP_HEADERS = ("Clinicians", "Skeptical %", "Verifying %", "Primary aid %")


def _share_cell(value: float) -> str:
    return "–" if value != value else f"{100 * value:.1f}"


def groups_table(model, by: str) -> str:
    """HTML table of `model_group_rows(model, by)`: one row per group, then the whole hospital (names escaped)."""
    rows = model_group_rows(model, by)

    def line(row: GroupRow, css: str = "") -> str:
        cells = [f"{row.clinicians:,}", *(_share_cell(x) for x in (row.skeptical, row.verify, row.primary))]
        return (
            f"<tr{css}><td>{html.escape(row.name)}</td>" + "".join(f"<td class='num'>{c}</td>" for c in cells) + "</tr>"
        )

    head = f"<th>{GROUPINGS[by].capitalize()}</th>" + "".join(f"<th class='num'>{h}</th>" for h in GROUP_HEADERS)
    body = "".join(line(r) for r in rows) + line(hospital_row(rows), " class='hospital'")
    return f"<table class='groups-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@solara.component
def GroupsPanel(model, by: solara.Reactive[str], tick: int = 0):
    """Per department (or role): clinicians and the shares skeptical, verifying, primary aid, now."""
    with solara.Column(gap="4px"):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.Text("By")
            solara.ToggleButtonsSingle(
                value=by,
                children=[solara.Button(label, value=key, text=True) for key, label in GROUPINGS.items()],
                dense=True,
            )
        solara.HTML(tag="div", unsafe_innerHTML=groups_table(model, by.value), classes=["groups-panel"])
