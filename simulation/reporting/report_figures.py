"""The figures of the run report: which plots a single run or a comparison gets, drawn into ``plots/``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.reporting.effects_report import read_effects
from simulation.reporting.labels import PLOT_INFO
from simulation.reporting.plots.comparison import plot_cost_effectiveness, plot_fan_by_scenario, plot_modes_fan
from simulation.reporting.plots.effects import plot_effect_over_time
from simulation.reporting.plots.network import NetworkDrawing, network_drawing, plot_network_pair
from simulation.reporting.plots.style import baseline_label
from simulation.reporting.plots.time_series import plot_competence_gap, plot_modes_and_skepticism
from simulation.reporting.run_tables import RunTables, all_paired


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "scenario"


# The reading hint of a network picture drawn by department (plots.network.network_drawing).
DEPARTMENT_HINT = (
    "Each circle is a department (its area: the number of clinicians), each grey line the ties between two "
    "departments (its width: how many); compare the start (left) with the end (right). Top: the department's "
    "mean attitude (red = skeptical); bottom: how its clinicians use AI."
)


def network_hint(hint: str, drawing: NetworkDrawing) -> str:
    """The reading hint of a network picture: ``hint`` (clinician by clinician), with how many ties are drawn
    when they are a sample; ``DEPARTMENT_HINT`` and why, when drawn by department."""
    if drawing.level == "departments":
        return f"{DEPARTMENT_HINT} {drawing.summary()}"
    return f"{hint} {drawing.summary()}" if drawing.sampled else hint


def _network_plots(
    t: RunTables, snapshots: Mapping[str, Mapping[str, Any] | None], names: list[str], plot_dir: Path
) -> dict[str, tuple[Path, str, NetworkDrawing]]:
    out = {}
    for name in names:
        snap = snapshots.get(name) if snapshots else None
        if not snap or "start" not in snap or "end" not in snap:
            continue
        who = baseline_label(name) if name == t.baseline else f"{name} (best-ranked alternative)"
        path = plot_network_pair(
            snap["start"],
            snap["end"],
            plot_dir / f"network_{_slug(name)}.png",
            title=f"{who}: the clinician network at the start and at the end (replication 0)",
        )
        out[f"network_{_slug(name)}"] = (path, name, network_drawing([snap["start"], snap["end"]]))
    return out


def comparison_figures(t: RunTables, snapshots: Mapping[str, Any], plot_dir: Path) -> list[tuple[str, Path, str]]:
    """Write the comparison figures; return (heading, path, one-line reading hint)."""
    ranked = t.ranked()
    steps = t.steps
    figs = [
        (
            "Skeptical clinicians over time",
            plot_fan_by_scenario(
                steps,
                "share_skeptical",
                t.baseline,
                ranked,
                plot_dir / "skeptical_fan.png",
                "Share of clinicians skeptical of clinical AI",
                "Skeptical clinicians",
            ),
            "One panel per alternative (in ranking order), the baseline in grey. Lines are the median run, "
            "shaded bands hold the middle 50 % and 95 % of runs.",
        ),
        (
            "How clinicians use AI over time",
            plot_modes_fan(steps, t.baseline, ranked, plot_dir / "modes_fan.png"),
            "Columns: no AI use, AI to verify one's own decision, AI as the primary decision aid; one row per "
            "alternative, the baseline in grey.",
        ),
        (
            "Do peers rate AI users as less competent?",
            plot_fan_by_scenario(
                steps,
                "competence_gap",
                t.baseline,
                ranked,
                plot_dir / "competence_gap_fan.png",
                "Peer rating gap: how much less competent AI users are rated than non-users (1–7 scale points)",
                "Rating gap (points)",
                percent=False,
                zero_line=True,
            ),
            "Above zero, peers rate clinicians who use AI as less competent than non-users, which holds adoption back.",
        ),
    ]
    rows = []
    for name in ranked:
        sk = t.comp(name, "share_skeptical")
        if sk is None:
            continue
        rows.append(
            {
                "scenario": name,
                "extra_cost_hours": sk.get("extra_cost_hours", float("nan")),
                "reduction": -100.0 * sk["difference"],
                "low": -100.0 * sk["ci_high"],
                "high": -100.0 * sk["ci_low"],
            }
        )
    if rows:
        figs.append(
            (
                "Cost and effect",
                plot_cost_effectiveness(
                    pd.DataFrame(rows), plot_dir / "cost_effectiveness.png", t.baseline, paired=all_paired(t)
                ),
                "Each point is a scenario: how many more clinician-hours it took than the baseline and how many "
                "points it cut the share of skeptical clinicians, with the 95 % interval of that difference.",
            )
        )
    effects = read_effects(t.folder)
    if effects is not None and not effects.empty:
        figs.append(
            (
                "The effect over time",
                plot_effect_over_time(effects, ranked, plot_dir / "effect_over_time.png", t.baseline),
                "One panel per plan: its difference in the share skeptical from the baseline, week by week (line: "
                "mean of the paired runs; band: 95 % of runs); the dotted line is the programme's last session.",
            )
        )
    for path, name, drawing in _network_plots(t, snapshots, [t.baseline] + ranked[:1], plot_dir).values():
        hint = (
            "Each dot is a clinician, each grey line a working relationship; compare the start (left) "
            "with the end (right). Top: attitude (red = skeptical); bottom: how they use AI."
        )
        figs.append((f"The clinician network: {name}", path, network_hint(hint, drawing)))
    return figs


def single_figures(t: RunTables, snapshots: Mapping[str, Any], plot_dir: Path) -> list[tuple[str, Path, str]]:
    steps = t.steps[t.baseline]
    figs = [
        (
            PLOT_INFO["modes_and_skepticism"][0],
            plot_modes_and_skepticism(steps, plot_dir / "modes_and_skepticism.png"),
            PLOT_INFO["modes_and_skepticism"][1],
        ),
        (
            PLOT_INFO["competence_gap"][0],
            plot_competence_gap(steps, plot_dir / "competence_gap.png"),
            PLOT_INFO["competence_gap"][1],
        ),
    ]
    for path, _, drawing in _network_plots(t, snapshots, [t.baseline], plot_dir).values():
        heading, hint = PLOT_INFO["network_start_end"]
        figs.append((heading, path, network_hint(hint, drawing)))
    return figs
