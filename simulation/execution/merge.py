"""`simulate merge SHARDS... --out DIR`: the results folder of a sharded run, from its shard folders.

A merge is a resume with nothing left to run. It

1. reads every shard folder's manifest (`simulation.execution.shard`) and checks that they are the
   shards of one run (the same fingerprint, the same N and command), none given twice and none
   missing; each error names the shard folders and the K concerned;
2. plans the run again from the command the shards recorded (`ShardCommand`: the scenario files, as
   given, and the options), here, and checks that it is the same run (the fingerprint of every job:
   the resolved scenarios, seeds, replications and model code; a scenario file edited since is
   refused) and that the shards' jobs are exactly its jobs;
3. lays the shards' pack files (hard links, or copies across file systems) into `<out>.partial/`
   with a manifest of the whole run's fingerprint, as an interrupted run would have left them;
4. hands over to the ordinary command with `--resume` (`job.run_plan`, `sweep.run_sweep`,
   `sensitivity.run_sensitivity`), which finds every replication kept, runs none, and writes the
   tables, report and manifest exactly as the unsharded run (the same bytes: the tables are built
   from the replications in job order, whoever computed them).

The shard folders are left as they were (delete them once the merge is written). Run the merge in
the folder the shards ran in (their manifests record it): the tables name scenario files relative to
the working folder; from elsewhere the files are found through the recorded folder, and named by
their full path.

This module plans runs of the commands above, so it imports `simulation.job` and the experiments
where it needs them (they depend on the engine, not the other way round).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.errors import OptionError, ScenarioError
from simulation.execution.checkpoint import fingerprint, partial_of
from simulation.execution.packed_store import pack_files
from simulation.execution.plan import Job
from simulation.execution.shard import SHARD_KIND, link_or_copy
from simulation.reporting.manifest import write_json

__all__ = ["Planned", "ShardCommand", "ShardFolder", "planned_run", "prepare_merge", "read_shards"]

COMPARISONS = ("run", "compare")  # commands whose run is a comparison (`job.run_plan`)
EXPERIMENTS = ("sweep", "sensitivity")


@dataclass(frozen=True)
class ShardCommand:
    """The command a shard ran, as `simulate merge` plans it again: its name (run, compare, sweep,
    sensitivity), its scenario files as given, and its options (those that decide what runs and
    what is written; not --workers, --cluster, --quiet or --out)."""

    name: str
    scenarios: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"name": self.name, "scenarios": list(self.scenarios), "options": dict(self.options)}

    @classmethod
    def from_json(cls, data: dict, where: str) -> ShardCommand:
        try:
            return cls(str(data["name"]), tuple(str(s) for s in data["scenarios"]), dict(data["options"]))
        except (KeyError, TypeError, ValueError):
            raise OptionError(f"{where}: its manifest.json has no readable 'command'; run that shard again") from None


@dataclass
class Planned:
    """A command's run, planned: its fingerprint kind, every job, its results folder, the plan
    itself (a `job.Plan` or an experiment's plan), how to name a group in messages, and its notes."""

    kind: str
    jobs: list[Job]
    out: Path
    target: Any
    names: Callable[[int], str]
    notes: list[str]


def planned_run(
    command: ShardCommand,
    out: Path | None,
    note: Callable[[str], None],
    adjust: Callable[[Any, dict], None] | None = None,
) -> Planned:
    """Plan `command` into `out` (None: the command's default folder), as the command itself does;
    `adjust(plan, options)` sets a comparison's output options on its plan before its jobs are made
    (the command line's --format and --clinicians)."""
    options = command.options
    paths = [Path(s) for s in command.scenarios]
    if command.name in COMPARISONS:
        from simulation.job import plan_comparison, plan_file, plan_jobs

        replications, seed, steps = (options.get(key) for key in ("replications", "seed", "steps"))
        crn = bool(options.get("crn", True))
        worlds, world_replications = options.get("worlds"), options.get("world_replications")
        if command.name == "run":
            plan = plan_file(paths[0], out, replications, seed, steps, crn, worlds, world_replications)
        else:
            baseline = options.get("baseline")
            plan = plan_comparison(
                paths,
                Path(baseline) if baseline else None,
                out,
                replications,
                seed,
                steps,
                crn,
                note,
                worlds,
                world_replications,
                bool(options.get("across_hospitals", False)),
            )
        if adjust is not None:
            adjust(plan, options)
        return Planned(
            "comparison", plan_jobs(plan), plan.out, plan, lambda i: f"scenario {plan.runs[i].name}", plan.notes
        )
    if command.name in EXPERIMENTS:
        replications, seed, steps = (options.get(key) for key in ("replications", "seed", "steps"))
        if command.name == "sweep":
            from simulation.experiments.sweep import plan_sweep

            experiment = plan_sweep(paths[0], out, replications, seed, steps)
            return Planned(
                "sweep", experiment.jobs(), experiment.out, experiment, lambda i: f"point {i}", experiment.notes
            )
        from simulation.experiments.sensitivity import plan_sensitivity

        screening = plan_sensitivity(paths[0], out, replications, seed, steps)
        return Planned(
            "sensitivity",
            screening.experiment.jobs(),
            screening.out,
            screening,
            lambda i: f"point {i}",
            screening.experiment.notes,
        )
    raise OptionError(
        f"simulate merge: shards of `simulate {command.name}` cannot be merged (run, compare, sweep, sensitivity)"
    )


@dataclass(frozen=True)
class ShardFolder:
    """A shard folder and what its manifest says."""

    folder: Path
    manifest: dict

    @property
    def number(self) -> int:
        return int(self.manifest["shard"])

    @property
    def of(self) -> int:
        return int(self.manifest["shards"])

    @property
    def label(self) -> str:
        return f"{self.number}/{self.of}"


def _read_shard(folder: Path) -> ShardFolder:
    if not folder.is_dir():
        raise OptionError(f"simulate merge: {folder}: no such shard folder")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise OptionError(
            f"simulate merge: {folder}: not a finished shard (no readable manifest.json); run its shard to the end "
            "(--resume finishes it)"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != SHARD_KIND:
        raise OptionError(
            f"simulate merge: {folder}: not a shard folder (its manifest.json is of a {manifest.get('kind', 'unknown')} "
            "run); give the folders written with --shard K/N"
        )
    for key in ("shard", "shards", "fingerprint", "jobs", "run_kind"):
        if key not in manifest:
            raise OptionError(f"simulate merge: {folder}: its manifest.json has no '{key}'; run that shard again")
    return ShardFolder(folder, manifest)


def read_shards(folders: list[Path]) -> list[ShardFolder]:
    """The shard folders, checked to be the N shards of one run, each once; sorted by K."""
    if not folders:
        raise OptionError("simulate merge: give the shard folders (simulate merge SHARD... --out DIR)")
    shards = [_read_shard(Path(folder)) for folder in folders]
    first = shards[0]
    for shard in shards[1:]:
        if shard.manifest["fingerprint"] != first.manifest["fingerprint"] or shard.of != first.of:
            raise OptionError(
                f"simulate merge: {first.folder} (shard {first.label}) and {shard.folder} (shard {shard.label}) are "
                "shards of different runs (other scenario files, options, seeds, number of shards or model code); "
                "merge the shards of one run"
            )
    by_number: dict[int, ShardFolder] = {}
    for shard in shards:
        if shard.number in by_number:
            raise OptionError(
                f"simulate merge: shard {shard.label} is given twice: {by_number[shard.number].folder} and "
                f"{shard.folder}; give each shard once"
            )
        by_number[shard.number] = shard
    missing = [k for k in range(1, first.of + 1) if k not in by_number]
    if missing:
        given = ", ".join(f"{s.label} ({s.folder})" for s in sorted(shards, key=lambda s: s.number))
        absent = ", ".join(f"{k}/{first.of}" for k in missing)
        raise OptionError(
            f"simulate merge: shard{'s' if len(missing) > 1 else ''} {absent} missing (given: {given}); run "
            f"{'them' if len(missing) > 1 else 'it'} with --shard and merge all {first.of}"
        )
    return [by_number[k] for k in range(1, first.of + 1)]


def _recorded_command(shards: list[ShardFolder]) -> ShardCommand:
    """The command of the shards (the same in all), its scenario files found from here."""
    commands = [ShardCommand.from_json(s.manifest.get("command", {}), str(s.folder)) for s in shards]
    for shard, command in zip(shards[1:], commands[1:], strict=True):
        if command != commands[0]:
            raise OptionError(
                f"simulate merge: {shards[0].folder} and {shard.folder} were made by different commands or options "
                f"({commands[0].to_json()} and {command.to_json()}); merge the shards of one command"
            )
    command = commands[0]
    ran_in = Path(shards[0].manifest.get("working_folder", "."))
    scenarios = []
    for given in command.scenarios:
        path = Path(given)
        if not path.is_absolute() and not path.exists() and (ran_in / path).exists():
            path = ran_in / path
        scenarios.append(str(path))
    return ShardCommand(command.name, tuple(scenarios), command.options)


def prepare_merge(
    folders: list[Path],
    out: Path | None,
    note: Callable[[str], None],
    adjust: Callable[[Any, dict], None] | None = None,
) -> tuple[ShardCommand, Planned]:
    """Steps 1-3 of the module docstring: the shards' command and its planned run (`planned_run`),
    whose `<out>.partial/` now holds every replication of the shards."""
    shards = read_shards(folders)
    command = _recorded_command(shards)
    planned = planned_run(command, out, note, adjust)
    whole = shards[0].manifest["fingerprint"]
    if fingerprint(planned.kind, planned.jobs) != whole:
        raise ScenarioError(
            f"simulate merge: the shards ({shards[0].folder}, ...) were made from other input than "
            f"{', '.join(command.scenarios)} plan here now (a scenario file or a file it reads was edited, or the "
            "model code changed since); run the shards again, or merge where they were made"
        )
    keys = [key for shard in shards for key in shard.manifest["jobs"]]
    if sorted(keys) != sorted(job.key for job in planned.jobs):
        raise ScenarioError(
            f"simulate merge: the shards' replications ({len(keys)}) are not those of the run ({len(planned.jobs)}); "
            "run the shards again with the same version of this tool"
        )
    _lay_out(shards, planned, whole)
    return command, planned


def _lay_out(shards: list[ShardFolder], planned: Planned, whole: str) -> None:
    """The shards' pack files into `<out>.partial/replications/`, with a manifest of the whole run
    (a partial folder left by an earlier merge of the same run is completed; any other is refused)."""
    partial = partial_of(planned.out)
    manifest = partial / "manifest.json"
    if partial.exists():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
        except (OSError, ValueError, AttributeError):
            previous = None
        if previous != whole:
            raise OptionError(
                f"simulate merge: {partial}: an unfinished run of another input is kept there; delete that folder "
                "or merge into another --out"
            )
    kept = partial / "replications"
    kept.mkdir(parents=True, exist_ok=True)
    write_json(
        manifest,
        {
            "complete": False,
            "status": "merging",
            "kind": planned.kind,
            "fingerprint": whole,
            "replications_total": len(planned.jobs),
            "shards": [str(shard.folder) for shard in shards],
            "results_folder": str(planned.out),
        },
    )
    for shard in shards:
        for pack in pack_files(shard.folder / "replications"):
            target = kept / f"shard-{shard.number}-of-{shard.of}-{pack.name}"
            if not target.exists():
                link_or_copy(pack, target)
