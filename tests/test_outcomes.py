"""The outcome catalogue (simulation/outcomes.py) is the one list of outcomes: every column of
steps.csv has an entry, what a target may name is what the catalogue says, and no other module keeps
its own list of outcome names (so adding an outcome is one entry plus the line that measures it)."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, small_scenario
from pydantic import ValidationError
from typer.testing import CliRunner

from simulation import outcomes
from simulation.cli import app
from simulation.outcomes import BY_NAME, CATALOGUE, COLUMNS, TARGETABLE

PACKAGE = Path(outcomes.__file__).resolve().parent
VOCABULARY = set(COLUMNS) | {f"total_{name}" for name in outcomes.TOTALS}
# Modules whose dict literals are measurements (`name: value` of one step), not lists of outcomes.
MEASURING = {"metrics.py", "diffusion.py", "reference/agents.py"}  # the last: the per-agent oracle


@pytest.fixture(scope="module")
def steps_csv(tmp_path_factory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("outcomes")
    scenario = small_scenario(folder / "small.toml", replications=1, steps=3, n=80, extends=BASELINE)
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(folder / "out"), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(folder / "out" / "steps.csv")


def test_every_column_of_steps_csv_is_in_the_catalogue_and_every_entry_is_a_column(steps_csv):
    measured = [c for c in steps_csv.columns if c not in ("scenario", "replication", "step")]
    assert measured == list(COLUMNS)


def test_every_entry_says_what_it_measures_in_which_unit_and_how_it_is_written():
    assert len({o.name for o in CATALOGUE}) == len(CATALOGUE)
    for entry in CATALOGUE:
        assert entry.description.strip() and entry.unit.strip(), entry.name
        assert entry.fmt in typing.get_args(outcomes.Format), entry.name
        assert entry.kind in typing.get_args(outcomes.Kind), entry.name
        assert entry.better in (None, *typing.get_args(outcomes.Better)), entry.name


def _target_config() -> type:
    """The model of one [[targets]] table, wherever the scenario package keeps it."""
    from simulation.scenario import Scenario

    (model,) = typing.get_args(Scenario.model_fields["targets"].annotation)
    return model


def test_a_target_may_name_exactly_the_targetable_outcomes():
    target = _target_config()
    accepted = []
    for name in sorted(VOCABULARY):
        bounds = BY_NAME[name].value_range if name in BY_NAME else None
        threshold = 0.5 if bounds is None else sum(bounds) / 2  # inside the metric's range (refused outside)
        try:
            target.model_validate({"metric": name, "at_least": threshold, "by_week": 4})
        except ValidationError:
            continue
        accepted.append(name)
    assert sorted(accepted) == sorted(TARGETABLE)


def test_the_model_measures_exactly_the_catalogue_and_the_population_sums_are_named():
    from simulation.fast.clinicians import SUM_ROWS
    from simulation.metrics import measure
    from simulation.model import ClinicianModel
    from simulation.scenario import load_scenario

    scenario = load_scenario(BASELINE).model_copy(deep=True)
    scenario.population.n = 60
    model = ClinicianModel(scenario, with_agents=False)
    model.step()
    assert sorted(model.last) == sorted(COLUMNS)
    columns = measure(model.state, errors_caught=0, errors_passed=0, incidents=0, mode_changes=0, cost_hours=0.0)
    assert set(columns) <= set(COLUMNS)
    row = {name: float(values[0]) for name, values in columns.items()}  # one replication: one row
    state = model.state
    assert row["share_none"] == np.count_nonzero(state.mode == 0) / state.n
    assert row["share_skeptical"] == np.count_nonzero(state.attitude < state.skeptical_below) / state.n
    assert row["mean_trust"] == pytest.approx(state.trust.mean(), rel=1e-12)
    assert row["mean_status_concern"] == pytest.approx(state.status_concern.mean(), rel=1e-12)
    assert row["sd_attitude"] == pytest.approx(state.attitude.std(), rel=1e-12)
    users = state.mode != 0
    assert row["reputation_users"] == pytest.approx(state.reputation[users].mean(), rel=1e-12, nan_ok=True)
    assert row["reputation_nonusers"] == pytest.approx(state.reputation[~users].mean(), rel=1e-12, nan_ok=True)
    assert len(SUM_ROWS) == len(set(SUM_ROWS)) == 11


def test_derived_lists_follow_the_catalogue():
    assert outcomes.FINAL == tuple(o.name for o in CATALOGUE if o.kind not in ("count", "flow"))
    assert set(outcomes.EXPERIMENT_OUTCOMES) == set(outcomes.FINAL) | set(outcomes.FLOWS) | {
        f"total_{n}" for n in outcomes.TOTALS
    }
    for name in outcomes.COMPARED:
        assert outcomes.outcome(name).short, name
    # every compared outcome has a better direction but the AI errors' count, which grows with AI use
    # (issue 14: the rate of errors reaching patients compares like with like)
    assert [n for n in outcomes.COMPARED if outcomes.better_direction(n) is None] == ["total_errors_passed"]
    for name in (*outcomes.HEADLINE, *outcomes.HEADLINE_COMPARED):
        assert outcomes.outcome(name).fmt == "pct" and outcomes.outcome(name).headline, name
    for name in outcomes.DEFAULT_EXPERIMENT_OUTCOMES:
        assert name in outcomes.EXPERIMENT_OUTCOMES
    assert len(set(outcomes.REPORT_ORDER)) == len(outcomes.REPORT_ORDER) and set(outcomes.REPORT_ORDER) <= set(COLUMNS)
    assert outcomes.LIVE and all(outcomes.outcome(name).live for name in outcomes.LIVE)


def _literal_names(node: ast.AST) -> list[str] | None:
    """The string elements of a list/tuple/set literal, or the string keys of a dict literal."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = node.elts
    elif isinstance(node, ast.Dict):
        items = [k for k in node.keys if k is not None]
    else:
        return None
    return [item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def outcome_lists(root: Path = PACKAGE) -> list[str]:
    """'file:line' of every literal outside outcomes.py that lists three or more outcome names (and
    mostly outcome names); dicts in the measuring modules are allowed."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "outcomes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = _literal_names(node)
            if not names:
                continue
            if isinstance(node, ast.Dict) and relative in MEASURING:
                continue
            known = [n for n in names if n in VOCABULARY]
            if len(known) >= 3 and 2 * len(known) >= len(names):
                found.append(f"{relative}:{node.lineno}: {', '.join(known)}")
    return found


def test_no_module_but_the_catalogue_keeps_a_list_of_outcomes():
    assert outcome_lists() == []


def test_the_scan_finds_a_list_of_outcomes(tmp_path):
    (tmp_path / "bad.py").write_text(
        'LABELS = {"share_none": "No AI", "share_verify": "Verify", "competence_gap": "Gap"}\n'
    )
    (tmp_path / "fine.py").write_text('MODES = ("none", "verify", "primary")\nONE = ["share_none", "step", "week"]\n')
    assert outcome_lists(tmp_path) == ["bad.py:1: share_none, share_verify, competence_gap"]
