"""The `simulate` command (a thin shell: every command parses its options and calls one function).

    simulate [run] SCENARIO.toml [--out DIR] [--workers N] [--replications R] [--seed S] [--steps T]
                   [--no-crn] [--quiet] [--resume] [--cluster tcp://HOST:PORT] [--no-report]
    simulate compare A.toml B.toml [...] [--baseline FILE] [--out DIR] [--workers N] [--replications R]
                     [--seed S] [--steps T] [--no-crn] [--quiet] [--resume] [--cluster tcp://HOST:PORT]
                     [--no-report]
    simulate sweep SCENARIO.toml [--out DIR] [--workers N] [--replications R] [--seed S] [--steps T]
                   [--quiet] [--resume] [--cluster tcp://HOST:PORT]
    simulate sensitivity SCENARIO.toml  (the same options as sweep)
    simulate calibrate SCENARIO.toml [--observed FILE] [--out DIR] [--workers N] [--cluster tcp://HOST:PORT]
    simulate validate [--out DIR] [--replications R]
    simulate vignette [--raters N] [--seed S] [--fit] [--scenario FILE]
    simulate check SCENARIO.toml
    simulate new FOLDER --clinicians N [--departments "NAME=SHARE,..."] [--network-edges FILE [--network-nodes FILE]]
    simulate schema
    simulate view [SCENARIO.toml] [--port 8765] [--host 127.0.0.1]

`--format csv|parquet|both` (run, compare, sweep, sensitivity, calibrate, plan) chooses the table
files (default both: `simulation.results.table_files`, docs/DATA.md).

`simulate FILE` runs the file with its `[scenario] compare_to` baseline, if it names one, as a
comparison; `simulate compare` runs several files with common random numbers against a baseline.
`sweep` and `sensitivity` run the parameter table of the scenario's `[sweep]` or `[sensitivity]`
section; `calibrate` fits the free parameters of its `[calibration]` section to observed adoption
(approximate Bayesian computation); `validate` runs the theory checks (the model reduced to Bass,
linear threshold, DeGroot, Hegselmann-Krause, independent cascade and voter model against
references, docs/VALIDATION.md); `vignette` reruns the
vignette survey the judgment parameters are fitted to.

Bad input (missing file, TOML syntax, unknown key, wrong type, out-of-range value) prints one clear
message naming the file and key and exits with status 2, without a traceback. `main` sets the
process-wide options (`simulation.settings.configure`) before any command runs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, Protocol

import typer

from simulation.errors import OptionError, UserError
from simulation.outcomes import HEADLINE, HEADLINE_COMPARED, outcome
from simulation.settings import configure

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate how skepticism toward clinical AI spreads or fades among clinicians.",
    pretty_exceptions_enable=False,
)

COMMANDS = {
    "run", "compare", "vignette", "check", "new", "plan", "schema", "validate", "calibrate", "sweep", "sensitivity",
    "view", "merge",
}  # fmt: skip


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _note(line: str) -> None:
    typer.echo(line, err=True)


RUN_OVERRIDES = ("--worlds", "--world-replications", "--steps", "--replications", "--seed")  # as job.make_plan
EXPERIMENT_OVERRIDES = ("--replications", "--seed", "--steps")  # as experiments.common.load_experiment


def _check_early(
    paths: list[Path], missing_data_ok: bool = False, overrides: dict[str, int | None] | None = None
) -> list:
    """Load and check each scenario file, the command-line overrides (`overrides`: option -> value, in
    the order the command applies them) and that one replication fits in memory
    (`simulation.execution.memory_estimate`), before the engine's modules are imported: bad input
    then fails in half a second instead of three. The command loads the files again (its notes, such
    as a network file's dropped ties, are printed then, not here). `missing_data_ok`: a file whose
    network data are absent is left to the comparison, which leaves it out with a note. Returns the
    scenarios loaded."""
    import contextlib
    import io

    from simulation.errors import MissingDataError
    from simulation.execution.memory_estimate import check_fits
    from simulation.scenario import load_scenario
    from simulation.scenario.overrides import override_run, override_uncertainty

    given = [(option, value) for option, value in (overrides or {}).items() if value is not None]
    loaded = []
    for path in paths:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                scenario = load_scenario(path)
            for option, value in given:
                if option.startswith("--world"):
                    key = "worlds" if option == "--worlds" else "replications"
                    override_uncertainty(scenario, key, value, option)
                else:
                    override_run(scenario, option.removeprefix("--"), value)
            check_fits(scenario, str(path))
            loaded.append(scenario)
        except MissingDataError as exc:
            if not missing_data_ok:
                _fail(str(exc))
        except UserError as exc:
            _fail(str(exc))
    return loaded


@app.command("plan")
def plan_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario file (TOML) with a budget table (budget levels and a menu of programmes).")
    ],
    out: Annotated[Path | None, typer.Option(help="Output folder (default: outputs/<scenario file stem>).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the final lines.")] = False,
    cluster: ClusterOption = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Finish an interrupted plan from <out>.partial/, running only what is not done."),
    ] = False,
    table_format: TableFormatOption = "both",
    shard: ShardOption = None,
) -> None:
    """The best mix of programmes for each budget level of the file's budget table, how sure, and when it fails."""
    if shard is not None:
        _fail(PLAN_NOT_SHARDED.format(shard=shard))
    formats = _formats(table_format)
    _check_early([scenario])
    from simulation.experiments.budget_report import run_budget

    target = out if out is not None else Path("outputs") / scenario.stem
    try:
        folder = run_budget(
            scenario, out, workers, note=None if quiet else _note, cluster=cluster, resume=resume, formats=formats
        )
    except UserError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _interrupted(target)
    import pandas as pd

    from simulation.experiments.budget_report import fragile_words
    from simulation.outcomes import outcome
    from simulation.results.table_files import read_table

    best = read_table(folder, "best", as_csv=True)
    for _, row in best[best["rank"] == 1].iterrows():
        fragile = f" (fragile: {fragile_words(row)})" if str(row.get("fragile")).lower() == "true" else ""
        best_in = f", best in {100 * row['p_best_level']:.0f} % of worlds" if pd.notna(row["p_best_level"]) else ""
        share = str(row["objective"]).startswith("target:") or outcome(str(row["objective"])).is_share
        effect = f"{100 * row['difference']:+.1f} points" if share else f"{row['difference']:+.2f}"
        typer.echo(
            f"{row['level']}: {row['description']} ({row['portfolio']}, {row['cost_hours']:,.0f} h): "
            f"{row['objective_words']} {effect}{best_in}{fragile}"
        )
    typer.echo(f"results: {folder}/ (report.html, best.csv, frontier.csv, portfolios.csv, failures.csv, final/)")


WorldsOption = Annotated[
    int | None,
    typer.Option(
        "--worlds",
        help="Override uncertainty.worlds: parameter worlds drawn over what we do not know (0: the stated values only).",
    ),
]
WorldReplicationsOption = Annotated[
    int | None, typer.Option("--world-replications", help="Override uncertainty.replications (runs per world).")
]
TableFormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="Table files: csv, parquet (typed columns, for pandas, polars, DuckDB, R) or both (docs/DATA.md).",
    ),
]

CliniciansOption = Annotated[
    str,
    typer.Option(
        "--clinicians",
        help="The clinicians table (clinicians.csv): first (replication 0 of each scenario), all (every replication) or none.",
    ),
]


def _clinicians(choice: str):
    """The `--clinicians` value (simulation.results.clinicians); bad values exit 2."""
    from simulation.results.clinicians import clinicians_choice

    try:
        return clinicians_choice(choice)
    except UserError as exc:
        _fail(str(exc))


def _formats(choice: str) -> tuple[str, ...]:
    """The table formats of a `--format` value (simulation.results.table_files); bad values exit 2."""
    from simulation.results.table_files import formats_for

    try:
        return formats_for(choice)
    except UserError as exc:
        _fail(str(exc))


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    out: Annotated[Path | None, typer.Option(help="Output folder (default: outputs/<scenario file stem>).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    replications: Annotated[int | None, typer.Option(help="Override run.replications.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override run.seed (the root seed).")] = None,
    steps: Annotated[int | None, typer.Option(help="Override run.steps (steps of run.time_unit).")] = None,
    crn: Annotated[
        bool,
        typer.Option(
            "--crn/--no-crn", help="With [scenario] compare_to: common random numbers (default) or independent seeds."
        ),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, only the final lines.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help=RESUME_HELP)] = False,
    cluster: ClusterOption = None,
    no_report: Annotated[bool, typer.Option("--no-report", help=NO_REPORT_HELP)] = False,
    worlds: WorldsOption = None,
    world_replications: WorldReplicationsOption = None,
    table_format: TableFormatOption = "both",
    clinicians: CliniciansOption = "first",
    shard: ShardOption = None,
) -> None:
    """Run a scenario's replications (and its compare_to baseline's) and write tables, plots and a report.

    A file with a [sweep] or [sensitivity] table runs that experiment (as `simulate sweep` / `simulate sensitivity`)."""
    formats = _formats(table_format)
    which_clinicians = _clinicians(clinicians)
    experiment = _experiment_of(scenario)
    given = dict(zip(RUN_OVERRIDES, (worlds, world_replications, steps, replications, seed), strict=True))
    if experiment is not None:
        given = {option: given[option] for option in EXPERIMENT_OVERRIDES} if experiment != "budget" else {}
    _check_early([scenario], overrides=given)
    if shard is not None:
        if experiment == "budget":
            _fail(PLAN_NOT_SHARDED.format(shard=shard))
        options = {"replications": replications, "seed": seed, "steps": steps, "table_format": table_format}
        if experiment is None:
            options |= {"crn": crn, "worlds": worlds, "world_replications": world_replications,
                        "no_report": no_report, "clinicians": clinicians}  # fmt: skip
        _run_shard(experiment or "run", [scenario], options, out, shard, workers, quiet, resume, cluster)
        return
    if experiment == "budget":
        if no_report:
            _fail(f"--no-report: {scenario} has a [budget] table; --no-report is for runs and comparisons only")
        plan_command(scenario, out, workers, quiet, cluster, resume, table_format)
        return
    if experiment is not None:
        if no_report:
            _fail(f"--no-report: {scenario} has a [{experiment}] table; --no-report is for runs and comparisons only")
        _run_experiment(experiment, scenario, out, workers, replications, seed, steps, quiet, resume, cluster, formats)
        return
    from simulation.job import plan_file

    try:
        plan = plan_file(scenario, out, replications, seed, steps, crn, worlds, world_replications)
    except UserError as exc:
        _fail(str(exc))
    plan.formats = formats
    plan.clinicians = which_clinicians
    _run_plan(plan, workers, quiet, resume, cluster, report=not no_report)


@app.command()
def compare(
    scenarios: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files (TOML); the baseline first unless --baseline.", show_default=False),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="The baseline, one of the files (default: the file named baseline.toml, else the one the others' compare_to names, else the first)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: outputs/comparison).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    replications: Annotated[int | None, typer.Option(help="Override run.replications of every scenario.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override run.seed (the root seed) of every scenario.")] = None,
    steps: Annotated[
        int | None, typer.Option(help="Override run.steps (steps of run.time_unit) of every scenario.")
    ] = None,
    crn: Annotated[
        bool,
        typer.Option("--crn/--no-crn", help="Common random numbers (default) or independent seeds per scenario."),
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, only the final lines.")] = False,
    resume: Annotated[bool, typer.Option("--resume", help=RESUME_HELP)] = False,
    cluster: ClusterOption = None,
    no_report: Annotated[bool, typer.Option("--no-report", help=NO_REPORT_HELP)] = False,
    worlds: WorldsOption = None,
    world_replications: WorldReplicationsOption = None,
    across_hospitals: Annotated[
        bool,
        typer.Option(
            "--across-hospitals",
            help="Also run every plan in every other hospital of the comparison (a hospital file without "
            "interventions) and report the same plan in different hospitals (hospitals.csv).",
        ),
    ] = False,
    table_format: TableFormatOption = "both",
    clinicians: CliniciansOption = "first",
    shard: ShardOption = None,
) -> None:
    """Run several scenarios with common random numbers and report their differences from the baseline."""
    formats = _formats(table_format)
    which_clinicians = _clinicians(clinicians)
    given = dict(zip(RUN_OVERRIDES, (worlds, world_replications, steps, replications, seed), strict=True))
    _check_early(scenarios or [], missing_data_ok=len(scenarios or []) > 1, overrides=given)
    if shard is not None:
        options = {"replications": replications, "seed": seed, "steps": steps, "crn": crn, "worlds": worlds,
                   "world_replications": world_replications, "no_report": no_report, "table_format": table_format,
                   "clinicians": clinicians, "across_hospitals": across_hospitals,
                   "baseline": None if baseline is None else str(baseline)}  # fmt: skip
        _run_shard("compare", scenarios or [], options, out, shard, workers, quiet, resume, cluster)
        return
    from simulation.job import plan_comparison

    try:
        plan = plan_comparison(
            scenarios or [],
            baseline,
            out,
            replications,
            seed,
            steps,
            crn,
            _note,
            worlds,
            world_replications,
            across_hospitals,
        )
    except UserError as exc:
        _fail(str(exc))
    plan.formats = formats
    plan.clinicians = which_clinicians
    _run_plan(plan, workers, quiet, resume, cluster, report=not no_report)


ClusterOption = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        envvar="SIMULATE_CLUSTER",  # read here, at the edge, and passed down (execution.backends.DaskCluster)
        help="Run the replications on the Dask scheduler at this address (tcp://HOST:PORT; default: $SIMULATE_CLUSTER, "
        "else local processes). Needs the optional extra: uv sync --extra cluster.",
        show_default=False,
    ),
]


ShardOption = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="Run only shard K of N (K/N, e.g. 2/8) of the replications (or points), with the seeds of the whole run, "
        "into a shard folder; then `simulate merge` the N shard folders (docs/CLUSTERS.md).",
        show_default=False,
    ),
]
PLAN_NOT_SHARDED = (
    "--shard {shard}: `simulate plan` cannot be cut into shards: its budget search runs in rounds, each chosen "
    "from every replication of the round before, so its parts are not independent; run it on one machine, or spread "
    "its replications over a Dask cluster with --cluster (docs/CLUSTERS.md)"
)


RESUME_HELP = "Finish an interrupted run from <out>.partial/, running only the replications not yet done."
NO_REPORT_HELP = (
    "Write the tables, summary.json and manifest.json only: no plots/, report.md or report.html (batch use)."
)


def _interrupted(out: Path) -> NoReturn:
    from simulation.execution.checkpoint import partial_of

    typer.echo(
        f"interrupted: the finished replications are kept in {partial_of(out)}/; "
        "run the same command with --resume to finish the rest",
        err=True,
    )
    raise typer.Exit(code=130)


def _failed(exc) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=1)


def _run_plan(
    plan, workers: int | None, quiet: bool, resume: bool = False, cluster: str | None = None, report: bool = True
) -> None:
    from tqdm import tqdm

    from simulation.errors import ReplicationsFailed
    from simulation.execution.engine import progress_enabled
    from simulation.job import run_plan

    try:
        with tqdm(
            total=plan.total_replications, unit="run", disable=not progress_enabled(quiet), file=sys.stderr
        ) as bar:
            result = run_plan(
                plan, workers, progress=bar.update, note=_note, resume=resume, cluster=cluster, report=report
            )
    except UserError as exc:
        _fail(str(exc))
    except ReplicationsFailed as exc:
        _failed(exc)
    except KeyboardInterrupt:
        _interrupted(plan.out)
    typer.echo(_closing_lines(result))


def _output_options(plan, options: dict) -> None:
    """A sharded comparison's --format and --clinicians onto its plan (as `run` and `compare` set them)."""
    plan.formats = _formats(options.get("table_format") or "both")
    plan.clinicians = _clinicians(options.get("clinicians") or "first")


def _run_shard(
    name: str, scenarios: list[Path], options: dict, out: Path | None, shard: str, workers: int | None,
    quiet: bool, resume: bool, cluster: str | None,
) -> None:  # fmt: skip
    """`--shard K/N` of run, compare, sweep or sensitivity: plan the whole run, run shard K of its
    replications into a shard folder (`simulation.execution.shard`)."""
    from tqdm import tqdm

    from simulation.errors import ReplicationsFailed
    from simulation.execution.backends import backend_for
    from simulation.execution.engine import progress_enabled
    from simulation.execution.merge import ShardCommand, planned_run
    from simulation.execution.shard import Shard, run_shard, shard_out

    target: Path | None = out
    try:
        part = Shard.parse(shard)
        if workers is not None and workers < 1:
            raise OptionError(f"--workers {workers}: must be at least 1")
        command = ShardCommand(name, tuple(str(path) for path in scenarios), options)
        planned = planned_run(command, out, _note, _output_options)
        target = out if out is not None else shard_out(planned.out, part)
        for line in planned.notes:
            _note(line)
        mine = part.select(planned.jobs)
        backend = backend_for(workers, cluster, mine)
        with tqdm(total=len(mine), unit="run", disable=not progress_enabled(quiet), file=sys.stderr) as bar:
            result = run_shard(planned.kind, planned.jobs, part, target, command.to_json(), planned.names, backend,
                               resume, bar.update, _note)  # fmt: skip
    except UserError as exc:
        _fail(str(exc))
    except ReplicationsFailed as exc:
        _failed(exc)
    except KeyboardInterrupt:
        if target is None:
            raise typer.Exit(code=130) from None
        _interrupted(target)
    typer.echo(
        f"shard {part.label}: {result.replications} of the run's {result.total} replications in {result.seconds:.1f} s\n"
        f"results: {result.out}/ (manifest.json, replications/); when all {part.of} shards are done: "
        "simulate merge SHARD_FOLDERS... --out DIR"
    )


@app.command()
def merge(
    shards: Annotated[
        list[Path] | None, typer.Argument(help="The N shard folders of one run, in any order.", show_default=False)
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: that of the command the shards ran).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the final lines.")] = False,
) -> None:
    """Build the results of a run made in shards (--shard K/N): the same files as the run made at once."""
    from simulation.execution.merge import COMPARISONS, prepare_merge

    try:
        command, planned = prepare_merge(list(shards or []), out, _note, _output_options)
    except UserError as exc:
        _fail(str(exc))
    options = command.options
    if command.name in COMPARISONS:
        _run_plan(planned.target, None, quiet, resume=True, report=not options.get("no_report", False))
        return
    overrides = (options.get("replications"), options.get("seed"), options.get("steps"))
    formats = _formats(options.get("table_format") or "both")
    _run_experiment(command.name, Path(command.scenarios[0]), planned.out, None, *overrides, quiet, True, None, formats)


def _points(x: float) -> str:
    """A difference of shares in percentage points, e.g. -0.0462 -> '-4.6' (never '-0.0')."""
    return "n/a" if x != x else f"{round(100 * x, 1) + 0.0:+.1f}"


def _difference(row) -> str:
    """`-4.6 points [-5.0, -4.1]` for a share difference (interval omitted when undefined)."""
    text = f"{_points(row['difference'])} points"
    if row["ci_low"] == row["ci_low"]:
        text += f" [{_points(row['ci_low'])}, {_points(row['ci_high'])}]"
    return text


def _closing_lines(result) -> str:
    scenarios = result.summary["scenarios"]
    base = scenarios[result.baseline]
    if len(scenarios) == 1:
        return _single_lines(result, base)
    lines = [
        f"{len(scenarios)} scenarios x {base['replications']} runs x {base['steps']} weeks in {result.seconds:.1f} s"
    ]
    comparison = result.comparison
    for name in scenarios:
        if name == result.baseline:
            continue
        rows = comparison[comparison["scenario"] == name].set_index("outcome")
        if rows.empty:  # another hospital than the baseline's: levels only (results.tables.same_hospital)
            lines.append(f"{name} (another hospital: not compared)")
            continue
        first = rows.loc[HEADLINE_COMPARED[0]]
        extra = float(first["extra_cost_hours"])
        paired = "" if first["paired"] == "true" else " (unpaired)"
        differences = ", ".join(
            f"{(outcome(o).short or o).lower()} {_difference(rows.loc[o])}" for o in HEADLINE_COMPARED
        )
        sure = _how_sure(result.out, name)
        lines.append(f"{name} vs {result.baseline}{paired}: {differences}, cost {extra:,.0f} clinician-hours{sure}")
    files = "comparison.csv, uncertainty.csv, targets.csv, steps.csv, summary.json, manifest.json"
    if not any((result.out / f"uncertainty.{kind}").exists() for kind in ("csv", "parquet")):
        files = files.replace("uncertainty.csv, ", "")
    if "csv" not in _written_formats(result.out):
        files = files.replace(".csv", ".parquet")
    report = "report.html, report.md, results.xlsx, " if result.report else ""
    lines.append(f"results: {result.out}/ ({report}{files}{_plots(result)})")
    if result.replaced_previous is not None:
        lines.append(f"the previous run in that folder was moved to {result.replaced_previous}/")
    return "\n".join(lines)


def _how_sure(folder: Path, name: str) -> str:
    """'; beats baseline in 100 % of 32 parameter worlds' from uncertainty.csv (share skeptical), or ''."""
    import pandas as pd

    from simulation.results.table_files import has_table, read_table

    if not has_table(folder, "uncertainty"):
        return ""
    table = read_table(folder, "uncertainty", as_csv=True)
    rows = table[(table["scenario"] == name) & (table["outcome"] == "share_skeptical")]
    if rows.empty or pd.isna(rows.iloc[0]["p_better"]):
        return ""
    row = rows.iloc[0]
    return (
        f"; less skepticism than the baseline in {100 * row['p_better']:.0f} % of {int(row['worlds'])} parameter worlds"
    )


def _single_lines(result, summary: dict) -> str:
    outcomes = summary["outcomes"]

    def pct(name: str) -> str:
        final = outcomes[name]["final"]
        lo, hi = final["range95"]
        return f"{100 * final['mean']:.1f} % (95 % of runs {100 * lo:.1f}-{100 * hi:.1f} %)"

    first, *rest = HEADLINE
    lines = [
        f"{summary['scenario']}: {summary['replications']} runs x {summary['steps']} weeks in {result.seconds:.1f} s",
        f"  {_headline(first) + ' at the end:':<22}{pct(first)} (start {100 * outcomes[first]['initial']:.1f} %)",
        *(f"  {_headline(name) + ':':<22}{pct(name)}" for name in rest),
        f"results: {result.out}/ ({'report.html, report.md, results.xlsx, ' if result.report else ''}steps.csv, "
        f"summary.json, manifest.json{_plots(result)})",
    ]
    if result.replaced_previous is not None:
        lines.append(f"the previous run in that folder was moved to {result.replaced_previous}/")
    return "\n".join(lines)


def _written_formats(folder: Path) -> tuple[str, ...]:
    """The table formats a run folder holds (its steps table: steps.csv, steps.parquet)."""
    return tuple(kind for kind in ("csv", "parquet") if (folder / f"steps.{kind}").exists())


def _plots(result) -> str:
    """', plots/' in the closing lines' list of files, or the note that the report was not written."""
    return ", plots/" if result.report else "; no report: --no-report"


def _headline(name: str) -> str:
    """The closing lines' words for outcome ``name`` (its catalogue ``headline``, else its name)."""
    return outcome(name).headline or name


def _experiment_of(path: Path) -> str | None:
    """'sweep' or 'sensitivity' when the file (or one it extends) has that table; bad files: None (the
    run reports them). Only the TOML is read: nothing is validated twice, no data file is opened."""
    from simulation.scenario.loader import load_chain

    try:
        data = load_chain(Path(path), {})
    except UserError:
        return None
    for kind in ("sweep", "sensitivity", "budget"):
        if kind in data:
            return kind
    return None


def _run_experiment(
    kind: str,
    scenario: Path,
    out: Path | None,
    workers: int | None,
    replications: int | None,
    seed: int | None,
    steps: int | None,
    quiet: bool,
    resume: bool,
    cluster: str | None = None,
    formats: tuple[str, ...] = ("csv", "parquet"),
) -> None:
    options = (scenario, out, workers, replications, seed, steps, quiet, resume, cluster, formats)
    if kind == "sweep":
        from simulation.experiments import sweep

        _run_designed(sweep.plan_sweep, sweep.run_sweep, sweep.closing_lines, *options)
    else:
        from simulation.experiments import sensitivity

        _run_designed(sensitivity.plan_sensitivity, sensitivity.run_sensitivity, sensitivity.closing_lines, *options)


class _Planned(Protocol):
    """What `_run_designed` needs of a planned sweep or sensitivity analysis."""

    @property
    def total_replications(self) -> int: ...

    @property
    def out(self) -> Path: ...


def _use_formats(planned: object, formats: tuple[str, ...]) -> None:
    """The planned sweep (an Experiment) or sensitivity analysis (which holds one) writes its tables in `formats`."""
    from simulation.experiments.common import Experiment

    experiment = getattr(planned, "experiment", planned)
    if isinstance(experiment, Experiment):
        experiment.formats = formats


def _run_designed[PlanT: _Planned, ResultT](
    plan: Callable[[Path, Path | None, int | None, int | None, int | None], PlanT],
    execute: Callable[..., ResultT],
    closing_lines: Callable[[ResultT], str],
    scenario: Path,
    out: Path | None,
    workers: int | None,
    replications: int | None,
    seed: int | None,
    steps: int | None,
    quiet: bool,
    resume: bool,
    cluster: str | None,
    formats: tuple[str, ...],
) -> None:
    """Plan, run (with a progress bar) and close one sweep or sensitivity analysis (its tables in `formats`)."""
    from tqdm import tqdm

    from simulation.errors import ReplicationsFailed
    from simulation.execution.engine import progress_enabled

    experiment: PlanT | None = None
    try:
        experiment = plan(scenario, out, replications, seed, steps)
        _use_formats(experiment, formats)
        if workers is not None and workers < 1:
            raise OptionError(f"--workers {workers}: must be at least 1")
        with tqdm(
            total=experiment.total_replications, unit="run", disable=not progress_enabled(quiet), file=sys.stderr
        ) as bar:
            result = execute(experiment, workers, progress=bar.update, resume=resume, cluster=cluster)
    except UserError as exc:
        _fail(str(exc))
    except ReplicationsFailed as exc:
        if exc.closing:
            typer.echo(exc.closing)
        _failed(exc)
    except KeyboardInterrupt:
        if experiment is None:
            raise typer.Exit(code=130) from None
        _interrupted(experiment.out)
    typer.echo(closing_lines(result))


ExperimentOut = Annotated[Path | None, typer.Option(help="Output folder (default: outputs/<scenario file stem>).")]
ExperimentWorkers = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
ExperimentReplications = Annotated[int | None, typer.Option(help="Override run.replications (replications per point).")]
ExperimentSeed = Annotated[int | None, typer.Option(help="Override run.seed (the root seed shared by every point).")]
ExperimentSteps = Annotated[int | None, typer.Option(help="Override run.steps (weeks).")]
ExperimentQuiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, only the final lines.")]
ExperimentResume = Annotated[
    bool,
    typer.Option(
        "--resume", help="Finish an interrupted run from <out>.partial/, running only the replications not yet done."
    ),
]


def experiment(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML) with a sweep or sensitivity table.")],
    out: ExperimentOut = None,
    workers: ExperimentWorkers = None,
    replications: ExperimentReplications = None,
    seed: ExperimentSeed = None,
    steps: ExperimentSteps = None,
    quiet: ExperimentQuiet = False,
    resume: ExperimentResume = False,
    cluster: ClusterOption = None,
    table_format: TableFormatOption = "both",
    shard: ShardOption = None,
) -> None:
    """`simulate sweep` and `simulate sensitivity`: one command body, registered under both names."""
    kind = "sweep" if ctx.info_name == "sweep" else "sensitivity"
    formats = _formats(table_format)
    _check_early([scenario], overrides={"--replications": replications, "--seed": seed, "--steps": steps})
    if shard is not None:
        options = {"replications": replications, "seed": seed, "steps": steps, "table_format": table_format}
        _run_shard(kind, [scenario], options, out, shard, workers, quiet, resume, cluster)
        return
    _run_experiment(kind, scenario, out, workers, replications, seed, steps, quiet, resume, cluster, formats)


app.command("sweep", help="Run the scenario at every point of its sweep design (common random numbers across points).")(
    experiment
)
app.command(
    "sensitivity", help="Morris screening or Sobol indices (SALib) of the parameters of its sensitivity table."
)(experiment)


@app.command()
def vignette(
    raters: Annotated[int, typer.Option(min=30, help="Virtual raters (a third per vignette).")] = 60_000,
    seed: Annotated[int, typer.Option(help="Seed of the virtual survey.")] = 2025,
    fit: Annotated[bool, typer.Option("--fit", help="Refit the judgment parameters to the study first.")] = False,
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Scenario file: its [judgment] parameters, raters drawn like its clinicians (study's roles)."
        ),
    ] = None,
) -> None:
    """Run the virtual vignette survey and compare it with Yang et al. (2025), also by the raters' own AI use."""
    from simulation.experiments.vignette import FITTED, fit_judgment, virtual_vignette_survey

    judgment, population = None, None
    if scenario is not None:
        (loaded,) = _check_early([scenario])
        judgment, population = loaded.judgment, loaded.population
        typer.echo(f"scenario: {loaded.scenario.name} ({scenario}): its [judgment] and [population]")
    if fit:
        judgment = fit_judgment(seed=seed, population=population)
        typer.echo("fitted judgment parameters:")
        for name in FITTED:
            typer.echo(f"  {name} = {getattr(judgment, name)}")
    typer.echo(virtual_vignette_survey(raters, seed, judgment, population).table())


@app.command()
def check(scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")]) -> None:
    """Validate a scenario file and print it fully resolved (every key, defaults included)."""
    from simulation.scenario import load_scenario, resolve_scenario_text

    try:
        typer.echo(resolve_scenario_text(load_scenario(scenario)))
    except UserError as exc:
        _fail(str(exc))


@app.command()
def new(
    folder: Annotated[Path, typer.Argument(help="Folder for baseline.toml and plan.toml (created if needed).")],
    clinicians: Annotated[
        int | None, typer.Option(help="Clinicians in your hospital (population.n); not with --network-edges.")
    ] = None,
    departments: Annotated[
        str | None,
        typer.Option(
            help='Departments and their shares, e.g. "Emergency medicine=0.2,Surgery=0.3,Radiology=0.1" '
            "(rescaled to add up to 1; default: the model's twelve departments)."
        ),
    ] = None,
    network_edges: Annotated[
        Path | None,
        typer.Option(
            help="Your network's tie file (edge list, GraphML, GEXF, Pajek .net or UCINET .dl): network.edges."
        ),
    ] = None,
    network_nodes: Annotated[
        Path | None, typer.Option(help="Your network's node table (one row per clinician): network.nodes.file.")
    ] = None,
) -> None:
    """Write a matching baseline.toml (your hospital) and plan.toml (workshops, compared with it) into FOLDER."""
    from simulation.scenario.new_files import describe_written, write_new_hospital

    try:
        paths = write_new_hospital(folder, clinicians, departments, network_nodes, network_edges)
    except UserError as exc:
        _fail(str(exc))
    for line in describe_written(paths):
        typer.echo(line)


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file with a [calibration] table of free parameters.")],
    observed: Annotated[
        Path | None,
        typer.Option(
            help="Observed series or per-clinician adoption times (CSV); default: the node table's adoption column."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: outputs/<stem>-calibration).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: all cores).")] = None,
    cluster: ClusterOption = None,
    table_format: TableFormatOption = "both",
) -> None:
    """Fit the scenario's free parameters to observed adoption (approximate Bayesian computation)."""
    formats = _formats(table_format)
    from simulation.experiments import calibration_inputs

    (loaded,) = _check_early([scenario])
    try:  # the [calibration] table and the observed file, before the engine is imported
        calibration_inputs.check_calibration_table(scenario, loaded)
        if observed is not None:
            calibration_inputs.check_observed(observed, loaded.run.steps, loaded.run.time_unit)
    except UserError as exc:
        _fail(str(exc))
    from simulation.experiments.calibration import run_calibration

    try:
        folder, result = run_calibration(scenario, observed, out, workers, cluster, formats)
    except UserError as exc:
        _fail(str(exc))
    for row in result.estimates.itertuples(index=False):
        typer.echo(f"{row.parameter} = {row.estimate:.4g} ({result.level} % interval {row.low:.4g} to {row.high:.4g})")
    typer.echo(f"fit: RMSE {100 * result.rmse:.1f} points over {len(result.fit)} observed points")
    tables = ", ".join(f"{name}.csv" for name, _ in result.tables())
    typer.echo(f"results: {folder}/ (report.md, report.html, {tables}, fit.png, calibrated.toml)")


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="Folder for validation.csv and the figures.")] = Path("outputs/validation"),
    replications: Annotated[
        int, typer.Option(min=1, help="Replications of the Bass check (x 250 for the cascade and voter checks).")
    ] = 8,
) -> None:
    """Theory checks: the model reduced to Bass, linear threshold, DeGroot, Hegselmann-Krause, independent
    cascade and voter model against references (docs/VALIDATION.md)."""
    from simulation.experiments.validation import write_validation

    table = write_validation(out, replications)
    typer.echo(table.read_text(encoding="utf-8").rstrip())
    typer.echo(f"figures: {out}/ (bass.png, threshold.png, degroot.png, hk.png, cascade.png, voter.png)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    from simulation.scenario.schema import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def view(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario file (TOML) the page opens with (default: scenarios/baseline.toml).")
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to serve on (loopback by default).")] = "127.0.0.1",
) -> None:
    """Open the interactive browser view (Mesa SolaraViz) and print its address; Ctrl+C stops it."""
    from simulation.view.server import port_free, serve

    if scenario is not None:
        from simulation.execution.memory_estimate import check_fits
        from simulation.scenario import load_scenario

        try:
            check_fits(load_scenario(scenario), str(scenario), agents=True)  # before a server starts
        except UserError as exc:
            _fail(str(exc))
    if not port_free(host, port):
        _fail(f"port {port} on {host} is in use; choose another with --port")
    serve(scenario, host, port)


def main() -> None:
    """Entry point: `simulate FILE.toml ...` means `simulate run FILE.toml ...`. The only place, with the
    view's server and the pool's workers, that sets process-wide options (`simulation.settings`)."""
    configure()
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and args[0] not in COMMANDS:
        sys.argv.insert(1, "run")
    empty = _empty_path_option(sys.argv[1:])
    if empty is not None:
        typer.echo(
            f"error: {empty} '': an empty path; give a file or folder name (e.g. {empty} outputs/my-run)", err=True
        )
        sys.exit(2)
    from typer._click import exceptions as click  # typer's own copy of click (typer >= 0.20)

    try:
        code = app(standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()  # `simulate` alone: the help, as always
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # a bad option or argument: one `error:` line like every other bad input
        name = f"simulate {exc.ctx.info_name}" if exc.ctx is not None and exc.ctx.parent is not None else "simulate"
        typer.echo(f"error: {name}: {exc.format_message()} (see {name} --help)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


PATH_OPTIONS = ("--out", "--observed", "--baseline", "--network-edges", "--network-nodes")


def _empty_path_option(args: list[str]) -> str | None:
    """The path option given an empty value (`--out ''` would mean the working folder), or None."""
    for index, arg in enumerate(args):
        if arg in PATH_OPTIONS and index + 1 < len(args) and args[index + 1].strip() == "":
            return arg
        name, equals, value = arg.partition("=")
        if equals and name in PATH_OPTIONS and value.strip() == "":
            return name
    return None


if __name__ == "__main__":  # `python -m simulation.cli` (benchmarks/startup.py)
    main()
