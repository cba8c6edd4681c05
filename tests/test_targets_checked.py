"""Targets checked and first (issue 14): a threshold the metric can never take is refused at load with
a message that names the file, the key, the value and what is allowed (a share written as a percent
suggests the 0-1 value); a plan's own targets come first in targets.csv and are the ones its report's
summary covers, the inherited ones after them, marked with the file that wrote them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.errors import ScenarioError
from simulation.results.tables import union_targets
from simulation.scenario import load_scenario

SMALL = "[run]\nreplications = 3\nsteps = 8\n\n[population]\nn = 60\n"
OWN_LABEL = "half verifying by week 6"
OWN_TARGET = f'[[targets]]\nlabel = "{OWN_LABEL}"\nmetric = "share_verify"\nat_least = 0.5\nby_week = 6\n'
# The repository baseline's two targets, which a plan extending it inherits.
INHERITED = ("skeptics down to 15 % within two years", "40 % verifying within a year")


def target(metric: str, bound: str, value: str) -> str:
    return f'[[targets]]\nmetric = "{metric}"\n{bound} = {value}\nby_week = 52\n'


def check(path: Path):
    return CliRunner().invoke(app, ["check", str(path)])


# ---------------------------------------------------------------- thresholds the metric can take


def test_a_share_target_of_50_is_refused_and_suggests_half(tmp_path):
    plan = write_scenario(tmp_path / "plan.toml", target("share_verify", "at_least", "50"))
    result = check(plan)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    message = lines[0]
    # The file (the plan, which wrote the target), the key, the value, what is allowed, the suggestion.
    assert str(plan) in message
    assert "key 'targets[0].at_least'" in message
    assert "50 is outside the range of share_verify" in message
    assert "allowed: 0 to 1" in message
    assert "did you mean 0.5? shares are written 0-1" in message


def test_a_share_target_of_half_is_accepted(tmp_path):
    plan = write_scenario(tmp_path / "plan.toml", target("share_verify", "at_least", "0.5"))
    result = check(plan)
    assert result.exit_code == 0, result.output
    (loaded,) = load_scenario(plan).targets
    assert (loaded.metric, loaded.direction, loaded.threshold) == ("share_verify", "at_least", 0.5)


@pytest.mark.parametrize(
    ("metric", "bound", "value", "allowed", "suggestion"),
    [
        ("share_skeptical", "at_most", "15", "allowed: 0 to 1", "did you mean 0.15?"),
        ("share_primary", "at_most", "-0.1", "allowed: 0 to 1", None),  # no percent to divide
        ("share_none", "at_most", "250", "allowed: 0 to 1", None),  # not a percent either
        ("mean_attitude", "at_least", "0.5", "allowed: 1 to 7", None),
        ("mean_trust", "at_least", "70", "allowed: 0 to 1", None),  # not a share: no percent suggestion
    ],
)
def test_thresholds_outside_the_metrics_range_are_refused(tmp_path, metric, bound, value, allowed, suggestion):
    plan = write_scenario(tmp_path / "plan.toml", target(metric, bound, value))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(plan)
    message = str(caught.value)
    assert f"key 'targets[0].{bound}': {float(value):g} is outside the range of {metric}" in message
    assert allowed in message
    assert ("did you mean" in message) == (suggestion is not None)
    if suggestion:
        assert suggestion in message


def test_the_edges_of_the_range_are_allowed(tmp_path):
    body = target("share_skeptical", "at_most", "0") + target("share_verify", "at_least", "1")
    body += target("mean_attitude", "at_least", "7") + target("competence_gap", "at_most", "-0.5")
    assert len(load_scenario(write_scenario(tmp_path / "plan.toml", body)).targets) == 4


def test_an_inherited_bad_target_names_the_file_that_wrote_it(tmp_path):
    base = write_scenario(tmp_path / "hospital.toml", target("share_verify", "at_least", "40"))
    plan = write_scenario(tmp_path / "plan.toml", "[run]\nsteps = 10\n", extends=base)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(plan)
    assert str(caught.value).startswith(f"{base.resolve()}: key 'targets[0].at_least'")


# ---------------------------------------------------------------- the plan's own targets first


def test_own_targets_first_then_inherited_with_their_file(tmp_path):
    base = write_scenario(tmp_path / "baseline.toml", SMALL)
    plan = write_scenario(tmp_path / "plan.toml", OWN_TARGET, extends=base)
    silent = write_scenario(tmp_path / "silent.toml", "[run]\nsteps = 10\n", extends=base)  # writes no target
    scenarios = [load_scenario(p) for p in (base, plan)]
    targets = union_targets(scenarios, [base, plan])
    assert [t.describe() for t in targets] == [OWN_LABEL, *INHERITED]
    assert [t._own for t in targets] == [True, False, False]
    assert targets[0]._source == plan.resolve()
    assert targets[1]._source is not None and targets[1]._source.name == "baseline.toml"
    # A plan that writes no target of its own has none marked own; the order is the baseline's.
    quiet = union_targets([load_scenario(base), load_scenario(silent)], [base, silent])
    assert [t.describe() for t in quiet] == list(INHERITED)
    assert not any(t._own for t in quiet)


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory) -> Path:
    """A plan extending a tiny baseline, compared with it, with one target of its own (about 5 s)."""
    folder = tmp_path_factory.mktemp("own_target")
    write_scenario(folder / "baseline.toml", SMALL)
    plan = write_scenario(
        folder / "plan.toml",
        '[scenario]\nname = "plan"\ncompare_to = "baseline.toml"\n\n'
        '[[interventions]]\nkind = "workshop"\nstart = 1\nevery = 2\nseats = 10\n\n' + OWN_TARGET,
        extends=folder / "baseline.toml",
    )
    out = folder / "out"
    result = CliRunner().invoke(app, ["run", str(plan), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_targets_csv_lists_the_plans_own_target_first(plan_run):
    targets = pd.read_csv(plan_run / "targets.csv", keep_default_na=False)
    for name in ("baseline", "plan"):
        rows = targets[targets["scenario"] == name]
        assert rows["target"].tolist() == [OWN_LABEL, *INHERITED]
        assert rows["own"].astype(str).str.lower().tolist() == ["true", "false", "false"]
        assert Path(rows["source"].iloc[0]).name == "plan.toml"
        assert [Path(s).name for s in rows["source"].iloc[1:]] == ["baseline.toml", "baseline.toml"]


def test_the_reports_summary_covers_the_plans_own_target(plan_run):
    report = (plan_run / "report.md").read_text(encoding="utf-8")
    summary = report.split("\n## Summary\n", 1)[1].split("\n## ", 1)[0]
    assert f"The chance of reaching the target “{OWN_LABEL}”" in summary
    assert "with plan" in summary and "in the baseline" in summary
    for inherited in INHERITED:
        assert inherited not in summary
    assert f"### Target 1: {OWN_LABEL}\n" in report
    assert f"### Target 2: {INHERITED[0]} (inherited from baseline.toml)" in report
    assert f"(1) “{OWN_LABEL}”" in report  # the ranking's P(target 1) is the plan's own
