"""Plain-language names of outcomes and figures in the reports, read from the outcome catalogue.

`OUTCOME_LABELS` (the report's tables and the experiments' axes), `COMPARED_LABELS` (the ranking
table's columns) and `METRIC_NAMES` (targets inside a sentence) are the `label`, `short` and
`phrase` fields of `simulation.outcomes`; only the display order of the tables is kept here.
"""

from __future__ import annotations

from simulation.outcomes import CATALOGUE, COMPARED, REPORT_ORDER, outcome

# Display order of the outcomes in the report's tables (outcomes.REPORT_ORDER); unknown outcomes follow
# alphabetically.
DISPLAY_ORDER: tuple[str, ...] = REPORT_ORDER
# Plain-language names, in display order ('{unit}' is replaced by the report's time unit).
OUTCOME_LABELS: dict[str, str] = {name: str(outcome(name).label) for name in DISPLAY_ORDER}
# Column names of the outcomes of comparison.csv in the ranking table.
COMPARED_LABELS: dict[str, str] = {name: str(outcome(name).short) for name in COMPARED}
# Names of target metrics inside a sentence ('skeptical at most 22.0% by week 20').
METRIC_NAMES: dict[str, str] = {o.name: o.phrase for o in CATALOGUE if o.phrase}

# name -> (heading, one sentence on how to read it); unknown plots get a generic text.
PLOT_INFO: dict[str, tuple[str, str]] = {
    "modes_and_skepticism": (
        "AI use and skepticism over time",
        "Each line is the typical (median) run and the shaded bands show how much runs differ; "
        "the dashed line is the share of skeptical clinicians, and the three solid lines "
        "(no use, verify, primary aid) together cover all clinicians.",
    ),
    "network_start_end": (
        "The clinician network at the start and at the end",
        "Each dot is a clinician and each grey line a working relationship; compare left (start) "
        "with right (end) to see where skepticism (red, top) and AI use (bottom) cluster or spread.",
    ),
    "competence_gap": (
        "Do peers rate AI users as less competent?",
        "Above the zero line, clinicians who use AI are rated less competent by their peers than "
        "non-users, which discourages adoption; below it, using AI earns respect.",
    ),
}
