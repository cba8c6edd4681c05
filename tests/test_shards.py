"""`--shard K/N` and `simulate merge` (issue 18): a run cut into N shards, each run on its own and
merged in any order, gives the same files as the run made at once (manifest.json too, but for how
it ran: command, start time, timings, worker count, "resumed"); wrong, missing, doubled or foreign
shards are one clear error; the Slurm array script runs end to end with a stand-in for `sbatch`.

The runs go through the command line in this process (`CliRunner`), serially, so that they are
quick; the Slurm test starts real processes (marked slow).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASELINE, REPO, WORKSHOPS, write_scenario
from test_fault_tolerance import folder_bytes
from test_faults_kill import stable_manifest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.execution.checkpoint import PartialRun, partial_of
from simulation.execution.packed_store import kept_count, pack_files
from simulation.execution.shard import Shard

# Small: 2 scenarios x 5 replications of 12 weeks (10 jobs), 2 parameter worlds of 1 replication
# (4 more jobs), so shards cut across scenarios and worlds.
BODY = "[run]\nreplications = 5\nsteps = 12\n\n[population]\nn = 80\n\n[uncertainty]\nworlds = 2\nreplications = 1\n"
QUIET = ("--workers", "1", "--quiet", "--no-report")


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error(result) -> str:
    """The single `error:` line of a refused command (exit 2, no traceback)."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture(scope="module")
def plan_case(tmp_path_factory) -> tuple[Path, Path]:
    """The workshops plan compared with its baseline, and its unsharded results (the reference)."""
    folder = tmp_path_factory.mktemp("shards")
    write_scenario(folder / "base.toml", BODY, extends=BASELINE)
    plan = write_scenario(folder / "plan.toml", BODY + '\n[scenario]\ncompare_to = "base.toml"\n', extends=WORKSHOPS)
    reference = folder / "reference"
    done = invoke("run", plan, "--out", reference, *QUIET)
    assert done.exit_code == 0, done.output
    return plan, reference


def assert_same_results(out: Path, reference: Path) -> None:
    got, expected = folder_bytes(out), folder_bytes(reference)
    assert sorted(got) == sorted(expected)
    assert [name for name in expected if got[name] != expected[name]] == []
    assert stable_manifest(out) == stable_manifest(reference)


def run_shards(command: tuple, count: int, folder: Path) -> list[Path]:
    shards = []
    for k in range(1, count + 1):
        shard = folder / f"part-{k}"
        done = invoke(*command, "--shard", f"{k}/{count}", "--out", shard, *QUIET)
        assert done.exit_code == 0, done.output
        assert f"shard {k}/{count}:" in done.output
        shards.append(shard)
    return shards


@pytest.mark.parametrize(("count", "order"), [(1, [0]), (2, [1, 0]), (3, [2, 0, 1])])
def test_merged_shards_give_the_bytes_of_the_unsharded_run(plan_case, tmp_path, count, order):
    plan, reference = plan_case
    shards = run_shards(("run", plan), count, tmp_path)
    manifests = [json.loads((shard / "manifest.json").read_text()) for shard in shards]
    jobs = [key for manifest in manifests for key in manifest["jobs"]]
    assert len(jobs) == len(set(jobs)) == manifests[0]["replications_total"] == 14  # every job once
    assert len({manifest["fingerprint"] for manifest in manifests}) == 1
    sizes = [manifest["replications"] for manifest in manifests]
    assert max(sizes) - min(sizes) <= 1  # about equal shares
    for shard in shards:  # a shard folder: its manifest and one pack file, whatever its replications
        assert sorted(p.name for p in shard.iterdir()) == ["manifest.json", "replications"]
        assert len(pack_files(shard / "replications")) == 1
    out = tmp_path / "merged"
    merged = invoke("merge", *(shards[i] for i in order), "--out", out, "--quiet")
    assert merged.exit_code == 0, merged.output
    assert "14 of 14 replications already done; nothing left to run" in merged.output
    assert_same_results(out, reference)
    assert not (tmp_path / "merged.partial").exists() and all(shard.is_dir() for shard in shards)


def test_a_comparison_in_two_shards_merges_to_the_unsharded_comparison(plan_case, tmp_path):
    plan, _ = plan_case
    files = (plan.parent / "base.toml", plan)
    reference = tmp_path / "reference"
    assert invoke("compare", *files, "--out", reference, *QUIET).exit_code == 0
    shards = run_shards(("compare", *files), 2, tmp_path)
    out = tmp_path / "merged"
    assert invoke("merge", shards[1], shards[0], "--out", out, "--quiet").exit_code == 0
    assert_same_results(out, reference)


SWEEP = (
    "[run]\nreplications = 2\nsteps = 6\n\n[population]\nn = 60\n\n"
    '[sweep]\noutcomes = ["share_skeptical"]\n[[sweep.parameters]]\nkey = "interventions[0].seats"\n'
    "values = [5, 10, 20]\n"
)
MORRIS = (
    "[run]\nreplications = 2\nsteps = 4\n\n[population]\nn = 40\n\n"
    '[sensitivity]\nmethod = "morris"\ntrajectories = 2\nlevels = 4\noutcomes = ["mean_attitude"]\n'
    '[[sensitivity.parameters]]\nkey = "population.attitude_mean"\nlow = 3.0\nhigh = 5.5\n'
    '[[sensitivity.parameters]]\nkey = "costs.hourly_rate"\nlow = 0\nhigh = 100\n'
)


@pytest.mark.parametrize(("kind", "body", "count"), [("sweep", SWEEP, 2), ("sensitivity", MORRIS, 3)])
def test_sweep_and_sensitivity_shards_merge_to_the_unsharded_experiment(tmp_path, kind, body, count):
    path = write_scenario(tmp_path / f"{kind}.toml", body, extends=WORKSHOPS)
    reference = tmp_path / "reference"
    assert invoke(kind, path, "--out", reference, "--workers", "1", "--quiet").exit_code == 0
    shards = []
    for k in range(1, count + 1):
        shard = tmp_path / f"part-{k}"
        command = (kind,) if k % 2 else ("run",)  # `simulate run FILE` runs a file's experiment, sharded alike
        done = invoke(*command, path, "--shard", f"{k}/{count}", "--out", shard, "--workers", "1", "--quiet")
        assert done.exit_code == 0, done.output
        shards.append(shard)
    out = tmp_path / "merged"
    merged = invoke("merge", *reversed(shards), "--out", out, "--quiet")
    assert merged.exit_code == 0, merged.output
    assert_same_results(out, reference)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0/2", "--shard 0/2: K must be between 1 and N"),
        ("3/2", "--shard 3/2: K must be between 1 and N"),
        ("1/0", "--shard 1/0: K must be between 1 and N"),
        ("a/b", "--shard a/b: give K/N, two whole numbers with 1 <= K <= N"),
        ("2", "--shard 2: give K/N"),
        ("15/15", "--shard 15/15: the run has only 14 replications; use at most 14 shards"),
    ],
)
def test_a_bad_shard_is_one_error_and_writes_nothing(plan_case, tmp_path, value, expected):
    plan, _ = plan_case
    line = one_error(invoke("run", plan, "--shard", value, "--out", tmp_path / "shard", *QUIET))
    assert expected in line
    assert list(tmp_path.iterdir()) == []


def test_plan_cannot_be_sharded_and_says_why(tmp_path):
    path = REPO / "scenarios" / "budget.toml"
    for command in (("plan", path), ("run", path)):
        line = one_error(invoke(*command, "--shard", "1/2", "--out", tmp_path / "out", "--quiet"))
        assert "`simulate plan` cannot be cut into shards" in line and "--cluster" in line
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def three_shards(plan_case, tmp_path_factory) -> list[Path]:
    plan, _ = plan_case
    return run_shards(("run", plan), 3, tmp_path_factory.mktemp("three"))


def test_a_missing_doubled_or_foreign_shard_is_one_error_naming_it(plan_case, three_shards, tmp_path):
    plan, _ = plan_case
    first, second, third = three_shards
    out = tmp_path / "merged"
    line = one_error(invoke("merge", third, first, "--out", out))
    assert f"shard 2/3 missing (given: 1/3 ({first}), 3/3 ({third}))" in line and "--shard" in line
    line = one_error(invoke("merge", first, second, second, third, "--out", out))
    assert f"shard 2/3 is given twice: {second} and {second}" in line
    other = tmp_path / "other-seed"
    assert invoke("run", plan, "--seed", "7", "--shard", "2/3", "--out", other, *QUIET).exit_code == 0
    line = one_error(invoke("merge", first, other, third, "--out", out))
    assert f"{first} (shard 1/3) and {other} (shard 2/3) are shards of different runs" in line
    line = one_error(invoke("merge", first, plan.parent / "reference", "--out", out))
    assert "not a shard folder" in line and "reference" in line
    line = one_error(invoke("merge", first, tmp_path / "absent", "--out", out))
    assert "no such shard folder" in line
    assert not out.exists() and not (tmp_path / "merged.partial").exists()


def test_an_edited_scenario_after_sharding_is_refused_at_merge(tmp_path):
    write_scenario(tmp_path / "base.toml", BODY, extends=BASELINE)
    shards = run_shards(("run", tmp_path / "base.toml"), 2, tmp_path)
    write_scenario(tmp_path / "base.toml", BODY.replace("n = 80", "n = 90"), extends=BASELINE)
    line = one_error(invoke("merge", *shards, "--out", tmp_path / "merged"))
    assert "were made from other input" in line and "base.toml" in line
    assert not (tmp_path / "merged").exists() and not (tmp_path / "merged.partial").exists()


def test_an_interrupted_shard_resumes_and_merges_with_the_others(plan_case, three_shards, tmp_path, monkeypatch):
    """Shard 2/3 interrupted after two replications, the last record then torn (as a kill in the
    middle of a write leaves it): --resume runs only the other replications of the shard, and the
    merge with shards 1 and 3 equals the unsharded run."""
    plan, reference = plan_case
    original, saved = PartialRun.save, []

    def save_then_stop(self, done):
        original(self, done)
        saved.append(done.job.key)
        if len(saved) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(PartialRun, "save", save_then_stop)
    shard = tmp_path / "part-2"
    stopped = invoke("run", plan, "--shard", "2/3", "--out", shard, *QUIET)
    assert stopped.exit_code == 130 and not shard.exists(), stopped.output
    monkeypatch.undo()
    kept = partial_of(shard) / "replications"
    (pack,) = pack_files(kept)
    assert kept_count(kept) == 2
    pack.write_bytes(pack.read_bytes()[:-10])
    assert kept_count(kept) == 1
    resumed = invoke("run", plan, "--shard", "2/3", "--out", shard, *QUIET, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "1 of 5 replications already done; running the other 4" in resumed.output
    out = tmp_path / "merged"
    assert invoke("merge", three_shards[2], shard, three_shards[0], "--out", out, "--quiet").exit_code == 0
    assert_same_results(out, reference)


@pytest.mark.slow
def test_the_slurm_array_script_runs_the_shards_then_the_merge(plan_case, tmp_path, child_env):
    """scripts/slurm_array.sh with tests/bin/sbatch (runs each array task as a process with
    SLURM_ARRAY_TASK_ID set, then the job that depends on them): the merged folder equals the
    unsharded run."""
    plan, reference = plan_case
    env = {
        **child_env,
        "PATH": f"{REPO / 'tests' / 'bin'}{os.pathsep}{child_env['PATH']}",
        "SIMULATE": f"{sys.executable} -m simulation.cli",
        "SBATCH_STANDIN_STATE": str(tmp_path / "slurm"),
    }
    out = tmp_path / "results"
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "slurm_array.sh"), "3", str(out), "run", str(plan), "--no-report"],
        cwd=REPO,  # where the reference ran (the tables name scenario files relative to the working folder)
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submitted array job" in done.stdout and "merge job" in done.stdout
    array, merge = sorted({p.name.split(".")[0] for p in (tmp_path / "slurm").glob("*.status")})
    for k in (1, 2, 3):  # one process per shard, each told its SLURM_ARRAY_TASK_ID
        assert (tmp_path / "slurm" / f"{array}.task-{k}.status").read_text() == "0\n"
        assert f"shard {k}/3:" in (tmp_path / "slurm" / f"{array}.task-{k}.log").read_text()
    assert (tmp_path / "slurm" / f"{merge}.task-0.status").read_text() == "0\n"
    assert_same_results(out, reference)


def test_shards_cut_jobs_into_consecutive_parts_of_near_equal_size():
    jobs = list(range(10))
    parts = [Shard(k, 3).select(jobs) for k in (1, 2, 3)]  # type: ignore[arg-type]
    assert parts == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert Shard.parse(" 2 / 3 ") == Shard(2, 3) and Shard(2, 3).label == "2/3"
