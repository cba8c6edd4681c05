"""Shared helpers for the test suite: repository paths, small scenario files, child-process env."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
WORKSHOPS = SCENARIOS / "workshops.toml"


def toml_string(value: str) -> str:
    """A TOML basic string (JSON string escaping is valid TOML for these paths and names)."""
    return json.dumps(value)


def write_scenario(path: Path, body: str, extends: Path | None = BASELINE) -> Path:
    """Write a scenario file at `path`; with `extends` it builds on that file (absolute path)."""
    head = f"extends = {toml_string(str(extends))}\n" if extends is not None else ""
    path.write_text(head + body, encoding="utf-8")
    return path


def small_scenario(
    path: Path, *, replications: int = 4, steps: int = 20, n: int = 200, extends: Path = BASELINE
) -> Path:
    """A reduced copy of a repository scenario: fewer replications, weeks and clinicians."""
    return write_scenario(
        path,
        f"[run]\nreplications = {replications}\nsteps = {steps}\n\n[population]\nn = {n}\n",
        extends=extends,
    )


@pytest.fixture(scope="session", autouse=True)
def _child_processes_cache_bytecode(tmp_path_factory):
    """Let child Python processes (spawned replication workers, CLI subprocesses) cache bytecode.

    The environment sets PYTHONDONTWRITEBYTECODE and the virtualenv holds no .pyc files, so every
    child process would recompile numpy/pandas/scipy/matplotlib/mesa (~3.5 s each). Caching into a
    private temporary folder (PYTHONPYCACHEPREFIX) writes nothing into the repository or the
    virtualenv and changes no behaviour, only start-up time.
    """
    prefix = tmp_path_factory.mktemp("pycache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPYCACHEPREFIX", str(prefix))
        patch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
        yield


@pytest.fixture(scope="session")
def child_env(_child_processes_cache_bytecode) -> dict[str, str]:
    """Environment for CLI subprocesses: the current one plus the bytecode cache, no colours."""
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env["TERM"] = "dumb"
    return env


@pytest.fixture(scope="session")
def small_library_run(tmp_path_factory) -> Path:
    """`simulate compare scenarios/*.toml` in this process, small, with its report: 2 replications of 30
    weeks (the AI incident of week 26 acts) and 2 parameter worlds of 1 replication (so the uncertainty
    tables are written). Shared by the tests that read a whole library's folder."""
    from simulation.job import plan_comparison, run_plan

    out = tmp_path_factory.mktemp("library") / "run"
    plan = plan_comparison(
        sorted(SCENARIOS.glob("*.toml")),
        out=out,
        replications=2,
        steps=30,
        note=lambda _: None,
        worlds=2,
        world_replications=1,
    )
    run_plan(plan, workers=1, note=lambda _: None)
    return out
