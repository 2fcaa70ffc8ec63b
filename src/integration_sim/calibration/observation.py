"""Observation models: each measurement's statistic computed from a simulation, and its likelihood.

For every measurement row the same statistic is computed from a run's tallies
(:class:`integration_sim.outcomes.Tallies`) over the same locality, relationship
and recorded weeks of the period:

============  ===========================================  =====================================
kind          simulated statistic                          likelihood of the measured values
============  ===========================================  =====================================
proportion    performed / encounters                       binomial (beta-binomial if overdispersed)
rate          performed / practitioner-weeks               Poisson(count | exposure * rate)
tie_density   cross-boundary ties / possible pairs         binomial
score habit   mean habit strength of the performers (0-1)  normal(mean | statistic, sd / sqrt(n))
score trust   mean trust over the cross-boundary ties      normal(mean | statistic, sd / sqrt(n))
adoption      new adopters / not-yet-adopters (hazard)     pooled-hazard beta-binomial (.adoption_likelihood)
============  ===========================================  =====================================

The measured values are a sample from the simulated place; the simulated
statistic is that place's true value, so model noise (finite population,
random behaviour) and measurement noise are kept apart: ABC supplies the first,
the likelihood the second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from integration_sim.calibration.adoption_likelihood import (
    group_log_likelihood,
    saturated_log_likelihood,
)
from integration_sim.errors import InputError

LOG_FLOOR = -1.0e4
"""Log-likelihood of a measurement whose statistic the simulation cannot define (nothing observed)."""

_EPS = 1e-9


@dataclass(frozen=True)
class Selector:
    """Index lists into the tallies' axes for one measurement."""

    weeks: np.ndarray  # indices of recorded weeks within the period
    localities: np.ndarray
    behaviour: int | None
    performers: np.ndarray  # organisation-type indices on the "from" side
    partners: np.ndarray  # organisation-type indices on the "to" side
    before: int | None = None  # adoption: recorded week just before the period (None = none)


def _index(names: list[str], value: str, what: str, column: str) -> np.ndarray:
    if value == "all":
        return np.arange(len(names))
    if value not in names:
        raise InputError(
            f"{what} {value!r} is not in the simulated place ({', '.join(names)})", field=column
        )
    return np.array([names.index(value)])


def selector(row: pd.Series, tallies) -> Selector:
    """Where in ``tallies`` the measurement in ``row`` looks; InputError if it cannot be found."""
    weeks = np.asarray(tallies.weeks)
    inside = np.flatnonzero((weeks >= row["start_week"]) & (weeks <= row["end_week"]))
    if len(inside) == 0:
        raise InputError(
            f"no recorded week in weeks {row['start_week']}-{row['end_week']}: "
            "record every week (record_every: 1) or widen the period",
            field="start_week",
        )
    types = list(tallies.organisation_types)
    behaviour = None
    if row["behaviour"] != "all":
        behaviour = int(
            _index(list(tallies.behaviours), row["behaviour"], "behaviour", "behaviour")[0]
        )
    performers = _index(types, row["from_type"], "organisation type", "from")
    before = np.flatnonzero(weeks < row["start_week"])
    return Selector(
        inside,
        _index(list(tallies.localities), row["locality"], "locality", "locality"),
        behaviour,
        performers,
        _index(types, row["to_type"], "organisation type", "to"),
        int(before[-1]) if len(before) else None,
    )


def _sum(arr: np.ndarray, *axes: np.ndarray | int | None) -> float:
    """Sum of ``arr`` over the cross product of the given index lists (ints pick one)."""
    index = [np.atleast_1d(a) for a in axes]
    return float(arr[np.ix_(*index)].sum())


def statistic(row: pd.Series, sel: Selector, t) -> float:
    """The simulated value of ``row``'s statistic (NaN when its denominator is zero)."""
    w, loc, b, a, c = sel.weeks, sel.localities, sel.behaviour, sel.performers, sel.partners
    kind, scale = row["kind"], row["scale"]
    if kind == "proportion":
        num, den = _sum(t.performed, w, loc, b, a, c), _sum(t.encounters, w, loc, b, a, c)
    elif kind == "rate":
        num, den = _sum(t.performed, w, loc, b, a, c), _sum(t.practitioners, w, loc, a)
    elif kind == "tie_density":
        num, den = _sum(t.ties, w, loc, a, c), _sum(t.pairs, w, loc, a, c)
    elif kind == "score" and scale == "trust":
        num, den = _sum(t.trust_sum, w, loc, a, c), _sum(t.ties, w, loc, a, c)
    elif kind == "score":
        num, den = _sum(t.habit_sum, w, loc, b, a), _sum(t.practitioners, w, loc, a)
    elif kind == "adoption":
        return _hazard(sel, t)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return num / den if den > 0 else float("nan")


def _hazard(sel: Selector, t) -> float:
    """Share of practitioners not yet adopting by the period's start who adopt within it."""
    new, at_risk = adoption_counts(sel, t)
    return float(np.clip(new / at_risk, 0.0, 1.0)) if at_risk > 0 else float("nan")


def adoption_counts(sel: Selector, t) -> tuple[float, float]:
    """(new adopters within the period, eligible practitioners not adopted by its start).

    Eligible means able to perform the behaviour: its performing organisation
    types *and* its ``roles`` (the ``eligible`` tally), so a behaviour for
    doctors only is measured over doctors.
    """
    end = int(sel.weeks[-1])
    adopted_end = _sum(t.adopters, end, sel.localities, sel.behaviour)
    start = int(sel.weeks[0]) if sel.before is None else sel.before
    adopted_start = (
        0.0 if sel.before is None else _sum(t.adopters, start, sel.localities, sel.behaviour)
    )
    eligible = _sum(t.eligible, start, sel.localities, sel.behaviour)
    # Leavers who had adopted can make the count fall: that is no new adopters,
    # exactly as adoption.read_adoption treats the data.
    return max(adopted_end - adopted_start, 0.0), max(eligible - adopted_start, 0.0)


# ---------------------------------------------------------------------- likelihoods


def log_likelihood(row: pd.Series, value: float, overdispersion: float = 0.0) -> float:
    """Log-likelihood of ``row``'s measured values given the simulated statistic ``value``.

    ``overdispersion`` (0-1) is the intra-class correlation of a beta-binomial
    for proportion-like kinds: 0 gives the binomial; larger values allow for
    clustering of encounters within practitioners or teams.
    """
    if not np.isfinite(value):
        return LOG_FLOOR
    kind = row["kind"]
    if kind == "rate":
        mu = max(value * row["exposure"], _EPS)
        return float(stats.poisson.logpmf(row["count"], mu))
    if kind == "score":
        se = row["sd"] / np.sqrt(row["n"])
        return float(stats.norm.logpdf(row["mean"], value, se))
    p = float(np.clip(value, _EPS, 1 - _EPS))
    k, n = row["numerator"], row["denominator"]
    if overdispersion > 0:
        conc = 1.0 / overdispersion - 1.0
        return float(stats.betabinom.logpmf(k, n, p * conc, (1 - p) * conc))
    return float(stats.binom.logpmf(k, n, p))


def max_log_likelihood(row: pd.Series, overdispersion: float = 0.0) -> float:
    """The largest log-likelihood any simulated statistic could give ``row`` (saturated fit)."""
    kind = row["kind"]
    if kind == "rate":
        return log_likelihood(row, row["count"] / row["exposure"])
    if kind == "score":
        return log_likelihood(row, row["mean"])
    return log_likelihood(row, row["numerator"] / row["denominator"], overdispersion)


def sample(
    row: pd.Series, value: float, rng: np.random.Generator, overdispersion: float = 0.0
) -> dict:
    """Draw the measured values a measurement of ``row``'s size would give if the truth were ``value``.

    Returns the value columns (numerator, count or mean) to fill in; NaN value
    (nothing to observe in the simulation) gives zero observed.
    """
    value = 0.0 if not np.isfinite(value) else float(value)
    kind = row["kind"]
    if kind == "rate":
        return {"count": float(rng.poisson(value * row["exposure"]))}
    if kind == "score":
        se = row["sd"] / np.sqrt(row["n"])
        return {"mean": float(np.clip(rng.normal(value, se), 0.0, 1.0))}
    p = float(np.clip(value, 0.0, 1.0))
    if overdispersion > 0 and 0 < p < 1:
        conc = 1.0 / overdispersion - 1.0
        p = rng.beta(p * conc, (1 - p) * conc)
    return {"numerator": float(rng.binomial(int(row["denominator"]), p))}


@dataclass(frozen=True)
class _AdoptionIndex:
    """Adoption rows' selectors as arrays, so their counts take a few array operations.

    Counts are whole numbers, so summing them in another order gives the same floats.
    """

    end: np.ndarray  # [rows] recorded week at the end of the period
    start: np.ndarray  # [rows] week just before the period (or its first week)
    has_before: np.ndarray  # [rows] False if no week was recorded before the period
    cells: np.ndarray  # [rows, L, B] 1.0 at the row's localities and behaviour(s)

    @classmethod
    def build(cls, selectors: list[Selector], shape: tuple[int, int]) -> _AdoptionIndex:
        mask = np.zeros((len(selectors), *shape))
        for k, sel in enumerate(selectors):
            behaviours = slice(None) if sel.behaviour is None else sel.behaviour
            mask[k, sel.localities, behaviours] = 1.0
        return cls(
            end=np.array([int(s.weeks[-1]) for s in selectors], dtype=np.intp),
            start=np.array(
                [int(s.weeks[0]) if s.before is None else s.before for s in selectors],
                dtype=np.intp,
            ),
            has_before=np.array([s.before is not None for s in selectors], dtype=bool),
            cells=mask,
        )

    def total(self, tally: np.ndarray, weeks: np.ndarray) -> np.ndarray:
        """Per row: ``tally`` [W, L, B] at ``weeks`` summed over the row's cells."""
        return (tally[weeks] * self.cells).sum(axis=(1, 2))


class ObservationModel:
    """All measurements of a calibration: selectors built once, statistics and likelihoods per run.

    ``overdispersion`` and ``locality_sd`` are the defaults of the observation
    parameters (a calibration may fit them, passing each candidate's values to
    :meth:`log_likelihood`). Rows of kind ``adoption`` use the pooled-hazard
    likelihood of :mod:`.adoption_likelihood` when given simulated counts.
    """

    def __init__(
        self, measurements: pd.DataFrame, overdispersion: float = 0.0, locality_sd: float = 0.0
    ) -> None:
        self.measurements = measurements.reset_index(drop=True)
        self.overdispersion = overdispersion
        self.locality_sd = locality_sd
        self._selectors: list[Selector] | None = None
        self._adoption: _AdoptionIndex | None = None
        self._rows = [row for _, row in self.measurements.iterrows()]
        m = self.measurements
        adoption = (m["kind"] == "adoption").to_numpy()
        self.adoption_rows = np.flatnonzero(adoption)
        # One random effect per behaviour and locality of each adoption series.
        groups = m[adoption].groupby(["locator", "behaviour", "locality"], sort=False).indices
        self._groups = [self.adoption_rows[i] for i in groups.values()]
        self._other = np.flatnonzero(~adoption)

    @property
    def keys(self) -> list[str]:
        """Summary-statistic names, one per measurement, in row order (zero-padded for sorting)."""
        return [f"m{i:04d}" for i in range(len(self._rows))]

    def _index(self, tallies) -> list[Selector]:
        if self._selectors is None:
            # Axes are the same in every run of one scenario, so index once.
            self._selectors = [self._selector(r, tallies) for r in self._rows]
        return self._selectors

    def statistics(self, tallies) -> np.ndarray:
        """Each measurement's simulated statistic from one run's tallies."""
        sels = self._index(tallies)
        out = np.empty(len(self._rows))
        for i in self._other:
            out[i] = statistic(self._rows[i], sels[i], tallies)
        if len(self.adoption_rows):
            new, at_risk = self.adoption_counts(tallies).T
            with np.errstate(divide="ignore", invalid="ignore"):
                hazard = np.clip(new / at_risk, 0.0, 1.0)
            out[self.adoption_rows] = np.where(at_risk > 0, hazard, np.nan)
        return out

    def adoption_counts(self, tallies) -> np.ndarray:
        """[adoption rows, 2]: simulated new adopters and practitioners at risk, per adoption row.

        The same counts as :func:`adoption_counts` row by row, in a few array
        operations: a calibration computes them for every candidate's runs.
        """
        ix = self._adoption_index(tallies)
        adopted_end = ix.total(tallies.adopters, ix.end)
        adopted_start = np.where(ix.has_before, ix.total(tallies.adopters, ix.start), 0.0)
        eligible = ix.total(tallies.eligible, ix.start)
        # Leavers who had adopted can make the count fall: no new adopters (as in the data).
        new = np.maximum(adopted_end - adopted_start, 0.0)
        return np.stack([new, np.maximum(eligible - adopted_start, 0.0)], axis=1)

    def cumulative_adopters(self, tallies) -> np.ndarray:
        """Simulated practitioners who have adopted by the end of each adoption row's period."""
        ix = self._adoption_index(tallies)
        return ix.total(tallies.adopters, ix.end)

    def _adoption_index(self, tallies) -> _AdoptionIndex:
        if self._adoption is None:
            sels = self._index(tallies)
            self._adoption = _AdoptionIndex.build(
                [sels[i] for i in self.adoption_rows],
                (len(tallies.localities), len(tallies.behaviours)),
            )
        return self._adoption

    def _selector(self, row: pd.Series, tallies) -> Selector:
        """Index one measurement; a failure names its file, row and column (or its id)."""
        from integration_sim.calibration.format import MeasurementError

        try:
            return selector(row, tallies)
        except InputError as exc:
            source = row.get("source_file")
            if isinstance(source, str) and source:
                raise MeasurementError(
                    exc.message, file=source, line=int(row["source_row"]), field=exc.field
                ) from None
            raise InputError(
                f"{exc.field}: {exc.message}", field=str(row["measurement_id"])
            ) from None

    def log_likelihood(
        self,
        values: np.ndarray,
        counts: np.ndarray | None = None,
        overdispersion: float | None = None,
        locality_sd: float | None = None,
    ) -> float:
        """Total log-likelihood of the observed values given simulated statistics.

        ``counts`` ([adoption rows, 2], pooled over replicate runs) switch
        adoption rows to the pooled-hazard likelihood; without them each
        adoption row is a binomial at its simulated hazard. Measurements are
        independent given the simulated place, except the periods of one
        adoption series, which share their locality's random effect.
        """
        rho = self.overdispersion if overdispersion is None else overdispersion
        tau = self.locality_sd if locality_sd is None else locality_sd
        rows = self._rows
        if counts is None:
            return float(sum(log_likelihood(r, v, rho) for r, v in zip(rows, values, strict=True)))
        total = sum(log_likelihood(rows[i], values[i], rho) for i in self._other)
        position = {int(row): k for k, row in enumerate(self.adoption_rows)}
        m = self.measurements
        for group in self._groups:
            sim = counts[[position[int(i)] for i in group]]
            total += group_log_likelihood(
                m["numerator"].to_numpy(float)[group],
                m["denominator"].to_numpy(float)[group],
                sim[:, 0],
                sim[:, 1],
                rho,
                tau,
            )
        return float(total)

    def max_log_likelihood(self) -> float:
        """Sum of the saturated log-likelihoods: an upper bound of :meth:`log_likelihood`."""
        m = self.measurements
        other = sum(max_log_likelihood(self._rows[i], self.overdispersion) for i in self._other)
        a = self.adoption_rows
        return float(
            other
            + saturated_log_likelihood(
                m["numerator"].to_numpy(float)[a], m["denominator"].to_numpy(float)[a]
            )
        )

    def sample(self, values: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        """Synthetic measurements: the rows with observed values drawn around ``values``."""
        out = self.measurements.copy()
        for i, (r, v) in enumerate(zip(self._rows, values, strict=True)):
            for col, x in sample(r, v, rng, self.overdispersion).items():
                out.loc[i, col] = x
        out["estimate"] = estimates(out)
        return out


def estimates(df: pd.DataFrame) -> pd.Series:
    """Each row's point estimate from its values (proportion, rate per practitioner-week or mean)."""
    est = pd.Series(np.nan, index=df.index)
    ratio = df["kind"].isin(["proportion", "tie_density", "adoption"])
    est[ratio] = df.loc[ratio, "numerator"] / df.loc[ratio, "denominator"]
    rate = df["kind"] == "rate"
    est[rate] = df.loc[rate, "count"] / df.loc[rate, "exposure"]
    score = df["kind"] == "score"
    est[score] = df.loc[score, "mean"]
    return est
