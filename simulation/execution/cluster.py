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
  result is received (and written) once, so no replication is lost or written twice;
- if the scheduler dies (or stops answering), the run stops with one message (`ClusterLost`): the
  replications already received stay in the partial folder and `--resume`, locally or on another
  cluster, runs the rest.

Install with `uv sync --extra cluster` (or `pip install 'clinician-ai-sim[cluster]'`); the workers
need the same project and versions installed (see README, "Running on a cluster").
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from simulation.errors import ClusterLost, OptionError

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


PROBE_SECONDS = 2.0  # how long `_probe` waits for the scheduler's port to accept a connection


def _probe(address: str) -> str:
    """Why the scheduler at `address` (tcp://HOST:PORT) is gone, in words, from one new connection."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=PROBE_SECONDS):
            pass
    except ConnectionRefusedError:
        return "the connection was lost and a new one is refused"
    except TimeoutError:
        return f"the connection was lost and a new one gets no answer within {PROBE_SECONDS:g} s"
    except (OSError, ValueError) as exc:
        return f"the connection was lost ({exc})"
    return "the connection was lost; its port answers again, but the tasks in flight are gone"


# The loggers Dask's configuration gives a handler of their own (distributed/distributed.yaml).
DASK_LOGGERS = ("distributed", "distributed.client", "tornado", "tornado.application")


def _connection_noise(record: logging.LogRecord) -> bool:
    """Whether a log record is a traceback of a lost connection (a worker or the scheduler gone):
    an OSError (Dask's CommClosedError, tornado's StreamClosedError) or a cancellation, anywhere in
    its chain of causes."""
    error = record.exc_info[1] if record.exc_info else None
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (OSError, asyncio.CancelledError)):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


@contextmanager
def _without_connection_tracebacks() -> Iterator[None]:
    """While a run uses the cluster, the tracebacks Dask and tornado log for lost connections are
    left out (a lost worker's tasks are redone by the scheduler; a lost scheduler is `ClusterLost`,
    one message); every other record is printed as Dask configured it."""
    keep = logging.Filter()
    keep.filter = lambda record: not _connection_noise(record)  # type: ignore[method-assign]
    handlers = {handler for name in DASK_LOGGERS for handler in logging.getLogger(name).handlers}
    for handler in handlers:
        handler.addFilter(keep)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(keep)


@contextmanager
def cluster_executor(address: str) -> Iterator[tuple[Executor, int]]:
    """A `concurrent.futures.Executor` whose tasks run on the Dask cluster, and its worker threads.

    Tasks are submitted impure (every submission is its own task), so nothing is merged or cached.
    If the scheduler stops answering meanwhile (killed, its machine gone), Dask cancels every task in
    flight and the client stops being "running": whatever that raises in the engine becomes
    `ClusterLost` (one message; the engine adds what was kept).
    """
    client = _client(address)
    lost = False
    with _without_connection_tracebacks():
        try:
            slots = sum(client.nthreads().values()) or 1
            executor = client.get_executor(pure=False)
            yield executor, slots
        except Exception as exc:
            if client.status == "running":
                raise
            lost = True
            raise ClusterLost(address, _probe(address)) from exc
        finally:
            if lost:  # not the client's 20 s of trying to reconnect
                client.close(timeout=PROBE_SECONDS)
            else:
                client.close()
