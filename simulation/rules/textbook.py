"""Textbook adoption rules, reachable from `[choice] rule`, for the theory checks (docs/VALIDATION.md).

Both treat "uses AI" as adoption: adopters never stop and non-adopters start in `adopt_mode`.

- Bass (1969) on a network: each non-adopter adopts this step with probability
  min(1, bass_p + bass_q * x_i), x_i the share of i's colleagues who use AI at the start of the step.
  On a complete graph x_i is the population share (minus oneself), which gives the Bass model's
  hazard p + q F(t).
- Linear threshold (Granovetter 1978): each clinician has a fixed threshold theta_i; a non-adopter
  adopts as soon as x_i >= theta_i (synchronous rounds, no noise). Isolates never adopt unless their
  threshold is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulation.modes import MODE_NAMES, NONE
from simulation.segments import Segments
from simulation.state import ClinicianState


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
    draw = np.concatenate([rng.random(int(n)) for rng, n in zip(rngs, segments.sizes, strict=True)])
    hazard = np.minimum(1.0, p + q * colleague_use)
    return _adopt(state, (state.mode == NONE) & (draw < hazard), adopt_mode, segments)


def threshold_adoption(
    state: ClinicianState, colleague_use: np.ndarray, thresholds: np.ndarray, adopt_mode: str, segments: Segments
) -> np.ndarray:
    """One synchronous round of linear-threshold adoption; returns how many adopted, per replication."""
    return _adopt(state, (state.mode == NONE) & (colleague_use >= thresholds), adopt_mode, segments)
