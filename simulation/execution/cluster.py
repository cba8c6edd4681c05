"""Replications on a Dask distributed cluster instead of local processes (optional extra `cluster`).

`simulate ... --cluster tcp://HOST:PORT`, or the environment variable SIMULATE_CLUSTER, sends every
replication of a run to the Dask scheduler at that address. Nothing else changes:

- the tasks are the same (one replication each, seeded from the root seed and its number), so the
  tables are byte-identical to a local run with the same seed;
- results come back to this process, which writes each one to the partial folder as it arrives
  (`outputs.progressive`): memory stays flat and an interrupted run resumes with `--resume`;
- if a worker dies, the scheduler runs its unfinished tasks again on another worker; each task's
  result is received (and written) once, so no replication is lost or written twice.

Install with `uv sync --extra cluster` (or `pip install 'clinician-ai-sim[cluster]'`); the workers
need the same project and versions installed (see README, "Running on a cluster").
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from simulation.errors import ScenarioError

ENVIRONMENT_VARIABLE = "SIMULATE_CLUSTER"


def cluster_address(value: str | None = None) -> str | None:
    """The scheduler to use: `value` (from --cluster), else $SIMULATE_CLUSTER, else None (local)."""
    address = value or os.environ.get(ENVIRONMENT_VARIABLE) or None
    return address.strip() if address else None


def _client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ScenarioError(
            f"--cluster {address}: Dask is not installed; install the optional extra with "
            "`uv sync --extra cluster` (or pip install 'dask[distributed]')"
        ) from None
    try:
        return Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"--cluster {address}: cannot reach a Dask scheduler there ({exc})") from None


@contextmanager
def cluster_executor(address: str) -> Iterator[tuple[object, int]]:
    """A `concurrent.futures.Executor` whose tasks run on the Dask cluster, and its worker threads.

    Tasks are submitted impure (every submission is its own task), so nothing is merged or cached.
    """
    client = _client(address)
    try:
        slots = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)
        yield executor, slots
    finally:
        client.close()


def run_tasks_on_cluster(
    tasks: Sequence, address: str, progress: Callable[[int], None] | None = None
) -> list:
    """`runner.run_tasks` on a Dask cluster: results in task order."""
    from simulation.execution.replication import _run_task

    client = _client(address)
    try:
        futures = client.map(_run_task, list(tasks), pure=False)
        if progress:
            for future in futures:
                future.add_done_callback(lambda _: progress(1))
        return client.gather(futures)  # in task order
    finally:
        client.close()


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
        self.cwd = cwd or Path(__file__).resolve().parents[1]
        dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
        base = [dask] if dask else [sys.executable, "-m", "dask"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop(ENVIRONMENT_VARIABLE, None)
        self.scheduler = subprocess.Popen(
            [*base, "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"],
            cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.workers = [
            subprocess.Popen(
                [*base, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"w{k}"],
                cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
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
