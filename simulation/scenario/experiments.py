"""The `[sweep]`, `[sensitivity]` and `[calibration]` tables of a scenario file (validated like every other table).

A parameter names any scenario key by its dotted path, as error messages print it:
`population.attitude_mean`, `judgment.penalty_verify`, `interventions[0].seats`,
`interventions[1].targeting`. Its values are either listed (`values = [10, 20, 40]`, numbers,
text or true/false) or a range (`low`, `high`, and for a sweep grid `step` or `points`).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulation.outcomes import DEFAULT_EXPERIMENT_OUTCOMES, EXPERIMENT_OUTCOMES
from simulation.scenario.base import Section

OutcomeName = Literal[EXPERIMENT_OUTCOMES]  # type: ignore[valid-type]
DEFAULT_OUTCOMES = list(DEFAULT_EXPERIMENT_OUTCOMES)

Value = bool | int | float | str


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class ParameterConfig(_Table):
    """One varied key: `values` (listed; text values are categories), or `low`/`high` (a range)."""

    key: str = Field(min_length=1, description="Dotted path of the scenario key, e.g. 'interventions[0].seats'.")
    values: list[Value] | None = Field(None, min_length=1, description="The values to try, in order.")
    low: float | None = Field(None, description="Lower end of a range.")
    high: float | None = Field(None, description="Upper end of a range.")
    step: float | None = Field(None, gt=0, description="Sweep grid: low, low + step, ... up to high.")
    points: int | None = Field(
        None, ge=2, le=10_000, description="Sweep grid: this many evenly spaced values from low to high."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterConfig:
        ranged = self.low is not None or self.high is not None
        if self.values is not None and (ranged or self.step is not None or self.points is not None):
            raise ValueError(f"parameter '{self.key}': give either values or low/high, not both")
        if self.values is None:
            if self.low is None or self.high is None:
                raise ValueError(f"parameter '{self.key}': needs values = [...] or both low and high")
            if not (math.isfinite(self.low) and math.isfinite(self.high)) or not self.low < self.high:
                raise ValueError(f"parameter '{self.key}': low ({self.low:g}) must be below high ({self.high:g})")
            if self.step is not None and self.points is not None:
                raise ValueError(f"parameter '{self.key}': give step or points, not both")
            if self.step is not None and (self.high - self.low) / self.step > 10_000:
                raise ValueError(f"parameter '{self.key}': step {self.step:g} gives more than 10,000 values")
        elif len({(type(v), v) for v in self.values}) != len(self.values):
            raise ValueError(f"parameter '{self.key}': values must not repeat")
        return self

    @property
    def categorical(self) -> bool:
        """Listed values are taken as they are (categories, in listed order)."""
        return self.values is not None

    def grid(self) -> list[Value]:
        """The values of a sweep grid: listed, or low..high by step, or `points` evenly spaced."""
        if self.values is not None:
            return list(self.values)
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.step is not None:
            count = int(math.floor((high - low) / self.step + 1e-9)) + 1
            return [_tidy(low + i * self.step) for i in range(count)]
        if self.points is not None:
            return [_tidy(low + (high - low) * i / (self.points - 1)) for i in range(self.points)]
        raise ValueError(f"parameter '{self.key}': a grid needs values, step or points")


def _tidy(x: float) -> float:
    """Round away floating-point residue (0.30000000000000004 -> 0.3)."""
    return float(f"{x:.12g}")


class SweepConfig(_Table):
    """`[sweep]`: run the scenario at every point of a design, with common random numbers across points."""

    design: Literal["factorial", "latin_hypercube"] = Field(
        "factorial",
        description="'factorial': every combination of the parameters' grids; 'latin_hypercube': `samples` points spread over the ranges.",
    )
    samples: int = Field(20, ge=2, le=100_000, description="Points of a Latin hypercube design.")
    seed: int | None = Field(None, ge=0, description="Seed of the Latin hypercube draw (default: run.seed).")
    outcomes: list[OutcomeName] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES),
        min_length=1,
        description="Outcomes summarised and plotted per point (final values).",
    )
    parameters: list[ParameterConfig] = Field(
        min_length=1, max_length=20, description="The varied keys, each a [[sweep.parameters]] table."
    )
    max_points: int = Field(
        2_000, ge=1, le=1_000_000, description="Refuse designs with more points than this (a typo guard)."
    )

    @model_validator(mode="after")
    def _design(self) -> SweepConfig:
        _distinct_keys(self.parameters)
        if self.design == "factorial":
            for parameter in self.parameters:
                if parameter.values is None and parameter.step is None and parameter.points is None:
                    raise ValueError(
                        f"parameter '{parameter.key}': a factorial design needs values, or low/high with step or points"
                    )
            count = math.prod(len(p.grid()) for p in self.parameters)
        else:
            count = self.samples
        if count > self.max_points:
            raise ValueError(f"the design has {count:,} points, more than max_points = {self.max_points:,}")
        return self


class SensitivityConfig(_Table):
    """`[sensitivity]`: Morris screening or Sobol indices (SALib) over declared parameter ranges."""

    method: Literal["morris", "sobol"] = Field(
        "morris", description="'morris' (elementary effects, cheap screening) or 'sobol' (variance shares)."
    )
    trajectories: int = Field(
        10, ge=2, le=10_000, description="Morris: trajectories (each costs parameters + 1 model points)."
    )
    levels: int = Field(4, ge=2, le=100, description="Morris: grid levels per parameter (even numbers are usual).")
    samples: int = Field(
        64,
        ge=4,
        le=1_000_000,
        description="Sobol: base sample size N (a power of 2); costs N x (parameters + 2) points.",
    )
    seed: int | None = Field(
        None, ge=0, description="Seed of the sample and of the bootstrap intervals (default: run.seed)."
    )
    outcomes: list[OutcomeName] = Field(
        default_factory=lambda: ["share_skeptical"],
        min_length=1,
        description="Outcomes analysed (final values, averaged over replications per sample).",
    )
    parameters: list[ParameterConfig] = Field(
        min_length=2,
        max_length=50,
        description="The uncertain keys, each a [[sensitivity.parameters]] table with low/high or values.",
    )
    max_points: int = Field(
        5_000, ge=1, le=1_000_000, description="Refuse samples with more model points than this (a typo guard)."
    )

    @model_validator(mode="after")
    def _ranges(self) -> SensitivityConfig:
        _distinct_keys(self.parameters)
        for parameter in self.parameters:
            if parameter.step is not None or parameter.points is not None:
                raise ValueError(
                    f"parameter '{parameter.key}': step and points are for sweeps; give low and high (or values)"
                )
            if parameter.values is not None and len(parameter.values) < 2:
                raise ValueError(f"parameter '{parameter.key}': a categorical parameter needs at least two values")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples = {self.samples}: Sobol sampling needs a power of 2 (e.g. 64, 128, 256)")
        count = self.points
        if count > self.max_points:
            raise ValueError(f"the sample has {count:,} model points, more than max_points = {self.max_points:,}")
        return self

    @property
    def points(self) -> int:
        k = len(self.parameters)
        return self.trajectories * (k + 1) if self.method == "morris" else self.samples * (k + 2)


def _distinct_keys(parameters: list[ParameterConfig]) -> None:
    seen: set[str] = set()
    for parameter in parameters:
        if parameter.key in seen:
            raise ValueError(f"parameter '{parameter.key}' is listed twice")
        seen.add(parameter.key)


class CalibrationConfig(Section):
    """`[calibration]`: which keys `simulate calibrate` fits, within which bounds, and how: rejection ABC
    (`method = "abc"`) or ABC-SMC with pyabc (`method = "smc"`, simulation/experiments/abc_smc.py)."""

    method: Literal["abc", "smc"] = Field(
        "abc",
        description="'abc': rejection approximate Bayesian computation with common random numbers; 'smc': "
        "sequential Monte Carlo ABC (pyabc; Toni et al. 2009, Del Moral et al. 2012) with fresh seeds per particle.",
    )
    free: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description='Key path -> [low, high] bounds (a uniform prior), e.g. "choice.bass_p" = [0.0, 0.3].',
    )
    samples: int = Field(
        400, ge=10, le=1_000_000, description="Parameter sets drawn (Latin hypercube over the bounds)."
    )
    replications: int = Field(
        4, ge=1, le=1000, description="Replications per parameter set (the same seeds for every set)."
    )
    accept_share: float = Field(
        0.05, gt=0, le=1, description="Share of the closest parameter sets kept as the posterior."
    )
    check_replications: int = Field(
        40,
        ge=2,
        le=100_000,
        description="Replications of the calibrated scenario for the fit and its band (smc: posterior draws, one run each, for the posterior predictive band).",
    )
    seed: int = Field(1, ge=0, description="Seed of the Latin hypercube design (abc) or of the particles' seeds (smc).")
    population_size: int = Field(
        200, ge=10, le=100_000, description="smc: particles accepted per population (generation)."
    )
    populations: int = Field(
        8, ge=1, le=1000, description="smc: at most this many populations (generations, each with a smaller tolerance)."
    )
    epsilon_quantile: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="smc: the next tolerance is this weighted quantile of the last population's distances "
        "(pyabc QuantileEpsilon; 0.5 = the median, Beaumont et al. 2009).",
    )
    minimum_epsilon: float = Field(
        0.0,
        ge=0,
        description="smc, distance 'rmse': stop once the tolerance is at or below this (scaled RMSE; 0.01 = 1 point).",
    )
    max_simulations: int = Field(
        20_000,
        ge=10,
        le=100_000_000,
        description="smc: stop after this many particle evaluations in all (each runs `replications` replications).",
    )
    distance: Literal["rmse", "synthetic_likelihood"] = Field(
        "rmse",
        description="smc: 'rmse' of the mean of the particle's replications against the observations (each "
        "point divided by its outcome's range); 'synthetic_likelihood': -2 log of a Gaussian likelihood of "
        "the observations with the replications' mean and variances (Wood 2010), needs replications >= 3.",
    )
    regression: Literal["auto", "on", "off"] = Field(
        "auto",
        description="smc: local-linear regression adjustment of the final population (Beaumont, Zhang & Balding "
        "2002): 'auto' applies it to a parameter when the summaries explain at least half of its spread in "
        "the final population (weighted R^2 >= 0.5), 'on' always, 'off' never.",
    )
    published: dict[str, str] = Field(
        default_factory=dict,
        description="Key path -> a published value to show beside the estimate in the report (text).",
    )

    @model_validator(mode="after")
    def _bounds(self) -> CalibrationConfig:
        for key, (low, high) in self.free.items():
            if not low < high:
                raise ValueError(f"free.{key}: bounds must be [low, high] with low < high, got [{low:g}, {high:g}]")
        if self.method == "smc" and self.distance == "synthetic_likelihood" and self.replications < 3:
            raise ValueError(
                f"replications = {self.replications}: distance 'synthetic_likelihood' estimates a variance per "
                "observed point from each particle's replications; give replications >= 3"
            )
        return self
