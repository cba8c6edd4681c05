"""Throughput at the hospital sizes planners have: replications per CPU second of one scenario (the
500-clinician baseline over 104 weeks by default), measured side by side in one run:

- `mesa model`: `ClinicianModel` stepped one replication at a time with Mesa's DataCollector (the
  path every headless run took before batching, now a batch of one inside the Mesa model);
- `unbatched`: the headless engine with one replication per batch (B = 1);
- `batched`: the headless engine's own batches (`simulation.execution.replication.BATCH_CLINICIANS`);
- `frozen tree` (with `--frozen-tree DIR`): an older checkout's `run_replication`, timed in a child
  process with that checkout's own environment (`git worktree add /tmp/before 063293d`), the same
  scenario and replications; its CPU seconds are the child's own.

It also gives the step cost of one replication-week in the batch against one sparse matrix-vector
product of that network (scipy's CSR `@`, median of 2,000), the yardstick of docs/PERFORMANCE.md.
All times are CPU seconds (`time.process_time`), with the load average before the run: wall times on
the shared 2-core machine vary 3-10x with load, CPU seconds and ratios much less.

Run from the repository root: `uv run --frozen python benchmarks/throughput.py [--replications 64]
[--n 500] [--steps 104] [--scenario scenarios/baseline.toml] [--frozen-tree /tmp/before]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FROZEN = """
import json, time
from simulation.scenario import load_scenario
from simulation.execution.replication import run_replication
scenario = load_scenario({path!r}).model_copy(deep=True)
scenario.population.n = {n}
scenario.run.steps = {steps}
run_replication(scenario, 0)  # load the compiled loops
start = time.process_time()
for k in range({replications}):
    run_replication(scenario, k)
print(json.dumps({{"cpu": time.process_time() - start}}))
"""


def _scenario(path: str, n: int, steps: int):
    from simulation.scenario import load_scenario

    scenario = load_scenario(ROOT / path).model_copy(deep=True)
    scenario.population.n = n
    scenario.run.steps = steps
    return scenario


def mesa_model(scenario, replications: int) -> float:
    """CPU seconds for `replications` Mesa models stepped to the end with the DataCollector."""
    from simulation.model import ClinicianModel

    start = time.process_time()
    for k in range(replications):
        model = ClinicianModel(scenario, k, with_agents=False)
        for _ in range(scenario.run.steps):
            model.step()
        model.datacollector.get_model_vars_dataframe()
    return time.process_time() - start


def engine(scenario, replications: int, batch_clinicians: int | None) -> tuple[float, float, int]:
    """CPU seconds for the headless engine's `run_replications` (one replication per batch when
    `batch_clinicians` is the population), the seconds spent stepping, and the largest batch."""
    from simulation.batch import ReplicationBatch
    from simulation.execution import replication
    from simulation.execution.plan import replication_jobs

    saved = replication.BATCH_CLINICIANS
    if batch_clinicians is not None:
        replication.BATCH_CLINICIANS = batch_clinicians
    stepping, largest = 0.0, 0
    original_run = ReplicationBatch.run

    def timed_run(self, steps):
        nonlocal stepping, largest
        begin = time.process_time()
        original_run(self, steps)
        stepping += time.process_time() - begin
        largest = max(largest, self.size)

    ReplicationBatch.run = timed_run  # type: ignore[method-assign]
    try:
        start = time.process_time()
        replication.run_replications(replication_jobs(scenario, replications))
        return time.process_time() - start, stepping, largest
    finally:
        ReplicationBatch.run = original_run  # type: ignore[method-assign]
        replication.BATCH_CLINICIANS = saved


def matvec_seconds(scenario) -> tuple[float, int]:
    """Median CPU seconds of one `adjacency @ x` on replication 0's network, and its arcs."""
    import numpy as np

    from simulation.replica import Replica
    from simulation.seeding import replication_seed

    network = Replica(scenario, replication_seed(scenario.run.seed, 0)).network
    x = np.random.default_rng(0).random(network.n)
    times = []
    for _ in range(2000):
        begin = time.perf_counter()
        network.adjacency @ x
        times.append(time.perf_counter() - begin)
    return statistics.median(times), int(network.adjacency.nnz)


def frozen_tree(tree: Path, path: str, n: int, steps: int, replications: int) -> float:
    """CPU seconds of the older checkout `tree` for the same replications (its own child process)."""
    code = FROZEN.format(path=path, n=n, steps=steps, replications=replications)
    done = subprocess.run(
        ["uv", "run", "--frozen", "--quiet", "python", "-c", code],
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["cpu"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="scenarios/baseline.toml")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--steps", type=int, default=104)
    parser.add_argument("--replications", type=int, default=64)
    parser.add_argument("--frozen-tree", type=Path, default=None)
    args = parser.parse_args()

    scenario = _scenario(args.scenario, args.n, args.steps)
    engine(scenario, 2, None)  # load the compiled loops before timing
    print(
        f"load average (1 min) before: {os.getloadavg()[0]:.2f}; {args.scenario}, {args.n} clinicians, "
        f"{args.steps} weeks, {args.replications} replications; CPU seconds"
    )
    rows: list[tuple[str, float]] = []
    if args.frozen_tree is not None:
        rows.append(
            (
                f"frozen tree {args.frozen_tree}",
                frozen_tree(args.frozen_tree, args.scenario, args.n, args.steps, args.replications),
            )
        )
    rows.append(("mesa model (DataCollector, one at a time)", mesa_model(scenario, args.replications)))
    unbatched, _, _ = engine(scenario, args.replications, args.n)
    rows.append(("unbatched (B = 1)", unbatched))
    batched, stepping, largest = engine(scenario, args.replications, None)
    rows.append((f"batched (B up to {largest})", batched))
    reference = rows[0][1]
    print(f"{'path':<48}{'CPU s':>8}{'runs/s':>9}{'ms/run':>8}{'ratio':>7}")
    for label, cpu in rows:
        rate = args.replications / cpu
        print(f"{label:<48}{cpu:>8.2f}{rate:>9.1f}{1000 * cpu / args.replications:>8.1f}{reference / cpu:>7.1f}")
    matvec, arcs = matvec_seconds(scenario)
    week = stepping / (args.replications * args.steps)
    print(
        f"step cost per replication-week in the batch: {week * 1e6:.0f} us; one mat-vec of the network "
        f"({arcs} arcs): {matvec * 1e6:.1f} us; ratio {week / matvec:.0f}"
    )


if __name__ == "__main__":
    main()
