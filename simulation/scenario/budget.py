"""The `[budget]` table of `simulate plan`: budget levels, what to optimise, and a menu of options.

A planner has, say, 500, 1,000 or 2,000 clinician-hours and asks which mix of programmes to run.
The file's own `[[interventions]]` are the part already decided (kept in every portfolio); each
`[[budget.menu]]` entry is one programme the search may add, with the values it may choose from:

    [[budget.menu]]
    kind = "workshop"
    [budget.menu.choose]      # every combination of these is one way to run it
    seats = [10, 20]
    until = [26, 52]
    [budget.menu.set]         # fixed keys of this option
    targeting = "skeptics"

A portfolio takes at most one way of running each menu entry (or leaves it out). Its cost is the sum
of its options' costs, each measured by simulation (costs add up: interventions do not share hours).
An objective is an outcome (`share_skeptical`, ...) or a target of the file's `[[targets]]`,
`target:<label>` or `target:<number>`: the probability of meeting it.
This module imports only pydantic, the standard library and the outcome catalogue.
"""

from __future__ import annotations

import difflib
import math
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from simulation.outcomes import COMPARED, better_direction

Value = bool | int | float | str
OBJECTIVES = tuple(name for name in COMPARED if better_direction(name) is not None)
# An objective naming a [[targets]] table of the file: "target:<its label>" or "target:<its number>"
# (1 for the first table); its score is the probability of meeting the target (higher is better).
TARGET_PREFIX = "target:"


def check_objective(name: str) -> str:
    """An outcome of OBJECTIVES or `target:<label or number>` (which target: checked against the
    file's [[targets]] when the plan is built, `experiments.portfolio.resolve_objectives`)."""
    if name in OBJECTIVES:
        return name
    if name.startswith(TARGET_PREFIX) and name[len(TARGET_PREFIX) :].strip():
        return name
    close = difflib.get_close_matches(name, OBJECTIVES, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ValueError(
        f"'{name}' is not an objective{hint}; allowed: {', '.join(OBJECTIVES)}, or target:<label or number> "
        "of a [[targets]] table of the file (e.g. target:1)"
    )


ObjectiveName = Annotated[str, AfterValidator(check_objective)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class MenuOption(_Table):
    """One programme the search may add: its kind, the values it may choose from, its fixed keys."""

    kind: str = Field(min_length=1, description="The intervention kind, e.g. 'workshop' (docs/SCENARIOS.md section 6).")
    name: str = Field("", description="Its name in the tables; default: the kind.")
    choose: dict[str, list[Value]] = Field(
        default_factory=dict, description="Key -> the values the search may choose from (every combination is one way)."
    )
    set: dict[str, Value | list[int]] = Field(default_factory=dict, description="Keys of this option that do not vary.")

    @model_validator(mode="after")
    def _lists(self) -> MenuOption:
        for key, values in self.choose.items():
            if not values:
                raise ValueError(f"menu option '{self.label}': choose.{key} needs at least one value")
            if len({(type(v), v) for v in values}) != len(values):
                raise ValueError(f"menu option '{self.label}': choose.{key} values must not repeat")
        overlap = set(self.choose) & set(self.set)
        if overlap:
            raise ValueError(f"menu option '{self.label}': {', '.join(sorted(overlap))} both chosen and set")
        if "kind" in self.choose or "kind" in self.set:
            raise ValueError(f"menu option '{self.label}': give the kind once, as kind = \"...\"")
        return self

    @property
    def label(self) -> str:
        return self.name or self.kind

    @property
    def ways(self) -> int:
        return math.prod(len(v) for v in self.choose.values())


class BudgetConfig(_Table):
    """`[budget]`: the levels, the objectives and the menu of `simulate plan` (module docstring)."""

    hours: list[float] = Field(
        default_factory=list, description="Budget levels in clinician-hours over the run, e.g. [500, 1000, 2000]."
    )
    money: list[float] = Field(
        default_factory=list, description="Budget levels in costs.currency (needs costs.hourly_rate > 0)."
    )
    objectives: list[ObjectiveName] = Field(
        default_factory=lambda: ["share_skeptical"],
        min_length=1,
        description="What the best portfolio is best at: outcomes of comparison.csv with a better direction, or "
        "target:<label or number> of a [[targets]] table (the probability of meeting it); the first leads.",
    )
    menu: list[MenuOption] = Field(
        min_length=1, max_length=12, description="The options, each a [[budget.menu]] table."
    )
    exclude: list[list[str]] = Field(
        default_factory=list,
        description="Groups of menu names (or kinds) that may not be combined, e.g. [['forums', 'case reviews']].",
    )
    max_candidates: int = Field(
        5_000, ge=1, le=1_000_000, description="Refuse menus with more portfolios within the largest budget than this."
    )
    start_replications: int = Field(
        4, ge=2, le=1_000, description="Replications of every portfolio in the first round of successive halving."
    )
    keep: float = Field(
        1 / 3, gt=0, lt=1, description="Share of portfolios kept for the next round (per budget level and objective)."
    )
    finalists: int = Field(
        3,
        ge=1,
        le=50,
        description="Portfolios per budget level and objective re-run at run.replications and in every world.",
    )

    @model_validator(mode="after")
    def _levels(self) -> BudgetConfig:
        if not self.hours and not self.money:
            raise ValueError("give at least one budget level: hours = [...] or money = [...]")
        for name in ("hours", "money"):
            levels = getattr(self, name)
            if any(not (math.isfinite(x) and x > 0) for x in levels):
                raise ValueError(f"{name}: every budget level must be above 0")
            if len(set(levels)) != len(levels):
                raise ValueError(f"{name}: budget levels must not repeat")
        if len(set(self.objectives)) != len(self.objectives):
            raise ValueError("objectives: each objective once")
        labels = [option.label for option in self.menu]
        if len(set(labels)) != len(labels):
            raise ValueError('every [[budget.menu]] option needs its own name (two share one: set name = "...")')
        known = set(labels) | {option.kind for option in self.menu}
        for group in self.exclude:
            unknown = [g for g in group if g not in known]
            if unknown:
                raise ValueError(f"exclude: {', '.join(unknown)} is not a menu option (options: {', '.join(labels)})")
        return self
