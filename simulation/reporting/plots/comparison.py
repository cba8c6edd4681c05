"""Charts comparing scenarios: fan charts of one outcome or of the three modes per alternative against
the baseline, and cost against effect. ``steps``: a steps table with a ``scenario`` column or a mapping
scenario name -> ``Bands``. Every function writes exactly one PNG and closes its figure.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from simulation.reporting.plots.bands import Bands, ScenarioSteps, bands_by_scenario, overall_range
from simulation.reporting.plots.figure import (
    band_note,
    draw_band_line,
    new_figure,
    save_figure,
    set_titles,
    style_time_axis,
    y_percent,
)
from simulation.reporting.plots.style import COLOR_BASELINE, MODE_LABELS, alternative_color, baseline_label
from simulation.reporting.plots.text import plain_text


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for ``n`` panels: up to three in a row, four as two by two."""
    cols = 2 if n == 4 else min(n, 3)
    return int(np.ceil(n / cols)), cols


def panel_grid(fig: Figure, n: int) -> list[Axes]:
    """``n`` axes sharing x and y; a panel with no panel below it shows the x tick labels."""
    rows, cols = _grid_shape(n)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    for i, ax in enumerate(axes[:n]):
        if i + cols >= n:
            ax.xaxis.set_tick_params(labelbottom=True)
    return list(axes[:n])


def _fan_pair(
    ax: Axes, by: Mapping[str, Bands], column: str, baseline: str, name: str, color: str, scale: float
) -> None:
    """Baseline (grey) and one alternative (colour), median line with 50 % / 95 % bands each."""
    draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", scale)
    draw_band_line(ax, by[name].bands(column), color, name, "-", scale)


def _fan_legend(fig: Figure, baseline: str, alternatives: list[str], note: str) -> None:
    """One legend under the panels (baseline and every alternative) with the band note as its title."""
    handles = [Line2D([], [], color=COLOR_BASELINE, lw=2.2, ls="--", label=baseline_label(baseline))]
    handles += [Line2D([], [], color=alternative_color(i), lw=2.2, label=name) for i, name in enumerate(alternatives)]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncol=len(handles) if len(handles) <= 6 else 4,
        frameon=False,
        fontsize=10,
        title=note,
        title_fontsize=9,
    )


def _fit_percent_axis(ax: Axes, values: tuple[float, float] | None) -> None:
    """Y limits around the data of a share column (0-1; its finite range), in percent, inside 0-100 %."""
    if values is None:
        ax.set_ylim(0, 100)
        return
    lo, hi = values[0] * 100.0, values[1] * 100.0
    pad = max(2.0, 0.1 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(100.0, hi + pad))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10], integer=True))


@plain_text
def plot_fan_by_scenario(
    steps: ScenarioSteps,
    column: str,
    baseline: str,
    alternatives: list[str],
    path: Path | str,
    title: str,
    ylabel: str,
    percent: bool = True,
    zero_line: bool = False,
    step_unit: str = "week",
) -> Path:
    """One panel per alternative with the baseline overlaid in grey; ``steps`` has a ``scenario`` column.

    Each scenario is drawn as the median across replications with the central 50 % and 95 % of
    replications shaded.
    """
    by = bands_by_scenario(steps)
    n = max(len(alternatives), 1)
    rows, cols = _grid_shape(n)
    fig = new_figure((max(7.5, 4.4 * cols + 1.0), (3.6 if rows <= 3 else 2.8) * rows + 1.8))
    axes = panel_grid(fig, n)
    scale = 100.0 if percent else 1.0
    names = alternatives or [baseline]
    for i, (ax, name) in enumerate(zip(axes, names)):
        if name == baseline:
            draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", scale)
        else:
            _fan_pair(ax, by, column, baseline, name, alternative_color(i), scale)
        ax.set_title(name if name == baseline else f"{name} vs {baseline}", fontsize=11, loc="left")
        style_time_axis(ax, by[name], step_unit)
        if percent:
            y_percent(ax)
        if i % cols == 0:
            ax.set_ylabel(ylabel, fontsize=9.5)
        if i + cols < n:
            ax.set_xlabel("")
    if percent:
        _fit_percent_axis(axes[0], overall_range(by, column))
    else:
        values = overall_range(by, column)
        if values is not None:
            lo, hi = values
            pad = max(0.05, 0.1 * (hi - lo))
            axes[0].set_ylim(lo - pad, hi + pad)
        axes[0].yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
        low, high = axes[0].get_ylim()
        if zero_line and low <= 0.0 <= high:
            for ax in axes:
                ax.axhline(0.0, color="black", lw=0.9, zorder=1)
    _fan_legend(fig, baseline, alternatives, band_note(by[baseline].runs))
    # about 8 characters of a 13 pt bold title per inch of figure width
    fig.suptitle(textwrap.fill(title, int(fig.get_figwidth() * 8)), x=0.01, ha="left", fontsize=13, fontweight="bold")
    return save_figure(fig, path)


@plain_text
def plot_modes_fan(
    steps: ScenarioSteps, baseline: str, alternatives: list[str], path: Path | str, step_unit: str = "week"
) -> Path:
    """Grid: one row per alternative, one column per AI-use mode, baseline overlaid in grey."""
    by = bands_by_scenario(steps)
    modes = [("share_none", MODE_LABELS[0]), ("share_verify", MODE_LABELS[1]), ("share_primary", MODE_LABELS[2])]
    names = alternatives or [baseline]
    rows = len(names)
    fig = new_figure((13.0, (3.2 if rows <= 4 else 2.4) * rows + 1.8))
    axes = fig.subplots(rows, 3, sharex=True, squeeze=False)
    for r, name in enumerate(names):
        for c, (column, label) in enumerate(modes):
            ax = axes[r, c]
            if name == baseline:
                draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", 100.0)
            else:
                _fan_pair(ax, by, column, baseline, name, alternative_color(r), 100.0)
            style_time_axis(ax, by[name], step_unit)
            y_percent(ax)
            _fit_percent_axis(ax, overall_range(by, column))
            if r == 0:
                ax.set_title(label, fontsize=11, fontweight="bold")
            if c == 0:
                ax.set_ylabel(f"{name}\nshare of clinicians", fontsize=9.5)
            if r < rows - 1:
                ax.set_xlabel("")
    _fan_legend(fig, baseline, alternatives, band_note(by[baseline].runs))
    fig.suptitle(
        "How clinicians use AI: each alternative against the baseline",
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight="bold",
    )
    return save_figure(fig, path)


def _place_labels(fig: Figure, ax: Axes, items: list[tuple[float, float, str, str]], avoid: list) -> None:
    """Label points without overlaps: try a few offsets around each point, keep the first free one.

    ``items``: (x, y, text, colour) in data coordinates; ``avoid``: display-space boxes to keep clear.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas (the stubs: the base class)
    placed = list(avoid)
    near = [
        (12, 4, "left"),
        (12, -14, "left"),
        (-12, 4, "right"),
        (-12, -14, "right"),
        (14, 22, "left"),
        (14, -32, "left"),
        (-14, 22, "right"),
        (-14, -32, "right"),
    ]
    # Further away, joined to the point by a thin leader line, when nothing near is free.
    far = [(dx, dy, "left" if dx > 0 else "right") for dy in (40, -50, 65, -75, 90, -100) for dx in (30, -30, 90)]
    inside = ax.get_window_extent(renderer)

    def draw(x: float, y: float, text: str, color: str, dx: float, dy: float, ha: str):
        # A thin leader line ties every label to its point (short when the label sits next to it).
        leader = {"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 6}
        return ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            fontsize=10.5,
            fontweight="bold",
            color=color,
            zorder=6,
            arrowprops=leader,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )

    for x, y, text, color in items:
        # First free spot near the point, else further out with a leader line; if none is free,
        # the spot inside the axes with the fewest overlaps.
        best: tuple[int, int, str] = near[0]  # replaced at rank 0: the first score is always the best so far
        best_score: tuple[bool, int, int] | None = None
        for rank, (dx, dy, ha) in enumerate(near + far):
            label = draw(x, y, text, color, dx, dy, ha)
            box = label.get_window_extent(renderer).expanded(1.05, 1.15)
            label.remove()
            fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            overlaps = sum(box.overlaps(other) for other in placed)
            score = (not fits, overlaps, rank)
            if best_score is None or score < best_score:
                best, best_score = (dx, dy, ha), score
            if fits and overlaps == 0:
                break
        label = draw(x, y, text, color, *best)
        placed.append(label.get_window_extent(renderer))


NAMED_POINTS = 5


@plain_text
def plot_cost_effectiveness(
    points: pd.DataFrame, path: Path | str, baseline: str, title: str | None = None, paired: bool = True
) -> Path:
    """Reduction in skeptical points against extra clinician-hours, one labelled point per scenario.

    ``points`` has the columns ``scenario``, ``extra_cost_hours``, ``reduction``, ``low``, ``high``
    (reduction in percentage points, positive = less skepticism, with its 95 % interval).
    """
    # Up to NAMED_POINTS alternatives are labelled by name; more are numbered in ranking order with a
    # key beside the plot (names of a dozen close points cannot all sit next to their points).
    numbered = len(points) > NAMED_POINTS
    fig = new_figure((11.0, 5.6) if numbered else (9.0, 5.6))
    ax = fig.add_subplot()
    ax.axhline(0.0, color="black", lw=0.9, zorder=1)
    ax.scatter([0.0], [0.0], s=60, color=COLOR_BASELINE, zorder=3, marker="s")
    items: list[tuple[float, float, str, str]] = (
        [] if numbered else [(0.0, 0.0, baseline_label(baseline), COLOR_BASELINE)]
    )
    key = [Line2D([], [], marker="s", ls="", color=COLOR_BASELINE, ms=7, label=baseline_label(baseline))]
    bars = []
    for i, row in enumerate(points.itertuples(index=False)):
        x, y = float(row.extra_cost_hours), float(row.reduction)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        color = alternative_color(i)
        low, high = float(row.low), float(row.high)
        if np.isfinite(low) and np.isfinite(high):
            yerr = np.array([[y - low], [high - y]])
            ax.errorbar(
                [x], [y], yerr=yerr, fmt="o", ms=8, color=color, ecolor=color, elinewidth=2, capsize=6, zorder=4
            )
            bars.append((x, low, high))
        else:
            ax.plot([x], [y], "o", ms=8, color=color, zorder=4)
        items.append((x, y, str(i + 1) if numbered else str(row.scenario), color))
        key.append(Line2D([], [], marker="o", ls="", color=color, ms=7, label=f"{i + 1}  {row.scenario}"))
    xs = np.r_[0.0, points["extra_cost_hours"].to_numpy(dtype=float)]
    ys = np.r_[0.0, points[["reduction", "low", "high"]].to_numpy(dtype=float).ravel()]
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    xmax = max(float(xs.max()), 10.0)
    ax.set_xlim(min(0.0, float(xs.min())) - 0.06 * xmax, xmax * 1.22)
    ylo, yhi = float(ys.min()), float(ys.max())
    pad = max(0.5, 0.15 * (yhi - ylo))
    ax.set_ylim(min(ylo, 0.0) - pad, max(yhi, 0.0) + pad)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("Extra clinician-hours spent compared with the baseline (whole run)")
    ax.set_ylabel("Reduction in skeptical clinicians\n(percentage points, 95 % interval)")
    ax.grid(True, color="#e6e6e6", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    which = "paired difference" if paired else "difference"
    set_titles(
        fig,
        ax,
        title or "What each scenario buys: less skepticism for the hours spent",
        "Higher = fewer skeptical clinicians than the baseline; further right = more clinician time.\n"
        f"Bars: 95 % interval of the {which}; a bar reaching 0 means no clear effect.",
    )
    if numbered:
        ax.legend(
            handles=key,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=9.5,
            title="Scenario (rank)",
            title_fontsize=9.5,
            alignment="left",
        )
    fig.canvas.draw()
    fig.set_layout_engine("none")  # freeze the layout so the label positions checked below stay valid
    to_px = ax.transData.transform
    avoid = []
    for x, low, high in bars:
        (x0, y0), (_, y1) = to_px((x, low)), to_px((x, high))
        avoid.append(Bbox([[x0 - 7, min(y0, y1)], [x0 + 7, max(y0, y1)]]))
    for x, y, _, _ in items:
        px, py = to_px((x, y))
        avoid.append(Bbox([[px - 6, py - 6], [px + 6, py + 6]]))
    _place_labels(fig, ax, items, avoid)
    return save_figure(fig, path)
