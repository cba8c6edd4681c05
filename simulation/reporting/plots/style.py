"""The look of every report figure. Its colours of the modes, skepticism and the gap are
`simulation.palette`'s, which the browser view draws with too.

Constants only: importing this module loads neither matplotlib nor numpy, so the view and the
command line can name the colours cheaply.
"""

from __future__ import annotations

# The one palette, shared with the browser view (re-exported here for the report's figures).
from simulation.palette import ATTITUDE_CMAP as ATTITUDE_CMAP
from simulation.palette import COLOR_GAP as COLOR_GAP
from simulation.palette import COLOR_NONE, COLOR_PRIMARY, COLOR_SKEPTICAL, COLOR_VERIFY
from simulation.palette import MODE_COLORS as MODE_COLORS
from simulation.palette import MODE_COLOURS as MODE_COLOURS

DPI = 120
FIGSIZE = (9.0, 5.0)
NETWORK_PAIR_FIGSIZE = (10.0, 9.5)
MODE_LABELS: dict[int, str] = {
    0: "No AI use",
    1: "AI to verify own decision",
    2: "AI as primary decision aid",
}
# (column, label, colour, line style); skeptical is dashed because it is an
# attitude, while the other three are mutually exclusive behaviours.
SHARE_SERIES: list[tuple[str, str, str, str]] = [
    ("share_skeptical", "Skeptical of clinical AI", COLOR_SKEPTICAL, "--"),
    ("share_none", MODE_LABELS[0], COLOR_NONE, "-"),
    ("share_verify", MODE_LABELS[1], COLOR_VERIFY, "-"),
    ("share_primary", MODE_LABELS[2], COLOR_PRIMARY, "-"),
]
ATTITUDE_LABEL = "Attitude toward clinical AI (1 = very skeptical, 7 = enthusiastic)"
GAP_LABEL = "Peer rating gap (non-users minus AI users), 1-7 scale points"
COLOR_BASELINE = "#7a7a7a"
# Colours of alternatives, in ranking order (Okabe-Ito, without the grey of the baseline).
# Okabe-Ito first (colour-blind safe), then Tol's muted colours for runs with many alternatives.
ALTERNATIVE_COLORS = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#882255",
    "#117733",
    "#8C564B",
    "#332288",
    "#999933",
]


def alternative_color(index: int) -> str:
    """Colour of the ``index``-th alternative (cycles)."""
    return ALTERNATIVE_COLORS[index % len(ALTERNATIVE_COLORS)]


def baseline_label(baseline: str) -> str:
    """'baseline' stays as it is; another name gets ' (baseline)'."""
    return baseline if baseline.lower() == "baseline" else f"{baseline} (baseline)"


def unit_label(step_unit: str) -> str:
    """'week' -> 'Week' (axis labels and panel titles)."""
    return step_unit[:1].upper() + step_unit[1:] if step_unit else "Step"
