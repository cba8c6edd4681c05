"""What the plots over time draw of a scenario's steps: `Bands` (percentiles across replications per step)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from simulation.results.stepstore import FrameSteps, StepSource, finite_range, quantile_bands, step_span


class Bands:
    """What the plots over time draw of one scenario's steps: per column the percentiles across
    replications at every step and the range of the values (each computed once), the number of runs
    and the first and last step."""

    def __init__(self, source: StepSource) -> None:
        self.source = source
        self._bands: dict[str, pd.DataFrame] = {}
        self._ranges: dict[str, tuple[float, float] | None] = {}

    @property
    def runs(self) -> int:
        return self.source.runs

    @property
    def first_step(self) -> int:
        return step_span(self.source)[0]

    @property
    def last_step(self) -> int:
        return step_span(self.source)[1]

    def bands(self, column: str) -> pd.DataFrame:
        """Frame indexed by step with columns ``p2.5, p25, p50, p75, p97.5`` (NaNs ignored)."""
        if column not in self._bands:
            self._bands[column] = quantile_bands(self.source, column)
        return self._bands[column]

    def range(self, column: str) -> tuple[float, float] | None:
        """Smallest and largest finite value (None if there is none)."""
        if column not in self._ranges:
            self._ranges[column] = finite_range(self.source, column)
        return self._ranges[column]


type Steps = pd.DataFrame | Bands


type ScenarioSteps = pd.DataFrame | Mapping[str, Bands]


def bands_of(steps: Steps) -> Bands:
    """``Bands`` of a single scenario's steps table (or the bands given)."""
    return steps if isinstance(steps, Bands) else Bands(FrameSteps(steps))


def bands_by_scenario(steps: ScenarioSteps) -> Mapping[str, Bands]:
    """``Bands`` of every scenario of a steps table with a ``scenario`` column (or the mapping given)."""
    if not isinstance(steps, pd.DataFrame):
        return steps
    return {name: Bands(FrameSteps(steps[steps["scenario"] == name])) for name in pd.unique(steps["scenario"])}


def overall_range(by: Mapping[str, Bands], column: str) -> tuple[float, float] | None:
    """Range of finite values of ``column`` over every scenario."""
    ranges = [r for r in (b.range(column) for b in by.values()) if r is not None]
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)
