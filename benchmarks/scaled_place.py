"""A generated place of any size, for benchmarks: N practitioners, 5 behaviours, mean degree ~20."""

from __future__ import annotations

from integration_sim.config.load import parse_scenario
from integration_sim.config.scenario import Scenario

# Share of each locality's practitioners by organisation type.
MIX = {
    "acute_trust": 0.30,
    "community_health": 0.15,
    "mental_health": 0.08,
    "adult_social_care": 0.15,
    "housing": 0.05,
    "gp_practice": 0.20,
    "voluntary_sector": 0.07,
}


def scaled_scenario(
    practitioners: int,
    localities: int | None = None,
    horizon_weeks: int = 52,
    strategy: dict | None = None,
) -> Scenario:
    """A scenario with about ``practitioners`` practitioners and a generated network of
    mean degree about 20 (teams of 12, 6 extra ties inside the organisation, 2 across)."""
    n_loc = localities or max(2, min(20, practitioners // 5_000))
    per_loc = practitioners / n_loc
    orgs = []
    for otype, share in MIX.items():
        staff = per_loc * share
        if otype in ("gp_practice", "voluntary_sector"):
            count = max(1, round(staff / 25))
            orgs.append({"type": otype, "count": count, "staff": max(1, round(staff / count))})
        else:
            orgs.append({"type": otype, "count": 1, "staff": max(1, round(staff))})
    data = {
        "name": f"scaled_{practitioners}",
        "seed": 7,
        "replicates": 1,
        "horizon_weeks": horizon_weeks,
        "behaviour_set": [
            "information_sharing",
            "joint_assessment",
            "trusted_assessment",
            "shared_care_planning",
            "vcs_referral",
        ],
        "system": {
            "localities": [
                {"name": f"L{i:02d}", "population": 50_000, "readiness": 0.3 + 0.4 * (i % 3) / 2}
                for i in range(n_loc)
            ],
            "organisations": orgs,
        },
        "parameters": {
            "network": {
                "team_size": 12,
                "within_organisation_ties": 6.0,
                "cross_boundary_ties": 2.0,
            }
        },
        "strategies": {
            "pilot": strategy
            or {
                "kind": "pilot",
                "count": max(1, n_loc // 4),
                "start_week": 4,
                "funding": {"budget": 25.0 * practitioners * 26, "duration_weeks": 26},
            }
        },
    }
    return parse_scenario(data)
