"""Reading a scenario file: TOML, `extends` chains, and errors that name the file and the key.

`extends = "baseline.toml"` (relative to the extending file) loads that scenario first; the extending
file's tables are merged into it key by key, and any other value (numbers, strings, lists such as
`interventions` and `targets`) replaces the inherited one. Name -> share maps (`population.departments`)
are replaced whole: a file that lists departments lists all of them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulation.errors import MissingDataError, ScenarioError
from simulation.scenario.interventions import CONFIGS as KINDS
from simulation.scenario.parameters import PopulationConfig
from simulation.scenario.schema import Scenario
from simulation.scenario.time_units import rebase

MAX_EXTENDS_DEPTH = 20
# Tables an extending file replaces whole instead of merging key by key.
REPLACED_TABLES = {("population", "departments"), ("calibration", "free")}


def _is(test, path: Path) -> bool:
    """`path.exists()` / `path.is_file()` that treat an impossible path (too long, NUL) as missing."""
    try:
        return bool(test(path))
    except (OSError, ValueError):
        return False


def _shown_path(path: Path) -> str:
    text = str(path)
    return text if len(text) <= 200 else text[:100] + f"... ({len(text)} characters)"


def _read_toml(path: Path) -> dict[str, Any]:
    if not _is(Path.exists, path):
        raise ScenarioError(f"{_shown_path(path)}: scenario file not found")
    if not _is(Path.is_file, path):
        raise ScenarioError(f"{path}: not a file (expected a .toml scenario file)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc})") from None
    too_deep = (
        f"{path}: TOML nested too deep (arrays or tables inside one another more than {MAX_NESTING} "
        "levels); a scenario file needs a few levels (docs/SCENARIOS.md)"
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: TOML syntax error: {exc}") from None
    except RecursionError:  # e.g. `a = [[[[...]]]]` 100,000 levels deep: the parser's stack runs out
        raise ScenarioError(too_deep) from None
    if _nesting(data) > MAX_NESTING:  # deep tables parse, but merging and validating them recurse
        raise ScenarioError(too_deep)
    return data


MAX_NESTING = 64  # levels of tables and arrays; the deepest scenario key (a map inside a table inside a list) is ~5


def _nesting(data: Any) -> int:
    """How many tables and arrays lie inside one another in `data` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _merge(base: dict, override: dict, origin: dict, source: Path, prefix: tuple = ()) -> dict:
    """Merge `override` into a copy of `base`; record in `origin` which file set each key."""
    merged = dict(base)
    for key, value in override.items():
        path = (*prefix, key)
        if isinstance(value, dict) and path in REPLACED_TABLES:
            merged[key] = value
            for name in value:
                origin[(*path, name)] = source
        elif isinstance(value, dict):
            inherited = merged.get(key)
            merged[key] = _merge(inherited if isinstance(inherited, dict) else {}, value, origin, source, path)
        else:
            merged[key] = value
            origin[path] = source
    return merged


def load_chain(path: Path, origin: dict, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The merged tables of `path` and the files it `extends`; `origin` records which file set each key."""
    path = path.resolve() if _is(Path.exists, path) else path
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ScenarioError(f"{seen[-1]}: key 'extends' makes a cycle: {chain}")
    if len(seen) > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: key 'extends' is nested more than {MAX_EXTENDS_DEPTH} deep")
    try:
        data = _read_toml(path)
    except ScenarioError as exc:
        if not seen:
            raise
        # A parent that cannot be read: say which scenario file named it (its `extends` key).
        raise ScenarioError(f"{exc} (named by key 'extends' in {seen[-1]})") from None
    parent = data.pop("extends", None)
    if parent is None:
        return _merge({}, data, origin, path)
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: key 'extends' must be a file name in quotes, got {parent!r}")
    parent_path = path.parent / parent
    if not _is(Path.exists, parent_path):
        raise ScenarioError(f"{path}: key 'extends': scenario file not found: {_shown_path(parent_path)}")
    if not _is(Path.is_file, parent_path):
        raise ScenarioError(f"{path}: key 'extends' = {parent!r}: not a file (expected a .toml scenario file)")
    base = rebase(load_chain(parent_path, origin, (*seen, path)), data)  # inherited keys in this file's run.time_unit
    return _merge(base, data, origin, path)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that the key path `loc` points into (None if not a model)."""
    current: Any = Scenario
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            origin = typing.get_origin(current)
            if origin in (list, dict) and args:
                current = args[-1]
            elif origin in (typing.Union, types.UnionType) and args:
                current = args[0]
                continue
            else:
                return None
    while typing.get_origin(current) in (typing.Union, types.UnionType):
        current = next(a for a in typing.get_args(current) if a is not type(None))
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _file_for(loc: tuple, origin: dict, fallback: Path) -> Path:
    """The file that set the key at `loc`, or its closest parent, or (for a table) a key inside it.

    When several files set keys inside the table, the file that was run wins if it is one of them,
    else the last file in the `extends` chain that did.
    """
    keys = tuple(p for p in loc if not isinstance(p, int))
    for length in range(len(keys), 0, -1):
        if keys[:length] in origin:
            return origin[keys[:length]]
    inside = [source for key, source in origin.items() if key[: len(keys)] == keys]
    if not keys or not inside:
        return fallback
    resolved = fallback.resolve() if fallback.exists() else fallback
    return resolved if resolved in inside else inside[-1]


def _key_in_message(text: str) -> tuple:
    """A key path a whole-scenario check names at the start of its message, e.g. `interventions[0]...`."""
    head = text.split(" ", 1)[0]
    return tuple(part.split("[", 1)[0] for part in head.split(".") if part)


def without_kind_tag(loc: tuple) -> tuple[tuple, type[BaseModel] | None]:
    """Drop the intervention kind pydantic puts in error locations (`interventions.0.workshop.seats`).

    Returns the location as the user wrote it and the config model of that intervention kind.
    """
    if len(loc) >= 3 and loc[0] == "interventions" and isinstance(loc[1], int) and loc[2] in KINDS:
        return (*loc[:2], *loc[3:]), KINDS[loc[2]]
    return loc, None


def _describe(error: ErrorDetails, origin: dict, fallback: Path) -> str:
    loc, intervention_model = without_kind_tag(tuple(error["loc"]))
    key = _dotted(loc)
    kind = error["type"]
    where = _file_for(loc, origin, fallback)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        value = error.get("ctx", {}).get("tag")
        kinds = ", ".join(KINDS)
        if kind == "union_tag_not_found":
            return f"{where}: key '{key}.kind' is required; allowed kinds: {kinds}"
        hint = difflib.get_close_matches(str(value), list(KINDS), n=1, cutoff=0.5)
        return f"{where}: key '{key}.kind' = {value!r} is not an intervention kind; allowed: {kinds}" + (
            f" (did you mean '{hint[0]}'?)" if hint else ""
        )
    if kind == "extra_forbidden":
        model = intervention_model if len(loc) == 3 and intervention_model else _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = f"{where}: unknown key '{key}'"
        kind_hint = difflib.get_close_matches(str(loc[-1]).rstrip("s"), list(KINDS), n=1, cutoff=0.6)
        if hint:
            message += f" (did you mean '{hint[0]}'?)"
        elif len(loc) == 1 and kind_hint:
            message += f' (did you mean an [[interventions]] table with kind = "{kind_hint[0]}"?)'
        if allowed:
            message += f"; allowed keys here: {', '.join(allowed)}"
        return message
    value = error.get("input")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        hint = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        message = f"{where}: key '{key}' = {value!r} is not allowed; allowed: {expected}"
        return message + (f" (did you mean '{hint[0]}'?)" if hint else "")
    if kind == "missing":
        return f"{where}: key '{key}' is required"
    text = error["msg"].removeprefix("Value error, ")
    if kind.startswith("value_error") or kind == "assertion_error":
        if not loc:
            where = _file_for(_key_in_message(text), origin, fallback)
        return f"{where}: {('key ' + repr(key) + ': ') if key else ''}{text}"
    shown = json.dumps(value) if isinstance(value, (str, int, float, bool)) else str(value)
    return f"{where}: key '{key}' = {shown}: {text[:1].lower() + text[1:]}"


def _one_message(errors: list[ErrorDetails], origin: dict, path: Path) -> str:
    """Every problem of a file on one line, unknown keys first (a misspelt required key also makes
    the real key missing: 'did you mean' is the useful half), at most three written out."""
    ordered = sorted(errors, key=lambda error: error["type"] != "extra_forbidden")
    described = list(dict.fromkeys(_describe(error, origin, path) for error in ordered))
    text = described[0]
    for other in described[1:3]:
        text += f"; also {other}"
    if len(described) > 3:
        text += f"; and {len(described) - 3} more problems"
    return text


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file, following `extends`; raise ScenarioError on bad input."""
    path = Path(path)
    origin: dict = {}
    data = load_chain(path, origin)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_one_message(exc.errors(), origin, path)) from None
    if not scenario.scenario.name:
        scenario.scenario.name = path.stem
    scenario.extends = None
    scenario.interventions_file = Path(origin.get(("interventions",), path))
    written_in = Path(origin.get(("targets",), path))  # the file whose [[targets]] tables these are
    for target in scenario.targets:
        target._source = written_in.resolve() if _is(Path.exists, written_in) else written_in
    if scenario.scenario.compare_to is not None:
        # Relative to the file that set the key (which may be a file this one extends).
        where = origin.get(("scenario", "compare_to"), path)
        scenario.compare_to_path = Path(where).parent / scenario.scenario.compare_to
    if scenario.uncertainty.posterior is not None:  # relative to the file that set it
        where = origin.get(("uncertainty", "posterior"), path)
        scenario.uncertainty.posterior = os.path.normpath(Path(where).parent / scenario.uncertainty.posterior)
    if scenario.network.generator == "file":
        apply_network_files(scenario, origin, path)
    return scenario


def apply_network_files(scenario: Scenario, origin: dict | None = None, path: Path | None = None) -> None:
    """A `generator = "file"` network: resolve its paths, read the files, set the population from them.

    Paths become absolute, resolved against the folder of the file that set each key (without
    `origin`: the working folder). population.n, and when the node table maps them departments and
    roles, are replaced by what the files hold; interventions are then checked against them.
    """
    import re
    import sys

    from simulation.network.files import MissingDataFileError, NetworkFileError, population_for, read_network_files

    origin = origin or {}
    fallback = path or Path("scenario")
    network = scenario.network
    for keys, owner in ((("network", "edges"), network), (("network", "nodes", "file"), network.nodes)):
        value = getattr(owner, keys[-1], None) if owner is not None else None
        if value is not None:
            folder = Path(origin[keys]).parent if keys in origin else Path.cwd()
            setattr(owner, keys[-1], os.path.normpath(os.path.abspath(folder / Path(value).expanduser())))

    def where(message: str) -> Path:
        match = re.match(r"key '([\w.]+)'", message)
        key = tuple(match.group(1).split(".")) if match else ("network",)
        return _file_for(key, origin, fallback)

    try:
        data = read_network_files(network)
    except MissingDataFileError as exc:
        raise MissingDataError(f"{where(str(exc))}: {exc}", os.path.normpath(exc.path)) from None
    except NetworkFileError as exc:
        raise ScenarioError(f"{where(str(exc))}: {exc}") from None
    for note in data.notes:
        print(f"note: {where('network')}: {note}", file=sys.stderr)
    try:
        scenario.population = PopulationConfig.model_validate(population_for(scenario.population, data).model_dump())
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError(
            f"{where('network.edges')}: key 'network.edges': the files give {data.n} clinicians, "
            f"which the population does not allow ({reason})"
        ) from None
    try:
        scenario.check_intervention_names()
    except ValueError as exc:
        text = str(exc)
        raise ScenarioError(f"{_file_for(_key_in_message(text), origin, fallback)}: {text}") from None
    for index, intervention in enumerate(scenario.interventions):  # seats, now that n is known
        try:
            intervention.check_against(f"interventions[{index}]", scenario.population, scenario.run.steps)
        except ValueError as exc:
            text = f"{exc} (population.n = {data.n} comes from the network files)"
            raise ScenarioError(f"{_file_for(_key_in_message(text), origin, fallback)}: {text}") from None


def resolve_scenario_text(scenario: Scenario) -> str:
    """Canonical JSON of the fully resolved scenario (every key, defaults included)."""
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, indent=2)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the canonical resolved scenario: equal hashes mean equal inputs."""
    return hashlib.sha256(resolve_scenario_text(scenario).encode()).hexdigest()
