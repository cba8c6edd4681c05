"""Writing a run's folder atomically.

Everything is written into a hidden temporary folder beside the target; only when all files are
complete is it renamed into place. A previous run in the target folder is not mixed with the new
one: it is moved to `<folder>.previous` (replacing an older one there), and the command says so. A
folder that does not look like a run of this tool (no manifest.json) is never replaced.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulation.errors import ScenarioError

MARKER = "manifest.json"


def check_target(out: Path) -> None:
    """Refuse early (before any simulation) to write over a folder that is not a previous run."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ScenarioError(
            f"--out {out}: the folder exists and holds files that are not a run of this tool (no {MARKER}); "
            "choose another folder or empty it"
        )


@contextmanager
def atomic_folder(out: Path) -> Iterator[Path]:
    """Yield a temporary folder to write into; on success it becomes `out`.

    On an exception the temporary folder is removed and `out` is left as it was.
    """
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = out.parent / f"{out.name}.previous"
    if out.exists():
        if previous.exists():
            shutil.rmtree(previous)
        if any(out.iterdir()):
            out.rename(previous)
        else:
            out.rmdir()
    tmp.rename(out)


def previous_of(out: Path) -> Path:
    """Where the run that was in `out` before the latest one is kept."""
    return out.parent / f"{out.name}.previous"
