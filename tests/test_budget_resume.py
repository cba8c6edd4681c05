"""`simulate plan --resume`: a budget search killed (SIGKILL to its whole process group) goes on from
what is done and writes the same bytes as an uninterrupted run.

The small menu of tests/test_budget_plan.py (14 portfolios, 150 clinicians, 30 weeks; a target among
its objectives). The run is killed twice: once in the second round of successive halving
(the costs and round 1 are whole in `<out>.partial/`), then, resumed, once in the finalists'
comparison; a second resume finishes it. About 70 s on 2 shared cores, so marked slow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BASELINE, write_scenario
from test_budget_plan import MENU
from typer.testing import CliRunner

from simulation.cli import app
from simulation.execution.checkpoint import partial_of
from simulation.execution.packed_store import kept_count
from simulation.experiments.budget_report import run_budget

ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a results folder but the manifests (they hold timings and `resumed`)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _start(scenario: Path, out: Path, env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ENTRY, "plan", str(scenario), "--out", str(out), "--workers", "1", *extra],
        env=env,
        cwd=scenario.parent,  # the working folder of the reference run
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _kill_when(proc: subprocess.Popen, folder: Path, files: int) -> int:
    """SIGKILL the run's process group once `folder` holds `files` replications; how many it held."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and kept_count(folder) < files:
        time.sleep(0.002)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return kept_count(folder)


@pytest.mark.slow
def test_a_killed_plan_resumes_to_the_same_bytes(tmp_path, child_env, monkeypatch):
    scenario = write_scenario(tmp_path / "menu.toml", MENU, extends=BASELINE)
    monkeypatch.chdir(tmp_path)  # as the runs below: tables name files relative to the working folder
    reference = run_budget(scenario, tmp_path / "reference", workers=1, note=lambda _: None)
    out = tmp_path / "results"
    root = partial_of(out)

    round_2 = root / "round-2.partial" / "replications"
    done = _kill_when(_start(scenario, out, child_env, "--quiet"), round_2, 3)
    assert 3 <= done < 9 * 4  # round 2: 9 portfolios x 4 more replications
    assert not out.exists()  # no half-written results folder
    assert kept_count(root / "costs.partial" / "replications") == 7 * 2  # the file and 6 ways
    assert kept_count(root / "round-1.partial" / "replications") == 14 * 2
    assert json.loads((root / "manifest.json").read_text())["kind"] == "plan"

    again = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(out)])
    assert again.exit_code == 2 and "--resume" in again.output  # never silently restarted or discarded
    assert kept_count(round_2) == done

    final = root / "final.partial" / "replications"
    resumed = _start(scenario, out, child_env, "--resume")
    in_final = _kill_when(resumed, final, 3)
    assert in_final >= 3 and not out.exists()
    stderr = resumed.stderr.read().decode() if resumed.stderr else ""
    assert f"{done} of {9 * 4} replications already done" in stderr

    finished = subprocess.run(
        [*ENTRY, "plan", str(scenario), "--out", str(out), "--workers", "1", "--resume"],
        env=child_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr
    assert f"{in_final} of " in finished.stderr and "replications already done" in finished.stderr
    assert not root.exists()  # removed once the results are written
    assert folder_bytes(out) == folder_bytes(reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["resumed"] is True


def test_resume_without_an_unfinished_plan_is_a_clear_error(tmp_path):
    scenario = write_scenario(tmp_path / "menu.toml", MENU, extends=BASELINE)
    result = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(tmp_path / "out"), "--resume"])
    assert result.exit_code == 2 and "no unfinished run to resume" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
