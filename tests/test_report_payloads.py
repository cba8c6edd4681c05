"""Names from the user's files reach the outputs as text, never as code (issue 19).

One small comparison through the real command line (200 clinicians from a node table, 8 weeks, 2
replications, 2 parameter worlds) whose scenario names and descriptions, intervention name, target
label and the node table's department and role names hold script and image-error payloads,
`javascript:` links, spreadsheet formulas and matplotlib mathtext. Then:

- the run completes and draws every figure (mathtext in a name used to fail after the whole run);
- report.html, opened in headless chromium, runs nothing (`window.__pwned` stays undefined, no
  dialog opens), holds no element the payloads would create, and shows each payload as text;
- report.md rendered to HTML by markdown-it (CommonMark with tables) and by Python-Markdown, opened
  the same way, runs nothing either; with markdown-it every payload reads as written;
- every CSV cell and every results.xlsx cell that starts like a formula is defused (a leading
  apostrophe; the workbook's cells are text, none a formula), and numbers stay numbers.

The browser parts skip, with the reason, without chromium or playwright (as tests/test_view_browser.py).
"""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from simulation.reporting.document import Block, markdown_text, to_markdown
from simulation.reporting.html import render
from simulation.results.tables import defused_text, restored_text

CHROMIUM = shutil.which("chromium")
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or sync_playwright is None,
    reason="needs Debian's chromium (apt-get install -y chromium; .ci/run does this) and playwright (uv sync)",
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
LINK = "[click me](javascript:window.__pwned=1)"
BARE_LINK = "javascript:window.__pwned=1"
FRACTION, SQUARE = r"$\frac{1}{$", "$x^2$"
PAYLOADS = (SCRIPT, IMG, SVG, LINK, FRACTION, SQUARE)

BASELINE_NAME = f"=1+1 baseline {SQUARE} {SCRIPT}"
BASELINE_DESCRIPTION = f"-2+3 the hospital {IMG} {LINK}"
PLAN_NAME = f"{SCRIPT} plan {FRACTION}"
PLAN_DESCRIPTION = f"@here {IMG} {SVG} {LINK} {BARE_LINK}"
WORKSHOP_NAME = f"{IMG} workshop {SQUARE}"
TARGET_LABEL = f"{SVG} target {FRACTION} {LINK}"
DEPARTMENTS = [f"{IMG} {FRACTION}", f'=HYPERLINK("http://x","y") {SQUARE}', SCRIPT, "Surgery"]
ROLES = [f"{SVG} {SQUARE}", f"@SUM(1) {LINK}", "resident"]
CLINICIANS = 200
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_inputs(folder: Path) -> Path:
    """The node table, the tie file, the baseline and the plan; returns the plan's path."""
    rng = random.Random(1)
    with (folder / "nodes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "department", "role"])
        for i in range(CLINICIANS):
            writer.writerow([i, DEPARTMENTS[i % len(DEPARTMENTS)], ROLES[i % len(ROLES)]])
    ties: set[tuple[int, int]] = set()
    while len(ties) < 4 * CLINICIANS:
        a, b = rng.randrange(CLINICIANS), rng.randrange(CLINICIANS)
        if a != b:
            ties.add((min(a, b), max(a, b)))
    (folder / "edges.csv").write_text(
        "source,target\n" + "".join(f"{a},{b}\n" for a, b in sorted(ties)), encoding="utf-8"
    )
    (folder / "base.toml").write_text(
        f"[scenario]\nname = {_toml(BASELINE_NAME)}\ndescription = {_toml(BASELINE_DESCRIPTION)}\n\n"
        "[run]\nsteps = 8\nreplications = 2\nseed = 7\n\n"
        '[network]\ngenerator = "file"\nedges = "edges.csv"\n\n'
        '[network.nodes]\nfile = "nodes.csv"\nid = "id"\ndepartment = "department"\nrole = "role"\n',
        encoding="utf-8",
    )
    plan = folder / "plan.toml"
    plan.write_text(
        'extends = "base.toml"\n\n'
        f'[scenario]\nname = {_toml(PLAN_NAME)}\ndescription = {_toml(PLAN_DESCRIPTION)}\ncompare_to = "base.toml"\n\n'
        f'[[interventions]]\nkind = "workshop"\nname = {_toml(WORKSHOP_NAME)}\nstart = 1\nevery = 2\nseats = 10\n'
        f'targeting = "department"\ndepartment = {_toml(DEPARTMENTS[0])}\n\n'
        f'[[targets]]\nlabel = {_toml(TARGET_LABEL)}\nmetric = "share_verify"\nat_least = 0.2\nby_week = 8\n',
        encoding="utf-8",
    )
    return plan


@pytest.fixture(scope="module")
def run(tmp_path_factory, child_env) -> Path:
    """`simulate run plan.toml` (the plan against its baseline) with its report; the run folder."""
    folder = tmp_path_factory.mktemp("payloads")
    plan = _write_inputs(folder)
    out = folder / "out"
    result = subprocess.run(
        [*ENTRY, "run", str(plan), "--out", str(out), "--quiet", "--workers", "1"]
        + ["--worlds", "2", "--world-replications", "1"],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return out


def test_the_run_completes_and_draws_every_figure(run):
    """Mathtext in scenario, plan and department names is drawn as text: every figure is there."""
    figures = {p.name for p in (run / "plots").glob("*.png")}
    for name in (
        "skeptical_fan.png",
        "modes_fan.png",
        "competence_gap_fan.png",
        "cost_effectiveness.png",
        "effect_over_time.png",
        "groups_skeptical.png",
    ):
        assert name in figures
    assert len([n for n in figures if n.startswith("network_")]) == 2
    for path in (run / "plots").glob("*.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path
    report = (run / "report.md").read_text(encoding="utf-8")
    for path in (run / "plots").glob("*.png"):
        assert f"](plots/{path.name})" in report  # each figure is in the report


def _rendered_markdown(run: Path, tmp_path: Path) -> dict[str, Path]:
    """report.md rendered as HTML pages by the Markdown libraries installed, beside a copy of plots/."""
    markdown = (run / "report.md").read_text(encoding="utf-8")
    shutil.copytree(run / "plots", tmp_path / "plots")
    pages = {"markdown-it": MarkdownIt("commonmark").enable("table").render(markdown)}
    try:
        import markdown as python_markdown
    except ImportError:  # pragma: no cover - Python-Markdown comes with the dev tools here
        pass
    else:
        pages["Python-Markdown"] = python_markdown.markdown(markdown, extensions=["tables"])
    paths = {}
    for name, body in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>')
        paths[name] = path
    return paths


# What the page holds that the payloads would have made: elements, handlers, links.
INSPECT = """() => ({
  pwned: typeof window.__pwned,
  scripts: document.querySelectorAll('script').length,
  svgs: document.querySelectorAll('svg').length,
  images: Array.from(document.images).map((img) => img.getAttribute('src')),
  handlers: Array.from(document.querySelectorAll('*')).filter((e) =>
      Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
  links: Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')),
  text: document.body.innerText,
})"""


def _open(*pages: Path) -> list[tuple[dict, list[str]]]:
    """Each page's `INSPECT` after it loaded (and a moment for image errors), with the dialogs it opened;
    one browser for all."""
    seen = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for path in pages:
                dialogs: list[str] = []
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.on("dialog", lambda dialog, dialogs=dialogs: (dialogs.append(dialog.message), dialog.dismiss()))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                seen.append((page.evaluate(INSPECT), dialogs))
                page.close()
        finally:
            browser.close()
    return seen


def _assert_nothing_ran(seen: dict, dialogs: list[str], where: str) -> None:
    assert seen["pwned"] == "undefined", f"{where}: a payload ran"
    assert not dialogs, f"{where}: dialogs {dialogs}"
    assert seen["scripts"] == 0 and seen["svgs"] == 0 and seen["handlers"] == 0, (where, seen)
    assert all(not (href or "").lower().startswith("javascript") for href in seen["links"]), (where, seen["links"])


@needs_browser
def test_report_html_runs_nothing_and_shows_the_payloads_as_text(run):
    [(seen, dialogs)] = _open(run / "report.html")
    _assert_nothing_ran(seen, dialogs, "report.html")
    assert seen["images"] and all(src.startswith("data:image/png;base64,") for src in seen["images"])
    assert not seen["links"]
    for payload in PAYLOADS:
        assert payload in seen["text"], payload
    for name in (BASELINE_NAME, PLAN_NAME, WORKSHOP_NAME, TARGET_LABEL, DEPARTMENTS[0], ROLES[0]):
        assert name in seen["text"], name
    # names read back from the CSV files are the names, not their defused cells
    assert "'=1+1 baseline" not in seen["text"] and "'=HYPERLINK" not in seen["text"]
    assert "'@SUM(1)" not in seen["text"]


@needs_browser
def test_report_md_rendered_by_markdown_libraries_runs_nothing(run, tmp_path):
    pages = _rendered_markdown(run, tmp_path)
    assert "markdown-it" in pages
    opened = dict(zip(pages, _open(*pages.values()), strict=True))
    for name, (seen, dialogs) in opened.items():
        _assert_nothing_ran(seen, dialogs, name)
        assert seen["images"] and all(src.startswith("plots/") for src in seen["images"]), name
        assert not seen["links"], (name, seen["links"])
    seen = opened["markdown-it"][0]
    for text in (*PAYLOADS, BASELINE_NAME, PLAN_NAME, WORKSHOP_NAME, TARGET_LABEL, DEPARTMENTS[0], ROLES[0]):
        assert text in seen["text"], text


def _csv_cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_every_csv_cell_that_starts_like_a_formula_is_a_number(run):
    files = sorted(run.glob("*.csv"))
    assert {"scenarios.csv", "groups.csv", "network.csv", "targets.csv", "comparison.csv"} <= {p.name for p in files}
    for path in files:
        for cell in _csv_cells(path):
            assert not cell.startswith(FORMULA_START) or _is_number(cell), (path.name, cell)
    scenarios = _csv_cells(run / "scenarios.csv")
    assert defused_text(BASELINE_NAME) == "'" + BASELINE_NAME and defused_text(BASELINE_NAME) in scenarios
    assert "'" + BASELINE_DESCRIPTION in scenarios and "'" + PLAN_DESCRIPTION in scenarios
    groups = _csv_cells(run / "groups.csv")
    assert "'" + DEPARTMENTS[1] in groups and "'" + ROLES[1] in groups and DEPARTMENTS[0] in groups


def test_results_xlsx_holds_text_and_numbers_but_no_formula(run):
    from openpyxl import load_workbook

    book = load_workbook(run / "results.xlsx")
    texts, numbers = [], 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_START), (sheet.title, cell.coordinate, cell.value)
                elif isinstance(cell.value, int | float):
                    numbers += 1
    assert "'" + BASELINE_NAME in texts and "'" + DEPARTMENTS[1] in texts and "'" + ROLES[1] in texts
    assert numbers > 1_000  # the tables' numbers are numbers
    about = {row[0].value: row[1].value for row in book["About"].iter_rows() if row[0].value}
    assert BASELINE_DESCRIPTION in about["'" + BASELINE_NAME]  # the description as written, inside the line
    replications = book["replications"]
    header = [c.value for c in next(replications.iter_rows(max_row=1))]
    first = [c.value for c in next(replications.iter_rows(min_row=2, max_row=2))]
    assert isinstance(first[header.index("replication")], int)
    assert isinstance(first[header.index("share_skeptical")], float)


# Strings that try to leave the text: raw HTML, an image, links, code spans that do not close as a
# naive reader would think, block starts, table cells, entities.
TRICKS = [
    SCRIPT,
    IMG,
    SVG,
    LINK,
    f"<{BARE_LINK}>",
    "``x<img src=x onerror=alert(1)>`",
    "\\`<img src=x onerror=alert(1)>`",
    "`a` <b>bold</b> `",
    "- item",
    "+ item",
    "# heading",
    "1. one",
    "3) three",
    "a | b\n| --- |\n<i>x</i>",
    "&lt;script&gt; &amp;",
    "a\\|b <u>",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1) and [x]",
    "[y](<javascript:alert(1)>) [z] (javascript:alert(1))",
    "**bold** __pwned__ *x*",
    "line\n\n# heading\r\n---",
]


@pytest.mark.parametrize("trick", TRICKS)
def test_markdown_of_user_text_makes_no_element_and_no_link(trick):
    """Rendered by a CommonMark renderer, user text in a heading, a paragraph, a table and a list makes
    no HTML element of its own (only our markup's p, h1, table, ul, li, strong, code) and no link."""
    blocks = [
        Block("h1", trick),
        Block("p", trick),
        Block("p", f"**{trick}** and `code`"),
        Block("table", header=["name", "value"], rows=[[trick, "1.0"]]),
        Block("ul", items=[trick]),
    ]
    html = MarkdownIt("commonmark").enable("table").render(to_markdown(blocks))
    for tag in ("script", "img", "svg", "a ", "a>", "b>", "i>", "u>", "h2", "hr", "ol"):
        assert f"<{tag}" not in html, (tag, html)
    assert html.count("<h1>") == 1 and html.count("<table>") == 1 and html.count("<ul>") == 1
    assert html.count("<tr>") == 2  # the header and the one row: a line break cannot add rows


def test_markdown_keeps_our_marks_and_numbers():
    assert markdown_text("**Best plan: workshops.** -17.6 points (95 % interval -20.1 to -15.0)") == (
        "**Best plan: workshops.** -17.6 points (95 % interval -20.1 to -15.0)"
    )
    assert markdown_text("in `world_means.csv` and world_means.csv") == "in `world_means.csv` and world_means.csv"
    assert markdown_text("`<out>.partial/`") == "`<out>.partial/`"  # a code span shows its content as written
    assert markdown_text("a < b & c") == "a &lt; b &amp; c"
    assert markdown_text("| interventions[0].seats |") == "| interventions[0].seats |"  # a sweep's key
    assert to_markdown([Block("p", "-5.0 points")]) == "-5.0 points\n"  # a negative number is not a list


def test_html_escapes_every_block_kind():
    blocks = [
        Block("h1", SCRIPT),
        Block("meta", IMG),
        Block("summary", SVG),
        Block("p", f"**{IMG}** `{SCRIPT}`"),
        Block("table", header=[SCRIPT], rows=[[IMG]]),
        Block("ul", items=[SVG]),
    ]
    page = render(blocks, Path("."))
    for raw in ("<script>window", "<img src=x", "<svg onload"):
        assert raw not in page
    assert page.count("&lt;script&gt;") == 4  # the title, the heading, the code, the table's header


@pytest.mark.parametrize(
    "text", ["=1+1", "'=1+1", "''@x", "-2", "+x", "@SUM(A1)", "\tx", "\rx", "'", "''", "plain", "it's", ""]
)
def test_defusing_is_undone_exactly(text):
    cell = defused_text(text)
    assert restored_text(cell) == text
    assert not cell.startswith(FORMULA_START)
