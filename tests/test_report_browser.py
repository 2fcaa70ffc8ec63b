"""The report opens in a real headless Chromium, every chart image loads, and no script runs.

Needs the system Chromium (``apt-get install chromium``; see .ci/install-browser.sh)
and Playwright's Python package; skips with the reason when either is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
        synthetic_results(strategies=("pilot", EVIL, "staged")), tmp_path / "out"
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
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri(), wait_until="load")
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
