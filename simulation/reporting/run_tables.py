"""Reading and cross-checking the tables of a run folder for its report.

`read_run_tables(folder)` reads steps.csv (in chunks, as the fan charts' bands), replications.csv,
scenarios.csv, comparison.csv, targets.csv and summary.json, checks every column and that the same
number does not differ between two files, and raises `ReportInputError` on anything inconsistent.
Each table is read from its Parquet file when there is one, else from its CSV file
(`results.table_files.read_table`): a run written with `--format parquet` has its report too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.outcomes import CATALOGUE, COMPARED, outcome
from simulation.reporting.format import as_number, is_missing
from simulation.reporting.plots.bands import Bands
from simulation.results.hospitals import TRANSFER_ROLE
from simulation.results.stepstore import StepStore
from simulation.results.table_files import UnreadableTable, iter_table, read_table, table_columns, table_file


class ReportInputError(ValueError):
    """The tables of a run folder are missing, malformed or contradict each other."""


def truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


@dataclass
class RunTables:
    """The tables of one run folder, as read from disk; steps.csv as the fan charts' bands per scenario
    (read in chunks: a run of many replications is not held in memory)."""

    folder: Path
    steps: dict[str, Bands]
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
        """The scenarios compared with the baseline (ranked, on the charts): not the other hospitals."""
        others = set(self.other_hospitals) | set(self.plans_elsewhere)
        return [str(s) for s in self.scenarios["scenario"].iloc[1:] if str(s) not in others]

    @property
    def other_hospitals(self) -> list[str]:
        """Scenarios of another hospital than the baseline's (scenarios.csv `comparable` false): shown
        with their levels only, never compared or ranked."""
        if "comparable" not in self.scenarios:
            return []
        rows = self.scenarios.iloc[1:]
        rows = rows[rows["role"] != TRANSFER_ROLE]  # a plan in another hospital: the same plan in different hospitals
        return [str(name) for name, c in zip(rows["scenario"], rows["comparable"], strict=True) if not truthy(c)]

    @property
    def plans_elsewhere(self) -> list[str]:
        """Plans run in another hospital (`--across-hospitals`, scenarios.csv role 'plan in another hospital')."""
        return [str(s) for s in self.scenarios.loc[self.scenarios["role"] == TRANSFER_ROLE, "scenario"]]

    def scenario_row(self, name: str) -> pd.Series:
        return self.scenarios[self.scenarios["scenario"] == name].iloc[0]

    def comp(self, name: str, outcome: str) -> pd.Series | None:
        rows = self.comparison[(self.comparison["scenario"] == name) & (self.comparison["outcome"] == outcome)]
        return None if rows.empty else rows.iloc[0]

    def ranked(self) -> list[str]:
        """Alternatives, largest reduction of the final share skeptical first (missing last)."""

        def key(name: str) -> tuple[int, float]:
            row = self.comp(name, "share_skeptical")
            d = None if row is None else as_number(row["difference"])
            return (1, 0.0) if d is None else (0, d)

        return sorted(self.alternatives, key=key)

    def targets_of(self, name: str) -> pd.DataFrame:
        return self.targets[self.targets["scenario"] == name]

    def target_names(self) -> list[str]:
        return list(dict.fromkeys(str(t) for t in self.targets["target"]))


def _table_path(folder: Path, name: str) -> Path:
    """The file table `name` ('steps.csv') is read from: its Parquet file, else its CSV file."""
    path = table_file(folder, name)
    if path is None:
        raise ReportInputError(f"{folder / name}: missing; the report needs it")
    return path


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    """The table `name` of `folder` ('replications.csv': from replications.parquet if there is one), its
    text cells as the run wrote them (`results.table_files.read_table`)."""
    _table_path(folder, name)
    try:
        return read_table(folder, name, text=("scenario",), as_csv=True)
    except UnreadableTable as exc:
        raise ReportInputError(str(exc)) from None


# Shares of clinicians (drawn as fan charts) and the compared outcomes every run defines.
SHARES = tuple(o.name for o in CATALOGUE if o.fmt == "pct")
ALWAYS_DEFINED = tuple(name for name in COMPARED if not outcome(name).undefined)

REQUIRED = {
    # the outcomes the figures draw: every share, and the competence gap
    "steps.csv": ["scenario", "replication", "step", *SHARES, "competence_gap"],
    # the compared outcomes that every run defines
    "replications.csv": ["scenario", "replication", *ALWAYS_DEFINED],
    "scenarios.csv": ["scenario", "role", "replications", "steps", "seed", "cost_hours"],
    "comparison.csv": ["scenario", "outcome", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high"],
    "targets.csv": [
        "scenario",
        "target",
        "metric",
        "direction",
        "threshold",
        "by_week",
        "probability",
        "probability_low",
        "probability_high",
    ],
}


TEXT_COLUMNS = {
    "scenario",
    "role",
    "file",
    "description",
    "interventions",
    "paired",
    "currency",
    "comparable",
    "outcome",
    "better",
    "target",
    "metric",
    "direction",
    "source",
    "own",
}


STEPS_CHUNK = 5_000  # rows of steps.csv read at a time (bounds the memory of the report)


def _check_columns(path: Path, frame: pd.DataFrame, first_row: int = 0) -> None:
    """Required columns present and every non-text cell a number (converted in place); `first_row`:
    the frame's first row in the file, for the message."""
    missing = [c for c in REQUIRED[path.stem + ".csv"] if c not in frame.columns]
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


def _read_steps(folder: Path) -> dict[str, Bands]:
    """The steps table, checked chunk by chunk, into one StepStore per scenario (of the columns drawn)."""
    path = _table_path(folder, "steps.csv")
    columns = REQUIRED["steps.csv"][3:]
    stores: dict[str, StepStore] = {}
    first_row = 0
    try:
        # the columns, even without rows
        _check_columns(path, pd.DataFrame(columns=table_columns(folder, "steps")))
        for chunk in iter_table(folder, "steps", STEPS_CHUNK, text=("scenario",)):
            _check_columns(path, chunk, first_row)
            first_row += len(chunk)
            for name, rows in chunk.groupby("scenario", sort=False):
                store = stores.setdefault(str(name), StepStore(columns, folder))
                store.append(
                    rows["step"].to_numpy(), rows["replication"].to_numpy(), rows[columns].to_numpy(dtype=float)
                )
    except UnreadableTable as exc:
        raise ReportInputError(str(exc)) from None
    return {name: Bands(store) for name, store in stores.items()}


def read_run_tables(folder: Path | str) -> RunTables:
    """Read and check the tables of ``folder`` (raises ReportInputError on anything inconsistent)."""
    folder = Path(folder)
    steps = _read_steps(folder)
    frames = {name: _read_table(folder, name) for name in REQUIRED if name != "steps.csv"}
    for name, frame in frames.items():
        _check_columns(_table_path(folder, name), frame)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        raise ReportInputError(f"{summary_path}: missing; the report needs it")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables = RunTables(
        folder,
        steps,
        frames["replications.csv"],
        frames["scenarios.csv"],
        frames["comparison.csv"],
        frames["targets.csv"],
        summary,
    )
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
            if is_missing(row.probability) or is_missing(row.reached_by_deadline) or not row.replications:
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
        if row.outcome not in ALWAYS_DEFINED:
            continue  # outcomes that can be undefined in some runs may be averaged over complete pairs
        for name, claimed in ((t.baseline, row.baseline_mean), (row.scenario, row.scenario_mean)):
            values = t.replications.loc[t.replications["scenario"] == name, row.outcome]
            if values.empty or is_missing(claimed):
                continue
            if not _close(float(values.mean()), float(claimed)):
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.outcome} of {name} has mean {claimed:.10g}, "
                    f"but replications.csv gives {float(values.mean()):.10g}"
                )
        if not any(is_missing(x) for x in (row.difference, row.baseline_mean, row.scenario_mean)):
            if not _close(float(row.difference), float(row.scenario_mean) - float(row.baseline_mean)):
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.scenario} {row.outcome}: difference {row.difference:.10g} "
                    f"is not scenario_mean - baseline_mean ({row.scenario_mean:.10g} - {row.baseline_mean:.10g})"
                )
        if not any(is_missing(x) for x in (row.difference, row.ci_low, row.ci_high)):
            if not row.ci_low - 1e-12 <= row.difference <= row.ci_high + 1e-12:
                raise ReportInputError(
                    f"{t.folder / 'comparison.csv'}: {row.scenario} {row.outcome}: difference {row.difference:.10g} "
                    f"outside its interval {row.ci_low:.10g} to {row.ci_high:.10g}"
                )


def run_weeks(t: RunTables) -> int:
    return int(t.scenarios["steps"].max())


def all_paired(t: RunTables) -> bool:
    """True when every alternative is paired with the baseline (common random numbers)."""
    return bool(t.alternatives) and not unpaired_names(t) and "paired" in t.scenarios


def unpaired_names(t: RunTables) -> list[str]:
    """Alternatives compared with the baseline as independent runs (not paired)."""
    if "paired" not in t.scenarios:
        return t.alternatives
    rows = t.scenarios[t.scenarios["scenario"].astype(str).isin(t.alternatives)]
    return [str(name) for name, p in zip(rows["scenario"], rows["paired"], strict=True) if not truthy(p)]
