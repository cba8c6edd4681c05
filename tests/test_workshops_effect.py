"""The repository's workshops scenario lowers skepticism compared with the baseline, at the cost the
schedule implies.

Both scenarios run with their own defaults (20 replications x 104 weeks x 500 clinicians) and the
same root seed, so replication k of both shares its network, population and dynamics draws (common
random numbers): the per-replication differences are paired.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import BASELINE, WORKSHOPS
from helpers import run_scenario
from scipy import stats

from simulation.results.tables import steps_frame, summarise
from simulation.scenario import load_scenario


@pytest.fixture(scope="module")
def runs():
    out = {}
    for name, path in (("baseline", BASELINE), ("workshops", WORKSHOPS)):
        scenario = load_scenario(path)
        steps = steps_frame(run_scenario(scenario, workers=2))
        final = steps[steps["step"] == scenario.run.steps].set_index("replication").sort_index()
        out[name] = {"scenario": scenario, "steps": steps, "final": final, "summary": summarise(steps, scenario)}
    return out


def test_both_use_the_same_seed_and_size(runs):
    base, work = runs["baseline"]["scenario"], runs["workshops"]["scenario"]
    assert base.run.seed == work.run.seed
    assert (base.run.replications, base.run.steps, base.population.n) == (20, 104, 500)
    assert (work.run.replications, work.run.steps, work.population.n) == (20, 104, 500)
    assert base.interventions == [] and [i.kind for i in work.interventions] == ["workshop"]


def test_paired_replications_start_from_the_same_hospital(runs):
    """Common random numbers: at week 0 (before any session) replication k is identical in both runs."""
    base, work = runs["baseline"]["steps"], runs["workshops"]["steps"]
    start_base = base[base.step == 0].drop(columns=["cost_hours"]).to_numpy()
    start_work = work[work.step == 0].drop(columns=["cost_hours"]).to_numpy()
    assert np.array_equal(start_base, start_work, equal_nan=True)


def test_workshops_lower_the_final_share_skeptical(runs):
    base = runs["baseline"]["final"]["share_skeptical"]
    work = runs["workshops"]["final"]["share_skeptical"]
    assert work.mean() < base.mean()
    assert (
        runs["workshops"]["summary"]["outcomes"]["share_skeptical"]["final"]["mean"]
        < (runs["baseline"]["summary"]["outcomes"]["share_skeptical"]["final"]["mean"])
    )


def test_paired_difference_has_95_percent_t_interval_below_zero(runs):
    base = runs["baseline"]["final"]["share_skeptical"]
    work = runs["workshops"]["final"]["share_skeptical"]
    assert list(base.index) == list(work.index) == list(range(20))
    diff = (work - base).to_numpy()
    mean = diff.mean()
    half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / math.sqrt(diff.size)
    assert mean < 0
    assert mean + half < 0, (mean, half, diff)


def test_cost_hours_equal_what_the_schedule_implies(runs):
    workshop = runs["workshops"]["scenario"].interventions[0]
    steps = runs["workshops"]["scenario"].run.steps
    sessions = sum(workshop.acts_at(week) for week in range(1, steps + 1))
    expected = sessions * (workshop.seats * workshop.session_hours + workshop.facilitator_hours)
    assert sessions == 20
    assert expected == 880.0  # 20 sessions x (20 seats x 2 h + 4 h facilitators), seats always fill
    final_cost = runs["workshops"]["final"]["cost_hours"]
    assert np.all(final_cost == expected)
    totals = runs["workshops"]["summary"]["totals"]["cost_hours"]
    assert totals["mean"] == expected and totals["range95"] == [expected, expected]


def test_cost_hours_accumulate_session_by_session(runs):
    steps = runs["workshops"]["steps"]
    one = steps[steps.replication == 0].set_index("step")["cost_hours"]
    assert one[1] == 0 and one[2] == 44 and one[5] == 44 and one[6] == 88 and one[78] == 880 and one[104] == 880
    assert np.all(np.diff(one.to_numpy()) >= 0)


def test_baseline_costs_nothing(runs):
    assert np.all(runs["baseline"]["steps"]["cost_hours"] == 0)
    assert runs["baseline"]["summary"]["totals"]["cost_hours"]["mean"] == 0
