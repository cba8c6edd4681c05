"""How the report writes targets: their plain description, the first-target sentence and one table per
target (targets.csv)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulation.reporting.document import Block
from simulation.reporting.format import INTERVAL, RANGE_NOTE, fmt_pct, fmt_pct_range, fmt_week, is_missing, value_format
from simulation.reporting.labels import METRIC_NAMES
from simulation.reporting.plots.style import baseline_label
from simulation.reporting.run_tables import RunTables, run_weeks


def target_parts(row: Mapping[str, Any], steps: int | None = None) -> tuple[str | None, str]:
    """(planner's label or None, 'skeptical at most 22.0% by week 20[; evaluated up to week 52, ...]')."""
    metric = str(row["metric"])
    how = "at least" if row["direction"] == "at_least" else "at most"
    plain = f"{METRIC_NAMES.get(metric, metric)} {how} {value_format(metric)(row['threshold'])} by week {fmt_week(row['by_week'])}"
    if steps is not None and not is_missing(row["by_week"]) and float(row["by_week"]) > steps:
        plain += f"; evaluated up to week {steps}, the end of the run"
    label = str(row["target"])
    return (None if label.startswith(metric) else label), plain


def target_plain(row: Mapping[str, Any], steps: int | None = None) -> str:
    """'“label” (plain)' or just the plain description."""
    label, plain = target_parts(row, steps)
    return plain if label is None else f"“{label}” ({plain})"


def first_target_sentence(t: RunTables, name: str) -> str | None:
    """Probability that ``name`` reaches the first target (and the baseline's, when it is another scenario)."""
    if t.targets.empty:
        return None
    first = t.target_names()[0]
    rows = t.targets[t.targets["target"].astype(str) == first]
    mine = rows[rows["scenario"] == name]
    if mine.empty:
        return None
    m = mine.iloc[0]
    label, plain = target_parts(m, run_weeks(t))
    what = f"“{label}” ({plain})" if label else f"({plain})"
    interval = f"{INTERVAL} {fmt_pct_range([m['probability_low'], m['probability_high']])}"
    if name == t.baseline:
        return f"The chance of reaching the first target {what} was {fmt_pct(m['probability'])} ({interval})."
    text = f"The chance of reaching the first target {what} was {fmt_pct(m['probability'])} with {name} ({interval})"
    base = rows[rows["scenario"] == t.baseline]
    if not base.empty:
        text += f" against {fmt_pct(base.iloc[0]['probability'])} in the baseline"
    return text + "."


def targets_blocks(t: RunTables) -> list[Block]:
    """One small table per target: the scenarios (baseline first, then by rank) and how often they reach it."""
    header = [
        "Scenario",
        f"Probability by the deadline ({INTERVAL})",
        "Runs reaching it by the deadline",
        "Runs reaching it at all",
        f"Median week first reached ({RANGE_NOTE})",
    ]
    order = {name: i for i, name in enumerate([t.baseline] + t.ranked())}
    blocks = []
    for number, target in enumerate(t.target_names(), start=1):
        rows_t = t.targets[t.targets["target"].astype(str) == target]
        rows_t = rows_t.assign(_order=rows_t["scenario"].map(order)).sort_values("_order", kind="stable")
        label, plain = target_parts(rows_t.iloc[0], run_weeks(t))
        heading = f"Target {number}: {label}" if label else f"Target {number}: {plain}"
        blocks.append(Block("h3", heading))
        if label:
            blocks.append(Block("p", plain[:1].upper() + plain[1:] + "."))
        rows = []
        for _, r in rows_t.iterrows():
            week = "never reached"
            if not is_missing(r.get("median_week_reached")):
                week = fmt_week(r["median_week_reached"])
                if not (is_missing(r.get("week_reached_low")) or is_missing(r.get("week_reached_high"))):
                    week += f" ({fmt_week(r['week_reached_low'])}–{fmt_week(r['week_reached_high'])})"

            def of(key: str, r=r) -> str:
                if key not in r or is_missing(r[key]) or is_missing(r.get("replications")):
                    return "n/a"
                return f"{fmt_week(r[key])} of {fmt_week(r['replications'])}"

            name = str(r["scenario"])
            rows.append(
                [
                    baseline_label(name) if name == t.baseline else name,
                    f"{fmt_pct(r['probability'])} ({fmt_pct_range([r['probability_low'], r['probability_high']])})",
                    of("reached_by_deadline"),
                    of("reached_ever"),
                    week,
                ]
            )
        blocks.append(Block("table", header=header, rows=rows))
    return blocks
