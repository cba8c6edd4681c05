"""Temporary boosts that fade unless reinforced.

An intervention adds a boost to a clinician's literacy, attitude, trust, status concern or penalty
multipliers (`harshness`, `verify_harshness`). The boost decays
exponentially with a half-life in weeks; each further session a clinician attends multiplies their
half-life by a reinforcement factor (spaced repetition), at most twice, so repeated sessions make a
change last. Returns diminish: the k-th session a clinician attends adds 1/k of the gains
(assumption: a refresher teaches less than the first session).
The decayed part is taken back from the state itself, so other forces acting on the same variable
in the meantime (peers, experience) are kept. An attitude boost also moves the attitude a clinician
is anchored to (`ClinicianState.anchor_attitude`), so anchoring does not pull the boost away a
second time.
"""

from __future__ import annotations

import numpy as np

from simulation.state import ClinicianState

FADING_VARIABLES = ("literacy", "attitude", "trust", "status_concern", "harshness", "verify_harshness")
MAX_REINFORCEMENTS = 2  # the half-life grows with at most two further sessions (x4 with the default factor)


class FadingBoosts:
    """Per-clinician boosts of one intervention programme, decaying each step."""

    def __init__(
        self, n: int, half_life_weeks: float | None, reinforcement: float = 1.0, sessions: np.ndarray | None = None
    ) -> None:
        # half_life_weeks None: the boosts never fade (e.g. a change of policy).
        self.half_life_weeks = half_life_weeks
        self.reinforcement = reinforcement
        # Sessions attended per clinician. A programme that counts attendance itself passes its own
        # counter (already incremented when `add` is called); otherwise `add` counts.
        self.counts_sessions = sessions is None
        self.sessions = np.zeros(n, dtype=np.int32) if sessions is None else sessions
        self.boost = {name: np.zeros(n) for name in FADING_VARIABLES}
        # The sessions the weekly fading share was last computed for, and that share (`_fading_share`).
        self._share_for: tuple[np.ndarray, np.ndarray | None] | None = None

    def add(self, state: ClinicianState, who: np.ndarray, gains: dict[str, float | np.ndarray]) -> None:
        """Give `who` one more session: apply each gain (clipped to the variable's range) and record it.

        A gain is a number or an array with one entry per clinician in `who`. Diminishing returns:
        the k-th session a clinician attends gives 1/k of each gain.
        """
        if self.counts_sessions:
            self.sessions[who] += 1
        share = 1.0 / self.sessions[who]
        for name, gain in gains.items():
            if np.all(np.asarray(gain) == 0):
                continue
            values = getattr(state, name)
            before = values[who].copy()
            low, high = state.bounds(name)
            values[who] = np.clip(before + gain * share, low, high)
            self.boost[name][who] += values[who] - before
            if name == "attitude":
                state.anchor_attitude[who] += values[who] - before

    def _fading_share(self) -> np.ndarray | None:
        """Per clinician, the share of a boost lost in one week (None: nothing fades); recomputed
        only when attendance has changed since the last week."""
        cached = self._share_for
        if cached is not None and np.array_equal(cached[0], self.sessions):
            return cached[1]
        attended = self.sessions > 0
        share = None
        if self.half_life_weeks is not None and attended.any():
            repeats = np.clip(self.sessions - 1, 0, MAX_REINFORCEMENTS)
            half_life = self.half_life_weeks * self.reinforcement**repeats
            share = 1.0 - np.where(attended, 0.5 ** (1.0 / half_life), 1.0)
        self._share_for = (self.sessions.copy(), share)
        return share

    def decay(self, state: ClinicianState) -> None:
        """Fade every boost by one week and take the faded part back from the state."""
        share = self._fading_share()
        if share is None:
            return
        for name, boost in self.boost.items():
            lost = boost * share
            if not lost.any():
                continue
            values = getattr(state, name)
            low, high = state.bounds(name)
            values[:] = np.clip(values - lost, low, high)
            boost -= lost
            if name == "attitude":
                state.anchor_attitude -= lost
