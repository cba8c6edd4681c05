"""When an intervention acts: a start step, a period and an end, or an explicit list of steps."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScheduleConfig(BaseModel):
    """Schedule keys shared by every intervention kind (steps are weeks, the first step is 1).

    With `at` the intervention acts exactly at those steps. Otherwise it acts at `start`, then every
    `every` steps up to and including `until` (no `every`: once, at `start`).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    start: int = Field(1, ge=1, description="First step at which the intervention acts.")
    every: int | None = Field(None, ge=1, description="Steps between sessions; leave out for a single session.")
    until: int | None = Field(None, ge=1, description="Last step at which a session may happen (inclusive).")
    at: list[int] | None = Field(None, description="Explicit list of steps; replaces start/every/until.")

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleConfig:
        if self.at is not None and any(step < 1 for step in self.at):
            raise ValueError("at must list steps >= 1")
        if self.until is not None and self.until < self.start:
            raise ValueError(f"until ({self.until}) must not be before start ({self.start})")
        return self

    def acts_at(self, step: int) -> bool:
        """True if a session takes place at `step`."""
        if self.at is not None:
            return step in self.at
        if step < self.start or (self.until is not None and step > self.until):
            return False
        if self.every is None:
            return step == self.start
        return (step - self.start) % self.every == 0
