"""Thresholds per clinician, initial users chosen at random, and a node table's empty cells (issue 17).

- A node table's `threshold` column fixes those clinicians' linear-threshold thresholds
  (`ClinicianModel.thresholds`); empty cells keep exactly the draws a run without the column makes;
  a value outside 0-1 or not a number stops the loader naming the file, the line and the key.
- `[population.initial_modes] users = "random"` seeds a diffusion with a random set: the same seed
  gives the same set, the set does not lean toward favourable attitudes, and every other draw is
  the one `"most_favourable"` makes (common random numbers).
- Empty department and role cells are drawn in each replication with the known cells' shares
  (no category "unknown"), from a stream of their own: the other clinicians' draws do not move.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.model import ClinicianModel
from simulation.scenario import load_scenario
from simulation.scenario.schema import Scenario

N = 40


def _files(folder: Path, threshold_cells: list[str], ward_cells: list[str] | None = None) -> None:
    """A ring of N clinicians with chords; node table columns id, ward, job, theta."""
    wards = ward_cells or ["east" if k % 4 else "west" for k in range(N)]
    jobs = ["doc" if k % 3 else "nurse" for k in range(N)]
    lines = ["id,ward,job,theta"] + [f"n{k},{wards[k]},{jobs[k]},{threshold_cells[k]}" for k in range(N)]
    (folder / "nodes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ties = [f"n{k},n{(k + 1) % N}" for k in range(N)] + [f"n{k},n{(k + 7) % N}" for k in range(0, N, 3)]
    (folder / "edges.csv").write_text("from,to\n" + "\n".join(ties) + "\n", encoding="utf-8")


SCENARIO = """
[run]
steps = 6
replications = 2

[choice]
rule = "threshold"
thresholds = [0.2, 0.6]

[network]
generator = "file"
edges = "edges.csv"
source = "from"
target = "to"

[network.nodes]
file = "nodes.csv"
id = "id"
department = "ward"
role = "job"
"""


def _scenario(folder: Path, extra: str = "") -> Path:
    path = folder / "net.toml"
    path.write_text(SCENARIO + extra, encoding="utf-8")
    return path


def test_node_table_thresholds_replace_the_draws_and_empty_cells_keep_them(tmp_path):
    cells = ["" if k % 2 else f"{k / 100:.2f}" for k in range(N)]  # even rows given, odd rows empty
    _files(tmp_path, cells)
    with_column = ClinicianModel(load_scenario(_scenario(tmp_path, 'threshold = "theta"\n')), 1, with_agents=False)
    without = ClinicianModel(load_scenario(_scenario(tmp_path)), 1, with_agents=False)
    given = np.arange(0, N, 2)
    assert with_column.thresholds is not None and without.thresholds is not None
    np.testing.assert_array_equal(with_column.thresholds[given], given / 100)
    np.testing.assert_array_equal(with_column.thresholds[1::2], without.thresholds[1::2])  # drawn as today
    assert ((without.thresholds >= 0.2) & (without.thresholds <= 0.6)).all()
    # The rule uses them: a clinician with threshold 0 starts in the first week.
    with_column.step()
    assert with_column.state.mode[0] != 0


@pytest.mark.parametrize(
    ("cell", "said"),
    [("1.5", "1.5 is outside adoption threshold"), ("-0.1", "-0.1 is outside"), ("often", "'often' is not a number")],
)
def test_a_bad_threshold_names_the_file_line_and_key(tmp_path, cell, said):
    cells = ["0.3"] * N
    cells[4] = cell
    _files(tmp_path, cells)
    path = _scenario(tmp_path, 'threshold = "theta"\n')
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "network.nodes.threshold" in message and "nodes.csv" in message and "line 6" in message, message
    assert said in message, message
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().startswith("error:") and "line 6" in result.output


def _generated(users: str, attitude_mean: float = 4.3) -> ClinicianModel:
    scenario = Scenario()
    scenario.population.n = 2_000
    scenario.population.attitude_mean = attitude_mean
    scenario.population.initial_modes.users = users  # type: ignore[assignment]
    return ClinicianModel(scenario, 4, with_agents=False)


def test_random_initial_users_are_a_seeded_random_set_with_common_draws():
    favourable, random_set, again = _generated("most_favourable"), _generated("random"), _generated("random")
    users = random_set.state.mode != 0
    np.testing.assert_array_equal(users, again.state.mode != 0)  # same seed, same set
    assert users.sum() == (favourable.state.mode != 0).sum() == 440  # the same shares (22 %)
    # Everything else is drawn alike: the two settings differ only in who uses AI.
    for name in ("attitude", "literacy", "trust", "status_concern", "leniency"):
        np.testing.assert_array_equal(getattr(random_set.state, name), getattr(favourable.state, name))
    np.testing.assert_array_equal(random_set.network.edges, favourable.network.edges)
    # Favourable users lean pro-AI; random users look like everyone (standard error of a mean of 440
    # attitudes with SD 1.3 is 0.06: 4 standard errors allowed).
    attitude = random_set.state.attitude
    assert attitude[favourable.state.mode != 0].mean() > attitude.mean() + 0.5
    assert abs(attitude[users].mean() - attitude.mean()) < 4 * attitude.std() / np.sqrt(users.sum())
    # The random set does not depend on attitudes: a more skeptical hospital gets the same seeds.
    np.testing.assert_array_equal(users, _generated("random", attitude_mean=3.0).state.mode != 0)


def test_empty_department_and_role_cells_are_drawn_with_the_known_shares(tmp_path):
    wards = ["east" if k % 4 else "west" for k in range(N)]
    for k in range(0, N, 5):  # 8 empty cells
        wards[k] = ""
    _files(tmp_path, ["0.3"] * N, wards)
    nodes = (tmp_path / "nodes.csv").read_text().splitlines()
    nodes[3] = nodes[3].replace(",doc,", ",NA,")  # one missing role (clinician n2)
    (tmp_path / "nodes.csv").write_text("\n".join(nodes) + "\n")
    scenario = load_scenario(_scenario(tmp_path))
    known = [w for w in wards if w]
    assert scenario.population.departments == pytest.approx(
        {"east": known.count("east") / 32, "west": known.count("west") / 32}
    )
    draws = []
    for replication in range(6):
        model = ClinicianModel(scenario, replication, with_agents=False)
        state = model.state
        assert state.department_names == ["east", "west"] and set(state.role_names) == {"doc", "nurse"}
        names = [state.department_names[d] for d in state.department]
        assert all(names[k] == wards[k] for k in range(N) if wards[k])  # known cells kept
        empty = [names[k] for k in range(N) if not wards[k]]
        # 8 cells drawn with the known shares, exact counts (largest remainders): 6 east, 2 west.
        assert sorted(empty) == ["east"] * 6 + ["west"] * 2
        assert state.role_names[state.role[2]] in ("doc", "nurse")
        np.testing.assert_array_equal(model.network.team, state.department)
        draws.append(tuple(empty))
    assert len(set(draws)) > 1  # drawn anew in each replication
    again = ClinicianModel(scenario, 0, with_agents=False).state
    assert tuple(again.department_names[d] for d in again.department[::5]) == draws[0]  # seeded


def test_missing_cells_leave_the_other_draws_alone(tmp_path):
    wards = ["east" if k % 4 else "west" for k in range(N)]
    _files(tmp_path, ["0.3"] * N, wards)
    full = ClinicianModel(load_scenario(_scenario(tmp_path)), 0, with_agents=False).state
    wards[3] = "NA"
    _files(tmp_path, ["0.3"] * N, wards)
    gappy = ClinicianModel(load_scenario(_scenario(tmp_path)), 0, with_agents=False).state
    for name in ("literacy", "trust", "seniority", "leniency"):
        np.testing.assert_array_equal(getattr(gappy, name), getattr(full, name))
    others = np.arange(N) != 3  # clinician n3's attitude carries the culture of the department drawn
    np.testing.assert_array_equal(gappy.attitude[others], full.attitude[others])
