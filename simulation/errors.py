"""The one exception type the command line turns into a clear message and exit code 2."""


class ScenarioError(Exception):
    """Bad input: a missing file, bad TOML, an unknown key, a wrong type or an out-of-range value.

    The message names the file and the key and says what is allowed; the command line prints it
    without a traceback and exits with status 2.
    """


class MissingDataError(ScenarioError):
    """A data file the scenario names (a network or node table) is not on this machine.

    Still bad input for a run of that file; a comparison of several files leaves such a file out
    with a note instead (e.g. scenarios/ckm.toml without ../shared beside the repository).
    """

    def __init__(self, message: str, data_path: str) -> None:
        super().__init__(message)
        self.data_path = data_path
