"""What sweeps and sensitivity analyses share: loading the file, the points, running, final outcomes."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.errors import ReplicationsFailed, ScenarioError
from simulation.execution.backends import backend_for, default_workers
from simulation.execution.checkpoint import PartialRun, errors_csv
from simulation.execution.engine import Done, failure_summary, run_jobs
from simulation.execution.memory_estimate import check_fits
from simulation.execution.plan import Job
from simulation.outcomes import COLUMNS, EXPERIMENT_OUTCOMES, outcome
from simulation.reporting.folder import check_target
from simulation.reporting.manifest import git_commit, package_versions
from simulation.results.table_files import DEFAULT_FORMATS, write_datapackage, write_table
from simulation.scenario import load_scenario
from simulation.scenario.experiments import ParameterConfig, Value
from simulation.scenario.loader import scenario_hash
from simulation.scenario.paths import base_data, check_keys, is_integer_key, point_scenario
from simulation.scenario.schema import Scenario

# EXPERIMENT_OUTCOMES, by position in a replication's outcomes (steps x COLUMNS): the columns whose
# last-step value is kept, then the counts summed over the weeks (their `total_<name>`).
LAST_VALUES = [COLUMNS.index(name) for name in EXPERIMENT_OUTCOMES if name in COLUMNS]
SUMMED_VALUES = [COLUMNS.index(outcome(name).name) for name in EXPERIMENT_OUTCOMES if name not in COLUMNS]


@dataclass
class Point:
    index: int
    values: tuple[Value, ...]
    scenario: Scenario


@dataclass
class Experiment:
    """A validated experiment on one scenario file, ready to run."""

    kind: str  # "sweep" or "sensitivity"
    source: Path
    base: Scenario
    parameters: list[ParameterConfig]
    points: list[Point]
    out: Path
    notes: list[str] = field(default_factory=list)
    formats: tuple[str, ...] = DEFAULT_FORMATS  # the tables' files: csv, parquet (`results.table_files`)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    @property
    def replications(self) -> int:
        return self.base.run.replications

    @property
    def seed(self) -> int:
        return self.base.run.seed

    @property
    def total_replications(self) -> int:
        return len(self.points) * self.replications

    def jobs(self) -> list[Job]:
        """Replication k of every point runs under the same root seed: common random numbers."""
        return [
            Job(f"p{point.index}-r{k}", point.index, point.scenario, self.seed, k)
            for point in self.points
            for k in range(self.replications)
        ]


def load_experiment(path: Path, kind: str, replications: int | None, seed: int | None, steps: int | None) -> Scenario:
    from simulation.scenario.overrides import override_run

    scenario = load_scenario(path)
    if getattr(scenario, kind) is None:
        other = "sensitivity" if kind == "sweep" else "sweep"
        hint = (
            f" (it has a [{other}] table: run simulate {other} {path})" if getattr(scenario, other) is not None else ""
        )
        raise ScenarioError(
            f"{path}: no [{kind}] table; `simulate {kind}` needs one (docs/SCENARIOS.md, section 9){hint}"
        )
    for key, value in (("replications", replications), ("seed", seed), ("steps", steps)):
        if value is not None:
            override_run(scenario, key, value)
    return scenario


def build_points(
    source: Path, scenario: Scenario, parameters: list[ParameterConfig], rows: list[tuple], table: str
) -> list[Point]:
    """Validate one scenario per design row (a value out of range names the point and the key)."""
    parts = check_keys(base_data(scenario), [p.key for p in parameters], f"{source}: {table}.parameters")
    data = base_data(scenario, explicit=True)
    points = []
    cache: dict[tuple, Scenario] = {}
    for index, row in enumerate(rows):
        label = f"{source}: {table} point {index} ({', '.join(f'{p.key} = {v!r}' for p, v in zip(parameters, row, strict=True))})"
        key = tuple((type(v).__name__, v) for v in row)
        if key not in cache:
            cache[key] = point_scenario(data, list(zip(parts, row, strict=True)), label)
            check_fits(cache[key], label)  # before anything is built (simulation.execution.memory_estimate)
        points.append(Point(index, tuple(row), cache[key]))
    return points


def integer_flags(scenario: Scenario, parameters: list[ParameterConfig], source: Path, table: str) -> list[bool]:
    data = base_data(scenario)
    parts = check_keys(data, [p.key for p in parameters], f"{source}: {table}.parameters")
    return [is_integer_key(data, p) for p in parts]


def default_out(source: Path, kind: str) -> Path:
    suffix = "" if source.stem.endswith(kind) or kind in source.stem else f"_{kind}"
    return Path("outputs") / f"{source.stem}{suffix}"


def prepare_out(out: Path) -> None:
    check_target(out)


def run_experiment(
    experiment: Experiment, workers: int | None, progress, resume: bool, cluster: str | None = None
) -> tuple[list[Done], PartialRun, int]:
    """Run the experiment's jobs through the engine into its partial folder (local processes, or the
    Dask scheduler at `cluster`). Also returns the worker processes it ran on, for the manifest (one
    when the run was too short to pay for starting workers; a cluster: the number asked for, or the
    local cores)."""
    partial = PartialRun(
        experiment.out,
        experiment.kind,
        experiment.jobs(),
        resume,
        describe={"points": len(experiment.points), "replications_per_point": experiment.replications},
    )
    for line in experiment.notes:
        print(line, file=sys.stderr)
    backend = backend_for(workers, cluster, partial.jobs)
    done = run_jobs(partial.jobs, sink=partial, backend=backend, progress=progress)
    return done, partial, backend.workers or workers or default_workers()


def final_outcomes(outcomes: np.ndarray) -> np.ndarray:
    """A replication's final values in EXPERIMENT_OUTCOMES order (totals summed over the weeks)."""
    return np.concatenate([outcomes[-1, LAST_VALUES], outcomes[:, SUMMED_VALUES].sum(axis=0)])


def replications_table(experiment: Experiment, done: list[Done], partial: PartialRun) -> pd.DataFrame:
    """point, <one column per key>, replication, error, <outcomes> (an error row has empty outcomes).

    Each replication is read back from the partial folder in turn: only its final values are kept, in
    one array."""
    rows = []
    values = np.full((len(done), len(EXPERIMENT_OUTCOMES)), np.nan)
    for i, d in enumerate(done):
        point = experiment.points[d.job.group]
        result = None if d.failed else partial.load(d.job)
        if result is not None:
            values[i] = final_outcomes(result.outcomes)
        rows.append([point.index, *point.values, d.job.replication, d.error or ""])
    table = pd.DataFrame(rows, columns=["point", *experiment.keys, "replication", "error"])
    return pd.concat([table, pd.DataFrame(values, columns=list(EXPERIMENT_OUTCOMES))], axis=1)


def points_table(experiment: Experiment) -> pd.DataFrame:
    rows = [[p.index, *p.values, scenario_hash(p.scenario)] for p in experiment.points]
    return pd.DataFrame(rows, columns=["point", *experiment.keys, "scenario_hash"])


def write_tables(
    folder: Path, experiment: Experiment, replications: pd.DataFrame, failures: list, tables: dict
) -> None:
    """An experiment's tables into `folder`: points, replications, each of `tables` (file name ->
    frame; None is left out), in `experiment.formats` (what ran, `experiment_identity`, in the Parquet
    files' metadata), errors.csv when some replications failed, and datapackage.json."""
    frames = {"points.csv": points_table(experiment), "replications.csv": replications, **tables}
    identity = experiment_identity(experiment)
    for name, frame in frames.items():
        if frame is not None:
            write_table(folder, name, frame, experiment.formats, identity)
    if failures:
        (folder / "errors.csv").write_bytes(errors_csv(failures, "point"))
    write_datapackage(folder, f"Tables of a simulate {experiment.kind}")


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """mean, SD, and the Student t interval of the mean of the non-NaN values."""
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    return mean, sd, mean - half, mean + half, n


def experiment_manifest(
    experiment: Experiment, config: dict, done: list[Done], started_at: str, seconds: float, workers: int, resumed: bool
) -> dict:
    failures = [d for d in done if d.failed]
    identity = experiment_identity(experiment)
    return {
        "complete": not failures,
        "kind": experiment.kind,
        "resumed": resumed,
        "file": identity["file"],
        "replications_total": len(done),
        "replications_failed": len(failures),
        "failures": [
            {"point": d.job.group, "replication": d.job.replication, "seed": d.job.seed_text, "error": d.error}
            for d in failures
        ],
        **{key: identity[key] for key in ("root_seed", "replications_per_point", "steps", "seeding")},
        experiment.kind: config,
        **{key: identity[key] for key in ("base_scenario_hash", "base_scenario", "points")},
        "workers": workers,
        "command": sys.argv,
        "started_at": started_at,
        "timings_seconds": {"total": round(seconds, 3)},
        "versions": identity["versions"],
        "git": identity["git"],
    }


def experiment_identity(experiment: Experiment) -> dict:
    """What an experiment ran (the part of its manifest that does not depend on how it went): the file,
    seeds, the base scenario and every point with its hash, package versions and git commit. The
    Parquet tables carry it in their metadata (`results.table_files`)."""
    return {
        "kind": experiment.kind,
        "file": str(experiment.source),
        "root_seed": experiment.seed,
        "replications_per_point": experiment.replications,
        "steps": experiment.base.run.steps,
        "seeding": "common random numbers: replication k of every point uses numpy SeedSequence(root_seed, spawn_key=(k,))",
        "base_scenario_hash": scenario_hash(experiment.base),
        "base_scenario": experiment.base.model_dump(mode="json", exclude={"sweep", "sensitivity"}),
        "points": [
            {
                "point": p.index,
                "values": dict(zip(experiment.keys, p.values, strict=True)),
                "scenario_hash": scenario_hash(p.scenario),
            }
            for p in experiment.points
        ],
        "versions": {**package_versions(), **_extra_versions()},
        "git": git_commit(),
    }


def _extra_versions() -> dict[str, str]:
    from importlib import metadata

    try:
        return {"SALib": metadata.version("SALib")}
    except metadata.PackageNotFoundError:
        return {}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def clock() -> float:
    return time.perf_counter()


ProgressFn = Callable[[int], None] | None


def finish(
    experiment: Experiment, done: list[Done], partial: PartialRun, describe: Callable[[int], str], lines: str
) -> None:
    """After the folder is written: raise ReplicationsFailed if any replication failed (the partial
    folder stays for --resume), else discard the partial folder."""
    failures = [d for d in done if d.failed]
    if failures:
        raise ReplicationsFailed(
            failure_summary(
                failures,
                len(done),
                describe,
                f"results written to {experiment.out}/ with error rows (errors.csv); the completed replications are kept in "
                f"{partial.folder}/: fix the cause and run the same command with --resume to rerun only the failed ones",
            ),
            failures,
            lines,
        )
    partial.discard()
