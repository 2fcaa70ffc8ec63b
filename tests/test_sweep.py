"""The sweep machinery: known indices, determinism, kill-and-resume, failures.

Tolerances come from the bootstrap intervals the sweep itself reports: a
``*_conf`` column is a 95% half-width (1.96 standard errors), so an estimate
more than 4 standard errors from the truth would be a real error, not bad luck
(seeds are fixed anyway, so these tests are deterministic).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import ANALYTIC, write_experiment

from integration_sim.sensitivity import sweep
from integration_sim.sensitivity.analytic import ISHIGAMI_S1, ISHIGAMI_ST

SE_PER_CONF = 1 / 1.96  # standard errors per unit of a 95% half-width


def _by_param(table: pd.DataFrame, col: str) -> dict[str, float]:
    return dict(zip(table["parameter"], table[col], strict=True))


def test_sobol_recovers_ishigami_indices(tmp_path):
    exp = write_experiment(tmp_path, samples=1024, bootstrap=500)
    result = sweep(exp, tmp_path / "out", workers=1, progress=False)
    table = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note"]
    for col, truth in (("S1", ISHIGAMI_S1), ("ST", ISHIGAMI_ST)):
        est, conf = _by_param(table, col), _by_param(table, f"{col}_conf")
        for name, true in truth.items():
            assert abs(est[name] - true) <= 4 * SE_PER_CONF * conf[name] + 1e-3, (
                col,
                name,
                est[name],
            )
    assert result.runs_total == 1024 * 5 and len(result.failures) == 0
    conv = pd.read_csv(tmp_path / "out" / "convergence.csv")
    assert conv["stable"].all()
    assert (tmp_path / "out" / "charts" / "indices_y.png").stat().st_size > 0


def test_morris_linear_function_exact(tmp_path):
    params = [{"path": f"x{i}", "bounds": [0.0, float(i)]} for i in (1, 2, 3)]
    exp = write_experiment(
        tmp_path, method="morris", samples=10, function=f"{ANALYTIC}:linear", parameters=params
    )
    sweep(exp, tmp_path / "out", workers=1, progress=False)
    table = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert list(table.columns) == [
        "output",
        "parameter",
        "mu_star",
        "mu_star_conf",
        "sigma",
        "note",
    ]
    # y = 1*x1 + 2*x2 + 3*x3 with x_i on [0, i]: a full-range change moves y by (i)*i, always.
    np.testing.assert_allclose(table["mu_star"], [1.0, 4.0, 9.0], rtol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)
    assert (tmp_path / "out" / "charts" / "morris_y.png").exists()


def test_fast_ranks_ishigami(tmp_path):
    exp = write_experiment(tmp_path, method="fast", samples=1000)
    sweep(exp, tmp_path / "out", workers=1, progress=False)
    table = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert list(table.columns) == ["output", "parameter", "S1", "ST", "note"]
    s1, st = _by_param(table, "S1"), _by_param(table, "ST")
    # eFAST with M=4 harmonics is biased by a few hundredths; 0.05 is that bias, not noise.
    for name in ISHIGAMI_S1:
        assert abs(s1[name] - ISHIGAMI_S1[name]) < 0.05
        assert abs(st[name] - ISHIGAMI_ST[name]) < 0.05


def _noisy(tmp_path, name):
    return write_experiment(
        tmp_path,
        name=name,
        samples=32,
        function=f"{ANALYTIC}:noisy",
        parameters=[{"path": "x1", "bounds": [0, 1]}, {"path": "x2", "bounds": [0, 1]}],
        replicates=2,
        batch_size=7,
    )


def test_identical_for_any_worker_count_and_on_dask(tmp_path):
    from distributed import LocalCluster

    exp = _noisy(tmp_path, "det")
    sweep(exp, tmp_path / "w1", workers=1, progress=False)
    sweep(exp, tmp_path / "w2", workers=2, progress=False)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        sweep(exp, tmp_path / "dask", scheduler=cluster, progress=False)
    base = pd.read_parquet(tmp_path / "w1" / "results.parquet")
    assert base["seed"].nunique() == len(base)  # every run has its own seed
    for other in ("w2", "dask"):
        pd.testing.assert_frame_equal(
            base, pd.read_parquet(tmp_path / other / "results.parquet"), check_exact=True
        )
        for name in ("indices.csv", "noise.csv", "results.csv"):
            assert (tmp_path / "w1" / name).read_bytes() == (
                tmp_path / other / name
            ).read_bytes(), (other, name)


def _cli(*args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "import sys; from integration_sim.cli import main; sys.exit(main())",
        *args,
    ]


def test_kill_then_resume_gives_identical_results(tmp_path):
    exp = write_experiment(
        tmp_path, samples=256, function=f"{ANALYTIC}:slow", outputs=["y", "noise"]
    )
    env = {**os.environ, "INTEGRATION_SIM_NO_PROGRESS": "1"}
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _cli("sweep", str(exp), "-o", str(out), "--workers", "2", "--batch-size", "20"),
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while len(list((out / "parts").glob("part-*.parquet"))) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: main process and workers
    proc.wait()
    parts = list((out / "parts").glob("part-*.parquet"))
    assert 6 <= len(parts) < 64, "the sweep should be killed part-way"
    # A half-written part (as a kill mid-write leaves) and a truncated one must not count.
    (out / "parts" / ".part-000063.parquet.abc.part").write_bytes(b"PAR1 half")
    victim = sorted(parts)[-1]
    victim.write_bytes(victim.read_bytes()[:40])

    with pytest.warns(UserWarning, match="unreadable part"):
        resumed = sweep(exp, out, workers=2, resume=True, progress=False, batch_size=999)
    assert 0 < resumed.runs_this_call < resumed.runs_total
    assert resumed.batch_size == 20  # the stored batch plan wins over a new request
    fresh = sweep(exp, tmp_path / "fresh", workers=1, progress=False)
    pd.testing.assert_frame_equal(fresh.results, resumed.results, check_exact=True)
    assert (tmp_path / "fresh" / "indices.csv").read_bytes() == (out / "indices.csv").read_bytes()
    assert not list((out / "parts").glob(".*"))


def test_failing_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path):
    exp = write_experiment(tmp_path, samples=64, function=f"{ANALYTIC}:fragile")
    result = sweep(exp, tmp_path / "out", workers=2, progress=False)
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert len(failures) == (result.results["x1"] > 2.5).sum() > 0
    assert (failures["x1"] > 2.5).all() and (failures["attempts"] == 2).all()
    assert failures["error"].str.contains("ValueError: model diverged").all()
    ok = result.results[result.results["status"] == "ok"]
    assert len(ok) + len(failures) == result.runs_total
    # Blocks holding a failed point are dropped; the rest still give indices.
    assert np.isfinite(result.indices[["S1", "ST"]].to_numpy()).all()


@pytest.mark.parametrize("resume", [False, True])
def test_cli_refuses_to_mix_results(tmp_path, capsys, resume):
    from integration_sim.cli import main

    exp = write_experiment(tmp_path, samples=8)
    out = tmp_path / "out"
    assert main(["sweep", str(exp), "-o", str(out), "--workers", "1"]) == 0
    if resume:  # same folder, changed experiment: refused
        write_experiment(tmp_path, samples=16)
        args = ["sweep", str(exp), "-o", str(out), "--resume"]
        expected = "has changed since this sweep started"
    else:  # same folder, no --resume: refused
        args = ["sweep", str(exp), "-o", str(out)]
        expected = "already holds a sweep"
    capsys.readouterr()
    assert main(args) == 2
    assert expected in capsys.readouterr().err


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path):
    exp = write_experiment(tmp_path, samples=8)
    first = sweep(exp, tmp_path / "out", workers=1, progress=False)
    again = sweep(exp, tmp_path / "out", workers=1, resume=True, progress=False)
    assert again.runs_this_call == 0
    pd.testing.assert_frame_equal(first.results, again.results)
