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

**Objectives** (`budget.objectives`) are outcomes of comparison.csv with a better direction (the
search ranks by each replication's final value or run total) or `target:<label or number>`, a
`[[targets]]` table of the file: its score is the probability of meeting it (the share of
replications that reach it by its deadline, `results.statistics.first_step_reached`; higher is
better), across the replications in the search and, for the finalists, across the worlds too.

**Checkpoints.** With a `checkpoint` folder (`<out>.partial/` of `simulate plan`), the cost runs and
every search round keep their finished replications in a partial folder of the engine
(`execution.checkpoint.PartialRun`) keyed by that stage's jobs: `costs.partial/`, `round-1.partial/`,
... . Every stage is determined by the ones before (same seeds, same ranking), so a run resumed
after an interruption builds the same jobs, finds what is done and runs only the rest.

`plan_budget` builds the search, `search` runs it; `simulation.experiments.budget_report` writes the
tables and the report.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from simulation.errors import ScenarioError
from simulation.execution.backends import Backend, backend_for
from simulation.execution.checkpoint import PartialRun, partial_of
from simulation.execution.engine import MemorySink, run_jobs
from simulation.execution.plan import Job
from simulation.experiments.common import final_outcomes
from simulation.outcomes import COLUMNS, COMPARED, EXPERIMENT_OUTCOMES, better_direction, outcome
from simulation.results.statistics import first_step_reached
from simulation.scenario.budget import TARGET_PREFIX, BudgetConfig, MenuOption
from simulation.scenario.planning import TargetConfig
from simulation.scenario.schema import Scenario

COST_REPLICATIONS = 2
# The final values the search ranks by, as experiments keep them (outcomes.EXPERIMENT_OUTCOMES).
_COLUMN = {name: EXPERIMENT_OUTCOMES.index(name) for name in COMPARED}


@dataclass(frozen=True)
class Objective:
    """What "best" means: an outcome of COMPARED (`target` None) or the probability of meeting a
    `[[targets]]` table. `name` is its name in the tables (`share_skeptical`, `target:<label>`),
    `column` its place in a candidate's score vectors (COMPARED first, then the targets)."""

    name: str
    better: str  # "lower" or "higher"
    column: int
    target: TargetConfig | None = None

    @property
    def words(self) -> str:
        """The objective in plain words, e.g. 'skeptical' or 'the chance of reaching "skeptics below 20 %"'."""
        if self.target is not None:
            return f"the chance of reaching “{self.target.describe()}”"
        entry = outcome(self.name)
        return entry.phrase or entry.label or self.name

    @property
    def is_share(self) -> bool:
        """A share 0-1 (reported in points): shares of clinicians and probabilities."""
        return self.target is not None or outcome(self.name).is_share


def resolve_objectives(source: Path, scenario: Scenario, budget: BudgetConfig) -> list[Objective]:
    """`budget.objectives` resolved: an outcome, or `target:<label or number>` of the file's [[targets]]."""
    objectives = []
    targets = list(scenario.targets)
    for name in budget.objectives:
        if not name.startswith(TARGET_PREFIX):
            objectives.append(Objective(name, better_direction(name) or "lower", COMPARED.index(name)))
            continue
        wanted = name[len(TARGET_PREFIX) :].strip()
        found = [t for t in targets if t.describe() == wanted or t.label.strip().lower() == wanted.lower()]
        if not found and wanted.isdigit() and 1 <= int(wanted) <= len(targets):
            found = [targets[int(wanted) - 1]]
        if not found:
            known = "; ".join(f"{i} “{t.describe()}”" for i, t in enumerate(targets, start=1)) or "none"
            raise ScenarioError(
                f"{source}: key 'budget.objectives': '{name}' names no [[targets]] table of the file; its targets: {known} "
                "(write target:<number> or target:<label>)"
            )
        target = found[0]
        column = len(COMPARED) + sum(1 for o in objectives if o.target is not None)
        objective = Objective(f"{TARGET_PREFIX}{target.describe()}", "higher", column, target)
        if any(o.name == objective.name for o in objectives):
            raise ScenarioError(f"{source}: key 'budget.objectives': '{name}' names a target already listed")
        objectives.append(objective)
    return objectives


def target_reached(outcomes: np.ndarray, target: TargetConfig) -> float:
    """1.0 if a replication (steps x COLUMNS) meets `target` by its deadline, else 0.0 (a deadline
    beyond the run: by its end, as targets.csv)."""
    first = first_step_reached(outcomes[None, :, COLUMNS.index(target.metric)], target.direction, target.threshold)
    return float(0 <= first[0] <= target.by_week)


def scores(outcomes: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """A replication's score vector: its final values of COMPARED, then each target objective's 0/1."""
    values = final_outcomes(outcomes)
    targets = [target_reached(outcomes, o.target) for o in objectives if o.target is not None]
    return np.array([*(values[_COLUMN[n]] for n in COMPARED), *targets])


def run_stage(
    jobs: list[Job],
    backend: Backend,
    checkpoint: Path | None,
    stage: str,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> Iterator[tuple[Job, np.ndarray]]:
    """Run one stage of the search through the engine; (job, its outcome table) in job order.

    With a `checkpoint` folder the replications are kept in `<checkpoint>/<stage>.partial/` as they
    finish (a `PartialRun` keyed by these jobs), and those already there are not run again."""
    sink: PartialRun | MemorySink
    if checkpoint is None:
        sink = MemorySink()
    else:
        out = checkpoint / stage
        sink = PartialRun(out, f"plan-{stage.split('-')[0]}", jobs, resume=partial_of(out).exists())
    done = run_jobs(jobs, sink=sink, backend=backend, progress=progress, note=note or (lambda _: None))
    failed = [d for d in done if d.failed]
    if failed:
        where = f" (the others are kept in {sink.folder}/)" if isinstance(sink, PartialRun) else ""
        raise ScenarioError(f"{len(failed)} replications of the budget search failed{where}: {failed[0].error}")
    for job, result in zip(jobs, sink.results(), strict=True):
        yield job, result.outcomes


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
        """Mean score vector over its first `replications` replications (NaN: none yet)."""
        rows = [self.values[k] for k in range(replications) if k in self.values]
        width = len(next(iter(self.values.values()))) if self.values else len(COMPARED)
        return np.nanmean(np.array(rows), axis=0) if rows else np.full(width, np.nan)


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
    objectives: list[Objective] = field(default_factory=list)  # budget.objectives, resolved
    checkpoint: Path | None = None  # where the stages keep their replications (module docstring)
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


def measured_ways(
    source: Path,
    base: Scenario,
    budget: BudgetConfig,
    backend: Backend | None = None,
    checkpoint: Path | None = None,
) -> tuple[list[list[Way]], float]:
    """Each option's ways with their costs, and the file's own cost (module docstring, step 1): the
    file and each way, `COST_REPLICATIONS` runs each, as one stage of the engine."""
    cost = EXPERIMENT_OUTCOMES.index("cost_hours")
    scenarios = [base]
    settings_of: list[tuple[int, dict]] = []
    for number, option in enumerate(budget.menu):
        keys = list(option.choose)
        for values in itertools.product(*(option.choose[k] for k in keys)):
            settings = {"kind": option.kind, **option.set, **dict(zip(keys, values, strict=True))}
            label = f"{source}: budget.menu[{number}] ({option.label}, {', '.join(f'{k} = {v!r}' for k, v in zip(keys, values, strict=True))})"
            scenarios.append(_scenario_with(base, [settings], label))
            settings_of.append((number, settings))
    jobs = [
        Job(f"cost{i}-r{k}", i, scenario, base.run.seed, k)
        for i, scenario in enumerate(scenarios)
        for k in range(COST_REPLICATIONS)
    ]
    largest = np.zeros(len(scenarios))
    for job, outcomes in run_stage(jobs, backend or backend_for(1), checkpoint, "costs"):
        largest[job.group] = max(largest[job.group], float(final_outcomes(outcomes)[cost]))
    own = float(largest[0])
    ways: list[list[Way]] = [[] for _ in budget.menu]
    for (number, settings), spent in zip(settings_of, largest[1:], strict=True):
        ways[number].append(Way(budget.menu[number].label, settings, max(0.0, float(spent) - own)))
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


def plan_budget(
    source: Path, scenario: Scenario, out: Path, backend: Backend | None = None, checkpoint: Path | None = None
) -> BudgetPlan:
    """Measure the ways (on `backend`, default one process; kept in `checkpoint` if given) and
    enumerate the candidates that fit the largest level (steps 1-2)."""
    budget = scenario.budget
    if budget is None:
        raise ScenarioError(f"{source}: no [budget] table; `simulate plan` needs one (docs/SCENARIOS.md, section 10)")
    levels = budget_levels(scenario, budget, source)
    objectives = resolve_objectives(source, scenario, budget)
    ways, own = measured_ways(source, scenario, budget, backend, checkpoint)
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
    return BudgetPlan(source, scenario, budget, ways, own, candidates, levels, out, objectives, checkpoint)


def describe(candidate: Candidate, budget: BudgetConfig) -> str:
    parts = [w.describe(o) for w, o in zip(candidate.ways, budget.menu, strict=True) if w is not None]
    return " + ".join(parts)


def _rank(candidates: Sequence[Candidate], objective: Objective, replications: int) -> list[Candidate]:
    """Best first by the mean over the first `replications` (ties: cheaper, then earlier)."""
    sign = 1.0 if objective.better == "lower" else -1.0

    def key(c: Candidate) -> float:
        value = c.means(replications)[objective.column]
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
        by_index = {c.index: c for c in alive}
        stage = f"round-{len(rounds) + 1}"
        for job, outcomes in run_stage(jobs, backend, plan.checkpoint, stage, progress, note):
            by_index[job.group].values[job.replication] = scores(outcomes, plan.objectives)
        for c in alive:
            c.rounds += 1
        rounds.append({"round": len(rounds) + 1, "portfolios": len(alive), "replications": replications})
        done = replications
        kept: dict[int, Candidate] = {}
        enough = True
        for _, hours in plan.levels:
            fits = [c for c in alive if c.cost_hours <= hours]
            for objective in plan.objectives:
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
    """(level label, objective name) -> the best `finalists` candidates by their search means (most
    replications first)."""
    out = {}
    for label, hours in plan.levels:
        fits = [c for c in plan.candidates if c.cost_hours <= hours and c.values]
        deepest = max((c.rounds for c in fits), default=0)
        fits = [c for c in fits if c.rounds == deepest]
        for objective in plan.objectives:
            replications = max(len(c.values) for c in fits) if fits else 0
            out[label, objective.name] = _rank(fits, objective, replications)[: plan.budget.finalists]
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
        means = c.means(len(c.values))
        row.update({name: float(means[j]) for j, name in enumerate(COMPARED)})
        row.update({o.name: float(means[o.column]) for o in plan.objectives if o.target is not None})
        for label, hours in plan.levels:
            row[f"fits {label}"] = "true" if c.cost_hours <= hours else "false"
        rows.append(row)
    return pd.DataFrame(rows)
