"""What a planner sets around the model: the scenario's name, the run, targets and costs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulation.outcomes import TARGETABLE
from simulation.scenario.base import Section


class RunConfig(Section):
    """How long, how many replications, and the root seed."""

    steps: int = Field(104, ge=1, le=100_000, description="Number of weekly steps (104 = two years).")
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
