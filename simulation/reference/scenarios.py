"""Scenarios of a given size for the oracle comparisons, the performance tests and the benchmarks."""

from __future__ import annotations

from simulation.scenario.schema import Scenario


def scenario(
    n: int, degree: float | None = 10.0, steps: int = 52, replications: int = 1, seed: int | None = None
) -> Scenario:
    """The default scenario with n clinicians, mean degree `degree` (None: the default's), `steps`
    weeks, `replications` and root seed `seed` (None: the default's)."""
    sc = Scenario()
    sc.population.n = n
    if degree is not None:
        sc.network.mean_degree = degree
    sc.run.steps = steps
    sc.run.replications = replications
    if seed is not None:
        sc.run.seed = seed
    return sc
