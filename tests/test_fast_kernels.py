"""The compiled loops (`simulation.fast`) against their definitions.

- Counter-based random numbers: uniform and normal draws pass Kolmogorov-Smirnov tests (1e6 draws;
  p >= 0.001 at fixed keys, so deterministic) and match the normal's tail probabilities.
- Each per-tie or per-clinician pass equals, to rounding, a plain numpy computation of the same
  quantity (deterministic parts), or has the same distribution (random parts: means within four
  standard errors over many draws).
- Serial and parallel forms give identical bits, so a model gives the same results whatever the
  number of threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import kstest, norm, poisson

from simulation.fast import arcs, clinicians, threads
from simulation.fast.random import new_key, normal, uniform
from simulation.model import ClinicianModel
from simulation.reference.judgment import update_reputation
from simulation.rules.judgment import RatingRound, judge_ties, rater_table
from simulation.scenario.parameters import JudgmentConfig
from simulation.scenario.schema import Scenario


@numba.njit
def _normals(key, count):
    return np.array([normal(key, i) for i in range(count)])


@numba.njit
def _uniforms(key, count):
    return np.array([uniform(key, i) for i in range(count)])


@pytest.mark.parametrize("key", [1, 2**63 + 12345])
def test_counter_based_draws_have_the_right_distributions(key):
    z = _normals(np.uint64(key), 1_000_000)
    u = _uniforms(np.uint64(key), 1_000_000)
    assert kstest(z, "norm").pvalue > 0.001
    assert kstest(u, "uniform").pvalue > 0.001
    assert abs(z.mean()) < 0.005 and abs(z.std() - 1) < 0.005
    # the ziggurat's tail (beyond 3.65) and wedges: frequencies within 5 binomial standard errors
    for cut in (1.0, 2.5, 3.7, 4.2):
        expected = 2 * norm.sf(cut)
        assert abs((np.abs(z) > cut).mean() - expected) < 5 * np.sqrt(expected / z.size) + 1e-6


def test_different_keys_give_unrelated_draws():
    a, b = _uniforms(np.uint64(5), 100_000), _uniforms(np.uint64(6), 100_000)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.015  # 4.7 standard errors of a correlation at n = 1e5


def _random_graph(n: int, degree: float, seed: int) -> sp.csr_array:
    rng = np.random.default_rng(seed)
    upper = sp.random_array((n, n), density=degree / n, random_state=rng, format="csr")
    upper = sp.triu(upper, k=1)
    upper.data[:] = 1.0
    matrix = (upper + upper.T).tocsr()
    matrix.sort_indices()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


def test_tie_passes_equal_numpy():
    matrix = _random_graph(2_000, 8, 1)
    rng = np.random.default_rng(2)
    attitude = rng.uniform(1, 7, matrix.shape[0])
    mode = rng.integers(0, 3, matrix.shape[0]).astype(np.int8)
    weight = rng.uniform(0.5, 2, matrix.shape[0])
    bound = 1.5
    total, close_weight, close_total = arcs.attitude_sums(
        matrix.indptr, matrix.indices, matrix.data, False, False, attitude, weight, -1.0, bound
    )
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    close = np.abs(attitude[rows] - attitude[matrix.indices]) <= bound
    within = sp.csr_array((close * weight[matrix.indices], matrix.indices, matrix.indptr), shape=matrix.shape)
    np.testing.assert_allclose(total, matrix @ attitude, rtol=1e-12)
    np.testing.assert_allclose(close_weight, within @ np.ones(matrix.shape[0]), rtol=1e-12)
    np.testing.assert_allclose(close_total, within @ attitude, rtol=1e-12)
    counts = arcs.mode_counts(matrix.indptr, matrix.indices, matrix.data, False, mode)
    for m in range(3):
        np.testing.assert_array_equal(counts[:, m], matrix @ (mode == m).astype(float))
    sums, counts_too = arcs.attitude_and_mode_sums(matrix.indptr, matrix.indices, matrix.data, False, attitude, mode)
    np.testing.assert_allclose(sums, matrix @ attitude, rtol=1e-12)
    np.testing.assert_array_equal(counts_too, counts)


def test_weighted_directed_passes_equal_numpy():
    """An influence matrix with weights and one-way arcs (rows = whom a clinician hears): the
    bounded-confidence sums weigh each colleague by tie weight times influence weight, and the
    colleagues per mode add tie weights."""
    rng = np.random.default_rng(3)
    matrix = _random_graph(1_500, 8, 4)
    keep = rng.random(matrix.nnz) < 0.7  # drop 30 % of the arcs one way: the matrix is no longer symmetric
    matrix.data = rng.uniform(0.1, 3.0, matrix.nnz) * keep
    matrix.eliminate_zeros()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    attitude = rng.uniform(1, 7, matrix.shape[0])
    mode = rng.integers(0, 3, matrix.shape[0]).astype(np.int8)
    weight = rng.uniform(0.5, 2, matrix.shape[0])
    bound = 1.2
    total, close_weight, close_total = arcs.attitude_sums(
        matrix.indptr, matrix.indices, matrix.data, True, True, attitude, weight, -1.0, bound
    )
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    close = np.abs(attitude[rows] - attitude[matrix.indices]) <= bound
    within = sp.csr_array(
        (close * matrix.data * weight[matrix.indices], matrix.indices, matrix.indptr), shape=matrix.shape
    )
    np.testing.assert_allclose(total, matrix @ attitude, rtol=1e-12)
    np.testing.assert_allclose(close_weight, within @ np.ones(matrix.shape[0]), rtol=1e-12)
    np.testing.assert_allclose(close_total, within @ attitude, rtol=1e-12)
    counts = arcs.mode_counts(matrix.indptr, matrix.indices, matrix.data, True, mode)
    for m in range(3):
        np.testing.assert_allclose(counts[:, m], matrix @ (mode == m).astype(float), rtol=1e-12, atol=1e-12)


def test_judgment_has_the_distribution_of_the_per_tie_definition():
    """`judge_ties` (compiled, counter-based) against `update_reputation` (numpy, one draw per tie):
    the mean new reputation of each ratee over 400 weeks agrees within four standard errors, and
    the spread of the weekly values agrees within 10 %."""
    config = JudgmentConfig()
    matrix = _random_graph(60, 6, 3)
    n = matrix.shape[0]
    rng = np.random.default_rng(4)
    attitude = rng.uniform(1, 7, n)
    mode = rng.integers(0, 3, n).astype(np.int8)
    uses = mode != 0
    leniency = rng.normal(0, 0.3, n)
    reputation = rng.uniform(3, 6, n)
    table = rater_table(attitude, uses, leniency, config)
    rater, ratee = matrix.indices, np.repeat(np.arange(n), np.diff(matrix.indptr))
    fast, slow = [], []
    for _week in range(400):
        ratings = RatingRound(
            table=table.astype(np.float32).ravel(),
            threshold=np.array([2**31], dtype=np.uint64),
            keys=np.array([new_key(rng)], dtype=np.uint64),
            noise_sd=config.noise_sd * np.sqrt(1 - config.leniency_share),
            memory=config.reputation_memory,
        )
        fast.append(judge_ties(reputation, mode, SimpleNamespace(adjacency=matrix), ratings))
        seen = rng.random(rater.shape[0]) < 0.5
        noise = rng.standard_normal(rater.shape[0])
        slow.append(update_reputation(reputation, mode, attitude, uses, leniency, rater, ratee, seen, noise, config))
    fast, slow = np.array(fast), np.array(slow)
    se = np.sqrt(fast.var(axis=0) / 400 + slow.var(axis=0) / 400) + 1e-12
    assert np.all(np.abs(fast.mean(axis=0) - slow.mean(axis=0)) <= 4 * se + 1e-9)
    np.testing.assert_allclose(fast.std(axis=0).mean(), slow.std(axis=0).mean(), rtol=0.1)


def test_week_of_use_has_the_distribution_of_poisson_cases_and_binomial_errors():
    """Users' caught errors, errors passed on and incidents per week: mean and variance as for
    Poisson(cases) decisions, each wrong with `error_rate`, caught with the user's probability and
    an incident with `incident_share` (the Poisson split; within 4 standard errors / 5 %)."""
    n = 200_000
    mode = np.ones(n, dtype=np.int8)
    literacy = np.full(n, 0.5)
    trust, attitude = np.full(n, 0.5), np.full(n, 4.0)
    cases, error_rate, share = 10.0, 0.08, 0.2
    catch = 0.5 + 0.4 * 0.5
    correct_cdf, error_cdf = (
        clinicians.poisson_cdf(cases * (1 - error_rate)),
        clinicians.poisson_cdf(cases * error_rate),
    )
    caught, passed, incidents, *_ = clinicians.week_of_use(
        mode,
        literacy,
        trust,
        attitude,
        np.array([77], dtype=np.uint64),
        np.zeros(n, dtype=np.int32),
        np.array([0, n]),
        correct_cdf,
        error_cdf,
        np.array([0.5, 0.9]),
        np.array([0.2, 0.4]),
        share,
        0.0,
        0.0,
        cases,
        0.1,
        np.array([0.3, 0.8]),
    )
    for values, rate in (
        (caught, cases * error_rate * catch),
        (passed, cases * error_rate * (1 - catch)),
        (incidents, cases * error_rate * (1 - catch) * share),
    ):
        assert abs(values.mean() - rate) < 4 * np.sqrt(rate / n)
        assert abs(values.var() - rate) < 0.05 * rate  # Poisson: variance = mean
    assert np.all(mode == 1) and np.all(trust == 0.5)  # learning rate 0: trust unchanged


def test_poisson_tables_reach_one():
    for mean in (0.0, 0.8, 9.2, 80.0, 920.0):
        cdf = clinicians.poisson_cdf(mean)
        assert cdf[-1] == 1.0
        np.testing.assert_allclose(cdf, poisson.cdf(np.arange(cdf.size), mean))


class _CountingLock:
    """Stands in for `threads._LOCK`, which only the parallel path takes: counts how often it was."""

    def __init__(self) -> None:
        self.taken = 0

    def __enter__(self) -> None:
        self.taken += 1

    def __exit__(self, *exc) -> None:
        return None


@pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2,
    reason=f"numba has {numba.config.NUMBA_NUM_THREADS} thread here: the parallel forms would run serially",
)
def test_serial_and_parallel_forms_give_identical_results(monkeypatch):
    """A model with every loop forced onto threads equals the serial one bit for bit (and the
    parallel forms did run: the lock only they take was taken)."""
    scenario = Scenario()
    scenario.population.n = 600
    results = []
    for parallel in (False, True):
        lock = _CountingLock()
        monkeypatch.setattr(threads, "_LOCK", lock)
        monkeypatch.setattr(threads, "_allowed", parallel)
        monkeypatch.setattr(threads, "PARALLEL_FROM", 0)
        model = ClinicianModel(scenario, 3, with_agents=False)
        for _ in range(8):
            model.step()
        assert (lock.taken > 0) == parallel, f"parallel={parallel}: the parallel path ran {lock.taken} times"
        results.append(
            (model.state.attitude.copy(), model.state.reputation.copy(), model.state.mode.copy(), model.last)
        )
    serial, parallel = results
    for a, b in zip(serial[:3], parallel[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    assert serial[3] == pytest.approx(parallel[3], nan_ok=True, rel=0, abs=0)


_NO_SIDE_EFFECTS = """
import numpy as np
huge_pages = np._core.multiarray._get_madvise_hugepage()
import numba
layer = numba.config.THREADING_LAYER
import simulation.model
from simulation.fast import memory, threads
from simulation import settings
from simulation.scenario.schema import Scenario
scenario = Scenario()
scenario.population.n = 60
model = simulation.model.ClinicianModel(scenario, 0)
model.step()
assert numba.config.THREADING_LAYER == layer, numba.config.THREADING_LAYER
assert np._core.multiarray._get_madvise_hugepage() == huge_pages
assert not memory._done and not settings.configured
settings.configure()
settings.configure()
assert numba.config.THREADING_LAYER == "workqueue" and settings.configured
assert np._core.multiarray._get_madvise_hugepage() is False
print("ok")
"""


def test_importing_and_running_a_model_changes_no_process_wide_setting():
    """Importing the model and running it leave numba's threading layer and the allocator as they
    were; only `simulation.settings.configure()` (idempotent) sets them."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "NUMPY_MADVISE_HUGEPAGE")}
    done = subprocess.run(
        [sys.executable, "-c", _NO_SIDE_EFFECTS], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
