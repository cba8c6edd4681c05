"""Self-contained HTML version of the run report.

`write_html` renders the same blocks as report.md (see `document.Block`) into one file with inline CSS
and every image embedded as a base64 data URI, so it opens offline, can be mailed as one attachment
and loads nothing from the network.

Tables fit the page: cells wrap (text anywhere, a number cell between its value and its bracketed
interval, which stays on one line on screen), a table of more than `WIDE_COLUMNS` columns gets a
smaller font, and a table that still cannot fit scrolls inside its own box, never the page; images are
at most the page's width. Printed (A4 portrait, `@page`), every table is the page's width at most in a
7.5 pt font, wrapping instead of scrolling, headers repeat on each page, and rows, figures and a
heading with what follows are not split across pages. tests/test_report_print.py measures this in
headless chromium: no table wider than its box at 1,280 px, none wider than the page in print at A4.
Only columns aligned right (the block's `align`, default `document.default_align`) hold number cells.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from simulation.reporting.document import default_align

if TYPE_CHECKING:
    from simulation.reporting.document import Block

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --band: #f6f8fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font: 16px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; line-height: 1.25; }
h2 { font-size: 1.3em; margin: 1.8em 0 0.5em; padding-bottom: 0.25em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.08em; margin: 1.4em 0 0.3em; }
p.meta { color: var(--muted); margin-top: 0; }
p.summary { font-size: 1.06em; background: #eef6fb; border-left: 4px solid var(--accent); padding: 12px 16px;
            border-radius: 4px; }
/* Tables fit the page: cells wrap (text anywhere, numbers and intervals at their spaces), wide tables
   get a smaller font; a table that still cannot fit scrolls inside its box on screen, never the page. */
.table-wrap { overflow-x: auto; max-width: 100%; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 0.9em; font-variant-numeric: tabular-nums; max-width: 100%; }
table.wide { font-size: 0.8em; }
table.wide th, table.wide td { padding: 4px 6px; }
th, td { border: 1px solid var(--line); padding: 5px 9px; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--band); text-align: left; font-weight: 600; overflow-wrap: break-word; hyphens: auto; }
td.num { text-align: right; overflow-wrap: normal; }
td.num .ci { white-space: nowrap; }
td code { overflow-wrap: anywhere; word-break: break-all; }
tr:nth-child(even) td { background: #fbfcfd; }
figure { margin: 0.4em 0 1.4em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--band);
       padding: 1px 4px; border-radius: 3px; }
ul { padding-left: 1.3em; }
/* A4 portrait: every table as wide as the page at most, wrapping instead of scrolling; headers repeat
   on each page; a row, a figure or a heading and what follows it are not split across pages. */
@page { size: A4 portrait; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  p.summary { background: none; }
  .table-wrap { overflow: visible; }
  table, table.wide { width: 100%; font-size: 7.5pt; }
  th, td, table.wide th, table.wide td { padding: 2px 4px; }
  td.num .ci { white-space: normal; }
  thead { display: table-header-group; }
  tr, figure, img { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure img { max-height: 240mm; width: auto; }
}
"""

# Tables with more columns than this get the smaller font of `table.wide`.
WIDE_COLUMNS = 7

_NUMERIC_CELL = re.compile(r"^[\s+\-–0-9.,%()a-z/✓✗]*$")


def inline(text: str) -> str:
    """Escape ``text`` and turn **bold** and `code` into HTML."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return out


def data_uri(path: Path) -> str:
    """PNG file as a data URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _cell_class(text: str) -> str:
    return ' class="num"' if any(ch.isdigit() for ch in text) and _NUMERIC_CELL.match(text) else ""


_INTERVAL_PART = re.compile(r"^(\S+) (\(.+\).*)$")


def _cell(text: str, align: str = "r") -> str:
    """A table cell; a number (right-aligned, class "num") only in a column aligned right (`align`, from
    the block). In a number cell such as '-5.0 (-6.2 to -3.9) ✓' the bracketed interval is kept on one
    line on screen (class "ci"), so a narrow column breaks between the value and its interval."""
    css = _cell_class(text) if align == "r" else ""
    body = inline(text)
    match = _INTERVAL_PART.match(text) if css else None
    if match:
        body = f'{inline(match.group(1))} <span class="ci">{inline(match.group(2))}</span>'
    return f"<td{css}>{body}</td>"


def render(blocks: Sequence[Block], folder: Path) -> str:
    """HTML document of ``blocks``; image paths are relative to ``folder``."""
    title = next((b.text for b in blocks if b.kind == "h1"), "Report")
    body = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            body.append(f"<{b.kind}>{inline(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{inline(b.text)}</p>")
        elif b.kind == "summary":
            body.append(f'<p class="summary">{inline(b.text)}</p>')
        elif b.kind == "meta":
            body.append(f'<p class="meta">{inline(b.text)}</p>')
        elif b.kind == "table":
            head = "".join(f"<th>{inline(c)}</th>" for c in b.header)
            wide = ' class="wide"' if len(b.header) > WIDE_COLUMNS else ""
            align = (b.align or default_align(len(b.header))).ljust(max(map(len, b.rows), default=0), "r")
            rows = "".join("<tr>" + "".join(_cell(c, a) for c, a in zip(row, align)) + "</tr>" for row in b.rows)
            body.append(
                f'<div class="table-wrap"><table{wide}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
            )
        elif b.kind == "img":
            body.append(f'<figure><img src="{data_uri(folder / b.path)}" alt="{html.escape(b.text)}"></figure>')
        elif b.kind == "ul":
            body.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in b.items) + "</ul>")
        else:
            raise ValueError(f"unknown block kind {b.kind!r}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def write_html(path: Path, blocks: Sequence[Block], folder: Path) -> Path:
    """Write the self-contained HTML report to ``path``; return it."""
    path = Path(path)
    path.write_text(render(blocks, folder), encoding="utf-8")
    return path
