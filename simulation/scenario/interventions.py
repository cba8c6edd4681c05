"""Every intervention kind's keys: the schedule, seats and targeting, fading, and one config per kind.

Pure data (pydantic only): the behaviour lives in `simulation.interventions`, one module per kind,
named by each config's `behaviour` ClassVar ("module:Class") so that this layer never imports it.
Each config also carries its plain `label` (the browser view's controls) and its `acting_rank`:
every step, interventions act in this order of kinds (file order within a kind), so a combination
gives the same result whatever the order of its tables in the file:

0. external_push - pressure from outside the hospital (incentives, mandates) comes first;
1. ai_incident - events happen next, then the institution and its programmes respond;
2. verification_policy - the framing sets the rules the week runs under;
3. literacy_training, 4. workshop, 5. case_review, 6. open_forum - courses and meetings;
7. champions - recruited last, so they join after the week's sessions.

To add a kind: one config class here, added to `InterventionConfig`, and one behaviour module.
Each config checks itself against the population and the run (`check_against`, `check_names`),
called by the `Scenario` validator.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from simulation.scenario.base import Section
from simulation.scenario.parameters import PopulationConfig

TargetingRule = Literal["random", "skeptics", "opinion_leaders", "bridges", "nominated", "department", "role", "ids"]


def unknown_name(key: str, value: str, what: str, known_names: Iterable[str]) -> str:
    """The message for a department or role the population does not have, with a close match if any."""
    known = sorted(known_names)
    hint = difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    return (
        f"{key} '{value}' is not a {what} of the population"
        + (f" (did you mean '{hint[0]}'?)" if hint else "")
        + f"; known: {', '.join(known)}"
    )


def check_department(key: str, department: str | None, population: PopulationConfig) -> None:
    """ValueError if `department` is set and is not one of the population's departments."""
    if department is not None and department not in population.departments:
        raise ValueError(unknown_name(f"{key}.department", department, "department", population.departments))


class ScheduleConfig(Section):
    """Schedule keys shared by every intervention kind (steps are weeks, the first step is 1).

    With `at` the intervention acts exactly at those steps. Otherwise it acts at `start`, then every
    `every` steps up to and including `until` (no `every`: once, at `start`).
    """

    # Set by every kind's config: its behaviour class ("module:Class"), its label in the browser view
    # and its place in the acting order.
    behaviour: ClassVar[str]
    label: ClassVar[str]
    acting_rank: ClassVar[int]

    start: int = Field(1, ge=1, description="First step at which the intervention acts.")
    every: int | None = Field(None, ge=1, description="Steps between sessions; leave out for a single session.")
    until: int | None = Field(None, ge=1, description="Last step at which a session may happen (inclusive).")
    at: list[int] | None = Field(None, description="Explicit list of steps; replaces start/every/until.")

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleConfig:
        if self.at is not None and any(step < 1 for step in self.at):
            raise ValueError("at must list steps >= 1")
        if self.until is not None and self.until < self.start:
            raise ValueError(f"until ({self.until}) must not be before start ({self.start})")
        return self

    def acts_at(self, step: int) -> bool:
        """True if a session takes place at `step`."""
        if self.at is not None:
            return step in self.at
        if step < self.start or (self.until is not None and step > self.until):
            return False
        if self.every is None:
            return step == self.start
        return (step - self.start) % self.every == 0

    def check_against(self, key: str, population: PopulationConfig, horizon: int, *, n_known: bool = True) -> None:
        """ValueError if the table cannot act within the run: every step it lists is after `horizon`.

        `key` is where the table is (`interventions[0]`); kinds with more keys extend this check.
        """
        if self.at:
            if min(self.at) > horizon:
                raise ValueError(
                    f"{key}.at: every step listed is after the last week simulated "
                    f"(run.steps = {horizon}), so it never acts; allowed: steps 1 to {horizon}"
                )
        elif self.start > horizon:
            raise ValueError(
                f"{key}.start = {self.start} is after the last week simulated "
                f"(run.steps = {horizon}), so it never acts; allowed: 1 to {horizon}"
            )

    def check_names(self, key: str, population: PopulationConfig) -> None:
        """ValueError if the table names a department, role or clinician the population lacks (default: none named)."""


class TargetedConfig(ScheduleConfig):
    """Seats and targeting keys (see docs/SCENARIOS.md)."""

    seats: int = Field(20, ge=1, le=10_000_000, description="Clinicians per session.")
    targeting: TargetingRule = Field(
        "random", description="random, skeptics, opinion_leaders, bridges, nominated, department, role or ids."
    )
    department: str | None = Field(None, description="The department, when targeting = 'department'.")
    role: str | None = Field(None, description="The role, when targeting = 'role' (e.g. 'resident').")
    ids: list[int] | None = Field(None, description="Clinician ids (0..n-1), when targeting = 'ids'.")
    repeat_attendance: bool = Field(True, description="May a clinician attend again? false = new attendees only.")

    @model_validator(mode="after")
    def _targeting_keys(self) -> TargetedConfig:
        needs = {"department": self.department, "role": self.role, "ids": self.ids}
        if self.targeting in needs and not needs[self.targeting]:
            what = {"department": "naming the department", "role": "naming the role", "ids": "listing clinician ids"}
            raise ValueError(f"targeting = '{self.targeting}' needs a `{self.targeting}` key {what[self.targeting]}")
        if self.ids is not None and any(i < 0 for i in self.ids):
            raise ValueError("ids must be clinician indices >= 0")
        return self

    def check_against(self, key: str, population: PopulationConfig, horizon: int, *, n_known: bool = True) -> None:
        """Also: no more seats than clinicians, when the seats are written and n is known before reading files.

        Seats written above the hospital's size cannot be filled: a mistake, unless they are meant to
        cover a whole role or department ("with enough seats, the whole role"; the default of
        literacy_training, 10,000,000, means everyone and is not written in the file).
        """
        written = "seats" in self.model_fields_set
        whole_group = self.targeting in ("role", "department")
        if written and not whole_group and self.seats > population.n and n_known:
            raise ValueError(
                f"{key}.seats = {self.seats} is more than the {population.n} clinicians "
                f"(population.n); allowed: 1 to {population.n} (leave seats out to seat everyone targeted)"
            )
        super().check_against(key, population, horizon, n_known=n_known)

    def check_names(self, key: str, population: PopulationConfig) -> None:
        check_department(key, self.department, population)
        if self.role is not None and self.targeting == "role" and self.role not in population.roles:
            raise ValueError(unknown_name(f"{key}.role", self.role, "role", population.roles))
        if self.ids and max(self.ids) >= population.n:
            raise ValueError(
                f"{key}.ids lists clinician {max(self.ids)}, but ids run from 0 to {population.n - 1} (population.n = {population.n})"
            )


class FadingConfig(TargetedConfig):
    """A targeted programme whose effects fade (`interventions.fading`): every kind declares
    `half_life_weeks` (weeks until half of the effect has faded) and `reinforcement` (half-life
    multiplier per further session, at most twice), each with its own default and description.

    They are declared by each kind rather than here so that every kind keeps its keys in the order
    its table documents them; a kind that leaves one out is an error when its class is defined.
    """

    if TYPE_CHECKING:
        half_life_weeks: float
        reinforcement: float

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        missing = [name for name in ("half_life_weeks", "reinforcement") if name not in cls.model_fields]
        if missing:
            raise TypeError(f"{cls.__name__} fades but does not declare {', '.join(missing)}")


class AIIncidentConfig(ScheduleConfig):
    """A `[[interventions]]` table with `kind = "ai_incident"`."""

    behaviour: ClassVar[str] = "simulation.interventions.ai_incident:AIIncident"
    label: ClassVar[str] = "Publicised AI error (shock)"
    acting_rank: ClassVar[int] = 1

    kind: Literal["ai_incident"]
    name: str = Field("Publicised AI error", description="Label used in the report.")
    department: str | None = Field(None, description="Where it happened; leave out for a hospital-wide incident.")
    trust_shock: float = Field(0.15, ge=0, le=1, description="Trust lost in scope at literacy 0 (0-1). Assumption.")
    attitude_shock: float = Field(
        1.0, ge=0, le=6, description="Attitude points lost in scope at literacy 0. Assumption."
    )
    spread: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the shock felt by an outside colleague whose colleagues are all in scope. Assumption.",
    )
    verifier_protection: float = Field(
        0.5, ge=0, le=1, description="Share of the shock a verifier is spared (they check AI output). Assumption."
    )
    response_hours: float = Field(0.0, ge=0, le=100_000, description="Hours spent responding to the incident.")

    def check_names(self, key: str, population: PopulationConfig) -> None:
        check_department(key, self.department, population)


class VerificationPolicyConfig(ScheduleConfig):
    """A `[[interventions]]` table with `kind = "verification_policy"`."""

    behaviour: ClassVar[str] = "simulation.interventions.verification_policy:VerificationPolicy"
    label: ClassVar[str] = "Verification-first policy"
    acting_rank: ClassVar[int] = 2

    kind: Literal["verification_policy"]
    name: str = Field("Verification-first policy", description="Label used in the report.")
    department: str | None = Field(None, description="Scope: one department; leave out for the whole hospital.")
    verify_push: float = Field(0.5, ge=-5, le=5, description="Utility added to verification in scope. Assumption.")
    primary_push: float = Field(
        -0.5, ge=-5, le=5, description="Utility added to primary use in scope (negative discourages). Assumption."
    )
    verify_penalty_relief: float = Field(
        0.25, ge=-1, le=1, description="Drop of every in-scope rater's verification penalty multiplier. Assumption."
    )
    switch_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of primary users in scope who switch to verification at each act. Assumption.",
    )
    briefing_hours: float = Field(
        0.5, ge=0, le=1000, description="Clinician-hours per clinician in scope per act (reading, briefing)."
    )
    preparation_hours: float = Field(
        20.0, ge=0, le=100_000, description="Hours to write and communicate the policy, per act."
    )

    def check_names(self, key: str, population: PopulationConfig) -> None:
        check_department(key, self.department, population)


class LiteracyTrainingConfig(FadingConfig):
    """A `[[interventions]]` table with `kind = "literacy_training"`."""

    behaviour: ClassVar[str] = "simulation.interventions.literacy_training:LiteracyTraining"
    label: ClassVar[str] = "AI literacy training"
    acting_rank: ClassVar[int] = 3

    kind: Literal["literacy_training"]
    name: str = Field("AI literacy training", description="Label used in the report.")
    every: int | None = Field(52, ge=1, description="Weeks between courses (52 = a yearly cohort).")
    seats: int = Field(10_000_000, ge=1, le=10_000_000, description="Trainees per course (default: everyone targeted).")
    targeting: TargetingRule = Field("role", description="Who is trained; default: one role (see `role`).")
    role: str | None = Field("resident", description="The role trained when targeting = 'role'.")
    literacy_gain: float = Field(
        0.25, ge=-1, le=1, description="Literacy added (0-1 scale). Assumption, see module docs."
    )
    attitude_calibration: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of the distance to informed_attitude a trainee's attitude moves. Assumption.",
    )
    informed_attitude: float = Field(
        4.5, ge=1, le=7, description="Attitude of a clinician who knows what tools can and cannot do (1-7). Assumption."
    )
    half_life_weeks: float = Field(
        104.0, gt=0, le=10_000, description="Weeks until half of the gain has faded. Assumption."
    )
    reinforcement: float = Field(1.5, ge=1, le=100, description="Half-life multiplier per refresher (at most twice).")
    hours_per_trainee: float = Field(4.0, ge=0, le=1000, description="Clinician-hours per trainee per course.")
    trainer_hours: float = Field(8.0, ge=0, le=10_000, description="Trainers' hours per course, preparation included.")


class WorkshopConfig(FadingConfig):
    """A `[[interventions]]` table with `kind = "workshop"`."""

    behaviour: ClassVar[str] = "simulation.interventions.workshop:Workshop"
    label: ClassVar[str] = "Peer-led workshops"
    acting_rank: ClassVar[int] = 4

    kind: Literal["workshop"]
    name: str = Field("Peer-led workshops", description="Label used in the report.")
    literacy_gain: float = Field(0.15, ge=-1, le=1, description="Literacy added per session (0-1 scale).")
    attitude_gain: float = Field(0.6, ge=-6, le=6, description="Attitude points added per session (1-7 scale).")
    status_concern_change: float = Field(
        -0.15, ge=-1, le=1, description="Change in status concern per session (0-1 scale; negative = less worried)."
    )
    half_life_weeks: float = Field(
        12.0, gt=0, le=10_000, description="Weeks until half of a session's effect has faded. Assumption."
    )
    reinforcement: float = Field(
        2.0,
        ge=1,
        le=100,
        description="Each further session attended multiplies the half-life by this (at most twice). Assumption: spaced repetition.",
    )
    session_hours: float = Field(2.0, ge=0, le=1000, description="Clinician-hours per attendee per session.")
    facilitator_hours: float = Field(
        4.0, ge=0, le=10_000, description="Peer facilitators' hours per session, preparation included."
    )


class CaseReviewConfig(FadingConfig):
    """A `[[interventions]]` table with `kind = "case_review"`."""

    behaviour: ClassVar[str] = "simulation.interventions.case_review:CaseReview"
    label: ClassVar[str] = "Interdisciplinary case reviews"
    acting_rank: ClassVar[int] = 5

    kind: Literal["case_review"]
    name: str = Field("Interdisciplinary case reviews", description="Label used in the report.")
    seats: int = Field(16, ge=1, le=10_000_000, description="Attendees per review.")
    departments_per_session: int = Field(
        3,
        ge=0,
        le=10_000,
        description="Departments brought together per review, drawn at random (0 = all departments).",
    )
    verify_penalty_relief: float = Field(
        0.3,
        ge=-1,
        le=1,
        description="Drop of attendees' verification penalty multiplier (share of the penalty). Assumption.",
    )
    literacy_gain: float = Field(0.05, ge=-1, le=1, description="Literacy added per review (0-1). Assumption.")
    attitude_gain: float = Field(
        0.2, ge=-6, le=6, description="Attitude points added per review (1-7). Assumption (a third of a workshop's)."
    )
    new_ties_per_session: int = Field(
        2, ge=0, le=10_000, description="New cross-department ties made among attendees per review. Assumption."
    )
    half_life_weeks: float = Field(
        26.0, gt=0, le=10_000, description="Weeks until half of the effect has faded. Assumption."
    )
    reinforcement: float = Field(
        2.0, ge=1, le=100, description="Half-life multiplier per further review (at most twice)."
    )
    session_hours: float = Field(1.0, ge=0, le=1000, description="Clinician-hours per attendee per review.")
    facilitator_hours: float = Field(2.0, ge=0, le=10_000, description="Organisers' hours per review.")


class OpenForumConfig(FadingConfig):
    """A `[[interventions]]` table with `kind = "open_forum"`."""

    behaviour: ClassVar[str] = "simulation.interventions.open_forum:OpenForum"
    label: ClassVar[str] = "Open forums"
    acting_rank: ClassVar[int] = 6

    kind: Literal["open_forum"]
    name: str = Field("Open forums on clinical AI", description="Label used in the report.")
    seats: int = Field(30, ge=1, le=10_000_000, description="Attendees per forum.")
    harshness_change: float = Field(
        -0.2, ge=-1, le=1, description="Change of attendees' penalty multiplier (1 = the study's raters). Assumption."
    )
    status_concern_change: float = Field(
        -0.1, ge=-1, le=1, description="Change in attendees' status concern (0-1). Assumption."
    )
    belief_correction: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of the gap between an attendee's trust and the tools' accuracy that closes. Assumption.",
    )
    literacy_gain: float = Field(0.05, ge=-1, le=1, description="Literacy added (0-1). Assumption.")
    attitude_calibration: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of the distance to informed_attitude an attendee's attitude moves. Assumption (half of literacy training's).",
    )
    informed_attitude: float = Field(
        4.5, ge=1, le=7, description="Attitude of a well-informed clinician (1-7). Assumption, as in literacy_training."
    )
    half_life_weeks: float = Field(
        16.0, gt=0, le=10_000, description="Weeks until half of the effect has faded. Assumption."
    )
    reinforcement: float = Field(
        2.0, ge=1, le=100, description="Half-life multiplier per further forum (at most twice)."
    )
    session_hours: float = Field(1.5, ge=0, le=1000, description="Clinician-hours per attendee per forum.")
    facilitator_hours: float = Field(3.0, ge=0, le=10_000, description="Facilitators' hours per forum.")


class ChampionsConfig(TargetedConfig):
    """A `[[interventions]]` table with `kind = "champions"`."""

    behaviour: ClassVar[str] = "simulation.interventions.champions:Champions"
    label: ClassVar[str] = "AI champions"
    acting_rank: ClassVar[int] = 7

    kind: Literal["champions"]
    name: str = Field("AI champions", description="Label used in the report.")
    seats: int = Field(10, ge=1, le=10_000_000, description="Champions recruited per act.")
    targeting: TargetingRule = Field(
        "opinion_leaders", description="Who is recruited; default the most consulted clinicians."
    )
    repeat_attendance: bool = Field(False, description="Ignored: a clinician is recruited once.")
    attitude_floor: float = Field(
        5.5, ge=1, le=7, description="Champions' attitude is raised to at least this (1-7). Assumption."
    )
    literacy_gain: float = Field(
        0.3, ge=0, le=1, description="Literacy added by champions' training (0-1). Assumption."
    )
    influence_weight: float = Field(
        3.0,
        ge=0,
        le=100,
        description="Weight of a champion's attitude in colleagues' averaging (others: 1). Assumption.",
    )
    visibility_factor: float = Field(
        2.0,
        ge=0,
        le=100,
        description="How many times as likely colleagues are to see a champion's way of deciding. Assumption.",
    )
    colleague_verify_relief: float = Field(
        0.15,
        ge=-1,
        le=1,
        description="Drop of each champion's colleague's verification penalty multiplier. Assumption.",
    )
    training_hours: float = Field(4.0, ge=0, le=1000, description="Hours of training per recruit.")
    hours_per_week: float = Field(
        1.0, ge=0, le=168, description="Hours per week each active champion spends on the role."
    )


class ExternalPushConfig(ScheduleConfig):
    """A `[[interventions]]` table with `kind = "external_push"`."""

    behaviour: ClassVar[str] = "simulation.interventions.external_push:ExternalPush"
    label: ClassVar[str] = "External push (incentives, mandates)"
    acting_rank: ClassVar[int] = 0

    kind: Literal["external_push"]
    name: str = Field("External push", description="Label used in the report.")
    every: int | None = Field(1, ge=1, description="Steps between acts (1 = every week from start to until).")
    department: str | None = Field(None, description="Scope: one department; leave out for the whole hospital.")
    hazard: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Probability per act that a non-user in scope starts, whatever colleagues do (an added Bass p). Assumption.",
    )
    adopt_mode: Literal["verify", "primary"] = Field("verify", description="Mode in which those pushed start.")
    administration_hours: float = Field(
        0.0, ge=0, le=100_000, description="Hours of paperwork per act (nobody's clinical time)."
    )

    @field_validator("start", mode="before")
    @classmethod
    def _whole_week(cls, value: Any) -> Any:
        """A start week given as a whole number written as a float, or drawn by `simulate calibrate`
        from continuous bounds, is rounded to the nearest week (e.g. 156.4 -> 156)."""
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            return round(value)
        return value

    def check_names(self, key: str, population: PopulationConfig) -> None:
        check_department(key, self.department, population)


# The type of one `[[interventions]]` table, told apart by its `kind`: the one list of kinds.
InterventionConfig = Annotated[
    AIIncidentConfig
    | VerificationPolicyConfig
    | LiteracyTrainingConfig
    | WorkshopConfig
    | CaseReviewConfig
    | OpenForumConfig
    | ChampionsConfig
    | ExternalPushConfig,
    Field(discriminator="kind"),
]


def _kind_of(config: type[ScheduleConfig]) -> str:
    (kind,) = typing.get_args(config.model_fields["kind"].annotation)
    return kind


# kind -> config class, in the union's order; and the kinds in acting order (by `acting_rank`).
CONFIGS: dict[str, type[ScheduleConfig]] = {
    _kind_of(config): config for config in typing.get_args(typing.get_args(InterventionConfig)[0])
}
ACTING_ORDER: tuple[str, ...] = tuple(sorted(CONFIGS, key=lambda kind: CONFIGS[kind].acting_rank))
