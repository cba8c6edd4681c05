"""How much memory a scenario needs, estimated before anything is built, and the refusal of what cannot fit.

A replication's memory is, to a good approximation, linear in its ties and its clinicians:

    bytes = BASE_BYTES + BYTES_PER_TIE x ties + BYTES_PER_CLINICIAN x clinicians x replicas per batch

(+ BYTES_PER_AGENT x clinicians in the browser view, which gives every clinician a Mesa agent).
The constants are peak resident memory (`ru_maxrss`) measured on the machine of docs/PERFORMANCE.md
(2 vCPUs, 24 GiB, 2026-12-02) with a script that runs `run_replications` (the workers' code) on one
replication of the default scenario after a warm-up, for the hospital, random and complete
generators: 100,000 clinicians at mean degree 10, 40 and 200; 250,000 at 8; 400,000 at 10;
1,000,000 at 2; the complete graph of 3,000. The increase over the warm process was 120-170 bytes a
tie (the network's arrays, both directions of every tie in the compiled kernels' CSR layout, the
generator's temporaries while it sorts and de-duplicates ties; more per tie at high degree) and about
230 bytes a clinician (the state's columns, the week's temporaries); `ClinicianModel(with_agents=True)`
needed 2,400 bytes more a clinician. The constants round these up, so the estimate errs on the large
side: benchmarks/scale.py at 1,000,000 clinicians and mean degree 10 peaked at 1,110 MiB
(docs/PERFORMANCE.md); the estimate is 1.4 GB.

The machine's memory is its physical memory (`os.sysconf("SC_PHYS_PAGES")`), or the control group's
limit when that is lower (cgroup v2 `memory.max`, cgroup v1 `memory.limit_in_bytes`). A scenario whose
estimate for one replication is above it is refused (`MemoryTooSmall`, a `ScenarioError`) with the
estimate and the machine's memory: it would otherwise run until the kernel's out-of-memory killer
stops it (a complete graph of 5,000,000 clinicians has 1.25 x 10^13 ties).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from simulation.errors import ScenarioError
from simulation.scenario.schema import Scenario

__all__ = ["MemoryEstimate", "MemoryTooSmall", "check_fits", "estimate", "machine_memory"]

BASE_BYTES = 320 * 2**20  # interpreter, numpy, scipy, numba and the compiled loops (measured 220-290 MiB)
BYTES_PER_TIE = 170  # measured 120-170 (module docstring)
BYTES_PER_CLINICIAN = 240  # measured about 230
BYTES_PER_AGENT = 2_600  # a Mesa agent per clinician in the browser view (measured 2,400)
# Batches of the workers (simulation.execution.replication): at most this many clinicians,
# replications and arcs (both directions of each tie) step together, or one replication alone.
BATCH_CLINICIANS, BATCH_REPLICATIONS, BATCH_ARCS = 16_000, 32, 2_000_000


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimate for one replication (or one batch of small ones) and what it is made of."""

    clinicians: int
    ties: int
    replicas: int  # replications stepped together in one batch
    bytes: int
    agents: bool = False

    def describe(self) -> str:
        batch = f" x {self.replicas} replications in a batch" if self.replicas > 1 else ""
        return (
            f"about {_size(self.bytes)} ({self.clinicians:,} clinicians{batch}, {self.ties:,} ties at "
            f"~{BYTES_PER_TIE} bytes a tie, ~{BYTES_PER_CLINICIAN + (BYTES_PER_AGENT if self.agents else 0):,} "
            "bytes a clinician)"
        )


class MemoryTooSmall(ScenarioError):
    """A scenario that needs more memory than the machine has (the message gives both)."""


def _size(count: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count / 1e3:,.0f} kB"


def ties_of(scenario: Scenario) -> int:
    """The ties (undirected pairs) the scenario's network will have: n (n - 1) / 2 for the complete
    graph, n x mean_degree / 2 for the generated ones, the file network's own count for files."""
    n = scenario.population.n
    network = scenario.network
    if network.generator == "complete":
        return n * (n - 1) // 2
    if network.generator == "file":
        from simulation.network.files import read_network_files

        return int(read_network_files(network).edges.shape[0])  # read (and cached) when the file was loaded
    return int(round(n * network.mean_degree / 2))


def estimate(scenario: Scenario, agents: bool = False) -> MemoryEstimate:
    """The memory one worker needs for the scenario's biggest batch (module docstring); `agents`:
    the browser view's model, with a Mesa agent per clinician."""
    n = scenario.population.n
    ties = ties_of(scenario)
    replicas = 1 if agents else max(1, min(BATCH_REPLICATIONS, BATCH_CLINICIANS // n, BATCH_ARCS // max(1, 2 * ties)))
    replicas = min(replicas, scenario.run.replications)
    per_clinician = BYTES_PER_CLINICIAN + (BYTES_PER_AGENT if agents else 0)
    total = BASE_BYTES + replicas * (BYTES_PER_TIE * ties + per_clinician * n)
    return MemoryEstimate(n, ties, replicas, total, agents)


def _read_limit(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None  # "max" (cgroup v2): no limit


def _own_cgroup(proc_cgroup: Path) -> str | None:
    """The process's cgroup v2 path ("0::/a/b" in /proc/self/cgroup), or None."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((line[3:] for line in lines if line.startswith("0::")), None)


def machine_memory(root: Path = Path("/")) -> tuple[int, str]:
    """Bytes of memory this process may use and where that figure comes from: physical memory, or
    the control group's limit when lower. `root`: where /sys and /proc are (tests)."""
    best: tuple[int, str] | None = None
    try:
        best = (os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "physical memory")
    except (ValueError, OSError, AttributeError):
        pass
    cgroup = root / "sys" / "fs" / "cgroup"
    candidates = [cgroup / "memory.max", cgroup / "memory" / "memory.limit_in_bytes"]
    own = _own_cgroup(root / "proc" / "self" / "cgroup")
    if own and own != "/":
        candidates.insert(0, cgroup / own.lstrip("/") / "memory.max")
    for path in candidates:
        limit = _read_limit(path)
        if limit is not None and (best is None or limit < best[0]):
            best = (limit, f"the control group's limit ({path.relative_to(root)})")
    return best if best is not None else (2**63, "unknown")


@lru_cache(maxsize=1)
def _this_machine() -> tuple[int, str]:
    return machine_memory()


def _keys(scenario: Scenario) -> str:
    """The scenario keys the estimate depends on, as the message names them."""
    network = scenario.network
    if network.generator == "complete":
        return f'network.generator = "complete" with population.n = {scenario.population.n}'
    if network.generator == "file":
        return f"network.edges = {network.edges!r}"
    return f"network.mean_degree = {network.mean_degree:g} with population.n = {scenario.population.n}"


def check_fits(scenario: Scenario, where: str, agents: bool = False, memory: tuple[int, str] | None = None) -> None:
    """Raise `MemoryTooSmall`, naming `where` (the scenario file or a point of an experiment), when one
    replication of `scenario` needs more memory than the machine has (`memory`: bytes and source,
    default this machine's)."""
    available, source = memory if memory is not None else _this_machine()
    needed = estimate(scenario, agents)
    if needed.bytes <= available:
        return
    per_tie = BYTES_PER_TIE * needed.replicas
    room = max(0, available - BASE_BYTES - needed.replicas * BYTES_PER_CLINICIAN * needed.clinicians)
    fit = room // per_tie
    what = "the browser view" if agents else "one replication"
    raise MemoryTooSmall(
        f"{where}: {_keys(scenario)}: {what} needs {needed.describe()}, more than this machine's "
        f"{_size(available)} ({source}); allowed here: {_allowed(scenario, fit)}"
    )


def _allowed(scenario: Scenario, ties: int) -> str:
    """What fits in `ties` ties, in the keys of the scenario's generator."""
    n = scenario.population.n
    if scenario.network.generator == "complete":
        return f"population.n up to about {math.isqrt(2 * ties):,} for a complete graph, or another generator"
    if scenario.network.generator == "file":
        return f"a network file of at most about {ties:,} ties, or a machine with more memory"
    return f"network.mean_degree up to about {2 * ties / n:.3g} at population.n = {n}, or fewer clinicians"
