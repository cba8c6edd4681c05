"""The column dictionary: what each column of each CSV of a run folder means, and its unit.

One entry per (file, column) for the tables a run writes (`simulation.results.tables`, the network
statistics `simulation.network.stats`, the uncertainty tables `simulation.results.uncertainty`, the
effect over time `simulation.results.effects`). Outcome columns are not repeated here: their meaning
and unit come from the outcome catalogue (`simulation.outcomes`), so steps.csv's columns, the final
values of replications.csv and the run totals (`total_<name>`) are described where the outcome is
declared. The Excel workbook's "Columns" sheet (`simulation.reporting.workbook`) lists these.

`describe(file, column)` never fails: a column it does not know gets `UNKNOWN` as its meaning, so a
new column shows up as "(no description)" instead of breaking a report (tests/test_columns.py checks
that every column a library run writes has a real description).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.outcomes import Outcome, outcome

UNKNOWN = "(no description)"


@dataclass(frozen=True)
class Column:
    """What a column means (a sentence) and what its values are measured in ('' when not a number)."""

    meaning: str
    unit: str = ""

    @property
    def known(self) -> bool:
        return self.meaning != UNKNOWN


# The unit of a value that takes the unit of the outcome named in the row's `outcome` column.
OF_OUTCOME = "unit of the outcome (shares: fraction 0-1)"
SHARE = "fraction 0-1"

COMMON: dict[str, Column] = {
    "scenario": Column("Name of the scenario (its [scenario] name, or its file name when two files share one)."),
    "replication": Column("Replication number k (0 to R-1); replication k of every paired scenario has the same seed."),
    "step": Column(
        "Step of the run, in the scenario's run.time_unit (summary.json step_unit; a week unless the file "
        "sets month or year); 0 = the start, before any intervention.",
        "run.time_unit (week, month or year)",
    ),
    "outcome": Column("The outcome the row is about (a column of steps.csv, or total_<count> for a run total)."),
    "better": Column("Which direction of the outcome a planner prefers: lower or higher."),
    "point": Column("Point of the experiment's design (0 to P-1; points.csv gives its values)."),
    "error": Column("The error a replication raised (empty when it ran); its outcomes are then empty."),
    "scenario_hash": Column("SHA-256 of the point's resolved scenario (as in manifest.json)."),
}

FILES: dict[str, dict[str, Column]] = {
    "clinicians.csv": {  # simulation/results/clinicians.py
        "scenario": Column("Name of the scenario."),
        "replication": Column("Replication number (0 unless the run used --clinicians all)."),
        "id": Column("Clinician index 0..n-1 (the ids of targeting = 'ids' and of the browser view's clinician box)."),
        "file_id": Column(
            "The clinician's id in the network files (generator = 'file'); empty for a generated hospital."
        ),
        "department": Column("Department."),
        "role": Column("Role (attending, resident, app, nurse, or the node table's roles)."),
        "seniority": Column("Years in practice.", "years"),
        "mode": Column("Mode of AI use at the last step: none, verify or primary."),
        "attitude": Column(
            "Attitude toward clinical AI at the last step (below population.skeptical_below: skeptical).", "1-7 scale"
        ),
        "literacy": Column("AI literacy at the last step.", "0-1 score"),
        "trust": Column("Trust in AI output at the last step.", "0-1 score"),
        "reputation": Column("Competence rating colleagues give the clinician at the last step.", "1-7 scale"),
        "adoption_step": Column(
            "First step at which the clinician used AI (0: already at the start); empty if never.",
            "run.time_unit (week, month or year)",
        ),
        "threshold": Column(
            "Fixed adoption threshold under [choice] rule = 'threshold'; empty under other rules.",
            "fraction of colleagues",
        ),
    },
    "diagnostics.csv": {  # simulation/results/diagnostics.py: replication 0's end, per scenario
        "replication": Column("Replication the diagnostics describe (0: replication 0's final state)."),
        "statistic": Column(
            "morans_i_attitude, morans_i_ai_use (Moran's I over the ties; AI use as 0/1), adopter_tie_share "
            "(of the ties touching an adopter, the share joining two), or a Rogers adopter category "
            "(innovators, early_adopters, early_majority, late_majority, laggards, non_adopters)."
        ),
        "value": Column(
            "Moran's I (-1 to 1); the share of adopters' ties joining two adopters (fraction 0-1); or the "
            "number of clinicians in the adopter category.",
            "I, fraction 0-1 or clinicians (by statistic)",
        ),
        "expected": Column(
            "Under no network dependence: E[I] = -1/(n-1) for Moran's I; the mean share over the permutations "
            "for adopter_tie_share; for a Rogers category the normal curve's share of adopters (2.5, 13.5, 34, "
            "34, 16 %) times the adopters; empty for non_adopters.",
            "as value",
        ),
        "p_value": Column(
            "One-sided permutation p-value (values permuted over the clinicians): (1 + permutations at least "
            "as large as the observed statistic) / (1 + permutations); empty for the Rogers categories."
        ),
        "permutations": Column(
            "Random permutations behind p_value (999; fewer on very large networks).", "permutations"
        ),
    },
    "replications.csv": {
        "mean_exposure_at_adoption": Column(
            "Mean share of colleagues already using AI when a clinician first used AI, over the run's adopters.",
            "fraction of colleagues",
        ),
    },
    "scenarios.csv": {
        "role": Column("baseline or alternative."),
        "file": Column("Scenario file (relative to the working folder; 'derived from FILE' for a derived baseline)."),
        "description": Column("The scenario's [scenario] description."),
        "interventions": Column("Names of the scenario's interventions, separated by '; '."),
        "paired": Column(
            "true when its replications share seeds and hospital with the baseline's (common random numbers)."
        ),
        "replications": Column("Replications run.", "runs"),
        "steps": Column("Weeks simulated.", "weeks"),
        "seed": Column("Root seed of the run (replication k uses SeedSequence(seed, spawn_key=(k,)))."),
        "cost_hours": Column("Mean clinician-hours spent on the interventions over the run.", "clinician-hours"),
        "cost_money": Column("cost_hours x [costs] hourly_rate (empty when no rate is given).", "currency"),
        "currency": Column("Currency of cost_money ([costs] currency)."),
        "comparable": Column("true when the scenario simulates the baseline's hospital and is compared with it."),
    },
    "comparison.csv": {
        "baseline_mean": Column("Mean of the outcome over the baseline's replications.", OF_OUTCOME),
        "scenario_mean": Column("Mean of the outcome over the scenario's replications.", OF_OUTCOME),
        "difference": Column(
            "scenario_mean - baseline_mean (paired: mean of the per-replication differences).", OF_OUTCOME
        ),
        "ci_low": Column("Lower end of the 95 % confidence interval of the mean difference.", OF_OUTCOME),
        "ci_high": Column("Upper end of the 95 % confidence interval of the mean difference.", OF_OUTCOME),
        "paired": Column("true: paired Student t interval; false: Welch interval of independent runs."),
        "replications": Column("Replications in the comparison (pairs when paired).", "runs"),
        "extra_cost_hours": Column("Mean clinician-hours of the scenario minus the baseline's.", "clinician-hours"),
        "per_100h": Column(
            "difference per 100 extra clinician-hours (empty without extra cost).", "per 100 clinician-hours"
        ),
        "per_100h_low": Column("Lower end of per_100h's 95 % interval.", "per 100 clinician-hours"),
        "per_100h_high": Column("Upper end of per_100h's 95 % interval.", "per 100 clinician-hours"),
        "clinicians": Column("Clinicians in the hospital (population.n).", "clinicians"),
        "difference_clinicians": Column("For a share: difference x clinicians, the change in headcount.", "clinicians"),
        "hours_per_clinician": Column(
            "For a share changed in the better direction: extra clinician-hours per clinician won over.",
            "clinician-hours per clinician",
        ),
    },
    "targets.csv": {
        "target": Column("The target's label (or its description when it has none)."),
        "metric": Column("The outcome the target is about (a column of steps.csv)."),
        "direction": Column("at_most or at_least: the side of the threshold that counts as reached."),
        "threshold": Column("The value to reach (shares as a fraction 0-1).", OF_OUTCOME),
        "by_week": Column("Deadline of the target.", "week"),
        "probability": Column("Share of replications that reached the target by its deadline.", SHARE),
        "probability_low": Column("Lower end of probability's 95 % Wilson interval.", SHARE),
        "probability_high": Column("Upper end of probability's 95 % Wilson interval.", SHARE),
        "reached_by_deadline": Column("Replications that reached the target by its deadline.", "runs"),
        "replications": Column("Replications evaluated.", "runs"),
        "reached_ever": Column("Replications that reached the target at any week of the run.", "runs"),
        "median_week_reached": Column("Median first week at the target, over the runs that reached it.", "week"),
        "week_reached_low": Column("2.5th percentile of the first week at the target.", "week"),
        "week_reached_high": Column("97.5th percentile of the first week at the target.", "week"),
        "source": Column("The scenario file whose [[targets]] wrote the target."),
        "own": Column("true for the plan's own targets (listed first), false for inherited ones."),
    },
    "network.csv": {
        "layer": Column("Layer of a network read from files (empty: the whole network)."),
        "other_layer": Column("The second layer of a pairwise overlap row (empty otherwise)."),
        "statistic": Column(
            "Which statistic: clinicians, ties, mean_degree, clustering, transitivity, components, "
            "largest_component_share, isolates, max_advice_in_degree; per layer rows and ties; per pair jaccard."
        ),
        "value": Column("The statistic's value (counts; mean_degree in colleagues; shares and jaccard 0-1).", "varies"),
    },
    "uncertainty.csv": {
        "stated_replications": Column("Replications at the values the files state (world 0).", "runs"),
        "worlds": Column("Parameter worlds drawn over what we do not know (K).", "worlds"),
        "world_replications": Column("Replications in each world (R).", "runs"),
        "level": Column("Mean of the outcome at the stated values.", OF_OUTCOME),
        "level_chance_low": Column("2.5th percentile of the runs at the stated values (chance alone).", OF_OUTCOME),
        "level_chance_high": Column("97.5th percentile of the runs at the stated values (chance alone).", OF_OUTCOME),
        "level_uncertain_mean": Column("Mean of the outcome over all worlds' runs.", OF_OUTCOME),
        "level_uncertain_low": Column(
            "2.5th percentile of all worlds' runs (chance plus what we do not know).", OF_OUTCOME
        ),
        "level_uncertain_high": Column(
            "97.5th percentile of all worlds' runs (chance plus what we do not know).", OF_OUTCOME
        ),
        "difference": Column("Mean paired difference from the baseline at the stated values.", OF_OUTCOME),
        "chance_low": Column("2.5th percentile of the paired differences at the stated values.", OF_OUTCOME),
        "chance_high": Column("97.5th percentile of the paired differences at the stated values.", OF_OUTCOME),
        "uncertain_difference": Column("Mean paired difference over all worlds' runs.", OF_OUTCOME),
        "uncertain_low": Column("2.5th percentile of the paired differences over all worlds' runs.", OF_OUTCOME),
        "uncertain_high": Column("97.5th percentile of the paired differences over all worlds' runs.", OF_OUTCOME),
        "p_better": Column("Share of worlds in which the plan's mean difference is in the better direction.", SHARE),
        "p_best": Column("Share of worlds in which the scenario has the best mean of those compared.", SHARE),
        "share_unknown": Column(
            "Share of the difference's variance over all worlds that chance alone does not explain.", SHARE
        ),
    },
    "drivers.csv": {
        "of": Column("What the correlation is with: difference (a plan's effect) or level (a single run)."),
        "key": Column("The uncertain scenario key (a key path, as in unknowns.csv)."),
        "rank_correlation": Column(
            "Spearman rank correlation across worlds between the key's draw and the world's mean difference "
            "(or level); |rho| below about 2 / sqrt(K) is within chance.",
            "correlation -1 to 1",
        ),
        "rank": Column("Rank of the key by the size of its rank correlation (1 = moves the answer most).", "rank"),
    },
    "unknowns.csv": {
        "key": Column("The uncertain scenario key (a key path, e.g. judgment.visibility)."),
        "form": Column("How a draw applies: plus (added), times (a factor) or within (the value itself)."),
        "low": Column("Low end of the range drawn.", "unit of the key (a factor for times)"),
        "high": Column("High end of the range drawn.", "unit of the key (a factor for times)"),
        "shape": Column("Distribution of the draws over the range (e.g. uniform)."),
        "reason": Column("Why the range is plausible: its reasoning or source."),
    },
    "worlds.csv": {
        "world": Column("Parameter world number (1 to K; world 0 is the stated values)."),
    },
    "world_means.csv": {
        "scenario": Column("The compared scenario."),
        "outcome": Column("The outcome (as in comparison.csv)."),
        "world": Column("Parameter world number (1 to K)."),
        "mean": Column("The scenario's mean of the outcome over its runs in that world.", "unit of the outcome"),
    },
    "summary.csv": {
        "mean": Column("Mean of the outcome over the point's replications.", OF_OUTCOME),
        "sd": Column("Standard deviation of the outcome over the point's replications.", OF_OUTCOME),
        "ci_low": Column("Lower end of the 95 % Student t interval of the mean.", OF_OUTCOME),
        "ci_high": Column("Upper end of the 95 % Student t interval of the mean.", OF_OUTCOME),
        "range_low": Column("2.5th percentile of the point's replications.", OF_OUTCOME),
        "range_high": Column("97.5th percentile of the point's replications.", OF_OUTCOME),
        "n": Column("Replications with a value of the outcome.", "runs"),
        "failed": Column("Replications of the point that raised an error.", "runs"),
    },
    "marginal.csv": {
        "key": Column("The swept scenario key that moves from `from` to `to` (the other keys fixed at `at_<key>`)."),
        "from": Column("The key's grid value the step starts from.", "unit of the key"),
        "to": Column("The key's next grid value.", "unit of the key"),
        "difference": Column("Mean paired difference of the outcome from `from` to `to`.", OF_OUTCOME),
        "ci_low": Column("Lower end of the 95 % interval of the mean paired difference.", OF_OUTCOME),
        "ci_high": Column("Upper end of the 95 % interval of the mean paired difference.", OF_OUTCOME),
        "n": Column("Paired replications.", "runs"),
        "per_unit": Column("difference / (to - from): the change per unit of the key.", "outcome per unit of the key"),
    },
    "groups.csv": {
        "group_type": Column("department, role, or 'not attributable' (hours spent on no clinician of the hospital)."),
        "group": Column("The department or role (or 'not attributable')."),
        "compared": Column("true for a plan compared with the baseline (the baseline's hospital)."),
        "paired": Column("true: differences paired on the replication number (common random numbers); false: Welch."),
        "replications": Column("Replications of the scenario.", "runs"),
        "clinicians": Column("Clinicians in the group (mean over replications).", "clinicians"),
        "share_skeptical": Column("Mean share of the group's clinicians skeptical at the end.", SHARE),
        "share_verify": Column("Mean share of the group's clinicians verifying with AI at the end.", SHARE),
        "share_primary": Column("Mean share of the group's clinicians using AI as primary aid at the end.", SHARE),
        "hours": Column("Mean clinician-hours the interventions spent on the group's clinicians.", "clinician-hours"),
        "extra_hours": Column("hours minus the baseline's (compared plans).", "clinician-hours"),
        **{
            f"{mode}_{part}": Column(f"{what} of the group's share {label} from the baseline's.", SHARE)
            for mode, label in (
                ("skeptical", "skeptical"),
                ("verify", "verifying"),
                ("primary", "using AI as primary aid"),
            )
            for part, what in (
                ("difference", "Difference"),
                ("ci_low", "Lower end of the 95 % interval of the difference"),
                ("ci_high", "Upper end of the 95 % interval of the difference"),
            )
        },
    },
    "hospitals.csv": {
        "plan": Column("The plan (its interventions) run in the hospital of this row."),
        "hospital": Column("The hospital's scenario (its own file, without the plan)."),
        "clinicians": Column("Clinicians in the hospital.", "clinicians"),
        "hospital_mean": Column("Mean of the outcome in the hospital without the plan.", OF_OUTCOME),
        "plan_mean": Column("Mean of the outcome in the hospital with the plan.", OF_OUTCOME),
        "difference": Column("plan_mean - hospital_mean, paired on the replication number.", OF_OUTCOME),
        "ci_low": Column("Lower end of the 95 % confidence interval of the difference.", OF_OUTCOME),
        "ci_high": Column("Upper end of the 95 % confidence interval of the difference.", OF_OUTCOME),
        "replications": Column("Replications (pairs).", "runs"),
        "extra_cost_hours": Column("The plan's extra clinician-hours in that hospital.", "clinician-hours"),
    },
    "effects.csv": {
        "difference": Column(
            "Mean over replications of the paired difference plan - baseline at this week.", OF_OUTCOME
        ),
        "chance_low": Column("2.5th percentile of the paired differences at this week (chance alone).", OF_OUTCOME),
        "chance_high": Column("97.5th percentile of the paired differences at this week (chance alone).", OF_OUTCOME),
        "ci_low": Column("Lower end of the 95 % confidence interval of the mean difference.", OF_OUTCOME),
        "ci_high": Column("Upper end of the 95 % confidence interval of the mean difference.", OF_OUTCOME),
        "programme_end": Column("Last week at which one of the plan's interventions acts (empty: none).", "week"),
    },
}


def _total_unit(entry: Outcome) -> str:
    """A count's unit over a whole run: 'errors per week' -> 'errors per run'."""
    return entry.unit.replace(" per week", " per run") if " per week" in entry.unit else entry.unit


def outcome_column(name: str, file: str = "steps.csv") -> Column | None:
    """An outcome column described from the catalogue: in steps.csv the value at each week, in other
    files the value at the last week; `total_<count>` the count summed over the run. None if `name` is
    not an outcome."""
    try:
        entry = outcome(name)
    except KeyError:
        return None
    if name != entry.name:  # total_<count>
        return Column(f"Total over the run: {entry.description}", _total_unit(entry))
    if file == "steps.csv":
        return Column(entry.description, entry.unit)
    return Column(f"At the last week: {entry.description}", entry.unit)


def describe(file: str, column: str) -> Column:
    """What `column` of `file` (a name such as 'steps.csv') means and its unit; `UNKNOWN` if not known."""
    name = file.rsplit("/", 1)[-1]
    specific = FILES.get(name, {})
    if column in specific:
        return specific[column]
    if column in COMMON:
        return COMMON[column]
    described = outcome_column(column, name)
    if described is not None:
        return described
    if name == "worlds.csv" and "." in column:
        return Column(f"This world's draw of {column} (a shift, factor or value: its form in unknowns.csv).")
    if name == "marginal.csv" and column.startswith("at_"):
        return Column(f"The value {column[3:]} is held at (empty for the key that moves).", "unit of the key")
    if "." in column:  # an experiment's scenario key (points, replications, summary)
        return Column(f"The point's value of the scenario key {column}.", "unit of the key")
    return Column(UNKNOWN)


def description(file: str, column: str) -> str:
    """The meaning of `column` of `file`, or '(no description)'."""
    return describe(file, column).meaning


def is_share(column: str) -> bool:
    """Whether a column holds a share of clinicians 0-1 (an outcome of format 'pct', or its final value)."""
    try:
        return outcome(column).is_share
    except KeyError:
        return False
