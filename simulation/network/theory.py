"""Textbook networks for the theory checks (docs/VALIDATION.md): complete and Erdos-Renyi graphs.

`[network] generator = "complete"` ties every clinician to every other (the mixing assumed by the
Bass model); `generator = "random"` draws G(n, p) with p = mean_degree / (n - 1) (Erdos & Renyi
1959). Advice directions are drawn at random (no opinion leaders); teams are the departments.
"""

from __future__ import annotations

import numpy as np

from simulation.network.hospital import HospitalNetwork


def _with_random_advisors(
    n: int, edges: np.ndarray, department: np.ndarray, rng: np.random.Generator
) -> HospitalNetwork:
    first = rng.random(edges.shape[0]) < 0.5
    advisor = np.where(first, edges[:, 0], edges[:, 1])
    return HospitalNetwork(n=n, edges=edges, advisor=advisor, team=department.astype(np.int64))


def complete_network(department: np.ndarray, rng: np.random.Generator) -> HospitalNetwork:
    """Every pair of clinicians is tied (n (n - 1) / 2 ties)."""
    n = department.shape[0]
    i, j = np.triu_indices(n, k=1)
    return _with_random_advisors(n, np.column_stack([i, j]).astype(np.int64), department, rng)


def random_network(department: np.ndarray, mean_degree: float, rng: np.random.Generator) -> HospitalNetwork:
    """Erdos-Renyi G(n, p) with p = mean_degree / (n - 1): each pair tied independently."""
    n = department.shape[0]
    p = min(1.0, mean_degree / max(n - 1, 1))
    # Number of ties ~ Binomial(pairs, p), then that many distinct pairs uniformly at random.
    pairs = n * (n - 1) // 2
    count = int(rng.binomial(pairs, p))
    codes = np.sort(rng.choice(pairs, size=count, replace=False))
    # Pair code k <-> (i, j), i < j, in row-major order of the upper triangle.
    i = (n - 2 - np.floor(np.sqrt(-8 * codes + 4 * n * (n - 1) - 7) / 2.0 - 0.5)).astype(np.int64)
    j = (codes + i + 1 - n * (n - 1) // 2 + (n - i) * ((n - i) - 1) // 2).astype(np.int64)
    return _with_random_advisors(n, np.column_stack([i, j]), department, rng)
