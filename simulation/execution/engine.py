"""The one engine: run jobs (one replication each) on a backend, handing each finished one to a sink.

    done = run_jobs(jobs, backend=LocalProcesses(4), sink=MemorySink())

- `jobs` (`simulation.execution.plan.Job`): what to run; their results do not depend on the backend
  or the number of workers (each is seeded from its root seed and replication number);
- `backend` (`simulation.execution.backends`): `Serial()`, `LocalProcesses(workers)` or
  `DaskCluster(address)`; the same jobs, the same results;
- `sink`: where finished replications go as they arrive: `MemorySink()` keeps them in memory (tests,
  notebooks, benchmarks, calibration); `PartialRun` (`simulation.execution.checkpoint`) writes each
  to the partial folder at once and keeps nothing of it in memory (checkpoint and resume). The
  in-memory and the checkpointed paths differ only in their sink;
- `task`: what a batch of jobs computes, a module-level function made with `@batch_task` (by
  default `replicate`: the replications' outcome tables, `ReplicationResult`, stepped together) or,
  for work done one job at a time, with `@job_task` (calibration computes a curve per job).

Jobs are handed to the backend in batches: consecutive replications of one scenario, as many as
spread them over the backend's slots and at most `BATCH_CLINICIANS` clinicians
(`simulation.execution.replication`); a worker steps a batch's replications together. Results do
not depend on the batching (each replication's draws are its own).
A job that raises becomes a failed `Done` (its error as text); the others go on (a batch that raises
is run again one job at a time, so only the failing replication fails). A job that kills its local
worker process is retried once, alone, on a fresh pool, then becomes a failed `Done` ("its worker
process died", `_drain`). Ctrl-C or any other
exception stops the backend, tells the sink (`stopped`) and propagates; a Dask scheduler that stops
answering (`ClusterLost`) propagates as one message that says what the sink kept (`Sink.kept`).
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from simulation.errors import ClusterLost
from simulation.execution.backends import Backend, Serial
from simulation.execution.plan import Job
from simulation.execution.replication import BATCH_CLINICIANS, BATCH_REPLICATIONS, run_replication, run_replications

__all__ = [
    "Done",
    "MemorySink",
    "Sink",
    "batch_task",
    "batches",
    "failure_summary",
    "job_task",
    "progress_enabled",
    "replicate",
    "run_jobs",
]


@dataclass
class Done:
    """A finished job: its result (None in a checkpointed run: it is on disk, `PartialRun.load`), or
    the error it raised."""

    job: Job
    result: Any
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def _failure(job: Job, exc: Exception) -> Done:
    """A failed `Done`: the error's type, message and last frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = f"{type(exc).__name__}: {exc}{where}".replace("\n", " ")
    return Done(job, None, message)


def job_task(function: Callable[..., Any]) -> Callable[..., list[Done]]:
    """Make `function(job, **options)` a task of the engine, run one job at a time: the task takes a
    batch of jobs and returns a `Done` per job; an exception becomes that job's error (type,
    message, last frame). Use on module-level functions (they are sent to worker processes by name);
    the task keeps the function's name (Dask's task names)."""

    @functools.wraps(function)
    def task(jobs: Sequence[Job], **options: Any) -> list[Done]:
        done = []
        for job in jobs:
            try:
                done.append(Done(job, function(job, **options)))
            except Exception as exc:  # noqa: BLE001 - any failure of one replication is reported, not fatal
                done.append(_failure(job, exc))
        return done

    task.batched = False  # type: ignore[attr-defined]
    return task


def batch_task(function: Callable[..., list[Any]], one: Callable[..., Any]) -> Callable[..., list[Done]]:
    """Make `function(jobs, **options)`, which computes a result per job for a batch of jobs
    together, a task of the engine; if it raises, each job is run alone with `one(job, **options)`,
    so that only the failing ones fail."""

    @functools.wraps(function)
    def task(jobs: Sequence[Job], **options: Any) -> list[Done]:
        try:
            results = function(jobs, **options)
        except Exception as exc:  # noqa: BLE001 - retried job by job below
            if len(jobs) == 1:
                return [_failure(jobs[0], exc)]
            return [done for job in jobs for done in job_task(one)([job], **options)]
        return [Done(job, result) for job, result in zip(jobs, results, strict=True)]

    task.batched = True  # type: ignore[attr-defined]
    return task


def _replicate_batch(jobs: Sequence[Job]) -> list:
    return run_replications(jobs)


def _replicate_one(job: Job):
    result = run_replication(job.scenario, job.replication, job.with_snapshots, job.root_seed)
    result.scenario_index = job.group
    return result


# The default task: run the jobs' replications to the end together (`ReplicationResult` each).
replicate = batch_task(_replicate_batch, _replicate_one)
replicate.__name__ = replicate.__qualname__ = "replicate"


class Sink(Protocol):
    """Where finished jobs go (see the module docstring)."""

    def todo(self, jobs: Sequence[Job], note: Callable[[str], None]) -> list[Job]:
        """The jobs still to run (a checkpointed sink leaves out those already on disk)."""
        ...

    def save(self, done: Done) -> None: ...

    def stopped(self, reason: str) -> None: ...

    def kept(self) -> str:
        """What a stopped run keeps and how to finish it, in words (`the 12 replications done are kept
        in DIR/; finish with --resume ...`)."""
        ...

    def finished(self) -> list[Done]:
        """One `Done` per job, in job order (failed ones with their error)."""
        ...


class MemorySink:
    """Keeps every finished job in memory; `results()` in job order (small runs: tests, notebooks,
    benchmarks, calibration)."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.done: dict[str, Done] = {}

    def todo(self, jobs: Sequence[Job], note: Callable[[str], None]) -> list[Job]:
        self.jobs = list(jobs)
        return self.jobs

    def save(self, done: Done) -> None:
        self.done[done.job.key] = done

    def stopped(self, reason: str) -> None:
        pass

    def kept(self) -> str:
        return (
            f"the {len(self.done)} jobs done were held in memory only and are lost; run the command again "
            "(locally or with another --cluster)"
        )

    def finished(self) -> list[Done]:
        return [self.done[job.key] for job in self.jobs]

    @property
    def failures(self) -> list[Done]:
        return [done for done in self.finished() if done.failed]

    def results(self) -> Iterator[Any]:
        """Every job's result, in job order (after `run_jobs` without failures)."""
        for job in self.jobs:
            yield self.done[job.key].result


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def batches(jobs: Sequence[Job], slots: int, batched: bool = True) -> list[list[Job]]:
    """The jobs cut into the units handed to workers, in job order: runs of consecutive replications
    of one scenario (same group and root seed: one scenario, or its parameter worlds, each world a
    scenario of its own that `run_replications` steps as a batch of its own), each run split into about as many pieces
    as there are `slots` (so every worker gets work), none over `BATCH_CLINICIANS` clinicians or
    `BATCH_REPLICATIONS` replications. One
    job per unit when not `batched`."""
    if not batched:
        return [[job] for job in jobs]
    runs: list[list[Job]] = []
    for job in jobs:
        last = runs[-1][-1] if runs else None
        if last is not None and (last.group, last.root_seed) == (job.group, job.root_seed):
            runs[-1].append(job)
        else:
            runs.append([job])
    units: list[list[Job]] = []
    for run in runs:
        per_batch = max(1, min(BATCH_REPLICATIONS, BATCH_CLINICIANS // max(1, run[0].scenario.population.n)))
        size = max(1, min(per_batch, -(-len(run) // max(1, slots))))
        units.extend(run[i : i + size] for i in range(0, len(run), size))
    return units


# The error of a replication that killed its worker process twice (in its batch, then alone).
WORKER_DIED = (
    "BrokenProcessPool: its worker process died while running it, and again when it was run alone on a "
    "fresh worker (a crash in compiled code, the out-of-memory killer or a signal)"
)


def _drain(
    pool,
    task: Callable[..., list[Done]],
    units: Sequence[list[Job]],
    slots: int,
    sink: Sink,
    progress,
    renew: Callable[[], Any] | None = None,
) -> None:
    """Run the `units` (batches of jobs) on an executor (local processes or a Dask cluster's), at
    most 2 per slot in flight, so an interruption loses little work, saving each result as it
    arrives; on a cluster a task whose worker died is run again by the scheduler and arrives once.

    A local worker process that dies (a segfault, the out-of-memory killer, `os._exit`) breaks its
    pool: with `renew` (which gives a fresh pool) every job that was in flight is run again, alone
    and one at a time, on a fresh pool; a job that breaks it again becomes a failed `Done`
    (WORKER_DIED) and the others go on. Without `renew` the break propagates."""
    queue = deque(units)
    pending: dict[Any, list[Job]] = {}

    def save(dones: list[Done]) -> None:
        for done in dones:
            sink.save(done)
            if progress:
                progress(1)

    def fill() -> bool:
        while queue and len(pending) < slots * 2:
            unit = queue.popleft()
            try:
                pending[pool.submit(task, unit)] = unit
            except BrokenProcessPool:
                queue.appendleft(unit)  # never ran: submitted again on the fresh pool
                return False
        return True

    while True:
        healthy = fill()
        if healthy and not pending:
            return
        suspects: list[Job] = []
        if pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                unit = pending.pop(future)
                try:
                    dones = future.result()
                except BrokenProcessPool:
                    if renew is None:
                        raise
                    suspects.extend(unit)
                    healthy = False
                    continue
                save(dones)
        if healthy:
            continue
        if renew is None:
            raise BrokenProcessPool("a worker process died")
        for future, unit in list(pending.items()):  # finished before the break, or broken with it
            try:
                dones = future.result()
            except BrokenProcessPool:
                suspects.extend(unit)
            else:
                save(dones)
        pending.clear()
        pool = renew()
        for job in suspects:  # alone, one at a time: a second death names its replication
            try:
                dones = pool.submit(task, [job]).result()
            except BrokenProcessPool:
                dones = [Done(job, None, WORKER_DIED)]
                pool = renew()
            save(dones)


def run_jobs(
    jobs: Sequence[Job],
    *,
    sink: Sink | None = None,
    backend: Backend | None = None,
    task: Callable[..., list[Done]] = replicate,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> list[Done]:
    """Run the `jobs` the sink still needs on `backend` (default: serial), in batches (`batches`),
    handing each finished one to `sink` (default: a new `MemorySink`); `progress(n)` as jobs finish
    (also for those the sink already had). Returns one `Done` per job, in job order (see the module
    docstring)."""
    sink = MemorySink() if sink is None else sink
    backend = Serial() if backend is None else backend
    todo = sink.todo(jobs, note or _stderr)
    kept = len(jobs) - len(todo)
    if kept and progress:
        progress(kept)
    batched = bool(getattr(getattr(task, "func", task), "batched", False))
    try:
        if todo:
            with backend.open(len(todo)) as (pool, slots):
                units = batches(todo, slots, batched)
                if pool is None:
                    for unit in units:
                        for done in task(unit):
                            sink.save(done)
                            if progress:
                                progress(1)
                else:
                    renew = getattr(backend, "renew", None)
                    _drain(pool, task, units, slots, sink, progress, (lambda: renew(slots)) if renew else None)
    except ClusterLost as exc:
        sink.stopped(f"stopped: the Dask scheduler at {exc.address} stopped answering ({exc.cause})")
        raise exc.keeping(sink.kept()) from None
    except BaseException as exc:
        sink.stopped(
            "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else f"stopped: {type(exc).__name__}: {exc}"
        )
        raise
    return sink.finished()


def failure_summary(
    failures: Sequence[Done], total: int, names: Callable[[int], str], kept: str, limit: int = 5
) -> str:
    """`2 of 40 replications failed:` then one line per failure (the first `limit`) and what was kept."""
    lines = [f"{len(failures)} of {total} replications failed:"]
    for done in failures[:limit]:
        lines.append(
            f"  {names(done.job.group)} replication {done.job.replication} (seed {done.job.seed_text}): {done.error}"
        )
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more")
    lines.append(kept)
    return "\n".join(lines)


def progress_enabled(quiet: bool) -> bool:
    """A progress bar only for a person at a terminal: not with --quiet, in CI, or when piped."""
    return not quiet and not os.environ.get("CI") and sys.stderr.isatty()
