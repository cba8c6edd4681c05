"""The main job: load scenarios, run their replications with common random numbers, write the folder.

Every run is a comparison of one or more scenarios: the baseline first, then the others. A file run
on its own is a comparison of one scenario, or of its `[scenario] compare_to` baseline and itself.
A plan whose hospital (`[population]`, `[network]`) differs from its compare_to file's is compared
with its own hospital without its interventions instead (a derived baseline; see `plan_file`).
The folder (`outputs/<scenario file stem>/`, `outputs/comparison/` for `simulate compare`, or
`--out`) holds steps.csv, replications.csv, scenarios.csv, comparison.csv, targets.csv, groups.csv,
network.csv, diagnostics.csv (`results.diagnostics`), summary.json, manifest.json, the uncertainty tables (uncertainty.csv, drivers.csv,
unknowns.csv, worlds.csv), effects.csv and the report with its plots (report.md, report.html, results.xlsx,
plots/; not with `--no-report`, for batch use: the manifest then says "report": "skipped"). Each table is
written as CSV, Parquet or both (`Plan.formats`, `--format`; `results.table_files`), and
datapackage.json describes them (docs/DATA.md).

Common random numbers: all scenarios share run.steps, run.replications and run.seed (the
baseline's, or the command line's), and replication k of every scenario is seeded with
`SeedSequence(seed, spawn_key=(k,))`, so replication k of every scenario starts from the same
network and clinicians when their population and network sections are equal ("paired").
A scenario whose population or network differs from the baseline's is another hospital, not a plan
for the baseline's: it is run and its levels reported, but it is not in comparison.csv, not ranked
and not on the charts (scenarios.csv: `comparable` false; `results.tables.same_hospital`).

Memory does not grow with replications: the engine (`simulation.execution.engine`) hands each
finished replication to `<out>.partial/` at once (`execution.checkpoint.PartialRun`), and the tables
are then built by reading them back one at a time (`results.tables.TableBuilder`), steps.csv written
as they come.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from simulation.errors import MissingDataError, ReplicationsFailed, ScenarioError
from simulation.execution.backends import Backend, backend_for, default_workers
from simulation.execution.checkpoint import PartialRun
from simulation.execution.engine import MemorySink, failure_summary, run_jobs
from simulation.execution.plan import Job, ScenarioRun, comparison_jobs, scenario_root_seed
from simulation.execution.replication import ReplicationResult
from simulation.network.stats import network_frame
from simulation.reporting.folder import atomic_folder, check_target, previous_of
from simulation.reporting.manifest import build_manifest, write_json
from simulation.reporting.run_report import write_run_report
from simulation.reporting.workbook import FILE_NOTES
from simulation.results.clinicians import Which, write_clinicians
from simulation.results.diagnostics import diagnostics_frame
from simulation.results.hospitals import TRANSFER_ROLE, hospitals_frame
from simulation.results.table_files import DEFAULT_FORMATS, TableStream, write_datapackage, write_table
from simulation.results.tables import (
    TableBuilder,
    Tables,
    comparable,
    relative_file,
    same_hospital,
    union_targets,
)
from simulation.results.uncertainty import UncertaintyTables, WorldCollector
from simulation.scenario import load_scenario
from simulation.scenario.overrides import override_run, override_uncertainty
from simulation.scenario.planning import TargetConfig
from simulation.scenario.schema import Scenario
from simulation.worlds import WorldDesign, design_for, world_scenario

DEFAULT_OUTPUTS = Path("outputs")
DEFAULT_COMPARISON = DEFAULT_OUTPUTS / "comparison"
SHARED_RUN_KEYS = ("steps", "replications", "seed")
# [uncertainty] keys every scenario of a comparison shares (the baseline's, or the command line's).
SHARED_WORLD_KEYS = ("worlds", "replications", "seed")


@dataclass
class Plan:
    """A validated comparison, ready to run: scenarios in comparison order (baseline first)."""

    runs: list[ScenarioRun]
    sources: list[Path | str]  # a derived baseline's: "derived from <plan file>"
    out: Path
    common_random_numbers: bool
    targets: list[TargetConfig]
    notes: list[str]
    design: WorldDesign | None = None  # parameter worlds (None: the stated values only)
    # --across-hospitals: run name of each plan in another hospital -> (plan's name, hospital's name)
    transfers: dict[str, tuple[str, str]] = field(default_factory=dict)
    formats: tuple[str, ...] = DEFAULT_FORMATS  # the tables' files: csv, parquet (`results.table_files`)
    clinicians: Which = "first"  # the clinicians table: replication 0, "all" or "none" (`results.clinicians`)

    @property
    def baseline(self) -> ScenarioRun:
        return self.runs[0]

    @property
    def world_replications(self) -> int:
        """Replications of one scenario in the drawn worlds (K x R; 0 without worlds)."""
        return 0 if self.design is None else self.design.worlds * self.design.replications

    @property
    def total_replications(self) -> int:
        """Every run: the stated replications of each scenario and, for the compared ones, those of the worlds."""
        compared = comparable(self.runs)
        return sum(
            run.scenario.run.replications + self.world_replications * c
            for run, c in zip(self.runs, compared, strict=True)
        )


@dataclass
class JobResult:
    out: Path
    summary: dict  # summary.json: {"baseline": name, "scenarios": {name: summary}}
    comparison: pd.DataFrame  # comparison.csv
    seconds: float
    replaced_previous: Path | None
    report: bool = True  # report.md, report.html and plots/ written (False: --no-report)

    @property
    def baseline(self) -> str:
        return self.summary["baseline"]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _unique_names(paths: Sequence[Path], scenarios: Sequence[Scenario]) -> list[str]:
    """scenario.name of each; file stems for names that several share; an error if still equal."""
    names = [s.scenario.name for s in scenarios]
    counts = Counter(names)
    names = [path.stem if counts[name] > 1 else name for name, path in zip(names, paths, strict=True)]
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in first and _same_file(paths[first[name]], paths[index]):
            raise ScenarioError(f"{paths[index]}: given twice; compare each scenario file once")
        if name in first:
            raise ScenarioError(
                f"{paths[first[name]]} and {paths[index]}: both scenarios are called '{name}' (by name and by "
                "file name); a comparison needs distinct names - set a different [scenario] name in one of them"
            )
        first[name] = index
    return names


def make_plan(
    paths: Sequence[Path],
    scenarios: Sequence[Scenario],
    out: Path,
    replications: int | None,
    seed: int | None,
    steps: int | None,
    crn: bool,
    worlds: int | None = None,
    world_replications: int | None = None,
) -> Plan:
    """Align run settings on the baseline (paths[0]), name the scenarios, seed them, draw the
    parameter worlds (`simulation.worlds`), collect notes."""
    notes: list[str] = []
    baseline = scenarios[0]
    purpose = "for common random numbers" if crn else "for the comparison"
    for key, value in (("worlds", worlds), ("replications", world_replications)):
        if value is not None:
            option = "--worlds" if key == "worlds" else "--world-replications"
            for scenario in scenarios:
                override_uncertainty(scenario, key, value, option)
    for key in SHARED_WORLD_KEYS:
        shared = getattr(baseline.uncertainty, key)
        for path, scenario in zip(paths[1:], scenarios[1:], strict=True):
            own = getattr(scenario.uncertainty, key)
            if own != shared:
                notes.append(
                    f"note: {path.name}: uncertainty.{key} {own} replaced by the baseline's {shared} (same worlds)"
                )
                setattr(scenario.uncertainty, key, shared)
    for key, value in (("steps", steps), ("replications", replications), ("seed", seed)):
        if value is not None:
            for scenario in scenarios:
                override_run(scenario, key, value)
            continue
        shared = getattr(baseline.run, key)
        for path, scenario in zip(paths[1:], scenarios[1:], strict=True):
            own = getattr(scenario.run, key)
            if own != shared:
                notes.append(f"note: {path.name}: run.{key} {own} replaced by the baseline's {shared} {purpose}")
                setattr(scenario.run, key, shared)
    names = _unique_names(paths, scenarios)
    check_target(out)

    runs = []
    for index, (path, scenario, name) in enumerate(zip(paths, scenarios, names, strict=True)):
        paired = index == 0 or (crn and same_hospital(scenario, baseline))
        runs.append(
            ScenarioRun(
                name=name,
                role="baseline" if index == 0 else "alternative",
                file=relative_file(path),
                scenario=scenario,
                paired=paired,
                root_seed=scenario_root_seed(baseline.run.seed, index, crn),
            )
        )
    targets = union_targets(scenarios, paths)
    design = design_for(scenarios, [relative_file(p) if isinstance(p, Path) else p for p in paths])
    horizon = baseline.run.steps
    for target in targets:
        if target.by_week > horizon:
            notes.append(
                f"note: target '{target.describe()}': by_week {target.by_week} is beyond the {horizon} weeks "
                f"simulated; evaluated up to week {horizon}"
            )
    return Plan(runs, list(paths), out, crn, targets, notes, design)


def plan_file(
    scenario_path: Path,
    out: Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    crn: bool = True,
    worlds: int | None = None,
    world_replications: int | None = None,
) -> Plan:
    """`simulate FILE`: the file alone, or its `compare_to` baseline and the file; outputs/<file stem>.

    Like for like: the plan is compared with its own hospital. The hospital is everything in the
    `[population]` and `[network]` tables (the settings that decide who the clinicians are and who
    talks to whom, the same test that decides whether two scenarios are paired). When the plan's
    hospital differs from its `compare_to` file's and the plan has interventions, the baseline is
    derived from the plan instead: the plan itself with `interventions = []`, named
    "<plan name> without interventions", file "derived from <plan file>" (every other setting, run,
    targets and costs included, is the plan's, so the difference is the interventions' effect alone,
    paired by common random numbers), and a note says so; the `compare_to` file is not run. A plan
    without interventions would equal its derived baseline: it is run beside the `compare_to` file as
    another hospital (levels only, not compared: see `results.tables.same_hospital`), and a note says why.
    """
    scenario = load_scenario(scenario_path)
    paths, scenarios = [scenario_path], [scenario]
    target = scenario.compare_to_path
    notes: list[str] = []
    baseline_file: str | None = None
    if target is not None and not _same_file(target, scenario_path):
        if not target.is_file():
            raise ScenarioError(
                f"{scenario_path}: key 'scenario.compare_to' = \"{scenario.scenario.compare_to}\": "
                f"scenario file not found: {target}"
            )
        compared = load_scenario(target)
        paths, scenarios = [target, scenario_path], [compared, scenario]
        differences = hospital_differences(scenario, compared)
        if differences:
            differ = _hospitals_differ(scenario_path, target, differences)
            if scenario.interventions:
                derived = derived_baseline(scenario, scenario_path, target)
                baseline_file = derived_file(scenario_path)
                paths, scenarios = [scenario_path, scenario_path], [derived, scenario]
                pairing = "paired by common random numbers" if crn else "with independent seeds"
                notes.append(
                    f"note: {differ}: compared with the plan's own hospital without its interventions "
                    f"('{derived.scenario.name}', a derived baseline, {pairing}) instead of {target.name}"
                )
            else:
                notes.append(
                    f"note: {differ}, and {scenario_path.name} has no interventions to take away for a "
                    f"baseline of its own hospital: shown beside {target.name} as another hospital (not compared)"
                )
    out = out if out is not None else DEFAULT_OUTPUTS / scenario_path.stem
    plan = make_plan(paths, scenarios, out, replications, seed, steps, crn, worlds, world_replications)
    if baseline_file is not None:
        plan.runs[0].file = baseline_file
        plan.sources[0] = baseline_file
    plan.notes[:0] = notes
    return plan


HOSPITAL_SECTIONS = ("population", "network")
SHOWN_DIFFERENCES = 3
_ABSENT = object()


def _flat(value: object, prefix: str) -> dict[str, object]:
    if isinstance(value, dict):
        flat: dict[str, object] = {}
        for key, item in value.items():
            flat.update(_flat(item, f"{prefix}.{key}"))
        return flat
    return {prefix: value}


def _shown(value: object) -> str:
    if value is _ABSENT:
        return "not set"
    return f'"{value}"' if isinstance(value, str) else str(value)


def hospital_differences(plan: Scenario, other: Scenario) -> list[tuple[str, str, str]]:
    """(key, plan's value, other's value) of every hospital setting (a key of [population] or
    [network], nested tables by their dotted keys) that differs between the two scenarios."""
    mine: dict[str, object] = {}
    theirs: dict[str, object] = {}
    for section in HOSPITAL_SECTIONS:
        mine.update(_flat(getattr(plan, section).model_dump(mode="json"), section))
        theirs.update(_flat(getattr(other, section).model_dump(mode="json"), section))
    keys = list(mine) + [key for key in theirs if key not in mine]
    return [
        (key, _shown(mine.get(key, _ABSENT)), _shown(theirs.get(key, _ABSENT)))
        for key in keys
        if mine.get(key, _ABSENT) != theirs.get(key, _ABSENT)
    ]


def _hospitals_differ(plan: Path, other: Path, differences: Sequence[tuple[str, str, str]]) -> str:
    """E.g. "plan.toml's hospital (population.n = 800) differs from baseline.toml's (500)"."""
    shown = differences[:SHOWN_DIFFERENCES]
    ours = ", ".join(f"{key} = {mine}" for key, mine, _ in shown)
    theirs = ", ".join(other_value for _, _, other_value in shown)
    more = len(differences) - len(shown)
    if more:
        ours += f", and {more} more setting{'s' if more > 1 else ''}"
    return f"{plan.name}'s hospital ({ours}) differs from {other.name}'s ({theirs})"


def derived_file(plan_path: Path) -> str:
    """The `file` of a derived baseline in scenarios.csv and manifest.json."""
    return f"derived from {relative_file(plan_path)}"


def derived_baseline(plan: Scenario, plan_path: Path, compare_to: Path) -> Scenario:
    """The plan's own hospital without its interventions: a copy of `plan` with `interventions = []`,
    no `compare_to`, named "<plan name> without interventions"; targets, costs, run and every model
    setting stay the plan's."""
    derived = plan.model_copy(deep=True)
    derived.interventions = []
    derived.compare_to_path = None
    derived.scenario.name = f"{plan.scenario.name} without interventions"
    derived.scenario.description = (
        f"The hospital of {plan_path.name} without its interventions: the baseline derived from it, because its "
        f"hospital ([population], [network]) differs from {compare_to.name}'s."
    )
    derived.scenario.compare_to = None
    return derived


def choose_baseline(paths: Sequence[Path], scenarios: Sequence[Scenario], baseline: Path | None = None) -> int:
    """Index of the baseline: --baseline, else the file whose stem is `baseline`, else the file the
    others' `compare_to` names, else the first."""
    if baseline is not None:
        for index, path in enumerate(paths):
            if _same_file(path, baseline):
                return index
        listed = ", ".join(str(p) for p in paths)
        raise ScenarioError(f"--baseline {baseline}: not one of the scenario files compared ({listed})")
    for index, path in enumerate(paths):
        if path.stem == "baseline":
            return index
    for scenario in scenarios:
        if scenario.compare_to_path is not None:
            for index, path in enumerate(paths):
                if _same_file(path, scenario.compare_to_path):
                    return index
    return 0


def plan_comparison(
    scenario_paths: Sequence[Path],
    baseline: Path | None = None,
    out: Path | None = None,
    replications: int | None = None,
    seed: int | None = None,
    steps: int | None = None,
    crn: bool = True,
    note: Callable[[str], None] | None = None,
    worlds: int | None = None,
    world_replications: int | None = None,
    across_hospitals: bool = False,
) -> Plan:
    """`simulate compare A B ...`: load every file, pick the baseline, align and name; outputs/comparison.

    Files with a [sweep] or [sensitivity] table are experiments, not plans: they are left out, with a note.
    With `across_hospitals`, every plan also runs in every other hospital of the comparison
    (`plans_in_hospitals`; hospitals.csv, `results.hospitals`)."""
    if not scenario_paths:
        raise ScenarioError("compare needs at least one scenario file (simulate compare A.toml B.toml ...)")
    paths, scenarios = [], []
    for path in map(Path, scenario_paths):
        try:
            scenarios.append(load_scenario(path))
            paths.append(path)
        except MissingDataError as exc:
            # A file whose data are not on this machine (e.g. scenarios/ckm.toml without ../shared) is
            # left out of a comparison of several files, with a note; alone, it is an error.
            if len(scenario_paths) == 1:
                raise
            (note or _stderr_note)(
                f"note: {path.name}: its network data {exc.data_path} are absent: left out of the comparison"
            )
    if not scenarios:
        raise ScenarioError("compare: none of the files can run here: their network data are absent")

    def experiment_kind(s: Scenario) -> str | None:
        if s.sweep is not None:
            return "sweep"
        if s.sensitivity is not None:
            return "sensitivity"
        if s.calibration is not None and s.calibration.free:
            return "calibration"
        if s.budget is not None:
            return "budget"
        return None

    experiments = [i for i, s in enumerate(scenarios) if experiment_kind(s) is not None]
    if experiments and len(experiments) < len(paths):
        for i in experiments:
            kind = experiment_kind(scenarios[i])
            command = {"calibration": "calibrate", "budget": "plan"}.get(str(kind), str(kind))
            (note or _stderr_note)(
                f"note: {paths[i].name} has a [{kind}] table: left out of the comparison (run it with simulate {command})"
            )
        paths = [p for i, p in enumerate(paths) if i not in experiments]
        scenarios = [s for i, s in enumerate(scenarios) if i not in experiments]
    first = choose_baseline(paths, scenarios, baseline)
    order = [first, *(i for i in range(len(paths)) if i != first)]
    paths, scenarios = [paths[i] for i in order], [scenarios[i] for i in order]
    out = out if out is not None else DEFAULT_COMPARISON
    transfers: list[tuple[int, int, Scenario]] = []
    if across_hospitals:
        transfers = plans_in_hospitals(paths, scenarios, note or _stderr_note)
        paths = [*paths, *(paths[hospital] for _, hospital, _ in transfers)]
        scenarios = [*scenarios, *(scenario for _, _, scenario in transfers)]
    plan = make_plan(paths, scenarios, out, replications, seed, steps, crn, worlds, world_replications)
    first = len(plan.runs) - len(transfers)
    for index, (plan_index, hospital_index, _) in enumerate(transfers, start=first):
        run = plan.runs[index]
        run.role = TRANSFER_ROLE
        run.file = f"{plan.runs[plan_index].file} in {plan.runs[hospital_index].file}"
        plan.sources[index] = run.file
        plan.transfers[run.name] = (plan.runs[plan_index].name, plan.runs[hospital_index].name)
    return plan


def plans_in_hospitals(
    paths: Sequence[Path], scenarios: Sequence[Scenario], note: Callable[[str], None]
) -> list[tuple[int, int, Scenario]]:
    """`--across-hospitals`: every plan of the baseline's hospital (a compared scenario with
    interventions) in every other hospital of the comparison (a scenario of another hospital without
    interventions of its own): that hospital's scenario with the plan's interventions, named
    "<plan> in <hospital>". (index of the plan, index of the hospital, scenario) each; a plan that
    cannot run in a hospital (it targets a department or role the hospital does not have) is left
    out there, with a note."""
    baseline = scenarios[0]
    plans = [i for i, s in enumerate(scenarios) if i > 0 and same_hospital(s, baseline) and s.interventions]
    hospitals = [i for i, s in enumerate(scenarios) if i > 0 and not same_hospital(s, baseline) and not s.interventions]
    if not plans or not hospitals:
        note(
            "note: --across-hospitals: the comparison needs a plan and another hospital without interventions; none run"
        )
        return []
    out = []
    for plan_index in plans:
        plan, plan_path = scenarios[plan_index], paths[plan_index]
        for hospital_index in hospitals:
            hospital, hospital_path = scenarios[hospital_index], paths[hospital_index]
            name = f"{plan.scenario.name or plan_path.stem} in {hospital.scenario.name or hospital_path.stem}"
            data = hospital.model_dump(mode="json", exclude={"extends"})
            data["interventions"] = [i.model_dump(mode="json") for i in plan.interventions]
            data["scenario"]["name"] = name
            data["scenario"]["compare_to"] = None
            data["scenario"]["description"] = (
                f"{plan_path.name}'s interventions in the hospital of {hospital_path.name}."
            )
            try:
                moved = Scenario.model_validate(data)
                moved.check_intervention_names()  # a network from files: its departments and roles
            except (ValidationError, ValueError) as exc:
                reason = (
                    exc.errors()[0]["msg"].removeprefix("Value error, ")
                    if isinstance(exc, ValidationError)
                    else str(exc)
                )
                note(
                    f"note: --across-hospitals: {plan_path.name} cannot run in {hospital_path.name}: {reason}; left out there"
                )
                continue
            out.append((plan_index, hospital_index, moved))
    return out


def write_uncertainty(
    folder: Path,
    tables: UncertaintyTables | None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    manifest: dict | None = None,
) -> None:
    """unknowns, worlds, uncertainty, drivers and world_means (`results.uncertainty`), if there are worlds."""
    if tables is None:
        return
    for name in ("unknowns", "worlds", "uncertainty", "drivers", "world_means"):
        write_table(folder, name, getattr(tables, name), formats, manifest)


def _stderr_note(line: str) -> None:
    print(line, file=sys.stderr)


def plan_jobs(plan: Plan) -> list[Job]:
    """Every (scenario, replication) of `plan`: at the stated values in table order (replication 0
    keeps network snapshots), then in each parameter world (`simulation.worlds`: replication
    R0 + (w - 1) R + r of world w, every compared scenario in the same worlds with the same seeds;
    another hospital, which is not compared, runs at the stated values only)."""
    jobs = comparison_jobs(plan.runs)
    design = plan.design
    if design is None:
        return jobs
    for index, (run, compared) in enumerate(zip(plan.runs, comparable(plan.runs), strict=True)):
        if not compared:
            continue  # another hospital: its levels only, at the stated values (not ranked, so no worlds)
        stated = run.scenario.run.replications
        for world in range(1, design.worlds + 1):
            scenario = world_scenario(run.scenario, design, world, f"{run.file}: [uncertainty]")
            first = design.first_replication(world, stated)
            jobs += [
                Job(f"s{index}-w{world}-r{r}", index, scenario, run.root_seed, first + r)
                for r in range(design.replications)
            ]
    return jobs


def simulate(
    plan: Plan,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    partial: PartialRun | None = None,
    note: Callable[[str], None] | None = None,
    folder: Path | None = None,
    backend: Backend | None = None,
) -> Tables:
    """Run every (scenario, replication) of `plan` and compute the tables (`replicate`, then
    `tabulate`); steps.csv is written into `folder` if given."""
    return tabulate(plan, replicate(plan, workers, progress, partial, note, backend), folder)


def replicate(
    plan: Plan,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    partial: PartialRun | None = None,
    note: Callable[[str], None] | None = None,
    backend: Backend | None = None,
) -> Iterable[ReplicationResult]:
    """Run every (scenario, replication) of `plan` through the engine; their results in table order.

    The backend: `backend`, else local processes (`workers`, default all cores). The sink: the
    `partial` run (finished replications kept on disk as they finish, those already there not run
    again, the results then read back one at a time), else memory (small runs: tests, notebooks).
    If any replication raises, ReplicationsFailed (after all have run).
    """
    sink = partial if partial is not None else MemorySink()
    jobs = partial.jobs if partial is not None else plan_jobs(plan)
    backend = backend if backend is not None else backend_for(workers, jobs=jobs)
    done = run_jobs(jobs, sink=sink, backend=backend, progress=progress, note=note)
    failures = [d for d in done if d.failed]
    if failures:
        kept = (
            f"the {len(done) - len(failures)} completed replications are kept in {partial.folder}/ "
            "(errors.csv lists the failures); no results folder was written; fix the cause and run "
            "the same command with --resume to run only the failed ones"
            if partial is not None
            else "no results were kept"
        )
        raise ReplicationsFailed(
            failure_summary(failures, len(done), lambda i: f"scenario {plan.runs[i].name}", kept), failures
        )
    return sink.results()


def tabulate(
    plan: Plan, results: Iterable[ReplicationResult], folder: Path | None = None, steps: TableStream | None = None
) -> Tables:
    """The tables of `plan` from its results in job order, one at a time; the steps table is written
    into `steps` as they come (it stays open: its caller closes it), or, with `folder` alone, into
    steps.csv / steps.parquet there (`plan.formats`). The temporary per-step store goes into `folder`.

    The replications at the stated values make every table but the uncertainty ones; those
    (`results.uncertainty`: `tables.uncertainty`) use them and the parameter worlds' runs."""
    collector = None if plan.design is None else WorldCollector(plan.runs, comparable(plan.runs), plan.design)
    own = steps is None and folder is not None
    stream = TableStream(folder, "steps", plan.formats) if own and folder is not None else steps
    try:
        builder = TableBuilder(plan.runs, plan.targets, stream, folder)
        for result in results:
            if collector is not None:
                collector.add(result)
            if result.replication < plan.runs[result.scenario_index].scenario.run.replications:
                builder.add(result)
        tables = builder.finish()
    except BaseException:
        if own and stream is not None:
            stream.abort()
        raise
    if own and stream is not None:
        stream.close()
    tables.uncertainty = None if collector is None else collector.finish()
    tables.hospitals = hospitals_frame(plan.runs, tables.replications, plan.transfers)
    return tables


def run_plan(
    plan: Plan,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    note: Callable[[str], None] | None = None,
    resume: bool = False,
    cluster: str | None = None,
    report: bool = True,
) -> JobResult:
    """Print the plan's notes, simulate, and write the folder atomically (tables, report, manifest).

    Without `report` (`--no-report`) the tables, summary.json and manifest.json are written but no
    report.md, report.html or plots/; the manifest's "report" says "skipped".

    Replications are kept in `<out>.partial/` as they finish (see `execution.checkpoint`); `resume`
    finishes an interrupted run from there. The partial folder is removed once the results are written.
    With `cluster` (a Dask scheduler's address) the replications run on its workers, else on `workers`
    local processes (default: all cores).
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers {workers}: must be at least 1")
    check_target(plan.out)
    jobs = plan_jobs(plan)
    backend = backend_for(workers, cluster, jobs)
    workers = backend.workers or workers or default_workers()  # as run (a cluster: as asked)
    partial = PartialRun(plan.out, "comparison", jobs, resume)
    for line in plan.notes:
        (note or _stderr_note)(line)

    results = replicate(plan, workers, progress, partial, note or _stderr_note, backend)
    simulated = time.perf_counter()
    had_previous = plan.out.is_dir() and any(plan.out.iterdir())
    try:
        with atomic_folder(plan.out) as tmp:
            steps = TableStream(tmp, "steps", plan.formats)
            try:
                tables = tabulate(plan, results, tmp, steps)
            except BaseException:
                steps.abort()
                raise
            network = {name: snap["network"] for name, snap in tables.snapshots.items() if snap and "network" in snap}
            # what was run, in every Parquet table's metadata; the timings are filled in at the end
            manifest = build_manifest(
                plan.runs, plan.sources, plan.common_random_numbers, workers, {}, started_at, network
            )
            steps.close(manifest)
            for name in ("replications", "scenarios", "comparison", "targets", "groups"):
                write_table(tmp, name, getattr(tables, name), plan.formats, manifest)
            write_uncertainty(tmp, tables.uncertainty, plan.formats, manifest)
            if tables.hospitals is not None and not tables.hospitals.empty:
                write_table(tmp, "hospitals", tables.hospitals, plan.formats, manifest)
            if tables.effects is not None and not tables.effects.empty:
                write_table(tmp, "effects", tables.effects, plan.formats, manifest)
            write_json(tmp / "summary.json", tables.summary)
            write_table(tmp, "network", network_frame(network), plan.formats, manifest)
            diagnostics = diagnostics_frame([(run.name, run.root_seed) for run in plan.runs], tables.snapshots)
            write_table(tmp, "diagnostics", diagnostics, plan.formats, manifest)
            write_clinicians(tmp, plan.runs, plan.clinicians, plan.formats, manifest)
            write_datapackage(tmp, "Tables of a simulate run", FILE_NOTES)
            reporting = time.perf_counter()
            if report:
                write_run_report(tmp, tables.snapshots)
            now = time.perf_counter()
            # "report" (plots, report.md, report.html) is part of "write" (everything after the simulation)
            timings = {
                "simulate": simulated - started,
                "write": now - simulated,
                "report": now - reporting,
                "total": now - started,
            }
            manifest["timings_seconds"] = {key: round(value, 3) for key, value in timings.items()}
            written = (
                "written" if report else "skipped (--no-report): no report.md, report.html, results.xlsx or plots/"
            )
            write_json(tmp / "manifest.json", {"complete": True, "resumed": resume, "report": written, **manifest})
    except BaseException as exc:
        # Every replication is kept: --resume writes the results without simulating again.
        partial.stopped(f"stopped while writing the results: {type(exc).__name__}: {exc}")
        raise
    partial.discard()
    return JobResult(
        plan.out,
        tables.summary,
        tables.comparison,
        time.perf_counter() - started,
        previous_of(plan.out) if had_previous else None,
        report,
    )
