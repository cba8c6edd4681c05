"""Same scenario + same seed = same bytes, whatever the number of worker processes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, small_scenario
from helpers import run_job, run_scenario

from simulation.execution.replication import run_replication
from simulation.metrics import COLUMNS
from simulation.scenario import load_scenario

FILES = ("steps.csv", "summary.json", "replications.csv", "scenarios.csv", "comparison.csv", "targets.csv")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The reduced baseline (4 replications x 20 weeks x 200 clinicians) run three times."""
    base = tmp_path_factory.mktemp("determinism")
    scenario = small_scenario(base / "small.toml", replications=4, steps=20, n=200, extends=BASELINE)
    results = {
        "one_worker": run_job(scenario, base / "w1", workers=1),
        "two_workers": run_job(scenario, base / "w2", workers=2),
        "other_seed": run_job(scenario, base / "s2", workers=1, seed=12345),
    }
    return {name: result.out for name, result in results.items()}


@pytest.mark.parametrize("name", FILES)
def test_one_and_two_workers_give_identical_bytes(runs, name):
    one = (runs["one_worker"] / name).read_bytes()
    two = (runs["two_workers"] / name).read_bytes()
    assert one == two


def test_tables_have_the_reduced_shape(runs):
    steps = pd.read_csv(runs["one_worker"] / "steps.csv")
    assert len(steps) == 4 * 21
    assert list(steps.columns[:3]) == ["scenario", "replication", "step"]
    assert set(steps["scenario"]) == {"baseline"}  # a file run alone is a comparison of one scenario
    assert sorted(steps["replication"].unique()) == [0, 1, 2, 3]


def test_manifests_record_the_same_inputs(runs):
    import json

    one = json.loads((runs["one_worker"] / "manifest.json").read_text())
    two = json.loads((runs["two_workers"] / "manifest.json").read_text())
    assert [s["scenario_hash"] for s in one["scenarios"]] == [s["scenario_hash"] for s in two["scenarios"]]
    assert one["root_seed"] == two["root_seed"]
    assert one["common_random_numbers"] is True
    assert (one["workers"], two["workers"]) == (1, 2)


def test_different_seeds_give_different_tables(runs):
    a = (runs["one_worker"] / "steps.csv").read_bytes()
    b = (runs["other_seed"] / "steps.csv").read_bytes()
    assert a != b
    sa, sb = pd.read_csv(io.BytesIO(a)), pd.read_csv(io.BytesIO(b))
    # Not just a byte-level difference: each replication starts from a different network and
    # population (the initial attitudes differ) and ends somewhere else.
    for column in ("mean_attitude", "share_skeptical"):
        assert not np.allclose(sa[column].to_numpy(), sb[column].to_numpy()), column
    start_a = sa[sa.step == 0].mean_attitude.to_numpy()
    start_b = sb[sb.step == 0].mean_attitude.to_numpy()
    assert np.all(start_a != start_b)


def test_replications_within_a_run_differ(runs):
    steps = pd.read_csv(runs["one_worker"] / "steps.csv")
    final = steps[steps.step == 20]
    assert final["mean_attitude"].nunique() == 4


def test_replication_k_does_not_depend_on_how_many_replications_run(tmp_path):
    """Replication k is seeded from (root, k) alone: running 2 of 4 gives the same first two."""
    scenario = load_scenario(small_scenario(tmp_path / "s.toml", replications=4, steps=8, n=120, extends=WORKSHOPS))
    four = run_scenario(scenario, workers=1)
    scenario.run.replications = 2
    two = run_scenario(scenario, workers=1)
    for k in range(2):
        assert np.array_equal(four[k].outcomes, two[k].outcomes, equal_nan=True)


def test_a_replication_with_interventions_is_repeatable(tmp_path):
    scenario = load_scenario(small_scenario(tmp_path / "s.toml", replications=1, steps=12, n=150, extends=WORKSHOPS))
    first = run_replication(scenario, 0)
    second = run_replication(scenario, 0)
    assert np.array_equal(first.outcomes, second.outcomes, equal_nan=True)
    assert first.outcomes[-1, COLUMNS.index("cost_hours")] > 0  # the workshops ran


def test_the_in_memory_and_checkpointed_sinks_give_the_same_replications(tmp_path):
    """One engine: the memory sink and the partial folder differ only in where results go; the
    replications read back from disk equal those kept in memory, snapshots included."""
    from simulation.execution.checkpoint import PartialRun
    from simulation.execution.engine import MemorySink, run_jobs
    from simulation.execution.packed_store import scan
    from simulation.execution.plan import Job

    scenario = load_scenario(small_scenario(tmp_path / "s.toml", replications=3, steps=6, n=120, extends=WORKSHOPS))
    jobs = [Job(f"s0-r{k}", 0, scenario, scenario.run.seed, k, with_snapshots=k == 0) for k in range(3)]
    memory = MemorySink()
    run_jobs(jobs, sink=memory)
    partial = PartialRun(tmp_path / "out", "comparison", jobs, resume=False)
    done = run_jobs(jobs, sink=partial)
    assert [d.result for d in done] == [None, None, None]  # nothing of a finished replication in memory
    for kept, read in zip(memory.results(), partial.results(), strict=True):
        assert np.array_equal(kept.outcomes, read.outcomes, equal_nan=True)
        assert (kept.snapshots is None) == (read.snapshots is None)
    kept_files = list((tmp_path / "out.partial" / "replications").iterdir())
    assert len(kept_files) == 1 and kept_files[0].suffix == ".pack"  # one pack file, not one per replication
    assert [key for key, _ in scan(kept_files[0])] == ["s0-r0", "s0-r1", "s0-r2"]
