"""ABC-SMC calibration (`[calibration] method = "smc"`): pyabc's sequential Monte Carlo ABC on the one engine.

Method (Toni et al. 2009, J. R. Soc. Interface 6:187; Beaumont et al. 2009, Biometrika 96:983; the
pyabc implementation, Schaelte et al. 2022, JOSS 7:4304):

- prior: uniform over each free key's bounds;
- a particle is one parameter set; it runs `replications` replications, each with its own seed drawn
  from a hash of the particle's values and `[calibration] seed` (fresh noise per particle: the
  likelihood is the model's, not that of one fixed set of draws);
- distance `rmse`: root mean square of (mean of the replications - observed) over every observed
  point, each divided by its outcome's range (shares: 1; `simulation.experiments.calibration.distance`).
  With R > 1 replications this is the posterior of an observation that is itself a mean of R runs,
  less noisy than one observed curve: the intervals come out too narrow (measured: 90 % intervals held
  the truth in 20 and 19 of 30 trials with R = 2, docs/VALIDATION.md 3.2). For one observed curve use
  `replications = 1` with `rmse` (honest in the coverage check), or `synthetic_likelihood`, whose
  variance is that of single runs;
  distance `synthetic_likelihood`: -2 log of an independent Gaussian likelihood of the observations with
  the replications' mean and variance at each point (Wood 2010, Nature 466:1102; variances floored at
  (0.001 x range)^2), used as the ABC distance (it can be negative);
- populations: `population_size` particles each, the tolerance of the next the `epsilon_quantile`
  weighted quantile of the last one's distances (pyabc QuantileEpsilon), proposals from pyabc's
  multivariate normal kernel; stops at `populations` populations, a tolerance at or below
  `minimum_epsilon`, or `max_simulations` particle evaluations in all;
- the final population is the posterior (particles and importance weights, posterior.csv): weighted
  median, 5-95 % weighted quantiles (the 90 % credible interval) and the effective sample size
  (sum w)^2 / sum w^2 of each parameter (calibration.csv);
- regression adjustment (Beaumont, Zhang & Balding 2002, Genetics 162:2025): each parameter is regressed
  on the particles' summaries minus the observations (weighted least squares; Epanechnikov kernel on
  the distance times the importance weights) and moved by the fitted slope to the observed summaries,
  clipped to the bounds. It helps when the final tolerance is still wide and the summaries change about
  linearly with the parameter there; it is applied under `regression = "auto"` to the parameters whose
  weighted R^2 is at least `AUTO_R2` (the summaries explain most of the spread), and reported either way;
- posterior predictive check: `check_replications` particles drawn by weight, one run each (distinct
  replication numbers): fit.csv holds their mean and 5-95 % band at each observed point.

Evaluations run through the engine's backend: its executor (local worker processes, or the Dask
cluster's) takes pyabc's particle evaluations (pyabc ConcurrentFutureSampler); each evaluation runs
its replications with the engine in the worker (`curves_of`, serially there). One process (a Serial
backend, `--workers 1`): pyabc's single-core sampler, seeded from `[calibration] seed`, so the run is
reproducible; with more workers pyabc draws proposals in the workers from fresh entropy and the
particles differ from run to run (the posterior does not, within Monte Carlo error). pyabc's database
(SQLite) is written into the output folder (pyabc.db), never the working folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import ScenarioError
from simulation.execution.backends import Backend, Serial
from simulation.execution.plan import Job
from simulation.experiments.calibration import (
    CalibrationResult,
    Observed,
    assignments,
    curves_of,
    distance,
    fit_data,
    fit_table,
)
from simulation.reporting.plots.text import plain_text
from simulation.scenario.paths import parse_path, point_scenario
from simulation.scenario.schema import Scenario

AUTO_R2 = 0.5  # regression = "auto": adjust a parameter when its summaries' weighted R^2 is at least this
CREDIBLE = (5.0, 95.0)  # the credible interval's weighted quantiles, percent (90 %)
VARIANCE_FLOOR = 1e-3  # synthetic likelihood: SD floor per point, as a fraction of the outcome's range
DATABASE = "pyabc.db"


@dataclass
class ParticleModel:
    """pyabc's model: a particle's parameters -> the mean and variance of its replications' curves.

    Sent to the worker processes (pickled); builds the particle's scenario and runs its
    replications with the engine there."""

    data: dict
    names: list[str]
    observed: Observed
    replications: int
    seed: int

    def scenario(self, values: list[float], label: str) -> Scenario:
        data = dict(self.data)
        data["run"] = {**data["run"], "seed": particle_seed(self.seed, values)}
        paths = [parse_path(name) for name in self.names]
        return point_scenario(data, assignments(data, paths, values), label)

    def __call__(self, parameter: dict) -> dict:
        values = [float(parameter[f"theta{i}"]) for i in range(len(self.names))]
        point = self.scenario(values, "calibration particle " + ", ".join(f"{v:.4g}" for v in values))
        jobs = [Job(f"r{k}", 0, point, point.run.seed, k) for k in range(self.replications)]
        curves = np.array(curves_of(jobs, self.observed, Serial()))
        variance = curves.var(axis=0, ddof=1) if len(curves) > 1 else np.zeros(curves.shape[1])
        return {"mean": curves.mean(axis=0), "variance": variance}


def particle_seed(seed: int, values: list[float]) -> int:
    """The root seed of a particle's replications: a hash of `seed` and the values (63 bits)."""
    digest = hashlib.blake2b(repr((seed, [float(v) for v in values])).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass
class RmseDistance:
    observed: Observed

    def __call__(self, x: dict, x_0: dict) -> float:
        return distance(np.asarray(x["mean"]), self.observed)


@dataclass
class SyntheticLikelihoodDistance:
    """-2 log of the independent Gaussian synthetic likelihood (module docstring), without its constant."""

    observed: Observed

    def __call__(self, x: dict, x_0: dict) -> float:
        scales = self.observed.scales
        mean = np.asarray(x["mean"]) / scales
        variance = np.maximum(np.asarray(x["variance"]) / scales**2, VARIANCE_FLOOR**2)
        y = self.observed.values / scales
        return float(np.sum((y - mean) ** 2 / variance + np.log(variance)))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, percents: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the weights' cumulative midpoints interpolated)."""
    keep = weights > 0  # particles without weight are not part of the sample
    values, weights = values[keep], weights[keep]
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights.sum()
    cumulative = np.cumsum(w) - w / 2
    return np.interp(np.asarray(percents) / 100.0, cumulative, v)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.sum(weights**2))


def regression_adjustment(
    theta: np.ndarray, summaries: np.ndarray, observed: np.ndarray, weights: np.ndarray, distances: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local-linear regression adjustment (Beaumont et al. 2002): adjusted theta (n x k), the
    regression weights and the weighted R^2 of each parameter. `summaries` and `observed` are on the
    distance's scale; with more summary points than a fifth of the particles, the regression uses the
    leading principal components of the summaries (at most n / 5 of them)."""
    spread = distances.max() - distances.min()
    u = (distances - distances.min()) / spread if spread > 0 else np.zeros_like(distances)
    kernel = np.clip(1.0 - u**2, 0.0, None)
    kernel[kernel == 0] = 1e-12
    w = weights * kernel
    w = w / w.sum()
    x = summaries - observed
    centre = (w[:, None] * x).sum(axis=0)
    x_c = x - centre
    limit = max(1, len(theta) // 5)
    if x.shape[1] > limit:
        _, _, vt = np.linalg.svd(np.sqrt(w)[:, None] * x_c, full_matrices=False)
        basis = vt[:limit].T
        x_c, x = x_c @ basis, x @ basis
    design = np.column_stack([np.ones(len(theta)), x_c])
    root = np.sqrt(w)[:, None]
    coefficients, *_ = np.linalg.lstsq(root * design, root * theta, rcond=None)
    slope = coefficients[1:]
    fitted = design @ coefficients
    mean = (w[:, None] * theta).sum(axis=0)
    total = (w[:, None] * (theta - mean) ** 2).sum(axis=0)
    residual = (w[:, None] * (theta - fitted) ** 2).sum(axis=0)
    r2 = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), 0.0)
    return theta - x @ slope, w, r2


@contextlib.contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """pyabc's INFO lines off while it runs (its loggers' level restored after)."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _numpy_seed(seed: int) -> Iterator[None]:
    """numpy's global generator (pyabc draws from it) seeded for the run, then restored."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def _sampler(executor, slots: int):
    import pyabc

    if executor is None:
        return pyabc.SingleCoreSampler()
    return pyabc.ConcurrentFutureSampler(executor, client_max_jobs=slots)


def run_pyabc(scenario: Scenario, observed: Observed, backend: Backend, folder: Path):
    """Run pyabc's ABC-SMC; returns its History (database `folder`/pyabc.db)."""
    import pyabc

    config = scenario.calibration
    assert config is not None
    names = list(config.free)
    data = fit_data(scenario)
    model = ParticleModel(data, names, observed, config.replications, config.seed)
    model.scenario([float(low) for low, _ in config.free.values()], "calibration: the lower bounds")  # checked early
    prior = pyabc.Distribution(
        **{f"theta{i}": pyabc.RV("uniform", low, high - low) for i, (low, high) in enumerate(config.free.values())}
    )
    measure = RmseDistance(observed) if config.distance == "rmse" else SyntheticLikelihoodDistance(observed)
    minimum = config.minimum_epsilon if config.distance == "rmse" else -np.inf
    with _quiet_pyabc(), _numpy_seed(config.seed), backend.open(config.max_simulations) as (executor, slots):
        abc = pyabc.ABCSMC(
            model,
            prior,
            measure,
            population_size=config.population_size,
            sampler=_sampler(executor, slots),
            eps=pyabc.QuantileEpsilon(alpha=config.epsilon_quantile),
        )
        abc.new("sqlite:///" + str((folder / DATABASE).resolve()), {"mean": observed.values})
        return abc.run(
            minimum_epsilon=minimum,
            max_nr_populations=config.populations,
            max_total_nr_simulations=config.max_simulations,
        )


def calibrate_smc(scenario: Scenario, observed: Observed, backend: Backend, folder: Path | None) -> CalibrationResult:
    """ABC-SMC over `scenario.calibration.free` (module docstring); pyabc's database in `folder`
    (None: a temporary folder, removed after)."""
    config = scenario.calibration
    if config is None:
        raise ScenarioError("calibrate: the scenario has no [calibration] table")
    if folder is None:
        with tempfile.TemporaryDirectory(prefix="calibration-") as temporary:
            return calibrate_smc(scenario, observed, backend, Path(temporary))
    history = run_pyabc(scenario, observed, backend, folder)
    names = list(config.free)
    bounds = np.array([config.free[name] for name in names], dtype=float)
    particles = history.get_population().particles
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0][["t", "epsilon", "samples", "particles"]].reset_index(drop=True)
    theta = np.array([[p.parameter[f"theta{i}"] for i in range(len(names))] for p in particles], dtype=float)
    weights = np.array([p.weight for p in particles], dtype=float)
    weights = weights / weights.sum()
    distances = np.array([p.distance for p in particles], dtype=float)
    summaries = np.array([np.asarray(p.sum_stat["mean"], dtype=float) for p in particles]) / observed.scales
    adjusted, adjusted_weights, r2 = regression_adjustment(
        theta, summaries, observed.values / observed.scales, weights, distances
    )
    adjusted = np.clip(adjusted, bounds[:, 0], bounds[:, 1])
    apply = np.full(len(names), config.regression == "on") | ((config.regression == "auto") & (r2 >= AUTO_R2))
    final = np.where(apply, adjusted, theta)
    final_weights = adjusted_weights if apply.any() else weights
    posterior = pd.DataFrame({"particle": np.arange(len(particles)), "weight": final_weights})
    for j, name in enumerate(names):
        posterior[name] = final[:, j]
    for j, name in enumerate(names):
        if apply[j]:
            posterior[f"unadjusted_{name}"] = theta[:, j]
    posterior["distance"] = distances
    estimates = estimates_table(names, bounds, theta, weights, final, final_weights, distances, r2, apply)
    paths = [parse_path(name) for name in names]
    data = fit_data(scenario)
    calibrated = point_scenario(
        data, assignments(data, paths, estimates["estimate"].tolist()), "calibrated scenario (posterior medians)"
    )
    fit = predictive_fit(scenario, observed, final, final_weights, backend)
    result_distance = distance(fit["simulated_mean"].to_numpy(), observed)
    return CalibrationResult(names, estimates, posterior, fit, result_distance, calibrated, "smc", populations)


def estimates_table(
    names: list[str],
    bounds: np.ndarray,
    theta: np.ndarray,
    weights: np.ndarray,
    final: np.ndarray,
    final_weights: np.ndarray,
    distances: np.ndarray,
    r2: np.ndarray,
    apply: np.ndarray,
) -> pd.DataFrame:
    """calibration.csv: per parameter the posterior median and 90 % credible interval (adjusted where
    applied), the unadjusted ones, the effective sample size, R^2 and whether the adjustment applied."""
    rows = []
    for j, name in enumerate(names):
        median, low, high = weighted_quantiles(final[:, j], final_weights, [50.0, *CREDIBLE])
        raw_median, raw_low, raw_high = weighted_quantiles(theta[:, j], weights, [50.0, *CREDIBLE])
        rows.append(
            {
                "parameter": name,
                "estimate": median,
                "low": low,
                "high": high,
                "prior_low": bounds[j, 0],
                "prior_high": bounds[j, 1],
                "best": theta[int(np.argmin(distances)), j],
                "ess": effective_sample_size(final_weights),
                "unadjusted_estimate": raw_median,
                "unadjusted_low": raw_low,
                "unadjusted_high": raw_high,
                "regression_r2": r2[j],
                "regression_applied": bool(apply[j]),
            }
        )
    return pd.DataFrame(rows)


def predictive_fit(
    scenario: Scenario, observed: Observed, particles: np.ndarray, weights: np.ndarray, backend: Backend
) -> pd.DataFrame:
    """Posterior predictive band: `check_replications` particles drawn by weight (seeded), one run each
    with replication numbers 0, 1, ... (distinct seeds), through the engine on `backend`."""
    config = scenario.calibration
    assert config is not None
    names = list(config.free)
    data = fit_data(scenario)
    paths = [parse_path(name) for name in names]
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(0x9E_D1,)))
    drawn = rng.choice(len(particles), size=config.check_replications, p=weights / weights.sum())
    jobs = []
    for k, index in enumerate(drawn.tolist()):
        point = point_scenario(data, assignments(data, paths, particles[index].tolist()), f"posterior draw {k}")
        jobs.append(Job(f"d{k}", k, point, point.run.seed, k))
    runs = np.array(curves_of(jobs, observed, backend))
    return fit_table(observed, runs, CREDIBLE)


def smc_report_blocks(result: CalibrationResult, observed: Observed, scenario: Scenario, source: Path) -> list:
    """The blocks of an ABC-SMC calibration's report.md (`reporting.experiment_reports.smc_calibration_document`)."""
    from simulation.reporting.experiment_reports import smc_calibration_document

    config = scenario.calibration
    assert config is not None and result.populations is not None
    evaluations = int(result.populations["samples"].sum())
    method = (
        f"ABC-SMC (pyabc): {len(result.populations)} populations of {config.population_size} particles, "
        f"{evaluations:,} evaluations x {config.replications} replications, distance {config.distance}, "
        f"tolerance quantile {config.epsilon_quantile:g}"
    )
    if config.distance == "rmse" and config.replications > 1:
        method += (
            f" · note: the distance uses the mean of {config.replications} runs, so the intervals are those of a "
            "mean of as many observations and too narrow for one observed curve (docs/VALIDATION.md 3.2); "
            "use replications = 1 or distance = 'synthetic_likelihood'"
        )
    return smc_calibration_document(
        name=scenario.scenario.name,
        source=source,
        observed=observed.description,
        method=method,
        estimates=result.estimates,
        populations=result.populations,
        published=config.published,
        check_replications=config.check_replications,
        rmse=result.rmse,
        rmse_in_points=observed.all_shares,
        fit=result.fit,
    )


@plain_text
def plot_particles(posterior: pd.DataFrame, names: list[str], path: Path) -> None:
    """posterior.png: the final population (two parameters: a scatter sized by weight; one: a weighted histogram)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = posterior["weight"].to_numpy()
    if len(names) >= 2:
        fig, ax = plt.subplots(figsize=(6.5, 5))
        sc = ax.scatter(
            posterior[names[0]], posterior[names[1]], s=10 + 400 * weights, c=posterior["distance"], cmap="viridis_r"
        )
        fig.colorbar(sc, ax=ax, label="distance")
        ax.set(xlabel=names[0], ylabel=names[1], title="Posterior particles (size: weight)")
    else:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        ax.hist(posterior[names[0]], bins=30, weights=weights, color="#08519c")
        ax.set(xlabel=names[0], ylabel="posterior weight", title="Posterior of the free parameter")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
