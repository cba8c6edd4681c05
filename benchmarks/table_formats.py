"""CSV against Parquet for the tables of a full library compare: write time, size, read time, and the
time to read one column (CPU seconds, `time.process_time`, median of a few repeats).

The tables come from a run folder written with both formats (the Parquet files are the source of the
frames; each table is then written and read again in both formats, the ways the program does:
`tables.to_csv_bytes`, `table_files.write_table`, `read_table`). Without `--folder` the library
compare is run first (`simulate compare scenarios/*.toml --worlds 0 --no-report`, one worker: the
steps and replications tables of a full compare; the worlds do not change them).

Run from the repository root: `uv run --frozen python benchmarks/table_formats.py [--folder DIR]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from simulation.results.table_files import read_table, write_table

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 3
TABLES = ("steps", "replications", "comparison", "groups", "targets", "effects")
ONE_COLUMN = "share_skeptical"


def cpu(action: Callable[[], object]) -> float:
    """Median CPU seconds of `REPEATS` calls of `action`."""
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def library_run(folder: Path) -> Path:
    scenarios = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    command = [sys.executable, "-m", "simulation.cli", "compare", *scenarios, "--out", str(folder)]
    command += ["--worlds", "0", "--no-report", "--workers", "1", "--quiet", "--format", "both"]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return folder


def measure(source: Path, scratch: Path, name: str) -> dict[str, float]:
    frame = read_table(source, name)
    csv_only, parquet_only = scratch / "csv", scratch / "parquet"
    csv_only.mkdir(exist_ok=True)
    parquet_only.mkdir(exist_ok=True)
    row = {"rows": float(len(frame)), "columns": float(frame.shape[1])}
    row["write_csv"] = cpu(lambda: write_table(csv_only, name, frame, ("csv",)))
    row["write_parquet"] = cpu(lambda: write_table(parquet_only, name, frame, ("parquet",)))
    row["mb_csv"] = (csv_only / f"{name}.csv").stat().st_size / 1e6
    row["mb_parquet"] = (parquet_only / f"{name}.parquet").stat().st_size / 1e6
    row["read_csv"] = cpu(lambda: read_table(csv_only, name))
    row["read_parquet"] = cpu(lambda: read_table(parquet_only, name))
    column = ONE_COLUMN if ONE_COLUMN in frame.columns else str(frame.columns[-1])
    row["column_csv"] = cpu(lambda: pd.read_csv(csv_only / f"{name}.csv", usecols=[column]))
    row["column_parquet"] = cpu(lambda: pq.read_table(parquet_only / f"{name}.parquet", columns=[column]))
    return row


def _ratio(row: dict[str, float], what: str) -> float:
    """CSV over Parquet for `what` (write, mb, read, column)."""
    return row[f"{what}_csv"] / max(row[f"{what}_parquet"], 1e-6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="a run folder written with --format both (default: run one)")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.folder if args.folder is not None else library_run(Path(tmp) / "library")
        rows = {name: measure(source, Path(tmp), name) for name in TABLES if (source / f"{name}.parquet").exists()}
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; CPU s, median of {REPEATS}")
    header = f"{'table':<14}{'rows':>9}{'write csv':>10}{'parquet':>9}{'x':>6}{'MB csv':>8}{'parquet':>9}{'x':>6}"
    header += f"{'read csv':>10}{'parquet':>9}{'x':>6}{'1 col csv':>10}{'parquet':>9}{'x':>6}"
    print(header)
    totals = dict.fromkeys(next(iter(rows.values())), 0.0)
    for name, row in [*rows.items(), ("all", totals)]:
        if name != "all":
            for key, value in row.items():
                totals[key] += value
        print(
            f"{name:<14}{row['rows']:>9,.0f}"
            f"{row['write_csv']:>10.3f}{row['write_parquet']:>9.3f}{_ratio(row, 'write'):>6.1f}"
            f"{row['mb_csv']:>8.2f}{row['mb_parquet']:>9.2f}{_ratio(row, 'mb'):>6.1f}"
            f"{row['read_csv']:>10.3f}{row['read_parquet']:>9.3f}{_ratio(row, 'read'):>6.1f}"
            f"{row['column_csv']:>10.3f}{row['column_parquet']:>9.3f}{_ratio(row, 'column'):>6.1f}"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
