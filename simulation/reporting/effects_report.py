"""The report's "The effect over time": each plan's effect on skepticism at the end of its programme
and six months later, with a sentence when it fades (effects.csv, `simulation.results.effects`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulation.reporting.document import Block
from simulation.reporting.format import as_number, fmt_points
from simulation.reporting.run_tables import RunTables
from simulation.results.table_files import has_table, read_table

LATER = 26  # weeks: "six months later"
FADED = 0.25  # a quarter of the effect gone counts as fading


def read_effects(folder: Path) -> pd.DataFrame | None:
    return read_table(folder, "effects", as_csv=True) if has_table(folder, "effects") else None


def _at(rows: pd.DataFrame, step: int) -> pd.Series | None:
    hit = rows[rows["step"] == step]
    return None if hit.empty else hit.iloc[0]


def _cell(row: pd.Series) -> str:
    return f"{fmt_points(row['difference'])} ({fmt_points(row['chance_low'])} to {fmt_points(row['chance_high'])})"


def effect_sentence(rows: pd.DataFrame, name: str) -> str:
    """'workshops: -6.1 points at the end of its programme (week 78), -5.3 six months later (week 104):
    a quarter of the effect has faded.' from one plan's share_skeptical rows of effects.csv."""
    last = int(rows["step"].max())
    end_values = rows["programme_end"].dropna()
    if end_values.empty:
        final = _at(rows, last)
        return f"**{name}**: {fmt_points(final['difference'])} points at week {last}." if final is not None else ""
    end = int(end_values.iloc[0])
    at_end = _at(rows, end)
    if at_end is None:
        return ""
    text = f"**{name}**: {fmt_points(at_end['difference'])} points at the end of its programme (week {end})"
    later = _at(rows, end + LATER) if end + LATER <= last else None
    if later is None:
        final = _at(rows, last)
        if final is not None and last > end:
            text += f", {fmt_points(final['difference'])} at the end of the run (week {last}, {last - end} weeks later)"
        return text + "; the run ends before six months after the programme."
    text += f", {fmt_points(later['difference'])} six months later (week {end + LATER})"
    a, b = as_number(at_end["difference"]), as_number(later["difference"])
    if a is not None and b is not None and a != 0 and (a - b) / a > FADED:
        text += ": the effect fades once the sessions stop"
    elif a is not None and b is not None and a != 0 and (b - a) / a > FADED:
        text += ": the effect keeps growing after the programme"
    return text + "."


def effects_blocks(t: RunTables, figure: str | None) -> list[Block]:
    effects = read_effects(t.folder)
    if effects is None or effects.empty:
        return []
    skeptical = effects[effects["outcome"] == "share_skeptical"]
    sentences = [s for s in (effect_sentence(skeptical[skeptical["scenario"] == n], n) for n in t.ranked()) if s]
    rows = []
    for name in t.ranked():
        part = skeptical[skeptical["scenario"] == name]
        if part.empty:
            continue
        end_values = part["programme_end"].dropna()
        end = int(end_values.iloc[0]) if not end_values.empty else None
        last = int(part["step"].max())
        cells = []
        for step in (end, None if end is None else end + LATER, last):
            row = None if step is None or step > last else _at(part, step)
            cells.append(_cell(row) if row is not None else "–")
        rows.append([name, "–" if end is None else str(end), *cells])
    blocks = [
        Block("h2", "The effect over time"),
        Block(
            "p",
            "Each plan's difference in the share of skeptical clinicians from the baseline, week by week (paired "
            "runs; effects.csv), in percentage points with the range of 95 % of runs in brackets (chance alone). "
            "Effects that rest on sessions fade after the last one: " + " ".join(sentences),
        ),
        Block(
            "table",
            header=["Plan", "Programme ends (week)", "At its end", "Six months later", "End of run"],
            rows=rows,
        ),
    ]
    if figure:
        blocks.append(Block("img", "The effect over time", path=figure))
    return blocks
