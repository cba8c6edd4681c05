"""Theory checks: the model reduces to Bass diffusion, linear-threshold cascades, DeGroot averaging,
Hegselmann-Krause bounded confidence, independent cascades and the voter model.

Each check switches the clinician-specific mechanisms off with scenario keys only (see
`*_scenario` and `*_sections`), runs the real model's step, and compares with a reference that does
not use the model's code: a closed form (Bass, the voter model's consensus probability, an
independent cascade's exact final-size distribution), a plain-Python form on a networkx graph
(threshold, Hegselmann-Krause, cascade and voter: `simulation.reference.dynamics`), or the stationary
distribution of the influence matrix from an eigen-solver (DeGroot). The last three run on graphs
written as files (`graph_scenario`: an edge list and a node table, the public way to bring a
network). `simulate validate` writes the figures and `validation.csv` used by docs/VALIDATION.md;
tests/test_theory.py and tests/test_reference_dynamics.py assert the tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from simulation.experiments.reference_dynamics import write_reference_cases
from simulation.model import ClinicianModel
from simulation.scenario.schema import Scenario

NO_AI_AT_START = {"none": 1.0, "verify": 0.0, "primary": 0.0}
QUIET_EXPERIENCE = {"attitude_from_trust_rate": 0.0, "incident_share": 0.0}


# --- Bass -------------------------------------------------------------------------------------------


def bass_scenario(n: int = 2000, p: float = 0.03, q: float = 0.4, steps: int = 30, seed: int = 1969) -> Scenario:
    """Bass on a complete graph: no AI use at start, adoption hazard p + q x (share of colleagues using AI)."""
    return Scenario.model_validate(
        {
            "run": {"steps": steps, "seed": seed},
            "population": {"n": n, "initial_modes": NO_AI_AT_START},
            "network": {"generator": "complete"},
            "choice": {"rule": "bass", "bass_p": p, "bass_q": q},
            "judgment": {"visibility": 0.0},  # nobody rates: reputations play no part
            "attitude": {"influence_rate": 0.0},
        }
    )


def adoption_curve(scenario: Scenario, replication: int) -> np.ndarray:
    """Share of clinicians using AI at steps 0..steps of one replication."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    curve = [1.0 - model.last["share_none"]]
    for _ in range(scenario.run.steps):
        model.step()
        curve.append(1.0 - model.last["share_none"])
    return np.array(curve)


def bass_discrete(p: float, q: float, steps: int) -> np.ndarray:
    """Expected cumulative adoption of the discrete-time Bass model: F(t+1) = F + (p + q F)(1 - F), F(0) = 0."""
    f = np.zeros(steps + 1)
    for t in range(steps):
        f[t + 1] = f[t] + (p + q * f[t]) * (1.0 - f[t])
    return f


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969) closed form F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - decay) / (1.0 + (q / p) * decay)


# --- linear threshold -------------------------------------------------------------------------------


def threshold_scenario(
    n: int = 300,
    mean_degree: float = 6.0,
    seed_share: float = 0.05,
    seed: int = 1978,
    thresholds: tuple[float, float] = (0.0, 0.6),
) -> Scenario:
    """Granovetter thresholds on an Erdos-Renyi graph; a share `seed_share` uses AI at the start."""
    return Scenario.model_validate(
        {
            "run": {"seed": seed},
            "population": {"n": n, "initial_modes": {"none": 1.0 - seed_share, "verify": seed_share, "primary": 0.0}},
            "network": {"generator": "random", "mean_degree": mean_degree},
            "choice": {"rule": "threshold", "thresholds": list(thresholds)},
            "judgment": {"visibility": 0.0},
            "attitude": {"influence_rate": 0.0},
        }
    )


# (mean degree, threshold range, seed share): stalled and complete cascades on Erdos-Renyi graphs.
THRESHOLD_CASES = [
    (3.0, (0.2, 0.6), 0.05),
    (4.0, (0.15, 0.5), 0.05),
    (6.0, (0.15, 0.5), 0.05),
    (6.0, (0.2, 0.6), 0.10),
    (8.0, (0.15, 0.5), 0.10),
]


@dataclass
class ThresholdRun:
    graph: nx.Graph
    seeds: set[int]
    thresholds: np.ndarray
    final: set[int]
    rounds: int


def run_threshold(scenario: Scenario, replication: int, max_rounds: int = 10_000) -> ThresholdRun:
    """Run the model's threshold rule until no one adopts any more."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    seeds = set(np.flatnonzero(model.state.uses_ai()).tolist())
    if model.thresholds is None:
        raise ValueError(f"{scenario.scenario.name}: run_threshold needs the threshold adoption rule")
    thresholds = model.thresholds
    rounds = 0
    while rounds < max_rounds:
        before = model.state.uses_ai().sum()
        model.step()
        rounds += 1
        if model.state.uses_ai().sum() == before:
            break
    return ThresholdRun(
        model.network.to_networkx(),
        seeds,
        thresholds.copy(),
        set(np.flatnonzero(model.state.uses_ai()).tolist()),
        rounds,
    )


def threshold_fixed_point(graph: nx.Graph, seeds: set[int], thresholds: np.ndarray) -> set[int]:
    """Reference: grow the active set node by node until no inactive node's active share reaches its threshold."""
    active = set(seeds)
    changed = True
    while changed:
        changed = False
        for node in graph.nodes:
            if node in active:
                continue
            neighbours = list(graph.neighbors(node))
            share = sum(1 for m in neighbours if m in active) / len(neighbours) if neighbours else 0.0
            if neighbours and share >= thresholds[node]:
                active.add(node)
                changed = True
    return active


# --- DeGroot ----------------------------------------------------------------------------------------


def degroot_scenario(n: int = 300, rate: float = 0.5, seed: int = 1974) -> Scenario:
    """Attitudes averaged over all colleagues (full confidence), no anchoring, drift or experience."""
    return Scenario.model_validate(
        {
            "run": {"seed": seed},
            "population": {"n": n},
            "network": {"generator": "random", "mean_degree": 8.0},
            "experience": QUIET_EXPERIENCE,
            "judgment": {"visibility": 0.0},
            "attitude": {"influence_rate": rate, "confidence_bound": 6.0, "anchoring": 0.0, "drift_sd": 0.0},
        }
    )


def degroot_limit(edges: np.ndarray, n: int, x0: np.ndarray, rate: float) -> np.ndarray:
    """Reference: each component's consensus pi' x0, pi the stationary distribution of
    W = (1 - rate) I + rate D^-1 A on that component (left eigenvector for eigenvalue 1, by ARPACK
    or a dense solver for small components)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges.tolist())
    limit = np.array(x0, dtype=float)
    for component in nx.connected_components(graph):
        nodes = sorted(component)
        if len(nodes) == 1:
            continue
        a = nx.to_scipy_sparse_array(graph, nodelist=nodes, format="csr", dtype=float)
        w = (1 - rate) * sp.identity(len(nodes)) + rate * sp.diags(1.0 / a.sum(axis=1)) @ a
        if len(nodes) > 20:
            values, vectors = spla.eigs(w.T.tocsc(), k=1, sigma=1.0 + 1e-9)
            pi = np.real(vectors[:, 0])
        else:
            values, vectors = np.linalg.eig(w.T.toarray())
            pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
        pi = pi / pi.sum()
        limit[nodes] = pi @ limit[nodes]
    return limit


def run_degroot(
    scenario: Scenario, replication: int, steps: int = 400
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(edges, initial attitudes, attitudes after `steps`, max deviation from the final state per step)."""
    model = ClinicianModel(scenario, replication, with_agents=False)
    x0 = model.state.attitude.copy()
    path = [x0.copy()]
    for _ in range(steps):
        model.step()
        path.append(model.state.attitude.copy())
    return model.network.edges.copy(), x0, model.state.attitude.copy(), np.array(path)


def write_validation(out: Path, replications: int = 8) -> Path:
    """Run the six checks and write validation.csv and one figure per check into `out` (the files of
    the graphs of the last three under out/graphs/)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    rows = []

    bass = bass_scenario()
    curves = np.array([adoption_curve(bass, k) for k in range(replications)])
    p, q, steps = bass.choice.bass_p, bass.choice.bass_q, bass.run.steps
    discrete, continuous = bass_discrete(p, q, steps), bass_continuous(p, q, np.arange(steps + 1))
    mean = curves.mean(axis=0)
    rows.append(
        {
            "check": "bass",
            "measure": "max |mean simulated F(t) - discrete closed form|",
            "value": float(np.abs(mean - discrete).max()),
            "tolerance": 0.02,
        }
    )
    rows.append(
        {
            "check": "bass",
            "measure": "max |mean simulated F(t) - continuous closed form|",
            "value": float(np.abs(mean - continuous).max()),
            "tolerance": float("nan"),
        }
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for curve in curves:
        ax.plot(curve, color="#9ecae1", lw=0.8)
    ax.plot(
        mean,
        color="#08519c",
        lw=2,
        label=f"model: mean of {replications} runs (N = {bass.population.n}, complete graph)",
    )
    ax.plot(discrete, "k--", lw=1.5, label="Bass, discrete time: F(t+1) = F + (p + qF)(1 - F)")
    ax.plot(continuous, ":", color="#d95f0e", lw=1.5, label="Bass, continuous closed form")
    ax.set(xlabel="step", ylabel="share using AI", title=f"Bass special case (p = {p}, q = {q} per step)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "bass.png", dpi=110)
    plt.close(fig)

    sizes = []
    for k, (degree, thresholds, share) in enumerate(THRESHOLD_CASES):
        run = run_threshold(threshold_scenario(mean_degree=degree, seed_share=share, thresholds=thresholds), k)
        reference = threshold_fixed_point(run.graph, run.seeds, run.thresholds)
        sizes.append((len(run.seeds), len(run.final), len(reference), len(run.final ^ reference)))
    rows.append(
        {
            "check": "threshold",
            "measure": "clinicians whose final state differs from the reference fixed point (5 graphs)",
            "value": float(sum(s[3] for s in sizes)),
            "tolerance": 0.0,
        }
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = np.arange(len(sizes))
    ax.bar(x - 0.2, [s[1] for s in sizes], 0.4, label="model: final adopters", color="#08519c")
    ax.bar(x + 0.2, [s[2] for s in sizes], 0.4, label="reference fixed point", color="#bdbdbd")
    ax.scatter(x, [s[0] for s in sizes], color="#d95f0e", zorder=3, label="seeds")
    labels = [f"degree {d:g}\nthresholds {t[0]:g}-{t[1]:g}\nseeds {s:.0%}" for d, t, s in THRESHOLD_CASES]
    ax.set(xticks=x, ylabel="clinicians", title="Linear threshold special case: final adopters (Erdos-Renyi, n = 300)")
    ax.set_xticklabels(labels, fontsize=7.5)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(out / "threshold.png", dpi=110)
    plt.close(fig)

    scenario = degroot_scenario()
    edges, x0, final, path = run_degroot(scenario, 0)
    limit = degroot_limit(edges, scenario.population.n, x0, scenario.attitude.influence_rate)
    rows.append(
        {
            "check": "degroot",
            "measure": "max |attitude after 400 steps - stationary-distribution consensus|",
            "value": float(np.abs(final - limit).max()),
            "tolerance": 1e-6,
        }
    )
    rows.append(
        {
            "check": "degroot",
            "measure": "max |stationary-distribution consensus - plain mean of x(0)| (what the weighting changes)",
            "value": float(np.abs(limit - x0.mean()).max()),
            "tolerance": float("nan"),
        }
    )
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i in range(0, scenario.population.n, 6):
        ax.plot(path[:31, i], color="#9ecae1", lw=0.6)
    big = np.bincount(np.concatenate([edges[:, 0], edges[:, 1]]), minlength=scenario.population.n) > 0
    ax.axhline(
        float(np.median(limit[big])), color="k", ls="--", lw=1.5, label="consensus pi' x(0) (stationary distribution)"
    )
    ax.set(
        xlabel="step",
        ylabel="attitude (1-7)",
        title="DeGroot special case: attitudes converge to the weighted consensus",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "degroot.png", dpi=110)
    plt.close(fig)

    rows += write_reference_cases(out, plt, replications=250 * replications)

    table = pd.DataFrame(rows)
    table.to_csv(out / "validation.csv", index=False, float_format="%.6g")
    return out / "validation.csv"
