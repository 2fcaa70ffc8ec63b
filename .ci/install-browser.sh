#!/bin/sh
# Install the system Chromium used by tests/test_report_browser.py (driven by Playwright's
# Python package with executable_path=/usr/bin/chromium). CI runs as root with network
# access only to package registries, so Chromium comes from the distribution's packages,
# not from Playwright's own browser download. Skips when Chromium is already there.
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium
/usr/bin/chromium --version
