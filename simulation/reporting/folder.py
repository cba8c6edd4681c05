"""Writing a run's folder atomically.

Everything is written into a hidden temporary folder beside the target; only when all files are
complete is it renamed into place. A previous run in the target folder is not mixed with the new
one: it is moved to `<folder>.previous` (replacing an older one there), and the command says so. A
folder that does not look like a run of this tool (no manifest.json) is never replaced.

A process killed while writing leaves its temporary folder `.<folder>.tmp-<pid>`; the next run into
the same folder (or its `--resume`) removes it (`remove_stale`) if that pid is no longer running,
so nothing is left behind and a live run's folder is never touched.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulation.errors import ScenarioError, output_error

MARKER = "manifest.json"


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` is running (any user's; a zombie counts as finished on Linux)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: os.kill said it exists
    return stat[stat.rindex(")") + 2] != "Z"


def remove_stale(folder: Path, prefix: str) -> None:
    """Remove what killed processes left in `folder`: the temporary folders or files
    `<prefix>...tmp-<pid>` whose pid is not running."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix) or ".tmp-" not in entry.name:
            continue
        pid = entry.name.rsplit(".tmp-", 1)[1]
        if not pid.isdigit() or int(pid) == os.getpid() or pid_alive(int(pid)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def check_target(out: Path) -> None:
    """Refuse early (before any simulation) to write over a folder that is not a previous run; remove
    the temporary folders of killed runs into it."""
    for above in out.parents:
        if above.exists():
            if not above.is_dir():
                raise ScenarioError(f"--out {out}: {above} is a file, not a folder; choose an --out outside it")
            break
    remove_stale(out.parent, f".{out.name}.tmp-")
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
    if out.is_symlink():  # a link to a folder: the results go into the folder it points to
        out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing half-written is left
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise output_error(exc, f"{out}/") from None
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
