"""The view's "By department and role" panel: its numbers (`simulation.view.groups`) against a direct
count and against groups.csv's own counting, adding up to the hospital's shares of the line of numbers,
and the panel on the page rendered in-process (one row per department, changing as the model steps)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

pytest.importorskip("solara")

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402
from conftest import SCENARIOS  # noqa: E402

from simulation.execution.replication import DEPARTMENT, GROUP_COLUMNS, ROLE, group_totals  # noqa: E402
from simulation.modes import NONE, PRIMARY, VERIFY  # noqa: E402
from simulation.view.app import ClinicianView  # noqa: E402
from simulation.view.components import groups_table  # noqa: E402
from simulation.view.groups import GroupRow, group_rows, hospital_row, model_group_rows  # noqa: E402
from simulation.view.settings import ViewSettings, default_scenario_path  # noqa: E402
from simulation.view.viewmodel import ViewModel  # noqa: E402

# The rows are ratios of integer counts; the hospital row re-weights them, so it matches the model's own
# shares (sums / n) to float rounding only.
ROUNDING = 1e-12


def _model(n: int = 150, steps: int = 4) -> ViewModel:
    model = ViewModel(ViewSettings.from_file(default_scenario_path()).with_value("population.n", n))
    for _ in range(steps):
        model.step()
    return model


def test_rows_are_the_direct_count_and_an_empty_group_has_no_shares():
    rng = np.random.default_rng(3)
    n, names = 400, ["A", "B", "C", "empty"]
    index = rng.integers(0, 3, n)  # nobody in "empty"
    mode = rng.choice([NONE, VERIFY, PRIMARY], n).astype(np.int8)
    attitude = rng.uniform(1, 7, n)
    below = 3.5
    rows = group_rows(index, names, mode, attitude, below)
    assert [r.name for r in rows] == names
    for g, row in enumerate(rows[:3]):
        members = index == g
        k = int(members.sum())
        assert row.clinicians == k
        assert row.skeptical == pytest.approx(np.count_nonzero(attitude[members] < below) / k, abs=ROUNDING)
        assert row.verify == pytest.approx(np.count_nonzero(mode[members] == VERIFY) / k, abs=ROUNDING)
        assert row.primary == pytest.approx(np.count_nonzero(mode[members] == PRIMARY) / k, abs=ROUNDING)
    empty = rows[3]
    assert empty.clinicians == 0 and all(math.isnan(x) for x in (empty.skeptical, empty.verify, empty.primary))
    whole = hospital_row(rows)
    assert whole.clinicians == n
    assert whole.skeptical == pytest.approx(np.count_nonzero(attitude < below) / n, abs=ROUNDING)
    assert whole.verify == pytest.approx(np.count_nonzero(mode == VERIFY) / n, abs=ROUNDING)
    assert whole.primary == pytest.approx(np.count_nonzero(mode == PRIMARY) / n, abs=ROUNDING)


def test_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"group index 3 .* outside 0-2 \(3 names\)"):
        group_rows(np.array([0, 3]), ["a", "b", "c"], np.array([0, 1]), np.array([2.0, 5.0]), 3.5)
    with pytest.raises(ValueError, match="one value per clinician"):
        group_rows(np.array([0, 1]), ["a", "b"], np.array([0]), np.array([2.0, 5.0]), 3.5)
    with pytest.raises(ValueError, match="groups by 'ward': choose one of department, role"):
        model_group_rows(_model(steps=0), "ward")


def test_rows_count_as_groups_csv_does():
    """Same clinicians, skeptical, verifying and primary counts as `group_totals`, which groups.csv uses."""
    model = _model()
    state = model.state
    totals = group_totals(model.replica, state.mode, state.attitude)
    column = {name: i for i, name in enumerate(GROUP_COLUMNS)}
    for kind, by in ((DEPARTMENT, "department"), (ROLE, "role")):
        expected = {name: totals.values[g] for g, (k, name) in enumerate(totals.labels) if k == kind}
        rows = model_group_rows(model, by)
        assert [r.name for r in rows] == list(expected)
        for row in rows:
            counts = expected[row.name]
            assert row.clinicians == counts[column["clinicians"]]
            for share in ("skeptical", "verify", "primary"):
                assert getattr(row, share) * row.clinicians == pytest.approx(counts[column[share]], abs=1e-9)


@pytest.mark.parametrize("by", ["department", "role"])
def test_groups_weighted_by_clinicians_add_up_to_the_hospital_shares_of_the_view(by):
    model = _model(n=200, steps=6)
    rows = model_group_rows(model, by)
    assert sum(r.clinicians for r in rows) == model.state.n
    whole = hospital_row(rows)
    for share in ("skeptical", "verify", "primary"):
        assert getattr(whole, share) == pytest.approx(model.last[f"share_{share}"], abs=ROUNDING), share


def test_table_has_a_row_per_department_then_the_hospital():
    model = _model(steps=1)
    html = groups_table(model, "department")
    names = re.findall(r"<tr(?: class='hospital')?><td>([^<]+)</td>", html)
    assert names == [*model.state.department_names, "Hospital"]
    assert "<th>Department</th>" in html and "Skeptical %" in html
    hospital = re.search(r"<tr class='hospital'><td>Hospital</td>(.*?)</tr>", html).group(1)
    cells = re.findall(r"<td class='num'>([^<]+)</td>", hospital)
    assert cells[0] == str(model.state.n)
    assert cells[1] == f"{100 * model.last['share_skeptical']:.1f}"
    assert "<th>Role</th>" in groups_table(model, "role")


def test_an_empty_group_shows_a_dash():
    row = GroupRow("nobody", 0, math.nan, math.nan, math.nan)
    assert hospital_row([row]).clinicians == 0
    model = _model(steps=0)
    model.state.role_names.append("locum")  # a role nobody has
    assert "<tr><td>locum</td><td class='num'>0</td><td class='num'>–</td>" in groups_table(model, "role")


def _table(rc) -> str:
    tables = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "groups-table" in w.unsafe_innerHTML]
    assert len(tables) == 1, f"{len(tables)} groups tables on the page"
    return tables[0]


def test_panel_on_the_page_follows_the_model_and_switches_to_roles():
    settings_file = default_scenario_path()
    box, rc = solara.render(solara.AppLayout(children=[ClinicianView(scenario=settings_file)]), handle_error=False)
    try:
        departments = ViewSettings.from_file(settings_file).to_scenario().population.departments
        before = _table(rc)
        assert re.findall(r"<tr><td>([^<]+)</td>", before) == list(departments)
        for _ in range(3):
            rc.find(v.Btn, children=["Step"]).widget.click()
        assert _table(rc) != before
        toggle = rc.find(v.BtnToggle).widgets[-1]  # the panel's, after the network's two
        toggle.v_model = 1  # what clicking "role" does in the browser
        assert "<th>Role</th>" in _table(rc)
        rc.find(v.Select, label="Scenario").widget.v_model = "community_hospital"  # rebuilds at once
        roles = ViewSettings.from_file(SCENARIOS / "community_hospital.toml").to_scenario().population.roles
        assert re.findall(r"<tr><td>([^<]+)</td>", _table(rc)) == list(roles)
    finally:
        rc.close()
