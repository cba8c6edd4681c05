"""Interventions: schedules, who gets a seat, what a workshop does and how it fades, what it costs."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from simulation.interventions.base import InterventionContext
from simulation.interventions.targeting import select_targets
from simulation.interventions.workshop import Workshop
from simulation.model import ClinicianModel
from simulation.scenario.interventions import ScheduleConfig, WorkshopConfig
from simulation.scenario.schema import Scenario

# --- schedule -------------------------------------------------------------------------------------


def _acting_steps(schedule: ScheduleConfig, horizon: int = 120) -> list[int]:
    return [step for step in range(1, horizon + 1) if schedule.acts_at(step)]


def test_schedule_start_every_until():
    # The workshops scenario: week 2, then every 4 weeks, last session no later than week 78.
    schedule = ScheduleConfig(start=2, every=4, until=78)
    assert _acting_steps(schedule) == list(range(2, 79, 4))
    assert len(_acting_steps(schedule)) == 20
    assert not schedule.acts_at(1) and not schedule.acts_at(3) and not schedule.acts_at(82)


def test_schedule_until_is_inclusive_and_may_fall_between_sessions():
    assert _acting_steps(ScheduleConfig(start=5, every=5, until=20)) == [5, 10, 15, 20]
    assert _acting_steps(ScheduleConfig(start=5, every=5, until=19)) == [5, 10, 15]


def test_schedule_without_every_acts_once_and_without_until_forever():
    assert _acting_steps(ScheduleConfig(start=7)) == [7]
    assert _acting_steps(ScheduleConfig()) == [1]  # default: once, at the first step
    assert _acting_steps(ScheduleConfig(start=3, every=10), horizon=60) == [3, 13, 23, 33, 43, 53]


def test_schedule_at_lists_exact_steps_and_overrides_start_every_until():
    assert _acting_steps(ScheduleConfig(at=[3, 5, 40])) == [3, 5, 40]
    assert _acting_steps(ScheduleConfig(at=[4, 9], start=2, every=1, until=3)) == [4, 9]
    assert _acting_steps(ScheduleConfig(at=[])) == []


@pytest.mark.parametrize(
    "kwargs",
    [{"start": 0}, {"every": 0}, {"start": 10, "until": 9}, {"at": [0, 3]}, {"sessions": 3}],
)
def test_schedule_rejects_bad_values(kwargs):
    with pytest.raises(ValidationError):
        ScheduleConfig(**kwargs)


# --- targeting ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def population():
    """State and network of a 400-clinician hospital (default parameters, no interventions)."""
    scenario = Scenario()
    scenario.population.n = 400
    model = ClinicianModel(scenario, 3, with_agents=False)
    return model.state, model.network


def _fresh(population):
    """A private copy of the state, so tests that change it do not leak into each other."""
    from copy import deepcopy

    state, network = population
    return deepcopy(state), network


def test_skeptics_first_when_there_are_more_skeptics_than_seats(population):
    state, _ = population
    skeptical = state.skeptical()
    seats = int(skeptical.sum()) // 2
    chosen = select_targets("skeptics", state, seats, np.random.default_rng(0))
    assert len(chosen) == seats
    assert np.all(skeptical[chosen])


def test_skeptics_then_least_favourable_others(population):
    state, _ = population
    skeptical = state.skeptical()
    n_skeptics = int(skeptical.sum())
    assert 0 < n_skeptics < state.n - 30
    chosen = select_targets("skeptics", state, n_skeptics + 30, np.random.default_rng(0))
    assert set(np.flatnonzero(skeptical)) <= set(chosen.tolist())
    others = chosen[~skeptical[chosen]]
    assert len(others) == 30
    left_out = np.setdiff1d(np.flatnonzero(~skeptical), others)
    assert state.attitude[others].max() <= state.attitude[left_out].min()
    # Within the non-skeptics, lowest attitude first.
    assert np.all(np.diff(state.attitude[others]) >= 0)


def test_opinion_leaders_by_advice_in_degree(population):
    state, _ = population
    chosen = select_targets("opinion_leaders", state, 25, np.random.default_rng(1))
    assert len(chosen) == 25
    rest = np.setdiff1d(np.arange(state.n), chosen)
    assert state.advice_in_degree[chosen].min() >= state.advice_in_degree[rest].max()
    assert np.all(np.diff(state.advice_in_degree[chosen]) <= 0)  # most consulted first


def test_department_restricts_seats(population):
    state, _ = population
    surgery = state.department_names.index("Surgery")
    members = np.flatnonzero(state.department == surgery)
    chosen = select_targets("department", state, 10, np.random.default_rng(2), department=surgery)
    assert len(chosen) == 10 and np.all(state.department[chosen] == surgery)
    # More seats than members: the whole department and nobody else.
    everyone = select_targets("department", state, state.n, np.random.default_rng(2), department=surgery)
    assert sorted(everyone.tolist()) == members.tolist()
    with pytest.raises(ValueError):
        select_targets("department", state, 10, np.random.default_rng(2))


def test_random_has_no_duplicates_and_respects_eligible(population):
    state, _ = population
    rng = np.random.default_rng(3)
    chosen = select_targets("random", state, 100, rng)
    assert len(chosen) == 100 == len(set(chosen.tolist()))
    eligible = np.zeros(state.n, dtype=bool)
    eligible[::7] = True
    for _ in range(5):
        picked = select_targets("random", state, 30, rng, eligible=eligible)
        assert len(picked) == 30 == len(set(picked.tolist()))
        assert np.all(eligible[picked])
    # Fewer eligible than seats: exactly the eligible ones.
    all_eligible = select_targets("random", state, state.n, rng, eligible=eligible)
    assert sorted(all_eligible.tolist()) == np.flatnonzero(eligible).tolist()


@pytest.mark.parametrize("rule", ["skeptics", "opinion_leaders", "department"])
def test_every_rule_respects_eligible(population, rule):
    state, _ = population
    eligible = np.random.default_rng(4).random(state.n) < 0.3
    department = state.department_names.index("Internal medicine") if rule == "department" else None
    chosen = select_targets(rule, state, 40, np.random.default_rng(5), eligible=eligible, department=department)
    assert len(chosen) == len(set(chosen.tolist())) > 0
    assert np.all(eligible[chosen])


def test_targeting_is_deterministic_given_the_generator(population):
    state, _ = population
    for rule in ("random", "skeptics", "opinion_leaders"):
        first = select_targets(rule, state, 50, np.random.default_rng(9))
        again = select_targets(rule, state, 50, np.random.default_rng(9))
        assert np.array_equal(first, again)


# --- workshop effects, fading and cost --------------------------------------------------------------


def _workshop(population, **overrides) -> tuple[Workshop, object]:
    state, network = _fresh(population)
    config = WorkshopConfig(kind="workshop", **overrides)
    return Workshop(config, InterventionContext(state, network, np.random.default_rng(6))), state


def test_workshop_raises_attendees_attitude_and_literacy_only(population):
    workshop, state = _workshop(population, seats=50, targeting="skeptics")
    before = {name: getattr(state, name).copy() for name in ("attitude", "literacy", "status_concern")}
    workshop.act(1)
    attended = workshop.attended > 0
    assert attended.sum() == 50
    cfg = workshop.config
    # Attitudes are far below 7 for skeptics, literacy far below 1: the full gains apply.
    assert np.allclose(state.attitude[attended] - before["attitude"][attended], cfg.attitude_gain)
    assert np.allclose(state.literacy[attended] - before["literacy"][attended], cfg.literacy_gain)
    concern_change = state.status_concern[attended] - before["status_concern"][attended]
    assert np.all(concern_change < 0) and np.all(concern_change >= cfg.status_concern_change - 1e-12)
    for name, values in before.items():
        assert np.array_equal(getattr(state, name)[~attended], values[~attended]), name


def _fraction_remaining(state, before, after_session, attended, name):
    boost = after_session[name][attended] - before[name][attended]
    keep = np.abs(boost) > 1e-6  # clipped at a bound: no boost, nothing to fade
    now = getattr(state, name)[attended] - before[name][attended]
    return now[keep] / boost[keep]


@pytest.mark.parametrize("half_life", [12, 5])
def test_boost_fades_with_the_configured_half_life(population, half_life):
    workshop, state = _workshop(population, seats=60, targeting="random", half_life_weeks=half_life)
    names = ("attitude", "literacy", "status_concern")
    before = {name: getattr(state, name).copy() for name in names}
    workshop.act(1)
    after_session = {name: getattr(state, name).copy() for name in names}
    attended = workshop.attended > 0
    for _ in range(half_life):
        workshop.fade()
    for name in names:
        fraction = _fraction_remaining(state, before, after_session, attended, name)
        assert fraction.size > 0
        # Pure exponential decay, nothing else acting: exactly one half up to rounding (1e-9).
        assert np.allclose(fraction, 0.5, rtol=0, atol=1e-9), name
    # And it keeps fading toward the pre-session value.
    for _ in range(20 * half_life):
        workshop.fade()
    for name in names:
        assert np.allclose(getattr(state, name), before[name], rtol=0, atol=1e-5), name


def test_other_changes_during_fading_are_kept(population):
    """Only the workshop's own boost is taken back: a peer-driven change in between stays."""
    workshop, state = _workshop(population, seats=40, half_life_weeks=12)
    before = state.attitude.copy()
    workshop.act(1)
    who = np.flatnonzero(workshop.attended > 0)
    state.attitude[who] -= 0.2  # e.g. an incident heard of
    for _ in range(12 * 40):
        workshop.fade()
    assert np.allclose(state.attitude[who], before[who] - 0.2, atol=1e-6)


def test_reinforcement_makes_the_boost_fade_slower(population):
    half_life, reinforcement = 12, 2.0
    workshop, state = _workshop(
        population, seats=population[0].n, targeting="random", half_life_weeks=half_life, reinforcement=reinforcement
    )
    before = state.literacy.copy()
    workshop.act(1)
    workshop.act(2)  # everyone attends a second session
    assert np.all(workshop.attended == 2)
    after_two = state.literacy.copy()
    everyone = np.ones(state.n, dtype=bool)
    for _ in range(half_life):
        workshop.fade()
    fraction = _fraction_remaining(state, {"literacy": before}, {"literacy": after_two}, everyone, "literacy")
    # Second session: half-life 12 x 2 = 24 weeks, so 0.5 ** (12 / 24) = 0.707 remains after 12 weeks.
    assert np.allclose(fraction, 0.5 ** (half_life / (half_life * reinforcement)), rtol=0, atol=1e-9)
    assert np.all(fraction > 0.5 + 0.2)

    # Without reinforcement the same two sessions fade with the plain half-life.
    plain, state2 = _workshop(population, seats=population[0].n, half_life_weeks=half_life, reinforcement=1.0)
    before2 = state2.literacy.copy()
    plain.act(1)
    plain.act(2)
    after2 = state2.literacy.copy()
    for _ in range(half_life):
        plain.fade()
    fraction2 = _fraction_remaining(state2, {"literacy": before2}, {"literacy": after2}, everyone, "literacy")
    assert np.allclose(fraction2, 0.5, rtol=0, atol=1e-9)


def test_repeat_sessions_give_diminishing_gains(population):
    """Documented (fading.py): the k-th session a clinician attends adds 1/k of each gain."""
    workshop, state = _workshop(population, seats=population[0].n, literacy_gain=0.15)
    steps = []
    for week in (1, 2, 3):
        before = state.literacy.copy()
        workshop.act(week)
        steps.append(state.literacy - before)
    unclipped = state.literacy < 1.0 - 1e-9
    assert unclipped.sum() > 0.9 * state.n
    for k, gained in enumerate(steps, start=1):
        assert np.allclose(gained[unclipped], 0.15 / k, atol=1e-12), k


def test_reinforcement_applies_at_most_twice(population):
    """Documented (fading.py): the half-life grows with at most two further sessions (x4 here)."""
    workshop, state = _workshop(population, seats=population[0].n, half_life_weeks=6, reinforcement=2.0)
    before = state.literacy.copy()
    for week in (1, 2, 3, 4):
        workshop.act(week)
    after = state.literacy.copy()
    everyone = np.ones(state.n, dtype=bool)
    for _ in range(24):  # 6 weeks x 2 x 2, not x 2 x 2 x 2
        workshop.fade()
    fraction = _fraction_remaining(state, {"literacy": before}, {"literacy": after}, everyone, "literacy")
    assert np.allclose(fraction, 0.5, rtol=0, atol=1e-9)


def test_attitude_boost_moves_the_anchor_and_fades_with_it(population):
    """Anchoring pulls toward week-0 attitude plus the workshop boost still in force."""
    workshop, state = _workshop(population, seats=30, half_life_weeks=10)
    anchor0 = state.anchor_attitude.copy()
    attitude0 = state.attitude.copy()
    workshop.act(1)
    assert np.allclose(state.anchor_attitude - anchor0, state.attitude - attitude0, atol=1e-12)
    for _ in range(10):
        workshop.fade()
    assert np.allclose(state.anchor_attitude - anchor0, state.attitude - attitude0, atol=1e-12)
    for _ in range(400):
        workshop.fade()
    assert np.allclose(state.anchor_attitude, anchor0, atol=1e-6)


@pytest.mark.parametrize("seats,session_hours,facilitator_hours", [(20, 2.0, 4.0), (35, 1.5, 0.0), (1, 3.0, 6.0)])
def test_session_cost_is_attendee_hours_plus_facilitator_hours(population, seats, session_hours, facilitator_hours):
    workshop, _ = _workshop(population, seats=seats, session_hours=session_hours, facilitator_hours=facilitator_hours)
    cost = workshop.act(1)
    attendees = int((workshop.attended > 0).sum())
    assert attendees == seats
    assert cost == pytest.approx(attendees * session_hours + facilitator_hours)


def test_cost_counts_actual_attendees_when_seats_do_not_fill(population):
    state, _ = population
    anesthesiology = state.department_names.index("Anesthesiology")
    members = int((state.department == anesthesiology).sum())
    workshop, _ = _workshop(population, seats=members + 25, targeting="department", department="Anesthesiology")
    cost = workshop.act(1)
    assert cost == pytest.approx(members * 2.0 + 4.0)


def test_step_books_cost_only_at_scheduled_steps(population):
    workshop, _ = _workshop(population, seats=20, start=2, every=4, until=10)
    costs = [workshop.step(week) for week in range(1, 15)]
    assert [w for w, c in zip(range(1, 15), costs, strict=True) if c > 0] == [2, 6, 10]
    assert sum(costs) == pytest.approx(3 * (20 * 2.0 + 4.0))


def test_repeat_attendance_false_gives_new_attendees_only(population):
    workshop, _ = _workshop(population, seats=30, repeat_attendance=False)
    for week in range(1, 6):
        workshop.act(week)
    assert workshop.attended.max() == 1
    assert int(workshop.attended.sum()) == 150


def test_model_books_workshop_cost_from_first_week():
    """Steps are weeks and the first step is week 1: `at = [1, 3]` costs at steps 1 and 3."""
    scenario = Scenario()
    scenario.population.n = 150
    scenario.interventions = [WorkshopConfig(kind="workshop", at=[1, 3], seats=10)]
    model = ClinicianModel(scenario, 0, with_agents=False)
    costs = []
    for _ in range(4):
        model.step()
        costs.append(model.cost_hours)
    assert costs == [24.0, 24.0, 48.0, 48.0]


# --- one physics with or without a scenario, and declared fading keys -------------------------------


@pytest.mark.parametrize("kind", ["ai_incident", "open_forum"])
def test_intervention_without_a_scenario_acts_as_with_the_default_scenario(population, kind):
    """A context built without a scenario carries the scenario defaults (literacy protection, error rate)."""
    from simulation.interventions.registry import build_intervention
    from simulation.scenario.interventions import CONFIGS

    config = CONFIGS[kind](kind=kind)
    results = []
    for scenario in (None, Scenario()):
        state, network = _fresh(population)
        extra = {} if scenario is None else {"scenario": scenario}
        intervention = build_intervention(
            config, InterventionContext(state, network, np.random.default_rng(3), **extra)
        )
        intervention.act(1)
        results.append((state.trust.copy(), state.attitude.copy()))
    assert np.array_equal(results[0][0], results[1][0]) and np.array_equal(results[0][1], results[1][1])


def test_a_fading_kind_must_declare_half_life_and_reinforcement():
    from simulation.scenario.interventions import FadingConfig

    with pytest.raises(TypeError, match="half_life_weeks, reinforcement"):

        class Forgetful(FadingConfig):  # noqa: F841 - defining it is the test
            pass
