"""The checkpointed sink of the engine (`simulation.execution.engine`): every finished replication is
kept on disk at once, in a partial folder.

While a run into `<out>/` is going on, `<out>.partial/` beside it holds:

- `manifest.json`: `"complete": false`, what is being run (a fingerprint of every replication's
  resolved scenario, root seed and number), how many replications are done and, after a failure or
  an interruption, why it stopped; written before any replication file (a folder without one is a
  run killed as it started, with nothing done: `--resume` starts it afresh);
- `replications/*.pack`: every finished replication (its outcome table, exactly as computed, its
  end by department and role (`GroupTotals`), and for replication 0 the network snapshots of the
  report) as a checksummed record appended to one pack file per writing process
  (`simulation.execution.packed_store`: a run has one file there, each resume adds one, whatever
  the number of replications); a record cut short by a kill is ignored and its replication runs again;
- `errors.csv`: replications that raised (key, replication, seed, message), when there were any;
- `lock`: the pid of the process running into it; a second run or `--resume` into the same `--out`
  while that process runs is refused with a message naming it; a lock of a killed process is taken over.

Nothing of a finished replication is kept in memory: the tables are built afterwards by reading the
records back one at a time, in replication order (`PartialRun.results`), so memory does not grow with
the number of replications.

A run that is killed, interrupted (Ctrl-C) or crashes leaves this folder; `--resume` checks that the
fingerprint matches (the same resolved scenarios, seeds, replications and model code), runs only the replications without a whole record, and then writes the results folder
from all of them, in replication order, so its bytes equal those of an uninterrupted run. A run
without `--resume` refuses to start over an existing partial folder (nothing is silently
discarded). When the results folder has been written without failures the partial folder is removed.

Whatever the backend (local processes or, with `--cluster`, a Dask scheduler's workers), results come
back to this process and are written one by one, so all of the above holds.
"""

from __future__ import annotations

import csv
import errno
import functools
import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from simulation.errors import ScenarioError, UserError, output_error
from simulation.execution.engine import Done
from simulation.execution.packed_store import PackedStore, kept_count
from simulation.execution.plan import Job
from simulation.execution.replication import GroupTotals, ReplicationResult
from simulation.reporting.folder import pid_alive, remove_stale
from simulation.scenario.loader import scenario_hash

LOCK = "lock"  # in the partial folder: the pid of the process running into it

__all__ = ["PartialRun", "code_hash", "errors_csv", "fingerprint", "partial_of"]


@functools.cache
def code_hash() -> str:
    """SHA-256 of the model code (the package's .py files, except reporting/ and view/ which do not
    change a replication's numbers): a run is only resumed with the code that started it. Computed
    once per process (the code it imported)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(("reporting/", "view/")):
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(kind: str, jobs: Sequence[Job]) -> str:
    """SHA-256 of what a run computes: its kind, the model code, and every job's key, scenario hash,
    seed and number."""
    digest = hashlib.sha256(kind.encode() + code_hash().encode())
    hashes: dict[int, str] = {}
    for job in jobs:
        if id(job.scenario) not in hashes:
            hashes[id(job.scenario)] = scenario_hash(job.scenario)
        line = f"{job.key}|{hashes[id(job.scenario)]}|{job.root_seed}|{job.replication}|{job.with_snapshots}\n"
        digest.update(line.encode())
    return digest.hexdigest()


def partial_of(out: Path) -> Path:
    """The partial folder of a results folder."""
    return out.parent / f"{out.name}.partial"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `path` (the manifest, errors.csv) whole or not at all (a temporary file renamed over
    it). Not fsynced: a killed process loses nothing the kernel has; the replications' records are
    fsynced by their store (`packed_store.FSYNC_SECONDS`)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)  # nothing half-written is left
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise output_error(exc, path) from None
        raise


def _plain(value):
    """JSON form of snapshot values that are not arrays (numpy scalars become Python numbers)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _encode(result: ReplicationResult) -> bytes:
    """The outcome table and the snapshots: arrays as arrays, everything else as exact JSON."""
    arrays: dict[str, np.ndarray] = {"outcomes": result.outcomes}
    other: dict[str, dict] = {}
    for moment, snapshot in (result.snapshots or {}).items():
        for name, value in (snapshot or {}).items():
            if isinstance(value, np.ndarray) and value.dtype != object:
                arrays[f"snap/{moment}/{name}"] = value
            else:
                other.setdefault(moment, {})[name] = _plain(value)
    arrays["snap_json"] = np.array(json.dumps({"moments": list((result.snapshots or {}).keys()), "values": other}))
    if result.groups is not None:
        arrays["groups/values"] = result.groups.values
        arrays["groups/labels"] = np.array(result.groups.labels, dtype=str).reshape(-1, 2)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def _decode(data: Path | bytes, job: Job) -> ReplicationResult:
    """A replication's result from `_encode`'s bytes (or a file of them)."""
    if isinstance(data, bytes):
        data = io.BytesIO(data)  # type: ignore[assignment]
    with np.load(data, allow_pickle=False) as archive:
        outcomes = archive["outcomes"]
        meta = json.loads(str(archive["snap_json"]))
        snapshots: dict[str, dict] = {moment: {} for moment in meta["moments"]}
        for name in archive.files:
            if name.startswith("snap/"):
                _, moment, field = name.split("/", 2)
                snapshots[moment][field] = archive[name]
        for moment, values in meta["values"].items():
            snapshots[moment].update(values)
        groups = None
        if "groups/values" in archive.files:
            labels = tuple((str(kind), str(name)) for kind, name in archive["groups/labels"].tolist())
            groups = GroupTotals(labels, archive["groups/values"])
    return ReplicationResult(job.replication, outcomes, snapshots or None, job.group, groups)


class PartialRun:
    """The partial folder of one run (see the module docstring)."""

    def __init__(self, out: Path, kind: str, jobs: Sequence[Job], resume: bool, describe: dict | None = None) -> None:
        self.out = out
        self.folder = partial_of(out)
        self.kind = kind
        self.jobs = list(jobs)
        self._by_key = {job.key: job for job in self.jobs}
        self.fingerprint = fingerprint(kind, self.jobs)
        self.describe = describe or {}
        self.started = time.monotonic()
        self._last_manifest = 0.0
        self.failures: list[Done] = []
        manifest = self.folder / "manifest.json"
        self._check_lock()
        if self.folder.exists() and not resume:
            done = self._count_done()
            raise ScenarioError(
                f"{self.folder}: an unfinished run of this output folder is kept there ({done} of its replications "
                "done); add --resume to finish it, or delete that folder to start over"
            )
        if resume and self.folder.exists():
            try:
                previous = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                if self._count_done():
                    raise ScenarioError(
                        f"{self.folder}: --resume: no readable manifest.json; delete the folder to start over"
                    ) from None
                previous = None  # killed as it started, before its manifest: nothing done, start afresh
            if previous is not None and previous.get("fingerprint") != self.fingerprint:
                raise ScenarioError(
                    f"{self.folder}: --resume: the unfinished run there was made from other input (scenario, seeds, "
                    "replications or design differ, or the model code changed since); run with the same files, options and "
                    "code, or delete the folder to start over"
                )
        if resume and not self.folder.exists():
            raise ScenarioError(f"--resume: there is no unfinished run to resume ({self.folder} does not exist)")
        remove_stale(self.folder, ".")  # half-written files of a killed run (never read: hidden names)
        remove_stale(self.folder / "replications", ".")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self.store: PackedStore | None = None
        self.write_manifest("running")  # before any replication record, so a folder with records has one
        (self.folder / "replications").mkdir(exist_ok=True)
        self.store = PackedStore(self.folder / "replications")

    def _check_lock(self) -> None:
        """Refuse a folder another running process is writing (its pid in `lock`); a lock of a
        process that is not running any more (killed) is stale and taken over."""
        lock = self.folder / LOCK
        try:
            owner = int(lock.read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return
        if owner != os.getpid() and pid_alive(owner):
            raise ScenarioError(
                f"{self.folder}: another simulate (process {owner}) is running into --out {self.out}; wait for it "
                f"to finish or stop it (if no such process is yours, delete {lock})"
            )

    def _take_lock(self) -> None:
        lock = self.folder / LOCK
        tmp = lock.with_name(f".{LOCK}.tmp-{os.getpid()}")
        tmp.write_text(f"{os.getpid()}\n", encoding="utf-8")
        try:
            os.link(tmp, lock)  # fails if another process took the lock since _check_lock
        except FileExistsError:
            self._check_lock()  # a live owner: refused; else stale
            os.replace(tmp, lock)
        finally:
            tmp.unlink(missing_ok=True)

    def _count_done(self) -> int:
        store = getattr(self, "store", None)
        return len(store) if store is not None else kept_count(self.folder / "replications")

    def write_manifest(self, status: str, reason: str | None = None) -> None:
        manifest = {
            "complete": False,
            "status": status,
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "replications_total": len(self.jobs),
            "replications_done": self._count_done(),
            "replications_failed": len(self.failures),
            "results_folder": str(self.out),
            "resume": "run the same command again with --resume to finish only what is missing",
            **({"reason": reason} if reason else {}),
            **self.describe,
        }
        _write_atomic(self.folder / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        self._last_manifest = time.monotonic()

    def _records(self) -> PackedStore:
        assert self.store is not None, "PartialRun: used before its folder was opened"
        return self.store

    def load(self, job: Job) -> ReplicationResult | None:
        data = self._records().get(job.key)
        if data is None:
            return None
        try:
            return _decode(data, job)
        except (OSError, ValueError, KeyError):
            self._records().drop(job.key)  # unreadable: run it again
            return None

    def save(self, done: Done) -> None:
        """Write a finished replication, or record its error. Nothing of a success stays in memory
        (it is read back from disk when needed); a failure is kept with this run's own job, not the
        copy a worker process sent back (with a copy of the scenario)."""
        if done.failed:
            self.failures.append(Done(self._by_key[done.job.key], None, done.error))
            self.write_errors()
            return
        self._records().put(done.job.key, _encode(done.result))
        if time.monotonic() - self._last_manifest > 1.0:
            self.write_manifest("running")

    def todo(self, jobs: Sequence[Job], note: Callable[[str], None]) -> list[Job]:
        """The sink's side of `run_jobs`: this run's jobs without a readable file (an unreadable one
        is removed and its replication run again); a note when some are already done."""
        if [job.key for job in jobs] != [job.key for job in self.jobs]:
            raise ValueError("PartialRun: run_jobs was given other jobs than this partial run's")
        todo = [job for job in self.jobs if self.load(job) is None]
        kept = len(self.jobs) - len(todo)
        if kept and not todo:
            note(f"note: resuming from {self.folder}/: {kept} of {kept} replications already done; nothing left to run")
        elif kept:
            note(
                f"note: resuming from {self.folder}/: {kept} of {len(self.jobs)} replications already done; "
                f"running the other {len(todo)}"
            )
        return todo

    def kept(self) -> str:
        return (
            f"the {self._count_done()} replications done are kept in {self.folder}/; "
            "finish with --resume (locally or with another --cluster)"
        )

    def stopped(self, reason: str) -> None:
        try:
            self._records().close()
            self.write_manifest("interrupted", reason)
        except (OSError, UserError):
            pass  # a full disk: the error that stopped the run is the one to report

    def finished(self) -> list[Done]:
        """One `Done` per job, in job order, without results (they are on disk: `results()` or
        `load(job)`); the manifest says whether any failed."""
        self._records().close()  # fsynced: every record is on disk before the results are built
        self.write_manifest("failed" if self.failures else "simulated")
        failed = {done.job.key: done for done in self.failures}
        return [failed.get(job.key) or Done(job, None) for job in self.jobs]

    def results(self) -> Iterator[ReplicationResult]:
        """Every job's result read back from disk, one at a time, in job order (after `run_jobs`
        without failures)."""
        for job in self.jobs:
            data = self._records().get(job.key)
            if data is None:
                raise ValueError(f"{self.folder}: replication {job.key} is not kept")
            yield _decode(data, job)

    def write_errors(self) -> None:
        _write_atomic(self.folder / "errors.csv", errors_csv(self.failures))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def errors_csv(failures: Sequence[Done], group_name: str = "group") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["key", group_name, "replication", "seed", "error"])
    for done in sorted(failures, key=lambda d: (d.job.group, d.job.replication)):
        writer.writerow([done.job.key, done.job.group, done.job.replication, done.job.seed_text, done.error])
    return buffer.getvalue().encode()
