"""The main job: load a scenario, run its replications, write the run folder.

`outputs/<scenario file stem>/` unless another folder is given:
steps.csv, replications.csv, summary.json, manifest.json, plots/*.png, report.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from simulation.outputs.folder import atomic_folder, check_target, previous_of
from simulation.outputs.manifest import build_manifest, write_json
from simulation.outputs.plots import write_all_plots
from simulation.outputs.report import write_report
from simulation.outputs.tables import replications_frame, steps_frame, summarise, to_csv_bytes
from simulation.runner import default_workers, run_scenario
from simulation.scenario import load_scenario
from simulation.scenario.errors import ScenarioError
from simulation.scenario.schema import Scenario

DEFAULT_OUTPUTS = Path("outputs")


@dataclass
class JobResult:
    out: Path
    summary: dict
    seconds: float
    replaced_previous: Path | None


def prepare(
    scenario_path: Path, replications: int | None = None, seed: int | None = None, steps: int | None = None
) -> Scenario:
    """Load the scenario and apply command-line overrides (validated like file values)."""
    scenario = load_scenario(scenario_path)
    for key, value in (("replications", replications), ("seed", seed), ("steps", steps)):
        if value is not None:
            try:
                setattr(scenario.run, key, value)
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"]
                raise ScenarioError(f"--{key} {value}: {reason[:1].lower() + reason[1:]}") from None
    return scenario


def run_job(
    scenario_path: Path,
    out: Path | None = None,
    workers: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    progress=None,
) -> JobResult:
    """Run the whole job; raises ScenarioError on bad input before anything is written."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    scenario = prepare(scenario_path, replications, seed, steps)
    out = out if out is not None else DEFAULT_OUTPUTS / scenario_path.stem
    check_target(out)
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    workers = workers or default_workers()

    results = run_scenario(scenario, workers, progress)
    simulated = time.perf_counter()
    steps_table = steps_frame(results)
    summary = summarise(steps_table, scenario)
    had_previous = out.is_dir() and any(out.iterdir())
    with atomic_folder(out) as tmp:
        (tmp / "steps.csv").write_bytes(to_csv_bytes(steps_table))
        (tmp / "replications.csv").write_bytes(to_csv_bytes(replications_frame(steps_table)))
        write_json(tmp / "summary.json", summary)
        plots = write_all_plots(steps_table, results[0].snapshots, tmp / "plots", "week")
        write_report(tmp, summary, plots)
        timings = {"simulate": simulated - started, "write": time.perf_counter() - simulated}
        timings["total"] = time.perf_counter() - started
        write_json(tmp / "manifest.json", build_manifest(scenario, scenario_path, workers, timings, started_at))
    return JobResult(out, summary, time.perf_counter() - started, previous_of(out) if had_previous else None)
