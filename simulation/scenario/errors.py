"""The one exception type the command line turns into a clear message and exit code 2."""


class ScenarioError(Exception):
    """Bad input: a missing file, bad TOML, an unknown key, a wrong type or an out-of-range value.

    The message names the file and the key and says what is allowed; the command line prints it
    without a traceback and exits with status 2.
    """
