"""The scenario schema: every key a scenario file may hold, its type, range, default and source.

A scenario is data, never code. Each section below is one TOML table; ``docs/SCENARIOS.md`` lists the
same keys for planners, and ``simulate schema`` prints the JSON Schema for editors. Units: one step is
one week; attitudes and peer ratings are on the 1-7 scale of the vignette study (Yang et al., npj
Digital Medicine 2025); literacy, trust and status concern are on 0-1.

Where a default is an assumption rather than a published number, its description says so.
"""

from __future__ import annotations

import difflib

from typing import Literal

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from simulation.scenario.experiments import SensitivityConfig, SweepConfig
from simulation.interventions.registry import InterventionConfig
from simulation.metrics import STATE_METRICS


class Section(BaseModel):
    """Base of every table: unknown keys are errors, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunConfig(Section):
    """How long, how many replications, and the root seed."""

    steps: int = Field(104, ge=1, le=100_000, description="Number of weekly steps (104 = two years).")
    replications: int = Field(
        20, ge=1, le=1_000_000, description="Independent replications, each with its own network and draws."
    )
    seed: int = Field(
        20250801,
        ge=0,
        description="Root seed; every replication's seed is spawned from it with numpy's SeedSequence.",
    )
    milestones: list[int] = Field(
        default_factory=lambda: [13, 26, 52, 78, 104],
        description="Steps reported in summary.json and the report besides the final step (those beyond `steps` are dropped).",
    )


class RoleConfig(Section):
    """One clinical role: its share of the workforce and what differs by role."""

    share: float = Field(gt=0, le=1, description="Share of the population in this role (shares are normalised).")
    seniority_years: tuple[float, float] = Field(
        (1.0, 25.0), description="Years in practice drawn uniformly from [low, high]."
    )
    attitude_shift: float = Field(
        0.0, ge=-3, le=3, description="Added to the initial attitude of this role (1-7 points)."
    )
    status_concern_shift: float = Field(
        0.0, ge=-1, le=1, description="Added to the initial status concern of this role (0-1)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> RoleConfig:
        low, high = self.seniority_years
        if not 0 <= low <= high <= 60:
            raise ValueError("seniority_years must be [low, high] with 0 <= low <= high <= 60")
        return self


def _default_departments() -> dict[str, float]:
    # Assumption: a typical acute hospital's mix of clinical departments (not data).
    return {
        "Emergency medicine": 0.10,
        "Internal medicine": 0.18,
        "Surgery": 0.14,
        "Intensive care": 0.08,
        "Pediatrics": 0.09,
        "Obstetrics": 0.07,
        "Radiology": 0.06,
        "Cardiology": 0.07,
        "Oncology": 0.07,
        "Psychiatry": 0.06,
        "Neurology": 0.05,
        "Anesthesiology": 0.03,
    }


def _default_roles() -> dict[str, RoleConfig]:
    # Assumption: roles among clinicians who make diagnostic or treatment decisions in a teaching
    # hospital; residents are more concerned with how seniors judge them.
    return {
        "attending": RoleConfig(share=0.40, seniority_years=(3.0, 35.0)),
        "resident": RoleConfig(share=0.25, seniority_years=(0.0, 5.0), status_concern_shift=0.10),
        "app": RoleConfig(share=0.15, seniority_years=(1.0, 25.0)),
        "nurse": RoleConfig(share=0.20, seniority_years=(1.0, 35.0)),
    }


class ModeShares(Section):
    """Initial shares of each mode of AI use for clinical decisions."""

    none: float = Field(0.78, ge=0, le=1, description="Share using no AI for clinical decisions.")
    verify: float = Field(
        0.16,
        ge=0,
        le=1,
        description="Share using AI to check their own decision. Elsevier Clinician of the Future 2025: 16 % use AI for clinical decisions.",
    )
    primary: float = Field(
        0.06,
        ge=0,
        le=1,
        description="Share using AI as the primary decision aid. UK GPs 2025: about 5-7 % ask GenAI for a differential diagnosis (split is an assumption).",
    )

    @model_validator(mode="after")
    def _sum_to_one(self) -> ModeShares:
        total = self.none + self.verify + self.primary
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"none + verify + primary must add up to 1 (they add up to {total:g})")
        return self


class PopulationConfig(Section):
    """Who the clinicians are and what they believe at the start."""

    n: int = Field(500, ge=10, le=5_000_000, description="Number of clinicians.")
    departments: dict[str, float] = Field(
        default_factory=_default_departments,
        description="Department name -> share of clinicians (normalised). Assumption: a typical acute hospital.",
    )
    roles: dict[str, RoleConfig] = Field(default_factory=_default_roles, description="Role name -> role table.")
    attitude_mean: float = Field(
        4.30,
        ge=1,
        le=7,
        description="Mean initial attitude toward clinical AI (1-7). Yang et al. 2025: clinicians rated GenAI's value for accuracy 4.30/7.",
    )
    attitude_sd: float = Field(
        1.30,
        ge=0,
        le=4,
        description="SD of initial attitude. Assumption chosen so that about a quarter start skeptical (26 % on average at the defaults), close to Medscape 2023 (28 % apprehensive) and AMA 2024 (25 % more concerned than excited).",
    )
    department_attitude_sd: float = Field(
        0.5,
        ge=0,
        le=3,
        description="SD of a department's shared leaning added to its members' initial attitudes (local culture). Assumption.",
    )
    skeptical_below: float = Field(
        3.5, ge=1, le=7, description="A clinician whose attitude is below this is counted as skeptical."
    )
    initial_modes: ModeShares = Field(default_factory=ModeShares)
    literacy_mean: float = Field(
        0.35,
        gt=0,
        lt=1,
        description="Mean AI literacy (0-1). Assumption: low, since 95 % of UK GPs had no AI training (Blease et al. 2025).",
    )
    trust_mean: float = Field(
        0.55,
        gt=0,
        lt=1,
        description="Mean trust in AI output (0-1): 4.30 on the 1-7 accuracy item rescaled, (4.30-1)/6 = 0.55.",
    )
    status_concern_mean: float = Field(
        0.50,
        gt=0,
        lt=1,
        description="Mean weight a clinician gives to peer judgment (0-1). Assumption; Reif et al. 2025 show users anticipate the penalty.",
    )
    spread: float = Field(
        8.0,
        gt=0,
        le=1000,
        description="Concentration of the Beta distributions of literacy, trust and status concern (larger = less spread). Assumption.",
    )

    @model_validator(mode="after")
    def _non_empty(self) -> PopulationConfig:
        if not self.departments:
            raise ValueError("departments must name at least one department")
        if any(share <= 0 for share in self.departments.values()):
            raise ValueError("every department share must be > 0")
        if not self.roles:
            raise ValueError("roles must name at least one role")
        return self


Column = str | int  # a column of a data file: its header name, or its number counting from 1


class NodeTableConfig(Section):
    """`[network.nodes]`: the node table of a file network (one row per clinician) and what its columns mean."""

    file: str | None = Field(
        None,
        description="Node table (CSV, TSV or whitespace-separated text), relative to the scenario file that sets it. Without it, a GraphML or GEXF file's node attributes are the columns (column 1 = the node id).",
    )
    delimiter: str = Field("auto", description="'auto' (',' for .csv, tab for .tsv/.tab, else whitespace), 'whitespace', or the separator character.")
    header: bool | Literal["auto"] = Field(
        "auto", description="Whether the first line names the columns; 'auto' = yes when a column is named, when the first line's id is a usual column name (id, node, name, ...), or when it is a word and the next line's a number."
    )
    id: Column = Field(1, description="Column of the node ids (any text or integer; the edge file's ids must match).")
    department: Column | None = Field(None, description="Column of each clinician's department (sets population.departments); unmapped: drawn from population.departments.")
    role: Column | None = Field(None, description="Column of each clinician's role (sets population.roles; a role named in [population.roles] keeps its settings); unmapped: drawn.")
    seniority: Column | None = Field(None, description="Column of years in practice (0-100); unmapped or missing cells: drawn from the role's seniority_years.")
    attitude: Column | None = Field(None, description="Column of the initial attitude toward AI (1-7); unmapped or missing cells: drawn.")
    mode: Column | None = Field(None, description="Column of the initial mode: none, verify, primary (or 0, 1, 2); unmapped or missing cells: drawn.")
    adoption: Column | None = Field(
        None,
        description="Column of the observed adoption time (any unit, e.g. months); a value mapped to 'never' = did not adopt in the observed window, 'missing' = unknown. Kept as ClinicianModel.observed_adoption.",
    )
    values: dict[str, dict[str, str | int | float]] = Field(
        default_factory=dict,
        description="Per attribute (department, role, seniority, attitude, mode, adoption), a map from codes in the file to values, e.g. adoption = {18 = 'never', 98 = 'missing'}; 'missing' means unknown. Unmapped codes are used as they are.",
    )
    missing: list[str] = Field(
        default_factory=lambda: ["", "NA", "N/A", "NaN", "."], description="Cell texts that mean unknown (before the value maps)."
    )

    @model_validator(mode="after")
    def _known_attributes(self) -> NodeTableConfig:
        allowed = ("department", "role", "seniority", "attitude", "mode", "adoption")
        unknown = [name for name in self.values if name not in allowed]
        if unknown:
            raise ValueError(f"values.{unknown[0]}: not an attribute; allowed: {', '.join(allowed)}")
        return self


class NetworkConfig(Section):
    """The professional network: teams inside departments, some ties across, a few opinion leaders."""

    generator: Literal["hospital", "complete", "random", "file"] = Field(
        "hospital",
        description="Network generator: 'hospital' (teams, departments, opinion leaders); 'complete' (everyone tied to everyone, for the Bass check) or 'random' (Erdos-Renyi with mean_degree), for theory checks (docs/VALIDATION.md); 'file' (ties and clinicians from data files: `edges`, [network.nodes]).",
    )
    mean_degree: float = Field(
        8.0, gt=0, le=500, description="Mean number of colleagues per clinician. Clinician networks: 6-10 (research/domain.md section 5)."
    )
    cross_department_share: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Share of the directly drawn ties that cross departments; triadic closure adds a few more, so about 16-19 % of all ties cross. Landon et al. 2012: 96 % of connected physicians share a hospital; Keating et al. 2007: same-clinic pairs 5x as likely to talk. Assumption within that range.",
    )
    team_size: int = Field(
        10, ge=2, le=1000, description="Clinicians per team (a ward or service) inside a department. Assumption."
    )
    team_share: float = Field(
        0.45,
        ge=0,
        le=1,
        description="Share of the within-department ties that fall inside one's own team. Tuned so clustering is 0.2-0.35 as in CKM.",
    )
    closure_share: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Share of ties that close a triangle (a colleague of a colleague). Tuned so average clustering is about 0.3 at 500 clinicians (CKM union of layers: 0.31; clinician networks 0.2-0.35).",
    )
    leader_tail: float = Field(
        3.0,
        gt=1,
        le=50,
        description="Pareto shape of clinicians' prominence; smaller = a few more dominant opinion leaders. Tuned so the maximum advice in-degree is about 5-9x the mean at 500 clinicians (CKM advice layer: 20 vs a mean of 2).",
    )
    # generator = "file": the network (and optionally the clinicians) from data files (simulation/network/files.py).
    edges: str | None = Field(
        None,
        description="generator = 'file': the tie file, relative to the scenario file that sets it: an edge list (CSV, TSV or whitespace-separated), GraphML or GEXF.",
    )
    format: Literal["auto", "edgelist", "graphml", "gexf"] = Field(
        "auto", description="Format of `edges`; 'auto' from the extension (.graphml, .xml, .gexf; anything else is an edge list)."
    )
    delimiter: str = Field("auto", description="Edge list separator: 'auto' (',' for .csv, tab for .tsv/.tab, else whitespace), 'whitespace', or the character.")
    header: bool | Literal["auto"] = Field(
        "auto", description="Whether the edge list's first line names the columns; 'auto' = yes when a column is named, when the first line's ids are usual column names (source/target, from/to, i/j, ...), or when they are words and the next line's numbers."
    )
    comment: str = Field("#", description="Lines starting with this are skipped in edge lists and node tables ('' = none).")
    source: Column = Field(1, description="Edge list column of the first clinician of a tie (who names the colleague, in a directed tie).")
    target: Column = Field(2, description="Edge list column of the second clinician (the named colleague).")
    layer: Column | None = Field(None, description="Column of the tie's layer (e.g. advice, discussion, friendship); none = one layer '1'. In GraphML/GEXF, the edge attribute's name.")
    weight: Column | None = Field(None, description="Column of the tie's weight, read for min_weight (the model's ties are unweighted).")
    min_weight: float | None = Field(None, description="Drop ties whose weight is below this (needs `weight`).")
    direction: Column | None = Field(
        None, description="Column saying per row whether the tie is directed (1, true, yes, directed, ->) or not (0, false, no, undirected, --); overrides `directed`."
    )
    directed: bool | list[str | int] | None = Field(
        None,
        description="Whether ties are directed (true/false), or the list of directed layers; none = GraphML/GEXF as the file says, edge lists undirected.",
    )
    advisor: Literal["target", "source"] = Field(
        "target", description="In a directed tie, whose advice is sought: 'target' (the named colleague, as in 'whom do you ask for advice') or 'source'."
    )
    layers: list[str | int] | None = Field(None, description="Layers to keep (merged into one network); none = all.")
    layer_names: dict[str, str] = Field(default_factory=dict, description="Layer -> name shown in the statistics, e.g. {1 = 'advice'}.")
    drop_unknown_nodes: bool = Field(
        False, description="Drop ties to ids missing from the node table instead of stopping with an error."
    )
    nodes: NodeTableConfig | None = Field(None, description="The node table: [network.nodes].")

    @model_validator(mode="after")
    def _file_keys(self) -> NetworkConfig:
        if self.generator == "file" and self.edges is None:
            raise ValueError("generator = \"file\" needs `edges`, the tie file (edge list, GraphML or GEXF)")
        if self.min_weight is not None and self.weight is None:
            raise ValueError("min_weight needs `weight`, the column of tie weights")
        return self


class JudgmentConfig(Section):
    """Peer judgment: how a rater scores a colleague's clinical skill (1-7) from the colleague's mode of AI use.

    rating = baseline_rating + leniency + noise - penalty(mode) * (1 - own_use_discount * rater_uses_ai)
             + attitude_slope(mode) * (rater_attitude - reference_attitude), clipped to 1..7.
    Defaults are fitted so that the virtual vignette survey (`simulate vignette`) reproduces Yang et al.
    2025: 5.93 (SD 1.24) / 4.99 (SD 1.67) / 3.79 (SD 1.62) for none / verify / primary.
    """

    baseline_rating: float = Field(6.29, ge=1, le=9, description="Latent mean rating of a non-user, before clipping to 7. Fitted.")
    noise_sd: float = Field(1.71, ge=0, le=5, description="SD of rater leniency plus rating noise. Fitted.")
    leniency_share: float = Field(
        0.5, ge=0, le=1, description="Share of the rating variance that is a rater's persistent leniency. Assumption."
    )
    penalty_verify: float = Field(1.47, ge=-3, le=6, description="Penalty for verification use by a neutral non-user rater. Fitted.")
    penalty_primary: float = Field(2.79, ge=-3, le=6, description="Penalty for primary use by a neutral non-user rater. Fitted.")
    attitude_slope_verify: float = Field(
        0.71, ge=0, le=3, description="Points of verification penalty removed per attitude point of the rater above reference_attitude. Fitted."
    )
    attitude_slope_primary: float = Field(
        0.0, ge=0, le=3, description="The same for primary use. Fitted (the fit gives 0: primary use is judged alike whatever the rater thinks of AI)."
    )
    reference_attitude: float = Field(4.0, ge=1, le=7, description="Attitude at which the full penalty applies (scale midpoint).")
    own_use_discount: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the penalty a rater drops when using AI themselves. Reif et al. 2025: the penalty shrinks or vanishes for AI-using raters; 0.5 is an assumption.",
    )
    visibility: float = Field(
        0.5, ge=0, le=1, description="Probability per week that a colleague sees (and rates) a clinician's way of deciding. Assumption."
    )
    reputation_memory: float = Field(
        0.8,
        ge=0,
        lt=1,
        description="Weight of last week's reputation in this week's (exponential smoothing; 0.8 = half-life about 3 weeks). Assumption.",
    )


class ExperienceConfig(Section):
    """What AI use does to users and to those who see its errors."""

    cases_per_week: float = Field(10.0, ge=0, le=1000, description="AI-assisted decisions per user per week. Assumption.")
    error_rate: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Share of AI suggestions that are wrong. Assumption; Elsevier 2024: 85 % of clinicians think AI could cause critical errors.",
    )
    catch_verify: tuple[float, float] = Field(
        (0.5, 0.95), description="Probability a verifier catches an AI error at literacy 0 and at literacy 1 (linear between). Assumption."
    )
    catch_primary: tuple[float, float] = Field(
        (0.1, 0.5), description="The same for primary users, lower through automation bias. Assumption."
    )
    incident_share: float = Field(
        0.02, ge=0, le=1, description="Share of errors passed on that become incidents colleagues hear about. Assumption."
    )
    incident_trust_shock: float = Field(
        0.03, ge=0, le=1, description="Trust lost by each colleague who hears of an incident, at literacy 0. Assumption."
    )
    incident_attitude_shock: float = Field(
        0.2, ge=0, le=6, description="Attitude points lost by each colleague who hears of an incident, at literacy 0. Assumption."
    )
    literacy_protection: float = Field(
        0.7, ge=0, le=1, description="Share of an incident's shock that full literacy absorbs (knowing tools fail). Assumption."
    )
    trust_learning_rate: float = Field(
        0.05, ge=0, le=1, description="Weekly step of a user's trust toward the reliability they experience. Assumption."
    )
    attitude_from_trust_rate: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Weekly step of a user's attitude toward 1 + 6 x trust. Assumption; JMIR 2024 meta-analysis: trust is the strongest predictor of intention (r = .73).",
    )

    @model_validator(mode="after")
    def _probabilities(self) -> ExperienceConfig:
        for name in ("catch_verify", "catch_primary"):
            low, high = getattr(self, name)
            if not (0 <= low <= 1 and 0 <= high <= 1):
                raise ValueError(f"{name} must be two probabilities between 0 and 1")
        return self


class ChoiceConfig(Section):
    """How clinicians reconsider their mode of AI use (multinomial logit with inertia).

    `rule` switches to a textbook adoption rule instead (docs/VALIDATION.md): "bass" (each non-user
    starts with probability bass_p + bass_q x share of colleagues using AI per step) or "threshold"
    (Granovetter: a non-user starts when the share of colleagues using AI reaches their fixed
    threshold, drawn uniformly from `thresholds`). Under both, users never stop and start in `adopt_mode`.
    """

    rule: Literal["logit", "bass", "threshold"] = Field(
        "logit", description="Adoption rule: 'logit' (the clinician model), 'bass' or 'threshold' (textbook special cases)."
    )
    bass_p: float = Field(0.03, ge=0, le=1, description="Bass innovation (external) hazard per step, rule = 'bass'.")
    bass_q: float = Field(0.4, ge=0, le=10, description="Bass imitation coefficient per step (times the share of colleagues using AI), rule = 'bass'.")
    thresholds: tuple[float, float] = Field(
        (0.0, 1.0), description="Range [low, high] of the uniform fixed adoption thresholds, rule = 'threshold' (Granovetter 1978)."
    )
    adopt_mode: Literal["verify", "primary"] = Field("verify", description="Mode adopters take under rule 'bass' or 'threshold'.")

    reconsider_rate: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Probability per week that a clinician reconsiders their mode (about every 33 weeks). Tuned with status_quo_bonus so that about 23 % of non-users start within a year in the baseline, within the 6-45 % yearly start rates seen in surveys (research/domain.md section 2).",
    )
    temperature: float = Field(1.0, gt=0, le=100, description="Logit noise: larger = more random choices. Assumption (utility units).")
    attitude_weight: float = Field(
        0.6, ge=0, le=10, description="Utility per attitude point above reference. JMIR 2024: attitude r = .63 with intention."
    )
    trust_weight: float = Field(
        1.5, ge=0, le=10, description="Utility per unit of trust above 0.5. JMIR 2024: trust r = .73."
    )
    verify_effort: float = Field(
        0.6, ge=-5, le=10, description="Utility cost of the extra time verification takes. Assumption; effort expectancy r = .55."
    )
    literacy_weight_verify: float = Field(
        1.0, ge=0, le=10, description="Utility of verification per unit literacy (knowing when a tool fails). Assumption."
    )
    primary_efficiency: float = Field(
        0.2, ge=-5, le=10, description="Utility of the time primary use saves. Assumption."
    )
    literacy_weight_primary: float = Field(
        1.5, ge=0, le=10, description="Utility of primary use lost per unit literacy (the literate know its risks). Assumption."
    )
    social_weight: float = Field(
        0.8,
        ge=0,
        le=10,
        description="Utility lost per anticipated rating point of penalty, at full status concern. Assumption; Reif et al. 2025 show the penalty is anticipated.",
    )
    social_proof_weight: float = Field(
        1.0, ge=0, le=10, description="Utility per unit share of colleagues using AI. JMIR 2024: social influence r = .66."
    )
    institutional_push: float = Field(
        0.0, ge=-5, le=5, description="Utility the institution adds to AI use (availability, EHR integration). 0 = neutral."
    )
    status_quo_bonus: float = Field(1.5, ge=0, le=10, description="Utility of keeping one's current mode (habit). Assumption, tuned with reconsider_rate.")

    @model_validator(mode="after")
    def _threshold_range(self) -> ChoiceConfig:
        low, high = self.thresholds
        if not 0 <= low <= high <= 1:
            raise ValueError("thresholds must be [low, high] with 0 <= low <= high <= 1")
        return self


class AttitudeConfig(Section):
    """How attitudes move toward trusted colleagues (bounded confidence)."""

    influence_rate: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Weekly step toward the mean attitude of colleagues within the confidence bound. Assumption (Deffuant-Weisbuch mu = 0.3-0.5 per conversation, a conversation about AI every ten weeks or so); with anchoring it lets the share skeptical fall by about 4 points a year, as AMA 2023-2024 (29 % to 25 % more concerned than excited).",
    )
    confidence_bound: float = Field(
        1.2,
        ge=0,
        le=6,
        description="Colleagues whose attitude differs by more than this are ignored (1-7 points). 0.2 of the scale range, the low end of the 0.2-0.5 used in bounded-confidence models (Deffuant et al. 2000).",
    )
    anchoring: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Weekly pull back toward the clinician's own week-0 attitude (Friedkin-Johnsen stubbornness). Assumption; keeps the spread of attitudes that surveys show persisting.",
    )
    drift_sd: float = Field(0.05, ge=0, le=2, description="Weekly idiosyncratic change of attitude (points). Assumption.")


class CalibrationConfig(Section):
    """`[calibration]`: which keys `simulate calibrate` fits, within which bounds, and how (rejection ABC)."""

    method: Literal["abc"] = Field("abc", description="Rejection approximate Bayesian computation with common random numbers.")
    free: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description='Key path -> [low, high] bounds (a uniform prior), e.g. "choice.bass_p" = [0.0, 0.3].'
    )
    samples: int = Field(400, ge=10, le=1_000_000, description="Parameter sets drawn (Latin hypercube over the bounds).")
    replications: int = Field(4, ge=1, le=1000, description="Replications per parameter set (the same seeds for every set).")
    accept_share: float = Field(0.05, gt=0, le=1, description="Share of the closest parameter sets kept as the posterior.")
    check_replications: int = Field(40, ge=2, le=100_000, description="Replications of the calibrated scenario for the fit and its band.")
    seed: int = Field(1, ge=0, description="Seed of the Latin hypercube design.")
    published: dict[str, str] = Field(
        default_factory=dict, description="Key path -> a published value to show beside the estimate in the report (text)."
    )

    @model_validator(mode="after")
    def _bounds(self) -> CalibrationConfig:
        for key, (low, high) in self.free.items():
            if not low < high:
                raise ValueError(f"free.{key}: bounds must be [low, high] with low < high, got [{low:g}, {high:g}]")
        return self


class ScenarioMeta(Section):
    """Name and description shown in the report, and the scenario this one is compared with."""

    name: str = Field("", description="Short name; defaults to the file name.")
    description: str = Field("", description="One or two sentences for the report.")
    compare_to: str | None = Field(
        None,
        description="Scenario file (relative to this file) to compare with: running this file then runs both with common random numbers and reports the differences.",
    )


OUTCOME_METRICS = Literal[STATE_METRICS]  # share_none ... competence_gap (simulation/metrics.py)


class TargetConfig(Section):
    """A planner's target, e.g. at least 50 % verifying by week 52 (one `[[targets]]` table)."""

    metric: OUTCOME_METRICS = Field(description="Outcome column of steps.csv the target is about.")
    at_least: float | None = Field(None, description="Reached when the metric is at or above this value.")
    at_most: float | None = Field(None, description="Reached when the metric is at or below this value.")
    by_week: int = Field(ge=1, le=100_000, description="Deadline (step). The report gives the probability of reaching the target by then.")
    label: str = Field("", description="Short name in the report; made from the other keys when empty.")

    @model_validator(mode="after")
    def _one_bound(self) -> TargetConfig:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a target needs exactly one of at_least or at_most")
        return self

    @property
    def direction(self) -> str:
        return "at_least" if self.at_least is not None else "at_most"

    @property
    def threshold(self) -> float:
        return self.at_least if self.at_least is not None else self.at_most  # type: ignore[return-value]

    def describe(self) -> str:
        if self.label:
            return self.label
        sign = ">=" if self.at_least is not None else "<="
        return f"{self.metric} {sign} {self.threshold:g} by week {self.by_week}"


class CostsConfig(Section):
    """How clinician-hours are turned into money in the report (optional)."""

    hourly_rate: float = Field(
        0.0, ge=0, le=100_000, description="Cost of one clinician-hour in `currency`; 0 = report hours only."
    )
    currency: str = Field("USD", max_length=8, description="Currency code shown with costs.")


class Scenario(Section):
    """A whole scenario: all tables, with defaults for anything a file leaves out."""

    extends: str | None = Field(None, description="Path of a scenario this one builds on (relative to this file).")
    scenario: ScenarioMeta = Field(default_factory=ScenarioMeta)
    run: RunConfig = Field(default_factory=RunConfig)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    judgment: JudgmentConfig = Field(default_factory=JudgmentConfig)
    experience: ExperienceConfig = Field(default_factory=ExperienceConfig)
    choice: ChoiceConfig = Field(default_factory=ChoiceConfig)
    attitude: AttitudeConfig = Field(default_factory=AttitudeConfig)
    interventions: list[InterventionConfig] = Field(
        default_factory=list, description="Interventions, each a [[interventions]] table with a `kind`."
    )
    targets: list[TargetConfig] = Field(
        default_factory=list, description="Planner's targets, each a [[targets]] table; the report gives the probability of reaching each."
    )
    costs: CostsConfig = Field(default_factory=CostsConfig)
    sweep: SweepConfig | None = Field(
        None, description="A parameter sweep over this scenario (`simulate sweep`); ignored by `simulate compare`."
    )
    sensitivity: SensitivityConfig | None = Field(
        None, description="A sensitivity analysis over this scenario (`simulate sensitivity`); ignored by `simulate compare`."
    )
    calibration: CalibrationConfig | None = Field(
        None, description="Free parameters and settings for `simulate calibrate` (simulation/experiments/calibration.py); ignored by runs."
    )

    # Where `scenario.compare_to` points, resolved by the loader against the file that set it.
    _compare_to_path: Path | None = PrivateAttr(None)

    @property
    def compare_to_path(self) -> Path | None:
        return self._compare_to_path

    @compare_to_path.setter
    def compare_to_path(self, value: Path | None) -> None:
        self._compare_to_path = value

    @model_validator(mode="after")
    def _reach_and_schedule(self) -> Scenario:
        """No intervention seats more clinicians than there are, or is scheduled only after the run ends."""
        horizon = self.run.steps
        for index, intervention in enumerate(self.interventions):
            # Seats written above the hospital's size cannot be filled: a mistake, unless they are meant to
            # cover a whole role or department ("with enough seats, the whole role"; the default of
            # literacy_training, 10,000,000, means everyone and is not written in the file).
            seats = getattr(intervention, "seats", None)
            written = "seats" in intervention.model_fields_set
            whole_group = getattr(intervention, "targeting", None) in ("role", "department")
            if written and not whole_group and seats > self.population.n and self.network.generator != "file":
                raise ValueError(
                    f"interventions[{index}].seats = {seats} is more than the {self.population.n} clinicians "
                    f"(population.n); allowed: 1 to {self.population.n} (leave seats out to seat everyone targeted)"
                )
            if intervention.at:
                if min(intervention.at) > horizon:
                    raise ValueError(
                        f"interventions[{index}].at: every step listed is after the last week simulated "
                        f"(run.steps = {horizon}), so it never acts; allowed: steps 1 to {horizon}"
                    )
            elif intervention.start > horizon:
                raise ValueError(
                    f"interventions[{index}].start = {intervention.start} is after the last week simulated "
                    f"(run.steps = {horizon}), so it never acts; allowed: 1 to {horizon}"
                )
        return self

    @model_validator(mode="after")
    def _departments_known(self) -> Scenario:
        if self.network.generator == "file":
            return self  # departments and n come from the files: the loader checks after reading them
        check_intervention_names(self)
        return self


def check_intervention_names(scenario: Scenario) -> None:
    """Interventions name departments and roles of the population, and clinician ids below n."""
    for index, intervention in enumerate(scenario.interventions):
        department = getattr(intervention, "department", None)
        if department is not None and department not in scenario.population.departments:
            raise ValueError(_unknown_name(f"interventions[{index}].department", department, "department", scenario.population.departments))
        role = getattr(intervention, "role", None)
        if role is not None and getattr(intervention, "targeting", None) == "role" and role not in scenario.population.roles:
            raise ValueError(_unknown_name(f"interventions[{index}].role", role, "role", scenario.population.roles))
        ids = getattr(intervention, "ids", None)
        if ids and max(ids) >= scenario.population.n:
            raise ValueError(
                f"interventions[{index}].ids lists clinician {max(ids)}, but ids run from 0 to {scenario.population.n - 1} (population.n = {scenario.population.n})"
            )


def _unknown_name(key: str, value: str, what: str, known_names) -> str:
    known = sorted(known_names)
    hint = difflib.get_close_matches(value, known, n=1, cutoff=0.75)
    return (
        f"{key} '{value}' is not a {what} of the population"
        + (f" (did you mean '{hint[0]}'?)" if hint else "")
        + f"; known: {', '.join(known)}"
    )
