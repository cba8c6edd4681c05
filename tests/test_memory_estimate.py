"""The memory estimate before a run (simulation/execution/memory_estimate.py): what it refuses and what not.

The estimate must err on the large side of what was measured (benchmarks/scale.py at 1,000,000
clinicians and mean degree 10 peaked at 1,110 MiB, docs/PERFORMANCE.md) without refusing any scenario
of the library on an ordinary machine, and must read the machine's memory from the control group
when its limit is lower than the physical memory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS

from simulation.execution.memory_estimate import MemoryTooSmall, check_fits, estimate, machine_memory
from simulation.execution.plan import Job, ScenarioRun
from simulation.reference.scenarios import scenario as sized
from simulation.scenario import load_scenario

GIB = 2**30
LAPTOP = (8 * GIB, "physical memory")  # a small machine: every library scenario must still fit


def test_million_clinicians_benchmark_is_estimated_above_its_measured_peak_and_fits():
    needed = estimate(sized(1_000_000, 10.0))
    assert needed.ties == 5_000_000
    assert 1_110 * 2**20 < needed.bytes < 2 * GIB  # measured 1,110 MiB; the estimate 1.4 GB
    check_fits(sized(1_000_000, 10.0), "benchmark", memory=LAPTOP)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_no_library_scenario_is_refused_on_an_8_gib_machine(path):
    try:
        scenario = load_scenario(path)
    except Exception as exc:  # noqa: BLE001 - the CKM files need ../shared beside the repository
        pytest.skip(f"{path.name} does not load here: {exc}")
    check_fits(scenario, str(path), memory=LAPTOP)
    check_fits(scenario, str(path), agents=True, memory=LAPTOP)  # the browser view too


def test_degree_500_on_five_million_is_refused_with_both_figures():
    big = sized(5_000_000, 500.0)
    with pytest.raises(MemoryTooSmall) as error:
        check_fits(big, "big.toml", memory=(24 * GIB, "physical memory"))
    message = str(error.value)
    assert message.startswith("big.toml: network.mean_degree = 500 with population.n = 5000000")
    assert "1,250,000,000 ties" in message and "214.0 GB" in message and "25.8 GB (physical memory)" in message
    assert "network.mean_degree up to about" in message


def test_complete_graph_counts_every_pair():
    complete = sized(5_000_000, None)
    complete.network.generator = "complete"
    assert estimate(complete).ties == 5_000_000 * 4_999_999 // 2
    with pytest.raises(MemoryTooSmall, match="population.n up to about"):
        check_fits(complete, "complete.toml", memory=LAPTOP)


def test_small_replications_are_estimated_as_the_batch_they_run_in():
    small = sized(500, 8.0, replications=100)
    needed = estimate(small)
    assert needed.replicas == 32  # at most 32 replications and 16,000 clinicians step together
    one = estimate(sized(500, 8.0, replications=1))
    assert one.replicas == 1 and needed.bytes > one.bytes


def test_the_view_counts_a_mesa_agent_per_clinician():
    scenario = sized(1_000_000, 10.0)
    assert estimate(scenario, agents=True).bytes - estimate(scenario).bytes == 2_600 * 1_000_000


def test_planning_refuses_what_cannot_fit():
    """ScenarioRun names the file; a Job (sweeps, calibration, budget search) names the scenario."""
    big = sized(5_000_000, 500.0)
    big.scenario.name = "huge"
    with pytest.raises(MemoryTooSmall, match=r"^plans/huge\.toml: "):
        ScenarioRun("huge", "baseline", "plans/huge.toml", big, True, 1)
    with pytest.raises(MemoryTooSmall, match=r"^scenario 'huge': "):
        Job("s0-r0", 0, big, 1, 0)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


def test_machine_memory_takes_the_lower_control_group_limit(tmp_path):
    physical, source = machine_memory(tmp_path)  # no /sys or /proc under tmp_path: physical memory
    assert source == "physical memory" and physical > GIB
    write(tmp_path / "proc/self/cgroup", "0::/jobs/run7\n")
    write(tmp_path / "sys/fs/cgroup/jobs/run7/memory.max", f"{2 * GIB}\n")
    assert machine_memory(tmp_path) == (2 * GIB, "the control group's limit (sys/fs/cgroup/jobs/run7/memory.max)")
    write(tmp_path / "sys/fs/cgroup/jobs/run7/memory.max", "max\n")  # cgroup v2 without a limit
    assert machine_memory(tmp_path)[0] == physical
    write(tmp_path / "sys/fs/cgroup/memory/memory.limit_in_bytes", f"{GIB}\n")  # cgroup v1
    assert machine_memory(tmp_path)[0] == GIB
    write(tmp_path / "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")  # v1 "no limit"
    assert machine_memory(tmp_path)[0] == physical
