"""One replication's set-up, before any week runs: its random streams, network, clinicians,
interventions and (under the threshold rule) fixed adoption thresholds.

`simulation.batch.ReplicationBatch` steps one or many replicas together; `simulation.model.ClinicianModel`
is the Mesa model of one. Everything here draws from the replica's own named streams (`seeding`), so a
replica is the same whatever batch it joins.
"""

from __future__ import annotations

import numpy as np

from simulation.interventions.base import Intervention, InterventionContext
from simulation.interventions.registry import acting_order, build_intervention
from simulation.network.hospital import HospitalNetwork, build_network
from simulation.population import adoption_thresholds, assign_departments, draw_population, fill_missing
from simulation.scenario.schema import Scenario
from simulation.seeding import ReplicationStreams, intervention_seed, streams
from simulation.state import ClinicianState


class Replica:
    """One replication of `scenario` seeded by `seed` (a SeedSequence; see `seeding.replication_seed`).

    A network read from files (`generator = "file"`) brings its clinicians: node_ids[k] is the file
    id of clinician k, node_index the reverse map, observed_adoption the node table's adoption times
    (NaN unknown, inf never) or None, network_layers the ties of each layer. Generated networks leave
    all four None. `thresholds`: under `[choice] rule = "threshold"`, every clinician's fixed adoption
    threshold (a share of colleagues, 0-1; a node table's `threshold` column or drawn), else None.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        self.config = cfg = scenario
        self.streams: ReplicationStreams = streams(seed)
        self.node_ids: list[str] | None = None
        self.node_index: dict[str, int] | None = None
        self.observed_adoption: np.ndarray | None = None
        self.network_layers: dict[str, np.ndarray] | None = None
        given_thresholds: np.ndarray | None = None
        self.network: HospitalNetwork
        self.state: ClinicianState
        if cfg.network.generator == "file":
            given_thresholds = self._clinicians_from_files()
        else:
            department = assign_departments(cfg.population, self.streams["population"])
            self.network = build_network(cfg.network, department, self.streams["network"])
            self.state = draw_population(
                cfg.population, cfg.judgment, department, self.network.advice_in_degree, self.streams["population"]
            )
        self.interventions = self._build_interventions()
        # Fixed adoption thresholds of the textbook threshold rule (drawn only under that rule; a node
        # table's threshold column fixes some): `ClinicianModel.thresholds`.
        self.thresholds: np.ndarray | None = None
        if cfg.choice.rule == "threshold":
            self.thresholds = adoption_thresholds(cfg.choice, self.state.n, self.streams["choice"], given_thresholds)
        self.cost_hours = 0.0  # clinician-hours spent by the interventions so far

    def _clinicians_from_files(self) -> np.ndarray | None:
        """The network and clinicians of the files; returns the node table's thresholds (or None)."""
        from simulation.network.files import population_for, read_network_files

        cfg = self.config
        data = read_network_files(cfg.network)
        population = population_for(cfg.population, data)
        department = data.department
        if department is None:  # not in the node table: drawn from population.departments
            department = assign_departments(population, self.streams["population"])
        else:  # missing cells drawn with the known cells' shares, from a stream of their own
            shares = np.array(list(population.departments.values()))
            department = fill_missing(department, shares, self.streams["node_table"])
        self.network = data.network(self.streams["network"])
        self.network.team = department.astype(np.int64)
        self.state = draw_population(
            population,
            cfg.judgment,
            department,
            self.network.advice_in_degree,
            self.streams["population"],
            given=data.given(),
            fill_rng=self.streams["node_table"],
        )
        self.node_ids = list(data.ids)
        self.node_index = {node_id: k for k, node_id in enumerate(data.ids)}
        self.observed_adoption = None if data.adoption is None else data.adoption.copy()
        self.network_layers = data.layers
        return data.threshold

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

    def run_interventions(self, week: int) -> None:
        """Week `week` of the interventions: every programme's boosts fade, then each acts in order
        and books its cost."""
        for intervention in self.interventions:
            intervention.fade()
        for intervention in self.interventions:
            self.cost_hours += intervention.step(week)

    def clinician_hours(self) -> np.ndarray:
        """Clinician-hours the interventions have booked to each clinician so far (their own time: an
        attendee's, a trainee's, a champion's; `Intervention.book`). The rest of `cost_hours` was spent
        on nobody of the hospital (facilitators, trainers, preparation)."""
        hours = np.zeros(self.state.n)
        for intervention in self.interventions:
            hours += intervention.hours
        return hours

    def snapshot(self, week: int) -> dict:
        """Arrays for a network picture of the current state (copies)."""
        return {
            "edges": self.network.edges.copy(),
            "attitude": self.state.attitude.copy(),
            "mode": self.state.mode.copy(),
            "department": self.state.department.copy(),
            "department_names": list(self.state.department_names),
            "skeptical_below": self.state.skeptical_below,
            "step": int(week),
        }
