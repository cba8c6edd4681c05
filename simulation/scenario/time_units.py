"""`run.time_unit`: the length of one step, and the one place where time-related keys change unit.

The model steps once per step whatever its length. A scenario says how long a step is with
`run.time_unit` ("week", the default; "month"; "year") and writes every time-related key in that
unit: `run.steps`, `run.milestones`, schedules (`start`, `every`, `until`, `at`), target deadlines
(`by_week`), half-lives (`half_life_weeks`) and every per-step rate (`reconsider_rate`,
`visibility`, ...): the names that say "week" are kept for old files and mean "step". Observed data
(`simulate calibrate`) count their steps in the same unit, and every table's `step` column is in it
(summary.json `step_unit`).

The defaults of the schema are weekly (their sources and tunings are per week). When a scenario's
unit is not a week, every key it does not write takes its weekly default converted to the unit
(`with_defaults_in_unit`, called by the `Scenario` validator); and a file that sets a unit other
than that of the file it `extends` gets the inherited keys converted (`rebase`, called by the
loader). Keys a file writes are taken as written, in its unit. A month is 52/12 weeks and a year 52
weeks (the model's year, as in the default 104 weeks = two years).

How each kind converts, with f = (length of the new step) / (length of the old step):

- ``chance``: a probability per step, or a share of a gap closed per step: 1 - (1 - p)^f (exact
  for a constant hazard, and for relaxation toward a fixed target);
- ``retention``: the weight kept of last step's value (exponential smoothing): m^f (same half-life);
- ``amount``: a count or quantity per step (cases, hours, the Bass imitation coefficient): x f
  (the continuous-time Bass coefficients p and q are rates per unit time; p is kept a probability);
- ``noise``: the SD of an independent change per step: sd sqrt(f) (same variance per unit time);
- ``duration``: a length of time (half-lives): d / f;
- ``time_point``: a step number or a run's length: the new step in which the old one falls,
  ceil(s / f) (week 13 = month 3 = the end of a quarter; week 5 falls in month 2);
- ``spacing``: steps between sessions: round(s / f), at least 1.

`TIME_KEYS` classifies every time-related key and `TIMELESS` every other number of the schema (what
it is instead); tests/test_time_unit.py checks that every numeric key of the schema is in one of
them, so a new rate cannot be forgotten. Keys are written `Class.field` and found through the class
hierarchy (`ScheduleConfig.start` covers every intervention kind). Pure standard library and pydantic.
"""

from __future__ import annotations

import math
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

TimeUnit = Literal["week", "month", "year"]
Kind = Literal["chance", "retention", "amount", "noise", "duration", "time_point", "spacing"]

DEFAULTS_UNIT: TimeUnit = "week"
# Length of one step in weeks: the model's year is 52 weeks (run.steps = 104 is two years).
WEEKS_PER_STEP: dict[str, float] = {"week": 1.0, "month": 52.0 / 12.0, "year": 52.0}

TIME_KEYS: dict[str, Kind] = {
    "RunConfig.steps": "time_point",
    "RunConfig.milestones": "time_point",
    "ScheduleConfig.start": "time_point",
    "ScheduleConfig.until": "time_point",
    "ScheduleConfig.at": "time_point",
    "ScheduleConfig.every": "spacing",
    "TargetConfig.by_week": "time_point",
    "JudgmentConfig.visibility": "chance",
    "JudgmentConfig.reputation_memory": "retention",
    "ExperienceConfig.cases_per_week": "amount",
    "ExperienceConfig.trust_learning_rate": "chance",
    "ExperienceConfig.attitude_from_trust_rate": "chance",
    "ChoiceConfig.bass_p": "chance",
    "ChoiceConfig.bass_q": "amount",
    "ChoiceConfig.reconsider_rate": "chance",
    "AttitudeConfig.influence_rate": "chance",
    "AttitudeConfig.anchoring": "chance",
    "AttitudeConfig.drift_sd": "noise",
    "LiteracyTrainingConfig.every": "spacing",
    "LiteracyTrainingConfig.half_life_weeks": "duration",
    "WorkshopConfig.half_life_weeks": "duration",
    "CaseReviewConfig.half_life_weeks": "duration",
    "OpenForumConfig.half_life_weeks": "duration",
    "ChampionsConfig.hours_per_week": "amount",
    # A chance per act; its acts come every step by default (every = 1), so it is a hazard per step.
    "ExternalPushConfig.hazard": "chance",
}

# Every other number of the schema, by what it is: none of them depends on the length of a step.
_TIMELESS_GROUPS: dict[str, tuple[str, ...]] = {
    "count or seed": (
        "RunConfig.replications",
        "RunConfig.seed",
        "PopulationConfig.n",
        "NetworkConfig.team_size",
        "TargetedConfig.seats",
        "LiteracyTrainingConfig.seats",
        "CaseReviewConfig.seats",
        "OpenForumConfig.seats",
        "ChampionsConfig.seats",
        "TargetedConfig.ids",
        "CaseReviewConfig.departments_per_session",
        "CaseReviewConfig.new_ties_per_session",
        "UncertaintyConfig.worlds",
        "UncertaintyConfig.replications",
        "UncertaintyConfig.seed",
        "SweepConfig.samples",
        "SweepConfig.seed",
        "SweepConfig.max_points",
        "SensitivityConfig.trajectories",
        "SensitivityConfig.levels",
        "SensitivityConfig.samples",
        "SensitivityConfig.seed",
        "SensitivityConfig.max_points",
        "BudgetConfig.max_candidates",
        "BudgetConfig.start_replications",
        "BudgetConfig.finalists",
        "CalibrationConfig.samples",
        "CalibrationConfig.replications",
        "CalibrationConfig.check_replications",
        "CalibrationConfig.seed",
        "CalibrationConfig.population_size",
        "CalibrationConfig.populations",
        "CalibrationConfig.max_simulations",
    ),
    "share, probability per event or per decision": (
        "PopulationConfig.departments",
        "RoleConfig.share",
        "ModeShares.none",
        "ModeShares.verify",
        "ModeShares.primary",
        "NetworkConfig.cross_department_share",
        "NetworkConfig.team_share",
        "NetworkConfig.closure_share",
        "JudgmentConfig.leniency_share",
        "JudgmentConfig.own_use_discount",
        "ExperienceConfig.error_rate",
        "ExperienceConfig.catch_verify",
        "ExperienceConfig.catch_primary",
        "ExperienceConfig.incident_share",
        "ExperienceConfig.literacy_protection",
        "ExperienceConfig.own_error_rate",
        "ExperienceConfig.own_catch_verify",
        "ChoiceConfig.thresholds",
        "ChoiceConfig.cascade_p",
        "AIIncidentConfig.spread",
        "AIIncidentConfig.verifier_protection",
        "VerificationPolicyConfig.switch_share",
        "BudgetConfig.keep",
        "CalibrationConfig.accept_share",
        "CalibrationConfig.epsilon_quantile",
    ),
    "level or change on a scale (attitude 1-7, literacy, trust, concern 0-1, ratings)": (
        "RoleConfig.attitude_shift",
        "RoleConfig.status_concern_shift",
        "PopulationConfig.attitude_mean",
        "PopulationConfig.attitude_sd",
        "PopulationConfig.department_attitude_sd",
        "PopulationConfig.skeptical_below",
        "PopulationConfig.literacy_mean",
        "PopulationConfig.trust_mean",
        "PopulationConfig.status_concern_mean",
        "PopulationConfig.spread",
        "JudgmentConfig.baseline_rating",
        "JudgmentConfig.noise_sd",
        "JudgmentConfig.penalty_verify",
        "JudgmentConfig.penalty_primary",
        "JudgmentConfig.attitude_slope_verify",
        "JudgmentConfig.attitude_slope_primary",
        "JudgmentConfig.reference_attitude",
        "ExperienceConfig.incident_trust_shock",
        "ExperienceConfig.incident_attitude_shock",
        "AttitudeConfig.confidence_bound",
        "AIIncidentConfig.trust_shock",
        "AIIncidentConfig.attitude_shock",
        "VerificationPolicyConfig.verify_penalty_relief",
        "LiteracyTrainingConfig.literacy_gain",
        "LiteracyTrainingConfig.attitude_calibration",
        "LiteracyTrainingConfig.informed_attitude",
        "WorkshopConfig.literacy_gain",
        "WorkshopConfig.attitude_gain",
        "WorkshopConfig.status_concern_change",
        "CaseReviewConfig.verify_penalty_relief",
        "CaseReviewConfig.literacy_gain",
        "CaseReviewConfig.attitude_gain",
        "OpenForumConfig.harshness_change",
        "OpenForumConfig.status_concern_change",
        "OpenForumConfig.belief_correction",
        "OpenForumConfig.literacy_gain",
        "OpenForumConfig.attitude_calibration",
        "OpenForumConfig.informed_attitude",
        "ChampionsConfig.attitude_floor",
        "ChampionsConfig.literacy_gain",
        "ChampionsConfig.colleague_verify_relief",
        "TargetConfig.at_least",
        "TargetConfig.at_most",
    ),
    "utility of a choice, weight or multiplier": (
        "ChoiceConfig.temperature",
        "ChoiceConfig.attitude_weight",
        "ChoiceConfig.trust_weight",
        "ChoiceConfig.verify_effort",
        "ChoiceConfig.literacy_weight_verify",
        "ChoiceConfig.primary_efficiency",
        "ChoiceConfig.literacy_weight_primary",
        "ChoiceConfig.social_weight",
        "ChoiceConfig.social_proof_weight",
        "ChoiceConfig.institutional_push",
        "ChoiceConfig.status_quo_bonus",
        "VerificationPolicyConfig.verify_push",
        "VerificationPolicyConfig.primary_push",
        "LiteracyTrainingConfig.reinforcement",
        "WorkshopConfig.reinforcement",
        "CaseReviewConfig.reinforcement",
        "OpenForumConfig.reinforcement",
        "ChampionsConfig.influence_weight",
        "ChampionsConfig.visibility_factor",
        "NetworkConfig.mean_degree",
        "NetworkConfig.leader_tail",
        "NetworkConfig.min_weight",
    ),
    "hours or money per session, act or clinician-hour (not per step)": (
        "AIIncidentConfig.response_hours",
        "VerificationPolicyConfig.briefing_hours",
        "VerificationPolicyConfig.preparation_hours",
        "LiteracyTrainingConfig.hours_per_trainee",
        "LiteracyTrainingConfig.trainer_hours",
        "WorkshopConfig.session_hours",
        "WorkshopConfig.facilitator_hours",
        "CaseReviewConfig.session_hours",
        "CaseReviewConfig.facilitator_hours",
        "OpenForumConfig.session_hours",
        "OpenForumConfig.facilitator_hours",
        "ChampionsConfig.training_hours",
        "ExternalPushConfig.administration_hours",
        "CostsConfig.hourly_rate",
        "BudgetConfig.hours",
        "BudgetConfig.money",
    ),
    "years of practice (a clinician's attribute, in years whatever the step)": ("RoleConfig.seniority_years",),
    "column of a data file, or its values (the data's own units)": (
        "NetworkConfig.source",
        "NetworkConfig.target",
        "NetworkConfig.layer",
        "NetworkConfig.weight",
        "NetworkConfig.direction",
        "NetworkConfig.directed",
        "NetworkConfig.layers",
        "NodeTableConfig.id",
        "NodeTableConfig.department",
        "NodeTableConfig.role",
        "NodeTableConfig.seniority",
        "NodeTableConfig.attitude",
        "NodeTableConfig.mode",
        "NodeTableConfig.adoption",
        "NodeTableConfig.threshold",
        "NodeTableConfig.values",
    ),
    "values of other keys, written in the scenario's unit (experiment designs, ranges)": (
        "UncertainParameter.plus",
        "UncertainParameter.times",
        "UncertainParameter.within",
        "ParameterConfig.values",
        "ParameterConfig.low",
        "ParameterConfig.high",
        "ParameterConfig.step",
        "ParameterConfig.points",
        "MenuOption.choose",
        "MenuOption.set",
        "CalibrationConfig.free",
        "CalibrationConfig.minimum_epsilon",
    ),
}
TIMELESS: dict[str, str] = {key: what for what, keys in _TIMELESS_GROUPS.items() for key in keys}


def lookup(model: type[BaseModel], field: str, table: dict[str, Any]) -> Any:
    """`table`'s entry for `model.field`, looked up through the class hierarchy (None if none)."""
    for cls in model.__mro__:
        entry = table.get(f"{cls.__name__}.{field}")
        if entry is not None:
            return entry
    return None


def time_kind(model: type[BaseModel], field: str) -> Kind | None:
    """How `model.field` changes with the step's length (None: it does not)."""
    return lookup(model, field, TIME_KEYS)


def _tidy(value: float) -> float:
    """A converted value without binary noise (12 significant digits): 0.6 weeks stays 0.6, not 0.6000000000000001."""
    return float(f"{value:.12g}")


def _number(value: Any, kind: Kind, factor: float) -> Any:
    """One value converted; values that are not numbers are left for the schema to refuse."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value
    if kind == "chance":
        return _tidy(1.0 - (1.0 - value) ** factor) if 0 <= value <= 1 else value
    if kind == "retention":
        return _tidy(value**factor) if 0 <= value <= 1 else value
    if kind == "amount":
        return _tidy(value * factor)
    if kind == "noise":
        return _tidy(value * math.sqrt(factor))
    if kind == "duration":
        return _tidy(value / factor)
    steps = value / factor
    if kind == "time_point":
        return max(1, math.ceil(steps - 1e-9))
    return max(1, round(steps))  # spacing


def convert_value(value: Any, kind: Kind, source: str, target: str) -> Any:
    """`value` of a key of `kind`, written in steps of `source`, in steps of `target` (lists item by item)."""
    factor = WEEKS_PER_STEP[target] / WEEKS_PER_STEP[source]
    if factor == 1.0:
        return value
    if isinstance(value, list):
        converted = [_number(item, kind, factor) for item in value]
        return list(dict.fromkeys(converted)) if kind == "time_point" else converted  # steps once each
    return _number(value, kind, factor)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    while typing.get_origin(annotation) in (typing.Union, typing.Annotated) or type(annotation).__name__ == "UnionType":
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(arguments) != 1:
            return None
        annotation = arguments[0]
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _tables(scenario_model: type[BaseModel], data: dict) -> list[tuple[type[BaseModel], dict]]:
    """The (config class, table) pairs of a raw scenario dict that can hold time keys: its sections
    (`run`, `judgment`, ...) and the items of `interventions` (class by `kind`) and `targets`."""
    from simulation.scenario.interventions import CONFIGS
    from simulation.scenario.planning import TargetConfig

    pairs: list[tuple[type[BaseModel], dict]] = []
    for name, field in scenario_model.model_fields.items():
        model = _model_of(field.annotation)
        if model is not None and isinstance(data.get(name), dict):
            pairs.append((model, data[name]))
    for item in data.get("interventions") or []:
        if isinstance(item, dict) and item.get("kind") in CONFIGS:
            pairs.append((CONFIGS[item["kind"]], item))
    pairs += [(TargetConfig, item) for item in data.get("targets") or [] if isinstance(item, dict)]
    return pairs


def _scenario_model() -> type[BaseModel]:
    from simulation.scenario.schema import Scenario

    return Scenario


def unit_of(data: dict) -> str | None:
    """The `run.time_unit` a raw scenario dict writes (None: it writes none)."""
    run = data.get("run")
    unit = run.get("time_unit") if isinstance(run, dict) else getattr(run, "time_unit", None)
    return unit if isinstance(unit, str) else None


def _table(value: Any) -> Any:
    """A copy of a table as a dict: a config object (built in Python) gives the keys it was given,
    so that its unwritten keys count as defaults like a file's; anything else is left as it is."""
    if isinstance(value, BaseModel):
        return {name: getattr(value, name) for name in value.model_fields_set}
    return dict(value) if isinstance(value, dict) else value


def _convert_tables(data: dict, source: str, target: str, fill: bool) -> dict:
    """`data` with its time keys converted from `source` to `target` steps: the keys it holds, or
    (`fill`) the defaults of the keys it does not hold."""
    scenario_model = _scenario_model()
    data = {key: _table(value) for key, value in data.items()}
    if isinstance(data.get("interventions"), list):
        data["interventions"] = [_table(item) for item in data["interventions"]]
    if isinstance(data.get("targets"), list):  # a target's deadline is always written: objects stay objects
        data["targets"] = [dict(item) if isinstance(item, dict) else item for item in data["targets"]]
    if fill:
        for name, field in scenario_model.model_fields.items():  # sections left out hold only defaults
            if _model_of(field.annotation) is not None and name not in data and field.default is PydanticUndefined:
                data[name] = {}
    for model, table in _tables(scenario_model, data):
        for name, field in model.model_fields.items():
            kind = time_kind(model, name)
            if kind is None:
                continue
            if name in table and not fill:
                table[name] = convert_value(table[name], kind, source, target)
            elif name not in table and fill:
                default = field.get_default(call_default_factory=True)
                if default is not None:
                    table[name] = convert_value(default, kind, source, target)
    return data


def with_defaults_in_unit(data: dict) -> dict:
    """A raw scenario dict whose unwritten time keys hold the weekly defaults converted to its
    `run.time_unit` (unchanged when the unit is a week or not a known unit)."""
    unit = unit_of(data)
    if unit is None or unit == DEFAULTS_UNIT or unit not in WEEKS_PER_STEP:
        return data
    if set(_scenario_model().model_fields) <= set(data):
        # Every table is there: a whole scenario (a dump validated again, or an assignment, which
        # pydantic validates with the tables as they are): its defaults were converted when it was made.
        return data
    return _convert_tables(data, DEFAULTS_UNIT, unit, fill=True)


def rebase(inherited: dict, own: dict) -> dict:
    """The tables a file inherits (`inherited`, merged from the files it extends), in the file's own
    unit: converted when the file (`own`) sets a `run.time_unit` other than theirs."""
    source = unit_of(inherited) or DEFAULTS_UNIT
    target = unit_of(own)
    if target is None or target == source or target not in WEEKS_PER_STEP or source not in WEEKS_PER_STEP:
        return inherited
    converted = with_defaults_in_unit(inherited)  # what they leave out is weekly: make it theirs first
    return _convert_tables(converted, source, target, fill=False)
