"""The report's answer first, and how sure it is: uncertainty.csv, drivers.csv and unknowns.csv.

`answer_blocks` is the short answer a planner reads first (best plan, by how much, how sure across
both kinds of uncertainty, at what cost, which assumption it hinges on); `uncertainty_blocks` the
table of both intervals and the chances across worlds, and what the answer hinges on;
`assumptions_blocks` the ranges drawn, with their reasons. Every number comes from the CSV files
of the run folder (`simulation.results.uncertainty` writes them); without them (uncertainty.worlds
= 0) the answer says that only chance was measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulation.outcomes import COMPARED, outcome
from simulation.reporting.document import Block
from simulation.reporting.effects_report import effect_sentence, read_effects
from simulation.reporting.format import (
    as_number,
    diff_format,
    fmt_chance,
    fmt_hours,
    fmt_num,
    fmt_pct,
    is_missing,
    value_format,
)
from simulation.reporting.labels import COMPARED_LABELS
from simulation.reporting.run_tables import RunTables, run_weeks
from simulation.results.table_files import has_table, read_table

# The outcome the answer leads with (the ranking's order too: RunTables.ranked).
LEAD = "share_skeptical"
# Worlds in which a plan must beat the baseline for the answer to call it a safe choice.
SURE = 0.9
DRIVERS_SHOWN = 3


@dataclass
class UncertaintyFiles:
    uncertainty: pd.DataFrame
    drivers: pd.DataFrame
    unknowns: pd.DataFrame

    def row(self, scenario: str, name: str) -> pd.Series | None:
        rows = self.uncertainty[(self.uncertainty["scenario"] == scenario) & (self.uncertainty["outcome"] == name)]
        return None if rows.empty else rows.iloc[0]

    def top_drivers(self, scenario: str, name: str, count: int = DRIVERS_SHOWN) -> pd.DataFrame:
        rows = self.drivers[(self.drivers["scenario"] == scenario) & (self.drivers["outcome"] == name)]
        rows = rows[rows["rank_correlation"].notna()]
        return rows.sort_values("rank").head(count)

    @property
    def worlds(self) -> int:
        return int(self.uncertainty["worlds"].iloc[0])

    @property
    def world_replications(self) -> int:
        return int(self.uncertainty["world_replications"].iloc[0])

    def reason(self, key: str) -> str:
        rows = self.unknowns[self.unknowns["key"] == key]
        return "" if rows.empty else str(rows.iloc[0]["reason"])

    def range_text(self, key: str) -> str:
        rows = self.unknowns[self.unknowns["key"] == key]
        if rows.empty:
            return ""
        row = rows.iloc[0]
        low, high = float(row["low"]), float(row["high"])
        if row["form"] == "times":
            return f"×{low:g} to ×{high:g}"
        if row["form"] == "plus":
            return f"{low:+g} to {high:+g}"
        return f"{low:g} to {high:g}"


UNKNOWNS_TEXT = ("key", "form", "shape", "reason")  # text columns of unknowns.csv ('' when empty)


def read_uncertainty(folder: Path) -> UncertaintyFiles | None:
    """The uncertainty files of a run folder, or None when the run drew no worlds."""
    if not has_table(folder, "uncertainty"):
        return None
    return UncertaintyFiles(
        read_table(folder, "uncertainty", as_csv=True),
        read_table(folder, "drivers", as_csv=True),
        read_table(folder, "unknowns", text=UNKNOWNS_TEXT, as_csv=True).fillna(dict.fromkeys(UNKNOWNS_TEXT, "")),
    )


def plain_key(key: str) -> str:
    """A key path in words, from the schema's description: "weeks until half of a session's effect
    has faded (workshop)"."""
    from simulation.scenario.interventions import CONFIGS
    from simulation.scenario.schema import Scenario

    parts = key.split(".")
    description = ""
    try:
        if parts[0] == "interventions":
            description = CONFIGS[parts[1]].model_fields[parts[2]].description or ""
            where = parts[1].replace("_", " ")
        else:
            model = Scenario
            for part in parts[:-1]:
                model = model.model_fields[part].annotation  # type: ignore[assignment]
            description = model.model_fields[parts[-1]].description or ""
            where = parts[0]
    except (KeyError, AttributeError, IndexError):
        return key
    first = description.split(". ")[0].rstrip(".")
    if first[1:2].islower():
        first = first[:1].lower() + first[1:]
    return f"{first} ({where})" if first else key


def _interval(name: str, low: object, high: object, difference: bool) -> str:
    fmt = diff_format(name) if difference else value_format(name)
    if is_missing(low) or is_missing(high):
        return "n/a"
    return f"{fmt(low)} to {fmt(high)}"


def _share(p: object) -> str:
    return fmt_chance(as_number(p))


def _points(x: object) -> str:
    value = as_number(x)
    return "n/a" if value is None else f"{abs(100 * value):.1f}"


def answer_blocks(t: RunTables) -> list[Block]:
    """'The answer': the best plan in plain words, with both kinds of uncertainty, its cost and the
    assumption it hinges on (a run of one scenario: its level, likewise)."""
    files = read_uncertainty(t.folder)
    weeks = run_weeks(t)
    if not t.alternatives:
        return _single_answer(t, files, weeks)
    best = t.ranked()[0]
    comp = t.comp(best, LEAD)
    if comp is None or is_missing(comp["difference"]):
        return [Block("h2", "The answer"), Block("summary", f"{best} could not be compared with the baseline.")]
    difference = float(comp["difference"])
    fewer = "fewer" if difference < 0 else "more"
    moved, n = as_number(comp.get("difference_clinicians")), as_number(comp.get("clinicians"))
    heads = f" (about {fmt_num(abs(moved), 0)} clinicians of {fmt_hours(n)})" if moved is not None and n else ""
    sentences = [
        f"**Best plan: {best}.** After {weeks} weeks it leaves {_points(difference)} percentage points {fewer} "
        f"clinicians skeptical of clinical AI than {t.baseline}{heads}: {fmt_pct(comp['scenario_mean'])} "
        f"against {fmt_pct(comp['baseline_mean'])}, at the values the scenario files state."
    ]
    extra = as_number(comp.get("extra_cost_hours"))
    if extra is not None and extra > 0:
        per = as_number(comp.get("hours_per_clinician"))
        money = ""
        row = t.scenario_row(best)
        if "cost_money" in row and not is_missing(row["cost_money"]) and float(row["cost_money"]) > 0:
            money = f" ({row.get('currency', '')} {fmt_hours(row['cost_money'])} for its interventions)"
        sentences.append(
            f"It costs {fmt_hours(extra)} clinician-hours more than {t.baseline}{money}"
            + (f", about {fmt_num(per, 0)} hours per clinician won over." if per else ".")
        )
    effects = read_effects(t.folder)
    if effects is not None:
        rows = effects[(effects["scenario"] == best) & (effects["outcome"] == LEAD)]
        fade = effect_sentence(rows, best) if not rows.empty else ""
        if "fades" in fade:
            sentences.append("Its effect on skepticism: " + fade.split("**: ", 1)[1])
    if files is None:
        sentences.append(
            "How sure: only chance was measured (uncertainty.worlds = 0): the effect sizes the files assume were "
            "not varied, so the intervals below overstate how much we know."
        )
        return [Block("h2", "The answer"), Block("summary", " ".join(sentences))]
    row = files.row(best, LEAD)
    if row is not None:
        sentences.append(_sureness(files, row, best, t.baseline, len(t.alternatives) + 1))
        hinge = files.top_drivers(best, LEAD, 1)
        if not hinge.empty:
            key = str(hinge.iloc[0]["key"])
            sentences.append(
                f"The answer hinges most on the assumed {plain_key(key)} (`{key}`, drawn {files.range_text(key)}; "
                f"rank correlation {float(hinge.iloc[0]['rank_correlation']):+.2f} with the effect across worlds)."
            )
    return [Block("h2", "The answer"), Block("summary", " ".join(sentences))]


def _fewer_more(low: object, high: object) -> str:
    """A range of differences of the skeptical share in words: '3.7 to 7.0 points fewer skeptical',
    'from 2.0 points fewer to 1.0 more'."""
    lo, hi = as_number(low), as_number(high)
    if lo is None or hi is None:
        return "unknown"
    if hi <= 0:
        return f"{_points(hi)} to {_points(lo)} points fewer skeptical"
    if lo >= 0:
        return f"{_points(lo)} to {_points(hi)} points more skeptical"
    return f"anything from {_points(lo)} points fewer to {_points(hi)} more skeptical"


def _sureness(files: UncertaintyFiles, row: pd.Series, best: str, baseline: str, options: int) -> str:
    worlds = files.worlds
    p_better, p_best = as_number(row["p_better"]), as_number(row["p_best"])
    chance = _fewer_more(row["chance_low"], row["chance_high"])
    unknown = _fewer_more(row["uncertain_low"], row["uncertain_high"])
    verdict = (
        "a safe choice"
        if p_better is not None and p_better >= SURE
        else "not a sure choice: in some plausible worlds it does no better than doing nothing"
    )
    return (
        f"How sure: by chance alone the result could be {chance} in a hospital like this one; "
        f"with what we do not know about the assumed effect sizes it could be {unknown}. Across {worlds} "
        f"plausible parameter worlds it beats {baseline} in {_share(p_better)} of them and is the best of the "
        f"{options} options in {_share(p_best)}: {verdict}."
    )


def _single_answer(t: RunTables, files: UncertaintyFiles | None, weeks: int) -> list[Block]:
    summary = t.summary["scenarios"][t.baseline]["outcomes"].get(LEAD, {})
    final = summary.get("final", {})
    text = f"After {weeks} weeks {fmt_pct(final.get('mean'))} of clinicians are skeptical of clinical AI"
    if files is None:
        text += " (chance alone: the assumptions were not varied, uncertainty.worlds = 0)."
        return [Block("h2", "The answer"), Block("summary", text)]
    row = files.row(t.baseline, LEAD)
    if row is not None:
        text += (
            f": {_interval(LEAD, row['level_chance_low'], row['level_chance_high'], False)} by chance alone, "
            f"{_interval(LEAD, row['level_uncertain_low'], row['level_uncertain_high'], False)} with what we do not "
            f"know ({files.worlds} parameter worlds)."
        )
        hinge = files.top_drivers(t.baseline, LEAD, 1)
        if not hinge.empty:
            key = str(hinge.iloc[0]["key"])
            text += f" It depends most on {plain_key(key)} (`{key}`)."
    return [Block("h2", "The answer"), Block("summary", text)]


def uncertainty_blocks(t: RunTables) -> list[Block]:
    """'How sure': both intervals and the chances across worlds per plan and outcome, and the three
    assumptions each plan's effect on skepticism hinges on."""
    files = read_uncertainty(t.folder)
    if files is None:
        return []
    names = t.ranked() if t.alternatives else [t.baseline]
    difference = bool(t.alternatives)
    rows = []
    for name in names:
        for column in COMPARED:
            row = files.row(name, column)
            if row is None:
                continue
            entry = outcome(column)
            if difference:
                stated = diff_format(column)(row["difference"])
                cells = [
                    _interval(column, row["chance_low"], row["chance_high"], True),
                    _interval(column, row["uncertain_low"], row["uncertain_high"], True),
                    _share(row["p_better"]) if entry.better else "–",
                    _share(row["p_best"]) if entry.better else "–",
                    _share(row["share_unknown"]),
                ]
            else:
                stated = value_format(column)(row["level"])
                cells = [
                    _interval(column, row["level_chance_low"], row["level_chance_high"], False),
                    _interval(column, row["level_uncertain_low"], row["level_uncertain_high"], False),
                ]
            rows.append([name, COMPARED_LABELS.get(column, column), stated, *cells])
    worlds, per_world = files.worlds, files.world_replications
    intro = (
        "Two ranges for each result. **Chance alone**: where the middle 95 % of runs ended at the values "
        "the scenario files state (this hospital, these assumptions). **With what we do not know**: the "
        f"same over {worlds} parameter worlds ({per_world} runs each), in which every assumed or fitted "
        "setting takes a value from its plausible range (see 'What we assumed'); every scenario runs in the "
        "same worlds with the same random draws, so differences stay paired. "
    )
    if difference:
        intro += (
            "**Beats baseline**: the share of worlds in which the plan's average effect is in the better "
            "direction; **best**: the share of worlds in which it is the best of all scenarios compared (the "
            "baseline included); **from unknowns**: the share of the spread that comes from what we do not "
            "know rather than chance. Shares in percentage points, the competence gap in 1–7 scale points."
        )
        header = [
            "Plan",
            "Outcome",
            "Effect",
            "Chance alone",
            "With what we do not know",
            "Beats baseline",
            "Best",
            "From unknowns",
        ]
    else:
        header = ["Scenario", "Outcome", "Level", "Chance alone", "With what we do not know"]
    blocks = [Block("h2", "How sure: what we do not know"), Block("p", intro), Block("table", header=header, rows=rows)]
    hinge_rows = []
    for name in names:
        for _, driver in files.top_drivers(name, LEAD).iterrows():
            key = str(driver["key"])
            hinge_rows.append(
                [name, plain_key(key), f"`{key}`", files.range_text(key), f"{float(driver['rank_correlation']):+.2f}"]
            )
    if hinge_rows:
        limit = 2 / math.sqrt(max(worlds, 1))
        blocks += [
            Block("h3", "What the answer hinges on"),
            Block(
                "p",
                f"The assumptions whose plausible values move the effect on skepticism most: the rank correlation "
                f"across the {worlds} worlds between the assumption's value and the effect (+1: the larger the "
                f"value, the larger the number; values within ±{limit:.2f} are indistinguishable from chance). "
                "drivers.csv lists every assumption for every outcome.",
            ),
            Block(
                "table",
                header=["Plan", "Assumption", "Key", "Range drawn", "Rank correlation"],
                rows=hinge_rows,
                align="lllrr",
            ),
        ]
    return blocks


def assumptions_blocks(t: RunTables) -> list[Block]:
    """'What we assumed': every range drawn, with its reason (unknowns.csv)."""
    files = read_uncertainty(t.folder)
    if files is None:
        return [
            Block("h2", "What we assumed"),
            Block(
                "p",
                "Every setting was taken as the scenario files state it (uncertainty.worlds = 0). Most effect "
                "sizes are assumptions (docs/MODEL.md section 7 gives their plausible ranges): run with "
                "--worlds 32 to see how much the answer depends on them.",
            ),
        ]
    rows = [
        [plain_key(str(r["key"])), f"`{r['key']}`", files.range_text(str(r["key"])), str(r["reason"])]
        for _, r in files.unknowns.iterrows()
    ]
    return [
        Block("h2", "What we assumed"),
        Block(
            "p",
            "The settings that are assumed, tuned or fitted rather than measured for your hospital, and the range "
            "each world draws from: '+a to +b' is added to the value the scenario states, '×a to ×b' multiplies it "
            "(half to twice as effective: ×0.5 to ×2). A scenario's [uncertainty] table changes them "
            f"(docs/SCENARIOS.md); `--worlds N` draws more worlds (this run: {files.worlds}).",
        ),
        Block("table", header=["Assumption", "Key", "Range", "Why this range"], rows=rows, align="llll"),
    ]
