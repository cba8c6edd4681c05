"""The report's appendix on network dependence: diagnostics.csv (`simulation.results.diagnostics`) as
two tables, Moran's I and adoption clustering, and Rogers' adopter categories."""

from __future__ import annotations

import pandas as pd

from simulation.reporting.document import Block
from simulation.reporting.format import fmt_count, fmt_num, fmt_pct
from simulation.reporting.run_tables import RunTables
from simulation.results.diagnostics import ROGERS
from simulation.results.table_files import has_table, read_table

TESTS = (("morans_i_attitude", "Moran's I, attitude"), ("morans_i_ai_use", "Moran's I, AI use"))
CATEGORY_LABELS = {
    "innovators": "Innovators",
    "early_adopters": "Early adopters",
    "early_majority": "Early majority",
    "late_majority": "Late majority",
    "laggards": "Laggards",
    "non_adopters": "Never used AI",
}


def _p(value: float) -> str:
    """A p-value with 3 decimals; the smallest a 999-permutation test can give, 1/1000, as '≤ 0.001'."""
    return "n/a" if pd.isna(value) else ("≤ 0.001" if value <= 0.001 else fmt_num(value, 3))


def diagnostics_blocks(t: RunTables) -> list[Block]:
    """The appendix blocks; nothing when the folder has no diagnostics table (or an empty one)."""
    if not has_table(t.folder, "diagnostics"):
        return []
    frame = read_table(t.folder, "diagnostics", text=("scenario", "statistic"), as_csv=True)
    if frame.empty:
        return []
    dependence, categories = [], []
    for name in t.scenarios["scenario"]:
        rows = frame[frame["scenario"] == str(name)].set_index("statistic")
        if rows.empty:
            continue
        cells = [str(name)]
        for key, _ in TESTS:
            value, expected, p = rows.at[key, "value"], rows.at[key, "expected"], rows.at[key, "p_value"]
            cells.append(f"{fmt_num(value, 3)} (expected {fmt_num(expected, 3)}, p {_p(p)})")
        share = rows.loc["adopter_tie_share"]
        cells.append(f"{fmt_pct(share['value'])} vs {fmt_pct(share['expected'])} (p {_p(share['p_value'])})")
        dependence.append(cells)
        categories.append([str(name), *(fmt_count(rows.at[key, "value"]) for key in CATEGORY_LABELS)])
        normal = [fmt_count(rows.at[key, "expected"]) for key, _ in ROGERS]
        categories.append([f"{name}: normal curve", *normal, "-"])
    if not dependence:
        return []
    return [
        Block("h2", "Appendix: is AI use clustered on the network?"),
        Block(
            "p",
            "At the end of the first replication. Moran's I measures whether colleagues are more alike than "
            "clinicians drawn at random: close to its expected value (slightly below zero) when the network "
            "plays no part, up to one when every tie joins like with like. AI use counts any use (verify or "
            "primary). Adoption clustering is, of the ties that touch a clinician who has used AI, the share "
            "that join two such clinicians, against the same share when who adopted is shuffled at random. "
            "Each p is the chance that shuffling gives a value at least as high (a permutation test): a small "
            "p means clustering beyond chance.",
        ),
        Block(
            "table",
            header=["Scenario", *(label for _, label in TESTS), "Adopters' ties joining two adopters"],
            rows=dependence,
            align="l" + "r" * (len(TESTS) + 1),  # one label column, then numbers
        ),
        Block(
            "p",
            "Rogers' adopter categories: clinicians who used AI, by the week they first did, cut at one and two "
            "standard deviations around the mean week, with the counts a normal curve of adoption weeks would "
            "give. Clinicians who used AI from the start count as adopters of the first week, so when many did "
            "they fill one category and the counts depart from the normal curve.",
        ),
        Block(
            "table",
            header=["Scenario", *CATEGORY_LABELS.values()],
            rows=categories,
            align="l" + "r" * len(CATEGORY_LABELS),  # one label column, then counts
        ),
    ]
