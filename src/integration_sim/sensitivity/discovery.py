"""Scenario discovery: the parameter ranges where a yes/no question holds, by PRIM.

PRIM (Friedman and Fisher 1999) starts from the box holding every sample point
and repeatedly peels off the slice (a share ``alpha`` of the points in the box,
from one side of one parameter) whose removal leaves the highest share of
"yes" points, until the box holds fewer than ``min_mass`` of all points. The
peeling trajectory trades **coverage** (share of all "yes" points inside the
box) against **density** (share of points inside the box that are "yes"). We
choose the densest box still covering at least ``min_coverage`` of the "yes"
points, then paste (widen) its limits while density does not fall.

Written here rather than taken from a library: the algorithm is ~100 lines and
the maintained implementation (ema_workbench) would pull in a large stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Box:
    """Limits per parameter (natural units) and the box's statistics."""

    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    mass: float


@dataclass
class PrimResult:
    """The chosen box, the peeling trajectory and the base rate of "yes"."""

    box: Box
    trajectory: pd.DataFrame
    base_rate: float
    n_points: int


def inside(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Mask of rows of ``x`` inside the box (limits inclusive)."""
    return np.all((x >= lower) & (x <= upper), axis=1)


def _stats(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> Box:
    m = inside(x, lower, upper)
    n_in, yes = int(m.sum()), int(y.sum())
    return Box(
        lower.copy(),
        upper.copy(),
        coverage=float(y[m].sum() / yes) if yes else float("nan"),
        density=float(y[m].mean()) if n_in else float("nan"),
        mass=n_in / len(y),
    )


def _peel_candidates(x: np.ndarray, m: np.ndarray, alpha: float):
    """Each (dimension, side, new limit) that removes about ``alpha`` of the box's points."""
    xin = x[m]
    for j in range(x.shape[1]):
        col = xin[:, j]
        lo_q, hi_q = np.quantile(col, alpha), np.quantile(col, 1 - alpha)
        # On a coarse grid (e.g. Morris levels) a quantile may equal the edge:
        # then peel the whole edge level instead of nothing.
        lo_new = lo_q if lo_q > col.min() else np.min(col[col > col.min()], initial=np.inf)
        hi_new = hi_q if hi_q < col.max() else np.max(col[col < col.max()], initial=-np.inf)
        if np.isfinite(lo_new):
            yield j, 0, lo_new
        if np.isfinite(hi_new):
            yield j, 1, hi_new


def peel(x: np.ndarray, y: np.ndarray, alpha: float, min_mass: float) -> list[Box]:
    """The peeling trajectory, from the full box to the last box holding >= min_mass."""
    lower, upper = x.min(axis=0), x.max(axis=0)
    boxes = [_stats(x, y, lower, upper)]
    while boxes[-1].density < 1.0:
        m = inside(x, lower, upper)
        best = None
        for j, side, limit in _peel_candidates(x, m, alpha):
            lo, hi = lower.copy(), upper.copy()
            (lo if side == 0 else hi)[j] = limit
            cand = _stats(x, y, lo, hi)
            if cand.mass < min_mass or not np.isfinite(cand.density):
                continue
            # Highest density; ties go to the larger box, then to the first parameter.
            if best is None or (cand.density, cand.mass) > (best.density, best.mass):
                best = cand
        if best is None:
            break
        lower, upper = best.lower, best.upper
        boxes.append(best)
    return boxes


def paste(x: np.ndarray, y: np.ndarray, box: Box, alpha: float) -> Box:
    """Widen each limit of ``box`` by about ``alpha`` of its points while density does not fall."""
    full_lo, full_hi = x.min(axis=0), x.max(axis=0)
    improved = True
    while improved:
        improved = False
        m_count = max(int(round(alpha * box.mass * len(y))), 1)
        for j in range(x.shape[1]):
            for side in (0, 1):
                limit = (box.lower if side == 0 else box.upper)[j]
                if limit == (full_lo if side == 0 else full_hi)[j]:
                    continue
                others = inside(
                    np.delete(x, j, axis=1), np.delete(box.lower, j), np.delete(box.upper, j)
                )
                col = x[others, j]
                beyond = np.sort(col[col < limit])[::-1] if side == 0 else np.sort(col[col > limit])
                if not len(beyond):
                    continue
                lo, hi = box.lower.copy(), box.upper.copy()
                (lo if side == 0 else hi)[j] = beyond[min(m_count, len(beyond)) - 1]
                cand = _stats(x, y, lo, hi)
                if cand.density >= box.density and cand.mass > box.mass:
                    box, improved = cand, True
    return box


def prim(
    x: np.ndarray,
    y: np.ndarray,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
) -> PrimResult:
    """Find the box where ``y`` (booleans) holds, over points ``x`` (rows) in natural units."""
    y = np.asarray(y, dtype=bool)
    boxes = peel(x, y, alpha, min_mass)
    eligible = [
        b for b in boxes if np.isfinite(b.coverage) and b.coverage >= min_coverage
    ] or boxes[:1]
    chosen = max(eligible, key=lambda b: (b.density, b.coverage))
    chosen = paste(x, y, chosen, alpha)
    traj = pd.DataFrame(
        {
            "step": range(len(boxes)),
            "coverage": [b.coverage for b in boxes],
            "density": [b.density for b in boxes],
            "mass": [b.mass for b in boxes],
        }
    )
    return PrimResult(
        box=chosen,
        trajectory=traj,
        base_rate=float(y.mean()) if len(y) else float("nan"),
        n_points=len(y),
    )


def box_table(
    result: PrimResult, x: np.ndarray, names: list[str], paths: list[str]
) -> pd.DataFrame:
    """One row per parameter: box limits, sampled range, whether the box restricts it."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    b = result.box
    return pd.DataFrame(
        {
            "parameter": names,
            "path": paths,
            "box_lower": b.lower,
            "box_upper": b.upper,
            "sampled_lower": lo,
            "sampled_upper": hi,
            "restricted": (b.lower > lo) | (b.upper < hi),
            "coverage": b.coverage,
            "density": b.density,
            "mass": b.mass,
        }
    )


def describe(result: PrimResult, table: pd.DataFrame, question: str) -> str:
    """A short markdown account of the box for people who will act on it."""
    b = result.box
    lines = [
        "# Scenario discovery",
        "",
        f"Question: **{question}**",
        "",
        f"It holds at {result.base_rate:.0%} of the {result.n_points} sample points (base rate).",
        "",
    ]
    restricted = table[table["restricted"]]
    if restricted.empty or not np.isfinite(b.density):
        lines.append("PRIM found no parameter ranges that make it markedly more likely.")
        return "\n".join(lines) + "\n"
    lines += [
        f"It holds at **{b.density:.0%}** of points inside the box below (density) and the box "
        f"captures **{b.coverage:.0%}** of all points where it holds (coverage); the box holds "
        f"{b.mass:.0%} of the points.",
        "",
        "| parameter | box | sampled range |",
        "|---|---|---|",
    ]
    for r in restricted.itertuples():
        lines.append(
            f"| `{r.path}` | {r.box_lower:.4g} to {r.box_upper:.4g} "
            f"| {r.sampled_lower:.4g} to {r.sampled_upper:.4g} |"
        )
    lines += [
        "",
        "Parameters not listed are unrestricted: the answer does not hinge on them "
        "within the sampled ranges.",
    ]
    return "\n".join(lines) + "\n"
