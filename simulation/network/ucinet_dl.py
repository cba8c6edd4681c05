"""UCINET DL files (Borgatti, Everett & Freeman, UCINET 6 guide, "DL" data language) as tables.

Read here:
- the header: `DL N=<clinicians>` (first word DL), optional `NM=<matrices>` (each matrix a layer),
  `FORMAT = FULLMATRIX` (the default) or `FORMAT = EDGELIST1`, `LABELS:` followed by the N labels
  (separated by commas, spaces or line breaks; quotes keep spaces), `MATRIX LABELS:` (the layers'
  names), `LABELS EMBEDDED` (labels inside the data), then `DATA:`;
- fullmatrix data: per matrix N rows of N numbers (with embedded labels, first a row of the N column
  labels, and each row starts with its label); entry (row, column) non-zero = an arc row -> column
  of that weight;
- edgelist1 data: one tie per line, `from to [weight]`, by number 1-N (by label with embedded
  labels, or when LABELS gives them). One matrix only.
Not read (an error says so): two-mode data (NR, NC) and the other formats (nodelist1, edgelist2,
lowerhalf, ...).

The edge table's columns are source, target, weight and layer (the matrix label, else its number);
the node table's is id (the labels, or the numbers 1-N). Every row is an arc (a symmetric matrix
gives each tie both ways, read as mutual); `network.directed = false` reads them as undirected.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np

from simulation.network.graph_formats import GraphTables
from simulation.network.tables import NetworkFileError, Table, check_cells, number, read_lines, shown, text_of

EXPECTED = "a UCINET DL file: DL N=..., FORMAT = FULLMATRIX or EDGELIST1, optional LABELS:, then DATA:"
FORMATS = ("fullmatrix", "edgelist1")
KEYWORD_RE = re.compile(r"(?i)\b(n|nm|nr|nc|format|diagonal)\s*=\s*([^\s,]+)")
LIST_RE = re.compile(r"(?i)^\s*(row labels|column labels|col labels|matrix labels|labels)\s*:(.*)$")


def read_dl(path: Path, key: str) -> GraphTables:
    """The ties and clinicians of the UCINET DL file `path` (see the module docstring)."""
    lines = read_lines(path, key, EXPECTED)
    header = _Header(path, key, lines)
    data = _tokens(path, key, lines, header.data_line)
    if header.format == "fullmatrix":
        rows, row_lines, labels = _full_matrix(header, data)
    else:
        rows, row_lines, labels = _edge_list(header, data)
    for line, row in zip(row_lines, rows, strict=True):
        check_cells(path, key, line, row, row, line, EXPECTED)
    edges = Table(path, ["source", "target", "weight", "layer"], rows, row_lines)
    nodes = Table(path, ["id"], [[label] for label in labels], list(range(1, len(labels) + 1)))
    return GraphTables(edges, nodes, np.ones(len(rows), dtype=bool))


def _fail(path: Path, key: str, line: int, what: str) -> NetworkFileError:
    return NetworkFileError(f"key '{key}': {path}, line {line}: {what}; expected {EXPECTED}")


class _Header:
    """The DL header: size, matrices, format, labels, and the line where the data start."""

    def __init__(self, path: Path, key: str, lines: list[str]) -> None:
        self.path, self.key = path, key
        values: dict[str, tuple[str, int]] = {}
        lists: dict[str, list[str]] = {}
        current: str | None = None
        self.embedded = False
        self.data_line = 0
        first = next((k for k, line in enumerate(lines, start=1) if line.strip()), 0)
        if not first or lines[first - 1].split()[0].lower() != "dl":
            raise _fail(path, key, max(first, 1), "the first word is not DL")
        for k, line in enumerate(lines[first - 1 :], start=first):
            text = line.strip()
            if first == k:
                text = text[2:]
            data = re.search(r"(?i)\bdata\s*:", text)
            if data:
                text, self.data_line = text[: data.start()], k
            if re.search(r"(?i)\blabels\s+embedded\b", text):
                self.embedded, current = True, None
                text = re.sub(r"(?i)\blabels\s+embedded\s*:?", " ", text)
            listed = LIST_RE.match(text)
            if listed:
                current = listed.group(1).lower().replace("col ", "column ")
                lists[current] = []
                text = listed.group(2)
            found = list(KEYWORD_RE.finditer(text))
            for match in found:
                values[match.group(1).lower()] = (match.group(2), k)
                current = None
            if current is not None and not found:
                lists[current] += _labels(path, key, k, text)
            if self.data_line:
                break
        if not self.data_line:
            raise _fail(path, key, len(lines), "no DATA: line")
        if "nr" in values or "nc" in values:
            raise _fail(
                path,
                key,
                (values.get("nr") or values["nc"])[1],
                "two-mode data (NR, NC) are not a network of clinicians",
            )
        self.n = self._count(values, "n", required=True)
        self.matrices = self._count(values, "nm", required=False)
        self.format = values.get("format", ("fullmatrix", 0))[0].lower()
        if self.format not in FORMATS:
            raise _fail(
                path,
                key,
                values["format"][1],
                f"FORMAT = {shown(self.format)} is not read; allowed: {', '.join(FORMATS)}",
            )
        if self.format == "edgelist1" and self.matrices > 1:
            raise _fail(path, key, values["nm"][1], "NM above 1 is read with FORMAT = FULLMATRIX only")
        self.labels = lists.get("labels") or lists.get("row labels") or []
        if self.labels and len(self.labels) != self.n:
            raise NetworkFileError(
                f"key '{key}': {path}: LABELS gives {len(self.labels)} labels for N = {self.n} clinicians; expected {EXPECTED}"
            )
        if len(set(self.labels)) != len(self.labels):
            raise NetworkFileError(
                f"key '{key}': {path}: LABELS lists a label twice; the labels are the clinicians' ids"
            )
        names = lists.get("matrix labels") or []
        self.layers = names if len(names) == self.matrices else [str(m) for m in range(1, self.matrices + 1)]

    def _count(self, values: dict[str, tuple[str, int]], name: str, required: bool) -> int:
        if name not in values:
            if required:
                raise _fail(self.path, self.key, 1, f"the header has no {name.upper()}= (the number of clinicians)")
            return 1
        text, line = values[name]
        if not text.isdigit() or int(text) < 1:
            raise _fail(
                self.path, self.key, line, f"{name.upper()} = {shown(text)} is not a whole number of at least 1"
            )
        return int(text)


def _labels(path: Path, key: str, line: int, text: str) -> list[str]:
    """Labels on one header line: comma- or space-separated, quotes keep spaces."""
    try:
        words = shlex.split(text.replace(",", " , "), posix=True)
    except ValueError:
        raise _fail(path, key, line, f"{shown(text)} has an unclosed quote") from None
    return [w.strip() for w in words if w.strip() not in ("", ",")]


def _tokens(path: Path, key: str, lines: list[str], data_line: int) -> list[tuple[str, int]]:
    """The data's words (after DATA:), each with its line."""
    out: list[tuple[str, int]] = []
    for k, line in enumerate(lines[data_line - 1 :], start=data_line):
        text = re.split(r"(?i)\bdata\s*:", line, maxsplit=1)[-1] if k == data_line else line
        out += [(w, k) for w in _labels(path, key, k, text)]
    return out


def _full_matrix(header: _Header, data: list[tuple[str, int]]) -> tuple[list[list[str]], list[int], list[str]]:
    """Arc rows of the NM matrices of N x N entries (labels embedded or not)."""
    n, at = header.n, 0
    labels = header.labels or [str(k) for k in range(1, n + 1)]
    rows: list[list[str]] = []
    row_lines: list[int] = []
    per_matrix = n * n + (n + n if header.embedded else 0)
    if len(data) != per_matrix * header.matrices:
        line = data[-1][1] if data else header.data_line
        raise _fail(
            header.path,
            header.key,
            line,
            f"the data hold {len(data)} words, but {header.matrices} matri{'ces' if header.matrices > 1 else 'x'} of "
            f"{n} x {n}{' with embedded labels' if header.embedded else ''} need {per_matrix * header.matrices}",
        )
    for layer in header.layers:
        if header.embedded:
            columns = [w for w, _ in data[at : at + n]]
            at += n
            if header.labels and columns != labels:
                raise _fail(header.path, header.key, data[at - 1][1], "the embedded column labels differ from LABELS")
            labels = columns
        for i in range(n):
            if header.embedded:
                row_label, line = data[at]
                at += 1
                if row_label != labels[i]:
                    raise _fail(
                        header.path,
                        header.key,
                        line,
                        f"row {i + 1} is labelled {shown(row_label)}, column {i + 1} {shown(labels[i])}",
                    )
            for j in range(n):
                word, line = data[at]
                at += 1
                value = number(word, header.path, line, header.key, "matrix entry")
                if value != 0:
                    rows.append([labels[i], labels[j], text_of(value), layer])
                    row_lines.append(line)
    if len(set(labels)) != n:
        raise NetworkFileError(
            f"key '{header.key}': {header.path}: a label is given twice; the labels are the clinicians' ids"
        )
    return rows, row_lines, labels


def _edge_list(header: _Header, data: list[tuple[str, int]]) -> tuple[list[list[str]], list[int], list[str]]:
    """Arc rows of edgelist1 data: `from to [weight]` per line."""
    by_line: dict[int, list[str]] = {}
    for word, line in data:
        by_line.setdefault(line, []).append(word)
    labels = list(header.labels)
    known = set(labels)
    rows: list[list[str]] = []
    row_lines: list[int] = []
    for line, words in by_line.items():
        if len(words) not in (2, 3):
            raise _fail(header.path, header.key, line, f"{len(words)} words; a tie is from to [weight]")
        ends = [_end(header, line, w, labels, known) for w in words[:2]]
        weight = number(words[2], header.path, line, header.key, "tie weight") if len(words) == 3 else 1.0
        rows.append([*ends, text_of(weight), header.layers[0]])
        row_lines.append(line)
    if len(labels) > header.n:
        raise NetworkFileError(
            f"key '{header.key}': {header.path}: the ties name {len(labels)} clinicians, more than N = {header.n}"
        )
    if not header.labels and not header.embedded:
        labels = [str(k) for k in range(1, header.n + 1)]
    return rows, row_lines, labels


def _end(header: _Header, line: int, word: str, labels: list[str], known: set[str]) -> str:
    """One end of an edgelist1 tie as a label: by label when embedded or listed, else by number 1-N."""
    if header.embedded:
        if word not in known:
            labels.append(word)
            known.add(word)
        return word
    if word.isdigit() and 1 <= int(word) <= header.n:
        return labels[int(word) - 1] if header.labels else word
    if word in known:
        return word
    raise _fail(header.path, header.key, line, f"{shown(word)} is not a clinician number 1-{header.n} or a label")
