"""Batched replications (`simulation.batch`): a replication gives the same bits alone, in a batch of
any size and next to any others, for every scenario of the library, every intervention kind and
every adoption rule; the engine cuts jobs into batches and a failing batch fails only its bad job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS
from helpers import missing_network_data

from simulation.execution import engine, replication
from simulation.execution.engine import batch_task, batches, run_jobs
from simulation.execution.plan import Job, replication_jobs
from simulation.execution.replication import run_replication, run_replications
from simulation.fast.random import KeyStream, new_key
from simulation.model import ClinicianModel
from simulation.scenario import load_scenario
from simulation.scenario.schema import Scenario

LIBRARY = sorted(SCENARIOS.glob("*.toml"))


def _small(scenario: Scenario, steps: int = 16, n: int = 120) -> Scenario:
    small = scenario.model_copy(deep=True)
    small.run.steps = steps
    if small.network.generator != "file":
        small.population.n = n
    return small


def _alone(jobs: list[Job]) -> list[np.ndarray]:
    return [run_replication(j.scenario, j.replication, j.with_snapshots, j.root_seed).outcomes for j in jobs]


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: Path(p).stem)
def test_every_library_scenario_gives_the_same_bits_batched_and_alone(path, monkeypatch):
    missing = missing_network_data(path)  # this file's or a file it extends
    if missing:
        pytest.skip(f"{path.name}: its network data {missing} are absent (../shared beside the repository)")
    scenario = _small(load_scenario(path))
    jobs = replication_jobs(scenario, 5)
    monkeypatch.setattr(replication, "BATCH_CLINICIANS", 10**9)  # all five in one batch
    together = run_replications(jobs)
    assert [r.replication for r in together] == [0, 1, 2, 3, 4]
    for result, alone in zip(together, _alone(jobs), strict=True):
        np.testing.assert_array_equal(result.outcomes, alone)  # NaN == NaN for assert_array_equal


@pytest.mark.parametrize(
    "settings",
    [
        {"choice": {"rule": "threshold", "thresholds": [0.05, 0.4]}},
        {"choice": {"rule": "bass", "bass_p": 0.01, "bass_q": 0.3}},
        {"judgment": {"visibility": 0.0}},
        {"attitude": {"influence_rate": 0.0}},
    ],
    ids=["threshold", "bass", "nobody-sees", "no-influence"],
)
def test_the_textbook_rules_and_switched_off_rules_batch_to_the_same_bits(settings, monkeypatch):
    scenario = _small(Scenario.model_validate({**settings, "population": {"n": 90}, "run": {"steps": 12}}))
    jobs = replication_jobs(scenario, 4)
    monkeypatch.setattr(replication, "BATCH_CLINICIANS", 10**9)
    for result, alone in zip(run_replications(jobs), _alone(jobs), strict=True):
        np.testing.assert_array_equal(result.outcomes, alone)


def test_a_batch_cut_anywhere_gives_the_same_bits_and_snapshots(monkeypatch):
    """Case reviews add ties during the run (the batch's network is rebuilt); replication 0 keeps its
    network pictures' arrays; batches of 1, 2, 3 and 7 replications agree to the bit."""
    scenario = _small(load_scenario(SCENARIOS / "combined.toml"), steps=20)
    jobs = [Job(f"s0-r{k}", 0, scenario, 11, k, with_snapshots=k in (0, 4)) for k in range(7)]
    runs = {}
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(replication, "BATCH_CLINICIANS", size * scenario.population.n)
        runs[size] = run_replications(jobs)
    for size in (2, 3, 7):
        for a, b in zip(runs[1], runs[size], strict=True):
            np.testing.assert_array_equal(a.outcomes, b.outcomes)
            assert (a.snapshots is None) == (b.snapshots is None)
            if a.snapshots is not None:
                for when in ("start", "end"):
                    for key in ("edges", "attitude", "mode", "positions"):
                        np.testing.assert_array_equal(a.snapshots[when][key], b.snapshots[when][key])
    assert runs[1][4].snapshots["end"]["edges"].shape[0] > runs[1][4].snapshots["start"]["edges"].shape[0]


def test_the_mesa_model_is_a_batch_of_one_with_the_same_outcomes():
    scenario = _small(load_scenario(SCENARIOS / "workshops.toml"), steps=10)
    model = ClinicianModel(scenario, 2, with_agents=True)
    for _ in range(10):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    headless = run_replication(scenario, 2).outcomes
    np.testing.assert_array_equal(frame.to_numpy(dtype=float), headless)


def test_key_streams_drawn_ahead_equal_keys_drawn_week_by_week():
    ahead = KeyStream([np.random.default_rng(s) for s in (1, 2, 3)], block=5)
    weekly = [np.random.default_rng(s) for s in (1, 2, 3)]
    for _ in range(12):  # across block boundaries
        assert ahead.next_keys().tolist() == [int(new_key(rng)) for rng in weekly]


def test_jobs_are_cut_into_batches_of_one_scenario_spread_over_the_slots():
    small = Scenario.model_validate({"population": {"n": 500}})
    other = Scenario.model_validate({"population": {"n": 500}})
    jobs = [Job(f"s0-r{k}", 0, small, 1, k) for k in range(20)] + [Job(f"s1-r{k}", 1, other, 1, k) for k in range(20)]
    units = batches(jobs, slots=2)
    assert [len(u) for u in units] == [10, 10, 10, 10]
    assert all(len({(j.group, id(j.scenario)) for j in unit}) == 1 for unit in units)
    assert [j.key for unit in units for j in unit] == [j.key for j in jobs]  # job order kept
    assert max(len(u) for u in batches(jobs, slots=1)) == 20
    big = Scenario.model_validate({"population": {"n": 6000}})
    assert [len(u) for u in batches([Job(f"r{k}", 0, big, 1, k) for k in range(5)], slots=1)] == [2, 2, 1]
    assert [len(u) for u in batches(jobs, slots=2, batched=False)] == [1] * 40


def _compute(jobs):
    if any(job.replication == 2 for job in jobs):
        raise ValueError("bad replication in the batch")
    return [job.replication * 10 for job in jobs]


def _compute_one(job):
    if job.replication == 2:
        raise ValueError("bad replication")
    return job.replication * 10


def test_a_failing_batch_is_rerun_job_by_job_so_only_the_bad_job_fails():
    task = batch_task(_compute, _compute_one)
    jobs = replication_jobs(Scenario(), 5)
    done = run_jobs(jobs, task=task)
    assert [d.result for d in done] == [0, 10, None, 30, 40]
    assert [d.failed for d in done] == [False, False, True, False, False]
    assert done[2].error.startswith("ValueError: bad replication (at test_batch.py:")


def test_the_default_task_batches_and_matches_the_one_job_path():
    scenario = _small(Scenario(), steps=6, n=60)
    jobs = replication_jobs(scenario, 3)
    done = run_jobs(jobs)  # `replicate`, a batch task
    assert getattr(engine.replicate, "batched", False)
    for d, alone in zip(done, _alone(jobs), strict=True):
        np.testing.assert_array_equal(d.result.outcomes, alone)
