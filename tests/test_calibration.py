"""Calibration: posterior files, config validation, observation models on real tallies, the ABC driver."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from integration_sim.calibration import abc as cabc
from integration_sim.calibration.adoption import read_adoption
from integration_sim.calibration.config import AbcSettings, Adoption, Prior, load_config
from integration_sim.calibration.observation import ObservationModel
from integration_sim.calibration.posterior import (
    draw,
    load_posterior,
    summarise_posterior,
    weighted_quantile,
    write_posterior,
)
from integration_sim.cli import main
from integration_sim.config.load import parse_scenario
from integration_sim.errors import InputError, InputErrors

TINY = {
    "name": "tiny",
    "seed": 5,
    "horizon_weeks": 16,
    "system": {
        "localities": [{"name": "North"}],
        "organisations": [
            {"type": "acute_trust", "staff": 12},
            {"type": "community_health", "staff": 10},
            {"type": "adult_social_care", "staff": 12},
        ],
    },
    "behaviour_set": ["joint_assessment"],
    "strategies": {"baseline": {"kind": "custom"}},
}

PARAM = "behaviours.joint_assessment.coefficients.intercept"


def tiny_scenario():
    return parse_scenario(TINY)


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------------- posterior


def test_posterior_round_trip_and_draw(tmp_path):
    df = pd.DataFrame({PARAM: [-5.0, -4.0, -3.0], "weight": [0.0, 3.0, 1.0]})
    write_posterior(df, tmp_path / "posterior")
    post = load_posterior(tmp_path / "posterior.parquet")
    assert post["weight"].tolist() == pytest.approx([0, 0.75, 0.25])
    rng = np.random.default_rng(0)
    values = [draw(post, rng)[PARAM] for _ in range(4000)]
    assert -5.0 not in values  # zero weight is never drawn
    assert np.mean(np.array(values) == -4.0) == pytest.approx(0.75, abs=0.03)
    assert load_posterior(tmp_path / "posterior.csv")[PARAM].tolist() == [-5.0, -4.0, -3.0]


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({PARAM: [1.0]}), "no 'weight' column"),
        (pd.DataFrame({"intercept": [1.0], "weight": [1.0]}), "dotted scenario paths"),
        (pd.DataFrame({PARAM: [1.0], "weight": [-1.0]}), "weights must be finite"),
        (pd.DataFrame({PARAM: [np.nan], "weight": [1.0]}), "finite numbers"),
    ],
)
def test_bad_posterior_files(tmp_path, frame, message):
    frame.to_parquet(tmp_path / "p.parquet")
    with pytest.raises(InputError, match=message) as info:
        load_posterior(tmp_path / "p.parquet")
    assert "p.parquet" in str(info.value)


def test_summary_quantiles():
    x = np.linspace(0, 1, 1001)
    df = pd.DataFrame({PARAM: x, "weight": np.ones_like(x)})
    s = summarise_posterior(df, {PARAM: 0.5}).iloc[0]
    assert (s["mean"], s["median"], s["q05"], s["q95"]) == pytest.approx(
        (0.5, 0.5, 0.05, 0.95), abs=1e-3
    )
    assert weighted_quantile(np.array([1.0, 2.0]), np.array([1.0, 0.0]), 0.5) == pytest.approx(1.0)


# -------------------------------------------------------------------------- config


def test_config_errors_name_file_field_and_line(tmp_path):
    (tmp_path / "s.yaml").write_text(_yaml_scenario(), encoding="utf-8")
    cfg = write_yaml(
        tmp_path / "c.yaml",
        """\
        scenario: s.yaml
        measurements: [m.csv]
        parameters:
          behaviours.joint_assessment.coefficients.intercept: {distribution: uniform, low: -3, high: -7}
          behaviours.joint_assessment.coefficients.nonsense: {distribution: normal, mean: 0, sd: 1}
        """,
    )
    (tmp_path / "m.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_config(cfg)
    assert f"{cfg}:4: parameters.{PARAM}: low must be below high" in str(info.value)
    fixed = cfg.read_text().replace("low: -3, high: -7", "low: -7, high: -3")
    cfg.write_text(fixed)
    with pytest.raises(InputErrors) as info:
        load_config(cfg)
    assert (
        f"{cfg}:5: parameters.behaviours.joint_assessment.coefficients.nonsense: no such key"
        in str(info.value)
    )


def test_cli_calibrate_bad_config_exits_2(tmp_path, capsys):
    cfg = write_yaml(tmp_path / "c.yaml", "scenario: s.yaml\nparameterz: {}\n")
    assert main(["calibrate", str(cfg), "--check"]) == 2
    err = capsys.readouterr().err
    assert f"{cfg}:2: parameterz: unknown key 'parameterz' (did you mean 'parameters'?" in err
    assert "docs/calibration.md" in err


def _yaml_scenario() -> str:
    import yaml

    return yaml.safe_dump(TINY)


# ------------------------------------------------------------- observation models


def test_statistics_match_tallies():
    from integration_sim import runs as runner

    scenario = tiny_scenario()
    t = runner.simulate(scenario, tallies=True).tallies
    rows = pd.DataFrame(
        [
            _row("a", "proportion", "adult_social_care", "acute_trust", numerator=1, denominator=2),
            _row("b", "rate", "all", "all", count=1, exposure=10),
            _row(
                "c",
                "tie_density",
                "adult_social_care",
                "acute_trust",
                behaviour="all",
                numerator=1,
                denominator=9,
            ),
            _row("d", "score", "acute_trust", "all", scale="habit", mean=0.3, sd=0.2, n=10),
        ]
    )
    values = ObservationModel(rows).statistics(t)
    types = t.organisation_types
    a, c = types.index("adult_social_care"), types.index("acute_trust")
    w = slice(4, 12)  # weeks 4-11 (record_every 1)
    assert values[0] == pytest.approx(
        t.performed[w, 0, 0, a, c].sum() / t.encounters[w, 0, 0, a, c].sum()
    )
    assert values[1] == pytest.approx(t.performed[w, 0, 0].sum() / t.practitioners[w, 0].sum())
    assert values[2] == pytest.approx(t.ties[w, 0, a, c].sum() / t.pairs[w, 0, a, c].sum())
    assert values[3] == pytest.approx(
        t.habit_sum[w, 0, 0, c].sum() / t.practitioners[w, 0, c].sum()
    )
    assert values.min() >= 0 and values.max() <= 1


def _row(mid, kind, from_type, to_type, behaviour="joint_assessment", scale="", **values):
    base = {
        "measurement_id": mid,
        "locator": "L",
        "behaviour": behaviour,
        "from": from_type,
        "to": to_type,
        "from_type": from_type,
        "to_type": to_type,
        "locality": "North",
        "start_week": 4,
        "end_week": 11,
        "kind": kind,
        "scale": scale,
        "numerator": np.nan,
        "denominator": np.nan,
        "count": np.nan,
        "exposure": np.nan,
        "mean": np.nan,
        "sd": np.nan,
        "n": np.nan,
    }
    return {**base, **values}


def test_measurement_outside_recorded_weeks_is_input_error():
    from integration_sim import runs as runner

    t = runner.simulate(tiny_scenario(), tallies=True).tallies
    rows = pd.DataFrame([_row("late", "proportion", "all", "all", numerator=1, denominator=2)])
    rows.loc[0, ["start_week", "end_week"]] = [100, 110]
    with pytest.raises(InputError, match="late: start_week: no recorded week"):
        ObservationModel(rows).statistics(t)


def test_adoption_cumulative_counts_become_hazards(tmp_path):
    path = tmp_path / "adopt.csv"
    path.write_text(
        "locality,week,adopters,eligible\nNorth,3,4,20\nNorth,7,10,20\nNorth,11,10,20\n"
    )
    spec = Adoption(file=str(path), behaviour="joint_assessment", format="cumulative")
    rows = read_adoption(spec, tiny_scenario(), path)
    assert rows[["start_week", "end_week", "numerator", "denominator"]].values.tolist() == [
        [0, 3, 4, 20],
        [4, 7, 6, 16],
        [8, 11, 0, 10],
    ]
    # Counts are of current staff: a fall (adopters leaving) is no new adopters in that period.
    path.write_text("locality,week,adopters,eligible\nNorth,3,4,20\nNorth,7,2,20\nNorth,11,5,20\n")
    rows = read_adoption(spec, tiny_scenario(), path)
    assert rows[["numerator", "denominator"]].values.tolist() == [[4, 20], [0, 16], [3, 18]]
    path.write_text("locality,week,adopters,eligible\nNorth,3,24,20\n")
    with pytest.raises(InputErrors, match="row 2, column 'adopters': adopters \\(24\\) above"):
        read_adoption(spec, tiny_scenario(), path)


# ------------------------------------------------------------------ the ABC driver


class CheapModel(cabc.SimulationModel):
    """A fast stand-in for the engine (driver tests only): proportion = expit(intercept) + noise."""

    def statistics(self, overrides, seed):
        rng = np.random.default_rng(seed)
        p = expit(overrides[PARAM]) + rng.normal(0, 0.01)
        return np.full(len(self.observation.keys), float(np.clip(p, 0, 1)))


def _cheap_setup(k=30, n=100):
    rows = pd.DataFrame([_row("m", "proportion", "all", "all", numerator=k, denominator=n)])
    model = CheapModel(None, [PARAM], ObservationModel(rows))
    priors = {PARAM: Prior(distribution="uniform", low=-4, high=2)}
    return model, priors


def test_abc_is_reproducible_across_workers(tmp_path):
    model, priors = _cheap_setup()
    settings = AbcSettings(population_size=20, max_generations=2, seed=7)
    tables = []
    for i, workers in enumerate([1, 1, 2]):
        h = cabc.run_abc(model, priors, settings, tmp_path / f"h{i}.db", workers=workers)
        tables.append(cabc.posterior_table(h, [PARAM]))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])


def test_abc_matches_exact_posterior_and_resumes(tmp_path):
    from scipy import stats

    model, priors = _cheap_setup(k=30, n=100)
    db = tmp_path / "h.db"
    cabc.run_abc(model, priors, AbcSettings(population_size=120, max_generations=2, seed=3), db)
    with pytest.raises(InputError, match="resume the calibration"):
        cabc.run_abc(model, priors, AbcSettings(population_size=120, max_generations=2, seed=3), db)
    h = cabc.run_abc(
        model, priors, AbcSettings(population_size=120, max_generations=6, seed=3), db, resume=True
    )
    gens = cabc.generations(h)
    assert gens["temperature"].iloc[-1] == pytest.approx(1.0)
    post = cabc.posterior_table(h, [PARAM])
    s = summarise_posterior(post).iloc[0]
    # Exact posterior of the logit under a flat prior on it: Beta(31, 71) on expit scale (approximately).
    exact = stats.beta(31, 71)
    assert expit(s["median"]) == pytest.approx(exact.median(), abs=0.02)
    assert expit(s["q95"]) - expit(s["q05"]) == pytest.approx(
        exact.ppf(0.95) - exact.ppf(0.05), rel=0.3
    )


def test_adoption_times_on_measured_network(tmp_path):
    import yaml

    from integration_sim import runs as runner
    from integration_sim.config.load import load_scenario

    people = [
        (f"{org}{i}", org, role, "North", typ)
        for org, typ, role, n in [
            ("Acute", "acute_trust", "ward_nurse", 12),
            ("Comm", "community_health", "district_nurse", 10),
            ("ASC", "adult_social_care", "social_worker", 12),
        ]
        for i in range(n)
    ]
    cols = ["id", "organisation", "role", "locality", "organisation_type"]
    pd.DataFrame(people, columns=cols).to_csv(tmp_path / "people.csv", index=False)
    ids = [p[0] for p in people]
    edges = [(ids[i], ids[(i * 7 + 3) % len(ids)]) for i in range(len(ids))]
    pd.DataFrame(edges, columns=["source", "target"]).to_csv(tmp_path / "edges.csv", index=False)
    data = {
        **TINY,
        "system": {
            **TINY["system"],
            "network": {"edges": "edges.csv", "practitioners": "people.csv"},
        },
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    scenario = load_scenario(tmp_path / "s.yaml")
    path = tmp_path / "times.csv"
    path.write_text("practitioner,week\nAcute0,0\nAcute1,5\nASC3,9\nComm2,9\n", encoding="utf-8")
    spec = Adoption(file=str(path), behaviour="joint_assessment", format="times", period_weeks=8)
    rows = read_adoption(spec, scenario, path)
    # 34 eligible practitioners; weeks 0-7: 2 of 34 adopt; weeks 8-15: 2 of the remaining 32.
    assert rows[["numerator", "denominator"]].values.tolist() == [[2, 34], [2, 32]]
    t = runner.simulate(scenario, tallies=True).tallies
    values = ObservationModel(rows).statistics(t)
    assert np.all((values >= 0) & (values <= 1))
    path.write_text("practitioner,week\nNobody,3\n", encoding="utf-8")
    with pytest.raises(InputErrors, match="row 2, column 'practitioner': practitioner 'Nobody'"):
        read_adoption(spec, scenario, path)


def test_cli_calibrate_check_names_bad_measurement(tmp_path, capsys):
    import yaml

    (tmp_path / "s.yaml").write_text(yaml.safe_dump(TINY), encoding="utf-8")
    (tmp_path / "m.csv").write_text(
        "locator,behaviour,from,to,locality,start_week,end_week,kind,numerator,denominator\n"
        "A,joint_assessment,acute_trust,all,North,0,40,proportion,3,10\n",
        encoding="utf-8",
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"scenario: s.yaml\nmeasurements: [m.csv]\nparameters:\n  {PARAM}: "
        "{distribution: uniform, low: -7, high: -3}\n",
        encoding="utf-8",
    )
    assert main(["calibrate", str(cfg), "--check"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'm.csv'}: row 2, column 'end_week': week 40 is outside the horizon" in err


def test_weighted_quantile_is_the_weighted_inverse_cdf():
    x = np.array([0.3, 0.1, 0.2])
    w = np.array([0.2, 0.5, 0.3])
    # Cumulative weights by value: 0.1 -> 0.5, 0.2 -> 0.8, 0.3 -> 1.0.
    assert weighted_quantile(x, w, np.array([0.05, 0.5, 0.6, 0.8, 0.95])).tolist() == [
        0.1,
        0.1,
        0.2,
        0.2,
        0.3,
    ]
    rng = np.random.default_rng(4)
    y = rng.normal(size=37)
    q = np.array([0.05, 0.25, 0.5, 0.9, 0.95])
    assert np.array_equal(
        weighted_quantile(y, np.ones_like(y), q), np.quantile(y, q, method="inverted_cdf")
    )


def test_the_calibrate_command_warms_workers_with_the_calibrations_own_preload():
    # The command names the list itself (importing pyabc at start-up would slow every command).
    from integration_sim.calibration.abc import PRELOAD
    from integration_sim.cli import WORKER_PRELOAD

    assert WORKER_PRELOAD["calibrate"] == PRELOAD


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("parameters: {}\n", "3: parameters: name at least one parameter to fit"),
        (  # a truth value no chart can draw: a misspelt or forgotten parameter
            f"parameters:\n  {PARAM}: {{distribution: uniform, low: -7, high: -3}}\n"
            f"truth:\n  {PARAM}x: -5\n",
            f"6: truth.{PARAM}x: not a fitted parameter",
        ),
    ],
)
def test_config_problems_across_sections_name_the_line(tmp_path, body, expected):
    (tmp_path / "s.yaml").write_text(_yaml_scenario(), encoding="utf-8")
    (tmp_path / "m.csv").write_text("x\n", encoding="utf-8")
    cfg = tmp_path / "c.yaml"
    cfg.write_text("scenario: s.yaml\nmeasurements: [m.csv]\n" + body, encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_config(cfg)
    assert f"{cfg}:{expected}" in str(info.value)


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("behaviours.joint_assessment.coefficients.interceptt", [-5.0], "no such key"),
        ("parameters.behaviour.habit_gain", [0.1, 2.0], "a draw of 2 is not allowed"),
        ("system.localities.0.name", [1.0], "not a number"),
    ],
)
def test_scenario_with_a_bad_posterior_column_stops_on_loading(tmp_path, column, values, message):
    """A posterior column the scenario cannot take is found when the scenario is loaded
    (so by validate, before any run), naming the posterior file and the column."""
    import yaml

    from integration_sim.config.load import load_scenario

    pd.DataFrame({column: values, "weight": 1.0}).to_parquet(tmp_path / "post.parquet")
    data = {**TINY, "parameters": {**TINY.get("parameters", {}), "posterior": "post.parquet"}}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "s.yaml")
    assert f"post.parquet: {column}: " in str(info.value) and message in str(info.value)
