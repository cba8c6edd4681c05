"""By department and role: each plan's difference in the final share of skeptical clinicians from the
baseline, department by department and role by role (groups.csv), one panel per plan, a dot with its
95 % interval per group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulation.reporting.plots.comparison import panel_grid
from simulation.reporting.plots.figure import new_figure, save_figure
from simulation.reporting.plots.style import alternative_color
from simulation.reporting.plots.text import plain_text

MAX_PANELS = 6  # plans drawn (the best-ranked first); groups.csv holds every plan


def group_label(kind: str, name: str) -> str:
    """The row label of a group: a department's name, or 'nurse (role)'."""
    return name if kind == "department" else f"{name} (role)"


@plain_text
def plot_group_differences(groups: pd.DataFrame, plans: list[str], path: Path | str, baseline: str) -> Path:
    """Panels (one per plan of `plans` with rows in `groups`, at most MAX_PANELS) of the difference in
    skeptical points from `baseline` per department, then per role, with its 95 % interval."""
    rows = groups[groups["group_type"].isin(["department", "role"])]
    plans = [p for p in plans if ((rows["scenario"] == p) & rows["skeptical_difference"].notna()).any()]
    plans = plans[:MAX_PANELS]
    first = rows[rows["scenario"] == (plans[0] if plans else baseline)]
    labels = [group_label(k, n) for k, n in zip(first["group_type"], first["group"], strict=True)]
    departments = int((first["group_type"] == "department").sum())
    count = max(1, len(plans))
    columns = min(count, 3)
    panel_rows = (count + columns - 1) // columns
    height = panel_rows * (0.24 * len(labels) + 0.9) + 0.8
    fig = new_figure((9.6, height))
    axes = panel_grid(fig, count)
    y = np.arange(len(labels))
    for index, (ax, name) in enumerate(zip(axes, plans, strict=False)):
        part = rows[rows["scenario"] == name]
        part = part.set_index(
            pd.Index([group_label(k, n) for k, n in zip(part["group_type"], part["group"], strict=True)])
        )
        part = part[~part.index.duplicated()].reindex(labels)  # the baseline's groups, in its order
        d = 100 * part["skeptical_difference"].to_numpy(dtype=float)
        low = 100 * part["skeptical_ci_low"].to_numpy(dtype=float)
        high = 100 * part["skeptical_ci_high"].to_numpy(dtype=float)
        color = alternative_color(index)
        ax.hlines(y, low, high, color=color, lw=2.0, alpha=0.55)
        ax.plot(d, y, "o", color=color, ms=5)
        ax.axvline(0, color="#555555", lw=0.9)
        if 0 < departments < len(labels):
            ax.axhline(departments - 0.5, color="#bbbbbb", lw=0.8, ls=":")
        ax.set_title(name, loc="left", fontsize=10, fontweight="bold")
        ax.grid(True, axis="x", color="#e6e6e6", lw=0.8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_yticks(y, labels)
    for ax in axes:
        ax.tick_params(axis="y", labelsize=8)
    axes[0].set_ylim(len(labels) - 0.5, -0.5)
    fig.suptitle(
        f"Final share skeptical by department and role: difference from {baseline} (percentage points, 95 % interval)",
        x=0.01, ha="left", fontsize=11, fontweight="bold",
    )  # fmt: skip
    fig.supxlabel("Skeptical, points vs baseline (below 0: fewer skeptics)", fontsize=9.5)
    return save_figure(fig, path)
