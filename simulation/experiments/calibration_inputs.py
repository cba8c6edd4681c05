"""The inputs of `simulate calibrate`, checked without the numerical stack: the scenario's
`[calibration]` table (`check_calibration_table`) and the observed data file (`--observed FILE`).

The command line runs these checks before it imports the engine, so bad input fails in half a
second; `simulation.experiments.calibration` runs them again when it calibrates.

The observed data file has two forms (simulation/experiments/calibration.py, docs/SCENARIOS.md):

- series: a `step` column (or `week`, `month`) of whole steps 0..run.steps (0: the starting state),
  each listed once, and one or more value columns, each named after an outcome of steps.csv
  (`share_verify`, `share_uses_ai`, `mean_attitude`, ...) or `cumulative_adoption` (the share who
  have ever used AI, which never falls); with several columns an empty cell means "not observed then";
- per-clinician adoption times: `id` and `adoption` columns; a time is a number of steps (0 or more),
  `never` (did not adopt in the observed window) or empty (unknown); each id once.

The file is text with a header line, its cells separated by commas, tabs, semicolons or spaces (the
separator is the first of `,`, tab, `;` found in the header line, else runs of whitespace); lines
starting with `#` and blank lines are skipped. Anything else is refused with a `ScenarioError` that
names the file, the line and the column and says what is allowed; no message shows more than
`SHOWN_CHARACTERS` characters of the file. Shares must lie in 0-1: values above 1 that are at most
100 are taken for percentages ("looks like percent: divide by 100"). Stdlib only.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simulation.errors import ScenarioError
from simulation.outcomes import TARGETABLE, outcome
from simulation.scenario.paths import base_data, get_path, parse_path
from simulation.scenario.schema import Scenario

CUMULATIVE = "cumulative_adoption"
STEP_COLUMNS = ("step", "week", "month", "year")  # counted in run.time_unit (check_observed)
MISSING = ("", "nan", "na", "n/a", "null", "none", ".")
SHOWN_CHARACTERS = 40
FORMS = (
    f"expected columns 'id' and 'adoption' (per-clinician times) or a 'step' column and value columns "
    f"({CUMULATIVE} or outcomes such as share_verify)"
)


@dataclass
class Series:
    """An observed series: whole steps in increasing order and their values."""

    steps: list[int]
    values: list[float]
    metric: str


@dataclass
class Times:
    """Per-clinician adoption times: id -> steps (inf = never, nan = unknown), and each id's line."""

    times: dict[str, float]
    lines: dict[str, int]


def check_calibration_table(path: Path, scenario: Scenario) -> None:
    """The scenario has a `[calibration]` table whose free parameters are keys of the scenario."""
    if scenario.calibration is None or not scenario.calibration.free:
        raise ScenarioError(
            f'{path}: no [calibration] table with free parameters (e.g. free = {{ "choice.bass_p" = [0.0, 0.3] }})'
        )
    data = base_data(scenario)
    for key in scenario.calibration.free:
        try:
            get_path(data, parse_path(key), key)
        except ValueError as exc:
            raise ScenarioError(f"{path}: calibration.free: {exc}") from None


def check_observed(path: Path, horizon: int, unit: str = "week") -> None:
    """The observed data file reads as one of the two forms (ids are matched when calibrating), and a
    step column named after a time unit (`week`, `month`, `year`) names the scenario's run.time_unit."""
    header, rows = read_table(path)
    named = next((c for c in ("week", "month", "year") if c in header and "step" not in header), None)
    if named is not None and named != unit:
        raise ScenarioError(
            f"{path}, column '{named}': the observed steps are {named}s but the scenario's run.time_unit is "
            f"'{unit}' (one step = one {unit}); set run.time_unit = '{named}' in the scenario, or convert the "
            f"data to {unit}s (allowed column names here: step, {unit})"
        )
    if "id" in header and "adoption" in header:
        read_times(path, header, rows)
    else:
        read_series(path, header, rows, horizon)


def shown(text: str) -> str:
    """`text` quoted, cut to `SHOWN_CHARACTERS` characters (a file's content never floods a message)."""
    return repr(text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "...")


def _lines(path: Path) -> list[tuple[int, str]]:
    """The file's non-blank, non-comment lines with their numbers (1-based)."""
    if not path.is_file():
        raise ScenarioError(f"{path}: observed data file not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the observed data ({exc.strerror})") from None
    if b"\x00" in raw:
        raise ScenarioError(f"{path}: a binary file (it holds NUL bytes), not a CSV table; {FORMS}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start}); save the table as UTF-8 CSV") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)]
    return [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (stripped column names) and the data rows with their line numbers."""
    lines = _lines(path)
    if not lines:
        raise ScenarioError(f"{path}: the file is empty; {FORMS}")
    separator = next((c for c in (",", "\t", ";") if c in lines[0][1]), None)

    def split(line: str) -> list[str]:
        cells = line.split() if separator is None else next(csv.reader([line], delimiter=separator))
        return [c.strip() for c in cells]

    header = split(lines[0][1])
    if len(set(header)) != len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise ScenarioError(f"{path}, line {lines[0][0]}: column {shown(twice)} is named twice in the header")
    rows = [(number, split(line)) for number, line in lines[1:]]
    if not rows:
        raise ScenarioError(f"{path}: only a header line ({', '.join(shown(c) for c in header[:4])}), no data rows")
    for number, cells in rows:
        if len(cells) != len(header):
            raise ScenarioError(
                f"{path}, line {number}: {len(cells)} cells, but the header has {len(header)} columns "
                f"({', '.join(shown(c) for c in header[:4])}); every line needs one cell per column"
            )
    return header, rows


def read_times(path: Path, header: list[str], rows: Sequence[tuple[int, list[str]]]) -> Times:
    """Per-clinician adoption times from the `id` and `adoption` columns."""
    at_id, at_time = header.index("id"), header.index("adoption")
    times: dict[str, float] = {}
    lines: dict[str, int] = {}
    for number, cells in rows:
        node_id, text = cells[at_id], cells[at_time]
        if node_id == "":
            raise ScenarioError(f"{path}, line {number}, column 'id': empty id; every row names a clinician")
        if node_id in times:
            raise ScenarioError(
                f"{path}, line {number}, column 'id': {shown(node_id)} is listed again (first on line "
                f"{lines[node_id]}); each clinician once"
            )
        lines[node_id] = number
        word = text.strip().lower()
        if word in MISSING:
            times[node_id] = math.nan
            continue
        if word == "never":
            times[node_id] = math.inf
            continue
        value = _number(text)
        if value is None or not math.isfinite(value) or value < 0:
            raise ScenarioError(
                f"{path}, line {number}, column 'adoption': {shown(text)} is not an adoption time; allowed: "
                "a number of steps (0 or more), 'never' (did not adopt), or empty (unknown)"
            )
        times[node_id] = value
    return Times(times, lines)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_series(path: Path, header: list[str], rows: Sequence[tuple[int, list[str]]], horizon: int) -> list[Series]:
    """The observed series of a table (module docstring): one per value column, each step within
    0..`horizon` (run.steps; step 0 is the starting state). With one value column every listed step
    needs a value; with several, an empty cell means that series was not observed at that step."""
    step_column = next((c for c in STEP_COLUMNS if c in header), None)
    metrics = [c for c in header if c != step_column]
    if step_column is None or not metrics:
        raise ScenarioError(f"{path}: {FORMS}; found: {', '.join(shown(c) for c in header[:6])}")
    allowed = [CUMULATIVE, *TARGETABLE]
    for metric in metrics:
        if metric not in allowed:
            hint = difflib.get_close_matches(metric, allowed, n=1, cutoff=0.6)
            raise ScenarioError(
                f"{path}: column {shown(metric)} is not {CUMULATIVE} or an outcome"
                + (f" (did you mean '{hint[0]}'?)" if hint else "")
                + f"; allowed: {', '.join(allowed)}"
            )
    at_step = header.index(step_column)
    seen: dict[int, int] = {}
    steps: list[tuple[int, int, list[str]]] = []
    for number, cells in rows:
        step = _step(path, number, step_column, cells[at_step])
        if step in seen:
            raise ScenarioError(
                f"{path}, line {number}, column '{step_column}': step {step} is listed again (first on line "
                f"{seen[step]}); each step once"
            )
        seen[step] = number
        steps.append((step, number, cells))
    steps.sort()
    if steps[0][0] < 0 or steps[-1][0] > horizon:
        raise ScenarioError(
            f"{path}, column '{step_column}': steps must lie within 0..run.steps ({horizon}; 0 is the starting "
            f"state); found {steps[0][0]}..{steps[-1][0]}"
        )
    return [_column(path, metric, header.index(metric), steps, len(metrics) > 1) for metric in metrics]


def _column(path: Path, metric: str, at: int, steps: list[tuple[int, int, list[str]]], gaps_allowed: bool) -> Series:
    """One value column as a series; empty cells are left out when `gaps_allowed` (several columns)."""
    points: list[tuple[int, float, int]] = []
    for step, number, cells in steps:
        text = cells[at]
        missing = text.strip().lower() in MISSING
        if missing and gaps_allowed:
            continue
        value = None if missing else _number(text)
        if value is None or not math.isfinite(value):
            raise ScenarioError(
                f"{path}, line {number}, column '{metric}': {shown(text)} is not a number; every listed step "
                "needs a finite value (leave out the steps that were not observed)"
            )
        points.append((step, value, number))
    if not points:
        raise ScenarioError(f"{path}, column '{metric}': no value at any step (every cell is empty)")
    _check_range(path, metric, points)
    return Series([p[0] for p in points], [p[1] for p in points], metric)


def _step(path: Path, number: int, column: str, text: str) -> int:
    value = _number(text)
    if value is None or not math.isfinite(value) or not value.is_integer():
        raise ScenarioError(
            f"{path}, line {number}, column '{column}': {shown(text)} is not a whole step; allowed: 0, 1, 2, ..."
        )
    return int(value)


def _check_range(path: Path, metric: str, points: list[tuple[int, float, int]]) -> None:
    """Values within the metric's range (shares 0-1, percentages named); a cumulative share never falls."""
    is_share = metric == CUMULATIVE or outcome(metric).is_share
    low, high = (0.0, 1.0) if is_share else (outcome(metric).bounds or (-math.inf, math.inf))
    largest = max(p[1] for p in points)
    if is_share and 1 < largest <= 100 and min(p[1] for p in points) >= 0:
        raise ScenarioError(
            f"{path}, column '{metric}': values up to {largest:g} look like percent: divide by 100 "
            "(shares are written 0-1)"
        )
    for _, value, number in points:
        if not low <= value <= high:
            raise ScenarioError(
                f"{path}, line {number}, column '{metric}': {value:g} is outside the allowed {low:g} to {high:g}"
            )
    if metric == CUMULATIVE:
        for (step_a, a, _), (step_b, b, number) in zip(points, points[1:], strict=False):
            if b < a:
                raise ScenarioError(
                    f"{path}, line {number}, column '{metric}': {b:g} at step {step_b} is below {a:g} at step "
                    f"{step_a}; a cumulative share never falls (allowed: a non-decreasing series)"
                )
