"""manifest.json: what exactly was run, so that a result can be traced and repeated."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from simulation.scenario.loader import scenario_hash
from simulation.scenario.schema import Scenario

PACKAGES = ("clinician-ai-sim", "mesa", "numpy", "scipy", "networkx", "matplotlib", "pandas", "pydantic", "typer")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> dict[str, str | bool | None]:
    """The commit of the code that ran (None outside a git checkout) and whether it had local changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=5
            ).stdout.strip()
        )
        return {"commit": commit, "uncommitted_changes": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "uncommitted_changes": None}


def build_manifest(scenario: Scenario, source: Path, workers: int, timings: dict[str, float], started_at: str) -> dict:
    return {
        "scenario_file": str(source),
        "scenario_hash": scenario_hash(scenario),
        "root_seed": scenario.run.seed,
        "replications": scenario.run.replications,
        "steps": scenario.run.steps,
        "seeding": "replication k uses numpy SeedSequence(root_seed, spawn_key=(k,)), split into named streams",
        "workers": workers,
        "command": sys.argv,
        "started_at": started_at,
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "versions": package_versions(),
        "git": git_commit(),
        "scenario": scenario.model_dump(mode="json"),
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n", encoding="utf-8")
