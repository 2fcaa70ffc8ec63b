"""The report opens in a real headless Chromium: every chart image loads, no script runs, and the
decision summary is on the first screenful (checked on a screenshot).

Needs the system Chromium (``apt-get install chromium``; see .ci/install-browser.sh)
and Playwright's Python package; skips with the reason when either is missing.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from integration_sim.present import report

CHROMIUM = os.environ.get("INTEGRATION_SIM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1280, "height": 800}  # a common laptop screen
FRAME_RGB = np.array([0x00, 0x72, 0xB2])  # the decision summary's frame (Okabe-Ito blue)


def _browser_or_skip() -> None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (install with .ci/install-browser.sh)")
    pytest.importorskip(
        "playwright.sync_api", reason="Playwright's Python package is not installed"
    )


def test_report_opens_and_every_image_loads(tmp_path):
    _browser_or_skip()
    from playwright.sync_api import sync_playwright
    from test_report import EVIL, synthetic_results  # tests/ is on sys.path under pytest

    path = report.write_report(
        synthetic_results(strategies=("pilot", EVIL, "staged"), replicates=8), tmp_path / "out"
    )
    dialogs: list[str] = []
    with sync_playwright() as pw:
        # A persistent context on a fresh folder: no profile, cache or cookies leak between runs.
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
        )
        try:
            page = context.new_page()
            page.set_viewport_size(VIEWPORT)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
            decision = page.locator("#decision")
            box = decision.bounding_box()
            verdict = page.inner_text("#decision .verdict")
            shot = page.screenshot()  # the viewport only: what a reader sees before scrolling
            images = page.eval_on_selector_all(
                "img",
                "els => els.map(e => ({ok: e.complete && e.naturalWidth > 0, w: e.naturalWidth}))",
            )
            heading = page.inner_text("h1")
            text = page.inner_text("body")
        finally:
            context.close()
    assert len(images) >= 5
    assert all(i["ok"] for i in images), images
    assert heading.startswith("Rollout strategies compared")
    assert EVIL in text  # shown as text...
    assert dialogs == []  # ...never run
    # The decision summary starts above the fold, and its frame is in the first screenful.
    assert box is not None and box["y"] < VIEWPORT["height"] / 2, box
    assert "comes out ahead" in verdict or "No strategy beats" in verdict
    pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)
    frame = (np.abs(pixels - FRAME_RGB).sum(axis=2) < 30).sum()
    assert frame > 2 * VIEWPORT["width"], f"{frame} frame pixels on screen"
