"""Property: whatever a scenario file holds, the loader accepts it or raises ScenarioError, never anything else.

Hypothesis generates documents: real table and key names (and misspelt or unknown ones), values of
every TOML type including out-of-range numbers, text, lists, nested tables, `[[interventions]]` of
real and unknown kinds, `[sweep]` / `[sensitivity]` tables, `extends` to missing, odd or circular
paths; and raw text that may not be TOML at all. Files are data: a value that looks like code is
only ever a string.
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulation.errors import ScenarioError
from simulation.scenario import Scenario, load_scenario
from simulation.scenario.interventions import CONFIGS
from simulation.scenario.schema import Scenario as _Schema

SECTIONS = {name: sorted(field.annotation.model_fields) for name, field in _Schema.model_fields.items()
            if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields")}  # fmt: skip
INTERVENTION_KEYS = sorted({key for config in CONFIGS.values() for key in config.model_fields})
NAMES = st.sampled_from(sorted({k for keys in SECTIONS.values() for k in keys} | set(INTERVENTION_KEYS)))
KEYS = st.one_of(
    NAMES, NAMES.map(lambda k: k[:-1] or "x"), st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)
)

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    TEXT,
    st.sampled_from(
        ["__import__('os').system('echo pwned')", "skeptics", "random", "workshop", "file", "hospital", "../x.toml"]
    ),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=6)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def table(keys: st.SearchStrategy) -> st.SearchStrategy:
    return st.dictionaries(keys, VALUES, max_size=5)


@st.composite
def documents(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(
            f"extends = {toml_value(draw(st.one_of(st.sampled_from(['self.toml', 'missing.toml', '', '.', '/']), TEXT, st.integers(), st.text(min_size=260, max_size=5000))))}"
        )
    for section in draw(st.lists(st.one_of(st.sampled_from(sorted(SECTIONS)), KEYS), max_size=4, unique=True)):
        keys = st.one_of(st.sampled_from(SECTIONS.get(section, ["x"])), KEYS)
        lines.append(f"[{json.dumps(section)}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in draw(table(keys)).items()]
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[interventions]]")
        body = draw(table(st.one_of(st.sampled_from(INTERVENTION_KEYS), KEYS)))
        if draw(st.booleans()):
            body["kind"] = draw(st.one_of(st.sampled_from(sorted(CONFIGS)), TEXT))
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in body.items()]
    for experiment in draw(st.lists(st.sampled_from(["sweep", "sensitivity"]), max_size=1)):
        lines.append(f"[[{experiment}.parameters]]")
        parameter = draw(table(st.sampled_from(["key", "values", "low", "high", "step", "points"])))
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in parameter.items()]
    return "\n".join(lines) + "\n"


def check(folder: Path, text: str) -> None:
    path = folder / "self.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        assert str(exc).strip(), "an empty message"
        return
    assert isinstance(scenario, Scenario)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=documents())
@example(text='extends = "' + "x" * 5000 + '"\n')
def test_generated_documents_load_or_raise_scenario_error(tmp_path, text):
    check(tmp_path, text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(
        st.sampled_from(list("[]=\"'.#\n ,{}0123456789abcdefghijklmnopqrstuvwxyz_-+") + ["\x00", "é"]), max_size=80
    )
)
def test_arbitrary_text_loads_or_raises_scenario_error(tmp_path, text):
    check(tmp_path, text)


def test_values_that_look_like_code_stay_text(tmp_path):
    path = tmp_path / "code.toml"
    path.write_text("[scenario]\ndescription = \"__import__('os').system('touch pwned')\"\n", encoding="utf-8")
    assert load_scenario(path).scenario.description == "__import__('os').system('touch pwned')"
    assert not (tmp_path / "pwned").exists()


def test_relative_paths_resolve_against_the_file_not_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "base.toml").write_text("[population]\nn = 77\n", encoding="utf-8")
    (tmp_path / "a" / "b" / "child.toml").write_text(
        'extends = "../base.toml"\n[scenario]\ncompare_to = "../base.toml"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(Path("a/b/child.toml"))
    assert scenario.population.n == 77
    assert scenario.compare_to_path.resolve() == (tmp_path / "a" / "base.toml").resolve()


@pytest.mark.parametrize("parent", ["x" * 5000, "/", ".", "", "missing.toml", "a\u00e9/../b.toml"])
def test_odd_extends_paths_are_bad_input(tmp_path, parent):
    """Found by the property test: a 5,000-character `extends` raised OSError (file name too long)."""
    path = tmp_path / "odd.toml"
    path.write_text(f"extends = {json.dumps(parent)}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(f"{path}: key 'extends'") and len(str(error.value)) < 400
