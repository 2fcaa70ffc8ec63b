"""The compiled passes of the weekly step give exactly what the array code they replaced gave.

Each reference below is the plain NumPy (or per-agent) formulation the step used
before it was compiled, run on copies of the same state with generators seeded
alike; the compiled step must match it bit for bit (see docs/performance.md).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from conftest import make_scenario
from scipy import special
from test_kernels import _random_table

from integration_sim.engine import behaviour as rules
from integration_sim.engine import practitioners, primitives
from integration_sim.engine.draws import address
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.network import CROSS, LOST, WITHIN, cross_boundary_candidates
from integration_sim.engine.numpy_sums import group_sums
from integration_sim.engine.organisations import _organisations_week
from integration_sim.engine.practitioners import REFERENCE_WEEKS, row_mean
from integration_sim.engine.turnover import _new_colleagues

BUSY = {  # every weekly process at work, strongly enough to be exercised in a few weeks
    "parameters": {
        "network": {
            "trust_decay": 0.6,
            "tie_loss_trust": 0.2,
            "tie_replacement": 0.5,
            "tie_formation": 0.05,
        },
        "practitioners": {"capability_fade": 0.05},
        "implementation": {"lag_weeks": {"co_location": 0, "training": 0, "champions": 0}},
    },
    "strategies": {
        "busy": {
            "kind": "custom",
            "interventions": [
                {"kind": "co_location", "strength": 0.8, "target": {"localities": ["North"]}},
                {"kind": "training", "strength": 0.6},
                {"kind": "champions", "champions": 3},
            ],
        }
    },
}


def _busy_model(weeks: int = 6, *updates: dict) -> IntegrationModel:
    model = IntegrationModel(make_scenario(BUSY, *updates), "busy", seed=5)
    for _ in range(weeks):
        model.step()
    return model


def test_row_mean_sums_like_numpy() -> None:
    rng = np.random.default_rng(21)
    for nb in (0, 1, 3, 7, 8, 9, 15, 16, 17, 40):
        values = rng.random((50, nb))
        expected = values.mean(axis=1) if nb else np.zeros(50)
        assert np.array_equal([row_mean(values, i) for i in range(50)], expected)


def test_group_sums_add_as_bincount_does() -> None:
    rng = np.random.default_rng(22)
    runs = np.repeat(np.arange(7), rng.integers(1, 40, 7))  # staff listed by unit
    for group in (runs, rng.permutation(runs)):  # and in any order
        first, second = rng.random(group.size), rng.random(group.size) * 1e6
        got = group_sums(group, first, second, 9)
        for g, values in zip(got, (first, second), strict=True):
            assert np.array_equal(g, np.bincount(group, values, minlength=9))


def _organisations_reference(args: dict) -> tuple[np.ndarray, ...]:
    """The per-agent code the organisations' pass replaced (bincounts, then a loop)."""
    a = copy.deepcopy(args)
    org, staff, n_org = a["organisation"], a["staff"], a["staff"].size
    funded_share = np.bincount(org, weights=a["funded"], minlength=n_org) / staff
    pooled = np.bincount(org, weights=a["pooled"], minlength=n_org) / staff
    cross = np.flatnonzero(a["layer"] == CROSS)
    ends = np.concatenate([org[a["u"][cross]], org[a["v"][cross]]])
    w = np.concatenate([a["trust"][cross], a["trust"][cross]])
    trust = np.bincount(ends, weights=w, minlength=n_org) / np.maximum(
        np.bincount(ends, minlength=n_org), 1
    )
    c, lead, habit, pooling = a["c"], a["leadership"], a["habit"], a["pooling"]
    for k in range(n_org):
        target = min(1.0, a["baseline"][k] + a["boost"][k] * funded_share[k])
        lead[k] += a["rate"] * (target - lead[k])
        if not a["pools"][k]:
            continue
        z = c[0] + c[1] * pooled[k] + c[2] * lead[k]
        z += c[3] * habit[k] + c[4] * trust[k]
        pooling[k] = float(a["draws"][k] < float(special.expit(np.asarray(z))))
        habit[k] = habit[k] + 0.1 * (1.0 - habit[k]) if pooling[k] else habit[k] * (1.0 - 0.05)
    return lead, pooling, habit


@pytest.mark.parametrize("sorted_rows", [True, False])
def test_organisations_pass_equals_the_per_agent_code(sorted_rows: bool) -> None:
    # Staff listed by organisation (as built), and shuffled: each organisation's sums
    # are then left and taken up again many times, and must still be the bincount's.
    rng = np.random.default_rng(22)
    n, n_org, n_ties = 400, 9, 3000
    u, v = rng.integers(0, n, n_ties), rng.integers(0, n, n_ties)
    organisation = rng.integers(0, n_org, n)
    args = {
        "organisation": (np.sort(organisation) if sorted_rows else organisation).astype(np.int32),
        "funded": rng.random(n) * (rng.random(n) < 0.5),
        "pooled": rng.random(n) * (rng.random(n) < 0.3),
        "layer": np.where(rng.random(n_ties) < 0.4, CROSS, rng.integers(-1, 1, n_ties)).astype(
            np.int8
        ),  # cross-boundary, within or lost
        "u": np.minimum(u, v).astype(np.int32),
        "v": np.maximum(u, v).astype(np.int32),
        "trust": rng.random(n_ties),
        "staff": np.maximum(np.bincount(np.sort(rng.integers(0, n_org, n)), minlength=n_org), 1),
        "boost": rng.random(n_org) * 0.3,
        "rate": 0.03,
        "pools": rng.random(n_org) < 0.7,
        "c": rng.normal(size=5),
        "draws": np.random.default_rng(31).random(n_org),
        "leadership": rng.random(n_org),
        "baseline": rng.random(n_org),
        "pooling": np.zeros(n_org),
        "habit": rng.random(n_org),
    }
    args["staff"] = np.maximum(np.bincount(args["organisation"], minlength=n_org), 1)
    expected = _organisations_reference(args)
    a = copy.deepcopy(args)
    _organisations_week(
        a["organisation"], a["funded"], a["pooled"], a["layer"],
        np.flatnonzero(a["layer"] != WITHIN),  # every cross-boundary tie, and lost ones
        a["u"], a["v"], a["trust"],
        a["staff"], a["boost"], a["rate"], a["pools"], a["c"], address(np.random.default_rng(31)),
        0.1, 0.05,
        a["leadership"], a["baseline"], a["pooling"], a["habit"],
    )  # fmt: skip
    for got, want in zip((a["leadership"], a["pooling"], a["habit"]), expected, strict=True):
        assert np.array_equal(got, want)


def _behaviour_reference(s, pop, ctx, exposure, pooling, pressure, rng):
    """The array code the two compiled passes of the practitioners' week replaced."""
    p, bp, pp, o = s.parameters, s.parameters.behaviour, s.parameters.practitioners, None
    o = p.opportunity
    share, counts = rules.social_signals(ctx.ties, pop.performed, p.network.mixing, ctx.counted)
    if p.network.mixing == "full":  # every other practitioner counts equally
        perf = pop.performed.astype(np.float32)
        share = (perf.sum(axis=0, keepdims=True) - perf) / max(len(perf) - 1, 1)
    champion = exposure.champion
    pop.motivation[champion] = np.maximum(pop.motivation[champion], 0.9)
    pop.capability[champion] = np.maximum(pop.capability[champion], 0.9)
    lift = primitives.opportunity_lift(exposure, o, pooling[pop.organisation], o.base)
    opportunity = np.clip(lift - o.pressure * pressure, 0.0, 1.0)
    prob = rules.perform_probability(
        ctx.rule, pop.capability, opportunity, pop.motivation, pop.habit, share, counts, bp.noise
    )
    encountered, performed = rules.perform(ctx.rule, pop.eligible, prob, rng)
    rules.update_habit(pop.habit, performed, pop.eligible, bp.habit_gain, bp.habit_decay)
    rules.update_capability(
        pop.capability, performed, pp.learning_by_doing, primitives.training(exposure),
        pp.training_rate,
    )  # fmt: skip
    idle = ~performed
    pop.capability[idle] -= pp.capability_fade * (
        pop.capability[idle] - pop.base_capability[idle]
    ).clip(min=0.0)
    peers = share.astype(float).mean(axis=1)  # in double precision, fully mixed too
    t, n_types = pop.organisation_type, len(pop.type_names)
    this_week = (
        np.bincount(t, weights=peers, minlength=n_types)
        / np.maximum(np.bincount(t, minlength=n_types), 1)
    )[t]
    reference = (ctx.peers_sum[t] + this_week) / (ctx.weeks_seen + 1)
    rules.update_motivation(
        pop.motivation, pop.base_motivation, ctx.leadership_change[pop.organisation],
        peers - reference, pop.benefit - pop.base_benefit,
        pp.fatigue_per_initiative * ctx.fatigue[pop.locality],
        (pp.leadership_weight, pp.peer_weight, pp.benefit_weight), pp.motivation_rate,
    )  # fmt: skip
    pop.performed = performed.copy()
    pop.ever |= performed
    return encountered, performed


# Every kind of contagion the rule knows (the small place has logistic and threshold).
ADDITIVE = {"behaviours": {"shared_care_planning": {"contagion": "additive"}}}
FULL = {"parameters": {"network": {"mixing": "full"}}}


@pytest.mark.parametrize(
    "updates", [(), (ADDITIVE,), (FULL,)], ids=["logistic+threshold", "additive", "fully mixed"]
)
def test_practitioners_week_equals_the_array_code(updates: tuple) -> None:
    model = _busy_model(6, *updates)
    assert len(set(model.rule.contagion.tolist())) == 2 + (ADDITIVE in updates)
    assert model.context.weeks_seen < REFERENCE_WEEKS
    exposure = model.schedule_of_interventions.exposure(model.week)
    assert exposure.champion.any() and primitives.training(exposure).any()
    pooling = (np.arange(len(model.organisations)) % 2).astype(float)
    pops, ctxs = (
        [copy.deepcopy(model.pop) for _ in range(2)],
        [copy.deepcopy(model.context) for _ in range(2)],
    )
    for c in ctxs:
        c.leadership_change = np.linspace(-0.1, 0.2, len(model.organisations))
    s = model.spec
    want = _behaviour_reference(s, pops[0], ctxs[0], exposure, pooling, 0.3, _rng(7))
    got = practitioners.step_behaviour(s, pops[1], ctxs[1], exposure, pooling, 0.3, _rng(7))
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    for name in ("habit", "capability", "motivation", "performed", "ever"):
        assert np.array_equal(getattr(pops[1], name), getattr(pops[0], name)), name


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _ties_reference(d, performed, exposure, rng, replacement_rng) -> None:
    """The array code of one week of tie change that the compiled passes replaced."""
    t, n, pop = d.ties, d.n, d.pop
    active = performed.any(axis=1)
    cross = t.cross_index()
    based = primitives.shared_base(exposure)
    cu, cv = t.u[cross], t.v[cross]
    grow = t.layer == WITHIN
    grow[cross] = (active[cu] & active[cv]) | (based[cu] & based[cv])
    t.trust += np.where(grow, n.trust_growth * (1.0 - t.trust), -n.trust_decay * t.trust)
    lost = cross[t.trust[cross] < n.tie_loss_trust]
    t.lose_at(lost)
    cross = t.cross_index()
    degree = np.bincount(t.u[cross], minlength=pop.size) + np.bincount(
        t.v[cross], minlength=pop.size
    )
    short = np.maximum(d.usual_degree - degree, 0)
    r = replacement_rng
    src = np.flatnonzero(r.random(pop.size) < np.minimum(n.tie_replacement * short, 1.0))
    pool = np.flatnonzero(short > 0)
    away = d.spanning[src] & (r.random(src.size) < n.cross_locality_share)
    order = pool[np.argsort(pop.locality[pool], kind="stable")]
    sizes = np.bincount(pop.locality[order], minlength=d.staff.size)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    home = src[~away]
    loc = pop.locality[home]
    pick = starts[loc] + np.floor(r.random(home.size) * sizes[loc]).astype(np.int64)
    ok = sizes[loc] > 0
    hu, hv = home[ok], order[np.minimum(pick[ok], max(order.size - 1, 0))]
    keep = pop.organisation[hu] != pop.organisation[hv]
    au = src[away]
    av = pool[np.floor(r.random(au.size) * pool.size).astype(np.int64)]
    keep_away = (pop.locality[au] != pop.locality[av]) & (
        pop.organisation[au] != pop.organisation[av]
    )
    activity = np.bincount(pop.locality, weights=active, minlength=d.staff.size) / d.staff
    usual = activity if d.weeks == 0 else d.usual_activity
    extra = np.maximum(activity - usual, 0.0) / np.maximum(activity, 1e-12)
    rate = (
        n.tie_formation
        + n.colocation_tie_formation * primitives.brokering(exposure)
        + n.joint_work_tie_formation * active * extra[pop.locality]
    )
    forms = rng.random(pop.size) < np.minimum(rate, 1.0)
    u, v = cross_boundary_candidates(pop, forms.astype(np.int64), rng)
    new_u = np.concatenate([hu[keep], au[keep_away], u])
    t.add(new_u, np.concatenate([hv[keep], av[keep_away], v]), n.initial_trust, CROSS)
    return lost.size, new_u.size


# Without trust growth and decay the pass visits only the cross-boundary ties. A team
# trust written as -0.0 must not leave team ties at -0.0 (the array code made them 0.0):
# the schema reads it as 0.0.
STILL = {"parameters": {"network": {"trust_growth": 0.0, "trust_decay": 0.0}}}
SIGNED_ZERO = {"parameters": {"network": {"team_trust": -0.0}}}


@pytest.mark.parametrize(
    ("weeks", "updates"),
    [(0, ()), (6, ()), (0, (STILL,)), (6, (STILL,)), (0, (STILL, SIGNED_ZERO))],
)
def test_tie_week_equals_the_array_code(weeks: int, updates: tuple) -> None:
    model = _busy_model(weeks, *updates)
    assert math.copysign(1.0, model.params.network.team_trust) == 1.0
    if updates:  # trust cannot fall: some ties start below the threshold, to be lost
        cross = model.ties.cross_index()
        model.ties.trust[cross[::2]] = 0.5 * model.params.network.tie_loss_trust
        team = np.flatnonzero(model.ties.layer == WITHIN)[::2]
        model.ties.trust[team] = model.params.network.team_trust  # as a joiner's ties get
    exposure = model.schedule_of_interventions.exposure(model.week)
    performed = np.random.default_rng(8).random(model.pop.eligible.shape) < 0.4
    dyn = [copy.deepcopy(model.tie_dynamics) for _ in range(2)]
    for d in dyn:
        d.pop = model.pop
    lost, added = _ties_reference(dyn[0], performed, exposure, _rng(1), _rng(2))
    assert lost > 0 and added > 0  # every part of the week is exercised
    dyn[1].step(performed, exposure, _rng(1), _rng(2))
    a, b = dyn[0].ties, dyn[1].ties
    for name in ("u", "v", "trust", "layer"):  # bits: a signed zero counts
        assert np.array_equal(getattr(a, name).view(np.uint8), getattr(b, name).view(np.uint8))


def test_new_colleagues_equal_the_lookup_of_the_leavers_ties() -> None:
    rng = np.random.default_rng(23)
    tables = [_random_table(np.random.default_rng(24)) for _ in range(2)]
    rows = np.unique(rng.integers(0, tables[0].n, 25))
    ref = tables[0]
    touched = ref.ties_of(rows)
    ref.trust[touched[ref.layer[touched] == WITHIN]] = 0.6
    ref.lose_at(touched[ref.layer[touched] == CROSS])
    t = tables[1]
    indptr, _, perm, u, v, structure = t.adjacency()
    lost = _new_colleagues(indptr, perm, u, v, structure, t.layer, t.trust, rows, 0.6)
    t.lost_in_place(lost)
    assert lost > 0
    assert np.array_equal(ref.trust, t.trust) and np.array_equal(ref.layer, t.layer)
    assert ref._dead == t._dead


def test_seen_cases_equal_the_rows_drawn_for_each_case() -> None:
    model = _busy_model(2)
    cm = model.cases
    performed = np.random.default_rng(9).random(model.pop.eligible.shape) < 0.5
    week = cm.week(performed, 1.1, 1.0, _rng(3))
    hits, good = np.zeros(model.pop.size), np.zeros(model.pop.size)
    rng = _rng(3)
    for ct in cm.types:  # the rows each case draws, as the pass draws them
        n = _reference_arrivals(rng.random(cm.n_loc), ct.rate * 1.0)
        u = rng.random((ct.needs.size + 2, int(n.sum())))
        locs = np.repeat(np.arange(cm.n_loc), n)
        m = cm.size[locs[None, :], ct.needs[:, None]]
        pick = cm.start[locs[None, :], ct.needs[:, None]] + np.floor(u[: ct.needs.size] * m)
        rows = cm.order[np.minimum(pick.astype(np.int64), cm.order.size - 1)]
        did = performed[rows][:, :, ct.behaviours].any(axis=2) if ct.behaviours.size else 0 * m
        ok = ((m > 0) & (did > 0)).all(axis=0)
        for j in range(ct.needs.size):
            np.add.at(hits, rows[j][m[j] > 0], 1.0)
            np.add.at(good, rows[j][m[j] > 0], ok[m[j] > 0].astype(float))
    assert hits.sum() > 0 and good.sum() > 0
    assert np.array_equal(week.seen, hits) and np.array_equal(week.seen_integrated, good)


def _reference_arrivals(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    from integration_sim.engine.cases import poisson_quantile

    return poisson_quantile(u, mean)


def test_cross_ties_hold_every_live_cross_boundary_tie_in_order() -> None:
    # Kept as ties are added and lost, made afresh when a rebuild drops lost ties: each
    # week, the live cross-boundary ties in order plus only lost ones, never others.
    model = _busy_model(0)
    ties, lost_seen, rebuilds = model.ties, 0, 0
    for _ in range(12):
        structure = ties.structure
        model.step()
        rebuilds += ties.structure != structure
        maybe = ties.cross_ties()
        assert np.all(np.diff(maybe) > 0)
        assert np.array_equal(maybe[ties.layer[maybe] == CROSS], ties.cross_index())
        assert np.all(ties.layer[maybe[ties.layer[maybe] != CROSS]] == LOST)
        lost_seen += int(np.sum(ties.layer[maybe] == LOST))
    assert lost_seen > 0 and rebuilds > 0
