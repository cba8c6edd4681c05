"""What a planner sets around the model: the scenario's name, the run, targets and costs."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from simulation.outcomes import BY_NAME, TARGETABLE
from simulation.scenario.base import Section


class RunConfig(Section):
    """How long, how many replications, and the root seed."""

    time_unit: Literal["week", "month", "year"] = Field(
        "week",
        description="Length of one step: 'week', 'month' (52/12 weeks) or 'year' (52 weeks). run.steps, milestones, schedules, target deadlines, half-lives and every per-step rate are written in it (names saying 'week' mean 'step'); unwritten keys take their weekly defaults converted (simulation/scenario/time_units.py, docs/SCENARIOS.md).",
    )
    steps: int = Field(104, ge=1, le=100_000, description="Number of steps (run.time_unit; 104 weeks = two years).")
    replications: int = Field(
        20, ge=1, le=1_000_000, description="Independent replications, each with its own network and draws."
    )
    seed: int = Field(
        20250801,
        ge=0,
        description="Root seed; every replication's seed is spawned from it with numpy's SeedSequence.",
    )
    milestones: list[int] = Field(
        default_factory=lambda: [13, 26, 52, 78, 104],
        description="Steps reported in summary.json and the report besides the final step (those beyond `steps` are dropped).",
    )


class ScenarioMeta(Section):
    """Name and description shown in the report, and the scenario this one is compared with."""

    name: str = Field("", description="Short name; defaults to the file name.")
    description: str = Field("", description="One or two sentences for the report.")
    compare_to: str | None = Field(
        None,
        description="Scenario file (relative to this file) to compare with: running this file then runs both with common random numbers and reports the differences.",
    )


OUTCOME_METRICS = Literal[TARGETABLE]  # type: ignore[valid-type]  # share_none ... competence_gap (simulation/outcomes.py)


class TargetConfig(Section):
    """A planner's target, e.g. at least 50 % verifying by week 52 (one `[[targets]]` table)."""

    metric: OUTCOME_METRICS = Field(description="Outcome column of steps.csv the target is about.")
    at_least: float | None = Field(None, description="Reached when the metric is at or above this value.")
    at_most: float | None = Field(None, description="Reached when the metric is at or below this value.")
    by_week: int = Field(
        ge=1,
        le=100_000,
        description="Deadline (step). The report gives the probability of reaching the target by then.",
    )
    label: str = Field("", description="Short name in the report; made from the other keys when empty.")

    # The file whose [[targets]] tables hold this target (set by the loader; None: built in code), and
    # whether it is the plan's own target, written in the file that was run (set by `union_targets`).
    _source: Path | None = PrivateAttr(None)
    _own: bool = PrivateAttr(True)

    @field_validator("at_least", "at_most")
    @classmethod
    def _within_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        """A threshold the metric can take: a share 0-1 (50 suggests 0.5), an attitude 1-7, ..."""
        metric = BY_NAME.get(str(info.data.get("metric")))
        bounds = metric.value_range if metric is not None else None
        if value is None or metric is None or bounds is None or bounds[0] <= value <= bounds[1]:
            return value
        low, high = bounds
        what = "a share of clinicians, written 0-1" if metric.is_share else metric.unit
        message = f"{value:g} is outside the range of {metric.name} ({what}); allowed: {low:g} to {high:g}"
        if metric.is_share and 1 < value <= 100:
            message += f" (did you mean {value / 100:g}? shares are written 0-1: {value:g} % is {value / 100:g})"
        raise ValueError(message)

    @model_validator(mode="after")
    def _one_bound(self) -> TargetConfig:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a target needs exactly one of at_least or at_most")
        return self

    @property
    def direction(self) -> str:
        return "at_least" if self.at_least is not None else "at_most"

    @property
    def threshold(self) -> float:
        return self.at_least if self.at_least is not None else self.at_most  # type: ignore[return-value]

    def describe(self) -> str:
        if self.label:
            return self.label
        sign = ">=" if self.at_least is not None else "<="
        return f"{self.metric} {sign} {self.threshold:g} by week {self.by_week}"


class CostsConfig(Section):
    """How clinician-hours are turned into money in the report (optional)."""

    hourly_rate: float = Field(
        0.0, ge=0, le=100_000, description="Cost of one clinician-hour in `currency`; 0 = report hours only."
    )
    currency: str = Field("USD", max_length=8, description="Currency code shown with costs.")
