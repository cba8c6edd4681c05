"""Scenario files: the TOML schema, loading with `extends`, and clear errors for bad input."""

from simulation.errors import ScenarioError
from simulation.scenario.loader import load_scenario, resolve_scenario_text
from simulation.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "resolve_scenario_text"]
