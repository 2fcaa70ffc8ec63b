"""Ties across localities: staff of organisations that span localities, and the
cross-boundary contacts that reach beyond a practitioner's home locality.

Organisations with system scope (acute trust, council adult social care,
community and mental health trusts) employ teams that cover several localities
(discharge teams, social workers with patches across neighbourhoods, shared
governance). Their staff therefore know colleagues in other localities, and a
share of their cross-boundary contacts are with other organisations' staff in
other localities. These ties are the only route by which practice can travel
between localities without money: they make spread possible, not assumed.
"""

from __future__ import annotations

import numpy as np

from integration_sim.config.schema import NetworkParameters
from integration_sim.engine.network import CROSS, WITHIN, TieTable
from integration_sim.engine.state import Population


def spans(pop: Population) -> np.ndarray:
    """bool [N]: practitioners of an organisation with staff in more than one locality."""
    multi = np.array([len(o.localities) > 1 for o in pop.organisations], dtype=bool)
    return multi[pop.organisation] if multi.size else np.zeros(pop.size, dtype=bool)


def away_partners(
    pop: Population, src: np.ndarray, rng: np.random.Generator, same_organisation: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One partner in another locality per row of ``src``: a colleague of the same
    organisation (``same_organisation``) or a practitioner of another organisation.
    Draws that land in the home locality or on the wrong organisation are dropped."""
    if src.size == 0 or pop.size == 0:
        return src, src
    if same_organisation:
        # Rows are grouped by organisation, so each organisation is a contiguous block.
        starts = np.searchsorted(pop.organisation, pop.organisation[src], side="left")
        ends = np.searchsorted(pop.organisation, pop.organisation[src], side="right")
        dst = starts + np.floor(rng.random(src.size) * (ends - starts)).astype(np.int64)
        keep = pop.locality[dst] != pop.locality[src]
    else:
        dst = np.floor(rng.random(src.size) * pop.size).astype(np.int64)
        keep = (pop.locality[dst] != pop.locality[src]) & (
            pop.organisation[dst] != pop.organisation[src]
        )
    return src[keep], dst[keep]


def add_spanning_ties(
    pop: Population, ties: TieTable, params: NetworkParameters, rng: np.random.Generator
) -> None:
    """Add the ties across localities of a generated place (see the module docstring).

    Each practitioner of a spanning organisation gets on average ``spanning_ties``
    ties to colleagues in other localities, and enough cross-boundary ties to
    other localities that ``cross_locality_share`` of their cross-boundary ties
    leave the home locality.
    """
    rows = np.flatnonzero(spans(pop))
    if rows.size == 0:
        return
    k = rng.poisson(params.spanning_ties / 2.0, size=rows.size)
    u, v = away_partners(pop, np.repeat(rows, k), rng, same_organisation=True)
    ties.add(u, v, params.team_trust, WITHIN)
    share = min(params.cross_locality_share, 0.95)
    away = params.cross_boundary_ties * share / (1.0 - share)
    k = rng.poisson(away / 2.0, size=rows.size)
    u, v = away_partners(pop, np.repeat(rows, k), rng, same_organisation=False)
    ties.add(u, v, params.initial_trust, CROSS)
