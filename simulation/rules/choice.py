"""Mode choice: some clinicians reconsider each week and pick none, verify or primary (logit).

Each week a clinician reconsiders with probability `reconsider_rate` (inertia). Utilities, in
arbitrary units with none = 0:

    B         = attitude_weight (attitude - reference_attitude) + trust_weight (trust - 0.5)
    U_verify  = B - verify_effort + literacy_weight_verify * literacy + social terms
    U_primary = B + primary_efficiency - literacy_weight_primary * literacy + social terms
    social terms = social_proof_weight * (share of colleagues using AI) + institutional_push
                   - social_weight * status_concern * anticipated penalty of the mode

plus `status_quo_bonus` for the current mode, plus `ClinicianState.mode_push` (what an institution's
framing adds to a mode, e.g. a verification-first policy). Clinicians with a `locked_mode` (champions)
keep that mode. The choice maximises U / temperature + Gumbel noise
(a multinomial logit). The weights follow the ranking of UTAUT predictors in health care (JMIR 2024
meta-analysis: trust .73, social influence .66, attitude .63, effort .55); their scale is an
assumption.

Plainest form: `simulation.reference.agents` (per agent, scalar).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulation.fast.clinicians import picked
from simulation.fast.random import new_keys
from simulation.modes import PRIMARY, VERIFY
from simulation.rules.anticipation import ColleagueView
from simulation.scenario.parameters import ChoiceConfig, JudgmentConfig
from simulation.segments import Segments
from simulation.state import ClinicianState


def utilities(
    state: ClinicianState | _Subset,
    social_cost: np.ndarray,
    colleague_use: np.ndarray,
    config: ChoiceConfig,
    judgment: JudgmentConfig,
) -> np.ndarray:
    """(n, 3) utilities of none, verify and primary for every clinician."""
    benefit = config.attitude_weight * (state.attitude - judgment.reference_attitude) + config.trust_weight * (
        state.trust - 0.5
    )
    social = config.social_proof_weight * colleague_use + config.institutional_push
    u = np.zeros((state.n, 3))
    u[:, VERIFY] = benefit - config.verify_effort + config.literacy_weight_verify * state.literacy + social
    u[:, PRIMARY] = benefit + config.primary_efficiency - config.literacy_weight_primary * state.literacy + social
    u[:, VERIFY] -= config.social_weight * state.status_concern * social_cost[:, VERIFY]
    u[:, PRIMARY] -= config.social_weight * state.status_concern * social_cost[:, PRIMARY]
    u[np.arange(state.n), state.mode] += config.status_quo_bonus
    u += state.mode_push
    return u


def choose_modes(
    state: ClinicianState,
    view: ColleagueView,
    config: ChoiceConfig,
    judgment: JudgmentConfig,
    rngs: Sequence[np.random.Generator],
    segments: Segments,
) -> np.ndarray:
    """Let reconsidering clinicians choose a mode; return how many changed mode, per replication of
    `segments` ((B,) int64).

    Who reconsiders is a counter-based coin per clinician on one key per replication from its `rngs`
    entry; Gumbel noise is then drawn from that entry for the replication's reconsidering clinicians
    only (in clinician order), and only their anticipated penalties and utilities are computed: the
    same choice distribution as for everyone."""
    reconsider = picked(segments.owner, new_keys(rngs), segments.start, config.reconsider_rate)
    per_replication = segments.count_of(reconsider)
    gumbel = np.concatenate([rng.gumbel(size=(int(k), 3)) for rng, k in zip(rngs, per_replication, strict=True)])
    changed = np.zeros(segments.count, dtype=np.int64)
    if reconsider.size:
        sub = _Subset(state, reconsider)
        cost = view.cost(judgment, reconsider)
        u = utilities(sub, cost, view.colleague_use[reconsider], config, judgment) / config.temperature
        new_mode = np.argmax(u + gumbel, axis=1).astype(state.mode.dtype)
        locked = state.locked_mode[reconsider]
        new_mode = np.where(locked >= 0, locked, new_mode)
        changed += segments.count_of(reconsider[new_mode != sub.mode])
        state.mode[reconsider] = new_mode
    locked = np.flatnonzero(state.locked_mode >= 0)  # champions keep their mode whatever happened
    if locked.size:
        drifted = state.mode[locked] != state.locked_mode[locked]
        changed += segments.count_of(locked[drifted])
        state.mode[locked] = state.locked_mode[locked]
    return changed


class _Subset:
    """The clinicians `index` of a state, with just what `utilities` reads."""

    def __init__(self, state: ClinicianState, index: np.ndarray) -> None:
        self.n = int(index.shape[0])
        self.attitude = state.attitude[index]
        self.trust = state.trust[index]
        self.literacy = state.literacy[index]
        self.status_concern = state.status_concern[index]
        self.mode = state.mode[index]
        self.mode_push = state.mode_push[index]
