"""Pictures for the view, drawn with matplotlib (Agg) from the model's arrays into PNG bytes.

`NetworkPicture` draws the ties and the department labels once into a cached background and, every
frame, only the nodes on top (blitting), so a redraw costs a few milliseconds even at 1,000
clinicians; positions never change. `TimeSeriesPicture` keeps its lines and updates their data each
frame; the weeks of intervention sessions are ticks along the bottom of each panel. Sizes are in
pixels (`width_px`, `height_px`); node sizes in points squared (matplotlib's `s`). Colours are the
report's (`simulation.palette`). Text from a scenario or a data file (department names) is drawn as
plain text, never as matplotlib mathtext (`parse_math=False`).
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba_array
from matplotlib.figure import Figure
from PIL import Image

from simulation.modes import MODE_NAMES
from simulation.outcomes import VIEW_CURVES
from simulation.palette import ATTITUDE_CMAP as ATTITUDE_CMAP_NAME
from simulation.palette import COLOR_GAP, COLOR_SESSION, COLOR_SKEPTICAL, MODE_COLOURS

_MODE_RGBA = to_rgba_array([MODE_COLOURS[name] for name in MODE_NAMES])
# Attitude 1 (very skeptical, red) .. 7 (enthusiastic, blue): the report's colormap.
ATTITUDE_CMAP = colormaps[ATTITUDE_CMAP_NAME]
ATTITUDE_NORM = Normalize(1.0, 7.0)
# Reputation (peer rating, 1-7) of the size legend's three dots; advice in-degrees likewise.
SIZE_KEY = {"reputation": (2.0, 4.0, 6.0), "advice": (0.0, 4.0, 16.0)}


def png_bytes(rgba: np.ndarray | memoryview, width: int, height: int) -> bytes:
    """Encode an RGBA pixel buffer as PNG (fast compression: speed over size)."""
    # Pillow reads any buffer; its stubs name only bytes and the array interface, not memoryview.
    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")  # type: ignore[arg-type]
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def node_colours(color_by: str, attitude: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """(n, 4) RGBA: by attitude (diverging, 1-7) or by mode of use (three colours)."""
    if color_by == "mode":
        return _MODE_RGBA[mode.astype(int)]
    return ATTITUDE_CMAP(ATTITUDE_NORM(attitude))


def node_sizes(size_by: str, reputation: np.ndarray, advice_in_degree: np.ndarray, n: int) -> np.ndarray:
    """Marker areas (points squared): by reputation (1-7 rating points) or by advice in-degree.

    Scaled down for bigger networks so that nodes do not cover each other.
    """
    scale = float(np.clip(300.0 / max(n, 1), 0.25, 1.5))
    if size_by == "advice":
        return scale * (8.0 + 14.0 * np.sqrt(advice_in_degree.astype(float)))
    return scale * (4.0 + 7.0 * (np.clip(reputation, 1.0, 7.0) - 1.0) ** 1.5)


LABEL_CHARACTERS = 22  # a department's name on the picture is cut to this many characters


def short_label(name: str, limit: int = LABEL_CHARACTERS) -> str:
    """`name`, cut with an ellipsis when longer than `limit` characters (the full name is in the tooltip)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def department_label_points(positions: np.ndarray, department: np.ndarray) -> dict[int, tuple[float, float, str]]:
    """Department code -> (x, y, horizontal alignment) of its label, just above its cluster (layout units):
    flush with the cluster's left edge, or with its right edge for a cluster at the right of the
    picture, so that labels of neighbouring clusters do not overlap and none runs off the picture."""
    low, high = positions[:, 0].min(), positions[:, 0].max()
    span = max(high - low, 1e-9)
    points = {}
    for d in np.unique(department):
        members = positions[department == d]
        left, right, top = members[:, 0].min(), members[:, 0].max(), members[:, 1].max()
        if high - (left + right) / 2 < 0.15 * span and len(np.unique(department)) > 1:
            points[int(d)] = (float(right), float(top), "right")
        else:
            points[int(d)] = (float(left), float(top), "left")
    return points


def label_characters(width_px: int, departments: int) -> int:
    """How many characters of a department's name fit above its cluster: departments sit on a grid of
    ceil(sqrt(k)) columns (`simulation.network.layout.department_layout`), 7-point text is about 5.5
    pixels a character, and a cluster may start a few pixels into its column."""
    columns = max(1, math.ceil(math.sqrt(max(departments, 1))))
    return max(8, int(width_px / columns / 5.5) - 2)


class NetworkPicture:
    """The network at fixed positions: ties and department labels drawn once, nodes redrawn each frame.

    `departments`, when given, is (department code per clinician, names by code): each department's
    name is written above its cluster (plain text).
    """

    def __init__(
        self,
        positions: np.ndarray,
        width_px: int = 620,
        height_px: int = 520,
        dpi: int = 100,
        departments: tuple[np.ndarray, list[str]] | None = None,
    ) -> None:
        self.positions = np.asarray(positions, dtype=float)
        self.width, self.height = width_px, height_px
        self.figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_axis_off()
        self.labels = []
        labelled = departments is not None and len(departments[1]) > 1
        self._set_limits(top_margin=0.16 if labelled else 0.0)
        if labelled:
            assert departments is not None
            codes, names = departments
            limit = label_characters(width_px, len(names))
            for d, (x, y, align) in department_label_points(self.positions, np.asarray(codes)).items():
                self.labels.append(
                    self.axes.text(
                        x,
                        y,
                        short_label(str(names[d]), limit),
                        ha=align,
                        va="bottom",
                        fontsize=7,
                        color="#333333",
                        parse_math=False,
                        clip_on=True,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
                        zorder=0,
                    )
                )
        self.ties = LineCollection([], colors=[(0.45, 0.45, 0.45, 0.22)], linewidths=0.5)
        self.axes.add_collection(self.ties)
        self.nodes = self.axes.scatter(
            self.positions[:, 0], self.positions[:, 1], s=10, linewidths=0.3, edgecolors="#333333"
        )
        self.rings = self.axes.scatter([], [], s=[], facecolors="none", edgecolors="#000000", linewidths=1.2)
        self.focus = self.axes.scatter([], [], s=[], facecolors="none", edgecolors="#ffd400", linewidths=2.5)
        for artist in (self.nodes, self.rings, self.focus):
            artist.set_animated(True)
        self._edge_count = -1
        self._background = None
        # Pixel position of every node in the PNG (x right, y down), for clicks.
        xy = self.axes.transData.transform(self.positions)
        self.pixels = np.column_stack([xy[:, 0], self.height - xy[:, 1]])

    def _set_limits(self, top_margin: float = 0.0) -> None:
        """Equal scales on both axes with a small margin around the nodes (`top_margin` layout units
        more above them, for the department labels)."""
        low, high = self.positions.min(axis=0), self.positions.max(axis=0)
        high = high + np.array([0.0, top_margin])
        centre, span = (low + high) / 2, np.maximum(high - low, 1e-9) * 1.06
        aspect = self.width / self.height
        span = np.array([max(span[0], span[1] * aspect), max(span[1], span[0] / aspect)])
        self.axes.set_xlim(centre[0] - span[0] / 2, centre[0] + span[0] / 2)
        self.axes.set_ylim(centre[1] - span[1] / 2, centre[1] + span[1] / 2)

    def _draw_background(self, edges: np.ndarray) -> None:
        self.ties.set_segments(self.positions[edges])
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._edge_count = edges.shape[0]

    def render(
        self,
        edges: np.ndarray,
        colours: np.ndarray,
        sizes: np.ndarray,
        selected: int | None = None,
        neighbours: np.ndarray | None = None,
    ) -> bytes:
        """PNG of the network; `edges` (E, 2) node pairs; ties are redrawn only when E changes."""
        if edges.shape[0] != self._edge_count:
            self._draw_background(edges)
        self.canvas.restore_region(self._background)
        self.nodes.set_facecolor(colours)  # type: ignore[arg-type]  # (N, 4) RGBA rows: matplotlib's stubs omit arrays
        self.nodes.set_sizes(sizes)
        self.axes.draw_artist(self.nodes)
        if selected is not None:
            near = np.asarray(neighbours if neighbours is not None else [], dtype=int)
            self.rings.set_offsets(self.positions[near].reshape(-1, 2))
            self.rings.set_sizes(sizes[near] + 20.0)
            self.axes.draw_artist(self.rings)
            self.focus.set_offsets(self.positions[[selected]])
            self.focus.set_sizes([sizes[selected] + 120.0])
            self.axes.draw_artist(self.focus)
        return png_bytes(self.canvas.buffer_rgba(), self.width, self.height)

    def node_at(self, x_px: float, y_px: float, within_px: float = 14.0) -> int | None:
        """The clinician drawn nearest to pixel (x_px, y_px) of the PNG, if within `within_px`."""
        distance = np.hypot(self.pixels[:, 0] - x_px, self.pixels[:, 1] - y_px)
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= within_px else None


class TimeSeriesPicture:
    """Three stacked panels over weeks: shares of the modes (%), share skeptical (%), competence gap (points).

    Axes change only when the data leave them (weeks: 26, 52, 104, ...; skeptical: steps of 10 %;
    gap: steps of 0.5 points), so most frames restore a cached background and draw only the lines.
    `sessions` are the weeks at which an intervention session happens (ticks at the bottom of every
    panel); `title` names whose curves the first two panels show (the hospital, or one department).
    """

    def __init__(
        self,
        width_px: int = 620,
        height_px: int = 520,
        dpi: int = 80,
        sessions: list[int] | tuple[int, ...] = (),
        title: str = "",
    ) -> None:
        self.sessions = sorted({int(week) for week in sessions})
        self.width, self.height = width_px, height_px
        self.figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(3, 1, sharex=True)
        modes, skeptical, gap = self.axes
        self.mode_lines = {
            name: modes.plot([], [], color=MODE_COLOURS[name], label=label, linewidth=1.8, animated=True)[0]
            for name, label in (("none", "no AI"), ("verify", "verify"), ("primary", "primary aid"))
        }
        modes.set_ylabel("share (%)")
        where = f" · {title}" if title else ""
        modes.set_title(f"Mode of AI use{where}", fontsize=10, loc="left", parse_math=False)
        self.skeptical_line = skeptical.plot([], [], color=COLOR_SKEPTICAL, linewidth=1.8, animated=True)[0]
        skeptical.set_ylabel("share (%)")
        skeptical.set_title(f"Skeptical (attitude below the line){where}", fontsize=10, loc="left", parse_math=False)
        self.gap_line = gap.plot([], [], color=COLOR_GAP, linewidth=1.8, animated=True)[0]
        gap.axhline(0.0, color="#999999", linewidth=0.8)
        gap.set_ylabel("rating points")
        gap.set_xlabel("week")
        gap.set_title(
            "Competence gap, whole hospital" if title else "Competence gap (non-users' minus users' rating)",
            fontsize=10,
            loc="left",
        )
        for ax in self.axes:
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8)
            if self.sessions:  # short ticks along the bottom, in axes height (0-1), at each session's week
                ax.vlines(self.sessions, 0.0, 0.07, transform=ax.get_xaxis_transform(), color=COLOR_SESSION, lw=1.2)
        if self.sessions:
            modes.plot([], [], color=COLOR_SESSION, lw=1.2, label="session")
        modes.legend(loc="upper right", fontsize=8, ncols=4, frameon=False, handlelength=1.2, columnspacing=0.8)
        modes.set_ylim(0, 100)
        self.figure.subplots_adjust(left=0.14, right=0.98, top=0.95, bottom=0.09, hspace=0.38)
        self._limits: tuple[float, float, float, float] | None = None
        self._background = None

    @staticmethod
    def limits(weeks: int, skeptical: np.ndarray, gap: np.ndarray) -> tuple[float, float, float, float]:
        """(last week shown, top of the skeptical axis in %, gap axis low, high) holding all the data."""
        right = 26.0
        while right < weeks - 1:
            right *= 2
        top = max(40.0, 10.0 * np.ceil(np.nanmax(skeptical, initial=0.0) / 10.0 + 0.01))
        finite = gap[np.isfinite(gap)]
        low = min(-0.5, 0.5 * np.floor(finite.min() / 0.5)) if finite.size else -0.5
        high = max(2.0, 0.5 * np.ceil(finite.max() / 0.5)) if finite.size else 2.0
        return right, float(top), float(low), float(high)

    def render(self, series: dict[str, list[float]]) -> bytes:
        """PNG of the panels; `series` maps column names of steps.csv to one value per week.

        The lists may grow while this draws (Play steps the model in another thread): every curve is
        cut to the weeks all of them hold when drawing starts.
        """
        names = VIEW_CURVES
        snapshot = {name: list(series[name]) for name in names}
        length = min(len(values) for values in snapshot.values())
        data = {name: np.asarray(values[:length], dtype=float) for name, values in snapshot.items()}
        weeks = np.arange(length)
        skeptical = 100 * data["share_skeptical"]
        gap = data["competence_gap"]
        limits = self.limits(len(weeks), skeptical, gap)
        if limits != self._limits:
            right, top, low, high = limits
            for ax in self.axes:
                ax.set_xlim(0, right)
            self.axes[1].set_ylim(0, top)
            self.axes[2].set_ylim(low, high)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._limits = limits
        self.canvas.restore_region(self._background)
        for name, line in self.mode_lines.items():
            line.set_data(weeks, 100 * data[f"share_{name}"])
            self.axes[0].draw_artist(line)
        self.skeptical_line.set_data(weeks, skeptical)
        self.axes[1].draw_artist(self.skeptical_line)
        self.gap_line.set_data(weeks, gap)
        self.axes[2].draw_artist(self.gap_line)
        return png_bytes(self.canvas.buffer_rgba(), self.width, self.height)
