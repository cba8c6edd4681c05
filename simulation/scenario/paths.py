"""Scenario keys by dotted path: `population.attitude_mean`, `interventions[0].seats`.

A path is the key as error messages print it: table names joined by dots, list positions in square
brackets. `points_scenarios` builds one validated scenario per design point by setting each key in
a copy of the resolved base scenario and validating the result like a file (a value out of range
for its key is a ScenarioError naming the parameter).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import ValidationError

from simulation.errors import ScenarioError
from simulation.scenario.loader import without_kind_tag
from simulation.scenario.schema import Scenario

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> tuple[str | int, ...]:
    """`interventions[0].seats` -> ('interventions', 0, 'seats'); ValueError if malformed."""
    parts: list[str | int] = []
    position = 0
    text = path.strip()
    while position < len(text):
        if text[position] == "." and parts and position + 1 < len(text) and text[position + 1] not in ".[":
            position += 1
        match = _PART.match(text, position)
        if not match or (position == 0 and match.group(2) is not None):
            raise ValueError(f"'{path}' is not a key path (write it like population.n or interventions[0].seats)")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    if not parts:
        raise ValueError("empty key path")
    return tuple(parts)


def get_path(data: Any, parts: tuple[str | int, ...], path: str) -> Any:
    """The value at `parts` in nested dicts and lists; ValueError saying which part is missing."""
    current = data
    for depth, part in enumerate(parts):
        shown = _shown(parts[: depth + 1])
        if isinstance(part, int):
            if not isinstance(current, list):
                raise ValueError(f"'{path}': {_shown(parts[:depth]) or 'the scenario'} is not a list")
            if part >= len(current):
                raise ValueError(f"'{path}': {shown} does not exist (the list has {len(current)} entries)")
            current = current[part]
        else:
            if not isinstance(current, dict):
                raise ValueError(f"'{path}': {_shown(parts[:depth])} is not a table")
            if part not in current:
                keys = ", ".join(sorted(str(k) for k in current))
                raise ValueError(f"'{path}': no key '{shown}' in the scenario; keys here: {keys}")
            current = current[part]
    return current


def set_path(data: Any, parts: tuple[str | int, ...], value: Any) -> None:
    """Set the value at `parts`, creating tables the data leaves out (keys left at their defaults)."""
    current = data
    for part, following in zip(parts[:-1], parts[1:], strict=True):
        if isinstance(current, dict) and part not in current:
            current[part] = [] if isinstance(following, int) else {}
        current = current[part]
    current[parts[-1]] = value


def _shown(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def base_data(scenario: Scenario, explicit: bool = False) -> dict:
    """The resolved scenario as plain data, without its experiment tables.

    With `explicit`, only the keys a file (or an override) set: defaults stay defaults when a point is
    validated again, so checks that depend on what a file says (seats above the population) apply
    as they would to a file."""
    data = scenario.model_dump(mode="json", exclude_unset=explicit)
    data.pop("sweep", None)
    data.pop("sensitivity", None)
    data["extends"] = None
    return data


def check_keys(data: dict, keys: list[str], where: str) -> list[tuple[str | int, ...]]:
    """Parse and look up every parameter key in the base data; ScenarioError naming the table."""
    parsed = []
    for index, key in enumerate(keys):
        try:
            parts = parse_path(key)
            value = get_path(data, parts, key)
        except ValueError as exc:
            raise ScenarioError(f"{where}[{index}].key: {exc}") from None
        if isinstance(value, (dict, list)):
            raise ScenarioError(f"{where}[{index}].key: '{key}' is a table or list; name one key inside it")
        if parts[0] in ("run", "scenario", "extends") and parts[-1] in (
            "seed",
            "replications",
            "name",
            "compare_to",
            "extends",
        ):
            raise ScenarioError(
                f"{where}[{index}].key: '{key}' cannot be varied (every point shares the run settings and seeds)"
            )
        parsed.append(parts)
    return parsed


def is_integer_key(data: dict, parts: tuple[str | int, ...]) -> bool:
    """True when the base value is a whole number (then sampled values are rounded)."""
    value = get_path(data, parts, "")
    return isinstance(value, int) and not isinstance(value, bool)


def point_scenario(data: dict, assignments: list[tuple[tuple[str | int, ...], Any]], label: str) -> Scenario:
    """Validate a copy of `data` with each (path, value) set; ScenarioError naming `label` on failure."""
    point = copy.deepcopy(data)
    for parts, value in assignments:
        set_path(point, parts, value)
    try:
        return Scenario.model_validate(point)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{_shown(without_kind_tag(tuple(e['loc']))[0]) or 'scenario'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()[:3]
        )
        raise ScenarioError(f"{label}: {reasons}") from None
