"""Whole runs: determinism, parallel workers, common random numbers, outputs, measured networks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_scenario

from integration_sim.config.load import parse_scenario
from integration_sim.engine.recorder import RECORD_COLUMNS
from integration_sim.engine.seeds import STREAMS, Streams
from integration_sim.errors import InputError
from integration_sim.metrics import run_metric_names
from integration_sim.runs import run, run_seed, simulate


def test_same_seed_gives_identical_records(small) -> None:
    a = simulate(small, "pilot", replicate=1)
    b = simulate(small, "pilot", replicate=1)
    pd.testing.assert_frame_equal(a.records, b.records)
    c = simulate(small, "pilot", replicate=2)
    assert not a.records["value"].equals(c.records["value"])


def test_results_identical_for_any_number_of_workers(small) -> None:
    one = run(small, replicates=3, workers=1, progress=False)
    two = run(small, replicates=3, workers=2, progress=False)
    pd.testing.assert_frame_equal(one.records, two.records)
    pd.testing.assert_frame_equal(one.summary, two.summary)


def test_common_random_numbers_identical_strategies_identical_results() -> None:
    same = {
        "kind": "custom",
        "interventions": [
            {
                "kind": "training",
                "start_week": 2,
                "end_week": 20,
                "strength": 0.8,
                "target": {"localities": ["North"]},
            }
        ],
    }
    s = make_scenario({"strategies": {"a": same, "b": same, "c": {"kind": "custom"}}})
    res = run(s, replicates=2, workers=1, progress=False)
    rec = res.records
    a = rec[rec.strategy == "a"].drop(columns="strategy").reset_index(drop=True)
    b = rec[rec.strategy == "b"].drop(columns="strategy").reset_index(drop=True)
    c = rec[rec.strategy == "c"].drop(columns="strategy").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert not a["value"].equals(c["value"])
    # Exogenous processes share their random numbers: case arrivals are identical across a and c.
    cases = lambda df: df[(df.metric == "cases")]["value"].to_numpy()  # noqa: E731
    assert np.array_equal(cases(a), cases(c))


def test_records_are_tidy_and_summary_complete(small) -> None:
    r = simulate(small, "pilot")
    assert list(r.records.columns) == RECORD_COLUMNS
    metrics = set(r.records["metric"].astype(str))
    assert {
        "performance_rate",
        "integration_index",
        "delay_days",
        "emergency_admissions",
        "spend",
        "cross_boundary_density",
        "mean_trust",
    } <= metrics
    assert set(run_metric_names(small.practitioner_behaviours)) <= set(r.summary)
    rates = r.records[r.records.metric == "performance_rate"]["value"]
    assert rates.between(0, 1).all()
    spend = r.records[(r.records.metric == "spend") & (r.records.locality == "all")]
    assert spend["value"].sum() == pytest.approx(200_000)  # the pilot's whole budget, week by week
    north_spend = r.records[(r.records.metric == "spend") & (r.records.locality == "North")][
        "value"
    ].sum()
    assert north_spend == pytest.approx(200_000)  # and all of it in the pilot locality


def test_streams_made_when_asked_for_are_the_spawned_children() -> None:
    """Each named stream is the child ``SeedSequence(seed).spawn`` gives at its position,
    whichever streams are asked for and in what order."""
    children = np.random.SeedSequence(2024).spawn(len(STREAMS))
    streams = Streams(2024)
    for k in reversed(range(len(STREAMS))):
        want = np.random.Generator(np.random.PCG64(children[k])).random(4)
        assert np.array_equal(streams.rng(STREAMS[k]).random(4), want)
    assert Streams(2024).seed_for("mesa") == int(
        children[STREAMS.index("mesa")].generate_state(1, np.uint64)[0] >> np.uint64(1)
    )


def test_run_seeds_are_distinct_and_stable() -> None:
    seeds = [run_seed(42, i) for i in range(100)]
    assert len(set(seeds)) == 100
    assert run_seed(42, 3) == run_seed(42, 3)


def test_write_outputs_with_manifest_last(small, tmp_path: Path) -> None:
    from integration_sim.present.charts import write_run_charts

    res = run(small, replicates=2, workers=1, progress=False)
    res.write(tmp_path, extra=write_run_charts(res, tmp_path))
    assert not list(tmp_path.glob("*.csv"))  # Parquet only, unless CSV is asked for
    for name in (
        "records.parquet",
        "summary.parquet",
        "manifest.json",
        "integration_over_time.png",
        "behaviours.png",
    ):
        assert (tmp_path / name).stat().st_size > 0, name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["scenario_hash"] == small.content_hash()
    assert manifest["seeds"] == {"0": run_seed(small.seed, 0), "1": run_seed(small.seed, 1)}
    assert {"version", "started", "finished", "platform"} <= set(manifest)
    assert "behaviours.png" in manifest["files"]
    back = pd.read_parquet(tmp_path / "records.parquet")
    assert len(back) == len(res.records)
    res.write(tmp_path / "csv", csv=True)
    for name in ("records", "summary"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "csv" / f"{name}.csv"),
            pd.read_parquet(tmp_path / "csv" / f"{name}.parquet")
            .astype(
                {
                    c: str
                    for c in ("strategy", "locality", "organisation_type", "behaviour", "metric")
                }
                if name == "records"
                else {}
            )
            # CSV cannot tell an empty text from a missing one: both read back as missing.
            .replace("", np.nan),
            check_dtype=False,
            rtol=1e-7,
        )


def _measured_files(tmp_path: Path) -> tuple[Path, Path]:
    people = tmp_path / "people.csv"
    edges = tmp_path / "edges.csv"
    rows = ["id,organisation,role,locality"]
    rows += [f"g{i},Practice A,gp,North" for i in range(10)]
    rows += [f"s{i},Council,social_worker,North" for i in range(10)]
    people.write_text("\n".join(rows) + "\n")
    links = ["source,target,weight"] + [f"g{i},g{(i + 1) % 10},0.8" for i in range(10)]
    links += [f"g{i},s{i}," for i in range(5)]
    edges.write_text("\n".join(links) + "\n")
    return people, edges


def _measured_scenario(people: Path, edges: Path):
    return parse_scenario(
        {
            "name": "measured",
            "horizon_weeks": 10,
            "system": {
                "localities": [{"name": "North"}],
                "organisations": [{"type": "gp_practice"}],
                "network": {"edges": str(edges), "practitioners": str(people)},
            },
        }
    )


def test_measured_network_replaces_the_generated_one(tmp_path: Path) -> None:
    from integration_sim.engine.model import IntegrationModel

    people, edges = _measured_files(tmp_path)
    m = IntegrationModel(_measured_scenario(people, edges), seed=3)
    assert m.pop.size == 20
    u, v, trust, layer = m.ties.live()
    assert len(u) == 15
    assert (
        layer == 1
    ).sum() == 5  # GP-council ties are cross-boundary, inferred from organisations
    assert sorted(np.round(trust[layer == 0], 3).tolist()) == [0.8] * 10
    m.run()


def test_bad_network_file_names_file_row_and_column(tmp_path: Path) -> None:
    people, edges = _measured_files(tmp_path)
    edges.write_text(edges.read_text() + "g1,nobody,0.5\ng2,g3,7\n")
    with pytest.raises(InputError) as err:
        from integration_sim.engine.model import IntegrationModel

        IntegrationModel(_measured_scenario(people, edges), seed=3)
    text = str(err.value)
    assert "edges.csv:17: target: practitioner 'nobody'" in text
    assert "edges.csv:18: weight" in text


def test_interrupted_run_resumes_with_identical_results(small, tmp_path: Path) -> None:
    ckpt = tmp_path / ".runs"
    full = run(small, replicates=3, workers=1, progress=False, checkpoint=ckpt)
    saved = sorted(ckpt.glob("*.pkl"))
    assert len(saved) == 6
    # As if killed: two runs never finished, one was half-written.
    saved[0].unlink()
    saved[3].unlink()
    (ckpt / ".pilot~2.pkl.x.part").write_bytes(b"half")
    done_before = {p.name for p in ckpt.glob("*.pkl")}
    mtimes = {p.name: p.stat().st_mtime_ns for p in ckpt.glob("*.pkl")}
    resumed = run(small, replicates=3, workers=2, progress=False, checkpoint=ckpt, resume=True)
    pd.testing.assert_frame_equal(full.records, resumed.records)
    pd.testing.assert_frame_equal(full.summary, resumed.summary)
    assert done_before < {p.name for p in ckpt.glob("*.pkl")}
    assert all(
        (ckpt / n).stat().st_mtime_ns == t for n, t in mtimes.items()
    )  # finished runs not redone
    # Saved runs of another scenario are refused, not mixed in.
    other = small.model_copy(update={"seed": small.seed + 1})
    with pytest.raises(InputError, match="different scenario"):
        run(other, replicates=3, workers=1, progress=False, checkpoint=ckpt, resume=True)
    resumed.write(tmp_path / "out")
    assert not ckpt.exists()  # kept only until the output folder is complete


def test_replicate_zero_keeps_its_network_which_matches_a_rerun(small) -> None:
    from integration_sim.analysis.network import snapshot_graphs

    res = run(small, replicates=2, workers=2, progress=False)
    assert set(res.networks) == set(small.strategies)  # replicate 0 of each strategy only
    before, after = snapshot_graphs(res.networks["pilot"])
    again_before, again_after = snapshot_graphs(simulate(small, "pilot", 0, network=True).network)
    assert sorted(before.edges) == sorted(again_before.edges)
    assert sorted(after.edges) == sorted(again_after.edges)
    assert sorted(after.edges) != sorted(before.edges)  # ties did change over the run
