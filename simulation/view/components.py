"""What the view shows: the network, the live plots, the line of current numbers, one clinician, and
the shares by department and role.

Each component reads the model's arrays (`model.state`, `model.network`, `model.datacollector`) and
re-renders after every step through Mesa's `update_counter`. Pictures are PNG images drawn by
`simulation.view.drawing`; a picture object lives as long as its model (one per browser tab).
Units: shares in %, attitude and peer ratings on 1-7, cost in clinician-hours, time in weeks.
"""

from __future__ import annotations

import base64

import numpy as np
import solara
from mesa.visualization.utils import update_counter

from simulation.modes import MODE_NAMES
from simulation.outcomes import LIVE, outcome
from simulation.view.drawing import (
    ATTITUDE_CMAP,
    ATTITUDE_NORM,
    MODE_COLOURS,
    NetworkPicture,
    TimeSeriesPicture,
    node_colours,
    node_sizes,
)
from simulation.view.groups import GROUPINGS, GroupRow, hospital_row, model_group_rows

COLOR_BY = {"attitude": "attitude", "mode": "mode of use"}
SIZE_BY = {"reputation": "peer rating", "advice": "advice in-degree"}
NETWORK_WIDTH, NETWORK_HEIGHT = 560, 470  # pixels of each picture (network and plots)
MODE_LABELS = {"none": "no AI", "verify": "verify", "primary": "primary aid"}


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def neighbours_of(model, index: int) -> np.ndarray:
    """Colleagues of clinician `index` in the current network (ties added during the run included)."""
    row = model.network.adjacency[[index]]
    return np.sort(row.indices) if hasattr(row, "indices") else np.flatnonzero(row.toarray()[0])


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
def NumbersLine(model):
    """One line: week, the three modes' shares, share skeptical, competence gap, cost so far."""
    update_counter.get()
    solara.Text(numbers_text(model), classes=["numbers-line"], style={"font-weight": "500", "font-size": "15px"})


def horizon_text(model) -> str | None:
    """The note shown once the model has run the scenario's weeks (Play and Step then stop), else None."""
    if not model.at_horizon:
        return None
    return f"End of the scenario's {model.horizon} weeks (run.steps): Play and Step stop here; Reset starts again."


@solara.component
def HorizonNote(model):
    """A visible note at the scenario's horizon."""
    update_counter.get()
    text = horizon_text(model)
    if text is not None:
        solara.Text(text, classes=["horizon-note"], style={"font-size": "14px", "color": "#8a4b00"})


@solara.component
def Legend(color_by: str):
    """Colour key of the network picture."""
    if color_by == "mode":
        items = [(MODE_COLOURS[name], MODE_LABELS[name]) for name in MODE_NAMES]
    else:
        items = [
            (_hex(ATTITUDE_CMAP(ATTITUDE_NORM(value))), label)
            for value, label in (
                (1.5, "1-2 very skeptical"),
                (3.0, "3"),
                (4.0, "4 neutral"),
                (5.0, "5"),
                (6.5, "6-7 enthusiastic"),
            )
        ]
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "font-size": "13px"}):
        for colour, label in items:
            solara.HTML(
                tag="span",
                unsafe_innerHTML=f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
                f'background:{colour};border:1px solid #333;margin-right:4px"></span>{label}',
            )


def _hex(rgba) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


@solara.component
def NetworkView(
    model, color_by: solara.Reactive[str], size_by: solara.Reactive[str], selected: solara.Reactive[int | None]
):
    """The network at fixed positions; click a node to select that clinician."""
    update_counter.get()
    picture = solara.use_memo(lambda: NetworkPicture(model.positions, NETWORK_WIDTH, NETWORK_HEIGHT), [model])
    state = model.state
    chosen = selected.value if selected.value is not None and selected.value < state.n else None
    png = picture.render(
        model.network.edges,
        node_colours(color_by.value, state.attitude, state.mode),
        node_sizes(size_by.value, state.reputation, state.advice_in_degree, state.n),
        chosen,
        neighbours_of(model, chosen) if chosen is not None else None,
    )

    def on_click(data):
        if isinstance(data, dict) and "offsetX" in data:
            node = picture.node_at(float(data["offsetX"]), float(data["offsetY"]))
            if node is not None:
                selected.set(node)

    with solara.Column(gap="4px"):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.Text("Colour by")
            solara.ToggleButtonsSingle(
                value=color_by,
                children=[solara.Button(label, value=key, text=True) for key, label in COLOR_BY.items()],
                dense=True,
            )
            solara.Text("Size by")
            solara.ToggleButtonsSingle(
                value=size_by,
                children=[solara.Button(label, value=key, text=True) for key, label in SIZE_BY.items()],
                dense=True,
            )
        image = solara.v.Html(
            tag="img",
            attributes={
                "src": _data_url(png),
                "width": str(NETWORK_WIDTH),
                "height": str(NETWORK_HEIGHT),
                "alt": "network",
                "title": "click a clinician",
            },
            class_="network-picture",
            style_=f"width:{NETWORK_WIDTH}px;height:{NETWORK_HEIGHT}px;cursor:crosshair",
        )
        solara.v.use_event(image, "click", lambda widget, event, data: on_click(data))
        Legend(color_by.value)


@solara.component
def TimeSeriesView(model):
    """Live plots over weeks: the three modes, share skeptical, competence gap."""
    update_counter.get()
    picture = solara.use_memo(lambda: TimeSeriesPicture(NETWORK_WIDTH, NETWORK_HEIGHT), [model])
    series = model.datacollector.model_vars
    png = picture.render(series)
    solara.v.Html(
        tag="img",
        attributes={"src": _data_url(png), "width": str(NETWORK_WIDTH), "height": str(NETWORK_HEIGHT), "alt": "plots"},
        class_="plots-picture",
    )


def clinician_facts(model, index: int) -> list[tuple[str, str]]:
    """(label, value) rows describing clinician `index`'s state now."""
    state = model.state
    attitude = float(state.attitude[index])
    return [
        ("Department", state.department_names[int(state.department[index])]),
        ("Role", state.role_names[int(state.role[index])]),
        ("Seniority", f"{state.seniority[index]:.0f} years"),
        ("Mode of AI use", MODE_LABELS[MODE_NAMES[int(state.mode[index])]]),
        ("Attitude (1-7)", f"{attitude:.2f}" + (" · skeptical" if attitude < state.skeptical_below else "")),
        ("Peer rating of skill (1-7)", f"{state.reputation[index]:.2f}"),
        ("AI literacy (0-1)", f"{state.literacy[index]:.2f}"),
        ("Trust in AI (0-1)", f"{state.trust[index]:.2f}"),
        ("Status concern (0-1)", f"{state.status_concern[index]:.2f}"),
        ("Advice sought by", f"{int(state.advice_in_degree[index])} colleagues"),
    ]


def neighbour_modes(model, index: int) -> dict[str, list[int]]:
    """Mode name -> ids of clinician `index`'s colleagues in that mode."""
    near = neighbours_of(model, index)
    modes = model.state.mode[near]
    return {name: near[modes == code].tolist() for code, name in enumerate(MODE_NAMES)}


@solara.component
def ClinicianPanel(model, selected: solara.Reactive[int | None]):
    """Pick a clinician by id (or click in the network) and see their state and colleagues' modes."""
    update_counter.get()
    n = model.state.n

    def choose(value):
        selected.set(None if value is None or not 0 <= int(value) < n else int(value))

    solara.InputInt(
        f"Clinician id (0-{n - 1})",
        value=selected.value if selected.value is not None and selected.value < n else None,
        on_value=choose,
        optional=True,
        clearable=True,
    )
    index = selected.value
    if index is None or index >= n:
        solara.Text("Click a node in the network or type an id.", style={"color": "#666"})
        return
    rows = "".join(
        f"<tr><td style='padding-right:12px;color:#555'>{k}</td><td>{v}</td></tr>"
        for k, v in clinician_facts(model, index)
    )
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>Clinician {index}</b><table class='clinician-facts'>{rows}</table>")
    by_mode = neighbour_modes(model, index)
    total = sum(len(ids) for ids in by_mode.values())
    parts = []
    for name, ids in by_mode.items():
        shown = ", ".join(str(i) for i in ids[:12]) + (" …" if len(ids) > 12 else "")
        parts.append(
            f"<div><span style='color:{MODE_COLOURS[name]};font-weight:600'>{MODE_LABELS[name]}</span>: "
            f"{len(ids)}{' (' + shown + ')' if ids else ''}</div>"
        )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<b>Colleagues' modes</b> ({total} colleagues)" + "".join(parts),
        classes=["neighbour-modes"],
    )


GROUP_HEADERS = ("Clinicians", "Skeptical %", "Verifying %", "Primary aid %")


def _share_cell(value: float) -> str:
    return "–" if value != value else f"{100 * value:.1f}"


def groups_table(model, by: str) -> str:
    """HTML table of `model_group_rows(model, by)`: one row per group, then the whole hospital."""
    rows = model_group_rows(model, by)

    def line(row: GroupRow, css: str = "") -> str:
        cells = [f"{row.clinicians:,}", *(_share_cell(x) for x in (row.skeptical, row.verify, row.primary))]
        return f"<tr{css}><td>{row.name}</td>" + "".join(f"<td class='num'>{c}</td>" for c in cells) + "</tr>"

    head = f"<th>{GROUPINGS[by].capitalize()}</th>" + "".join(f"<th class='num'>{h}</th>" for h in GROUP_HEADERS)
    body = "".join(line(r) for r in rows) + line(hospital_row(rows), " class='hospital'")
    return f"<table class='groups-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@solara.component
def GroupsPanel(model, by: solara.Reactive[str]):
    """Per department (or role): clinicians and the shares skeptical, verifying, primary aid, now."""
    update_counter.get()
    with solara.Column(gap="4px"):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.Text("By")
            solara.ToggleButtonsSingle(
                value=by,
                children=[solara.Button(label, value=key, text=True) for key, label in GROUPINGS.items()],
                dense=True,
            )
        solara.HTML(tag="div", unsafe_innerHTML=groups_table(model, by.value), classes=["groups-panel"])
