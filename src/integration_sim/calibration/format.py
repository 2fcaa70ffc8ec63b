"""The measurement file format: columns, kinds, and what rows are checked against.

See docs/measurement-format.md. :mod:`.measurements` reads and writes files;
:mod:`.rows` checks each row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from integration_sim.config.catalogue import catalogue
from integration_sim.errors import InputError

if TYPE_CHECKING:
    from integration_sim.config.scenario import Scenario

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

WRITTEN_COLUMNS = [c for c in COLUMNS if c not in ("start_date", "end_date")]
"""Columns of a measurement file this tool writes (periods always in weeks)."""

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


def _as_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())
