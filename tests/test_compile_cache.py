"""The compiled loops' per-user cache (`simulation.fast.cache`).

Each check runs fresh Python processes on copies of the package in temporary folders, with the cache
in a temporary folder (`SIMULATION_CACHE_DIR`), and reads numba's own counters (`dispatcher.stats`:
loaded from the cache = hit, compiled = miss), so nothing depends on timing:

- a second copy of the same code at another path (a fresh clone) loads the loops the first compiled,
  and changing a file of `simulation/fast/` makes them compile again (never stale machine code);
- the message is printed on a cold cache, once (also for two workers compiling at once), and not on
  a warm one;
- an unwritable cache folder falls back to numba's usual place, and with nothing writable the loops
  still run (a temporary folder);
- every compiled loop of the package is placed in the per-user cache, and the loops' modules import
  from the package only what the cache's key covers.

The probe is a small module of its own inside each copy (compiled by the package's decorators), so
the checks do not depend on the model's loops and their signatures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MESSAGE = "Compiling the simulation's fast loops"

PROBE = """
import numba
import numpy as np

from simulation.fast.threads import compiled, compiled_serial


@compiled_serial
def total(values):
    s = 0.0
    for v in values:
        s += v
    return s


@compiled
def doubled(values, out):
    for i in numba.prange(values.shape[0]):
        out[i] = 2.0 * values[i]
"""

RUN = """
import json, sys
import numpy as np
if {configure}:
    from simulation.settings import configure
    configure()
from simulation import cache_probe
values = np.arange(10.0)
out = np.zeros(10)
cache_probe.doubled(values, out)
result = cache_probe.total(out)
stats = [cache_probe.total.stats, cache_probe.doubled.serial.stats]
sys.stdout.write(json.dumps({{
    "result": result,
    "hits": sum(sum(s.cache_hits.values()) for s in stats),
    "misses": sum(sum(s.cache_misses.values()) for s in stats),
    "paths": [s.cache_path for s in stats],
}}))
"""


def _copy(destination: Path) -> Path:
    """A copy of the package (as a fresh clone would hold it) plus the probe module."""
    shutil.copytree(REPO / "simulation", destination / "simulation", ignore=shutil.ignore_patterns("__pycache__"))
    (destination / "simulation" / "cache_probe.py").write_text(PROBE, encoding="utf-8")
    return destination


def _run(copy: Path, env: dict[str, str], configure: bool = True) -> tuple[dict, str]:
    environment = dict(env, PYTHONPATH=str(copy))
    out = subprocess.run(
        [sys.executable, "-c", RUN.format(configure=configure)],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """This process's environment (with the session's bytecode cache, tests/conftest.py) and the
    compiled loops cached in a temporary folder."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    environment["SIMULATION_CACHE_DIR"] = str(tmp_path / "cache")
    return environment


def _index_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.nbi"))


def test_a_second_clone_loads_the_loops_the_first_compiled(tmp_path, env):
    first, second = _copy(tmp_path / "clone-1"), _copy(tmp_path / "clone-2")
    cold, _ = _run(first, env)
    assert cold["result"] == 90.0
    assert cold["hits"] == 0 and cold["misses"] == 2
    cache = tmp_path / "cache"
    assert all(Path(p).is_relative_to(cache) for p in cold["paths"]), cold["paths"]
    assert len(_index_files(cache)) == 2  # total and the serial form of doubled
    assert not list(first.rglob("*.nbi"))  # nothing written beside the code

    warm, _ = _run(second, env)
    assert warm["result"] == 90.0
    assert warm["hits"] == 2 and warm["misses"] == 0
    assert warm["paths"] == cold["paths"]

    # A change to a file of simulation/fast/ (here a comment in the random numbers, which loops inline)
    # is a new version of the code: compiled again, into a folder of its own.
    random = second / "simulation" / "fast" / "random.py"
    random.write_text(random.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed, _ = _run(second, env)
    assert changed["hits"] == 0 and changed["misses"] == 2
    assert changed["paths"] != cold["paths"]
    assert len(_index_files(cache)) == 4


def test_the_message_is_printed_once_on_a_cold_cache_and_not_on_a_warm_one(tmp_path, env):
    copy = _copy(tmp_path / "clone")
    _, cold = _run(copy, env)
    assert cold.count(MESSAGE) == 1, cold  # two functions compiled, one line
    assert str(tmp_path / "cache") in cold
    _, warm = _run(copy, env)
    assert MESSAGE not in warm, warm

    # Imported as a library (no configure()), the program's stderr stays quiet.
    other = dict(env, SIMULATION_CACHE_DIR=str(tmp_path / "other-cache"))
    result, library = _run(copy, other, configure=False)
    assert result["misses"] == 2
    assert MESSAGE not in library, library


FAMILY = """
import multiprocessing, sys
import numpy as np

def work(barrier):
    from simulation.settings import configure
    configure()
    from simulation import cache_probe
    barrier.wait()  # both compile at the same time
    cache_probe.total(np.arange(3.0))

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=work, args=(barrier,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    sys.exit(max(worker.exitcode for worker in workers))
"""


def test_pool_workers_compiling_together_print_one_line(tmp_path, env):
    copy = _copy(tmp_path / "clone")
    script = copy / "family.py"
    script.write_text(FAMILY, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], cwd=copy, env=dict(env, PYTHONPATH=str(copy)), capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.count(MESSAGE) == 1, out.stderr


def test_an_unwritable_cache_folder_falls_back_without_error(tmp_path, env):
    copy = _copy(tmp_path / "clone")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    # (the tests may run as root, who may write anywhere: a folder below a file is unwritable for anyone)
    unwritable = dict(env, SIMULATION_CACHE_DIR=str(blocker / "cache"))
    first, _ = _run(copy, unwritable)
    assert first["result"] == 90.0
    in_tree = copy / "simulation" / "__pycache__"
    assert [Path(p) for p in first["paths"]] == [in_tree, in_tree]  # numba's default place
    again, _ = _run(copy, unwritable)
    assert again["hits"] == 2

    # Nothing writable at all (not even beside the code or numba's user folder): still runs, uncached.
    shutil.rmtree(in_tree)
    in_tree.write_text("", encoding="utf-8")
    nowhere = dict(unwritable, XDG_CACHE_HOME=str(blocker / "xdg"), HOME=str(blocker))
    last, _ = _run(copy, nowhere)
    assert last["result"] == 90.0 and last["misses"] == 2
    assert all(Path(p).name.startswith("simulation-numba-") for p in last["paths"]), last["paths"]


def test_every_compiled_loop_of_the_package_is_cached_per_user(tmp_path, env):
    """Importing the model's modules places each compiled loop (both forms of `threads.compiled` and any
    plain `numba.njit(cache=True)`) in the per-user cache (decided at import: nothing is compiled here)."""
    code = (
        "import json, sys\n"
        "import simulation.model\n"
        "from simulation.fast import cache\n"
        "paths = {d.py_func.__module__ + '.' + d.py_func.__qualname__: d.stats.cache_path"
        " for d in cache.dispatchers() if d.stats.cache_path is not None}\n"
        "sys.stdout.write(json.dumps(paths))\n"
    )
    environment = dict(env, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=environment, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    paths = json.loads(out.stdout)
    assert len(paths) >= 10, paths  # the model has a dozen or more compiled loops
    outside = {name: path for name, path in paths.items() if not Path(path).is_relative_to(tmp_path / "cache")}
    assert not outside, outside


def test_the_compiled_loops_read_globals_only_from_the_hashed_folder():
    """numba freezes a compiled function's globals (constants, helpers) into its machine code, and the
    cache is keyed by the contents of `simulation/fast/`: so the loops there may import from the
    package only `simulation.fast` modules (at module level), or a change elsewhere would load stale
    machine code."""
    import ast

    outside = []
    for path in sorted((REPO / "simulation" / "fast").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            outside += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "simulation"]
    assert [line for line in outside if not line.split(": ")[1].startswith("simulation.fast")] == []


def test_old_versions_of_the_code_are_pruned(tmp_path):
    from simulation.fast import cache

    versions = tmp_path / "py3.12"
    for k in range(12):
        folder = versions / f"old-{k:02d}"
        folder.mkdir(parents=True)
        os.utime(folder, (1_000_000 + k, 1_000_000 + k))  # old-11 used most recently
    current = versions / "current"
    current.mkdir()
    cache._prune(current)
    kept = sorted(p.name for p in versions.iterdir())
    assert kept == ["current", *[f"old-{k:02d}" for k in range(12 - cache.KEEP + 1, 12)]]


WARM_UP = """
import json, sys
from simulation.fast import cache
before = cache.is_warm()
counts = cache.warm_up()
sys.stdout.write(json.dumps({"before": before, "after": cache.is_warm(), **counts}))
"""


@pytest.mark.slow
def test_warm_up_compiles_the_model_loops_once(tmp_path, env):
    """`warm_up()` on a cold cache compiles the model's loops (and `is_warm()` then says so); in a new
    process it only loads them. Slow: it compiles the real loops (about 10 s on a quiet machine)."""
    environment = dict(env, PYTHONPATH=str(REPO))

    def warm_up() -> dict:
        out = subprocess.run([sys.executable, "-c", WARM_UP], cwd=REPO, env=environment, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    cold = warm_up()
    assert cold["before"] is False and cold["after"] is True
    assert cold["misses"] >= 10 and cold["hits"] == 0  # the model has a dozen or more compiled loops
    warm = warm_up()
    assert warm["before"] is True
    assert warm["misses"] == 0 and warm["hits"] >= cold["misses"] - 2  # helpers compiled only as callees
