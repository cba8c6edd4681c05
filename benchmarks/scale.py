"""Scale benchmark: build time, step time, agent-steps per second and peak memory per population size.

Each size runs in its own subprocess (so its peak resident memory, `ru_maxrss`, is its own): the
default scenario with `population.n` = N and `network.mean_degree` = 10 (hospital generator), built
without Mesa agents (`with_agents=False`, as the runner does) and stepped `--steps` weeks (52). Beside
each step it times one sparse matrix-vector product over the same network (`scipy` CSR @ float64
vector): the floor for a step that reads every neighbour, and prints step / mat-vec.

    uv run python benchmarks/scale.py                       # 1k, 10k, 100k, 1M; 52 steps
    uv run python benchmarks/scale.py --sizes 1000 100000 --steps 20
    uv run python benchmarks/scale.py --reference           # also the per-agent Mesa reference at 10k
    uv run python benchmarks/scale.py --replications 40     # also replications/s on all local cores
    uv run python benchmarks/scale.py --profile 100000      # time of each sub-step of a week at one size

Targets (issue 5): 1M x 52 steps <= 30 s wall including the network, <= 4 GiB peak; 100k <= 3 s;
step <= 5 x mat-vec; vectorized >= 100 x faster per agent-step than the per-agent reference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def scenario(n: int, degree: float | None = 10.0, steps: int = 52, replications: int = 1, seed: int | None = None):
    """`simulation.reference.scenarios.scenario`: the default scenario with n clinicians (imported late)."""
    from simulation.reference.scenarios import scenario as sized

    return sized(n, degree, steps, replications, seed)


def matvec_seconds(adjacency, repeats: int = 10) -> float:
    """Median seconds of one CSR @ vector over `adjacency`."""
    import numpy as np

    x = np.random.default_rng(0).random(adjacency.shape[0])
    adjacency @ x
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        adjacency @ x
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def load_compiled_code() -> float:
    """Seconds to load (or, the first time on a machine, compile) the model's numba loops, serial
    and parallel forms: a tiny model with every loop forced onto threads, two steps."""
    from simulation.fast import threads
    from simulation.model import ClinicianModel

    start = time.perf_counter()
    saved = threads.PARALLEL_FROM
    threads.PARALLEL_FROM = 0
    try:
        model = ClinicianModel(scenario(300, 10.0, 2), 0, with_agents=False)
        model.step()
        model.step()
    finally:
        threads.PARALLEL_FROM = saved
    return time.perf_counter() - start


def measure_one(n: int, steps: int, degree: float, serial_steps: int = 5) -> dict:
    """Build and run one model in this process; the figures as a dict. `step_s` uses the default
    threads (parallel loops from `PARALLEL_FROM` clinicians); `serial_step_s` is the mean of
    `serial_steps` further weeks with one thread."""
    from simulation.fast import threads
    from simulation.model import ClinicianModel

    cpu_start = time.process_time()
    jit = load_compiled_code()
    start = time.perf_counter()
    model = ClinicianModel(scenario(n, degree, steps), 0, with_agents=False)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    stepped = time.perf_counter()
    cpu = time.process_time() - cpu_start
    threads.single_threaded()
    serial_start = time.perf_counter()
    for _ in range(serial_steps):
        model.step()
    serial_step = (time.perf_counter() - serial_start) / serial_steps
    floor = matvec_seconds(model.network.adjacency)
    step = (stepped - built) / steps
    return {
        "n": n,
        "ties": model.network.n_edges,
        "mean_degree": float(model.network.degree.mean()),
        "steps": steps,
        "jit_s": jit,
        "build_s": built - start,
        "step_s": step,
        "total_s": stepped - start + jit,
        "cpu_s": cpu,
        "agent_steps_per_s": n / step,
        "matvec_s": floor,
        "step_over_matvec": step / floor,
        "serial_step_s": serial_step,
        "serial_step_over_matvec": serial_step / floor,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_reference(n: int, steps: int, degree: float) -> dict:
    """The per-agent Mesa reference (simulation/reference/agents.py) at n clinicians."""
    from simulation.reference.agents import ReferenceModel

    start = time.perf_counter()
    model = ReferenceModel(scenario(n, degree, steps), 0)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    step = (time.perf_counter() - built) / steps
    return {"n": n, "steps": steps, "build_s": built - start, "step_s": step, "agent_steps_per_s": n / step}


def in_subprocess(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], cwd=REPO, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark subprocess failed ({' '.join(args)}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def replications_per_second(n: int, replications: int, steps: int, workers: int | None, cluster: str | None) -> dict:
    """Replications of a small scenario through the engine, in memory (local pool, or a Dask scheduler)."""
    from simulation.execution.backends import backend_for, default_workers
    from simulation.execution.engine import MemorySink, run_jobs
    from simulation.execution.plan import replication_jobs

    jobs = replication_jobs(scenario(n, 8.0, steps, replications))
    start = time.perf_counter()
    run_jobs(jobs, sink=MemorySink(), backend=backend_for(workers, cluster))
    seconds = time.perf_counter() - start
    return {
        "replications": replications,
        "n": n,
        "steps": steps,
        "workers": workers or default_workers(),
        "seconds": seconds,
        "per_s": replications / seconds,
    }


def profile(n: int, steps: int, degree: float) -> None:
    """Wall time of each sub-step of a week at n clinicians (mean of `steps` weeks, after one
    warm-up week), beside one sparse mat-vec."""
    import simulation.batch as batch_module
    from simulation.model import ClinicianModel

    load_compiled_code()
    model = ClinicianModel(scenario(n, degree, steps), 0, with_agents=False)
    model.step()
    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, wrapper)

    for name, label in (
        ("use_ai", "2 experience (users' cases, incidents)"),
        ("colleague_view", "4 anticipation (colleagues' modes and attitudes, bounded-confidence sums)"),
        ("choose_modes", "5 choice"),
        ("influence_attitudes", "6 attitudes (update and drift)"),
        ("measure", "outcomes (population sums)"),
        ("network_statistics", "statistics (assortativity pass)"),
    ):
        timed(batch_module, name, label)
    timed(model.batch, "_judge", "3 judgment (rater table, ratings pass)")
    timed(model.adoption, "update", "adoption tracking")
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    step = (time.perf_counter() - start) / steps
    floor = matvec_seconds(model.network.adjacency)
    print(f"{n:,} clinicians: one step {step * 1e3:.1f} ms = {step / floor:.1f} mat-vecs ({floor * 1e3:.2f} ms)")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {seconds / steps * 1e3:8.2f} ms {seconds / steps / floor:6.2f} mat-vecs  {label}")
    rest = step - sum(spent.values()) / steps
    print(f"  {rest * 1e3:8.2f} ms {rest / floor:6.2f} mat-vecs  interventions, data collection, the rest")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import numpy
    import scipy

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scipy {scipy.__version__}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--degree", type=float, default=10.0)
    parser.add_argument("--reference", action="store_true", help="time the per-agent Mesa reference too")
    parser.add_argument("--reference-n", type=int, default=10_000)
    parser.add_argument("--reference-steps", type=int, default=3)
    parser.add_argument(
        "--replications", type=int, default=0, help="also time this many replications (200 clinicians, 52 steps)"
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--cluster", default=None, help="also time the replications on this Dask scheduler (tcp://host:port)"
    )
    parser.add_argument(
        "--local-cluster", action="store_true", help="start a local Dask cluster (2 workers) for the replications"
    )
    parser.add_argument(
        "--profile", type=int, default=None, metavar="N", help="time each sub-step of a week at this size instead"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one-reference", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one is not None:
        print(json.dumps(measure_one(args.one, args.steps, args.degree)))
        return
    if args.one_reference is not None:
        print(json.dumps(measure_reference(args.one_reference, args.steps, args.degree)))
        return
    if args.profile is not None:
        profile(args.profile, args.steps, args.degree)
        return

    print(f"machine: {machine()}")
    print(
        f"hospital generator, mean degree {args.degree:g}, {args.steps} steps, no Mesa agents; one subprocess per size\n"
    )
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores: above 1-2, other jobs share them)\n"
    )
    header = (
        f"{'clinicians':>10} {'ties':>10} {'jit s':>6} {'build s':>8} {'step ms':>8} {'total s':>8} {'cpu s':>7} "
        f"{'agent-steps/s':>14} {'mat-vec ms':>10} {'step/mv':>8} {'1-thread':>9} {'peak MiB':>9}"
    )
    print(header)
    rows = []
    for n in args.sizes:
        r = in_subprocess(["--one", str(n), "--steps", str(args.steps), "--degree", str(args.degree)])
        rows.append(r)
        print(
            f"{r['n']:>10,} {r['ties']:>10,} {r['jit_s']:>6.2f} {r['build_s']:>8.2f} {r['step_s'] * 1e3:>8.2f} {r['total_s']:>8.2f} "
            f"{r['cpu_s']:>7.2f} {r['agent_steps_per_s']:>14,.0f} {r['matvec_s'] * 1e3:>10.2f} {r['step_over_matvec']:>8.1f} "
            f"{r['serial_step_over_matvec']:>9.1f} {r['peak_mib']:>9.0f}",
            flush=True,
        )
    result: dict[str, object] = {"machine": machine(), "load_average": os.getloadavg(), "sizes": rows}

    if args.reference:
        n = args.reference_n
        ref = in_subprocess(
            ["--one-reference", str(n), "--steps", str(args.reference_steps), "--degree", str(args.degree)]
        )
        fast = next((r for r in rows if r["n"] == n), None) or in_subprocess(
            ["--one", str(n), "--steps", str(args.steps), "--degree", str(args.degree)]
        )
        ratio = fast["agent_steps_per_s"] / ref["agent_steps_per_s"]
        print(
            f"\nper-agent Mesa reference at {n:,}: {ref['step_s'] * 1e3:,.0f} ms/step ({ref['agent_steps_per_s']:,.0f} agent-steps/s); "
            f"vectorized {fast['step_s'] * 1e3:,.1f} ms/step: {ratio:,.0f} x faster per agent-step"
        )
        result["reference"] = {**ref, "vectorized_step_s": fast["step_s"], "speedup": ratio}

    if args.replications:
        local = replications_per_second(200, args.replications, 52, args.workers, None)
        print(
            f"\nreplications (200 clinicians, 52 steps): {local['replications']} in {local['seconds']:.2f} s on "
            f"{local['workers']} local workers = {local['per_s']:.1f} replications/s"
        )
        result["replications_local"] = local
        cluster, local_cluster = args.cluster, None
        if args.local_cluster and not cluster:
            from tests.helpers import LocalDask  # the repository is on sys.path (above)

            local_cluster = LocalDask(workers=2)
            cluster = local_cluster.address
        if cluster:
            try:
                dask = replications_per_second(200, args.replications, 52, None, cluster)
            finally:
                if local_cluster is not None:
                    local_cluster.close()
            print(f"through Dask ({cluster}): {dask['seconds']:.2f} s = {dask['per_s']:.1f} replications/s")
            result["replications_dask"] = dask

    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    from simulation.settings import configure

    configure()
    main()
