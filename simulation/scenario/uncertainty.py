"""The `[uncertainty]` table: what we do not know, and how many parameter worlds a run draws.

Most of the model's effect sizes are assumed or tuned, not measured (each key's description in the
schema says which). A run therefore draws `worlds` parameter worlds: in each, every uncertain key
takes a value from its plausible range, and `replications` replications run there. Every scenario
of a comparison sees the same worlds and the same seeds, so differences stay paired. The report
gives each outcome and difference two intervals: chance alone (the replications at the values the
files state, `run.replications` of them) and chance plus what we do not know (the runs of all worlds).

A calibration's posterior can stand in for ranges: `posterior = "posterior.csv"` (written by
`simulate calibrate` with method "smc") gives each world the values of one particle drawn by weight,
all its keys together (simulation/experiments/posterior.py).

A range applies to a key by its path (`judgment.visibility`), or to every intervention of a kind by
`interventions.<kind>.<key>` (`interventions.workshop.attitude_gain`: by kind, never by position, so
that a plan and its baseline move together). It is one of

- `plus = [a, b]`: each world adds a shift in [a, b] to the scenario's own value (uniform unless
  `shape` says otherwise): a plan that moved a setting keeps its own centre;
- `times = [a, b]`: each world multiplies the scenario's value by a factor in [a, b] (log-uniform:
  half and twice as likely as each other), for effect sizes: "if workshops are half or twice as
  effective";
- `within = [a, b]`: each world replaces the value by one in [a, b];

with `shape` "uniform", "log_uniform" (times only), "triangular" (peak at the scenario's value) or
"normal" ([a, b] is the central 95 %, i.e. mean +- 1.96 SD); drawn values are clipped to what the
key allows. `fixed = true` holds a key at the scenario's value (removes a documented range).

The documented ranges (`simulation.scenario.unknowns.DOCUMENTED`, with the reasoning or source of
each; docs/MODEL.md section 7 lists them) apply unless `defaults = false`; a scenario's own entries
replace the documented one of the same key. This module imports only pydantic and the standard library.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Shape = Literal["uniform", "log_uniform", "triangular", "normal"]
Form = Literal["plus", "times", "within"]

# Sections whose keys may be uncertain ("the model and its hospital"); run, scenario, targets and
# experiment tables may not: every world shares them.
UNCERTAIN_SECTIONS = ("population", "network", "judgment", "experience", "choice", "attitude", "costs")
_KEY = re.compile(
    r"^(?:interventions\.(?P<kind>[a-z_]+)\.(?P<field>[a-z_]+)|(?P<section>[a-z_]+)\.(?P<key>[a-z_]+(?:\.[a-z_]+)*))$"
)

# What a run draws when a file says nothing: small enough that the main job stays a few seconds
# (docs/PERFORMANCE.md), large enough that the probabilities across worlds move in steps of 1/32.
DEFAULT_WORLDS = 32
DEFAULT_WORLD_REPLICATIONS = 2


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class UncertainParameter(_Table):
    """One uncertain key: its plausible range (`plus`, `times` or `within`), shape and reason."""

    key: str = Field(
        min_length=1,
        description="Dotted path: 'judgment.visibility', or 'interventions.<kind>.<key>' for every intervention of a kind.",
    )
    plus: tuple[float, float] | None = Field(
        None, description="Each world adds a shift in [a, b] to the scenario's value."
    )
    times: tuple[float, float] | None = Field(
        None, description="Each world multiplies the scenario's value by a factor in [a, b] (log-uniform by default)."
    )
    within: tuple[float, float] | None = Field(None, description="Each world replaces the value by one in [a, b].")
    shape: Shape | None = Field(
        None,
        description="'uniform' (default of plus and within), 'log_uniform' (default of times), 'triangular' (peak at the scenario's value) or 'normal' ([a, b] = central 95 %).",
    )
    fixed: bool = Field(False, description="Hold the key at the scenario's value (removes a documented range).")
    reason: str = Field("", description="Why this range: its source or reasoning (shown in the report).")

    @model_validator(mode="after")
    def _one_range(self) -> UncertainParameter:
        match = _KEY.match(self.key)
        if match is None:
            raise ValueError(
                f"key '{self.key}': write it as <section>.<key> (sections: {', '.join(UNCERTAIN_SECTIONS)}) "
                "or interventions.<kind>.<key>, e.g. interventions.workshop.attitude_gain"
            )
        if match.group("section") is not None and match.group("section") not in UNCERTAIN_SECTIONS:
            raise ValueError(
                f"key '{self.key}': [{match.group('section')}] cannot be uncertain; allowed sections: "
                f"{', '.join(UNCERTAIN_SECTIONS)}, and interventions.<kind>.<key>"
            )
        given = [name for name in ("plus", "times", "within") if getattr(self, name) is not None]
        if self.fixed:
            if given:
                raise ValueError(f"key '{self.key}': fixed = true takes no range (it holds the scenario's value)")
            return self
        if len(given) != 1:
            raise ValueError(f"key '{self.key}': give exactly one of plus = [a, b], times = [a, b], within = [a, b]")
        low, high = getattr(self, given[0])
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise ValueError(f"key '{self.key}': {given[0]} = [{low:g}, {high:g}] needs a < b")
        if given[0] == "times" and low <= 0:
            raise ValueError(f"key '{self.key}': times = [{low:g}, {high:g}] needs factors above 0")
        if self.shape == "log_uniform" and given[0] != "times":
            raise ValueError(f"key '{self.key}': shape 'log_uniform' is for times = [a, b] only")
        if self.shape == "triangular" and not low <= self.centre <= high:
            raise ValueError(
                f"key '{self.key}': a triangular {given[0]} = [{low:g}, {high:g}] must contain its peak "
                f"({self.centre:g}, the scenario's value)"
            )
        return self

    @property
    def form(self) -> Form | None:
        """'plus', 'times' or 'within' (None when fixed)."""
        for name in ("plus", "times", "within"):
            if getattr(self, name) is not None:
                return name
        return None

    @property
    def bounds(self) -> tuple[float, float]:
        """The range [a, b] of the draw (a shift, a factor or a value)."""
        form = self.form
        assert form is not None, "a fixed key has no range"
        return getattr(self, form)

    @property
    def drawn_shape(self) -> Shape:
        """The shape drawn: `shape`, else log_uniform for times and uniform otherwise."""
        if self.shape is not None:
            return self.shape
        return "log_uniform" if self.form == "times" else "uniform"

    @property
    def centre(self) -> float:
        """The draw that leaves the scenario's value as it is: shift 0, factor 1 (within: the midpoint)."""
        if self.form == "plus":
            return 0.0
        if self.form == "times":
            return 1.0
        low, high = self.bounds
        return (low + high) / 2

    @property
    def intervention_kind(self) -> str | None:
        """The kind of `interventions.<kind>.<key>`, else None."""
        match = _KEY.match(self.key)
        return match.group("kind") if match is not None else None

    def describe(self) -> str:
        """The range in words: 'plus -0.3 to +0.3', 'times 0.5 to 2', 'within 0.1 to 0.9'."""
        if self.fixed:
            return "fixed at the scenario's value"
        low, high = self.bounds
        if self.form == "plus":
            text = f"plus {low:+g} to {high:+g}"
        else:
            text = f"{self.form} {low:g} to {high:g}"
        return text if self.drawn_shape in ("uniform", "log_uniform") else f"{text} ({self.drawn_shape})"


class UncertaintyConfig(_Table):
    """`[uncertainty]`: parameter worlds drawn around the stated values (module docstring)."""

    worlds: int = Field(
        DEFAULT_WORLDS,
        ge=0,
        le=100_000,
        description="Parameter worlds drawn (Latin hypercube over the ranges); 0: only the stated values (chance alone).",
    )
    replications: int = Field(
        DEFAULT_WORLD_REPLICATIONS,
        ge=1,
        le=10_000,
        description="Replications in each world (besides run.replications at the stated values).",
    )
    seed: int | None = Field(None, ge=0, description="Seed of the worlds' draw (default: run.seed).")
    defaults: bool = Field(True, description="Include the documented ranges (docs/MODEL.md section 7).")
    posterior: str | None = Field(
        None,
        min_length=1,
        description="A calibration's posterior.csv (simulate calibrate, method 'smc'), relative to the file that sets "
        "it: each world takes the values of one particle drawn by weight (joint, so correlations are kept) "
        "for the posterior's keys, in place of their ranges.",
    )
    parameters: list[UncertainParameter] = Field(
        default_factory=list,
        description="Ranges of this scenario, each an [[uncertainty.parameters]] table; they replace documented ones of the same key.",
    )

    @model_validator(mode="after")
    def _distinct(self) -> UncertaintyConfig:
        seen: set[str] = set()
        for parameter in self.parameters:
            if parameter.key in seen:
                raise ValueError(f"key '{parameter.key}' is listed twice in [[uncertainty.parameters]]")
            seen.add(parameter.key)
        return self
