"""The weekly cycle, stepped for B replications of one scenario at once (docs/MODEL.md), in this order:

1. interventions: every programme's boosts fade, then scheduled sessions act and book their cost;
2. AI use produces experience: errors caught or passed on, trust learned, incidents heard of;
3. peer judgment: colleagues who see a clinician's mode rate them; reputations update;
4. each clinician anticipates the social cost of each mode from their colleagues;
5. some clinicians reconsider their mode (logit choice with inertia);
6. attitudes move toward colleagues within the confidence bound, plus drift.

The replicas' clinicians are laid end to end in one set of arrays and their networks form one
block-diagonal network (`simulation.segments`), so each rule's compiled pass runs once a week for the
whole batch instead of once per replication: at a few hundred clinicians a replication's week is
dominated by the cost of calling into compiled code, not by the work. Each replica keeps its own
random streams (one key per replication and rule each week, counted from its own first clinician or
tie), so a replication's outcomes are the same bits in a batch of one or of sixty-four
(tests/test_batch.py). Interventions act on each replica's own state, whose arrays are views into
the batch's. Outcomes are written straight into a (B, steps + 1, columns) array in `COLUMNS` order.

`simulation.model.ClinicianModel` is the Mesa model of a batch of one; headless runs
(`simulation.execution.replication`) use batches directly.
"""

from __future__ import annotations

import copy

import numpy as np

from simulation.diffusion import AdoptionTracker, initial_adoption, network_statistics
from simulation.fast.random import KeyStream
from simulation.metrics import SafetyTally, measure
from simulation.network.hospital import HospitalNetwork
from simulation.network.influence import joined_hearing
from simulation.outcomes import COLUMNS
from simulation.replica import Replica
from simulation.rules.anticipation import colleague_view
from simulation.rules.attitudes import influence_attitudes
from simulation.rules.choice import choose_modes
from simulation.rules.experience import use_ai
from simulation.rules.judgment import judge_ties, rating_round
from simulation.rules.textbook import bass_adoption, cascade_adoption, threshold_adoption, voter_step
from simulation.seeding import STREAMS
from simulation.segments import Segments
from simulation.state import ClinicianState

COLUMN_INDEX = {name: index for index, name in enumerate(COLUMNS)}
# Streams from which the weekly cycle draws only keys (`simulation.fast.random.KeyStream`); the choice
# stream also gives Gumbel noise or uniforms, so it is drawn week by week.
KEY_ONLY_STREAMS = ("experience", "judgment", "attitudes")


class ReplicationBatch:
    """B replicas of one scenario stepped together; `row` is the latest (B, len(COLUMNS)) outcomes.

    `steps`: keep every week's row in `outcomes`, a (B, steps + 1, len(COLUMNS)) array (None: keep
    only the latest row, for models stepped without an end, such as the browser view's).
    """

    def __init__(self, replicas: list[Replica], steps: int | None = None) -> None:
        if not replicas:
            raise ValueError("a batch needs at least one replica")
        self.replicas = replicas
        self.config = cfg = replicas[0].config
        if any(replica.config != cfg for replica in replicas[1:]):
            raise ValueError("the replicas of a batch must share one scenario")
        self.segments = Segments.of([replica.state.n for replica in replicas])
        self.state = join_states([replica.state for replica in replicas])
        self._versions: list[int] = []
        self.network = self._joined_network()
        self.streams = {name: [replica.streams[name] for replica in replicas] for name in STREAMS}
        # The streams that serve for nothing but weekly keys, drawn ahead (the same keys).
        self.keys = {name: KeyStream(self.streams[name]) for name in KEY_ONLY_STREAMS}
        self.thresholds: np.ndarray | None = None
        if cfg.choice.rule == "threshold":
            self.thresholds = np.concatenate(
                [replica.thresholds for replica in replicas if replica.thresholds is not None]
            )
        self.week = 0
        # Reputation at week 0: every colleague rates every colleague once, nothing remembered.
        self._judge(everyone_sees=True)
        self.adoption = AdoptionTracker(self.state, self.segments)
        self.row = np.empty((len(replicas), len(COLUMNS)))
        zero = np.zeros(len(replicas))
        self.safety = SafetyTally.of(len(replicas))  # running totals of errors_per_1000
        self._record(
            measure(
                self.state,
                self.segments,
                tally=self.safety,
                errors_caught=zero,
                errors_passed=zero,
                incidents=zero,
                mode_changes=zero,
                cost_hours=zero,
            ),
            initial_adoption(self.state, self.segments),
        )
        self.outcomes: np.ndarray | None = None
        if steps is not None:
            self.outcomes = np.empty((len(replicas), steps + 1, len(COLUMNS)))
            self.outcomes[:, 0] = self.row

    @property
    def size(self) -> int:
        """B, the number of replications."""
        return len(self.replicas)

    def _joined_network(self) -> HospitalNetwork:
        """The replicas' networks as one block-diagonal network (a replica's own network if alone)."""
        networks = [replica.network for replica in self.replicas]
        self._versions = [network.version for network in networks]
        if len(networks) == 1:
            return networks[0]
        start = self.segments.start
        return HospitalNetwork(
            n=self.segments.total,
            edges=np.concatenate([net.edges.astype(np.int64) + start[b] for b, net in enumerate(networks)]),
            advisor=np.concatenate([net.advisor.astype(np.int64) + start[b] for b, net in enumerate(networks)]),
            team=np.concatenate([net.team for net in networks]),
            hearing=joined_hearing(networks),
        )

    def _judge(self, everyone_sees: bool = False) -> None:
        ratings = rating_round(self.state, self.config.judgment, self.keys["judgment"], everyone_sees)
        if ratings is not None:
            self.state.reputation[:] = judge_ties(
                self.state.reputation, self.state.mode, self.network, ratings, self.segments
            )

    def step(self) -> None:
        """Advance every replication one week (see the module docstring for the order)."""
        self.week += 1
        cfg, state, week, segments = self.config, self.state, self.week, self.segments
        for replica in self.replicas:
            replica.run_interventions(week)
        if [replica.network.version for replica in self.replicas] != self._versions:
            self.network = self._joined_network()  # an intervention added ties (case reviews)
        network = self.network
        used = use_ai(state, network, cfg.experience, self.keys["experience"], segments)
        self._judge()
        view = colleague_view(state, network, cfg.judgment, cfg.attitude, segments)
        colleague_use = view.colleague_use
        choice = cfg.choice
        if choice.rule == "bass":
            changes = bass_adoption(
                state, colleague_use, choice.bass_p, choice.bass_q, choice.adopt_mode, self.streams["choice"], segments
            )
        elif choice.rule == "threshold":
            assert self.thresholds is not None  # drawn by the replicas under this rule
            changes = threshold_adoption(state, colleague_use, self.thresholds, choice.adopt_mode, segments)
        elif choice.rule == "cascade":
            changes = cascade_adoption(
                state,
                network,
                self.adoption.adopted_at,
                week,
                choice.cascade_p,
                choice.adopt_mode,
                self.streams["choice"],
                segments,
            )
        elif choice.rule == "voter":
            changes = voter_step(state, network, choice.reconsider_rate, self.streams["choice"], segments)
        else:
            changes = choose_modes(state, view, choice, cfg.judgment, self.streams["choice"], segments)
        adoption = self.adoption.update(state, colleague_use, week)
        influence_attitudes(
            state, network, cfg.attitude, self.keys["attitudes"], segments, sums=(view.close_weight, view.close_total)
        )
        counts = measure(
            state,
            segments,
            errors_caught=used.errors_caught,
            errors_passed=used.errors_passed,
            decisions=used.decisions,
            own_errors_caught=used.own_errors_caught,
            own_errors_passed=used.own_errors_passed,
            tally=self.safety,
            incidents=used.incidents,
            mode_changes=changes,
            cost_hours=np.array([replica.cost_hours for replica in self.replicas]),
        )
        self._record(counts, adoption)
        if self.outcomes is not None:
            self.outcomes[:, week] = self.row

    def run(self, steps: int) -> None:
        """Step `steps` weeks."""
        for _ in range(steps):
            self.step()

    def _record(self, *columns: dict[str, np.ndarray]) -> None:
        """Write this week's columns into `row`, with the assortativity columns; the colleagues per
        mode counted on the way are handed to the network, so next week's anticipation reuses them
        while nobody changes mode in between."""
        statistics = network_statistics(self.state, self.network, self.segments)
        if statistics.mode_counts is not None:
            self.network.keep_mode_counts(self.state.mode, statistics.mode_counts)
        for group in (*columns, statistics.columns):
            for name, values in group.items():
                self.row[:, COLUMN_INDEX[name]] = values

    def last(self, b: int = 0) -> dict[str, float]:
        """Replication b's latest outcomes by column name."""
        return dict(zip(COLUMNS, self.row[b].tolist(), strict=True))


def join_states(states: list[ClinicianState]) -> ClinicianState:
    """One state holding `states` end to end; each of `states` then reads and writes views of its
    arrays (so interventions acting on a replica's state act on the batch's). A single state is
    returned as it is."""
    if len(states) == 1:
        return states[0]
    first = states[0]
    joined = copy.copy(first)
    n = first.n
    for name, value in vars(first).items():
        if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
            setattr(joined, name, np.concatenate([getattr(state, name) for state in states]))
    segments = Segments.of([state.n for state in states])
    for b, state in enumerate(states):
        part = segments.slice(b)
        for name, value in vars(joined).items():
            if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == segments.total:
                setattr(state, name, value[part])
    return joined
