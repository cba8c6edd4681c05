"""Tables as Parquet (simulation.results.table_files): typed columns with the same values as the CSV
files, the manifest in the file metadata, datapackage.json describing every column, `--format`, and a
report from Parquet files alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, WORKSHOPS, write_scenario
from typer.testing import CliRunner

from simulation.cli import app
from simulation.results import table_files
from simulation.results.columns import UNKNOWN
from simulation.results.table_files import (
    TableStream,
    arrow_schema,
    formats_for,
    read_manifest,
    read_table,
    table_names,
    write_table,
)
from simulation.results.tables import restored

ARROW_OF_FIELD = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string(), "boolean": pa.bool_()}
RUN_TABLES = {"steps", "replications", "scenarios", "comparison", "targets", "groups", "network", "effects"}
UNCERTAINTY_TABLES = {"uncertainty", "drivers", "unknowns", "worlds", "world_means"}


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


def _csv(folder: Path, stem: str, text: list[str] | None = None) -> pd.DataFrame:
    options = {"dtype": dict.fromkeys(text, str)} if text else {}
    return restored(pd.read_csv(folder / f"{stem}.csv", keep_default_na=False, na_values=[""], **options))


def test_a_library_compare_writes_every_table_in_both_formats_with_the_same_values(small_library_run):
    folder = small_library_run
    stems = table_names(folder)
    assert RUN_TABLES | UNCERTAINTY_TABLES <= set(stems)
    for stem in stems:
        assert (folder / f"{stem}.csv").is_file() and (folder / f"{stem}.parquet").is_file(), stem
        typed = pq.read_table(folder / f"{stem}.parquet")
        strings = [field.name for field in typed.schema if pa.types.is_string(field.type)]
        text = _csv(folder, stem, strings)  # text columns as text (ids such as "1" stay text)
        assert typed.column_names == list(text.columns), stem
        assert typed.num_rows == len(text), stem
        frame = typed.to_pandas()
        for name, field in zip(typed.column_names, typed.schema, strict=True):
            assert field.type in (pa.int64(), pa.float64(), pa.string(), pa.bool_()), (stem, name, field.type)
            if pa.types.is_floating(field.type):
                # the CSV holds 10 significant digits; the Parquet file every digit
                np.testing.assert_allclose(frame[name], text[name].astype(float), rtol=1e-9, atol=1e-12)
            elif pa.types.is_integer(field.type):
                assert frame[name].tolist() == text[name].tolist(), (stem, name)
            else:
                assert frame[name].fillna("").astype(str).tolist() == text[name].fillna("").astype(str).tolist()


def test_steps_are_integers_and_floats_and_scenario_names_are_text(small_library_run):
    schema = pq.read_schema(small_library_run / "steps.parquet")
    assert schema.field("scenario").type == pa.string()
    assert schema.field("replication").type == schema.field("step").type == pa.int64()
    assert schema.field("share_skeptical").type == pa.float64()
    steps = pd.read_csv(small_library_run / "steps.csv")
    assert pq.ParquetFile(small_library_run / "steps.parquet").metadata.num_rows == len(steps)


def test_every_column_of_a_compare_is_described_in_datapackage_json_with_its_parquet_type(small_library_run):
    folder = small_library_run
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    resources = {r["path"]: r for r in package["resources"]}
    expected = {f"{stem}.{kind}" for stem in table_names(folder) for kind in ("csv", "parquet")}
    assert set(resources) == expected
    unknown = []
    for path, resource in resources.items():
        assert (folder / path).is_file() and resource["format"] == path.rsplit(".", 1)[1]
        fields = resource["schema"]["fields"]
        schema = pq.read_schema(folder / path.replace(".csv", ".parquet"))
        assert [f["name"] for f in fields] == schema.names, path
        for field in fields:
            assert ARROW_OF_FIELD[field["type"]] == schema.field(field["name"]).type, (path, field)
            if field["description"] == UNKNOWN or not field["description"].strip():
                unknown.append(f"{path}: {field['name']}")
    assert not unknown, "columns without a description (simulation/results/columns.py): " + ", ".join(unknown)
    steps = {f["name"]: f for f in resources["steps.parquet"]["schema"]["fields"]}
    assert steps["share_skeptical"]["unit"] == "fraction of clinicians"
    assert "week" in steps["step"]["unit"]


def test_the_manifest_is_in_every_parquet_file_without_the_timings(small_library_run):
    folder = small_library_run
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for stem in table_names(folder):
        inside = read_manifest(folder / f"{stem}.parquet")
        assert inside is not None, stem
        assert [s["scenario_hash"] for s in inside["scenarios"]] == [s["scenario_hash"] for s in manifest["scenarios"]]
        assert inside["root_seed"] == manifest["root_seed"] and inside["git"] == manifest["git"]
        assert not {"timings_seconds", "started_at", "command", "workers", "resumed"} & set(inside)


@pytest.fixture(scope="module")
def parquet_only(tmp_path_factory) -> tuple[Path, Path]:
    """A small plan against its baseline, run twice with --format parquet and without the report (the
    report from Parquet files alone: tests/test_data_recipes.py); the plan's name starts like a
    spreadsheet formula."""
    folder = tmp_path_factory.mktemp("parquet_only")
    body = "[run]\nreplications = 3\nsteps = 8\n\n[population]\nn = 120\n\n[uncertainty]\nworlds = 0\n"
    write_scenario(folder / "base.toml", body, extends=BASELINE)
    plan = write_scenario(
        folder / "plan.toml", body + '\n[scenario]\nname = "=plan+1"\ncompare_to = "base.toml"\n', extends=WORKSHOPS
    )
    outs = folder / "one", folder / "two"
    for out in outs:
        result = invoke("run", str(plan), "--out", str(out), "--quiet", "--format", "parquet", "--no-report")
        assert result.exit_code == 0, result.output
        assert "steps.parquet" in result.output and "steps.csv" not in result.output
    return outs


def test_the_same_run_gives_the_same_parquet_bytes_and_no_csv(parquet_only):
    one, two = parquet_only
    names = sorted(p.name for p in one.iterdir() if p.name != "manifest.json")
    assert not any(name.endswith(".csv") for name in names)
    assert {"steps.parquet", "replications.parquet", "comparison.parquet", "datapackage.json"} <= set(names)
    assert sorted(p.name for p in two.iterdir() if p.name != "manifest.json") == names
    assert [(two / n).read_bytes() for n in names] == [(one / n).read_bytes() for n in names]


def test_parquet_text_is_not_defused_but_csv_text_is(parquet_only, tmp_path):
    scenarios = read_table(parquet_only[0], "scenarios")
    assert "=plan+1" in scenarios["scenario"].tolist()  # as the user wrote it: no apostrophe
    write_table(tmp_path, "scenarios", scenarios, ("csv",))
    assert b"'=plan+1" in (tmp_path / "scenarios.csv").read_bytes()
    assert read_table(tmp_path, "scenarios")["scenario"].tolist() == scenarios["scenario"].tolist()


def test_a_bad_format_is_one_error_line_and_nothing_is_written(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", str(BASELINE), "--out", str(out), "--format", "xlsx")
    assert result.exit_code == 2
    assert result.output.strip() == "error: --format 'xlsx': not a table format; use one of csv, parquet, both"
    assert not out.exists()


def test_format_choices():
    assert formats_for("both") == ("csv", "parquet") == table_files.DEFAULT_FORMATS
    assert formats_for("Parquet") == ("parquet",) and formats_for("csv") == ("csv",)


def test_types_of_mixed_columns_and_missing_values(tmp_path):
    frame = pd.DataFrame(
        {
            "count": np.array([1, 2, 3], dtype=np.int64),
            "share": [0.5, np.nan, 0.25],
            "value": pd.Series([1, 2.5, None], dtype=object),  # a sweep key of whole and decimal values
            "whole": pd.Series([3, 4, 5], dtype=object),
            "name": ["a", "", None],
            "mixed": pd.Series(["x", 1, 2.5], dtype=object),
        }
    )
    schema = arrow_schema(frame)
    assert [schema.field(c).type for c in frame.columns] == [
        pa.int64(), pa.float64(), pa.float64(), pa.int64(), pa.string(), pa.string()
    ]  # fmt: skip
    write_table(tmp_path, "t", frame, ("parquet",))
    typed = pq.read_table(tmp_path / "t.parquet")
    assert typed.column("share").null_count == 1  # NaN is missing, as the CSV's empty cell
    assert typed.column("name").to_pylist() == ["a", None, None]
    assert typed.column("mixed").to_pylist() == ["x", "1", "2.5"]


def test_a_streamed_table_is_written_in_row_groups_equal_to_the_csv(tmp_path, monkeypatch):
    monkeypatch.setattr(table_files, "ROW_GROUP_ROWS", 250)
    stream = TableStream(tmp_path, "steps", ("csv", "parquet"))
    rng = np.random.default_rng(3)
    parts = []
    for part in range(7):
        frame = pd.DataFrame(
            {"scenario": f"s{part % 2}", "replication": np.arange(100) + 100 * part, "value": rng.random(100)}
        )
        parts.append(frame)
        stream.write(frame)
    stream.close({"baseline": "s0", "timings_seconds": {"total": 1.0}})
    whole = pd.concat(parts, ignore_index=True)
    assert pq.ParquetFile(tmp_path / "steps.parquet").metadata.num_row_groups == 3  # 300 + 300 + 100 rows
    pd.testing.assert_frame_equal(read_table(tmp_path, "steps"), whole)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "steps.csv")["value"], whole["value"], rtol=1e-9)
    assert read_manifest(tmp_path / "steps.parquet") == {"baseline": "s0"}


def test_read_table_prefers_parquet_and_as_csv_gives_the_csv_numbers(tmp_path):
    frame = pd.DataFrame({"scenario": ["a", "b"], "x": [1 / 3, 0.1425]})
    write_table(tmp_path, "t", frame)
    assert read_table(tmp_path, "t")["x"].tolist() == frame["x"].tolist()  # every digit, from Parquet
    from_csv = pd.read_csv(tmp_path / "t.csv")["x"].tolist()
    assert read_table(tmp_path, "t", as_csv=True)["x"].tolist() == from_csv
    (tmp_path / "t.parquet").unlink()
    assert read_table(tmp_path, "t")["x"].tolist() == from_csv
