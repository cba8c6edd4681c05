"""Pictures of the clinician network: attitude and mode of AI use of every clinician, at one step or at
the start and the end.

``snapshot``: a dict with ``positions``, ``edges``, ``attitude``, ``mode``, ``department``,
``department_names``, ``skeptical_below`` and ``step``. Every function writes exactly one PNG.

What is drawn (``network_drawing``): a network of at most ``MAX_TIES_DRAWN`` ties is drawn tie by tie;
a bigger one with a random sample of that many ties (a fixed seed: the same network gives the same
picture), and the figure says so. A network of more than ``DEPARTMENT_VIEW_CLINICIANS`` clinicians or
a mean degree above ``DEPARTMENT_VIEW_MEAN_DEGREE`` (with at least two departments) is drawn by
department instead: one circle per department (area: its clinicians; colour: their mean attitude, or a
pie of how they use AI), one line per pair of departments with ties between them (width: how many).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from textwrap import fill
from typing import Any, Literal

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Wedge

from simulation.reporting.plots.figure import new_figure, save_figure
from simulation.reporting.plots.style import (
    ATTITUDE_CMAP,
    ATTITUDE_LABEL,
    MODE_COLORS,
    MODE_LABELS,
    NETWORK_PAIR_FIGSIZE,
    unit_label,
)
from simulation.reporting.plots.text import plain_text

ColorBy = Literal["attitude", "mode"]

# Ties drawn at most in a picture of clinicians. The 500-clinician scenarios have about 2,000 ties (mean
# degree 8) and the smaller ones fewer: drawn in full, as before. Beyond a few thousand, lines at the
# lowest opacity merge into a grey haze that shows no more, while each tie costs about 50 microseconds
# in a start/end figure (four panels): 2 million ties (2,000 clinicians, complete graph) took minutes.
MAX_TIES_DRAWN = 4_000
TIE_SAMPLE_SEED = 20_250_801  # the sample of a network's ties is always the same: pictures are reproducible
# Drawn by department above these: more than 3,000 clinicians (the largest shipped scenario, the
# 3,000-clinician academic medical centre, is still drawn clinician by clinician; above it dots of the
# smallest size cover each other) or a mean degree above 50 (a sample of 4,000 ties would show under
# a tenth of a 1,000-clinician network's ties, and everyone is near everyone: the lines show no structure).
DEPARTMENT_VIEW_CLINICIANS = 3_000
DEPARTMENT_VIEW_MEAN_DEGREE = 50.0


@dataclass(frozen=True)
class NetworkDrawing:
    """What a network picture shows of its snapshots (the start and the end, or one)."""

    level: Literal["clinicians", "departments"]
    clinicians: int
    ties: tuple[int, ...]  # ties of each snapshot
    drawn: tuple[int, ...]  # ties drawn of each (all of them at department level: counted, not drawn)
    reason: str = ""  # why by department, e.g. 'more than 3,000 clinicians'

    @property
    def sampled(self) -> bool:
        return self.level == "clinicians" and any(d < t for d, t in zip(self.drawn, self.ties, strict=True))

    def summary(self) -> str:
        """'4,000 of 14,984 ties drawn (a random sample).', 'Drawn by department (why): N clinicians, M ties.'
        or '' (every tie drawn)."""
        if self.level == "departments":
            ties = " and ".join(dict.fromkeys(f"{t:,}" for t in self.ties))
            return f"Drawn by department ({self.reason}): {self.clinicians:,} clinicians, {ties} ties."
        if not self.sampled:
            return ""
        counts = [f"{d:,} of {t:,}" for d, t in zip(self.drawn, self.ties, strict=True)]
        if len(set(counts)) == 1:
            return f"{counts[0]} ties drawn (a random sample)."
        return f"{' (start) and '.join(counts)} (end) ties drawn (a random sample)."

    def caption(self) -> str:
        """The figure's note: the summary, and at department level what circles and lines mean."""
        if self.level == "departments":
            return (
                f"{self.summary()} Circles: departments (area: clinicians; colour: their mean attitude, or pies: "
                "how they use AI). Lines: ties between departments (width: how many)."
            )
        return self.summary()


def _edges(snapshot: Mapping[str, Any]) -> np.ndarray:
    return np.asarray(snapshot["edges"], dtype=int).reshape(-1, 2)


def _departments(snapshot: Mapping[str, Any]) -> tuple[np.ndarray, list[str]] | None:
    """(department of each clinician, names) when there are at least two departments to draw, else None."""
    names = list(snapshot.get("department_names") or [])
    dept = np.asarray(snapshot.get("department", []), dtype=int)
    n = len(np.asarray(snapshot["attitude"]))
    if len(dept) != n or n == 0 or len(np.unique(dept)) < 2:
        return None
    names += [f"Department {d + 1}" for d in range(len(names), int(dept.max()) + 1)]
    return dept, names


def network_drawing(snapshots: Sequence[Mapping[str, Any]]) -> NetworkDrawing:
    """How ``snapshots`` (of one network: the start and the end, or one) are drawn; see the module docstring."""
    n = len(np.asarray(snapshots[0]["attitude"]))
    ties = tuple(len(_edges(s)) for s in snapshots)
    degree = 2.0 * max(ties) / max(n, 1)
    reasons = []
    if n > DEPARTMENT_VIEW_CLINICIANS:
        reasons.append(f"more than {DEPARTMENT_VIEW_CLINICIANS:,} clinicians")
    if degree > DEPARTMENT_VIEW_MEAN_DEGREE:
        reasons.append(f"mean degree {degree:,.0f}, above {DEPARTMENT_VIEW_MEAN_DEGREE:g}")
    if reasons and _departments(snapshots[0]) is not None:
        return NetworkDrawing("departments", n, ties, ties, "; ".join(reasons))
    return NetworkDrawing("clinicians", n, ties, tuple(min(t, MAX_TIES_DRAWN) for t in ties))


def drawn_ties(edges: np.ndarray, limit: int = MAX_TIES_DRAWN) -> np.ndarray:
    """``edges`` when there are at most ``limit``, else a random sample of ``limit`` of them (in their order;
    the same every time: seed ``TIE_SAMPLE_SEED``)."""
    if len(edges) <= limit:
        return edges
    keep = np.random.default_rng(TIE_SAMPLE_SEED).choice(len(edges), size=limit, replace=False)
    return edges[np.sort(keep)]


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
    """Draw edges (at most ``MAX_TIES_DRAWN``, see ``drawn_ties``) and nodes of ``snapshot`` on ``ax``; return
    the node collection."""
    pos = np.asarray(snapshot["positions"], dtype=float)
    edges = drawn_ties(_edges(snapshot))
    n = len(pos)
    if len(edges):
        lw = 0.6 if len(edges) < 2000 else 0.3
        alpha = float(np.clip(1500.0 / len(edges), 0.12, 0.7))
        segments = pos[edges]  # (edges, 2 ends, 2 coordinates); the stubs want a sequence of arrays
        ax.add_collection(LineCollection(segments, colors="#a8a8a8", linewidths=lw, alpha=alpha, zorder=1))
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


def _department_geometry(snapshot: Mapping[str, Any], dept: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, 2) centres (the mean position of each department's clinicians) and (k,) radii (area: clinicians)."""
    sizes = np.bincount(dept, minlength=k).astype(float)
    pos = np.asarray(snapshot.get("positions", []), dtype=float)
    if pos.shape == (len(dept), 2):
        with np.errstate(invalid="ignore", divide="ignore"):
            centres = np.c_[np.bincount(dept, pos[:, 0], k), np.bincount(dept, pos[:, 1], k)] / sizes[:, None]
    else:  # no layout: departments on a circle
        angle = 2 * np.pi * np.arange(k) / k
        centres = np.c_[np.cos(angle), np.sin(angle)]
    present = np.flatnonzero(sizes > 0)
    gaps = np.linalg.norm(centres[present, None, :] - centres[None, present, :], axis=2)
    spacing = float(np.min(gaps[np.triu_indices(len(present), 1)])) if len(present) > 1 else 1.0
    radii = 0.42 * (spacing or 1.0) * np.sqrt(sizes / sizes.max())
    return centres, radii


def _draw_departments(ax: Axes, snapshot: Mapping[str, Any], color_by: ColorBy, label: bool) -> Any:
    """One circle per department (area: clinicians; colour: mean attitude, or a pie of the AI-use modes) and
    one line per pair of departments with ties between them (width: how many); return the circles."""
    if color_by not in ("attitude", "mode"):
        raise ValueError(f"color_by must be 'attitude' or 'mode', not {color_by!r}")
    departments = _departments(snapshot)
    assert departments is not None  # network_drawing chose this level only with departments
    dept, names = departments
    k = len(names)
    centres, radii = _department_geometry(snapshot, dept, k)
    present = np.flatnonzero(radii > 0)
    edges = _edges(snapshot)
    a, b = dept[edges[:, 0]], dept[edges[:, 1]]
    ties = np.bincount(np.minimum(a, b) * k + np.maximum(a, b), minlength=k * k).reshape(k, k)
    i, j = np.nonzero(np.triu(ties, 1))
    if len(i):
        widths = 0.4 + 7.6 * ties[i, j] / ties[i, j].max()
        segments = np.stack([centres[i], centres[j]], axis=1)
        ax.add_collection(LineCollection(segments, colors="#a8a8a8", linewidths=widths, alpha=0.6, zorder=1))  # type: ignore[arg-type]
    circles = [Circle((float(centres[d, 0]), float(centres[d, 1])), float(radii[d])) for d in present]
    if color_by == "attitude":
        attitude = np.asarray(snapshot["attitude"], dtype=float)
        mean = np.bincount(dept, attitude, k)[present] / np.bincount(dept, minlength=k)[present]
        shapes = PatchCollection(
            circles,
            cmap=ATTITUDE_CMAP,
            norm=_attitude_norm(float(snapshot["skeptical_below"])),
            edgecolors="#333333",
            linewidths=0.6,
            zorder=2,
        )
        shapes.set_array(mean)
    else:
        mode = np.asarray(snapshot["mode"], dtype=int)
        wedges = []
        for d, circle in zip(present, circles, strict=True):
            shares = _mode_shares(mode[dept == d])
            start = 90.0
            for m, share in shares.items():
                if share > 0:
                    centre = (float(centres[d, 0]), float(centres[d, 1]))
                    wedges.append(Wedge(centre, circle.radius, start, start + 360.0 * share, facecolor=MODE_COLORS[m]))
                    start += 360.0 * share
        ax.add_collection(PatchCollection(wedges, match_original=True, linewidths=0, zorder=2))
        shapes = PatchCollection(circles, facecolors="none", edgecolors="#333333", linewidths=0.6, zorder=3)
    ax.add_collection(shapes)
    if label:
        for d in present:
            ax.text(
                centres[d, 0],
                centres[d, 1] + radii[d],
                wrap_label(names[d]),
                ha="center",
                va="bottom",
                fontsize=7.5 if k <= 16 else 6.0,
                fontweight="bold",
                linespacing=0.95,
                color="#222222",
                zorder=5,
                path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
            )
    low = (centres[present] - radii[present, None]).min(axis=0)
    high = (centres[present] + radii[present, None]).max(axis=0)
    pad = 0.06 * float(np.max(high - low))
    # room for the labels on top; the limits as data limits, so that the equal aspect can widen them
    ax.update_datalim([(low[0] - pad, low[1] - pad), (high[0] + pad, high[1] + pad + 0.5 * float(radii.max()))])
    ax.set_aspect("equal", adjustable="datalim")
    ax.autoscale_view()
    ax.margins(0)
    ax.set_axis_off()
    return shapes


def _draw(ax: Axes, snapshot: Mapping[str, Any], color_by: ColorBy, drawing: NetworkDrawing, label: bool) -> Any:
    """The picture of ``snapshot`` at the level ``drawing`` chose (department names on it if ``label``)."""
    if drawing.level == "departments":
        return _draw_departments(ax, snapshot, color_by, label)
    sc = _draw_network(ax, snapshot, color_by)
    if label:
        _label_departments(ax, snapshot)
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


@plain_text
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
    drawing = network_drawing([snapshot])
    sc = _draw(ax, snapshot, color_by, drawing, label=True)
    when = f"{unit_label(step_unit)} {int(snapshot.get('step', 0))}"
    if color_by == "attitude":
        _add_attitude_colorbar(fig, sc, ax, float(snapshot["skeptical_below"]))
        default, caption = f"Attitude toward clinical AI, {when}", _attitude_caption(snapshot)
    else:
        ax.legend(
            handles=_mode_handles(), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False, fontsize=9
        )
        default, caption = f"How clinicians use AI, {when}", _mode_caption(snapshot)
    legend = "Dots: clinicians. Lines: who talks to whom."
    if drawing.level == "departments" or drawing.sampled:
        legend = fill(drawing.caption() if drawing.level == "departments" else f"{legend} {drawing.caption()}", 100)
    ax.set_title(caption + "\n" + legend, fontsize=9, color="#555555")
    fig.suptitle(title or default, fontsize=13, fontweight="bold")
    return save_figure(fig, path)


@plain_text
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

    drawing = network_drawing(snaps)

    top_axes = top.subplots(1, 2)
    sc = None
    for index, (ax, snap) in enumerate(zip(top_axes, snaps)):
        sc = _draw(ax, snap, "attitude", drawing, label=index == 0)
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _attitude_caption(snap), transform=ax.transAxes, ha="center", va="top", fontsize=9)
    _add_attitude_colorbar(top, sc, top_axes, float(snapshot_end["skeptical_below"]))
    top.suptitle("Attitude toward clinical AI (red = skeptical, blue = enthusiastic)", x=0.02, ha="left", fontsize=11)

    bottom_axes = bottom.subplots(1, 2)
    for ax, snap in zip(bottom_axes, snaps):
        _draw(ax, snap, "mode", drawing, label=False)
        ax.set_title(f"{unit} {int(snap.get('step', 0))}", fontsize=12, fontweight="bold")
        ax.text(0.5, -0.01, _mode_caption(snap), transform=ax.transAxes, ha="center", va="top", fontsize=9)
    bottom.legend(handles=_mode_handles(), loc="outside lower center", ncol=3, frameon=False, fontsize=10)
    bottom.suptitle("How clinicians use AI", x=0.02, ha="left", fontsize=11)

    if drawing.level == "departments":
        default = "Clinician network at the start and at the end, by department"
    else:
        default = "Clinician network at the start and at the end (dots: clinicians, lines: who talks to whom)"
    fig.suptitle(title or default, fontsize=12.5, fontweight="bold")
    if drawing.caption():
        fig.supxlabel(fill(drawing.caption(), 130), fontsize=9, color="#555555")
    return save_figure(fig, path)
