"""Plain-language report of a run folder for hospital planners: report.md, report.html, plots/.

``write_run_report(folder, snapshots)`` reads the tables the job wrote into ``folder`` (see
`run_tables`), draws the figures into ``folder/plots`` (`report_figures`) and writes ``report.md``
and a self-contained ``report.html`` (`html`) from the same blocks (`document`). Every number in the
report is a value of those tables formatted by one of `format.FORMATTERS`; nothing is recomputed
here, so the report always matches the tables beside it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simulation.reporting.compare_report import (
    OTHER_HOSPITALS,
    comparison_summary,
    final_table,
    other_hospitals_table,
    ranking_table,
)
from simulation.reporting.diagnostics_report import diagnostics_blocks
from simulation.reporting.document import Block, to_markdown
from simulation.reporting.effects_report import effects_blocks
from simulation.reporting.format import INTERVAL, RANGE_NOTE, fmt_count, fmt_num, fmt_pct, fmt_pct_range, is_missing
from simulation.reporting.glossary import glossary_blocks
from simulation.reporting.groups_report import groups_blocks
from simulation.reporting.hospitals_report import hospitals_blocks
from simulation.reporting.html import write_html
from simulation.reporting.plots.style import baseline_label
from simulation.reporting.report_figures import comparison_figures, single_figures
from simulation.reporting.run_tables import RunTables, all_paired, read_run_tables, run_weeks, unpaired_names
from simulation.reporting.single_report import milestone_parts, summary_paragraph
from simulation.reporting.targets_report import target_plain, target_sentences, targets_blocks
from simulation.reporting.uncertainty_report import answer_blocks, assumptions_blocks, uncertainty_blocks
from simulation.reporting.workbook import write_workbook
from simulation.results.table_files import has_table, read_table


def _run_line(t: RunTables) -> str:
    """One line describing the run."""
    names = list(t.scenarios["scenario"])
    reps = sorted({int(r) for r in t.scenarios["replications"]})
    seeds = sorted({int(s) for s in t.scenarios["seed"]})
    paired = all_paired(t)
    weeks = run_weeks(t)
    listed = [baseline_label(names[0])] + names[1:] if len(names) > 1 else names
    text = (
        f"{'Scenario' if len(names) == 1 else 'Scenarios'}: {', '.join(listed)} · "
        f"{' / '.join(str(r) for r in reps)} replications{' each' if len(names) > 1 else ''} · {weeks} weeks · "
        f"seed {', '.join(str(s) for s in seeds)}"
    )
    unpaired = unpaired_names(t)
    compared = t.alternatives
    if compared and paired:
        text += (
            " · common random numbers: replication k of every scenario starts from the same hospital, "
            "so differences are paired"
        )
    elif compared and len(unpaired) < len(compared):
        text += (
            " · common random numbers: differences are paired, except for "
            f"{', '.join(unpaired)} (a different population or network: compared as independent runs)"
        )
    elif compared:
        text += " · independent runs (differences not paired)"
    if t.other_hospitals:
        text += f" · other hospitals, not compared: {', '.join(t.other_hospitals)}"
    return text


TABLE_FILES = [
    (
        "steps.csv",
        "one row per scenario, replication and week: shares of clinicians in each mode, skeptical, "
        "mean attitude, competence gap, errors, cumulative clinician-hours",
    ),
    ("replications.csv", "one row per scenario and replication: final outcomes and totals"),
    ("scenarios.csv", "the scenarios of this run, their interventions, replications, seed and cost"),
    (
        "comparison.csv",
        "each alternative against the baseline: mean difference with its interval, and per 100 clinician-hours",
    ),
    ("targets.csv", "probability of reaching each target by its deadline, and the week it was reached"),
    ("groups.csv", "each department and role at the end: clinicians, shares, clinician-hours, plans' differences"),
    ("network.csv", "descriptive statistics of each scenario's network: size, degree, clustering, components, layers"),
    ("summary.json", "each outcome at the start, at milestones and at the end, per scenario"),
    ("manifest.json", "scenario files, seeds, versions and timings of the run"),
    ("results.xlsx", "every table above as one Excel workbook: a sheet per file, a sheet explaining the columns"),
]


def _shown_file(folder: Path, name: str) -> str:
    """How the report names file `name` of TABLE_FILES: 'steps.csv', 'steps.parquet', 'steps.csv and
    steps.parquet' (as the run wrote it), or '' when it is not there (manifest.json always is)."""
    if not name.endswith(".csv"):
        return name if (folder / name).exists() or name == "manifest.json" else ""
    written = [f"{name[:-4]}{suffix}" for suffix in (".csv", ".parquet") if (folder / f"{name[:-4]}{suffix}").exists()]
    return "` and `".join(written)


def _how_to_read(t: RunTables, comparison: bool) -> list[Block]:
    reps = ", ".join(sorted({str(int(r)) for r in t.scenarios["replications"]}))
    text = (
        f"Each scenario was run {reps} times (replications) with different random draws. "
        f'A **range of runs** ("{RANGE_NOTE}") shows where the middle 95 % of runs ended: how differently '
        "a hospital like this one could turn out. "
    )
    if comparison and len(unpaired_names(t)) < len(t.alternatives):
        text += (
            f"A **{INTERVAL} of a difference** says how precisely the average effect of a scenario against the "
            "baseline is known; it is much narrower than the range of runs because of **common random numbers**: "
            "replication k of every scenario starts from the same hospital, the same clinicians and the same "
            "random draws, so the difference between two scenarios is measured run by run (paired) and the "
            "luck of each run cancels out. "
        )
        if unpaired_names(t):
            text += (
                f"{', '.join(unpaired_names(t))} "
                f"{'simulates' if len(unpaired_names(t)) == 1 else 'simulate'} a different hospital (population "
                "or network), so differences with it compare independent runs (Welch interval) and are wider. "
            )
    elif comparison:
        text += (
            f"A **{INTERVAL} of a difference** says how precisely the average effect of a scenario against the "
            "baseline is known. Here the scenarios were not run on the same hospital with the same random draws "
            "(no common random numbers: different seeds, population or network), so each difference compares "
            "independent runs (Welch interval) and is wider than a paired one would be. "
        )
    if comparison:
        text += (
            "An interval that does not include 0 means a clear effect. "
            "Differences of shares are in percentage **points**: the difference of the two percentages. "
            "Target probabilities are the share of runs that reached the target by the deadline, "
            "with a Wilson interval. The fan charts show the median run with bands for the middle 50 % and "
            "95 % of runs."
        )
    else:
        text += (
            "The fan charts show the median run with bands for the middle 50 % and 95 % of runs, "
            "so their lines can differ slightly from the means in the text."
        )
    files = [f"`{shown}`: {what}" for name, what in TABLE_FILES if (shown := _shown_file(t.folder, name))]
    return [
        Block("h2", "How to read this"),
        Block("p", text),
        Block("h3", "Table files"),
        Block("ul", items=files + ["`plots/`: the figures of this report as PNG files"]),
    ]


NETWORK_COLUMNS = [
    ("clinicians", "Clinicians", fmt_count),
    ("ties", "Ties", fmt_count),
    ("mean_degree", "Mean degree", lambda x: fmt_num(x, 2)),
    ("clustering", "Clustering", lambda x: fmt_num(x, 2)),
    ("components", "Components", fmt_count),
    ("largest_component_share", "Largest component", fmt_pct),
    ("isolates", "Isolates", fmt_count),
]


def _network_blocks(t: RunTables) -> list[Block]:
    """The network each scenario ran on (network.csv, written by the job); nothing when it is absent."""
    if not has_table(t.folder, "network"):
        return []
    frame = read_table(t.folder, "network", text=("scenario", "layer", "other_layer"), as_csv=True)
    if frame.empty:
        return []
    whole = frame[frame["layer"].isna()]
    rows = []
    for name in t.scenarios["scenario"]:
        values = whole[whole["scenario"] == name].set_index("statistic")["value"]
        if values.empty:
            continue
        rows.append([str(name)] + [fmt(values.get(key)) for key, _, fmt in NETWORK_COLUMNS])
    blocks = [
        Block("h2", "Appendix: the network"),
        Block(
            "p",
            "The clinicians' network at the start of the first replication (a network read from files is the "
            "same in every replication), its ties taken without direction. Mean degree is the average number "
            "of colleagues; clustering is the average share of a clinician's colleague pairs who are "
            "colleagues themselves; a component is a group connected by ties, and isolates have no tie.",
        ),
        Block("table", header=["Scenario"] + [label for _, label, _ in NETWORK_COLUMNS], rows=rows),
    ]
    layers = frame[frame["layer"].notna() & frame["other_layer"].isna() & (frame["statistic"] == "ties")]
    if not layers.empty:
        blocks.append(
            Block(
                "p",
                "Ties per layer of the files (a pair of clinicians tied in several layers counts once in "
                "the network), and the overlap of each pair of layers: the ties in both as a share of the "
                "ties in either (Jaccard index).",
            )
        )
        overlap = frame[frame["other_layer"].notna()]
        table = []
        for _, row in layers.iterrows():
            pairs = overlap[(overlap["scenario"] == row["scenario"]) & (overlap["layer"] == row["layer"])]
            text = ", ".join(f"{p['other_layer']} {fmt_num(p['value'], 2)}" for _, p in pairs.iterrows())
            table.append([str(row["scenario"]), str(row["layer"]), fmt_count(row["value"]), text or "-"])
        blocks.append(Block("table", header=["Scenario", "Layer", "Ties", "Overlap with"], rows=table))
    return blocks


def _diffusion_blocks(t: RunTables) -> list[Block]:
    """Diffusion statistics per scenario (summary.json, from steps.csv); nothing for older summaries."""
    rows = []
    for name in t.scenarios["scenario"]:
        part = t.summary.get("scenarios", {}).get(str(name), {})
        totals, outcomes = part.get("totals", {}), part.get("outcomes", {})
        if "mean_exposure_at_adoption" not in totals or "attitude_assortativity" not in outcomes:
            continue
        exposure, hazard = totals["mean_exposure_at_adoption"], totals.get("mean_adoption_hazard", {})
        attitude, mode = outcomes["attitude_assortativity"], outcomes["mode_assortativity"]
        rows.append(
            [
                str(name),
                f"{fmt_pct(exposure.get('mean'))} ({fmt_pct_range(exposure.get('range95', [None, None]))})",
                fmt_pct(hazard.get("mean")),
                f"{fmt_num(attitude.get('initial'), 2)} → {fmt_num(attitude['final'].get('mean'), 2)}",
                f"{fmt_num(mode.get('initial'), 2)} → {fmt_num(mode['final'].get('mean'), 2)}",
            ]
        )
    if not rows:
        return []
    return [
        Block("h2", "Appendix: how AI use spread"),
        Block(
            "p",
            "Exposure at adoption is the share of a clinician's colleagues who already used AI when the "
            "clinician started (their personal-network threshold in Valente's sense), averaged over adopters, with "
            "the range of 95 % of runs; the weekly hazard is the chance that a clinician who had never used AI "
            "started in a given week, averaged over the weeks. Assortativity (from the start to the end) is the "
            "correlation of colleagues' attitudes across ties, and the same for the way they use AI: above 0, "
            "colleagues are alike.",
        ),
        Block(
            "table",
            header=[
                "Scenario",
                "Exposure at adoption",
                "Weekly hazard",
                "Attitude assortativity",
                "AI-use assortativity",
            ],
            rows=rows,
        ),
    ]


def build_run_report(t: RunTables, figures: Sequence[tuple[str, Path, str]]) -> list[Block]:
    """All blocks of the report of run ``t`` with ``figures`` (heading, path, hint)."""
    comparison = bool(t.alternatives)
    names = list(t.scenarios["scenario"])
    title = (
        f"Clinical AI skepticism: {', '.join(t.ranked())} compared with {t.baseline}"
        if comparison
        else f"Clinical AI skepticism: scenario {t.baseline}"
    )
    blocks = [Block("h1", title), Block("meta", _run_line(t))]
    for name in names:
        row = t.scenario_row(name)
        desc = "" if is_missing(row.get("description")) else str(row.get("description"))
        inter = "" if is_missing(row.get("interventions")) else str(row.get("interventions"))
        if desc or inter:
            blocks.append(Block("p", f"**{name}**: {desc}" + (f" Interventions: {inter}." if inter else "")))
        else:
            blocks.append(Block("p", f"**{name}**."))
    blocks += answer_blocks(t)
    blocks.append(Block("h2", "Summary"))
    if comparison:
        blocks.append(Block("summary", " ".join(comparison_summary(t))))
        blocks += [
            Block("h2", "Ranking of scenarios"),
            Block(
                "p",
                f"Alternatives ranked by how much they cut the final share of skeptical clinicians. "
                f"The first row gives the baseline level at the end; the other rows give the difference "
                f"from the baseline with its {INTERVAL} (shares in percentage points, the competence gap "
                "in 1–7 scale points, errors per run). ✓ marks a clearly better result than the baseline "
                "and ✗ a clearly worse one (the interval excludes zero; which direction is better is the "
                "`better` column of comparison.csv). Clinician-hours and costs are totals per run; "
                "P(target) is the probability of reaching that target by its deadline.",
            ),
            ranking_table(t),
        ]
        if t.target_names():
            blocks.append(
                Block(
                    "p",
                    "Targets: "
                    + "; ".join(
                        f"({i + 1}) {target_plain(t.targets[t.targets['target'].astype(str) == name].iloc[0], run_weeks(t))}"
                        for i, name in enumerate(t.target_names())
                    )
                    + ".",
                )
            )
        blocks += uncertainty_blocks(t)
        blocks += effects_blocks(t, None)
        blocks += assumptions_blocks(t)
        blocks += [
            Block("h2", "Where each scenario ends"),
            Block("p", f"Mean at the end across runs, with the range of {RANGE_NOTE} in brackets."),
            final_table(t),
        ]
    else:
        summary = t.summary["scenarios"][t.baseline]
        targets = " ".join(target_sentences(t, t.baseline))
        blocks.append(Block("summary", summary_paragraph(summary) + (f" {targets}" if targets else "")))
        blocks += [
            Block("h2", "Outcomes over time"),
            Block(
                "p", f"Mean across runs, with the range covering {RANGE_NOTE} in brackets. Shares are % of clinicians."
            ),
            Block("table", *milestone_parts(summary)),
        ]
        blocks += uncertainty_blocks(t)
        blocks += assumptions_blocks(t)
    blocks += groups_blocks(t)
    if t.other_hospitals:
        blocks += [
            Block("h2", OTHER_HOSPITALS),
            Block(
                "p",
                f"These scenarios simulate another hospital than the baseline ({t.baseline}): a different "
                "`[population]` or `[network]`. A difference between two hospitals is not the effect of a plan, "
                "so they are not ranked, not on the charts and not in comparison.csv. Their levels at the end: "
                f"mean across runs, with the range of {RANGE_NOTE} in brackets. To compare a plan for one of "
                "these hospitals, compare it with that hospital's file as its baseline.",
            ),
            other_hospitals_table(t),
        ]
    blocks += hospitals_blocks(t)
    if not t.targets.empty:
        blocks += [
            Block("h2", "Targets"),
            Block(
                "p",
                "How often the runs of each scenario reached each target by its deadline "
                f"(a probability with its {INTERVAL}), and when they first reached it.",
            ),
        ]
        blocks += targets_blocks(t)
    blocks.append(Block("h2", "Figures"))
    for heading, path, hint in figures:
        rel = Path(os.path.relpath(Path(path).resolve(), t.folder.resolve())).as_posix()
        blocks += [Block("h3", heading), Block("p", hint), Block("img", heading, path=rel)]
    # Research statistics (network structure, hazards, assortativity): an appendix after the figures.
    blocks += _network_blocks(t)
    blocks += _diffusion_blocks(t)
    blocks += diagnostics_blocks(t)
    blocks += _how_to_read(t, comparison)
    blocks += glossary_blocks(blocks)  # the words of this report that remain, in plain language
    return blocks


def write_run_report(
    folder: Path | str, snapshots: Mapping[str, Mapping[str, Any] | None] | None = None
) -> dict[str, Path]:
    """Read the tables of run ``folder``; write ``plots/*.png``, ``report.md``, ``report.html`` and
    ``results.xlsx`` (the CSV files as an Excel workbook, `workbook.write_workbook`; so ``--no-report``
    skips it too).

    ``snapshots`` maps scenario name -> {"start": snapshot, "end": snapshot} (replication 0); the
    network pictures are drawn for the baseline and the best-ranked alternative when present.
    Returns name -> path of everything written.
    """
    folder = Path(folder)
    t = read_run_tables(folder)
    workbook = write_workbook(folder)  # first: the report lists it among the files
    plot_dir = folder / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    figures = (comparison_figures if t.alternatives else single_figures)(t, snapshots or {}, plot_dir)
    blocks = build_run_report(t, figures)
    md = folder / "report.md"
    md.write_text(to_markdown(blocks), encoding="utf-8")
    html = write_html(folder / "report.html", blocks, folder)
    written = {Path(p).stem: Path(p) for _, p, _ in figures}
    written.update({Path(b.path).stem: folder / b.path for b in blocks if b.kind == "img"})  # sections' own figures
    written.update({"report.md": md, "report.html": html, "results.xlsx": workbook})
    return written
