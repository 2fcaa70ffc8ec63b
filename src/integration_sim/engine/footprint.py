"""How much memory a run will need, known before any work starts.

The model's arrays grow with the number of practitioners (state, ties, the
sparse matrices of each week); the rest (records, catalogue, interpreter and
libraries) is roughly fixed. The two figures below are measured:
``python benchmarks/bench_memory.py`` runs the generated place of
benchmarks/scaled_place.py (mean degree about 18, 156 weeks, the network kept as
replicate 0 keeps it) in a fresh process at 10,000 to 1,000,000 practitioners
and prints peak resident memory against this estimate. A straight line through
those peaks gives about 345 MB + 1,500 bytes per practitioner (1.84 GB at a
million); the figures below are set so that every measured peak is at least 6%
under the estimate (10% to 15% at most sizes): it errs on the side of refusing.
"""

from __future__ import annotations

import os

from integration_sim.config.scenario import Scenario
from integration_sim.engine.network_files import load_network
from integration_sim.engine.state import organisation_layout
from integration_sim.errors import InputError

FIXED_BYTES = 380e6  # interpreter, libraries, records: bytes per run whatever its size
BYTES_PER_PRACTITIONER = 1.7e3  # state, ties and weekly matrices


def practitioners(scenario: Scenario) -> int:
    """Practitioners the place will have: a measured network's (its files read and checked
    against the scenario, so a mistake in them stops here, before any run), else the
    organisations' posts."""
    if scenario.system.network is not None:
        return len(load_network(scenario, scenario.system.network).ids)
    _, posts = organisation_layout(scenario)
    return int(sum(count for *_, count in posts))


def run_bytes(scenario: Scenario) -> float:
    """Estimated peak memory of one run, in bytes."""
    return bytes_for(practitioners(scenario))


def bytes_for(practitioners: int) -> float:
    """Estimated peak memory of one run of a place with ``practitioners``, in bytes."""
    return FIXED_BYTES + BYTES_PER_PRACTITIONER * practitioners


def available_bytes() -> float | None:
    """Memory the machine can give now (MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(
    scenario: Scenario, at_once: int, available: float | None = None, staff: int | None = None
) -> int:
    """Refuse a scenario one run of which cannot fit in memory; return how many runs can
    go at once (at most ``at_once``), so workers are reduced rather than swapping.
    ``staff``: its practitioners, when already counted (a measured network's are read
    from its files).

    Raises:
        InputError: when even one run needs more memory than is available.
    """
    available = available_bytes() if available is None else available
    if available is None:
        return at_once
    staff = practitioners(scenario) if staff is None else staff
    need = bytes_for(staff)
    if need > available:
        raise InputError(
            f"one run of this place ({staff:,} practitioners) needs about "
            f"{need / 1e9:.1f} GB of memory and {available / 1e9:.1f} GB is available: "
            "use fewer or smaller organisations (staff, count)",
            field="system.organisations",
        )
    return max(1, min(at_once, int(available // need)))
