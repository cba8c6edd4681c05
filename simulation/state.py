"""The population as columns of arrays: one entry per clinician, indexed 0..n-1.

Every rule reads and writes these arrays; Mesa agents (`simulation.agents`) are views onto one index.
Scales: attitude 1-7 (1 very skeptical, 7 enthusiastic; the vignette study's scale), reputation 1-7
(peer rating of clinical skill), literacy, trust and status concern 0-1. Modes: 0 none, 1 verify (AI
checks my decision), 2 primary (AI drives my decision); the codes and ranges live in simulation.modes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulation.fast.clinicians import common_value
from simulation.modes import BOUNDS, MODE_NAMES, NONE, PRIMARY, VERIFY

__all__ = ["ClinicianState", "MODE_NAMES", "NONE", "PRIMARY", "VERIFY"]


@dataclass
class ClinicianState:
    """State of every clinician plus the fixed facts the rules need."""

    department: np.ndarray  # int, index into department_names
    role: np.ndarray  # int, index into role_names
    seniority: np.ndarray  # years in practice
    attitude: np.ndarray
    literacy: np.ndarray
    trust: np.ndarray
    status_concern: np.ndarray
    mode: np.ndarray  # int8: NONE, VERIFY, PRIMARY
    reputation: np.ndarray
    leniency: np.ndarray  # a rater's persistent leniency (rating points)
    advice_in_degree: np.ndarray  # how many colleagues seek this clinician's advice
    department_names: list[str]
    role_names: list[str]
    skeptical_below: float
    anchor_attitude: np.ndarray = field(init=False)
    # What interventions change besides the variables above (all start neutral):
    harshness: np.ndarray = field(init=False)  # a rater's multiplier on every penalty they apply
    verify_harshness: np.ndarray = field(init=False)  # a rater's further multiplier on the verification penalty
    mode_push: np.ndarray = field(init=False)  # (n, 3) utility added to each mode (institutional framing)
    locked_mode: np.ndarray = field(init=False)  # int8: a mode a clinician keeps whatever they'd choose; -1 = free
    influence_weight: np.ndarray = field(init=False)  # weight of a clinician's attitude in colleagues' averaging
    visibility_factor: np.ndarray = field(init=False)  # multiplies the chance colleagues see this clinician's mode

    def __post_init__(self) -> None:
        # The attitude a clinician is pulled back to (rules.attitudes, anchoring): their week-0
        # attitude plus any intervention boost still in force (interventions.fading).
        self.anchor_attitude = self.attitude.copy()
        n = self.attitude.shape[0]
        self.harshness = np.ones(n)
        self.verify_harshness = np.ones(n)
        self.mode_push = np.zeros((n, len(MODE_NAMES)))
        self.locked_mode = np.full(n, -1, dtype=np.int8)
        self.influence_weight = np.ones(n)
        self.visibility_factor = np.ones(n)

    def penalty_factor(self, mode: int) -> np.ndarray:
        """Each rater's multiplier on the penalty for `mode` (1 = as in the vignette study)."""
        return self.harshness * self.verify_harshness if mode == VERIFY else self.harshness.copy()

    def common_penalty_factor(self, mode: int, part: slice = slice(None)) -> float | None:
        """The multiplier on the penalty for `mode` when every rater (of `part`, e.g. one replication
        of a batch) has the same one (as before any intervention changed how harshly some judge),
        else None; stops at the first difference."""
        factor = common_value(self.harshness[part])
        if mode == VERIFY and factor == factor:
            factor *= common_value(self.verify_harshness[part])
        return None if factor != factor else float(factor)

    @property
    def n(self) -> int:
        return int(self.attitude.shape[0])

    def skeptical(self) -> np.ndarray:
        """Boolean mask of clinicians whose attitude is below the skeptical threshold."""
        return self.attitude < self.skeptical_below

    def uses_ai(self) -> np.ndarray:
        """Boolean mask of clinicians who use AI (verify or primary)."""
        return self.mode != NONE

    @staticmethod
    def bounds(name: str) -> tuple[float, float]:
        """Allowed range of a continuous state variable."""
        return BOUNDS[name]
