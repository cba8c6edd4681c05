"""Pajek `.net` files (Batagelj & Mrvar, Pajek manual, "Network" file format) as edge and node tables.

Read here:
- `*Network name` (the name is ignored);
- `*Vertices N`: then one line per vertex, `number "label" [x y z] [attributes]`, numbers 1-N; a
  vertex without a line is labelled by its number. The labels are the clinicians' ids (they must be
  distinct: a node table matches them);
- `*Arcs` (directed) and `*Edges` (undirected): one tie per line, `from to [weight] [attributes]`;
  a relation number and name after the keyword (`*Arcs :2 "advice"`) becomes the rows' layer;
- `*Arcslist` / `*Edgeslist`: `from to to ...`, weight 1;
- `*Matrix`: N lines of N numbers, a non-zero entry (row, column) is an arc of that weight.
Ties name vertices by number. Lines starting with `%` are comments; blank lines are skipped.

The edge table's columns are source, target, weight (1 when a line gives none) and layer (the
relation: its name, else its number, else "1"); the node table's are id (the label) and number. Each
row is directed as its section says (`network.directed` overrides).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np

from simulation.network.graph_formats import GraphTables
from simulation.network.tables import NetworkFileError, Table, check_cells, number, read_lines, shown, text_of

EXPECTED = "a Pajek network: *Vertices N, then vertex lines, then *Arcs, *Edges, *Arcslist, *Edgeslist or *Matrix"
SECTIONS = ("*network", "*vertices", "*arcs", "*edges", "*arcslist", "*edgeslist", "*matrix")
DIRECTED = {"*arcs": True, "*arcslist": True, "*matrix": True, "*edges": False, "*edgeslist": False}


def read_pajek(path: Path, key: str) -> GraphTables:
    """The ties and vertices of the Pajek file `path` (see the module docstring)."""
    reader = _Reader(path, key)
    for line_number, line in enumerate(read_lines(path, key, EXPECTED), start=1):
        reader.line(line_number, line)
    return reader.tables()


class _Reader:
    """The state of reading a Pajek file line by line: the current section, vertices and ties so far."""

    def __init__(self, path: Path, key: str) -> None:
        self.path, self.key = path, key
        self.section: str | None = None
        self.layer = "1"
        self.size: int | None = None
        self.labels: dict[int, str] = {}
        self.rows: list[list[str]] = []
        self.directed: list[bool] = []
        self.row_lines: list[int] = []  # the file line of each tie
        self.matrix_row = 0

    def fail(self, line: int, what: str) -> NetworkFileError:
        return NetworkFileError(f"key '{self.key}': {self.path}, line {line}: {what}; expected {EXPECTED}")

    def line(self, number_: int, text: str) -> None:
        stripped = text.strip()
        if not stripped or stripped.startswith("%"):
            return
        if stripped.startswith("*"):
            self.start(number_, stripped)
            return
        if self.section is None or self.section == "*network":
            raise self.fail(number_, f"{shown(stripped)} before a *Vertices line")
        try:
            words = shlex.split(stripped, posix=True)
        except ValueError:
            raise self.fail(number_, f"{shown(stripped)} has an unclosed quote") from None
        check_cells(self.path, self.key, number_, words, words, number_, EXPECTED)
        if self.section == "*vertices":
            self.vertex(number_, words)
        elif self.section == "*matrix":
            self.matrix(number_, words)
        elif self.section in ("*arcslist", "*edgeslist"):
            source = self.vertex_number(number_, words[0])
            for word in words[1:]:
                self.tie(number_, source, self.vertex_number(number_, word), "1")
        else:
            if len(words) < 2:
                raise self.fail(number_, f"{shown(stripped)} is not a tie (from to [weight])")
            weight = words[2] if len(words) > 2 else "1"
            number(weight, self.path, number_, self.key, "tie weight")
            self.tie(number_, self.vertex_number(number_, words[0]), self.vertex_number(number_, words[1]), weight)

    def start(self, number_: int, stripped: str) -> None:
        """A section line: `*Vertices N`, `*Arcs [:k "name"]`, ..."""
        words = stripped.split(None, 1)
        section = words[0].lower()
        if section not in SECTIONS:
            raise self.fail(number_, f"{shown(words[0])} is not a section Pajek networks have ({', '.join(SECTIONS)})")
        self.section = section
        rest = words[1].strip() if len(words) > 1 else ""
        if section == "*vertices":
            size = rest.split()[0] if rest else ""
            if not size.isdigit() or int(size) < 1:
                raise self.fail(number_, f"*Vertices needs the number of vertices, found {shown(rest)}")
            if len(rest.split()) > 1:
                raise self.fail(number_, "two-mode networks (*Vertices N N1) are not a network of clinicians")
            self.size = int(size)
        elif section != "*network":
            if self.size is None:
                raise self.fail(number_, f"{words[0]} before *Vertices")
            self.layer = _relation(rest)
            self.matrix_row = 0

    def vertex(self, line: int, words: list[str]) -> None:
        index = self.vertex_number(line, words[0])
        if index in self.labels:
            raise self.fail(line, f"vertex {index} is listed twice")
        self.labels[index] = words[1] if len(words) > 1 else words[0]

    def vertex_number(self, line: int, word: str) -> int:
        assert self.size is not None
        if not word.isdigit() or not 1 <= int(word) <= self.size:
            raise self.fail(line, f"{shown(word)} is not a vertex number 1-{self.size}")
        return int(word)

    def matrix(self, line: int, words: list[str]) -> None:
        assert self.size is not None
        self.matrix_row += 1
        if self.matrix_row > self.size or len(words) != self.size:
            raise self.fail(line, f"*Matrix needs {self.size} lines of {self.size} numbers")
        for column, word in enumerate(words, start=1):
            if number(word, self.path, line, self.key, "matrix entry") != 0:
                self.tie(line, self.matrix_row, column, word)

    def tie(self, line: int, source: int, target: int, weight: str) -> None:
        self.row_lines.append(line)
        self.rows.append([str(source), str(target), text_of(float(weight)), self.layer])
        self.directed.append(DIRECTED[self.section or "*arcs"])

    def tables(self) -> GraphTables:
        if self.size is None:
            raise NetworkFileError(f"key '{self.key}': {self.path} has no *Vertices line; expected {EXPECTED}")
        labels = [self.labels.get(k, str(k)) for k in range(1, self.size + 1)]
        seen: dict[str, int] = {}
        for k, label in enumerate(labels, start=1):
            if label in seen:
                raise NetworkFileError(
                    f"key '{self.key}': {self.path}: vertices {seen[label]} and {k} are both labelled {shown(label)}; "
                    "the labels are the clinicians' ids and must differ"
                )
            seen[label] = k
        rows = [[labels[int(s) - 1], labels[int(t) - 1], w, layer] for s, t, w, layer in self.rows]
        edges = Table(self.path, ["source", "target", "weight", "layer"], rows, self.row_lines)
        node_rows = [[label, str(k)] for k, label in enumerate(labels, start=1)]
        nodes = Table(self.path, ["id", "number"], node_rows, list(range(1, len(node_rows) + 1)))
        return GraphTables(edges, nodes, np.array(self.directed, dtype=bool))


def _relation(rest: str) -> str:
    """The layer of a tie section: `:k "name"` after the keyword gives name (or k); none gives "1"."""
    if not rest.startswith(":"):
        return "1"
    try:
        words = shlex.split(rest[1:], posix=True)
    except ValueError:
        words = rest[1:].split()
    return words[1] if len(words) > 1 else (words[0] if words else "1")
