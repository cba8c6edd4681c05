"""Parameter worlds: the comparison's uncertain settings drawn once, applied alike to every scenario.

A comparison's ranges are the baseline's effective `[uncertainty]` ranges (documented ones unless
`defaults = false`, its own entries replacing those of the same key; `fixed` ones removed), with the
ranges an alternative adds for keys the baseline does not name; an alternative that gives another
range for a key the baseline names is an error (the worlds would not be the same). The number of
worlds, replications per world and the seed are the baseline's.

World w (1..K) holds one draw per range from a Latin hypercube of K points (each range cut into K
equal-probability strata, each hit once; a seeded permutation per range), mapped through the
range's shape (`simulation.scenario.uncertainty`). The same draws (shifts, factors or values) are
applied to every scenario, so a plan and its baseline move together: `world_scenario`.

World 0 is the stated values (the files as written). Replication r of world w >= 1 is replication
number `R0 + (w - 1) R + r` of the scenario (R0 = run.replications, R = uncertainty.replications), so
its seed, like every replication's, is the same in every scenario of the comparison (paired).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
from pydantic import BaseModel, ValidationError

from simulation.errors import ScenarioError
from simulation.scenario.schema import Scenario
from simulation.scenario.uncertainty import UNCERTAIN_SECTIONS, UncertainParameter, UncertaintyConfig
from simulation.scenario.unknowns import DOCUMENTED

_Z975 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class WorldDesign:
    """The comparison's worlds: ranges (in order), draws (K x ranges), replications per world, seed."""

    parameters: tuple[UncertainParameter, ...]
    draws: np.ndarray  # (K, len(parameters)): world w's draw of each range is draws[w - 1]
    replications: int
    seed: int

    @property
    def worlds(self) -> int:
        return int(self.draws.shape[0])

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    def draw(self, world: int) -> dict[str, float]:
        """World `world`'s draw (shift, factor or value) of each key; {} for world 0."""
        if world == 0:
            return {}
        return dict(zip(self.keys, self.draws[world - 1].tolist(), strict=True))

    def first_replication(self, world: int, stated: int) -> int:
        """The replication number of world `world`'s first replication (`stated`: run.replications)."""
        return 0 if world == 0 else stated + (world - 1) * self.replications

    def world_of(self, replication: int, stated: int) -> int:
        """The world of replication number `replication` (0: the stated values)."""
        return 0 if replication < stated else 1 + (replication - stated) // self.replications


def effective_parameters(config: UncertaintyConfig) -> list[UncertainParameter]:
    """The ranges a scenario's `[uncertainty]` table asks for: documented ones (unless defaults =
    false) with its own entries replacing those of the same key, then its new keys; fixed ones removed."""
    own = {p.key: p for p in config.parameters}
    ranges = [own.pop(p.key, p) for p in DOCUMENTED] if config.defaults else []
    ranges += list(own.values())
    return [p for p in ranges if not p.fixed]


def comparison_parameters(scenarios: Sequence[Scenario], files: Sequence[Path | str]) -> list[UncertainParameter]:
    """The comparison's ranges (module docstring); ScenarioError when an alternative contradicts the baseline."""
    ranges = {p.key: p for p in effective_parameters(scenarios[0].uncertainty)}
    fixed = {p.key for p in scenarios[0].uncertainty.parameters if p.fixed}
    for scenario, file in zip(scenarios[1:], files[1:], strict=True):
        for parameter in effective_parameters(scenario.uncertainty):
            known = ranges.get(parameter.key)
            if parameter.key in fixed or (known is not None and known.model_dump() != parameter.model_dump()):
                given = "fixed" if known is None else known.describe()
                raise ScenarioError(
                    f"{file}: [[uncertainty.parameters]] key '{parameter.key}' = {parameter.describe()} differs from "
                    f"the baseline {Path(str(files[0])).name}'s ({given}); every scenario of a comparison runs in the same "
                    "worlds: give the range in the baseline (or in neither)"
                )
            ranges.setdefault(parameter.key, parameter)
    return list(ranges.values())


def unit_design(worlds: int, dimensions: int, seed: int) -> np.ndarray:
    """A Latin hypercube of `worlds` points in [0, 1)^dimensions (a permutation of strata per column)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x57_0A_1D,)))
    unit = np.empty((worlds, dimensions))
    for column in range(dimensions):
        unit[:, column] = (rng.permutation(worlds) + rng.random(worlds)) / max(worlds, 1)
    return unit


def quantile(parameter: UncertainParameter, u: float) -> float:
    """The draw at probability `u` of the range's shape."""
    low, high = parameter.bounds
    shape = parameter.drawn_shape
    if shape == "uniform":
        return low + u * (high - low)
    if shape == "log_uniform":
        return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    if shape == "normal":
        mean, sd = (low + high) / 2, (high - low) / (2 * _Z975)
        return mean + sd * NormalDist().inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
    peak = parameter.centre  # triangular
    split = (peak - low) / (high - low)
    if u < split:
        return low + math.sqrt(u * (high - low) * (peak - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - peak))


def design_for(scenarios: Sequence[Scenario], files: Sequence[Path | str]) -> WorldDesign | None:
    """The comparison's worlds, or None when there are none (worlds = 0 or no range). Ranges of an
    intervention kind that no scenario of the comparison has are left out."""
    config = scenarios[0].uncertainty
    declared = comparison_parameters(scenarios, files)
    posterior = _posterior(scenarios, files)
    if posterior is not None:  # its keys come from the posterior's particles, not from ranges
        declared = [p for p in declared if p.key not in posterior.keys] + posterior.parameters()
    for scenario, file in zip(scenarios, files, strict=True):
        check_keys(scenario, declared, file)
    kinds = {i.kind for scenario in scenarios for i in scenario.interventions}
    # A range of an intervention kind no scenario has would change nothing: it is not drawn.
    parameters = [p for p in declared if p.intervention_kind is None or p.intervention_kind in kinds]
    if config.worlds == 0 or not parameters:
        return None
    seed = config.seed if config.seed is not None else scenarios[0].run.seed
    unit = unit_design(config.worlds, len(parameters), seed)
    draws = np.array([[quantile(p, float(u)) for p, u in zip(parameters, row, strict=True)] for row in unit])
    draws = draws.reshape(config.worlds, len(parameters))
    if posterior is not None:
        columns = [[p.key for p in parameters].index(key) for key in posterior.keys]
        draws[:, columns] = posterior.resample(config.worlds, seed)
    return WorldDesign(tuple(parameters), draws.reshape(config.worlds, len(parameters)), config.replications, seed)


def _posterior(scenarios: Sequence[Scenario], files: Sequence[Path | str]):
    """The baseline's `[uncertainty] posterior`, read (simulation.experiments.posterior), or None; an
    alternative naming another posterior is an error (the worlds would not be the same)."""
    from simulation.experiments.posterior import read_posterior

    path = scenarios[0].uncertainty.posterior
    for scenario, file in zip(scenarios[1:], files[1:], strict=True):
        other = scenario.uncertainty.posterior
        if other is not None and other != path:
            raise ScenarioError(
                f"{file}: [uncertainty] posterior = {other!r} differs from the baseline {Path(str(files[0])).name}'s "
                f"({path!r}); every scenario of a comparison runs in the same worlds: give it in the baseline"
            )
    if path is None:
        return None
    posterior = read_posterior(path, f"{files[0]}: [uncertainty] posterior")
    for key in posterior.keys:
        if key.split(".")[0] not in UNCERTAIN_SECTIONS:
            raise ScenarioError(
                f"{posterior.path}: column '{key}' cannot be drawn per world (allowed: keys of "
                f"{', '.join(UNCERTAIN_SECTIONS)})"
            )
    return posterior


def _targets(scenario: Scenario, parameter: UncertainParameter) -> list[tuple[BaseModel, str]]:
    """(the table, its key) that `parameter` sets in `scenario`: one, or one per intervention of the kind."""
    kind = parameter.intervention_kind
    if kind is not None:
        field = parameter.key.rsplit(".", 1)[1]
        return [(i, field) for i in scenario.interventions if i.kind == kind]
    parts = parameter.key.split(".")
    table: BaseModel = scenario
    for part in parts[:-1]:
        table = getattr(table, part)
    return [(table, parts[-1])]


def check_keys(scenario: Scenario, parameters: Sequence[UncertainParameter], file: Path | str) -> None:
    """Every range names a number of the scenario (ScenarioError naming the file and key otherwise)."""
    from simulation.scenario.interventions import CONFIGS

    for parameter in parameters:
        kind = parameter.intervention_kind
        field = parameter.key.rsplit(".", 1)[1]
        if kind is not None:
            if kind not in CONFIGS:
                raise ScenarioError(
                    f"{file}: [[uncertainty.parameters]] key '{parameter.key}': no intervention kind '{kind}'; "
                    f"kinds: {', '.join(CONFIGS)}"
                )
            fields = CONFIGS[kind].model_fields
        else:
            try:
                table, field = _targets(scenario, parameter)[0]
            except AttributeError:
                raise ScenarioError(
                    f"{file}: [[uncertainty.parameters]] key '{parameter.key}': no such table in the scenario"
                ) from None
            fields = type(table).model_fields
        if field not in fields:
            raise ScenarioError(
                f"{file}: [[uncertainty.parameters]] key '{parameter.key}': no key '{field}' there; keys: "
                f"{', '.join(sorted(fields))}"
            )
        annotation = fields[field].annotation
        if annotation not in (int, float):
            raise ScenarioError(
                f"{file}: [[uncertainty.parameters]] key '{parameter.key}': only numbers can be uncertain "
                f"(this key is {getattr(annotation, '__name__', annotation)})"
            )


def _allowed(table: BaseModel, key: str) -> tuple[float, float]:
    """The values `key` of `table` allows (from its ge/gt/le/lt; an open end nudged inside)."""
    low, high = -math.inf, math.inf
    for rule in type(table).model_fields[key].metadata:
        if getattr(rule, "ge", None) is not None:
            low = max(low, float(rule.ge))
        if getattr(rule, "gt", None) is not None:
            low = max(low, float(np.nextafter(float(rule.gt), math.inf)) + 1e-9 * max(1.0, abs(float(rule.gt))))
        if getattr(rule, "le", None) is not None:
            high = min(high, float(rule.le))
        if getattr(rule, "lt", None) is not None:
            high = min(high, float(rule.lt) - 1e-9 * max(1.0, abs(float(rule.lt))))
    return low, high


def moved(
    value: float, parameter: UncertainParameter, draw: float, allowed: tuple[float, float], integer: bool
) -> float:
    """The scenario's `value` in a world whose draw is `draw`, clipped to what the key allows."""
    if parameter.form == "plus":
        new = value + draw
    elif parameter.form == "times":
        new = value * draw
    else:
        new = draw
    new = min(max(new, allowed[0]), allowed[1])
    return float(round(new)) if integer else float(f"{new:.12g}")


def world_scenario(scenario: Scenario, design: WorldDesign, world: int, label: str) -> Scenario:
    """`scenario` in world `world` (a validated copy; world 0: the scenario itself)."""
    if world == 0:
        return scenario
    copy = scenario.model_copy(deep=True)
    updates: list[tuple[BaseModel, str, float | int]] = []
    for parameter, draw in zip(design.parameters, design.draws[world - 1].tolist(), strict=True):
        for table, key in _targets(copy, parameter):
            value = getattr(table, key)
            integer = isinstance(value, int) and not isinstance(value, bool)
            new = moved(float(value), parameter, draw, _allowed(table, key), integer)
            updates.append((table, key, int(new) if integer else new))
    try:
        for table, key, value in updates:
            object.__setattr__(table, key, value)  # checked all together below
        checked = Scenario.model_validate(copy.model_dump(mode="json", exclude={"extends"}))
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"{label}: world {world}: {reason}") from None
    checked.compare_to_path = scenario.compare_to_path
    return checked
