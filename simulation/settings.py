"""Process-wide settings, made only when asked: `configure()`.

Importing any module of the package changes nothing outside it, with one confined exception:
importing the compiled loops (`simulation.fast.threads`) tells numba where to cache this package's
functions, and only those (`simulation.fast.cache`: a per-user folder shared by every clone). That
cannot wait for `configure()`, since numba fixes a function's cache folder when the function is
decorated, at import; so a notebook that never calls `configure()` gets the shared cache too.

The command line (`simulation.cli.main`), the browser view's server and the local pool's worker
processes call `configure()` once at start-up; a notebook or another program may call it too, or not:
the results are the same bits either way, only the speed differs.

`configure()` does two things (and one announcement):

- numba's threading layer becomes the portable `workqueue` (`simulation.fast.threads`: no TBB or
  OpenMP needed, safe with spawned processes). Without it numba picks its default layer, which gives
  the same results (the loops' chunking fixes the order of every sum).
- glibc keeps freed memory for the next big array and numpy stops asking for transparent huge pages
  (`simulation.fast.memory.keep_freed_memory`, docs/PERFORMANCE.md): faster steps at a million clinicians.

A configured process also says so on stderr when it compiles the loops (a cold cache, once per
process: `simulation.fast.cache`); an unconfigured one logs that line instead (logger
`simulation.fast.cache`, INFO).

It loads neither numba nor numpy (`simulate --help` stays fast): where they are not imported yet it
sets the environment variables they read when they are (NUMBA_THREADING_LAYER, NUMPY_MADVISE_HUGEPAGE;
child processes inherit them), and where they are it sets their options directly.
"""

from __future__ import annotations

import os
import sys

THREADING_LAYER = "workqueue"
configured = False  # True once configure() has run in this process


def configure() -> None:
    """Set numba's threading layer and the allocator settings for this process (idempotent).

    Call it before the first model step: numba fixes its threading layer when a parallel loop first runs."""
    global configured
    if configured:
        return
    if "numba" in sys.modules:
        sys.modules["numba"].config.THREADING_LAYER = THREADING_LAYER
    else:
        os.environ["NUMBA_THREADING_LAYER"] = THREADING_LAYER
    from simulation.fast.memory import keep_freed_memory

    keep_freed_memory()
    configured = True
