"""Start-up time: the CLI's help, checking a scenario file, and importing the scenario package.

Each command runs in a fresh interpreter (`sys.executable`), five times; the table gives the median
wall and CPU time (CPU = the child's user + system time) and the load average before the runs.
Run from the repository root: `uv run --frozen python benchmarks/startup.py`.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
COMMANDS = {
    "simulate --help": [sys.executable, "-m", "simulation.cli", "--help"],
    "simulate check scenarios/workshops.toml": [
        sys.executable,
        "-m",
        "simulation.cli",
        "check",
        "scenarios/workshops.toml",
    ],
    "import simulation.scenario": [sys.executable, "-c", "import simulation.scenario"],
}


def measure(command: list[str]) -> tuple[float, float]:
    """Median wall and CPU seconds of `RUNS` runs of `command`."""
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    load = os.getloadavg()[0]
    print(f"load average (1 min) before: {load:.2f}; median of {RUNS} runs")
    print(f"{'command':<42}{'wall s':>8}{'CPU s':>8}")
    for label, command in COMMANDS.items():
        wall, cpu = measure(command)
        print(f"{label:<42}{wall:>8.2f}{cpu:>8.2f}")


if __name__ == "__main__":
    main()
