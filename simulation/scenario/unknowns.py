"""What we do not know: the documented plausible range of every assumed, tuned or fitted setting.

Each entry is an `UncertainParameter` (simulation/scenario/uncertainty.py) with its reason. Ranges
are around the scenario's own value (`plus`: a shift, `times`: a factor), so a plan that changed a
setting keeps its centre. Fitted settings get their fit's uncertainty: the vignette study (Yang et
al., npj Digital Medicine 2025) had N = 276 clinicians, about 92 per arm; the standard error of a
difference of two arm means is about sqrt(1.24^2/92 + 1.67^2/92) = 0.22 rating points (verify) and
sqrt(1.24^2/92 + 1.62^2/92) = 0.21 (primary), which the latent (unclipped) scale of the model
stretches by the ratio of fitted to observed penalties (1.47/0.94 = 1.56 and 2.79/2.14 = 1.30): SE
0.34 and 0.28, so +-1.96 SE = +-0.67 and +-0.55 (normal). Effect sizes of interventions are
assumed: half to twice as effective (log-uniform, `times = [0.5, 2]`), their fading half-lives
likewise. docs/MODEL.md section 7 prints this table.

Network structure (team sizes, closure) and the number of clinicians are the hospital's, known to a
planner who loads their own network: they are not varied.
"""

from __future__ import annotations

from simulation.scenario.uncertainty import UncertainParameter as U

_HALF_TO_TWICE = (0.5, 2.0)
_EFFECT = "Assumed effect size (no trial measured it): half to twice as effective."
_FADING = "Assumed persistence: half to twice as long-lasting."

DOCUMENTED: tuple[U, ...] = (
    # Who the clinicians are at the start.
    U(
        key="population.attitude_sd",
        plus=(-0.3, 0.3),
        reason="Chosen so about a quarter start skeptical, as surveys give 25-28 % (AMA 2024, Medscape 2023); "
        "SD 1.0-1.6 gives about 24-32 % skeptical at the start (normal approximation, department leaning included).",
    ),
    U(
        key="population.department_attitude_sd",
        plus=(-0.3, 0.3),
        reason="Assumed local culture; no study measured how much departments differ.",
    ),
    U(
        key="population.literacy_mean",
        plus=(-0.15, 0.15),
        reason="Assumed low (95 % of UK GPs had no AI training, Blease et al. 2025); 0.20-0.50.",
    ),
    U(
        key="population.status_concern_mean",
        plus=(-0.2, 0.2),
        reason="Assumed; users anticipate the penalty (Reif et al. 2025) but how much it weighs is unmeasured: 0.3-0.7.",
    ),
    # Peer judgment (fitted to the vignette study, except where assumed).
    U(
        key="judgment.penalty_verify",
        plus=(-0.67, 0.67),
        shape="normal",
        reason="Fitted; +-1.96 standard errors of the vignette study's none-verify difference on the model's scale (simulation/scenario/unknowns.py).",
    ),
    U(
        key="judgment.penalty_primary",
        plus=(-0.55, 0.55),
        shape="normal",
        reason="Fitted; +-1.96 standard errors of the vignette study's none-primary difference on the model's scale.",
    ),
    U(
        key="judgment.attitude_slope_verify",
        plus=(-0.5, 0.5),
        reason="Fitted to one study's SDs, weakly identified: 0.2-1.2 points per attitude point.",
    ),
    U(
        key="judgment.own_use_discount",
        plus=(-0.4, 0.4),
        reason="Reif et al. 2025: the penalty shrinks or disappears when the rater uses AI; how much is unmeasured: 0.1-0.9.",
    ),
    U(
        key="judgment.visibility",
        plus=(-0.3, 0.3),
        reason="Assumed weekly chance a colleague sees how one decides: 0.2-0.8.",
    ),
    U(
        key="judgment.reputation_memory",
        plus=(-0.15, 0.1),
        reason="Assumed smoothing of reputation: half-lives of about 1.5 to 6.5 weeks.",
    ),
    # Experience of AI use.
    U(
        key="experience.error_rate",
        times=(0.5, 2.0),
        reason="Assumed 8 % wrong suggestions; no study measured the error rate of the tools these clinicians use.",
    ),
    U(
        key="experience.own_error_rate",
        times=(0.5, 1.5),
        reason="Graber 2013: 10-20 % in autopsy series, 13 % of standardised patients misdiagnosed; routine "
        "decisions err less: 5-15 %.",
    ),
    U(
        key="experience.incident_share",
        times=_HALF_TO_TWICE,
        reason="Assumed share of errors passed on that colleagues hear of.",
    ),
    U(
        key="experience.incident_attitude_shock",
        times=_HALF_TO_TWICE,
        reason="Assumed attitude lost by a colleague who hears of an incident.",
    ),
    U(key="experience.trust_learning_rate", times=_HALF_TO_TWICE, reason="Assumed speed of learning from use."),
    U(
        key="experience.attitude_from_trust_rate",
        times=_HALF_TO_TWICE,
        reason="Assumed; trust predicts intention (JMIR 2024 meta-analysis) but not at a known weekly rate.",
    ),
    # How clinicians choose their mode of use.
    U(
        key="choice.reconsider_rate",
        times=(0.67, 1.5),
        reason="Tuned so about 23 % of non-users start within a year; yearly starts in surveys range 6-45 %.",
    ),
    U(
        key="choice.verify_effort",
        plus=(-0.3, 0.3),
        reason="Assumed utility cost of verifying (effort expectancy r = .55).",
    ),
    U(key="choice.primary_efficiency", plus=(-0.15, 0.3), reason="Assumed utility of the time primary use saves."),
    U(
        key="choice.social_weight",
        times=_HALF_TO_TWICE,
        reason="Assumed weight of the anticipated penalty in the choice (Reif et al. 2025: users anticipate it).",
    ),
    U(key="choice.status_quo_bonus", plus=(-0.5, 0.5), reason="Assumed habit, tuned with reconsider_rate."),
    # How attitudes move.
    U(
        key="attitude.influence_rate",
        times=_HALF_TO_TWICE,
        reason="Tuned with anchoring so skepticism falls about 4 points a year (AMA 2023-2024); no longitudinal "
        "clinician data pin the weekly rate.",
    ),
    U(
        key="attitude.confidence_bound",
        plus=(-0.4, 0.6),
        reason="Assumed distance beyond which colleagues are ignored.",
    ),
    U(
        key="attitude.anchoring",
        times=_HALF_TO_TWICE,
        reason="Tuned with influence_rate: the pull back toward one's first attitude.",
    ),
    # What interventions do (their effect sizes and how long they last).
    U(key="interventions.workshop.attitude_gain", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.workshop.literacy_gain", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.workshop.half_life_weeks", times=_HALF_TO_TWICE, reason=_FADING),
    U(key="interventions.case_review.attitude_gain", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.case_review.verify_penalty_relief", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.case_review.half_life_weeks", times=_HALF_TO_TWICE, reason=_FADING),
    U(key="interventions.open_forum.harshness_change", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.open_forum.belief_correction", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.open_forum.half_life_weeks", times=_HALF_TO_TWICE, reason=_FADING),
    U(key="interventions.literacy_training.literacy_gain", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.literacy_training.attitude_calibration", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.literacy_training.half_life_weeks", times=_HALF_TO_TWICE, reason=_FADING),
    U(key="interventions.champions.influence_weight", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.champions.colleague_verify_relief", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.verification_policy.verify_push", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.verification_policy.verify_penalty_relief", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(key="interventions.verification_policy.switch_share", times=_HALF_TO_TWICE, reason=_EFFECT),
    U(
        key="interventions.ai_incident.attitude_shock",
        times=_HALF_TO_TWICE,
        reason="Assumed size of a publicised error's shock.",
    ),
)

BY_KEY: dict[str, U] = {entry.key: entry for entry in DOCUMENTED}
