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
  smaller largest regret: `most_robust` names it);
- `failures.csv`: for each recommendation, the ranges of the uncertain parameters under which it
  loses to its runner-up (scenario discovery over the worlds: `simulation.experiments.discovery`);
- `final/`: the finalists' full comparison (every file of a run, report included);
- `report.md`, `report.html`, `plots/frontier.png`, `results.xlsx`, `manifest.json`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.execution.backends import backend_for
from simulation.experiments.portfolio import BudgetPlan, Candidate, finalists, plan_budget, portfolios_frame, search
from simulation.outcomes import better_direction, outcome
from simulation.reporting.document import Block, to_markdown
from simulation.reporting.folder import atomic_folder, check_target
from simulation.reporting.format import diff_format, fmt_chance, fmt_hours
from simulation.reporting.html import write_html
from simulation.reporting.manifest import write_json
from simulation.results.tables import relative_file, to_csv_bytes
from simulation.scenario import load_scenario
from simulation.scenario.schema import Scenario

BASELINE_NAME = "no programme"
CURRENT_NAME = "current plan"
BEST_COLUMNS = [
    "level", "level_hours", "objective", "rank", "portfolio", "description", "cost_hours", "difference",
    "chance_low", "chance_high", "uncertain_low", "uncertain_high", "p_better", "p_best_level",
    "regret_mean", "regret_max", "fragile", "most_robust",
]  # fmt: skip
FAILURE_COLUMNS = ["level", "objective", "portfolio", "runner_up", "condition", "coverage", "density", "worlds"]


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


def _frontier(portfolios: pd.DataFrame, objective: str) -> pd.DataFrame:
    sign = 1.0 if better_direction(objective) == "lower" else -1.0
    rows = portfolios.sort_values(["cost_hours", objective], ascending=[True, sign > 0])
    best = np.inf
    keep = []
    for index, row in rows.iterrows():
        value = sign * float(row[objective])
        if value < best:
            keep.append(index)
            best = value
    frontier = portfolios.loc[keep, ["portfolio", "description", "cost_hours", objective, "replications"]].copy()
    return frontier.assign(objective=objective).rename(columns={objective: "mean"})


def _references(plan: BudgetPlan, final: Path) -> pd.DataFrame:
    """The baseline (no programme) and the current plan (the file as written) as frontier.csv rows,
    from the final evaluation (its replications at the stated values)."""
    replications = pd.read_csv(final / "replications.csv")
    scenarios = pd.read_csv(final / "scenarios.csv").set_index("scenario")
    rows = []
    for name in (BASELINE_NAME, CURRENT_NAME):
        if name not in scenarios.index:
            continue
        runs = replications[replications["scenario"] == name]
        for objective in plan.budget.objectives:
            rows.append(
                {
                    "portfolio": name,
                    "description": "the file without any programme" if name == BASELINE_NAME else "the file as written",
                    "cost_hours": float(scenarios.loc[name, "cost_hours"]),
                    "mean": float(runs[objective].mean()),
                    "replications": len(runs),
                    "objective": objective,
                }
            )
    return pd.DataFrame(rows, columns=["portfolio", "description", "cost_hours", "mean", "replications", "objective"])


def _level_stats(world_means: pd.DataFrame, names: list[str], objective: str) -> dict[str, dict]:
    """P(best among `names`), mean and largest regret across worlds (in the objective's unit)."""
    table = world_means[world_means["outcome"] == objective].pivot(index="world", columns="scenario", values="mean")
    table = table[names]
    sign = 1.0 if better_direction(objective) == "lower" else -1.0
    scored = sign * table  # lower is better
    best = scored.min(axis=1)
    winners = scored.idxmin(axis=1)
    return {
        name: {
            "p_best_level": float((winners == name).mean()),
            "regret_mean": float((scored[name] - best).mean()),
            "regret_max": float((scored[name] - best).max()),
            "world_values": scored[name] - scored.drop(columns=[name]).min(axis=1),
        }
        for name in names
    }


def write_budget_tables(plan: BudgetPlan, tmp: Path, final: Path) -> dict[str, pd.DataFrame]:
    from simulation.experiments.discovery import failure_conditions

    portfolios = portfolios_frame(plan)
    uncertainty = pd.read_csv(final / "uncertainty.csv") if (final / "uncertainty.csv").exists() else None
    comparison = pd.read_csv(final / "comparison.csv")
    world_means = pd.read_csv(final / "world_means.csv") if (final / "world_means.csv").exists() else None
    worlds = pd.read_csv(final / "worlds.csv") if (final / "worlds.csv").exists() else None
    frontier = pd.concat([_frontier(portfolios, o) for o in plan.budget.objectives], ignore_index=True)
    frontier = pd.concat([_references(plan, final), frontier], ignore_index=True)
    best_rows, failure_rows = [], []
    for (label, objective), chosen in finalists(plan).items():
        hours = dict(plan.levels)[label]
        names = [f"portfolio {c.index}" for c in chosen]
        stats = _level_stats(world_means, names, objective) if world_means is not None and names else {}
        robust = min(names, key=lambda n: stats[n]["regret_max"]) if stats else ""
        for rank, (candidate, name) in enumerate(zip(chosen, names, strict=True), start=1):
            comp = comparison[(comparison["scenario"] == name) & (comparison["outcome"] == objective)].iloc[0]
            row = {
                "level": label,
                "level_hours": hours,
                "objective": objective,
                "rank": rank,
                "portfolio": name,
                "description": candidate.scenario.scenario.description,
                "cost_hours": candidate.cost_hours,
                "difference": float(comp["difference"]),
            }
            if uncertainty is not None:
                u = uncertainty[(uncertainty["scenario"] == name) & (uncertainty["outcome"] == objective)].iloc[0]
                row.update(
                    {
                        k: float(u[k])
                        for k in ("chance_low", "chance_high", "uncertain_low", "uncertain_high", "p_better")
                    }
                )
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
            unknowns = pd.read_csv(final / "unknowns.csv")
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
                        "objective": objective,
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
        (tmp / f"{name}.csv").write_bytes(to_csv_bytes(frame))
    return tables


def _plot_frontier(tables: dict[str, pd.DataFrame], plan: BudgetPlan, path: Path, baseline: float | None) -> Path:
    from simulation.reporting.plots.figure import new_figure, save_figure

    objective = plan.budget.objectives[0]
    entry = outcome(objective)
    scale = 100.0 if entry.is_share else 1.0
    portfolios, frontier = tables["portfolios"], tables["frontier"]
    frontier = frontier[
        (frontier["objective"] == objective) & ~frontier["portfolio"].isin([BASELINE_NAME, CURRENT_NAME])
    ]
    fig = new_figure((9.6, 5.2))
    ax = fig.add_subplot()
    ax.scatter(
        portfolios["cost_hours"], scale * portfolios[objective], s=14, color="#bbbbbb", label="portfolios evaluated"
    )
    ax.plot(frontier["cost_hours"], scale * frontier["mean"], color="#0072b2", lw=2, marker="o", ms=5, label="frontier")
    best = tables["best"]
    top = best[(best["objective"] == objective) & (best["rank"] == 1)]
    chosen = portfolios.set_index("portfolio").loc[top["portfolio"]]
    ax.scatter(chosen["cost_hours"], scale * chosen[objective], s=80, color="#d55e00", zorder=3, label="recommended")
    if baseline is not None:
        ax.axhline(scale * baseline, color="#555555", lw=1, ls="--", label=BASELINE_NAME)
    for label, hours in plan.levels:
        ax.axvline(hours, color="#999999", lw=0.8, ls=":")
        ax.annotate(label, (hours, ax.get_ylim()[1]), rotation=90, va="top", ha="right", fontsize=8, color="#555555")
    ax.set_xlabel("Clinician-hours over the run")
    ax.set_ylabel(f"{entry.label or objective}{' (%)' if entry.is_share else ''}")
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


def report_blocks(plan: BudgetPlan, tables: dict[str, pd.DataFrame], figure: str) -> list[Block]:
    best, failures = tables["best"], tables["failures"]
    objective = plan.budget.objectives[0]
    entry = outcome(objective)
    diff = diff_format(objective)
    unit = " points" if entry.is_share else ""
    blocks = [Block("h1", f"What to do with the budget: {plan.source.name}"), Block("h2", "The answer")]
    sentences = []
    for label, _ in plan.levels:
        rows = best[(best["level"] == label) & (best["objective"] == objective)]
        if rows.empty:
            sentences.append(f"**{label}**: no portfolio of the menu fits.")
            continue
        top = rows.iloc[0]
        text = (
            f"**{label}**: {top['description']} ({top['portfolio']}, {fmt_hours(top['cost_hours'])} clinician-hours): "
            f"{entry.phrase or objective} {diff(top['difference'])}{unit} against no programme"
        )
        if "uncertain_low" in top and pd.notna(top.get("uncertain_low")):
            text += (
                f" (chance alone {diff(top['chance_low'])} to {diff(top['chance_high'])}; with what we do not know "
                f"{diff(top['uncertain_low'])} to {diff(top['uncertain_high'])}); best of the level's finalists in "
                f"{fmt_chance(top['p_best_level'])} of the worlds, largest regret {diff(top['regret_max'])}{unit}"
            )
            if str(top["fragile"]) == "true":
                text += "; **fragile**: " + fragile_words(top)
        sentences.append(text + ".")
    blocks.append(Block("ul", items=sentences))
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
                for _, r in best[best["objective"] == objective].iterrows()
            ],
        ),
        Block("h2", "When it fails"),
    ]
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
        blocks.append(
            Block("ul", items=[f"**{r['level']}**, {r['portfolio']}: {r['condition']}" for _, r in failures.iterrows()])
        )
    blocks.append(Block("p", "The finalists' full comparison, with every table, is in final/ (final/report.html)."))
    return blocks


def run_budget(
    source: Path,
    out: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
    cluster: str | None = None,
) -> Path:
    """Search the budget plan of `source` and write its folder (module docstring); its path. The
    search and the final comparison run on `workers` local processes or the Dask scheduler `cluster`."""
    started = time.perf_counter()
    scenario = load_scenario(source)
    out = out if out is not None else Path("outputs") / source.stem
    check_target(out)
    plan = plan_budget(source, scenario, out)
    if note is not None:
        levels = ", ".join(label for label, _ in plan.levels)
        note(f"{len(plan.candidates)} portfolios of the menu fit the budget levels ({levels})")
    backend = backend_for(workers, cluster)  # local processes (all cores unless --workers), or a cluster
    rounds = search(plan, backend, progress, note)
    chosen: dict[int, Candidate] = {}
    for candidates in finalists(plan).values():
        chosen.update({c.index: c for c in candidates})
    with atomic_folder(out) as tmp:
        from simulation.job import run_plan

        final = final_plan(plan, sorted(chosen.values(), key=lambda c: c.index), tmp / "final")
        run_plan(final, workers=workers, note=note or (lambda _: None), cluster=cluster)
        tables = write_budget_tables(plan, tmp, tmp / "final")
        replications = pd.read_csv(tmp / "final" / "replications.csv")
        base_rows = replications[replications["scenario"] == BASELINE_NAME]
        objective = plan.budget.objectives[0]
        baseline = float(base_rows[objective].mean()) if objective in base_rows else None
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
                "method": {
                    "search": "successive halving with common random numbers",
                    "start_replications": plan.budget.start_replications,
                    "keep": plan.budget.keep,
                    "finalists": plan.budget.finalists,
                    "final_replications": plan.replications,
                    "worlds": plan.base.uncertainty.worlds,
                    "world_replications": plan.base.uncertainty.replications,
                    "rounds": rounds,
                },
                "portfolios": len(plan.candidates),
                "levels": [{"label": label, "hours": hours} for label, hours in plan.levels],
                "seconds": time.perf_counter() - started,
            },
        )
    return out
