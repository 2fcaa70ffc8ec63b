"""The strict base every schema model shares, and the constrained number types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Labels are drawn in chart titles and legends: a longer one pushes the chart apart.
LABEL_LENGTH = 80


def _zero_without_sign(x: float) -> float:
    """``x``, with -0.0 (which YAML reads from "-0.0" or "-0") made 0.0: the same number, but
    a sign bit that compiled passes read (a tie weight's sign marks a lost tie) and that
    trust updates do not keep, so a value that is never negative never carries one."""
    return x + 0.0


Share = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_zero_without_sign)]
NonNegative = Annotated[float, Field(ge=0.0), AfterValidator(_zero_without_sign)]
Week = Annotated[int, Field(ge=0)]
Finite = Annotated[float, Field(allow_inf_nan=False)]  # NaN and infinities are mistakes here
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _some_names(names: list[str] | str) -> list[str] | str:
    """A list of names that picks who or where (types, roles, localities) has one at least:
    an empty one would pick nobody and nowhere without a word."""
    if isinstance(names, list) and not names:
        raise ValueError("give at least one name (an empty list picks nobody), or leave it out")
    return names


NameList = Annotated[list[str], AfterValidator(_some_names)]
NamesOrAll = Annotated[list[str] | Literal["all"], AfterValidator(_some_names)]


def repeats(names: Sequence[str]) -> dict[int, int]:
    """The positions of names given again in a list, each with the position of its first
    appearance (the checks report a repeat where it is, naming the first)."""
    first: dict[str, int] = {}
    again: dict[int, int] = {}
    for i, name in enumerate(names):
        if name in first:
            again[i] = first[name]
        else:
            first[name] = i
    return again


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, and so are NaN and infinite
    numbers (no field means anything by them: a rate or a need of .inf would pass its
    lower bound and then fail, or run forever, far from the line that set it)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
