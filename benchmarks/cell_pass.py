"""What the practitioners' pass spends its time on, part by part, on a real flagship week.

Run:  python benchmarks/cell_pass.py [--week W] [--repeats R]
Writes benchmarks/results/cell_pass.json. The flagship place (scenarios/
pilot_vs_system_wide.yaml, ``system_wide``) runs to week ``W``; the practitioners' pass of
that week is then timed part by part on copies of its own inputs (wall time, best of
``R``, each part alone, so its data is warm in the caches):

- ``ready``: champions, opportunity and the mean peer share (``practitioners._ready``);
- ``draws``: filling the week's 2 x N x B uniforms from the behaviour stream;
- ``cells``: the cell pass as the engine runs it (``practitioners._cells``);
- ``cells_without_rule_function``: the same compiled pass with the rule's logistic
  function (an exponential and a division per encounter) replaced by a straight line.
  Its values are wrong: it exists only to measure what that arithmetic costs, which is
  a bound on what any cheaper way of computing the rule could save.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import types
from pathlib import Path

import numba
import numpy as np

from integration_sim.config.load import load_scenario
from integration_sim.engine import behaviour, practitioners
from integration_sim.engine.draws import address, fill
from integration_sim.engine.model import IntegrationModel

HERE = Path(__file__).resolve().parent
FLAGSHIP = HERE.parent / "scenarios" / "pilot_vs_system_wide.yaml"


@numba.njit(cache=False, inline="always")
def _straight_line(z, contagion, social, share, noise):
    """A stand-in for ``behaviour.rule_chance`` with no exponential and no division."""
    return noise + (1.0 - noise) * (0.5 + 0.1 * z)


def _without_rule_function() -> object:
    """``practitioners._cells`` compiled again with ``rules.rule_chance`` swapped for the
    straight line: the same source, so the two differ in that arithmetic only."""
    shim = types.ModuleType("rules_without_rule_function")
    shim.__dict__.update({k: v for k, v in vars(behaviour).items() if not k.startswith("__")})
    shim.rule_chance = _straight_line
    source = practitioners._cells.py_func
    namespace = {**source.__globals__, "rules": shim}
    return numba.njit(types.FunctionType(source.__code__, namespace, "cells_without_rule"))


def week_inputs(week: int) -> tuple:
    """The arguments the engine passed to ``practitioners._week`` in week ``week``."""
    seen: list[tuple] = []
    engine_week = practitioners._week

    def keep(*args):
        if len(seen) == week:
            seen.append(copy.deepcopy(args))
        else:
            seen.append(())
        return engine_week(*args)

    practitioners._week = keep
    try:
        model = IntegrationModel(load_scenario(FLAGSHIP), strategy="system_wide", seed=1)
        for _ in range(week + 1):
            model.step()
    finally:
        practitioners._week = engine_week
    model.release()
    return seen[week]


def best_us(call, repeats: int) -> float:
    """Microseconds of ``call()`` (best of ``repeats``)."""
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=400)
    args = parser.parse_args()
    inputs = week_inputs(args.week)
    rows, meeting, channels, week, rule, social, _, skills, habits, learn, motivate = inputs[:11]
    champion, organisation, _, eligible, _ = rows
    motivation = motivate[0]
    opportunity, _ = practitioners._ready(
        champion, organisation, channels, week, skills[0].copy(), motivation.copy(), social[0]
    )
    draws = np.random.default_rng(1).random((2, *eligible.shape))
    stream = address(np.random.default_rng(2))
    buffer = np.empty(draws.size)
    without = _without_rule_function()

    def cells(kernel):
        def call():
            state = tuple(x.copy() for x in skills)  # the pass writes its state in place
            return kernel(
                eligible, (draws, meeting[1]), rule, social, opportunity, motivation, state,
                habits, learn,
            )  # fmt: skip

        return call

    # Each timed call copies the state the part writes in place; that copying is taken off.
    copying = best_us(lambda: tuple(x.copy() for x in skills), args.repeats)
    copying_ready = best_us(lambda: (skills[0].copy(), motivation.copy()), args.repeats)
    encountered, performed = cells(practitioners._cells)()
    parts = {
        "ready": best_us(
            lambda: practitioners._ready(
                champion,
                organisation,
                channels,
                week,
                skills[0].copy(),
                motivation.copy(),
                social[0],
            ),
            args.repeats,
        )
        - copying_ready,  # fmt: skip
        "draws": best_us(lambda: fill(stream, buffer), args.repeats),
        "cells": best_us(cells(practitioners._cells), args.repeats) - copying,
        "cells_without_rule_function": best_us(cells(without), args.repeats) - copying,
    }
    out = {
        "week": args.week,
        "practitioners": int(eligible.shape[0]),
        "behaviours": int(eligible.shape[1]),
        "eligible_cells": int(eligible.sum()),
        "encounters": int(encountered.sum()),
        "performed": int(performed.sum()),
        "uniforms": int(draws.size),
        "parts_us": parts,
        "rule_function_us": parts["cells"] - parts["cells_without_rule_function"],
    }
    print(
        f"flagship week {args.week}: {out['practitioners']:,} practitioners x "
        f"{out['behaviours']} behaviours, {out['eligible_cells']:,} eligible cells, "
        f"{out['encounters']:,} encounters"
    )
    for name, us in parts.items():
        print(f"  {name:30s} {us:7.1f} us")
    print(f"  the rule's logistic function: {out['rule_function_us']:.1f} us of the cell pass")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "cell_pass.json").write_text(json.dumps(out, indent=2))
    print("wrote benchmarks/results/cell_pass.json")


if __name__ == "__main__":
    main()
