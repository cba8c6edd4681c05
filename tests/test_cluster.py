"""Runs on a real Dask cluster: a scheduler and two workers started as processes on 127.0.0.1.

- the same scenario run locally and through the cluster (`--cluster`) writes byte-identical tables;
- a worker killed (SIGKILL) during a longer run: its tasks are redone on the other worker, and every
  replication is there exactly once, with the same bytes as a local run;
- a calibration's sample points run on the workers and give the same fit as local processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from helpers import ENVIRONMENT_VARIABLE, LocalDask, run_job  # noqa: E402

from simulation.execution.packed_store import kept_count  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TABLES = (
    "steps.csv",
    "replications.csv",
    "scenarios.csv",
    "comparison.csv",
    "targets.csv",
    "summary.json",
    "network.csv",
)


@pytest.fixture(scope="module")
def dask_cluster():
    with LocalDask(workers=2, cwd=REPO) as cluster:
        yield cluster


def _scenario(tmp_path: Path, n: int = 150) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(
        f'extends = "{(REPO / "scenarios" / "baseline.toml").as_posix()}"\n\n[scenario]\nname = "small"\n\n'
        f"[population]\nn = {n}\n"
    )
    return path


def _same_tables(a: Path, b: Path) -> None:
    for name in TABLES:
        if (a / name).exists() or (b / name).exists():
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cluster_run_is_byte_identical_to_local(dask_cluster, tmp_path):
    scenario = _scenario(tmp_path)
    run_job(scenario, out=tmp_path / "local", workers=1, replications=6, steps=8, note=lambda line: None)
    # through the command line, as a user runs it
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from simulation.cli import main; main()",
            str(scenario),
            "--out",
            str(tmp_path / "cluster"),
            "--replications",
            "6",
            "--steps",
            "8",
            "--quiet",
            "--cluster",
            dask_cluster.address,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != ENVIRONMENT_VARIABLE},
    )
    assert done.returncode == 0, done.stderr
    _same_tables(tmp_path / "local", tmp_path / "cluster")


def test_a_killed_worker_loses_no_replication(dask_cluster, tmp_path, monkeypatch):
    scenario = _scenario(tmp_path, n=250)
    replications, steps = 24, 26
    # Batches of two replications, so that the run is twelve tasks and the kill lands mid-run (the
    # engine would otherwise make two tasks of twelve, done almost at once).
    import simulation.execution.engine as engine

    monkeypatch.setattr(engine, "BATCH_REPLICATIONS", 2)
    run_job(scenario, out=tmp_path / "local", replications=replications, steps=steps, note=lambda line: None)

    partial = tmp_path / "cluster.partial" / "replications"
    outcome: dict = {}

    def cluster_run() -> None:
        try:
            outcome["result"] = run_job(
                scenario,
                out=tmp_path / "cluster",
                replications=replications,
                steps=steps,
                note=lambda line: None,
                cluster=dask_cluster.address,
            )
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=cluster_run)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and kept_count(partial) < 3:
        time.sleep(0.05)
    done_before = kept_count(partial)
    assert 3 <= done_before < replications, f"{done_before} replications done before the kill"
    dask_cluster.kill_worker(0)
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert "error" not in outcome, repr(outcome.get("error"))

    import pandas as pd

    table = pd.read_csv(tmp_path / "cluster" / "replications.csv")
    assert sorted(table["replication"].tolist()) == list(range(replications))  # each once
    _same_tables(tmp_path / "local", tmp_path / "cluster")


CALIBRATION = """
[run]
steps = 8
seed = 5

[population]
n = 120

[population.initial_modes]
none = 1.0
verify = 0.0
primary = 0.0

[choice]
rule = "bass"

[calibration]
free = { "choice.bass_p" = [0.0, 0.2], "choice.bass_q" = [0.0, 1.0] }
samples = 12
replications = 2
accept_share = 0.25
check_replications = 3
"""


def test_calibration_through_the_cluster_equals_a_local_one(dask_cluster, tmp_path):
    """`simulate calibrate --cluster` sends the sample points to the Dask workers: same samples,
    distances and estimates as on local processes."""
    scenario = tmp_path / "fit.toml"
    scenario.write_text(CALIBRATION, encoding="utf-8")
    observed = tmp_path / "observed.csv"
    observed.write_text(
        "step,cumulative_adoption\n" + "".join(f"{t},{0.05 * t:.2f}\n" for t in range(1, 9)), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != ENVIRONMENT_VARIABLE}
    for name, extra in (("local", ["--workers", "1"]), ("cluster", ["--cluster", dask_cluster.address])):
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from simulation.cli import main; main()",
                "calibrate",
                str(scenario),
                "--observed",
                str(observed),
                "--out",
                str(tmp_path / name),
                *extra,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert done.returncode == 0, done.stderr
    for table in ("samples.csv", "calibration.csv", "fit.csv"):
        assert (tmp_path / "local" / table).read_bytes() == (tmp_path / "cluster" / table).read_bytes(), table
    from distributed import Client

    with Client(dask_cluster.address, timeout="20s") as client:  # the points did run there
        prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    assert any("calibration_curve" in prefix for prefix in prefixes), prefixes


def test_every_worker_is_configured_at_the_edge_like_a_local_pool_worker(dask_cluster):
    """The client registers a worker plugin that calls `settings.configure()` in each worker
    (numba's threading layer, the allocator), as the local pool's initializer does."""
    from simulation.execution.cluster import _client

    client = _client(dask_cluster.address)
    try:
        # a builtin called with an expression: the workers cannot import this test module
        flags = client.run(eval, "__import__('simulation.settings').settings.configured")
    finally:
        client.close()
    assert flags and all(flags.values())  # every worker there is (an earlier test kills one)
