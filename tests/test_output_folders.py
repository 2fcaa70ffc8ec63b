"""Output folders: one job at a time, complete-looking only when complete, and every way an
output path can be wrong reported before any work (exit 2, no traceback)."""

from __future__ import annotations

import errno
import pickle
import socket
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from integration_sim.cli import main
from integration_sim.errors import InputError
from integration_sim.files import MANIFEST, locked_folder
from integration_sim.runs import Checkpoints, run

EXAMPLE = ROOT / "scenarios" / "example_place.yaml"


def _edges(tmp_path: Path) -> Path:
    path = tmp_path / "edges.csv"
    path.write_text("source,target\np1,p2\np2,p3\n", encoding="utf-8")
    return path


def test_a_second_job_cannot_write_into_a_folder_in_use(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    with locked_folder(out):
        assert main(["network", str(_edges(tmp_path)), "-o", str(out)]) == 2
    assert "another job is writing to this folder" in capsys.readouterr().err
    assert not (out / "overview.csv").exists()
    # Once the first job ends (however it ends) the folder is free again.
    assert main(["network", str(_edges(tmp_path)), "-o", str(out)]) == 0


def test_an_old_manifest_goes_before_a_rerun_writes_anything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("{}")
    with locked_folder(out):
        assert not (out / MANIFEST).exists()


def test_resume_loads_only_runs_this_scenario_and_seed_wrote(small, tmp_path: Path) -> None:
    ckpt = tmp_path / ".runs"
    other = small.model_copy(update={"seed": small.seed + 1})
    run(other, replicates=2, workers=1, progress=False, checkpoint=ckpt)
    # As when two jobs with different seeds raced: the stamp says `small`, the runs are `other`'s.
    (ckpt / "scenario_hash").write_text(small.content_hash() + "\n")
    assert Checkpoints(ckpt, small, resume=True).load() == []
    # A file dropped in by hand, or cut short, is never unpickled: its run is done again.
    fresh = tmp_path / ".fresh"
    full = run(small, replicates=2, workers=1, progress=False, checkpoint=fresh)
    (fresh / "pilot~0.pkl").write_bytes(pickle.dumps("not a run"))
    (fresh / "none~1.pkl").write_bytes((fresh / "none~1.pkl").read_bytes()[:100])
    (fresh / "extra~0.pkl").write_bytes(pickle.dumps("not a run"))
    loaded = Checkpoints(fresh, small, resume=True).load()
    assert sorted((r.strategy, r.replicate) for r in loaded) == [("none", 0), ("pilot", 1)]
    again = run(small, replicates=2, workers=1, progress=False, checkpoint=fresh, resume=True)
    pd.testing.assert_frame_equal(full.records, again.records)


@pytest.mark.parametrize("where", ["is a file", "under a file"])
def test_bad_output_paths_stop_before_any_work(tmp_path: Path, capsys, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker if where == "is a file" else blocker / "sub"
    commands = [
        ["run", str(EXAMPLE)],
        ["compare", str(EXAMPLE)],
        ["network", str(_edges(tmp_path))],
        [
            "pinpoint",
            "simulate",
            str(ROOT / "calibration/example/scenario.yaml"),
            "--plan",
            str(next((ROOT / "calibration/example/plan").glob("*.csv"))),
        ],
        ["calibrate", str(ROOT / "calibration/example/config.yaml")],
        ["sweep", str(ROOT / "experiments/example_place_morris.yaml")],
    ]
    for command in commands:
        target = out
        if command[0] == "pinpoint" and where == "is a file":
            target = tmp_path  # simulate writes a file: the wrong thing there is a folder
        status = main([*command, "-o", str(target)])
        err = capsys.readouterr().err
        assert status == 2, (command, err)
        assert str(target if target == tmp_path else blocker) in err, (command, err)
        assert "Traceback" not in err, (command, err)


def test_scheduler_address_and_reachability_checked_first(tmp_path: Path, capsys) -> None:
    exp = str(ROOT / "experiments/example_place_morris.yaml")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main(["sweep", exp, "-o", str(out), "--scheduler", "not an address"])
    assert stop.value.code == 2
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        status = main(["sweep", exp, "-o", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert status == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()  # nothing left to block the rerun


def test_disk_full_is_a_message_not_a_traceback(tmp_path: Path, capsys, monkeypatch) -> None:
    from integration_sim.analysis import network

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(network, "analyse", full)
    assert main(["network", str(_edges(tmp_path)), "-o", str(tmp_path / "out")]) == 2
    assert "No space left on device" in capsys.readouterr().err


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def model(params, seed:\n    return {}\n", "syntax error"),
        (
            "import not_a_real_package_xyz\n\ndef model(params, seed):\n    return {}\n",
            "needs the package 'not_a_real_package_xyz'",
        ),
        ("raise RuntimeError('boom')\n", "failed while loading: RuntimeError: boom"),
    ],
)
def test_broken_user_model_module_is_an_input_error(
    tmp_path: Path, capsys, source, problem
) -> None:
    name = f"user_model_{abs(hash(source)) % 10**8}"
    (tmp_path / f"{name}.py").write_text(source)
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        f"name: f\nmethod: lhs\nsamples: 4\nfunction: {name}:model\n"
        "parameters:\n  - {path: x, bounds: [0, 1]}\noutputs: [y]\n"
    )
    assert main(["sweep", str(exp), "-o", str(tmp_path / "out"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert problem in err and f"{exp}:4: function:" in err, err


def test_checkpoint_refuses_a_name_that_leaves_its_folder(small, tmp_path: Path) -> None:
    from integration_sim.runs import simulate

    store = Checkpoints(tmp_path / ".runs", small, resume=False)
    result = simulate(small, "pilot", 0)
    result.strategy = "../escaped"
    with pytest.raises(InputError, match="cannot be a file name"):
        store.save(result)
    assert not (tmp_path / "escaped~0.pkl").exists()
