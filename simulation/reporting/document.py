"""The document model of the reports: a list of `Block`s, rendered as markdown here and as HTML in
`simulation.reporting.html`. Every report (run, sweep, sensitivity, calibration) is built as blocks.

A block's text is plain text with two marks of our own, `**bold**` and `` `code` ``; names from the
user's files (scenarios, plans, targets, departments, roles, sweep parameters, budget options) are
put into it as they are. Each renderer makes the whole text safe for its format: `html.inline` escapes
it as HTML; `markdown_text` here writes `<`, `>` and `&` as character references (a Markdown renderer
passes raw HTML through, so a name `<img src=x onerror=...>` would otherwise run in the reader's
browser), backslash-escapes `\\`, a `]` before `(` (no links, so no `javascript:` links), `$` (no
TeX where a renderer draws math) and a `_` that could open emphasis, turns line breaks into spaces (a
name cannot end a table row or start a heading) and keeps code spans, numbers and our marks as they
are. The table renderer escapes `|` in every cell; a paragraph or list item that would start a
heading, a list or a link definition has its first mark escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Block:
    """One piece of the report: kind is h1/h2/h3/p/meta/table/img/ul."""

    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    path: str = ""  # images: path relative to the run folder
    align: str = ""  # tables: "l" or "r" per column; "" = the first two columns left, the rest right


def default_align(columns: int) -> str:
    """Table alignment when a block gives none: labels in the first two columns, numbers in the rest."""
    return "l" * min(2, columns) + "r" * max(0, columns - 2)


_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029\x85]+")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A paragraph or list item that starts like this would start a block of Markdown: a heading, a list
# item, a numbered item, a link reference definition ('[x]: url'; their first punctuation character
# is backslash-escaped).
_BLOCK_START = re.compile(r"^(?:#|\[|[-+*](?=\s|$)|\d{1,9}(?=[.)](?:\s|$)))")


def _backtick_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    return end - start


def _closing_run(text: str, start: int, length: int) -> int:
    """Index of the next run of exactly `length` backticks at or after `start`; -1 when none (CommonMark's
    rule for the end of a code span)."""
    i = start
    while (i := text.find("`", i)) != -1:
        run = _backtick_run(text, i)
        if run == length:
            return i
        i += run
    return -1


def markdown_text(text: str) -> str:
    """``text`` (our marks and user text) as Markdown inline text that shows what it says: see the module
    docstring. Code spans are found by CommonMark's rule (a run of n backticks up to the next run of
    exactly n) and kept verbatim (Markdown shows a code span's content as text); a backtick run without
    its closing run is escaped, so it cannot pair with a later one."""
    text = _LINE_BREAKS.sub(" ", text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "`":
            run = _backtick_run(text, i)
            close = _closing_run(text, i + run, run)
            if close == -1:
                out.append("\\`" * run)
                i += run
            else:
                out.append(text[i : close + run])
                i = close + run
            continue
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in "\\$" or (char == "]" and text[i + 1 : i + 2] == "("):
            out.append("\\" + char)  # '](' would close a link's text and open its address
        elif char == "_" and not (0 < i < n - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()):
            out.append("\\_")  # intraword underscores (world_means.csv) cannot open emphasis
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _markdown_line(text: str) -> str:
    """`markdown_text` of a paragraph or list item, which must not start a heading or a list."""
    safe = markdown_text(text)
    match = _BLOCK_START.match(safe)
    if match is None:
        return safe
    cut = match.end() if safe[0].isdigit() else 0
    return safe[:cut] + "\\" + safe[cut:]


def _markdown_heading(text: str) -> str:
    safe = markdown_text(text)
    return safe[:-1] + "\\#" if safe.endswith("#") else safe  # a closing '#' would be dropped


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown text of ``blocks``; the text of every block is escaped by `markdown_text`."""
    out = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + _markdown_heading(b.text))
        elif b.kind in ("p", "summary"):
            out.append(_markdown_line(b.text))
        elif b.kind == "meta":
            out.append(f"_{markdown_text(b.text)}_")
        elif b.kind == "table":
            esc = lambda c: markdown_text(c).replace("|", "\\|")  # noqa: E731
            lines = [
                "| " + " | ".join(esc(c) for c in b.header) + " |",
                "|" + "".join("---:|" if a == "r" else "---|" for a in b.align or default_align(len(b.header))),
            ]
            lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif b.kind == "img":
            out.append(f"![{markdown_text(b.text)}]({b.path})")
        elif b.kind == "ul":
            out.append("\n".join(f"- {_markdown_line(item)}" for item in b.items))
        else:
            raise ValueError(f"unknown block kind {b.kind!r}")
    return "\n\n".join(out) + "\n"
