"""Pinpoint measurement files: the CSV format, validation and collation.

One row is one measurement: one locator organisation measuring one behaviour on
one relationship (from one organisation type or role to another) in one
locality (or ``all``) over one period. The format is documented in
docs/measurement-format.md; :data:`COLUMNS` lists every column.

Validation reports every problem at once, each naming the file, the row (the
line number in the file, the header being row 1) and the column, and raises
:class:`~integration_sim.errors.InputErrors` (exit status 2 on the command line).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from integration_sim.errors import InputError, InputErrors
from integration_sim.scenario import catalogue

if TYPE_CHECKING:
    from integration_sim.scenario import Scenario

KINDS = ("proportion", "rate", "tie_density", "score", "adoption")
"""Measurement kinds. ``adoption`` rows are made by :mod:`.adoption`, not typed by hand."""

VALUE_COLUMNS = {
    "proportion": ("numerator", "denominator"),
    "tie_density": ("numerator", "denominator"),
    "adoption": ("numerator", "denominator"),
    "rate": ("count", "exposure"),
    "score": ("mean", "sd", "n"),
}
"""Value columns each kind needs (a plan leaves the first one, or ``mean``, blank)."""

SCALES = ("habit", "trust")
"""What a ``score`` measures: habit strength or cross-boundary trust, both on 0-1."""

COLUMNS = [
    "measurement_id",
    "locator",
    "behaviour",
    "from",
    "to",
    "locality",
    "start_week",
    "end_week",
    "start_date",
    "end_date",
    "kind",
    "scale",
    "numerator",
    "denominator",
    "count",
    "exposure",
    "mean",
    "sd",
    "n",
    "notes",
]
"""Every column a measurement file may have, in documentation order."""

REQUIRED = ("locator", "from", "to", "kind")
NUMBER_COLUMNS = ("numerator", "denominator", "count", "exposure", "mean", "sd", "n")
INTEGER_COLUMNS = ("numerator", "denominator", "count", "n")

OUTPUT_COLUMNS = [
    "measurement_id",
    "locator",
    "behaviour",
    "from",
    "to",
    "from_type",
    "to_type",
    "locality",
    "start_week",
    "end_week",
    "kind",
    "scale",
    "numerator",
    "denominator",
    "count",
    "exposure",
    "mean",
    "sd",
    "n",
    "estimate",
    "notes",
    "source_file",
    "source_row",
]
"""Columns of a validated, collated measurement table."""


class MeasurementError(InputError):
    """A problem in one cell of a measurement file: names file, row and column."""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        row = f"row {self.line}, " if self.line else ""
        col = f"column {self.field!r}: " if self.field else ""
        return f"{where}{row}{col}{self.message}"


@dataclass
class Context:
    """What measurements are checked against (from a scenario or the catalogue).

    ``localities`` and ``horizon_weeks`` of None mean "not checked".
    ``start_date`` is the date of week 0, needed for rows giving dates.
    """

    behaviours: dict[str, tuple[list[str], list[str]]]
    organisation_types: list[str]
    roles: dict[str, str] = field(default_factory=dict)
    localities: list[str] | None = None
    horizon_weeks: int | None = None
    start_date: dt.date | None = None

    def type_of(self, name: str) -> str | None:
        """Organisation type for a type or role name, ``all`` for all, else None."""
        if name == "all" or name in self.organisation_types:
            return name
        return self.roles.get(name)


def context_from_scenario(
    scenario: Scenario | None = None, start_date: dt.date | str | None = None
) -> Context:
    """Validation context from a scenario (or, if None, from the shipped catalogue)."""
    start = _as_date(start_date) if isinstance(start_date, str) else start_date
    if scenario is None:
        behaviours = {
            n: (b["performers"], b["partners"])
            for n, b in catalogue("behaviours").items()
            if b.get("level", "practitioner") == "practitioner"
        }
        types = catalogue("organisation_types")
        roles = {r: t for t, ot in types.items() for r in ot.get("roles", {})}
        return Context(behaviours, list(types), roles, start_date=start)
    behaviours = {
        n: (list(scenario.behaviours[n].performers), list(scenario.behaviours[n].partners))
        for n in scenario.practitioner_behaviours
    }
    types = scenario.organisation_types
    roles = {r: t for t, ot in types.items() for r in ot.roles}
    return Context(
        behaviours, list(types), roles, scenario.locality_names, scenario.horizon_weeks, start
    )


# ------------------------------------------------------------------------- reading


def read_measurements(
    path: str | Path, context: Context | None = None, *, plan: bool = False
) -> pd.DataFrame:
    """Read and validate one measurement file; return the tidy table (:data:`OUTPUT_COLUMNS`).

    With ``plan=True`` the observed values (numerator, count, mean) may be blank:
    a plan states what will be measured and how much (denominator, exposure, n, sd).
    Raises InputErrors listing every problem with file, row and column.
    """
    path = Path(path)
    context = context or context_from_scenario()
    rows, problems = _read_rows(path)
    out = []
    for line, raw in rows:
        checker = _RowChecker(path, line, raw, context, plan)
        record = checker.check()
        problems.extend(checker.problems)
        if record is not None:
            out.append(record)
    if problems:
        raise InputErrors(problems)
    df = pd.DataFrame(out, columns=OUTPUT_COLUMNS)
    for c in (*NUMBER_COLUMNS, "estimate"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    _fill_ids(df)
    return df


def _read_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[InputError]]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate Excel's byte-order mark
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", file=path) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise MeasurementError("the file is empty; expected a header row", file=path, line=1)
    header = [h.strip() for h in header]
    problems: list[InputError] = []
    for col in header:
        if col not in COLUMNS:
            problems.append(
                MeasurementError(
                    f"unknown column (known columns: {', '.join(COLUMNS)})",
                    file=path,
                    line=1,
                    field=col,
                )
            )
    for col in REQUIRED:
        if col not in header:
            problems.append(
                MeasurementError("required column is missing", file=path, line=1, field=col)
            )
    if problems:
        raise InputErrors(problems)
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank lines are harmless
        if len(values) != len(header):
            problems.append(
                MeasurementError(
                    f"has {len(values)} values but the header has {len(header)} columns",
                    file=path,
                    line=line,
                )
            )
            continue
        rows.append((line, {h: v.strip() for h, v in zip(header, values, strict=True)}))
    if not rows and not problems:
        problems.append(
            MeasurementError("no measurements: the file has only a header", file=path, line=1)
        )
    return rows, problems


class _RowChecker:
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


def _as_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _estimate(kind: str, v: dict[str, float | None]) -> float | None:
    """The point estimate a row reports: proportion, rate per practitioner-week, or mean score."""
    if kind in ("proportion", "tie_density", "adoption") and v.get("numerator") is not None:
        return v["numerator"] / v["denominator"]
    if kind == "rate" and v.get("count") is not None:
        return v["count"] / v["exposure"]
    if kind == "score":
        return v.get("mean")
    return None


def _fill_ids(df: pd.DataFrame) -> None:
    blank = df["measurement_id"].isna() | (df["measurement_id"] == "")
    df.loc[blank, "measurement_id"] = [
        f"{loc}:{row}"
        for loc, row in zip(df.loc[blank, "locator"], df.loc[blank, "source_row"], strict=True)
    ]


def read_many(
    paths: list[str | Path], context: Context | None = None, *, plan: bool = False
) -> pd.DataFrame:
    """Read and validate several files, reporting the problems of all of them together."""
    frames, problems = [], []
    for p in paths:
        try:
            frames.append(read_measurements(p, context, plan=plan))
        except InputErrors as exc:
            problems.extend(exc.errors)
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise InputErrors(problems)
    if not frames:
        raise InputError("no measurement files given")
    df = pd.concat(frames, ignore_index=True)
    dupes = df["measurement_id"][df["measurement_id"].duplicated()].unique()
    if len(dupes):
        raise InputError(
            f"measurement_id used more than once: {', '.join(map(str, dupes))}",
            field="measurement_id",
        )
    return df


def write_measurements(df: pd.DataFrame, path: str | Path) -> None:
    """Write measurements back in the documented CSV format (weeks, not dates)."""
    from integration_sim.files import atomic_path

    cols = [
        "measurement_id",
        "locator",
        "behaviour",
        "from",
        "to",
        "locality",
        "start_week",
        "end_week",
        "kind",
        "scale",
        "numerator",
        "denominator",
        "count",
        "exposure",
        "mean",
        "sd",
        "n",
        "notes",
    ]
    out = df.reindex(columns=cols)
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, float_format="%.10g")
