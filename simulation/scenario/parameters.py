"""The model's parameters: who the clinicians are, how they judge, experience, choose and influence.

Units: one step is one week; attitudes and peer ratings are on the 1-7 scale of the vignette study
(Yang et al., npj Digital Medicine 2025); literacy, trust and status concern are on 0-1. Where a
default is an assumption rather than a published number, its description says so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulation.scenario.base import Section


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
    users: Literal["most_favourable", "random"] = Field(
        "most_favourable",
        description="Who the initial users are (the seeds of a diffusion): 'most_favourable' = drawn among the clinicians with the most favourable attitudes (attitude z-score plus unit normal noise); 'random' = a random set, whatever their attitude. Both use the same draws: the same seed gives the same set, and everything else is common to both.",
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


class JudgmentConfig(Section):
    """Peer judgment: how a rater scores a colleague's clinical skill (1-7) from the colleague's mode of AI use.

    rating = baseline_rating + leniency + noise - penalty(mode) * (1 - own_use_discount * rater_uses_ai)
             + attitude_slope(mode) * (rater_attitude - reference_attitude), clipped to 1..7.
    Defaults are fitted so that the virtual vignette survey (`simulate vignette`) reproduces Yang et al.
    2025: 5.93 (SD 1.24) / 4.99 (SD 1.67) / 3.79 (SD 1.62) for none / verify / primary.
    """

    baseline_rating: float = Field(
        6.29, ge=1, le=9, description="Latent mean rating of a non-user, before clipping to 7. Fitted."
    )
    noise_sd: float = Field(1.71, ge=0, le=5, description="SD of rater leniency plus rating noise. Fitted.")
    leniency_share: float = Field(
        0.5, ge=0, le=1, description="Share of the rating variance that is a rater's persistent leniency. Assumption."
    )
    penalty_verify: float = Field(
        1.47, ge=-3, le=6, description="Penalty for verification use by a neutral non-user rater. Fitted."
    )
    penalty_primary: float = Field(
        2.79, ge=-3, le=6, description="Penalty for primary use by a neutral non-user rater. Fitted."
    )
    attitude_slope_verify: float = Field(
        0.71,
        ge=0,
        le=3,
        description="Points of verification penalty removed per attitude point of the rater above reference_attitude. Fitted.",
    )
    attitude_slope_primary: float = Field(
        0.0,
        ge=0,
        le=3,
        description="The same for primary use. Fitted (the fit gives 0: primary use is judged alike whatever the rater thinks of AI).",
    )
    reference_attitude: float = Field(
        4.0, ge=1, le=7, description="Attitude at which the full penalty applies (scale midpoint)."
    )
    own_use_discount: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the penalty a rater drops when using AI themselves. Reif et al. 2025: the penalty shrinks or vanishes for AI-using raters; 0.5 is an assumption.",
    )
    visibility: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Probability per week that a colleague sees (and rates) a clinician's way of deciding. Assumption.",
    )
    reputation_memory: float = Field(
        0.8,
        ge=0,
        lt=1,
        description="Weight of last week's reputation in this week's (exponential smoothing; 0.8 = half-life about 3 weeks). Assumption.",
    )


class ExperienceConfig(Section):
    """What AI use does to users and to those who see its errors."""

    cases_per_week: float = Field(
        10.0,
        ge=0,
        le=1000,
        description="Decisions per clinician per week that an AI tool could assist: a user's AI-assisted cases (Poisson), a non-user's unaided decisions. Assumption.",
    )
    error_rate: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Share of AI suggestions that are wrong. Assumption; Elsevier 2024: 85 % of clinicians think AI could cause critical errors.",
    )
    catch_verify: tuple[float, float] = Field(
        (0.5, 0.95),
        description="Probability a verifier catches an AI error at literacy 0 and at literacy 1 (linear between). Assumption.",
    )
    catch_primary: tuple[float, float] = Field(
        (0.1, 0.5), description="The same for primary users, lower through automation bias. Assumption."
    )
    incident_share: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Share of errors passed on that become incidents colleagues hear about. Assumption.",
    )
    incident_trust_shock: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Trust lost by each colleague who hears of an incident, at literacy 0. Assumption.",
    )
    incident_attitude_shock: float = Field(
        0.2,
        ge=0,
        le=6,
        description="Attitude points lost by each colleague who hears of an incident, at literacy 0. Assumption.",
    )
    literacy_protection: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of an incident's shock that full literacy absorbs (knowing tools fail). Assumption.",
    )
    trust_learning_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Weekly step of a user's trust toward the reliability they experience. Assumption.",
    )
    attitude_from_trust_rate: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Weekly step of a user's attitude toward 1 + 6 x trust. Assumption; JMIR 2024 meta-analysis: trust is the strongest predictor of intention (r = .73).",
    )
    own_error_rate: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Share of a clinician's own unaided decisions that are wrong (every clinician makes cases_per_week decisions a week). Graber, BMJ Qual Saf 2013: 10-20 % in autopsy series, 13 % of standardised patients misdiagnosed by internists; the low end, as most decisions are routine.",
    )
    own_catch_verify: tuple[float, float] = Field(
        (0.3, 0.8),
        description="Probability a verifier corrects their own error when the AI is right, at literacy 0 and at literacy 1 (linear between). Assumption: below catch_verify, as clinicians underweight the AI's information relative to their own (Agarwal et al., NBER w31422, 2023: radiologists with AI assistance did not reach the AI's accuracy); rising with literacy (a 1.5-hour course on AI use raised AI-assisted test scores from 57 to 78 %, Qunaibi et al. 2026).",
    )

    @model_validator(mode="after")
    def _probabilities(self) -> ExperienceConfig:
        for name in ("catch_verify", "catch_primary", "own_catch_verify"):
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
    "cascade" (independent cascade: a new user has one chance `cascade_p` per non-using colleague, the
    step after they start) and "voter" (a clinician reconsidering, with probability `reconsider_rate`,
    copies the mode of a random colleague) are the other reference dynamics (`rules.textbook`).
    """

    rule: Literal["logit", "bass", "threshold", "cascade", "voter"] = Field(
        "logit",
        description="Adoption rule: 'logit' (the clinician model), 'bass', 'threshold', 'cascade' or 'voter' (textbook special cases).",
    )
    cascade_p: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Independent cascade: probability that a new user makes a colleague start, one try per tie, rule = 'cascade'.",
    )
    bass_p: float = Field(0.03, ge=0, le=1, description="Bass innovation (external) hazard per step, rule = 'bass'.")
    bass_q: float = Field(
        0.4,
        ge=0,
        le=100,
        description="Bass imitation coefficient per step (times the share of colleagues using AI), rule = 'bass'. Up to 100: the weekly default is 20.8 per year (run.time_unit).",
    )
    thresholds: tuple[float, float] = Field(
        (0.0, 1.0),
        description="Range [low, high] of the uniform fixed adoption thresholds, rule = 'threshold' (Granovetter 1978).",
    )
    adopt_mode: Literal["verify", "primary"] = Field(
        "verify", description="Mode adopters take under rule 'bass', 'threshold' or 'cascade'."
    )

    reconsider_rate: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Probability per week that a clinician reconsiders their mode (about every 33 weeks). Tuned with status_quo_bonus so that about 23 % of non-users start within a year in the baseline, within the yearly share of non-users who start in surveys: 6 % of UK GPs 2024-2025 (Blease et al. 2024, 2025) to 45 % of US physicians 2023-2024 (AMA Physician Surveys on Augmented Intelligence).",
    )
    temperature: float = Field(
        1.0, gt=0, le=100, description="Logit noise: larger = more random choices. Assumption (utility units)."
    )
    attitude_weight: float = Field(
        0.6,
        ge=0,
        le=10,
        description="Utility per attitude point above reference. JMIR 2024: attitude r = .63 with intention.",
    )
    trust_weight: float = Field(
        1.5, ge=0, le=10, description="Utility per unit of trust above 0.5. JMIR 2024: trust r = .73."
    )
    verify_effort: float = Field(
        0.6,
        ge=-5,
        le=10,
        description="Utility cost of the extra time verification takes. Assumption; effort expectancy r = .55.",
    )
    literacy_weight_verify: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Utility of verification per unit literacy (knowing when a tool fails). Assumption.",
    )
    primary_efficiency: float = Field(
        0.2, ge=-5, le=10, description="Utility of the time primary use saves. Assumption."
    )
    literacy_weight_primary: float = Field(
        1.5,
        ge=0,
        le=10,
        description="Utility of primary use lost per unit literacy (the literate know its risks). Assumption.",
    )
    social_weight: float = Field(
        0.8,
        ge=0,
        le=10,
        description="Utility lost per anticipated rating point of penalty, at full status concern. Assumption; Reif et al. 2025 show the penalty is anticipated.",
    )
    social_proof_weight: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Utility per unit share of colleagues using AI. JMIR 2024: social influence r = .66.",
    )
    institutional_push: float = Field(
        0.0,
        ge=-5,
        le=5,
        description="Utility the institution adds to AI use (availability, EHR integration). 0 = neutral.",
    )
    status_quo_bonus: float = Field(
        1.5,
        ge=0,
        le=10,
        description="Utility of keeping one's current mode (habit). Assumption, tuned with reconsider_rate.",
    )

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
        description="Colleagues whose attitude differs by more than this are ignored (1-7 points); one exactly this far away still counts. The bound is inclusive as in Hegselmann & Krause 2002 (|x_i - x_j| <= epsilon); 0.2 of the scale range, the low end of the 0.2-0.5 used in bounded-confidence models (Deffuant et al. 2000).",
    )
    anchoring: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Weekly pull back toward the clinician's own week-0 attitude (Friedkin-Johnsen stubbornness). Assumption; keeps the spread of attitudes that surveys show persisting.",
    )
    drift_sd: float = Field(
        0.05, ge=0, le=2, description="Weekly idiosyncratic change of attitude (points). Assumption."
    )
