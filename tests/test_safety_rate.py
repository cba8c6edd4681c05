"""The like-for-like safety outcome (issue 14): errors reaching patients per 1,000 decisions.

- The compiled week of use and the per-agent reference compute the same own errors, clinician by
  clinician (the same arithmetic to rounding), and the two models give the same distribution of the
  run's rate.
- With modes held fixed (nobody reconsiders), the rate is the closed form of docs/MODEL.md 7.3 at the
  population's modes and literacies, and moving a fifth of the clinicians from no AI to verification
  lowers it by the closed form's amount; with the full dynamics (paired seeds) it falls too.
- The rate in steps.csv is the running total errors / total decisions x 1,000; replications.csv
  carries the run's rate and totals; comparison.csv compares the rate (lower is better) before the
  AI errors' count, which has no better direction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, small_scenario, write_scenario
from helpers import run_job, run_scenario
from scipy.stats import ks_2samp

from simulation.batch import ReplicationBatch
from simulation.fast import clinicians
from simulation.metrics import COLUMNS
from simulation.outcomes import CATALOGUE, COMPARED, outcome
from simulation.reference.agents import NONE, PRIMARY, VERIFY, ReferenceModel, own_errors
from simulation.reference.scenarios import scenario
from simulation.replica import Replica
from simulation.scenario.parameters import ExperienceConfig, ModeShares
from simulation.seeding import replication_seed

NEW = ("decisions", "own_errors_caught", "own_errors_passed", "errors_reaching_patients", "errors_per_1000")


def _column(name: str) -> int:
    return COLUMNS.index(name)


# ---------------------------------------------------------------- the fast form and the reference


def test_week_of_use_own_errors_equal_the_reference_form_clinician_by_clinician():
    """Every clinician's decisions and own errors from the compiled loop equal `reference.agents.own_errors`
    applied to the same week's cases (a user's cases the AI got right: decisions - AI errors)."""
    cfg = ExperienceConfig(own_error_rate=0.12, own_catch_verify=(0.25, 0.75))
    n = 3_000
    rng = np.random.default_rng(5)
    mode = rng.integers(0, 3, n).astype(np.int8)
    literacy = rng.random(n)
    trust, attitude = np.full(n, 0.5), np.full(n, 4.0)
    correct_cdf = clinicians.poisson_cdf(cfg.cases_per_week * (1 - cfg.error_rate))
    error_cdf = clinicians.poisson_cdf(cfg.cases_per_week * cfg.error_rate)
    caught, passed, _, decisions, own_caught, own_passed = clinicians.week_of_use(
        mode,
        literacy,
        trust,
        attitude,
        np.array([11], dtype=np.uint64),
        np.zeros(n, dtype=np.int32),
        np.array([0, n]),
        correct_cdf,
        error_cdf,
        np.asarray(cfg.catch_verify, dtype=float),
        np.asarray(cfg.catch_primary, dtype=float),
        cfg.incident_share,
        cfg.trust_learning_rate,
        cfg.attitude_from_trust_rate,
        float(cfg.cases_per_week),
        cfg.own_error_rate,
        np.asarray(cfg.own_catch_verify, dtype=float),
    )
    users = mode != NONE
    assert np.all(decisions[~users] == cfg.cases_per_week)
    assert np.all(decisions[users] == np.round(decisions[users]))  # a user's decisions are their cases
    for i in range(n):
        correct = int(decisions[i] - caught[i] - passed[i])
        expected = own_errors(int(mode[i]), float(literacy[i]), float(decisions[i]), correct, cfg)
        assert (own_caught[i], own_passed[i]) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert np.all(own_caught[mode == PRIMARY] == 0) and np.all(own_passed[mode == PRIMARY] == 0)
    assert np.all(own_caught[mode == NONE] == 0)
    assert own_passed[mode == VERIFY].sum() > 0


def test_fast_model_and_reference_give_the_same_distribution_of_the_rate():
    """Run's errors per 1,000 decisions and total decisions: 30 replications of each model (200
    clinicians, 26 weeks, other seeds for the reference, which draws differently); KS p >= 0.01 and
    means within four standard errors (as tests/test_performance.py for the shares)."""
    replications, steps = 30, 26
    fast_runs = run_scenario(scenario(200, None, steps, replications), workers=1)
    fast = np.array([r.outcomes[-1] for r in fast_runs])
    reference_scenario = scenario(200, None, steps, replications, seed=7)
    slow = []
    for k in range(replications):
        model = ReferenceModel(reference_scenario, k)
        for _ in range(steps):
            model.step()
        slow.append(model.safety_outcomes())
    decisions = np.array([[r.outcomes[1:, _column("decisions")].sum()] for r in fast_runs]).ravel()
    for name, a in (("errors_per_1000", fast[:, _column("errors_per_1000")]), ("total_decisions", decisions)):
        b = np.array([row[name] for row in slow])
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert ks_2samp(a, b).pvalue >= 0.01, (name, a.mean(), b.mean())
        assert abs(a.mean() - b.mean()) <= 4 * se, (name, a.mean(), b.mean(), se)


# ---------------------------------------------------------------- the closed form, modes held fixed


def _fixed_modes(none: float, verify: float, primary: float, n: int = 500, steps: int = 52):
    sc = scenario(n, None, steps, 1, seed=99)
    sc.choice.reconsider_rate = 0.0  # nobody changes mode: the closed form holds every week
    sc.population.initial_modes = ModeShares(none=none, verify=verify, primary=primary)
    return sc


def _closed_form(state, cfg: ExperienceConfig) -> tuple[float, float]:
    """Expected errors reaching patients per 1,000 decisions for fixed modes (docs/MODEL.md 7.3), and
    the expected AI errors passed on per week (for the caller's standard error)."""
    p, e, k = cfg.own_error_rate, cfg.error_rate, cfg.cases_per_week
    lit = state.literacy
    c_own = cfg.own_catch_verify[0] + (cfg.own_catch_verify[1] - cfg.own_catch_verify[0]) * lit
    c_ver = cfg.catch_verify[0] + (cfg.catch_verify[1] - cfg.catch_verify[0]) * lit
    c_pri = cfg.catch_primary[0] + (cfg.catch_primary[1] - cfg.catch_primary[0]) * lit
    per_decision = np.where(
        state.mode == NONE,
        p,
        np.where(state.mode == VERIFY, (1 - e) * p * (1 - c_own) + e * (1 - c_ver), e * (1 - c_pri)),
    )
    ai_passed = np.where(state.mode == VERIFY, e * (1 - c_ver), np.where(state.mode == PRIMARY, e * (1 - c_pri), 0))
    return 1000.0 * float(per_decision.mean()), float(ai_passed.sum()) * k  # rate, AI errors passed per week


def _run(sc) -> tuple[float, float, float]:
    """(the run's rate, its closed form, the closed form's standard error) of one replication."""
    replica = Replica(sc, replication_seed(sc.run.seed, 0))
    expected, ai_per_week = _closed_form(replica.state, sc.experience)
    batch = ReplicationBatch([replica], sc.run.steps)
    batch.run(sc.run.steps)
    assert batch.outcomes is not None
    rate = float(batch.outcomes[0, -1, _column("errors_per_1000")])
    decisions = sc.population.n * sc.experience.cases_per_week * sc.run.steps
    # The noise of a run's rate: the AI errors passed on are Poisson counts (variance = mean) and the
    # users' cases Poisson too (the verifiers' own errors scale with them); 1.5 x the AI errors' SD
    # covers both (the cases' share is a few percent of it at these rates).
    se = 1.5 * 1000.0 * np.sqrt(ai_per_week * sc.run.steps) / decisions
    return rate, expected, se


def test_rate_is_the_closed_form_when_modes_are_fixed():
    """Within four standard errors of a run's Poisson noise (about 0.6 per 1,000 here)."""
    for shares in ((0.78, 0.16, 0.06), (0.4, 0.4, 0.2), (1.0, 0.0, 0.0)):
        rate, expected, se = _run(_fixed_modes(*shares))
        assert abs(rate - expected) <= 4 * se + 1e-9, (shares, rate, expected, se)
    rate, _, _ = _run(_fixed_modes(1.0, 0.0, 0.0))
    assert rate == pytest.approx(1000 * ExperienceConfig().own_error_rate, rel=1e-12)  # nobody uses AI


def test_rate_falls_when_verification_rises_with_everything_else_equal():
    """A fifth of the clinicians moved from no AI to verification (same seed, modes held fixed): the
    rate falls by the closed form's difference (about 5 per 1,000 at the default literacy), within
    four standard errors of the two runs' noise, and by at least 3 per 1,000."""
    base_rate, base_expected, base_se = _run(_fixed_modes(0.78, 0.16, 0.06))
    more_rate, more_expected, more_se = _run(_fixed_modes(0.58, 0.36, 0.06))
    assert more_expected < base_expected - 3.0
    assert abs((more_rate - base_rate) - (more_expected - base_expected)) <= 4 * np.hypot(base_se, more_se)
    assert more_rate < base_rate - 3.0


def test_rate_falls_when_verification_rises_under_the_full_dynamics():
    """The same move with everyone reconsidering as usual (paired seeds, 8 replications of 300
    clinicians over a year): every replication's rate falls, and the mean paired difference is below
    -2 per 1,000 (the fixed-modes effect is about 5; reconsidering blurs the initial difference)."""

    def rates(none: float, verify: float) -> np.ndarray:
        sc = scenario(300, None, 52, 8, seed=31)
        sc.population.initial_modes = ModeShares(none=none, verify=verify, primary=0.06)
        return np.array([r.outcomes[-1][_column("errors_per_1000")] for r in run_scenario(sc, workers=1)])

    difference = rates(0.58, 0.36) - rates(0.78, 0.16)
    assert np.all(difference < 0), difference
    assert difference.mean() < -2.0, difference


# ---------------------------------------------------------------- the files


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """`simulate workshops` (reduced: 150 clinicians, 20 weeks, 4 replications) against its baseline."""
    where = tmp_path_factory.mktemp("safety")
    small_scenario(where / "baseline.toml", replications=4, steps=20, n=150, extends=BASELINE)
    plan = write_scenario(
        where / "workshops.toml",
        '[scenario]\ncompare_to = "baseline.toml"\n\n[run]\nreplications = 4\nsteps = 20\n\n[population]\nn = 150\n',
        extends=WORKSHOPS,
    )
    out = where / "out"
    run_job(plan, out, workers=1)
    return out


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, keep_default_na=False, na_values=[""])


def test_the_safety_columns_are_written_last_in_steps_csv(folder):
    steps = _read(folder, "steps.csv")
    assert list(steps.columns[-len(NEW) :]) == list(NEW)
    assert list(COLUMNS[-len(NEW) :]) == list(NEW) and [o.name for o in CATALOGUE[-len(NEW) :]] == list(NEW)
    week0 = steps[steps["step"] == 0]
    assert week0["errors_per_1000"].isna().all() and (week0["decisions"] == 0).all()
    later = steps[steps["step"] > 0]
    np.testing.assert_allclose(
        later["errors_reaching_patients"], later["own_errors_passed"] + later["errors_passed"], rtol=1e-9
    )
    # every clinician decides every week: about n x cases_per_week decisions (users' cases are Poisson)
    assert later["decisions"].between(0.8 * 150 * 10, 1.2 * 150 * 10).all()


def test_rate_is_total_errors_over_total_decisions(folder):
    """steps.csv: each week's errors_per_1000 is 1,000 x the running sums of errors reaching patients
    and of decisions (rel. 1e-8: the CSV keeps 10 significant digits); replications.csv carries the
    last week's value and the run's totals."""
    steps = _read(folder, "steps.csv").sort_values(["scenario", "replication", "step"])
    replications = _read(folder, "replications.csv").set_index(["scenario", "replication"])
    for (name, k), run in steps.groupby(["scenario", "replication"]):
        run = run[run["step"] > 0]
        running = 1000 * run["errors_reaching_patients"].cumsum() / run["decisions"].cumsum()
        np.testing.assert_allclose(run["errors_per_1000"], running, rtol=1e-8)
        row = replications.loc[(name, k)]
        assert row["errors_per_1000"] == pytest.approx(running.iloc[-1], rel=1e-8)
        assert row["total_decisions"] == pytest.approx(run["decisions"].sum(), rel=1e-8)
        assert row["total_errors_reaching_patients"] == pytest.approx(
            row["total_own_errors_passed"] + row["total_errors_passed"], rel=1e-8
        )
        assert row["errors_per_1000"] == pytest.approx(
            1000 * row["total_errors_reaching_patients"] / row["total_decisions"], rel=1e-8
        )


def test_comparison_compares_the_rate_before_the_ai_error_count(folder):
    comparison = _read(folder, "comparison.csv")
    rows = comparison[comparison["scenario"] == "workshops"].set_index("outcome")
    assert list(rows.index) == list(COMPARED)
    assert list(COMPARED).index("errors_per_1000") < list(COMPARED).index("total_errors_passed")
    assert rows.loc["errors_per_1000", "better"] == "lower"
    assert pd.isna(rows.loc["total_errors_passed", "better"])  # a count of AI errors only: never flagged
    assert outcome("errors_passed").better is None and "AI errors only" in outcome("errors_passed").description
    rate = rows.loc["errors_per_1000"]
    replications = _read(folder, "replications.csv")
    means = replications.groupby("scenario")["errors_per_1000"].mean()
    assert rate["baseline_mean"] == pytest.approx(means["baseline"], rel=1e-9)
    assert rate["scenario_mean"] == pytest.approx(means["workshops"], rel=1e-9)
    assert 50 < rate["baseline_mean"] < 100  # between the AI users' rates and the unaided 100 per 1,000
