"""The `simulate` command.

    simulate SCENARIO.toml [--out DIR] [--workers N] [--replications R] [--seed S] [--quiet]
    simulate vignette [--raters N] [--seed S] [--fit]
    simulate check SCENARIO.toml
    simulate schema

Bad input (missing file, TOML syntax, unknown key, wrong type, out-of-range value) prints one clear
message naming the file and key and exits with status 2, without a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from simulation.scenario.errors import ScenarioError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate how skepticism toward clinical AI spreads or fades among clinicians.",
    pretty_exceptions_enable=False,
)

COMMANDS = {"run", "vignette", "check", "schema"}


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    out: Annotated[Path | None, typer.Option(help="Output folder (default: outputs/<scenario file stem>).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    replications: Annotated[int | None, typer.Option(help="Override run.replications.")] = None,
    seed: Annotated[int | None, typer.Option(help="Override run.seed (the root seed).")] = None,
    steps: Annotated[int | None, typer.Option(help="Override run.steps (weeks).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, only the final lines.")] = False,
) -> None:
    """Run a scenario's replications and write tables, plots and a report into one folder."""
    from tqdm import tqdm

    from simulation.job import prepare, run_job
    from simulation.runner import progress_enabled

    try:
        total = prepare(scenario, replications, seed, steps).run.replications
        with tqdm(total=total, unit="run", disable=not progress_enabled(quiet), file=sys.stderr) as bar:
            result = run_job(scenario, out, workers, replications, seed, steps, progress=bar.update)
    except ScenarioError as exc:
        _fail(str(exc))
    typer.echo(_closing_lines(result))


def _closing_lines(result) -> str:
    outcomes = result.summary["outcomes"]

    def pct(name: str) -> str:
        final = outcomes[name]["final"]
        lo, hi = final["range95"]
        return f"{100 * final['mean']:.1f} % (95 % of runs {100 * lo:.1f}-{100 * hi:.1f} %)"

    lines = [
        f"{result.summary['scenario']}: {result.summary['replications']} runs x {result.summary['steps']} weeks "
        f"in {result.seconds:.1f} s",
        f"  skeptical at the end: {pct('share_skeptical')} (start {100 * outcomes['share_skeptical']['initial']:.1f} %)",
        f"  verifying with AI:    {pct('share_verify')}",
        f"  AI as primary aid:    {pct('share_primary')}",
        f"results: {result.out}/ (report.md, steps.csv, summary.json, manifest.json, plots/)",
    ]
    if result.replaced_previous is not None:
        lines.append(f"the previous run in that folder was moved to {result.replaced_previous}/")
    return "\n".join(lines)


@app.command()
def vignette(
    raters: Annotated[int, typer.Option(min=30, help="Virtual raters (a third per vignette).")] = 60_000,
    seed: Annotated[int, typer.Option(help="Seed of the virtual survey.")] = 2025,
    fit: Annotated[bool, typer.Option("--fit", help="Refit the judgment parameters to the study first.")] = False,
) -> None:
    """Run the virtual vignette survey and compare it with Yang et al. (2025)."""
    from simulation.vignette import FITTED, fit_judgment, virtual_vignette_survey

    judgment = None
    if fit:
        judgment = fit_judgment(seed=seed)
        typer.echo("fitted judgment parameters:")
        for name in FITTED:
            typer.echo(f"  {name} = {getattr(judgment, name)}")
    typer.echo(virtual_vignette_survey(raters, seed, judgment).table())


@app.command()
def check(scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")]) -> None:
    """Validate a scenario file and print it fully resolved (every key, defaults included)."""
    from simulation.scenario import load_scenario, resolve_scenario_text

    try:
        typer.echo(resolve_scenario_text(load_scenario(scenario)))
    except ScenarioError as exc:
        _fail(str(exc))


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checking)."""
    from simulation.scenario.schema import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


def main() -> None:
    """Entry point: `simulate FILE.toml ...` means `simulate run FILE.toml ...`."""
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and args[0] not in COMMANDS:
        sys.argv.insert(1, "run")
    app()
