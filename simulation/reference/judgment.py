"""Peer judgment in its plainest form: one numpy draw per tie (the definition the model's compiled
pass, `simulation.rules.judgment.judge_ties`, is tested against in tests/test_fast_kernels.py)."""

from __future__ import annotations

import numpy as np

from simulation.rules.judgment import rate, rater_factor
from simulation.scenario.parameters import JudgmentConfig


def update_reputation(
    reputation: np.ndarray,
    mode: np.ndarray,
    attitude: np.ndarray,
    uses_ai: np.ndarray,
    leniency: np.ndarray,
    arc_rater: np.ndarray,
    arc_ratee: np.ndarray,
    seen: np.ndarray,
    noise: np.ndarray,
    config: JudgmentConfig,
    memory: float | None = None,
    harshness: np.ndarray | None = None,
    verify_harshness: np.ndarray | None = None,
) -> np.ndarray:
    """New reputations: each clinician's colleagues who `seen` them this week rate them; the mean
    rating is blended with last week's reputation (weight `memory`, default `reputation_memory`).

    `arc_rater`/`arc_ratee` list every (rater, colleague) pair; `seen` and `noise` have one entry per
    pair. Clinicians nobody saw keep their reputation. `harshness` and `verify_harshness` are the
    raters' penalty multipliers (default 1).
    """
    memory = config.reputation_memory if memory is None else memory
    r, c = arc_rater[seen], arc_ratee[seen]
    factor: float | np.ndarray = 1.0
    if harshness is not None and verify_harshness is not None:
        factor = rater_factor(mode[c], harshness[r], verify_harshness[r])
    ratings = rate(mode[c], attitude[r], uses_ai[r], leniency[r], noise[seen], config, factor)
    n = reputation.shape[0]
    count = np.bincount(c, minlength=n)
    total = np.bincount(c, weights=ratings, minlength=n)
    rated = count > 0
    new = reputation.copy()
    new[rated] = memory * reputation[rated] + (1.0 - memory) * total[rated] / count[rated]
    return new
