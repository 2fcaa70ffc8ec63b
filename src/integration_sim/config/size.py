"""How big a scenario's place and its weekly work would be, and the limits a run accepts.

Each field passes the schema on its own, yet together they can ask for more than any
machine can run: a billion GP practices, or a population whose cases a week take hours.
These checks run with the scenario's other checks, before any work, from the fields
alone (nothing is built), so a mistyped zero is reported at its line instead of
filling memory or running for days.
"""

from __future__ import annotations

from typing import Any

# The scenario's own checks call these (config.scenario imports this module), so the
# scenario comes in untyped: a validated ``Scenario`` but for these limits.
Scenario = Any
Problem = tuple[tuple[str, ...], str]  # (location in the file, message), as config.scenario

# One million practitioners take about 1.5 GB (docs/performance.md), so twice that still
# fits a laptop; the shipped places have about 1,400 and 2,100.
MAX_PRACTITIONERS = 2_000_000
MAX_ORGANISATIONS = 20_000  # each is a Mesa agent with its own state
# New cases a week at the peak of winter and of the demand trend, over the whole place:
# the shipped places' busiest weeks have about 170 and 270 (peak_weekly_cases).
MAX_WEEKLY_CASES = 1_000_000
MAX_REPLICATES = 10_000  # runs per strategy (as experiments allow)


def staffing(s: Scenario) -> list[tuple[int, int]]:
    """(organisations, practitioners) of each ``system.organisations`` entry."""
    out = []
    for spec in s.system.organisations:
        otype = s.organisation_types.get(spec.type)
        if otype is None:  # reported by the cross-reference checks
            out.append((0, 0))
            continue
        n_loc = len(s.locality_names) if spec.localities == "all" else len(spec.localities)
        staff = spec.staff or otype.staff
        organisations = spec.count if otype.scope == "system" else spec.count * n_loc
        out.append((organisations, spec.count * staff * n_loc))
    return out


def peak_weekly_cases(s: Scenario) -> list[float]:
    """Expected new cases in each locality in the busiest week of the horizon: residents
    / 1000 x need x the case types' rates, at the seasonal peak and at the trend's
    highest point (its first or last week)."""
    rates = sum(ct.rate for ct in s.case_types.values())
    d = s.drivers
    trend = max(1.0, (1.0 + d.demand_trend) ** (s.horizon_weeks / 52.0))
    peak = (1.0 + d.seasonal.demand_amplitude) * trend
    return [loc.population / 1000.0 * loc.need * rates * peak for loc in s.system.localities]


def size_problems(s: Scenario) -> list[Problem]:
    """A place with more practitioners, organisations or cases a week than a run holds."""
    if s.system.network is not None:  # a measured network sets the practitioners
        return _case_problems(s)
    problems: list[Problem] = []
    sizes = staffing(s)
    practitioners = sum(p for _, p in sizes)
    organisations = sum(o for o, _ in sizes)
    if practitioners > MAX_PRACTITIONERS:
        problems.append(
            (
                ("system", "organisations", _largest(sizes, 1), "count"),
                f"this place would have {practitioners:,} practitioners (count x staff x "
                f"localities, over every entry); a run holds at most {MAX_PRACTITIONERS:,}",
            )
        )
    elif organisations > MAX_ORGANISATIONS:
        problems.append(
            (
                ("system", "organisations", _largest(sizes, 0), "count"),
                f"this place would have {organisations:,} organisations; a run holds at most "
                f"{MAX_ORGANISATIONS:,}",
            )
        )
    return problems + _case_problems(s)


def _largest(sizes: list[tuple[int, int]], column: int) -> str:
    """The index of the entry with the most organisations (0) or practitioners (1)."""
    return str(max(range(len(sizes)), key=lambda i: sizes[i][column])) if sizes else "0"


def _case_problems(s: Scenario) -> list[Problem]:
    cases = peak_weekly_cases(s)
    if sum(cases) <= MAX_WEEKLY_CASES:
        return []
    busiest = max(range(len(cases)), key=cases.__getitem__)
    return [
        (
            ("system", "localities", str(busiest), "population"),
            f"about {sum(cases):,.0f} new cases a week at the peak (residents / 1000 x need x "
            f"case rates, with winter and the demand trend); a run handles at most "
            f"{MAX_WEEKLY_CASES:,}",
        )
    ]
