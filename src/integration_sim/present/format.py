"""Numbers for people: metric values scaled to their display units, signed differences, intervals.

Shared by the HTML report and the console, so both say the same thing the same way.
"""

from __future__ import annotations

import math

from integration_sim.metrics import metric_info

DASH = "–"


def count_of(n: int, one: str, many: str | None = None) -> str:
    """``n`` and its noun, singular for 1: ``count_of(1, "strategy", "strategies")``
    is "1 strategy" (``many`` defaults to ``one`` + "s")."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def finite(value: object) -> bool:
    """True for a real, finite number."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt(value: float, metric: str) -> str:
    """A metric value for people: scaled (proportions to points), pounds with separators."""
    if not finite(value):
        return DASH
    info = metric_info(metric)
    v = value * info.scale
    if info.unit == "pounds":
        return f"£{v:,.0f}"
    if info.unit == "pounds per point":
        return f"£{v:,.0f}"
    if info.unit == "pounds per pound":
        return f"£{v:,.2f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_diff(value: float, metric: str) -> str:
    """A difference with an explicit sign (``+£1,000``, ``-£1,000``, ``+0.52``)."""
    text = fmt(value, metric)
    if text == DASH:
        return text
    if not any(c in "123456789" for c in text):  # rounds to zero: no sign
        return text.replace("-", "")
    if text.startswith("£-"):
        return "-£" + text[2:]
    return "+" + text if value > 0 else text


def fmt_effect(median: float, low: float, high: float, metric: str, note: str = "") -> str:
    """A difference with its 95% interval where it has one, or the reason it has none."""
    if note.startswith("undefined"):
        return f"undefined ({note.removeprefix('undefined: ')})"
    text = fmt_diff(median, metric)
    if finite(median) and finite(low) and finite(high):
        return f"{text} (95% interval {fmt_diff(low, metric)} to {fmt_diff(high, metric)})"
    return text


def clear_of_zero(low: float, high: float) -> bool:
    """True when an interval excludes zero."""
    return finite(low) and finite(high) and (low > 0 or high < 0)


def replicate_warning(replicates: int, needed: int) -> str:
    """The sentence shown instead of intervals when there are too few replicates ('' if enough)."""
    if replicates >= needed:
        return ""
    return (
        f"Only {replicates} replicate(s) per strategy: fewer than the {needed} an interval needs, "
        "so no intervals are shown and medians may change with more runs. "
        "Run again with more replicates before deciding."
    )
