"""The browser view in a real browser: `simulate view` as a subprocess on a free loopback port,
driven by Playwright with Debian's chromium, headless and offline.

Checks that every request of the page succeeds (no 4xx/5xx, nothing fails to load), that the
console shows no errors, that Step advances the week and redraws the pictures, that clicking a
node selects that clinician, that a second tab has its own model, and that picking a scenario,
moving a slider and Reset rebuild the model; that the first Step after start-up is about as quick as
the later ones and the busy sign shows on top; that opening every panel changes no parameter (the
next Reset runs the scenario's own model: same numbers as the model built from the file); that the panel
"By department and role" has a row per department and follows the steps. Saves a screenshot in the test's temporary folder and
copies it to outputs/view_screenshot.png.

Runs in the default `uv run pytest` when chromium is installed (CI: `.ci/run` installs it) and is
skipped, with the reason, when it is not.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest
from conftest import REPO

CHROMIUM = shutil.which("chromium")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None

# Not marked slow: the browser test belongs to the default run (about 30 s); skipped only without chromium.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run does this)"
)
needs_playwright = pytest.mark.skipif(
    sync_playwright is None, reason="playwright is not installed (uv sync installs the dev group)"
)

ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]
# A step's signal is the week counter reading the next week; the first step after start-up or a Reset
# compiles and draws for about 6 s here (longer on a busy machine), so every such wait is generous.
STEP_MS = 90_000
# Every other wait (a redraw, a legend, a rebuilt control) is a signal too; on a machine shared with other
# jobs a rebuild takes seconds, so no wait keeps Playwright's 5 s default.
if sync_playwright is not None:
    expect.set_options(timeout=30_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"simulate view exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url + "readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"simulate view did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def server(child_env):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [*ENTRY, "view", "--port", str(port)],
        cwd=REPO,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(url, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def _opened(url: str, viewport: dict, before=None) -> Iterator:
    """A page of headless chromium at `url`, loaded to week 0 (`before(page)` runs before it loads,
    e.g. to watch its responses); the browser is closed afterwards."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport)
            if before is not None:
                before(page)
            page.goto(url)
            expect(page.locator(".numbers-line")).to_contain_text("Week 0 ", timeout=45_000)
            yield page
        finally:
            browser.close()


def _week(page) -> int:
    text = page.locator(".numbers-line").inner_text()
    return int(re.match(r"Week (\d+) ", text).group(1))


_BUSY_JS = """() => {
  const bar = document.querySelector('.v-application--wrap > .v-progress-linear--absolute');
  bar.style.visibility = 'visible';  // as Solara sets it while the server is busy for over 300 ms
  const r = bar.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const result = {on_top: bar.contains(hit), label: getComputedStyle(bar, '::after').content,
                  cursor: getComputedStyle(document.querySelector('.v-application--wrap')).cursor};
  bar.style.visibility = 'hidden';
  return result;
}"""


@needs_chromium
@needs_playwright
def test_first_step_after_start_up_is_as_quick_as_the_others(server):
    """Issue 16: the first Step after start-up took about 6 s (compiling), the later ones 0.2-0.5 s.

    First in this file, so it is the server's first page and first Step. The bound (later steps' median
    + 3 s) is loose for a loaded 2-core machine; the goal (1 s) is measured by benchmarks/view_speed.py.
    Also checks that Solara's busy bar, when shown, is on top of the app bar and says "Computing ...".
    """
    url, proc = server
    with _opened(url, {"width": 1280, "height": 800}) as page:
        seconds = []
        for k in range(1, 7):
            start = time.perf_counter()
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
            seconds.append(time.perf_counter() - start)
        later = sorted(seconds[1:])[len(seconds[1:]) // 2]
        assert seconds[0] <= later + 3.0, f"first step {seconds[0]:.2f} s, later steps {seconds[1:]}"
        busy = page.evaluate(_BUSY_JS)
        assert busy == {"on_top": True, "label": '"Computing ..."', "cursor": "progress"}, busy
    assert proc.poll() is None, "the server stopped during the test"


@needs_chromium
@needs_playwright
def test_view_in_a_real_browser(server, tmp_path):
    url, proc = server
    from simulation.view.network_card import network_picture
    from simulation.view.settings import ViewSettings, default_scenario_path
    from simulation.view.viewmodel import ViewModel

    bad, console_errors = [], []

    def watch(page) -> None:
        page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("requestfailed", lambda r: bad.append(f"failed {r.url}"))
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))

    with _opened(url, {"width": 1920, "height": 1150}, before=watch) as page:
        assert _week(page) == 0

        # Step: the week advances and both pictures are redrawn.
        network = page.locator("img.network-picture")
        plots = page.locator("img.plots-picture")
        network_before, plots_before = network.get_attribute("src"), plots.get_attribute("src")
        for k in range(1, 4):
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
        assert plots.get_attribute("src") != plots_before
        assert network.get_attribute("src") != network_before
        expect(page.get_by_text("Time: 3.0")).to_be_hidden()  # Mesa's "Information" card: the week as a float
        expect(page.get_by_text("Model Parameters")).to_be_hidden()  # Mesa's card, empty on this page
        for card in ("Controls", "Run and export", "Scenario and parameters"):  # the sidebar's other cards show
            expect(page.locator(".v-card__title", has_text=card)).to_be_visible()

        # A second tab has its own model.
        other = page.context.browser.new_page()
        other.goto(url)
        expect(other.locator(".numbers-line")).to_contain_text("Week 0 ", timeout=45_000)
        other.get_by_role("button", name="Step").click()
        expect(other.locator(".numbers-line")).to_contain_text("Week 1 ", timeout=STEP_MS)
        other.close()
        assert _week(page) == 3

        # Colour by mode of use: the network is redrawn.
        before = network.get_attribute("src")
        page.get_by_role("button", name="mode of use").click()
        expect(network).not_to_have_attribute("src", before)
        expect(page.get_by_text("primary aid", exact=True)).to_be_visible()  # the legend

        # Click a clinician: the page draws the same network at the same positions.
        picture = network_picture(ViewModel(ViewSettings.from_file(default_scenario_path())))
        x, y = picture.pixels[42]
        network.hover(position={"x": float(x), "y": float(y)})  # a tooltip with the clinician's state
        expect(page.locator(".network-tooltip")).to_contain_text(
            re.compile(r"Clinician 42 · .+ · attitude \d\.\d .*peer rating \d\.\d", re.DOTALL)
        )
        network.click(position={"x": float(x), "y": float(y)})
        expect(page.locator(".neighbour-modes")).to_contain_text("Colleagues' modes")
        expect(page.get_by_text(re.compile(r"^Clinician \d+$"))).to_be_visible(timeout=STEP_MS)

        # The picker lists plans only; pick another scenario (rebuilds at once), move a slider, Reset.
        page.locator(".v-select", has_text="Scenario").click()
        offered = page.locator(".v-menu__content .v-list-item").all_inner_texts()
        assert "workshops" in offered and "baseline" in offered, offered
        assert not {"workshop_seats", "sensitivity", "ckm_bass", "budget"} & set(offered), offered
        page.locator(".v-list-item", has_text="community_hospital").click()
        expect(page.get_by_label("Clinician id (0-299)")).to_be_visible(
            timeout=STEP_MS
        )  # the rebuild of another scenario
        assert _week(page) == 0
        # The id box of the new model is empty, not "None" in red (issue 16).
        assert page.get_by_label("Clinician id (0-299)").input_value() == ""
        expect(page.locator(".clinician-id.error--text")).to_have_count(0)
        slider = page.locator(".v-input", has_text="Clinicians: 300").locator("[role=slider]")
        slider.focus()
        page.keyboard.press("ArrowRight")
        expect(page.locator(".v-input", has_text="Clinicians: 350")).to_be_visible()
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".numbers-line")).to_contain_text("Week 1 ", timeout=STEP_MS)
        page.get_by_role("button", name="Reset").click()
        expect(page.get_by_label("Clinician id (0-349)")).to_be_visible(
            timeout=STEP_MS
        )  # Reset rebuilds the model (seconds under load)
        expect(page.locator(".numbers-line")).to_contain_text("Week 0 ", timeout=STEP_MS)
        for k in range(1, 6):
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
        # Play runs on by itself; pause stops it.
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(
            # null-safe: the line is re-rendered while playing
            "() => { const m = /^Week (\\d+) /.exec(document.querySelector('.numbers-line')?.textContent ?? '');"
            " return m !== null && Number(m[1]) >= 8; }",
            timeout=STEP_MS,
        )
        page.get_by_role("button", name="❚❚").click()
        expect(page.get_by_role("button", name="▶")).to_be_visible()
        paused = _week(page)
        page.wait_for_timeout(800)
        assert _week(page) - paused <= 1  # at most the step under way when pausing
        page.get_by_label("Clinician id (0-349)").fill("7")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Clinician 7", exact=True)).to_be_visible()

        shot = tmp_path / "view_screenshot.png"
        page.screenshot(path=str(shot), full_page=True)
        (REPO / "outputs").mkdir(exist_ok=True)
        shutil.copyfile(shot, REPO / "outputs" / "view_screenshot.png")
    assert bad == [], f"requests that failed: {bad}"
    assert console_errors == [], f"console errors: {console_errors}"
    assert proc.poll() is None, "the server stopped during the test"


def _group_rows(page) -> list[list[str]]:
    """The cells of the "By department and role" table, row by row (the hospital's row last)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.groups-table tbody tr')]"
        ".map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))"
    )


def _line_skeptical(page) -> str:
    return re.search(r"skeptical ([\d.]+) %", page.locator(".numbers-line").inner_text()).group(1)


# True when the hospital's share skeptical in the groups table is the line's and no longer `before`'s.
_GROUPS_MATCH_LINE_JS = """(before) => {
  const line = /skeptical ([\\d.]+) %/.exec(document.querySelector('.numbers-line')?.textContent ?? '');
  const cell = document.querySelector('.groups-table tr.hospital td:nth-child(3)')?.textContent;
  return line !== null && cell === line[1] && cell !== before;
}"""


@needs_chromium
@needs_playwright
def test_groups_panel_shows_each_department_and_follows_the_steps(server):
    """Issue 14: the panel "By department and role" in a 1,280 x 800 window: one row per department of
    the default scenario then the hospital (whose share skeptical is the line's), numbers that change as
    the model steps, and a switch to one row per role."""
    url, proc = server
    from simulation.view.settings import ViewSettings, default_scenario_path

    population = ViewSettings.from_file(default_scenario_path()).to_scenario().population
    with _opened(url, {"width": 1280, "height": 800}) as page:
        panel = page.locator(".v-card", has_text="By department and role")
        panel.scroll_into_view_if_needed()
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280 and box["height"] <= 800, box  # fits the window
        before = _group_rows(page)
        assert [row[0] for row in before] == [*population.departments, "Hospital"]
        assert sum(int(row[1].replace(",", "")) for row in before[:-1]) == int(before[-1][1].replace(",", ""))
        assert before[-1][2] == _line_skeptical(page)
        for k in (1, 2):
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
        # The line and the table are separate widgets, redrawn one after the other: wait until both show week 2.
        page.wait_for_function(_GROUPS_MATCH_LINE_JS, arg=before[-1][2], timeout=STEP_MS)
        after = _group_rows(page)
        assert [row[0] for row in after] == [row[0] for row in before]
        assert [row[2:] for row in after] != [row[2:] for row in before]
        assert after[-1][2] == _line_skeptical(page)
        page.get_by_role("button", name="role", exact=True).click()
        expect(page.locator(".groups-table th").first).to_have_text("Role")
        assert [row[0] for row in _group_rows(page)] == [*population.roles, "Hospital"]
    assert proc.poll() is None, "the server stopped during the test"


_ROWS_JS = """() => [...document.querySelectorAll('.param-row')].map(row => [
  row.querySelector('.v-input__slider .v-label')?.textContent ?? '',
  row.querySelector('.param-value input')?.value ?? ''])"""


@needs_chromium
@needs_playwright
def test_opening_the_panels_changes_no_parameter(server):
    """Issue 16: opening "Peer judgment" snapped the fitted penalties to the slider's grid (1.47 -> 1.45)."""
    url, proc = server
    from simulation.scenario import load_scenario
    from simulation.view.components import numbers_text
    from simulation.view.settings import PARAMS, SCENARIO_DIR, ViewSettings
    from simulation.view.viewmodel import ViewModel

    path = SCENARIO_DIR / "workshops.toml"
    scenario = load_scenario(path)
    exact = [getattr(getattr(scenario, p.key.split(".")[0]), p.key.split(".")[1]) for p in PARAMS]
    expected = ViewModel(ViewSettings.from_file(path))
    for _ in range(2):
        expected.step()
    with _opened(url, {"width": 1920, "height": 1150}) as page:
        page.locator(".v-select", has_text="Scenario").click()
        page.locator(".v-list-item", has_text="workshops").click()
        expect(page.get_by_label("Clinician id (0-499)")).to_be_visible(timeout=STEP_MS)
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".numbers-line")).to_contain_text("Week 1 ", timeout=STEP_MS)
        for panel in ("Behaviour", "Peer judgment"):  # the two closed ones; the others are open
            page.locator(".v-expansion-panel-header", has_text=panel).click()
        expect(page.get_by_text("Penalty for verifying (rating points): ")).to_be_visible()
        # A slider that rounds its value sends it when drawn, before the Reset below reaches the server
        # (one websocket, in order): Reset builds from whatever the controls hold by then.
        page.get_by_role("button", name="Reset").click()
        expect(page.locator(".numbers-line")).to_contain_text("Week 0 ", timeout=STEP_MS)
        for k in (1, 2):
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
        assert page.locator(".numbers-line").inner_text() == numbers_text(expected)
        rows = page.evaluate(_ROWS_JS)
        assert len(rows) == len(PARAMS), rows
        for param, value, (label, box) in zip(PARAMS, exact, rows, strict=True):
            assert label.startswith(param.label + ": ") and float(label.rsplit(": ", 1)[1]) == value, label
            assert float(box) == value, (param.key, box)
    assert proc.poll() is None, "the server stopped during the test"


def test_view_refuses_a_busy_port(child_env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [*ENTRY, "view", "--port", str(port)], env=child_env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert f"port {port}" in done.stderr and "in use" in done.stderr


def test_view_rejects_a_bad_scenario_file(tmp_path, child_env):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nn = -5\n", encoding="utf-8")
    done = subprocess.run([*ENTRY, "view", str(bad)], env=child_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "bad.toml" in done.stderr


@pytest.fixture(scope="module")
def hostile_server(child_env, tmp_path_factory):
    """`simulate view` on a scenario whose node table and texts carry script payloads (test_view_safety)."""
    from test_view_safety import hostile_scenario

    path = hostile_scenario(tmp_path_factory.mktemp("hostile") / "files")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [*ENTRY, "view", str(path), "--port", str(port)],
        cwd=REPO,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(url, proc)
        yield url, proc, path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@needs_chromium
@needs_playwright
def test_names_from_files_are_shown_as_text_and_never_run(hostile_server):
    """Issue 19: a department `<img src=x onerror=...>` in a node table ran script when a clinician was
    selected. Every payload (department, role, scenario name and description) is shown as text, in the
    groups table, the tooltip, the clinician card and the sidebar, and none runs. Also: a path typed in
    the page cannot reach a file outside the folders the view was started with; a network from files
    shows no generator sliders; Mesa's "Time: 0.0" is hidden."""
    url, proc, path = hostile_server
    from test_view_safety import DEPARTMENT_PAYLOAD, DESCRIPTION_PAYLOAD, NAME_PAYLOAD, ROLE_PAYLOAD

    from simulation.view.network_card import network_picture
    from simulation.view.settings import ViewSettings
    from simulation.view.viewmodel import ViewModel

    pwned = "() => window.__pwned === undefined"
    with _opened(url, {"width": 1280, "height": 800}) as page:
        assert page.evaluate(pwned)
        expect(page.locator(".groups-table")).to_contain_text(DEPARTMENT_PAYLOAD)
        expect(page.locator(".scenario-about")).to_have_text(f"{NAME_PAYLOAD}: {DESCRIPTION_PAYLOAD}")
        model = ViewModel(ViewSettings.from_file(path))
        index = int(np.flatnonzero(model.state.department == model.state.department_names.index(DEPARTMENT_PAYLOAD))[0])
        x, y = network_picture(model).pixels[index]
        network = page.locator("img.network-picture")
        network.hover(position={"x": float(x), "y": float(y)})
        expect(page.locator(".network-tooltip")).to_contain_text(f"Clinician {index} · {DEPARTMENT_PAYLOAD}")
        network.click(position={"x": float(x), "y": float(y)})
        expect(page.locator(".clinician-facts")).to_contain_text(DEPARTMENT_PAYLOAD)
        page.get_by_label("Clinician id (0-39)").fill(str(index + 2 if index < 36 else index - 2))
        page.keyboard.press("Enter")
        expect(page.locator(".clinician-facts")).to_contain_text(DEPARTMENT_PAYLOAD)
        page.get_by_role("button", name="role", exact=True).click()
        expect(page.locator(".groups-table")).to_contain_text(ROLE_PAYLOAD)
        page.get_by_role("button", name="Step").click()
        expect(page.locator(".numbers-line")).to_contain_text("Week 1 ", timeout=STEP_MS)
        assert page.evaluate(pwned), "a payload from the files ran"
        expect(page.get_by_text("Time: 1.0")).to_be_hidden()

        # Only the folders the view was started with (the library, the start file's folder).
        box = page.locator(".open-file input")
        for typed in ("/etc/passwd", "../../x.toml"):
            box.fill(typed)
            box.press("Enter")
            expect(page.locator(".open-file-problem")).to_contain_text("only from the folders it was started with")
            expect(page.locator(".open-file-problem")).to_contain_text(typed)
        assert "root:" not in page.content()
        # A network from files: no size or structure sliders, a note instead.
        expect(page.locator(".network-note")).to_contain_text("Network from files: 40 clinicians")
        for label in ("Clinicians: ", "Colleagues per clinician", "Team size"):
            expect(page.locator(".v-input__slider", has_text=label)).to_have_count(0)
        assert page.evaluate(pwned)
    assert proc.poll() is None, "the server stopped during the test"


@needs_chromium
@needs_playwright
def test_network_and_time_series_are_both_above_the_fold_at_1280_by_800(server):
    """Issue 16: at 1,280 x 800 only the network was above the fold. Saves outputs/view_1280x800.png."""
    url, proc = server
    with _opened(url, {"width": 1280, "height": 800}) as page:
        for k in (1, 2):
            page.get_by_role("button", name="Step").click()
            expect(page.locator(".numbers-line")).to_contain_text(f"Week {k} ", timeout=STEP_MS)
        for picture in ("img.network-picture", "img.plots-picture"):
            box = page.locator(picture).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (picture, box)
            assert box["y"] >= 0 and box["y"] + box["height"] <= 800, (picture, box)
        (REPO / "outputs").mkdir(exist_ok=True)
        page.screenshot(path=str(REPO / "outputs" / "view_1280x800.png"))
    assert proc.poll() is None, "the server stopped during the test"
