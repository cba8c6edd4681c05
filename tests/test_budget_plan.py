"""`simulate plan`: the best mix of programmes per budget level (issue 15, first part).

A small hospital (150 clinicians, 30 weeks) and a small menu (workshops in 4 ways, forums in 2):
14 portfolios. The true optimum per budget level is found by evaluating every portfolio at 24
replications; the search (successive halving from 2 replications) must recommend it or one within
the indifference zone (0.6 points of share skeptical: about 2 standard errors of a portfolio's mean
difference at 24 paired replications here). The objectives are share skeptical and a target's
probability (`target:<label>`), checked against the engine's own targets.csv. P(best) and regret are
checked against their closed forms on synthetic normal worlds. The exhaustive check and the same plan
on a real Dask scheduler (identical tables) are slow (20-70 s each); the rest about 20 s.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, write_scenario
from scipy.stats import norm
from typer.testing import CliRunner

from simulation.cli import app
from simulation.experiments.budget_report import robustness, run_budget
from simulation.experiments.portfolio import _final_values, plan_budget
from simulation.outcomes import EXPERIMENT_OUTCOMES
from simulation.scenario import load_scenario

MENU = """
[run]
replications = 8
steps = 30

[population]
n = 150

[uncertainty]
worlds = 6
replications = 1

[[targets]]
label = "skeptics below 22 % by week 30"
metric = "share_skeptical"
at_most = 0.22
by_week = 30

[budget]
hours = [100, 300]
objectives = ["share_skeptical", "target:skeptics below 22 % by week 30"]
start_replications = 2
finalists = 2

[[budget.menu]]
kind = "workshop"
name = "workshops"
[budget.menu.choose]
seats = [5, 10]
until = [12, 26]
[budget.menu.set]
start = 2
every = 4
targeting = "skeptics"

[[budget.menu]]
kind = "open_forum"
name = "forums"
[budget.menu.choose]
every = [8, 16]
[budget.menu.set]
start = 4
seats = 20
"""
INDIFFERENCE = 0.006  # share skeptical (0.6 points)
SKEPTICAL = EXPERIMENT_OUTCOMES.index("share_skeptical")
COST = EXPERIMENT_OUTCOMES.index("cost_hours")


@pytest.fixture(scope="module")
def menu(tmp_path_factory):
    folder = tmp_path_factory.mktemp("budget")
    return write_scenario(folder / "menu.toml", MENU, extends=BASELINE)


@pytest.fixture(scope="module")
def result(menu):
    return run_budget(menu, menu.parent / "out", workers=1, note=lambda _: None)


@pytest.mark.slow
def test_the_search_finds_the_exhaustive_optimum(menu, result):
    plan = plan_budget(menu, load_scenario(menu), menu.parent / "unused")
    truth = {}
    for candidate in plan.candidates:
        values = _final_values(candidate.scenario, 24, plan.base.run.seed)
        truth[f"portfolio {candidate.index}"] = (float(values[:, SKEPTICAL].mean()), candidate.cost_hours)
    best = pd.read_csv(result / "best.csv")
    for label, hours in plan.levels:
        fits = {name: mean for name, (mean, cost) in truth.items() if cost <= hours}
        optimum = min(fits.values())
        top = best[(best["level"] == label) & (best["rank"] == 1) & (best["objective"] == "share_skeptical")]
        chosen = top.iloc[0]["portfolio"]
        assert truth[chosen][0] <= optimum + INDIFFERENCE, (label, chosen, truth[chosen][0], optimum)


def test_no_portfolio_over_budget_is_reported(result):
    best = pd.read_csv(result / "best.csv")
    assert (best["cost_hours"] <= best["level_hours"] + 1e-9).all()
    portfolios = pd.read_csv(result / "portfolios.csv")
    for column in [c for c in portfolios.columns if c.startswith("fits ")]:
        hours = float(column.split()[1].replace(",", ""))
        assert ((portfolios["cost_hours"] <= hours) == (portfolios[column] == True)).all()  # noqa: E712


def test_costs_add_up_from_the_schedules(menu):
    plan = plan_budget(menu, load_scenario(menu), menu.parent / "unused")
    both = next(c for c in plan.candidates if all(w is not None for w in c.ways))
    simulated = _final_values(both.scenario, 2, plan.base.run.seed)[:, COST].max()
    assert both.cost_hours == pytest.approx(plan.base_cost + sum(w.cost_hours for w in both.ways))
    assert simulated == pytest.approx(both.cost_hours, rel=1e-9, abs=1e-6)
    # a workshop's hours: attendees x session hours + facilitator hours per session (docs/SCENARIOS.md)
    workshop = plan.ways[0][0]
    sessions = len(range(2, workshop.settings["until"] + 1, 4))
    assert workshop.cost_hours <= sessions * (workshop.settings["seats"] * 2.0 + 4.0) + 1e-9


def test_the_folder_and_the_report(result):
    for name in ("portfolios.csv", "frontier.csv", "best.csv", "failures.csv", "report.md", "report.html",
                 "results.xlsx", "manifest.json", "plots/frontier.png", "final/uncertainty.csv"):  # fmt: skip
        assert (result / name).exists(), name
    text = (result / "report.md").read_text(encoding="utf-8")
    assert text.index("## The answer") < text.index("## The cost-effect frontier") < text.index("## Robustness")
    assert text.index("## Robustness") < text.index("## When it fails")
    best = pd.read_csv(result / "best.csv")
    top = best[best["rank"] == 1]
    assert top["p_best_level"].between(0, 1).all() and (top["regret_max"] >= 0).all()
    # both ranges of the final evaluation (6 worlds of 1 run here: too few to compare their widths)
    assert best[["chance_low", "chance_high", "uncertain_low", "uncertain_high"]].notna().all().all()
    frontier = pd.read_csv(result / "frontier.csv")
    assert frontier["portfolio"].iloc[0] == "no programme" and frontier["cost_hours"].iloc[0] == 0
    for objective, sign in (("share_skeptical", 1), ("target:skeptics below 22 % by week 30", -1)):
        line = frontier[frontier["portfolio"].str.startswith("portfolio") & (frontier["objective"] == objective)]
        costs, means = line["cost_hours"].to_numpy(), line["mean"].to_numpy()
        assert (np.diff(costs) >= 0).all() and (sign * np.diff(means) < 0).all()  # dearer frontier points do better


def test_a_file_without_a_budget_is_a_clear_error(tmp_path):
    plain = write_scenario(tmp_path / "plain.toml", "[run]\nreplications = 2\nsteps = 3\n")
    result = CliRunner().invoke(app, ["plan", str(plain), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "no [budget] table" in result.output and "Traceback" not in result.output


def test_a_budget_nothing_fits_is_a_clear_error(tmp_path):
    body = MENU.replace("hours = [100, 300]", "hours = [1]")
    path = write_scenario(tmp_path / "tiny.toml", body)
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2 and "no portfolio of the menu fits 1 clinician-hours" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()  # nothing kept


def test_a_target_as_objective_is_its_probability(result):
    # The target's probability in best.csv is this module's own count of replications that reach it;
    # the engine's targets.csv of the final comparison counts them another way (first_steps_reached).
    best = pd.read_csv(result / "best.csv")
    targets = pd.read_csv(result / "final" / "targets.csv").set_index("scenario")
    rows = best[best["objective"] == "target:skeptics below 22 % by week 30"]
    assert len(rows) == 2 * 2  # two levels x two finalists
    assert (rows["objective_words"] == "the chance of reaching “skeptics below 22 % by week 30”").all()
    baseline = targets.loc["no programme", "probability"]
    for _, row in rows.iterrows():
        assert row["probability"] == pytest.approx(targets.loc[row["portfolio"], "probability"])
        assert row["difference"] == pytest.approx(row["probability"] - baseline)
        assert row["chance_low"] <= row["difference"] <= row["chance_high"]
        assert 0 <= row["probability_worlds"] <= 1 and 0 <= row["p_better"] <= 1
    portfolios = pd.read_csv(result / "portfolios.csv")
    column = portfolios["target:skeptics below 22 % by week 30"]
    assert (column * portfolios["replications"]).round(9).apply(float.is_integer).all()  # shares of runs
    text = (result / "report.md").read_text(encoding="utf-8")
    assert "Best for the chance of reaching “skeptics below 22 % by week 30”:" in text
    assert "The indifference zone" in text


def test_an_objective_naming_no_target_is_a_clear_error(tmp_path):
    body = MENU.replace("target:skeptics below 22 % by week 30", "target:3")
    path = write_scenario(tmp_path / "wrong.toml", body)
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "key 'budget.objectives': 'target:3' names no [[targets]] table" in result.output
    assert "its targets: 1 “skeptics below 22 % by week 30”" in result.output  # the ones it has, numbered
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()
    typo = write_scenario(
        tmp_path / "typo.toml", MENU.replace('"share_skeptical", "target', '"share_skeptic", "target')
    )
    result = CliRunner().invoke(app, ["check", str(typo)])
    assert result.exit_code == 2 and "did you mean 'share_skeptical'?" in result.output


def test_the_manifest_records_the_method(result):
    manifest = json.loads((result / "manifest.json").read_text(encoding="utf-8"))
    method = manifest["method"]
    assert method["search"].startswith("successive halving with common random numbers")
    assert method["objectives"] == ["share_skeptical", "target:skeptics below 22 % by week 30"]
    assert (method["start_replications"], method["finalists"], method["final_replications"]) == (2, 2, 8)
    assert [r["replications"] for r in method["rounds"]][0] == 2 and "standard errors" in method["indifference_zone"]


def _robustness_by_closed_form(better: str, mu_a: float, mu_b: float, sd_a: float, sd_b: float) -> None:
    """Two portfolios with normal outcomes across K worlds: P(A best) and A's expected regret have closed
    forms; the computed ones must agree within 4 Monte Carlo standard errors."""
    worlds = 40_000
    rng = np.random.default_rng(7)
    table = pd.DataFrame({"A": rng.normal(mu_a, sd_a, worlds), "B": rng.normal(mu_b, sd_b, worlds)})
    stats = robustness(table, better)
    # oriented so that lower is better: D = A - B (or B - A when higher is better), D ~ N(m, s^2)
    m = (mu_a - mu_b) if better == "lower" else (mu_b - mu_a)
    s = math.hypot(sd_a, sd_b)
    p_best = norm.cdf(-m / s)  # P(D < 0)
    regret = m * norm.cdf(m / s) + s * norm.pdf(m / s)  # E[max(0, D)]
    second = (m * m + s * s) * norm.cdf(m / s) + m * s * norm.pdf(m / s)  # E[max(0, D)^2]
    assert stats["A"]["p_best_level"] == pytest.approx(p_best, abs=4 * math.sqrt(p_best * (1 - p_best) / worlds))
    assert stats["A"]["regret_mean"] == pytest.approx(regret, abs=4 * math.sqrt((second - regret**2) / worlds))
    assert stats["A"]["p_best_level"] + stats["B"]["p_best_level"] == pytest.approx(1.0)
    assert stats["A"]["regret_max"] >= stats["A"]["regret_mean"] >= 0


def test_tied_worlds_share_the_chance_of_being_best() -> None:
    # a target's probability from 2 runs per world: 0, 0.5 or 1, often tied (higher is better)
    table = pd.DataFrame({"A": [1.0, 0.5, 1.0, 0.0], "B": [1.0, 1.0, 0.5, 0.0], "C": [0.5, 0.5, 0.0, 0.0]})
    stats = robustness(table, "higher")
    assert stats["A"]["p_best_level"] == pytest.approx((1 / 2 + 0 + 1 + 1 / 3) / 4)
    assert stats["C"]["p_best_level"] == pytest.approx((1 / 3) / 4)
    assert sum(s["p_best_level"] for s in stats.values()) == pytest.approx(1.0)
    assert stats["A"]["regret_max"] == pytest.approx(0.5) and stats["C"]["regret_mean"] == pytest.approx(0.5)


def test_p_best_and_regret_match_the_closed_form() -> None:
    # share skeptical (lower better): A 2 points better on average, worlds spread 3 and 4 points
    _robustness_by_closed_form("lower", 0.30, 0.32, 0.03, 0.04)
    # share verifying (higher better): A 1 point worse, equal spreads
    _robustness_by_closed_form("higher", 0.40, 0.41, 0.02, 0.02)


@pytest.mark.slow
def test_a_plan_on_a_dask_cluster_equals_the_local_run(menu, result, tmp_path):
    pytest.importorskip("distributed")
    from helpers import LocalDask

    with LocalDask(workers=2) as cluster:
        remote = run_budget(menu, tmp_path / "cluster", note=lambda _: None, cluster=cluster.address)
    for name in ("best.csv", "portfolios.csv", "frontier.csv", "failures.csv", "final/replications.csv"):
        assert (remote / name).read_bytes() == (result / name).read_bytes(), name
