"""Textbook adoption rules, reachable from `[choice] rule`, for the theory checks (docs/VALIDATION.md).

Bass, threshold and cascade treat "uses AI" as adoption: adopters never stop and non-adopters start
in `adopt_mode`. The voter rule copies modes in both directions.

- Bass (1969) on a network: each non-adopter adopts this step with probability
  min(1, bass_p + bass_q * x_i), x_i the share of i's colleagues who use AI at the start of the step.
  On a complete graph x_i is the population share (minus oneself), which gives the Bass model's
  hazard p + q F(t).
- Linear threshold (Granovetter 1978): each clinician has a fixed threshold theta_i; a non-adopter
  adopts as soon as x_i >= theta_i (synchronous rounds, no noise). Isolates never adopt unless their
  threshold is 0.
- Independent cascade (Kempe, Kleinberg & Tardos 2003): a clinician who started using AI in the
  previous step (the initial users at step 1) has one chance, `cascade_p`, per colleague still not
  using AI to make them start; never again. A non-user with m such colleagues (tie weights add)
  starts with probability 1 - (1 - cascade_p)^m: the same law as m independent tries.
- Voter model (Clifford & Sudbury 1973; Holley & Liggett 1975): each step a clinician reconsiders
  with probability `reconsider_rate` and then takes the mode of one colleague drawn with
  probability proportional to the tie weight (uniformly on an unweighted network); isolates keep
  theirs. All reconsider at once, from the modes at the start of the step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulation.modes import MODE_NAMES, NONE
from simulation.network.hospital import HospitalNetwork
from simulation.segments import Segments
from simulation.state import ClinicianState


def _uniforms(rngs: Sequence[np.random.Generator], segments: Segments) -> np.ndarray:
    """One uniform per clinician, each replication's from its own `rngs` entry (the same numbers in
    any batch)."""
    return np.concatenate([rng.random(int(n)) for rng, n in zip(rngs, segments.sizes, strict=True)])


def _adopt(state: ClinicianState, who: np.ndarray, adopt_mode: str, segments: Segments) -> np.ndarray:
    state.mode[who] = MODE_NAMES.index(adopt_mode)
    return segments.count_of(np.flatnonzero(who))


def bass_adoption(
    state: ClinicianState,
    colleague_use: np.ndarray,
    p: float,
    q: float,
    adopt_mode: str,
    rngs: Sequence[np.random.Generator],
    segments: Segments,
) -> np.ndarray:
    """One step of Bass adoption (one uniform per clinician from their replication's `rngs` entry);
    returns how many adopted, per replication."""
    draw = _uniforms(rngs, segments)
    hazard = np.minimum(1.0, p + q * colleague_use)
    return _adopt(state, (state.mode == NONE) & (draw < hazard), adopt_mode, segments)


def threshold_adoption(
    state: ClinicianState, colleague_use: np.ndarray, thresholds: np.ndarray, adopt_mode: str, segments: Segments
) -> np.ndarray:
    """One synchronous round of linear-threshold adoption; returns how many adopted, per replication."""
    return _adopt(state, (state.mode == NONE) & (colleague_use >= thresholds), adopt_mode, segments)


def cascade_adoption(
    state: ClinicianState,
    network: HospitalNetwork,
    adopted_at: np.ndarray,
    step: int,
    p: float,
    adopt_mode: str,
    rngs: Sequence[np.random.Generator],
    segments: Segments,
) -> np.ndarray:
    """Step `step` of the independent cascade: the colleagues who first used AI at step - 1
    (`adopted_at`, from `diffusion.AdoptionTracker`) each try once, with probability `p`; returns
    how many adopted, per replication."""
    fresh = (adopted_at == step - 1).astype(np.float64)
    tries = network.adjacency @ fresh
    draw = _uniforms(rngs, segments)
    chance = 1.0 - np.power(1.0 - p, tries)
    return _adopt(state, (state.mode == NONE) & (tries > 0) & (draw < chance), adopt_mode, segments)


def voter_step(
    state: ClinicianState,
    network: HospitalNetwork,
    rate: float,
    rngs: Sequence[np.random.Generator],
    segments: Segments,
) -> np.ndarray:
    """One synchronous step of the voter model; returns how many changed mode, per replication.

    Two uniforms per clinician per step (whether to reconsider, then which colleague), drawn in that
    order from each replication's `rngs` entry."""
    reconsider = _uniforms(rngs, segments) < rate
    pick = _uniforms(rngs, segments)
    matrix = network.adjacency
    # Colleague k of row i is chosen when the uniform, scaled to the row's total weight, falls in
    # its slice of the row's running sum of weights.
    cumulative = np.cumsum(matrix.data)
    before = np.concatenate([[0.0], cumulative])[matrix.indptr[:-1]]
    weight = np.concatenate([[0.0], cumulative])[matrix.indptr[1:]] - before
    who = np.flatnonzero(reconsider & (weight > 0))
    target = before[who] + pick[who] * weight[who]
    position = np.clip(
        np.searchsorted(cumulative, target, side="right"), matrix.indptr[who], matrix.indptr[who + 1] - 1
    )
    copied = state.mode[matrix.indices[position]]
    changed = who[copied != state.mode[who]]
    state.mode[who] = copied
    return segments.count_of(changed)
