"""Runs that survive faults: replications kept as they finish, --resume, error rows, no half-written folders.

The first test is the real thing: `simulate FILE` in a child process, killed (SIGKILL to its whole
process group) after some replications are on disk, then `--resume`d; the results folder must equal,
byte for byte, that of an uninterrupted run (every file but manifest.json, which records timings and
the command). The others inject a failing or interrupted replication in-process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, WORKSHOPS, write_scenario
from typer.testing import CliRunner

import simulation.execution.engine as engine
from simulation.cli import app
from simulation.errors import ReplicationsFailed, ScenarioError
from simulation.execution.checkpoint import partial_of
from simulation.execution.packed_store import kept_count
from simulation.experiments.sweep import plan_sweep, run_sweep

ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]


def folder_bytes(folder: Path, skip: tuple[str, ...] = ("manifest.json",)) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def plan_files(folder: Path, replications: int, steps: int, n: int, worlds: int = 0) -> Path:
    """A reduced baseline and the workshops plan compared with it (both scenarios run), with `worlds`
    parameter worlds of one replication each (0: none)."""
    body = f"[run]\nreplications = {replications}\nsteps = {steps}\n\n[population]\nn = {n}\n"
    body += f"\n[uncertainty]\nworlds = {worlds}\nreplications = 1\n"
    write_scenario(folder / "base.toml", body, extends=BASELINE)
    return write_scenario(folder / "plan.toml", body + '\n[scenario]\ncompare_to = "base.toml"\n', extends=WORKSHOPS)


def test_killed_run_resumes_to_the_same_bytes_as_an_uninterrupted_run(tmp_path, child_env):
    # The workshops plan and its baseline: 40 replications (replication 0 of each with network snapshots)
    # and 2 x 3 in parameter worlds.
    scenario = plan_files(tmp_path, 20, 60, 500, worlds=3)
    reference, out = tmp_path / "reference", tmp_path / "results"
    args = ["--workers", "1", "--quiet"]
    subprocess.run(
        [*ENTRY, str(scenario), "--out", str(reference), *args],
        check=True,
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
    )

    proc = subprocess.Popen([*ENTRY, str(scenario), "--out", str(out), *args], env=child_env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    kept = partial_of(out) / "replications"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and kept_count(kept) < 5:
        time.sleep(0.005)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done = kept_count(kept)
    assert 5 <= done < 46
    assert not out.exists()  # no half-written results folder
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["status"] == "running" and manifest["replications_total"] == 46

    again = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), *args])
    assert again.exit_code == 2 and "--resume" in again.output  # never silently restarted or discarded
    assert kept_count(kept) == done

    resumed = subprocess.run(
        [*ENTRY, str(scenario), "--out", str(out), *args, "--resume"],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} of 46 replications already done; running the other {46 - done}" in resumed.stderr
    assert not partial_of(out).exists()
    assert folder_bytes(out) == folder_bytes(reference)
    final = json.loads((out / "manifest.json").read_text())
    assert final["complete"] is True and final["resumed"] is True


SWEEP = (
    "[run]\nreplications = 2\nsteps = 5\n\n[population]\nn = 50\n\n"
    '[sweep]\noutcomes = ["share_skeptical"]\n[[sweep.parameters]]\nkey = "interventions[0].seats"\nvalues = [5, 10, 20]\n'
)


def _failing_at(monkeypatch, group: int, replication: int, exc: BaseException) -> list[tuple[int, int]]:
    """Make one (point or scenario, replication) raise `exc` in-process; return the list of jobs run."""
    original = engine.run_replication
    calls: list[tuple[int, int]] = []

    def run(scenario, k, with_snapshots=False, root_seed=None):
        calls.append(k)
        if k == replication and scenario.interventions and getattr(scenario.interventions[0], "seats", None) == group:
            raise exc
        return original(scenario, k, with_snapshots, root_seed)

    def run_all(jobs):  # the batched path, one job after another through `run`
        results = [run(job.scenario, job.replication, job.with_snapshots, job.root_seed) for job in jobs]
        for job, result in zip(jobs, results, strict=True):
            result.scenario_index = job.group
        return results

    monkeypatch.setattr(engine, "run_replication", run)
    monkeypatch.setattr(engine, "run_replications", run_all)
    return calls


def test_a_failing_replication_becomes_an_error_row_and_resume_reruns_only_it(tmp_path, monkeypatch):
    path = write_scenario(tmp_path / "sweep.toml", SWEEP, extends=WORKSHOPS)
    out = tmp_path / "out"
    _failing_at(monkeypatch, 10, 1, ValueError("injected failure"))
    with pytest.raises(ReplicationsFailed) as failed:
        run_sweep(plan_sweep(path, out), workers=1)
    message = str(failed.value)
    assert message.startswith("1 of 6 replications failed:")
    assert (
        "point 1 (interventions[0].seats = 10) replication 1 (seed SeedSequence(20250801, spawn_key=(1,))): ValueError: injected failure"
        in message
    )
    assert "--resume" in message and failed.value.closing.startswith("sweep workshops: 3 points")
    reps = pd.read_csv(out / "replications.csv", keep_default_na=False)
    error_rows = reps[reps["error"] != ""]
    assert len(error_rows) == 1 and error_rows.iloc[0]["point"] == 1 and error_rows.iloc[0]["replication"] == 1
    assert "ValueError: injected failure" in error_rows.iloc[0]["error"] and error_rows.iloc[0]["share_skeptical"] == ""
    errors = pd.read_csv(out / "errors.csv")
    assert errors.loc[0, "seed"] == "SeedSequence(20250801, spawn_key=(1,))"
    summary = pd.read_csv(out / "summary.csv")
    assert (
        summary.loc[summary["point"] == 1, "n"].item() == 1 and summary.loc[summary["point"] == 1, "failed"].item() == 1
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["replications_failed"] == 1
    assert kept_count(partial_of(out) / "replications") == 5

    with pytest.raises(ScenarioError, match="unfinished run"):
        plan_sweep(path, out) and run_sweep(plan_sweep(path, out), workers=1)  # not silently discarded
    monkeypatch.undo()
    calls = _failing_at(monkeypatch, -1, -1, ValueError("never"))
    run_sweep(plan_sweep(path, out), workers=1, resume=True)
    assert calls == [1]  # only the failed replication ran again
    assert not partial_of(out).exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is True
    assert (tmp_path / "out.previous" / "errors.csv").is_file()  # the run with the error row, kept aside
    fresh = run_sweep(plan_sweep(path, tmp_path / "fresh"), workers=1)
    assert folder_bytes(out) == folder_bytes(fresh.out)


def test_a_comparison_with_a_failure_writes_no_results_and_exits_1(tmp_path, monkeypatch):
    path = plan_files(tmp_path, 2, 4, 50)
    out = tmp_path / "out"
    _failing_at(monkeypatch, 20, 1, RuntimeError("boom"))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "error: 1 of 4 replications failed:" in result.output
    assert (
        "scenario workshops replication 1 (seed SeedSequence(20250801, spawn_key=(1,))): RuntimeError: boom"
        in result.output
    )
    assert "Traceback" not in result.output and not out.exists()
    assert (partial_of(out) / "errors.csv").read_text().count("RuntimeError: boom") == 1
    other = CliRunner().invoke(
        app, ["run", str(path), "--out", str(out), "--workers", "1", "--quiet", "--resume", "--seed", "7"]
    )
    assert other.exit_code == 2 and "made from other input" in other.output
    monkeypatch.undo()
    resumed = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--workers", "1", "--quiet", "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "3 of 4 replications already done; running the other 1" in resumed.output
    assert (out / "comparison.csv").is_file() and not partial_of(out).exists()


def test_ctrl_c_keeps_finished_replications_and_says_how_to_resume(tmp_path, monkeypatch):
    path = write_scenario(tmp_path / "sweep.toml", SWEEP, extends=WORKSHOPS)
    out = tmp_path / "out"
    _failing_at(monkeypatch, 20, 0, KeyboardInterrupt())
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 130
    assert "interrupted: the finished replications are kept in" in result.output and "--resume" in result.output
    manifest = json.loads((partial_of(out) / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["complete"] is False
    assert manifest["replications_done"] == 4 and not out.exists()
