"""Writing a run's outputs fast: CSV bytes as pandas wrote them, network pictures that draw a bounded
number of ties (a seeded sample, said in the caption) or departments, and `--no-report`.

The CSV writer (`results.tables.to_csv_bytes`) is checked against pandas' own `to_csv` with the same
options (the writer it replaced) on many values; the network pictures on synthetic snapshots; the
option on a small run through the command line.
"""

from __future__ import annotations

import io
import json
import math
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import BASELINE, WORKSHOPS, write_scenario  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from simulation.cli import app  # noqa: E402
from simulation.reporting.plots import network  # noqa: E402
from simulation.reporting.report_figures import DEPARTMENT_HINT  # noqa: E402
from simulation.reporting.run_report import write_run_report  # noqa: E402
from simulation.results.tables import to_csv_bytes  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pandas_csv(frame: pd.DataFrame, header: bool = True) -> bytes:
    """The bytes the tables were written with before (pandas' writer, 10 significant digits)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=header, float_format="%.10g", na_rep="", lineterminator="\n")
    return buffer.getvalue().encode()


# --------------------------------------------------------------------------
# CSV bytes
# --------------------------------------------------------------------------
def awkward_floats(rng: np.random.Generator) -> np.ndarray:
    """Floats where '%.10g' is easy to get wrong: NaN, infinities, signed zeros, subnormals, the largest
    and smallest doubles, the switch between fixed and exponent notation (1e-5, 1e-4, 1e10), values at
    and next to rounding ties of the 10th digit, integers beyond 10 digits, shares k/n."""
    special = [
        math.nan,
        -math.nan,
        math.inf,
        -math.inf,
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        -1.7976931348623157e308,
        1e-5,
        9.9999999995e-5,
        1e-4,
        0.0001,
        0.00009999999999,
        9999999999.0,
        9999999999.5,
        1e10,
        12345678905.0,
        0.12345678905,
        0.123456789049999,
        1.5,
        2.5,
        0.1 + 0.2,
        1 / 3,
        -2 / 3,
        123456789012345680.0,
        2.0**53,
        2.0**53 + 2,
    ]
    ties = np.array([1.2345678905, 9.8765432105, 0.99999999995, 999999999.95, 5.0000000005e-7])
    near = np.concatenate([np.nextafter(ties, np.inf), np.nextafter(ties, -np.inf), ties])
    scales = 10.0 ** rng.integers(-320, 308, size=3_000)
    spread = rng.standard_normal(3_000) * scales
    decimals = np.concatenate([np.round(rng.uniform(-1e6, 1e6, size=200), d) for d in range(12)])
    shares = rng.integers(0, 501, size=2_000) / 500.0
    bits = rng.integers(0, 2**63, size=2_000, dtype=np.int64).view(np.float64)  # any double at all
    counts = rng.integers(-(10**12), 10**12, size=1_000).astype(float)
    return np.concatenate([special, near, spread, decimals, shares, bits, counts])


def test_csv_bytes_equal_pandas_on_awkward_floats() -> None:
    rng = np.random.default_rng(7)
    values = awkward_floats(rng)
    rng.shuffle(values)
    frame = pd.DataFrame(
        {
            "scenario": np.where(rng.random(values.size) < 0.5, "baseline", "workshops"),
            "replication": rng.integers(0, 10**6, size=values.size),
            "value": values,
            "other": values[::-1].copy(),
        }
    )
    for header in (True, False):
        assert to_csv_bytes(frame, header=header) == pandas_csv(frame, header=header)
    # each value on its own row, as '%.10g' writes it (NaN: empty cell)
    cells = to_csv_bytes(frame[["replication", "value"]], header=False).decode().splitlines()
    expected = ["" if math.isnan(v) else "%.10g" % v for v in frame["value"]]  # noqa: UP031  (the operation pandas used)
    assert [line.split(",")[1] for line in cells] == expected
    assert {"-0", "0", "inf", "-inf", "4.940656458e-324", "1e-05", "0.0001", "9999999999", "1e+10"} <= set(expected)


def test_csv_bytes_of_a_steps_like_table_written_in_parts_equal_one_write() -> None:
    rng = np.random.default_rng(11)
    rows = 4_000
    steps = pd.DataFrame(
        {
            "scenario": pd.array(["academic_medical_centre"] * rows, dtype="string"),  # pandas 3: string dtype
            "replication": np.repeat(np.arange(40), 100),
            "step": np.tile(np.arange(100), 40),
            "share": rng.integers(0, 501, size=rows) / 500,
            "gap": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(0, 1, rows)),
            "count": rng.poisson(3, rows).astype(float),
            "uint": rng.integers(0, 2**40, size=rows).astype(np.uint64),
        }
    )
    whole = to_csv_bytes(steps)
    assert whole == pandas_csv(steps)
    parts = to_csv_bytes(steps.iloc[:1234]) + to_csv_bytes(steps.iloc[1234:], header=False)
    assert parts == whole


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"name": ["a,b", "plain"], "x": [1.0, 2.0]}),  # a comma: quoted
        pd.DataFrame({"name": ['say "hi"', "x"], "x": [1.0, 2.0]}),  # a quote: doubled and quoted
        pd.DataFrame({"name": ["line\nbreak", "x"], "x": [1.0, 2.0]}),
        pd.DataFrame({"name": ["carriage\rreturn", "x"], "x": [1.0, 2.0]}),
        pd.DataFrame({"name": ["", "x"], "x": [1.0, np.nan]}),  # an empty text cell
        pd.DataFrame({"name": [None, "x"], "x": [1.0, 2.0]}),  # a missing text cell
        pd.DataFrame({"name": [" lead", "tab\there", "ünïcödé", "it's"], "x": [0.5, -0.0, 1e-7, 3.0]}),
        pd.DataFrame({"x": [np.nan, 1.5]}),  # one column: an empty cell is written '""'
        pd.DataFrame({"flag": [True, False], "x": [1.0, 2.0]}),
        pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [1.0, 2.0]}),
        pd.DataFrame({"a,b": [1.0], "c": [2.0]}),  # a column name that needs quoting
        pd.DataFrame({"obj": [1.5, "text"], "x": [1.0, 2.0]}),  # mixed object column
        pd.DataFrame({"lists": [[1], [2]], "x": [1.0, 2.0]}),  # unhashable cells
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype="int64")}),  # no rows
        pd.DataFrame({"big": [2**63 - 1, -(2**63)], "x": [1.0, 2.0]}),
    ],
)
def test_csv_bytes_equal_pandas_on_text_and_edge_cases(frame: pd.DataFrame) -> None:
    assert to_csv_bytes(frame) == pandas_csv(frame)
    assert to_csv_bytes(frame, header=False) == pandas_csv(frame, header=False)


def test_csv_writing_is_faster_than_pandas() -> None:
    """A steps.csv chunk of 200 replications x 105 weeks x 22 outcomes: the point of the writer."""
    rng = np.random.default_rng(3)
    rows = 200 * 105
    columns = {"scenario": ["workshops"] * rows, "replication": np.repeat(np.arange(200), 105)}
    columns["step"] = np.tile(np.arange(105), 200)
    for k in range(11):
        columns[f"share_{k}"] = rng.integers(0, 501, size=rows) / 500
        columns[f"mean_{k}"] = rng.normal(4, 1, size=rows)
    frame = pd.DataFrame(columns)
    start = time.process_time()
    ours = to_csv_bytes(frame)
    fast = time.process_time() - start
    start = time.process_time()
    theirs = pandas_csv(frame)
    slow = time.process_time() - start
    assert ours == theirs
    assert fast < 0.6 * slow, (fast, slow)  # measured: about a third of pandas' time


# --------------------------------------------------------------------------
# network pictures
# --------------------------------------------------------------------------
DEPARTMENTS = ["Emergency medicine", "Internal medicine", "Surgery", "Radiology", "Pediatrics"]


def snapshot(n: int, edges: np.ndarray, step: int = 0, seed: int = 1) -> dict[str, Any]:
    """Clinicians in departments laid out as clusters on a grid (as `network.layout` does)."""
    rng = np.random.default_rng(seed)
    dept = np.arange(n) % len(DEPARTMENTS)
    centres = np.c_[dept % 3, -(dept // 3)].astype(float)
    return {
        "positions": centres + rng.normal(0, 0.15, size=(n, 2)),
        "edges": edges,
        "attitude": np.clip(rng.normal(4.3 + 0.01 * step, 1.3, size=n), 1, 7),
        "mode": rng.choice(3, size=n, p=[0.6, 0.3, 0.1]),
        "department": dept,
        "department_names": DEPARTMENTS,
        "skeptical_below": 3.5,
        "step": step,
    }


def random_ties(n: int, m: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pairs = rng.integers(0, n, size=(3 * m, 2))
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    return pairs[rng.permutation(len(pairs))[:m]]


def complete_ties(n: int) -> np.ndarray:
    i, j = np.triu_indices(n, 1)
    return np.c_[i, j]


def drawn_line_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many tie segments each LineCollection the network module creates holds."""
    counts: list[int] = []

    class Recording(LineCollection):
        def __init__(self, segments, *args, **kwargs) -> None:
            counts.append(len(segments))
            super().__init__(segments, *args, **kwargs)

    monkeypatch.setattr(network, "LineCollection", Recording)
    return counts


def test_the_default_hospitals_are_drawn_tie_by_tie_and_the_picture_is_unchanged(tmp_path, monkeypatch) -> None:
    """500 clinicians with mean degree 8 (about 2,000 ties, as in scenarios/baseline.toml): every tie drawn,
    and the same bytes as with no limit at all (the picture of before)."""
    snap = snapshot(500, random_ties(500, 1_984))
    assert network.network_drawing([snap]) == network.NetworkDrawing("clinicians", 500, (1_984,), (1_984,))
    assert network.network_drawing([snap]).caption() == ""
    limited = network.plot_network_pair(snap, snapshot(500, snap["edges"], 104), tmp_path / "limited.png")
    monkeypatch.setattr(network, "MAX_TIES_DRAWN", 10**9)
    unlimited = network.plot_network_pair(snap, snapshot(500, snap["edges"], 104), tmp_path / "unlimited.png")
    assert limited.read_bytes() == unlimited.read_bytes()


def test_a_bigger_network_draws_a_reproducible_sample_of_ties_and_says_so(tmp_path, monkeypatch) -> None:
    ties = random_ties(3_000, 15_000)
    start, end = snapshot(3_000, ties), snapshot(3_000, ties, 104)
    drawing = network.network_drawing([start, end])
    assert drawing.level == "clinicians" and drawing.sampled
    assert drawing.caption() == "4,000 of 15,000 ties drawn (a random sample)."
    counts = drawn_line_counts(monkeypatch)
    first = network.plot_network_pair(start, end, tmp_path / "a.png")
    assert counts == [network.MAX_TIES_DRAWN] * 4  # four panels, 4,000 ties each
    second = network.plot_network_pair(start, end, tmp_path / "b.png")
    assert first.read_bytes() == second.read_bytes()  # the same sample every time
    sample = network.drawn_ties(ties)
    position = {tuple(tie): k for k, tie in enumerate(ties.tolist())}
    where = [position[tuple(tie)] for tie in sample.tolist()]  # every drawn tie is one of the network's
    assert len(set(where)) == network.MAX_TIES_DRAWN and where == sorted(where)  # distinct, in their order
    assert (network.drawn_ties(ties) == sample).all()
    # start and end with different tie counts (ties added during the run): both stated
    grown = snapshot(3_000, np.r_[ties, random_ties(3_000, 600, seed=9)], 104)
    text = network.network_drawing([start, grown]).caption()
    assert text.startswith("4,000 of 15,000 (start) and 4,000 of 15,") and text.endswith(
        "(end) ties drawn (a random sample)."
    )


@pytest.mark.parametrize(
    ("n", "ties", "reason"),
    [
        (2_000, complete_ties(2_000), "mean degree 1,999, above 50"),
        (3_001, random_ties(3_001, 6_000), "more than 3,000 clinicians"),
    ],
)
def test_big_or_dense_networks_are_drawn_by_department(tmp_path, monkeypatch, n, ties, reason) -> None:
    start, end = snapshot(n, ties), snapshot(n, ties, 104)
    drawing = network.network_drawing([start, end])
    assert drawing.level == "departments" and drawing.reason == reason
    assert drawing.summary() == f"Drawn by department ({reason}): {n:,} clinicians, {len(ties):,} ties."
    counts = drawn_line_counts(monkeypatch)
    began = time.process_time()
    path = network.plot_network_pair(start, end, tmp_path / "departments.png")
    single = network.plot_network(end, tmp_path / "one.png", color_by="mode")
    seconds = time.process_time() - began
    # one line per pair of departments with ties between them: 5 departments, 10 pairs, in each panel
    assert counts == [10] * 5
    assert seconds < 10, seconds  # before: minutes (every one of 2 million ties drawn four times)
    for png in (path, single):
        assert png.read_bytes()[:8] == PNG_MAGIC


def test_department_picture_sizes_and_widths_follow_the_counts(tmp_path, monkeypatch) -> None:
    """Circle area in proportion to clinicians, line width growing with the ties between two departments."""
    n = 4_000
    dept = np.where(np.arange(n) < 400, 0, np.arange(n) % len(DEPARTMENTS))  # department 0 bigger
    members = [np.flatnonzero(dept == d) for d in range(len(DEPARTMENTS))]
    ties = np.r_[
        np.c_[members[0][:300], members[1][:300]],  # 300 ties between departments 0 and 1
        np.c_[members[0][:30], members[2][:30]],  # 30 between 0 and 2
    ]
    snap = snapshot(n, ties)
    snap["department"] = dept
    circles: list[Any] = []
    widths: list[np.ndarray] = []
    real_collection = network.PatchCollection
    real_lines = network.LineCollection

    def patches(items, *args, **kwargs):
        circles.append(items)
        return real_collection(items, *args, **kwargs)

    def lines(segments, *args, **kwargs):
        widths.append(np.asarray(kwargs["linewidths"]))
        return real_lines(segments, *args, **kwargs)

    monkeypatch.setattr(network, "PatchCollection", patches)
    monkeypatch.setattr(network, "LineCollection", lines)
    network.plot_network(snap, tmp_path / "att.png", color_by="attitude")
    sizes = np.bincount(snap["department"])
    radii = np.array([c.radius for c in circles[0]])
    assert np.allclose((radii / radii.max()) ** 2, sizes / sizes.max())
    [w] = widths
    assert len(w) == 2 and w[0] > 5 * w[1]  # 300 ties against 30


def test_the_report_caption_says_what_the_network_picture_shows(tmp_path) -> None:
    out = run_no_report(tmp_path / "run")
    ties = random_ties(400, 5_000)  # mean degree 25: drawn clinician by clinician, a sample of the ties
    sampled = {"baseline": {"start": snapshot(400, ties), "end": snapshot(400, ties, 10)}}
    write_run_report(out, sampled)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "4,000 of 5,000 ties drawn (a random sample)." in text
    dense = {"baseline": {"start": snapshot(150, complete_ties(150)), "end": snapshot(150, complete_ties(150), 10)}}
    write_run_report(out, dense)
    text = (out / "report.md").read_text(encoding="utf-8")
    assert DEPARTMENT_HINT in text
    assert "Drawn by department (mean degree 149, above 50): 150 clinicians, 11,175 ties." in text
    assert "Each dot is a clinician" not in text


# --------------------------------------------------------------------------
# --no-report
# --------------------------------------------------------------------------
SMALL = "[run]\nreplications = 2\nsteps = 10\n\n[population]\nn = 150\n"
TABLES = {
    "steps.csv",
    "replications.csv",
    "scenarios.csv",
    "comparison.csv",
    "targets.csv",
    "groups.csv",
    "network.csv",
    "clinicians.csv",  # replication 0's clinicians (issue 17)
    "diagnostics.csv",  # Moran's I, the adopter-tie test, Rogers categories (issue 17)
}
# With parameter worlds (the default): both intervals, drivers, ranges and draws (simulation/results/uncertainty.py).
UNCERTAINTY = {"uncertainty.csv", "drivers.csv", "unknowns.csv", "worlds.csv", "world_means.csv"}


def run_no_report(out: Path, *extra: str) -> Path:
    scenario = write_scenario(out.parent / "baseline.toml", SMALL, extends=BASELINE)
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--workers", "1", "-q", *extra])
    assert result.exit_code == 0, result.output
    return out


def written_files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def with_parquet(names: set[str]) -> set[str]:
    """The default --format both: each CSV table has its Parquet twin, and datapackage.json describes them."""
    return names | {n.replace(".csv", ".parquet") for n in names if n.endswith(".csv")} | {"datapackage.json"}


def test_no_report_writes_the_tables_and_the_manifest_but_no_pictures_or_report(tmp_path) -> None:
    scenario = write_scenario(tmp_path / "baseline.toml", SMALL, extends=BASELINE)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--workers", "1", "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    assert written_files(out) == with_parquet(TABLES | UNCERTAINTY | {"summary.json", "manifest.json"})
    assert not list(out.rglob("*.png")) and not (out / "plots").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["report"].startswith("skipped (--no-report)")
    assert manifest["timings_seconds"]["report"] < 0.5  # nothing drawn
    steps = pd.read_csv(out / "steps.csv")
    assert len(steps) == 2 * 11 and set(steps["replication"]) == {0, 1}
    closing = result.output.strip().splitlines()[-1]
    assert closing.endswith("/ (steps.csv, summary.json, manifest.json; no report: --no-report)"), closing

    # the same run with the report: the same tables, byte for byte, and the report beside them
    full = tmp_path / "full"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(full), "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert {"report.md", "report.html"} <= written_files(full) and list((full / "plots").glob("*.png"))
    assert json.loads((full / "manifest.json").read_text())["report"] == "written"
    for name in TABLES | UNCERTAINTY | {"summary.json"}:
        assert (out / name).read_bytes() == (full / name).read_bytes(), name


def test_compare_takes_no_report_too(tmp_path) -> None:
    baseline = write_scenario(tmp_path / "baseline.toml", SMALL, extends=BASELINE)
    workshops = write_scenario(tmp_path / "workshops.toml", SMALL, extends=WORKSHOPS)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["compare", str(baseline), str(workshops), "--out", str(out), "--workers", "1", "-q", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    assert written_files(out) == with_parquet(TABLES | UNCERTAINTY | {"effects.csv", "summary.json", "manifest.json"})
    assert json.loads((out / "manifest.json").read_text())["report"].startswith("skipped")
    assert set(pd.read_csv(out / "comparison.csv")["scenario"]) == {"workshops"}


def test_no_report_is_refused_for_a_sweep_with_a_message(tmp_path) -> None:
    design = '\n[sweep]\ndesign = "factorial"\n\n[[sweep.parameters]]\nkey = "population.n"\nvalues = [100, 150]\n'
    sweep = write_scenario(tmp_path / "sweep.toml", SMALL + design, extends=BASELINE)
    result = CliRunner().invoke(app, ["run", str(sweep), "--out", str(tmp_path / "out"), "--no-report"])
    assert result.exit_code == 2
    assert "--no-report" in result.output and "[sweep]" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
