"""Number formatting of the reports: every number in report.md / report.html is written by one of these.

Shares (0-1) are shown as percent with one decimal; differences of shares as signed percentage
points; the competence gap (1-7 scale points) with two decimals; counts and hours as whole numbers.
Which formatter an outcome gets follows its `fmt` field in the outcome catalogue
(`simulation.outcomes`): ``pct``, ``signed``, ``count`` or ``num``.

STAT dicts of summary.json look like ``{"mean": m, "ci95": [lo, hi], "range95": [lo, hi]}``:
``ci95`` is the 95 % confidence interval of the mean across replications, ``range95`` the central
95 % of replications.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from simulation.outcomes import outcome

Stat = Mapping[str, Any]


RANGE_NOTE = "95 % of runs"  # the range of the middle 95 % of replications
POINTS = "points"
INTERVAL = "95 % interval"  # a confidence interval


def is_missing(x: Any) -> bool:
    """True for None and NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def as_number(x: Any) -> float | None:
    """``x`` as a float; None when it is missing (None or NaN)."""
    return None if is_missing(x) else float(x)


def _trim(text: str) -> str:
    """Drop a trailing '.0' ('20.0' -> '20')."""
    return text[:-2] if text.endswith(".0") else text


def fmt_pct(x: float | None, decimals: int = 1, sign: bool = True) -> str:
    """Fraction -> percent with ``decimals`` decimals: 0.2137 -> '21.4%', 0.2 -> '20.0%'."""
    v = as_number(x)
    if v is None:
        return "n/a"
    return f"{100.0 * v:.{decimals}f}" + ("%" if sign else "")


def fmt_num(x: float | None, decimals: int = 2) -> str:
    """Plain number with fixed decimals: 4.612 -> '4.61'."""
    v = as_number(x)
    return "n/a" if v is None else f"{v:.{decimals}f}"


def fmt_signed(x: float | None, decimals: int = 2) -> str:
    """Number with explicit sign: 0.3456 -> '+0.35', -0.1 -> '-0.10'."""
    v = as_number(x)
    return "n/a" if v is None else f"{v:+.{decimals}f}"


def fmt_count(x: float | None) -> str:
    """Count-like value: thousands separators, one decimal only below 10."""
    v = as_number(x)
    if v is None:
        return "n/a"
    return _trim(f"{v:,.1f}") if abs(v) < 10 else f"{v:,.0f}"


def fmt_pct_range(bounds: Sequence[float | None]) -> str:
    """[0.1549, 0.2788] -> '15.5–27.9%'."""
    lo, hi = bounds
    return f"{fmt_pct(lo, sign=False)}–{fmt_pct(hi)}"


def fmt_range(bounds: Sequence[float | None], fmt: Any = fmt_num) -> str:
    """'lo–hi'; uses ' to ' when a bound carries a sign so '+' / '-' stay readable."""
    lo, hi = bounds
    signed = fmt is fmt_signed or any((v := as_number(b)) is not None and v < 0 for b in (lo, hi))
    return f"{fmt(lo)}{' to ' if signed else '–'}{fmt(hi)}"


def _kind(name: str) -> str:
    """Formatting family of an outcome or run total: its catalogue `fmt` ('num' for an unknown name)."""
    try:
        return outcome(name).fmt
    except KeyError:
        return "num"


def fmt_value(name: str, x: float | None) -> str:
    """Format one value of outcome ``name``."""
    return {"pct": fmt_pct, "signed": fmt_signed, "count": fmt_count}.get(_kind(name), fmt_num)(x)


def fmt_interval(name: str, bounds: Sequence[float | None]) -> str:
    """Format an interval of outcome ``name``."""
    kind = _kind(name)
    if kind == "pct":
        return fmt_pct_range(bounds)
    return fmt_range(bounds, {"signed": fmt_signed, "count": fmt_count}.get(kind, fmt_num))


def fmt_stat(name: str, stat: Stat | None, interval: str = "range95") -> str:
    """Table cell 'mean (lo–hi)' for outcome ``name``."""
    if not stat or is_missing(stat.get("mean")):
        return "n/a"
    bounds = stat.get(interval)
    if not bounds or all(is_missing(b) for b in bounds):
        return fmt_value(name, stat["mean"])
    return f"{fmt_value(name, stat['mean'])} ({fmt_interval(name, bounds)})"


def with_range(name: str, stat: Stat) -> str:
    """Prose form: '21.4% (95% of runs: 15.5–27.9%)'."""
    return f"{fmt_value(name, stat['mean'])} ({RANGE_NOTE}: {fmt_interval(name, stat['range95'])})"


def fmt_points(d: float | None) -> str:
    """Difference of two shares in percentage points, signed, 1 decimal: -0.1756 -> '-17.6'."""
    v = as_number(d)
    if v is None:
        return "n/a"
    text = f"{100.0 * v:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def fmt_hours(x: float | None) -> str:
    """Clinician-hours or money: whole units with thousands separators: 24640 -> '24,640'."""
    v = as_number(x)
    return "n/a" if v is None else f"{v:,.0f}"


def fmt_week(x: float | None) -> str:
    """Week numbers: '16', '15.5'."""
    v = as_number(x)
    return "n/a" if v is None else _trim(f"{v:.1f}")


def signed_fixed(decimals: int):
    """Formatter of a signed number with ``decimals`` decimals, zero without a sign: 2 -> 0.3456 -> '+0.35'."""

    def fmt(x: float | None) -> str:
        v = as_number(x)
        if v is None:
            return "n/a"
        text = f"{v:+.{decimals}f}"
        return text[1:] if float(text) == 0 else text

    return fmt


def fmt_signed_count(x: float | None) -> str:
    """Difference of counts: sign, thousands separators, one decimal only below 10: -757.5 -> '-758'."""
    v = as_number(x)
    if v is None:
        return "n/a"
    text = _trim(f"{v:+,.1f}") if abs(v) < 10 else f"{v:+,.0f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def points_per_100h(x: float | None) -> str:
    """Share change per 100 h in points, 2 decimals: -0.05699 -> '-5.70'."""
    v = as_number(x)
    return signed_fixed(2)(None if v is None else 100.0 * v)


def value_format(name: str):
    """Formatter of a value of outcome ``name`` (also used for target thresholds): percent for shares,
    a count for counts and run totals, else two decimals (the competence gap's level has no sign)."""
    kind = _kind(name)
    if kind == "pct":
        return fmt_pct
    if kind == "count":
        return fmt_count
    return lambda x: fmt_num(x, 2)


def diff_format(name: str):
    """Formatter of a difference of outcome ``name`` between two scenarios."""
    kind = _kind(name)
    if kind == "pct":
        return fmt_points
    if kind == "count":
        return fmt_signed_count
    return signed_fixed(2)


def per100_format(name: str):
    """Formatter of the effect on outcome ``name`` per 100 extra clinician-hours."""
    kind = _kind(name)
    if kind == "pct":
        return points_per_100h
    if kind == "count":
        return signed_fixed(2)
    return signed_fixed(3)


def unsigned(text: str) -> str:
    """Drop a leading sign: prose says 'fell by 17.6 points'."""
    return text[1:] if text[:1] in "+-" else text


def fmt_chance(x: float | None) -> str:
    """A probability or share 0-1 as a whole percent: 0.9375 -> '94 %'."""
    v = as_number(x)
    return "n/a" if v is None else f"{100 * v:.0f} %"


# Every formatter the report uses, so tests can apply the same rounding to the tables.
FORMATTERS = (
    fmt_pct,
    fmt_chance,
    lambda x: fmt_num(x, 0),
    fmt_points,
    fmt_hours,
    fmt_week,
    fmt_count,
    fmt_signed_count,
    points_per_100h,
    lambda x: fmt_num(x, 2),
    signed_fixed(1),
    signed_fixed(2),
    signed_fixed(3),
)
