"""Sensitivity analysis with SALib: Morris screening or Sobol indices over declared parameter ranges.

`simulate sensitivity FILE.toml` (or `simulate FILE.toml` when the file has a `[sensitivity]` table)
draws a sample in the unit hypercube with SALib (Morris trajectories on a `levels` grid, or Saltelli's
scheme for Sobol indices without second order), maps each coordinate u to a value of its parameter
(`design.value_at`: low + u (high - low) for a range, rounded for whole-number keys; for listed values,
i.e. categories, values[floor(u k)]), validates one scenario per sample point, runs run.replications
replications of each (common random numbers: replication k of every point from the same seed) and
analyses the mean over replications of each chosen outcome (its final value).

Replication noise is reported beside the indices. For each outcome, with R replications per point:
noise_sd = the pooled SD between replications of the same point, noise_se = noise_sd / sqrt(R), the SD
of the point means (output_sd), and noise_share = noise_se^2 / output_sd^2, the share of the variance
the indices analyse that is replication noise (an upper bound: common random numbers make part of the
noise a shift shared by all points). For Morris, an elementary effect is (y(x + delta) - y(x)) / delta
with delta = levels / (2 (levels - 1)) in unit coordinates, so mu* is in outcome units per whole range
of the parameter. Each elementary effect is also computed replication by replication (paired by common
random numbers); from their spread, noise_floor = sqrt(2/pi) x their standard error, averaged over the
parameter's steps, is the mu* that replication noise alone would give. A parameter whose mu* interval
lies above its floor is `above_noise` (left empty with one replication per point, when noise cannot be
estimated). Intervals: SALib's bootstrap (1,000 resamples), 95 %.

Categorical parameters: a parameter with k listed values occupies k equal slices of its unit
coordinate. Sobol indices do not depend on the order of the values; Morris elementary effects of a
categorical parameter compare neighbouring values in the listed order, so mu* measures how much
switching between neighbours in that order changes the outcome (list them in a meaningful order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.experiments import common
from simulation.experiments.design import value_at
from simulation.reporting.document import Block
from simulation.reporting.experiment_reports import sensitivity_document, write_report
from simulation.reporting.folder import atomic_folder, previous_of
from simulation.reporting.manifest import write_json
from simulation.scenario.experiments import SensitivityConfig

RESAMPLES = 1000


@dataclass
class SensitivityPlan:
    experiment: common.Experiment
    config: SensitivityConfig
    unit: np.ndarray  # the SALib sample in unit coordinates (points x parameters)
    seed: int

    @property
    def total_replications(self) -> int:
        return self.experiment.total_replications

    @property
    def out(self) -> Path:
        return self.experiment.out


@dataclass
class SensitivityResult:
    out: Path
    indices: pd.DataFrame
    noise: pd.DataFrame
    plan: SensitivityPlan
    seconds: float
    replaced_previous: Path | None


def problem(config: SensitivityConfig) -> dict:
    return {
        "num_vars": len(config.parameters),
        "names": [p.key for p in config.parameters],
        "bounds": [[0.0, 1.0]] * len(config.parameters),
    }


def unit_sample(config: SensitivityConfig, seed: int) -> np.ndarray:
    if config.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem(config), config.trajectories, num_levels=config.levels, seed=seed)
    from SALib.sample import sobol

    return sobol.sample(problem(config), config.samples, calc_second_order=False, seed=seed)


def plan_sensitivity(
    path: Path,
    out: Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
) -> SensitivityPlan:
    path = Path(path)
    scenario = common.load_experiment(path, "sensitivity", replications, seed, steps)
    config: SensitivityConfig = scenario.sensitivity  # type: ignore[assignment]
    integer = common.integer_flags(scenario, config.parameters, path, "sensitivity")
    sample_seed = config.seed if config.seed is not None else scenario.run.seed
    unit = unit_sample(config, sample_seed % 2**32)
    rows = [
        tuple(value_at(p, float(u), i) for p, u, i in zip(config.parameters, row, integer, strict=True)) for row in unit
    ]
    points = common.build_points(path, scenario, config.parameters, rows, "sensitivity")
    out = out if out is not None else Path("outputs") / path.stem
    common.prepare_out(out)
    experiment = common.Experiment("sensitivity", path, scenario, list(config.parameters), points, out)
    return SensitivityPlan(experiment, config, unit, sample_seed % 2**32)


def _noise(matrix: np.ndarray, means: np.ndarray) -> tuple[float, float, float]:
    """(noise_sd, noise_se, output_sd) of a points x replications matrix and its row means."""
    counts = np.sum(~np.isnan(matrix), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        variances = np.nanvar(matrix, axis=1, ddof=1)
    usable = counts > 1
    noise_sd = float(np.sqrt(np.nanmean(variances[usable]))) if usable.any() else math.nan
    r = float(np.mean(counts)) if counts.size else math.nan
    noise_se = noise_sd / math.sqrt(r) if r > 0 else math.nan
    output_sd = float(np.std(means, ddof=1)) if means.size > 1 else math.nan
    return noise_sd, noise_se, output_sd


def analyse(plan: SensitivityPlan, replications: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """indices.csv, noise.csv and samples.csv frames from the replications table."""
    config, experiment = plan.config, plan.experiment
    n_points = len(experiment.points)
    reps = experiment.replications
    index_rows, noise_rows = [], []
    samples = pd.DataFrame({"point": range(n_points)})
    for j, key in enumerate(experiment.keys):
        samples[key] = [p.values[j] for p in experiment.points]
    for j, key in enumerate(experiment.keys):
        samples[f"u_{key}"] = plan.unit[:, j]
    for outcome in config.outcomes:
        matrix = np.full((n_points, reps), np.nan)
        matrix[replications["point"].to_numpy(), replications["replication"].to_numpy()] = replications[
            outcome
        ].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            means = np.nanmean(matrix, axis=1) if matrix.size else np.array([])
        samples[f"{outcome}_mean"] = means
        samples[f"{outcome}_sd"] = np.nanstd(matrix, axis=1, ddof=1) if reps > 1 else np.nan
        noise_sd, noise_se, output_sd = _noise(matrix, means)
        noise_share = noise_se**2 / output_sd**2 if output_sd and output_sd == output_sd and output_sd > 0 else math.nan
        row = {
            "outcome": outcome,
            "method": config.method,
            "replications_per_point": reps,
            "points": n_points,
            "noise_sd": noise_sd,
            "noise_se": noise_se,
            "output_sd": output_sd,
            "noise_share": noise_share,
        }
        floors = None
        if config.method == "morris":
            floors = morris_noise_floors(plan.unit, matrix, len(experiment.keys))
            row["mu_star_noise_floor"] = float(np.nanmean(floors)) if np.isfinite(floors).any() else math.nan
        noise_rows.append(row)
        if np.isnan(means).any():
            continue  # a point without any successful replication: no indices for this outcome
        index_rows += _indices(plan, outcome, means, row, floors)
    return pd.DataFrame(index_rows), pd.DataFrame(noise_rows), samples


def morris_noise_floors(unit: np.ndarray, matrix: np.ndarray, k: int) -> np.ndarray:
    """Per parameter, the mu* that replication noise alone would give (common random numbers included).

    Each elementary effect is computed replication by replication (replication k of both points of a
    step shares its seed); its standard error is sd_k / sqrt(R), and a zero-mean normal error with that
    SE has mean absolute value sqrt(2/pi) SE. The floor is that, averaged over the parameter's steps.
    """
    points, reps = matrix.shape
    sums, counts = np.zeros(k), np.zeros(k)
    for start in range(0, points - k, k + 1):
        for j in range(start, start + k):
            dx = unit[j + 1] - unit[j]
            moved = np.flatnonzero(np.abs(dx) > 1e-12)
            if moved.size != 1:
                continue
            i = int(moved[0])
            effects = (matrix[j + 1] - matrix[j]) / dx[i]
            effects = effects[~np.isnan(effects)]
            if effects.size < 2:
                continue
            sums[i] += math.sqrt(2 / math.pi) * float(effects.std(ddof=1)) / math.sqrt(effects.size)
            counts[i] += 1
    with np.errstate(invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _indices(
    plan: SensitivityPlan, outcome: str, y: np.ndarray, noise: dict, floors: np.ndarray | None = None
) -> list[dict]:
    config = plan.config
    names = [p.key for p in config.parameters]
    kinds = ["categorical" if p.categorical else "range" for p in config.parameters]
    rows: list[dict[str, Any]] = []
    if config.method == "morris":
        from SALib.analyze import morris

        si = morris.analyze(
            problem(config),
            plan.unit,
            y,
            num_resamples=RESAMPLES,
            conf_level=0.95,
            num_levels=config.levels,
            seed=plan.seed,
        )
        for i, name in enumerate(names):
            floor = float(floors[i]) if floors is not None else math.nan
            mu_star, conf = float(si["mu_star"][i]), float(si["mu_star_conf"][i])
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "type": kinds[i],
                    "mu": float(si["mu"][i]),
                    "mu_star": mu_star,
                    "mu_star_conf": conf,
                    "mu_star_low": mu_star - conf,
                    "mu_star_high": mu_star + conf,
                    "sigma": float(si["sigma"][i]),
                    "noise_floor": floor,
                    "above_noise": "" if floor != floor else "true" if mu_star - conf > floor else "false",
                }
            )
        rows.sort(key=lambda r: -r["mu_star"])
    else:
        from SALib.analyze import sobol

        si = sobol.analyze(
            problem(config), y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=0.95, seed=plan.seed
        )
        for i, name in enumerate(names):
            s1, s1c, st, stc = (float(si[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "type": kinds[i],
                    "S1": s1,
                    "S1_conf": s1c,
                    "S1_low": s1 - s1c,
                    "S1_high": s1 + s1c,
                    "ST": st,
                    "ST_conf": stc,
                    "ST_low": st - stc,
                    "ST_high": st + stc,
                    "noise_share": noise["noise_share"],
                }
            )
        rows.sort(key=lambda r: -r["ST"])
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def report_blocks(
    plan: SensitivityPlan, indices: pd.DataFrame, noise: pd.DataFrame, plots: list[str], failures: list
) -> list[Block]:
    """The blocks of the analysis's report.md (laid out by `reporting.experiment_reports.sensitivity_document`)."""
    experiment, config = plan.experiment, plan.config
    blocks = sensitivity_document(
        name=experiment.base.scenario.name,
        method=config.method,
        points=len(experiment.points),
        replications=experiment.replications,
        steps=experiment.base.run.steps,
        seed=experiment.seed,
        sample_seed=plan.seed,
        parameters=config.parameters,
        failed=len(failures),
        outcomes=config.outcomes,
        indices=indices,
        noise=noise,
        plots=plots,
    )
    return blocks


def run_sensitivity(
    plan: SensitivityPlan, workers: int | None = None, progress=None, resume: bool = False, cluster: str | None = None
) -> SensitivityResult:
    from simulation.reporting.plots.experiments import sensitivity_plot

    experiment, config = plan.experiment, plan.config
    started, started_at = common.clock(), common.now()
    done, partial, workers = common.run_experiment(experiment, workers, progress, resume, cluster)
    replications = common.replications_table(experiment, done, partial)
    indices, noise, samples = analyse(plan, replications)
    failures = [d for d in done if d.failed]
    had_previous = experiment.out.is_dir() and any(experiment.out.iterdir())
    with atomic_folder(experiment.out) as tmp:
        common.write_tables(
            tmp,
            experiment,
            replications,
            failures,
            {"samples.csv": samples, "indices.csv": indices, "noise.csv": noise},
        )
        plots = []
        if not indices.empty:
            for outcome in config.outcomes:
                if (indices["outcome"] == outcome).any():
                    n = noise[noise["outcome"] == outcome].iloc[0]
                    line = None if config.method == "morris" else n["noise_share"]
                    plots.append(sensitivity_plot(tmp / "plots", indices, outcome, config.method, line))
        write_report(tmp, report_blocks(plan, indices, noise, plots, failures))
        manifest = common.experiment_manifest(
            experiment,
            {**config.model_dump(mode="json"), "sample_seed": plan.seed},
            done,
            started_at,
            common.clock() - started,
            workers,
            resume,
        )
        write_json(tmp / "manifest.json", manifest)
    result = SensitivityResult(
        experiment.out,
        indices,
        noise,
        plan,
        common.clock() - started,
        previous_of(experiment.out) if had_previous else None,
    )
    common.finish(experiment, done, partial, lambda i: f"point {i}", closing_lines(result))
    return result


def closing_lines(result: SensitivityResult) -> str:
    plan = result.plan
    experiment, config = plan.experiment, plan.config
    lines = [
        f"sensitivity {experiment.base.scenario.name} ({config.method}): {len(experiment.points)} points x "
        f"{experiment.replications} runs x {experiment.base.run.steps} weeks in {result.seconds:.1f} s"
    ]
    for outcome in config.outcomes:
        rows = result.indices[result.indices["outcome"] == outcome] if not result.indices.empty else result.indices
        n = result.noise[result.noise["outcome"] == outcome].iloc[0]
        if rows.empty:
            lines.append(f"{outcome}: no indices (a sample point has no successful replication)")
            continue
        if config.method == "morris":
            ranking = ", ".join(
                f"{r['parameter']} {r['mu_star']:.3g} (sigma {r['sigma']:.3g}{', within noise' if r['above_noise'] == 'false' else ''})"
                for _, r in rows.iterrows()
            )
            lines.append(f"{outcome}, Morris mu* (mean noise floor {n['mu_star_noise_floor']:.2g}): {ranking}")
        else:
            ranking = ", ".join(f"{r['parameter']} ST {r['ST']:.2f} (S1 {r['S1']:.2f})" for _, r in rows.iterrows())
            lines.append(f"{outcome} (replication noise {100 * n['noise_share']:.0f} % of variance): {ranking}")
    lines.append(
        f"results: {result.out}/ (report.md, report.html, indices.csv, noise.csv, samples.csv, replications.csv, manifest.json, plots/)"
    )
    if result.replaced_previous is not None:
        lines.append(f"the previous run in that folder was moved to {result.replaced_previous}/")
    return "\n".join(lines)
