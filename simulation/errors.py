"""The errors a user can cause, at the bottom of the package (imports nothing).

The command line (`simulation.cli`) prints any `UserError` as one clear message, without a
traceback, and exits with status 2; `ReplicationsFailed` exits with status 1 after writing what
finished. Every message names the file, key, option or value at fault and says what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class UserError(Exception):
    """Bad input of any kind: the command line prints the message and exits with status 2."""


class ScenarioError(UserError):
    """A bad scenario file: a missing file, bad TOML, an unknown key, a wrong type or an
    out-of-range value. The message names the file and the key and says what is allowed."""


class MissingDataError(ScenarioError):
    """A data file the scenario names (a network or node table) is not on this machine.

    Still bad input for a run of that file; a comparison of several files leaves such a file out
    with a note instead (e.g. scenarios/ckm.toml without ../shared beside the repository).
    """

    def __init__(self, message: str, data_path: str) -> None:
        super().__init__(message)
        self.data_path = data_path


class DataFileError(UserError):
    """A data file (a network file, a node table, an observed series) that cannot be read as what
    it should be: the message names the file, the row or column, and what is allowed."""


class OptionError(UserError):
    """A bad command-line option or argument (`--out`, `--workers`, `--cluster`, `--resume`, ...)."""


class OutputError(UserError):
    """The results could not be written (no space left on the device, a disk quota): the message
    names the file; the finished replications are kept in the partial folder for `--resume`."""


class ClusterLost(UserError):
    """The Dask scheduler of `--cluster` stopped answering mid-run: the tasks in flight are lost; the
    message ends with what was kept and how to finish (`kept`, from the engine's sink: for a
    checkpointed run, the partial folder and `--resume`, locally or on another cluster)."""

    def __init__(self, address: str, cause: str, kept: str = "run the command again") -> None:
        self.address = address
        self.cause = cause
        super().__init__(f"the Dask scheduler at {address} stopped answering ({cause}); {kept}")

    def keeping(self, kept: str) -> ClusterLost:
        """The same error, ending with `kept` (`Sink.kept` of the engine's sink)."""
        return ClusterLost(self.address, self.cause, kept)


def output_error(exc: OSError, where: object) -> OutputError:
    """The `OutputError` of an OSError raised while writing `where` (a file or folder)."""
    import errno

    what = "no space left on device" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (exc.strerror or str(exc))
    return OutputError(f"{what} while writing {exc.filename or where}")


class ReplicationsFailed(Exception):
    """Some replications raised: the run went on; `summary` says which, with seeds and messages.

    `failures` holds the failed jobs' records (`simulation.execution.engine.Done`); `closing` the
    closing lines of results written despite the failures.
    """

    def __init__(self, summary: str, failures: Sequence[Any], closing: str | None = None) -> None:
        super().__init__(summary)
        self.failures = list(failures)
        self.closing = closing
