"""Scenario files as pure data: the TOML schema, loading with `extends`, and clear errors for bad input.

Importing this package loads pydantic and the standard library only (no numerics). The errors are
`simulation.errors.ScenarioError` and `MissingDataError`.
"""

from simulation.scenario.loader import load_scenario, resolve_scenario_text
from simulation.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "resolve_scenario_text"]
