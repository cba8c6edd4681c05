"""Interdisciplinary case reviews: recurring meetings that bring departments together over cases.

Each review seats up to `seats` clinicians from `departments_per_session` departments drawn at random
(0 = from all departments), chosen within them by `targeting`. Reviewing real cases makes colleagues'
verification use and the errors it caught visible, so attendees judge verification less harshly:
their verification penalty multiplier (`verify_harshness`) falls by `verify_penalty_relief`, fading
with a half-life and reinforced by further reviews. Attendees' literacy rises a little (they see
where AI went wrong) and their attitude by `attitude_gain` (they see it catch real errors). Each review also creates up to `new_ties_per_session` ties between attendees
of different departments who were not colleagues yet (they now know whom to ask).

Default numbers are assumptions: the direction follows the seed article (visible, shared review of
AI-assisted cases reframes verification as diligence) and Reif et al. 2025 (raters penalise
verification less than primary use and less when familiar with AI); relief 0.3 takes away about a
third of the verification penalty for a neutral rater.
Cost: `session_hours` per attendee plus `facilitator_hours` per review.

Note: ties are added to the model's network arrays; the Mesa grid built at start (browser view)
does not show them.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import InterventionContext
from simulation.interventions.targeted import FadingSessions, session_cost
from simulation.scenario.interventions import CaseReviewConfig


class CaseReview(FadingSessions):
    """Runs a `CaseReviewConfig` programme."""

    config: CaseReviewConfig

    def __init__(self, config: CaseReviewConfig, context: InterventionContext) -> None:
        super().__init__(config, context)
        self.ties_added = 0

    def act(self, step: int) -> float:
        config, state, rng = self.config, self.context.state, self.context.rng
        # Fixed-size draws (one key per department, then the pairs) keep the stream aligned across runs.
        n_departments = len(state.department_names)
        department_key = rng.random(n_departments)
        eligible = None
        if 0 < config.departments_per_session < n_departments:
            picked = np.argsort(department_key, kind="stable")[: config.departments_per_session]
            eligible = np.isin(state.department, picked)
        who = self.choose(eligible)
        self.boosts.add(
            state,
            who,
            {
                "verify_harshness": -config.verify_penalty_relief,
                "literacy": config.literacy_gain,
                "attitude": config.attitude_gain,
            },
        )
        self._connect(who, rng)
        self.book(who, config.session_hours)
        return session_cost(len(who), config.session_hours, config.facilitator_hours)

    def _connect(self, who: np.ndarray, rng: np.random.Generator) -> None:
        """Tie up to `new_ties_per_session` random pairs of attendees from different departments."""
        wanted = self.config.new_ties_per_session
        if wanted == 0 or len(who) < 2:
            return
        state = self.context.state
        first = rng.choice(who, size=4 * wanted)
        second = rng.choice(who, size=4 * wanted)
        across = state.department[first] != state.department[second]
        pairs = np.column_stack([first[across], second[across]])[:wanted]
        senior = np.where(state.seniority[pairs[:, 0]] >= state.seniority[pairs[:, 1]], pairs[:, 0], pairs[:, 1])
        self.ties_added += self.context.network.add_ties(pairs, senior)
