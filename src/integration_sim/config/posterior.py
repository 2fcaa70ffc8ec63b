"""Reading posterior files a scenario names, and drawing one weighted sample per run.

A posterior file has one row per weighted sample, a column per parameter (a
dotted scenario path) and ``weight``. ``calibrate`` writes them; scenario runs
read them (``parameters: {posterior: PATH}``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from integration_sim.errors import InputError

WEIGHT = "weight"
# Columns of the observation model, which a calibration may fit as well: they describe how
# the data were measured, not the place, so scenario runs leave them out.
OBSERVATION = "observation."


def load_posterior(path: str | Path) -> pd.DataFrame:
    """Read and validate a posterior file (.parquet or .csv); InputError naming the file if bad.

    Parameter columns must be dotted scenario paths with finite numbers;
    ``weight`` must be finite, non-negative and not all zero. Weights are
    returned normalised to sum to 1.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError("posterior file not found", file=path) from None
    # Runs re-read the file once per replicate; cache on (path, mtime, size).
    return _load_cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size).copy()


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int, _size: int) -> pd.DataFrame:
    try:
        df = pd.read_csv(path) if path.endswith(".csv") else pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault
        raise InputError(f"cannot read posterior file: {exc}", file=path) from None
    return validate_posterior(df, path)


def validate_posterior(df: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """Check a posterior table (see :func:`load_posterior`); return it with normalised weights."""
    if WEIGHT not in df.columns:
        raise InputError("no 'weight' column", file=path, field=WEIGHT)
    params = [c for c in df.columns if c != WEIGHT]
    if not params:
        raise InputError("no parameter columns (expected dotted scenario paths)", file=path)
    if len(df) == 0:
        raise InputError("no samples", file=path)
    for c in params:
        if not isinstance(c, str) or "." not in c:
            raise InputError(
                "parameter columns must be dotted scenario paths, "
                "e.g. behaviours.joint_assessment.coefficients.social",
                file=path,
                field=str(c),
            )
        values = pd.to_numeric(df[c], errors="coerce")
        if not np.isfinite(values.to_numpy(dtype=float)).all():
            raise InputError("values must be finite numbers", file=path, field=c)
    w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be finite, >= 0 and not all zero", file=path, field=WEIGHT)
    out = df[params].astype(float)
    out[WEIGHT] = w / w.sum()
    return out.reset_index(drop=True)


def parameters(df: pd.DataFrame) -> list[str]:
    """The parameter columns of a posterior table."""
    return [c for c in df.columns if c != WEIGHT]


def scenario_parameters(df: pd.DataFrame) -> list[str]:
    """The parameter columns of a posterior table that set scenario values."""
    return [c for c in parameters(df) if not c.startswith(OBSERVATION)]


def draw(posterior_df: pd.DataFrame, rng: np.random.Generator) -> dict[str, float]:
    """One weighted sample: ``{dotted.path: value}``."""
    w = posterior_df[WEIGHT].to_numpy(dtype=float)
    i = int(rng.choice(len(w), p=w / w.sum()))
    row = posterior_df.iloc[i]
    return {c: float(row[c]) for c in parameters(posterior_df)}
