"""Checking one row of a measurement file, collecting every problem (file, row, column)."""

from __future__ import annotations

import math
from pathlib import Path

from integration_sim.calibration.format import (
    INTEGER_COLUMNS,
    KINDS,
    NUMBER_COLUMNS,
    SCALES,
    VALUE_COLUMNS,
    Context,
    MeasurementError,
    _as_date,
)
from integration_sim.errors import InputError


class RowChecker:
    """Validate one row, collecting every problem rather than stopping at the first."""

    def __init__(
        self, path: Path, line: int, raw: dict[str, str], ctx: Context, plan: bool
    ) -> None:
        self.path, self.line, self.raw, self.ctx, self.plan = path, line, raw, ctx, plan
        self.problems: list[InputError] = []

    def bad(self, column: str | None, message: str) -> None:
        self.problems.append(
            MeasurementError(message, file=self.path, line=self.line, field=column)
        )

    def text(self, column: str, required: bool = True) -> str:
        value = self.raw.get(column, "")
        if required and not value:
            self.bad(column, "missing value")
        return value

    def number(self, column: str, *, integer: bool = False, required: bool = True) -> float | None:
        value = self.raw.get(column, "")
        if not value:
            if required:
                self.bad(column, "missing value")
            return None
        try:
            x = float(value)
        except ValueError:
            self.bad(column, f"{value!r} is not a number")
            return None
        if not math.isfinite(x) or x < 0:
            self.bad(column, f"{value} must be a finite number >= 0")
            return None
        if integer and x != int(x):
            self.bad(column, f"{value} must be a whole number (a count)")
            return None
        return x

    def check(self) -> dict[str, object] | None:
        n_before = len(self.problems)
        kind = self.text("kind")
        if kind and kind not in KINDS:
            self.bad("kind", f"unknown kind {kind!r} (expected one of: {', '.join(KINDS[:-1])})")
        locator = self.text("locator")
        behaviour, scale = self._behaviour(kind)
        from_type, to_type = self._relationship(behaviour, kind)
        locality = self._locality()
        start, end = self._period()
        values = self._values(kind) if kind in VALUE_COLUMNS else {}
        if len(self.problems) > n_before:
            return None
        return {
            "measurement_id": self.raw.get("measurement_id", ""),
            "locator": locator,
            "behaviour": behaviour,
            "from": self.raw["from"],
            "to": self.raw["to"],
            "from_type": from_type,
            "to_type": to_type,
            "locality": locality,
            "start_week": start,
            "end_week": end,
            "kind": kind,
            "scale": scale,
            **{
                c: values.get(c)
                for c in ("numerator", "denominator", "count", "exposure", "mean", "sd", "n")
            },
            "estimate": _estimate(kind, values),
            "notes": self.raw.get("notes", ""),
            "source_file": str(self.path),
            "source_row": self.line,
        }

    def _behaviour(self, kind: str) -> tuple[str, str]:
        scale = self.raw.get("scale", "")
        if kind == "score":
            scale = scale or "habit"
            if scale not in SCALES:
                self.bad("scale", f"unknown scale {scale!r} (expected one of: {', '.join(SCALES)})")
        elif scale:
            self.bad("scale", "only score measurements have a scale")
        behaviour = self.raw.get("behaviour", "")
        # Tie density and trust belong to the relationship, not to a behaviour.
        if kind == "tie_density" or scale == "trust":
            return behaviour or "all", scale
        if not behaviour:
            self.bad("behaviour", "missing value")
        elif behaviour not in self.ctx.behaviours:
            self.bad(
                "behaviour",
                f"unknown behaviour {behaviour!r} (known: {', '.join(self.ctx.behaviours)})",
            )
        return behaviour, scale

    def _relationship(self, behaviour: str, kind: str) -> tuple[str, str]:
        types = []
        for column, side in (("from", 0), ("to", 1)):
            name = self.text(column)
            t = self.ctx.type_of(name) if name else None
            if name and t is None:
                self.bad(
                    column,
                    f"unknown organisation type or role {name!r} "
                    f"(known types: {', '.join(self.ctx.organisation_types)})",
                )
            elif t and t != "all" and behaviour in self.ctx.behaviours and kind != "tie_density":
                allowed = self.ctx.behaviours[behaviour][side]
                if t not in allowed:
                    who = "performers" if side == 0 else "partners"
                    self.bad(
                        column,
                        f"{name!r} is not among the {who} of {behaviour} ({', '.join(allowed)})",
                    )
            types.append(t or "")
        return types[0], types[1]

    def _locality(self) -> str:
        loc = self.raw.get("locality", "") or "all"
        if loc != "all" and self.ctx.localities is not None and loc not in self.ctx.localities:
            self.bad(
                "locality",
                f"unknown locality {loc!r} (known: all, {', '.join(self.ctx.localities)})",
            )
        return loc

    def _period(self) -> tuple[int | None, int | None]:
        weeks = [
            self._week(c, d) for c, d in (("start_week", "start_date"), ("end_week", "end_date"))
        ]
        start, end = weeks
        if start is None or end is None:
            return start, end
        if end < start:
            self.bad(
                "end_week" if self.raw.get("end_week") else "end_date",
                f"period ends (week {end}) before it starts (week {start})",
            )
        horizon = self.ctx.horizon_weeks
        if horizon is not None:
            for col, w in (("start", start), ("end", end)):
                if w >= horizon:
                    column = f"{col}_week" if self.raw.get(f"{col}_week") else f"{col}_date"
                    self.bad(column, f"week {w} is outside the horizon (weeks 0 to {horizon - 1})")
        return start, end

    def _week(self, week_col: str, date_col: str) -> int | None:
        if self.raw.get(week_col):
            w = self.number(week_col, integer=True)
            return int(w) if w is not None else None
        text = self.raw.get(date_col, "")
        if not text:
            self.bad(week_col, f"missing value (give {week_col} or {date_col})")
            return None
        try:
            date = _as_date(text)
        except ValueError:
            self.bad(date_col, f"{text!r} is not a date (expected YYYY-MM-DD)")
            return None
        if self.ctx.start_date is None:
            self.bad(
                date_col,
                "dates need a stated start date (the date of week 0): "
                "--start-date on the command line or start_date in the config",
            )
            return None
        week = (date - self.ctx.start_date).days // 7
        if week < 0:
            self.bad(date_col, f"{text} is before the start date {self.ctx.start_date}")
            return None
        return week

    def _values(self, kind: str) -> dict[str, float | None]:
        observed = VALUE_COLUMNS[kind][0]  # the one a plan leaves blank
        vals = {
            c: self.number(
                c, integer=c in INTEGER_COLUMNS, required=not (self.plan and c == observed)
            )
            for c in VALUE_COLUMNS[kind]
        }
        for c in set(NUMBER_COLUMNS) - set(VALUE_COLUMNS[kind]):
            if self.raw.get(c):
                self.bad(c, f"{kind} measurements do not use this column; leave it blank")
        self._check_values(kind, vals)
        return vals

    def _check_values(self, kind: str, v: dict[str, float | None]) -> None:
        if kind in ("proportion", "tie_density", "adoption"):
            k, n = v["numerator"], v["denominator"]
            if n == 0:
                self.bad("denominator", "must be at least 1")
            elif k is not None and n is not None and k > n:
                self.bad("numerator", f"numerator ({k:g}) is above the denominator ({n:g})")
        elif kind == "rate" and v["exposure"] == 0:
            self.bad("exposure", "must be above 0 (practitioner-weeks observed)")
        elif kind == "score":
            if v["mean"] is not None and v["mean"] > 1:
                self.bad("mean", f"{v['mean']:g} is above 1: scores are on a 0-1 scale")
            if v["sd"] == 0:
                self.bad("sd", "must be above 0")
            if v["n"] == 0:
                self.bad("n", "must be at least 1")


def _estimate(kind: str, v: dict[str, float | None]) -> float | None:
    """The point estimate a row reports: proportion, rate per practitioner-week, or mean score."""
    if kind in ("proportion", "tie_density", "adoption") and v.get("numerator") is not None:
        return v["numerator"] / v["denominator"]
    if kind == "rate" and v.get("count") is not None:
        return v["count"] / v["exposure"]
    if kind == "score":
        return v.get("mean")
    return None
