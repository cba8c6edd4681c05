"""`simulate new FOLDER`: a matching baseline and plan for the planner's own hospital.

Writes `FOLDER/baseline.toml` (the hospital: `[population] n` and departments, or a network read from
files, `[network]`; the run's length, replications and seed) and `FOLDER/plan.toml` (`extends` and
`compare_to` the baseline, a workshops programme with every key written out and explained, and a
target). The plan changes nothing of the hospital, so `simulate FOLDER/plan.toml` compares it with its
own hospital, paired by common random numbers: like with like.

Nothing is overwritten: when either file exists, nothing is written and `UserError` says which. The
pair is loaded (`load_scenario`) before the command returns; if it does not load (e.g. a network file
that cannot be read), the files just written are removed and the loader's message is raised.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from simulation.errors import OptionError, UserError
from simulation.scenario.parameters import PopulationConfig

BASELINE, PLAN = "baseline.toml", "plan.toml"
MIN_CLINICIANS, MAX_CLINICIANS = 10, 5_000_000  # the bounds of [population] n (scenario.parameters)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escaping is valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def parse_departments(text: str) -> dict[str, float]:
    """'Emergency medicine=0.2,Surgery=0.3' -> {name: share}; shares above 0 (rescaled to add up to 1
    when the scenario loads). Raises OptionError naming the bad part."""
    departments: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, share = part.rpartition("=")
        name = name.strip()
        if not sep or not name:
            raise OptionError(f'--departments: {part!r} is not NAME=SHARE (e.g. "Surgery=0.3,Radiology=0.1")')
        try:
            value = float(share)
        except ValueError:
            raise OptionError(f"--departments: the share of {name!r} is {share.strip()!r}, not a number") from None
        if not value > 0 or value != value or value == float("inf"):
            raise OptionError(f"--departments: the share of {name!r} is {share.strip()}; shares must be above 0")
        if name in departments:
            raise OptionError(f"--departments: {name!r} is listed twice")
        departments[name] = value
    if not departments:
        raise OptionError('--departments: no department given (e.g. "Surgery=0.3,Radiology=0.1")')
    return departments


def _relative(path: Path, folder: Path) -> str:
    """`path` as the scenario file in `folder` names it: relative to that folder when possible."""
    try:
        return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_posix()


def baseline_text(
    name: str,
    clinicians: int | None,
    departments: dict[str, float],
    edges: str | None = None,
    nodes: str | None = None,
) -> str:
    """The baseline file: the planner's hospital without any intervention."""
    size = f"{clinicians:,} clinicians" if clinicians is not None else "the clinicians of your network files"
    lines = [
        f"# Baseline: your hospital, {size}, over two years with no intervention.",
        "# Written by `simulate new`. Edit the numbers to match your hospital; every key left out takes",
        "# the default listed in docs/SCENARIOS.md (section 5), where the source of each number is given.",
        "# plan.toml extends this file: change the hospital here and the plan follows.",
        "",
        "[scenario]",
        f"name = {_toml_string(name)}",
        f"description = {_toml_string(f'{name}: the hospital as it is, with no intervention.')}",
        "",
        "[run]",
        "steps = 104            # weeks simulated (104 = two years)",
        "replications = 20      # runs with different random draws; the report's intervals come from their spread",
        "seed = 20250801        # root seed: the same files and seed give the same numbers, on any machine",
        "milestones = [13, 26, 52, 78, 104]   # weeks reported besides the last one",
        "",
        "[population]",
    ]
    if clinicians is not None:
        lines.append(f"n = {clinicians}   # clinicians who make diagnostic or treatment decisions")
    else:
        lines.append("# n: the clinicians are the nodes of the network files below")
    if nodes is None:
        lines += [
            "",
            "[population.departments]    # department -> share of clinicians (rescaled to add up to 1)",
            *(f"{_toml_string(d)} = {share:g}" for d, share in departments.items()),
        ]
    lines.append("")
    if edges is None:
        lines += [
            "[network]    # the generator's colleague network (docs/SCENARIOS.md, [network])",
            "mean_degree = 8.0              # colleagues per clinician (published clinician networks: 6-10)",
            "cross_department_share = 0.10  # share of directly drawn ties that cross departments",
            "team_size = 10                 # clinicians per ward or service team",
        ]
    else:
        lines += [
            "[network]    # your own network, read from files (docs/SCENARIOS.md, 'A network from files')",
            'generator = "file"',
            f"edges = {_toml_string(edges)}   # one tie per row: source, target (relative to this file)",
            "# layer = 3                    # the column of a tie's layer (advice, discussion, ...), if any",
            "# directed = true              # a directed tie points at the colleague whose advice is sought",
        ]
        if nodes is not None:
            lines += [
                "",
                "[network.nodes]   # one row per clinician; unmapped attributes are drawn",
                f"file = {_toml_string(nodes)}",
                "id = 1                         # the column of the node ids the edge file uses",
                '# department = "department"    # the column of each clinician\'s department (else drawn)',
                '# role = "role"                # the column of each clinician\'s role (attending, resident, ...)',
            ]
    lines += [
        "",
        "[costs]",
        "hourly_rate = 0      # cost of one clinician-hour (e.g. 120); 0 = report clinician-hours only",
        'currency = "USD"',
        "",
    ]
    return "\n".join(lines)


def plan_text(name: str, baseline_name: str, seats: int = 20) -> str:
    """The plan file: the baseline's hospital plus a workshops programme and the planner's target."""
    return "\n".join(
        [
            f"# A plan for {baseline_name}: peer-led workshops for skeptical clinicians.",
            "# Written by `simulate new`. Run it with:   uv run simulate PATH/TO/plan.toml",
            "# It extends baseline.toml (the same hospital, people and settings) and is compared with it:",
            "# replication k of both starts from the same clinicians and network, so the differences in the",
            "# report come from the plan alone. Change the hospital in baseline.toml, the plan here.",
            "",
            f"extends = {_toml_string(BASELINE)}",
            "",
            "[scenario]",
            f"name = {_toml_string(name)}",
            f'description = "The hospital plus monthly peer-led workshops of {seats} seats for skeptical clinicians."',
            f"compare_to = {_toml_string(BASELINE)}   # running this file also runs the baseline and reports the differences",
            "",
            "[[interventions]]             # the list of interventions (docs/SCENARIOS.md, section 6, for the seven kinds)",
            'kind = "workshop"',
            'name = "Peer-led AI workshops"  # the label in the report',
            "# When: the first session in week `start`, then every `every` weeks, the last no later than `until`.",
            "start = 2",
            "every = 4",
            "until = 78",
            '# Who: seats per session, and who is offered them first: "skeptics"; or "random",',
            '# "opinion_leaders" (most-consulted colleagues), "bridges" (most ties to other departments),',
            '# "department" with department = "Surgery", "role" with role = "resident".',
            f"seats = {seats}",
            'targeting = "skeptics"',
            "repeat_attendance = true      # clinicians may come back, which makes the effect last longer",
            "# What a session does to each attendee; it fades with a half-life that grows with each session attended.",
            "literacy_gain = 0.15          # AI literacy, 0-1 scale",
            "attitude_gain = 0.6           # attitude points, 1-7 scale",
            "status_concern_change = -0.15 # less worried about how colleagues judge AI use, 0-1 scale",
            "half_life_weeks = 12          # weeks until half of a session's effect has faded",
            "reinforcement = 2.0           # each further session attended multiplies the half-life by this",
            "# Cost in clinician-hours: each attendee's time, plus the facilitators' time per session.",
            "session_hours = 2.0",
            "facilitator_hours = 4.0",
            "",
            "# What the plan should achieve. The report gives the probability of reaching it by its deadline.",
            "# Shares are fractions 0-1: 0.15 is 15 %.",
            "[[targets]]",
            'label = "skeptics down to 15 % within two years"',
            'metric = "share_skeptical"    # or share_verify, share_primary, mean_attitude, competence_gap, ...',
            "at_most = 0.15                # at_least for an outcome that should rise (e.g. share_verify)",
            "by_week = 104",
            "",
        ]
    )


def write_new_hospital(
    folder: Path,
    clinicians: int | None = None,
    departments: str | None = None,
    network_nodes: Path | None = None,
    network_edges: Path | None = None,
) -> list[Path]:
    """Write `folder/baseline.toml` and `folder/plan.toml` (see the module docstring); return them.

    `clinicians`: `[population] n` (required unless the network comes from files, whose nodes are the
    clinicians); `departments`: 'NAME=SHARE,...' (default: the model's default departments);
    `network_edges` (and optionally `network_nodes`): the hospital's own network files."""
    from simulation.scenario import load_scenario

    folder = Path(folder)
    if network_nodes is not None and network_edges is None:
        raise OptionError(
            "--network-nodes needs --network-edges: the node table says who the clinicians are, the edge file who is tied"
        )
    if network_edges is not None and clinicians is not None:
        raise OptionError(
            "--clinicians with --network-edges: the network files give the clinicians (population.n becomes "
            "their number); leave out --clinicians"
        )
    if network_edges is None and clinicians is None:
        raise OptionError("give the hospital's size: --clinicians N (e.g. --clinicians 800), or its network files")
    if clinicians is not None and not MIN_CLINICIANS <= clinicians <= MAX_CLINICIANS:
        raise OptionError(f"--clinicians {clinicians}: must be {MIN_CLINICIANS} to {MAX_CLINICIANS:,}")
    for option, file in (("--network-edges", network_edges), ("--network-nodes", network_nodes)):
        if file is not None and not Path(file).is_file():
            raise OptionError(f"{option} {file}: no such file")
    shares = parse_departments(departments) if departments is not None else dict(PopulationConfig().departments)
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder}: exists and is not a folder")
    paths = [folder / BASELINE, folder / PLAN]
    existing = [p for p in paths if p.exists()]
    if existing:
        raise OptionError(
            f"{', '.join(str(p) for p in existing)} already {'exists' if len(existing) == 1 else 'exist'}: "
            "nothing written (simulate new never overwrites a file; choose another folder or delete it first)"
        )
    name = folder.resolve().name or "my_hospital"
    edges = None if network_edges is None else _relative(Path(network_edges), folder)
    nodes = None if network_nodes is None else _relative(Path(network_nodes), folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for path in paths:
            if path.name == BASELINE:
                text = baseline_text(name, clinicians, shares, edges, nodes)
            else:  # 20 seats a session, or every clinician of a smaller network from files
                text = plan_text(f"{name}_workshops", name, min(20, load_scenario(paths[0]).population.n))
            try:
                with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
                    handle.write(text)
            except FileExistsError:
                raise OptionError(
                    f"{path} already exists: nothing written (simulate new never overwrites a file)"
                ) from None
            written.append(path)
        for path in paths:
            load_scenario(path)
    except (UserError, OSError):
        for path in written:
            path.unlink(missing_ok=True)
        if created:
            _remove_empty(folder)
        raise
    return paths


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def describe_written(paths: Sequence[Path]) -> list[str]:
    """The command's closing lines."""
    baseline, plan = paths
    return [
        f"wrote {baseline} (your hospital, no intervention) and {plan} (workshops, compared with it)",
        f"next: edit them, check with `uv run simulate check {plan}`, run with `uv run simulate {plan}`",
    ]
