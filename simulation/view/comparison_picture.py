"""The picture of the "Side by side" card: the watched run (A) and setting B on the same panels, the
difference B - A, and the ensemble's band around A.

Panels over weeks: shares of the three modes (%), share skeptical (%), competence gap (rating
points), and, when B is shown, B - A in percentage points (skeptical, verifying, primary aid). A's
lines are solid, B's dashed, in the report's palette (`simulation.reporting.plots.style`); the band
is the ensemble's 10-90 % across replications (`simulation.view.ensemble`), shaded in each line's
colour. The x axis spans the scenario's horizon, so the band (computed to the horizon) and the
growing lines share one scale. Drawn with matplotlib (Agg) into PNG bytes: the axes, legends and band are
drawn once into a cached background (again only when an axis limit or the band changes) and each frame
draws only the lines on top; paid only while the card is open.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulation.reporting.plots.style import MODE_COLOURS
from simulation.view.drawing import png_bytes
from simulation.view.ensemble import Ensemble

MODE_LINES = (("none", "no AI"), ("verify", "verify"), ("primary", "primary aid"))
SKEPTICAL_COLOUR = "#b2182b"
GAP_COLOUR = "#5e3c99"
# The differences drawn in the last panel: column, label, colour.
DIFFERENCES = (
    ("share_skeptical", "skeptical", SKEPTICAL_COLOUR),
    ("share_verify", "verify", MODE_COLOURS["verify"]),
    ("share_primary", "primary aid", MODE_COLOURS["primary"]),
)


def _percent(series: dict[str, np.ndarray], name: str) -> np.ndarray:
    return 100 * np.asarray(series[name], dtype=float)


def _step_up(value: float, step: float, floor: float) -> float:
    """The smallest multiple of `step` at or above `value`, at least `floor`."""
    if not np.isfinite(value):
        return floor
    return float(max(floor, step * np.ceil(value / step + 1e-9)))


class ComparisonPicture:
    """A (solid) and optionally B (dashed) over `horizon` weeks, with B - A and A's ensemble band."""

    def __init__(self, horizon: int, with_b: bool, width_px: int = 560, height_px: int = 600, dpi: int = 80) -> None:
        self.horizon, self.with_b = int(horizon), with_b
        self.width, self.height = width_px, height_px
        self.figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        panels = 4 if with_b else 3
        self.axes = self.figure.subplots(panels, 1, sharex=True)
        modes, skeptical, gap = self.axes[:3]
        self.a_lines = {
            f"share_{name}": modes.plot([], [], color=MODE_COLOURS[name], linewidth=1.8, label=label)[0]
            for name, label in MODE_LINES
        }
        self.a_lines["share_skeptical"] = skeptical.plot([], [], color=SKEPTICAL_COLOUR, linewidth=1.8, label="A")[0]
        self.a_lines["competence_gap"] = gap.plot([], [], color=GAP_COLOUR, linewidth=1.8)[0]
        self.b_lines = {}
        if with_b:
            for name, line in self.a_lines.items():
                axes = line.axes
                assert axes is not None
                self.b_lines[name] = axes.plot([], [], color=line.get_color(), linewidth=1.6, linestyle="--")[0]
            self.b_lines["share_skeptical"].set_label("B (dashed)")
        self.bands: list = []
        self.band_source: Ensemble | None = None  # the ensemble whose band is drawn
        modes.set_title("Mode of AI use (%)", fontsize=10, loc="left")
        modes.legend(loc="upper right", fontsize=8, ncols=3, frameon=False)
        modes.set_ylim(0, 100)
        skeptical.set_title("Skeptical (%)", fontsize=10, loc="left")
        if with_b:
            skeptical.legend(loc="upper right", fontsize=8, ncols=2, frameon=False)
        gap.set_title("Competence gap (rating points)", fontsize=10, loc="left")
        gap.axhline(0.0, color="#999999", linewidth=0.8)
        self.difference_lines = {}
        if with_b:
            difference = self.axes[3]
            difference.axhline(0.0, color="#999999", linewidth=0.8)
            difference.set_title("B - A (percentage points)", fontsize=10, loc="left")
            for name, label, colour in DIFFERENCES:
                self.difference_lines[name] = difference.plot([], [], color=colour, linewidth=1.6, label=label)[0]
            difference.legend(loc="upper left", fontsize=8, ncols=3, frameon=False)
        self.axes[-1].set_xlabel("week")
        for ax in self.axes:
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8)
            ax.set_xlim(0, max(self.horizon, 1))
        self.figure.subplots_adjust(left=0.11, right=0.98, top=0.96, bottom=0.07, hspace=0.42)
        for line in (*self.a_lines.values(), *self.b_lines.values(), *self.difference_lines.values()):
            line.set_animated(True)  # drawn each frame over a cached background (axes, band, legends)
        self._drawn: tuple | None = None
        self._background = None

    def set_band(self, ensemble: Ensemble | None) -> None:
        """Shade A's ensemble band (10-90 %) on the first three panels; None removes it."""
        for band in self.bands:
            band.remove()
        self.bands = []
        self.band_source = ensemble
        if ensemble is None:
            return
        weeks = np.arange(ensemble.weeks + 1)
        for name, line in self.a_lines.items():
            scale = 1.0 if name == "competence_gap" else 100.0
            low, high = ensemble.band(name)
            axes = line.axes
            assert axes is not None
            self.bands.append(
                axes.fill_between(weeks, scale * low, scale * high, color=line.get_color(), alpha=0.18, linewidth=0)
            )

    def render(
        self,
        a: dict[str, np.ndarray],
        b: dict[str, np.ndarray] | None = None,
        ensemble: Ensemble | None = None,
    ) -> bytes:
        """PNG of the panels; `a`, `b` map steps.csv columns to one value per week (the weeks both ran)."""
        weeks = np.arange(len(a["share_none"]))
        for name, line in self.a_lines.items():
            line.set_data(weeks, a[name] if name == "competence_gap" else _percent(a, name))
        difference_limit = 5.0
        tops = [_percent(a, "share_skeptical")]
        gaps = [np.asarray(a["competence_gap"], dtype=float)]
        if ensemble is not None:
            tops.append(100 * ensemble.band("share_skeptical")[1])
            gaps.extend(ensemble.band("competence_gap"))
        if b is not None and self.with_b:
            b_weeks = np.arange(len(b["share_none"]))
            for name, line in self.b_lines.items():
                line.set_data(b_weeks, b[name] if name == "competence_gap" else _percent(b, name))
            tops.append(_percent(b, "share_skeptical"))
            gaps.append(np.asarray(b["competence_gap"], dtype=float))
            shared = min(len(weeks), len(b_weeks))
            largest = 0.0
            for name, line in self.difference_lines.items():
                change = _percent(b, name)[:shared] - _percent(a, name)[:shared]
                line.set_data(np.arange(shared), change)
                if np.isfinite(change).any():
                    largest = max(largest, float(np.nanmax(np.abs(change))))
            difference_limit = _step_up(largest, 5.0, 5.0)
        gap_values = np.concatenate([g[np.isfinite(g)] for g in gaps])
        limits = (
            _step_up(max(float(np.nanmax(t, initial=0.0)) for t in tops), 10.0, 40.0),
            -_step_up(-float(gap_values.min()), 0.5, 0.5) if gap_values.size else -0.5,
            _step_up(float(gap_values.max()), 0.5, 2.0) if gap_values.size else 2.0,
            difference_limit,
        )
        if (limits, id(self.band_source)) != self._drawn:
            self.axes[1].set_ylim(0, limits[0])
            self.axes[2].set_ylim(limits[1], limits[2])
            if self.with_b:
                self.axes[3].set_ylim(-limits[3], limits[3])
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._drawn = (limits, id(self.band_source))
        self.canvas.restore_region(self._background)
        for line in (*self.a_lines.values(), *self.b_lines.values(), *self.difference_lines.values()):
            axes = line.axes
            assert axes is not None
            axes.draw_artist(line)
        return png_bytes(self.canvas.buffer_rgba(), self.width, self.height)
