"""Where the compiled loops are cached: one folder per user, shared by every clone of the same code.

numba's own cache (`cache=True`) lives in `__pycache__` beside each source file, so a fresh clone, a
second checkout or a copied folder compiles every loop again (about 10 s on a quiet machine, close to
a minute under load). This module gives this package's compiled functions, and only them, another
place:

    $SIMULATION_CACHE_DIR, else $XDG_CACHE_HOME/clinical-ai-sim, else ~/.cache/clinical-ai-sim
      /numba/<numba version>/py<python version>/<content hash>/<module>/<numba's index and data files>

The content hash is a SHA-256 of every `*.py` file of `simulation/fast/` (the compiled loops, the
inlined random-number helpers and the constants, such as `threads.CHUNKS`, that numba freezes into the
machine code), plus the function's own file when it lies elsewhere. So two clones of the same commit,
wherever they are, share the compiled code; any change to those files gets a new folder, and never
loads code compiled from an older helper (numba's own stamp covers only the function's file). numba's
index adds the function's bytecode, its signature and the CPU. So the loops in `simulation/fast/`
import from the package only `simulation.fast` modules (tests/test_compile_cache.py checks it). The newest `KEEP` content folders of a
numba and Python version are kept; older ones are removed when a new one is made.

If that folder cannot be created or written (a read-only home, say), numba's usual places are tried
(`NUMBA_CACHE_DIR`, `__pycache__`, numba's user folder), and if none is writable a temporary folder of
this process: the model runs, only without a cache. `NUMBA_CACHE_LOCATOR_CLASSES`, if set, replaces
the whole list, as numba documents.

When it is installed: numba picks a function's cache folder when the function is decorated, that is
when its module is imported, not when `settings.configure()` runs or the function is first called. So
`simulation.fast.threads`, which every compiled loop's module imports before decorating, calls
`install()` at import: a notebook that imports the model gets the shared cache without calling
anything. This is the package's one change to a library outside it on import, and it is confined: a
cache locator put first in numba's list that answers only for functions of the `simulation` package
(it returns None for any other, which numba then places as before), and a compile-event listener that
ignores other functions.

The message: when one of these functions misses the cache and compiles (numba's "numba:compile" event
fires only then, so a warm cache prints nothing and costs nothing), a process that ran
`simulation.settings.configure()` (the command line, the browser view, the local pool's workers)
writes once to stderr "Compiling the simulation's fast loops once for this machine ..." (once for a
main process and the pool workers it started, which compile at the same time). Imported as
a library without `configure()`, the same line goes to this module's logger (INFO) instead of the
program's stderr.

`warm_up()` compiles (or loads) the loops by running a small model, for an install step or for a
command to compile once before it spawns workers (which would otherwise each compile the same loops
at the same time); `is_warm()` says cheaply (a file test) whether `warm_up()` has already run for this
code on this CPU.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numba
from numba.core import caching, event
from numba.core.registry import CPUDispatcher

ENVIRONMENT_VARIABLE = "SIMULATION_CACHE_DIR"
FOLDER = "clinical-ai-sim"
PACKAGE = "simulation"
WARM_UP_CLINICIANS = 500  # warm_up()'s population: big enough for rare events to come early
KEEP = 8  # content folders kept per numba and Python version (one per recent version of the code)
FAST = Path(__file__).resolve().parent  # simulation/fast of this copy of the package
MESSAGE = (
    "Compiling the simulation's fast loops once for this machine and version of the code "
    "(about 10 s, up to a minute when the machine is busy; cached in {where}) ..."
)

log = logging.getLogger(__name__)
_config: Any = numba.config
_announced = False
_installed = False
_checked: set[str] = set()  # cache folders found writable by this process


def cache_root() -> Path:
    """The per-user root of the cache: `$SIMULATION_CACHE_DIR`, else `$XDG_CACHE_HOME/clinical-ai-sim`,
    else `~/.cache/clinical-ai-sim` (relative XDG paths are ignored, as the XDG specification says)."""
    override = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / FOLDER


def version_folder() -> Path:
    """The folder of this numba and Python version, holding one folder per version of the code."""
    return cache_root() / "numba" / numba.__version__ / f"py{sys.version_info[0]}.{sys.version_info[1]}"


@functools.cache
def content_hash(source: str | None = None) -> str:
    """SHA-256 (hex) of the contents of every `*.py` file of `simulation/fast/` and of `source` if it
    is not one of them: the version of the code a compiled function is cached under."""
    digest = hashlib.sha256()
    files = sorted(FAST.glob("*.py"))
    if source is not None and Path(source).resolve() not in files:
        files.append(Path(source).resolve())
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def code_folder(source: str | None = None) -> Path:
    """The folder of the compiled loops of this version of the code (`source`: see `content_hash`)."""
    return version_folder() / content_hash(source)[:20]


def _ours(py_func: Any, py_file: str) -> bool:
    module = getattr(py_func, "__module__", None) or ""
    return module.split(".")[0] == PACKAGE and py_file.endswith(".py") and os.path.isfile(py_file)


class ProjectCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """numba cache locator for this package's functions: the per-user folder of the module docstring,
    with the content hash as numba's source stamp. None for any other function (numba's own locators
    then place it)."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._stamp = content_hash(py_file)
        self._code_folder = code_folder(py_file)
        self._cache_path = str(self._code_folder / py_func.__module__)

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> str:
        return self._stamp

    def ensure_cache_path(self) -> None:
        path = self._cache_path
        if path in _checked:
            os.makedirs(path, exist_ok=True)  # again, in case another process pruned it meanwhile
            return
        new = not self._code_folder.exists()
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()  # writable? (OSError if not: numba tries the next locator)
        _checked.add(path)
        if new:
            _prune(self._code_folder)
        else:
            _touch(self._code_folder)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> ProjectCacheLocator | None:
        if not _ours(py_func, py_file):
            return None
        try:
            self = cls(py_func, py_file)
            self.ensure_cache_path()
        except (OSError, RuntimeError):  # unwritable or no home folder: numba's usual places
            return None
        return self


class TemporaryCacheLocator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """The last resort for this package's functions when no cache folder is writable (numba itself
    would refuse to decorate them): a temporary folder of this process, removed at exit."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = _temporary_folder()

    def get_cache_path(self) -> str:
        return self._cache_path

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> TemporaryCacheLocator | None:
        if not _ours(py_func, py_file):
            return None
        try:
            return cls(py_func, py_file)
        except OSError:
            return None


@functools.cache
def _temporary_folder() -> str:
    import atexit

    folder = tempfile.mkdtemp(prefix="simulation-numba-")
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _touch(folder: Path) -> None:
    """Mark a content folder as used now (pruning keeps the most recently used)."""
    try:
        os.utime(folder)
    except OSError:
        pass


def _prune(current: Path) -> None:
    """Remove all but the `KEEP` most recently used content folders beside `current`."""
    try:
        folders = [p for p in current.parent.iterdir() if p.is_dir() and p != current]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in folders[KEEP - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


class _Announcer(event.Listener):
    """Says once per process, and once per family of processes, that this package's loops are being
    compiled (numba's compile event fires only on a cache miss)."""

    def on_start(self, event: event.Event) -> None:
        global _announced
        if _announced:
            return
        dispatcher = (event.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", None) or ""
        if dispatcher is None or module.split(".")[0] != PACKAGE:
            return
        where = dispatcher.stats.cache_path  # None: caching off for this function (an inlined helper)
        if where is None:
            return
        _announced = True
        path = Path(where)
        ours = path.parent.parent == version_folder()
        text = MESSAGE.format(where=path.parent if ours else path)
        if not _configured():
            log.info(text)
        elif not ours or _first_in_family(path.parent):
            print(text, file=sys.stderr, flush=True)

    def on_end(self, event: event.Event) -> None:
        pass


def _first_in_family(folder: Path) -> bool:
    """Whether this process is the first of its family (a main process and the pool workers it started,
    which compile the same loops at the same time) to announce compiling into `folder`: one line, not
    one per worker. The claim is a file named after the main process's id, stale after ten minutes
    (process ids are reused)."""
    family = os.getppid() if multiprocessing.parent_process() is not None else os.getpid()
    claim = folder / f".announced-{family}"
    try:
        if claim.exists() and time.time() - claim.stat().st_mtime > 600:
            claim.unlink()
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    except OSError:
        pass
    return True


def _configured() -> bool:
    settings = sys.modules.get("simulation.settings")
    return bool(getattr(settings, "configured", False))


def install() -> None:
    """Put `ProjectCacheLocator` first and `TemporaryCacheLocator` last in numba's list of cache
    locators, and listen for compilations (idempotent). Called by `simulation.fast.threads` at import,
    before any compiled function is decorated."""
    global _installed
    if _installed:
        return
    classes = caching.CacheImpl._locator_classes
    if ProjectCacheLocator not in classes:
        classes.insert(0, ProjectCacheLocator)
    if TemporaryCacheLocator not in classes:
        classes.append(TemporaryCacheLocator)
    event.register("numba:compile", _Announcer())
    _installed = True


def _marker(parallel: bool) -> Path:
    """The file `warm_up()` leaves in the code folder: named after the forms compiled and the CPU,
    which numba's index keys on."""
    from llvmlite import binding
    from numba.core.codegen import get_host_cpu_features

    cpu = _config.CPU_NAME or binding.get_host_cpu_name()
    features = _config.CPU_FEATURES or get_host_cpu_features()
    tag = hashlib.sha256(f"{cpu}\0{features}".encode()).hexdigest()[:12]
    return code_folder() / f"warm-{'all' if parallel else 'serial'}-{cpu}-{tag}"


def is_warm(parallel: bool = False) -> bool:
    """Whether `warm_up()` has run for this version of the code on this CPU, with the parallel forms
    too if `parallel` (a file test or two, about a millisecond; always False when the per-user folder
    is unwritable)."""
    try:
        return _marker(True).is_file() or (not parallel and _marker(False).is_file())
    except (OSError, RuntimeError):
        return False


def warm_up(scenarios: Any = None, weeks: int = 26, parallel: bool = False) -> dict[str, int]:
    """Compile the loops a run needs, or load them from the cache, by running a small model.

    `scenarios`: a scenario or a list of them (default: the default scenario), each run with at most
    `WARM_UP_CLINICIANS` clinicians when its network is generated (a network from files keeps its
    size) until every compiled loop of the package has run or `weeks` weeks have passed (some loops
    serve only some rules, or rare events: at 500 clinicians the first incident comes in week 1 or 2,
    at 60 in week 3 to 32). The serial forms are compiled and, if `parallel` and numba has more than
    one thread, the parallel forms too (used only from `threads.PARALLEL_FROM` clinicians and outside
    worker processes). Measured on the 2-core machine of docs/PERFORMANCE.md at load 1.7: serial forms
    about 10 s, both 33 s; loading them from a warm cache about a second. A loop these scenarios do not
    reach compiles when a later run first calls it. Returns how many (function, signature) pairs were
    loaded from the cache (`hits`) and compiled (`misses`) in this process, and leaves the marker that
    `is_warm()` tests."""
    from simulation.fast import threads
    from simulation.model import ClinicianModel
    from simulation.scenario.schema import Scenario

    if scenarios is None:
        scenarios = [Scenario()]
    elif isinstance(scenarios, Scenario):
        scenarios = [scenarios]
    parallel = parallel and _config.NUMBA_NUM_THREADS > 1
    for on_threads in [False, True] if parallel else [False]:
        with threads.every_call_parallel() if on_threads else contextlib.nullcontext():
            for scenario in scenarios:
                if scenario.network.generator != "file":
                    n = min(scenario.population.n, WARM_UP_CLINICIANS)
                    population = scenario.population.model_copy(update={"n": n})
                    scenario = scenario.model_copy(update={"population": population})
                model = ClinicianModel(scenario, with_agents=False)
                for _ in range(weeks):
                    model.step()
                    if all(d.signatures for d in dispatchers(parallel=on_threads)):
                        break
    try:
        marker = _marker(parallel)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except (OSError, RuntimeError):
        pass
    return statistics()


def dispatchers(parallel: bool | None = None) -> list[Any]:
    """The compiled functions (numba dispatchers) of this package's modules imported so far: both
    forms of each `threads.compiled` loop (only the serial or only the parallel ones if `parallel`
    is False or True), and every `numba.njit(cache=True)` function at module level."""
    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] != PACKAGE:
            continue
        for value in list(vars(module).values()):
            forms = {"serial": getattr(value, "serial", None), "parallel": getattr(value, "parallel", None)}
            if forms["serial"] is None:
                candidates = [value] if parallel is not True else []
            elif parallel is None:
                candidates = list(forms.values())
            else:
                candidates = [forms["parallel" if parallel else "serial"]]
            for candidate in candidates:
                if isinstance(candidate, CPUDispatcher) and candidate.stats.cache_path is not None:
                    found[id(candidate)] = candidate
    return list(found.values())


def statistics() -> dict[str, int]:
    """(function, signature) pairs of this package's compiled functions loaded from the cache
    (`hits`) and compiled (`misses`) in this process so far."""
    hits = misses = 0
    for dispatcher in dispatchers():
        stats = dispatcher.stats
        hits += sum(stats.cache_hits.values())
        misses += sum(stats.cache_misses.values())
    return {"hits": hits, "misses": misses}
