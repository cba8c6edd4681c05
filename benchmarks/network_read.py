"""Network read benchmark: the plain edge-list reader against the pyarrow one, side by side in one run.

Writes a generated edge list (default 2 million ties among 200,000 clinicians, CSV with a header
and an integer weight column 1-5; `--whitespace` for a space-separated file) and reads it through
`simulation.network.files` (edge rows, clinician ids, merged ties) in a fresh subprocess per reader
and repetition, so each one's peak resident memory (`ru_maxrss`) is its own. "plain" forces the
line-by-line reader (`tables.read_table`), "fast" the default (pyarrow.csv for files of at least
`arrow_table.FAST_MIN_BYTES`). Prints CPU seconds, wall seconds and peak memory of each, the ratio,
and the load average (the machine may be shared: CPU seconds are the fairer number).

    uv run python benchmarks/network_read.py                      # 2 M ties, weights mapped
    uv run python benchmarks/network_read.py --ties 200000 --repeat 3
    uv run python benchmarks/network_read.py --no-weight --whitespace

Target (issue 18): the fast read of 2 million ties under 3 s on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from simulation.network import arrow_table, files
from simulation.scenario.network import NetworkConfig
if {reader!r} == "plain":
    arrow_table.read_coded = lambda *args: None
config = NetworkConfig(generator="file", edges={path!r}, **{keys!r})
cpu, wall = time.process_time(), time.perf_counter()
data = files._read(config)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"cpu": cpu, "wall": wall, "peak_mib": peak, "clinicians": data.n, "ties": int(data.edges.shape[0])}}))
"""


def write_edge_list(path: Path, ties: int, clinicians: int, whitespace: bool, seed: int = 1) -> None:
    """`ties` random rows i, j (i != j), weight 1-5, among `clinicians` integer ids."""
    import numpy as np

    rng = np.random.default_rng(seed)
    i = rng.integers(0, clinicians, ties)
    j = (i + rng.integers(1, clinicians, ties)) % clinicians
    weight = rng.integers(1, 6, ties)
    sep = " " if whitespace else ","
    with path.open("w", encoding="utf-8") as handle:
        handle.write(sep.join(["source", "target", "weight"]) + "\n")
        np.savetxt(handle, np.stack([i, j, weight], axis=1), fmt="%d", delimiter=sep)


def read_once(reader: str, path: Path, keys: dict) -> dict:
    """One read in a fresh interpreter: CPU s, wall s, peak MiB, clinicians, ties."""
    code = CHILD.format(repo=str(REPO), reader=reader, path=str(path), keys=keys)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ties", type=int, default=2_000_000)
    parser.add_argument("--clinicians", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="reads per reader (the best CPU time is shown)")
    parser.add_argument("--whitespace", action="store_true", help="a space-separated file instead of CSV")
    parser.add_argument("--no-weight", action="store_true", help="do not map the weight column")
    args = parser.parse_args()
    keys = {} if args.no_weight else {"weight": "weight"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("ties.txt" if args.whitespace else "ties.csv")
        write_edge_list(path, args.ties, args.clinicians, args.whitespace)
        size = path.stat().st_size / 2**20
        print(
            f"{args.ties:,} ties among {args.clinicians:,} clinicians, {size:.0f} MiB, weights mapped: {not args.no_weight}"
        )
        print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        results = {}
        for reader in ("plain", "fast"):
            runs = [read_once(reader, path, keys) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["cpu"])
            results[reader] = best
            print(
                f"{reader:>5}: {best['cpu']:6.2f} s CPU  {best['wall']:6.2f} s wall  {best['peak_mib']:7.0f} MiB peak"
                f"  ({best['clinicians']:,} clinicians, {best['ties']:,} ties)"
            )
        assert results["plain"]["ties"] == results["fast"]["ties"], "the two readers disagree"
        ratio = results["plain"]["cpu"] / results["fast"]["cpu"]
        print(f"plain / fast CPU time: {ratio:.1f}x")
        print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
