"""Replications on a Dask distributed cluster instead of local processes (optional extra `cluster`).

`simulate ... --cluster tcp://HOST:PORT`, or the environment variable SIMULATE_CLUSTER (read by the
CLI, which passes the address down as a `backends.DaskCluster`), sends every replication of a run to
the Dask scheduler at that address. Nothing else changes:

- the jobs are the same (one replication each, seeded from the root seed and its number), so the
  tables are byte-identical to a local run with the same seed;
- results come back to this process, which hands each to the run's sink as it arrives (the partial
  folder, `simulation.execution.checkpoint`): memory stays flat and an interrupted run resumes with
  `--resume`;
- if a worker dies, the scheduler runs its unfinished tasks again on another worker; each task's
  result is received (and written) once, so no replication is lost or written twice.

Install with `uv sync --extra cluster` (or `pip install 'clinician-ai-sim[cluster]'`); the workers
need the same project and versions installed (see README, "Running on a cluster").
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from simulation.errors import OptionError

ENVIRONMENT_VARIABLE = "SIMULATE_CLUSTER"  # the CLI's default for --cluster


def _client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise OptionError(
            f"--cluster {address}: Dask is not installed; install the optional extra with "
            "`uv sync --extra cluster` (or pip install 'dask[distributed]')"
        ) from None
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise OptionError(f"--cluster {address}: cannot reach a Dask scheduler there ({exc})") from None
    client.register_plugin(_configured_workers(), name="clinician-ai-sim-configure")
    return client


def _configured_workers():
    """A Dask worker plugin that calls `settings.configure()` in every worker, those that join later
    included, as the local pool's initializer does (numba's threading layer, the allocator, the
    compile message): the process-wide settings are made at the edge, in the worker, not on import."""
    from distributed import WorkerPlugin

    class Configure(WorkerPlugin):
        def setup(self, worker) -> None:
            from simulation.settings import configure

            configure()

    return Configure()


@contextmanager
def cluster_executor(address: str) -> Iterator[tuple[Executor, int]]:
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
