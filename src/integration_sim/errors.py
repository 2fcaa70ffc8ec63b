"""The one exception type for a user's mistake.

Anything a user can get wrong (a scenario, experiment, measurement or network
file, a command-line option) raises :class:`InputError`. The CLI prints its
message and exits with status 2, without a traceback; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A problem in something the user supplied.

    Args:
        message: what is wrong and what was expected.
        file: the file at fault, if any.
        field: the dotted field or column name at fault, if any.
        line: the 1-based line (or CSV row) number, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.field = field
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class InputErrors(InputError):
    """Several problems found in one pass, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
        # The first problem's location, for callers that look at one.
        first = errors[0] if errors else None
        self.file = first.file if first else None
        self.field = first.field if first else None
        self.line = first.line if first else None

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class FieldProblems(ValueError):
    """Problems a schema validator found, each at its own field.

    Raised inside pydantic validators (which only pass ``ValueError`` on), so the
    message for each problem can still name its own field and line.

    Args:
        problems: (location, message) pairs; a location is a tuple of keys and
            list positions from the validated mapping's root.
    """

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(loc)}: {msg}" for loc, msg in problems))
