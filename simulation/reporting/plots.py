"""Planner-facing plots of a simulation run.

Every public function writes exactly one PNG and closes its figure. The
module selects the non-interactive ``Agg`` backend, so it is safe on headless
machines and in tests.

Inputs follow the fixed interface of the simulation:

* ``steps``: one row per replication and step with the columns ``replication``,
  ``step``, ``share_none``, ``share_verify``, ``share_primary``,
  ``share_skeptical`` (fractions), ``competence_gap`` (1-7 scale points, may be
  NaN) and more; or, for runs too big to hold, ``Bands`` of one scenario (or a
  mapping scenario name -> ``Bands``) read from a ``stepstore.StepStore``.
* ``snapshot``: a dict with ``positions``, ``edges``, ``attitude``, ``mode``,
  ``department``, ``department_names``, ``skeptical_below`` and ``step``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Literal, Mapping, Union

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import patheffects  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from simulation.results.stepstore import FrameSteps, StepSource, finite_range, quantile_bands  # noqa: E402

DPI = 120
FIGSIZE = (9.0, 5.0)
NETWORK_PAIR_FIGSIZE = (10.0, 9.5)

# Okabe-Ito colour-blind-safe palette, used consistently across all figures.
COLOR_SKEPTICAL = "#D55E00"  # vermillion
COLOR_NONE = "#8C8C8C"  # grey
COLOR_VERIFY = "#0072B2"  # blue
COLOR_PRIMARY = "#E69F00"  # orange
ATTITUDE_CMAP = "RdBu"  # red = skeptical, blue = enthusiastic

MODE_LABELS: dict[int, str] = {
    0: "No AI use",
    1: "AI to verify own decision",
    2: "AI as primary decision aid",
}
MODE_COLORS: dict[int, str] = {0: COLOR_NONE, 1: COLOR_VERIFY, 2: COLOR_PRIMARY}

# (column, label, colour, line style); skeptical is dashed because it is an
# attitude, while the other three are mutually exclusive behaviours.
SHARE_SERIES: list[tuple[str, str, str, str]] = [
    ("share_skeptical", "Skeptical of clinical AI", COLOR_SKEPTICAL, "--"),
    ("share_none", MODE_LABELS[0], COLOR_NONE, "-"),
    ("share_verify", MODE_LABELS[1], COLOR_VERIFY, "-"),
    ("share_primary", MODE_LABELS[2], COLOR_PRIMARY, "-"),
]
ATTITUDE_LABEL = "Attitude toward clinical AI (1 = very skeptical, 7 = enthusiastic)"
GAP_LABEL = "Peer rating gap (non-users minus AI users), 1-7 scale points"

ColorBy = Literal["attitude", "mode"]


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def _unit_label(step_unit: str) -> str:
    """'week' -> 'Week' (axis labels and panel titles)."""
    return step_unit[:1].upper() + step_unit[1:] if step_unit else "Step"


class Bands:
    """What the plots over time draw of one scenario's steps: per column the percentiles across
    replications at every step and the range of the values (each computed once), the number of runs
    and the first and last step."""

    def __init__(self, source: StepSource) -> None:
        self.source = source
        self._bands: dict[str, pd.DataFrame] = {}
        self._ranges: dict[str, tuple[float, float] | None] = {}

    @property
    def runs(self) -> int:
        return self.source.runs

    @property
    def first_step(self) -> int:
        return self.source.first_step

    @property
    def last_step(self) -> int:
        return self.source.last_step

    def bands(self, column: str) -> pd.DataFrame:
        """Frame indexed by step with columns ``p2.5, p25, p50, p75, p97.5`` (NaNs ignored)."""
        if column not in self._bands:
            self._bands[column] = quantile_bands(self.source, column)
        return self._bands[column]

    def range(self, column: str) -> tuple[float, float] | None:
        """Smallest and largest finite value (None if there is none)."""
        if column not in self._ranges:
            self._ranges[column] = finite_range(self.source, column)
        return self._ranges[column]


Steps = Union[pd.DataFrame, Bands]
ScenarioSteps = Union[pd.DataFrame, Mapping[str, Bands]]


def _one(steps: Steps) -> Bands:
    """``Bands`` of a single scenario's steps table (or the bands given)."""
    return steps if isinstance(steps, Bands) else Bands(FrameSteps(steps))


def _by_scenario(steps: ScenarioSteps) -> Mapping[str, Bands]:
    """``Bands`` of every scenario of a steps table with a ``scenario`` column (or the mapping given)."""
    if not isinstance(steps, pd.DataFrame):
        return steps
    return {name: Bands(FrameSteps(steps[steps["scenario"] == name])) for name in pd.unique(steps["scenario"])}


def _overall_range(by: Mapping[str, Bands], column: str) -> tuple[float, float] | None:
    """Range of finite values of ``column`` over every scenario."""
    ranges = [r for r in (b.range(column) for b in by.values()) if r is not None]
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def _band_note(n_runs: int) -> str:
    """One-line explanation of lines and shaded bands."""
    runs = "run" if n_runs == 1 else "runs"
    return (
        f"Line: median of {n_runs} simulation {runs}. "
        "Dark band: middle 50% of runs. Light band: middle 95% of runs."
    )


def _draw_band_line(
    ax: Axes, bands: pd.DataFrame, color: str, label: str, linestyle: str = "-", scale: float = 1.0
) -> None:
    """Draw median line with a light 95 % and a darker 50 % band."""
    x = bands.index.to_numpy()
    ax.fill_between(x, bands["p2.5"] * scale, bands["p97.5"] * scale, color=color, alpha=0.12, lw=0)
    ax.fill_between(x, bands["p25"] * scale, bands["p75"] * scale, color=color, alpha=0.28, lw=0)
    ax.plot(x, bands["p50"] * scale, color=color, lw=2.2, ls=linestyle, label=label)


def _new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """White-background figure with constrained layout."""
    return plt.figure(figsize=figsize, dpi=DPI, facecolor="white", layout="constrained")


def _save(fig: Figure, path: Path | str) -> Path:
    """Save ``fig`` as PNG (creating parent folders) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, facecolor="white", format="png")
    plt.close(fig)
    return path


def _set_titles(fig: Figure, ax: Axes, title: str, subtitle: str) -> None:
    """Bold left-aligned title with a grey subtitle underneath."""
    ax.set_title(subtitle, loc="left", fontsize=9.5, color="#555555")
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")


def _style_time_axis(ax: Axes, steps: Bands, step_unit: str) -> None:
    """Common x axis styling for plots over time."""
    ax.set_xlabel(_unit_label(step_unit))
    ax.set_xlim(steps.first_step, steps.last_step)
    last = int(steps.last_step)
    if step_unit == "week" and 52 <= last <= 520:
        # quarters (13 weeks) or half-years / years on longer runs: the milestones planners use
        ax.xaxis.set_major_locator(MultipleLocator(13 if last <= 156 else (26 if last <= 260 else 52)))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.grid(True, color="#e6e6e6", lw=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# --------------------------------------------------------------------------
# time series
# --------------------------------------------------------------------------
def plot_modes_and_skepticism(
    steps: Steps, path: Path | str, step_unit: str = "week", title: str | None = None
) -> Path:
    """Share of clinicians skeptical / not using / verifying with / led by AI over time.

    Each series is the median across replications with the central 50 % and
    95 % of replications shaded. Returns ``path``.
    """
    steps = _one(steps)
    fig = _new_figure()
    ax = fig.add_subplot()
    last = int(steps.last_step)
    for column, label, color, ls in SHARE_SERIES:
        bands = steps.bands(column)
        end = bands["p50"].iloc[-1]
        end_text = f"  ({_unit_label(step_unit).lower()} {last}: {end:.0%})" if pd.notna(end) else ""
        _draw_band_line(ax, bands, color, label + end_text, ls, scale=100.0)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("Share of clinicians")
    _style_time_axis(ax, steps, step_unit)
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=10, handlelength=2.5)
    subtitle = (
        "Dashed line: attitude. Solid lines: how clinicians use AI (they add up to 100%).\n"
        + _band_note(steps.runs)
    )
    _set_titles(fig, ax, title or "Clinical AI use and skepticism over time", subtitle)
    return _save(fig, path)


def plot_competence_gap(
    steps: Steps, path: Path | str, step_unit: str = "week", title: str | None = None
) -> Path:
    """Peer-rated competence gap (non-users minus AI users) over time.

    Median across replications with 50 % / 95 % bands and a zero line.
    Steps where no one uses AI (gap undefined) leave gaps in the line.
    """
    steps = _one(steps)
    fig = _new_figure()
    ax = fig.add_subplot()
    bands = steps.bands("competence_gap")
    ax.axhline(0.0, color="black", lw=1.0, zorder=1)
    _draw_band_line(ax, bands, COLOR_VERIFY, "Median gap")
    lo = np.nanmin(bands["p2.5"].to_numpy(dtype=float), initial=0.0)
    hi = np.nanmax(bands["p97.5"].to_numpy(dtype=float), initial=0.0)
    pad = max(0.1, 0.1 * (hi - lo))
    ax.set_ylim(min(lo, -0.25) - pad, max(hi, 0.25) + pad)
    ax.set_ylabel(GAP_LABEL, fontsize=9)
    _style_time_axis(ax, steps, step_unit)
    # Plain-language cues for the sign, at the right edge of the plot.
    cue = dict(
        transform=ax.transAxes, ha="right", fontsize=9, color="#444444", zorder=6,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8),
    )
    ax.text(0.99, 0.97, "▲ AI users rated LESS competent than non-users", va="top", **cue)
    ax.text(0.99, 0.03, "▼ AI users rated MORE competent than non-users", va="bottom", **cue)
    subtitle = "Above 0 means peers rate clinicians who use AI as less competent than non-users.\n" + _band_note(
        steps.runs
    )
    if bands["p50"].isna().any():
        subtitle += "\nGaps in the line: no clinician used AI yet, so there is nothing to compare."
    _set_titles(fig, ax, title or "Do peers rate AI users as less competent?", subtitle)
    return _save(fig, path)


# --------------------------------------------------------------------------
# networks
# --------------------------------------------------------------------------
def _node_size(n: int) -> float:
    """Marker area that keeps 50-3000 node plots readable."""
    return float(np.clip(6000.0 / max(n, 1), 5.0, 60.0))


def _outline_width(n: int) -> float:
    """Dark node outline (keeps near-neutral, almost white nodes visible)."""
    return 0.4 if n <= 300 else (0.25 if n <= 1000 else 0.12)


def _attitude_norm(skeptical_below: float) -> TwoSlopeNorm:
    """Diverging norm on 1..7 centred at the skepticism threshold."""
    return TwoSlopeNorm(vmin=1.0, vcenter=float(np.clip(skeptical_below, 1.05, 6.95)), vmax=7.0)


def _mode_shares(mode: np.ndarray) -> dict[int, float]:
    """Fraction of nodes in each mode 0/1/2."""
    n = max(len(mode), 1)
    return {m: float(np.sum(mode == m)) / n for m in MODE_LABELS}


def _wrap_label(name: str, width: int = 11) -> str:
    """Break a long department name at its middle space: 'Emergency medicine' -> 'Emergency\\nmedicine'."""
    if len(name) <= width or " " not in name:
        return name
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1:]


def _label_departments(ax: Axes, snapshot: Mapping[str, Any]) -> None:
    """Write department names at their centroids if the layout clusters them."""
    names = list(snapshot.get("department_names") or [])
    dept = np.asarray(snapshot.get("department", []), dtype=int)
    pos = np.asarray(snapshot["positions"], dtype=float)
    if not names or len(dept) != len(pos) or len(pos) < 2:
        return
    overall = float(np.mean(np.linalg.norm(pos - pos.mean(axis=0), axis=1))) or 1.0
    for d, name in enumerate(names):
        members = pos[dept == d]
        if len(members) == 0:
            continue
        centre = members.mean(axis=0)
        spread = float(np.mean(np.linalg.norm(members - centre, axis=1)))
        if spread > 0.6 * overall:  # department not clustered in the layout: a label would mislead
            continue
        top = float(np.quantile(members[:, 1], 0.9))
        ax.text(
            centre[0], top, _wrap_label(name), ha="center", va="bottom", fontsize=8.5, fontweight="bold",
            linespacing=0.95,
            color="#222222", zorder=5, path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )


def _draw_network(ax: Axes, snapshot: Mapping[str, Any], color_by: ColorBy) -> Any:
    """Draw edges and nodes of ``snapshot`` on ``ax``; return the node collection."""
    pos = np.asarray(snapshot["positions"], dtype=float)
    edges = np.asarray(snapshot["edges"], dtype=int).reshape(-1, 2)
    n = len(pos)
    if len(edges):
        lw = 0.6 if len(edges) < 2000 else 0.3
        alpha = float(np.clip(1500.0 / len(edges), 0.12, 0.7))
        ax.add_collection(
            LineCollection(pos[edges], colors="#a8a8a8", linewidths=lw, alpha=alpha, zorder=1)
        )
    size = _node_size(n)
    edge_lw = _outline_width(n)
    if color_by == "attitude":
        values = np.asarray(snapshot["attitude"], dtype=float)
        sc = ax.scatter(
            pos[:, 0], pos[:, 1], c=values, cmap=ATTITUDE_CMAP,
            norm=_attitude_norm(float(snapshot["skeptical_below"])),
            s=size, linewidths=edge_lw, edgecolors="#333333", zorder=2,
        )
    elif color_by == "mode":
        mode = np.asarray(snapshot["mode"], dtype=int)
        colors = np.array([MODE_COLORS.get(int(m), "black") for m in mode])
        sc = ax.scatter(
            pos[:, 0], pos[:, 1], c=colors, s=size, linewidths=edge_lw, edgecolors="#333333", zorder=2
        )
    else:
        raise ValueError(f"color_by must be 'attitude' or 'mode', not {color_by!r}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.margins(0.03)
    ax.set_axis_off()
    return sc


def _attitude_caption(snapshot: Mapping[str, Any]) -> str:
    """E.g. 'Skeptical (attitude below 3.5): 34% of 300 clinicians'."""
    att = np.asarray(snapshot["attitude"], dtype=float)
    thr = float(snapshot["skeptical_below"])
    share = float(np.mean(att < thr)) if len(att) else float("nan")
    return f"Skeptical (attitude below {thr:g}): {share:.0%} of {len(att)} clinicians"


def _mode_caption(snapshot: Mapping[str, Any]) -> str:
    """E.g. 'No AI 60% · Verify 30% · Primary 10%'."""
    s = _mode_shares(np.asarray(snapshot["mode"], dtype=int))
    return f"No AI use {s[0]:.0%}  ·  Verify {s[1]:.0%}  ·  Primary {s[2]:.0%}"


def _add_attitude_colorbar(fig: Figure, sc: Any, axes: Any, skeptical_below: float) -> None:
    """Colorbar for attitude, with the skepticism threshold marked."""
    cbar = fig.colorbar(sc, ax=axes, shrink=0.85, pad=0.02)
    cbar.set_label(ATTITUDE_LABEL, fontsize=9)
    cbar.set_ticks(range(1, 8))
    cbar.ax.axhline(skeptical_below, color="black", lw=1.5)
    cbar.ax.text(
        -0.3, skeptical_below, f"skeptical\nbelow {skeptical_below:g}", transform=cbar.ax.get_yaxis_transform(),
        ha="right", va="center", fontsize=7.5,
    )


def _mode_handles() -> list[Line2D]:
    """Legend handles for the three AI-use modes."""
    return [
        Line2D([], [], ls="", marker="o", ms=8, color=MODE_COLORS[m], label=MODE_LABELS[m])
        for m in MODE_LABELS
    ]


def plot_network(
    snapshot: Mapping[str, Any],
    path: Path | str,
    color_by: ColorBy = "attitude",
    title: str | None = None,
    step_unit: str = "week",
) -> Path:
    """Draw the clinician network of one snapshot, coloured by attitude or AI-use mode."""
    fig = _new_figure((8.0, 7.0))
    ax = fig.add_subplot()
    sc = _draw_network(ax, snapshot, color_by)
    _label_departments(ax, snapshot)
    when = f"{_unit_label(step_unit)} {int(snapshot.get('step', 0))}"
    if color_by == "attitude":
        _add_attitude_colorbar(fig, sc, ax, float(snapshot["skeptical_below"]))
        default, caption = f"Attitude toward clinical AI, {when}", _attitude_caption(snapshot)
    else:
        ax.legend(handles=_mode_handles(), loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=3, frameon=False, fontsize=9)
        default, caption = f"How clinicians use AI, {when}", _mode_caption(snapshot)
    ax.set_title(caption + "\nDots: clinicians. Lines: who talks to whom.", fontsize=9, color="#555555")
    fig.suptitle(title or default, fontsize=13, fontweight="bold")
    return _save(fig, path)


def plot_network_pair(
    snapshot_start: Mapping[str, Any],
    snapshot_end: Mapping[str, Any],
    path: Path | str,
    step_unit: str = "week",
    title: str | None = None,
) -> Path:
    """2x2 network figure: columns start / end, rows attitude / AI-use mode."""
    fig = _new_figure(NETWORK_PAIR_FIGSIZE)
    top, bottom = fig.subfigures(2, 1, hspace=0.02)
    unit = _unit_label(step_unit)
    snaps = (snapshot_start, snapshot_end)

    top_axes = top.subplots(1, 2)
    sc = None
    for ax, snap in zip(top_axes, snaps):
        sc = _draw_network(ax, snap, "attitude")
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _attitude_caption(snap), transform=ax.transAxes,
                ha="center", va="top", fontsize=9)
    _label_departments(top_axes[0], snapshot_start)
    _add_attitude_colorbar(top, sc, top_axes, float(snapshot_end["skeptical_below"]))
    top.suptitle("Attitude toward clinical AI (red = skeptical, blue = enthusiastic)",
                 x=0.02, ha="left", fontsize=11)

    bottom_axes = bottom.subplots(1, 2)
    for ax, snap in zip(bottom_axes, snaps):
        _draw_network(ax, snap, "mode")
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _mode_caption(snap), transform=ax.transAxes,
                ha="center", va="top", fontsize=9)
    bottom.legend(handles=_mode_handles(), loc="outside lower center", ncol=3, frameon=False, fontsize=10)
    bottom.suptitle("How clinicians use AI", x=0.02, ha="left", fontsize=11)

    fig.suptitle(
        title or "Clinician network at the start and at the end (dots: clinicians, lines: who talks to whom)",
        fontsize=12.5, fontweight="bold",
    )
    return _save(fig, path)


# --------------------------------------------------------------------------
# comparison of scenarios (fan charts, cost-effectiveness)
# --------------------------------------------------------------------------
COLOR_BASELINE = "#7a7a7a"
# Colours of alternatives, in ranking order (Okabe-Ito, without the grey of the baseline).
# Okabe-Ito first (colour-blind safe), then Tol's muted colours for runs with many alternatives.
ALTERNATIVE_COLORS = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
    "#882255", "#117733", "#8C564B", "#332288", "#999933",
]


def alternative_color(index: int) -> str:
    """Colour of the ``index``-th alternative (cycles)."""
    return ALTERNATIVE_COLORS[index % len(ALTERNATIVE_COLORS)]


def _grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for ``n`` panels: up to three in a row, four as two by two."""
    cols = 2 if n == 4 else min(n, 3)
    return int(np.ceil(n / cols)), cols


def _panel_grid(fig: Figure, n: int) -> list[Axes]:
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
    _draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", scale)
    _draw_band_line(ax, by[name].bands(column), color, name, "-", scale)


def baseline_label(baseline: str) -> str:
    """'baseline' stays as it is; another name gets ' (baseline)'."""
    return baseline if baseline.lower() == "baseline" else f"{baseline} (baseline)"


def _fan_legend(fig: Figure, baseline: str, alternatives: list[str], note: str) -> None:
    """One legend under the panels (baseline and every alternative) with the band note as its title."""
    handles = [Line2D([], [], color=COLOR_BASELINE, lw=2.2, ls="--", label=baseline_label(baseline))]
    handles += [Line2D([], [], color=alternative_color(i), lw=2.2, label=name) for i, name in enumerate(alternatives)]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles) if len(handles) <= 6 else 4,
               frameon=False, fontsize=10,
               title=note, title_fontsize=9)


def _fit_percent_axis(ax: Axes, values: tuple[float, float] | None) -> None:
    """Y limits around the data of a share column (0-1; its finite range), in percent, inside 0-100 %."""
    if values is None:
        ax.set_ylim(0, 100)
        return
    lo, hi = values[0] * 100.0, values[1] * 100.0
    pad = max(2.0, 0.1 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(100.0, hi + pad))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10], integer=True))


def _y_percent(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))


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
    by = _by_scenario(steps)
    n = max(len(alternatives), 1)
    rows, cols = _grid_shape(n)
    fig = _new_figure((max(7.5, 4.4 * cols + 1.0), (3.6 if rows <= 3 else 2.8) * rows + 1.8))
    axes = _panel_grid(fig, n)
    scale = 100.0 if percent else 1.0
    names = alternatives or [baseline]
    for i, (ax, name) in enumerate(zip(axes, names)):
        if name == baseline:
            _draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", scale)
        else:
            _fan_pair(ax, by, column, baseline, name, alternative_color(i), scale)
        ax.set_title(name if name == baseline else f"{name} vs {baseline}", fontsize=11, loc="left")
        _style_time_axis(ax, by[name], step_unit)
        if percent:
            _y_percent(ax)
        if i % cols == 0:
            ax.set_ylabel(ylabel, fontsize=9.5)
        if i + cols < n:
            ax.set_xlabel("")
    if percent:
        _fit_percent_axis(axes[0], _overall_range(by, column))
    else:
        values = _overall_range(by, column)
        if values is not None:
            lo, hi = values
            pad = max(0.05, 0.1 * (hi - lo))
            axes[0].set_ylim(lo - pad, hi + pad)
        axes[0].yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
        low, high = axes[0].get_ylim()
        if zero_line and low <= 0.0 <= high:
            for ax in axes:
                ax.axhline(0.0, color="black", lw=0.9, zorder=1)
    _fan_legend(fig, baseline, alternatives, _band_note(by[baseline].runs))
    # about 8 characters of a 13 pt bold title per inch of figure width
    fig.suptitle(textwrap.fill(title, int(fig.get_figwidth() * 8)), x=0.01, ha="left", fontsize=13,
                 fontweight="bold")
    return _save(fig, path)


def plot_modes_fan(
    steps: ScenarioSteps, baseline: str, alternatives: list[str], path: Path | str, step_unit: str = "week"
) -> Path:
    """Grid: one row per alternative, one column per AI-use mode, baseline overlaid in grey."""
    by = _by_scenario(steps)
    modes = [("share_none", MODE_LABELS[0]), ("share_verify", MODE_LABELS[1]), ("share_primary", MODE_LABELS[2])]
    names = alternatives or [baseline]
    rows = len(names)
    fig = _new_figure((13.0, (3.2 if rows <= 4 else 2.4) * rows + 1.8))
    axes = fig.subplots(rows, 3, sharex=True, squeeze=False)
    for r, name in enumerate(names):
        for c, (column, label) in enumerate(modes):
            ax = axes[r, c]
            if name == baseline:
                _draw_band_line(ax, by[baseline].bands(column), COLOR_BASELINE, baseline, "--", 100.0)
            else:
                _fan_pair(ax, by, column, baseline, name, alternative_color(r), 100.0)
            _style_time_axis(ax, by[name], step_unit)
            _y_percent(ax)
            _fit_percent_axis(ax, _overall_range(by, column))
            if r == 0:
                ax.set_title(label, fontsize=11, fontweight="bold")
            if c == 0:
                ax.set_ylabel(f"{name}\nshare of clinicians", fontsize=9.5)
            if r < rows - 1:
                ax.set_xlabel("")
    _fan_legend(fig, baseline, alternatives, _band_note(by[baseline].runs))
    fig.suptitle("How clinicians use AI: each alternative against the baseline", x=0.01, ha="left",
                 fontsize=13, fontweight="bold")
    return _save(fig, path)


def _place_labels(fig: Figure, ax: Axes, items: list[tuple[float, float, str, str]], avoid: list) -> None:
    """Label points without overlaps: try a few offsets around each point, keep the first free one.

    ``items``: (x, y, text, colour) in data coordinates; ``avoid``: display-space boxes to keep clear.
    """
    renderer = fig.canvas.get_renderer()
    placed = list(avoid)
    near = [(12, 4, "left"), (12, -14, "left"), (-12, 4, "right"), (-12, -14, "right"),
            (14, 22, "left"), (14, -32, "left"), (-14, 22, "right"), (-14, -32, "right")]
    # Further away, joined to the point by a thin leader line, when nothing near is free.
    far = [(dx, dy, "left" if dx > 0 else "right") for dy in (40, -50, 65, -75, 90, -100) for dx in (30, -30, 90)]
    inside = ax.get_window_extent(renderer)

    def draw(x: float, y: float, text: str, color: str, dx: float, dy: float, ha: str):
        # A thin leader line ties every label to its point (short when the label sits next to it).
        leader = {"arrowstyle": "-", "color": color, "lw": 0.8, "shrinkA": 0, "shrinkB": 6}
        return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, fontsize=10.5,
                           fontweight="bold", color=color, zorder=6, arrowprops=leader,
                           path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])

    for x, y, text, color in items:
        # First free spot near the point, else further out with a leader line; if none is free,
        # the spot inside the axes with the fewest overlaps.
        best, best_score = None, None
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
    fig = _new_figure((11.0, 5.6) if numbered else (9.0, 5.6))
    ax = fig.add_subplot()
    ax.axhline(0.0, color="black", lw=0.9, zorder=1)
    ax.scatter([0.0], [0.0], s=60, color=COLOR_BASELINE, zorder=3, marker="s")
    items: list[tuple[float, float, str, str]] = [] if numbered else [(0.0, 0.0, baseline_label(baseline), COLOR_BASELINE)]
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
            ax.errorbar([x], [y], yerr=yerr, fmt="o", ms=8, color=color, ecolor=color, elinewidth=2, capsize=6,
                        zorder=4)
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
    _set_titles(
        fig, ax, title or "What each scenario buys: less skepticism for the hours spent",
        "Higher = fewer skeptical clinicians than the baseline; further right = more clinician time.\n"
        f"Bars: 95 % interval of the {which}; a bar reaching 0 means no clear effect.",
    )
    if numbered:
        ax.legend(handles=key, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9.5,
                  title="Scenario (rank)", title_fontsize=9.5, alignment="left")
    fig.canvas.draw()
    fig.set_layout_engine("none")  # freeze the layout so the label positions checked below stay valid
    to_px = ax.transData.transform
    avoid = []
    for x, low, high in bars:
        (x0, y0), (x1, y1) = to_px((x, low)), to_px((x, high))
        avoid.append(Bbox([[x0 - 7, min(y0, y1)], [x0 + 7, max(y0, y1)]]))
    for x, y, _, _ in items:
        px, py = to_px((x, y))
        avoid.append(Bbox([[px - 6, py - 6], [px + 6, py + 6]]))
    _place_labels(fig, ax, items, avoid)
    return _save(fig, path)
