"""Start the view's web server on a loopback address (what `simulate view` calls).

The page is served by Solara (`solara run simulation.view.app`) in production mode, without
opening a browser, without telemetry and without the PyPI version check, so it works with no
internet: every script and style sheet comes from the installed `solara-assets` package.

Before the server starts, a background thread warms the compiled loops (`simulation.fast.cache.warm_up`
with the scenario the page opens with): on a cold compile cache the first Step after start-up took
about 4-6 s (compiling), on a warm one it still paid for loading the loops from the cache. The page
answers meanwhile; a Step pressed before the warm-up is done waits for the loop it needs (numba
compiles each loop once, under its own lock). `WARM_UP` says how far it got.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from click.exceptions import Abort

APP = "simulation.view.app"
# Environment of the server's process (set unless the user set them): offline, headless, fast renderer.
SERVER_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # telemetry is on by default
    "MPLBACKEND": "Agg",
    # reacton's fast renderer (opt-in since reacton 1.11): a render pass walks and updates only the
    # components whose state changed, not the whole page. With the default renderer every Step
    # reconciled all ~165 widgets of the page (the sidebar's sliders too): 165 widget updates per
    # Step at 300 clinicians, 33 with this one (the cards that show the week). REACTON_FAST=0 goes back.
    "REACTON_FAST": "1",
}


log = logging.getLogger(__name__)
# State of the start-up warm-up of this process: "state" is "not started", "running", "done" or "failed".
WARM_UP: dict[str, Any] = {"state": "not started", "seconds": None, "error": None}


def warm_up_loops(scenario: Path | None) -> None:
    """Compile (or load from the cache) the loops a Step of `scenario` (default: the start file) runs,
    and import the drawing code, so the first Step after start-up costs what the others do. Never
    raises: on failure the loops compile at the first Step, as before, and `WARM_UP` says why."""
    WARM_UP.update(state="running", seconds=None, error=None)
    start = time.perf_counter()
    try:
        from simulation.fast.cache import warm_up
        from simulation.view import drawing  # noqa: F401  (matplotlib, imported by the first page)
        from simulation.view.settings import ViewSettings, default_scenario_path

        warm_up([ViewSettings.from_file(scenario or default_scenario_path()).to_scenario()])
    except Exception as exc:  # the view works without the warm-up
        WARM_UP.update(state="failed", error=f"{type(exc).__name__}: {exc}")
        log.warning("warming the compiled loops failed (the first Step compiles them): %s", exc)
    else:
        WARM_UP["state"] = "done"
    WARM_UP["seconds"] = time.perf_counter() - start


def start_warm_up(scenario: Path | None) -> threading.Thread:
    """Run `warm_up_loops(scenario)` in a daemon thread (the server starts at once)."""
    thread = threading.Thread(target=warm_up_loops, args=(scenario,), name="warm-up", daemon=True)
    thread.start()
    return thread


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


def send_uncompressed() -> None:
    """Serve the page's websocket without per-message compression (uvicorn's `ws_per_message_deflate`).

    Per Step the page receives the two pictures as base64 PNG (about 170 KB at 300 clinicians), which
    deflate hardly shrinks: compressing them was the largest single cost of a Step on the server (py-spy:
    more server time than drawing and encoding both pictures). On a loopback or LAN connection sending
    them as they are is quicker. Solara's `run` has no option for it, so the uvicorn configuration class
    it builds is given that default here, in the server's own process only.
    """
    import uvicorn

    if getattr(uvicorn.Config, "sends_uncompressed", False):
        return

    class UncompressedConfig(uvicorn.Config):
        sends_uncompressed = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("ws_per_message_deflate", False)
            super().__init__(*args, **kwargs)

    uvicorn.Config = UncompressedConfig  # type: ignore[misc]


def serve(scenario: Path | None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page until interrupted (Ctrl+C); `scenario` is the file the page opens with."""
    from simulation.settings import configure
    from simulation.view.app import SCENARIO_ENV

    configure()
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    if scenario is not None:
        os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    start_warm_up(scenario)
    from simulation.view.one_pass import install

    install()  # one render pass per Step (simulation/view/one_pass.py)
    print(f"Interactive view: {view_url(host, port)}  (Ctrl+C stops it)", flush=True)
    send_uncompressed()
    from solara.__main__ import cli as solara_cli

    args = ["run", APP, "--host", host, "--port", str(port), "--no-open", "--production", "--no-check-version"]
    try:
        solara_cli.main(args=args, prog_name="solara", standalone_mode=False)
    except (KeyboardInterrupt, Abort):
        pass
    print("Interactive view stopped.", flush=True)
