"""Names from the user's files are drawn as they are written: `plain_text`, which every plotting
function wears (the report's figures, the sweep, sensitivity, calibration and budget plots).

matplotlib parses a text holding two unescaped '$' as mathtext (TeX) when the figure is drawn. A
scenario, plan, department or role name such as ``$x^2$`` would then be drawn as a formula, and one
such as ``$\\frac{1}{$`` raises an error after the whole run. Our own labels use no mathtext.

Importing this module does not load matplotlib (the command line imports it with the experiments).
"""

from __future__ import annotations

import functools
from collections.abc import Callable


def plain_text[**P, R](plot: Callable[P, R]) -> Callable[P, R]:
    """``plot`` with every text it draws (titles, axis labels, legend entries, tick labels, annotations)
    drawn as plain text. matplotlib reads ``text.parse_math`` when a text is created, so the setting
    holds for the call only: tick labels, created while the figure is laid out and saved, are created
    inside the call as well."""

    @functools.wraps(plot)
    def drawn_as_plain_text(*args: P.args, **kwargs: P.kwargs) -> R:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):  # no mathtext: a '$' is a dollar sign
            return plot(*args, **kwargs)

    drawn_as_plain_text.plain_text = True  # type: ignore[attr-defined]  # tests check that every plot has it
    return drawn_as_plain_text
