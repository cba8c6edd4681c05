"""`[network]` and `[network.nodes]`: the generator's keys and the keys of a file network's data files.

The data files themselves are read by `simulation.network.files`; this module is only their keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from simulation.scenario.base import Section

Column = str | int  # a column of a data file: its header name, or its number counting from 1


DELIMITER_NAMES = ("auto", "whitespace", "tab", "\\t", "comma", "semicolon")  # see simulation/network/tables.py


def _one_delimiter(value: str) -> str:
    """A separator the table reader can split on: a name above, or one character (not a quote or line break)."""
    if value in DELIMITER_NAMES or (len(value) == 1 and value not in '"\r\n'):
        return value
    raise ValueError(
        f"{value!r} is not a separator; allowed: {', '.join(repr(n) for n in DELIMITER_NAMES)} "
        "or one character such as ';' or '|'"
    )


class NodeTableConfig(Section):
    """`[network.nodes]`: the node table of a file network (one row per clinician) and what its columns mean."""

    file: str | None = Field(
        None,
        description="Node table (CSV, TSV or whitespace-separated text, or the first sheet of an .xlsx workbook), relative to the scenario file that sets it. Without it, a GraphML or GEXF file's node attributes are the columns (column 1 = the node id).",
    )
    delimiter: str = Field(
        "auto",
        description="'auto' (',' for .csv, tab for .tsv/.tab, else whitespace), 'whitespace', or the separator character.",
    )
    header: bool | Literal["auto"] = Field(
        "auto",
        description="Whether the first line names the columns; 'auto' = yes when a column is named, when the first line's id is a usual column name (id, node, name, ...), or when it is a word and the next line's a number.",
    )
    id: Column = Field(1, description="Column of the node ids (any text or integer; the edge file's ids must match).")
    department: Column | None = Field(
        None,
        description="Column of each clinician's department (its known cells set population.departments, shares = counts); unmapped: drawn from population.departments; missing cells: drawn in each replication with the known cells' shares.",
    )
    role: Column | None = Field(
        None,
        description="Column of each clinician's role (its known cells set population.roles, shares = counts; a role named in [population.roles] keeps its settings); unmapped: drawn; missing cells: drawn in each replication with the known cells' shares.",
    )
    seniority: Column | None = Field(
        None,
        description="Column of years in practice (0-100); unmapped or missing cells: drawn from the role's seniority_years.",
    )
    attitude: Column | None = Field(
        None, description="Column of the initial attitude toward AI (1-7); unmapped or missing cells: drawn."
    )
    mode: Column | None = Field(
        None,
        description="Column of the initial mode: none, verify, primary (or 0, 1, 2); unmapped or missing cells: drawn.",
    )
    adoption: Column | None = Field(
        None,
        description="Column of the observed adoption time (any unit, e.g. months); a value mapped to 'never' = did not adopt in the observed window, 'missing' = unknown. Kept as ClinicianModel.observed_adoption.",
    )
    threshold: Column | None = Field(
        None,
        description="Column of each clinician's fixed adoption threshold (share of colleagues using AI, 0-1) under [choice] rule = 'threshold'; unmapped or missing cells: drawn from choice.thresholds. Kept as ClinicianModel.thresholds.",
    )
    values: dict[str, dict[str, str | int | float]] = Field(
        default_factory=dict,
        description="Per attribute (department, role, seniority, attitude, mode, adoption, threshold), a map from codes in the file to values, e.g. adoption = {18 = 'never', 98 = 'missing'}; 'missing' means unknown. Unmapped codes are used as they are.",
    )
    missing: list[str] = Field(
        default_factory=lambda: ["", "NA", "N/A", "NaN", "."],
        description="Cell texts that mean unknown (before the value maps).",
    )

    _delimiter = field_validator("delimiter")(_one_delimiter)

    @model_validator(mode="after")
    def _known_attributes(self) -> NodeTableConfig:
        allowed = ("department", "role", "seniority", "attitude", "mode", "adoption", "threshold")
        unknown = [name for name in self.values if name not in allowed]
        if unknown:
            raise ValueError(f"values.{unknown[0]}: not an attribute; allowed: {', '.join(allowed)}")
        return self


class NetworkConfig(Section):
    """The professional network: teams inside departments, some ties across, a few opinion leaders."""

    generator: Literal["hospital", "complete", "random", "file"] = Field(
        "hospital",
        description="Network generator: 'hospital' (teams, departments, opinion leaders); 'complete' (everyone tied to everyone, for the Bass check) or 'random' (Erdos-Renyi with mean_degree), for theory checks (docs/VALIDATION.md); 'file' (ties and clinicians from data files: `edges`, [network.nodes]).",
    )
    mean_degree: float = Field(
        8.0,
        gt=0,
        le=500,
        description="Mean number of colleagues per clinician. Clinician discussion networks: 6-10 (the Coleman-Katz-Menzel physicians' three layers merged: 7.5; Coleman, Katz & Menzel 1966).",
    )
    cross_department_share: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Share of the directly drawn ties that cross departments; triadic closure adds a few more, so about 16-19 % of all ties cross. Landon et al. 2012: 96 % of connected physicians share a hospital; Keating et al. 2007: same-clinic pairs 5x as likely to talk. Assumption within that range.",
    )
    team_size: int = Field(
        10, ge=2, le=1000, description="Clinicians per team (a ward or service) inside a department. Assumption."
    )
    team_share: float = Field(
        0.45,
        ge=0,
        le=1,
        description="Share of the within-department ties that fall inside one's own team. Tuned so clustering is 0.2-0.35 as in CKM.",
    )
    closure_share: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Share of ties that close a triangle (a colleague of a colleague). Tuned so average clustering is about 0.3 at 500 clinicians (CKM union of layers: 0.31; clinician networks 0.2-0.35).",
    )
    leader_tail: float = Field(
        3.0,
        gt=1,
        le=50,
        description="Pareto shape of clinicians' prominence; smaller = a few more dominant opinion leaders. Tuned so the maximum advice in-degree is about 5-9x the mean at 500 clinicians (CKM advice layer: 20 vs a mean of 2).",
    )
    # generator = "file": the network (and optionally the clinicians) from data files (simulation/network/files.py).
    edges: str | None = Field(
        None,
        description="generator = 'file': the tie file, relative to the scenario file that sets it: an edge list (CSV, TSV, whitespace-separated or .xlsx), GraphML, GEXF, Pajek (.net) or UCINET DL (.dl).",
    )
    format: Literal["auto", "edgelist", "graphml", "gexf", "pajek", "dl"] = Field(
        "auto",
        description="Format of `edges`; 'auto' from the extension (.graphml, .xml, .gexf, .net/.paj = pajek, .dl = UCINET DL; anything else is an edge list).",
    )
    delimiter: str = Field(
        "auto",
        description="Edge list separator: 'auto' (',' for .csv, tab for .tsv/.tab, else whitespace), 'whitespace', or the character.",
    )
    header: bool | Literal["auto"] = Field(
        "auto",
        description="Whether the edge list's first line names the columns; 'auto' = yes when a column is named, when the first line's ids are usual column names (source/target, from/to, i/j, ...), or when they are words and the next line's numbers.",
    )
    comment: str = Field(
        "#", description="Lines starting with this are skipped in edge lists and node tables ('' = none)."
    )
    source: Column = Field(
        1, description="Edge list column of the first clinician of a tie (who names the colleague, in a directed tie)."
    )
    target: Column = Field(2, description="Edge list column of the second clinician (the named colleague).")
    layer: Column | None = Field(
        None,
        description="Column of the tie's layer (e.g. advice, discussion, friendship); none = one layer '1'. In GraphML/GEXF, the edge attribute's name.",
    )
    weight: Column | None = Field(
        None,
        description="Column of the tie's weight (a number >= 0): with min_weight, lighter ties are dropped; the weights weigh colleagues in the influence rules (colleagues' mean attitude and bounded-confidence pull, share using AI, anticipated penalty). A pair or arc given in several rows weighs as its heaviest row. None = every tie weighs 1.",
    )
    min_weight: float | None = Field(None, description="Drop ties whose weight is below this (needs `weight`).")
    direction: Column | None = Field(
        None,
        description="Column saying per row whether the tie is directed (1, true, yes, directed, ->) or not (0, false, no, undirected, --); overrides `directed`.",
    )
    directed: bool | list[str | int] | None = Field(
        None,
        description="Whether ties are directed (true/false), or the list of directed layers; none = GraphML/GEXF as the file says, edge lists undirected.",
    )
    advisor: Literal["target", "source"] = Field(
        "target",
        description="In a directed tie, whose advice is sought: 'target' (the named colleague, as in 'whom do you ask for advice') or 'source'.",
    )
    influence: Literal["both_ways", "from_advisor"] = Field(
        "both_ways",
        description="'both_ways': every tie carries influence in both directions (directions give only advisors); 'from_advisor': a directed tie carries influence only from the advisor to the clinician who seeks their advice (undirected and mutual ties both ways).",
    )
    layers: list[str | int] | None = Field(None, description="Layers to keep (merged into one network); none = all.")
    layer_names: dict[str, str] = Field(
        default_factory=dict, description="Layer -> name shown in the statistics, e.g. {1 = 'advice'}."
    )
    drop_unknown_nodes: bool = Field(
        False, description="Drop ties to ids missing from the node table instead of stopping with an error."
    )
    nodes: NodeTableConfig | None = Field(None, description="The node table: [network.nodes].")

    _delimiter = field_validator("delimiter")(_one_delimiter)

    @model_validator(mode="after")
    def _file_keys(self) -> NetworkConfig:
        if self.generator == "file" and self.edges is None:
            raise ValueError('generator = "file" needs `edges`, the tie file (edge list, GraphML or GEXF)')
        if self.min_weight is not None and self.weight is None:
            raise ValueError("min_weight needs `weight`, the column of tie weights")
        if self.influence != "both_ways" and self.generator != "file":
            raise ValueError('influence = "from_advisor" needs generator = "file" (directions come from the tie file)')
        return self
