"""Measured network and measurement files: shapes that used to be read as different data
are now errors naming the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration_sim.cli import main
from integration_sim.engine.network_files import read_network_files
from integration_sim.errors import InputError

PEOPLE = "id,organisation,role,locality\np1,Council,sw,N\np2,Trust,dn,N\np3,Trust,wn,N\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_edge_row_with_an_extra_field_is_an_error(tmp_path: Path) -> None:
    edges = _write(tmp_path, "edges.csv", "source,target\np1,p2\np2,p3,0.4\n")
    people = _write(tmp_path, "people.csv", PEOPLE)
    with pytest.raises(InputError) as err:
        read_network_files(edges, people)
    assert "edges.csv:3:" in str(err.value) and "3 fields" in str(err.value)


def test_column_named_twice_is_an_error(tmp_path: Path) -> None:
    edges = _write(tmp_path, "edges.csv", "source,target,target\np1,p2,p3\n")
    with pytest.raises(InputError) as err:
        read_network_files(edges, None)
    assert "edges.csv:1: target: column(s) named twice" in str(err.value)


def test_graphml_edge_to_an_undeclared_node_is_an_error(tmp_path: Path) -> None:
    keys = "".join(
        f'<key id="{k}" for="node" attr.name="{k}" attr.type="string"/>'
        for k in ("organisation", "role", "locality")
    )
    node = (
        '<node id="{}"><data key="organisation">Trust</data><data key="role">dn</data>'
        '<data key="locality">N</data></node>'
    )
    graph = (
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        f'{keys}<graph edgedefault="undirected">{node.format("a")}{node.format("b")}'
        '<edge source="a" target="b"/><edge source="a" target="ghost"/></graph></graphml>'
    )
    path = _write(tmp_path, "net.graphml", graph)
    with pytest.raises(InputError, match="ghost"):
        read_network_files(path)


def test_edge_list_without_practitioners_warns(tmp_path: Path, capsys) -> None:
    edges = _write(tmp_path, "edges.csv", "source,target\np1,p2\np2,p3\n")
    assert main(["network", str(edges), "-o", str(tmp_path / "out")]) == 0
    assert "without --practitioners" in capsys.readouterr().err


def test_repeated_measurement_id_names_file_and_line(tmp_path: Path) -> None:
    from conftest import ROOT

    from integration_sim.calibration.measurements import read_many

    source = sorted((ROOT / "calibration/example/measurements").glob("*.csv"))[0]
    lines = source.read_text().splitlines()
    header, first = lines[0], lines[1]
    cols = header.split(",")
    assert "measurement_id" in cols
    i = cols.index("measurement_id")
    row = first.split(",")
    row[i] = "same-id"
    a = _write(tmp_path, "a.csv", f"{header}\n{','.join(row)}\n")
    b = _write(tmp_path, "b.csv", f"{header}\n{','.join(row)}\n")
    with pytest.raises(InputError) as err:
        read_many([a, b])
    text = str(err.value)
    assert f"{b}:2: measurement_id: measurement_id 'same-id' used more than once" in text
    assert f"first at {a}:2" in text


@pytest.mark.parametrize("rows", [["p1,p2,0.8", "p2,p1,0.4"], ["p2,p1,0.4", "p1,p2,0.8"]])
def test_a_pair_on_two_rows_is_one_tie_with_their_mean_trust(tmp_path: Path, rows) -> None:
    """Reciprocal survey answers give a pair twice: one tie, trust the mean of the two
    weights, whatever the order of the rows (it was the last row's weight)."""
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.model import IntegrationModel

    people = "id,organisation,role,locality\np1,Acute,ward_nurse,A\np2,GP1,gp,A\np3,GP1,gp,A\n"
    _write(tmp_path, "people.csv", people)
    _write(tmp_path, "edges.csv", "source,target,weight\n" + "\n".join([*rows, "p2,p3,0.5"]))
    scenario = _write(
        tmp_path,
        "s.yaml",
        "name: m\nhorizon_weeks: 4\nsystem:\n  localities: [{name: A, population: 3000}]\n"
        "  organisations: [{type: acute_trust, count: 1}]\n"
        "  network: {edges: edges.csv, practitioners: people.csv}\n",
    )
    model = IntegrationModel(load_scenario(scenario), seed=1)
    _, _, trust, _ = model.initial_ties.live()  # ends, ends, trust, layer of each live tie
    assert sorted(trust.round(12).tolist()) == [0.5, 0.6]
