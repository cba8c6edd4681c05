"""The virtual vignette survey: the peer-judgment rule put through the study that measured it.

Yang et al. (npj Digital Medicine 2025) randomised 276 clinicians (178 attendings, 28 fellows or
residents, 60 advanced practice providers, 10 other) to rate the clinical skill (1-7) of a physician
who used no AI, used GenAI only to verify, or used it as the primary decision aid: means 5.93 / 4.99
/ 3.79, SDs 1.24 / 1.67 / 1.62.

`virtual_vignette_survey` draws raters the way the model draws clinicians (attitude, own AI use,
leniency; roles in the study's mix, "other" counted as nurses), gives each one vignette at random,
and rates it with `rules.judgment.rate`. `fit_judgment` finds the judgment parameters that make a
large virtual survey match the study; the defaults in the schema come from it. Run either with
`simulate vignette` (add `--fit` to refit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.modes import MODE_NAMES
from simulation.population import draw_population
from simulation.rules.judgment import rate
from simulation.scenario.parameters import JudgmentConfig, PopulationConfig, RoleConfig

STUDY_MEANS = {"none": 5.93, "verify": 4.99, "primary": 3.79}
STUDY_SDS = {"none": 1.24, "verify": 1.67, "primary": 1.62}
STUDY_ROLES = {"attending": 178, "resident": 28, "app": 60, "nurse": 10}
STUDY_N = 276


@dataclass
class VignetteResult:
    """Mean, SD and count of the virtual ratings per vignette arm, next to the study's."""

    mean: dict[str, float]
    sd: dict[str, float]
    count: dict[str, int]

    def table(self) -> str:
        """A plain-text table: arm, simulated mean and SD, study mean and SD, n."""
        lines = [f"{'vignette':<10}{'mean':>8}{'study':>8}{'SD':>8}{'study':>8}{'raters':>9}"]
        for arm in MODE_NAMES:
            lines.append(
                f"{arm:<10}{self.mean[arm]:>8.2f}{STUDY_MEANS[arm]:>8.2f}"
                f"{self.sd[arm]:>8.2f}{STUDY_SDS[arm]:>8.2f}{self.count[arm]:>9d}"
            )
        return "\n".join(lines)


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


def draw_raters(n: int, population: PopulationConfig, judgment: JudgmentConfig, rng: np.random.Generator):
    """`n` raters drawn like the study's sample; returns (attitude, uses_ai, leniency_z, arm, noise_z).

    Leniency and noise are returned as standard normals so a fit can reuse the same draws.
    """
    raters = draw_population(
        _study_population(population, n), judgment, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), rng
    )
    arm = rng.permutation(np.arange(n) % 3).astype(np.int8)
    leniency_z = rng.standard_normal(n)
    noise_z = rng.standard_normal(n)
    return raters.attitude, raters.uses_ai().astype(float), leniency_z, arm, noise_z


def _ratings(draws, judgment: JudgmentConfig) -> np.ndarray:
    attitude, uses_ai, leniency_z, arm, noise_z = draws
    leniency = leniency_z * judgment.noise_sd * np.sqrt(judgment.leniency_share)
    return rate(arm, attitude, uses_ai, leniency, noise_z, judgment)


def _summarise(ratings: np.ndarray, arm: np.ndarray) -> VignetteResult:
    mean, sd, count = {}, {}, {}
    for index, name in enumerate(MODE_NAMES):
        values = ratings[arm == index]
        mean[name], sd[name], count[name] = float(values.mean()), float(values.std(ddof=1)), int(values.size)
    return VignetteResult(mean, sd, count)


def virtual_vignette_survey(
    n_raters: int = 60_000,
    seed: int = 2025,
    judgment: JudgmentConfig | None = None,
    population: PopulationConfig | None = None,
) -> VignetteResult:
    """Run the virtual survey with `n_raters` raters (a third per arm) and return per-arm statistics.

    With the default 60,000 raters the sampling error of each mean is below 0.015 points, so the
    result measures the rule, not the sample. Use n_raters=276 to see one study-sized draw.
    """
    judgment = judgment or JudgmentConfig()
    population = population or PopulationConfig()
    draws = draw_raters(n_raters, population, judgment, np.random.default_rng(seed))
    return _summarise(_ratings(draws, judgment), draws[3])


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
