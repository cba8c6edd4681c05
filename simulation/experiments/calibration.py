"""Calibration to observed adoption: approximate Bayesian computation with common random numbers.

`simulate calibrate SCENARIO.toml [--observed FILE.csv]` fits the parameters the scenario's
`[calibration] free` table marks (each with bounds) to an observed curve:

- the observed data are a series (a CSV with a `step` column and one value column named after an
  outcome of steps.csv, or `cumulative_adoption` = share who have ever used AI), or per-clinician
  adoption times (a CSV with `id` and `adoption` columns; empty = unknown, `never` = did not adopt in
  the window), or, without `--observed`, the adoption times of the scenario's node table
  (`[network.nodes] adoption`). Per-clinician times become the cumulative share adopted among the
  clinicians whose time is known, step by step;
- method (rejection ABC; Beaumont 2010, "Approximate Bayesian computation in evolution and
  ecology"): `samples` parameter sets from a Latin hypercube over the bounds (a uniform prior), each
  run for `replications` replications with the same seeds (common random numbers, so that the
  distance changes with the parameters, not with the luck of the draws); the distance is the RMSE
  between the mean simulated curve and the observed one over the observed steps; the `accept_share`
  closest sets form the approximate posterior. Estimates are posterior medians with 2.5-97.5
  percentile intervals;
- the fit: the calibrated scenario (posterior medians) is run `check_replications` times; the RMSE
  of its mean curve and the band of the middle 95 % of runs are reported against the observations.

Outputs (one folder): calibration.csv (estimates and intervals), samples.csv (every parameter set,
its distance, accepted or not), fit.csv (observed, simulated mean and band per step), fit.png,
posterior.png, calibrated.toml (extends the original file and sets the estimates), report.md and report.html.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulation.errors import ReplicationsFailed, ScenarioError
from simulation.execution.backends import Backend, backend_for
from simulation.execution.engine import MemorySink, failure_summary, job_task, run_jobs
from simulation.execution.memory_estimate import check_fits
from simulation.execution.plan import Job
from simulation.experiments import calibration_inputs
from simulation.experiments.calibration_inputs import CUMULATIVE
from simulation.model import ClinicianModel
from simulation.reporting.document import Block
from simulation.reporting.experiment_reports import calibration_document, write_report
from simulation.reporting.plots.text import plain_text
from simulation.scenario.paths import base_data, parse_path, point_scenario
from simulation.scenario.schema import Scenario


@dataclass
class Observed:
    """An observed curve over steps 1..T (`values[t-1]` at step t), and whom it is about."""

    steps: np.ndarray
    values: np.ndarray
    metric: str  # CUMULATIVE or an outcome column
    known: np.ndarray | None = None  # per-clinician data: mask of clinicians whose time is known
    description: str = ""


def _per_clinician(times: np.ndarray, known: np.ndarray, steps: int, description: str) -> Observed:
    step = np.arange(1, steps + 1)
    share = np.array([(times[known] <= t).mean() for t in step])
    return Observed(step, share, CUMULATIVE, known, description)


def observed_from_model(scenario: Scenario) -> Observed:
    """The node table's adoption times (`[network.nodes] adoption`) as the observed curve."""
    model = ClinicianModel(scenario, 0, with_agents=False)
    times = model.observed_adoption
    if times is None:
        raise ScenarioError(
            "calibrate: no observed data: give --observed FILE.csv or map an adoption column in [network.nodes]"
        )
    known = ~np.isnan(times)
    return _per_clinician(
        times, known, scenario.run.steps, f"adoption times of {int(known.sum())} clinicians in the node table"
    )


def read_observed(path: Path, scenario: Scenario) -> Observed:
    """Read an observed series or per-clinician adoption times, checked (`calibration_inputs`)."""
    header, rows = calibration_inputs.read_table(path)
    if "id" in header and "adoption" in header:
        read = calibration_inputs.read_times(path, header, rows)
        model = ClinicianModel(scenario, 0, with_agents=False)
        if model.node_index is None:
            raise ScenarioError(f"{path}: per-clinician adoption times need a network from files (clinician ids)")
        times = np.full(model.state.n, np.nan)
        unknown_ids = []
        for node_id, value in read.times.items():
            index = model.node_index.get(node_id)
            if index is None:
                unknown_ids.append(calibration_inputs.shown(node_id))
                continue
            times[index] = value
        if unknown_ids:
            raise ScenarioError(
                f"{path}, column 'id': {len(unknown_ids)} ids are not clinicians of the network, "
                f"e.g. {', '.join(unknown_ids[:3])}"
            )
        known = ~np.isnan(times)
        if not known.any():
            raise ScenarioError(f"{path}, column 'adoption': no clinician's time is known (every cell is empty)")
        return _per_clinician(
            times, known, scenario.run.steps, f"adoption times of {int(known.sum())} clinicians in {path.name}"
        )
    series = calibration_inputs.read_series(path, header, rows, scenario.run.steps)
    return Observed(
        np.array(series.steps, dtype=int),
        np.array(series.values, dtype=float),
        series.metric,
        None,
        f"{series.metric} in {path.name}",
    )


def simulated_curve(scenario: Scenario, replication: int, observed: Observed) -> np.ndarray:
    """The simulated counterpart of `observed` in one replication, at the observed steps."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    ever = model.state.uses_ai().copy()
    out = {}
    wanted = set(observed.steps.tolist())
    for step in range(1, int(observed.steps.max()) + 1):
        model.step()
        ever |= model.state.uses_ai()
        if step in wanted:
            if observed.metric == CUMULATIVE:
                mask = observed.known if observed.known is not None else np.ones(model.state.n, dtype=bool)
                out[step] = float(ever[mask].mean())
            else:
                out[step] = float(model.last[observed.metric])
    return np.array([out[s] for s in observed.steps])


@job_task
def calibration_curve(job: Job, observed: Observed) -> np.ndarray:
    """The engine's task for calibration: the simulated curve of one replication of one point."""
    return simulated_curve(job.scenario, job.replication, observed)


def simulated_curves(
    points: list[Scenario], replications: int, observed: Observed, backend: Backend
) -> list[np.ndarray]:
    """Each point's curves, a (replications, observed steps) array, run through the engine (the same
    replication numbers, hence seeds, for every point: common random numbers)."""
    jobs = [
        Job(f"p{i}-r{k}", i, point, point.run.seed, k) for i, point in enumerate(points) for k in range(replications)
    ]
    sink = MemorySink()
    run_jobs(jobs, sink=sink, backend=backend, task=functools.partial(calibration_curve, observed=observed))
    if sink.failures:
        raise ReplicationsFailed(
            failure_summary(sink.failures, len(jobs), lambda i: f"calibration sample {i}", "no results were kept"),
            sink.failures,
        )
    curves = list(sink.results())
    return [np.array(curves[i * replications : (i + 1) * replications]) for i in range(len(points))]


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@dataclass
class CalibrationResult:
    parameters: list[str]
    estimates: pd.DataFrame  # parameter, estimate, low, high, prior_low, prior_high, best
    samples: pd.DataFrame
    fit: pd.DataFrame  # step, observed, simulated_mean, simulated_low, simulated_high
    rmse: float
    calibrated: Scenario


def calibrate(
    scenario: Scenario, observed: Observed, workers: int | None = None, backend: Backend | None = None
) -> CalibrationResult:
    """Rejection ABC over `scenario.calibration.free` (see the module docstring); the replications
    run on `backend` (default: `workers` local processes, all cores unless given)."""
    config = scenario.calibration
    if config is None or not config.free:
        raise ScenarioError("calibrate: the scenario has no [calibration] table with free parameters")
    names = list(config.free)
    bounds = np.array([config.free[name] for name in names], dtype=float)
    data = base_data(scenario)
    data.pop("calibration", None)
    paths = [parse_path(name) for name in names]
    design = qmc.LatinHypercube(d=len(names), seed=config.seed).random(config.samples)
    values = qmc.scale(design, bounds[:, 0], bounds[:, 1]) if len(names) else design
    points = [
        point_scenario(data, list(zip(paths, row.tolist(), strict=True)), f"calibration sample {i}")
        for i, row in enumerate(values)
    ]
    backend = backend if backend is not None else backend_for(workers)
    curves = simulated_curves(points, config.replications, observed, backend)
    distance = np.array([rmse(c.mean(axis=0), observed.values) for c in curves])
    keep = max(2, int(math.ceil(config.accept_share * len(points))))
    accepted = np.argsort(distance, kind="stable")[:keep]
    samples = pd.DataFrame(values, columns=names)
    samples["distance"] = distance
    samples["accepted"] = False
    samples.loc[accepted, "accepted"] = True
    posterior = values[accepted]
    median = np.median(posterior, axis=0)
    low, high = np.percentile(posterior, [2.5, 97.5], axis=0)
    best = values[accepted[0]]
    estimates = pd.DataFrame(
        {
            "parameter": names,
            "estimate": median,
            "low": low,
            "high": high,
            "prior_low": bounds[:, 0],
            "prior_high": bounds[:, 1],
            "best": best,
        }
    )
    calibrated = point_scenario(data, list(zip(paths, median.tolist(), strict=True)), "calibrated scenario")
    check = simulated_curves([calibrated], config.check_replications, observed, backend)[0]
    mean = check.mean(axis=0)
    fit = pd.DataFrame(
        {
            "step": observed.steps,
            "observed": observed.values,
            "simulated_mean": mean,
            "simulated_low": np.percentile(check, 2.5, axis=0),
            "simulated_high": np.percentile(check, 97.5, axis=0),
        }
    )
    return CalibrationResult(names, estimates, samples, fit, rmse(mean, observed.values), calibrated)


def calibrated_toml(source: Path, out: Path, estimates: pd.DataFrame) -> str:
    """A scenario file that extends `source` (relative to `out`) and sets each estimate."""
    relative = os.path.relpath(source.resolve(), out.resolve())
    lines = [
        "# Calibrated by `simulate calibrate` (rejection ABC): posterior medians of the free parameters.",
        f'extends = "{Path(relative).as_posix()}"',
        "",
    ]
    tables: dict[str, list[str]] = {}
    for row in estimates.itertuples(index=False):
        parts = parse_path(row.parameter)
        if any(isinstance(p, int) for p in parts) or len(parts) < 2:
            lines.append(f"# {row.parameter} = {row.estimate:.6g}  (set it by hand: a list entry)")
            continue
        table = ".".join(str(p) for p in parts[:-1])
        tables.setdefault(table, []).append(
            f"{parts[-1]} = {row.estimate:.6g}   # 95 % interval {row.low:.4g} to {row.high:.4g}"
        )
    for table, keys in tables.items():
        lines += [f"[{table}]", *keys, ""]
    lines += ["[calibration]", "free = {}   # calibrated: nothing left free", ""]
    return "\n".join(lines)


@plain_text
def _plot_fit(fit: pd.DataFrame, observed: Observed, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    ax.fill_between(
        fit["step"],
        fit["simulated_low"],
        fit["simulated_high"],
        color="#9ecae1",
        alpha=0.6,
        label="calibrated model: middle 95 % of runs",
    )
    ax.plot(fit["step"], fit["simulated_mean"], color="#08519c", lw=2, label="calibrated model: mean")
    ax.plot(
        fit["step"], fit["observed"], "o-", color="#d95f0e", lw=1.5, ms=5, label=f"observed ({observed.description})"
    )
    ax.set(
        xlabel="step",
        ylabel="cumulative share adopted" if observed.metric == CUMULATIVE else observed.metric,
        title=title,
    )
    ax.set_ylim(
        0, max(1.0, float(fit[["observed", "simulated_high"]].max().max())) if observed.metric == CUMULATIVE else None
    )
    ax.grid(True, color="#e6e6e6")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@plain_text
def _plot_posterior(samples: pd.DataFrame, names: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if len(names) >= 2:
        fig, ax = plt.subplots(figsize=(6.5, 5))
        rejected, accepted = samples[~samples["accepted"]], samples[samples["accepted"]]
        ax.scatter(rejected[names[0]], rejected[names[1]], s=8, color="#d9d9d9", label="rejected samples")
        sc = ax.scatter(
            accepted[names[0]],
            accepted[names[1]],
            s=18,
            c=accepted["distance"],
            cmap="viridis_r",
            label="accepted (posterior)",
        )
        fig.colorbar(sc, ax=ax, label="distance (RMSE)")
        ax.set(xlabel=names[0], ylabel=names[1], title="Approximate posterior of the free parameters")
        ax.legend(fontsize=8, loc="upper right", framealpha=0.95)  # the posterior sits near the origin more often
    else:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        ax.scatter(samples[names[0]], samples["distance"], s=8, c=np.where(samples["accepted"], "#08519c", "#bdbdbd"))
        ax.set(xlabel=names[0], ylabel="distance (RMSE)", title="Distance of every sample; accepted in blue")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report_blocks(result: CalibrationResult, observed: Observed, scenario: Scenario, source: Path) -> list[Block]:
    """The blocks of the calibration's report.md (laid out by `reporting.experiment_reports.calibration_document`)."""
    config = scenario.calibration
    if config is None:  # calibrate() has already refused such a scenario
        raise ScenarioError("calibrate: the scenario has no [calibration] table")
    blocks = calibration_document(
        name=scenario.scenario.name,
        source=source,
        observed=observed.description,
        last_step=int(observed.steps.max()),
        samples=config.samples,
        replications=config.replications,
        accepted=int(result.samples["accepted"].sum()),
        estimates=result.estimates,
        published=config.published,
        check_replications=config.check_replications,
        rmse=result.rmse,
        rmse_in_points=observed.metric == CUMULATIVE or observed.metric.startswith("share_"),
        fit=result.fit,
    )
    return blocks


def write_calibration(
    result: CalibrationResult, observed: Observed, scenario: Scenario, source: Path, folder: Path, final: Path
) -> None:
    """Write every output file of a calibration into `folder` (empty; it becomes `final`)."""
    from simulation.results.tables import to_csv_bytes

    (folder / "calibration.csv").write_bytes(to_csv_bytes(result.estimates))
    (folder / "samples.csv").write_bytes(to_csv_bytes(result.samples))
    (folder / "fit.csv").write_bytes(to_csv_bytes(result.fit))
    _plot_fit(
        result.fit, observed, folder / "fit.png", f"{scenario.scenario.name}: observed against the calibrated model"
    )
    _plot_posterior(result.samples, result.parameters, folder / "posterior.png")
    (folder / "calibrated.toml").write_text(calibrated_toml(source, final, result.estimates), encoding="utf-8")
    write_report(folder, report_blocks(result, observed, scenario, source))


def run_calibration(
    scenario_path: Path, observed_path: Path | None, out: Path | None, workers: int | None, cluster: str | None = None
) -> tuple[Path, CalibrationResult]:
    """`simulate calibrate`: load, read the observations, fit, write the folder atomically (the
    replications on `workers` local processes, or on the Dask scheduler at `cluster`)."""
    import time

    from simulation.reporting.folder import atomic_folder, check_target
    from simulation.reporting.manifest import write_json
    from simulation.scenario import load_scenario
    from simulation.scenario.loader import scenario_hash

    started = time.perf_counter()
    scenario = load_scenario(scenario_path)
    calibration_inputs.check_calibration_table(scenario_path, scenario)
    check_fits(scenario, str(scenario_path))  # before a model is built (simulation.execution.memory_estimate)
    observed = read_observed(observed_path, scenario) if observed_path is not None else observed_from_model(scenario)
    out = out if out is not None else Path("outputs") / f"{scenario_path.stem}-calibration"
    check_target(out)
    result = calibrate(scenario, observed, backend=backend_for(workers, cluster))
    with atomic_folder(out) as tmp:
        write_calibration(result, observed, scenario, scenario_path, tmp, out)
        write_json(
            tmp / "manifest.json",
            {
                "command": "calibrate",
                "scenario_file": str(scenario_path),
                "scenario_hash": scenario_hash(scenario),
                "observed": observed.description,
                "rmse": result.rmse,
                "seconds": time.perf_counter() - started,
            },
        )
    return out, result
