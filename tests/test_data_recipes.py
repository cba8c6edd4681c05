"""The Python recipes of docs/DATA.md (pandas, polars, DuckDB) run against a small real run of the
workshops plan and reproduce the number its report.md prints (the paired difference in skepticism).
The run writes Parquet only, so its report and workbook are read from Parquet files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASELINE, WORKSHOPS, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.results.table_files import read_table

DATA = Path(__file__).resolve().parents[1] / "docs" / "DATA.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
RECIPE_LINE = re.compile(r"^([+-]\d+\.\d) points$", re.MULTILINE)


def python_blocks() -> list[str]:
    return BLOCK.findall(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """`simulate workshops.toml --format parquet` into outputs/workshops of a fresh folder: a reduced
    workshops plan and its baseline (the names the recipes use)."""
    root = tmp_path_factory.mktemp("recipes")
    body = "[run]\nreplications = 6\nsteps = 16\n\n[population]\nn = 150\n\n[uncertainty]\nworlds = 0\n"
    write_scenario(root / "baseline.toml", body, extends=BASELINE)
    plan = write_scenario(root / "workshops.toml", body + '\n[scenario]\ncompare_to = "baseline.toml"\n', WORKSHOPS)
    out = root / "outputs" / "workshops"
    result = CliRunner().invoke(app, ["run", str(plan), "--out", str(out), "--quiet", "--format", "parquet"])
    assert result.exit_code == 0, result.output
    return root


def test_a_run_written_as_parquet_only_has_its_report_and_workbook(run_folder):
    folder = run_folder / "outputs" / "workshops"
    names = {p.name for p in folder.iterdir()}
    assert not any(name.endswith(".csv") for name in names)
    assert {"report.md", "report.html", "results.xlsx", "steps.parquet", "datapackage.json"} <= names
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "`steps.parquet`" in report and "`steps.csv`" not in report


def test_the_doc_has_a_recipe_for_pandas_polars_and_duckdb_and_one_for_r():
    text = DATA.read_text(encoding="utf-8")
    blocks = python_blocks()
    for library in ("import pandas", "import polars", "import duckdb"):
        assert any(library in block for block in blocks), library
    assert "```r\nlibrary(arrow)" in text and "R is not installed" in text


def test_every_python_recipe_runs_and_gives_the_reports_number(run_folder):
    report = (run_folder / "outputs" / "workshops" / "report.md").read_text(encoding="utf-8")
    comparison = read_table(run_folder / "outputs" / "workshops", "comparison").set_index("outcome")
    difference = float(comparison.loc["share_skeptical", "difference"])
    assert difference < 0  # workshops leave fewer skeptics: the report says "N points fewer"
    shown = f"{100 * abs(difference):.1f}"
    assert f"{shown} points fewer" in report
    numbers = []
    for block in python_blocks():
        done = subprocess.run(
            [sys.executable, "-c", block], cwd=run_folder, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, block + done.stderr
        numbers += RECIPE_LINE.findall(done.stdout)
    assert len(numbers) == 3  # pandas, polars, DuckDB
    assert set(numbers) == {f"-{shown}"}
