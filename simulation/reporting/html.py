"""Self-contained HTML version of the run report.

`write_html` renders the same blocks as report.md (see `document.Block`) into one file with inline CSS
and every image embedded as a base64 data URI, so it opens offline, can be mailed as one attachment
and loads nothing from the network.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
.table-wrap { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 0.9em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 5px 9px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fbfcfd; }
figure { margin: 0.4em 0 1.4em; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--band);
       padding: 1px 4px; border-radius: 3px; }
ul { padding-left: 1.3em; }
@media print { body { max-width: none; padding: 0; } p.summary { background: none; } }
"""

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
            rows = "".join(
                "<tr>" + "".join(f"<td{_cell_class(c)}>{inline(c)}</td>" for c in row) + "</tr>" for row in b.rows
            )
            body.append(
                f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
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
