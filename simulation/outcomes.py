"""The outcome catalogue: one entry per column of steps.csv, and the only list of outcomes.

Each `Outcome` knows its name (the column), what it means, its unit, whether it describes the state
at a step or counts what happened during the week, which direction is better, how a value is
written, and whether a `[[targets]]` entry may use it. Tables (`results/`), the report and plots
(`reporting/`), the command line's closing lines, experiments and the browser view read these
entries instead of keeping their own lists (the idea of EMA workbench's `ScalarOutcome` and Mesa's
reporter dict).

Adding an outcome column is one entry here plus the line in `simulation.metrics.measure` (or
`simulation.diffusion`) that measures it.

Kinds:
- ``state``: a value of the state at the end of a step (shares, means); its final value is the value
  at the last step, and targets may use it when ``target`` is true;
- ``count``: a count of the week (errors, incidents); replications.csv carries its total over the run
  as ``total_<name>``;
- ``flow``: a rate or count of the step with no meaningful final value (new adopters, hazard);
- ``cumulative``: a running total (clinician-hours spent so far) or a rate to date (errors reaching
  patients per 1,000 decisions from week 1 to this week); its final value is the run's total or rate.

Formats: ``pct`` (a share 0-1, written as a percent; differences in percentage points), ``signed``
(a difference-like value with a sign), ``count`` (thousands separators), ``num`` (two decimals).

This module imports nothing from the package (and nothing outside the standard library), so the
scenario schema can sit on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["state", "count", "flow", "cumulative"]
Better = Literal["lower", "higher"]
Format = Literal["pct", "signed", "count", "num"]


@dataclass(frozen=True)
class Outcome:
    """One column of steps.csv.

    name: the column; label: its plain-language name in the report (``{unit}`` is replaced by the
    report's time unit, e.g. 'week'); unit: what a value is measured in; kind: state, count, flow or
    cumulative (module docstring); better: the direction a planner prefers (None: neither);
    fmt: how a value is written; target: a `[[targets]]` entry may name it; short: the name in
    comparison tables ('Skeptical'); phrase: the name inside a sentence ('skeptical'); summary: whether
    summary.json describes it (mode_changes, a weekly count whose final value replications.csv keeps,
    is left out); description: what it measures (docs/MODEL.md section 8 lists the same);
    headline: its words in the command line's closing lines after a single-scenario run (HEADLINE);
    live: its words in the browser view's line of current numbers (LIVE), None if not shown there;
    undefined: a run can leave it undefined (NaN: an empty group, no ties, no adopters);
    bounds: the values it can take (lowest, highest), which a `[[targets]]` threshold must lie in;
    None: no natural range. A share (fmt 'pct') is always 0-1.
    """

    name: str
    description: str
    unit: str
    kind: Kind = "state"
    better: Better | None = None
    fmt: Format = "num"
    target: bool = False
    label: str | None = None
    short: str | None = None
    phrase: str | None = None
    summary: bool = True
    headline: str | None = None
    live: str | None = None
    undefined: bool = False
    bounds: tuple[float, float] | None = None

    @property
    def is_share(self) -> bool:
        """A share of clinicians 0-1 (written as a percent in the report)."""
        return self.fmt == "pct"

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The values it can take: `bounds`, or 0-1 for a share."""
        return (0.0, 1.0) if self.bounds is None and self.is_share else self.bounds

    @property
    def total_name(self) -> str:
        """Column of replications.csv with the run's total of a count ('total_errors_passed')."""
        return f"total_{self.name}"


CATALOGUE: tuple[Outcome, ...] = (
    Outcome(
        "share_none",
        "Fraction of clinicians using no AI.",
        "fraction of clinicians",
        fmt="pct",
        target=True,
        label="No AI use",
        phrase="not using AI",
        live="no AI",
    ),
    Outcome(
        "share_verify",
        "Fraction of clinicians using AI to verify their own decision.",
        "fraction of clinicians",
        better="higher",
        fmt="pct",
        target=True,
        label="AI to verify own decision",
        short="Verifying",
        phrase="verifying with AI",
        headline="verifying with AI",
        live="verifying",
    ),
    Outcome(
        "share_primary",
        "Fraction of clinicians using AI as the primary decision aid.",
        "fraction of clinicians",
        better="lower",
        fmt="pct",
        target=True,
        label="AI as primary decision aid",
        short="Primary aid",
        phrase="using AI as primary aid",
        headline="AI as primary aid",
        live="primary aid",
    ),
    Outcome(
        "share_uses_ai",
        "Fraction of clinicians using AI for clinical decisions in either mode (verify + primary).",
        "fraction of clinicians",
        fmt="pct",
        target=True,
        label="Uses AI (verify or primary)",
        short="Uses AI",
        phrase="using AI",
    ),
    Outcome(
        "share_skeptical",
        "Fraction of clinicians whose attitude is below their skeptical threshold.",
        "fraction of clinicians",
        better="lower",
        fmt="pct",
        target=True,
        label="Skeptical of clinical AI",
        short="Skeptical",
        phrase="skeptical",
        headline="skeptical",
        live="skeptical",
    ),
    Outcome(
        "mean_attitude",
        "Mean attitude toward clinical AI.",
        "points on the 1-7 scale",
        target=True,
        label="Mean attitude toward AI (1–7)",
        phrase="mean attitude",
        bounds=(1.0, 7.0),
    ),
    Outcome(
        "sd_attitude",
        "Standard deviation of attitudes (polarisation).",
        "points on the 1-7 scale",
        target=True,
        label="Spread of attitudes (SD, 1–7 points)",
        bounds=(0.0, 3.0),
    ),
    Outcome(
        "mean_literacy", "Mean AI literacy.", "0-1", target=True, label="Mean AI literacy (0–1)", bounds=(0.0, 1.0)
    ),
    Outcome(
        "mean_trust",
        "Mean trust in AI output.",
        "0-1",
        target=True,
        label="Mean trust in AI output (0–1)",
        bounds=(0.0, 1.0),
    ),
    Outcome(
        "mean_status_concern",
        "Mean concern about peer judgment.",
        "0-1",
        target=True,
        label="Mean concern about peer judgment (0–1)",
        bounds=(0.0, 1.0),
    ),
    Outcome(
        "reputation_nonusers",
        "Mean peer rating of clinicians using no AI (NaN when there are none).",
        "points on the 1-7 scale",
        target=True,
        label="Peer rating of non-users (1–7)",
        undefined=True,
        bounds=(1.0, 7.0),
    ),
    Outcome(
        "reputation_users",
        "Mean peer rating of clinicians using AI (NaN when there are none).",
        "points on the 1-7 scale",
        target=True,
        label="Peer rating of AI users (1–7)",
        undefined=True,
        bounds=(1.0, 7.0),
    ),
    Outcome(
        "competence_gap",
        "reputation_nonusers - reputation_users: the competence penalty of AI use.",
        "rating points",
        better="lower",
        fmt="signed",
        target=True,
        label="Peer rating gap, non-users minus AI users (points)",
        short="Competence gap",
        phrase="competence gap",
        live="competence gap",
        undefined=True,
        bounds=(-6.0, 6.0),
    ),
    Outcome(
        "errors_caught",
        "AI errors caught by the clinicians using AI this week (a count of AI errors only).",
        "errors per week",
        kind="count",
        fmt="count",
        label="AI errors caught per {unit}",
    ),
    Outcome(
        "errors_passed",
        "AI errors passed on to patients this week: a count of AI errors only, which grows with AI use "
        "because non-users make no AI errors; errors_per_1000 compares hospitals with more and less AI use.",
        "errors per week",
        kind="count",
        fmt="count",
        label="AI errors passed on per {unit}",
        short="AI errors passed on",
    ),
    Outcome("incidents", "Publicised AI incidents this week.", "incidents per week", kind="count", fmt="count"),
    Outcome(
        "mode_changes",
        "Clinicians who switched their mode of AI use this week.",
        "clinicians per week",
        fmt="count",
        summary=False,
    ),
    Outcome(
        "cost_hours",
        "Clinician-hours spent on interventions so far.",
        "clinician-hours",
        kind="cumulative",
        fmt="count",
        label="Clinician-hours spent (cumulative)",
        live="cost so far",
    ),
    Outcome(
        "new_adopters",
        "Clinicians using AI for the first time this week.",
        "clinicians per week",
        kind="flow",
        fmt="count",
    ),
    Outcome(
        "adoption_hazard",
        "New adopters / clinicians who had never used AI at the start of the week.",
        "per week",
        kind="flow",
        undefined=True,
    ),
    Outcome(
        "exposure_at_adoption",
        "Mean share of colleagues using AI among this week's new adopters.",
        "fraction of colleagues",
        kind="flow",
        undefined=True,
    ),
    Outcome("attitude_assortativity", "Pearson correlation of attitudes across ties.", "correlation", undefined=True),
    Outcome(
        "mode_assortativity",
        "Newman's categorical assortativity of the mode of AI use across ties.",
        "correlation",
        undefined=True,
    ),
    # The safety outcomes comparing like with like (simulation.rules.experience): added last, so the
    # columns before them keep their positions.
    Outcome(
        "decisions",
        "Decisions made this week by every clinician, with AI or without (a user's AI-assisted cases, "
        "a non-user's cases_per_week).",
        "decisions per week",
        kind="count",
        fmt="count",
        label="Decisions per {unit}",
    ),
    Outcome(
        "own_errors_caught",
        "Clinicians' own errors corrected by the AI check this week (verifiers, where the AI is right; "
        "expected value).",
        "errors per week",
        kind="count",
        fmt="count",
        label="Own errors corrected by the AI check per {unit}",
    ),
    Outcome(
        "own_errors_passed",
        "Clinicians' own errors reaching patients this week (non-users and verifiers; expected value).",
        "errors per week",
        kind="count",
        fmt="count",
        label="Own errors reaching patients per {unit}",
    ),
    Outcome(
        "errors_reaching_patients",
        "All errors reaching patients this week: own errors passed on + AI errors passed on.",
        "errors per week",
        kind="count",
        better="lower",
        fmt="count",
        label="Errors reaching patients per {unit}",
        short="Errors reaching patients",
    ),
    Outcome(
        "errors_per_1000",
        "Errors reaching patients per 1,000 decisions, from week 1 to this week (running totals): the "
        "final value is the run's total errors reaching patients / total decisions x 1,000; NaN at week 0.",
        "errors per 1,000 decisions",
        kind="cumulative",
        better="lower",
        label="Errors reaching patients per 1,000 decisions (to date)",
        short="Errors per 1,000 decisions",
        phrase="errors reaching patients per 1,000 decisions",
        undefined=True,
        bounds=(0.0, 1000.0),
    ),
)

BY_NAME: dict[str, Outcome] = {o.name: o for o in CATALOGUE}

# The columns of steps.csv, in order.
COLUMNS: tuple[str, ...] = tuple(o.name for o in CATALOGUE)
# Counts of the week: replications.csv and experiments carry their totals (`total_<name>`).
TOTALS: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.kind == "count")
# Rates and counts of the step with no meaningful final value.
FLOWS: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.kind == "flow")
# The final-value columns of replications.csv (the value at the last step; counts and flows have none).
FINAL: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.kind not in ("count", "flow"))
# What summary.json describes at the start, each milestone and the end.
SUMMARISED: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.name in FINAL and o.summary)
# What `[[targets]]` entries may use: values of the state at a step.
TARGETABLE: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.target)
# Outcomes of comparison.csv, in its order, each with a short name: the shares and the competence gap,
# then safety: the errors reaching patients per 1,000 decisions (comparable between hospitals with more
# and less AI use) before the AI errors' count, kept with no better direction.
COMPARED: tuple[str, ...] = (
    "share_skeptical",
    "share_verify",
    "share_primary",
    "competence_gap",
    # Safety: the rate first (like with like), then the AI errors' count (secondary: no better direction).
    "errors_per_1000",
    "total_errors_passed",
)
# Outcomes an experiment may report: the final-value columns of replications.csv.
EXPERIMENT_OUTCOMES: tuple[str, ...] = (
    *(c for c in COLUMNS if c not in TOTALS),
    *(f"total_{c}" for c in TOTALS),
)
# The command line's closing lines: after one scenario, the final value of each HEADLINE outcome (its
# `headline` words); after a comparison, each alternative's difference in the HEADLINE_COMPARED ones
# (their `short` name in lower case). Shares (fmt 'pct') only.
HEADLINE: tuple[str, ...] = ("share_skeptical", "share_verify", "share_primary")
HEADLINE_COMPARED: tuple[str, ...] = ("share_skeptical", "share_verify")
# The order of the outcomes in the report's tables (outcomes not listed follow alphabetically).
REPORT_ORDER: tuple[str, ...] = (
    "share_skeptical",
    "share_none",
    "share_verify",
    "share_primary",
    "mean_attitude",
    "competence_gap",
    "errors_per_1000",
    "errors_reaching_patients",
    "errors_caught",
    "errors_passed",
    "cost_hours",
    "reputation_nonusers",
    "reputation_users",
    "sd_attitude",
    "mean_literacy",
    "mean_trust",
    "mean_status_concern",
)
# The browser view's line of current numbers, in this order ('no AI 77.8 %', 'cost so far 80 clinician-hours').
LIVE: tuple[str, ...] = tuple(o.name for o in CATALOGUE if o.live)
DEFAULT_EXPERIMENT_OUTCOMES: tuple[str, ...] = ("share_skeptical", "share_verify", "share_primary", "competence_gap")
# effects.csv: each plan's paired difference from the baseline week by week (simulation.results.effects).
EFFECT_OUTCOMES: tuple[str, ...] = ("share_skeptical", "share_verify", "share_primary")
# hospitals.csv: the same plan in different hospitals (simulation.results.hospitals).
HOSPITAL_OUTCOMES: tuple[str, ...] = ("share_skeptical", "share_verify", "competence_gap")
# The browser view's curves: the three modes and the share skeptical (shares 0-1), then the gap.
SHARE_CURVES: tuple[str, ...] = ("share_none", "share_verify", "share_primary", "share_skeptical")
VIEW_CURVES: tuple[str, ...] = (*SHARE_CURVES, "competence_gap")


def outcome(name: str) -> Outcome:
    """The entry of a column of steps.csv, or of a run total ('total_errors_passed' -> errors_passed)."""
    if name in BY_NAME:
        return BY_NAME[name]
    if name.startswith("total_") and name[len("total_") :] in TOTALS:
        return BY_NAME[name[len("total_") :]]
    raise KeyError(f"unknown outcome {name!r}; known: {', '.join(EXPERIMENT_OUTCOMES)}")


def better_direction(name: str) -> Better | None:
    """'lower', 'higher' or None for an outcome or a run total."""
    return outcome(name).better
