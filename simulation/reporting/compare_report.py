"""The prose and tables of a comparison report: the summary of the best-ranked alternative, the
ranking table (comparison.csv), the table of final levels (summary.json) and that of the other
hospitals (scenarios of another hospital than the baseline's: levels only, never ranked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from simulation.reporting.document import Block
from simulation.reporting.format import (
    INTERVAL,
    POINTS,
    diff_format,
    fmt_count,
    fmt_hours,
    fmt_num,
    fmt_pct,
    fmt_stat,
    is_missing,
    per100_format,
    unsigned,
    value_format,
)
from simulation.reporting.labels import COMPARED_LABELS
from simulation.reporting.plots.style import baseline_label
from simulation.reporting.run_tables import RunTables, run_weeks
from simulation.reporting.targets_report import target_sentences


def interval_text(fmt, low: Any, high: Any) -> str:
    return f"{fmt(low)} to {fmt(high)}"


def _diff_with_interval(t: RunTables, name: str, outcome: str) -> str:
    """'-17.6 (-28.3 to -6.8)' for a table cell."""
    row = t.comp(name, outcome)
    if row is None or is_missing(row["difference"]):
        return "n/a"
    fmt = diff_format(outcome)
    if is_missing(row["ci_low"]) or is_missing(row["ci_high"]):
        return fmt(row["difference"])
    return f"{fmt(row['difference'])} ({interval_text(fmt, row['ci_low'], row['ci_high'])}){_verdict_mark(row)}"


def _verdict_mark(row: Mapping[str, Any]) -> str:
    """' ✓' when the interval lies wholly on the side comparison.csv calls better, ' ✗' on the other side."""
    better = str(row.get("better", ""))
    clear = clear_direction(row)
    if better not in ("lower", "higher") or clear == "unclear":
        return ""
    return " ✓" if clear == better else " ✗"


def _change_phrase(row: pd.Series, outcome: str, unit: str = "") -> str:
    """'+2.0 points, 95 % interval +0.3 to +3.7'."""
    fmt = diff_format(outcome)
    text = fmt(row["difference"]) + (f" {unit}" if unit else "")
    if not (is_missing(row["ci_low"]) or is_missing(row["ci_high"])):
        text += f", {INTERVAL} {interval_text(fmt, row['ci_low'], row['ci_high'])}"
    return text


def clear_direction(row: Mapping[str, Any]) -> str:
    """'lower' / 'higher' when the interval excludes zero, else 'unclear'."""
    if is_missing(row["ci_low"]) or is_missing(row["ci_high"]):
        return "unclear"
    if row["ci_high"] < 0:
        return "lower"
    if row["ci_low"] > 0:
        return "higher"
    return "unclear"


def _reduction_phrase(row: Mapping[str, Any], outcome: str, unit: str, words: tuple[str, str]) -> str:
    """'17.6 points fewer (95 % interval 6.8 to 28.3)' for a clear change, else a neutral phrase.

    ``outcome`` 'per_100h' formats an effect per 100 clinician-hours of a share.
    """
    fmt = per100_format("share_skeptical") if outcome == "per_100h" else diff_format(outcome)
    d, lo, hi = row["difference"], row["ci_low"], row["ci_high"]
    clear = clear_direction(row)
    if clear == "lower":
        return f"{unsigned(fmt(d))} {unit} {words[0]} ({INTERVAL} {unsigned(fmt(hi))} to {unsigned(fmt(lo))})"
    if clear == "higher":
        return f"{unsigned(fmt(d))} {unit} {words[1]} ({INTERVAL} {unsigned(fmt(lo))} to {unsigned(fmt(hi))})"
    if is_missing(lo) or is_missing(hi):
        return f"a change of {fmt(d)} {unit} (no interval: too few runs)"
    return f"a change of {fmt(d)} {unit}, not clearly different from zero ({INTERVAL} {fmt(lo)} to {fmt(hi)})"


def _most_efficient_clause(t: RunTables, best: str) -> str:
    """'; per clinician-hour, literacy did more (2.25 ...)' when another alternative is more efficient."""
    rows = t.comparison[(t.comparison["outcome"] == "share_skeptical") & t.comparison["per_100h"].notna()]
    if len(rows) < 2:
        return ""
    top = rows.loc[rows["per_100h"].idxmin()]
    mine = rows[rows["scenario"] == best]
    if (
        str(top["scenario"]) == best
        or mine.empty
        or top["per_100h"] >= mine.iloc[0]["per_100h"]
        or top["per_100h"] >= 0
    ):
        return ""
    per = _reduction_phrase(
        {"difference": top["per_100h"], "ci_low": top["per_100h_low"], "ci_high": top["per_100h_high"]},
        "per_100h",
        "points",
        ("fewer", "more"),
    )
    return f", while {top['scenario']} did the most per clinician-hour ({per} per 100 hours)"


def comparison_summary(t: RunTables) -> list[str]:
    """Three to five plain sentences for a run with alternatives."""
    ranked = t.ranked()
    best = ranked[0]
    weeks = run_weeks(t)
    sentences = []
    sk = t.comp(best, "share_skeptical")
    if sk is None or is_missing(sk["difference"]):
        sentences.append(f"The share of skeptical clinicians could not be compared with the baseline for {best}.")
    else:
        others = (
            f"Among the alternatives, **{best}** did best on skepticism: " if len(ranked) > 1 else f"With **{best}**, "
        )
        after = (
            f"after {weeks} weeks {fmt_pct(sk['scenario_mean'])} of clinicians were skeptical of clinical AI, "
            f"against {fmt_pct(sk['baseline_mean'])} in the baseline"
        )
        verdict = _reduction_phrase(sk, "share_skeptical", "points", ("fewer", "more"))
        sentences.append(others + after + ", " + verdict + ".")
    parts = []
    for outcome, what in (
        ("share_verify", "verified their own decisions with AI"),
        ("share_primary", "used AI as their primary decision aid"),
    ):
        row = t.comp(best, outcome)
        if row is not None and not is_missing(row["scenario_mean"]):
            parts.append(
                f"{fmt_pct(row['scenario_mean'])} {what} (baseline {fmt_pct(row['baseline_mean'])}; "
                f"{_change_phrase(row, outcome, POINTS)})"
            )
    if parts:
        sentences.append("At the end, " + " and ".join(parts) + ".")
    parts = []
    gap = t.comp(best, "competence_gap")
    if gap is not None and not is_missing(gap["scenario_mean"]):
        parts.append(
            f"Peers rated AI users {fmt_num(abs(float(gap['scenario_mean'])), 2)} points "
            f"{'less' if gap['scenario_mean'] >= 0 else 'more'} competent than non-users on the 1–7 scale "
            f"(baseline {value_format('competence_gap')(gap['baseline_mean'])}; {_change_phrase(gap, 'competence_gap', POINTS)})"
        )
    rate = t.comp(best, "errors_per_1000")
    if rate is not None and not is_missing(rate["scenario_mean"]):
        parts.append(
            f"{fmt_num(float(rate['scenario_mean']), 1)} errors reached patients per 1,000 decisions, clinicians' "
            f"own and AI errors together (baseline {fmt_num(float(rate['baseline_mean']), 1)}; "
            f"{_change_phrase(rate, 'errors_per_1000')})"
        )
    errors = t.comp(best, "total_errors_passed")
    if errors is not None and not is_missing(errors["scenario_mean"]):
        parts.append(
            f"{fmt_count(errors['scenario_mean'])} AI errors per run were passed on uncaught, a count that grows "
            f"with AI use (baseline {fmt_count(errors['baseline_mean'])}; "
            f"{_change_phrase(errors, 'total_errors_passed', 'errors')})"
        )
    if parts:
        sentences.append(" and ".join(parts) + ".")
    if sk is not None and not is_missing(sk.get("extra_cost_hours")):
        extra = float(sk["extra_cost_hours"])
        row = t.scenario_row(best)
        money = ""
        if "cost_money" in row and not is_missing(row["cost_money"]) and float(row["cost_money"]) > 0:
            money = f" ({row.get('currency', '')} {fmt_hours(row['cost_money'])} for its interventions)".replace(
                "( ", "("
            )
        if extra > 0:
            text = f"The {best} scenario took {fmt_hours(extra)} more clinician-hours than the baseline{money}"
            if not is_missing(sk.get("per_100h")):
                per = _reduction_phrase(
                    {"difference": sk["per_100h"], "ci_low": sk["per_100h_low"], "ci_high": sk["per_100h_high"]},
                    "per_100h",
                    "skeptical points",
                    ("fewer", "more"),
                )
                text += f"; every 100 extra clinician-hours meant {per}"
            text += _most_efficient_clause(t, best)
            sentences.append(text + ".")
        elif extra == 0:
            sentences.append(f"The {best} scenario took no more clinician-hours than the baseline.")
    sentences += target_sentences(t, best)
    return sentences


def ranking_table(t: RunTables) -> Block:
    """Baseline as reference row, then the alternatives by reduction of skepticism."""
    money = "cost_money" in t.scenarios and t.scenarios["cost_money"].notna().any()
    currency = str(t.scenarios["currency"].dropna().iloc[0]) if money and "currency" in t.scenarios else ""
    targets = t.target_names()
    header = ["Rank", "Scenario"] + [
        f"{COMPARED_LABELS[o]}{', points' if o.startswith('share_') else ''}" for o in COMPARED_LABELS
    ]
    header += ["Clinician-hours"] + ([f"Cost ({currency})" if currency else "Cost"] if money else [])
    header += ["Skeptical points per 100 h"] + [f"P(target {i + 1})" for i in range(len(targets))]
    rows = []

    def cost_cells(name: str) -> list[str]:
        row = t.scenario_row(name)
        cells = [fmt_hours(row["cost_hours"])]
        if money:
            cells.append(fmt_hours(row["cost_money"]))
        return cells

    def target_cells(name: str) -> list[str]:
        mine = t.targets_of(name)
        cells = []
        for target in targets:
            hit = mine[mine["target"].astype(str) == target]
            cells.append("n/a" if hit.empty else fmt_pct(hit.iloc[0]["probability"]))
        return cells

    base_cells = []
    for outcome in COMPARED_LABELS:
        rows_o = t.comparison[t.comparison["outcome"] == outcome]
        base_cells.append("n/a" if rows_o.empty else value_format(outcome)(rows_o.iloc[0]["baseline_mean"]))
    rows.append(
        ["ref.", f"{baseline_label(t.baseline)}: level at the end"]
        + base_cells
        + cost_cells(t.baseline)
        + ["–"]
        + target_cells(t.baseline)
    )
    for rank, name in enumerate(t.ranked(), start=1):
        sk = t.comp(name, "share_skeptical")
        per = "n/a"
        if sk is not None and not is_missing(sk.get("per_100h")):
            f = per100_format("share_skeptical")
            per = f(sk["per_100h"])
            if not (is_missing(sk.get("per_100h_low")) or is_missing(sk.get("per_100h_high"))):
                per += f" ({interval_text(f, sk['per_100h_low'], sk['per_100h_high'])})"
        rows.append(
            [str(rank), name]
            + [_diff_with_interval(t, name, o) for o in COMPARED_LABELS]
            + cost_cells(name)
            + [per]
            + target_cells(name)
        )
    return Block("table", header=header, rows=rows)


def final_table(t: RunTables) -> Block:
    """Level of each outcome at the end per scenario, mean and the range of 95 % of runs (summary.json)."""
    return _levels_table(t, [t.baseline] + t.ranked())


OTHER_HOSPITALS = "Other hospitals (not ranked: a different hospital is not a plan for this one)"


def other_hospitals_table(t: RunTables) -> Block:
    """The levels at the end of the scenarios of another hospital than the baseline's (`final_table`'s
    columns, no differences and no marks): the same plan in different hospitals is not a ranking."""
    return _levels_table(t, t.other_hospitals)


def _levels_table(t: RunTables, names: list[str]) -> Block:
    outcomes = [
        ("share_skeptical", "Skeptical"),
        ("share_none", "No AI use"),
        ("share_verify", "Verifying"),
        ("share_primary", "Primary aid"),
        ("competence_gap", "Competence gap"),
    ]
    header = (
        ["Scenario"] + [label for _, label in outcomes] + ["Errors per 1,000 decisions", "AI errors passed on (total)"]
    )
    rows = []
    for name in names:
        s = t.summary["scenarios"][name]
        cells = [name]
        for outcome, _ in outcomes:
            cells.append(fmt_stat(outcome, s.get("outcomes", {}).get(outcome, {}).get("final")))
        cells.append(fmt_stat("errors_per_1000", s.get("outcomes", {}).get("errors_per_1000", {}).get("final")))
        cells.append(fmt_stat("errors_passed", s.get("totals", {}).get("errors_passed")))
        rows.append(cells)
    return Block("table", header=header, rows=rows)
