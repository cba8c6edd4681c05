"""The view's server start-up: the compiled loops are warmed in the background before Solara serves
(issue 16: the first Step after start-up compiled them, about 6 s with no sign)."""

from __future__ import annotations

import threading
from pathlib import Path

from simulation.fast.cache import is_warm
from simulation.view import server
from simulation.view.settings import SCENARIO_DIR


def test_serve_starts_the_warm_up_before_the_server(monkeypatch):
    import uvicorn
    from mesa.visualization import solara_viz

    from simulation.view.app import SCENARIO_ENV

    for key in [SCENARIO_ENV, *server.SERVER_ENV]:  # serve() sets them: restored after the test
        monkeypatch.setenv(key, "")
    monkeypatch.setattr(uvicorn, "Config", uvicorn.Config)  # serve() changes both: restored after the test
    monkeypatch.setattr(solara_viz, "force_update", solara_viz.force_update)
    calls = []
    monkeypatch.setattr(server, "start_warm_up", lambda scenario: calls.append(("warm-up", scenario)))

    def fake_solara(args, prog_name, standalone_mode):
        calls.append(("solara", args[1]))

    import solara.__main__

    monkeypatch.setattr(solara.__main__.cli, "main", fake_solara)
    path = SCENARIO_DIR / "workshops.toml"
    server.serve(path, "127.0.0.1", 8765)
    assert calls == [("warm-up", path), ("solara", server.APP)]


def test_the_served_websocket_sends_without_per_message_compression(monkeypatch):
    """`simulate view` serves without permessage-deflate (the base64 PNGs hardly compress; deflating
    them was the largest server cost of a Step); an explicit setting is kept; nothing else changes."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "Config", uvicorn.Config)
    original = uvicorn.Config
    assert original(app="solara.server.starlette:app").ws_per_message_deflate is True  # uvicorn's default
    server.send_uncompressed()
    server.send_uncompressed()  # twice: still one layer
    assert uvicorn.Config.__mro__[1] is original
    config = uvicorn.Config(app="solara.server.starlette:app", port=8123)
    assert (config.ws_per_message_deflate, config.port) == (False, 8123)
    assert uvicorn.Config(app="x:y", ws_per_message_deflate=True).ws_per_message_deflate is True


def test_the_warm_up_runs_the_start_scenario_in_a_thread(monkeypatch):
    ran = []
    import simulation.fast.cache as cache

    monkeypatch.setattr(cache, "warm_up", lambda scenarios: ran.append([s.population.n for s in scenarios]))
    thread = server.start_warm_up(SCENARIO_DIR / "workshops.toml")
    assert thread.daemon and thread is not threading.current_thread()
    thread.join(timeout=60)
    assert ran == [[500]] and server.WARM_UP["state"] == "done" and server.WARM_UP["seconds"] >= 0


def test_a_failing_warm_up_is_reported_not_raised(tmp_path):
    server.warm_up_loops(Path(tmp_path / "missing.toml"))
    assert server.WARM_UP["state"] == "failed" and "missing.toml" in server.WARM_UP["error"]


def test_the_warm_up_compiles_or_loads_the_loops():
    server.warm_up_loops(None)  # baseline: about a second with a warm cache, 10-60 s on a cold one
    assert server.WARM_UP["state"] == "done", server.WARM_UP
    assert is_warm()
