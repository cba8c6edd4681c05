"""The effect over time: each plan's paired difference in the skeptical share from the baseline, week
by week (effects.csv), one panel per plan, with the range of 95 % of runs and the programme's end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.ticker import MaxNLocator

from simulation.reporting.plots.comparison import panel_grid
from simulation.reporting.plots.figure import new_figure, save_figure
from simulation.reporting.plots.style import alternative_color
from simulation.reporting.plots.text import plain_text


@plain_text
def plot_effect_over_time(effects: pd.DataFrame, plans: list[str], path: Path | str, baseline: str) -> Path:
    """Panels (one per plan in `plans`) of the difference in skeptical points from `baseline`."""
    rows = effects[effects["outcome"] == "share_skeptical"]
    plans = [p for p in plans if (rows["scenario"] == p).any()]
    count = max(1, len(plans))
    columns = 2 if count == 4 else min(count, 3)
    height = 2.6 * ((count + columns - 1) // columns) + 1.0
    fig = new_figure((9.6, height))
    axes = panel_grid(fig, count)
    for index, (ax, name) in enumerate(zip(axes, plans, strict=False)):
        part = rows[rows["scenario"] == name].sort_values("step")
        color = alternative_color(index)
        x = part["step"].to_numpy()
        ax.fill_between(x, 100 * part["chance_low"], 100 * part["chance_high"], color=color, alpha=0.18, lw=0)
        ax.plot(x, 100 * part["difference"], color=color, lw=2.2)
        ax.axhline(0, color="#555555", lw=0.9)
        end = part["programme_end"].dropna()
        if not end.empty:
            ax.axvline(float(end.iloc[0]), color="#555555", lw=0.9, ls=":")
            ax.annotate("programme ends", (float(end.iloc[0]), ax.get_ylim()[1]), fontsize=8, color="#555555",
                        ha="right", va="top", rotation=90)  # fmt: skip
        ax.set_title(name, loc="left", fontsize=10, fontweight="bold")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
        ax.grid(True, color="#e6e6e6", lw=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_ylabel("Skeptical, points vs baseline")
    fig.suptitle(
        f"The effect over time: difference in the share skeptical from {baseline} (percentage points)",
        x=0.01, ha="left", fontsize=12, fontweight="bold",
    )  # fmt: skip
    fig.supxlabel("Week", fontsize=10)
    return save_figure(fig, path)
