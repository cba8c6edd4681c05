"""The intervention kinds a scenario may use, and the order in which they act each step.

`KINDS`: `kind` -> (config model, intervention class). `ORDER`: every step, interventions act in
this order of kinds (file order within a kind), so a combination gives the same result whatever the
order of its tables in the file:

1. ai_incident - events happen first, then the institution and its programmes respond;
2. verification_policy - the framing sets the rules the week runs under;
3. literacy_training, 4. workshop, 5. case_review, 6. open_forum - courses and meetings;
7. champions - recruited last, so they join after the week's sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from simulation.interventions.ai_incident import AIIncident, AIIncidentConfig
from simulation.interventions.case_review import CaseReview, CaseReviewConfig
from simulation.interventions.champions import Champions, ChampionsConfig
from simulation.interventions.literacy_training import LiteracyTraining, LiteracyTrainingConfig
from simulation.interventions.open_forum import OpenForum, OpenForumConfig
from simulation.interventions.verification_policy import VerificationPolicy, VerificationPolicyConfig
from simulation.interventions.workshop import Workshop, WorkshopConfig

if TYPE_CHECKING:
    from simulation.interventions.base import Intervention, InterventionContext

KINDS = {
    "ai_incident": (AIIncidentConfig, AIIncident),
    "verification_policy": (VerificationPolicyConfig, VerificationPolicy),
    "literacy_training": (LiteracyTrainingConfig, LiteracyTraining),
    "workshop": (WorkshopConfig, Workshop),
    "case_review": (CaseReviewConfig, CaseReview),
    "open_forum": (OpenForumConfig, OpenForum),
    "champions": (ChampionsConfig, Champions),
}
ORDER = tuple(KINDS)

# The type of one `[[interventions]]` table, told apart by its `kind`.
InterventionConfig = Annotated[
    AIIncidentConfig
    | VerificationPolicyConfig
    | LiteracyTrainingConfig
    | WorkshopConfig
    | CaseReviewConfig
    | OpenForumConfig
    | ChampionsConfig,
    Field(discriminator="kind"),
]


def build_intervention(config, context: InterventionContext) -> Intervention:
    """Instantiate the intervention class registered for `config.kind`."""
    _, cls = KINDS[config.kind]
    return cls(config, context)


def acting_order(configs: list) -> list[int]:
    """Indices of `configs` in the order they act each step (by `ORDER`, then file order)."""
    return sorted(range(len(configs)), key=lambda i: (ORDER.index(configs[i].kind), i))
