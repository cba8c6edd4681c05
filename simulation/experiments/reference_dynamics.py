"""Reduction of the model to three reference dynamics, run on graphs given as files.

- Hegselmann-Krause bounded confidence: the attitude rule with `anchoring = 0`, `drift_sd = 0`, no
  experience effects on attitudes and no peer ratings is x_i <- x_i + rate (mean of the colleagues
  within `confidence_bound` - x_i), the network form of Hegselmann & Krause (2002);
- independent cascade: `[choice] rule = "cascade"` (`rules.textbook.cascade_adoption`);
- voter model: `[choice] rule = "voter"` (`rules.textbook.voter_step`).

`graph_scenario` writes a networkx graph as an edge list and a node table (initial attitudes or
modes) and loads the scenario through `load_scenario`, the way a researcher brings a network; the
runs below step the real `ReplicationBatch`. The plain references are in
`simulation.reference.dynamics`; tests/test_reference_dynamics.py holds the tolerances and
`simulate validate` the figures (docs/VALIDATION.md, section 1.4-1.6).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np

from simulation.batch import ReplicationBatch
from simulation.replica import Replica
from simulation.scenario.loader import load_scenario
from simulation.scenario.schema import Scenario
from simulation.scenario.toml_writer import to_toml
from simulation.seeding import replication_seed

QUIET = {
    "experience": {"attitude_from_trust_rate": 0.0, "incident_share": 0.0},
    "judgment": {"visibility": 0.0},  # nobody rates: reputations play no part
}


def graph_scenario(
    folder: Path,
    graph: nx.Graph,
    sections: dict,
    attitude: Sequence[float] | np.ndarray | None = None,
    mode: Sequence[str] | None = None,
) -> Scenario:
    """Write `graph` (nodes 0..n-1) as folder/edges.csv and folder/nodes.csv (with the given initial
    attitudes or modes) and load folder/scenario.toml: those files as the network plus `sections`."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = list(graph.nodes)
    if nodes != list(range(len(nodes))):
        raise ValueError("graph_scenario needs nodes 0..n-1 in order")
    (folder / "edges.csv").write_text(
        "source,target\n" + "".join(f"{i},{j}\n" for i, j in graph.edges), encoding="utf-8"
    )
    columns: dict[str, Sequence] = {"id": nodes}
    if attitude is not None:
        columns["attitude"] = [repr(float(a)) for a in attitude]
    if mode is not None:
        columns["mode"] = list(mode)
    rows = zip(*columns.values(), strict=True)
    (folder / "nodes.csv").write_text(
        ",".join(columns) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows), encoding="utf-8"
    )
    mapped = {name: name for name in columns if name != "id"}
    network = {
        "generator": "file",
        "edges": "edges.csv",
        "source": "source",
        "target": "target",
        "nodes": {"file": "nodes.csv", "id": "id", **mapped},
    }
    (folder / "scenario.toml").write_text(to_toml({**sections, "network": network}), encoding="utf-8")
    return load_scenario(folder / "scenario.toml")


def bounded_confidence_sections(bound: float, rate: float, steps: int, seed: int = 2002) -> dict:
    """Scenario sections under which the attitude rule is Hegselmann-Krause with `bound` and `rate`."""
    attitude = {"influence_rate": rate, "confidence_bound": bound, "anchoring": 0.0, "drift_sd": 0.0}
    return {"run": {"steps": steps, "seed": seed}, **QUIET, "attitude": attitude}


def adoption_sections(rule: str, seed: int, **choice: float) -> dict:
    """Scenario sections for the `cascade` or `voter` rule (attitudes held still)."""
    return {"run": {"seed": seed}, **QUIET, "attitude": {"influence_rate": 0.0}, "choice": {"rule": rule, **choice}}


def seed_modes(n: int, seeds: set[int]) -> list[str]:
    """Initial modes: the `seeds` verify with AI, the others do not use it."""
    return ["verify" if k in seeds else "none" for k in range(n)]


def final_users(
    scenario: Scenario,
    replications: int,
    done: Callable[[ReplicationBatch], bool],
    max_steps: int,
    first: int = 0,
) -> tuple[np.ndarray, int]:
    """Replications first..first+replications-1 of `scenario` stepped together until `done(batch)` or
    `max_steps`: ((replications, n) bool, who uses AI at the end; steps taken)."""
    replicas = [Replica(scenario, replication_seed(scenario.run.seed, k)) for k in range(first, first + replications)]
    batch = ReplicationBatch(replicas)
    steps = 0
    while steps < max_steps and not done(batch):
        batch.step()
        steps += 1
    return batch.state.uses_ai().reshape(replications, -1), steps


def cascade_over(batch: ReplicationBatch) -> bool:
    """No clinician started in the last step: an independent cascade has ended."""
    return batch.week > 0 and not np.any(batch.adoption.adopted_at == batch.week)


def consensus(batch: ReplicationBatch) -> bool:
    """Every replication's clinicians all use AI or all do not (the voter model's absorbing states)."""
    uses = batch.state.uses_ai()
    sums = batch.segments.sums(uses.astype(np.int64))
    return bool(np.all((sums == 0) | (sums == batch.segments.sizes)))


def cascade_sizes(scenario: Scenario, replications: int, chunk: int = 500) -> np.ndarray:
    """Final number of users in each replication of an independent-cascade scenario."""
    n = scenario.population.n
    sizes = [
        final_users(scenario, min(chunk, replications - k), cascade_over, n + 1, k)[0].sum(axis=1)
        for k in range(0, replications, chunk)
    ]
    return np.concatenate(sizes)


def voter_outcomes(scenario: Scenario, replications: int, max_steps: int = 20_000) -> np.ndarray:
    """Per replication of a voter scenario: 1 if everyone ends using AI, 0 if nobody, -1 if no
    consensus within `max_steps`."""
    users, _ = final_users(scenario, replications, consensus, max_steps)
    share = users.mean(axis=1)
    return np.where(share == 1.0, 1, np.where(share == 0.0, 0, -1))


def opinion_groups(attitude: np.ndarray, gap: float) -> int:
    """How many groups the attitudes form when sorted and cut wherever two neighbours are more than `gap` apart."""
    return int(np.sum(np.diff(np.sort(attitude)) > gap)) + 1


def write_reference_cases(out: Path, plt, replications: int = 2000) -> list[dict]:
    """Run the three reductions for `simulate validate`: hk.png, cascade.png, voter.png in `out`,
    and their rows of validation.csv (check, measure, value, tolerance)."""
    from simulation.experiments.validation import run_degroot
    from simulation.reference.dynamics import (
        cascade_size_distribution,
        hegselmann_krause_path,
        independent_cascade,
        voter_consensus_probability,
    )

    rows = []
    files = out / "graphs"
    # Hegselmann-Krause: 60 clinicians on G(60, 0.3), bound 0.8, rate 1, 40 steps.
    graph = nx.gnp_random_graph(60, 0.3, seed=11)
    x0 = np.random.default_rng(11).uniform(1.0, 7.0, 60)
    scenario = graph_scenario(files / "hk", graph, bounded_confidence_sections(0.8, 1.0, 40), attitude=x0)
    _, _, final, path = run_degroot(scenario, 0, steps=40)
    plain = hegselmann_krause_path(graph, x0, 0.8, 1.0, 40)
    measure = "max |model attitude - plain Hegselmann-Krause| over 40 steps x 60 clinicians (G(60, 0.3), bound 0.8)"
    rows.append(
        {
            "check": "hegselmann_krause",
            "measure": measure,
            "value": float(np.abs(path - plain).max()),
            "tolerance": 1e-12,
        }
    )
    clusters = opinion_groups(final, 0.4)
    rows.append(
        {
            "check": "hegselmann_krause",
            "measure": "opinion clusters at the end (groups more than 0.4 apart)",
            "value": float(clusters),
            "tolerance": float("nan"),
        }
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(path[:16], color="#9ecae1", lw=0.8)
    ax.plot(np.arange(16), plain[:16], ".", color="#08519c", ms=2.5)
    ax.plot([], [], color="#9ecae1", label="model: attitude rule (60 clinicians)")
    ax.plot([], [], ".", color="#08519c", label="plain Hegselmann-Krause, per node")
    ax.set(xlabel="step", ylabel="attitude (1-7)", title=f"Bounded confidence (bound 0.8): {clusters} clusters")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "hk.png", dpi=110)
    plt.close(fig)

    # Independent cascade: exact law on a 10-clinician graph, and the plain simulation on a bigger one.
    small = nx.gnm_random_graph(10, 13, seed=5)
    scenario = graph_scenario(
        files / "cascade", small, adoption_sections("cascade", 7, cascade_p=0.4), mode=seed_modes(10, {0})
    )
    sizes = cascade_sizes(scenario, replications)
    exact = cascade_size_distribution(small, {0}, 0.4)
    law = np.array([exact.get(s, 0.0) for s in range(1, 11)])
    frequency = np.array([np.mean(sizes == s) for s in range(1, 11)])
    standard_error = np.sqrt(law * (1 - law) / replications)
    rows.append(
        {
            "check": "independent_cascade",
            "measure": f"max |model frequency - exact P(final size = s)| / standard error, {replications} runs (10 clinicians, 13 ties, p 0.4)",
            "value": float(np.max(np.abs(frequency - law) / standard_error)),
            "tolerance": 4.0,
        }
    )
    big = nx.watts_strogatz_graph(80, 4, 0.2, seed=3)
    scenario = graph_scenario(
        files / "cascade_big", big, adoption_sections("cascade", 3, cascade_p=0.35), mode=seed_modes(80, {0, 40})
    )
    model = cascade_sizes(scenario, replications // 2)
    rng = random.Random(3)
    plain_sizes = np.array([len(independent_cascade(big, {0, 40}, 0.35, rng)[-1]) for _ in range(replications // 2)])
    error = np.sqrt(model.var() / model.size + plain_sizes.var() / plain_sizes.size)
    rows.append(
        {
            "check": "independent_cascade",
            "measure": f"|mean final size, model {model.mean():.2f} - plain {plain_sizes.mean():.2f}| / standard error (Watts-Strogatz 80, p 0.35)",
            "value": float(abs(model.mean() - plain_sizes.mean()) / error),
            "tolerance": 4.0,
        }
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = np.arange(1, 11)
    ax.bar(x - 0.2, frequency, 0.4, color="#08519c", label=f"model: {replications} runs")
    ax.bar(
        x + 0.2, law, 0.4, color="#bdbdbd", yerr=2 * standard_error, label="exact (all 2^13 live-edge graphs), ±2 SE"
    )
    ax.set(
        xlabel="clinicians using AI at the end",
        ylabel="probability",
        xticks=x,
        title="Independent cascade from one seed (p = 0.4)",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "cascade.png", dpi=110)
    plt.close(fig)

    # Voter model: five seed sets on a Barabasi-Albert graph of 20 clinicians.
    voter_graph = nx.barabasi_albert_graph(20, 2, seed=2)
    by_degree = sorted(voter_graph.nodes, key=voter_graph.degree, reverse=True)
    seed_sets = [
        set(by_degree[:3]),
        set(by_degree[-6:]),
        set(by_degree[:8]),
        set(range(0, 20, 2)),
        set(by_degree[-12:]),
    ]
    runs = replications // 4
    points = []
    for k, holders in enumerate(seed_sets):
        sections = adoption_sections("voter", 9 + k, reconsider_rate=0.5)
        outcomes = voter_outcomes(
            graph_scenario(files / f"voter{k}", voter_graph, sections, mode=seed_modes(20, holders)), runs
        )
        points.append(
            (
                len(holders) / 20,
                voter_consensus_probability(voter_graph, holders),
                outcomes.mean(),
                np.mean(outcomes < 0),
            )
        )
    share, expected, observed, undecided = (np.array(column) for column in zip(*points, strict=True))
    error = np.sqrt(expected * (1 - expected) / runs)
    rows.append(
        {
            "check": "voter",
            "measure": f"max |consensus frequency - degree-weighted share| / standard error, 5 seed sets x {runs} runs",
            "value": float(np.max(np.abs(observed - expected) / error)),
            "tolerance": 4.0,
        }
    )
    rows.append(
        {"check": "voter", "measure": "runs without consensus", "value": float(undecided.sum()), "tolerance": 0.0}
    )
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="closed form: P = degree-weighted share")
    ax.errorbar(expected, observed, yerr=2 * error, fmt="o", color="#08519c", label=f"model ({runs} runs, ±2 SE)")
    ax.plot(expected, share, "x", color="#d95f0e", label="plain share of users (not the answer)")
    ax.set(
        xlabel="degree-weighted share of initial users",
        ylabel="P(everyone ends using AI)",
        title="Voter model on a Barabasi-Albert graph (20)",
    )
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "voter.png", dpi=110)
    plt.close(fig)
    return rows
