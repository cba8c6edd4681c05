"""A small ensemble for the view: N replications of the watched setting, run to the horizon, as a band.

The page watches replication 0 of its scenario's root seed (`ViewModel`). `run_ensemble` runs
replications 0 .. N-1 of the same scenario and seed to `run.steps` with the headless engine's
batched replications (`simulation.execution.replication.run_replications`: the same code and the
same bits as `simulate run` with `run.replications = N`, so replication 0 is the watched run and the
mean of the N is the mean of the CLI's steps.csv). `Ensemble.band` gives the 10-90 % band across the
replications week by week, so a researcher sees whether the watched run's pattern is typical.

At 500 clinicians and 104 weeks, 8 replications take about 0.5 s of one core on the 2-core
machine of docs/PERFORMANCE.md, 32 about 2 s; the page runs it in a background thread
(`simulation.view.side_by_side_panel`) and draws the band when it is ready. Units: shares 0-1,
competence gap in rating points, time in weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.execution.plan import replication_jobs
from simulation.execution.replication import run_replications
from simulation.outcomes import COLUMNS
from simulation.scenario.schema import Scenario

DEFAULT_REPLICATIONS = 8
MAX_REPLICATIONS = 32  # one batch of the engine (BATCH_REPLICATIONS): about 2 s at 500 clinicians
MIN_REPLICATIONS = 2
BAND = (0.10, 0.90)  # quantiles across replications drawn as the band
COLUMN_INDEX = {name: index for index, name in enumerate(COLUMNS)}


def checked_replications(count: int) -> int:
    """`count` if it is a valid ensemble size (MIN_REPLICATIONS .. MAX_REPLICATIONS), else ValueError."""
    if not MIN_REPLICATIONS <= int(count) <= MAX_REPLICATIONS:
        raise ValueError(f"ensemble size must be {MIN_REPLICATIONS}-{MAX_REPLICATIONS} replications, not {count}")
    return int(count)


@dataclass(frozen=True)
class Ensemble:
    """Replications 0 .. N-1 of one scenario under `root_seed`: `outcomes` is (N, steps + 1, len(COLUMNS))."""

    root_seed: int
    outcomes: np.ndarray

    @property
    def replications(self) -> int:
        return int(self.outcomes.shape[0])

    @property
    def weeks(self) -> int:
        """Weeks run (steps); the arrays have weeks + 1 rows (week 0 included)."""
        return int(self.outcomes.shape[1]) - 1

    def column(self, name: str) -> np.ndarray:
        """(N, weeks + 1) values of one steps.csv column."""
        return self.outcomes[:, :, COLUMN_INDEX[name]]

    def mean(self, name: str) -> np.ndarray:
        """Per-week mean across the replications (NaN where every replication is NaN)."""
        values = self.column(name)
        counts = np.sum(np.isfinite(values), axis=0)
        totals = np.nansum(values, axis=0)
        return np.divide(totals, counts, out=np.full(totals.shape, np.nan), where=counts > 0)

    def band(self, name: str, quantiles: tuple[float, float] = BAND) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) per week: the `quantiles` across replications (default 10 % and 90 %).

        Weeks where a column is undefined in every replication (e.g. the competence gap while nobody
        uses AI) are NaN in both.
        """
        values = self.column(name)
        low = np.full(values.shape[1], np.nan)
        high = np.full(values.shape[1], np.nan)
        defined = np.any(np.isfinite(values), axis=0)
        if defined.any():
            low[defined], high[defined] = np.nanquantile(values[:, defined], quantiles, axis=0)
        return low, high


def run_ensemble(scenario: Scenario, replications: int = DEFAULT_REPLICATIONS) -> Ensemble:
    """Replications 0 .. N-1 of `scenario` under its run.seed, each run to run.steps (in this thread)."""
    count = checked_replications(replications)
    jobs = replication_jobs(scenario, count)
    results = run_replications(jobs)
    return Ensemble(int(scenario.run.seed), np.stack([result.outcomes for result in results]))


def ensemble_key(scenario: Scenario, replications: int) -> str:
    """What an ensemble depends on, as text: a new key means the band must be recomputed."""
    return f"{replications}:{scenario.model_dump_json()}"


def ensemble_note(replications: int, ready: Ensemble | None, failed: str | None = None) -> str:
    """The line shown with the band: computing, ready (what it is) or why it failed."""
    if failed:
        return f"Ensemble of {replications}: failed ({failed})."
    if ready is None:
        return f"Ensemble of {replications}: computing ..."
    low, high = (round(100 * q) for q in BAND)
    return (
        f"Ensemble of {ready.replications} replications (0-{ready.replications - 1}, seed {ready.root_seed}, "
        f"{ready.weeks} weeks): the band holds {low}-{high} % of them week by week; the watched run is replication 0."
    )
