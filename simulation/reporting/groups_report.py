"""The report's "By department and role": the final shares and clinician-hours of each department and
role, and each plan's difference from the baseline with its interval, as tables and a chart.

Every number comes from groups.csv (`simulation.results.groups`), read back from the run folder; the
chart (`plots.groups`) is drawn into the folder's plots/ beside the others.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from simulation.reporting.document import Block
from simulation.reporting.format import INTERVAL, fmt_count, fmt_hours, fmt_pct, fmt_points
from simulation.reporting.plots.groups import MAX_PANELS, group_label, plot_group_differences
from simulation.reporting.plots.style import baseline_label
from simulation.reporting.run_tables import RunTables, truthy
from simulation.results.table_files import has_table, read_table

HEADING = "By department and role"
FIGURE = "groups_skeptical.png"
PLANS_PER_TABLE = 3  # plan columns per table, so a table fits a 1,280 px page and A4


def read_groups(folder: Path) -> pd.DataFrame | None:
    """The groups table of a run folder (groups.parquet or groups.csv; group names kept as written: 'NA'
    is a name), or None."""
    if not has_table(folder, "groups"):
        return None
    return read_table(folder, "groups", text=("scenario", "group_type", "group", "compared", "paired"), as_csv=True)


def _rows(groups: pd.DataFrame, name: str, attributable: bool = True) -> pd.DataFrame:
    rows = groups[groups["scenario"] == name]
    kinds = ["department", "role"] if attributable else ["department", "role", "not attributable"]
    return rows[rows["group_type"].isin(kinds)]


def _label(row: pd.Series) -> str:
    if row["group_type"] == "not attributable":
        return "Not attributable (facilitators, trainers, preparation)"
    return group_label(str(row["group_type"]), str(row["group"]))


def _plan_cell(row: pd.Series | None) -> str:
    if row is None:
        return "–"
    level = fmt_pct(row["share_skeptical"])
    if pd.isna(row["skeptical_difference"]):
        return level
    difference = fmt_points(row["skeptical_difference"])
    if pd.isna(row["skeptical_ci_low"]) or pd.isna(row["skeptical_ci_high"]):
        return f"{level} ({difference}; no interval: too few runs)"
    low, high = fmt_points(row["skeptical_ci_low"]), fmt_points(row["skeptical_ci_high"])
    return f"{level} ({difference}; {low} to {high})"


def _by_group(groups: pd.DataFrame, name: str, attributable: bool = True) -> dict[tuple[str, str], pd.Series]:
    return {(str(r["group_type"]), str(r["group"])): r for _, r in _rows(groups, name, attributable).iterrows()}


def _extremes(groups: pd.DataFrame, name: str) -> str:
    """'workshops: most in Radiology (-6.7 points), least in Pediatrics (-3.2)' over departments."""
    rows = _rows(groups, name)
    rows = rows[(rows["group_type"] == "department") & rows["skeptical_difference"].notna()]
    if len(rows) < 2:
        return ""
    ordered = rows.sort_values("skeptical_difference", kind="stable")
    most, least = ordered.iloc[0], ordered.iloc[-1]
    return (
        f"**{name}**: the largest change in {most['group']} ({fmt_points(most['skeptical_difference'])} points), "
        f"the smallest in {least['group']} ({fmt_points(least['skeptical_difference'])})."
    )


def _comparison_tables(t: RunTables, groups: pd.DataFrame, plans: list[str]) -> list[Block]:
    base = _by_group(groups, t.baseline)
    plan_rows = {name: _by_group(groups, name) for name in plans}
    blocks = []
    for start in range(0, len(plans), PLANS_PER_TABLE):
        chunk = plans[start : start + PLANS_PER_TABLE]
        rows = [
            [_label(row), fmt_count(row["clinicians"]), fmt_pct(row["share_skeptical"])]
            + [_plan_cell(plan_rows[name].get(key)) for name in chunk]
            for key, row in base.items()
        ]
        header = ["Department or role", "Clinicians", baseline_label(t.baseline), *chunk]
        blocks.append(Block("table", header=header, rows=rows, align="l" + "r" * (len(header) - 1)))
    names = [t.baseline, *plans]
    hours = {name: _by_group(groups, name, attributable=False) for name in names}
    rows = []
    for key, row in hours[t.baseline].items():
        cells = [fmt_hours(hours[name][key]["hours"]) if key in hours[name] else "–" for name in names]
        rows.append([_label(row), *cells])
    blocks += [
        Block(
            "p",
            "Clinician-hours per run spent on each group (its clinicians' own time in sessions, briefings and as "
            "champions; the hours of facilitators, trainers and preparation belong to no group): the "
            "departments' hours plus the row 'not attributable' make the scenario's clinician-hours, and so do "
            "the roles'.",
        ),
        Block(
            "table",
            header=["Department or role", *(baseline_label(n) if n == t.baseline else n for n in names)],
            rows=rows,
            align="l" + "r" * len(names),
        ),
    ]
    return blocks


def _single_table(t: RunTables, groups: pd.DataFrame) -> Block:
    rows = [
        [
            _label(row),
            fmt_count(row["clinicians"]),
            fmt_pct(row["share_skeptical"]),
            fmt_pct(row["share_verify"]),
            fmt_pct(row["share_primary"]),
            fmt_hours(row["hours"]),
        ]
        for row in _by_group(groups, t.baseline, attributable=False).values()
    ]
    header = ["Department or role", "Clinicians", "Skeptical", "Verifying", "AI as primary aid", "Clinician-hours"]
    return Block("table", header=header, rows=rows, align="l" + "r" * (len(header) - 1))


def groups_blocks(t: RunTables, plot_dir: Path | None = None) -> list[Block]:
    """The section (nothing without groups.csv); its chart is drawn into `plot_dir` (default: the run
    folder's plots/) when plans are compared."""
    groups = read_groups(t.folder)
    if groups is None or groups.empty or not (groups["scenario"] == t.baseline).any():
        return []
    compared = set(groups.loc[groups["compared"].map(truthy), "scenario"])
    plans = [name for name in t.ranked() if name in compared]
    blocks = [Block("h2", HEADING)]
    if not plans:
        blocks += [
            Block(
                "p",
                "Where each department and role ends: its clinicians, the share skeptical of clinical AI and the "
                "shares verifying with AI and using it as the primary aid at the end (mean across runs), and the "
                "clinician-hours spent on its clinicians per run (groups.csv). Weighted by their clinicians, the "
                "departments' shares add up to the hospital's, and so do the roles'.",
            ),
            _single_table(t, groups),
        ]
        return blocks
    blocks.append(
        Block(
            "p",
            "The share of each department's and role's clinicians who are skeptical of clinical AI at the end "
            "(mean across runs), for the baseline and each plan, with the plan's difference from the baseline in "
            f"percentage points and its {INTERVAL} in brackets (groups.csv; the shares verifying and using AI as "
            "the primary aid are there too). Weighted by their clinicians, the departments' shares add up to the "
            "hospital's, and so do the roles'. Where a plan acts on everyone alike, departments differ mostly by "
            "chance; a plan aimed at one department or role should show there. "
            + " ".join(s for s in (_extremes(groups, name) for name in plans) if s),
        )
    )
    blocks += _comparison_tables(t, groups, plans)
    folder = plot_dir if plot_dir is not None else t.folder / "plots"
    path = plot_group_differences(groups, plans, folder / FIGURE, t.baseline)
    rel = Path(os.path.relpath(path.resolve(), t.folder.resolve())).as_posix()
    shown = "each plan" if len(plans) <= MAX_PANELS else "the best-ranked plans (groups.csv holds them all)"
    blocks += [
        Block(
            "p",
            f"The chart shows, for {shown}, the difference in the share skeptical from the baseline in each "
            f"department and role: a dot with its {INTERVAL}; left of the line, fewer skeptics than the baseline.",
        ),
        Block("img", "Skeptical share by department and role", path=rel),
    ]
    return blocks
