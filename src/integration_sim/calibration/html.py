"""Small helpers for self-contained HTML pages: escaped tables, embedded PNG charts.

Every string that came from a user (locator names, notes, file names) goes
through :func:`esc`; charts are embedded as base64 PNG so a page is one file
that can be emailed to the programme's participants.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from integration_sim.files import atomic_path
from integration_sim.present import style

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em}table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.flag td{background:#fff4e5}img{max-width:100%;height:auto}
.note{color:#555;font-size:.92em}.warn{color:#8a4b00}
"""


def esc(value: object) -> str:
    """HTML-escape any value (None becomes an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int = 3) -> str:
    """Format numbers compactly for tables; escape everything else."""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.{digits}g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return esc(value)


def table(df: pd.DataFrame, flag: pd.Series | None = None, digits: int = 3) -> str:
    """An HTML table of ``df``; rows where ``flag`` is true are highlighted."""
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    body = []
    for i, (_, row) in enumerate(df.iterrows()):
        cls = ' class="flag"' if flag is not None and bool(flag.iloc[i]) else ""
        cells = "".join(
            f'<td class="num">{fmt(v, digits)}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{esc(v)}</td>"
            for v in row.tolist()
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def png_bytes(fig: Figure) -> bytes:
    """Render a figure to PNG bytes (in the house style's resolution)."""
    return style.png_bytes(fig)


def img(png: bytes, alt: str) -> str:
    """An <img> tag embedding ``png`` as base64, with escaped alt text."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def save_png(png: bytes, path: Path) -> None:
    """Write PNG bytes to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(png)


def page(title: str, parts: Iterable[str], subtitle: str = "") -> str:
    """A whole self-contained HTML page; ``parts`` are already-escaped HTML fragments."""
    sub = f'<p class="note">{esc(subtitle)}</p>' if subtitle else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{esc(title)}</h1>{sub}\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
