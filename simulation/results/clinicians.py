"""The clinicians table (clinicians.csv / .parquet): every clinician at the end of a run, one row per
(scenario, replication, clinician).

By default replication 0 of each scenario (at the stated values); `--clinicians all` writes every
replication, `--clinicians none` skips the table. The engine's workers return outcome tables, not
clinicians, so each replication written here is simulated once more in this process from its own
seed (`SeedSequence(root, spawn_key=(k,))`): a replication's draws are its own whatever batch it
runs in (`execution.replication`), so the rows describe exactly the replication of steps.csv
(tests/test_clinicians_table.py checks the shares against steps.csv). The cost is one more
replication per scenario by default, R more with `all`.

Memory: one replication at a time. Each replication's rows are appended to the files as soon as it
has run (streamed, `results.table_files.TableStream`): memory holds one replication's model and its
frame (a million clinicians: the model of one replication plus a frame of about 150 MB), whatever
the number of replications.

The columns (`CLINICIAN_COLUMNS`) are described in `results.columns` (clinicians.csv) and in
docs/SCENARIOS.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from simulation.errors import OptionError
from simulation.execution.plan import ScenarioRun
from simulation.modes import MODE_NAMES
from simulation.results.columns import FILES
from simulation.results.table_files import DEFAULT_FORMATS, TableStream
from simulation.seeding import replication_seed

if TYPE_CHECKING:
    from simulation.batch import ReplicationBatch
    from simulation.replica import Replica

Which = Literal["first", "all", "none"]
WHICH: tuple[str, ...] = ("first", "all", "none")
TABLE = "clinicians"

CLINICIAN_COLUMNS: tuple[str, ...] = tuple(FILES["clinicians.csv"])  # described in results.columns


def clinicians_choice(value: str) -> Which:
    """The `--clinicians` value checked: first, all or none (OptionError otherwise)."""
    if value not in WHICH:
        raise OptionError(
            f"--clinicians {value!r}: allowed: first (replication 0 of each scenario), all (every "
            "replication), none (no clinicians table)"
        )
    return cast(Which, value)


def _finished(run: ScenarioRun, replication: int) -> tuple[Replica, ReplicationBatch]:
    """Replication `replication` of `run`, simulated to its last step in this process."""
    from simulation.batch import ReplicationBatch
    from simulation.replica import Replica

    scenario = run.scenario
    replica = Replica(scenario, replication_seed(run.root_seed, replication))
    batch = ReplicationBatch([replica])
    batch.run(scenario.run.steps)
    return replica, batch


def clinicians_frame(run: ScenarioRun, replication: int) -> pd.DataFrame:
    """The clinicians of replication `replication` of `run` at the end (columns `CLINICIAN_COLUMNS`)."""
    replica, batch = _finished(run, replication)
    state = batch.state
    n = state.n
    adopted = batch.adoption.adopted_at
    thresholds = batch.thresholds if batch.thresholds is not None else np.full(n, np.nan)
    file_ids = replica.node_ids if replica.node_ids is not None else [""] * n
    return pd.DataFrame(
        {
            "scenario": [run.name] * n,
            "replication": np.full(n, replication, dtype=np.int64),
            "id": np.arange(n, dtype=np.int64),
            "file_id": [str(value) for value in file_ids],
            "department": np.asarray(state.department_names, dtype=object)[np.asarray(state.department)],
            "role": np.asarray(state.role_names, dtype=object)[np.asarray(state.role)],
            "seniority": state.seniority.astype(float),
            "mode": np.asarray(MODE_NAMES, dtype=object)[np.asarray(state.mode, dtype=np.int64)],
            "attitude": state.attitude.astype(float),
            "literacy": state.literacy.astype(float),
            "trust": state.trust.astype(float),
            "reputation": state.reputation.astype(float),
            "adoption_step": np.where(adopted >= 0, adopted, np.nan),
            "threshold": np.asarray(thresholds, dtype=float),
        },
        columns=list(CLINICIAN_COLUMNS),
    )


def replications_written(run: ScenarioRun, which: Which) -> range:
    """The replications of `run` that clinicians.csv holds under `which`."""
    if which == "none":
        return range(0)
    return range(run.scenario.run.replications if which == "all" else 1)


def clinician_parts(runs: Sequence[ScenarioRun], which: Which) -> Iterable[pd.DataFrame]:
    """clinicians.csv's rows, one replication at a time (scenarios in comparison order)."""
    for run in runs:
        for replication in replications_written(run, which):
            yield clinicians_frame(run, replication)


def write_clinicians(
    folder: Path,
    runs: Sequence[ScenarioRun],
    which: Which = "first",
    formats: Sequence[str] = DEFAULT_FORMATS,
    manifest: Mapping | None = None,
) -> None:
    """Write the clinicians table into `folder` (clinicians.csv and/or .parquet, as `formats`),
    streamed one replication at a time; nothing under `which = 'none'`."""
    if clinicians_choice(which) == "none":
        return
    stream = TableStream(folder, TABLE, formats)
    try:
        for part in clinician_parts(runs, which):
            stream.write(part)
    except BaseException:
        stream.abort()
        raise
    stream.close(manifest)
