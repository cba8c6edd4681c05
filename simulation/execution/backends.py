"""Where the engine's jobs run: in this process, on local worker processes, or on a Dask cluster.

Every backend has one method, `open(count)`: a context manager that yields `(executor, slots)` for
`count` jobs, `executor` being a `concurrent.futures.Executor` (None: run here, one after another)
and `slots` how many jobs it runs at once. The engine (`simulation.execution.engine`) submits the
same jobs whatever the backend, so the results are byte-identical across backends and worker counts.

Local workers are spawned processes (nothing of the parent's state leaks in), started once per
command and reused by its later runs of jobs. They die with their parent, even a parent killed with
`kill -9` (`_worker_start`: a parent-death signal on Linux, and a watchdog thread everywhere), so no
worker is left simulating for nobody. Dask is optional: it
is imported only when a `DaskCluster` is opened (`simulation.execution.cluster`).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Protocol

from simulation.errors import OptionError
from simulation.execution.plan import Job
from simulation.settings import configure

__all__ = [
    "Backend",
    "DaskCluster",
    "LocalProcesses",
    "Serial",
    "backend_for",
    "default_workers",
    "estimated_seconds",
    "renew_pool",
]


def default_workers() -> int:
    """All local cores."""
    return os.cpu_count() or 1


class Backend(Protocol):
    """What the engine needs of a backend."""

    def open(self, count: int) -> AbstractContextManager[tuple[Executor | None, int]]: ...

    @property
    def workers(self) -> int: ...


@dataclass(frozen=True)
class Serial:
    """Every job in this process, in order (tests, notebooks, `--workers 1`)."""

    @property
    def workers(self) -> int:
        return 1

    @contextmanager
    def open(self, count: int) -> Iterator[tuple[Executor | None, int]]:
        yield None, 1


@dataclass(frozen=True)
class LocalProcesses:
    """A pool of `workers` spawned local processes (never more than there are jobs; one job: here)."""

    workers: int

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise OptionError(f"--workers {self.workers}: must be at least 1")

    @contextmanager
    def open(self, count: int) -> Iterator[tuple[Executor | None, int]]:
        workers = max(1, min(self.workers, count))
        if workers <= 1:
            yield None, 1
            return
        pool = _pool(workers)
        try:
            yield pool, workers
        except BaseException:
            # interrupted or failed: stop the workers now (those of a pool renewed meanwhile too)
            for started in {pool, _POOLS.pop(workers, pool)}:
                started.shutdown(wait=False, cancel_futures=True)
            raise

    def renew(self, slots: int) -> Executor:
        """A fresh pool of `slots` workers in place of the broken one `open` gave (the engine's retry
        of jobs whose worker process died)."""
        return renew_pool(slots)


# Pools of spawned workers by size, started at a command's first run of jobs and reused by its later
# ones (calibration rounds, several experiments in one process), so each worker imports numba and
# loads the compiled loops once per command; shut down when the process exits.
_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _POOLS.get(workers)
    if pool is None or getattr(pool, "_broken", False):
        if not _POOLS:
            atexit.register(shutdown_pools)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_worker_start,
            initargs=(os.getpid(), threading.current_thread() is threading.main_thread()),
        )
        _POOLS[workers] = pool
    return pool


def renew_pool(workers: int) -> ProcessPoolExecutor:
    """A fresh pool of `workers` in place of a broken one (a worker process died: the engine retries
    what it was running, `simulation.execution.engine`)."""
    broken = _POOLS.pop(workers, None)
    if broken is not None:
        broken.shutdown(wait=False, cancel_futures=True)
    return _pool(workers)


PR_SET_PDEATHSIG = 1  # prctl(2) option: the signal this process gets when its parent thread dies
WATCHDOG_SECONDS = 0.5  # how often a worker checks that its parent is still alive


def _worker_start(parent: int, main_thread: bool) -> None:
    """Initializer of a local worker: die with the parent process `parent`, then `configure()`.

    On Linux the kernel sends SIGKILL to the worker the moment its parent dies (prctl
    PR_SET_PDEATHSIG), however the parent died; that signal is tied to the parent's thread that
    started the worker, so it is set only for pools started from the main thread (a pool started from
    another thread would lose its workers when that thread ends). Everywhere, a daemon thread also
    exits the worker within WATCHDOG_SECONDS once its parent is gone (os.getppid() changes when the
    orphan is adopted), on other systems and for workers of pools started from other threads."""
    if main_thread and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still applies
    if os.getppid() != parent:  # the parent died before this worker started
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
    configure()


def shutdown_pools() -> None:
    """Stop every worker pool this process started (at exit; tests call it to start afresh)."""
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class DaskCluster:
    """The workers of the Dask scheduler at `address` (tcp://HOST:PORT; the optional extra `cluster`)."""

    address: str

    @property
    def workers(self) -> int:
        return 0  # decided by the cluster

    @contextmanager
    def open(self, count: int) -> Iterator[tuple[Executor | None, int]]:
        from simulation.execution.cluster import cluster_executor

        with cluster_executor(self.address) as (executor, slots):
            yield executor, slots


# Worth starting worker processes only for runs longer than this, in CPU seconds of simulating:
# a spawned worker imports numpy and numba and loads the compiled loops (1.5-3 s on the 2-core
# machine of docs/PERFORMANCE.md, more under load) before its first replication.
SERIAL_BELOW_SECONDS = 4.0
# CPU seconds per clinician-week (agent-step) of a batched run, measured at 500 clinicians on that
# machine (benchmarks/throughput.py: about 12 ms per replication of 104 weeks), rounded up.
SECONDS_PER_AGENT_STEP = 3e-7


def estimated_seconds(jobs: Sequence[Job]) -> float:
    """CPU seconds the `jobs` take to simulate, roughly (clinicians x weeks x SECONDS_PER_AGENT_STEP)."""
    return sum(job.scenario.population.n * job.scenario.run.steps for job in jobs) * SECONDS_PER_AGENT_STEP


def backend_for(
    workers: int | None = None, cluster: str | None = None, jobs: Sequence[Job] | None = None
) -> Serial | LocalProcesses | DaskCluster:
    """The backend of `--workers N` / `--cluster ADDRESS`: the cluster if an address is given, else
    local processes (`workers`, or all cores), or serial for one worker. Without `--workers`, runs
    of `jobs` too short to pay for starting worker processes (`estimated_seconds` below
    SERIAL_BELOW_SECONDS) run in this process."""
    if cluster and cluster.strip():
        return DaskCluster(cluster.strip())
    if workers is None and jobs is not None and estimated_seconds(jobs) < SERIAL_BELOW_SECONDS:
        return Serial()
    workers = default_workers() if workers is None else workers
    if workers == 1:
        return Serial()
    return LocalProcesses(workers)
