"""The run report of real run folders: every number comes from the tables; HTML is self-contained.

The folders are written by the command line (`simulate compare` / `simulate run` through typer's
CliRunner, in process, one worker) for a small baseline and workshops pair (150 clinicians, 26 weeks,
3 replications, an hourly rate, two targets); `write_run_report` is then also called directly on
copies of those folders with tables changed on purpose.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import BASELINE, WORKSHOPS, write_scenario  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from simulation.cli import app  # noqa: E402
from simulation.reporting import format as formatting  # noqa: E402
from simulation.reporting.glossary import HEADING as GLOSSARY_HEADING  # noqa: E402
from simulation.reporting.run_report import write_run_report  # noqa: E402
from simulation.reporting.run_tables import ReportInputError  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TABLES = ("steps.csv", "replications.csv", "scenarios.csv", "comparison.csv", "targets.csv", "network.csv")
# worlds.csv (each world's draws) is not quoted by the report: left out, so that the check stays sharp.
NOT_QUOTED = ("worlds.csv", "world_means.csv")
NUMBER = re.compile(r"(?<![\w.])[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# Numbers the report may write without taking them from a table, each with its reason.
JUSTIFIED = [
    r"(?<![\d.])95 %",  # label of intervals and ranges
    r"(?<![\d.])50 %",  # band of the fan charts
    r"(?<![\d.])1–7(?= scale| competence scale|\)| points)",  # the rating scale
    r"\b100 (?:extra )?clinician-hours",  # unit of "per 100 clinician-hours"
    r"per 100 (?:h|hours)\b",
    r"per 1,000 decisions",  # unit of the rate of errors reaching patients
    r"P\(target \d+\)",  # numbering of the targets
    r"\(\d+\) (?=\S)",
]


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------
SMALL = """
[run]
replications = {replications}
steps = 26

[population]
n = 150

[costs]
hourly_rate = 80
currency = "EUR"
"""
TARGETS = """
[[targets]]
metric = "share_skeptical"
at_most = 0.22
by_week = 20

[[targets]]
metric = "share_verify"
at_least = 0.2
by_week = 26
label = "A fifth verify with AI"
"""


def scenario_files(folder: Path, replications: int = 3, targets: bool = True) -> tuple[Path, Path]:
    """Small copies of the repository's baseline and workshops scenarios (same names)."""
    folder.mkdir(parents=True, exist_ok=True)
    body = (
        ("" if targets else "targets = []\n") + SMALL.format(replications=replications) + (TARGETS if targets else "")
    )
    return (
        write_scenario(folder / "baseline.toml", body, extends=BASELINE),
        write_scenario(folder / "workshops.toml", body, extends=WORKSHOPS),
    )


def simulate(*args: str) -> None:
    result = CliRunner().invoke(app, [*args, "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output


def compare_run(folder: Path, replications: int = 3) -> Path:
    baseline, workshops = scenario_files(folder / "scenarios", replications)
    simulate("compare", str(baseline), str(workshops), "--out", str(folder / "run"))
    return folder / "run"


def single_run(folder: Path, targets: bool = True) -> Path:
    baseline, _ = scenario_files(folder / "scenarios", targets=targets)
    simulate("run", str(baseline), "--out", str(folder / "run"))
    return folder / "run"


def written_by(folder: Path) -> dict[str, Path]:
    """What the job's call of write_run_report wrote, as its return value would name it."""
    out = {p.stem: p for p in (folder / "plots").glob("*.png")}
    out.update({"report.md": folder / "report.md", "report.html": folder / "report.html"})
    out.update({"results.xlsx": folder / "results.xlsx"} if (folder / "results.xlsx").exists() else {})
    return out


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> tuple[Path, dict, dict]:
    folder = compare_run(tmp_path_factory.mktemp("two"))
    return folder, {}, written_by(folder)


@pytest.fixture(scope="module")
def two_tables(two, tmp_path_factory) -> tuple[Path, dict]:
    """The tables of the two-scenario run without any report file, as CSV only (the tests edit them;
    the report would read a Parquet file first)."""
    folder = tmp_path_factory.mktemp("two_tables") / "run"
    shutil.copytree(two[0], folder, ignore=shutil.ignore_patterns("report.*", "plots", "*.parquet"))
    return folder, {}


@pytest.fixture(scope="module")
def one(tmp_path_factory) -> tuple[Path, dict, dict]:
    folder = single_run(tmp_path_factory.mktemp("one"))
    return folder, {}, written_by(folder)


def fresh_copy(two_tables, tmp_path: Path) -> Path:
    """The tables of the two-scenario run (no report yet) in a folder of this test."""
    folder = tmp_path / "run"
    shutil.copytree(two_tables[0], folder)
    return folder


# --------------------------------------------------------------------------
# numbers of the report against the numbers of the tables
# --------------------------------------------------------------------------
def _walk_json(value, out: list) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(key)
            _walk_json(item, out)
    elif isinstance(value, list):
        for item in value:
            _walk_json(item, out)
    else:
        out.append(value)


def table_values(folder: Path) -> tuple[list[float], list[str]]:
    """Every number of the tables and summary.json, and every text cell (descriptions, labels)."""
    numbers: list[float] = []
    texts: list[str] = []
    cells: list = []
    for path in sorted(folder.glob("*.csv")):  # every table written beside the report
        if path.name in NOT_QUOTED:
            continue
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
        cells += [c for c in frame.to_numpy().ravel().tolist() if isinstance(c, str)]
    _walk_json(json.loads((folder / "summary.json").read_text(encoding="utf-8")), cells)
    for cell in cells:
        if cell is None or isinstance(cell, bool):
            continue
        try:
            x = float(cell)
        except (TypeError, ValueError):
            texts.append(str(cell))
            continue
        if math.isfinite(x):
            numbers.append(x)
    return numbers, texts


def allowed_tokens(folder: Path) -> tuple[set[str], set[str]]:
    """Number tokens the report may contain: signed as formatted, and without their sign."""
    numbers, texts = table_values(folder)
    signed: set[str] = set()
    for x in numbers:
        for fmt in formatting.FORMATTERS:
            signed.update(NUMBER.findall(fmt(x)))
    for text in texts:  # numbers inside copied text (a description, a target label)
        signed.update(NUMBER.findall(text))
    return signed, {t.lstrip("+-") for t in signed}


def report_tokens(text: str) -> list[str]:
    """Number tokens of report.md, without image lines and justified phrases."""
    # the glossary's entries define words with fixed examples ("from 20 % to 15 % is 5 points"): not results
    head, _, glossary = text.partition(f"## {GLOSSARY_HEADING}")
    text = head + "\n".join(line for line in glossary.splitlines() if not line.startswith("- **"))
    lines = [line for line in text.splitlines() if not line.startswith("![")]
    body = "\n".join(lines)
    for pattern in JUSTIFIED:
        body = re.sub(pattern, " ", body)
    return NUMBER.findall(body)


def unexplained_numbers(folder: Path, text: str) -> list[str]:
    signed, unsigned = allowed_tokens(folder)
    bad = []
    for token in report_tokens(text):
        if token[0] in "+-":
            if token not in signed:
                bad.append(token)
        elif token not in unsigned:
            bad.append(token)
    return bad


def md(folder: Path) -> str:
    return (folder / "report.md").read_text(encoding="utf-8")


def test_every_number_in_the_two_scenario_report_comes_from_the_tables(two) -> None:
    folder = two[0]
    tokens = report_tokens(md(folder))
    assert len(tokens) > 80  # the check is about something
    assert unexplained_numbers(folder, md(folder)) == []


def test_every_number_in_the_single_scenario_report_comes_from_the_tables(one) -> None:
    folder = one[0]
    assert len(report_tokens(md(folder))) > 40
    assert unexplained_numbers(folder, md(folder)) == []


def test_number_check_catches_a_number_the_tables_do_not_hold(two) -> None:
    folder = two[0]
    text = md(folder)
    comparison = pd.read_csv(folder / "comparison.csv")
    d = comparison.set_index("outcome").loc["share_skeptical", "difference"]
    shown = formatting.fmt_points(d)
    assert shown in text
    signed, _ = allowed_tokens(folder)
    wrong = next(w for w in (f"{float(shown) - k / 10:+.1f}" for k in range(1, 100)) if w not in signed)
    assert unexplained_numbers(folder, text.replace(shown, wrong)) == [wrong] * text.count(shown)
    assert unexplained_numbers(folder, text + "\nAbout 9,876.54 more.\n") == ["9,876.54"]


def rewrite(path: Path, change) -> None:
    """Read a table, let ``change(frame)`` edit it, write it back the way the job writes tables."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    change(frame)
    frame.to_csv(path, index=False, float_format="%.10g", na_rep="", lineterminator="\n")


def test_corrupted_interval_changes_the_report_and_fails_against_the_original(two_tables, two, tmp_path) -> None:
    original = two[0]
    folder = fresh_copy(two_tables, tmp_path)
    comparison = pd.read_csv(folder / "comparison.csv").set_index("outcome")
    high = comparison.loc["share_verify", "ci_high"]
    signed, _ = allowed_tokens(original)
    # a wider upper bound whose shown value no table of the original run happens to hold
    new_high = next(high + k / 1000 for k in range(5, 500) if formatting.fmt_points(high + k / 1000) not in signed)
    row = int(np.flatnonzero(comparison.index == "share_verify")[0])
    rewrite(folder / "comparison.csv", lambda f: f.__setitem__("ci_high", f["ci_high"].where(f.index != row, new_high)))
    write_run_report(folder, {})
    text = md(folder)
    new = formatting.fmt_points(new_high)
    assert new in summary_paragraph(text) and new not in summary_paragraph(md(original))
    assert unexplained_numbers(folder, text) == []  # it follows its own tables ...
    assert new in unexplained_numbers(original, text)  # ... and no longer the original ones


@pytest.mark.parametrize(
    "table, column, row_of, delta",
    [
        ("replications.csv", "share_skeptical", lambda f: 0, 0.05),  # comparison.csv's baseline mean is then wrong
        ("comparison.csv", "difference", lambda f: f.index[f["outcome"] == "share_skeptical"][0], 0.01),
        ("targets.csv", "probability", lambda f: 0, 0.1),  # no longer reached_by_deadline / replications
    ],
)
def test_corrupted_values_that_other_tables_contradict_are_caught(
    two_tables, tmp_path, table, column, row_of, delta
) -> None:
    folder = fresh_copy(two_tables, tmp_path)

    def change(frame: pd.DataFrame) -> None:
        frame.loc[row_of(frame), column] += delta

    rewrite(folder / table, change)
    with pytest.raises(
        ReportInputError, match=re.escape(table.split(".")[0] if table != "replications.csv" else "replications.csv")
    ):
        write_run_report(folder, {})
    assert not (folder / "report.md").exists()


def test_non_numeric_cell_is_caught(two_tables, tmp_path) -> None:
    folder = fresh_copy(two_tables, tmp_path)
    path = folder / "comparison.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    cells = text[1].split(",")
    cells[5] = "lots"  # difference
    text[1] = ",".join(cells)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ReportInputError, match=r"comparison.csv.*difference"):
        write_run_report(folder, two_tables[1])


def test_missing_table_is_caught(two_tables, tmp_path) -> None:
    folder = fresh_copy(two_tables, tmp_path)
    (folder / "targets.csv").unlink()
    with pytest.raises(ReportInputError, match="targets.csv"):
        write_run_report(folder, two_tables[1])


# --------------------------------------------------------------------------
# content
# --------------------------------------------------------------------------
def summary_paragraph(text: str) -> str:
    return text.split("## Summary\n\n", 1)[1].split("\n\n", 1)[0]


def test_summary_states_the_key_differences_with_intervals(two) -> None:
    folder = two[0]
    text = md(folder)
    summary = summary_paragraph(text)
    comparison = pd.read_csv(folder / "comparison.csv").set_index("outcome")
    sk = comparison.loc["share_skeptical"]
    assert formatting.fmt_pct(sk["scenario_mean"]) in summary and formatting.fmt_pct(sk["baseline_mean"]) in summary
    assert f"{formatting.unsigned(formatting.fmt_points(sk['difference']))} points" in summary
    verify = comparison.loc["share_verify"]
    assert (
        f"{formatting.fmt_points(verify['difference'])} points, 95 % interval "
        f"{formatting.fmt_points(verify['ci_low'])} to {formatting.fmt_points(verify['ci_high'])}"
    ) in summary
    assert "per 100" not in summary or "100 extra clinician-hours" in summary
    assert "EUR 24,640" not in summary or "EUR" in summary
    targets = pd.read_csv(folder / "targets.csv")
    first = targets[(targets["scenario"] == "workshops")].iloc[0]
    assert f"{formatting.fmt_pct(first['probability'])} with workshops" in summary
    sentences = [s for s in re.split(r"(?<=[.)])\s+(?=[A-Z])", summary) if s]
    assert 3 <= len(sentences) <= 5, sentences


def test_ranking_table_has_baseline_reference_and_intervals(two) -> None:
    folder = two[0]
    text = md(folder)
    section = text.split("## Ranking of scenarios", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header, body = rows[0], rows[1:]
    for column in (
        "Skeptical",
        "Verifying",
        "Primary aid",
        "Competence gap",
        "Errors per 1,000 decisions",
        "AI errors passed on",
        "Clinician-hours",
        "Cost (EUR)",
        "Skeptical points per 100 h",
        "P(target 1)",
        "P(target 2)",
    ):
        assert column in header
    assert body[0].startswith("| ref. | baseline")
    assert body[1].startswith("| 1 | workshops")
    comparison = pd.read_csv(folder / "comparison.csv").set_index("outcome")
    sk = comparison.loc["share_skeptical"]
    cell = f"{formatting.fmt_points(sk['difference'])} ({formatting.fmt_points(sk['ci_low'])} to {formatting.fmt_points(sk['ci_high'])})"
    assert cell in body[1]
    cells = [c.strip() for c in body[1].strip("|").split("|")]
    for i, outcome in enumerate(
        ["share_skeptical", "share_verify", "share_primary", "competence_gap", "total_errors_passed"]
    ):
        row = comparison.loc[outcome]
        side = "lower" if row["ci_high"] < 0 else "higher" if row["ci_low"] > 0 else None
        expected = "" if side is None else (" ✓" if side == row["better"] else " ✗")
        assert cells[2 + i].endswith(")" + expected), (outcome, cells[2 + i])


def test_report_sections_and_figures(two) -> None:
    folder, _, written = two
    text = md(folder)
    for heading in ("## Summary", "## Ranking of scenarios", "## Targets", "## Figures", "## How to read this"):
        assert heading in text
    assert text.index("## Summary") < text.index("## Ranking of scenarios") < text.index("## Figures")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert set(links) == {
        "plots/skeptical_fan.png",
        "plots/modes_fan.png",
        "plots/competence_gap_fan.png",
        "plots/cost_effectiveness.png",
        "plots/effect_over_time.png",
        "plots/groups_skeptical.png",
        "plots/network_baseline.png",
        "plots/network_workshops.png",
    }
    for link in links:
        assert folder / link in written.values()
    assert not re.search(r"\d\.\d\d+%", text)  # percentages have one decimal


def test_pngs_are_valid_and_not_trivial(two, one) -> None:
    for folder, _, written in (two, one):
        pngs = [p for p in written.values() if p.suffix == ".png"]
        assert pngs and sorted(pngs) == sorted((folder / "plots").glob("*.png"))
        for path in pngs:
            assert path.read_bytes()[:8] == PNG_MAGIC
            assert path.stat().st_size > 20_000, path
            image = mpimg.imread(path)
            h, w = image.shape[:2]
            assert 600 <= w <= 2400 and 400 <= h <= 2400, (path, w, h)
            assert float(np.std(image[..., :3])) > 0.02, path


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------
class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.summary: list[str] = []
        self.text: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "p" and attrs.get("class") == "summary":
            self._in_summary = 1
        elif self._in_summary:
            self._in_summary += 1

    def handle_endtag(self, tag):
        if self._in_summary:
            self._in_summary -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self._in_summary:
            self.summary.append(data)


@pytest.mark.parametrize("run", ["two", "one"])
def test_html_is_self_contained_and_matches_the_markdown(run, request) -> None:
    folder = request.getfixturevalue(run)[0]
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'src="http' not in page and "src='http" not in page
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "<script" not in page
    parser = Collector()
    parser.feed(page)
    parser.close()
    images = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == len(list((folder / "plots").glob("*.png")))
    for attrs in images:
        src = attrs["src"]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC
        assert attrs.get("alt")
    for tag, attrs in parser.tags:
        for key, value in attrs.items():
            if key in ("src", "href") and value:
                assert value.startswith(("data:", "#")), (tag, key, value[:40])
    summary = summary_paragraph(md(folder)).replace("**", "")
    answer = md(folder).split("## The answer\n\n", 1)[1].split("\n\n", 1)[0].replace("**", "").replace("`", "")
    assert "".join(parser.summary) == answer + summary  # the two highlighted paragraphs: the answer, the summary
    text = " ".join("".join(parser.text).split())
    for sentence in re.split(r"(?<=\.)\s+", summary):
        assert sentence in text


# --------------------------------------------------------------------------
# single scenario
# --------------------------------------------------------------------------
def test_single_scenario_report(one) -> None:
    folder, _, written = one
    text = md(folder)
    assert "## Ranking of scenarios" not in text and "Cost and effect" not in text
    assert "## Summary" in text and "## Outcomes over time" in text and "## Targets" in text
    assert set(written) >= {"report.md", "report.html", "modes_and_skepticism", "competence_gap", "network_baseline"}
    summary = json.loads((folder / "summary.json").read_text())["scenarios"]["baseline"]
    start = summary["outcomes"]["share_skeptical"]["initial"]
    assert formatting.fmt_pct(start) in summary_paragraph(text)


def test_single_scenario_without_targets_or_snapshots(tmp_path) -> None:
    folder = single_run(tmp_path, targets=False)
    assert len(pd.read_csv(folder / "targets.csv")) == 0
    for path in (folder / "plots").glob("*.png"):
        path.unlink()
    written = write_run_report(folder, {})
    text = md(folder)
    assert "## Targets" not in text and not any(name.startswith("network") for name in written)
    assert "plots/network" not in text and "The clinician network" not in text  # no network pictures
    assert unexplained_numbers(folder, text) == []


def test_direct_call_returns_what_it_wrote(two_tables, tmp_path) -> None:
    folder = fresh_copy(two_tables, tmp_path)
    written = write_run_report(folder, {})
    assert written == written_by(folder)
    assert set(written) == {
        "skeptical_fan",
        "modes_fan",
        "competence_gap_fan",
        "cost_effectiveness",
        "effect_over_time",
        "groups_skeptical",
        "report.md",
        "report.html",
        "results.xlsx",
    }


def test_single_replication_has_no_intervals_but_a_valid_report(tmp_path) -> None:
    folder = compare_run(tmp_path, replications=1)
    text = md(folder)
    assert "n/a to n/a" not in text and "nan" not in text.lower()
    assert "no interval: too few runs" in summary_paragraph(text)
    assert unexplained_numbers(folder, text) == []
    assert (folder / "plots" / "cost_effectiveness.png").is_file()


def test_a_hospital_of_another_size_is_not_compared_and_the_rest_stay_paired(tmp_path):
    baseline, workshops = scenario_files(tmp_path / "scenarios", replications=3, targets=False)
    other = write_scenario(tmp_path / "scenarios" / "smaller.toml", "[population]\nn = 120\n", extends=baseline)
    simulate("compare", str(baseline), str(workshops), str(other), "--out", str(tmp_path / "run"))
    text = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "starts from the same hospital, so differences are paired · other hospitals, not compared: smaller" in text
    assert "except for smaller" not in text and "smaller simulates a different hospital" not in text
    scenarios = pd.read_csv(tmp_path / "run" / "scenarios.csv").set_index("scenario")
    assert scenarios["paired"].to_dict() == {"baseline": True, "workshops": True, "smaller": False}
    assert scenarios["comparable"].to_dict() == {"baseline": True, "workshops": True, "smaller": False}
