"""Initial state of the clinicians: who they are and what they believe at week 0.

- Departments and roles: exact counts from the configured shares (largest remainders), shuffled.
- Attitude = attitude_mean + department leaning ~ Normal(0, department_attitude_sd) + role shift +
  individual ~ Normal(0, sqrt(attitude_sd^2 - department_attitude_sd^2)), clipped to 1-7 (so the
  overall SD stays attitude_sd).
- Literacy, trust, status concern ~ Beta with the configured means and concentration `spread`.
- Modes: exact initial shares. Clinicians are ranked by a propensity (attitude z-score plus unit
  normal noise; with `initial_modes.users = "random"` the noise alone, so the users are a random
  set); the top `verify + primary` share use AI. Among them, those with the lowest
  literacy relative to their trust take the `primary` places (automation-prone), the rest verify.
  Both choices draw the same numbers, so the two settings share every other draw (common random
  numbers) and the same seed gives the same users.
- Rater leniency ~ Normal(0, noise_sd * sqrt(leniency_share)) (see `rules.judgment`).
- Reputation starts at the rating a typical colleague would give (set by the model's first
  judgment pass).
"""

from __future__ import annotations

import numpy as np

from simulation.modes import NONE, PRIMARY, VERIFY
from simulation.scenario.parameters import ChoiceConfig, JudgmentConfig, PopulationConfig
from simulation.state import ClinicianState


def exact_counts(shares: np.ndarray, n: int) -> np.ndarray:
    """Integer counts summing to n, proportional to `shares` (largest-remainder rounding)."""
    shares = np.asarray(shares, dtype=float)
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    remainder = n - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:remainder]] += 1
    return counts


def assign_departments(config: PopulationConfig, rng: np.random.Generator) -> np.ndarray:
    """Department index of every clinician, in random order."""
    counts = exact_counts(np.array(list(config.departments.values())), config.n)
    return rng.permutation(np.repeat(np.arange(counts.shape[0]), counts))


def fill_missing(labels: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`labels` (indices into `shares`) with every -1 replaced: exact counts of the missing entries
    from `shares` (largest remainders, as for a generated hospital), in random order. No draw is
    made when nothing is missing."""
    labels = np.asarray(labels, dtype=np.int64)
    missing = np.flatnonzero(labels < 0)
    if missing.size == 0:
        return labels
    counts = exact_counts(shares, int(missing.size))
    filled = labels.copy()
    filled[missing] = rng.permutation(np.repeat(np.arange(counts.shape[0]), counts))
    return filled


def _beta(mean: float, spread: float, size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.beta(mean * spread, (1.0 - mean) * spread, size)


def draw_population(
    config: PopulationConfig,
    judgment: JudgmentConfig,
    department: np.ndarray,
    advice_in_degree: np.ndarray,
    rng: np.random.Generator,
    given: dict[str, np.ndarray] | None = None,
    fill_rng: np.random.Generator | None = None,
) -> ClinicianState:
    """Draw every clinician's attributes and initial beliefs.

    `given` (a file network's node table, `network_files`) fixes attributes instead of drawing them:
    `role` (indices into config.roles, -1 = missing: drawn with the roles' shares from `fill_rng`,
    the replication's "node_table" stream, so that no other draw moves), and per clinician
    `seniority`, `attitude` (NaN = draw) and `mode` (-1 = draw).
    """
    given = given or {}
    n = config.n
    role_names = list(config.roles)
    roles = [config.roles[name] for name in role_names]
    if "role" in given:
        role = np.asarray(given["role"], dtype=np.int64)
        if (role < 0).any():
            assert fill_rng is not None, "missing roles need fill_rng"
            role = fill_missing(role, np.array([r.share for r in roles]), fill_rng)
    else:
        role = rng.permutation(np.repeat(np.arange(len(roles)), exact_counts(np.array([r.share for r in roles]), n)))
    low = np.array([r.seniority_years[0] for r in roles])[role]
    high = np.array([r.seniority_years[1] for r in roles])[role]
    seniority = _given(low + rng.random(n) * (high - low), given.get("seniority"))

    attitude_shift = np.array([r.attitude_shift for r in roles])[role]
    culture = rng.normal(0.0, config.department_attitude_sd, len(config.departments))[department]
    individual_sd = np.sqrt(max(config.attitude_sd**2 - config.department_attitude_sd**2, 0.0))
    attitude = np.clip(rng.normal(config.attitude_mean, individual_sd, n) + culture + attitude_shift, 1.0, 7.0)
    attitude = _given(attitude, given.get("attitude"))
    literacy = _beta(config.literacy_mean, config.spread, n, rng)
    trust = _beta(config.trust_mean, config.spread, n, rng)
    concern_shift = np.array([r.status_concern_shift for r in roles])[role]
    status_concern = np.clip(_beta(config.status_concern_mean, config.spread, n, rng) + concern_shift, 0.0, 1.0)
    mode = initial_modes(config, attitude, literacy, trust, rng)
    if "mode" in given:
        mode = np.where(given["mode"] >= 0, given["mode"], mode).astype(np.int8)
    leniency = rng.normal(0.0, judgment.noise_sd * np.sqrt(judgment.leniency_share), n)

    return ClinicianState(
        department=department,
        role=role,
        seniority=seniority,
        attitude=attitude,
        literacy=literacy,
        trust=trust,
        status_concern=status_concern,
        mode=mode,
        reputation=np.full(n, judgment.baseline_rating),
        leniency=leniency,
        advice_in_degree=advice_in_degree,
        department_names=list(config.departments),
        role_names=role_names,
        skeptical_below=config.skeptical_below,
    )


def adoption_thresholds(
    config: ChoiceConfig, n: int, rng: np.random.Generator, given: np.ndarray | None = None
) -> np.ndarray:
    """Every clinician's fixed threshold of the linear threshold rule (a share of colleagues, 0-1):
    Uniform(`config.thresholds`) from `rng` (the choice stream), one draw per clinician whether or
    not the node table gives theirs; the known (not NaN) entries of `given` replace the draws."""
    low, high = config.thresholds
    return _given(rng.uniform(low, high, n), given)


def _given(drawn: np.ndarray, values: np.ndarray | None) -> np.ndarray:
    """`drawn`, with the known (not NaN) entries of `values` instead."""
    if values is None:
        return drawn
    return np.where(np.isnan(values), drawn, values)


def initial_modes(
    config: PopulationConfig,
    attitude: np.ndarray,
    literacy: np.ndarray,
    trust: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Modes with exactly the configured shares, users drawn among the more favourable (or at random,
    `initial_modes.users`)."""
    n = attitude.shape[0]
    counts = exact_counts(
        np.array([config.initial_modes.none, config.initial_modes.verify, config.initial_modes.primary]), n
    )
    sd = attitude.std() or 1.0
    noise = rng.normal(0.0, 1.0, n)
    propensity = noise if config.initial_modes.users == "random" else (attitude - attitude.mean()) / sd + noise
    users = np.argsort(-propensity, kind="stable")[: counts[VERIFY] + counts[PRIMARY]]
    mode = np.full(n, NONE, dtype=np.int8)
    automation_prone = trust[users] - literacy[users] + rng.normal(0.0, 0.1, users.shape[0])
    by_proneness = users[np.argsort(-automation_prone, kind="stable")]
    mode[by_proneness[: counts[PRIMARY]]] = PRIMARY
    mode[by_proneness[counts[PRIMARY] :]] = VERIFY
    return mode
