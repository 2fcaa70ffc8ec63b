"""Writing output files so that an interrupted job never leaves one that looks complete."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from integration_sim.errors import InputError

try:  # POSIX; elsewhere folders are not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

MANIFEST = "manifest.json"  # present only in a complete output folder: written last
LOCK = ".lock"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes owner-only files; give the result the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON atomically."""
    write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_table(df: pd.DataFrame, path_stem: str | Path, csv: bool = True) -> list[Path]:
    """Write ``df`` as ``<stem>.parquet`` (and ``<stem>.csv``) atomically; return the paths."""
    stem = Path(path_stem)
    written = []
    with atomic_path(stem.with_suffix(".parquet")) as tmp:
        # zstd: about 15% smaller than the default (snappy) on the weekly records, read everywhere.
        df.to_parquet(tmp, index=False, compression="zstd")
    written.append(stem.with_suffix(".parquet"))
    if csv:
        with atomic_path(stem.with_suffix(".csv")) as tmp:
            spreadsheet_safe(df).to_csv(tmp, index=False, float_format="%.8g")
        written.append(stem.with_suffix(".csv"))
    return written


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula."""


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with text cells that a spreadsheet would run as a formula neutralised by a
    leading apostrophe (shown as text, not run). Numbers are left alone; the Parquet
    files keep the text exactly as given."""
    out = None
    for col in df.columns:
        if df[col].dtype == object or isinstance(
            df[col].dtype, pd.CategoricalDtype | pd.StringDtype
        ):
            values = df[col].astype(object)
            risky = values.map(lambda x: isinstance(x, str) and x.startswith(FORMULA_STARTS))
            if risky.any():
                out = df.copy() if out is None else out
                out[col] = values.where(~risky, "'" + values.astype(str))
    return df if out is None else out


# Names that become file or folder names: one path part, no separator, no "..".
SAFE_NAME = re.compile(r"\w[\w .()+-]{0,79}")


def file_name_problem(name: str, what: str) -> str | None:
    """Why ``name`` (a ``what``: scenario, strategy, experiment) cannot name a file or
    folder, or None: it must be one path part that cannot climb out of its folder."""
    if SAFE_NAME.fullmatch(name) and not name.endswith((" ", ".")):
        return None
    return (
        f"{what} name {name!r} is used in file names: use letters, digits, spaces and "
        "_ - . ( ) + only (at most 80 characters, no / or ..)"
    )


def content_hash(data: bytes | str) -> str:
    """SHA-256 hex digest of ``data``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def prepare_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and parents) or explain, as an InputError, why it cannot be."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("is a file, not a folder: choose another output folder", file=folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            "cannot be made: part of its path is a file, not a folder", file=folder
        ) from None
    except OSError as exc:
        raise InputError(f"cannot make the output folder: {exc.strerror}", file=folder) from None
    return folder


@contextlib.contextmanager
def locked_folder(folder: str | Path, fresh: bool = True) -> Iterator[Path]:
    """Hold ``folder`` for one job: create it, lock it against a second job writing there
    at the same time, and remove any old manifest first, so that the folder looks
    complete only once this job writes its own manifest (last).

    ``fresh=False`` keeps the manifest (a sweep's manifest is its resume state).
    The lock is an OS file lock on ``folder/.lock``: it goes when the process ends,
    however it ends, so a killed job never blocks the next.
    """
    folder = prepare_folder(folder)
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(
            f"cannot write in the output folder: {exc.strerror}", file=folder
        ) from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(
                    "another job is writing to this folder now: wait for it to finish, "
                    "or choose another output folder",
                    file=folder,
                ) from None
        try:
            if fresh:
                (folder / MANIFEST).unlink(missing_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot write in the output folder: {exc.strerror}", file=folder
            ) from None
        yield folder
    finally:
        os.close(fd)  # closing releases the lock
