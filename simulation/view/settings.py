"""The view's controls as data: which scenario file, which parameter values, interventions, seed.

`ViewSettings` holds every value the sidebar controls show. `ViewSettings.from_file` reads them
from a scenario file; `ViewSettings.to_scenario` turns them back into a validated `Scenario` (the
file with the controls' values written over it), which is what Reset builds the model from.
Only the parameters that apply to the scenario's network are controls (`params_for`): a network
from files takes its size and structure from the files, a complete graph has no degree.
Nothing here imports Solara: the settings are plain, testable data.

Files the view reads (issue 19): scenario files only from the folders it was started with, the
scenario library (`SCENARIO_DIR`) and the start file's folder (`ScenarioFolders`). The picker lists
the plans among them (`scenario_files`: not sweep, sensitivity, calibration or budget files, nor
validation cases); a path typed in the page (`ScenarioFolders.resolve`) is refused, with a message,
unless it is a .toml file inside one of those folders once every `..` and symbolic link is resolved.

Units follow the scenario schema (docs/SCENARIOS.md): weeks, attitude points on 1-7, rating points
on 1-7, probabilities and shares on 0-1, utility units for the choice weights.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from pydantic import ValidationError

from simulation.errors import UserError
from simulation.examples import scenario_folder
from simulation.scenario import Scenario, load_scenario
from simulation.scenario.interventions import ACTING_ORDER as ORDER
from simulation.scenario.interventions import CONFIGS, ScheduleConfig, TargetedConfig

SCENARIO_DIR = scenario_folder()  # scenarios/ of a checkout, or the copy in an installed wheel


@dataclass(frozen=True)
class Param:
    """One slider: a dotted scenario key, its label (with unit), range and step."""

    key: str
    label: str
    low: float
    high: float
    step: float
    integer: bool = False


# Network size and structure.
NETWORK_PARAMS = (
    Param("population.n", "Clinicians", 50, 3000, 50, integer=True),
    Param("network.mean_degree", "Colleagues per clinician (mean degree)", 2, 20, 1),
    Param("network.cross_department_share", "Ties across departments (share 0-1)", 0.0, 0.5, 0.02),
    Param("network.team_size", "Team size (clinicians)", 2, 40, 1, integer=True),
)
# Behaviour: choice of mode, experience of AI, attitude change.
BEHAVIOUR_PARAMS = (
    Param("choice.reconsider_rate", "Reconsider mode (probability per week)", 0.0, 0.2, 0.005),
    Param("choice.social_weight", "Weight of anticipated penalty (utility per rating point)", 0.0, 3.0, 0.1),
    Param("choice.status_quo_bonus", "Habit (utility of keeping one's mode)", 0.0, 4.0, 0.1),
    Param("choice.institutional_push", "Institutional push toward AI (utility)", -2.0, 2.0, 0.1),
    Param("experience.error_rate", "AI error rate (share of suggestions)", 0.0, 0.3, 0.01),
    Param("attitude.influence_rate", "Attitude influence rate (per week)", 0.0, 0.2, 0.005),
    Param("attitude.confidence_bound", "Confidence bound (attitude points)", 0.0, 6.0, 0.1),
)
# Peer judgment of AI users.
JUDGMENT_PARAMS = (
    Param("judgment.penalty_verify", "Penalty for verifying (rating points)", -1.0, 4.0, 0.01),
    Param("judgment.penalty_primary", "Penalty for primary use (rating points)", -1.0, 5.0, 0.01),
    Param("judgment.own_use_discount", "Penalty dropped by AI-using raters (share)", 0.0, 1.0, 0.05),
    Param("judgment.visibility", "Chance a colleague sees one's mode (per week)", 0.0, 1.0, 0.05),
)
PARAMS = NETWORK_PARAMS + BEHAVIOUR_PARAMS + JUDGMENT_PARAMS
# The network keys each generator reads (docs/SCENARIOS.md, [network]); the others do not apply to it.
GENERATOR_KEYS = {
    "hospital": ("population.n", "network.mean_degree", "network.cross_department_share", "network.team_size"),
    "random": ("population.n", "network.mean_degree"),
    "complete": ("population.n",),
    "file": (),  # size and structure come from the files
}
# Tables that make a file an experiment rather than a plan (`simulate sweep`, `sensitivity`, `calibrate`,
# `plan`), and the folder of the validation cases: neither is listed in the scenario picker.
EXPERIMENT_TABLES = ("sweep", "sensitivity", "calibration", "budget")
VALIDATION_FOLDER = "validation"


def params_for(generator: str) -> tuple[Param, ...]:
    """The sliders that apply to a network of `generator`: its own network keys, then every behaviour
    and judgment parameter."""
    keys = GENERATOR_KEYS.get(generator, GENERATOR_KEYS["hospital"])
    return tuple(p for p in NETWORK_PARAMS if p.key in keys) + BEHAVIOUR_PARAMS + JUDGMENT_PARAMS


# Targeting rules offered in the view: those that need no extra key (department, role, ids need one,
# and are offered only when the scenario's own table names it).
SIMPLE_TARGETING = ("random", "skeptics", "opinion_leaders", "bridges", "nominated")


def is_targeted(kind: str) -> bool:
    """Does this intervention kind have seats and a targeting rule?"""
    return issubclass(CONFIGS[kind], TargetedConfig)


@dataclass(frozen=True)
class InterventionSetting:
    """On/off, seats per session and targeting rule for one intervention kind."""

    enabled: bool
    seats: int | None = None  # None for kinds without seats
    targeting: str | None = None
    targeting_choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViewSettings:
    """Everything the controls hold; `to_scenario()` makes the scenario Reset builds."""

    scenario_path: str
    values: dict[str, float] = field(default_factory=dict)  # dotted key -> value, one per `PARAMS`
    interventions: dict[str, InterventionSetting] = field(default_factory=dict)  # kind -> setting
    seed: str = ""  # text typed in the seed box; empty = the scenario's own run.seed
    generator: str = "hospital"  # the scenario's network.generator: which sliders apply (`params_for`)

    @property
    def params(self) -> tuple[Param, ...]:
        """The sliders shown for this scenario (the parameters that apply to its network)."""
        return params_for(self.generator)

    @classmethod
    def from_file(cls, path: str | Path) -> ViewSettings:
        """The controls' values as the scenario file sets them."""
        scenario = _load(str(Path(path).resolve()))
        values = {p.key: _get(scenario, p.key) for p in PARAMS}
        interventions = {}
        for kind in ORDER:
            configs = [c for c in scenario.interventions if c.kind == kind]
            template = configs[0] if configs else library_config(kind)
            if is_targeted(kind):
                assert isinstance(template, TargetedConfig)  # CONFIGS[kind] is a TargetedConfig
                choices = tuple(SIMPLE_TARGETING) + (
                    (template.targeting,) if template.targeting not in SIMPLE_TARGETING else ()
                )
                interventions[kind] = InterventionSetting(bool(configs), template.seats, template.targeting, choices)
            else:
                interventions[kind] = InterventionSetting(bool(configs))
        return cls(str(Path(path).resolve()), values, interventions, str(scenario.run.seed), scenario.network.generator)

    def with_value(self, key: str, value: float) -> ViewSettings:
        return dataclasses.replace(self, values={**self.values, key: value})

    def with_intervention(self, kind: str, **changes) -> ViewSettings:
        setting = dataclasses.replace(self.interventions[kind], **changes)
        return dataclasses.replace(self, interventions={**self.interventions, kind: setting})

    def with_seed(self, text: str) -> ViewSettings:
        return dataclasses.replace(self, seed=text)

    def seed_value(self) -> int | None:
        """The typed seed as a whole number >= 0, None when empty; ValueError when not a number."""
        text = str(self.seed).strip()
        if not text:
            return None
        try:
            seed = int(text)
        except ValueError:
            raise ValueError(f"seed must be a whole number >= 0, not {text!r}") from None
        if seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, not {seed}")
        return seed

    def to_scenario(self) -> Scenario:
        """The scenario file with the controls' values written over it (validated).

        Raises ValueError with a readable message when the values do not make a valid scenario.
        """
        base = _load(self.scenario_path)
        data = base.model_dump()
        applies = {p.key for p in self.params}
        for key, value in self.values.items():
            if key not in applies:  # not a control for this network: the file's own value stays
                continue
            section, name = key.split(".")
            data[section][name] = value
        seed = self.seed_value()
        if seed is not None:
            data["run"]["seed"] = seed
        interventions = []
        for config in base.interventions:
            setting = self.interventions.get(config.kind)
            if setting is None or setting.enabled:
                interventions.append(_apply(config.model_dump(), setting))
        present = {c.kind for c in base.interventions}
        for kind, setting in self.interventions.items():
            if setting.enabled and kind not in present:
                interventions.append(_apply(library_config(kind).model_dump(), setting))
        data["interventions"] = interventions
        data.pop("extends", None)
        try:
            return Scenario.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{where}: {first['msg']}") from None


def _apply(config: dict, setting: InterventionSetting | None) -> dict:
    if setting is not None and setting.seats is not None:
        config["seats"] = int(setting.seats)
        config["targeting"] = setting.targeting
    return config


def _get(scenario: Scenario, key: str) -> float:
    section, name = key.split(".")
    return getattr(getattr(scenario, section), name)


def _load(path: str) -> Scenario:
    """The scenario file, re-read when it changes on disk."""
    return _load_version(path, Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_version(path: str, mtime_ns: int) -> Scenario:
    return load_scenario(path)


def experiment_tables(path: str | Path) -> list[str]:
    """The tables of `EXPERIMENT_TABLES` the file has (following `extends` when the file loads;
    else from its own text); [] for a plan. A file that is not valid TOML gives []: picking it shows why."""
    try:
        scenario = _load(str(Path(path).resolve()))
    except (UserError, OSError):
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return []
        return [name for name in EXPERIMENT_TABLES if name in data]
    return [name for name in EXPERIMENT_TABLES if getattr(scenario, name, None) is not None]


def is_plan(path: str | Path) -> bool:
    """A scenario to watch: no sweep, sensitivity, calibration or budget table, not a validation case."""
    return VALIDATION_FOLDER not in Path(path).resolve().parts[-2:-1] and not experiment_tables(path)


def scenario_files(extra: str | Path | None = None) -> list[str]:
    """Absolute paths of the plans among the example scenarios (`scenarios/*.toml`, `is_plan`), plus
    `extra` (the file given on the command line, listed first whatever it is: it is the open one)."""
    files = sorted(str(p.resolve()) for p in SCENARIO_DIR.glob("*.toml") if is_plan(p))
    if extra is not None and str(Path(extra).resolve()) not in files:
        files.insert(0, str(Path(extra).resolve()))
    return files


@dataclass(frozen=True)
class ScenarioFolders:
    """The folders the view may read scenario files from: the scenario library and the start file's folder."""

    folders: tuple[Path, ...]

    @classmethod
    def for_start_file(cls, start_file: str | Path) -> ScenarioFolders:
        folders = [SCENARIO_DIR.resolve(), Path(start_file).resolve().parent]
        return cls(tuple(dict.fromkeys(folders)))

    def allows(self, path: str | Path) -> bool:
        """Is `path`, with every `..` and symbolic link resolved, inside one of the folders?"""
        real = Path(path).resolve()
        return any(real.is_relative_to(folder) for folder in self.folders)

    def describe(self) -> str:
        return " or ".join(str(folder) for folder in self.folders)

    def resolve(self, text: str) -> Path:
        """The scenario file a path typed in the page names: absolute, or relative to one of the folders.

        Raises ValueError, with a message for the page, when it is empty, outside the folders, not a
        .toml file, missing, or an experiment (sweep, sensitivity, calibration, budget) rather than a plan.
        """
        typed = str(text).strip()
        if not typed:
            raise ValueError("type the name of a scenario file, e.g. workshops.toml")
        if "\x00" in typed:
            raise ValueError(f"{typed!r} is not a file name")
        given = Path(typed).expanduser()
        candidates = [given] if given.is_absolute() else [folder / given for folder in self.folders]
        found = [path.resolve() for path in candidates if self.allows(path) and path.resolve().is_file()]
        if not found:
            if any(not self.allows(path) for path in candidates):
                raise ValueError(
                    f"{typed}: the view reads scenario files only from the folders it was started with "
                    f"({self.describe()}); this path leads outside them"
                )
            raise ValueError(f"{typed}: no such file in {self.describe()}")
        path = found[0]
        if path.suffix.lower() != ".toml":
            raise ValueError(f"{typed}: not a scenario file (a scenario is a .toml file)")
        tables = experiment_tables(path)
        if tables:
            raise ValueError(
                f"{typed}: an experiment ([{'], ['.join(tables)}]), not a plan to watch; run it with simulate"
            )
        return path


@cache
def library_config(kind: str) -> ScheduleConfig:
    """A ready-made config of `kind` for switching it on in a scenario that lacks one.

    Taken from the first file of the scenario library that uses the kind (so its schedule and
    effects are the documented plan); the kind's schema defaults if none does.
    """
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            scenario = _load(str(path.resolve()))
        except UserError:
            continue
        for config in scenario.interventions:
            if config.kind == kind:
                return config
    return CONFIGS[kind].model_validate({"kind": kind})


def scenario_about(path: str | Path) -> str:
    """The scenario's name and description as one line of plain text ("" when it has neither)."""
    try:
        scenario = _load(str(Path(path).resolve()))
    except (UserError, OSError):
        return ""
    name, description = scenario.scenario.name or "", scenario.scenario.description or ""
    return f"{name}: {description}" if name and description else name or description


def default_scenario_path() -> str:
    """The scenario the view opens with when no file is given: scenarios/baseline.toml."""
    return str((SCENARIO_DIR / "baseline.toml").resolve())
