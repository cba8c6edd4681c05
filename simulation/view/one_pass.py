"""One render pass per Step on the served page, instead of one per component that shows the week.

Mesa's Step and Play (`ModelController.do_step`) end with `force_update()`, which bumps the step
counter `update_counter`. Solara then renders each component that reads the counter in a pass of
its own (each subscription holds its own batch), and with reacton's default renderer every pass
reconciles the whole page, the sidebar's sliders included: at 300 clinicians a pass cost about
25-35 ms of server CPU. (The server also turns on reacton's fast renderer, which walks only the
components that changed, `simulation.view.server.SERVER_ENV`; a pass saved still saves its walk.) This page
has two readers, Mesa's own "Information" card and the page's cards (`simulation.view.app`), so
two passes per Step. `redraw()` bumps the counter inside one batch of the page's render context,
so both readers render in a single pass when the batch closes.

Play must not outrun the page. Mesa's Play thread steps, then asks for a redraw; when another
thread is rendering (the one that handled the ▶ click), reacton leaves the redraw to that thread,
which renders again and again while the Play thread keeps asking: with a render slower than the
play interval plus a step (3,000 clinicians at a 50 ms interval) that thread never returns, and
the page shows no week after the first. So `redraw()` first waits (at most `WAIT_FOR_RENDER_S`) until
no other thread is rendering the page, then renders in its own thread: at most one frame is in
flight, and Play runs as fast as the page can show it.

`install()` points Mesa's ModelController at `redraw`. It changes a module global of Mesa, so it is
called only where the process is ours: by `simulation.view.server.serve` (what `simulate view`
runs). The page shown in a notebook (`ClinicianView`) is left as Mesa draws it (two passes). Outside
a served page (no Solara kernel context) `redraw()` is Mesa's `force_update()`.
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

from mesa.visualization.utils import update_counter

INSTALLED = {"done": False}
WAIT_FOR_RENDER_S = 10.0  # longest wait for another thread's render before asking for ours anyway


def page_render_context():
    """The render context of the page of the current Solara session, or None outside a served page."""
    try:
        import reacton.core
        from solara.server import kernel_context
    except ImportError:  # pragma: no cover - solara is a dependency of the view
        return None
    if not kernel_context.has_current_context():
        return None
    app = kernel_context.get_current_context().app_object
    return app if isinstance(app, reacton.core._RenderContext) else None


def redraw() -> None:
    """Bump Mesa's step counter so that every component showing the step renders in one pass."""
    rc = page_render_context()
    if rc is not None:
        wait_for_other_renders(rc)
    with rc if rc is not None else nullcontext():
        update_counter.value += 1


def wait_for_other_renders(rc, timeout: float = WAIT_FOR_RENDER_S) -> None:
    """Return when no other thread holds `rc`'s render lock (reacton's `thread_lock`), or after `timeout` s."""
    lock = getattr(rc, "thread_lock", None)
    if lock is None or getattr(rc, "_lock_thread", None) is threading.current_thread():
        return  # unknown reacton internals, or we are the renderer ourselves: nothing to wait for
    deadline = time.monotonic() + timeout
    while lock.locked() and time.monotonic() < deadline:
        time.sleep(0.002)


def install() -> None:
    """Make Mesa's Step, Play and Reset redraw through `redraw` (see the module docstring)."""
    from mesa.visualization import solara_viz

    solara_viz.force_update = redraw
    INSTALLED["done"] = True
