"""Parameter sweeps: one scenario file, a `[sweep]` table, every point run with common random numbers.

`simulate sweep FILE.toml` (or `simulate FILE.toml` when the file has a `[sweep]` table) builds the
design (every combination of the parameters' grids, or a Latin hypercube sample), validates one
scenario per point, runs run.replications replications of each point (replication k of every point
from the same seed, so differences between points are paired) and writes into `outputs/<file stem>/`:

- `points.csv`: point, one column per varied key, the point's scenario hash;
- `replications.csv`: point, the keys, replication, error (empty unless the replication raised), and
  the final outcomes (the columns of the comparison's replications.csv);
- `summary.csv` (tidy): point, the keys, outcome, mean, sd, ci_low, ci_high (Student t, 95 %), the
  central 95 % of replications (range_low, range_high), n (replications used), failed;
- `marginal.csv` (factorial designs): for each numeric key, each step to its next grid value with the
  other keys fixed, the paired difference of each outcome (mean of per-replication differences, 95 %
  Student t interval) and the difference per unit of the key;
- `plots/`: per outcome a response curve with bands (one key; with two keys one curve per value of
  the other key) and a heat map (two keys), or scatter plots (Latin hypercube, more keys);
- `report.md`, `report.html` (plots embedded), `manifest.json` (what ran, every point's scenario hash), `errors.csv` (failures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.experiments import common
from simulation.experiments.design import factorial, latin_hypercube
from simulation.outcomes import better_direction
from simulation.reporting.document import Block
from simulation.reporting.experiment_reports import sweep_document, write_report
from simulation.reporting.folder import atomic_folder, previous_of
from simulation.reporting.manifest import write_json
from simulation.scenario.experiments import SweepConfig

SUMMARY_COLUMNS = ["outcome", "mean", "sd", "ci_low", "ci_high", "range_low", "range_high", "n", "failed"]


@dataclass
class SweepResult:
    out: Path
    summary: pd.DataFrame
    marginal: pd.DataFrame
    experiment: common.Experiment
    config: SweepConfig
    seconds: float
    failures: int
    replaced_previous: Path | None


def plan_sweep(
    path: Path,
    out: Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
) -> common.Experiment:
    """Load the file, build and validate every point; ScenarioError on bad input (nothing written)."""
    path = Path(path)
    scenario = common.load_experiment(path, "sweep", replications, seed, steps)
    config: SweepConfig = scenario.sweep  # type: ignore[assignment]
    integer = common.integer_flags(scenario, config.parameters, path, "sweep")
    if config.design == "factorial":
        rows = factorial(config.parameters, integer)
    else:
        rows = latin_hypercube(
            config.parameters, integer, config.samples, config.seed if config.seed is not None else scenario.run.seed
        )
    points = common.build_points(path, scenario, config.parameters, rows, "sweep")
    out = out if out is not None else Path("outputs") / path.stem
    common.prepare_out(out)
    return common.Experiment("sweep", path, scenario, list(config.parameters), points, out)


def summary_frame(experiment: common.Experiment, replications: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    rows = []
    for point in experiment.points:
        group = replications[replications["point"] == point.index]
        failed = int((group["error"] != "").sum())
        for outcome in outcomes:
            values = group[outcome].to_numpy(dtype=float)
            mean, sd, low, high, n = common.mean_interval(values)
            clean = values[~np.isnan(values)]
            r_low, r_high = np.percentile(clean, [2.5, 97.5]) if clean.size else (math.nan, math.nan)
            rows.append(
                [point.index, *point.values, outcome, mean, sd, low, high, float(r_low), float(r_high), n, failed]
            )
    return pd.DataFrame(rows, columns=["point", *experiment.keys, *SUMMARY_COLUMNS])


def marginal_frame(experiment: common.Experiment, replications: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Paired differences between neighbouring grid values of each numeric key (others fixed)."""
    columns = [
        "key",
        "from",
        "to",
        *(f"at_{k}" for k in experiment.keys),
        "outcome",
        "difference",
        "ci_low",
        "ci_high",
        "n",
        "per_unit",
    ]
    rows = []
    by_values = {p.values: p.index for p in experiment.points}
    for axis, parameter in enumerate(experiment.parameters):
        grid = sorted({p.values[axis] for p in experiment.points}, key=_order_key)
        numbers = [v for v in grid if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(grid) < 2 or len(numbers) < len(grid):
            continue
        seen = set()
        for point in experiment.points:
            others = point.values[:axis] + point.values[axis + 1 :]
            if others in seen:
                continue
            seen.add(others)
            for a, b in zip(numbers, numbers[1:], strict=False):
                ia = by_values.get(point.values[:axis] + (a,) + point.values[axis + 1 :])
                ib = by_values.get(point.values[:axis] + (b,) + point.values[axis + 1 :])
                if ia is None or ib is None:
                    continue
                left = replications[replications["point"] == ia].set_index("replication")
                right = replications[replications["point"] == ib].set_index("replication")
                for outcome in outcomes:
                    d = (right[outcome] - left[outcome]).to_numpy(dtype=float)
                    mean, _, low, high, n = common.mean_interval(d)
                    at = [("" if i == axis else v) for i, v in enumerate(point.values)]
                    rows.append([parameter.key, a, b, *at, outcome, mean, low, high, n, mean / (b - a)])
    return pd.DataFrame(rows, columns=columns)


def _order_key(value):
    return (0, value, "") if isinstance(value, (int, float)) and not isinstance(value, bool) else (1, 0, str(value))


def saturation(experiment: common.Experiment, marginal: pd.DataFrame, outcome: str) -> list[str]:
    """Plain lines: along the first numeric key, where further steps stop paying off (per other setting)."""
    better = better_direction(outcome)
    if marginal.empty or better is None:
        return []
    key = marginal["key"].iloc[0]
    lines = []
    subset = marginal[(marginal["key"] == key) & (marginal["outcome"] == outcome)]
    others = [f"at_{k}" for k in experiment.keys if k != key]
    groups = subset.groupby(others, sort=False, dropna=False) if others else [((), subset)]
    for setting, group in groups:
        setting = setting if isinstance(setting, tuple) else (setting,)
        label = (
            ", ".join(f"{k.removeprefix('at_')} = {v}" for k, v in zip(others, setting, strict=True)) or "all points"
        )
        significant = group["ci_high"] < 0 if better == "lower" else group["ci_low"] > 0
        helpful = [row["to"] for (_, row), sig in zip(group.iterrows(), significant, strict=True) if sig]
        last = group["to"].iloc[-1]
        first_rate, last_rate = group["per_unit"].iloc[0], group["per_unit"].iloc[-1]
        rates = (
            f" (change per unit of {key}: {first_rate:+.3g} from {group['from'].iloc[0]} to {group['to'].iloc[0]}, "
            f"{last_rate:+.3g} from {group['from'].iloc[-1]} to {last})"
        )
        if not helpful:
            lines.append(
                f"{label}: no step along {key} changes {outcome} clearly (95 % paired intervals include 0){rates}"
            )
        elif helpful[-1] == last:
            lines.append(f"{label}: {outcome} still improves clearly at the largest {key} tried ({last}){rates}")
        else:
            lines.append(
                f"{label}: {outcome} improves clearly up to {key} = {helpful[-1]}; further steps change it by less than "
                f"replication noise (95 % paired intervals include 0){rates}"
            )
    return lines


def write_sweep(
    experiment: common.Experiment,
    config: SweepConfig,
    done,
    partial,
    started_at: str,
    started: float,
    workers: int,
    resumed: bool,
) -> SweepResult:
    replications = common.replications_table(experiment, done, partial)
    outcomes = list(config.outcomes)
    summary = summary_frame(experiment, replications, outcomes)
    marginal = marginal_frame(experiment, replications, outcomes) if config.design == "factorial" else pd.DataFrame()
    failures = [d for d in done if d.failed]
    had_previous = experiment.out.is_dir() and any(experiment.out.iterdir())
    with atomic_folder(experiment.out) as tmp:
        common.write_tables(
            tmp,
            experiment,
            replications,
            failures,
            {"summary.csv": summary, "marginal.csv": None if marginal.empty else marginal},
        )
        from simulation.reporting.plots.experiments import sweep_plots

        plots = sweep_plots(tmp / "plots", experiment, summary, replications, outcomes, config.design)
        write_report(tmp, report_blocks(experiment, config, summary, marginal, plots, failures))
        manifest = common.experiment_manifest(
            experiment, config.model_dump(mode="json"), done, started_at, common.clock() - started, workers, resumed
        )
        write_json(tmp / "manifest.json", manifest)
    return SweepResult(
        experiment.out,
        summary,
        marginal,
        experiment,
        config,
        common.clock() - started,
        len(failures),
        previous_of(experiment.out) if had_previous else None,
    )


def report_blocks(
    experiment: common.Experiment,
    config: SweepConfig,
    summary: pd.DataFrame,
    marginal: pd.DataFrame,
    plots: list[str],
    failures: list,
) -> list[Block]:
    """The blocks of the sweep's report.md (laid out by `reporting.experiment_reports.sweep_document`)."""
    blocks = sweep_document(
        name=experiment.base.scenario.name,
        design=config.design,
        points=len(experiment.points),
        replications=experiment.replications,
        steps=experiment.base.run.steps,
        seed=experiment.seed,
        keys=experiment.keys,
        failed=len(failures),
        outcomes=config.outcomes,
        summary=summary,
        saturation={outcome: saturation(experiment, marginal, outcome) for outcome in config.outcomes},
        plots=plots,
    )
    return blocks


def closing_lines(result: SweepResult) -> str:
    experiment, config = result.experiment, result.config
    lines = [
        f"sweep {experiment.base.scenario.name}: {len(experiment.points)} points x {experiment.replications} runs x "
        f"{experiment.base.run.steps} weeks in {result.seconds:.1f} s"
    ]
    outcome = config.outcomes[0]
    rows = result.summary[result.summary["outcome"] == outcome]
    if not rows.empty and rows["mean"].notna().any():
        better = better_direction(outcome) or "lower"
        best = rows.loc[rows["mean"].idxmin() if better == "lower" else rows["mean"].idxmax()]
        setting = ", ".join(f"{k} = {best[k]}" for k in experiment.keys)
        lines.append(f"best {outcome}: {best['mean']:.4g} [{best['ci_low']:.4g}, {best['ci_high']:.4g}] at {setting}")
    lines += saturation(experiment, result.marginal, outcome)
    lines.append(
        f"results: {result.out}/ (report.md, report.html, summary.csv, marginal.csv, replications.csv, points.csv, manifest.json, plots/)"
    )
    if result.replaced_previous is not None:
        lines.append(f"the previous run in that folder was moved to {result.replaced_previous}/")
    return "\n".join(lines)


def run_sweep(
    experiment: common.Experiment,
    workers: int | None = None,
    progress=None,
    resume: bool = False,
    cluster: str | None = None,
) -> SweepResult:
    """Run every point's replications (kept in <out>.partial/ as they finish) and write the folder.

    Failed replications become error rows; the folder is still written, then ReplicationsFailed is
    raised with a summary (the partial folder stays so that --resume retries only the failures).
    """
    config: SweepConfig = experiment.base.sweep  # type: ignore[assignment]
    started, started_at = common.clock(), common.now()
    done, partial, workers = common.run_experiment(experiment, workers, progress, resume, cluster)
    result = write_sweep(experiment, config, done, partial, started_at, started, workers, resume)
    common.finish(experiment, done, partial, lambda i: f"point {i} ({_setting(experiment, i)})", closing_lines(result))
    return result


def _setting(experiment: common.Experiment, index: int) -> str:
    return ", ".join(f"{k} = {v}" for k, v in zip(experiment.keys, experiment.points[index].values, strict=True))


_ = stats  # scipy is used through common.mean_interval
