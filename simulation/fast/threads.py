"""How many threads one model's compiled loops use, and the guard that makes them safe to call
from several Python threads.

The loops split their work into a fixed number of chunks (`CHUNKS`), whatever the number of threads,
and add partial sums in chunk order: results are identical to the last bit with 1 or 8 threads, so
a replication gives the same bytes on a laptop, in a process pool or on a Dask worker. Numba's
portable `workqueue` threading layer is meant (no TBB or OpenMP needed, safe with spawned processes):
`simulation.settings.configure()` selects it (the CLI and the view call it; a program that does not
gets numba's default layer and the same bits). It must not be entered by two Python threads at once
(the browser view can step models from several threads), so parallel calls hold one lock. Small
populations run serially (`PARALLEL_FROM`), and processes that already run one replication per core
(the local pool's and Dask's worker processes, which are child processes) run serially too
(`single_threaded` does the same by hand).

Both decorators cache the machine code on disk (`cache=True`) in the per-user folder of
`simulation.fast.cache`, shared by every clone of the same code; this module installs that cache
location at import, before any loop is decorated (numba picks a function's cache folder then).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import threading
import types
from collections.abc import Iterator

import numba
import numpy as np

from simulation.fast import cache

cache.install()  # before the first decorator below runs: see simulation/fast/cache.py

CHUNKS = 64  # work units of a parallel loop (fixed: the partial sums' order never depends on threads)
# Clinicians from which the loops run on threads. Measured on the 2-core machine of
# docs/PERFORMANCE.md (mean step, serial vs threads): 100,000 12.4 vs 26.6 ms, 300,000 41 vs 45 ms,
# 600,000 93 vs 77 ms, 1,000,000 190 vs 121 ms: starting the threads costs more below about 400,000.
PARALLEL_FROM = 500_000
_LOCK = threading.RLock()
# Worker processes (the local pool's spawned workers, Dask's nanny-started workers) already run one
# replication per core: they run serially.
_allowed = multiprocessing.parent_process() is None


def compiled(function):
    """Compile `function` with numba twice, lazily: serially (`numba.prange` runs as `range`) and
    with parallel loops; cached on disk (`simulation.fast.cache`), releasing the GIL. A call runs the
    parallel form, under this module's lock, when threads are allowed and the first array argument
    (or integer size) has at least `PARALLEL_FROM` entries; both forms give the same bits."""
    serial = numba.njit(cache=True, nogil=True)(function)
    parallel = numba.njit(cache=True, nogil=True, parallel=True)(_renamed(function, "_parallel"))

    @functools.wraps(function)
    def call(*args):
        if _allowed and _size(args) >= PARALLEL_FROM and numba.config.NUMBA_NUM_THREADS > 1:
            with _LOCK:
                return parallel(*args)
        return serial(*args)

    call.serial, call.parallel = serial, parallel
    return call


def compiled_serial(function):
    """`numba.njit` with the project's options, never on threads: for reductions over the
    clinicians, which measured slower on this machine's threads than on one (a million clinicians:
    the outcome sums 8 ms on one thread against 20 ms on two, adoption tracking 6 against 10)."""
    return numba.njit(cache=True, nogil=True)(function)


def _renamed(function, suffix: str):
    """A copy of `function` under another qualified name, so that its on-disk cache (named after
    it) does not share an index with the serial form's."""
    copy = types.FunctionType(
        function.__code__, function.__globals__, function.__name__ + suffix, function.__defaults__, function.__closure__
    )
    copy.__qualname__ = function.__qualname__ + suffix
    copy.__module__ = function.__module__
    copy.__doc__ = function.__doc__
    return copy


def _size(args) -> int:
    for arg in args:
        if isinstance(arg, np.ndarray):
            return arg.shape[0] if arg.ndim else 0
        if isinstance(arg, int):
            return arg
    return 0


@contextlib.contextmanager
def every_call_parallel() -> Iterator[None]:
    """Within this block every `compiled` call of this process runs the parallel form, whatever its
    size (for `simulation.fast.cache.warm_up`, which compiles both forms on a small model)."""
    global PARALLEL_FROM, _allowed
    saved = PARALLEL_FROM, _allowed
    PARALLEL_FROM, _allowed = 0, True
    try:
        yield
    finally:
        PARALLEL_FROM, _allowed = saved


def single_threaded() -> None:
    """Make this process's compiled loops use one thread (for pool and cluster workers, where the
    replications already keep every core busy)."""
    global _allowed
    _allowed = False
