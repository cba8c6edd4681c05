"""The list of intervention kinds a scenario may use: `kind` -> (config model, intervention class)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulation.interventions.workshop import Workshop, WorkshopConfig

if TYPE_CHECKING:
    from simulation.interventions.base import Intervention, InterventionContext

KINDS = {
    "workshop": (WorkshopConfig, Workshop),
}

# The type of one `[[interventions]]` table; a Union (with `kind` as discriminator) once there are more kinds.
InterventionConfig = WorkshopConfig


def build_intervention(config: InterventionConfig, context: InterventionContext) -> Intervention:
    """Instantiate the intervention class registered for `config.kind`."""
    _, cls = KINDS[config.kind]
    return cls(config, context)
