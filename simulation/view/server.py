"""Start the view's web server on a loopback address (what `simulate view` calls).

The page is served by Solara (`solara run simulation.view.app`) in production mode, without
opening a browser, without telemetry and without the PyPI version check, so it works with no
internet: every script and style sheet comes from the installed `solara-assets` package.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from click.exceptions import Abort

APP = "simulation.view.app"
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # telemetry is on by default
    "MPLBACKEND": "Agg",
}


def port_free(host: str, port: int) -> bool:
    """Can a server listen on host:port now?"""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server will: connections of a stopped server lingering in TIME_WAIT do not block it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def view_url(host: str, port: int) -> str:
    return f"http://{host}:{port}/"


def serve(scenario: Path | None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page until interrupted (Ctrl+C); `scenario` is the file the page opens with."""
    from simulation.settings import configure
    from simulation.view.app import SCENARIO_ENV

    configure()
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    if scenario is not None:
        os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    print(f"Interactive view: {view_url(host, port)}  (Ctrl+C stops it)", flush=True)
    from solara.__main__ import cli as solara_cli

    args = ["run", APP, "--host", host, "--port", str(port), "--no-open", "--production", "--no-check-version"]
    try:
        solara_cli.main(args=args, prog_name="solara", standalone_mode=False)
    except (KeyboardInterrupt, Abort):
        pass
    print("Interactive view stopped.", flush=True)
