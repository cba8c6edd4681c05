"""Command-line overrides of a loaded scenario (`--replications`, `--seed`, `--steps`)."""

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
