"""Real faults on real processes (issue 19): `kill -9` of `simulate` at three moments, two runs into
one folder, a full disk, and a killed Dask scheduler.

Each kill test starts `simulate` as a child process with a marker in its environment (inherited by
every process it starts, so its worker processes are found in /proc even after the kill has made
them orphans), waits for the moment, sends SIGKILL to the parent alone (never its process group: only
the code under test may stop its workers), then checks that

- within 5 s no process of that run is left;
- `--resume` completes, and every file of the results folder equals, byte for byte, that of an
  uninterrupted run with the same seed (manifest.json too, except the command, start time, timings,
  worker count and "resumed"; the reference runs in one process, the killed runs on two workers);
- nothing is left behind: no `<out>.partial/`, no hidden `.<out>.tmp-<pid>` folder.

`FAULTS` counts what the tests injected and found (the issue's closing note reads it with `-s`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO
from test_fault_tolerance import ENTRY, folder_bytes, plan_files

from simulation.execution.checkpoint import partial_of
from simulation.execution.packed_store import kept_count

linux_only = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")
pytestmark = linux_only

MARKER = "SIMULATE_FAULT_TEST_RUN"  # an environment label of the child run (read only by these tests)
GONE_WITHIN = 5.0  # seconds a killed run's processes may take to go
MANIFEST_VARIES = ("command", "started_at", "timings_seconds", "resumed", "workers")  # how, not what

FAULTS: Counter[str] = Counter()  # injected, bytes_lost, processes_left, folders_left


def run_processes(label: str) -> set[int]:
    """The live processes whose environment carries `MARKER=label` (the run and all it started)."""
    token = f"{MARKER}={label}".encode()
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if token not in environ.read_bytes().split(b"\0"):
                continue
            stat = (environ.parent / "stat").read_text()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if stat[stat.rindex(")") + 2] != "Z":
            found.add(int(environ.parent.name))
    return found


class Run:
    """One `simulate` child process, labelled so that everything it starts can be found."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.label = uuid.uuid4().hex
        self.proc = subprocess.Popen(
            [*ENTRY, *args],
            env={**env, MARKER: self.label},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_until(self, moment: Callable[[], bool], timeout: float = 180.0, poll: float = 0.005) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None and not moment():
            time.sleep(poll)
        if self.proc.poll() is not None:
            out, err = self.proc.communicate()
            pytest.fail(f"the run ended (exit {self.proc.returncode}) before the moment to kill it: {err[-2000:]}")
        assert moment(), "the moment to kill the run did not come"

    def kill(self) -> tuple[set[int], set[int]]:
        """SIGKILL to the parent alone; the processes of the run just before, and those left after
        GONE_WITHIN seconds."""
        before = run_processes(self.label)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=30)
        FAULTS["injected"] += 1
        deadline = time.monotonic() + GONE_WITHIN
        left = run_processes(self.label)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = run_processes(self.label)
        FAULTS["processes_left"] += len(left)
        return before, left

    def finish(self, timeout: float = 300.0) -> subprocess.CompletedProcess:
        out, err = self.proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)


def simulate(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`simulate ARGS` run to its end in `cwd` (the scenario's folder, as for the reference run: the
    tables name the scenario files relative to it)."""
    return subprocess.run([*ENTRY, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def stable_manifest(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {key: value for key, value in manifest.items() if key not in MANIFEST_VARIES}


def assert_same_results(out: Path, reference: Path) -> None:
    """Every file of `out` equals the reference's (manifest.json but for what varies between runs)."""
    got, expected = folder_bytes(out), folder_bytes(reference)
    assert sorted(got) == sorted(expected)
    differing = [name for name in expected if got[name] != expected[name]]
    FAULTS["bytes_lost"] += sum(len(expected[name]) for name in differing)
    assert not differing, differing
    assert len(expected) >= 8 and all(name in expected for name in ("steps.csv", "replications.csv"))
    assert stable_manifest(out) == stable_manifest(reference)


def debris(folder: Path) -> list[str]:
    """What a run may leave beside its results: partial folders and hidden temporary folders or files."""
    left = sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial") or ".tmp-" in p.name)
    FAULTS["folders_left"] += len(left)
    return left


def replication_files(out: Path) -> int:
    kept = partial_of(out) / "replications"
    return kept_count(kept)


def writing_folder(out: Path) -> Path | None:
    """The hidden folder the results are being written into (`.<out>.tmp-<pid>`), once it holds steps.csv."""
    for tmp in out.parent.glob(f".{out.name}.tmp-*"):
        if (tmp / "steps.csv").is_file():
            return tmp
    return None


# Small (default test run): 2 scenarios x 12 replications of 40 weeks, no report, and 4 parameter worlds
# of one replication each (32 replications, in 12 batches on two workers: a kill after the first lands
# mid-run). Large (slow tests): 30 replications of 104 weeks with the report (plots,
# report.html, results.xlsx), whose writing takes several seconds, so a kill lands in it reliably.
SMALL = {"replications": 12, "steps": 40, "n": 200, "worlds": 4}
LARGE = {"replications": 30, "steps": 104, "n": 300, "worlds": 0}


@pytest.fixture(scope="module")
def small_case(tmp_path_factory, child_env) -> tuple[Path, Path]:
    """The small scenario and its uninterrupted reference run (serial)."""
    folder = tmp_path_factory.mktemp("small")
    scenario = plan_files(folder, **SMALL)
    done = simulate(child_env, folder, str(scenario), "--out", str(folder / "reference"), "--workers", "1",
                    "--quiet", "--no-report")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return scenario, folder / "reference"


@pytest.fixture(scope="module")
def large_case(tmp_path_factory, child_env) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("large")
    scenario = plan_files(folder, **LARGE)
    done = simulate(child_env, folder, str(scenario), "--out", str(folder / "reference"), "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    return scenario, folder / "reference"


def kill_and_resume(case, tmp_path: Path, env, moment: str, extra: tuple[str, ...]) -> None:
    scenario, reference = case
    out = tmp_path / "results"
    args = (str(scenario), "--out", str(out), "--workers", "2", "--quiet", *extra)
    run = Run(env, scenario.parent, *args)
    moments = {
        "early": lambda: partial_of(out).is_dir(),
        "mid": lambda: replication_files(out) >= 1,
        "writing": lambda: writing_folder(out) is not None,
    }
    run.wait_until(moments[moment])
    before, left = run.kill()
    assert run.proc.pid in before and not left, f"processes of the killed run still alive: {sorted(left)}"
    assert not out.exists()  # nothing that looks like results
    if moment in ("mid", "writing"):
        manifest = json.loads((partial_of(out) / "manifest.json").read_text())
        assert manifest["status"] in ("running", "simulated")  # a killed process writes nothing more
        assert len(before) >= 3  # the parent and its two workers (and the resource tracker)
    if moment == "mid":
        assert 1 <= replication_files(out) < manifest["replications_total"]
    if moment == "writing":
        assert replication_files(out) == manifest["replications_total"]
        assert [p.name for p in tmp_path.glob(".results.tmp-*")] == [f".results.tmp-{run.proc.pid}"]

    resumed = simulate(env, scenario.parent, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert_same_results(out, reference)
    assert json.loads((out / "manifest.json").read_text())["resumed"] is True
    assert debris(tmp_path) == []


def test_kill_9_mid_run_leaves_no_process_and_resume_gives_the_same_bytes(small_case, tmp_path, child_env):
    kill_and_resume(small_case, tmp_path, child_env, "mid", ("--no-report",))


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["early", "mid", "writing"])
def test_kill_9_with_the_report_leaves_nothing_and_resume_gives_the_same_bytes(moment, large_case, tmp_path, child_env):
    kill_and_resume(large_case, tmp_path, child_env, moment, ())


def test_a_second_run_into_the_same_out_is_refused_and_the_first_completes(small_case, tmp_path, child_env):
    scenario, reference = small_case
    out = tmp_path / "results"
    args = (str(scenario), "--out", str(out), "--quiet", "--no-report")
    first = Run(child_env, scenario.parent, *args, "--workers", "1")
    lock = partial_of(out) / "lock"
    first.wait_until(lambda: lock.is_file() and lock.read_text().strip() == str(first.proc.pid))
    # Held still (as a slow machine would) while the others try, so that it is surely running then.
    os.kill(first.proc.pid, signal.SIGSTOP)
    try:
        FAULTS["injected"] += 1
        seconds = [Run(child_env, scenario.parent, *args, *extra) for extra in ((), ("--resume",))]
        refused = [second.finish() for second in seconds]
    finally:
        os.kill(first.proc.pid, signal.SIGCONT)
    for done in refused:
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("error:") == 1 and "Traceback" not in done.stderr
        assert f"another simulate (process {first.proc.pid}) is running into --out {out}" in done.stderr
        assert f"delete {lock}" in done.stderr  # names the lock
    completed = first.finish()
    assert completed.returncode == 0, completed.stderr
    assert_same_results(out, reference)
    assert debris(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs mounted at tmp_path/disk (root in a container; skipped where mounting is refused)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 2 MB tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.mark.parametrize(
    ("size", "filling"),
    [({"replications": 40, "steps": 104, "n": 100, "worlds": 0}, "replications"),
     ({"replications": 3, "steps": 30, "n": 1500, "worlds": 0}, "results")],
)  # fmt: skip
def test_a_full_disk_gives_one_message_and_an_honest_status(size, filling, tmp_path, small_disk, child_env):
    scenario = plan_files(tmp_path, **size)
    out = small_disk / "out"
    FAULTS["injected"] += 1
    done = simulate(child_env, tmp_path, str(scenario), "--out", str(out), "--workers", "1", "--quiet")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("error:") == 1
    line = next(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert "no space left on device while writing" in line and str(small_disk) in line
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "no space left on device" in manifest["reason"]
    kept = replication_files(out)
    if filling == "replications":
        assert ".pack" in line and kept < manifest["replications_total"]
    else:
        assert kept == manifest["replications_total"] and ".pack" not in line
    assert not out.exists() and not list(small_disk.glob(".*"))  # nothing half-written
    assert not list((partial_of(out) / "replications").glob(".*"))

    grown = subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], capture_output=True, text=True)
    assert grown.returncode == 0, grown.stderr  # space again: --resume finishes
    resumed = simulate(child_env, tmp_path, str(scenario), "--out", str(out), "--workers", "1", "--quiet", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} of {manifest['replications_total']} replications already done" in resumed.stderr
    assert (out / "report.html").is_file() and debris(small_disk) == []


def test_a_killed_dask_scheduler_gives_one_message_and_a_local_resume_completes(small_case, tmp_path, child_env):
    pytest.importorskip("distributed")
    from helpers import ENVIRONMENT_VARIABLE, LocalDask

    scenario, reference = small_case
    out = tmp_path / "results"
    args = (str(scenario), "--out", str(out), "--quiet", "--no-report")
    env = {k: v for k, v in child_env.items() if k != ENVIRONMENT_VARIABLE}
    with LocalDask(workers=2, cwd=REPO) as cluster:
        run = Run(env, scenario.parent, *args, "--cluster", cluster.address)
        run.wait_until(lambda: replication_files(out) >= 1, poll=0.002)
        cluster.scheduler.kill()
        cluster.scheduler.wait(timeout=10)
        FAULTS["injected"] += 1
        stopped = run.finish(timeout=60)
    assert stopped.returncode == 2, stopped.stderr
    assert "Traceback" not in stopped.stderr and stopped.stderr.count("error:") == 1, stopped.stderr
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    kept = replication_files(out)
    assert manifest["status"] == "interrupted" and kept < manifest["replications_total"]
    assert manifest["reason"].startswith(f"stopped: the Dask scheduler at {cluster.address} stopped answering (")
    assert (
        f"error: the Dask scheduler at {cluster.address} stopped answering (the connection was lost and a new one "
        f"is refused); the {kept} replications done are kept in {partial_of(out)}/; finish with --resume "
        "(locally or with another --cluster)"
    ) in stopped.stderr
    assert not run_processes(run.label)

    resumed = simulate(env, scenario.parent, *args, "--workers", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{kept} of {manifest['replications_total']} replications already done" in resumed.stderr
    assert_same_results(out, reference)
    assert debris(tmp_path) == []


def test_zz_fault_counts(capsys):
    """The closing note's counts (run with -s to see them); nothing lost or left behind."""
    with capsys.disabled():
        print(f"\nfaults: {dict(FAULTS)}")
    assert FAULTS["bytes_lost"] == 0 and FAULTS["processes_left"] == 0 and FAULTS["folders_left"] == 0
