"""The virtual vignette survey reproduces Yang et al. (npj Digital Medicine 2025).

Study: clinicians rated the clinical skill (1-7) of a physician who used no AI / used GenAI to verify
/ used it as the primary decision aid: means 5.93 / 4.99 / 3.79, SDs 1.24 / 1.67 / 1.62.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.experiments.vignette import draw_raters, virtual_vignette_survey
from simulation.modes import NONE, PRIMARY, VERIFY
from simulation.rules.judgment import penalty, rate
from simulation.scenario.parameters import JudgmentConfig, PopulationConfig

STUDY_MEANS = {"none": 5.93, "verify": 4.99, "primary": 3.79}
STUDY_SDS = {"none": 1.24, "verify": 1.67, "primary": 1.62}

# Tolerances. With 60,000 raters (20,000 per arm) the sampling error of an arm's mean is about
# 1.7 / sqrt(20,000) = 0.012 points and that of its SD about 0.01, so a virtual survey measures the
# rule, not its sample. 0.15 points on the means is what the parameters' two-decimal rounding and
# the fit's residuals may leave, and is still below the study's own standard error of each arm mean
# (about 1.6 / sqrt(92) = 0.17). SDs are less precisely pinned by the study (SE of an SD with n=92
# is about 0.12, and the 1-7 clipping makes them depend on the tails), hence 0.3.
MEAN_TOL = 0.15
SD_TOL = 0.3


def _assert_matches_study(result) -> None:
    for arm, study_mean in STUDY_MEANS.items():
        assert result.mean[arm] == pytest.approx(study_mean, abs=MEAN_TOL), (arm, "mean", result.mean)
        assert result.sd[arm] == pytest.approx(STUDY_SDS[arm], abs=SD_TOL), (arm, "sd", result.sd)


@pytest.mark.parametrize("seed", [2025, 1, 7])
def test_virtual_survey_reproduces_study(seed):
    result = virtual_vignette_survey(seed=seed)
    assert result.count == {"none": 20_000, "verify": 20_000, "primary": 20_000}
    _assert_matches_study(result)


def test_virtual_survey_defaults_are_60000_raters_seed_2025():
    """The defaults are documented as 60,000 raters and seed 2025 (what `simulate vignette` runs)."""
    default = virtual_vignette_survey()
    explicit = virtual_vignette_survey(60_000, 2025)
    assert sum(default.count.values()) == 60_000
    assert default.mean == explicit.mean and default.sd == explicit.sd


def test_virtual_survey_result_does_not_depend_on_seed():
    """Docstring: with 60,000 raters 'the result measures the rule, not the sample'.

    Regression: raters used to share one random department leaning, which moved the verify mean by
    up to 0.4 points from seed to seed.

    Five seeds' verify means may then differ by a few sampling errors (0.012 each), not more than 0.1.
    """
    verify = [virtual_vignette_survey(seed=s).mean["verify"] for s in (2025, 1, 2, 3, 4)]
    assert max(verify) - min(verify) < 0.1, verify


def test_virtual_raters_have_the_population_attitude_mean():
    """Raters are 'drawn the way the model draws clinicians': their mean attitude should be 4.30.

    Clipping to 1-7 moves the mean by about -0.01; 20,000+ raters give a sampling error of 0.01;
    0.1 allows both with a wide margin.
    """
    population, judgment = PopulationConfig(), JudgmentConfig()
    for seed in (2025, 1, 7):
        attitude = draw_raters(60_000, population, judgment, np.random.default_rng(seed))[0]
        assert attitude.mean() == pytest.approx(population.attitude_mean, abs=0.1), seed


# --- the penalty's moderators (Reif et al. 2025; slope fitted on the verify arm) ----------------------

CONFIG = JudgmentConfig()
ATTITUDES = np.array([1.0, 2.5, 4.0, 5.5, 7.0])


def _penalty(mode: int, attitude: np.ndarray, uses_ai: float) -> np.ndarray:
    modes = np.full(attitude.shape, mode, dtype=np.int8)
    return penalty(modes, attitude, np.full(attitude.shape, uses_ai), CONFIG)


def test_no_penalty_for_non_users():
    for uses in (0.0, 1.0):
        assert np.all(_penalty(NONE, ATTITUDES, uses) == 0.0)


@pytest.mark.parametrize("mode", [VERIFY, PRIMARY])
def test_penalty_shrinks_for_raters_who_use_ai(mode):
    non_user = _penalty(mode, ATTITUDES, 0.0)
    user = _penalty(mode, ATTITUDES, 1.0)
    assert np.all(user < non_user)
    # At the reference attitude the AI-using rater drops exactly `own_use_discount` of the penalty.
    at_ref = np.array([CONFIG.reference_attitude])
    assert _penalty(mode, at_ref, 1.0)[0] == pytest.approx(
        (1 - CONFIG.own_use_discount) * _penalty(mode, at_ref, 0.0)[0], abs=1e-12
    )


@pytest.mark.parametrize("uses_ai", [0.0, 1.0])
def test_verify_penalty_shrinks_with_more_favourable_attitude(uses_ai):
    values = _penalty(VERIFY, ATTITUDES, uses_ai)
    assert np.all(np.diff(values) < 0), values
    # A neutral non-using rater applies the full fitted penalty.
    assert _penalty(VERIFY, np.array([CONFIG.reference_attitude]), 0.0)[0] == pytest.approx(CONFIG.penalty_verify)


def test_ratings_of_verifier_higher_from_ai_users_and_enthusiasts():
    """Through `rate` (noise, leniency, clipping): mean rating of the verify vignette over 20,000
    identical noise draws. Same draws in every group, so any difference is the rule's."""
    rng = np.random.default_rng(11)
    n = 20_000
    noise = rng.standard_normal(n)
    leniency = rng.normal(0, CONFIG.noise_sd * np.sqrt(CONFIG.leniency_share), n)
    mode = np.full(n, VERIFY, dtype=np.int8)

    def mean_rating(attitude: float, uses: float) -> float:
        return float(rate(mode, np.full(n, attitude), np.full(n, uses), leniency, noise, CONFIG).mean())

    assert mean_rating(4.0, 1.0) > mean_rating(4.0, 0.0) + 0.3
    assert mean_rating(6.0, 0.0) > mean_rating(4.0, 0.0) + 0.3 > mean_rating(2.0, 0.0) + 0.6


# --- the command ------------------------------------------------------------------------------------


def test_cli_vignette_prints_table():
    result = CliRunner().invoke(app, ["vignette", "--raters", "3000"])
    assert result.exit_code == 0, result.output
    arms_block = result.stdout.split("\n\n")[0]  # then the split by the raters' own AI use
    lines = [line for line in arms_block.splitlines() if line.strip()]
    assert lines[0].split() == ["vignette", "mean", "study", "SD", "study", "raters"]
    rows = {}
    for line in lines[1:]:
        match = re.fullmatch(r"(none|verify|primary)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)", line.strip())
        assert match, line
        rows[match[1]] = [float(x) for x in match.groups()[1:]]
    assert list(rows) == ["none", "verify", "primary"]
    expected = virtual_vignette_survey(3000, 2025)
    for arm, (mean, study_mean, sd, study_sd, raters) in rows.items():
        assert study_mean == STUDY_MEANS[arm] and study_sd == STUDY_SDS[arm]
        assert raters == 1000
        assert mean == pytest.approx(expected.mean[arm], abs=0.005)  # printed with 2 decimals
        assert sd == pytest.approx(expected.sd[arm], abs=0.005)
    # The three arms keep the study's order (no AI > verify > primary).
    assert rows["none"][0] > rows["verify"][0] > rows["primary"][0]


# --- split by the raters' own AI use, and a scenario's parameters ------------------------------------


def _split_rows(output: str) -> dict[tuple[str, str], tuple[float, float, int]]:
    """The rows of the printed split: (vignette, rater's mode) -> (mean, SD, raters)."""
    block = output.split("by the rater's own use of AI")[1]
    rows = {}
    for line in block.splitlines()[2:]:
        match = re.fullmatch(
            r"(none|verify|primary)\s+(none|verify|primary)\s+([\d.]+)\s+([\d.]+)\s+(\d+)", line.strip()
        )
        if match:
            rows[(match[1], match[2])] = (float(match[3]), float(match[4]), int(match[5]))
    return rows


def test_split_by_rater_mode_adds_up_and_shows_the_own_use_discount():
    """Each arm's raters split by their own mode add up to the arm; AI-using raters, who drop
    own_use_discount (0.5) of the penalty, rate a primary user higher than non-using raters do.
    With 20,000 raters per arm (about 4,000 users) the split means have standard errors below 0.03."""
    result = virtual_vignette_survey(seed=3)
    for arm in ("none", "verify", "primary"):
        counts = [result.by_rater_mode[(arm, rater)][2] for rater in ("none", "verify", "primary")]
        assert sum(counts) == result.count[arm]
    gap = result.by_rater_mode[("primary", "verify")][0] - result.by_rater_mode[("primary", "none")][0]
    # half the fitted primary penalty (2.79 / 2), less the clipping at 7: well above 0.8 points
    assert gap > 0.8
    assert abs(result.by_rater_mode[("none", "verify")][0] - result.by_rater_mode[("none", "none")][0]) < 0.15


def test_cli_vignette_takes_a_scenario(tmp_path):
    """--scenario: that file's [judgment] rates, its clinicians' modes make the raters' modes."""
    path = tmp_path / "lenient.toml"
    path.write_text(
        "[judgment]\npenalty_primary = 0.0\nown_use_discount = 1.0\n"
        "[population.initial_modes]\nnone = 0.5\nverify = 0.3\nprimary = 0.2\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["vignette", "--raters", "30000", "--scenario", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("scenario: lenient")
    rows = _split_rows(result.stdout)
    assert len(rows) == 9
    raters = {
        mode: sum(rows[(arm, mode)][2] for arm in ("none", "verify", "primary"))
        for mode in ("none", "verify", "primary")
    }
    # initial modes 50 / 30 / 20 %: 30,000 raters give shares within 0.01 (SE 0.003)
    for mode, share in (("none", 0.5), ("verify", 0.3), ("primary", 0.2)):
        assert raters[mode] / 30_000 == pytest.approx(share, abs=0.01)
    # No primary penalty: the primary vignette is rated like the no-AI one (SE about 0.02 per mean).
    assert rows[("primary", "none")][0] == pytest.approx(rows[("none", "none")][0], abs=0.1)
    # AI users drop the whole verification penalty (own_use_discount = 1); non-users do not.
    assert rows[("verify", "verify")][0] > rows[("verify", "none")][0] + 0.5
    expected = virtual_vignette_survey(30_000, 2025, *_scenario_parameters(path))
    assert rows[("verify", "primary")][0] == pytest.approx(expected.by_rater_mode[("verify", "primary")][0], abs=0.005)


def _scenario_parameters(path):
    from simulation.scenario import load_scenario

    scenario = load_scenario(path)
    return scenario.judgment, scenario.population


def test_cli_vignette_bad_scenario_is_one_error_line(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("[judgment]\npenalty_primry = 1.0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["vignette", "--scenario", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "did you mean 'penalty_primary'" in lines[0]
