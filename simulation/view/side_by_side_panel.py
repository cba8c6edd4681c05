"""The "Side by side" card: setting B run beside the watched model, and the ensemble band.

Off by default: with both switches off the card holds only its switches, so the page's speed is
unchanged. With "Side by side" on, the researcher picks setting B (another scenario file from the
picker, the same settings with one parameter changed, or with one intervention switched;
`simulation.view.side_by_side.Variant`), and the card shows A (solid) and B (dashed) on the same
panels, B - A over weeks, and a table of A, B and B - A at the current week. B follows the page's
model: every render brings B to A's week (`SideBySide.sync`), so Step, Play and Run to week advance
both (each step then costs about twice as much), and a Reset or a new scenario (a new A) rebuilds B.

With "Ensemble" on, N replications (default 8, at most 32) of A's scenario and seed run to the
horizon in a background thread (`solara.use_thread`; the page stays usable); a note says
"Ensemble of N: computing ..." until the band (10-90 % across replications) is drawn around A's
curves. It is recomputed whenever A's scenario or N changes (Reset with new values, another file).
"""

from __future__ import annotations

from pathlib import Path

import solara

from simulation.errors import UserError
from simulation.scenario.interventions import ACTING_ORDER, CONFIGS
from simulation.view.comparison_picture import ComparisonPicture
from simulation.view.ensemble import (
    DEFAULT_REPLICATIONS,
    MAX_REPLICATIONS,
    MIN_REPLICATIONS,
    Ensemble,
    checked_replications,
    ensemble_key,
    ensemble_note,
    run_ensemble,
)
from simulation.view.network_card import data_url
from simulation.view.settings import PARAMS
from simulation.view.side_by_side import SideBySide, Variant

PICTURE_WIDTH, PICTURE_HEIGHT = 560, 600  # pixels
KINDS = {"file": "another scenario", "param": "one parameter changed", "intervention": "one intervention switched"}
KIND_BY_LABEL = {label: key for key, label in KINDS.items()}
PARAM_LABELS = {param.label: param.key for param in PARAMS}
INTERVENTION_LABELS = {CONFIGS[kind].label: kind for kind in ACTING_ORDER}
FIRST_PARAM, FIRST_PARAM_VALUE = "judgment.penalty_verify", 0.0  # "what if verifying carried no penalty?"
CSS = """
.side-by-side-table { border-collapse: collapse; font-size: 13px; line-height: 1.35; }
.side-by-side-table th { font-weight: 600; color: #555; text-align: right; border-bottom: 1px solid #ccc; padding: 1px 8px; }
.side-by-side-table td { padding: 1px 8px; white-space: nowrap; text-align: right; font-variant-numeric: tabular-nums; }
.side-by-side-table td:first-child, .side-by-side-table th:first-child { text-align: left; }
"""


def default_file(files: list[str], current: str) -> str:
    """Setting B's file when first shown: workshops.toml beside any other file, baseline.toml beside it."""
    stems = {Path(f).stem: f for f in files}
    wanted = "baseline" if Path(current).stem == "workshops" else "workshops"
    return stems.get(wanted) or next((f for f in files if f != current), current)


def differences_table(pair: SideBySide) -> str:
    """HTML table: A, B and B - A at the latest week both have run."""
    head = "<tr><th></th><th>A</th><th>B</th><th>B − A</th></tr>"
    body = "".join(
        f"<tr><td>{label}</td><td>{a}</td><td>{b}</td><td class='diff'>{d}</td></tr>"
        for label, a, b, d in pair.rows_now()
    )
    return f"<table class='side-by-side-table'><thead>{head}</thead><tbody>{body}</tbody></table>"


@solara.component
def VariantControls(
    kind: solara.Reactive[str],
    file: solara.Reactive[str],
    param: solara.Reactive[str],
    value: solara.Reactive[float],
    intervention: solara.Reactive[str],
    files: list[str],
    a_values: dict[str, float],
):
    """Where setting B comes from, and its file, parameter value or intervention."""
    stems = {Path(f).stem: f for f in files}
    labels = {key: label for label, key in PARAM_LABELS.items()}
    solara.Select(
        "Setting B",
        value=KINDS[kind.value],
        values=list(KINDS.values()),
        on_value=lambda label: kind.set(KIND_BY_LABEL[label]),
    )
    if kind.value == "file":
        solara.Select(
            "Scenario B",
            value=Path(file.value).stem,
            values=list(stems),
            on_value=lambda stem: file.set(stems[stem]),
        )
    elif kind.value == "param":

        def choose(label: str) -> None:
            param.set(PARAM_LABELS[label])
            value.set(float(a_values[PARAM_LABELS[label]]))

        solara.Select("Parameter", value=labels[param.value], values=list(PARAM_LABELS), on_value=choose)
        solara.InputFloat(
            f"B's value (A: {a_values[param.value]:g})",
            value=value.value,
            on_value=lambda v: value.set(float(v)) if v is not None else None,
            classes=["variant-value"],
        )
    else:
        solara.Select(
            "Intervention",
            value=CONFIGS[intervention.value].label,
            values=list(INTERVENTION_LABELS),
            on_value=lambda label: intervention.set(INTERVENTION_LABELS[label]),
        )


@solara.component
def SideBySidePanel(model: solara.Reactive, files: list[str], tick: int = 0):
    """The card's contents: the two switches, setting B, the picture, the table and the notes
    (`tick`: Mesa's step counter, read by the page, redraws it at each step)."""
    a = model.value
    compare_on = solara.use_reactive(False)
    ensemble_on = solara.use_reactive(False)
    replications = solara.use_reactive(DEFAULT_REPLICATIONS)
    kind = solara.use_reactive("file")
    file = solara.use_reactive(default_file(files, a.settings.scenario_path))
    param = solara.use_reactive(FIRST_PARAM)
    value = solara.use_reactive(FIRST_PARAM_VALUE)
    intervention = solara.use_reactive("workshop")

    variant: Variant | None = None
    if compare_on.value:
        if kind.value == "file":
            variant = Variant("file", scenario_path=file.value)
        elif kind.value == "param":
            variant = Variant("param", key=param.value, value=value.value)
        else:
            switched = not a.settings.interventions[intervention.value].enabled
            variant = Variant("intervention", key=intervention.value, value=float(switched))

    def make_pair() -> tuple[SideBySide | None, str | None]:
        if variant is None:
            return None, None
        try:
            return SideBySide.following(a, variant), None
        except (ValueError, UserError) as exc:  # B's values or B's file do not make a valid scenario
            return None, f"setting B: {exc}"

    pair, problem = solara.use_memo(make_pair, [a, variant])
    if pair is not None:
        pair.sync()

    count = int(replications.value)
    wanted = ensemble_on.value and MIN_REPLICATIONS <= count <= MAX_REPLICATIONS
    key = ensemble_key(a.config, count) if wanted else None

    def compute() -> Ensemble | None:
        return run_ensemble(a.config, checked_replications(count)) if wanted else None

    result = solara.use_thread(compute, dependencies=[key], intrusive_cancel=False)
    ready = result.value if result.state == solara.ResultState.FINISHED else None
    failed = str(result.error) if result.state == solara.ResultState.ERROR else None

    shown = compare_on.value or ensemble_on.value
    picture: ComparisonPicture | None = solara.use_memo(
        lambda: (
            ComparisonPicture(
                pair.horizon if pair is not None else a.horizon, pair is not None, PICTURE_WIDTH, PICTURE_HEIGHT
            )
            if shown
            else None
        ),
        [a, pair, shown],
    )
    solara.Style(CSS)
    with solara.Column(gap="4px", style={"max-width": f"{PICTURE_WIDTH}px"}):
        with solara.Row(gap="16px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Switch(label="Side by side with a setting B", value=compare_on, classes=["side-by-side-switch"])
            solara.Switch(label="Ensemble band", value=ensemble_on, classes=["ensemble-switch"])
            if ensemble_on.value:
                solara.InputInt(
                    f"Replications ({MIN_REPLICATIONS}-{MAX_REPLICATIONS})",
                    value=replications,
                    dense=True,
                    hide_details=True,
                    classes=["ensemble-size"],
                    style={"max-width": "150px"},
                )
        if not (compare_on.value or ensemble_on.value):
            solara.Text(
                "Run a second setting in lockstep (same seed and network), or N replications in the background "
                "to see whether this run is typical.",
                style={"font-size": "12px", "color": "#666"},
            )
            return
        if compare_on.value:
            VariantControls(kind, file, param, value, intervention, files, a.settings.values)
        if problem:
            solara.Error(problem)
        if ensemble_on.value and not wanted:
            solara.Error(f"ensemble size must be {MIN_REPLICATIONS}-{MAX_REPLICATIONS} replications, not {count}")
        assert picture is not None
        shown_band = ready if wanted else None
        if picture.band_source is not shown_band:
            picture.set_band(shown_band)
        if pair is not None:
            series_a, series_b = pair.series()
            png = picture.render(series_a, series_b, shown_band)
        else:
            series = a.datacollector.model_vars
            png = picture.render({name: series[name] for name in picture.a_lines}, None, shown_band)
        solara.v.Html(
            tag="img",
            attributes={
                "src": data_url(png),
                "width": str(PICTURE_WIDTH),
                "height": str(PICTURE_HEIGHT),
                "alt": "side by side",
            },
            class_="side-by-side-picture",
        )
        if ensemble_on.value and wanted:
            solara.Text(ensemble_note(count, ready, failed), classes=["ensemble-note"], style={"font-size": "12px"})
        if pair is not None:
            solara.Text(
                f"Week {pair.week}. A: {Path(a.settings.scenario_path).stem} as built by the last Reset; "
                f"B: {pair.label}.",
                classes=["side-by-side-week"],
                style={"font-size": "13px"},
            )
            solara.Text(
                pair.shared.note(), classes=["side-by-side-start"], style={"font-size": "12px", "color": "#555"}
            )
            if pair.b.horizon < a.week:
                solara.Text(f"B's scenario ends at week {pair.b.horizon}.", style={"font-size": "12px"})
            solara.HTML(tag="div", unsafe_innerHTML=differences_table(pair), classes=["side-by-side-differences"])


@solara.component
def SideBySideCard(model: solara.Reactive, files: list[str], tick: int = 0):
    """The card on the page (its switches are off when the page opens)."""
    with solara.Card("Side by side", margin=0, classes=["side-by-side-card"]):
        SideBySidePanel(model, files, tick)
