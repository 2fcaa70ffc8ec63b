"""Pinpoint measurement files: reading, validating and writing them.

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
from pathlib import Path

import pandas as pd

from integration_sim.calibration.format import (  # noqa: F401 - re-exported for callers
    COLUMNS,
    INTEGER_COLUMNS,
    KINDS,
    NUMBER_COLUMNS,
    OUTPUT_COLUMNS,
    REQUIRED,
    SCALES,
    VALUE_COLUMNS,
    WRITTEN_COLUMNS,
    Context,
    MeasurementError,
    context_from_scenario,
)
from integration_sim.calibration.rows import RowChecker
from integration_sim.errors import InputError, InputErrors
from integration_sim.files import FORMULA_STARTS

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
        checker = RowChecker(path, line, raw, context, plan)
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


MAX_FILE_BYTES = 50_000_000
"""Largest measurement file read (about 500,000 rows, 2 GB of memory to collate); a
programme's files are thousands of rows, so a larger one is most likely the wrong file."""


def _read_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[InputError]]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(
                f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB "
                f"({path.stat().st_size / 1e6:,.0f} MB); is it the right file?",
                file=path,
            )
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
    problems = _header_problems(path, header)
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
        rows.append((line, {h: _cell(v) for h, v in zip(header, values, strict=True)}))
    if not rows and not problems:
        problems.append(
            MeasurementError("no measurements: the file has only a header", file=path, line=1)
        )
    return rows, problems


def _header_problems(path: Path, header: list[str]) -> list[InputError]:
    """Unknown, repeated and missing columns of a measurement file's header."""
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
    for col in sorted({c for c in header if header.count(c) > 1}):
        problems.append(
            MeasurementError(
                f"column appears {header.count(col)} times; keep one", file=path, line=1, field=col
            )
        )
    for col in REQUIRED:
        if col not in header:
            problems.append(
                MeasurementError("required column is missing", file=path, line=1, field=col)
            )
    return problems


def _cell(value: str) -> str:
    """A cell's text, without the apostrophe written to keep a spreadsheet from running it."""
    value = value.strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


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
            frames.append(read_measurements(p, context, plan=plan).assign(_file=str(p)))
        except InputErrors as exc:
            problems.extend(exc.errors)
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise InputErrors(problems)
    if not frames:
        raise InputError("no measurement files given")
    df = pd.concat(frames, ignore_index=True)
    _check_unique_ids(df)
    return df.drop(columns="_file")


def _check_unique_ids(df: pd.DataFrame) -> None:
    """Every repeat of a measurement_id, at its own file and line, naming the first use."""
    repeated = df[df["measurement_id"].duplicated(keep=False)]
    problems = []
    for mid, group in repeated.groupby("measurement_id", sort=False):
        first = group.iloc[0]
        for later in group.iloc[1:].to_dict("records"):
            problems.append(
                InputError(
                    f"measurement_id {mid!r} used more than once (first at "
                    f"{first['_file']}:{int(first['source_row'])})",
                    file=later["_file"],
                    line=int(later["source_row"]),
                    field="measurement_id",
                )
            )
    if problems:
        raise InputErrors(problems[:50])


def write_measurements(df: pd.DataFrame, path: str | Path) -> None:
    """Write measurements back in the documented CSV format (weeks, not dates)."""
    from integration_sim.files import atomic_path, spreadsheet_safe

    out = df.reindex(columns=WRITTEN_COLUMNS)
    with atomic_path(path) as tmp:
        spreadsheet_safe(out).to_csv(tmp, index=False, float_format="%.10g")
