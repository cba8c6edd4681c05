"""Allocator settings for big populations (docs/PERFORMANCE.md), made by `simulation.settings.configure()`.

A step at a million clinicians allocates and frees arrays of tens of megabytes many times. By default
glibc hands each of them to the kernel and back (mmap/munmap), and every page of every new array is
then faulted in again: on the virtual machines this runs on that costs more than the arithmetic.
`keep_freed_memory` asks glibc to serve big arrays from its heap and to keep freed memory for the next
one, so pages are faulted once per process. Peak memory is unchanged (what is kept was in use at
the peak); nothing changes off glibc. It also turns off numpy's request for transparent huge pages
on big arrays: where the kernel compacts memory to satisfy it (THP defrag "madvise", the default),
faulting in a new 80 MB array took 4x longer (measured: 365 ms against 91 ms).

Importing this module changes nothing; it imports neither numpy nor anything else heavy.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_done = False


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds high and turn off numpy's huge-page request (once per
    process); False where that is not possible."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    if "numpy" in sys.modules:
        try:
            sys.modules["numpy"]._core.multiarray._set_madvise_hugepage(False)  # as NUMPY_MADVISE_HUGEPAGE=0
        except AttributeError:
            pass
    else:
        os.environ["NUMPY_MADVISE_HUGEPAGE"] = "0"  # read by numpy when it is imported
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30) == 1 and libc.mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1) == 1
    except (OSError, AttributeError):
        return False
    _done = ok
    return ok
