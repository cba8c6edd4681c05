"""The prose and the milestone table of a single-scenario report (from summary.json)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulation.reporting.format import (
    RANGE_NOTE,
    fmt_count,
    fmt_num,
    fmt_pct,
    fmt_range,
    fmt_signed,
    fmt_stat,
    fmt_value,
    is_missing,
    with_range,
)
from simulation.reporting.labels import OUTCOME_LABELS


def _plural(unit: str, n: int) -> str:
    """'week', 52 -> 'weeks'."""
    return unit if n == 1 else unit + "s"


def _skepticism_sentence(outcomes: Mapping[str, Any], horizon: str) -> str | None:
    """Skeptical share at start and end."""
    sk = outcomes.get("share_skeptical")
    if not sk:
        return None
    start, end = sk.get("initial"), sk["final"]["mean"]
    if is_missing(start) or is_missing(end):
        return f"After {horizon}, {with_range('share_skeptical', sk['final'])} of clinicians were skeptical of clinical AI."
    final = with_range("share_skeptical", sk["final"])
    diff = float(end) - float(start)
    if abs(diff) < 0.005:
        change = f"was {fmt_pct(start)} at the start and {final} after {horizon}"
    else:
        change = f"{'fell' if diff < 0 else 'rose'} from {fmt_pct(start)} at the start to {final} after {horizon}"
    return f"The share of clinicians who are skeptical of clinical AI {change}."


def _use_sentence(outcomes: Mapping[str, Any]) -> str | None:
    """Verify and primary-aid shares at the end."""
    parts = []
    if "share_verify" in outcomes:
        parts.append(
            f"{with_range('share_verify', outcomes['share_verify']['final'])} used AI to verify their own decisions"
        )
    if "share_primary" in outcomes:
        parts.append(
            f"{with_range('share_primary', outcomes['share_primary']['final'])} used it as their primary decision aid"
        )
    return f"By the end, {' and '.join(parts)}." if parts else None


def _gap_sentence(outcomes: Mapping[str, Any]) -> str | None:
    """Competence gap at the end and what it means."""
    gap = outcomes.get("competence_gap")
    if not gap:
        return None
    final = gap["final"]
    mean = final.get("mean")
    if is_missing(mean):
        return "The peer competence gap could not be measured at the end because no clinician was using AI."
    lo, hi = final.get("range95", [None, None])
    rng = f"{RANGE_NOTE}: {fmt_range([lo, hi], fmt_signed)} points"
    mean = float(mean)
    if abs(mean) < 0.05:
        text = (
            f"At the end, peers rated AI users and non-users almost the same (gap {fmt_signed(mean)} points "
            f"on the 1–7 competence scale; {rng}), so using AI carried no noticeable reputational cost"
        )
    elif mean > 0:
        text = (
            f"At the end, peers rated clinicians who use AI {fmt_num(mean)} points less competent than "
            f"non-users on a 1–7 scale ({rng}), so using AI still carried a reputational penalty that "
            "can hold adoption back"
        )
    else:
        text = (
            f"At the end, peers rated clinicians who use AI {fmt_num(-mean)} points more competent than "
            f"non-users on a 1–7 scale ({rng}), so using AI had become a mark of competence"
        )
    if not (is_missing(lo) or is_missing(hi)) and float(lo) < 0 < float(hi) and abs(mean) >= 0.05:
        text += ", although in some runs the gap went the other way"
    return text + "."


def _errors_sentence(totals: Mapping[str, Any], horizon: str) -> str | None:
    """Total errors passed on (and caught)."""
    passed = totals.get("errors_passed")
    if not passed:
        return None
    text = (
        f"Over {horizon}, about {fmt_count(passed['mean'])} errors were passed on without being caught "
        f"({RANGE_NOTE}: {fmt_range(passed['range95'], fmt_count)})"
    )
    caught = totals.get("errors_caught")
    if caught:
        text += f", while {fmt_count(caught['mean'])} were caught"
    return text + "."


def _cost_sentence(totals: Mapping[str, Any]) -> str | None:
    """Clinician-hours spent on interventions; None when there was no cost."""
    cost = totals.get("cost_hours")
    if not cost or is_missing(cost.get("mean")) or float(cost["mean"]) == 0.0:
        return None
    return (
        f"The interventions took about {fmt_count(cost['mean'])} clinician-hours in total "
        f"({RANGE_NOTE}: {fmt_range(cost['range95'], fmt_count)})."
    )


def summary_paragraph(summary: Mapping[str, Any]) -> str:
    """3-5 sentence plain-language summary."""
    steps, unit = int(summary["steps"]), str(summary.get("step_unit", "week"))
    horizon = f"{steps} {_plural(unit, steps)}"
    outcomes, totals = summary.get("outcomes", {}), summary.get("totals", {})
    sentences = [
        _skepticism_sentence(outcomes, horizon),
        _use_sentence(outcomes),
        _gap_sentence(outcomes),
        _errors_sentence(totals, horizon),
        _cost_sentence(totals),
    ]
    return " ".join(s for s in sentences if s)


def _ordered_outcomes(outcomes: Mapping[str, Any]) -> list[str]:
    """Known outcomes in display order, then any others alphabetically."""
    known = [n for n in OUTCOME_LABELS if n in outcomes]
    return known + sorted(n for n in outcomes if n not in OUTCOME_LABELS)


def milestone_parts(summary: Mapping[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    """Table of outcomes (rows) by start, milestones and end (columns): ('', header, rows)."""
    outcomes = summary.get("outcomes", {})
    unit = str(summary.get("step_unit", "week"))
    label_unit = unit[:1].upper() + unit[1:]
    last = int(summary["steps"])
    keys = sorted({k for o in outcomes.values() for k in o.get("milestones", {})}, key=lambda k: int(k))
    header = ["Outcome", "Start"] + [f"{label_unit} {k}" + (" (end)" if int(k) == last else "") for k in keys]
    add_final = str(last) not in keys
    if add_final:
        header.append(f"{label_unit} {last} (end)")
    rows = []
    for name in _ordered_outcomes(outcomes):
        o = outcomes[name]
        cells = [OUTCOME_LABELS.get(name, name).format(unit=unit), fmt_value(name, o.get("initial"))]
        cells += [fmt_stat(name, o.get("milestones", {}).get(k)) for k in keys]
        if add_final:
            cells.append(fmt_stat(name, o.get("final")))
        rows.append(cells)
    return "", header, rows
