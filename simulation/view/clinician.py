"""The "Selected clinician" card: who is selected, an id box, the clinician's state and colleagues' modes.

A selection is the clinician's id together with the population it was made in (`Selection`,
`ViewModel.population_key`). A Reset with the same population (same size, seed and population
keys) keeps the selection: clinician 7 is the same person. A Reset that draws a new population
(another seed, another size) does not describe whoever now has id 7: the card says that the
clinicians are new and nobody is selected until a new pick.

Every text that comes from a scenario or a data file (department and role names of a node table) is
shown escaped: the card builds its HTML with `html.escape` on every value.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import solara

from simulation.modes import MODE_NAMES
from simulation.palette import MODE_COLOURS
from simulation.view.network_card import MODE_LABELS, neighbours_of


@dataclass(frozen=True)
class Selection:
    """Clinician `index` (0 to n-1) as picked in the population `population` (`ViewModel.population_key`)."""

    index: int
    population: str


def selected_index(selection: Selection | None, model) -> int | None:
    """The selected clinician's id in `model`, or None when nobody is selected in this population."""
    if selection is None or selection.population != model.population_key:
        return None
    return selection.index if 0 <= selection.index < model.state.n else None


def stale_note(selection: Selection | None, model) -> str | None:
    """What the card says when the selection was made in another population, else None."""
    if selection is None or selection.population == model.population_key:
        return None
    return (
        f"Clinician {selection.index} was picked before the Reset; the Reset drew new clinicians "
        "(another seed or population), so that id is another person now. Pick again."
    )


def parse_clinician_id(text: str | None, n: int) -> int | None:
    """The id typed in the box (0 to n-1); None when empty; ValueError with a message otherwise."""
    typed = (text or "").strip()
    if not typed:
        return None
    try:
        index = int(typed)
    except ValueError:
        raise ValueError(f"{typed!r} is not a clinician id: type a whole number from 0 to {n - 1}") from None
    if not 0 <= index < n:
        raise ValueError(f"there is no clinician {index}: ids go from 0 to {n - 1}")
    return index


def clinician_facts(model, index: int) -> list[tuple[str, str]]:
    """(label, value) rows describing clinician `index`'s state now (values as plain text, unescaped)."""
    state = model.state
    attitude = float(state.attitude[index])
    return [
        ("Department", str(state.department_names[int(state.department[index])])),
        ("Role", str(state.role_names[int(state.role[index])])),
        ("Seniority", f"{state.seniority[index]:.0f} years"),
        ("Mode of AI use", MODE_LABELS[MODE_NAMES[int(state.mode[index])]]),
        ("Attitude (1-7)", f"{attitude:.2f}" + (" · skeptical" if attitude < state.skeptical_below else "")),
        ("Peer rating of skill (1-7)", f"{state.reputation[index]:.2f}"),
        ("AI literacy (0-1)", f"{state.literacy[index]:.2f}"),
        ("Trust in AI (0-1)", f"{state.trust[index]:.2f}"),
        ("Status concern (0-1)", f"{state.status_concern[index]:.2f}"),
        ("Advice sought by", f"{int(state.advice_in_degree[index])} colleagues"),
    ]


def facts_html(model, index: int) -> str:
    """The clinician's table as HTML, every value escaped."""
    rows = "".join(
        f"<tr><td style='padding-right:12px;color:#555'>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
        for k, v in clinician_facts(model, index)
    )
    return f"<b>Clinician {int(index)}</b><table class='clinician-facts'>{rows}</table>"


def neighbour_modes(model, index: int) -> dict[str, list[int]]:
    """Mode name -> ids of clinician `index`'s colleagues in that mode."""
    near = neighbours_of(model, index)
    modes = model.state.mode[near]
    return {name: near[modes == code].tolist() for code, name in enumerate(MODE_NAMES)}


def neighbours_html(model, index: int) -> str:
    """Colleagues' modes as HTML: per mode, how many and the first twelve ids."""
    by_mode = neighbour_modes(model, index)
    total = sum(len(ids) for ids in by_mode.values())
    parts = []
    for name, ids in by_mode.items():
        shown = ", ".join(str(int(i)) for i in ids[:12]) + (" …" if len(ids) > 12 else "")
        parts.append(
            f"<div><span style='color:{MODE_COLOURS[name]};font-weight:600'>{html.escape(MODE_LABELS[name])}</span>: "
            f"{len(ids)}{' (' + shown + ')' if ids else ''}</div>"
        )
    return f"<b>Colleagues' modes</b> ({total} colleagues)" + "".join(parts)


@solara.component
def ClinicianPanel(model, selected: solara.Reactive[Selection | None], tick: int = 0):
    """Pick a clinician by id (or click in the network) and see their state and colleagues' modes.

    `tick` is Mesa's step counter (`update_counter`), read once by the page: a new value redraws the card.
    """
    n = model.state.n
    index = selected_index(selected.value, model)
    problem: solara.Reactive[str | None] = solara.use_reactive(None)
    solara.use_effect(lambda: problem.set(None), [model])  # another model: an old typing error no longer applies

    def typed(text: str | None) -> None:
        try:
            chosen = parse_clinician_id(text, n)
        except ValueError as exc:
            problem.set(str(exc))
            return
        problem.set(None)
        selected.set(None if chosen is None else Selection(chosen, model.population_key))

    solara.InputText(
        f"Clinician id (0-{n - 1})",
        value="" if index is None else str(index),
        on_value=typed,
        clearable=True,
        classes=["clinician-id"],
    )
    if problem.value:
        solara.Text(problem.value, classes=["clinician-id-problem"], style={"color": "#b00020", "font-size": "13px"})
    note = stale_note(selected.value, model)
    if note is not None:
        solara.Text(note, classes=["selection-note"], style={"color": "#8a4b00", "font-size": "13px"})
    if index is None:
        solara.Text("Click a node in the network or type an id.", style={"color": "#666"})
        return
    solara.HTML(tag="div", unsafe_innerHTML=facts_html(model, index), classes=["clinician-facts-box"])
    solara.HTML(tag="div", unsafe_innerHTML=neighbours_html(model, index), classes=["neighbour-modes"])
