"""Loading a measured practitioner network: a CSV edge list or GraphML, plus a practitioner table.

Edge list CSV: ``source, target`` and optional ``weight`` (initial trust, 0-1]
and ``layer`` (``within`` or ``cross``; inferred from organisations if absent).
Practitioner CSV: ``id, organisation, role, locality`` and optional
``organisation_type`` (inferred from the role when the catalogue has one type
with that role). GraphML carries the practitioner attributes on its nodes.
Every problem names the file, the row and the column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import NetworkFile, NetworkParameters
from integration_sim.engine.network import CROSS, WITHIN, TieTable
from integration_sim.engine.state import Organisation, Population
from integration_sim.errors import InputError, InputErrors

PRACTITIONER_COLUMNS = ("id", "organisation", "role", "locality")


@dataclass
class MeasuredNetwork:
    """A measured network, in the row order the population will use."""

    organisations: list[Organisation]
    posts: list[tuple[int, str, str, int]]
    ids: list[str]  # practitioner id of each row
    edges: pd.DataFrame  # source_row, target_row, weight (NaN if absent), layer (-1 if absent)

    def ties(self, pop: Population, params: NetworkParameters) -> TieTable:
        """The tie table, initial trust from weights where given."""
        e = self.edges
        u, v = e["source_row"].to_numpy(), e["target_row"].to_numpy()
        same = pop.organisation[u] == pop.organisation[v]
        layer = np.where(
            e["layer"].to_numpy() >= 0, e["layer"].to_numpy(), np.where(same, WITHIN, CROSS)
        )
        default = np.where(layer == WITHIN, params.team_trust, params.initial_trust)
        trust = np.where(
            e["weight"].notna(), e["weight"].to_numpy(dtype=float, na_value=np.nan), default
        )
        table = TieTable(
            pop.size,
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
            np.zeros(0, np.int8),
        )
        for lay in (WITHIN, CROSS):
            sel = layer == lay
            table.add(u[sel], v[sel], 0.5, lay)
        # Set trust per tie after de-duplication (keys are sorted pairs). A pair given on
        # several rows (both directions, as reciprocal survey answers are) is one tie whose
        # trust is the mean of its rows', so the order of the rows does not matter.
        key = np.minimum(u, v).astype(np.int64) * pop.size + np.maximum(u, v)
        pairs = pd.Series(np.nan_to_num(trust, nan=0.5)).groupby(key).mean()
        tkey = table.u.astype(np.int64) * pop.size + table.v
        table.trust = np.clip(pairs.reindex(tkey).to_numpy(), 1e-6, 1.0)
        return table


def load_network(scenario: Scenario, spec: NetworkFile) -> MeasuredNetwork:
    """Read and check a measured network against the scenario's localities and types."""
    if Path(spec.edges).suffix.lower() != ".graphml" and spec.practitioners is None:
        raise InputError(
            "a CSV edge list needs a practitioner table (system.network.practitioners)",
            field="system.network.practitioners",
        )
    people, edges = read_network_files(spec.edges, spec.practitioners)
    people_file = Path(spec.practitioners or spec.edges)
    return _assemble(_check_people(people, people_file, scenario), edges, scenario)


def read_network_files(
    edges: str | Path, practitioners: str | Path | None = None
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Read a measured network without reference to any scenario.

    Returns (practitioner table or None, edges with columns source, target,
    weight (NaN if absent) and layer (-1 if absent)). A GraphML file carries
    its own practitioner attributes; a CSV edge list takes them from
    ``practitioners``. Every problem names the file, row and column.
    """
    path = Path(edges)
    if path.suffix.lower() in (".graphml", ".xml"):
        people, raw = _read_graphml(path)
        people = _check_people_columns(people, path) if len(people.columns) > 1 else None
    else:
        raw = read_table(path, ("source", "target"))
        people = None
        if practitioners is not None:
            people = read_practitioners(practitioners)
    ids = set(people["id"]) if people is not None else None
    return people, _check_edges(raw, path, ids)


def read_practitioners(path: str | Path) -> pd.DataFrame:
    """A practitioner table (CSV), checked: columns, missing values, duplicate ids."""
    return _check_people_columns(read_table(Path(path), PRACTITIONER_COLUMNS), Path(path))


def read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """A CSV file as strings, with its ``required`` columns checked, no column named twice
    and every row as long as the header (an extra field is an error, not a shift)."""
    _check_shape(path)
    try:
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False
        )
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV file: {exc}", file=path) from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (need {', '.join(required)}; "
            f"found: {', '.join(df.columns)})",
            file=path,
            line=1,
        )
    return df


def _check_shape(path: Path) -> None:
    """Duplicate header names and rows with more or fewer fields than the header."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, skipinitialspace=True)
            header = [h.strip() for h in next(reader, [])]
            dupes = sorted({h for h in header if header.count(h) > 1})
            if dupes:
                raise InputError(
                    f"column(s) named twice: {', '.join(dupes)}", file=path, line=1, field=dupes[0]
                )
            errors = [
                InputError(
                    f"has {len(values)} fields but the header has {len(header)} columns",
                    file=path,
                    line=reader.line_num,
                )
                for values in reader
                if values and len(values) != len(header)
            ]
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"not a readable CSV file: {exc}", file=path) from None
    if errors:
        raise InputErrors(errors[:50])


def _read_graphml(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        g = nx.read_graphml(path)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except Exception as exc:  # networkx raises several parser types
        raise InputError(f"not a readable GraphML file: {exc}", file=path) from None
    described = any(d for _, d in g.nodes(data=True))
    bare = [str(n) for n, d in g.nodes(data=True) if described and not d]
    if bare:
        raise InputError(
            f"edges refer to node(s) the file does not declare with attributes: "
            f"{', '.join(bare[:10])}",
            file=path,
        )
    people = pd.DataFrame(
        [{"id": str(n), **{k: str(v) for k, v in d.items()}} for n, d in g.nodes(data=True)]
    ).fillna("")
    rows = [
        {"source": str(a), "target": str(b), **{k: str(v) for k, v in d.items()}}
        for a, b, d in g.edges(data=True)
    ]
    # Keep weight and layer attributes when present; columns= would drop them.
    edges = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["source", "target"])
    return people, edges


def _row(i: int) -> int:
    return i + 2  # 1-based, after the header line


def _check_people_columns(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Scenario-free checks of a practitioner table: columns, missing values, duplicate ids."""
    missing = [c for c in PRACTITIONER_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (need {', '.join(PRACTITIONER_COLUMNS)})",
            file=path,
            line=1,
        )
    errors = [
        InputError("missing value", file=path, line=_row(i), field=col)
        for i, row in enumerate(df.itertuples(index=False))
        for col in PRACTITIONER_COLUMNS
        if not str(getattr(row, col)).strip()
    ]
    dupes = df["id"][df["id"].duplicated()]
    errors += [
        InputError(
            f"duplicate practitioner id {df['id'][i]!r}", file=path, line=_row(i), field="id"
        )
        for i in dupes.index
    ]
    if errors:
        raise InputErrors(errors[:50])
    return df


def _check_people(df: pd.DataFrame, path: Path, scenario: Scenario) -> pd.DataFrame:
    """Localities and organisation types of a practitioner table against a scenario."""
    role_types = _role_types(scenario)
    errors: list[InputError] = []
    types = []
    for i, row in enumerate(df.itertuples(index=False)):
        if row.locality and row.locality not in scenario.locality_names:
            errors.append(
                InputError(
                    f"unknown locality {row.locality!r} (scenario has "
                    f"{', '.join(scenario.locality_names)})",
                    file=path,
                    line=_row(i),
                    field="locality",
                )
            )
        otype = getattr(row, "organisation_type", "") if "organisation_type" in df.columns else ""
        if not otype:
            candidates = role_types.get(row.role, [])
            if len(candidates) != 1:
                errors.append(
                    InputError(
                        f"cannot tell the organisation type of role {row.role!r}; "
                        "add an organisation_type column",
                        file=path,
                        line=_row(i),
                        field="role",
                    )
                )
            otype = candidates[0] if candidates else ""
        elif otype not in scenario.organisation_types:
            errors.append(
                InputError(
                    f"unknown organisation type {otype!r}",
                    file=path,
                    line=_row(i),
                    field="organisation_type",
                )
            )
        types.append(otype)
    if errors:
        raise InputErrors(errors[:50])
    return df.assign(organisation_type=types)


def _role_types(scenario: Scenario) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, t in scenario.organisation_types.items():
        for role in t.roles:
            out.setdefault(role, []).append(name)
    return out


def _check_edges(df: pd.DataFrame, path: Path, ids: set[str] | None) -> pd.DataFrame:
    """Row-by-row checks of an edge list; ``ids`` (if given) are the known practitioners."""
    errors: list[InputError] = []
    weights, layers = [], []
    for i, row in enumerate(df.itertuples(index=False)):
        for col in ("source", "target"):
            if ids is not None and str(getattr(row, col)) not in ids:
                errors.append(
                    InputError(
                        f"practitioner {getattr(row, col)!r} is not in the practitioner table",
                        file=path,
                        line=_row(i),
                        field=col,
                    )
                )
        w = str(getattr(row, "weight", "") or "").strip()
        try:
            wv = float(w) if w else np.nan
            if w and not 0.0 < wv <= 1.0:
                raise ValueError
        except ValueError:
            errors.append(
                InputError(
                    f"expected a number in (0, 1] for the weight, got {w!r}",
                    file=path,
                    line=_row(i),
                    field="weight",
                )
            )
            wv = np.nan
        weights.append(wv)
        lay = str(getattr(row, "layer", "") or "").strip().lower()
        if lay not in ("", "within", "cross", "0", "1"):
            errors.append(
                InputError(
                    f"layer must be 'within' (0) or 'cross' (1), got {lay!r}",
                    file=path,
                    line=_row(i),
                    field="layer",
                )
            )
        layers.append({"within": WITHIN, "cross": CROSS, "0": WITHIN, "1": CROSS}.get(lay, -1))
    if errors:
        raise InputErrors(errors[:50])
    return pd.DataFrame(
        {
            "source": df["source"].astype(str),
            "target": df["target"].astype(str),
            "weight": weights,
            "layer": layers,
        }
    )


def _assemble(people: pd.DataFrame, edges: pd.DataFrame, scenario: Scenario) -> MeasuredNetwork:
    people = people.sort_values(
        ["organisation", "locality", "role", "id"], kind="stable"
    ).reset_index(drop=True)
    org_names = list(dict.fromkeys(people["organisation"]))
    organisations = []
    for k, name in enumerate(org_names):
        rows = people[people["organisation"] == name]
        types = rows["organisation_type"].unique()
        locs = [n for n in scenario.locality_names if n in set(rows["locality"])]
        organisations.append(Organisation(k, name, str(types[0]), locs))
    org_index = {n: k for k, n in enumerate(org_names)}
    grouped = people.groupby(["organisation", "locality", "role"], sort=False).size()
    posts = [(org_index[o], loc, role, int(c)) for (o, loc, role), c in grouped.items()]
    row_of = {pid: i for i, pid in enumerate(people["id"])}
    edges = edges.assign(
        source_row=edges["source"].map(row_of).astype(np.int64),
        target_row=edges["target"].map(row_of).astype(np.int64),
    )
    return MeasuredNetwork(organisations, posts, list(people["id"]), edges)
