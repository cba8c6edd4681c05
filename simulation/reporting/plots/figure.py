"""Figure helpers shared by every family of plots: a new figure, titles, the time axis, the median line
with its bands, saving a PNG. Selects the non-interactive ``Agg`` backend, so it is safe on headless
machines. Every plotting function wears `simulation.reporting.plots.text.plain_text`."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter  # noqa: E402

from simulation.reporting.plots.bands import Bands  # noqa: E402
from simulation.reporting.plots.style import DPI, FIGSIZE, unit_label  # noqa: E402


def band_note(n_runs: int) -> str:
    """One-line explanation of lines and shaded bands."""
    runs = "run" if n_runs == 1 else "runs"
    return f"Line: median of {n_runs} simulation {runs}. Dark band: middle 50% of runs. Light band: middle 95% of runs."


def draw_band_line(
    ax: Axes, bands: pd.DataFrame, color: str, label: str, linestyle: str = "-", scale: float = 1.0
) -> None:
    """Draw median line with a light 95 % and a darker 50 % band."""
    x = bands.index.to_numpy()
    ax.fill_between(x, bands["p2.5"] * scale, bands["p97.5"] * scale, color=color, alpha=0.12, lw=0)
    ax.fill_between(x, bands["p25"] * scale, bands["p75"] * scale, color=color, alpha=0.28, lw=0)
    ax.plot(x, bands["p50"] * scale, color=color, lw=2.2, ls=linestyle, label=label)


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """White-background figure with constrained layout."""
    return plt.figure(figsize=figsize, dpi=DPI, facecolor="white", layout="constrained")


def save_figure(fig: Figure, path: Path | str) -> Path:
    """Save ``fig`` as PNG (creating parent folders) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, facecolor="white", format="png")
    plt.close(fig)
    return path


def set_titles(fig: Figure, ax: Axes, title: str, subtitle: str) -> None:
    """Bold left-aligned title with a grey subtitle underneath."""
    ax.set_title(subtitle, loc="left", fontsize=9.5, color="#555555")
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")


def style_time_axis(ax: Axes, steps: Bands, step_unit: str) -> None:
    """Common x axis styling for plots over time."""
    ax.set_xlabel(unit_label(step_unit))
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


def y_percent(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
