"""Plots over time of one scenario: AI use and skepticism, and the competence gap (median and bands).

``steps``: one row per replication and step with the columns ``replication``, ``step``,
``share_none``, ``share_verify``, ``share_primary``, ``share_skeptical`` (fractions),
``competence_gap`` (1-7 scale points, may be NaN) and more; or ``Bands`` read from a ``StepStore``.
Every function writes exactly one PNG and closes its figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from simulation.reporting.plots.bands import Steps, bands_of
from simulation.reporting.plots.figure import (
    band_note,
    draw_band_line,
    new_figure,
    save_figure,
    set_titles,
    style_time_axis,
)
from simulation.reporting.plots.style import COLOR_GAP, GAP_LABEL, SHARE_SERIES, unit_label
from simulation.reporting.plots.text import plain_text


@plain_text
def plot_modes_and_skepticism(
    steps: Steps, path: Path | str, step_unit: str = "week", title: str | None = None
) -> Path:
    """Share of clinicians skeptical / not using / verifying with / led by AI over time.

    Each series is the median across replications with the central 50 % and
    95 % of replications shaded. Returns ``path``.
    """
    steps = bands_of(steps)
    fig = new_figure()
    ax = fig.add_subplot()
    last = int(steps.last_step)
    for column, label, color, ls in SHARE_SERIES:
        bands = steps.bands(column)
        end = bands["p50"].iloc[-1]
        end_text = f"  ({unit_label(step_unit).lower()} {last}: {end:.0%})" if pd.notna(end) else ""
        draw_band_line(ax, bands, color, label + end_text, ls, scale=100.0)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_ylabel("Share of clinicians")
    style_time_axis(ax, steps, step_unit)
    fig.legend(loc="outside lower center", ncol=2, frameon=False, fontsize=10, handlelength=2.5)
    subtitle = "Dashed line: attitude. Solid lines: how clinicians use AI (they add up to 100%).\n" + band_note(
        steps.runs
    )
    set_titles(fig, ax, title or "Clinical AI use and skepticism over time", subtitle)
    return save_figure(fig, path)


@plain_text
def plot_competence_gap(steps: Steps, path: Path | str, step_unit: str = "week", title: str | None = None) -> Path:
    """Peer-rated competence gap (non-users minus AI users) over time.

    Median across replications with 50 % / 95 % bands and a zero line.
    Steps where no one uses AI (gap undefined) leave gaps in the line.
    """
    steps = bands_of(steps)
    fig = new_figure()
    ax = fig.add_subplot()
    bands = steps.bands("competence_gap")
    ax.axhline(0.0, color="black", lw=1.0, zorder=1)
    draw_band_line(ax, bands, COLOR_GAP, "Median gap")
    lo = np.nanmin(bands["p2.5"].to_numpy(dtype=float), initial=0.0)
    hi = np.nanmax(bands["p97.5"].to_numpy(dtype=float), initial=0.0)
    pad = max(0.1, 0.1 * (hi - lo))
    ax.set_ylim(min(lo, -0.25) - pad, max(hi, 0.25) + pad)
    ax.set_ylabel(GAP_LABEL, fontsize=9)
    style_time_axis(ax, steps, step_unit)
    # Plain-language cues for the sign, at the right edge of the plot.
    cue: dict[str, Any] = dict(
        transform=ax.transAxes,
        ha="right",
        fontsize=9,
        color="#444444",
        zorder=6,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8),
    )
    ax.text(0.99, 0.97, "▲ AI users rated LESS competent than non-users", va="top", **cue)
    ax.text(0.99, 0.03, "▼ AI users rated MORE competent than non-users", va="bottom", **cue)
    subtitle = "Above 0 means peers rate clinicians who use AI as less competent than non-users.\n" + band_note(
        steps.runs
    )
    if bands["p50"].isna().any():
        subtitle += "\nGaps in the line: no clinician used AI yet, so there is nothing to compare."
    set_titles(fig, ax, title or "Do peers rate AI users as less competent?", subtitle)
    return save_figure(fig, path)
