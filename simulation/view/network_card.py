"""The "Network" card: the clinicians at fixed positions, coloured by attitude or mode, sized by peer
rating or advice in-degree, each department's name above its cluster; a colour key and a size key.

The picture is a PNG (`simulation.view.drawing.NetworkPicture`) shown by a small Vue component
(`network_image.vue`) that also does, in the browser, what needs no server: hovering a node shows a
tooltip with the clinician's id, department, role, mode, attitude and peer rating; a click picks the
node nearest the pointer (within 14 px, as `NetworkPicture.node_at`) and tells the server. The
tooltip's text is built by Vue's text interpolation, so names from a node table are shown as text,
never as HTML. Per step the page receives the picture and one JSON text of three arrays (mode codes,
attitude and peer rating to one decimal); positions and names are sent once per model, as another.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import numpy as np
import solara

from simulation.modes import MODE_NAMES
from simulation.palette import MODE_COLOURS
from simulation.view.drawing import (
    ATTITUDE_CMAP,
    ATTITUDE_NORM,
    SIZE_KEY,
    NetworkPicture,
    node_colours,
    node_sizes,
)

COLOR_BY = {"attitude": "attitude", "mode": "mode of use"}
SIZE_BY = {"reputation": "peer rating", "advice": "advice in-degree"}
# Pixels of the network picture: with the time series beside it, both fit a 1,280 x 800 window.
NETWORK_WIDTH, NETWORK_HEIGHT = 384, 340
MODE_LABELS = {"none": "no AI", "verify": "verify", "primary": "primary aid"}
CLICK_RADIUS_PX = 14.0  # a click or hover this close to a node's centre means that node


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def neighbours_of(model, index: int) -> np.ndarray:
    """Colleagues of clinician `index` in the current network (ties added during the run included)."""
    row = model.network.adjacency[[index]]
    return np.sort(row.indices) if hasattr(row, "indices") else np.flatnonzero(row.toarray()[0])


def _hex(rgba) -> str:
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgba[:3])


def colour_key(color_by: str) -> list[tuple[str, str]]:
    """(colour, label) of the colour legend."""
    if color_by == "mode":
        return [(MODE_COLOURS[name], MODE_LABELS[name]) for name in MODE_NAMES]
    return [
        (_hex(ATTITUDE_CMAP(ATTITUDE_NORM(value))), label)
        for value, label in (
            (1.5, "1-2 very skeptical"),
            (3.0, "3"),
            (4.0, "4 neutral"),
            (5.0, "5"),
            (6.5, "6-7 enthusiastic"),
        )
    ]


def size_key(size_by: str, n: int) -> list[tuple[float, str]]:
    """(diameter in pixels, label) of the size legend: the dots `node_sizes` draws for three values."""
    values = np.asarray(SIZE_KEY[size_by], dtype=float)
    if size_by == "advice":
        areas = node_sizes("advice", np.full(3, 4.0), values, n)
        labels = [f"advice sought by {v:.0f}" for v in values]
    else:
        areas = node_sizes("reputation", values, np.zeros(3), n)
        labels = [f"peer rating {v:.0f}" for v in values]
    # Marker area is in points squared at 100 dpi: diameter in pixels = 2 sqrt(area / pi) * 100 / 72.
    return [(float(2.0 * np.sqrt(a / np.pi) * 100.0 / 72.0), label) for a, label in zip(areas, labels, strict=True)]


def network_picture(model) -> NetworkPicture:
    """The card's picture of `model`'s network: its positions, the card's size, department labels."""
    state = model.state
    return NetworkPicture(
        model.positions, NETWORK_WIDTH, NETWORK_HEIGHT, departments=(state.department, list(state.department_names))
    )


@solara.component
def Legend(color_by: str, size_by: str, n: int):
    """Colour key and size key of the network picture."""
    dot = "display:inline-block;border-radius:50%;border:1px solid #333;margin-right:4px;vertical-align:middle"
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "font-size": "12px"}, classes=["colour-key"]):
        for colour, label in colour_key(color_by):
            solara.HTML(
                tag="span",
                unsafe_innerHTML=f'<span style="{dot};width:10px;height:10px;background:{colour}"></span>{label}',
            )
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "font-size": "12px"}, classes=["size-key"]):
        solara.Text("Size:")
        for diameter, label in size_key(size_by, n):
            d = max(2.0, diameter)
            solara.HTML(
                tag="span",
                unsafe_innerHTML=f'<span style="{dot};width:{d:.1f}px;height:{d:.1f}px;background:#bbb"></span>{label}',
            )


@solara.component_vue("network_image.vue")
def NetworkImage(
    src: str,
    width: int,
    height: int,
    within: float,
    fixed: str,
    now: str,
    skeptical_below: float,
    event_pick: Callable[[int], None],
):
    """The picture with hover tooltips and click-to-pick (network_image.vue). `fixed` and `now` are
    JSON texts (`fixed_json`, `now_json`): one string each, not lists of thousands of numbers, which
    reacton would walk and ipywidgets serialize item by item on every Step (about 10 ms at 300
    clinicians, measured)."""


def fixed_json(picture: NetworkPicture, state) -> str:
    """What the tooltips need that stays put for a model: node pixels, names and codes (JSON)."""
    return json.dumps(
        {
            "pixels": np.round(picture.pixels, 1).tolist(),
            "departments": [str(x) for x in state.department_names],
            "roles": [str(x) for x in state.role_names],
            "modes": [MODE_LABELS[name] for name in MODE_NAMES],
            "department": state.department.astype(int).tolist(),
            "role": state.role.astype(int).tolist(),
        }
    )


def now_json(state) -> str:
    """What the tooltips show that changes each week: mode codes, attitude and peer rating to 0.1 (JSON)."""
    return json.dumps(
        {
            "mode": state.mode.astype(int).tolist(),
            "attitude": np.round(state.attitude, 1).tolist(),
            "reputation": np.round(state.reputation, 1).tolist(),
        }
    )


@solara.component
def NetworkView(model, color_by: solara.Reactive[str], size_by: solara.Reactive[str], selected, on_pick, tick: int = 0):
    """The network at fixed positions; hover a node for its state, click it to select that clinician.

    `selected` is the selected clinician's id in this model (or None); `on_pick(index)` selects one;
    `tick` is Mesa's step counter, read by the page (a new value redraws the picture).
    """
    state = model.state
    picture = solara.use_memo(lambda: network_picture(model), [model])
    fixed = solara.use_memo(lambda: fixed_json(picture, state), [model])
    chosen = selected if selected is not None and selected < state.n else None
    png = picture.render(
        model.network.edges,
        node_colours(color_by.value, state.attitude, state.mode),
        node_sizes(size_by.value, state.reputation, state.advice_in_degree, state.n),
        chosen,
        neighbours_of(model, chosen) if chosen is not None else None,
    )

    def pick(data) -> None:
        try:
            node = int(data)
        except (TypeError, ValueError):
            return
        if 0 <= node < model.state.n:
            on_pick(node)

    with solara.Column(gap="4px"):
        with solara.Row(gap="6px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text("Colour")
            solara.ToggleButtonsSingle(
                value=color_by,
                children=[solara.Button(label, value=key, text=True, small=True) for key, label in COLOR_BY.items()],
                dense=True,
            )
            solara.Text("Size")
            solara.ToggleButtonsSingle(
                value=size_by,
                children=[solara.Button(label, value=key, text=True, small=True) for key, label in SIZE_BY.items()],
                dense=True,
            )
        NetworkImage(
            src=data_url(png),
            width=NETWORK_WIDTH,
            height=NETWORK_HEIGHT,
            within=CLICK_RADIUS_PX,
            fixed=fixed,
            now=now_json(state),
            skeptical_below=float(state.skeptical_below),
            event_pick=pick,
        )
        Legend(color_by.value, size_by.value, state.n)
