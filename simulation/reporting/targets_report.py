"""How the report writes targets: their plain description, the summary's sentences (the plan's own
targets, which targets.csv lists first) and one table per target (targets.csv)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
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


def summary_targets(t: RunTables) -> list[str]:
    """The targets the summary covers: the plan's own (targets.csv `own`), or every target when the
    plan writes none (or the table predates the column); in targets.csv's order."""
    names = t.target_names()
    if "own" not in t.targets.columns:
        return names
    own = t.targets[t.targets["own"].astype(str).str.lower() == "true"]
    mine = [name for name in names if name in set(own["target"].astype(str))]
    return mine or names


def target_sentences(t: RunTables, name: str) -> list[str]:
    """One sentence: the probability that ``name`` reaches each target of the summary
    (`summary_targets`), and the baseline's when ``name`` is another scenario; [] without targets."""
    clauses = []
    for target in summary_targets(t):
        rows = t.targets[t.targets["target"].astype(str) == target]
        mine = rows[rows["scenario"] == name]
        if mine.empty:
            continue
        m = mine.iloc[0]
        label, plain = target_parts(m, run_weeks(t))
        what = f"“{label}” ({plain})" if label else plain
        interval = f"{INTERVAL} {fmt_pct_range([m['probability_low'], m['probability_high']])}"
        base = rows[rows["scenario"] == t.baseline]
        against = ""
        if name != t.baseline and not base.empty:
            against = f" against {fmt_pct(base.iloc[0]['probability'])}"
        clauses.append((what, fmt_pct(m["probability"]), interval, against))
    if not clauses:
        return []
    who = "" if name == t.baseline else f" with {name}"
    baseline = " in the baseline" if any(c[3] for c in clauses) else ""
    if len(clauses) == 1:
        what, p, interval, against = clauses[0]
        what = what if what.startswith("“") else f"({what})"
        return [f"The chance of reaching the target {what} was {p}{who} ({interval}){against}{baseline}."]
    (what, p, interval, against), *rest = clauses
    text = f"The chance of reaching each target was {p}{who} ({interval}){against}{baseline} for {what}"
    text += "".join(f"; {p} ({interval}){against} for {what}" for what, p, interval, against in rest)
    return [text + "."]


def inherited_from(t: RunTables, target: str) -> str | None:
    """The file an inherited target comes from (targets.csv `source`), when the plan has own targets
    beside it; None for the plan's own targets or when nothing tells them apart."""
    if not {"own", "source"} <= set(t.targets.columns) or set(summary_targets(t)) == set(t.target_names()):
        return None
    row = t.targets[t.targets["target"].astype(str) == target].iloc[0]
    if str(row["own"]).lower() == "true" or is_missing(row["source"]):
        return None
    return Path(str(row["source"])).name


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
        source = inherited_from(t, target)
        if source:
            heading += f" (inherited from {source})"
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
        nearest = nearest_sentence(t, rows_t)
        if nearest:
            blocks.append(Block("p", nearest))
    return blocks


# A target reached by the deadline in fewer than this share of runs by every scenario is "not reached".
REACHED = 0.5


def nearest_sentence(t: RunTables, rows: Any) -> str:
    """What it would take to reach a target that no scenario reaches in most runs: the nearest
    scenario (highest probability, then the typical run closest to the threshold at the deadline),
    its probability, and how far its typical (median) run is from the threshold at the deadline."""
    compared = rows[rows["scenario"].isin([t.baseline, *t.alternatives])]
    if compared.empty or (compared["probability"].astype(float) >= REACHED).any():
        return ""
    first = compared.iloc[0]
    metric, threshold, at_least = str(first["metric"]), float(first["threshold"]), first["direction"] == "at_least"
    week = int(min(float(first["by_week"]), run_weeks(t)))

    def typical(name: str) -> float | None:
        bands = t.steps.get(name)
        if bands is None:
            return None
        frame = bands.bands(metric)
        return float(frame["p50"].loc[week]) if week in frame.index else None

    def gap(name: str) -> float:
        value = typical(name)
        return float("inf") if value is None else (threshold - value if at_least else value - threshold)

    best = min(compared.itertuples(), key=lambda r: (-float(r.probability), gap(str(r.scenario))))
    name = str(best.scenario)
    value = typical(name)
    fmt = value_format(metric)
    text = (
        f"No scenario reaches this target in most runs. The nearest is {name} "
        f"({fmt_pct(best.probability)} of runs reach it by week {fmt_week(first['by_week'])})"
    )
    if value is not None:
        missing = abs(threshold - value)
        shown = f"{100 * missing:.1f} percentage points" if fmt is fmt_pct else f"{missing:.2f}"
        text += (
            f"; its typical run is at {fmt(value)} in week {week}, {shown} short of {fmt(threshold)}: reaching it "
            "would take a plan that moves this outcome that much further, or a later deadline"
        )
    return text + "."
