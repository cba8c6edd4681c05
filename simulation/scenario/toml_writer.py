"""Writing a scenario's plain data as TOML (the standard library reads TOML but does not write it).

`to_toml(data)` writes a nested dict of the types a scenario's `model_dump(mode="json")` holds:
str, bool, int, float, lists of these, lists of lists, and tables (dicts) and lists of tables, to
TOML 1.0 text that `tomllib.loads` reads back to the same data (`None`, which TOML cannot spell, is
left out: the key then takes its schema default, None for every optional key of the schema). Floats
are written as `repr` writes them (the shortest text that reads back to the same bits; `inf`,
`-inf`, `nan` as TOML spells them), so numbers survive the round trip exactly.

`scenario_toml(scenario, ...)` writes a whole `Scenario`, every key resolved, as one standalone file:
no `extends`, and by default no `compare_to` (the file runs one scenario).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from simulation.scenario.schema import Scenario

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: Any) -> str:
    """One TOML value written inline (a string, number, bool, array or inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = [f"{_key(str(k))} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(data: dict, path: list[str], lines: list[str]) -> None:
    """Write the keys of `data` (scalars and arrays first, then sub-tables, then arrays of tables)."""
    for name, value in data.items():
        if value is None or isinstance(value, dict) or _is_table_list(value):
            continue
        lines.append(f"{_key(str(name))} = {_value(value)}")
    for name, value in data.items():
        if isinstance(value, dict):
            inner = [*path, _key(str(name))]
            lines.extend(["", f"[{'.'.join(inner)}]"])
            _table(value, inner, lines)
    for name, value in data.items():
        if _is_table_list(value):
            inner = [*path, _key(str(name))]
            for item in value:
                lines.extend(["", f"[[{'.'.join(inner)}]]"])
                _table(item, inner, lines)


def to_toml(data: dict, header: str = "") -> str:
    """TOML text for `data` (see the module's notes), after `header` (comment lines, '# ' added)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _table(data, [], lines)
    text = "\n".join(lines).lstrip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def scenario_toml(
    scenario: Scenario,
    *,
    seed: int | None = None,
    replications: int | None = None,
    keep_compare_to: bool = False,
    header: str = "",
) -> str:
    """The scenario fully resolved as one TOML file (no `extends`; without `compare_to` unless kept).

    `seed` and `replications` replace run.seed and run.replications when given."""
    data = scenario.model_dump(mode="json")
    data.pop("extends", None)
    if not keep_compare_to:
        data["scenario"].pop("compare_to", None)
    if seed is not None:
        data["run"]["seed"] = int(seed)
    if replications is not None:
        data["run"]["replications"] = int(replications)
    return to_toml(data, header)
