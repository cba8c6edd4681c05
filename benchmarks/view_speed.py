"""How long one step plus redraw takes in the browser view, measured in headless chromium.

For each population size, starts `simulate view` on a free loopback port with a scenario that
extends scenarios/baseline.toml and sets `population.n` and `run.steps` = 520 (so Play is timed
before the horizon), opens the page with Playwright driving Debian's chromium (headless), presses
Step repeatedly and times each press until the page shows the new week *and* both pictures
(network and plots) have been replaced and decoded (as Playwright sees it, and on the page's clock
from the click event to the frame that shows it). Also times
the same work in-process (model step + both pictures, no browser) to show where the time goes.
The first Step after start-up (the page opened as soon as the server answers) is reported on its
own line, with the gap to the median of the later steps (goal: at most 1 s); the median is of the
steps after 3 untimed ones. Steps stop at the scenario's horizon (`run.steps`, where the view's
Step stops): more `--steps` than that are cut, with a note. Then Play: the weeks the page shows per
second while playing for `--play-seconds` (the page's play interval, `app.PLAY_INTERVAL_MS` = 50 ms, included).

    uv run python benchmarks/view_speed.py                 # 300, 1,000 and 3,000 clinicians, 30 steps each
    uv run python benchmarks/view_speed.py --sizes 300 --steps 50

Prints median, 90th percentile and maximum in milliseconds, the load average and the CPU seconds
of this process and of the servers. Goals (issue 16): median at most 100 ms at 300 and 250 ms at
1,000 clinicians, first step within 1 s of the median, Play at least 8 weeks per second at 300.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLAY_HORIZON = 520  # weeks of the benchmark's scenario (run.steps): ten years
sys.path.insert(0, str(REPO))

WAIT_FOR_REDRAW = """([week, network, plots]) => {
  const line = document.querySelector('.numbers-line');
  const net = document.querySelector('img.network-picture');
  const plt = document.querySelector('img.plots-picture');
  const done = line && net && plt && line.textContent.startsWith(`Week ${week} `)
    && net.src !== network && plt.src !== plots && net.complete && plt.complete;
  if (done) window.__redrawnAt = performance.now();
  return done;
}"""
# The page's own clock: when the click event reached the page (a capture listener on the document),
# so the in-page time leaves out Playwright's own work before a click (scrolling, waiting for the
# button to be stable) and its round trips; the redraw is seen at the next animation frame.
RECORD_CLICKS = """() => document.addEventListener('click', () => { window.__clickedAt = performance.now(); }, true)"""
IN_PAGE_MS = "() => window.__redrawnAt - window.__clickedAt"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_view(scenario: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from simulation.cli import main; main()", "view", str(scenario), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "readyz", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"simulate view did not start at {url}")


def browser_times(url: str, steps: int, warmup: int = 3) -> tuple[float, list[float], list[float]]:
    """Seconds of the first Step press after start-up, and of each press after `warmup` more, until the
    new week and both new pictures are shown: as Playwright sees it, and on the page's clock (from the
    click event to the frame that shows the redraw)."""
    from playwright.sync_api import sync_playwright

    first, times, in_page = 0.0, [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        page = browser.new_page(viewport={"width": 1920, "height": 1150})
        page.goto(url)
        page.locator(".numbers-line").filter(has_text="Week 0 ").wait_for(timeout=60_000)
        page.evaluate(RECORD_CLICKS)
        step = page.get_by_role("button", name="Step")
        step.scroll_into_view_if_needed()
        box = step.bounding_box()  # the button stays put: a mouse click there is what a user does, without
        # Playwright's actionability checks (visible, stable for two frames, hit target) before each press
        assert box is not None, "the Step button has no box"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for k in range(1, warmup + steps + 1):
            network = page.locator("img.network-picture").get_attribute("src")
            plots = page.locator("img.plots-picture").get_attribute("src")
            start = time.perf_counter()
            page.mouse.click(x, y)
            page.wait_for_function(WAIT_FOR_REDRAW, arg=[k, network, plots], polling="raf", timeout=30_000)
            if k == 1:
                first = time.perf_counter() - start
            elif k > warmup:
                times.append(time.perf_counter() - start)
                in_page.append(page.evaluate(IN_PAGE_MS) / 1000)
        browser.close()
    return first, times, in_page


def play_rate(url: str, seconds: float) -> float:
    """Weeks per second the page shows while playing for `seconds` (from a fresh page at week 0)."""
    import re

    from playwright.sync_api import sync_playwright

    def week(page) -> int:
        match = re.match(r"Week (\d+) ", page.locator(".numbers-line").inner_text())
        return int(match.group(1)) if match else 0

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.locator(".numbers-line").filter(has_text="Week 0 ").wait_for(timeout=60_000)
        page.get_by_role("button", name="Step").click()  # the first step, outside the timing
        page.locator(".numbers-line").filter(has_text="Week 1 ").wait_for(timeout=60_000)
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(
            "() => /^Week ([2-9]|\\d\\d+) /.test(document.querySelector('.numbers-line')?.textContent ?? '')",
            timeout=120_000,
        )
        start_week, start = week(page), time.perf_counter()
        time.sleep(seconds)
        end_week, end = week(page), time.perf_counter()
        page.get_by_role("button", name="❚❚").click()
        browser.close()
    return (end_week - start_week) / (end - start)


def in_process_times(n: int, steps: int) -> list[float]:
    """Seconds per model step plus drawing both pictures (what the server does per step)."""
    from simulation.view.components import PLOTS_HEIGHT, PLOTS_WIDTH, series_for
    from simulation.view.drawing import TimeSeriesPicture, node_colours, node_sizes
    from simulation.view.network_card import neighbours_of, network_picture
    from simulation.view.settings import ViewSettings, default_scenario_path
    from simulation.view.viewmodel import ViewModel

    model = ViewModel(ViewSettings.from_file(default_scenario_path()).with_value("population.n", n))
    network = network_picture(model)
    plots = TimeSeriesPicture(PLOTS_WIDTH, PLOTS_HEIGHT, sessions=model.session_weeks)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        s = model.state
        network.render(
            model.network.edges,
            node_colours("attitude", s.attitude, s.mode),
            node_sizes("reputation", s.reputation, s.advice_in_degree, s.n),
            3,
            neighbours_of(model, 3),
        )
        plots.render(series_for(model, "Whole hospital"))
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> str:
    ms = sorted(1000 * t for t in times)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   max {ms[-1]:6.1f} ms   ({len(ms)} steps)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000], help="Numbers of clinicians.")
    parser.add_argument("--steps", type=int, default=30, help="Timed steps per size (after 3 warm-up steps).")
    parser.add_argument("--play-seconds", type=float, default=6.0, help="How long Play is timed per size.")
    args = parser.parse_args()
    if shutil.which("chromium") is None:
        raise SystemExit("Debian's chromium is needed: apt-get install -y chromium")
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    print(f"{os.cpu_count()} cores; browser: headless chromium {shutil.which('chromium')}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    from simulation.scenario import load_scenario

    warmup = 3
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            scenario = Path(folder) / f"view_{n}.toml"
            base = (REPO / "scenarios" / "baseline.toml").as_posix()
            # 520 weeks: Play (up to ~16 weeks/s) must not reach the horizon while it is timed
            scenario.write_text(
                f'extends = "{base}"\n\n[run]\nsteps = {PLAY_HORIZON}\n\n[population]\nn = {n}\n', encoding="utf-8"
            )
            horizon = int(load_scenario(scenario).run.steps)
            steps = min(args.steps, horizon - warmup)
            if steps < args.steps:
                print(f"  (--steps {args.steps} cut to {steps}: the scenario runs {horizon} weeks, {warmup} untimed)")
            print(f"{n:>5} clinicians, in-process step + pictures: {summary(in_process_times(n, steps))}")
            proc, url = start_view(scenario)
            try:
                first, times, in_page = browser_times(url, steps, warmup)
                print(f"{n:>5} clinicians, browser step + redraw:     {summary(times)}")
                print(f"{n:>5} clinicians, same, on the page's clock: {summary(in_page)}")
                gap = 1000 * (first - statistics.median(times))
                print(f"{n:>5} clinicians, first step after start-up: {1000 * first:6.1f} ms ({gap:+.0f} ms vs median)")
                rate = play_rate(url, args.play_seconds)
                print(f"{n:>5} clinicians, Play: {rate:5.1f} weeks/s")
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    mine, servers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"CPU seconds: this process {mine.ru_utime + mine.ru_stime:.1f}, "
        f"view servers {servers.ru_utime + servers.ru_stime:.1f} (chromium not counted)"
    )


if __name__ == "__main__":
    from simulation.settings import configure

    configure()
    main()
