"""Where a week's time goes: the compiled calls, as the week makes them, and the Python
between them.

Run:  python benchmarks/week_calls.py [--place flagship|core-10k] [--weeks W] [--repeats R]
Writes benchmarks/results/week_calls.json (``flagship``, the default) or
week_calls-core-10k.json. ``flagship``: scenarios/pilot_vs_system_wide.yaml under
``system_wide``, 250 weeks by default. ``core-10k``: the 10,000-practitioner place of
``bench_engine.py`` with only the work the per-agent oracle covers switched on (the same
switches as its *core only* case), 20 weeks by default. The place takes one warm-up
step, then every compiled
kernel the engine's modules call from Python is wrapped in a timer and ``W`` weeks are
run (wall time, best of ``R``): each kernel's time in the real sequence of a week (its
data as the passes before left the caches), the week's whole time, and the rest, which
is the Python between the calls and the timers themselves. A kernel with no work taking
the same arguments as each of the largest calls gives what calling it costs (numba's
dispatch: the types of the arguments, unboxing the arrays).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import time
from collections import defaultdict
from pathlib import Path

import numba
from numba.core.registry import CPUDispatcher

import integration_sim.engine as engine
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides
from integration_sim.config.scenario import Scenario
from integration_sim.engine.model import IntegrationModel

HERE = Path(__file__).resolve().parent
FLAGSHIP = HERE.parent / "scenarios" / "pilot_vs_system_wide.yaml"


@numba.njit
def _nothing(*args):
    return 0


def wrap_kernels(spent: dict, calls: dict, arguments: dict) -> None:
    """Replace each module-level compiled kernel of the engine by a timed call of it
    (kernels that call each other inside compiled code are not affected)."""
    timed: dict[int, object] = {}
    for info in pkgutil.iter_modules(engine.__path__):
        module = importlib.import_module(f"{engine.__name__}.{info.name}")
        for name, kernel in list(vars(module).items()):
            if not isinstance(kernel, CPUDispatcher):
                continue
            if id(kernel) not in timed:
                label = f"{kernel.__module__.rsplit('.', 1)[-1]}.{kernel.__name__}"

                def call(*args, _kernel=kernel, _label=label):
                    start = time.perf_counter()
                    out = _kernel(*args)
                    spent[_label] += time.perf_counter() - start
                    calls[_label] += 1
                    arguments.setdefault(_label, args)
                    return out

                timed[id(kernel)] = call
            setattr(module, name, timed[id(kernel)])


def dispatch_cost(args: tuple, repeats: int = 2000) -> float:
    """Microseconds to call a kernel that does nothing with ``args`` (best of ``repeats``)."""
    _nothing(*args)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        _nothing(*args)
        best = min(best, time.perf_counter() - start)
    return best * 1e6


def place(name: str, weeks: int) -> tuple[Scenario, str | None]:
    """The scenario and strategy timed for ``name``."""
    if name == "flagship":
        return load_scenario(FLAGSHIP), "system_wide"
    from engine_rate import CORE_ONLY  # the benchmarks' own modules, beside this one
    from scaled_place import scaled_scenario

    return apply_overrides(scaled_scenario(10_000, horizon_weeks=weeks + 1), CORE_ONLY), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--place", choices=["flagship", "core-10k"], default="flagship")
    parser.add_argument("--weeks", type=int, default=None, help="default: 250, core-10k 20")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.weeks = args.weeks or (250 if args.place == "flagship" else 20)
    scenario, strategy = place(args.place, args.weeks)
    IntegrationModel(scenario, strategy=strategy, seed=1).step()  # load the kernels
    spent: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    arguments: dict[str, tuple] = {}
    wrap_kernels(spent, calls, arguments)
    best = None
    for _ in range(args.repeats):
        model = IntegrationModel(scenario, strategy=strategy, seed=1)
        model.step()
        spent.clear()
        calls.clear()
        start = time.perf_counter()
        for _ in range(args.weeks):
            model.step()
        week = time.perf_counter() - start
        if best is None or week < best[0]:
            best = (week, dict(spent), dict(calls))
    week, spent_best, calls_best = best
    per_week = {k: v / args.weeks * 1e6 for k, v in sorted(spent_best.items(), key=lambda x: -x[1])}
    compiled = sum(per_week.values())
    largest = list(per_week)[:6]
    out = {
        "place": args.place,
        "practitioners": model.pop.size,
        "weeks": args.weeks,
        "week_us": week / args.weeks * 1e6,
        "compiled_us": compiled,
        "between_us": week / args.weeks * 1e6 - compiled,
        "kernels_us": per_week,
        "calls_per_week": {k: calls_best[k] / args.weeks for k in per_week},
        "dispatch_us": {k: dispatch_cost(arguments[k]) for k in largest},
    }
    print(f"a {args.place} week: {out['week_us']:.1f} us of wall time (best of {args.repeats})")
    print(f"  compiled calls {compiled:.1f} us, Python between them {out['between_us']:.1f} us")
    for k, v in per_week.items():
        cost = out["dispatch_us"].get(k)
        extra = "" if cost is None else f"  (a call of a kernel doing nothing: {cost:.1f} us)"
        print(f"  {k:38s} {v:7.1f} us{extra}")
    (HERE / "results").mkdir(exist_ok=True)
    name = "week_calls.json" if args.place == "flagship" else f"week_calls-{args.place}.json"
    (HERE / "results" / name).write_text(json.dumps(out, indent=2))
    print(f"wrote benchmarks/results/{name}")


if __name__ == "__main__":
    main()
