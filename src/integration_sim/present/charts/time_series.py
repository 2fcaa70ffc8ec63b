"""Charts over time: integration per strategy, pilot localities vs the rest, locality heatmap.

The integration index is the share of a week's cases handled in an
integrated way; charts show it in percent (0-100). Bands are the 10-90%
range across replicates and lines the median, so a band says how much one
run (one place's luck) can differ from another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from integration_sim.config.strategies import Intervention
from integration_sim.engine.schedule import funding_periods
from integration_sim.present.charts import data
from integration_sim.present.style import (
    FUNDED_GREY,
    Chart,
    Look,
    label_of,
    looks,
    new_figure,
    styled,
)

PCT = 100.0  # proportion -> percent
SMOOTH = 4  # weeks in the centred rolling mean: weekly case counts are small and noisy


def _week_axis(ax: Axes, horizon: int) -> None:
    step = 26 if horizon <= 260 else 52
    ax.set_xlim(0, max(horizon - 1, 1))
    ax.set_xticks(np.arange(0, horizon, step))


def _shade_funding(ax: Axes, periods: list[tuple[str, int, int]]) -> None:
    # First phase solid grey, later phases (scale-up, waves) hatched, so the
    # two read apart in print as well as on screen.
    for i, (_, lo, hi) in enumerate(periods):
        if i == 0:
            ax.axvspan(lo, hi, color=FUNDED_GREY, lw=0, zorder=0)
        else:
            ax.axvspan(lo, hi, facecolor="none", edgecolor="0.7", hatch="///", lw=0, zorder=0)


def _funding_handles(interventions: Mapping[str, list[Intervention]], horizon: int) -> list[Patch]:
    """Legend entries for the shading actually drawn (none, first phase, later phases)."""
    phases = max((len(funding_periods(ivs, horizon)) for ivs in interventions.values()), default=0)
    handles = [Patch(color=FUNDED_GREY, label="funded: first phase")] if phases else []
    if phases > 1:
        handles.append(
            Patch(facecolor="white", edgecolor="0.6", hatch="///", label="funded: later phases")
        )
    return handles


def _grid(n: int, ncols: int = 3, w: float = 3.6, h: float = 2.6):
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = new_figure(w * ncols, h * nrows + 0.8)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _band(ax: Axes, b: pd.DataFrame, look: Look, label: str | None, alpha: float = 0.22) -> None:
    ax.fill_between(b["week"], b["q10"] * PCT, b["q90"] * PCT, color=look.colour, alpha=alpha, lw=0)
    every = max(len(b) // 8, 1)
    ax.plot(
        b["week"],
        b["median"] * PCT,
        color=look.colour,
        ls=look.linestyle,
        lw=1.6,
        marker=look.marker,
        markevery=every,
        ms=4,
        label=label,
    )


def _order(records: pd.DataFrame, strategies: list[str] | None) -> list[str]:
    return strategies or list(dict.fromkeys(records["strategy"]))


@styled
def integration_over_time(
    records: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    *,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    horizon: int | None = None,
) -> Chart:
    """One panel per strategy: system-wide integration index (percent) by week.

    Each panel has the strategy's median and 10-90% band, the other
    strategies' medians in grey for reference, and its funded weeks shaded.
    """
    strategies = _order(records, strategies)
    labels = labels or {}
    horizon = horizon or int(records["week"].max()) + 1
    b = data.bands(data.smooth(data.series(records), SMOOTH), ["strategy", "week"])
    look = looks(strategies)
    fig, axes = _grid(len(strategies))
    for ax, s in zip(axes, strategies, strict=True):
        for other in strategies:
            if other != s:
                o = b[b["strategy"] == other]
                ax.plot(o["week"], o["median"] * PCT, color="0.6", lw=0.8, ls=look[other].linestyle)
        _shade_funding(ax, funding_periods(interventions.get(s, []), horizon))
        _band(ax, b[b["strategy"] == s], look[s], None)
        ax.set_title(label_of(s, labels, 40))
        _week_axis(ax, horizon)
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(f"Integration index (% of cases\nintegrated, {SMOOTH}-week mean)")
        if ax.get_subplotspec().is_last_row() or ax is axes[-1]:
            ax.set_xlabel("Week of run")
    handles = [
        axes[0].plot([], [], color="0.2", lw=1.6, label="median of replicates")[0],
        Patch(color=look[strategies[0]].colour, alpha=0.22, label="10-90% of replicates"),
        axes[0].plot([], [], color="0.6", lw=0.8, label="other strategies (medians)")[0],
        *_funding_handles(interventions, horizon),
    ]
    fig.legend(
        handles=handles, loc="outside lower center", ncols=5 if len(axes) > 2 else 3, frameon=False
    )
    title = "Integrated working over time, by rollout strategy"
    fig.suptitle(title, fontweight="bold")
    caption = (
        "Look at where each line goes after its shaded (funded) weeks end: a line that falls "
        "back was bought, not built; a narrow band means the result holds across replicates."
    )
    return Chart("integration_over_time", title, caption, fig)


@styled
def pilot_vs_rest(
    records: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    *,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    horizon: int | None = None,
    pilots: list[str] | None = None,
) -> Chart | None:
    """Integration index (percent) in the pilot localities vs all other localities.

    The same split (the pilot strategy's localities) is drawn for every
    strategy, so a system-wide panel shows how the pilot places would have
    fared anyway. Returns None when no strategy has a pilot phase.
    """
    pilots = pilots or data.pilot_localities(interventions)
    localities = list(dict.fromkeys(data.series(records, "integration_index", None)["locality"]))
    rest = [n for n in localities if n not in pilots]
    if not pilots or not rest:
        return None
    strategies = _order(records, strategies)
    labels = labels or {}
    horizon = horizon or int(records["week"].max()) + 1
    pair = looks(["pilot", "rest"])
    groups = {
        "pilot localities": (data.smooth(data.group_index(records, pilots), SMOOTH), pair["pilot"]),
        "other localities": (data.smooth(data.group_index(records, rest), SMOOTH), pair["rest"]),
    }
    fig, axes = _grid(len(strategies))
    for ax, s in zip(axes, strategies, strict=True):
        _shade_funding(ax, funding_periods(interventions.get(s, []), horizon))
        for name, (df, look) in groups.items():
            _band(ax, data.bands(df[df["strategy"] == s], ["week"]), look, name)
        ax.set_title(label_of(s, labels, 40))
        _week_axis(ax, horizon)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(f"Integration index (% of cases\nintegrated, {SMOOTH}-week mean)")
        if ax.get_subplotspec().is_last_row() or len(strategies) - list(axes).index(ax) <= 3:
            ax.set_xlabel("Week of run")  # only where tick labels show (shared x axis)
    handles = [*axes[0].get_legend_handles_labels()[0], *_funding_handles(interventions, horizon)]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    title = f"Pilot localities ({', '.join(pilots)}) vs the rest"
    fig.suptitle(title, fontweight="bold")
    caption = (
        "The gap between solid and dashed lines is the pilot's local lead; watch whether the dashed "
        "line climbs after scale-up (spread) and how big the gap is without any pilot (readier places)."
    )
    return Chart("pilot_vs_rest", title, caption, fig)


HEATMAP_SMOOTH = 13  # weeks: a quarter, so seasonal and weekly noise do not read as change


def _heat_grid(med: pd.Series, s: str, localities: list[str], weeks: np.ndarray) -> np.ndarray:
    if s not in med.index.get_level_values(0):
        return np.full((len(localities), len(weeks)), np.nan)
    return med.loc[s].unstack("week").reindex(index=localities, columns=weeks).to_numpy() * PCT


def _heat_panel(
    ax: Axes, grid: np.ndarray, weeks: np.ndarray, localities: list[str], pilots: set, **im
):
    image = ax.imshow(
        grid,
        aspect="auto",
        interpolation="nearest",
        extent=(weeks[0] - 0.5, weeks[-1] + 0.5, len(localities) - 0.5, -0.5),
        **im,
    )
    ax.set_yticks(range(len(localities)))
    ax.set_yticklabels([f"{name} *" if name in pilots else name for name in localities])
    ax.grid(False)
    return image


def _heat_data(records: pd.DataFrame, baseline: str) -> tuple[pd.Series, pd.Series]:
    """Smoothed index per locality and week: median levels, and median paired differences."""
    loc = data.smooth(data.series(records, "integration_index", None), HEATMAP_SMOOTH)
    keys = ["strategy", "locality", "week"]
    levels = loc.groupby(keys, observed=True)["value"].median()
    base = loc[loc["strategy"] == baseline].set_index(["replicate", "locality", "week"])["value"]
    paired = loc.join(base.rename("base"), on=["replicate", "locality", "week"])
    diff = (paired["value"] - paired["base"]).rename("value")
    return levels, paired.assign(value=diff).groupby(keys, observed=True)["value"].median()


@styled
def locality_heatmap(
    records: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    *,
    baseline: str | None = None,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    localities: list[str] | None = None,
    horizon: int | None = None,
) -> Chart:
    """Integration by locality (rows) and week (columns), smoothed over 13 weeks.

    The baseline's panel shows its level (median over replicates); every other
    panel shows the median paired difference from the baseline (same replicate,
    locality and week), so what each strategy adds stands out from the season.
    """
    strategies = _order(records, strategies)
    baseline = baseline or strategies[0]
    strategies = [baseline, *[s for s in strategies if s != baseline]]
    labels = labels or {}
    horizon = horizon or int(records["week"].max()) + 1
    levels, diffs = _heat_data(records, baseline)
    localities = localities or list(dict.fromkeys(levels.index.get_level_values("locality")))
    weeks = np.sort(levels.index.get_level_values("week").unique())
    pilots = set(data.pilot_localities(interventions))
    fig = new_figure(10, 0.9 + len(strategies) * (0.45 + 0.2 * len(localities)))
    axes = fig.subplots(len(strategies), 1, sharex=True, squeeze=False).ravel()
    base_grid = _heat_grid(levels, baseline, localities, weeks)
    # cividis: perceptually uniform and readable by most colour-blind viewers and in grey.
    level_im = _heat_panel(axes[0], base_grid, weeks, localities, pilots, cmap="cividis")
    grids = [_heat_grid(diffs, s, localities, weeks) for s in strategies[1:]]
    lim = max([np.nanmax(np.abs(g)) for g in grids if np.isfinite(g).any()] + [0.5])
    diff_im = None
    for ax, grid in zip(axes[1:], grids, strict=True):
        diff_im = _heat_panel(
            ax, grid, weeks, localities, pilots, cmap="PuOr_r", vmin=-lim, vmax=lim
        )
    for ax, s in zip(axes, strategies, strict=True):
        for _, lo, hi in funding_periods(interventions.get(s, []), horizon):
            for w in (lo, hi):
                ax.axvline(w - 0.5, color="black", ls="--", lw=1)
        what = "level" if s == baseline else f"difference from {labels.get(baseline, baseline)}"
        ax.set_title(f"{label_of(s, labels, 60)}: {what}", loc="left", fontsize=9)
    _week_axis(axes[-1], horizon)
    axes[-1].set_xlabel("Week of run (dashed lines: funding starts and ends)")
    fig.colorbar(level_im, ax=axes[:1], label="Index (%)", shrink=0.9)
    if diff_im is not None:
        fig.colorbar(diff_im, ax=list(axes[1:]), label="Difference (points)", shrink=0.8)
    title = f"Integration by locality and week ({HEATMAP_SMOOTH}-week rolling mean)"
    fig.suptitle(title + ("; * = pilot locality" if pilots else ""), fontweight="bold")
    caption = (
        "Top: the baseline's integration index. Below: each strategy's difference from it, median "
        "of replicate pairs (orange: more integrated, purple: less). Read across a row to see when a "
        "locality gains and whether the gain fades after the dashed funding-end line."
    )
    return Chart("locality_heatmap", title, caption, fig)


@styled
def behaviour_performance(
    records: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    *,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    horizon: int | None = None,
) -> Chart:
    """One panel per behaviour: share of eligible practitioners performing it each week
    (percent), median and 10-90% band per strategy."""
    strategies = _order(records, strategies)
    labels = labels or {}
    horizon = horizon or int(records["week"].max()) + 1
    rows = records[
        (records["metric"] == "performance_rate")
        & (records["locality"] == data.ALL)
        & (records["organisation_type"] == data.ALL)
    ]
    rows = rows[["strategy", "replicate", "week", "behaviour", "value"]].astype(
        {"strategy": str, "behaviour": str}
    )
    behaviours = list(dict.fromkeys(rows["behaviour"]))
    look = looks(strategies)
    fig, axes = _grid(len(behaviours), ncols=min(len(behaviours), 5), w=3.0, h=2.6)
    for ax, name in zip(axes, behaviours, strict=True):
        part = data.smooth(rows[rows["behaviour"] == name].drop(columns="behaviour"), SMOOTH)
        b = data.bands(part, ["strategy", "week"])
        for s in strategies:
            _band(ax, b[b["strategy"] == s], look[s], label_of(s, labels, 30))
        ax.set_title(name.replace("_", " "))
        _week_axis(ax, horizon)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(f"% of eligible practitioners\nperforming ({SMOOTH}-week mean)")
        ax.set_xlabel("Week of run")
    axes[0].set_ylim(0, 100)
    fig.legend(
        *axes[0].get_legend_handles_labels(),
        loc="outside lower center",
        ncols=min(len(strategies), 4),
        frameon=False,
    )
    title = "Behaviours performed, by strategy"
    fig.suptitle(title, fontweight="bold")
    caption = (
        "Which behaviours a strategy moves, and whether they stay up once its funding ends; "
        "bands are the 10-90% range across replicates."
    )
    return Chart("behaviours", title, caption, fig)
