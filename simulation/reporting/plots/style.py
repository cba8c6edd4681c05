"""The look of every report figure, and the one palette of the three modes (the browser view uses it too).

Constants only: importing this module loads neither matplotlib nor numpy, so the view and the
command line can name the colours cheaply. Colours are the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

from simulation.modes import MODE_NAMES

DPI = 120
FIGSIZE = (9.0, 5.0)
NETWORK_PAIR_FIGSIZE = (10.0, 9.5)
# Okabe-Ito colour-blind-safe palette, used consistently across all figures.
COLOR_SKEPTICAL = "#D55E00"  # vermillion
COLOR_NONE = "#8C8C8C"  # grey
COLOR_VERIFY = "#0072B2"  # blue
COLOR_PRIMARY = "#E69F00"  # orange
ATTITUDE_CMAP = "RdBu"  # red = skeptical, blue = enthusiastic
MODE_LABELS: dict[int, str] = {
    0: "No AI use",
    1: "AI to verify own decision",
    2: "AI as primary decision aid",
}
MODE_COLORS: dict[int, str] = {0: COLOR_NONE, 1: COLOR_VERIFY, 2: COLOR_PRIMARY}
# The same colours by mode name (`simulation.modes.MODE_NAMES`): the browser view draws with these.
MODE_COLOURS: dict[str, str] = {name: MODE_COLORS[code] for code, name in enumerate(MODE_NAMES)}
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
