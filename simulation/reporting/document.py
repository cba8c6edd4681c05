"""The document model of the reports: a list of `Block`s, rendered as markdown here and as HTML in
`simulation.reporting.html`. Every report (run, sweep, sensitivity, calibration) is built as blocks."""

from __future__ import annotations

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


def to_markdown(blocks: Sequence[Block]) -> str:
    """Markdown text of ``blocks``."""
    out = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            out.append("#" * int(b.kind[1]) + " " + b.text)
        elif b.kind in ("p", "summary"):
            out.append(b.text)
        elif b.kind == "meta":
            out.append(f"_{b.text}_")
        elif b.kind == "table":
            esc = lambda c: c.replace("|", "\\|")  # noqa: E731
            lines = [
                "| " + " | ".join(esc(c) for c in b.header) + " |",
                "|" + "".join("---:|" if a == "r" else "---|" for a in b.align or default_align(len(b.header))),
            ]
            lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        elif b.kind == "img":
            out.append(f"![{b.text}]({b.path})")
        elif b.kind == "ul":
            out.append("\n".join(f"- {item}" for item in b.items))
        else:
            raise ValueError(f"unknown block kind {b.kind!r}")
    return "\n\n".join(out) + "\n"
