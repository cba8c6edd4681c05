"""Intervention kind -> behaviour class, and the order in which interventions act each step.

The kinds are listed once, in `simulation.scenario.interventions.InterventionConfig`; each config
names its behaviour class ("module:Class", imported here on first use) and its `acting_rank`.
`ORDER`: the kinds in acting order (every step, interventions act in this order of kinds, file order
within a kind; see `simulation.scenario.interventions` for why this order). The order is only an
order: a kind's random streams are identified by its name (`simulation.seeding.kind_stream_id`), so
inserting or reordering kinds changes no other kind's draws.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from simulation.scenario.interventions import ACTING_ORDER, CONFIGS, ScheduleConfig

if TYPE_CHECKING:
    from simulation.interventions.base import Intervention, InterventionContext

ORDER: tuple[str, ...] = ACTING_ORDER


@cache
def behaviour(kind: str) -> type[Intervention]:
    """The intervention class of `kind`, imported from its config's `behaviour` ("module:Class")."""
    module, _, name = CONFIGS[kind].behaviour.partition(":")
    return getattr(importlib.import_module(module), name)


def build_intervention(config: ScheduleConfig, context: InterventionContext) -> Intervention:
    """Instantiate the intervention class registered for `config.kind`."""
    return behaviour(config.kind)(config, context)  # type: ignore[attr-defined]


def acting_order(configs: list) -> list[int]:
    """Indices of `configs` in the order they act each step (by `ORDER`, then file order)."""
    return sorted(range(len(configs)), key=lambda i: (ORDER.index(configs[i].kind), i))
