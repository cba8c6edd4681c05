"""results.xlsx (simulation.reporting.workbook), read back with openpyxl: one sheet per CSV file of the
run folder holding exactly the CSV's values, formatted (bold frozen header, autofilter, percents for
shares, thousands separators for counts), an "About" sheet from scenarios.csv and a "Columns" sheet
from the column dictionary; steps.csv left out, with a note, above the row limit."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import WORKSHOPS
from openpyxl import load_workbook

from simulation.reporting import workbook as wb
from simulation.results.columns import describe

ALLOWED_UNKNOWN_FILES: set[str] = set()  # files still being described (see test_columns.py); none now


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """`simulate scenarios/workshops.toml` (plan and baseline), 3 replications of 20 weeks, 2 parameter
    worlds of 1 replication, with its report (which writes results.xlsx)."""
    from simulation.job import plan_file, run_plan

    out = tmp_path_factory.mktemp("workbook") / "run"
    plan = plan_file(WORKSHOPS, out, replications=3, steps=20, worlds=2, world_replications=1)
    run_plan(plan, workers=1, note=lambda _: None)
    return out


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _expected(text: str):
    """A CSV cell as a number when it reads as one (the test's own parse), else its text; '' -> None."""
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_every_csv_is_a_sheet_with_exactly_its_values(run_folder):
    path = run_folder / "results.xlsx"
    assert path.is_file()
    book = load_workbook(path)
    files = sorted(run_folder.glob("*.csv"))
    assert {"steps.csv", "comparison.csv", "uncertainty.csv", "network.csv"} <= {f.name for f in files}
    assert book.sheetnames[0] == "About" and book.sheetnames[-1] == "Columns"
    assert sorted(book.sheetnames[1:-1]) == sorted(f.stem for f in files)
    assert book.sheetnames[1:4] == ["scenarios", "comparison", "uncertainty"]  # a planner's tables first
    for file in files:
        header, rows = _csv(file)
        cells = _sheet_rows(book[file.stem])
        assert cells[0] == header, file.name
        assert len(cells) == len(rows) + 1, file.name
        for line, (row, got) in enumerate(zip(rows, cells[1:], strict=True), start=2):
            got = list(got) + [None] * (len(row) - len(got))
            for column, text, value in zip(header, row, got, strict=True):
                expected = _expected(text)
                if isinstance(expected, float):
                    # the exact number written in the CSV (10 significant digits), not a rounding of it
                    assert isinstance(value, int | float) and value == expected, (file.name, line, column, value)
                else:
                    assert value == expected, (file.name, line, column, value)


def test_sheets_are_formatted(run_folder):
    book = load_workbook(run_folder / "results.xlsx")
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet["A1"].font.b, name
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}", name
        assert sheet.column_dimensions["A"].width >= wb.MIN_WIDTH
    header = [c.value for c in book["replications"][1]]
    second = [c for c in book["replications"][2]]
    fmt = dict(zip(header, (c.number_format for c in second)))
    assert fmt["share_skeptical"] == fmt["share_verify"] == wb.PERCENT
    assert fmt["total_errors_passed"] == wb.COUNT  # a count: thousands separators
    assert fmt["mean_attitude"] == "General"
    # comparison.csv: the values of a share's row in percent, of the competence gap's row not
    rows = list(book["comparison"].iter_rows())
    header = [c.value for c in rows[0]]
    by_outcome = {r[header.index("outcome")].value: r[header.index("difference")].number_format for r in rows[1:]}
    assert by_outcome["share_skeptical"] == wb.PERCENT and by_outcome["competence_gap"] == "General"
    targets = list(book["targets"].iter_rows())
    header = [c.value for c in targets[0]]
    assert targets[1][header.index("probability")].number_format == wb.PERCENT


def test_about_and_columns_sheets(run_folder):
    book = load_workbook(run_folder / "results.xlsx")
    about = {row[0]: row[1] for row in _sheet_rows(book["About"]) if row[0]}
    header, rows = _csv(run_folder / "scenarios.csv")
    for row in rows:
        values = dict(zip(header, row))
        line = about[values["scenario"]]
        assert f"{values['replications']} replications, {values['steps']} weeks, seed {values['seed']}" in line
    assert "Left out" not in about
    columns = _sheet_rows(book["Columns"])
    assert columns[0] == ["file", "column", "meaning", "unit"]
    listed = {(r[0], r[1]): r[2] for r in columns[1:]}
    for file in run_folder.glob("*.csv"):
        for column in _csv(file)[0]:
            assert listed[(file.name, column)] == describe(file.name, column).meaning
            if file.name not in ALLOWED_UNKNOWN_FILES:
                assert listed[(file.name, column)] != "(no description)", (file.name, column)


def test_steps_left_out_above_the_limit_and_any_csv_becomes_a_sheet(run_folder, tmp_path, monkeypatch):
    folder = tmp_path / "copy"
    shutil.copytree(run_folder, folder)
    (folder / "results.xlsx").unlink()
    long_name = "a_table_added_by_another_part_of_the_program.csv"
    (folder / long_name).write_text("scenario,note,value\nbaseline,=1+1,3\nworkshops,[x]: y,1e-3\n", encoding="utf-8")
    steps_rows = len(_csv(folder / "steps.csv")[1])
    monkeypatch.setattr(wb, "STEPS_ROW_LIMIT", steps_rows - 1)
    book = load_workbook(wb.write_workbook(folder))
    assert "steps" not in book.sheetnames
    about = {row[0]: row[1] for row in _sheet_rows(book["About"]) if row[0]}
    assert f"steps.csv has {steps_rows:,} rows" in about["Left out"]
    listed = {(r[0], r[1]) for r in _sheet_rows(book["Columns"])[1:]}
    assert ("steps.csv", "share_skeptical") in listed  # its columns are still explained
    extra = long_name[:-4][:31]
    assert extra in book.sheetnames and len(extra) == 31
    rows = _sheet_rows(book[extra])
    assert rows[1] == ["baseline", "'=1+1", 3]  # text that looks like a formula stays text, defused
    assert rows[2] == ["workshops", "[x]: y", 0.001]
    assert book[extra]["B2"].data_type == "s"
    assert ("a_table_added_by_another_part_of_the_program.csv", "note") in listed


def test_sheet_names_are_valid_and_unique():
    names = wb.sheet_names([Path("about.csv"), Path("x" * 40 + ".csv"), Path("x" * 40 + "y.csv"), Path("a:b?.csv")])
    values = list(names.values())
    assert values[0] != "About" and values[0].lower() != "about"
    assert all(len(v) <= 31 for v in values) and len({v.lower() for v in values}) == len(values)
    assert values[3] == "a_b_"


def test_no_report_writes_no_workbook(tmp_path):
    from simulation.job import plan_file, run_plan

    out = tmp_path / "batch"
    run_plan(plan_file(WORKSHOPS, out, replications=2, steps=5, worlds=0), workers=1, note=lambda _: None, report=False)
    assert (out / "steps.csv").is_file() and not (out / "results.xlsx").exists()


def test_text_that_starts_like_a_formula_is_defused_and_numbers_stay_numbers(tmp_path):
    """Any CSV of the folder, ours (already defused) or not: a text cell starting with =, +, -, @, a tab
    or a carriage return gets one leading apostrophe (never two), every text cell is of type text and
    none a formula; negative numbers and exponents stay numbers."""
    folder = tmp_path / "run"
    folder.mkdir()
    rows = [
        ["name", "value"],
        ['=HYPERLINK("http://x","y")', "-5"],
        ["@SUM(A1:A3)", "-0.25"],
        ["+1+1", "+3"],
        ["-2+3", "1e-3"],
        ["\tcmd", "-inf"],
        ["'=1+1", "7"],  # a cell our CSV writer defused: kept as it is
        ["''@x", "8"],  # the name "'@x" as our CSV writer writes it
        ["plain", "9"],
    ]
    with (folder / "extra.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    book = load_workbook(wb.write_workbook(folder))
    sheet = book["extra"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(
        cell.data_type != "f" for book_sheet in book.worksheets for row in book_sheet.iter_rows() for cell in row
    )
    names = [row[0] for row in _sheet_rows(sheet)[1:]]
    assert names == [
        '\'=HYPERLINK("http://x","y")',
        "'@SUM(A1:A3)",
        "'+1+1",
        "'-2+3",
        "'\tcmd",
        "'=1+1",
        "''@x",
        "plain",
    ]
    values = [row[1] for row in _sheet_rows(sheet)[1:]]
    assert values == [-5, -0.25, 3, 0.001, "-inf", 7, 8, 9]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert all(c.data_type == "n" for c in cells if isinstance(c.value, int | float))
