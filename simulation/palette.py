"""The one palette of the project: the report's figures (`simulation.reporting.plots`) and the browser
view (`simulation.view`) draw the modes, skepticism and the competence gap in these colours.

Constants only (no matplotlib, no numpy), so anything can import them cheaply. The colours are the
Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design").
"""

from __future__ import annotations

from simulation.modes import MODE_NAMES

COLOR_SKEPTICAL = "#D55E00"  # vermillion: the share skeptical
COLOR_NONE = "#8C8C8C"  # grey: no AI use
COLOR_VERIFY = "#0072B2"  # blue: AI to verify one's own decision
COLOR_PRIMARY = "#E69F00"  # orange: AI as the primary decision aid
COLOR_GAP = COLOR_VERIFY  # the competence gap (its own panel in both the report and the view)
COLOR_SESSION = "#009E73"  # bluish green: marks of intervention sessions on a time axis
ATTITUDE_CMAP = "RdBu"  # matplotlib colormap of attitude: red = skeptical (1), blue = enthusiastic (7)
# By mode code (`simulation.modes`: 0 none, 1 verify, 2 primary) and by mode name.
MODE_COLORS: dict[int, str] = {0: COLOR_NONE, 1: COLOR_VERIFY, 2: COLOR_PRIMARY}
MODE_COLOURS: dict[str, str] = {name: MODE_COLORS[code] for code, name in enumerate(MODE_NAMES)}
