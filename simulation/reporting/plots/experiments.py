"""Figures of sweeps and sensitivity analyses (PNG, matplotlib's Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from simulation.reporting.labels import OUTCOME_LABELS  # noqa: E402
from simulation.reporting.plots.text import plain_text  # noqa: E402

METADATA = {"Software": None}  # no version stamp: equal runs give equal bytes
CURVE_TITLE = "{label} at the end: mean, 95 % CI (dark), middle 95 % of runs (light)"


def outcome_label(outcome: str) -> str:
    """The report's plain name of an outcome (`reporting.labels.OUTCOME_LABELS`), else its column name."""
    return OUTCOME_LABELS.get(outcome, outcome).replace(" per {unit}", "")


def key_label(key: str) -> str:
    """An axis label for a scenario key path: its last name in words, then the path
    ("seats (interventions[0].seats)")."""
    name = key.rsplit(".", 1)[-1].replace("_", " ")
    return name if name == key else f"{name} ({key})"


def _percent_axis(ax, outcome: str) -> None:
    """Shares (0-1) shown as percentages on the y axis."""
    if outcome.startswith("share_"):
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _numeric(values) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values
    )


def _positions(values: list) -> tuple[np.ndarray, list[str] | None]:
    if _numeric(values):
        return np.asarray(values, dtype=float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


def _save(fig, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=METADATA)
    plt.close(fig)
    return f"plots/{path.name}"


def _curve(ax, rows: pd.DataFrame, key: str, label: str | None, color=None) -> None:
    values = list(pd.unique(rows[key]))
    x, ticks = _positions(values)
    order = np.argsort(x)
    x = x[order]
    rows = rows.set_index(key).loc[[values[i] for i in order]]
    line = ax.plot(x, rows["mean"], marker="o", label=label, color=color)[0]
    ax.fill_between(x, rows["range_low"], rows["range_high"], color=line.get_color(), alpha=0.10, linewidth=0)
    ax.fill_between(x, rows["ci_low"], rows["ci_high"], color=line.get_color(), alpha=0.30, linewidth=0)
    if ticks is not None:
        ax.set_xticks(x, [ticks[i] for i in order])


@plain_text
def sweep_plots(
    folder: Path, experiment, summary: pd.DataFrame, replications: pd.DataFrame, outcomes: list[str], design: str
) -> list[str]:
    keys = experiment.keys
    written = []
    for outcome in outcomes:
        rows = summary[summary["outcome"] == outcome]
        if design == "factorial" and len(keys) == 1:
            fig, ax = plt.subplots(figsize=(7, 4.2))
            _curve(ax, rows, keys[0], None)
            ax.set(
                xlabel=key_label(keys[0]),
                ylabel=outcome_label(outcome),
                title=CURVE_TITLE.format(label=outcome_label(outcome)),
            )
            _percent_axis(ax, outcome)
            ax.title.set_fontsize(9)
            ax.grid(alpha=0.3)
            written.append(_save(fig, folder / f"{outcome}_curve.png"))
        elif design == "factorial" and len(keys) == 2:
            # Curves along the numeric key (the first if both are), one per value of the other key.
            x_key, line_key = (
                (keys[0], keys[1])
                if _numeric(list(pd.unique(rows[keys[0]]))) or not _numeric(list(pd.unique(rows[keys[1]])))
                else (keys[1], keys[0])
            )
            fig, ax = plt.subplots(figsize=(7, 4.2))
            for value in pd.unique(rows[line_key]):
                _curve(ax, rows[rows[line_key] == value], x_key, f"{key_label(line_key).split(' (')[0]}: {value}")
            ax.set(
                xlabel=key_label(x_key),
                ylabel=outcome_label(outcome),
                title=CURVE_TITLE.format(label=outcome_label(outcome)),
            )
            _percent_axis(ax, outcome)
            ax.title.set_fontsize(9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            written.append(_save(fig, folder / f"{outcome}_curves.png"))
            table = rows.pivot(index=keys[1], columns=keys[0], values="mean")
            fig, ax = plt.subplots(figsize=(7, 4.2))
            image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
            ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
            ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
            grid = table.to_numpy(dtype=float)
            middle = np.nanmin(grid) + 0.6 * (np.nanmax(grid) - np.nanmin(grid)) if np.isfinite(grid).any() else 0.0
            share = outcome.startswith("share_")
            for (i, j), value in np.ndenumerate(grid):
                if value == value:  # dark text on the bright (high) end of viridis
                    text = f"{100 * value:.1f}%" if share else f"{value:.3g}"
                    ax.text(
                        j, i, text, ha="center", va="center", fontsize=7, color="black" if value > middle else "white"
                    )
            ax.set(
                xlabel=key_label(keys[0]),
                ylabel=key_label(keys[1]),
                title=f"{outcome_label(outcome)} at the end (mean over replications)",
            )
            ax.title.set_fontsize(9)
            bar = fig.colorbar(image, ax=ax)
            if share:
                from matplotlib.ticker import PercentFormatter

                bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            fig.tight_layout()
            written.append(_save(fig, folder / f"{outcome}_heatmap.png"))
        else:
            means = replications.groupby("point")[outcome].mean()
            fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3.4), squeeze=False)
            points = {p.index: p.values for p in experiment.points}
            for axis, (ax, key) in enumerate(zip(axes[0], keys, strict=True)):
                values = [points[i][axis] for i in means.index]
                x, ticks = _positions(list(pd.unique(pd.Series(values))) if not _numeric(values) else values)
                if ticks is not None:
                    lookup = {v: i for i, v in enumerate(pd.unique(pd.Series(values)))}
                    x = np.asarray([lookup[v] for v in values], dtype=float)
                    ax.set_xticks(range(len(ticks)), ticks)
                ax.scatter(x, means.to_numpy(), s=12)
                ax.set(xlabel=key_label(key), ylabel=outcome_label(outcome) if axis == 0 else None)
                _percent_axis(ax, outcome)
                ax.grid(alpha=0.3)
            fig.suptitle(f"{outcome_label(outcome)} at the end, one dot per point (mean over replications)", fontsize=9)
            fig.tight_layout()
            written.append(_save(fig, folder / f"{outcome}_scatter.png"))
    return written


@plain_text
def sensitivity_plot(folder: Path, table: pd.DataFrame, outcome: str, method: str, noise: float | None) -> str:
    """Tornado-style horizontal bars: Morris mu* (with its interval and sigma) or Sobol S1 / ST."""
    rows = table[table["outcome"] == outcome]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    if method == "morris":
        ax.barh(
            y, rows["mu_star"], xerr=rows["mu_star_conf"], color="tab:blue", alpha=0.8, label="mu* (95 % bootstrap CI)"
        )
        ax.scatter(rows["sigma"], y, color="tab:orange", zorder=3, label="sigma (interactions, non-linearity)")
        if "noise_floor" in rows and rows["noise_floor"].notna().any():
            ax.scatter(
                rows["noise_floor"], y, marker="|", s=300, color="black", zorder=4, label="replication noise floor"
            )
        ax.set_xlabel(f"mu*: mean absolute change of {outcome}\nacross the parameter's whole range")
    else:
        ax.barh(
            y + 0.18, rows["ST"], height=0.36, xerr=rows["ST_conf"], color="tab:blue", label="total index ST (95 % CI)"
        )
        ax.barh(
            y - 0.18, rows["S1"], height=0.36, xerr=rows["S1_conf"], color="tab:green", label="first-order S1 (95 % CI)"
        )
        if noise is not None and noise == noise:
            ax.axvline(noise, color="grey", linestyle="--", label="share of variance from replication noise")
        ax.set_xlabel(f"share of the variance of {outcome}")
    ax.set_yticks(y, rows["parameter"])
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"{method.title()} sensitivity, largest first\n{outcome_label(outcome)} ({outcome})", fontsize=9)
    fig.tight_layout()
    return _save(fig, folder / f"{method}_{outcome}.png")
