"""Side by side: two settings of the view stepped in lockstep from the same seed and network.

Setting A is what the page watches (the model built from the controls); setting B is A with one
thing changed (`Variant`): another scenario file, one parameter of the controls' list
(`simulation.view.settings.PARAMS`) at another value, or one intervention switched on or off. Both
are replication 0 of the same root seed, so they share their random streams (common random
numbers, `simulation.seeding`): B's network and clinicians at week 0 are A's unless B changes what
builds them (the network's size or structure, the population, the seed); `SharedStart` checks it and
says which. Differences B - A are then the effect of the change, not of luck.

`SideBySide.step()` steps both; in the page SolaraViz steps A and `SideBySide.sync()` brings B to
A's week (at most B's horizon), so Step, Play and Run to week advance both, and Reset (a new A)
makes a new pair. Units: shares 0-1 (the pictures show %), competence gap in rating points, cost in
clinician-hours, time in weeks.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np

from simulation.outcomes import SHARE_CURVES, VIEW_CURVES
from simulation.replica import Replica
from simulation.scenario.interventions import CONFIGS
from simulation.seeding import replication_seed
from simulation.view.settings import PARAMS, ViewSettings
from simulation.view.viewmodel import ViewModel

# The outcomes compared, by steps.csv column, with the label of the table of differences.
COMPARED: dict[str, str] = dict(
    zip(
        (*VIEW_CURVES, "cost_hours"),
        ("no AI", "verify", "primary aid", "skeptical", "competence gap", "cost so far"),
        strict=True,
    )
)
SHARES = SHARE_CURVES
PARAM_BY_KEY = {param.key: param for param in PARAMS}
# The clinicians' own traits at week 0 (their reputation at week 0 is already a peer judgment, so it is
# not part of who they are: a change of penalty changes it).
POPULATION_ARRAYS = ("department", "role", "seniority", "attitude", "literacy", "trust", "status_concern", "mode")


@dataclass(frozen=True)
class Variant:
    """How setting B differs from setting A.

    kind "file": the scenario file `scenario_path` with its own values, run under A's seed;
    kind "param": A with the dotted key `key` (one of `PARAMS`) set to `value`;
    kind "intervention": A with the intervention kind `key` switched on (`value` 1) or off (0).
    """

    kind: str
    key: str | None = None
    value: float | None = None
    scenario_path: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "file" and not self.scenario_path:
            raise ValueError("a setting B from a file needs scenario_path")
        if self.kind == "param" and (self.key not in PARAM_BY_KEY or self.value is None):
            raise ValueError(f"a setting B with one parameter changed needs one of {', '.join(PARAM_BY_KEY)}")
        if self.kind == "intervention" and (self.key not in CONFIGS or self.value is None):
            raise ValueError(f"a setting B with one intervention switched needs one of {', '.join(CONFIGS)}")
        if self.kind not in ("file", "param", "intervention"):
            raise ValueError(f"unknown kind of setting B {self.kind!r}; allowed: file, param, intervention")

    def apply(self, a: ViewSettings) -> ViewSettings:
        """Setting B made from setting A (raises ValueError when B is not a valid scenario)."""
        if self.kind == "file":
            assert self.scenario_path is not None
            b = ViewSettings.from_file(self.scenario_path).with_seed(str(a.to_scenario().run.seed))
        elif self.kind == "param":
            assert self.key is not None and self.value is not None
            param = PARAM_BY_KEY[self.key]
            b = a.with_value(self.key, int(self.value) if param.integer else float(self.value))
        else:
            assert self.key is not None
            b = a.with_intervention(self.key, enabled=bool(self.value))
        b.to_scenario()  # ValueError with the key and what is wrong
        return b

    def describe(self, a: ViewSettings) -> str:
        """What B is, in a short phrase, e.g. 'Penalty for verifying (rating points) 2.0 instead of 1.47'."""
        if self.kind == "file":
            assert self.scenario_path is not None
            return f"scenario {_stem(self.scenario_path)} (seed {a.to_scenario().run.seed}, as A)"
        if self.kind == "param":
            assert self.key is not None
            return f"{PARAM_BY_KEY[self.key].label} {_number(self.value)} instead of {_number(a.values[self.key])}"
        assert self.key is not None
        return f"{CONFIGS[self.key].label} {'on' if self.value else 'off'}"


def _stem(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value)}" if float(value).is_integer() else repr(float(value))


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha1()
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def start_fingerprint(replica: Replica) -> tuple[str, str]:
    """(network, population) digests of a replica as built, before any week is stepped."""
    network = _digest(replica.network.edges, replica.network.advisor)
    population = _digest(*(getattr(replica.state, name) for name in POPULATION_ARRAYS))
    return network, population


def model_start(model: ViewModel) -> tuple[str, str]:
    """`start_fingerprint` of the model's week 0 (rebuilt from its scenario when it has stepped)."""
    if model.week == 0:
        return start_fingerprint(model.replica)
    return start_fingerprint(Replica(model.config, replication_seed(model.config.run.seed, 0)))


@dataclass(frozen=True)
class SharedStart:
    """Do A and B start from the same network and the same clinicians (week 0)?"""

    network: bool
    population: bool

    @property
    def identical(self) -> bool:
        return self.network and self.population

    def note(self) -> str:
        """One line for the page."""
        if self.identical:
            return "Same seed, same network and same clinicians at week 0 (common random numbers)."
        differs = [name for name, same in (("network", self.network), ("clinicians", self.population)) if not same]
        return (
            f"Setting B changes the {' and the '.join(differs)} at week 0: "
            "the difference mixes the change with another hospital."
        )


class SideBySide:
    """Models A and B (`ViewModel`s, replication 0 of the same seed) stepped in lockstep.

    `horizon` is the shorter of the two scenarios' `run.steps`; the series compared are the weeks
    both have run.
    """

    def __init__(self, a: ViewModel, b: ViewModel, label: str = "") -> None:
        self.a, self.b, self.label = a, b, label
        network_a, population_a = model_start(a)
        network_b, population_b = model_start(b)
        self.shared = SharedStart(network_a == network_b, population_a == population_b)
        self._lock = threading.Lock()

    @classmethod
    def build(cls, settings: ViewSettings, variant: Variant) -> SideBySide:
        """A fresh pair: A from `settings`, B from `variant.apply(settings)`."""
        return cls(ViewModel(settings), ViewModel(variant.apply(settings)), variant.describe(settings))

    @classmethod
    def following(cls, a: ViewModel, variant: Variant) -> SideBySide:
        """A pair around the page's model `a` (its settings as built), B brought to a's week."""
        pair = cls(a, ViewModel(variant.apply(a.settings)), variant.describe(a.settings))
        pair.sync()
        return pair

    @property
    def horizon(self) -> int:
        return min(self.a.horizon, self.b.horizon)

    @property
    def week(self) -> int:
        """Weeks both have run."""
        return min(self.a.week, self.b.week)

    @property
    def running(self) -> bool:
        return self.week < self.horizon

    def step(self) -> None:
        """One week of both (nothing at the horizon)."""
        with self._lock:
            if self.week >= self.horizon:
                return
            self.a.step()
            self.b.step()

    def sync(self) -> int:
        """Step B until it reaches A's week (at most B's horizon); weeks stepped."""
        with self._lock:
            target = min(self.a.week, self.b.horizon)
            start = self.b.week
            while self.b.week < target:
                self.b.step()
            return self.b.week - start

    def series(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """A's and B's outcomes (`COMPARED` columns) week by week, over the weeks both have run."""
        length = self.week + 1
        a_vars, b_vars = self.a.datacollector.model_vars, self.b.datacollector.model_vars
        return (
            {name: np.asarray(a_vars[name][:length], dtype=float) for name in COMPARED},
            {name: np.asarray(b_vars[name][:length], dtype=float) for name in COMPARED},
        )

    def difference(self) -> dict[str, np.ndarray]:
        """B - A week by week for every `COMPARED` column (shares 0-1, gap points, hours)."""
        a, b = self.series()
        return {name: b[name] - a[name] for name in COMPARED}

    def rows_now(self) -> list[tuple[str, str, str, str]]:
        """(label, A, B, B - A) at the latest week both have run, as the page writes them."""
        a, b = self.series()
        rows = []
        for name, label in COMPARED.items():
            x, y = float(a[name][-1]), float(b[name][-1])
            rows.append((label, _value(name, x), _value(name, y), _change(name, y - x)))
        return rows


def _value(name: str, value: float) -> str:
    if value != value:
        return "n/a"
    if name in SHARES:
        return f"{100 * value:.1f} %"
    if name == "competence_gap":
        return f"{value:+.2f}"
    return f"{value:,.0f} h"


def _change(name: str, value: float) -> str:
    if value != value:
        return "n/a"
    if name in SHARES:
        return f"{100 * value:+.1f} pp"
    if name == "competence_gap":
        return f"{value:+.2f}"
    return f"{value:+,.0f} h"
