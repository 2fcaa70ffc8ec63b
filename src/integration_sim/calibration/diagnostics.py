"""Calibration diagnostics: posterior marginals and pairs, ESS per generation, predictive check.

Each chart is written as PNG under ``<out>/diagnostics/`` and embedded in the
self-contained page ``<out>/diagnostics.html``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from integration_sim.calibration.html import esc, img, page, png_bytes, save_png, table
from integration_sim.calibration.posterior import WEIGHT, parameters, weighted_quantile
from integration_sim.files import write_text
from integration_sim.present.style import CONTRAST, MAIN, REFERENCE, SECOND, new_figure, styled


def short(name: str) -> str:
    """A dotted path shortened for axis labels (last three parts)."""
    return ".".join(name.split(".")[-3:])


@styled
def marginals(post: pd.DataFrame, priors: dict, truth: dict[str, float] | None = None) -> Figure:
    """Weighted posterior histogram per parameter, prior density and 90% interval."""
    names = parameters(post)
    fig = new_figure(4.2 * len(names), 3.2)
    axes = fig.subplots(1, len(names), squeeze=False)
    w = post[WEIGHT].to_numpy()
    for ax, name in zip(axes[0], names, strict=True):
        x = post[name].to_numpy()
        ax.hist(x, bins=15, weights=w, density=True, color=MAIN, alpha=0.7, label="posterior")
        prior = priors[name].frozen()
        # Show the posterior's region (with margin) rather than the whole prior support.
        span = max(x.max() - x.min(), 1e-9)
        lo = max(x.min() - 0.6 * span, prior.ppf(0.0005))
        hi = min(x.max() + 0.6 * span, prior.ppf(0.9995))
        grid = np.linspace(lo, hi, 200)
        ax.plot(grid, prior.pdf(grid), color=REFERENCE, lw=1.5, label="prior")
        ax.set_xlim(lo, hi)
        for q in weighted_quantile(x, w, np.array([0.05, 0.95])):
            ax.axvline(q, color=MAIN, ls=":", lw=1)
        if truth and name in truth:
            ax.axvline(truth[name], color=CONTRAST, lw=2, label="truth")
        ax.set_title(short(name), fontsize=9)
        ax.legend(fontsize=7)
    return fig


@styled
def pairs(post: pd.DataFrame) -> Figure | None:
    """Scatter of each pair of parameters, point size by weight (None for one parameter)."""
    names = parameters(post)
    if len(names) < 2:
        return None
    k = len(names)
    fig = new_figure(3 * (k - 1), 3 * (k - 1))
    axes = fig.subplots(k - 1, k - 1, squeeze=False)
    size = 200 * post[WEIGHT].to_numpy() / post[WEIGHT].max()
    for i in range(1, k):
        for j in range(k - 1):
            ax = axes[i - 1][j]
            if j >= i:
                ax.axis("off")
                continue
            ax.scatter(post[names[j]], post[names[i]], s=size, alpha=0.4, color=MAIN)
            if i == k - 1:
                ax.set_xlabel(short(names[j]), fontsize=8)
            if j == 0:
                ax.set_ylabel(short(names[i]), fontsize=8)
    return fig


@styled
def ess_chart(gens: pd.DataFrame) -> Figure:
    """Effective sample size and temperature per generation."""
    fig = new_figure(6, 3.2)
    ax = fig.subplots()
    ax.plot(gens["generation"], gens["ess"], "o-", color=MAIN)
    ax.set_xlabel("generation")
    ax.set_ylabel("effective sample size", color=MAIN)
    ax.set_ylim(0, None)
    ax2 = ax.twinx()
    ax2.semilogy(gens["generation"], gens["temperature"].clip(lower=1), "s--", color=SECOND)
    ax2.set_ylabel("temperature (1 = exact posterior)", color=SECOND)
    return fig


@styled
def predictive_chart(pred: pd.DataFrame) -> Figure:
    """Observed value against its posterior predictive 90% interval, one panel per input unit."""
    units = list(dict.fromkeys(pred["unit"]))
    sizes = [int((pred["unit"] == u).sum()) for u in units]
    fig = new_figure(8, 0.9 * len(units) + 0.3 * sum(sizes))
    axes = fig.subplots(len(units), 1, squeeze=False, height_ratios=[n + 2 for n in sizes])[:, 0]
    for ax, unit in zip(axes, units, strict=True):
        part = pred[pred["unit"] == unit].reset_index(drop=True)
        for y, r in part.iterrows():
            colour = MAIN if r["inside_90"] else CONTRAST
            ax.plot(
                [r["predicted_q05"], r["predicted_q95"]], [y, y], color=REFERENCE, lw=4, alpha=0.6
            )
            ax.plot(r["observed"], y, "o", color=colour)
        labels = [str(r["measurement_id"]).replace("$", r"\$") for _, r in part.iterrows()]
        ax.set_yticks(range(len(part)), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(f"{unit} (grey: posterior predictive 90% interval; dot: observed)")
    return fig


@styled
def adoption_chart(pred: pd.DataFrame) -> Figure:
    """Cumulative adopters by period: observed (dots) in the predictive 90% band, per locality."""
    series = list(pred.groupby(["behaviour", "locality"], sort=True))
    cols = min(len(series), 2)
    rows = -(-len(series) // cols)
    fig = new_figure(4.2 * cols, 2.8 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, ((behaviour, locality), g) in zip(axes, series, strict=False):
        g = g.sort_values("end_week")
        ax.fill_between(
            g["end_week"], g["predicted_q05"], g["predicted_q95"], color=REFERENCE, alpha=0.4
        )
        ax.plot(g["end_week"], g["predicted_mean"], color=MAIN, lw=1)
        inside = g["inside_90"].to_numpy(bool)
        ax.plot(g["end_week"][inside], g["observed"][inside], "o", color=MAIN, ms=4)
        ax.plot(g["end_week"][~inside], g["observed"][~inside], "o", color=CONTRAST, ms=4)
        ax.set_title(f"{behaviour}, {locality}".replace("$", r"\$"), fontsize=9)
        ax.set_xlabel("week")
        ax.set_ylabel("cumulative adopters")
    for ax in axes[len(series) :]:
        ax.axis("off")
    return fig


def write_diagnostics(
    result, priors: dict, measurements: pd.DataFrame, truth: dict[str, float] | None = None
) -> list[Path]:
    """Write every chart and the diagnostics page; return the paths written."""
    out = Path(result.out_dir)
    charts: list[tuple[str, str, bytes]] = [
        (
            "marginals",
            "Posterior marginals (bars), prior (grey line), 90% interval (dotted)",
            png_bytes(marginals(result.posterior, priors, truth)),
        ),
    ]
    fig = pairs(result.posterior)
    if fig is not None:
        charts.append(("pairs", "Posterior pairs (point size: weight)", png_bytes(fig)))
    charts.append(
        (
            "ess",
            "Effective sample size and temperature per generation",
            png_bytes(ess_chart(result.generations)),
        )
    )
    pred = result.predictive
    if "inside_90" in pred:
        adoption = pred["kind"] == "adoption"
        if adoption.any():
            charts.append(
                (
                    "adoption",
                    "Cumulative adopters: observed and posterior predictive 90% band",
                    png_bytes(adoption_chart(pred[adoption])),
                )
            )
        if (~adoption).any():
            charts.append(
                (
                    "predictive",
                    "Posterior predictive check of every measurement, in its input unit",
                    png_bytes(predictive_chart(pred[~adoption])),
                )
            )
    paths = []
    for name, _, png in charts:
        save_png(png, out / "diagnostics" / f"{name}.png")
        paths.append(out / "diagnostics" / f"{name}.png")
    write_text(out / "diagnostics.html", diagnostics_html(result, charts, measurements))
    return [*paths, out / "diagnostics.html"]


def diagnostics_html(
    result, charts: list[tuple[str, str, bytes]], measurements: pd.DataFrame
) -> str:
    """The diagnostics page: summary, generations, charts and the predictive table."""
    parts = [
        "<h2>Posterior summary</h2>",
        table(result.summary),
        '<p class="note">shrinkage = 1 - posterior sd / prior sd: near 0, the measurements say '
        "little about that parameter; near 1, they pin it down.</p>",
        "<h2>Generations</h2>",
        table(result.generations),
    ]
    last = result.generations["temperature"].iloc[-1] if len(result.generations) else float("nan")
    if last > 1:
        parts.append(
            f'<p class="warn">The last generation ran at temperature {last:.3g} &gt; 1, so the '
            "posterior is wider than the exact one: resume the calibration to run more generations.</p>"
        )
    for name, caption, png in charts:
        parts.append(f"<h2>{esc(caption)}</h2>{img(png, name)}")
    if "inside_90" in result.predictive:
        pred = result.predictive
        parts.append(
            f"<h2>Posterior predictive check</h2><p>{int(pred['inside_90'].sum())} of {len(pred)} "
            "observed estimates fall inside their 90% predictive interval.</p>"
        )
        parts.append(table(pred, flag=~pred["inside_90"]))
    parts.append(
        f"<h2>Measurements used</h2><p>{len(measurements)} measurements from "
        f"{measurements['locator'].nunique()} locators.</p>"
    )
    return page("Calibration diagnostics", parts)
