"""Tests for simulation.reporting.plots and the formatting (reporting.format) and single-scenario text
(reporting.single_report) of the report on synthetic data (whole reports of real runs: test_report_run.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simulation.reporting import format as fmt  # noqa: E402
from simulation.reporting.labels import OUTCOME_LABELS  # noqa: E402
from simulation.reporting.plots import comparison, network, style, time_series  # noqa: E402
from simulation.reporting.single_report import milestone_parts, summary_paragraph  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEPARTMENTS = ["Emergency", "Internal medicine", "Radiology", "Surgery", "Pediatrics"]


# --------------------------------------------------------------------------
# synthetic inputs
# --------------------------------------------------------------------------
def make_steps(n_reps: int = 8, n_steps: int = 52, seed: int = 0) -> pd.DataFrame:
    """Plausible steps table: skepticism fades, AI use grows, gap shrinks."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for r in range(n_reps):
        speed = rng.uniform(0.03, 0.09)
        cost = 0.0
        for t in range(n_steps + 1):
            adopt = 1.0 - np.exp(-speed * t)
            primary = 0.25 * adopt * rng.uniform(0.8, 1.2)
            verify = min(0.55 * adopt * rng.uniform(0.9, 1.1), 1.0 - primary)
            cost += 3.0
            rows.append(
                {
                    "replication": r,
                    "step": t,
                    "share_none": 1.0 - verify - primary,
                    "share_verify": verify,
                    "share_primary": primary,
                    "share_skeptical": 0.4 - 0.2 * adopt + rng.normal(0, 0.01),
                    "mean_attitude": 3.8 + 1.0 * adopt,
                    # no users at step 0 -> gap undefined
                    "competence_gap": np.nan if t == 0 else 0.6 * np.exp(-0.04 * t) + rng.normal(0, 0.05),
                    "errors_caught": rng.poisson(2 * adopt),
                    "errors_passed": rng.poisson(0.5 * adopt),
                    "cost_hours": cost,
                }
            )
    return pd.DataFrame(rows)


def make_snapshot(n: int = 120, step: int = 0, seed: int = 1, adopt: float = 0.0) -> dict[str, Any]:
    """Department-clustered network snapshot."""
    rng = np.random.default_rng(seed)
    k = len(DEPARTMENTS)
    dept = rng.integers(0, k, size=n)
    angles = 2 * np.pi * dept / k
    centres = np.c_[np.cos(angles), np.sin(angles)] * 3.0
    positions = centres + rng.normal(0, 0.8, size=(n, 2))
    edges = []
    for i in range(n):
        same = np.flatnonzero(dept == dept[i])
        for j in rng.choice(same, size=min(3, len(same)), replace=False):
            if j != i:
                edges.append((i, int(j)))
        if rng.random() < 0.15:
            edges.append((i, int(rng.integers(0, n))))
    attitude = np.clip(rng.normal(3.9 + 1.2 * adopt, 1.1, size=n), 1, 7)
    u = rng.random(n)
    mode = np.where(u < 0.55 * adopt, 1, np.where(u < 0.8 * adopt, 2, 0))
    return {
        "positions": positions,
        "edges": np.asarray(edges, dtype=int),
        "attitude": attitude,
        "mode": mode.astype(int),
        "department": dept,
        "department_names": DEPARTMENTS,
        "skeptical_below": 3.5,
        "step": step,
    }


def _stat(mean: float, ci: tuple[float, float], rng95: tuple[float, float]) -> dict[str, Any]:
    return {"mean": mean, "ci95": list(ci), "range95": list(rng95)}


def make_summary(cost: float = 1234.5) -> dict[str, Any]:
    """Summary dict with deliberately distinctive numbers."""
    return {
        "scenario": "peer_champions",
        "description": "Peer champions in each department.",
        "replications": 8,
        "steps": 52,
        "step_unit": "week",
        "skeptical_below": 3.5,
        "outcomes": {
            "share_skeptical": {
                "initial": 0.4123,
                "final": _stat(0.2137, (0.2011, 0.2263), (0.1549, 0.2788)),
                "milestones": {
                    "13": _stat(0.3333, (0.32, 0.34), (0.30, 0.37)),
                    "26": _stat(0.2666, (0.25, 0.28), (0.22, 0.31)),
                    "52": _stat(0.2137, (0.2011, 0.2263), (0.1549, 0.2788)),
                },
            },
            "share_verify": {
                "initial": 0.0,
                "final": _stat(0.4871, (0.47, 0.50), (0.4012, 0.5555)),
                "milestones": {
                    "13": _stat(0.2, (0.19, 0.21), (0.15, 0.25)),
                    "26": _stat(0.35, (0.34, 0.36), (0.3, 0.4)),
                    "52": _stat(0.4871, (0.47, 0.50), (0.4012, 0.5555)),
                },
            },
            "share_primary": {
                "initial": 0.0,
                "final": _stat(0.1049, (0.09, 0.12), (0.0617, 0.1502)),
                "milestones": {
                    "13": _stat(0.03, (0.02, 0.04), (0.0, 0.06)),
                    "26": _stat(0.07, (0.06, 0.08), (0.03, 0.11)),
                    "52": _stat(0.1049, (0.09, 0.12), (0.0617, 0.1502)),
                },
            },
            "competence_gap": {
                "initial": 0.0,
                "final": _stat(0.3456, (0.30, 0.39), (-0.1234, 0.6789)),
                "milestones": {
                    "13": _stat(0.51, (0.45, 0.57), (0.2, 0.8)),
                    "26": _stat(0.42, (0.37, 0.47), (0.1, 0.7)),
                    "52": _stat(0.3456, (0.30, 0.39), (-0.1234, 0.6789)),
                },
            },
            "mean_attitude": {
                "initial": 3.9,
                "final": _stat(4.61, (4.5, 4.7), (4.2, 5.0)),
                "milestones": {
                    "13": _stat(4.1, (4.0, 4.2), (3.9, 4.3)),
                    "26": _stat(4.4, (4.3, 4.5), (4.1, 4.7)),
                    "52": _stat(4.61, (4.5, 4.7), (4.2, 5.0)),
                },
            },
        },
        "totals": {
            "errors_caught": _stat(412.3, (400.0, 425.0), (350.0, 470.0)),
            "errors_passed": _stat(87.6, (80.1, 95.2), (61.0, 118.0)),
            "cost_hours": _stat(cost, (1200.0, 1270.0), (1100.0, 1400.0)),
        },
    }


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def assert_valid_png(path: Path, min_w: int = 500, min_h: int = 300) -> None:
    """PNG magic bytes, readable by matplotlib, and a sensible pixel size."""
    assert path.exists(), path
    assert path.read_bytes()[:8] == PNG_MAGIC
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    assert w >= min_w and h >= min_h, (w, h)
    assert w <= 3000 and h <= 3000, (w, h)
    assert float(np.std(img[..., :3])) > 0.01  # not a blank image


# --------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------
def test_time_series_plots(tmp_path: Path) -> None:
    steps = make_steps()
    p1 = time_series.plot_modes_and_skepticism(steps, tmp_path / "modes.png", step_unit="week")
    p2 = time_series.plot_competence_gap(steps, tmp_path / "gap.png", step_unit="week", title="Gap")
    for p in (p1, p2):
        assert_valid_png(Path(p))


def test_competence_gap_all_nan_is_ok(tmp_path: Path) -> None:
    steps = make_steps(n_reps=2, n_steps=5)
    steps["competence_gap"] = np.nan
    assert_valid_png(Path(time_series.plot_competence_gap(steps, tmp_path / "gap.png")))


@pytest.mark.parametrize("color_by", ["attitude", "mode"])
@pytest.mark.parametrize("n", [50, 3000])
def test_plot_network(tmp_path: Path, color_by: str, n: int) -> None:
    snap = make_snapshot(n=n, step=52, adopt=0.7)
    out = network.plot_network(snap, tmp_path / f"net_{color_by}_{n}.png", color_by=color_by)
    assert_valid_png(Path(out))


def test_plot_network_rejects_unknown_color(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        network.plot_network(make_snapshot(n=20), tmp_path / "x.png", color_by="department")  # type: ignore[arg-type]


def test_network_pair(tmp_path: Path) -> None:
    out = network.plot_network_pair(make_snapshot(step=0), make_snapshot(step=52, adopt=0.7), tmp_path / "pair.png")
    assert_valid_png(Path(out))


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def test_single_scenario_summary_key_numbers() -> None:
    text = summary_paragraph(json.loads(json.dumps(make_summary())))  # as if read back from summary.json
    # skeptical: start, end mean, 95 % range across runs
    assert "41.2%" in text
    assert "21.4% (95 % of runs: 15.5–27.9%)" in text
    # verify / primary at the end
    assert "48.7%" in text and "10.5%" in text
    # competence gap: two decimals, and its meaning
    assert "0.35" in text and "less competent" in text
    # totals
    assert "88" in text  # errors passed (mean 87.6)
    assert "1,234" in text or "1,235" in text  # clinician-hours
    # every percentage has exactly one decimal
    assert not re.search(r"\d\.\d\d+%", text) and not re.search(r"(?<![\d.])\d+%", text)


def test_milestone_table() -> None:
    _, header, rows = milestone_parts(make_summary())
    assert header[:2] == ["Outcome", "Start"] and "Week 13" in header and "Week 52 (end)" in header
    skeptical = next(r for r in rows if r[0] == OUTCOME_LABELS["share_skeptical"])
    assert "33.3% (30.0–37.0%)" in skeptical  # milestone cell "mean (lo–hi)"


def test_single_scenario_summary_omits_zero_cost() -> None:
    summary = make_summary(cost=0.0)
    summary["totals"]["cost_hours"] = {"mean": 0.0, "ci95": [0.0, 0.0], "range95": [0.0, 0.0]}
    assert "clinician-hours" not in summary_paragraph(summary)


def test_format_helpers() -> None:
    assert fmt.fmt_pct(0.2137) == "21.4%"
    assert fmt.fmt_pct(0.2) == "20.0%"
    assert fmt.fmt_pct_range([0.1549, 0.2788]) == "15.5–27.9%"
    assert fmt.fmt_signed(0.3456) == "+0.35"
    # Whole numbers from 10 on: Python rounds a tie to the even neighbour ("round half to even", exact
    # here because 1234.5 and 1235.5 are binary fractions), so 1234.5 -> 1,234 and 1235.5 -> 1,236.
    assert fmt.fmt_count(1234.5) == "1,234"
    assert fmt.fmt_count(1235.5) == "1,236"
    assert fmt.fmt_count(2.5) == "2.5"  # one decimal below 10


def test_single_scenario_summary_handles_undefined_gap_and_extra_outcomes() -> None:
    summary = make_summary()
    summary["outcomes"]["competence_gap"]["final"] = {"mean": None, "ci95": [None, None], "range95": [None, None]}
    summary["outcomes"]["errors_passed"] = {
        "initial": 0.0,
        "final": _stat(1.25, (1.0, 1.5), (0.0, 3.0)),
        "milestones": {"13": _stat(1.0, (0.8, 1.2), (0.0, 2.0))},
    }
    assert "could not be measured" in summary_paragraph(summary)
    _, _, rows = milestone_parts(summary)
    errors = next(r for r in rows if r[0] == "AI errors passed on per week")
    assert errors == ["AI errors passed on per week", "0", "1 (0–2)", "n/a", "n/a"]  # only week 13 is known


def test_run_report_formatters() -> None:
    assert fmt.fmt_points(-0.1756) == "-17.6" and fmt.fmt_points(0.02) == "+2.0"
    assert fmt.fmt_points(-0.0001) == "0.0"
    assert fmt.fmt_hours(24640.4) == "24,640"
    assert fmt.fmt_week(15.5) == "15.5" and fmt.fmt_week(16.0) == "16"
    assert fmt.per100_format("share_skeptical")(-0.056998557) == "-5.70"
    assert fmt.diff_format("competence_gap")(-0.123) == "-0.12"
    assert fmt.diff_format("total_errors_passed")(4.6667) == "+4.7"
    assert fmt.unsigned("-17.6") == "17.6"


def test_single_replication_and_other_unit(tmp_path: Path) -> None:
    steps = make_steps(n_reps=1, n_steps=10)
    out = time_series.plot_modes_and_skepticism(steps, tmp_path / "m.png", step_unit="day")
    assert_valid_png(Path(out))


# --------------------------------------------------------------------------
# comparison plots (fan charts by scenario, cost-effectiveness)
# --------------------------------------------------------------------------
def make_comparison_steps(names: list[str], n_reps: int = 4, n_steps: int = 30) -> pd.DataFrame:
    """Steps of several scenarios with a ``scenario`` column; later scenarios adopt faster."""
    frames = []
    for i, name in enumerate(names):
        frame = make_steps(n_reps=n_reps, n_steps=n_steps, seed=i)
        frame["share_skeptical"] -= 0.03 * i * frame["step"] / n_steps
        frame.insert(0, "scenario", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("n_alternatives", [1, 4])
def test_fan_charts_by_scenario(tmp_path: Path, n_alternatives: int) -> None:
    names = ["baseline"] + [f"option_{i}" for i in range(n_alternatives)]
    steps = make_comparison_steps(names)
    p1 = comparison.plot_fan_by_scenario(
        steps, "share_skeptical", "baseline", names[1:], tmp_path / "sk.png", "Skeptical", "Share"
    )
    p2 = comparison.plot_fan_by_scenario(
        steps,
        "competence_gap",
        "baseline",
        names[1:],
        tmp_path / "gap.png",
        "Gap",
        "Points",
        percent=False,
        zero_line=True,
    )
    p3 = comparison.plot_modes_fan(steps, "baseline", names[1:], tmp_path / "modes.png")
    for p in (p1, p2, p3):
        assert_valid_png(Path(p))


def test_fan_chart_of_baseline_alone(tmp_path: Path) -> None:
    steps = make_comparison_steps(["only"])
    assert_valid_png(
        Path(
            comparison.plot_fan_by_scenario(
                steps, "share_skeptical", "only", [], tmp_path / "a.png", "Skeptical", "Share"
            )
        )
    )
    assert_valid_png(Path(comparison.plot_modes_fan(steps, "only", [], tmp_path / "b.png")))


def test_cost_effectiveness_plot(tmp_path: Path) -> None:
    points = pd.DataFrame(
        {
            "scenario": ["workshops", "literacy", "forums", "no_interval"],
            "extra_cost_hours": [308.0, 160.0, 144.0, 50.0],
            "reduction": [17.9, 3.6, 1.6, 0.5],
            "low": [13.3, 1.8, 0.3, np.nan],
            "high": [22.4, 5.4, 2.9, np.nan],
        }
    )
    out = comparison.plot_cost_effectiveness(points, tmp_path / "ce.png", "baseline", paired=False)
    assert_valid_png(Path(out))


def test_department_labels_wrap_long_names() -> None:
    assert network.wrap_label("Emergency medicine") == "Emergency\nmedicine"
    assert network.wrap_label("Surgery") == "Surgery"
    assert style.baseline_label("baseline") == "baseline"
    assert style.baseline_label("status_quo") == "status_quo (baseline)"


# Names as a user's files may write them: matplotlib mathtext (one that fails to parse, one that
# parses) and markup. Every figure draws them as written.
MATHTEXT_NAMES = [r"$\frac{1}{$ plan", "$x^2$ <script>", "plain"]


def _plotting_functions() -> list:
    """Every function that draws a figure: the report's (simulation.reporting.plots), the sweep's and
    sensitivity's, the calibration's and the budget search's."""
    import importlib
    import inspect
    import pkgutil

    import simulation.reporting.plots as plots
    from simulation.experiments import budget_report, calibration

    found = []
    for info in pkgutil.iter_modules(plots.__path__):
        module = importlib.import_module(f"{plots.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and ("plot_" in name or name.endswith(("_plot", "_plots"))):
                found.append(function)
    found += [budget_report._plot_frontier, calibration._plot_fit, calibration._plot_posterior]
    return found


def test_every_plotting_function_draws_names_as_plain_text() -> None:
    functions = _plotting_functions()
    assert len(functions) >= 14
    unwrapped = [f"{f.__module__}.{f.__name__}" for f in functions if not getattr(f, "plain_text", False)]
    assert not unwrapped, f"draw user text as plain text (simulation.reporting.plots.text.plain_text): {unwrapped}"


def test_names_holding_mathtext_are_drawn_as_text(tmp_path: Path) -> None:
    """Scenario and department names with '$...$' give figures; the same figure with mathtext on fails
    (the error the decorator prevents), and the setting is back on after the call."""
    steps = make_comparison_steps(MATHTEXT_NAMES)
    args = (steps, "share_skeptical", MATHTEXT_NAMES[-1], MATHTEXT_NAMES[:-1])
    assert_valid_png(Path(comparison.plot_fan_by_scenario(*args, tmp_path / "fan.png", "T", "Y")))
    assert_valid_png(
        Path(comparison.plot_modes_fan(steps, MATHTEXT_NAMES[-1], MATHTEXT_NAMES[:-1], tmp_path / "m.png"))
    )
    points = pd.DataFrame(
        {"scenario": MATHTEXT_NAMES[:-1], "extra_cost_hours": [100.0, 200.0], "reduction": [2.0, 3.0]}
        | {"low": [1.0, 2.0], "high": [3.0, 4.0]}
    )
    assert_valid_png(Path(comparison.plot_cost_effectiveness(points, tmp_path / "ce.png", "$base$", paired=True)))
    start, end = make_snapshot(step=0), make_snapshot(step=52, adopt=0.7)
    for snap in (start, end):
        snap["department_names"] = [r"$\frac{1}{$", "$x^2$", "<img src=x>", "Surgery", "Radiology"]
    assert_valid_png(Path(network.plot_network_pair(start, end, tmp_path / "pair.png", title=MATHTEXT_NAMES[0])))
    assert matplotlib.rcParams["text.parse_math"] is True
    with pytest.raises(ValueError):  # mathtext on: the name is parsed as TeX and fails
        comparison.plot_fan_by_scenario.__wrapped__(*args, tmp_path / "fails.png", "T", "Y")
    import matplotlib.pyplot as plt

    plt.close("all")  # the figure the failed call left open
