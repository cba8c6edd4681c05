"""`ViewModel`: the clinician model as the browser view builds it, plus fixed node positions.

Reset in the view calls `ViewModel(settings=...)` (Mesa's SolaraViz re-instantiates the model class
with its model parameters), so the model is rebuilt from the controls every time. Node positions
come from `simulation.network.layout.department_layout` and are cached per network: a Reset that rebuilds
the same network (same size, structure and seed) reuses them, and ties added during a run (case
reviews) are drawn between the existing positions, never re-laid out.

The model stops at the scenario's horizon: after `run.steps` weeks `running` is False, which Mesa's
controller reads after every step (Play stops, Play and Step are disabled until Reset), and `step()`
does nothing more (Mesa's controller may call it again within one render interval). `run_to(week)`
steps until that week (at most the horizon): the sidebar's "Run to week". A lock makes each step
whole when Play's thread and a Run to week step the same model at once.

For the pictures it also keeps: `population_key`, a fingerprint of who the clinicians are at week 0
(so a selected id is not silently carried over to another person after a Reset that draws a new
population), `department_series`, each department's shares by week (the Over time card's
per-department curves, defined as in groups.csv), and `session_weeks`, the weeks at which an
intervention session happens (marks on the time series).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

from simulation.model import ClinicianModel
from simulation.network.layout import department_layout
from simulation.view.groups import SERIES_COLUMNS, department_shares
from simulation.view.settings import ViewSettings

_LAYOUTS: OrderedDict[str, np.ndarray] = OrderedDict()
_LAYOUT_CACHE_SIZE = 16


def network_layout(model: ClinicianModel) -> np.ndarray:
    """(n, 2) node positions (layout units) for the model's network at week 0, cached by content."""
    key = hashlib.sha1(model.network.edges.tobytes() + model.state.department.tobytes()).hexdigest()
    if key in _LAYOUTS:
        _LAYOUTS.move_to_end(key)
        return _LAYOUTS[key]
    positions = department_layout(model.network, model.state.department)
    positions.setflags(write=False)
    _LAYOUTS[key] = positions
    while len(_LAYOUTS) > _LAYOUT_CACHE_SIZE:
        _LAYOUTS.popitem(last=False)
    return positions


def population_key(model: ClinicianModel) -> str:
    """A fingerprint of the clinicians as drawn (department, role, seniority, attitude, literacy, status
    concern of each): equal for two models when clinician i is the same person in both."""
    state = model.state
    digest = hashlib.sha1(str(state.n).encode())
    for values in (
        state.department,
        state.role,
        state.seniority,
        state.attitude,
        state.literacy,
        state.status_concern,
    ):
        digest.update(np.ascontiguousarray(values).tobytes())
    digest.update("\x1f".join([*state.department_names, *state.role_names]).encode())
    return digest.hexdigest()


def session_weeks(model: ClinicianModel) -> list[int]:
    """The weeks (1 to the horizon) at which at least one intervention of the scenario holds a session."""
    horizon = int(model.config.run.steps)
    return [w for w in range(1, horizon + 1) if any(c.acts_at(w) for c in model.config.interventions)]


def _settings_value(settings):
    """Accept the settings themselves or anything holding them in `.value` (a Solara reactive)."""
    return settings.value if hasattr(settings, "value") else settings


class ViewModel(ClinicianModel):
    """A `ClinicianModel` built from the view's controls (`ViewSettings`), with `positions`.

    `settings` may be a `ViewSettings` or a Solara reactive holding one: the view passes its
    reactive so that Reset always reads the controls' current values.
    """

    def __init__(self, settings) -> None:
        self.settings: ViewSettings = _settings_value(settings)
        super().__init__(self.settings.to_scenario(), replication=0, with_agents=True)
        self.positions = network_layout(self)
        self.population_key = population_key(self)
        self.session_weeks = session_weeks(self)
        self.department_series: dict[str, dict[str, list[float]]] = {
            name: {column: [] for column in SERIES_COLUMNS} for name in self.state.department_names
        }
        self._record_departments()
        self.horizon = int(self.config.run.steps)
        self.running = self.week < self.horizon
        self._stepping = threading.Lock()

    @property
    def at_horizon(self) -> bool:
        """Has the model run the scenario's `run.steps` weeks?"""
        return self.week >= self.horizon

    def step(self) -> None:
        """One week, unless the scenario's horizon is reached (then nothing)."""
        with self._stepping:
            if self.at_horizon:
                self.running = False
                return
            super().step()
            self._record_departments()
            self.running = not self.at_horizon

    def _record_departments(self) -> None:
        for name, shares in department_shares(self.state).items():
            series = self.department_series[name]
            for column in SERIES_COLUMNS:
                series[column].append(shares[column])

    def run_to(self, week: int) -> int:
        """Step until `week` (at most the horizon; nothing when already there or past it); weeks stepped."""
        target = min(int(week), self.horizon)
        start = self.week
        while self.week < target:
            self.step()
        return self.week - start
