"""manifest.json: what exactly was run (every scenario of the comparison), so that a result can be traced
and repeated."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.scenario.loader import scenario_hash

if TYPE_CHECKING:
    from simulation.execution.plan import ScenarioRun

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
    """The commit of the code that ran (None outside a git checkout, e.g. an installed wheel, or
    without git) and whether it had local changes."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():  # an installed package: do not report an enclosing repository's commit
        return {"commit": None, "uncommitted_changes": None}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
        )
        return {"commit": commit, "uncommitted_changes": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "uncommitted_changes": None}


def build_manifest(
    runs: Sequence[ScenarioRun],
    sources: Sequence[Path | str],
    common_random_numbers: bool,
    workers: int,
    timings: dict[str, float],
    started_at: str,
    network: dict[str, dict] | None = None,
) -> dict:
    """manifest.json of a comparison: the shared run settings, the seeding, and every scenario with
    its file, the hash of its resolved scenario, its root seed and the resolved scenario itself.

    `network` (scenario name -> `network_stats.describe_network`) adds each scenario's network
    statistics; a network read from files also lists its files with their SHA-256.
    """
    baseline = runs[0].scenario
    if common_random_numbers:
        seeding = (
            "common random numbers: replication k of every scenario uses numpy SeedSequence(root_seed, "
            "spawn_key=(k,)), split into named streams"
        )
    else:
        seeding = (
            "independent seeds: scenario i (baseline i = 0 keeps root_seed) uses the root seed "
            "SeedSequence([root_seed, i]).generate_state(1)[0]; replication k then uses "
            "SeedSequence(that root, spawn_key=(k,)), split into named streams"
        )
    return {
        "baseline": runs[0].name,
        "common_random_numbers": common_random_numbers,
        "root_seed": baseline.run.seed,
        "replications": baseline.run.replications,
        "steps": baseline.run.steps,
        "seeding": seeding,
        "scenarios": [
            {
                "name": run.name,
                "role": run.role,
                "file": str(source),
                "scenario_hash": scenario_hash(run.scenario),
                "root_seed": run.root_seed,
                "paired": run.paired,
                "scenario": run.scenario.model_dump(mode="json"),
                **_network_entries(run, network),
            }
            for run, source in zip(runs, sources, strict=True)
        ],
        "workers": workers,
        "command": sys.argv,
        "started_at": started_at,
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "versions": package_versions(),
        "git": git_commit(),
    }


def _network_entries(run: ScenarioRun, network: dict[str, dict] | None) -> dict:
    out: dict[str, Any] = {}
    if network and run.name in network:
        out["network"] = network[run.name]
    if run.scenario.network.generator == "file":
        from simulation.network.files import file_hashes, read_network_files

        out["network_files"] = file_hashes(read_network_files(run.scenario.network))
    return out


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, allow_nan=False) + "\n", encoding="utf-8")
