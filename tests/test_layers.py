"""The layers: the scenario is pure data (checking a file loads no numerics), no import cycles, no
module reaching into another's private names."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulation"
HEAVY = ("numba", "scipy", "networkx", "matplotlib", "mesa", "pandas")

REPORT = f"""
import json, sys
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))
sys.__stdout__.write('\\n' + json.dumps(heavy) + '\\n')
"""
CLI = """
import sys
from simulation import cli
sys.argv = ['simulate', *{args!r}]
try:
    cli.main()
except SystemExit:
    pass
"""


def _heavy_after(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code + REPORT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import simulation.scenario",
        "from simulation.scenario import load_scenario\n"
        "load_scenario('scenarios/workshops.toml')\nload_scenario('scenarios/combined.toml')",
        CLI.format(args=["--help"]),
        CLI.format(args=["check", "scenarios/workshops.toml"]),
        CLI.format(args=["schema"]),
    ],
    ids=["import", "load", "cli-help", "cli-check", "cli-schema"],
)
def test_scenario_layer_loads_no_numerics(code):
    """Reading and checking a scenario file (and the CLI's help) loads none of the numerical stack."""
    assert _heavy_after(code) == []


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _top_level_imports(tree: ast.Module):
    """Import nodes run when the module is imported: not inside functions, not under TYPE_CHECKING."""

    def walk(nodes):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, (ast.Try, ast.With)):
                yield from walk(node.body)
                for handler in getattr(node, "handlers", []):
                    yield from walk(handler.body)

    yield from walk(tree.body)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def test_no_module_imports_a_private_name_of_another():
    offenders = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulation"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    offenders.append(f"{name}: from {node.module} import {', '.join(private)}")
    assert offenders == []


def test_no_import_cycles_except_agents_and_model():
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _top_level_imports(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = _resolve(name, node, path.name == "__init__.py")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    allowed = {frozenset({"simulation.agents", "simulation.model"})}
    assert [sorted(c) for c in cycles if frozenset(c) not in allowed] == []


def test_every_intervention_kind_is_listed_once_with_its_behaviour():
    """Each kind's config names an importable behaviour class, a label and a distinct acting rank."""
    from simulation.interventions.registry import ORDER, behaviour
    from simulation.scenario.interventions import CONFIGS

    assert sorted(ORDER) == sorted(CONFIGS)
    assert len({config.acting_rank for config in CONFIGS.values()}) == len(CONFIGS)
    for kind, config in CONFIGS.items():
        assert config.label and behaviour(kind).__name__ == config.behaviour.rpartition(":")[2]
