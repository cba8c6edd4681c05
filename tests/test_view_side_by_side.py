"""Side by side in the view: setting B stepped in lockstep with the watched model, from the same seed.

Unit checks of the pair (each side equals a single `ViewModel` stepped as many weeks; B follows the
page's model; common random numbers: same network and clinicians unless B changes what builds them;
B - A is zero at week 0), of setting B's choices and their errors, the card rendered in-process with
Solara's test renderer, and one real-browser check (chromium via Playwright): with side by side on,
the picture and the table of differences appear, and the table changes after Step (marked slow: about
25 s with its own server; `uv run pytest -m slow tests/test_view_side_by_side.py`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from conftest import REPO, WORKSHOPS, write_scenario
from helpers import free_port

from simulation.outcomes import COLUMNS
from simulation.view.comparison_picture import ComparisonPicture
from simulation.view.ensemble import run_ensemble
from simulation.view.settings import ViewSettings, default_scenario_path
from simulation.view.side_by_side import COMPARED, SideBySide, Variant
from simulation.view.viewmodel import ViewModel

NO_VERIFY_PENALTY = Variant("param", key="judgment.penalty_verify", value=0.0)


def small(path=None, n: int = 120) -> ViewSettings:
    return ViewSettings.from_file(path or default_scenario_path()).with_value("population.n", n)


def _same_series(model_a, model_b) -> None:
    for name in COLUMNS:
        np.testing.assert_array_equal(
            np.asarray(model_a.datacollector.model_vars[name]), np.asarray(model_b.datacollector.model_vars[name]), name
        )


def test_each_side_equals_a_single_model_stepped_as_many_weeks():
    settings = small()
    pair = SideBySide.build(settings, NO_VERIFY_PENALTY)
    for _ in range(12):
        pair.step()
    assert pair.week == 12 and pair.a.week == pair.b.week == 12
    alone_a, alone_b = ViewModel(settings), ViewModel(NO_VERIFY_PENALTY.apply(settings))
    alone_a.run_to(12)
    alone_b.run_to(12)
    _same_series(pair.a, alone_a)
    _same_series(pair.b, alone_b)
    for name in ("attitude", "mode", "reputation", "trust"):
        np.testing.assert_array_equal(getattr(pair.b.state, name), getattr(alone_b.state, name))
    assert alone_b.config.judgment.penalty_verify == 0.0
    assert alone_a.config.judgment.penalty_verify == settings.values["judgment.penalty_verify"] != 0.0


def test_b_follows_the_page_model_and_the_difference_is_b_minus_a():
    settings = small()
    a = ViewModel(settings)
    a.run_to(30)
    pair = SideBySide.following(a, NO_VERIFY_PENALTY)
    assert pair.b.week == 30 and pair.a is a
    for _ in range(3):
        a.step()  # what SolaraViz's Step does; the card then syncs B
    assert pair.sync() == 3 and pair.week == 33
    alone_b = ViewModel(NO_VERIFY_PENALTY.apply(settings))
    alone_b.run_to(33)
    _same_series(pair.b, alone_b)
    series_a, series_b = pair.series()
    difference = pair.difference()
    for name in COMPARED:
        assert len(difference[name]) == 34
        np.testing.assert_array_equal(difference[name], series_b[name] - series_a[name])
    # Same clinicians at week 0: the shares start equal; the penalty's removal then changes the run.
    for name in ("share_none", "share_verify", "share_primary", "share_skeptical"):
        assert difference[name][0] == 0.0
    assert np.any(difference["share_verify"] != 0.0)
    rows = {label: (x, y, d) for label, x, y, d in pair.rows_now()}
    assert set(rows) == set(COMPARED.values())
    change = 100 * (series_b["share_verify"][-1] - series_a["share_verify"][-1])
    assert rows["verify"][2] == f"{change:+.1f} pp"
    assert rows["verify"][0] == f"{100 * series_a['share_verify'][-1]:.1f} %"


def test_common_random_numbers_same_start_unless_b_changes_what_builds_it():
    settings = small()
    a = ViewModel(settings)
    for variant in (NO_VERIFY_PENALTY, Variant("intervention", key="workshop", value=1.0)):
        shared = SideBySide.following(a, variant).shared
        assert shared.identical, variant
        assert "same network and same clinicians" in shared.note()
    denser = SideBySide.following(a, Variant("param", key="network.mean_degree", value=12)).shared
    assert not denser.network and denser.population
    assert "changes the network" in denser.note()
    bigger = SideBySide.following(a, Variant("param", key="population.n", value=150)).shared
    assert not bigger.identical and "network and the clinicians" in bigger.note()
    a.run_to(4)  # a model that has stepped is compared through its week 0, rebuilt
    assert SideBySide.following(a, NO_VERIFY_PENALTY).shared.identical


def test_b_from_another_file_runs_under_a_seed_and_the_pair_stops_at_the_shorter_horizon(tmp_path):
    short = write_scenario(tmp_path / "short.toml", "[run]\nsteps = 3\n\n[population]\nn = 120\n", extends=WORKSHOPS)
    settings = small(n=120).with_seed("77")
    variant = Variant("file", scenario_path=str(short))
    b = variant.apply(settings)
    assert b.to_scenario().run.seed == 77 and b.interventions["workshop"].enabled
    pair = SideBySide.build(settings, variant)
    assert pair.shared.identical  # baseline and workshops build the same hospital at one seed
    assert "short" in pair.label and "seed 77" in pair.label
    for _ in range(6):
        pair.step()
    assert pair.horizon == 3 and pair.week == 3 and not pair.running


def test_setting_b_errors_name_the_key_and_what_is_allowed():
    settings = small()
    with pytest.raises(ValueError, match="penalty_verify"):
        Variant("param", key="judgment.penalty_verify", value=float("nan")).apply(settings)
    with pytest.raises(ValueError, match="population.n"):
        Variant("param", key="population.n", value=0).apply(settings)
    with pytest.raises(ValueError, match="needs one of population.n"):
        Variant("param", key="judgment.penalty", value=1.0)
    with pytest.raises(ValueError, match="allowed: file, param, intervention"):
        Variant("sweep")
    assert "Peer-led workshops on" in Variant("intervention", key="workshop", value=1.0).describe(settings)
    assert NO_VERIFY_PENALTY.describe(settings).endswith(f"0 instead of {settings.values['judgment.penalty_verify']}")


def test_comparison_picture_draws_both_runs_the_difference_and_the_band():
    settings = small()
    pair = SideBySide.build(settings, NO_VERIFY_PENALTY)
    for _ in range(20):
        pair.step()
    series_a, series_b = pair.series()
    picture = ComparisonPicture(pair.horizon, with_b=True)
    plain = picture.render(series_a, series_b)
    line = picture.difference_lines["share_verify"]
    np.testing.assert_allclose(line.get_ydata(), 100 * (series_b["share_verify"] - series_a["share_verify"]))
    picture.set_band(run_ensemble(settings.to_scenario(), 4))
    banded = picture.render(series_a, series_b, picture.band_source)
    assert len(picture.bands) == 5 and banded != plain
    picture.set_band(None)
    assert picture.render(series_a, series_b) == plain


# --- the card in the page, rendered in-process --------------------------------------------------

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")


def _table_text(rc) -> str:
    tables = [
        w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "side-by-side-table" in w.unsafe_innerHTML
    ]
    assert len(tables) == 1
    return tables[0]


def test_card_is_off_when_the_page_opens_and_side_by_side_follows_step_and_reset():
    from simulation.view.app import ClinicianView

    box, rc = solara.render(
        solara.AppLayout(children=[ClinicianView(scenario=default_scenario_path())]), handle_error=False
    )
    assert not rc.find(v.Html, class_="side-by-side-picture").widgets  # nothing drawn until switched on
    rc.find(v.Switch, label="Side by side with a setting B").widget.v_model = True
    rc.find(v.Html, class_="side-by-side-picture").assert_single()
    assert "Week 0." in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    assert "B: scenario workshops" in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    before = _table_text(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Week 1." in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    assert _table_text(rc) != before
    week_box = rc.find(v.TextField, label="Week (0-104)").widget
    week_box.v_model = "6"
    week_box.fire_event("keyup.enter", None)
    rc.find(v.Btn, children=["Run to week"]).widget.click()  # the sidebar's Run to week advances both
    assert "Week 6." in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "Week 0." in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    assert _table_text(rc) == before  # the same A and B rebuilt: back to week 0's numbers
    rc.find(v.Switch, label="Ensemble band").widget.v_model = True
    note = rc.find(v.Html, class_="ensemble-note")
    assert note.widget.children[0] in ("Ensemble of 8: computing ...",) or "watched run" in note.widget.children[0]
    deadline = time.monotonic() + 60
    while "watched run is replication 0" not in rc.find(v.Html, class_="ensemble-note").widget.children[0]:
        assert time.monotonic() < deadline, "the ensemble did not finish within 60 s"
        time.sleep(0.1)
    assert (
        "Ensemble of 8 replications (0-7, seed 20250801, 104 weeks)"
        in rc.find(v.Html, class_="ensemble-note").widget.children[0]
    )


def test_a_bad_value_for_b_shows_one_error_and_no_pair():
    from simulation.view.side_by_side_panel import SideBySidePanel

    model = solara.reactive(ViewModel(small()))
    box, rc = solara.render(SideBySidePanel(model, []), handle_error=False)
    rc.find(v.Switch, label="Side by side with a setting B").widget.v_model = True
    rc.find(v.Select, label="Setting B").widget.v_model = "one parameter changed"
    rc.find(v.Html, class_="side-by-side-picture").assert_single()
    assert (
        "Penalty for verifying (rating points) 0 instead of 1.47"
        in rc.find(v.Html, class_="side-by-side-week").widget.children[0]
    )
    box_b = rc.find(v.TextField, label="B's value (A: 1.47)").widget
    box_b.v_model = "-5"
    box_b.fire_event("keyup.enter", None)  # an InputFloat commits on Enter or focus-out
    alerts = " ".join(str(w.children) for w in rc.find(v.Alert).widgets)
    assert "setting B: judgment.penalty_verify" in alerts
    assert not rc.find(v.Html, class_="side-by-side-week").widgets


# --- a real browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
ENTRY = [sys.executable, "-c", "from simulation.cli import main; main()"]


@pytest.mark.slow  # about 25 s (its own server, Play and an ensemble); run with `uv run pytest -m slow`
@pytest.mark.skipif(CHROMIUM is None or sync_playwright is None, reason="needs chromium and playwright")
def test_side_by_side_and_ensemble_in_a_real_browser(child_env, tmp_path):
    """Two curves appear (the picture), the table of B - A changes after Step, the ensemble note
    says 'computing' or the band is ready, and the card is closed on a fresh page."""
    scenario = write_scenario(tmp_path / "view.toml", "[population]\nn = 150\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [*ENTRY, "view", str(scenario), "--port", str(port)],
        cwd=REPO,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "readyz", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "simulate view did not start"
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(url)
                expect(page.locator(".numbers-line")).to_contain_text("Week 0 ", timeout=60_000)
                card = page.locator(".side-by-side-card")
                expect(card).to_contain_text("Side by side")
                expect(card.locator("img.side-by-side-picture")).to_have_count(0)
                card.get_by_text("Side by side with a setting B").click()
                expect(card.locator("img.side-by-side-picture")).to_be_visible(timeout=60_000)
                table = card.locator(".side-by-side-differences")
                expect(table).to_contain_text("B − A")
                expect(card.locator(".side-by-side-week")).to_contain_text("Week 0.")
                before = table.inner_text()
                page.get_by_role("button", name="Step").click()
                expect(card.locator(".side-by-side-week")).to_contain_text("Week 1.", timeout=90_000)
                expect(page.locator(".numbers-line")).to_contain_text("Week 1 ")
                assert table.inner_text() != before
                rows = {r.split("\t")[0]: r.split("\t") for r in table.inner_text().splitlines()}
                assert re.fullmatch(r"[+-]\d+\.\d pp", rows["skeptical"][3].strip())
                page.get_by_role("button", name="▶").click()  # Play advances both
                expect(card.locator(".side-by-side-week")).to_contain_text(
                    re.compile(r"Week ([3-9]|\d\d+)\."), timeout=90_000
                )
                page.get_by_role("button", name="❚❚").click()
                expect(page.get_by_role("button", name="▶")).to_be_visible()
                week = re.match(r"Week (\d+) ", page.locator(".numbers-line").inner_text()).group(1)
                expect(card.locator(".side-by-side-week")).to_contain_text(f"Week {week}.", timeout=30_000)
                card.get_by_text("Ensemble band").click()
                expect(card.locator(".ensemble-note")).to_contain_text("Ensemble of 8", timeout=30_000)
                expect(card.locator(".ensemble-note")).to_contain_text(
                    "the watched run is replication 0", timeout=90_000
                )
                expect(card.locator(".side-by-side-start")).to_contain_text("changes the network and the clinicians")
                page.set_viewport_size({"width": 1280, "height": 2400})  # the whole card painted at once
                page.wait_for_function("document.querySelector('img.side-by-side-picture').complete")
                card.screenshot(path=str(tmp_path / "side_by_side.png"))
                shutil.copy(tmp_path / "side_by_side.png", REPO / "outputs" / "view_side_by_side.png")
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
