"""`simulate plan`: the best mix of programmes per budget level (issue 15, first part).

A small hospital (150 clinicians, 30 weeks) and a small menu (workshops in 4 ways, forums in 2):
14 portfolios. The true optimum per budget level is found by evaluating every portfolio at 24
replications; the search (successive halving from 2 replications) must recommend it or one within
the indifference zone (0.6 points of share skeptical: about 2 standard errors of a portfolio's mean
difference at 24 paired replications here). The exhaustive check is slow (about 20 s); the rest
about 15 s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.experiments.budget_report import run_budget
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

[budget]
hours = [100, 300]
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
        chosen = best[(best["level"] == label) & (best["rank"] == 1)].iloc[0]["portfolio"]
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
    frontier = frontier[frontier["portfolio"].str.startswith("portfolio")]
    costs, means = frontier["cost_hours"].to_numpy(), frontier["mean"].to_numpy()
    assert (np.diff(costs) >= 0).all() and (np.diff(means) < 0).all()  # dearer frontier points do better


def test_a_file_without_a_budget_is_a_clear_error(tmp_path):
    plain = write_scenario(tmp_path / "plain.toml", "[run]\nreplications = 2\nsteps = 3\n")
    result = CliRunner().invoke(app, ["plan", str(plain), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "no [budget] table" in result.output and "Traceback" not in result.output


def test_a_budget_nothing_fits_is_a_clear_error(tmp_path):
    body = MENU.replace("hours = [100, 300]", "hours = [1]")
    path = write_scenario(tmp_path / "tiny.toml", body)
    result = CliRunner().invoke(app, ["plan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "no portfolio of the menu fits 1 clinician-hours" in result.output
    assert not (tmp_path / "out").exists()
