"""The oracle: a plain per-agent Mesa implementation of the model's weekly rules.

Each clinician is a Mesa agent (`FixedAgent`) on a cell of a `mesa.discrete_space.Network` built from
the model's ties, holding its own attributes; each phase of the week is an agent method, run for
every agent with `model.agents.do(...)`, that reads the colleagues from the cell's neighbourhood one
by one with scalar arithmetic and scalar random draws (Python's `random` and numpy's scalar draws),
exactly as docs/MODEL.md states the rules, with no arrays: the way a Mesa model is usually written. It shares with `simulation.model.ClinicianModel` only the set-up (the
network and the week-0 clinicians are drawn by the same functions), so that the two can be compared
on the rules themselves:

- tests/test_performance.py runs both over many replications and checks (two-sample
  Kolmogorov-Smirnov tests) that the final shares and mean attitude have the same distribution;
- tests/test_safety_rate.py checks that its clinicians' own errors (`own_errors`) equal the compiled
  loop's clinician by clinician, and that the run's errors reaching patients per 1,000 decisions
  (`ReferenceModel.safety_outcomes`) has the same distribution;
- benchmarks/scale.py --reference times both per agent-step.

Rules covered: the default "logit" choice rule and scenarios without interventions (every
intervention multiplier at its neutral value), on generated networks and on networks from files,
with their tie weights and one-way influence (`simulation.network.influence`): each agent keeps the
list of colleagues it hears and with what weight (`heard`), built tie by tie from the network's
`hearing`, for anticipation and attitudes; judgment and incidents read every tie both ways. Phases that read colleagues' states (judgment,
anticipation, attitudes, incidents heard of) are synchronous like the vectorized rules: every agent
first computes from last phase's values, then all commit.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from mesa import Model
from mesa.discrete_space import FixedAgent, Network

from simulation.replica import Replica
from simulation.scenario.schema import Scenario
from simulation.seeding import replication_seed

NONE, VERIFY, PRIMARY = 0, 1, 2


def own_errors(mode: int, literacy: float, decisions: float, correct: int, cfg) -> tuple[float, float]:
    """One clinician's own errors of a week (`simulation.rules.experience`, docs/MODEL.md 7.3), as
    expected values: (corrected by the AI check, reaching patients). `decisions`: the week's
    decisions (a non-user's `cases_per_week`, a user's cases); `correct`: a user's cases the AI got
    right; `cfg`: the ExperienceConfig."""
    if mode == NONE:
        return 0.0, decisions * cfg.own_error_rate
    if mode == PRIMARY:
        return 0.0, 0.0  # follows the AI: right wherever the AI is right
    low, high = cfg.own_catch_verify
    wrong = correct * cfg.own_error_rate  # own errors on the cases where the AI disagrees, rightly
    chance = low + (high - low) * literacy
    return wrong * chance, wrong * (1.0 - chance)


class RefClinician(FixedAgent):
    """One clinician: its own numbers; its colleagues are the agents on the neighbouring cells."""

    # Set from `values` (clinician `index`'s week-0 draws, `ReferenceModel.__init__`):
    attitude: float
    literacy: float
    trust: float
    status_concern: float
    reputation: float
    leniency: float
    mode: int

    def __init__(self, model: ReferenceModel, index: int, cell, values: dict) -> None:
        super().__init__(model)
        self.index = index
        self.cell = cell
        for name, value in values.items():
            setattr(self, name, value)
        self.anchor = self.attitude
        self.heard: list[tuple[RefClinician, float]] = []  # (colleague, weight), filled by the model

    @property
    def colleagues(self) -> list[RefClinician]:
        return list(self.cell.neighborhood.agents)

    @property
    def uses_ai(self) -> bool:
        return self.mode != NONE

    # 1. experience
    def use_ai(self) -> None:
        cfg, rng, counts = self.model.config.experience, self.model.np_rng, self.model.counts
        self.incidents = 0
        if not self.uses_ai:
            _, own_passed = own_errors(NONE, self.literacy, cfg.cases_per_week, 0, cfg)
            counts["decisions"] += cfg.cases_per_week
            counts["own_errors_passed"] += own_passed
            return
        cases = int(rng.poisson(cfg.cases_per_week))
        errors = int(rng.binomial(cases, cfg.error_rate))
        low, high = cfg.catch_verify if self.mode == VERIFY else cfg.catch_primary
        caught = int(rng.binomial(errors, low + (high - low) * self.literacy))
        passed = errors - caught
        self.incidents = int(rng.binomial(passed, cfg.incident_share))
        counts["errors_caught"] += caught
        counts["errors_passed"] += passed
        own_caught, own_passed = own_errors(self.mode, self.literacy, cases, cases - errors, cfg)
        counts["decisions"] += cases
        counts["own_errors_caught"] += own_caught
        counts["own_errors_passed"] += own_passed
        if cases > 0:
            perceived = (cases - caught - self.incidents) / cases
            self.trust += cfg.trust_learning_rate * (perceived - self.trust)
        self.attitude += cfg.attitude_from_trust_rate * (1.0 + 6.0 * self.trust - self.attitude)

    def hear_of_incidents(self) -> None:
        cfg = self.model.config.experience
        heard = self.incidents + sum(c.incidents for c in self.colleagues)
        if heard:
            exposure = heard * (1.0 - cfg.literacy_protection * self.literacy)
            self.trust -= cfg.incident_trust_shock * exposure
            self.attitude -= cfg.incident_attitude_shock * exposure
        self.trust = min(max(self.trust, 0.0), 1.0)
        self.attitude = min(max(self.attitude, 1.0), 7.0)

    # 2. peer judgment: the colleagues who see this clinician's mode rate them
    def penalty_from(self, rater: RefClinician, mode: int, noise_free_factor: float = 1.0) -> float:
        j = self.model.config.judgment
        if mode == NONE:
            return 0.0
        base, slope = (
            (j.penalty_verify, j.attitude_slope_verify)
            if mode == VERIFY
            else (j.penalty_primary, j.attitude_slope_primary)
        )
        own = 1.0 - j.own_use_discount * (1.0 if rater.uses_ai else 0.0)
        return base * noise_free_factor * own - slope * (rater.attitude - j.reference_attitude)

    def be_judged(self, everyone_sees: bool = False) -> None:
        j, rand = self.model.config.judgment, self.model.random
        noise_sd = j.noise_sd * math.sqrt(1.0 - j.leniency_share)
        total, count = 0.0, 0
        for rater in self.colleagues:
            if not everyone_sees and rand.random() >= j.visibility:
                continue
            rating = (
                j.baseline_rating
                + rater.leniency
                + noise_sd * rand.gauss(0.0, 1.0)
                - self.penalty_from(rater, self.mode)
            )
            total += min(max(rating, 1.0), 7.0)
            count += 1
        memory = 0.0 if everyone_sees else j.reputation_memory
        self.new_reputation = memory * self.reputation + (1.0 - memory) * total / count if count else self.reputation

    def commit_reputation(self) -> None:
        self.reputation = self.new_reputation

    # 3. anticipation: the mean penalty colleagues would apply to each mode
    def anticipate(self) -> None:
        j = self.model.config.judgment
        k = sum(w for _, w in self.heard)
        self.social_cost = [0.0, 0.0, 0.0]
        self.colleague_use = 0.0
        if k == 0:
            return
        attitude = sum(w * c.attitude for c, w in self.heard) / k
        self.colleague_use = sum(w for c, w in self.heard if c.uses_ai) / k
        discount = sum(w * (1.0 - j.own_use_discount * (1.0 if c.uses_ai else 0.0)) for c, w in self.heard) / k
        for mode, base, slope in (
            (VERIFY, j.penalty_verify, j.attitude_slope_verify),
            (PRIMARY, j.penalty_primary, j.attitude_slope_primary),
        ):
            self.social_cost[mode] = base * discount - slope * (attitude - j.reference_attitude)

    # 4. choice: logit with inertia
    def choose(self) -> None:
        c, j, rand = self.model.config.choice, self.model.config.judgment, self.model.random
        if rand.random() >= c.reconsider_rate:
            return
        benefit = c.attitude_weight * (self.attitude - j.reference_attitude) + c.trust_weight * (self.trust - 0.5)
        social = c.social_proof_weight * self.colleague_use + c.institutional_push
        utility = [
            0.0,
            benefit
            - c.verify_effort
            + c.literacy_weight_verify * self.literacy
            + social
            - c.social_weight * self.status_concern * self.social_cost[VERIFY],
            benefit
            + c.primary_efficiency
            - c.literacy_weight_primary * self.literacy
            + social
            - c.social_weight * self.status_concern * self.social_cost[PRIMARY],
        ]
        utility[self.mode] += c.status_quo_bonus
        # Gumbel noise: -log(-log(U))
        noisy = [u / c.temperature - math.log(-math.log(1.0 - rand.random())) for u in utility]
        self.mode = max(range(3), key=noisy.__getitem__)

    # 5. attitudes: bounded confidence toward colleagues, anchoring, drift
    def influence(self) -> None:
        a, rand = self.model.config.attitude, self.model.random
        close = [(c.attitude, w) for c, w in self.heard if abs(c.attitude - self.attitude) <= a.confidence_bound]
        total = sum(w for _, w in close)
        pull = (sum(w * x for x, w in close) / total - self.attitude) if total > 0 else 0.0
        drift = rand.gauss(0.0, a.drift_sd) if a.drift_sd > 0 else 0.0
        new = self.attitude + a.influence_rate * pull + a.anchoring * (self.anchor - self.attitude) + drift
        self.new_attitude = min(max(new, 1.0), 7.0)

    def commit_attitude(self) -> None:
        self.attitude = self.new_attitude


class ReferenceModel(Model):
    """The per-agent reference model: same set-up as ClinicianModel, rules run agent by agent."""

    def __init__(self, scenario: Scenario | None = None, replication: int = 0) -> None:
        self.config = cfg = scenario or Scenario()
        if cfg.interventions or cfg.choice.rule != "logit":
            raise ValueError("the reference covers the logit rule without interventions")
        # The set-up of ClinicianModel: the same network and week-0 clinicians from the same streams.
        replica = Replica(cfg, replication_seed(cfg.run.seed, replication))
        seeds = replica.streams
        super().__init__(rng=seeds.mesa_seed)
        self.np_rng = np.random.default_rng(seeds.mesa_seed)
        network, state = replica.network, replica.state
        self.skeptical_below = state.skeptical_below
        fields = ("attitude", "literacy", "trust", "status_concern", "reputation", "leniency")
        self.grid = Network(
            network.to_networkx(), capacity=1, random=self.random, layout=nx.circular_layout
        )  # explicit: Mesa 4 refuses None
        for i in range(state.n):
            values = {name: float(getattr(state, name)[i]) for name in fields}
            values["mode"] = int(state.mode[i])
            RefClinician(self, i, self.grid[i], values)
        self.clinicians = list(self.agents)
        by_index = {agent.index: agent for agent in self.clinicians}
        hearing = network.hearing
        for e, (i, j) in enumerate(network.edges.tolist()):  # tie e: i hears j, j hears i
            i_hears, j_hears = (1.0, 1.0) if hearing is None else (float(hearing[e, 0]), float(hearing[e, 1]))
            if i_hears > 0:
                by_index[i].heard.append((by_index[j], i_hears))
            if j_hears > 0:
                by_index[j].heard.append((by_index[i], j_hears))
        self.counts = {
            "errors_caught": 0,
            "errors_passed": 0,
            "decisions": 0.0,
            "own_errors_caught": 0.0,
            "own_errors_passed": 0.0,
        }
        self.agents.do("be_judged", everyone_sees=True)
        self.agents.do("commit_reputation")

    def step(self) -> None:
        # Synchronous phases, every agent in turn (`AgentSet.do` keeps the order agents were added).
        for phase in (
            "use_ai",
            "hear_of_incidents",
            "be_judged",
            "commit_reputation",
            "anticipate",
            "choose",
            "influence",
            "commit_attitude",
        ):
            self.agents.do(phase)

    def outcomes(self) -> dict[str, float]:
        n = len(self.clinicians)
        return {
            "share_skeptical": sum(c.attitude < self.skeptical_below for c in self.clinicians) / n,
            "share_verify": sum(c.mode == VERIFY for c in self.clinicians) / n,
            "share_primary": sum(c.mode == PRIMARY for c in self.clinicians) / n,
            "mean_attitude": sum(c.attitude for c in self.clinicians) / n,
        }

    def safety_outcomes(self) -> dict[str, float]:
        """The run's totals so far of the safety outcomes and its errors reaching patients per 1,000
        decisions (replications.csv's `total_<name>` columns and `errors_per_1000`)."""
        c = self.counts
        reaching = c["own_errors_passed"] + c["errors_passed"]
        rate = 1000.0 * reaching / c["decisions"] if c["decisions"] else float("nan")
        return {
            "total_decisions": c["decisions"],
            "total_own_errors_caught": c["own_errors_caught"],
            "total_own_errors_passed": c["own_errors_passed"],
            "total_errors_reaching_patients": reaching,
            "errors_per_1000": rate,
        }


def run_reference(scenario: Scenario, replication: int) -> dict[str, float]:
    """Final outcomes of one replication of the reference model."""
    model = ReferenceModel(scenario, replication)
    for _ in range(scenario.run.steps):
        model.step()
    return model.outcomes()
