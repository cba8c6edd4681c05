"""Command-line overrides of a loaded scenario (`--replications`, `--seed`, `--steps`, `--worlds`,
`--world-replications`)."""

from __future__ import annotations

from pydantic import ValidationError

from simulation.errors import ScenarioError
from simulation.scenario.schema import Scenario


def override_run(scenario: Scenario, key: str, value: int) -> None:
    """Set run.<key> from the command line, validated like a file value (ScenarioError naming the option)."""
    try:
        setattr(scenario.run, key, value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ScenarioError(f"--{key} {value}: {reason[:1].lower() + reason[1:]}") from None


def override_uncertainty(scenario: Scenario, key: str, value: int, option: str) -> None:
    """Set uncertainty.<key> from the command line (`option`), validated like a file value."""
    try:
        setattr(scenario.uncertainty, key, value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise ScenarioError(f"{option} {value}: {reason[:1].lower() + reason[1:]}") from None
