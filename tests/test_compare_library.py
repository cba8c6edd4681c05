"""`simulate compare` over a folder of scenario files: files whose network data are absent are left out."""

from __future__ import annotations

from conftest import BASELINE, write_scenario
from helpers import missing_network_data

from simulation.job import plan_comparison


def test_a_file_network_whose_data_are_absent_is_left_out_with_a_note(tmp_path):
    absent = write_scenario(
        tmp_path / "real.toml", '[network]\ngenerator = "file"\nedges = "nowhere/ties.csv"\n', extends=None
    )
    child = write_scenario(tmp_path / "child.toml", "[run]\nsteps = 5\n", extends=absent)
    assert missing_network_data(absent).endswith("nowhere/ties.csv") and missing_network_data(child)
    assert missing_network_data(BASELINE) is None
    notes: list[str] = []
    plan = plan_comparison([BASELINE, absent, child], note=notes.append)
    assert [run.name for run in plan.runs] == ["baseline"]
    assert sum("are absent: left out of the comparison" in n for n in notes) == 2
