"""The virtual vignette survey: the peer-judgment rule put through the study that measured it.

Yang et al. (npj Digital Medicine 2025) randomised 276 clinicians (178 attendings, 28 fellows or
residents, 60 advanced practice providers, 10 other) to rate the clinical skill (1-7) of a physician
who used no AI, used GenAI only to verify, or used it as the primary decision aid: means 5.93 / 4.99
/ 3.79, SDs 1.24 / 1.67 / 1.62.

`virtual_vignette_survey` draws raters the way the model draws clinicians (attitude, own AI use,
leniency; roles in the study's mix, "other" counted as nurses), gives each one vignette at random,
and rates it with `rules.judgment.rate`; the ratings are also split by the rater's own mode of AI use
(the study reported only the arms; Reif et al., PNAS 2025, found the penalty smaller from raters who
use AI). `fit_judgment` finds the judgment parameters that make a large virtual survey match the
study; the defaults in the schema come from it. Run either with `simulate vignette` (add `--fit` to
refit, `--scenario FILE` to use a scenario's judgment parameters and clinicians).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.modes import MODE_NAMES
from simulation.population import draw_population
from simulation.rules.judgment import rate
from simulation.scenario.parameters import JudgmentConfig, PopulationConfig, RoleConfig
from simulation.scenario.schema import Scenario

STUDY_MEANS = {"none": 5.93, "verify": 4.99, "primary": 3.79}
STUDY_SDS = {"none": 1.24, "verify": 1.67, "primary": 1.62}
STUDY_ROLES = {"attending": 178, "resident": 28, "app": 60, "nurse": 10}
STUDY_N = 276


@dataclass
class VignetteResult:
    """Mean, SD and count of the virtual ratings per vignette arm, next to the study's; and per arm
    and rater's own mode of AI use (`by_rater_mode[(arm, rater_mode)] = (mean, SD, count)`; the SD is
    NaN for fewer than two raters, the mean too for none)."""

    mean: dict[str, float]
    sd: dict[str, float]
    count: dict[str, int]
    by_rater_mode: dict[tuple[str, str], tuple[float, float, int]] = field(default_factory=dict)

    def table(self) -> str:
        """A plain-text table: arm, simulated mean and SD, study mean and SD, n; then (when known) the
        same ratings split by the rater's own mode of AI use."""
        lines = [f"{'vignette':<10}{'mean':>8}{'study':>8}{'SD':>8}{'study':>8}{'raters':>9}"]
        for arm in MODE_NAMES:
            lines.append(
                f"{arm:<10}{self.mean[arm]:>8.2f}{STUDY_MEANS[arm]:>8.2f}"
                f"{self.sd[arm]:>8.2f}{STUDY_SDS[arm]:>8.2f}{self.count[arm]:>9d}"
            )
        if self.by_rater_mode:
            lines += ["", "by the rater's own use of AI (the study did not report this split)"]
            lines.append(f"{'vignette':<10}{'rater':<10}{'mean':>8}{'SD':>8}{'raters':>9}")
            for (arm, rater), (mean, sd, count) in self.by_rater_mode.items():
                lines.append(f"{arm:<10}{rater:<10}{_shown(mean):>8}{_shown(sd):>8}{count:>9d}")
        return "\n".join(lines)


def _shown(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2f}"


def _study_population(base: PopulationConfig, n: int) -> PopulationConfig:
    roles = {
        name: RoleConfig(
            share=count / STUDY_N,
            seniority_years=base.roles[name].seniority_years if name in base.roles else (1.0, 25.0),
        )
        for name, count in STUDY_ROLES.items()
    }
    # Raters come from many units of a hospital system: no one department's shared leaning (which
    # would shift every rater's attitude by the same draw); the overall attitude SD is unchanged.
    return base.model_copy(update={"n": n, "roles": roles, "department_attitude_sd": 0.0})


def _draw(n: int, population: PopulationConfig, judgment: JudgmentConfig, rng: np.random.Generator):
    """`draw_raters`'s draws and each rater's own mode of AI use (int8 codes of `simulation.modes`)."""
    raters = draw_population(
        _study_population(population, n), judgment, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), rng
    )
    arm = rng.permutation(np.arange(n) % 3).astype(np.int8)
    leniency_z = rng.standard_normal(n)
    noise_z = rng.standard_normal(n)
    return (raters.attitude, raters.uses_ai().astype(float), leniency_z, arm, noise_z), raters.mode


def draw_raters(n: int, population: PopulationConfig, judgment: JudgmentConfig, rng: np.random.Generator):
    """`n` raters drawn like the study's sample; returns (attitude, uses_ai, leniency_z, arm, noise_z).

    Leniency and noise are returned as standard normals so a fit can reuse the same draws.
    """
    return _draw(n, population, judgment, rng)[0]


def _ratings(draws, judgment: JudgmentConfig) -> np.ndarray:
    attitude, uses_ai, leniency_z, arm, noise_z = draws
    leniency = leniency_z * judgment.noise_sd * np.sqrt(judgment.leniency_share)
    return rate(arm, attitude, uses_ai, leniency, noise_z, judgment)


def _statistics(values: np.ndarray) -> tuple[float, float, int]:
    """Mean, SD (ddof 1) and count; NaN where undefined (no value; one value for the SD)."""
    mean = float(values.mean()) if values.size else float("nan")
    sd = float(values.std(ddof=1)) if values.size > 1 else float("nan")
    return mean, sd, int(values.size)


def _summarise(ratings: np.ndarray, arm: np.ndarray, rater_mode: np.ndarray | None = None) -> VignetteResult:
    mean, sd, count = {}, {}, {}
    for index, name in enumerate(MODE_NAMES):
        mean[name], sd[name], count[name] = _statistics(ratings[arm == index])
    split = {}
    if rater_mode is not None:
        for index, name in enumerate(MODE_NAMES):
            for own, rater in enumerate(MODE_NAMES):
                split[(name, rater)] = _statistics(ratings[(arm == index) & (rater_mode == own)])
    return VignetteResult(mean, sd, count, split)


def virtual_vignette_survey(
    n_raters: int = 60_000,
    seed: int = 2025,
    judgment: JudgmentConfig | None = None,
    population: PopulationConfig | None = None,
) -> VignetteResult:
    """Run the virtual survey with `n_raters` raters (a third per arm) and return per-arm statistics,
    also split by each rater's own mode of AI use.

    With the default 60,000 raters the sampling error of each mean is below 0.015 points, so the
    result measures the rule, not the sample. Use n_raters=276 to see one study-sized draw.
    `judgment` and `population` default to the schema's; `scenario_survey` takes them from a scenario.
    """
    judgment = judgment or JudgmentConfig()
    population = population or PopulationConfig()
    draws, rater_mode = _draw(n_raters, population, judgment, np.random.default_rng(seed))
    return _summarise(_ratings(draws, judgment), draws[3], rater_mode)


def scenario_survey(scenario: Scenario, n_raters: int = 60_000, seed: int = 2025) -> VignetteResult:
    """The virtual survey with a scenario's judgment parameters, its raters drawn like its clinicians
    (attitudes, initial modes of AI use, literacy, ...) in the study's mix of roles."""
    return virtual_vignette_survey(n_raters, seed, scenario.judgment, scenario.population)


FITTED = (
    "baseline_rating",
    "noise_sd",
    "penalty_verify",
    "penalty_primary",
    "attitude_slope_verify",
    "attitude_slope_primary",
)


def fit_judgment(
    n_raters: int = 60_000, seed: int = 2025, population: PopulationConfig | None = None
) -> JudgmentConfig:
    """Least-squares fit of the six `FITTED` parameters to the study's three means and three SDs."""
    from scipy.optimize import least_squares

    population = population or PopulationConfig()
    start = JudgmentConfig()
    draws = draw_raters(n_raters, population, start, np.random.default_rng(seed))
    targets = np.array([*STUDY_MEANS.values(), *STUDY_SDS.values()])

    def residuals(x: np.ndarray) -> np.ndarray:
        config = start.model_copy(update=dict(zip(FITTED, x, strict=True)))
        result = _summarise(_ratings(draws, config), draws[3])
        return np.array([*result.mean.values(), *result.sd.values()]) - targets

    x0 = np.array([getattr(start, name) for name in FITTED])
    fit = least_squares(residuals, x0, bounds=([1, 0.1, -3, -3, 0, 0], [9, 5, 6, 6, 3, 3]), diff_step=1e-3)
    return start.model_copy(update={name: round(float(v), 2) for name, v in zip(FITTED, fit.x, strict=True)})
