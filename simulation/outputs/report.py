"""Plain-language markdown report for hospital planners.

``write_report`` turns the ``summary`` dict (as written to summary.json) and the
plot files into ``report.md``. Every number in the report is taken from
``summary``; nothing is recomputed here.

STAT dicts look like ``{"mean": m, "ci95": [lo, hi], "range95": [lo, hi]}``:
``ci95`` is the 95 % confidence interval of the mean across replications,
``range95`` the central 95 % of replications.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

Stat = Mapping[str, Any]
RANGE_NOTE = "95% of runs"

# Display order and plain-language names of outcomes; unknown outcomes follow.
OUTCOME_LABELS: dict[str, str] = {
    "share_skeptical": "Skeptical of clinical AI",
    "share_none": "No AI use",
    "share_verify": "AI to verify own decision",
    "share_primary": "AI as primary decision aid",
    "mean_attitude": "Mean attitude toward AI (1–7)",
    "competence_gap": "Peer rating gap, non-users minus AI users (points)",
    "errors_caught": "Errors caught per {unit}",
    "errors_passed": "Errors passed on per {unit}",
    "cost_hours": "Clinician-hours spent (cumulative)",
    "reputation_nonusers": "Peer rating of non-users (1–7)",
    "reputation_users": "Peer rating of AI users (1–7)",
    "sd_attitude": "Spread of attitudes (SD, 1–7 points)",
    "mean_literacy": "Mean AI literacy (0–1)",
    "mean_trust": "Mean trust in AI output (0–1)",
    "mean_status_concern": "Mean concern about peer judgment (0–1)",
}

# name -> (heading, one sentence on how to read it); unknown plots get a generic text.
PLOT_INFO: dict[str, tuple[str, str]] = {
    "modes_and_skepticism": (
        "AI use and skepticism over time",
        "Each line is the typical (median) run and the shaded bands show how much runs differ; "
        "the dashed line is the share of skeptical clinicians, and the three solid lines "
        "(no use, verify, primary aid) always add up to 100%.",
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


# --------------------------------------------------------------------------
# number formatting
# --------------------------------------------------------------------------
def _missing(x: Any) -> bool:
    """True for None and NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def _trim(text: str) -> str:
    """Drop a trailing '.0' ('20.0' -> '20')."""
    return text[:-2] if text.endswith(".0") else text


def fmt_pct(x: float | None, decimals: int = 1, sign: bool = True) -> str:
    """Fraction -> percent with at most ``decimals`` decimals: 0.2137 -> '21.4%'."""
    if _missing(x):
        return "n/a"
    return _trim(f"{100.0 * float(x):.{decimals}f}") + ("%" if sign else "")


def fmt_num(x: float | None, decimals: int = 2) -> str:
    """Plain number with fixed decimals: 4.612 -> '4.61'."""
    return "n/a" if _missing(x) else f"{float(x):.{decimals}f}"


def fmt_signed(x: float | None, decimals: int = 2) -> str:
    """Number with explicit sign: 0.3456 -> '+0.35', -0.1 -> '-0.10'."""
    return "n/a" if _missing(x) else f"{float(x):+.{decimals}f}"


def fmt_count(x: float | None) -> str:
    """Count-like value: thousands separators, one decimal only below 10."""
    if _missing(x):
        return "n/a"
    x = float(x)
    return _trim(f"{x:,.1f}") if abs(x) < 10 else f"{x:,.0f}"


def fmt_pct_range(bounds: Sequence[float | None]) -> str:
    """[0.1549, 0.2788] -> '15.5–27.9%'."""
    lo, hi = bounds
    return f"{fmt_pct(lo, sign=False)}–{fmt_pct(hi)}"


def fmt_range(bounds: Sequence[float | None], fmt: Any = fmt_num) -> str:
    """'lo–hi'; uses ' to ' when a bound carries a sign so '+' / '-' stay readable."""
    lo, hi = bounds
    signed = fmt is fmt_signed or any(not _missing(b) and float(b) < 0 for b in (lo, hi))
    return f"{fmt(lo)}{' to ' if signed else '–'}{fmt(hi)}"


def _kind(name: str) -> str:
    """Formatting family of an outcome name."""
    if name.startswith("share_"):
        return "pct"
    if name == "competence_gap":
        return "signed"
    if name.startswith(("errors_", "cost_")):
        return "count"
    return "num"


def fmt_value(name: str, x: float | None) -> str:
    """Format one value of outcome ``name``."""
    return {"pct": fmt_pct, "signed": fmt_signed, "count": fmt_count}.get(_kind(name), fmt_num)(x)


def fmt_interval(name: str, bounds: Sequence[float | None]) -> str:
    """Format an interval of outcome ``name``."""
    kind = _kind(name)
    if kind == "pct":
        return fmt_pct_range(bounds)
    return fmt_range(bounds, {"signed": fmt_signed, "count": fmt_count}.get(kind, fmt_num))


def fmt_stat(name: str, stat: Stat | None, interval: str = "range95") -> str:
    """Table cell 'mean (lo–hi)' for outcome ``name``."""
    if not stat or _missing(stat.get("mean")):
        return "n/a"
    bounds = stat.get(interval)
    if not bounds or all(_missing(b) for b in bounds):
        return fmt_value(name, stat["mean"])
    return f"{fmt_value(name, stat['mean'])} ({fmt_interval(name, bounds)})"


def _with_range(name: str, stat: Stat) -> str:
    """Prose form: '21.4% (95% of runs: 15.5–27.9%)'."""
    return f"{fmt_value(name, stat['mean'])} ({RANGE_NOTE}: {fmt_interval(name, stat['range95'])})"


# --------------------------------------------------------------------------
# report sections
# --------------------------------------------------------------------------
def _plural(unit: str, n: int) -> str:
    """'week', 52 -> 'weeks'."""
    return unit if n == 1 else unit + "s"


def _skepticism_sentence(outcomes: Mapping[str, Any], horizon: str) -> str | None:
    """Skeptical share at start and end."""
    sk = outcomes.get("share_skeptical")
    if not sk:
        return None
    start, end = sk.get("initial"), sk["final"]["mean"]
    if _missing(start) or _missing(end):
        return f"After {horizon}, {_with_range('share_skeptical', sk['final'])} of clinicians were skeptical of clinical AI."
    final = _with_range("share_skeptical", sk["final"])
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
        parts.append(f"{_with_range('share_verify', outcomes['share_verify']['final'])} used AI to verify their own decisions")
    if "share_primary" in outcomes:
        parts.append(
            f"{_with_range('share_primary', outcomes['share_primary']['final'])} used it as their primary decision aid"
        )
    return f"By the end, {' and '.join(parts)}." if parts else None


def _gap_sentence(outcomes: Mapping[str, Any]) -> str | None:
    """Competence gap at the end and what it means."""
    gap = outcomes.get("competence_gap")
    if not gap:
        return None
    final = gap["final"]
    mean = final.get("mean")
    if _missing(mean):
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
    if not (_missing(lo) or _missing(hi)) and float(lo) < 0 < float(hi) and abs(mean) >= 0.05:
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
    if not cost or _missing(cost.get("mean")) or float(cost["mean"]) == 0.0:
        return None
    return (
        f"The interventions took about {fmt_count(cost['mean'])} clinician-hours in total "
        f"({RANGE_NOTE}: {fmt_range(cost['range95'], fmt_count)})."
    )


def _summary_paragraph(summary: Mapping[str, Any]) -> str:
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


def _milestone_table(summary: Mapping[str, Any]) -> str:
    """Markdown table: rows = outcomes, columns = start, milestones (and end)."""
    outcomes = summary.get("outcomes", {})
    if not outcomes:
        return "_No outcomes in summary._"
    unit = str(summary.get("step_unit", "week"))
    label_unit = unit[:1].upper() + unit[1:]
    last = int(summary["steps"])
    keys = sorted({k for o in outcomes.values() for k in o.get("milestones", {})}, key=lambda k: int(k))
    header = ["Outcome", "Start"] + [
        f"{label_unit} {k}" + (" (end)" if int(k) == last else "") for k in keys
    ]
    add_final = str(last) not in keys
    if add_final:
        header.append(f"{label_unit} {last} (end)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" + "---:|" * (len(header) - 1)]
    for name in _ordered_outcomes(outcomes):
        o = outcomes[name]
        cells = [OUTCOME_LABELS.get(name, name).format(unit=unit), fmt_value(name, o.get("initial"))]
        cells += [fmt_stat(name, o.get("milestones", {}).get(k)) for k in keys]
        if add_final:
            cells.append(fmt_stat(name, o.get("final")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plots_section(out_dir: Path, plots: Mapping[str, Path]) -> str:
    """Embedded plots (only those that exist) with one reading hint each."""
    order = [n for n in PLOT_INFO if n in plots] + sorted(n for n in plots if n not in PLOT_INFO)
    blocks = []
    for name in order:
        path = Path(plots[name])
        if not path.is_file():
            continue
        rel = Path(os.path.relpath(path.resolve(), out_dir.resolve())).as_posix()
        heading, hint = PLOT_INFO.get(name, (name.replace("_", " ").capitalize(), "See the figure."))
        blocks.append(f"### {heading}\n\n{hint}\n\n![{heading}]({rel})")
    return "\n\n".join(blocks) if blocks else "_No plots were written._"


def _intervals_note(summary: Mapping[str, Any]) -> str:
    """Explain range95 vs ci95, with one worked example from the summary."""
    reps = int(summary.get("replications", 0))
    text = (
        f"Every number comes from {reps} independent runs (replications) of the simulation with different "
        "random seeds. The **range across runs** (\"95% of runs\", used in the text and the table) is where "
        "the middle 95% of runs ended up: it shows how differently a hospital like this one could turn out. "
        "The **95% confidence interval of the mean** is narrower and only says how precisely the average "
        "is known; more runs shrink it, but not the range."
    )
    sk = summary.get("outcomes", {}).get("share_skeptical", {}).get("final")
    if sk and sk.get("ci95"):
        text += (
            f" For example, the final share of skeptical clinicians averaged {fmt_pct(sk['mean'])} "
            f"(confidence interval {fmt_pct_range(sk['ci95'])}), while individual runs ranged over "
            f"{fmt_pct_range(sk['range95'])}."
        )
    return text + (
        " The plots show the median run with bands for the middle 50% and 95% of runs, so their lines can "
        "differ slightly from the means reported here."
    )


def write_report(out_dir: Path | str, summary: Mapping[str, Any], plots: Mapping[str, Path]) -> Path:
    """Write ``out_dir/report.md`` from ``summary`` and existing ``plots``; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps, unit = int(summary["steps"]), str(summary.get("step_unit", "week"))
    facts = (
        f"{summary.get('replications', '?')} runs · {steps} {_plural(unit, steps)} · "
        f"\"skeptical\" = attitude below {summary.get('skeptical_below', '?')} on the 1–7 scale"
    )
    parts = [f"# Scenario: {summary.get('scenario', 'unnamed')}"]
    if summary.get("description"):
        parts.append(f"_{summary['description']}_")
    parts += [
        facts,
        "## Summary",
        _summary_paragraph(summary),
        "## Outcomes over time",
        f"Mean across runs, with the range covering {RANGE_NOTE} in brackets. Shares are % of clinicians.",
        _milestone_table(summary),
        "## Figures",
        _plots_section(out_dir, plots),
        "## How to read the intervals",
        _intervals_note(summary),
    ]
    path = out_dir / "report.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path
