"""One shard of a run: `--shard K/N` runs only the K-th of N parts of a run's replications.

A run's jobs (`simulation.execution.plan.Job`: one replication each, seeded from its root seed and
its number, never from where it runs) are cut into N consecutive parts of sizes differing by at most
one (`Shard.select`); shard K runs part K, exactly the jobs the whole run would run there, with the
same seeds. It keeps its replications in its own partial folder while it runs (crash-safe and
resumable with `--resume --shard K/N`, `simulation.execution.checkpoint`), then writes its folder
atomically:

- `manifest.json`: `"kind": "shard"`, the whole run's fingerprint (`checkpoint.fingerprint` of
  every job of the run, not only this shard's), K and N, the keys of its jobs, the command that
  made it (`command`: how `simulate merge` plans the whole run again) and the working folder;
- `replications/*.pack`: its replications (`simulation.execution.packed_store`), one file.

`simulate merge` (`simulation.execution.merge`) checks that shards belong together and builds the
results folder from them, as a resume with nothing left to run.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from simulation.errors import OptionError, ReplicationsFailed
from simulation.execution.backends import Backend
from simulation.execution.checkpoint import PartialRun, fingerprint
from simulation.execution.engine import failure_summary, run_jobs
from simulation.execution.packed_store import pack_files
from simulation.execution.plan import Job
from simulation.reporting.folder import atomic_folder, check_target
from simulation.reporting.manifest import write_json

__all__ = ["SHARD_KIND", "Shard", "ShardResult", "link_or_copy", "run_shard", "shard_out"]

SHARD_KIND = "shard"  # manifest.json "kind" of a shard folder
_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard `number` (K, from 1) of `of` (N)."""

    number: int
    of: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` as given to --shard; an `OptionError` saying what is allowed otherwise."""
        match = _SHARD.fullmatch(text)
        if match is None:
            raise OptionError(f"--shard {text}: give K/N, two whole numbers with 1 <= K <= N (e.g. --shard 2/8)")
        number, of = int(match[1]), int(match[2])
        if of < 1 or not 1 <= number <= of:
            raise OptionError(
                f"--shard {text}: K must be between 1 and N and N at least 1 (here K = {number}, N = {of}; "
                f"e.g. --shard 1/{max(of, 2)})"
            )
        return cls(number, of)

    @property
    def label(self) -> str:
        return f"{self.number}/{self.of}"

    def select(self, jobs: Sequence[Job]) -> list[Job]:
        """This shard's part of `jobs`: the K-th of N consecutive runs of jobs (sizes differ by at most
        one, so shards take about equally long); an `OptionError` if N exceeds the jobs."""
        if self.of > len(jobs):
            raise OptionError(
                f"--shard {self.label}: the run has only {len(jobs)} replications; use at most {len(jobs)} shards"
            )
        start, end = (len(jobs) * (self.number - 1)) // self.of, (len(jobs) * self.number) // self.of
        return list(jobs[start:end])


def shard_out(out: Path, shard: Shard) -> Path:
    """The default folder of a shard: beside the run's results folder, `<out>.shard-K-of-N`."""
    return out.parent / f"{out.name}.shard-{shard.number}-of-{shard.of}"


def link_or_copy(source: Path, target: Path) -> None:
    """A hard link of `source` at `target` (no copy on one file system), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@dataclass
class ShardResult:
    out: Path
    shard: Shard
    replications: int  # this shard's
    total: int  # the whole run's
    seconds: float


def run_shard(
    kind: str,
    jobs: Sequence[Job],
    shard: Shard,
    out: Path,
    command: dict,
    names: Callable[[int], str],
    backend: Backend,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
) -> ShardResult:
    """Run shard `shard` of the run whose jobs are `jobs` (a `kind` of `checkpoint.fingerprint`) and
    write its folder `out` (module docstring). `command` is the JSON the merge plans the run again
    from; `names(group)` names a scenario or point in failure messages. Failed replications:
    `ReplicationsFailed` (the others stay in `<out>.partial/` for `--resume`), no shard folder."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    whole = fingerprint(kind, jobs)
    mine = shard.select(jobs)
    check_target(out)
    partial = PartialRun(out, f"{kind}-shard", mine, resume, describe={"shard": shard.label})
    done = run_jobs(mine, sink=partial, backend=backend, progress=progress, note=note)
    failures = [d for d in done if d.failed]
    if failures:
        kept = (
            f"the {len(done) - len(failures)} completed replications of shard {shard.label} are kept in "
            f"{partial.folder}/ (errors.csv lists the failures); no shard folder was written; fix the cause and run "
            "the same command with --resume to run only the failed ones"
        )
        raise ReplicationsFailed(failure_summary(failures, len(done), names, kept), failures)
    manifest = {
        "complete": True,
        "kind": SHARD_KIND,
        "run_kind": kind,
        "fingerprint": whole,
        "shard": shard.number,
        "shards": shard.of,
        "replications": len(mine),
        "replications_total": len(jobs),
        "jobs": [job.key for job in mine],
        "command": command,
        "working_folder": str(Path.cwd()),
        "resumed": resume,
        "started_at": started_at,
        "merge": "simulate merge <the N shard folders> --out DIR (docs/CLUSTERS.md)",
    }
    try:
        with atomic_folder(out) as tmp:
            kept_in = tmp / "replications"
            kept_in.mkdir()
            for pack in pack_files(partial.folder / "replications"):
                link_or_copy(pack, kept_in / pack.name)
            manifest["timings_seconds"] = {"total": round(time.perf_counter() - started, 3)}
            write_json(tmp / "manifest.json", manifest)
    except BaseException as exc:
        partial.stopped(f"stopped while writing the shard folder: {type(exc).__name__}: {exc}")
        raise
    partial.discard()
    return ShardResult(out, shard, len(mine), len(jobs), time.perf_counter() - started)
