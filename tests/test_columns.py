"""The column dictionary (simulation.results.columns): every column of every CSV a library run writes
has a real meaning, outcome columns take theirs from the outcome catalogue, unknown ones say so."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from simulation.outcomes import BY_NAME, TOTALS
from simulation.results.columns import UNKNOWN, describe, description

# Files and columns that other parts of issue 14 may still be adding while this dictionary is written;
# add (file, column) here (column None = the whole file) until columns.py describes it. Empty: every
# column of a library run is described.
ALLOWED_UNKNOWN: set[tuple[str, str | None]] = set()


def _allowed(file: str, column: str) -> bool:
    return (file, None) in ALLOWED_UNKNOWN or (file, column) in ALLOWED_UNKNOWN


@pytest.fixture(scope="module")
def library_run(small_library_run) -> Path:
    """The small library comparison of conftest (its CSV files)."""
    return small_library_run


def test_every_column_of_a_library_run_has_a_meaning(library_run):
    files = sorted(library_run.glob("*.csv"))
    names = {f.name for f in files}
    assert {"steps.csv", "replications.csv", "scenarios.csv", "comparison.csv", "targets.csv", "network.csv"} <= names
    missing = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        for column in header:
            if not describe(path.name, column).known and not _allowed(path.name, column):
                missing.append(f"{path.name}: {column}")
    assert not missing, "columns without a description in simulation/results/columns.py: " + ", ".join(missing)


def test_outcome_columns_reuse_the_catalogue():
    entry = BY_NAME["share_skeptical"]
    assert describe("steps.csv", "share_skeptical").meaning == entry.description
    assert describe("steps.csv", "share_skeptical").unit == entry.unit == "fraction of clinicians"
    # replications.csv holds the value at the last week; a count's run total has a per-run unit.
    assert describe("replications.csv", "share_skeptical").meaning == f"At the last week: {entry.description}"
    total = describe("replications.csv", f"total_{TOTALS[0]}")
    assert total.meaning == f"Total over the run: {BY_NAME[TOTALS[0]].description}"
    assert "per week" not in total.unit


def test_unknown_columns_say_so_and_file_paths_work():
    assert description("steps.csv", "no_such_column") == UNKNOWN == "(no description)"
    assert description("somewhere/new.csv", "nothing") == UNKNOWN
    assert description("/tmp/run/targets.csv", "probability") == description("targets.csv", "probability")
    assert "Wilson" in description("targets.csv", "probability_low")
    # the same column name means different things in different files
    assert description("comparison.csv", "replications") != description("scenarios.csv", "replications")
    assert "judgment.visibility" in description("worlds.csv", "judgment.visibility")
