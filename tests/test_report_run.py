"""write_run_report on a real run folder (tables written per the comparison layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.outputs.report import write_run_report
from test_report_fixture import build_run_folder

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("two")
    snapshots = build_run_folder(folder)
    return folder, write_run_report(folder, snapshots)


@pytest.fixture(scope="module")
def one(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("one")
    snapshots = build_run_folder(folder, alternatives=False)
    return folder, write_run_report(folder, snapshots)


def test_two_scenario_run_writes_report_html_and_plots(two) -> None:
    folder, written = two
    assert written["report.md"] == folder / "report.md"
    assert written["report.html"] == folder / "report.html"
    for name, path in written.items():
        assert path.is_file(), name
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 10_000
    text = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Ranking of scenarios" in text and "workshops" in text


def test_single_scenario_run_has_no_comparison_sections(one) -> None:
    folder, written = one
    text = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Ranking of scenarios" not in text
    assert "## Summary" in text and written["report.html"].is_file()
