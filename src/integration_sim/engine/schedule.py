"""Applying a strategy's interventions to practitioners, week by week.

Each intervention becomes a boolean mask over practitioners (its target) and a
time window. Each week the schedule reports, per practitioner, the strength
(0-1) of each funded primitive that reaches them, who is a champion, the spend
per locality, and which localities launched a new initiative.
"""

from __future__ import annotations

import numpy as np

from integration_sim.config.strategies import Intervention
from integration_sim.engine.network import TieTable
from integration_sim.engine.primitives import REGISTRY, Exposure, StartContext, empty_exposure
from integration_sim.engine.state import Population


class Schedule:
    """The interventions of one strategy, resolved against a population."""

    def __init__(
        self,
        interventions: list[Intervention],
        pop: Population,
        horizon: int,
        lag_weeks: dict[str, int] | None = None,
        fidelity: np.ndarray | None = None,
    ) -> None:
        """``lag_weeks``: set-up weeks per primitive before it acts (spending starts at once);
        ``fidelity`` [N]: share of a funded primitive's strength that reaches each practitioner."""
        self.interventions = interventions
        self.pop = pop
        self.horizon = horizon
        self.lags = [(lag_weeks or {}).get(iv.kind, 0) for iv in interventions]
        self.masks = [self._mask(iv) for iv in interventions]
        reach = np.ones(pop.size) if fidelity is None else fidelity
        self.weights = [m * reach for m in self.masks]
        self.champions: dict[int, np.ndarray] = {}  # intervention index -> practitioner rows
        self._launches = self._launch_table()
        self._starts: dict[int, list[int]] = {}  # week -> interventions with a start effect
        for i, iv in enumerate(interventions):
            if REGISTRY[iv.kind].start is not None:
                self._starts.setdefault(self.acting(i), []).append(i)
        # Exposures built so far, by what decides them (see ``exposure``), and each
        # intervention's (index, start, end, first week acting) as plain numbers.
        self._exposures: dict[tuple, Exposure] = {}
        self._windows = [
            (i, iv.start_week, self.end(iv), self.acting(i)) for i, iv in enumerate(interventions)
        ]

    # ------------------------------------------------------------------ targets
    def _mask(self, iv: Intervention) -> np.ndarray:
        pop, t = self.pop, iv.target
        mask = np.ones(pop.size, dtype=bool)
        if t.localities != "all":
            mask &= np.isin(pop.locality, [pop.locality_names.index(n) for n in t.localities])
        if t.organisation_types != "all":
            mask &= np.isin(
                pop.organisation_type, [pop.type_names.index(n) for n in t.organisation_types]
            )
        if t.roles != "all":
            mask &= np.isin(
                pop.role, [pop.role_names.index(r) for r in t.roles if r in pop.role_names]
            )
        return mask

    def end(self, iv: Intervention) -> int:
        """Exclusive end week of an intervention (the horizon if open-ended)."""
        return self.horizon if iv.end_week is None else iv.end_week

    def active(self, week: int) -> list[int]:
        """Indices of interventions running (spending) in ``week``."""
        return [
            i for i, iv in enumerate(self.interventions) if iv.start_week <= week < self.end(iv)
        ]

    def acting(self, i: int) -> int:
        """First week intervention ``i`` acts: its start plus its set-up lag."""
        return self.interventions[i].start_week + self.lags[i]

    def localities_of(self, i: int) -> np.ndarray:
        """bool [L]: localities an intervention reaches."""
        hit = np.bincount(self.pop.locality[self.masks[i]], minlength=len(self.pop.locality_names))
        return hit > 0

    # ----------------------------------------------------------------- launches
    def _launch_table(self) -> dict[int, list[np.ndarray]]:
        """Week -> the initiatives launched that week, each as a bool [L] of the
        localities it lands in. A bundle launched together (same phase, start week
        and localities) is one initiative, however many primitives it has."""
        seen: set[tuple[str, int, bytes]] = set()
        table: dict[int, list[np.ndarray]] = {}
        for i, iv in enumerate(self.interventions):
            if not iv.launch:
                continue
            locs = self.localities_of(i)
            key = (iv.phase, iv.start_week, locs.tobytes())
            if key not in seen:
                seen.add(key)
                table.setdefault(iv.start_week, []).append(locs)
        return table

    def launches(self, week: int) -> list[np.ndarray]:
        """Initiatives launched this week, each a bool [L] of the localities it lands in."""
        return self._launches.get(week, [])

    # ----------------------------------------------------------------- exposure
    def exposure(self, week: int) -> Exposure:
        """Strength of each primitive reaching each practitioner this week, and the spend.

        An exposure depends only on which interventions run, which of them act (set-up
        done) and whether their champions are chosen, so the same object is returned
        for as long as those stay the same (weeks, often years): callers only read it.
        """
        key = tuple(
            (i, week >= acting, i in self.champions)
            for i, start, end, acting in self._windows
            if start <= week < end
        )  # as ``active`` and ``acting`` give them, without their per-week lookups
        out = self._exposures.get(key)
        if out is None:
            out = self._exposures[key] = self._build_exposure(week)
        return out

    def _build_exposure(self, week: int) -> Exposure:
        n_loc = len(self.pop.locality_names)
        out = empty_exposure(self.pop.size, n_loc)
        for i in self.active(week):
            iv, mask = self.interventions[i], self.masks[i]
            if week >= self.acting(i):  # set-up done
                REGISTRY[iv.kind].reach(out, iv, self.weights[i], self.champions.get(i))
            if iv.cost_per_week > 0:
                staff = np.bincount(self.pop.locality[mask], minlength=n_loc).astype(float)
                if staff.sum() > 0:
                    out.spend += iv.cost_per_week * staff / staff.sum()
        return out

    def start(self, week: int, ties: TieTable, rng: np.random.Generator) -> None:
        """Run the start effects of interventions whose set-up ends this week, in schedule order."""
        for i in self._starts.get(week, ()):
            iv = self.interventions[i]
            start = REGISTRY[iv.kind].start
            start(iv, self.masks[i], StartContext(self.pop, ties, rng, self.champions, i))

    # ------------------------------------------------------------- derived facts
    def funding_end(self) -> int | None:
        """Week (exclusive) the last paid intervention stops, within the horizon; None if none."""
        return funding_end(self.interventions, self.horizon)

    def first_localities(self) -> np.ndarray:
        """bool [L]: localities reached by the earliest-starting interventions."""
        n_loc = len(self.pop.locality_names)
        if not self.interventions:
            return np.zeros(n_loc, dtype=bool)
        first = min(iv.start_week for iv in self.interventions)
        out = np.zeros(n_loc, dtype=bool)
        for i, iv in enumerate(self.interventions):
            if iv.start_week == first:
                out |= self.localities_of(i)
        return out


def funding_periods(interventions: list[Intervention], horizon: int) -> list[tuple[str, int, int]]:
    """(phase, first week, end week exclusive) of paid work, one per phase, by start.

    Ends are cut at the horizon: nothing is funded in weeks that are not simulated.
    """
    spans: dict[str, list[int]] = {}
    for iv in interventions:
        if iv.cost_per_week <= 0:
            continue
        end = horizon if iv.end_week is None else min(iv.end_week, horizon)
        lo_hi = spans.setdefault(iv.phase or iv.kind, [iv.start_week, end])
        lo_hi[0], lo_hi[1] = min(lo_hi[0], iv.start_week), max(lo_hi[1], end)
    return sorted(((p, lo, hi) for p, (lo, hi) in spans.items()), key=lambda t: (t[1], t[2]))


def funding_end(interventions: list[Intervention], horizon: int) -> int | None:
    """Week (exclusive) the last paid intervention stops, within the horizon; None if none.

    The one definition: summaries (sustainability) and charts both use it.
    """
    periods = funding_periods(interventions, horizon)
    return max(hi for _, _, hi in periods) if periods else None
