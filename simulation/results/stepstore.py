"""Per-step values of many replications without holding them: the steps table, column by column.

The summary (values at the start, the milestones and the end) and the fan charts (percentiles at
every step) need, for one scenario, one column and one step, the values of all replications; nothing
needs the whole steps table at once. `StepStore` keeps a scenario's rows in an anonymous temporary
file as they come, in blocks of rows (each block sorted by step, column-major), and reads back one
(column, step) at a time: memory holds one block while writing and one series while reading, so it
does not grow with the steps table (a series of 10,000 replications is 80 KB).

`FrameSteps` gives the same reading interface over a steps DataFrame in memory (small runs, tests).
Both return a step's values in the order of the rows (replication order), so statistics computed from
them equal those of the former in-memory `groupby("step")` code to the last bit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)
BAND_NAMES = ["p2.5", "p25", "p50", "p75", "p97.5"]
SERIES_VALUES = 50_000  # values per groupby when percentiles are computed over several steps at once


class StepStore:
    """One scenario's per-step values of `columns` in a temporary file (see the module docstring)."""

    def __init__(self, columns: Sequence[str], folder: Path | str | None = None) -> None:
        self.columns = list(columns)
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._file = tempfile.TemporaryFile(dir=folder)  # removed when closed or garbage-collected
        self._end = 0
        # per block: file offset, rows, and the steps it holds with where each starts and ends
        self._blocks: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]] = []
        self._replications = np.empty(0, dtype=np.int64)
        self.first_step: int | None = None
        self.last_step: int | None = None

    def append(self, step: np.ndarray, replication: np.ndarray, values: np.ndarray) -> None:
        """Add rows (in replication order): their step, replication and values (rows x columns)."""
        step = np.asarray(step, dtype=np.int64)
        if step.size == 0:
            return
        order = np.argsort(step, kind="stable")  # stable: within a step, rows keep their order
        data = np.ascontiguousarray(np.asarray(values, dtype=np.float64)[order].T)
        sorted_steps = step[order]
        steps, starts = np.unique(sorted_steps, return_index=True)
        ends = np.append(starts[1:], sorted_steps.size)
        os.pwrite(self._file.fileno(), data.tobytes(), self._end)
        self._blocks.append((self._end, int(step.size), steps, starts, ends))
        self._end += data.nbytes
        self._replications = np.union1d(self._replications, np.asarray(replication, dtype=np.int64))
        low, high = int(steps[0]), int(steps[-1])
        self.first_step = low if self.first_step is None else min(self.first_step, low)
        self.last_step = high if self.last_step is None else max(self.last_step, high)

    @property
    def runs(self) -> int:
        """Number of distinct replications."""
        return int(self._replications.size)

    def values(self, column: str, step: int) -> np.ndarray:
        """The values of `column` at `step`, one per row at that step, in the order they were added."""
        c = self._index[column]
        parts = []
        for offset, rows, steps, starts, ends in self._blocks:
            i = int(np.searchsorted(steps, step))
            if i == steps.size or steps[i] != step:
                continue
            start, end = int(starts[i]), int(ends[i])
            data = os.pread(self._file.fileno(), (end - start) * 8, offset + (c * rows + start) * 8)
            parts.append(np.frombuffer(data, dtype=np.float64))
        return np.concatenate(parts) if parts else np.empty(0)

    def close(self) -> None:
        self._file.close()


class FrameSteps:
    """`StepStore`'s reading interface over one scenario's rows of a steps DataFrame."""

    def __init__(self, steps: pd.DataFrame) -> None:
        # the rows sorted by step, keeping their order within a step (as groupby("step") gives them), and
        # where each step starts and ends: a step's values are then a slice of a column
        step = steps["step"].to_numpy(dtype=np.int64)
        self._order = np.argsort(step, kind="stable")
        self._steps = steps
        self._columns: dict[str, np.ndarray] = {}
        found, starts = np.unique(step[self._order], return_index=True)
        ends = np.append(starts[1:], step.size)
        self._span = {int(s): (int(a), int(b)) for s, a, b in zip(found, starts, ends, strict=True)}
        self.first_step = int(found[0]) if found.size else None
        self.last_step = int(found[-1]) if found.size else None
        self.runs = int(steps["replication"].nunique()) if "replication" in steps.columns else 0

    def values(self, column: str, step: int) -> np.ndarray:
        span = self._span.get(int(step))
        if span is None:
            return np.empty(0)
        if column not in self._columns:
            self._columns[column] = self._steps[column].to_numpy()[self._order]
        return self._columns[column][span[0] : span[1]]


StepSource = StepStore | FrameSteps


def steps_of(source: StepSource) -> range:
    """The steps from the first to the last `source` holds (empty when it holds none)."""
    if source.first_step is None or source.last_step is None:
        return range(0)
    return range(source.first_step, source.last_step + 1)


def step_span(source: StepSource) -> tuple[int, int]:
    """First and last step `source` holds; ValueError when it holds none."""
    if source.first_step is None or source.last_step is None:
        raise ValueError("the steps table has no rows")
    return source.first_step, source.last_step


def quantile_bands(source: StepSource, column: str) -> pd.DataFrame:
    """Per-step percentiles of `column` across replications (NaNs ignored): a frame indexed by step
    with columns p2.5, p25, p50, p75, p97.5.

    Computed by the same `groupby("step").quantile` as on a whole steps table, over a few steps at a
    time (each step is its own group, so the numbers are the same)."""
    parts = []
    steps: list[np.ndarray] = []
    series: list[np.ndarray] = []
    size = 0
    for step in steps_of(source):
        values = source.values(column, step)
        if values.size == 0:
            continue
        steps.append(np.full(values.size, step, dtype=np.int64))
        series.append(values)
        size += values.size
        if size >= SERIES_VALUES:
            parts.append(_bands_of(steps, series, column))
            steps, series, size = [], [], 0
    if steps:
        parts.append(_bands_of(steps, series, column))
    out = pd.concat(parts) if parts else pd.DataFrame(columns=BAND_NAMES, dtype=float)
    return out.sort_index()


def _bands_of(steps: list[np.ndarray], series: list[np.ndarray], column: str) -> pd.DataFrame:
    """The percentiles of a few steps' values: one frame of them all (built from arrays, not one frame per
    step concatenated: the same rows, so the same numbers, in a fraction of the time)."""
    frame = pd.DataFrame({"step": np.concatenate(steps), column: np.concatenate(series)})
    out = frame.groupby("step")[column].quantile(list(QUANTILES)).unstack()
    out.columns = BAND_NAMES
    return out


def finite_range(source: StepSource, column: str) -> tuple[float, float] | None:
    """Smallest and largest finite value of `column` over all steps and replications (None if none)."""
    low: float | None = None
    high: float | None = None
    for step in steps_of(source):
        values = source.values(column, step)
        values = values[np.isfinite(values)]
        if values.size:
            low = float(values.min()) if low is None else min(low, float(values.min()))
            high = float(values.max()) if high is None else max(high, float(values.max()))
    return None if low is None or high is None else (low, high)
