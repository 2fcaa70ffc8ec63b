"""A scenario's cross-references: names used in one part that no other part defines, and
values that pass the schema field by field yet would fail later or silently do nothing.

Each problem is located in the file (the keys and list positions down to the entry that
has it), so the message can give its line.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from integration_sim.config.base import repeats
from integration_sim.config.catalogue import catalogue
from integration_sim.config.size import size_problems
from integration_sim.config.strategies import Names
from integration_sim.files import file_name_problem

# config.scenario calls these from its validator (and imports this module), so the
# scenario comes in untyped, as in config.size: a ``Scenario`` but for these checks.
Scenario = Any

Problem = tuple[tuple[str, ...], str]  # (location in the file, message)

# Charts read `$...$` as mathematics; a literal dollar is written \$.
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def cross_reference_problems(s: Scenario) -> list[Problem]:
    """Names used in one part of a scenario that no other part defines, and values
    that would pass the schema yet fail later or silently do nothing."""
    problems = _place_problems(s)
    if unsafe := file_name_problem(s.name, "scenario"):  # output folders are named by it
        problems.append((("name",), unsafe))
    types, roles = s.organisation_types, _roles(s)
    for name, b in s.behaviours.items():
        for field in ("performers", "partners"):
            at = ("behaviours", name, field)
            problems += _unknown_names(getattr(b, field), at, "organisation type", types)
        problems += _unknown_names(b.roles or [], ("behaviours", name, "roles"), "role", roles)
    for name, ct in s.case_types.items():
        problems += _unknown_names(
            ct.needs, ("case_types", name, "needs"), "organisation type", types
        )
        at = ("case_types", name, "behaviours")
        problems += _unknown_names(ct.behaviours, at, "behaviour", s.behaviours)
    known = {*catalogue("behaviours"), *s.behaviours}  # behaviour_set has filtered the rest
    for i, b in enumerate(s.behaviour_set or []):
        if b not in s.behaviours:
            problems.append((("behaviour_set", str(i)), _unknown("behaviour", b, known)))
    turnover = list(s.drivers.turnover)  # keyed by type: each is located by its own name
    at = ("drivers", "turnover")
    problems += _unknown_names(turnover, at, "organisation type", types, by_name=True)
    baseline = s.decision.baseline
    if baseline is not None and baseline not in s.strategies:
        problems.append((("decision", "baseline"), _unknown("strategy", baseline, s.strategies)))
    problems += _strategy_problems(s)
    problems += _text_problems(s)
    return problems + _network_target_problems(s) + size_problems(s)


def _place_problems(s: Scenario) -> list[Problem]:
    """A locality named twice (at the repeat), and organisations' unknown or repeated
    localities."""
    names = s.locality_names
    problems: list[Problem] = [
        (
            ("system", "localities", str(i), "name"),
            f"locality {names[i]!r} is already localities.{j}",
        )
        for i, j in repeats(names).items()
    ]
    localities = set(names)
    for i, org in enumerate(s.system.organisations):
        where = ("system", "organisations", str(i))
        if org.type not in s.organisation_types:
            problems.append(
                ((*where, "type"), _unknown("organisation type", org.type, s.organisation_types))
            )
        listed = org.localities if org.localities != "all" else []
        again = repeats(listed)
        for j, loc in enumerate(listed):
            if loc not in localities:
                problem = _unknown("locality", loc, localities)
            elif j in again:  # it would be placed there twice
                problem = f"locality {loc!r} is already localities.{again[j]}"
            else:
                continue
            problems.append(((*where, "localities", str(j)), problem))
    return problems


def _network_target_problems(s: Scenario) -> list[Problem]:
    """A network target on a measured network, or a mean degree the place cannot hold."""
    target, where = s.parameters.network.target, ("parameters", "network", "target")
    if target is None:
        return []
    if s.system.network is not None:
        return [
            (where, "a target shapes the generated network; this scenario names a measured one")
        ]
    staff: dict[str, int] = dict.fromkeys(s.locality_names, 0)  # practitioners per locality
    spanning = dict(staff)  # ... of them in organisations spanning several localities
    for org in s.system.organisations:
        kind = s.organisation_types.get(org.type)
        if kind is None:
            continue
        places = s.locality_names if org.localities == "all" else org.localities
        for name in places:
            staff[name] += org.count * (org.staff or kind.staff)
            if kind.scope == "system" and len(places) > 1:
                spanning[name] += org.count * (org.staff or kind.staff)
    # Generated ties stay in a locality, except those of spanning organisations' staff.
    total, spanners = sum(staff.values()), sum(spanning.values())
    reach = sum(
        spanning[name] * (total - 1)
        + (staff[name] - spanning[name]) * (staff[name] - 1 + spanners - spanning[name])
        for name in staff
    ) / max(total, 1)
    if target.mean_degree <= reach:
        return []
    return [
        (
            (*where, "mean_degree"),
            f"{target.mean_degree:g} ties per practitioner is more than this place allows "
            f"(at most {reach:.4g}: everyone tied to everyone they can meet)",
        )
    ]


def _strategy_problems(s: Scenario) -> list[Problem]:
    if not s.strategies:
        return [(("strategies",), "at least one strategy is needed")]
    problems: list[Problem] = []
    names = Names(set(s.locality_names), set(s.organisation_types), _roles(s))
    n_loc = len(s.system.localities)
    for name, strategy in s.strategies.items():
        where = ("strategies", name)
        if unsafe := file_name_problem(name, "strategy"):  # saved runs are named by it
            problems.append((where, unsafe))
        for p in strategy.problems(names):
            sub, _, msg = p.partition(": ")
            problems.append(((*where, *sub.split(".")), _with_suggestion(msg, s)))
        if strategy.kind != "custom" and strategy.start_week >= s.horizon_weeks:
            problems.append(((*where, "start_week"), _after_horizon(strategy.start_week, s)))
        if strategy.kind == "custom":
            for i, iv in enumerate(strategy.interventions):
                problems += _timing_problems(iv, (*where, "interventions", str(i)), s)
        elif strategy.kind == "pilot":
            first = len(strategy.localities) if strategy.localities else strategy.count
            needed = first + (strategy.rounds - 1) * strategy.count
            if needed > n_loc:
                field = "rounds" if strategy.rounds > 1 else "count"
                problems.append(
                    (
                        (*where, field),
                        f"the pilot needs {needed} localities "
                        f"({strategy.rounds} round(s) of {strategy.count}) but the place has {n_loc}",
                    )
                )
        elif strategy.kind == "staged" and strategy.waves > n_loc:
            problems.append(
                (
                    (*where, "waves"),
                    f"{strategy.waves} waves but only {n_loc} localities: "
                    "some waves would get the money and no locality",
                )
            )
    return problems


def _timing_problems(iv: Any, where: tuple[str, ...], s: Scenario) -> list[Problem]:
    if iv.start_week >= s.horizon_weeks:
        return [((*where, "start_week"), _after_horizon(iv.start_week, s))]
    if iv.end_week is not None and iv.end_week <= iv.start_week:
        return [
            (
                (*where, "end_week"),
                f"end_week {iv.end_week} is not after start_week "
                f"{iv.start_week} (end_week is exclusive): the intervention would never run",
            )
        ]
    return []


def _after_horizon(week: int, s: Scenario) -> str:
    return (
        f"starts in week {week}, at or after the end of the run (horizon_weeks "
        f"{s.horizon_weeks}): it would never run"
    )


def _text_problems(s: Scenario) -> list[Problem]:
    """Names and labels that charts show: a `$` would start mathematics there."""
    texts: list[tuple[tuple[str, ...], str]] = [(("name",), s.name)]
    texts += [
        (("system", "localities", str(i), "name"), loc.name)
        for i, loc in enumerate(s.system.localities)
    ]
    for section in ("strategies", "behaviours", "organisation_types"):
        for key, entry in getattr(s, section).items():
            texts += [((section, key), key), ((section, key, "label"), entry.label)]
    return [
        (loc, f"{text!r}: charts would read $...$ as mathematics; write \\$ for a dollar sign")
        for loc, text in texts
        if UNESCAPED_DOLLAR.search(text)
    ]


def _with_suggestion(message: str, s: Scenario) -> str:
    """Add "did you mean" to a strategy's "unknown locality 'X'" (or organisation type, role)."""
    found = re.fullmatch(r"unknown (locality|organisation type|role) '(.*)'", message)
    if not found:
        return message
    what, name = found.groups()
    known = {"locality": s.locality_names, "organisation type": s.organisation_types}
    return _unknown(what, name, known.get(what) or _roles(s))


def _roles(s: Scenario) -> set[str]:
    """Every role some organisation type of the scenario has."""
    return {role for kind in s.organisation_types.values() for role in kind.roles}


def _unknown_names(
    names: list[str], where: tuple[str, ...], what: str, known: Any, by_name: bool = False
) -> list[Problem]:
    """A problem at each of ``names`` that is not among ``known``: located under ``where``
    by its position in the list (or by the name itself, for a mapping's keys)."""
    return [
        ((*where, name if by_name else str(i)), _unknown(what, name, known))
        for i, name in enumerate(names)
        if name not in known
    ]


def _unknown(what: str, name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"
    return f"unknown {what} {name!r}{hint}"


def advice(s: Scenario) -> list[str]:
    """What a scenario allows but probably does not mean, as warnings: a case type that
    needs an organisation type some localities lack. Its cases there draw nobody of that
    type, so they are never handled in an integrated way. (A case type with rate 0 is left
    out on purpose; a measured network's types are its file's, read when the place is
    built: neither is checked here.)"""
    if s.system.network is not None:
        return []
    present: dict[str, set[str]] = {name: set() for name in s.locality_names}
    for org in s.system.organisations:
        for name in s.locality_names if org.localities == "all" else org.localities:
            present.get(name, set()).add(org.type)
    notes = []
    for name, ct in s.case_types.items():
        lacking = {
            loc: [t for t in dict.fromkeys(ct.needs) if t not in types]
            for loc, types in present.items()
        }
        lacking = {loc: missing for loc, missing in lacking.items() if missing}
        if ct.rate == 0 or not lacking:
            continue
        where = "every locality" if len(lacking) == len(present) else ", ".join(lacking)
        missing = sorted({t for types in lacking.values() for t in types})
        notes.append(
            f"case_types.{name}: its cases in {where} are never integrated, as nobody there "
            f"works for {', '.join(missing)} (add those organisations, or set its rate to 0)"
        )
    return notes
