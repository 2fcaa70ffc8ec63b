"""Observed adoption times, turned into ``adoption`` measurements for calibration.

Two formats (docs/measurement-format.md):

- ``times``: ``practitioner, week`` (the week a practitioner first performed the
  behaviour). Practitioners are those of the scenario's measured network
  (``system.network``), which gives each one's locality and organisation type;
  those of the network absent from the file never adopted within the horizon.
- ``cumulative``: ``locality, week, adopters, eligible`` (adopters so far at
  the end of ``week``, out of ``eligible`` practitioners).

Both become, per locality and period, a discrete-time hazard: of the eligible
practitioners who had not adopted by the period's start, how many adopted
within it (likelihood: :mod:`.adoption_likelihood`). Counts are of current
staff, so they may fall when adopters leave (turnover); a fall counts as no
new adopters in that period, in the data and the model alike
(:func:`.observation.adoption_counts`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from integration_sim.calibration.measurements import OUTPUT_COLUMNS, MeasurementError
from integration_sim.config.scenario import Scenario
from integration_sim.errors import InputError, InputErrors


def read_adoption(spec, scenario: Scenario, path: Path) -> pd.DataFrame:
    """Adoption measurements (OUTPUT_COLUMNS rows of kind ``adoption``) from one config entry."""
    if spec.behaviour not in scenario.practitioner_behaviours:
        raise InputError(f"unknown behaviour {spec.behaviour!r}", field="adoption.behaviour")
    df = _read(path)
    if spec.format == "times":
        counts = _times_to_cumulative(df, path, scenario, spec.behaviour, spec.period_weeks)
    else:
        counts = _check_cumulative(df, path, scenario)
    return _hazards(counts, spec.behaviour, spec.locator, path)


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=path) from None


def _need(df: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputErrors(
            [
                MeasurementError("required column is missing", file=path, line=1, field=c)
                for c in missing
            ]
        )


def _int_column(df: pd.DataFrame, path: Path, col: str, problems: list) -> np.ndarray:
    out = np.zeros(len(df), dtype=np.int64)
    for i, text in enumerate(df[col]):
        try:
            out[i] = int(text)
            if out[i] < 0:
                raise ValueError
        except ValueError:
            problems.append(
                MeasurementError(
                    f"{text!r} is not a whole number >= 0", file=path, line=i + 2, field=col
                )
            )
    return out


def practitioner_table(scenario: Scenario) -> pd.DataFrame:
    """Measured network practitioners: id, locality, organisation_type (one row each)."""
    from integration_sim.engine.network_files import load_network

    if scenario.system.network is None:
        raise InputError(
            "adoption times by practitioner need the scenario's measured network "
            "(system.network); otherwise give cumulative counts",
            field="adoption.format",
        )
    net = load_network(scenario, scenario.system.network)
    rows = []
    for org, loc, _role, count in net.posts:  # posts follow the row order of net.ids
        rows += [(loc, net.organisations[org].type)] * count
    return pd.DataFrame(rows, columns=["locality", "organisation_type"]).assign(id=net.ids)


def _times_to_cumulative(
    df: pd.DataFrame, path: Path, scenario: Scenario, behaviour: str, period: int
) -> pd.DataFrame:
    _need(df, path, ("practitioner", "week"))
    problems: list[InputError] = []
    weeks = _int_column(df, path, "week", problems)
    people = practitioner_table(scenario)
    performers = set(scenario.behaviours[behaviour].performers)
    eligible = people[people["organisation_type"].isin(performers)]
    loc_of = dict(zip(eligible["id"], eligible["locality"], strict=True))
    for i, pid in enumerate(df["practitioner"]):
        if pid not in loc_of:
            problems.append(
                MeasurementError(
                    f"practitioner {pid!r} is not an eligible practitioner of the measured network",
                    file=path,
                    line=i + 2,
                    field="practitioner",
                )
            )
        elif weeks[i] >= scenario.horizon_weeks:
            problems.append(
                MeasurementError(
                    f"week {weeks[i]} is outside the horizon (0 to {scenario.horizon_weeks - 1})",
                    file=path,
                    line=i + 2,
                    field="week",
                )
            )
    if df["practitioner"].duplicated().any():
        i = int(np.flatnonzero(df["practitioner"].duplicated())[0])
        problems.append(
            MeasurementError(
                "practitioner listed twice", file=path, line=i + 2, field="practitioner"
            )
        )
    if problems:
        raise InputErrors(problems)
    first = pd.DataFrame({"locality": df["practitioner"].map(loc_of), "week": weeks})
    ends = list(range(period - 1, scenario.horizon_weeks, period))
    rows = []
    for loc, n in eligible.groupby("locality").size().items():
        w = first.loc[first["locality"] == loc, "week"].to_numpy()
        rows += [
            {
                "locality": loc,
                "week": e,
                "adopters": int((w <= e).sum()),
                "eligible": int(n),
                "source_row": 0,
            }
            for e in ends
        ]
    return pd.DataFrame(rows)


def _check_cumulative(df: pd.DataFrame, path: Path, scenario: Scenario) -> pd.DataFrame:
    _need(df, path, ("locality", "week", "adopters", "eligible"))
    problems: list[InputError] = []
    out = pd.DataFrame(
        {
            "locality": df["locality"],
            **{c: _int_column(df, path, c, problems) for c in ("week", "adopters", "eligible")},
            "source_row": np.arange(len(df)) + 2,
        }
    )
    for i, row in out.iterrows():
        line = int(row["source_row"])
        if row["locality"] not in scenario.locality_names:
            problems.append(
                MeasurementError(
                    f"unknown locality {row['locality']!r}", file=path, line=line, field="locality"
                )
            )
        if row["adopters"] > row["eligible"]:
            problems.append(
                MeasurementError(
                    f"adopters ({row['adopters']}) above eligible ({row['eligible']})",
                    file=path,
                    line=line,
                    field="adopters",
                )
            )
        if row["week"] >= scenario.horizon_weeks:
            problems.append(
                MeasurementError(
                    f"week {row['week']} is outside the horizon", file=path, line=line, field="week"
                )
            )
        del i
    if problems:
        raise InputErrors(problems)
    return out


def _hazards(counts: pd.DataFrame, behaviour: str, locator: str, path: Path) -> pd.DataFrame:
    """Successive cumulative counts -> rows: new adopters among those at risk, per period."""
    rows = []
    for loc, g in counts.groupby("locality", sort=False):
        previous_week, previous = -1, 0
        for _, r in g.sort_values("week").iterrows():
            at_risk = int(r["eligible"]) - previous
            if at_risk > 0 and r["week"] > previous_week:
                rows.append(
                    {
                        "measurement_id": f"{locator}:{loc}:{previous_week + 1}-{r['week']}",
                        "locator": locator,
                        "behaviour": behaviour,
                        "from": "all",
                        "to": "all",
                        "from_type": "all",
                        "to_type": "all",
                        "locality": loc,
                        "start_week": previous_week + 1,
                        "end_week": int(r["week"]),
                        "kind": "adoption",
                        "scale": "",
                        "numerator": float(max(r["adopters"] - previous, 0)),
                        "denominator": float(at_risk),
                        "estimate": max(r["adopters"] - previous, 0) / at_risk,
                        "notes": "from adoption data",
                        "source_file": str(path),
                        "source_row": int(r["source_row"]),
                        "cumulative_adopters": float(r["adopters"]),
                        "eligible": float(r["eligible"]),
                    }
                )
            previous_week, previous = int(r["week"]), int(r["adopters"])
    return pd.DataFrame(rows).reindex(columns=[*OUTPUT_COLUMNS, *ADOPTION_COLUMNS])


ADOPTION_COLUMNS = ["cumulative_adopters", "eligible"]
"""Extra columns of adoption rows: the data's own numbers at the period's end (for reports)."""


def simulate_adoption(
    scenario: Scenario,
    behaviour: str,
    period_weeks: int = 4,
    *,
    seed: int | None = None,
    strategy: str | None = None,
) -> pd.DataFrame:
    """Census adoption data from one simulated run: ``locality, week, adopters, eligible``.

    One row per locality at the end of every ``period_weeks`` weeks (the
    ``cumulative`` format). No sampling noise is added: every eligible
    practitioner is counted, as in a programme's own adoption records.
    """
    from integration_sim.engine.seeds import run_seed
    from integration_sim.runs import simulate

    if behaviour not in scenario.practitioner_behaviours:
        raise InputError(f"unknown behaviour {behaviour!r}", field="behaviour")
    seed = run_seed(scenario.seed, 0) if seed is None else seed
    t = simulate(scenario, strategy, seed=seed, tallies=True).tallies
    b = t.behaviours.index(behaviour)
    rows = []
    for i, week in enumerate(t.weeks):
        if (week + 1) % period_weeks == 0:
            for j, loc in enumerate(t.localities):
                adopters, eligible = int(t.adopters[i, j, b]), int(t.eligible[i, j, b])
                rows.append(
                    {"locality": loc, "week": week, "adopters": adopters, "eligible": eligible}
                )
    return pd.DataFrame(rows, columns=["locality", "week", "adopters", "eligible"])
