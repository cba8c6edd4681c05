"""Pictures of the clinician network: attitude and mode of AI use of every clinician, at one step or at
the start and the end.

``snapshot``: a dict with ``positions``, ``edges``, ``attitude``, ``mode``, ``department``,
``department_names``, ``skeptical_below`` and ``step``. Every function writes exactly one PNG.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulation.reporting.plots.figure import new_figure, save_figure
from simulation.reporting.plots.style import (
    ATTITUDE_CMAP,
    ATTITUDE_LABEL,
    MODE_COLORS,
    MODE_LABELS,
    NETWORK_PAIR_FIGSIZE,
    unit_label,
)

ColorBy = Literal["attitude", "mode"]


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


def wrap_label(name: str, width: int = 11) -> str:
    """Break a long department name at its middle space: 'Emergency medicine' -> 'Emergency\\nmedicine'."""
    if len(name) <= width or " " not in name:
        return name
    spaces = [i for i, ch in enumerate(name) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut + 1 :]


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
            centre[0],
            top,
            wrap_label(name),
            ha="center",
            va="bottom",
            fontsize=8.5,
            fontweight="bold",
            linespacing=0.95,
            color="#222222",
            zorder=5,
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )


def _draw_network(ax: Axes, snapshot: Mapping[str, Any], color_by: ColorBy) -> Any:
    """Draw edges and nodes of ``snapshot`` on ``ax``; return the node collection."""
    pos = np.asarray(snapshot["positions"], dtype=float)
    edges = np.asarray(snapshot["edges"], dtype=int).reshape(-1, 2)
    n = len(pos)
    if len(edges):
        lw = 0.6 if len(edges) < 2000 else 0.3
        alpha = float(np.clip(1500.0 / len(edges), 0.12, 0.7))
        segments = pos[edges]  # (edges, 2 ends, 2 coordinates); the stubs want a sequence of arrays
        ax.add_collection(LineCollection(segments, colors="#a8a8a8", linewidths=lw, alpha=alpha, zorder=1))  # type: ignore[arg-type]
    size = _node_size(n)
    edge_lw = _outline_width(n)
    if color_by == "attitude":
        values = np.asarray(snapshot["attitude"], dtype=float)
        sc = ax.scatter(
            pos[:, 0],
            pos[:, 1],
            c=values,
            cmap=ATTITUDE_CMAP,
            norm=_attitude_norm(float(snapshot["skeptical_below"])),
            s=size,
            linewidths=edge_lw,
            edgecolors="#333333",
            zorder=2,
        )
    elif color_by == "mode":
        mode = np.asarray(snapshot["mode"], dtype=int)
        colors = np.array([MODE_COLORS.get(int(m), "black") for m in mode])
        sc = ax.scatter(pos[:, 0], pos[:, 1], c=colors, s=size, linewidths=edge_lw, edgecolors="#333333", zorder=2)
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
        -0.3,
        skeptical_below,
        f"skeptical\nbelow {skeptical_below:g}",
        transform=cbar.ax.get_yaxis_transform(),
        ha="right",
        va="center",
        fontsize=7.5,
    )


def _mode_handles() -> list[Line2D]:
    """Legend handles for the three AI-use modes."""
    return [Line2D([], [], ls="", marker="o", ms=8, color=MODE_COLORS[m], label=MODE_LABELS[m]) for m in MODE_LABELS]


def plot_network(
    snapshot: Mapping[str, Any],
    path: Path | str,
    color_by: ColorBy = "attitude",
    title: str | None = None,
    step_unit: str = "week",
) -> Path:
    """Draw the clinician network of one snapshot, coloured by attitude or AI-use mode."""
    fig = new_figure((8.0, 7.0))
    ax = fig.add_subplot()
    sc = _draw_network(ax, snapshot, color_by)
    _label_departments(ax, snapshot)
    when = f"{unit_label(step_unit)} {int(snapshot.get('step', 0))}"
    if color_by == "attitude":
        _add_attitude_colorbar(fig, sc, ax, float(snapshot["skeptical_below"]))
        default, caption = f"Attitude toward clinical AI, {when}", _attitude_caption(snapshot)
    else:
        ax.legend(
            handles=_mode_handles(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False, fontsize=9
        )
        default, caption = f"How clinicians use AI, {when}", _mode_caption(snapshot)
    ax.set_title(caption + "\nDots: clinicians. Lines: who talks to whom.", fontsize=9, color="#555555")
    fig.suptitle(title or default, fontsize=13, fontweight="bold")
    return save_figure(fig, path)


def plot_network_pair(
    snapshot_start: Mapping[str, Any],
    snapshot_end: Mapping[str, Any],
    path: Path | str,
    step_unit: str = "week",
    title: str | None = None,
) -> Path:
    """2x2 network figure: columns start / end, rows attitude / AI-use mode."""
    fig = new_figure(NETWORK_PAIR_FIGSIZE)
    top, bottom = fig.subfigures(2, 1, hspace=0.02)  # type: ignore[misc]  # an array of 2 (the stubs: one SubFigure)
    unit = unit_label(step_unit)
    snaps = (snapshot_start, snapshot_end)

    top_axes = top.subplots(1, 2)
    sc = None
    for ax, snap in zip(top_axes, snaps):
        sc = _draw_network(ax, snap, "attitude")
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _attitude_caption(snap), transform=ax.transAxes, ha="center", va="top", fontsize=9)
    _label_departments(top_axes[0], snapshot_start)
    _add_attitude_colorbar(top, sc, top_axes, float(snapshot_end["skeptical_below"]))
    top.suptitle("Attitude toward clinical AI (red = skeptical, blue = enthusiastic)", x=0.02, ha="left", fontsize=11)

    bottom_axes = bottom.subplots(1, 2)
    for ax, snap in zip(bottom_axes, snaps):
        _draw_network(ax, snap, "mode")
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _mode_caption(snap), transform=ax.transAxes, ha="center", va="top", fontsize=9)
    bottom.legend(handles=_mode_handles(), loc="outside lower center", ncol=3, frameon=False, fontsize=10)
    bottom.suptitle("How clinicians use AI", x=0.02, ha="left", fontsize=11)

    fig.suptitle(
        title or "Clinician network at the start and at the end (dots: clinicians, lines: who talks to whom)",
        fontsize=12.5,
        fontweight="bold",
    )
    return save_figure(fig, path)
