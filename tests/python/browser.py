"""Headless Chromium (Debian's `chromium`): the DOM after load, and a screenshot.

The report's own script writes "loaded/total" images into <body data-images-loaded>; the DOM
dump, taken after the page's virtual time budget, shows it. Missing Chromium fails the test
(CI installs it: scripts/install-deps.sh).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=10000"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed (apt-get install chromium; scripts/install-deps.sh "
                    "installs it): the report test needs a browser")
    return path


def _run(*args) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="abcsmc-chromium-") as profile:
        result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                                capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"chromium exited {result.returncode}: {result.stderr[-2000:]}")
    return result


def dump_dom(page) -> str:
    return _run("--dump-dom", f"file://{page}").stdout


def screenshot(page, image, width=1200, height=3000) -> None:
    _run(f"--screenshot={image}", f"--window-size={width},{height}", f"file://{page}")


def images_loaded(dom: str):
    """(loaded, total) from the page's own count, or None when its script did not run."""
    match = re.search(r'data-images-loaded="(\d+)/(\d+)"', dom)
    return (int(match.group(1)), int(match.group(2))) if match else None
