"""`ClinicianModel`: the Mesa model. One step is one week, in this order (docs/MODEL.md):

1. interventions: every programme's boosts fade, then scheduled sessions act and book their cost;
2. AI use produces experience: errors caught or passed on, trust learned, incidents heard of;
3. peer judgment: colleagues who see a clinician's mode rate them; reputations update;
4. each clinician anticipates the social cost of each mode from their colleagues;
5. some clinicians reconsider their mode (logit choice with inertia);
6. attitudes move toward colleagues within the confidence bound, plus drift.

The rules are vectorized over the population (`simulation.rules`); clinicians are also Mesa agents
on a `mesa.discrete_space.Network` (`with_agents=True`, the default) whose attributes read and write
the same arrays. Runs that nobody watches can skip the agents (`with_agents=False`).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import Network

from simulation.agents import Clinician
from simulation.diffusion import AdoptionTracker, initial_adoption, network_statistics
from simulation.interventions.base import Intervention, InterventionContext
from simulation.interventions.registry import acting_order, build_intervention
from simulation.metrics import COLUMNS, measure
from simulation.network.hospital import build_network
from simulation.population import assign_departments, draw_population
from simulation.rules.anticipation import colleague_view
from simulation.rules.attitudes import influence_attitudes
from simulation.rules.choice import choose_modes
from simulation.rules.experience import use_ai
from simulation.rules.judgment import judge_ties, rating_round
from simulation.rules.textbook import bass_adoption, threshold_adoption
from simulation.scenario.schema import Scenario
from simulation.seeding import intervention_seed, replication_seed, streams


class ClinicianModel(Model):
    """Clinicians on a hospital network deciding whether and how to use clinical AI.

    Parameters: `scenario` (defaults for anything not given), `replication` (which replication of
    the scenario's root seed to run; or pass `seed`, a SeedSequence, to override), `with_agents`.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        replication: int = 0,
        *,
        seed: np.random.SeedSequence | None = None,
        with_agents: bool = True,
    ) -> None:
        self.config = scenario or Scenario()
        self.streams = streams(seed if seed is not None else replication_seed(self.config.run.seed, replication))
        super().__init__(rng=self.streams.mesa_seed)
        cfg = self.config
        self.week = 0  # weeks stepped so far (the model's own counter: Mesa 4 removes `Model.steps`)

        # A network read from files (`generator = "file"`) brings its clinicians: node_ids[k] is the file
        # id of clinician k, node_index the reverse map, observed_adoption the node table's adoption
        # times (NaN unknown, inf never) or None. Generated networks leave all three None.
        self.node_ids: list[str] | None = None
        self.node_index: dict[str, int] | None = None
        self.observed_adoption: np.ndarray | None = None
        self.network_layers: dict[str, np.ndarray] | None = None  # layer -> ties of that layer (files only)
        if cfg.network.generator == "file":
            self._clinicians_from_files()
        else:
            department = assign_departments(cfg.population, self.streams["population"])
            self.network = build_network(cfg.network, department, self.streams["network"])
            self.state = draw_population(
                cfg.population, cfg.judgment, department, self.network.advice_in_degree, self.streams["population"]
            )
        self.interventions = self._build_interventions()
        # Fixed adoption thresholds of the textbook threshold rule (drawn only under that rule).
        self.thresholds: np.ndarray | None = None
        if cfg.choice.rule == "threshold":
            low, high = cfg.choice.thresholds
            self.thresholds = self.streams["choice"].uniform(low, high, self.state.n)

        # Reputation at week 0: every colleague rates every colleague once, nothing remembered.
        self._judge(everyone_sees=True)
        self.cost_hours = 0.0
        self.adoption = AdoptionTracker(self.state)
        self.last = {
            **measure(self.state, errors_caught=0, errors_passed=0, incidents=0, mode_changes=0, cost_hours=0.0),
            **initial_adoption(self.state),
            **self._network_statistics(),
        }

        self.grid = None
        if with_agents:
            # An explicit, cheap layout (cells on a circle): Mesa 3's default is a spring layout (3.7 s at
            # 1,000 clinicians) and Mesa 4 refuses layout=None; pictures use `simulation.network.layout`.
            graph = self.network.to_networkx()
            self.grid = Network(graph, capacity=1, random=self.random, layout=nx.circular_layout)
            for index in range(self.state.n):
                Clinician(self, index, self.grid[index])
        self.datacollector = DataCollector(model_reporters={name: _reporter(name) for name in COLUMNS})
        self.datacollector.collect(self)

    def _clinicians_from_files(self) -> None:
        from simulation.network.files import population_for, read_network_files

        cfg = self.config
        data = read_network_files(cfg.network)
        population = population_for(cfg.population, data)
        department = data.department
        if department is None:  # not in the node table: drawn from population.departments
            department = assign_departments(population, self.streams["population"])
        self.network = data.network(self.streams["network"])
        self.network.team = department.astype(np.int64)
        self.state = draw_population(
            population,
            cfg.judgment,
            department,
            self.network.advice_in_degree,
            self.streams["population"],
            given=data.given(),
        )
        self.node_ids = list(data.ids)
        self.node_index = {node_id: k for k, node_id in enumerate(data.ids)}
        self.observed_adoption = None if data.adoption is None else data.adoption.copy()
        self.network_layers = data.layers

    def _build_interventions(self) -> list[Intervention]:
        """The scenario's interventions in acting order, each with its own random stream.

        Intervention streams are keyed by the kind's name and by position among the interventions of that
        kind, so adding an intervention to a scenario leaves the others' draws unchanged (common
        random numbers for combinations).
        """
        configs = self.config.interventions
        root = int(self.streams["interventions"].integers(2**63))
        built: list[Intervention] = []
        seen: dict[str, int] = {}
        for index in acting_order(configs):
            config = configs[index]
            ordinal = seen.get(config.kind, 0)
            seen[config.kind] = ordinal + 1
            rng = np.random.default_rng(intervention_seed(root, config.kind, ordinal))
            context = InterventionContext(self.state, self.network, rng, self.config)
            built.append(build_intervention(config, context))
        return built

    def _judge(self, everyone_sees: bool = False) -> None:
        ratings = rating_round(self.state, self.config.judgment, self.streams["judgment"], everyone_sees)
        if ratings is not None:
            self.state.reputation = judge_ties(self.state.reputation, self.state.mode, self.network, ratings)

    def step(self) -> None:
        """Advance one week (see the module docstring for the order)."""
        self.week += 1
        cfg, state, week = self.config, self.state, self.week
        for intervention in self.interventions:
            intervention.fade()
        for intervention in self.interventions:
            self.cost_hours += intervention.step(week)
        used = use_ai(state, self.network, cfg.experience, self.streams["experience"])
        self._judge()
        view = colleague_view(state, self.network, cfg.judgment, cfg.attitude)
        colleague_use = view.colleague_use
        choice = cfg.choice
        if choice.rule == "bass":
            changes = bass_adoption(
                state, colleague_use, choice.bass_p, choice.bass_q, choice.adopt_mode, self.streams["choice"]
            )
        elif choice.rule == "threshold":
            assert self.thresholds is not None  # drawn in __init__ under this rule
            changes = threshold_adoption(state, colleague_use, self.thresholds, choice.adopt_mode)
        else:
            changes = choose_modes(state, view, choice, cfg.judgment, self.streams["choice"])
        adoption = self.adoption.update(state, colleague_use, week)
        influence_attitudes(
            state, self.network, cfg.attitude, self.streams["attitudes"], sums=(view.close_weight, view.close_total)
        )
        self.last = {
            **measure(
                state,
                errors_caught=used.errors_caught,
                errors_passed=used.errors_passed,
                incidents=used.incidents,
                mode_changes=changes,
                cost_hours=self.cost_hours,
            ),
            **adoption,
            **self._network_statistics(),
        }
        self.datacollector.collect(self)

    def _network_statistics(self) -> dict[str, float]:
        """The assortativity columns; the colleagues per mode counted on the way are handed to the
        network, so next week's anticipation reuses them while nobody changes mode in between."""
        statistics = network_statistics(self.state, self.network)
        if statistics.mode_counts is not None:
            self.network.keep_mode_counts(self.state.mode, statistics.mode_counts)
        return statistics.columns

    def snapshot(self) -> dict:
        """Arrays for a network picture of the current state."""
        return {
            "edges": self.network.edges.copy(),
            "attitude": self.state.attitude.copy(),
            "mode": self.state.mode.copy(),
            "department": self.state.department.copy(),
            "department_names": list(self.state.department_names),
            "skeptical_below": self.state.skeptical_below,
            "step": int(self.week),
        }


def _reporter(name: str):
    def report(model: ClinicianModel) -> float:
        return model.last[name]

    report.__name__ = name
    return report
