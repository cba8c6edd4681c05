"""Command-line overrides of a loaded scenario (`--replications`, `--seed`, `--steps`, `--worlds`,
`--world-replications`)."""

from __future__ import annotations

from pydantic import ValidationError

from simulation.errors import ScenarioError
from simulation.scenario.schema import Scenario


def override_run(scenario: Scenario, key: str, value: int) -> None:
    """Set run.<key> from the command line, validated like a file value (ScenarioError naming the option).

    `--steps` is checked against the schedules as `run.steps` in the file is: an intervention that
    would act only after the new horizon is the same error, naming the file of the intervention.
    """
    try:
        setattr(scenario.run, key, value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ScenarioError(f"--{key} {value}: {reason[:1].lower() + reason[1:]}") from None
    if key == "steps":
        _check_schedules(scenario, value)


def _check_schedules(scenario: Scenario, steps: int) -> None:
    """Every intervention acts within `steps` weeks (`check_against`, the check of a file's run.steps)."""
    for index, intervention in enumerate(scenario.interventions):
        try:
            intervention.check_against(f"interventions[{index}]", scenario.population, steps)
        except ValueError as exc:
            where = scenario.interventions_file
            prefix = f"{where}: " if where is not None else ""
            raise ScenarioError(f"{prefix}{exc}; run.steps comes from --steps {steps}") from None


def override_uncertainty(scenario: Scenario, key: str, value: int, option: str) -> None:
    """Set uncertainty.<key> from the command line (`option`), validated like a file value."""
    try:
        setattr(scenario.uncertainty, key, value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ScenarioError(f"{option} {value}: {reason[:1].lower() + reason[1:]}") from None
