"""clinicians.csv: every clinician at the end of replication 0 (or of every replication), as steps.csv saw them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simulation.cli import app
from simulation.results.clinicians import CLINICIAN_COLUMNS
from simulation.results.columns import describe

N, STEPS, REPLICATIONS = 120, 12, 3


def _scenario(folder: Path, extra: str = "") -> Path:
    path = folder / "hospital.toml"
    path.write_text(
        f"[run]\nsteps = {STEPS}\nreplications = {REPLICATIONS}\n[population]\nn = {N}\n"
        f"[uncertainty]\nworlds = 0\n{extra}",
        encoding="utf-8",
    )
    return path


def _run(folder: Path, scenario: Path, *options: str):
    out = folder / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(scenario), "--out", str(out), "--workers", "1", "-q", "--no-report", "--format", "csv", *options],
    )
    return result, out


def _matches_steps(clinicians: pd.DataFrame, steps: pd.DataFrame, replication: int) -> None:
    """A replication's clinicians give the shares, mean attitude and adopters of its rows in steps.csv."""
    rows = clinicians[clinicians["replication"] == replication]
    run = steps[steps["replication"] == replication].set_index("step")
    last = run.loc[STEPS]
    assert len(rows) == N and list(rows["id"]) == list(range(N))
    for mode in ("none", "verify", "primary"):
        assert (rows["mode"] == mode).mean() == pytest.approx(last[f"share_{mode}"], abs=1e-9), mode
    assert rows["attitude"].mean() == pytest.approx(last["mean_attitude"], abs=1e-8)
    assert (rows["attitude"] < 3.5).mean() == pytest.approx(last["share_skeptical"], abs=1e-9)
    adopted = rows["adoption_step"]
    for step in (0, 5, STEPS):
        # first-time users up to this step = the adopters steps.csv counted up to it
        assert int((adopted <= step).sum()) == int(round(run.loc[:step, "new_adopters"].sum())), step
    users = rows["mode"] != "none"
    assert adopted[users].notna().all()  # whoever uses AI at the end has an adoption step


def test_replication_zero_by_default_matches_steps(tmp_path):
    result, out = _run(tmp_path, _scenario(tmp_path))
    assert result.exit_code == 0, result.output
    clinicians = pd.read_csv(out / "clinicians.csv", keep_default_na=True)
    steps = pd.read_csv(out / "steps.csv")
    assert tuple(clinicians.columns) == CLINICIAN_COLUMNS
    assert set(clinicians["replication"]) == {0}
    _matches_steps(clinicians, steps, 0)
    assert clinicians["threshold"].isna().all() and clinicians["file_id"].isna().all()
    assert clinicians["reputation"].between(1, 7).all() and clinicians["department"].notna().all()
    assert set(clinicians["role"]) <= {"attending", "resident", "app", "nurse"}
    for column in CLINICIAN_COLUMNS:
        assert describe("clinicians.csv", column).known, column
    assert "run.time_unit" in describe("clinicians.csv", "adoption_step").unit


def test_all_replications_and_none(tmp_path):
    result, out = _run(tmp_path, _scenario(tmp_path), "--clinicians", "all")
    assert result.exit_code == 0, result.output
    clinicians, steps = pd.read_csv(out / "clinicians.csv"), pd.read_csv(out / "steps.csv")
    assert sorted(set(clinicians["replication"])) == list(range(REPLICATIONS))
    for replication in range(REPLICATIONS):
        _matches_steps(clinicians, steps, replication)
    result, out = _run(tmp_path, _scenario(tmp_path), "--clinicians", "none")
    assert result.exit_code == 0, result.output
    assert not (out / "clinicians.csv").exists() and (out / "steps.csv").exists()


def test_bad_choice_is_one_error_line_and_writes_nothing(tmp_path):
    result, out = _run(tmp_path, _scenario(tmp_path), "--clinicians", "every")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "error: --clinicians 'every': allowed: first (replication 0 of each scenario), all (every replication), none (no clinicians table)"
    ]
    assert not out.exists()


def test_thresholds_and_file_ids(tmp_path):
    """Under the threshold rule each clinician's fixed threshold is written; a file network's ids too."""
    ids = [f"dr{k:02d}" for k in range(12)]
    edges = "\n".join(f"{ids[k]},{ids[(k + 1) % 12]}" for k in range(12)) + "\n"
    (tmp_path / "ties.csv").write_text("source,target\n" + edges, encoding="utf-8")
    path = tmp_path / "ring.toml"
    path.write_text(
        f"[run]\nsteps = {STEPS}\nreplications = 1\n[uncertainty]\nworlds = 0\n"
        '[network]\ngenerator = "file"\nedges = "ties.csv"\n'
        '[choice]\nrule = "threshold"\nthresholds = [0.2, 0.6]\n',
        encoding="utf-8",
    )
    result, out = _run(tmp_path, path)
    assert result.exit_code == 0, result.output
    clinicians = pd.read_csv(out / "clinicians.csv")
    assert sorted(clinicians["file_id"]) == ids
    assert clinicians["threshold"].between(0.2, 0.6).all()
    # Under the threshold rule a non-user at the end never reached their threshold.
    assert np.isnan(clinicians.loc[clinicians["mode"] == "none", "adoption_step"]).all()
