"""A real run folder for the report tests, written exactly per the table layout of a comparison run.

`build_run_folder` runs a small baseline and a small workshops scenario (150 clinicians, 26 weeks,
3 replications, common random numbers) with `simulation.runner.run_replication` and writes
steps.csv, replications.csv, scenarios.csv, comparison.csv, targets.csv and summary.json the way the
job does (paired t intervals for differences, Wilson intervals for target probabilities). The tests
in this file check that the helper itself follows the layout.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simulation.outputs.tables import replications_frame, steps_frame, summarise, to_csv_bytes
from simulation.runner import run_replication
from simulation.scenario import load_scenario
from simulation.scenario.schema import CostsConfig, Scenario, TargetConfig

REPO = Path(__file__).resolve().parents[1]
OUTCOMES = {
    "share_skeptical": "lower",
    "share_verify": "higher",
    "share_primary": "higher",
    "competence_gap": "lower",
    "total_errors_passed": "lower",
}
TARGETS = [
    TargetConfig(metric="share_skeptical", at_most=0.22, by_week=20),
    TargetConfig(metric="share_verify", at_least=0.2, by_week=26, label="A fifth verify with AI"),
]


def small(file: str, *, n: int = 150, steps: int = 26, replications: int = 3, targets: bool = True,
          hourly_rate: float = 80.0) -> Scenario:
    """A repository scenario shrunk for tests, with the test targets and an hourly rate."""
    scenario = load_scenario(REPO / "scenarios" / file)
    scenario.population.n = n
    scenario.run.steps = steps
    scenario.run.replications = replications
    scenario.targets = list(TARGETS) if targets else []
    scenario.costs = CostsConfig(hourly_rate=hourly_rate, currency="EUR")
    return scenario


def _t_interval(values: np.ndarray) -> tuple[float, float, float]:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size))
    return mean, mean - half, mean + half


def _wilson(k: int, n: int) -> tuple[float, float]:
    z = float(stats.norm.ppf(0.975))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _targets_rows(name: str, scenario: Scenario, steps: pd.DataFrame) -> list[dict]:
    rows = []
    reps = int(steps["replication"].nunique())
    for target in scenario.targets:
        first_weeks = []
        for _, frame in steps.groupby("replication"):
            values = frame[target.metric].to_numpy(dtype=float)
            ok = values >= target.threshold if target.direction == "at_least" else values <= target.threshold
            hit = np.flatnonzero(ok)
            first_weeks.append(int(frame["step"].to_numpy()[hit[0]]) if hit.size else None)
        reached = [w for w in first_weeks if w is not None]
        by_deadline = sum(w <= target.by_week for w in reached)
        low, high = _wilson(by_deadline, reps)
        rows.append({
            "scenario": name,
            "target": target.describe(),
            "metric": target.metric,
            "direction": target.direction,
            "threshold": target.threshold,
            "by_week": target.by_week,
            "probability": by_deadline / reps,
            "probability_low": low,
            "probability_high": high,
            "reached_by_deadline": by_deadline,
            "replications": reps,
            "reached_ever": len(reached),
            "median_week_reached": float(np.median(reached)) if reached else math.nan,
            "week_reached_low": float(np.percentile(reached, 2.5)) if reached else math.nan,
            "week_reached_high": float(np.percentile(reached, 97.5)) if reached else math.nan,
        })
    return rows


def write_tables(folder: Path, scenarios: list[Scenario], files: list[str]) -> dict[str, dict]:
    """Run every scenario (replication 0 with snapshots), write the tables; return the snapshots."""
    folder.mkdir(parents=True, exist_ok=True)
    steps_parts, rep_parts, snapshots, summaries, finals = [], [], {}, {}, {}
    target_rows, scenario_rows = [], []
    for scenario in scenarios:
        name = scenario.scenario.name
        results = [run_replication(scenario, k, with_snapshots=k == 0) for k in range(scenario.run.replications)]
        snapshots[name] = results[0].snapshots
        steps = steps_frame(results)
        reps = replications_frame(steps)
        summaries[name] = summarise(steps, scenario)
        finals[name] = reps
        target_rows += _targets_rows(name, scenario, steps)
        steps_parts.append(steps.assign(scenario=name))
        rep_parts.append(reps.assign(scenario=name))
    base = scenarios[0]
    for scenario, file in zip(scenarios, files):
        name = scenario.scenario.name
        cost = float(finals[name]["cost_hours"].mean())
        rate = scenario.costs.hourly_rate
        scenario_rows.append({
            "scenario": name,
            "role": "baseline" if scenario is base else "alternative",
            "file": file,
            "description": scenario.scenario.description,
            "interventions": "; ".join(getattr(i, "name", "") or i.kind for i in scenario.interventions),
            "paired": "false" if scenario is base else "true",
            "replications": scenario.run.replications,
            "steps": scenario.run.steps,
            "seed": scenario.run.seed,
            "cost_hours": cost,
            "cost_money": cost * rate if rate > 0 else math.nan,
            "currency": scenario.costs.currency,
        })
    comparison_rows = []
    base_name = base.scenario.name
    for scenario in scenarios[1:]:
        name = scenario.scenario.name
        extra = float(finals[name]["cost_hours"].mean() - finals[base_name]["cost_hours"].mean())
        for outcome, better in OUTCOMES.items():
            b = finals[base_name][outcome].to_numpy(dtype=float)
            s = finals[name][outcome].to_numpy(dtype=float)
            both = ~(np.isnan(b) | np.isnan(s))
            diff, low, high = _t_interval(s[both] - b[both])
            per = (lambda v: v / extra * 100.0) if extra > 0 else (lambda v: math.nan)
            comparison_rows.append({
                "scenario": name, "outcome": outcome, "better": better,
                "baseline_mean": float(b[both].mean()), "scenario_mean": float(s[both].mean()),
                "difference": diff, "ci_low": low, "ci_high": high, "paired": "true",
                "replications": int(both.sum()), "extra_cost_hours": extra,
                "per_100h": per(diff), "per_100h_low": per(low), "per_100h_high": per(high),
            })
    steps_all = pd.concat(steps_parts, ignore_index=True)
    steps_all = steps_all[["scenario"] + [c for c in steps_all.columns if c != "scenario"]]
    reps_all = pd.concat(rep_parts, ignore_index=True)
    reps_all = reps_all[["scenario"] + [c for c in reps_all.columns if c != "scenario"]]
    comparison_cols = ["scenario", "outcome", "better", "baseline_mean", "scenario_mean", "difference", "ci_low",
                       "ci_high", "paired", "replications", "extra_cost_hours", "per_100h", "per_100h_low",
                       "per_100h_high"]
    target_cols = ["scenario", "target", "metric", "direction", "threshold", "by_week", "probability",
                   "probability_low", "probability_high", "reached_by_deadline", "replications", "reached_ever",
                   "median_week_reached", "week_reached_low", "week_reached_high"]
    (folder / "steps.csv").write_bytes(to_csv_bytes(steps_all))
    (folder / "replications.csv").write_bytes(to_csv_bytes(reps_all))
    (folder / "scenarios.csv").write_bytes(to_csv_bytes(pd.DataFrame(scenario_rows)))
    (folder / "comparison.csv").write_bytes(to_csv_bytes(pd.DataFrame(comparison_rows, columns=comparison_cols)))
    (folder / "targets.csv").write_bytes(to_csv_bytes(pd.DataFrame(target_rows, columns=target_cols)))
    summary = {"baseline": base_name, "scenarios": summaries}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False), encoding="utf-8")
    return snapshots


def build_run_folder(folder: Path, alternatives: bool = True, targets: bool = True) -> dict[str, dict]:
    """Baseline plus workshops (or the baseline alone); returns the snapshots for write_run_report."""
    scenarios = [small("baseline.toml", targets=targets)]
    files = ["baseline.toml"]
    if alternatives:
        scenarios.append(small("workshops.toml", targets=targets))
        files.append("workshops.toml")
    return write_tables(folder, scenarios, files)


def test_fixture_follows_the_layout(tmp_path: Path) -> None:
    build_run_folder(tmp_path)
    scenarios = pd.read_csv(tmp_path / "scenarios.csv")
    assert list(scenarios["role"]) == ["baseline", "alternative"]
    comparison = pd.read_csv(tmp_path / "comparison.csv")
    assert len(comparison) == len(OUTCOMES)
    row = comparison[comparison["outcome"] == "share_skeptical"].iloc[0]
    assert row["difference"] == pytest_approx(row["scenario_mean"] - row["baseline_mean"])
    assert row["ci_low"] <= row["difference"] <= row["ci_high"]
    targets = pd.read_csv(tmp_path / "targets.csv")
    assert len(targets) == 2 * len(TARGETS)
    assert ((targets["probability_low"] <= targets["probability"]) & (targets["probability"] <= targets["probability_high"])).all()


def pytest_approx(x: float):
    import pytest

    return pytest.approx(x, abs=1e-9)
