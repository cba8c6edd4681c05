"""`simulate plan`: the best mix of programmes for each budget level, by successive halving.

1. **Ways and costs.** Each `[[budget.menu]]` option has `ways` (every combination of its `choose`
   values, with its `set` keys). The cost of a way is measured by simulation: the file's scenario
   (its own interventions, the part already decided) with that one way added, `COST_REPLICATIONS`
   runs, minus the file's own cost; the largest cost seen over those runs is kept, so a portfolio
   is never reported under a budget it may overrun. Interventions do not share hours, so a portfolio's
   cost is the sum of its ways' costs (tested against a simulation of the whole portfolio).
2. **Candidates.** Every portfolio (at most one way per option, options of an `exclude` group not
   together) whose cost fits the largest budget level: refused with a message above `max_candidates`.
3. **Successive halving** (Jamieson & Talwalkar 2016; racing with common random numbers, as in
   simulation optimisation, Nelson 2010): every candidate runs `start_replications` replications
   with the same seeds (replication k of every candidate starts from the same hospital and draws, so
   comparisons are paired). For each budget level and objective the best `keep` share of the
   candidates that fit it (at least `finalists`) go on; the kept ones run 1/keep times as many
   replications, up to `run.replications`; it stops when no more than `finalists` per level and
   objective are left or the replications reach `run.replications`.
4. **Finalists** are re-run as a comparison with the baseline (the file without any intervention)
   and the current plan (the file as written), at `run.replications` and in the parameter worlds of
   `[uncertainty]`, by the one engine (`job.run_plan`), into `<out>/final/`: both intervals, the
   chances across worlds and the effect over time come from there, not from the lucky draws of the
   search (the winner's curse).

`plan_budget` builds the search, `search` runs it; `simulation.experiments.budget_report` writes the
tables and the report.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from simulation.errors import ScenarioError
from simulation.execution.backends import Backend, backend_for
from simulation.execution.engine import MemorySink, run_jobs
from simulation.execution.plan import Job
from simulation.experiments.common import final_outcomes
from simulation.outcomes import COMPARED, EXPERIMENT_OUTCOMES, better_direction
from simulation.scenario.budget import BudgetConfig, MenuOption
from simulation.scenario.schema import Scenario

COST_REPLICATIONS = 2
# The final values the search ranks by, as experiments keep them (outcomes.EXPERIMENT_OUTCOMES).
_COLUMN = {name: EXPERIMENT_OUTCOMES.index(name) for name in COMPARED}


@dataclass(frozen=True)
class Way:
    """One way to run a menu option: its keys (kind included) and its measured cost."""

    option: str
    settings: dict
    cost_hours: float

    def describe(self, option: MenuOption) -> str:
        chosen = ", ".join(f"{key} {self.settings[key]}" for key in option.choose)
        return f"{option.label} ({chosen})" if chosen else option.label


@dataclass
class Candidate:
    index: int
    ways: tuple[Way | None, ...]
    scenario: Scenario
    cost_hours: float
    values: dict[int, np.ndarray] = field(default_factory=dict)  # replication -> final values (COMPARED)
    rounds: int = 0

    def means(self, replications: int) -> np.ndarray:
        rows = [self.values[k] for k in range(replications) if k in self.values]
        return np.nanmean(np.array(rows), axis=0) if rows else np.full(len(COMPARED), np.nan)


@dataclass
class BudgetPlan:
    source: Path
    base: Scenario  # the file as written (its interventions: the part already decided)
    budget: BudgetConfig
    ways: list[list[Way]]
    base_cost: float
    candidates: list[Candidate]
    levels: list[tuple[str, float]]  # (label, hours) per budget level
    out: Path
    notes: list[str] = field(default_factory=list)

    @property
    def replications(self) -> int:
        return self.base.run.replications


def _scenario_with(base: Scenario, additions: Sequence[dict], label: str) -> Scenario:
    data = base.model_dump(mode="json", exclude={"extends", "budget", "sweep", "sensitivity", "calibration"})
    data["interventions"] = [*data["interventions"], *additions]
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ScenarioError(f"{label}: {where}: {reason}") from None


def _final_values(scenario: Scenario, replications: int, root_seed: int, backend: Backend | None = None) -> np.ndarray:
    jobs = [Job(f"w-r{k}", 0, scenario, root_seed, k) for k in range(replications)]
    done = run_jobs(jobs, sink=MemorySink(), backend=backend or backend_for(1))
    return np.array([final_outcomes(d.result.outcomes) for d in done])


def measured_ways(source: Path, base: Scenario, budget: BudgetConfig) -> tuple[list[list[Way]], float]:
    """Each option's ways with their costs, and the file's own cost (module docstring, step 1)."""
    cost = EXPERIMENT_OUTCOMES.index("cost_hours")
    own = float(_final_values(base, COST_REPLICATIONS, base.run.seed)[:, cost].max())
    ways = []
    for number, option in enumerate(budget.menu):
        keys = list(option.choose)
        options = []
        for values in itertools.product(*(option.choose[k] for k in keys)):
            settings = {"kind": option.kind, **option.set, **dict(zip(keys, values, strict=True))}
            label = f"{source}: budget.menu[{number}] ({option.label}, {', '.join(f'{k} = {v!r}' for k, v in zip(keys, values, strict=True))})"
            scenario = _scenario_with(base, [settings], label)
            spent = float(_final_values(scenario, COST_REPLICATIONS, base.run.seed)[:, cost].max()) - own
            options.append(Way(option.label, settings, max(0.0, spent)))
        ways.append(options)
    return ways, own


def _excluded(budget: BudgetConfig, chosen: Sequence[Way | None]) -> bool:
    names = {w.option for w in chosen if w is not None}
    kinds = {w.settings["kind"] for w in chosen if w is not None}
    return any(sum(1 for g in group if g in names or g in kinds) > 1 for group in budget.exclude)


def budget_levels(scenario: Scenario, budget: BudgetConfig, source: Path) -> list[tuple[str, float]]:
    """(label, clinician-hours) of each level: hours as given, money at costs.hourly_rate."""
    levels = [(f"{h:,.0f} clinician-hours", float(h)) for h in budget.hours]
    if budget.money:
        rate = scenario.costs.hourly_rate
        if rate <= 0:
            raise ScenarioError(
                f"{source}: budget.money needs costs.hourly_rate above 0 to turn money into clinician-hours"
            )
        levels += [
            (f"{scenario.costs.currency} {m:,.0f} ({m / rate:,.0f} clinician-hours)", m / rate) for m in budget.money
        ]
    return sorted(levels, key=lambda level: level[1])


def plan_budget(source: Path, scenario: Scenario, out: Path) -> BudgetPlan:
    """Measure the ways, enumerate the candidates that fit the largest level (steps 1-2)."""
    budget = scenario.budget
    if budget is None:
        raise ScenarioError(f"{source}: no [budget] table; `simulate plan` needs one (docs/SCENARIOS.md, section 10)")
    levels = budget_levels(scenario, budget, source)
    ways, own = measured_ways(source, scenario, budget)
    largest = levels[-1][1]
    choices = [[None, *option] for option in ways]
    count = math.prod(len(c) for c in choices)
    if count > 50 * budget.max_candidates:
        raise ScenarioError(
            f"{source}: the menu makes {count:,} portfolios; narrow the choose lists (at most "
            f"{budget.max_candidates:,} may fit the largest budget)"
        )
    candidates: list[Candidate] = []
    for chosen in itertools.product(*choices):
        if all(w is None for w in chosen) or _excluded(budget, chosen):
            continue
        cost = own + sum(w.cost_hours for w in chosen if w is not None)
        if cost > largest:
            continue
        if len(candidates) >= budget.max_candidates:
            raise ScenarioError(
                f"{source}: more than budget.max_candidates = {budget.max_candidates:,} portfolios fit "
                f"{levels[-1][0]}; narrow the menu or raise max_candidates"
            )
        label = f"{source}: portfolio {len(candidates) + 1}"
        added = _scenario_with(scenario, [w.settings for w in chosen if w is not None], label)
        candidates.append(Candidate(len(candidates) + 1, tuple(chosen), added, cost))
    if not candidates:
        raise ScenarioError(f"{source}: no portfolio of the menu fits {levels[-1][0]} (the cheapest way costs more)")
    for candidate in candidates:
        candidate.scenario.scenario.name = f"portfolio {candidate.index}"
        candidate.scenario.scenario.description = describe(candidate, budget)
    return BudgetPlan(source, scenario, budget, ways, own, candidates, levels, out)


def describe(candidate: Candidate, budget: BudgetConfig) -> str:
    parts = [w.describe(o) for w, o in zip(candidate.ways, budget.menu, strict=True) if w is not None]
    return " + ".join(parts)


def _rank(candidates: Sequence[Candidate], objective: str, replications: int) -> list[Candidate]:
    sign = 1.0 if better_direction(objective) == "lower" else -1.0
    column = COMPARED.index(objective)

    def key(c: Candidate) -> float:
        value = c.means(replications)[column]
        return math.inf if np.isnan(value) else sign * value

    return sorted(candidates, key=lambda c: (key(c), c.cost_hours, c.index))


def search(
    plan: BudgetPlan,
    backend: Backend,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> list[dict]:
    """Successive halving (module docstring, step 3); returns the log of its rounds."""
    budget = plan.budget
    alive = list(plan.candidates)
    replications = min(budget.start_replications, plan.replications)
    done = 0
    rounds: list[dict] = []
    while True:
        if note is not None:
            note(f"round {len(rounds) + 1}: {len(alive)} portfolios x {replications} replications")
        jobs = [
            Job(f"c{c.index}-r{k}", c.index, c.scenario, plan.base.run.seed, k)
            for c in alive
            for k in range(done, replications)
        ]
        finished = run_jobs(jobs, sink=MemorySink(), backend=backend, progress=progress, note=note)
        failed = [d for d in finished if d.failed]
        if failed:
            raise ScenarioError(f"{plan.source}: {len(failed)} replications of the search failed: {failed[0].error}")
        by_index = {c.index: c for c in alive}
        for d in finished:
            values = final_outcomes(d.result.outcomes)
            by_index[d.job.group].values[d.job.replication] = np.array([values[_COLUMN[n]] for n in COMPARED])
        for c in alive:
            c.rounds += 1
        rounds.append({"round": len(rounds) + 1, "portfolios": len(alive), "replications": replications})
        done = replications
        kept: dict[int, Candidate] = {}
        enough = True
        for _, hours in plan.levels:
            fits = [c for c in alive if c.cost_hours <= hours]
            for objective in budget.objectives:
                ranked = _rank(fits, objective, replications)
                share = max(budget.finalists, math.ceil(budget.keep * len(ranked)))
                enough &= len(ranked) <= budget.finalists
                kept.update({c.index: c for c in ranked[:share]})
        if enough or replications >= plan.replications:
            break
        alive = [c for c in alive if c.index in kept]
        replications = min(plan.replications, math.ceil(replications / budget.keep))
    return rounds


def finalists(plan: BudgetPlan) -> dict[tuple[str, str], list[Candidate]]:
    """(level label, objective) -> the best `finalists` candidates by their search means (most replications first)."""
    out = {}
    for label, hours in plan.levels:
        fits = [c for c in plan.candidates if c.cost_hours <= hours and c.values]
        deepest = max((c.rounds for c in fits), default=0)
        fits = [c for c in fits if c.rounds == deepest]
        for objective in plan.budget.objectives:
            replications = max(len(c.values) for c in fits) if fits else 0
            out[label, objective] = _rank(fits, objective, replications)[: plan.budget.finalists]
    return out


def portfolios_frame(plan: BudgetPlan) -> pd.DataFrame:
    """portfolios.csv: every candidate evaluated, its ways, cost, replications and mean outcomes."""
    rows = []
    for c in plan.candidates:
        row: dict = {"portfolio": f"portfolio {c.index}", "description": describe(c, plan.budget)}
        for option, way in zip(plan.budget.menu, c.ways, strict=True):
            row[option.label] = (
                "" if way is None else ", ".join(f"{k} {way.settings[k]}" for k in option.choose) or "yes"
            )
        row["cost_hours"] = c.cost_hours
        row["rounds"] = c.rounds
        row["replications"] = len(c.values)
        means = c.means(len(c.values)) if c.values else np.full(len(COMPARED), np.nan)
        row.update({name: float(means[j]) for j, name in enumerate(COMPARED)})
        for label, hours in plan.levels:
            row[f"fits {label}"] = "true" if c.cost_hours <= hours else "false"
        rows.append(row)
    return pd.DataFrame(rows)
