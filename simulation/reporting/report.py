"""Plain-language report of a run folder for hospital planners: report.md, report.html, plots/.

``write_run_report(folder, snapshots)`` reads the tables the job wrote into ``folder``
(steps.csv, replications.csv, scenarios.csv, comparison.csv, targets.csv, summary.json), checks
that they agree with each other, draws the figures into ``folder/plots`` and writes ``report.md``
and a self-contained ``report.html`` (see ``html.py``) from the same blocks. Every number in the
report is a value of those tables formatted by one of the ``FORMATTERS`` below; nothing is
recomputed here, so the report always matches the tables beside it.

Shares (0-1) are shown as percent with one decimal; differences of shares as signed percentage
points; the competence gap (1-7 scale points) with two decimals; counts and hours as whole numbers.

STAT dicts of summary.json look like ``{"mean": m, "ci95": [lo, hi], "range95": [lo, hi]}``:
``ci95`` is the 95 % confidence interval of the mean across replications, ``range95`` the central
95 % of replications.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from simulation.reporting import plots
from simulation.results.stepstore import StepStore

Stat = Mapping[str, Any]
RANGE_NOTE = "95 % of runs"

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
    """Fraction -> percent with ``decimals`` decimals: 0.2137 -> '21.4%', 0.2 -> '20.0%'."""
    if _missing(x):
        return "n/a"
    return f"{100.0 * float(x):.{decimals}f}" + ("%" if sign else "")


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


def _milestone_parts(summary: Mapping[str, Any]) -> tuple[str, list[str], list[list[str]]]:
    """Table of outcomes (rows) by start, milestones and end (columns): ('', header, rows)."""
    outcomes = summary.get("outcomes", {})
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
    rows = []
    for name in _ordered_outcomes(outcomes):
        o = outcomes[name]
        cells = [OUTCOME_LABELS.get(name, name).format(unit=unit), fmt_value(name, o.get("initial"))]
        cells += [fmt_stat(name, o.get("milestones", {}).get(k)) for k in keys]
        if add_final:
            cells.append(fmt_stat(name, o.get("final")))
        rows.append(cells)
    return "", header, rows




# ==========================================================================
# Run report: reads the tables of a run folder and writes plots, report.md, report.html
# ==========================================================================
POINTS = "points"
INTERVAL = "95 % interval"
RUNS_RANGE = "95 % of runs"

# Outcomes of comparison.csv: plain name, how to format a value, a difference, an effect per 100 h.
COMPARED: dict[str, str] = {
    "share_skeptical": "Skeptical",
    "share_verify": "Verifying",
    "share_primary": "Primary aid",
    "competence_gap": "Competence gap",
    "total_errors_passed": "Errors passed on",
}
METRIC_NAMES: dict[str, str] = {
    "share_none": "not using AI",
    "share_verify": "verifying with AI",
    "share_primary": "using AI as primary aid",
    "share_skeptical": "skeptical",
    "competence_gap": "competence gap",
    "mean_attitude": "mean attitude",
}


def fmt_points(d: float | None) -> str:
    """Difference of two shares in percentage points, signed, 1 decimal: -0.1756 -> '-17.6'."""
    if _missing(d):
        return "n/a"
    text = f"{100.0 * float(d):+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def fmt_hours(x: float | None) -> str:
    """Clinician-hours or money: whole units with thousands separators: 24640 -> '24,640'."""
    return "n/a" if _missing(x) else f"{float(x):,.0f}"


def fmt_week(x: float | None) -> str:
    """Week numbers: '16', '15.5'."""
    return "n/a" if _missing(x) else _trim(f"{float(x):.1f}")


def _signed_fixed(decimals: int):
    def fmt(x: float | None) -> str:
        if _missing(x):
            return "n/a"
        text = f"{float(x):+.{decimals}f}"
        return text[1:] if float(text) == 0 else text

    return fmt


def fmt_signed_count(x: float | None) -> str:
    """Difference of counts: sign, thousands separators, one decimal only below 10: -757.5 -> '-758'."""
    if _missing(x):
        return "n/a"
    x = float(x)
    text = _trim(f"{x:+,.1f}") if abs(x) < 10 else f"{x:+,.0f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def _points_per_100h(x: float | None) -> str:
    """Share change per 100 h in points, 2 decimals: -0.05699 -> '-5.70'."""
    return _signed_fixed(2)(None if _missing(x) else 100.0 * float(x))


def value_format(outcome: str):
    """Formatter of a value of ``outcome`` (also used for target thresholds)."""
    if outcome.startswith("share_"):
        return fmt_pct
    if outcome.startswith(("total_", "errors_")):
        return fmt_count
    return lambda x: fmt_num(x, 2)


def diff_format(outcome: str):
    """Formatter of a difference of ``outcome`` between two scenarios."""
    if outcome.startswith("share_"):
        return fmt_points
    if outcome.startswith(("total_", "errors_")):
        return fmt_signed_count
    return _signed_fixed(2)


def per100_format(outcome: str):
    """Formatter of the effect on ``outcome`` per 100 extra clinician-hours."""
    if outcome.startswith("share_"):
        return _points_per_100h
    if outcome.startswith(("total_", "errors_")):
        return _signed_fixed(2)
    return _signed_fixed(3)


def unsigned(text: str) -> str:
    """Drop a leading sign: prose says 'fell by 17.6 points'."""
    return text[1:] if text[:1] in "+-" else text


# Every formatter the report uses, so tests can apply the same rounding to the tables.
FORMATTERS = (
    fmt_pct, fmt_points, fmt_hours, fmt_week, fmt_count, fmt_signed_count, _points_per_100h,
    lambda x: fmt_num(x, 2), _signed_fixed(1), _signed_fixed(2), _signed_fixed(3),
)


# --------------------------------------------------------------------------
# reading the tables
# --------------------------------------------------------------------------
class ReportInputError(ValueError):
    """The tables of a run folder are missing, malformed or contradict each other."""


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


@dataclass
class RunTables:
    """The tables of one run folder, as read from disk; steps.csv as the fan charts' bands per scenario
    (read in chunks: a run of many replications is not held in memory)."""

    folder: Path
    steps: dict[str, plots.Bands]
    replications: pd.DataFrame
    scenarios: pd.DataFrame
    comparison: pd.DataFrame
    targets: pd.DataFrame
    summary: dict

    @property
    def baseline(self) -> str:
        return str(self.scenarios.iloc[0]["scenario"])

    @property
    def alternatives(self) -> list[str]:
        return [str(s) for s in self.scenarios["scenario"].iloc[1:]]

    def scenario_row(self, name: str) -> pd.Series:
        return self.scenarios[self.scenarios["scenario"] == name].iloc[0]

    def comp(self, name: str, outcome: str) -> pd.Series | None:
        rows = self.comparison[(self.comparison["scenario"] == name) & (self.comparison["outcome"] == outcome)]
        return None if rows.empty else rows.iloc[0]

    def ranked(self) -> list[str]:
        """Alternatives, largest reduction of the final share skeptical first (missing last)."""
        def key(name: str) -> tuple[int, float]:
            row = self.comp(name, "share_skeptical")
            d = None if row is None else row["difference"]
            return (1, 0.0) if _missing(d) else (0, float(d))

        return sorted(self.alternatives, key=key)

    def targets_of(self, name: str) -> pd.DataFrame:
        return self.targets[self.targets["scenario"] == name]

    def target_names(self) -> list[str]:
        return list(dict.fromkeys(str(t) for t in self.targets["target"]))


def _read_csv(folder: Path, name: str, chunksize: int | None = None):
    """The table `name` of `folder` (with `chunksize`: an iterator of frames of that many rows)."""
    path = folder / name
    if not path.is_file():
        raise ReportInputError(f"{path}: missing; the report needs it")
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"scenario": str}, chunksize=chunksize)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: cannot be read as CSV ({exc})") from None


REQUIRED = {
    "steps.csv": ["scenario", "replication", "step", "share_skeptical", "share_none", "share_verify",
                  "share_primary", "competence_gap"],
    "replications.csv": ["scenario", "replication", "share_skeptical", "share_verify", "share_primary",
                         "total_errors_passed"],
    "scenarios.csv": ["scenario", "role", "replications", "steps", "seed", "cost_hours"],
    "comparison.csv": ["scenario", "outcome", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high"],
    "targets.csv": ["scenario", "target", "metric", "direction", "threshold", "by_week", "probability",
                    "probability_low", "probability_high"],
}


TEXT_COLUMNS = {"scenario", "role", "file", "description", "interventions", "paired", "currency", "outcome",
                "better", "target", "metric", "direction"}


STEPS_CHUNK = 5_000  # rows of steps.csv read at a time (bounds the memory of the report)


def _check_columns(path: Path, frame: pd.DataFrame, first_row: int = 0) -> None:
    """Required columns present and every non-text cell a number (converted in place); `first_row`:
    the frame's first row in the file, for the message."""
    missing = [c for c in REQUIRED[path.name] if c not in frame.columns]
    if missing:
        raise ReportInputError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in frame.columns:
        if column in TEXT_COLUMNS:
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column].notna() & numbers.isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ReportInputError(
                f"{path}: column {column}, row {first_row + row + 2}: {frame[column].iloc[row]!r} is not a number"
            )
        frame[column] = numbers


def _read_steps(folder: Path) -> dict[str, plots.Bands]:
    """steps.csv, checked chunk by chunk, into one StepStore per scenario (of the columns drawn)."""
    path = folder / "steps.csv"
    columns = REQUIRED["steps.csv"][3:]
    stores: dict[str, StepStore] = {}
    first_row = 0
    try:
        with _read_csv(folder, "steps.csv", chunksize=STEPS_CHUNK) as reader:
            _check_columns(path, pd.read_csv(path, nrows=0))  # the columns, even without rows
            for chunk in reader:
                _check_columns(path, chunk, first_row)
                first_row += len(chunk)
                for name, rows in chunk.groupby("scenario", sort=False):
                    store = stores.setdefault(str(name), StepStore(columns, folder))
                    store.append(rows["step"].to_numpy(), rows["replication"].to_numpy(), rows[columns].to_numpy(dtype=float))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: cannot be read as CSV ({exc})") from None
    return {name: plots.Bands(store) for name, store in stores.items()}


def read_run_tables(folder: Path | str) -> RunTables:
    """Read and check the tables of ``folder`` (raises ReportInputError on anything inconsistent)."""
    folder = Path(folder)
    steps = _read_steps(folder)
    frames = {name: _read_csv(folder, name) for name in REQUIRED if name != "steps.csv"}
    for name, frame in frames.items():
        _check_columns(folder / name, frame)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise ReportInputError(f"{summary_path}: missing; the report needs it")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables = RunTables(folder, steps, frames["replications.csv"], frames["scenarios.csv"],
                       frames["comparison.csv"], frames["targets.csv"], summary)
    if tables.scenarios.empty:
        raise ReportInputError(f"{folder / 'scenarios.csv'}: no scenario")
    _check_consistency(tables)
    return tables


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _check_consistency(t: RunTables) -> None:
    """Cross-check the tables: the same number must not differ between two files."""
    if {"reached_by_deadline", "replications"} <= set(t.targets.columns):
        for row in t.targets.itertuples(index=False):
            if _missing(row.probability) or _missing(row.reached_by_deadline) or not row.replications:
                continue
            if not _close(float(row.probability), float(row.reached_by_deadline) / float(row.replications)):
                raise ReportInputError(
                    f"{t.folder / 'targets.csv'}: {row.scenario} {row.target!r}: probability {row.probability:.10g} "
                    f"is not {row.reached_by_deadline:g} of {row.replications:g} runs"
                )
    names = set(t.scenarios["scenario"])
    for file, used in (("steps.csv", set(t.steps)), ("replications.csv", set(t.replications["scenario"]))):
        unknown = used - names
        if unknown:
            raise ReportInputError(f"{t.folder / file}: scenario(s) {sorted(unknown)} not in scenarios.csv")
    for name in names:
        if name not in t.summary.get("scenarios", {}):
            raise ReportInputError(f"{t.folder / 'summary.json'}: no entry for scenario {name!r}")
    for row in t.comparison.itertuples(index=False):
        if row.outcome not in ("share_skeptical", "share_verify", "share_primary", "total_errors_passed"):
            continue  # outcomes that can be undefined in some runs may be averaged over complete pairs
        for name, claimed in ((t.baseline, row.baseline_mean), (row.scenario, row.scenario_mean)):
            values = t.replications.loc[t.replications["scenario"] == name, row.outcome]
            if values.empty or _missing(claimed):
                continue
            if not _close(float(values.mean()), float(claimed)):
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.outcome} of {name} has mean {claimed:.10g}, "
                    f"but replications.csv gives {float(values.mean()):.10g}"
                )
        if not any(_missing(x) for x in (row.difference, row.baseline_mean, row.scenario_mean)):
            if not _close(float(row.difference), float(row.scenario_mean) - float(row.baseline_mean)):
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.scenario} {row.outcome}: difference {row.difference:.10g} "
                    f"is not scenario_mean - baseline_mean ({row.scenario_mean:.10g} - {row.baseline_mean:.10g})"
                )
        if not any(_missing(x) for x in (row.difference, row.ci_low, row.ci_high)):
            if not row.ci_low - 1e-12 <= row.difference <= row.ci_high + 1e-12:
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.scenario} {row.outcome}: difference {row.difference:.10g} "
                    f"outside its interval {row.ci_low:.10g} to {row.ci_high:.10g}"
                )


# --------------------------------------------------------------------------
# document blocks, rendered as markdown here and as HTML in html.py
# --------------------------------------------------------------------------
@dataclass
class Block:
    """One piece of the report: kind is h1/h2/h3/p/meta/table/img/ul."""

    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    path: str = ""  # images: path relative to the run folder


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown text of ``blocks``."""
    out = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind in ("p", "summary"):
            out.append(b.text)
        elif b.kind == "meta":
            out.append(f"_{b.text}_")
        elif b.kind == "table":
            esc = lambda c: c.replace("|", "\\|")  # noqa: E731
            lines = ["| " + " | ".join(esc(c) for c in b.header) + " |",
                     "|" + "---|" * min(2, len(b.header)) + "---:|" * max(0, len(b.header) - 2)]
            lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif b.kind == "img":
            out.append(f"![{b.text}]({b.path})")
        elif b.kind == "ul":
            out.append("\n".join(f"- {item}" for item in b.items))
        else:
            raise ValueError(f"unknown block kind {b.kind!r}")
    return "\n\n".join(out) + "\n"


# --------------------------------------------------------------------------
# comparison report sections
# --------------------------------------------------------------------------
def _interval(fmt, low: Any, high: Any) -> str:
    return f"{fmt(low)} to {fmt(high)}"


def _diff_with_interval(t: RunTables, name: str, outcome: str) -> str:
    """'-17.6 (-28.3 to -6.8)' for a table cell."""
    row = t.comp(name, outcome)
    if row is None or _missing(row["difference"]):
        return "n/a"
    fmt = diff_format(outcome)
    if _missing(row["ci_low"]) or _missing(row["ci_high"]):
        return fmt(row["difference"])
    return f"{fmt(row['difference'])} ({_interval(fmt, row['ci_low'], row['ci_high'])}){_verdict_mark(row)}"


def _verdict_mark(row: Mapping[str, Any]) -> str:
    """' ✓' when the interval lies wholly on the side comparison.csv calls better, ' ✗' on the other side."""
    better = str(row.get("better", ""))
    clear = _clear(row)
    if better not in ("lower", "higher") or clear == "unclear":
        return ""
    return " ✓" if clear == better else " ✗"


def _change_phrase(row: pd.Series, outcome: str, unit: str = "") -> str:
    """'+2.0 points, 95 % interval +0.3 to +3.7'."""
    fmt = diff_format(outcome)
    text = fmt(row["difference"]) + (f" {unit}" if unit else "")
    if not (_missing(row["ci_low"]) or _missing(row["ci_high"])):
        text += f", {INTERVAL} {_interval(fmt, row['ci_low'], row['ci_high'])}"
    return text


def _clear(row: Mapping[str, Any]) -> str:
    """'lower' / 'higher' when the interval excludes zero, else 'unclear'."""
    if _missing(row["ci_low"]) or _missing(row["ci_high"]):
        return "unclear"
    if row["ci_high"] < 0:
        return "lower"
    if row["ci_low"] > 0:
        return "higher"
    return "unclear"


def _target_parts(row: Mapping[str, Any], steps: int | None = None) -> tuple[str | None, str]:
    """(planner's label or None, 'skeptical at most 22.0% by week 20[; evaluated up to week 52, ...]')."""
    metric = str(row["metric"])
    how = "at least" if row["direction"] == "at_least" else "at most"
    plain = f"{METRIC_NAMES.get(metric, metric)} {how} {value_format(metric)(row['threshold'])} by week {fmt_week(row['by_week'])}"
    if steps is not None and not _missing(row["by_week"]) and float(row["by_week"]) > steps:
        plain += f"; evaluated up to week {steps}, the end of the run"
    label = str(row["target"])
    return (None if label.startswith(metric) else label), plain


def _target_plain(row: Mapping[str, Any], steps: int | None = None) -> str:
    """'“label” (plain)' or just the plain description."""
    label, plain = _target_parts(row, steps)
    return plain if label is None else f"“{label}” ({plain})"


def _weeks_of(t: RunTables) -> int:
    return int(t.scenarios["steps"].max())


def _paired(t: RunTables) -> bool:
    """True when every alternative is paired with the baseline (common random numbers)."""
    return bool(t.alternatives) and not _unpaired_names(t) and "paired" in t.scenarios


def _unpaired_names(t: RunTables) -> list[str]:
    """Alternatives compared with the baseline as independent runs (not paired)."""
    if "paired" not in t.scenarios:
        return list(t.scenarios["scenario"].iloc[1:])
    rows = t.scenarios.iloc[1:]
    return [str(name) for name, p in zip(rows["scenario"], rows["paired"], strict=True) if not _truthy(p)]


def _run_line(t: RunTables) -> str:
    """One line describing the run."""
    names = list(t.scenarios["scenario"])
    reps = sorted({int(r) for r in t.scenarios["replications"]})
    seeds = sorted({int(s) for s in t.scenarios["seed"]})
    paired = _paired(t)
    weeks = _weeks_of(t)
    listed = [plots.baseline_label(names[0])] + names[1:] if len(names) > 1 else names
    text = (
        f"{'Scenario' if len(names) == 1 else 'Scenarios'}: {', '.join(listed)} · "
        f"{' / '.join(str(r) for r in reps)} replications{' each' if len(names) > 1 else ''} · {weeks} weeks · "
        f"seed {', '.join(str(s) for s in seeds)}"
    )
    unpaired = _unpaired_names(t)
    if len(names) > 1 and paired:
        text += (" · common random numbers: replication k of every scenario starts from the same hospital, "
                 "so differences are paired")
    elif len(names) > 1 and len(unpaired) < len(names) - 1:
        text += (" · common random numbers: differences are paired, except for "
                 f"{', '.join(unpaired)} (a different population or network: compared as independent runs)")
    elif len(names) > 1:
        text += " · independent runs (differences not paired)"
    return text


def _reduction_phrase(row: Mapping[str, Any], outcome: str, unit: str, words: tuple[str, str]) -> str:
    """'17.6 points fewer (95 % interval 6.8 to 28.3)' for a clear change, else a neutral phrase.

    ``outcome`` 'per_100h' formats an effect per 100 clinician-hours of a share.
    """
    fmt = per100_format("share_") if outcome == "per_100h" else diff_format(outcome)
    d, lo, hi = row["difference"], row["ci_low"], row["ci_high"]
    clear = _clear(row)
    if clear == "lower":
        return f"{unsigned(fmt(d))} {unit} {words[0]} ({INTERVAL} {unsigned(fmt(hi))} to {unsigned(fmt(lo))})"
    if clear == "higher":
        return f"{unsigned(fmt(d))} {unit} {words[1]} ({INTERVAL} {unsigned(fmt(lo))} to {unsigned(fmt(hi))})"
    if _missing(lo) or _missing(hi):
        return f"a change of {fmt(d)} {unit} (no interval: too few runs)"
    return f"a change of {fmt(d)} {unit}, not clearly different from zero ({INTERVAL} {fmt(lo)} to {fmt(hi)})"


def _most_efficient_clause(t: RunTables, best: str) -> str:
    """'; per clinician-hour, literacy did more (2.25 ...)' when another alternative is more efficient."""
    rows = t.comparison[(t.comparison["outcome"] == "share_skeptical") & t.comparison["per_100h"].notna()]
    if len(rows) < 2:
        return ""
    top = rows.loc[rows["per_100h"].idxmin()]
    mine = rows[rows["scenario"] == best]
    if str(top["scenario"]) == best or mine.empty or top["per_100h"] >= mine.iloc[0]["per_100h"] or top["per_100h"] >= 0:
        return ""
    per = _reduction_phrase({"difference": top["per_100h"], "ci_low": top["per_100h_low"],
                             "ci_high": top["per_100h_high"]}, "per_100h", "points", ("fewer", "more"))
    return f", while {top['scenario']} did the most per clinician-hour ({per} per 100 hours)"


def _first_target_sentence(t: RunTables, name: str) -> str | None:
    """Probability that ``name`` reaches the first target (and the baseline's, when it is another scenario)."""
    if t.targets.empty:
        return None
    first = t.target_names()[0]
    rows = t.targets[t.targets["target"].astype(str) == first]
    mine = rows[rows["scenario"] == name]
    if mine.empty:
        return None
    m = mine.iloc[0]
    label, plain = _target_parts(m, _weeks_of(t))
    what = f"“{label}” ({plain})" if label else f"({plain})"
    interval = f"{INTERVAL} {fmt_pct_range([m['probability_low'], m['probability_high']])}"
    if name == t.baseline:
        return f"The chance of reaching the first target {what} was {fmt_pct(m['probability'])} ({interval})."
    text = f"The chance of reaching the first target {what} was {fmt_pct(m['probability'])} with {name} ({interval})"
    base = rows[rows["scenario"] == t.baseline]
    if not base.empty:
        text += f" against {fmt_pct(base.iloc[0]['probability'])} in the baseline"
    return text + "."


def _comparison_summary(t: RunTables) -> list[str]:
    """Three to five plain sentences for a run with alternatives."""
    ranked = t.ranked()
    best = ranked[0]
    weeks = _weeks_of(t)
    sentences = []
    sk = t.comp(best, "share_skeptical")
    if sk is None or _missing(sk["difference"]):
        sentences.append(f"The share of skeptical clinicians could not be compared with the baseline for {best}.")
    else:
        others = (f"Among the alternatives, **{best}** did best on skepticism: " if len(ranked) > 1
                  else f"With **{best}**, ")
        after = (f"after {weeks} weeks {fmt_pct(sk['scenario_mean'])} of clinicians were skeptical of clinical AI, "
                 f"against {fmt_pct(sk['baseline_mean'])} in the baseline")
        verdict = _reduction_phrase(sk, "share_skeptical", "points", ("fewer", "more"))
        sentences.append(others + after + ", " + verdict + ".")
    parts = []
    for outcome, what in (("share_verify", "verified their own decisions with AI"),
                          ("share_primary", "used AI as their primary decision aid")):
        row = t.comp(best, outcome)
        if row is not None and not _missing(row["scenario_mean"]):
            parts.append(f"{fmt_pct(row['scenario_mean'])} {what} (baseline {fmt_pct(row['baseline_mean'])}; "
                         f"{_change_phrase(row, outcome, POINTS)})")
    if parts:
        sentences.append("At the end, " + " and ".join(parts) + ".")
    parts = []
    gap = t.comp(best, "competence_gap")
    if gap is not None and not _missing(gap["scenario_mean"]):
        parts.append(
            f"Peers rated AI users {fmt_num(abs(float(gap['scenario_mean'])), 2)} points "
            f"{'less' if gap['scenario_mean'] >= 0 else 'more'} competent than non-users on the 1–7 scale "
            f"(baseline {value_format('competence_gap')(gap['baseline_mean'])}; {_change_phrase(gap, 'competence_gap', POINTS)})"
        )
    errors = t.comp(best, "total_errors_passed")
    if errors is not None and not _missing(errors["scenario_mean"]):
        parts.append(
            f"{fmt_count(errors['scenario_mean'])} AI errors per run were passed on uncaught "
            f"(baseline {fmt_count(errors['baseline_mean'])}; {_change_phrase(errors, 'total_errors_passed', 'errors')})"
        )
    if parts:
        sentences.append(" and ".join(parts) + ".")
    if sk is not None and not _missing(sk.get("extra_cost_hours")):
        extra = float(sk["extra_cost_hours"])
        row = t.scenario_row(best)
        money = ""
        if "cost_money" in row and not _missing(row["cost_money"]) and float(row["cost_money"]) > 0:
            money = f" ({row.get('currency', '')} {fmt_hours(row['cost_money'])} for its interventions)".replace("( ", "(")
        if extra > 0:
            text = f"The {best} scenario took {fmt_hours(extra)} more clinician-hours than the baseline{money}"
            if not _missing(sk.get("per_100h")):
                per = _reduction_phrase(
                    {"difference": sk["per_100h"], "ci_low": sk["per_100h_low"], "ci_high": sk["per_100h_high"]},
                    "per_100h", "skeptical points", ("fewer", "more"))
                text += f"; every 100 extra clinician-hours meant {per}"
            text += _most_efficient_clause(t, best)
            sentences.append(text + ".")
        elif extra == 0:
            sentences.append(f"The {best} scenario took no more clinician-hours than the baseline.")
    target = _first_target_sentence(t, best)
    if target:
        sentences.append(target)
    return sentences


def _ranking_table(t: RunTables) -> Block:
    """Baseline as reference row, then the alternatives by reduction of skepticism."""
    money = "cost_money" in t.scenarios and t.scenarios["cost_money"].notna().any()
    currency = str(t.scenarios["currency"].dropna().iloc[0]) if money and "currency" in t.scenarios else ""
    targets = t.target_names()
    header = ["Rank", "Scenario"] + [f"{COMPARED[o]}{', points' if o.startswith('share_') else ''}" for o in COMPARED]
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
    for outcome in COMPARED:
        rows_o = t.comparison[t.comparison["outcome"] == outcome]
        base_cells.append("n/a" if rows_o.empty else value_format(outcome)(rows_o.iloc[0]["baseline_mean"]))
    rows.append(["ref.", f"{plots.baseline_label(t.baseline)}: level at the end"] + base_cells + cost_cells(t.baseline) + ["–"]
                + target_cells(t.baseline))
    for rank, name in enumerate(t.ranked(), start=1):
        sk = t.comp(name, "share_skeptical")
        per = "n/a"
        if sk is not None and not _missing(sk.get("per_100h")):
            f = per100_format("share_skeptical")
            per = f(sk["per_100h"])
            if not (_missing(sk.get("per_100h_low")) or _missing(sk.get("per_100h_high"))):
                per += f" ({_interval(f, sk['per_100h_low'], sk['per_100h_high'])})"
        rows.append([str(rank), name] + [_diff_with_interval(t, name, o) for o in COMPARED] + cost_cells(name)
                    + [per] + target_cells(name))
    return Block("table", header=header, rows=rows)


def _targets_blocks(t: RunTables) -> list[Block]:
    """One small table per target: the scenarios (baseline first, then by rank) and how often they reach it."""
    header = ["Scenario", f"Probability by the deadline ({INTERVAL})", "Runs reaching it by the deadline",
              "Runs reaching it at all", f"Median week first reached ({RUNS_RANGE})"]
    order = {name: i for i, name in enumerate([t.baseline] + t.ranked())}
    blocks = []
    for number, target in enumerate(t.target_names(), start=1):
        rows_t = t.targets[t.targets["target"].astype(str) == target]
        rows_t = rows_t.assign(_order=rows_t["scenario"].map(order)).sort_values("_order", kind="stable")
        label, plain = _target_parts(rows_t.iloc[0], _weeks_of(t))
        heading = f"Target {number}: {label}" if label else f"Target {number}: {plain}"
        blocks.append(Block("h3", heading))
        if label:
            blocks.append(Block("p", plain[:1].upper() + plain[1:] + "."))
        rows = []
        for _, r in rows_t.iterrows():
            week = "never reached"
            if not _missing(r.get("median_week_reached")):
                week = fmt_week(r["median_week_reached"])
                if not (_missing(r.get("week_reached_low")) or _missing(r.get("week_reached_high"))):
                    week += f" ({fmt_week(r['week_reached_low'])}–{fmt_week(r['week_reached_high'])})"

            def of(key: str) -> str:
                if key not in r or _missing(r[key]) or _missing(r.get("replications")):
                    return "n/a"
                return f"{fmt_week(r[key])} of {fmt_week(r['replications'])}"

            name = str(r["scenario"])
            rows.append([plots.baseline_label(name) if name == t.baseline else name,
                         f"{fmt_pct(r['probability'])} ({fmt_pct_range([r['probability_low'], r['probability_high']])})",
                         of("reached_by_deadline"), of("reached_ever"), week])
        blocks.append(Block("table", header=header, rows=rows))
    return blocks


def _final_table(t: RunTables) -> Block:
    """Level of each outcome at the end per scenario, mean and the range of 95 % of runs (summary.json)."""
    outcomes = [("share_skeptical", "Skeptical"), ("share_none", "No AI use"), ("share_verify", "Verifying"),
                ("share_primary", "Primary aid"), ("competence_gap", "Competence gap")]
    header = ["Scenario"] + [label for _, label in outcomes] + ["Errors passed on (total)"]
    rows = []
    for name in [t.baseline] + t.ranked():
        s = t.summary["scenarios"][name]
        cells = [name]
        for outcome, _ in outcomes:
            cells.append(fmt_stat(outcome, s.get("outcomes", {}).get(outcome, {}).get("final")))
        cells.append(fmt_stat("errors_passed", s.get("totals", {}).get("errors_passed")))
        rows.append(cells)
    return Block("table", header=header, rows=rows)


TABLE_FILES = [
    ("steps.csv", "one row per scenario, replication and week: shares of clinicians in each mode, skeptical, "
                  "mean attitude, competence gap, errors, cumulative clinician-hours"),
    ("replications.csv", "one row per scenario and replication: final outcomes and totals"),
    ("scenarios.csv", "the scenarios of this run, their interventions, replications, seed and cost"),
    ("comparison.csv", "each alternative against the baseline: mean difference with its interval, and per 100 clinician-hours"),
    ("targets.csv", "probability of reaching each target by its deadline, and the week it was reached"),
    ("network.csv", "descriptive statistics of each scenario's network: size, degree, clustering, components, layers"),
    ("summary.json", "each outcome at the start, at milestones and at the end, per scenario"),
    ("manifest.json", "scenario files, seeds, versions and timings of the run"),
]


def _how_to_read(t: RunTables, comparison: bool) -> list[Block]:
    reps = ", ".join(sorted({str(int(r)) for r in t.scenarios["replications"]}))
    text = (
        f"Each scenario was run {reps} times (replications) with different random draws. "
        f"A **range of runs** (\"{RUNS_RANGE}\") shows where the middle 95 % of runs ended: how differently "
        "a hospital like this one could turn out. "
    )
    if comparison and len(_unpaired_names(t)) < len(t.alternatives):
        text += (
            f"A **{INTERVAL} of a difference** says how precisely the average effect of a scenario against the "
            "baseline is known; it is much narrower than the range of runs because of **common random numbers**: "
            "replication k of every scenario starts from the same hospital, the same clinicians and the same "
            "random draws, so the difference between two scenarios is measured run by run (paired) and the "
            "luck of each run cancels out. "
        )
        if _unpaired_names(t):
            text += (
                f"{', '.join(_unpaired_names(t))} "
                f"{'simulates' if len(_unpaired_names(t)) == 1 else 'simulate'} a different hospital (population "
                "or network), so differences with it compare independent runs (Welch interval) and are wider. "
            )
    elif comparison:
        text += (
            f"A **{INTERVAL} of a difference** says how precisely the average effect of a scenario against the "
            "baseline is known. Here the scenarios were not run on the same hospital with the same random draws "
            "(no common random numbers: different seeds, population or network), so each difference compares "
            "independent runs (Welch interval) and is wider than a paired one would be. "
        )
    if comparison:
        text += (
            "An interval that does not include 0 means a clear effect. "
            "Differences of shares are in percentage **points**: the difference of the two percentages. "
            "Target probabilities are the share of runs that reached the target by the deadline, "
            "with a Wilson interval. The fan charts show the median run with bands for the middle 50 % and "
            "95 % of runs."
        )
    else:
        text += ("The fan charts show the median run with bands for the middle 50 % and 95 % of runs, "
                 "so their lines can differ slightly from the means in the text.")
    files = [f"`{name}`: {what}" for name, what in TABLE_FILES if (t.folder / name).exists() or name == "manifest.json"]
    return [Block("h2", "How to read this"), Block("p", text), Block("h3", "Table files"),
            Block("ul", items=files + ["`plots/`: the figures of this report as PNG files"])]


NETWORK_COLUMNS = [("clinicians", "Clinicians", fmt_count), ("ties", "Ties", fmt_count),
                   ("mean_degree", "Mean degree", lambda x: fmt_num(x, 2)), ("clustering", "Clustering", lambda x: fmt_num(x, 2)),
                   ("components", "Components", fmt_count), ("largest_component_share", "Largest component", fmt_pct),
                   ("isolates", "Isolates", fmt_count)]


def _network_blocks(t: RunTables) -> list[Block]:
    """The network each scenario ran on (network.csv, written by the job); nothing when it is absent."""
    path = t.folder / "network.csv"
    if not path.is_file():
        return []
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"scenario": str, "layer": str, "other_layer": str})
    if frame.empty:
        return []
    whole = frame[frame["layer"].isna()]
    rows = []
    for name in t.scenarios["scenario"]:
        values = whole[whole["scenario"] == name].set_index("statistic")["value"]
        if values.empty:
            continue
        rows.append([str(name)] + [fmt(values.get(key)) for key, _, fmt in NETWORK_COLUMNS])
    blocks = [Block("h2", "The network"),
              Block("p", "The clinicians' network at the start of the first replication (a network read from files is the "
                         "same in every replication), its ties taken without direction. Mean degree is the average number "
                         "of colleagues; clustering is the average share of a clinician's colleague pairs who are "
                         "colleagues themselves; a component is a group connected by ties, and isolates have no tie."),
              Block("table", header=["Scenario"] + [label for _, label, _ in NETWORK_COLUMNS], rows=rows)]
    layers = frame[frame["layer"].notna() & frame["other_layer"].isna() & (frame["statistic"] == "ties")]
    if not layers.empty:
        blocks.append(Block("p", "Ties per layer of the files (a pair of clinicians tied in several layers counts once in "
                                 "the network), and the overlap of each pair of layers: the ties in both as a share of the "
                                 "ties in either (Jaccard index)."))
        overlap = frame[frame["other_layer"].notna()]
        table = []
        for _, row in layers.iterrows():
            pairs = overlap[(overlap["scenario"] == row["scenario"]) & (overlap["layer"] == row["layer"])]
            text = ", ".join(f"{p['other_layer']} {fmt_num(p['value'], 2)}" for _, p in pairs.iterrows())
            table.append([str(row["scenario"]), str(row["layer"]), fmt_count(row["value"]), text or "-"])
        blocks.append(Block("table", header=["Scenario", "Layer", "Ties", "Overlap with"], rows=table))
    return blocks


def _diffusion_blocks(t: RunTables) -> list[Block]:
    """Diffusion statistics per scenario (summary.json, from steps.csv); nothing for older summaries."""
    rows = []
    for name in t.scenarios["scenario"]:
        part = t.summary.get("scenarios", {}).get(str(name), {})
        totals, outcomes = part.get("totals", {}), part.get("outcomes", {})
        if "mean_exposure_at_adoption" not in totals or "attitude_assortativity" not in outcomes:
            continue
        exposure, hazard = totals["mean_exposure_at_adoption"], totals.get("mean_adoption_hazard", {})
        attitude, mode = outcomes["attitude_assortativity"], outcomes["mode_assortativity"]
        rows.append([
            str(name),
            f"{fmt_pct(exposure.get('mean'))} ({fmt_pct_range(exposure.get('range95', [None, None]))})",
            fmt_pct(hazard.get("mean")),
            f"{fmt_num(attitude.get('initial'), 2)} → {fmt_num(attitude['final'].get('mean'), 2)}",
            f"{fmt_num(mode.get('initial'), 2)} → {fmt_num(mode['final'].get('mean'), 2)}",
        ])
    if not rows:
        return []
    return [
        Block("h2", "How AI use spread"),
        Block("p", "Exposure at adoption is the share of a clinician's colleagues who already used AI when the "
                   "clinician started (their personal-network threshold in Valente's sense), averaged over adopters, with "
                   "the range of 95 % of runs; the weekly hazard is the chance that a clinician who had never used AI "
                   "started in a given week, averaged over the weeks. Assortativity (from the start to the end) is the "
                   "correlation of colleagues' attitudes across ties, and the same for the way they use AI: above 0, "
                   "colleagues are alike."),
        Block("table", header=["Scenario", "Exposure at adoption", "Weekly hazard", "Attitude assortativity",
                               "AI-use assortativity"], rows=rows),
    ]


# --------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------
def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "scenario"


def _network_plots(t: RunTables, snapshots: Mapping[str, Mapping[str, Any]], names: list[str],
                   plot_dir: Path) -> dict[str, tuple[Path, str]]:
    out = {}
    for name in names:
        snap = snapshots.get(name) if snapshots else None
        if not snap or "start" not in snap or "end" not in snap:
            continue
        who = plots.baseline_label(name) if name == t.baseline else f"{name} (best-ranked alternative)"
        path = plots.plot_network_pair(
            snap["start"], snap["end"], plot_dir / f"network_{_slug(name)}.png",
            title=f"{who}: the clinician network at the start and at the end (replication 0)",
        )
        out[f"network_{_slug(name)}"] = (path, name)
    return out


def _comparison_figures(t: RunTables, snapshots: Mapping[str, Any], plot_dir: Path) -> list[tuple[str, Path, str]]:
    """Write the comparison figures; return (heading, path, one-line reading hint)."""
    ranked = t.ranked()
    steps = t.steps
    figs = [
        ("Skeptical clinicians over time",
         plots.plot_fan_by_scenario(steps, "share_skeptical", t.baseline, ranked, plot_dir / "skeptical_fan.png",
                                    "Share of clinicians skeptical of clinical AI", "Skeptical clinicians"),
         "One panel per alternative (in ranking order), the baseline in grey. Lines are the median run, "
         "shaded bands hold the middle 50 % and 95 % of runs."),
        ("How clinicians use AI over time",
         plots.plot_modes_fan(steps, t.baseline, ranked, plot_dir / "modes_fan.png"),
         "Columns: no AI use, AI to verify one's own decision, AI as the primary decision aid; one row per "
         "alternative, the baseline in grey."),
        ("Do peers rate AI users as less competent?",
         plots.plot_fan_by_scenario(steps, "competence_gap", t.baseline, ranked, plot_dir / "competence_gap_fan.png",
                                    "Peer rating gap: how much less competent AI users are rated than non-users (1–7 scale points)",
                                    "Rating gap (points)", percent=False, zero_line=True),
         "Above zero, peers rate clinicians who use AI as less competent than non-users, which holds adoption back."),
    ]
    rows = []
    for i, name in enumerate(ranked):
        sk = t.comp(name, "share_skeptical")
        if sk is None:
            continue
        rows.append({"scenario": name, "extra_cost_hours": sk.get("extra_cost_hours", float("nan")),
                     "reduction": -100.0 * sk["difference"], "low": -100.0 * sk["ci_high"],
                     "high": -100.0 * sk["ci_low"]})
    if rows:
        figs.append(("Cost and effect", plots.plot_cost_effectiveness(
            pd.DataFrame(rows), plot_dir / "cost_effectiveness.png", t.baseline, paired=_paired(t)),
            "Each point is a scenario: how many more clinician-hours it took than the baseline and how many "
            "points it cut the share of skeptical clinicians, with the 95 % interval of that difference."))
    for key, (path, name) in _network_plots(t, snapshots, [t.baseline] + ranked[:1], plot_dir).items():
        figs.append((f"The clinician network: {name}", path,
                     "Each dot is a clinician, each grey line a working relationship; compare the start (left) "
                     "with the end (right). Top: attitude (red = skeptical); bottom: how they use AI."))
    return figs


def _single_figures(t: RunTables, snapshots: Mapping[str, Any], plot_dir: Path) -> list[tuple[str, Path, str]]:
    steps = t.steps[t.baseline]
    figs = [
        (PLOT_INFO["modes_and_skepticism"][0],
         plots.plot_modes_and_skepticism(steps, plot_dir / "modes_and_skepticism.png"), PLOT_INFO["modes_and_skepticism"][1]),
        (PLOT_INFO["competence_gap"][0],
         plots.plot_competence_gap(steps, plot_dir / "competence_gap.png"), PLOT_INFO["competence_gap"][1]),
    ]
    for key, (path, name) in _network_plots(t, snapshots, [t.baseline], plot_dir).items():
        figs.append((PLOT_INFO["network_start_end"][0], path, PLOT_INFO["network_start_end"][1]))
    return figs


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------
def build_run_report(t: RunTables, figures: Sequence[tuple[str, Path, str]]) -> list[Block]:
    """All blocks of the report of run ``t`` with ``figures`` (heading, path, hint)."""
    comparison = bool(t.alternatives)
    names = list(t.scenarios["scenario"])
    title = (f"Clinical AI skepticism: {', '.join(t.ranked())} compared with {t.baseline}" if comparison
             else f"Clinical AI skepticism: scenario {t.baseline}")
    blocks = [Block("h1", title), Block("meta", _run_line(t))]
    for name in names:
        row = t.scenario_row(name)
        desc = "" if _missing(row.get("description")) else str(row.get("description"))
        inter = "" if _missing(row.get("interventions")) else str(row.get("interventions"))
        if desc or inter:
            blocks.append(Block("p", f"**{name}**: {desc}" + (f" Interventions: {inter}." if inter else "")))
        else:
            blocks.append(Block("p", f"**{name}**."))
    blocks.append(Block("h2", "Summary"))
    if comparison:
        blocks.append(Block("summary", " ".join(_comparison_summary(t))))
        blocks += [Block("h2", "Ranking of scenarios"),
                   Block("p", f"Alternatives ranked by how much they cut the final share of skeptical clinicians. "
                              f"The first row gives the baseline level at the end; the other rows give the difference "
                              f"from the baseline with its {INTERVAL} (shares in percentage points, the competence gap "
                              "in 1–7 scale points, errors per run). ✓ marks a clearly better result than the baseline "
                              "and ✗ a clearly worse one (the interval excludes zero; which direction is better is the "
                              "`better` column of comparison.csv). Clinician-hours and costs are totals per run; "
                              "P(target) is the probability of reaching that target by its deadline."),
                   _ranking_table(t)]
        if t.target_names():
            blocks.append(Block("p", "Targets: " + "; ".join(
                f"({i + 1}) {_target_plain(t.targets[t.targets['target'].astype(str) == name].iloc[0], _weeks_of(t))}"
                for i, name in enumerate(t.target_names())) + "."))
        blocks += [Block("h2", "Where each scenario ends"),
                   Block("p", f"Mean at the end across runs, with the range of {RUNS_RANGE} in brackets."),
                   _final_table(t)]
    else:
        summary = t.summary["scenarios"][t.baseline]
        target = _first_target_sentence(t, t.baseline)
        blocks.append(Block("summary", _summary_paragraph(summary) + (f" {target}" if target else "")))
        blocks += [Block("h2", "Outcomes over time"),
                   Block("p", f"Mean across runs, with the range covering {RUNS_RANGE} in brackets. "
                              "Shares are % of clinicians."),
                   Block("table", *_milestone_parts(summary))]
    if not t.targets.empty:
        blocks += [Block("h2", "Targets"),
                   Block("p", "How often the runs of each scenario reached each target by its deadline "
                              f"(a probability with its {INTERVAL}), and when they first reached it.")]
        blocks += _targets_blocks(t)
    blocks += _network_blocks(t)
    blocks += _diffusion_blocks(t)
    blocks.append(Block("h2", "Figures"))
    for heading, path, hint in figures:
        rel = Path(os.path.relpath(Path(path).resolve(), t.folder.resolve())).as_posix()
        blocks += [Block("h3", heading), Block("p", hint), Block("img", heading, path=rel)]
    blocks += _how_to_read(t, comparison)
    return blocks


def write_run_report(folder: Path | str, snapshots: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Path]:
    """Read the tables of run ``folder``; write ``plots/*.png``, ``report.md`` and ``report.html``.

    ``snapshots`` maps scenario name -> {"start": snapshot, "end": snapshot} (replication 0); the
    network pictures are drawn for the baseline and the best-ranked alternative when present.
    Returns name -> path of everything written.
    """
    from simulation.reporting.html import write_html

    folder = Path(folder)
    t = read_run_tables(folder)
    plot_dir = folder / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    figures = (_comparison_figures if t.alternatives else _single_figures)(t, snapshots or {}, plot_dir)
    blocks = build_run_report(t, figures)
    md = folder / "report.md"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    html = write_html(folder / "report.html", blocks, folder)
    written = {Path(p).stem: Path(p) for _, p, _ in figures}
    written.update({"report.md": md, "report.html": html})
    return written
