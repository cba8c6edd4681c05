"""A run's peak memory does not grow with its replications (docs/PERFORMANCE.md, "Many runs").

`simulate FILE` runs in a child process (one worker, so the replications run in that process too) and
reports its own peak resident memory (ru_maxrss) at exit; 2,500 replications must not need more than
150 do, give or take a few MB. Measured with this tiny scenario (20 clinicians, 4 weeks): the code
before streaming, which kept every replication's outcome table and built the steps table in memory,
needed 23.8 MB more for 2,500 replications than for 150 (this test fails on it); now 2.6 MB more
(allocator state, the one row per replication that replications.csv needs, the run's list of jobs).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import small_scenario

CHILD = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    "from simulation.cli import main\n"
    "main()\n"
)
TOLERANCE_KB = 8 * 1024  # now 2.6 MB; the former code 23.8 MB


def peak_kb(folder: Path, scenario: Path, replications: int, env: dict[str, str]) -> int:
    out = folder / f"out-{replications}"
    args = ["run", str(scenario), "--replications", str(replications), "--workers", "1", "--quiet", "--out", str(out)]
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=folder, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.md").is_file()
    return int(re.search(r"maxrss_kb (\d+)", proc.stderr).group(1))


def test_peak_memory_does_not_grow_with_replications(tmp_path, child_env):
    scenario = small_scenario(tmp_path / "tiny.toml", replications=1, steps=4, n=20)
    peak_kb(tmp_path, scenario, 1, child_env)  # compiles and caches the bytecode (child_env), which costs memory once
    few = peak_kb(tmp_path, scenario, 150, child_env)
    many = peak_kb(tmp_path, scenario, 2500, child_env)
    assert many - few < TOLERANCE_KB, f"peak memory {few} KiB with 150 replications, {many} KiB with 2,500"
