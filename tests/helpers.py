"""Test-only helpers (kept out of the package): one-call runs, the missing-data probe, a local Dask cluster.

Imported by the tests as `helpers` (pytest puts tests/ on sys.path) and by `benchmarks/scale.py
--local-cluster` as `tests.helpers`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from simulation.execution.cluster import ENVIRONMENT_VARIABLE  # the CLI's default for --cluster


def run_scenario(
    scenario, workers: int | None = None, progress: Callable[[int], None] | None = None, root_seed: int | None = None
) -> list:
    """Every replication of one scenario through the engine, in memory (root seed: run.seed unless
    given); `ReplicationResult`s in replication order."""
    from simulation.execution.backends import backend_for
    from simulation.execution.engine import MemorySink, run_jobs
    from simulation.execution.plan import replication_jobs

    sink = MemorySink()
    done = run_jobs(
        replication_jobs(scenario, root_seed=root_seed), sink=sink, backend=backend_for(workers), progress=progress
    )
    failures = [d for d in done if d.failed]
    assert not failures, [d.error for d in failures]
    return list(sink.results())


def run_job(
    scenario_path: Path,
    out: Path | None = None,
    workers: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    progress=None,
    crn: bool = True,
    note: Callable[[str], None] | None = None,
    resume: bool = False,
    cluster: str | None = None,
):
    """`simulate FILE` in this process (checkpointed, as the CLI runs it)."""
    from simulation.job import plan_file, run_plan

    plan = plan_file(Path(scenario_path), out, replications, seed, steps, crn)
    return run_plan(plan, workers, progress, note, resume, cluster)


def missing_network_data(path: Path) -> str | None:
    """The network data file a scenario (or a file it extends) names but this machine lacks, if any."""
    from simulation.errors import MissingDataError
    from simulation.scenario import load_scenario

    try:
        load_scenario(path)
    except MissingDataError as exc:
        return exc.data_path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalDask:
    """A Dask scheduler and workers started as separate processes on 127.0.0.1 (tests, benchmarks).

    Workers run without a nanny, one thread each, so killing a worker's process really loses it.
    """

    def __init__(self, workers: int = 2, cwd: Path | None = None, timeout: float = 60.0) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.cwd = cwd or Path(__file__).resolve().parents[1]  # the repository
        dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
        base = [dask] if dask else [sys.executable, "-m", "dask"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop(ENVIRONMENT_VARIABLE, None)
        self.scheduler = subprocess.Popen(
            [*base, "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.workers = [
            subprocess.Popen(
                [
                    *base,
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--name",
                    f"w{k}",
                ],
                cwd=self.cwd,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for k in range(workers)
        ]
        try:
            self.wait_for_workers(workers, timeout)
        except BaseException:
            self.close()
            raise

    def wait_for_workers(self, count: int, timeout: float) -> None:
        from distributed import Client

        deadline = time.monotonic() + timeout
        while True:
            try:
                with Client(self.address, timeout="5s", set_as_default=False) as client:
                    client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def kill_worker(self, index: int = 0) -> None:
        """SIGKILL one worker process (as a machine failure would)."""
        process = self.workers[index]
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def close(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def __enter__(self) -> LocalDask:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def pure_bass_toml(*, steps: int, seed: int, n: int, p: float | str, q: float | str) -> str:
    """A scenario reduced to Bass diffusion on a random network (nobody uses AI at the start; peer
    judgment and attitude influence off), the calibration tests' synthetic truth."""
    return f"""
[run]
steps = {steps}
seed = {seed}

[population]
n = {n}

[population.initial_modes]
none = 1.0
verify = 0.0
primary = 0.0

[network]
generator = "random"
mean_degree = 8.0

[choice]
rule = "bass"
bass_p = {p}
bass_q = {q}

[judgment]
visibility = 0.0

[attitude]
influence_rate = 0.0
"""
