"""report.html in a real browser: its tables fit a 1,280 px window and it prints on A4 portrait
without clipping (headless Debian chromium driven by Playwright, offline: the page is one local file).

The report of a comparison of the whole scenario library (the widest tables the program writes: the
ranking with its intervals, the assumptions with their key paths) is measured: on screen at 1280 x 800
no table is wider than its box (nothing scrolls sideways, nothing is cut) and the page does not scroll
sideways; emulating print media at A4's width (794 px at 96 dpi) and at the width inside the page
margins (186 mm, 703 px), no table and no image is wider than the page; and `page.pdf(format="A4")`
writes a PDF of several pages. Skipped, with the reason, without chromium (as tests/test_view_browser.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does this)"
    ),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (uv sync installs the dev group)"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
SCREEN = (1280, 800)
A4_WIDTH = 794  # 210 mm at 96 px per inch
A4_INSIDE_MARGINS = 703  # 210 mm - 2 x 12 mm (html.CSS's @page margins) = 186 mm
SLACK = 1  # px: sub-pixel rounding of widths

# Every table with the box around it, and every image: widths in CSS pixels.
MEASURE = """() => ({
  page: document.documentElement.clientWidth,
  pageScroll: document.documentElement.scrollWidth,
  tables: Array.from(document.querySelectorAll('table')).map((table) => {
    const box = table.closest('.table-wrap') || table.parentElement;
    return {
      head: (table.querySelector('th') || {}).textContent || '',
      columns: table.querySelectorAll('thead th').length,
      width: table.scrollWidth,
      right: table.getBoundingClientRect().right,
      box: box.clientWidth,
      boxScroll: box.scrollWidth,
    };
  }),
  images: Array.from(document.images).map((img) => ({
    alt: img.alt, width: img.getBoundingClientRect().width, right: img.getBoundingClientRect().right,
  })),
})"""


@pytest.fixture(scope="module")
def report(small_library_run) -> Path:
    """report.html of the small library comparison of conftest (the uncertainty tables show)."""
    return small_library_run / "report.html"


def _clipped(measured: dict, width: int) -> list[str]:
    """What is wider than its box or than the page (`width`)."""
    problems = []
    if measured["pageScroll"] > width + SLACK:
        problems.append(f"the page scrolls sideways: {measured['pageScroll']} px > {width} px")
    for table in measured["tables"]:
        name = f"table '{table['head'].strip()}' ({table['columns']} columns)"
        if table["width"] > table["box"] + SLACK or table["boxScroll"] > table["box"] + SLACK:
            problems.append(f"{name}: {table['width']} px in a box of {table['box']} px")
        if table["right"] > width + SLACK:
            problems.append(f"{name}: ends at {table['right']:.0f} px, past the page's {width} px")
    for image in measured["images"]:
        if image["right"] > width + SLACK:
            problems.append(f"image '{image['alt']}': ends at {image['right']:.0f} px, past {width} px")
    return problems


@pytest.mark.slow  # about 20 s: the library's report (12 scenarios' figures) and the browser
def test_tables_fit_1280_px_and_print_on_a4(report, tmp_path):
    assert report.is_file()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": SCREEN[0], "height": SCREEN[1]})
            page.goto(report.as_uri())
            screen = page.evaluate(MEASURE)
            # the report has the wide tables this test is about
            assert len(screen["tables"]) >= 5 and max(t["columns"] for t in screen["tables"]) >= 10
            assert screen["images"], "the report has figures"
            assert not _clipped(screen, screen["page"]), _clipped(screen, screen["page"])

            pdf = tmp_path / "report.pdf"
            page.pdf(path=str(pdf), format="A4")
            data = pdf.read_bytes()
            assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3

            page.emulate_media(media="print")
            for width in (A4_WIDTH, A4_INSIDE_MARGINS):
                page.set_viewport_size({"width": width, "height": 1123})
                printed = page.evaluate(MEASURE)
                assert printed["page"] <= width
                assert not _clipped(printed, width), (width, _clipped(printed, width))
                assert all(i["width"] <= width for i in printed["images"])
        finally:
            browser.close()
