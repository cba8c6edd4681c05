"""More faults (issue 19): hard kills with worker processes, debris of killed writers, replications
that kill their worker, two runs into one folder, bad output places and a full disk.

The kills are real (`subprocess` and SIGKILL to the parent alone, so that nothing but the code under
test can stop its workers); processes are found in /proc (Linux).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import WORKSHOPS, write_scenario
from test_fault_tolerance import ENTRY, _failing_at, folder_bytes, plan_files
from typer.testing import CliRunner

import simulation.execution.engine as engine
from simulation.cli import app
from simulation.errors import ClusterLost
from simulation.execution.backends import LocalProcesses, shutdown_pools
from simulation.execution.checkpoint import PartialRun, partial_of
from simulation.execution.plan import Job
from simulation.scenario import load_scenario

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")


def children(pid: int) -> set[int]:
    """Every live descendant of `pid` (from /proc/<p>/stat: the parent is the field after the state)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie has finished (waiting for its parent to collect it)
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2] != "Z"


def dead_pid() -> int:
    """The pid of a process that has exited (and been collected)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@linux_only
@pytest.mark.slow
def test_kill_9_of_the_parent_takes_its_workers_with_it_and_resume_completes(tmp_path, child_env):
    scenario = plan_files(tmp_path, 24, 60, 500)
    reference, out = tmp_path / "reference", tmp_path / "results"
    subprocess.run([*ENTRY, str(scenario), "--out", str(reference), "--workers", "1", "--quiet"],
                   check=True, env=child_env, cwd=tmp_path, capture_output=True)  # fmt: skip
    args = ["--workers", "2", "--quiet"]
    proc = subprocess.Popen([*ENTRY, str(scenario), "--out", str(out), *args], env=child_env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    kept = partial_of(out) / "replications"
    deadline = time.monotonic() + 120
    from simulation.execution.packed_store import kept_count

    while time.monotonic() < deadline and proc.poll() is None and not kept_count(kept):
        time.sleep(0.01)
    workers = children(proc.pid)
    assert proc.poll() is None, "the run finished before it could be killed"
    assert len(workers) >= 2, workers  # two workers (and the semaphores' resource tracker)
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone, not its process group
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(alive(p) for p in workers):
        time.sleep(0.05)
    assert not [p for p in workers if alive(p)], "worker processes outlived their killed parent"

    resumed = subprocess.run([*ENTRY, str(scenario), "--out", str(out), *args, "--resume"],
                             env=child_env, cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert not partial_of(out).exists()
    assert folder_bytes(out) == folder_bytes(reference)


SMALL = "[run]\nreplications = 2\nsteps = 4\n\n[population]\nn = 50\n"


def test_stale_temporary_folders_of_killed_runs_are_removed_and_a_live_ones_kept(tmp_path):
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"
    dead = dead_pid()
    stale = tmp_path / f".out.tmp-{dead}"  # a run killed while writing its results
    (stale / "plots").mkdir(parents=True)
    (stale / "replications.csv").write_text("half")
    live = tmp_path / f".out.tmp-{os.getppid()}"  # a running process's (never touched)
    live.mkdir()
    partial_file = partial_of(out) / "replications" / f".x.npz.tmp-{dead}"  # a half-written replication
    partial_file.parent.mkdir(parents=True)
    partial_file.write_bytes(b"half")
    (partial_of(out) / "manifest.json").write_text("{}")
    other = tmp_path / f".other.tmp-{dead}"  # another folder's: not this run's business
    other.mkdir()

    args = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    refused = CliRunner().invoke(app, args)  # the unreadable partial folder is not discarded ...
    assert refused.exit_code == 2 and not stale.exists() and live.is_dir()  # ... but the debris is gone
    shutil.rmtree(partial_of(out))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "comparison.csv").is_file() and not stale.exists() and live.is_dir() and other.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [live.name]


def test_resume_removes_half_written_replication_files_of_a_killed_run(tmp_path, monkeypatch):
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"
    args = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    _failing_at(monkeypatch, 20, 1, KeyboardInterrupt())
    assert CliRunner().invoke(app, args).exit_code == 130
    monkeypatch.undo()
    debris = partial_of(out) / "replications" / f".workshops-1.npz.tmp-{dead_pid()}"
    debris.write_bytes(b"cut short")
    result = CliRunner().invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert not partial_of(out).exists() and not debris.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.toml"]


def _die_in_batch(jobs):
    """The batched replications, except that a batch holding replication 1 kills its worker process."""
    if any(job.replication == 1 for job in jobs):
        os._exit(1)
    return engine._replicate_batch(jobs)


def _die_alone(job):
    if job.replication == 1:
        os._exit(1)
    return engine._replicate_one(job)


# A task for the engine (sent to spawned workers by name, so named as the module attribute it is).
dying = engine.batch_task(_die_in_batch, _die_alone)
dying.__name__ = dying.__qualname__ = "dying"


@linux_only
@pytest.mark.slow
def test_a_replication_that_kills_its_worker_becomes_an_error_row_and_the_others_go_on(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path / "s.toml", SMALL, extends=WORKSHOPS))
    jobs = [Job(f"s0-r{k}", 0, scenario, scenario.run.seed, k) for k in range(6)]
    expected = engine.run_jobs(jobs)  # in this process, nothing dies
    shutdown_pools()
    try:
        done = engine.run_jobs(jobs, backend=LocalProcesses(2), task=dying)
        again = engine.run_jobs(jobs, backend=LocalProcesses(2))  # the pool left behind works
    finally:
        shutdown_pools()
    assert [d.job.replication for d in done if d.failed] == [1]
    assert "its worker process died" in done[1].error and done[1].result is None
    for ok, got in zip(expected, done, strict=True):
        if got.job.replication != 1:
            assert np.array_equal(ok.result.outcomes, got.result.outcomes, equal_nan=True)
    assert all(np.array_equal(a.result.outcomes, b.result.outcomes, equal_nan=True) for a, b in zip(expected, again))


def test_a_second_run_into_a_folder_being_written_is_refused_naming_the_pid(tmp_path, monkeypatch):
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"
    lock = partial_of(out) / "lock"
    lock.parent.mkdir()
    (lock.parent / "manifest.json").write_text("{}")
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a run still going
    try:
        lock.write_text(f"{owner.pid}\n")
        for extra in ([], ["--resume"]):
            result = CliRunner().invoke(
                app, ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet", *extra]
            )
            assert result.exit_code == 2, result.output
            assert f"another simulate (process {owner.pid}) is running into --out {out}" in result.output
            assert "Traceback" not in result.output and lock.read_text() == f"{owner.pid}\n"
    finally:
        owner.kill()
        owner.wait()
    shutil.rmtree(partial_of(out))
    args = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    _failing_at(monkeypatch, 20, 1, KeyboardInterrupt())
    assert CliRunner().invoke(app, args).exit_code == 130  # a run that stopped, its lock left behind
    monkeypatch.undo()
    lock.write_text(f"{owner.pid}\n")  # its owner is gone: a stale lock, taken over
    result = CliRunner().invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert not partial_of(out).exists()


def test_an_out_under_a_file_is_refused_and_a_symlinked_out_gets_the_results(tmp_path):
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    (tmp_path / "some_file.txt").write_text("x")
    bad = tmp_path / "some_file.txt" / "sub"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(bad), "--workers", "1", "--quiet"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        result.output.count("error:") == 1 and f"{tmp_path / 'some_file.txt'} is a file, not a folder" in result.output
    )
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    result = CliRunner().invoke(
        app, ["run", str(scenario), "--out", str(tmp_path / "link"), "--workers", "1", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link" / "comparison.csv").is_file() and (tmp_path / "target" / "comparison.csv").is_file()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left in a hidden folder


def test_a_full_disk_gives_one_message_an_honest_status_and_nothing_half_written(tmp_path, monkeypatch):
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"
    original = Path.write_bytes

    def full(self, data):
        if self.name == "comparison.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    args = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.count("error:") == 1 and "no space left on device while writing" in result.output
    assert "comparison.csv" in result.output
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "no space left on device" in manifest["reason"]
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out.partial", "small.toml"]
    monkeypatch.undo()
    resumed = CliRunner().invoke(app, [*args, "--resume"])  # space again: written without simulating again
    assert resumed.exit_code == 0, resumed.output
    assert (out / "comparison.csv").is_file() and not partial_of(out).exists()


def test_a_full_disk_while_keeping_a_replication_stops_with_the_file_named(tmp_path, monkeypatch):
    import simulation.execution.packed_store as packed_store

    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"

    class FullDisk:
        """The pack file's handle: half of each record reaches the file, then ENOSPC naming no file."""

        def __init__(self, handle) -> None:
            self.handle = handle

        def write(self, data) -> int:
            self.handle.write(bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def fileno(self) -> int:
            return self.handle.fileno()

        def close(self) -> None:
            self.handle.close()

    def full(path, mode="r", *rest, **kw):
        handle = open(path, mode, *rest, **kw)
        return FullDisk(handle) if str(path).endswith(packed_store.PACK_SUFFIX) and "a" in mode else handle

    monkeypatch.setattr(packed_store, "open", full, raising=False)
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no space left on device while writing" in result.output and packed_store.PACK_SUFFIX in result.output
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "no space left on device" in manifest["reason"]
    assert packed_store.kept_count(partial_of(out) / "replications") == 0  # nothing half-written is read back
    assert all(p.stat().st_size == 0 for p in (partial_of(out) / "replications").iterdir())  # cut back


def test_a_run_killed_as_it_started_its_partial_folder_resumes(tmp_path):
    """Killed between creating `<out>.partial/` and writing its manifest: nothing was done, so
    `--resume` starts afresh (and a run without it says to add --resume) instead of a dead end."""
    scenario = write_scenario(tmp_path / "small.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "out"
    partial_of(out).mkdir()
    (partial_of(out) / "lock").write_text(f"{dead_pid()}\n")
    args = ["run", str(scenario), "--out", str(out), "--workers", "1", "--quiet"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2 and "(0 of its replications done); add --resume" in refused.output
    resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert (out / "comparison.csv").is_file() and not partial_of(out).exists()
    (partial_of(out) / "replications").mkdir(parents=True)  # files but no manifest: not guessed at
    from simulation.execution.packed_store import PackedStore

    kept_record = PackedStore(partial_of(out) / "replications")
    kept_record.put("s0-r0", b"?")  # a whole record, but no manifest to say what it belongs to
    kept_record.close()
    kept = CliRunner().invoke(app, [*args, "--resume"])
    assert kept.exit_code == 2 and "no readable manifest.json; delete the folder to start over" in kept.output


class _LostCluster:
    """A backend whose scheduler is gone as soon as it is used (what `cluster_executor` raises)."""

    workers = 0

    @contextmanager
    def open(self, count: int):
        raise ClusterLost("tcp://10.0.0.9:8786", "the connection was lost and a new one is refused")
        yield


def test_a_lost_cluster_is_one_message_that_says_what_was_kept_and_how_to_finish(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path / "s.toml", SMALL, extends=WORKSHOPS))
    jobs = [Job(f"s0-r{k}", 0, scenario, scenario.run.seed, k) for k in range(3)]
    with pytest.raises(ClusterLost) as lost:
        engine.run_jobs(jobs, backend=_LostCluster())
    assert str(lost.value) == (
        "the Dask scheduler at tcp://10.0.0.9:8786 stopped answering (the connection was lost and a new one is "
        "refused); the 0 jobs done were held in memory only and are lost; run the command again (locally or "
        "with another --cluster)"
    )
    out = tmp_path / "out"
    partial = PartialRun(out, "comparison", jobs, resume=False)
    with pytest.raises(ClusterLost) as lost:
        engine.run_jobs(jobs, sink=partial, backend=_LostCluster())
    assert str(lost.value).endswith(
        f"; the 0 replications done are kept in {partial_of(out)}/; finish with --resume (locally or with another --cluster)"
    )
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["reason"] == (
        "stopped: the Dask scheduler at tcp://10.0.0.9:8786 stopped answering (the connection was lost and a new "
        "one is refused)"
    )
