"""Where the engine's jobs run: in this process, on local worker processes, or on a Dask cluster.

Every backend has one method, `open(count)`: a context manager that yields `(executor, slots)` for
`count` jobs, `executor` being a `concurrent.futures.Executor` (None: run here, one after another)
and `slots` how many jobs it runs at once. The engine (`simulation.execution.engine`) submits the
same jobs whatever the backend, so the results are byte-identical across backends and worker counts.

Local workers are spawned processes (nothing of the parent's state leaks in). Dask is optional: it
is imported only when a `DaskCluster` is opened (`simulation.execution.cluster`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Protocol

from simulation.errors import OptionError
from simulation.settings import configure

__all__ = ["Backend", "DaskCluster", "LocalProcesses", "Serial", "backend_for", "default_workers"]


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
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=configure) as pool:
            yield pool, workers


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


def backend_for(workers: int | None = None, cluster: str | None = None) -> Serial | LocalProcesses | DaskCluster:
    """The backend of `--workers N` / `--cluster ADDRESS`: the cluster if an address is given, else
    local processes (all cores unless `workers`), or serial for one worker."""
    if cluster and cluster.strip():
        return DaskCluster(cluster.strip())
    workers = default_workers() if workers is None else workers
    if workers == 1:
        return Serial()
    return LocalProcesses(workers)
