"""`simulate plan FILE.toml`: run the search (`portfolio`), re-run the finalists, write the folder.

The folder (`outputs/<file stem>/` or `--out`) holds:
- `portfolios.csv`: every portfolio evaluated (its ways, cost, rounds and replications reached in the
  search, the mean of each outcome over those replications, and which budget levels it fits);
- `frontier.csv`: per objective the cost-effect frontier (portfolios no cheaper one beats), after the
  baseline (no programme) and the current plan (the file as written, when it has interventions)
  from the final evaluation;
- `best.csv`: per budget level and objective the recommended portfolio and its runners-up (the
  finalists) with the final evaluation: the difference from the baseline, chance-alone and
  with-what-we-do-not-know ranges, the chance of beating the baseline, of being the best of the
  level's finalists across worlds (`p_best_level`), the mean and largest regret across worlds (how
  much worse than the best finalist of each world, in the objective's unit), and whether it is
  `fragile` (best on average but best in fewer than half of the worlds, or another finalist has a
  smaller largest regret: `most_robust` names it); `indifference_zone` (INDIFFERENCE_SE standard
  errors of the paired difference between the two best finalists) and `within_indifference`; for a
  target objective (`target:<label>`) its `probability` at the stated values and across the worlds
  (`probability_worlds`), the difference in probability from the baseline with its 95 % interval
  over the paired replications (`chance_low/high`) and the central 95 % of the worlds' differences
  (`uncertain_low/high`);
- `failures.csv`: for each recommendation, the ranges of the uncertain parameters under which it
  loses to its runner-up (scenario discovery over the worlds: `simulation.experiments.discovery`);
- `final/`: the finalists' full comparison (every file of a run, report included);
- `report.md`, `report.html`, `plots/frontier.png`, `results.xlsx`, `manifest.json` (the method and
  its settings), `datapackage.json` (every table's columns: `results.table_files`).

Each table is written as CSV, Parquet or both (`--format`; final/ too).

While it runs, `<out>.partial/` keeps every stage's replications (`run_budget`): an interrupted plan
goes on with `resume` and writes the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import ScenarioError, UserError
from simulation.execution.backends import backend_for
from simulation.execution.checkpoint import PartialRun, partial_of
from simulation.execution.plan import Job
from simulation.experiments.portfolio import (
    COST_REPLICATIONS,
    BudgetPlan,
    Candidate,
    Objective,
    finalists,
    plan_budget,
    portfolios_frame,
    search,
    target_reached,
)
from simulation.outcomes import outcome
from simulation.reporting.document import Block, to_markdown
from simulation.reporting.folder import atomic_folder, check_target
from simulation.reporting.format import diff_format, fmt_chance, fmt_hours, fmt_points
from simulation.reporting.html import write_html
from simulation.reporting.manifest import write_json
from simulation.reporting.plots.text import plain_text
from simulation.results.table_files import DEFAULT_FORMATS, has_table, read_table, write_datapackage, write_table
from simulation.results.tables import relative_file, to_csv_bytes
from simulation.scenario import load_scenario
from simulation.scenario.loader import scenario_hash
from simulation.scenario.schema import Scenario

BASELINE_NAME = "no programme"
CURRENT_NAME = "current plan"
BEST_COLUMNS = [
    "level", "level_hours", "objective", "objective_words", "rank", "portfolio", "description", "cost_hours",
    "difference", "chance_low", "chance_high", "uncertain_low", "uncertain_high", "p_better", "probability",
    "probability_worlds", "p_best_level", "regret_mean", "regret_max", "fragile", "most_robust",
    "indifference_zone", "within_indifference",
]  # fmt: skip
FAILURE_COLUMNS = ["level", "objective", "portfolio", "runner_up", "condition", "coverage", "density", "worlds"]
HITS_COLUMNS = ["scenario", "world", "replication", "objective", "reached"]
BUDGET_TABLES = {
    "portfolios.csv": "every portfolio evaluated: its ways, cost, rounds, replications and mean outcomes",
    "frontier.csv": "per objective the cost-effect frontier, after the baseline and the current plan",
    "best.csv": "per budget level and objective the recommended portfolio and its runners-up",
    "failures.csv": "for each recommendation, the ranges of the unknowns under which it loses to its runner-up",
}
HITS_FILE = "final_targets.csv"  # in the checkpoint folder: each final run's 0/1 per target objective
INDIFFERENCE_SE = 2.0  # the indifference zone: this many standard errors of the top two's paired difference


def _baseline(base: Scenario) -> Scenario:
    derived = base.model_copy(deep=True)
    derived.interventions = []
    derived.budget = None
    derived.scenario.name = BASELINE_NAME
    derived.scenario.description = "The hospital of the file without any programme."
    derived.scenario.compare_to = None
    return derived


def _current(base: Scenario) -> Scenario:
    current = base.model_copy(deep=True)
    current.budget = None
    current.scenario.name = CURRENT_NAME
    current.scenario.compare_to = None
    return current


def final_plan(plan: BudgetPlan, chosen: list[Candidate], out: Path):
    """The finalists' comparison (job.Plan): the baseline, the current plan (when the file has
    interventions) and the finalists, with common random numbers and the file's worlds."""
    from simulation.job import make_plan

    scenarios = [_baseline(plan.base)]
    if plan.base.interventions:
        scenarios.append(_current(plan.base))
    for candidate in chosen:
        scenario = candidate.scenario.model_copy(deep=True)
        scenario.budget = None
        scenarios.append(scenario)
    paths = [plan.source] * len(scenarios)
    return make_plan(paths, scenarios, out, None, None, None, True)


def target_hits(final, jobs: list[Job], results: Iterable, objectives: list[Objective]) -> pd.DataFrame:
    """Each final run's 0/1 for each target objective: scenario, world (0: the stated values),
    replication, objective, reached (the runs come in job order, one at a time)."""
    targets = [(o.name, o.target) for o in objectives if o.target is not None]
    rows = []
    for job, result in zip(jobs, results, strict=True):
        run = final.runs[job.group]
        stated = run.scenario.run.replications
        world = 0 if final.design is None else final.design.world_of(job.replication, stated)
        for name, target in targets:
            rows.append([run.name, world, job.replication, name, target_reached(result.outcomes, target)])
    return pd.DataFrame(rows, columns=HITS_COLUMNS)


def _frontier(portfolios: pd.DataFrame, objective: Objective) -> pd.DataFrame:
    sign = 1.0 if objective.better == "lower" else -1.0
    rows = portfolios.sort_values(["cost_hours", objective.name], ascending=[True, sign > 0])
    best = np.inf
    keep = []
    for index, row in rows.iterrows():
        value = sign * float(row[objective.name])
        if value < best:
            keep.append(index)
            best = value
    frontier = portfolios.loc[keep, ["portfolio", "description", "cost_hours", objective.name, "replications"]].copy()
    return frontier.assign(objective=objective.name).rename(columns={objective.name: "mean"})


class FinalRuns:
    """The finalists' final evaluation, per objective: each scenario's values per stated replication
    and its mean in each world (outcomes from final/, targets from the runs' 0/1)."""

    def __init__(self, final: Path, hits: pd.DataFrame) -> None:
        self.replications = read_table(final, "replications", as_csv=True)
        self.world_means = read_table(final, "world_means", as_csv=True) if has_table(final, "world_means") else None
        self.hits = hits

    def stated(self, objective: Objective, name: str) -> pd.Series:
        """Its values at the stated values, by replication number."""
        if objective.target is None:
            runs = self.replications[self.replications["scenario"] == name]
            return runs.set_index("replication")[objective.name].astype(float)
        runs = self.hits[(self.hits["scenario"] == name) & (self.hits["objective"] == objective.name)]
        return runs[runs["world"] == 0].set_index("replication")["reached"].astype(float)

    def worlds(self, objective: Objective, names: list[str]) -> pd.DataFrame | None:
        """World x scenario: each scenario's mean in each drawn world (None: no worlds)."""
        if objective.target is None:
            if self.world_means is None:
                return None
            table = self.world_means[self.world_means["outcome"] == objective.name]
            return table.pivot(index="world", columns="scenario", values="mean")[names]
        runs = self.hits[(self.hits["objective"] == objective.name) & (self.hits["world"] > 0)]
        if runs.empty:
            return None
        return runs.pivot_table(index="world", columns="scenario", values="reached", aggfunc="mean")[names]


def _references(plan: BudgetPlan, runs: FinalRuns, costs: pd.DataFrame) -> pd.DataFrame:
    """The baseline (no programme) and the current plan (the file as written) as frontier.csv rows,
    from the final evaluation (its replications at the stated values)."""
    rows = []
    for name in (BASELINE_NAME, CURRENT_NAME):
        if name not in costs.index:
            continue
        for objective in plan.objectives:
            values = runs.stated(objective, name)
            rows.append(
                {
                    "portfolio": name,
                    "description": "the file without any programme" if name == BASELINE_NAME else "the file as written",
                    "cost_hours": float(costs.loc[name, "cost_hours"]),
                    "mean": float(values.mean()),
                    "replications": len(values),
                    "objective": objective.name,
                }
            )
    return pd.DataFrame(rows, columns=["portfolio", "description", "cost_hours", "mean", "replications", "objective"])


def robustness(table: pd.DataFrame, better: str) -> dict[str, dict]:
    """From world x portfolio outcomes (`table`, one column per portfolio): each portfolio's chance
    of being the best of them across worlds (`p_best_level`; a world where k tie for the best counts
    1/k for each, so the chances add up to 1: a target's probability from a few runs per world often
    ties), its mean and largest regret (how much worse than the best of that world, in the outcome's
    unit, >= 0), and per world its margin over the best of the others (> 0: another one does better)."""
    sign = 1.0 if better == "lower" else -1.0
    scored = sign * table  # lower is better
    best = scored.min(axis=1)
    tied = scored.eq(best, axis=0)
    credit = tied.div(tied.sum(axis=1), axis=0)
    return {
        name: {
            "p_best_level": float(credit[name].mean()),
            "regret_mean": float((scored[name] - best).mean()),
            "regret_max": float((scored[name] - best).max()),
            "world_values": scored[name] - scored.drop(columns=[name]).min(axis=1),
        }
        for name in table.columns
    }


def _paired(a: pd.Series, b: pd.Series) -> pd.Series:
    """a - b over the replication numbers both have (common random numbers pair them)."""
    both = a.index.intersection(b.index)
    return a.loc[both] - b.loc[both]


def indifference_zone(runs: FinalRuns, objective: Objective, names: list[str]) -> float:
    """INDIFFERENCE_SE standard errors of the paired difference between the two best finalists at the
    stated values: finalists closer than this to the recommended one cannot be told apart at these
    replications (NaN with one finalist)."""
    if len(names) < 2:
        return float("nan")
    paired = _paired(runs.stated(objective, names[0]), runs.stated(objective, names[1])).dropna()
    if len(paired) < 2:
        return float("nan")
    return INDIFFERENCE_SE * float(paired.std(ddof=1)) / float(np.sqrt(len(paired)))


def _target_row(runs: FinalRuns, objective: Objective, name: str) -> dict:
    """A target objective's final evaluation against the baseline: the difference in probability at the
    stated values with its 95 % interval (chance alone: paired over replications), the central 95 % of
    the worlds' differences (with what we do not know), the share of worlds in which it is higher."""
    stated = runs.stated(objective, name)
    difference = _paired(stated, runs.stated(objective, BASELINE_NAME))
    half = 1.96 * float(difference.std(ddof=1)) / np.sqrt(len(difference)) if len(difference) > 1 else np.nan
    row = {
        "difference": float(difference.mean()),
        "chance_low": max(-1.0, float(difference.mean()) - half),
        "chance_high": min(1.0, float(difference.mean()) + half),
        "probability": float(stated.mean()),
    }
    table = runs.worlds(objective, [name, BASELINE_NAME])
    if table is not None:
        by_world = table[name] - table[BASELINE_NAME]
        low, high = np.percentile(by_world, [2.5, 97.5])
        row.update(uncertain_low=float(low), uncertain_high=float(high), p_better=float((by_world > 0).mean()))
        world_runs = runs.hits[
            (runs.hits["scenario"] == name) & (runs.hits["objective"] == objective.name) & (runs.hits["world"] > 0)
        ]
        row["probability_worlds"] = float(world_runs["reached"].mean())
    return row


def write_budget_tables(
    plan: BudgetPlan,
    tmp: Path,
    final: Path,
    hits: pd.DataFrame,
    formats: Sequence[str] = DEFAULT_FORMATS,
    manifest: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """portfolios, frontier, best and failures into `tmp` (in `formats`; `manifest` in the Parquet
    files' metadata), from the search and the finalists' comparison in `final`; the frames."""
    from simulation.experiments.discovery import failure_conditions

    portfolios = portfolios_frame(plan)
    runs = FinalRuns(final, hits)
    uncertainty = read_table(final, "uncertainty", as_csv=True) if has_table(final, "uncertainty") else None
    comparison = read_table(final, "comparison", as_csv=True)
    worlds = read_table(final, "worlds", as_csv=True) if has_table(final, "worlds") else None
    costs = read_table(final, "scenarios", as_csv=True).set_index("scenario")
    frontier = pd.concat([_frontier(portfolios, o) for o in plan.objectives], ignore_index=True)
    frontier = pd.concat([_references(plan, runs, costs), frontier], ignore_index=True)
    by_name = {o.name: o for o in plan.objectives}
    best_rows, failure_rows = [], []
    for (label, name_of_objective), chosen in finalists(plan).items():
        objective = by_name[name_of_objective]
        hours = dict(plan.levels)[label]
        names = [f"portfolio {c.index}" for c in chosen]
        table = runs.worlds(objective, names) if names else None
        stats = robustness(table, objective.better) if table is not None else {}
        robust = min(names, key=lambda n: stats[n]["regret_max"]) if stats else ""
        zone = indifference_zone(runs, objective, names)
        sign = 1.0 if objective.better == "lower" else -1.0
        top_mean = float(runs.stated(objective, names[0]).mean()) if names else np.nan
        for rank, (candidate, name) in enumerate(zip(chosen, names, strict=True), start=1):
            row = {
                "level": label,
                "level_hours": hours,
                "objective": objective.name,
                "objective_words": objective.words,
                "rank": rank,
                "portfolio": name,
                "description": candidate.scenario.scenario.description,
                "cost_hours": candidate.cost_hours,
                "indifference_zone": zone,
            }
            gap = sign * (float(runs.stated(objective, name).mean()) - top_mean)
            row["within_indifference"] = "true" if rank == 1 or (np.isfinite(zone) and gap <= zone) else "false"
            if objective.target is not None:
                row.update(_target_row(runs, objective, name))
            else:
                comp = comparison[(comparison["scenario"] == name) & (comparison["outcome"] == objective.name)].iloc[0]
                row["difference"] = float(comp["difference"])
                if uncertainty is not None:
                    u = uncertainty[(uncertainty["scenario"] == name) & (uncertainty["outcome"] == objective.name)]
                    ranges = ("chance_low", "chance_high", "uncertain_low", "uncertain_high", "p_better")
                    row.update({k: float(u.iloc[0][k]) for k in ranges})
            if name in stats:
                s = stats[name]
                row.update(p_best_level=s["p_best_level"], regret_mean=s["regret_mean"], regret_max=s["regret_max"])
                row["fragile"] = "true" if rank == 1 and (s["p_best_level"] < 0.5 or robust != name) else "false"
                row["most_robust"] = robust
            best_rows.append(row)
        if stats and worlds is not None and len(names) > 1:
            chosen_name = names[0]
            margin = stats[chosen_name]["world_values"]  # > 0: a runner-up does better in that world
            failed = margin.reindex(worlds["world"]).to_numpy() > 0
            runner = names[1]
            unknowns = read_table(final, "unknowns", as_csv=True)
            forms = dict(zip(unknowns["key"], unknowns["form"], strict=True))
            # only the ranges that can move these portfolios: the model's and their own kinds'
            kinds = {i.kind for c in chosen for i in c.scenario.interventions}
            keys = [
                k
                for k in worlds.columns
                if k != "world" and (not k.startswith("interventions.") or k.split(".")[1] in kinds)
            ]
            for condition in failure_conditions(worlds[keys].to_numpy(), keys, failed):
                failure_rows.append(
                    {
                        "level": label,
                        "objective": objective.name,
                        "portfolio": chosen_name,
                        "runner_up": runner,
                        "condition": condition.describe(
                            forms=forms, outcome_phrase=f"another finalist ({runner} or the next) does better"
                        ),
                        "coverage": condition.coverage,
                        "density": condition.density,
                        "worlds": condition.worlds,
                    }
                )
    tables = {
        "portfolios": portfolios,
        "frontier": frontier,
        "best": pd.DataFrame(best_rows, columns=BEST_COLUMNS),
        "failures": pd.DataFrame(failure_rows, columns=FAILURE_COLUMNS),
    }
    for name, frame in tables.items():
        write_table(tmp, name, frame, formats, manifest)
    write_datapackage(tmp, "Tables of a simulate plan (budget search)", BUDGET_TABLES)
    return tables


@plain_text
def _plot_frontier(tables: dict[str, pd.DataFrame], plan: BudgetPlan, path: Path, baseline: float | None) -> Path:
    from simulation.reporting.plots.figure import new_figure, save_figure

    objective = plan.objectives[0]
    scale = 100.0 if objective.is_share else 1.0
    portfolios, frontier = tables["portfolios"], tables["frontier"]
    frontier = frontier[
        (frontier["objective"] == objective.name) & ~frontier["portfolio"].isin([BASELINE_NAME, CURRENT_NAME])
    ]
    fig = new_figure((9.6, 5.2))
    ax = fig.add_subplot()
    ax.scatter(
        portfolios["cost_hours"],
        scale * portfolios[objective.name],
        s=14,
        color="#bbbbbb",
        label="portfolios evaluated",
    )
    ax.plot(frontier["cost_hours"], scale * frontier["mean"], color="#0072b2", lw=2, marker="o", ms=5, label="frontier")
    best = tables["best"]
    top = best[(best["objective"] == objective.name) & (best["rank"] == 1)]
    chosen = portfolios.set_index("portfolio").loc[top["portfolio"]]
    ax.scatter(
        chosen["cost_hours"], scale * chosen[objective.name], s=80, color="#d55e00", zorder=3, label="recommended"
    )
    if baseline is not None:
        ax.axhline(scale * baseline, color="#555555", lw=1, ls="--", label=BASELINE_NAME)
    for label, hours in plan.levels:
        ax.axvline(hours, color="#999999", lw=0.8, ls=":")
        ax.annotate(label, (hours, ax.get_ylim()[1]), rotation=90, va="top", ha="right", fontsize=8, color="#555555")
    ax.set_xlabel("Clinician-hours over the run")
    if objective.target is not None:
        ax.set_ylabel(f"Chance of reaching “{objective.target.describe()}” (%)")
    else:
        entry = outcome(objective.name)
        ax.set_ylabel(f"{entry.label or objective.name}{' (%)' if entry.is_share else ''}")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(True, color="#e6e6e6", lw=0.8)
    fig.suptitle("What each budget buys: the cost-effect frontier", x=0.01, ha="left", fontsize=12, fontweight="bold")
    return save_figure(fig, path)


def fragile_words(row: pd.Series) -> str:
    """Why a recommendation is fragile, in words: best in fewer than half of the worlds, and/or
    another finalist has a smaller largest regret (`most_robust`)."""
    if row["most_robust"] != row["portfolio"]:
        return f"the most robust finalist (smallest largest regret) is {row['most_robust']}"
    return (
        f"best in only {fmt_chance(row['p_best_level'])} of the worlds, though no finalist has a smaller largest regret"
    )


def _difference_format(objective: Objective) -> Callable[[float], str]:
    return fmt_points if objective.target is not None else diff_format(objective.name)


def _answers(plan: BudgetPlan, best: pd.DataFrame, objective: Objective) -> list[str]:
    """One sentence per budget level: the recommended portfolio for `objective` and how sure."""
    diff = _difference_format(objective)
    unit = " points" if objective.is_share else ""
    sentences = []
    for label, _ in plan.levels:
        rows = best[(best["level"] == label) & (best["objective"] == objective.name)]
        if rows.empty:
            sentences.append(f"**{label}**: no portfolio of the menu fits.")
            continue
        top = rows.iloc[0]
        text = (
            f"**{label}**: {top['description']} ({top['portfolio']}, {fmt_hours(top['cost_hours'])} clinician-hours): "
        )
        if objective.target is not None:
            text += (
                f"{objective.words} {fmt_chance(top['probability'])} ({diff(top['difference'])} points against no "
                "programme"
            )
            text += (
                f"; {fmt_chance(top['probability_worlds'])} across the parameter worlds)"
                if pd.notna(top.get("probability_worlds"))
                else ")"
            )
        else:
            text += f"{objective.words} {diff(top['difference'])}{unit} against no programme"
        if pd.notna(top.get("uncertain_low")):
            text += (
                f" (chance alone {diff(top['chance_low'])} to {diff(top['chance_high'])}; with what we do not know "
                f"{diff(top['uncertain_low'])} to {diff(top['uncertain_high'])})"
            )
        if pd.notna(top.get("p_best_level")):
            text += (
                f"; best of the level's finalists in {fmt_chance(top['p_best_level'])} of the worlds, largest regret "
                f"{diff(top['regret_max'])}{unit}"
            )
            if str(top["fragile"]) == "true":
                text += "; **fragile**: " + fragile_words(top)
        sentences.append(text + ".")
    return sentences


def _indifference_words(plan: BudgetPlan, best: pd.DataFrame, objective: Objective) -> str:
    diff = _difference_format(objective)
    unit = " points" if objective.is_share else ""
    parts = []
    for label, _ in plan.levels:
        rows = best[(best["level"] == label) & (best["objective"] == objective.name)]
        if rows.empty or pd.isna(rows.iloc[0]["indifference_zone"]):
            continue
        zone = diff(rows.iloc[0]["indifference_zone"]).lstrip("+")
        tied = [r["portfolio"] for _, r in rows.iloc[1:].iterrows() if str(r["within_indifference"]) == "true"]
        within = f" ({', '.join(tied)} within it)" if tied else " (no runner-up within it)"
        parts.append(f"{label}: {zone}{unit}{within}")
    if not parts:
        return ""
    return (
        f"The indifference zone (finalists closer than this to the recommended one cannot be told apart at "
        f"{plan.replications} paired replications: {INDIFFERENCE_SE:g} standard errors of the paired difference "
        f"between the two best): {'; '.join(parts)}."
    )


def report_blocks(plan: BudgetPlan, tables: dict[str, pd.DataFrame], figure: str) -> list[Block]:
    best, failures = tables["best"], tables["failures"]
    objective = plan.objectives[0]
    diff = _difference_format(objective)
    blocks = [Block("h1", f"What to do with the budget: {plan.source.name}"), Block("h2", "The answer")]
    blocks.append(Block("ul", items=_answers(plan, best, objective)))
    for other in plan.objectives[1:]:
        blocks += [Block("p", f"Best for {other.words}:"), Block("ul", items=_answers(plan, best, other))]
    blocks += [
        Block("h2", "The cost-effect frontier"),
        Block(
            "p",
            "Every portfolio evaluated (grey), the frontier of those no cheaper portfolio beats (blue), the recommended "
            "one per budget level (orange). Means over the replications each reached in the search "
            "(portfolios.csv, frontier.csv); the recommendations come from the final re-evaluation (final/).",
        ),
        Block("img", "The cost-effect frontier", path=figure),
        Block("h2", "Robustness"),
        Block(
            "p",
            "For each budget level, the finalists re-run at the file's replications and in every parameter world: "
            "the chance of being the best of them across worlds and the regret (how much worse than the best finalist "
            "of each world).",
        ),
        Block(
            "table",
            header=[
                "Budget",
                "Rank",
                "Portfolio",
                "Hours",
                "Effect",
                "With what we do not know",
                "Best in",
                "Largest regret",
            ],
            rows=[
                [
                    str(r["level"]),
                    str(int(r["rank"])),
                    f"{r['portfolio']}: {r['description']}",
                    fmt_hours(r["cost_hours"]),
                    diff(r["difference"]),
                    f"{diff(r['uncertain_low'])} to {diff(r['uncertain_high'])}"
                    if pd.notna(r.get("uncertain_low"))
                    else "–",
                    fmt_chance(r["p_best_level"]) if pd.notna(r.get("p_best_level")) else "–",
                    diff(r["regret_max"]) if pd.notna(r.get("regret_max")) else "–",
                ]
                for _, r in best[best["objective"] == objective.name].iterrows()
            ],
        ),
    ]
    zone = _indifference_words(plan, best, objective)
    if zone:
        blocks.append(Block("p", zone))
    blocks.append(Block("h2", "When it fails"))
    if failures.empty:
        blocks.append(
            Block(
                "p",
                "No range of the uncertain parameters stands out in which the recommended portfolio loses to another "
                f"finalist: a range must pass an exact test corrected for every range tried, over the "
                f"{plan.base.uncertainty.worlds} parameter worlds (more worlds, `--worlds`, find subtler ones).",
            )
        )
    else:
        words = {o.name: o.words for o in plan.objectives}
        blocks.append(
            Block(
                "ul",
                items=[
                    f"**{r['level']}**, {r['portfolio']}"
                    + (f" (for {words[r['objective']]})" if r["objective"] != objective.name else "")
                    + f": {r['condition']}"
                    for _, r in failures.iterrows()
                ],
            )
        )
    blocks.append(Block("p", "The finalists' full comparison, with every table, is in final/ (final/report.html)."))
    return blocks


def _quiet_resume_notes(note: Callable[[str], None]) -> Callable[[str], None]:
    """The final comparison is written from replications this command has just run into its
    partial folder: the engine's 'resuming from ...' line would mislead there."""
    return lambda line: None if line.startswith("note: resuming from") else note(line)


def _open_checkpoint(root: Path, out: Path, source: Path, resume: bool) -> bool:
    """The folder `<out>.partial/` where an unfinished `simulate plan` keeps its stages; True if this
    call created it. Refuses an unfinished run without --resume (nothing is silently discarded), and
    --resume without one."""
    manifest = root / "manifest.json"
    if root.exists() and not resume:
        raise ScenarioError(
            f"{root}: an unfinished run of this output folder is kept there; add --resume to finish it, or delete "
            "that folder to start over"
        )
    if resume and not root.exists():
        raise ScenarioError(f"--resume: there is no unfinished run to resume ({root} does not exist)")
    if resume:
        try:
            kind = json.loads(manifest.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError):
            kind = "plan"  # killed as it started: its stages check their own fingerprints
        if kind != "plan":
            raise ScenarioError(
                f"{root}: --resume: the unfinished run there is not a `simulate plan` ({kind}); delete the folder "
                "to start over"
            )
        return False
    root.mkdir(parents=True)
    text = {
        "complete": False,
        "kind": "plan",
        "source": relative_file(source),
        "results_folder": str(out),
        "resume": "run the same command again with --resume to finish only what is missing",
    }
    write_json(manifest, text)
    return True


def _final_stage(
    plan: BudgetPlan,
    chosen: list[Candidate],
    root: Path,
    workers,
    cluster,
    backend,
    note,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> pd.DataFrame:
    """Run the finalists' comparison into `<out>.partial/final/` (resumable: its replications are kept
    in `final.partial/`), and each run's 0/1 for the target objectives (`HITS_FILE`); those 0/1."""
    from simulation.job import plan_jobs, replicate, run_plan

    final_out = root / "final"
    hits_file = root / HITS_FILE
    final = final_plan(plan, chosen, final_out)
    final.formats = tuple(formats)
    if not (final_out / "manifest.json").is_file() or not hits_file.is_file():
        jobs = plan_jobs(final)
        partial = PartialRun(final_out, "comparison", jobs, resume=partial_of(final_out).exists())
        if not hits_file.is_file():
            results = replicate(final, workers, None, partial, note, backend)
            hits = target_hits(final, jobs, results, plan.objectives)
            tmp = hits_file.with_name(f".{HITS_FILE}.tmp-{os.getpid()}")
            tmp.write_bytes(to_csv_bytes(hits))
            os.replace(tmp, hits_file)
        if not (final_out / "manifest.json").is_file():
            run_plan(final, workers=workers, note=_quiet_resume_notes(note), resume=True, cluster=cluster)
    return pd.read_csv(hits_file)


def run_budget(
    source: Path,
    out: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
    cluster: str | None = None,
    resume: bool = False,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> Path:
    """Search the budget plan of `source` and write its folder (module docstring); its path. The
    search and the final comparison run on `workers` local processes or the Dask scheduler `cluster`;
    the tables are written in `formats` (csv, parquet: `results.table_files`).

    Every stage keeps its replications in `<out>.partial/` as they finish (`portfolio.run_stage`;
    the final comparison in `<out>.partial/final.partial/`); `resume` finishes an interrupted run from
    there, giving the same bytes as an uninterrupted run. The folder is removed once `out` is written."""
    started = time.perf_counter()
    say = note or (lambda _: None)
    scenario = load_scenario(source)
    out = out if out is not None else Path("outputs") / source.stem
    check_target(out)
    if scenario.budget is None:
        raise ScenarioError(f"{source}: no [budget] table; `simulate plan` needs one (docs/SCENARIOS.md, section 10)")
    root = partial_of(out)
    created = _open_checkpoint(root, out, source, resume)
    backend = backend_for(workers, cluster)  # local processes (all cores unless --workers), or a cluster
    try:
        plan = plan_budget(source, scenario, out, backend, root)
    except UserError:
        if created:
            shutil.rmtree(root, ignore_errors=True)  # a menu that does not fit: nothing was kept for a resume
        raise
    levels = ", ".join(label for label, _ in plan.levels)
    say(f"{len(plan.candidates)} portfolios of the menu fit the budget levels ({levels})")
    rounds = search(plan, backend, progress, note)
    chosen: dict[int, Candidate] = {}
    for candidates in finalists(plan).values():
        chosen.update({c.index: c for c in candidates})
    ordered = sorted(chosen.values(), key=lambda c: c.index)
    hits = _final_stage(plan, ordered, root, workers, cluster, backend, say, formats)
    with atomic_folder(out) as tmp:
        shutil.copytree(root / "final", tmp / "final")
        what = {"kind": "plan", "source": relative_file(source), "scenario_hash": scenario_hash(scenario)}
        tables = write_budget_tables(plan, tmp, tmp / "final", hits, formats, what)
        lead = plan.objectives[0]
        baseline_runs = FinalRuns(tmp / "final", hits).stated(lead, BASELINE_NAME)
        baseline = float(baseline_runs.mean()) if len(baseline_runs) else None
        (tmp / "plots").mkdir(exist_ok=True)
        _plot_frontier(tables, plan, tmp / "plots" / "frontier.png", baseline)
        blocks = report_blocks(plan, tables, "plots/frontier.png")
        (tmp / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
        write_html(tmp / "report.html", blocks, tmp)
        from simulation.reporting.workbook import write_workbook

        write_workbook(tmp)
        write_json(
            tmp / "manifest.json",
            {
                "complete": True,
                "kind": "plan",
                "source": relative_file(source),
                "resumed": resume,
                "method": {
                    "search": "successive halving with common random numbers (Jamieson & Talwalkar 2016)",
                    "objectives": [o.name for o in plan.objectives],
                    "start_replications": plan.budget.start_replications,
                    "keep": plan.budget.keep,
                    "finalists": plan.budget.finalists,
                    "cost_replications": COST_REPLICATIONS,
                    "final_replications": plan.replications,
                    "worlds": plan.base.uncertainty.worlds,
                    "world_replications": plan.base.uncertainty.replications,
                    "indifference_zone": f"{INDIFFERENCE_SE:g} standard errors of the paired difference between the "
                    "two best finalists at final_replications, per level and objective (best.csv)",
                    "rounds": rounds,
                },
                "portfolios": len(plan.candidates),
                "levels": [{"label": label, "hours": hours} for label, hours in plan.levels],
                "seconds": time.perf_counter() - started,
            },
        )
    shutil.rmtree(root, ignore_errors=True)
    return out
