"""The scenario schema: every key a scenario file may hold, its type, range, default and source.

A scenario is data, never code. `Scenario` composes the tables, each defined by the module for its
audience: `parameters` (the model's parameters), `network` (generator and data-file keys),
`interventions` (every intervention kind), `planning` (name, run, targets, costs), `uncertainty` (what we do not know) and `experiments`
(sweep, sensitivity, calibration); here are only the checks across tables, which each intervention
config makes itself. ``docs/SCENARIOS.md`` lists the same keys for planners, and ``simulate schema``
prints the JSON Schema for editors. Units: one step is one `run.time_unit` (a week unless the file
says otherwise; simulation/scenario/time_units.py converts the weekly defaults); attitudes and peer ratings are on
the 1-7 scale of the vignette study (Yang et al., npj Digital Medicine 2025); literacy, trust and
status concern are on 0-1.

Where a default is an assumption rather than a published number, its description says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from simulation.scenario.base import Section
from simulation.scenario.budget import BudgetConfig
from simulation.scenario.experiments import CalibrationConfig, SensitivityConfig, SweepConfig
from simulation.scenario.interventions import InterventionConfig
from simulation.scenario.network import NetworkConfig
from simulation.scenario.parameters import (
    AttitudeConfig,
    ChoiceConfig,
    ExperienceConfig,
    JudgmentConfig,
    PopulationConfig,
)
from simulation.scenario.planning import CostsConfig, RunConfig, ScenarioMeta, TargetConfig
from simulation.scenario.time_units import with_defaults_in_unit
from simulation.scenario.uncertainty import UncertaintyConfig


class Scenario(Section):
    """A whole scenario: all tables, with defaults for anything a file leaves out."""

    extends: str | None = Field(None, description="Path of a scenario this one builds on (relative to this file).")
    scenario: ScenarioMeta = Field(default_factory=ScenarioMeta)
    run: RunConfig = Field(default_factory=RunConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    judgment: JudgmentConfig = Field(default_factory=JudgmentConfig)
    experience: ExperienceConfig = Field(default_factory=ExperienceConfig)
    choice: ChoiceConfig = Field(default_factory=ChoiceConfig)
    attitude: AttitudeConfig = Field(default_factory=AttitudeConfig)
    interventions: list[InterventionConfig] = Field(
        default_factory=list, description="Interventions, each a [[interventions]] table with a `kind`."
    )
    targets: list[TargetConfig] = Field(
        default_factory=list,
        description="Planner's targets, each a [[targets]] table; the report gives the probability of reaching each.",
    )
    costs: CostsConfig = Field(default_factory=CostsConfig)
    uncertainty: UncertaintyConfig = Field(
        default_factory=UncertaintyConfig,
        description="What we do not know: parameter worlds drawn around the stated values (simulation/scenario/uncertainty.py).",
    )
    sweep: SweepConfig | None = Field(
        None, description="A parameter sweep over this scenario (`simulate sweep`); ignored by `simulate compare`."
    )
    sensitivity: SensitivityConfig | None = Field(
        None,
        description="A sensitivity analysis over this scenario (`simulate sensitivity`); ignored by `simulate compare`.",
    )
    budget: BudgetConfig | None = Field(
        None,
        description="Budget levels and a menu of programmes for `simulate plan` (simulation/scenario/budget.py); ignored by runs.",
    )
    calibration: CalibrationConfig | None = Field(
        None,
        description="Free parameters and settings for `simulate calibrate` (simulation/experiments/calibration.py); ignored by runs.",
    )

    # Where `scenario.compare_to` points, resolved by the loader against the file that set it.
    _compare_to_path: Path | None = PrivateAttr(None)
    # The file whose [[interventions]] these are (set by the loader; None: built in code), named when
    # a command-line --steps leaves a schedule beyond the run (`scenario.overrides`).
    _interventions_file: Path | None = PrivateAttr(None)

    @property
    def interventions_file(self) -> Path | None:
        return self._interventions_file

    @interventions_file.setter
    def interventions_file(self, value: Path | None) -> None:
        self._interventions_file = value

    @property
    def compare_to_path(self) -> Path | None:
        return self._compare_to_path

    @compare_to_path.setter
    def compare_to_path(self, value: Path | None) -> None:
        self._compare_to_path = value

    @model_validator(mode="before")
    @classmethod
    def _defaults_in_time_unit(cls, data: Any) -> Any:
        """Keys a scenario leaves out take their weekly defaults converted to its run.time_unit."""
        return with_defaults_in_unit(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _reach_and_schedule(self) -> Scenario:
        """No intervention seats more clinicians than there are, or is scheduled only after the run ends."""
        n_known = self.network.generator != "file"  # a file network's n comes from its files
        for index, intervention in enumerate(self.interventions):
            intervention.check_against(f"interventions[{index}]", self.population, self.run.steps, n_known=n_known)
        return self

    @model_validator(mode="after")
    def _degree_fits(self) -> Scenario:
        """A generated network cannot give anyone more colleagues than the other n - 1 clinicians."""
        n = self.population.n
        if self.network.generator in ("hospital", "random") and self.network.mean_degree > n - 1:
            raise ValueError(
                f"network.mean_degree = {self.network.mean_degree:g} is more than the {n - 1} other clinicians "
                f"(population.n = {n}); allowed: above 0 up to {n - 1}"
            )
        return self

    @model_validator(mode="after")
    def _departments_known(self) -> Scenario:
        if self.network.generator == "file":
            return self  # departments and n come from the files: the loader checks after reading them
        self.check_intervention_names()
        return self

    def check_intervention_names(self) -> None:
        """Interventions name departments and roles of the population, and clinician ids below n (ValueError)."""
        for index, intervention in enumerate(self.interventions):
            intervention.check_names(f"interventions[{index}]", self.population)
