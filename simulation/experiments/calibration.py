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
from collections.abc import Sequence
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
from simulation.outcomes import outcome
from simulation.reporting.document import Block
from simulation.reporting.experiment_reports import calibration_document, write_report
from simulation.reporting.plots.text import plain_text
from simulation.scenario.paths import base_data, parse_path, point_scenario
from simulation.scenario.schema import Scenario


@dataclass
class Observed:
    """Observed points (`values[i]` at step `steps[i]`, 0 = the starting state), and whom they are about.

    One series (`metric` for every point) or several (`point_metrics[i]` names point i's series; a
    file with several value columns): adoption, mode shares, attitude survey means at once."""

    steps: np.ndarray
    values: np.ndarray
    metric: str  # CUMULATIVE or an outcome column (with several series: the first)
    known: np.ndarray | None = None  # per-clinician data: mask of clinicians whose time is known
    description: str = ""
    point_metrics: np.ndarray | None = None  # several series: each point's metric

    @property
    def metrics(self) -> np.ndarray:
        """Each point's metric."""
        if self.point_metrics is not None:
            return self.point_metrics
        return np.full(len(self.steps), self.metric, dtype=object)

    @property
    def series(self) -> list[str]:
        """The observed metrics, in the file's order."""
        return list(dict.fromkeys(self.metrics.tolist()))

    @property
    def scales(self) -> np.ndarray:
        """Each point's scale in the distance: 1 for shares, the outcome's range otherwise (mean_attitude:
        6 points of the 1-7 scale), so that series in different units weigh alike."""
        widths = {}
        for name in self.series:
            bounds = None if name == CUMULATIVE else outcome(name).value_range
            widths[name] = 1.0 if bounds is None else float(bounds[1] - bounds[0])
        return np.array([widths[m] for m in self.metrics.tolist()])

    @property
    def all_shares(self) -> bool:
        return all(m == CUMULATIVE or outcome(m).is_share for m in self.series)


def _per_clinician(times: np.ndarray, known: np.ndarray, steps: int, description: str) -> Observed:
    """Adoption times as their empirical distribution function (share of the known clinicians adopted by
    each step, `never` counted as not adopted): the distance is then one on the adoption-time distribution."""
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
    names = [one.metric for one in series]
    return Observed(
        np.array([step for one in series for step in one.steps], dtype=int),
        np.array([value for one in series for value in one.values], dtype=float),
        names[0],
        None,
        f"{', '.join(names)} in {path.name}",
        np.array([one.metric for one in series for _ in one.steps], dtype=object) if len(series) > 1 else None,
    )


def simulated_curve(scenario: Scenario, replication: int, observed: Observed) -> np.ndarray:
    """The simulated counterpart of `observed` in one replication, point by point (step 0: the
    starting state, before the first step)."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    ever = model.state.uses_ai().copy()
    mask = observed.known if observed.known is not None else np.ones(model.state.n, dtype=bool)
    points = list(zip(observed.steps.tolist(), observed.metrics.tolist(), strict=True))
    wanted: dict[int, set[str]] = {}
    for step, metric in points:
        wanted.setdefault(int(step), set()).add(metric)
    out: dict[tuple[int, str], float] = {}

    def record(step: int) -> None:
        for metric in wanted.get(step, ()):
            out[step, metric] = float(ever[mask].mean()) if metric == CUMULATIVE else float(model.last[metric])

    record(0)
    for step in range(1, int(observed.steps.max()) + 1):
        model.step()
        ever |= model.state.uses_ai()
        record(step)
    return np.array([out[int(step), metric] for step, metric in points])


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
    curves = curves_of(jobs, observed, backend)
    return [np.array(curves[i * replications : (i + 1) * replications]) for i in range(len(points))]


def curves_of(jobs: list[Job], observed: Observed, backend: Backend) -> list[np.ndarray]:
    """The simulated curve of each job (one replication of one point), in order, through the engine."""
    sink = MemorySink()
    run_jobs(jobs, sink=sink, backend=backend, task=functools.partial(calibration_curve, observed=observed))
    if sink.failures:
        raise ReplicationsFailed(
            failure_summary(sink.failures, len(jobs), lambda i: f"calibration sample {i}", "no results were kept"),
            sink.failures,
        )
    return list(sink.results())


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def distance(simulated: np.ndarray, observed: Observed) -> float:
    """RMSE over the observed points, each divided by its scale (`Observed.scales`; shares: 1)."""
    return rmse(np.asarray(simulated) / observed.scales, observed.values / observed.scales)


def fit_data(scenario: Scenario) -> dict:
    """The scenario as plain data without its `[calibration]` table (the base of every fitted point)."""
    data = base_data(scenario)
    data.pop("calibration", None)
    return data


# The starting shares are fittable: `population.initial_modes.verify` or `.primary` free, the share
# using no AI follows (the three add up to 1).
INITIAL_MODES = ("population", "initial_modes")


def assignments(data: dict, paths: list[tuple], values: list[float]) -> list[tuple[tuple, float]]:
    """(path, value) of each free key, with `population.initial_modes.none` set to what the fitted
    starting shares leave when verify or primary is free (and none is not)."""
    pairs = list(zip(paths, values, strict=True))
    free = {tuple(path) for path in paths}
    moved = [path for path in free if path[:2] == INITIAL_MODES and path[2:] in (("verify",), ("primary",))]
    if moved and (*INITIAL_MODES, "none") not in free:
        shares = dict(data.get("population", {}).get("initial_modes", {}))
        shares.update({path[2]: value for path, value in pairs if path in moved})
        pairs.append(((*INITIAL_MODES, "none"), max(0.0, 1.0 - shares.get("verify", 0.0) - shares.get("primary", 0.0))))
    return pairs


@dataclass
class CalibrationResult:
    parameters: list[str]
    estimates: pd.DataFrame  # parameter, estimate, low, high, prior_low, prior_high, best (smc: + ess, ...)
    samples: pd.DataFrame  # abc: every parameter set; smc: the final population (posterior.csv)
    fit: pd.DataFrame  # step, metric, observed, simulated_mean, simulated_low, simulated_high
    rmse: float
    calibrated: Scenario
    method: str = "abc"
    populations: pd.DataFrame | None = None  # smc: one row per population (tolerance, evaluations)

    @property
    def level(self) -> int:
        """The interval's level in percent: 95 (abc: 2.5-97.5 percentiles), 90 (smc: credible interval)."""
        return 90 if self.method == "smc" else 95

    def tables(self) -> list[tuple[str, pd.DataFrame]]:
        """The tables of the output folder, by name (smc: posterior.csv and populations.csv for samples.csv)."""
        if self.method == "smc" and self.populations is not None:
            return [
                ("calibration", self.estimates),
                ("posterior", self.samples),
                ("populations", self.populations),
                ("fit", self.fit),
            ]
        return [("calibration", self.estimates), ("samples", self.samples), ("fit", self.fit)]


def calibrate(
    scenario: Scenario,
    observed: Observed,
    workers: int | None = None,
    backend: Backend | None = None,
    folder: Path | None = None,
) -> CalibrationResult:
    """Rejection ABC, or ABC-SMC when `[calibration] method = "smc"` (its pyabc database goes into
    `folder`, default: a temporary folder), over `scenario.calibration.free` (see the module
    docstring); the replications run on `backend` (default: `workers` local processes, all cores
    unless given)."""
    config = scenario.calibration
    if config is None or not config.free:
        raise ScenarioError("calibrate: the scenario has no [calibration] table with free parameters")
    backend = backend if backend is not None else backend_for(workers)
    if config.method == "smc":
        from simulation.experiments.abc_smc import calibrate_smc

        return calibrate_smc(scenario, observed, backend, folder)
    names = list(config.free)
    bounds = np.array([config.free[name] for name in names], dtype=float)
    data = fit_data(scenario)
    paths = [parse_path(name) for name in names]
    design = qmc.LatinHypercube(d=len(names), seed=config.seed).random(config.samples)
    values = qmc.scale(design, bounds[:, 0], bounds[:, 1]) if len(names) else design
    points = [
        point_scenario(data, assignments(data, paths, row.tolist()), f"calibration sample {i}")
        for i, row in enumerate(values)
    ]
    curves = simulated_curves(points, config.replications, observed, backend)
    distances = np.array([distance(c.mean(axis=0), observed) for c in curves])
    keep = max(2, int(math.ceil(config.accept_share * len(points))))
    accepted = np.argsort(distances, kind="stable")[:keep]
    samples = pd.DataFrame(values, columns=names)
    samples["distance"] = distances
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
    calibrated = point_scenario(data, assignments(data, paths, median.tolist()), "calibrated scenario")
    check = simulated_curves([calibrated], config.check_replications, observed, backend)[0]
    fit = fit_table(observed, check, (2.5, 97.5))
    return CalibrationResult(names, estimates, samples, fit, distance(fit["simulated_mean"], observed), calibrated)


def fit_table(observed: Observed, runs: np.ndarray, band: tuple[float, float]) -> pd.DataFrame:
    """step, metric, observed, simulated_mean and the `band` percentiles of `runs` (runs x points)."""
    return pd.DataFrame(
        {
            "step": observed.steps,
            "metric": observed.metrics,
            "observed": observed.values,
            "simulated_mean": runs.mean(axis=0),
            "simulated_low": np.percentile(runs, band[0], axis=0),
            "simulated_high": np.percentile(runs, band[1], axis=0),
        }
    )


def calibrated_toml(
    source: Path, out: Path, estimates: pd.DataFrame, calibrated: Scenario | None = None, level: int = 95
) -> str:
    """A scenario file that extends `source` (relative to `out`) and sets each estimate (with the
    starting share using no AI of `calibrated` when a starting share was fitted)."""
    relative = os.path.relpath(source.resolve(), out.resolve())
    lines = [
        "# Calibrated by `simulate calibrate`: posterior medians of the free parameters.",
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
            f"{parts[-1]} = {row.estimate:.6g}   # {level} % interval {row.low:.4g} to {row.high:.4g}"
        )
    modes = ".".join(INITIAL_MODES)
    if calibrated is not None and modes in tables and not any(k.startswith("none ") for k in tables[modes]):
        tables[modes].append(f"none = {calibrated.population.initial_modes.none:.10g}   # what the fitted shares leave")
    for table, keys in tables.items():
        lines += [f"[{table}]", *keys, ""]
    lines += ["[calibration]", "free = {}   # calibrated: nothing left free", ""]
    return "\n".join(lines)


@plain_text
def _plot_fit(fit: pd.DataFrame, observed: Observed, path: Path, title: str, band: str = "middle 95 % of runs") -> None:
    """Observed points against the model's mean and band, one panel per observed series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = observed.series
    fig, axes = plt.subplots(len(names), 1, figsize=(7.5, 1.0 + 3.4 * len(names)), sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        rows = fit[fit["metric"] == name]
        ax.fill_between(
            rows["step"],
            rows["simulated_low"],
            rows["simulated_high"],
            color="#9ecae1",
            alpha=0.6,
            label=f"model: {band}",
        )
        ax.plot(rows["step"], rows["simulated_mean"], color="#08519c", lw=2, label="model: mean")
        ax.plot(rows["step"], rows["observed"], "o-", color="#d95f0e", lw=1.5, ms=5, label="observed")
        is_share = name == CUMULATIVE or outcome(name).is_share
        ax.set(ylabel="cumulative share adopted" if name == CUMULATIVE else name)
        if is_share:
            ax.set_ylim(0, max(1.0, float(rows[["observed", "simulated_high"]].max().max())))
        ax.grid(True, color="#e6e6e6")
        ax.legend(fontsize=8, loc="best")
    axes[0, 0].set_title(f"{title}\n({observed.description})", fontsize=10)
    axes[-1, 0].set_xlabel("step")
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
    if result.method == "smc":
        from simulation.experiments.abc_smc import smc_report_blocks

        return smc_report_blocks(result, observed, scenario, source)
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
        rmse_in_points=observed.all_shares,
        fit=result.fit,
    )
    return blocks


def write_calibration(
    result: CalibrationResult,
    observed: Observed,
    scenario: Scenario,
    source: Path,
    folder: Path,
    final: Path,
    formats: Sequence[str] = ("csv", "parquet"),
) -> None:
    """Write every output file of a calibration into `folder` (empty; it becomes `final`); the tables
    in `formats` (`results.table_files`), with datapackage.json."""
    from simulation.results.table_files import write_datapackage, write_table
    from simulation.scenario.loader import scenario_hash

    what = {"command": "calibrate", "scenario_file": str(source), "scenario_hash": scenario_hash(scenario)}
    for name, frame in result.tables():
        write_table(folder, name, frame, formats, what)
    write_datapackage(folder, "Tables of a simulate calibrate")
    band = "5-95 % of posterior draws" if result.method == "smc" else "middle 95 % of runs"
    _plot_fit(
        result.fit,
        observed,
        folder / "fit.png",
        f"{scenario.scenario.name}: observed against the calibrated model",
        band,
    )
    if result.method == "smc":
        from simulation.experiments.abc_smc import plot_particles

        plot_particles(result.samples, result.parameters, folder / "posterior.png")
    else:
        _plot_posterior(result.samples, result.parameters, folder / "posterior.png")
    (folder / "calibrated.toml").write_text(
        calibrated_toml(source, final, result.estimates, result.calibrated, result.level), encoding="utf-8"
    )
    write_report(folder, report_blocks(result, observed, scenario, source))


def run_calibration(
    scenario_path: Path,
    observed_path: Path | None,
    out: Path | None,
    workers: int | None,
    cluster: str | None = None,
    formats: Sequence[str] = ("csv", "parquet"),
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
    with atomic_folder(out) as tmp:
        # smc: pyabc's database is written into the folder (pyabc.db), never the working folder
        result = calibrate(scenario, observed, backend=backend_for(workers, cluster), folder=tmp)
        write_calibration(result, observed, scenario, scenario_path, tmp, out, formats)
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
