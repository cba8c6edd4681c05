"""The report's "The same plan in different hospitals" (hospitals.csv, `simulate compare --across-hospitals`):
each plan's effect in the baseline's hospital and in every other hospital of the comparison."""

from __future__ import annotations

from simulation.reporting.document import Block
from simulation.reporting.format import diff_format, fmt_count, fmt_hours, is_missing, value_format
from simulation.reporting.labels import COMPARED_LABELS
from simulation.reporting.run_tables import RunTables
from simulation.results.table_files import has_table, read_table

SHOWN = "share_skeptical"


def hospitals_blocks(t: RunTables) -> list[Block]:
    if not has_table(t.folder, "hospitals"):
        return []
    frame = read_table(t.folder, "hospitals", as_csv=True)
    rows = []
    for _, row in frame[frame["outcome"] == SHOWN].iterrows():
        fmt = diff_format(SHOWN)
        interval = "" if is_missing(row["ci_low"]) else f" ({fmt(row['ci_low'])} to {fmt(row['ci_high'])})"
        rows.append(
            [
                str(row["plan"]),
                f"{row['hospital']} ({fmt_count(row['clinicians'])} clinicians)",
                value_format(SHOWN)(row["hospital_mean"]),
                value_format(SHOWN)(row["plan_mean"]),
                fmt(row["difference"]) + interval,
                fmt_hours(row["extra_cost_hours"]),
            ]
        )
    label = COMPARED_LABELS.get(SHOWN, SHOWN)
    return [
        Block("h2", "The same plan in different hospitals"),
        Block(
            "p",
            "Each plan run in every hospital of the comparison: that hospital's file with the plan's interventions, "
            "compared with the hospital without them (paired runs). A plan that helps one hospital may do less in "
            f"another: a larger hospital spreads the same seats thinner. {label} share at the end, the difference in "
            "percentage points with its 95 % interval (hospitals.csv has the other outcomes).",
        ),
        Block(
            "table",
            header=["Plan", "Hospital", "Without the plan", "With the plan", "Difference", "Clinician-hours"],
            rows=rows,
        ),
    ]
